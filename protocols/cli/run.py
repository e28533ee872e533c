"""``hhlif run``: build a protocol from the options, run it, print and write what it gives.

::

    hhlif run PROTOCOL [--model NAME] [--set KEY=VALUE ...] [--backend auto|runtime|cpp|cpp-simd|cuda]
                       [--seed N] [--threads N] [--record VAR ...|none]
                       [--record-neurons all|first|N|i,j,k] [--out FILE.nix|FILE.nwb]
                       [--force] [--figures DIR] [--json FILE]

Contents
--------
add_run_options         the options of ``hhlif run`` (and of a protocol script's command)
run_command             body of ``hhlif run``: a built-in name or a protocol script
run_protocol_from_args  run a protocol (or a comparison) with those options
present                 the same from Python: run, print and write one protocol's outputs
check_run_outputs       ``--out``, ``--json`` and ``--figures`` checked before any run
apply_record_options    ``--record`` and ``--record-neurons`` applied to a protocol
write_recording         ``--out``: NIX or NWB by the suffix, with progress for a large one
PRESENTATIONS           the one table of what ``hhlif run`` does with each kind of
                        protocol: which computation, what it prints and writes

The computations are the experiments' (:meth:`FiCurve.measure`,
:meth:`WaveformComparison.run`, :meth:`SeedXorComparison.run`, or a plain run); they
return result objects and print nothing.  What is printed and written is here: tables of
more than :data:`~hhlif.protocols.cli.tables.MAX_ROWS` rows are cut to their first and
last rows on the terminal (the full table is in ``--json``); ``-q`` leaves only the
results and errors (no ``wrote ...``, no progress).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.protocols.cli.console import Parser, add_verbosity, note, set_verbosity, wrote
from hhlif.protocols.cli.tables import MAX_ROWS, cell, condition_table, summary_table

# Brian2, Neo, NWB and the analysis layer (write_text, write_nix, write_nwb) are imported by
# the functions that run and write: this module is on the path of every ``hhlif`` command's
# start.

__all__ = ["add_run_options", "run_command", "run_protocol_from_args", "check_run_outputs",
           "present", "PRESENTATIONS", "Presentation", "presentation_of", "OUTPUT_SUFFIXES",
           "apply_record_options", "parse_record_neurons", "write_recording",
           "LARGE_RECORDING"]

#: File types ``--out`` can write: the suffix names the format.
OUTPUT_SUFFIXES = {".nix": "NIX", ".nwb": "NWB"}

#: A recording this large (any one of: model neurons, spikes, recorded samples) gets a
#: progress line before it is written and the time the write took after.
LARGE_RECORDING = {"neurons": 1000, "spikes": 100_000, "samples": 10_000_000}


def _backend_help() -> str:
    from hhlif.protocols.backends import available_backends
    from hhlif.protocols.backends.registry import AUTO_DESCRIPTION

    names = ", ".join(available_backends())
    return f"one of {names} (default auto: {AUTO_DESCRIPTION}; the choice is printed)"


def add_run_options(p: argparse.ArgumentParser, with_model: bool = True) -> None:
    """The options of ``hhlif run``; without ``with_model`` those a protocol script's own
    command takes (the script fixes the model, the settings and the seed)."""
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
    p.add_argument("--record", action="append", default=None, metavar="VAR",
                   help="state variable to record (repeatable, or v,m,h), e.g. v, m, I_input;"
                        " 'none': spikes only (default: the protocol's, e.g. v and I_input)")
    p.add_argument("--record-neurons", dest="record_neurons", default=None,
                   metavar="all|first|N|i,j,k",
                   help="whose state variables are recorded: all, first (the first neuron"
                        " of each condition, at most 10, spread over the conditions), the"
                        " first N, or these indices; spikes are recorded for every neuron"
                        " (default: the protocol's)")
    p.add_argument("--out", help="write the recording to this file: NIX (.nix) or NWB (.nwb)")
    p.add_argument("--force", action="store_true", help="overwrite existing output")
    p.add_argument("--figures", help="write PNG figures (run_*.png) to this folder")
    p.add_argument("--json", help="write the summary table as JSON")
    p.add_argument("--no-size-limit", dest="size_limit", action="store_false",
                   help="run even when the estimated memory or time exceeds this machine's"
                        " limits")
    add_verbosity(p)


# ----------------------------------------------------------------------------- hhlif run
def parse_settings(settings) -> dict:
    from hhlif.models.parsing import parse_assignment

    values = {}
    for item in settings:
        key, value = parse_assignment(item)
        values[key] = value
    return values


def run_command(args) -> int:
    """Body of ``hhlif run``: build the protocol (a built-in or a script) and run it."""
    from hhlif.protocols.experiments.library import get_protocol
    from hhlif.protocols.experiments.scripts import load_protocol_script
    from hhlif.protocols.protocol import Protocol

    values = parse_settings(args.settings)
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
    """Run ``protocol`` (a Protocol or a comparison of models) with the options of
    ``hhlif run``: ``args`` already parsed, or ``argv`` parsed here (a script's command).

    Returns
    -------
    int
        The exit status (0).
    """
    from hhlif.protocols.backends import get_backend

    if args is None:
        parser = Parser(prog=Path(sys.argv[0]).name, description="run this protocol script")
        add_run_options(parser, with_model=False)
        args = parser.parse_args(argv)
        set_verbosity(args)
    if args.threads is not None and args.threads < 1:
        raise ParameterError(f"--threads={args.threads}: expected an integer >= 1")
    protocol = apply_record_options(protocol, args)
    presentation = presentation_of(protocol)
    check_run_outputs(protocol, args, presentation)  # every output before a long run
    if args.backend == "auto":
        from hhlif.protocols.backends.registry import auto_choice

        backend, reason = auto_choice()
        note(f"backend auto -> {backend.name} ({reason})")
    else:
        backend = get_backend(args.backend)
    _note_recorded(protocol)
    if args.threads is not None and not backend.uses_threads:
        note(f"warning: --threads={args.threads} applies to the C++ backends (cpp,"
             f" cpp-simd); ignored on {backend.name!r}")
    return presentation.present(protocol, backend.name, args)


def present(protocol, backend: str = "auto", threads: int | None = None, out=None,
            force: bool = False, figures=None, json_path=None, size_limit: bool = True) -> int:
    """Run ``protocol`` and print and write what ``hhlif run`` does for its kind
    (:data:`PRESENTATIONS`), from Python.

    Parameters
    ----------
    protocol : Protocol or comparison
        A Protocol, an ``fi-curve`` (:class:`FiCurve`) or a comparison of models
        (``waveforms``, ``seed-xor``).
    backend : str
        Backend name (``auto`` resolved by :func:`hhlif.protocols.backends.get_backend`).
    threads : int, optional
    out, json_path : path, optional
        The NIX recording and the JSON of the table.
    force : bool
        Overwrite existing outputs.
    figures : path, optional
        Folder of the figures.
    size_limit : bool
        Refuse runs beyond this machine's memory or time limits (plain Protocols).

    Returns
    -------
    int
        The exit status (0).
    """
    from hhlif.protocols.backends import get_backend

    args = argparse.Namespace(backend=backend, threads=threads, out=out, force=force,
                              figures=figures, json=json_path, size_limit=size_limit,
                              quiet=False)
    presentation = presentation_of(protocol)
    check_run_outputs(protocol, args, presentation)  # every output before a long run
    return presentation.present(protocol, get_backend(backend).name, args)


# ----------------------------------------------------------------------------- recording
def parse_record_neurons(text: str):
    """``--record-neurons``: ``all``, ``first``, ``none``, a count ``N`` or indices
    ``i,j,k``, as :attr:`Protocol.record_neurons` takes them.

    Raises
    ------
    ParameterError
        Any other text (one line naming the option, the value and the forms).

    Examples
    --------
    >>> parse_record_neurons("all"), parse_record_neurons("3"), parse_record_neurons("0,5")
    ('all', 3, [0, 5])
    """
    word = text.strip().lower()
    if word in ("all", "first"):
        return word
    if word in ("none", ""):
        return []
    try:
        if "," in word:
            values = [int(v) for v in word.split(",") if v.strip()]
        else:
            values = int(word)
    except ValueError:
        values = None
    if values is None or min(values if isinstance(values, list) else [values], default=0) < 0:
        raise ParameterError(f"--record-neurons={text!r}: expected all, first, none, a count"
                             f" N >= 0 or neuron indices i,j,k (integers >= 0)")
    return values


def _parse_record(items) -> tuple:
    """``--record`` values (repeated or comma-separated) as a tuple; ``none`` = ()."""
    names = [n.strip() for item in items for n in item.split(",") if n.strip()]
    if any(n.lower() == "none" for n in names):
        if len(names) > 1:
            raise ParameterError(f"--record={','.join(names)!r}: 'none' (spikes only) cannot"
                                 f" be combined with variables")
        return ()
    if not names:
        raise ParameterError("--record='': expected a state variable (v, m, I_input, ...)"
                             " or none")
    for n in names:
        if not n.isidentifier():
            raise ParameterError(f"--record={n!r}: expected the name of a state variable"
                                 f" (v, m, I_input, ...) or none")
    return tuple(dict.fromkeys(names))


def apply_record_options(protocol, args):
    """``protocol`` with ``--record`` and ``--record-neurons`` applied (unchanged without
    them).

    Raises
    ------
    ParameterError
        A bad value, indices beyond the protocol's neurons, or a comparison of models
        (``waveforms``, ``seed-xor``: they record what they compare).
    """
    from hhlif.protocols.protocol import Protocol

    record = getattr(args, "record", None)
    neurons = getattr(args, "record_neurons", None)
    if record is None and neurons is None:
        return protocol
    changes = {}
    if record is not None:
        changes["record"] = _parse_record(record)
    if neurons is not None:
        changes["record_neurons"] = parse_record_neurons(neurons)
    if not isinstance(protocol, Protocol):
        option = "--record" if record is not None else "--record-neurons"
        raise ParameterError(f"{option}: protocol {getattr(protocol, 'name', '')!r} compares"
                             f" models and records what it compares; it takes no {option}")
    spec = changes.get("record_neurons")
    if isinstance(spec, list) and spec and max(spec) >= protocol.n_neurons:
        raise ParameterError(f"--record-neurons={neurons!r}: neuron {max(spec)} is beyond the"
                             f" {protocol.n_neurons} neurons of this protocol (indices 0 to"
                             f" {protocol.n_neurons - 1})")
    return protocol.replace(**changes)


def _note_recorded(protocol) -> None:
    """Say so when ``record_neurons='first'`` leaves conditions without traces."""
    from hhlif.protocols.protocol import RECORD_FIRST_MAX, Protocol

    if not isinstance(protocol, Protocol) or not protocol.record \
            or not isinstance(protocol.record_neurons, str) or protocol.record_neurons != "first":
        return
    if protocol.network is None and protocol.n_conditions > RECORD_FIRST_MAX:
        note(f"recording {', '.join(protocol.record)} of {RECORD_FIRST_MAX} of the"
             f" {protocol.n_conditions} conditions (their first neuron, spread over the"
             f" conditions) and the spikes of all {protocol.n_neurons} neurons;"
             f" --record-neurons all|N|i,j,k for more, --record none for spikes only")


def _recording_size(recording) -> dict:
    pops = recording.populations.values()
    return {"neurons": sum(int(p.n_neurons) for p in pops),
            "spikes": sum(int(len(p.spike_times)) for p in pops),
            "samples": sum(int(s.values.size) for p in pops for s in p.signals.values())}


def write_recording(recording, args):
    """Write ``recording`` to ``args.out`` (NIX or NWB by the suffix, :data:`OUTPUT_SUFFIXES`)
    and say ``wrote PATH`` (a large recording, :data:`LARGE_RECORDING`: a progress line on
    stderr first and the time after; all silenced by -q).

    Returns
    -------
    Path
    """
    import time

    path = Path(args.out)
    size = _recording_size(recording)
    large = any(size[k] >= LARGE_RECORDING[k] for k in LARGE_RECORDING)
    if large:
        samples = f", {size['samples']} samples" if size["samples"] else ""
        note(f"writing {path} ({size['neurons']} neurons, {size['spikes']} spikes{samples})"
             f" ...")
    start = time.perf_counter()
    if path.suffix.lower() == ".nwb":
        from hhlif.protocols.recordings.nwb import write_nwb

        written = write_nwb(recording, path, force=args.force)
    else:
        from hhlif.protocols.recordings.neo import write_nix

        written = write_nix(recording, path, force=args.force)
    written = Path(written) if written is not None else path
    seconds = time.perf_counter() - start
    wrote(args, f"{written} ({seconds:.1f} s)" if large else written)
    return written


def check_run_outputs(protocol, args, presentation: "Presentation | None" = None) -> None:
    """Check ``--out``, ``--json`` and ``--figures`` (folder and file names) before running.

    Raises
    ------
    ParameterError
        ``--out`` is not a ``.nix`` or ``.nwb`` path.
    NotADirectoryError
        ``--figures`` is a file.
    OutputExistsError
        An output exists and ``--force`` was not given.
    """
    from hhlif.analysis.io import check_folder, check_outputs

    presentation = presentation or presentation_of(protocol)
    if args.out and Path(args.out).suffix.lower() not in OUTPUT_SUFFIXES:
        expected = " or ".join(f"{k} ({v})" for k, v in OUTPUT_SUFFIXES.items())
        raise ParameterError(f"--out={args.out!r}: expected a path ending in {expected}")
    outputs = [args.out, args.json]
    if args.figures:
        folder = Path(args.figures)
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(f"--figures={args.figures!r} is a file; expected a folder")
        check_folder(folder, what=f"--figures={args.figures!r}")
        outputs += [folder / name for name in presentation.figure_names(protocol)]
    check_outputs(outputs, force=args.force)


def _check_own_outputs(args, extra=()) -> None:
    """The outputs a comparison checks itself once the backend is known (as it always
    did): ``--out``, ``--json``, ``extra`` files, and the ``--figures`` folder."""
    from hhlif.analysis.io import check_folder, check_outputs

    check_outputs([args.out, args.json, *extra], force=args.force)
    if args.figures:
        check_folder(args.figures)


# ----------------------------------------------------------------------------- presentations
def _present_recording(protocol, backend: str, args) -> int:
    """A plain Protocol: run, print the summary and the condition table, write NIX, JSON
    (the table) and ``run_*.png``."""
    from hhlif.analysis.io import write_text

    from hhlif.protocols.simulation.running import run

    recording = run(protocol, backend=backend, threads=args.threads,
                    size_limit=args.size_limit)
    print(recording.summary())
    table = condition_table(recording)
    print(summary_table(table, args.json))
    if args.out:
        write_recording(recording, args)
    if args.json:
        write_text(args.json, json.dumps(table, indent=2), force=args.force)
        wrote(args, args.json)
    if args.figures:
        from hhlif.protocols.cli.figures import recording_figures

        for path in recording_figures(recording, args.figures, force=args.force):
            wrote(args, path)
    return 0


def _recording_figure_names(protocol) -> list[str]:
    from hhlif.protocols.cli.figures import figure_names

    return figure_names(protocol.name, "v" in tuple(getattr(protocol, "record", ())))


def _present_fi_curve(protocol, backend: str, args) -> int:
    """``fi-curve``: the steady-state f–I table, the rheobase, NIX, JSON and
    ``run_fi_curve.png``."""
    from hhlif.analysis.io import write_text
    from hhlif.analysis.plots import save_figure

    from hhlif.protocols.experiments.library import FI_RESPONSES

    figure = Path(args.figures) / "run_fi_curve.png" if args.figures else None
    _check_own_outputs(args, [figure])
    result = protocol.measure(backend=backend, threads=args.threads)
    start, stop = result.steady_window
    print(result.recording.summary())
    print(f"steady-state rate: spikes in [{start:g}, {stop:g}] ms; 'onset only' = spikes"
          f" in the first half only (not sustained firing)")
    print(summary_table([{k: cell(v) for k, v in r.items()} for r in result.rows], args.json))
    if len(result.rows) > MAX_ROWS:
        counts = {k: sum(r["response"] == k for r in result.rows) for k in FI_RESPONSES}
        print(f"{len(result.rows)} currents: "
              + ", ".join(f"{n} {k}" for k, n in counts.items()))
    print(result.rheobase)
    if args.out:
        write_recording(result.recording, args)
    if args.json:
        write_text(args.json, json.dumps(result.to_dict(), indent=2), force=args.force)
        wrote(args, args.json)
    if figure:
        wrote(args, save_figure(result.figure(), figure, force=args.force))
    return 0


def _present_waveforms(comparison, backend: str, args) -> int:
    """``waveforms``: the script's figures of merit next to the script's numbers, hhlif's
    per-neuron statistics, NIX, JSON and ``waveforms_<model>.png``."""
    from hhlif.analysis.io import write_text
    from hhlif.analysis.plots import save_figure

    from hhlif.protocols.experiments.waveforms import waveform_figures

    _check_own_outputs(args)
    result = comparison.run(backend=backend, threads=args.threads)
    recording = result.recording
    print(f"preset {result.preset}: {result.preset_text}")
    for r in result.runs:
        print(f"{r['model']}: {r['method']}, dt {r['dt']}, {r['spikes']} spikes"
              + (f", {r['wall_s']:.2f} s" if r["wall_s"] is not None else ""))
    print(f"\nThe script's figures of merit, HH neuron 2 vs circuit 2 ({result.candidates[0]});"
          f" F1 = mean ISI of the circuit minus HH's, in index units of 0.001 ms"
          f" (F1 ms = F1 / 1000); F2 = mean |spike-time difference| / mean HH ISI;"
          f" both printed by the script only for equal counts:")
    print(summary_table([_seed_cells(r) for r in result.seed_rows], args.json))
    if result.agrees is not None:
        print("agrees with the script on every waveform (counts, HH spikes within"
              " 0.02 ms, circuit spikes on the same 1 ms step, figures within 2 %):"
              f" {'yes' if result.agrees else 'NO'}")
    print("\nhhlif's statistics per chain neuron (isi_difference: mean |ΔISI|, first"
          " inter-spike interval excluded; spike_time_error over all HH intervals):")
    print(summary_table([{k: cell(v, 5) for k, v in r.items() if k != "note"}
                         for r in result.rows], args.json))
    for text in result.notes:
        print(f"note: {text}")
    if args.out:
        write_recording(recording, args)
    if args.json:
        write_text(args.json, result.to_json(), force=args.force)
        wrote(args, args.json)
    if args.figures:
        folder = Path(args.figures)
        folder.mkdir(parents=True, exist_ok=True)
        for name, fig in waveform_figures(recording, result.candidates).items():
            wrote(args, save_figure(fig, folder / name, force=args.force))
    return 0


def _seed_cells(row: dict) -> dict:
    """One row of the script's figures of merit as printed."""
    out = {"waveform": row["waveform"],
           "HH2/circuit2": f"{row['hh_spikes']}/{row['circuit_spikes']}",
           "F1 (0.001 ms)": cell(row["mean_isi_difference_index"], 5),
           "F2": cell(row["spike_time_error"], 5), "gamma": cell(row["gamma"], 5)}
    if "script_hh_spikes" in row:
        out.update({"script HH2/circuit2": f"{row['script_hh_spikes']}/"
                                           f"{row['script_circuit_spikes']}",
                    "script F1": cell(row["script_F1"], 5),
                    "script F2": cell(row["script_F2"], 5),
                    "HH max |dt| (ms)": cell(row["hh_max_dt_ms"], 5),
                    "circuit steps": "same" if row["circuit_same_steps"] else "differ",
                    "agrees": "yes" if row["agrees"] else "NO"})
    return out


def _present_seed_xor(comparison, backend: str, args) -> int:
    """``seed-xor``: the spike times of every model side by side, NIX, JSON and
    ``seed_xor.png``."""
    from hhlif.analysis.io import write_text
    from hhlif.analysis.plots import save_figure

    from hhlif.protocols.experiments.networks import xor_figure

    _check_own_outputs(args)
    result = comparison.run(backend=backend, threads=args.threads)
    print(result.description)
    shown = []
    for r in result.rows:
        shown.append({"case": r["case"], "neuron": r["neuron"], "model": r["model"],
                      "spikes": r["spikes"],
                      "spike times (ms)": ", ".join(f"{t:.3f}" for t in r["times_ms"]) or "-",
                      "max |V - V_hh| (mV)": cell(r["max_dv_mV"])})
    print(summary_table(shown, args.json))
    if args.out:
        write_recording(result.recording, args)
    if args.json:
        write_text(args.json, json.dumps(result.to_dict(), indent=2), force=args.force)
        wrote(args, args.json)
    if args.figures:
        folder = Path(args.figures)
        folder.mkdir(parents=True, exist_ok=True)
        path = save_figure(xor_figure(result.recording, result.models), folder / "seed_xor.png",
                           force=args.force)
        wrote(args, path)
    return 0


@dataclass(frozen=True)
class Presentation:
    """What ``hhlif run`` does with one kind of protocol.

    Attributes
    ----------
    kind : str
        A name for the kind (``recording``, ``fi-curve``, ``waveforms``, ``seed-xor``).
    types : callable
        ``() -> tuple of classes``: the classes of this kind (imported when asked).
    present : callable
        ``(protocol, backend name, args) -> exit status``: run, print, write.
    figure_names : callable
        ``protocol -> list of file names`` that ``--figures`` will hold, checked before
        the run (kinds that check their own outputs give none).
    """

    kind: str
    types: Callable[[], tuple]
    present: Callable[..., int]
    figure_names: Callable[..., list] = lambda protocol: []


def _fi_curve_types():
    from hhlif.protocols.experiments.library import FiCurve

    return (FiCurve,)


def _waveform_types():
    from hhlif.protocols.experiments.waveforms import WaveformComparison

    return (WaveformComparison,)


def _seed_xor_types():
    from hhlif.protocols.experiments.networks import SeedXorComparison

    return (SeedXorComparison,)


def _protocol_types():
    from hhlif.protocols.protocol import Protocol

    return (Protocol,)


#: Every kind of protocol ``hhlif run`` knows, most specific first (FiCurve is a Protocol).
PRESENTATIONS = (
    Presentation("fi-curve", _fi_curve_types, _present_fi_curve),
    Presentation("waveforms", _waveform_types, _present_waveforms),
    Presentation("seed-xor", _seed_xor_types, _present_seed_xor),
    Presentation("recording", _protocol_types, _present_recording, _recording_figure_names),
)


def presentation_of(protocol) -> Presentation:
    """The first :data:`PRESENTATIONS` entry whose classes ``protocol`` is an instance of.

    Raises
    ------
    TypeError
        ``protocol`` is of no known kind.
    """
    for presentation in PRESENTATIONS:
        if isinstance(protocol, presentation.types()):
            return presentation
    kinds = ", ".join(p.kind for p in PRESENTATIONS)
    raise TypeError(f"protocol of type {type(protocol).__name__}: hhlif run knows {kinds}"
                    f" (a Protocol or a built-in comparison)")
