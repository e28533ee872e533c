"""Entropy of discrete symbols: plug-in, Miller-Madow, Panzeri-Treves and NSB estimates.

Contents
--------
entropy, entropy_from_counts
    Entropy (bits) of a sample of symbols or of a histogram of counts, by one of
    :data:`ENTROPY_METHODS` (a name -> estimator table).
nsb_entropy
    The Nemenman-Shafee-Bialek (2002) estimate from counts.
plugin_entropy, bayes_count, as_symbols
    The building blocks the mutual-information and direct-method estimators share: plug-in
    entropy of a count vector, the Bayesian count of relevant response bins of Panzeri &
    Treves (1996), and integer symbols from labels or words.

References
----------
.. [4] Nemenman I, Shafee F, Bialek W (2002) Entropy and inference, revisited.
       NIPS 14.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from scipy import integrate, special

from ..errors import AnalysisInputError
from ..utils import check_choice

__all__ = ["ENTROPY_METHODS", "entropy", "entropy_from_counts", "nsb_entropy", "plugin_entropy",
           "bayes_count", "as_symbols", "LN2"]

#: ln 2: converts nats to bits and appears in every first-order bias correction.
LN2 = math.log(2.0)


def as_symbols(values: Any, name: str) -> np.ndarray:
    """Integer symbols 0..K-1, one per trial, from labels or from rows of a 2-D array."""
    arr = np.asarray(values)
    if arr.ndim == 0 or arr.size == 0:
        raise AnalysisInputError(f"{name} has shape {arr.shape}: expected one value (or one "
                                 "row) per trial, at least one trial")
    if arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise AnalysisInputError(f"{name} has dtype {arr.dtype}: expected integer labels "
                                     "(spike counts, binary patterns or stimulus ids)")
    if arr.ndim == 2:
        if arr.shape[1] == 0:
            raise AnalysisInputError(f"{name} has shape {arr.shape}: expected words of at least "
                                     "one bin")
        _, inv = np.unique(arr, axis=0, return_inverse=True)
    else:
        _, inv = np.unique(arr, return_inverse=True)
    return inv.reshape(-1).astype(np.int64)


def plugin_entropy(counts: np.ndarray) -> float:
    """Plug-in entropy (bits) of a count vector (zeros allowed)."""
    c = counts[counts > 0].astype(float)
    n = c.sum()
    if n == 0:
        return 0.0
    p = c / n
    return float(-(p * np.log2(p)).sum())


def bayes_count(counts: np.ndarray, n_possible: int) -> float:
    """Bayesian estimate of the number of relevant response bins (Panzeri & Treves 1996).

    The naive count R_obs misses bins of small but non-zero probability. The
    procedure adds x unseen bins, each given the probability p0 that leaves
    it unseen in N trials with chance N/(N+R_obs), and the seen bins the
    add-one (Laplace) probabilities scaled to the rest of the mass; x is the
    first value for which the expected number of *seen* bins under that model
    stops getting closer to R_obs. R is capped by ``n_possible``.
    """
    c = counts[counts > 0].astype(float)
    r_obs = c.size
    n = float(c.sum())
    if n == 0 or r_obs >= n_possible:
        return float(r_obs)
    # x = 0: the naive probabilities
    p = c / n
    best_dist = abs(r_obs - float((1.0 - (1.0 - p) ** n).sum()))
    p0 = 1.0 - (n / (n + r_obs)) ** (1.0 / n)
    x_best = 0
    for x in range(1, n_possible - r_obs + 1):
        gamma = min(x * p0, 1.0)
        p_seen = (1.0 - gamma) * (c + 1.0) / (n + r_obs)
        expected = float((1.0 - (1.0 - p_seen) ** n).sum()) + x * (1.0 - (1.0 - p0) ** n)
        dist = abs(r_obs - expected)
        if dist >= best_dist:
            break
        best_dist, x_best = dist, x
    return float(r_obs + x_best)


# ---------------------------------------------------------------------------- NSB
def _nsb_log_weight(log_beta: np.ndarray, c: np.ndarray, n: float, k: int) -> np.ndarray:
    """log [p(n | beta) d xi/d beta beta] on a grid of log beta (integration in log beta)."""
    b = np.exp(log_beta)
    kb = k * b
    log_ev = (special.gammaln(kb) - special.gammaln(n + kb)
              + special.gammaln(c[None, :] + b[:, None]).sum(axis=1) - c.size * special.gammaln(b))
    dxi = k * special.polygamma(1, kb + 1.0) - special.polygamma(1, b + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = log_ev + np.log(dxi) + log_beta
    return np.where(np.isfinite(out), out, -np.inf)


def _nsb_mean_h(log_beta: np.ndarray, c: np.ndarray, n: float, k: int) -> np.ndarray:
    """Posterior mean entropy (nats) given beta; the k - K_obs empty bins are summed analytically."""
    b = np.exp(log_beta)
    a = n + k * b
    seen = ((c[None, :] + b[:, None]) * special.digamma(c[None, :] + b[:, None] + 1.0)).sum(axis=1)
    unseen = (k - c.size) * b * special.digamma(b + 1.0)
    return special.digamma(a + 1.0) - (seen + unseen) / a


def _nsb_integrate(c: np.ndarray, k: int) -> float:
    n = float(c.sum())
    lo, hi = -25.0, 25.0            # beta from 1e-11 to 7e10: beyond both the prior is flat
    for _ in range(4):
        grid = np.linspace(lo, hi, 1001)
        lw = _nsb_log_weight(grid, c, n, k)
        top = int(np.argmax(lw))
        inside = np.flatnonzero(lw > lw[top] - 60.0)   # e^-60: negligible weight
        new_lo = grid[max(inside[0] - 1, 0)]
        new_hi = grid[min(inside[-1] + 1, grid.size - 1)]
        if inside.size >= 200:
            break
        lo, hi = new_lo, new_hi
    weight = np.exp(lw - lw[top])
    denom = integrate.simpson(weight, x=grid)
    numer = integrate.simpson(weight * _nsb_mean_h(grid, c, n, k), x=grid)
    return float(numer / denom)


def nsb_entropy(counts: Any, n_possible: int | None = None) -> float:
    """Nemenman-Shafee-Bialek estimate of the entropy (bits) of a count vector.

    Parameters
    ----------
    counts : array_like of int
        Number of occurrences of each observed symbol (zeros allowed).
    n_possible : int, optional
        Alphabet size K (possible symbols, observed or not); default the number
        of non-zero counts. Must be at least that number.

    Returns
    -------
    float
        Posterior mean entropy in bits.

    Raises
    ------
    AnalysisInputError
        Negative or empty counts, or ``n_possible`` below the observed symbols.

    Notes
    -----
    The estimate averages the posterior mean entropy of a symmetric Dirichlet
    prior of concentration beta, E[H | n, beta] = psi(N + K beta + 1) -
    sum_i (n_i + beta) / (N + K beta) psi(n_i + beta + 1), over beta weighted by
    the evidence p(n | beta) times d xi / d beta, where xi(beta) is the prior
    mean entropy, so that the prior on the entropy is flat [4]_. Both
    integrals are evaluated in log beta with Simpson's rule on a grid of 1001
    points, refined (up to four times) around the region where the integrand
    is within e^-60 of its maximum, so a sharply peaked evidence is resolved.
    When all counts are 1 (no coincidences) the evidence does not pick a beta
    and the estimate follows the prior towards log2(K). When the true
    distribution is uniform, H = log2(K) is the edge of the prior's support and
    the posterior mean lies below it by about (K-1)/(2 N ln 2) bits even for
    well-sampled data; MI of independent, uniform responses then stays near the
    plug-in bias. Prefer ``pt`` when responses are well sampled.

    Examples
    --------
    >>> round(nsb_entropy([500, 500]), 3)       # log2(2) = 1, less a small posterior shrinkage
    0.999
    """
    c = np.asarray(counts)
    if c.ndim != 1 or c.size == 0 or (c.dtype.kind == "f" and not np.all(c == np.round(c))):
        raise AnalysisInputError(f"counts has shape {c.shape}: expected a 1-D vector of "
                                 "non-negative integer counts")
    if np.any(c < 0):
        raise AnalysisInputError(f"counts contains {c.min()}: expected non-negative counts")
    k_obs = int((c > 0).sum())
    if k_obs == 0:
        raise AnalysisInputError("counts are all zero: expected at least one observation")
    k = k_obs if n_possible is None else int(n_possible)
    if k < k_obs:
        raise AnalysisInputError(f"n_possible={n_possible}: expected at least the number of "
                                 f"observed symbols ({k_obs})")
    if k == 1:
        return 0.0
    return _nsb_integrate(c[c > 0].astype(float), k) / LN2


# ---------------------------------------------------------------------------- entropy
def entropy_from_counts(counts: Any, method: str = "plugin",
                        n_possible: int | None = None) -> float:
    """Entropy (bits) of a histogram of symbol counts.

    Parameters
    ----------
    counts : array_like of int
        Occurrences of each symbol.
    method : {'plugin', 'mm', 'pt', 'nsb'}
        ``plugin`` (maximum likelihood), ``mm`` (Miller-Madow: + (R_obs - 1) /
        (2 N ln 2)), ``pt`` (the same with the Bayesian count of relevant bins of
        Panzeri & Treves), ``nsb`` (:func:`nsb_entropy`).
    n_possible : int, optional
        Alphabet size (used by ``pt`` and ``nsb``); default the observed symbols.

    Returns
    -------
    float

    Examples
    --------
    >>> entropy_from_counts([25, 25, 25, 25])
    2.0
    """
    estimate = _ENTROPY_ESTIMATORS[check_choice(method, ENTROPY_METHODS)]
    c = np.asarray(counts)
    if c.ndim != 1 or c.size == 0 or np.any(c < 0) or c.sum() == 0:
        raise AnalysisInputError(f"counts={c!r}: expected a 1-D vector of non-negative counts "
                                 "with at least one observation")
    c = c.astype(np.int64)
    k = int((c > 0).sum()) if n_possible is None else int(n_possible)
    return estimate(c, k)


def _plugin(c: np.ndarray, k: int) -> float:
    return plugin_entropy(c)


def _miller_madow(c: np.ndarray, k: int) -> float:
    """Plug-in + (R_obs - 1) / (2 N ln 2), R_obs the symbols observed."""
    return plugin_entropy(c) + (int((c > 0).sum()) - 1) / (2 * float(c.sum()) * LN2)


def _panzeri_treves(c: np.ndarray, k: int) -> float:
    """Plug-in + (R - 1) / (2 N ln 2), R the Bayesian count of relevant symbols."""
    return plugin_entropy(c) + (bayes_count(c, k) - 1) / (2 * float(c.sum()) * LN2)


#: Method name -> estimator(counts, alphabet size) of :func:`entropy_from_counts`.
_ENTROPY_ESTIMATORS: dict[str, Callable[[np.ndarray, int], float]] = {
    "plugin": _plugin, "mm": _miller_madow, "pt": _panzeri_treves, "nsb": nsb_entropy}
#: Methods of :func:`entropy` and :func:`entropy_from_counts`.
ENTROPY_METHODS = tuple(_ENTROPY_ESTIMATORS)

def entropy(symbols: Any, method: str = "plugin", n_possible: int | None = None) -> float:
    """Entropy (bits) of a sample of symbols (1-D labels or rows of a 2-D array of words).

    Parameters
    ----------
    symbols : array_like of int
        One symbol per observation, or a 2-D array whose rows are words.
    method : {'plugin', 'mm', 'pt', 'nsb'}
        See :func:`entropy_from_counts`.
    n_possible : int, optional
        Alphabet size for ``pt`` and ``nsb``.

    Returns
    -------
    float

    Examples
    --------
    >>> entropy([0, 1, 0, 1])
    1.0
    >>> entropy([[0, 1], [1, 0], [0, 1], [0, 1]])  # doctest: +ELLIPSIS
    0.811...
    """
    sym = as_symbols(symbols, "symbols")
    return entropy_from_counts(np.bincount(sym), method, n_possible)
