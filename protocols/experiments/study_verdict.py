"""The study's verdict: is one HH neuron worth four LIF neurons, and on what?

Contents
--------
VERDICT_TASKS
    The rows: every pooled task (the two of section 4 and the class-stimulus tasks with a
    known expected direction), each at a stated operating point and read on a stated
    metric, and the coupled E/I network of the size search.
VERDICT_CANDIDATES
    The columns: the default ``lif``, the two calibrated ``lif`` (f–I under noise, Γ),
    ``s-lif2hh`` (4 LIF units per circuit), ``tv-lif2hh`` (the exact circuit: a control,
    exactly 1 per HH neuron) and the ``adex`` resonator.
section_verdict
    Runs every (task, candidate) pair at one reference size (pools: every candidate size
    from one simulation per model), then writes the table of n/N with its CI, n in LIF
    units and the cost ratio; the figure of n/N per task with the paper's 4 marked; a
    paragraph per task; the cost panel (FLOPs per neuron per step, measured seconds).

Nothing here is chosen by the ratio it gives: rows, columns, operating points, metrics
and sizes are fixed before anything runs, and every cell measured is reported.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = ["VerdictTask", "VERDICT_TASKS", "VERDICT_CANDIDATES", "section_verdict",
           "cost_ratio"]


@dataclass(frozen=True)
class VerdictTask:
    """One row of the verdict: a task, its settings, operating point and metric."""

    label: str
    protocol: str
    metric: str = "mi"
    operating_point: str = "equal-current"
    settings: dict = field(default_factory=dict)
    metrics: tuple = ("mi", "fisher")
    why: str = ""


VERDICT_TASKS = (
    VerdictTask("waveform-classes", "waveform-classes",
                why="classes coded by slow frozen input waveforms: single-neuron gain and"
                    " rate coding; nothing in it needs what HH has and LIF lacks"),
    VerdictTask("rate-classes", "rate-classes",
                why="constant currents per class: the f–I curve under noise decides it"),
    VerdictTask("rebound-classes", "rebound-classes"),
    VerdictTask("resonance-classes", "resonance-classes"),
    VerdictTask("onset-classes", "onset-classes"),
    VerdictTask("precision, 2 ms", "precision", metric="fisher", operating_point="rate",
                settings={"bin_ms": 2.0}, metrics=("fisher", "readout")),
    VerdictTask("precision, 25 ms", "precision", metric="fisher", operating_point="rate",
                settings={"bin_ms": 25.0}, metrics=("fisher", "readout")),
)

#: Column key -> (label, family of :data:`~.study_equivalence.CANDIDATE_FAMILIES` or a
#: model name).
VERDICT_CANDIDATES = {
    "lif": "LIF, default",
    "lif-fi-noisy": "LIF fitted (f–I, noise)",
    "lif-gamma": "LIF fitted (Γ)",
    "s-lif2hh": "s-LIF2HH (4 LIF units)",
    "tv-lif2hh": "tv-LIF2HH (exact, control)",
    "adex": "AdEx resonator",
}


def _specs(rep, config) -> dict:
    """Column key -> (label, ModelSpec, calibration or None): the fitted LIFs from section
    4 (fitted there once), the others by name."""
    from hhlif import models
    from hhlif.protocols.experiments.candidates import ModelSpec
    from hhlif.protocols.experiments.study_equivalence import resolve_candidates

    resolved = dict(rep.data.get("candidates") or {})
    missing = [k for k in config.verdict_candidates
               if k.startswith("lif-") and k not in resolved]
    if missing:
        resolved.update(resolve_candidates(missing, quick=config.quick))
    out = {}
    for key in config.verdict_candidates:
        label = VERDICT_CANDIDATES.get(key, key)
        if key in resolved:
            out[key] = (label, resolved[key][1], resolved[key][2])
        elif key in models.available():
            out[key] = (label, ModelSpec(key), None)
    return out


#: Candidates integrated at a step finer than this (ms) get a pool of 2 N, not
#: ``verdict_pool_factor`` N: they cost as much per neuron as HH (crossings up to 4 N are
#: still read, extrapolated at most 2x beyond the pool).
FINE_STEP_MS = 0.05


def _pool(spec, n_ref: int, config, control: bool, settings) -> int:
    """The candidate's pool: N for the exact circuit (identical spikes), 2 N for models as
    costly per neuron as HH, ``verdict_pool_factor`` N for the others."""
    from hhlif.protocols.experiments.pools import model_step_ms

    if control:
        return n_ref
    factor = config.verdict_pool_factor if model_step_ms(spec, settings) >= FINE_STEP_MS else 2
    return factor * n_ref


def _flops(name: str) -> float | None:
    """Weighted FLOPs per model neuron per step (:mod:`hhlif.models.cost`), or None."""
    try:
        from hhlif.models.cost import step_cost
    except ImportError:   # pragma: no cover - the cost module is part of the package
        return None
    try:
        return float(step_cost(name).weighted_flops)
    except Exception:   # noqa: BLE001 - a model the counter cannot read: no FLOP column
        return None


def cost_ratio(result, n_ref: int) -> dict:
    """Cost of the matched candidate network (n* neurons) over the reference's (N):
    neuron-steps, FLOPs (equations and integrator, per :mod:`hhlif.models.cost`) and
    measured simulation seconds, both pools on the same backend.

    The measured seconds of a network of n are the pool's simulation time times n / pool
    (the pool simulates every copy at once; time is linear in neurons there).
    """
    r = result.results
    m = next(iter(r))
    ratio = r[m][n_ref]
    cost = result.provenance["cost"]
    pools = result.provenance["pools"]
    out = {"n_star": float(ratio.size), "status": ratio.status}
    if not (ratio.status == "found" and math.isfinite(ratio.size)):
        return out
    ref, cand = cost["reference"], cost["candidate"]
    steps_ref, steps_cand = ref["steps"], cand["steps"]
    ns_ref = n_ref * steps_ref
    ns_cand = ratio.size * steps_cand
    units = result.candidate.units_per_neuron
    out["neuron_steps"] = ns_cand / ns_ref
    out["unit_steps"] = ns_cand * units / ns_ref
    f_ref, f_cand = _flops(result.reference.name), _flops(result.candidate.name)
    if f_ref and f_cand:
        out["flops"] = ns_cand * f_cand / (ns_ref * f_ref)
        out["flops_per_step"] = {"reference": f_ref, "candidate": f_cand}
    t_ref = ref["simulation_s"] * n_ref / pools["reference"]
    t_cand = cand["simulation_s"] * ratio.size / pools["candidate"]
    if t_ref > 0:
        out["seconds"] = t_cand / t_ref
    out["backend"] = {"reference": ref.get("backend"), "candidate": cand.get("backend")}
    return out


def _num(x) -> str:
    x = float(x)
    return "inf" if math.isinf(x) else ("nan" if math.isnan(x) else f"{x:.3g}")


def _cell(r) -> str:
    if r is None:
        return "–"
    lo, hi = r.ratio_ci
    if r.status == "not_reached":
        return f"not reached (n/N > {_num(r.ratio)})"
    return f"{_num(r.ratio)} [{_num(lo)}, {_num(hi)}]" + \
        (" (at minimum)" if r.status == "at_minimum" else "")


def _why_not(result, n_ref: int, metric: str) -> str:
    """Why a candidate never reached the reference: silent, or saturating below it."""
    rates = result.provenance.get("rate_hz", {})
    r_cand = float(np.mean(rates.get("candidate", [math.nan])))
    r = result.results[metric][n_ref]
    if r_cand < 0.5:
        return f"the candidate is all but silent on this task ({r_cand:.2f} Hz)"
    fit = getattr(r, "candidate_fit", None)
    top = (fit.baseline + fit.amplitude) if fit is not None else math.nan
    return (f"its curve levels off at {_num(top)} below HH's {_num(r.reference_level)} at"
            f" N = {n_ref} (pool of {result.provenance['pools']['candidate']})")


def section_verdict(rep, config) -> None:
    """Section 4's verdict (see the module docstring); ``rep`` is the study's report."""
    from hhlif.protocols.experiments.class_tasks import get_task, is_class_task
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.experiments.markdown import table as _table
    from hhlif.protocols.experiments.pools import measure_pooled_equivalence

    n_ref = int(config.verdict_size)
    t0 = time.perf_counter()
    specs = _specs(rep, config)
    tasks = [t for t in VERDICT_TASKS if t.label in config.verdict_tasks]
    k = 2 + len(config.equivalence_protocols) + len(config.network_protocols)
    rep.add(f"### 4.{k} The verdict: is one HH neuron worth four LIF neurons, and on what?",
            "",
            f"Every task below against every candidate, HH N = {n_ref}:"
            f" {config.equivalence_seeds} stimulus sets (class stimuli redrawn per seed),"
            f" {config.equivalence_repeats} trials per class, one pool per model (the"
            f" candidate's pool {config.verdict_pool_factor} N; 2 N for candidates"
            f" integrated at HH's step, N for the exact control), backend"
            f" `{config.equivalence_backend}`, {config.bootstrap} paired hierarchical"
            " bootstrap replicates. n/N is the number of candidate model neurons (circuits"
            " for the LIF2HH models) per HH neuron; **n in LIF units** counts every LIF"
            " unit (4 per LIF2HH circuit); **cost** is the matched candidate network's"
            " FLOPs over HH's (equations and integrator per neuron and step, times"
            " neurons and steps). Each task's expected direction was written before it"
            " ran. The tv-LIF2HH control shares HH's noise neuron by neuron (common random"
            " numbers) and should give exactly 1.", "")
    cells, payload, details = {}, {}, []
    for task in tasks:
        for key, (label, spec, _) in specs.items():
            print(f"[study] verdict: {task.label}, {key} ...", flush=True)
            control = spec.name.startswith("tv-lif2hh")
            task_obj = get_task(task.protocol) if is_class_task(task.protocol) else None
            base = dict(task_obj.settings_record()) if task_obj is not None else {}
            settings = EquivalenceSettings.coerce(
                {**base, "repeats": config.equivalence_repeats, **task.settings},
                quick=config.quick)
            try:
                res = measure_pooled_equivalence(
                    "hh", spec, (n_ref,), metrics=task.metrics, protocol=task.protocol,
                    seeds=config.equivalence_seeds, settings=settings, quick=config.quick,
                    operating_point=task.operating_point if not control else
                    "equal-current", n_bootstrap=config.bootstrap, scheduler="serial",
                    backend=config.equivalence_backend,
                    recompute=getattr(rep, "recompute", False), progress=False,
                    common_noise=control, candidate_pool=_pool(spec, n_ref, config,
                                                               control, settings),
                    task_settings=task_obj)
            except Exception as exc:   # noqa: BLE001 - one cell failing is reported there
                cells[(task.label, key)] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            r = res.results[task.metric][n_ref]
            cost = cost_ratio(res, n_ref)
            cells[(task.label, key)] = {"result": res, "ratio": r, "cost": cost}
            payload.setdefault(task.label, {})[key] = dict(res.to_dict(), cost=cost)
            details.append(_detail_row(task, label, spec, res, r, cost, n_ref))
    rows = []
    for task in tasks:
        row = {"task (metric, operating point)":
               f"{task.label} ({task.metric}, {task.operating_point})"}
        for key, (label, _, _) in specs.items():
            c = cells.get((task.label, key), {})
            if "error" in c:
                row[label] = f"failed: {c['error'][:60]}"
                continue
            text = _cell(c.get("ratio"))
            if c.get("cost", {}).get("flops") is not None:
                text += f"; cost ×{_num(c['cost']['flops'])}"
            row[label] = text
        rows.append(row)
    network = rep.data.get("network_verdict") or {}
    if network:
        row = {"task (metric, operating point)": "ei-classes, coupled (readout, size"
               " search)"}
        for key, (label, _, _) in specs.items():
            r = network.get(key)
            row[label] = "not run (size search: see 4.x)" if r is None else (
                f"not reached (n/N > {_num(r.ratio)})" if r.status == "not_reached" else
                f"{_num(r.ratio)} [{_num(r.ratio_ci[0])}, {_num(r.ratio_ci[1])}]")
        rows.append(row)
    rep.add(*_table(rows), "")
    fig = _verdict_figure(tasks, specs, cells, n_ref)
    path = rep.figure(fig, "verdict.png")
    rep.add(f"![n/N per task, the paper's 4 marked]({rep.rel(path)})", "")
    rep.add("Details (n in LIF units; cost of the matched network over HH's: neuron-steps,"
            " FLOPs, measured seconds on the same backend; rates):", "",
            *_table(details), "")
    rep.add("#### What each task shows", "")
    for task in tasks:
        rep.add(_paragraph(task, specs, cells, n_ref), "")
    rep.add(*_cost_panel(specs), "")
    rep.json("verdict.json", payload)
    seconds = time.perf_counter() - t0
    rep.data["verdict_seconds"] = seconds
    rep.add(f"The verdict took {seconds:.0f} s ({len(tasks)} tasks x {len(specs)}"
            f" candidates). Data: `verdict.json`.", "")


def _detail_row(task, label, spec, res, r, cost, n_ref) -> dict:
    rates = res.provenance.get("rate_hz", {})
    units = spec.units_per_neuron
    n_star = float(r.size)
    return {"task": task.label, "candidate": label, "n/N": _cell(r),
            "n (LIF units)": "–" if r.status != "found" else _num(n_star * units),
            "neuron-steps": _num(cost.get("neuron_steps", math.nan)),
            "FLOPs": _num(cost.get("flops", math.nan)),
            "seconds": _num(cost.get("seconds", math.nan)),
            "rate HH / cand. (Hz)": f"{np.mean(rates.get('reference', [math.nan])):.1f} /"
                                    f" {np.mean(rates.get('candidate', [math.nan])):.1f}",
            "scale": _num(res.scales.get("candidate", 1.0))}


def _paragraph(task, specs, cells, n_ref) -> str:
    """What the numbers of one task show, and why (from its expected direction)."""
    from hhlif.protocols.experiments.class_tasks import get_task, is_class_task

    expected = get_task(task.protocol).expected if is_class_task(task.protocol) else task.why
    parts = [f"**{task.label}** ({task.metric}, {task.operating_point}). Expected: {expected}."]
    said = []
    lif_found = []
    for key, (label, spec, _) in specs.items():
        c = cells.get((task.label, key), {})
        if "error" in c:
            said.append(f"{label} failed ({c['error'][:80]})")
            continue
        r = c.get("ratio")
        if r is None:
            continue
        if r.status == "not_reached":
            said.append(f"{label} never reached HH ({_why_not(c['result'], n_ref, task.metric)})")
        else:
            text = f"{label} {_cell(r)}"
            if spec.units_per_neuron > 1:
                text += f" = {_num(r.ratio * spec.units_per_neuron)} LIF units per HH neuron"
            said.append(text)
            if spec.name == "lif":
                lif_found.append((label, r))
    parts.append("Measured: " + "; ".join(said) + ".")
    if lif_found:
        top = max(lif_found, key=lambda x: x[1].ratio)
        lo, hi = top[1].ratio_ci
        where = ("its CI lies above 4" if lo > 4 else "its CI contains 4" if lo <= 4 <= hi
                 else "its CI lies below 4" if hi < 4 else "")
        parts.append(f"The most a LIF family needed was {_num(top[1].ratio)} neurons per HH"
                     f" neuron ({top[0]}; {where}).")
    else:
        parts.append("No LIF family reached HH's level here, at any size read (pools of"
                     " up to 4 N, crossings extrapolated at most 2x beyond): more LIF"
                     " neurons of these kinds do not make up for what HH does on this"
                     " task.")
    c = next((cells.get((task.label, k)) for k, (_, s, _) in specs.items()
              if s.name.startswith("tv-lif2hh")), None)
    if c and c.get("ratio") is not None:
        r = c["ratio"]
        ok = r.status == "found" and abs(r.ratio - 1.0) < 1e-6
        parts.append("The exact circuit (control) gave " + _cell(r) +
                     (": identical spikes, as it must." if ok else
                      ": not exactly 1, so something other than the dynamics differs."))
    return " ".join(parts)


def _cost_panel(specs) -> list[str]:
    """FLOPs per model neuron per step of every model (the paper's Fig. 5 resources)."""
    from hhlif.protocols.experiments.markdown import table as _table

    try:
        from hhlif.models.cost import step_cost
    except ImportError:   # pragma: no cover
        return []
    rows = []
    for name in ["hh"] + [s.name for _, s, _ in specs.values()]:
        if any(r["model"] == name for r in rows):
            continue
        try:
            c = step_cost(name)
        except Exception:   # noqa: BLE001
            continue
        d = c.to_dict()
        rows.append({"model": name, "method": d.get("method"),
                     "FLOPs / neuron / step": _num(d.get("flops")),
                     "transcendentals": ", ".join(f"{k} {v}" for k, v in
                                                  (d.get("transcendentals") or {}).items())
                     or "none",
                     "weighted FLOPs": _num(d.get("weighted_flops")),
                     "LIF units": d.get("units_per_neuron", 1)})
    return ["#### Cost per neuron and step (the paper's Fig. 5 resources, counted here)", "",
            "Counted from the code Brian2 generates for each model's state update (the"
            " integrator included, gating ODEs of HH included; the reset is not counted:"
            " it runs on spike steps only); weighted FLOPs count a transcendental call as"
            " stated in :mod:`hhlif.models.cost`.", "", *_table(rows)]


def _verdict_figure(tasks, specs, cells, n_ref):
    """n/N per task (log scale), one marker per candidate with its CI; 1 and 4 marked;
    open triangles at the lower bound where the candidate never reached HH."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from hhlif.analysis.plots import plain_log_ticks

    fig = Figure(figsize=(max(6.0, 1.2 * len(tasks) + 2), 4.4))
    ax = fig.add_subplot(1, 1, 1)
    keys = list(specs)
    width = 0.8 / max(len(keys), 1)
    for j, key in enumerate(keys):
        xs, ys, lo, hi, nx, ny = [], [], [], [], [], []
        for i, task in enumerate(tasks):
            r = (cells.get((task.label, key)) or {}).get("ratio")
            if r is None:
                continue
            x = i - 0.4 + width * (j + 0.5)
            if r.status == "not_reached":
                nx.append(x)
                ny.append(r.ratio)
                continue
            xs.append(x)
            ys.append(r.ratio)
            lo.append(r.ratio - r.ratio_ci[0] if math.isfinite(r.ratio_ci[0]) else 0.0)
            hi.append((r.ratio_ci[1] if math.isfinite(r.ratio_ci[1]) else 50.0) - r.ratio)
        color = f"C{j}"
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o", color=color, ms=5, capsize=2, lw=0.9,
                    label=specs[key][0])
        ax.plot(nx, ny, "^", mfc="none", color=color, ms=7)
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.axhline(4.0, color="C3", lw=1.0, ls=":", label="paper's 4")
    ax.set_yscale("log")
    ax.set_xticks(range(len(tasks)))
    ax.set_xticklabels([t.label for t in tasks], rotation=25, ha="right", fontsize=8)
    ax.set_ylabel(f"n/N (candidate neurons per HH neuron, N = {n_ref})")
    low, high = ax.get_ylim()
    ax.set_ylim(min(0.1, low), max(8.0, high))
    plain_log_ticks(ax.yaxis, subs=(1, 2, 4))
    ax.set_title("Is one HH neuron worth four LIF neurons?\n(95% CI; ▵ not reached: a lower"
                 " bound)", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig
