"""Neuron-count equivalence: how many candidate neurons match a reference network.

Contents
--------
find_equivalent_size
    Smallest candidate size ``n`` whose metric reaches the reference network's level
    (within a tolerance): exponential bracketing, then bisection on ``n``, re-using every
    evaluation; the crossing is interpolated on the evaluated curve and its confidence
    interval comes from a bootstrap over seeds.  Takes a callable (``evaluate(n, seeds)``)
    or a table of evaluations, so it knows nothing of simulators.
crossing_size
    The interpolated crossing of one metric-versus-n curve (used by the search and by the
    bootstrap).
EquivalenceResult, EvaluatedPoint
    The result: ratio n/N with its interval, every evaluated point, provenance;
    ``to_dict()`` is JSON-serialisable.
plot_equivalence
    Metric versus n with the reference level and the confidence bands.

The question is the one of He et al. (2024): a network of N Hodgkin–Huxley neurons
behaves like a *larger* network of LIF neurons; how much larger?  Here "behaves like" is
whatever metric the caller measures (population information, spike statistics, readout
accuracy); :mod:`hhlif.protocols.experiments.equivalence` provides those on real simulations.

Monotonicity
------------
The search assumes the metric is monotone in ``n`` on average (increasing, such as
information or accuracy, or decreasing, such as a distance).  Over seeds the curve is
noisy; the reported size is where the *seed-averaged* curve crosses the reference level,
and the bootstrap interval says how much that depends on the seeds drawn.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import AnalysisInputError
from .utils import jsonify

__all__ = ["EvaluatedPoint", "EquivalenceResult", "find_equivalent_size", "crossing_size",
           "plot_equivalence", "DIRECTIONS"]

#: Orientation of the metric: ``increasing`` (matched once ``m(n) >= reference -
#: tolerance``) or ``decreasing`` (matched once ``m(n) <= reference + tolerance``).
DIRECTIONS = ("increasing", "decreasing")


@dataclass
class EvaluatedPoint:
    """The metric of the candidate at one size, over seeds.

    Attributes
    ----------
    n : int
        Candidate size.
    values : list of float
        One value per seed (same order as ``seeds``).
    seeds : list of int
    mean : float
        Mean over seeds.
    matched : bool
        Whether the seed-averaged metric reaches the reference level.
    order : int
        Order of evaluation (0 = first; table points come first).
    """

    n: int
    values: list
    seeds: list
    mean: float
    matched: bool
    order: int = 0


@dataclass
class EquivalenceResult:
    """Outcome of :func:`find_equivalent_size`.

    Attributes
    ----------
    reference_size : int
        N, the size of the reference network.
    size : float
        Interpolated candidate size at which the seed-averaged metric crosses the
        reference level (``inf`` if it never does up to ``n_max``).
    size_matched : int or None
        Smallest evaluated size that matched (``None`` if none did).
    ratio : float
        ``size / reference_size``.
    ratio_ci, size_ci : tuple of float
        Bootstrap percentile interval over seeds (``inf`` as the upper end when, in more
        than ``(1 - confidence)/2`` of the replicates, the curve never crossed).
    confidence : float
    reference_level : float
        Mean reference metric over its seeds.
    reference_values : list of float
        The reference metric, one value per reference seed.
    tolerance : float
    direction : str
    status : str
        ``found`` (crossing bracketed between two evaluated sizes), ``at_minimum`` (already
        matched at ``n_min``: the size is an upper bound), ``not_reached`` (never matched up
        to ``n_max``: the size is a lower bound).
    points : list of EvaluatedPoint
        Every evaluated size, sorted by ``n``.
    metric : str
    n_bootstrap : int
    provenance : dict
        Who computed what (reference and candidate descriptions, versions, timings).
    """

    reference_size: int
    size: float
    size_matched: int | None
    ratio: float
    ratio_ci: tuple
    size_ci: tuple
    confidence: float
    reference_level: float
    reference_values: list
    tolerance: float
    direction: str
    status: str
    points: list
    metric: str = "metric"
    n_bootstrap: int = 0
    provenance: dict = field(default_factory=dict)

    @property
    def sizes(self) -> np.ndarray:
        """Evaluated sizes, ascending."""
        return np.array([p.n for p in self.points], dtype=int)

    @property
    def means(self) -> np.ndarray:
        """Seed-averaged metric at each evaluated size."""
        return np.array([p.mean for p in self.points], dtype=float)

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary (infinities written as the string ``"inf"``)."""
        return jsonify(asdict(self), non_finite="string")

    def __str__(self) -> str:
        lo, hi = self.ratio_ci
        pct = f"{100 * self.confidence:g}%"
        qual = {"found": "", "at_minimum": " (upper bound: matched at the smallest size)",
                "not_reached": " (lower bound: never matched up to the largest size)"}
        return (f"{self.metric}: n/N = {_fmt(self.ratio)} [{_fmt(lo)}, {_fmt(hi)}] ({pct} CI,"
                f" {self.n_bootstrap} bootstrap replicates over seeds); n = {_fmt(self.size)}"
                f" for N = {self.reference_size}{qual.get(self.status, '')};"
                f" reference level {self.reference_level:.4g}, {len(self.points)} sizes"
                f" evaluated")


