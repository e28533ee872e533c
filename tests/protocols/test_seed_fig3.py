"""The seed's Fig. 3, reproduced: ``waveforms`` (preset ``seed``) against the script's own
output (data/seed_fig3.json: ``simplified_simulation/main.m`` run in GNU Octave, all five
waveforms).

Targets (issue 15): every circuit spike on the same 1 ms step as the script; HH spike times
within 0.02 ms of the script's; equal spike counts for all five waveforms; both figures of
merit within 2 % where the script prints them, and printed exactly where it prints them.

Why these tolerances hold with margin: the Brian2 run integrates the same equations with the
same method (forward Euler), step, initial state, input timing and coupling, so the only
differences are the last bits of floating-point arithmetic (operation order in generated
code, Brian2's ``exprel`` against the script's raw rate formulas).  The measured result is
identical indices on every waveform (HH Δt = 0); a last-bit difference could at most move a
70 mV crossing by one 0.001 ms step, fifty times inside the target.
"""

import numpy as np
import pytest
from brian2 import Network, StateMonitor, ms

from hhlif import models
from hhlif.protocols import stimuli as S
from hhlif.protocols.experiments.library import make_protocol
from hhlif.protocols.recordings.recording import Recording
from hhlif.protocols.experiments.waveforms import (INDEX_MS, seed_figures_of_merit, seed_reference,
                                       seed_table)
from hhlif.protocols.recordings.neo import read_nix, write_nix

SCRIPT = seed_reference()


@pytest.fixture(scope="module")
def result():
    """One run of the default protocol: both chains, all five waveforms, 80 ms."""
    return make_protocol("waveforms").run(backend="auto")


def _times(recording, model, neuron):
    return recording.populations[model].spike_times_of(neuron)


@pytest.mark.slow
def test_hh_spikes_within_0p02_ms_of_the_script(result):
    rec = result.recording
    for c, shape in rec.condition_labels.items():
        for k, key in enumerate(("hh1", "hh2")):
            got, want = _times(rec, "hh-shifted", 2 * c + k), np.asarray(SCRIPT[shape][key]) * INDEX_MS
            assert got.size == want.size, f"{shape} {key}: {got.size} vs {want.size} spikes"
            assert np.max(np.abs(got - want)) <= 0.02, f"{shape} {key}"
            # measured: the same indices (see the module docstring)
            assert np.max(np.abs(got - want)) <= INDEX_MS + 1e-9, f"{shape} {key}"


@pytest.mark.slow
def test_every_circuit_spike_on_the_scripts_step(result):
    rec = result.recording
    for c, shape in rec.condition_labels.items():
        for k, key in enumerate(("lif1", "lif2")):
            got = _times(rec, "s-lif2hh", 2 * c + k)  # the start (n - 1 ms) of update n
            want = np.asarray(SCRIPT[shape][key]) * INDEX_MS
            assert np.array_equal(np.round(got).astype(int), np.round(want).astype(int)), \
                f"{shape} {key}: {got} vs {want}"
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


@pytest.mark.slow
def test_spike_counts_equal_for_all_five_waveforms(result):
    rec = result.recording
    assert sorted(rec.condition_labels.values()) == sorted(S.SEED_WAVEFORMS)
    for c, shape in rec.condition_labels.items():
        counts = {"hh1": _times(rec, "hh-shifted", 2 * c).size,
                  "hh2": _times(rec, "hh-shifted", 2 * c + 1).size,
                  "lif1": _times(rec, "s-lif2hh", 2 * c).size,
                  "lif2": _times(rec, "s-lif2hh", 2 * c + 1).size}
        assert counts == SCRIPT[shape]["counts"], shape


@pytest.mark.slow
def test_figures_of_merit_within_2_percent_where_the_script_prints_them(result):
    rows = {r["waveform"]: r for r in result.seed_rows}
    assert set(rows) == set(S.SEED_WAVEFORMS)
    for shape, row in rows.items():
        printed = SCRIPT[shape]["printed"]
        assert row["prints"] == (printed is not None), shape
        if printed is None:
            assert row["mean_isi_difference_index"] is None and row["spike_time_error"] is None
            continue
        assert row["mean_isi_difference_index"] == pytest.approx(printed[0], rel=0.02)
        assert row["spike_time_error"] == pytest.approx(printed[1], rel=0.02)
        # the same spikes give the script's own full-precision numbers
        full = SCRIPT[shape]["figures_recomputed"]
        assert row["mean_isi_difference_index"] == pytest.approx(full[0], rel=1e-9)
        assert row["spike_time_error"] == pytest.approx(full[1], rel=1e-9)
        assert row["mean_isi_difference_ms"] == pytest.approx(full[0] * INDEX_MS, rel=1e-9)
    assert rows["constant"]["script_F1"] == -231.75 and rows["sine"]["script_F2"] == 0.1730
    assert result.agrees is True


