"""Calibrating a candidate model against a reference: vectorised measurements and the fit.

Contents
--------
parameter_sets      a model and its parameter sets (``{name: one value per set}``)
choose_backend      what ``backend='auto'`` runs a measurement on (runtime for small runs)
rheobase            smallest step current with repetitive firing: a current grid per set,
                    refined around the first firing current (RheobaseEstimate)
input_conductance   DC input conductance from small steps (±) around rest, steady state
fi_rates            deterministic steady-state f–I at a list of currents
FrozenNoise         frozen realisations of the equivalence task's private Poisson shot noise
noisy_response      spike trains and rates of every (set, current, realisation) under frozen
                    noise (NoisyResponse)
fi_noisy            the f–I curve under the task's noise (mean over realisations)
coincidence         Γ (±2 ms) of a candidate response against a reference response
FitConfig, FULL_FIT, QUICK_FIT
                    what :func:`fit` measures and how long it searches
fit                 -> :class:`~hhlif.models.calibration.Calibration`
save_calibration, load_calibration
                    the calibration as a JSON file (atomic; JSON only, never pickle)

Every measurement runs **one simulation holding every parameter set and every current as
neurons** (the protocol's conditions zip model parameters with stimulus values, so one
build serves a whole optimiser generation), and works for any registered model: the
membrane potential is the model's ``voltage``, spikes its own threshold.

The task's noise
----------------
:class:`FrozenNoise` draws the private noise of the equivalence tasks
(:class:`~hhlif.models.networks.PrivateNoiseNetwork` with the noise settings of
:class:`~hhlif.protocols.experiments.equivalence.EquivalenceSettings`: ``noise_sources``
excitatory and as many inhibitory Poisson sources at ``noise_rate``, weights ±w from the
description's own ``drives()``, an exponential synaptic current of time constant
``noise_tau``; a binomial number of events per step, as Brian2's ``PoissonInput`` draws
them) with NumPy, once, on a fine grid, and plays it through a table at each model's own
step (events binned per step, the synaptic current decaying per step: what that model
receives in the task, where the LIF's step is 0.1 ms).  The process is the task's; the
realisation is frozen, so that the reference and every candidate see the same input (Γ
needs it; the f–I difference is then free of the noise of two independent draws), and
every optimiser generation sees the same input too (common random numbers: the objective
is a deterministic function of the parameters).  Realisation ``k`` is drawn from
``SeedSequence([seed, k])`` whatever the number of realisations, so the realisations of
the fit (``0 .. R-1``) and the held-out ones (``R .. 2R-1``) are independent.
"""

from __future__ import annotations

import functools
import json
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from hhlif.models.calibration import TARGETS, Calibration, fit_space
from hhlif.models.errors import HhlifWarning, ParameterError, UnknownNameError
from hhlif.models.units import format_quantity, in_units, repeat_each

__all__ = ["parameter_sets", "choose_backend", "rheobase", "RheobaseEstimate",
           "input_conductance", "fi_rates", "FrozenNoise", "NoisyResponse", "noisy_response",
           "fi_noisy", "coincidence", "FitConfig", "FULL_FIT", "QUICK_FIT", "fit",
           "save_calibration", "load_calibration", "AUTO_RUNTIME_BELOW", "TARGETS"]

#: ``backend='auto'``: a measurement below this many neuron-steps runs on Brian2's runtime
#: device; above it on :func:`hhlif.protocols.backends.get_backend`'s ``auto``
#: (``cpp-simd``).  Runtime runs HH at about 10^6 and LIF at about 5·10^6 neuron-steps/s
#: here, a C++ build costs 10–20 s of compiling per new structure: below 5·10^7
#: neuron-steps the runtime device finishes first (every measurement of :func:`fit` is
#: below it, so a fit compiles nothing).
AUTO_RUNTIME_BELOW = 5e7

#: Spikes in the second half of a step that count as repetitive firing (an HH onset spike
#: below the rheobase is not).
REPETITIVE_SPIKES = 2


def _current():
    from brian2 import cm, uA

    return uA / cm**2


#: Simulations run by this module (:func:`fit` reports the difference it made).
_COUNT = {"simulations": 0}


# ====================================================================== parameter sets
def parameter_sets(model, parameters: Mapping[str, Any] | None = None):
    """A model and its parameter sets.

    Parameters
    ----------
    model : str or NeuronModel
        Registry name or description.
    parameters : mapping of str to Quantity, optional
        ``{name: value or values}``: one value per parameter set (scalars count as one
        set); None or empty: one set, the model's defaults.

    Returns
    -------
    (NeuronModel, dict, int)
        The model, ``{name: Quantity of length S}`` and the number of sets S.

    Raises
    ------
    UnknownNameError, ParameterUnitError, ParameterError
        A name that is not a parameter, a value of the wrong units, sets of different
        lengths or physically meaningless values (naming the set).
    """
    from hhlif import models
    from hhlif.models import NeuronModel, check_quantity

    base = model if isinstance(model, NeuronModel) else models.get(model)
    if not parameters:
        return base, {}, 1
    arrays, sizes = {}, set()
    for key, value in dict(parameters).items():
        if key not in base.parameters:
            raise UnknownNameError(f"parameter {key!r}: not a parameter of model {base.name!r};"
                                   f" valid parameters are {', '.join(sorted(base.parameters))}")
        q = check_quantity(key, value, base.parameters[key])
        if np.ndim(q) == 0:
            q = repeat_each(q, 1)
        if np.ndim(q) != 1 or len(q) == 0:
            raise ParameterError(f"parameter {key!r}: expected a scalar or a 1-D list of values"
                                 f" (one per parameter set), got shape {np.shape(q)}")
        arrays[key] = q
        sizes.add(len(q))
    if len(sizes) > 1:
        raise ParameterError(f"parameters: {sorted(sizes)} values for different parameters;"
                             f" expected one value per parameter set for each")
    n = sizes.pop()
    base.check_parameter_values(arrays, n, entries="parameter sets")
    return base, arrays, n


def choose_backend(backend: str, protocol) -> str:
    """The backend a measurement runs on: ``backend`` itself, except that ``auto`` gives
    ``runtime`` below :data:`AUTO_RUNTIME_BELOW` neuron-steps (no compile) and Brian2's
    compiled ``auto`` choice above it."""
    if backend != "auto":
        return backend
    units = protocol.n_neurons * protocol.neuron_model.units_per_neuron
    steps = float(protocol.duration / protocol.integration_dt)
    return "runtime" if units * steps < AUTO_RUNTIME_BELOW else "auto"


def _run(model, params: Mapping, stimulus, stim_values: Mapping, *, duration, dt, backend,
         name: str, record=(), record_dt=None):
    """One simulation: neuron ``k`` gets the ``k``-th entry of every per-neuron array of
    ``params`` and ``stim_values`` (conditions of one protocol, one build)."""
    from brian2 import ms

    from hhlif.protocols.protocol import Protocol
    from hhlif.protocols.simulation.running import run

    conditions = dict(stim_values)
    conditions.update(params)
    protocol = Protocol(model=model, stimulus=stimulus, duration=duration, dt=dt,
                        conditions=conditions, record=tuple(record),
                        record_neurons="all" if record else [],
                        record_dt=record_dt if record_dt is not None else 0.1 * ms,
                        name=name)
    recording = run(protocol, backend=choose_backend(backend, protocol), progress=False)
    _COUNT["simulations"] += 1
    return recording


