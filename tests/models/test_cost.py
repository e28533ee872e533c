"""FLOP counts per model neuron and step (hhlif.models.cost) against hand counts.

Oracles
-------
* Expressions and small hand-written models: the numbers of ``+ - * / **`` and comparisons
  are counted by hand from the text in each test (the expected value is written out, with
  the reasoning), never by calling the counter on the same text.
* HH: the rate functions in ``HH_GATING_EQUATIONS`` contain 4 ``exp`` and 2 ``exprel``
  (counted in the text); rush_larsen2 adds one ``exprel`` per exact update, of which one step
  has 5 (v half step, m, h, n, v half step: ``hhlif.models.integrators``' docstring); RK4
  evaluates the right-hand side, hence every rate function, 4 times.
* Circuits: 4 units per model neuron; the threshold conjunctions' comparisons counted from
  the models' threshold strings.
No simulation is run; the models are built (Brian2 objects, no code generation).
"""

import json
import re

import pytest
from brian2 import mV, ms

from hhlif import models
from hhlif.models import cost as cost_module
from hhlif.models.cost import (TRANSCENDENTAL_WEIGHTS, OperationCount, StepCost,
                               count_operations, simulation_cost, step_cost)
from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.hodgkin_huxley import HH_GATING_EQUATIONS
from hhlif.models.neuron_model import NeuronModel

REGISTERED = ("lif", "hh", "adex", "s-lif2hh", "tv-lif2hh")


@pytest.fixture(scope="module")
def costs():
    return {name: step_cost(name) for name in REGISTERED}


def relaxation(method="euler"):
    """``dv/dt = (E - v)/tau``: a passive membrane, threshold ``v > V_th``, reset ``v = E``."""
    return NeuronModel(
        name="relax", description="passive relaxation", equations="dv/dt = (E - v)/tau : volt",
        parameters=dict(E=-65 * mV, tau=10 * ms, V_th=-50 * mV), initial=dict(v=-65 * mV),
        threshold="v > V_th", reset="v = E", refractory=None, method=method, dt=0.1 * ms)


# ------------------------------------------------------------------ the counter
@pytest.mark.parametrize("code, add, mul, div, compare", [
    ("_v = dt*(E - v)/tau + v", 2, 1, 1, 0),       # - and +; dt*; /tau
    ("x = a - b - c", 2, 0, 0, 0),
    ("x = -a", 0, 0, 0, 0),                        # negation is free
    ("x = g_Na*m**3*h", 0, 4, 0, 0),               # 2 mul + m**3 = 2 mul
    ("x = n**4", 0, 3, 0, 0),                      # expanded naively: n*n*n*n
    ("x = y**-2", 0, 1, 1, 0),                     # 1/(y*y)
    ("x = y**1", 0, 0, 0, 0),
    ("w += b", 1, 0, 0, 0),                        # augmented assignment
    ("v *= 2", 0, 1, 0, 0),
    ("c = (v > V_th) and (w <= 0)", 0, 0, 0, 2),
    ("c = a < b < c", 0, 0, 0, 2),                 # a chained comparison is two
    ("k = timestep(t - lastspike, dt)", 2, 1, 1, 0),  # (x + 1e-3*dt)/dt, plus t - lastspike
])
def test_counts_by_hand(code, add, mul, div, compare):
    c = count_operations(code)
    assert (c.add, c.mul, c.div, c.compare) == (add, mul, div, compare)
    assert c.flops == add + mul + div + compare


def test_calls_are_counted_by_name():
    c = count_operations("a = exp(-u/(20*mV)) + 1/exprel(x) + exp(y)\nb = int(nr)*abs(z)")
    assert c.transcendentals == {"exp": 2, "exprel": 1}
    assert c.other_calls == {"int": 1, "abs": 1}
    # + + ; / ; - is a negation; 20*mV; /(...) ; int*abs
    assert (c.add, c.mul, c.div) == (2, 2, 2)


def test_non_integer_power_is_a_transcendental():
    assert count_operations("x**0.5").transcendentals == {"pow": 1}
    assert count_operations("x**y").transcendentals == {"pow": 1}
    assert count_operations("x**3.0").transcendentals == {}


