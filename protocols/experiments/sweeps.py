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
verify_entry, CacheEntryError
    Read a cache entry and check its schema and checksum.
check_scheduler, SchedulerUnreachableError
    Check a ``scheduler=`` value (and that an address answers) before any work.

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
        dask worker tcp://host:8786 --nworkers 8 --nthreads 1 --preload brian2 \
                    --preload hhlif.protocols.experiments.sweeps
        hhlif equivalence ... --scheduler tcp://host:8786

    An address that does not answer within :data:`CONNECT_TIMEOUT_S` seconds is refused
    with :class:`SchedulerUnreachableError` (one line naming the address).

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
reuses a stale point.  Its result is written as JSON as soon as it is computed, by the
worker and again by the client if missing, through :func:`hhlif.analysis.io.atomic_output`
(a temporary file, then a rename: a reader never sees half a file; permissions as the
umask allows, so workers of a group can share a cache).  A sweep that is killed or that
fails on some points keeps every finished point; running it again computes only the
missing ones.  ``force=True`` recomputes everything.

Every entry carries its schema version (:data:`CACHE_SCHEMA`), its key and the SHA-256 of
its canonical content (``checksum``).  An entry that does not verify (edited by hand,
corrupt, truncated, another schema) is reported with a :class:`HhlifWarning` naming the
file, and its point is computed again (:func:`verify_entry`; ``hhlif cache info`` lists
such entries, ``hhlif cache clean`` removes them).

Interruptions
-------------
A point is cached only if its function returned normally *and* no interruption happened
while it ran: a SIGINT (Ctrl-C) received during a point, a Brian2 run stopped early, or
:class:`~hhlif.protocols.errors.RunInterrupted` / ``KeyboardInterrupt`` raised by the
function.  In this process (``serial``) the interruption propagates as
:class:`~hhlif.protocols.errors.RunInterrupted` (a ``KeyboardInterrupt``): the finished points
stay cached, ``hhlif`` prints one line and exits with status 130.  In a Dask worker it
becomes an :class:`~hhlif.protocols.errors.IncompleteRunError` failure of that point (the
worker itself keeps running; ``KeyboardInterrupt`` would take it down), and a Ctrl-C of the
client cancels the outstanding points and shuts the cluster down.  Workers of the embedded
cluster preload this module (``dask_setup``), which turns a SIGINT reaching a worker (a
Ctrl-C in the terminal reaches every process of the group) into "abandon the current point"
instead of a crash with a traceback; start your own workers with
``--preload brian2 --preload hhlif.protocols.experiments.sweeps`` for the same behaviour.

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

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from hhlif.models.errors import HhlifWarning, ParameterError
from hhlif.protocols.errors import IncompleteRunError, RunInterrupted

__all__ = ["SweepRunner", "SweepResult", "SweepError", "run_sweep", "point_key",
           "default_sweep_cache", "code_fingerprint", "verify_entry", "CacheEntryError",
           "check_scheduler", "SchedulerUnreachableError", "entry_checksum", "CACHE_SCHEMA"]

#: JSON format version of cached points (part of every key: entries of another format are
#: never looked up).
CACHE_FORMAT = 2
#: Schema version written in every entry and checked when it is read.
CACHE_SCHEMA = 2
#: Seconds a scheduler address has to answer (:func:`check_scheduler`, ``SweepRunner``).
CONNECT_TIMEOUT_S = 5.0


class CacheEntryError(ValueError):
    """A cache entry that does not verify; ``path`` and ``reason`` say which and why."""

    def __init__(self, path, reason: str):
        super().__init__(f"sweep cache entry {str(path)!r}: {reason}")
        self.path, self.reason = Path(path), reason


class SchedulerUnreachableError(ParameterError, ConnectionError):
    """A ``scheduler`` value that is not a scheduler, or an address that does not answer."""


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

    from hhlif.protocols._version import __version__

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
    from hhlif.protocols.backends import cache_dir

    return cache_dir() / "sweeps"


def _path_for(cache: Path | None, function: Callable, key: str) -> Path | None:
    if cache is None:
        return None
    return cache / _function_name(function).replace(":", ".") / f"{key}.json"


def _canonical_content(payload: Mapping) -> str:
    content = {k: v for k, v in payload.items() if k != "checksum"}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=True)


def entry_checksum(payload: Mapping) -> str:
    """``sha256:<hex>`` of an entry's canonical JSON (sorted keys, no spaces), without its
    ``checksum`` field."""
    return "sha256:" + hashlib.sha256(_canonical_content(payload).encode()).hexdigest()