def _per_neuron(params: Mapping, k: int) -> dict:
    """Each set's values repeated for its ``k`` neurons."""
    return {key: repeat_each(q, k) for key, q in params.items()}


def _sorted_spikes(recording):
    """(neuron indices, times in ms) sorted by neuron then time."""
    pop = recording.main
    order = np.lexsort((pop.spike_times, pop.spike_indices))
    return pop.spike_indices[order], pop.spike_times[order]


def _window_counts(recording, n: int, start: float, stop: float) -> np.ndarray:
    idx, t = _sorted_spikes(recording)
    inside = (t >= start) & (t <= stop)
    return np.bincount(idx[inside], minlength=n)


def _steady_rates(recording, n: int, start: float, stop: float) -> np.ndarray:
    """Per neuron: 1 / mean inter-spike interval of the spikes in [start, stop] (Hz), or
    their count over the window below two spikes (0 or one spike: no interval)."""
    idx, t = _sorted_spikes(recording)
    inside = (t >= start) & (t <= stop)
    idx, t = idx[inside], t[inside]
    counts = np.bincount(idx, minlength=n)
    same = idx[1:] == idx[:-1]
    span = np.bincount(idx[1:][same], np.diff(t)[same], minlength=n)
    rates = counts / ((stop - start) / 1000.0)
    isi = counts >= 2
    rates[isi] = 1000.0 * (counts[isi] - 1) / span[isi]
    return rates


# ====================================================================== rheobase
class RheobaseEstimate(NamedTuple):
    """A rheobase bracket per parameter set.

    Attributes
    ----------
    value : Quantity
        The smallest tested current with repetitive firing (NaN: none up to ``high``).
    lower : Quantity
        The largest tested current below it without (NaN: ``value`` is the lowest tested
        current, the rheobase is at most ``low``).  The rheobase (the infimum of the
        currents that fire) lies in [lower, value].
    """

    value: Any
    lower: Any

    @property
    def resolution(self):
        """``value - lower``: the width of the final bracket."""
        return self.value - self.lower


