"""hhlif Neo format 2: a few NIX objects whatever the number of trials and conditions,
a lossless round trip, plain-Neo readability, format-1 files still read, and statistics of
a one-neuron-per-condition file that are per neuron."""

import json
import subprocess
import sys

import neo
import numpy as np
import pytest
import quantities as pq
from neo.io import NixIO

from hhlif.analysis import load_spikes, neo_format as fmt, summarize, unpack_spiketrains
from hhlif.analysis.errors import AnalysisInputError
from hhlif.protocols.recordings.neo import from_neo, read_nix, to_neo, write_nix
from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal, _diff


def _population(name, model, n_net, trials, conditions, rate, rng, signals=()):
    """Copies of a group as hhlif runs them: copy c is trial c % trials of condition
    c // trials; about a third of the neurons are silent."""
    copies = trials * conditions
    n = n_net * copies
    copy = np.repeat(np.arange(copies), n_net)
    counts = rng.poisson(rate, n) * (rng.uniform(size=n) > 0.3)
    idx = np.repeat(np.arange(n), counts)
    times = np.round(rng.uniform(0.0, 200.0, idx.size), 2)
    order = np.lexsort((idx, times))
    sigs = {}
    for var, unit, neurons in signals:
        neurons = np.asarray([k for k in neurons if k < n], dtype=np.int64)
        sigs[var] = Signal(var, unit, 0.0, 0.5, rng.normal(size=(40, neurons.size)), neurons)
    return PopulationData(name, model, n, idx[order].astype(np.int64), times[order],
                          (copy % trials).astype(np.int64), (copy // trials).astype(np.int64),
                          sigs)


def _recording(trials=3, conditions=2, seed=0):
    rng = np.random.default_rng(seed)
    exc = _population("exc", "lif", 4, trials, conditions, 6, rng,
                      signals=[("v", "mV", [0, 5, 13]), ("I_input", "uA/cm**2", [1])])
    inh = _population("inh", "hh", 2, trials, conditions, 4, rng,
                      signals=[("v", "mV", [3])])
    labels = {c: f"amplitude={c + 1}*uA/cm**2" for c in range(conditions)}
    design = {"conditions": {"names": ["amplitude"],
                             "values": {"amplitude": [c + 1.0 for c in range(conditions)]},
                             "units": {"amplitude": "uA/cm**2"}},
              "trials": trials, "frozen_stimulus": True, "time_varying_stimulus": False}
    return Recording({"exc": exc, "inh": inh}, 0.0, 200.0, labels, "custom", "ei",
                     {"seed": 1, "populations_order": ["exc", "inh"]}, simulated_ms=200.0,
                     design=design)


def _fi_curve(n, spikes=5, seed=0):
    """One neuron per condition, one trial, every neuron firing."""
    rng = np.random.default_rng(seed)
    idx = np.repeat(np.arange(n), spikes)
    times = np.round(rng.uniform(0.0, 100.0, idx.size), 2)
    order = np.lexsort((idx, times))
    pop = PopulationData("neurons", "hh", n, idx[order].astype(np.int64), times[order],
                         np.zeros(n, np.int64), np.arange(n, dtype=np.int64), {})
    return Recording({"neurons": pop}, 0.0, 100.0, {c: f"amplitude={c}" for c in range(n)},
                     "fi-curve", "hh", {"seed": 1}, simulated_ms=100.0)


def _v1_block(recording, packed):
    """A Block in format 1, as hhlif wrote it before format 2: one Segment per (trial,
    condition) pair, sorted by condition; per population and Segment a packed train or one
    train per neuron; signals split over the Segments."""
    block = neo.Block(name=f"hhlif {recording.protocol}", **fmt.block_annotations(
        recording.protocol, recording.model, json.dumps(recording.provenance, sort_keys=True),
        version=1))
    block.annotations["design_json"] = json.dumps(recording.design, sort_keys=True)
    block.annotations["simulated_ms"] = float(recording.simulated_ms)
    t0, t1 = recording.t_start * pq.ms, recording.t_stop * pq.ms
    pairs = sorted({(int(c), int(t)) for pop in recording.populations.values()
                    for t, c in zip(pop.trial, pop.condition)})
    for condition, trial in pairs:
        seg = neo.Segment(**fmt.segment_annotations(
            trial, condition, recording.condition_labels.get(condition, "")))
        block.segments.append(seg)
        for name, pop in recording.populations.items():
            members = np.flatnonzero((pop.trial == trial) & (pop.condition == condition))
            mask = np.isin(pop.spike_indices, members)
            idx, times = pop.spike_indices[mask], pop.spike_times[mask]
            common = dict(population=name, model=pop.model, trial=trial, condition=condition)
            if packed:
                seg.spiketrains.append(fmt.packed_train(times, idx, members[0], members[-1] + 1,
                                                        t0, t1, **common))
            else:
                for neuron in members:
                    seg.spiketrains.append(fmt.neuron_train(times[idx == neuron], neuron, t0, t1,
                                                            **common))
            for sig in pop.signals.values():
                channels = np.flatnonzero(np.isin(sig.neurons, members))
                if not channels.size:
                    continue
                asig = neo.AnalogSignal(sig.values[:, channels], units=sig.unit,
                                        t_start=sig.t_start * pq.ms,
                                        sampling_period=sig.sampling_period * pq.ms,
                                        variable=sig.name, unit_string=sig.unit, **common)
                asig.array_annotations = {"neuron": sig.neurons[channels].astype(np.int64)}
                seg.analogsignals.append(asig)
    return block


def _write_block(block, path):
    with NixIO(str(path), mode="ow") as io:
        io.write_block(block)
    return path


def _same_spike_data(a, b):
    assert (a.n_neurons, a.n_spikes) == (b.n_neurons, b.n_spikes)
    for attr in ("indices", "trial", "condition", "population", "local_index", "unit"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr), err_msg=attr)
    np.testing.assert_array_equal(a.times.magnitude, b.times.magnitude)
    assert a.t_start == b.t_start and a.t_stop == b.t_stop
    assert a.condition_labels == b.condition_labels


