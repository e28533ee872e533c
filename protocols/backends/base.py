"""What every backend is: a named way of running Brian2 code, and one build on it.

:class:`Backend` is the interface (a name, a description, an availability check, a
``session`` that activates the Brian2 device for one build); :class:`Build` is the record
of one build (backend, directory, whether an earlier build's directory was reused, the
Brian2 timers) that :mod:`hhlif.protocols.simulation` copies into each Recording's
provenance.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from hhlif.protocols.errors import BackendUnavailableError

__all__ = ["Backend", "Build", "cache_dir"]


def cache_dir() -> Path:
    """Root of hhlif's caches (``$HHLIF_CACHE`` or ``~/.cache/hhlif``)."""
    root = os.environ.get("HHLIF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hhlif")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Build:
    """One build of a simulation on a backend (what :meth:`Backend.session` yields).

    Attributes
    ----------
    backend : str
        Name of the backend.
    directory : Path or None
        The build directory (standalone backends).
    reused : bool
        The directory already held a build of the same structure (``make`` then
        recompiles only what changed).
    generate_only : bool
        Code generated, not compiled or run.
    compiled, runs : int
        Compilations and binary runs made in this build.
    timers : dict
        Brian2's standalone timers of the last run.
    """

    backend: str
    directory: Path | None = None
    reused: bool = False
    generate_only: bool = False
    compiled: int = 0
    runs: int = 0
    timers: dict = field(default_factory=dict)
    _owner: "Backend | None" = field(default=None, repr=False, compare=False)

    def build(self) -> None:
        """Generate, compile and run the code of the active network (standalone), once."""
        self._owner._build(self)

    def compile(self) -> None:
        """Generate and compile without running (for reruns with :meth:`run_binary`)."""
        self._owner._compile(self)

    def run_binary(self, run_args: dict) -> None:
        """Run the compiled binary again with new values (``device.run(run_args=...)``)."""
        self._owner._run_binary(self, run_args)

    def describe(self) -> dict:
        """JSON-ready summary for provenance."""
        return {"backend": self.backend,
                "directory": str(self.directory) if self.directory else None,
                "reused_directory": self.reused, "generate_only": self.generate_only,
                "compiled": self.compiled, "runs": self.runs}


class Backend:
    """A named way of running Brian2 code (the interface every backend implements).

    Subclasses set :attr:`name` and :attr:`description`, say whether their binaries accept
    new values on the command line (:attr:`accepts_run_args`), and implement
    :meth:`unavailable_reason` and the device activation.
    """

    name: str = ""
    description: str = ""
    #: Binaries rerun with new per-neuron values (``run_args``): C++ standalone devices.
    accepts_run_args: bool = False
    #: OpenMP threads are honoured.
    uses_threads: bool = False
    #: Code is generated into a build directory (standalone devices).
    standalone: bool = False

    def unavailable_reason(self) -> str | None:
        """Why this backend cannot run here, or None when it can."""
        return None

    def check(self) -> None:
        """Raise :class:`BackendUnavailableError` (with the reason) if it cannot run here."""
        reason = self.unavailable_reason()
        if reason:
            raise BackendUnavailableError(f"backend {self.name!r}: {reason}")

    @contextlib.contextmanager
    def session(self, key: str, threads: int | None = None, generate_only: bool = False):
        """Activate the backend's Brian2 device for one build; yields a :class:`Build`.

        ``key`` names the build (same structure → same directory, so compiled objects are
        reused).
        """
        import brian2

        brian2.start_scope()
        build = Build(backend=self.name, generate_only=generate_only, _owner=self)
        with self._activate(build, key, threads):
            yield build

    # ---------------------------------------------------------------- for subclasses
    @contextlib.contextmanager
    def _activate(self, build: Build, key: str, threads):
        raise NotImplementedError

    def _build(self, build: Build) -> None:
        raise NotImplementedError

    def _compile(self, build: Build) -> None:
        raise self._no_reruns()

    def _run_binary(self, build: Build, run_args: dict) -> None:
        raise self._no_reruns()

    def _no_reruns(self) -> BackendUnavailableError:
        return BackendUnavailableError(f"backend {self.name!r}: builds cannot be compiled and"
                                       f" rerun on this backend (use cpp or cpp-simd)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
