"""Equivalent size from two fitted metric-versus-size curves, with a hierarchical, paired bootstrap.

Contents
--------
SizeCurves
    One model's metric at a list of sizes, per seed: ``values`` of shape
    (seeds, 1 + B, sizes), row 0 the data as they are, rows 1..B trial-level bootstrap
    replicates of that seed (all NaN when there are none); ``mean`` and ``se`` over seeds.
fit_saturating, SaturatingFit
    Least-squares fit of ``m(n) = baseline + A (1 - exp(-n / n0))``, parametrised by the
    initial slope ``A / n0`` and the rate ``1 / n0`` so that a linear curve (``n0`` much
    larger than the sizes: Fisher information of independent neurons) is the limit
    ``1 / n0 = 0`` and fits as well as a saturating one; ``value(n)``, ``inverse(level)``.
equivalent_size, SizeRatio
    The candidate size ``n*`` whose fitted curve reaches the reference's fitted curve at
    ``N``, the ratio ``n* / N`` and a percentile interval from a bootstrap that resamples
    seeds (the same ones for both models: paired), then a trial-level replicate of each
    drawn seed; warnings for non-monotone curves and poor fits.
ratio_drift
    Does ``n* / N`` drift with ``N``?  Slope of ``log ratio`` against ``log N`` with a
    bootstrap interval; a proper equivalence has a ratio that does not drift.

:func:`hhlif.analysis.plots.plot_size_curves` draws the two curves, their fits, the
reference level and the crossing.

Why fit two curves
------------------
:func:`hhlif.analysis.equivalence.find_equivalent_size` bisects a noisy curve: near the
crossing the steps are smaller than the noise, and the search ends wherever the noise put
the crossing.  Here each model is evaluated once per seed at a fixed list of sizes (the
driver simulates one large pool per seed and reads the metric on sub-populations), a
smooth two-parameter curve is fitted to each, and the crossing is read off the fits: every
size contributes to the estimate, and the noise of the curve becomes the width of the
bootstrap interval instead of a bias of the search.

The bootstrap
-------------
Each replicate draws ``seeds`` seed indices with replacement (with ``paired=True`` the same
indices for the reference and the candidate: seed ``k`` of both models shares the class
stimuli, and drawing them together keeps that correlation, which cancels in the ratio).
For each drawn seed it takes one of that seed's trial-level rows 1..B at random (the same
row number for both models when paired and both have B rows), or row 0 when the model has
no trial-level rows; it averages over the drawn seeds, refits both curves and recomputes
``n* / N``.  The interval is the percentile interval of those ratios.  Resampling seeds
only is slightly narrow with few seeds (the bootstrap variance of a mean of ``K`` values is
``(K - 1) / K`` of the usual estimate); adding the trial level makes it slightly wide
(within-seed noise is counted twice), so with both levels the two errors partly cancel.
The draws depend only on ``seed`` and the array shapes, so calls for several ``N`` with the
same ``seed`` use the same resampled seeds in replicate ``b`` and their replicates can be
paired across ``N`` (:func:`ratio_drift`).

Examples
--------
>>> import numpy as np
>>> sizes = np.array([10, 20, 50, 100, 200, 500])
>>> hh = SizeCurves(sizes, 4.0 * sizes[None, None, :] * np.ones((3, 1, 1)), "HH", "FI")
>>> lif = SizeCurves(sizes, 1.0 * sizes[None, None, :] * np.ones((3, 1, 1)), "LIF", "FI")
>>> res = equivalent_size(hh, lif, reference_size=100, n_bootstrap=100)
>>> (res.status, round(res.size, 6), round(res.ratio, 6))
('found', 400.0, 4.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .errors import AnalysisInputError
from .utils import jsonify

__all__ = ["SizeCurves", "SaturatingFit", "fit_saturating", "SizeRatio", "equivalent_size",
           "ratio_drift", "STATUSES"]

#: ``found``: the fitted candidate curve reaches the level within the evaluated sizes (or
#: within ``max_extrapolation`` times the largest); ``at_minimum``: already below the
#: smallest evaluated candidate size (the fit extrapolated downwards: read as an upper
#: bound); ``not_reached``: beyond the candidate's asymptote or beyond ``max_extrapolation``
#: times its largest size (the reported ratio is a lower bound).
STATUSES = ("found", "at_minimum", "not_reached")

_GRID_POINTS = 64        # geometric grid of rates 1/n0 (plus 0) for the profile search
_GOLDEN_STEPS = 60       # golden-section refinement steps between grid neighbours
_RATE_LINEAR = 1e-3      # smallest non-zero rate: n0 = 1000 x the largest size
_RATE_SATURATED = 30.0   # largest rate: n0 = the smallest size / 30 (flat at every size)
_DROP_SE = 2.0           # a drop between consecutive sizes larger than this many SE is flagged
_POOR_FIT_SE = 3.0       # RMS residual larger than this many SE of the mean: a poor fit
_POOR_FIT_RELATIVE = 0.05  # without an SE: RMS residual above 5 % of the curve's range


# ------------------------------------------------------------------------------ input
def _fail(name: str, value: Any, expected: str) -> AnalysisInputError:
    return AnalysisInputError(f"{name}={_show(value)}: expected {expected}")


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size > 8:
            return f"array of shape {value.shape}"
        return repr(value.tolist())
    text = repr(value)
    return text if len(text) <= 80 and "\n" not in text else text.replace("\n", " ")[:77] + "..."


def _as_float(name: str, value: Any, *, low: float | None = None, low_open: bool = False,
              high: float | None = None, high_open: bool = False, what: str = "") -> float:
    if isinstance(value, (bool, np.bool_)):
        raise _fail(name, value, what or "a number")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise _fail(name, value, what or "a number") from None
    ok = math.isfinite(out)
    if ok and low is not None:
        ok = out > low if low_open else out >= low
    if ok and high is not None:
        ok = out < high if high_open else out <= high
    if not ok:
        raise _fail(name, value, what or "a finite number")
    return out


def _as_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise _fail(name, value, f"an integer >= {minimum}")
    return int(value)


def _check_sizes(name: str, sizes: Any) -> np.ndarray:
    try:
        n = np.asarray(sizes, dtype=float)
    except (TypeError, ValueError):
        raise _fail(name, sizes, "a 1-D array of at least 3 strictly increasing positive "
                                 "sizes") from None
    if n.ndim != 1 or n.size < 3 or not np.all(np.isfinite(n)) or np.any(n <= 0) \
            or np.any(np.diff(n) <= 0):
        raise _fail(name, sizes if not isinstance(sizes, np.ndarray) else n,
                    "a 1-D array of at least 3 strictly increasing positive sizes")
    return n


# ------------------------------------------------------------------------------ curves
@dataclass
class SizeCurves:
    """One model's metric at a list of sizes, per seed, with trial-level replicates.

    Parameters / Attributes
    -----------------------
    sizes : array_like of float, shape (S,)
        Network sizes, at least 3, strictly increasing and positive.
    values : array_like of float, shape (seeds, 1 + B, S)
        ``values[k, 0]``: the metric of seed ``k`` at each size, as measured (finite);
        ``values[k, 1:]``: ``B`` trial-level bootstrap replicates of that seed, either all
        finite or all NaN for the whole model (a cross-validated metric has none: the
        bootstrap then resamples seeds only).  A 2-D array (seeds, S) is read as having no
        trial-level rows.
    model : str
        Name of the model (reports, plots).
    metric : str
        Name of the metric, e.g. ``"information (bits)"``.
    seeds : sequence of int, optional
        The seed of each row of ``values``; when both models give them, a paired
        comparison checks that they are the same seeds in the same order.

    Raises
    ------
    AnalysisInputError
        A bad argument (one line naming it, its value and what was expected).

    Examples
    --------
    >>> c = SizeCurves([10, 20, 40], [[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]], "LIF", "bits")
    >>> c.mean.tolist(), c.se.tolist(), c.n_seeds, c.trial_bootstrap
    ([2.0, 3.0, 4.0], [1.0, 1.0, 1.0], 2, False)
    """

    sizes: Any
    values: Any
    model: str = "model"
    metric: str = "metric"
    seeds: Sequence[int] | None = None

    def __post_init__(self) -> None:
        self.sizes = _check_sizes("sizes", self.sizes)
        expected = f"an array of shape (seeds, 1 + B, {self.sizes.size}) of numbers"
        try:
            v = np.array(self.values, dtype=float)
        except (TypeError, ValueError):
            raise _fail("values", self.values, expected) from None
        if v.ndim == 2:
            v = v[:, None, :]
        if v.ndim != 3 or v.shape[0] < 1 or v.shape[1] < 1 or v.shape[2] != self.sizes.size:
            raise AnalysisInputError(f"values: shape {v.shape}: expected (seeds, 1 + B, "
                                     f"{self.sizes.size}) with at least one seed")
        if not np.all(np.isfinite(v[:, 0])):
            k, s = np.argwhere(~np.isfinite(v[:, 0]))[0]
            raise AnalysisInputError(f"values[{k}, 0, {s}]={float(v[k, 0, s])!r}: expected "
                                     "finite data in row 0 (the data as they are)")
        rows = v[:, 1:]
        if rows.size and not (np.all(np.isfinite(rows)) or np.all(np.isnan(rows))):
            bad = np.argwhere(~np.isfinite(rows) if np.isfinite(rows).mean() >= 0.5
                              else ~np.isnan(rows))[0]
            k, j, s = bad
            raise AnalysisInputError(
                f"values[{k}, {j + 1}, {s}]={float(rows[k, j, s])!r}: expected the trial-level "
                "rows 1..B all finite or all NaN (none)")
        v.setflags(write=False)
        self.values = v
        if not isinstance(self.model, str) or not self.model:
            raise _fail("model", self.model, "a non-empty name")
        if not isinstance(self.metric, str) or not self.metric:
            raise _fail("metric", self.metric, "a non-empty name")
        if self.seeds is not None:
            try:
                seeds = [int(s) for s in self.seeds]
            except (TypeError, ValueError):
                raise _fail("seeds", self.seeds, "a sequence of integers") from None
            if len(seeds) != v.shape[0] or len(set(seeds)) != len(seeds):
                raise _fail("seeds", self.seeds, f"{v.shape[0]} distinct integers (one per "
                                                 "row of values)")
            self.seeds = tuple(seeds)

    @property
    def n_seeds(self) -> int:
        """Number of seeds (rows of ``values``)."""
        return int(self.values.shape[0])

    @property
    def n_trial_replicates(self) -> int:
        """B, the number of trial-level rows (0 when they are NaN or absent)."""
        return int(self.values.shape[1] - 1) if self.trial_bootstrap else 0

    @property
    def trial_bootstrap(self) -> bool:
        """Whether the trial-level rows 1..B exist and are finite."""
        return self.values.shape[1] > 1 and bool(np.isfinite(self.values[0, 1, 0]))

    @property
    def mean(self) -> np.ndarray:
        """Mean of row 0 over seeds, shape (S,)."""
        return self.values[:, 0].mean(axis=0)

    @property
    def se(self) -> np.ndarray:
        """Standard error of that mean over seeds (NaN with one seed), shape (S,)."""
        if self.n_seeds < 2:
            return np.full(self.sizes.size, np.nan)
        return self.values[:, 0].std(axis=0, ddof=1) / math.sqrt(self.n_seeds)


# ------------------------------------------------------------------------------ fit
def _shape(sizes: np.ndarray, rate: Any) -> np.ndarray:
    """``g(n) = (1 - exp(-n rate)) / rate`` (``n`` at rate 0); rate (...,) -> (..., S)."""
    rate = np.asarray(rate, dtype=float)[..., None]
    safe = np.where(rate > 0, rate, 1.0)
    return np.where(rate > 0, -np.expm1(-sizes * safe) / safe, sizes)


def _profile(g: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best slope >= 0 for each shape ``g`` (..., S) against ``y`` (..., S), and its RSS."""
    sgy = np.maximum((g * y).sum(-1), 0.0)
    slope = sgy / (g * g).sum(-1)
    rss = ((y - slope[..., None] * g) ** 2).sum(-1)
    return slope, rss


