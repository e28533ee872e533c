"""Hodgkin–Huxley integration accuracy: spike times against LSODA, by method and step.

Run from the repository root::

    python -m benchmarks.hh_accuracy [--quick] [--duration-ms 1000] [--dts 0.005,0.01,0.02,0.05]
                                     [--models hh,hh-shifted,tv-lif2hh] [--methods ...]
                                     [--out benchmarks/results/hh_accuracy] [--force]

Contents
--------
main               the command line; writes ``<out>.json`` and ``<out>.md`` and prints the
                   cheapest (method, dt) that keeps every spike within 0.1 ms and is stable
lsoda_spikes       the reference: SciPy LSODA (rtol = atol = 1e-10) on the 1952 equations,
                   written here with ``math`` (independent of Brian2 and of hhlif's equations)
match_spikes       one-to-one matching of simulated to reference spikes (max |Δt|, missing,
                   extra)
simulate, stability, cost_per_step
                   the Brian2 runs (runtime device)

What is measured
----------------
For each model (``hh``, ``hh-shifted``, ``tv-lif2hh``: the exact 4-LIF circuit, whose
reference is ``hh``'s), each method (``rk4``, ``exponential_euler``, ``rush_larsen2`` = the
symmetric-splitting second-order Rush–Larsen of :mod:`hhlif.models.integrators`, and its
predictor–corrector variant ``rush_larsen2-midpoint``) and each step dt:

* **accuracy**: ``--duration-ms`` (1 s) of two neurons, one under a 10 µA/cm² step (≈ 68 Hz
  repetitive firing from rest), one under frozen Ornstein–Uhlenbeck noise (mean 8, std 5
  µA/cm², τ 5 ms, seed 1) held for 0.1 ms per sample (a TimedArray); LSODA integrates the
  same zero-order-hold samples, restarted at every sample boundary.  Spike = upward crossing
  of V_spike (−40 mV; 25 mV shifted); Brian2's spike time is the start of the step whose
  update crossed it (what hhlif records), LSODA's is the root of the crossing.  Spikes are
  matched one-to-one within ±2 ms (nearest first); reported: max |Δt| over matched spikes and
  the numbers of missing and extra spikes; also the error of the crossing times interpolated
  linearly from v at every step (the integration error without the reporting delay).
* **stability**: 100 ms of three neurons at −500 µA/cm², +500 µA/cm² and OU noise of std 50
  µA/cm² (mean 0, τ 2 ms): stable = the run completes with every state variable finite.
* **cost**: wall time per neuron-step of the state update and spike detection on the
  runtime device (Cython), ``--cost-neurons`` neurons at 10 µA/cm²: the difference between
  runs of 3·``--cost-steps`` and ``--cost-steps`` steps of a compiled network (so neither
  compilation nor Brian2's fixed cost per ``run`` call is counted), best of 3;
  ``µs/neuron/ms`` = that cost × steps per simulated ms; with ``--cost-backends`` (default
  ``runtime,cpp-simd``) also the simulation loop of ``--standalone-neurons`` neurons on the
  C++ backends (Brian2's ``last_run_info.txt``; compilation excluded; one thread), which is
  what the cheapest (method, dt) is chosen by when measured.  A model
  neuron of ``tv-lif2hh`` counts once (it is 4 Brian2 units).  The runtime device includes a
  fixed per-step overhead (a few tens of µs, shared by the neurons); relative costs of the
  methods carry over to the C++ backends, absolute ones do not (``benchmarks/run.py``).

A (method, dt) *passes* for a model when both inputs give no missing or extra spike, every
matched spike is within 0.1 ms, and it is stable; the cheapest passing one (µs per neuron per
simulated ms) is printed per model and for all models together.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "hh_accuracy"
MODELS = ("hh", "hh-shifted", "tv-lif2hh")
METHODS = ("rk4", "exponential_euler", "rush_larsen2", "rush_larsen2-midpoint")
DTS = (0.005, 0.01, 0.02, 0.05)
#: Spike-time requirement (ms).
TOLERANCE_MS = 0.1
#: Matching window (ms): a simulated spike further than this from every reference spike is
#: extra, a reference spike with none this close is missing.
WINDOW_MS = 2.0
STEP_UA = 10.0
NOISE = dict(mean=8.0, std=5.0, tau_ms=5.0, seed=1, sample_dt_ms=0.1)
STABILITY = dict(duration_ms=100.0, currents=(-500.0, 500.0), noise_std=50.0, noise_tau_ms=2.0,
                 seed=7)

#: (E_Na, E_K, E_L, V_offset, V_spike) in mV of the two conventions (Hodgkin & Huxley 1952).
CONVENTIONS = {"modern": (50.0, -77.0, -54.387, -65.0, -40.0),
               "shifted": (115.0, -12.0, 10.613, 0.0, 25.0)}
REFERENCE_OF = {"hh": "modern", "hh-shifted": "shifted", "tv-lif2hh": "modern"}


# ============================================================================ reference
def _x_over(x):  # x / (1 - exp(-x)), continuous at 0
    return 1.0 + x / 2 if abs(x) < 1e-8 else x / -math.expm1(-x)


def _hh_rhs(t, y, current, convention):
    e_na, e_k, e_l, offset, _ = CONVENTIONS[convention]
    v, m, h, n = y
    u = v - offset
    am, bm = _x_over((u - 25) / 10), 4 * math.exp(-u / 18)
    ah, bh = 0.07 * math.exp(-u / 20), 1 / (1 + math.exp(-(u - 30) / 10))
    an, bn = 0.1 * _x_over((u - 10) / 10), 0.125 * math.exp(-u / 80)
    return [120 * m**3 * h * (e_na - v) + 36 * n**4 * (e_k - v) + 0.3 * (e_l - v) + current,
            am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


def _rest(convention):
    from hhlif.models import hh_resting_state

    r = hh_resting_state(convention)
    return [r["v"], r["m"], r["h"], r["n"]]


def lsoda_spikes(samples, sample_dt_ms, duration_ms, convention="modern", rtol=1e-10,
                 atol=1e-10):
    """Reference spike times (ms): ``samples[k]`` µA/cm² held on [kΔ, (k+1)Δ), LSODA
    restarted at every sample boundary, crossings located by root finding (brentq) on a
    restarted integration from the start of their segment."""
    from scipy.integrate import ode
    from scipy.optimize import brentq

    threshold = CONVENTIONS[convention][4]
    solver = ode(_hh_rhs).set_integrator("lsoda", rtol=rtol, atol=atol, nsteps=100000)
    y = np.array(_rest(convention))
    out = []
    for k in range(int(round(duration_ms / sample_dt_ms))):
        t0, i_k = k * sample_dt_ms, float(samples[k])
        solver.set_initial_value(y, t0).set_f_params(i_k, convention)
        y1 = solver.integrate(t0 + sample_dt_ms)
        if not solver.successful():
            raise RuntimeError(f"LSODA failed at t = {t0} ms")
        if y[0] < threshold <= y1[0]:
            def distance(tau, y=y.copy(), t0=t0, i_k=i_k):
                if tau <= t0:
                    return y[0] - threshold
                s = ode(_hh_rhs).set_integrator("lsoda", rtol=rtol, atol=atol)
                s.set_initial_value(y, t0).set_f_params(i_k, convention)
                return s.integrate(tau)[0] - threshold
            out.append(brentq(distance, t0, t0 + sample_dt_ms, xtol=1e-12))
        y = y1
    return np.asarray(out)


def input_table(duration_ms: float) -> np.ndarray:
    """(samples × 2) µA/cm²: column 0 the step, column 1 the frozen OU noise."""
    from hhlif.protocols.stimuli import ornstein_uhlenbeck

    dt = NOISE["sample_dt_ms"]
    steps = int(math.ceil(duration_ms / dt)) + 1
    noise = ornstein_uhlenbeck(steps, dt, NOISE["mean"], NOISE["std"], NOISE["tau_ms"],
                               np.random.default_rng(NOISE["seed"]))
    return np.column_stack([np.full(steps, STEP_UA), noise])


def match_spikes(reference, simulated, window=WINDOW_MS) -> dict:
    """Match spikes one-to-one, nearest pairs first, within ``window`` ms.

    Returns
    -------
    dict
        ``max_abs_ms`` (None without a matched pair), ``mean_abs_ms``, ``matched``,
        ``missing`` (reference spikes without a partner), ``extra`` (simulated spikes
        without one), ``n_reference``, ``n_simulated``.
    """
    ref, sim = np.sort(np.asarray(reference, float)), np.sort(np.asarray(simulated, float))
    candidates = []
    for i, t in enumerate(ref):
        k = int(np.searchsorted(sim, t))
        for j in (k - 1, k):
            if 0 <= j < sim.size and abs(sim[j] - t) <= window:
                candidates.append((abs(sim[j] - t), i, j))
    used_r, used_s, errors = set(), set(), []
    for d, i, j in sorted(candidates):
        if i not in used_r and j not in used_s:
            used_r.add(i)
            used_s.add(j)
            errors.append(d)
    in_order = (float(np.max(np.abs(sim - ref))) if sim.size == ref.size and ref.size
                else None)
    return {"max_abs_ms": float(max(errors)) if errors else None,
            "mean_abs_ms": float(np.mean(errors)) if errors else None,
            "matched": len(errors), "missing": int(ref.size - len(errors)),
            "extra": int(sim.size - len(errors)), "n_reference": int(ref.size),
            "n_simulated": int(sim.size), "in_order_max_abs_ms": in_order}


# ============================================================================ Brian2 runs
def _method(name):
    from hhlif.models.integrators import RushLarsen2, register_integrators

    register_integrators()
    if name == "rush_larsen2-midpoint":
        return RushLarsen2(scheme="midpoint")
    return name


def _build(model_name, n, method, dt_ms, table, sample_dt_ms):
    import brian2
    from brian2 import SpikeMonitor, TimedArray, cm, ms, uA

    from hhlif import models

    brian2.start_scope()
    stim = TimedArray(np.asarray(table) * uA / cm**2, dt=sample_dt_ms * ms)
    expression = "acc_input(t, i)" if np.ndim(table) == 2 else "acc_input(t)"
    pop = models.get(model_name).build(n, input_expression=expression,
                                       namespace={"acc_input": stim}, method=_method(method),
                                       dt=dt_ms * ms)
    spikes = SpikeMonitor(pop.output)
    return pop, spikes, brian2.Network(*pop.objects, spikes)


def simulate(model_name, method, dt_ms, table, duration_ms):
    """Spike trains (ms) of the step and the noise neuron as recorded, the crossing times
    linearly interpolated from v at every step (the integration error without Brian2's
    reporting of a spike at the start of its step), and the wall time of the run."""
    from brian2 import StateMonitor, ms

    pop, spikes, net = _build(model_name, 2, method, dt_ms, table, NOISE["sample_dt_ms"])
    trace = StateMonitor(pop.output, "v", record=[0, 1])
    net.add(trace)
    t0 = time.perf_counter()
    net.run(duration_ms * ms)
    wall = time.perf_counter() - t0
    trains = spikes.spike_trains()
    threshold = CONVENTIONS[REFERENCE_OF[model_name]][4]
    crossings = []
    for k in range(2):
        v = np.asarray(trace.v_[k]) * 1e3
        j = np.flatnonzero((v[:-1] < threshold) & (v[1:] >= threshold))
        crossings.append(j * dt_ms + dt_ms * (threshold - v[j]) / (v[j + 1] - v[j]))
    return [np.asarray(trains[k] / ms) for k in range(2)], crossings, wall


def stability(model_name, method, dt_ms) -> dict:
    """100 ms at −500, +500 µA/cm² and OU noise of std 50 µA/cm²: every state finite?"""
    from brian2 import ms

    from hhlif.protocols.stimuli import ornstein_uhlenbeck

    cfg = STABILITY
    sample = NOISE["sample_dt_ms"]
    steps = int(math.ceil(cfg["duration_ms"] / sample)) + 1
    noise = ornstein_uhlenbeck(steps, sample, 0.0, cfg["noise_std"], cfg["noise_tau_ms"],
                               np.random.default_rng(cfg["seed"]))
    table = np.column_stack([np.full(steps, cfg["currents"][0]),
                             np.full(steps, cfg["currents"][1]), noise])
    pop, _, net = _build(model_name, 3, method, dt_ms, table, sample)
    try:
        net.run(cfg["duration_ms"] * ms)
    except Exception as exc:  # Cython's checked division meets overflowed rates
        cause = exc.__cause__ or exc
        return {"stable": False, "failure": f"run aborted: {type(cause).__name__}"}
    group = pop.output
    bad = {}
    for var in ("v", "m", "h", "n"):
        values = np.asarray(getattr(group, var + "_")[:])
        if not np.all(np.isfinite(values)):
            bad[var] = int(np.sum(~np.isfinite(values)))
    labels = ("-500 uA/cm2", "+500 uA/cm2", "noise std 50")
    v = np.asarray(group.v_[:])
    failed = [labels[k] for k in range(3) if not np.isfinite(v[k])]
    return {"stable": not bad, "failure": (f"non-finite {', '.join(bad)} under"
                                           f" {', '.join(failed) or 'some input'}") if bad
            else None, "v_end_mV": [float(x) * 1e3 for x in v]}


def cost_per_step(model_name, method, n, steps, dt_ms=0.01, repeat=5) -> float:
    """Seconds per neuron-step on the runtime device: the difference between runs of
    ``3·steps`` and ``steps`` steps (so that neither compilation nor Brian2's fixed cost of
    a ``run`` call, ~0.1 s, is counted), best of ``repeat``."""
    from brian2 import ms

    table = np.full(2, STEP_UA)
    _, _, net = _build(model_name, n, method, dt_ms, table, 1000.0)
    net.run(20 * dt_ms * ms)  # compile and warm up
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        net.run(steps * dt_ms * ms)
        t1 = time.perf_counter()
        net.run(3 * steps * dt_ms * ms)
        t2 = time.perf_counter()
        best = min(best, (t2 - t1) - (t1 - t0))
    return max(best, 0.0) / (n * 2 * steps)


def cost_standalone(model_name, method, backend, n, steps, dt_ms=0.01):
    """Seconds per neuron-step of the simulation loop on a C++ backend (``cpp`` or
    ``cpp-simd``; Brian2's ``last_run_info.txt``: compilation excluded), ``n`` neurons at
    10 µA/cm² through :func:`hhlif.protocols.run`; None for a method without a registered
    name (the standalone protocols take method names)."""
    if not isinstance(_method(method), str):
        return None
    from brian2 import cm, ms, uA

    from hhlif.protocols import Protocol, run, stimuli

    from benchmarks.run import _loop_seconds

    p = Protocol(model=model_name, stimulus=stimuli.Constant(amplitude=STEP_UA * uA / cm**2),
                 trials=n, duration=steps * dt_ms * ms, dt=dt_ms * ms, method=method,
                 record=(), record_neurons=[], name="hh-accuracy-cost")
    rec = run(p, backend=backend, progress=False)
    loop = _loop_seconds(rec)
    return None if loop is None else loop / (n * steps)


# ============================================================================ results
def _accurate(row) -> bool:
    ok = True
    for key in ("step", "noise"):
        r = row[key]
        ok = ok and r["missing"] == 0 and r["extra"] == 0 and r["max_abs_ms"] is not None \
            and r["max_abs_ms"] <= TOLERANCE_MS
    return bool(ok)


def _passes(row) -> bool:
    return bool(row["stable"] and _accurate(row))


def _cost(row):
    c = row["cost_us_per_neuron_ms"].get("cpp-simd")
    return c if c is not None else row["us_per_neuron_ms"] * 1e6  # unmeasured: last


def cheapest(rows, models, by_simd=False) -> dict:
    key = _cost if by_simd else (lambda r: r["us_per_neuron_ms"])
    out = {"accurate_only": {}}
    for model in models:
        ok = [r for r in rows if r["model"] == model and r["passes"]]
        out[model] = min(ok, key=key) if ok else None
        ok = [r for r in rows if r["model"] == model and _accurate(r)]
        out["accurate_only"][model] = min(ok, key=key) if ok else None
    combos = {}
    for r in rows:
        combos.setdefault((r["method"], r["dt_ms"]), []).append(r)
    together = [(sum(key(r) for r in rs), combo) for combo, rs in combos.items()
                if len(rs) == len(models) and all(r["passes"] for r in rs)]
    out["all"] = ({"method": min(together)[1][0], "dt_ms": min(together)[1][1],
                   "cost_total": min(together)[0]} if together else None)
    return out


def _cost_text(row) -> str:
    parts = [f"{c:.2f} µs/neuron/ms on {b}" for b, c in row["cost_us_per_neuron_ms"].items()
             if c is not None]
    return "; ".join(parts)


def _fmt_err(r, integration=True):
    if r["max_abs_ms"] is None:
        return f"— ({r['n_simulated']}/{r['n_reference']})"
    text = f"{r['max_abs_ms']:.3f}"
    if r["missing"] or r["extra"]:
        text += f" (−{r['missing']}/+{r['extra']})"
        if r.get("in_order_max_abs_ms") is not None:
            text += f", in order {r['in_order_max_abs_ms']:.2f}"
    elif integration and r.get("integration_max_abs_ms") is not None:
        text += f" ({r['integration_max_abs_ms']:.4f})"
    return text


def write_results(result: dict, out: Path) -> tuple[Path, Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path = out.with_suffix(".json")
    md_path = out.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=1) + "\n")
    s = result["settings"]
    lines = [
        "# HH integration accuracy: spike times against LSODA",
        "",
        f"Generated by `python -m benchmarks.hh_accuracy {' '.join(result['argv'])}`".rstrip()
        + f" on {result['date']} (raw data: `{json_path.name}`).",
        "",
        f"- machine: {result['machine'].get('platform')}; CPU: {result['machine'].get('cpu')};"
        f" {result['machine'].get('cores')} cores",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
        f"- reference: LSODA rtol = atol = 1e-10 ({s['duration_ms']:g} ms; its own error,"
        f" against rtol = atol = 1e-12: {result['reference']['self_check_ms']:.1e} ms);"
        f" step input {result['reference']['n_step']} spikes, noise input"
        f" {result['reference']['n_noise']} spikes (modern convention)",
        f"- inputs: {STEP_UA:g} µA/cm² step; frozen OU noise mean {NOISE['mean']:g}, std"
        f" {NOISE['std']:g} µA/cm², τ {NOISE['tau_ms']:g} ms, seed {NOISE['seed']}, held"
        f" {NOISE['sample_dt_ms']:g} ms (same samples for LSODA)",
        f"- error: max |Δt| (ms) of the recorded spike times over spikes matched within"
        f" ±{WINDOW_MS:g} ms; Brian2 records a spike at the start of the step whose update"
        f" crossed the threshold (hhlif's spike time), so up to one dt of it is reporting; in"
        f" parentheses the integration error alone (crossings interpolated linearly from v at"
        f" every step); where spikes were lost, (−missing/+extra) within ±{WINDOW_MS:g} ms and"
        f" the max |Δt| of the spikes paired in order when the counts agree (the drift)",
        f"- stable: 100 ms at −500 and +500 µA/cm² and under OU noise of std"
        f" {STABILITY['noise_std']:g} µA/cm² (τ {STABILITY['noise_tau_ms']:g} ms) without"
        f" NaN/inf",
        f"- cost: runtime device (Cython), {s['cost_neurons']} neurons, µs per neuron-step"
        f" (marginal: runs of {3 * s['cost_steps']} minus {s['cost_steps']} steps, best of 5);"
        f" µs/neuron/ms = per simulated ms (cost × 1/dt); "
        + (", ".join(b for b in s["cost_backends"] if b != "runtime")
           + f": the simulation loop of {s['standalone_neurons']} neurons for"
           f" {s['standalone_steps']} steps (Brian2's last_run_info, compilation excluded, one"
           f" thread; methods without a registered name not measured)"
           if len(s["cost_backends"]) > 1 else "")
        + "; the cheapest is chosen by the cost on "
        + ("cpp-simd" if "cpp-simd" in s["cost_backends"] else "runtime"),
        f"- passes: no missing/extra spike, every spike within {TOLERANCE_MS:g} ms, stable",
        "",
    ]
    for model in s["models"]:
        extra = [b for b in s["cost_backends"] if b != "runtime"]
        lines += [f"## {model}", "",
                  "| method | dt (ms) | step: max abs Δt (ms) | noise: max abs Δt (ms) | stable |"
                  " runtime µs/neuron-step | runtime µs/neuron/ms | "
                  + "".join(f"{b} µs/neuron/ms | " for b in extra) + "passes |",
                  "|---|---|---|---|---|---|---|" + "---|" * len(extra) + "---|"]
        for r in [r for r in result["rows"] if r["model"] == model]:
            stable = "yes" if r["stable"] else f"no ({r['stability']['failure']})"
            cells = "".join(
                f" {r['cost_us_per_neuron_ms'][b]:.2f} |" if r["cost_us_per_neuron_ms"].get(b)
                is not None else " — |" for b in extra)
            lines.append(
                f"| {r['method']} | {r['dt_ms']:g} | {_fmt_err(r['step'])} |"
                f" {_fmt_err(r['noise'])} | {stable} | {r['us_per_step']:.3f} |"
                f" {r['us_per_neuron_ms']:.1f} |{cells}"
                f" {'**yes**' if r['passes'] else 'no'} |")
        lines.append("")
    lines += ["## Cheapest (method, dt) within 0.1 ms and stable", ""]
    for model in s["models"]:
        c = result["cheapest"][model]
        lines.append(f"- {model}: " + (f"`{c['method']}` at dt = {c['dt_ms']:g} ms"
                                       f" ({_cost_text(c)})" if c
                                       else "none of the measured (method, dt)"))
    c = result["cheapest"]["all"]
    lines.append("- all models with one setting: " + (
        f"`{c['method']}` at dt = {c['dt_ms']:g} ms" if c else "none"))
    lines += ["", "Accurate (every spike within 0.1 ms) but not necessarily stable, cheapest:", ""]
    for model in s["models"]:
        c = result["cheapest"]["accurate_only"][model]
        lines.append(f"- {model}: " + (f"`{c['method']}` at dt = {c['dt_ms']:g} ms"
                                       f" ({_cost_text(c)}; stable:"
                                       f" {'yes' if c['stable'] else 'no'})" if c else "none"))
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path


# ============================================================================ main
def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-ms", type=float, default=1000.0)
    parser.add_argument("--dts", default=",".join(f"{d:g}" for d in DTS),
                        help="comma-separated steps in ms")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--cost-neurons", type=int, default=2000)
    parser.add_argument("--cost-steps", type=int, default=500)
    parser.add_argument("--cost-backends", default="runtime,cpp-simd",
                        help="backends whose loop cost is measured (runtime always; cpp,"
                             " cpp-simd: compiled once per model and method)")
    parser.add_argument("--standalone-neurons", type=int, default=10000)
    parser.add_argument("--standalone-steps", type=int, default=2000)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 200 ms, dt 0.01 and 0.05")
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="output path without suffix (.json and .md are written)")
    parser.add_argument("--force", action="store_true", help="overwrite existing results")
    args = parser.parse_args(argv)
    argv_used = list(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.duration_ms, args.dts = 200.0, "0.01,0.05"
    dts = [float(x) for x in args.dts.split(",") if x]
    model_names = [m for m in args.models.split(",") if m]
    method_names = [m for m in args.methods.split(",") if m]
    out = Path(args.out)
    if out.with_suffix(".json").exists() and not args.force:
        parser.error(f"{out.with_suffix('.json')} exists: pass --force to overwrite")
    for m in model_names:
        if m not in REFERENCE_OF:
            parser.error(f"--models: {m!r} is not one of {', '.join(REFERENCE_OF)}")
    for m in method_names:
        if m not in METHODS:
            parser.error(f"--methods: {m!r} is not one of {', '.join(METHODS)}")

    from brian2 import prefs

    from benchmarks.run import _machine, _versions

    prefs.codegen.target = "cython"
    t_start = time.perf_counter()
    table = input_table(args.duration_ms)
    refs, self_check = {}, None
    for convention in sorted({REFERENCE_OF[m] for m in model_names}):
        t0 = time.perf_counter()
        refs[convention] = [lsoda_spikes(table[:, k], NOISE["sample_dt_ms"], args.duration_ms,
                                         convention) for k in range(2)]
        print(f"reference {convention}: {[len(r) for r in refs[convention]]} spikes"
              f" ({time.perf_counter() - t0:.1f} s)", flush=True)
    conv0 = REFERENCE_OF[model_names[0]]
    tight = [lsoda_spikes(table[:, k], NOISE["sample_dt_ms"], args.duration_ms, conv0,
                          rtol=1e-12, atol=1e-12) for k in range(2)]
    self_check = max(match_spikes(t, r)["max_abs_ms"] or 0.0 for t, r in zip(tight, refs[conv0]))
    print(f"reference self-check (rtol 1e-10 vs 1e-12): {self_check:.2e} ms", flush=True)

    costs, standalone = {}, {}
    backends = [b for b in args.cost_backends.split(",") if b]
    for model in model_names:
        for method in method_names:
            costs[(model, method)] = cost_per_step(model, method, args.cost_neurons,
                                                   args.cost_steps)
            text = f"cost {model:11s} {method:22s} runtime {costs[(model, method)] * 1e6:.3f}"
            for backend in backends:
                if backend == "runtime":
                    continue
                c = cost_standalone(model, method, backend, args.standalone_neurons,
                                    args.standalone_steps)
                standalone[(model, method, backend)] = c
                text += f", {backend} " + (f"{c * 1e6:.4f}" if c is not None else "—")
            print(text + " µs/neuron-step", flush=True)

    rows = []
    for model in model_names:
        ref = refs[REFERENCE_OF[model]]
        for method in method_names:
            for dt in dts:
                trains, crossings, wall = simulate(model, method, dt, table, args.duration_ms)
                step, noise = (match_spikes(r, s) for r, s in zip(ref, trains))
                for result_, r, c in zip((step, noise), ref, crossings):
                    result_["integration_max_abs_ms"] = match_spikes(r, c)["max_abs_ms"]
                stab = stability(model, method, dt)
                cost = costs[(model, method)]
                by_backend = {"runtime": cost * 1e6 / dt}
                for backend in backends:
                    if backend != "runtime":
                        c = standalone.get((model, method, backend))
                        by_backend[backend] = None if c is None else c * 1e6 / dt
                row = {"model": model, "method": method, "dt_ms": dt, "step": step,
                       "noise": noise, "stable": stab["stable"], "stability": stab,
                       "us_per_step": cost * 1e6, "us_per_neuron_ms": cost * 1e6 / dt,
                       "cost_us_per_neuron_ms": by_backend, "wall_s": wall}
                row["passes"] = _passes(row)
                rows.append(row)
                print(f"{model:11s} {method:22s} dt {dt:<6g} step {_fmt_err(step):>22s}"
                      f" noise {_fmt_err(noise):>22s} stable {stab['stable']!s:5s}"
                      f" {'PASS' if row['passes'] else 'fail'} ({wall:.1f} s)", flush=True)

    result = {
        "benchmark": "hh_accuracy", "argv": argv_used,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "settings": {"duration_ms": args.duration_ms, "dts_ms": dts, "models": model_names,
                     "methods": method_names, "tolerance_ms": TOLERANCE_MS,
                     "window_ms": WINDOW_MS, "step_uA_cm2": STEP_UA, "noise": NOISE,
                     "stability": STABILITY, "cost_neurons": args.cost_neurons,
                     "cost_steps": args.cost_steps, "backend": "runtime (cython)",
                     "cost_backends": ["runtime"] + [b for b in backends if b != "runtime"],
                     "standalone_neurons": args.standalone_neurons,
                     "standalone_steps": args.standalone_steps},
        "machine": _machine(), "versions": _versions(),
        "reference": {"method": "LSODA", "rtol": 1e-10, "atol": 1e-10,
                      "self_check_ms": self_check,
                      "n_step": len(refs[conv0][0]), "n_noise": len(refs[conv0][1])},
        "rows": rows,
        "cheapest": cheapest(rows, model_names, by_simd="cpp-simd" in backends),
        "elapsed_s": time.perf_counter() - t_start,
    }
    json_path, md_path = write_results(result, out)
    print(f"wrote {json_path} and {md_path} ({result['elapsed_s']:.0f} s)")
    for model in model_names:
        c = result["cheapest"][model]
        print(f"cheapest within {TOLERANCE_MS:g} ms and stable, {model}: "
              + (f"{c['method']} at dt = {c['dt_ms']:g} ms ({_cost_text(c)})" if c
                 else "none"))
    c = result["cheapest"]["all"]
    print("one setting for all models: " + (f"{c['method']} at dt = {c['dt_ms']:g} ms" if c
                                            else "none"))
    return result


if __name__ == "__main__":
    main()
