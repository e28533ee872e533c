"""EquivalenceSettings: units, checks, the JSON record, and ``hhlif equivalence --set``.

Oracles: the settings of earlier versions written out literally (the JSON record must keep
its names and numbers: provenance and sweep points use it), values typed with units, and
the words a user must read in each refusal.
"""
import json

import pytest
from brian2 import Hz, cm, ms, uA

from hhlif.models.errors import ParameterError, ParameterUnitError, UnknownNameError
from hhlif.protocols.cli.equivalence import parse_settings
from hhlif.protocols.cli.main import main
from hhlif.protocols.experiments import equivalence as er
from hhlif.protocols.experiments.equivalence import DEFAULT, QUICK, EquivalenceSettings

CURRENT = uA / cm**2

#: The default settings as earlier versions wrote them (plain numbers, unit-suffixed names).
RECORD = {
    "n_classes": 4, "classes_uA_cm2": [4.0, 6.0, 8.0, 10.0], "waveform_mean_uA_cm2": 8.0,
    "waveform_std_uA_cm2": 4.0, "waveform_tau_ms": 5.0, "waveform_seed": 1, "repeats": 30,
    "duration_ms": 100.0, "bin_ms": 25.0, "noise_std_uA_cm2": 12.0, "noise_tau_ms": 2.0,
    "noise_sources": 100, "noise_rate_hz": 50.0, "coupling_uA_cm2": 0.0,
    "connection_probability": 0.1, "mi_levels": 3, "readout_alpha": 1.0,
    "dt_ms": {"lif": 0.1}, "ei_fraction_excitatory": 0.8, "ei_weight_e_uA_cm2": 0.5,
    "ei_g": 4.0, "ei_drive_sources": 100, "ei_drive_rate_hz": 20.0,
    "ei_drive_weight_uA_cm2": 1.0, "ei_tau_syn_ms": 5.0, "ei_waveform_std_uA_cm2": 1.5,
}


def test_defaults_have_units_and_the_record_of_earlier_versions():
    assert DEFAULT.duration == 100 * ms and DEFAULT.noise_std == 12 * CURRENT
    assert DEFAULT.noise_rate == 50 * Hz and DEFAULT.waveform_tau == 5 * ms
    assert list(DEFAULT.classes / CURRENT) == [4.0, 6.0, 8.0, 10.0]
    assert dict(DEFAULT.dt) == {"lif": 0.1 * ms}
    assert DEFAULT.to_json() == RECORD and list(DEFAULT.to_json()) == list(RECORD)
    assert DEFAULT.describe() == RECORD
    assert json.loads(json.dumps(DEFAULT.to_json())) == RECORD
    assert QUICK.to_json() == dict(RECORD, repeats=20, duration_ms=60.0, bin_ms=20.0)
    assert er.settings_for() == RECORD and er.settings_for(quick=True) == QUICK.to_json()


def test_frozen_replace_and_round_trip():
    s = DEFAULT.replace(duration=200 * ms, repeats=40, dt={"hh": 0.005 * ms})
    assert s.duration == 200 * ms and s.repeats == 40 and DEFAULT.duration == 100 * ms
    with pytest.raises(AttributeError):
        s.repeats = 5
    record = s.to_json()
    assert record["duration_ms"] == 200.0 and record["dt_ms"] == {"hh": 0.005}
    assert EquivalenceSettings.from_json(record) == s and hash(EquivalenceSettings.from_json(
        record)) == hash(s)
    assert EquivalenceSettings.from_json(record).to_json() == record
    with pytest.raises(UnknownNameError, match="'duration_ms'"):
        DEFAULT.replace(duration_ms=5)   # replace takes fields; updated takes both
    # numbers of the record are clean decimals: 0.3 ms is 0.3, not 0.30000000000000004
    assert DEFAULT.replace(noise_tau=0.3 * ms).to_json()["noise_tau_ms"] == 0.3


def test_updated_accepts_fields_json_names_and_one_models_step():
    a = DEFAULT.updated({"duration_ms": 200, "noise_std_uA_cm2": 8, "classes_uA_cm2": [1, 2]})
    b = DEFAULT.updated({"duration": 200 * ms, "noise_std": 8 * CURRENT,
                         "classes": [1, 2] * CURRENT})
    assert a == b and a.to_json()["classes_uA_cm2"] == [1.0, 2.0]
    c = DEFAULT.updated({"dt.hh": 0.005 * ms})
    assert dict(c.dt) == {"lif": 0.1 * ms, "hh": 0.005 * ms}
    assert DEFAULT.updated({"dt_ms": {"hh": 0.005}}).to_json()["dt_ms"] == {"hh": 0.005}
    assert EquivalenceSettings.coerce(None, quick=True) == QUICK
    assert EquivalenceSettings.coerce({"repeats": 10}, quick=True).duration == 60 * ms
    assert EquivalenceSettings.coerce(a) is a
    assert er.n_classes_of("rate-classes", a) == 2 == er.n_classes_of("rate-classes",
                                                                      a.to_json())
    assert er.n_classes_of("waveform-classes", a) == 4


