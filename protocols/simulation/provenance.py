"""What a run records about itself: provenance, timers, the build's structure key, messages.

Contents
--------
provenance     the provenance dict of a Recording (versions, backend, build, protocol, times)
timers         wall times of set-up, compilation and simulation
structure_key  what determines the generated code's structure (a build-cache key)
say, VERBOSE   "hhlif: ..." messages on stderr, silenced by ``VERBOSE["messages"] = False``
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Brian2; VERBOSE and say are used by the command before any protocol
    from hhlif.protocols.protocol import Protocol

__all__ = ["provenance", "timers", "structure_key", "say", "VERBOSE"]

#: Messages such as "compiling ..." go to stderr unless this is False (``hhlif -q``).
VERBOSE = {"messages": True}


def say(text: str) -> None:
    """Print ``hhlif: text`` on stderr (unless ``VERBOSE["messages"]`` is False)."""
    if VERBOSE["messages"]:
        print(f"hhlif: {text}", file=sys.stderr, flush=True)


def structure_key(protocol: Protocol, backend_name: str, threads) -> str:
    """What determines the generated code's structure (not the parameter values).

    Returns
    -------
    str
        JSON of the model equations, stimulus type, neuron count, recording, network,
        method, backend, threads and protocol name.
    """
    desc = protocol.describe()
    key = {
        "model": protocol.neuron_model.describe()["equations"],
        "stimulus": desc["stimulus"]["type"],
        "n": protocol.n_neurons,
        "record": desc["record"], "record_neurons": str(protocol.record_neurons),
        "network": desc["network"], "method": desc["method"], "backend": backend_name,
        "threads": threads, "name": protocol.name,
    }
    return json.dumps(key, sort_keys=True, default=str)


def provenance(protocol, backend, threads, session, *, build, run, wall, populations) -> dict:
    """The provenance of one run.

    Parameters
    ----------
    protocol : Protocol
    backend : str
        Backend name.
    threads : int or None
    session : hhlif.protocols.backends.Build
        The backend's build (its ``describe()`` goes under ``"build"``).
    build, run, wall : float
        Seconds of Python set-up, of building and running, and in all.
    populations : dict of str to Population

    Returns
    -------
    dict
    """
    import brian2

    from hhlif.protocols._version import __version__

    return {
        "hhlif_version": __version__,
        "brian2_version": brian2.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "platform": platform.platform(),
        "backend": backend,
        "threads": threads,
        "build_directory": str(session.directory) if session.directory else None,
        "build": session.describe(),
        "protocol": protocol.describe(),
        "model": protocol.neuron_model.describe(),
        "n_units": {k: p.n_units for k, p in populations.items()},
        "populations_order": list(populations),
        "wall_time_s": timers(session, build, run, wall),
        "fingerprint": hashlib.sha256(json.dumps(protocol.describe(), sort_keys=True)
                                      .encode()).hexdigest()[:16],
    }


def timers(session, setup, simulate, wall) -> dict:
    """Wall times in s: Python set-up, compile (standalone) and the simulation itself."""
    out = {"setup": round(setup, 6), "build_and_run": round(simulate, 6), "total": round(wall, 6)}
    if session.directory is not None:
        recorded = session.timers
        compile_t = recorded.get("compile") or {}
        if isinstance(compile_t, dict):
            total = sum(v for v in compile_t.values() if isinstance(v, (int, float)))
            out["compile"] = round(total, 6)
        run_binary = recorded.get("run_binary")
        if isinstance(run_binary, (int, float)):
            out["run_binary"] = round(run_binary, 6)
    return out
