"""NWB files read with pynwb directly: the Units table as trains, one Segment per trial.

Contents
--------
read_nwb_block
    A ``neo.Block`` from a ``.nwb`` file: one Segment per row of the trials table (or of
    the epochs table, or one Segment spanning the data), in each one SpikeTrain per unit
    of the Units table that was observed during that trial; for a file written by hhlif,
    the Block of the hhlif Neo format (as its NIX file).
hhlif_metadata, hhlif_contents
    The metadata and the arrays of a file written by hhlif (used by
    ``hhlif.protocols.recordings.nwb.read_nwb`` too).
ms_to_seconds, seconds_to_ms
    Spike times in ms to NWB's seconds and back, bit-exactly.
HHLIF_SCRATCH, HHLIF_NWB_VERSION, HHLIF_MODULE, CORRECTIONS_TABLE
    Names of hhlif's NWB layout.
OBS_TOLERANCE
    Uncovered time (s) a unit's observation intervals may leave in a trial, for rounding.
NO_TRIALS_NOTE
    The Block annotation ``nwb_note`` of a file read as one trial.

Notes
-----
Neo's NWBIO refuses Units with several observation intervals, or reads one interval and
drops the trials table; this reader opens the file with ``pynwb.NWBHDF5IO(path, "r")``
(the namespaces cached in the file are loaded: they are YAML/JSON schema, no code from the
file is ever run) and builds the Block itself. pynwb is the ``nwb`` extra
(``pip install "hhlif[nwb]"``); it is imported only when a file is read.

Trials. One ``neo.Segment`` per row of ``nwbfile.trials``; without a trials table, one per
row of ``nwbfile.epochs``; without either, one Segment from the earliest observation
interval start (0 when no unit has intervals, or the first spike if that is earlier) to
the latest observation interval stop or last spike, and the Block annotation
``nwb_note = NO_TRIALS_NOTE``. Segment annotations: ``trial`` (row index), ``start_time``
and ``stop_time`` (s), ``nwb_trial_id`` (the table's id), ``nwb_interval_table``
(``"trials"``, ``"epochs"`` or ``"none"``), ``nwb_unobserved_units`` (ids of the units not
observed in that trial) and every other column of the table whose values are scalars
(str, int, float, bool, as Python types; a column of arrays or references, e.g. ``tags``
or ``timeseries``, is skipped): a condition can be named as a column, e.g. ``stimulus``.
A column whose name is one of the reader's own keys is kept as ``nwb_<name>``.

Units. A unit without observation intervals is observed in every trial. A unit with
``obs_intervals`` is observed in a trial only when the union of its intervals covers the
whole trial ``[start_time, stop_time)``, up to :data:`OBS_TOLERANCE` of uncovered time; a
unit observed during part of a trial only is left out of that trial (its rate over the
trial would be wrong), and listed in ``nwb_unobserved_units``. The train of an observed
unit holds its spike times (s, sorted) in ``[start_time, stop_time)`` (the last spike is
included in the one Segment of a file without trials), ``t_start = start_time``,
``t_stop = stop_time``: absolute times, not re-zeroed. Train name: the Units column
``unit_name`` if present, else ``f"unit{id}"``. Train annotations: ``unit_id`` (the Units
table id), ``nwb_unit_index`` (row position), ``electrode_group`` (the name of the unit's
electrode group, if any) and every scalar column of the Units table (e.g. ``population``,
``location``, ``quality``); ``spike_times``, ``obs_intervals``, ``electrodes`` and waveform
columns are not annotations.

Block. Name: the file's ``identifier``; annotations ``nwb_source = True``,
``nwb_identifier``, ``session_description``, ``nwb_session_start_time`` (ISO 8601),
``nwb_n_units`` (rows of the Units table) and ``nwb_n_trials`` (Segments read, i.e. rows of
the trials or epochs table, 1 for a file without either).

hhlif's own NWB files. A file written by ``hhlif.protocols.recordings.nwb.write_nwb``
carries the scratch entry :data:`HHLIF_SCRATCH` (JSON: the marker ``hhlif_nwb`` =
:data:`HHLIF_NWB_VERSION`, protocol, model, t_start/t_stop in ms, simulated_ms, condition
labels, populations, signals, provenance, design). Such a file is read into the Block that
hhlif's Neo export makes of the same recording (:mod:`hhlif.analysis.neo_format`, built with
its functions: the same Block annotations, Segment, packed trains with their per-neuron
trial and condition, AnalogSignals), so that :func:`~hhlif.analysis.load_spikes` gives the
same trials, conditions, populations and neurons as for the NIX file of that recording.
:func:`hhlif_contents` gives the arrays of such a file (the Recording's own numbers: ms
exactly, see :func:`ms_to_seconds`); ``hhlif.protocols.recordings.nwb`` documents the
layout.

Examples
--------
>>> block = read_nwb_block("data/interop/pynwb_units_trials.nwb")   # doctest: +SKIP
>>> [seg.annotations["stimulus"] for seg in block.segments]         # doctest: +SKIP
['grating', 'dots']
"""
from __future__ import annotations

import contextlib

import json
import os
import pathlib
from typing import Any

import neo
import numpy as np
import quantities as pq

from .errors import AnalysisInputError

__all__ = ["read_nwb_block", "open_nwb", "OBS_TOLERANCE", "NO_TRIALS_NOTE", "HHLIF_SCRATCH",
           "HHLIF_NWB_VERSION", "HHLIF_MODULE", "CORRECTIONS_TABLE",
           "ms_to_seconds", "seconds_to_ms", "hhlif_metadata", "hhlif_contents"]

#: Uncovered time (s) that a unit's observation intervals may leave in a trial and the unit
#: still count as observed (floating-point rounding of interval bounds).
OBS_TOLERANCE = 1e-6

#: Block annotation ``nwb_note`` of a file with neither a trials nor an epochs table.
NO_TRIALS_NOTE = "no trials table: the file is read as one trial"

#: Segment annotations set by the reader (a table column of that name becomes ``nwb_<name>``).
_SEGMENT_KEYS = ("trial", "start_time", "stop_time", "nwb_trial_id", "nwb_interval_table",
                 "nwb_unobserved_units")
#: Train annotations set by the reader (a Units column of that name becomes ``nwb_<name>``).
_TRAIN_KEYS = ("unit_id", "nwb_unit_index")
#: Units columns that are data, not annotations.
_UNIT_DATA_COLUMNS = ("spike_times", "obs_intervals", "electrodes", "electrode_group",
                      "waveform_mean", "waveform_sd", "waveforms")
#: Interval table columns read as the segment's bounds.
_INTERVAL_COLUMNS = ("start_time", "stop_time")


def _one_line(err: BaseException, limit: int = 300) -> str:
    """``Type: message`` of an exception on one line, at most ``limit`` characters."""
    text = " ".join(str(err).split()) or "no message"
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return f"{type(err).__name__}: {text}"


def _scalar(value: Any) -> tuple[bool, Any]:
    """``(True, python value)`` for a str/bytes/int/float/bool (numpy scalars included)."""
    if isinstance(value, np.generic) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bytes):
        try:
            return True, value.decode("utf-8")
        except UnicodeDecodeError:
            return False, None
    if isinstance(value, (bool, int, float, str)):
        return True, value
    return False, None


def _scalar_columns(table, skip: tuple[str, ...], reserved: tuple[str, ...]) -> dict[str, list]:
    """The columns of an hdmf DynamicTable whose every value is a scalar, as Python lists.

    Ragged columns (a ``VectorIndex``), table regions and columns of references or arrays
    are left out; a column named like one of ``reserved`` is renamed ``nwb_<name>``.
    """
    from hdmf.common import DynamicTableRegion, VectorIndex

    out: dict[str, list] = {}
    for name in table.colnames:
        if name in skip:
            continue
        column = table[name]
        if isinstance(column, (VectorIndex, DynamicTableRegion)):
            continue
        try:
            raw = column.data[:]
        except Exception:  # a column hdmf cannot slice is not a scalar column
            continue
        if isinstance(raw, np.ndarray) and raw.ndim != 1:
            continue
        values = []
        for value in raw:
            ok, value = _scalar(value)
            if not ok:
                break
            values.append(value)
        else:
            out[f"nwb_{name}" if name in reserved else name] = values
    return out


def _ragged(table, name: str) -> list[np.ndarray] | None:
    """Per row, the values of the ragged column ``name`` (None when the table lacks it)."""
    if name not in table.colnames:
        return None
    column = table[name]
    from hdmf.common import VectorIndex

    if not isinstance(column, VectorIndex):       # one value per row: a row of one value
        flat = np.asarray(column.data[:], dtype=float)
        return [flat[i:i + 1] for i in range(flat.shape[0])]
    ends = np.asarray(column.data[:], dtype=np.int64)
    flat = np.asarray(column.target.data[:], dtype=float)
    starts = np.concatenate([[0], ends[:-1]])
    return [flat[a:b] for a, b in zip(starts, ends)]


def _covered(intervals: np.ndarray, start: float, stop: float) -> bool:
    """Whether the union of ``intervals`` (rows ``[a, b)``) covers ``[start, stop)``."""
    uncovered, t = 0.0, start
    for a, b in sorted((float(a), float(b)) for a, b in intervals):
        if b <= t:
            continue
        if a > t:
            uncovered += min(a, stop) - t
        t = max(t, b)
        if t >= stop:
            break
    uncovered += max(0.0, stop - t)
    return uncovered <= OBS_TOLERANCE


def _intervals_table(nwbfile, origin: str) -> tuple[str, list[dict]]:
    """Which table gives the trials, and one dict of segment annotations per row."""
    for kind in ("trials", "epochs"):
        table = getattr(nwbfile, kind, None)
        if table is None or len(table) == 0:
            continue
        starts = np.asarray(table["start_time"].data[:], dtype=float)
        stops = np.asarray(table["stop_time"].data[:], dtype=float)
        ids = [int(i) for i in np.asarray(table.id.data[:])]
        columns = _scalar_columns(table, _INTERVAL_COLUMNS, _SEGMENT_KEYS)
        rows = []
        for i, (a, b) in enumerate(zip(starts, stops)):
            if not (np.isfinite(a) and np.isfinite(b) and b > a):
                raise AnalysisInputError(
                    f"source={origin!r}: row {i} of the {kind} table has start_time={a},"
                    f" stop_time={b}; expected finite times with stop_time > start_time")
            row = {"trial": i, "start_time": float(a), "stop_time": float(b),
                   "nwb_trial_id": ids[i], "nwb_interval_table": kind}
            row.update({name: values[i] for name, values in columns.items()})
            rows.append(row)
        return kind, rows
    return "none", []


def _span(spikes: list[np.ndarray], obs: list[np.ndarray] | None, origin: str
          ) -> tuple[float, float]:
    """``[start, stop]`` of a file without trials: observation intervals and spikes."""
    bounds = [iv for iv in (obs or []) if iv.size]
    flat = np.concatenate([s for s in spikes if s.size] or [np.zeros(0)])
    if bounds:
        start = min(float(iv[:, 0].min()) for iv in bounds)
        stop = max(float(iv[:, 1].max()) for iv in bounds)
    else:
        start, stop = 0.0, 0.0
    if flat.size:
        start = min(start, float(flat.min()))
        stop = max(stop, float(flat.max()))
    if not stop > start:
        raise AnalysisInputError(
            f"source={origin!r}: has no trials or epochs table, no observation intervals and"
            f" no spike after {start} s; expected spikes or intervals to span a trial")
    return start, stop


def _convert(nwbfile, origin: str) -> neo.Block:
    units = nwbfile.units
    if units is None:
        raise AnalysisInputError(
            f"source={origin!r}: the NWB file has no Units table (nwbfile.units); expected"
            f" sorted spike times in a Units table")
    if "spike_times" not in units.colnames:
        raise AnalysisInputError(
            f"source={origin!r}: the Units table has no spike_times column; expected the"
            f" spike times of each unit")
    n_units = len(units)
    ids = [int(i) for i in np.asarray(units.id.data[:])]
    spikes = [np.sort(s) for s in _ragged(units, "spike_times")]
    obs = _ragged(units, "obs_intervals")
    if obs is not None:
        obs = [iv.reshape(-1, 2) for iv in obs]
    columns = _scalar_columns(units, _UNIT_DATA_COLUMNS, _TRAIN_KEYS)
    groups = None
    if "electrode_group" in units.colnames:
        groups = [getattr(g, "name", None) for g in units["electrode_group"][:]]
    names = columns.get("unit_name")

    kind, rows = _intervals_table(nwbfile, origin)
    inclusive_stop = not rows
    if not rows:
        start, stop = _span(spikes, obs, origin)
        rows = [{"trial": 0, "start_time": start, "stop_time": stop, "nwb_trial_id": 0,
                 "nwb_interval_table": "none"}]

    session_start = getattr(nwbfile, "session_start_time", None)
    block = neo.Block(name=str(nwbfile.identifier), file_origin=origin)
    block.annotate(nwb_source=True, nwb_identifier=str(nwbfile.identifier),
                   session_description=str(nwbfile.session_description),
                   nwb_session_start_time=session_start.isoformat() if session_start else "",
                   nwb_n_units=n_units, nwb_n_trials=len(rows))
    if inclusive_stop:
        block.annotate(nwb_note=NO_TRIALS_NOTE)

    for row in rows:
        start, stop = row["start_time"], row["stop_time"]
        segment = neo.Segment(name=f"{kind} {row['trial']}" if kind != "none" else "all",
                              file_origin=origin)
        unobserved = []
        for k in range(n_units):
            if obs is not None and obs[k].size and not _covered(obs[k], start, stop):
                unobserved.append(ids[k])
                continue
            times = spikes[k]
            keep = (times >= start) & ((times <= stop) if inclusive_stop else (times < stop))
            name = str(names[k]) if names is not None else f"unit{ids[k]}"
            train = neo.SpikeTrain(times[keep], units=pq.s, t_start=start * pq.s,
                                   t_stop=stop * pq.s, name=name, file_origin=origin)
            annotations = {"unit_id": ids[k], "nwb_unit_index": k}
            annotations.update({key: values[k] for key, values in columns.items()})
            if groups is not None and groups[k] is not None:
                annotations["electrode_group"] = str(groups[k])
            train.annotate(**annotations)
            train.segment = segment
            segment.spiketrains.append(train)
        segment.annotate(**row, nwb_unobserved_units=unobserved)
        segment.block = block
        block.segments.append(segment)
    return block


# ----------------------------------------------------------------- hhlif's own NWB files
#: Scratch entry of an NWB file written by hhlif: the recording's metadata as one JSON
#: document; its presence (with the key ``hhlif_nwb``) marks the file as hhlif's.
HHLIF_SCRATCH = "hhlif_recording"
#: Version of hhlif's NWB layout: the ``hhlif_nwb`` key of the metadata.
HHLIF_NWB_VERSION = 1
#: Processing module of hhlif's tables: ``channels_<signal>`` (channel -> neuron of each
#: TimeSeries) and :data:`CORRECTIONS_TABLE`.
HHLIF_MODULE = "hhlif"
#: Table (in :data:`HHLIF_MODULE`) of the spikes whose time in ms is not ``seconds * 1000``
#: of the stored seconds (rows: position in the Units ``spike_times`` data, exact ms).
CORRECTIONS_TABLE = "spike_time_corrections"


