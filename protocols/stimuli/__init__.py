"""Stimuli: where the input current of a protocol is defined and reaches the neurons.

Every stimulus is a frozen dataclass with units that validates itself; ``sample(times)``
gives the current as an array and ``to_brian(prefix, n, duration=...)`` gives the Brian2
expression and per-neuron variables that :mod:`hhlif.protocols.simulation.assembly` adds
to a model's ``I_input``.  Stimuli add with ``+``.
"""

from hhlif.protocols.stimuli.library import *  # noqa: F401,F403
from hhlif.protocols.stimuli.library import __all__, ornstein_uhlenbeck, stimulus_code  # noqa: F401
