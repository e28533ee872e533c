"""The hhlif Neo format: one definition for the writer, the readers and the test fixtures.

A Block written by hhlif (``hhlif.protocols.recordings.neo.to_neo``) is plain Neo, readable
without hhlif.  hhlif writes version 2 (:data:`FORMAT_VERSION`); hhlif.analysis reads both
versions (:data:`READABLE_VERSIONS`), so every file hhlif ever wrote stays analysable.

Block annotations (both versions)
    :data:`FORMAT_ANNOTATION` (``hhlif_format`` = the version), ``protocol``, ``model``,
    ``provenance_json`` (all provenance as one JSON string: NIX corrupts nested dicts and
    fails on None), ``design_json`` (how the recording was made: frozen / time-varying
    stimulus, trials, condition values with units) and ``simulated_ms`` (the simulated time
    the run reached; readers refuse a shorter one).

Version 2: a few NIX objects, whatever the number of trials and conditions
    * Block annotations :data:`LABELS_ANNOTATION` (``condition_labels_json``: condition
      number -> label, one JSON object) and :data:`LAYOUT_ANNOTATION` (``layout_note``,
      :data:`LAYOUT_NOTE`: how to get per-neuron trains).
    * **One** Segment for the whole recording (:func:`recording_segment`).
    * Per population **one** packed SpikeTrain (:func:`population_train`): every spike of
      the population, ``array_annotations['neuron']`` = the neuron of each spike, annotations
      ``population``, ``model``, ``packed=True``, ``neuron_start=0``, ``neuron_stop`` = the
      number of neurons (silent ones included) and :data:`RUNS_ANNOTATION`
      (``neuron_runs_json``): the trial and condition of every neuron, run-length coded as
      a JSON list of ``[start, stop, trial, condition]`` (neurons ``range(start, stop)``
      are that trial of that condition).  hhlif runs trials and conditions as copies of
      one group, so a run is a copy: one run for an unrepeated population, ``trials x
      conditions`` runs otherwise (:func:`encode_runs`, :func:`population_labels`).
    * Per population and recorded variable **one** AnalogSignal, a channel per recorded
      neuron: ``array_annotations`` ``neuron``, ``trial`` and ``condition`` per channel;
      annotations ``population``, ``variable``, ``unit_string``, ``model``.

Version 1 (read, no longer written)
    One Segment per (trial, condition), annotated ``trial``, ``condition``,
    ``condition_label`` (:func:`segment_annotations`); per population and segment spike
    trains either per neuron (:func:`neuron_train`) or packed (:func:`packed_train`,
    neurons ``range(neuron_start, neuron_stop)``); AnalogSignals per segment.

Why version 2.  NIX pays a fixed cost per object (a Segment is a NIX Group with its
metadata section; a SpikeTrain a MultiTag, a DataArray and a section), so version 1, one
Segment per (trial, condition), did not scale with conditions.  Measured on a synthetic
10,000-condition f-I curve (one HH-like neuron of 20 spikes per condition, 100 ms; a busy
2-core machine): version 1 wrote 10,000 Segments in 239 s into 497 MB, NixIO read them back
in 612 s and ``load_spikes`` took 591 s; version 2 writes 1 Segment in 3.3 s into 4.0 MB,
reads it in 1.1 s, ``load_spikes`` 1.3 s.  10^5 LIF neurons x 1 s (10^6 spikes, one copy,
where version 1 already packed): write 4.0 s, ``load_spikes`` 3.7 s, 16 MB, peak memory
0.4 GB in both.  The per-neuron labels as runs cost a few bytes per copy; per spike instead
(``array_annotations`` ``trial``/``condition``, measured on 10^6 spikes) they took the write
from 4.2 to 11.9 s, the read from 0.9 to 2.4 s and the file from 16 to 32 MB, for labels
the runs already give exactly, so they are not written.  Signals keep NixIO's own layout
(one DataArray per channel, about 6 ms each); they cost what they cost in version 1.

Times are in ms, potentials in mV, currents in µA/cm².
"""

from __future__ import annotations

import json
from typing import Any

import neo
import numpy as np

from .errors import AnalysisInputError

