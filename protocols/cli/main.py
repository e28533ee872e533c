"""The ``hhlif`` command line.

::

    hhlif list
    hhlif run PROTOCOL [--model NAME] [--set KEY=VALUE ...] [--backend auto|runtime|cpp|cpp-simd|cuda]
                       [--seed N] [--threads N] [--record VAR|none] [--record-neurons SPEC]
                       [--out FILE.nix|FILE.nwb] [--force] [--figures DIR] [--json FILE]
    hhlif info FILE
    hhlif analyze FILE [--json OUT] [--figures DIR] [--force]
    hhlif compare REFERENCE_FILE CANDIDATE_FILE [--delta 2*ms]
    hhlif mi FILE [--method pt] [--bin 2*ms] [--word 8] [--json OUT] [--force]
             [--repeats-of-one-stimulus | --condition-annotation KEY | --condition-per-segment]
    hhlif fit [--reference hh] [--candidate lif] [--target fi-noisy] [--out FIT.json] ...

Bad input gets one line naming the parameter, the value and what was expected, and exit
status 2.

The modules of the command: ``main`` (the parser, the dispatch and the commands on files),
``run`` (``hhlif run``: what is printed and written for each kind of protocol),
``study``, ``equivalence``, ``fit`` and ``cache`` (their sub-commands, in :data:`EXTENSIONS`),
``console`` (messages and verbosity), ``tables`` and ``figures`` (what runs print and
draw), ``scripts`` (a protocol script as a command).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hhlif.models.errors import ParameterError
from hhlif.protocols.errors import BackendUnavailableError, DivergenceError, IncompleteRunError

from hhlif.protocols.cli import cache, equivalence, fit, study
from hhlif.protocols.cli.console import Parser, add_verbosity, set_verbosity, wrote
from hhlif.protocols.cli.run import add_run_options, run_command, run_protocol_from_args

__all__ = ["main", "run_protocol_from_args", "build_parser"]

_USER_ERRORS = (ValueError, TypeError, FileExistsError, FileNotFoundError, PermissionError,
                IsADirectoryError, NotADirectoryError, DivergenceError, BackendUnavailableError,
                KeyError)

#: The sub-commands of other modules, each added by its module's ``add_commands`` (which
#: sets the command's function): one explicit table, in the order ``--help`` lists them.
EXTENSIONS = (study.add_commands, equivalence.add_commands, fit.add_commands,
              cache.add_commands)


def build_parser() -> argparse.ArgumentParser:
    """The ``hhlif`` parser: the built-in sub-commands and those of :data:`EXTENSIONS`."""
    from hhlif.protocols._version import __version__

    parser = Parser(prog="hhlif", description=(
        "Hodgkin-Huxley and LIF models in Brian2: run protocols, export Neo/NIX, analyse."))
    parser.add_argument("--version", action="version", version=f"hhlif {__version__}")
    add_verbosity(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("list", help="list models, protocols and backends")

    p = sub.add_parser("run", help="run a built-in protocol or a protocol script")
    p.add_argument("protocol", help="built-in name or path of a protocol script (.py)")
    add_run_options(p)

    p = sub.add_parser("info", help="what a recording file holds: neurons, trials, trains,"
                                    " populations, and how its trains are matched to neurons")
    p.add_argument("file")

    p = sub.add_parser("analyze", help="spike statistics of a Neo-readable file")
    p.add_argument("file")
    p.add_argument("--json")
    p.add_argument("--figures")
    p.add_argument("--force", action="store_true")

    p = sub.add_parser("compare", help="coincidence factor and timing errors of two recordings")
    p.add_argument("reference")
    p.add_argument("candidate")
    p.add_argument("--delta", default="2*ms", help="coincidence window (default 2*ms)")
    p.add_argument("--json")
    p.add_argument("--force", action="store_true")

    p = sub.add_parser("mi", help="stimulus-response mutual information of a recording")
    p.add_argument("file")
    p.add_argument("--method", default=None,
                   help="plugin, pt, qe, shuffle, nsb or direct (default: direct for frozen-noise, else pt)")
    p.add_argument("--bin", dest="bin_size", default="2*ms", help="bin size (default 2*ms)")
    p.add_argument("--word", dest="word_length", type=int, default=8,
                   help="word length in bins (default 8)")
    p.add_argument("--response", choices=("count", "words"), default="count",
                   help="step/sweep files: spike count in the stimulus window (default), or"
                        " binary words of --word bins of --bin from the window start")
    p.add_argument("--window", default=None,
                   help="response window of step/sweep files, 'START,STOP' (e.g. 20*ms,120*ms;"
                        " default: the whole recording)")
    p.add_argument("--population", default=None, help="population to analyse (default: main)")
    design = p.add_mutually_exclusive_group()
    design.add_argument("--repeats-of-one-stimulus", action="store_true",
                        help="another tool's file: every trial (segment) repeats one frozen"
                             " stimulus (direct method, per neuron over its trials)")
    design.add_argument("--condition-annotation", metavar="KEY", default=None,
                        help="another tool's file: the segment annotation (an NWB trials"
                             " column) that names each trial's stimulus (per neuron)")
    design.add_argument("--condition-per-segment", action="store_true",
                        help="another tool's file: each segment is one stimulus and its"
                             " trains are repeats of it")
    p.add_argument("--json")
    p.add_argument("--figures", help="folder for the extrapolation figure (direct method)")
    p.add_argument("--force", action="store_true")

    for add_commands in EXTENSIONS:
        add_commands(sub)
    for name, command in sub.choices.items():
        if name != "run":  # after the command's own options, deferred ones included
            command.defer(_add_verbosity_once)
    return parser


def _add_verbosity_once(command) -> None:
    if not any(a.dest == "quiet" for a in command._actions):
        add_verbosity(command)


def main(argv=None) -> int:
    """Entry point of the ``hhlif`` console script.

    Exit status: 0 done, 2 bad input (one line on stderr), 1 a run that did not complete,
    130 interrupted by Ctrl-C (nothing written or cached).
    """
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:  # argparse: --help, --version (0) or a usage error (2)
            return int(stop.code or 0)
        set_verbosity(args)
        command = getattr(args, "func", None) or COMMANDS[args.command]
        return int(command(args) or 0)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:
        message = str(exc) or "interrupted; nothing was written or cached"
        print(f"hhlif: {message}", file=sys.stderr)
        return 130
    except IncompleteRunError as exc:
        print(f"hhlif: error: {exc}", file=sys.stderr)
        return 1
    except _USER_ERRORS as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"hhlif: error: {message}", file=sys.stderr)
        return 2


# ----------------------------------------------------------------------------- commands
def _cmd_list(args) -> int:
    from hhlif import models

    from hhlif.protocols.backends import available_backends
    from hhlif.protocols.experiments.library import available_protocols

    print("models:")
    for name, desc in models.describe_all().items():
        print(f"  {name:<14} {desc}")
    print("protocols:")
    for name, desc in available_protocols().items():
        print(f"  {name:<14} {desc}")
    print("backends:")
    for name, desc in available_backends().items():
        print(f"  {name:<14} {desc}")
    return 0


def _cmd_info(args) -> int:
    from hhlif.analysis.reports import describe_file

    print(describe_file(args.file))  # safe readers only; one-line errors
    return 0


def _quantity_arg(text: str, name: str):
    """'2*ms' → quantities.Quantity in seconds (for the analysis layer; no Brian2)."""
    import quantities as pq

    from hhlif.analysis.information.recordings import parse_quantity

    try:
        return float(parse_quantity(text, name).rescale(pq.s).magnitude) * pq.s
    except ValueError:  # not a number times a unit, an unknown unit, or not a time
        raise ParameterError(f"--{name}={text!r}: expected a time such as 2*ms") from None


def _cmd_analyze(args) -> int:
    from hhlif.analysis import reports

    _, table = reports.analyze(args.file, json_path=args.json, figures_dir=args.figures,
                               force=args.force)
    print(table)
    return 0


def _cmd_compare(args) -> int:
    from hhlif.analysis import reports

    delta = _quantity_arg(args.delta, "delta")
    kwargs = {}
    if args.json:
        kwargs.update(json_path=args.json, force=args.force)
    _, table = reports.compare_files(args.reference, args.candidate, delta=delta, **kwargs)
    print(table)
    return 0


def _cmd_mi(args) -> int:
    from hhlif.analysis.information import recordings as ir

    if args.figures:
        from hhlif.analysis.io import check_outputs

        check_outputs([Path(args.figures) / "mi_extrapolation.png"], args.force,
                      inputs=[args.file])
    from hhlif.analysis.information import DeclaredDesign

    declared = DeclaredDesign(repeats_of_one_stimulus=args.repeats_of_one_stimulus,
                              condition_annotation=args.condition_annotation,
                              condition_per_segment=args.condition_per_segment)
    result, table = ir.mi_command(args.file, method=args.method, bin_size=args.bin_size,
                                  word_length=args.word_length, json_path=args.json,
                                  force=args.force, response=args.response,
                                  population=args.population, window=args.window,
                                  declared=declared)
    print(table)
    if args.figures and hasattr(result, "by_word_length"):
        from hhlif.analysis.information import plot_extrapolation
        from hhlif.analysis.plots import save_figure

        path = save_figure(plot_extrapolation(result), Path(args.figures) / "mi_extrapolation.png",
                           force=args.force)
        wrote(args, path)
    return 0


#: The built-in sub-commands and their functions (those of :data:`EXTENSIONS` set theirs).
COMMANDS = {"list": _cmd_list, "run": run_command, "info": _cmd_info, "analyze": _cmd_analyze,
             "compare": _cmd_compare, "mi": _cmd_mi}
