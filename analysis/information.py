"""Information theory on spike trains: stimulus-response mutual information.

Contents
--------
mutual_information
    I(S; R) between one stimulus label and one response symbol (or word) per
    trial, with the bias corrections ``plugin``, ``pt``, ``qe``, ``shuffle``
    and ``nsb`` and an optional bootstrap confidence interval.
population_information
    I(S; R1..Rk) between the stimulus and the joint response (the word across
    neurons) of several neurons.
entropy, entropy_from_counts
    Entropy of a sample of symbols (``plugin``, ``mm``, ``pt``, ``nsb``).
nsb_entropy
    The Nemenman-Shafee-Bialek (2002) entropy estimate from counts.
direct_method
    Strong et al. (1998) information rate from repeated presentations of a
    frozen stimulus: total minus noise entropy of spike words, extrapolated to
    infinite data and to long words; bits/s and bits/spike.
coherence_information
    Lower bound on the information rate of a continuous stimulus from the
    stimulus-response coherence, -integral log2(1 - coherence) df.
plot_extrapolation
    Figure of a direct-method result against 1/word length and 1/data fraction.
InformationResult, DirectMethodResult, CoherenceInformationResult
    Result dataclasses, each with ``to_dict()`` (JSON-serialisable).

Which information, and which estimator
--------------------------------------
He et al. (2024) report mutual information as a variational
information-bottleneck bound, I(Z;X) and I(Z;Y), on trained deep networks.
hhlif computes the neuroscience standard instead: the Shannon information
between a stimulus and the *spike trains* it evokes, estimated from repeated
trials. The two numbers are not comparable.

Which estimator when:

* Discrete stimuli repeated many times (``sweep``, ``step``, ``fi-curve``
  protocols; spike counts in a window): ``pt`` (Panzeri-Treves) is the default;
  it is reliable once there are more trials per stimulus than relevant
  response symbols (N_s >~ R). ``qe`` needs the same regime and also tells, by
  the spread of its fractions, whether the data are enough. ``nsb`` is the
  least biased when responses are sparse (N_s ~ R or fewer, long words); it is
  slower. ``shuffle`` is the conservative choice (it over-corrects when some
  responses never occur for some stimuli). ``plugin`` is only for reference:
  it is biased upward by about (S-1)(R-1) / (2 N ln 2) bits.
* A frozen-noise stimulus repeated over trials: ``direct_method``; check the
  extrapolation figure (``plot_extrapolation``) before quoting a number.
* A continuous stimulus and a rate response (PSTH, population rate):
  ``coherence_information``, a lower bound that is exact for a linear Gaussian
  channel.
* Several neurons: ``population_information`` (words across neurons); the
  number of joint symbols grows fast with k, so prefer ``nsb`` or ``pt`` and
  read the number of response symbols against the number of trials.

References
----------
.. [1] Panzeri S, Treves A (1996) Analytical estimates of limited sampling
       biases in different information measures. Network 7:87-107.
.. [2] Panzeri S, Senatore R, Montemurro MA, Petersen RS (2007) Correcting for
       the sampling bias problem in spike train information measures.
       J Neurophysiol 98:1064-1072.
.. [3] Strong SP, Koberle R, de Ruyter van Steveninck RR, Bialek W (1998)
       Entropy and information in neural spike trains. Phys Rev Lett 80:197.
.. [4] Nemenman I, Shafee F, Bialek W (2002) Entropy and inference, revisited.
       NIPS 14.
.. [5] Borst A, Theunissen FE (1999) Information theory and neural coding.
       Nat Neurosci 2:947-957.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np
import quantities as pq
from scipy import integrate, signal, special, stats

from .errors import AnalysisInputError

__all__ = [
    "InformationResult",
    "DirectMethodResult",
    "CoherenceInformationResult",
    "MI_METHODS",
    "ENTROPY_METHODS",
    "mutual_information",
    "population_information",
    "entropy",
    "entropy_from_counts",
    "nsb_entropy",
    "direct_method",
    "coherence_information",
    "plot_extrapolation",
]

#: Bias-correction methods of :func:`mutual_information`.
MI_METHODS = ("plugin", "pt", "qe", "shuffle", "nsb")
#: Methods of :func:`entropy`.
ENTROPY_METHODS = ("plugin", "mm", "pt", "nsb")

_LN2 = math.log(2.0)


# ---------------------------------------------------------------------------- helpers
def _jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and quantities to JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, pq.Quantity):
        return _jsonable(value.magnitude.tolist())
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _check_method(method: str, valid: Sequence[str], name: str = "method") -> str:
    if method not in valid:
        raise AnalysisInputError(f"{name}={method!r}: unknown; valid values: {list(valid)}")
    return method


def _symbols(values: Any, name: str) -> np.ndarray:
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


def _stimulus_response(stimulus: Any, response: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(stimulus)
    if s.ndim != 1:
        raise AnalysisInputError(f"stimulus has shape {s.shape}: expected a 1-D array, one "
                                 "label per trial")
    s = _symbols(s, "stimulus")
    r = _symbols(response, "response")
    if r.size != s.size:
        raise AnalysisInputError(f"response has {r.size} trials but stimulus has {s.size}: "
                                 "expected one response per stimulus label")
    n_s = int(s.max()) + 1
    if n_s < 2:
        raise AnalysisInputError(f"stimulus has a single value ({np.unique(np.asarray(stimulus))[0]!r}) "
                                 "over all trials: expected at least two different stimuli")
    return s, r


def _plugin_h(counts: np.ndarray) -> float:
    """Plug-in entropy (bits) of a count vector (zeros allowed)."""
    c = counts[counts > 0].astype(float)
    n = c.sum()
    if n == 0:
        return 0.0
    p = c / n
    return float(-(p * np.log2(p)).sum())


def _bayes_count(counts: np.ndarray, n_possible: int) -> float:
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
    return _nsb_integrate(c[c > 0].astype(float), k) / _LN2


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
    _check_method(method, ENTROPY_METHODS)
    c = np.asarray(counts)
    if c.ndim != 1 or c.size == 0 or np.any(c < 0) or c.sum() == 0:
        raise AnalysisInputError(f"counts={c!r}: expected a 1-D vector of non-negative counts "
                                 "with at least one observation")
    c = c.astype(np.int64)
    h = _plugin_h(c)
    n = float(c.sum())
    r_obs = int((c > 0).sum())
    k = r_obs if n_possible is None else int(n_possible)
    if method == "plugin":
        return h
    if method == "mm":
        return h + (r_obs - 1) / (2 * n * _LN2)
    if method == "pt":
        return h + (_bayes_count(c, k) - 1) / (2 * n * _LN2)
    return nsb_entropy(c, k)


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
    sym = _symbols(symbols, "symbols")
    return entropy_from_counts(np.bincount(sym), method, n_possible)


# ---------------------------------------------------------------------------- MI
@dataclass
class InformationResult:
    """Mutual information between stimulus and response, with its bias correction.

    Attributes
    ----------
    bits : float
        Bias-corrected estimate of I(S;R) in bits (per trial/word).
    method : str
        Estimator name (one of :data:`MI_METHODS`).
    bias : float
        Correction subtracted from the plug-in estimate (bits); ``plugin_bits - bits``.
    plugin_bits : float
        Plug-in (maximum-likelihood) estimate.
    n_trials, n_stimuli, n_response_symbols : int
        Trials, distinct stimuli and distinct response symbols observed.
    response_entropy, noise_entropy : float
        H(R) and H(R|S) as estimated by the method (bits); for ``qe`` and
        ``shuffle`` the plug-in values.
    ci : tuple of float or None
        Confidence interval ``bits -/+ z * se`` with ``se`` the bootstrap
        standard deviation (trials resampled within each stimulus).
    se : float or None
        Bootstrap standard deviation.
    confidence : float
    n_bootstrap : int
    details : dict
        Method-specific numbers (e.g. the fractions of ``qe``).
    """

    bits: float
    method: str
    bias: float
    plugin_bits: float
    n_trials: int
    n_stimuli: int
    n_response_symbols: int
    response_entropy: float
    noise_entropy: float
    ci: tuple[float, float] | None = None
    se: float | None = None
    confidence: float = 0.95
    n_bootstrap: int = 0
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every field."""
        return _jsonable(asdict(self))

    def __str__(self) -> str:
        ci = "" if self.ci is None else (f" [{self.ci[0]:.4f}, {self.ci[1]:.4f}] "
                                         f"({100 * self.confidence:g}% CI)")
        return (f"I = {self.bits:.4f} bits{ci} by {self.method} (plug-in {self.plugin_bits:.4f}, "
                f"bias {self.bias:.4f}); {self.n_trials} trials, {self.n_stimuli} stimuli, "
                f"{self.n_response_symbols} response symbols")


