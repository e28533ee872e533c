"""hhlif.protocols — from a protocol to a recording: stimuli, backends, simulation, files.

The data flow, one subpackage per step (each imports only those before it)::

    errors, stimuli → Protocol → backends → recordings → simulation → experiments → cli
                                 (where code (Recording,   (assembly:   (named         (the hhlif
                                 runs/builds) Neo, NIX)    the one      protocols,     command;
                                                           build path;  equivalence,   nothing
                                                           run, reuse)  sweeps, study) imports it)

Contents
--------
stimuli                    the stimulus library (``Step``, ``Sine``, ``OrnsteinUhlenbeck``, ...)
Protocol                   what runs: model or network, stimulus, duration, trials, conditions
run                        run a protocol on a backend → :class:`Recording`
Recording                  spikes, signals and provenance (:mod:`.recordings`; no IO methods)
to_neo, write_nix, ...     Neo objects and NIX files
get_backend, available_backends   runtime, cpp, cpp-simd, cuda, auto
run_many, ReusableBuild    one compile, many runs with new per-neuron values (run_args)
load_protocol_script       a user's script that defines ``protocol`` or ``make_protocol()``
parse_value                read '10*uA/cm**2' without eval (:mod:`hhlif.models.parsing`)

``main_for_script`` (run a script as a command) lives in :mod:`hhlif.protocols.cli`.
"""

from hhlif.models.parsing import parse_value
from hhlif.protocols import stimuli
from hhlif.protocols._version import __version__
from hhlif.protocols.backends import available_backends, get_backend
from hhlif.protocols.experiments.scripts import load_protocol_script
from hhlif.protocols.protocol import Protocol
from hhlif.protocols.recordings import (PopulationData, Recording, Signal, from_neo, read_nix,
                                        to_neo, write_nix)
from hhlif.protocols.simulation import ReusableBuild, run, run_many

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
    "__version__",
]


def __getattr__(name):
    # Deprecated location, kept so that existing protocol scripts keep working; the one
    # import of the CLI from below it (tests/test_layering.py names this exception).
    if name == "main_for_script":
        import warnings

        from hhlif.models.errors import HhlifWarning

        warnings.warn("hhlif.protocols.main_for_script moved to"
                      " hhlif.protocols.cli.main_for_script", HhlifWarning, stacklevel=2)
        from hhlif.protocols.cli import main_for_script

        return main_for_script
    raise AttributeError(f"module 'hhlif.protocols' has no attribute {name!r}")
