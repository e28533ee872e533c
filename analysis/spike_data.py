"""Flat spike data: one representation of a recording for every analysis.

Contents
--------
SpikeData
    Frozen dataclass holding all spikes of a recording as two flat arrays
    (``indices``, ``times``) plus per-neuron metadata (trial, condition,
    population, index within the population).
load_spikes
    Build a :class:`SpikeData` from anything with ``to_neo()`` returning a Block,
    a ``neo.Block`` (an hhlif Recording: ``hhlif.protocols.to_neo(recording)``), a ``neo.Segment``, a list of ``neo.SpikeTrain`` or a path
    to a file (NIX written by hhlif or by plain Neo, and the other formats of
    :data:`SAFE_READERS`: readers that never run code from the file).
read_neo_file
    The Blocks of a file, read with a reader of :data:`SAFE_READERS` chosen by
    extension (a pickle is refused); also used by ``hhlif info``.
unpack_spiketrains
    Turn one *packed* SpikeTrain (all neurons of a population in one train,
    neuron ids in ``array_annotations['neuron']``) into per-neuron trains.

Notes
-----
hhlif's Neo export writes a ``neo.Block`` with the annotation ``hhlif_format``
(:mod:`hhlif.analysis.neo_format` defines both versions, and both are read).
Format 2 (what hhlif writes): one Segment; per population one packed SpikeTrain
(``packed=True``, ``population``, ``neuron_start=0``, ``neuron_stop`` = the
population's size, ``array_annotations['neuron']``, one id per spike, and
``neuron_runs_json``, the trial and condition of every neuron as run-length
JSON); condition labels in the Block annotation ``condition_labels_json``.
Format 1: each Segment is one (trial, condition) and carries the annotations
``trial``, ``condition`` and ``condition_label``; a SpikeTrain is either one
neuron (annotations ``neuron``, ``population``) or packed (``packed=True``,
``population``, ``neuron_start``, ``neuron_stop`` and
``array_annotations['neuron']``; silent neurons of the range are included).
Both give the same :class:`SpikeData` for one recording: neurons numbered by
(condition, trial, population, neuron). A Block annotation ``simulated_ms`` (the
simulated time the run reached) shorter than the trains' span marks an
interrupted run: such a file is refused, never analysed as if complete. For any other ("foreign") Block, the
segment index is the trial, the condition is 0, and which train is which neuron
across segments is decided by :func:`~hhlif.analysis.identity.resolve_identity`
(a ``neo.Group``, a ``unit_id``-like annotation, the train's name, or, with a
warning, its position); ``annotations['identity']`` records the rule.

Every neuron of every (trial, condition) gets its own global id
``0 .. n_neurons - 1`` ("trials as neurons"); the per-neuron arrays tell which
trial, condition, population and local index it is.
"""
from __future__ import annotations

import json
import os
import pathlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import neo
import numpy as np
import quantities as pq

from .errors import AnalysisInputError, AnalysisWarning, UnsafeFileError
from .identity import FOREIGN_POPULATION, scalar_annotation, resolve_identity
from .neo_format import (FORMAT_ANNOTATION, LABELS_ANNOTATION, READABLE_VERSIONS, RUNS_ANNOTATION,
                         decode_labels, packed_fields, population_labels, unpack_spiketrains)
from .utils import as_time, time_array

__all__ = ["SpikeData", "load_spikes", "read_neo_file", "spikes_of_blocks", "unpack_spiketrains",
           "FOREIGN_POPULATION",
           "SAFE_READERS", "PICKLE_SUFFIXES"]