def test_format_2_round_trip_is_exact(tmp_path):
    """Several trials x conditions x populations, silent neurons, signals of a subset."""
    rec = _recording()
    assert _diff(rec, from_neo(to_neo(rec))) is None
    path = write_nix(rec, tmp_path / "r.nix")
    back = read_nix(path)
    assert _diff(rec, back) is None and back.equals(rec)
    assert back.populations["exc"].signals["v"].neurons.tolist() == [0, 5, 13]
    assert back.populations["inh"].signals["v"].unit == "mV"


def test_edge_cases_round_trip(tmp_path):
    """A population without spikes, one with a single spike, an unlabelled condition and
    neurons whose (trial, condition) labels interleave."""
    pops = {
        "silent": PopulationData("silent", "lif", 3, np.zeros(0, np.int64), np.zeros(0),
                                 np.zeros(3, np.int64), np.zeros(3, np.int64), {}),
        "one": PopulationData("one", "lif", 2, np.array([1]), np.array([4.5]),
                              np.zeros(2, np.int64), np.array([0, 1]), {}),
        "mixed": PopulationData("mixed", "hh", 5, np.array([4, 0, 2]), np.array([1.0, 2.0, 3.0]),
                                np.array([0, 1, 0, 1, 0]), np.array([1, 1, 0, 0, 1]), {}),
    }
    rec = Recording(pops, 0.0, 10.0, {0: "a"}, "custom", "lif", {})
    back = read_nix(write_nix(rec, tmp_path / "e.nix"))
    assert back.equals(rec), _diff(rec, back)
    data = load_spikes(str(tmp_path / "e.nix"))
    assert data.n_neurons == 10 and data.n_spikes == 4
    assert data.condition_labels == {0: "a", 1: ""}


@pytest.mark.parametrize("conditions", [2, 2000])
def test_the_number_of_objects_does_not_grow_with_conditions(conditions):
    block = to_neo(_recording(trials=1, conditions=conditions))
    assert len(block.segments) == 1
    seg = block.segments[0]
    assert [st.annotations["population"] for st in seg.spiketrains] == ["exc", "inh"]
    assert sorted((a.annotations["population"], a.annotations["variable"])
                  for a in seg.analogsignals) == [("exc", "I_input"), ("exc", "v"), ("inh", "v")]
    assert block.annotations[fmt.FORMAT_ANNOTATION] == 2
    assert "unpack_spiketrains" in block.annotations[fmt.LAYOUT_ANNOTATION]


@pytest.mark.parametrize("packed", [False, True])
def test_format_1_files_load_to_the_same_spike_data(tmp_path, packed):
    rec = _recording()
    v1 = _write_block(_v1_block(rec, packed), tmp_path / "v1.nix")
    v2 = write_nix(rec, tmp_path / "v2.nix")
    with NixIO(str(v1), mode="ro") as io:
        assert len(io.read_block().segments) == 6
    _same_spike_data(load_spikes(str(v1)), load_spikes(str(v2)))
    _same_spike_data(load_spikes(to_neo(rec)), load_spikes(str(v2)))
    assert read_nix(v1).equals(rec)
    data = load_spikes(str(v2))
    # the same neuron has the same identity in every trial
    assert data.n_units == 2 * (4 + 2) and data.n_neurons == 3 * 2 * (4 + 2)


