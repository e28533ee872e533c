"""``hhlif equivalence``: how many candidate neurons match a reference network.

::

    hhlif equivalence --reference hh --candidate lif --size 20 --metric mi
                      [--protocol waveform-classes|rate-classes|ei-classes] [--seeds 3] [--quick]
                      [--set KEY=VALUE ...] [--scheduler local|serial|ADDRESS] [--workers K]
                      [--backend runtime] [--json OUT] [--figures DIR] [--force]

Prints the ratio n/N with its bootstrap confidence interval over seeds and, with
``--figures``, writes ``equivalence_<metric>.png`` (metric versus n, the reference level and
the confidence bands).  Every simulation is a cached sweep point
(:mod:`hhlif.protocols.sweeps`): a second run, or a run after an interruption, reuses them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["add_commands", "equivalence_command", "write_outputs"]


def add_commands(subparsers) -> None:
    """Add the ``equivalence`` sub-command to the ``hhlif`` parser."""
    from .equivalence_runs import METRICS, PROTOCOLS

    p = subparsers.add_parser(
        "equivalence", help="neuron-count equivalence: candidate size matching a reference network",
        description="Find the smallest candidate network matching a reference network of N"
                    " neurons on a metric, with a bootstrap CI over seeds.")
    p.add_argument("--reference", default="hh", help="reference model (default hh)")
    p.add_argument("--candidate", default="lif", help="candidate model (default lif)")
    p.add_argument("--size", type=int, default=20, help="N, reference network size (default 20)")
    p.add_argument("--metric", default=None, action="append", dest="metrics",
                   help=f"{'|'.join(METRICS)} (repeatable; default mi)")
    p.add_argument("--protocol", default="waveform-classes",
                   help=f"task: {', '.join(PROTOCOLS)} (default waveform-classes)")
    p.add_argument("--seeds", type=int, default=3, help="networks per size (default 3)")
    p.add_argument("--quick", action="store_true", help="shorter trials, fewer repeats")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="task setting (JSON value), e.g. repeats=40 or noise_std_uA_cm2=8")
    p.add_argument("--scheduler", default="local",
                   help="local (embedded Dask cluster, default), serial, or a scheduler address")
    p.add_argument("--workers", type=int, default=None, help="local cluster workers (default:"
                   " CPU cores)")
    p.add_argument("--backend", default="runtime", help="simulation backend (default runtime)")
    p.add_argument("--n-max", type=int, default=None, help="largest candidate size (default 32 N)")
    p.add_argument("--resolution", type=float, default=0.1,
                   help="bisection stops at a bracket of resolution * n (default 0.1)")
    p.add_argument("--tolerance", type=float, default=0.0,
                   help="absolute tolerance in metric units (default 0)")
    p.add_argument("--cache", default=None, help="sweep cache folder (default $HHLIF_CACHE/sweeps)")
    p.add_argument("--json", help="write the result(s) as JSON")
    p.add_argument("--figures", help="write the curve figure(s) to this folder")
    p.add_argument("--force", action="store_true",
                   help="overwrite outputs and recompute cached simulations")
    p.set_defaults(func=equivalence_command)


def _parse_settings(items) -> dict:
    from hhlif.models.errors import ParameterError

    out = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(f"--set {item!r}: expected KEY=VALUE")
        key, value = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            raise ParameterError(f"--set {item!r}: the value must be JSON (a number, a list"
                                 f" such as [4, 6, 8], true/false)") from None
    return out


def equivalence_command(args) -> int:
    """Body of ``hhlif equivalence``."""
    from hhlif.models.errors import ParameterError

    from .equivalence_runs import measure_equivalences
    from .files import check_output
    from .sweeps import SweepError

    metrics = list(dict.fromkeys(args.metrics or ["mi"]))
    if args.size < 1:
        raise ParameterError(f"--size={args.size}: expected an integer >= 1")
    if args.json:
        check_output(args.json, args.force)
    try:
        results = measure_equivalences(
            args.reference, args.candidate, args.size, metrics=metrics, protocol=args.protocol,
            seeds=args.seeds, scheduler=args.scheduler, settings=_parse_settings(args.settings),
            quick=args.quick, backend=args.backend, cache=args.cache, force=args.force,
            n_max=args.n_max, resolution=args.resolution, tolerance=args.tolerance,
            n_workers=args.workers)
    except SweepError as exc:
        print(f"hhlif: error: {exc}\nfinished simulations are cached: run the same command"
              " again to resume", file=sys.stderr)
        return 1
    for metric, result in results.items():
        print(f"{args.candidate} vs {args.reference} (N = {args.size}), {result}")
        print(format_points(result))
    for path in write_outputs(results, json_path=args.json, figures=args.figures,
                              force=args.force, reference=args.reference,
                              candidate=args.candidate):
        print(f"wrote {path}")
    return 0


def format_points(result) -> str:
    """Table of the evaluated sizes: n, mean metric, per-seed values, matched."""
    lines = [f"  {'n':>6}  {'mean':>8}  matched  values",
             f"  {'ref':>6}  {result.reference_level:8.4f}  {'':7}  "
             + ", ".join(f"{v:.4f}" for v in result.reference_values)]
    for p in result.points:
        lines.append(f"  {p.n:>6}  {p.mean:8.4f}  {'yes' if p.matched else 'no':7}  "
                     + ", ".join(f"{v:.4f}" for v in p.values))
    return "\n".join(lines)


def write_outputs(results: dict, json_path=None, figures=None, force: bool = False,
                  reference: str = "reference", candidate: str = "candidate") -> list[Path]:
    """Write the JSON of every result and one figure per metric; returns the paths."""
    from hhlif.analysis.equivalence import plot_equivalence

    from .equivalence_runs import METRIC_LABELS
    from .figures import save_figure
    from .files import atomic_output

    written = []
    if json_path:
        payload = {m: r.to_dict() for m, r in results.items()}
        written.append(atomic_output(
            json_path, lambda tmp: Path(tmp).write_text(json.dumps(payload, indent=1)),
            force=force))
    if figures:
        for metric, result in results.items():
            fig = plot_equivalence(result, xlabel=f"{candidate} network size n",
                                   ylabel=METRIC_LABELS.get(metric, metric),
                                   reference_label=f"{reference}")
            written.append(save_figure(fig, Path(figures) / f"equivalence_{metric}.png",
                                       force=force))
    return written
