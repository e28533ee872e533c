"""The models of a comparison: a registry name with the parameters it runs with.

Contents
--------
ModelSpec
    A model's registry name, the parameters that override its defaults (a calibration's,
    or ``--candidate-set``), the calibration report they came from, and the Brian2 units
    per neuron (a LIF2HH circuit counts 4); JSON in and out, so sweep points can carry it.
model_record, resolve_model
    A model as a sweep point records it (its name alone when it has no parameters, so
    the points of earlier versions keep their keys) and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from hhlif.models.errors import ParameterError

__all__ = ["ModelSpec", "model_record", "resolve_model"]


@dataclass(frozen=True)
class ModelSpec:
    """A model of the comparison and the parameters it runs with.

    Parameters
    ----------
    name : str
        Registry name (``hhlif list``).
    parameters : mapping of str to Quantity
        Overrides of the model's defaults (checked against the model when made).
    calibration : dict, optional
        The calibration report these parameters came from (``hhlif fit``), kept in
        provenance.
    source : str
        Where the parameters came from (``defaults``, a file, ``--candidate-set``).
    """

    name: str
    parameters: Mapping = field(default_factory=dict)
    calibration: Mapping | None = None
    source: str = "defaults"

    def __post_init__(self):
        self.model()   # unknown names and bad parameter values fail here

    def model(self):
        """The NeuronModel with these parameters."""
        from hhlif import models

        return models.get(self.name, **dict(self.parameters))

    @property
    def units_per_neuron(self) -> int:
        """Brian2 units (LIF-like compartments) per model neuron (4 for LIF2HH circuits)."""
        return int(getattr(self.model(), "units_per_neuron", 1) or 1)

    @property
    def dt_ms(self) -> float:
        return float(self.model().dt) * 1e3

    def label(self) -> str:
        return self.name if self.source == "defaults" else f"{self.name} ({self.source})"

    def to_json(self) -> dict:
        from hhlif.models.units import format_quantity

        out = {"model": self.name,
               "parameters": {k: format_quantity(v) for k, v in sorted(self.parameters.items())},
               "source": self.source}
        if self.calibration is not None:
            out["calibration"] = dict(self.calibration)
        return out

    @classmethod
    def from_json(cls, record: Mapping) -> "ModelSpec":
        from hhlif.models.parsing import parse_value

        params = {k: parse_value(v, k) for k, v in dict(record.get("parameters") or {}).items()}
        return cls(str(record["model"]), params, record.get("calibration"),
                   str(record.get("source", "defaults")))

    @classmethod
    def coerce(cls, value, option: str = "model") -> "ModelSpec":
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping):
            return cls.from_json(value)
        raise ParameterError(f"{option}={value!r}: expected a model name or a ModelSpec")

    @classmethod
    def from_calibration(cls, calibration, source: str | None = None) -> "ModelSpec":
        """The candidate of a calibration (:class:`hhlif.models.calibration.Calibration`)."""
        return cls(calibration.candidate, dict(calibration.parameters),
                   dict(calibration.report, target=calibration.target,
                        reference=calibration.reference),
                   source or f"fitted: {calibration.target}")

    def updated(self, parameters: Mapping, source: str) -> "ModelSpec":
        if not parameters:
            return self
        return ModelSpec(self.name, {**dict(self.parameters), **dict(parameters)},
                         self.calibration,
                         source if self.source == "defaults" else f"{self.source}; {source}")


def model_record(model):
    """``model`` (a name or a ModelSpec) as a sweep point holds it: the name when it runs
    with the registry's defaults, else :meth:`ModelSpec.to_json`."""
    spec = ModelSpec.coerce(model)
    return spec.name if not spec.parameters and spec.calibration is None else spec.to_json()


def resolve_model(record) -> tuple[str, object]:
    """(name, what a Protocol takes) from :func:`model_record`'s output: a name stays a
    name (the registry builds it), a record becomes its NeuronModel."""
    if isinstance(record, str):
        return record, record
    spec = ModelSpec.coerce(record)
    return spec.name, spec.model()
