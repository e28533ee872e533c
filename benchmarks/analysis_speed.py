"""Benchmark: vectorised spike statistics against the per-SpikeTrain Elephant path.

Builds a seeded synthetic recording in hhlif's Neo format (packed SpikeTrains:
``--trials`` segments of ``--neurons / --trials`` Poisson neurons, about
``--spikes`` spikes in all), then times

* the vectorised path: ``load_spikes(block)`` + ``firing_rates`` +
  ``isi_statistics`` (CV) + ``fano_factors`` on the flat arrays, and
* the Elephant path: ``unpack_spiketrains`` of every packed train, then per
  SpikeTrain ``elephant.statistics.mean_firing_rate`` and ``cv(isi(...))``,
  and ``fanofactor`` per neuron across trials,

checks that both give the same numbers, and writes a JSON result. It also
times the coincidence factor Γ (``coincidence_factor``, Δ = 2 ms) of one
reference train of ``--spikes`` spikes against a 1 ms-jittered copy.

Run from the repository root::

    python -m benchmarks.analysis_speed [--out benchmarks/results/analysis_speed.json] [--force]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import elephant
import elephant.statistics as es
import neo
import numpy as np
import quantities as pq

from hhlif.analysis.reports import write_json
from hhlif.analysis.spike_data import load_spikes, unpack_spiketrains
from hhlif.analysis.spike_statistics import fano_factors, firing_rates, isi_statistics
from hhlif.analysis.spike_timing import coincidence_factor

DEFAULT_OUT = os.path.join("benchmarks", "results", "analysis_speed.json")


def build_block(n_neurons: int, n_spikes: int, n_trials: int, duration_s: float,
                seed: int) -> neo.Block:
    """Seeded Poisson recording: ``n_trials`` segments, one packed train each."""
    rng = np.random.default_rng(seed)
    per_trial = n_neurons // n_trials
    rate = n_spikes / (n_neurons * duration_s)
    block = neo.Block(hhlif_format=1, protocol="benchmark-poisson", model="poisson",
                      provenance_json='{"seed": %d}' % seed)
    for trial in range(n_trials):
        counts = rng.poisson(rate * duration_s, per_trial)
        neuron = np.repeat(np.arange(per_trial), counts)
        times = rng.uniform(0.0, duration_s * 1e3, neuron.size)
        order = np.argsort(times)
        seg = neo.Segment(trial=trial, condition=0, condition_label="poisson")
        seg.spiketrains.append(neo.SpikeTrain(
            times[order] * pq.ms, t_stop=duration_s * 1e3 * pq.ms, packed=True,
            population="exc", model="poisson", neuron_start=0, neuron_stop=per_trial,
            trial=trial, condition=0, array_annotations={"neuron": neuron[order]}))
        block.segments.append(seg)
    return block


def gamma_pair(n_spikes: int, seed: int) -> tuple[np.ndarray, np.ndarray, pq.Quantity]:
    """A 20 Hz Poisson reference train (ms) of ``n_spikes`` spikes and a 1 ms-jittered copy."""
    rng = np.random.default_rng(seed)
    t_stop = n_spikes / 20.0 * 1e3
    ref = np.sort(rng.uniform(0.0, t_stop, n_spikes))
    return ref, np.sort(ref + rng.normal(0.0, 1.0, n_spikes)), t_stop * pq.ms


def vectorised_path(block: neo.Block) -> dict:
    data = load_spikes(block)
    return {"rate": firing_rates(data).magnitude, "cv": isi_statistics(data).cv,
            "fano": fano_factors(data).fano, "n_spikes": data.n_spikes}


def elephant_path(block: neo.Block) -> dict:
    per_trial = [unpack_spiketrains(seg.spiketrains[0]) for seg in block.segments]
    rates, cvs = [], []
    for trains in per_trial:
        for st in trains:
            rates.append(float(es.mean_firing_rate(st).rescale(pq.Hz)))
            isi = es.isi(st).magnitude
            cvs.append(float(es.cv(isi)) if isi.size >= 2 else np.nan)
    fano = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Elephant warns about all-zero counts (NaN result)
        for j in range(len(per_trial[0])):
            fano.append(es.fanofactor([trains[j] for trains in per_trial]))
    return {"rate": np.array(rates), "cv": np.array(cvs), "fano": np.array(fano, float)}


def _timed(fn, *args, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def machine_info() -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
            "numpy": np.__version__, "elephant": elephant.__version__, "neo": neo.__version__}
    try:
        import psutil
        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        info["memory_gb"] = None
    return info


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=10_000)
    parser.add_argument("--spikes", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the fast path")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="overwrite --out")
    args = parser.parse_args(argv)
    if os.path.exists(args.out) and not args.force:
        parser.error(f"--out {args.out!r} exists: pass --force to overwrite")

    block = build_block(args.neurons, args.spikes, args.trials, args.duration, args.seed)
    t_fast, fast = _timed(vectorised_path, block, repeat=args.repeat)
    t_slow, slow = _timed(elephant_path, block)
    ref, cand, t_stop = gamma_pair(args.spikes, args.seed)
    t_gamma, gamma = _timed(coincidence_factor, ref, cand, 2 * pq.ms, None, t_stop,
                            repeat=args.repeat)
    for key in ("rate", "cv", "fano"):
        np.testing.assert_allclose(fast[key], slow[key], rtol=1e-10, equal_nan=True,
                                   err_msg=f"{key}: vectorised path differs from Elephant")
    result = {"benchmark": "analysis_speed", "n_neurons": args.neurons,
              "n_trials": args.trials, "n_spikes": int(fast["n_spikes"]),
              "duration_s": args.duration, "seed": args.seed,
              "vectorised_s": round(t_fast, 4), "elephant_s": round(t_slow, 4),
              "speedup": round(t_slow / t_fast, 1), "equal": True,
              "gamma_pair_spikes": args.spikes, "gamma_pair_s": round(t_gamma, 4),
              "gamma_pair_value": round(gamma, 6),
              "what": "load packed Block + rate + CV + Fano (vectorised, best of "
                      f"{args.repeat}) vs unpack + per-SpikeTrain Elephant (one run)",
              "machine": machine_info()}
    for k, v in result["machine"].items():
        print(f"{k:>10}: {v}")
    print(f"{args.neurons} neurons ({args.trials} trials), {result['n_spikes']} spikes: "
          f"vectorised {t_fast:.3f} s, Elephant per SpikeTrain {t_slow:.2f} s, "
          f"ratio {t_slow / t_fast:.1f}x; results equal (rtol 1e-10)")
    print(f"coincidence factor of a {args.spikes}-spike pair (1 ms jitter, delta 2 ms): "
          f"{t_gamma:.3f} s (best of {args.repeat}), gamma = {gamma:.4f}")
    write_json(result, args.out, force=args.force)
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
