"""Bad input to the models (issue 13, items 8 and 14): one clear line, or one warning.

Physically meaningless parameters are refused with a ParameterError whose single line names
the parameter, the value in the units users write and what was expected, on every path a
value takes: model construction, ``with_parameters`` / ``models.get``, per-neuron arrays of
``build`` (single models, circuits, networks) and the command line (``hhlif run``, through
:func:`hhlif.protocols.cli.main`: exit 2, nothing written).  Unit errors read
``expected a current density such as 10*uA/cm**2, got a voltage``, never Brian2's
``m^2 kg s^-3 A^-1``.  A LIF step above a tenth of its membrane time constant warns.
"""

import dataclasses
import hashlib
import re
import warnings

import numpy as np
import pytest
from brian2 import Hz, amp, cm, meter, mS, ms, mV, nan, ohm, second, uA, uF, inf

from hhlif import models
from hhlif.models import check_quantity
from hhlif.models.errors import (HhlifWarning, ParameterError, ParameterUnitError,
                                 UnknownNameError)
from hhlif.models.networks import FeedForwardChain
from hhlif.models.units import describe_dimensions, format_dimensions, format_value

CURRENT = uA / cm**2
G = mS / cm**2
CAP = uF / cm**2

#: Brian2's SI spellings that no message may contain.
BRIAN_SPELLING = re.compile(r"\^|\bkg\b|\bmetre\b|\bmvolt\b|\bmsecond\b|\* ")


def _lif():
    return models.get("lif")


def _net_build(**neuron_parameters):
    chain = FeedForwardChain(n=2, neuron_parameters=neuron_parameters)
    from hhlif.protocols.simulation.assembly import assemble_network

    return assemble_network(chain, models.get("lif"), copies=1, duration=1 * ms)


