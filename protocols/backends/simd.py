"""The vectorised C++ backend ``cpp-simd``: Brian2's C++ standalone code, state updates in SIMD.

Contents
--------
CPPSIMDStandaloneDevice    a Brian2 device (``cpp_simd_standalone``), subclass of
                           ``CPPStandaloneDevice`` with a post-generation step
SIMDBackend                the hhlif backend that runs it (registered as ``cpp-simd``)
patch_state_updater        the source transformation, as a pure function (tested on its own)
SIMD_FLAGS                 the compiler flags added for the patched files

Design
------
Brian2's default C++ flags are ``-O3 -ffast-math -fno-finite-math-only -march=native``.
``-fno-finite-math-only`` keeps NaN/inf semantics, but it also undefines ``__FAST_MATH__``,
so glibc's ``math.h`` does not declare its vector ``exp``/``expm1`` variants (libmvec) and
GCC does not vectorise the state-update loop either (it would need the ``omp simd``
promise).  An HH step then runs 9 scalar ``exp`` calls per neuron.

This device changes only the generated code of the **state updaters** (the code objects
made from the ``stateupdate`` template), after Brian2 generated them and before ``make``:

1. the neuron loop ``for(int _idx=0; _idx<_N; _idx++)`` is marked ``#pragma omp simd``
   (with OpenMP threads: Brian2's ``#pragma omp parallel for schedule(static)`` becomes
   ``#pragma omp parallel for simd schedule(static)``) — iterations of a state update are
   independent neurons.  A state updater that draws random numbers (``rand()``,
   ``randn()``, ``poisson``...) is left unmarked: its generator state is a loop-carried
   dependency.
2. Brian2's ``_exprel`` (two early returns around ``expm1(x)/x``) is replaced in those
   files by a branch-free form computing the same value (``1`` for ``|x| < 1e-16``, else
   ``expm1(x)/x``; ``inf`` above the overflow point as before), so that the call can be
   vectorised with an unmasked libmvec ``expm1``.
3. The makefile gets target-specific flags for the patched objects only:
   ``-O3 -ffast-math -ffinite-math-only -march=native -fopenmp-simd`` (appended after
   Brian2's flags, so ``-ffinite-math-only`` overrides ``-fno-finite-math-only``).

4. The **thresholders** (``threshold`` template) get a branch-free pre-scan: neurons are
   taken in blocks of :data:`THRESHOLD_BLOCK`; a ``#pragma omp simd`` loop evaluates the
   threshold condition of a block (the generated condition code, which only reads) and
   only a block with a crossing runs Brian2's original loop, which appends the spikes in
   order and sets ``lastspike``/``not_refractory``.  The spike list is the same; a
   thresholder with random numbers is left alone.  These objects get only
   ``-fopenmp-simd`` (no fast-math: a NaN potential must never cross the threshold).

Every other file (resets, monitors, the main loop) keeps Brian2's flags, and the
thresholders keep Brian2's NaN semantics, so
NaN/inf semantics hold there: a NaN membrane potential never crosses a threshold, is never
reset to a finite value and stays in memory.  Divergence is then detected where fast-math
cannot reach it: :func:`hhlif.protocols.run` checks the final membrane potential and every
recorded signal with NumPy (``np.isfinite``) after the run and raises
:class:`~hhlif.protocols.errors.DivergenceError` (``tests/protocols/test_simd_backend.py``
runs HH at a step that diverges, on this backend).

Generated files are patched as they are written (not edited afterwards), so an unchanged
model produces byte-identical files and ``make`` reuses the objects of the cached build
directory, as with the plain ``cpp`` backend.  Results match ``cpp`` to the accuracy of
libmvec (≤ 4 ulp per ``exp``): same spikes within one step on deterministic input
(tested for ``hh`` and ``lif``).  Only double precision is offered: float32 HH produced
NaN near the singular voltage of the rate functions (issue 8).
"""

from __future__ import annotations

import functools
import re
import shutil

from hhlif.protocols.backends.standalone import StandaloneBackend

__all__ = ["CPPSIMDStandaloneDevice", "SIMDBackend", "patch_state_updater",
           "patch_thresholder", "SIMD_FLAGS", "THRESHOLD_FLAGS", "DEVICE_NAME"]

#: Name of the Brian2 device.
DEVICE_NAME = "cpp_simd_standalone"

#: Flags appended for the patched state-update objects (GCC/Clang).
SIMD_FLAGS = ("-O3", "-ffast-math", "-ffinite-math-only", "-march=native", "-fopenmp-simd")

#: Neurons per block in the thresholders' SIMD pre-scan.
THRESHOLD_BLOCK = 64
#: Flags appended for the patched thresholder objects.
THRESHOLD_FLAGS = ("-fopenmp-simd",)