@pytest.mark.slow
def test_circuit_chain_is_circuit_one_and_circuit_one_is_a_single_lif(result):
    """s-LIF2HH, stated honestly: on all five waveforms circuit 1 spikes exactly like one LIF
    (u ← 0.9u + I, threshold 70, reset 0) fed the step averages, and circuit 2 (10⁵ coupling,
    same step) copies circuit 1."""
    rec = result.recording
    for c, shape in rec.condition_labels.items():
        lif = _single_lif(SCRIPT[shape]["circuit_step_input"])
        c1, c2 = _times(rec, "s-lif2hh", 2 * c), _times(rec, "s-lif2hh", 2 * c + 1)
        np.testing.assert_allclose(c1, lif, rtol=0, atol=1e-9, err_msg=shape)  # ms
        np.testing.assert_array_equal(c2, c1, err_msg=shape)


@pytest.mark.slow
def test_the_nix_file_holds_both_chains_and_the_design(result, tmp_path):
    rec = result.recording
    back = read_nix(write_nix(rec, tmp_path / "f3.nix"))
    assert set(back.populations) == {"hh-shifted", "s-lif2hh"}
    for name in back.populations:
        np.testing.assert_array_equal(back.populations[name].spike_times,
                                      rec.populations[name].spike_times)
        assert back.populations[name].n_neurons == 10
    assert back.design["conditions"]["names"] == ["waveform"]
    assert back.condition_labels == rec.condition_labels
    # the tables recomputed from the file are the same
    assert seed_table(back) == result.seed_rows


def _single_lif(inputs, threshold=70.0):
    """One LIF, the seed's update u ← u − 0.1u + x (spike times: n − 1 ms for update n)."""
    u, times = 0.0, []
    for n, x in enumerate(inputs, start=1):
        u = u + (-u * (1 - 0.9) + x)
        if u > threshold:
            times.append(float(n - 1))
            u = 0.0
    return np.asarray(times)


def test_units_1_to_3_are_identical_and_the_gate_never_blocks():
    """The circuit's units 1–3 are bit-identical at every step on all five waveforms, and it
    spikes exactly when its unit 1 passes 70 mV (unit 4, the gate, never blocks here)."""
    stim = S.SeedWaveform(waveform=np.arange(5.0), read="average", step=1 * ms)
    code = stim.to_brian("stim_", 5)
    pop = models.get("s-lif2hh").build(5, input_expression=code.expression,
                                       extra_equations=code.declarations,
                                       variables=code.variables, name="c")
    units = StateMonitor(pop.units, "v", record=True, when="after_thresholds")
    out = StateMonitor(pop.output, "v", record=True, when="after_thresholds")
    from brian2 import SpikeMonitor

    spikes = SpikeMonitor(pop.output)
    Network(pop.objects + [units, out, spikes]).run(80 * ms)
    v = np.asarray(units.v_)  # rows k*5 + j, samples after the update, before the reset
    for j, shape in enumerate(S.SEED_WAVEFORMS):
        assert np.array_equal(v[j], v[5 + j]) and np.array_equal(v[j], v[10 + j]), shape
        crosses = np.flatnonzero(v[j] > 0.070)  # unit 1 above 70 mV
        fired = np.round(spikes.t_[spikes.i[:] == j] * 1e3).astype(int)
        assert np.array_equal(crosses, fired), f"{shape}: the gate blocked or fired alone"
        np.testing.assert_array_equal(fired, _single_lif(SCRIPT[shape]["circuit_step_input"]))


def test_seed_figures_of_merit_from_the_scripts_indices():
    for shape, data in SCRIPT.items():
        f = seed_figures_of_merit(np.asarray(data["hh2"]) * INDEX_MS,
                                  np.asarray(data["lif2"]) * INDEX_MS)
        assert f["prints"] == data["prints_figures"]
        if data["prints_figures"]:
            full = data["figures_recomputed"]
            assert f["mean_isi_difference_index"] == pytest.approx(full[0], rel=1e-9)
            assert f["spike_time_error"] == pytest.approx(full[1], rel=1e-9)
        else:
            assert f["spike_time_error"] is None and "prints nothing" in f["note"]
    one = seed_figures_of_merit([5.0], [6.0])
    assert one["prints"] and np.isnan(one["spike_time_error"])
    assert not seed_figures_of_merit([], [1.0])["prints"]
