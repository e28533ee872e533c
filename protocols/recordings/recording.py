"""The Recording: the one result type of a run — flat arrays plus provenance.

Units are converted once, when the Recording is made from Brian2's monitors: spike and
sample times in ms, membrane potentials in mV, currents in µA/cm² (``Signal.unit`` says
which).  The Neo export (:mod:`hhlif.protocols.recordings.neo`) writes exactly these numbers, so
a NIX round trip is lossless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hhlif.protocols.errors import IncompleteRunError

__all__ = ["Signal", "PopulationData", "Recording"]


@dataclass
class Signal:
    """A sampled state variable of some neurons.

    Attributes
    ----------
    name : str
        Variable name (``v``, ``I_input`` = the applied stimulus, ...).
    unit : str
        Unit of ``values`` (``'mV'``, ``'uA/cm**2'``, ``'dimensionless'``).
    t_start, sampling_period : float
        In ms.
    values : ndarray, shape (n_samples, n_channels)
    neurons : ndarray of int, shape (n_channels,)
        Neuron index (within the population) of each channel.
    """

    name: str
    unit: str
    t_start: float
    sampling_period: float
    values: np.ndarray
    neurons: np.ndarray

    @property
    def times(self) -> np.ndarray:
        """Sample times in ms."""
        return self.t_start + self.sampling_period * np.arange(self.values.shape[0])

    def channel(self, neuron: int) -> np.ndarray:
        """The trace of one neuron."""
        idx = np.flatnonzero(self.neurons == neuron)
        if not idx.size:
            raise KeyError(f"neuron {neuron} was not recorded for {self.name!r}; recorded:"
                           f" {self.neurons.tolist()[:20]}")
        return self.values[:, idx[0]]


@dataclass
class PopulationData:
    """Spikes and signals of one population (a NeuronGroup's model neurons).

    Attributes
    ----------
    name, model : str
    n_neurons : int
    spike_indices : ndarray of int64
        Neuron index of each spike.
    spike_times : ndarray of float64
        Spike times in ms (sorted by time, then index, as Brian2 records them).
    trial, condition : ndarray of int, shape (n_neurons,)
        Labels of each neuron.
    signals : dict of str to Signal
    """

    name: str
    model: str
    n_neurons: int
    spike_indices: np.ndarray
    spike_times: np.ndarray
    trial: np.ndarray
    condition: np.ndarray
    signals: dict = field(default_factory=dict)

    def spike_counts(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return np.bincount(self.spike_indices, minlength=self.n_neurons)

    def spike_times_of(self, neuron: int) -> np.ndarray:
        """Spike times (ms) of one neuron."""
        return self.spike_times[self.spike_indices == neuron]


@dataclass
class Recording:
    """What a protocol run produced.

    Attributes
    ----------
    populations : dict of str to PopulationData
        ``'neurons'`` for single-neuron protocols; network populations otherwise.
    t_start, t_stop : float
        In ms.
    condition_labels : dict of int to str
    protocol, model : str
    provenance : dict
        Model (equations, parameters with units), protocol and its parameters, backend,
        dt, method, seed, versions of hhlif/brian2/numpy, wall times of build and run.
    simulated_ms : float, optional
        The simulated time the run actually reached (ms after ``t_start``); None for
        recordings not made by a simulation.  A Recording whose simulation stopped before
        ``t_stop`` cannot exist: construction raises
        :class:`~hhlif.protocols.errors.IncompleteRunError`, so a truncated run is never
        saved, cached or analysed.
    design : dict
        How the recording was made, for the analysis (:meth:`Protocol.design`: frozen
        stimulus, time-varying stimulus, trials, conditions with values and units).
    """

    populations: dict
    t_start: float
    t_stop: float
    condition_labels: dict
    protocol: str
    model: str
    provenance: dict = field(default_factory=dict)
    simulated_ms: float | None = None
    design: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.simulated_ms is None:
            return
        duration = float(self.t_stop) - float(self.t_start)
        reached = float(self.simulated_ms)
        if not np.isfinite(reached) or reached < duration - max(1e-9 * abs(duration), 1e-9):
            raise IncompleteRunError(
                f"the {self.protocol!r} run stopped at {reached:g} of {duration:g} ms; an"
                f" incomplete run is not saved, cached or analysed")

    # convenience for the common single-population case
    @property
    def main(self) -> PopulationData:
        """The first population (the neurons of a single-neuron protocol)."""
        return next(iter(self.populations.values()))

    @property
    def spike_indices(self) -> np.ndarray:
        return self.main.spike_indices

    @property
    def spike_times(self) -> np.ndarray:
        return self.main.spike_times

    @property
    def n_neurons(self) -> int:
        return self.main.n_neurons

    def rates(self, population: str | None = None) -> np.ndarray:
        """Mean firing rate of each neuron in Hz over [t_start, t_stop]."""
        pop = self.populations[population] if population else self.main
        return pop.spike_counts() / ((self.t_stop - self.t_start) / 1000.0)

    def equals(self, other: "Recording") -> bool:
        """Exact equality of arrays, labels, annotations and provenance."""
        return _diff(self, other) is None

    def summary(self) -> str:
        """A few lines describing the recording."""
        lines = [f"protocol {self.protocol!r}, model {self.model!r},"
                 f" {self.t_stop - self.t_start:g} ms"]
        for name, pop in self.populations.items():
            counts = pop.spike_counts()
            rate = counts.mean() / ((self.t_stop - self.t_start) / 1000.0) if pop.n_neurons else 0
            lines.append(f"  {name}: {pop.n_neurons} neurons, {len(pop.spike_times)} spikes,"
                         f" mean rate {rate:.2f} Hz, signals {sorted(pop.signals)}")
        return "\n".join(lines)


def _diff(a: Recording, b: Recording) -> str | None:
    """First difference between two recordings, or None."""
    for attr in ("t_start", "t_stop", "protocol", "model", "simulated_ms"):
        if getattr(a, attr) != getattr(b, attr):
            return attr
    if {int(k): v for k, v in a.condition_labels.items()} != \
            {int(k): v for k, v in b.condition_labels.items()}:
        return "condition_labels"
    if a.provenance != b.provenance:
        return "provenance"
    if a.design != b.design:
        return "design"
    if list(a.populations) != list(b.populations):
        return "populations"
    for name in a.populations:
        pa, pb = a.populations[name], b.populations[name]
        for attr in ("model", "n_neurons"):
            if getattr(pa, attr) != getattr(pb, attr):
                return f"{name}.{attr}"
        for attr in ("spike_indices", "spike_times", "trial", "condition"):
            x, y = getattr(pa, attr), getattr(pb, attr)
            if x.shape != y.shape or not np.array_equal(x, y):
                return f"{name}.{attr}"
        if sorted(pa.signals) != sorted(pb.signals):
            return f"{name}.signals"
        for key in pa.signals:
            sa, sb = pa.signals[key], pb.signals[key]
            if (sa.unit, sa.t_start, sa.sampling_period) != (sb.unit, sb.t_start, sb.sampling_period):
                return f"{name}.signals.{key}.meta"
            if not (np.array_equal(sa.values, sb.values) and np.array_equal(sa.neurons, sb.neurons)):
                return f"{name}.signals.{key}.values"
    return None
