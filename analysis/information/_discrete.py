"""Mutual information between discrete stimuli and discrete responses, with bias corrections.

Contents
--------
mutual_information -> InformationResult
    I(S; R) between one stimulus label and one response symbol (or word) per trial, by
    one of :data:`MI_METHODS` (``plugin``, ``pt``, ``qe``, ``shuffle``, ``nsb``: a name ->
    estimator table) with an optional bootstrap confidence interval.

Each estimator of the table takes the joint stimulus-response counts of one sample (the
data, a bootstrap replicate) and returns the information, the response and noise entropies
it used and its method-specific details.

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
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import AnalysisInputError
from ..utils import check_choice, jsonify
from ._bootstrap import check_bootstrap, normal_interval
from ._entropy import LN2, as_symbols, bayes_count, nsb_entropy, plugin_entropy

__all__ = ["InformationResult", "MI_METHODS", "mutual_information"]


def _stimulus_response(stimulus: Any, response: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(stimulus)
    if s.ndim != 1:
        raise AnalysisInputError(f"stimulus has shape {s.shape}: expected a 1-D array, one "
                                 "label per trial")
    s = as_symbols(s, "stimulus")
    r = as_symbols(response, "response")
    if r.size != s.size:
        raise AnalysisInputError(f"response has {r.size} trials but stimulus has {s.size}: "
                                 "expected one response per stimulus label")
    n_s = int(s.max()) + 1
    if n_s < 2:
        raise AnalysisInputError(f"stimulus has a single value ({np.unique(np.asarray(stimulus))[0]!r}) "
                                 "over all trials: expected at least two different stimuli")
    return s, r


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
        return jsonify(asdict(self))

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
    h_r = plugin_entropy(table.sum(axis=0))
    ns = table.sum(axis=1)
    h_rs = sum(ns[i] / n * plugin_entropy(table[i]) for i in range(table.shape[0]) if ns[i] > 0)
    return h_r, float(h_rs)


def _stratified_parts(s: np.ndarray, n_parts: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Split trial indices into ``n_parts`` parts with the stimulus proportions kept."""
    parts = [[] for _ in range(n_parts)]
    for label in np.unique(s):
        idx = rng.permutation(np.flatnonzero(s == label))
        for j, chunk in enumerate(np.array_split(idx, n_parts)):
            parts[j].append(chunk)
    return [np.concatenate(p) for p in parts]


@dataclass(frozen=True)
class _JointCounts:
    """One sample, coded 0..S-1 (stimuli) and 0..R-1 (responses), with its plug-in parts."""

    s: np.ndarray
    r: np.ndarray
    n_s: int
    n_r: int
    table: np.ndarray          # (n_s, n_r) joint counts
    n: float                   # trials
    h_r: float                 # plug-in H(R)
    h_rs: float                # plug-in H(R|S)
    k: int                     # response alphabet size

    @property
    def plugin(self) -> float:
        return self.h_r - self.h_rs


#: What an estimator returns: (bits, H(R), H(R|S) as the method estimated them, details).
_Estimate = tuple[float, float, float, dict]


def _plugin(c: _JointCounts, n_shuffles: int, rng: np.random.Generator) -> _Estimate:
    return c.plugin, c.h_r, c.h_rs, {}


def _panzeri_treves(c: _JointCounts, n_shuffles: int, rng: np.random.Generator) -> _Estimate:
    """Subtract the first-order bias with the Bayesian counts of relevant bins."""
    ns = c.table.sum(axis=1)
    r_tot = bayes_count(c.table.sum(axis=0), c.k)
    r_s = [bayes_count(c.table[i], c.k) for i in range(c.n_s) if ns[i] > 0]
    h_r = c.h_r + (r_tot - 1) / (2 * c.n * LN2)
    h_rs = c.h_rs + sum(rs - 1 for rs in r_s) / (2 * c.n * LN2)
    return h_r - h_rs, h_r, h_rs, {"relevant_bins_total": r_tot,
                                   "relevant_bins_per_stimulus": r_s}


