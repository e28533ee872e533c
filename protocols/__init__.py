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
to_neo, write_nix, ...     Neo objects and NIX files; write_nwb, read_nwb: NWB files
get_backend, available_backends   runtime, cpp, cpp-simd, cuda, auto
run_many, ReusableBuild    one compile, many runs with new per-neuron values (run_args)
load_protocol_script       a user's script that defines ``protocol`` or ``make_protocol()``
parse_value                read '10*uA/cm**2' without eval (:mod:`hhlif.models.parsing`)

``main_for_script`` (run a script as a command) lives in :mod:`hhlif.protocols.cli`.

The names are imported when first used (PEP 562 ``__getattr__``), so that importing a light
module (``hhlif.protocols.errors``, the ``hhlif`` command's parser) loads no Brian2.
"""

import typing as _typing

from hhlif.models.lazy import lazy_exports
from hhlif.protocols._version import __version__

if _typing.TYPE_CHECKING:  # the names as static tools (and tests/test_layering.py) see them
    from hhlif.models.parsing import parse_value
    from hhlif.protocols import stimuli
    from hhlif.protocols.backends import available_backends, get_backend
    from hhlif.protocols.experiments.scripts import load_protocol_script
    from hhlif.protocols.protocol import Protocol
    from hhlif.protocols.recordings import (PopulationData, Recording, Signal, from_neo,
                                            read_nix, read_nwb, to_neo, write_nix, write_nwb)
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
    "write_nwb",
    "read_nwb",
    "parse_value",
    "run_many",
    "ReusableBuild",
    "load_protocol_script",
    "__version__",
]


#: name -> (module, its attribute; None: the module itself), imported on first use (PEP 562),
#: so that ``import hhlif.protocols.errors`` and the ``hhlif`` command's start load neither
#: Brian2 nor the analysis layer.
_LAZY = {
    "stimuli": ("hhlif.protocols.stimuli", None),
    "Protocol": ("hhlif.protocols.protocol", "Protocol"),
    "run": ("hhlif.protocols.simulation", "run"),
    "Recording": ("hhlif.protocols.recordings", "Recording"),
    "PopulationData": ("hhlif.protocols.recordings", "PopulationData"),
    "Signal": ("hhlif.protocols.recordings", "Signal"),
    "get_backend": ("hhlif.protocols.backends", "get_backend"),
    "available_backends": ("hhlif.protocols.backends", "available_backends"),
    "to_neo": ("hhlif.protocols.recordings", "to_neo"),
    "from_neo": ("hhlif.protocols.recordings", "from_neo"),
    "write_nix": ("hhlif.protocols.recordings", "write_nix"),
    "read_nix": ("hhlif.protocols.recordings", "read_nix"),
    "write_nwb": ("hhlif.protocols.recordings", "write_nwb"),
    "read_nwb": ("hhlif.protocols.recordings", "read_nwb"),
    "parse_value": ("hhlif.models.parsing", "parse_value"),
    "run_many": ("hhlif.protocols.simulation", "run_many"),
    "ReusableBuild": ("hhlif.protocols.simulation", "ReusableBuild"),
    "load_protocol_script": ("hhlif.protocols.experiments.scripts", "load_protocol_script"),
}

#: The subpackages and modules that were attributes of the package when it imported them.
_SUBMODULES = ("_version", "backends", "errors", "experiments", "protocol", "recordings",
               "simulation", "stimuli")


def _deprecated(name):
    # Deprecated location, kept so that existing protocol scripts keep working; the one
    # import of the CLI from below it (tests/test_layering.py names this exception).
    if name == "main_for_script":
        import warnings

        from hhlif.models.errors import HhlifWarning

        warnings.warn("hhlif.protocols.main_for_script moved to"
                      " hhlif.protocols.cli.main_for_script", HhlifWarning, stacklevel=3)
        from hhlif.protocols.cli import main_for_script

        return main_for_script
    raise AttributeError(f"module 'hhlif.protocols' has no attribute {name!r}")


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, _SUBMODULES, missing=_deprecated)