@dataclass(frozen=True)
class SpikeData:
    """All spikes of a recording as flat arrays, with per-neuron metadata.

    Spikes are stored sorted by neuron, then by time, so the spikes of neuron
    ``i`` are a contiguous slice and interspike intervals are ``np.diff`` of
    ``times`` within a neuron.

    Parameters
    ----------
    indices : array_like of int
        Global neuron id of each spike, in ``0 .. n_neurons - 1``.
    times : pq.Quantity
        Time of each spike (stored in s); plain numbers are read as seconds.
    n_neurons : int
        Number of neurons, silent ones included.
    t_start, t_stop : pq.Quantity
        Common observation span of all neurons.
    trial, condition : array_like of int, optional
        Per-neuron trial and condition (default 0).
    population : array_like of str, optional
        Per-neuron population name (default ``FOREIGN_POPULATION``).
    local_index : array_like of int, optional
        Per-neuron identity within its (trial, condition, population) copy (default
        ``arange(n_neurons)``): for hhlif files, where trials run as neurons of one group,
        the same neuron has the same ``local_index`` in every trial; for foreign files it is
        the position of the train in its segment.
    condition_labels : dict, optional
        Condition number -> label.
    annotations : dict, optional
        Block annotations (e.g. ``protocol``, ``model``) and notes made while
        loading (e.g. ``span_note`` when trains had different spans; ``identity``, how
        trains were matched to neurons, see :mod:`hhlif.analysis.identity`).
    unit : array_like of str, optional
        Per-neuron label of the neuron in its file (default ``str(local_index)``): for
        foreign files the name of its ``neo.Group``, its unit annotation, its train name
        or its position (``annotations['identity']['rule']`` says which); the same label
        in every trial.

    Raises
    ------
    AnalysisInputError
        Arrays of different lengths, neuron ids out of range, spikes outside
        ``[t_start, t_stop]``, or ``t_stop <= t_start``.

    Examples
    --------
    >>> import quantities as pq
    >>> data = SpikeData([0, 1, 0], [0.1, 0.2, 0.5] * pq.s, n_neurons=2,
    ...                  t_start=0 * pq.s, t_stop=1 * pq.s)
    >>> data.counts().tolist()
    [2, 1]
    """

    indices: np.ndarray
    times: pq.Quantity
    n_neurons: int
    t_start: pq.Quantity
    t_stop: pq.Quantity
    trial: np.ndarray | None = None
    condition: np.ndarray | None = None
    population: np.ndarray | None = None
    local_index: np.ndarray | None = None
    condition_labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    unit: np.ndarray | None = None

    def __post_init__(self):
        set_ = object.__setattr__
        n = int(self.n_neurons)
        if n < 0:
            raise AnalysisInputError(f"n_neurons={self.n_neurons}: expected a count >= 0")
        set_(self, "n_neurons", n)
        indices = np.asarray(self.indices)
        if indices.ndim != 1 or (indices.size and not np.issubdtype(indices.dtype, np.integer)):
            raise AnalysisInputError(f"indices: expected a 1-D array of integers, got dtype "
                                     f"{indices.dtype} and shape {indices.shape}")
        indices = indices.astype(np.int64, copy=False)
        if np.shape(self.times) != indices.shape:
            raise AnalysisInputError(f"times has shape {np.shape(self.times)} but indices has "
                                     f"shape {indices.shape}: expected one time per spike")
        times = time_array(self.times, "times")
        t_start = as_time(self.t_start, "t_start")
        t_stop = as_time(self.t_stop, "t_stop")
        if not t_stop > t_start:
            raise AnalysisInputError(f"t_stop={t_stop} s: expected t_stop > t_start={t_start} s")
        if indices.size:
            lo, hi = int(indices.min()), int(indices.max())
            if lo < 0 or hi >= n:
                bad = lo if lo < 0 else hi
                raise AnalysisInputError(f"indices contains neuron id {bad}: expected ids in "
                                         f"0..{n - 1} (n_neurons={n})")
            if not np.all(np.isfinite(times)):
                raise AnalysisInputError("times contains NaN or infinite values: expected "
                                         "finite spike times")
            tmin, tmax = float(times.min()), float(times.max())
            if tmin < t_start or tmax > t_stop:
                bad = tmin if tmin < t_start else tmax
                raise AnalysisInputError(f"times contains a spike at {bad} s: expected every "
                                         f"spike within [t_start, t_stop] = "
                                         f"[{t_start}, {t_stop}] s")
            order = np.lexsort((times, indices))
            if not np.all(order[1:] > order[:-1]):
                indices, times = indices[order], times[order]
        set_(self, "indices", indices)
        set_(self, "times", pq.Quantity(times, pq.s))
        set_(self, "t_start", t_start * pq.s)
        set_(self, "t_stop", t_stop * pq.s)

        def per_neuron(name, default, dtype):
            value = getattr(self, name)
            arr = default if value is None else np.asarray(value, dtype=dtype)
            if arr.shape != (n,):
                raise AnalysisInputError(f"{name} has shape {arr.shape}: expected one value per "
                                         f"neuron, shape ({n},)")
            set_(self, name, arr)

        per_neuron("trial", np.zeros(n, np.int64), np.int64)
        per_neuron("condition", np.zeros(n, np.int64), np.int64)
        per_neuron("population", np.full(n, FOREIGN_POPULATION, dtype=object), object)
        per_neuron("local_index", np.arange(n, dtype=np.int64), np.int64)
        per_neuron("unit", self.local_index.astype(str).astype(object), object)
        set_(self, "condition_labels", {int(k): str(v) for k, v in self.condition_labels.items()})
        set_(self, "annotations", dict(self.annotations))

    # ------------------------------------------------------------------ basics
    @property
    def n_spikes(self) -> int:
        """Total number of spikes."""
        return int(self.indices.size)

    @property
    def duration(self) -> pq.Quantity:
        """Observation span ``t_stop - t_start`` (s)."""
        return (self.t_stop - self.t_start).rescale(pq.s)

    @property
    def trials(self) -> np.ndarray:
        """Sorted distinct trial numbers."""
        return np.unique(self.trial)

    @property
    def conditions(self) -> np.ndarray:
        """Sorted distinct condition numbers."""
        return np.unique(self.condition)

    @property
    def n_units(self) -> int:
        """Distinct neurons: ``(condition, population, local_index)`` identities, each seen in
        one or more trials (``n_neurons`` counts trains, one per neuron and trial)."""
        if not self.n_neurons:
            return 0
        pop = np.unique(self.population, return_inverse=True)[1].reshape(-1)
        return int(np.unique(np.stack([self.condition, pop, self.local_index], axis=1),
                             axis=0).shape[0])

    @property
    def populations(self) -> list[str]:
        """Distinct population names, in order of first appearance."""
        seen = dict.fromkeys(self.population.tolist())
        return list(seen)

    def _bounds(self) -> np.ndarray:
        """Offsets so that the spikes of neuron i are ``bounds[i]:bounds[i+1]``."""
        return np.searchsorted(self.indices, np.arange(self.n_neurons + 1))

    def keys(self) -> list[tuple[int, int, str, int]]:
        """Per-neuron identity ``(trial, condition, population, local_index)``."""
        return list(zip(self.trial.tolist(), self.condition.tolist(),
                        self.population.tolist(), self.local_index.tolist()))

    # ----------------------------------------------------------------- queries
    def counts(self, window: tuple[pq.Quantity, pq.Quantity] | None = None) -> np.ndarray:
        """Spike count of every neuron, optionally within ``[t0, t1)``.

        Parameters
        ----------
        window : tuple of pq.Quantity, optional
            ``(t0, t1)``; default the whole span.

        Returns
        -------
        np.ndarray of int, shape (n_neurons,)
        """
        if window is None:
            idx = self.indices
        else:
            t0, t1 = (as_time(w, "window") for w in window)
            if not t1 > t0:
                raise AnalysisInputError(f"window={window!r}: expected t0 < t1")
            t = self.times.magnitude
            idx = self.indices[(t >= t0) & (t < t1)]
        return np.bincount(idx, minlength=self.n_neurons)

    def spiketrains(self, neurons: Iterable[int] | None = None) -> list[neo.SpikeTrain]:
        """Per-neuron ``neo.SpikeTrain`` objects (in s).

        Parameters
        ----------
        neurons : iterable of int, optional
            Global neuron ids; default all.

        Returns
        -------
        list of neo.SpikeTrain
            Annotated with ``neuron`` (global id), ``local_index``,
            ``population``, ``trial`` and ``condition``.
        """
        ids = np.arange(self.n_neurons) if neurons is None else np.asarray(list(neurons), int)
        if ids.size and (ids.min() < 0 or ids.max() >= self.n_neurons):
            bad = ids.max() if ids.max() >= self.n_neurons else ids.min()
            raise AnalysisInputError(f"neurons contains {bad}: expected ids in "
                                     f"0..{self.n_neurons - 1}")
        bounds = self._bounds()
        t = self.times.magnitude
        t0, t1 = float(self.t_start.magnitude), float(self.t_stop.magnitude)
        out = []
        for i in ids.tolist():
            out.append(neo.SpikeTrain(t[bounds[i]:bounds[i + 1]], units=pq.s, t_start=t0,
                                      t_stop=t1, neuron=int(i),
                                      local_index=int(self.local_index[i]),
                                      population=str(self.population[i]),
                                      unit=str(self.unit[i]), trial=int(self.trial[i]),
                                      condition=int(self.condition[i])))
        return out

    def select(self, trial: int | Sequence[int] | None = None,
               condition: int | Sequence[int] | None = None,
               population: str | Sequence[str] | None = None,
               neurons: Sequence[int] | None = None) -> "SpikeData":
        """A new :class:`SpikeData` restricted to some neurons, renumbered from 0.

        Parameters
        ----------
        trial, condition : int or sequence of int, optional
        population : str or sequence of str, optional
        neurons : sequence of int, optional
            Global neuron ids to keep (combined with the other filters).

        Returns
        -------
        SpikeData
        """
        keep = np.ones(self.n_neurons, bool)
        for name, value, arr in (("trial", trial, self.trial),
                                 ("condition", condition, self.condition),
                                 ("population", population, self.population)):
            if value is None:
                continue
            values = [value] if np.isscalar(value) else list(value)
            known = set(arr.tolist())
            missing = [v for v in values if v not in known]
            if missing:
                raise AnalysisInputError(f"{name}={value!r}: not in the data; valid values: "
                                         f"{sorted(known)}")
            keep &= np.isin(arr, values)
        if neurons is not None:
            mask = np.zeros(self.n_neurons, bool)
            mask[np.asarray(list(neurons), int)] = True
            keep &= mask
        new_id = np.full(self.n_neurons, -1, np.int64)
        new_id[keep] = np.arange(int(keep.sum()))
        spike_keep = keep[self.indices]
        return SpikeData(new_id[self.indices[spike_keep]], self.times[spike_keep],
                         int(keep.sum()), self.t_start, self.t_stop, self.trial[keep],
                         self.condition[keep], self.population[keep], self.local_index[keep],
                         self.condition_labels, self.annotations, self.unit[keep])

    def by_trial(self) -> dict[int, "SpikeData"]:
        """``{trial: SpikeData of that trial}``."""
        return {int(t): self.select(trial=int(t)) for t in self.trials}

    def __repr__(self) -> str:
        return (f"SpikeData(n_neurons={self.n_neurons}, n_spikes={self.n_spikes}, "
                f"t_start={float(self.t_start.magnitude)} s, "
                f"t_stop={float(self.t_stop.magnitude)} s, "
                f"trials={len(self.trials)}, conditions={len(self.conditions)}, "
                f"populations={self.populations})")


