"""Running a protocol on a backend: ``run(protocol, backend=...) -> Recording``.

One protocol run is one Brian2 build (:func:`~hhlif.protocols.simulation.assembly.assemble`):
every (condition, trial) copy is a block of neurons of the same group(s), stimulus values
per copy are per-neuron variables, and the frozen stimulus noise is a TimedArray shared by
all copies.  Here: the run itself, the Ctrl-C guard (:func:`interruptible`), the size check
before building (:func:`check_size`) and the one place a Recording is made from the
monitors (:func:`collect`).  Divergence (NaN or inf in the membrane potential) raises
:class:`~hhlif.protocols.errors.DivergenceError`.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time

import numpy as np

from hhlif.models.errors import ParameterError
from hhlif.models.units import display_unit, format_quantity
from hhlif.protocols.errors import DivergenceError, IncompleteRunError, RunInterrupted

from hhlif.protocols.backends import Build, get_backend
from hhlif.protocols.protocol import RECORD_FIRST_MAX, Protocol
from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal
from hhlif.protocols.simulation.assembly import assemble
from hhlif.protocols.simulation.naming import build_local_names
from hhlif.protocols.simulation.provenance import VERBOSE, provenance, say, structure_key

__all__ = ["run", "collect", "interruptible", "estimate_size", "check_size",
           "physical_memory", "format_bytes", "VERBOSE"]

#: Optimistic throughput (neuron-steps per second) of each backend, for the time estimate
#: of :func:`check_size` (benchmarks/RESULTS.md measures 0.8 M (HH) to 1.8 G (LIF)).
_FASTEST_STEPS_PER_S = {"runtime": 2e8, "cpp": 1e9, "cpp-simd": 2e9, "cuda": 5e9}
#: Longest estimated run :func:`check_size` lets through without ``size_limit=False``.
MAX_RUN_SECONDS = 24 * 3600.0
#: Fraction of the machine's memory a run may use.
MEMORY_FRACTION = 0.8

def _quiet_unused_object_warnings() -> None:
    """Brian2 warns when a group it built is garbage-collected without having been run.
    hhlif builds objects and then refuses a run (a bad parameter found while building, a
    size check, Ctrl-C); the warning then appears at an arbitrary later moment, in another
    command's output, and says nothing the one-line error did not."""
    from brian2.utils.logger import BrianLogger

    BrianLogger.suppress_name("unused_brian_object")


_quiet_unused_object_warnings()

#: Above this many neuron-steps a run reports its progress.
PROGRESS_THRESHOLD = 2e8


def run(protocol: Protocol, backend: str = "auto", *, threads: int | None = None,
        progress: bool | None = None, generate_only: bool = False,
        size_limit: bool = True) -> "Recording | Build":
    """Run ``protocol`` and return its :class:`Recording`.

    Parameters
    ----------
    protocol : Protocol
    backend : str
        ``auto``, ``runtime``, ``cpp``, ``cpp-simd`` or ``cuda`` (see
        :mod:`hhlif.protocols.backends`).
    threads : int, optional
        OpenMP threads for the C++ backend (default: Brian2's, i.e. single-threaded).
    progress : bool, optional
        Print progress (default: for runs above ~2·10⁸ neuron-steps).
    generate_only : bool
        Standalone backends: generate the code without compiling or running it and return
        the :class:`~hhlif.protocols.backends.Build` (its ``directory`` holds the code);
        used to check CUDA code generation on machines without a GPU.
    size_limit : bool
        Refuse, before building, a run whose estimated memory or time exceeds this
        machine's limits (see :func:`check_size`); False runs it anyway.

    Raises
    ------
    DivergenceError
        If the membrane potential became NaN or infinite.
    BackendUnavailableError, UnknownNameError
        For a backend that is unknown or cannot run here.

    Examples
    --------
    >>> from brian2 import ms, uA, cm
    >>> from hhlif.protocols import Protocol, run, stimuli
    >>> rec = run(Protocol(model="lif", stimulus=stimuli.Constant(20*uA/cm**2),
    ...                    duration=100*ms), backend="runtime")
    >>> int(rec.main.spike_counts()[0])
    11
    """
    from brian2 import Network, second

    if not isinstance(protocol, Protocol):
        raise ParameterError(f"protocol={protocol!r}: expected an hhlif.protocols.Protocol")
    be = get_backend(backend)
    if not generate_only:
        be.check()
    if size_limit:
        check_size(protocol, be.name)
    steps = float(protocol.duration / protocol.integration_dt)
    units_total = protocol.n_neurons * protocol.neuron_model.units_per_neuron
    show = progress if progress is not None else \
        VERBOSE["messages"] and units_total * steps > PROGRESS_THRESHOLD
    key = structure_key(protocol, be.name, threads)
    wall0 = time.perf_counter()
    with build_local_names(), \
            be.session(key, threads=threads, generate_only=generate_only) as session:
        import brian2

        brian2.seed(int(protocol.seed))
        assembly = assemble(protocol)
        populations = assembly.populations
        net = Network(assembly.objects)
        build0 = time.perf_counter()
        report = "text" if show else None
        with interruptible(protocol), _arithmetic_as_divergence(protocol):
            net.run(protocol.duration, namespace={}, report=report,
                    report_period=10 * second)
            run0 = time.perf_counter()
            if session.directory is not None and not generate_only:
                say(f"compiling and running {be.name} build in {session.directory}")
            session.build()
        run1 = time.perf_counter()
        if generate_only:
            return session
        result = collect(protocol, assembly)
    wall1 = time.perf_counter()
    result.provenance.update(provenance(protocol, be.name, threads, session,
                                         build=run0 - build0, run=run1 - run0,
                                         wall=wall1 - wall0, populations=populations))
    return result


