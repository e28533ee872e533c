"""The backends by name: every backend is registered here, explicitly, as Brian2 lists its
devices in ``all_devices``.

=========  ==================================================================================
runtime    :class:`~.runtime.RuntimeBackend`: Brian2's runtime device (Cython, else NumPy)
cpp        :class:`~.standalone.StandaloneBackend`: ``cpp_standalone`` in locked, cached
           build directories
cpp-simd   :class:`~.simd.SIMDBackend`: ``cpp_standalone`` with vectorised state updates
cuda       :class:`~.cuda.CudaBackend`: brian2cuda (needs the ``cuda`` extra and nvcc)
auto       ``cpp`` when a working C++ compiler is found, else ``runtime``
=========  ==================================================================================
"""

from __future__ import annotations

from hhlif.models.errors import UnknownNameError
from hhlif.protocols.backends.base import Backend
from hhlif.protocols.backends.cuda import CudaBackend
from hhlif.protocols.backends.runtime import RuntimeBackend
from hhlif.protocols.backends.simd import SIMDBackend
from hhlif.protocols.backends.standalone import StandaloneBackend, compiler_works

__all__ = ["get_backend", "available_backends", "register_backend"]

_REGISTRY: dict[str, Backend] = {}


def register_backend(backend: Backend) -> None:
    """Register ``backend`` under ``backend.name`` (replacing one of the same name)."""
    if not isinstance(backend, Backend):
        raise TypeError(f"backend={backend!r}: expected an hhlif Backend instance")
    _REGISTRY[backend.name] = backend


for _backend in (RuntimeBackend(), StandaloneBackend(), SIMDBackend(), CudaBackend()):
    register_backend(_backend)


def available_backends() -> dict[str, str]:
    """``{name: description}`` of every registered backend plus ``auto``."""
    out = {name: b.description for name, b in sorted(_REGISTRY.items())}
    out["auto"] = "cpp if a C++ compiler works, else runtime"
    return out


def get_backend(name: "str | Backend" = "auto") -> Backend:
    """The backend called ``name`` (``auto`` resolves to cpp or runtime).

    Raises
    ------
    UnknownNameError
        For an unknown name (the message lists the valid ones).
    """
    if isinstance(name, Backend):
        return name
    if name == "auto":
        return _REGISTRY["cpp"] if compiler_works() else _REGISTRY["runtime"]
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"backend {name!r}: unknown backend; valid backends are"
                               f" {', '.join(available_backends())}") from None