# (id, call, error type, substrings of the one line: parameter, value, expectation)
API_CASES = [
    # ---- with_parameters / models.get
    ("lif-reset-above-threshold", lambda: models.get("lif", V_reset=-40 * mV), ParameterError,
     ["'V_reset'", "=-40*mV", "expected a value below V_th=-50*mV"]),
    ("lif-reset-at-threshold", lambda: models.get("lif", V_reset=-50 * mV), ParameterError,
     ["'V_reset'", "=-50*mV", "below V_th=-50*mV"]),
    ("lif-threshold-below-reset", lambda: models.get("lif", V_th=-70 * mV), ParameterError,
     ["'V_th'", "=-70*mV", "expected a value above V_reset=-65*mV"]),
    ("lif-both-given", lambda: models.get("lif", V_th=-60 * mV, V_reset=-55 * mV), ParameterError,
     ["'V_reset'", "=-55*mV", "below V_th=-60*mV"]),
    ("lif-negative-refractory", lambda: _lif().with_parameters(t_ref=-1 * ms), ParameterError,
     ["'t_ref'", "=-1*ms", "expected a refractory period >= 0"]),
    ("lif-zero-capacitance", lambda: models.get("lif", C_m=0 * CAP), ParameterError,
     ["'C_m'", "=0*uF/cm**2", "expected a membrane capacitance > 0"]),
    ("lif-negative-capacitance", lambda: models.get("lif", C_m=-1 * CAP), ParameterError,
     ["'C_m'", "=-1*uF/cm**2", "membrane capacitance > 0"]),
    ("lif-zero-leak", lambda: models.get("lif", g_L=0 * G), ParameterError,
     ["'g_L'", "=0*mS/cm**2", "expected a leak conductance > 0"]),
    ("hh-negative-leak", lambda: models.get("hh", g_L=-0.3 * G), ParameterError,
     ["'g_L'", "=-0.3*mS/cm**2", "leak conductance > 0"]),
    ("hh-negative-sodium", lambda: models.get("hh", g_Na=-120 * G), ParameterError,
     ["'g_Na'", "=-120*mS/cm**2", "expected a conductance >= 0"]),
    ("hh-shifted-negative-potassium", lambda: models.get("hh-shifted", g_K=-1 * G),
     ParameterError, ["'g_K'", "=-1*mS/cm**2", "conductance >= 0"]),
    ("tv-lif2hh-negative-sodium", lambda: models.get("tv-lif2hh", g_Na=-1 * G), ParameterError,
     ["'g_Na'", "=-1*mS/cm**2", "conductance >= 0"]),
    ("s-lif2hh-rest-above-threshold", lambda: models.get("s-lif2hh", U_rest=80 * mV),
     ParameterError, ["'U_rest'", "=80*mV", "below V_th=70*mV"]),
    ("s-lif2hh-negative-coupling", lambda: models.get("s-lif2hh", g_sum=-1 * G),
     ParameterError, ["'g_sum'", "=-1*mS/cm**2", "conductance >= 0"]),
    ("s-lif2hh-negative-feedback", lambda: models.get("s-lif2hh", g_feedback=-1 * G),
     ParameterError, ["'g_feedback'", "=-1*mS/cm**2", "conductance >= 0"]),
    ("lif-nan", lambda: models.get("lif", E_L=nan * mV), ParameterError,
     ["'E_L'", "nan*mV", "expected a finite value"]),
    ("lif-inf", lambda: models.get("lif", V_th=inf * mV), ParameterError,
     ["'V_th'", "inf*mV", "expected a finite value"]),
    # ---- units, shown as users write them
    ("lif-threshold-in-ms", lambda: models.get("lif", V_th=-45 * ms), ParameterUnitError,
     ["'V_th'", "=-45*ms", "expected a voltage such as -50*mV, got a time"]),
    ("lif-threshold-plain-number", lambda: models.get("lif", V_th=-45), ParameterUnitError,
     ["'V_th'", "=-45", "expected a voltage such as -50*mV", "-45*mV"]),
    ("hh-conductance-as-current", lambda: models.get("hh", g_K=36 * CURRENT), ParameterUnitError,
     ["'g_K'", "=36*uA/cm**2", "expected a conductance density such as 36*mS/cm**2,"
      " got a current density"]),
    ("check-quantity-current", lambda: check_quantity("amplitude", 3 * mV, 10 * CURRENT),
     ParameterUnitError, ["'amplitude'", "=3*mV", "expected a current density such as"
                          " 10*uA/cm**2, got a voltage"]),
    ("check-quantity-unit-reference", lambda: check_quantity("duration", 3 * mV, second),
     ParameterUnitError, ["'duration'", "=3*mV", "expected a time in ms, got a voltage"]),
    ("check-quantity-unusual-unit", lambda: check_quantity("r", 3 * ohm, 10 * CURRENT),
     ParameterUnitError, ["'r'", "=3*ohm", "got a quantity in ohm"]),
    # ---- model construction (defaults are checked too)
    ("construct-zero-capacitance",
     lambda: dataclasses.replace(_lif(), parameters=dict(_lif().parameters, C_m=0 * CAP)),
     ParameterError, ["'C_m'", "=0*uF/cm**2", "membrane capacitance > 0"]),
    ("construct-zero-time-constant",
     lambda: dataclasses.replace(_lif(), parameters=dict(_lif().parameters, tau_a=0 * ms)),
     ParameterError, ["'tau_a'", "=0*ms", "expected a time constant > 0"]),
    # ---- per-neuron arrays through build
    ("build-capacitance-array", lambda: _lif().build(3, parameters={"C_m": [1, 0, 1] * CAP}),
     ParameterError, ["'C_m'", "=0*uF/cm**2", "at index 1 of 3 neurons",
                      "membrane capacitance > 0"]),
    ("build-reset-array", lambda: _lif().build(3, parameters={"V_reset": [-70, -60, -40] * mV}),
     ParameterError, ["'V_reset'", "=-40*mV", "at index 2 of 3 neurons", "below V_th=-50*mV"]),
    ("build-threshold-array", lambda: _lif().build(2, parameters={"V_th": [-50, -70] * mV}),
     ParameterError, ["'V_th'", "=-70*mV", "at index 1 of 2 neurons", "above V_reset=-65*mV"]),
    ("build-both-arrays", lambda: _lif().build(2, parameters={"V_th": [-50, -50] * mV,
                                                            "V_reset": [-60, -45] * mV}),
     ParameterError, ["'V_reset'", "=-45*mV", "at index 1 of 2 neurons", "below V_th=-50*mV"]),
    ("build-nan-leak", lambda: _lif().build(2, parameters={"g_L": [0.1, np.nan] * G}),
     ParameterError, ["'g_L'", "nan*mS/cm**2", "expected a finite value"]),
    ("build-negative-refractory", lambda: _lif().build(2, parameters={"t_ref": [2, -2] * ms}),
     ParameterError, ["'t_ref'", "=-2*ms", "at index 1 of 2 neurons", "refractory period >= 0"]),
    ("build-wrong-unit-array", lambda: _lif().build(2, parameters={"g_L": [0.1, 0.2] * mV}),
     ParameterUnitError, ["'g_L'", "[0.1*mV, 0.2*mV]", "expected a conductance density such as"
                          " 0.1*mS/cm**2, got a voltage"]),
    ("build-circuit-negative-potassium",
     lambda: models.get("tv-lif2hh").build(2, parameters={"g_K": [36, -1] * G}),
     ParameterError, ["'g_K'", "=-1*mS/cm**2", "at index 1 of 2 neurons", "conductance >= 0"]),
    ("build-s-lif2hh-threshold-below-rest",
     lambda: models.get("s-lif2hh").build(2, parameters={"V_th": [70, -1] * mV}),
     ParameterError, ["'V_th'", "=-1*mV", "above U_rest=0*mV"]),
    ("check-values-conditions",
     lambda: _lif().check_parameter_values({"V_reset": [-70, -40] * mV}, 2, entries="conditions"),
     ParameterError, ["'V_reset'", "=-40*mV", "at index 1 of 2 conditions", "below V_th"]),
    ("build-network-neuron-capacitance", lambda: _net_build(C_m=[1, 0] * CAP),
     ParameterError, ["'C_m'", "=0*uF/cm**2", "membrane capacitance > 0"]),
    ("network-negative-delay", lambda: FeedForwardChain(n=2, delay=-1 * ms), ParameterError,
     ["'delay'", "=-1*ms", "expected a time >= 0"]),
]


