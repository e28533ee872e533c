"""The whole user path, side by side in one run: ``python -m benchmarks.whole_path``.

Run from the repository root::

    python -m benchmarks.whole_path [--sizes 1000,10000,100000] [--models hh,lif]
        [--formats nix,nwb] [--contenders hhlif,brian2,nest] [--max-seconds 600]
        [--quick] [--note TEXT] [--force]
    python -m benchmarks.whole_path --render benchmarks/results/whole_path.json

Writes ``results/whole_path.json`` (after every measurement, so a run cut short keeps what it
measured), ``results/whole_path.md`` and that table as a section of ``RESULTS.md`` between the
markers ``<!-- whole_path: begin ... -->`` / ``<!-- whole_path: end -->`` (replaced there, or
appended when absent; never edit it by hand; only a full run to the default ``--out`` does
this).  ``--quick`` (N = 10³, short runs: a check of the harness) writes
``results/whole_path_quick.{json,md}`` and leaves ``RESULTS.md`` alone.  ``benchmarks.run``
rewrites ``RESULTS.md`` whole, so ``make bench`` runs this module after it.

What is measured (each measurement in a fresh process, one after another, one thread each)
-----------------------------------------------------------------------------------------
1. **hhlif as a user runs it**: the installed console script (``<venv>/bin/hhlif``), as
   subprocesses, in an empty folder with a fresh ``HHLIF_CACHE`` (a first build)::

       hhlif run fi-curve --model hh --set n=N --set duration=500*ms --out f.nix --force -q
       hhlif analyze f.nix -q

   and the same with ``--out f.nwb``; LIF: ``--model lif --set duration=1000*ms --set
   i_min=0*uA/cm**2 --set i_max=5*uA/cm**2`` (the fi-curve default 0–50 µA/cm² drives most
   LIF neurons at ~400 Hz; LIF's rheobase is g_L·(V_th − E_L) = 1.5 µA/cm²).  hhlif's
   own choices are kept: backend ``auto`` (its choice read from stderr, else from the
   file's provenance), the model's method and dt (HH: ``rush_larsen2``, LIF: exponential
   Euler = exact, both 0.01 ms), threads unset (OpenMP off).  Each command is timed as a
   process (``os.wait4``: wall, CPU, peak RSS of the largest process of its tree) and its
   process tree's summed RSS is sampled every 50 ms (psutil).
2. **the plain Brian2 script a user writes by hand** (:func:`plain_brian2`):
   ``cpp_standalone`` (Brian2's default flags), hhlif's HH equations and parameters written
   out as a Brian2 equation string, ``exponential_euler`` at 0.01 ms (Brian2's usual choice
   for HH; hhlif uses its validated ``rush_larsen2``), the fi-curve's per-neuron currents
   (``linspace(i_min, i_max, N)``), a ``SpikeMonitor``, spikes saved with ``numpy.save``;
   LIF likewise (exponential Euler, as hhlif's LIF).  Whole process (``os.wait4`` of
   :func:`benchmarks.worker_process.run_worker`): imports, code generation, compilation, run,
   saving.
3. **NEST** (when ``nest`` imports, :func:`plain_nest`): ``hh_psc_alpha`` with its own
   defaults for HH — *not the same model* (its E_L, 2 ms refractory period, spike
   detection and GSL integrator differ) — and ``iaf_psc_delta`` with hhlif's LIF
   parameters at 1e-4 cm² (C_m 100 pF, τ 10 ms, E_L = V_reset −65, V_th −50 mV, t_ref 2 ms),
   a DC current per neuron (``I_e``, 1 µA/cm² = 100 pA), resolution 0.01 ms, a
   ``spike_recorder``, spikes saved with ``numpy.save``.

Ratios per model and N: hhlif's run + export + analyze (and run + export alone) over the
plain Brian2 script's and NEST's whole process.  A measurement whose time, extrapolated
linearly in N from the smaller N of the same row (``a + b·N`` through the last two; one
point: its N-independent part kept, the rest scaled), exceeds ``--max-seconds`` is skipped
with that estimate as its stated reason; a measurement still running after 1.5 ×
``--max-seconds`` is stopped (a cost growing faster than N) and the larger N of its row,
and for hhlif the other format at that N, are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.worker_process import run_worker

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = HERE / "results" / "whole_path"
BEGIN = "<!-- whole_path: begin (written by python -m benchmarks.whole_path; do not edit) -->"
END = "<!-- whole_path: end -->"

DT_MS = 0.01
#: Per model: duration and the fi-curve currents (µA/cm²).  HH uses the fi-curve's own
#: defaults (read from hhlif at plan time, not passed on the command line); LIF gets a range
#: around its rheobase (1.5 µA/cm²), passed with --set.
SETTINGS = {
    "hh": {"duration_ms": 500.0, "quick_duration_ms": 50.0, "i_range": None},
    "lif": {"duration_ms": 1000.0, "quick_duration_ms": 100.0, "i_range": (0.0, 5.0)},
}
CONTENDERS = ("hhlif", "brian2", "nest")
NEST_AREA_CM2 = 1e-4  # 1 µA/cm² = 100 pA; 1 µF/cm² = 100 pF; 1 mS/cm² = 100 nS

# hhlif's HH (models/hodgkin_huxley.py, modern convention) written out as a user would
HH_EQUATIONS = """
dv/dt = (g_Na*m**3*h*(E_Na - v) + g_K*n**4*(E_K - v) + g_L*(E_L - v) + I)/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I : amp/meter**2 (constant)
"""
#: hhlif's resting state of ``hh`` (``hh_resting_state()``), as numbers a user would paste
HH_REST = {"v_mV": -64.9963793312, "m": 0.052955086813, "h": 0.59599412474,
           "n": 0.317732399761}
LIF_EQUATIONS = """
dv/dt = (g_L*(E_L - v) + I)/C_m : volt (unless refractory)
I : amp/meter**2 (constant)
"""


# ============================================================================ worker side
def plain_brian2(model: str, n: int, duration_ms: float, i_min: float, i_max: float,
                 build_dir: str, out_dir: str, dt_ms: float = DT_MS) -> dict:
    """The plain Brian2 script: N neurons, currents linspace(i_min, i_max, N) µA/cm²,
    cpp_standalone, exponential Euler, spikes saved with numpy.save."""
    t0 = time.perf_counter()
    import numpy as np
    from brian2 import (NeuronGroup, SpikeMonitor, cm, defaultclock, mS, ms, mV, run,
                        set_device, uA, uF)

    t_import = time.perf_counter() - t0
    set_device("cpp_standalone", directory=build_dir)
    defaultclock.dt = dt_ms * ms
    if model == "hh":
        namespace = {"C_m": 1 * uF / cm**2, "g_Na": 120 * mS / cm**2, "g_K": 36 * mS / cm**2,
                     "g_L": 0.3 * mS / cm**2, "E_Na": 50 * mV, "E_K": -77 * mV,
                     "E_L": -54.387 * mV}
        group = NeuronGroup(n, HH_EQUATIONS, threshold="v > -40*mV", refractory="v > -40*mV",
                            method="exponential_euler", namespace=namespace)
        group.v = HH_REST["v_mV"] * mV
        group.m, group.h, group.n = HH_REST["m"], HH_REST["h"], HH_REST["n"]
    else:
        namespace = {"C_m": 1 * uF / cm**2, "g_L": 0.1 * mS / cm**2, "E_L": -65 * mV,
                     "V_th": -50 * mV, "V_reset": -65 * mV}
        group = NeuronGroup(n, LIF_EQUATIONS, threshold="v > V_th", reset="v = V_reset",
                            refractory=2 * ms, method="exponential_euler", namespace=namespace)
        group.v = -65 * mV
    group.I = np.linspace(i_min, i_max, n) * uA / cm**2
    spikes = SpikeMonitor(group)
    t1 = time.perf_counter()
    run(duration_ms * ms)  # generates code, compiles, runs the binary, reads results back
    t_build_run = time.perf_counter() - t1
    t2 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "spike_indices.npy", np.asarray(spikes.i[:]))
    np.save(out / "spike_times_ms.npy", np.asarray(spikes.t[:] / ms))
    t_save = time.perf_counter() - t2
    info = Path(build_dir) / "results" / "last_run_info.txt"
    loop = float(info.read_text().split()[0]) if info.exists() else None
    return {"spikes": int(spikes.num_spikes), "import_s": t_import,
            "build_and_run_s": t_build_run, "save_s": t_save, "loop_s": loop,
            "file_mb": sum(p.stat().st_size for p in out.glob("*.npy")) / 1e6}


def plain_nest(model: str, n: int, duration_ms: float, i_min: float, i_max: float,
               out_dir: str, dt_ms: float = DT_MS) -> dict:
    """The NEST script: hh_psc_alpha (own defaults) or iaf_psc_delta (hhlif's LIF values),
    a DC current per neuron, a spike_recorder, spikes saved with numpy.save."""
    t0 = time.perf_counter()
    import numpy as np

    import nest

    t_import = time.perf_counter() - t0
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt_ms, "local_num_threads": 1, "print_time": False})
    amps_pA = np.linspace(i_min, i_max, n) * 1e6 * NEST_AREA_CM2  # µA/cm² → pA
    if model == "hh":
        cells = nest.Create("hh_psc_alpha", n)  # its own defaults: not hhlif's model
    else:
        cells = nest.Create("iaf_psc_delta", n, params={
            "C_m": 100.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -65.0, "V_th": -50.0,
            "V_reset": -65.0, "V_m": -65.0})
    cells.set({"I_e": list(amps_pA)})
    recorder = nest.Create("spike_recorder")
    nest.Connect(cells, recorder)
    t1 = time.perf_counter()
    nest.Simulate(duration_ms)
    t_sim = time.perf_counter() - t1
    t2 = time.perf_counter()
    events = recorder.get("events")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "spike_senders.npy", np.asarray(events["senders"]))
    np.save(out / "spike_times_ms.npy", np.asarray(events["times"]))
    t_save = time.perf_counter() - t2
    return {"spikes": int(recorder.n_events), "import_s": t_import, "simulate_s": t_sim,
            "save_s": t_save, "nest_model": "hh_psc_alpha" if model == "hh" else "iaf_psc_delta",
            "file_mb": sum(p.stat().st_size for p in out.glob("*.npy")) / 1e6}


class _TreeRSS:
    """Peak of the summed RSS of a process and its descendants, sampled every ``every`` s
    (psutil; ``peak_mb`` None without it)."""

    def __init__(self, pid: int, every: float = 0.05):
        self.peak_mb = None
        try:
            import psutil
        except ImportError:
            return
        self._psutil, self._pid, self._every = psutil, pid, every
        self._stop = threading.Event()
        self.peak_mb = 0.0
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        ps = self._psutil
        try:
            root = ps.Process(self._pid)
        except ps.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except ps.Error:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except ps.Error:
                    pass
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._stop.wait(self._every)

    def stop(self) -> float | None:
        if self.peak_mb is not None:
            self._stop.set()
            self._thread.join(timeout=5)
        return self.peak_mb


def _kill_tree(pid: int) -> None:
    """Kill ``pid``'s descendants, then ``pid`` (psutil when present)."""
    import signal

    try:
        import psutil

        for child in psutil.Process(pid).children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
    except Exception:  # psutil missing or the process gone
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _user_environment() -> dict:
    """This worker's environment less what :func:`run_worker` added for itself (the
    repository on ``PYTHONPATH``, ``PYTHONUNBUFFERED``): the console script then runs as in
    a user's shell (``HHLIF_CACHE`` stays: a fresh cache, a first build)."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop("PYTHONPATH", None)
    return env


def _timed_command(cmd: list[str], cwd: Path, stdout_path: Path, timeout: float) -> dict:
    """Run one command as a process: wall and CPU time, peak RSS (``os.wait4``: its largest
    process, waited-for children included), the sampled peak of its tree's summed RSS, the
    exit status, its stderr."""
    t0 = time.perf_counter()
    with open(stdout_path, "w") as out:
        proc = subprocess.Popen(cmd, cwd=str(cwd), stdout=out, stderr=subprocess.PIPE,
                                text=True, env=_user_environment())
        sampler = _TreeRSS(proc.pid)
        err: list[str] = []
        reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)
        reader.start()
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                _kill_tree(proc.pid)
                killed = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        tree = sampler.stop()
        reader.join(timeout=5)
    return {"command": " ".join(cmd), "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024.0, "tree_rss_mb": tree,
            "rc": proc.returncode, "timed_out": killed, "stderr": "".join(err)[-3000:],
            "stdout_bytes": stdout_path.stat().st_size}


def hhlif_commands(spec: dict) -> tuple[list[str], list[str]]:
    """The two commands of the hhlif path (file names relative to the working folder)."""
    name = f"f.{spec['format']}"
    run_cmd = [spec["hhlif"], "run", "fi-curve", "--model", spec["model"],
               "--set", f"n={spec['n']}", "--set", f"duration={spec['duration_ms']:g}*ms"]
    if spec.get("i_range_set"):
        lo, hi = spec["i_range_set"]
        run_cmd += ["--set", f"i_min={lo:g}*uA/cm**2", "--set", f"i_max={hi:g}*uA/cm**2"]
    run_cmd += ["--out", name, "--force", "-q"]
    return run_cmd, [spec["hhlif"], "analyze", name, "-q"]


def _worker_hhlif(spec: dict) -> dict:
    work = Path(spec["workdir"])
    work.mkdir(parents=True, exist_ok=True)
    run_cmd, analyze_cmd = hhlif_commands(spec)
    deadline = time.perf_counter() + spec["timeout_s"]
    out = {"run": _timed_command(run_cmd, work, work / "run.out", spec["timeout_s"])}
    path = work / f"f.{spec['format']}"
    run_text = (work / "run.out").read_text(errors="replace")
    out["run_spikes"] = _first_int(r"([\d,]+) spikes", run_text)
    out["backend_stderr"] = _first_group(r"backend auto: chose '([^']+)'", out["run"]["stderr"])
    if out["run"]["rc"] != 0 or not path.exists():
        out["failed"] = "run"
        out["stdout_tail"] = run_text[-1500:]
        return out
    out["file_mb"] = path.stat().st_size / 1e6
    left = max(deadline - time.perf_counter(), 30.0)
    out["analyze"] = _timed_command(analyze_cmd, work, work / "analyze.out", left)
    analyze_text = (work / "analyze.out").read_text(errors="replace")
    out["analyze_spikes"] = _first_int(r"(?m)^spikes\s+([\d,]+)", analyze_text)
    if out["analyze"]["rc"] != 0:
        out["failed"] = "analyze"
        out["stdout_tail"] = analyze_text[-1500:]
    out["analyze_stdout"] = analyze_text[-3000:]
    prov = _provenance(path)
    if prov:
        out["provenance"] = {k: prov.get(k) for k in ("backend", "threads", "wall_time_s",
                                                      "hhlif_version", "brian2_version")}
        model = prov.get("model") if isinstance(prov.get("model"), dict) else {}
        out["provenance"].update(method=model.get("method"), dt=model.get("dt"),
                                 error=prov.get("error"))
    return out


def _first_int(pattern: str, text: str):
    g = _first_group(pattern, text)
    return int(g.replace(",", "")) if g else None


def _first_group(pattern: str, text: str):
    m = re.search(pattern, text or "")
    return m.group(1) if m else None


def _provenance(path: Path) -> dict | None:
    """hhlif's provenance JSON stored in the file (NIX: the block's ``provenance_json``;
    other HDF5 files such as NWB: the first string holding ``"wall_time_s"``)."""
    if path.suffix == ".nix":
        try:
            import nixio

            f = nixio.File.open(str(path), nixio.FileMode.ReadOnly)
            try:
                return json.loads(f.blocks[0].metadata["provenance_json"])
            finally:
                f.close()
        except Exception:  # another layout: scan the HDF5 file as below
            pass
    try:
        import h5py

        found = []

        def text_of(x):
            if isinstance(x, bytes):
                x = x.decode(errors="replace")
            return x if isinstance(x, str) and '"wall_time_s"' in x else None

        def visit(name, obj):
            if found:
                return True
            for value in obj.attrs.values():
                if text_of(value):
                    found.append(text_of(value))
                    return True
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "OSU" and obj.size <= 4:
                for value in obj[()] if obj.shape else [obj[()]]:
                    if text_of(value):
                        found.append(text_of(value))
                        return True
            return None

        with h5py.File(path, "r") as f:
            f.visititems(visit)
        if found:
            text = found[0]
            return _with_timers(json.loads(text[text.index("{"):text.rindex("}") + 1]))
    except Exception as exc:  # a layout this reader does not know: reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return None


def _with_timers(d):
    """The (nested) dict of ``d`` that holds ``wall_time_s``: the provenance itself."""
    if isinstance(d, dict):
        if "wall_time_s" in d:
            return d
        for value in d.values():
            found = _with_timers(value)
            if found:
                return found
    return None


def _worker_info(spec: dict) -> dict:
    """Machine, versions and the fi-curve defaults, in a process of their own: the driver
    stays small (``os.wait4``'s peak RSS of a child counts the parent's memory at fork)."""
    from benchmarks.run import _machine, _versions

    return {"machine": _machine(), "versions": _versions(),
            "fi_default_range": _fi_default_range()}


def _worker(spec: dict) -> dict:
    if spec["kind"] == "hhlif":
        return _worker_hhlif(spec)
    if spec["kind"] == "info":
        return _worker_info(spec)
    sampler = _TreeRSS(os.getpid())
    timer = threading.Timer(spec["timeout_s"], _kill_tree, args=(os.getpid(),))
    timer.daemon = True
    timer.start()  # the binary is this process's child: kill both on time-out
    args = {k: spec[k] for k in ("model", "n", "duration_ms", "i_min", "i_max", "out_dir")}
    if spec["kind"] == "brian2":
        result = plain_brian2(build_dir=spec["build_dir"], **args)
    elif spec["kind"] == "nest":
        result = plain_nest(**args)
    else:
        raise ValueError(f"unknown worker kind {spec['kind']!r}")
    timer.cancel()
    result["tree_rss_mb"] = sampler.stop()
    return result


# ============================================================================ driver side
def measure(spec: dict) -> dict:
    """One measurement in a fresh process (:func:`run_worker`, fresh ``HHLIF_CACHE``)."""
    def places(scratch: Path) -> dict:
        return {"workdir": str(scratch / "work"), "build_dir": str(scratch / "build"),
                "out_dir": str(scratch / "out")}

    run = run_worker("benchmarks.whole_path", spec, timeout=spec["timeout_s"] + 120,
                     prefix="hhlif-whole-path-", in_scratch=places)
    row = {k: v for k, v in spec.items() if k not in ("timeout_s",)}
    row.update(worker_wall_s=run.wall_s, worker_cpu_s=run.cpu_s,
               worker_peak_rss_mb=run.peak_rss_mb)
    r = run.result
    if r is None:
        timed_out = os.WIFSIGNALED(run.status) and run.wall_s >= spec["timeout_s"]
        row.update(ok=False, timed_out=timed_out, error=(
            f"killed after {run.wall_s:.0f} s (time limit {spec['timeout_s']:.0f} s)"
            if timed_out else run.output[-2000:] or f"worker status {run.status}"))
        return row
    if spec["kind"] == "hhlif":
        a = r.get("analyze") or {}
        row.update(
            ok="failed" not in r, failed_step=r.get("failed"),
            run_export_s=r["run"]["wall_s"], analyze_s=a.get("wall_s"),
            total_s=r["run"]["wall_s"] + (a.get("wall_s") or 0.0),
            cpu_s=r["run"]["cpu_s"] + (a.get("cpu_s") or 0.0),
            peak_rss_mb=max(r["run"]["peak_rss_mb"], a.get("peak_rss_mb") or 0.0),
            tree_rss_mb=_max_none(r["run"]["tree_rss_mb"], a.get("tree_rss_mb")),
            run_peak_rss_mb=r["run"]["peak_rss_mb"], analyze_peak_rss_mb=a.get("peak_rss_mb"),
            file_mb=r.get("file_mb"), spikes=r.get("analyze_spikes") or r.get("run_spikes"),
            run_spikes=r.get("run_spikes"), analyze_spikes=r.get("analyze_spikes"),
            commands=[r["run"]["command"]] + ([a["command"]] if a else []),
            stderr=r["run"]["stderr"][-1500:], analyze_stderr=a.get("stderr", "")[-1500:],
            stdout_bytes=r["run"]["stdout_bytes"], analyze_stdout=r.get("analyze_stdout"),
            provenance=r.get("provenance"))
        prov = r.get("provenance") or {}
        row["backend"] = r.get("backend_stderr") or prov.get("backend")
        row["backend_from"] = ("stderr" if r.get("backend_stderr") else
                               "file provenance" if prov.get("backend") else None)
        row["method"] = prov.get("method")
        row["threads"] = prov.get("threads")
        row["timed_out"] = bool(r["run"].get("timed_out") or a.get("timed_out"))
        if r.get("failed"):
            step = r[r["failed"]] if r["failed"] in r else r["run"]
            row["error"] = ((f"timed out (limit {spec['timeout_s']:.0f} s); "
                             if step.get("timed_out") else "")
                            + f"`hhlif {r['failed']}` exit {step.get('rc')}: "
                            + (step.get("stderr") or r.get("stdout_tail") or "")[-600:])
    else:
        row.update(ok=True, run_export_s=run.wall_s, analyze_s=None, total_s=run.wall_s,
                   cpu_s=run.cpu_s, peak_rss_mb=run.peak_rss_mb,
                   tree_rss_mb=r.get("tree_rss_mb"), **{k: v for k, v in r.items()
                                                         if k != "tree_rss_mb"})
    return row


def _max_none(*xs):
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


def _fi_default_range() -> tuple[float, float]:
    """The fi-curve protocol's default i_min, i_max in µA/cm²."""
    from brian2 import cm, uA

    from hhlif.protocols.experiments.library import get_protocol

    d = get_protocol("fi-curve").defaults
    return (float(d["i_min"] / (uA / cm**2)), float(d["i_max"] / (uA / cm**2)))


