"""Calibration data: what may be fitted for each candidate family, and a fitted model as data.

Contents
--------
TARGETS          the calibration targets by name (``rheobase``, ``fi``, ``fi-noisy``,
                 ``gamma``), one line each; what they measure is defined in
                 :mod:`hhlif.protocols.experiments.calibration`
FitParameter     one fitted parameter: name, bounds with units, log or linear search
                 coordinate, and whether it shapes the static measures (rheobase, input
                 conductance)
FitSpace         the parameters worth fitting for one candidate family, in fit coordinates
FIT_SPACES       ``lif`` (g_L, V_th, t_ref) and ``adex`` (g_L, V_T, b, tau_w)
fit_space        the FitSpace of a candidate name, with a one-line error for the others
Calibration      a fitted candidate (frozen): the parameters with units, the report and the
                 settings; ``to_json`` / ``from_json`` (units as text) and ``model()``
CALIBRATION_FORMAT, CALIBRATION_VERSION
                 the ``format`` and ``version`` fields of the JSON record

Data only: nothing here simulates or touches a file (the measurements, the optimiser and
the files are :mod:`hhlif.protocols.experiments.calibration`'s).

Why these parameters
--------------------
``lif``: the leak conductance ``g_L`` sets the input conductance (exactly: G_in = g_L) and,
with C_m fixed at 1 µF/cm², the membrane time constant; ``V_th`` sets the rheobase
g_L·(V_th − E_L); ``t_ref`` bounds the rate and shapes the f–I curve's slope and
saturation.  ``E_L`` only shifts the voltage axis and ``C_m`` trades off with ``g_L`` at
fixed rheobase, so neither is fitted; ``V_reset`` trades off with ``t_ref`` (both lengthen
the interval after a spike) and is left at E_L.  ``adex``: ``g_L`` and ``V_T`` (static
excitability), the spike-triggered adaptation ``b`` and its time constant ``tau_w`` (the
f–I slope and rate adaptation).

Examples
--------
>>> space = fit_space("lif")
>>> space.names("fi-noisy"), space.names("rheobase")
(('g_L', 'V_th', 't_ref'), ('g_L', 'V_th'))
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .errors import ParameterError, UnknownNameError

__all__ = ["TARGETS", "FAMILIES", "FitParameter", "FitSpace", "FIT_SPACES", "fit_space",
           "Calibration", "CALIBRATION_FORMAT", "CALIBRATION_VERSION"]

# Brian2 (and the modules that import it) are imported where used: ``hhlif fit --help``
# lists TARGETS and FAMILIES without loading Brian2; FIT_SPACES is built on first use
# (the module's __getattr__).
FIT_SPACES: dict

#: The calibration targets: what the optimiser minimises (details: the measurements of
#: :mod:`hhlif.protocols.experiments.calibration`).
TARGETS = {
    "rheobase": "rheobase and DC input conductance (the static excitability; relative errors)",
    "fi": "deterministic steady-state f-I curve at a list of currents (RMS rate error, Hz)",
    "fi-noisy": "f-I curve under the equivalence task's private Poisson noise, frozen"
                " realisations (RMS rate error, Hz)",
    "gamma": "coincidence factor (+-2 ms) with the reference on frozen task noise (1 - gamma)",
}

#: ``format`` of a calibration's JSON record.
CALIBRATION_FORMAT = "hhlif-calibration"
#: ``version`` of the record's layout.
CALIBRATION_VERSION = 1

#: The candidate families with a fit space (the keys of :data:`FIT_SPACES`).
FAMILIES = ("adex", "lif")


@dataclass(frozen=True)
class FitParameter:
    """One parameter of a fit: its bounds with units and its search coordinate.

    Parameters
    ----------
    name : str
        A parameter of the candidate model.
    low, high : Quantity
        Bounds (same dimensions, ``low < high``; both > 0 when ``log``).
    log : bool
        Search in log10 of the value (parameters spanning decades: conductances, time
        constants); otherwise linearly.
    static : bool
        Whether the parameter shapes the static measures (rheobase, input conductance):
        only these are fitted for the ``rheobase`` target.

    Raises
    ------
    ParameterError
        For bounds of different dimensions, not increasing, or not > 0 with ``log``.
    """

    name: str
    low: Any
    high: Any
    log: bool = False
    static: bool = True

    def __post_init__(self):
        from brian2 import get_dimensions

        from .units import format_value

        if get_dimensions(self.low) != get_dimensions(self.high):
            raise ParameterError(f"fit parameter {self.name!r}: bounds {format_value(self.low)}"
                                 f" and {format_value(self.high)}: expected the same units")
        if not float(self.low) < float(self.high):
            raise ParameterError(f"fit parameter {self.name!r}: bounds {format_value(self.low)}"
                                 f" .. {format_value(self.high)}: expected low < high")
        if self.log and not float(self.low) > 0:
            raise ParameterError(f"fit parameter {self.name!r}: low={format_value(self.low)}:"
                                 f" expected a value > 0 for a log search")

    @property
    def unit(self):
        """The display unit of the coordinate (``mS/cm**2``, ``mV``, ``ms``); None if
        dimensionless."""
        from .units import display_unit

        return display_unit(self.low)[0]

    def _scale(self) -> float:
        unit = self.unit
        return 1.0 if unit is None else float(1 * unit)

    def bounds(self) -> tuple[float, float]:
        """The bounds in the search coordinate (display-unit numbers, log10 if ``log``)."""
        lo, hi = float(self.low) / self._scale(), float(self.high) / self._scale()
        return (math.log10(lo), math.log10(hi)) if self.log else (lo, hi)

    def value(self, coordinate):
        """The parameter value(s) (a Quantity) of search coordinate(s)."""
        from brian2 import Quantity, get_dimensions

        x = np.asarray(coordinate, dtype=float)
        number = 10.0 ** x if self.log else x
        return Quantity(number * self._scale(), dim=get_dimensions(self.low))

    def coordinate(self, value) -> np.ndarray:
        """The search coordinate(s) of parameter value(s) (the inverse of :meth:`value`)."""
        number = np.asarray(value, dtype=float) / self._scale()
        return np.log10(number) if self.log else number

    def describe(self) -> dict:
        """JSON-friendly: bounds as text, the coordinate kind, ``static``."""
        from .units import format_quantity

        return {"low": format_quantity(self.low), "high": format_quantity(self.high),
                "search": "log10" if self.log else "linear", "static": bool(self.static)}


@dataclass(frozen=True)
class FitSpace:
    """The parameters worth fitting for one candidate family.

    Parameters
    ----------
    family : str
        The registry name of the candidate model (``lif``, ``adex``).
    parameters : tuple of FitParameter
    note : str
        Why these parameters (one line, for reports).
    """

    family: str
    parameters: tuple
    note: str = ""

    def select(self, target: str) -> tuple:
        """The fitted parameters for ``target``: the static ones for ``rheobase`` (the
        others do not change it), all of them otherwise."""
        if target == "rheobase":
            return tuple(p for p in self.parameters if p.static)
        return tuple(self.parameters)

    def names(self, target: str = "fi-noisy") -> tuple:
        """Names of :meth:`select`."""
        return tuple(p.name for p in self.select(target))

    def bounds(self, target: str = "fi-noisy") -> list:
        """``[(low, high), ...]`` in the search coordinates of :meth:`select`."""
        return [p.bounds() for p in self.select(target)]

    def values(self, x, target: str = "fi-noisy") -> dict:
        """``{name: Quantity}`` of search coordinates ``x`` (shape (parameters,) or
        (parameters, sets): one column per parameter set)."""
        x = np.asarray(x, dtype=float)
        chosen = self.select(target)
        if x.shape[0] != len(chosen):
            raise ParameterError(f"fit coordinates of shape {x.shape}: expected {len(chosen)}"
                                 f" rows ({', '.join(p.name for p in chosen)})")
        return {p.name: p.value(x[k]) for k, p in enumerate(chosen)}

    def check(self, model) -> None:
        """Refuse a space whose names or units are not the model's.

        Parameters
        ----------
        model : NeuronModel

        Raises
        ------
        UnknownNameError
            A fitted name that is not a parameter of ``model``.
        ParameterError
            Bounds whose dimensions differ from the model's parameter.
        """
        from brian2 import get_dimensions

        from .units import display_unit, format_quantity

        for p in self.parameters:
            if p.name not in model.parameters:
                raise UnknownNameError(
                    f"fit parameter {p.name!r} of family {self.family!r}: not a parameter of"
                    f" model {model.name!r}; its parameters are"
                    f" {', '.join(sorted(model.parameters))}")
            if get_dimensions(model.parameters[p.name]) != get_dimensions(p.low):
                raise ParameterError(
                    f"fit parameter {p.name!r}: bounds in {display_unit(p.low)[1]}, model"
                    f" {model.name!r} has {format_quantity(model.parameters[p.name])}:"
                    f" expected the same units")

    def describe(self, target: str = "fi-noisy") -> dict:
        """``{name: FitParameter.describe()}`` of the parameters fitted for ``target``."""
        return {p.name: p.describe() for p in self.select(target)}


def _fit_spaces() -> dict:
    """The fit space of each candidate family (by registry name): :data:`FIT_SPACES`."""
    from brian2 import cm, mS, ms, mV, uA

    current = uA / cm**2
    return {
        "lif": FitSpace(
            family="lif",
            parameters=(
                FitParameter("g_L", 0.05 * mS / cm**2, 3.0 * mS / cm**2, log=True),
                FitParameter("V_th", -64.0 * mV, -30.0 * mV),
                FitParameter("t_ref", 0.0 * ms, 25.0 * ms, static=False),
            ),
            note="g_L: input conductance and tau_m; V_th: rheobase g_L*(V_th - E_L); t_ref:"
                 " rate ceiling and f-I slope (C_m, E_L, V_reset fixed)"),
        "adex": FitSpace(
            family="adex",
            parameters=(
                FitParameter("g_L", 0.05 * mS / cm**2, 3.0 * mS / cm**2, log=True),
                FitParameter("V_T", -60.0 * mV, -35.0 * mV),
                FitParameter("b", 0.0 * current, 5.0 * current, static=False),
                FitParameter("tau_w", 5.0 * ms, 500.0 * ms, log=True, static=False),
            ),
            note="g_L, V_T: static excitability; b, tau_w: spike-triggered adaptation (f-I"
                 " slope); the other AdEx parameters keep their defaults"),
    }


def __getattr__(name):
    # FIT_SPACES holds Brian2 quantities: built when first used (PEP 562)
    if name == "FIT_SPACES":
        spaces = _fit_spaces()
        globals()["FIT_SPACES"] = spaces
        return spaces
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fit_space(candidate: str) -> FitSpace:
    """The fit space of a candidate model name.

    Raises
    ------
    UnknownNameError
        For a name without a fit space (the message lists those with one).
    """
    spaces = globals().get("FIT_SPACES") or __getattr__("FIT_SPACES")
    try:
        return spaces[candidate]
    except (KeyError, TypeError):
        raise UnknownNameError(f"candidate {candidate!r}: no fit space (no parameters to"
                               f" calibrate); calibratable candidates are"
                               f" {', '.join(FAMILIES)}") from None


# ====================================================================== the result
_KEYS = ("format", "version", "candidate", "reference", "target", "parameters", "report",
         "settings")


def _json_copy(value, what: str):
    """A deep copy of a JSON-able mapping (through JSON), refusing anything else."""
    if not isinstance(value, Mapping):
        raise ParameterError(f"calibration {what}={value!r:.80}: expected a mapping")
    try:
        return json.loads(json.dumps(dict(value), allow_nan=True))
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"calibration {what}: expected JSON-able values ({exc})") from None


@dataclass(frozen=True, eq=False)
class Calibration:
    """A candidate model fitted to a reference.

    Parameters
    ----------
    candidate, reference : str
        Registry names (the candidate must be registered: :meth:`model` builds it).
    target : str
        Among :data:`TARGETS`: what the fit minimised.
    parameters : mapping of str to Quantity
        The fitted values (scalars with units); every other parameter keeps the
        candidate's default.
    report : mapping
        JSON-able: every target's reference value, candidate value and error, the
        optimiser's evaluations, the wall times (see
        :func:`hhlif.protocols.experiments.calibration.fit`).
    settings : mapping
        JSON-able: the task settings (noise ...) and measurement settings used.

    Raises
    ------
    UnknownNameError, ParameterError, ParameterUnitError
        One line: an unknown model or target, a parameter the candidate lacks, a value with
        the wrong units or physically meaningless (``V_reset`` above ``V_th`` ...).

    Examples
    --------
    >>> from brian2 import mS, cm
    >>> c = Calibration("lif", "hh", "fi", {"g_L": 1.2 * mS / cm**2})
    >>> c.to_json()["parameters"]
    {'g_L': '1.2*mS/cm**2'}
    >>> Calibration.from_json(c.to_json()) == c
    True
    """

    candidate: str
    reference: str
    target: str
    parameters: Mapping[str, Any]
    report: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        from .neuron_model import check_quantity
        from .registry import get
        from .units import format_value

        for what in ("candidate", "reference"):
            name = getattr(self, what)
            if not isinstance(name, str):
                raise ParameterError(f"calibration {what}={name!r}: expected a model name")
            try:
                get(name)
            except UnknownNameError as exc:
                raise UnknownNameError(f"calibration {what}={name!r}: {exc}") from None
        if self.target not in TARGETS:
            raise UnknownNameError(f"calibration target={self.target!r}: unknown; valid targets"
                                   f" are {', '.join(TARGETS)}")
        if not isinstance(self.parameters, Mapping):
            raise ParameterError(f"calibration parameters={self.parameters!r:.80}: expected a"
                                 f" mapping of parameter names to values with units")
        model = get(self.candidate)
        checked = {}
        for name, value in self.parameters.items():
            if name not in model.parameters:
                raise UnknownNameError(
                    f"calibration parameter {name!r}: not a parameter of model"
                    f" {self.candidate!r}; valid parameters are"
                    f" {', '.join(sorted(model.parameters))}")
            q = check_quantity(name, value, model.parameters[name],
                               context="calibration parameter")
            if np.ndim(q) != 0:
                raise ParameterError(f"calibration parameter {name!r}={format_value(value)}:"
                                     f" expected one value, got shape {np.shape(q)}")
            checked[name] = q
        model.with_parameters(**checked)  # physical meaning (orderings such as V_reset < V_th)
        object.__setattr__(self, "parameters", checked)
        object.__setattr__(self, "report", _json_copy(self.report, "report"))
        object.__setattr__(self, "settings", _json_copy(self.settings, "settings"))

    def model(self):
        """The fitted candidate: ``hhlif.models.get(candidate, **parameters)``."""
        from .registry import get

        return get(self.candidate, **self.parameters)

    def to_json(self) -> dict:
        """The JSON record: the fields, parameter values as text (``'1.17*mS/cm**2'``,
        read back by :func:`hhlif.models.parsing.parse_value`)."""
        return {"format": CALIBRATION_FORMAT, "version": CALIBRATION_VERSION,
                "candidate": self.candidate, "reference": self.reference,
                "target": self.target,
                "parameters": {k: _format(v) for k, v in self.parameters.items()},
                "report": json.loads(json.dumps(self.report)),
                "settings": json.loads(json.dumps(self.settings))}

    @classmethod
    def from_json(cls, record) -> "Calibration":
        """A Calibration from its JSON record (:meth:`to_json`).

        Raises
        ------
        ParameterError, UnknownNameError, ParameterUnitError
            One line naming the key or parameter, the value and what was expected: a
            record that is not an object, missing or unknown keys, another format or
            version, an unknown model or target, a parameter the candidate lacks, a value
            that is not text with units or has the wrong units.
        """
        from .parsing import parse_value

        if not isinstance(record, Mapping):
            raise ParameterError(f"calibration record: expected a JSON object, got a"
                                 f" {type(record).__name__}")
        missing = [k for k in _KEYS if k not in record]
        if missing:
            raise ParameterError(f"calibration record: missing key(s) {', '.join(missing)};"
                                 f" expected {', '.join(_KEYS)}")
        unknown = sorted(str(k) for k in record if k not in _KEYS)
        if unknown:
            raise ParameterError(f"calibration record: unknown key(s) {', '.join(unknown)};"
                                 f" expected {', '.join(_KEYS)}")
        if record["format"] != CALIBRATION_FORMAT:
            raise ParameterError(f"calibration record: format={record['format']!r}: expected"
                                 f" {CALIBRATION_FORMAT!r}")
        if record["version"] != CALIBRATION_VERSION:
            raise ParameterError(f"calibration record: version={record['version']!r}: expected"
                                 f" {CALIBRATION_VERSION} (this hhlif reads that layout)")
        params = record["parameters"]
        if not isinstance(params, Mapping):
            raise ParameterError(f"calibration record: parameters={params!r:.80}: expected an"
                                 f" object of parameter names to values with units")
        values = {}
        for name, text in params.items():
            if not isinstance(text, str):
                raise ParameterError(f"calibration parameter {name!r}={text!r}: expected text"
                                     f" with units such as '1.2*mS/cm**2'")
            values[name] = parse_value(text, name)
        return cls(candidate=record["candidate"], reference=record["reference"],
                   target=record["target"], parameters=values, report=record["report"],
                   settings=record["settings"])

    def __eq__(self, other):
        if not isinstance(other, Calibration):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __hash__(self):
        return hash(json.dumps(self.to_json(), sort_keys=True))

    def describe_parameters(self) -> str:
        """``'g_L=1.17*mS/cm**2, V_th=-59.6*mV'``."""
        return ", ".join(f"{k}={_format(v)}" for k, v in self.parameters.items())


def _format(value) -> str:
    from .units import format_quantity

    return format_quantity(value)
