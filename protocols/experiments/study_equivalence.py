"""Section 4 of the study: the neuron-count equivalence of calibrated candidates.

Contents
--------
CANDIDATE_FAMILIES
    The candidates the study compares with HH: the default ``lif``, ``lif`` fitted to HH's
    f–I curve under the task's noise, ``lif`` fitted on the coincidence factor Γ, and the
    ``adex`` resonator (sub-threshold resonance and rebound: the smallest HH-like model).
resolve_candidates
    Each family as a :class:`~hhlif.protocols.experiments.pools.ModelSpec`, fitting the
    calibrated ones (:func:`hhlif.protocols.experiments.calibration.fit`).
section_equivalence
    Calibration reports, then for every pooled task, candidate and operating point the
    ratio n/N with its CI at every reference size, its drift with N, and the confounds;
    one figure of n/N against N per task, with 1 and the paper's 4 marked.

Nothing here chooses a candidate or a setting by the ratio it gives: the families, the
fits' targets, the operating points and the sizes are fixed before anything is measured,
and every ratio measured is reported.
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = ["CANDIDATE_FAMILIES", "resolve_candidates", "section_equivalence"]

#: family key -> (label, model, calibration target or None).
CANDIDATE_FAMILIES = {
    "lif": ("LIF, default parameters", "lif", None),
    "lif-fi-noisy": ("LIF fitted to HH's f–I under the task's noise", "lif", "fi-noisy"),
    "lif-gamma": ("LIF fitted on Γ (held-out frozen noise)", "lif", "gamma"),
    "adex": ("AdEx resonator, default parameters", "adex", None),
}


def resolve_candidates(families, reference: str = "hh", quick: bool = False,
                       backend: str = "auto", settings=None) -> dict:
    """``{family: (label, ModelSpec, Calibration or None, seconds)}``; a family whose model
    is not registered is left out (the section says so)."""
    from hhlif import models
    from hhlif.protocols.experiments.calibration import fit
    from hhlif.protocols.experiments.pools import ModelSpec

    out = {}
    for key in families:
        label, model, target = CANDIDATE_FAMILIES[key]
        if model not in models.available():
            continue
        t0 = time.perf_counter()
        if target is None:
            out[key] = (label, ModelSpec(model), None, 0.0)
            continue
        print(f"[study] equivalence: fitting {model} to {reference} ({target}) ...", flush=True)
        cal = fit(reference, model, target, settings=settings, quick=quick, backend=backend,
                  progress=False)
        spec = ModelSpec.from_calibration(cal, source=f"fitted: {target}")
        out[key] = (label, spec, cal, time.perf_counter() - t0)
    return out


def _fmt_ratio(r) -> str:
    lo, hi = r.ratio_ci
    return f"{_num(r.ratio)} [{_num(lo)}, {_num(hi)}]" + \
        ("" if r.status == "found" else f" ({r.status.replace('_', ' ')})")


def _num(x) -> str:
    x = float(x)
    return "inf" if math.isinf(x) else ("nan" if math.isnan(x) else f"{x:.3g}")


def _short_quantity(value) -> str:
    """``0.9505 mS/cm**2``: 4 significant digits in the value's display unit."""
    from hhlif.models.units import display_unit

    unit, text = display_unit(value)
    number = float(value / unit) if unit is not None else float(value)
    return f"{number:.4g} {text}" if unit is not None else f"{number:.4g}"


def _calibration_rows(candidates: dict) -> list[dict]:
    rows = []
    for key, (label, spec, cal, seconds) in candidates.items():
        params = ", ".join(f"{k} {_short_quantity(v)}"
                           for k, v in sorted(spec.parameters.items(), key=lambda kv: kv[0].lower()))
        row = {"candidate": label, "parameters": params or "defaults"}
        report = dict(cal.report) if cal is not None else {}
        for name, value in _report_cells(report).items():
            row[name] = value
        row["fit (s)"] = f"{seconds:.0f}" if cal is not None else "–"
        rows.append(row)
    return rows


def _report_cells(report: dict) -> dict:
    """The calibration report's targets as table cells: candidate vs HH for scalar targets,
    the error (RMS over currents, or 1 − Γ) for curves."""
    cells = {}
    for name, entry in (report.get("targets") or {}).items():
        if not isinstance(entry, dict) or "candidate" not in entry:
            continue
        ref, cand, err = entry.get("reference"), entry.get("candidate"), entry.get("error")
        unit = entry.get("unit", "")
        if name == "gamma":
            text = f"Γ {_num(cand)}"
        elif isinstance(cand, list):
            text = f"RMS {_num(err)} {unit}" if err is not None else "–"
        else:
            text = f"{_num(cand)} vs {_num(ref)} {unit}"
        if entry.get("held_out"):
            text += " (held out)"
        cells[name] = text
    return cells


