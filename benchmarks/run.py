"""Throughput benchmarks, side by side in one run: ``python -m benchmarks.run``.

Contents
--------
main            the command line (``--quick``, ``--sizes-hh``, ``--backends``, ``--gpu``, ...)
measure         one measurement in a fresh Python process (loop time, compile time,
                whole-process time, peak RSS)
write_results   ``benchmarks/results/<name>.json``, ``benchmarks/RESULTS.md``,
                ``benchmarks/figures/throughput.png``

What is measured
----------------
Every model of ``hhlif.models.available()`` among ``hh``, ``lif``, ``tv-lif2hh``,
``s-lif2hh`` on the backends ``runtime`` (Brian2 Cython), ``cpp`` (Brian2's default
``cpp_standalone`` flags), ``cpp-simd`` (:mod:`hhlif.protocols.backends.simd`), each at
1 and 2 OpenMP threads; NEST 3 (``hh_psc_alpha``, ``iaf_psc_delta``) when ``nest``
imports (the ``bench`` extra); the per-step NumPy loop of :mod:`benchmarks.naive_numpy`;
with ``--gpu``, brian2cuda's ``cuda`` backend.  Each neuron gets its own constant current
(the same for all, ``CURRENT``) and spikes are recorded.

* throughput = N × steps / loop seconds, where the loop time is the simulation loop alone
  (Brian2 standalone: ``results/last_run_info.txt``; runtime: ``Network.run`` including
  code generation, an upper bound; NEST: ``Simulate``; NumPy: the loop);
* compile = ``make`` time of a fresh build directory (a new cache per measurement);
* process = wall time of the whole Python process (imports, build, run, read-back);
* peak RSS of the process (``os.wait4``), and for the memory row a 10⁵-neuron LIF run with
  spikes recorded, with and without its NIX export (``write_nix``).

The work per measurement is fixed in neuron-steps (``--work-hh``, ``--work-lif``), so the
duration shrinks as N grows; the figure plots throughput against N.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.worker_process import run_worker
from hhlif.protocols.recordings.neo import write_nix

HERE = Path(__file__).resolve().parent
MODELS = ("hh", "lif", "tv-lif2hh", "s-lif2hh")
#: Constant drive per model (µA/cm²): repetitive firing at moderate rates (HH ≈ 70 Hz,
#: LIF ≈ 63 Hz, s-LIF2HH ≈ 80 Hz).  One value for all neurons (compiled as a shared
#: constant); long per-neuron arrays are described by a hash, not listed.
CURRENT = {"hh": 10.0, "lif": 2.0, "tv-lif2hh": 10.0, "s-lif2hh": 10.0}
NEST_AREA_CM2 = 1e-4  # hh_psc_alpha's 1952 model: 1 µA/cm² = 100 pA at 1e-4 cm²


# ============================================================================ worker side
def _worker(spec: dict) -> dict:
    kind = spec["kind"]
    if kind == "hhlif":
        return _worker_hhlif(spec)
    if kind == "nest":
        return _worker_nest(spec)
    if kind == "naive":
        return _worker_naive(spec)
    if kind == "memory":
        return _worker_memory(spec)
    if kind == "compare":
        return _worker_compare(spec)
    if kind == "reuse":
        return _worker_reuse(spec)
    raise ValueError(f"unknown worker kind {kind!r}")


def _protocol(model: str, n: int, duration_ms: float, record=(), method=None):
    from brian2 import cm, ms, uA

    from hhlif.protocols import Protocol, stimuli

    amp = CURRENT.get(model, 10.0) * uA / cm**2
    return Protocol(model=model, stimulus=stimuli.Constant(amplitude=amp), trials=n,
                    duration=duration_ms * ms, record=record, record_neurons=[],
                    method=method, name=f"bench-{model}")


def _loop_seconds(rec) -> float | None:
    directory = rec.provenance.get("build_directory")
    if directory:
        info = Path(directory) / "results" / "last_run_info.txt"
        if info.exists():
            return float(info.read_text().split()[0])
    return None


def _worker_hhlif(spec: dict) -> dict:
    if spec["backend"] == "cuda":
        _configure_cuda()
    from hhlif.protocols import run

    protocol = _protocol(spec["model"], spec["n"], spec["duration_ms"], method=spec.get("method"))
    threads = spec["threads"] if spec["backend"] != "runtime" else None
    t0 = time.perf_counter()
    rec = run(protocol, backend=spec["backend"], threads=threads, progress=False)
    wall = time.perf_counter() - t0
    timers = rec.provenance["wall_time_s"]
    loop = _loop_seconds(rec)
    if loop is None:  # runtime: Network.run (code generation included)
        loop = timers["setup"]
    return {"loop_s": loop, "compile_s": timers.get("compile"), "run_s": wall,
            "spikes": int(rec.spike_times.size),
            "simd": _simd_report(rec)}


def _simd_report(rec):
    directory = rec.provenance.get("build_directory")
    if not directory or "cpp-simd" not in directory:
        return None
    makefile = Path(directory) / "makefile"
    return "patched" if makefile.exists() and "hhlif cpp-simd" in makefile.read_text() \
        else "not patched"


def _worker_nest(spec: dict) -> dict:
    import nest

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": spec["dt_ms"], "local_num_threads": spec["threads"],
                          "print_time": False})
    n, model = spec["n"], spec["model"]
    amps = np.full(n, CURRENT[model])
    if model == "hh":
        # the 1952 model; I_e in pA = µA/cm² × 100 at 1e-4 cm²
        cells = nest.Create("hh_psc_alpha", n)
        cells.set({"I_e": list(amps * 1e6 * NEST_AREA_CM2)})
    else:
        # LIF: C_m 1 µF/cm² × 1e-4 cm² = 100 pF, τ = 10 ms, same thresholds
        cells = nest.Create("iaf_psc_delta", n, params={
            "C_m": 100.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -65.0, "V_th": -50.0,
            "V_reset": -65.0, "V_m": -65.0})
        cells.set({"I_e": list(amps * 1e6 * NEST_AREA_CM2)})
    recorder = nest.Create("spike_recorder")
    nest.Connect(cells, recorder)
    t0 = time.perf_counter()
    nest.Simulate(spec["duration_ms"])
    loop = time.perf_counter() - t0
    return {"loop_s": loop, "compile_s": 0.0, "spikes": int(recorder.n_events),
            "nest_model": "hh_psc_alpha" if model == "hh" else "iaf_psc_delta"}


def _worker_naive(spec: dict) -> dict:
    from benchmarks import naive_numpy

    amps = np.full(spec["n"], CURRENT[spec["model"]])
    fn = naive_numpy.simulate_hh if spec["model"] == "hh" else naive_numpy.simulate_lif
    t0 = time.perf_counter()
    counts = fn(amps, spec["duration_ms"], spec["dt_ms"])
    return {"loop_s": time.perf_counter() - t0, "compile_s": 0.0, "spikes": int(counts.sum())}


def _worker_memory(spec: dict) -> dict:
    from hhlif.protocols import run

    from brian2 import Hz, cm, ms, uA

    from hhlif.models.networks import RandomEI
    from hhlif.protocols import Protocol, stimuli

    # one population of N neurons in one segment (trials-as-neurons would export N Segments):
    # an unconnected network, every neuron driven by the same constant current
    net = RandomEI(n=spec["n"], connection_probability=0.0, drive_rate=0 * Hz, model="lif")
    protocol = Protocol(model="lif", stimulus=stimuli.Constant(CURRENT["lif"] * uA / cm**2),
                        network=net, duration=spec["duration_ms"] * ms, record=(),
                        record_neurons=[], name="bench-memory")
    rec = run(protocol, backend=spec["backend"], threads=1, progress=False)
    out = {"spikes": int(rec.spike_times.size), "loop_s": _loop_seconds(rec),
           "spike_array_mb": (rec.main.spike_times.nbytes + rec.main.spike_indices.nbytes) / 1e6}
    if spec.get("export"):
        path = Path(tempfile.mkdtemp(prefix="hhlif-bench-")) / "memory.nix"
        t0 = time.perf_counter()
        write_nix(rec, path, force=True)
        out["export_s"] = time.perf_counter() - t0
        out["file_mb"] = path.stat().st_size / 1e6
        path.unlink()
    return out


def _worker_compare(spec: dict) -> dict:
    """Same small protocol on two backends: spike counts and the largest time difference."""
    if "cuda" in (spec["backend"], spec["reference"]):
        _configure_cuda()
    from hhlif.protocols import run

    protocol = _protocol(spec["model"], spec["n"], spec["duration_ms"])
    a = run(protocol, backend=spec["backend"], progress=False)
    b = run(protocol, backend=spec["reference"], progress=False)
    ca, cb = a.main.spike_counts(), b.main.spike_counts()
    same_counts = bool(np.array_equal(ca, cb))
    max_dt = None
    if same_counts:
        oa = np.lexsort((a.spike_times, a.spike_indices))
        ob = np.lexsort((b.spike_times, b.spike_indices))
        max_dt = float(np.max(np.abs(a.spike_times[oa] - b.spike_times[ob]))) if ca.sum() else 0.0
    return {"spikes": int(ca.sum()), "reference_spikes": int(cb.sum()),
            "same_counts": same_counts, "max_time_difference_ms": max_dt,
            "dt_ms": float(protocol.integration_dt / __import__("brian2").ms)}


def _worker_reuse(spec: dict) -> dict:
    """A 20-point amplitude sweep of one LIF protocol: 20 separate ``run()`` calls versus
    ``run_many`` (one build, the binary rerun with ``run_args``).  Compiles are counted at
    Brian2's ``compile_source`` (the ``make`` step)."""
    from brian2 import cm, ms, uA
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    from hhlif.protocols import Protocol, run, run_many, stimuli

    calls = []
    original = CPPStandaloneDevice.compile_source

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    CPPStandaloneDevice.compile_source = counting
    amps = np.linspace(16, 40, int(spec["points"]))
    base = Protocol(model="lif", stimulus=stimuli.Constant(20 * uA / cm**2), trials=spec["n"],
                    duration=spec["duration_ms"] * ms, record=(), record_neurons=[],
                    name="bench-reuse")
    variants = [{"stimulus": stimuli.Constant(a * uA / cm**2)} for a in amps]
    t0 = time.perf_counter()
    separate = [run(base.replace(**v), backend=spec["backend"], progress=False)
                for v in variants]
    t_separate, c_separate = time.perf_counter() - t0, len(calls)
    calls.clear()
    t0 = time.perf_counter()
    reused = run_many(base, variants, spec["backend"])
    t_reused, c_reused = time.perf_counter() - t0, len(calls)
    same = all(np.array_equal(a.spike_times, b.spike_times) and
               np.array_equal(a.spike_indices, b.spike_indices)
               for a, b in zip(separate, reused))
    return {"separate_s": t_separate, "separate_compiles": c_separate,
            "run_many_s": t_reused, "run_many_compiles": c_reused, "same_spikes": same,
            "spikes": int(sum(r.spike_times.size for r in reused))}