def verify_entry(path, key: str | None = None) -> dict:
    """Read the cache entry at ``path`` and check it; returns its content.

    Parameters
    ----------
    path : path-like
        A ``<key>.json`` file of the sweep cache.
    key : str, optional
        The key the entry must carry (default: the file's stem).

    Raises
    ------
    CacheEntryError
        Unreadable, not JSON (truncated or corrupt), another schema version, a missing
        field, another key than its file name, or a checksum that does not match the
        content (edited by hand or corrupt).
    """
    path = Path(path)
    key = path.stem if key is None else key
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise CacheEntryError(path, f"unreadable ({exc})") from None
    try:
        payload = json.loads(text)
    except ValueError:
        raise CacheEntryError(path, f"not valid JSON ({len(text)} bytes; truncated or"
                                    " corrupt)") from None
    if not isinstance(payload, dict):
        raise CacheEntryError(path, "not a JSON object")
    schema = payload.get("schema")
    if schema != CACHE_SCHEMA:
        older = " (written by an older hhlif)" if schema is None or (
            isinstance(schema, int) and schema < CACHE_SCHEMA) else ""
        raise CacheEntryError(path, f"schema {schema!r}, expected {CACHE_SCHEMA}{older}")
    missing = [k for k in ("key", "function", "point", "result", "checksum") if k not in payload]
    if missing:
        raise CacheEntryError(path, f"missing field(s) {', '.join(missing)}")
    if payload["checksum"] != entry_checksum(payload):
        raise CacheEntryError(path, "checksum mismatch (edited by hand or corrupt)")
    if payload["key"] != key:
        raise CacheEntryError(path, f"holds key {str(payload['key'])[:16]}..., expected"
                                    f" {key[:16]}... (its file name)")
    return payload


def _read(path: Path | None):
    """(found, result) of a cached point; an entry that does not verify warns and counts as
    missing (its point is computed again and the entry replaced)."""
    if path is None or not path.is_file():
        return False, None
    try:
        return True, verify_entry(path)["result"]
    except CacheEntryError as exc:
        warnings.warn(HhlifWarning(f"{exc}; the point is computed again"), stacklevel=3)
        return False, None


def _write(path: Path | None, function_name: str, point: Mapping, result: Any,
           wall: float) -> None:
    """Write a verified entry atomically (replacing a bad one: keys are content-addressed)."""
    if path is None:
        return
    import platform

    from hhlif.analysis.io import write_text

    payload = {"schema": CACHE_SCHEMA, "key": path.stem, "function": function_name,
               "point": point, "result": result, "wall_time_s": round(wall, 6),
               "host": platform.node(), "pid": os.getpid(),
               "written": time.strftime("%Y-%m-%dT%H:%M:%S")}
    payload["checksum"] = entry_checksum(payload)
    text = json.dumps(payload, indent=1, sort_keys=True, allow_nan=True)
    write_text(path, text, force=True)


# ----------------------------------------------------------------------------- schedulers
_ADDRESS = re.compile(r"^(?:(?P<proto>[a-z][a-z0-9+.-]*)://)?"
                      r"(?P<host>\[[0-9a-fA-F:]+\]|[^\s/:\[\]]+)"
                      r"(?::(?P<port>\d{1,5}))?/?$")


def check_scheduler(scheduler: Any, connect: bool = True, timeout: float | None = None,
                    option: str | None = None) -> Any:
    """Check a ``scheduler=`` value before any work; returns it.

    ``'local'``, ``'serial'``, ``None``, a ``Client`` or a cluster object pass.  A string
    must be a scheduler address (``tcp://host:8786``, ``host:8786``); with ``connect`` a
    Dask scheduler must answer there within ``timeout`` seconds (default
    :data:`CONNECT_TIMEOUT_S`).  ``option`` is how
    the caller names the value in messages (the CLI: ``--scheduler``).

    Raises
    ------
    SchedulerUnreachableError
        One line naming the value and what was expected (or why it did not answer).
    """
    if scheduler is None or not isinstance(scheduler, str) or scheduler in ("local", "serial"):
        return scheduler
    timeout = CONNECT_TIMEOUT_S if timeout is None else float(timeout)
    label = f"{option}={scheduler!r}" if option else f"scheduler {scheduler!r}"
    match = _ADDRESS.match(scheduler.strip())
    if not match or (match.group("proto") in (None, "tcp", "tls") and not match.group("port")):
        raise SchedulerUnreachableError(
            f"{label}: expected 'local', 'serial' or the address of a running Dask scheduler"
            f" such as tcp://host:8786")
    if connect and match.group("proto") in (None, "tcp", "tls"):
        import socket

        host = match.group("host").strip("[]")
        port = int(match.group("port"))
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            if isinstance(exc, TimeoutError) or "timed out" in str(exc):
                reason = f"no answer within {timeout:g} s"
            raise SchedulerUnreachableError(
                f"{label}: cannot connect ({reason}); expected the address of a running Dask"
                f" scheduler (start one with `dask scheduler`)") from None
    if connect:
        problem = _handshake(scheduler, timeout)
        if problem:
            raise SchedulerUnreachableError(
                f"{label}: {problem}; expected the address of a running Dask scheduler"
                f" (start one with `dask scheduler`)")
    return scheduler