def _quadratic_extrapolation(c: _JointCounts, n_shuffles: int, rng: np.random.Generator
                             ) -> _Estimate:
    """Plug-in on the whole data, halves and quarters; I(N) = I_inf + a/N + b/N^2."""
    sizes, values = [c.n], [c.plugin]
    for n_parts in (2, 4):
        parts = _stratified_parts(c.s, n_parts, rng)
        vals = []
        for idx in parts:
            sub = _joint_counts(c.s[idx], c.r[idx], c.n_s, c.n_r)
            hr, hrs = _plugin_parts(sub)
            vals.append(hr - hrs)
        sizes.append(c.n / n_parts)
        values.append(float(np.mean(vals)))
    x = 1.0 / np.asarray(sizes)
    coef = np.polyfit(x, values, 2)
    return float(coef[-1]), c.h_r, c.h_rs, {"trials": [float(v) for v in sizes],
                                            "plugin_bits": values,
                                            "fit_coefficients": coef.tolist()}


def _shuffle(c: _JointCounts, n_shuffles: int, rng: np.random.Generator) -> _Estimate:
    """Subtract the mean plug-in information of stimulus-shuffled data."""
    sh = []
    for _ in range(n_shuffles):
        perm = rng.permutation(c.s)
        hr, hrs = _plugin_parts(_joint_counts(perm, c.r, c.n_s, c.n_r))
        sh.append(hr - hrs)
    return c.plugin - float(np.mean(sh)), c.h_r, c.h_rs, {
        "shuffled_plugin_bits": float(np.mean(sh)),
        "shuffled_plugin_sd": float(np.std(sh, ddof=1)) if n_shuffles > 1 else 0.0,
        "n_shuffles": n_shuffles}


def _nsb(c: _JointCounts, n_shuffles: int, rng: np.random.Generator) -> _Estimate:
    """H(R) and each H(R|s) by the NSB estimate."""
    ns = c.table.sum(axis=1)
    h_r = nsb_entropy(c.table.sum(axis=0), c.k)
    h_rs = float(sum(ns[i] / c.n * nsb_entropy(c.table[i], c.k) for i in range(c.n_s)
                     if ns[i] > 0))
    return h_r - h_rs, h_r, h_rs, {"alphabet_size": c.k}


#: Method name -> estimator of :func:`mutual_information` (the order is that of MI_METHODS).
_MI_ESTIMATORS: dict[str, Callable[[_JointCounts, int, np.random.Generator], _Estimate]] = {
    "plugin": _plugin, "pt": _panzeri_treves, "qe": _quadratic_extrapolation,
    "shuffle": _shuffle, "nsb": _nsb}
#: Bias-correction methods of :func:`mutual_information`.
MI_METHODS = tuple(_MI_ESTIMATORS)


def _estimate(s: np.ndarray, r: np.ndarray, method: str, n_possible: int | None,
              n_shuffles: int, rng: np.random.Generator) -> dict:
    """One estimate on (s, r) already coded 0..S-1 and 0..R-1."""
    n_s, n_r = int(s.max()) + 1, int(r.max()) + 1
    table = _joint_counts(s, r, n_s, n_r)
    h_r, h_rs = _plugin_parts(table)
    counts = _JointCounts(s, r, n_s, n_r, table, float(table.sum()), h_r, h_rs,
                          n_r if n_possible is None else int(n_possible))
    bits, h_r_m, h_rs_m, details = _MI_ESTIMATORS[method](counts, n_shuffles, rng)
    return {"plugin": counts.plugin, "bits": bits, "h_r": h_r_m, "h_rs": h_rs_m,
            "details": details}

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
    check_choice(method, MI_METHODS)
    check_bootstrap(n_bootstrap, confidence)
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
        ci, se = normal_interval(est["bits"], boot_values, confidence)
    return InformationResult(
        bits=float(est["bits"]), method=method, bias=float(est["plugin"] - est["bits"]),
        plugin_bits=float(est["plugin"]), n_trials=int(s.size), n_stimuli=int(s.max()) + 1,
        n_response_symbols=n_r, response_entropy=float(est["h_r"]),
        noise_entropy=float(est["h_rs"]), ci=ci, se=se, confidence=float(confidence),
        n_bootstrap=int(n_bootstrap), details=est["details"])
