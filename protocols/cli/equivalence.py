"""``hhlif equivalence``: how many candidate neurons match a reference network.

::

    hhlif equivalence --reference hh --candidate lif --size 20 --metric mi
                      [--protocol waveform-classes|rate-classes|ei-classes] [--seeds 3] [--quick]
                      [--set KEY=VALUE ...] [--scheduler local|serial|ADDRESS] [--workers K]
                      [--backend runtime] [--json OUT] [--figures DIR] [--force]
                      [--recompute] [--no-size-limit]

Prints the ratio n/N with its bootstrap confidence interval over seeds and, with
``--figures``, writes ``equivalence_<metric>.png`` (metric versus n, the reference level and
the confidence bands).  Every simulation is a cached sweep point
(:mod:`hhlif.protocols.experiments.sweeps`): a second run, or a run after an interruption, reuses them.

``--set KEY=VALUE`` changes a task setting
(:class:`~hhlif.protocols.experiments.equivalence.EquivalenceSettings`), the value read
with its units by :func:`hhlif.models.parsing.parse_value`: ``--set duration=200*ms``,
``--set noise_std=8*uA/cm**2``, ``--set repeats=40``, ``--set dt.hh=0.005*ms``; the
settings' JSON names of earlier versions take plain numbers in the units they state
(``--set duration_ms=200``).

``--force`` overwrites the outputs (``--json``, the figures); ``--recompute`` ignores the
sweep cache and computes every simulation again.  Everything is checked before the first
simulation: names, numbers, settings, the backend, the scheduler (an address must answer
within seconds), the outputs and the cache folder, and the worst-case size of the search
(memory and time, refused beyond the limits unless ``--no-size-limit``).  Ctrl-C keeps
the finished simulations in the cache, writes nothing else and exits with status 130.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

from hhlif.protocols.errors import checked_option

__all__ = ["add_commands", "equivalence_command", "parse_integer"]


def add_commands(subparsers) -> None:
    """Add the ``equivalence`` sub-command to the ``hhlif`` parser (its options when it is
    used: their help names the analysis layer's metrics)."""
    p = subparsers.add_parser(
        "equivalence", help="neuron-count equivalence: candidate size matching a reference network",
        description="Find the smallest candidate network matching a reference network of N"
                    " neurons on a metric, with a bootstrap CI over seeds.")
    p.defer(_add_options)
    p.set_defaults(func=equivalence_command)


def _add_options(p) -> None:
    from hhlif.analysis.task_metrics import METRICS

    from hhlif.protocols.experiments.tasks import PROTOCOLS

    p.add_argument("--reference", default="hh", help="reference model (default hh)")
    p.add_argument("--candidate", default="lif", help="candidate model (default lif)")
    p.add_argument("--size", default="20", help="N, reference network size (default 20)")
    p.add_argument("--metric", default=None, action="append", dest="metrics",
                   help=f"{'|'.join(METRICS)} (repeatable; default mi)")
    p.add_argument("--protocol", default="waveform-classes",
                   help=f"task: {', '.join(PROTOCOLS)} (default waveform-classes)")
    p.add_argument("--seeds", default="3", help="networks per size (default 3)")
    p.add_argument("--quick", action="store_true", help="shorter trials, fewer repeats")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="task setting with units, e.g. repeats=40, duration=200*ms,"
                        " noise_std=8*uA/cm**2 or dt.hh=0.005*ms (the older"
                        " noise_std_uA_cm2=8 works too)")
    p.add_argument("--scheduler", default="local",
                   help="local (embedded Dask cluster, default), serial, or a scheduler address")
    p.add_argument("--workers", default=None, help="local cluster workers (default:"
                   " CPU cores)")
    p.add_argument("--backend", default="runtime", help="simulation backend (default runtime)")
    p.add_argument("--n-max", default=None, help="largest candidate size (default 32 N)")
    p.add_argument("--resolution", default="0.1",
                   help="bisection stops at a bracket of resolution * n (default 0.1)")
    p.add_argument("--tolerance", default="0",
                   help="absolute tolerance in metric units (default 0)")
    p.add_argument("--cache", default=None, help="sweep cache folder (default $HHLIF_CACHE/sweeps)")
    p.add_argument("--json", help="write the result(s) as JSON")
    p.add_argument("--figures", help="write the curve figure(s) to this folder")
    p.add_argument("--force", action="store_true",
                   help="overwrite existing outputs (--json, figures); the cache is kept")
    p.add_argument("--recompute", action="store_true",
                   help="ignore the sweep cache: compute every simulation again")
    p.add_argument("--no-size-limit", dest="size_limit", action="store_false",
                   help="run even when the estimated memory or time of the search exceeds"
                        " the limits")