def rheobase(model, parameters: Mapping | None = None, *, low=None, high=None,
             points: int = 11, rounds: int = 2, duration=None, dt=None,
             backend: str = "auto") -> RheobaseEstimate:
    """Rheobase for repetitive firing of every parameter set, from a long current step.

    Round 0 steps every set to ``points`` currents from ``low`` to ``high``; each of the
    ``rounds`` refinement rounds tests ``points`` currents inside the bracket of the
    previous round (last current without, first with repetitive firing), so the bracket
    shrinks by ``points + 1`` per round: (high − low)/(points − 1)/(points + 1)^rounds
    (0 to 40 µA/cm², 11 points, 2 rounds: 0.033).  One simulation per round, every set
    and current a neuron.  Repetitive firing: at least :data:`REPETITIVE_SPIKES` spikes
    in the second half of the step (an onset spike alone is not).

    Parameters
    ----------
    model : str or NeuronModel
    parameters : mapping, optional
        Parameter sets (:func:`parameter_sets`).
    low, high : Quantity
        The first grid's ends (default 0 and 40 µA/cm²).
    points, rounds : int
        Currents per round (>= 2), refinement rounds (>= 0).
    duration : Quantity
        Length of the step, from t = 0 (default 500 ms).
    dt : Quantity, optional
        Integration step (default: the model's).
    backend : str
        See :func:`choose_backend`.

    Returns
    -------
    RheobaseEstimate
        Quantities in amp/metre², one value per set.
    """
    from brian2 import ms

    from hhlif.models import check_quantity
    from hhlif.protocols import stimuli

    current = _current()
    low = check_quantity("low", 0 * current if low is None else low, current)
    high = check_quantity("high", 40 * current if high is None else high, current)
    duration = check_quantity("duration", 500 * ms if duration is None else duration, ms,
                              positive=True)
    if not float(high) > float(low):
        raise ParameterError(f"high={format_quantity(high)}: expected a value above"
                             f" low={format_quantity(low)}")
    for name, value, minimum in (("points", points, 2), ("rounds", rounds, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ParameterError(f"{name}={value!r}: expected an integer >= {minimum}")
    base, params, n_sets = parameter_sets(model, parameters)
    stop = float(duration / ms)
    lo = np.full(n_sets, float(low))        # SI values (amp/metre²)
    hi = np.full(n_sets, float(high))
    value = np.full(n_sets, np.nan)
    lower = np.full(n_sets, np.nan)
    active = np.ones(n_sets, bool)          # sets whose bracket is still refined
    per_neuron = _per_neuron(params, points)
    for k in range(rounds + 1):
        if not active.any():
            break
        if k == 0:
            grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, points)[None, :]
        else:
            frac = np.arange(1, points + 1) / (points + 1.0)
            grid = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        amps = grid.ravel() * (current / float(current))
        rec = _run(base, per_neuron, stimuli.Constant(0 * current), {"amplitude": amps},
                   duration=duration, dt=dt, backend=backend, name="calibration-rheobase")
        late = _window_counts(rec, n_sets * points, stop / 2.0, stop).reshape(n_sets, points)
        fires = late >= REPETITIVE_SPIKES
        any_fire = fires.any(axis=1)
        first = np.argmax(fires, axis=1)
        for s in np.flatnonzero(active):
            if not any_fire[s]:
                if k == 0:          # silent up to high: no rheobase on this grid
                    lower[s], active[s] = grid[s, -1], False
                else:               # the bracket's upper end stays the first firing current
                    lo[s] = grid[s, -1]
                    lower[s] = lo[s]
                continue
            j = first[s]
            value[s] = hi[s] = grid[s, j]
            if j == 0:
                if k == 0:          # fires at low already
                    lower[s], active[s] = np.nan, False
                else:
                    lower[s] = lo[s]
            else:
                lower[s] = lo[s] = grid[s, j - 1]
    unit = current / float(current)
    return RheobaseEstimate(value=value * unit, lower=lower * unit)


# ====================================================================== conductance
def input_conductance(model, parameters: Mapping | None = None, *, step=None, duration=None,
                      dt=None, backend: str = "auto"):
    """DC input conductance of every parameter set: G = 2·step / (V(+step) − V(−step)).

    Three neurons per set (0, +step, −step from t = 0); V is the mean membrane potential
    over the last quarter of the run (the steady state: HH's damped oscillation has died
    out after 200 ms).  A set whose neurons spike gives NaN (not a subthreshold response).

    Parameters
    ----------
    model, parameters
        See :func:`parameter_sets`.
    step : Quantity
        Size of the steps (default 0.1 µA/cm²: HH moves by about 0.1 mV, linear).
    duration : Quantity
        Default 300 ms.
    dt, backend
        See :func:`rheobase`.

    Returns
    -------
    Quantity
        siemens/metre², one value per set (LIF: exactly g_L).
    """
    from brian2 import ms, siemens, meter

    from hhlif.models import check_quantity
    from hhlif.protocols import stimuli

    current = _current()
    step = check_quantity("step", 0.1 * current if step is None else step, current,
                          positive=True)
    duration = check_quantity("duration", 300 * ms if duration is None else duration, ms,
                              positive=True)
    base, params, n_sets = parameter_sets(model, parameters)
    amps = np.tile([0.0, float(step), -float(step)], n_sets) * (current / float(current))
    record_dt = min(1 * ms, duration / 20)
    rec = _run(base, _per_neuron(params, 3), stimuli.Constant(0 * current), {"amplitude": amps},
               duration=duration, dt=dt, backend=backend, name="calibration-conductance",
               record=(base.voltage,), record_dt=record_dt)
    signal = rec.main.signals[base.voltage]
    values = np.asarray(signal.values, dtype=float)            # (samples, neurons), mV
    tail = values[int(0.75 * values.shape[0]):]
    order = np.argsort(np.asarray(signal.neurons))
    mean = tail[:, order].mean(axis=0).reshape(n_sets, 3)      # mV
    dv = (mean[:, 1] - mean[:, 2]) * 1e-3                      # volt
    spiking = rec.main.spike_counts().reshape(n_sets, 3).sum(axis=1) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2.0 * float(step) / dv
    g[spiking | ~np.isfinite(g)] = np.nan
    return g * (siemens / meter**2)


# ====================================================================== f–I
def fi_rates(model, currents, parameters: Mapping | None = None, *, duration=None, dt=None,
             backend: str = "auto") -> np.ndarray:
    """Deterministic steady-state f–I: the rate of every set at every constant current.

    The rate is 1 / mean inter-spike interval in the second half of the run (not
    quantised by the window; 0 without spikes there, the count over the window with
    one), as the ``fi-curve`` protocol's ``steady_isi_rate_hz``.

    Parameters
    ----------
    model, parameters
        See :func:`parameter_sets`.
    currents : Quantity
        Current densities.
    duration : Quantity
        Default 1000 ms.
    dt, backend
        See :func:`rheobase`.

    Returns
    -------
    numpy.ndarray
        Hz, shape (sets, currents).
    """
    from brian2 import ms

    from hhlif.models import check_quantity
    from hhlif.protocols import stimuli

    current = _current()
    currents = _currents(currents)
    duration = check_quantity("duration", 1000 * ms if duration is None else duration, ms,
                              positive=True)
    base, params, n_sets = parameter_sets(model, parameters)
    c = len(currents)
    amps = np.tile(np.asarray(currents, dtype=float), n_sets) * (current / float(current))
    rec = _run(base, _per_neuron(params, c), stimuli.Constant(0 * current), {"amplitude": amps},
               duration=duration, dt=dt, backend=backend, name="calibration-fi")
    stop = float(duration / ms)
    return _steady_rates(rec, n_sets * c, stop / 2.0, stop).reshape(n_sets, c)


def _currents(currents):
    from hhlif.models import check_quantity

    current = _current()
    q = check_quantity("currents", currents, current)
    q = repeat_each(q, 1) if np.ndim(q) == 0 else q
    if np.ndim(q) != 1 or len(q) == 0:
        raise ParameterError(f"currents: expected a non-empty list of current densities, got"
                             f" shape {np.shape(q)}")
    return q


# ====================================================================== task noise
@dataclass(frozen=True)
class FrozenNoise:
    """Frozen realisations of the equivalence task's private noise (see the module notes).

    Parameters
    ----------
    settings : EquivalenceSettings or mapping, optional
        The task settings (default :data:`~hhlif.protocols.experiments.equivalence.DEFAULT`);
        ``noise_std``, ``noise_tau``, ``noise_sources`` and ``noise_rate`` are used.
    columns : sequence of int
        The realisations (table columns); realisation ``k`` is drawn from
        ``SeedSequence([seed, k])``.
    seed : int
    duration : Quantity
        Length of every realisation (default 1000 ms).
    sample_dt : Quantity
        Step of the event grid (default 0.01 ms, HH's step); a model of step ``dt`` (a
        multiple) receives the events binned per step (:meth:`table`), as a model in the
        task draws them per step.

    Examples
    --------
    >>> from brian2 import ms
    >>> noise = FrozenNoise(columns=(0, 1), duration=200 * ms)
    >>> noise.table().shape, noise.table(0.1 * ms).shape
    ((20001, 2), (2001, 2))
    """

    settings: Any = None
    columns: tuple = (0,)
    seed: int = 0
    duration: Any = None
    sample_dt: Any = None

    def __post_init__(self):
        from brian2 import ms

        from hhlif.models import check_quantity
        from hhlif.protocols.experiments.equivalence import EquivalenceSettings

        object.__setattr__(self, "settings", EquivalenceSettings.coerce(self.settings))
        cols = tuple(int(c) for c in np.atleast_1d(np.asarray(self.columns)))
        if not cols or any(c < 0 for c in cols) or len(set(cols)) != len(cols) or \
                not np.array_equal(np.asarray(self.columns, dtype=float).ravel(), cols):
            raise ParameterError(f"columns={self.columns!r}: expected distinct integers >= 0"
                                 f" (the realisations)")
        object.__setattr__(self, "columns", cols)
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            raise ParameterError(f"seed={self.seed!r}: expected an integer >= 0")
        object.__setattr__(self, "duration", check_quantity(
            "duration", 1000 * ms if self.duration is None else self.duration, ms,
            positive=True))
        object.__setattr__(self, "sample_dt", check_quantity(
            "sample_dt", 0.01 * ms if self.sample_dt is None else self.sample_dt, ms,
            positive=True))

    def network(self):
        """The task's :class:`~hhlif.models.networks.PrivateNoiseNetwork` of one neuron,
        whose ``drives()`` define the noise."""
        from hhlif.models.networks import PrivateNoiseNetwork

        s = self.settings
        return PrivateNoiseNetwork(size=1, noise_std=s.noise_std, noise_tau=s.noise_tau,
                                   noise_sources=int(s.noise_sources), noise_rate=s.noise_rate)

    @functools.cached_property
    def events(self) -> np.ndarray:
        """The Poisson events on the ``sample_dt`` grid, shape (steps, columns): per step
        the sum of ±w times each drive's binomial count (SI, amp/metre²)."""
        dt = float(self.sample_dt)
        steps = int(math.ceil(float(self.duration) / dt)) + 1
        drives = self.network().drives()
        out = np.zeros((steps, len(self.columns)))
        for j, k in enumerate(self.columns):
            rng = np.random.default_rng(np.random.SeedSequence([int(self.seed), int(k)]))
            for d in drives:
                p = float(d["rate"]) * dt
                out[:, j] += float(d["weight"]) * rng.binomial(int(d["n_sources"]), p,
                                                               size=steps)
        return out

    def steps_of(self, dt) -> int:
        """How many ``sample_dt`` steps make one step ``dt`` (an integer >= 1).

        Raises
        ------
        ParameterError
            For a step that is not a multiple of ``sample_dt``.
        """
        ratio = float(dt) / float(self.sample_dt)
        m = int(round(ratio))
        if m < 1 or abs(ratio - m) > 1e-6 * max(ratio, 1.0):
            raise ParameterError(f"dt={format_quantity(dt)}: expected a multiple of the noise's"
                                 f" sample_dt={format_quantity(self.sample_dt)} (each model"
                                 f" reads the events at its own step)")
        return m

    def table(self, dt=None):
        """The current of every realisation as a model of step ``dt`` receives it in the
        task, shape (steps, columns), amp/metre²: the events of each step (those of the
        ``sample_dt`` grid summed over the step, as a ``PoissonInput`` draws them per step)
        added to a synaptic current that decays by exp(−dt/noise_tau) per step, starting
        at zero as the task's does.  Every step sees the same events (a coarser step
        merely bins them): the realisation is the same for every model.

        Parameters
        ----------
        dt : Quantity, optional
            The model's step (default ``sample_dt``); a multiple of ``sample_dt``.
        """
        from brian2 import amp, meter
        from scipy.signal import lfilter

        dt = self.sample_dt if dt is None else dt
        m = self.steps_of(dt)
        events = self.events
        if m > 1:
            cumulative = np.cumsum(events, axis=0)
            ends = np.arange(0, events.shape[0], m)      # fine index of each coarse step
            binned = np.empty((ends.size, events.shape[1]))
            binned[0] = events[0]
            binned[1:] = cumulative[ends[1:]] - cumulative[ends[:-1]]
            events = binned
        a = math.exp(-float(dt) / float(self.settings.noise_tau))
        return lfilter([1.0], [1.0, -a], events, axis=0) * (amp / meter**2)

    def stimulus(self, dt=None):
        """``Constant(amplitude) + WaveformSet(table(dt))``: a neuron's current is the
        condition's ``amplitude0`` plus column ``index1`` of the table of its step."""
        from hhlif.protocols import stimuli

        dt = self.sample_dt if dt is None else dt
        return stimuli.Constant(0 * _current()) + stimuli.WaveformSet(
            values=self.table(dt), sample_dt=dt)

    def describe(self) -> dict:
        """JSON-friendly: the process (the network's description), columns, seed, times."""
        from brian2 import ms

        return {"process": self.network().describe(), "columns": list(self.columns),
                "seed": int(self.seed), "duration_ms": in_units(self.duration, ms),
                "sample_dt_ms": in_units(self.sample_dt, ms)}


@dataclass
class NoisyResponse:
    """Spike trains of parameter sets × currents × realisations under frozen noise.

    Attributes
    ----------
    currents : numpy.ndarray
        µA/cm², shape (C,).
    columns : tuple of int
        The realisations, (R,).
    n_sets : int
        S.
    trains : list of numpy.ndarray
        Spike times (ms) inside ``window``, sorted; train ``(s·C + c)·R + r``.
    window : (float, float)
        Start and stop (ms) of the analysed window (the first ``skip`` ms dropped).
    """

    currents: np.ndarray
    columns: tuple
    n_sets: int
    trains: list
    window: tuple

    @property
    def shape(self) -> tuple:
        return self.n_sets, len(self.currents), len(self.columns)

    def train(self, s: int, c: int, r: int) -> np.ndarray:
        _, n_c, n_r = self.shape
        return self.trains[(s * n_c + c) * n_r + r]

    def counts(self) -> np.ndarray:
        """Spikes in the window, shape (S, C, R)."""
        return np.array([t.size for t in self.trains], dtype=float).reshape(self.shape)

    def rates(self) -> np.ndarray:
        """Hz, shape (S, C, R): the count over the window."""
        start, stop = self.window
        return self.counts() / ((stop - start) / 1000.0)

    def cv(self) -> np.ndarray:
        """ISI coefficient of variation, intervals pooled over realisations, (S, C); NaN
        below two intervals."""
        s_, c_, r_ = self.shape
        out = np.full((s_, c_), np.nan)
        for s in range(s_):
            for c in range(c_):
                isi = np.concatenate([np.diff(self.train(s, c, r)) for r in range(r_)])
                if isi.size >= 2 and isi.mean() > 0:
                    out[s, c] = float(isi.std() / isi.mean())
        return out

    def select(self, currents=None, columns=None) -> "NoisyResponse":
        """The response at some of the currents (µA/cm² numbers) and realisations."""
        c_idx = np.arange(len(self.currents)) if currents is None else np.array(
            [_position(self.currents, float(c), "current") for c in np.atleast_1d(currents)])
        r_idx = np.arange(len(self.columns)) if columns is None else np.array(
            [_position(np.asarray(self.columns, float), float(k), "realisation")
             for k in np.atleast_1d(columns)])
        trains = [self.train(s, c, r) for s in range(self.n_sets) for c in c_idx for r in r_idx]
        return NoisyResponse(currents=self.currents[c_idx],
                             columns=tuple(self.columns[r] for r in r_idx),
                             n_sets=self.n_sets, trains=trains, window=self.window)


def _position(values: np.ndarray, value: float, what: str) -> int:
    hits = np.flatnonzero(np.isclose(values, value, rtol=0, atol=1e-9))
    if not hits.size:
        raise ParameterError(f"{what} {value:g}: not in this response ({values.tolist()})")
    return int(hits[0])


def noisy_response(model, currents, parameters: Mapping | None = None, *,
                   noise: FrozenNoise | None = None, columns: Sequence[int] | None = None,
                   skip=None, dt=None, backend: str = "auto") -> NoisyResponse:
    """Every set at every current plus every frozen realisation of the task's noise.

    Parameters
    ----------
    model, parameters
        See :func:`parameter_sets`.
    currents : Quantity
        Mean currents (current densities).
    noise : FrozenNoise, optional
        Default ``FrozenNoise()`` (the default task's noise, one realisation, 1 s).
    columns : sequence of int, optional
        The realisations to use (default: all of ``noise``).
    skip : Quantity
        Transient dropped at the start (default 50 ms).
    dt, backend
        See :func:`rheobase`.

    Returns
    -------
    NoisyResponse
    """
    from brian2 import ms

    from hhlif.models import check_quantity

    noise = FrozenNoise() if noise is None else noise
    if not isinstance(noise, FrozenNoise):
        raise ParameterError(f"noise={noise!r:.80}: expected a FrozenNoise")
    currents = _currents(currents)
    skip = check_quantity("skip", 50 * ms if skip is None else skip, ms, nonnegative=True)
    if not float(skip) < float(noise.duration):
        raise ParameterError(f"skip={format_quantity(skip)}: expected less than the noise's"
                             f" duration {format_quantity(noise.duration)}")
    cols = noise.columns if columns is None else tuple(int(k) for k in columns)
    positions = np.array([_position(np.asarray(noise.columns, float), float(k), "realisation")
                          for k in cols], dtype=int)
    base, params, n_sets = parameter_sets(model, parameters)
    c, r = len(currents), len(cols)
    current = _current()
    amps = np.tile(np.repeat(np.asarray(currents, dtype=float), r), n_sets)
    stim_values = {"amplitude0": amps * (current / float(current)),
                   "index1": np.tile(positions, n_sets * c)}
    step = base.dt if dt is None else dt
    noise.steps_of(step)    # a step the events can be binned to (before anything is built)
    rec = _run(base, _per_neuron(params, c * r), noise.stimulus(step), stim_values,
               duration=noise.duration, dt=dt, backend=backend, name="calibration-noise")
    start, stop = float(skip / ms), float(noise.duration / ms)
    idx, t = _sorted_spikes(rec)
    inside = (t >= start) & (t <= stop)
    idx, t = idx[inside], t[inside]
    n = n_sets * c * r
    trains = np.split(t, np.searchsorted(idx, np.arange(1, n)))
    return NoisyResponse(currents=np.asarray(currents / current, dtype=float), columns=cols,
                         n_sets=n_sets, trains=trains, window=(start, stop))


def fi_noisy(model, currents, parameters: Mapping | None = None, *, settings=None,
             realisations: int = 4, seed: int = 0, duration=None, skip=None, dt=None,
             backend: str = "auto") -> np.ndarray:
    """The f–I curve under the task's noise: the mean rate over ``realisations`` frozen
    realisations (:func:`noisy_response` of ``FrozenNoise(settings, range(realisations),
    seed, duration)``).

    Returns
    -------
    numpy.ndarray
        Hz, shape (sets, currents).
    """
    if isinstance(realisations, bool) or not isinstance(realisations, (int, np.integer)) \
            or realisations < 1:
        raise ParameterError(f"realisations={realisations!r}: expected an integer >= 1")
    noise = FrozenNoise(settings=settings, columns=tuple(range(int(realisations))), seed=seed,
                        duration=duration)
    resp = noisy_response(model, currents, parameters, noise=noise, skip=skip, dt=dt,
                          backend=backend)
    return resp.rates().mean(axis=2)


def coincidence(reference: NoisyResponse, candidate: NoisyResponse, delta=None) -> np.ndarray:
    """Γ (Kistler et al. 1997, :func:`hhlif.analysis.spike_timing.coincidence_factor`) of
    every candidate train against the reference train of the same current and realisation.

    Parameters
    ----------
    reference : NoisyResponse
        One parameter set (S = 1).
    candidate : NoisyResponse
        The same currents, realisations and window.
    delta : Quantity
        Half-width of the coincidence window (default 2 ms).

    Returns
    -------
    numpy.ndarray
        Shape (S, C, R); NaN where Γ is undefined (no spike in either train, or a
        candidate rate of 1/(2Δ) or more).
    """
    import quantities as pq
    from brian2 import ms

    from hhlif.analysis.errors import AnalysisInputError
    from hhlif.analysis.spike_timing import coincidence_factor
    from hhlif.models import check_quantity

    delta = check_quantity("delta", 2 * ms if delta is None else delta, ms, positive=True)
    if reference.n_sets != 1:
        raise ParameterError(f"reference: {reference.n_sets} parameter sets; expected one")
    if not (np.allclose(reference.currents, candidate.currents)
            and tuple(reference.columns) == tuple(candidate.columns)
            and tuple(reference.window) == tuple(candidate.window)):
        raise ParameterError("candidate: its currents, realisations or window differ from the"
                             " reference's; expected the same input")
    s_, c_, r_ = candidate.shape
    start, stop = candidate.window
    d = float(delta / ms) * pq.ms
    out = np.full(candidate.shape, np.nan)
    for c in range(c_):
        for r in range(r_):
            ref = reference.train(0, c, r)
            for s in range(s_):
                try:
                    out[s, c, r] = coincidence_factor(ref, candidate.train(s, c, r), delta=d,
                                                      t_start=start * pq.ms,
                                                      t_stop=stop * pq.ms)
                except AnalysisInputError:
                    pass  # undefined: NaN
    return out


# ====================================================================== the fit
@dataclass(frozen=True)
class FitConfig:
    """What :func:`fit` measures and how long it searches (plain numbers in the units the
    names state).

    Parameters
    ----------
    fi_currents : tuple of float
        Deterministic f–I currents, µA/cm².
    noisy_currents, gamma_currents : tuple of float
        Mean currents of the f–I under the task's noise and of Γ, µA/cm² (Γ: the
        ``rate-classes`` currents of the default task).
    realisations : int
        Frozen realisations for the fit; as many others are held out for the report.
    noise_ms, skip_ms, fi_ms, rheobase_ms, conductance_ms : float
        Durations: each noisy run and its dropped transient, the deterministic f–I
        run, the rheobase step and the conductance steps.
    rheobase_low, rheobase_high : float
        µA/cm²; ``rheobase_points``, ``rheobase_rounds`` as :func:`rheobase`.
    popsize, maxiter, tol : int, int, float
        :func:`scipy.optimize.differential_evolution`: population per parameter,
        generations at most, relative tolerance of the population's spread.
    """

    fi_currents: tuple = tuple(float(x) for x in np.arange(0.0, 42.5, 2.5))
    noisy_currents: tuple = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0)
    gamma_currents: tuple = (4.0, 6.0, 8.0, 10.0)
    realisations: int = 8
    noise_ms: float = 1000.0
    skip_ms: float = 50.0
    fi_ms: float = 1000.0
    rheobase_ms: float = 500.0
    conductance_ms: float = 300.0
    rheobase_low: float = 0.0
    rheobase_high: float = 40.0
    rheobase_points: int = 11
    rheobase_rounds: int = 2
    popsize: int = 15
    maxiter: int = 40
    tol: float = 0.01

    def describe(self) -> dict:
        """The fields as a JSON object."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


#: The default fit (``hhlif fit``).
FULL_FIT = FitConfig()
#: ``--quick``: fewer currents and realisations, shorter runs, a short search.
QUICK_FIT = FitConfig(fi_currents=(0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0),
                      noisy_currents=(0.0, 4.0, 8.0, 12.0, 16.0), gamma_currents=(4.0, 8.0),
                      realisations=2, noise_ms=500.0, fi_ms=500.0, rheobase_ms=300.0,
                      conductance_ms=200.0, rheobase_points=9, rheobase_rounds=1,
                      popsize=5, maxiter=4)


class _Measurer:
    """Every measurement of one fit with the same settings (the reference's and the
    candidates' alike)."""

    def __init__(self, config: FitConfig, noise: FrozenNoise, fit_columns, held_columns,
                 backend: str):
        self.config, self.noise, self.backend = config, noise, backend
        self.fit_columns, self.held_columns = tuple(fit_columns), tuple(held_columns)

    def _ms(self, value):
        from brian2 import ms

        return value * ms

    def rheobase(self, model, params, dt):
        c, cur = self.config, _current()
        return rheobase(model, params, low=c.rheobase_low * cur, high=c.rheobase_high * cur,
                        points=c.rheobase_points, rounds=c.rheobase_rounds,
                        duration=self._ms(c.rheobase_ms), dt=dt, backend=self.backend)

    def conductance(self, model, params, dt):
        return input_conductance(model, params, duration=self._ms(self.config.conductance_ms),
                                 dt=dt, backend=self.backend)

    def fi(self, model, params, dt):
        return fi_rates(model, np.asarray(self.config.fi_currents) * _current(), params,
                        duration=self._ms(self.config.fi_ms), dt=dt, backend=self.backend)

    def noisy(self, model, params, dt, currents, columns):
        return noisy_response(model, np.asarray(currents, dtype=float) * _current(), params,
                              noise=self.noise, columns=columns,
                              skip=self._ms(self.config.skip_ms), dt=dt, backend=self.backend)

    def all_currents(self):
        return sorted(set(self.config.noisy_currents) | set(self.config.gamma_currents))


def _short(q) -> str:
    """A quantity to 4 significant digits in its display unit (``'1.173*mS/cm**2'``)."""
    from hhlif.models.units import display_unit

    unit, text = display_unit(q)
    number = float(q) if unit is None else float(q / unit)
    return f"{number:.4g}" + ("" if unit is None else f"*{text}")


def _common_step(a, b):
    """The longest step of which both ``a`` and ``b`` are multiples (to 1 ns)."""
    from brian2 import second

    ns = math.gcd(int(round(float(a) * 1e9)), int(round(float(b) * 1e9)))
    return max(ns, 1) * 1e-9 * second


def _rms(a, b, axis=-1):
    return np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2, axis=axis))


