"""Figures of spike data (matplotlib, Agg, no pyplot state).

Contents
--------
raster_plot, rate_histogram, isi_distributions, cv_rate_scatter, correlation_matrix_plot
    One figure each for a recording (anything ``load_spikes`` accepts).
overlay_spike_trains
    Spike outputs of two models overlaid, one panel per (trial, condition,
    neuron) pair or per given pair of arrays (He et al. 2024, Fig. 3 style).
save_figure
    Atomic PNG writing (:func:`hhlif.analysis.io.atomic_output`), no silent overwrite.
summary_figures
    The recording figures written to a folder; a figure with nothing to show is not
    written, and the returned :class:`SummaryFigures` says why.
plain_log_ticks, integer_ticks
    Axis helpers: 1-2-5 log ticks labelled 0.1, 1, 10 (not 10^-1); whole-number ticks
    for counts and network sizes.

Every function returns a :class:`matplotlib.figure.Figure` built without
``pyplot``, so nothing is left in pyplot's global figure list.  A figure whose
data leave nothing to draw (one neuron for a correlation matrix, no neuron with
two spikes for an ISI histogram) shows the reason instead of empty axes.
"""
from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import quantities as pq
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from .errors import AnalysisInputError
from .io import atomic_output, check_outputs
from .spike_data import SpikeData, load_spikes
from .spike_statistics import correlation_matrix, firing_rates, interspike_intervals, isi_statistics
from .utils import time_array

__all__ = ["raster_plot", "rate_histogram", "isi_distributions", "cv_rate_scatter",
           "correlation_matrix_plot", "overlay_spike_trains", "save_figure", "summary_figures",
           "SummaryFigures", "FIGURES", "figure_targets", "plain_log_ticks", "integer_ticks",
           "write_outputs", "plot_size_curves"]


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
    """Say why there is nothing to draw, on axes without frame or ticks (no empty plot)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10,
            wrap=True)


def _plain_number(value: float, _pos=None) -> str:
    return f"{value:g}"


def plain_log_ticks(axis, subs: Sequence[float] | None = None) -> None:
    """Label a log axis with plain numbers at 1-2-5 steps (0.5, 1, 2, 5, 10, ...).

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.xaxis`` or ``ax.yaxis`` of an axes whose scale is already ``'log'``.
    subs : sequence of float, optional
        Mantissas of the major ticks; default ``(1, 2, 5)`` when the axis spans at most
        three decades and ``(1,)`` above (so that labels never crowd).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> ax.set_xscale("log"); ax.set_xlim(1, 100)
    (1.0, 100.0)
    >>> plain_log_ticks(ax.xaxis)
    >>> [ax.xaxis.get_major_formatter()(v) for v in (0.5, 1, 20)]
    ['0.5', '1', '20']
    """
    if subs is None:
        lo, hi = sorted(abs(v) for v in axis.get_view_interval())
        decades = np.log10(hi / lo) if lo > 0 and np.isfinite(hi / lo) else np.inf
        subs = (1.0, 2.0, 5.0) if decades <= 3 else (1.0,)
    axis.set_major_locator(LogLocator(base=10, subs=tuple(subs)))
    axis.set_major_formatter(FuncFormatter(_plain_number))  # 10, 100, not 10^1, 10^2
    axis.set_minor_formatter(NullFormatter())               # no crowded 2x10^1 3x10^1 ...


def integer_ticks(axis) -> None:
    """Whole-number ticks only, for an axis of counts or sizes (neurons, network size n)."""
    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10], min_n_ticks=1))


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
        Without spikes, the figure says "no spikes" instead of showing empty axes.
    """
    return _raster(load_spikes(source), max_neurons, seed)[0]


