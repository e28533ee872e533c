"""The stimulus library: input currents per unit membrane area (µA/cm²), with units.

Contents
--------
Constant, Step, PulseTrain, Ramp         deterministic currents
Sine, Square, Sawtooth, Triangle         periodic waveforms (the seed's Fig. 3 shapes)
seed_waveform(shape)                     the seed's five presets (../shared/PAPER.md)
SeedWaveform                             the five exactly as the seed's script defines them, read
                                         at the start or end of a step or averaged over it
OrnsteinUhlenbeck, WhiteNoise            noise frozen by ``seed`` (replayed on every trial)
PoissonInput                             Poisson spikes through synapses (homogeneous or rate-modulated)
ArrayStimulus                            a user array, 1-D (time) or 2-D (time × neuron)
WaveformSet                              several sampled waveforms, one chosen per neuron/condition
Stimulus                                 the base class; stimuli add with ``+``

Every stimulus is a frozen dataclass that validates itself; ``sample(times)`` returns the
current as an array (for plots, export and tests) and ``to_brian(prefix, n)`` returns the
Brian2 expression and per-neuron variables that drive a model's ``I_input``.  Any quantity
field may be an array with one value per neuron: that is how conditions of a sweep run as
neurons of one group without recompiling.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np
from brian2 import Hz, Quantity, TimedArray, amp, get_dimensions, meter, ms, second, uA, cm

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError
from hhlif.models.units import format_quantity, format_value, uniform_value

__all__ = [
    "Stimulus", "StimulusCode", "Constant", "Step", "PulseTrain", "Ramp", "Sine", "Square",
    "Sawtooth", "Triangle", "OrnsteinUhlenbeck", "WhiteNoise", "PoissonInput", "ArrayStimulus",
    "WaveformSet",
    "SumStimulus", "seed_waveform", "SeedWaveform", "SEED_WAVEFORMS", "SEED_READS", "CURRENT",
]

#: The unit of every current: µA/cm².
CURRENT = uA / cm**2
_CURRENT_SI = amp / meter**2


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
        Poisson inputs needing a synaptic current ``I_syn`` (see :class:`PoissonInput`).
    """

    expression: str
    declarations: str = ""
    variables: dict = field(default_factory=dict)
    namespace: dict = field(default_factory=dict)
    synaptic: list = field(default_factory=list)


