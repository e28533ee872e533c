"""Protocols: validation, trials and conditions as neurons of one build, intrinsic noise,
labels in the Neo export."""

import json

import numpy as np
import pytest
from brian2 import Hz, cm, mS, ms, mV, uA

from hhlif.models.errors import ParameterError, ParameterUnitError, UnknownNameError
from hhlif.protocols import Protocol, run, stimuli as S
from hhlif.protocols.experiments import library as builtin
from hhlif.protocols.recordings.neo import to_neo

UNIT = uA / cm**2


def test_protocol_validates_itself():
    with pytest.raises(ParameterError, match="duration"):
        Protocol(duration=0 * ms)
    with pytest.raises(ParameterUnitError, match="duration"):
        Protocol(duration=5 * mV)
    with pytest.raises(ParameterError, match="dt"):
        Protocol(dt=-0.1 * ms)
    with pytest.raises(ParameterError, match="trials"):
        Protocol(trials=0)
    with pytest.raises(UnknownNameError, match="condition parameter 'foo'"):
        Protocol(conditions={"foo": [1, 2]})
    with pytest.raises(ParameterError, match="different numbers"):
        Protocol(model="lif", conditions={"amplitude": [1, 2] * UNIT, "g_L": [0.1] * mS / cm**2})


def test_condition_layout_and_labels():
    p = Protocol(model="lif", stimulus=S.Constant(0 * UNIT), trials=4,
                 conditions={"amplitude": [2, 3, 5] * UNIT})
    assert p.n_copies == 12 and p.n_neurons == 12
    stim, model = p.per_copy_values()
    np.testing.assert_allclose(np.asarray(stim["amplitude"] / UNIT), np.repeat([2, 3, 5], 4))
    assert p.condition_labels()[1] == "amplitude=3*uA/cm**2"


def test_large_per_neuron_arrays_are_described_by_a_summary_that_tells_contents_apart():
    # 10^5 per-neuron values: provenance and build keys must not list them one by one
    a = np.linspace(6, 20, 100_000)
    p = Protocol(model="lif", stimulus=S.Constant(a * UNIT), trials=a.size)
    q = Protocol(model="lif", stimulus=S.Constant(a[::-1] * UNIT), trials=a.size)
    text = p.describe()["stimulus"]["amplitude"]
    assert text.startswith("array(100000 values in uA/cm**2, min 6, max 20, sha256 ")
    assert text != q.describe()["stimulus"]["amplitude"]  # same min/max, other contents
    c = Protocol(model="lif", stimulus=S.Constant(0 * UNIT), conditions={"amplitude": a * UNIT})
    assert c.describe()["conditions"]["amplitude"].startswith("array(100000 values")
    assert c.condition_labels()[99_999] == "amplitude=20*uA/cm**2"
    # short arrays stay readable, value by value, as before
    short = Protocol(model="lif", stimulus=S.Constant(0 * UNIT),
                     conditions={"amplitude": [2, 3.5] * UNIT})
    assert short.describe()["conditions"]["amplitude"] == ["2*uA/cm**2", "3.5*uA/cm**2"]


@pytest.mark.standalone
@pytest.mark.slow
def test_200_trials_of_frozen_noise_on_hh_compile_once():
    """200 trials are 200 neurons of one group: exactly one build (provenance), not 200."""
    p = builtin.make_protocol("frozen-noise", model="hh", trials=200, duration=200 * ms)
    rec = run(p, backend="cpp")
    assert rec.provenance["build"]["compiled"] == 1  # one build for every copy
    assert rec.provenance["build"]["runs"] == 1
    assert rec.n_neurons == 200
    np.testing.assert_array_equal(rec.main.trial, np.arange(200))
    counts = rec.main.spike_counts()
    assert counts.sum() > 0
    # intrinsic noise (own seed stream) makes trials differ under the same frozen stimulus
    assert len({tuple(rec.main.spike_times_of(k)) for k in range(20)}) > 1


