"""Periodic currents: sine, square, sawtooth and triangle, and the seed's Fig. 3 waveforms.

Contents
--------
Sine, Square, Sawtooth, Triangle    periodic waveforms (the seed's Fig. 3 shapes)
seed_waveform(shape)                the seed's five presets (../shared/PAPER.md)
SeedWaveform                        the five exactly as the seed's script defines them, read at
                                    the start or end of a step or averaged over it
SEED_WAVEFORMS                      the names of the five, in the order of ``SeedWaveform``
SEED_READS                          how ``SeedWaveform`` is read by an integration step
SEED_PERIOD                         the seed's period f = 8.5 ms

Imports :class:`~hhlif.protocols.stimuli.deterministic.Constant` (the seed's constant
waveform is one), besides the base module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from brian2 import Hz, Quantity, ms, second

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError
from hhlif.models.units import format_value
from hhlif.protocols.stimuli.base import (CURRENT, CURRENT_REFERENCE, TIME_REFERENCE, Stimulus,
                                          indices_in_range, quantity_default)
from hhlif.protocols.stimuli.deterministic import Constant

__all__ = ["Sine", "Square", "Sawtooth", "Triangle", "seed_waveform", "SeedWaveform",
           "SEED_WAVEFORMS", "SEED_READS", "SEED_PERIOD"]

#: The seed's five Fig. 3 waveforms, in the order of :class:`SeedWaveform`'s ``waveform``.
SEED_WAVEFORMS = ("constant", "sine", "square", "sawtooth", "triangle")

#: How :class:`SeedWaveform` is read by an integration step from t to t + step.
SEED_READS = ("start", "end", "average")

#: The seed's period f of the Fig. 3 waveforms.
SEED_PERIOD = 8.5 * ms


@dataclass(frozen=True)
class Sine(Stimulus):
    """``offset + amplitude·sin(2π·frequency·t + phase)`` (phase in radians)."""

    offset: Any = quantity_default(0 * CURRENT)
    amplitude: Any = quantity_default(5 * CURRENT)
    frequency: Any = quantity_default(10 * Hz)
    phase: Any = 0.0
    _fields: ClassVar = {"offset": CURRENT_REFERENCE, "amplitude": CURRENT_REFERENCE,
                         "frequency": 1 * Hz, "phase": 1.0}

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
    """NumPy counterpart of :func:`_phase_code` (SI floats)."""
    tq = t if not resolution else np.floor(t / resolution + 1e-9) * resolution
    return tq / period - np.floor(tq / period)


@dataclass(frozen=True)
class _Periodic(Stimulus):
    """Base of the square, sawtooth and triangle: ``offset``, ``amplitude`` and ``period``,
    with the time optionally rounded down to a multiple of ``resolution`` seconds."""

    offset: Any = quantity_default(0 * CURRENT)
    amplitude: Any = quantity_default(5 * CURRENT)
    period: Any = quantity_default(10 * ms)
    resolution: float = 0.0  # seconds; 0: continuous time
    _fields: ClassVar = {"offset": CURRENT_REFERENCE, "amplitude": CURRENT_REFERENCE,
                         "period": TIME_REFERENCE}
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


# The script's five definitions, written once as expressions valid both in Brian2 and in
# NumPy (evaluated by :func:`_numpy_eval`); T is the time in ms.  ``_seed_current`` gives
# I(T) in µA/cm², ``_seed_integral`` its antiderivative F(T) with F(0) = 0 (for step
# averages).  ``floor(x + 1e-9)``: the script's time grid lands exactly on whole ms and on
# multiples of 8.5 ms, which t/ms in seconds may miss by one rounding step.
def _floor_code(x: str) -> str:
    """Code for the floor of ``x``, robust to ``x`` one rounding step below an integer."""
    return f"floor({x} + 1e-9)"


def _seed_current(shape: str, T: str) -> str:
    """The script's current I(T) of ``shape`` (µA/cm², T in ms) as an expression."""
    T = f"({T})"
    q = _floor_code(T)
    r = f"({q} - 8.5*{_floor_code(q + '/8.5')})"          # mod(floor(t), 8.5)
    tau = f"({T} - 8.5*{_floor_code(T + '/8.5')})"          # t - f floor(t/f)
    return {
        "constant": f"(9.0 + 0.0*{T})",
        "sine": f"(11.5 - 19.0*sin(1.2*{T}))",
        # 9 - 15.5 a/|a|, a = mod(floor(t), 8.5) - (8.5 - 1)/2 - 0.001
        "square": f"(9.0 + 15.5*(2.0*int({r} < 3.751) - 1.0))",
        "sawtooth": f"(6.5 + (11.0/8.5)*abs({tau} + 4.25))",
        "triangle": f"(7.0 + (7.0/8.5)*abs({tau} - 4.25))",
    }[shape]


def _seed_integral(shape: str, T: str) -> str:
    """The antiderivative F(T) of :func:`_seed_current`, F(0) = 0, as an expression."""
    T = f"({T})"
    K = _floor_code(T + "/8.5")
    tau = f"({T} - 8.5*{K})"
    q = _floor_code(T)
    P = _floor_code(q + "/17.0")
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
    step: Any = quantity_default(1 * ms)
    _fields: ClassVar = {"waveform": 1.0}

    def __post_init__(self):
        super().__post_init__()
        if not indices_in_range(self.waveform, len(SEED_WAVEFORMS)):
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


