"""Built-in protocols: parameters with units, defaults, errors; sweep and fi-curve layouts."""

import numpy as np
import pytest
from brian2 import cm, mS, ms, uA

from hhlif.models.errors import ParameterError, ParameterUnitError, UnknownNameError
from hhlif.protocols import run
from hhlif.protocols.experiments import library as builtin

UNIT = uA / cm**2


def test_sweep_reads_plain_numbers_in_display_units():
    p = builtin.make_protocol("sweep", model="hh", values="1,2,3")
    np.testing.assert_allclose(np.asarray(p.condition_values()["amplitude"] / UNIT), [1, 2, 3])
    p = builtin.make_protocol("sweep", model="lif", parameter="g_L",
                              values=[0.1, 0.2] * mS / cm**2)
    assert p.condition_labels()[1] == "g_L=0.2*mS/cm**2"
    with pytest.raises(UnknownNameError, match="'tau_m'"):
        builtin.make_protocol("sweep", model="lif", parameter="tau_m")


def test_fi_curve_parameters_are_checked():
    p = builtin.make_protocol("fi-curve", model="lif", i_min=0 * UNIT, i_max=10 * UNIT, n=6)
    assert p.n_neurons == 6
    with pytest.raises(ParameterError, match="i_max"):
        builtin.make_protocol("fi-curve", i_min=5 * UNIT, i_max=1 * UNIT)
    with pytest.raises(ParameterUnitError, match="'duration'"):
        builtin.make_protocol("fi-curve", duration=5 * UNIT)
    with pytest.raises(ParameterError, match="'n'"):
        builtin.make_protocol("fi-curve", n=1.5)


@pytest.mark.standalone
def test_sweep_runs_every_condition_in_one_build_and_rates_rise():

    p = builtin.make_protocol("sweep", model="lif", values="2,4,8", stimulus="constant",
                              duration=300 * ms, trials=2)
    rec = run(p, backend="cpp")
    assert rec.provenance["build"]["compiled"] == 1  # one build for every copy
    assert rec.provenance["build"]["runs"] == 1
    counts = rec.main.spike_counts().reshape(3, 2)
    assert (counts[:, 0] == counts[:, 1]).all()  # deterministic: trials agree
    assert counts[0, 0] < counts[1, 0] < counts[2, 0]


def test_sweep_values_as_ranges():
    """linspace/arange in --set values (units kept, plain numbers in display units)."""
    from hhlif.models.parsing import parse_value

    p = builtin.make_protocol("sweep", model="hh", values="linspace(2, 20, 10)*uA/cm**2")
    np.testing.assert_allclose(np.asarray(p.condition_values()["amplitude"] / UNIT),
                               np.linspace(2, 20, 10))
    p = builtin.make_protocol("sweep", model="hh", values="arange(1, 4, 0.5)")
    np.testing.assert_allclose(np.asarray(p.condition_values()["amplitude"] / UNIT),
                               [1, 1.5, 2, 2.5, 3, 3.5])
    np.testing.assert_allclose(np.asarray(parse_value("arange(0*ms, 10*ms, 2.5*ms)") / ms),
                               [0, 2.5, 5, 7.5])
    # commas inside a call are not a bare list; commas outside still are
    assert len(parse_value("1*ms,2*ms,3*ms")) == 3
    for text, message in [("linspace(1*ms, 2, 3)", "same unit"),
                          ("linspace(1, 2, 0)", "whole number"),
                          ("linspace(1, 2, 2.5)", "whole number"),
                          ("arange(0, 1, 0)", "non-zero step"),
                          ("arange(0, 1e9, 1)", "1 to 100000"),
                          ("linspace(1, 2)", "linspace\\(start, stop, num\\)"),
                          ("linspace(0, 1, inf)", "finite single"),
                          ("arange(0, inf, 1)", "finite single"),
                          ("linspace(0, nan, 3)", "finite single"),
                          ("linspace([1, 2], 3, 4)", "linspace\\(start, stop, num\\)"),
                          ("sin(3)", "linspace\\(start, stop, num\\) and arange")]:
        with pytest.raises(ParameterError, match=message):
            parse_value(text, "values")
