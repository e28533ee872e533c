"""Spike-train statistics on :class:`~hhlif.analysis.spike_data.SpikeData`.

Contents
--------
Per neuron (vectorised on the flat arrays, equal to Elephant's results)
    firing_rates, interspike_intervals, isi_statistics (CV, CV2, LV)
Across trials
    fano_factors
Population, in time
    psth, population_rate, instantaneous_rate (Elephant kernel estimate)
Pairs (Elephant, on a subset of neurons)
    correlation_matrix, cross_correlogram, spike_train_distances
    (van Rossum, Victor–Purpura), synchrony (Elephant's SPIKE-contrast)
Summary
    summarize -> SpikeSummary

Every function accepts anything :func:`~hhlif.analysis.spike_data.load_spikes`
accepts. Vectorised paths never build per-spike Python objects: a recording of
10,000 neurons and 10^6 spikes takes well under a second
(``python -m benchmarks.analysis_speed``). Quantities that are undefined for a
neuron (CV of a neuron with fewer than 3 spikes) are NaN in the per-neuron
arrays and ``None`` with a reason in every ``to_dict()``.

References
----------
.. [1] Holt, G. R. et al. (1996). Comparison of discharge variability in vitro
       and in vivo in cat visual cortex neurons. J. Neurophysiol. 75, 1806–1814 (CV2).
.. [2] Shinomoto, S., Shima, K., Tanji, J. (2003). Differences in spiking
       patterns among cortical neurons. Neural Comput. 15, 2823–2842 (LV).
.. [3] Ciba, M. et al. (2018). Spike-contrast: a novel time scale independent
       and multivariate measure of spike train synchrony. J. Neurosci. Methods 293, 136–143.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import elephant.conversion
import elephant.spike_train_correlation
import elephant.spike_train_dissimilarity
import elephant.spike_train_synchrony
import elephant.statistics
import neo
import numpy as np
import quantities as pq

from .errors import AnalysisInputError
from .spike_data import SpikeData, load_spikes
from .utils import check_time, jsonify

__all__ = [
    "firing_rates", "interspike_intervals", "isi_statistics", "IsiStatistics",
    "fano_factors", "FanoFactors", "psth", "population_rate", "instantaneous_rate",
    "correlation_matrix", "CorrelationMatrix", "cross_correlogram",
    "spike_train_distances", "synchrony", "summarize", "SpikeSummary",
]

#: Reason recorded for a per-neuron ISI statistic with too few spikes.
FEWER_THAN_3 = "undefined: fewer than 3 spikes (2 intervals)"


def _mean_or_none(values: np.ndarray, reason: str) -> tuple[float | None, str | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None, reason
    return float(finite.mean()), None


# ------------------------------------------------------------------------- per neuron
def firing_rates(source: Any) -> pq.Quantity:
    """Mean firing rate of every neuron over the recording span.

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts

    Returns
    -------
    pq.Quantity, shape (n_neurons,), Hz
        ``count / (t_stop - t_start)``, as :func:`elephant.statistics.mean_firing_rate`.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> firing_rates([neo.SpikeTrain([1, 2] * pq.s, t_stop=4 * pq.s)])
    array([0.5]) * Hz
    """
    data = load_spikes(source)
    return (data.counts() / data.duration.magnitude) * pq.Hz


def interspike_intervals(source: Any) -> tuple[np.ndarray, pq.Quantity]:
    """All interspike intervals, flat, with the neuron each belongs to.

    Returns
    -------
    neuron : np.ndarray of int
        Global neuron id of each interval (intervals of a neuron are
        contiguous and in time order).
    intervals : pq.Quantity, s
        As :func:`elephant.statistics.isi` per neuron, concatenated.
    """
    data = load_spikes(source)
    idx, t = data.indices, data.times.magnitude
    same = idx[1:] == idx[:-1]
    return idx[1:][same], np.diff(t)[same] * pq.s


@dataclass(frozen=True)
class IsiStatistics:
    """Per-neuron interspike-interval statistics.

    Attributes
    ----------
    n_intervals : np.ndarray of int
    mean_isi : pq.Quantity (s); NaN for neurons with no interval
    cv, cv2, lv : np.ndarray
        NaN where undefined (fewer than 3 spikes, see ``reason``).
    reason : str
    """

    n_intervals: np.ndarray
    mean_isi: pq.Quantity
    cv: np.ndarray
    cv2: np.ndarray
    lv: np.ndarray
    reason: str = FEWER_THAN_3

    def to_dict(self) -> dict:
        """JSON-ready dict; NaN entries are None, explained by ``undefined``."""
        return {"n_intervals": jsonify(self.n_intervals), "mean_isi": jsonify(self.mean_isi),
                "cv": jsonify(self.cv), "cv2": jsonify(self.cv2), "lv": jsonify(self.lv),
                "units": {"mean_isi": "s"},
                "undefined": {"mean_isi": "undefined: fewer than 2 spikes",
                              "cv": self.reason, "cv2": self.reason, "lv": self.reason}}


def isi_statistics(source: Any) -> IsiStatistics:
    """Coefficient of variation (CV), CV2 and local variation (LV) of every neuron.

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts

    Returns
    -------
    IsiStatistics

    Notes
    -----
    With intervals :math:`I_k` of one neuron (vectorised over all neurons):
    CV = std(I)/mean(I) (population std, as :func:`elephant.statistics.cv`);
    CV2 = 2 mean(|I_{k+1} - I_k| / (I_{k+1} + I_k)) [1]_;
    LV = 3 mean(((I_{k+1} - I_k) / (I_{k+1} + I_k))^2) [2]_.
    All three need at least 2 intervals, as Elephant's ``cv2`` and ``lv``; for
    a Poisson process each is 1.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> st = neo.SpikeTrain([0.3, 4.8, 11.5, 20.8] * pq.s, t_stop=30 * pq.s)
    >>> round(float(isi_statistics([st]).cv2[0]), 6)  # = elephant cv2([4.5, 6.7, 9.3])
    0.358929
    """
    data = load_spikes(source)
    n = data.n_neurons
    ids, isi = interspike_intervals(data)
    isi = isi.magnitude
    n_int = np.bincount(ids, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(ids, isi, minlength=n) / n_int
        dev = isi - mean[ids]
        std = np.sqrt(np.bincount(ids, dev * dev, minlength=n) / n_int)
        cv = std / mean
        pair = ids[1:] == ids[:-1]
        a, b, pid = isi[:-1][pair], isi[1:][pair], ids[1:][pair]
        r = (b - a) / (a + b)
        n_pairs = np.bincount(pid, minlength=n)
        cv2 = 2.0 * np.bincount(pid, np.abs(r), minlength=n) / n_pairs
        lv = 3.0 * np.bincount(pid, r * r, minlength=n) / n_pairs
    undefined = n_int < 2
    for arr in (cv, cv2, lv):
        arr[undefined] = np.nan
    return IsiStatistics(n_int, mean * pq.s, cv, cv2, lv)


# ------------------------------------------------------------------------- across trials
@dataclass(frozen=True)
class FanoFactors:
    """Fano factor of the spike count across trials, one per neuron identity.

    Attributes
    ----------
    keys : list of tuple
        ``(condition, population, local_index)`` of each identity.
    fano : np.ndarray
        ``var(count) / mean(count)`` across trials (population variance, as
        :func:`elephant.statistics.fanofactor`); NaN where undefined.
    n_trials : np.ndarray of int
    mean_count : np.ndarray
    """

    keys: list
    fano: np.ndarray
    n_trials: np.ndarray
    mean_count: np.ndarray

    @property
    def mean(self) -> float | None:
        """Mean over identities where defined, or None."""
        return _mean_or_none(self.fano, "")[0]

    @property
    def reason(self) -> str | None:
        """Why the mean is undefined (None if it is defined)."""
        if np.isfinite(self.fano).any():
            return None
        if self.n_trials.size == 0 or self.n_trials.max() < 2:
            return "undefined: fewer than 2 trials per neuron"
        return "undefined: no spikes in any trial"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"keys": [list(k) for k in self.keys], "fano": jsonify(self.fano),
                "n_trials": jsonify(self.n_trials), "mean_count": jsonify(self.mean_count),
                "mean": self.mean,
                "undefined": {"fano": "undefined: fewer than 2 trials or no spikes",
                              **({"mean": self.reason} if self.reason else {})}}


def fano_factors(source: Any, window: tuple[pq.Quantity, pq.Quantity] | None = None
                 ) -> FanoFactors:
    """Fano factor of each neuron's spike count across trials.

    Neurons with the same (condition, population, local index) in different
    trials are repetitions of one neuron.

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    window : tuple of pq.Quantity, optional
        Count spikes in ``[t0, t1)`` only; default the whole span.

    Returns
    -------
    FanoFactors

    Notes
    -----
    Undefined (NaN) for identities seen in fewer than 2 trials or with no
    spike in any trial. For a Poisson process the Fano factor is 1.
    """
    data = load_spikes(source)
    counts = data.counts(window).astype(float)
    pop_code = np.unique(data.population, return_inverse=True)[1].reshape(-1)
    ident = np.stack([data.condition, pop_code, data.local_index], axis=1)
    if data.n_neurons == 0:
        return FanoFactors([], np.zeros(0), np.zeros(0, int), np.zeros(0))
    uniq, first, inv = np.unique(ident, axis=0, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    m = uniq.shape[0]
    n_tr = np.bincount(inv, minlength=m)
    mean = np.bincount(inv, counts, minlength=m) / n_tr
    dev = counts - mean[inv]
    var = np.bincount(inv, dev * dev, minlength=m) / n_tr
    with np.errstate(invalid="ignore", divide="ignore"):
        fano = var / mean
    fano[(n_tr < 2) | (mean == 0)] = np.nan
    keys = [(int(data.condition[i]), str(data.population[i]), int(data.local_index[i]))
            for i in first]
    return FanoFactors(keys, fano, n_tr, mean)


# ------------------------------------------------------------------------- in time
def _n_bins(data: SpikeData, bin_size: pq.Quantity) -> int:
    span = float(data.duration.magnitude)
    width = float(bin_size.magnitude)
    n = int(np.floor(span / width + 1e-8))
    if n < 1:
        raise AnalysisInputError(f"bin_size={bin_size}: expected at most the recording span "
                                 f"{span} s")
    return n


def psth(source: Any, bin_size: pq.Quantity, output: str = "rate") -> neo.AnalogSignal:
    """Peri-stimulus time histogram over all neurons (vectorised).

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    bin_size : pq.Quantity
    output : {'rate', 'counts', 'mean'}
        As :func:`elephant.statistics.time_histogram`: summed counts, counts
        per neuron, or rate per neuron (Hz).

    Returns
    -------
    neo.AnalogSignal, shape (n_bins, 1)
        Bins of ``bin_size`` from ``t_start``; a last partial bin is dropped
        (as Elephant).
    """
    data = load_spikes(source)
    bin_size = check_time(bin_size, "bin_size")
    if output not in ("rate", "counts", "mean"):
        raise AnalysisInputError(f"output={output!r}: expected one of 'rate', 'counts', 'mean'")
    if data.n_neurons == 0:
        raise AnalysisInputError("source has no neurons: expected at least one")
    n_bins = _n_bins(data, bin_size)
    t0, w = float(data.t_start.magnitude), float(bin_size.magnitude)
    b = np.floor((data.times.magnitude - t0) / w).astype(np.int64)
    counts = np.bincount(b[(b >= 0) & (b < n_bins)], minlength=n_bins)[:n_bins]
    if output == "counts":
        values = counts * pq.dimensionless
    elif output == "mean":
        values = (counts / data.n_neurons) * pq.dimensionless
    else:
        values = (counts / (data.n_neurons * w)) * pq.Hz
    return neo.AnalogSignal(values.reshape(-1, 1), units=values.units, sampling_period=bin_size,
                            t_start=data.t_start, normalization=output)


def population_rate(source: Any, bin_size: pq.Quantity = 5 * pq.ms,
                    population: str | None = None) -> neo.AnalogSignal:
    """Mean firing rate per neuron of a population, in bins (Hz).

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    bin_size : pq.Quantity
    population : str, optional
        Restrict to one population; default all neurons.

    Returns
    -------
    neo.AnalogSignal (Hz), ``psth(..., output='rate')`` of the selected neurons.
    """
    data = load_spikes(source)
    if population is not None:
        data = data.select(population=population)
    return psth(data, bin_size, output="rate")


def instantaneous_rate(source: Any, sampling_period: pq.Quantity = 1 * pq.ms,
                       kernel: Any = "auto", neurons: Any = None) -> neo.AnalogSignal:
    """Kernel estimate of the rate, averaged over neurons (Elephant).

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    sampling_period : pq.Quantity
    kernel : 'auto' or elephant.kernels.Kernel
    neurons : sequence of int, optional
        Global neuron ids; default all (can be slow for many neurons).

    Returns
    -------
    neo.AnalogSignal (Hz), shape (n_samples, 1)
        :func:`elephant.statistics.instantaneous_rate` with
        ``pool_spike_trains=True``, divided by the number of neurons.

    Notes
    -----
    With ``kernel='auto'`` the spikes of all neurons are pooled into one train
    and Elephant picks the bandwidth from it (Shimazaki & Shinomoto 2010),
    which needs at least 2 spikes.
    """
    data = load_spikes(source)
    sampling_period = check_time(sampling_period, "sampling_period")
    trains = data.spiketrains(neurons)
    n_spikes = sum(len(t) for t in trains)
    if not trains:
        raise AnalysisInputError("neurons selects no neuron: expected at least one")
    if kernel == "auto" and n_spikes < 2:
        raise AnalysisInputError(f"source has {n_spikes} spike(s): kernel='auto' needs at "
                                 "least 2 spikes; pass an explicit elephant.kernels kernel")
    if kernel == "auto":
        # Elephant estimates the bandwidth of a single train only: pool the spikes first.
        pooled = neo.SpikeTrain(np.sort(np.concatenate([t.magnitude for t in trains])),
                                units=pq.s, t_start=data.t_start, t_stop=data.t_stop)
        rate = elephant.statistics.instantaneous_rate(pooled, sampling_period, kernel="auto")
    else:
        rate = elephant.statistics.instantaneous_rate(trains, sampling_period, kernel=kernel,
                                                      pool_spike_trains=True)
    return rate / len(trains)


# ------------------------------------------------------------------------- pairs
def _pair_pool(data: SpikeData, max_neurons: int, seed: int,
               active_only: bool = True) -> tuple[np.ndarray, str | None]:
    """The default neurons of a pairwise measure and a note on how they were chosen.

    A seeded sample of up to ``max_neurons`` neurons (with at least one spike if
    ``active_only``) of the first (trial, condition): neurons recorded together.  Where
    that copy holds fewer than 2 such neurons (an f-I curve runs every condition as one
    neuron), the neurons of the first trial across all conditions are used instead, and
    the note says so; None when the first rule was used.
    """
    if not data.n_neurons:
        return np.zeros(0, np.int64), None
    active = data.counts() > 0 if active_only else np.ones(data.n_neurons, bool)
    trial, cond = data.trial[0], data.condition[0]
    pool = np.flatnonzero((data.trial == trial) & (data.condition == cond) & active)
    note = None
    if pool.size < 2:
        wider = np.flatnonzero((data.trial == trial) & active)
        if wider.size >= 2 and np.unique(data.condition[wider]).size > 1:
            what = "active neurons" if active_only else "neurons"
            note = (f"the first (trial, condition) holds fewer than 2 {what}: correlation and"
                    f" synchrony over the {what} of trial {int(trial)} across conditions"
                    f" ({wider.size}"
                    + (f", a seeded sample of {max_neurons})" if wider.size > max_neurons
                       else ")"))
            pool = wider
    if pool.size > max_neurons:
        pool = np.sort(np.random.default_rng(seed).choice(pool, max_neurons, replace=False))
    return pool, note


def _subset(data: SpikeData, neurons: Any, max_neurons: int, seed: int,
            active_only: bool = True) -> np.ndarray:
    """Neuron ids for a pairwise measure: given ones, or :func:`_pair_pool`'s default (a
    seeded sample of the first (trial, condition), or of the first trial across conditions
    where each (trial, condition) holds fewer than 2 neurons)."""
    if neurons is not None:
        return np.asarray(list(neurons), dtype=np.int64)
    return _pair_pool(data, max_neurons, seed, active_only)[0]


@dataclass(frozen=True)
class CorrelationMatrix:
    """Pearson correlation coefficients of binned spike counts.

    Attributes
    ----------
    matrix : np.ndarray, shape (k, k)
    neurons : np.ndarray of int
        Global ids of the k neurons (rows).
    bin_size : pq.Quantity
    """

    matrix: np.ndarray
    neurons: np.ndarray
    bin_size: pq.Quantity

    @property
    def mean(self) -> float | None:
        """Mean off-diagonal coefficient (finite entries), or None."""
        k = self.matrix.shape[0]
        if k < 2:
            return None
        off = self.matrix[~np.eye(k, dtype=bool)]
        return _mean_or_none(off, "")[0]

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        out = {"matrix": jsonify(self.matrix), "neurons": jsonify(self.neurons),
               "bin_size": float(self.bin_size.rescale(pq.s).magnitude), "mean": self.mean,
               "units": {"bin_size": "s"}, "undefined": {}}
        if self.mean is None:
            out["undefined"]["mean"] = "undefined: fewer than 2 active neurons"
        return out


def correlation_matrix(source: Any, bin_size: pq.Quantity = 5 * pq.ms, neurons: Any = None,
                       max_neurons: int = 100, seed: int = 0) -> CorrelationMatrix:
    """Pairwise correlation coefficients of binned trains (Elephant).

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    bin_size : pq.Quantity
    neurons : sequence of int, optional
        Global neuron ids. Default: up to ``max_neurons`` active neurons of the
        first (trial, condition), drawn with ``seed`` (of the first trial across
        conditions where each (trial, condition) holds fewer than 2, as in an f-I
        curve; :func:`summarize` notes it).
    max_neurons : int
    seed : int

    Returns
    -------
    CorrelationMatrix
        :func:`elephant.spike_train_correlation.correlation_coefficient` of an
        :class:`elephant.conversion.BinnedSpikeTrain`.
    """
    data = load_spikes(source)
    bin_size = check_time(bin_size, "bin_size")
    ids = _subset(data, neurons, max_neurons, seed)
    if ids.size < 2:
        return CorrelationMatrix(np.full((ids.size, ids.size), np.nan), ids, bin_size)
    binned = elephant.conversion.BinnedSpikeTrain(data.spiketrains(ids), bin_size=bin_size,
                                                  t_start=data.t_start, t_stop=data.t_stop)
    matrix = elephant.spike_train_correlation.correlation_coefficient(binned)
    return CorrelationMatrix(np.atleast_2d(matrix), ids, bin_size)


def cross_correlogram(source: Any, neuron_i: int, neuron_j: int,
                      bin_size: pq.Quantity = 1 * pq.ms, max_lag: pq.Quantity = 50 * pq.ms,
                      ) -> tuple[neo.AnalogSignal, np.ndarray]:
    """Cross-correlation histogram of two neurons' binned trains (Elephant).

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    neuron_i, neuron_j : int
        Global neuron ids.
    bin_size, max_lag : pq.Quantity

    Returns
    -------
    histogram : neo.AnalogSignal
    lags : np.ndarray of int (in bins)
        As :func:`elephant.spike_train_correlation.cross_correlation_histogram`.
    """
    data = load_spikes(source)
    bin_size = check_time(bin_size, "bin_size")
    max_lag = check_time(max_lag, "max_lag")
    a, b = data.spiketrains([neuron_i, neuron_j])
    kw = dict(bin_size=bin_size, t_start=data.t_start, t_stop=data.t_stop)
    w = int(round(float((max_lag / bin_size).simplified.magnitude)))
    return elephant.spike_train_correlation.cross_correlation_histogram(
        elephant.conversion.BinnedSpikeTrain(a, **kw),
        elephant.conversion.BinnedSpikeTrain(b, **kw), window=[-w, w])


def spike_train_distances(source: Any, metric: str = "van_rossum", neurons: Any = None,
                          time_constant: pq.Quantity = 10 * pq.ms,
                          cost_factor: pq.Quantity = 100 * pq.Hz,
                          max_neurons: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise spike-train distance matrix (Elephant).

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    metric : {'van_rossum', 'victor_purpura'}
    neurons : sequence of int, optional
        Default: up to ``max_neurons`` neurons of the first (trial, condition)
        (of the first trial across conditions where each holds only one).
    time_constant : pq.Quantity
        van Rossum kernel time constant.
    cost_factor : pq.Quantity
        Victor–Purpura cost of shifting a spike, per unit time (q).

    Returns
    -------
    matrix : np.ndarray, shape (k, k)
    neurons : np.ndarray of int
    """
    data = load_spikes(source)
    ids = _subset(data, neurons, max_neurons, seed, active_only=False)
    trains = data.spiketrains(ids)
    if metric == "van_rossum":
        matrix = elephant.spike_train_dissimilarity.van_rossum_distance(
            trains, time_constant=check_time(time_constant, "time_constant"))
    elif metric == "victor_purpura":
        matrix = elephant.spike_train_dissimilarity.victor_purpura_distance(
            trains, cost_factor=cost_factor)
    else:
        raise AnalysisInputError(f"metric={metric!r}: expected 'van_rossum' or 'victor_purpura'")
    return np.asarray(matrix), ids


