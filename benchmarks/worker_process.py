"""One benchmark measurement in a fresh Python process, timed as a process.

The benchmarks (:mod:`benchmarks.run`, :mod:`benchmarks.time_to_solution`) run each
measurement as ``python -m MODULE --worker SPEC --worker-out FILE`` in its own process, with
a fresh ``HHLIF_CACHE`` (so a compilation is a first build) in a scratch folder that is
removed afterwards.  :func:`run_worker` returns what the operating system measured
(``os.wait4``: wall time, user + system CPU time of the process and its children — the
compiler and the standalone binary — and peak RSS) with the worker's own JSON result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["WorkerRun", "run_worker"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkerRun:
    """What one worker process did.

    Attributes
    ----------
    wall_s, cpu_s : float
        Wall time of the process; its user + system CPU time, children included.
    peak_rss_mb : float
    status : int
        The ``os.wait4`` status (see ``os.WIFSIGNALED``).
    output : str
        Its stdout and stderr.
    result : dict or None
        The JSON the worker wrote, None when it wrote none (it failed or was killed).
    """

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    status: int
    output: str
    result: dict | None


def run_worker(module: str, spec: dict, *, timeout: float, prefix: str,
               env: dict | None = None,
               in_scratch: Callable[[Path], dict] | None = None) -> WorkerRun:
    """Run ``python -m module --worker SPEC`` in a fresh process (killed after ``timeout``).

    Parameters
    ----------
    module : str
        The benchmark module (it implements ``--worker`` and ``--worker-out``).
    spec : dict
        The measurement, passed as JSON.
    timeout : float
        Seconds before the process is killed.
    prefix : str
        Prefix of the scratch folder (also ``HHLIF_CACHE``).
    env : dict, optional
        Extra environment variables.
    in_scratch : callable, optional
        ``f(scratch) -> dict`` of spec entries that name places in the scratch folder.
    """
    environment = dict(os.environ)
    environment.setdefault("PYTHONUNBUFFERED", "1")
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    environment["HHLIF_CACHE"] = str(scratch)
    environment.update(env or {})
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    spec = dict(spec, **(in_scratch(scratch) if in_scratch else {}))
    out_file = scratch / "result.json"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", module, "--worker", json.dumps(spec),
                             "--worker-out", str(out_file)], cwd=str(ROOT), env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    # read the output while waiting (no pipe deadlock); wait4 gives the child's own rusage
    reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)
    reader.start()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    reader.join(timeout=5)
    result = json.loads(out_file.read_text()) if out_file.exists() else None
    shutil.rmtree(scratch, ignore_errors=True)
    return WorkerRun(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
                     peak_rss_mb=usage.ru_maxrss / 1024.0, status=status,
                     output="".join(output), result=result)