@pytest.mark.parametrize("call, error, parts", [c[1:] for c in API_CASES],
                         ids=[c[0] for c in API_CASES])
def test_bad_parameter_one_line(call, error, parts):
    """Each bad value raises its error; the message is one line naming the parameter, the
    value and the expectation, in the units users write."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, (part, message)
    assert not BRIAN_SPELLING.search(message), message


@pytest.mark.parametrize("model, values", [
    ("lif", dict(t_ref=0 * ms, V_reset=-50.001 * mV)),
    ("hh", dict(g_Na=0 * G, g_K=0 * G)),
    ("s-lif2hh", dict(g_feedback=0 * G, U_rest=69 * mV)),
])
def test_boundary_values_accepted(model, values):
    """Zero refractoriness, zero maximal conductances and a reset just below threshold are
    physically meaningful: accepted, and they reach the built group."""
    m = models.get(model, **values)
    pop = m.build(2)
    for key, value in values.items():
        assert float(m.parameters[key]) == pytest.approx(float(value))
        np.testing.assert_allclose(np.asarray(getattr(pop.output, key)), float(value))


def test_every_registered_default_is_valid():
    """The checks refuse no registered model's defaults (each is rebuilt by get)."""
    for name in models.available():
        model = models.get(name)
        model.check_physical(model.parameters)
        assert model.with_parameters(**model.parameters).parameters.keys() == \
            model.parameters.keys()


def test_unknown_name_still_lists_valid_ones():
    with pytest.raises(UnknownNameError, match="valid parameters are .*V_reset"):
        models.get("lif", V_rst=-70 * mV)