def _configure_cuda() -> None:
    """brian2cuda preferences for this machine: GPU 0, its compute capability, C++17 host
    flags (CUDA 13's headers need C++17) and cuRAND from the CUDA wheels if the toolkit
    lacks it."""
    import glob

    from brian2 import prefs

    import brian2cuda  # noqa: F401

    cc = os.environ.get("HHLIF_CUDA_CC")
    if not cc:
        try:
            cc = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=30).stdout.split()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            cc = "9.0"
    backend = prefs.devices.cuda_standalone.cuda_backend
    backend.detect_gpus = False
    backend.gpu_id = 0
    backend.compute_capability = float(cc)
    prefs.codegen.cpp.extra_compile_args_gcc = [
        f for f in prefs.codegen.cpp.extra_compile_args_gcc if not f.startswith("-std=")]
    nvcc_flags = list(backend.extra_compile_args_nvcc)
    toolkit = os.environ.get("CUDA_PATH") or "/usr/local/cuda"
    if not glob.glob(os.path.join(toolkit, "include", "curand.h")):
        for root in sys.path:
            headers = glob.glob(os.path.join(root, "nvidia", "**", "include", "curand.h"),
                                recursive=True)
            if headers:
                inc = os.path.dirname(headers[0])
                lib = os.path.join(os.path.dirname(inc), "lib")
                libs = sorted(glob.glob(os.path.join(lib, "libcurand.so*")))
                link_dir = tempfile.mkdtemp(prefix="curand-")
                if libs:
                    os.symlink(libs[0], os.path.join(link_dir, "libcurand.so"))
                nvcc_flags.append(f"-I{inc}")
                prefs.codegen.cpp.extra_link_args = list(prefs.codegen.cpp.extra_link_args) + [
                    f"-L{link_dir}", f"-Wl,-rpath,{lib}"]
                os.environ["LD_LIBRARY_PATH"] = lib + os.pathsep + os.environ.get(
                    "LD_LIBRARY_PATH", "")
                break
    backend.extra_compile_args_nvcc = nvcc_flags