def _hhlif_script() -> str:
    here = Path(sys.executable).parent / "hhlif"
    return str(here) if here.exists() else (shutil.which("hhlif") or "hhlif")


def _label(row: dict) -> str:
    if row["kind"] == "hhlif":
        return f"hhlif → {row['format'].upper()}"
    return {"brian2": "plain Brian2 → .npy", "nest": "NEST → .npy"}[row["kind"]]


def _info() -> dict:
    run = run_worker("benchmarks.whole_path", {"kind": "info"}, timeout=300,
                     prefix="hhlif-whole-path-")
    if run.result is None:
        raise RuntimeError(f"the info worker failed: {run.output[-2000:]}")
    return run.result


def _plan(args, default_range) -> list[dict]:
    specs = []
    have_nest = _nest_available()
    hhlif = _hhlif_script()
    for model in args.models:
        s = SETTINGS[model]
        duration = s["quick_duration_ms"] if args.quick else s["duration_ms"]
        i_range = s["i_range"] or default_range
        for n in args.sizes:
            base = {"model": model, "n": int(n), "duration_ms": duration, "dt_ms": DT_MS,
                    "i_min": i_range[0], "i_max": i_range[1]}
            for contender in args.contenders:
                if contender == "hhlif":
                    for fmt in args.formats:
                        specs.append(dict(base, kind="hhlif", format=fmt, hhlif=hhlif,
                                          i_range_set=s["i_range"]))
                elif contender == "brian2":
                    specs.append(dict(base, kind="brian2", method="exponential_euler"))
                elif contender == "nest" and have_nest:
                    specs.append(dict(base, kind="nest"))
    return specs