def _handshake(address: str, timeout: float) -> str | None:
    """None if a Dask server answers the handshake at ``address`` within ``timeout`` s, else
    what went wrong (a server that accepts connections and never answers would otherwise
    hang ``Client()``).  Runs in its own thread and event loop (callers may have one)."""
    import asyncio
    import concurrent.futures

    try:
        from distributed.comm import connect
    except ImportError:
        return None

    async def probe():
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout + 1.0)
        await comm.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            pool.submit(asyncio.run, probe()).result(timeout + 5.0)
        except (TimeoutError, asyncio.TimeoutError, concurrent.futures.TimeoutError):
            return f"no Dask scheduler answered within {timeout:g} s"
        except OSError as exc:
            return f"cannot connect ({exc.strerror or type(exc).__name__})"
        except Exception as exc:  # noqa: BLE001 - e.g. garbage read as a frame length
            return f"the server there is not a Dask scheduler ({type(exc).__name__})"
    return None


# ----------------------------------------------------------------------------- worker side
def _reset_brian2(start: bool = False) -> None:
    """Fresh Brian2 state between points (only if Brian2 is loaded); at the start of a point
    also forget an earlier point's stop request."""
    if "brian2" not in sys.modules:
        return
    import brian2
    from brian2.devices.device import get_device, reset_device

    if start:
        brian2.Network._globally_stopped = False
    try:
        get_device().reinit()
    finally:
        reset_device("runtime")
        brian2.start_scope()


def _brian2_stopped() -> bool:
    """Whether Brian2's last run in this process was stopped early (its SIGINT handler)."""
    network = getattr(sys.modules.get("brian2"), "Network", None)
    return bool(getattr(network, "_globally_stopped", False))


#: SIGINTs seen by every :class:`_InterruptWatch` of this process.
_INTERRUPTS = {"count": 0}


class _InterruptWatch:
    """SIGINT handler that counts each signal, then passes it on.

    ``quiet`` (Dask workers, installed by :func:`dask_setup`): never raise into the
    worker's event loop; stop a running Brian2 simulation at the end of its step instead.
    Otherwise the previous handler (Brian2's, the lead's ``interruptible``, Python's) runs.
    """

    def __init__(self, previous, quiet: bool = False):
        self.previous, self.quiet, self.active = previous, quiet, True

    def __call__(self, signum, frame):
        if self.active:
            _INTERRUPTS["count"] += 1
        if self.quiet:
            network = getattr(sys.modules.get("brian2"), "Network", None)
            if network is not None and getattr(network, "_globally_running", False):
                network._globally_stopped = True
            return None
        previous = self.previous
        if callable(previous):
            return previous(signum, frame)
        if previous == signal.SIG_IGN:
            return None
        raise KeyboardInterrupt


@contextlib.contextmanager
def _watch_interrupts():
    """Yields ``interrupted()``: True once a SIGINT reached this process during the block.

    In the main thread a counting handler wraps the current one for the block; in other
    threads (Dask workers) the count comes from the handler :func:`dask_setup` installed.
    """
    start = _INTERRUPTS["count"]
    watch = None
    if threading.current_thread() is threading.main_thread():
        try:
            watch = _InterruptWatch(signal.getsignal(signal.SIGINT))
            signal.signal(signal.SIGINT, watch)
        except (ValueError, OSError, TypeError):
            watch = None
    try:
        yield lambda: _INTERRUPTS["count"] != start
    finally:
        if watch is not None:
            if signal.getsignal(signal.SIGINT) is watch:
                signal.signal(signal.SIGINT, watch.previous if watch.previous is not None
                              else signal.default_int_handler)
            else:  # another handler was installed on top of it: leave it as a pass-through
                watch.active = False


def dask_setup(worker=None) -> None:
    """Dask preload hook (``--preload hhlif.protocols.experiments.sweeps``): a SIGINT reaching the worker
    abandons the current point (it is not cached) instead of killing the worker."""
    if threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGINT)
    if not (isinstance(current, _InterruptWatch) and current.quiet):
        signal.signal(signal.SIGINT, _InterruptWatch(current, quiet=True))