def measure(spec: dict, timeout: float = 900) -> dict:
    """Run one measurement in a fresh Python process (:func:`run_worker`); adds process time
    and peak RSS.  A fresh ``HHLIF_CACHE`` makes the compile time that of a first build."""
    run = run_worker("benchmarks.run", spec, timeout=timeout, prefix="hhlif-bench-cache-")
    result = dict(spec)
    result["process_s"] = run.wall_s
    result["peak_rss_mb"] = run.peak_rss_mb
    if run.result is not None:
        result.update(run.result)
        result["ok"] = True
    else:
        result["ok"] = False
        result["error"] = run.output[-2000:]
        if os.WIFSIGNALED(run.status):
            sig = os.WTERMSIG(run.status)
            timed_out = run.wall_s > timeout
            result["error_summary"] = (
                f"killed after {run.wall_s:.0f} s at peak RSS {result['peak_rss_mb'] / 1024:.1f}"
                f" GiB (signal {sig}; "
                + ("over the time limit)" if timed_out else
                   f"machine memory {_memory_gib():.0f} GiB: out of memory)"))
    if result.get("loop_s"):
        result["throughput"] = spec["n"] * spec["steps"] / result["loop_s"]
    return result


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


# ============================================================================ driver side
def _available_models(requested):
    from hhlif import models

    have = set(models.available())
    return [m for m in requested if m in have]