def _fmt(x: float) -> str:
    return "inf" if not np.isfinite(x) else f"{x:.3g}"


# ------------------------------------------------------------------------------ crossing
def _matched(mean: np.ndarray, level: float, tolerance: float, direction: str) -> np.ndarray:
    if direction == "increasing":
        return mean >= level - tolerance
    return mean <= level + tolerance


def crossing_size(sizes: Sequence[int], means: Sequence[float], level: float,
                  tolerance: float = 0.0, direction: str = "increasing",
                  method: str = "fit", extrapolate: float = 1.0) -> tuple[float, str]:
    """Where a metric-versus-n curve first reaches ``level`` (within ``tolerance``).

    Parameters
    ----------
    sizes : sequence of int
        Evaluated sizes (any order; sorted here).
    means : sequence of float
        The metric at each size.
    level : float
        Reference level.
    tolerance : float
        Matched once ``m >= level - tolerance`` (increasing) or ``m <= level + tolerance``
        (decreasing).
    direction : {'increasing', 'decreasing'}
    method : {'fit', 'interpolate'}
        ``interpolate``: linear interpolation between the last unmatched and the first
        matched size.  ``fit`` (default): a least-squares line of the metric against
        ``log n`` through every evaluated size within a factor 1.5 of that interpolated
        crossing, solved for the level (averages the noise of the closely spaced sizes
        that bisection produces); falls back to interpolation when fewer than three sizes
        lie in that window or the fitted slope has the wrong sign.
    extrapolate : float
        With ``fit``, when no size matches (or the smallest already does), accept a fitted
        crossing up to this factor beyond the largest (below the smallest) size instead of
        ``inf`` (the first size); 1 = never.  The bootstrap uses 1.5.

    Returns
    -------
    size : float
        The crossing (the first size if it already matches; ``inf`` if none does).
    status : str
        ``found``, ``at_minimum`` or ``not_reached``.

    Examples
    --------
    >>> crossing_size([1, 2, 4, 8], [0.1, 0.2, 0.4, 0.8], level=0.5, method="interpolate")
    (5.0, 'found')
    """
    n = np.asarray(sizes, dtype=float)
    m = np.asarray(means, dtype=float)
    order = np.argsort(n)
    n, m = n[order], m[order]
    ok = _matched(m, level, tolerance, direction)
    target = level - tolerance if direction == "increasing" else level + tolerance
    if not ok.any():
        guess, fallback = float(n[-1]), (math.inf, "not_reached")
    elif ok[0]:
        guess, fallback = float(n[0]), (float(n[0]), "at_minimum")
    else:
        i = int(np.argmax(ok))
        m0, m1 = m[i - 1], m[i]
        frac = 1.0 if m1 == m0 else float(np.clip((target - m0) / (m1 - m0), 0.0, 1.0))
        guess = float(n[i - 1] + frac * (n[i] - n[i - 1]))
        fallback = (guess, "found")
    if method == "interpolate":
        return fallback
    window = (n >= guess / 1.5) & (n <= guess * 1.5)
    if window.sum() < 3:
        return fallback
    slope, intercept = np.polyfit(np.log(n[window]), m[window], 1)
    if (slope <= 0 if direction == "increasing" else slope >= 0):
        return fallback
    exponent = (target - intercept) / slope
    fitted = math.inf if exponent > 700 else float(np.exp(exponent))  # a flat fit: no crossing
    lo, hi = n[window].min(), n[window].max()
    if fallback[1] == "found":
        return float(np.clip(fitted, lo, hi)), "found"
    # not matched at the ends: extrapolate the fit by at most ``extrapolate``
    if lo / extrapolate <= fitted <= hi * extrapolate and extrapolate > 1:
        return fitted, "found"
    return fallback


