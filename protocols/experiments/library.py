"""Built-in protocols, by name: ``hhlif list`` shows them, ``hhlif run NAME`` runs them.

Each built-in is a factory with documented parameters and defaults (with units); user
values replace defaults after a unit check (:meth:`BuiltinProtocol.make`).  A factory
returns a :class:`Protocol` or, for protocols that compare several models (``waveforms``,
``seed-xor``), a comparison object whose ``run`` returns a result.  :data:`BUILTINS` is
the one explicit table of them: the factories below and those of
:mod:`~hhlif.protocols.experiments.networks` and
:mod:`~hhlif.protocols.experiments.waveforms` (nothing registers itself on import).

=============  ===========================================================================
step           a current step: ``amplitude``, ``start``, ``duration`` (+ ``trials``)
fi-curve       f–I curve: ``n`` amplitudes from ``i_min`` to ``i_max``, one neuron each, one group;
               steady-state rate (second half of the run), onset-only responses marked
               (:class:`FiCurve`; :meth:`FiCurve.measure` gives a :class:`FiCurveResult`)
frozen-noise   repeated trials of one frozen OU current (information analysis)
sweep          one stimulus or model parameter over ``values``, each a condition in one run
=============  ===========================================================================
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from brian2 import Quantity, get_dimensions, ms

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.units import display_unit, format_quantity

from hhlif.protocols import stimuli as S
from hhlif.protocols.experiments import networks, waveforms
from hhlif.protocols.protocol import Protocol
from hhlif.protocols.recordings.recording import Recording

__all__ = ["BuiltinProtocol", "BUILTINS", "get_protocol", "available_protocols",
           "make_protocol", "step", "fi_curve", "frozen_noise", "sweep", "FiCurve",
           "FiCurveResult", "FI_RESPONSES", "rheobase_text", "fi_figure"]

CURRENT = S.CURRENT


@dataclass(frozen=True)
class BuiltinProtocol:
    """A named protocol factory with its parameters and their defaults.

    Parameters
    ----------
    name : str
        The name ``hhlif run`` takes.
    factory : callable
        Keyword parameters with defaults, plus ``model`` and ``seed``.
    description : str
        One line for ``hhlif list``.
    defaults : dict
        The factory's parameters (except ``model`` and ``seed``) and their defaults.
    """

    name: str
    factory: Callable[..., Any]
    description: str
    defaults: dict

    @classmethod
    def of(cls, name: str, factory: Callable, description: str) -> "BuiltinProtocol":
        """The built-in ``name`` of ``factory``, its defaults read from its signature."""
        sig = inspect.signature(factory)
        defaults = {k: p.default for k, p in sig.parameters.items()
                    if k not in ("model", "seed") and p.default is not inspect.Parameter.empty}
        return cls(name, factory, description, defaults)

    def make(self, model: str | None = None, seed: int = 0, **values):
        """Build the protocol with ``values`` replacing defaults (units checked).

        Values that are not protocol parameters may be parameters of the model the
        protocol runs (a :class:`Protocol` only).

        Raises
        ------
        UnknownNameError
            A value that is neither a protocol nor a model parameter.
        ParameterError
            A value of the wrong unit or kind.
        """
        unknown = sorted(set(values) - set(self.defaults))
        model_values = {}
        if unknown:
            model_parameters = self._model_parameters(model)
            model_values = {k: values[k] for k in unknown if k in model_parameters}
            unknown = [k for k in unknown if k not in model_values]
            if unknown:
                raise UnknownNameError(
                    f"parameter {unknown[0]!r}: not a parameter of protocol {self.name!r}"
                    f" ({', '.join(sorted(self.defaults))}) or of its model"
                    f" ({', '.join(sorted(model_parameters)) or 'none'})")
        params = {}
        for key, default in self.defaults.items():
            value = values.get(key, default)
            params[key] = _check(self.name, key, value, default)
        kwargs = dict(params, seed=seed)
        if model is not None:
            kwargs["model"] = model
        made = self.factory(**kwargs)
        if model_values:
            if not isinstance(made, Protocol):
                raise UnknownNameError(
                    f"parameter {sorted(model_values)[0]!r}: protocol {self.name!r} compares"
                    f" models with their own parameters; it accepts only"
                    f" {', '.join(sorted(self.defaults))}")
            made = made.replace(parameters=dict(made.parameters, **model_values))
        return made

    def _model_parameters(self, model) -> dict:
        """Parameters of the model this protocol would run (``--set`` accepts them too)."""
        from hhlif import models

        if model is None:
            default = inspect.signature(self.factory).parameters.get("model")
            model = None if default is None else default.default
        if model is None or model is inspect.Parameter.empty:
            return {}
        return dict((models.get(model) if isinstance(model, str) else model).parameters)


def _check(protocol, key, value, default):
    """``value`` of parameter ``key`` checked against the kind and unit of ``default``."""
    from hhlif.models.units import format_value

    context = f"protocol {protocol!r} parameter"
    if isinstance(default, Quantity):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Quantity):
            value = Quantity(value)
        return check_quantity(key, value, default, context=context)
    if isinstance(default, bool):
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if not isinstance(value, (bool, int, np.integer)):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected true or false")
        return bool(value)
    if isinstance(default, int):
        if isinstance(value, Quantity) and get_dimensions(value).is_dimensionless:
            value = float(value)
        if isinstance(value, float) and value == int(value):
            value = int(value)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected an integer")
        if value < 1 and key not in ("seed",):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected an integer >= 1")
        return int(value)
    if isinstance(default, float):
        if isinstance(value, Quantity):
            if not get_dimensions(value).is_dimensionless:
                raise ParameterError(f"{context} {key!r}={format_value(value)}: expected a plain number")
            value = float(value)
        if not isinstance(value, (int, float, np.floating)) or not np.isfinite(value):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected a finite number")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected a word")
        return value
    return value



# ----------------------------------------------------------------------- built-ins
def step(model="hh", seed=0, amplitude=10 * CURRENT, start=20 * ms, duration=100 * ms,
         after=30 * ms, trials=1, intrinsic_noise=0 * CURRENT):
    """A current step of ``amplitude`` from ``start`` for ``duration``; the simulation runs
    ``after`` beyond the step's end."""
    stim = S.Step(amplitude=amplitude, start=start, duration=duration)
    return Protocol(model=model, stimulus=stim, duration=start + duration + after,
                    trials=trials, seed=seed, name="step", intrinsic_noise=intrinsic_noise,
                    settings=dict(amplitude=amplitude, start=start, duration=duration,
                                  after=after, trials=trials))


