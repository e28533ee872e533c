"""Recording ⇄ ``neo.Block`` ⇄ NIX file, in the hhlif Neo format.

The format (Block, Segment and SpikeTrain annotations, packed trains) is defined once, in
:mod:`hhlif.analysis.neo_format`, which this writer, the analysis readers and the test
fixtures all use.  Packed trains are the default for more than :data:`PACK_THRESHOLD`
neurons per segment: 10,000 separate trains take minutes to write, one packed train a
fraction of a second.  The Recording's own numbers are stored (ms, mV, µA/cm²), so the
round trip is exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hhlif.analysis import neo_format as fmt
from hhlif.analysis.io import atomic_output
from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal

__all__ = ["to_neo", "from_neo", "write_nix", "read_nix", "PACK_THRESHOLD"]

#: Populations with more neurons than this per segment are exported packed by default.
PACK_THRESHOLD = 64


def to_neo(recording: Recording, packed: bool | None = None):
    """Convert a :class:`Recording` to a ``neo.Block``.

    Parameters
    ----------
    packed : bool, optional
        Force packed (True) or per-neuron (False) spike trains; default: packed when a
        segment holds more than :data:`PACK_THRESHOLD` neurons of a population.
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
    t_start = recording.t_start * pq.ms
    t_stop = recording.t_stop * pq.ms
    pairs = sorted({(int(c), int(t)) for pop in recording.populations.values()
                    for t, c in zip(pop.trial, pop.condition)})
    for condition, trial in pairs:
        seg = neo.Segment(name=f"trial {trial} condition {condition}",
                          **fmt.segment_annotations(
                              trial, condition, recording.condition_labels.get(condition, "")))
        block.segments.append(seg)
        for name, pop in recording.populations.items():
            members = np.flatnonzero((pop.trial == trial) & (pop.condition == condition))
            if not members.size:
                continue
            mask = np.isin(pop.spike_indices, members)
            idx, times = pop.spike_indices[mask], pop.spike_times[mask]
            pack = packed if packed is not None else members.size > PACK_THRESHOLD
            common = dict(population=name, model=pop.model, trial=trial, condition=condition)
            if pack:
                if not np.array_equal(members, np.arange(members[0], members[-1] + 1)):
                    raise ValueError(f"population {name!r}: neurons of trial {trial} condition"
                                     f" {condition} are not contiguous; cannot pack")
                seg.spiketrains.append(fmt.packed_train(
                    times, idx, members[0], members[-1] + 1, t_start, t_stop,
                    name=f"{name} neurons {members[0]}-{members[-1]}", **common))
            else:
                order = np.argsort(idx, kind="stable")
                idx, times = idx[order], times[order]
                bounds = np.searchsorted(idx, members), np.searchsorted(idx, members, side="right")
                for neuron, lo, hi in zip(members, *bounds):
                    seg.spiketrains.append(fmt.neuron_train(
                        times[lo:hi], neuron, t_start, t_stop, name=f"{name} neuron {neuron}",
                        **common))
            for sig in pop.signals.values():
                channels = np.flatnonzero(np.isin(sig.neurons, members))
                if not channels.size:
                    continue
                units = "dimensionless" if sig.unit in ("", "1", "dimensionless") else sig.unit
                asig = neo.AnalogSignal(sig.values[:, channels], units=units,
                                        t_start=sig.t_start * pq.ms,
                                        sampling_period=sig.sampling_period * pq.ms,
                                        name=sig.name, population=name, variable=sig.name,
                                        unit_string=sig.unit, **{k: v for k, v in common.items()
                                                                 if k != "population"})
                asig.array_annotations = {"neuron": sig.neurons[channels].astype(np.int64)}
                seg.analogsignals.append(asig)
    return block


def from_neo(block) -> Recording:
    """Rebuild a :class:`Recording` from a Block written by :func:`to_neo`.

    Raises
    ------
    ValueError
        If the block was not written by hhlif (no ``hhlif_format`` annotation).
    """
    ann = block.annotations
    if fmt.FORMAT_ANNOTATION not in ann:
        raise ValueError("this Neo block was not written by hhlif (no 'hhlif_format'"
                         " annotation); analyse it with hhlif.analysis instead")
    provenance = json.loads(ann.get("provenance_json", "{}"))
    spikes: dict[str, list] = {}
    labels: dict[str, dict] = {}
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
            t_start = float(st.t_start.rescale("ms").magnitude)
            t_stop = float(st.t_stop.rescale("ms").magnitude)
            times = np.asarray(st.rescale("ms").magnitude, dtype=float)
            if bool(a.get("packed", False)):
                start, stop, idx = fmt.packed_fields(st)
                neurons = np.arange(start, stop)
            else:
                neurons = np.array([int(a["neuron"])])
                idx = np.full(len(times), neurons[0], dtype=np.int64)
            spikes.setdefault(name, []).append((idx, times))
            lab = labels.setdefault(name, {})
            for neuron in neurons:
                lab[int(neuron)] = (trial, condition)
        for asig in seg.analogsignals:
            name = str(asig.annotations["population"])
            var = str(asig.annotations["variable"])
            entry = signals.setdefault(name, {}).setdefault(var, {
                "unit": str(asig.annotations.get("unit_string", asig.units.dimensionality.string)),
                "t_start": float(asig.t_start.rescale("ms").magnitude),
                "sampling_period": float(asig.sampling_period.rescale("ms").magnitude),
                "values": [], "neurons": []})
            entry["values"].append(np.asarray(asig.magnitude))
            entry["neurons"].append(np.asarray(asig.array_annotations["neuron"], dtype=np.int64))
    populations = {}
    for name in spikes:
        lab = labels[name]
        n = max(lab) + 1
        trial = np.array([lab[k][0] for k in range(n)], dtype=np.int64)
        condition = np.array([lab[k][1] for k in range(n)], dtype=np.int64)
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


def write_nix(recording: Recording, path, *, force: bool = False, packed: bool | None = None) -> Path:
    """Write ``recording`` to a NIX file atomically; existing files need ``force``."""
    from neo.io import NixIO

    block = to_neo(recording, packed=packed)

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