def section_equivalence(rep, config, scheduler, workers) -> None:
    """Section 4 (see the module docstring); ``rep`` is the study's report."""
    from hhlif.analysis.pool_metrics import POOL_METRICS
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.experiments.pools import (OPERATING_POINTS,
                                                   measure_pooled_equivalence,
                                                   write_pooled_outputs)
    from hhlif.protocols.experiments.markdown import table as _table

    sizes = tuple(config.equivalence_sizes)
    settings = EquivalenceSettings.coerce({"repeats": config.equivalence_repeats},
                                          quick=config.quick)
    k = 2 + len(config.equivalence_protocols) + len(config.network_protocols)
    rep.add("## 4. Is one HH neuron worth four LIF neurons?", "",
            "Calibrated candidates at stated operating points (4.1 and the tasks after it),"
            " the coupled network, and the verdict over every task and candidate"
            f" (4.{k}).", "",
            f"Reference: HH networks of N = {', '.join(map(str, sizes))} neurons. Each model"
            f" is simulated once per task and operating point as a pool of independent"
            f" neurons ({config.equivalence_seeds} stimulus sets (seeds), class waveforms"
            f" redrawn per seed, {settings.repeats} trials per class, backend"
            f" `{config.equivalence_backend}`); the"
            f" network of n neurons is the first n of the pool. A saturating curve"
            f" baseline + A(1 − exp(−n/n₀)) is fitted to each model's metric(n); the"
            f" equivalent size n* is where the candidate's curve reaches the reference's"
            f" fitted value at N; 95% CIs from a paired hierarchical bootstrap (seeds, then"
            f" trials; {config.bootstrap} replicates). Both models see the same class"
            f" stimuli on every seed (common random numbers). Operating points: "
            + "; ".join(f"`{k}`: {v}" for k, v in OPERATING_POINTS.items()
                        if k in config.operating_points) + ".", "")
    t0 = time.perf_counter()
    candidates = resolve_candidates(config.equivalence_candidates, quick=config.quick,
                                    settings=settings)
    rep.data["candidates"] = candidates
    missing = [k for k in config.equivalence_candidates if k not in candidates]
    rep.add("### 4.1 The candidates and their calibration", "",
            "Each fitted candidate was fitted to HH before any ratio was computed, on the"
            " target named; the table gives every target's value for the fitted model"
            " (candidate vs HH, and the fit's error), so a reader sees what the fit did and"
            " did not match.", "", *_table(_calibration_rows(candidates)), "")
    if missing:
        rep.add(f"Not available in this installation: {', '.join(missing)}.", "")
    rep.json("calibrations.json", {k: {"label": v[0], "candidate": v[1].to_json(),
                                       "calibration": v[2].to_json() if v[2] else None,
                                       "seconds": v[3]} for k, v in candidates.items()})
    payload, all_results = {}, {}
    for t, task in enumerate(config.equivalence_protocols):
        rep.add(f"### 4.{t + 2} `{task}`", "", _task_sentence(task, settings), "")
        rows = []
        by_family = {}
        for key, (label, spec, cal, _) in candidates.items():
            for op in config.operating_points:
                print(f"[study] equivalence: {task}, {key}, {op} ...", flush=True)
                res = measure_pooled_equivalence(
                    "hh", spec, sizes, metrics=config.equivalence_metrics, protocol=task,
                    seeds=config.equivalence_seeds, settings=settings, quick=config.quick,
                    operating_point=op, n_bootstrap=config.bootstrap, scheduler="serial",
                    backend=config.equivalence_backend,
                    recompute=getattr(rep, "recompute", False), progress=False,
                    common_noise=False)
                by_family[(key, op)] = res
                payload.setdefault(task, {}).setdefault(key, {})[op] = res.to_dict()
                for m in config.equivalence_metrics:
                    row = {"candidate": label, "operating point": op, "metric": m}
                    for n in sizes:
                        row[f"n/N at N={n}"] = _fmt_ratio(res.results[m][n])
                    d = res.drift.get(m) or {}
                    row["drift"] = d.get("verdict", "–")
                    rows.append(row)
                if res.confounds:
                    rows[-1]["confounds"] = "; ".join(res.confounds)
        all_results[task] = by_family
        rep.add(*_table(rows), "")
        rep.add(*_confound_lines(by_family, candidates), "")
        fig = _ratio_figure(task, by_family, candidates, config, POOL_METRICS)
        path = rep.figure(fig, f"equivalence_ratio_{task}.png")
        rep.add(f"![n/N against N, {task}]({rep.rel(path)})", "")
        first = next(iter(by_family.values()))
        written = write_pooled_outputs(first, figures=rep.path("figures", task),
                                       force=rep.force, prefix="curves")
        for p in written:
            rep.add(f"![{task} {p.stem}]({rep.rel(p)})")
        rep.add("")
    rep.json("equivalence_pooled.json", payload)
    rep.add(f"Section 4 took {time.perf_counter() - t0:.0f} s (calibrations included). Data:"
            f" `equivalence_pooled.json` (every curve, fit, CI and provenance),"
            f" `calibrations.json`.", "")
    rep.data["pooled"] = all_results


