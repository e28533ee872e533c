"""``hhlif study``: the whole study in one command, written as ``results/report.md``.

::

    hhlif study [--quick] [--out results/] [--force] [--recompute]
                [--scheduler local|serial|ADDRESS] [--workers K] [--backend auto]

The options are checked before anything runs or is written (the backend, the scheduler,
``--workers``, ``--out``; then the scheduler must answer); the command prints an estimate
of the study's duration, runs :func:`hhlif.protocols.experiments.study.run_study` and
prints where the report is.  Exit status 0, 1 when a section failed, 130 on Ctrl-C (the
study wrote nothing; a rerun resumes from the sweep cache).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["add_commands", "study_command"]


def add_commands(subparsers) -> None:
    """Add the ``study`` sub-command to the ``hhlif`` parser."""
    p = subparsers.add_parser("study", help="run the whole study and write results/report.md",
                              description="Reproduce the study end to end: waveform table,"
                              " f-I curves, information, equivalence ratios, cost.")
    p.add_argument("--quick", action="store_true", help="small sizes (< 2 minutes)")
    p.add_argument("--out", default="results", help="output folder (default results/)")
    p.add_argument("--force", action="store_true",
                   help="write into an --out that holds an earlier study, overwriting its files")
    p.add_argument("--recompute", action="store_true",
                   help="ignore the sweep cache: compute every equivalence simulation again")
    p.add_argument("--backend", default="auto",
                   help="backend of the single-network runs (default auto)")
    p.add_argument("--scheduler", default="local",
                   help="equivalence sweeps: local (default), serial or a scheduler address")
    p.add_argument("--workers", default=None, help="local Dask workers")
    p.set_defaults(func=study_command)


def study_command(args) -> int:
    """Body of ``hhlif study``.

    Returns
    -------
    int
        0 when every section ran, 1 when one failed.

    Raises
    ------
    RunInterrupted
        On Ctrl-C (one line, exit status 130); ``--out`` is left as it was.
    """
    from hhlif.protocols.errors import RunInterrupted

    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.cli.equivalence import parse_integer
    from hhlif.protocols.experiments.study import (StudyConfig, check_out, estimate_seconds,
                                                   run_study)
    from hhlif.protocols.experiments.sweeps import check_scheduler

    # every option before anything runs or is written
    get_backend(args.backend)           # "backend 'x': unknown backend; valid ..."
    check_scheduler(args.scheduler, connect=False, option="--scheduler")
    workers = None if args.workers is None else parse_integer(args.workers, "--workers", 1)
    out = Path(args.out)
    existed = out.exists()
    check_out(out, args.force)
    try:
        check_scheduler(args.scheduler, connect=True, option="--scheduler")
    except Exception:
        _remove_if_empty(out, existed)
        raise
    config = StudyConfig.make(args.quick)
    if args.scheduler == "local":
        shown = workers or min(2, os.cpu_count() or 1)
    else:
        shown = 1
    est = estimate_seconds(config, workers=max(1, shown))
    print(f"hhlif study{' --quick' if args.quick else ''}: estimated {est / 60:.1f} min"
          f" (rough; from the sizes and this package's measured throughputs), writing {out}/",
          flush=True)
    try:
        report, ok = run_study(out, config, force=args.force, backend=args.backend,
                               scheduler=args.scheduler, workers=workers,
                               recompute=args.recompute)
    except KeyboardInterrupt as exc:
        _remove_if_empty(out, existed)
        raise RunInterrupted(f"interrupted: the study wrote nothing to {str(out)!r}; finished"
                             f" equivalence simulations stay in the sweep cache, so the same"
                             f" command resumes from them") from exc
    print(f"wrote {report}")
    return 0 if ok else 1


def _remove_if_empty(folder: Path, existed: bool) -> None:
    """Remove ``folder`` if this command created it and left it empty."""
    if not existed:
        with contextlib.suppress(OSError):
            folder.rmdir()