#: What an f–I row says about one condition's firing.
FI_RESPONSES = ("silent", "onset only", "sustained")


@dataclass(frozen=True)
class FiCurve(Protocol):
    """The ``fi-curve`` protocol: a :class:`Protocol` (one constant current per condition)
    that reports **sustained** firing.

    The steady-state rate is the spike count in the second half of the run divided by its
    length; a condition whose spikes all fall in the first half is marked ``onset only``
    (HH fires one spike at the onset of a current below its rheobase for repetitive
    firing: read as a whole-run rate it is "2 Hz" over 500 ms, which is not a rate).
    :meth:`rate_table` gives the rows, :meth:`measure` runs and returns them in a
    :class:`FiCurveResult` (``hhlif run fi-curve`` prints it).
    """

    def steady_window(self) -> tuple[float, float]:
        """(start, stop) in ms of the steady-state window: the second half of the run."""
        stop = float(self.duration / ms)
        return stop / 2.0, stop

    def rate_table(self, recording) -> list[dict]:
        """Per condition: ``amplitude_uA_cm2``, ``spikes`` (mean per neuron), ``rate_hz`` (the
        whole run), ``steady_rate_hz`` (spikes in the second half over its length),
        ``steady_isi_rate_hz`` (1 / mean inter-spike interval there, None below two
        spikes; not quantised by the window), ``first_spike_ms`` (mean over the
        condition's neurons that fire, None if none) and ``response``: ``'silent'``,
        ``'onset only'`` (no spike in the second half) or ``'sustained'``."""
        pop = recording.main
        start, stop = self.steady_window()
        amps = np.asarray(self.condition_values()["amplitude"] / CURRENT, dtype=float)
        counts = pop.spike_counts()
        # every per-condition number from one sort of the spikes by (neuron, time): no scan
        # of all spikes per neuron (10^5 neurons x 10^7 spikes stay a fraction of a second)
        order = np.lexsort((pop.spike_times, pop.spike_indices))
        idx, times = pop.spike_indices[order], pop.spike_times[order]
        first = np.full(pop.n_neurons, np.nan)
        starts = np.searchsorted(idx, np.arange(pop.n_neurons))
        fired = counts > 0
        first[fired] = times[starts[fired]]
        late_mask = times >= start
        late = np.bincount(idx[late_mask], minlength=pop.n_neurons)
        li, lt = idx[late_mask], times[late_mask]
        same = li[1:] == li[:-1]                 # consecutive late spikes of one neuron
        isi_neuron, isi = li[1:][same], np.diff(lt)[same]
        cond = np.asarray(pop.condition, dtype=np.int64)
        n_cond = len(amps)
        isi_sum = np.bincount(cond[isi_neuron], isi, minlength=n_cond)
        isi_n = np.bincount(cond[isi_neuron], minlength=n_cond)
        first_sum = np.bincount(cond[fired], first[fired], minlength=n_cond)
        first_n = np.bincount(cond[fired], minlength=n_cond)
        size = np.bincount(cond, minlength=n_cond)
        total_all = np.bincount(cond, counts, minlength=n_cond)
        late_all = np.bincount(cond, late, minlength=n_cond)
        rows = []
        for c, amp in enumerate(amps):
            total, steady = total_all[c] / size[c], late_all[c] / size[c]
            response = "silent" if total == 0 else ("onset only" if steady == 0 else "sustained")
            rows.append({"amplitude_uA_cm2": round(float(amp), 9), "spikes": float(total),
                         "rate_hz": float(total / (stop / 1000.0)),
                         "steady_rate_hz": float(steady / ((stop - start) / 1000.0)),
                         "steady_isi_rate_hz": float(1000.0 * isi_n[c] / isi_sum[c])
                         if isi_n[c] else None,
                         "first_spike_ms": float(first_sum[c] / first_n[c]) if first_n[c]
                         else None,
                         "response": response})
        return rows

    def measure(self, backend: str = "auto", threads: int | None = None) -> "FiCurveResult":
        """Run the protocol and measure its f–I table (prints and writes nothing).

        Parameters
        ----------
        backend : str
            Backend name (:func:`hhlif.protocols.backends.get_backend`).
        threads : int, optional
            OpenMP threads of the C++ backends.

        Returns
        -------
        FiCurveResult
        """
        from hhlif.protocols.simulation.running import run

        recording = run(self, backend=backend, threads=threads)
        rows = self.rate_table(recording)
        return FiCurveResult(recording=recording, rows=rows, steady_window=self.steady_window(),
                             model=recording.model, rheobase=rheobase_text(rows))