#: Largest integer an option accepts (anything larger is refused as it is parsed).
_INTEGER_LIMIT = 10**18
_INTEGER = re.compile(r"^\s*(\d{1,19})(?:\s*(\*\*|[eE])\s*\+?(\d{1,3}))?\s*$")


def parse_integer(text, option: str, minimum: int | None = None) -> int:
    """An integer option: ``20``, ``10**6``, ``1e6`` (at most 10**18; no other expressions).

    Raises
    ------
    ParameterError
        One line naming the option, the value and what was expected.
    """
    from hhlif.models.errors import ParameterError

    expected = "an integer such as 20, 10**6 or 1e6"
    if minimum is not None:
        expected += f", >= {minimum}"
    match = _INTEGER.match(str(text))
    if not match:
        raise ParameterError(f"{option}={text!r}: expected {expected}")
    base, op, exponent = match.groups()
    base = int(base)
    if op is None:
        value = base
    else:
        exponent = int(exponent)
        if op == "**" and base > 1 and exponent * math.log10(base) > 18.000001:  # never huge
            raise ParameterError(f"{option}={text!r}: expected {expected} (at most 10**18)")
        value = base**exponent if op == "**" else (base * 10**exponent if exponent <= 19
                                                     else _INTEGER_LIMIT + 1)
    if value > _INTEGER_LIMIT:
        raise ParameterError(f"{option}={text!r}: expected {expected} (at most 10**18)")
    if minimum is not None and value < minimum:
        raise ParameterError(f"{option}={text!r}: expected {expected}")
    return value


def _parse_float(text, option: str, expected: str, ok) -> float:
    from hhlif.models.errors import ParameterError

    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ParameterError(f"{option}={text!r}: expected {expected}") from None
    if not ok(value):
        raise ParameterError(f"{option}={text!r}: expected {expected}")
    return value


def _parse_settings(items) -> dict:
    """``--set KEY=VALUE`` items to overrides of the task settings, every value read by
    :func:`hhlif.models.parsing.parse_value` (``duration=200*ms``, ``repeats=40``,
    ``classes=[4, 6, 8]*uA/cm**2``; the JSON names take plain numbers: ``duration_ms=200``);
    ``dt.MODEL=STEP`` sets one model's step (``dt.hh=0.005*ms``).  The values are checked
    by :class:`~hhlif.protocols.experiments.equivalence.EquivalenceSettings`."""
    from hhlif.models.errors import ParameterError
    from hhlif.models.parsing import parse_assignment, parse_value

    out = {}
    for item in items:
        key = item.split("=", 1)[0].strip()
        if key.startswith("dt.") and "=" in item:
            out[key] = parse_value(item.split("=", 1)[1], key)
            continue
        if key in ("dt", "dt_ms") and "=" in item:
            raise ParameterError(f"--set {item!r}: the steps are set one model at a time;"
                                 " expected e.g. --set dt.lif=0.05*ms")
        key, value = parse_assignment(item)
        out[key] = value
    return out


def check_command_outputs(json_path, figures, names, force: bool) -> None:
    """``--json`` and ``--figures`` (the folder and every figure ``names`` in it), checked
    before any simulation (missing folders are created)."""
    import os

    from hhlif.models.errors import ParameterError

    from hhlif.analysis.io import check_folder, check_outputs

    figure_paths = []
    if figures is not None:
        folder = Path(figures)

        def check_figure_folder():
            if folder.exists() and not folder.is_dir():
                raise NotADirectoryError(f"{figures!r} is a file; expected a folder")
            return check_folder(folder, what=f"folder {figures!r}")

        checked_option("--figures", figures, check_figure_folder)
        figure_paths = [folder / n for n in names]
        checked_option("--figures", figures, lambda: check_outputs(figure_paths, force))
    if json_path is not None:
        if any(os.path.abspath(json_path) == os.path.abspath(f) for f in figure_paths):
            raise ParameterError(f"--json={json_path!r}: also a figure of --figures; expected"
                                 " another path")
        checked_option("--json", json_path, lambda: check_outputs([json_path], force))


