"""NWB files read with pynwb directly: the Units table as trains, one Segment per trial.

Contents
--------
read_nwb_block
    A ``neo.Block`` from a ``.nwb`` file: one Segment per row of the trials table (or of
    the epochs table, or one Segment spanning the data), in each one SpikeTrain per unit
    of the Units table that was observed during that trial.
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

Examples
--------
>>> block = read_nwb_block("data/interop/pynwb_units_trials.nwb")   # doctest: +SKIP
>>> [seg.annotations["stimulus"] for seg in block.segments]         # doctest: +SKIP
['grating', 'dots']
"""
from __future__ import annotations

import os
import pathlib
from typing import Any

import neo
import numpy as np
import quantities as pq

from .errors import AnalysisInputError

__all__ = ["read_nwb_block", "OBS_TOLERANCE", "NO_TRIALS_NOTE"]

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
        try:
            return _convert(nwbfile, origin)
        except AnalysisInputError:
            raise
        except Exception as err:  # a table pynwb read but whose contents h5py cannot load
            raise AnalysisInputError(f"source={origin!r}: its Units or trials could not be"
                                     f" read ({_one_line(err)})") from None
    finally:
        try:
            io.close()
        except Exception:  # a reader that fails to close must not hide the real error
            pass
