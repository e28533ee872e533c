"""The pooled equivalence search on real simulations (issue 17's oracles).

Small tasks on Brian2's runtime target (the pools are compiled in real use): 2 seeds,
8 trials per class, 60 ms.  The sweep cache is shared by the module, so the HH pool is
simulated once for every test that uses it.
"""
import json
import re

import numpy as np
import pytest

from hhlif.protocols.cli.main import main
from hhlif.protocols.experiments.pools import (ModelSpec, measure_pooled_equivalence,
                                               pool_protocol, pool_sizes)

#: A small task: 4 classes x 8 trials of 60 ms, 3 bins, 20 + 20 noise sources.
SMALL = {"repeats": 8, "duration_ms": 60.0, "bin_ms": 20.0, "noise_sources": 20}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pool-sweeps")


def _search(reference, candidate, cache, **kw):
    args = dict(sizes=[2], metrics=("mi", "fisher"), seeds=2, settings=SMALL,
                backend="runtime", n_bootstrap=200, n_trial_bootstrap=5, cache=cache,
                progress=False)
    args.update(kw)
    return measure_pooled_equivalence(reference, candidate, **args)


def test_identical_dynamics_on_common_random_numbers_give_exactly_one(cache):
    """``tv-lif2hh`` is HH's dynamics in four LIF units: same step, same pool, same noise
    neuron by neuron -> identical spikes, so n/N is exactly 1 with a CI of [1, 1]."""
    res = _search("hh", "tv-lif2hh", cache, candidate_pool=4)
    assert res.paired_noise
    for m in ("mi", "fisher"):
        ref, cand = res.curves[m]
        np.testing.assert_array_equal(ref.values, cand.values)
        r = res.results[m][2]
        assert r.ratio == pytest.approx(1.0, abs=1e-9), str(r)
        assert r.ratio_ci[0] == pytest.approx(1.0, abs=1e-9)
        assert r.ratio_ci[1] == pytest.approx(1.0, abs=1e-9)
    assert res.candidate.units_per_neuron == 4
    # hh against hh: the same simulation (the pool point is read back from the cache)
    same = _search("hh", "hh", cache, candidate_pool=4)
    assert same.provenance["sweep"]["cached"] >= 1
    for m in ("mi", "fisher"):
        r = same.results[m][2]
        assert r.ratio == pytest.approx(1.0, abs=1e-9) and r.ratio_ci == pytest.approx((1, 1))


def test_default_lif_names_its_confounds(cache):
    """The default LIF fires far more than HH on the task: the result says so, and that
    it is uncalibrated, and that the noise could not be common (0.1 ms against 0.01 ms)."""
    res = _search("hh", "lif", cache, candidate_pool=8)
    assert not res.paired_noise
    text = " ".join(res.confounds)
    assert "rates differ" in text and "not calibrated" in text and "noise drawn per model" in text
    rates = res.provenance["rate_hz"]
    assert np.mean(rates["candidate"]) > 1.25 * np.mean(rates["reference"])


def test_rate_operating_point_scales_the_candidate_to_the_reference_rate():
    """A leakier LIF (g_L 0.2 against 0.1 mS/cm²) needs more current for the same rate:
    the matched scale is above 1 and the pilot rates agree within the tolerance."""
    from brian2 import cm, mS

    from hhlif.protocols.experiments.pools import RATE_TOLERANCE, match_rate, pilot_rate

    leaky = ModelSpec("lif", {"g_L": 0.2 * mS / cm**2}, source="set")
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings

    s = EquivalenceSettings.coerce(SMALL)
    m = match_rate(ModelSpec("lif"), leaky, "waveform-classes", s)
    assert m["candidate"] > 1.0
    assert abs(m["candidate_rate_hz"] / m["reference_rate_hz"] - 1) <= RATE_TOLERANCE
    assert pilot_rate(leaky, 1.0, "waveform-classes", s) < m["reference_rate_hz"]


def test_pool_blocks_redraw_the_class_waveforms_per_seed():
    """Seed blocks are conditions of one build, each class of each seed its own waveform."""
    p = pool_protocol("lif", 3, 2, "waveform-classes", SMALL)
    assert p.network.n_classes == 8 and p.trials == 8 and p.n_neurons == 3 * 8 * 8
    sizes = pool_sizes(40, [5, 10, 20, 40], points=8)
    assert sizes[0] == 1 and sizes[-1] == 40 and {5, 10, 20} <= set(sizes)
    assert sizes == sorted(set(sizes)) and len(sizes) >= 8