def _fit_many(sizes: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every row of ``y`` (R, S) (baseline already subtracted): slope, rate, RSS (R,).

    For each rate ``1/n0`` the model is linear in the slope, which is solved in closed form
    (clipped at 0); the RSS profile over the rate is searched on a geometric grid (plus
    rate 0, the linear curve), then refined by golden section between the neighbours of
    the best grid point.  The refined point replaces the grid point only if it is better,
    so an exactly linear curve keeps rate 0.
    """
    rates = np.concatenate([[0.0], np.geomspace(_RATE_LINEAR / sizes[-1],
                                                _RATE_SATURATED / sizes[0], _GRID_POINTS)])
    g = _shape(sizes, rates)                                   # (G, S)
    _, rss = _profile(g[None], y[:, None, :])                  # (R, G)
    best = np.argmin(rss, axis=1)
    rows = np.arange(y.shape[0])
    a = rates[np.maximum(best - 1, 0)]
    b = rates[np.minimum(best + 1, rates.size - 1)]

    def cost(r: np.ndarray) -> np.ndarray:
        return _profile(_shape(sizes, r), y)[1]

    phi = (math.sqrt(5) - 1) / 2
    c, d = b - phi * (b - a), a + phi * (b - a)
    fc, fd = cost(c), cost(d)
    for _ in range(_GOLDEN_STEPS):
        left = fc < fd                      # the minimum lies in [a, d]: drop (d, b]
        a, b = np.where(left, a, c), np.where(left, d, b)
        c, d = (np.where(left, b - phi * (b - a), d),      # left: old c becomes the new d
                np.where(left, c, a + phi * (b - a)))      # right: old d becomes the new c
        fx = cost(np.where(left, c, d))                    # the one new inner point
        fc, fd = np.where(left, fx, fd), np.where(left, fc, fx)
    refined = (a + b) / 2
    rss_refined = cost(refined)
    rss_grid = rss[rows, best]
    better = rss_refined < rss_grid
    rate = np.where(better, refined, rates[best])
    slope, rss_out = _profile(_shape(sizes, rate), y)
    return slope, rate, rss_out



def _inverse(level: Any, baseline: Any, slope: Any, rate: Any) -> np.ndarray:
    """Size at which ``baseline + slope * g(n; rate)`` reaches ``level`` (element-wise).

    0 when the level is at or below the baseline, ``inf`` when it is at or beyond the
    asymptote ``baseline + slope / rate`` (or the slope is 0).
    """
    y = np.asarray(level, dtype=float) - baseline
    slope = np.asarray(slope, dtype=float)
    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = y * rate / slope
        out = np.where(rate > 0, -np.log1p(-np.minimum(z, 1.0)) / np.where(rate > 0, rate, 1.0),
                       y / slope)
    out = np.where((rate > 0) & (z >= 1.0), np.inf, out)
    out = np.where(slope > 0, out, np.inf)
    return np.where(y <= 0, 0.0, out)


@dataclass(frozen=True)
class SaturatingFit:
    """A fitted curve ``m(n) = baseline + A (1 - exp(-n / n0))``.

    Attributes
    ----------
    baseline : float
        ``m(0)``, fixed by the caller (0 for information, chance for an accuracy).
    amplitude : float
        A, the rise above the baseline at ``n -> inf`` (``inf`` for a linear curve, 0 when
        the data do not rise at all).
    n0 : float
        Saturation size (``inf`` for a linear curve).
    slope : float
        Initial slope ``A / n0`` (metric per neuron at small n); >= 0.
    rate : float
        ``1 / n0`` (0 for a linear curve): the parameter actually fitted, with ``slope``.
    rss : float
        Residual sum of squares of the fit to the mean curve.
    residual : float
        RMS residual, ``sqrt(rss / points)``.
    n_points : int
        Sizes fitted.
    """

    baseline: float
    amplitude: float
    n0: float
    slope: float
    rate: float
    rss: float
    residual: float
    n_points: int

    @classmethod
    def _from(cls, baseline: float, slope: float, rate: float, rss: float, points: int
              ) -> "SaturatingFit":
        slope, rate = float(slope), float(rate)
        n0 = math.inf if rate == 0 else 1.0 / rate
        amplitude = 0.0 if slope == 0 else (math.inf if rate == 0 else slope / rate)
        return cls(float(baseline), amplitude, n0, slope, rate, float(rss),
                   math.sqrt(max(float(rss), 0.0) / points), int(points))

    @property
    def asymptote(self) -> float:
        """``baseline + A``, the level the curve approaches (``inf`` when linear)."""
        return self.baseline + self.amplitude

    def value(self, n: Any) -> Any:
        """The fitted metric at size(s) ``n`` (a float for a scalar, else an array)."""
        arr = np.asarray(n, dtype=float)
        out = self.baseline + self.slope * _shape(arr.reshape(-1), self.rate)
        out = out.reshape(arr.shape)
        return float(out) if arr.ndim == 0 else out

    def inverse(self, level: Any) -> Any:
        """Size at which the fitted curve reaches ``level``.

        0 at or below the baseline, ``inf`` at or beyond the asymptote.
        """
        out = _inverse(level, self.baseline, self.slope, self.rate)
        return float(out) if np.ndim(out) == 0 else out

    def same_curve(self, other: "SaturatingFit") -> bool:
        """Whether ``other`` is the same function of n (same baseline, slope and rate)."""
        return (self.baseline, self.slope, self.rate) == (other.baseline, other.slope,
                                                          other.rate)

    def to_dict(self) -> dict:
        """JSON-ready dictionary (infinities as the string ``"inf"``)."""
        return jsonify({k: getattr(self, k) for k in self.__dataclass_fields__}
                       | {"asymptote": self.asymptote}, non_finite="string")


def fit_saturating(sizes: Any, values: Any, baseline: float = 0.0) -> SaturatingFit:
    """Least-squares fit of ``baseline + A (1 - exp(-n / n0))`` with ``A > 0``, ``n0 > 0``.

    Parameters
    ----------
    sizes : array_like, shape (S,)
        At least 3 strictly increasing positive sizes.
    values : array_like, shape (S,)
        The metric at each size (usually the mean over seeds).
    baseline : float
        ``m(0)``, fixed (not fitted).

    Returns
    -------
    SaturatingFit

    Notes
    -----
    The curve is written ``baseline + s * n0 * (1 - exp(-n / n0))`` with the initial slope
    ``s = A / n0`` and the rate ``r = 1 / n0``; at ``r = 0`` it is the line ``baseline +
    s n``, so a metric that still grows linearly at the largest size (the linear Fisher
    information of independent neurons) is fitted without ``A`` and ``n0`` running off to
    infinity.  For each ``r`` the best ``s >= 0`` is closed-form; ``r`` is found on a
    geometric grid from ``1e-3 / max(sizes)`` to ``30 / min(sizes)`` (plus 0) and refined by
    golden section.  Data that never rise above the baseline give ``s = 0`` (a flat
    curve at the baseline, ``amplitude = 0``).

    Examples
    --------
    >>> n = np.array([10, 20, 50, 100, 200, 500, 1000])
    >>> fit = fit_saturating(n, 3.0 * (1 - np.exp(-n / 150.0)))
    >>> round(fit.amplitude, 6), round(fit.n0, 4), round(fit.inverse(fit.value(150.0)), 4)
    (3.0, 150.0, 150.0)
    >>> fit_saturating(n, 0.5 * n).n0
    inf
    """
    n = _check_sizes("sizes", sizes)
    try:
        y = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise _fail("values", values, f"{n.size} finite numbers (one per size)") from None
    if y.shape != n.shape or not np.all(np.isfinite(y)):
        raise _fail("values", values if not isinstance(values, np.ndarray) else y,
                    f"{n.size} finite numbers (one per size)")
    baseline = _as_float("baseline", baseline)
    slope, rate, rss = _fit_many(n, (y - baseline)[None])
    return SaturatingFit._from(baseline, slope[0], rate[0], rss[0], n.size)


# ------------------------------------------------------------------------------ result
@dataclass
class SizeRatio:
    """Outcome of :func:`equivalent_size`.

    Attributes
    ----------
    reference_size : int
        N, the size of the reference network.
    size : float
        n*, the candidate size whose fitted curve reaches the reference level; with
        ``not_reached`` the largest evaluated candidate size (a lower bound).
    size_ci, ratio_ci : tuple of float
        Bootstrap percentile intervals of n* and n*/N (``inf`` upper end when more than
        ``(1 - confidence) / 2`` of the replicates are not reached; NaN without bootstrap).
    ratio : float
        ``size / reference_size``.
    status : str
        One of :data:`STATUSES`.
    reference_level : float
        The fitted reference curve at N.
    reference_fit, candidate_fit : SaturatingFit
        Fits of the two seed-averaged curves.
    n_bootstrap : int
    not_reached_fraction : float
        Fraction of the bootstrap replicates whose candidate never reached the level
        (within ``max_extrapolation``); NaN without bootstrap.
    confidence : float
    warnings : list of str
        Plain sentences: non-monotone curves, poor fits, extrapolations, bounds.
    metric : str
    fitted_size : float
        The candidate fit's inverse at the level, before the status rule (``inf`` beyond
        its asymptote); equals ``size`` unless ``not_reached``.
    reference_model, candidate_model : str
    paired : bool
    max_extrapolation : float
    resampling : str
        What the bootstrap resampled, in words.
    replicates : np.ndarray
        The bootstrap ratios n*/N (``inf`` where not reached), shape (n_bootstrap,); not in
        :meth:`to_dict`.  Pass them to :func:`ratio_drift`.
    """

    reference_size: int
    size: float
    size_ci: tuple
    ratio: float
    ratio_ci: tuple
    status: str
    reference_level: float
    reference_fit: SaturatingFit
    candidate_fit: SaturatingFit
    n_bootstrap: int
    not_reached_fraction: float
    confidence: float
    warnings: list
    metric: str = "metric"
    fitted_size: float = math.nan
    reference_model: str = "reference"
    candidate_model: str = "candidate"
    paired: bool = True
    max_extrapolation: float = 2.0
    resampling: str = ""
    replicates: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary (infinities as ``"inf"``), without ``replicates``."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "replicates"}
        out["reference_fit"] = self.reference_fit.to_dict()
        out["candidate_fit"] = self.candidate_fit.to_dict()
        return jsonify(out, non_finite="string")

    def __str__(self) -> str:
        lo, hi = self.ratio_ci
        qual = {"found": "",
                "at_minimum": " (extrapolated below the smallest candidate size: an upper "
                              "bound)",
                "not_reached": " (lower bound: the candidate does not reach the level)"}
        boot = (f"{self.n_bootstrap} {'paired ' if self.paired else ''}bootstrap replicates"
                if self.n_bootstrap else "no bootstrap")
        return (f"{self.metric}: n/N = {_fmt(self.ratio)} [{_fmt(lo)}, {_fmt(hi)}] "
                f"({100 * self.confidence:g}% CI, {boot}); n = {_fmt(self.size)} "
                f"{self.candidate_model} for N = {self.reference_size} "
                f"{self.reference_model}{qual.get(self.status, '')}; reference level "
                f"{self.reference_level:.4g}; {len(self.warnings)} warning(s)")


def _fmt(x: float) -> str:
    return "inf" if not np.isfinite(x) else f"{x:.3g}"


# ------------------------------------------------------------------------------ search
def _classify(nstar: np.ndarray, smallest: float, largest: float, max_extrapolation: float
              ) -> np.ndarray:
    """Status code per element: 0 found, 1 at_minimum, 2 not_reached."""
    nstar = np.asarray(nstar, dtype=float)
    out = np.where(nstar < smallest, 1, 0)
    return np.where(~np.isfinite(nstar) | (nstar > max_extrapolation * largest), 2, out)


def _percentile_ci(x: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of ``x`` whose ``inf`` entries are replicates not reached."""
    alpha = (1 - confidence) / 2
    finite = np.isfinite(x)
    if not finite.any():
        return math.inf, math.inf
    top = x[finite].max()
    q = np.quantile(np.where(finite, x, np.finfo(float).max), [alpha, 1 - alpha])
    lo, hi = (math.inf if v > top else float(v) for v in q)
    if np.mean(~finite) > alpha:
        hi = math.inf
    return lo, hi


