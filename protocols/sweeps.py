"""Sweeps: many independent computations, cached point by point, on Dask or serially.

Contents
--------
SweepRunner
    Holds a scheduler open for several sweeps (``map``); the equivalence search uses one
    for all its sizes.  Context manager.
run_sweep
    One sweep: ``run_sweep(function, points) -> SweepResult``.
SweepResult
    Results in the order of the points, plus how many were computed now and how many came
    from the cache (``computed``, ``cached``), and the failures.
point_key
    The content hash that names a point's cache file.

Where the points run (``scheduler=``)
-------------------------------------
``"local"`` (default)
    An embedded ``dask.distributed.LocalCluster``: one process per worker, **one thread
    per worker** (Brian2's global device state is not thread-safe), workers that import
    Brian2 at start-up in their main thread (``preload=["brian2"]``: Brian2 installs a
    SIGINT handler, which only the main thread may do).  ``n_workers`` defaults to the
    number of CPU cores (at most the number of points to compute).
``"serial"``
    In this process, one point after the other (no Dask needed); same numbers as Dask.
an address (``"tcp://host:8786"``)
    An existing scheduler; start its workers with ``--nthreads 1 --preload brian2``::

        dask scheduler &
        dask worker tcp://host:8786 --nworkers 8 --nthreads 1 --preload brian2
        hhlif equivalence ... --scheduler tcp://host:8786

a ``Client`` or a cluster object
    E.g. an HPC cluster through dask-jobqueue (``pip install dask-jobqueue``)::

        from dask_jobqueue import SLURMCluster
        cluster = SLURMCluster(cores=1, processes=1, memory="4GB", walltime="02:00:00",
                               worker_extra_args=["--nthreads", "1", "--preload", "brian2"],
                               job_script_prologue=["export HHLIF_CACHE=$TMPDIR/hhlif"])
        cluster.scale(jobs=32)
        run_sweep(f, points, scheduler=cluster, cache="/shared/project/sweeps")
        # or: hhlif equivalence ... --scheduler <cluster.scheduler_address>

    The point cache (``cache=``) must be on a file system every worker sees, or on the
    client only: the client also writes each result it receives.

Cache and resumption
--------------------
Each point is named by the SHA-256 of its function (module and name), its inputs (JSON,
sorted keys) and the code that computes it (:func:`code_fingerprint`: every hhlif source
file, the function's module file, the Brian2/NumPy/SciPy versions), so a code change never
reuses a stale point; its result is written as JSON atomically (temporary
file, then rename) as soon as it is computed, by the worker and again by the client if
missing.  A sweep that is killed or that fails on some points keeps every finished point;
running it again computes only the missing ones.  ``force=True`` recomputes everything.

Brian2 in workers
-----------------
Every point starts and ends with Brian2's runtime device re-initialised
(``device.reinit()``, ``reset_device('runtime')``, ``start_scope()``).  Standalone builds
never share a directory: :mod:`hhlif.protocols.backends` gives each build key its own
locked directory under ``$HHLIF_CACHE`` (a concurrent build with the same key gets a fresh
one).  ``worker_cache="per-worker"`` goes further and gives every worker process its own
``$HHLIF_CACHE`` sub-folder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

__all__ = ["SweepRunner", "SweepResult", "SweepError", "run_sweep", "point_key",
           "default_sweep_cache", "code_fingerprint"]

#: JSON format version of cached points (part of every key).
CACHE_FORMAT = 1


class SweepError(RuntimeError):
    """Some points of a sweep failed; the others are cached (``result`` holds them)."""

    def __init__(self, message: str, result: "SweepResult"):
        super().__init__(message)
        self.result = result


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    points : list of dict
        The inputs, in the order given.
    results : list
        One result per point (``None`` for a failed point).
    keys : list of str
        Cache key of each point.
    computed : int
        Points computed by this call.
    cached : int
        Points read from the cache.
    failures : dict of int to str
        Index of each failed point and its error.
    wall_time_s : float
    scheduler : str
    """

    points: list
    results: list
    keys: list
    computed: int = 0
    cached: int = 0
    failures: dict = field(default_factory=dict)
    wall_time_s: float = 0.0
    scheduler: str = "serial"

    def to_dict(self) -> dict:
        return {"points": self.points, "results": self.results, "keys": self.keys,
                "computed": self.computed, "cached": self.cached,
                "failures": {str(k): v for k, v in self.failures.items()},
                "wall_time_s": self.wall_time_s, "scheduler": self.scheduler}


