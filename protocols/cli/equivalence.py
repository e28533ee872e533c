"""``hhlif equivalence``: how many candidate neurons match a reference network.

::

    hhlif equivalence --reference hh --candidate lif --size 20 --metric mi
                      [--candidate-params FIT.json] [--candidate-set KEY=VALUE ...]
                      [--operating-point equal-current|rheobase|rate] [--search auto|pool|bisect]
                      [--protocol TASK] [--seeds 10]
                      [--quick] [--set KEY=VALUE ...] [--scheduler local|serial|ADDRESS]
                      [--workers K] [--backend auto] [--bootstrap B] [--json OUT]
                      [--figures DIR] [--force] [--recompute] [--no-size-limit]

Two searches:

* ``pool`` (the default wherever it applies: ``waveform-classes``, ``rate-classes`` and
  the class-stimulus tasks of :mod:`hhlif.protocols.experiments.class_tasks`
  (``rebound-classes``, ``resonance-classes``, ``onset-classes``, ``precision``) with
  independent neurons, metrics of :data:`hhlif.analysis.pool_metrics.POOL_METRICS`):
  one compiled simulation per model holds every size and seed
  (:mod:`hhlif.protocols.experiments.pools`); a saturating curve is fitted to each model's
  metric(n) and n/N is read where they cross, with a paired hierarchical bootstrap CI over
  seeds and trials.  ``--size 5,10,20,40`` gives the ratio at each N and its drift with N.
  ``--candidate-params`` takes a calibration written by ``hhlif fit`` (its parameters and
  report go into the result); ``--candidate-set g_L=1*mS/cm**2`` overrides a parameter.
* ``bisect``: the size search of :mod:`hhlif.protocols.experiments.equivalence` (one
  simulation per size and seed, bisection on n): the ``stats`` and ``reliability``
  metrics and the coupled ``ei-classes`` network need it.

Prints the ratio n/N with its confidence interval and, with ``--figures``, writes
``equivalence_<metric>.png``.  Every simulation is a cached sweep point
(:mod:`hhlif.protocols.experiments.sweeps`): a second run, or a run after an interruption,
reuses them.

``--set KEY=VALUE`` changes a task setting
(:class:`~hhlif.protocols.experiments.equivalence.EquivalenceSettings`, or a field of a
class-stimulus task such as ``--set depth=-4*uA/cm**2`` for ``rebound-classes``), the value read
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

__all__ = ["add_commands", "equivalence_command", "parse_integer", "parse_settings"]


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
    from hhlif.analysis.pool_metrics import POOL_METRICS
    from hhlif.analysis.task_metrics import METRICS

    from hhlif.protocols.experiments.tasks import CLASS_TASK_NAMES, PROTOCOLS

    tasks = list(PROTOCOLS) + list(CLASS_TASK_NAMES)

    p.add_argument("--reference", default="hh", help="reference model (default hh)")
    p.add_argument("--candidate", default=None, help="candidate model (default lif, or the"
                   " model of --candidate-params)")
    p.add_argument("--candidate-params", default=None, metavar="FIT.json",
                   help="candidate parameters and calibration report written by hhlif fit")
    p.add_argument("--candidate-set", dest="candidate_set", action="append", default=[],
                   metavar="KEY=VALUE", help="candidate parameter with units, e.g."
                   " g_L=1.2*mS/cm**2 (repeatable; after --candidate-params)")
    p.add_argument("--size", default="20", help="N, reference network size (default 20);"
                   " pooled search: a list such as 5,10,20,40 gives the ratio at each N")
    p.add_argument("--metric", default=None, action="append", dest="metrics",
                   help=f"pooled search: {'|'.join(POOL_METRICS)}; size search:"
                        f" {'|'.join(METRICS)} (repeatable; default mi)")
    p.add_argument("--search", default="auto", choices=("auto", "pool", "bisect"),
                   help="pool (one simulation per model, every size read from it, fitted"
                        " curves) or bisect (one simulation per size); auto: pool where it"
                        " applies")
    p.add_argument("--operating-point", dest="operating_point", default="equal-current",
                   help="pooled search: equal-current (default), rheobase (the task's"
                        " currents in units of each model's rheobase) or rate (the"
                        " candidate's currents scaled to the reference's rate)")
    p.add_argument("--bootstrap", default=None,
                   help="bootstrap replicates of the CI (default 2000)")
    p.add_argument("--protocol", default="waveform-classes",
                   help=f"task: {', '.join(tasks)} (default waveform-classes)")
    p.add_argument("--seeds", default=None, help="stimulus sets / networks (default 10 for"
                   " the pooled search, 3 for the size search)")
    p.add_argument("--quick", action="store_true", help="shorter trials, fewer repeats")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="task setting with units, e.g. repeats=40, duration=200*ms,"
                        " noise_std=8*uA/cm**2 or dt.hh=0.005*ms (the older"
                        " noise_std_uA_cm2=8 works too)")
    p.add_argument("--scheduler", default=None,
                   help="local (embedded Dask cluster; the size search's default), serial"
                        " (the pooled search's default), or a scheduler address")
    p.add_argument("--workers", default=None, help="local cluster workers (default:"
                   " CPU cores)")
    p.add_argument("--backend", default=None, help="simulation backend (default auto for the"
                   " pooled search: cpp-simd where it builds; runtime for the size search)")
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


def parse_settings(items) -> dict:
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


def _sizes(text, minimum: int) -> list[int]:
    """``--size``: one integer, or a comma-separated list (pooled search)."""
    parts = [t for t in str(text).split(",")]
    if len(parts) > 1:
        return sorted({parse_integer(t.strip(), "--size", minimum) for t in parts})
    return [parse_integer(text, "--size", minimum)]


def _candidate(args, default: str = "lif"):
    """The candidate ModelSpec: ``--candidate``, ``--candidate-params``, ``--candidate-set``."""
    from hhlif.models.errors import ParameterError
    from hhlif.models.parsing import parse_assignment

    from hhlif.protocols.experiments.pools import ModelSpec

    name = args.candidate
    if args.candidate_params:
        from hhlif.protocols.experiments.calibration import load_calibration

        cal = checked_option("--candidate-params", args.candidate_params,
                             lambda: load_calibration(args.candidate_params))
        if name is not None and name != cal.candidate:
            raise ParameterError(f"--candidate={name!r}: --candidate-params="
                                 f"{args.candidate_params!r} holds a calibration of"
                                 f" {cal.candidate!r}; expected the same model (or no"
                                 " --candidate)")
        spec = ModelSpec.from_calibration(cal, source=f"fitted: {cal.target},"
                                          f" {Path(args.candidate_params).name}")
    else:
        spec = ModelSpec(name or default)
    if args.candidate_set:
        overrides = {}
        for item in args.candidate_set:
            key, value = parse_assignment(item)
            overrides[key] = value
        try:
            spec = spec.updated(overrides, "set: " + ", ".join(args.candidate_set))
        except ValueError as exc:   # ParameterError, UnknownNameError
            raise type(exc)(f"--candidate-set: {exc}") from None
    return spec


def equivalence_command(args) -> int:
    """Body of ``hhlif equivalence``."""
    from hhlif import models
    from hhlif.models.errors import ParameterError, UnknownNameError

    from hhlif.analysis.pool_metrics import POOL_METRICS
    from hhlif.protocols.experiments.equivalence import METRICS, PROTOCOLS
    from hhlif.protocols.experiments.pools import is_pool_protocol, pool_protocol_names

    # 1. every name and number (nothing touched yet)
    metrics = list(dict.fromkeys(args.metrics or ["mi"]))
    valid = list(dict.fromkeys(list(POOL_METRICS) + list(METRICS)))
    for m in metrics:
        if m not in valid:
            raise UnknownNameError(f"--metric={m!r}: unknown; valid metrics are"
                                   f" {', '.join(valid)}")
    tasks = list(dict.fromkeys(list(PROTOCOLS) + pool_protocol_names()))
    if args.protocol not in tasks:
        raise UnknownNameError(f"--protocol={args.protocol!r}: unknown equivalence protocol;"
                               f" valid are {', '.join(tasks)}")
    for option, name in (("--reference", args.reference), ("--candidate", args.candidate)):
        if name is None:
            continue
        try:
            models.get(name)
        except UnknownNameError as exc:
            raise UnknownNameError(f"{option}={name!r}: {exc}") from None
    settings_overrides = parse_settings(args.settings)
    coupled = not is_pool_protocol(args.protocol) or any(
        k in settings_overrides and float(settings_overrides[k]) != 0.0
        for k in ("coupling", "coupling_uA_cm2"))
    poolable = not coupled and all(m in POOL_METRICS for m in metrics)
    search = args.search
    if search == "auto":
        search = "pool" if poolable else "bisect"
    if search == "pool" and not poolable:
        bad = [m for m in metrics if m not in POOL_METRICS]
        why = (f"--metric={bad[0]!r} is a metric of the size search" if bad else
               f"--protocol={args.protocol!r} couples its neurons")
        raise ParameterError(f"--search=pool: {why}; expected --search bisect, or a pooled"
                             f" metric ({', '.join(POOL_METRICS)}) on"
                             f" {', '.join(pool_protocol_names())} with coupling 0")
    # the size search's own numbers, checked whichever search runs
    resolution = _parse_float(args.resolution, "--resolution", "a number in (0, 1)",
                              lambda v: 0 < v < 1)
    tolerance = _parse_float(args.tolerance, "--tolerance", "a finite number >= 0",
                             lambda v: 0 <= v < float("inf"))
    if search == "pool" and (resolution != 0.1 or tolerance != 0.0):
        option = "--resolution" if resolution != 0.1 else "--tolerance"
        raise ParameterError(f"{option}: an option of the size search (bisection); the"
                             " pooled search fits curves instead; expected --search bisect"
                             f" or no {option}")
    if search == "bisect":
        bad = [m for m in metrics if m not in METRICS]
        if bad:
            raise ParameterError(f"--metric={bad[0]!r}: a metric of the pooled search;"
                                 f" expected --search pool or one of {', '.join(METRICS)}")
        if args.operating_point != "equal-current":
            raise ParameterError(f"--operating-point={args.operating_point!r}: the size"
                                 " search runs at equal current; expected --search pool")
        return _bisect_command(args, metrics, settings_overrides)
    return _pool_command(args, metrics, settings_overrides)


def _common_outputs(args, names) -> Path:
    """--json, --figures and the cache folder, checked; returns the cache folder."""
    from hhlif.analysis.io import check_folder
    from hhlif.protocols.experiments.sweeps import default_sweep_cache

    check_command_outputs(args.json, args.figures, names, args.force)
    cache = Path(args.cache) if args.cache else default_sweep_cache()
    checked_option("--cache", cache, lambda: check_folder(cache, what=f"folder {str(cache)!r}"))
    return cache


def _searched(search):
    """``search()``, its failures said the command's way: a failed simulation prints one
    error (the finished ones are cached) and gives None; Ctrl-C between simulations
    becomes :class:`RunInterrupted` (nothing half-done was cached)."""
    from hhlif.protocols.errors import RunInterrupted

    from hhlif.protocols.experiments.sweeps import SweepError

    try:
        return search()
    except SweepError as exc:
        print(f"hhlif: error: {exc}\nfinished simulations are cached: run the same command"
              " again to resume", file=sys.stderr)
        return None
    except RunInterrupted:
        raise
    except KeyboardInterrupt as exc:
        raise RunInterrupted("interrupted: the finished simulations are cached; nothing else"
                             " was written; run the same command again to resume") from exc


def _pool_command(args, metrics, settings_overrides) -> int:
    """``hhlif equivalence`` with the pooled search."""
    from hhlif.models.errors import UnknownNameError

    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings, SizeLimitError
    from hhlif.protocols.experiments.pools import (DEFAULT_REPEATS, DEFAULT_SEEDS,
                                                   OPERATING_POINTS, ModelSpec,
                                                   measure_pooled_equivalence,
                                                   write_pooled_outputs)
    from hhlif.protocols.experiments.sweeps import check_scheduler

    if args.operating_point not in OPERATING_POINTS:
        raise UnknownNameError(f"--operating-point={args.operating_point!r}: unknown; valid are"
                               f" {', '.join(OPERATING_POINTS)}")
    sizes = _sizes(args.size, 1)
    seeds = parse_integer(args.seeds if args.seeds is not None else DEFAULT_SEEDS, "--seeds", 2)
    if seeds > 1000:
        raise SizeLimitError(f"--seeds={seeds}: expected at most 1000 stimulus sets")
    pool = None if args.n_max is None else parse_integer(args.n_max, "--n-max", max(sizes))
    n_bootstrap = parse_integer(args.bootstrap if args.bootstrap is not None else 2000,
                                "--bootstrap", 0)
    workers = None if args.workers is None else parse_integer(args.workers, "--workers", 1)
    backend = args.backend or "auto"
    get_backend(backend)
    scheduler = args.scheduler or "serial"
    check_scheduler(scheduler, connect=False, option="--scheduler")
    overrides = dict(settings_overrides)
    task = None
    from hhlif.protocols.experiments.class_tasks import (get_task, is_class_task,
                                                         task_settings_split)

    if is_class_task(args.protocol):
        own, overrides = task_settings_split(args.protocol, overrides)
        task = get_task(args.protocol, own)
        overrides = {**task.settings_record(), **overrides}
    if "repeats" not in overrides:
        overrides["repeats"] = 40 if args.quick else DEFAULT_REPEATS
    try:
        settings = EquivalenceSettings.coerce(overrides, quick=args.quick)
    except UnknownNameError as exc:
        if task is None:
            raise
        raise UnknownNameError(f"{exc}; or a {task.name} setting:"
                               f" {', '.join(task.field_names())}") from None
    reference = ModelSpec(args.reference)
    candidate = _candidate(args)
    cache = _common_outputs(args, [f"equivalence_{m}.png" for m in metrics])
    check_scheduler(scheduler, connect=True, option="--scheduler")
    result = _searched(lambda: measure_pooled_equivalence(
        reference, candidate, sizes, metrics=metrics, protocol=args.protocol, seeds=seeds,
        settings=settings, quick=args.quick, backend=backend,
        operating_point=args.operating_point, candidate_pool=pool,
        n_bootstrap=n_bootstrap, scheduler=scheduler, n_workers=workers, cache=cache,
        recompute=args.recompute, progress=not getattr(args, "quiet", False),
        size_limit=args.size_limit, size_names={"size": "--size", "n_max": "--n-max",
                                                "seeds": "--seeds",
                                                "override": "--no-size-limit"},
        task_settings=task))
    if result is None:
        return 1
    print(f"{candidate.label()} vs {reference.label()}, {args.protocol},"
          f" {args.operating_point}, {seeds} seeds x {settings.repeats} trials per class;"
          f" common random numbers: {result.provenance['common_random_numbers']}")
    if result.scales.get("candidate", 1.0) != 1.0:
        print(f"  candidate currents x {result.scales['candidate']:.4g} (rheobase"
              f" {result.scales['candidate_rheobase_uA_cm2']:.4g} vs"
              f" {result.scales['reference_rheobase_uA_cm2']:.4g} uA/cm^2)")
    for line in result.lines():
        print(line)
    for path in write_pooled_outputs(result, json_path=args.json, figures=args.figures,
                                     force=args.force):
        print(f"wrote {path}")
    return 0


def _bisect_command(args, metrics, settings_overrides) -> int:
    """``hhlif equivalence`` with the size search (one simulation per size and seed)."""
    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.experiments.equivalence import (
        METRIC_N_MIN, PROTOCOL_N_MIN, EquivalenceSettings, check_search_size,
        measure_equivalences, write_equivalence_outputs)
    from hhlif.protocols.experiments.sweeps import check_scheduler

    spec = _candidate(args)
    candidate = spec if spec.parameters else spec.name
    n_min = max([PROTOCOL_N_MIN.get(args.protocol, 1)] + [METRIC_N_MIN.get(m, 1)
                                                           for m in metrics])
    size = parse_integer(args.size, "--size", PROTOCOL_N_MIN.get(args.protocol, 1))
    seeds = parse_integer(args.seeds if args.seeds is not None else 3, "--seeds", 2)
    n_max = None if args.n_max is None else parse_integer(args.n_max, "--n-max", n_min)
    workers = None if args.workers is None else parse_integer(args.workers, "--workers", 1)
    resolution = _parse_float(args.resolution, "--resolution", "a number in (0, 1)",
                              lambda v: 0 < v < 1)
    tolerance = _parse_float(args.tolerance, "--tolerance", "a finite number >= 0",
                             lambda v: 0 <= v < float("inf"))
    n_bootstrap = parse_integer(args.bootstrap if args.bootstrap is not None else 2000,
                                "--bootstrap", 0)
    backend = args.backend or "runtime"
    get_backend(backend)  # "backend 'x': unknown backend; valid backends are ..."
    scheduler = args.scheduler or "local"
    check_scheduler(scheduler, connect=False, option="--scheduler")
    # unknown keys and bad values
    settings = EquivalenceSettings.coerce(settings_overrides, quick=args.quick)
    # 2. the worst-case size of the search
    if args.size_limit:
        check_search_size(args.reference, candidate, size, seeds, args.protocol,
                          settings, args.quick, n_max, resolution,
                          names={"size": "--size", "n_max": "--n-max", "seeds": "--seeds",
                                 "override": "--no-size-limit"})
    # 3. outputs and the cache folder (created if missing)
    cache = _common_outputs(args, [f"equivalence_{m}.png" for m in metrics])
    # 4. the scheduler answers (seconds at most)
    check_scheduler(scheduler, connect=True, option="--scheduler")
    results = _searched(lambda: measure_equivalences(
        args.reference, candidate, size, metrics=metrics, protocol=args.protocol,
        seeds=seeds, scheduler=scheduler, settings=settings, quick=args.quick,
        backend=backend, cache=cache, recompute=args.recompute, n_max=n_max,
        resolution=resolution, tolerance=tolerance, n_workers=workers,
        n_bootstrap=n_bootstrap, size_limit=args.size_limit,
        progress=not getattr(args, "quiet", False)))
    if results is None:
        return 1
    for metric, result in results.items():
        print(f"{spec.label()} vs {args.reference} (N = {size}), {result}")
        print(format_points(result))
    for path in write_equivalence_outputs(results, json_path=args.json, figures=args.figures,
                                          force=args.force, reference=args.reference,
                                          candidate=spec.label()):
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