# ----------------------------------------------------------------------------- units
@pytest.mark.parametrize("dim, text, kind", [
    (mV, "mV", "a voltage"),
    (ms, "ms", "a time"),
    (amp / meter**2, "uA/cm**2", "a current density"),
    ((amp / meter**2).dim, "uA/cm**2", "a current density"),
    (mS / cm**2, "mS/cm**2", "a conductance density"),
    (uF / cm**2, "uF/cm**2", "a capacitance density"),
    (Hz, "Hz", "a frequency"),
    (ohm * meter**2, "ohm*cm**2", "a quantity in ohm*cm**2"),
    (mV / ms, "mV/ms", "a quantity in mV/ms"),
    (1 * mV / mV, "1", "a plain number"),
])
def test_format_dimensions(dim, text, kind):
    assert format_dimensions(dim) == text
    assert describe_dimensions(dim) == kind


def test_format_value_reads_back_in_display_units():
    """Quantities in unusual units keep their value: 3 ohm·m² is 30000 ohm·cm²."""
    assert format_value(3 * ohm * meter**2) == "30000*ohm*cm**2"
    assert format_value(-40 * mV) == "-40*mV"
    assert format_value([1 * CURRENT, 2 * CURRENT]) == "[1*uA/cm**2, 2*uA/cm**2]"
    assert format_value("3 mV") == "'3 mV'"


# ----------------------------------------------------------------------------- time step
def test_lif_large_step_warns_with_dt_tau_and_maximum():
    with pytest.warns(HhlifWarning) as record:
        _lif().build(2, dt=2 * ms)
    (warning,) = record
    text = str(warning.message)
    assert "\n" not in text
    for part in ("dt=2*ms", "tau_m=C_m/g_L=10*ms", "dt <= 1*ms"):
        assert part in text, (part, text)


def test_lif_step_warning_uses_the_shortest_time_constant():
    with pytest.warns(HhlifWarning, match=r"shortest .*tau_m=C_m/g_L=2\.5\*ms.*dt <= 0\.25\*ms"):
        _lif().check_time_step(0.5 * ms, {"g_L": [0.1, 0.4] * G})


