"""How a recording was made, as the recording itself says: the design the analysis dispatches on.

Contents
--------
Design
    Frozen dataclass: frozen and time-varying stimulus, trials, conditions with their
    values and units, the stimulus class; :attr:`Design.repeats_one_stimulus` tells
    whether it is the design of the direct method.
recorded_design
    The :class:`Design` of a ``neo.Block`` (or of the :class:`~hhlif.analysis.SpikeData`
    loaded from it), or None when the recording does not describe its design.

Notes
-----
hhlif writes the Block annotation ``design_json``, one JSON string (NIX keeps flat strings
intact)::

    {"frozen_stimulus": true, "time_varying_stimulus": true, "trials": 60,
     "n_conditions": 1, "stimulus": "OUNoise",
     "conditions": {"names": ["amplitude"], "values": {"amplitude": [2.0]},
                    "units": {"amplitude": "uA/cm**2"}}}

``frozen_stimulus``: every trial of a condition receives the same stimulus sample path;
``time_varying_stimulus``: the stimulus is a waveform in time (noise, a sampled array), not
a constant or a step; ``values`` are in the display unit named in ``units`` (``"1"`` for
dimensionless), one value per condition. The analysis reads condition values from here,
never from the condition labels, and picks its estimator from the design, never from the
protocol's name. Recordings without the annotation (older hhlif files, other tools) have
no design: :func:`recorded_design` returns None and the caller falls back on the
recording's structure.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import AnalysisInputError

__all__ = ["Design", "recorded_design", "DESIGN_ANNOTATION"]

#: Block annotation holding the design (a JSON string).
DESIGN_ANNOTATION = "design_json"


@dataclass(frozen=True)
class Design:
    """How a recording was made (the ``design_json`` annotation of an hhlif file).

    Parameters
    ----------
    frozen_stimulus : bool
        Every trial of a condition receives the same stimulus sample path.
    time_varying_stimulus : bool
        The stimulus varies in time (noise or a sampled waveform), rather than being a
        constant or a step.
    trials : int
        Trials (repeats) per condition, >= 1.
    n_conditions : int
        Number of conditions, >= 1.
    condition_names : tuple of str
        The varied parameters (empty when nothing is varied).
    condition_values : dict of str to tuple of float
        Per parameter, one value per condition, in the unit of ``condition_units``.
    condition_units : dict of str to str
        Per parameter, the unit of its values (``"1"``: dimensionless).
    stimulus : str
        The stimulus class name.

    Raises
    ------
    AnalysisInputError
        Fields of the wrong type, counts below 1, or values that do not give one finite
        number per condition for every parameter named.

    Examples
    --------
    >>> d = Design(frozen_stimulus=True, time_varying_stimulus=False, trials=20,
    ...            n_conditions=3, condition_names=("amplitude",),
    ...            condition_values={"amplitude": (2.0, 4.0, 8.0)},
    ...            condition_units={"amplitude": "uA/cm**2"}, stimulus="Step")
    >>> d.repeats_one_stimulus, d.condition(1)
    (False, {'amplitude': 4.0})
    """

    frozen_stimulus: bool
    time_varying_stimulus: bool
    trials: int
    n_conditions: int
    condition_names: tuple = ()
    condition_values: dict = field(default_factory=dict)
    condition_units: dict = field(default_factory=dict)
    stimulus: str = ""

    def __post_init__(self):
        set_ = object.__setattr__
        for name in ("frozen_stimulus", "time_varying_stimulus"):
            if not isinstance(getattr(self, name), bool):
                raise AnalysisInputError(f"{name}={getattr(self, name)!r}: expected true or "
                                         "false")
        for name in ("trials", "n_conditions"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AnalysisInputError(f"{name}={value!r}: expected an integer >= 1")
        names = self.condition_names
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise AnalysisInputError(f"condition names={names!r}: expected a list of strings")
        names = tuple(names)
        if len(set(names)) != len(names):
            raise AnalysisInputError(f"condition names={list(names)!r}: expected distinct names")
        values, units = {}, {}
        for key in names:
            if key not in self.condition_values or key not in self.condition_units:
                raise AnalysisInputError(f"condition {key!r}: expected its values and its unit"
                                         " (keys of 'values' and 'units')")
            raw = self.condition_values[key]
            try:
                vals = tuple(float(v) for v in raw)
            except (TypeError, ValueError):
                raise AnalysisInputError(f"values of condition {key!r} = {raw!r}: expected a "
                                         "list of numbers") from None
            if len(vals) != self.n_conditions or not all(math.isfinite(v) for v in vals):
                raise AnalysisInputError(f"values of condition {key!r} = {list(vals)!r}: "
                                         f"expected {self.n_conditions} finite numbers, one "
                                         "per condition")
            unit = self.condition_units[key]
            if not isinstance(unit, str):
                raise AnalysisInputError(f"unit of condition {key!r} = {unit!r}: expected a "
                                         "string such as 'uA/cm**2'")
            values[key], units[key] = vals, unit
        if not isinstance(self.stimulus, str):
            raise AnalysisInputError(f"stimulus={self.stimulus!r}: expected the stimulus "
                                     "class name")
        set_(self, "condition_names", names)
        set_(self, "condition_values", values)
        set_(self, "condition_units", units)

    @property
    def repeats_one_stimulus(self) -> bool:
        """One condition, several trials, one frozen time-varying stimulus: the design of
        the direct method (Strong et al. 1998)."""
        return self.n_conditions == 1 and self.trials_repeat_a_waveform

    @property
    def trials_repeat_a_waveform(self) -> bool:
        """Within each condition, several trials of the same frozen, time-varying stimulus
        (each condition alone is a direct-method design)."""
        return self.frozen_stimulus and self.time_varying_stimulus and self.trials >= 2

    def condition(self, index: int) -> dict:
        """``{parameter: value}`` of condition ``index`` (in the units of
        :attr:`condition_units`)."""
        if not 0 <= int(index) < self.n_conditions:
            raise AnalysisInputError(f"condition={index!r}: expected 0..{self.n_conditions - 1}")
        return {k: v[int(index)] for k, v in self.condition_values.items()}

    def describe(self) -> str:
        """One line, e.g. ``'3 conditions (amplitude) x 20 trials, constant stimulus Step'``."""
        conds = f"{self.n_conditions} condition{'s' if self.n_conditions != 1 else ''}"
        if self.condition_names:
            conds += f" ({', '.join(self.condition_names)})"
        kind = "time-varying" if self.time_varying_stimulus else "constant"
        frozen = "frozen" if self.frozen_stimulus else "not frozen"
        return (f"{conds} x {self.trials} trial{'s' if self.trials != 1 else ''}, {kind} "
                f"stimulus {self.stimulus or '?'} ({frozen})")

    def to_dict(self) -> dict:
        """The ``design_json`` layout (JSON-serialisable)."""
        return {"frozen_stimulus": self.frozen_stimulus,
                "time_varying_stimulus": self.time_varying_stimulus,
                "trials": self.trials, "n_conditions": self.n_conditions,
                "conditions": {"names": list(self.condition_names),
                               "values": {k: list(v) for k, v in self.condition_values.items()},
                               "units": dict(self.condition_units)},
                "stimulus": self.stimulus}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Design":
        """A Design from the ``design_json`` layout (extra keys are ignored)."""
        if not isinstance(d, Mapping):
            raise AnalysisInputError(f"design of type {type(d).__name__}: expected a JSON "
                                     "object")
        required = ("frozen_stimulus", "time_varying_stimulus", "trials", "n_conditions")
        missing = [k for k in required if k not in d]
        if missing:
            raise AnalysisInputError(f"design lacks {missing}: expected the keys "
                                     f"{list(required)} (and 'conditions', 'stimulus')")
        conditions = d.get("conditions") or {}
        if not isinstance(conditions, Mapping):
            raise AnalysisInputError(f"conditions={conditions!r}: expected an object with "
                                     "'names', 'values' and 'units'")
        values, units = conditions.get("values") or {}, conditions.get("units") or {}
        if not isinstance(values, Mapping) or not isinstance(units, Mapping):
            raise AnalysisInputError("conditions 'values' and 'units': expected objects keyed "
                                     "by parameter name")
        return cls(frozen_stimulus=d["frozen_stimulus"],
                   time_varying_stimulus=d["time_varying_stimulus"],
                   trials=d["trials"], n_conditions=d["n_conditions"],
                   condition_names=tuple(conditions.get("names") or ()),
                   condition_values=dict(values), condition_units=dict(units),
                   stimulus=d.get("stimulus", ""))


def recorded_design(source: Any) -> Design | None:
    """The design a recording describes (its ``design_json`` annotation), or None.

    Parameters
    ----------
    source : neo.Block, SpikeData or mapping
        A Block, the :class:`~hhlif.analysis.SpikeData` loaded from one (its
        ``annotations`` are the Block's), or a dict of Block annotations.

    Returns
    -------
    Design or None
        None when there is no ``design_json`` annotation.

    Raises
    ------
    AnalysisInputError
        An annotation that is not valid JSON or not a valid design: the file describes its
        design wrongly, and guessing instead could pick the wrong estimator.

    Examples
    --------
    >>> import neo
    >>> block = neo.Block(design_json='{"frozen_stimulus": true, "time_varying_stimulus": '
    ...                   'true, "trials": 40, "n_conditions": 1, "stimulus": "OUNoise"}')
    >>> recorded_design(block).repeats_one_stimulus
    True
    >>> recorded_design(neo.Block()) is None
    True
    """
    annotations = source if isinstance(source, Mapping) else getattr(source, "annotations",
                                                                      None)
    if not isinstance(annotations, Mapping):
        raise AnalysisInputError(f"source of type {type(source).__name__}: expected a "
                                 "neo.Block, a SpikeData or a dict of Block annotations")
    if DESIGN_ANNOTATION not in annotations:
        return None
    origin = str(annotations.get("source") or "recording")
    text = annotations[DESIGN_ANNOTATION]
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        raw = json.loads(str(text))
    except ValueError as err:
        raise AnalysisInputError(f"{origin}: block annotation {DESIGN_ANNOTATION} is not valid "
                                 f"JSON ({err}); expected the recording's design as written "
                                 "by hhlif") from None
    try:
        return Design.from_dict(raw)
    except AnalysisInputError as err:
        raise AnalysisInputError(f"{origin}: block annotation {DESIGN_ANNOTATION}: {err}") \
            from None
