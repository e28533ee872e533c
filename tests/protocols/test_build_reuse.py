"""Builds reused: a sweep of 20 values or seeds compiles once (counted ``make`` calls, not
time), and every rerun gives what a separate build of that variant gives."""

import numpy as np
import pytest
from brian2 import cm, ms, uA

from hhlif.models import lif_rate
from hhlif.models.errors import ParameterError
from hhlif.protocols import Protocol, run, stimuli as S
from hhlif.protocols.simulation.reuse import ReusableBuild, run_many

UNIT = uA / cm**2
pytestmark = pytest.mark.standalone


@pytest.fixture
def compile_counter(monkeypatch):
    """Counts calls of Brian2's C++ ``make`` step (independent of hhlif's own counters)."""
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    calls = []
    original = CPPStandaloneDevice.compile_source

    def counting(self, *args, **kwargs):
        calls.append(args[0] if args else kwargs.get("directory"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CPPStandaloneDevice, "compile_source", counting)
    return calls


@pytest.mark.parametrize("backend", ["cpp", "cpp-simd"])
def test_amplitude_sweep_of_20_compiles_once_and_matches_the_lif_rate(backend, compile_counter):
    amplitudes = np.linspace(16, 40, 20)
    base = Protocol(model="lif", stimulus=S.Constant(20 * UNIT), duration=200 * ms, trials=2,
                    record=())
    recs = run_many(base, [{"stimulus": S.Constant(a * UNIT)} for a in amplitudes], backend)
    assert len(compile_counter) == 1
    # one build directory, compiled once, the binary run once per variant (provenance)
    builds = {r.provenance["build"]["directory"] for r in recs}
    assert len(builds) == 1
    assert [r.provenance["build"]["compiled"] for r in recs] == [1] * 20
    assert [r.provenance["build"]["runs"] for r in recs] == list(range(1, 21))
    assert len(recs) == 20
    # oracle: the analytic LIF rate; a count over 200 ms is within 1 spike of rate × T
    # (the first spike needs the same time as later ones: reset to E_L = start)
    counts = np.array([r.main.spike_counts() for r in recs])  # (20, 2 trials)
    expected = lif_rate(amplitudes) * 0.2
    assert np.all(np.abs(counts - expected[:, None]) <= 1.0)
    assert np.all(np.diff(counts[:, 0]) >= 0) and counts[-1, 0] > counts[0, 0]


def test_seed_sweep_of_frozen_noise_matches_separate_builds(compile_counter):
    base = Protocol(model="lif", stimulus=S.OrnsteinUhlenbeck(mean=18 * UNIT, std=6 * UNIT,
                                                              tau=3 * ms, seed=0),
                    duration=150 * ms, record=("v",), record_neurons=[0])
    seeds = list(range(20))
    with ReusableBuild(base, "cpp") as build:
        recs = [build.run({"stimulus": S.OrnsteinUhlenbeck(mean=18 * UNIT, std=6 * UNIT,
                                                           tau=3 * ms, seed=s)})
                for s in seeds]
        assert build.compiles_ == 1 and build.runs_ == 20
    assert len(compile_counter) == 1
    trains = [tuple(np.round(r.spike_times, 6)) for r in recs]
    assert len(set(trains)) > 15  # different seeds, different spike trains
    # oracle: separate builds (each its own compile) of two of the variants
    for s in (0, 7):
        ref = run(base.replace(stimulus=S.OrnsteinUhlenbeck(mean=18 * UNIT, std=6 * UNIT,
                                                            tau=3 * ms, seed=s)), backend="cpp")
        np.testing.assert_array_equal(recs[s].spike_times, ref.spike_times)
        np.testing.assert_array_equal(recs[s].main.signals["v"].values,
                                      ref.main.signals["v"].values)


def test_model_parameter_and_intrinsic_seed_variants_match_separate_builds():
    base = Protocol(model="lif", stimulus=S.Constant(18 * UNIT), duration=100 * ms,
                    trials=3, intrinsic_noise=2 * UNIT, record=())
    variants = [{"seed": 1}, {"parameters": {"E_L": base.neuron_model.parameters["E_L"] * 0.9,
                                             "V_reset": base.neuron_model.parameters["E_L"] * 0.9}}]
    recs = run_many(base, variants, "cpp")
    for variant, rec in zip(variants, recs):
        ref = run(base.replace(**variant), backend="cpp")
        np.testing.assert_array_equal(rec.spike_indices, ref.spike_indices)
        np.testing.assert_array_equal(rec.spike_times, ref.spike_times)
    # the variants really differ from the base
    base_rec = run(base, backend="cpp")
    assert not np.array_equal(recs[0].spike_times, base_rec.spike_times)


def test_structural_changes_are_refused_with_the_field_named():
    base = Protocol(model="lif", stimulus=S.Constant(18 * UNIT), duration=20 * ms,
                    conditions={"amplitude": [18, 18] * UNIT}, record=())
    with ReusableBuild(base, "cpp") as build:
        with pytest.raises(ParameterError, match="duration"):
            build.run({"duration": 30 * ms})
        with pytest.raises(ParameterError, match="stimulus type|new build"):
            build.run({"stimulus": S.Step(amplitude=5 * UNIT, start=1 * ms, duration=5 * ms)})
        assert build.run().main.n_neurons == 2
        # one amplitude for all neurons is compiled as a shared value: different values
        # per neuron would need per-neuron storage, i.e. a new build
        with pytest.raises(ParameterError, match="stim_amplitude.*new build"):
            build.run({"conditions": {"amplitude": [10, 20] * UNIT}})
        assert build.run({"conditions": {"amplitude": [25, 25] * UNIT}}).spike_times.size > 0


def test_runtime_backend_is_refused():
    with pytest.raises(ParameterError, match="C\\+\\+ standalone"):
        ReusableBuild(Protocol(model="lif", duration=5 * ms), "runtime")
