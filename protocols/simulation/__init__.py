"""Simulation: a protocol becomes Brian2 objects, runs on a backend, and returns a Recording.

run      ``run(protocol, backend)`` → :class:`~hhlif.protocols.recordings.Recording`
reuse    one compilation, many runs with new values (:class:`ReusableBuild`, :func:`run_many`)
"""

from hhlif.protocols.simulation.running import run  # noqa: F401
from hhlif.protocols.simulation.reuse import ReusableBuild, run_many  # noqa: F401
