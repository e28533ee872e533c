"""Task metrics of the first n neurons of one simulated pool, for many n at once (NumPy/SciPy).

An equivalence run simulates, per model and seed, ONE pool of independent neurons (private
noise, shared class input): counts ``(trials, pool, bins)``, trial ``t`` of class
``labels[t]``.  The metric of a network of n neurons is read from the pool's first n
neurons, for a list of sizes, with trial-level bootstrap replicates.  A size-curve module
fits ``baseline + A (1 - exp(-n / n0))`` to them, the baseline from :data:`POOL_BASELINES`.

Contents
--------
pool_metric_curves -> PoolCurves
    Every metric of :data:`POOL_METRICS` at every size: row 0 the data, rows 1..
    bootstrap resamples of trials within classes (the same resample for every size and
    metric of a row, centred on row 0; NaN for the cross-validated metrics, see below);
    spikes per trial and rates for information per spike.
POOL_METRICS, POOL_BASELINES, CV_METRICS, pool_baseline
    Metric -> (axis label, one-line description); metric -> value at n = 0 (a number, or
    a function of the number of classes: chance for accuracies); the cross-validated
    metrics; the baseline of one metric for a number of classes.

The metrics
-----------
==============  ===================================================================  ========
mi              I(class; word): the pooled count of the first n neurons in each bin,  bits
                quantised in ``mi_levels`` equipopulated levels per bin (ties kept
                together, as :func:`hhlif.analysis.task_metrics.response_metrics`),
                the bins forming the word; Panzeri-Treves correction
mi-nsb          the same words, NSB estimate (about 10 ms per size and row: the       bits
                slowest metric here)
decoder         I(class; decoded class) of the held-out predictions of ``readout``,   bits
                Panzeri-Treves corrected: a lower bound on the information in the
                per-neuron counts (data processing) that a linear readout reaches
readout         held-out accuracy of a ridge classifier (one-hot targets,              fraction
                standardised sqrt counts of every neuron and bin of the first n),
                outer stratified 5-fold CV, its penalty chosen inside every outer
                training set by exact leave-one-out CV over
                :data:`hhlif.analysis.readout.NESTED_ALPHAS` (squared error of the
                targets), see :func:`hhlif.analysis.readout.nested_ridge_predictions`
readout-pooled  the same readout of the pooled count of the first n neurons per bin   fraction
*-lda           ``readout-lda``, ``readout-pooled-lda``, ``decoder-lda``: the same    as above
                fits read by the nearest class centroid (discriminant analysis on
                the fits) instead of the largest output, which masks classes ordered
                along one direction (e.g. classes of increasing rate: ``readout``
                can stay near 0.5 of 4 classes where ``readout-lda`` nears 1)
fisher          linear Fisher information (mean over class pairs of the bias-        d'^2
                corrected discriminability, ``delta = 1``) of each neuron's bins,
                summed over the first n neurons (:func:`hhlif.analysis.fisher.
                class_fisher_information`; additive since the neurons are
                independent given the class; a bin constant within each class but
                different between two gets the variance of one count, not inf)
==============  ===================================================================  ========

Bootstrap rows and cross-validation
-----------------------------------
Row ``r >= 1`` resamples the trials of every class with replacement.  A resample is data
drawn from the empirical distribution, whose information is the plug-in value of the
data, so replicates of a bias-corrected estimate centre on the plug-in value rather than
on row 0 (``fisher`` by about ``2 bins / trials per class`` per neuron; ``mi`` by up to
the whole bias correction: 0.3 bits on 0.3 bits for 81 words and 400 trials).  By default
(``centre_bootstrap=True``) every (metric, size) column of rows ``>= 1`` is therefore
shifted to have row 0's mean, its spread unchanged (the usual bootstrap bias
correction); the raw replicates come with ``centre_bootstrap=False``.  A cross-validated
metric (:data:`CV_METRICS`) of a resample would put copies of one trial in a training and
a test fold and read memorisation as accuracy, so its rows ``>= 1`` are NaN: bootstrap
those over seeds only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .errors import AnalysisInputError
from .fisher import class_fisher_information
from .information import mutual_information
from .readout import NESTED_ALPHAS, nested_ridge_predictions
from .utils import equipopulated_levels, jsonify

__all__ = ["POOL_METRICS", "POOL_BASELINES", "CV_METRICS", "PoolCurves", "pool_baseline",
           "pool_metric_curves"]

#: Metric -> (axis label, one-line description); see the module table.
POOL_METRICS = {
    "mi": ("I(class; pooled-count word) [bits]",
           "pooled count of the first n neurons per bin, equipopulated levels, Panzeri-Treves"),
    "mi-nsb": ("I(class; pooled-count word), NSB [bits]",
               "the words of mi, Nemenman-Shafee-Bialek estimate"),
    "decoder": ("I(class; decoded class) [bits]",
                "information in the held-out predictions of the readout, Panzeri-Treves"),
    "readout": ("held-out accuracy, per-neuron ridge readout",
                "ridge on sqrt counts of every neuron and bin, nested CV of the penalty"),
    "readout-pooled": ("held-out accuracy, pooled-count ridge readout",
                       "ridge on the sqrt pooled count per bin, nested CV of the penalty"),
    "readout-lda": ("held-out accuracy, per-neuron ridge + discriminant rule",
                    "the readout's fits classified by the nearest class centroid (no masking)"),
    "readout-pooled-lda": ("held-out accuracy, pooled-count ridge + discriminant rule",
                           "the pooled readout's fits classified by the nearest centroid"),
    "decoder-lda": ("I(class; decoded class), discriminant rule [bits]",
                    "information in the held-out predictions of readout-lda, Panzeri-Treves"),
    "fisher": ("linear Fisher information [d'^2, mean over class pairs]",
               "bias-corrected linear discriminability of each neuron, summed over n"),
}


def _chance(n_classes: int) -> float:
    """Accuracy of guessing among ``n_classes`` balanced classes."""
    return 1.0 / n_classes


#: Metric -> value at n = 0: a number, or a function of the number of classes.
POOL_BASELINES: dict[str, float | Callable[[int], float]] = {
    "mi": 0.0, "mi-nsb": 0.0, "decoder": 0.0, "decoder-lda": 0.0, "fisher": 0.0,
    "readout": _chance, "readout-pooled": _chance, "readout-lda": _chance,
    "readout-pooled-lda": _chance}
#: Cross-validated metrics: NaN in bootstrap rows (see the module notes).
CV_METRICS = frozenset({"readout", "readout-pooled", "decoder", "readout-lda",
                        "readout-pooled-lda", "decoder-lda"})


def pool_baseline(metric: str, n_classes: int) -> float:
    """The value of ``metric`` at n = 0 for ``n_classes`` classes.

    Examples
    --------
    >>> pool_baseline("readout", 4), pool_baseline("mi", 4)
    (0.25, 0.0)
    """
    if metric not in POOL_BASELINES:
        raise AnalysisInputError(f"metric={metric!r}: expected one of {', '.join(POOL_METRICS)}")
    value = POOL_BASELINES[metric]
    return float(value(int(n_classes)) if callable(value) else value)


@dataclass
class PoolCurves:
    """Metrics of the first n neurons of a pool, for every size.

    Attributes
    ----------
    sizes : ndarray of int, shape (S,)
    values : dict of str to ndarray, shape (1 + n_trial_bootstrap, S)
        Row 0 the data, rows 1.. trial bootstrap replicates (centred on row 0 unless
        ``centre_bootstrap=False``; NaN for :data:`CV_METRICS`).
    spikes_per_trial : ndarray, shape (S,)
        Mean pooled spike count of the first n neurons per trial (the data).
    rate_hz : ndarray, shape (S,), or None
        Mean rate per neuron of the first n neurons (given ``duration_ms``).
    baselines : dict of str to float
        Value of every metric at n = 0 for these classes (:func:`pool_baseline`).
    n_trials, n_classes, pool_size, mi_levels, n_trial_bootstrap, seed : int
    centre_bootstrap : bool
    details : dict
        ``alphas_chosen``: {readout metric: per size, the penalty of every outer fold};
        ``alpha_grid``; ``inner_cv``.
    """

    sizes: np.ndarray
    values: dict
    spikes_per_trial: np.ndarray
    rate_hz: np.ndarray | None
    baselines: dict
    n_trials: int
    n_classes: int
    pool_size: int
    mi_levels: int
    n_trial_bootstrap: int
    seed: int
    centre_bootstrap: bool
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dictionary of every field (NaN as None)."""
        return jsonify({k: getattr(self, k) for k in self.__dataclass_fields__})


