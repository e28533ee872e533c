"""``precision``: classes are frozen noise currents; read at fine and at coarse resolution.

Mainen & Sejnowski (1995) found that a cortical neuron driven by a frozen fluctuating
current repeats its spikes within about a millisecond.  HH does so too; how much of its
information lies in spike timing rather than in spike counts shows in the readout's
resolution: the same responses binned at 2 ms and at 25 ms.  Each class is its own frozen
Ornstein-Uhlenbeck current (drawn per seed block and class, the same on every trial and
neuron), with weak private noise.  The task's default bin is the fine one; the coarse
reading is the same task with ``bin_ms=25``.  The study compares the models at the
``rate`` operating point (the candidate's currents scaled to HH's mean rate), so that a
difference is one of timing, not of rate.

:func:`resolution_information` reads one simulation of a pool at several resolutions:
the direct method (Strong et al. 1998, :func:`hhlif.analysis.information.direct_method`)
on single neurons (every neuron and trial of a block a repeat of its class's frozen
current, the classes' segments laid end to end as one long frozen stimulus), in bits/s at
every resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from hhlif.models.errors import ParameterError
from hhlif.models.units import format_value

from . import ClassTask, register_task

__all__ = ["PrecisionClasses", "resolution_information", "direct_words",
           "DIRECT_WORD_MS"]


@dataclass(frozen=True)
class PrecisionClasses(ClassTask):
    """Class ``c``: ``mean`` plus its own frozen Ornstein-Uhlenbeck current of standard
    deviation ``std`` and correlation time ``tau``, started from its stationary
    distribution and drawn from ``(seed, block)`` (each block draws ``segments`` of them).

    Parameters
    ----------
    mean : Quantity (current density)
        Mean current of every class (6 µA/cm²: just below HH's rheobase, about 6.2, so
        that HH's spikes follow the fluctuations rather than its own oscillation).
    std : Quantity (current density)
        Standard deviation of the frozen currents (3 µA/cm²).
    tau : Quantity (time)
        Their correlation time (3 ms: fast enough to place spikes within ~1 ms).
    segments : int
        Classes: frozen currents per seed block (8).
    seed : int
        Stimulus seed: block ``b`` draws from ``(seed, b)``.

    Notes
    -----
    The defaults were chosen on HH alone (pool of 5, 2 seeds x 30 trials, 50 ms trials,
    private noise 1 µA/cm²): HH fires about 60 Hz (mean 4 µA/cm² gave 54 Hz: once it
    fires, HH fires near 50 Hz or more), and the direct method gives 143-156 bits/s at
    2 ms (2.4-2.5 bits per spike), 171-185 at 1 ms and 20-21 at 25 ms, each ± 2-4 (95 %
    bootstrap CI over trials).  At 2 ms the task has 25 bins per trial: the ``mi`` words
    are too long, and the linear ``fisher`` metric meets singular covariances (see
    :func:`resolution_information`); the study reads ``fisher`` and ``readout`` at 2
    and 25 ms, and the direct method gives the per-neuron information at each.
    """

    name: ClassVar[str] = "precision"
    description: ClassVar[str] = ("a frozen fluctuating current per class + weak private noise,"
                                  " read at 2 ms (default) or 25 ms (bin_ms=25)")
    expected: ClassVar[str] = ("HH repeats its spikes to a frozen current within ~1 ms: at the"
                               " rate operating point its advantage, if any, shows at 2 ms and"
                               " vanishes at 25 ms")
    units: ClassVar[dict] = {"mean": "uA_cm2", "std": "uA_cm2", "tau": "ms",
                             "segments": "1"}
    defaults: ClassVar[dict] = {"duration_ms": 50.0, "bin_ms": 2.0,
                                "noise_std_uA_cm2": 1.0}

    mean: Any = 6.0
    std: Any = 3.0
    tau: Any = 3.0
    segments: int = 8

    def check(self) -> None:
        if isinstance(self.segments, bool) or not isinstance(self.segments, (int, np.integer)) \
                or self.segments < 2:
            raise ParameterError(f"{self.name} setting 'segments'={self.segments!r}: expected"
                                 " an integer >= 2 (one frozen current per class)")
        if not float(self.value("std")) > 0:
            raise ParameterError(f"{self.name} setting 'std'={format_value(self.std)}:"
                                 " expected a current > 0")
        if not float(self.value("tau")) > 0:
            raise ParameterError(f"{self.name} setting 'tau'={format_value(self.tau)}:"
                                 " expected a time > 0")

    def class_labels(self) -> list[str]:
        return [f"frozen {c}" for c in range(int(self.segments))]

    def currents(self, block: int, duration_ms: float) -> np.ndarray:
        t = self.times_ms(duration_ms)
        k = int(self.segments)
        rng = self.rng(block)
        decay = float(np.exp(-self.sample_dt_ms / float(self.value("tau"))))
        kick = float(np.sqrt(1.0 - decay**2))
        draws = rng.standard_normal((t.size, k))
        x = np.empty((t.size, k))
        x[0] = draws[0]
        for i in range(1, t.size):   # exact OU update on the sample grid
            x[i] = decay * x[i - 1] + kick * draws[i]
        return float(self.value("mean")) + float(self.value("std")) * x


register_task(PrecisionClasses)


# ----------------------------------------------------------------------------- readings
#: The longest word of the direct method at each resolution (ms): word lengths 1 ..
#: max(2, DIRECT_WORD_MS // bin) bins, at most the bins of the record.
DIRECT_WORD_MS = 16.0


def direct_words(counts: np.ndarray, n_classes: int, repeats: int) -> np.ndarray:
    """Single-neuron words of one seed block for the direct method.

    ``counts`` (trials, pool, bins), trial ``t`` of class ``t // repeats``: every neuron
    of every trial of a class is a repeat of its frozen current (the neurons are
    independent given the class), and the classes' segments are laid end to end as one
    long frozen stimulus.

    Returns
    -------
    ndarray of int, shape (repeats * pool, n_classes * bins)

    Examples
    --------
    >>> c = np.arange(2 * 3 * 2 * 1).reshape(6, 2, 1)   # 2 classes x 3 repeats, pool 2
    >>> direct_words(c, 2, 3).tolist()
    [[0, 6], [1, 7], [2, 8], [3, 9], [4, 10], [5, 11]]
    """
    counts = np.asarray(counts)
    trials, pool, bins = counts.shape
    if trials != int(n_classes) * int(repeats):
        raise ParameterError(f"counts with {trials} trials: expected n_classes x repeats ="
                             f" {int(n_classes) * int(repeats)}")
    per = counts.reshape(int(n_classes), int(repeats) * pool, bins)
    return np.concatenate(list(per), axis=1)


def resolution_information(model: Any = "hh", pool: int = 5, seeds: int = 2,
                           bins_ms: Sequence[float] = (2.0, 25.0),
                           settings: Mapping | None = None, task: Any = None,
                           current_scale: float = 1.0, noise_seed: int = 1,
                           backend: str = "auto", n_bootstrap: int = 0,
                           seed: int = 0) -> dict:
    """One pool simulation of the ``precision`` task read by the direct method at several
    resolutions.

    Per seed block, the words of :func:`direct_words` (every neuron and trial a repeat,
    the classes' frozen currents end to end) at each bin go to
    :func:`hhlif.analysis.information.direct_method`, with words of 1 to
    ``max(2, DIRECT_WORD_MS // bin)`` bins: 1-8 bins at 2 ms, 1-2 at 25 ms.  The rates
    (bits/s) are comparable across resolutions.

    Parameters
    ----------
    model : str or ModelSpec
    pool, seeds : int
        Neurons per trial and seed blocks (stimulus sets).
    bins_ms : sequence of float
        The resolutions (ms).
    settings : mapping, optional
        Common settings (JSON names) over the task's :attr:`~PrecisionClasses.defaults`;
        ``bin_ms`` is ignored (``bins_ms`` sets the resolutions).
    task : mapping or PrecisionClasses, optional
        The task's own settings.
    current_scale : float
        Every current of the task times this (the ``rate`` operating point's scale,
        :func:`~hhlif.protocols.experiments.pools.match_rate`).
    noise_seed, backend
        As for :func:`~hhlif.protocols.experiments.pools.evaluate_pool`.
    n_bootstrap : int
        Trial-bootstrap replicates of each direct-method estimate (its ``ci``).
    seed : int
        Seed of the direct method's subsampling and bootstrap (block ``b`` uses
        ``seed + b``).

    Returns
    -------
    dict
        ``bins_ms``; ``direct``: [seed][bin] :class:`~hhlif.analysis.information.
        DirectMethodResult`; ``bits_s``: [seed][bin] its ``information_rate`` (bits/s);
        ``bits_per_spike``: [seed][bin]; ``rate_hz``: [seed] the mean rate.

    Notes
    -----
    The direct method, not the pooled search's ``fisher``: HH's responses to a frozen
    current repeat so exactly that at 2 ms the pooled covariance of a neuron's bins is
    singular (a spike jittering between two bins makes their sum constant).  ``fisher``
    now drops (or floors at one count) such noiseless directions
    (:mod:`hhlif.analysis.fisher`) instead of returning ~1e33, which makes it finite but
    dominated by those floors; the direct method needs no covariance.
    """
    from brian2 import ms

    from hhlif.analysis.information import direct_method
    from hhlif.analysis.task_metrics import population_counts
    from hhlif.models.units import in_units
    from hhlif.protocols.experiments.class_tasks import get_task
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.experiments.pools import pool_protocol
    from hhlif.protocols.simulation.running import run

    task_obj = get_task(PrecisionClasses.name, task)
    s = EquivalenceSettings.coerce({**task_obj.settings_record(),
                                    **{k: v for k, v in dict(settings or {}).items()
                                       if k not in ("bin_ms", "bin")}})
    duration_ms = in_units(s.duration, ms)
    for b in bins_ms:
        if not 0 < float(b) <= duration_ms:
            raise ParameterError(f"bins_ms entry {b!r}: expected a bin in (0,"
                                 f" {duration_ms:g}] ms (the duration)")
    p = pool_protocol(model, int(pool), int(seeds), PrecisionClasses.name, s,
                      current_scale, noise_seed, task=task_obj)
    rec = run(p, backend=backend, progress=False)
    k, repeats, n = task_obj.n_classes, int(s.repeats), int(pool)
    per_seed = k * repeats
    binned = [population_counts(rec.main.spike_times, rec.main.spike_indices, n,
                                int(seeds) * k, repeats, float(b), rec.t_start,
                                rec.t_stop)[0] for b in bins_ms]
    direct, bits, per_spike, rates = [], [], [], []
    for blk in range(int(seeds)):
        row = []
        for b, counts in zip(bins_ms, binned):
            block = counts[blk * per_seed:(blk + 1) * per_seed]
            words = direct_words(block, k, repeats)
            longest = min(words.shape[1], max(2, int(DIRECT_WORD_MS // float(b))))
            row.append(direct_method(words, float(b) / 1000.0,
                                     word_lengths=tuple(range(1, longest + 1)),
                                     n_bootstrap=int(n_bootstrap), seed=int(seed) + blk))
        direct.append(row)
        bits.append([float(r.information_rate) for r in row])
        per_spike.append([float(r.information_per_spike) for r in row])
        block = binned[0][blk * per_seed:(blk + 1) * per_seed]
        rates.append(float(block.sum() / (per_seed * n) / (duration_ms / 1000.0)))
    return {"bins_ms": [float(b) for b in bins_ms], "direct": direct, "bits_s": bits,
            "bits_per_spike": per_spike, "rate_hz": rates}
