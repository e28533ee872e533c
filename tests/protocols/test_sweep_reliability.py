"""Sweeps never cache an interrupted point; cache entries are verified; kills keep the
finished points; ``hhlif cache info/clean`` find and remove the leftovers (issue 13).

The point functions live in a small module written to ``tmp_path`` (Dask workers and
subprocesses import them by name; test modules are not importable there).
"""
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import warnings

import pytest

from hhlif.models.errors import HhlifWarning
from hhlif.protocols.errors import RunInterrupted
from hhlif.protocols.experiments import sweeps
from hhlif.protocols.experiments.sweeps import (CACHE_SCHEMA, SchedulerUnreachableError, SweepRunner,
                                    entry_checksum, run_sweep, verify_entry)

HELPERS = '''
import os, pathlib, time

CALLS = []


def _listed(x, variable):
    return str(x) in os.environ.get(variable, "").split(",")


def square(x, marker_dir=None):
    """x -> x**2; writes started-<x> in marker_dir.  The x listed in $HHLIF_TEST_INTERRUPT
    raise KeyboardInterrupt (as a Ctrl-C inside the function), in $HHLIF_TEST_INCOMPLETE
    IncompleteRunError, in $HHLIF_TEST_SLEEP sleep a minute (a point to kill)."""
    if marker_dir:
        pathlib.Path(marker_dir, f"started-{x}").write_text(str(os.getpid()))
    if _listed(x, "HHLIF_TEST_INTERRUPT"):
        raise KeyboardInterrupt
    if _listed(x, "HHLIF_TEST_INCOMPLETE"):
        from hhlif.protocols.errors import IncompleteRunError
        raise IncompleteRunError(f"the run of x={x} stopped early")
    if _listed(x, "HHLIF_TEST_SLEEP"):
        time.sleep(60.0)
    CALLS.append(x)
    return {"x": x, "square": x * x}


def brian2_stopped_by_sigint(stop_at_ms=5.0, duration_ms=50.0):
    """A Brian2 run that receives SIGINT during the run (Brian2's own handler turns it into
    an early stop, so the function returns normally with a truncated run)."""
    import signal
    import brian2 as b2

    group = b2.NeuronGroup(1, "dv/dt = -v / (10*ms) : 1", method="exact")
    fired = []

    @b2.network_operation(dt=1 * b2.ms)
    def interrupt(t):
        if t >= stop_at_ms * b2.ms and not fired:
            fired.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    net = b2.Network(group, interrupt)
    net.run(duration_ms * b2.ms, namespace={})
    return {"reached_ms": float(net.t / b2.ms)}
'''


@pytest.fixture
def helpers(tmp_path, monkeypatch):
    """The helper module, importable here, in subprocesses and in Dask workers."""
    import importlib

    folder = tmp_path / "helpers"
    folder.mkdir()
    (folder / "sweep_helpers.py").write_text(HELPERS)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder)] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    for variable in ("HHLIF_TEST_INTERRUPT", "HHLIF_TEST_INCOMPLETE", "HHLIF_TEST_SLEEP"):
        monkeypatch.delenv(variable, raising=False)
    sys.modules.pop("sweep_helpers", None)
    module = importlib.import_module("sweep_helpers")
    module.CALLS.clear()
    yield module
    sys.modules.pop("sweep_helpers", None)


def fresh_fingerprints():
    """Forget this process's code fingerprints (read once per process): a subprocess of the
    test read the sources later, and they must agree for the keys to match."""
    sweeps._package_fingerprint.cache_clear()
    sweeps._module_fingerprint.cache_clear()


def entries(cache):
    return sorted(p for p in cache.rglob("*.json") if ".hhlif-tmp-" not in p.name)


# ----------------------------------------------------------------------------- entries
def test_entry_carries_schema_key_and_checksum(tmp_path, helpers):
    res = run_sweep(helpers.square, [{"x": 3}], scheduler="serial", cache=tmp_path,
                    progress=False)
    (path,) = entries(tmp_path)
    payload = verify_entry(path)
    assert payload["schema"] == CACHE_SCHEMA and payload["key"] == path.stem == res.keys[0]
    assert payload["result"] == {"x": 3, "square": 9} and payload["point"] == {"x": 3}
    assert payload["checksum"] == entry_checksum(payload)
    assert payload["checksum"].startswith("sha256:") and len(payload["checksum"]) == 71


