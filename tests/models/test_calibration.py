"""Calibration data (hhlif.models.calibration): fit spaces against the registered models,
search coordinates, and the Calibration record's JSON round trip and refusals.

No simulation here: the measurements and the fit are tested in
tests/protocols/test_calibration.py.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from brian2 import cm, mS, ms, mV

from hhlif import models
from hhlif.models.calibration import (CALIBRATION_FORMAT, FAMILIES, FIT_SPACES, TARGETS,
                                      Calibration, FitParameter, fit_space)
from hhlif.models.errors import ParameterError, ParameterUnitError, UnknownNameError


def _calibration(**changes):
    fields = dict(candidate="lif", reference="hh", target="fi-noisy",
                  parameters={"g_L": 1.17312345678 * mS / cm**2, "V_th": -59.6 * mV,
                              "t_ref": 12.0 * ms},
                  report={"targets": {"rheobase": {"reference": 6.26, "candidate": 6.3}}},
                  settings={"seed": 0, "task": {"noise_std_uA_cm2": 12.0}})
    fields.update(changes)
    return Calibration(**fields)


def test_families_are_the_fit_spaces_and_each_space_fits_its_registered_model():
    assert tuple(sorted(FIT_SPACES)) == FAMILIES
    for family, space in FIT_SPACES.items():
        assert space.family == family
        if family not in models.available():
            continue   # adex: checked by its own test below once it is registered
        model = models.get(family)
        space.check(model)
        for p in space.parameters:   # the model's default lies inside the bounds
            default = float(model.parameters[p.name])
            assert float(p.low) <= default <= float(p.high), p.name


def test_adex_fit_space_matches_the_adex_model():
    if "adex" not in models.available():
        pytest.skip("model 'adex' (models/adaptive_exponential.py) is not registered yet")
    fit_space("adex").check(models.get("adex"))


def test_lif_space_names_bounds_and_targets():
    space = fit_space("lif")
    assert space.names("fi-noisy") == ("g_L", "V_th", "t_ref")
    # the rheobase target fits only what shapes rheobase and input conductance
    assert space.names("rheobase") == ("g_L", "V_th")
    assert set(space.names("gamma")) == set(space.names("fi"))
    assert set(TARGETS) == {"rheobase", "fi", "fi-noisy", "gamma"}


def test_search_coordinates_map_to_the_bounds_and_back():
    g = FitParameter("g_L", 0.05 * mS / cm**2, 3.0 * mS / cm**2, log=True)
    lo, hi = g.bounds()
    assert lo == pytest.approx(np.log10(0.05)) and hi == pytest.approx(np.log10(3.0))
    # independent oracle: 10**x in mS/cm², 1 mS/cm² = 10 S/m²
    assert float(g.value(0.0)) == pytest.approx(10.0)
    assert float(g.value(hi)) == pytest.approx(30.0)
    values = g.value(np.array([lo, 0.0, hi]))
    np.testing.assert_allclose(g.coordinate(values), [lo, 0.0, hi])
    v = FitParameter("V_th", -64 * mV, -30 * mV)
    assert v.bounds() == (-64.0, -30.0)
    assert float(v.value(-50.0)) == pytest.approx(-0.05)
    space = fit_space("lif")
    x = np.array([[0.0, np.log10(0.5)], [-55.0, -60.0], [2.0, 10.0]])
    sets = space.values(x)
    np.testing.assert_allclose(np.asarray(sets["g_L"]), [10.0, 5.0])
    np.testing.assert_allclose(np.asarray(sets["t_ref"]), [0.002, 0.010])
    with pytest.raises(ParameterError, match="expected 3 rows"):
        space.values(np.zeros((2, 4)))


def test_bad_fit_parameter_bounds_are_refused():
    with pytest.raises(ParameterError, match="expected low < high"):
        FitParameter("V_th", -30 * mV, -60 * mV)
    with pytest.raises(ParameterError, match="same units"):
        FitParameter("V_th", -60 * mV, 1 * ms)
    with pytest.raises(ParameterError, match="> 0 for a log search"):
        FitParameter("t_ref", 0 * ms, 10 * ms, log=True)


def test_unknown_family_is_one_line_listing_the_families():
    with pytest.raises(UnknownNameError) as info:
        fit_space("hh")
    message = str(info.value)
    assert "'hh'" in message and "lif" in message and "\n" not in message


def test_json_round_trip_keeps_everything():
    cal = _calibration()
    text = json.dumps(cal.to_json())
    back = Calibration.from_json(json.loads(text))
    assert back == cal
    assert back.to_json() == cal.to_json()
    assert back.report == cal.report and back.settings == cal.settings
    assert back.to_json()["format"] == CALIBRATION_FORMAT
    for name, value in cal.parameters.items():
        assert float(back.parameters[name]) == pytest.approx(float(value), rel=1e-11)
    model = back.model()
    assert model.name == "lif"
    assert float(model.parameters["g_L"] / (mS / cm**2)) == pytest.approx(1.17312345678)
    assert float(model.parameters["E_L"] / mV) == pytest.approx(-65.0)   # not fitted: default
    assert cal.to_json()["parameters"]["V_th"] == "-59.6*mV"


def _one_line(exc) -> str:
    message = str(exc)
    assert "\n" not in message, message
    return message


@pytest.mark.parametrize("change, error, words", [
    ({"parameters": {"g_X": "1*mS/cm**2"}}, UnknownNameError, ["'g_X'", "not a parameter",
                                                                "g_L"]),
    ({"parameters": {"g_L": "1*mV"}}, ParameterUnitError, ["'g_L'", "1*mV",
                                                           "conductance density"]),
    ({"parameters": {"g_L": "1*furlong"}}, ParameterError, ["'g_L'", "furlong"]),
    ({"parameters": {"g_L": 1.2}}, ParameterError, ["'g_L'", "1.2", "text with units"]),
    ({"parameters": {"V_th": "-70*mV"}}, ParameterError, ["'V_th'", "-70*mV", "V_reset"]),
    ({"candidate": "nope"}, UnknownNameError, ["'nope'", "unknown model"]),
    ({"target": "bogus"}, UnknownNameError, ["'bogus'", "fi-noisy"]),
    ({"format": "something-else"}, ParameterError, ["format", "hhlif-calibration"]),
    ({"version": 99}, ParameterError, ["version=99"]),
    ({"extra": 1}, ParameterError, ["unknown key", "extra"]),
])
def test_from_json_refuses_bad_records_in_one_line(change, error, words):
    record = _calibration().to_json()
    record.update(change)
    with pytest.raises(error) as info:
        Calibration.from_json(record)
    message = _one_line(info.value)
    for word in words:
        assert word in message, message


def test_from_json_refuses_missing_keys_and_non_objects():
    record = _calibration().to_json()
    del record["parameters"]
    with pytest.raises(ParameterError, match="missing key"):
        Calibration.from_json(record)
    with pytest.raises(ParameterError, match="expected a JSON object"):
        Calibration.from_json([1, 2])


def test_calibration_refuses_arrays_and_non_json_reports():
    with pytest.raises(ParameterError, match="expected one value"):
        _calibration(parameters={"g_L": [1.0, 2.0] * mS / cm**2})
    with pytest.raises(ParameterError, match="JSON-able"):
        _calibration(report={"x": object()})


def test_targets_and_families_load_without_brian2():
    """``hhlif fit --help`` lists them: importing them must not load Brian2."""
    code = ("import sys; from hhlif.models.calibration import TARGETS, FAMILIES;"
            " bad = [m for m in sys.modules if m.startswith('brian2')]; print(bad);"
            " sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