def equivalence_command(args) -> int:
    """Body of ``hhlif equivalence``."""
    from hhlif import models
    from hhlif.models.errors import UnknownNameError
    from hhlif.protocols.errors import RunInterrupted

    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.experiments.equivalence import (
        METRIC_N_MIN, METRICS, PROTOCOL_N_MIN, PROTOCOLS, EquivalenceSettings, check_search_size,
        measure_equivalences, write_equivalence_outputs)
    from hhlif.analysis.io import check_folder
    from hhlif.protocols.experiments.sweeps import SweepError, check_scheduler, default_sweep_cache

    # 1. every name and number (nothing touched yet)
    metrics = list(dict.fromkeys(args.metrics or ["mi"]))
    for m in metrics:
        if m not in METRICS:
            raise UnknownNameError(f"--metric={m!r}: unknown; valid metrics are"
                                   f" {', '.join(METRICS)}")
    if args.protocol not in PROTOCOLS:
        raise UnknownNameError(f"--protocol={args.protocol!r}: unknown equivalence protocol;"
                               f" valid are {', '.join(PROTOCOLS)}")
    for option, name in (("--reference", args.reference), ("--candidate", args.candidate)):
        try:
            models.get(name)
        except UnknownNameError as exc:
            raise UnknownNameError(f"{option}={name!r}: {exc}") from None
    n_min = max([PROTOCOL_N_MIN.get(args.protocol, 1)] + [METRIC_N_MIN.get(m, 1)
                                                           for m in metrics])
    size = parse_integer(args.size, "--size", PROTOCOL_N_MIN.get(args.protocol, 1))
    seeds = parse_integer(args.seeds, "--seeds", 2)
    n_max = None if args.n_max is None else parse_integer(args.n_max, "--n-max", n_min)
    workers = None if args.workers is None else parse_integer(args.workers, "--workers", 1)
    resolution = _parse_float(args.resolution, "--resolution", "a number in (0, 1)",
                              lambda v: 0 < v < 1)
    tolerance = _parse_float(args.tolerance, "--tolerance", "a finite number >= 0",
                             lambda v: 0 <= v < float("inf"))
    get_backend(args.backend)  # "backend 'x': unknown backend; valid backends are ..."
    scheduler = args.scheduler
    check_scheduler(scheduler, connect=False, option="--scheduler")
    # unknown keys and bad values
    settings = EquivalenceSettings.coerce(_parse_settings(args.settings), quick=args.quick)
    # 2. the worst-case size of the search
    if args.size_limit:
        check_search_size(args.reference, args.candidate, size, seeds, args.protocol,
                          settings, args.quick, n_max, resolution,
                          names={"size": "--size", "n_max": "--n-max", "seeds": "--seeds",
                                 "override": "--no-size-limit"})
    # 3. outputs and the cache folder (created if missing)
    check_command_outputs(args.json, args.figures,
                          [f"equivalence_{m}.png" for m in metrics], args.force)
    cache = Path(args.cache) if args.cache else default_sweep_cache()
    checked_option("--cache", cache, lambda: check_folder(cache, what=f"folder {str(cache)!r}"))
    # 4. the scheduler answers (seconds at most)
    check_scheduler(scheduler, connect=True, option="--scheduler")
    try:
        results = measure_equivalences(
            args.reference, args.candidate, size, metrics=metrics, protocol=args.protocol,
            seeds=seeds, scheduler=scheduler, settings=settings, quick=args.quick,
            backend=args.backend, cache=cache, recompute=args.recompute, n_max=n_max,
            resolution=resolution, tolerance=tolerance, n_workers=workers,
            size_limit=args.size_limit, progress=not getattr(args, "quiet", False))
    except SweepError as exc:
        print(f"hhlif: error: {exc}\nfinished simulations are cached: run the same command"
              " again to resume", file=sys.stderr)
        return 1
    except RunInterrupted:
        raise
    except KeyboardInterrupt as exc:  # between simulations: nothing half-done was cached
        raise RunInterrupted("interrupted: the finished simulations are cached; nothing else"
                             " was written; run the same command again to resume") from exc
    for metric, result in results.items():
        print(f"{args.candidate} vs {args.reference} (N = {size}), {result}")
        print(format_points(result))
    for path in write_equivalence_outputs(results, json_path=args.json, figures=args.figures,
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
