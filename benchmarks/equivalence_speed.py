"""One equivalence search two ways, side by side: ``python -m benchmarks.equivalence_speed``.

Run from the repository root::

    python -m benchmarks.equivalence_speed [--size 10] [--seeds 4] [--repeats 30]
        [--candidate lif] [--max-seconds 1800] [--note TEXT] [--force]

The same work for both: ``hhlif equivalence --reference hh --candidate lif`` on
``waveform-classes`` (4 classes, ``--repeats`` trials each, 100 ms, bins of 25 ms), metric
``mi``, reference size ``--size``, ``--seeds`` seeds, as a user runs it (the installed console
script, a fresh sweep cache and ``HHLIF_CACHE`` each, so every simulation and build is done,
timed as a process with ``os.wait4``):

* **before** (the search as it was): ``--search bisect --backend runtime --scheduler local``:
  one simulation per (size, seed) on Brian2's runtime target, exponential bracketing
  then bisection of n, in a local Dask cluster of 2 workers.
* **now**: ``--search pool`` (backend ``auto`` → ``cpp-simd``, scheduler ``serial``, OpenMP
  on every core): one compiled simulation per model holding every size and seed; every size
  read from it.

By default the candidate is first fitted to HH (``hhlif fit ... --target fi-noisy``, timed
apart) and both searches compare HH with it: the issue's command.  ``--no-fit`` compares the
default candidate instead (its ratio is about 0.2-0.3, so the size search stops at small n
and costs less).

The pooled search reads more sizes (12 per model against the bisection's 6-9 per seed) and
computes a hierarchical bootstrap; the ratio of the two wall times is the speed-up.
Writes ``results/equivalence_speed.json`` and ``.md`` and that table as a section of
``RESULTS.md`` between markers (replaced there, or appended).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.whole_path import _timed_command

HERE = Path(__file__).resolve().parent
BEGIN = ("<!-- equivalence_speed: begin (written by python -m benchmarks.equivalence_speed;"
         " do not edit) -->")
END = "<!-- equivalence_speed: end -->"


def _hhlif() -> str:
    exe = Path(sys.executable).with_name("hhlif")
    return str(exe) if exe.exists() else "hhlif"


def commands(size: int, seeds: int, repeats: int, candidate: str,
             params: str | None = None) -> dict:
    common = [_hhlif(), "equivalence", "--reference", "hh", "--candidate", candidate,
              "--size", str(size), "--seeds", str(seeds), "--metric", "mi",
              "--set", f"repeats={repeats}", "--json", "out.json", "--force"]
    if params:
        common += ["--candidate-params", params]
    return {"before": common + ["--search", "bisect", "--backend", "runtime",
                                "--scheduler", "local", "--workers", "2"],
            "now": common + ["--search", "pool"]}


def fit_candidate(args) -> dict:
    """``hhlif fit`` of the candidate to HH (f–I under the task's noise), timed; both
    searches then compare HH with that calibrated candidate (the issue's command)."""
    import os

    work = Path(tempfile.mkdtemp(prefix="eqspeed-fit-"))
    os.environ["HHLIF_CACHE"] = str(work / "cache")
    out = work / "fit.json"
    cmd = [_hhlif(), "fit", "--reference", "hh", "--candidate", args.candidate, "--target",
           "fi-noisy", "--out", str(out)]
    print(f"[equivalence_speed] fit: {' '.join(cmd)}", flush=True)
    r = _timed_command(cmd, work, work / "stdout.txt", args.max_seconds)
    r["path"] = str(out)
    print(f"[equivalence_speed] fit: {r['wall_s']:.1f} s, rc {r['rc']}", flush=True)
    return r


def measure(args, params: str | None = None) -> dict:
    rows = {}
    for kind, cmd in commands(args.size, args.seeds, args.repeats, args.candidate,
                              params).items():
        work = Path(tempfile.mkdtemp(prefix=f"eqspeed-{kind}-"))
        cmd = cmd + ["--cache", str(work / "sweeps")]
        import os

        os.environ["HHLIF_CACHE"] = str(work / "cache")
        print(f"[equivalence_speed] {kind}: {' '.join(cmd)}", flush=True)
        r = _timed_command(cmd, work, work / "stdout.txt", args.max_seconds)
        out = (work / "stdout.txt").read_text(errors="replace")
        r["stdout"] = out[-4000:]
        m = re.search(r"n/N = (\S+) \[(\S+), (\S+)\]", out)
        r["ratio"] = m.groups() if m else None
        try:
            payload = json.loads((work / "out.json").read_text())
            r["simulations"] = _simulations(payload)
        except (OSError, ValueError):
            r["simulations"] = None
        print(f"[equivalence_speed] {kind}: {r['wall_s']:.1f} s, rc {r['rc']},"
              f" ratio {r['ratio']}", flush=True)
        rows[kind] = r
    return rows


def _simulations(payload: dict):
    if "results" in payload:   # pooled
        return payload["provenance"]["sweep"]["computed"]
    return next(iter(payload.values()))["provenance"]["sweep"]["computed"]


def render(result: dict) -> str:
    b, n = result["rows"]["before"], result["rows"]["now"]
    speed = b["wall_s"] / n["wall_s"] if n["wall_s"] else float("nan")
    a = result["args"]
    L = [BEGIN, "## Equivalence search: size search on runtime vs pooled compiled search", "",
         f"Generated by `python -m benchmarks.equivalence_speed` on {result['date']}"
         f" ({result['machine']}). {result.get('note', '')}", "",
         f"Work: `hhlif equivalence --reference hh --candidate {a['candidate']}"
         + (" --candidate-params fit.json" if result.get("fit") else "")
         + f" --size {a['size']} --seeds {a['seeds']} --metric mi --set"
         f" repeats={a['repeats']}`"
         f" (waveform-classes, 4 classes, 100 ms, HH dt 0.01 ms, LIF 0.1 ms), each a fresh"
         f" process with a fresh cache (every build and simulation done).", "",
         "| search | backend | simulations | wall (s) | CPU (s) | peak RSS (MB) | n/N [CI] |",
         "|---|---|---|---|---|---|---|"]
    for kind, r, backend in (("before: bisect", b, "runtime, Dask 2 workers"),
                             ("now: pool", n, "auto (cpp-simd), serial, OpenMP on every core")):
        ratio = "{} [{}, {}]".format(*r["ratio"]) if r.get("ratio") else "–"
        L.append(f"| {kind} | {backend} | {r.get('simulations')} | {r['wall_s']:.1f} |"
                 f" {r['cpu_s']:.1f} | {r['peak_rss_mb']:.0f} | {ratio} |")
    fit = result.get("fit")
    if fit:
        L += ["", f"The candidate was fitted first (`hhlif fit --reference hh --candidate"
              f" {a['candidate']} --target fi-noisy`, {fit['wall_s']:.1f} s, not counted"
              f" above: both searches use the same file)."]
    L += ["", f"Speed-up of the whole command: **{speed:.1f}x** (target >= 10x).", "",
          "The two searches estimate different things with different statistics (the size"
          " search bisects the seed-mean curve, the pooled one fits saturating curves and"
          " bootstraps seeds and trials), so their ratios need not agree.", END, ""]
    return "\n".join(L)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--candidate", default="lif")
    p.add_argument("--no-fit", dest="fit", action="store_false",
                   help="compare with the candidate's default parameters instead of a"
                        " candidate fitted by hhlif fit (the default)")
    p.add_argument("--max-seconds", type=float, default=1800.0)
    p.add_argument("--note", default="")
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    out = HERE / "results" / "equivalence_speed.json"
    if out.exists() and not args.force:
        p.error(f"{out} exists; pass --force to replace it")
    t0 = time.time()
    fit = fit_candidate(args) if args.fit else None
    rows = measure(args, fit["path"] if fit else None)
    result = {"args": vars(args), "rows": rows, "fit": fit, "note": args.note,
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t0)),
              "machine": f"{platform.node()}, {platform.processor() or platform.machine()},"
                         f" Python {platform.python_version()}"}
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    text = render(result)
    out.with_suffix(".md").write_text(text)
    results_md = HERE / "RESULTS.md"
    old = results_md.read_text()
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results_md.write_text(new)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