@pytest.mark.parametrize("overrides, error, words", [
    ({"repeats": 2}, ParameterError, ["'repeats'=2", ">= 5", "cross-validation"]),
    ({"repeats": 7.5}, ParameterError, ["'repeats'=7.5", "an integer"]),
    ({"duration_ms": -5}, ParameterError, ["'duration_ms'=-5", "> 0"]),
    ({"duration": -5 * ms}, ParameterError, ["'duration'=-5*ms", "a time > 0"]),
    ({"duration": 5}, ParameterUnitError, ["'duration'=5", "expected a time", "5*ms"]),
    ({"noise_rate": 5 * ms}, ParameterUnitError, ["'noise_rate'", "a frequency", "got a time"]),
    ({"noise_std": -1 * CURRENT}, ParameterError, ["'noise_std'", ">= 0"]),
    ({"connection_probability": 2}, ParameterError, ["'connection_probability'=2", "<= 1"]),
    ({"bin": 500 * ms}, ParameterError, ["'bin'=500*ms", "at most duration=100*ms"]),
    ({"classes_uA_cm2": [1]}, ParameterError, ["'classes_uA_cm2'", "at least two"]),
    ({"dt.lif": 0.1}, ParameterUnitError, ["'dt.lif'=0.1", "expected a time"]),
    ({"dt_ms": {"lif": -1}}, ParameterError, ["'dt_ms.lif'", "> 0"]),
    ({"dt_ms": 5}, ParameterError, ["'dt_ms'=5", "mapping of model names"]),
    ({"duration": 1 * ms, "duration_ms": 3}, ParameterError, ["'duration_ms'=3",
                                                              "also given as 'duration'"]),
    ({"nope": 1}, UnknownNameError, ["'nope'", "valid settings", "duration", "duration_ms"]),
])
def test_bad_settings_are_one_line_naming_setting_value_and_expectation(overrides, error,
                                                                        words):
    with pytest.raises(error) as info:
        EquivalenceSettings.coerce(overrides)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_set_values_are_read_with_units_by_the_package_parser():
    parsed = parse_settings(["duration=200*ms", "repeats=40", "noise_std=8*uA/cm**2",
                              "classes=[4, 6]*uA/cm**2", "dt.s-lif2hh=0.05*ms",
                              "duration_ms=200"])
    assert parsed["duration"] == 200 * ms and parsed["repeats"] == 40
    # 8*uA/cm**2 as parsed ((8*uA)/cm**2) may differ from 8*(uA/cm**2) in the last bit;
    # the record rounds that away
    assert float(parsed["noise_std"] / CURRENT) == pytest.approx(8.0, rel=1e-15)
    assert DEFAULT.updated({"noise_std": parsed["noise_std"]}).to_json()["noise_std_uA_cm2"] \
        == 8.0
    assert list(parsed["classes"] / CURRENT) == pytest.approx([4, 6], rel=1e-15)
    assert parsed["dt.s-lif2hh"] == 0.05 * ms and parsed["duration_ms"] == 200
    with pytest.raises(ParameterError, match="dt.lif=0.05"):
        parse_settings(['dt_ms={"lif": 0.05}'])
    with pytest.raises(ParameterError, match="expected KEY=VALUE"):
        parse_settings(["repeats"])
    with pytest.raises(ParameterError, match="'repeats'='10\\*\\*'"):
        parse_settings(["repeats=10**"])


@pytest.mark.parametrize("argv, words", [
    (["--set", "duration=5"], ["'duration'=5", "expected a time such as 100*ms"]),
    (["--set", "duration=-5*ms"], ["'duration'=-5*ms", "> 0"]),
    (["--set", "bin=80*ms", "--quick"], ["'bin'=80*ms", "at most duration=60*ms"]),
    (["--set", "dt_ms={\"lif\": 0.05}"], ["dt.lif=0.05*ms"]),
    (["--set", "repeats=10**"], ["'repeats'='10**'", "not a value"]),
])
def test_cli_refuses_bad_settings_with_exit_2_and_one_line(tmp_path, monkeypatch, capsys,
                                                           argv, words):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path / "hc"))
    code = main(["equivalence", *argv])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("hhlif: error: "), lines
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert not any(tmp_path.iterdir())


def test_search_estimate_reads_the_settings_with_units():
    """The estimate scales with repeats and duration as the sizes say (no simulation)."""
    base = er.estimate_search("lif", "lif", 10, seeds=2, n_max=20)
    longer = er.estimate_search("lif", "lif", 10, seeds=2, n_max=20,
                                settings={"duration": 200 * ms})
    same = er.estimate_search("lif", "lif", 10, seeds=2, n_max=20,
                              settings=DEFAULT.replace(duration=200 * ms))
    assert longer == same and base["copies"] == 4 * 30
    assert longer["cpu_seconds"] > 1.8 * base["cpu_seconds"] - 2 * base["simulations"] * 1.5
    assert er.estimate_search("lif", "lif", 10, quick=True)["copies"] == 4 * 20
