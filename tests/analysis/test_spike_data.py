"""Tests of hhlif.analysis.spike_data: loading every input kind into SpikeData."""
import subprocess
import sys

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError, AnalysisWarning
from hhlif.analysis.spike_data import SpikeData, load_spikes, unpack_spiketrains


def _trains_per_segment(build, n_trials=3, n_neurons=7):
    return [build.poisson_trains(n_neurons, 30 * pq.Hz, 1 * pq.s, seed=s) for s in range(n_trials)]


def test_import_does_not_load_brian2_or_other_subpackages():
    code = ("import sys, hhlif.analysis; "
            "bad = [m for m in sys.modules if m.split('.')[0] == 'brian2' "
            "or m.startswith(('hhlif.models', 'hhlif.protocols'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("packed", [False, True])
def test_hhlif_block_packed_and_per_neuron_give_the_same_spikes(build, packed):
    segs = _trains_per_segment(build)
    data = load_spikes(build.hhlif_block(segs, packed=packed))
    assert data.n_neurons == 21 and data.annotations["protocol"] == "test-protocol"
    assert data.annotations["provenance"] == {"seed": 1}
    for k, train in enumerate(data.spiketrains()):
        trial, neuron = data.trial[k], data.local_index[k]
        expected = segs[trial][neuron].rescale(pq.s).magnitude
        np.testing.assert_allclose(train.magnitude, expected, rtol=1e-12)  # ms -> s rescale only
        assert train.annotations["population"] == "exc"
    assert sorted(set(data.trial.tolist())) == [0, 1, 2]
    assert data.condition_labels == {0: "c0"}


def test_packed_block_keeps_silent_neurons_and_unpack_matches(build):
    trains = build.poisson_trains(4, 30 * pq.Hz, 1 * pq.s, seed=3)
    trains.append(neo.SpikeTrain([] * pq.s, t_stop=1 * pq.s))  # silent neuron 4
    block = build.hhlif_block([trains], packed=True)
    data = load_spikes(block)
    assert data.n_neurons == 5 and data.counts()[4] == 0
    unpacked = unpack_spiketrains(block.segments[0].spiketrains[0])
    assert [len(t) for t in unpacked] == data.counts().tolist() == [len(t) for t in trains]
    assert [t.annotations["neuron"] for t in unpacked] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(unpacked[2].rescale(pq.s).magnitude, trains[2].magnitude,
                               rtol=1e-12)


def test_unpack_rejects_missing_annotations():
    train = neo.SpikeTrain([1, 2] * pq.ms, t_stop=5 * pq.ms, packed=True)
    with pytest.raises(AnalysisInputError, match="neuron_start"):
        unpack_spiketrains(train)


def test_hhlif_nix_round_trip_keeps_trials_conditions_and_labels(build, tmp_path):
    segs = _trains_per_segment(build, n_trials=4, n_neurons=3)
    block = build.hhlif_block(segs, packed=True, n_conditions=2, labels={0: "sine", 1: "square"})
    path = build.write_nix(block, tmp_path / "rec.nix")
    data = load_spikes(path)
    assert data.n_neurons == 12 and data.n_spikes == sum(len(t) for s in segs for t in s)
    assert data.condition_labels == {0: "sine", 1: "square"}
    assert sorted(set(zip(data.trial.tolist(), data.condition.tolist()))) == \
        [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_foreign_nix_uses_segment_as_trial(foreign_nix):
    data = load_spikes(foreign_nix)
    assert data.n_neurons == 10 and not data.annotations["hhlif"]
    assert data.trial.tolist() == [0] * 5 + [1] * 5
    assert data.local_index.tolist() == list(range(5)) * 2
    assert data.annotations["identity"]["rule"] == "name"


def test_unnamed_trains_are_paired_by_position_with_a_warning(build):
    block = neo.Block()
    for s in range(2):
        seg = neo.Segment()
        seg.spiketrains.extend(build.poisson_trains(4, 10 * pq.Hz, 1 * pq.s, seed=s))
        block.segments.append(seg)
    with pytest.warns(AnalysisWarning, match="position in each segment"):
        data = load_spikes(block)
    assert data.annotations["identity"]["rule"] == "position"
    assert data.local_index.tolist() == list(range(4)) * 2


def test_recording_like_object_is_converted_with_to_neo(build):
    block = build.hhlif_block(_trains_per_segment(build, 1), packed=False)

    class Recording:
        def to_neo(self):
            return block
    assert load_spikes(Recording()).n_neurons == 7


def test_segment_and_list_inputs():
    a = neo.SpikeTrain([1, 5] * pq.ms, t_stop=10 * pq.ms)
    b = neo.SpikeTrain([2] * pq.ms, t_stop=10 * pq.ms)
    seg = neo.Segment()
    seg.spiketrains.extend([a, b])
    for source in (seg, [a, b]):
        data = load_spikes(source)
        assert data.counts().tolist() == [2, 1]
        assert data.t_stop == 0.01 * pq.s


def test_different_spans_use_common_span_and_say_so():
    a = neo.SpikeTrain([1, 5] * pq.ms, t_start=0 * pq.ms, t_stop=10 * pq.ms)
    b = neo.SpikeTrain([12] * pq.ms, t_start=2 * pq.ms, t_stop=20 * pq.ms)
    data = load_spikes([a, b])
    assert float(data.t_start) == 0.0 and float(data.t_stop.rescale(pq.ms)) == pytest.approx(20)
    assert "different spans" in data.annotations["span_note"]


def test_select_and_by_trial(build):
    data = load_spikes(build.hhlif_block(_trains_per_segment(build), packed=True))
    one = data.select(trial=1)
    assert one.n_neurons == 7 and set(one.trial.tolist()) == {1}
    assert one.n_spikes == int(data.counts()[data.trial == 1].sum())
    assert sorted(data.by_trial()) == [0, 1, 2]
    with pytest.raises(AnalysisInputError, match=r"trial=9.*valid values: \[0, 1, 2\]"):
        data.select(trial=9)


@pytest.mark.parametrize("kwargs, match", [
    (dict(indices=[0, 3], times=[0.1, 0.2]), r"neuron id 3.*0\.\.1"),
    (dict(indices=[0, 1], times=[0.1, 2.0]), r"spike at 2\.0 s.*\[0\.0, 1\.0\]"),
    (dict(indices=[0], times=[0.1, 0.2]), "one time per spike"),
])
def test_spikedata_validates_itself(kwargs, match):
    with pytest.raises(AnalysisInputError, match=match):
        SpikeData(n_neurons=2, t_start=0 * pq.s, t_stop=1 * pq.s, **kwargs)


def test_bad_sources_give_clear_errors(tmp_path, build):
    with pytest.raises(AnalysisInputError, match="no such file"):
        load_spikes(tmp_path / "missing.nix")
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("this is not a recording\n\x00\x01 garbage")
    with pytest.raises(AnalysisInputError, match="garbage.txt"):
        load_spikes(garbage)
    unknown = tmp_path / "data.xyz"
    unknown.write_text("??")
    with pytest.raises(AnalysisInputError, match=r"data\.xyz.*not a format hhlif reads"):
        load_spikes(unknown)
    # a NIX file holding only an AnalogSignal
    block = neo.Block()
    seg = neo.Segment()
    block.segments.append(seg)
    seg.analogsignals.append(neo.AnalogSignal(np.zeros((10, 1)), units="mV",
                                              sampling_rate=1 * pq.kHz))
    path = build.write_nix(block, tmp_path / "signals.nix")
    with pytest.raises(AnalysisInputError, match=r"signals\.nix.*no SpikeTrain.*1 analog"):
        load_spikes(path)
    bad_nix = tmp_path / "bad.nix"
    bad_nix.write_text("not hdf5")
    with pytest.raises(AnalysisInputError, match=r"bad\.nix"):
        load_spikes(bad_nix)
    with pytest.raises(AnalysisInputError, match=r"source=\[\]"):
        load_spikes([])
    with pytest.raises(AnalysisInputError, match="type int"):
        load_spikes(3)


def test_empty_trains_load_as_silent_neurons():
    data = load_spikes([neo.SpikeTrain([] * pq.ms, t_stop=10 * pq.ms)] * 2)
    assert data.n_neurons == 2 and data.n_spikes == 0


def _lab_block(build):
    block = neo.Block(name="lab recording")
    for s in range(2):
        seg = neo.Segment(name=f"trial {s}")
        trains = build.poisson_trains(3, 15 * pq.Hz, 1 * pq.s, seed=30 + s)
        for i, train in enumerate(trains):
            train.name = f"cell {i}"          # how the lab names its neurons
        seg.spiketrains.extend(trains)
        block.segments.append(seg)
    return block


@pytest.mark.parametrize("suffix", [".mat", ".nix"])
def test_other_neo_formats_load_like_foreign_nix(suffix, build, tmp_path):
    """A user's recording in another safe format Neo writes (MATLAB via NeoMatlabIO) loads
    with the same spikes as the Block it holds."""
    block = _lab_block(build)
    path = tmp_path / f"lab{suffix}"
    io = neo.io.NeoMatlabIO(str(path)) if suffix == ".mat" else neo.io.NixIO(str(path), "ow")
    io.write_block(block)
    if suffix == ".nix":
        io.close()
    data = load_spikes(path)
    expected = [np.asarray(st.rescale("ms").magnitude) for seg in block.segments
                for st in seg.spiketrains]
    assert data.n_neurons == 6 and data.n_spikes == sum(len(t) for t in expected)
    assert data.trial.tolist() == [0] * 3 + [1] * 3
    for k, times in enumerate(expected):
        got = np.asarray(data.times.rescale("ms").magnitude)[np.asarray(data.indices) == k]
        np.testing.assert_allclose(np.sort(got), np.sort(times), rtol=0, atol=1e-9)


def test_plain_text_spike_trains_load(tmp_path):
    """One train per line of tab-separated spike times (Neo's AsciiSpikeTrainIO), in s."""
    path = tmp_path / "trains.txt"
    path.write_text("0.1\t0.5\t0.9\n0.2\t0.4\n")
    data = load_spikes(path)
    assert data.n_neurons == 2 and data.n_spikes == 5
    np.testing.assert_allclose(data.times.magnitude[data.indices == 1], [0.2, 0.4], rtol=1e-6)


class _Payload:
    """Unpickling this object creates the file ``marker`` (what an attacker's pickle could do)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name", ["evil.pkl", "evil.pickle", "EVIL.PKL", "evil.p"])
def test_a_pickle_is_refused_and_never_unpickled(name, tmp_path):
    import pickle

    from hhlif.analysis.errors import UnsafeFileError
    from hhlif.analysis.spike_data import read_neo_file

    marker = tmp_path / "created_by_the_pickle"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(_Payload(marker)))
    for reader in (load_spikes, read_neo_file):
        with pytest.raises(UnsafeFileError, match=r"pickle .*runs code.*convert it to NIX") as err:
            reader(path)
        assert name in str(err.value) and "\n" not in str(err.value)
    assert not marker.exists()
    # the same bytes under a name a safe reader owns are read as that format, never unpickled
    for disguise in ("evil.nix", "evil.mat", "evil.txt"):
        (tmp_path / disguise).write_bytes(path.read_bytes())
        with pytest.raises(AnalysisInputError, match=disguise):
            load_spikes(tmp_path / disguise)
    assert not marker.exists()


def test_safe_readers_exclude_every_reader_that_can_run_code():
    """The allow-list never names PickleIO or ElphyIO (eval), and each listed IO exists."""
    import inspect

    from hhlif.analysis.spike_data import PICKLE_SUFFIXES, SAFE_READERS

    assert not set(SAFE_READERS) & set(PICKLE_SUFFIXES)
    import importlib

    for suffix, name in SAFE_READERS.items():
        # a Neo IO by its name, or a module of hhlif's own (NWB through pynwb)
        module = (importlib.import_module(name) if name.startswith("hhlif.")
                  else inspect.getmodule(getattr(neo.io, name)))
        assert name not in ("PickleIO", "ElphyIO")
        source = inspect.getsource(module)
        assert "import pickle" not in source and "eval(" not in source, name
        assert suffix.startswith(".") and suffix == suffix.lower()


def _hhlif_nix(build, tmp_path, simulated_ms, name="run.nix"):
    trains = build.poisson_trains(3, 20 * pq.Hz, 0.2 * pq.s, seed=4)  # spans 0..200 ms
    block = build.hhlif_block([trains], packed=False)
    if simulated_ms is not None:
        block.annotations["simulated_ms"] = simulated_ms
    return build.write_nix(block, tmp_path / name)


def test_an_interrupted_run_is_refused(build, tmp_path):
    path = _hhlif_nix(build, tmp_path, 61.5)
    with pytest.raises(AnalysisInputError, match=r"run\.nix: the run was interrupted at 61\.5 "
                                                 r"of 200 ms.*nothing from it is analysed"):
        load_spikes(path)
    with pytest.raises(AnalysisInputError, match="interrupted"):
        load_spikes(_hhlif_nix(build, tmp_path, float("nan"), "nan.nix"))


@pytest.mark.parametrize("simulated_ms", [200.0, 200.0 - 1e-7, 250.0, None])
def test_a_complete_run_or_a_file_without_simulated_ms_loads(build, tmp_path, simulated_ms):
    data = load_spikes(_hhlif_nix(build, tmp_path, simulated_ms))
    assert data.n_neurons == 3 and float(data.duration.rescale(pq.ms)) == pytest.approx(200)
    if simulated_ms is not None:
        assert data.annotations["simulated_ms"] == pytest.approx(simulated_ms)


def test_simulated_ms_of_a_foreign_file_is_ignored(tmp_path, build):
    """Only hhlif files (annotation hhlif_format) carry the meaning of simulated_ms."""
    block = _lab_block(build)
    block.annotations["simulated_ms"] = 1.0
    data = load_spikes(build.write_nix(block, tmp_path / "foreign.nix"))
    assert data.n_neurons == 6 and not data.annotations["hhlif"]