@contextlib.contextmanager
def interruptible(protocol: Protocol):
    """Turn Ctrl-C (SIGINT) during a build or run into :class:`RunInterrupted`.

    Brian2's own handler turns the first SIGINT into an early stop, after which the run
    returns normally with truncated results.  Inside this block a SIGINT instead stops the
    simulation at the end of the current step (runtime) or lets the standalone binary stop,
    and then raises :class:`~hhlif.protocols.errors.RunInterrupted`, so no Recording of the
    partial run is ever made.  A second SIGINT raises at once.  Outside the main thread
    (where signals cannot be handled) the block does nothing; the completeness check in
    :func:`collect` still refuses a truncated run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from brian2 import Network

    state = {"interrupted": False}

    def handler(signum, frame):
        first = not state["interrupted"]
        state["interrupted"] = True
        if first and Network._globally_running:
            Network._globally_stopped = True  # runtime: stop cleanly at the end of this step
            _signal_children(signal.SIGINT)  # standalone: the binary stops the same way
            return
        raise RunInterrupted(_interrupted_message(protocol))

    previous_hook = sys.unraisablehook

    def unraisable(info):
        # a SIGINT raised inside a weakref callback or __del__ (Brian2's object tracker) is
        # "ignored" by Python with a traceback on stderr; the flag re-raises it below, so
        # the user sees one line, not a traceback
        if not isinstance(info.exc_value, RunInterrupted):
            previous_hook(info)

    previous = signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = unraisable
    try:
        yield
    except RunInterrupted:
        raise
    except Exception as exc:
        if state["interrupted"]:  # e.g. the compiler killed by the same Ctrl-C
            raise RunInterrupted(_interrupted_message(protocol)) from exc
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook
        Network._globally_stopped = False
    if state["interrupted"]:
        raise RunInterrupted(_interrupted_message(protocol))


@contextlib.contextmanager
def _arithmetic_as_divergence(protocol: Protocol):
    """A division by zero or overflow inside generated code (runtime device: the state
    update of a diverging integration) is a :class:`DivergenceError` with advice, not a
    Brian2 crash report."""
    from brian2.core.base import BrianObjectException

    try:
        yield
    except BrianObjectException as exc:
        cause = exc.__cause__ or exc.__context__
        if not isinstance(cause, ArithmeticError):
            raise
        model = protocol.neuron_model
        raise DivergenceError(
            f"integration diverged: {type(cause).__name__} in the state update of model"
            f" {model.name!r} (method {protocol.integration_method!r},"
            f" dt={format_quantity(protocol.integration_dt)}); use a smaller dt or a more stable method"
            f"{_divergence_hint(model, protocol)}") from None


def _signal_children(signum) -> None:
    """Send ``signum`` to this process's child processes (the standalone binary), which a
    Ctrl-C in a terminal reaches anyway but a ``kill -INT`` of this process does not."""
    import os

    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            if ppid == me:
                os.kill(int(entry), signum)
        except (OSError, ValueError, IndexError):
            continue


def _interrupted_message(protocol) -> str:
    return (f"interrupted: the {protocol.name!r} run was stopped before its"
            f" {format_quantity(protocol.duration)}; nothing was written or cached")


def estimate_size(protocol: Protocol) -> dict:
    """Lower bounds of what a run needs, from the protocol's sizes alone (nothing built).

    Returns
    -------
    dict
        ``neurons`` (model neurons), ``neuron_steps``, ``state_bytes`` (state variables and
        parameters, 8 bytes each), ``record_bytes`` (recorded samples, held by the monitor
        and again by the Recording), ``stimulus_bytes`` (per-neuron noise tables) and
        ``bytes`` (their sum).
    """
    model = protocol.neuron_model
    units = int(protocol.n_neurons) * int(model.units_per_neuron)
    steps = float(protocol.duration / protocol.integration_dt)
    # one value per declared variable (a ':' per equation line) and per parameter
    per_neuron = max(str(model.equations).count(":"), 1) + len(model.parameters)
    state = 8.0 * units * per_neuron
    record = 0.0
    if protocol.record:
        n_rec = _recorded_count(protocol)
        samples = float(protocol.duration / protocol.record_dt)
        record = 2 * 8.0 * len(protocol.record) * n_rec * samples
    stimulus = 0.0
    if float(protocol.intrinsic_noise) > 0:
        sample_dt = min(float(protocol.intrinsic_tau) / 10, 1e-4)
        stimulus = 8.0 * int(protocol.n_neurons) * float(protocol.duration) / sample_dt
    return {"neurons": units, "neuron_steps": units * steps, "state_bytes": state,
            "record_bytes": record, "stimulus_bytes": stimulus,
            "bytes": state + record + stimulus}


def physical_memory() -> float:
    """This machine's memory in bytes (16 GiB where the system does not say)."""
    import os

    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 16.0 * 2**30