def _raster(data: SpikeData, max_neurons: int = 200, seed: int = 0
            ) -> tuple[Figure, str | None]:
    fig = _figure()
    ax = fig.add_subplot()
    ids = np.arange(data.n_neurons)
    note = ""
    if data.n_neurons > max_neurons:
        ids = np.sort(np.random.default_rng(seed).choice(ids, max_neurons, replace=False))
        note = f" ({max_neurons} of {data.n_neurons} neurons)"
    _title(fig, data, "Raster" + note)
    if data.n_spikes == 0:
        reason = f"no spikes ({data.n_neurons} silent neurons)"
        _empty_note(ax, reason)
        return fig, reason
    row = np.full(data.n_neurons, -1)
    row[ids] = np.arange(ids.size)
    keep = row[data.indices] >= 0
    pops = data.population
    for k, pop in enumerate(data.populations):
        sel = keep & (pops[data.indices] == pop)
        ax.scatter(data.times.magnitude[sel] * 1e3, row[data.indices[sel]], s=6, marker="|",
                   color=f"C{k % 10}", label=pop, linewidths=0.8)
    ax.set_xlim(float(data.t_start.magnitude) * 1e3, float(data.t_stop.magnitude) * 1e3)
    ax.set_ylim(-0.5, max(ids.size, 1) - 0.5)
    integer_ticks(ax.yaxis)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron (row)")
    if len(data.populations) > 1:
        ax.legend(loc="upper right", fontsize=8, markerscale=4)
    return fig, None


def rate_histogram(source: Any, bins: int = 30) -> Figure:
    """Histogram of the neurons' mean firing rates (Hz); the count axis has whole numbers."""
    return _rate_histogram(load_spikes(source), bins)[0]


def _rate_histogram(data: SpikeData, bins: int = 30) -> tuple[Figure, str | None]:
    rates = firing_rates(data).magnitude
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    _title(fig, data, "Firing rates")
    if not rates.size:
        _empty_note(ax, "no neurons")
        return fig, "no neurons"
    ax.hist(rates, bins=bins, color="C0", edgecolor="white")
    ax.axvline(rates.mean(), color="k", ls="--", lw=1, label=f"mean {rates.mean():.3g} Hz")
    ax.legend(fontsize=8)
    integer_ticks(ax.yaxis)
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("neurons")
    return fig, None


def isi_distributions(source: Any, bins: int = 50) -> Figure:
    """Interspike-interval distributions, one per population (log-spaced bins, ms).

    The time axis is logarithmic with plain 1-2-5 labels (:func:`plain_log_ticks`).
    """
    return _isi_distributions(load_spikes(source), bins)[0]


def _isi_distributions(data: SpikeData, bins: int = 50) -> tuple[Figure, str | None]:
    ids, isi = interspike_intervals(data)
    isi_ms = isi.magnitude * 1e3
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    _title(fig, data, "ISI distributions")
    positive = isi_ms[isi_ms > 0]
    if not positive.size:
        reason = "undefined: no neuron with 2 spikes"
        _empty_note(ax, reason)
        return fig, reason
    lo, hi = positive.min(), positive.max() * 1.0001
    if hi / lo < 1.5:  # (nearly) one interval length: widen so the bins are visible
        lo, hi = lo / 1.5, hi * 1.5
    edges = np.geomspace(lo, hi, bins + 1)
    for k, pop in enumerate(data.populations):
        sel = (data.population[ids] == pop) & (isi_ms > 0)
        if sel.any():
            ax.hist(isi_ms[sel], bins=edges, histtype="step", color=f"C{k % 10}",
                    label=f"{pop} ({int(sel.sum())} intervals)")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    plain_log_ticks(ax.xaxis)
    integer_ticks(ax.yaxis)
    ax.legend(fontsize=8)
    ax.set_xlabel("interspike interval (ms)")
    ax.set_ylabel("intervals")
    return fig, None


def cv_rate_scatter(source: Any) -> Figure:
    """CV of the ISIs against firing rate, one point per neuron with >= 3 spikes."""
    return _cv_rate_scatter(load_spikes(source))[0]


def _cv_rate_scatter(data: SpikeData) -> tuple[Figure, str | None]:
    rates = firing_rates(data).magnitude
    cv = isi_statistics(data).cv
    ok = np.isfinite(cv)
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    _title(fig, data, f"CV vs rate ({int(ok.sum())} neurons)")
    if not ok.any():
        reason = "undefined: no neuron with at least 3 spikes"
        _empty_note(ax, reason)
        return fig, reason
    for k, pop in enumerate(data.populations):
        sel = ok & (data.population == pop)
        ax.scatter(rates[sel], cv[sel], s=6, alpha=0.6, color=f"C{k % 10}", label=pop)
    ax.axhline(1.0, color="k", lw=0.8, ls=":", label="Poisson (CV = 1)")
    ax.legend(fontsize=8)
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("CV of ISI")
    return fig, None