def test_operation_counts_add_and_scale():
    a = OperationCount(add=1, mul=2, transcendentals={"exp": 1})
    b = OperationCount(div=3, compare=1, transcendentals={"exp": 2, "log": 1})
    s = 3 * (a + b)
    assert (s.add, s.mul, s.div, s.compare) == (3, 6, 9, 3)
    assert s.transcendentals == {"exp": 9, "log": 3}
    # flops 7 + 9 exp * 20 + 3 log * 20 with the default weights
    assert (a + b).weighted() == 7 + 3 * 20 + 1 * 20


def test_bad_code_is_refused():
    with pytest.raises(ParameterError, match="code="):
        count_operations("x = = 1")
    with pytest.raises(ParameterError, match="code="):
        count_operations(3)


# ------------------------------------------------------------------ hand-written models
def test_forward_euler_passive_membrane():
    c = step_cost(relaxation("euler"))
    # _v = dt*(E - v)/tau + v  (2 add, 1 mul, 1 div) and v = _v; threshold v > V_th
    assert c.flops == 4 + 1
    assert c.threshold_flops == 1
    assert c.reset_flops == 0  # v = E
    assert c.transcendentals == {}
    assert c.weighted_flops == c.flops
    assert c.units_per_neuron == 1 and c.method == "euler"
    assert any(line.startswith("_v = ") for line in c.statements)


def test_exponential_euler_on_a_linear_equation_has_one_exp():
    c = step_cost(relaxation(), "exponential_euler")
    # v <- -B + (B + v)*exp(-dt/tau) with B = -E: 2 add, 1 mul, 1 div, 1 exp; threshold 1
    assert c.transcendentals == {"exp": 1}
    assert c.flops == 4 + 1
    assert c.weighted_flops == c.flops + TRANSCENDENTAL_WEIGHTS["exp"]


def test_weights_are_a_parameter():
    c = step_cost(relaxation(), "exponential_euler", weights={"exp": 7})
    assert c.weighted_flops == c.flops + 7
    c = step_cost(relaxation(), "exponential_euler", weights={}, default_weight=3)
    assert c.weighted_flops == c.flops + 3
    with pytest.raises(ParameterError, match="weight 'exp'"):
        step_cost(relaxation(), weights={"exp": -1})


def test_reset_is_counted_apart_from_the_step(costs):
    # adex: v = V_reset; w += b -> one addition, on spike steps only
    assert costs["adex"].reset_flops == 1
    assert costs["lif"].reset_flops == 0  # v = V_reset
    assert costs["hh"].reset_flops == 0   # no reset
    with_reset = sum(g.reset.flops for g in costs["adex"].groups)
    step = sum(g.step.flops for g in costs["adex"].groups)
    assert costs["adex"].flops == step and with_reset == 1


# ------------------------------------------------------------------ registered models
def test_hh_counts_its_gating_rates(costs):
    hh = costs["hh"]
    exp_in_text = len(re.findall(r"\bexp\(", HH_GATING_EQUATIONS))
    exprel_in_text = len(re.findall(r"\bexprel\(", HH_GATING_EQUATIONS))
    assert (exp_in_text, exprel_in_text) == (4, 2)
    assert hh.transcendentals["exp"] >= exp_in_text
    # rush_larsen2: the rates once per step, one exprel per exact update (5 per step)
    assert hh.transcendentals == {"exp": exp_in_text, "exprel": exprel_in_text + 5}
    assert hh.method == "rush_larsen2"


def test_rk4_evaluates_the_rates_four_times():
    c = step_cost("hh", "rk4")
    assert c.transcendentals == {"exp": 4 * 4, "exprel": 4 * 2}


def test_hh_costs_more_than_lif(costs):
    assert costs["hh"].flops > costs["lif"].flops
    assert costs["hh"].weighted_flops > costs["lif"].weighted_flops
    assert costs["hh"].weighted_flops > 5 * costs["lif"].weighted_flops


def test_lif_refractory_bookkeeping_is_part_of_the_step(costs):
    lif = costs["lif"]
    assert lif.statements[0].startswith("not_refractory = ")
    assert lif.threshold_flops == 1  # (v > V_th) and not_refractory
    assert lif.transcendentals == {"exp": 1}


def test_tv_lif2hh_counts_its_four_units(costs):
    tv, hh = costs["tv-lif2hh"], costs["hh"]
    assert tv.units_per_neuron == 4
    assert sorted((g.role, g.multiplicity) for g in tv.groups) == [("output", 1), ("units", 3)]
    assert tv.flops == sum(g.multiplicity * g.step.flops for g in tv.groups)
    assert tv.flops_per_unit == tv.flops / 4
    # the output unit integrates HH's gating; each channel unit one exact update more
    assert tv.transcendentals == {"exp": hh.transcendentals["exp"],
                                  "exprel": hh.transcendentals["exprel"] + 3}
    assert tv.flops > hh.flops
    assert sum(line.startswith("# ") for line in tv.statements) == 2