def _nest_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("nest") is not None


def _estimate(rows: list[dict], spec: dict):
    """Seconds this measurement would take, linear in N through the two largest smaller N of
    the same model and contender (one point: proportional), with the N it came from."""
    same = sorted((r for r in rows if r.get("ok") and r["model"] == spec["model"]
                   and _label(r) == _label(spec) and r["n"] < spec["n"]
                   and r.get("duration_ms") == spec["duration_ms"]), key=lambda r: r["n"])
    if not same:
        return None, None
    if len(same) == 1:  # its N-independent part (compile, imports) kept, the rest scaled
        r = same[-1]
        variable = min(_variable_s(r), r["total_s"])
        return r["total_s"] + variable * (spec["n"] / r["n"] - 1), r["n"]
    a, b = same[-2], same[-1]
    slope = (b["total_s"] - a["total_s"]) / (b["n"] - a["n"])
    return max(b["total_s"] + slope * (spec["n"] - b["n"]),
               b["total_s"]), b["n"]


def _timed_out_before(rows: list[dict], spec: dict) -> str | None:
    """Why to skip ``spec`` after a time-out: the same contender at a smaller N, or (hhlif)
    the other format at the same N (the same run; only the export differs)."""
    for r in rows:
        if not r.get("timed_out") or r["model"] != spec["model"]:
            continue
        if _label(r) == _label(spec) and r["n"] < spec["n"]:
            return f"the N = {r['n']:,} row timed out ({r.get('error', '')[:120]})"
        if r["kind"] == spec["kind"] == "hhlif" and r["n"] == spec["n"]:
            return (f"the {r['format'].upper()} row of this N timed out (the same `hhlif run`"
                    f" but for the export): {r.get('error', '')[:120]}")
    return None


