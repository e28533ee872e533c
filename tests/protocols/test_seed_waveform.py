"""SeedWaveform: the seed script's five input waveforms, exactly as its script defines them
(data/seed_script_semantics.md, A2), read at the start or end of a step or averaged over it;
the current Brian2 applies equals ``sample()``.

The reference formulas below are written out independently of the package, in the script's
own form (``mod``, ``floor``, ``a/|a|``); the step averages are checked against the values
the script's ``integral`` produced in Octave (``circuit_step_input`` of seed_fig3.json,
quadcc tolerances 1e-10 absolute / 1e-6 relative: hence 2e-6) and against a midpoint sum.
"""

import json
from importlib.resources import files

import numpy as np
import pytest
from brian2 import Network, StateMonitor, cm, ms, uA

from hhlif import models
from hhlif.models.errors import ParameterError
from hhlif.protocols import stimuli as S

UNIT = uA / cm**2
F = 8.5


def _script(shape, t):
    """The script's definitions (t in ms), in its own form."""
    t = np.asarray(t, dtype=float)
    if shape == "constant":
        return np.full_like(t, 9.0)
    if shape == "sine":
        return 11.5 - 19 * np.sin(1.2 * t)
    if shape == "square":
        a = np.mod(np.floor(t + 1e-9), F) - (F - 1) / 2 - 0.001
        return 9 - 15.5 * a / np.abs(a)
    tau = t - F * np.floor(t / F + 1e-9)
    if shape == "sawtooth":
        return 6.5 + (11 / F) * np.abs(tau + F / 2)
    return 7 + (7 / F) * np.abs(tau - F / 2)


def _reference():
    return json.loads(files("hhlif.data").joinpath("seed_fig3.json").read_text())["waveforms"]


def test_the_five_definitions_match_the_script():
    t = np.arange(0, 80, 0.001)  # the script's HH grid
    for k, shape in enumerate(S.SEED_WAVEFORMS):
        got = np.asarray(S.SeedWaveform(waveform=k).sample(t * ms) / UNIT)
        np.testing.assert_allclose(got, _script(shape, t), rtol=0, atol=1e-9, err_msg=shape)
        assert S.seed_waveform(shape, script=True) == S.SeedWaveform(waveform=float(k))


def test_square_switches_at_whole_ms_with_a_17_ms_cycle():
    t = np.arange(0, 80, 0.001)
    v = np.asarray(S.SeedWaveform(waveform=2).sample(t * ms) / UNIT)
    switches = t[np.flatnonzero(np.diff(v) != 0) + 1]
    np.testing.assert_allclose(switches, [4, 9, 13, 17, 21, 26, 30, 34, 38, 43, 47, 51, 55,
                                          60, 64, 68, 72, 77], atol=1e-9)
    assert v[0] == pytest.approx(24.5) and set(np.round(v, 9)) == {24.5, -6.5}
    # hhlif's own reading (seed_waveform without script=True) switches at f/2: 1 ms in 17
    hhlif = np.asarray(S.seed_waveform("square").sample(t * ms) / UNIT)
    assert np.mean(np.abs(hhlif - v) > 1e-9) == pytest.approx(1 / 17, abs=0.01)


def test_step_averages_equal_the_scripts_integral():
    ref = _reference()
    t = np.arange(80) * ms
    for k, shape in enumerate(S.SEED_WAVEFORMS):
        got = np.asarray(S.SeedWaveform(waveform=k, read="average", step=1 * ms).sample(t) / UNIT)
        np.testing.assert_allclose(got, ref[shape]["circuit_step_input"], rtol=0, atol=2e-6,
                                   err_msg=shape)
        mid = np.arange(0, 80, 1e-4) + 0.5e-4  # midpoint sum: error ~ h² |I''| ~ 1e-8
        fine = _script(shape, mid).reshape(80, -1).mean(axis=1)
        np.testing.assert_allclose(got, fine, rtol=0, atol=1e-7, err_msg=shape)


def test_end_reading_is_the_value_one_step_later():
    t = np.arange(0, 20, 0.37) * ms
    for k in range(5):
        end = S.SeedWaveform(waveform=k, read="end", step=0.001 * ms).sample(t)
        start = S.SeedWaveform(waveform=k).sample(t + 0.001 * ms)
        np.testing.assert_allclose(np.asarray(end), np.asarray(start), rtol=0, atol=1e-12)


@pytest.mark.parametrize("read, dt", [("start", 0.1), ("end", 0.1), ("average", 1.0)])
def test_brian2_applies_what_sample_says(read, dt):
    """Per neuron (one waveform each, one build), the recorded I_input equals sample()."""
    stim = S.SeedWaveform(waveform=np.arange(5.0), read=read, step=dt * ms)
    code = stim.to_brian("stim_", 5)
    model = models.get("lif")
    pop = model.build(5, input_expression=code.expression, extra_equations=code.declarations,
                      variables=code.variables, dt=dt * ms, method="euler", name="w")
    mon = StateMonitor(pop.output, "I_input", record=True, dt=dt * ms)
    Network(pop.objects + [mon]).run(40 * ms)
    for k in range(5):
        want = np.asarray(S.SeedWaveform(waveform=k, read=read, step=dt * ms).sample(mon.t)
                          / UNIT)
        np.testing.assert_allclose(np.asarray(mon.I_input[k] / UNIT), want, rtol=0, atol=1e-9)


def test_validation_names_the_parameter():
    with pytest.raises(ParameterError, match="'waveform'"):
        S.SeedWaveform(waveform=5)
    with pytest.raises(ParameterError, match="'read'.*start, end, average"):
        S.SeedWaveform(read="middle")
    with pytest.raises(ParameterError, match="'step'"):
        S.SeedWaveform(step=0 * ms)
    with pytest.raises(ParameterError, match="unknown waveform"):
        S.seed_waveform("zigzag", script=True)
