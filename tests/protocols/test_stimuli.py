"""Stimuli: each waveform against its formula (the seed's five presets from PAPER.md written
out independently here), frozen noise statistics and reproducibility, and the current that
Brian2 actually applies equals ``sample()``."""

import math

import numpy as np
import pytest
from brian2 import Hz, cm, ms, second, uA

from hhlif.models.errors import ParameterError, ParameterUnitError
from hhlif.protocols import Protocol, run, stimuli as S

UNIT = uA / cm**2
T = np.arange(0, 80, 0.01)  # ms, the seed's 80 ms


def _mA(x):
    return np.asarray(x / UNIT)


def test_seed_presets_match_paper_formulas():
    f = 8.5
    t = T
    expected = {
        "constant": np.full_like(t, 9.0),
        "sine": 11.5 - 19 * np.sin(1.2 * t),
        "square": 9 + 15.5 * np.where(np.mod(np.floor(t + 1e-9), f) < f / 2, 1, -1),
        "sawtooth": 6.5 + (11 / f) * np.abs(t - f * np.floor(t / f) + f / 2),
        "triangle": 7 + (7 / f) * np.abs(t - f * np.floor(t / f) - f / 2),
    }
    for shape, ref in expected.items():
        got = _mA(S.seed_waveform(shape).sample(t * ms))
        np.testing.assert_allclose(got, ref, atol=1e-9, err_msg=shape)


def test_basic_waveforms_match_formulas():
    t = T + 0.005  # half a grid step: no sample sits exactly on an edge (float rounding)
    np.testing.assert_allclose(
        _mA(S.Step(amplitude=3 * UNIT, start=10 * ms, duration=20 * ms, baseline=1 * UNIT).sample(t * ms)),
        1 + 3 * ((t >= 10) & (t < 30)))
    np.testing.assert_allclose(
        _mA(S.Ramp(start_amplitude=0 * UNIT, end_amplitude=10 * UNIT, start=20 * ms,
                   duration=40 * ms).sample(t * ms)),
        np.where((t >= 20) & (t < 60), (t - 20) / 40 * 10, 0), atol=1e-9)
    np.testing.assert_allclose(
        _mA(S.Sine(offset=1 * UNIT, amplitude=2 * UNIT, frequency=50 * Hz, phase=0.3).sample(t * ms)),
        1 + 2 * np.sin(2 * np.pi * 50 * t / 1000 + 0.3), atol=1e-9)
    pulses = _mA(S.PulseTrain(amplitude=5 * UNIT, width=2 * ms, period=10 * ms, start=5 * ms,
                              n_pulses=3).sample(t * ms))
    on = (t >= 5) & (t < 35) & (np.mod(t - 5, 10) < 2)
    np.testing.assert_allclose(pulses, 5 * on, atol=1e-9)


def test_stimulus_validation_names_parameter():
    with pytest.raises(ParameterUnitError, match="'amplitude'"):
        S.Step(amplitude=3 * ms)
    with pytest.raises(ParameterError, match="'duration'"):
        S.Step(duration=0 * ms)
    with pytest.raises(ParameterError, match="unknown waveform"):
        S.seed_waveform("zigzag")
    with pytest.raises(ParameterError, match="'tau'"):
        S.OrnsteinUhlenbeck(tau=-1 * ms)


def test_ou_noise_statistics_match_parameters():
    """Mean, SD and autocorrelation time of 50 s of OU noise: standard errors ~σ·√(2τ/T)
    (≈ 0.014·σ for τ = 5 ms, T = 50 s); tolerances are ~4 standard errors."""
    ou = S.OrnsteinUhlenbeck(mean=2 * UNIT, std=3 * UNIT, tau=5 * ms, seed=11)
    x = _mA(ou.samples(50 * second))
    assert x.mean() == pytest.approx(2.0, abs=0.2)
    assert x.std() == pytest.approx(3.0, rel=0.05)
    lag = int(round(5 / 0.1))  # one tau in samples
    z = x - x.mean()
    rho = np.dot(z[:-lag], z[lag:]) / np.dot(z, z)
    assert rho == pytest.approx(math.exp(-1), abs=0.05)


def test_frozen_noise_is_reproducible_by_seed():
    a = _mA(S.OrnsteinUhlenbeck(seed=1).samples(1 * second))
    b = _mA(S.OrnsteinUhlenbeck(seed=1).samples(1 * second))
    c = _mA(S.OrnsteinUhlenbeck(seed=2).samples(1 * second))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.standalone
