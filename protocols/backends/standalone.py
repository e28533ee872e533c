"""The ``cpp`` backend: Brian2's ``cpp_standalone`` in locked, cached build directories.

Each structure of simulation builds in its own directory under the cache folder
(``$HHLIF_CACHE``, default ``~/.cache/hhlif``), named by a digest of the structure and
locked while in use, so concurrent processes never collide (a second one gets a fresh
directory); an unchanged directory is reused, so ``make`` recompiles only what changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from hhlif.protocols.backends.base import Backend, Build, cache_dir

__all__ = ["StandaloneBackend", "compiler_works", "locked_directory"]


@functools.lru_cache(maxsize=None)
def compiler_works() -> bool:
    """A C++ compiler (``$CXX``, ``g++`` or ``c++``) compiles a trivial program."""
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    if not cxx:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "t.cpp"
        src.write_text("int main(){return 0;}\n")
        try:
            subprocess.run([cxx, str(src), "-o", str(Path(tmp) / "t")], check=True,
                           capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
    return True


class StandaloneBackend(Backend):
    """Brian2's C++ standalone device (``cpp``); subclasses change the Brian2 device."""

    name = "cpp"
    description = "Brian2 C++ standalone, cached build directories"
    #: The Brian2 device activated.
    device_name = "cpp_standalone"
    accepts_run_args = True
    uses_threads = True
    standalone = True

    def unavailable_reason(self) -> str | None:
        if not compiler_works():
            return "no working C++ compiler found (install g++ or use --backend runtime)"
        return None

    def _prepare_device(self) -> None:
        """Make the Brian2 device known (subclasses register theirs here)."""

    @contextlib.contextmanager
    def _activate(self, build: Build, key: str, threads):
        from brian2 import prefs, set_device
        from brian2.devices.device import device, reset_device

        self._prepare_device()
        directory, lock = locked_directory(self.name, key)
        try:
            build.directory = directory
            build.reused = (directory / "makefile").exists()
            prefs.devices.cpp_standalone.openmp_threads = int(threads) if threads else 0
            set_device(self.device_name, directory=str(directory), build_on_run=False)
            try:
                yield
            finally:
                device.reinit()
                reset_device("runtime")
                prefs.devices.cpp_standalone.openmp_threads = 0
        finally:
            _release(lock)

    def _build(self, build: Build) -> None:
        from brian2.devices.device import device

        if build.generate_only:
            device.build(directory=str(build.directory), compile=False, run=False)
            return
        device.build(directory=str(build.directory), compile=True, run=True)
        build.compiled += 1
        build.runs += 1
        build.timers = dict(getattr(device, "timers", None) or {})

    def _compile(self, build: Build) -> None:
        from brian2.devices.device import device

        device.build(directory=str(build.directory), compile=True, run=False)
        build.compiled += 1

    def _run_binary(self, build: Build, run_args: dict) -> None:
        from brian2.devices.device import device

        device.run(directory=str(build.directory), with_output=False, run_args=run_args)
        build.runs += 1
        build.timers = dict(getattr(device, "timers", None) or {})


def locked_directory(backend: str, key: str):
    """A build directory for ``key``, exclusively locked; a fresh one if the usual one is
    in use by another process.  Returns ``(directory, lock handle)``."""
    root = cache_dir() / backend
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    candidates = [root / digest] + [root / f"{digest}-{uuid.uuid4().hex[:8]}"]
    for directory in candidates:
        directory.mkdir(parents=True, exist_ok=True)
        handle = open(directory / ".lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return directory, handle
    raise AssertionError("unreachable: a fresh uuid directory is never locked")


def _release(handle) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
