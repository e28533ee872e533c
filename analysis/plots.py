"""Figures of spike data (matplotlib, Agg, no pyplot state).

Contents
--------
raster_plot, rate_histogram, isi_distributions, cv_rate_scatter, correlation_matrix_plot
    One figure each for a recording (anything ``load_spikes`` accepts).
overlay_spike_trains
    Spike outputs of two models overlaid, one panel per (trial, condition,
    neuron) pair or per given pair of arrays (He et al. 2024, Fig. 3 style).
save_figure
    Atomic PNG writing (temporary file, then ``os.replace``), no silent overwrite.
summary_figures
    The five recording figures written to a folder.

Every function returns a :class:`matplotlib.figure.Figure` built without
``pyplot``, so nothing is left in pyplot's global figure list.
"""
from __future__ import annotations

import os
import pathlib
import tempfile
from typing import Any, Sequence

import numpy as np
import quantities as pq
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .errors import AnalysisInputError
from .spike_data import SpikeData, load_spikes
from .spike_statistics import correlation_matrix, firing_rates, interspike_intervals, isi_statistics

__all__ = ["raster_plot", "rate_histogram", "isi_distributions", "cv_rate_scatter",
           "correlation_matrix_plot", "overlay_spike_trains", "save_figure", "summary_figures",
           "FIGURES"]


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _title(fig: Figure, data: SpikeData, what: str) -> None:
    parts = [what]
    for key in ("protocol", "model"):
        if data.annotations.get(key):
            parts.append(f"{key}: {data.annotations[key]}")
    fig.suptitle(" | ".join(parts), fontsize=10)


def _empty_note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)


def raster_plot(source: Any, max_neurons: int = 200, seed: int = 0) -> Figure:
    """Spike raster (time in ms against neuron), at most ``max_neurons`` rows.

    Parameters
    ----------
    source : anything :func:`load_spikes` accepts
    max_neurons : int
        Rows shown; above it a seeded sample of neurons is drawn (stated in the title).
    seed : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = load_spikes(source)
    fig = _figure()
    ax = fig.add_subplot()
    ids = np.arange(data.n_neurons)
    note = ""
    if data.n_neurons > max_neurons:
        ids = np.sort(np.random.default_rng(seed).choice(ids, max_neurons, replace=False))
        note = f" ({max_neurons} of {data.n_neurons} neurons)"
    row = np.full(data.n_neurons, -1)
    row[ids] = np.arange(ids.size)
    keep = row[data.indices] >= 0
    pops = data.population
    for k, pop in enumerate(data.populations):
        sel = keep & (pops[data.indices] == pop)
        ax.scatter(data.times.magnitude[sel] * 1e3, row[data.indices[sel]], s=6, marker="|",
                   color=f"C{k % 10}", label=pop, linewidths=0.8)
    if data.n_spikes == 0:
        _empty_note(ax, "no spikes")
    ax.set_xlim(float(data.t_start.magnitude) * 1e3, float(data.t_stop.magnitude) * 1e3)
    ax.set_ylim(-0.5, max(ids.size, 1) - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron (row)")
    if len(data.populations) > 1:
        ax.legend(loc="upper right", fontsize=8, markerscale=4)
    _title(fig, data, "Raster" + note)
    return fig


def rate_histogram(source: Any, bins: int = 30) -> Figure:
    """Histogram of the neurons' mean firing rates (Hz)."""
    data = load_spikes(source)
    rates = firing_rates(data).magnitude
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    if rates.size:
        ax.hist(rates, bins=bins, color="C0", edgecolor="white")
        ax.axvline(rates.mean(), color="k", ls="--", lw=1, label=f"mean {rates.mean():.3g} Hz")
        ax.legend(fontsize=8)
    else:
        _empty_note(ax, "no neurons")
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("neurons")
    _title(fig, data, "Firing rates")
    return fig


