"""The ``waveforms`` protocol (the seed's Fig. 3): stimulus bank, table, outputs."""

import json

import numpy as np
import pytest
from brian2 import ms

from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.protocols import stimuli
from hhlif.protocols.builtin import available_protocols, make_protocol
from hhlif.protocols.recording import Recording
from hhlif.protocols.waveforms import SeedWaveformBank, waveform_table


def test_bank_samples_each_seed_waveform():
    t = np.arange(0, 30, 0.05) * ms
    for k, shape in enumerate(stimuli.SEED_WAVEFORMS):
        got = SeedWaveformBank(waveform=float(k)).sample(t)
        want = stimuli.seed_waveform(shape).sample(t)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=0, atol=1e-12)


def test_factory_validates():
    assert "waveforms" in available_protocols()
    with pytest.raises(ParameterError):
        make_protocol("waveforms", shape="zigzag")
    with pytest.raises(UnknownNameError):
        make_protocol("waveforms", model="nope")
    p = make_protocol("waveforms")
    assert p.candidates == ("s-lif2hh", "tv-lif2hh-shifted") and len(p.shapes) == 5


def test_short_run_table_and_outputs(tmp_path):
    comparison = make_protocol("waveforms", shape="sine", duration=30 * ms,
                               reference_dt=0.01 * ms)
    code = comparison.execute(backend="runtime", out=str(tmp_path / "w.nix"),
                              figures=str(tmp_path / "figs"), json_path=str(tmp_path / "w.json"))
    assert code == 0
    rows = json.loads((tmp_path / "w.json").read_text())["rows"]
    assert [(r["model"], r["neuron"]) for r in rows] == [
        ("s-lif2hh", 1), ("s-lif2hh", 2), ("tv-lif2hh-shifted", 1), ("tv-lif2hh-shifted", 2)]
    for r in rows:
        assert r["waveform"] == "sine" and r["hh_spikes"] >= 3
    exact = [r for r in rows if r["model"] == "tv-lif2hh-shifted"]
    # tv-LIF2HH at the reference step is HH to rounding: identical trains (see test_lif2hh)
    assert all(r["spikes"] == r["hh_spikes"] and r["gamma"] == 1.0 for r in exact)
    assert all(r["spike_time_error"] == pytest.approx(0, abs=1e-9) for r in exact)
    rec = Recording.load(tmp_path / "w.nix")
    assert set(rec.populations) == {"hh-shifted", "s-lif2hh", "tv-lif2hh-shifted"}
    assert rec.condition_labels == {0: "sine"}
    assert (tmp_path / "figs" / "waveforms_s-lif2hh.png").stat().st_size > 0
    # the table is recomputed from the file the same way
    again = waveform_table(rec, "hh-shifted", "s-lif2hh")
    assert [r["spikes"] for r in again] == [r["spikes"] for r in rows[:2]]


def test_cli_runs_every_waveform_and_prints_the_table(tmp_path, capsys):
    """The issue's command, shortened (20 ms, reference dt 0.01 ms): all five waveforms."""
    from hhlif.protocols.cli import main

    out, figs, js = tmp_path / "w.nix", tmp_path / "figs", tmp_path / "w.json"
    code = main(["run", "waveforms", "--set", "shape=all", "--set", "duration=20*ms",
                 "--set", "reference_dt=0.01*ms", "--backend", "runtime", "--out", str(out),
                 "--figures", str(figs), "--json", str(js)])
    assert code == 0
    printed = capsys.readouterr().out
    for shape in stimuli.SEED_WAVEFORMS:
        assert shape in printed
    rows = json.loads(js.read_text())["rows"]
    assert {r["waveform"] for r in rows} == set(stimuli.SEED_WAVEFORMS)
    assert len(rows) == 5 * 2 * 2  # waveforms × candidate models × chain neurons
    assert out.stat().st_size > 0 and any(figs.glob("*.png"))
    # a comma-separated subset parses from the command line too
    assert main(["run", "waveforms", "--set", "shape=sine,square", "--set", "duration=10*ms",
                 "--set", "reference_dt=0.01*ms", "--backend", "runtime"]) == 0
    assert "square" in capsys.readouterr().out