@pytest.mark.standalone
def test_intrinsic_noise_off_gives_identical_trials_and_labels_reach_neo():
    p = Protocol(model="lif", stimulus=S.OrnsteinUhlenbeck(mean=3 * UNIT, std=2 * UNIT, seed=3),
                 duration=200 * ms, trials=3, conditions={"g_L": [0.1, 0.12] * mS / cm**2})
    rec = run(p, backend="cpp")
    t0, t1, t2 = (rec.main.spike_times_of(k) for k in range(3))
    assert len(t0) > 2
    np.testing.assert_array_equal(t0, t1)
    np.testing.assert_array_equal(t0, t2)
    block = to_neo(rec)
    assert len(block.segments) == 1          # hhlif format 2: one segment, labels as runs
    train = block.segments[0].spiketrains[0]
    runs = json.loads(train.annotations["neuron_runs_json"])
    assert runs[4] == [4, 5, 1, 1]           # neuron 4: trial 1, condition 1
    assert json.loads(block.annotations["condition_labels_json"])["1"] == "g_L=0.12*mS/cm**2"


@pytest.mark.standalone
def test_intrinsic_noise_seed_stream_is_reproducible():
    p = Protocol(model="lif", stimulus=S.Constant(1.6 * UNIT), duration=300 * ms, trials=4,
                 intrinsic_noise=1 * UNIT, seed=7, record_neurons=[])
    a, b = run(p, backend="cpp"), run(p, backend="cpp")
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    c = run(p.replace(seed=8), backend="cpp")
    assert not (len(a.spike_times) == len(c.spike_times)
                and np.array_equal(a.spike_times, c.spike_times))


@pytest.mark.standalone
def test_poisson_input_drives_neurons_through_synapses():
    """Mean synaptic current = rate · n_sources · weight · τ_syn = 10 Hz·100·0.5·2 ms = 1 µA/cm²
    → mean depolarisation I/g_L = 10 mV; checked on the recorded I_input averaged over time
    and neurons (shot noise; tolerance 10 %)."""
    stim = S.PoissonInput(rate=10 * Hz,
                          weight=0.5 * UNIT, n_sources=100, tau_syn=2 * ms)
    p = Protocol(model="lif", stimulus=stim, duration=1000 * ms, trials=20, record_neurons="all",
                 record=("I_input",))
    rec = run(p, backend="cpp")
    mean_current = rec.main.signals["I_input"].values[500:].mean()
    assert mean_current == pytest.approx(1.0, rel=0.1)


@pytest.mark.standalone
def test_conditions_on_a_part_of_a_summed_stimulus():
    stim = S.Constant(0 * UNIT) + S.Sine(offset=0 * UNIT, amplitude=1 * UNIT, frequency=20 * Hz)
    p = Protocol(model="lif", stimulus=stim, duration=100 * ms,
                 conditions={"amplitude0": [2, 4] * UNIT}, record_neurons="all",
                 record=("I_input",))
    assert p.condition_labels()[1] == "amplitude0=4*uA/cm**2"
    rec = run(p, backend="cpp")
    sig = rec.main.signals["I_input"]
    for k, level in enumerate([2, 4]):
        expected = np.asarray(stim.with_values(amplitude0=level * UNIT).sample(sig.times * ms) / UNIT)
        np.testing.assert_allclose(sig.channel(k), expected, atol=1e-9)


@pytest.mark.standalone
def test_intrinsic_noise_has_the_requested_standard_deviation():
    """I_input with a zero stimulus is the intrinsic OU noise: SD 2 µA/cm² within 10 %
    (20 neurons × 1 s with τ = 2 ms: ~10⁴ independent samples, SE ≈ 1 %)."""
    p = Protocol(model="lif", stimulus=S.Constant(0 * UNIT), duration=1000 * ms, trials=20,
                 intrinsic_noise=2 * UNIT, record_neurons="all", record=("I_input",))
    rec = run(p, backend="cpp")
    values = rec.main.signals["I_input"].values
    assert values.std() == pytest.approx(2.0, rel=0.1)
    assert abs(values.mean()) < 0.1
    # independent across neurons
    assert abs(np.corrcoef(values[:, 0], values[:, 1])[0, 1]) < 0.1