def _variable_s(r: dict) -> float:
    """The part of a row's seconds that grows with N: all but the compilation (hhlif: its
    provenance ``compile``; plain Brian2: build + run less the loop, and its imports), NEST:
    all but the import."""
    if r["kind"] == "hhlif":
        timers = (r.get("provenance") or {}).get("wall_time_s") or {}
        return r["total_s"] - (timers.get("compile") or 0.0)
    if r["kind"] == "brian2":
        fixed = (r.get("build_and_run_s") or 0.0) - (r.get("loop_s") or 0.0)
        return r["total_s"] - max(fixed, 0.0) - (r.get("import_s") or 0.0)
    return r["total_s"] - (r.get("import_s") or 0.0)


def _print_row(k: int, total: int, row: dict) -> None:
    head = f"[{k}/{total}] {row['model']:>3} N={row['n']:>7,} {_label(row):<20}"
    if row.get("skipped"):
        print(f"{head} skipped: {row['skipped']}", flush=True)
    elif row.get("ok"):
        extra = f", analyze {row['analyze_s']:.1f} s" if row.get("analyze_s") is not None else ""
        print(f"{head} run+export {row['run_export_s']:.1f} s{extra}, total"
              f" {row['total_s']:.1f} s, {row.get('file_mb') or 0:.1f} MB,"
              f" RSS {row['peak_rss_mb']:.0f} MB (tree {_fmt(row.get('tree_rss_mb'), 0)}),"
              f" {row.get('spikes')} spikes"
              + (f", backend {row['backend']}" if row.get("backend") else ""), flush=True)
    else:
        print(f"{head} FAILED: {(row.get('error') or '')[-400:]}", flush=True)