__all__ = ["FORMAT_ANNOTATION", "FORMAT_VERSION", "READABLE_VERSIONS", "LAYOUT_ANNOTATION",
           "LAYOUT_NOTE", "LABELS_ANNOTATION", "RUNS_ANNOTATION", "PACKING_ANNOTATIONS",
           "block_annotations", "recording_segment", "population_train", "population_labels",
           "encode_runs", "decode_runs", "encode_labels", "decode_labels",
           "segment_annotations", "neuron_train", "packed_train", "packed_fields",
           "unpack_spiketrains"]

#: The Block annotation that marks a file as hhlif's, and the version hhlif writes.
FORMAT_ANNOTATION = "hhlif_format"
FORMAT_VERSION = 2
#: The versions hhlif.analysis reads.
READABLE_VERSIONS = (1, 2)
#: Block annotation saying how to get per-neuron trains out of the file (version 2).
LAYOUT_ANNOTATION = "layout_note"
LAYOUT_NOTE = ("hhlif format 2: one Segment for the whole recording; per population one packed"
               " SpikeTrain (array_annotations['neuron'] = the neuron of each spike; annotation"
               " neuron_runs_json = [[start, stop, trial, condition], ...], the trial and"
               " condition of neurons range(start, stop)) and per population and variable one"
               " AnalogSignal (channel k is neuron array_annotations['neuron'][k]); per-neuron"
               " trains: hhlif.analysis.load_spikes(path).spiketrains() or"
               " hhlif.analysis.unpack_spiketrains(train)")
#: Block annotation with the condition labels, a JSON object (version 2).
LABELS_ANNOTATION = "condition_labels_json"
#: Train annotation with the per-neuron (trial, condition) runs, JSON (version 2).
RUNS_ANNOTATION = "neuron_runs_json"
#: Annotations of a packed train that describe the packing (dropped when unpacking).
PACKING_ANNOTATIONS = ("packed", "neuron_start", "neuron_stop", RUNS_ANNOTATION)


def block_annotations(protocol: str, model: str, provenance_json: str,
                      version: int = FORMAT_VERSION) -> dict[str, Any]:
    """The Block annotations every hhlif file carries (``design_json``, ``simulated_ms`` and,
    in version 2, :data:`LABELS_ANNOTATION` are added when known).

    ``version=1`` gives those of a version-1 file (for tests of the reader).
    """
    if version not in READABLE_VERSIONS:
        raise ValueError(f"version={version!r}: expected one of {READABLE_VERSIONS}")
    ann = {FORMAT_ANNOTATION: int(version), "protocol": protocol, "model": model,
           "provenance_json": provenance_json}
    if version >= 2:
        ann[LAYOUT_ANNOTATION] = LAYOUT_NOTE
    return ann


# ----------------------------------------------------------------------- version 2
def encode_labels(labels: dict) -> str:
    """Condition number -> label as the JSON of :data:`LABELS_ANNOTATION`."""
    return json.dumps({str(int(k)): str(v) for k, v in sorted(labels.items(),
                                                              key=lambda kv: int(kv[0]))})


def decode_labels(text: Any, origin: str = "block") -> dict[int, str]:
    """The condition labels of a :data:`LABELS_ANNOTATION` value."""
    try:
        raw = json.loads(str(text))
        return {int(k): str(v) for k, v in raw.items()}
    except (TypeError, ValueError, AttributeError):
        raise AnalysisInputError(f"{origin}: annotation {LABELS_ANNOTATION}={str(text)[:80]!r}"
                                 " is not a JSON object of condition labels") from None


def encode_runs(trial, condition) -> str:
    """Per-neuron ``trial``/``condition`` arrays as run-length JSON ``[[start, stop, trial,
    condition], ...]`` (vectorised: one run per maximal block of equal labels).

    Examples
    --------
    >>> encode_runs([0, 0, 1, 1], [3, 3, 3, 3])
    '[[0, 2, 0, 3], [2, 4, 1, 3]]'
    """
    trial = np.asarray(trial, dtype=np.int64).reshape(-1)
    condition = np.asarray(condition, dtype=np.int64).reshape(-1)
    if trial.shape != condition.shape:
        raise ValueError(f"trial has {trial.size} values, condition {condition.size}: expected"
                         " one of each per neuron")
    if not trial.size:
        return "[]"
    change = np.flatnonzero((np.diff(trial) != 0) | (np.diff(condition) != 0)) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [trial.size]])
    runs = np.stack([starts, stops, trial[starts], condition[starts]], axis=1)
    return json.dumps(runs.tolist())


