"""Linear Fisher information of population responses, bias-corrected (NumPy only).

Contents
--------
linear_fisher_information
    Linear Fisher information between two stimuli ``delta`` apart, from the responses
    ``(trials, features)`` to each: the bias-corrected estimator of Kanitscheider et al.
    (2015) [1]_ or the plug-in one.
class_fisher_information
    For counts ``(trials, neurons, bins)`` of several classes: the mean over class pairs
    of the linear discriminability (``delta = 1``), one value per neuron (its bins the
    features; the cumulative sum is the information of the first n neurons when neurons
    are independent given the class) or one value for the whole population.

The estimator
-------------
With ``T_a``, ``T_b`` trials of the two stimuli, ``N`` features, the mean difference
``dmu`` and the pooled covariance ``S`` (within-stimulus cross-products over
``nu = T_a + T_b - 2``), the plug-in value is ``I = dmu' S^-1 dmu / delta^2``.  For
Gaussian responses of a common covariance ``Sigma``, ``S`` is Wishart with ``nu`` degrees
of freedom and independent of ``dmu``, ``E[S^-1] = nu / (nu - N - 1) Sigma^-1`` and
``dmu ~ N(Dmu, (1/T_a + 1/T_b) Sigma)``, so

    E[I] = nu / (nu - N - 1) * (I_true + N (1/T_a + 1/T_b) / delta^2)

and the unbiased estimator is

    I_bc = I (nu - N - 1) / nu - N (1/T_a + 1/T_b) / delta^2,

which for ``T_a = T_b = T`` is the published ``I (2T - N - 3)/(2T - 2) - 2N/(T delta^2)``
[1]_.  It needs ``nu - N - 1 = T_a + T_b - N - 3 > 0``.  ``I_bc`` is unbiased, so it can
be negative when the information is small; sums and means of it stay unbiased.

Singular covariances
--------------------
The pooled covariance is inverted through its eigen-decomposition: directions whose
variance is below :data:`RANK_TOLERANCE` of the largest (a combination of features that
does not vary within either stimulus, e.g. very reliable spikes in fine bins) are dropped,
or with ``one_count_floor`` given the variance of one count in one trial, like constant
features below.

Constant features
-----------------
A feature constant within both stimuli carries no noise: where it takes the same value
under both it carries no information either and is dropped (``N`` counts the others);
where the two values differ the stimuli are told apart without error and the information
is ``inf`` (returned as ``math.inf``; a caller fitting curves should cap or drop it).

References
----------
.. [1] Kanitscheider I, Coen-Cagli R, Kohn A, Pouget A (2015) Measuring Fisher
       information accurately in correlated neural populations. PLoS Comput Biol
       11:e1004218.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .errors import AnalysisInputError

__all__ = ["linear_fisher_information", "class_fisher_information"]


#: Eigenvalues of the pooled covariance below this fraction of the largest count as zero:
#: their directions are dropped (or floored at one count, ``one_count_floor``).
RANK_TOLERANCE = 1e-9


def _group_stats(x: np.ndarray) -> dict:
    """Sufficient statistics of one stimulus: ``x`` (trials, groups, features)."""
    mean = x.mean(axis=0)
    d = x - mean
    return {"t": x.shape[0], "mean": mean, "cp": np.einsum("tgi,tgj->gij", d, d),
            "lo": x.min(axis=0), "hi": x.max(axis=0)}


def _pair_information(a: dict, b: dict, delta: float, bias_corrected: bool,
                      name: str, one_count_floor: bool = False) -> np.ndarray:
    """Linear Fisher information of every group (one value per group) between two stimuli.

    ``one_count_floor``: a feature constant under each stimulus but different between
    them gets the variance of one count in one of the ``T_a + T_b`` trials
    (``1 / (T_a + T_b)``) instead of an infinite information."""
    nu = a["t"] + b["t"] - 2
    dmu = a["mean"] - b["mean"]                                   # (groups, N)
    constant = (a["lo"] == a["hi"]) & (b["lo"] == b["hi"])
    floored = constant & (a["lo"] != b["lo"]) if one_count_floor else \
        np.zeros_like(constant)
    constant = constant & ~floored
    keep = ~constant
    n_eff = keep.sum(axis=1)
    if np.any(keep.any(axis=1)) and nu - int(n_eff.max()) - 1 <= 0:
        raise AnalysisInputError(
            f"{name}: {a['t']} + {b['t']} trials for {int(n_eff.max())} non-constant features;"
            " expected T_a + T_b - N - 3 > 0 (2T - N - 3 > 0 for T trials per stimulus)")
    infinite = np.any(constant & (a["lo"] != b["lo"]), axis=1)
    cov = (a["cp"] + b["cp"]) / max(nu, 1)
    both = keep[:, :, None] & keep[:, None, :]
    eye = np.broadcast_to(np.eye(cov.shape[-1]), cov.shape)
    cov = np.where(both, cov, eye)               # dropped features: identity, zero mean diff.
    floor = 1.0 / float(a["t"] + b["t"])
    cov = cov + eye * (floored[:, :, None] * floor)
    dmu = np.where(keep, dmu, 0.0)
    # eigen-decomposition, not solve: responses so reliable that some combination of the
    # features does not vary within either stimulus make S singular to rounding (HH's
    # spikes at 2 ms bins), where solve returns ~1e33 instead of failing
    lam, vec = np.linalg.eigh(cov)
    proj = np.einsum("gij,gi->gj", vec, dmu)
    tiny = lam <= RANK_TOLERANCE * np.maximum(lam.max(axis=1, keepdims=True), 0.0)
    if one_count_floor:   # a noiseless direction: the variance of one count in one trial
        lam = np.where(tiny, np.maximum(lam, floor), lam)
        tiny = lam <= 0
    info = np.where(tiny, 0.0, proj**2 / np.where(tiny, 1.0, lam)).sum(axis=1) / delta**2
    if bias_corrected:
        info = info * (nu - n_eff - 1) / nu - n_eff * (1.0 / a["t"] + 1.0 / b["t"]) / delta**2
    return np.where(infinite, np.inf, info)


def _responses(values: Any, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise AnalysisInputError(f"{name} has shape {np.shape(values)}: expected (trials,"
                                 " features) with at least one trial and one feature")
    if not np.all(np.isfinite(x)):
        raise AnalysisInputError(f"{name} contains NaN or inf: expected finite responses")
    return x


def linear_fisher_information(responses_a: Any, responses_b: Any, delta: float = 1.0,
                              bias_corrected: bool = True) -> float:
    """Linear Fisher information between two stimuli ``delta`` apart.

    Parameters
    ----------
    responses_a, responses_b : array_like, shape (trials, features) or (trials,)
        Responses to the two stimuli (the trial counts may differ; the features must match).
    delta : float
        Stimulus difference (> 0); ``delta = 1`` gives the linear discriminability
        ``d'^2``.
    bias_corrected : bool
        The unbiased estimator of Kanitscheider et al. (2015) (default) or the plug-in
        ``dmu' S^-1 dmu / delta^2`` (see the module notes).

    Returns
    -------
    float
        Information per ``delta^2`` (``inf`` when a feature constant under each stimulus
        takes different values under the two).

    Raises
    ------
    AnalysisInputError
        Bad shapes, non-finite responses or ``delta``, or too few trials:
        ``T_a + T_b - N - 3 <= 0`` for ``N`` non-constant features.

    Examples
    --------
    >>> a = [[0.0], [1.0], [2.0], [3.0]]
    >>> b = [[1.0], [2.0], [3.0], [4.0]]    # dmu = 1, pooled variance 5/3
    >>> round(linear_fisher_information(a, b, bias_corrected=False), 4)
    0.6
    >>> round(linear_fisher_information(a, b), 4)   # 0.6 * 4/6 - 2/4
    -0.1
    """
    xa = _responses(responses_a, "responses_a")
    xb = _responses(responses_b, "responses_b")
    if xa.shape[1] != xb.shape[1]:
        raise AnalysisInputError(f"responses_b has {xb.shape[1]} features: expected"
                                 f" {xa.shape[1]} as in responses_a")
    if not (np.isfinite(delta) and delta > 0):
        raise AnalysisInputError(f"delta={delta!r}: expected a finite number > 0")
    info = _pair_information(_group_stats(xa[:, None, :]), _group_stats(xb[:, None, :]),
                             float(delta), bool(bias_corrected), "responses_a, responses_b")
    return float(info[0])


def class_fisher_information(counts: Any, labels: Any, per_neuron: bool = True,
                             bias_corrected: bool = True,
                             one_count_floor: bool = False) -> np.ndarray | float:
    """Mean over class pairs of the linear discriminability of binned responses.

    Parameters
    ----------
    counts : array_like, shape (trials, neurons, bins) or (trials, neurons)
        Responses (e.g. spike counts) of every trial; 2-D means one bin.
    labels : array_like, shape (trials,)
        Class of each trial (at least two classes).
    per_neuron : bool
        ``True``: one value per neuron, its bins the features (the information of the
        first n neurons is then ``cumsum(...)[n - 1]``, valid when neurons are independent
        given the class).  ``False``: one value for the population, every neuron and bin a
        feature, with the full covariance (needs ``T_a + T_b > neurons * bins + 3`` for
        every pair).
    bias_corrected : bool
        See :func:`linear_fisher_information`.
    one_count_floor : bool
        A feature constant within each class but different between two classes (a bin
        that never fires in one class and always fires once in the other) tells them
        apart without error: its information is ``inf``.  With ``True`` it is given the
        variance of one count in one trial of the pair (``1 / (T_a + T_b)``) instead: a
        large, finite value that curve fits and bootstraps can average.

    Returns
    -------
    ndarray of shape (neurons,), or float
        ``mean over pairs (a, b) of I(a, b)`` with ``delta = 1`` for every pair (the
        classes are not placed on a stimulus axis), each pair with its own pooled
        covariance.

    Raises
    ------
    AnalysisInputError
        Bad shapes or labels, fewer than two classes, too few trials per pair.

    Examples
    --------
    >>> counts = [[[0.0]], [[1.0]], [[2.0]], [[3.0]], [[1.0]], [[2.0]], [[3.0]], [[4.0]]]
    >>> class_fisher_information(counts, [0, 0, 0, 0, 1, 1, 1, 1], bias_corrected=False)
    array([0.6])
    """
    x = np.asarray(counts, dtype=float)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or 0 in x.shape:
        raise AnalysisInputError(f"counts has shape {np.shape(counts)}: expected (trials,"
                                 " neurons, bins) with none of them zero")
    if not np.all(np.isfinite(x)):
        raise AnalysisInputError("counts contains NaN or inf: expected finite responses")
    y = np.asarray(labels)
    if y.ndim != 1 or y.size != x.shape[0]:
        raise AnalysisInputError(f"labels has shape {y.shape}: expected ({x.shape[0]},), one"
                                 " label per trial")
    classes = np.unique(y)
    if classes.size < 2:
        raise AnalysisInputError(f"labels: expected at least two classes, got"
                                 f" {classes.tolist()}")
    if not per_neuron:
        x = x.reshape(x.shape[0], 1, -1)
    stats = [_group_stats(x[y == c]) for c in classes]
    pairs = list(itertools.combinations(range(classes.size), 2))
    names = classes.tolist()
    total = sum(_pair_information(stats[i], stats[j], 1.0, bool(bias_corrected),
                                  f"counts of classes {names[i]!r} and {names[j]!r}",
                                  bool(one_count_floor))
                for i, j in pairs)
    mean = total / len(pairs)
    return mean if per_neuron else float(mean[0])
