"""Simulation: a protocol becomes Brian2 objects, runs on a backend, and returns a Recording.

assembly    ``assemble(protocol)``: the one place where Brian2 objects are created
running     ``run(protocol, backend)`` → :class:`~hhlif.protocols.recordings.Recording`
            (interrupt guard, size checks, collection)
reuse       one compilation, many runs with new values (:class:`ReusableBuild`, :func:`run_many`)
provenance  what a run records about itself (versions, times, the build's structure key)
"""

from hhlif.protocols.simulation.running import run  # noqa: F401
from hhlif.protocols.simulation.reuse import ReusableBuild, run_many  # noqa: F401