def ms_to_seconds(times_ms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spike times for NWB (s), and what restores the ms exactly.

    Parameters
    ----------
    times_ms : array_like of float

    Returns
    -------
    seconds : ndarray of float64
        ``times_ms / 1000`` (correctly rounded).
    positions : ndarray of int64
        Where ``seconds * 1000`` is not bit-identical to ``times_ms``: none for times that
        are seconds * 1000 (as hhlif makes them from Brian2's; checked for dt from 1 µs to
        0.1 ms, 2e6 steps each), about 1.5 % of times rounded to 0.001 ms.
    exact_ms : ndarray of float64
        ``times_ms[positions]``.

    Examples
    --------
    >>> 3.97 / 1000 * 1000                      # not 3.97: listed with its exact ms
    3.9700000000000006
    >>> s, pos, ms = ms_to_seconds([1.5, 3.97])
    >>> s.tolist(), pos.tolist(), ms.tolist()
    ([0.0015, 0.0039700000000000004], [1], [3.97])
    >>> seconds_to_ms(s, pos, ms).tolist()
    [1.5, 3.97]
    """
    ms = np.asarray(times_ms, dtype=np.float64).reshape(-1)
    seconds = ms / 1000.0
    positions = np.flatnonzero(seconds * 1000.0 != ms).astype(np.int64)
    return seconds, positions, ms[positions]


def seconds_to_ms(seconds, positions, exact_ms) -> np.ndarray:
    """The ms that :func:`ms_to_seconds` encoded: ``seconds * 1000``, the listed positions
    replaced by their exact values (bit-identical to the original)."""
    ms = np.asarray(seconds, dtype=np.float64).reshape(-1) * 1000.0
    positions = np.asarray(positions, dtype=np.int64).reshape(-1)
    if positions.size:
        ms[positions] = np.asarray(exact_ms, dtype=np.float64).reshape(-1)
    return ms


def hhlif_metadata(nwbfile, origin: str = "NWB file") -> dict | None:
    """The metadata of an NWB file written by hhlif (the JSON of :data:`HHLIF_SCRATCH`), or
    None for any other file.

    Raises
    ------
    AnalysisInputError
        The entry exists but is not a JSON object with ``hhlif_nwb``, or names a newer
        layout than :data:`HHLIF_NWB_VERSION`.
    """
    scratch = getattr(nwbfile, "scratch", None)
    if not scratch or HHLIF_SCRATCH not in scratch:
        return None
    data = scratch[HHLIF_SCRATCH].data
    if not isinstance(data, (str, bytes)):
        data = np.asarray(data[()] if hasattr(data, "shape") else data).reshape(-1)[0]
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    try:
        meta = json.loads(data)
    except (TypeError, ValueError) as err:
        raise AnalysisInputError(f"source={origin!r}: scratch {HHLIF_SCRATCH!r} is not JSON"
                                 f" ({_one_line(err)});"
                                 f" expected hhlif's metadata") from None
    if not isinstance(meta, dict) or "hhlif_nwb" not in meta:
        raise AnalysisInputError(f"source={origin!r}: scratch {HHLIF_SCRATCH!r} holds no"
                                 f" 'hhlif_nwb' key;"
                                 f" expected hhlif's metadata")
    if int(meta["hhlif_nwb"]) > HHLIF_NWB_VERSION:
        raise AnalysisInputError(f"source={origin!r}: hhlif_nwb={meta['hhlif_nwb']!r} is a"
                                 f" newer layout than this hhlif reads ({HHLIF_NWB_VERSION});"
                                 f" update hhlif")
    return meta


def _column(table, name: str) -> np.ndarray:
    return np.asarray(table[name].data[:])


def hhlif_contents(nwbfile, origin: str = "NWB file", signals: bool = True) -> dict:
    """The recording in an NWB file written by hhlif, as arrays of its own numbers.

    Parameters
    ----------
    nwbfile : pynwb.NWBFile
        Open (its data is read here).
    origin : str
        Named in error messages.
    signals : bool
        Read the TimeSeries too (else ``signals`` are empty).

    Returns
    -------
    dict
        ``meta`` (:func:`hhlif_metadata`) and ``populations``: name -> dict with ``model``,
        ``n_neurons``, ``spike_indices`` (int64, neuron within the population),
        ``spike_times`` (ms, bit-exact, sorted by time then neuron), ``trial``,
        ``condition`` (int64 per neuron) and ``signals``: variable -> dict with ``unit``,
        ``t_start``, ``sampling_period`` (ms), ``values`` (samples x channels) and
        ``neurons`` (int64 per channel).

    Raises
    ------
    AnalysisInputError
        Not an hhlif file, or its tables disagree with its metadata.
    """
    meta = hhlif_metadata(nwbfile, origin)
    if meta is None:
        raise AnalysisInputError(f"source={origin!r}: not written by hhlif (no scratch entry"
                                 f" {HHLIF_SCRATCH!r})")
    units = nwbfile.units
    n_rows = sum(int(p["n_neurons"]) for p in meta["populations"])
    if n_rows:
        if units is None or len(units) != n_rows:
            raise AnalysisInputError(
                f"source={origin!r}: the Units table has"
                f" {0 if units is None else len(units)} rows; the metadata lists {n_rows}"
                f" neurons")
        spike_col = units["spike_times"]
        ends = np.asarray(spike_col.data[:], dtype=np.int64)
        flat_s = np.asarray(spike_col.target.data[:], dtype=np.float64)
        module = nwbfile.processing[HHLIF_MODULE]
        fixes = module[CORRECTIONS_TABLE]
        flat_ms = seconds_to_ms(flat_s, _column(fixes, "spike"), _column(fixes, "time_ms"))
        population = _column(units, "population")
        neuron = _column(units, "neuron").astype(np.int64)
        trial = _column(units, "trial").astype(np.int64)
        condition = _column(units, "condition").astype(np.int64)
        starts = np.concatenate([[0], ends[:-1]])
    populations = {}
    for entry in meta["populations"]:
        name, n, first = str(entry["name"]), int(entry["n_neurons"]), int(entry["first_row"])
        rows = slice(first, first + n)
        if n and not (np.array_equal(neuron[rows], np.arange(n))
                      and all(str(p) == name for p in np.unique(population[rows]))):
            raise AnalysisInputError(f"source={origin!r}: Units rows {first}..{first + n - 1}"
                                     f" are not neurons 0..{n - 1} of population {name!r}")
        if n:
            lo, hi = int(starts[first]), int(ends[first + n - 1])
            counts = ends[rows] - starts[rows]
            idx = np.repeat(np.arange(n, dtype=np.int64), counts)
            times = flat_ms[lo:hi]
            order = np.lexsort((idx, times))
            idx, times = idx[order], times[order]
            tr, co = trial[rows], condition[rows]
        else:
            idx, times = np.zeros(0, np.int64), np.zeros(0)
            tr, co = np.zeros(0, np.int64), np.zeros(0, np.int64)
        populations[name] = {"model": str(entry["model"]), "n_neurons": n,
                             "spike_indices": idx, "spike_times": times, "trial": tr,
                             "condition": co, "signals": {}}
    if signals:
        for entry in meta["signals"]:
            where = getattr(nwbfile, entry["group"])
            series = where[entry["timeseries"]]
            table = nwbfile.processing[HHLIF_MODULE][entry["channels"]]
            populations[entry["population"]]["signals"][entry["variable"]] = {
                "unit": entry["unit"], "t_start": entry["t_start_ms"],
                "sampling_period": entry["sampling_period_ms"],
                "values": np.asarray(series.data[:]),
                "neurons": _column(table, "neuron").astype(np.int64)}
    return {"meta": meta, "populations": populations}


def _hhlif_block(nwbfile, origin: str) -> neo.Block:
    """The Block of an hhlif NWB file in the hhlif Neo format, as ``to_neo`` makes it for the
    NIX file of the same recording (:mod:`hhlif.analysis.neo_format`: one Segment, per
    population one packed train, per population and variable one AnalogSignal)."""
    from . import neo_format as fmt

    contents = hhlif_contents(nwbfile, origin)
    meta = contents["meta"]
    t_start, t_stop = float(meta["t_start_ms"]) * pq.ms, float(meta["t_stop_ms"]) * pq.ms
    block = neo.Block(name=f"hhlif {meta['protocol']}", file_origin=origin,
                      **fmt.block_annotations(meta["protocol"], meta["model"],
                                              json.dumps(meta["provenance"], sort_keys=True)))
    if meta.get("design"):
        block.annotations["design_json"] = json.dumps(meta["design"], sort_keys=True)
    if meta.get("simulated_ms") is not None:
        block.annotations["simulated_ms"] = float(meta["simulated_ms"])
    block.annotations[fmt.LABELS_ANNOTATION] = fmt.encode_labels(
        {int(k): str(v) for k, v in meta["condition_labels"]})
    segment = fmt.recording_segment(file_origin=origin)
    for name, pop in contents["populations"].items():
        trial, condition = pop["trial"], pop["condition"]
        train = fmt.population_train(pop["spike_times"], pop["spike_indices"], pop["n_neurons"],
                                     trial, condition, t_start, t_stop, name=name,
                                     population=name, model=pop["model"])
        train.segment = segment
        segment.spiketrains.append(train)
        for var, sig in pop["signals"].items():
            neurons = sig["neurons"]
            units = ("dimensionless" if sig["unit"] in ("", "1", "dimensionless")
                     else sig["unit"])
            asig = neo.AnalogSignal(sig["values"], units=units, t_start=sig["t_start"] * pq.ms,
                                    sampling_period=sig["sampling_period"] * pq.ms,
                                    name=f"{name} {var}", population=name, variable=var,
                                    unit_string=sig["unit"], model=pop["model"])
            asig.array_annotations = {"neuron": neurons, "trial": trial[neurons],
                                      "condition": condition[neurons]}
            asig.segment = segment
            segment.analogsignals.append(asig)
    segment.block = block
    block.segments.append(segment)
    return block


def read_nwb_block(path: str | os.PathLike) -> neo.Block:
    """Read the Units and trials of an NWB file into a ``neo.Block`` with pynwb.

    Parameters
    ----------
    path : str or path-like
        An NWB 2 file (HDF5). It is opened read-only with ``pynwb.NWBHDF5IO(path, "r")``;
        no code stored in the file is run.

    Returns
    -------
    neo.Block
        One Segment per trial (row of the trials table, else of the epochs table, else one
        Segment spanning the data), one SpikeTrain per unit observed in that trial; the
        module's Notes give every annotation and the observation-interval rule (the union
        of a unit's intervals must cover the whole trial, up to :data:`OBS_TOLERANCE`).
        A file written by hhlif (scratch entry :data:`HHLIF_SCRATCH`) gives instead the
        Block of the hhlif Neo format that its NIX file holds.

    Raises
    ------
    AnalysisInputError
        pynwb not installed (``pip install "hhlif[nwb]"``), a missing path or a folder, a
        file pynwb or h5py cannot read (the message names the reader's error type), a file
        without a Units table or without spike times, a trial with ``stop_time <=
        start_time``; always one line naming the file.

    Examples
    --------
    >>> block = read_nwb_block("data/interop/pynwb_units_trials.nwb")   # doctest: +SKIP
    >>> len(block.segments), len(block.segments[1].spiketrains)          # doctest: +SKIP
    (2, 19)
    """
    origin = str(path)
    with open_nwb(path) as nwbfile:
        try:
            if hhlif_metadata(nwbfile, origin) is not None:      # written by hhlif: its Neo format
                return _hhlif_block(nwbfile, origin)
            return _convert(nwbfile, origin)
        except AnalysisInputError:
            raise
        except Exception as err:  # a table pynwb read but whose contents h5py cannot load
            raise AnalysisInputError(f"source={origin!r}: its Units or trials could not be"
                                     f" read ({_one_line(err)})") from None


@contextlib.contextmanager
def open_nwb(path):
    """The ``NWBFile`` of ``path``, read with pynwb and closed on exit (what every hhlif reader
    of NWB opens files with; no code from the file runs).

    Raises
    ------
    AnalysisInputError
        pynwb not installed, a missing path or a folder, or a file pynwb or h5py cannot
        open or read; one line naming the file and the reader's error.
    """
    path = pathlib.Path(path)
    origin = str(path)
    if path.is_dir():
        raise AnalysisInputError(f"source={origin!r}: is a directory, expected an NWB file")
    if not path.exists():
        raise AnalysisInputError(f"source={origin!r}: no such file")
    try:
        import pynwb
    except ImportError as err:
        raise AnalysisInputError(
            f"source={origin!r}: reading NWB files needs pynwb, which is not installed"
            f' ({_one_line(err)}); pip install "hhlif[nwb]" (the nwb extra)') from None
    try:
        io = pynwb.NWBHDF5IO(origin, "r", load_namespaces=True)
    except Exception as err:  # h5py/hdmf raise many types for a file that is not NWB/HDF5
        raise AnalysisInputError(f"source={origin!r}: cannot be opened as an NWB file"
                                 f" ({_one_line(err)})") from None
    try:
        try:
            nwbfile = io.read()
        except Exception as err:  # pynwb/hdmf/h5py: schema, reference or storage errors
            raise AnalysisInputError(f"source={origin!r}: pynwb could not read it"
                                     f" ({_one_line(err)})") from None
        yield nwbfile
    finally:
        try:
            io.close()
        except Exception:  # a reader that fails to close must not hide the real error
            pass
