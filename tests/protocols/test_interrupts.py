"""An interrupted or truncated run never passes for a finished one; concurrent writers
never clobber each other.

The SIGINT tests run ``hhlif`` in a subprocess (as a user would press Ctrl-C), wait until
the simulation loop is under way, interrupt it and check: exit 130, one line, no output
file and no temporary file left behind.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hhlif.analysis.errors import OutputExistsError
from hhlif.analysis.io import TEMPORARY_MARK, atomic_output
from hhlif.protocols.errors import IncompleteRunError
from hhlif.protocols.recordings.recording import PopulationData, Recording

HHLIF = [sys.executable, "-c", "import sys; from hhlif.protocols.cli.main import main;"
                               " sys.exit(main())"]


def _interrupt_run(tmp_path: Path, backend: str, wait_for: str, group: bool):
    out = tmp_path / "t.nix"
    cmd = HHLIF + ["run", "step", "--model", "lif", "--backend", backend,
                   "--set", "duration=2000000*ms", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=group, cwd=tmp_path)
    deadline = time.time() + 240
    seen = ""
    # the run's progress report ("Starting simulation ...") says the loop has started
    while time.time() < deadline:
        line = proc.stdout.readline()
        seen += line
        if wait_for in line or proc.poll() is not None:
            break
    assert proc.poll() is None, seen + proc.stderr.read()
    time.sleep(1.0)
    if group:  # a terminal's Ctrl-C reaches the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
    else:      # kill -INT of the hhlif process alone
        proc.send_signal(signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, seen + stdout, stderr, out


@pytest.mark.slow
def test_sigint_during_a_runtime_run_writes_nothing_and_exits_130(tmp_path):
    code, out, err, path = _interrupt_run(tmp_path, "runtime", "Starting simulation", False)
    assert code == 130, err
    lines = [line for line in err.splitlines() if line.strip() and "WARNING" not in line]
    assert lines == [lines[-1]] and "interrupted" in lines[-1] and "nothing was written" in lines[-1]
    assert "wrote" not in out and not path.exists()
    assert not [p for p in tmp_path.iterdir() if TEMPORARY_MARK in p.name]


@pytest.mark.slow
@pytest.mark.standalone
@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill-int"])
def test_sigint_during_a_cpp_run_writes_nothing_and_exits_130(tmp_path, group):
    code, out, err, path = _interrupt_run(tmp_path, "cpp", "Starting simulation", group)
    assert code == 130, err
    assert "interrupted" in err.splitlines()[-1]
    assert "Traceback" not in err
    assert "wrote" not in out and not path.exists()
    assert not [p for p in tmp_path.iterdir() if TEMPORARY_MARK in p.name]


def _population(n=2):
    return PopulationData("neurons", "lif", n, np.array([0, 1]), np.array([1.0, 2.0]),
                          np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))


def test_a_recording_of_a_truncated_run_cannot_exist():
    with pytest.raises(IncompleteRunError, match="stopped at 61.5 of 200 ms"):
        Recording({"neurons": _population()}, 0.0, 200.0, {0: ""}, "step", "lif",
                  simulated_ms=61.5)
    complete = Recording({"neurons": _population()}, 0.0, 200.0, {0: ""}, "step", "lif",
                         simulated_ms=200.0 + 1e-12)
    assert complete.simulated_ms == pytest.approx(200.0)


def test_a_brian2_run_stopped_early_makes_no_recording(monkeypatch):
    """Brian2's own stop (its SIGINT handler, ``Network.stop``) ends ``run`` normally with
    truncated monitors; the one place Recordings are made refuses it."""
    from brian2 import ms, uA, cm
    from brian2.core.network import Network

    from hhlif.protocols import Protocol, run, stimuli

    original = Network.run

    def stopping_run(self, duration, *args, **kwargs):
        from brian2 import NetworkOperation

        op = NetworkOperation(lambda t: self.stop() if t > 10 * ms else None, dt=1 * ms)
        self.add(op)
        return original(self, duration, *args, **kwargs)

    monkeypatch.setattr(Network, "run", stopping_run)
    protocol = Protocol(model="lif", stimulus=stimuli.Constant(20 * uA / cm**2),
                        duration=50 * ms)
    with pytest.raises(IncompleteRunError, match=r"stopped at 1\d\.\d* of 50 ms"):
        run(protocol, backend="runtime")


def test_an_interrupted_file_is_refused_by_the_readers(tmp_path):
    from hhlif.analysis import load_spikes
    from hhlif.analysis.errors import AnalysisInputError
    from hhlif.protocols.recordings.neo import read_nix, to_neo

    rec = Recording({"neurons": _population()}, 0.0, 200.0, {0: ""}, "step", "lif",
                    simulated_ms=200.0)
    block = to_neo(rec)
    block.annotations["simulated_ms"] = 61.5   # what a truncated run would have written
    from neo.io import NixIO

    path = tmp_path / "cut.nix"
    with NixIO(str(path), mode="ow") as io:
        io.write_block(block)
    with pytest.raises(IncompleteRunError, match="stopped at 61.5 of 200 ms"):
        read_nix(path)
    with pytest.raises(AnalysisInputError, match="interrupted"):
        load_spikes(str(path))


def test_atomic_output_two_writers_exactly_one_wins(tmp_path):
    """Both writers pass the up-front check; the final hard link lets only one through."""
    target = tmp_path / "same.json"
    barrier = threading.Barrier(2)
    results = {}

    def writer(name):
        def write(tmp):
            Path(tmp).write_text(name)
            barrier.wait(timeout=10)   # both have checked and written before either links
        try:
            atomic_output(target, write)
            results[name] = "won"
        except OutputExistsError:
            results[name] = "lost"

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["lost", "won"]
    winner = next(k for k, v in results.items() if v == "won")
    assert target.read_text() == winner
    assert [p.name for p in tmp_path.iterdir()] == ["same.json"]  # no temporary left
    atomic_output(target, lambda tmp: Path(tmp).write_text("forced"), force=True)
    assert target.read_text() == "forced"


@pytest.mark.slow
def test_two_concurrent_hhlif_runs_to_one_file_exactly_one_wins(tmp_path):
    out = tmp_path / "same.nix"
    cmd = HHLIF + ["run", "step", "--model", "lif", "--backend", "runtime",
                   "--set", "duration=200*ms", "--out", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=tmp_path) for _ in range(2)]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[2] == 2)
    assert f"output {str(out)!r} exists" in loser[1]
    assert out.is_file()
    assert not [p for p in tmp_path.iterdir() if TEMPORARY_MARK in p.name]


def test_a_killed_write_leaves_a_temporary_that_the_next_write_removes(tmp_path):
    """SIGKILL during an export leaves ``.x.nix.hhlif-tmp-PID-...``; the next write of the
    same file removes it (its process is gone), a live writer's temporary is kept."""
    from hhlif.analysis.io import stale_temporaries

    script = ("import os, signal, sys\n"
              "from pathlib import Path\n"
              "from hhlif.analysis.io import atomic_output\n"
              "def write(tmp):\n"
              "    Path(tmp).write_text('half')\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              f"atomic_output({str(tmp_path / 'x.nix')!r}, write)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL
    leftovers = stale_temporaries(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".x.nix" + TEMPORARY_MARK)
    assert not (tmp_path / "x.nix").exists()
    from hhlif.analysis.io import temporary_owner

    pid, host = temporary_owner(leftovers[0])
    from hhlif.analysis.io import host_name

    assert pid > 0 and host == host_name()
    live = tmp_path / f".x.nix{TEMPORARY_MARK}{os.getpid()}@{host}@abc.nix"
    live.write_text("another writer, still running")
    # a writer on another machine sharing the folder is never judged from here
    remote = tmp_path / f".x.nix{TEMPORARY_MARK}{pid}@another-host@abc.nix"
    remote.write_text("a writer elsewhere")
    atomic_output(tmp_path / "x.nix", lambda tmp: Path(tmp).write_text("done"))
    assert (tmp_path / "x.nix").read_text() == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["x.nix", live.name,
                                                                 remote.name])
