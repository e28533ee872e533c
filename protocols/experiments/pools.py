"""A fair neuron-count equivalence: one simulated pool per model, every size read from it.

Contents
--------
ModelSpec
    (from :mod:`.candidates`) A model of the comparison with its parameters and
    calibration report.
OPERATING_POINTS
    How the task's currents are given to each model: ``equal-current`` (the same
    µA/cm² for both) or ``rheobase`` (every current of the task in units of the model's
    own rheobase, anchored so that the reference sees the task as it is written).
pool_sizes
    The sizes read from a pool: a geometric grid from 1 to the pool, with every
    reference size on it.
pool_protocol
    The one simulation of a model: ``seeds`` stimulus sets (class waveforms drawn per
    seed) x classes x repeats copies of ``pool`` independent neurons.
evaluate_pool
    That simulation and the metric of the first ``n`` neurons at every size, per seed,
    with trial-level bootstrap replicates: JSON in and out (a cached sweep point).
measure_pooled_equivalence -> PooledEquivalence
    Reference pool and candidate pool on common random numbers, a saturating curve
    fitted to each model's metric(n), the equivalent size n* and n*/N with a paired,
    hierarchical bootstrap CI at every reference size, and the drift of the ratio with N.
write_pooled_outputs
    The result as JSON and one figure per metric.

Why pools
---------
In the tasks ``waveform-classes`` and ``rate-classes`` the neurons are independent given
the class (private noise, no coupling: the default ``coupling = 0``).  The first ``n``
neurons of a pool of ``M`` are then a network of ``n``, so one simulation per model gives
every size, instead of one simulation per size and seed: the search costs two compiled
runs (``auto`` resolves to ``cpp-simd`` where it builds) however many sizes and seeds it
reads.  A seed here is one block of the pool: its own class waveforms (condition
``k * classes + c`` draws its waveform from ``(waveform_seed, k * classes + c)``) and its
own private noise.  Coupled networks (``ei-classes``, ``coupling != 0``) change with
their size and keep the size search of :mod:`hhlif.protocols.experiments.equivalence`.

Common random numbers
---------------------
Both models see the same class stimuli on every seed.  When they also share the time
step, both pools get the same size and the same generator seed, so neuron ``i`` of every
trial receives the very same private noise in the reference and in the candidate: every
comparison is paired, and a candidate with the reference's dynamics (``tv-lif2hh``
against ``hh``) gives identical spikes and a ratio of exactly 1.  With different steps
(``lif`` at 0.1 ms, ``hh`` at 0.01 ms) the noise is drawn per model (the stimuli are
still common) and the result says so.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.units import in_units
from hhlif.protocols.experiments.candidates import ModelSpec

__all__ = ["ModelSpec", "OPERATING_POINTS", "POOL_PROTOCOLS", "model_step_ms", "is_pool_protocol",
           "pool_protocol_names", "pool_sizes", "pool_protocol",
           "evaluate_pool", "measure_pooled_equivalence", "PooledEquivalence",
           "write_pooled_outputs", "estimate_pools", "DEFAULT_SEEDS", "DEFAULT_REPEATS"]

#: How the task's currents are given to each model.
OPERATING_POINTS = {
    "equal-current": "the same currents (µA/cm²) for both models",
    "rheobase": "every current of the task (class mean and waveforms, private noise) scaled by"
                " the model's rheobase over the reference's: the same drive in units of each"
                " model's own rheobase",
    "rate": "every current of the task scaled for the candidate so that its mean rate on the"
            " task equals the reference's (bisection on small pilot runs)",
}
#: Tasks of EquivalenceSettings whose neurons are independent given the class (a pool
#: gives every size); every class-stimulus task (:mod:`.class_tasks`) is one too.
POOL_PROTOCOLS = ("waveform-classes", "rate-classes")


def is_pool_protocol(protocol: str) -> bool:
    """Whether the pooled search runs ``protocol`` (independent neurons given the class)."""
    from hhlif.protocols.experiments.class_tasks import is_class_task

    return protocol in POOL_PROTOCOLS or is_class_task(protocol)


def pool_protocol_names() -> list[str]:
    """Every task of the pooled search."""
    from hhlif.protocols.experiments.class_tasks import task_names

    return list(POOL_PROTOCOLS) + task_names()


def _task_of(protocol: str, task=None):
    """The ClassTask of a class-stimulus protocol (with ``task`` settings), else None."""
    from hhlif.protocols.experiments.class_tasks import get_task, is_class_task

    return get_task(protocol, task) if is_class_task(protocol) else None


def _n_classes(protocol: str, settings, task=None) -> int:
    from hhlif.protocols.experiments.equivalence import n_classes_of

    return task.n_classes if task is not None else n_classes_of(protocol, settings)
#: Stimulus sets (seeds) and trials per class of a pooled search by default.
DEFAULT_SEEDS = 10
DEFAULT_REPEATS = 100
#: Smallest pool (the saturating fit has two parameters: three sizes at least).
MIN_POOL = 3
#: Largest pool simulation run without ``size_limit=False`` (model neurons).
MAX_POOL_NEURONS = 2_000_000


# ----------------------------------------------------------------------------- sizes
def pool_sizes(pool: int, required: Sequence[int] = (), points: int = 12) -> list[int]:
    """A geometric grid of sizes from 1 to ``pool`` with every ``required`` size on it.

    Examples
    --------
    >>> pool_sizes(20, [5, 10, 20], points=6)
    [1, 2, 3, 5, 7, 10, 20]
    """
    grid = np.unique(np.round(np.geomspace(1, int(pool), int(points))).astype(int))
    sizes = sorted(set(int(v) for v in grid) | {int(r) for r in required if 1 <= r <= pool})
    return sizes


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ParameterError(f"{name}={value!r}: expected an integer >= {low}")
    return int(value)


# ----------------------------------------------------------------------------- protocol
def pool_protocol(spec: ModelSpec | str, pool: int, seeds: int, protocol: str = "waveform-classes",
                  settings: Mapping | None = None, current_scale: float = 1.0, seed: int = 1,
                  task=None):
    """The pool simulation of a model: ``seeds`` x classes x repeats copies of ``pool``
    independent neurons, in one build.

    Copy ``c`` is trial ``c % repeats`` of condition ``c // repeats``; condition ``i`` is
    class ``i % classes`` of seed block ``i // classes``.  ``current_scale`` multiplies
    every current of the task (the class currents and waveforms and the private noise):
    the ``rheobase`` operating point.  ``seed`` seeds the private noise (the same for
    both models: common random numbers).

    Returns
    -------
    Protocol
    """
    from brian2 import cm, uA

    from hhlif.models.networks import PrivateNoiseNetwork
    from hhlif.protocols import stimuli
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings, recorded_settings
    from hhlif.protocols.protocol import Protocol

    spec = ModelSpec.coerce(spec)
    if not is_pool_protocol(protocol):
        raise ParameterError(f"protocol={protocol!r}: a pool needs neurons that are"
                             f" independent given the class; expected one of"
                             f" {', '.join(pool_protocol_names())} (coupled networks use the"
                             " size search: --search bisect)")
    task = _task_of(protocol, task)
    s = EquivalenceSettings.coerce(settings)
    if float(s.coupling) != 0.0:
        raise ParameterError(f"setting 'coupling'={float(s.coupling / (uA / cm**2)):g}*uA/cm**2:"
                             " a pool needs independent neurons (coupling = 0); coupled"
                             " networks use the size search (--search bisect)")
    k = _n_classes(protocol, s, task)
    scale = float(current_scale)
    blocks = _check_int("seeds", seeds, 1)
    stimulus = stimuli.Constant(0 * uA / cm**2)
    if task is not None:
        from brian2 import ms

        duration_ms = in_units(s.duration, ms)
        waves = np.concatenate([task.currents(b, duration_ms) for b in range(blocks)], axis=1)
        stimulus = stimuli.WaveformSet(values=waves * scale * (uA / cm**2), index=0,
                                       sample_dt=task.sample_dt_ms * ms)
        conditions = {"index": np.arange(blocks * k)}
        wave = {}
    elif protocol == "rate-classes":
        amplitudes = np.tile(np.asarray(s.classes / (uA / cm**2), dtype=float), blocks)
        wave = {}
    else:
        mean = float(s.waveform_mean / (uA / cm**2))
        amplitudes = np.full(blocks * k, mean)
        wave = dict(waveform_std=s.waveform_std * scale, waveform_tau=s.waveform_tau,
                    waveform_seed=int(s.waveform_seed), n_classes=blocks * k)
    if task is None:
        conditions = {"amplitude": amplitudes * scale * (uA / cm**2)}
    net = PrivateNoiseNetwork(size=int(pool), noise_std=s.noise_std * scale,
                              noise_tau=s.noise_tau, noise_sources=int(s.noise_sources),
                              noise_rate=s.noise_rate, repeats=int(s.repeats), **wave)
    dt = s.dt.get(spec.name)
    extra = {"task": task.to_json()} if task is not None else {}
    return Protocol(model=spec.model(), stimulus=stimulus,
                    duration=s.duration, dt=dt, trials=int(s.repeats),
                    conditions=conditions, record=(),
                    record_neurons=[], seed=int(seed), network=net, name=f"{protocol}-pool",
                    settings=dict(recorded_settings(s), pool=int(pool), seeds=blocks,
                                  current_scale=scale, **extra))


def evaluate_pool(model: Mapping, pool: int, seeds: int, sizes: Sequence[int],
                  metrics: Sequence[str], protocol: str = "waveform-classes",
                  settings: Mapping | None = None, current_scale: float = 1.0,
                  noise_seed: int = 1, n_trial_bootstrap: int = 20, backend: str = "auto",
                  size_limit: bool = True, threads: int | None = None,
                  task: Mapping | None = None, stimulus_digest: str | None = None) -> dict:
    """Simulate a model's pool and read every metric at every size, per seed block.

    JSON in and out (a sweep point; ``model`` is :meth:`ModelSpec.to_json`).

    Returns
    -------
    dict
        ``values``: {metric: [seed][1 + n_trial_bootstrap][size]} (row 0 the data, rows
        1.. trial-level bootstrap replicates, NaN for cross-validated metrics);
        ``spikes_per_trial``: [seed][size]; ``rate_hz``: the mean rate per seed;
        ``cost``: wall and simulation time, neurons, steps, neuron-steps per second,
        backend; ``class_rate_hz``: [seed][class] the mean rate of each class; for a
        task with a null class (:attr:`~.class_tasks.ClassTask.null_class`),
        ``by_class``: {metric: {class label: [seed][rows][size]}} for ``mi`` and
        ``fisher``, each class scored against the null class alone.

    ``task`` is a class task's record (:meth:`~.class_tasks.ClassTask.to_json`);
    ``stimulus_digest`` (the digest of its currents) only keys the cache.
    """
    from brian2 import ms

    from hhlif.analysis.pool_metrics import pool_metric_curves
    from hhlif.analysis.task_metrics import population_counts
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.simulation.running import run

    spec = ModelSpec.from_json(model)
    s = EquivalenceSettings.from_json(settings)
    task_obj = _task_of(protocol, task)
    p = pool_protocol(spec, int(pool), int(seeds), protocol, s, current_scale, noise_seed,
                      task=task_obj)
    t0 = time.perf_counter()
    memo_key = json.dumps([model, int(pool), int(seeds), protocol,
                           {k: v for k, v in s.to_json().items() if k not in READ_ONLY},
                           float(current_scale), int(noise_seed), backend, bool(size_limit),
                           threads, task], sort_keys=True, default=str)
    rec = _RECORDINGS.pop(memo_key, None)
    reused = rec is not None
    if not reused:
        rec = run(p, backend=backend, progress=False, size_limit=size_limit, threads=threads)
    if rec.main.spike_times.size <= _MEMO_MAX_SPIKES:
        _RECORDINGS[memo_key] = rec   # the most recent last
        while len(_RECORDINGS) > _MEMO_RECORDINGS:
            _RECORDINGS.pop(next(iter(_RECORDINGS)))
    wall = time.perf_counter() - t0
    k = _n_classes(protocol, s, task_obj)
    repeats = int(s.repeats)
    bin_ms = in_units(s.bin, ms)
    duration_ms = in_units(s.duration, ms)
    pop = rec.main
    counts, _ = population_counts(pop.spike_times, pop.spike_indices, int(pool),
                                  int(seeds) * k, repeats, bin_ms, rec.t_start, rec.t_stop)
    per_seed = k * repeats
    labels = (np.arange(per_seed) // repeats).astype(int)
    values: dict = {m: [] for m in metrics}
    spikes, rates, class_rates = [], [], []
    null = None if task_obj is None else task_obj.null_class
    by_class: dict = {m: {lab: [] for i, lab in enumerate(task_obj.class_labels()) if i != null}
                      for m in metrics if m in ("mi", "fisher")} if null is not None else {}
    t1 = time.perf_counter()
    with _one_blas_thread():   # many small solves: threads only contend on 2 cores
        for b in range(int(seeds)):
            block = counts[b * per_seed:(b + 1) * per_seed]
            curves = pool_metric_curves(block, labels, list(sizes), list(metrics),
                                        mi_levels=int(s.mi_levels),
                                        n_trial_bootstrap=int(n_trial_bootstrap), seed=b,
                                        duration_ms=duration_ms)
            for m in metrics:
                values[m].append(np.asarray(curves.values[m], dtype=float).tolist())
            spikes.append(np.asarray(curves.spikes_per_trial, dtype=float).tolist())
            rates.append(float(block.sum() / (per_seed * int(pool)) / (duration_ms / 1000.0)))
            per_class = block.reshape(k, repeats, int(pool), -1).sum(axis=(1, 2, 3))
            class_rates.append((per_class / (repeats * int(pool)) / (duration_ms / 1000.0)
                                ).tolist())
            for m, rows in by_class.items():
                for i, lab in enumerate(task_obj.class_labels()):
                    if i == null:
                        continue
                    pick = (labels == null) | (labels == i)
                    two = pool_metric_curves(block[pick], (labels[pick] == i).astype(int),
                                             list(sizes), [m], mi_levels=int(s.mi_levels),
                                             n_trial_bootstrap=int(n_trial_bootstrap),
                                             seed=b, duration_ms=duration_ms)
                    rows[lab].append(np.asarray(two.values[m], dtype=float).tolist())
    analysis_s = time.perf_counter() - t1
    steps = int(round(float(p.duration / p.integration_dt)))
    timers = rec.provenance.get("wall_time_s", {})
    sim = timers.get("run_binary") or timers.get("setup") or wall
    out_class = {"by_class": by_class} if by_class else {}
    return {"values": values, "spikes_per_trial": spikes, "rate_hz": rates,
            "class_rate_hz": class_rates, **out_class,
            "cost": {"wall_time_s": round(wall, 4), "simulation_s": round(float(sim), 4),
                     "analysis_s": round(analysis_s, 4), "neurons": int(p.n_neurons),
                     "brian2_units": int(p.n_neurons) * spec.units_per_neuron,
                     "steps": steps, "dt_ms": float(p.integration_dt) * 1000.0,
                     "threads": threads,
                     "neuron_steps_per_s": float(p.n_neurons * steps / max(float(sim), 1e-9)),
                     "backend": rec.provenance.get("backend"),
                     "reused_simulation": reused}}


#: Settings of how spikes are read, not of the simulation (no effect on spikes or rates).
READ_ONLY = ("bin_ms", "mi_levels", "readout_alpha")
#: The latest pool recordings of this process (at most :data:`_MEMO_RECORDINGS`, each of
#: at most :data:`_MEMO_MAX_SPIKES` spikes, 16 bytes each), keyed by everything but the
#: :data:`READ_ONLY` settings: a task read at two resolutions (``precision`` at 2 and
#: 25 ms, every candidate and HH) is simulated once.
_RECORDINGS: dict = {}
_MEMO_RECORDINGS = 8
_MEMO_MAX_SPIKES = 2_000_000


def _one_blas_thread():
    """BLAS limited to one thread (threadpoolctl, when installed)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:   # pragma: no cover - threadpoolctl comes with SciPy's stack
        return contextlib.nullcontext()
    return threadpool_limits(1)