@dataclass
class FiCurveResult:
    """What an ``fi-curve`` run measured.

    Attributes
    ----------
    recording : Recording
        The run (one neuron per current, condition ``c`` = the ``c``-th current).
    rows : list of dict
        :meth:`FiCurve.rate_table`: per current its whole-run and steady-state rates,
        first spike and response.
    steady_window : tuple of float
        (start, stop) in ms of the steady-state window.
    model : str
    rheobase : str
        :func:`rheobase_text` of the rows.
    """

    recording: Recording
    rows: list
    steady_window: tuple
    model: str
    rheobase: str = ""

    def to_dict(self) -> dict:
        """JSON-friendly form (what ``hhlif run fi-curve --json`` writes)."""
        start, stop = self.steady_window
        return {"rows": self.rows, "steady_window_ms": [start, stop], "model": self.model,
                "rheobase": self.rheobase}

    def figure(self):
        """:func:`fi_figure` of this result (a matplotlib Figure, not saved)."""
        return fi_figure(self.recording, self.rows, self.steady_window)


def rheobase_text(rows: list[dict]) -> str:
    """The rheobase for sustained firing on the grid of an f–I table, in words."""
    amps = [r["amplitude_uA_cm2"] for r in rows]
    sustained = [r["amplitude_uA_cm2"] for r in rows if r["response"] == "sustained"]
    onset = [r["amplitude_uA_cm2"] for r in rows if r["response"] == "onset only"]
    step = amps[1] - amps[0] if len(amps) > 1 else float("nan")
    text = (f"sustained firing from {min(sustained):g} uA/cm**2 (grid step {step:g})"
            if sustained else "no sustained firing on this grid")
    if len(onset) > _LISTED_ONSET:  # a long grid: the range, not every current
        text += (f"; onset spikes only at {len(onset)} currents from {min(onset):g} to"
                 f" {max(onset):g} uA/cm**2 (not a firing rate)")
    elif onset:
        text += (f"; onset spikes only at {', '.join(f'{a:g}' for a in onset)} uA/cm**2"
                 f" (not a firing rate)")
    return text


#: Onset-only currents listed one by one by :func:`rheobase_text` (more: their range).
_LISTED_ONSET = 10


