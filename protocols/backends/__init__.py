"""Backends: where generated code runs (Brian2 devices) and where it is built.

base        :class:`Backend` (the interface) and :class:`Build` (one build, for provenance)
runtime     Brian2's runtime device
standalone  ``cpp``: C++ standalone in locked, cached build directories
simd        ``cpp-simd``: C++ standalone with vectorised state updates (a Brian2 device)
cuda        ``cuda``: brian2cuda
registry    every backend registered by name; ``auto`` picks one
"""

from hhlif.protocols.backends.base import Backend, Build, cache_dir  # noqa: F401
from hhlif.protocols.backends.registry import (available_backends, get_backend,  # noqa: F401
                                               register_backend)
