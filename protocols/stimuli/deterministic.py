"""Deterministic currents: constant, step, pulse train and ramp (µA/cm², with units).

Contents
--------
Constant      a constant current
Step          a baseline plus a step of given start and duration
PulseTrain    rectangular pulses, periodic from a start time
Ramp          a linear ramp over an interval, zero elsewhere
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from brian2 import ms, second

from hhlif.protocols.stimuli.base import (CURRENT, CURRENT_REFERENCE, TIME_REFERENCE, Stimulus,
                                          check_count, quantity_default)

__all__ = ["Constant", "Step", "PulseTrain", "Ramp"]


@dataclass(frozen=True)
class Constant(Stimulus):
    """A constant current ``amplitude``."""

    amplitude: Any = quantity_default(0 * CURRENT)
    _fields: ClassVar = {"amplitude": CURRENT_REFERENCE}

    def _expression(self):
        return "{p}amplitude"

    def _evaluate(self, t, amplitude):
        return np.full_like(t, amplitude)


@dataclass(frozen=True)
class Step(Stimulus):
    """``baseline``, plus ``amplitude`` for ``start <= t < start + duration``."""

    amplitude: Any = quantity_default(10 * CURRENT)
    start: Any = quantity_default(0 * ms)
    duration: Any = quantity_default(1e9 * second)
    baseline: Any = quantity_default(0 * CURRENT)
    _fields: ClassVar = {"amplitude": CURRENT_REFERENCE, "start": TIME_REFERENCE,
                         "duration": TIME_REFERENCE, "baseline": CURRENT_REFERENCE}
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

    amplitude: Any = quantity_default(10 * CURRENT)
    width: Any = quantity_default(1 * ms)
    period: Any = quantity_default(10 * ms)
    start: Any = quantity_default(0 * ms)
    n_pulses: int = 0
    _fields: ClassVar = {"amplitude": CURRENT_REFERENCE, "width": TIME_REFERENCE,
                         "period": TIME_REFERENCE, "start": TIME_REFERENCE}
    _positive: ClassVar = ("width", "period")

    def __post_init__(self):
        super().__post_init__()
        check_count("PulseTrain", "n_pulses", self.n_pulses, minimum=0)

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

    start_amplitude: Any = quantity_default(0 * CURRENT)
    end_amplitude: Any = quantity_default(20 * CURRENT)
    start: Any = quantity_default(0 * ms)
    duration: Any = quantity_default(100 * ms)
    _fields: ClassVar = {"start_amplitude": CURRENT_REFERENCE, "end_amplitude": CURRENT_REFERENCE,
                         "start": TIME_REFERENCE, "duration": TIME_REFERENCE}
    _positive: ClassVar = ("duration",)

    def _expression(self):
        return ("int(t >= {p}start)*int(t < {p}start + {p}duration)*({p}start_amplitude"
                " + ({p}end_amplitude - {p}start_amplitude)*(t - {p}start)/{p}duration)")

    def _evaluate(self, t, start_amplitude, end_amplitude, start, duration):
        inside = (t >= start) & (t < start + duration)
        return inside * (start_amplitude + (end_amplitude - start_amplitude) * (t - start) / duration)