# ----------------------------------------------------------------------------- estimate
def estimate_pools(reference: ModelSpec, candidate: ModelSpec, pools: tuple[int, int],
                   seeds: int, protocol: str, settings, task=None) -> dict:
    """Neurons of each pool simulation and the larger one (nothing is built)."""
    copies = seeds * _n_classes(protocol, settings, _task_of(protocol, task)) * \
        int(settings.repeats)
    ref = copies * pools[0] * reference.units_per_neuron
    cand = copies * pools[1] * candidate.units_per_neuron
    return {"copies": copies, "reference_units": ref, "candidate_units": cand,
            "largest_units": max(ref, cand)}


# ----------------------------------------------------------------------------- driver
@dataclass
class PooledEquivalence:
    """What :func:`measure_pooled_equivalence` found.

    Attributes
    ----------
    results : dict
        ``{metric: {N: SizeRatio}}``: the equivalent size and n/N with its CI at every
        reference size N.
    drift : dict
        ``{metric: ratio_drift(...)}``: whether n/N changes with N.
    curves : dict
        ``{metric: (reference SizeCurves, candidate SizeCurves)}``.
    reference, candidate : ModelSpec
    operating_point : str
    scales : dict
        The current scale of each model (1 for the reference) and the rheobases behind it.
    paired_noise : bool
        Whether the private noise was common (same step, same pool): every comparison
        neuron by neuron; otherwise only the class stimuli are common.
    confounds : list of str
        What differs between the two models besides their dynamics, in plain sentences:
        their rates on the task, an uncalibrated candidate, unpaired noise.
    provenance : dict
    by_class : dict
        For a task with a null class: ``{metric: {class label: {N: SizeRatio,
        "reference_per_neuron": [...]}}}``, each class against the null class alone.
    """

    results: dict
    drift: dict
    curves: dict
    reference: ModelSpec
    candidate: ModelSpec
    operating_point: str
    scales: dict
    paired_noise: bool
    confounds: list = field(default_factory=list)
    provenance: dict = field(default_factory=dict)
    by_class: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The result as the command prints it."""
        out = []
        units = self.candidate.units_per_neuron
        for m, by_n in self.results.items():
            for n, r in sorted(by_n.items()):
                extra = (f"; n counts circuits of {units} Brian2 units each" if units > 1
                         else "")
                out.append(f"{m}: N = {n}: {r}{extra}")
                unit = self.provenance.get("information_per_unit", {}).get(m, {}).get(str(n))
                if unit and unit.get("candidate_bits_per_spike") is not None and \
                        unit.get("reference_bits_per_spike") is not None:
                    out.append(f"{m}: N = {n}: per spike {unit['reference_bits_per_spike']:.3g}"
                               f" bits ({self.reference.name}) vs"
                               f" {unit['candidate_bits_per_spike']:.3g}"
                               f" ({self.candidate.name}); per neuron"
                               f" {unit['reference_bits_per_neuron']:.3g} vs"
                               f" {unit['candidate_bits_per_neuron']:.3g}")
            d = self.drift.get(m)
            if d and d.get("verdict"):
                out.append(f"{m}: drift with N: {d['verdict']}")
        out += [f"confound: {c}" for c in self.confounds]
        return out

    def to_dict(self) -> dict:
        from hhlif.analysis.utils import jsonify

        return jsonify({
            "results": {m: {str(n): r.to_dict() for n, r in by_n.items()}
                        for m, by_n in self.results.items()},
            "drift": self.drift,
            "curves": {m: {"reference": _curves_dict(ref), "candidate": _curves_dict(cand)}
                       for m, (ref, cand) in self.curves.items()},
            "reference": self.reference.to_json(), "candidate": self.candidate.to_json(),
            "operating_point": self.operating_point, "scales": self.scales,
            "paired_noise": self.paired_noise, "confounds": self.confounds,
            "provenance": self.provenance,
            "by_class": {m: {lab: {str(k): (v.to_dict() if hasattr(v, "to_dict") else v)
                                   for k, v in rows.items()} for lab, rows in d.items()}
                         for m, d in self.by_class.items()},
        }, non_finite="string")


def _curves_dict(c) -> dict:
    return {"sizes": [int(v) for v in c.sizes], "mean": np.asarray(c.mean).tolist(),
            "se": np.asarray(c.se).tolist(), "model": c.model}


def model_rheobase(spec: ModelSpec, backend: str = "auto") -> float:
    """The rheobase of a model with its parameters (µA/cm²), measured on a long step
    (:func:`hhlif.protocols.experiments.calibration.rheobase`)."""
    from brian2 import cm, uA

    from hhlif.protocols.experiments.calibration import rheobase

    est = rheobase(spec.model(), backend=backend)
    value = float(np.ravel(np.asarray(est.value / (uA / cm**2)))[0])
    if not np.isfinite(value):
        raise ParameterError(f"model {spec.label()!r}: no repetitive firing up to the"
                             " rheobase search's largest current; expected a model that"
                             " fires (the rheobase operating point needs its rheobase)")
    return value


#: Pilot runs of the ``rate`` operating point: neurons per trial, the scale bracket, the
#: relative rate tolerance and the most bisection steps.
PILOT_NEURONS = 5
#: Trials per class of a pilot run (at most; a rate needs fewer than an information).
PILOT_REPEATS = 20
RATE_SCALE_BRACKET = (0.05, 20.0)
RATE_TOLERANCE = 0.02
RATE_MAX_STEPS = 14


def pilot_rate(spec: ModelSpec, scale: float, protocol: str, settings, seed: int = 1,
               task=None) -> float:
    """Mean rate (Hz) of a model on the task with every current scaled by ``scale``: one
    seed block of :data:`PILOT_NEURONS` neurons per trial, Brian2's runtime target."""
    from brian2 import ms

    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.simulation.running import run

    s = EquivalenceSettings.coerce(settings)
    s = s.replace(repeats=min(int(s.repeats), PILOT_REPEATS))
    p = pool_protocol(spec, PILOT_NEURONS, 1, protocol, s, scale, seed=seed + 7919,
                      task=task)
    rec = run(p, backend="runtime", progress=False)
    return float(rec.main.spike_times.size / p.n_neurons / float(p.duration / (1000 * ms)))


