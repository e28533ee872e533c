"""``hhlif fit``: calibrate a candidate model against a reference.

::

    hhlif fit [--reference hh] [--candidate lif] [--target fi-noisy|fi|rheobase|gamma]
              [--out FIT.json] [--force] [--quick] [--seed S] [--backend auto]
              [--set KEY=VALUE ...]

Fits the candidate's parameters (:data:`hhlif.models.calibration.FIT_SPACES`) to the
reference on the target (:func:`hhlif.protocols.experiments.calibration.fit`), prints the
fitted parameters and a table (every target: reference, candidate, error; the f–I under
the task's noise and Γ on held-out realisations) on stdout, progress on stderr, and with
``--out`` writes the calibration as JSON (read back by
:func:`~hhlif.protocols.experiments.calibration.load_calibration`).

``--set KEY=VALUE`` changes a setting of the equivalence task whose noise the fit uses
(as ``hhlif equivalence --set``: ``--set noise_std=8*uA/cm**2``, ``--set dt.lif=0.05*ms``,
``--set noise_std_uA_cm2=8``).  Everything is checked before the first simulation (names,
numbers, settings, the backend, ``--out``); bad input exits with status 2 and one line.
Ctrl-C stops the fit, writes nothing and exits with status 130.
"""

from __future__ import annotations

__all__ = ["add_commands", "fit_command", "format_report"]


def add_commands(subparsers) -> None:
    """Add the ``fit`` sub-command to the ``hhlif`` parser (its options when it is used:
    their help lists the targets and fit spaces, which need the models)."""
    p = subparsers.add_parser(
        "fit", help="calibrate a candidate model against a reference (rheobase, f-I, f-I"
                    " under the task's noise, coincidence factor)",
        description="Fit a candidate model's parameters to a reference model on one target;"
                    " report every target for the fitted model.")
    p.defer(_add_options)
    p.set_defaults(func=fit_command)


def _add_options(p) -> None:
    from hhlif.models.calibration import FAMILIES, TARGETS

    p.add_argument("--reference", default="hh", help="reference model (default hh)")
    p.add_argument("--candidate", default="lif",
                   help=f"candidate model: {', '.join(FAMILIES)} (default lif)")
    p.add_argument("--target", default="fi-noisy",
                   help="what the fit minimises: " + "; ".join(f"{k}: {v}"
                                                             for k, v in TARGETS.items())
                        + " (default fi-noisy)")
    p.add_argument("--out", default=None, help="write the calibration as JSON")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out")
    p.add_argument("--quick", action="store_true",
                   help="fewer currents and realisations, shorter runs, a short search")
    p.add_argument("--seed", default="0", help="seeds the noise realisations and the"
                                               " optimiser (default 0)")
    p.add_argument("--backend", default="auto",
                   help="auto (default: runtime for small runs, compiled above) or a backend"
                        " name for every run")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="task setting with units (the noise, per-model dt), e.g."
                        " noise_std=8*uA/cm**2 or dt.lif=0.05*ms")


