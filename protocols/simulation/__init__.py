"""Simulation: a protocol becomes Brian2 objects, runs on a backend, and returns a Recording.

assembly    ``assemble(protocol)``: the one place where Brian2 objects are created
running     ``run(protocol, backend)`` → :class:`~hhlif.protocols.recordings.Recording`
            (interrupt guard, size checks, collection)
reuse       one compilation, many runs with new values (:class:`ReusableBuild`, :func:`run_many`)
provenance  what a run records about itself (versions, times, the build's structure key)
"""

import typing as _typing

from hhlif.models.lazy import lazy_exports

if _typing.TYPE_CHECKING:  # imported when first used (PEP 562): ``provenance`` stays light
    from hhlif.protocols.simulation.reuse import ReusableBuild, run_many
    from hhlif.protocols.simulation.running import run

__all__ = ["run", "ReusableBuild", "run_many"]

#: name -> (the module that defines it, the name)
_LAZY = {"run": ("running", "run"), "ReusableBuild": ("reuse", "ReusableBuild"),
         "run_many": ("reuse", "run_many")}
_SUBMODULES = ("assembly", "provenance", "reuse", "running")

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, _SUBMODULES)
