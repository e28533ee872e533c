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
describe_file
    The body of ``hhlif info``: what a file holds (blocks, segments, signals) and how
    hhlif reads it: neurons, trials and trains counted apart, populations with their
    names from the file, and the rule that matched trains to neurons.
format_table, write_json
    Helpers: aligned two-column text (:func:`hhlif.analysis.utils.format_table`,
    re-exported here), atomic JSON without NaN.

Every output is checked before anything is read or computed (it must not exist unless
``force``, must not be one of the inputs, and its folder must be writable), then written
by :func:`hhlif.analysis.io.atomic_output` (temporary file in the target folder, then a
link that refuses an existing file), all or none.
"""
from __future__ import annotations

import json
import operator
import os
import pathlib
from typing import Any, Sequence

import numpy as np
import quantities as pq

from .errors import AnalysisInputError
from .io import atomic_output, check_outputs, text_writer
from .plots import (png_writer, path_inputs, render_summary, figure_targets,
                    overlay_spike_trains, write_outputs)
from .identity import describe_rule
from .neo_format import FORMAT_ANNOTATION
from .spike_data import load_spikes, read_neo_file, spikes_of_blocks
from .spike_statistics import SpikeSummary, summarize
from .spike_timing import TimingComparison, compare
from .utils import check_time, format_table

__all__ = ["analyze", "compare_files", "describe_file", "format_table", "write_json",
           "REPORT_FORMAT"]

#: Version of the JSON written by :func:`analyze` and :func:`compare_files`.
REPORT_FORMAT = 1


def _json_text(obj: Any) -> str:
    try:
        return json.dumps(obj, indent=2, allow_nan=False) + "\n"
    except ValueError as err:
        raise ValueError(f"JSON output holds NaN or infinity ({err}): expected None plus a "
                         "reason in 'undefined'") from None


def write_json(obj: Any, path: str | os.PathLike, force: bool = False) -> pathlib.Path:
    """Write ``obj`` as JSON atomically; NaN or infinity is refused.

    Parameters
    ----------
    obj : JSON-serialisable object
    path : str or path-like
    force : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputExistsError
        (a ``FileExistsError``) If ``path`` exists and ``force`` is False.
    ValueError
        If ``obj`` holds NaN or infinity (a result must say None plus a reason).
    """
    text = _json_text(obj)
    return atomic_output(path, text_writer(text), force=force)


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
        Write the PNGs of :data:`hhlif.analysis.plots.FIGURES`; one whose data leave
        nothing to draw (e.g. a correlation matrix of one neuron) is not written, and the
        table (row "figure not drawn") and the JSON (``figures_not_drawn``) say why.
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
        Unreadable or refused source (see ``load_spikes``; a pickle raises
        :class:`~hhlif.analysis.errors.UnsafeFileError`), or a bad ``bin_size`` or
        ``max_pair_neurons``.
    OutputExistsError
        (a ``FileExistsError``) An output exists and ``force`` is False.
    ValueError
        An output is the source file, or two outputs are the same file.
    PermissionError, NotADirectoryError, IsADirectoryError
        An output folder cannot be created or written, or an output is a folder.

    Every output is checked before the source is read; nothing is written when one of
    them fails.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> summary, text = analyze([neo.SpikeTrain([1, 3, 8] * pq.ms, t_stop=10 * pq.ms)])
    >>> summary.n_spikes
    3
    """
    _check_positive_int(max_pair_neurons, "max_pair_neurons")
    check_time(bin_size, "bin_size")
    targets = [json_path] + (figure_targets(figures_dir) if figures_dir is not None else [])
    check_outputs(targets, force, inputs=path_inputs(source))
    data = load_spikes(source)
    summary = summarize(data, bin_size=bin_size, max_pair_neurons=max_pair_neurons, seed=seed)
    rows = summary.rows()
    if "span_note" in data.annotations:
        rows.append(("note", data.annotations["span_note"]))
    figures, skipped = ({}, {}) if figures_dir is None else render_summary(data, figures_dir)
    rows += [("figure not drawn", f"{name}: {why}") for name, why in skipped.items()]
    text = format_table(f"Spike summary: {_source_name(source)}", rows)
    writers = [(path, png_writer(fig)) for path, fig in figures.values()]
    if json_path is not None:
        report = {"hhlif_report": REPORT_FORMAT, "kind": "analyze",
                  "source": _source_name(source), "summary": summary.to_dict(),
                  "figures": {k: str(path) for k, (path, _) in figures.items()},
                  "figures_not_drawn": skipped}
        writers.append((json_path, text_writer(_json_text(report))))
    write_outputs(writers, force)
    return summary, text


