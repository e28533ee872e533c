"""Calibration measurements and the fit (hhlif.protocols.experiments.calibration) against
independent oracles, and ``hhlif fit``.

Oracles: the LIF's analytic rheobase g_L·(V_th − E_L), input conductance g_L and rate
``lif_rate``; HH's rheobase from the literature (6.2–6.3 µA/cm², as
tests/models/test_hodgkin_huxley.py) and its input conductance from the slope of the
steady-state I–V curve (NumPy, from the 1952 rate functions); the shot noise's analytic
variance; a LIF reference of known parameters that the fit must recover; Γ = 1 for
identical trains.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from brian2 import cm, mS, ms, mV, uA

from hhlif import models
from hhlif.models import hh_rates, hh_resting_state, lif_rate
from hhlif.models.errors import ParameterError
from hhlif.protocols.cli.main import main
from hhlif.protocols.experiments import calibration as C

CURRENT = uA / cm**2


# ---------------------------------------------------------------------- measurements
def test_lif_rheobase_is_the_analytic_one_within_the_final_bracket():
    g_l = np.array([0.1, 0.3, 1.2])          # mS/cm²
    v_th = np.array([-50.0, -57.0, -60.5])   # mV; E_L = -65
    est = C.rheobase("lif", {"g_L": g_l * mS / cm**2, "V_th": v_th * mV}, points=11,
                     rounds=2, duration=300 * ms)
    analytic = g_l * (v_th + 65.0)           # µA/cm²: 1.5, 2.4, 5.4
    value = np.asarray(est.value / CURRENT)
    lower = np.asarray(est.lower / CURRENT)
    step = 40.0 / 10 / 12**2                 # the grid step after two refinements
    # lower does not fire, value does: the rheobase (their infimum) lies in [lower, value]
    # (1.5 µA/cm² is itself on the grid: v only approaches V_th there)
    assert np.all(lower <= analytic + 1e-9) and np.all(analytic <= value + 1e-9)
    np.testing.assert_allclose(value - lower, step, rtol=1e-6)


def test_hh_rheobase_is_between_6p2_and_6p3():
    est = C.rheobase("hh", duration=500 * ms)
    value, lower = float(est.value[0] / CURRENT), float(est.lower[0] / CURRENT)
    assert 6.2 <= lower < value <= 6.3


def test_adex_measurements_run_as_for_any_model():
    if "adex" not in models.available():
        pytest.skip("model 'adex' is not registered yet")
    est = C.rheobase("adex", points=9, rounds=1, duration=300 * ms)
    assert np.isfinite(float(est.value[0]))
    g = float(C.input_conductance("adex")[0] / (mS / cm**2))
    assert 0 < g < 2.0


def test_lif_input_conductance_is_g_L():
    g_l = np.array([0.05, 0.1, 0.7, 2.5])
    got = C.input_conductance("lif", {"g_L": g_l * mS / cm**2})
    np.testing.assert_allclose(np.asarray(got / (mS / cm**2)), g_l, rtol=1e-4)


def test_hh_input_conductance_is_the_slope_of_the_steady_state_iv_curve():
    rest = hh_resting_state("modern")["v"]

    def steady_current(v):   # µA/cm², gates at their steady states (NumPy oracle)
        r = hh_rates(v + 65.0)
        m = r["alpha_m"] / (r["alpha_m"] + r["beta_m"])
        h = r["alpha_h"] / (r["alpha_h"] + r["beta_h"])
        n = r["alpha_n"] / (r["alpha_n"] + r["beta_n"])
        return -(120 * m**3 * h * (50 - v) + 36 * n**4 * (-77 - v) + 0.3 * (-54.387 - v))

    dv = 1e-3
    slope = (steady_current(rest + dv) - steady_current(rest - dv)) / (2 * dv)  # mS/cm²
    got = float(C.input_conductance("hh")[0] / (mS / cm**2))
    assert got == pytest.approx(slope, rel=0.01)
    assert 1.0 / got == pytest.approx(0.86, abs=0.01)   # kΩ·cm²


def test_lif_fi_rates_match_the_analytic_rate():
    currents = np.array([1.0, 2.0, 5.0, 10.0, 20.0, 40.0])
    sets = {"g_L": [0.1, 0.5] * mS / cm**2, "t_ref": [2.0, 5.0] * ms}
    got = C.fi_rates("lif", currents * CURRENT, sets, duration=600 * ms, dt=0.01 * ms)
    assert got.shape == (2, 6)
    expected = np.stack([lif_rate(currents, g_L=0.1, t_ref=2.0),
                         lif_rate(currents, g_L=0.5, t_ref=5.0)])
    assert np.all(got[expected == 0] == 0)
    firing = expected > 0
    # spikes are detected at the end of a step: each interval is late by < dt = 0.01 ms
    np.testing.assert_allclose(got[firing], expected[firing], rtol=0.01)


def test_measurements_refuse_bad_parameter_sets():
    with pytest.raises(ParameterError, match="one value per parameter set"):
        C.rheobase("lif", {"g_L": [0.1, 0.2] * mS / cm**2, "V_th": [-50, -55, -60] * mV})
    with pytest.raises(ParameterError, match="parameter sets"):
        C.input_conductance("lif", {"V_th": [-50, -70] * mV})   # V_th below V_reset
    with pytest.raises(ParameterError, match="expected an integer >= 2"):
        C.rheobase("lif", points=1)


# ---------------------------------------------------------------------- the task's noise
def test_frozen_noise_has_the_task_variance_and_frozen_independent_realisations():
    noise = C.FrozenNoise(columns=(0, 1, 2), duration=2000 * ms)
    s = noise.settings
    k, rate, tau = int(s.noise_sources), float(s.noise_rate), float(s.noise_tau)
    w = float(s.noise_std) / np.sqrt(k * rate * tau)
    for dt in (0.01e-3, 0.1e-3):
        table = np.asarray(noise.table(dt * 1000 * ms))
        steady = table[int(0.02 / dt):]      # after ten time constants
        # discrete shot noise: per step 2 binomials (K, r dt) of weight ±w, decay a per step
        p, a = rate * dt, np.exp(-dt / tau)
        variance = 2 * k * p * (1 - p) * w**2 / (1 - a**2)
        assert steady.var() == pytest.approx(variance, rel=0.05)
        assert abs(steady.mean()) < 0.05 * np.sqrt(variance)
    # realisation 2 is the same whatever else is drawn; different realisations differ
    alone = C.FrozenNoise(columns=(2,), duration=2000 * ms)
    np.testing.assert_array_equal(np.asarray(alone.table())[:, 0],
                                  np.asarray(noise.table())[:, 2])
    assert abs(np.corrcoef(np.asarray(noise.table())[:, :2].T)[0, 1]) < 0.1
    # a coarser step bins the same events: the same realisation, seen every 0.1 ms
    fine = np.asarray(noise.table())[::10, 0]
    coarse = np.asarray(noise.table(0.1 * ms))[:, 0]
    assert np.corrcoef(fine[:coarse.size], coarse)[0, 1] > 0.95
    with pytest.raises(ParameterError, match="multiple of the noise's sample_dt"):
        noise.table(0.015 * ms)


def test_frozen_noise_rates_match_the_task_network():
    """The same LIF at the task's step under PrivateNoiseNetwork's Poisson inputs (Brian2)
    and under the frozen table: the same mean rate within sampling error."""
    from hhlif.models.networks import PrivateNoiseNetwork
    from hhlif.protocols import Protocol, run, stimuli
    from hhlif.protocols.experiments.equivalence import DEFAULT

    trials, amps = 48, [0.0, 8.0]
    net = PrivateNoiseNetwork(size=1, noise_std=DEFAULT.noise_std, noise_tau=DEFAULT.noise_tau,
                              noise_sources=int(DEFAULT.noise_sources),
                              noise_rate=DEFAULT.noise_rate, repeats=trials)
    p = Protocol(model="lif", stimulus=stimuli.Constant(0 * CURRENT), duration=500 * ms,
                 dt=0.1 * ms, trials=trials, conditions={"amplitude": amps * CURRENT},
                 record=(), record_neurons=[], network=net, seed=2)
    pop = run(p, backend="runtime").main
    late = pop.spike_times >= 50.0
    task = np.bincount(pop.spike_indices[late], minlength=2 * trials).reshape(2, trials) / 0.45
    noise = C.FrozenNoise(columns=tuple(range(trials)), duration=500 * ms, seed=3)
    frozen = C.noisy_response("lif", amps * CURRENT, noise=noise, dt=0.1 * ms).rates()[0]
    for c in range(2):
        se = np.hypot(task[c].std(), frozen[c].std()) / np.sqrt(trials)
        assert abs(task[c].mean() - frozen[c].mean()) < 4 * se, (c, task[c].mean(),
                                                                 frozen[c].mean(), se)
    assert frozen[1].mean() > frozen[0].mean() > 20   # noise-driven at 0, more at 8


def test_identical_models_on_the_same_frozen_noise_have_gamma_one():
    noise = C.FrozenNoise(columns=(0, 1), duration=300 * ms)
    currents = [4.0, 8.0] * CURRENT
    sets = {"g_L": [0.1, 1.0] * mS / cm**2, "V_th": [-50.0, -58.0] * mV,
            "t_ref": [2.0, 8.0] * ms}
    ref = C.noisy_response("lif", currents, {"g_L": 0.1 * mS / cm**2, "V_th": -50.0 * mV},
                           noise=noise, dt=0.1 * ms)
    cand = C.noisy_response("lif", currents, sets, noise=noise, dt=0.1 * ms)
    gamma = C.coincidence(ref, cand)
    assert gamma.shape == (2, 2, 2)
    np.testing.assert_allclose(gamma[0], 1.0)
    assert np.all(gamma[1] < 0.8)
    # another realisation of the same process is another input: Γ near chance
    other = C.noisy_response("lif", currents, {"g_L": 0.1 * mS / cm**2, "V_th": -50.0 * mV},
                             noise=C.FrozenNoise(columns=(5, 6), duration=300 * ms),
                             dt=0.1 * ms)
    other.columns = ref.columns   # compare the trains as if they had seen the same input
    assert np.all(C.coincidence(ref, other)[0] < 0.5)


# ---------------------------------------------------------------------- the fit
_SMALL = C.FitConfig(fi_currents=(0.0, 4.0, 5.0, 6.0, 8.0, 12.0, 16.0, 24.0, 40.0),
                     fi_ms=300.0, noisy_currents=(8.0,), gamma_currents=(8.0,), realisations=1,
                     noise_ms=100.0, rheobase_ms=200.0, rheobase_points=11, rheobase_rounds=1,
                     conductance_ms=100.0, popsize=8, maxiter=14)


def test_fit_recovers_the_known_parameters_of_a_lif_reference():
    truth = {"g_L": 0.4 * mS / cm**2, "V_th": -52.0 * mV, "t_ref": 4.0 * ms}
    reference = models.get("lif", **truth)
    cal = C.fit(reference, "lif", "fi", config=_SMALL, seed=1, progress=False)
    got = {k: float(v) for k, v in cal.parameters.items()}
    assert got["g_L"] == pytest.approx(float(truth["g_L"]), rel=0.12)
    assert got["V_th"] == pytest.approx(float(truth["V_th"]), abs=1.5e-3)
    assert got["t_ref"] == pytest.approx(float(truth["t_ref"]), abs=0.3e-3)
    # the rheobase g_L (V_th - E_L) = 5.2 µA/cm² is matched more tightly than its factors
    rheobase = got["g_L"] * 0.1 * (got["V_th"] * 1e3 + 65.0)
    assert rheobase == pytest.approx(5.2, rel=0.05)
    # the fitted model's f-I against the analytic rate of the truth
    report = cal.report["targets"]["fi"]
    currents = np.array(report["currents_uA_cm2"])
    analytic = lif_rate(currents, g_L=0.4, V_th=-52.0, t_ref=4.0)
    np.testing.assert_allclose(report["candidate"], analytic, rtol=0.05, atol=3.0)
    # the record: what the reference was, every target, the optimiser's count
    assert cal.settings["reference_parameters"]["g_L"] == "0.4*mS/cm**2"
    assert set(cal.report["targets"]) == {"rheobase", "input_conductance", "fi", "fi-noisy",
                                          "gamma"}
    opt = cal.report["optimiser"]
    assert opt["evaluations"] == opt["population"] * (opt["generations"] + 1)
    assert cal.report["targets"]["input_conductance"]["candidate"] == pytest.approx(
        got["g_L"] * 0.1, rel=1e-6)


def test_fit_refuses_bad_names_before_simulating():
    from hhlif.models.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="target 'bogus'"):
        C.fit(target="bogus")
    with pytest.raises(UnknownNameError, match="no fit space"):
        C.fit(candidate="hh")
    with pytest.raises(ParameterError, match="seed"):
        C.fit(seed=-1)


def test_save_and_load_round_trip_and_refusals(tmp_path):
    from hhlif.analysis.errors import OutputExistsError, UnsafeFileError
    from hhlif.models.calibration import Calibration

    cal = Calibration("lif", "hh", "fi-noisy", {"g_L": 1.17 * mS / cm**2, "t_ref": 12 * ms},
                      report={"targets": {}}, settings={"seed": 0})
    path = C.save_calibration(cal, tmp_path / "fit.json")
    assert C.load_calibration(path) == cal
    with pytest.raises(OutputExistsError):
        C.save_calibration(cal, path)
    C.save_calibration(cal, path, force=True)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ParameterError) as info:
        C.load_calibration(bad)
    assert "not JSON" in str(info.value) and "\n" not in str(info.value)
    pickled = tmp_path / "fit.pkl"
    import pickle

    pickled.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(UnsafeFileError, match="pickle"):
        C.load_calibration(pickled)
    with pytest.raises(ParameterError, match="not found"):
        C.load_calibration(tmp_path / "missing.json")
    record = cal.to_json()
    record["parameters"]["g_L"] = "1*mV"
    (tmp_path / "units.json").write_text(json.dumps(record))
    with pytest.raises(ParameterError) as info:
        C.load_calibration(tmp_path / "units.json")
    assert "units.json" in str(info.value) and "'g_L'" in str(info.value)


# ---------------------------------------------------------------------- hhlif fit
def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("hhlif: error: ") and "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("argv, words", [
    (["--target", "bogus"], ["--target='bogus'", "fi-noisy", "gamma"]),
    (["--candidate", "hh"], ["--candidate='hh'", "no fit space", "lif"]),
    (["--reference", "nope"], ["--reference='nope'", "unknown model"]),
    (["--seed", "-3"], ["--seed='-3'", "integer"]),
    (["--backend", "warp"], ["'warp'", "unknown backend"]),
    (["--set", "noise_std=3*mV"], ["'noise_std'", "3*mV", "current density"]),
    (["--set", "bogus=3"], ["'bogus'", "unknown", "noise_std"]),
])
def test_cli_bad_input_exits_2_with_one_line(argv, words, capsys, tmp_path):
    out = tmp_path / "fit.json"
    assert main(["fit", *argv, "--out", str(out)]) == 2
    line = _error_line(capsys)
    for word in words:
        assert word in line, line
    assert not out.exists()


def test_cli_refuses_to_overwrite_without_force(capsys, tmp_path):
    out = tmp_path / "fit.json"
    out.write_text("keep me")
    assert main(["fit", "--quick", "--out", str(out)]) == 2
    line = _error_line(capsys)
    assert "--out=" in line and "--force" in line or "exists" in line
    assert out.read_text() == "keep me"


def test_cli_interrupt_writes_nothing(capsys, tmp_path, monkeypatch):
    out = tmp_path / "fit.json"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(C, "fit", interrupted)
    assert main(["fit", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "nothing was written" in err
    assert not out.exists()


def test_cli_quick_fit_writes_a_file_that_loads(capsys, tmp_path):
    out = tmp_path / "fit.json"
    assert main(["fit", "--quick", "-q", "--reference", "lif", "--target", "fi",
                 "--set", "dt.lif=0.1*ms", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "lif fitted to lif on fi" in stdout
    for row in ("rheobase", "input conductance", "f-I deterministic", "f-I task noise",
                "gamma"):
        assert row in stdout
    cal = C.load_calibration(out)
    assert cal.target == "fi" and set(cal.parameters) == {"g_L", "V_th", "t_ref"}
    assert cal.settings["quick"] is True and cal.settings["dt_ms"]["lif"] == 0.1
    assert cal.model().name == "lif"


def test_cli_ctrl_c_during_a_real_fit_exits_130_and_writes_nothing(tmp_path):
    out = tmp_path / "fit.json"
    # the full search (40 generations) is still running when the signal arrives
    proc = subprocess.Popen([sys.executable, "-m", "hhlif.protocols.cli", "fit",
                             "--reference", "lif", "--out", str(out)],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in proc.stderr:   # wait until the optimiser runs
            if "initial population" in line or time.monotonic() > deadline:
                break
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists()