def test_model_spec_checks_parameters_and_round_trips():
    from brian2 import cm, mS

    spec = ModelSpec("lif", {"g_L": 1.2 * mS / cm**2}, source="set")
    again = ModelSpec.from_json(json.loads(json.dumps(spec.to_json())))
    assert float(again.parameters["g_L"]) == pytest.approx(float(1.2 * mS / cm**2))
    with pytest.raises(ValueError, match="nope"):
        ModelSpec("lif", {"nope": 1.0})


def _cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_pooled_search_prints_ratio_and_writes_outputs(tmp_path, capsys, cache):
    args = ["equivalence", "--reference", "lif", "--candidate", "lif", "--size", "2,3",
            "--seeds", "2", "--metric", "mi", "--metric", "readout", "--backend", "runtime",
            "--bootstrap", "100", "--cache", str(cache), "--json", str(tmp_path / "r.json"),
            "--figures", str(tmp_path / "figs"), "--n-max", "6"]
    for k, v in SMALL.items():
        args += ["--set", f"{k}={v:g}"]
    code, out, err = _cli(args, capsys)
    assert code == 0, err
    # same model, same step, same pool: n/N = 1 exactly at both sizes
    for n in (2, 3):
        assert re.search(rf"^mi: N = {n}: .*n/N = 1 \[1, 1\]", out, re.M), out
    payload = json.loads((tmp_path / "r.json").read_text())
    assert set(payload["results"]) == {"mi", "readout"}
    assert payload["paired_noise"] is True
    assert (tmp_path / "figs" / "equivalence_mi.png").is_file()
    # a changed parameter is a different candidate, recorded as such
    code, out, err = _cli(args + ["--candidate-set", "g_L=0.2*mS/cm**2", "--force"], capsys)
    assert code == 0, err
    payload = json.loads((tmp_path / "r.json").read_text())
    assert payload["candidate"]["parameters"] == {"g_L": "0.2*msiemens/cm**2"} or \
        "g_L" in payload["candidate"]["parameters"]


@pytest.mark.parametrize("extra, words", [
    (["--search", "pool", "--metric", "stats"], ["--search=pool", "'stats'", "bisect"]),
    (["--search", "pool", "--protocol", "ei-classes"], ["--search=pool", "ei-classes"]),
    (["--operating-point", "nope"], ["--operating-point='nope'", "equal-current"]),
    (["--candidate-params", "missing.json"], ["--candidate-params", "missing.json"]),
    (["--candidate-set", "nope=1*mV"], ["--candidate-set", "nope"]),
    (["--size", "5,x"], ["--size='x'"]),
    (["--search", "bisect", "--operating-point", "rheobase"], ["--operating-point",
                                                                "--search pool"]),
])
def test_cli_pooled_bad_input_is_one_line(extra, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli(["equivalence"] + extra, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    for w in words:
        assert w in lines[0], lines[0]


def test_a_pool_read_at_two_bin_widths_is_simulated_once(monkeypatch):
    from hhlif.protocols.experiments import pools
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.simulation import running

    runs = []
    original = running.run

    def counting(*args, **kwargs):
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(running, "run", counting)
    monkeypatch.setattr(pools, "_RECORDINGS", {})

    def point(bin_ms, noise_seed=1):
        s = EquivalenceSettings.coerce({**SMALL, "bin_ms": bin_ms}).to_json()
        return pools.evaluate_pool(ModelSpec("lif").to_json(), 3, 2, [1, 2, 3], ["fisher"],
                                   settings=s, noise_seed=noise_seed, n_trial_bootstrap=2,
                                   backend="runtime")

    fine, coarse = point(10.0), point(30.0)
    assert len(runs) == 1
    assert coarse["cost"]["reused_simulation"] and not fine["cost"]["reused_simulation"]
    assert coarse["spikes_per_trial"] == fine["spikes_per_trial"]   # the same spikes
    assert coarse["values"]["fisher"] != fine["values"]["fisher"]   # read at other bins
    point(10.0, noise_seed=2)                                       # other noise: a new run
    assert len(runs) == 2