def match_rate(reference: ModelSpec, candidate: ModelSpec, protocol: str, settings,
               seed: int = 1, task=None) -> dict:
    """The current scale at which the candidate's mean rate on the task equals the
    reference's (log-scale bisection of pilot runs, within :data:`RATE_TOLERANCE`).

    Returns
    -------
    dict
        ``candidate`` (the scale), ``reference_rate_hz``, ``candidate_rate_hz`` (at that
        scale), ``pilot_runs``.

    Raises
    ------
    ParameterError
        When no scale in :data:`RATE_SCALE_BRACKET` brackets the reference's rate.
    """
    import json

    from hhlif.protocols.experiments.equivalence import EquivalenceSettings

    record = {k: v for k, v in EquivalenceSettings.coerce(settings).to_json().items()
              if k not in READ_ONLY}
    key = json.dumps([reference.to_json(), candidate.to_json(), protocol, record, seed,
                      None if task is None else _task_of(protocol, task).to_json()],
                     sort_keys=True, default=str)
    if key not in _MATCHED:
        _MATCHED[key] = _match_rate(reference, candidate, protocol, settings, seed, task)
    return dict(_MATCHED[key])


#: Rate matches of this process (the same task read at two bin widths matches once).
_MATCHED: dict = {}


def _match_rate(reference, candidate, protocol, settings, seed, task) -> dict:
    target = pilot_rate(reference, 1.0, protocol, settings, seed, task)
    lo, hi = RATE_SCALE_BRACKET
    r_lo = pilot_rate(candidate, lo, protocol, settings, seed, task)
    r_hi = pilot_rate(candidate, hi, protocol, settings, seed, task)
    runs = 3
    if not r_lo <= target <= r_hi:
        raise ParameterError(
            f"operating point 'rate': {candidate.label()} fires {r_lo:.3g}-{r_hi:.3g} Hz for"
            f" currents x {lo:g}-{hi:g}, {reference.label()} {target:.3g} Hz; expected a"
            " scale within that range to match the reference's rate")
    scale, rate = 1.0, None
    for _ in range(RATE_MAX_STEPS):
        scale = math.sqrt(lo * hi)
        rate = pilot_rate(candidate, scale, protocol, settings, seed, task)
        runs += 1
        if target > 0 and abs(rate / target - 1.0) <= RATE_TOLERANCE:
            break
        lo, hi = (scale, hi) if rate < target else (lo, scale)
    return {"candidate": scale, "reference_rate_hz": target, "candidate_rate_hz": rate,
            "pilot_runs": runs}


