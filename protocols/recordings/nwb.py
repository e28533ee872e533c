"""Recording ⇄ NWB file (Neurodata Without Borders 2, with pynwb), beside the NIX files.

:func:`write_nwb` writes a file that any NWB reader (pynwb, MatNWB, DANDI) understands and
that passes ``pynwb.validate``; :func:`read_nwb` gives the :class:`Recording` back exactly
(``read_nwb(p).equals(recording)``).  pynwb is the ``nwb`` extra (``pip install
"hhlif[nwb]"``), imported only when a file is written or read.

Layout
------
``units`` (the Units table)
    One row per neuron of every population, populations in the Recording's order, neurons
    ``0 .. n-1`` of each (row ``first_row + neuron``; trials and conditions are copies of the
    neurons, as hhlif runs them).  ``spike_times`` in s (ragged, sorted per unit; written
    from arrays, one VectorData and one VectorIndex, never a row at a time); columns
    ``population`` (str), ``neuron`` (index within the population), ``trial``,
    ``condition`` (int) and ``model`` (str).
``trials``
    One row per (trial, condition) copy, in (condition, trial) order:
    ``start_time``/``stop_time`` = the recording's span in s, columns ``trial``,
    ``condition``, ``condition_label``.
``stimulus/I_input_<population>``, ``acquisition/<variable>_<population>``
    One ``TimeSeries`` per recorded variable and population (``I_input`` is the applied
    stimulus, so it goes under ``stimulus``): data = the Recording's numbers (samples x
    channels; mV, µA/cm², ...), with the SI ``unit`` and ``conversion`` of NWB (``volts``
    with 0.001 for mV, ``A/m^2`` with 0.01 for µA/cm², ...), ``starting_time`` (s) and
    ``rate`` (Hz).
``processing/hhlif``
    ``channels_<timeseries>``: one row per channel of that TimeSeries, columns ``neuron``
    (index within the population) and ``unit`` (a DynamicTableRegion: its Units row).
    ``spike_time_corrections``: the spikes whose ms time is not ``seconds * 1000`` of the
    stored seconds (columns ``spike``: position in the ``spike_times`` data, ``time_ms``:
    the exact ms; :func:`hhlif.analysis.nwb.ms_to_seconds`): none for a simulation's
    times (Brian2's seconds * 1000), about 1.5 % of times rounded to 0.001 ms.
``scratch/hhlif_recording``
    The metadata, one JSON document (the marker that the file is hhlif's):
    ``hhlif_nwb`` (layout version), ``protocol``, ``model``, ``t_start_ms``, ``t_stop_ms``,
    ``simulated_ms``, ``condition_labels`` (``[[condition, label], ...]``), ``populations``
    (``name``, ``model``, ``n_neurons``, ``first_row``), ``signals`` (``population``,
    ``variable``, ``unit``, ``t_start_ms``, ``sampling_period_ms``, ``group``,
    ``timeseries``, ``channels``), ``provenance`` and ``design`` (JSON objects, as the NIX
    file's ``provenance_json``/``design_json``).  Span and sampling steps are kept in ms
    here, spike times in s with the corrections above, signals in their own unit: every
    number of the Recording comes back bit for bit.

``hhlif.analysis`` reads such a file (``load_spikes(x.nwb)``, ``hhlif analyze x.nwb``) into
the hhlif Neo format, with the trials, conditions, populations and neurons of the NIX file
of the same recording; see :mod:`hhlif.analysis.nwb`.

NWB or NIX.  Both are lossless and read by ``hhlif analyze``.  NIX (``write_nix``) is Neo's
own format: Elephant and Neo users open it with ``neo.io.NixIO`` and get annotated Neo
objects.  NWB is what other labs, DANDI and the NWB tools read; it is also the faster and
smaller choice for sampled signals (one 2-D dataset per variable, where NIX writes one
array per channel: 2,000 channels took 27 s to write as NIX, 1 s as NWB).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from hhlif.analysis.io import atomic_output, check_output
from hhlif.analysis.nwb import (CORRECTIONS_TABLE, HHLIF_MODULE, HHLIF_NWB_VERSION,
                                HHLIF_SCRATCH, hhlif_contents, hhlif_metadata, ms_to_seconds,
                                open_nwb)
from hhlif.protocols._version import __version__
from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal

__all__ = ["write_nwb", "read_nwb", "to_nwbfile", "NwbUnavailableError", "SI_UNITS"]

#: hhlif unit -> (NWB ``unit``, ``conversion`` to it) of the TimeSeries; any other unit is
#: written as it is, with conversion 1.
SI_UNITS = {
    "mV": ("volts", 1e-3),
    "V": ("volts", 1.0),
    "uA/cm**2": ("A/m^2", 1e-2),
    "nA": ("amperes", 1e-9),
    "pA": ("amperes", 1e-12),
    "ms": ("seconds", 1e-3),
}


class NwbUnavailableError(ImportError, ValueError):
    """pynwb is not installed (a ValueError too, so the command line reports it in one
    line)."""


def _pynwb():
    try:
        import pynwb
    except ImportError as err:
        raise NwbUnavailableError(
            f'NWB files need pynwb, which is not installed ({type(err).__name__}: {err});'
            f' pip install "hhlif[nwb]" (the nwb extra)') from None
    return pynwb


def _check(recording: Recording) -> None:
    for name, pop in recording.populations.items():
        n = int(pop.n_neurons)
        if np.shape(pop.trial) != (n,) or np.shape(pop.condition) != (n,):
            raise ValueError(f"population {name!r}: trial and condition need one value per"
                             f" neuron ({n}); got shapes {np.shape(pop.trial)},"
                             f" {np.shape(pop.condition)}")
        idx = np.asarray(pop.spike_indices)
        if np.shape(pop.spike_times) != idx.shape:
            raise ValueError(f"population {name!r}: {idx.size} spike indices but"
                             f" {np.size(pop.spike_times)} spike times")
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"population {name!r}: a spike of neuron {idx.max()}; expected"
                             f" neurons 0..{n - 1}")
        for sig in pop.signals.values():
            neurons = np.asarray(sig.neurons)
            if neurons.size and (neurons.min() < 0 or neurons.max() >= n):
                raise ValueError(f"population {name!r}: signal {sig.name!r} records neuron"
                                 f" {neurons.max()}; expected neurons 0..{n - 1}")
            if np.ndim(sig.values) != 2 or np.shape(sig.values)[1] != neurons.size:
                raise ValueError(f"population {name!r}: signal {sig.name!r} has values of"
                                 f" shape {np.shape(sig.values)}; expected (samples,"
                                 f" {neurons.size} channels)")


def _plain(value):
    """A NumPy scalar as the Python number it is (JSON writes those exactly)."""
    return value.item() if isinstance(value, np.generic) else value


def _text(values) -> np.ndarray:
    """Strings as an object array (an HDF5 variable-length string dataset)."""
    return np.asarray(values, dtype=object)


def _ints(arrays) -> np.ndarray:
    return np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, np.int64)


def _series_name(variable: str, population: str, taken: set) -> str:
    base = f"{variable}_{population}".replace("/", "_").replace(":", "_")
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def to_nwbfile(recording: Recording, *, session_start_time: datetime | None = None,
               identifier: str | None = None):
    """The ``pynwb.NWBFile`` of a Recording (the layout of this module's docstring).

    Parameters
    ----------
    recording : Recording
    session_start_time : datetime, optional
        The reference of all times (default: now, UTC); a simulation starts at 0 s.
    identifier : str, optional
        Default a new UUID.
    """
    _pynwb()
    from hdmf.common import DynamicTable, DynamicTableRegion, ElementIdentifiers, VectorData
    from hdmf.common import VectorIndex
    from pynwb import NWBFile, TimeSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.misc import Units

    _check(recording)
    pops = list(recording.populations.items())
    sizes = np.array([int(p.n_neurons) for _, p in pops], dtype=np.int64)
    first_rows = np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.int64)
    n_rows = int(sizes.sum())

    def ids(n):
        return ElementIdentifiers(name="id", data=np.arange(n, dtype=np.int64))

    trial_of = _ints([np.asarray(p.trial) for _, p in pops])
    condition_of = _ints([np.asarray(p.condition) for _, p in pops])

    # --- Units: one row per neuron, the ragged spike times built from arrays
    rows = np.concatenate([first + np.asarray(p.spike_indices, dtype=np.int64)
                           for first, (_, p) in zip(first_rows, pops)] or [np.zeros(0, np.int64)])
    times = np.concatenate([np.asarray(p.spike_times, dtype=np.float64) for _, p in pops]
                           or [np.zeros(0)])
    order = np.lexsort((times, rows))
    seconds, fix_at, fix_ms = ms_to_seconds(times[order])
    ends = np.cumsum(np.bincount(rows, minlength=n_rows)).astype(np.int64)
    spike_times = VectorData(name="spike_times", data=seconds,
                             description="spike times in s (ms / 1000); the exact ms:"
                                         f" processing/{HHLIF_MODULE}/{CORRECTIONS_TABLE}")
    units = None
    if n_rows:
        units = Units(name="units", id=ids(n_rows), description=(
            "hhlif model neurons: one row per neuron of every population, trials and"
            " conditions being copies of the neurons"), columns=[
            spike_times,
            VectorIndex(name="spike_times_index", data=ends, target=spike_times),
            VectorData(name="population", description="population (NeuronGroup) name",
                       data=_text(np.repeat([name for name, _ in pops], sizes))),
            VectorData(name="neuron", description="index of the neuron within its population",
                       data=_ints([np.arange(n, dtype=np.int64) for n in sizes])),
            VectorData(name="trial", description="trial of the neuron's copy",
                       data=trial_of),
            VectorData(name="condition", description="condition of the neuron's copy",
                       data=condition_of),
            VectorData(name="model", description="neuron model",
                       data=_text(np.repeat([p.model for _, p in pops], sizes)))])

    # --- trials: one row per (trial, condition) copy, in (condition, trial) order
    pairs = np.unique(np.stack([condition_of, trial_of], axis=1), axis=0)
    trials = None
    if pairs.size:
        n = len(pairs)
        cond = pairs[:, 0]
        trials = TimeIntervals(name="trials", id=ids(n), description=(
            "one row per (trial, condition) copy of the neurons; all span the recording"),
            columns=[
            VectorData(name="start_time", description="start (s)",
                       data=np.full(n, float(recording.t_start) / 1000.0)),
            VectorData(name="stop_time", description="stop (s)",
                       data=np.full(n, float(recording.t_stop) / 1000.0)),
            VectorData(name="trial", description="trial number", data=pairs[:, 1]),
            VectorData(name="condition", description="condition number", data=cond),
            VectorData(name="condition_label", description="condition label", data=_text(
                [str(recording.condition_labels.get(c, "")) for c in cond.tolist()]))])

    now = session_start_time or datetime.now(timezone.utc)
    nwbfile = NWBFile(
        session_description=(f"hhlif simulation: protocol {recording.protocol!r}, model"
                             f" {recording.model!r}, {recording.t_stop - recording.t_start:g}"
                             f" ms"),
        identifier=identifier or str(uuid.uuid4()), session_start_time=now,
        timestamps_reference_time=now, units=units, trials=trials,
        notes=(f"written by hhlif {__version__}; the recording's metadata (span in ms,"
               f" provenance, design) is the JSON of scratch/{HHLIF_SCRATCH}"))
    module = nwbfile.create_processing_module(
        HHLIF_MODULE, "hhlif's tables: the neuron of each signal channel, the exact ms of"
                      " spike times")
    module.add(DynamicTable(
        name=CORRECTIONS_TABLE, id=ids(fix_at.size),
        description="spikes whose time in ms is not spike_times * 1000 (rounding): position"
                    " in units/spike_times and exact ms",
        columns=[VectorData(name="spike", description="position in units/spike_times",
                            data=fix_at),
                 VectorData(name="time_ms", description="exact spike time (ms)",
                            data=fix_ms)]))

    # --- signals
    taken: set = set()
    signal_meta = []
    for first, (pname, pop) in zip(first_rows, pops):
        for sig in pop.signals.values():
            neurons = np.asarray(sig.neurons, dtype=np.int64)
            series = _series_name(sig.name, pname, taken)
            group = "stimulus" if sig.name == "I_input" else "acquisition"
            nwb_unit, conversion = SI_UNITS.get(sig.unit, (sig.unit or "n.a.", 1.0))
            ts = TimeSeries(
                name=series, data=np.asarray(sig.values), unit=nwb_unit,
                conversion=conversion, starting_time=float(sig.t_start) / 1000.0,
                rate=1000.0 / float(sig.sampling_period),
                description=(f"{sig.name} of population {pname!r}"
                             f"{' (the applied stimulus)' if group == 'stimulus' else ''}:"
                             f" samples x channels, channel k is neuron"
                             f" processing/{HHLIF_MODULE}/channels_{series}[k]"),
                comments=f"hhlif unit {sig.unit!r} (data in that unit; x conversion = SI)")
            if group == "stimulus":
                nwbfile.add_stimulus(ts)
            else:
                nwbfile.add_acquisition(ts)
            module.add(DynamicTable(
                name=f"channels_{series}", id=ids(neurons.size),
                description=f"the neuron of each channel of {group}/{series}",
                columns=[VectorData(name="neuron", data=neurons,
                                    description=f"index within population {pname!r}"),
                         DynamicTableRegion(name="unit", data=first + neurons, table=units,
                                            description="the neuron's row of the Units table")]))
            signal_meta.append({"population": pname, "variable": sig.name, "unit": sig.unit,
                                "t_start_ms": _plain(sig.t_start),
                                "sampling_period_ms": _plain(sig.sampling_period),
                                "group": group, "timeseries": series,
                                "channels": f"channels_{series}"})

    meta = {
        "hhlif_nwb": HHLIF_NWB_VERSION,
        "protocol": recording.protocol, "model": recording.model,
        "t_start_ms": _plain(recording.t_start), "t_stop_ms": _plain(recording.t_stop),
        "simulated_ms": _plain(recording.simulated_ms),
        "condition_labels": [[int(k), str(v)] for k, v in recording.condition_labels.items()],
        "populations": [{"name": name, "model": p.model, "n_neurons": int(n),
                         "first_row": int(first)}
                        for first, n, (name, p) in zip(first_rows, sizes, pops)],
        "signals": signal_meta,
        "provenance": recording.provenance,
        "design": recording.design,
    }
    nwbfile.add_scratch(json.dumps(meta, sort_keys=True), name=HHLIF_SCRATCH,
                        description="hhlif recording metadata (JSON): layout version, span in"
                                    " ms, populations, signals, provenance, design")
    return nwbfile


def write_nwb(recording: Recording, path, force: bool = False) -> Path:
    """Write ``recording`` to an NWB file atomically; an existing file needs ``force``.

    Raises
    ------
    NwbUnavailableError
        pynwb is not installed (``pip install "hhlif[nwb]"``).
    OutputExistsError
        ``path`` exists and ``force`` is false (the file is left untouched).
    """
    pynwb = _pynwb()
    check_output(path, force)          # before any work
    nwbfile = to_nwbfile(recording)

    def _write(tmp):
        with pynwb.NWBHDF5IO(tmp, "w") as io:
            io.write(nwbfile)

    return atomic_output(path, _write, force=force)


def read_nwb(path) -> Recording:
    """Read an NWB file written by :func:`write_nwb` into a :class:`Recording` (exactly).

    Raises
    ------
    NwbUnavailableError
        pynwb is not installed.
    FileNotFoundError, ValueError
        A missing file, one pynwb cannot read, or one not written by hhlif (read such a
        file with ``hhlif.analysis.load_spikes``).
    """
    _pynwb()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file {str(path)!r} does not exist")
    with open_nwb(path) as nwbfile:  # one line naming the file for one it cannot read
        if hhlif_metadata(nwbfile, str(path)) is None:
            raise ValueError(f"input file {str(path)!r} was not written by hhlif (no scratch"
                             f" entry {HHLIF_SCRATCH!r}); analyse it with"
                             f" hhlif.analysis.load_spikes instead")
        contents = hhlif_contents(nwbfile, str(path))
    meta = contents["meta"]
    populations = {}
    for name, p in contents["populations"].items():
        signals = {var: Signal(var, s["unit"], s["t_start"], s["sampling_period"], s["values"],
                               s["neurons"]) for var, s in p["signals"].items()}
        populations[name] = PopulationData(name, p["model"], p["n_neurons"],
                                           p["spike_indices"], p["spike_times"], p["trial"],
                                           p["condition"], signals)
    return Recording(populations=populations, t_start=meta["t_start_ms"],
                     t_stop=meta["t_stop_ms"],
                     condition_labels={int(k): str(v) for k, v in meta["condition_labels"]},
                     protocol=meta["protocol"], model=meta["model"],
                     provenance=meta["provenance"], simulated_ms=meta["simulated_ms"],
                     design=meta["design"])
