"""The study report (tiny sizes) and a real self-equivalence (LIF network versus LIF)."""
import json
import math
import re
import time

import pytest

from hhlif.protocols.experiments import equivalence as er
from hhlif.protocols.experiments.study import StudyConfig, estimate_seconds, run_study

TINY = {"repeats": 5, "duration_ms": 30.0, "bin_ms": 10.0, "noise_sources": 20}


def test_population_counts_and_metrics_on_a_known_recording():
    # two classes x 5 repeats x 2 neurons; class 1 spikes 3x as often: counts are exact
    import numpy as np

    from hhlif.protocols.recordings.recording import PopulationData, Recording

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
    trains = [np.asarray(times)[order][np.asarray(idx)[order] == i] for i in range(20)]
    m = er.response_metrics(counts, labels, 40.0, seed=0, mi_levels=2, spike_times=trains)
    # deterministic responses that separate the classes: 1 bit, perfect readout, CV 0
    assert m["mi"] == pytest.approx(1.0, abs=0.1) and m["readout"] == 1.0
    assert m["reliability"] == 0.0
    # statistics per class: 1 and 3 spikes in 40 ms; ISIs all 10 ms (CV 0) where defined;
    # counts do not vary across repeats, so no noise correlation is defined
    assert m["stats"]["rate_hz"] == pytest.approx([25.0, 75.0])
    assert m["stats"]["isi_cv"] == [None, 0.0]
    assert m["stats"]["noise_correlation"] == [None, None]


def test_stats_distance_by_hand_and_its_reference_level():
    import numpy as np

    a = {"rate_hz": [9.0, 19.0], "isi_cv": [0.5, 0.4], "noise_correlation": [0.1, None]}
    b = {"rate_hz": [4.0, 39.0], "isi_cv": [0.5, 0.7], "noise_correlation": [0.3, 0.2]}
    # defined pairs: ln(10/5), ln(20/40), 0, -0.3, -0.2 (the None pair is skipped)
    expected = np.sqrt(np.mean(np.square([np.log(2), np.log(0.5), 0.0, -0.3, -0.2])))
    assert er.stats_distance(a, b) == pytest.approx(expected, rel=1e-12)
    assert er.stats_distance(a, a) == 0.0
    # several reference seeds: rates averaged as ln(rate + 1)
    assert er.stats_distance(a, [a, a]) == 0.0
    c = dict(a, rate_hz=[99.0, 19.0])
    mid = er.stats_distance(a, [a, c])   # mean ln(rate + 1) of class 0: ln(sqrt(10 * 100))
    assert mid == pytest.approx(np.sqrt(np.log(np.sqrt(10)) ** 2 / 5), rel=1e-12)
    # the reference level: each seed against the mean of the others
    assert er.reference_stats_distances([a, a, a]) == [0.0, 0.0, 0.0]
    levels = er.reference_stats_distances([a, c, a])
    assert levels[1] == pytest.approx(er.stats_distance(c, a)) and levels[1] > levels[0] > 0
    with pytest.raises(er.ParameterError, match="classes"):
        er.stats_distance(a, {k: v[:1] for k, v in b.items()})
    with pytest.raises(er.ParameterError, match="at least 2"):
        er.reference_stats_distances([a])


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
    # the default cache: the C++ builds are shared with the other tests (sweep points are
    # keyed by their inputs and the code, so none from another configuration is reused)
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
    assert set(eq) == {"mi", "readout", "stats"}
    # the spike-statistics paragraph quotes both models' statistics
    assert re.search(r"HH \(N = 2\) rate \d+(\.\d+)? Hz, ISI CV", text), text
    for m in eq.values():
        assert isinstance(m["ratio"], (int, float)) or m["ratio"] == "inf"
        assert not (isinstance(m["ratio"], float) and math.isnan(m["ratio"]))
    assert (tmp_path / "out" / "figures" / "equivalence_mi.png").is_file()
    # the second task: a recurrent E/I network, its own JSON and figures
    assert "### 4.2 `ei-classes`" in text
    ei = json.loads((tmp_path / "out" / "equivalence_ei-classes.json").read_text())
    assert set(ei) == {"mi", "readout", "stats"}
    assert ei["mi"]["provenance"]["protocol"] == "ei-classes"
    assert (tmp_path / "out" / "figures" / "ei-classes" / "equivalence_mi.png").is_file()
    assert (tmp_path / "out" / "recordings" / "fi_hh.nix").is_file()
    # no silent overwrite
    from hhlif.analysis.errors import OutputExistsError

    with pytest.raises(OutputExistsError):
        run_study(tmp_path / "out", config, scheduler="serial")