# ----------------------------------------------------------------------------- keys
def _function_name(function: Callable) -> str:
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise ValueError(f"function={function!r}: expected a module-level function (it is"
                         f" named in the cache key and sent to workers by name)")
    return f"{module}:{qualname}"


def _canonical(point: Mapping) -> str:
    try:
        return json.dumps(point, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"point {point!r}: expected a mapping of JSON values (str, numbers,"
                         f" bools, lists, dicts) ({exc})") from None


def point_key(function: Callable, point: Mapping) -> str:
    """SHA-256 (hex) of the function's name, the point's JSON and the code that computes it.

    The code is :func:`code_fingerprint`: the hhlif sources, the source file of
    ``function``'s module and the versions of the libraries that simulate (Brian2, NumPy,
    SciPy), so that editing any of them, within one hhlif version, makes new keys rather
    than reusing points computed by other code.  The sources are read once per process
    (as Python imports them once): after editing code in a running session, restart it.
    """
    text = json.dumps({"function": _function_name(function), "point": json.loads(
        _canonical(point)), "code": code_fingerprint(function), "format": CACHE_FORMAT},
        sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=None)
def _package_fingerprint() -> str:
    """SHA-256 of every hhlif ``.py`` source (relative path and bytes) and library versions."""
    import importlib

    import numpy

    from ._version import __version__

    digest = hashlib.sha256()
    digest.update(f"hhlif {__version__}; numpy {numpy.__version__}".encode())
    for name in ("brian2", "scipy"):
        try:
            digest.update(f"; {name} {importlib.import_module(name).__version__}".encode())
        except ImportError:
            digest.update(f"; {name} absent".encode())
    for package in ("hhlif.models", "hhlif.protocols", "hhlif.analysis"):
        for root in importlib.import_module(package).__path__:
            base = Path(root)
            for path in sorted(base.rglob("*.py")):
                digest.update(f"\0{package}/{path.relative_to(base).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _module_fingerprint(module: str) -> str:
    """SHA-256 of a module's source file ('' when it has none, e.g. built-ins)."""
    import importlib
    import inspect

    try:
        source = inspect.getsourcefile(importlib.import_module(module))
        return hashlib.sha256(Path(source).read_bytes()).hexdigest() if source else ""
    except (ImportError, TypeError, OSError):
        return ""


def code_fingerprint(function: Callable | None = None) -> str:
    """What a cached point's result depends on besides its inputs (see :func:`point_key`)."""
    module = getattr(function, "__module__", None) if function is not None else None
    own = _module_fingerprint(module) if module else ""
    return hashlib.sha256(f"{_package_fingerprint()}:{own}".encode()).hexdigest()


def default_sweep_cache() -> Path:
    """``$HHLIF_CACHE/sweeps``."""
    from .backends import cache_dir

    return cache_dir() / "sweeps"


def _path_for(cache: Path | None, function: Callable, key: str) -> Path | None:
    if cache is None:
        return None
    return cache / _function_name(function).replace(":", ".") / f"{key}.json"


def _read(path: Path | None):
    """(found, result) of a cached point; unreadable files count as missing."""
    if path is None or not path.is_file():
        return False, None
    try:
        payload = json.loads(path.read_text())
        return True, payload["result"]
    except (OSError, ValueError, KeyError):
        return False, None


def _write(path: Path | None, function_name: str, point: Mapping, result: Any,
           wall: float) -> None:
    if path is None:
        return
    import platform
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"function": function_name, "point": point, "result": result,
               "wall_time_s": round(wall, 6), "host": platform.node(), "pid": os.getpid(),
               "written": time.strftime("%Y-%m-%dT%H:%M:%S")}
    text = json.dumps(payload, indent=1, sort_keys=True, allow_nan=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ----------------------------------------------------------------------------- worker side
def _reset_brian2() -> None:
    """Fresh Brian2 state between points (only if Brian2 is loaded)."""
    if "brian2" not in sys.modules:
        return
    import brian2
    from brian2.devices.device import get_device, reset_device

    try:
        get_device().reinit()
    finally:
        reset_device("runtime")
        brian2.start_scope()


def _worker_cache(mode: str | None) -> None:
    if mode == "per-worker":
        from .backends import cache_dir

        base = os.environ.get("HHLIF_CACHE_BASE") or str(cache_dir())
        os.environ["HHLIF_CACHE_BASE"] = base
        os.environ["HHLIF_CACHE"] = os.path.join(base, f"worker-{os.getpid()}")


def _compute_point(function: Callable, point: dict, path: str | None,
                   worker_cache: str | None = None):
    """Run one point (in a worker or in-process) and write its cache file."""
    _worker_cache(worker_cache)
    _reset_brian2()
    t0 = time.perf_counter()
    try:
        result = function(**point)
    finally:
        _reset_brian2()
    result = json.loads(json.dumps(result, allow_nan=True))  # fail early if not JSON
    _write(Path(path) if path else None, _function_name(function), point, result,
           time.perf_counter() - t0)
    return result


# ----------------------------------------------------------------------------- progress
class _Progress:
    def __init__(self, total: int, label: str, enabled: bool):
        self.bar = None
        self.total, self.done, self.label = total, 0, label
        self.enabled = enabled and total > 0
        if not self.enabled:
            return
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="point", file=sys.stderr,
                            leave=False)
        except ImportError:
            print(f"{label}: 0/{total} points", file=sys.stderr, flush=True)

    def update(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
        else:
            print(f"{self.label}: {self.done}/{self.total} points", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ----------------------------------------------------------------------------- runner
class SweepRunner:
    """Runs sweeps on one scheduler, started lazily, kept for several ``map`` calls.

    Parameters
    ----------
    scheduler : str, Client or cluster, optional
        ``"local"`` (default: an embedded LocalCluster), ``"serial"``, a scheduler address,
        a ``distributed.Client`` or a cluster object (e.g. from dask-jobqueue).  See the
        module documentation.
    n_workers : int, optional
        Workers of the LocalCluster (default: CPU cores, at most the points to compute).
    cache : path, None or False
        Folder of the point cache (default ``$HHLIF_CACHE/sweeps``); ``False``: no cache.
    force : bool
        Recompute points even if cached (and overwrite their files).
    progress : bool
        Show a progress bar (tqdm if installed, else a line per point on stderr).
    worker_cache : {None, 'per-worker'}
        ``per-worker``: each worker process uses its own ``$HHLIF_CACHE`` sub-folder
        for standalone builds.

    Examples
    --------
    >>> from hhlif.protocols.sweeps import SweepRunner
    >>> import statistics
    >>> with SweepRunner("serial", cache=False, progress=False) as runner:
    ...     runner.map(statistics.fmean, [{"data": [1, 2, 3]}, {"data": [4, 6]}]).results
    [2.0, 5.0]
    """

    def __init__(self, scheduler: Any = "local", n_workers: int | None = None,
                 cache: Any = None, force: bool = False, progress: bool = True,
                 worker_cache: str | None = None):
        if worker_cache not in (None, "per-worker"):
            raise ValueError(f"worker_cache={worker_cache!r}: expected None or 'per-worker'")
        if n_workers is not None and (isinstance(n_workers, bool) or int(n_workers) < 1):
            raise ValueError(f"n_workers={n_workers!r}: expected an integer >= 1")
        if scheduler is None:
            scheduler = "local"
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.cache = None if cache is False else Path(cache) if cache is not None \
            else default_sweep_cache()
        self.force = bool(force)
        self.progress = bool(progress)
        self.worker_cache = worker_cache
        self._client = None
        self._cluster = None
        self.total_computed = 0
        self.total_cached = 0

    # -- scheduler
    @property
    def kind(self) -> str:
        s = self.scheduler
        if isinstance(s, str):
            return s if s in ("serial", "local") else "address"
        return type(s).__name__

    def _get_client(self, n_points: int):
        if self._client is not None:
            return self._client
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ImportError("scheduler=" + repr(self.kind) + " needs dask.distributed;"
                              " install the extra with `pip install hhlif[dist]` or use"
                              " scheduler='serial'") from None
        s = self.scheduler
        if s == "local":
            n = self.n_workers or min(os.cpu_count() or 1, max(n_points, 1))
            self._cluster = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                                         preload=["brian2"], dashboard_address=None,
                                         silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        elif isinstance(s, str):
            self._client = Client(s)
        elif isinstance(s, Client):
            self._client = s
        else:  # a cluster object (LocalCluster, dask-jobqueue ...)
            self._client = Client(s)
        return self._client

    def close(self) -> None:
        """Close the client and cluster this runner started (not ones it was given)."""
        try:
            from dask.distributed import Client
        except ImportError:
            Client = ()  # noqa: N806
        if self._client is not None and not isinstance(self.scheduler, Client):
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def __enter__(self) -> "SweepRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- work
    def map(self, function: Callable, points: Iterable[Mapping], label: str | None = None,
            errors: str = "raise") -> SweepResult:
        """Compute ``function(**point)`` for every point (cached ones are read back).

        Parameters
        ----------
        function : callable
            A module-level function (workers import it by name) whose keyword arguments
            are the point's keys and whose result is JSON-serialisable.
        points : iterable of mapping
            JSON-serialisable inputs.
        label : str, optional
            Progress-bar label (default: the function's name).
        errors : {'raise', 'keep'}
            ``raise``: after every other point finished (and was cached), raise
            :class:`SweepError`; ``keep``: return with ``None`` results and ``failures``.

        Returns
        -------
        SweepResult
        """
        if errors not in ("raise", "keep"):
            raise ValueError(f"errors={errors!r}: expected 'raise' or 'keep'")
        t0 = time.perf_counter()
        points = [dict(p) for p in points]
        name = _function_name(function)
        keys = [point_key(function, p) for p in points]
        paths = [_path_for(self.cache, function, k) for k in keys]
        results: list = [None] * len(points)
        todo = []
        cached = 0
        for i, path in enumerate(paths):
            found, value = (False, None) if self.force else _read(path)
            if found:
                results[i] = value
                cached += 1
            else:
                todo.append(i)
        # identical points are computed once
        first_of: dict[str, int] = {}
        unique = []
        for i in todo:
            if keys[i] not in first_of:
                first_of[keys[i]] = i
                unique.append(i)
        failures: dict[int, str] = {}
        bar = _Progress(len(unique), label or name.split(":")[-1], self.progress)
        computed = 0
        try:
            if unique and self.kind == "serial":
                for i in unique:
                    try:
                        results[i] = _compute_point(function, points[i],
                                                    str(paths[i]) if paths[i] else None,
                                                    None)
                        computed += 1
                    except Exception as exc:  # noqa: BLE001 - reported per point
                        failures[i] = f"{type(exc).__name__}: {exc}"
                    bar.update()
            elif unique:
                from dask.distributed import as_completed

                client = self._get_client(len(unique))
                futures = client.map(
                    _compute_point, [function] * len(unique), [points[i] for i in unique],
                    [str(paths[i]) if paths[i] else None for i in unique],
                    [self.worker_cache] * len(unique),
                    key=[f"hhlif-{name.split(':')[-1]}-{keys[i][:16]}-{time.time_ns()}"
                         for i in unique], pure=False)
                index = {f.key: i for f, i in zip(futures, unique)}
                for future in as_completed(futures):
                    i = index[future.key]
                    try:
                        results[i] = future.result()
                        computed += 1
                        if paths[i] is not None and not paths[i].is_file():
                            _write(paths[i], name, points[i], results[i], 0.0)
                    except Exception as exc:  # noqa: BLE001 - reported per point
                        failures[i] = f"{type(exc).__name__}: {exc}"
                    bar.update()
        finally:
            bar.close()
        for i in todo:
            if i not in first_of.values() and keys[i] in first_of:
                j = first_of[keys[i]]
                results[i] = results[j]
                if j in failures:
                    failures[i] = failures[j]
        self.total_computed += computed
        self.total_cached += cached
        out = SweepResult(points=points, results=results, keys=keys, computed=computed,
                          cached=cached, failures=failures,
                          wall_time_s=round(time.perf_counter() - t0, 3),
                          scheduler=self.kind)
        if failures and errors == "raise":
            first = min(failures)
            raise SweepError(f"{len(failures)} of {len(points)} points failed (the"
                             f" {computed} computed and {cached} cached ones are kept);"
                             f" first: point {points[first]!r}: {failures[first]}", out)
        return out


def run_sweep(function: Callable, points: Sequence[Mapping], *, scheduler: Any = "local",
              n_workers: int | None = None, cache: Any = None, force: bool = False,
              progress: bool = True, errors: str = "raise",
              worker_cache: str | None = None) -> SweepResult:
    """Compute ``function(**point)`` for every point, cached on disk, on Dask or serially.

    See :class:`SweepRunner` for the parameters and the module documentation for the
    schedulers.

    Examples
    --------
    >>> import statistics, tempfile
    >>> from hhlif.protocols.sweeps import run_sweep
    >>> folder = tempfile.mkdtemp()
    >>> pts = [{"data": [1, 2, 3]}, {"data": [4, 6]}]
    >>> run_sweep(statistics.fmean, pts, scheduler="serial", cache=folder,
    ...           progress=False).results
    [2.0, 5.0]
    >>> run_sweep(statistics.fmean, pts, scheduler="serial", cache=folder,
    ...           progress=False).computed
    0
    """
    with SweepRunner(scheduler, n_workers=n_workers, cache=cache, force=force,
                     progress=progress, worker_cache=worker_cache) as runner:
        return runner.map(function, points, errors=errors)