def _check_inputs(counts, labels, sizes, metrics, mi_levels, n_trial_bootstrap, duration_ms):
    c = np.asarray(counts)
    if c.ndim != 3 or 0 in c.shape:
        raise AnalysisInputError(f"counts has shape {c.shape}: expected (trials, pool_neurons,"
                                 " bins) with none of them zero")
    if c.dtype.kind not in "iuf" or not np.all(np.isfinite(c)) or np.any(c < 0):
        raise AnalysisInputError(f"counts (dtype {c.dtype}): expected finite, non-negative"
                                 " spike counts")
    y = np.asarray(labels)
    if y.ndim != 1 or y.size != c.shape[0]:
        raise AnalysisInputError(f"labels has shape {y.shape}: expected ({c.shape[0]},), one"
                                 " class per trial")
    classes, yi = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise AnalysisInputError(f"labels: expected at least two classes, got"
                                 f" {classes.tolist()}")
    raw = np.asarray(sizes)
    if raw.ndim != 1 or raw.size == 0 or raw.dtype.kind not in "iu" and not (
            raw.dtype.kind == "f" and np.all(raw == np.round(raw))):
        raise AnalysisInputError(f"sizes={np.asarray(sizes).tolist()!r}: expected a non-empty"
                                 " list of integers")
    n = raw.astype(int)
    if np.any(np.diff(n) <= 0) or n[0] < 1 or n[-1] > c.shape[1]:
        raise AnalysisInputError(f"sizes={n.tolist()}: expected strictly increasing integers"
                                 f" in [1, {c.shape[1]}] (the pool)")
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in names if m not in POOL_METRICS]
    if not names or unknown or len(set(names)) != len(names):
        raise AnalysisInputError(f"metrics={names!r}: expected distinct names among"
                                 f" {', '.join(POOL_METRICS)}")
    if int(mi_levels) != mi_levels or mi_levels < 2:
        raise AnalysisInputError(f"mi_levels={mi_levels!r}: expected an integer >= 2")
    if int(n_trial_bootstrap) != n_trial_bootstrap or n_trial_bootstrap < 0:
        raise AnalysisInputError(f"n_trial_bootstrap={n_trial_bootstrap!r}: expected an"
                                 " integer >= 0")
    if duration_ms is not None and not (np.isfinite(duration_ms) and duration_ms > 0):
        raise AnalysisInputError(f"duration_ms={duration_ms!r}: expected None or a finite"
                                 " number > 0")
    return c, yi, classes.size, n, names