def _task_sentence(task: str, settings) -> str:
    s = settings.to_json()
    if task == "rate-classes":
        return (f"Task `rate-classes`: class c is the constant current"
                f" {', '.join(f'{c:g}' for c in s['classes_uA_cm2'])} µA/cm², private balanced"
                f" Poisson noise of std {s['noise_std_uA_cm2']:g} µA/cm² (τ"
                f" {s['noise_tau_ms']:g} ms), {s['duration_ms']:g} ms trials, bins of"
                f" {s['bin_ms']:g} ms.")
    return (f"Task `waveform-classes`: each class a frozen OU current (mean"
            f" {s['waveform_mean_uA_cm2']:g} µA/cm², std {s['waveform_std_uA_cm2']:g}, τ"
            f" {s['waveform_tau_ms']:g} ms), private balanced Poisson noise of std"
            f" {s['noise_std_uA_cm2']:g} µA/cm², {s['duration_ms']:g} ms trials, bins of"
            f" {s['bin_ms']:g} ms.")


def _confound_lines(by_family: dict, candidates: dict) -> list[str]:
    lines = []
    for (key, op), res in by_family.items():
        rates = res.provenance.get("rate_hz", {})
        r_ref = float(np.mean(rates.get("reference", [math.nan])))
        r_cand = float(np.mean(rates.get("candidate", [math.nan])))
        scale = res.scales.get("candidate", 1.0)
        lines.append(f"- {candidates[key][0]}, `{op}`: HH {r_ref:.1f} Hz, candidate"
                     f" {r_cand:.1f} Hz" + (f"; candidate currents × {scale:.3g}"
                                            if scale != 1.0 else "")
                     + (f"; {'; '.join(res.confounds)}" if res.confounds else ""))
    return lines


def _ratio_figure(task, by_family, candidates, config, labels):
    """n/N against N per metric: one line per candidate and operating point; 1 and the
    paper's 4 marked; open triangles where the candidate never reached the reference."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    from hhlif.analysis.plots import plain_log_ticks

    metrics = list(config.equivalence_metrics)
    fig = Figure(figsize=(4.2 * len(metrics), 4.0))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    styles = {"equal-current": "-", "rheobase": "--"}
    keys = list(candidates)
    for ax, m in zip(axes, metrics):
        for (key, op), res in by_family.items():
            color = f"C{keys.index(key)}"
            ns = sorted(res.results[m])
            ratio = np.array([res.results[m][n].ratio for n in ns], dtype=float)
            lo = np.array([res.results[m][n].ratio_ci[0] for n in ns], dtype=float)
            hi = np.array([res.results[m][n].ratio_ci[1] for n in ns], dtype=float)
            found = np.array([res.results[m][n].status == "found" for n in ns])
            top = 64.0
            shown = np.where(np.isfinite(ratio), ratio, top)
            ax.plot(ns, shown, styles.get(op, ":"), color=color, lw=1.2,
                    label=f"{key}, {op}")
            ax.errorbar(np.array(ns)[found], ratio[found],
                        yerr=[ratio[found] - lo[found],
                              np.where(np.isfinite(hi[found]), hi[found], top) - ratio[found]],
                        fmt="o", color=color, ms=4, capsize=2, lw=0.8)
            ax.plot(np.array(ns)[~found], shown[~found], "^", mfc="none", color=color, ms=6)
        ax.axhline(1.0, color="0.5", lw=0.8)
        ax.axhline(4.0, color="C3", lw=0.8, ls=":", label="paper's 4")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("HH network size N")
        ax.set_ylabel("n/N (candidate neurons per HH neuron)")
        ax.set_title(labels[m][0] if m in labels else m, fontsize=9)
        ax.set_ylim(min(0.1, ax.get_ylim()[0]), max(8.0, ax.get_ylim()[1]))
        plain_log_ticks(ax.yaxis)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(sorted(config.equivalence_sizes))
        ax.set_xticklabels([str(n) for n in sorted(config.equivalence_sizes)])
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=7, loc="lower center", ncol=min(5, len(names)),
               frameon=False)
    fig.suptitle(f"{task}: equivalent candidate size per HH neuron (95% CI; ▵ not reached:"
                 " lower bound)", fontsize=9)
    fig.tight_layout(rect=(0, 0.06 * (1 + (len(names) - 1) // 5), 1, 1))
    return fig