def isi_distributions(source: Any, bins: int = 50) -> Figure:
    """Interspike-interval distributions, one per population (log-spaced bins, ms)."""
    data = load_spikes(source)
    ids, isi = interspike_intervals(data)
    isi_ms = isi.magnitude * 1e3
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    positive = isi_ms[isi_ms > 0]
    if positive.size:
        edges = np.geomspace(positive.min(), positive.max() * 1.0001, bins + 1)
        for k, pop in enumerate(data.populations):
            sel = (data.population[ids] == pop) & (isi_ms > 0)
            if sel.any():
                ax.hist(isi_ms[sel], bins=edges, histtype="step", color=f"C{k % 10}",
                        label=f"{pop} ({int(sel.sum())} intervals)")
        ax.set_xscale("log")
        ax.legend(fontsize=8)
    else:
        _empty_note(ax, "undefined: no neuron with 2 spikes")
    ax.set_xlabel("interspike interval (ms)")
    ax.set_ylabel("intervals")
    _title(fig, data, "ISI distributions")
    return fig


def cv_rate_scatter(source: Any) -> Figure:
    """CV of the ISIs against firing rate, one point per neuron with >= 3 spikes."""
    data = load_spikes(source)
    rates = firing_rates(data).magnitude
    cv = isi_statistics(data).cv
    ok = np.isfinite(cv)
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    if ok.any():
        for k, pop in enumerate(data.populations):
            sel = ok & (data.population == pop)
            ax.scatter(rates[sel], cv[sel], s=6, alpha=0.6, color=f"C{k % 10}", label=pop)
        ax.axhline(1.0, color="k", lw=0.8, ls=":", label="Poisson (CV = 1)")
        ax.legend(fontsize=8)
    else:
        _empty_note(ax, "undefined: no neuron with at least 3 spikes")
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("CV of ISI")
    _title(fig, data, f"CV vs rate ({int(ok.sum())} neurons)")
    return fig


def correlation_matrix_plot(source: Any, bin_size: pq.Quantity = 5 * pq.ms,
                            max_neurons: int = 50, seed: int = 0) -> Figure:
    """Pairwise correlation coefficients of binned trains as an image."""
    data = load_spikes(source)
    corr = correlation_matrix(data, bin_size, max_neurons=max_neurons, seed=seed)
    fig = _figure(5, 4.2)
    ax = fig.add_subplot()
    if corr.neurons.size >= 2:
        m = np.array(corr.matrix, float)
        np.fill_diagonal(m, np.nan)
        lim = np.nanmax(np.abs(m)) if np.isfinite(m).any() else 1.0
        im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        fig.colorbar(im, ax=ax, label="correlation coefficient")
        ax.set_xlabel("neuron (subset index)")
        ax.set_ylabel("neuron (subset index)")
        mean = corr.mean
        sub = f"mean {mean:.3g}" if mean is not None else "mean undefined"
    else:
        _empty_note(ax, "undefined: fewer than 2 active neurons")
        sub = "undefined"
    _title(fig, data, f"Correlations ({corr.neurons.size} neurons, "
                      f"{float(bin_size.rescale(pq.ms)):g} ms bins, {sub})")
    return fig


def _is_array_panels(x: Any) -> bool:
    if not isinstance(x, (list, tuple)) or not x:
        return False
    import neo
    return not any(isinstance(t, neo.SpikeTrain) for t in x)