def _edit_result(payload):
    payload["result"]["square"] = 1000   # checksum left as it was
    return json.dumps(payload)


def _other_schema(payload):
    payload["schema"] = 1
    payload["checksum"] = entry_checksum(payload)
    return json.dumps(payload)


def _other_key(payload):
    payload["key"] = "0" * 64
    payload["checksum"] = entry_checksum(payload)
    return json.dumps(payload)


def _missing_result(payload):
    del payload["result"]
    return json.dumps(payload)


CORRUPTIONS = {
    "hand-edited": (_edit_result, "checksum mismatch"),
    "truncated": (lambda payload: json.dumps(payload)[:40], "not valid JSON"),
    "garbage": (lambda payload: "\x00\x01 not json", "not valid JSON"),
    "other schema": (_other_schema, "schema 1, expected"),
    "other key": (_other_key, "holds key 0000"),
    "missing field": (_missing_result, "missing field"),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_bad_entry_is_reported_by_name_and_its_point_recomputed(tmp_path, helpers, kind):
    corrupt, reason = CORRUPTIONS[kind]
    points = [{"x": 2}, {"x": 5}]
    run_sweep(helpers.square, points, scheduler="serial", cache=tmp_path, progress=False)
    path = next(p for p in entries(tmp_path) if verify_entry(p)["point"] == {"x": 5})
    path.write_text(corrupt(json.loads(path.read_text())))
    helpers.CALLS.clear()
    with pytest.warns(HhlifWarning, match=rf"{path.name}.*{reason}.*computed again"):
        again = run_sweep(helpers.square, points, scheduler="serial", cache=tmp_path,
                          progress=False)
    assert again.results == [{"x": 2, "square": 4}, {"x": 5, "square": 25}]  # not 1000
    assert helpers.CALLS == [5] and again.cached == 1 and again.computed == 1
    assert verify_entry(path)["result"] == {"x": 5, "square": 25}     # replaced, valid
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        third = run_sweep(helpers.square, points, scheduler="serial", cache=tmp_path,
                          progress=False)
    assert third.cached == 2 and third.computed == 0


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_entries_are_readable_as_the_umask_allows(tmp_path, helpers, mask, mode):
    old = os.umask(mask)
    try:
        run_sweep(helpers.square, [{"x": 1}], scheduler="serial", cache=tmp_path,
                  progress=False)
    finally:
        os.umask(old)
    (path,) = entries(tmp_path)
    assert path.stat().st_mode & 0o777 == mode


# ----------------------------------------------------------------------------- in-process
def test_an_interrupted_point_propagates_and_only_finished_points_are_cached(
        tmp_path, helpers, monkeypatch):
    points = [{"x": x} for x in range(5)]
    monkeypatch.setenv("HHLIF_TEST_INTERRUPT", "2")
    with pytest.raises(RunInterrupted, match=r"2 point\(s\) finished.*cached") as info:
        run_sweep(helpers.square, points, scheduler="serial", cache=tmp_path, progress=False)
    assert isinstance(info.value, KeyboardInterrupt)          # the CLI exits with 130
    assert sorted(verify_entry(p)["point"]["x"] for p in entries(tmp_path)) == [0, 1]
    monkeypatch.delenv("HHLIF_TEST_INTERRUPT")
    helpers.CALLS.clear()
    resumed = run_sweep(helpers.square, points, scheduler="serial", cache=tmp_path,
                        progress=False)
    assert resumed.cached == 2 and resumed.computed == 3 and helpers.CALLS == [2, 3, 4]
    assert [r["square"] for r in resumed.results] == [0, 1, 4, 9, 16]


def test_an_incomplete_run_is_a_failure_and_is_not_cached(tmp_path, helpers, monkeypatch):
    monkeypatch.setenv("HHLIF_TEST_INCOMPLETE", "1")
    res = run_sweep(helpers.square, [{"x": x} for x in range(3)], scheduler="serial",
                    cache=tmp_path, progress=False, errors="keep")
    assert list(res.failures) == [1] and "IncompleteRunError" in res.failures[1]
    assert res.results[1] is None and res.computed == 2
    assert sorted(verify_entry(p)["point"]["x"] for p in entries(tmp_path)) == [0, 2]


def test_a_brian2_run_stopped_by_sigint_is_never_cached(tmp_path, helpers):
    """Brian2's handler turns SIGINT into an early stop (the function returns normally with
    a truncated run); the sweep still sees the interruption."""
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(RunInterrupted,
                       match=r"0 point\(s\) finished.*interrupted one\(s\) are not"):
        run_sweep(helpers.brian2_stopped_by_sigint, [{"stop_at_ms": 5.0}], scheduler="serial",
                  cache=tmp_path, progress=False)
    assert entries(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is before                 # handler restored
    # the same function without an interruption runs to the end and is cached
    res = run_sweep(helpers.brian2_stopped_by_sigint, [{"stop_at_ms": 1e9}],
                    scheduler="serial", cache=tmp_path, progress=False)
    assert res.results[0]["reached_ms"] == pytest.approx(50.0) and len(entries(tmp_path)) == 1


def test_in_dask_workers_an_interrupted_point_fails_and_the_worker_survives(
        tmp_path, helpers, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setenv("HHLIF_TEST_INTERRUPT", "1")      # read by the worker at its start
    # a long run: the worker's main thread handles the signal while it still runs
    points = [{"stop_at_ms": 5.0, "duration_ms": 5000.0}, {"stop_at_ms": 1e9}]
    with SweepRunner("local", n_workers=1, cache=tmp_path, progress=False) as runner:
        res = runner.map(helpers.brian2_stopped_by_sigint, points, errors="keep")
        assert list(res.failures) == [0], res.failures
        assert "IncompleteRunError" in res.failures[0] and "interrupted" in res.failures[0]
        assert res.results[1]["reached_ms"] == pytest.approx(50.0)
        # a KeyboardInterrupt raised by the function: a failure, and the worker still runs
        more = runner.map(helpers.square, [{"x": 1}, {"x": 2}], errors="keep")
        assert list(more.failures) == [0] and "IncompleteRunError" in more.failures[0]
        assert more.results[1] == {"x": 2, "square": 4}
        assert len(runner._client.scheduler_info()["workers"]) == 1
    kept = [verify_entry(p)["point"] for p in entries(tmp_path)]
    assert sorted(map(json.dumps, kept)) == sorted(map(json.dumps, [{"stop_at_ms": 1e9},
                                                                    {"x": 2}]))


# ----------------------------------------------------------------------------- kills
SCRIPT = '''
import sys
if __name__ == "__main__":
    import sweep_helpers
    from hhlif.protocols.experiments.sweeps import run_sweep
    cache, markers, scheduler = sys.argv[1:4]
    points = [{"x": x, "marker_dir": markers} for x in range(6)]
    try:
        res = run_sweep(sweep_helpers.square, points, scheduler=scheduler, n_workers=2,
                        cache=cache, progress=False)
    except KeyboardInterrupt as exc:
        print(f"hhlif: {exc}", file=sys.stderr)
        sys.exit(130)
    print(res.computed, res.cached)
'''


def _start(tmp_path, scheduler, sleep_at):
    (tmp_path / "run.py").write_text(SCRIPT)
    markers = tmp_path / "markers"
    markers.mkdir()
    cache = tmp_path / "cache"
    env = dict(os.environ, HHLIF_CACHE=str(tmp_path / "hc"),
               HHLIF_TEST_SLEEP=",".join(map(str, sleep_at)))
    proc = subprocess.Popen([sys.executable, str(tmp_path / "run.py"), str(cache),
                             str(markers), scheduler], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    return proc, cache, markers


def _wait_for(condition, proc, timeout=120.0):
    t0 = time.time()
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"exited early: {proc.returncode}\n{proc.stderr.read()}")
        if time.time() - t0 > timeout:
            proc.kill()
            raise AssertionError("timed out waiting for the sweep")
        time.sleep(0.05)


def _group_alive(pgid: int) -> list[str]:
    """Processes of a process group that still run (zombies do not count)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(entry)
    return alive


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_killed_serial_sweep_keeps_its_finished_points_and_resumes(tmp_path, helpers,
                                                                     sig):
    proc, cache, markers = _start(tmp_path, "serial", [2])
    _wait_for(lambda: (markers / "started-2").exists(), proc)
    time.sleep(0.2)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert err.strip().splitlines() == [err.strip()] and "Traceback" not in err
        assert "2 point(s) finished" in err and "not" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    assert sorted(verify_entry(p)["point"]["x"] for p in entries(cache)) == [0, 1]
    helpers.CALLS.clear()
    fresh_fingerprints()
    points = [{"x": x, "marker_dir": str(markers)} for x in range(6)]
    resumed = run_sweep(helpers.square, points, scheduler="serial", cache=cache,
                        progress=False)          # same points; x = 2 does not sleep now
    assert resumed.cached == 2 and resumed.computed == 4
    assert helpers.CALLS == [2, 3, 4, 5]


@pytest.mark.slow
def test_ctrl_c_of_a_dask_sweep_keeps_finished_points_and_shuts_the_cluster_down(tmp_path,
                                                                                 helpers):
    """SIGINT to the whole process group (a Ctrl-C in the terminal reaches the client and
    every worker): one line, exit 130, no worker left, finished points kept."""
    pytest.importorskip("dask.distributed")
    proc, cache, markers = _start(tmp_path, "local", [4, 5])
    _wait_for(lambda: (markers / "started-4").exists() and (markers / "started-5").exists()
              and len(entries(cache)) == 4, proc)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [err.strip()] and "Traceback" not in err, err
    assert "4 point(s) finished" in err
    deadline = time.time() + 20
    while _group_alive(proc.pid) and time.time() < deadline:
        time.sleep(0.2)
    assert _group_alive(proc.pid) == []                     # the cluster is shut down
    assert sorted(verify_entry(p)["point"]["x"] for p in entries(cache)) == [0, 1, 2, 3]
    helpers.CALLS.clear()
    fresh_fingerprints()
    points = [{"x": x, "marker_dir": str(markers)} for x in range(6)]
    resumed = run_sweep(helpers.square, points, scheduler="serial", cache=cache,
                        progress=False)
    assert resumed.cached == 4 and resumed.computed == 2 and helpers.CALLS == [4, 5]


TASK = ["--reference", "lif", "--candidate", "lif", "--size", "2", "--seeds", "2",
        "--scheduler", "serial", "--set", "repeats=5", "--set", "duration_ms=3000",
        "--set", "n_classes=2", "--set", "noise_sources=20", "--set", "bin_ms=100",
        "--n-max", "4", "--resolution", "0.5", "--metric", "readout", "--search", "bisect"]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_killed_real_equivalence_run_resumes_from_its_finished_simulations(tmp_path, sig):
    """``hhlif equivalence`` on a small real task, killed during its second simulation."""
    cache = tmp_path / "sweeps"
    outputs = ["--json", str(tmp_path / "out" / "r.json"), "--figures",
               str(tmp_path / "out" / "figs")]
    cmd = [sys.executable, "-m", "hhlif.protocols.cli", "equivalence", "-q", *TASK,
           "--cache", str(cache), *outputs]
    env = dict(os.environ, HHLIF_CACHE=str(tmp_path / "hc"))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _wait_for(lambda: len(entries(cache)) >= 1, proc, timeout=300)
    time.sleep(0.3)
    finished = len(entries(cache))
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    kept = entries(cache)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hhlif: interrupted"), err
    else:
        assert proc.returncode == -signal.SIGKILL
    assert len(kept) == finished                         # the interrupted one is not cached
    for path in kept:
        verify_entry(path)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []  # nothing else
    # resume: computes only what is missing
    from hhlif.protocols.cli.main import main

    fresh_fingerprints()
    assert main(["equivalence", "-q", *TASK, "--cache", str(cache), *outputs]) == 0
    result = json.loads((tmp_path / "out" / "r.json").read_text())["readout"]
    sweep = result["provenance"]["sweep"]
    assert sweep["cached"] == finished and sweep["computed"] == len(entries(cache)) - finished


# ----------------------------------------------------------------------------- CLI options
def test_equivalence_force_keeps_the_cache_and_recompute_ignores_it(tmp_path, monkeypatch):
    from hhlif.protocols.experiments import equivalence as equivalence_runs
    from hhlif.protocols.cli.main import main

    calls = []
    monkeypatch.setattr(equivalence_runs, "measure_equivalences",
                        lambda *a, **kw: calls.append(kw) or {})
    base = ["equivalence", "--search", "bisect", "--scheduler", "serial", "--cache",
            str(tmp_path / "c"), "--json", str(tmp_path / "r.json")]
    assert main(base) == 0 and calls[-1]["recompute"] is False
    assert main(base) == 2                                    # r.json exists
    assert main(base + ["--force"]) == 0 and calls[-1]["recompute"] is False
    assert main(base + ["--force", "--recompute"]) == 0 and calls[-1]["recompute"] is True


def test_measure_equivalences_checks_everything_before_simulating(tmp_path):
    from hhlif.models.errors import ParameterError, UnknownNameError
    from hhlif.protocols.experiments import equivalence as er

    kw = dict(scheduler="serial", cache=tmp_path, progress=False)
    with pytest.raises(UnknownNameError, match="backend 'nope'"):
        er.measure_equivalences("lif", "lif", 2, backend="nope", **kw)
    with pytest.raises(er.SizeLimitError, match=r"size=1000000000.*memory \(limit.*CPU-hours"):
        er.measure_equivalences("lif", "lif", 10**9, **kw)
    with pytest.raises(ParameterError, match=r"resolution=0: expected a number in \(0, 1\)"):
        er.measure_equivalences("lif", "lif", 2, resolution=0, **kw)
    with pytest.raises(ParameterError, match="setting 'duration_ms'=-1"):
        er.measure_equivalences("lif", "lif", 2, settings={"duration_ms": -1}, **kw)
    with pytest.raises(ParameterError, match="size=1: expected an integer >= 2"):
        er.measure_equivalences("lif", "lif", 1, protocol="ei-classes", **kw)
    assert list(tmp_path.rglob("*.json")) == []


def test_search_estimate_grows_with_the_sizes_and_the_default_fits():
    from hhlif.protocols.experiments import equivalence as er

    base = er.estimate_search("hh", "lif", 20)
    assert base["n_max"] == 640 and base["copies"] == 120
    assert er.check_search_size("hh", "lif", 20) == base            # the default fits
    bigger = er.estimate_search("hh", "lif", 40)
    assert bigger["memory_bytes"] > base["memory_bytes"]
    assert bigger["cpu_seconds"] > base["cpu_seconds"]
    more_seeds = er.estimate_search("hh", "lif", 20, seeds=6)
    assert more_seeds["cpu_seconds"] == pytest.approx(2 * base["cpu_seconds"])
    with pytest.raises(er.SizeLimitError, match=r"--seeds=10000000.*limit 48"):
        er.check_search_size("hh", "lif", 20, 10**7, names={"seeds": "--seeds"})


def test_an_unreachable_scheduler_fails_within_seconds_naming_it(helpers):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"       # nothing listens there
    t0 = time.time()
    with pytest.raises(SchedulerUnreachableError, match=rf"{address}.*cannot connect"):
        run_sweep(helpers.square, [{"x": 1}], scheduler=address, cache=False, progress=False)
    assert time.time() - t0 < 5
    with pytest.raises(SchedulerUnreachableError, match="expected 'local', 'serial' or"):
        SweepRunner("lokal")


@pytest.mark.slow
def test_a_server_that_is_not_a_scheduler_fails_within_the_timeout(helpers, monkeypatch):
    pytest.importorskip("dask.distributed")
    import socket

    monkeypatch.setattr(sweeps, "CONNECT_TIMEOUT_S", 2.0)
    with socket.socket() as server:       # accepts connections, never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        t0 = time.time()
        with pytest.raises(SchedulerUnreachableError, match=rf"{address}.*no Dask scheduler"):
            run_sweep(helpers.square, [{"x": 1}], scheduler=address, cache=False,
                      progress=False)
        assert time.time() - t0 < 15
    # a real scheduler at an address passes the same check
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None,
                      preload=["brian2", "hhlif.protocols.experiments.sweeps"]) as cluster:
        res = run_sweep(helpers.square, [{"x": 3}], scheduler=cluster.scheduler_address,
                        cache=False, progress=False)
    assert res.results == [{"x": 3, "square": 9}] and res.scheduler == "address"


# ----------------------------------------------------------------------------- cache CLI
def _old(path, seconds=3600):
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_cache_info_and_clean_find_and_remove_only_the_leftovers(tmp_path, helpers,
                                                                 monkeypatch, capsys):
    from hhlif.analysis.io import TEMPORARY_MARK
    from hhlif.protocols.cli.main import main

    root = tmp_path / "hc"
    monkeypatch.setenv("HHLIF_CACHE", str(root))
    run_sweep(helpers.square, [{"x": x} for x in range(3)], scheduler="serial",
              progress=False)                       # default cache: $HHLIF_CACHE/sweeps
    good = entries(root / "sweeps")
    bad = good[0]
    bad.write_text(bad.read_text().replace('"square": ', '"square": 1'))
    leftover = bad.parent / f".{good[1].name}{TEMPORARY_MARK}x1y2.json"
    leftover.write_text('{"half')
    _old(leftover)
    young = bad.parent / f".{good[1].name}{TEMPORARY_MARK}young.json"
    young.write_text("{")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    from hhlif.analysis.io import host_name

    killed = bad.parent / f".{good[2].name}{TEMPORARY_MARK}{dead}@{host_name()}@k1ll.json"
    killed.write_text("{")
    _old(killed, 30)
    writing = bad.parent / f".{good[2].name}{TEMPORARY_MARK}{os.getpid()}@{host_name()}@w8.json"
    writing.write_text("{")
    _old(writing)
    builds = root / "cpp"
    reusable, orphan, busy = builds / "0123456789abcdef", builds / "0123456789abcdef-a1b2c3d4", \
        builds / "0123456789abcdef-beefcafe"
    for folder in (reusable, orphan, busy):
        folder.mkdir(parents=True)
        (folder / ".lock").write_text("")
        (folder / "main.cpp").write_text("int main(){}")
        _old(folder)
    dead_worker = root / f"worker-{dead}"
    (dead_worker / "cpp" / "fedcba9876543210").mkdir(parents=True)
    _old(dead_worker)
    live_worker = root / f"worker-{os.getpid()}"
    live_worker.mkdir()
    _old(live_worker)
    handle = open(busy / ".lock", "w")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)   # a build running now
    try:
        assert main(["cache", "info"]) == 0
        info = capsys.readouterr().out
        assert "2 entries" in info and "1 fail verification" in info
        assert f"failing: {bad}: checksum mismatch" in info
        assert f"leftover: {leftover}" in info and str(young) not in info
        assert f"leftover: {killed}" in info and str(writing) not in info
        assert f"orphaned: {orphan}" in info and f"orphaned: {dead_worker}" in info
        assert "1 reusable" in info and "1 in use" in info
        assert str(live_worker) not in info
        assert main(["cache", "clean", "--dry-run"]) == 0
        assert "would remove 5 item(s)" in capsys.readouterr().out
        assert bad.exists() and leftover.exists() and orphan.exists()
        assert main(["cache", "clean"]) == 0
        cleaned = capsys.readouterr().out
        assert "removed 5 item(s)" in cleaned
        assert not bad.exists() and not leftover.exists() and not orphan.exists()
        assert not killed.exists()
        assert not dead_worker.exists()
        for kept in (*good[1:], young, writing, reusable, busy, live_worker):
            assert kept.exists(), kept
        assert main(["cache", "clean", "--builds"]) == 0
        assert not reusable.exists() and busy.exists()       # a locked folder is never removed
    finally:
        handle.close()
    assert main(["cache", "info", "--min-age", "0"]) == 0
    info = capsys.readouterr().out
    assert "0 fail verification" in info and f"leftover: {young}" in info
