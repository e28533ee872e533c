"""The ``hhlif`` command line.

::

    hhlif list
    hhlif run PROTOCOL [--model NAME] [--set KEY=VALUE ...] [--backend auto|runtime|cpp|cuda]
                       [--seed N] [--threads N] [--out FILE.nix] [--force] [--figures DIR]
    hhlif info FILE
    hhlif analyze FILE [--json OUT] [--figures DIR] [--force]
    hhlif compare REFERENCE_FILE CANDIDATE_FILE [--delta 2*ms]
    hhlif mi FILE [--method pt] [--bin 2*ms] [--word 8] [--json OUT] [--force]

Bad input gets one line naming the parameter, the value and what was expected, and exit
status 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

from hhlif.models.errors import (BackendUnavailableError, DivergenceError,
                                 IncompleteRunError, ParameterError, UnknownNameError)

__all__ = ["main", "run_protocol_from_args", "build_parser"]

_USER_ERRORS = (ValueError, TypeError, FileExistsError, FileNotFoundError, PermissionError,
                IsADirectoryError, NotADirectoryError, DivergenceError, BackendUnavailableError,
                KeyError)

#: Extra sub-commands contributed by optional modules: (module, function that adds them).
_EXTENSIONS = (("hhlif.protocols.experiments.study", "add_commands"),
               ("hhlif.protocols.cli.equivalence", "add_commands"),
               ("hhlif.protocols.cli.cache", "add_commands"))

#: File types ``--out`` can write.
OUTPUT_SUFFIXES = (".nix",)


class _Parser(argparse.ArgumentParser):
    """argparse with errors on one line (``hhlif: error: ...``), exit status 2."""

    def error(self, message):
        command = self.prog if self.prog.startswith("hhlif") else "hhlif"
        self.exit(2, f"hhlif: error: {message} (see {command} --help)\n")


def _backend_help() -> str:
    from hhlif.protocols.backends import available_backends

    names = ", ".join(available_backends())
    return f"one of {names} (default auto: cpp if a C++ compiler works, else runtime)"


def _add_run_options(p: argparse.ArgumentParser, with_model: bool = True) -> None:
    if with_model:
        p.add_argument("--model", help="model name (see `hhlif list`)")
        p.add_argument("--set", dest="settings", action="append", default=[],
                       metavar="KEY=VALUE",
                       help="protocol parameter with Brian2 units, e.g. amplitude=10*uA/cm**2")
        p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
        p.add_argument("--dt", help="integration time step, e.g. 0.005*ms (default: the model's)")
        p.add_argument("--method", help="integration method: rush_larsen2, rk4, exponential_euler,"
                                        " euler, ... (default: the model's)")
    p.add_argument("--backend", default="auto", help=_backend_help())
    p.add_argument("--threads", type=int, default=None,
                   help="OpenMP threads (C++ backends cpp and cpp-simd)")
    p.add_argument("--out", help="write the recording to this NIX file (.nix)")
    p.add_argument("--force", action="store_true", help="overwrite existing output")
    p.add_argument("--figures", help="write PNG figures (run_*.png) to this folder")
    p.add_argument("--json", help="write the summary table as JSON")
    p.add_argument("--no-size-limit", dest="size_limit", action="store_false",
                   help="run even when the estimated memory or time exceeds this machine's"
                        " limits")
    _add_verbosity(p)


def _add_verbosity(p: argparse.ArgumentParser, top: bool = False) -> None:
    """-q/--quiet and -v/--verbose, accepted before or after the sub-command."""
    default = False if top else argparse.SUPPRESS
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="print only results and errors")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="also print Brian2's log messages and timings")


def build_parser() -> argparse.ArgumentParser:
    from hhlif.protocols._version import __version__

    parser = _Parser(prog="hhlif", description=(
        "Hodgkin-Huxley and LIF models in Brian2: run protocols, export Neo/NIX, analyse."))
    parser.add_argument("--version", action="version", version=f"hhlif {__version__}")
    _add_verbosity(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list models, protocols and backends")

    p = sub.add_parser("run", help="run a built-in protocol or a protocol script")
    p.add_argument("protocol", help="built-in name or path of a protocol script (.py)")
    _add_run_options(p)

    p = sub.add_parser("info", help="what a NIX file holds")
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
    p.add_argument("--json")
    p.add_argument("--figures", help="folder for the extrapolation figure (direct method)")
    p.add_argument("--force", action="store_true")

    for module, func in _EXTENSIONS:
        if importlib.util.find_spec(module) is not None:
            getattr(importlib.import_module(module), func)(sub)
    for name, command in sub.choices.items():
        if name != "run" and not any(a.dest == "quiet" for a in command._actions):
            _add_verbosity(command)
    return parser


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
        _set_verbosity(args)
        return int(args.func(args) if hasattr(args, "func") else _COMMANDS[args.command](args) or 0)
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


def _set_verbosity(args) -> None:
    import warnings

    from hhlif.protocols.simulation import running

    quiet = bool(getattr(args, "quiet", False))
    running.VERBOSE["messages"] = not quiet

    def show(message, category, filename, lineno, file=None, line=None):
        # one line per warning, as the errors are (not Brian2's two-line log format)
        if not quiet:
            print(f"hhlif: warning: {message}", file=sys.stderr)

    warnings.showwarning = show
    if getattr(args, "verbose", False):
        from brian2 import BrianLogger

        BrianLogger.log_level_info()


def _note(args, text: str) -> None:
    """A progress or choice message on stderr (silenced by -q)."""
    if not getattr(args, "quiet", False):
        print(f"hhlif: {text}", file=sys.stderr, flush=True)


def _wrote(args, path) -> None:
    if not getattr(args, "quiet", False):
        print(f"wrote {path}")


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


def _parse_settings(settings) -> dict:
    from hhlif.models.parsing import parse_assignment

    values = {}
    for item in settings:
        key, value = parse_assignment(item)
        values[key] = value
    return values


def _cmd_run(args) -> int:
    from hhlif.protocols.experiments.library import get_protocol
    from hhlif.protocols.experiments.scripts import load_protocol_script

    values = _parse_settings(args.settings)
    seed = 0 if args.seed is None else args.seed
    if args.seed is not None and args.seed < 0:
        raise ParameterError(f"--seed={args.seed}: expected an integer >= 0")
    if args.protocol.endswith(".py") or Path(args.protocol).is_file():
        protocol = load_protocol_script(args.protocol)
        changes = {}
        if args.model:
            changes["model"] = args.model
        if args.seed is not None:
            changes["seed"] = seed
        if values:
            changes["settings"] = dict(protocol.settings, **values)
            stim_values = {k: v for k, v in values.items() if k in protocol.stimulus.parameters}
            other = sorted(set(values) - set(stim_values))
            if other:
                raise UnknownNameError(f"parameter {other[0]!r}: a protocol script accepts --set"
                                       f" only for stimulus parameters"
                                       f" ({', '.join(protocol.stimulus.parameters)})")
            changes["stimulus"] = protocol.stimulus.with_values(**stim_values)
        if changes:
            protocol = protocol.replace(**changes)
    else:
        protocol = get_protocol(args.protocol).make(model=args.model, seed=seed, **values)
    from hhlif.protocols.protocol import Protocol

    if getattr(args, "dt", None):
        from hhlif.models.parsing import parse_value

        if not isinstance(protocol, Protocol):
            raise ParameterError(f"--dt={args.dt!r}: protocol {args.protocol!r} sets its own steps")
        protocol = protocol.replace(dt=parse_value(args.dt, "dt"))
    if getattr(args, "method", None):
        if not isinstance(protocol, Protocol):
            raise ParameterError(f"--method={args.method!r}: protocol {args.protocol!r} sets its"
                                 f" own methods")
        protocol = protocol.replace(method=_check_method(args.method))
    return run_protocol_from_args(protocol, None, args)


def _check_method(name: str) -> str:
    from brian2.stateupdaters.base import StateUpdateMethod

    known = sorted(StateUpdateMethod.stateupdaters)
    if name not in known:
        raise ParameterError(f"--method={name!r}: unknown integration method; expected one of"
                             f" {', '.join(known)}")
    return name


def run_protocol_from_args(protocol, argv=None, args=None) -> int:
    """Run a protocol (or a multi-model comparison object with ``run``) with CLI options."""
    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.simulation.running import run

    if args is None:
        parser = _Parser(prog=Path(sys.argv[0]).name, description="run this protocol script")
        _add_run_options(parser, with_model=False)
        args = parser.parse_args(argv)
        _set_verbosity(args)
    if args.threads is not None and args.threads < 1:
        raise ParameterError(f"--threads={args.threads}: expected an integer >= 1")
    check_run_outputs(protocol, args)  # every output checked before a long run, not after
    backend = get_backend(args.backend)
    if args.backend == "auto":
        _note(args, f"backend auto: chose {backend.name!r}")
    if args.threads is not None and not backend.uses_threads:
        _note(args, f"warning: --threads={args.threads} applies to the C++ backends (cpp,"
                    f" cpp-simd); ignored on {backend.name!r}")
    if hasattr(protocol, "execute"):  # comparison protocols (waveforms) do their own work
        return protocol.execute(backend=backend.name, threads=args.threads, out=args.out,
                                force=args.force, figures=args.figures, json_path=args.json)
    recording = run(protocol, backend=backend.name, threads=args.threads,
                    size_limit=args.size_limit)
    print(recording.summary())
    table = condition_table(recording)
    print(format_table(table))
    if args.out:
        _wrote(args, recording.save(args.out, force=args.force))
    if args.json:
        from hhlif.analysis.io import atomic_output

        atomic_output(args.json, lambda tmp: Path(tmp).write_text(json.dumps(table, indent=2)),
                      force=args.force)
        _wrote(args, args.json)
    if args.figures:
        from hhlif.protocols.cli.figures import recording_figures

        for path in recording_figures(recording, args.figures, force=args.force):
            _wrote(args, path)
    return 0


def check_run_outputs(protocol, args) -> None:
    """Check ``--out``, ``--json`` and ``--figures`` (folder and file names) before running."""
    from hhlif.analysis.io import check_folder, check_outputs

    if args.out and Path(args.out).suffix.lower() not in OUTPUT_SUFFIXES:
        raise ParameterError(f"--out={args.out!r}: hhlif writes NIX files; expected a path"
                             f" ending in {', '.join(OUTPUT_SUFFIXES)}")
    outputs = [args.out, args.json]
    if args.figures:
        from hhlif.protocols.cli.figures import figure_names

        folder = Path(args.figures)
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(f"--figures={args.figures!r} is a file; expected a folder")
        check_folder(folder, what=f"--figures={args.figures!r}")
        if not hasattr(protocol, "execute"):
            records_v = "v" in tuple(getattr(protocol, "record", ()))
            outputs += [folder / name for name in figure_names(protocol.name, records_v)]
    check_outputs(outputs, args.force)


def condition_table(recording) -> list[dict]:
    """Per condition: label, neurons, spikes and mean rate (Hz) of the main population."""
    pop = recording.main
    counts = pop.spike_counts()
    seconds = (recording.t_stop - recording.t_start) / 1000.0
    rows = []
    for c in np.unique(pop.condition):
        members = pop.condition == c
        rows.append({"condition": int(c), "label": recording.condition_labels.get(int(c), ""),
                     "neurons": int(members.sum()), "spikes": int(counts[members].sum()),
                     "rate_hz": round(float(counts[members].mean() / seconds), 4)})
    return rows


def format_table(rows: list[dict]) -> str:
    """Plain-text table of a list of dicts (same keys)."""
    if not rows:
        return "(empty)"
    keys = list(rows[0])
    cells = [[str(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _cmd_info(args) -> int:
    from hhlif.analysis import read_neo_file

    blocks = read_neo_file(args.file)  # safe readers only; one-line errors
    for block in blocks:
        ann = block.annotations
        print(f"block {block.name!r}: {len(block.segments)} segments")
        if "hhlif_format" in ann:
            prov = json.loads(ann.get("provenance_json", "{}"))
            print(f"  written by hhlif {prov.get('hhlif_version')} (protocol {ann.get('protocol')!r},"
                  f" model {ann.get('model')!r}, backend {prov.get('backend')!r},"
                  f" dt {prov.get('protocol', {}).get('dt')}, seed {prov.get('protocol', {}).get('seed')})")
        n_trains = sum(len(s.spiketrains) for s in block.segments)
        n_spikes = sum(len(st) for s in block.segments for st in s.spiketrains)
        n_sig = sum(len(s.analogsignals) for s in block.segments)
        print(f"  {n_trains} spike trains, {n_spikes} spikes, {n_sig} analog signals")
        for seg in block.segments[:5]:
            print(f"  segment {seg.name!r}: {len(seg.spiketrains)} trains,"
                  f" {len(seg.analogsignals)} signals {sorted({a.name for a in seg.analogsignals})}")
        if len(block.segments) > 5:
            print(f"  ... {len(block.segments) - 5} more segments")
    return 0


def _quantity_arg(text: str, name: str):
    """'2*ms' → quantities.Quantity (for the analysis layer)."""
    import quantities as pq

    from hhlif.models.parsing import parse_value

    value = parse_value(text, name)
    from brian2 import Quantity, get_dimensions, second

    if not isinstance(value, Quantity) or get_dimensions(value) != get_dimensions(second):
        raise ParameterError(f"--{name}={text!r}: expected a time such as 2*ms")
    return float(value) * pq.s


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
    result, table = ir.mi_command(args.file, method=args.method, bin_size=args.bin_size,
                                  word_length=args.word_length, json_path=args.json,
                                  force=args.force, response=args.response,
                                  population=args.population, window=args.window)
    print(table)
    if args.figures and hasattr(result, "by_word_length"):
        from hhlif.analysis.information import plot_extrapolation

        from hhlif.protocols.cli.figures import save_figure

        path = save_figure(plot_extrapolation(result), Path(args.figures) / "mi_extrapolation.png",
                           force=args.force)
        _wrote(args, path)
    return 0


_COMMANDS = {"list": _cmd_list, "run": _cmd_run, "info": _cmd_info, "analyze": _cmd_analyze,
             "compare": _cmd_compare, "mi": _cmd_mi}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