def overlay_spike_trains(reference: Any, candidate: Any,
                         labels: Sequence[str] = ("reference", "candidate"),
                         titles: Sequence[str] | None = None, max_panels: int = 6,
                         units: pq.UnitTime = pq.ms) -> Figure:
    """Spike outputs of two models overlaid, one panel per pair of trains.

    Parameters
    ----------
    reference, candidate : list of array_like, or anything :func:`load_spikes` accepts
        Either two lists of spike-time arrays (one per panel, plain numbers in
        ``units``), or two recordings, paired as in
        :func:`~hhlif.analysis.spike_timing.compare`.
    labels : pair of str
        Legend names, e.g. ``("HH", "s-LIF2HH")``.
    titles : sequence of str, optional
        Panel titles; default the condition label / trial / neuron.
    max_panels : int
        Panels drawn at most (the first pairs).

    Returns
    -------
    matplotlib.figure.Figure
        Reference spikes as upward ticks, candidate spikes as downward ticks
        on the same time axis.
    """
    if len(labels) != 2:
        raise AnalysisInputError(f"labels={labels!r}: expected two names")
    scale = float(pq.Quantity(1, units).rescale(pq.ms))
    if _is_array_panels(reference) and _is_array_panels(candidate):
        if len(reference) != len(candidate):
            raise AnalysisInputError(f"reference has {len(reference)} panels but candidate has "
                                     f"{len(candidate)}: expected one candidate per reference")
        panels = []
        for r, c in zip(reference, candidate):
            r = r.rescale(pq.ms).magnitude if isinstance(r, pq.Quantity) else np.asarray(r) * scale
            c = c.rescale(pq.ms).magnitude if isinstance(c, pq.Quantity) else np.asarray(c) * scale
            panels.append((np.asarray(r, float), np.asarray(c, float)))
        names = list(titles) if titles is not None else [f"pair {k}" for k in range(len(panels))]
        span = None
    else:
        from .spike_timing import _pair_keys  # the pairing rule of compare()
        ref, cand = load_spikes(reference), load_spikes(candidate)
        rkeys, ckeys = _pair_keys(ref, cand)
        cindex = {k: j for j, k in enumerate(ckeys)}
        full = ref.keys()
        rb, cb = ref._bounds(), cand._bounds()
        panels, names = [], []
        for i, k in enumerate(rkeys):
            if k not in cindex or len(panels) >= max_panels:
                continue
            j = cindex[k]
            panels.append((ref.times.magnitude[rb[i]:rb[i + 1]] * 1e3,
                           cand.times.magnitude[cb[j]:cb[j + 1]] * 1e3))
            trial, cond, pop, neuron = full[i]
            label = ref.condition_labels.get(cond, f"condition {cond}")
            names.append(f"{label}, trial {trial}, {pop} {neuron}")
        if titles is not None:
            names = list(titles)
        span = (float(ref.t_start.magnitude) * 1e3, float(ref.t_stop.magnitude) * 1e3)
    panels, names = panels[:max_panels], names[:max_panels]
    if not panels:
        raise AnalysisInputError("reference and candidate give no pair of trains to draw")
    fig = _figure(7, 1.3 * len(panels) + 0.8)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (r, c), name in zip(axes, panels, names):
        ax.vlines(r, 0.0, 1.0, color="C0", lw=1.2, label=f"{labels[0]} ({r.size})")
        ax.vlines(c, -1.0, 0.0, color="C3", lw=1.2, label=f"{labels[1]} ({c.size})")
        ax.axhline(0, color="0.6", lw=0.5)
        ax.set_ylim(-1.2, 1.2)
        ax.set_yticks([0.5, -0.5], labels=list(labels), fontsize=8)
        ax.set_title(name, fontsize=9, loc="left")
        if span:
            ax.set_xlim(*span)
    axes[-1].set_xlabel("time (ms)")
    fig.suptitle(f"Spike outputs: {labels[0]} (up) vs {labels[1]} (down)", fontsize=10)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike, force: bool = False, dpi: int = 120
                ) -> pathlib.Path:
    """Write ``fig`` as PNG atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
    force : bool
        Overwrite an existing file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``force`` is False.

    Notes
    -----
    The PNG is written to a temporary file in the same folder, then moved into
    place with :func:`os.replace`, so a reader never sees a partial file.
    """
    path = pathlib.Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"path={str(path)!r} exists: pass force=True to overwrite")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=dpi)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


#: File name -> figure function used by :func:`summary_figures`.
FIGURES = {"raster.png": raster_plot, "rate_histogram.png": rate_histogram,
           "isi_distributions.png": isi_distributions, "cv_rate.png": cv_rate_scatter,
           "correlation_matrix.png": correlation_matrix_plot}


def summary_figures(source: Any, directory: str | os.PathLike, force: bool = False
                    ) -> dict[str, pathlib.Path]:
    """Write the five recording figures (``FIGURES``) into ``directory``.

    Raises
    ------
    FileExistsError
        If any target exists and ``force`` is False (checked before writing any).
    """
    data = load_spikes(source)
    directory = pathlib.Path(directory)
    targets = {name: directory / name for name in FIGURES}
    if not force:
        for p in targets.values():
            if p.exists():
                raise FileExistsError(f"path={str(p)!r} exists: pass force=True to overwrite")
    return {name: save_figure(FIGURES[name](data), p, force=force)
            for name, p in targets.items()}