class Stimulus:
    """Base class: subclasses declare ``_fields`` (name → reference quantity) and implement
    ``_expression`` (Brian2, names prefixed) and ``_evaluate`` (NumPy, SI floats)."""

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
    def to_brian(self, prefix: str, n: int) -> StimulusCode:
        """Brian2 code for ``n`` neurons; variable names start with ``prefix``."""
        size = self.per_neuron_size()
        if size not in (None, n):
            raise ParameterError(f"{type(self).__name__}: {size} per-neuron values for {n} neurons")
        decl, variables = [], {}
        for name, reference in self._fields.items():
            var = f"{prefix}{name}"
            unit = _decl_unit(reference)
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
        >>> Step(amplitude=2*uA/cm**2, start=1*ms, duration=1*ms).sample([0, 1.5]*ms) / (uA/cm**2)
        array([0., 2.])
        """
        t = np.asarray(check_quantity("times", times, second, context="sample"), dtype=float)
        values = {}
        for name in self._fields:
            v = np.asarray(getattr(self, name), dtype=float)
            values[name] = v[neuron] if v.ndim == 1 else float(v)
        return Quantity(self._evaluate(t, **values), dim=_CURRENT_SI.dim)

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


def _decl_unit(reference) -> str:
    dims = get_dimensions(reference)
    if dims == get_dimensions(_CURRENT_SI):
        return "amp/meter**2"
    if dims == get_dimensions(second):
        return "second"
    if dims == get_dimensions(Hz):
        return "hertz"
    if dims.is_dimensionless:
        return "1"
    raise AssertionError(dims)


def _q(value):
    """A dataclass default for a quantity (Quantities are mutable arrays)."""
    return field(default_factory=lambda: value)


_I = 1 * _CURRENT_SI
_T = 1 * second


# ---------------------------------------------------------------------- deterministic
@dataclass(frozen=True)
class Constant(Stimulus):
    """A constant current ``amplitude``."""

    amplitude: Any = _q(0 * CURRENT)
    _fields: ClassVar = {"amplitude": _I}

    def _expression(self):
        return "{p}amplitude"

    def _evaluate(self, t, amplitude):
        return np.full_like(t, amplitude)


@dataclass(frozen=True)
class Step(Stimulus):
    """``baseline``, plus ``amplitude`` for ``start <= t < start + duration``."""

    amplitude: Any = _q(10 * CURRENT)
    start: Any = _q(0 * ms)
    duration: Any = _q(1e9 * second)
    baseline: Any = _q(0 * CURRENT)
    _fields: ClassVar = {"amplitude": _I, "start": _T, "duration": _T, "baseline": _I}
    _positive: ClassVar = ("duration",)

    def _expression(self):
        return ("{p}baseline + {p}amplitude*int(t >= {p}start)"
                "*int(t < {p}start + {p}duration)")

    def _evaluate(self, t, amplitude, start, duration, baseline):
        return baseline + amplitude * ((t >= start) & (t < start + duration))


@dataclass(frozen=True)
class PulseTrain(Stimulus):
    """Rectangular pulses of ``amplitude`` and ``width`` every ``period`` from ``start``,
    ``n_pulses`` of them (0: unlimited)."""

    amplitude: Any = _q(10 * CURRENT)
    width: Any = _q(1 * ms)
    period: Any = _q(10 * ms)
    start: Any = _q(0 * ms)
    n_pulses: int = 0
    _fields: ClassVar = {"amplitude": _I, "width": _T, "period": _T, "start": _T}
    _positive: ClassVar = ("width", "period")

    def __post_init__(self):
        super().__post_init__()
        if int(self.n_pulses) != self.n_pulses or self.n_pulses < 0:
            raise ParameterError(f"PulseTrain parameter 'n_pulses'={self.n_pulses!r}: expected"
                                 f" an integer >= 0")

    def _expression(self):
        stop = "1e30*second" if not self.n_pulses else f"{{p}}start + {int(self.n_pulses)}*{{p}}period"
        return ("{p}amplitude*int(t >= {p}start)*int(t < " + stop + ")"
                "*int(t - {p}start - {p}period*floor((t - {p}start)/{p}period) < {p}width)")

    def _evaluate(self, t, amplitude, width, period, start):
        phase = (t - start) - period * np.floor((t - start) / period)
        on = (t >= start) & (phase < width)
        if self.n_pulses:
            on &= t < start + self.n_pulses * period
        return amplitude * on


@dataclass(frozen=True)
class Ramp(Stimulus):
    """Linear ramp from ``start_amplitude`` to ``end_amplitude`` over [start, start+duration),
    zero elsewhere."""

    start_amplitude: Any = _q(0 * CURRENT)
    end_amplitude: Any = _q(20 * CURRENT)
    start: Any = _q(0 * ms)
    duration: Any = _q(100 * ms)
    _fields: ClassVar = {"start_amplitude": _I, "end_amplitude": _I, "start": _T, "duration": _T}
    _positive: ClassVar = ("duration",)

    def _expression(self):
        return ("int(t >= {p}start)*int(t < {p}start + {p}duration)*({p}start_amplitude"
                " + ({p}end_amplitude - {p}start_amplitude)*(t - {p}start)/{p}duration)")

    def _evaluate(self, t, start_amplitude, end_amplitude, start, duration):
        inside = (t >= start) & (t < start + duration)
        return inside * (start_amplitude + (end_amplitude - start_amplitude) * (t - start) / duration)


@dataclass(frozen=True)
class Sine(Stimulus):
    """``offset + amplitude·sin(2π·frequency·t + phase)`` (phase in radians)."""

    offset: Any = _q(0 * CURRENT)
    amplitude: Any = _q(5 * CURRENT)
    frequency: Any = _q(10 * Hz)
    phase: Any = 0.0
    _fields: ClassVar = {"offset": _I, "amplitude": _I, "frequency": 1 * Hz, "phase": 1.0}

    def _expression(self):
        return "{p}offset + {p}amplitude*sin(2*pi*{p}frequency*t + {p}phase)"

    def _evaluate(self, t, offset, amplitude, frequency, phase):
        return offset + amplitude * np.sin(2 * np.pi * frequency * t + phase)


def _phase_code(resolution: float) -> str:
    """Brian2 code for the phase in [0, 1) of t within its period (optionally with t
    rounded down to a multiple of ``resolution`` seconds, as the seed's 1 ms loop does)."""
    tq = "t" if not resolution else f"(floor(t/({resolution!r}*second) + 1e-9)*{resolution!r}*second)"
    return f"(({tq})/{{p}}period - floor(({tq})/{{p}}period))"


def _phase(t, period, resolution):
    tq = t if not resolution else np.floor(t / resolution + 1e-9) * resolution
    return tq / period - np.floor(tq / period)


@dataclass(frozen=True)
class _Periodic(Stimulus):
    offset: Any = _q(0 * CURRENT)
    amplitude: Any = _q(5 * CURRENT)
    period: Any = _q(10 * ms)
    resolution: float = 0.0  # seconds; 0: continuous time
    _fields: ClassVar = {"offset": _I, "amplitude": _I, "period": _T}
    _positive: ClassVar = ("period",)

    def __post_init__(self):
        super().__post_init__()
        if isinstance(self.resolution, Quantity):
            object.__setattr__(self, "resolution",
                               float(check_quantity("resolution", self.resolution, second)))
        if not (self.resolution >= 0):
            raise ParameterError(f"{type(self).__name__} parameter 'resolution'="
                                 f"{format_value(self.resolution)}: expected a time >= 0")


@dataclass(frozen=True)
class Square(_Periodic):
    """``offset + amplitude`` during the first half of each period, ``offset − amplitude``
    during the second half."""

    def _expression(self):
        return "{p}offset + {p}amplitude*(2*int(" + _phase_code(self.resolution) + " < 0.5) - 1)"

    def _evaluate(self, t, offset, amplitude, period):
        return offset + amplitude * np.where(_phase(t, period, self.resolution) < 0.5, 1.0, -1.0)


@dataclass(frozen=True)
class Sawtooth(_Periodic):
    """``offset + amplitude·(φ + 1/2)``, φ ∈ [0, 1) the phase within the period
    (the seed's ``6.5 + (11/f)|t − f⌊t/f⌋ + f/2|``)."""

    def _expression(self):
        return "{p}offset + {p}amplitude*(" + _phase_code(self.resolution) + " + 0.5)"

    def _evaluate(self, t, offset, amplitude, period):
        return offset + amplitude * (_phase(t, period, self.resolution) + 0.5)


@dataclass(frozen=True)
class Triangle(_Periodic):
    """``offset + amplitude·|φ − 1/2|`` (the seed's ``7 + (7/f)|t − f⌊t/f⌋ − f/2|``)."""

    def _expression(self):
        return "{p}offset + {p}amplitude*abs(" + _phase_code(self.resolution) + " - 0.5)"

    def _evaluate(self, t, offset, amplitude, period):
        return offset + amplitude * np.abs(_phase(t, period, self.resolution) - 0.5)


#: The seed's period f of the Fig. 3 waveforms.
SEED_PERIOD = 8.5 * ms


def seed_waveform(shape: str, *, script: bool = False, read: str = "start",
                  step=None) -> Stimulus:
    """One of the seed's five Fig. 3 input waveforms (µA/cm², t in ms, f = 8.5 ms).

    ============  ==========================================================
    constant      I = 9
    sine          I = 11.5 − 19 sin(1.2 t)
    square        I = 9 ± 15.5: +15.5 while ⌊t⌋ mod 8.5 < 4.25, else −15.5
    sawtooth      I = 6.5 + (11/f)·|t − f⌊t/f⌋ + f/2|
    triangle      I = 7 + (7/f)·|t − f⌊t/f⌋ − f/2|
    ============  ==========================================================

    Parameters
    ----------
    shape : str
        One of :data:`SEED_WAVEFORMS`.
    script : bool
        False (default): hhlif's reading above, built from :class:`Sine`, :class:`Square`,
        ... (its square switches at f/2 of ⌊t⌋ mod f).  True: the waveform exactly as the
        seed's script defines it, a :class:`SeedWaveform` (its square is +15.5 while
        ⌊t⌋ mod 8.5 < 3.751, so it switches only at whole ms, 4 ms high / 5 low / 4 high /
        4 low, a 17 ms cycle; the two squares differ 1 ms in 17).
    read, step
        With ``script=True``: how each integration step reads the waveform
        (:class:`SeedWaveform`).

    Raises
    ------
    ParameterError
        For an unknown shape (the message lists the valid ones).
    """
    if script:
        if shape not in SEED_WAVEFORMS:
            raise ParameterError(f"shape={shape!r}: unknown waveform; expected one of"
                                 f" {', '.join(SEED_WAVEFORMS)} (or 'all')")
        return SeedWaveform(waveform=float(SEED_WAVEFORMS.index(shape)), read=read,
                            **({} if step is None else {"step": step}))
    f = SEED_PERIOD
    presets = {
        "constant": lambda: Constant(amplitude=9 * CURRENT),
        "sine": lambda: Sine(offset=11.5 * CURRENT, amplitude=-19 * CURRENT,
                             frequency=1.2 / (2 * math.pi) / ms),
        "square": lambda: Square(offset=9 * CURRENT, amplitude=15.5 * CURRENT, period=f,
                                 resolution=1e-3),
        "sawtooth": lambda: Sawtooth(offset=6.5 * CURRENT, amplitude=11 * CURRENT, period=f),
        "triangle": lambda: Triangle(offset=7 * CURRENT, amplitude=7 * CURRENT, period=f),
    }
    try:
        return presets[shape]()
    except KeyError:
        raise ParameterError(f"shape={shape!r}: unknown waveform; expected one of"
                             f" {', '.join(presets)} (or 'all')") from None


SEED_WAVEFORMS = ("constant", "sine", "square", "sawtooth", "triangle")


# The script's five definitions, written once as expressions valid both in Brian2 and in
# NumPy (evaluated by :func:`_numpy_eval`); T is the time in ms.  ``_SEED_CURRENT`` is
# I(T) in µA/cm², ``_SEED_INTEGRAL`` its antiderivative F(T) with F(0) = 0 (for step
# averages).  ``floor(x + 1e-9)``: the script's time grid lands exactly on whole ms and on
# multiples of 8.5 ms, which t/ms in seconds may miss by one rounding step.
def _fl(x: str) -> str:
    return f"floor({x} + 1e-9)"


def _seed_current(shape: str, T: str) -> str:
    T = f"({T})"
    q = _fl(T)
    r = f"({q} - 8.5*{_fl(q + '/8.5')})"          # mod(floor(t), 8.5)
    tau = f"({T} - 8.5*{_fl(T + '/8.5')})"          # t - f floor(t/f)
    return {
        "constant": f"(9.0 + 0.0*{T})",
        "sine": f"(11.5 - 19.0*sin(1.2*{T}))",
        # 9 - 15.5 a/|a|, a = mod(floor(t), 8.5) - (8.5 - 1)/2 - 0.001
        "square": f"(9.0 + 15.5*(2.0*int({r} < 3.751) - 1.0))",
        "sawtooth": f"(6.5 + (11.0/8.5)*abs({tau} + 4.25))",
        "triangle": f"(7.0 + (7.0/8.5)*abs({tau} - 4.25))",
    }[shape]


def _seed_integral(shape: str, T: str) -> str:
    T = f"({T})"
    K = _fl(T + "/8.5")
    tau = f"({T} - 8.5*{K})"
    q = _fl(T)
    P = _fl(q + "/17.0")
    r17 = f"({q} - 17.0*{P})"                      # whole ms completed in the 17 ms cycle
    highs = f"(clip({r17}, 0.0, 4.0) + clip({r17} - 9.0, 0.0, 4.0))"  # high on 0-3, 9-12
    return {
        "constant": f"(9.0*{T})",
        "sine": f"(11.5*{T} + (19.0/1.2)*(cos(1.2*{T}) - 1.0))",
        # 8 high (24.5) and 9 low (-6.5) whole ms per cycle: 137.5 per 17 ms
        "square": (f"(137.5*{P} + 24.5*{highs} - 6.5*({r17} - {highs})"
                   f" + ({T} - {q})*{_seed_current('square', T)})"),
        # tau + 4.25 > 0, so I = 12 + (11/8.5) tau
        "sawtooth": f"(12.0*{T} + (11.0/8.5)*({K}*8.5**2/2 + {tau}**2/2))",
        "triangle": (f"(7.0*{T} + (7.0/8.5)*({K}*4.25**2 + 4.25**2/2"
                     f" + ({tau} - 4.25)*abs({tau} - 4.25)/2))"),
    }[shape]


_NUMPY_FUNCTIONS = {"floor": np.floor, "abs": np.abs, "sin": np.sin, "cos": np.cos,
                    "clip": np.clip, "int": lambda x: np.asarray(x, dtype=float)}


def _numpy_eval(expression: str, T) -> np.ndarray:
    """Evaluate one of the expressions above with NumPy (T in ms, an array)."""
    return np.asarray(eval(expression, {"__builtins__": {}}, dict(_NUMPY_FUNCTIONS, T=T)),
                      dtype=float)


#: How :class:`SeedWaveform` is read by an integration step from t to t + step.
SEED_READS = ("start", "end", "average")


@dataclass(frozen=True)
class SeedWaveform(Stimulus):
    """The seed script's Fig. 3 input currents, exactly as its script defines them.

    ``waveform`` selects one of :data:`SEED_WAVEFORMS` per neuron (0 constant, 1 sine,
    2 square, 3 sawtooth, 4 triangle): a sweepable parameter, so every waveform runs as a
    condition of one build.

    Parameters
    ----------
    waveform : float or array
        Index into :data:`SEED_WAVEFORMS` (one per neuron).
    read : {'start', 'end', 'average'}
        What the integration step from t to t + ``step`` receives: I(t) (``'start'``,
        the usual reading), I(t + step) (``'end'``: the seed's HH loop reads the input at
        the time of the new state) or the average of I over [t, t + step] (``'average'``:
        the seed's 1 ms circuit update, ``integral(I, t, t + 1)/1``; computed exactly from
        the antiderivative).
    step : Quantity
        The integration step the reading refers to (used by ``'end'`` and ``'average'``;
        it must equal the dt of the group it drives).

    Notes
    -----
    Definitions (t in ms, f = 8.5 ms, τ = t − f⌊t/f⌋)::

        constant   I = 9
        sine       I = 11.5 − 19 sin(1.2 t)
        square     I = 9 − 15.5 a/|a|,  a = mod(⌊t⌋, 8.5) − (8.5 − 1)/2 − 0.001
        sawtooth   I = 6.5 + (11/f)|τ + f/2|
        triangle   I = 7 + (7/f)|τ − f/2|

    The square depends on t only through ⌊t⌋: mod(⌊t⌋, 8.5) takes the values 0 … 8 and
    then 0.5 … 7.5, so the wave is 24.5 on [0, 4), −6.5 on [4, 9), 24.5 on [9, 13),
    −6.5 on [13, 17) ms and repeats every 17 ms (not 8.5).

    Examples
    --------
    >>> from brian2 import ms
    >>> w = SeedWaveform(waveform=2)                      # the square
    >>> [round(float(x), 3) for x in w.sample([0, 3.5, 4, 8.9, 9, 13, 17] * ms) / CURRENT]
    [24.5, 24.5, -6.5, -6.5, 24.5, -6.5, 24.5]
    >>> a = SeedWaveform(waveform=1, read="average", step=1 * ms)
    >>> round(float(a.sample([0] * ms)[0] / CURRENT), 6)  # mean of 11.5 - 19 sin(1.2 t) on [0, 1]
    1.403998
    """

    waveform: Any = 0.0
    read: str = "start"
    step: Any = _q(1 * ms)
    _fields: ClassVar = {"waveform": 1.0}

    def __post_init__(self):
        super().__post_init__()
        index = np.asarray(self.waveform, dtype=float)
        if np.any(index != np.round(index)) or np.any(index < 0) \
                or np.any(index >= len(SEED_WAVEFORMS)):
            raise ParameterError(f"SeedWaveform parameter 'waveform'="
                                 f"{format_value(self.waveform)}: expected integers in"
                                 f" [0, {len(SEED_WAVEFORMS) - 1}] (indices into"
                                 f" {', '.join(SEED_WAVEFORMS)})")
        if self.read not in SEED_READS:
            raise ParameterError(f"SeedWaveform parameter 'read'={self.read!r}: expected one"
                                 f" of {', '.join(SEED_READS)}")
        object.__setattr__(self, "step", check_quantity("step", self.step, second,
                                                        positive=True,
                                                        context="SeedWaveform parameter"))

    def expression_of(self, shape: str, T: str = "T") -> str:
        """The current (µA/cm² number) a step starting at time ``T`` (ms) receives."""
        s = repr(float(self.step / ms))
        if self.read == "start":
            return _seed_current(shape, T)
        if self.read == "end":
            return _seed_current(shape, f"{T} + {s}")
        return (f"(({_seed_integral(shape, f'{T} + {s}')} - {_seed_integral(shape, T)})"
                f"/{s})")

    def _shapes(self) -> list[int]:
        return sorted({int(k) for k in np.atleast_1d(np.asarray(self.waveform, dtype=float))})

    def _expression(self):
        shapes = self._shapes()
        if len(shapes) == 1:
            body = self.expression_of(SEED_WAVEFORMS[shapes[0]], "t/ms")
        else:
            body = " + ".join(f"int(abs({{p}}waveform - {k}) < 0.5)*"
                              f"{self.expression_of(SEED_WAVEFORMS[k], 't/ms')}"
                              for k in shapes)
        return f"({body})*uA/cm**2"

    def _evaluate(self, t, waveform):
        shape = SEED_WAVEFORMS[int(round(float(waveform)))]
        values = _numpy_eval(self.expression_of(shape), np.asarray(t, dtype=float) * 1e3)
        return values * float(CURRENT)


# ---------------------------------------------------------------------- noise (frozen)
@dataclass(frozen=True)
class _Sampled(Stimulus):
    sampled: ClassVar[bool] = True

    """Base of stimuli given by samples on a grid of step ``sample_dt`` (TimedArray)."""

    def samples(self, duration, n: int | None = None):
        """Values (amp/metre**2) on the grid covering ``duration``; shape (steps,) or
        (steps, n)."""
        raise NotImplementedError

    def to_brian(self, prefix, n, duration=None):
        if duration is None:
            raise ParameterError(f"{type(self).__name__}: the duration must be known")
        values = self.samples(duration)
        ta = TimedArray(values, dt=self.sample_dt)
        name = f"{prefix}values"
        call = f"{name}(t, i)" if np.ndim(values) == 2 else f"{name}(t)"
        return StimulusCode(expression=call, namespace={name: ta})

    def sample(self, times, neuron: int = 0):
        t = np.asarray(check_quantity("times", times, second, context="sample"), dtype=float)
        duration = (float(np.max(t)) if t.size else 0.0) + float(self.sample_dt)
        values = np.asarray(self.samples(duration * second))
        idx = np.clip(np.floor(t / float(self.sample_dt) + 1e-9).astype(int), 0, len(values) - 1)
        col = values[idx] if values.ndim == 1 else values[idx, self._column(neuron)]
        return Quantity(col, dim=_CURRENT_SI.dim)

    def _column(self, neuron: int) -> int:
        """Column of 2-D samples that ``neuron`` receives (its own, by default)."""
        return neuron


@dataclass(frozen=True)
class OrnsteinUhlenbeck(_Sampled):
    """Coloured (Ornstein–Uhlenbeck) noise current, frozen by ``seed``.

    The same ``seed`` gives the same realisation on every trial and backend (it is
    generated with NumPy, exactly: x_{k+1} = μ + (x_k − μ)e^{−Δ/τ} + σ√(1 − e^{−2Δ/τ}) ξ_k,
    x_0 drawn from the stationary distribution), then played through a TimedArray of step
    ``sample_dt``.  Mean ``mean``, standard deviation ``std``, autocorrelation time ``tau``.
    """

    mean: Any = _q(0 * CURRENT)
    std: Any = _q(5 * CURRENT)
    tau: Any = _q(5 * ms)
    seed: int = 0
    sample_dt: Any = _q(0.1 * ms)
    _fields: ClassVar = {"mean": _I, "std": _I, "tau": _T}
    _positive: ClassVar = ("tau",)

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "sample_dt", check_quantity("sample_dt", self.sample_dt, second,
                                                             positive=True))
        if np.ndim(self.mean) or np.ndim(self.std) or np.ndim(self.tau):
            raise ParameterError("OrnsteinUhlenbeck: mean, std and tau must be scalars (the"
                                 " noise is frozen: one realisation for all neurons)")
        if float(self.std) < 0:
            raise ParameterError(f"OrnsteinUhlenbeck parameter 'std'={format_value(self.std)}:"
                                 f" expected >= 0")

    def _expression(self):
        raise NotImplementedError

    def samples(self, duration, n=None):
        steps = int(math.ceil(float(duration) / float(self.sample_dt))) + 1
        return ornstein_uhlenbeck(steps, float(self.sample_dt), float(self.mean), float(self.std),
                                  float(self.tau), np.random.default_rng(self.seed)) * _CURRENT_SI


