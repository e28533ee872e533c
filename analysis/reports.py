"""Report pieces: the bodies of ``hhlif analyze`` and ``hhlif compare``.

Contents
--------
analyze
    Summary statistics of one recording as a text table, optionally written
    as JSON and PNG figures.
compare_files
    Spike-timing comparison of a candidate recording with a reference
    recording (Γ and the He et al. 2024 timing errors) as a text table,
    optionally written as JSON and an overlay figure.
format_table, write_json
    Helpers: aligned two-column text, atomic JSON without NaN.

Outputs are written atomically (temporary file in the target folder, then
:func:`os.replace`) and never overwrite an existing file unless ``force``.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
from typing import Any, Sequence

import quantities as pq

from .plots import FIGURES, overlay_spike_trains, save_figure, summary_figures
from .spike_data import load_spikes
from .spike_statistics import SpikeSummary, summarize
from .spike_timing import TimingComparison, compare

__all__ = ["analyze", "compare_files", "format_table", "write_json", "REPORT_FORMAT"]

#: Version of the JSON written by :func:`analyze` and :func:`compare_files`.
REPORT_FORMAT = 1


def format_table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """Aligned two-column text table.

    Examples
    --------
    >>> print(format_table("t", [("a", "1"), ("bbb", "2")]))
    t
    -------
    a      1
    bbb    2
    """
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title, "-" * max(len(title), width + 4)]
    lines += [f"{k.ljust(width)}    {v}" for k, v in rows]
    return "\n".join(lines)


def _check_new(paths: Sequence[pathlib.Path], force: bool) -> None:
    if force:
        return
    for p in paths:
        if p.exists():
            raise FileExistsError(f"path={str(p)!r} exists: pass force=True (--force) to "
                                  "overwrite")


def write_json(obj: Any, path: str | os.PathLike, force: bool = False) -> pathlib.Path:
    """Write ``obj`` as JSON atomically; NaN or infinity is refused.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``force`` is False.
    ValueError
        If ``obj`` holds NaN or infinity (a result must say None plus a reason).
    """
    path = pathlib.Path(path)
    _check_new([path], force)
    text = json.dumps(obj, indent=2, allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _source_name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return type(source).__name__


def analyze(source: Any, json_path: str | os.PathLike | None = None,
            figures_dir: str | os.PathLike | None = None, force: bool = False,
            bin_size: pq.Quantity = 5 * pq.ms, max_pair_neurons: int = 100,
            seed: int = 0) -> tuple[SpikeSummary, str]:
    """Summarise a recording: table text, and optionally JSON and figures.

    Parameters
    ----------
    source : anything :func:`~hhlif.analysis.spike_data.load_spikes` accepts
        Typically the path of a NIX file (hhlif's or any Neo-written one).
    json_path : path-like, optional
        Write ``{"hhlif_report": 1, "kind": "analyze", "source": ..., "summary": ...}``.
    figures_dir : path-like, optional
        Write the five PNGs of :data:`hhlif.analysis.plots.FIGURES`.
    force : bool
        Overwrite existing outputs.
    bin_size, max_pair_neurons, seed
        Passed to :func:`~hhlif.analysis.spike_statistics.summarize`.

    Returns
    -------
    summary : SpikeSummary
    table_text : str

    Raises
    ------
    AnalysisInputError
        Unreadable source (see ``load_spikes``).
    FileExistsError
        An output exists and ``force`` is False; checked before anything is
        computed or written.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> summary, text = analyze([neo.SpikeTrain([1, 3, 8] * pq.ms, t_stop=10 * pq.ms)])
    >>> summary.n_spikes
    3
    """
    targets = []
    if json_path is not None:
        targets.append(pathlib.Path(json_path))
    if figures_dir is not None:
        targets += [pathlib.Path(figures_dir) / name for name in FIGURES]
    _check_new(targets, force)
    data = load_spikes(source)
    summary = summarize(data, bin_size=bin_size, max_pair_neurons=max_pair_neurons, seed=seed)
    rows = summary.rows()
    if "span_note" in data.annotations:
        rows.append(("note", data.annotations["span_note"]))
    text = format_table(f"Spike summary: {_source_name(source)}", rows)
    figures = {}
    if figures_dir is not None:
        figures = summary_figures(data, figures_dir, force=force)
    if json_path is not None:
        write_json({"hhlif_report": REPORT_FORMAT, "kind": "analyze",
                    "source": _source_name(source), "summary": summary.to_dict(),
                    "figures": {k: str(v) for k, v in figures.items()}}, json_path, force=force)
    return summary, text


def compare_files(reference: Any, candidate: Any, delta: pq.Quantity = 2 * pq.ms,
                  json_path: str | os.PathLike | None = None,
                  figure_path: str | os.PathLike | None = None,
                  labels: Sequence[str] = ("reference", "candidate"),
                  force: bool = False) -> tuple[TimingComparison, str]:
    """Compare a candidate recording's spike timing with a reference recording.

    Parameters
    ----------
    reference, candidate : anything :func:`~hhlif.analysis.spike_data.load_spikes` accepts
    delta : pq.Quantity
        Coincidence window of Γ.
    json_path : path-like, optional
        Write the comparison (``TimingComparison.to_dict()``) as JSON.
    figure_path : path-like, optional
        Write the overlay of the first pairs of trains as PNG.
    labels : pair of str
        Names of the two recordings in the table and figure.
    force : bool
        Overwrite existing outputs.

    Returns
    -------
    comparison : TimingComparison
    table_text : str

    Raises
    ------
    AnalysisInputError
        Unreadable input or no common neuron.
    FileExistsError
        An output exists and ``force`` is False.
    """
    targets = [pathlib.Path(p) for p in (json_path, figure_path) if p is not None]
    _check_new(targets, force)
    ref, cand = load_spikes(reference), load_spikes(candidate)
    comparison = compare(ref, cand, delta)
    title = (f"Spike timing: {labels[1]} ({_source_name(candidate)}) vs "
             f"{labels[0]} ({_source_name(reference)})")
    text = format_table(title, comparison.rows())
    if figure_path is not None:
        save_figure(overlay_spike_trains(ref, cand, labels=labels), figure_path, force=force)
    if json_path is not None:
        write_json({"hhlif_report": REPORT_FORMAT, "kind": "compare",
                    "reference": _source_name(reference), "candidate": _source_name(candidate),
                    "labels": list(labels), "comparison": comparison.to_dict()},
                   json_path, force=force)
    return comparison, text