def _gamma_error(gammas: np.ndarray) -> np.ndarray:
    """1 − mean Γ over currents and realisations per set (an undefined Γ counts as 0,
    chance)."""
    g = np.where(np.isfinite(gammas), gammas, 0.0)
    return 1.0 - g.reshape(g.shape[0], -1).mean(axis=1)


#: Objective value of a set whose rheobase is not found on the grid (relative error).
_NO_RHEOBASE = 10.0


def fit(reference: str = "hh", candidate: str = "lif", target: str = "fi-noisy", *,
        settings=None, seed: int = 0, backend: str = "auto", quick: bool = False,
        progress: bool = True, config: FitConfig | None = None) -> Calibration:
    """Fit the candidate's :data:`~hhlif.models.calibration.FIT_SPACES` parameters to the
    reference on ``target``.

    Parameters
    ----------
    reference : str or NeuronModel
        Registry name, or a model description (e.g. ``models.get("lif", g_L=...)``: a
        reference of known parameters; its parameters are recorded in the settings).
    candidate : str
        Registry name with a fit space (``lif``, ``adex``).
    target : str
        Among :data:`~hhlif.models.calibration.TARGETS`:

        ``rheobase``
            relative errors of the rheobase and the DC input conductance, in quadrature
            (only the space's static parameters are fitted);
        ``fi``
            RMS difference (Hz) of the deterministic steady-state f–I curves;
        ``fi-noisy`` (default)
            RMS difference (Hz) of the f–I curves under the task's noise, frozen
            realisations ``0 .. R-1`` (the same for both models);
        ``gamma``
            1 − mean Γ (±2 ms) against the reference at the ``gamma_currents`` on the
            same frozen realisations.
    settings : EquivalenceSettings or mapping, optional
        The task settings whose noise is used (``noise_std`` ...) and whose per-model
        ``dt`` integrates each model (the candidate is fitted as the task simulates it:
        ``lif`` at 0.1 ms by default).
    seed : int
        Seeds the noise realisations and the optimiser.
    backend : str
        ``auto`` (default): Brian2's runtime device for every measurement below
        :data:`AUTO_RUNTIME_BELOW` neuron-steps (all of the default fit: no compile), the
        compiled choice above; any backend name runs every measurement there.
    quick : bool
        :data:`QUICK_FIT` instead of :data:`FULL_FIT` (ignored when ``config`` is given).
    progress : bool
        Messages on stderr (``hhlif: ...``): the reference, every generation's best error.
    config : FitConfig, optional

    Returns
    -------
    Calibration
        Its ``report`` holds, for the fitted model, every target's reference value,
        candidate value and error (rheobase, input conductance, deterministic f–I and
        f–I under the task's noise on the held-out realisations, held-out Γ, ISI CVs),
        the optimiser's generations, evaluations and simulations, the wall times, and
        notes (parameters at a bound; a time step above a tenth of the fitted τ_m).

    Raises
    ------
    UnknownNameError, ParameterError
        Bad names or settings, before any simulation.
    hhlif.protocols.errors.RunInterrupted
        Ctrl-C (nothing is written: the caller saves the result).

    Notes
    -----
    Optimiser: :func:`scipy.optimize.differential_evolution` with ``vectorized=True`` and
    ``updating='deferred'``: every generation (``popsize`` × parameters trial sets) is
    **one** simulation with a neuron per (set, current, realisation), so a generation
    costs one Brian2 run's overhead (0.3–1 s here) instead of one per set, which is what a
    sequential method such as Nelder–Mead would pay (about 100 runs for 3 parameters).
    The objectives are deterministic (frozen noise) but piecewise constant in the
    parameters (spike counts), with flat plateaus on which a simplex stalls; DE needs no
    gradient or start and searches the whole box (log10 coordinates for conductances and
    time constants).  No local polish (``polish=False``: L-BFGS-B would evaluate one set
    per run on a plateau-ridden function).  The best set of the last generation is the
    result; the report says whether DE met its tolerance or stopped at ``maxiter``.
    """
    from hhlif import models
    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.simulation.provenance import say

    t0 = time.perf_counter()
    if target not in TARGETS:
        raise UnknownNameError(f"target {target!r}: unknown; valid targets are"
                               f" {', '.join(TARGETS)}")
    ref_model = models.get(reference)      # a name, or a NeuronModel (known parameters)
    reference = ref_model.name
    space = fit_space(candidate)
    cand_model = models.get(candidate)
    space.check(cand_model)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed={seed!r}: expected an integer >= 0")
    get_backend(backend)
    s = EquivalenceSettings.coerce(settings)
    cfg = config if config is not None else (QUICK_FIT if quick else FULL_FIT)
    if not isinstance(cfg, FitConfig):
        raise ParameterError(f"config={cfg!r:.80}: expected a FitConfig")
    dt_ref, dt_cand = s.dt.get(reference), s.dt.get(candidate)
    step_ref = dt_ref if dt_ref is not None else ref_model.dt
    step_cand = dt_cand if dt_cand is not None else cand_model.dt
    from brian2 import ms

    r = int(cfg.realisations)
    noise = FrozenNoise(settings=s, columns=tuple(range(2 * r)), seed=int(seed),
                        duration=cfg.noise_ms * ms, sample_dt=_common_step(step_ref, step_cand))
    fit_cols, held_cols = tuple(range(r)), tuple(range(r, 2 * r))
    m = _Measurer(cfg, noise, fit_cols, held_cols, backend)
    note = say if progress else (lambda text: None)
    sims0 = _COUNT["simulations"]

    # ---------------------------------------------------------------- the reference, once
    note(f"measuring the reference {reference}: rheobase, input conductance, f-I and f-I"
         f" under the task's noise ({2 * r} frozen realisations of"
         f" {format_quantity(noise.duration)})")
    ref = {"rheobase": m.rheobase(ref_model, None, dt_ref),
           "conductance": m.conductance(ref_model, None, dt_ref),
           "fi": m.fi(ref_model, None, dt_ref)[0],
           "noisy": m.noisy(ref_model, None, dt_ref, m.all_currents(), fit_cols + held_cols)}
    t_ref = time.perf_counter()
    ref_fit_noisy = ref["noisy"].select(cfg.noisy_currents, fit_cols)
    ref_fit_gamma = ref["noisy"].select(cfg.gamma_currents, fit_cols)
    rb_ref = float(ref["rheobase"].value[0])
    g_ref = float(ref["conductance"][0])
    if target == "rheobase" and not (np.isfinite(rb_ref) and np.isfinite(g_ref)):
        raise ParameterError(f"reference {reference!r}: rheobase or input conductance not"
                             f" measurable on this grid (rheobase {rb_ref!r}); expected a"
                             f" reference that fires below {cfg.rheobase_high:g} uA/cm**2")
    note(f"reference {reference}: rheobase {rb_ref * 100:.4g} uA/cm**2, input conductance"
         f" {g_ref * 0.1:.4g} mS/cm**2, rate {ref_fit_noisy.rates().mean():.4g} Hz under the"
         f" task's noise ({time.perf_counter() - t0:.1f} s)")

    # ---------------------------------------------------------------- the objective
    chosen = space.select(target)
    unit = {"rheobase": "1", "fi": "Hz", "fi-noisy": "Hz", "gamma": "1"}[target]
    shown_unit = {"rheobase": "(relative)", "gamma": "(1 - gamma)"}.get(target, unit)
    state = {"generation": 0, "best": math.inf, "best_x": None, "sets": 0}

    def objective(x):
        x = np.atleast_2d(np.asarray(x, dtype=float))
        if x.shape[0] != len(chosen):
            x = x.T
        params = space.values(x, target)
        with _quiet_steps():
            if target == "rheobase":
                rb = np.asarray(m.rheobase(cand_model, params, dt_cand).value, dtype=float)
                g = np.asarray(m.conductance(cand_model, params, dt_cand), dtype=float)
                err = np.hypot((rb - rb_ref) / rb_ref, (g - g_ref) / g_ref)
                err[~np.isfinite(err)] = _NO_RHEOBASE
            elif target == "fi":
                err = _rms(m.fi(cand_model, params, dt_cand), ref["fi"][None, :])
            elif target == "fi-noisy":
                resp = m.noisy(cand_model, params, dt_cand, cfg.noisy_currents, fit_cols)
                err = _rms(resp.rates().mean(axis=2),
                           ref_fit_noisy.rates().mean(axis=2))
            else:
                resp = m.noisy(cand_model, params, dt_cand, cfg.gamma_currents, fit_cols)
                err = _gamma_error(coincidence(ref_fit_gamma, resp))
        err = np.where(np.isfinite(err), err, _NO_RHEOBASE if target == "rheobase" else 1e6)
        k = int(np.argmin(err))
        if err[k] < state["best"]:
            state["best"], state["best_x"] = float(err[k]), x[:, k].copy()
        best = ", ".join(f"{p.name}={_short(p.value(v))}"
                         for p, v in zip(chosen, state["best_x"]))
        label = "initial population" if state["generation"] == 0 else \
            f"generation {state['generation']}/{cfg.maxiter}"
        note(f"fit {candidate} to {reference} on {target}: {label}, {x.shape[1]} sets, best"
             f" error {state['best']:.4g} {shown_unit} ({best}), {time.perf_counter() - t0:.0f} s")
        state["generation"] += 1
        state["sets"] += int(x.shape[1])
        return err

    from scipy.optimize import differential_evolution

    import inspect

    generator = np.random.default_rng(int(seed))
    rng_keyword = "rng" if "rng" in inspect.signature(differential_evolution).parameters \
        else "seed"   # SciPy >= 1.15 names it rng
    result = differential_evolution(
        objective, space.bounds(target), vectorized=True, updating="deferred",
        popsize=int(cfg.popsize), maxiter=int(cfg.maxiter), tol=float(cfg.tol),
        polish=False, init="latinhypercube", **{rng_keyword: generator})
    t_fit = time.perf_counter()
    best_x = np.asarray(result.x, dtype=float)
    fitted = {p.name: p.value(v) for p, v in zip(chosen, best_x)}

    # ---------------------------------------------------------------- the report
    shown = ", ".join(f"{k}={_short(v)}" for k, v in fitted.items())
    note(f"measuring the fitted {candidate} ({shown}) on every target, held-out realisations")
    with _quiet_steps():
        cand = {"rheobase": m.rheobase(cand_model, fitted, dt_cand),
                "conductance": m.conductance(cand_model, fitted, dt_cand),
                "fi": m.fi(cand_model, fitted, dt_cand)[0],
                "noisy": m.noisy(cand_model, fitted, dt_cand, m.all_currents(), held_cols)}
    t_rep = time.perf_counter()
    report = _report(ref, cand, m, cfg, target, fitted, chosen, result, state,
                     cand_model, step_cand,
                     sims=_COUNT["simulations"] - sims0,
                     times={"reference": t_ref - t0, "fit": t_fit - t_ref,
                            "report": t_rep - t_fit, "total": t_rep - t0},
                     backend=backend, unit=unit)
    record = {"task": s.to_json(), "measurement": cfg.describe(), "seed": int(seed),
              "quick": bool(quick), "backend": backend,
              "dt_ms": {reference: in_units(step_ref, ms), candidate: in_units(step_cand, ms)},
              "noise": dict(noise.describe(), fit_columns=list(fit_cols),
                            held_out_columns=list(held_cols)),
              "fit_space": space.describe(target),
              "reference_parameters": {k: format_quantity(v)
                                       for k, v in ref_model.parameters.items()}}
    note(f"fit done in {t_rep - t0:.1f} s")
    return Calibration(candidate=candidate, reference=reference, target=target,
                       parameters=fitted, report=report, settings=record)