@pytest.mark.parametrize("backend", ["runtime", "cpp"])
def test_applied_current_equals_sample_and_is_identical_across_trials(backend):
    """I_input recorded in Brian2 (every trial) equals the stimulus' own sample(); for the
    frozen OU noise this also shows it is identical across trials and backends."""
    stim = S.OrnsteinUhlenbeck(mean=1 * UNIT, std=2 * UNIT, tau=3 * ms, seed=5) + \
        S.Sine(offset=0 * UNIT, amplitude=1 * UNIT, frequency=40 * Hz)
    p = Protocol(model="lif", stimulus=stim, duration=50 * ms, trials=3, record_neurons="all",
                 record_dt=0.1 * ms)
    rec = run(p, backend=backend)
    sig = rec.main.signals["I_input"]
    expected = _mA(stim.sample(sig.times * ms))
    for k in range(3):
        np.testing.assert_allclose(sig.channel(k), expected, rtol=1e-9, atol=1e-9)


_DETERMINISTIC = {
    "step": S.Step(amplitude=4 * UNIT, start=10.05 * ms, duration=20 * ms, baseline=1 * UNIT),
    "pulse-train": S.PulseTrain(amplitude=3 * UNIT, width=2.05 * ms, period=7.05 * ms,
                                start=5.05 * ms, n_pulses=4),
    "ramp": S.Ramp(start_amplitude=-2 * UNIT, end_amplitude=6 * UNIT, start=5 * ms,
                   duration=30 * ms),
    "square": S.Square(offset=1 * UNIT, amplitude=2 * UNIT, period=9.05 * ms),
    "sawtooth": S.Sawtooth(offset=1 * UNIT, amplitude=2 * UNIT, period=9.05 * ms),
    "triangle": S.Triangle(offset=1 * UNIT, amplitude=2 * UNIT, period=9.05 * ms),
    "white-noise": S.WhiteNoise(mean=1 * UNIT, std=2 * UNIT, seed=3, sample_dt=0.5 * ms),
    "array-2d": S.ArrayStimulus(values=np.arange(80.0).reshape(40, 2) % 7 * UNIT,
                                sample_dt=1 * ms),
}


@pytest.mark.parametrize("name", sorted(_DETERMINISTIC))
def test_every_stimulus_applies_what_sample_says(name):
    """The current Brian2 applies (recorded ``I_input``) equals ``sample()`` for each
    stimulus type, per neuron for the 2-D array (edges placed between recording times)."""
    stim = _DETERMINISTIC[name]
    p = Protocol(model="lif", stimulus=stim, duration=45 * ms, trials=2, record_neurons="all",
                 record_dt=0.1 * ms)
    rec = run(p, backend="runtime")
    sig = rec.main.signals["I_input"]
    for k in range(2):
        expected = _mA(stim.sample(sig.times * ms, neuron=k if name == "array-2d" else 0))
        np.testing.assert_allclose(sig.channel(k), expected, rtol=1e-9, atol=1e-9,
                                   err_msg=f"{name}, neuron {k}")
    if name == "array-2d":  # the two neurons really get different currents
        assert not np.allclose(sig.channel(0), sig.channel(1))


@pytest.mark.parametrize("backend", ["runtime", pytest.param("cpp", marks=pytest.mark.standalone)])
def test_waveform_set_gives_each_condition_its_own_column(backend):
    """Conditions over ``index``: every trial of condition c receives column c of the table
    (recorded I_input equals that column's samples), the same on every trial."""
    table = np.random.default_rng(4).normal(size=(60, 3)) * UNIT
    stim = S.WaveformSet(values=table, sample_dt=0.5 * ms)
    p = Protocol(model="lif", stimulus=stim, duration=40 * ms, trials=2,
                 conditions={"index": [2, 0, 1]}, record_neurons="all", record_dt=0.1 * ms)
    rec = run(p, backend=backend)
    sig = rec.main.signals["I_input"]
    for copy in range(6):
        column = [2, 0, 1][copy // 2]
        expected = _mA(S.WaveformSet(values=table, index=column, sample_dt=0.5 * ms)
                       .sample(sig.times * ms))
        np.testing.assert_allclose(sig.channel(copy), expected, rtol=1e-9, atol=1e-9,
                                   err_msg=f"copy {copy}")
    assert not np.allclose(sig.channel(0), sig.channel(2))


def test_waveform_set_validation_names_the_parameter():
    table = np.zeros((5, 2)) * UNIT
    with pytest.raises(ParameterError, match="'index'.*\\[0, 1\\]"):
        S.WaveformSet(values=table, index=2)
    with pytest.raises(ParameterError, match="'values'.*2-D"):
        S.WaveformSet(values=np.zeros(5) * UNIT)
    with pytest.raises(ParameterError, match="'values'"):
        S.WaveformSet(values=np.zeros((5, 2)) * ms)
