"""Metrics of a discrimination task on binned population spike counts (NumPy/SciPy only).

A network of ``n`` neurons is shown ``n_classes`` classes of input, ``repeats`` trials each;
trial ``t`` is class ``t // repeats``.  These functions turn its spikes into the numbers a
neuron-count equivalence search compares (:mod:`hhlif.protocols.experiments.equivalence`
simulates the networks; :func:`hhlif.analysis.equivalence.find_equivalent_size` searches
the sizes).  Nothing here imports Brian2 or :mod:`hhlif.protocols`.

Contents
--------
population_counts
    Spike times and neuron indices to counts ``(trials, neurons, bins)`` and the class of
    each trial.
spike_statistics
    Per class: rate, ISI CV and noise correlation, with their standard errors.
response_metrics
    ``mi``, ``readout``, ``reliability`` and the spike statistics of one network.
stats_distance, reference_stats_distances
    The ``stats`` metric: distance between two networks' spike statistics, and the
    reference's own seed-to-seed level.
METRICS, METRIC_LABELS, METRIC_N_MIN, STATS_COMPONENTS
    Direction of "better", axis label and smallest network of every metric; the
    components of the ``stats`` distance.

Metrics and their direction
---------------------------
===========  ========================================================================  =====
mi           I(class; population word): the pooled spike count of every ``bin_ms`` bin,  up
             quantised in ``mi_levels`` equipopulated levels, the bins forming a word;
             Panzeri-Treves bias correction (bits; at most log2(classes))
readout      held-out accuracy of a logistic readout of sqrt-transformed per-neuron        up
             counts in ``bin_ms`` bins, 5-fold stratified cross-validation
stats        distance of the candidate's spike statistics from the reference's:         down
             per class, ln((rate_c + 1 Hz)/(rate_r + 1 Hz)), ISI CV_c − CV_r and noise
             correlation_c − correlation_r, squared, less their sampling variances,
             averaged, signed root (see :func:`stats_distance`); the reference level is
             the reference's own seed-to-seed distance (each seed against the others)
reliability  coefficient of variation across repeats of the pooled population count,   down
             averaged over classes (the population's trial-to-trial unreliability)
===========  ========================================================================  =====
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import AnalysisInputError
from .information import mutual_information
from .readout import readout_accuracy, response_features
from .utils import equipopulated_levels

__all__ = ["population_counts", "spike_statistics", "response_metrics", "stats_distance",
           "reference_stats_distances", "METRICS", "METRIC_LABELS", "METRIC_N_MIN",
           "STATS_COMPONENTS"]

#: metric -> direction of "better" (see the module table).
METRICS = {"mi": "increasing", "readout": "increasing", "stats": "decreasing",
           "reliability": "decreasing"}
METRIC_LABELS = {"mi": "I(class; pooled-count word) [bits]", "readout": "held-out readout accuracy",
                 "stats": "distance of rate, ISI CV, correlation",
                 "reliability": "CV of the pooled count across repeats"}
#: Smallest candidate size per metric (a noise correlation needs two neurons).
METRIC_N_MIN = {"stats": 2}


def population_counts(spike_times, spike_indices, n: int, n_classes: int, repeats: int,
                      bin_ms: float, t_start: float, t_stop: float):
    """Spike counts ``(trials, n, bins)`` and the class of each trial.

    Parameters
    ----------
    spike_times : array of float
        Spike times (ms), any order.
    spike_indices : array of int
        The neuron of every spike: neuron ``t * n + k`` is neuron ``k`` of trial ``t``
        (trial ``t`` is class ``t // repeats``); spikes of neurons beyond
        ``n_classes * repeats * n`` are not counted.
    n, n_classes, repeats : int
        Neurons per trial, classes, trials per class.
    bin_ms : float
        Bin width (ms); the window is cut into ``max(1, round(duration / bin_ms))``
        equal bins.
    t_start, t_stop : float
        The recorded window (ms).

    Returns
    -------
    counts : ndarray of int, shape (n_classes * repeats, n, bins)
    labels : ndarray of int, shape (n_classes * repeats,)

    Examples
    --------
    >>> counts, labels = population_counts([5.0, 15.0, 5.0], [0, 0, 3], n=2, n_classes=2,
    ...                                    repeats=1, bin_ms=10.0, t_start=0.0, t_stop=20.0)
    >>> counts.tolist(), labels.tolist()
    ([[[1, 1], [0, 0]], [[0, 0], [1, 0]]], [0, 1])
    """
    times = np.asarray(spike_times, dtype=float)
    indices = np.asarray(spike_indices)
    if times.shape != indices.shape or times.ndim != 1:
        raise AnalysisInputError(f"spike_times of shape {times.shape}, spike_indices of shape"
                                 f" {indices.shape}: expected two 1-D arrays of one length")
    copies = int(n_classes) * int(repeats)
    total = copies * int(n)
    if indices.size and indices.min() < 0:
        raise AnalysisInputError(f"spike_indices: smallest value {indices.min()}; expected"
                                 " neuron indices >= 0")
    duration = t_stop - t_start
    if not duration > 0:
        raise AnalysisInputError(f"t_start={t_start!r}, t_stop={t_stop!r}: expected t_stop >"
                                 " t_start")
    n_bins = max(1, int(round(duration / bin_ms)))
    b = np.clip(((times - t_start) / (duration / n_bins)).astype(int), 0, n_bins - 1)
    flat = np.bincount(indices.astype(int) * n_bins + b, minlength=total * n_bins)
    counts = flat[: total * n_bins].reshape(copies, int(n), n_bins)
    labels = np.arange(copies) // int(repeats)
    return counts, labels


def _quantise(values: np.ndarray, levels: int) -> np.ndarray:
    """Equipopulated levels (ties kept together; :func:`.utils.equipopulated_levels`)."""
    return equipopulated_levels(values, levels)


def spike_statistics(counts: np.ndarray, labels: np.ndarray, duration_ms: float,
                     spike_times: Any = None) -> dict:
    """Per-class rate, ISI CV and noise correlation, with their standard errors.

    Parameters
    ----------
    counts : ndarray, shape (trials, neurons, bins)
    labels : ndarray, shape (trials,)
    duration_ms : float
    spike_times : list of arrays, optional
        Spike times of every (trial, neuron), trial-major; without them ISI CVs are None.

    Returns
    -------
    dict
        ``rate_hz``, ``isi_cv``, ``noise_correlation`` and ``rate_hz_se``, ``isi_cv_se``,
        ``noise_correlation_se``: one value per class (None where undefined).  Rates are
        per neuron; their error treats repeats as the independent units; the correlation
        is the mean over neuron pairs of the correlation across repeats of spike counts,
        its error ``sqrt(mean((1 - r²)²) / (R - 1) / pairs)``.
    """
    classes = np.unique(labels)
    per_neuron = counts.sum(axis=2)                      # (trials, neurons)
    seconds = duration_ms / 1000.0
    rate, rate_se = [], []
    for c in classes:
        # repeats are the independent units (neurons of one trial may be correlated)
        per_trial = per_neuron[labels == c].mean(axis=1) / seconds
        rate.append(float(per_trial.mean()))
        rate_se.append(float(per_trial.std(ddof=1) / math.sqrt(per_trial.size))
                       if per_trial.size > 1 else None)
    # noise correlation: per class, correlation across repeats of neuron pairs' counts; its
    # sampling variance per pair (1 - r^2)^2 / (R - 1), pairs' errors uncorrelated near r = 0
    corr, corr_se = [], []
    for c in classes:
        x = per_neuron[labels == c]
        x = x[:, x.std(axis=0) > 0]
        if x.shape[1] >= 2 and x.shape[0] >= 3:
            m = np.corrcoef(x.T)
            pairs = m[np.triu_indices_from(m, 1)]
            corr.append(float(pairs.mean()))
            corr_se.append(float(math.sqrt(np.mean((1 - pairs**2) ** 2) / (x.shape[0] - 1)
                                           / pairs.size)))
        else:
            corr.append(None)
            corr_se.append(None)
    isi_cv, isi_cv_se = [None] * len(classes), [None] * len(classes)
    if spike_times is not None:
        n_neurons = counts.shape[1]
        if len(spike_times) != counts.shape[0] * n_neurons:
            raise AnalysisInputError(f"spike_times: {len(spike_times)} trains for"
                                     f" {counts.shape[0]} trials x {n_neurons} neurons;"
                                     f" expected {counts.shape[0] * n_neurons}")
        for k, c in enumerate(classes):
            cv = [np.std(np.diff(t)) / np.mean(np.diff(t))
                  for i, t in enumerate(spike_times)
                  if labels[i // n_neurons] == c and len(t) >= 3]
            isi_cv[k] = float(np.mean(cv)) if cv else None
            isi_cv_se[k] = float(np.std(cv, ddof=1) / math.sqrt(len(cv))) if len(cv) > 1 \
                else None
    return {"rate_hz": rate, "isi_cv": isi_cv, "noise_correlation": corr,
            "rate_hz_se": rate_se, "isi_cv_se": isi_cv_se, "noise_correlation_se": corr_se}


def response_metrics(counts: np.ndarray, labels: np.ndarray, duration_ms: float, seed: int,
                     mi_levels: int = 8, readout_alpha: float = 1.0,
                     spike_times: Any = None) -> dict:
    """The metrics (and spike statistics) of one simulated network.

    Parameters
    ----------
    counts : ndarray, shape (trials, neurons, bins)
    labels : ndarray, shape (trials,)
    duration_ms : float
    seed : int
        Seed of the cross-validation folds.
    mi_levels, readout_alpha
        See the module table.
    spike_times : list of arrays, optional
        Spike times of every (trial, neuron), trial-major (``trials * neurons`` arrays),
        for the ISI CV; without them the CV is missing from the statistics.

    Returns
    -------
    dict
        ``mi``, ``readout``, ``reliability`` (floats), ``stats`` (the spike statistics per
        class: ``rate_hz``, ``isi_cv``, ``noise_correlation`` and their standard errors
        ``*_se``, lists with None where undefined; :func:`stats_distance` turns two of them
        into the ``stats`` metric) and ``details``.
    """
    pooled = counts.sum(axis=(1, 2)).astype(float)
    per_bin = counts.sum(axis=1).astype(float)           # (trials, bins)
    words = np.stack([_quantise(per_bin[:, b], int(mi_levels))
                      for b in range(per_bin.shape[1])], axis=1)
    mi = mutual_information(labels, words, method="pt")
    ro = readout_accuracy(response_features(counts), labels, method="logistic",
                          alpha=readout_alpha, n_folds=5, seed=seed)
    classes = np.unique(labels)
    cvs = []
    for c in classes:
        x = pooled[labels == c]
        cvs.append(float(x.std(ddof=1) / x.mean()) if x.mean() > 0 else math.inf)
    cv_pool = float(np.mean(cvs))
    stats = spike_statistics(counts, labels, duration_ms, spike_times)
    rate, corr, isi_cv = stats["rate_hz"], stats["noise_correlation"], stats["isi_cv"]
    defined = [x for x in corr if x is not None]
    cv_defined = [x for x in isi_cv if x is not None]
    details = {"rate_hz": float(np.mean(rate)),
               "noise_correlation": float(np.mean(defined)) if defined else None,
               "isi_cv": float(np.mean(cv_defined)) if cv_defined else None,
               "pooled_cv_per_class": cvs,
               "mean_pooled_count_per_class": [float(pooled[labels == c].mean())
                                               for c in classes],
               "mi_plugin_bits": mi.plugin_bits, "mi_response_symbols": mi.n_response_symbols,
               "readout_ci": list(ro.ci), "readout_chance": ro.chance}
    return {"mi": float(mi.bits), "readout": float(ro.accuracy),
            "reliability": cv_pool if np.isfinite(cv_pool) else 1e6, "stats": stats,
            "details": details}


#: Components of :func:`stats_distance`.
STATS_COMPONENTS = ("rate_hz", "isi_cv", "noise_correlation")


def _components(stats: Mapping) -> dict:
    """Per component, per class: (value on the compared scale, its sampling variance), or
    None where undefined.  Rates are compared as ln(rate + 1 Hz)."""
    out = {}
    for key in STATS_COMPONENTS:
        values = list(stats[key])
        errors = list(stats.get(f"{key}_se") or [None] * len(values))
        items = []
        for v, se in zip(values, errors):
            if v is None:
                items.append(None)
                continue
            se = 0.0 if se is None else float(se)
            items.append((math.log1p(v), (se / (1.0 + v)) ** 2) if key == "rate_hz"
                         else (float(v), se**2))
        out[key] = items
    return out


def _mean_components(stats: Sequence[Mapping]) -> dict:
    """Mean over several networks (seeds) of :func:`_components`; the variance of a mean
    of S independent estimates is the sum of their variances over S²."""
    parts = [_components(s) for s in stats]
    out = {}
    for key in STATS_COMPONENTS:
        items = []
        for column in zip(*[p[key] for p in parts]):
            defined = [x for x in column if x is not None]
            if not defined:
                items.append(None)
            else:
                k = len(defined)
                items.append((sum(v for v, _ in defined) / k, sum(e for _, e in defined) / k**2))
        out[key] = items
    return out


def stats_distance(candidate: Mapping, reference: Mapping | Sequence[Mapping],
                   corrected: bool = True) -> float:
    """Distance between two networks' spike statistics (the ``stats`` metric).

    Parameters
    ----------
    candidate : mapping
        ``{'rate_hz': [...], 'isi_cv': [...], 'noise_correlation': [...]}``, one value
        per class (``response_metrics(...)['stats']``); None marks an undefined value.
        Optional ``rate_hz_se``, ``isi_cv_se``, ``noise_correlation_se``: standard errors
        of those estimates.
    reference : mapping or sequence of mappings
        The reference's statistics; several (one per seed) are averaged first (rates
        as ln(rate + 1 Hz)).
    corrected : bool
        Subtract the sampling variance of both sides from every squared difference
        (default).  A small network estimates its correlation from few pairs and its rate
        from few neurons, so the raw distance shrinks with n through noise alone; the
        corrected one estimates the distance between the underlying statistics.

    Returns
    -------
    float
        ``D = mean(d² - var_c - var_r)`` over every class and component defined on both
        sides, with ``d = ln((rate_c + 1)/(rate_r + 1))`` for rates (Hz; the 1 Hz keeps
        silent networks finite), ``CV_c − CV_r`` and ``corr_c − corr_r``; the result is
        ``sign(D) sqrt(|D|)``: negative when the differences are smaller than sampling
        noise alone would make them (an unbiased D averages correctly over seeds).  A
        relative rate difference of 10 % weighs like a CV or correlation difference of
        about 0.1.  Without standard errors (or ``corrected=False``) it is the plain RMS
        difference.

    Raises
    ------
    AnalysisInputError
        If the class counts differ or no component is defined on both sides.

    Examples
    --------
    >>> a = {"rate_hz": [9.0], "isi_cv": [0.5], "noise_correlation": [0.1]}
    >>> round(stats_distance(a, a), 6)
    0.0
    >>> b = {"rate_hz": [9.0], "isi_cv": [0.8], "noise_correlation": [0.1]}
    >>> round(stats_distance(b, a), 4)  # sqrt(0.3**2 / 3)
    0.1732
    >>> noisy = dict(b, isi_cv_se=[0.3])  # a difference of one standard error...
    >>> round(stats_distance(noisy, a), 4)  # ...is what noise alone gives on average
    0.0
    """
    cand = _components(candidate)
    ref = _components(reference) if isinstance(reference, Mapping) \
        else _mean_components(reference)
    terms = []
    for key in STATS_COMPONENTS:
        c, r = cand[key], ref[key]
        if len(c) != len(r):
            raise AnalysisInputError(f"stats_distance: {key} has {len(c)} classes in the"
                                     f" candidate and {len(r)} in the reference; expected"
                                     " the same classes")
        for x, y in zip(c, r):
            if x is None or y is None:
                continue
            noise = x[1] + y[1] if corrected else 0.0
            terms.append((x[0] - y[0]) ** 2 - noise)
    if not terms:
        raise AnalysisInputError("stats_distance: no statistic is defined in both networks"
                                 " (no spikes?); expected at least one")
    d2 = float(np.mean(terms))
    return float(math.copysign(math.sqrt(abs(d2)), d2))


def reference_stats_distances(stats: Sequence[Mapping]) -> list[float]:
    """Each reference seed's distance from the mean of the other seeds (the level a
    candidate must reach: the reference's own seed-to-seed variability)."""
    if len(stats) < 2:
        raise AnalysisInputError(f"reference statistics of {len(stats)} seed(s): expected at"
                                 " least 2 for a seed-to-seed distance")
    return [stats_distance(s, [o for j, o in enumerate(stats) if j != i])
            for i, s in enumerate(stats)]

