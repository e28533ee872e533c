"""Networks: XOR and fully connected scenarios (HH vs tv-LIF2HH), conversion counts, the
chains of s-LIF2HH circuits (native and the script's same-step coupling) against NumPy
oracles, the script's XOR level coupling, random E/I statistics."""

import numpy as np
import pytest
from brian2 import Network as BrianNetwork
from brian2 import NeuronGroup, SpikeMonitor, cm, mS, ms, prefs, uA

from hhlif.models import lif2hh  # noqa: F401  (registers the circuits)
from hhlif.models.errors import ParameterError
from hhlif.models.networks import (FeedForwardChain, FullyConnected, RandomEI, SeedChain,
                                   SeedXor, XorCircuit, scale, to_lif2hh, resize)
from hhlif.protocols.simulation.assembly import assemble_network


def _build(network, model=None, **kwargs):
    """The Brian2 objects of a description (the one assembly path)."""
    built = assemble_network(network, model, **kwargs)
    return built.populations, built.objects, built.labels


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
    pops, objects, labels = _build(network, model, duration=duration, **kwargs)
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
            pops, objects, _ = _build(converted, copies=2)
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
    """The native chain (FeedForwardChain, the ``native`` preset of ``waveforms``): second
    circuit: W x spike of the first for one 1 ms step, one step after it, plus unit-4
    feedback (hhlif's option).  The script's own coupling is SeedChain's (below)."""
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


# ---------------------------------------------------------------- the script's chain and XOR
def script_circuit_chain(currents, threshold=70.0, big=1e5):
    """The seed script's two circuits (main.m L89-L137), NumPy: circuit 2's unit k gets
    1e5·[u_k > 70] + [u_4 > 70] of circuit 1 in the same update, before circuit 1's reset.
    Returns spike times (ms, the update's start) of both circuits and circuit 1's unit 1
    level test per step."""
    u = np.zeros((2, 4))
    times, level = ([], []), []
    for n, x in enumerate(currents):
        u[0, :3] = u[0, :3] + (-u[0, :3] * (1 - 0.9) + x)
        u[0, 3] = u[0, 3] + (-u[0, 3] * (1 - 0.9) + u[0, :3].sum())
        s = u[0] > threshold
        drive = big * s[:3] + s[3]
        u[1, :3] = u[1, :3] + (-u[1, :3] * (1 - 0.9) + drive)
        u[1, 3] = u[1, 3] + (-u[1, 3] * (1 - 0.9) + u[1, :3].sum())
        level.append(bool(s[0]))
        for c in range(2):
            if np.all(u[c] > threshold):
                times[c].append(float(n))
                u[c] = 0.0
    return [np.asarray(t) for t in times], np.asarray(level)


def test_seed_chain_of_circuits_is_the_scripts_same_step_update():
    """Spike times of both circuits equal the script's update on hhlif test inputs, including
    one where unit 4's gate blocks circuit 1 (a long strong negative input, then a strong
    positive one): circuit 2 then fires alone, from circuit 1's unit levels."""
    from hhlif.protocols import stimuli

    steps = 150
    rng = np.random.default_rng(3)
    blocked = np.r_[np.full(40, -40.0), np.full(steps - 40, 200.0)]
    table = np.stack([rng.uniform(-10, 40, steps), 11.5 - 19 * np.sin(1.2 * np.arange(steps)),
                      blocked], axis=1)
    stim = stimuli.ArrayStimulus(values=table * uA / cm**2, sample_dt=1 * ms)
    prefs.codegen.target = "cython"
    pops, objects, _ = _build(SeedChain(), "s-lif2hh", copies=3, stimulus=stim,
                              duration=steps * ms)
    mons = [SpikeMonitor(pops[f"neurons_{k}"].output) for k in (1, 2)]
    BrianNetwork(objects + mons).run(steps * ms)
    gate_blocked = False
    for j in range(3):
        (c1, c2), level = script_circuit_chain(table[:, j])
        assert c2.size > 0
        for mon, want in zip(mons, (c1, c2)):
            got = mon.t_[mon.i[:] == j] * 1e3
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, err_msg=f"input {j}")
        gate_blocked |= bool(np.sum(level) > c1.size)
    assert gate_blocked, "the third input is made to show the gate blocking"


def test_seed_chain_structure():
    net = SeedChain(n=3)
    assert net.counts("hh-shifted") == {"model": "hh-shifted", "neurons": 3,
                                        "brian2_neurons": 3, "synapses": 2}
    assert net.counts("s-lif2hh")["brian2_neurons"] == 12
    prefs.codegen.target = "numpy"
    pops, objects, labels = _build(net, "s-lif2hh", copies=2)
    assert list(pops) == ["neurons_1", "neurons_2", "neurons_3"] == list(labels)
    orders = [(pops[k].units.order, pops[k].output.order) for k in pops]
    flat = [o for pair in orders for o in pair]
    assert flat == sorted(flat) and len(set(flat)) == len(flat)  # unit 1-3, unit 4, next ...
    pops, _, _ = _build(net, "hh-shifted", copies=2)
    groups = [p.group for p in pops.values()]
    assert [g.order for g in groups] == [0, 10, 20]
    assert all(o.order == g.order for g in groups for o in g.contained_objects)
    with pytest.raises(ParameterError, match="intrinsic_noise"):
        _build(net, "hh-shifted", intrinsic=(1 * uA / cm**2, 1 * ms, 0))
    with pytest.raises(ParameterError, match="'weight'"):
        SeedChain(weight=1 * uA / cm**2)


def test_seed_xor_level_current_reads_the_old_state():
    """The output neuron's I_level during step k is w·[v_in1(t_k) > level] −
    w·[v_in2(t_k) > level], from the state at the step's start (a LIF with a level below
    its threshold, so the inputs cross it repeatedly)."""
    from brian2 import StateMonitor, mV

    net = SeedXor(cases=((1, 0), (1, 1)), level=-60 * mV, input_current=20 * uA / cm**2)
    assert net.n_neurons == 6 and net.output_neurons().tolist() == [1, 4]
    np.testing.assert_allclose(np.asarray(net.bias() / (uA / cm**2)), [20, 0, 0, 20, 0, 20])
    prefs.codegen.target = "numpy"
    pops, objects, _ = _build(net, "lif", duration=30 * ms)
    pop = pops["neurons"]
    v = StateMonitor(pop.output, "v", record=True)  # 'start': the state at t_k
    cur = StateMonitor(pop.output, "I_level", record=True, when="after_groups")
    BrianNetwork(objects + [v, cur]).run(30 * ms)
    above = np.asarray(v.v / mV) > -60
    w = 20.0
    for block in range(2):
        a, o, b = 3 * block, 3 * block + 1, 3 * block + 2
        want = w * above[a] - w * above[b]
        np.testing.assert_allclose(np.asarray(cur.I_level[o] / (uA / cm**2)), want, atol=1e-9)
    assert above[0].any() and not above[0].all()  # the test means something


@pytest.mark.parametrize("field", ["noise_sources", "repeats", "n_classes"])
def test_private_noise_network_refuses_counts_below_one(field):
    from hhlif.models.networks import PrivateNoiseNetwork

    with pytest.raises(ParameterError, match=f"'{field}'=0: expected an integer >= 1"):
        PrivateNoiseNetwork(size=2, **{field: 0})
