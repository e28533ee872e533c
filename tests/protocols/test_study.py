"""The study report (tiny sizes) and a real self-equivalence (LIF network versus LIF)."""
import json
import math
import re

import pytest

from hhlif.protocols import equivalence_runs as er
from hhlif.protocols.study import StudyConfig, estimate_seconds, run_study

TINY = {"repeats": 5, "duration_ms": 30.0, "bin_ms": 10.0, "noise_sources": 20}


def test_population_counts_and_metrics_on_a_known_recording():
    # two classes x 5 repeats x 2 neurons; class 1 spikes 3x as often: counts are exact
    import numpy as np

    from hhlif.protocols.recording import PopulationData, Recording

    idx, times = [], []
    for copy in range(10):
        k = 1 if copy < 5 else 3
        for j in range(2):
            for s in range(k):
                idx.append(copy * 2 + j)
                times.append(5.0 + 10.0 * s)
    order = np.argsort(times, kind="stable")
    pop = PopulationData("neurons", "lif", 20, np.asarray(idx)[order],
                         np.asarray(times, dtype=float)[order], np.zeros(20, int),
                         np.zeros(20, int))
    rec = Recording({"neurons": pop}, 0.0, 40.0, {0: ""}, "rate-classes", "lif")
    counts, labels = er.population_counts(rec, n=2, n_classes=2, repeats=5, bin_ms=10.0)
    assert counts.shape == (10, 2, 4)
    assert counts[0].tolist() == [[1, 0, 0, 0]] * 2 and counts[9].tolist() == [[1, 1, 1, 0]] * 2
    assert labels.tolist() == [0] * 5 + [1] * 5
    m = er.response_metrics(counts, labels, 40.0, seed=0, mi_levels=2)
    # deterministic responses that separate the classes: 1 bit, perfect readout, CV 0
    assert m["mi"] == pytest.approx(1.0, abs=0.1) and m["readout"] == 1.0
    assert m["stats"] == 0.0


def test_self_equivalence_of_a_simulated_network_covers_one(tmp_path, monkeypatch):
    # LIF network of N = 3 against LIF networks of n, other seeds: the ratio is 1 up to
    # seed noise, so the CI must contain 1
    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path))
    res = er.measure_equivalence("lif", "lif", 3, metric="readout", seeds=3,
                                 scheduler="serial", settings=dict(TINY, repeats=10),
                                 n_max=12, resolution=0.2, n_bootstrap=500, progress=False,
                                 cache=tmp_path / "sweeps")
    lo, hi = res.ratio_ci
    assert lo <= 1.0 <= hi, str(res)
    assert res.provenance["reference"] == "lif" and res.provenance["sweep"]["computed"] > 0
    json.dumps(res.to_dict())


def test_estimate_is_positive_and_quick_is_shorter():
    assert 0 < estimate_seconds(StudyConfig.make(True)) < estimate_seconds(StudyConfig())


@pytest.mark.slow
def test_quick_study_fills_every_section_with_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path / "cache"))
    config = StudyConfig.make(True)
    config.fi_duration_ms, config.mi_duration_ms, config.mi_trials = 100.0, 100.0, 8
    config.equivalence_size, config.bootstrap = 2, 200
    monkeypatch.setattr(er, "QUICK_SETTINGS", dict(er.QUICK_SETTINGS, **TINY))
    path, ok = run_study(tmp_path / "out", config, scheduler="serial")
    text = path.read_text()
    assert ok, text
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(sections) == 5
    for body in sections:
        title = body.splitlines()[0]
        if "Not available in this installation" in body and "|" not in body:
            continue  # a missing prerequisite is said in words
        assert re.search(r"\|\s*-?\d+(\.\d+)?(e[+-]\d+)?\s*\|", body), title
    assert "ratio n/N" in text
    eq = json.loads((tmp_path / "out" / "equivalence.json").read_text())
    assert set(eq) == {"mi", "readout"}
    for m in eq.values():
        assert isinstance(m["ratio"], (int, float)) or m["ratio"] == "inf"
        assert not (isinstance(m["ratio"], float) and math.isnan(m["ratio"]))
    assert (tmp_path / "out" / "figures" / "equivalence_mi.png").is_file()
    assert (tmp_path / "out" / "recordings" / "fi_hh.nix").is_file()
    # no silent overwrite
    from hhlif.models.errors import OutputExistsError

    with pytest.raises(OutputExistsError):
        run_study(tmp_path / "out", config, scheduler="serial")