@dataclass(frozen=True)
class WhiteNoise(_Sampled):
    """Piecewise-constant Gaussian white noise: independent N(mean, std²) samples held for
    ``sample_dt`` each, frozen by ``seed``.  (Its power spectral density is
    std²·sample_dt up to 1/(2·sample_dt).)"""

    mean: Any = _q(0 * CURRENT)
    std: Any = _q(5 * CURRENT)
    seed: int = 0
    sample_dt: Any = _q(0.1 * ms)
    _fields: ClassVar = {"mean": _I, "std": _I}

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "sample_dt", check_quantity("sample_dt", self.sample_dt, second,
                                                             positive=True))

    def samples(self, duration, n=None):
        steps = int(math.ceil(float(duration) / float(self.sample_dt))) + 1
        rng = np.random.default_rng(self.seed)
        return (float(self.mean) + float(self.std) * rng.standard_normal(steps)) * _CURRENT_SI


def ornstein_uhlenbeck(steps: int, dt: float, mean: float, std: float, tau: float, rng,
                       n: int | None = None) -> np.ndarray:
    """Exact OU samples (SI floats); shape (steps,) or (steps, n)."""
    shape = (steps,) if n is None else (steps, n)
    xi = rng.standard_normal(shape)
    a = math.exp(-dt / tau)
    b = std * math.sqrt(1 - a * a)
    out = np.empty(shape)
    out[0] = std * xi[0]
    # x_k = a x_{k-1} + b xi_k  as a linear filter (fast, exact)
    from scipy.signal import lfilter
    out[1:] = lfilter([b], [1, -a], xi[1:], axis=0, zi=(a * out[0] * np.ones((1,) + shape[1:])))[0]
    return out + mean