def _worker_cache(mode: str | None) -> None:
    if mode == "per-worker":
        from hhlif.protocols.backends import cache_dir

        base = os.environ.get("HHLIF_CACHE_BASE") or str(cache_dir())
        os.environ["HHLIF_CACHE_BASE"] = base
        os.environ["HHLIF_CACHE"] = os.path.join(base, f"worker-{os.getpid()}")


def _interrupted_message(function: Callable, point: Mapping) -> str:
    return (f"interrupted: point {_canonical(point)[:200]} of {_function_name(function)} was"
            f" stopped before it finished; it is not cached")


def _compute_point(function: Callable, point: dict, path: str | None,
                   worker_cache: str | None = None):
    """Run one point (in a worker or in-process) and write its cache file.

    Nothing is written unless the function returned normally with no interruption while it
    ran (see the module documentation); an interruption raises :class:`RunInterrupted`.
    """
    _worker_cache(worker_cache)
    _reset_brian2(start=True)
    t0 = time.perf_counter()
    with _watch_interrupts() as interrupted:
        try:
            result = function(**point)
        except KeyboardInterrupt as exc:
            if isinstance(exc, RunInterrupted):
                raise
            raise RunInterrupted(_interrupted_message(function, point)) from exc
        except BaseException as exc:
            if interrupted():  # e.g. analysis of a run that Ctrl-C cut short
                raise RunInterrupted(_interrupted_message(function, point)) from exc
            raise
        finally:
            stopped = _brian2_stopped()
            _reset_brian2()
        if interrupted() or stopped:
            raise RunInterrupted(_interrupted_message(function, point))
        result = json.loads(json.dumps(result, allow_nan=True))  # fail early if not JSON
    _write(Path(path) if path else None, _function_name(function), point, result,
           time.perf_counter() - t0)
    return result


def _compute_point_in_worker(function: Callable, point: dict, path: str | None,
                             worker_cache: str | None = None):
    """:func:`_compute_point` for Dask: an interruption becomes an ordinary failure of the
    point (a ``KeyboardInterrupt`` would take the worker down)."""
    try:
        return _compute_point(function, point, path, worker_cache)
    except KeyboardInterrupt as exc:
        raise IncompleteRunError(f"{exc} (worker pid {os.getpid()})") from None


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
        Recompute points even if cached (and overwrite their files): what the commands
        call ``--recompute``.
    progress : bool
        Show a progress bar (tqdm if installed, else a line per point on stderr).
    worker_cache : {None, 'per-worker'}
        ``per-worker``: each worker process uses its own ``$HHLIF_CACHE`` sub-folder
        for standalone builds.

    Examples
    --------
    >>> from hhlif.protocols.experiments.sweeps import SweepRunner
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
        self.scheduler = check_scheduler(scheduler, connect=False)
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
                                         preload=["brian2", "hhlif.protocols.experiments.sweeps"],
                                         dashboard_address=None, silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        elif isinstance(s, str):
            check_scheduler(s, connect=True)  # fails in seconds, naming the address
            try:
                self._client = Client(s, timeout=CONNECT_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - timeouts, refusals, non-Dask servers
                what = "no answer" if isinstance(exc, (TimeoutError, OSError)) else \
                    f"not a Dask scheduler: {type(exc).__name__}"
                raise SchedulerUnreachableError(
                    f"scheduler {s!r}: no Dask scheduler answered within"
                    f" {CONNECT_TIMEOUT_S:g} s ({what}); expected the address of a running"
                    f" Dask scheduler (start one with `dask scheduler`)") from None
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
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None and not isinstance(self.scheduler, Client):
                client.close()
        finally:
            if cluster is not None:
                cluster.close()

    def _abandon(self, futures) -> None:
        """Cancel the points still queued or running (Ctrl-C of the client)."""
        if not futures or self._client is None:
            return
        with contextlib.suppress(Exception):
            self._client.cancel(futures, force=True)

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
        if self.cache is not None:
            from hhlif.analysis.io import check_folder

            check_folder(self.cache, what=f"sweep cache {str(self.cache)!r}")
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
        futures: list = []
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
                    _compute_point_in_worker, [function] * len(unique),
                    [points[i] for i in unique],
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
        except KeyboardInterrupt as exc:
            self._abandon(futures)
            self.total_computed += computed
            where = f" in {self.cache}" if self.cache is not None else ""
            raise RunInterrupted(
                f"interrupted: {self.total_computed} point(s) finished in this run and are"
                f" cached{where}, the interrupted one(s) are not; run the same command again to"
                f" resume" if self.cache is not None else
                f"interrupted: {self.total_computed} point(s) finished (no cache: nothing was"
                f" kept)") from exc
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
    >>> from hhlif.protocols.experiments.sweeps import run_sweep
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
