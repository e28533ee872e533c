"""``onset-classes``: classes differ in how fast the current rises to one final value.

HH (type II) fires on a step and accommodates to a slow ramp to the same current: while
the current rises slowly its sodium inactivation and potassium activation follow the
membrane potential, and the threshold rises with it.  A LIF has no such slow variables:
it integrates towards the final value, silent below its rheobase, and above it it fires
on every class, a ramp's first spike coming later the slower the ramp.

What the defaults rest on (HH alone, Brian2 runtime, dt 0.01 ms)
----------------------------------------------------------------
* Without noise, from rest: a step fires one onset spike from 2.5 µA/cm² (none at 2.0;
  5.6 ms after the step at 2.5, 3.3 ms at 4).  At ``final`` 4 µA/cm² rises of 0, 5 and
  10 ms give one spike (3.3, 6.4, 11.3 ms after the onset), rises of 15, 20, 25, 50 and
  100 ms none; at 5 µA/cm² the same, at 6 rises up to 15 ms.  Above HH's rheobase (6.28)
  it fires repetitively on fast rises and stays at rest on slow ones (6.5: rises up to
  15 ms fire, 20 ms and slower not; 8 and 10: up to 25 ms, not 50 or 100).
* With private noise (ramps 0, 25, 50, 100 ms over 150 ms; 2 seeds, 10 trials, 3
  neurons), spikes per neuron-trial on the step against the 100 ms ramp: at 4 µA/cm²
  1.23 : 0.02 for a noise of 0.5 µA/cm², 2.15 : 0.63 for 0.75, 3.32 : 1.78 for 1 and
  6.42 : 5.33 for 2 (a held 4 µA/cm² brings HH near threshold, where the noise fires
  it); at 3 µA/cm² 1.05 : 0.02 (0.5) and 2.45 : 1.38 (1); above the rheobase the noise
  kicks HH onto its limit cycle during the hold (6.5: 3.78 : 0.55, 8: 8.53 : 1.93 at
  0.5).  Hence ``final`` 4 µA/cm² (1.6 times the onset spike's threshold, 0.64 times the
  rheobase: one spike, no repetitive firing) and ``noise_std`` 0.5 µA/cm².
* ``ramps`` 0, 5, 50, 100 ms: two rises faster than HH's accommodation, two slower.
  With a single fast class (0, 25, 50, 100 ms) more than two thirds of the trials have
  no spike in any bin, so both edges of ``mi``'s three equipopulated levels are zero
  and every word was the same: HH's ``mi`` was 0 (the metric's quantisation, not HH;
  :func:`hhlif.analysis.utils.equipopulated_levels` now keeps 0 apart there).
  With the defaults (125 ms, 2 seeds, 30 trials, 5 neurons) HH fires 9.2, 8.8, 0.5 and
  0.2 Hz on the four classes (about 1.15 spikes per neuron-trial on the fast rises) and
  its ``mi`` at N = 5 is 0.99 bits, nearly the 1 bit of fast against slow.
* ``onset`` 10 ms, jittered ±2 ms per block and class: the onset spike falls in the
  first 25 ms bin; the 100 ms ramp ends at 110 ms, then 15 ms of the held current.

What the others did with the defaults (2 seeds, 30 trials, N = 5): the default LIF at
equal current fires 66-137 Hz on every class, less and later on slower ramps: ``mi``
n/N 0.055 (below its smallest size), ``fisher`` not reached.  A calibrated LIF (``g_L``
0.95 mS/cm², ``V_th`` −59.9 mV, ``t_ref`` 11.7 ms; rheobase 4.86 µA/cm²) fires on the
noise near threshold, 9.8, 9.0, 6.0, 1.7 Hz: ``mi`` 1.17, ``fisher`` not reached.  At the
``rheobase`` operating point both LIFs are silent (``not_reached``); at the ``rate``
one ``mi`` 1.63 (default) and 1.88 (calibrated), ``fisher`` not reached.  ``adex`` fires
on slow ramps too (20.8, 20.4, 13.7, 4.3 Hz): ``mi`` 0.19, ``fisher`` 1.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from hhlif.models.errors import ParameterError

from . import ClassTask, register_task

__all__ = ["OnsetClasses"]


@dataclass(frozen=True)
class OnsetClasses(ClassTask):
    """Class ``c``: from ``baseline``, a linear rise lasting ``ramps[c]`` (0: a step) that
    starts at ``onset`` (jittered per seed block and class by a uniform draw in
    ±``jitter``) and ends at ``final``, which is then held to the end of the trial.

    Parameters
    ----------
    baseline : Quantity (current density)
        The current before the rise (0 µA/cm²).
    final : Quantity (current density)
        The current every class rises to (4 µA/cm²: above HH's onset-spike threshold of
        about 2.5, below its rheobase of 6.28).
    ramps : tuple of Quantity (time)
        The rise time of each class (0, 5, 50, 100 ms: a step, a fast rise, two slow
        ramps; HH accommodates to rises of 15 ms and slower at 4 µA/cm²).
    onset : Quantity (time)
        When the rise starts (10 ms).
    jitter : Quantity (time)
        Half-width of the per-block uniform jitter of every onset (2 ms).
    seed : int
        Stimulus seed: block ``b`` draws from ``(seed, b)``.

    Examples
    --------
    >>> task = OnsetClasses()
    >>> task.class_labels()
    ['step', '5 ms ramp', '50 ms ramp', '100 ms ramp']
    >>> i = task.currents(0, 125.0)
    >>> i.shape, bool(np.allclose(i[-1], 4.0)), bool(np.allclose(i[0], 0.0))
    ((2501, 4), True, True)
    """

    name: ClassVar[str] = "onset-classes"
    description: ClassVar[str] = ("a step or a slower rise per class to one final current,"
                                  " below HH's rheobase, + weak private noise")
    expected: ClassVar[str] = ("HH fires an onset spike on fast rises (step, 5 ms) and"
                               " accommodates to slow ramps (50, 100 ms) to the same current;"
                               " a LIF integrates to the final value: below its rheobase"
                               " (rheobase operating point) silent on every class,"
                               " not_reached; above it (the default LIF at equal current) it"
                               " fires on the ramps too, later the slower the ramp, and that"
                               " delay tells the classes apart (n/N below 1)")
    units: ClassVar[dict] = {"baseline": "uA_cm2", "final": "uA_cm2", "ramps": "ms",
                             "onset": "ms", "jitter": "ms"}
    defaults: ClassVar[dict] = {"duration_ms": 125.0, "bin_ms": 25.0,
                                "noise_std_uA_cm2": 0.5}

    baseline: Any = 0.0
    final: Any = 4.0
    ramps: Any = (0.0, 5.0, 50.0, 100.0)
    onset: Any = 10.0
    jitter: Any = 2.0

    def check(self) -> None:
        ramps = self.value("ramps")
        if np.ndim(ramps) != 1 or ramps.size < 2 or not np.all(ramps >= 0) or \
                np.unique(ramps).size != ramps.size:
            raise ParameterError(f"{self.name} setting 'ramps'={self.shown('ramps')}:"
                                 " expected a list of at least two distinct times >= 0"
                                 " (0: a step), one per class")
        if not float(self.value("final")) > float(self.value("baseline")):
            raise ParameterError(f"{self.name} setting 'final'={self.shown('final')}:"
                                 f" expected a current above the baseline"
                                 f" ({self.shown('baseline')})")
        if not float(self.value("jitter")) >= 0:
            raise ParameterError(f"{self.name} setting 'jitter'={self.shown('jitter')}:"
                                 " expected a time >= 0")
        if not float(self.value("onset")) > float(self.value("jitter")):
            raise ParameterError(f"{self.name} setting 'onset'={self.shown('onset')}:"
                                 f" expected a time > jitter ({self.shown('jitter')}), so"
                                 " that every jittered onset lies after t = 0")

    def class_labels(self) -> list[str]:
        return ["step" if v == 0 else f"{v:g} ms ramp" for v in self.value("ramps")]

    def currents(self, block: int, duration_ms: float) -> np.ndarray:
        t = self.times_ms(duration_ms)
        ramps = self.value("ramps")
        start = float(self.value("onset")) + \
            self.rng(block).uniform(-1, 1, ramps.size) * float(self.value("jitter"))
        low, high = float(self.value("baseline")), float(self.value("final"))
        out = np.empty((t.size, ramps.size))
        for c, (t0, T) in enumerate(zip(start, ramps)):
            frac = (t >= t0).astype(float) if T == 0 else np.clip((t - t0) / T, 0.0, 1.0)
            out[:, c] = low + (high - low) * frac
        return out


register_task(OnsetClasses)