# ---------------------------------------------------------------------- arrays
@dataclass(frozen=True)
class ArrayStimulus(_Sampled):
    """A user-supplied current: ``values`` of shape (steps,) or (steps, n_neurons) in
    current units, each held for ``sample_dt``; the last value is held afterwards."""

    values: Any = None
    sample_dt: Any = _q(0.1 * ms)

    def __post_init__(self):
        values = check_quantity("values", self.values, _I, context="ArrayStimulus parameter")
        if np.ndim(values) not in (1, 2) or np.size(values) == 0:
            raise ParameterError(f"ArrayStimulus parameter 'values': expected a non-empty 1-D or"
                                 f" 2-D array (time × neuron), got shape {np.shape(values)}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "sample_dt", check_quantity("sample_dt", self.sample_dt, second,
                                                             positive=True))

    def samples(self, duration, n=None):
        return self.values

    def to_brian(self, prefix, n, duration=None):
        if np.ndim(self.values) == 2 and self.values.shape[1] != n:
            raise ParameterError(f"ArrayStimulus: {self.values.shape[1]} columns for {n} neurons")
        return super().to_brian(prefix, n, duration=duration or 1 * second)


@dataclass(frozen=True)
class WaveformSet(_Sampled):
    """A set of sampled waveforms, one of them per neuron: neuron ``k`` receives column
    ``index[k]`` of ``values`` (time × waveform, current units, each sample held for
    ``sample_dt``, the last one afterwards).

    ``index`` is the sweepable parameter: with ``conditions={"index": [0, 1, 2]}`` every
    condition (and every trial of it) gets its own waveform, in one build; the table is held
    once, not per neuron.

    Examples
    --------
    >>> import numpy as np
    >>> from brian2 import ms, uA, cm
    >>> w = WaveformSet(values=np.array([[1.0, 5.0], [2.0, 6.0]]) * uA / cm**2, index=1)
    >>> w.sample([0.05, 0.15, 0.5] * ms) / (uA / cm**2)
    array([5., 6., 6.])
    """

    values: Any = None
    index: Any = 0
    sample_dt: Any = _q(0.1 * ms)
    _fields: ClassVar = {"index": 1}

    def __post_init__(self):
        super().__post_init__()
        values = check_quantity("values", self.values, _I, context="WaveformSet parameter")
        if np.ndim(values) != 2 or 0 in np.shape(values):
            raise ParameterError(f"WaveformSet parameter 'values': expected a non-empty 2-D"
                                 f" array (time × waveform), got shape {np.shape(values)}")
        object.__setattr__(self, "values", values)
        index = np.asarray(self.index, dtype=float)
        k = values.shape[1]
        if np.any(index != np.round(index)) or np.any(index < 0) or np.any(index >= k):
            raise ParameterError(f"WaveformSet parameter 'index'={self.index!r}: expected"
                                 f" integers in [0, {k - 1}] (columns of 'values')")
        object.__setattr__(self, "index", index.astype(int) if index.ndim else int(index))
        object.__setattr__(self, "sample_dt", check_quantity("sample_dt", self.sample_dt, second,
                                                             positive=True))

    def samples(self, duration, n=None):
        return self.values

    def to_brian(self, prefix, n, duration=None):
        size = self.per_neuron_size()
        if size not in (None, n):
            raise ParameterError(f"WaveformSet: {size} per-neuron indices for {n} neurons")
        name, var = f"{prefix}values", f"{prefix}index"
        table = TimedArray(self.values, dt=self.sample_dt)
        single = uniform_value(np.asarray(self.index))
        if single is not None:
            return StimulusCode(expression=f"{name}(t, {int(single)})", namespace={name: table})
        return StimulusCode(expression=f"{name}(t, {var})",
                            declarations=f"{var} : integer (constant)",
                            variables={var: np.asarray(self.index, dtype=np.int32)},
                            namespace={name: table})

    def _column(self, neuron: int) -> int:
        column = np.asarray(self.index)
        return int(column[neuron]) if column.ndim else int(column)