def measure_pooled_equivalence(reference: Any = "hh", candidate: Any = "lif",
                               sizes: Sequence[int] = (20,), metrics: Sequence[str] = ("mi",),
                               protocol: str = "waveform-classes",
                               seeds: int = DEFAULT_SEEDS, settings: Mapping | None = None,
                               quick: bool = False, backend: str = "auto",
                               operating_point: str = "equal-current",
                               candidate_pool: int | None = None, n_bootstrap: int = 2000,
                               n_trial_bootstrap: int = 20, confidence: float = 0.95,
                               scheduler: Any = "serial", n_workers: int | None = None,
                               cache: Any = None, recompute: bool = False,
                               progress: bool = True, size_limit: bool = True,
                               noise_seed: int = 1, common_noise: bool | None = None,
                               threads: int | None = None,
                               size_names: Mapping | None = None,
                               task_settings: Any = None) -> PooledEquivalence:
    """Equivalent candidate size at every reference size, from one pool per model.

    Parameters
    ----------
    reference, candidate : str or ModelSpec
        The models (a ModelSpec carries fitted parameters and their calibration).
    sizes : sequence of int
        Reference sizes N (e.g. 5, 10, 20, 40): the ratio at each, and its drift.
    metrics : sequence of str
        Among :data:`hhlif.analysis.pool_metrics.POOL_METRICS`.
    protocol : str
        Among :func:`pool_protocol_names`: :data:`POOL_PROTOCOLS` and the class-stimulus
        tasks of :mod:`.class_tasks`.
    task_settings : mapping or ClassTask, optional
        A class-stimulus task's own settings (its fields, with units); the task's
        ``defaults`` for the common settings apply before ``settings`` (a mapping).
    seeds : int
        Stimulus sets (class waveforms redrawn per seed, private noise per seed): the
        top level of the bootstrap (default 10).
    settings : EquivalenceSettings or mapping, optional
        The task; ``repeats`` defaults to :data:`DEFAULT_REPEATS` here (trials per class:
        the information estimates need about 100).
    operating_point : str
        Among :data:`OPERATING_POINTS`.
    candidate_pool : int, optional
        Candidate neurons per trial (default 4 x the largest N); sizes are read up to it
        and the crossing extrapolated at most 2x beyond.
    n_bootstrap, n_trial_bootstrap, confidence
        Replicates of the paired hierarchical bootstrap (seeds, then trials) and of the
        trial level per seed.
    scheduler, n_workers, cache, recompute, progress
        See :class:`hhlif.protocols.experiments.sweeps.SweepRunner` (default ``serial``:
        the two pool runs are compiled and each uses the machine).
    size_limit : bool
        Refuse pools larger than :data:`MAX_POOL_NEURONS` Brian2 units.
    noise_seed : int
        Generator seed of the private noise (both models).
    threads : int, optional
        OpenMP threads of each compiled pool run (default: every core with the serial
        scheduler, one otherwise).  Part of each pool's cache key: the generator's streams
        depend on it, and both models run with the same number, so common random numbers
        hold.
    common_noise : bool, optional
        Give both models the same private noise neuron by neuron (both pools then have
        the larger size, which costs the reference more).  Default: when both models use
        the same time step.  True with different steps is refused.
    size_names : mapping, optional
        How the caller spells ``size``, ``n_max``, ``seeds`` and the override in the
        size-limit message (the CLI: ``--size`` ...).

    Returns
    -------
    PooledEquivalence
    """
    from hhlif.analysis.pool_metrics import POOL_BASELINES, POOL_METRICS
    from hhlif.analysis.size_curves import SizeCurves, equivalent_size, ratio_drift
    from hhlif.protocols._version import __version__
    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.experiments.sweeps import SweepRunner, check_scheduler

    ref = ModelSpec.coerce(reference, "reference")
    cand = ModelSpec.coerce(candidate, "candidate")
    if not is_pool_protocol(protocol):
        raise UnknownNameError(f"protocol {protocol!r}: the pooled search takes"
                               f" {', '.join(pool_protocol_names())} (independent neurons)")
    task = _task_of(protocol, task_settings)
    if task is not None and (settings is None or isinstance(settings, Mapping)):
        settings = {**task.settings_record(), **dict(settings or {})}
    for m in metrics:
        if m not in POOL_METRICS:
            raise UnknownNameError(f"metric {m!r}: unknown for the pooled search; valid are"
                                   f" {', '.join(POOL_METRICS)}")
    if operating_point not in OPERATING_POINTS:
        raise UnknownNameError(f"operating point {operating_point!r}: unknown; valid are"
                               f" {', '.join(OPERATING_POINTS)}")
    sizes = sorted({_check_int("size", int(n) if isinstance(n, (int, np.integer)) else n, 1)
                    for n in sizes})
    seeds = _check_int("seeds", seeds, 2)
    _check_int("n_bootstrap", n_bootstrap, 0)
    _check_int("n_trial_bootstrap", n_trial_bootstrap, 0)
    if settings is None or isinstance(settings, Mapping) and "repeats" not in settings:
        base = {"repeats": DEFAULT_REPEATS if not quick else 40}
        s = EquivalenceSettings.coerce({**base, **dict(settings or {})}, quick=quick)
    else:
        s = EquivalenceSettings.coerce(settings, quick=quick)
    n_ref_pool = max(max(sizes), MIN_POOL)   # a curve needs three sizes at least
    n_cand_pool = max(_check_int("candidate_pool", candidate_pool, 1) if candidate_pool
                      else 4 * max(sizes), MIN_POOL)
    get_backend(backend)
    check_scheduler(scheduler, connect=False)
    same_step = model_step_ms(ref, s) == model_step_ms(cand, s)
    if common_noise and not same_step:
        raise ParameterError(f"common_noise=True: {ref.name} runs at dt {model_step_ms(ref, s):g} ms,"
                             f" {cand.name} at {model_step_ms(cand, s):g} ms; expected the same step"
                             " (set dt.MODEL) for common noise")
    paired_noise = same_step if common_noise is None else bool(common_noise)
    if paired_noise:   # the same pool for both: neuron i gets the same noise in both
        n_ref_pool = n_cand_pool = max(n_ref_pool, n_cand_pool)
    est = estimate_pools(ref, cand, (n_ref_pool, n_cand_pool), seeds, protocol, s, task)
    if size_limit and est["largest_units"] > MAX_POOL_NEURONS:
        from hhlif.protocols.experiments.equivalence import SizeLimitError

        names = {"size": "sizes", "n_max": "candidate_pool", "seeds": "seeds",
                 "override": "size_limit=False", **dict(size_names or {})}
        raise SizeLimitError(
            f"pooled search too large: {names['size']}={','.join(map(str, sizes))},"
            f" {names['n_max']}={n_cand_pool}, {names['seeds']}={seeds},"
            f" {_n_classes(protocol, s, task)} classes x repeats={s.repeats}: the larger pool"
            f" simulation has {est['largest_units']:,} Brian2 units (limit"
            f" {MAX_POOL_NEURONS:,}); expected smaller sizes, fewer seeds or repeats, or pass"
            f" {names['override']} to run it anyway")
    t0 = time.perf_counter()
    scales = {"reference": 1.0, "candidate": 1.0}
    if operating_point == "rheobase":
        rh_ref, rh_cand = model_rheobase(ref, backend), model_rheobase(cand, backend)
        scales.update(candidate=rh_cand / rh_ref, reference_rheobase_uA_cm2=rh_ref,
                      candidate_rheobase_uA_cm2=rh_cand)
    elif operating_point == "rate":
        scales.update(match_rate(ref, cand, protocol, s, seed=noise_seed, task=task))
    if threads is None:
        threads = (os.cpu_count() or 1) if scheduler == "serial" else 1
    threads = _check_int("threads", threads, 1)
    record = s.to_json()
    ref_sizes = pool_sizes(n_ref_pool, sizes)
    cand_sizes = pool_sizes(n_cand_pool, sizes)
    metrics = list(dict.fromkeys(metrics))

    def point(spec, pool, sz, scale):
        out = {"model": spec.to_json(), "pool": int(pool), "seeds": int(seeds),
               "sizes": [int(v) for v in sz], "metrics": metrics, "protocol": protocol,
               "settings": record, "current_scale": float(scale),
               "noise_seed": int(noise_seed), "n_trial_bootstrap": int(n_trial_bootstrap),
               "backend": backend}
        if threads > 1 and backend != "runtime":
            out["threads"] = threads   # only then: single-threaded points keep their keys
        if not size_limit:
            out["size_limit"] = False
        if task is not None:
            out["task"] = task.to_json()
            out["stimulus_digest"] = digest
        return out

    digest = None
    if task is not None:
        from hhlif.protocols.experiments.class_tasks import stimulus_digest

        digest = stimulus_digest(task, seeds, in_units(s.duration, _ms()))

    with SweepRunner(scheduler, n_workers=n_workers, cache=cache, force=recompute,
                     progress=progress) as runner:
        done = runner.map(evaluate_pool,
                          [point(ref, n_ref_pool, ref_sizes, scales["reference"]),
                           point(cand, n_cand_pool, cand_sizes, scales["candidate"])],
                          label=f"pools: {ref.name} {n_ref_pool}, {cand.name} {n_cand_pool}"
                          ).results
        computed, cached = runner.total_computed, runner.total_cached
    ref_out, cand_out = done
    results, drift, curves, results_by_class = {}, {}, {}, {}
    for m in metrics:
        rc = SizeCurves(sizes=ref_sizes, values=np.asarray(ref_out["values"][m], dtype=float),
                        model=ref.label(), metric=m)
        cc = SizeCurves(sizes=cand_sizes, values=np.asarray(cand_out["values"][m], dtype=float),
                        model=cand.label(), metric=m)
        curves[m] = (rc, cc)
        by_n = {}
        for n in sizes:
            by_n[n] = equivalent_size(rc, cc, n, baseline=_baseline(POOL_BASELINES, m, protocol,
                                                                     s, _n_classes(
                                                                         protocol, s, task)),
                                      n_bootstrap=n_bootstrap, confidence=confidence,
                                      paired=True, seed=0)   # the same draws at every N
        results[m] = by_n
        if m in ref_out.get("by_class", {}) and m in cand_out.get("by_class", {}):
            per_class = {}
            for lab, ref_vals in ref_out["by_class"][m].items():
                rcl = SizeCurves(sizes=ref_sizes, values=np.asarray(ref_vals, dtype=float),
                                 model=ref.label(), metric=m)
                ccl = SizeCurves(sizes=cand_sizes, values=np.asarray(
                    cand_out["by_class"][m][lab], dtype=float), model=cand.label(), metric=m)
                per_class[lab] = {n: equivalent_size(rcl, ccl, n, baseline=_baseline(
                    POOL_BASELINES, m, protocol, s, 2), n_bootstrap=n_bootstrap,
                    confidence=confidence, paired=True, seed=0) for n in sizes}
                per_class[lab]["reference_per_neuron"] = [
                    float(np.mean(np.asarray(ref_vals, dtype=float)[:, 0, i])) / ref_sizes[i]
                    for i in range(len(ref_sizes))]
            results_by_class[m] = per_class
        if len(sizes) >= 2:
            drift[m] = ratio_drift(sizes, [by_n[n].ratio for n in sizes],
                                   _replicates(by_n, sizes))
    provenance = {
        "hhlif_version": __version__, "protocol": protocol, "settings": record,
        "seeds": seeds, "noise_seed": int(noise_seed), "backend": backend,
        "pools": {"reference": n_ref_pool, "candidate": n_cand_pool},
        "sizes_read": {"reference": ref_sizes, "candidate": cand_sizes},
        "n_bootstrap": n_bootstrap, "n_trial_bootstrap": n_trial_bootstrap,
        "rate_hz": {"reference": ref_out["rate_hz"], "candidate": cand_out["rate_hz"]},
        "class_rate_hz": {"reference": ref_out.get("class_rate_hz"),
                          "candidate": cand_out.get("class_rate_hz")},
        "cost": {"reference": ref_out["cost"], "candidate": cand_out["cost"]},
        "sweep": {"computed": computed, "cached": cached,
                  "wall_time_s": round(time.perf_counter() - t0, 3)},
        "common_random_numbers": ("class stimuli and private noise, neuron by neuron"
                                  if paired_noise else
                                  "class stimuli (the models' steps differ, so each draws"
                                  " its own private noise)"),
    }
    if task is not None:
        provenance["task"] = dict(task.to_json(), labels=task.class_labels(),
                                  expected=task.expected)
        provenance["stimulus_digest"] = digest
    provenance["information_per_unit"] = _per_unit(results, ref_out, cand_out, ref_sizes,
                                                   cand_sizes)
    confounds = _confounds(ref, cand, ref_out, cand_out, operating_point, paired_noise)
    return PooledEquivalence(results, drift, curves, ref, cand, operating_point, scales,
                             paired_noise, confounds, provenance, results_by_class)


