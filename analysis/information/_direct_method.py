"""The direct method (Strong et al. 1998): information rate from repeats of a frozen stimulus.

Contents
--------
direct_method -> DirectMethodResult
    Total minus noise entropy of spike words, extrapolated to infinite data and to long
    words; bits/s and bits/spike.
plot_extrapolation
    Figure of a direct-method result against 1/word length and 1/data fraction
    (matplotlib is imported when it is called).

References
----------
.. [3] Strong SP, Koberle R, de Ruyter van Steveninck RR, Bialek W (1998)
       Entropy and information in neural spike trains. Phys Rev Lett 80:197.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import AnalysisInputError
from ..utils import as_time, jsonify
from ._bootstrap import check_bootstrap, normal_interval
from ._entropy import plugin_entropy

__all__ = ["DirectMethodResult", "direct_method", "plot_extrapolation"]


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
    def bits_per_second(self) -> float:
        """Same as :attr:`information_rate` (bits/s)."""
        return self.information_rate

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every field."""
        return jsonify(asdict(self))

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
    total = plugin_entropy(np.bincount(word.ravel(), minlength=n_words))
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
    dt = as_time(bin_size, "bin_size", positive=True)
    lengths = [int(L) for L in word_lengths]
    if not lengths or min(lengths) < 1 or max(lengths) > w.shape[1] or len(set(lengths)) != len(lengths):
        raise AnalysisInputError(f"word_lengths={list(word_lengths)!r}: expected distinct "
                                 f"integers in 1..{w.shape[1]} (the number of bins)")
    fracs = [float(f) for f in data_fractions]
    if not fracs or min(fracs) <= 0 or max(fracs) > 1:
        raise AnalysisInputError(f"data_fractions={list(data_fractions)!r}: expected values "
                                 "in (0, 1]")
    check_bootstrap(n_bootstrap, confidence)
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
        ci, se = normal_interval(info, vals, confidence)
    return DirectMethodResult(
        information_rate=float(info), total_entropy_rate=float(tot), noise_entropy_rate=float(noi),
        information_per_spike=float(info / mean_rate), mean_rate=mean_rate, bin_size=dt,
        n_trials=int(w.shape[0]), n_bins=int(w.shape[1]), word_lengths=lengths,
        data_fractions=fracs, table=table, by_word_length=rows, ci=ci, se=se,
        confidence=float(confidence), n_bootstrap=int(n_bootstrap))


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
