"""Running a user's protocol script as a command (``python my_protocol.py --out x.nix``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hhlif.protocols.cli.run import run_protocol_from_args

if TYPE_CHECKING:  # Brian2: imported by what builds a protocol, not at the command's start
    from hhlif.protocols.protocol import Protocol

__all__ = ["main_for_script"]


def main_for_script(protocol: Protocol, argv=None) -> int:
    """Run ``protocol`` from a script's ``__main__`` with the options of ``hhlif run``
    (``--backend``, ``--out``, ``--figures``, ...).

    Examples
    --------
    >>> from hhlif.protocols.cli import main_for_script          # doctest: +SKIP
    >>> if __name__ == "__main__":                                # doctest: +SKIP
    ...     raise SystemExit(main_for_script(protocol))
    """
    return run_protocol_from_args(protocol, argv)
