"""The ``runtime`` backend: Brian2's runtime device (Cython, NumPy when Cython cannot build)."""

from __future__ import annotations

import contextlib
import functools
import importlib.util

from hhlif.protocols.backends.base import Backend, Build
from hhlif.protocols.backends.standalone import compiler_works

__all__ = ["RuntimeBackend", "runtime_target"]


@functools.lru_cache(maxsize=None)
def runtime_target() -> str:
    """``'cython'`` when Cython and a compiler work, else ``'numpy'``."""
    return "cython" if (importlib.util.find_spec("Cython") and compiler_works()) else "numpy"


class RuntimeBackend(Backend):
    """Brian2's runtime device: code generated and run inside Python, nothing to build."""

    name = "runtime"
    description = "Brian2 runtime (Cython, NumPy fallback)"

    @contextlib.contextmanager
    def _activate(self, build: Build, key: str, threads):
        from brian2 import prefs, set_device
        from brian2.devices.device import reset_device

        prefs.codegen.target = runtime_target()
        set_device("runtime")
        try:
            yield
        finally:
            reset_device("runtime")

    def _build(self, build: Build) -> None:
        """Nothing to build: the runtime device ran the network already."""
        build.runs += 1