def _git() -> dict:
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    status = git("status", "--porcelain")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(status) if status is not None else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.whole_path",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=None,
                        help="comma-separated N (default 1000,10000,100000; --quick: 1000)")
    parser.add_argument("--models", default="hh,lif")
    parser.add_argument("--formats", default="nix,nwb", help="hhlif --out formats")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="skip a measurement estimated (from smaller N) to take longer")
    parser.add_argument("--quick", action="store_true",
                        help="N = 1000, short runs (HH 50 ms, LIF 100 ms): checks the"
                             " harness; writes results/whole_path_quick.*, not RESULTS.md")
    parser.add_argument("--out", default=None,
                        help="output path without suffix (default results/whole_path)")
    parser.add_argument("--note", action="append", default=[], help="a line for the notes")
    parser.add_argument("--force", action="store_true", help="overwrite the JSON")
    parser.add_argument("--render", metavar="JSON", help="rewrite the Markdown of a JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = _worker(json.loads(args.worker))
        Path(args.worker_out).write_text(json.dumps(result, default=str))
        return 0
    if args.render:
        path = Path(args.render)
        result = json.loads(path.read_text())
        write_results(result, path.with_suffix(""))
        return 0

    sizes = args.sizes or ("1000" if args.quick else "1000,10000,100000")
    args.sizes = [int(float(x)) for x in sizes.split(",") if x]
    args.models = [m for m in args.models.split(",") if m]
    args.formats = [f.lstrip(".") for f in args.formats.split(",") if f]
    args.contenders = [c for c in args.contenders.split(",") if c]
    for m in args.models:
        if m not in SETTINGS:
            parser.error(f"--models: {m!r}: expected some of {', '.join(SETTINGS)}")
    for c in args.contenders:
        if c not in CONTENDERS:
            parser.error(f"--contenders: {c!r}: expected some of {', '.join(CONTENDERS)}")
    out = Path(args.out) if args.out else (
        DEFAULT_OUT.with_name("whole_path_quick") if args.quick else DEFAULT_OUT)
    json_path = out.with_suffix(".json")
    if json_path.exists() and not args.force:
        parser.error(f"{json_path} exists: pass --force to overwrite")

    t_start = time.perf_counter()
    info = _info()  # imports hhlif and Brian2 in a worker, not here
    result = {"benchmark": "whole_path", "argv": list(argv if argv is not None else sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d %H:%M"), "quick": bool(args.quick),
              "machine": info["machine"], "versions": info["versions"], "git": _git(),
              "hhlif_script": _hhlif_script(), "max_seconds": args.max_seconds,
              "nest_available": _nest_available(), "sizes": args.sizes,
              "load": [" ".join(f"{x:.2f}" for x in os.getloadavg()), None],
              "json": _shown(json_path),
              "results_md": not args.quick and out.resolve() == DEFAULT_OUT.resolve(),
              "rows": [], "notes": list(args.note)}
    specs = _plan(args, tuple(info["fi_default_range"]))
    print(f"{len(specs)} measurements; writing {json_path}", flush=True)
    for k, spec in enumerate(specs, 1):
        estimate, from_n = _estimate(result["rows"], spec)
        spec = dict(spec, estimate_s=estimate)
        late = _timed_out_before(result["rows"], spec)
        if late:
            row = dict(spec, ok=False, skipped=late)
        elif estimate is not None and estimate > args.max_seconds:
            row = dict(spec, ok=False, skipped=(
                f"estimated {estimate:,.0f} s from the N = {from_n:,} row (linear in N),"
                f" over --max-seconds {args.max_seconds:g}"))
        else:  # the estimate is linear in N: a run growing faster is stopped here
            row = measure(dict(spec, timeout_s=max(1.5 * args.max_seconds, 60.0)))
        result["rows"].append(row)
        _print_row(k, len(specs), row)
        result["elapsed_s"] = time.perf_counter() - t_start
        result["load"][1] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, indent=1, default=str) + "\n")
    md = write_results(result, out)
    print(md.read_text())
    print(f"wrote {json_path}, {md}" + (f", {HERE / 'RESULTS.md'}" if result["results_md"]
                                       else " (RESULTS.md not touched)"))
    return 0