def _words(pooled: np.ndarray, levels: int) -> np.ndarray:
    """Words of every (trial, size): ``pooled`` (trials, sizes, bins) quantised per
    (size, bin) in equipopulated levels, ties kept together
    (:func:`~hhlif.analysis.utils.equipopulated_levels`).  Returns one integer code per
    (trial, size) (the bins as base-``levels`` digits), or the digits themselves
    (trials, sizes, bins) when the codes would not fit in 62 bits."""
    digit = equipopulated_levels(pooled, levels)                    # (trials, sizes, bins)
    if pooled.shape[2] * np.log2(levels) >= 62:
        return digit
    return (digit * levels ** np.arange(pooled.shape[2], dtype=np.int64)).sum(axis=2)


def _resamples(yi: np.ndarray, n_rows: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Row 0: every trial; rows 1..: trials resampled with replacement within classes."""
    groups = [np.flatnonzero(yi == k) for k in range(int(yi.max()) + 1)]
    rows = [np.arange(yi.size)]
    for _ in range(n_rows - 1):
        rows.append(np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups]))
    return rows


def pool_metric_curves(counts: Any, labels: Any, sizes: Sequence[int],
                       metrics: Sequence[str], *, mi_levels: int = 3,
                       n_trial_bootstrap: int = 0, seed: int = 0,
                       duration_ms: float | None = None, n_folds: int = 5,
                       alphas: Sequence[float] = NESTED_ALPHAS,
                       centre_bootstrap: bool = True) -> PoolCurves:
    """Metrics of the first n neurons of one pool, for every n of ``sizes``.

    Parameters
    ----------
    counts : array_like of int, shape (trials, pool_neurons, bins)
        Spike counts; the neurons are independent given the class (``fisher`` adds them).
    labels : array_like, shape (trials,)
        Class of every trial (at least two classes).
    sizes : sequence of int
        Strictly increasing, in [1, pool_neurons].
    metrics : sequence of str
        Names of :data:`POOL_METRICS`.
    mi_levels : int
        Levels of the pooled count per bin of the ``mi`` words (>= 2).
    n_trial_bootstrap : int
        Bootstrap rows after the data (trials resampled within classes; NaN for
        :data:`CV_METRICS`).
    seed : int
        Seed of the resamples and of the cross-validation folds (the same folds at every
        size).
    duration_ms : float, optional
        Trial duration, for ``rate_hz``.
    n_folds : int
        Outer folds of the readouts.
    alphas : sequence of float
        Penalty grid of the readouts' nested CV.
    centre_bootstrap : bool
        Shift the bootstrap rows of every (metric, size) to row 0's mean (default; see the
        module notes; needs at least two bootstrap rows); columns with a non-finite value
        are left as drawn.

    Returns
    -------
    PoolCurves

    Raises
    ------
    AnalysisInputError
        Bad shapes, sizes, metric names, levels or counts; too few trials per class for
        the folds (``readout``) or for the Fisher bias correction (``2T > bins + 3``).

    Notes
    -----
    Speed (400 trials x 160 neurons x 4 bins, 12 sizes, 20 bootstrap rows, ``mi``,
    ``mi-nsb``, ``fisher``, ``readout``), measured with one BLAS thread on a shared 2-core
    machine: 2.8-4.7 s, of which ``mi-nsb`` 1.7-2.5 s (five NSB entropies, 7-10 ms
    together, per size and row), ``readout`` 0.45 s (five eigendecompositions per size,
    the leave-one-out inner CV costing nothing more), ``mi`` 0.2 s, ``fisher`` 0.07 s.
    OpenBLAS threads competing for busy cores made the readout 5-30 times slower (2-13 s):
    set ``OPENBLAS_NUM_THREADS=1`` where several processes share the cores.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> labels = np.repeat([0, 1], 50)
    >>> counts = rng.poisson(5.0, size=(100, 4, 2))
    >>> counts[:, 0] += 10 * labels[:, None]          # only neuron 0 tells the classes apart
    >>> curves = pool_metric_curves(counts, labels, [1, 2, 4], ["readout", "fisher"])
    >>> curves.values["readout"].round(2).tolist()
    [[1.0, 1.0, 1.0]]
    """
    c, yi, n_classes, n, names = _check_inputs(counts, labels, sizes, metrics, mi_levels,
                                               n_trial_bootstrap, duration_ms)
    levels, n_rows, pool_size = int(mi_levels), 1 + int(n_trial_bootstrap), c.shape[1]
    c = c[:, : n[-1]]
    pooled = np.cumsum(c, axis=1, dtype=float)[:, n - 1, :]         # (trials, sizes, bins)
    rows = _resamples(yi, n_rows, np.random.default_rng(seed))
    values = {m: np.full((n_rows, n.size), np.nan) for m in names}
    methods = {"mi": "pt", "mi-nsb": "nsb"}
    for r, idx in enumerate(rows):
        y = yi[idx]
        if {"mi", "mi-nsb"} & set(names):
            words = _words(pooled[idx], levels)
            for m in ("mi", "mi-nsb"):
                if m in names:
                    values[m][r] = [mutual_information(y, words[:, s], method=methods[m]).bits
                                    for s in range(n.size)]
        if "fisher" in names:
            per_neuron = class_fisher_information(c[idx], y, per_neuron=True,
                                                  one_count_floor=True)
            values["fisher"][r] = np.cumsum(per_neuron)[n - 1]
    details: dict = {"alpha_grid": [float(a) for a in alphas], "inner_cv": "leave-one-out",
                     "n_folds": int(n_folds), "alphas_chosen": {}}
    # one nested CV per size serves a readout, its -lda rule and their decoders
    readouts = {"readout": ("readout", "readout-lda", "decoder", "decoder-lda"),
                "readout-pooled": ("readout-pooled", "readout-pooled-lda")}
    roots = np.sqrt(c.astype(float)) if CV_METRICS & set(names) else None
    for base, served in readouts.items():
        if not set(served) & set(names):
            continue
        chosen = []
        for s, size in enumerate(n):
            x = (roots[:, :size].reshape(yi.size, -1) if base == "readout"
                 else np.sqrt(pooled[:, s, :]))
            res = nested_ridge_predictions(x, yi, alphas, n_folds, None, seed)
            chosen.append(res.alphas_chosen.tolist())
            found = {served[0]: res.accuracy, served[1]: res.accuracy_lda}
            if base == "readout":
                for m, pred in (("decoder", res.predicted), ("decoder-lda", res.predicted_lda)):
                    if m in names:
                        found[m] = mutual_information(yi, pred, method="pt").bits
            for m, value in found.items():
                if m in names:
                    values[m][0, s] = value
        details["alphas_chosen"][base] = chosen
    if centre_bootstrap and n_rows > 2:
        for m in names:
            v = values[m]
            ok = np.all(np.isfinite(v), axis=0)
            v[1:, ok] += v[0, ok] - v[1:, ok].mean(axis=0)
    spikes = pooled.sum(axis=2).mean(axis=0)
    rate = None if duration_ms is None else spikes / n / (float(duration_ms) / 1000.0)
    return PoolCurves(sizes=n, values=values, spikes_per_trial=spikes, rate_hz=rate,
                      baselines={m: pool_baseline(m, n_classes) for m in names},
                      n_trials=int(yi.size), n_classes=int(n_classes),
                      pool_size=int(pool_size), mi_levels=levels,
                      n_trial_bootstrap=int(n_trial_bootstrap), seed=int(seed),
                      centre_bootstrap=bool(centre_bootstrap), details=details)
