"""The ``network`` protocol: random E/I network with Poisson drive, any model."""

import numpy as np
import pytest
from brian2 import Hz, ms

from hhlif.models.errors import ParameterError
from hhlif.protocols import run
from hhlif.protocols.experiments.library import available_protocols, make_protocol
from hhlif.protocols.recordings.neo import read_nix


def _spikes(**kw):
    rec = run(make_protocol("network", duration=60 * ms, n=30, **kw), backend="runtime")
    return rec.main.spike_indices, rec.main.spike_times


def test_runs_and_is_reproducible_by_seed():
    assert "network" in available_protocols()
    i1, t1 = _spikes(seed=1)
    i2, t2 = _spikes(seed=1)
    i3, t3 = _spikes(seed=2)
    assert i1.size > 0
    assert np.array_equal(i1, i2) and np.array_equal(t1, t2)
    assert not (i1.size == i3.size and np.array_equal(t1, t3))


def test_drive_rate_zero_is_silent_for_lif():
    i, _ = _spikes(model="lif", drive_rate=0 * Hz)
    assert i.size == 0


def test_bad_values():
    with pytest.raises(ParameterError):
        make_protocol("network", connection_probability=2.0)
    with pytest.raises(ParameterError):
        make_protocol("network", drive_rate=-1 * Hz)


# ---------------------------------------------------------------- seed-xor
#: The script's XOR run (data/seed_script_semantics.md, B4): rising-edge indices m of the
#: level vectors (dt 0.001 ms); index m is the spike time (m - 1)·dt here.  (1, 1) is the
#: script as shipped (its Octave run); the other cases are from the re-implementation that
#: reproduced that run bit for bit.
XOR_SCRIPT = {"input": [659, 10670, 19947, 29166, 38376],
              "output": {(1, 1): [4992], (1, 0): [1618, 12367, 23053, 39479],
                         (0, 1): [6275, 28896], (0, 0): [4992]}}


def test_seed_xor_cases_are_checked():
    from hhlif.protocols.experiments.networks import XOR_MODELS

    assert "seed-xor" in available_protocols()
    p = make_protocol("seed-xor")
    assert p.cases == ((0, 0), (0, 1), (1, 0), (1, 1)) and p.models == XOR_MODELS
    assert make_protocol("seed-xor", cases=[1, 1]).cases == ((1, 1),)
    assert make_protocol("seed-xor", cases=[[0, 1], [1, 0]]).cases == ((0, 1), (1, 0))
    with pytest.raises(ParameterError, match="'cases'"):
        make_protocol("seed-xor", cases=[2, 1])
    with pytest.raises(ParameterError, match="'model'"):
        make_protocol("seed-xor", model="hh")


@pytest.mark.slow
def test_seed_xor_hh_is_the_scripts_and_both_tv_forms_follow(tmp_path, capsys):
    comparison = make_protocol("seed-xor")
    from hhlif.protocols.cli.run import present

    code = present(comparison, backend="auto", out=str(tmp_path / "x.nix"),
                              figures=str(tmp_path / "figs"), json_path=str(tmp_path / "x.json"))
    assert code == 0
    printed = capsys.readouterr().out
    assert "tv-lif2hh-seed" in printed and "spike times (ms)" in printed
    import json

    rows = json.loads((tmp_path / "x.json").read_text())["rows"]
    by = {(r["case"], r["neuron"], r["model"]): r for r in rows}
    dt = 0.001
    for (a, b), output in XOR_SCRIPT["output"].items():
        case = f"({a}, {b})"
        got = np.asarray(by[case, "output", "hh"]["times_ms"])
        np.testing.assert_allclose(got, (np.asarray(output) - 1) * dt, rtol=0, atol=1e-9)
        if a:
            np.testing.assert_allclose(by[case, "input 1", "hh"]["times_ms"],
                                       (np.asarray(XOR_SCRIPT["input"]) - 1) * dt, atol=1e-9)
        for role in ("input 1", "output", "input 2"):
            hh = np.asarray(by[case, role, "hh"]["times_ms"])
            limit = np.asarray(by[case, role, "tv-lif2hh"]["times_ms"])
            literal = np.asarray(by[case, role, "tv-lif2hh-seed"]["times_ms"])
            # the dt -> 0 form is HH to rounding; the script's form to O(dt) (< 0.02 ms here)
            assert limit.size == hh.size and np.max(np.abs(limit - hh), initial=0) <= dt + 1e-9
            assert by[case, role, "tv-lif2hh"]["max_dv_mV"] < 1e-6
            assert literal.size == hh.size and np.max(np.abs(literal - hh), initial=0) < 0.02
    rec_path = tmp_path / "x.nix"
    from hhlif.protocols.recordings.recording import Recording

    rec = read_nix(rec_path)
    assert set(rec.populations) == {"hh", "tv-lif2hh-seed", "tv-lif2hh"}
    assert rec.condition_labels[3] == "(1, 1)" and rec.design["n_conditions"] == 4
    assert (tmp_path / "figs" / "seed_xor.png").stat().st_size > 0