# ============================================================================ rendering
def _fmt(x, digits=1) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def _ratio(a, b) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "—"


def _find(rows, model, n, kind, fmt=None):
    for r in rows:
        if (r["model"], r["n"], r["kind"]) == (model, n, kind) and r.get("ok") and \
                (fmt is None or r.get("format") == fmt):
            return r
    return None


def _method_text(r: dict) -> str:
    if r["kind"] == "hhlif":
        return f"{r.get('method') or '?'} (hhlif's default)"
    if r["kind"] == "brian2":
        return "exponential_euler"
    return ("hh_psc_alpha, own defaults: NOT the same model (GSL rkf45)" if r["model"] == "hh"
            else "iaf_psc_delta (exact), hhlif's LIF values")


def render(result: dict) -> str:
    rows = result["rows"]
    m, v = result["machine"], result["versions"]
    g = result.get("git") or {}
    backends = sorted({r["backend"] for r in rows if r.get("backend")})
    sources = sorted({r["backend_from"] for r in rows if r.get("backend_from")})
    L = [BEGIN, "# Whole user path: hhlif CLI (run + export + analyze) vs a plain Brian2"
                " script vs NEST", "",
         "Generated by `" + " ".join(["python -m benchmarks.whole_path"] + result["argv"]) + "`"
         f" on {result['date']} ({result.get('elapsed_s', 0):.0f} s; raw data:"
         f" `{result.get('json')}`)"
         + (" — **quick mode: a check of the harness, not a measurement**" if result.get("quick")
            else "") + ".", "",
         f"- machine: {m.get('platform')}; CPU: {m.get('cpu')}; {m.get('cores')} cores (load"
         f" average at start / end: {result['load'][0]} / {result['load'][1]}); measurements one"
         f" after another, each in a fresh process, one thread each",
         "- versions: " + ", ".join(f"{k} {x}" for k, x in v.items())
         + f"; repository at {g.get('commit')}"
         + (" with uncommitted changes" if g.get("uncommitted_changes") else ""),
         f"- N = {', '.join(f'{n:,}' for n in result['sizes'])}; dt = {DT_MS:g} ms everywhere;"
         f" threads: 1 (hhlif: `--threads` unset, OpenMP off; Brian2 default; NEST"
         f" `local_num_threads` 1)",
         f"- hhlif backend: `auto`, which chose {', '.join(f'`{b}`' for b in backends) or '—'}"
         f" (read from {' / '.join(sources) or '—'}); installed console script"
         f" `{result.get('hhlif_script')}`; every hhlif command with a fresh `HHLIF_CACHE`"
         f" (a first build)",
         "- protocol `fi-curve`: N constant currents linspace(i_min, i_max, N), one neuron"
         " each, spikes recorded; HH: its defaults (" + _range_text(rows, "hh") + "), LIF: "
         + _range_text(rows, "lif") + " (LIF's rheobase is 1.5 µA/cm²)",
         "- run + export = `hhlif run ... --out f.EXT` (Python start, build, simulation, the"
         " f–I table printed to a file, the export); analyze = `hhlif analyze f.EXT -q`; plain"
         " Brian2 / NEST = the whole Python process (imports, code generation, compilation or"
         " network creation, simulation, `numpy.save` of the spikes); total = run + export +"
         " analyze for hhlif",
         "- peak RSS: the largest single process of the command's tree (`os.wait4`; for"
         " hhlif the larger of its two commands); tree = the summed RSS of the process and"
         " its children (the compiler, the standalone binary), sampled every 50 ms",
         "- of which build / simulation: hhlif: its provenance `wall_time_s` (`compile` = make,"
         " `run_binary` = the standalone binary); plain Brian2: `run()` less the loop /"
         " the loop (`last_run_info.txt`); NEST: — / `nest.Simulate`", "",
         "| model | N | duration (ms) | what | method (dt 0.01 ms) | run + export (s) |"
         " of which build / simulation (s) | analyze (s) | total (s) | file (MB) |"
         " peak RSS (MB) | tree RSS (MB) | spikes |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        head = (f"| {r['model']} | {r['n']:,} | {r['duration_ms']:g} | {_label(r)} |"
                f" {_method_text(r)} |")
        if r.get("skipped"):
            L.append(f"{head} skipped: {r['skipped']} | | | | | | | |")
        elif not r.get("ok"):
            why = (r.get("error") or "").replace("|", "/").replace("\n", " ")[-300:]
            L.append(f"{head} failed: {why} | | | | | | | |")
        else:
            build, sim = _split(r)
            L.append(f"{head} {_fmt(r['run_export_s'])} | {_fmt(build)} / {_fmt(sim)} |"
                     f" {_fmt(r.get('analyze_s'))} |"
                     f" {_fmt(r['total_s'])} | {_fmt(r.get('file_mb'))} |"
                     f" {_fmt(r['peak_rss_mb'], 0)} | {_fmt(r.get('tree_rss_mb'), 0)} |"
                     f" {r.get('spikes') if r.get('spikes') is not None else '—'} |")
    L += ["", "Ratios (seconds of hhlif's path over the other's whole process, the same run;"
              " above 1 = hhlif slower):", "",
          "| model | N | hhlif path | total / plain Brian2 | run + export / plain Brian2 |"
          " total / NEST | run + export / NEST |", "|---|---|---|---|---|---|---|"]
    keys = sorted({(r["model"], r["n"]) for r in rows},
                  key=lambda k: (list(SETTINGS).index(k[0]), k[1]))
    for model, n in keys:
        b2, ne = _find(rows, model, n, "brian2"), _find(rows, model, n, "nest")
        for fmt in sorted({r["format"] for r in rows if r["kind"] == "hhlif"}):
            h = _find(rows, model, n, "hhlif", fmt)
            if not h:
                continue
            L.append(f"| {model} | {n:,} | → {fmt.upper()} |"
                     f" {_ratio(h['total_s'], b2 and b2['total_s'])} |"
                     f" {_ratio(h['run_export_s'], b2 and b2['total_s'])} |"
                     f" {_ratio(h['total_s'], ne and ne['total_s'])}"
                     + (" (not the same model)" if model == "hh" and ne else "") + " |"
                     f" {_ratio(h['run_export_s'], ne and ne['total_s'])} |")
    L += ["", f"Commands (hhlif, in an empty folder; N = {min(result['sizes']):,} shown):", ""]
    seen = set()
    for r in rows:
        for c in (r.get("commands") or []) if r["n"] == min(result["sizes"]) else []:
            short = c.replace(result.get("hhlif_script") or "\0", "hhlif")
            if short not in seen:
                seen.add(short)
                L.append(f"- `{short}`")
    L += ["", "Notes:", ""] + [f"- {x}" for x in _notes(result)] + [END, ""]
    return "\n".join(L)