def test_s_lif2hh_threshold_conjunction(costs):
    s = costs["s-lif2hh"]
    model = models.get("s-lif2hh")
    per_output = model.threshold.count(">")
    per_unit = model.unit_threshold.count(">")
    assert (per_output, per_unit) == (4, 4)
    assert s.threshold_flops == per_output + 3 * per_unit
    assert s.units_per_neuron == 4 and s.transcendentals == {}
    assert s.method == "euler"


@pytest.mark.parametrize("name", REGISTERED)
def test_result_is_json_friendly(costs, name):
    c = costs[name]
    d = json.loads(json.dumps(c.to_dict()))
    assert d["flops"] == c.flops and d["units_per_neuron"] == c.units_per_neuron
    assert d["model"] == name
    assert "\n" not in str(c) and name in str(c)
    assert isinstance(c, StepCost)
    assert c.cse_flops <= c.flops + 2  # sympy's form may distribute a factor
    assert c.weighted_flops >= c.flops


def test_generated_code_hoists_constants(costs):
    hh = costs["hh"]
    # 1/C_m, 0.5*dt, 1/ms, 1/mV, k*mV: loop invariants, once per group and step
    assert hh.generated_flops < hh.flops
    assert hh.scalar_flops > 0
    assert hh.cse_flops < hh.flops  # 1/C_m and 0.5*dt are written twice


def test_undriven_model_drops_the_input_term():
    assert step_cost("hh", driven=False).flops < step_cost("hh").flops


# ------------------------------------------------------------------ simulation cost
def test_simulation_cost_is_a_product(costs):
    tv = costs["tv-lif2hh"]
    sim = simulation_cost(tv, neurons=10, steps=1000, spikes=7)
    assert sim.neuron_steps == 10_000 and sim.units == 40 and sim.unit_steps == 40_000
    assert sim.flops == tv.flops * 10_000
    assert sim.weighted_flops == tv.weighted_flops * 10_000
    assert sim.reset_flops == tv.reset_flops * 7
    assert sim.total_flops == sim.flops + sim.reset_flops
    gen = simulation_cost(tv, neurons=10, steps=1000, count="generated")
    assert gen.flops == tv.generated_flops * 10_000 + tv.scalar_flops * 1000
    json.dumps(sim.to_dict())


def test_simulation_cost_from_a_name():
    sim = simulation_cost("adex", 2, 3, spikes=1)
    assert sim.flops == step_cost("adex").flops * 6 and sim.reset_flops == 1


# ------------------------------------------------------------------ errors
def test_errors_name_the_parameter(costs):
    with pytest.raises(UnknownNameError, match="model 'nope'"):
        step_cost("nope")
    with pytest.raises(UnknownNameError, match="method 'leapfrog'.*euler"):
        step_cost("lif", "leapfrog")
    with pytest.raises(ParameterError, match="model=3"):
        step_cost(3)
    lif = costs["lif"]
    with pytest.raises(ParameterError, match="neurons=0"):
        simulation_cost(lif, 0, 10)
    with pytest.raises(ParameterError, match="steps=-1"):
        simulation_cost(lif, 1, -1)
    with pytest.raises(UnknownNameError, match="count 'fast'"):
        simulation_cost(lif, 1, 1, count="fast")
    with pytest.raises(ParameterError, match="given with a StepCost"):
        simulation_cost(lif, 1, 1, method="euler")


def test_docstring_examples():
    import doctest

    result = doctest.testmod(cost_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_external_names_come_from_the_namespace():
    model = NeuronModel(
        name="ext", description="", equations="dv/dt = (E_ext - v)/tau : volt",
        parameters=dict(tau=10 * ms, V_th=-50 * mV), initial=dict(v=-65 * mV),
        threshold="v > V_th", reset="v = V_th - 15*mV", refractory=None, method="euler",
        dt=0.1 * ms)
    c = step_cost(model, namespace={"E_ext": -65 * mV})
    # as the passive membrane: 2 add, 1 mul, 1 div, threshold 1; reset: V_th - 15*mV
    assert (c.flops, c.reset_flops) == (5, 2)