class _quiet_steps(warnings.catch_warnings):
    """Inside a fit: no time-step warning per trial set (a candidate with a short τ_m at
    the task's step; the report notes it once for the fitted model)."""

    def __enter__(self):
        out = super().__enter__()
        warnings.filterwarnings("ignore", category=HhlifWarning, message=r"model .*time step")
        return out


def _finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _report(ref, cand, m: _Measurer, cfg: FitConfig, target, fitted, chosen, result, state,
            cand_model, step_cand, *, sims, times, backend, unit) -> dict:
    """The JSON report of a fit (see :func:`fit`)."""
    from brian2 import second

    held = m.held_columns
    rb_r, rb_c = ref["rheobase"], cand["rheobase"]
    r_val, c_val = float(rb_r.value[0]) * 100, float(rb_c.value[0]) * 100      # µA/cm²
    g_r, g_c = float(ref["conductance"][0]) * 0.1, float(cand["conductance"][0]) * 0.1
    noisy_r = ref["noisy"].select(cfg.noisy_currents, held)
    noisy_c = cand["noisy"].select(cfg.noisy_currents)
    rate_r, rate_c = noisy_r.rates().mean(axis=2)[0], noisy_c.rates().mean(axis=2)[0]
    gamma_r = ref["noisy"].select(cfg.gamma_currents, held)
    gamma_c = cand["noisy"].select(cfg.gamma_currents)
    gammas = coincidence(gamma_r, gamma_c)[0]                                   # (C, R)
    per_current = [_finite(np.nanmean(g)) if np.isfinite(g).any() else None for g in gammas]
    mean_gamma = float(1.0 - _gamma_error(gammas[None])[0])

    def resolution(est):
        low = float(est.lower[0]) * 100
        return _finite(float(est.value[0]) * 100 - low) if math.isfinite(low) else None

    targets = {
        "rheobase": {"unit": "uA/cm**2", "reference": _finite(r_val), "candidate": _finite(c_val),
                     "error": _finite(c_val - r_val),
                     "relative_error": _finite((c_val - r_val) / r_val),
                     "resolution": {"reference": resolution(rb_r), "candidate": resolution(rb_c)},
                     "what": "smallest step current with repetitive firing (bracket's upper end)"},
        "input_conductance": {
            "unit": "mS/cm**2", "reference": _finite(g_r), "candidate": _finite(g_c),
            "error": _finite(g_c - g_r), "relative_error": _finite((g_c - g_r) / g_r),
            "what": "DC input conductance from +-0.1 uA/cm**2 steps at rest"},
        "fi": {"unit": "Hz", "currents_uA_cm2": list(cfg.fi_currents),
               "reference": [round(float(v), 4) for v in ref["fi"]],
               "candidate": [round(float(v), 4) for v in cand["fi"]],
               "error": float(_rms(cand["fi"], ref["fi"])), "error_kind": "rms over currents",
               "what": "deterministic steady-state rate (1 / mean ISI, second half)"},
        "fi-noisy": {"unit": "Hz", "currents_uA_cm2": list(cfg.noisy_currents),
                     "reference": [round(float(v), 4) for v in rate_r],
                     "candidate": [round(float(v), 4) for v in rate_c],
                     "error": float(_rms(rate_c, rate_r)), "error_kind": "rms over currents",
                     "cv_reference": [_finite(v) for v in noisy_r.cv()[0]],
                     "cv_candidate": [_finite(v) for v in noisy_c.cv()[0]],
                     "realisations": list(held), "held_out": True,
                     "what": "mean rate under the task's private noise (frozen realisations"
                             " not used by the fit)"},
        "gamma": {"unit": "1", "currents_uA_cm2": list(cfg.gamma_currents),
                  "reference": 1.0, "candidate": mean_gamma, "error": 1.0 - mean_gamma,
                  "error_kind": "1 - mean gamma (undefined gamma counted as 0)",
                  "candidate_per_current": per_current, "delta_ms": 2.0,
                  "realisations": list(held), "held_out": True,
                  "what": "coincidence factor with the reference on the same frozen noise"
                          " (the deterministic reference matches itself: 1)"},
    }
    notes = []
    for p in chosen:
        lo, hi = p.bounds()
        x = float(p.coordinate(fitted[p.name]))
        if min(x - lo, hi - x) <= 0.01 * (hi - lo):
            side = "lower" if x - lo <= hi - x else "upper"
            notes.append(f"{p.name}={format_quantity(fitted[p.name])} is at its {side} bound"
                         f" ({format_quantity(p.low if side == 'lower' else p.high)}): the"
                         f" best fit may lie outside the fit space")
    if cand_model.time_constant is not None:
        capacitance, conductance = cand_model.time_constant
        values = dict(cand_model.parameters, **fitted)
        tau = float(values[capacitance] / values[conductance])
        if float(step_cand) > 0.1 * tau:
            notes.append(f"tau_m = {capacitance}/{conductance} = {format_quantity(tau * second)}"
                         f" is shorter than ten time steps of the task"
                         f" (dt={format_quantity(step_cand)}): the candidate was fitted as"
                         f" the task simulates it; hhlif warns about such a step")
    if not result.success:
        notes.append(f"differential evolution ran all maxiter={cfg.maxiter} generations"
                     f" (the population's spread stayed above tol={cfg.tol:g} of its mean"
                     f" error); the best set found is the result")
    fit_error = float(result.fun)
    return {
        "targets": targets,
        "fit": {"target": target, "objective": TARGETS[target], "error": fit_error,
                "error_unit": unit, "realisations": list(m.fit_columns),
                "parameters": {p.name: dict(p.describe(), value=format_quantity(fitted[p.name]))
                               for p in chosen}},
        "optimiser": {"method": "scipy.optimize.differential_evolution",
                      "strategy": "best1bin", "vectorized": True, "polish": False,
                      "popsize": int(cfg.popsize), "population": int(cfg.popsize) * len(chosen),
                      "maxiter": int(cfg.maxiter), "tol": float(cfg.tol),
                      "generations": int(result.nit), "evaluations": int(state["sets"]),
                      "objective_calls": int(state["generation"]),
                      "simulations": int(sims), "converged": bool(result.success),
                      "message": str(result.message)},
        "wall_time_s": {k: round(float(v), 3) for k, v in times.items()},
        "backend": backend,
        "notes": notes,
    }


