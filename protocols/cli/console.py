"""What the ``hhlif`` command says and how: its argument parser, verbosity and messages.

Contents
--------
Parser          argparse with errors on one line (``hhlif: error: ...``), exit status 2;
                options that need heavy imports added when needed (``Parser.defer``)
add_verbosity   ``-q/--quiet`` and ``-v/--verbose`` on a parser
set_verbosity   apply them: messages, warnings (one line each) and Brian2's log
note            a progress or choice message on stderr (``hhlif: ...``; silenced by -q)
wrote           ``wrote PATH`` on stdout (silenced by -q)

There is one message helper, the simulation's (:func:`hhlif.protocols.simulation.provenance.
say`, switched by its ``VERBOSE``, the dict ``running.VERBOSE`` names too): the
command's notes and the simulation's progress messages go through it, and
:func:`set_verbosity` switches both.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["Parser", "add_verbosity", "set_verbosity", "note", "wrote"]


class Parser(argparse.ArgumentParser):
    """argparse with errors on one line (``hhlif: error: ...``), exit status 2, and options
    added when needed (:meth:`defer`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._deferred = []

    def defer(self, add) -> None:
        """Call ``add(self)`` when this parser first parses or formats its help or usage,
        not now: a sub-command whose options need heavy imports (their help lists names
        defined by the simulation or the analysis side) costs nothing to the other
        commands, ``hhlif --help`` included.  Deferred calls run in the order given."""
        self._deferred.append(add)

    def _complete(self) -> None:
        while self._deferred:
            self._deferred.pop(0)(self)

    def parse_known_args(self, args=None, namespace=None):
        self._complete()
        return super().parse_known_args(args, namespace)

    def format_usage(self):
        self._complete()
        return super().format_usage()

    def format_help(self):
        self._complete()
        return super().format_help()

    def error(self, message):
        command = self.prog if self.prog.startswith("hhlif") else "hhlif"
        self.exit(2, f"hhlif: error: {message} (see {command} --help)\n")


def add_verbosity(p: argparse.ArgumentParser, top: bool = False) -> None:
    """-q/--quiet and -v/--verbose, accepted before or after the sub-command.

    Parameters
    ----------
    p : argparse.ArgumentParser
    top : bool
        The top-level parser (it holds the defaults; sub-commands only override them).
    """
    default = False if top else argparse.SUPPRESS
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="print only results and errors")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="also print Brian2's log messages and timings")


def set_verbosity(args) -> None:
    """Apply ``args.quiet`` / ``args.verbose``: messages on or off, one line per warning
    (``hhlif: warning: ...``, none with -q), Brian2's log at INFO with -v."""
    import warnings

    from hhlif.protocols.simulation.provenance import VERBOSE

    quiet = bool(getattr(args, "quiet", False))
    VERBOSE["messages"] = not quiet

    def show(message, category, filename, lineno, file=None, line=None):
        # one line per warning, as the errors are (not Brian2's two-line log format)
        if not quiet:
            print(f"hhlif: warning: {message}", file=sys.stderr)

    warnings.showwarning = show
    if getattr(args, "verbose", False):
        from brian2 import BrianLogger

        BrianLogger.log_level_info()


def note(text: str) -> None:
    """A progress or choice message on stderr, ``hhlif: TEXT`` (silenced by -q): the
    simulation's own helper, so that one switch (:func:`set_verbosity`) silences both."""
    from hhlif.protocols.simulation.provenance import say

    say(text)


def wrote(args, path) -> None:
    """``wrote PATH`` on stdout, unless -q."""
    if not getattr(args, "quiet", False):
        print(f"wrote {path}")