_THRESHOLD_LOOP = re.compile(
    r"^(?P<indent>[ \t]*)for\(size_t _idx=0; _idx<N; _idx\+\+\)[ \t]*\n"
    r"(?P=indent)\{[ \t]*\n(?P<cond>.*?)^(?P<ifindent>[ \t]*)if\(_cond\) \{[ \t]*\n"
    r"(?P<then>.*?)^(?P=ifindent)\}[ \t]*\n(?P=indent)\}[ \t]*$", re.M | re.S)

_LOOP = re.compile(r"^(?P<indent>[ \t]*)for\(int _idx=0; _idx<_N; _idx\+\+\)[ \t]*$", re.M)
_OMP_FOR = re.compile(r"^(?P<indent>[ \t]*)#pragma omp (?P<parallel>parallel )?for"
                      r" (?P<rest>schedule\(static\))[ \t]*$")
_RANDOM_CALL = re.compile(r"\b_(rand|randn|poisson|binomial\w*)\s*\(")

_EXPREL_BRIAN = """
static inline double _exprel(double x)
{
    if (fabs(x) < 1e-16)
        return 1.0;
    if (x > 717)
        return INFINITY;
    return expm1(x)/x;
}
"""

_EXPREL_SIMD = """
static inline double _exprel(double x)
{
    // hhlif cpp-simd: branch-free, same values as Brian2's version (vectorisable)
    const double e = expm1(x);
    return (fabs(x) < 1e-16) ? 1.0 : e / x;
}
"""


_EXPREL_BRIAN_RE = re.compile(
    r"^(?P<indent>[ \t]*)" + r"\s*".join(re.escape(tok) for tok in _EXPREL_BRIAN.split()), re.M)


def _indent(text: str, indent: str) -> str:
    return "\n".join(indent + line for line in text.split("\n"))


def patch_state_updater(source: str) -> tuple[str, str]:
    """Mark the neuron loop of a generated state updater for SIMD execution.

    Parameters
    ----------
    source : str
        C++ source of one Brian2 ``stateupdate`` code object.

    Returns
    -------
    source : str
        The patched source (unchanged if it cannot be patched safely).
    status : str
        ``'simd'``, ``'omp-for-simd'`` (OpenMP loop), ``'random'`` (draws random
        numbers: left unmarked) or ``'no-loop'`` (loop not found: left unmarked).

    Examples
    --------
    >>> src = "void f(){\\n    const int _N = 4;\\n    for(int _idx=0; _idx<_N; _idx++)\\n    {}\\n}"
    >>> patch_state_updater(src)[1]
    'simd'
    """
    matches = list(_LOOP.finditer(source))
    if len(matches) != 1:
        return source, "no-loop"
    body = source[matches[0].end():]
    if _RANDOM_CALL.search(body):
        return source, "random"
    source = _EXPREL_BRIAN_RE.sub(lambda m: _indent(_EXPREL_SIMD.strip(), m.group("indent")),
                                  source)
    match = _LOOP.search(source)
    head, tail = source[:match.start()], source[match.start():]
    lines = head.split("\n")
    # the last non-blank line before the loop: Brian2's OpenMP work-sharing pragma, if any
    k = len(lines) - 1
    while k > 0 and lines[k].strip() == "":
        k -= 1
    omp = _OMP_FOR.match(lines[k])
    if omp is not None:
        lines[k] = (f"{omp.group('indent')}#pragma omp {omp.group('parallel') or ''}for simd"
                    f" {omp.group('rest')}")
        return "\n".join(lines) + tail, "omp-for-simd"
    return head + f"{match.group('indent')}#pragma omp simd\n" + tail, "simd"


def patch_thresholder(source: str) -> tuple[str, str]:
    """Add a SIMD pre-scan to a generated thresholder (see the module docstring, item 4).

    Returns
    -------
    source : str
        The patched source (unchanged if it cannot be patched safely).
    status : str
        ``'prescan'``, ``'random'`` (left alone) or ``'no-loop'`` (loop not recognised).
    """
    matches = list(_THRESHOLD_LOOP.finditer(source))
    if len(matches) != 1:
        return source, "no-loop"
    m = matches[0]
    cond = m.group("cond")
    if _RANDOM_CALL.search(cond) or "_cond" not in cond or "[_count" in cond:
        return source, "random" if _RANDOM_CALL.search(cond) else "no-loop"
    ind = m.group("indent")
    b = THRESHOLD_BLOCK
    original_loop = m.group(0).replace("for(size_t _idx=0; _idx<N; _idx++)",
                                       "for(size_t _idx=_blk; _idx<_blk_end; _idx++)", 1)
    new = (f"{ind}// hhlif cpp-simd: SIMD pre-scan of blocks of {b} neurons; only a block with"
           f" a crossing runs the loop\n"
           f"{ind}for(size_t _blk=0; _blk<(size_t)N; _blk+={b})\n"
           f"{ind}{{\n"
           f"{ind}    const size_t _blk_end = (_blk + {b} < (size_t)N) ? _blk + {b} : (size_t)N;\n"
           f"{ind}    int _any = 0;\n"
           f"{ind}    for(size_t _idx=_blk; _idx<_blk_end; _idx++)\n"
           f"{ind}    {{\n"
           + _indent(cond.rstrip("\n"), "    ") + "\n"
           f"{ind}        _any |= (int)(_cond != 0);\n"
           f"{ind}    }}\n"
           f"{ind}    if(!_any) continue;\n"
           + _indent(original_loop, "    ") + "\n"
           f"{ind}}}")
    return source[:m.start()] + new + source[m.end():], "prescan"