def _check_positive_int(value: Any, name: str) -> None:
    try:
        number = operator.index(value)
    except TypeError:
        number = None
    if number is None or isinstance(value, bool) or number < 1:
        raise AnalysisInputError(f"{name}={value!r}: expected an integer >= 1")


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
        Unreadable or refused input, no common neuron, or a bad ``delta``.
    OutputExistsError
        (a ``FileExistsError``) An output exists and ``force`` is False.
    ValueError
        An output is one of the two input files, or both outputs are the same file.
    PermissionError, NotADirectoryError, IsADirectoryError
        An output folder cannot be created or written, or an output is a folder.

    Every output is checked before the recordings are read; nothing is written when
    one of them fails.
    """
    if len(labels) != 2:
        raise AnalysisInputError(f"labels={labels!r}: expected two names")
    check_time(delta, "delta")
    check_outputs([json_path, figure_path], force, inputs=path_inputs(reference, candidate))
    ref, cand = load_spikes(reference), load_spikes(candidate)
    comparison = compare(ref, cand, delta)
    title = (f"Spike timing: {labels[1]} ({_source_name(candidate)}) vs "
             f"{labels[0]} ({_source_name(reference)})")
    text = format_table(title, comparison.rows())
    writers = []
    if figure_path is not None:
        writers.append((figure_path, png_writer(overlay_spike_trains(ref, cand, labels=labels))))
    if json_path is not None:
        report = {"hhlif_report": REPORT_FORMAT, "kind": "compare",
                  "reference": _source_name(reference), "candidate": _source_name(candidate),
                  "labels": list(labels), "comparison": comparison.to_dict()}
        writers.append((json_path, text_writer(_json_text(report))))
    write_outputs(writers, force)
    return comparison, text


def describe_file(path: str | os.PathLike) -> str:
    """What a recording file holds, and how hhlif reads it (the text of ``hhlif info``).

    Parameters
    ----------
    path : str or path-like
        Any file :func:`~hhlif.analysis.read_neo_file` reads (NIX, NWB, ...).

    Returns
    -------
    str
        Per Block: segments, trains, spikes, signals (and for hhlif's own files the
        protocol, model, backend, dt and seed); then the neurons, trials and trains as the
        analysis counts them, the populations with their neuron counts, the rule that
        matched trains to neurons across trials, neurons missing from some trials, notes
        made while reading, and how to get per-neuron trains in Python.

    Raises
    ------
    AnalysisInputError, UnsafeFileError
        As :func:`~hhlif.analysis.read_neo_file`.
    """
    blocks = read_neo_file(path)
    lines = []
    for block in blocks:
        ann = block.annotations
        lines.append(f"block {block.name!r}: {len(block.segments)} segments")
        if FORMAT_ANNOTATION in ann:
            prov = json.loads(ann.get("provenance_json", "{}"))
            proto = prov.get("protocol", {})
            lines.append(f"  written by hhlif {prov.get('hhlif_version')} (protocol"
                         f" {ann.get('protocol')!r}, model {ann.get('model')!r}, backend"
                         f" {prov.get('backend')!r}, dt {proto.get('dt')}, seed"
                         f" {proto.get('seed')})")
        elif ann.get("nwb_source"):
            lines.append(f"  NWB file {ann.get('nwb_identifier')!r}:"
                         f" {ann.get('session_description')!r}, {ann.get('nwb_n_units')}"
                         f" units in its Units table, read with pynwb")
        n_trains = sum(len(seg.spiketrains) for seg in block.segments)
        n_spikes = sum(len(st) for seg in block.segments for st in seg.spiketrains)
        n_sig = sum(len(seg.analogsignals) for seg in block.segments)
        lines.append(f"  {n_trains} spike trains, {n_spikes} spikes, {n_sig} analog signals")
        for seg in block.segments[:5]:
            names = sorted({str(a.name) for a in seg.analogsignals})
            lines.append(f"  segment {seg.name!r}: {len(seg.spiketrains)} trains,"
                         f" {len(seg.analogsignals)} signals {names}")
        if len(block.segments) > 5:
            lines.append(f"  ... {len(block.segments) - 5} more segments")
    if not any(seg.spiketrains for block in blocks for seg in block.segments):
        lines.append("no spike trains: nothing for the spike analyses")
        return "\n".join(lines)
    data = spikes_of_blocks(blocks, str(path))
    ident = data.annotations["identity"]
    rule = ident["rule"]
    how = describe_rule(rule)
    lines.append(f"as analysed: {ident['n_neurons']} neurons, {ident['n_trials']} trials,"
                 f" {ident['n_trains']} trains (a neuron in a trial), {data.n_spikes} spikes,"
                 f" {len(data.conditions)} condition(s)")
    for pop in data.populations:
        sub = data.population == pop
        n_pop = np.unique(np.stack([data.condition[sub], data.local_index[sub]], axis=1),
                          axis=0).shape[0]
        lines.append(f"  population {pop!r}: {n_pop} neurons, {int(sub.sum())} trains")
    lines.append(f"  neurons matched across trials by {how}")
    if ident.get("incomplete"):
        shown = ", ".join(map(str, ident["incomplete"][:5]))
        more = " ..." if len(ident["incomplete"]) > 5 else ""
        lines.append(f"  missing from some trials: {len(ident['incomplete'])} neurons"
                     f" ({shown}{more}); statistics across trials use the trials each has")
    for key in ("alignment_note", "span_note"):
        if data.annotations.get(key):
            lines.append(f"  note: {data.annotations[key]}")
    for note in data.annotations.get("notes", []):
        lines.append(f"  note: {note}")
    lines.append("  per-neuron trains in Python: hhlif.analysis.load_spikes(PATH).spiketrains()"
                 " (annotated with population, unit, trial, condition)")
    return "\n".join(lines)