def _draws(rng: np.random.Generator, curves: SizeCurves, count: int,
           seeds: np.ndarray | None, rows: np.ndarray | None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Seed indices and trial rows (count, seeds) of one model's replicates."""
    k = curves.n_seeds
    idx = rng.integers(0, k, (count, k)) if seeds is None else seeds
    if not curves.trial_bootstrap:
        return idx, np.zeros_like(idx)
    if rows is None:
        rows = rng.integers(1, curves.n_trial_replicates + 1, idx.shape)
    return idx, rows


def _drop_warnings(curves: SizeCurves) -> list[str]:
    """Sentences for drops of the mean curve larger than ~2 SE between consecutive sizes."""
    v = curves.values
    d = np.diff(v[:, 0], axis=1)                       # (seeds, S - 1), paired within a seed
    mean_d = d.mean(axis=0)
    if curves.n_seeds >= 2:
        se_d = d.std(axis=0, ddof=1) / math.sqrt(curves.n_seeds)
    elif curves.trial_bootstrap:
        se_d = np.diff(v[0, 1:], axis=1).std(axis=0, ddof=1) if v.shape[1] > 2 \
            else np.zeros(d.shape[1])
    else:
        se_d = np.zeros(d.shape[1])
    scale = float(np.abs(curves.mean).max()) or 1.0
    drops = np.flatnonzero(mean_d < -(_DROP_SE * se_d + 1e-9 * scale))
    if not drops.size:
        return []
    m, n = curves.mean, curves.sizes
    where = "; ".join(f"{m[i]:.4g} at n = {n[i]:g} to {m[i + 1]:.4g} at n = {n[i + 1]:g}"
                      for i in drops[:3])
    more = f" (and {drops.size - 3} more)" if drops.size > 3 else ""
    return [f"{curves.model}: the mean {curves.metric} drops by more than {_DROP_SE:g} SE "
            f"between consecutive sizes ({where}{more}): the curve is not monotone and a "
            "saturating fit may misplace the crossing"]


def _fit_warnings(curves: SizeCurves, fit: SaturatingFit) -> list[str]:
    resid = curves.mean - fit.value(curves.sizes)
    rms = float(np.sqrt(np.mean(resid ** 2)))
    se = curves.se
    spread = float(np.ptp(curves.mean))
    out = []
    if fit.slope == 0:
        out.append(f"{curves.model}: the {curves.metric} never rises above the baseline "
                   f"{fit.baseline:g}: the fit is flat")
    elif np.all(np.isfinite(se)) and np.all(se > 0):
        ratio = rms / float(np.sqrt(np.mean(se ** 2)))
        if ratio > _POOR_FIT_SE:
            out.append(f"{curves.model}: the saturating fit is poor (RMS residual {rms:.3g},"
                       f" {ratio:.1f} times the SE of the mean): the data do not follow "
                       "baseline + A (1 - exp(-n / n0))")
    elif spread > 0 and rms > _POOR_FIT_RELATIVE * spread:
        out.append(f"{curves.model}: the saturating fit is poor (RMS residual {rms:.3g}, "
                   f"{100 * rms / spread:.0f}% of the curve's range)")
    return out


def equivalent_size(reference: SizeCurves, candidate: SizeCurves, reference_size: int, *,
                    baseline: float = 0.0, n_bootstrap: int = 2000, confidence: float = 0.95,
                    paired: bool = True, seed: int = 0, max_extrapolation: float = 2.0
                    ) -> SizeRatio:
    """Candidate size whose fitted metric curve matches the reference's at N, with a CI.

    Parameters
    ----------
    reference, candidate : SizeCurves
        The two models' metric-versus-size curves (same metric).
    reference_size : int
        N; the reference level is the *fitted* reference curve at N.
    baseline : float
        ``m(0)`` of both fits (0 for information or Fisher information, chance for an
        accuracy).
    n_bootstrap : int
        Bootstrap replicates (0: none, the intervals are NaN).
    confidence : float
        Coverage of the percentile intervals, in (0, 1).
    paired : bool
        Resample the same seed indices (and trial rows) for both models: seed ``k`` of
        both shares its stimuli.  Needs the same number of seeds (and, when both give
        ``seeds``, the same seeds in the same order).
    seed : int
        Seed of the bootstrap generator.
    max_extrapolation : float
        n* beyond this factor times the largest evaluated candidate size counts as not
        reached (>= 1).

    Returns
    -------
    SizeRatio
        ``found``: n* from the fit; ``at_minimum``: n* below the smallest candidate size
        (the fit's downward extrapolation; read as an upper bound); ``not_reached``: the
        level is beyond the candidate's asymptote or needs more than ``max_extrapolation``
        times its largest size; then ``size`` is the largest evaluated candidate size and
        ``ratio`` that over N, a finite lower bound (``fitted_size`` keeps the fit's n*,
        possibly ``inf``).

    Raises
    ------
    AnalysisInputError
        Bad arguments, different metrics, or unpaired seeds with ``paired=True``.

    Notes
    -----
    When the two fitted curves are the same function (identical data), n* is N exactly.
    The bootstrap (module docstring) refits both curves in every replicate; a replicate
    that is not reached counts as ``inf``, so the upper end of the interval is ``inf``
    when more than ``(1 - confidence) / 2`` of them are not reached.  2000 replicates of
    10 seeds at 12 sizes take a fraction of a second.

    Examples
    --------
    >>> n = np.array([10, 20, 50, 100, 200, 500, 1000])
    >>> ref = SizeCurves(n, [[1 - np.exp(-n / 100)]], "HH", "bits")
    >>> cand = SizeCurves(n, [[1 - np.exp(-n / 300)]], "LIF", "bits")
    >>> res = equivalent_size(ref, cand, 100, n_bootstrap=0)
    >>> res.status, round(res.ratio, 4)
    ('found', 3.0)
    """
    if not isinstance(reference, SizeCurves):
        raise _fail("reference", reference, "a SizeCurves")
    if not isinstance(candidate, SizeCurves):
        raise _fail("candidate", candidate, "a SizeCurves")
    if reference.metric != candidate.metric:
        raise AnalysisInputError(f"candidate.metric={candidate.metric!r}: expected the "
                                 f"reference's metric {reference.metric!r}")
    N = _as_int("reference_size", reference_size, 1)
    baseline = _as_float("baseline", baseline)
    n_bootstrap = _as_int("n_bootstrap", n_bootstrap, 0)
    confidence = _as_float("confidence", confidence, low=0, low_open=True, high=1,
                           high_open=True, what="a number in (0, 1)")
    max_extrapolation = _as_float("max_extrapolation", max_extrapolation, low=1,
                                  what="a finite number >= 1")
    seed = _as_int("seed", seed, 0)
    if not isinstance(paired, (bool, np.bool_)):
        raise _fail("paired", paired, "True or False")
    if paired and candidate.n_seeds != reference.n_seeds:
        raise AnalysisInputError(f"candidate has {candidate.n_seeds} seeds and reference "
                                 f"{reference.n_seeds}: expected the same seeds with "
                                 "paired=True (or pass paired=False)")
    if paired and reference.seeds is not None and candidate.seeds is not None \
            and reference.seeds != candidate.seeds:
        raise AnalysisInputError(f"candidate.seeds={list(candidate.seeds)}: expected the "
                                 f"reference's seeds {list(reference.seeds)} in the same "
                                 "order with paired=True")

    ref_fit = fit_saturating(reference.sizes, reference.mean, baseline)
    cand_fit = fit_saturating(candidate.sizes, candidate.mean, baseline)
    level = ref_fit.value(N)
    fitted = float(N) if ref_fit.same_curve(cand_fit) else cand_fit.inverse(level)
    smallest, largest = float(candidate.sizes[0]), float(candidate.sizes[-1])
    status = STATUSES[int(_classify(fitted, smallest, largest, max_extrapolation))]
    size = largest if status == "not_reached" else fitted

    # ---- bootstrap: seeds (paired), then one trial-level row per drawn seed
    ci = (math.nan, math.nan)
    not_reached = math.nan
    replicates = np.empty(0)
    if n_bootstrap:
        rng = np.random.default_rng(seed)
        idx_r, rows_r = _draws(rng, reference, n_bootstrap, None, None)
        share_rows = (paired and reference.trial_bootstrap and candidate.trial_bootstrap
                      and reference.n_trial_replicates == candidate.n_trial_replicates)
        idx_c, rows_c = _draws(rng, candidate, n_bootstrap, idx_r if paired else None,
                               rows_r if share_rows else None)
        y_r = reference.values[idx_r, rows_r].mean(axis=1) - baseline     # (R, S)
        y_c = candidate.values[idx_c, rows_c].mean(axis=1) - baseline
        s_r, u_r, _ = _fit_many(reference.sizes, y_r)
        s_c, u_c, _ = _fit_many(candidate.sizes, y_c)
        lev = baseline + s_r * _shape(np.array([float(N)]), u_r)[:, 0]
        nstar = _inverse(lev, baseline, s_c, u_c)
        nstar = np.where((s_r == s_c) & (u_r == u_c), float(N), nstar)
        codes = _classify(nstar, smallest, largest, max_extrapolation)
        replicates = np.where(codes == 2, np.inf, nstar / N)
        not_reached = float(np.mean(codes == 2))
        ci = _percentile_ci(replicates, confidence)
    levels = {True: "seeds, then trial-level rows", False: "seeds only"}
    resampling = (f"{'paired' if paired else 'independent'} resampling of seeds; reference: "
                  f"{levels[reference.trial_bootstrap]}; candidate: "
                  f"{levels[candidate.trial_bootstrap]}")

    # ---- warnings, in plain sentences
    warnings: list[str] = []
    for curves, fit in ((reference, ref_fit), (candidate, cand_fit)):
        warnings += _drop_warnings(curves) + _fit_warnings(curves, fit)
    if not reference.sizes[0] <= N <= reference.sizes[-1]:
        warnings.append(f"N = {N} lies outside the evaluated reference sizes "
                        f"[{reference.sizes[0]:g}, {reference.sizes[-1]:g}]: the reference "
                        "level is an extrapolation of the fit")
    if status == "not_reached":
        why = (f"beyond the candidate's fitted asymptote {cand_fit.asymptote:.4g}"
               if not math.isfinite(fitted) else
               f"reached only at n = {fitted:.4g}, more than {max_extrapolation:g} x the "
               f"largest evaluated size {largest:g}")
        warnings.append(f"the reference level {level:.4g} is {why}: n/N = {_fmt(size / N)}"
                        " is a lower bound")
    elif status == "at_minimum":
        warnings.append(f"n* = {fitted:.4g} is below the smallest evaluated candidate size "
                        f"{smallest:g}: the fit is extrapolated downwards (read as an upper "
                        "bound)")
    elif fitted > largest:
        warnings.append(f"n* = {fitted:.4g} is beyond the largest evaluated candidate size "
                        f"{largest:g}: the fit is extrapolated")
    if n_bootstrap:
        if not (reference.n_seeds > 1 or reference.trial_bootstrap) or \
                not (candidate.n_seeds > 1 or candidate.trial_bootstrap):
            warnings.append("one seed and no trial-level rows: the bootstrap has nothing to "
                            "resample and its interval is no confidence interval")
        elif status != "not_reached" and not_reached > (1 - confidence) / 2:
            warnings.append(f"{100 * not_reached:.0f}% of the bootstrap replicates do not "
                            "reach the level: the interval is open to the right")
    return SizeRatio(
        reference_size=N, size=float(size), size_ci=(ci[0] * N, ci[1] * N),
        ratio=float(size) / N, ratio_ci=ci, status=status, reference_level=float(level),
        reference_fit=ref_fit, candidate_fit=cand_fit, n_bootstrap=n_bootstrap,
        not_reached_fraction=not_reached, confidence=confidence, warnings=warnings,
        metric=reference.metric, fitted_size=float(fitted), reference_model=reference.model,
        candidate_model=candidate.model, paired=bool(paired),
        max_extrapolation=max_extrapolation, resampling=resampling, replicates=replicates)


# ------------------------------------------------------------------------------ drift
def ratio_drift(reference_sizes: Any, ratios: Any, replicates: Any = None, *,
                confidence: float = 0.95) -> dict:
    """Does the equivalence ratio n*/N drift with N?

    Parameters
    ----------
    reference_sizes : array_like, shape (L,)
        The reference sizes N (at least 2, distinct, positive).
    ratios : array_like, shape (L,)
        n*/N at each N (positive and finite: a not-reached ratio is a bound, not a value).
    replicates : array_like, shape (n_bootstrap, L), optional
        Bootstrap replicates of the ratios, replicate ``b`` of every N from the same
        resampled seeds (:func:`equivalent_size` with the same ``seed``:
        ``np.column_stack([r.replicates for r in results])``).  Replicates with a
        non-finite ratio are left out.
    confidence : float
        Coverage of the interval of the slope.

    Returns
    -------
    dict
        ``slope``: least-squares slope of ``log(ratio)`` against ``log(N)`` (0: no
        drift; 1: n* grows like N**2); ``slope_ci``: bootstrap percentile interval (with
        ``replicates``), else the t interval of the regression (needs 3 sizes), else NaN;
        ``factor_per_doubling``: ``2 ** slope``; ``drifts``: True when the interval
        excludes 0, False when it contains it, None when undetermined; ``verdict``: one
        sentence; ``method`` (``bootstrap``, ``regression`` or ``none``);
        ``n_replicates``, ``n_replicates_dropped``; the inputs.

    Examples
    --------
    >>> d = ratio_drift([25, 50, 100, 200], [2.0, 2.0, 2.0, 2.0])
    >>> d["slope"], d["drifts"]
    (0.0, False)
    >>> round(ratio_drift([25, 100], [1.0, 2.0])["slope"], 3)
    0.5
    """
    n = np.asarray(reference_sizes, dtype=float) if _numeric(reference_sizes) else None
    if n is None or n.ndim != 1 or n.size < 2 or not np.all(np.isfinite(n)) \
            or np.any(n <= 0) or np.unique(n).size != n.size:
        raise _fail("reference_sizes", reference_sizes, "at least 2 distinct positive sizes")
    r = np.asarray(ratios, dtype=float) if _numeric(ratios) else None
    if r is None or r.shape != n.shape:
        raise _fail("ratios", ratios, f"{n.size} ratios (one per reference size)")
    bad = np.flatnonzero(~np.isfinite(r) | (r <= 0))
    if bad.size:
        raise AnalysisInputError(f"ratios[{bad[0]}]={float(r[bad[0]])!r}: expected positive "
                                 "finite ratios (a not-reached ratio is a bound, not a value)")
    confidence = _as_float("confidence", confidence, low=0, low_open=True, high=1,
                           high_open=True, what="a number in (0, 1)")
    x = np.log(n)
    xc = x - x.mean()
    sxx = float((xc ** 2).sum())
    logr = np.log(r)
    slope = float((xc * (logr - logr.mean())).sum() / sxx)
    ci = (math.nan, math.nan)
    method, used, dropped = "none", 0, 0
    if replicates is not None:
        rep = np.asarray(replicates, dtype=float) if _numeric(replicates) else None
        if rep is None or rep.ndim != 2 or rep.shape[1] != n.size or rep.shape[0] < 1:
            raise _fail("replicates", replicates, f"an array of shape (n_bootstrap, {n.size})")
        ok = np.all(np.isfinite(rep) & (rep > 0), axis=1)
        used, dropped = int(ok.sum()), int((~ok).sum())
        method = "bootstrap"
        if used and dropped / rep.shape[0] <= (1 - confidence) / 2:
            lr = np.log(rep[ok])
            slopes = ((lr - lr.mean(axis=1, keepdims=True)) * xc).sum(axis=1) / sxx
            a = (1 - confidence) / 2
            ci = tuple(float(v) for v in np.quantile(slopes, [a, 1 - a]))
    elif n.size >= 3:
        from scipy import stats

        resid = logr - logr.mean() - slope * xc
        se = math.sqrt(float((resid ** 2).sum()) / (n.size - 2) / sxx)
        t = float(stats.t.ppf(0.5 + confidence / 2, n.size - 2))
        ci, method = (slope - t * se, slope + t * se), "regression"
    pct = f"{100 * confidence:g}%"
    text = f"slope {slope:.3g} [{ci[0]:.3g}, {ci[1]:.3g}] ({pct} CI, {method})"
    if not np.all(np.isfinite(ci)):
        drifts = None
        why = (f"{dropped} of {dropped + used} bootstrap replicates are not reached"
               if method == "bootstrap" else "too few sizes and no bootstrap replicates")
        verdict = (f"Drift undetermined: log(ratio) on log(N) has slope {slope:.3g} but no "
                   f"interval ({why}).")
    elif ci[0] > 0 or ci[1] < 0:
        drifts = True
        verdict = (f"The ratio drifts with N: {text} of log(ratio) on log(N), a factor "
                   f"{2 ** slope:.3g} per doubling of N, so no single n/N describes the "
                   "equivalence.")
    else:
        drifts = False
        verdict = (f"No drift detected: {text} of log(ratio) on log(N) includes 0, "
                   "consistent with one size-independent ratio.")
    return {"slope": slope, "slope_ci": ci, "confidence": confidence,
            "factor_per_doubling": 2.0 ** slope, "drifts": drifts, "verdict": verdict,
            "method": method, "n_replicates": used, "n_replicates_dropped": dropped,
            "reference_sizes": n.tolist(), "ratios": r.tolist()}


def _numeric(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return True