@pytest.mark.parametrize("model, dt", [
    ("lif", None), ("lif", 1 * ms), ("lif", 0.1 * ms), ("s-lif2hh", None), ("hh", None),
    ("tv-lif2hh", None),
])
def test_default_and_boundary_steps_do_not_warn(model, dt):
    """Every model's own step (s-LIF2HH: 1 ms, its discrete update) and a LIF step of exactly
    tau_m/10 pass without a warning; the group gets the step."""
    m = models.get(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", HhlifWarning)
        pop = m.build(1, dt=dt)
    assert float(pop.output.clock.dt) == pytest.approx(float(dt if dt is not None else m.dt))


def test_check_time_step_is_a_no_op_for_hh():
    with warnings.catch_warnings():
        warnings.simplefilter("error", HhlifWarning)
        models.get("hh").check_time_step(1 * ms)
    assert models.get("hh").time_constant is None


# ----------------------------------------------------------------------------- CLI
def _script(tmp_path, parameters: str) -> str:
    path = tmp_path / "bad_protocol.py"
    path.write_text(
        "from brian2 import ms, mV, mS, uF, cm\n"
        "from hhlif.protocols import Protocol\n\n\n"
        "def make_protocol():\n"
        f"    return Protocol(model='lif', parameters={parameters}, duration=2 * ms)\n")
    return str(path)


SWEEP = ["run", "sweep", "--model", "lif", "--set", "duration=2*ms", "--set"]
# sweeps get two values: a single one fails in protocols.experiments.library.sweep today (len() of a
# 0-d Quantity), which is not a model error

# (id, argv after 'hhlif' (a callable of tmp_path for scripts), substrings of the line)
CLI_CASES = [
    ("sweep-reset-above-threshold", SWEEP + ["parameter=V_reset", "--set",
                                             "values=-70*mV,-40*mV"],
     ["'V_reset'", "=-40*mV", "below V_th=-50*mV"]),
    ("sweep-threshold-below-reset", SWEEP + ["parameter=V_th", "--set", "values=-50*mV,-70*mV"],
     ["'V_th'", "=-70*mV", "above V_reset=-65*mV"]),
    ("sweep-zero-capacitance", SWEEP + ["parameter=C_m", "--set", "values=1*uF/cm**2,0*uF/cm**2"],
     ["'C_m'", "=0*uF/cm**2", "membrane capacitance > 0"]),
    ("sweep-zero-capacitance-plain-number", SWEEP + ["parameter=C_m", "--set", "values=1,0"],
     ["'C_m'", "=0*uF/cm**2", "membrane capacitance > 0"]),
    ("sweep-negative-leak", SWEEP + ["parameter=g_L", "--set", "values=0.1*mS/cm**2,-0.1*mS/cm**2"],
     ["'g_L'", "=-0.1*mS/cm**2", "leak conductance > 0"]),
    ("sweep-negative-refractory", SWEEP + ["parameter=t_ref", "--set", "values=2*ms,-1*ms"],
     ["'t_ref'", "=-1*ms", "refractory period >= 0"]),
    ("sweep-hh-negative-sodium", ["run", "sweep", "--model", "hh", "--set", "duration=2*ms",
                                  "--set", "parameter=g_Na",
                                  "--set", "values=120*mS/cm**2,-120*mS/cm**2"],
     ["'g_Na'", "=-120*mS/cm**2", "conductance >= 0"]),
    ("sweep-wrong-unit", SWEEP + ["parameter=g_L", "--set", "values=3*mV,4*mV"],
     ["'g_L'", "3*mV", "expected a conductance density such as 0.1*mS/cm**2, got a voltage"]),
    ("step-amplitude-in-mV", ["run", "step", "--model", "lif", "--set", "amplitude=3*mV"],
     ["'amplitude'", "=3*mV", "expected a current density such as 10*uA/cm**2, got a voltage"]),
    ("step-model-parameter", ["run", "step", "--model", "lif", "--set", "V_reset=-40*mV"],
     ["'V_reset'"]),
    ("script-zero-capacitance", lambda tmp: ["run", _script(tmp, "{'C_m': 0 * uF / cm**2}")],
     ["'C_m'", "=0*uF/cm**2", "membrane capacitance > 0"]),
    ("script-reset-above-threshold",
     lambda tmp: ["run", _script(tmp, "{'V_reset': -40 * mV}")],
     ["'V_reset'", "=-40*mV", "below V_th=-50*mV"]),
    ("script-negative-leak", lambda tmp: ["run", _script(tmp, "{'g_L': -1 * mS / cm**2}")],
     ["'g_L'", "=-1*mS/cm**2", "leak conductance > 0"]),
]


def _checksums(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("argv, parts", [c[1:] for c in CLI_CASES],
                         ids=[c[0] for c in CLI_CASES])
def test_cli_bad_parameter(tmp_path, capfd, argv, parts):
    """`hhlif run ...` with a meaningless model parameter: exit 2, one error line naming the
    parameter, the value and the expectation, no traceback, nothing written or changed."""
    from hhlif.protocols.cli.main import main

    argv = argv(tmp_path) if callable(argv) else list(argv)
    existing = tmp_path / "existing.json"
    existing.write_text('{"keep": true}\n')
    before = _checksums(tmp_path)
    status = main(argv + ["--backend", "runtime", "--out", str(tmp_path / "out.nix"),
                          "--json", str(tmp_path / "out.json")])
    out, err = capfd.readouterr()
    assert status == 2, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("hhlif: error:")]
    assert len(errors) == 1, err
    assert all(line.startswith("hhlif:") for line in lines), err  # notes only, no Brian2 report
    assert "Traceback" not in err + out
    for part in parts:
        assert part in errors[0], (part, errors[0])
    assert not BRIAN_SPELLING.search(errors[0]), errors[0]
    assert _checksums(tmp_path) == before
