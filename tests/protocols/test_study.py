"""The study report (tiny sizes) and a real self-equivalence (LIF network versus LIF)."""
import json
import math
import re
import time

import pytest

from hhlif.protocols.experiments import equivalence as er
from hhlif.protocols.experiments.study import StudyConfig, estimate_seconds, run_study

TINY = {"repeats": 5, "duration_ms": 30.0, "bin_ms": 10.0, "noise_sources": 20}


def test_estimate_is_positive_and_quick_is_shorter():
    assert 0 < estimate_seconds(StudyConfig.make(True)) < estimate_seconds(StudyConfig())


@pytest.mark.slow
def test_quick_study_fills_every_section_with_numbers(tmp_path, monkeypatch):
    # the default cache: the C++ builds are shared with the other tests (sweep points are
    # keyed by their inputs and the code, so none from another configuration is reused)
    config = StudyConfig.make(True)
    config.fi_duration_ms, config.mi_duration_ms, config.mi_trials = 100.0, 100.0, 8
    config.network_size, config.bootstrap = 2, 200
    # section 4 at toy sizes on the runtime backend: one task, two candidates (one fitted),
    # both operating points, three reference sizes
    config.equivalence_sizes, config.equivalence_seeds = (2, 3, 4), 2
    config.equivalence_repeats, config.equivalence_metrics = 8, ("mi", "fisher")
    config.equivalence_protocols = ("waveform-classes",)
    config.equivalence_candidates = ("lif", "lif-fi-noisy")
    config.equivalence_backend = "runtime"
    config.network_candidates = ("lif-fi-noisy",)   # the size search with fitted parameters
    # the verdict: one class task, the default LIF and the exact control, tiny sizes
    config.verdict_tasks, config.verdict_candidates = ("rebound-classes",), ("lif", "tv-lif2hh")
    config.verdict_size = 2
    monkeypatch.setattr(er, "QUICK", er.QUICK.updated(TINY))
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
    # section 4: the calibration report and every (candidate, operating point, metric) row
    assert "### 4.1 The candidates and their calibration" in text
    assert re.search(r"\| LIF fitted to HH's f–I under the task's noise \| g_L", text), text
    pooled = json.loads((tmp_path / "out" / "equivalence_pooled.json").read_text())
    task = pooled["waveform-classes"]
    assert set(task) == {"lif", "lif-fi-noisy"}
    for family in task.values():
        assert set(family) == {"equal-current", "rheobase"}
        for res in family.values():
            for metric in ("mi", "fisher"):
                by_n = res["results"][metric]
                assert set(by_n) == {"2", "3", "4"}
                for r in by_n.values():
                    assert r["ratio"] == "inf" or math.isfinite(r["ratio"])
    assert task["lif"]["rheobase"]["scales"]["candidate"] == pytest.approx(
        task["lif"]["rheobase"]["scales"]["candidate_rheobase_uA_cm2"]
        / task["lif"]["rheobase"]["scales"]["reference_rheobase_uA_cm2"])
    assert (tmp_path / "out" / "figures" / "equivalence_ratio_waveform-classes.png").is_file()
    assert re.search(r"rates differ: lif fires at", text)
    # the coupled network: the size search, its own JSON and figures
    assert "`ei-classes`: a coupled network" in text
    ei = json.loads((tmp_path / "out" / "equivalence_ei-classes.json").read_text())
    assert set(ei) == {"mi", "readout", "stats"}
    assert ei["mi"]["provenance"]["protocol"] == "ei-classes"
    assert ei["mi"]["provenance"]["candidate"]["source"] == "fitted: fi-noisy"
    assert (tmp_path / "out" / "figures" / "ei-classes" / "equivalence_mi.png").is_file()
    assert (tmp_path / "out" / "recordings" / "fi_hh.nix").is_file()
    # the verdict: its table, figure, a paragraph per task, the cost panel, its JSON
    assert "The verdict: is one HH neuron worth four LIF neurons" in text
    assert re.search(r"\| rebound-classes \(mi, equal-current\) \|", text), text
    assert "**rebound-classes** (mi, equal-current). Expected:" in text
    assert re.search(r"\| hh \| rush_larsen2 \| 103 \|", text), text
    assert (tmp_path / "out" / "figures" / "verdict.png").is_file()
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text())
    assert set(verdict["rebound-classes"]) == {"lif", "tv-lif2hh"}
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

    for name in ("waveforms", "fi", "mi", "equivalence", "network", "verdict", "cost"):
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