def fi_figure(recording, rows, window):
    """Spikes per current over time (steady window shaded) and the f–I curve: whole-run
    rate (light) and steady-state rate (bold), onset-only currents marked.

    Parameters
    ----------
    recording : Recording
        An ``fi-curve`` run.
    rows : list of dict
        Its :meth:`FiCurve.rate_table`.
    window : tuple of float
        The steady-state window (ms).

    Returns
    -------
    matplotlib.figure.Figure
        Not saved (:func:`hhlif.analysis.plots.save_figure` writes it).
    """
    from matplotlib.figure import Figure

    pop = recording.main
    amps = np.asarray([r["amplitude_uA_cm2"] for r in rows])
    fig = Figure(figsize=(10, 4))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    ax1.axvspan(*window, color="0.93", label="steady-state window")
    for c, amp in enumerate(amps):
        members = np.flatnonzero(pop.condition == c)
        t = pop.spike_times[np.isin(pop.spike_indices, members)]
        ax1.plot(t, np.full(t.size, amp), "|", color="k", markersize=5)
    pad = 0.5 * (amps[1] - amps[0]) if amps.size > 1 else 1.0
    ax1.set(xlabel="time (ms)", ylabel="current (µA/cm²)",
            xlim=(recording.t_start, recording.t_stop),
            ylim=(amps.min() - pad, amps.max() + pad),
            title=f"{recording.model}: spikes per current")
    ax1.legend(fontsize=7, loc="lower right")
    ax2.plot(amps, [r["rate_hz"] for r in rows], "o-", color="0.7", ms=3,
             label="whole run (count / duration)")
    ax2.plot(amps, [r["steady_isi_rate_hz"] or 0.0 for r in rows], "o-", color="C0", ms=4,
             label="steady state (1 / mean ISI, second half)")
    onset = [r for r in rows if r["response"] == "onset only"]
    if onset:
        ax2.plot([r["amplitude_uA_cm2"] for r in onset], [0] * len(onset), "x", color="C3",
                 ms=7, label="onset spike only")
    ax2.set(xlabel="current (µA/cm²)", ylabel="firing rate (Hz)", title="f–I curve")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fi_curve(model="hh", seed=0, i_min=0 * CURRENT, i_max=50 * CURRENT, n=21,
             duration=500 * ms, trials=1):
    """Constant currents from ``i_min`` to ``i_max`` (``n`` values), one neuron each, all in
    one group (:class:`FiCurve`); the f–I curve is the steady-state rate, the spike count
    in the second half of the run over its length, and a current that only evokes onset
    spikes is marked ``onset only``.  Spikes of every neuron are recorded; the membrane
    potential of a few (``record_neurons='first'``: at most
    :data:`~hhlif.protocols.protocol.RECORD_FIRST_MAX`, spread over the currents)."""
    if n < 2:
        raise ParameterError(f"protocol 'fi-curve' parameter 'n'={n!r}: expected at least 2")
    if float(i_max) <= float(i_min):
        raise ParameterError(f"protocol 'fi-curve' parameter 'i_max'={format_quantity(i_max)}:"
                             f" expected a value above i_min={format_quantity(i_min)}")
    amps = np.linspace(float(i_min), float(i_max), int(n)) * (1 * CURRENT) / float(1 * CURRENT)
    return FiCurve(model=model, stimulus=S.Constant(0 * CURRENT), duration=duration,
                   conditions={"amplitude": amps}, trials=trials, seed=seed, name="fi-curve",
                   record=("v",), record_neurons="first",
                   settings=dict(i_min=i_min, i_max=i_max, n=n, duration=duration,
                                 trials=trials))


def frozen_noise(model="hh", seed=0, mean=5 * CURRENT, std=3 * CURRENT, tau=5 * ms,
                 trials=50, duration=1000 * ms, intrinsic=1 * CURRENT, noise_seed=1):
    """``trials`` repeats of one frozen Ornstein–Uhlenbeck current (mean, std, tau; frozen by
    ``noise_seed``) plus independent intrinsic noise of standard deviation ``intrinsic`` per
    trial: the input of the direct-method information estimate."""
    stim = S.OrnsteinUhlenbeck(mean=mean, std=std, tau=tau, seed=noise_seed)
    return Protocol(model=model, stimulus=stim, duration=duration, trials=trials, seed=seed,
                    name="frozen-noise", intrinsic_noise=intrinsic, record_neurons=[0],
                    settings=dict(mean=mean, std=std, tau=tau, trials=trials,
                                  duration=duration, intrinsic=intrinsic, noise_seed=noise_seed))


