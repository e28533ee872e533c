"""The stimulus base class, the sum of stimuli, and the helpers every stimulus family uses.

Contents
--------
Stimulus            the base class: validation of quantity fields, per-neuron values,
                    Brian2 code (``to_brian``), sampling (``sample``), ``+``
StimulusCode        what a stimulus contributes to a Brian2 model
SumStimulus         the sum of several stimuli (``a + b``)
stimulus_code       ``stimulus.to_brian`` with the simulated duration
CURRENT             the unit of every current, µA/cm²

Helpers for defining a stimulus (used by the family modules ``deterministic``, ``periodic``,
``sampled`` and ``synaptic``): :data:`CURRENT_SI`, :data:`CURRENT_REFERENCE`,
:data:`TIME_REFERENCE`, :func:`quantity_default`, :func:`check_count`,
:func:`check_nonnegative` and :func:`indices_in_range`.

This module imports none of the family modules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np
from brian2 import Quantity, amp, cm, meter, second, uA

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError
from hhlif.models.units import declaration_unit, format_quantity, format_value, uniform_value

__all__ = [
    "Stimulus", "StimulusCode", "SumStimulus", "stimulus_code", "CURRENT",
    "CURRENT_SI", "CURRENT_REFERENCE", "TIME_REFERENCE", "quantity_default", "check_count",
    "check_nonnegative", "indices_in_range",
]

#: The unit of every current: µA/cm².
CURRENT = uA / cm**2
#: The SI unit of current density, amp/metre**2: the unit of Brian2 code and of samples.
CURRENT_SI = amp / meter**2
#: The reference quantity of a current field in a stimulus's ``_fields``.
CURRENT_REFERENCE = 1 * CURRENT_SI
#: The reference quantity of a time field in a stimulus's ``_fields``.
TIME_REFERENCE = 1 * second


def quantity_default(value):
    """A dataclass field whose default is ``value``.

    Quantities are mutable arrays, so a stimulus's quantity default is given through a
    ``default_factory``.

    Parameters
    ----------
    value : Quantity
        The default.

    Returns
    -------
    dataclasses.Field
    """
    return field(default_factory=lambda: value)


def check_count(owner: str, name: str, value, minimum: int) -> None:
    """Check that the parameter ``name`` of ``owner`` is an integer >= ``minimum``.

    Raises
    ------
    ParameterError
        Naming the stimulus, the parameter, its value and the expected range.
    """
    if int(value) != value or value < minimum:
        raise ParameterError(f"{owner} parameter {name!r}={value!r}: expected an integer"
                             f" >= {minimum}")


def check_nonnegative(owner: str, name: str, value) -> None:
    """Check that every value of the parameter ``name`` of ``owner`` is >= 0.

    Raises
    ------
    ParameterError
        Naming the stimulus, the parameter and its value.
    """
    if np.any(np.asarray(value) < 0):
        raise ParameterError(f"{owner} parameter {name!r}={format_value(value)}: expected >= 0")


def indices_in_range(values, count: int) -> bool:
    """Whether every entry of ``values`` is an integer in [0, ``count``).

    Parameters
    ----------
    values : float or array
        Candidate indices (e.g. one column or waveform per neuron).
    count : int
        The number of valid indices.
    """
    values = np.asarray(values, dtype=float)
    return not (np.any(values != np.round(values)) or np.any(values < 0)
                or np.any(values >= count))


@dataclass
class StimulusCode:
    """What a stimulus contributes to a Brian2 model.

    Attributes
    ----------
    expression : str
        Brian2 expression of the current (amp/metre**2).
    declarations : str
        Equation lines declaring per-neuron stimulus variables.
    variables : dict
        Values of those variables (scalar or one per neuron).
    namespace : dict
        External names (TimedArrays) used by ``expression``.
    synaptic : list
        Poisson inputs needing a synaptic current ``I_syn``, as ``(prefix, stimulus)`` pairs
        (see :class:`~hhlif.protocols.stimuli.PoissonInput`).
    """

    expression: str
    declarations: str = ""
    variables: dict = field(default_factory=dict)
    namespace: dict = field(default_factory=dict)
    synaptic: list = field(default_factory=list)


class Stimulus:
    """Base class of every stimulus.

    A subclass is a frozen dataclass that declares ``_fields`` (name → reference quantity:
    the sweepable quantity fields, checked and converted on construction; names in
    ``_positive`` must be > 0) and implements ``_expression`` (Brian2 code, variable names
    written ``{p}name``) and ``_evaluate`` (NumPy, SI floats).  Any quantity field may be an
    array with one value per neuron: that is how the conditions of a sweep run as neurons
    of one group without recompiling.
    """

    _fields: ClassVar[Mapping[str, Any]] = {}
    _positive: ClassVar[tuple] = ()
    #: Whether the current is a sampled waveform (frozen noise, an array): a recording of
    #: its repeated trials is the design of the direct information method.
    sampled: ClassVar[bool] = False

    def __post_init__(self):
        for name, reference in self._fields.items():
            value = getattr(self, name)
            q = check_quantity(name, value, reference, positive=name in self._positive,
                               context=f"{type(self).__name__} parameter")
            if np.ndim(q) > 1:
                raise ParameterError(f"{type(self).__name__} parameter {name!r}: expected a"
                                     f" scalar or a 1-D array (one value per neuron)")
            object.__setattr__(self, name, q)

    # -- per-neuron values -------------------------------------------------------------
    def per_neuron_size(self) -> int | None:
        """Length of the per-neuron arrays among the fields (None if all scalar)."""
        sizes = {len(getattr(self, k)) for k in self._fields if np.ndim(getattr(self, k)) == 1}
        if len(sizes) > 1:
            raise ParameterError(f"{type(self).__name__}: per-neuron arrays of different"
                                 f" lengths {sorted(sizes)}")
        return sizes.pop() if sizes else None

    def _check_neurons(self, n: int, what: str = "values") -> None:
        """Raise unless the per-neuron arrays (if any) have ``n`` entries."""
        size = self.per_neuron_size()
        if size not in (None, n):
            raise ParameterError(f"{type(self).__name__}: {size} per-neuron {what} for"
                                 f" {n} neurons")

    def with_values(self, **values) -> "Stimulus":
        """A copy with some fields replaced (e.g. one value per neuron for a sweep)."""
        unknown = set(values) - set(self._fields)
        if unknown:
            raise ParameterError(
                f"{type(self).__name__}: unknown parameter(s) {sorted(unknown)}; valid are"
                f" {sorted(self._fields)}")
        return dataclasses.replace(self, **values)

    @property
    def parameters(self) -> tuple:
        """Names of the quantity fields (the sweepable parameters)."""
        return tuple(self._fields)

    def parameter_value(self, name: str):
        """Current value of the sweepable parameter ``name``."""
        if name not in self.parameters:
            raise ParameterError(f"{type(self).__name__}: unknown parameter {name!r}; valid are"
                                 f" {sorted(self.parameters)}")
        return getattr(self, name)

    # -- Brian2 ------------------------------------------------------------------------
    def to_brian(self, prefix: str, n: int, *, duration=None) -> StimulusCode:
        """Brian2 code for ``n`` neurons.

        Parameters
        ----------
        prefix : str
            The start of every variable and external name the code uses.
        n : int
            The number of neurons driven.
        duration : Quantity, optional
            The simulated time.  Sampled stimuli (noise, arrays) need it to generate their
            samples; the others ignore it.

        Returns
        -------
        StimulusCode
        """
        self._check_neurons(n)
        decl, variables = [], {}
        for name, reference in self._fields.items():
            var = f"{prefix}{name}"
            unit = declaration_unit(reference)
            value = getattr(self, name)
            single = uniform_value(value)
            if single is not None:
                # one value for all neurons: a shared scalar, read once per step
                decl.append(f"{var} : {unit} (shared, constant)")
                value = single
            else:
                decl.append(f"{var} : {unit} (constant)")
            variables[var] = value
        expr = self._expression().format(p=prefix)
        return StimulusCode(expression=f"({expr})", declarations="\n".join(decl),
                            variables=variables)

    def _expression(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- sampling ----------------------------------------------------------------------
    def sample(self, times, neuron: int = 0) -> Quantity:
        """The current at ``times`` (a Brian2 time array) for one neuron, in amp/metre**2.

        Examples
        --------
        >>> from brian2 import ms, uA, cm
        >>> from hhlif.protocols.stimuli import Step
        >>> Step(amplitude=2*uA/cm**2, start=1*ms, duration=1*ms).sample([0, 1.5]*ms) / (uA/cm**2)
        array([0., 2.])
        """
        t = np.asarray(check_quantity("times", times, second, context="sample"), dtype=float)
        values = {}
        for name in self._fields:
            v = np.asarray(getattr(self, name), dtype=float)
            values[name] = v[neuron] if v.ndim == 1 else float(v)
        return Quantity(self._evaluate(t, **values), dim=CURRENT_SI.dim)

    def _evaluate(self, t, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def __add__(self, other: "Stimulus") -> "SumStimulus":
        if not isinstance(other, Stimulus):
            return NotImplemented
        left = self.parts if isinstance(self, SumStimulus) else (self,)
        right = other.parts if isinstance(other, SumStimulus) else (other,)
        return SumStimulus(parts=left + right)

    def describe(self) -> dict:
        """JSON-friendly description."""
        out = {"type": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Quantity) or f.name in self._fields:
                out[f.name] = format_quantity(value)
            elif isinstance(value, (int, float, str, type(None))):
                out[f.name] = value
            elif isinstance(value, np.ndarray):
                out[f.name] = f"array{value.shape}"
        return out


@dataclass(frozen=True)
class SumStimulus(Stimulus):
    """The sum of several stimuli (``a + b``)."""

    parts: tuple = ()

    def __post_init__(self):
        if not self.parts or not all(isinstance(p, Stimulus) for p in self.parts):
            raise ParameterError("SumStimulus: expected one or more stimuli")

    @property
    def sampled(self) -> bool:  # noqa: D401 - the class attribute, for a sum
        return any(p.sampled for p in self.parts)

    @property
    def parameters(self):
        """Parameters of the parts, suffixed with the part's index (``amplitude0``)."""
        return tuple(f"{k}{j}" for j, p in enumerate(self.parts) for k in p.parameters)

    def _split(self, name: str):
        if name not in self.parameters:
            raise ParameterError(f"SumStimulus: unknown parameter {name!r}; valid are"
                                 f" {sorted(self.parameters)}")
        for j, part in enumerate(self.parts):
            for k in part.parameters:
                if name == f"{k}{j}":
                    return j, k
        raise AssertionError(name)

    def parameter_value(self, name: str):
        j, k = self._split(name)
        return self.parts[j].parameter_value(k)

    def with_values(self, **values) -> "SumStimulus":
        """A copy with parameters of the parts replaced (``amplitude0=...``)."""
        per_part: dict[int, dict] = {}
        for name, value in values.items():
            j, k = self._split(name)
            per_part.setdefault(j, {})[k] = value
        parts = tuple(p.with_values(**per_part[j]) if j in per_part else p
                      for j, p in enumerate(self.parts))
        return SumStimulus(parts=parts)

    def per_neuron_size(self):
        sizes = {p.per_neuron_size() for p in self.parts} - {None}
        return sizes.pop() if sizes else None

    def to_brian(self, prefix, n, *, duration=None):
        """The parts' code, part ``j`` with variable names starting ``{prefix}{j}_``."""
        codes = [part.to_brian(f"{prefix}{j}_", n, duration=duration)
                 for j, part in enumerate(self.parts)]
        return StimulusCode(
            expression="(" + " + ".join(c.expression for c in codes) + ")",
            declarations="\n".join(c.declarations for c in codes if c.declarations),
            variables={k: v for c in codes for k, v in c.variables.items()},
            namespace={k: v for c in codes for k, v in c.namespace.items()},
            synaptic=[s for c in codes for s in c.synaptic])

    def sample(self, times, neuron=0):
        return sum((p.sample(times, neuron) for p in self.parts[1:]),
                   self.parts[0].sample(times, neuron))

    def describe(self):
        return {"type": "SumStimulus", "parts": [p.describe() for p in self.parts]}


def stimulus_code(stimulus: Stimulus, prefix: str, n: int, duration) -> StimulusCode:
    """The Brian2 code of ``stimulus`` for ``n`` neurons over ``duration``.

    Equivalent to ``stimulus.to_brian(prefix, n, duration=duration)``: every stimulus
    accepts the duration (sampled ones need it, the others ignore it).
    """
    return stimulus.to_brian(prefix, n, duration=duration)
