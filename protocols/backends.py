"""Backends: where a protocol runs.

=========  ==================================================================================
runtime    Brian2's runtime device (Cython code generation, NumPy if Cython cannot compile)
cpp        Brian2's ``cpp_standalone``: C++ generated, compiled and run; each run builds in its
           own directory under the cache folder (``$HHLIF_CACHE``, default ``~/.cache/hhlif``),
           locked while in use so concurrent processes never collide; an unchanged directory
           is reused, so ``make`` recompiles only what changed
cuda       brian2cuda's ``cuda_standalone`` (needs the ``cuda`` extra and nvcc; a GPU to run)
auto       ``cpp`` when a working C++ compiler is found, else ``runtime``
=========  ==================================================================================

Backends are found by name in a registry (:func:`get_backend`), as Brian2 finds devices.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from hhlif.models.errors import BackendUnavailableError, UnknownNameError

__all__ = ["Backend", "get_backend", "available_backends", "cache_dir", "BUILD_LOG",
           "register_backend"]

#: Every simulation build, in order: ``(backend, directory or None)``.  Trials and
#: conditions run as neurons, so one protocol run appends exactly one entry.
BUILD_LOG: list = []


def cache_dir() -> Path:
    """Root of hhlif's caches (``$HHLIF_CACHE`` or ``~/.cache/hhlif``)."""
    root = os.environ.get("HHLIF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hhlif")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Backend:
    """A named way of running Brian2 code.

    Attributes
    ----------
    name : str
    device : str
        The Brian2 device name (``runtime``, ``cpp_standalone``, ``cuda_standalone``).
    description : str
    options : dict
        Extra options (threads, build directory, ...).
    """

    name: str
    device: str
    description: str = ""
    options: dict = field(default_factory=dict)

    def check(self) -> None:
        """Raise :class:`BackendUnavailableError` (with the reason) if it cannot run here."""
        if self.device == "cpp_standalone" and not _compiler_works():
            raise BackendUnavailableError(
                f"backend {self.name!r}: no working C++ compiler found (install g++ or use"
                f" --backend runtime)")
        if self.device == "cuda_standalone":
            if importlib.util.find_spec("brian2cuda") is None:
                raise BackendUnavailableError(
                    "backend 'cuda': brian2cuda is not installed; install the extra with"
                    " `pip install hhlif[cuda]` (Python >= 3.12 for brian2cuda 1.0b1)")
            if shutil.which("nvcc") is None and not os.environ.get("CUDA_PATH"):
                raise BackendUnavailableError(
                    "backend 'cuda': nvcc (the CUDA compiler) was not found on PATH; install"
                    " the CUDA toolkit or set CUDA_PATH")

    @contextlib.contextmanager
    def session(self, key: str, threads: int | None = None, generate_only: bool = False):
        """Activate the device for one build; yields a :class:`BuildSession`.

        ``key`` names the build (same structure → same directory, so compiled objects are
        reused).  The directory is locked for the whole build; a concurrent process with
        the same key gets a fresh directory.
        """
        import brian2
        from brian2 import prefs, set_device
        from brian2.devices.device import device, reset_device

        brian2.start_scope()
        session = BuildSession(backend=self)
        lock = None
        try:
            if self.device == "runtime":
                prefs.codegen.target = _runtime_target()
                set_device("runtime")
            else:
                if self.device == "cuda_standalone":
                    import brian2cuda  # noqa: F401  (registers the device)
                directory, lock = _locked_directory(self.name, key)
                session.directory = directory
                if threads:
                    prefs.devices.cpp_standalone.openmp_threads = int(threads)
                else:
                    prefs.devices.cpp_standalone.openmp_threads = 0
                options = dict(self.options)
                set_device(self.device, directory=str(directory), build_on_run=False, **options)
            session.generate_only = generate_only
            yield session
        finally:
            try:
                if self.device != "runtime":
                    device.reinit()
                    reset_device("runtime")
                    prefs.devices.cpp_standalone.openmp_threads = 0
                else:
                    reset_device("runtime")
            finally:
                if lock is not None:
                    _release(lock)


@dataclass
class BuildSession:
    """State of one build (see :meth:`Backend.session`)."""

    backend: Backend
    directory: Path | None = None
    generate_only: bool = False
    timers: dict = field(default_factory=dict)

    def build(self) -> None:
        """For standalone devices: generate, compile and run the code (once)."""
        BUILD_LOG.append((self.backend.name, str(self.directory) if self.directory else None))
        if self.backend.device == "runtime":
            return
        from brian2.devices.device import device

        if self.generate_only:
            device.build(directory=str(self.directory), compile=False, run=False)
        else:
            device.build(directory=str(self.directory), compile=True, run=True)
            self.timers = dict(getattr(device, "timers", None) or {})


_REGISTRY: dict[str, Backend] = {}


def register_backend(backend: Backend) -> None:
    """Register a backend under ``backend.name``."""
    _REGISTRY[backend.name] = backend


register_backend(Backend("runtime", "runtime", "Brian2 runtime (Cython, NumPy fallback)"))
register_backend(Backend("cpp", "cpp_standalone", "Brian2 C++ standalone, cached build directories"))
register_backend(Backend("cuda", "cuda_standalone", "brian2cuda CUDA standalone (GPU)"))


def available_backends() -> dict[str, str]:
    """``{name: description}`` of every registered backend plus ``auto``."""
    out = {name: b.description for name, b in sorted(_REGISTRY.items())}
    out["auto"] = "cpp if a C++ compiler works, else runtime"
    return out


def get_backend(name: str = "auto") -> Backend:
    """The backend called ``name`` (``auto`` resolves to cpp or runtime).

    Raises
    ------
    UnknownNameError
        For an unknown name (the message lists the valid ones).
    """
    if isinstance(name, Backend):
        return name
    if name == "auto":
        return _REGISTRY["cpp"] if _compiler_works() else _REGISTRY["runtime"]
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"backend {name!r}: unknown backend; valid backends are"
                               f" {', '.join(available_backends())}") from None


# ------------------------------------------------------------------------- helpers
_COMPILER_OK: bool | None = None
_RUNTIME_TARGET: str | None = None


def _compiler_works() -> bool:
    global _COMPILER_OK
    if _COMPILER_OK is None:
        cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
        _COMPILER_OK = False
        if cxx:
            import subprocess

            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "t.cpp"
                src.write_text("int main(){return 0;}\n")
                try:
                    subprocess.run([cxx, str(src), "-o", str(Path(tmp) / "t")], check=True,
                                   capture_output=True, timeout=60)
                    _COMPILER_OK = True
                except (OSError, subprocess.SubprocessError):
                    _COMPILER_OK = False
    return _COMPILER_OK


def _runtime_target() -> str:
    """'cython' when Cython and a compiler work, else 'numpy'."""
    global _RUNTIME_TARGET
    if _RUNTIME_TARGET is None:
        _RUNTIME_TARGET = "cython" if (importlib.util.find_spec("Cython") and _compiler_works()) \
            else "numpy"
    return _RUNTIME_TARGET


def _locked_directory(backend: str, key: str):
    """A build directory for ``key``, exclusively locked; a fresh one if the usual one is
    in use by another process."""
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
