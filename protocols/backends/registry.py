"""The backends by name: every backend is registered here, explicitly, as Brian2 lists its
devices in ``all_devices``.

=========  ==================================================================================
runtime    :class:`~.runtime.RuntimeBackend`: Brian2's runtime device (Cython, else NumPy)
cpp        :class:`~.standalone.StandaloneBackend`: ``cpp_standalone`` in locked, cached
           build directories
cpp-simd   :class:`~.simd.SIMDBackend`: ``cpp_standalone`` with vectorised state updates
cuda       :class:`~.cuda.CudaBackend`: brian2cuda (needs the ``cuda`` extra and nvcc)
auto       the fastest that gives the same spikes (:func:`auto_choice`): ``cpp-simd`` when
           its compile check passes (:func:`simd_check`), else ``cpp`` when a C++ compiler
           works, else ``runtime``
=========  ==================================================================================

``cpp-simd`` gives the spikes of ``cpp`` (within one step, the accuracy of libmvec's
``exp``; tests/protocols/test_simd_backend.py and test_backend_parity.py) at 2-6x its
speed, so ``auto`` prefers it wherever the compiler builds its vectorised code.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hhlif.models.errors import UnknownNameError
from hhlif.protocols.backends.base import Backend
from hhlif.protocols.backends.cuda import CudaBackend
from hhlif.protocols.backends.runtime import RuntimeBackend
from hhlif.protocols.backends.simd import SIMD_FLAGS, SIMDBackend
from hhlif.protocols.backends.standalone import StandaloneBackend, compiler_works

__all__ = ["get_backend", "available_backends", "register_backend", "auto_choice",
           "simd_check"]

_REGISTRY: dict[str, Backend] = {}

#: What ``auto`` means, in words (``hhlif list``, ``hhlif run --help``).
AUTO_DESCRIPTION = ("cpp-simd if its compile check passes, else cpp if a C++ compiler works,"
                    " else runtime")


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
    out["auto"] = AUTO_DESCRIPTION
    return out


#: A loop as cpp-simd's state updaters are after patching: ``omp simd`` over neurons,
#: vector ``exp``/``expm1`` from libmvec.
_SIMD_PROGRAM = """\
#include <cmath>
int main(int argc, char **)
{
    double a[256], b[256];
    for (int i = 0; i < 256; i++) a[i] = 0.001 * argc * i;
    #pragma omp simd
    for (int i = 0; i < 256; i++) {
        const double e = expm1(a[i]);
        b[i] = exp(-a[i]) + ((fabs(a[i]) < 1e-16) ? 1.0 : e / a[i]);
    }
    double s = 0.0;
    for (int i = 0; i < 256; i++) s += b[i];
    return (s > 0.0 && s < 1e300) ? 0 : 1;
}
"""


@functools.lru_cache(maxsize=None)
def simd_check() -> str | None:
    """Why ``cpp-simd`` cannot run here, or None when its compile check passes.

    The check compiles, links (``-lm``: libmvec) and runs a loop like the patched state
    updaters with the flags cpp-simd adds (:data:`~.simd.SIMD_FLAGS`), after the
    backend's own requirements (a C++ compiler, ``make``).  Cached for the process.
    """
    reason = _REGISTRY["cpp-simd"].unavailable_reason()
    if reason is not None:
        return reason
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    if not cxx:
        return "no C++ compiler found"
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "simd.cpp", Path(tmp) / "simd"
        src.write_text(_SIMD_PROGRAM)
        try:
            subprocess.run([cxx, str(src), "-o", str(exe), *SIMD_FLAGS, "-lm"], check=True,
                           capture_output=True, timeout=60)
            subprocess.run([str(exe)], check=True, capture_output=True, timeout=60)
        except subprocess.CalledProcessError as exc:
            lines = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            detail = f": {lines[0][:120]}" if lines else ""
            return f"{Path(cxx).name} {' '.join(SIMD_FLAGS)} failed{detail}"
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{Path(cxx).name} {' '.join(SIMD_FLAGS)} failed: {exc}"
    return None


def auto_choice() -> tuple[Backend, str]:
    """The backend ``auto`` resolves to and why, in words.

    ``cpp-simd`` when :func:`simd_check` passes (the same spikes as ``cpp``, faster), else
    ``cpp`` when a C++ compiler works, else ``runtime``.

    Returns
    -------
    backend : Backend
    reason : str
        E.g. ``'its SIMD compile check passed'`` (printed by ``hhlif run``).
    """
    failure = simd_check()
    if failure is None:
        return _REGISTRY["cpp-simd"], "its SIMD compile check passed"
    if compiler_works():
        return _REGISTRY["cpp"], f"cpp-simd unavailable: {failure}"
    return _REGISTRY["runtime"], "no working C++ compiler"


def get_backend(name: "str | Backend" = "auto") -> Backend:
    """The backend called ``name`` (``auto`` resolves as :func:`auto_choice` says).

    Raises
    ------
    UnknownNameError
        For an unknown name (the message lists the valid ones).
    """
    if isinstance(name, Backend):
        return name
    if name == "auto":
        return auto_choice()[0]
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"backend {name!r}: unknown backend; valid backends are"
                               f" {', '.join(available_backends())}") from None