def correlation_matrix_plot(source: Any, bin_size: pq.Quantity = 5 * pq.ms,
                            max_neurons: int = 50, seed: int = 0) -> Figure:
    """Pairwise correlation coefficients of binned trains as an image.

    With fewer than two active neurons (or no finite coefficient) there is no matrix to
    show: the figure says so instead of drawing empty axes.
    """
    return _correlation_matrix(load_spikes(source), bin_size, max_neurons, seed)[0]


def _correlation_matrix(data: SpikeData, bin_size: pq.Quantity = 5 * pq.ms,
                        max_neurons: int = 50, seed: int = 0) -> tuple[Figure, str | None]:
    corr = correlation_matrix(data, bin_size, max_neurons=max_neurons, seed=seed)
    fig = _figure(5, 4.2)
    ax = fig.add_subplot()
    m = np.array(corr.matrix, float)
    if m.size:
        np.fill_diagonal(m, np.nan)
    bins = f"{float(bin_size.rescale(pq.ms)):g} ms bins"
    if corr.neurons.size < 2 or not np.isfinite(m).any():
        reason = (f"undefined: fewer than 2 active neurons ({corr.neurons.size})"
                  if corr.neurons.size < 2 else
                  "undefined: no pair of neurons with spikes in different bins")
        _empty_note(ax, reason)
        _title(fig, data, f"Correlations ({corr.neurons.size} neurons, {bins})")
        return fig, reason
    lim = np.nanmax(np.abs(m))
    lim = lim if lim > 0 else 1.0
    im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    fig.colorbar(im, ax=ax, label="correlation coefficient")
    integer_ticks(ax.xaxis)
    integer_ticks(ax.yaxis)
    ax.set_xlabel("neuron (subset index)")
    ax.set_ylabel("neuron (subset index)")
    mean = corr.mean
    sub = f"mean {mean:.3g}" if mean is not None else "mean undefined"
    _title(fig, data, f"Correlations ({corr.neurons.size} neurons, {bins}, {sub})")
    return fig, None


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
    if _is_array_panels(reference) and _is_array_panels(candidate):
        if len(reference) != len(candidate):
            raise AnalysisInputError(f"reference has {len(reference)} panels but candidate has "
                                     f"{len(candidate)}: expected one candidate per reference")
        panels = [(time_array(r, "reference", pq.ms, bare_unit=units),
                   time_array(c, "candidate", pq.ms, bare_unit=units))
                  for r, c in zip(reference, candidate)]
        names = list(titles) if titles is not None else [f"pair {k}" for k in range(len(panels))]
        span = None
    else:
        from .spike_timing import pair_keys  # the pairing rule of compare()
        ref, cand = load_spikes(reference), load_spikes(candidate)
        rkeys, ckeys = pair_keys(ref, cand)
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
    dpi : int

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputExistsError
        (a ``FileExistsError``) If ``path`` exists and ``force`` is False.
    PermissionError, NotADirectoryError, IsADirectoryError
        The folder cannot be written, a part of it is a file, or ``path`` is a folder.

    Notes
    -----
    Written by :func:`hhlif.analysis.io.atomic_output`: a temporary file in the same
    folder, then a link that refuses an existing target (``os.replace`` with ``force``),
    so a reader never sees a partial file; the permissions are those the umask allows.
    """
    return atomic_output(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi),
                         force=force)


def write_outputs(writers: Sequence[tuple[Any, Callable[[str], None]]], force: bool = False
                  ) -> list[pathlib.Path]:
    """Write several outputs, all or none: ``[(path, write(tmp_path)), ...]`` in order.

    Each is written by :func:`~hhlif.analysis.io.atomic_output`; if one fails, the files
    this call created before it are removed again (files replaced with ``force`` cannot be
    restored), so a failed command leaves no partial set of results behind.

    Returns
    -------
    list of pathlib.Path
    """
    written: list[pathlib.Path] = []
    created: list[pathlib.Path] = []
    try:
        for path, write in writers:
            existed = pathlib.Path(path).exists()
            out = atomic_output(path, write, force=force)
            written.append(out)
            if not existed:
                created.append(out)
    except BaseException:
        for p in created:
            try:
                p.unlink()
            except OSError:
                pass
        raise
    return written


#: File name -> figure function used by :func:`summary_figures`.
FIGURES = {"raster.png": raster_plot, "rate_histogram.png": rate_histogram,
           "isi_distributions.png": isi_distributions, "cv_rate.png": cv_rate_scatter,
           "correlation_matrix.png": correlation_matrix_plot}

#: File name -> builder returning (figure, reason it has nothing to show or None).
_BUILDERS = {"raster.png": _raster, "rate_histogram.png": _rate_histogram,
             "isi_distributions.png": _isi_distributions, "cv_rate.png": _cv_rate_scatter,
             "correlation_matrix.png": _correlation_matrix}


@dataclass(frozen=True)
class SummaryFigures:
    """What :func:`summary_figures` wrote.

    Attributes
    ----------
    written : dict of str to pathlib.Path
        File name -> path of each figure written.
    skipped : dict of str to str
        File name -> why that figure was not written (its data leave nothing to draw,
        e.g. a correlation matrix of one neuron).
    """

    written: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        """Table rows naming each skipped figure and the reason."""
        return [("figure not drawn", f"{name}: {why}") for name, why in self.skipped.items()]


def figure_targets(directory: str | os.PathLike) -> list[pathlib.Path]:
    """The paths :func:`summary_figures` may write in ``directory`` (to check beforehand)."""
    return [pathlib.Path(directory) / name for name in FIGURES]


def render_summary(data: SpikeData, directory: str | os.PathLike):
    """Figures of :data:`FIGURES` with something to show, and the reasons of the others."""
    directory = pathlib.Path(directory)
    figures, skipped = {}, {}
    for name, build in _BUILDERS.items():
        fig, reason = build(data)
        if reason is None:
            figures[name] = (directory / name, fig)
        else:
            skipped[name] = reason
    return figures, skipped


def png_writer(fig: Figure, dpi: int = 120) -> Callable[[str], None]:
    """A writer for :func:`write_outputs`: saves ``fig`` as PNG to the temporary path."""
    return lambda tmp: fig.savefig(tmp, format="png", dpi=dpi)


def summary_figures(source: Any, directory: str | os.PathLike, force: bool = False
                    ) -> SummaryFigures:
    """Write the recording figures (:data:`FIGURES`) into ``directory``.

    A figure whose data leave nothing to draw (no spikes, no neuron with two spikes,
    fewer than two active neurons for the correlation matrix) is not written: an empty
    plot would look like a result.  :attr:`SummaryFigures.skipped` says which and why.

    Returns
    -------
    SummaryFigures

    Raises
    ------
    OutputExistsError
        If any of the five targets exists and ``force`` is False; every target and the
        folder are checked before any figure is computed, and nothing is written then.
    PermissionError, NotADirectoryError
        ``directory`` cannot be created or written.
    """
    check_outputs(figure_targets(directory), force, inputs=path_inputs(source))
    data = load_spikes(source)
    figures, skipped = render_summary(data, directory)
    paths = write_outputs([(p, png_writer(fig)) for p, fig in figures.values()], force)
    return SummaryFigures(dict(zip(figures, paths)), skipped)


def path_inputs(*sources: Any) -> list[pathlib.Path]:
    """The sources that are files (an output must never be one of them)."""
    return [pathlib.Path(s) for s in sources if isinstance(s, (str, os.PathLike))]


def plot_size_curves(reference: Any, candidate: Any, result: Any, *,
                     xlabel: str = "network size n (neurons)", ylabel: str | None = None,
                     reference_label: str | None = None,
                     candidate_label: str | None = None) -> Figure:
    """Two metric-versus-size curves, their fits and the equivalent size (log n axis).

    Parameters
    ----------
    reference, candidate : hhlif.analysis.size_curves.SizeCurves
    result : hhlif.analysis.size_curves.SizeRatio
        What :func:`~hhlif.analysis.size_curves.equivalent_size` returned for them.
    xlabel, ylabel : str
        Axis labels (``ylabel`` defaults to the metric's name).
    reference_label, candidate_label : str, optional
        Legend names (default the models' names).

    Returns
    -------
    matplotlib.figure.Figure
        Mean ± SE over seeds of each model (markers), the two fitted curves (lines), the
        reference level at N (dotted line, star at N), the crossing n* (dashed line) and
        its confidence interval (grey band; open to the right when its upper end is
        infinite).  With ``not_reached`` an arrow marks the lower bound instead.  The
        legend sits beside the axes, never over the data.

    Examples
    --------
    >>> import numpy as np
    >>> from hhlif.analysis.size_curves import SizeCurves, equivalent_size
    >>> n = np.array([10, 20, 50, 100, 200, 500])
    >>> ref = SizeCurves(n, [[1 - np.exp(-n / 100)]], "HH", "bits")
    >>> cand = SizeCurves(n, [[1 - np.exp(-n / 300)]], "LIF", "bits")
    >>> fig = plot_size_curves(ref, cand, equivalent_size(ref, cand, 50, n_bootstrap=0))
    >>> fig.axes[0].get_xscale()
    'log'
    """
    ref_label = reference_label or reference.model
    cand_label = candidate_label or candidate.model
    N, level = result.reference_size, result.reference_level
    found = result.status != "not_reached"
    lo, hi = result.size_ci
    marks = [*reference.sizes, *candidate.sizes, N]
    if found and np.isfinite(result.size) and result.size > 0:
        marks.append(result.size)
    if np.isfinite(lo) and lo > 0:
        marks.append(lo)
    if np.isfinite(hi):
        marks.append(hi)
    xmin, xmax = min(marks) / 1.4, max(marks) * 1.4
    dense = np.geomspace(xmin, xmax, 300)

    fig = _figure(8.5, 4.6)
    ax = fig.add_subplot()
    for curves, fit, label, color, marker in (
            (reference, result.reference_fit, ref_label, "C0", "o"),
            (candidate, result.candidate_fit, cand_label, "C3", "s")):
        se = np.nan_to_num(curves.se, nan=0.0)
        ax.errorbar(curves.sizes, curves.mean, yerr=se, fmt=marker, ms=4, color=color,
                    capsize=2, lw=1, label=f"{label}: mean ± SE ({curves.n_seeds} seeds)")
        shape = (f"linear, slope {fit.slope:.3g}/neuron" if not np.isfinite(fit.n0) else
                 f"A = {fit.amplitude:.3g}, n0 = {fit.n0:.3g}")
        ax.plot(dense, fit.value(dense), color=color, lw=1.3, label=f"{label} fit ({shape})")
    ax.axhline(level, color="0.35", ls=":", lw=1,
               label=f"{ref_label} level at N = {N}: {level:.4g}")
    ax.plot([N], [level], marker="*", ms=13, color="C0", mec="k", ls="none", zorder=5)
    pct = f"{100 * result.confidence:g}%"
    if found:
        ax.axvline(result.size, color="k", ls="--", lw=1.2,
                   label=f"n* = {result.size:.4g} (n*/N = {result.ratio:.3g})")
        ax.plot([result.size], [level], marker="o", ms=7, mfc="none", mec="k", mew=1.5,
                ls="none", zorder=5)
    else:
        ax.annotate("", xy=(xmax, level), xytext=(result.size, level),
                    arrowprops=dict(arrowstyle="->", color="k", lw=1.2))
        ax.axvline(result.size, color="k", ls="--", lw=1.2,
                   label=f"not reached: n*/N > {result.ratio:.3g}")
    if np.isfinite(lo):
        open_right = not np.isfinite(hi)
        ax.axvspan(max(lo, xmin), xmax if open_right else hi, color="k", alpha=0.1, lw=0,
                   label=f"{pct} CI of n*" + (" (open to the right)" if open_right else ""))
    ax.set_xscale("log")
    ax.set_xlim(xmin, xmax)
    plain_log_ticks(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or result.metric)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: _legend_rank(labels[i], ref_label,
                                                                  cand_label))
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, frameon=False)
    ci = f"[{_fmt_size(result.ratio_ci[0])}, {_fmt_size(result.ratio_ci[1])}]"
    value = {"not_reached": f"> {_fmt_size(result.ratio)} (not reached)",
             "at_minimum": f"{_fmt_size(result.ratio)} (upper bound)"}
    ax.set_title(f"{result.metric}: {cand_label}\nneurons per {ref_label} neuron at N = {N}:"
                 f" {value.get(result.status, _fmt_size(result.ratio))} {ci} ({pct} CI)",
                 fontsize=9, loc="left")
    return fig


def _legend_rank(label: str, ref_label: str, cand_label: str) -> tuple:
    """Legend order: each model's data then its fit, then the level, n* and the CI."""
    for k, name in enumerate((ref_label, cand_label)):
        if label.startswith(f"{name}: mean"):
            return (k, 0)
        if label.startswith(f"{name} fit"):
            return (k, 1)
    return (2, 0)


def _fmt_size(x: float) -> str:
    return "inf" if not np.isfinite(x) else ("nan" if np.isnan(x) else f"{x:.3g}")