def synchrony(source: Any, neurons: Any = None, max_neurons: int = 50, seed: int = 0) -> float:
    """SPIKE-contrast synchrony of a group of trains (Elephant) [3]_.

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    neurons : sequence of int, optional
        Default: up to ``max_neurons`` neurons of the first (trial, condition)
        (of the first trial across conditions where each holds only one).

    Returns
    -------
    float in [0, 1]
        :func:`elephant.spike_train_synchrony.spike_contrast` (1 = perfectly
        synchronous).

    Raises
    ------
    AnalysisInputError
        Fewer than 2 trains, or no train with at least 2 spikes.

    Notes
    -----
    Elephant provides SPIKE-contrast (Ciba et al. 2018), a time-scale
    independent synchrony measure; Kreuz's SPIKE-synchronization is not in
    Elephant and is not reimplemented here.
    """
    data = load_spikes(source)
    ids = _subset(data, neurons, max_neurons, seed, active_only=False)
    trains = data.spiketrains(ids)
    if len(trains) < 2:
        raise AnalysisInputError(f"neurons selects {len(trains)} train(s): synchrony needs at "
                                 "least 2")
    if max(len(t) for t in trains) < 2:
        raise AnalysisInputError("every selected train has fewer than 2 spikes: synchrony "
                                 "needs at least one train with 2 spikes")
    return float(elephant.spike_train_synchrony.spike_contrast(trains))