def sweep(model="hh", seed=0, parameter="amplitude", values=None,
          stimulus="step", duration=200 * ms, trials=1, amplitude=10 * CURRENT):
    """One parameter over a list of ``values`` (e.g. ``--set parameter=amplitude
    --set values=2*uA/cm**2,4*uA/cm**2``; plain numbers take the parameter's default unit),
    each value a condition, all in one run; ``stimulus`` is ``step`` or ``constant``."""
    from hhlif.models.parsing import parse_value

    if stimulus == "step":
        stim = S.Step(amplitude=amplitude, start=min(20 * ms, duration / 4),
                      duration=duration)
    elif stimulus == "constant":
        stim = S.Constant(amplitude=amplitude)
    else:
        raise ParameterError(f"protocol 'sweep' parameter 'stimulus'={stimulus!r}: expected"
                             f" 'step' or 'constant'")
    if values is None:
        values = [2, 4, 6, 8, 10, 15, 20]
    vals = parse_value(values, "values") if isinstance(values, str) else values
    if not isinstance(vals, (list, tuple, np.ndarray)) or np.ndim(vals) == 0 or len(vals) == 0:
        vals = [vals]
    from hhlif import models as _models

    base = _models.get(model) if isinstance(model, str) else model
    if parameter in stim.parameters:
        reference = stim.parameter_value(parameter)
    elif parameter in base.parameters:
        reference = base.parameters[parameter]
    else:
        raise UnknownNameError(
            f"protocol 'sweep' parameter 'parameter'={parameter!r}: not a parameter of the"
            f" {stimulus} stimulus ({', '.join(stim.parameters)}) or of model {base.name!r}"
            f" ({', '.join(sorted(base.parameters))})")
    unit = display_unit(reference)[0]  # plain numbers are read in the display unit (µA/cm², ms, ...)
    unit = Quantity(1.0) if unit is None else unit
    quantities = [v if isinstance(v, Quantity) else v * unit for v in vals]
    return Protocol(model=model, stimulus=stim, duration=duration,
                    conditions={parameter: Quantity(quantities)}, trials=trials, seed=seed,
                    name="sweep", settings=dict(parameter=parameter,
                                                values=[format_quantity(q) for q in quantities],
                                                stimulus=stimulus, duration=duration,
                                                trials=trials))


# ----------------------------------------------------------------------- the table
#: Every built-in protocol: the one table that ``hhlif list`` (:func:`available_protocols`),
#: :func:`get_protocol` and :func:`make_protocol` read.
BUILTINS = (
    BuiltinProtocol.of("step", step, "current step (amplitude, start, duration, trials)"),
    BuiltinProtocol.of("fi-curve", fi_curve,
                       "f-I curve: n constant currents i_min..i_max, one group;"
                       " steady-state rate, onset-only responses marked"),
    BuiltinProtocol.of("frozen-noise", frozen_noise,
                       "repeated trials of frozen OU noise + intrinsic noise (mean, std, tau,"
                       " trials)"),
    BuiltinProtocol.of("sweep", sweep, "one parameter over a list of values, each a condition"),
    BuiltinProtocol.of("network", networks.network,
                       "random E/I network with Poisson drive (n, connection_probability,"
                       " drive_rate, duration)"),
    BuiltinProtocol.of("seed-xor", networks.seed_xor,
                       "seed's tv-LIF2HH XOR scenario (Suppl. Fig. 2): hh vs tv-lif2hh-seed and"
                       " tv-lif2hh, spike times side by side (cases=1,1 or [[0,1],[1,0]];"
                       " default all four)"),
    BuiltinProtocol.of("waveforms", waveforms.waveforms,
                       "seed's Fig. 3: hh-shifted vs s-lif2hh on the 2-neuron chain, as the"
                       " seed's script runs it (preset=seed) or with hhlif's conventions"
                       " (preset=native); shape=constant|sine|square|sawtooth|triangle|all"),
)
_BY_NAME = {b.name: b for b in BUILTINS}


def available_protocols() -> dict[str, str]:
    """``{name: description}`` of every built-in, sorted by name."""
    return {k: v.description for k, v in sorted(_BY_NAME.items())}


def get_protocol(name: str) -> BuiltinProtocol:
    """The built-in protocol ``name``.

    Raises
    ------
    UnknownNameError
        ``name`` is not a built-in; the message lists the valid ones.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownNameError(f"protocol {name!r}: unknown protocol; valid protocols are"
                               f" {', '.join(sorted(_BY_NAME))} (or the path of a protocol"
                               f" script ending in .py)") from None


def make_protocol(name: str, model: str | None = None, seed: int = 0, **values):
    """``get_protocol(name).make(model, seed, **values)``."""
    return get_protocol(name).make(model=model, seed=seed, **values)