def decode_runs(text: Any, start: int, stop: int, origin: str = "train"
                ) -> tuple[np.ndarray, np.ndarray]:
    """Per-neuron ``(trial, condition)`` of neurons ``range(start, stop)`` from the runs of
    :func:`encode_runs`, checked to cover the range exactly once, in order."""
    what = f"{origin}: annotation {RUNS_ANNOTATION}"
    try:
        runs = np.asarray(json.loads(str(text)), dtype=np.int64)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"{what}={str(text)[:80]!r} is not JSON of integer"
                                 " [start, stop, trial, condition] runs") from None
    n = int(stop) - int(start)
    if runs.size == 0 and n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if runs.ndim != 2 or runs.shape[1] != 4:
        raise AnalysisInputError(f"{what} has shape {runs.shape}: expected [start, stop, trial,"
                                 " condition] runs")
    lo, hi = runs[:, 0], runs[:, 1]
    if (lo[0] != start or hi[-1] != stop or np.any(hi <= lo)
            or np.any(lo[1:] != hi[:-1])):
        raise AnalysisInputError(f"{what}: the runs do not cover neurons range({start}, {stop})"
                                 " exactly once, in order")
    length = hi - lo
    return np.repeat(runs[:, 2], length), np.repeat(runs[:, 3], length)


def recording_segment(**annotations) -> neo.Segment:
    """The one Segment of a version-2 file."""
    return neo.Segment(name="recording", **annotations)


def population_train(times_ms, neurons, n_neurons: int, trial, condition, t_start, t_stop,
                     **annotations) -> neo.SpikeTrain:
    """All spikes of one population as one packed train (version 2).

    Parameters
    ----------
    times_ms, neurons : array_like
        Time (ms) and neuron (``0 .. n_neurons - 1``) of each spike, in any order.
    n_neurons : int
        Neurons of the population, silent ones included.
    trial, condition : array_like of int, shape (n_neurons,)
        Labels of each neuron (stored as runs, :data:`RUNS_ANNOTATION`).
    t_start, t_stop : pq.Quantity
    """
    return packed_train(times_ms, neurons, 0, n_neurons, t_start, t_stop,
                        **{RUNS_ANNOTATION: encode_runs(trial, condition)}, **annotations)


def population_labels(train: neo.SpikeTrain) -> tuple[np.ndarray, np.ndarray]:
    """Per-neuron ``(trial, condition)`` of the neurons ``range(neuron_start, neuron_stop)``
    of a packed train: from its runs (version 2), else its scalar ``trial``/``condition``
    annotations (version 1, default 0)."""
    start, stop = int(train.annotations["neuron_start"]), int(train.annotations["neuron_stop"])
    if RUNS_ANNOTATION in train.annotations:
        return decode_runs(train.annotations[RUNS_ANNOTATION], start, stop,
                           f"packed SpikeTrain {train.name!r}")
    n = stop - start
    return (np.full(n, int(train.annotations.get("trial", 0)), np.int64),
            np.full(n, int(train.annotations.get("condition", 0)), np.int64))


# ----------------------------------------------------------------------- version 1
def segment_annotations(trial: int, condition: int, condition_label: str = "") -> dict:
    """The annotations of the Segment of one (trial, condition) (version 1)."""
    return {"trial": int(trial), "condition": int(condition), "condition_label": condition_label}


def neuron_train(times_ms, neuron: int, t_start, t_stop, **annotations) -> neo.SpikeTrain:
    """The train of one neuron (times in ms; ``t_start``/``t_stop`` quantities; version 1)."""
    return neo.SpikeTrain(times_ms, units="ms", t_start=t_start, t_stop=t_stop,
                          neuron=int(neuron), packed=False, **annotations)


