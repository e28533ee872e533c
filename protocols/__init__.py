"""hhlif.protocols — stimuli, protocols, backends, recordings, Neo export and the CLI.

Contents
--------
stimuli                    the stimulus library (``Step``, ``Sine``, ``OrnsteinUhlenbeck``, ...)
Protocol                   what runs: model or network, stimulus, duration, trials, conditions
run                        run a protocol on a backend → :class:`Recording`
Recording                  flat arrays plus provenance; ``to_neo()``, ``save()``, ``load()``
get_backend, available_backends   runtime, cpp, cpp-simd, cuda, auto
run_many, ReusableBuild    one compile, many runs with new per-neuron values (run_args)
builtin                    the built-in protocols (``step``, ``fi-curve``, ...)
parse_value                read '10*uA/cm**2' without eval
"""

from . import stimuli
from ._version import __version__
from .backends import available_backends, get_backend
from .neo_export import from_neo, read_nix, to_neo, write_nix
from .protocol import Protocol
from .recording import PopulationData, Recording, Signal
from .running import run
from . import simd_backend  # noqa: E402  registers the 'cpp-simd' backend
from .reuse import ReusableBuild, run_many
from .scripts import load_protocol_script, main_for_script
from .units import parse_value

__all__ = [
    "stimuli",
    "Protocol",
    "run",
    "Recording",
    "PopulationData",
    "Signal",
    "get_backend",
    "available_backends",
    "to_neo",
    "from_neo",
    "write_nix",
    "read_nix",
    "parse_value",
    "run_many",
    "ReusableBuild",
    "load_protocol_script",
    "main_for_script",
    "__version__",
]
