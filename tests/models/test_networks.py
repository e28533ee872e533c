"""Networks: XOR and fully connected scenarios (HH vs tv-LIF2HH), conversion counts, the
seed's chain of s-LIF2HH circuits against the NumPy oracle, random E/I statistics."""

import numpy as np
import pytest
from brian2 import Network as BrianNetwork
from brian2 import NeuronGroup, SpikeMonitor, cm, mS, ms, prefs, uA

from hhlif.models import lif2hh  # noqa: F401  (registers the circuits)
from hhlif.models.errors import ParameterError
from hhlif.models.networks import (FeedForwardChain, FullyConnected, RandomEI, XorCircuit,
                                   scale, to_lif2hh, resize)


def _load_oracle():
    """The NumPy oracle of the seed's discrete update, from test_lif2hh.py (one definition)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_lif2hh_oracle",
                                                  Path(__file__).with_name("test_lif2hh.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.seed_circuits


seed_circuits = _load_oracle()


def _spikes(network, model, duration, **kwargs):
    prefs.codegen.target = "cython"
    pops, objects, labels = network.build(model, duration=duration, **kwargs)
    pop = pops["neurons"]
    mon = SpikeMonitor(pop.output)
    BrianNetwork(objects + [mon]).run(duration)
    return pop, np.asarray(mon.i[:]), np.asarray(mon.t_[:]) * 1e3


def _same_spikes(a, b, dt):
    (_, ia, ta), (_, ib, tb) = a, b
    assert ia.size > 0
    assert np.array_equal(np.bincount(ia, minlength=20), np.bincount(ib, minlength=20))
    for k in np.unique(ia):
        assert np.max(np.abs(ta[ia == k] - tb[ib == k])) <= dt + 1e-9


def test_xor_hh_and_tv_lif2hh_same_output_and_xor_truth_table():
    net = XorCircuit()  # two inputs of 40 uA/cm2, weight 20, modern convention (-40 mV)
    hh = _spikes(net, "hh", 60 * ms)
    tv = _spikes(to_lif2hh(net), "hh", 60 * ms)  # the network names its model
    assert tv[0].model.name == "tv-lif2hh" and tv[0].n_units == 4 * hh[0].n_units
    _same_spikes(hh, tv, dt=0.01)
    counts = np.bincount(hh[1], minlength=net.n_neurons)[net.output_neurons()]
    fires = counts > 0
    assert fires.tolist() == [a != b for a, b in net.cases]


def test_fully_connected_hh_and_tv_lif2hh_same_spikes():
    net = FullyConnected(n=4)
    hh = _spikes(net, "hh", 50 * ms)
    tv = _spikes(to_lif2hh(net, "tv"), None, 50 * ms)
    _same_spikes(hh, tv, dt=0.01)
    # the two unstimulated neurons fire only through the synapses
    assert set(np.unique(hh[1])) == {0, 1, 2, 3}


def test_conversion_has_exactly_four_units_per_neuron():
    for net in (FeedForwardChain(n=3), FullyConnected(n=5), XorCircuit(), RandomEI(n=30)):
        for kind in ("tv", "s"):
            converted = to_lif2hh(net, kind)
            counts = converted.counts()
            assert counts["brian2_neurons"] == 4 * net.n_neurons
            assert counts["synapses"] == net.counts("hh")["synapses"]
            prefs.codegen.target = "numpy"
            pops, objects, _ = converted.build(copies=2)
            groups = [o for o in objects if isinstance(o, NeuronGroup)]
            assert sum(len(g) for g in groups) == 4 * 2 * net.n_neurons
            assert pops["neurons"].n_units == 4 * 2 * net.n_neurons


def test_conversion_errors():
    with pytest.raises(ParameterError):
        to_lif2hh(FeedForwardChain(model="lif"))
    with pytest.raises(ParameterError):
        to_lif2hh(FeedForwardChain(), kind="x")
    with pytest.raises(ParameterError):
        scale(XorCircuit(), 2)
    with pytest.raises(ParameterError):
        FeedForwardChain(weight=3 * ms)


def test_chain_of_s_lif2hh_equals_seed_chain():
    """Second circuit: W x spike of the first for one 1 ms step, plus unit-4 feedback."""
    from hhlif.protocols import stimuli

    steps = 120
    fb = 0.02
    net = FeedForwardChain(model="s-lif2hh", weight=100 * uA / cm**2, tau_syn=1 * ms,
                           neuron_parameters={"g_feedback": [0, fb] * mS / cm**2})
    _, i, t = _spikes(net, None, steps * ms, stimulus=stimuli.seed_waveform("sine"))
    current = 11.5 - 19 * np.sin(1.2 * np.arange(steps))
    expected, _ = seed_circuits(current, n_circuits=2, weight=100.0, feedback=(0.0, fb))
    assert expected[1].size > 0
    for c in range(2):
        np.testing.assert_allclose(t[i == c], expected[c], rtol=0, atol=1e-6)


def test_hh_chain_propagates_spikes():
    from hhlif.protocols import stimuli

    _, i, t = _spikes(FeedForwardChain(), "hh", 40 * ms,
                      stimulus=stimuli.Step(amplitude=10 * uA / cm**2, start=5 * ms))
    first, second = t[i == 0], t[i == 1]
    assert first.size > 0 and second.size == first.size
    assert np.all(second > first) and np.all(second - first < 5)


def test_random_ei_reproducible_and_statistics():
    a, b, c = RandomEI(n=400, seed=1), RandomEI(n=400, seed=1), RandomEI(n=400, seed=2)
    pa, qa, wa = a.connections()
    pb, qb, _ = b.connections()
    pc, qc, _ = c.connections()
    assert np.array_equal(pa, pb) and np.array_equal(qa, qb)
    assert not (len(pa) == len(pc) and np.array_equal(pa, pc))
    assert not np.any(pa == qa)
    # mean in-degree p(n-1) = 39.9; its standard error over 400 targets is sqrt(39.9*0.9/400)
    indeg = np.bincount(qa, minlength=400)
    assert abs(indeg.mean() - 39.9) < 5 * np.sqrt(39.9 * 0.9 / 400)
    exc = pa < a.n_excitatory
    assert np.all(wa[exc] > 0) and np.all(wa[~exc] < 0)
    big = scale(a, 3)
    assert big.counts()["neurons"] == 1200 and big.connection_probability == 0.1
    assert big.counts()["model"] == "lif"
    # resize: any size, same description otherwise; scale is resize at k·n
    assert resize(a, 1200, model="lif") == big
    odd = resize(a, 150)
    assert odd.n == 150 and odd.model == a.model and odd.seed == a.seed
    assert odd.weight_e == a.weight_e and odd.connection_probability == a.connection_probability
    with pytest.raises(ParameterError, match="no size n"):
        resize(XorCircuit(), 4)
    with pytest.raises(ParameterError, match="'n'"):
        resize(a, 1)


def test_random_ei_runs_with_poisson_drive_and_copies():
    net = RandomEI(n=40, seed=4)
    pop, i, t = _spikes(net, "lif", 100 * ms, copies=2, trials=2)
    assert pop.n == 80 and i.size > 0
    # frozen connectivity, independent drive: the two copies differ
    assert not np.array_equal(np.bincount(i[i < 40], minlength=40),
                              np.bincount(i[i >= 40] - 40, minlength=40))