def _joint_counts(s: np.ndarray, r: np.ndarray, n_s: int, n_r: int) -> np.ndarray:
    return np.bincount(s * n_r + r, minlength=n_s * n_r).reshape(n_s, n_r)


def _plugin_parts(table: np.ndarray) -> tuple[float, float]:
    n = table.sum()
    h_r = _plugin_h(table.sum(axis=0))
    ns = table.sum(axis=1)
    h_rs = sum(ns[i] / n * _plugin_h(table[i]) for i in range(table.shape[0]) if ns[i] > 0)
    return h_r, float(h_rs)


def _stratified_parts(s: np.ndarray, n_parts: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Split trial indices into ``n_parts`` parts with the stimulus proportions kept."""
    parts = [[] for _ in range(n_parts)]
    for label in np.unique(s):
        idx = rng.permutation(np.flatnonzero(s == label))
        for j, chunk in enumerate(np.array_split(idx, n_parts)):
            parts[j].append(chunk)
    return [np.concatenate(p) for p in parts]


def _estimate(s: np.ndarray, r: np.ndarray, method: str, n_possible: int | None,
              n_shuffles: int, rng: np.random.Generator) -> dict:
    """One estimate on (s, r) already coded 0..S-1 and 0..R-1."""
    n_s, n_r = int(s.max()) + 1, int(r.max()) + 1
    table = _joint_counts(s, r, n_s, n_r)
    n = float(table.sum())
    h_r, h_rs = _plugin_parts(table)
    plugin = h_r - h_rs
    out = {"plugin": plugin, "h_r": h_r, "h_rs": h_rs, "details": {}}
    k = n_r if n_possible is None else int(n_possible)
    if method == "plugin":
        out["bits"] = plugin
    elif method == "pt":
        ns = table.sum(axis=1)
        r_tot = _bayes_count(table.sum(axis=0), k)
        r_s = [_bayes_count(table[i], k) for i in range(n_s) if ns[i] > 0]
        bias_h_r = (r_tot - 1) / (2 * n * _LN2)
        bias_h_rs = sum(rs - 1 for rs in r_s) / (2 * n * _LN2)
        out["h_r"], out["h_rs"] = h_r + bias_h_r, h_rs + bias_h_rs
        out["bits"] = out["h_r"] - out["h_rs"]
        out["details"] = {"relevant_bins_total": r_tot, "relevant_bins_per_stimulus": r_s}
    elif method == "qe":
        sizes, values = [n], [plugin]
        for n_parts in (2, 4):
            parts = _stratified_parts(s, n_parts, rng)
            vals = []
            for idx in parts:
                sub = _joint_counts(s[idx], r[idx], n_s, n_r)
                hr, hrs = _plugin_parts(sub)
                vals.append(hr - hrs)
            sizes.append(n / n_parts)
            values.append(float(np.mean(vals)))
        x = 1.0 / np.asarray(sizes)
        coef = np.polyfit(x, values, 2)
        out["bits"] = float(coef[-1])
        out["details"] = {"trials": [float(v) for v in sizes], "plugin_bits": values,
                          "fit_coefficients": coef.tolist()}
    elif method == "shuffle":
        sh = []
        for _ in range(n_shuffles):
            perm = rng.permutation(s)
            hr, hrs = _plugin_parts(_joint_counts(perm, r, n_s, n_r))
            sh.append(hr - hrs)
        out["bits"] = plugin - float(np.mean(sh))
        out["details"] = {"shuffled_plugin_bits": float(np.mean(sh)),
                          "shuffled_plugin_sd": float(np.std(sh, ddof=1)) if n_shuffles > 1 else 0.0,
                          "n_shuffles": n_shuffles}
    else:  # nsb
        ns = table.sum(axis=1)
        h_r_n = nsb_entropy(table.sum(axis=0), k)
        h_rs_n = float(sum(ns[i] / n * nsb_entropy(table[i], k) for i in range(n_s) if ns[i] > 0))
        out["h_r"], out["h_rs"] = h_r_n, h_rs_n
        out["bits"] = h_r_n - h_rs_n
        out["details"] = {"alphabet_size": k}
    return out


def mutual_information(stimulus: Any, response: Any, method: str = "pt",
                       n_bootstrap: int = 0, confidence: float = 0.95,
                       seed: int | None = None, n_shuffles: int = 20,
                       n_possible_responses: int | None = None) -> InformationResult:
    """Mutual information I(S;R) in bits between a stimulus label and a response per trial.

    Parameters
    ----------
    stimulus : array_like of int, shape (n_trials,)
        Stimulus label of each trial (at least two different labels).
    response : array_like of int, shape (n_trials,) or (n_trials, n_bins)
        Response symbol of each trial, or a word per trial (spike counts or
        binary patterns in bins); each distinct row is one symbol.
    method : {'pt', 'plugin', 'qe', 'shuffle', 'nsb'}
        Bias correction, see Notes.
    n_bootstrap : int
        Bootstrap replicates for the confidence interval (0: none). Trials are
        resampled with replacement within each stimulus.
    confidence : float
        Coverage of the interval, in (0, 1).
    seed : int, optional
        Seed of the random generator (``qe`` splits, ``shuffle`` permutations,
        bootstrap).
    n_shuffles : int
        Shuffles averaged by ``shuffle``.
    n_possible_responses : int, optional
        Size of the response alphabet for ``pt`` and ``nsb`` (e.g. 2**L for
        binary words of L bins); default the number of distinct responses
        observed over all trials.

    Returns
    -------
    InformationResult

    Raises
    ------
    AnalysisInputError
        Unknown method, mismatched lengths, a single stimulus, non-integer
        responses, or a bad ``confidence``/``n_bootstrap``.

    Notes
    -----
    I = H(R) - H(R|S), with H(R|S) = sum_s p(s) H(R|s) and p(s) = N_s / N.

    * ``plugin``: empirical frequencies; biased upward by about
      [sum_s (R_s - 1) - (R - 1)] / (2 N ln 2) [1]_.
    * ``pt``: subtracts that first-order bias with R_s, R the Bayesian counts of
      relevant bins of Panzeri & Treves [1]_ [2]_.
    * ``qe``: plug-in on the whole data, on halves and on quarters (stimulus
      proportions kept, estimates averaged over the parts); I(N) = I_inf +
      a/N + b/N^2 is fitted and I_inf returned [2]_ [3]_.
    * ``shuffle``: subtracts the mean plug-in information after permuting the
      stimulus labels (``n_shuffles`` times); the shuffled bias
      (S-1)(R-1)/(2 N ln 2) exceeds the true one when some responses never occur
      for some stimuli, so this errs on the low side [2]_.
    * ``nsb``: H(R) and each H(R|s) by :func:`nsb_entropy` [4]_.

    The interval is ``bits -/+ z se`` with ``se`` the bootstrap standard
    deviation: resampling with replacement changes the bias of the estimators,
    so the spread is used rather than the percentiles.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 4000)
    >>> r = np.where(rng.random(4000) < 0.9, s, 1 - s)   # binary symmetric channel
    >>> res = mutual_information(s, r, method="pt")
    >>> abs(res.bits - 0.531) < 0.03                       # 1 - h(0.1) = 0.531 bits
    True
    """
    _check_method(method, MI_METHODS)
    if not 0 < confidence < 1:
        raise AnalysisInputError(f"confidence={confidence!r}: expected a number in (0, 1)")
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 0 or n_bootstrap == 1:
        raise AnalysisInputError(f"n_bootstrap={n_bootstrap!r}: expected 0 or an integer >= 2")
    if int(n_shuffles) < 1:
        raise AnalysisInputError(f"n_shuffles={n_shuffles!r}: expected an integer >= 1")
    s, r = _stimulus_response(stimulus, response)
    n_r = int(r.max()) + 1
    if n_possible_responses is not None and int(n_possible_responses) < n_r:
        raise AnalysisInputError(f"n_possible_responses={n_possible_responses}: expected at "
                                 f"least the {n_r} distinct responses observed")
    rng = np.random.default_rng(seed)
    k = n_possible_responses if n_possible_responses is not None else n_r
    est = _estimate(s, r, method, k, int(n_shuffles), rng)
    ci = se = None
    boot_values = []
    if n_bootstrap:
        groups = [np.flatnonzero(s == label) for label in np.unique(s)]
        for _ in range(int(n_bootstrap)):
            idx = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
            boot_values.append(_estimate(s[idx], r[idx], method, k, int(n_shuffles), rng)["bits"])
        se = float(np.std(boot_values, ddof=1))
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        ci = (est["bits"] - z * se, est["bits"] + z * se)
    return InformationResult(
        bits=float(est["bits"]), method=method, bias=float(est["plugin"] - est["bits"]),
        plugin_bits=float(est["plugin"]), n_trials=int(s.size), n_stimuli=int(s.max()) + 1,
        n_response_symbols=n_r, response_entropy=float(est["h_r"]),
        noise_entropy=float(est["h_rs"]), ci=ci, se=se, confidence=float(confidence),
        n_bootstrap=int(n_bootstrap), details=est["details"])


def population_information(stimulus: Any, responses: Any, method: str = "pt",
                           neurons: Sequence[int] | None = None,
                           **kwargs: Any) -> InformationResult:
    """Information between the stimulus and the joint response of several neurons.

    Parameters
    ----------
    stimulus : array_like of int, shape (n_trials,)
    responses : array_like of int, shape (n_trials, n_neurons) or (n_trials, n_neurons, n_bins)
        Response of each neuron on each trial (spike count, or a word of bins).
        The joint response of a trial (its row over neurons and bins) is one symbol.
    method : str
        See :func:`mutual_information`.
    neurons : sequence of int, optional
        Columns to use (default all): the information of that sub-population.
    **kwargs
        Passed to :func:`mutual_information` (``n_bootstrap``, ``seed``, ...).

    Returns
    -------
    InformationResult
        ``details['neurons']`` lists the neurons used.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.repeat(np.arange(4), 100)
    >>> r = np.stack([s % 2, s // 2], axis=1)          # each neuron carries one bit
    >>> population_information(s, r, method="plugin").bits
    2.0
    >>> population_information(s, r, method="plugin", neurons=[0]).bits
    1.0
    """
    arr = np.asarray(responses)
    if arr.ndim not in (2, 3):
        raise AnalysisInputError(f"responses has shape {arr.shape}: expected (n_trials, "
                                 "n_neurons) or (n_trials, n_neurons, n_bins)")
    if neurons is not None:
        cols = np.asarray(list(neurons), dtype=int)
        if cols.size == 0 or cols.min() < -arr.shape[1] or cols.max() >= arr.shape[1]:
            raise AnalysisInputError(f"neurons={list(neurons)!r}: expected a non-empty list of "
                                     f"columns in 0..{arr.shape[1] - 1}")
        arr = arr[:, cols]
    else:
        cols = np.arange(arr.shape[1])
    res = mutual_information(stimulus, arr.reshape(arr.shape[0], -1), method=method, **kwargs)
    res.details = {**res.details, "neurons": cols.tolist()}
    return res


# ---------------------------------------------------------------------------- direct method
@dataclass
class DirectMethodResult:
    """Strong et al. (1998) direct-method estimate from repeated trials.

    Attributes
    ----------
    information_rate : float
        Information rate (bits/s), total minus noise entropy rate, extrapolated
        to infinite data and to infinite word length.
    total_entropy_rate, noise_entropy_rate : float
        Extrapolated entropy rates (bits/s).
    information_per_spike : float
        ``information_rate / mean_rate`` (bits/spike).
    mean_rate : float
        Mean spike count per second and trial (spikes/s).
    bin_size : float
        Bin width (s).
    n_trials, n_bins : int
    word_lengths : list of int
    data_fractions : list of float
    table : list of dict
        One row per (word length, data fraction): ``word_length``,
        ``fraction``, ``n_trials``, ``total_entropy``, ``noise_entropy``,
        ``information`` (bits per word, plug-in, averaged over the subsets).
    by_word_length : list of dict
        Per word length, the data-extrapolated entropies and information (bits
        per word) and rates (bits/s).
    ci : tuple or None
        ``information_rate -/+ z * se`` with ``se`` the bootstrap SD over trials.
    se : float or None
    confidence : float
    n_bootstrap : int
    method : str
        ``'direct'``.
    details : dict
        Where the data came from (filled by the recording helpers).
    """

    information_rate: float
    total_entropy_rate: float
    noise_entropy_rate: float
    information_per_spike: float
    mean_rate: float
    bin_size: float
    n_trials: int
    n_bins: int
    word_lengths: list
    data_fractions: list
    table: list
    by_word_length: list
    ci: tuple[float, float] | None = None
    se: float | None = None
    confidence: float = 0.95
    n_bootstrap: int = 0
    method: str = "direct"
    details: dict = field(default_factory=dict)

    @property
    def bits(self) -> float:
        """Same as :attr:`information_rate` (bits/s)."""
        return self.information_rate

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every field."""
        return _jsonable(asdict(self))

    def __str__(self) -> str:
        ci = "" if self.ci is None else (f" [{self.ci[0]:.2f}, {self.ci[1]:.2f}] "
                                         f"({100 * self.confidence:g}% CI)")
        return (f"I = {self.information_rate:.2f} bits/s{ci}, "
                f"{self.information_per_spike:.3f} bits/spike (direct method; total "
                f"{self.total_entropy_rate:.2f}, noise {self.noise_entropy_rate:.2f} bits/s; "
                f"{self.n_trials} trials x {self.n_bins} bins of {1e3 * self.bin_size:g} ms, "
                f"rate {self.mean_rate:.2f} spikes/s)")


def _word_codes(words: np.ndarray, length: int) -> np.ndarray:
    """Integer code of every word of ``length`` bins: shape (trials, n_bins - length + 1)."""
    n_tr, n_b = words.shape
    n_pos = n_b - length + 1
    base = int(words.max()) + 1 if words.size else 1
    if length * math.log2(max(base, 2)) < 62:
        codes = np.zeros((n_tr, n_pos), dtype=np.int64)
        for j in range(length):
            codes = codes * base + words[:, j:j + n_pos]
        return codes
    stacked = np.stack([words[:, j:j + n_pos] for j in range(length)], axis=-1)
    _, inv = np.unique(stacked.reshape(-1, length), axis=0, return_inverse=True)
    return inv.reshape(n_tr, n_pos).astype(np.int64)


def _word_entropies(codes: np.ndarray) -> tuple[float, float]:
    """Plug-in total entropy (pooled over time and trials) and mean noise entropy (bits/word)."""
    n_tr, n_pos = codes.shape
    _, word = np.unique(codes, return_inverse=True)
    word = word.reshape(n_tr, n_pos)
    n_words = int(word.max()) + 1
    total = _plugin_h(np.bincount(word.ravel(), minlength=n_words))
    key = np.arange(n_pos, dtype=np.int64)[None, :] * n_words + word
    uk, cnt = np.unique(key.ravel(), return_counts=True)
    p = cnt / n_tr
    contrib = -(p * np.log2(p))
    noise = float(np.bincount(uk // n_words, weights=contrib, minlength=n_pos).mean())
    return float(total), noise


def _direct_core(words: np.ndarray, word_lengths: Sequence[int], fractions: Sequence[float],
                 rng: np.random.Generator) -> tuple[list, list]:
    n_tr = words.shape[0]
    table = []
    per_length = []
    for length in word_lengths:
        codes = _word_codes(words, length)
        xs, tot, noi = [], [], []
        for f in fractions:
            m = max(2, int(round(f * n_tr)))
            reps = 1 if m >= n_tr else int(math.ceil(1.0 / f))
            h = []
            if reps == 1:
                h.append(_word_entropies(codes))
            else:
                perm = rng.permutation(n_tr)
                n_disjoint = n_tr // m
                for rep in range(reps):
                    if rep < n_disjoint:
                        idx = perm[rep * m:(rep + 1) * m]
                    else:
                        idx = rng.choice(n_tr, size=m, replace=False)
                    h.append(_word_entropies(codes[idx]))
            ht, hn = np.mean(h, axis=0)
            table.append({"word_length": int(length), "fraction": float(f), "n_trials": int(m),
                          "total_entropy": float(ht), "noise_entropy": float(hn),
                          "information": float(ht - hn)})
            xs.append(1.0 / m)
            tot.append(ht)
            noi.append(hn)
        deg = min(2, len(xs) - 1)
        if deg > 0:
            tot_inf = float(np.polyfit(xs, tot, deg)[-1])
            noi_inf = float(np.polyfit(xs, noi, deg)[-1])
        else:
            tot_inf, noi_inf = float(tot[0]), float(noi[0])
        per_length.append((int(length), tot_inf, noi_inf))
    return table, per_length


def _extrapolate_length(per_length: list, bin_size: float) -> tuple[float, float, list]:
    rows = []
    lengths = np.array([p[0] for p in per_length], dtype=float)
    tot_rate = np.array([p[1] for p in per_length]) / (lengths * bin_size)
    noi_rate = np.array([p[2] for p in per_length]) / (lengths * bin_size)
    for (length, ht, hn), tr, nr in zip(per_length, tot_rate, noi_rate):
        rows.append({"word_length": length, "total_entropy": ht, "noise_entropy": hn,
                     "information": ht - hn, "total_entropy_rate": float(tr),
                     "noise_entropy_rate": float(nr), "information_rate": float(tr - nr)})
    if lengths.size >= 2:
        tot = float(np.polyfit(1.0 / lengths, tot_rate, 1)[-1])
        noi = float(np.polyfit(1.0 / lengths, noi_rate, 1)[-1])
    else:
        tot, noi = float(tot_rate[0]), float(noi_rate[0])
    return tot, noi, rows


def _as_seconds(value: Any, name: str) -> float:
    if isinstance(value, pq.Quantity):
        try:
            out = float(value.rescale(pq.s).magnitude)
        except ValueError as err:
            raise AnalysisInputError(f"{name}={value!r}: expected a time quantity, got units "
                                     f"{value.dimensionality}") from err
    else:
        try:
            out = float(value)
        except (TypeError, ValueError) as err:
            raise AnalysisInputError(f"{name}={value!r}: expected a time quantity or a number "
                                     "in seconds") from err
    if not out > 0 or not math.isfinite(out):
        raise AnalysisInputError(f"{name}={value!r}: expected a positive duration")
    return out


def direct_method(words: Any, bin_size: Any, word_lengths: Sequence[int] = (1, 2, 3, 4, 5, 6, 7, 8),
                  data_fractions: Sequence[float] = (1.0, 0.5, 0.25), n_bootstrap: int = 0,
                  confidence: float = 0.95, seed: int | None = None) -> DirectMethodResult:
    """Information rate by the direct method (Strong et al. 1998) from a frozen stimulus.

    Parameters
    ----------
    words : array_like of int, shape (n_trials, n_bins)
        Binned responses to repeats of the same stimulus: spike counts (or
        0/1) in consecutive bins of ``bin_size``, one row per trial.
    bin_size : pq.Quantity or float
        Bin width (a float is read in seconds).
    word_lengths : sequence of int
        Word lengths L (bins) to evaluate; the rates are extrapolated linearly
        in 1/L to L -> infinity over all of them, so choose lengths in the
        range where sampling is still adequate.
    data_fractions : sequence of float
        Fractions of the trials in (0, 1] for the extrapolation to infinite
        data (quadratic in 1/N with three or more fractions, linear with two).
    n_bootstrap : int
        Bootstrap replicates over trials for a confidence interval (0: none).
    confidence : float
    seed : int, optional

    Returns
    -------
    DirectMethodResult

    Raises
    ------
    AnalysisInputError
        Fewer than two trials, no spikes, negative or non-integer values, word
        lengths not fitting the record, fractions outside (0, 1].

    Notes
    -----
    For each word length L, words are read at every start bin t (overlapping).
    The total entropy H_total(L) uses the words of all trials and all t; the
    noise entropy H_noise(L) is the entropy across trials of the word starting
    at t, averaged over t. Each is computed on subsets with the given fractions
    of the trials and extrapolated in 1/N; rates are H/(L bin_size), and
    R_info = lim_{L->inf} (H_total - H_noise)/(L bin_size) from a straight line
    in 1/L [3]_. Bits per spike divide by the mean firing rate.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(0.0, 0.4, 400)                  # frozen spike probability per bin
    >>> words = (rng.random((60, 400)) < p).astype(int)
    >>> res = direct_method(words, 0.002, word_lengths=(1, 2, 3))
    >>> res.information_rate > 0
    True
    """
    w = np.asarray(words)
    if w.ndim != 2:
        raise AnalysisInputError(f"words has shape {w.shape}: expected (n_trials, n_bins)")
    if w.dtype.kind == "f" and np.all(np.isfinite(w)) and np.all(w == np.round(w)):
        w = w.astype(np.int64)
    if w.dtype.kind not in "iub":
        raise AnalysisInputError(f"words has dtype {w.dtype}: expected integer spike counts")
    w = w.astype(np.int64)
    if w.shape[0] < 2:
        raise AnalysisInputError(f"words has {w.shape[0]} trial(s): expected at least 2 repeats")
    if w.size and w.min() < 0:
        raise AnalysisInputError(f"words contains {w.min()}: expected non-negative spike counts")
    if w.sum() == 0:
        raise AnalysisInputError(f"words ({w.shape[0]} trials x {w.shape[1]} bins) contains no "
                                 "spike: expected at least one spike to estimate information")
    dt = _as_seconds(bin_size, "bin_size")
    lengths = [int(L) for L in word_lengths]
    if not lengths or min(lengths) < 1 or max(lengths) > w.shape[1] or len(set(lengths)) != len(lengths):
        raise AnalysisInputError(f"word_lengths={list(word_lengths)!r}: expected distinct "
                                 f"integers in 1..{w.shape[1]} (the number of bins)")
    fracs = [float(f) for f in data_fractions]
    if not fracs or min(fracs) <= 0 or max(fracs) > 1:
        raise AnalysisInputError(f"data_fractions={list(data_fractions)!r}: expected values "
                                 "in (0, 1]")
    if not 0 < confidence < 1:
        raise AnalysisInputError(f"confidence={confidence!r}: expected a number in (0, 1)")
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 0 or n_bootstrap == 1:
        raise AnalysisInputError(f"n_bootstrap={n_bootstrap!r}: expected 0 or an integer >= 2")
    rng = np.random.default_rng(seed)
    table, per_length = _direct_core(w, lengths, fracs, rng)
    tot, noi, rows = _extrapolate_length(per_length, dt)
    info = tot - noi
    mean_rate = float(w.sum() / (w.shape[0] * w.shape[1] * dt))
    ci = se = None
    if n_bootstrap:
        vals = []
        for _ in range(int(n_bootstrap)):
            idx = rng.choice(w.shape[0], size=w.shape[0], replace=True)
            _, pl = _direct_core(w[idx], lengths, fracs, rng)
            t_b, n_b, _ = _extrapolate_length(pl, dt)
            vals.append(t_b - n_b)
        se = float(np.std(vals, ddof=1))
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        ci = (info - z * se, info + z * se)
    return DirectMethodResult(
        information_rate=float(info), total_entropy_rate=float(tot), noise_entropy_rate=float(noi),
        information_per_spike=float(info / mean_rate), mean_rate=mean_rate, bin_size=dt,
        n_trials=int(w.shape[0]), n_bins=int(w.shape[1]), word_lengths=lengths,
        data_fractions=fracs, table=table, by_word_length=rows, ci=ci, se=se,
        confidence=float(confidence), n_bootstrap=int(n_bootstrap))


# ---------------------------------------------------------------------------- coherence
@dataclass
class CoherenceInformationResult:
    """Coherence lower bound on the information rate.

    Attributes
    ----------
    information_rate : float
        -integral log2(1 - coherence(f)) df over the band (bits/s).
    band : tuple of float
        Integration band (Hz).
    frequencies, coherence : list of float
        The estimated coherence spectrum.
    nperseg : int
    sampling_rate : float
    """

    information_rate: float
    band: tuple[float, float]
    frequencies: list
    coherence: list
    nperseg: int
    sampling_rate: float
    method: str = "coherence"

    @property
    def bits(self) -> float:
        """Same as :attr:`information_rate` (bits/s)."""
        return self.information_rate

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every field."""
        return _jsonable(asdict(self))


def coherence_information(stimulus_signal: Any, response_signal: Any, sampling_rate: Any,
                          nperseg: int = 256, band: tuple[float, float] | None = None,
                          ) -> CoherenceInformationResult:
    """Lower bound on the information rate from the stimulus-response coherence.

    Parameters
    ----------
    stimulus_signal, response_signal : array_like, shape (n_samples,)
        The stimulus and the response (PSTH or population rate) sampled
        together; ``neo.AnalogSignal`` (one channel) is accepted.
    sampling_rate : pq.Quantity or float
        Sampling rate (a float is read in Hz).
    nperseg : int
        Welch segment length of :func:`scipy.signal.coherence` (Hann window,
        50 % overlap). The frequency resolution is ``sampling_rate / nperseg``.
    band : tuple of float, optional
        ``(f_low, f_high)`` in Hz to integrate over; default ``(0, Nyquist)``.

    Returns
    -------
    CoherenceInformationResult

    Raises
    ------
    AnalysisInputError
        Different lengths, fewer samples than ``nperseg``, constant signals or
        a band outside ``[0, Nyquist]``.

    Notes
    -----
    I_LB = -integral log2(1 - gamma^2(f)) df (trapezoid over the Welch
    frequencies) [5]_. For a linear Gaussian channel y = h * x + n this equals
    integral log2(1 + SNR(f)) df with SNR = |H|^2 S_x / S_n; for anything else
    it is a lower bound. Welch coherence is biased upward by about 1/(number of
    segments) where the true coherence is small, so use records of many
    segments.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=100_000)
    >>> y = x + rng.normal(size=100_000)                 # SNR = 1 at every frequency
    >>> res = coherence_information(x, y, 1000.0)
    >>> abs(res.information_rate - 500.0) < 15            # log2(2) * 500 Hz
    True
    """
    x = np.asarray(getattr(stimulus_signal, "magnitude", stimulus_signal), dtype=float).squeeze()
    y = np.asarray(getattr(response_signal, "magnitude", response_signal), dtype=float).squeeze()
    if x.ndim != 1 or y.ndim != 1 or x.size != y.size:
        raise AnalysisInputError(f"stimulus_signal has shape {x.shape} and response_signal "
                                 f"{y.shape}: expected two 1-D signals of the same length")
    if isinstance(sampling_rate, pq.Quantity):
        try:
            fs = float(sampling_rate.rescale(pq.Hz).magnitude)
        except ValueError as err:
            raise AnalysisInputError(f"sampling_rate={sampling_rate!r}: expected a frequency")\
                from err
    else:
        fs = float(sampling_rate)
    if not fs > 0:
        raise AnalysisInputError(f"sampling_rate={sampling_rate!r}: expected a positive rate")
    nperseg = int(nperseg)
    if nperseg < 4 or x.size < nperseg:
        raise AnalysisInputError(f"nperseg={nperseg}: expected 4 <= nperseg <= the number of "
                                 f"samples ({x.size})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise AnalysisInputError("stimulus_signal or response_signal contains NaN or inf: "
                                 "expected finite samples")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise AnalysisInputError("stimulus_signal or response_signal is constant (e.g. no "
                                 "spikes): expected signals that vary")
    nyq = fs / 2
    lo, hi = (0.0, nyq) if band is None else (float(band[0]), float(band[1]))
    if not 0 <= lo < hi <= nyq * (1 + 1e-12):
        raise AnalysisInputError(f"band={band!r}: expected 0 <= f_low < f_high <= Nyquist "
                                 f"({nyq} Hz)")
    f, coh = signal.coherence(x, y, fs=fs, nperseg=nperseg)
    coh = np.clip(coh, 0.0, 1.0 - 1e-12)
    sel = (f >= lo) & (f <= hi)
    if sel.sum() < 2:
        raise AnalysisInputError(f"band={band!r}: contains fewer than two frequencies at "
                                 f"resolution {fs / nperseg} Hz; widen it or raise nperseg")
    rate = float(-np.trapezoid(np.log2(1.0 - coh[sel]), f[sel]))
    return CoherenceInformationResult(information_rate=rate, band=(lo, hi),
                                      frequencies=f.tolist(), coherence=coh.tolist(),
                                      nperseg=nperseg, sampling_rate=fs)


# ---------------------------------------------------------------------------- plot
def plot_extrapolation(direct_result: DirectMethodResult, ax=None):
    """Plot a direct-method result against 1/word length and 1/data fraction.

    Parameters
    ----------
    direct_result : DirectMethodResult
    ax : sequence of two matplotlib Axes, optional
        Where to draw; default a new figure with two panels.

    Returns
    -------
    matplotlib.figure.Figure
        Left: total, noise and information rate (bits/s, extrapolated to
        infinite data) against 1/L with the straight-line fits and their
        intercepts. Right: information (bits per word) against 1/(data
        fraction) for each word length.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> words = (rng.random((40, 300)) < rng.uniform(0, 0.4, 300)).astype(int)
    >>> fig = plot_extrapolation(direct_method(words, 0.002, word_lengths=(1, 2, 3)))
    >>> len(fig.axes)
    2
    """
    if not isinstance(direct_result, DirectMethodResult):
        raise AnalysisInputError(f"direct_result of type {type(direct_result).__name__}: "
                                 "expected a DirectMethodResult")
    if ax is None:
        from matplotlib.figure import Figure
        fig = Figure(figsize=(9, 3.6), layout="constrained")
        axes = fig.subplots(1, 2)
    else:
        axes = list(ax)
        fig = axes[0].figure
    r = direct_result
    rows = r.by_word_length
    inv_l = np.array([1.0 / row["word_length"] for row in rows])
    xs = np.linspace(0, inv_l.max() * 1.05, 50)
    for key, final, color, label in (
            ("total_entropy_rate", r.total_entropy_rate, "C0", "total entropy"),
            ("noise_entropy_rate", r.noise_entropy_rate, "C1", "noise entropy"),
            ("information_rate", r.information_rate, "C2", "information")):
        ys = np.array([row[key] for row in rows])
        axes[0].plot(inv_l, ys, "o", color=color, label=label)
        if inv_l.size >= 2:
            slope = np.polyfit(inv_l, ys, 1)[0]
            axes[0].plot(xs, final + slope * xs, "--", color=color, lw=1)
        axes[0].plot([0], [final], "s", color=color, mfc="none")
    axes[0].set_xlabel("1 / word length (1/bins)")
    axes[0].set_ylabel("rate (bits/s)")
    axes[0].set_title(f"direct method: I = {r.information_rate:.1f} bits/s")
    axes[0].set_xlim(left=0)
    axes[0].legend(fontsize="small")
    for i, length in enumerate(r.word_lengths):
        pts = [row for row in r.table if row["word_length"] == length]
        fr = np.array([1.0 / row["fraction"] for row in pts])
        info = np.array([row["information"] for row in pts])
        order = np.argsort(fr)
        axes[1].plot(fr[order], info[order], "o-", color=f"C{i % 10}", ms=4, label=f"L={length}")
    axes[1].set_xlabel("1 / data fraction")
    axes[1].set_ylabel("information (bits/word)")
    axes[1].set_title("data-size dependence")
    axes[1].legend(fontsize="x-small", ncol=2)
    return fig