# ---------------------------------------------------------------------------- loading
@dataclass
class _Chunk:
    trial: int | np.ndarray        # one value, or one per neuron (hhlif format 2)
    condition: int | np.ndarray
    population: str
    local: np.ndarray          # local ids of the neurons of this chunk
    spike_local: np.ndarray    # local id of each spike
    times: np.ndarray          # s
    t_start: float
    t_stop: float


def _segment_chunks(segment: neo.Segment, seg_index: int, hhlif: bool,
                    foreign: Sequence[tuple[str, int]] = ()) -> list[_Chunk]:
    """The chunks of one segment; ``foreign``: (population, identity) of each train of a
    file not written by hhlif (from :func:`~hhlif.analysis.identity.resolve_identity`)."""
    ann = segment.annotations
    trial = int(ann.get("trial", seg_index)) if hhlif else seg_index
    condition = int(ann.get("condition", 0)) if hhlif else 0
    chunks = []
    for pos, train in enumerate(segment.spiketrains):
        times = time_array(train, "SpikeTrain")
        t0 = float(train.t_start.rescale(pq.s).magnitude)
        t1 = float(train.t_stop.rescale(pq.s).magnitude)
        tann = train.annotations
        if hhlif and tann.get("packed", False):
            start, stop, neuron = packed_fields(train)
            if RUNS_ANNOTATION in tann:        # format 2: per-neuron trial and condition
                tr, co = population_labels(train)
            else:
                tr, co = int(tann.get("trial", trial)), int(tann.get("condition", condition))
            chunks.append(_Chunk(tr, co, str(tann.get("population", FOREIGN_POPULATION)),
                                 np.arange(start, stop, dtype=np.int64), neuron, times, t0, t1))
        else:
            if hhlif:
                local = int(tann.get("neuron", pos))
                population = str(tann.get("population", FOREIGN_POPULATION))
                tr, co = int(tann.get("trial", trial)), int(tann.get("condition", condition))
            else:
                (population, local), tr, co = foreign[pos], trial, condition
            chunks.append(_Chunk(tr, co, population, np.array([local], np.int64),
                                 np.full(times.size, local, np.int64), times, t0, t1))
    return chunks