def _recorded_count(protocol: Protocol) -> int:
    """How many neurons :func:`~hhlif.protocols.simulation.assembly.record_indices` would record, without building the label
    arrays (an estimate must not allocate what it is about to refuse)."""
    n = int(protocol.n_neurons)
    spec = protocol.record_neurons
    if spec == "first":
        return min(RECORD_FIRST_MAX, n)
    if spec == "all":
        return n
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return min(int(spec), n)
    return int(np.size(spec))


def _memory_limit() -> float:
    return MEMORY_FRACTION * physical_memory()


def format_bytes(n: float) -> str:
    """``1.23e9`` → ``'1.23 GB'`` (decimal units)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000.0
    return f"{n:.3g} PB"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.3g} h" if seconds >= 3600 else f"{seconds:.3g} s"


def check_size(protocol: Protocol, backend: str = "cpp") -> dict:
    """Refuse a run that cannot fit, before anything is built.

    The estimate (:func:`estimate_size`) is compared with :data:`MEMORY_FRACTION` of this
    machine's memory and with :data:`MAX_RUN_SECONDS` at an optimistic throughput of the
    backend; the error names the sizes, the estimate and the limit.  ``run(...,
    size_limit=False)`` (``--no-size-limit``) skips the check.
    """
    est = estimate_size(protocol)
    limit = _memory_limit()
    rate = _FASTEST_STEPS_PER_S.get(backend, 1e9)
    seconds = est["neuron_steps"] / rate

    sizes = (f"{est['neurons']:.3g} model neurons (trials={protocol.trials} x"
             f" {protocol.n_neurons // max(int(protocol.trials), 1)} conditions) x"
             f" {format_quantity(protocol.duration)} at dt={format_quantity(protocol.integration_dt)}")
    if est["bytes"] > limit:
        parts = ", ".join(f"{k.split('_')[0]} {format_bytes(v)}" for k, v in est.items()
                          if k.endswith("_bytes") and v)
        raise ParameterError(
            f"protocol size: {sizes} needs at least {format_bytes(est['bytes'])} of memory ({parts});"
            f" the limit is {format_bytes(limit)} ({MEMORY_FRACTION:.0%} of this machine's memory):"
            f" reduce trials, conditions, duration or recorded variables, or pass"
            f" --no-size-limit (size_limit=False)")
    if seconds > MAX_RUN_SECONDS:
        raise ParameterError(
            f"protocol size: {sizes} is {est['neuron_steps']:.3g} neuron-steps, at least"
            f" {_hours(seconds)} on {backend!r} (at {rate:.0e} neuron-steps/s); the limit is"
            f" {_hours(MAX_RUN_SECONDS)}: reduce the sizes or pass --no-size-limit"
            f" (size_limit=False)")
    return est


def _divergence_hint(model, protocol) -> str:
    """Advice for a diverged run: a method that cannot diverge where one exists."""
    from hhlif.models import RUSH_LARSEN2

    if protocol.integration_method == RUSH_LARSEN2:
        return ""
    if getattr(model, "name", "").startswith(("hh", "tv-lif2hh")):
        return (f". Hodgkin-Huxley gate rates grow exponentially with hyperpolarisation, and"
                f" an explicit method ({protocol.integration_method!r} at dt="
                f"{format_quantity(protocol.integration_dt)}) becomes unstable once the m gate's closing rate"
                f" times dt passes its stability limit (RK4 at dt 0.01 ms: about -140 mV);"
                f" method {RUSH_LARSEN2!r} (the default) is stable for any input")
    return ""


def collect(protocol: Protocol, assembly) -> Recording:
    """The one place a Recording is made from Brian2's monitors (run and ReusableBuild).

    Parameters
    ----------
    protocol : Protocol
        The protocol that was run (its values label the Recording).
    assembly : hhlif.protocols.simulation.assembly.Assembly
        Its populations, monitors and labels.

    The simulated time comes from the fraction of the last run that Brian2's device
    completed (the runtime loop and the standalone binary's ``last_run_info.txt`` alike);
    a run that stopped early makes no Recording (:class:`Recording` refuses it with
    :class:`~hhlif.protocols.errors.IncompleteRunError`).
    """
    from brian2 import ms
    from brian2.devices.device import get_device

    duration_ms = float(protocol.duration / ms)
    fraction = getattr(get_device(), "_last_run_completed_fraction", None)
    if fraction is None:
        raise IncompleteRunError(f"the {protocol.name!r} run did not report how far it got;"
                                 f" its results are not used")
    simulated_ms = duration_ms * float(fraction)

    pops = {}
    populations, monitors, labels = assembly.populations, assembly.monitors, assembly.labels
    voltage = protocol.neuron_model.voltage
    for name, pop in populations.items():
        spikes, state, rec_idx, variables = monitors[name]
        final_v = np.asarray(getattr(pop.output, voltage)[:]) if voltage in pop.output.variables \
            else np.zeros(0)
        if final_v.size and not np.all(np.isfinite(final_v)):
            bad = int(np.sum(~np.isfinite(final_v)))
            raise DivergenceError(
                f"integration diverged: {voltage} is NaN/inf in {bad} of {final_v.size} neurons"
                f" of {name!r} (model {pop.model.name!r}, method"
                f" {protocol.integration_method!r}, dt={format_quantity(protocol.integration_dt)}); use a smaller"
                f" dt or a more stable method{_divergence_hint(pop.model, protocol)}")
        signals = {}
        if state is not None:
            for var in variables:
                raw = getattr(state, var + "_")  # SI values, shape (channels, samples)
                if not np.all(np.isfinite(raw)):
                    raise DivergenceError(
                        f"integration diverged: recorded {var} contains NaN/inf (model"
                        f" {pop.model.name!r}, dt={format_quantity(protocol.integration_dt)}); use a smaller dt")
                unit, text = display_unit(pop.output.variables[var].unit * 1)
                scale = 1.0 if unit is None else float(1 * unit)
                signals[var] = Signal(var, text if unit is not None else "dimensionless",
                                      t_start=0.0, sampling_period=float(protocol.record_dt / ms),
                                      values=np.ascontiguousarray((raw / scale).T),
                                      neurons=np.asarray(rec_idx, dtype=np.int64))
        trial, condition = labels[name]
        pops[name] = PopulationData(
            name=name, model=pop.model.name, n_neurons=pop.n,
            spike_indices=np.asarray(spikes.i[:], dtype=np.int64),
            spike_times=np.asarray(spikes.t_[:], dtype=float) * 1000.0,
            trial=np.asarray(trial, dtype=np.int64), condition=np.asarray(condition, dtype=np.int64),
            signals=signals)
    return Recording(populations=pops, t_start=0.0, t_stop=duration_ms,
                     condition_labels=protocol.condition_labels(), protocol=protocol.name,
                     model=protocol.neuron_model.name, provenance={},
                     simulated_ms=float(simulated_ms), design=protocol.design())
