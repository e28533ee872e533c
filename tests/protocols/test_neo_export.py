"""Neo/NIX export: lossless round trip, plain neo reads the file, atomic writes that never
overwrite without force (the layout itself: test_neo_layout.py)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from brian2 import cm, ms, uA

from hhlif.analysis.errors import OutputExistsError
from hhlif.protocols import Protocol, Recording, run, stimuli as S
from hhlif.protocols.recordings.recording import _diff
from hhlif.protocols.recordings.neo import read_nix, to_neo, write_nix

UNIT = uA / cm**2


@pytest.fixture(scope="module")
def recording():
    import brian2
    from brian2.devices.device import reset_device

    reset_device("runtime")
    brian2.start_scope()
    p = Protocol(model="lif", stimulus=S.Step(amplitude=3 * UNIT, start=5 * ms, duration=60 * ms),
                 duration=80 * ms, trials=2, conditions={"amplitude": [2, 3, 4] * UNIT},
                 record_neurons="all", intrinsic_noise=0.5 * UNIT)
    return run(p, backend="cpp")


@pytest.mark.standalone
def test_nix_round_trip_is_exact(recording, tmp_path):
    path = tmp_path / "r.nix"
    write_nix(recording, path)
    back = read_nix(path)
    assert _diff(recording, back) is None
    assert back.equals(recording)
    assert back.main.signals["v"].unit == "mV"
    assert back.main.signals["I_input"].unit == "uA/cm**2"
    assert back.provenance["protocol"]["trials"] == 2


@pytest.mark.standalone
def test_plain_neo_reads_the_file_without_hhlif(recording, tmp_path):
    path = tmp_path / "r.nix"
    write_nix(recording, path)
    code = (
        "import sys; sys.modules['hhlif'] = None\n"  # make any hhlif import fail
        "import json, neo\n"
        "from neo.io import NixIO\n"
        f"io = NixIO({str(path)!r}, mode='ro'); b = io.read_block(); io.close()\n"
        "st = b.segments[0].spiketrains[0]\n"
        "print(json.dumps({'segments': len(b.segments),"
        " 'spikes': sum(len(st) for s in b.segments for st in s.spiketrains),"
        " 'units': sorted(str(a.units.dimensionality) for a in b.segments[0].analogsignals),"
        " 'channels': b.segments[0].analogsignals[0].shape[1],"
        " 'runs': json.loads(st.annotations['neuron_runs_json'])}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["segments"] == 1                   # one Segment for 2 trials x 3 conditions
    assert info["spikes"] == len(recording.spike_times)
    assert info["units"] == ["(uA/cm**2)", "mV"] and info["channels"] == 6
    # neuron k is trial k % 2 of condition k // 2
    assert info["runs"] == [[k, k + 1, k % 2, k // 2] for k in range(6)]


@pytest.mark.standalone
def test_writes_are_atomic_and_never_overwrite(recording, tmp_path):
    path = tmp_path / "r.nix"
    write_nix(recording, path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="exists"):
        write_nix(recording, path)
    assert path.read_bytes() == before
    write_nix(recording, path, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["r.nix"]  # no temporary left behind


def test_large_populations_are_packed_with_unpack_helper(tmp_path):
    """1,000 neurons are exported as one packed train; hhlif.analysis unpacks it into
    per-neuron trains equal to the flat arrays."""
    from hhlif.analysis import unpack_spiketrains
    from hhlif.protocols.recordings.recording import PopulationData

    rng = np.random.default_rng(0)
    n = 1000
    idx = rng.integers(0, n, 5000)
    times = np.sort(rng.uniform(0, 1000, 5000))
    pop = PopulationData("neurons", "lif", n, idx.astype(np.int64), times, np.zeros(n, int),
                         np.zeros(n, int), {})
    rec = Recording({"neurons": pop}, 0.0, 1000.0, {0: ""}, "custom", "lif", {"x": 1})
    block = to_neo(rec)
    trains = block.segments[0].spiketrains
    assert len(trains) == 1 and trains[0].annotations["packed"]
    per_neuron = unpack_spiketrains(trains[0])
    assert len(per_neuron) == n
    for k in (0, 17, 999):
        np.testing.assert_allclose(per_neuron[k].magnitude, np.sort(times[idx == k]))
    write_nix(rec, tmp_path / "big.nix")
    assert read_nix(tmp_path / "big.nix").equals(rec)


def test_unreadable_file_gives_clear_error(tmp_path):
    bad = tmp_path / "bad.nix"
    bad.write_text("not a nix file")
    with pytest.raises(ValueError, match="not a readable NIX file"):
        read_nix(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_nix(tmp_path / "missing.nix")


def test_the_file_records_its_design_with_units(tmp_path):
    """The analysis reads the design (frozen / time-varying stimulus, condition values with
    units) from the file, never from the protocol's name or parsed labels."""
    from brian2 import ms, uA, cm

    from hhlif.protocols import Protocol, Recording, run, stimuli

    protocol = Protocol(model="lif", stimulus=stimuli.Constant(2 * uA / cm**2),
                        duration=10 * ms, conditions={"amplitude": [1.5, 3] * uA / cm**2},
                        trials=2, name="my-own-name")
    rec = run(protocol, backend="runtime")
    assert rec.design["conditions"] == {"names": ["amplitude"],
                                        "values": {"amplitude": [1.5, 3.0]},
                                        "units": {"amplitude": "uA/cm**2"}}
    assert rec.design["trials"] == 2 and rec.design["time_varying_stimulus"] is False
    noisy = protocol.replace(stimulus=stimuli.OrnsteinUhlenbeck(mean=2 * uA / cm**2,
                                                               std=1 * uA / cm**2,
                                                               tau=5 * ms, seed=1),
                             conditions={})
    assert noisy.design()["time_varying_stimulus"] is True
    path = tmp_path / "d.nix"
    write_nix(rec, path)
    back = read_nix(path)
    assert back.design == rec.design and back.simulated_ms == rec.simulated_ms
    assert back.equals(rec)