# ----------------------------------------------------------------------- both
def packed_train(times_ms, neurons, neuron_start: int, neuron_stop: int, t_start, t_stop,
                 **annotations) -> neo.SpikeTrain:
    """One train holding the spikes of neurons ``range(neuron_start, neuron_stop)``.

    ``neurons`` gives the neuron of each spike (the ``neuron`` array annotation).
    """
    train = neo.SpikeTrain(times_ms, units="ms", t_start=t_start, t_stop=t_stop, packed=True,
                           neuron_start=int(neuron_start), neuron_stop=int(neuron_stop),
                           **annotations)
    train.array_annotations = {"neuron": np.asarray(neurons).astype(np.int64)}
    return train


def packed_fields(train: neo.SpikeTrain) -> tuple[int, int, np.ndarray]:
    """``(neuron_start, neuron_stop, neuron id per spike)`` of a packed train, checked.

    Raises
    ------
    AnalysisInputError
        If an annotation is missing or the ids are outside ``range(start, stop)``.
    """
    ann = train.annotations
    try:
        start, stop = int(ann["neuron_start"]), int(ann["neuron_stop"])
    except KeyError as err:
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r} lacks annotation {err}: "
                                 "expected neuron_start and neuron_stop") from err
    try:
        neuron = np.asarray(train.array_annotations["neuron"]).astype(np.int64).reshape(-1)
    except KeyError as err:
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r} lacks "
                                 "array_annotations['neuron']: expected one neuron id per "
                                 "spike") from err
    if neuron.shape != (len(train),):
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r}: array_annotations['neuron'] "
                                 f"has shape {neuron.shape}, expected ({len(train)},)")
    if neuron.size and (neuron.min() < start or neuron.max() >= stop):
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r}: neuron ids span "
                                 f"{neuron.min()}..{neuron.max()}, expected within "
                                 f"range(neuron_start={start}, neuron_stop={stop})")
    return start, stop, neuron


def unpack_spiketrains(train: neo.SpikeTrain) -> list[neo.SpikeTrain]:
    """Split one packed SpikeTrain into one SpikeTrain per neuron.

    Parameters
    ----------
    train : neo.SpikeTrain
        A train with annotations ``neuron_start``, ``neuron_stop`` and
        ``array_annotations['neuron']`` (one id per spike), as written by
        hhlif's Neo export (one per population in format 2, per population and
        (trial, condition) in format 1).

    Returns
    -------
    list of neo.SpikeTrain
        ``neuron_stop - neuron_start`` trains (silent neurons give empty
        trains), in neuron order, with the span and units of ``train`` and the
        annotations of ``train`` except the packing ones, plus ``neuron`` and,
        where the train carries per-neuron runs (format 2), that neuron's
        ``trial`` and ``condition``.

    Raises
    ------
    AnalysisInputError
        If the packing annotations are missing or inconsistent.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> packed = neo.SpikeTrain([1, 2, 3] * pq.ms, t_stop=10 * pq.ms, packed=True,
    ...                         neuron_start=0, neuron_stop=3,
    ...                         array_annotations={"neuron": [2, 0, 2]})
    >>> [len(t) for t in unpack_spiketrains(packed)]
    [1, 0, 2]
    """
    start, stop, neuron = packed_fields(train)
    labels = None
    if RUNS_ANNOTATION in train.annotations:
        labels = [a.tolist() for a in population_labels(train)]
    order = np.lexsort((train.magnitude, neuron))
    neuron_sorted = neuron[order]
    times = train.magnitude[order]
    bounds = np.searchsorted(neuron_sorted, np.arange(start, stop + 1))
    ann = {k: v for k, v in train.annotations.items()
           if k not in PACKING_ANNOTATIONS}
    out = []
    for j in range(stop - start):
        extra = {"neuron": start + j}
        if labels is not None:
            extra.update(trial=labels[0][j], condition=labels[1][j])
        out.append(neo.SpikeTrain(times[bounds[j]:bounds[j + 1]], units=train.units,
                                  t_start=train.t_start, t_stop=train.t_stop,
                                  **{**ann, **extra}))
    return out