# ------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class SpikeSummary:
    """Summary statistics of a recording.

    Attributes
    ----------
    n_neurons : int
        Distinct neurons (:attr:`SpikeData.n_units`), each seen in one or more trials.
    n_spikes, n_trials, n_conditions : int
    n_trains : int
        Spike trains: one per neuron and trial (what rates and ISI statistics are
        computed over).
    populations : list of str
    duration : pq.Quantity (s)
    rate_mean, rate_std : pq.Quantity (Hz)
        Across trains (population std).
    cv_mean, cv2_mean, lv_mean : float or None
        Means over trains with at least 3 spikes.
    n_neurons_isi : int
        Trains entering the ISI means.
    fano_mean : float or None
        Mean across-trial Fano factor.
    correlation_mean : float or None
        Mean pairwise correlation coefficient on a subset.
    n_correlation_neurons : int
    correlation_bin_size : pq.Quantity
    synchrony : float or None
        SPIKE-contrast of the same subset.
    undefined : dict
        Field -> reason, for every None above.
    annotations : dict
        Block annotations of the source (protocol, model, ...).
    """

    n_neurons: int
    n_spikes: int
    n_trials: int
    n_conditions: int
    n_trains: int
    populations: list
    duration: pq.Quantity
    rate_mean: pq.Quantity
    rate_std: pq.Quantity
    cv_mean: float | None
    cv2_mean: float | None
    lv_mean: float | None
    n_neurons_isi: int
    fano_mean: float | None
    correlation_mean: float | None
    n_correlation_neurons: int
    correlation_bin_size: pq.Quantity
    synchrony: float | None
    undefined: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)

    _UNITS = {"duration": "s", "rate_mean": "Hz", "rate_std": "Hz", "correlation_bin_size": "s"}

    def to_dict(self) -> dict:
        """JSON-ready dict: quantities as numbers in ``units``; None explained in ``undefined``."""
        out: dict = {}
        for name in self.__dataclass_fields__:
            if name in ("undefined", "annotations"):
                continue
            value = getattr(self, name)
            if isinstance(value, pq.Quantity):
                value = value.rescale(self._UNITS[name])
            out[name] = jsonify(value)
        out["units"] = dict(self._UNITS)
        out["undefined"] = dict(self.undefined)
        out["annotations"] = jsonify(self.annotations)
        missing = [k for k, v in out.items() if v is None and k not in self.undefined]
        if missing:  # a None without a reason is a bug, not a result
            raise RuntimeError(f"SpikeSummary fields {missing} are undefined without a reason")
        return out

    def rows(self) -> list[tuple[str, str]]:
        """``(label, formatted value)`` rows for a text table."""
        d = self.to_dict()

        def fmt(name, spec="{:.4g}", unit=""):
            v = d[name]
            if v is None:
                return self.undefined.get(name, "undefined")
            return spec.format(v) + (f" {unit}" if unit else "")

        identity = self.annotations.get("identity") or {}
        rows = [("neurons", str(self.n_neurons)), ("trials", str(self.n_trials)),
                ("trains (a neuron in a trial)", str(self.n_trains)),
                ("spikes", str(self.n_spikes)), ("conditions", str(self.n_conditions)),
                ("populations", ", ".join(self.populations))]
        if identity.get("rule") not in (None, "hhlif"):
            rule = identity["rule"]
            rows.append(("neurons identified by", rule.replace("annotation:", "annotation ")
                         + (" (no name, group or unit annotation: trains paired by their"
                            " position in each segment)" if rule == "position" else "")))
        for note in [self.annotations.get("alignment_note"), *self.annotations.get("notes", [])]:
            if note:
                rows.append(("note", str(note)))
        if identity.get("incomplete"):
            missing = identity["incomplete"]
            rows.append(("neurons missing from some trials", f"{len(missing)}: "
                         + ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5
                                                              else "")))
        return rows + [
            ("duration", fmt("duration", unit="s")),
            ("rate mean (per train)", fmt("rate_mean", unit="Hz")),
            ("rate std", fmt("rate_std", unit="Hz")),
            ("CV mean", fmt("cv_mean")), ("CV2 mean", fmt("cv2_mean")),
            ("LV mean", fmt("lv_mean")), ("trains with >= 3 spikes", str(self.n_neurons_isi)),
            ("Fano factor mean (across trials)", fmt("fano_mean")),
            (f"correlation mean ({self.n_correlation_neurons} trains, "
             f"{float(self.correlation_bin_size.rescale(pq.ms).magnitude):g} ms bins)",
             fmt("correlation_mean")),
            ("SPIKE-contrast synchrony", fmt("synchrony"))]