def fit_command(args) -> int:
    """Body of ``hhlif fit``."""
    from hhlif.protocols.cli.equivalence import parse_settings

    from hhlif import models
    from hhlif.models.calibration import TARGETS, fit_space
    from hhlif.models.errors import UnknownNameError
    from hhlif.protocols.errors import RunInterrupted, checked_option

    from hhlif.analysis.io import check_outputs
    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.cli.console import wrote
    from hhlif.protocols.cli.equivalence import parse_integer
    from hhlif.protocols.experiments.calibration import fit, save_calibration
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings

    # 1. names, numbers and settings (nothing simulated or written yet)
    if args.target not in TARGETS:
        raise UnknownNameError(f"--target={args.target!r}: unknown target; valid targets are"
                               f" {', '.join(TARGETS)}")
    for option, name in (("--reference", args.reference), ("--candidate", args.candidate)):
        try:
            models.get(name)
        except UnknownNameError as exc:
            raise UnknownNameError(f"{option}={name!r}: {exc}") from None
    try:
        fit_space(args.candidate).check(models.get(args.candidate))
    except ValueError as exc:
        raise type(exc)(f"--candidate={args.candidate!r}: {exc}") from None
    seed = parse_integer(args.seed, "--seed", 0)
    try:
        get_backend(args.backend).check()
    except (ValueError, RuntimeError) as exc:   # unknown, or cannot run here
        raise type(exc)(f"--backend={args.backend!r}: {exc}") from None
    try:
        settings = EquivalenceSettings.coerce(parse_settings(args.settings))
    except ValueError as exc:                   # one line naming the setting
        raise type(exc)(str(exc) if str(exc).startswith("--set") else f"--set: {exc}") \
            from None
    # 2. the output
    if args.out is not None:
        checked_option("--out", args.out, lambda: check_outputs([args.out], args.force))
    # 3. the fit; nothing is written before it is complete
    try:
        calibration = fit(args.reference, args.candidate, args.target, settings=settings,
                          seed=seed, backend=args.backend, quick=args.quick,
                          progress=not getattr(args, "quiet", False))
    except RunInterrupted:
        raise
    except KeyboardInterrupt as exc:   # between simulations
        raise RunInterrupted("interrupted: the fit was stopped; nothing was written") from exc
    print(format_report(calibration))
    if args.out is not None:
        wrote(args, save_calibration(calibration, args.out, force=args.force))
    return 0


def _number(value, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return "-"
    return f"{value:.{digits}g}"


def _parameters(calibration) -> str:
    """``'g_L=1.173*mS/cm**2, V_th=-59.6*mV'`` (4 digits; the JSON keeps 12)."""
    from hhlif.models.units import display_unit

    shown = []
    for name, value in calibration.parameters.items():
        unit, text = display_unit(value)
        number = float(value) if unit is None else float(value / unit)
        shown.append(f"{name}={number:.4g}" + ("" if unit is None else f"*{text}"))
    return ", ".join(shown)


def format_report(calibration) -> str:
    """The fitted parameters and one row per target: reference, candidate, error."""
    rep = calibration.report
    opt, wall = rep.get("optimiser", {}), rep.get("wall_time_s", {})
    lines = [f"{calibration.candidate} fitted to {calibration.reference} on"
             f" {calibration.target}: {opt.get('generations', '?')} generations,"
             f" {opt.get('evaluations', '?')} parameter sets in {opt.get('simulations', '?')}"
             f" simulations, {_number(wall.get('total'), 3)} s"
             f" ({'converged' if opt.get('converged') else 'stopped at maxiter'})",
             f"fitted: {_parameters(calibration)}",
             f"  {'target':<34} {'reference':>10} {'candidate':>10} {'error':>10}"]
    rows = [("rheobase", "rheobase (uA/cm**2)", "difference"),
            ("input_conductance", "input conductance (mS/cm**2)", "difference"),
            ("fi", "f-I deterministic (Hz, mean)", "rms"),
            ("fi-noisy", "f-I task noise, held-out (Hz, mean)", "rms"),
            ("gamma", "gamma +-2 ms, held-out", "1 - gamma")]
    targets = rep.get("targets", {})
    for key, label, kind in rows:
        t = targets.get(key)
        if t is None:
            continue
        ref, cand = t.get("reference"), t.get("candidate")
        if isinstance(ref, list):
            ref = sum(ref) / len(ref) if ref else None
            cand = sum(cand) / len(cand) if cand else None
        mark = " *" if key == calibration.target or (
            key == "input_conductance" and calibration.target == "rheobase") else ""
        lines.append(f"  {label + mark:<34} {_number(ref):>10} {_number(cand):>10}"
                     f" {_number(t.get('error')):>10} ({kind})")
    lines.append(f"  * fitted target; fit error on the fit's realisations:"
                 f" {_number(rep.get('fit', {}).get('error'))}"
                 f" {rep.get('fit', {}).get('error_unit', '')}")
    for text in rep.get("notes", []):
        lines.append(f"note: {text}")
    return "\n".join(lines)