def _group_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """One int64 code per row of integer ``columns``, equal for equal rows (sorting 1-D
    codes, not rows: ``np.unique(axis=0)`` of 10^5 rows takes seconds)."""
    code = np.zeros(len(columns[0]), np.int64)
    for col in columns:
        values, inverse = np.unique(col, return_inverse=True)
        code = np.unique(code * values.size + inverse.reshape(-1),
                         return_inverse=True)[1].reshape(-1).astype(np.int64)
    return code


def _per_neuron(values: list, sizes: np.ndarray) -> np.ndarray:
    """One int64 per neuron from each chunk's label: a scalar (repeated over the chunk) or
    an array with one value per neuron of the chunk."""
    if not any(np.ndim(v) for v in values):
        return np.repeat(np.asarray(values, dtype=np.int64), sizes)
    return np.concatenate([np.broadcast_to(np.asarray(v, dtype=np.int64), (int(k),))
                           for v, k in zip(values, sizes)]) if len(values) else \
        np.zeros(0, np.int64)


def _check_complete(simulated_ms: Any, t_start: float, t_stop: float, origin: str) -> None:
    """Refuse an hhlif recording whose simulation stopped before its end.

    ``simulated_ms`` (block annotation written by hhlif next to the trains' ``t_stop``) is
    the simulated time the run reached after ``t_start``; ``t_start``/``t_stop`` in s.
    """
    duration_ms = (float(t_stop) - float(t_start)) * 1e3
    try:
        reached = float(np.asarray(simulated_ms, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise AnalysisInputError(f"{origin}: block annotation simulated_ms={simulated_ms!r} is"
                                 f" not a number; expected the simulated time in ms (the"
                                 f" recording spans {duration_ms:g} ms)") from None
    if not np.isfinite(reached) or reached < duration_ms - 1e-6:
        raise AnalysisInputError(f"{origin}: the run was interrupted at {reached:g} of"
                                 f" {duration_ms:g} ms (block annotation simulated_ms ="
                                 f" {reached:g}, expected >= t_stop - t_start); nothing from"
                                 f" it is analysed")


def _from_block(block: neo.Block, origin: str,
                extra_segments: Sequence[neo.Segment] = ()) -> SpikeData:
    fmt = block.annotations.get(FORMAT_ANNOTATION)
    hhlif = fmt is not None
    version = None
    if hhlif:
        try:
            version = int(np.asarray(fmt).reshape(-1)[0])
        except (TypeError, ValueError, IndexError):
            version = None
        if version not in READABLE_VERSIONS:
            raise AnalysisInputError(f"{origin}: hhlif_format={fmt!r} is not supported; "
                                     f"expected one of {READABLE_VERSIONS}")
    segments = list(block.segments) + list(extra_segments)
    chunks: list[_Chunk] = []
    labels: dict[int, str] = {}
    n_signals = 0
    identity = None
    per_segment: list[list] = [[] for _ in segments]
    if not hhlif:
        identity = resolve_identity(block, [list(seg.spiketrains) for seg in segments], origin)
        k = 0
        for si, seg in enumerate(segments):
            n_tr = len(seg.spiketrains)
            per_segment[si] = list(zip(identity.population[k:k + n_tr],
                                       identity.local_index[k:k + n_tr].tolist()))
            k += n_tr
    for si, seg in enumerate(segments):
        chunks.extend(_segment_chunks(seg, si, hhlif, per_segment[si]))
        n_signals += len(seg.analogsignals) + len(seg.irregularlysampledsignals)
        if hhlif and "condition_label" in seg.annotations:
            cond = int(seg.annotations.get("condition", 0))
            labels[cond] = str(seg.annotations["condition_label"])
    if hhlif and LABELS_ANNOTATION in block.annotations:
        labels.update(decode_labels(block.annotations[LABELS_ANNOTATION], origin))
    aligned = False
    seg_starts = [{float(t.t_start.rescale(pq.s).magnitude) for t in seg.spiketrains}
                  for seg in segments if len(seg.spiketrains)]
    if not hhlif and all(len(st) == 1 for st in seg_starts) and len(set().union(*seg_starts)) > 1:
        # trials cut from one continuous recording (an NWB trials table, epochs: each
        # segment starts at its own time): read each trial relative to its start, as
        # trial-based analyses do
        aligned = True
        for c in chunks:
            c.times, c.t_stop, c.t_start = c.times - c.t_start, c.t_stop - c.t_start, 0.0
    if not chunks:
        raise AnalysisInputError(
            f"{origin}: contains no SpikeTrain ({len(segments)} segment(s), {n_signals} "
            f"analog/irregular signal(s)); expected spike trains to analyse")
    starts = np.array([c.t_start for c in chunks])
    stops = np.array([c.t_stop for c in chunks])
    if hhlif and "simulated_ms" in block.annotations:
        _check_complete(block.annotations["simulated_ms"], starts.min(), stops.max(), origin)
    sizes = np.array([c.local.size for c in chunks])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offsets[-1])
    trial, condition = (_per_neuron([getattr(c, key) for c in chunks], sizes)
                        for key in ("trial", "condition"))
    population = np.repeat(np.array([c.population for c in chunks], dtype=object), sizes)
    local = np.concatenate([c.local for c in chunks]) if n else np.zeros(0, np.int64)
    # population codes per chunk, not by sorting n strings
    pop_code: dict[str, int] = {}
    pop_codes = np.repeat(np.array([pop_code.setdefault(c.population, len(pop_code))
                                    for c in chunks], dtype=np.int64), sizes)
    copy = _group_codes([trial, condition, pop_codes])
    # identity must be unique
    if n and int(_group_codes([copy, local]).max()) + 1 != n:
        raise AnalysisInputError(f"{origin}: the same (trial, condition, population, neuron) "
                                 "appears in more than one SpikeTrain; expected each neuron once "
                                 "per segment")
    if hhlif and n:
        # hhlif runs trials and conditions as neurons of one group: make the local index the
        # position within the (trial, condition, population) copy, so that the same neuron has
        # the same identity in every trial (what Fano factors and trial pairing need)
        first = np.full(copy.max() + 1, np.iinfo(np.int64).max)
        np.minimum.at(first, copy, local)
        local_index = local - first[copy]
    else:
        local_index = local
    # a chunk's neurons are local[0], local[0] + 1, ... (one neuron, or a packed range),
    # so the global id of a spike is offset + (its local id - local[0])
    spike_ids = [offsets[k] + (c.spike_local - c.local[0]) if c.local.size
                 else np.zeros(0, np.int64) for k, c in enumerate(chunks)]
    indices = np.concatenate(spike_ids).astype(np.int64) if spike_ids else np.zeros(0, np.int64)
    times = np.concatenate([c.times for c in chunks])
    if hhlif and n and any(np.ndim(c.trial) for c in chunks):
        # format 2 holds a population per train; number the neurons as format 1 does (its
        # Segments are the (condition, trial) pairs in order, then populations, then
        # neurons), so that both formats of one recording give the same SpikeData
        order = np.lexsort((np.arange(n), trial, condition))
        new_id = np.empty(n, np.int64)
        new_id[order] = np.arange(n)
        indices = new_id[indices]
        trial, condition, population = trial[order], condition[order], population[order]
        local_index = local_index[order]
    if hhlif and version is not None and version >= 2:
        # the labels of the conditions in the data, "" for an unlabelled one (as format 1)
        labels = {int(c): labels.get(int(c), "") for c in np.unique(condition)}
    annotations = {k: v for k, v in block.annotations.items()}
    if hhlif:
        annotations.pop(LABELS_ANNOTATION, None)   # it is ``condition_labels``
    if "provenance_json" in annotations:
        try:
            annotations["provenance"] = json.loads(annotations.pop("provenance_json"))
        except (TypeError, ValueError):
            pass
    annotations["source"] = origin
    annotations["hhlif"] = hhlif
    if identity is not None:
        unit = np.array(identity.label, dtype=object)
        annotations["identity"] = identity.to_dict()
        annotations["segment_annotations"] = [
            {**({"name": seg.name} if seg.name else {}),
             **{k: v for k, v in ((k, scalar_annotation(v)) for k, v in seg.annotations.items())
                if v is not None}} for seg in segments]
        if block.annotations.get("nwb_note"):
            annotations.setdefault("notes", []).append(str(block.annotations["nwb_note"]))
    else:
        unit = local_index.astype(str).astype(object)
    if aligned:
        annotations["alignment_note"] = (
            "segments (trials) start at different times; each is read relative to its own"
            " start (trial-aligned)")
    if np.ptp(starts) > 0 or np.ptp(stops) > 0:
        annotations["span_note"] = (
            f"trains had different spans (t_start {starts.min()}..{starts.max()} s, t_stop "
            f"{stops.min()}..{stops.max()} s); the common span [{starts.min()}, {stops.max()}] s "
            "is used for every neuron")
    data = SpikeData(indices, times, n, starts.min() * pq.s, stops.max() * pq.s, trial,
                     condition, population, local_index, labels, annotations, unit)
    if identity is None:
        data.annotations["identity"] = {"rule": "hhlif", "n_neurons": data.n_units,
                                        "n_trials": int(data.trials.size), "n_trains": n,
                                        "incomplete": [], "warning": None}
    elif identity.warning:
        warnings.warn(f"{origin}: {identity.warning}", AnalysisWarning, stacklevel=3)
    return data


#: The only Neo readers hhlif opens a user's file with, by (lower-case) extension.  Each one
#: reads its format with h5py, NumPy, ``struct`` or :func:`scipy.io.loadmat` and never runs
#: code stored in the file (checked in Neo 0.14's source: PickleIO unpickles and ElphyIO
#: calls ``eval``, so neither is listed).  A file with any other extension is refused; the
#: reader is never guessed from the extension by Neo (which would pick PickleIO for ``.pkl``).
SAFE_READERS: dict[str, str] = {
    ".nix": "NixIO",              # NIX (HDF5 through h5py), what hhlif writes
    ".h5": "NixIO",
    ".nwb": "hhlif.analysis.nwb",  # NWB through pynwb itself (the nwb extra), not NWBIO
    ".mat": "NeoMatlabIO",        # scipy.io.loadmat: MATLAB structs, no pickles
    ".txt": "AsciiSpikeTrainIO",  # one train per line of plain-text spike times
    ".gdf": "NestIO",             # NEST spike detector output (numpy.loadtxt)
    ".nev": "BlackrockIO",        # binary formats parsed with NumPy
    ".plx": "PlexonIO",
    ".nex": "NeuroExplorerIO",
    ".smr": "Spike2IO",
    ".src": "BrainwareSrcIO",
}

#: Extensions of Python pickles (Neo's PickleIO): refused, loading one runs its code.
PICKLE_SUFFIXES = (".pkl", ".pickle", ".pck", ".pcl", ".p")

#: Neo IOs that can run code stored in a file; a file only they would read is refused.
_UNSAFE_IOS = ("PickleIO", "ElphyIO")

_CONVERT_HINT = ("convert it to NIX where you trust it (neo.io.NixIO(path, mode='ow')"
                 ".write_block(block))")


def _one_line(err: BaseException, limit: int = 300) -> str:
    """``Type: message`` of a reader's exception on one line, at most ``limit`` characters."""
    text = " ".join(str(err).split()) or "no message"
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return f"{type(err).__name__}: {text}"


def _safe_reader(path: pathlib.Path) -> str:
    """Name of the Neo IO class that may read ``path``; refuse every other file."""
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix in SAFE_READERS:
        return SAFE_READERS[suffix]
    if suffix in PICKLE_SUFFIXES:
        raise UnsafeFileError(f"source={origin!r}: a Python pickle is refused, because loading"
                              f" a pickle runs code stored in the file; {_CONVERT_HINT}")
    neo_readers = [cls.__name__ for cls in neo.io.iolist
                   if suffix and suffix[1:] in [e.lower() for e in cls.extensions]]
    if neo_readers and set(neo_readers) <= set(_UNSAFE_IOS):
        raise UnsafeFileError(f"source={origin!r}: the only Neo reader of {suffix!r} files"
                              f" ({', '.join(neo_readers)}) can run code stored in the file;"
                              f" {_CONVERT_HINT}")
    known = ", ".join(sorted(SAFE_READERS))
    what = f"extension {suffix!r}" if suffix else "a file without extension"
    raise AnalysisInputError(f"source={origin!r}: {what} is not a"
                             f" format hhlif reads; expected one of {known} (Neo readers that"
                             f" never run code from the file); {_CONVERT_HINT}")


def read_neo_file(path: str | os.PathLike) -> list[neo.Block]:
    """Read every ``neo.Block`` of a file with a reader of :data:`SAFE_READERS`.

    The reader is chosen by extension from that list only, so no file can make hhlif run
    code (a pickle, Neo's PickleIO, is refused).  Used by :func:`load_spikes` and by
    ``hhlif info``.

    Parameters
    ----------
    path : str or path-like
        A ``.nix`` file (hhlif's format) or another extension of :data:`SAFE_READERS`.

    Returns
    -------
    list of neo.Block
        At least one.

    Raises
    ------
    UnsafeFileError
        A pickle (``.pkl``, ``.pickle``, ...) or a format only a code-running reader reads.
    AnalysisInputError
        Missing path, a folder, an extension not in :data:`SAFE_READERS`, or a file its
        reader cannot read; the message is one line naming the file.

    Examples
    --------
    >>> read_neo_file("results.pkl")
    Traceback (most recent call last):
    ...
    hhlif.analysis.errors.UnsafeFileError: source='results.pkl': a Python pickle is refused, ...
    """
    path = pathlib.Path(path)
    origin = str(path)
    if path.is_dir():
        raise AnalysisInputError(f"source={origin!r}: is a directory, expected a file "
                                 f"({', '.join(sorted(SAFE_READERS))})")
    reader = _safe_reader(path)          # before opening the file: a pickle is never read
    if not path.exists():
        raise AnalysisInputError(f"source={origin!r}: no such file")
    if reader == "hhlif.analysis.nwb":
        from .nwb import read_nwb_block   # Units with any observation intervals, trials

        return [read_nwb_block(path)]
    cls = getattr(neo.io, reader)
    kwargs = {"NixIO": {"mode": "ro"}, "NWBIO": {"mode": "r"}}.get(reader, {})
    try:
        io = cls(origin, **kwargs)
    except ImportError as err:
        raise AnalysisInputError(f"source={origin!r}: reading {path.suffix} files needs a"
                                 f" package that is not installed ({_one_line(err)})") from None
    except Exception as err:  # h5py/nixio and the binary parsers raise many types
        what = "a NIX file" if reader == "NixIO" else f"a {path.suffix} file ({reader})"
        raise AnalysisInputError(f"source={origin!r}: cannot be opened as {what}"
                                 f" ({_one_line(err)})") from None
    try:
        blocks = _read_blocks(io)
    except Exception as err:  # Neo's IO plug-ins raise many types for a bad file
        raise AnalysisInputError(f"source={origin!r}: {reader} could not read it"
                                 f" ({_one_line(err)})") from None
    finally:
        close = getattr(io, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # a reader that fails to close must not hide the real error
                pass
    blocks = [b for b in (blocks or []) if b is not None]
    if not blocks:
        raise AnalysisInputError(f"source={origin!r}: the file holds no neo.Block")
    return blocks


def _read_blocks(io) -> list:
    """All Blocks of an open Neo IO (a reader of Segments only gives one Block of one)."""
    readable = getattr(io, "readable_objects", [neo.Block])
    if neo.Block not in readable and neo.Segment in readable:
        block = neo.Block()
        block.segments.append(io.read_segment())
        return [block]
    return io.read_all_blocks() if hasattr(io, "read_all_blocks") else [io.read_block()]


def spikes_of_blocks(blocks: Sequence[neo.Block], origin: str) -> SpikeData:
    """The :class:`SpikeData` of the Blocks of one file (those of :func:`read_neo_file`):
    the segments of later Blocks are further trials of the first Block's neurons."""
    extra = [seg for b in blocks[1:] for seg in b.segments]
    return _from_block(blocks[0], origin, extra)


def _read_path(path: pathlib.Path) -> SpikeData:
    return spikes_of_blocks(read_neo_file(path), str(path))


def load_spikes(source: Any) -> SpikeData:
    """Read spikes from a recording, Neo object or file into a :class:`SpikeData`.

    Parameters
    ----------
    source : object
        One of: a :class:`SpikeData` (returned as is); an object with a
        ``to_neo()`` method returning a ``neo.Block``; a ``neo.Block`` (an hhlif
        Recording converted with ``hhlif.protocols.to_neo``); a ``neo.Segment``; a ``neo.SpikeTrain`` or a list of
        them; a ``str`` or ``pathlib.Path`` to a NIX file (read with
        ``neo.io.NixIO(mode='ro')``) or to another format of
        :data:`SAFE_READERS` (see :func:`read_neo_file`).

    Returns
    -------
    SpikeData

    Raises
    ------
    UnsafeFileError
        A pickle or another file whose reader could run code (never opened).
    AnalysisInputError
        Missing path, unknown or unreadable format, a file or object with no
        SpikeTrain, inconsistent packed trains, an hhlif recording of an
        interrupted run (``simulated_ms`` short of its span), or an unsupported type.

    Notes
    -----
    Trains of different ``t_start``/``t_stop`` are analysed over the common
    span ``[min t_start, max t_stop]``; ``annotations['span_note']`` records it.
    All conversions are vectorised per train, never per spike.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> trains = [neo.SpikeTrain([1, 5] * pq.ms, t_stop=10 * pq.ms),
    ...           neo.SpikeTrain([2] * pq.ms, t_stop=10 * pq.ms)]
    >>> load_spikes(trains).n_spikes
    3
    """
    if isinstance(source, SpikeData):
        return source
    if isinstance(source, (str, os.PathLike)):
        return _read_path(pathlib.Path(source))
    if hasattr(source, "to_neo") and callable(source.to_neo):
        block = source.to_neo()
        if not isinstance(block, neo.Block):
            raise AnalysisInputError(f"source.to_neo() returned {type(block).__name__}: expected "
                                     "a neo.Block")
        return _from_block(block, f"{type(source).__name__}.to_neo()")
    if isinstance(source, neo.Block):
        return _from_block(source, f"neo.Block {source.name!r}")
    if isinstance(source, neo.Segment):
        return _from_block(_shallow_block(source), f"neo.Segment {source.name!r}")
    if isinstance(source, neo.SpikeTrain):
        source = [source]
    if isinstance(source, (list, tuple)):
        if not source:
            raise AnalysisInputError("source=[]: expected at least one neo.SpikeTrain")
        bad = [type(s).__name__ for s in source if not isinstance(s, neo.SpikeTrain)]
        if bad:
            raise AnalysisInputError(f"source is a list containing {bad[0]}: expected only "
                                     "neo.SpikeTrain objects")
        seg = neo.Segment()
        seg.spiketrains.extend(source)
        return _from_block(_shallow_block(seg), "list of SpikeTrain")
    raise AnalysisInputError(
        f"source of type {type(source).__name__}: expected a neo.Block (an hhlif Recording:"
        " hhlif.protocols.to_neo(recording)), an object with to_neo(), neo.Segment, list of"
        " neo.SpikeTrain, SpikeData or a path")


class _BlockView:
    """Block-like view of one segment (annotations of its parent Block, if any).

    Used instead of a new ``neo.Block`` so the user's objects are not re-parented.
    """

    def __init__(self, segment: neo.Segment):
        parent = getattr(segment, "block", None)
        self.annotations = dict(parent.annotations) if parent is not None else {}
        self.segments = [segment]
        self.name = segment.name


def _shallow_block(segment: neo.Segment) -> _BlockView:
    return _BlockView(segment)