def summarize(source: Any, bin_size: pq.Quantity = 5 * pq.ms, max_pair_neurons: int = 100,
              seed: int = 0) -> SpikeSummary:
    """Summary statistics of a recording in one call.

    Parameters
    ----------
    source : SpikeData or anything :func:`load_spikes` accepts
    bin_size : pq.Quantity
        Bin size of the pairwise correlation.
    max_pair_neurons : int
        Subset size for correlation and synchrony (seeded sample of active
        neurons of the first (trial, condition), or of the first trial across
        conditions where each (trial, condition) holds fewer than 2 active neurons,
        e.g. an f-I curve; ``annotations['notes']`` then says so).
    seed : int

    Returns
    -------
    SpikeSummary

    Examples
    --------
    >>> import neo, quantities as pq
    >>> s = summarize([neo.SpikeTrain([0.1, 0.4, 0.5] * pq.s, t_stop=1 * pq.s)])
    >>> s.n_spikes, s.correlation_mean, s.undefined["correlation_mean"]
    (3, None, 'undefined: fewer than 2 active neurons')
    """
    data = load_spikes(source)
    bin_size = check_time(bin_size, "bin_size")
    undefined: dict[str, str] = {}
    rates = firing_rates(data).magnitude
    isi = isi_statistics(data)
    means = {}
    for name, arr in (("cv_mean", isi.cv), ("cv2_mean", isi.cv2), ("lv_mean", isi.lv)):
        means[name], reason = _mean_or_none(arr, "undefined: no neuron with at least 3 spikes")
        if reason:
            undefined[name] = reason
    fano = fano_factors(data)
    if fano.mean is None:
        undefined["fano_mean"] = fano.reason or "undefined"
    if data.n_neurons:
        rate_mean, rate_std = float(rates.mean()), float(rates.std())
    else:
        rate_mean = rate_std = None
        undefined["rate_mean"] = undefined["rate_std"] = "undefined: no neurons"
    ids, pool_note = _pair_pool(data, max_pair_neurons, seed)
    annotations = dict(data.annotations)
    if pool_note:
        annotations["notes"] = [*annotations.get("notes", []), pool_note]
    corr = correlation_matrix(data, bin_size, neurons=ids) if ids.size >= 2 else None
    corr_mean = corr.mean if corr is not None else None
    if corr_mean is None:
        undefined["correlation_mean"] = "undefined: fewer than 2 active neurons"
    sync = None
    if ids.size < 2:
        undefined["synchrony"] = "undefined: fewer than 2 active neurons"
    elif data.counts()[ids].max() < 2:
        undefined["synchrony"] = "undefined: no neuron with at least 2 spikes"
    else:
        sync = synchrony(data, neurons=ids)
    return SpikeSummary(
        n_neurons=data.n_units, n_spikes=data.n_spikes, n_trials=int(len(data.trials)),
        n_conditions=int(len(data.conditions)), n_trains=data.n_neurons,
        populations=data.populations,
        duration=data.duration,
        rate_mean=None if rate_mean is None else rate_mean * pq.Hz,
        rate_std=None if rate_std is None else rate_std * pq.Hz,
        cv_mean=means["cv_mean"], cv2_mean=means["cv2_mean"], lv_mean=means["lv_mean"],
        n_neurons_isi=int((isi.n_intervals >= 2).sum()), fano_mean=fano.mean,
        correlation_mean=corr_mean, n_correlation_neurons=int(ids.size),
        correlation_bin_size=bin_size, synchrony=sync, undefined=undefined,
        annotations=annotations)