def test_ei_task_is_one_random_ei_description_resized_to_every_size(tmp_path):
    """ei-classes: the candidate at n = kN is scale() of the reference network (same
    probability, weights, drive and connectivity seed); each class gets its own waveform."""
    import dataclasses

    import numpy as np

    from hhlif.models.networks import RandomEI, scale

    ref = er.ei_network(20, 1000)
    assert isinstance(ref, RandomEI) and ref.n == 20 and ref.seed == 1000
    assert er.ei_network(60, 1000) == dataclasses.replace(scale(ref, 3), model=None)
    p = er.class_protocol("lif", 4, 7, dict(TINY), protocol="ei-classes")
    assert p.network == er.ei_network(4, 7, TINY) and p.n_neurons == 4 * 4 * TINY["repeats"]
    assert list(p.conditions["index"]) == [0, 1, 2, 3]
    waves = np.asarray(p.stimulus.values)
    assert waves.shape[1] == 4 and not np.allclose(waves[:, 0], waves[:, 1])
    with pytest.raises(er.ParameterError, match="at least 2 neurons"):
        er.class_protocol("lif", 1, 7, dict(TINY), protocol="ei-classes")


def test_ei_task_metrics_and_search_stay_at_two_neurons_or_more(tmp_path):
    import numpy as np

    res = er.measure_equivalences("lif", "lif", 2, metrics=("mi", "stats"), seeds=2,
                                  protocol="ei-classes", scheduler="serial",
                                  settings=dict(TINY), n_max=4, resolution=0.5,
                                  n_bootstrap=100, progress=False, cache=tmp_path)
    for metric, r in res.items():
        assert min(p.n for p in r.points) >= 2, metric
        assert all(np.isfinite(p.mean) for p in r.points)
        assert r.provenance["protocol"] == "ei-classes"
    details = res["mi"].provenance["candidate_details"]
    assert all(d["rate_hz"] > 0 for rows in details.values() for d in rows)


def test_corrected_stats_distance_does_not_shrink_with_n_through_noise_alone():
    """Independent Poisson neurons, all with the same statistics: the raw distance of a
    2-neuron network from a 20-neuron reference is inflated by estimation noise (one pair
    for the correlation, few neurons for the rate); subtracting the sampling variances
    leaves a distance that is about 0 at every size."""
    import numpy as np

    rng = np.random.default_rng(11)
    classes, repeats, duration = 2, 30, 100.0
    labels = np.repeat(np.arange(classes), repeats)
    lam = np.where(labels == 0, 3.0, 6.0)[:, None, None]

    def stats(n):
        counts = rng.poisson(lam, size=(classes * repeats, n, 1))
        return er.spike_statistics(counts, labels, duration)

    raw = {2: [], 20: []}
    corrected = {2: [], 20: []}
    for _ in range(150):
        reference = [stats(20) for _ in range(3)]
        for n in (2, 20):
            cand = stats(n)
            raw[n].append(er.stats_distance(cand, reference, corrected=False))
            corrected[n].append(er.stats_distance(cand, reference) ** 2
                                * np.sign(er.stats_distance(cand, reference)))
    # the raw distance depends on n through noise alone
    assert np.mean(raw[2]) > 2 * np.mean(raw[20])
    # the corrected squared distance is unbiased: its mean is 0 within 3 standard errors
    for n in (2, 20):
        d2 = np.asarray(corrected[n])
        assert abs(d2.mean()) < 3 * d2.std(ddof=1) / np.sqrt(d2.size), (n, d2.mean())