#: Metrics in bits, whose value per neuron and per spike the result reports.
BITS_METRICS = ("mi", "mi-nsb", "decoder", "decoder-lda")


def _per_unit(results: Mapping, ref_out: Mapping, cand_out: Mapping, ref_sizes,
              cand_sizes) -> dict:
    """Information per neuron and per spike of both networks at the match: the reference
    at N (its fitted level) and the candidate at n* (the same level)."""
    ref_spikes = np.mean(np.asarray(ref_out["spikes_per_trial"], dtype=float), axis=0)
    cand_spikes = np.mean(np.asarray(cand_out["spikes_per_trial"], dtype=float), axis=0)
    out = {}
    for m, by_n in results.items():
        if m not in BITS_METRICS:
            continue
        rows = {}
        for n, r in by_n.items():
            level, size = float(r.reference_level), float(r.size)
            s_ref = float(np.interp(n, ref_sizes, ref_spikes))
            row = {"reference_bits_per_neuron": level / n,
                   "reference_bits_per_spike": level / s_ref if s_ref > 0 else None}
            if r.status == "found" and np.isfinite(size) and size > 0:
                s_cand = float(np.interp(size, cand_sizes, cand_spikes))
                row.update(candidate_bits_per_neuron=level / size,
                           candidate_bits_per_spike=level / s_cand if s_cand > 0 else None,
                           spikes_per_trial={"reference": s_ref, "candidate": s_cand})
            rows[str(n)] = row
        out[m] = rows
    return out