def _plan(args) -> list[dict]:
    specs = []
    models = _available_models(args.models)
    have_nest = _nest_available() and not args.no_nest
    for model in models:
        sizes = args.sizes_lif if "lif" == model else args.sizes_hh
        work = args.work_lif if model == "lif" else args.work_hh
        # the model's own step: s-lif2hh runs at 1 ms (the seed's update), others 0.01 ms
        dt = _model_dt_ms(model)
        for n in sizes:
            steps = max(int(round(work / n)), 100)
            base = {"model": model, "n": int(n), "steps": steps, "dt_ms": dt,
                    "duration_ms": steps * dt}
            for backend in args.backends:
                for threads in (args.threads if backend != "runtime" else [1]):
                    if backend == "runtime" and n > min(sizes):
                        continue
                    spec = dict(base, kind="hhlif", backend=backend, threads=int(threads))
                    if backend == "runtime":  # slow: a tenth of the work
                        spec["steps"] = max(steps // 10, 100)
                        spec["duration_ms"] = spec["steps"] * dt
                    specs.append(spec)
            if have_nest and model in ("hh", "lif") and (args.nest_max_n is None
                                                         or n <= args.nest_max_n):
                for threads in args.threads:
                    specs.append(dict(base, kind="nest", backend="nest", threads=int(threads)))
            if not args.no_naive and model in ("hh", "lif") and n <= args.naive_max_n:
                spec = dict(base, kind="naive", backend="numpy-loop", threads=1)
                spec["steps"] = max(steps // (10 if model == "hh" else 1), 100)
                spec["duration_ms"] = spec["steps"] * dt
                specs.append(spec)
    return specs


def _model_dt_ms(model: str) -> float:
    from brian2 import ms

    from hhlif import models as registry

    return float(registry.get(model).dt / ms)


def _nest_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("nest") is not None


def _versions() -> dict:
    import brian2

    out = {"python": sys.version.split()[0], "brian2": brian2.__version__,
           "numpy": np.__version__}
    try:
        from hhlif.protocols import __version__

        out["hhlif"] = __version__
    except ImportError:
        pass
    try:
        out["gcc"] = subprocess.run(["g++", "-dumpfullversion"], capture_output=True,
                                    text=True).stdout.strip()
    except OSError:
        pass
    if _nest_available():
        try:
            out["nest"] = subprocess.run(
                [sys.executable, "-c", "import nest,sys; sys.stderr.write(nest.__version__)"],
                capture_output=True, text=True, timeout=120).stderr.strip().splitlines()[-1]
        except (subprocess.SubprocessError, IndexError):
            out["nest"] = "installed"
    try:
        import brian2cuda

        out["brian2cuda"] = brian2cuda.__version__
    except ImportError:
        pass
    return out


def _machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count()}
    try:
        gpu = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                              "--format=csv,noheader"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
        if gpu:
            out["gpu"] = gpu
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def _label(r: dict) -> str:
    if r["backend"] == "cuda":
        return "cuda (GPU machine)"
    if r["backend"] in ("nest", "numpy-loop"):
        return f"{r['backend']} {r['threads']}t" if r["backend"] == "nest" else "numpy loop"
    return f"{r['backend']} {r['threads']}t" if r["backend"] != "runtime" else "runtime"


def _fmt_rate(x) -> str:
    if x is None:
        return "—"
    return f"{x / 1e9:.2f} G" if x >= 1e9 else f"{x / 1e6:.1f} M"


def _included(path) -> list:
    """A result table written by another benchmark script, its headings one level down."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        out.append("#" + line if line.startswith("#") else line)
    return out + [""]


def write_results(results: dict, name: str) -> Path:
    """Write the JSON, the figure and RESULTS.md (GPU JSON files found are merged in)."""
    (HERE / "results").mkdir(exist_ok=True)
    json_path = HERE / "results" / f"{name}.json"
    json_path.write_text(json.dumps(results, indent=1, default=str))
    rows = [r for r in results["runs"] if r.get("ok") and r.get("throughput")]
    gpu = []
    for path in sorted((HERE / "results").glob("gpu*.json")):
        try:
            gpu.append(json.loads(path.read_text()))
        except ValueError:
            pass
    if results.get("gpu_mode"):
        return json_path
    _figure(rows, gpu, HERE / "figures" / "throughput.png")
    (HERE / "RESULTS.md").write_text(_markdown(results, rows, gpu, json_path.name))
    return json_path


def _figure(rows, gpu, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(exist_ok=True)
    all_rows = list(rows) + [dict(r, backend="cuda") for g in gpu for r in g.get("runs", [])
                             if r.get("ok") and r.get("throughput") and r["backend"] == "cuda"]
    models = [m for m in MODELS if any(r["model"] == m for r in all_rows)]
    fig, axes = plt.subplots(1, len(models), figsize=(5.2 * len(models), 4.2), squeeze=False)
    for ax, model in zip(axes[0], models):
        labels = sorted({_label(r) for r in all_rows if r["model"] == model})
        for label in labels:
            pts = sorted((r["n"], r["throughput"]) for r in all_rows
                         if r["model"] == model and _label(r) == label)
            style = "o-" if "simd" in label else ("s--" if label.startswith("cuda") else ".-")
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("neurons N")
        ax.set_ylabel("neuron-steps per second")
        dts = sorted({r["dt_ms"] for r in all_rows if r["model"] == model})
        ax.set_title(f"{model} (dt {', '.join(f'{d:g}' for d in dts)} ms)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _best(rows, model, backend, threads=1, n=None):
    cand = [r for r in rows if r["model"] == model and r["backend"] == backend
            and r["threads"] == threads and (n is None or r["n"] == n)]
    return max(cand, key=lambda r: r["n"]) if cand else None


def _markdown(results, rows, gpu, json_name) -> str:
    m, v = results["machine"], results["versions"]
    lines = ["# hhlif benchmarks", "",
             f"Generated by `python -m benchmarks.run {' '.join(results['argv'])}` on"
             f" {results['date']} (raw data: `results/{json_name}`; figure:"
             f" `figures/throughput.png`).", "",
             "## Machine and versions", "",
             f"- machine: {m['platform']}; CPU: {m['cpu']}; {m['cores']} cores",
             "- versions: " + ", ".join(f"{k} {x}" for k, x in v.items()),
             f"- NEST: {'measured' if v.get('nest') else 'not installed (optional `bench` extra); rows absent'}",
             f"- work: constant current {CURRENT} µA/cm² (same for all neurons), spikes recorded,"
             f" dt = each model's own step (0.01 ms; s-lif2hh 1 ms, the seed's update); N counts"
             f" model neurons (a LIF2HH neuron is 4 Brian2 units); hh = the model's default method"
             f" when the rows were measured (RK4 in the rows of 2026-12-01; rush_larsen2 since, see"
             f" the accuracy and time-to-solution sections),"
             f" lif = exact linear step; the"
             f" duration is chosen so N × steps ≈ {results['work_hh']:.0e} (HH) /"
             f" {results['work_lif']:.0e} (LIF) neuron-steps (runtime and the NumPy loop: a"
             f" tenth of that for HH)", "",
             "Throughput = N × steps / seconds of the simulation loop (neuron-steps/s);"
             " compile = `make` in a fresh build directory; process = the whole Python process;"
             " RSS = peak resident memory of that process.", ""]
    failed = [r for r in results["runs"] if not r.get("ok")]
    if failed:
        lines += ["Failed measurements:", ""] + [
            f"- {r['model']} {_label(r)} N = {r['n']:,}: "
            + (r.get("error_summary") or (r.get("error") or "")[-200:].replace(chr(10), " "))
            for r in failed] + [""]
    models = [x for x in MODELS if any(r["model"] == x for r in rows)]
    for model in models:
        dts = sorted({r["dt_ms"] for r in rows if r["model"] == model})
        lines += [f"## {model}", "", f"dt = {', '.join(f'{d:g}' for d in dts)} ms.", "",
                  "| backend | threads | N | duration (ms) | loop (s) | throughput | compile (s) |"
                  " process (s) | peak RSS (MB) | spikes |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted((r for r in rows if r["model"] == model),
                        key=lambda r: (r["backend"], r["threads"], r["n"])):
            comp = r.get("compile_s")
            lines.append(
                f"| {r['backend']} | {r['threads']} | {r['n']:,} | {r['duration_ms']:g} |"
                f" {r['loop_s']:.3f} | {_fmt_rate(r['throughput'])} |"
                f" {comp if comp is None else round(comp, 1)} | {r['process_s']:.1f} |"
                f" {r['peak_rss_mb']:.0f} | {r.get('spikes', '')} |")
        lines.append("")
    # ratios and targets
    lines += ["## Ratios (1 thread, largest N measured for each)", "",
              "| model | cpp-simd | Brian2 cpp (default) | simd/cpp | NEST | simd/NEST |"
              " numpy loop | simd/numpy |", "|---|---|---|---|---|---|---|---|"]
    targets = []
    for model in models:
        simd = _best(rows, model, "cpp-simd")
        n = simd["n"] if simd else None
        cpp = _best(rows, model, "cpp", n=n)
        nest = _best(rows, model, "nest", n=n) or _best(rows, model, "nest")
        naive = _best(rows, model, "numpy-loop")

        def ratio(a, b):
            return f"{a['throughput'] / b['throughput']:.1f}×" if a and b else "—"

        lines.append(f"| {model} (N={n if n is None else format(n, ',')}) | {_fmt_rate(simd and simd['throughput'])} |"
                     f" {_fmt_rate(cpp and cpp['throughput'])} | {ratio(simd, cpp)} |"
                     f" {_fmt_rate(nest and nest['throughput'])} | {ratio(simd, nest)} |"
                     f" {_fmt_rate(naive and naive['throughput'])} | {ratio(simd, naive)} |")
        if model == "hh" and simd and cpp:
            r = simd["throughput"] / cpp["throughput"]
            targets.append(f"- HH ≥ 5× Brian2's default cpp_standalone on one thread:"
                           f" {r:.1f}× at N = {n:,} → {'met' if r >= 5 else f'missed by {5 - r:.1f}×'}")
        if model == "lif":
            best = max((r for r in rows if r["model"] == "lif" and r["threads"] == 1
                        and r["backend"] in ("cpp", "cpp-simd")),
                       key=lambda r: r["throughput"], default=None)
            if best:
                g = best["throughput"] / 1e9
                targets.append(f"- LIF ≥ 1 G neuron-steps/s on one thread: {g:.2f} G"
                               f" ({best['backend']}, N = {best['n']:,}) →"
                               f" {'met' if g >= 1 else f'missed by {(1 - g) * 100:.0f} %'}")
    lines += ["", "## Targets", ""] + (targets or ["- not measured in this run"]) + [""]
    extra = results.get("exponential_euler")
    if extra:
        lines += ["## HH with exponential Euler (SIMD gain per method)", "",
                  "| method | backend | N | throughput | simd/cpp |", "|---|---|---|---|---|"]
        for method, pair in extra.items():
            c, s = pair.get("cpp"), pair.get("cpp-simd")
            for r in (c, s):
                if r and r.get("throughput"):
                    lines.append(f"| {method} | {r['backend']} | {r['n']:,} |"
                                 f" {_fmt_rate(r['throughput'])} |"
                                 f" {(s['throughput'] / c['throughput']):.1f}× |"
                                 if c and s and c.get("throughput") and s.get("throughput") else "")
        lines.append("")
    parity = results.get("parity")
    if parity:
        lines += ["## Parity checks (same protocol, two backends)", "",
                  "| model | backend | reference | N | spikes | same counts | max |Δt| (ms) | dt |",
                  "|---|---|---|---|---|---|---|---|"]
        for p in parity:
            lines.append(f"| {p['model']} | {p['backend']} | {p['reference']} | {p['n']} |"
                         f" {p.get('spikes')} | {p.get('same_counts')} |"
                         f" {p.get('max_time_difference_ms')} | {p.get('dt_ms')} |")
        lines.append("")
    mem = results.get("memory")
    if mem:
        lines += ["## Memory: 10⁵-neuron LIF with spikes recorded", "",
                  "| what | N | duration (ms) | spikes | peak RSS (MB) | spike arrays (MB) |"
                  " NIX file (MB) | export (s) |", "|---|---|---|---|---|---|---|---|"]
        for r in mem:
            lines.append(f"| {'run + NIX export' if r.get('export') else 'run'} | {r['n']:,} |"
                         f" {r['duration_ms']:g} | {r.get('spikes')} | {r['peak_rss_mb']:.0f} |"
                         f" {r.get('spike_array_mb', 0):.0f} | {r.get('file_mb', '—') if not r.get('file_mb') else round(r['file_mb'])} |"
                         f" {r.get('export_s', '—') if not r.get('export_s') else round(r['export_s'], 1)} |")
        lines.append("")
    reuse = results.get("reuse")
    if reuse and reuse.get("ok"):
        lines += ["## Builds reused: a 20-point amplitude sweep", "",
                  f"LIF, N = {reuse['n']:,} neurons per point, {reuse['duration_ms']:g} ms,"
                  f" backend {reuse['backend']}, amplitudes 16–40 µA/cm²; `make` calls counted"
                  f" at Brian2's `compile_source`; the cache starts empty.", "",
                  "| how | compiles | wall time (s) |", "|---|---|---|",
                  f"| 20 separate `run()` calls | {reuse['separate_compiles']} |"
                  f" {reuse['separate_s']:.1f} |",
                  f"| `run_many` (one build, `run_args`) | {reuse['run_many_compiles']} |"
                  f" {reuse['run_many_s']:.1f} |", "",
                  f"Same spikes point by point: {reuse['same_spikes']}"
                  f" ({reuse['spikes']:,} spikes in all); ratio"
                  f" {reuse['separate_s'] / reuse['run_many_s']:.1f}×.", ""]
    analysis = HERE / "results" / "analysis_speed.json"
    if analysis.exists():
        try:
            a = json.loads(analysis.read_text())
        except ValueError:
            a = None
        if a:
            lines += ["## Analysis: vectorised statistics versus Elephant per SpikeTrain", "",
                      "From `python -m benchmarks.analysis_speed` (raw data:"
                      " `results/analysis_speed.json`):", "", "```",
                      json.dumps({k: v for k, v in a.items() if not isinstance(v, (list, dict))
                                  or k in ("timings", "ratios", "speedup")}, indent=1)[:3000],
                      "```", ""]
    for name in ("hh_accuracy", "time_to_solution", "whole_path"):  # tables of their own scripts
        lines += _included(HERE / "results" / f"{name}.md")
    for g in gpu:
        gm = g["machine"]
        lines += [f"## GPU: {gm.get('gpu', 'unknown GPU')}", "",
                  f"Measured on the lent GPU machine ({gm['platform']}; CPU {gm['cpu']},"
                  f" {gm['cores']} cores); versions: "
                  + ", ".join(f"{k} {x}" for k, x in g["versions"].items())
                  + f"; `{' '.join(g['argv'])}` on {g['date']}.", "",
                  "| model | backend | threads | N | duration (ms) | loop (s) | throughput |"
                  " compile (s) | process (s) | spikes |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in g.get("runs", []):
            if r.get("ok"):
                lines.append(f"| {r['model']} | {r['backend']} | {r['threads']} | {r['n']:,} |"
                             f" {r['duration_ms']:g} | {r.get('loop_s') or 0:.3f} |"
                             f" {_fmt_rate(r.get('throughput'))} | {r.get('compile_s')} |"
                             f" {r['process_s']:.1f} | {r.get('spikes')} |")
            else:
                why = r.get("error_summary") or (r.get("error") or "")[-160:]
                lines.append(f"| {r['model']} | {r['backend']} | {r['threads']} | {r['n']:,} |"
                             f" failed: {why.replace('|', '/').replace(chr(10), ' ')} |"
                             " | | | | |")
        for p in g.get("parity", []):
            lines.append("")
            lines.append(f"- parity {p['model']} N={p['n']}: {p['backend']} vs {p['reference']}:"
                         f" {p.get('spikes')} vs {p.get('reference_spikes')} spikes, same counts"
                         f" {p.get('same_counts')}, max |Δt| {p.get('max_time_difference_ms')} ms"
                         f" (dt {p.get('dt_ms')} ms)" + (f"; error: {p['error'][-200:]}" if
                                                         p.get("error") else ""))
        if g.get("notes"):
            lines += [""] + [f"- {x}" for x in g["notes"]]
        lines.append("")
    if results.get("notes"):
        lines += ["## Notes", ""] + [f"- {x}" for x in results["notes"]] + [""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, little work (CI smoke)")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--backends", default="runtime,cpp,cpp-simd")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--sizes-hh", default="1000,10000,100000")
    parser.add_argument("--sizes-lif", default="10000,100000,1000000")
    parser.add_argument("--work-hh", type=float, default=5e7, help="neuron-steps per HH run")
    parser.add_argument("--work-lif", type=float, default=5e8, help="neuron-steps per LIF run")
    parser.add_argument("--naive-max-n", type=int, default=100000)
    parser.add_argument("--nest-max-n", type=int, default=None,
                        help="largest N for NEST (it held ~4 GiB at 1e5: 1e6 needs > 24 GiB)")
    parser.add_argument("--no-nest", action="store_true")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--gpu", action="store_true",
                        help="GPU mode: cuda backend for hh and lif, 1e5-1e6 neurons, parity vs cpp;"
                             " writes results/gpu_<device>.json (merged into RESULTS.md later)")
    parser.add_argument("--name", default=None, help="JSON file name (default: cpu or gpu_...)")
    parser.add_argument("--out", default=None, help="also copy the JSON here")
    parser.add_argument("--merge", action="store_true",
                        help="re-measure the rows of --models and merge them into the existing"
                             " results/<name>.json (other rows and sections kept)")
    parser.add_argument("--only", default=None,
                        help="comma-separated sections (reuse, memory; render: none) to re-measure and merge"
                             " into the existing results/<name>.json, then rewrite RESULTS.md")
    parser.add_argument("--note", action="append", default=[],
                        help="a line for the Notes section of RESULTS.md (repeatable)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = _worker(json.loads(args.worker))
        Path(args.worker_out).write_text(json.dumps(result, default=str))
        return 0

    args.models = [m for m in args.models.split(",") if m]
    args.backends = [b for b in args.backends.split(",") if b]
    args.threads = [int(t) for t in args.threads.split(",") if t]
    args.sizes_hh = [int(float(x)) for x in args.sizes_hh.split(",")]
    args.sizes_lif = [int(float(x)) for x in args.sizes_lif.split(",")]
    if args.quick:
        args.sizes_hh, args.sizes_lif = [100, 1000], [1000, 10000]
        args.work_hh, args.work_lif = 2e6, 2e7
    results = {"argv": list(argv if argv is not None else sys.argv[1:]),
               "date": time.strftime("%Y-%m-%d %H:%M"), "machine": _machine(),
               "versions": _versions(), "work_hh": args.work_hh, "work_lif": args.work_lif,
               "runs": [], "notes": list(args.note)}
    if args.gpu:
        return _gpu_main(args, results)
    name = args.name or ("cpu_quick" if args.quick else "cpu")
    if args.only:
        path = HERE / "results" / f"{name}.json"
        results = json.loads(path.read_text())
        for section in args.only.split(","):
            if section == "reuse":
                results["reuse"] = _reuse_measurement(args.quick)
            elif section == "memory":
                results["memory"] = _memory_measurement(args.quick)
            elif section == "render":
                continue  # rewrite RESULTS.md and the figure from the JSON files only
            else:
                parser.error(f"--only {section!r}: expected reuse, memory or render")
            print(section, json.dumps(results[section], default=str)[:1500], flush=True)
        write_results(results, name)
        return 0
    specs = _plan(args)
    if args.merge:
        path = HERE / "results" / f"{name}.json"
        old = json.loads(path.read_text())
        kept = [r for r in old["runs"] if r["model"] not in args.models]
        new_runs = []
        for k, spec in enumerate(specs):
            new_runs.append(measure(spec))
            print(f"[{k + 1}/{len(specs)}] {spec['model']} {_label(spec)} N={spec['n']:,}:"
                  f" {_fmt_rate(new_runs[-1].get('throughput'))}", flush=True)
        old["runs"] = kept + new_runs
        old.setdefault("notes", []).append(
            f"rows of {', '.join(args.models)} re-measured on {results['date']} with"
            f" `--merge` (same machine)")
        write_results(old, name)
        return 0
    print(f"{len(specs)} measurements", flush=True)
    for k, spec in enumerate(specs):
        r = measure(spec)
        results["runs"].append(r)
        print(f"[{k + 1}/{len(specs)}] {spec['model']:>9} {_label(spec):>12} N={spec['n']:>8,}"
              f" {spec['duration_ms']:g} ms: "
              + (f"{_fmt_rate(r.get('throughput'))} neuron-steps/s (loop {r['loop_s']:.2f} s,"
                 f" compile {r.get('compile_s')}, process {r['process_s']:.1f} s,"
                 f" {r['peak_rss_mb']:.0f} MB)" if r.get("ok") else "FAILED " + r["error"][-400:]),
              flush=True)
    if "hh" in args.models and "cpp-simd" in args.backends and "cpp" in args.backends:
        n = min(10000, max(args.sizes_hh))
        steps = max(int(args.work_hh / n), 100)
        rk4 = {b: next((r for r in results["runs"] if r.get("ok") and r["model"] == "hh" and
                        r["backend"] == b and r["threads"] == 1 and r["n"] == n), None)
               for b in ("cpp", "cpp-simd")}
        results["exponential_euler"] = _method_comparison(n, steps, rk4)
    if not args.no_memory:
        results["memory"] = _memory_measurement(args.quick)
    n_par = 50
    results["parity"] = []
    for model in _available_models(["hh", "lif"]):
        spec = {"kind": "compare", "model": model, "n": n_par, "steps": 20000, "dt_ms": 0.01,
                "duration_ms": 200.0, "backend": "cpp-simd", "reference": "cpp", "threads": 1}
        r = measure(spec)
        results["parity"].append(r)
    results["reuse"] = _reuse_measurement(args.quick)
    path = write_results(results, name)
    if args.out:
        Path(args.out).write_text(path.read_text())
    print(f"wrote {path}, {HERE / 'RESULTS.md'}, {HERE / 'figures' / 'throughput.png'}")
    return 0


def _memory_measurement(quick: bool) -> list:
    n = 1000 if quick else 100000
    dur = 100.0 if quick else 1000.0
    mem = []
    for export in (False, True):
        spec = {"kind": "memory", "model": "lif", "n": n, "steps": int(dur / 0.01),
                "dt_ms": 0.01, "duration_ms": dur, "backend": "cpp-simd", "threads": 1,
                "export": export}
        mem.append(measure(spec))
        print("memory", export, mem[-1].get("peak_rss_mb"), mem[-1].get("error", "")[-300:],
              flush=True)
    return mem


def _reuse_measurement(quick: bool) -> dict:
    spec = {"kind": "reuse", "model": "lif", "n": 100 if quick else 1000, "points": 20,
            "steps": 10000 if quick else 50000, "dt_ms": 0.01,
            "duration_ms": 100.0 if quick else 500.0, "backend": "cpp", "threads": 1}
    return measure(spec)


def _method_comparison(n, steps, rk4):
    """HH with exponential Euler: the SIMD gain for Brian2's other common method."""
    out = {"rk4": rk4}
    pair = {}
    for backend in ("cpp", "cpp-simd"):
        spec = {"kind": "hhlif", "model": "hh", "n": n, "steps": steps, "dt_ms": 0.01,
                "duration_ms": steps * 0.01, "backend": backend, "threads": 1,
                "method": "exponential_euler"}
        pair[backend] = measure(spec)
    out["exponential_euler"] = pair
    return out


def _gpu_main(args, results) -> int:
    """GPU mode: cuda for hh and lif at 1e5 and 1e6 neurons, parity against cpp, and the
    same work on this machine's CPU with cpp-simd.  The JSON is rewritten after every
    measurement, so a run cut short keeps what it measured."""
    results["gpu_mode"] = True
    results["parity"] = []
    sizes = [int(float(x)) for x in os.environ.get("HHLIF_GPU_SIZES", "100000,1000000").split(",")]
    limit = float(os.environ.get("HHLIF_GPU_TIMEOUT", "240"))
    work = {m: float(os.environ.get(f"HHLIF_GPU_WORK_{m.upper()}", 2e9 if m == "hh" else 1e10))
            for m in ("hh", "lif")}
    gpu_name = results["machine"].get("gpu", "gpu").split(",")[0].strip().replace(" ", "_")
    (HERE / "results").mkdir(exist_ok=True)
    path = HERE / "results" / f"{args.name or 'gpu_' + gpu_name}.json"
    plan = []
    for n in sizes:
        for model in ("hh", "lif"):
            steps = max(int(work[model] / n), 100)
            plan.append({"kind": "hhlif", "model": model, "n": n, "steps": steps, "dt_ms": 0.01,
                         "duration_ms": steps * 0.01, "backend": "cuda", "threads": 1})
    for model in ("hh", "lif"):
        plan.append({"kind": "compare", "model": model, "n": 50, "steps": 20000, "dt_ms": 0.01,
                     "duration_ms": 200.0, "backend": "cuda", "reference": "cpp", "threads": 1})
    for model in ("hh", "lif"):
        n = sizes[0]
        steps = max(int(work[model] / 20 / n), 100)
        for threads in (1, os.cpu_count() or 1):
            plan.append({"kind": "hhlif", "model": model, "n": n, "steps": steps, "dt_ms": 0.01,
                         "duration_ms": steps * 0.01, "backend": "cpp-simd",
                         "threads": int(threads)})
    for spec in plan:
        r = measure(spec, timeout=limit)
        (results["parity"] if spec["kind"] == "compare" else results["runs"]).append(r)
        print(spec["kind"], spec["model"], spec["backend"], spec["threads"], spec["n"],
              _fmt_rate(r.get("throughput")), r.get("loop_s"), r.get("compile_s"),
              round(r.get("process_s", 0), 1), r.get("same_counts"),
              r.get("max_time_difference_ms"), (r.get("error") or "")[-1500:], flush=True)
        path.write_text(json.dumps(results, indent=1, default=str))
        if args.out:
            Path(args.out).write_text(path.read_text())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