# ====================================================================== files
#: Largest calibration file :func:`load_calibration` reads.
MAX_FILE_BYTES = 50 * 2**20


def save_calibration(calibration: Calibration, path, force: bool = False) -> Path:
    """Write ``calibration`` as indented JSON, atomically
    (:func:`hhlif.analysis.io.write_text`).

    Raises
    ------
    hhlif.analysis.errors.OutputExistsError
        ``path`` exists and ``force`` is False.
    """
    from hhlif.analysis.io import write_text

    if not isinstance(calibration, Calibration):
        raise ParameterError(f"calibration={calibration!r:.80}: expected a Calibration")
    text = json.dumps(calibration.to_json(), indent=1, allow_nan=False) + "\n"
    return write_text(path, text, force=force)


def load_calibration(path) -> Calibration:
    """Read a calibration written by :func:`save_calibration` (JSON only: never a pickle).

    Raises
    ------
    ParameterError, UnknownNameError, ParameterUnitError
        One line naming the file: missing, a folder, too large, not UTF-8 JSON, or a
        record :meth:`Calibration.from_json` refuses.
    hhlif.analysis.errors.UnsafeFileError
        A Python pickle (refused: loading one can run code).
    """
    from hhlif.analysis.errors import UnsafeFileError

    p = Path(path)
    shown = repr(str(path))
    if not p.exists():
        raise ParameterError(f"calibration file {shown}: not found")
    if p.is_dir():
        raise ParameterError(f"calibration file {shown}: a folder; expected a JSON file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ParameterError(f"calibration file {shown}: {size} bytes; expected a JSON"
                             f" calibration of at most {MAX_FILE_BYTES} bytes")
    data = p.read_bytes()
    if data[:1] == b"\x80" or data[:2] in (b"(d", b"(l", b"}q", b"]q"):
        raise UnsafeFileError(f"calibration file {shown}: a Python pickle; refused (loading a"
                              f" pickle can run code): expected JSON written by hhlif fit")
    try:
        record = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ParameterError(f"calibration file {shown}: not UTF-8 text; expected JSON written"
                             f" by hhlif fit") from None
    except json.JSONDecodeError as exc:
        raise ParameterError(f"calibration file {shown}: not JSON ({exc.msg} at line"
                             f" {exc.lineno} column {exc.colno}); expected JSON written by"
                             f" hhlif fit") from None
    try:
        return Calibration.from_json(record)
    except ParameterError as exc:
        raise type(exc)(f"calibration file {shown}: {exc}") from None