#: Rates further apart than this factor are named as a confound.
RATE_CONFOUND_FACTOR = 1.25


def _confounds(ref: ModelSpec, cand: ModelSpec, ref_out: Mapping, cand_out: Mapping,
               operating_point: str, paired_noise: bool) -> list[str]:
    """What, besides their dynamics, differs between the two models on this task."""
    out = []
    r_ref, r_cand = float(np.mean(ref_out["rate_hz"])), float(np.mean(cand_out["rate_hz"]))
    if r_ref > 0 and r_cand > 0 and max(r_ref / r_cand, r_cand / r_ref) > RATE_CONFOUND_FACTOR:
        out.append(f"rates differ: {cand.label()} fires at {r_cand:.1f} Hz, {ref.label()} at"
                   f" {r_ref:.1f} Hz on this task (more than {RATE_CONFOUND_FACTOR:g}x apart):"
                   " the ratio compares two operating points as much as two models")
    elif min(r_ref, r_cand) == 0:
        out.append(f"a silent model: {ref.label()} {r_ref:.1f} Hz, {cand.label()}"
                   f" {r_cand:.1f} Hz")
    if cand.calibration is None and not cand.parameters and cand.name != ref.name:
        out.append(f"{cand.label()} runs with its default parameters, not calibrated to"
                   f" {ref.label()} (hhlif fit; --candidate-params)")
    if not paired_noise:
        out.append("private noise drawn per model (different time steps or pools): only the"
                   " class stimuli are common to both")
    return out