# ---------------------------------------------------------------------- synaptic input
@dataclass(frozen=True)
class PoissonInput(Stimulus):
    """Poisson spike input through current synapses: each of ``n_sources`` independent
    sources per neuron fires at ``rate`` (optionally ``rate·(1 + modulation·sin(2π·
    modulation_frequency·t))``), and each spike adds ``weight`` to an exponentially decaying
    synaptic current ``I_syn`` (time constant ``tau_syn``).  Sources are independent across
    neurons and trials (drawn from Brian2's generator, seeded by the protocol's seed)."""

    rate: Any = _q(10 * Hz)
    weight: Any = _q(1 * CURRENT)
    n_sources: int = 100
    tau_syn: Any = _q(2 * ms)
    modulation: float = 0.0
    modulation_frequency: Any = _q(0 * Hz)
    _fields: ClassVar = {"rate": 1 * Hz, "weight": _I}

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "tau_syn", check_quantity("tau_syn", self.tau_syn, second,
                                                           positive=True))
        object.__setattr__(self, "modulation_frequency",
                           check_quantity("modulation_frequency", self.modulation_frequency, Hz))
        if int(self.n_sources) != self.n_sources or self.n_sources < 1:
            raise ParameterError(f"PoissonInput parameter 'n_sources'={self.n_sources!r}:"
                                 f" expected an integer >= 1")
        if np.any(np.asarray(self.rate) < 0):
            raise ParameterError(f"PoissonInput parameter 'rate'={format_value(self.rate)}:"
                                 f" expected >= 0")
        if not 0 <= self.modulation <= 1:
            raise ParameterError(f"PoissonInput parameter 'modulation'={self.modulation!r}:"
                                 f" expected a value in [0, 1]")

    def to_brian(self, prefix, n):
        code = super().to_brian(prefix, n)
        code.expression = "0*amp/meter**2"
        code.synaptic = [(prefix, self)]
        return code

    def _expression(self):
        return "0*amp/meter**2"  # the current arrives through synapses (I_syn)

    def rate_expression(self, prefix: str) -> str:
        base = f"{prefix}rate"
        if self.modulation:
            return (f"{base}*(1 + {self.modulation!r}*sin(2*pi*{float(self.modulation_frequency)!r}"
                    f"*Hz*t))")
        return base

    def _evaluate(self, t, rate, weight):
        # the expected mean current: rate · n_sources · weight · tau_syn
        r = rate * (1 + self.modulation * np.sin(2 * np.pi * float(self.modulation_frequency) * t))
        return r * self.n_sources * weight * float(self.tau_syn)


# ---------------------------------------------------------------------- sums
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

    def to_brian(self, prefix, n, duration=None):
        codes = []
        for j, part in enumerate(self.parts):
            sub = f"{prefix}{j}_"
            codes.append(part.to_brian(sub, n, duration=duration) if isinstance(part, _Sampled)
                         else part.to_brian(sub, n))
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
    """``stimulus.to_brian`` with the duration passed to sampled (noise/array) stimuli."""
    if isinstance(stimulus, (_Sampled, SumStimulus)):
        return stimulus.to_brian(prefix, n, duration=duration)
    return stimulus.to_brian(prefix, n)