class _PatchingWriter:
    """Wraps Brian2's ``CPPWriter``: patches files as they are written."""

    def __init__(self, writer, device):
        self._writer = writer
        self._device = device

    def __getattr__(self, name):
        return getattr(self._writer, name)

    def write(self, filename, contents):
        device = self._device
        prefix = "code_objects/"
        name = filename[len(prefix):-4] if filename.startswith(prefix) and \
            filename.endswith(".cpp") else None
        if name in device._state_updaters:
            contents, status = patch_state_updater(contents)
            device.simd_report[name] = status
            if status in ("simd", "omp-for-simd"):
                device._patched_objects.add(filename[:-4] + ".o")
        elif name in device._thresholders:
            contents, status = patch_thresholder(contents)
            device.simd_report[name] = status
            if status == "prescan":
                device._prescan_objects.add(filename[:-4] + ".o")
        elif filename == "makefile" and (device._patched_objects or device._prescan_objects):
            flags = " ".join(SIMD_FLAGS)
            rules = "".join(f"\n{obj}: CXXFLAGS += {flags}\n"
                            for obj in sorted(device._patched_objects))
            rules += "".join(f"\n{obj}: CXXFLAGS += {' '.join(THRESHOLD_FLAGS)}\n"
                             for obj in sorted(device._prescan_objects))
            contents = contents + "\n# hhlif cpp-simd: vector math for the state updaters" + rules
        return self._writer.write(filename, contents)


def _device_class():
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    class CPPSIMDStandaloneDevice(CPPStandaloneDevice):
        """Brian2's C++ standalone device with SIMD state updates (see module docstring).

        Attributes
        ----------
        simd_report : dict
            ``{code object name: status}`` of the last build (see
            :func:`patch_state_updater`).
        """

        def __init__(self):
            super().__init__()
            self.simd_report = {}
            self._state_updaters = set()
            self._thresholders = set()
            self._patched_objects = set()
            self._prescan_objects = set()

        def generate_codeobj_source(self, writer):
            self.simd_report = {}
            self._patched_objects = set()
            self._prescan_objects = set()
            self._state_updaters = {co.name for co in self.code_objects.values()
                                    if getattr(co, "template_name", None) == "stateupdate"}
            self._thresholders = {co.name for co in self.code_objects.values()
                                  if getattr(co, "template_name", None) == "threshold"}
            return super().generate_codeobj_source(_PatchingWriter(writer, self))

        def generate_makefile(self, writer, compiler, compiler_flags, linker_flags,
                              nb_threads, debug):
            if compiler == "msvc":
                return super().generate_makefile(writer, compiler, compiler_flags,
                                                 linker_flags, nb_threads, debug)
            return super().generate_makefile(_PatchingWriter(writer, self), compiler,
                                             compiler_flags, linker_flags, nb_threads, debug)

    return CPPSIMDStandaloneDevice


@functools.cache
def _device() -> type:
    """:class:`CPPSIMDStandaloneDevice`, defined (importing Brian2) on first use."""
    return _device_class()


def _register_device():
    from brian2.devices.device import all_devices

    if DEVICE_NAME not in all_devices:
        all_devices[DEVICE_NAME] = _device()()


def __getattr__(name):
    # the device class subclasses Brian2's: defined when first asked for, so that importing
    # the backends (``hhlif run --help`` lists them) loads no Brian2
    if name == "CPPSIMDStandaloneDevice":
        return _device()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SIMDBackend(StandaloneBackend):
    """The ``cpp-simd`` backend: :class:`CPPSIMDStandaloneDevice` in cached directories."""

    name = "cpp-simd"
    description = ("Brian2 C++ standalone with SIMD state updates (omp simd, libmvec exp);"
                   " double precision")
    device_name = DEVICE_NAME

    def unavailable_reason(self) -> str | None:
        reason = super().unavailable_reason()
        if reason is None and shutil.which("make") is None:
            reason = "'make' was not found on PATH"
        return reason

    def _prepare_device(self) -> None:
        _register_device()