# ------------------------------------------------------------------------------ search
def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise AnalysisInputError(f"{name}={value!r}: expected an integer >= {minimum}")
    return int(value)


def find_equivalent_size(evaluate: Callable[[int, list], Sequence[float]] | None = None, *,
                         reference: Any, reference_size: int,
                         table: Mapping[int, Sequence[float]] | None = None,
                         seeds: Sequence[int] = (0, 1, 2),
                         direction: str = "increasing", tolerance: float = 0.0,
                         n_start: int | None = None, n_min: int = 1, n_max: int | None = None,
                         resolution: float = 0.05, confidence: float = 0.95,
                         n_bootstrap: int = 2000, bootstrap: str = "t", seed: int = 0,
                         metric: str = "metric",
                         provenance: Mapping | None = None) -> EquivalenceResult:
    """Smallest candidate size that matches the reference, with a CI over seeds.

    Parameters
    ----------
    evaluate : callable, optional
        ``evaluate(n, seeds) -> values``: the candidate's metric at size ``n``, one value
        per seed (evaluate the seeds in parallel inside it if you can).  ``None``: use
        ``table`` only (no search, the crossing of the tabulated curve).
    reference : float or sequence of float
        The reference network's metric: one level, or one value per reference seed (then
        the bootstrap resamples them too).
    reference_size : int
        N, the size of the reference network (the ratio is n/N).
    table : mapping of int to sequence of float, optional
        Evaluations already made (``{n: values per seed}``); they are used first and
        never recomputed.
    seeds : sequence of int
        Seeds passed to ``evaluate`` at every size (at least two for an interval).
    direction : {'increasing', 'decreasing'}
        ``increasing`` for metrics that grow with n (information, accuracy): matched once
        ``mean >= level - tolerance``; ``decreasing`` for distances: matched once
        ``mean <= level + tolerance``.
    tolerance : float
        Absolute tolerance in metric units (>= 0).
    n_start : int, optional
        First size tried (default ``reference_size``, clipped to [n_min, n_max]).
    n_min, n_max : int
        Search range (default ``n_max = 64 * reference_size``).
    resolution : float
        Bisection stops once the bracket ``[lo, hi]`` is at most ``max(1,
        resolution * hi)`` wide.
    confidence : float
        Coverage of the bootstrap interval, in (0, 1).
    n_bootstrap : int
        Bootstrap replicates; 0 for none.
    bootstrap : {'t', 'resample'}
        How a replicate redraws the seed-averaged metric at every evaluated size and the
        reference level.  ``resample``: the seeds, with replacement (the classical
        nonparametric bootstrap; too narrow with a handful of seeds).  ``t`` (default):
        the mean plus its standard error times a Student-t variate with (seeds - 1)
        degrees of freedom, which keeps the small-sample width of the mean.
    seed : int
        Seed of the bootstrap generator.
    metric : str
        Name of the metric (reports).
    provenance : mapping, optional
        Stored in the result together with the search settings and timings.

    Returns
    -------
    EquivalenceResult

    Raises
    ------
    AnalysisInputError
        Bad arguments, non-finite metric values, or a table entry with the wrong number
        of seeds.

    Notes
    -----
    The search first evaluates ``n_start``; if it matches it halves n until a size does
    not match (or ``n_min``), otherwise it doubles n until one matches (or ``n_max``).
    Then it bisects the bracket.  Each size is evaluated once, over all seeds; the
    crossing is linearly interpolated between the last unmatched and the first matched
    evaluated sizes of the seed-averaged curve.  The bootstrap redraws, in every
    replicate, the mean at every evaluated size and the reference level (see
    ``bootstrap``) and recomputes the crossing from those points only (no new
    evaluations): a percentile interval of n/N.  The interval cannot extend below the
    smallest evaluated size (a replicate that already matches there counts as that size).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda n, seeds: [1 - np.exp(-n / 40) for _ in seeds]
    >>> res = find_equivalent_size(f, reference=1 - np.exp(-100 / 40), reference_size=25,
    ...                            resolution=0.01, n_bootstrap=0)
    >>> (res.status, round(res.size), round(res.ratio, 1))
    ('found', 100, 4.0)
    """
    t0 = time.perf_counter()
    if bootstrap not in ("t", "resample"):
        raise AnalysisInputError(f"bootstrap={bootstrap!r}: expected 't' or 'resample'")
    if direction not in DIRECTIONS:
        raise AnalysisInputError(f"direction={direction!r}: expected one of {', '.join(DIRECTIONS)}")
    reference_size = _check_int("reference_size", reference_size, 1)
    n_min = _check_int("n_min", n_min, 1)
    n_max = _check_int("n_max", 64 * reference_size if n_max is None else n_max, n_min)
    if not (np.isfinite(tolerance) and tolerance >= 0):
        raise AnalysisInputError(f"tolerance={tolerance!r}: expected a finite number >= 0")
    if not 0 < resolution < 1:
        raise AnalysisInputError(f"resolution={resolution!r}: expected a number in (0, 1)")
    if not 0 < confidence < 1:
        raise AnalysisInputError(f"confidence={confidence!r}: expected a number in (0, 1)")
    n_bootstrap = _check_int("n_bootstrap", n_bootstrap, 0)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise AnalysisInputError("seeds=[]: expected at least one seed")
    ref = np.atleast_1d(np.asarray(reference, dtype=float))
    if ref.ndim != 1 or ref.size == 0 or not np.all(np.isfinite(ref)):
        raise AnalysisInputError(f"reference={reference!r}: expected a finite number or a"
                                 " non-empty sequence of finite numbers (one per seed)")
    level = float(ref.mean())
    if evaluate is None and not table:
        raise AnalysisInputError("evaluate=None and no table: give a callable, a table of"
                                 " evaluations, or both")

    points: dict[int, EvaluatedPoint] = {}

    def add(n: int, values: Sequence[float], point_seeds: list) -> EvaluatedPoint:
        vals = np.asarray(values, dtype=float).ravel()
        if vals.size != len(point_seeds):
            raise AnalysisInputError(f"metric at n={n}: got {vals.size} values for"
                                     f" {len(point_seeds)} seeds")
        if not np.all(np.isfinite(vals)):
            raise AnalysisInputError(f"metric at n={n}: non-finite values {vals.tolist()}")
        mean = float(vals.mean())
        p = EvaluatedPoint(n=int(n), values=vals.tolist(), seeds=list(point_seeds), mean=mean,
                           matched=bool(_matched(np.array([mean]), level, tolerance,
                                                 direction)[0]),
                           order=len(points))
        points[int(n)] = p
        return p

    for n, values in sorted((table or {}).items()):
        n = _check_int("table size", n, 1)
        vals = list(np.atleast_1d(np.asarray(values, dtype=float)))
        add(n, vals, seeds if len(vals) == len(seeds) else list(range(len(vals))))

    def at(n: int) -> EvaluatedPoint:
        n = int(min(max(n, n_min), n_max))
        if n not in points:
            if evaluate is None:
                raise _NoEvaluator(n)
            add(n, evaluate(n, list(seeds)), seeds)
        return points[n]

    if evaluate is not None:
        start = int(min(max(reference_size if n_start is None else n_start, n_min), n_max))
        lo, hi = _bracket_from_points(points, n_min, n_max)
        if lo is None and hi is None:
            first = at(start)
            lo, hi = (None, start) if first.matched else (start, None)
        # exponential bracketing
        while hi is None:
            nxt = min(2 * lo, n_max)
            if at(nxt).matched:
                hi = nxt
            elif nxt >= n_max:
                break
            else:
                lo = nxt
        while lo is None:
            nxt = max(hi // 2, n_min)
            if nxt == hi:  # hi == n_min matched
                break
            if at(nxt).matched:
                hi = nxt
            else:
                lo = nxt
        # bisection
        if lo is not None and hi is not None:
            while hi - lo > max(1, int(math.floor(resolution * hi))):
                mid = (lo + hi) // 2
                if at(mid).matched:
                    hi = mid
                else:
                    lo = mid
                lo, hi = _tighten(points, lo, hi)

    ordered = [points[k] for k in sorted(points)]
    sizes = np.array([p.n for p in ordered], dtype=float)
    means = np.array([p.mean for p in ordered], dtype=float)
    size, status = crossing_size(sizes, means, level, tolerance, direction)
    matched = [p.n for p in ordered if p.matched]
    size_ci = ratio_ci = (math.nan, math.nan)
    if n_bootstrap:
        boot = _bootstrap_sizes(ordered, ref, sizes, tolerance, direction, n_bootstrap,
                                bootstrap, np.random.default_rng(seed))
        alpha = (1 - confidence) / 2
        size_ci = _percentiles(boot, alpha)
        ratio_ci = (size_ci[0] / reference_size, size_ci[1] / reference_size)
    prov = dict(provenance or {})
    prov["search"] = {"bootstrap": bootstrap, "n_start": n_start, "n_min": n_min, "n_max": n_max,
                      "resolution": resolution, "seeds": seeds, "tolerance": tolerance,
                      "direction": direction, "bootstrap_seed": seed,
                      "n_evaluated": len(ordered),
                      "n_from_table": len(table or {}),
                      "wall_time_s": round(time.perf_counter() - t0, 3)}
    return EquivalenceResult(
        reference_size=reference_size, size=float(size),
        size_matched=int(matched[0]) if matched else None,
        ratio=float(size) / reference_size, ratio_ci=ratio_ci, size_ci=size_ci,
        confidence=float(confidence), reference_level=level,
        reference_values=ref.tolist(), tolerance=float(tolerance), direction=direction,
        status=status, points=ordered, metric=str(metric), n_bootstrap=n_bootstrap,
        provenance=prov)


def _bootstrap_sizes(points, ref, sizes, tolerance, direction, n_bootstrap, kind, rng):
    """Crossing size of every bootstrap replicate."""
    def draw(values, count):
        v = np.asarray(values, dtype=float)
        if kind == "resample" or v.size < 2:
            return v[rng.integers(0, v.size, (count, v.size))].mean(axis=1)
        se = v.std(ddof=1) / np.sqrt(v.size)
        return v.mean() + se * rng.standard_t(v.size - 1, count)

    ref_b = draw(ref, n_bootstrap)
    m_b = np.stack([draw(p.values, n_bootstrap) for p in points], axis=1)
    return np.array([crossing_size(sizes, m_b[b], ref_b[b], tolerance, direction,
                                   extrapolate=1.5)[0]
                     for b in range(n_bootstrap)])


def _percentiles(boot: np.ndarray, alpha: float) -> tuple[float, float]:
    """Percentile interval; an end falls at inf when that many replicates never crossed."""
    ordered = np.sort(boot)
    k = ordered.size

    def at(q):
        pos = q * (k - 1)
        i, j = int(math.floor(pos)), int(math.ceil(pos))
        a, b = ordered[i], ordered[j]
        if not (np.isfinite(a) and np.isfinite(b)):
            return float(b) if not np.isfinite(b) and pos > i else float(a)
        return float(a + (pos - i) * (b - a))

    return at(alpha), at(1 - alpha)


class _NoEvaluator(LookupError):
    pass


def _bracket_from_points(points: dict, n_min: int, n_max: int):
    """(largest unmatched below the smallest matched, smallest matched) from a table."""
    if not points:
        return None, None
    matched = sorted(n for n, p in points.items() if p.matched)
    unmatched = sorted(n for n, p in points.items() if not p.matched)
    hi = matched[0] if matched else None
    below = [n for n in unmatched if hi is None or n < hi]
    lo = below[-1] if below else None
    if hi is None and lo is None:
        return None, None
    if hi is None and lo is not None and lo >= n_max:
        return lo, None
    return lo, hi


def _tighten(points: dict, lo: int, hi: int) -> tuple[int, int]:
    """Shrink [lo, hi] with points evaluated earlier that fall inside it."""
    for n, p in points.items():
        if lo < n < hi:
            if p.matched:
                hi = n
            else:
                lo = n
    return lo, hi


# ------------------------------------------------------------------------------ figure
def plot_equivalence(result: EquivalenceResult, ax=None, xlabel: str = "candidate size n",
                     ylabel: str | None = None, reference_label: str = "reference"):
    """Metric versus n with the reference level and the confidence bands.

    The candidate curve is the seed mean at each evaluated size with a band of ±1.96
    standard errors over seeds; the reference level is a horizontal line with its own
    band; the crossing ``size`` is a vertical line over the shaded bootstrap interval.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.5, 4.2), layout="constrained")
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    _ = matplotlib
    n = result.sizes
    mean = result.means
    se = np.array([np.std(p.values, ddof=1) / np.sqrt(len(p.values)) if len(p.values) > 1
                   else 0.0 for p in result.points])
    ax.fill_between(n, mean - 1.96 * se, mean + 1.96 * se, color="C0", alpha=0.25, lw=0)
    ax.plot(n, mean, "o-", color="C0", label="candidate (mean over seeds)")
    ref = np.asarray(result.reference_values, dtype=float)
    ref_se = np.std(ref, ddof=1) / np.sqrt(ref.size) if ref.size > 1 else 0.0
    ax.axhline(result.reference_level, color="C3", label=f"{reference_label}"
               f" (N = {result.reference_size})")
    ax.axhspan(result.reference_level - 1.96 * ref_se, result.reference_level + 1.96 * ref_se,
               color="C3", alpha=0.15, lw=0)
    if result.tolerance:
        sign = -1 if result.direction == "increasing" else 1
        ax.axhline(result.reference_level + sign * result.tolerance, color="C3", ls=":",
                   label="tolerance")
    if np.isfinite(result.size):
        ax.axvline(result.size, color="k", ls="--",
                   label=f"n = {result.size:.3g} (n/N = {result.ratio:.3g})")
    lo, hi = result.size_ci
    if np.isfinite(lo):
        ax.axvspan(lo, hi if np.isfinite(hi) else n.max(), color="k", alpha=0.08, lw=0,
                   label=f"{100 * result.confidence:g}% CI")
    from .plots import integer_ticks, plain_log_ticks

    if n.size and n.max() / max(n.min(), 1) > 8:
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis, subs=(1.0, 2.0, 5.0))  # 1 2 5 10 20 ..., not 10^1
    else:
        integer_ticks(ax.xaxis)                          # a network size is a whole number
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or result.metric)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{result.metric}: equivalent size, ratio n/N = {_fmt(result.ratio)}"
                 f" [{_fmt(result.ratio_ci[0])}, {_fmt(result.ratio_ci[1])}]", fontsize=9)
    return fig
