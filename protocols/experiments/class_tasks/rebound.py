"""``rebound-classes``: classes differ in when a short hyperpolarising pulse ends.

HH fires a post-inhibitory rebound spike a few ms after the release of a hyperpolarising
pulse (``hhlif run step --model hh --set amplitude=-3*uA/cm**2 --set duration=20*ms``
gives one): its sodium inactivation is removed and its potassium activation reduced
during the pulse.  A LIF relaxes back to rest from below and cannot spike on release for
any parameters, so below threshold it carries nothing about the release time: the size
search must end ``not_reached`` for a LIF, and find a size for a resonator with rebound
(``adex``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from hhlif.models.errors import ParameterError

from . import ClassTask, register_task

__all__ = ["ReboundClasses"]


@dataclass(frozen=True)
class ReboundClasses(ClassTask):
    """Class ``c``: a pulse of ``depth`` lasting ``pulse`` that ends at ``release[c]``
    (each release time jittered per seed block by a uniform draw in ±``jitter``, and the
    depth by ±``depth_jitter`` of itself), on a constant ``baseline`` below threshold.

    Parameters
    ----------
    baseline : Quantity (current density)
        Holding current (0 µA/cm²).
    depth : Quantity (current density)
        The pulse (-3 µA/cm²: below zero, hyperpolarising).
    pulse : Quantity (time)
        Pulse length (20 ms).
    release : tuple of Quantity (time)
        The release time of each class (15, 40, 65, 90 ms: one per 25 ms bin of the
        default readout, the rebound spike following each a few ms later).
    jitter : Quantity (time)
        Half-width of the per-block uniform jitter of every release (2 ms).
    depth_jitter : float
        Half-width of the per-block relative jitter of every depth (0.1).
    seed : int
        Stimulus seed: block ``b`` draws from ``(seed, b)``.
    """

    name: ClassVar[str] = "rebound-classes"
    description: ClassVar[str] = ("the release time of a short hyperpolarising pulse per class,"
                                  " below threshold, + weak private noise")
    expected: ClassVar[str] = ("HH fires a rebound spike after each release, a LIF cannot:"
                               " not_reached for every LIF; a finite size for a resonator"
                               " with rebound (adex)")
    units: ClassVar[dict] = {"baseline": "uA_cm2", "depth": "uA_cm2", "pulse": "ms",
                             "release": "ms", "jitter": "ms", "depth_jitter": "1"}
    defaults: ClassVar[dict] = {"duration_ms": 100.0, "bin_ms": 25.0,
                                "noise_std_uA_cm2": 1.0}

    baseline: Any = 0.0
    depth: Any = -3.0
    pulse: Any = 20.0
    release: Any = (15.0, 40.0, 65.0, 90.0)
    jitter: Any = 2.0
    depth_jitter: float = 0.1

    def check(self) -> None:
        if np.ndim(self.value("release")) != 1 or len(self.value("release")) < 2:
            raise ParameterError(f"{self.name} setting 'release'={self.release!r}: expected"
                                 " a list of at least two times, one per class")
        if not float(self.value("depth")) < 0:
            raise ParameterError(f"{self.name} setting 'depth'={self.depth!r}: expected a"
                                 " negative (hyperpolarising) current")
        if float(self.value("pulse")) <= 0 or float(self.value("jitter")) < 0 or \
                not 0 <= float(self.depth_jitter) < 1:
            raise ParameterError(f"{self.name}: expected pulse > 0, jitter >= 0 and"
                                 f" 0 <= depth_jitter < 1 (got {self.pulse!r},"
                                 f" {self.jitter!r}, {self.depth_jitter!r})")

    def class_labels(self) -> list[str]:
        return [f"{v:g} ms" for v in self.value("release")]

    def currents(self, block: int, duration_ms: float) -> np.ndarray:
        t = self.times_ms(duration_ms)
        rng = self.rng(block)
        release = self.value("release")
        shift = rng.uniform(-1, 1, release.size) * float(self.value("jitter"))
        scale = 1.0 + rng.uniform(-1, 1, release.size) * float(self.depth_jitter)
        out = np.full((t.size, release.size), float(self.value("baseline")))
        pulse = float(self.value("pulse"))
        for c, (end, a) in enumerate(zip(release + shift, scale)):
            on = (t >= end - pulse) & (t < end)
            out[on, c] += float(self.value("depth")) * a
        return out


register_task(ReboundClasses)
