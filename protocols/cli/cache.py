"""``hhlif cache info`` and ``hhlif cache clean``: what hhlif's caches hold, and the leftovers.

::

    hhlif cache info  [--cache DIR] [--min-age SECONDS]
    hhlif cache clean [--cache DIR] [--min-age SECONDS] [--stale] [--builds] [--dry-run]

What is looked at
-----------------
sweep cache entries (``$HHLIF_CACHE/sweeps`` or ``--cache``)
    Every ``<key>.json`` is verified (:func:`hhlif.protocols.experiments.sweeps.verify_entry`: schema,
    key, checksum).  Entries that fail are listed by ``info`` and removed by ``clean`` (a
    sweep would recompute them anyway).  Entries whose key no longer matches the current
    code (``stale``: hhlif, the function's module or a library changed) are never read
    again; ``clean --stale`` removes them.
temporary files of interrupted writes
    Files and folders whose name contains :data:`hhlif.analysis.io.TEMPORARY_MARK`, left by
    a write that was killed before it finished, in the cache folders.  A name that carries
    its writer's pid counts once that process is gone (a live writer's file never does);
    others once older than ``--min-age`` seconds (default 600).  Pids are this machine's:
    on a cache shared by several hosts, clean from each host or rely on ``--min-age``.
build folders (``$HHLIF_CACHE/<backend>/``, :mod:`hhlif.protocols.backends`)
    ``<digest>`` folders are reused by the next build with the same structure (kept;
    ``clean --builds`` removes them too).  ``<digest>-<suffix>`` folders were made because
    the usual one was locked by another process; no later build uses them again, so once
    unlocked they are orphaned.  ``worker-<pid>`` folders (``worker_cache='per-worker'``)
    of processes that no longer run are orphaned too.  A folder whose ``.lock`` is held (a
    build running now) is never removed: ``clean`` takes the lock itself before removing.

``clean --dry-run`` prints what would be removed and removes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["add_commands", "scan", "clean", "CacheReport", "cache_info_command",
           "cache_clean_command", "DEFAULT_MIN_AGE_S"]

#: Temporary files and build folders younger than this (s) may belong to a running write.
DEFAULT_MIN_AGE_S = 600.0

_DIGEST = re.compile(r"^[0-9a-f]{16}$")
_ONE_OFF = re.compile(r"^[0-9a-f]{16}-[0-9a-f]+$")
_WORKER = re.compile(r"^worker-(\d+)$")


@dataclass
class CacheReport:
    """What :func:`scan` found.

    Attributes
    ----------
    sweep_cache : Path
    entries : int
        Entries that verify.
    entry_bytes : int
    bad_entries : list of (Path, str)
        Entries that fail verification, with the reason.
    stale_entries : list of Path
        Verified entries that the current code would never read (another key).
    temporary : list of Path
        Leftovers of interrupted writes (older than the minimum age).
    builds : list of Path
        Reusable build folders (not locked).
    orphans : list of (Path, str)
        Orphaned build folders, with why.
    in_use : list of Path
        Build folders locked by a running build (never touched).
    young : int
        Temporary files and orphan candidates skipped for being younger than the minimum age.
    """

    sweep_cache: Path
    build_root: Path
    entries: int = 0
    entry_bytes: int = 0
    bad_entries: list = field(default_factory=list)
    stale_entries: list = field(default_factory=list)
    temporary: list = field(default_factory=list)
    builds: list = field(default_factory=list)
    orphans: list = field(default_factory=list)
    in_use: list = field(default_factory=list)
    young: int = 0


# ----------------------------------------------------------------------------- helpers
def _size(path: Path) -> int:
    try:
        if path.is_file() or path.is_symlink():
            return path.lstat().st_size
        return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} TB"


def _age(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_mtime
    except OSError:
        return 0.0


@contextlib.contextmanager
def _lock_if_free(folder: Path):
    """Yields True (holding the folder's build lock) if no other process holds it, else False.

    Builds lock ``<folder>/.lock`` with ``flock`` for their whole duration
    (:func:`hhlif.protocols.backends.standalone.locked_directory`); a folder without a ``.lock`` is
    not in use.
    """
    lock = folder / ".lock"
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        yield True
        return
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _is_locked(folder: Path) -> bool:
    """Whether a build holds ``folder``'s lock (or any build folder's inside it)."""
    candidates = [folder] + [p.parent for p in folder.rglob(".lock")] if folder.is_dir() \
        else [folder]
    for candidate in dict.fromkeys(candidates):
        with _lock_if_free(candidate) as free:
            if not free:
                return True
    return False


#: A temporary file whose writer (the pid in its name) is gone is a leftover once it is
#: this old (s), whatever ``--min-age`` says.
_DEAD_WRITER_AGE_S = 5.0


def _leftover(path: Path, now: float, min_age: float) -> bool:
    """Whether a temporary file is the leftover of a killed write.

    Names made by :func:`hhlif.analysis.io.atomic_output` carry the writer's pid
    and host (``.NAME.hhlif-tmp-<pid>@<host>@XXXX``): a dead writer's file on this host is a
    leftover (after a few seconds), a live writer's or another host's never is.  Other names
    count once older than ``min_age``.
    """
    from hhlif.analysis.io import temporary_owner, writer_gone

    age = _age(path, now)
    if temporary_owner(path) is not None:
        return writer_gone(path) and age >= min(_DEAD_WRITER_AGE_S, min_age)
    return age >= min_age


def _stale(payload: dict, path: Path) -> bool:
    """Whether the current code would look this entry up under another key.

    Only functions of hhlif or of modules this process already imported are looked up
    (a cache file never makes ``hhlif cache`` import arbitrary modules); others count as
    not stale.
    """
    import sys

    from hhlif.protocols.experiments.sweeps import point_key

    module, _, qualname = str(payload.get("function", "")).partition(":")
    if not (module == "hhlif" or module.startswith("hhlif.") or module in sys.modules):
        return False
    try:
        function = importlib.import_module(module)
        for part in qualname.split("."):
            function = getattr(function, part)
        return point_key(function, payload["point"]) != path.stem
    except Exception:  # noqa: BLE001 - a function that cannot be found cannot read it
        return True


def _build_roots(root: Path) -> list[Path]:
    """The folders that hold build folders: one per backend, also under ``worker-<pid>``."""
    from hhlif.protocols.backends import available_backends

    names = [n for n in available_backends() if n != "auto"]
    roots = [root / n for n in names if (root / n).is_dir()]
    for worker in sorted(root.glob("worker-*")):
        roots += [worker / n for n in names if (worker / n).is_dir()]
    return roots


# ----------------------------------------------------------------------------- scan / clean
def scan(cache=None, min_age: float = DEFAULT_MIN_AGE_S, stale: bool = True) -> CacheReport:
    """Look at the sweep cache, the temporary files and the build folders.

    Parameters
    ----------
    cache : path-like, optional
        The sweep cache (default ``$HHLIF_CACHE/sweeps``).
    min_age : float
        Seconds: younger temporary files and orphan candidates are left alone.
    stale : bool
        Also find entries the current code would never read (imports each function).

    Returns
    -------
    CacheReport
    """
    from hhlif.analysis.io import TEMPORARY_MARK, process_alive

    from hhlif.protocols.backends import cache_dir
    from hhlif.protocols.experiments.sweeps import CacheEntryError, default_sweep_cache, verify_entry

    if not (isinstance(min_age, (int, float)) and min_age >= 0):
        from hhlif.models.errors import ParameterError

        raise ParameterError(f"--min-age={min_age!r}: expected a number of seconds >= 0")
    root = cache_dir()
    sweeps = Path(cache) if cache is not None else default_sweep_cache()
    report = CacheReport(sweep_cache=sweeps, build_root=root)
    now = time.time()
    if sweeps.is_dir():
        for path in sorted(sweeps.glob("*/*.json")):
            if TEMPORARY_MARK in path.name:
                continue
            try:
                payload = verify_entry(path)
            except CacheEntryError as exc:
                report.bad_entries.append((path, exc.reason))
                continue
            report.entries += 1
            report.entry_bytes += _size(path)
            if stale and _stale(payload, path):
                report.stale_entries.append(path)
    seen = set()
    for folder in dict.fromkeys([sweeps, root]):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(f"*{TEMPORARY_MARK}*")):
            if path in seen or any(parent in seen for parent in path.parents):
                continue
            seen.add(path)
            if _leftover(path, now, min_age):
                report.temporary.append(path)
            else:
                report.young += 1
    for build_root in _build_roots(root):
        for folder in sorted(p for p in build_root.iterdir() if p.is_dir()):
            if _is_locked(folder):
                report.in_use.append(folder)
            elif _ONE_OFF.match(folder.name):
                if _age(folder, now) < min_age:
                    report.young += 1
                else:
                    report.orphans.append((folder, "one-off build folder (the usual one was"
                                                   " locked), never reused"))
            elif _DIGEST.match(folder.name):
                report.builds.append(folder)
    for worker in sorted(root.glob("worker-*")):
        match = _WORKER.match(worker.name)
        if match and worker.is_dir() and not process_alive(int(match.group(1))):
            if _is_locked(worker):
                report.in_use.append(worker)
            elif _age(worker, now) >= min_age:
                report.orphans = [(p, w) for p, w in report.orphans if worker not in p.parents]
                report.builds = [p for p in report.builds if worker not in p.parents]
                report.orphans.append((worker, f"cache of worker process {match.group(1)},"
                                               " which no longer runs"))
            else:
                report.young += 1
    return report


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        with _lock_if_free(path) as free:   # a build that started since the scan wins
            if free:
                shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean(report: CacheReport, stale: bool = False, builds: bool = False,
          dry_run: bool = False) -> list[Path]:
    """Remove what :func:`scan` found: entries failing verification, temporary files of
    interrupted writes, orphaned build folders; with ``stale`` also stale entries, with
    ``builds`` also the reusable build folders.  Locked folders are never removed.

    Returns
    -------
    list of Path
        What was removed (would be, with ``dry_run``).
    """
    targets = [p for p, _ in report.bad_entries] + list(report.temporary) \
        + [p for p, _ in report.orphans]
    if stale:
        targets += report.stale_entries
    if builds:
        targets += report.builds
    removed = []
    for path in targets:
        if not path.exists() and not path.is_symlink():
            continue
        if not dry_run:
            if path.is_dir() and _is_locked(path):
                continue
            _remove(path)
            if path.exists():
                continue
        removed.append(path)
    return removed


# ----------------------------------------------------------------------------- CLI
def add_commands(subparsers) -> None:
    """Add ``cache info`` and ``cache clean`` to the ``hhlif`` parser."""
    p = subparsers.add_parser("cache", help="what hhlif's caches hold; remove leftovers",
                              description="Report (info) or remove (clean) sweep cache entries"
                              " that fail verification, temporary files of interrupted writes"
                              " and orphaned build folders.")
    sub = p.add_subparsers(dest="cache_command", required=True)
    for name, func, text in (("info", cache_info_command, "report, remove nothing"),
                             ("clean", cache_clean_command, "remove the leftovers")):
        q = sub.add_parser(name, help=text)
        q.add_argument("--cache", default=None,
                       help="sweep cache folder (default $HHLIF_CACHE/sweeps)")
        q.add_argument("--min-age", default=str(DEFAULT_MIN_AGE_S),
                       help="seconds; younger temporary files and build folders are left"
                            f" alone (default {DEFAULT_MIN_AGE_S:g})")
        if name == "clean":
            q.add_argument("--stale", action="store_true",
                           help="also remove entries of other code, never read again")
            q.add_argument("--builds", action="store_true",
                           help="also remove the reusable build folders (not locked ones)")
            q.add_argument("--dry-run", action="store_true",
                           help="print what would be removed; remove nothing")
        q.set_defaults(func=func)


def _min_age(text) -> float:
    from hhlif.models.errors import ParameterError

    try:
        value = float(text)
    except (TypeError, ValueError):
        value = float("nan")
    if not (value >= 0 and value != float("inf")):
        raise ParameterError(f"--min-age={text!r}: expected a number of seconds >= 0")
    return value


def _scan_from_args(args) -> CacheReport:
    from hhlif.models.errors import ParameterError

    if args.cache is not None and Path(args.cache).exists() and not Path(args.cache).is_dir():
        raise ParameterError(f"--cache={args.cache!r}: is a file; expected the sweep cache"
                             " folder")
    return scan(args.cache, _min_age(args.min_age))


def cache_info_command(args) -> int:
    """Body of ``hhlif cache info``."""
    r = _scan_from_args(args)
    print(f"sweep cache {r.sweep_cache}: {r.entries} entries ({_human(r.entry_bytes)}) verify,"
          f" {len(r.bad_entries)} fail verification, {len(r.stale_entries)} of other code"
          " (never read again)")
    for path, reason in r.bad_entries:
        print(f"  failing: {path}: {reason}")
    print(f"temporary files of interrupted writes: {len(r.temporary)}"
          + (f" ({r.young} younger than --min-age left alone)" if r.young else ""))
    for path in r.temporary:
        print(f"  leftover: {path}")
    build_bytes = sum(_size(p) for p in r.builds)
    print(f"build folders under {r.build_root}: {len(r.builds)} reusable"
          f" ({_human(build_bytes)}), {len(r.orphans)} orphaned, {len(r.in_use)} in use")
    for path, why in r.orphans:
        print(f"  orphaned: {path}: {why}")
    if r.bad_entries or r.temporary or r.orphans:
        print("`hhlif cache clean` removes the failing entries, leftovers and orphaned folders")
    return 0


def cache_clean_command(args) -> int:
    """Body of ``hhlif cache clean``."""
    r = _scan_from_args(args)
    removed = clean(r, stale=args.stale, builds=args.builds, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for path in removed:
        print(f"{verb} {path}")
    print(f"{verb} {len(removed)} item(s); {len(r.in_use)} build folder(s) in use left alone")
    return 0