def model_step_ms(spec: ModelSpec, settings) -> float:
    """The model's integration step on the task (ms)."""
    step = settings.dt.get(spec.name)
    return round(in_units(step, _ms()) if step is not None else spec.dt_ms, 12)


def _ms():
    from brian2 import ms

    return ms


def _baseline(baselines: Mapping, metric: str, protocol: str, settings,
              n_classes: int | None = None) -> float:
    """The metric at n = 0 (chance for accuracies)."""
    value = baselines.get(metric, 0.0)
    if n_classes is None:
        n_classes = _n_classes(protocol, settings)
    return float(value(n_classes) if callable(value) else value)


def _replicates(by_n: Mapping, sizes) -> Any:
    """Bootstrap ratios (replicates x sizes): replicate b resampled the same seeds at every
    N (the same bootstrap seed), so the drift's CI is paired across N."""
    reps = [getattr(by_n[n], "replicates", None) for n in sizes]
    if any(r is None or len(r) == 0 for r in reps):
        return None
    return np.column_stack([np.asarray(r, dtype=float) for r in reps])


# ----------------------------------------------------------------------------- outputs
def write_pooled_outputs(result: PooledEquivalence, json_path=None, figures=None,
                         force: bool = False, prefix: str = "equivalence") -> list:
    """The result as JSON and, per metric, ``<prefix>_<metric>.png`` (both curves, their
    fits and the crossing at the largest N)."""
    import json
    from pathlib import Path

    from hhlif.analysis.io import write_text
    from hhlif.analysis.plots import plot_size_curves, save_figure
    from hhlif.analysis.pool_metrics import POOL_METRICS

    written = []
    if json_path:
        written.append(write_text(json_path, json.dumps(result.to_dict(), indent=1),
                                  force=force))
    if figures:
        for m, (rc, cc) in result.curves.items():
            n = max(result.results[m])
            fig = plot_size_curves(rc, cc, result.results[m][n],
                                   xlabel="network size n (neurons)",
                                   ylabel=POOL_METRICS[m][0], reference_label=rc.model,
                                   candidate_label=cc.model)
            written.append(save_figure(fig, Path(figures) / f"{prefix}_{m}.png", force=force))
    return written
