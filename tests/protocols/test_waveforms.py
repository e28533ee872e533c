"""The ``waveforms`` protocol (the seed's Fig. 3): presets, factory checks, tables and
outputs.  The reproduction of the script's numbers (80 ms, dt 0.001 ms) is
tests/protocols/test_seed_fig3.py; the runs here are shortened (coarser reference step),
so they check the plumbing, not the numbers."""

import json

import numpy as np
import pytest
from brian2 import mS, cm, ms, mV, uA

from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.protocols import stimuli
from hhlif.protocols.cli.run import present
from hhlif.protocols.experiments.library import available_protocols, make_protocol
from hhlif.protocols.recordings.recording import Recording
from hhlif.protocols.experiments.waveforms import SeedWaveformBank, waveform_table
from hhlif.protocols.recordings.neo import read_nix

SHORT = dict(duration=20 * ms, reference_dt=0.01 * ms)


def test_bank_samples_each_seed_waveform_as_the_script_defines_it():
    t = np.arange(0, 30, 0.05) * ms
    for k, shape in enumerate(stimuli.SEED_WAVEFORMS):
        got = SeedWaveformBank(waveform=float(k)).sample(t)
        want = stimuli.seed_waveform(shape, script=True).sample(t)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=0, atol=1e-12)


def test_factory_validates():
    assert "waveforms" in available_protocols()
    with pytest.raises(ParameterError, match="'shape'"):
        make_protocol("waveforms", shape="zigzag")
    with pytest.raises(UnknownNameError):
        make_protocol("waveforms", model="nope")
    with pytest.raises(ParameterError, match="'preset'='x': expected one of seed, native"):
        make_protocol("waveforms", preset="x")
    with pytest.raises(ParameterError, match="'model'='lif'.*preset=native"):
        make_protocol("waveforms", model="lif")
    with pytest.raises(ParameterError, match="'weight'=50.*'native' only"):
        make_protocol("waveforms", weight=50 * uA / cm**2)
    p = make_protocol("waveforms")
    assert p.preset == "seed" and p.candidates == ("s-lif2hh",) and len(p.shapes) == 5
    q = make_protocol("waveforms", preset="native", model="lif", include_exact=True,
                      feedback=0 * mS / cm**2)
    assert q.candidates == ("lif", "tv-lif2hh-shifted")


def test_seed_preset_builds_the_scripts_settings():
    p = make_protocol("waveforms", shape="square")
    ref, circuit = p.protocol("hh-shifted"), p.protocol("s-lif2hh")
    hh = ref.neuron_model
    assert (hh.method, float(hh.dt / ms), float(hh.parameters["V_spike"] / mV)) == \
        ("euler", 0.001, 70.0)
    assert float(hh.initial["v"] / mV) == 0.0
    assert (hh.initial["m"], hh.initial["n"], hh.initial["h"]) == (0.0489, 0.6446, 0.1341)
    assert ref.stimulus.read == "end" and float(ref.stimulus.step / ms) == 0.001
    assert circuit.stimulus.read == "average" and float(circuit.stimulus.step / ms) == 1.0
    assert type(ref.network).__name__ == "SeedChain"
    native = make_protocol("waveforms", preset="native").protocol("hh-shifted")
    assert native.neuron_model.method == "rush_larsen2" and native.stimulus.read == "start"
    assert type(native.network).__name__ == "FeedForwardChain"


def test_short_seed_run_tables_and_outputs(tmp_path):
    comparison = make_protocol("waveforms", shape="sine", **SHORT)
    code = present(comparison, backend="runtime", out=str(tmp_path / "w.nix"),
                   figures=str(tmp_path / "figs"), json_path=str(tmp_path / "w.json"))
    assert code == 0
    payload = json.loads((tmp_path / "w.json").read_text())
    assert payload["preset"] == "seed"
    rows, seed_rows = payload["rows"], payload["seed_figures"]
    assert [(r["model"], r["neuron"]) for r in rows] == [("s-lif2hh", 1), ("s-lif2hh", 2)]
    assert [r["waveform"] for r in seed_rows] == ["sine"]
    assert "script_F1" not in seed_rows[0]  # a 20 ms run is not compared with the 80 ms script
    rec = read_nix(tmp_path / "w.nix")
    assert set(rec.populations) == {"hh-shifted", "s-lif2hh"}
    assert rec.condition_labels == {0: "sine"}
    assert rec.populations["hh-shifted"].n_neurons == 2
    assert rec.design["conditions"]["values"]["waveform"] == [1.0]
    assert (tmp_path / "figs" / "waveforms_s-lif2hh.png").stat().st_size > 0
    again = waveform_table(rec, "hh-shifted", "s-lif2hh")
    assert [r["spikes"] for r in again] == [r["spikes"] for r in rows]


def test_short_native_run_exact_circuit_equals_hh(tmp_path):
    comparison = make_protocol("waveforms", preset="native", shape="sine", include_exact=True,
                               duration=30 * ms, reference_dt=0.01 * ms)
    result = comparison.run(backend="runtime")
    assert result.preset == "native" and result.recording.provenance["preset"] == "native"
    exact = [r for r in result.rows if r["model"] == "tv-lif2hh-shifted"]
    assert len(exact) == 2 and all(r["hh_spikes"] >= 3 for r in exact)
    # tv-LIF2HH at the reference step is HH to rounding: identical trains (see test_lif2hh)
    assert all(r["spikes"] == r["hh_spikes"] and r["gamma"] == 1.0 for r in exact)
    assert all(r["spike_time_error"] == pytest.approx(0, abs=1e-9) for r in exact)


def test_cli_runs_every_waveform_and_prints_the_tables(tmp_path, capsys):
    """The issue's command, shortened (20 ms, reference dt 0.01 ms): all five waveforms."""
    from hhlif.protocols.cli.main import main

    out, figs, js = tmp_path / "w.nix", tmp_path / "figs", tmp_path / "w.json"
    code = main(["run", "waveforms", "--set", "shape=all", "--set", "duration=20*ms",
                 "--set", "reference_dt=0.01*ms", "--backend", "runtime", "--out", str(out),
                 "--figures", str(figs), "--json", str(js)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "preset seed" in printed and "F1 (0.001 ms)" in printed
    for shape in stimuli.SEED_WAVEFORMS:
        assert shape in printed
    payload = json.loads(js.read_text())
    assert {r["waveform"] for r in payload["rows"]} == set(stimuli.SEED_WAVEFORMS)
    assert len(payload["rows"]) == 5 * 2  # waveforms × chain neurons
    assert len(payload["seed_figures"]) == 5
    assert out.stat().st_size > 0 and any(figs.glob("*.png"))
    # a comma-separated subset parses from the command line too
    assert main(["run", "waveforms", "--set", "shape=sine,square", "--set", "duration=10*ms",
                 "--set", "reference_dt=0.01*ms", "--set", "preset=native",
                 "--backend", "runtime"]) == 0
    assert "square" in capsys.readouterr().out