# ----------------------------------------------------------------------------- outputs
def _stub_sections(monkeypatch, fail=(), interrupt=()):
    """Replace the study's sections by fast stubs that write one JSON and a line each."""
    from hhlif.protocols.experiments import study

    def make(name):
        def section(rep, *args):
            rep.add(f"## {name}", "", f"| value |\n|---|\n| {len(name)} |", "")
            rep.json(f"{name}.json", {"section": name})
            if name in fail:
                raise ValueError(f"{name} broke")
            if name in interrupt:
                raise KeyboardInterrupt
        return section

    for name in ("waveforms", "fi", "mi", "equivalence", "cost"):
        monkeypatch.setattr(study, f"_section_{name}", make(name))


def test_a_failed_section_is_reported_as_failed_on_the_console_and_in_the_report(
        tmp_path, monkeypatch, capsys):
    _stub_sections(monkeypatch, fail=("fi",))
    path, ok = run_study(tmp_path / "out", StudyConfig.make(True), backend="runtime",
                         scheduler="serial")
    console = capsys.readouterr().out
    assert not ok
    assert re.search(r"\[study\] fi FAILED after \d+\.\d s: ValueError: fi broke", console)
    assert "[study] fi done" not in console and "[study] mi done in" in console
    text = path.read_text()
    assert "1 section(s) failed: fi" in text and "**This section failed:** `ValueError: fi" in text
    assert "fi FAILED after" in text
    summary = json.loads((tmp_path / "out" / "study.json").read_text())
    assert summary["ok"] is False and summary["sections"]["fi"]["status"] == "failed"
    assert summary["sections"]["mi"]["status"] == "done"


def test_an_out_with_earlier_results_is_refused_without_force(tmp_path, monkeypatch):
    from hhlif.analysis.errors import OutputExistsError

    _stub_sections(monkeypatch)
    out = tmp_path / "out"
    run_study(out, StudyConfig.make(True), backend="runtime", scheduler="serial")
    first = (out / "report.md").read_text()
    with pytest.raises(OutputExistsError, match=r"earlier study \(.*report\.md.*--force"):
        run_study(out, StudyConfig.make(True), backend="runtime", scheduler="serial")
    assert (out / "report.md").read_text() == first
    time.sleep(1.1)   # another "Written" second in the header
    path, ok = run_study(out, StudyConfig.make(True), force=True, backend="runtime",
                         scheduler="serial")
    assert ok and path.read_text() != first
    assert not [p for p in out.iterdir() if p.name.startswith(".")]   # no staging left


def test_an_interrupted_study_writes_nothing(tmp_path, monkeypatch, capsys):
    from hhlif.protocols.cli.main import main

    _stub_sections(monkeypatch, interrupt=("equivalence",))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_study(out, StudyConfig.make(True), backend="runtime", scheduler="serial")
    assert [p for p in out.rglob("*")] == []          # not even the staging folder
    capsys.readouterr()
    code = main(["study", "--quick", "--out", str(tmp_path / "cli"), "--backend", "runtime",
                 "--scheduler", "serial"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 130 and len(err) == 1 and "interrupted: the study wrote nothing" in err[0]
    assert not (tmp_path / "cli").exists()


def test_study_checks_its_options_before_running(tmp_path, monkeypatch, capsys):
    from hhlif.protocols.cli.main import main

    _stub_sections(monkeypatch, fail=("waveforms", "fi", "mi", "equivalence", "cost"))
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "figures").mkdir()
    for argv, words in [
            (["--out", str(tmp_path / "old")], ["--out=", "earlier study", "figures/"]),
            (["--backend", "nope"], ["backend 'nope'", "valid backends"]),
            (["--scheduler", "lokal"], ["--scheduler='lokal'", "expected 'local'"]),
            (["--workers", "0"], ["--workers='0'", ">= 1"])]:
        capsys.readouterr()
        assert main(["study", "--out", str(tmp_path / "new"), *argv]) == 2, argv
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and all(w in lines[0] for w in words), (argv, lines)
        assert "[study]" not in captured.out                 # nothing ran
    assert not (tmp_path / "new").exists()
