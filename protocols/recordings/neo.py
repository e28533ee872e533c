"""Recording ⇄ ``neo.Block`` ⇄ NIX file, in the hhlif Neo format (version 2).

The format is defined once, in :mod:`hhlif.analysis.neo_format`, which this writer, the
analysis readers and the test fixtures all use.  A Block holds a few objects whatever the
number of trials and conditions: one Segment; per population one packed SpikeTrain (the
neuron of each spike in ``array_annotations['neuron']``, the trial and condition of every
neuron as run-length JSON) and per population and variable one AnalogSignal with the
recorded neurons as channels.  NIX pays a fixed cost per object, so the old layout (one
Segment per (trial, condition)) took 4 minutes to write and 10 to read back for a
10,000-condition f-I curve that this one writes and reads in seconds (measurements in
:mod:`hhlif.analysis.neo_format`).  The Recording's own numbers are stored (ms, mV, µA/cm²) in
its own order, so the round trip is exact; files of format 1 (one Segment per (trial,
condition)) are still read by :func:`from_neo` and by hhlif.analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hhlif.analysis import neo_format as fmt
from hhlif.analysis.io import atomic_output
from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal

__all__ = ["to_neo", "from_neo", "write_nix", "read_nix"]


def to_neo(recording: Recording):
    """Convert a :class:`Recording` to a ``neo.Block`` (hhlif Neo format 2).

    One Segment; per population one packed SpikeTrain of all its spikes
    (:func:`hhlif.analysis.neo_format.population_train`) and per recorded variable one
    AnalogSignal whose channels are the recorded neurons (``array_annotations`` ``neuron``,
    ``trial``, ``condition``).  Vectorised: the cost does not grow with the number of
    trials or conditions.
    """
    import neo
    import quantities as pq

    block = neo.Block(name=f"hhlif {recording.protocol}", **fmt.block_annotations(
        recording.protocol, recording.model, json.dumps(recording.provenance, sort_keys=True)))
    if recording.design:
        # how the recording was made (hhlif.protocols.Protocol.design): analysis dispatches
        # on this, never on the protocol's name
        block.annotations["design_json"] = json.dumps(recording.design, sort_keys=True)
    if recording.simulated_ms is not None:
        # the simulated time the run reached: readers refuse a file whose run stopped early
        block.annotations["simulated_ms"] = float(recording.simulated_ms)
    block.annotations[fmt.LABELS_ANNOTATION] = fmt.encode_labels(recording.condition_labels)
    t_start = recording.t_start * pq.ms
    t_stop = recording.t_stop * pq.ms
    seg = fmt.recording_segment()
    block.segments.append(seg)
    for name, pop in recording.populations.items():
        trial = np.asarray(pop.trial, dtype=np.int64)
        condition = np.asarray(pop.condition, dtype=np.int64)
        seg.spiketrains.append(fmt.population_train(
            np.asarray(pop.spike_times, dtype=float), pop.spike_indices, pop.n_neurons, trial,
            condition, t_start, t_stop, name=name, population=name, model=pop.model))
        for sig in pop.signals.values():
            units = "dimensionless" if sig.unit in ("", "1", "dimensionless") else sig.unit
            neurons = np.asarray(sig.neurons, dtype=np.int64)
            asig = neo.AnalogSignal(sig.values, units=units, t_start=sig.t_start * pq.ms,
                                    sampling_period=sig.sampling_period * pq.ms,
                                    name=f"{name} {sig.name}", population=name,
                                    variable=sig.name, unit_string=sig.unit, model=pop.model)
            asig.array_annotations = {"neuron": neurons, "trial": trial[neurons],
                                      "condition": condition[neurons]}
            seg.analogsignals.append(asig)
    return block


def from_neo(block) -> Recording:
    """Rebuild a :class:`Recording` from a Block written by :func:`to_neo` (format 2) or by
    an earlier hhlif (format 1: one Segment per (trial, condition)).

    Raises
    ------
    ValueError
        If the block was not written by hhlif (no ``hhlif_format`` annotation) or by a
        version this one cannot read.
    """
    ann = block.annotations
    if fmt.FORMAT_ANNOTATION not in ann:
        raise ValueError("this Neo block was not written by hhlif (no 'hhlif_format'"
                         " annotation); analyse it with hhlif.analysis instead")
    version = int(ann[fmt.FORMAT_ANNOTATION])
    if version not in fmt.READABLE_VERSIONS:
        raise ValueError(f"hhlif_format={version}: this hhlif reads formats"
                         f" {fmt.READABLE_VERSIONS}; update hhlif to read the file")
    if version == 1:
        populations, condition_labels, t_start, t_stop = _v1_populations(block)
    else:
        populations, t_start, t_stop = _v2_populations(block)
        condition_labels = fmt.decode_labels(ann.get(fmt.LABELS_ANNOTATION, "{}"))
    provenance = json.loads(ann.get("provenance_json", "{}"))
    order = provenance.get("populations_order")
    if order:
        populations = {k: populations[k] for k in order if k in populations}
    return Recording(populations=populations, t_start=t_start, t_stop=t_stop,
                     condition_labels=dict(sorted(condition_labels.items())),
                     protocol=str(ann.get("protocol")), model=str(ann.get("model")),
                     provenance=provenance,
                     simulated_ms=(float(ann["simulated_ms"])
                                   if "simulated_ms" in ann else None),
                     design=json.loads(ann["design_json"]) if "design_json" in ann else {})


def _span_ms(train) -> tuple[float, float]:
    return (float(train.t_start.rescale("ms").magnitude),
            float(train.t_stop.rescale("ms").magnitude))


def _signal_meta(asig) -> dict:
    return {"unit": str(asig.annotations.get("unit_string", asig.units.dimensionality.string)),
            "t_start": float(asig.t_start.rescale("ms").magnitude),
            "sampling_period": float(asig.sampling_period.rescale("ms").magnitude)}


def _v2_populations(block) -> tuple[dict, float, float]:
    """Populations of a format-2 block: one packed train and one signal per variable."""
    populations = {}
    t_start = t_stop = None
    signals: dict[str, dict] = {}
    for seg in block.segments:
        for asig in seg.analogsignals:
            name, var = str(asig.annotations["population"]), str(asig.annotations["variable"])
            signals.setdefault(name, {})[var] = Signal(
                var, values=np.asarray(asig.magnitude),
                neurons=np.asarray(asig.array_annotations["neuron"], dtype=np.int64).reshape(-1),
                **_signal_meta(asig))
        for st in seg.spiketrains:
            name = str(st.annotations["population"])
            start, stop, idx = fmt.packed_fields(st)
            trial, condition = fmt.population_labels(st)
            t_start, t_stop = _span_ms(st)
            times = np.asarray(st.magnitude, dtype=float)
            if str(st.units.dimensionality) != "ms":
                times = np.asarray(st.rescale("ms").magnitude, dtype=float)
            populations[name] = PopulationData(name, str(st.annotations["model"]), stop, idx,
                                               times, trial, condition, {})
    for name, sigs in signals.items():
        populations[name].signals = sigs
    return populations, t_start, t_stop


def _v1_populations(block) -> tuple[dict, dict, float, float]:
    """Populations of a format-1 block (one Segment per (trial, condition))."""
    spikes: dict[str, list] = {}
    labels: dict[str, list] = {}
    signals: dict[str, dict] = {}
    models: dict[str, str] = {}
    condition_labels = {}
    t_start = t_stop = None
    for seg in block.segments:
        trial = int(seg.annotations["trial"])
        condition = int(seg.annotations["condition"])
        condition_labels[condition] = str(seg.annotations.get("condition_label", ""))
        for st in seg.spiketrains:
            a = st.annotations
            name = str(a["population"])
            models[name] = str(a["model"])
            t_start, t_stop = _span_ms(st)
            times = np.asarray(st.rescale("ms").magnitude, dtype=float)
            if bool(a.get("packed", False)):
                start, stop, idx = fmt.packed_fields(st)
                neurons = np.arange(start, stop)
            else:
                neurons = np.array([int(a["neuron"])])
                idx = np.full(len(times), neurons[0], dtype=np.int64)
            spikes.setdefault(name, []).append((idx, times))
            labels.setdefault(name, []).append((neurons, trial, condition))
        for asig in seg.analogsignals:
            name = str(asig.annotations["population"])
            var = str(asig.annotations["variable"])
            entry = signals.setdefault(name, {}).setdefault(var, {**_signal_meta(asig),
                                                                  "values": [], "neurons": []})
            entry["values"].append(np.asarray(asig.magnitude))
            entry["neurons"].append(np.asarray(asig.array_annotations["neuron"], dtype=np.int64))
    populations = {}
    for name in spikes:
        neurons = np.concatenate([lab[0] for lab in labels[name]]).astype(np.int64)
        sizes = [lab[0].size for lab in labels[name]]
        n = int(neurons.max()) + 1
        trial = np.zeros(n, np.int64)
        condition = np.zeros(n, np.int64)
        trial[neurons] = np.repeat([lab[1] for lab in labels[name]], sizes)
        condition[neurons] = np.repeat([lab[2] for lab in labels[name]], sizes)
        idx = np.concatenate([s[0] for s in spikes[name]])
        times = np.concatenate([s[1] for s in spikes[name]])
        order = np.lexsort((idx, times))
        sigs = {}
        for var, e in signals.get(name, {}).items():
            neurons = np.concatenate(e["neurons"])
            values = np.concatenate(e["values"], axis=1)
            order_n = np.argsort(neurons, kind="stable")
            sigs[var] = Signal(var, e["unit"], e["t_start"], e["sampling_period"],
                               values[:, order_n], neurons[order_n])
        populations[name] = PopulationData(name, models[name], n, idx[order], times[order],
                                           trial, condition, sigs)
    return populations, condition_labels, t_start, t_stop


def write_nix(recording: Recording, path, *, force: bool = False) -> Path:
    """Write ``recording`` to a NIX file atomically (hhlif Neo format 2); existing files
    need ``force``."""
    from neo.io import NixIO

    block = to_neo(recording)

    def _write(tmp):
        with NixIO(tmp, mode="ow") as io:
            io.write_block(block)

    return atomic_output(path, _write, force=force)


def read_nix(path) -> Recording:
    """Read a NIX file written by hhlif into a :class:`Recording`.

    Raises
    ------
    FileNotFoundError, ValueError
        For a missing file, or one that is not an hhlif NIX file.
    """
    from neo.io import NixIO

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file {str(path)!r} does not exist")
    try:
        with NixIO(str(path), mode="ro") as io:
            blocks = io.read_all_blocks()
    except Exception as exc:  # nixio/h5py raise many types for a non-NIX file
        raise ValueError(f"input file {str(path)!r} is not a readable NIX file ({type(exc).__name__}:"
                         f" {exc})") from None
    if not blocks:
        raise ValueError(f"input file {str(path)!r} holds no Neo block")
    return from_neo(blocks[0])