def _split(r: dict):
    """(build, simulation) seconds inside a row's run (see the table's legend)."""
    if r["kind"] == "hhlif":
        t = (r.get("provenance") or {}).get("wall_time_s") or {}
        return t.get("compile"), t.get("run_binary")
    if r["kind"] == "brian2":
        loop, whole = r.get("loop_s"), r.get("build_and_run_s")
        return (whole - loop if loop is not None and whole is not None else None), loop
    return None, r.get("simulate_s")


def _range_text(rows, model) -> str:
    r = next((r for r in rows if r["model"] == model), None)
    return f"{r['i_min']:g}–{r['i_max']:g} µA/cm²" if r else "not measured"


def _notes(result: dict) -> list[str]:
    rows = result["rows"]
    out = ["hhlif integrates HH with its validated method (`rush_larsen2` at 0.01 ms, spikes"
           " within 0.1 ms of LSODA, see the accuracy section); the plain Brian2 script with"
           " `exponential_euler` at 0.01 ms (first order: its spikes drift ~2 ms over 1 s), so"
           " the HH rows compare the same equations, not the same accuracy; spike counts"
           " differ slightly for that reason.  LIF: both exponential Euler (exact for the"
           " linear equation).",
           "NEST's `hh_psc_alpha` with its own defaults is not hhlif's HH (E_L −54.402 mV,"
           " a 2 ms refractory period, spikes detected at a V_m maximum, GSL rkf45): its HH"
           " rows are a cost reference only.  `iaf_psc_delta` is hhlif's LIF (exact"
           " integration; threshold V_m ≥ V_th, Brian2's v > V_th).",
           "hhlif's run + export includes printing its f–I table (N rows) and Python start"
           " (~1–3 s of imports), as a user's terminal sees them; the plain scripts write only"
           " two .npy arrays and analyze nothing."]
    if not result.get("nest_available"):
        out.append("NEST not installed (optional `bench` extra): its rows are absent.")
    failed = [r for r in rows if not r.get("ok") and not r.get("skipped")]
    if any(r["kind"] == "hhlif" and r.get("format") == "nwb" for r in failed):
        out.append("`--out f.nwb` failed where marked: that hhlif build has no NWB writer"
                   " (or it failed); the NIX rows are unaffected.")
    if any(r.get("skipped") for r in rows):
        out.append(f"Skipped rows: the estimate (linear in N through the smaller N of the same"
                   f" row) exceeded --max-seconds {result.get('max_seconds'):g}.")
    return out + list(result.get("notes", []))


def _shown(path: Path) -> str:
    """A path as the Markdown names it: relative to benchmarks/ when inside it."""
    try:
        return str(path.resolve().relative_to(HERE))
    except ValueError:
        return str(path)


def write_results(result: dict, out: Path) -> Path:
    """``<out>.json``, ``<out>.md`` and, for the default output of a full run
    (``result["results_md"]``), the marked section of RESULTS.md."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    md_path = out.with_suffix(".md")
    text = render(result)
    md_path.write_text(text)
    if result.get("results_md"):
        splice_results_md(md_path, HERE / "RESULTS.md")
    return md_path


def splice_results_md(md_path: Path, results: Path) -> None:
    """Put ``md_path`` (headings one level down, as ``benchmarks.run`` includes the other
    scripts' tables) between the markers of ``results``, or append it."""
    section = "\n".join("#" + line if line.startswith("#") else line
                        for line in md_path.read_text().splitlines()).strip("\n")
    text = results.read_text() if results.exists() else "# hhlif benchmarks\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
