"""Protocol scripts: a user's ``.py`` file that builds a protocol with the public API.

A script defines ``protocol`` (a :class:`~hhlif.protocols.Protocol`) or a function
``make_protocol()`` returning one.  ``hhlif run path/to/script.py`` loads it with
:func:`load_protocol_script`; the same script runs with plain ``python`` when it ends with::

    if __name__ == "__main__":
        from hhlif.protocols.cli import main_for_script
        main_for_script(protocol)
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path

from hhlif.protocols.errors import ProtocolScriptError

from hhlif.protocols.protocol import Protocol

__all__ = ["load_protocol_script"]


def load_protocol_script(path) -> Protocol:
    """Import the script at ``path`` and return the protocol it defines.

    Raises
    ------
    ProtocolScriptError
        If the file is missing, fails to import (the original error is named), defines
        neither ``protocol`` nor ``make_protocol``, or defines something that is not a
        Protocol.
    """
    path = Path(path)
    if not path.is_file():
        raise ProtocolScriptError(f"protocol script {str(path)!r} does not exist")
    name = f"hhlif_protocol_script_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProtocolScriptError(f"protocol script {str(path)!r}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:
        if hasattr(module, "protocol") or hasattr(module, "make_protocol"):
            pass  # the script ran its own __main__ block after defining a protocol
        else:
            raise ProtocolScriptError(
                f"protocol script {str(path)!r} called sys.exit({exc.code!r}) before defining"
                f" a protocol; expected a variable 'protocol' or a function"
                f" 'make_protocol()'") from None
    except Exception as exc:
        raise ProtocolScriptError(
            f"protocol script {str(path)!r} failed to import: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.modules.pop(name, None)
    if hasattr(module, "make_protocol"):
        try:
            protocol = module.make_protocol()
        except Exception as exc:
            raise ProtocolScriptError(f"protocol script {str(path)!r}: make_protocol() failed:"
                                      f" {type(exc).__name__}: {exc}") from exc
        origin = "make_protocol() returned"
    elif hasattr(module, "protocol"):
        protocol = module.protocol
        origin = "'protocol' is"
    else:
        raise ProtocolScriptError(f"protocol script {str(path)!r} defines no protocol: expected"
                                  f" a variable 'protocol' or a function 'make_protocol()'")
    if not isinstance(protocol, Protocol):
        raise ProtocolScriptError(f"protocol script {str(path)!r}: {origin} a"
                                  f" {type(protocol).__name__}, expected an"
                                  f" hhlif.protocols.Protocol")
    return protocol