def test_plain_neo_reads_format_2_and_unpack_gives_per_neuron_trains(tmp_path):
    rec = _recording()
    path = write_nix(rec, tmp_path / "r.nix")
    code = (
        "import sys; sys.modules['hhlif'] = None\n"  # make any hhlif import fail
        "import json, neo\n"
        "from neo.io import NixIO\n"
        f"io = NixIO({str(path)!r}, mode='ro'); b = io.read_block(); io.close()\n"
        "st = b.segments[0].spiketrains[0]\n"
        "print(json.dumps({'segments': len(b.segments), 'trains': len(b.segments[0].spiketrains),"
        " 'spikes': sum(len(t) for t in b.segments[0].spiketrains),"
        " 'note': b.annotations['layout_note'],"
        " 'runs': json.loads(st.annotations['neuron_runs_json'])[:2],"
        " 'neuron': [int(x) for x in st.array_annotations['neuron'][:3]]}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    exc = rec.populations["exc"]
    assert (info["segments"], info["trains"]) == (1, 2)
    assert info["spikes"] == sum(len(p.spike_times) for p in rec.populations.values())
    assert "load_spikes" in info["note"] and "unpack_spiketrains" in info["note"]
    assert info["runs"] == [[0, 4, 0, 0], [4, 8, 1, 0]]
    assert info["neuron"] == exc.spike_indices[:3].tolist()
    with NixIO(str(path), mode="ro") as io:
        train = io.read_block().segments[0].spiketrains[0]
    trains = unpack_spiketrains(train)
    assert len(trains) == exc.n_neurons
    for k in range(exc.n_neurons):
        np.testing.assert_array_equal(trains[k].magnitude, np.sort(exc.spike_times_of(k)))
        assert trains[k].annotations["neuron"] == k
        assert (trains[k].annotations["trial"], trains[k].annotations["condition"]) == \
            (exc.trial[k], exc.condition[k])
    assert fmt.RUNS_ANNOTATION not in trains[0].annotations


def test_fi_curve_file_gets_a_correlation_over_neurons(tmp_path):
    """2,000 conditions of one neuron each: the pairwise statistics use neurons of the first
    trial across conditions (and say so), not 'fewer than 2 active neurons'."""
    rec = _fi_curve(2000)
    path = write_nix(rec, tmp_path / "fi.nix")
    with NixIO(str(path), mode="ro") as io:
        assert len(io.read_block().segments) == 1
    data = load_spikes(str(path))
    assert data.n_neurons == 2000 and len(data.conditions) == 2000
    summary = summarize(data, max_pair_neurons=50)
    assert summary.n_correlation_neurons == 50
    assert summary.correlation_mean is not None and summary.synchrony is not None
    assert "correlation_mean" not in summary.undefined
    notes = summary.annotations["notes"]
    assert any("across conditions" in note for note in notes)
    assert any("across conditions" in value for label, value in summary.rows()
               if label == "note")
    assert "notes" not in data.annotations      # the summary's note, not the data's


def test_a_copy_with_several_neurons_keeps_the_first_copy_rule():
    data = load_spikes(to_neo(_recording()))
    summary = summarize(data)
    first = (data.trial == data.trial[0]) & (data.condition == data.condition[0])
    assert summary.n_correlation_neurons == int((data.counts()[first] > 0).sum())
    assert not any("across conditions" in n for n in summary.annotations.get("notes", []))


def test_unknown_version_and_bad_runs_are_refused():
    block = to_neo(_recording())
    block.annotations[fmt.FORMAT_ANNOTATION] = 3
    with pytest.raises(AnalysisInputError, match="hhlif_format=3 is not supported"):
        load_spikes(block)
    with pytest.raises(ValueError, match="hhlif_format=3"):
        from_neo(block)
    block = to_neo(_recording())
    block.segments[0].spiketrains[0].annotations[fmt.RUNS_ANNOTATION] = "[[0, 5, 0, 0]]"
    with pytest.raises(AnalysisInputError, match="do not cover neurons range"):
        load_spikes(block)


def test_runs_encode_any_labelling():
    rng = np.random.default_rng(3)
    trial, condition = rng.integers(0, 3, 500), rng.integers(0, 2, 500)
    back = fmt.decode_runs(fmt.encode_runs(trial, condition), 0, 500)
    np.testing.assert_array_equal(back[0], trial)
    np.testing.assert_array_equal(back[1], condition)
    assert json.loads(fmt.encode_runs(np.zeros(10**5), np.zeros(10**5))) == [[0, 10**5, 0, 0]]
