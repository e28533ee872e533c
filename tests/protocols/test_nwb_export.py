"""NWB export beside NIX: exact round trip, a valid NWB file that plain pynwb reads, atomic
writes that never overwrite without force, and the analysis reading the NWB file exactly as
the NIX file of the same recording."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pynwb = pytest.importorskip("pynwb")

from hhlif.analysis import load_spikes, summarize  # noqa: E402
from hhlif.analysis.errors import OutputExistsError  # noqa: E402
from hhlif.analysis.nwb import CORRECTIONS_TABLE, HHLIF_MODULE, HHLIF_SCRATCH  # noqa: E402
from hhlif.protocols.recordings import (PopulationData, Recording, Signal, read_nix,  # noqa: E402
                                        write_nix)
from hhlif.protocols.recordings.nwb import NwbUnavailableError, read_nwb, write_nwb  # noqa: E402
from hhlif.protocols.recordings.recording import _diff  # noqa: E402

FOREIGN = Path(__file__).resolve().parents[2] / "data" / "interop" / "pynwb_units_trials.nwb"


def _population(rng, name, model, trial, condition, rate, signals=()):
    """Spikes sorted by time then neuron (Brian2's order), times on a 0.001 ms grid (so that
    some of them do not survive ms -> s -> ms by arithmetic alone); every 7th neuron silent."""
    n = trial.size
    counts = rng.poisson(rate, n)
    counts[::7] = 0
    idx = np.repeat(np.arange(n), counts)
    times = np.round(rng.uniform(0.0, 200.0, idx.size), 3)
    order = np.lexsort((idx, times))
    sigs = {}
    for var, unit in signals:
        neurons = np.array([0, 3, n - 1], dtype=np.int64)
        sigs[var] = Signal(var, unit, 0.0, 0.1, rng.normal(-60.0, 5.0, (400, neurons.size)),
                           neurons)
    return PopulationData(name, model, n, idx[order].astype(np.int64), times[order],
                          trial.astype(np.int64), condition.astype(np.int64), sigs)


def _blocks(trials, conditions, per):
    """(trial, condition) of neurons laid out as hhlif runs them: contiguous copies."""
    trial = np.repeat(np.tile(np.arange(trials), conditions), per)
    condition = np.repeat(np.repeat(np.arange(conditions), trials), per)
    return trial, condition


@pytest.fixture(scope="module")
def recording():
    rng = np.random.default_rng(7)
    # 'exc': 70 neurons per (trial, condition) copy (packed in the Block), 'inh': 2 per copy
    # (one train per neuron), 'mixed': trials and conditions interleaved neuron by neuron
    exc = _population(rng, "exc", "lif", *_blocks(2, 3, 70), 3.0,
                      signals=[("v", "mV"), ("I_input", "uA/cm**2")])
    inh = _population(rng, "inh", "hh", *_blocks(2, 3, 2), 5.0)
    k = np.arange(12)
    mixed = _population(rng, "mixed", "hh", k % 2, (k // 2) % 3, 2.0,
                        signals=[("I_input", "uA/cm**2")])
    provenance = {"hhlif_version": "test", "protocol": {"dt": 0.01, "seed": 3, "trials": 2},
                  "nested": {"a": [1, 2.5, None, "x"], "b": {"c": True}},
                  "float": 0.1 + 0.2, "populations_order": ["exc", "inh", "mixed"]}
    design = {"trials": 2, "time_varying_stimulus": False,
              "conditions": {"names": ["amplitude"], "values": {"amplitude": [1.5, 3.0, 4.5]},
                             "units": {"amplitude": "uA/cm**2"}}}
    return Recording({"exc": exc, "inh": inh, "mixed": mixed}, 0.0, 200.0,
                     {0: "amplitude=1.5", 1: "amplitude=3", 2: "amplitude=4.5"}, "custom",
                     "lif", provenance, simulated_ms=200.0, design=design)


@pytest.fixture(scope="module")
def files(recording, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nwb")
    return write_nwb(recording, folder / "r.nwb"), write_nix(recording, folder / "r.nix")


def test_round_trip_is_exact(recording, files):
    back = read_nwb(files[0])
    assert _diff(recording, back) is None and back.equals(recording)
    for name, pop in recording.populations.items():  # bit for bit, not only ==
        assert back.populations[name].spike_times.tobytes() == pop.spike_times.tobytes()
    assert back.provenance == recording.provenance and back.design == recording.design
    assert back.simulated_ms == 200.0 and list(back.populations) == ["exc", "inh", "mixed"]
    assert back.populations["exc"].signals["v"].unit == "mV"
    assert back.populations["mixed"].signals["I_input"].neurons.tolist() == [0, 3, 11]
    assert back.populations["exc"].spike_counts()[::7].sum() == 0        # silent neurons kept


def test_ms_are_restored_exactly_where_seconds_would_not(recording, files):
    """The file stores s (NWB's unit); the spikes whose ms do not come back as s * 1000 are
    listed with their exact ms, and there are some in this recording."""
    times = np.concatenate([p.spike_times for p in recording.populations.values()])
    lost = np.count_nonzero(times / 1000.0 * 1000.0 != times)
    assert lost > 0
    with pynwb.NWBHDF5IO(str(files[0]), "r") as io:
        f = io.read()
        fixes = f.processing[HHLIF_MODULE][CORRECTIONS_TABLE]
        flat = np.asarray(f.units["spike_times"].target.data[:])
        at = np.asarray(fixes["spike"].data[:])
        exact = np.asarray(fixes["time_ms"].data[:])
    assert len(at) == lost
    np.testing.assert_array_equal(flat[at] * 1000.0 != exact, True)


def test_the_file_passes_the_nwb_validator(files):
    assert list(pynwb.validate(path=str(files[0]))) == []


def test_no_overwrite_without_force(recording, tmp_path):
    path = write_nwb(recording, tmp_path / "r.nwb")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="exists"):
        write_nwb(recording, path)
    assert path.read_bytes() == before
    write_nwb(recording, path, force=True)
    assert path.read_bytes() != before                       # a new file (new identifier)
    assert [p.name for p in tmp_path.iterdir()] == ["r.nwb"]  # no temporary left behind
    assert read_nwb(path).equals(recording)


def test_plain_pynwb_reads_units_trials_and_signals_without_hhlif(recording, files):
    code = (
        "import sys; sys.modules['hhlif'] = None\n"  # make any hhlif import fail
        "import json, pynwb, numpy as np\n"
        f"with pynwb.NWBHDF5IO({str(files[0])!r}, 'r') as io:\n"
        "    f = io.read(); u = f.units.to_dataframe(); t = f.trials.to_dataframe()\n"
        "    v = f.acquisition['v_exc']\n"
        "    print(json.dumps({'columns': list(f.units.colnames), 'rows': len(u),\n"
        "        'population': u['population'].tolist(), 'neuron': u['neuron'].tolist(),\n"
        "        'trial': u['trial'].tolist(), 'condition': u['condition'].tolist(),\n"
        "        'model': u['model'].tolist(), 'spikes': [list(s) for s in u['spike_times']],\n"
        "        'trials': t[['trial', 'condition', 'condition_label']].values.tolist(),\n"
        "        'v_unit': v.unit, 'v_conversion': float(v.conversion), 'v_rate': v.rate,\n"
        "        'stimulus': sorted(f.stimulus),\n"
        f"        'meta': json.loads(f.scratch[{HHLIF_SCRATCH!r}].data)['simulated_ms']}}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert {"spike_times", "population", "neuron", "trial", "condition", "model"} <= \
        set(info["columns"])
    pops = list(recording.populations.values())
    assert info["rows"] == sum(p.n_neurons for p in pops)
    assert info["population"] == [p.name for p in pops for _ in range(p.n_neurons)]
    assert info["model"] == [p.model for p in pops for _ in range(p.n_neurons)]
    assert info["neuron"] == [k for p in pops for k in range(p.n_neurons)]
    assert info["trial"] == [int(t) for p in pops for t in p.trial]
    assert info["condition"] == [int(c) for p in pops for c in p.condition]
    expected = [p.spike_times_of(k) / 1000.0 for p in pops for k in range(p.n_neurons)]
    for got, want in zip(info["spikes"], expected):
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)       # seconds
    assert info["trials"][:3] == [[0, 0, "amplitude=1.5"], [1, 0, "amplitude=1.5"],
                                  [0, 1, "amplitude=3"]]
    assert (info["v_unit"], info["v_rate"]) == ("volts", 10000.0)
    assert info["v_conversion"] == pytest.approx(1e-3)
    assert info["stimulus"] == ["I_input_exc", "I_input_mixed"] and info["meta"] == 200.0


def test_load_spikes_of_nwb_equals_that_of_nix(files):
    nwb, nix = load_spikes(files[0]), load_spikes(files[1])
    assert nwb.annotations["hhlif"] and nwb.annotations["identity"]["rule"] == "hhlif"
    assert nwb.n_neurons == nix.n_neurons == 420 + 12 + 12
    for name in ("indices", "trial", "condition", "population", "local_index", "unit"):
        np.testing.assert_array_equal(getattr(nwb, name), getattr(nix, name), err_msg=name)
    assert nwb.times.tobytes() == nix.times.tobytes()
    assert (nwb.t_start, nwb.t_stop) == (nix.t_start, nix.t_stop)
    assert nwb.condition_labels == nix.condition_labels
    for key in ("provenance", "design_json", "simulated_ms", "protocol", "model"):
        assert nwb.annotations[key] == nix.annotations[key], key


def _plain(annotations):
    return {k: v for k, v in annotations.items() if k != "nix_name"}   # NIX's own object id


def test_the_block_is_the_one_of_the_nix_file(files):
    """The NWB file is read into the Block of hhlif's Neo format that the NIX file holds:
    the same annotations, segments, trains and signals."""
    from hhlif.analysis import read_neo_file

    (nwb,), (nix,) = read_neo_file(files[0]), read_neo_file(files[1])
    assert _plain(nwb.annotations) == _plain(nix.annotations)
    assert len(nwb.segments) == len(nix.segments)
    for a, b in zip(nwb.segments, nix.segments):
        assert (a.name, _plain(a.annotations)) == (b.name, _plain(b.annotations))
        assert [t.name for t in a.spiketrains] == [t.name for t in b.spiketrains]
        for x, y in zip(a.spiketrains, b.spiketrains):
            assert _plain(x.annotations) == _plain(y.annotations)
            assert x.tobytes() == y.tobytes() and x.units == y.units
            assert (x.t_start, x.t_stop) == (y.t_start, y.t_stop)
            assert sorted(x.array_annotations) == sorted(y.array_annotations)
            for key in x.array_annotations:
                np.testing.assert_array_equal(x.array_annotations[key], y.array_annotations[key])
        assert [s.name for s in a.analogsignals] == [s.name for s in b.analogsignals]
        for x, y in zip(a.analogsignals, b.analogsignals):
            assert _plain(x.annotations) == _plain(y.annotations)
            np.testing.assert_array_equal(x.magnitude, y.magnitude)
            assert (x.units, x.t_start, x.sampling_period) == (y.units, y.t_start,
                                                                 y.sampling_period)
            for key in x.array_annotations:
                np.testing.assert_array_equal(x.array_annotations[key], y.array_annotations[key])


def test_summarize_of_nwb_equals_that_of_nix(files):
    a, b = summarize(files[0]), summarize(files[1])
    assert a.n_spikes > 0 and a.fano_mean is not None and a.correlation_mean is not None
    # all but the file's name and NIX's own block id (annotations 'source', 'nix_name')
    drop = {"annotations": {"source": None, "nix_name": None}}
    for key in ("annotations",):
        x, y = dict(getattr(a, key)), dict(getattr(b, key))
        for k in drop[key]:
            x.pop(k, None), y.pop(k, None)
        assert x == y
    assert dataclasses.replace(a, annotations={}) == dataclasses.replace(b, annotations={})


def test_read_nwb_refuses_other_files(tmp_path):
    with pytest.raises(ValueError, match="not written by hhlif"):
        read_nwb(FOREIGN)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_nwb(tmp_path / "missing.nwb")
    bad = tmp_path / "bad.nwb"
    bad.write_text("not an HDF5 file")
    with pytest.raises(ValueError, match="cannot be opened as an NWB file"):
        read_nwb(bad)


def test_the_foreign_reader_is_unchanged_for_other_files():
    data = load_spikes(FOREIGN)
    assert not data.annotations["hhlif"] and data.annotations["nwb_source"]


def test_empty_and_single_neuron_copies(tmp_path):
    """No spike at all; one neuron per (trial, condition) (one Segment each)."""
    n = 5
    quiet = PopulationData("neurons", "hh", n, np.zeros(0, np.int64), np.zeros(0),
                           np.zeros(n, np.int64), np.arange(n), {})
    rec = Recording({"neurons": quiet}, 0.0, 50.0, {k: f"c{k}" for k in range(n)}, "custom",
                    "hh", {})
    path = write_nwb(rec, tmp_path / "q.nwb")
    assert read_nwb(path).equals(rec) and list(pynwb.validate(path=str(path))) == []
    data = load_spikes(path)
    assert data.n_spikes == 0 and data.condition.tolist() == list(range(n))
    nix = load_spikes(write_nix(rec, tmp_path / "q.nix"))
    np.testing.assert_array_equal(data.local_index, nix.local_index)
    assert read_nix(tmp_path / "q.nix").equals(read_nwb(path))


def test_without_pynwb_the_message_names_the_extra(recording, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pynwb", None)          # import pynwb -> ImportError
    for call in (lambda: write_nwb(recording, tmp_path / "x.nwb"),
                 lambda: read_nwb(FOREIGN)):
        with pytest.raises(NwbUnavailableError, match=r'pip install "hhlif\[nwb\]"') as info:
            call()
        assert "\n" not in str(info.value)
        assert isinstance(info.value, ImportError) and isinstance(info.value, ValueError)
    assert not (tmp_path / "x.nwb").exists()


def test_the_package_exports_the_functions():
    import hhlif.protocols as facade
    import hhlif.protocols.recordings as recordings

    assert facade.write_nwb is write_nwb and facade.read_nwb is read_nwb
    assert recordings.write_nwb is write_nwb and "write_nwb" in facade.__all__


@pytest.mark.slow
def test_a_simulated_recording_round_trips(tmp_path):
    """A Brian2 run (runtime backend): exact, valid, and its spike times (step * dt) need no
    correction."""
    from brian2 import cm, ms, uA

    from hhlif.protocols import Protocol, run, stimuli

    protocol = Protocol(model="lif", stimulus=stimuli.Constant(2 * uA / cm**2),
                        duration=20 * ms, conditions={"amplitude": [1.5, 3, 6] * uA / cm**2},
                        trials=2, record_neurons="all")
    rec = run(protocol, backend="runtime")
    path = write_nwb(rec, tmp_path / "run.nwb")
    assert read_nwb(path).equals(rec) and list(pynwb.validate(path=str(path))) == []
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        assert len(io.read().processing[HHLIF_MODULE][CORRECTIONS_TABLE]) == 0
    nix = load_spikes(write_nix(rec, tmp_path / "run.nix"))
    nwb = load_spikes(path)
    np.testing.assert_array_equal(nwb.indices, nix.indices)
    assert nwb.times.tobytes() == nix.times.tobytes()
