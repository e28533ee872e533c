"""Sweeps: content-hash cache, resumption after an interruption, Dask = serial."""
import json
import os

import pytest

from hhlif.protocols.experiments.sweeps import SweepError, SweepRunner, point_key, run_sweep

CALLS = []


def square(x, log=None):
    """A point function that fails for the x named in $HHLIF_TEST_FAIL (an interruption)."""
    if str(x) in os.environ.get("HHLIF_TEST_FAIL", "").split(","):
        raise RuntimeError(f"interrupted at x={x}")
    CALLS.append(x)
    return {"x": x, "square": x * x}


def test_interrupted_sweep_resumes_with_only_missing_points(tmp_path, monkeypatch):
    points = [{"x": x} for x in range(8)]
    CALLS.clear()
    monkeypatch.setenv("HHLIF_TEST_FAIL", "3,6")
    with pytest.raises(SweepError) as info:
        run_sweep(square, points, scheduler="serial", cache=tmp_path, progress=False)
    first = info.value.result
    assert first.computed == 6 and sorted(first.failures) == [3, 6]
    assert len(list(tmp_path.rglob("*.json"))) == 6          # finished points kept
    monkeypatch.setenv("HHLIF_TEST_FAIL", "")
    CALLS.clear()
    again = run_sweep(square, points, scheduler="serial", cache=tmp_path, progress=False)
    assert again.computed == 2 and again.cached == 6
    assert sorted(CALLS) == [3, 6]                           # only the missing ones ran
    assert [r["square"] for r in again.results] == [x * x for x in range(8)]
    CALLS.clear()
    third = run_sweep(square, points, scheduler="serial", cache=tmp_path, progress=False)
    assert third.computed == 0 and CALLS == []
    forced = run_sweep(square, points, scheduler="serial", cache=tmp_path, progress=False,
                       force=True)
    assert forced.computed == 8
    # atomic writes leave no temporary files behind
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]


def test_cache_files_hold_inputs_and_results(tmp_path):
    res = run_sweep(square, [{"x": 2}], scheduler="serial", cache=tmp_path, progress=False)
    (path,) = list(tmp_path.rglob("*.json"))
    payload = json.loads(path.read_text())
    assert payload["point"] == {"x": 2} and payload["result"] == {"x": 2, "square": 4}
    assert path.stem == res.keys[0] == point_key(square, {"x": 2})


def test_keys_depend_on_inputs_not_on_order():
    assert point_key(square, {"x": 1, "log": "a"}) == point_key(square, {"log": "a", "x": 1})
    assert point_key(square, {"x": 1}) != point_key(square, {"x": 2})
    assert point_key(square, {"x": 1}) != point_key(run_sweep, {"x": 1})


def test_duplicate_points_computed_once(tmp_path):
    CALLS.clear()
    res = run_sweep(square, [{"x": 5}, {"x": 5}], scheduler="serial", cache=False,
                    progress=False)
    assert CALLS == [5] and res.results[0] == res.results[1]


def test_errors_keep_and_bad_input():
    res = run_sweep(square, [{"x": "boom"}], scheduler="serial", cache=False, progress=False,
                    errors="keep")
    assert 0 in res.failures and res.results == [None]
    with pytest.raises(ValueError, match="module-level"):
        run_sweep(lambda x: x, [{"x": 1}], scheduler="serial", cache=False)
    with pytest.raises(ValueError, match="JSON"):
        run_sweep(square, [{"x": object()}], scheduler="serial", cache=False)
    with pytest.raises(ValueError, match="n_workers"):
        SweepRunner(n_workers=0)


TINY = {"repeats": 5, "duration_ms": 30.0, "bin_ms": 10.0, "n_classes": 2,
        "noise_sources": 20}


@pytest.mark.slow
def test_dask_and_serial_give_the_same_numbers(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    from hhlif.protocols.experiments.equivalence import evaluate_point

    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path / "cache"))
    points = [{"model": "lif", "n": n, "seed": s, "settings": TINY, "backend": "runtime"}
              for n, s in [(2, 0), (2, 1), (3, 0)]]
    serial = run_sweep(evaluate_point, points, scheduler="serial", cache=False, progress=False)
    dask = run_sweep(evaluate_point, points, scheduler="local", n_workers=2, cache=False,
                     progress=False)
    assert serial.computed == dask.computed == 3 and dask.scheduler == "local"
    for a, b in zip(serial.results, dask.results):
        for metric in ("mi", "readout", "reliability", "stats"):
            assert a[metric] == b[metric]  # same seeds: bit-identical simulations
        assert a["details"]["mean_pooled_count_per_class"] == \
            b["details"]["mean_pooled_count_per_class"]
    # different seeds really differ (the comparison above is not vacuous)
    assert serial.results[0]["details"] != serial.results[1]["details"]


def test_keys_change_with_the_code(tmp_path, monkeypatch):
    """A point cached by other code (same hhlif version) is not reused."""
    import importlib
    import shutil

    import hhlif.analysis
    from hhlif.protocols.experiments import sweeps

    # the function's own module
    (tmp_path / "mod").mkdir()
    source = tmp_path / "mod" / "user_sweep_fn.py"
    source.write_text("def f(x):\n    return x + 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "mod"))
    module = importlib.import_module("user_sweep_fn")
    before = point_key(module.f, {"x": 1})
    sweeps._module_fingerprint.cache_clear()
    assert point_key(module.f, {"x": 1}) == before   # unchanged code: the same key
    source.write_text("def f(x):\n    return x + 2\n")
    sweeps._module_fingerprint.cache_clear()
    assert point_key(module.f, {"x": 1}) != before
    # any hhlif source file
    copy = tmp_path / "analysis"
    shutil.copytree(hhlif.analysis.__path__[0], copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hhlif.analysis, "__path__", [str(copy)])
    sweeps._package_fingerprint.cache_clear()
    first = point_key(square, {"x": 1})
    with open(copy / "equivalence.py", "a") as handle:
        handle.write("\n# edited\n")
    sweeps._package_fingerprint.cache_clear()
    assert point_key(square, {"x": 1}) != first
    sweeps._package_fingerprint.cache_clear()
