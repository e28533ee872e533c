"""Equivalence search on synthetic metrics whose crossing point is known analytically."""
import json
import math

import numpy as np
import pytest

from hhlif.analysis.equivalence import crossing_size, find_equivalent_size, plot_equivalence
from hhlif.analysis.errors import AnalysisInputError


def saturating(n, seed, noise=0.02, scale=40.0):
    """1 - exp(-n/scale) plus seed-dependent noise (the same noise at every n for a seed,
    like a network's seed-specific offset, plus an n-dependent part)."""
    rng = np.random.default_rng([seed, int(n)])
    return 1 - math.exp(-n / scale) + noise * rng.standard_normal()


class Counter:
    def __init__(self, f):
        self.f, self.calls = f, []

    def __call__(self, n, seeds):
        self.calls.append(n)
        return [self.f(n, s) for s in seeds]


def test_crossing_size_interpolates_linearly():
    # the line 0.1 n crosses 0.5 at n = 5, between the evaluated 4 and 8
    assert crossing_size([8, 1, 4, 2], [0.8, 0.1, 0.4, 0.2], 0.5) == (5.0, "found")
    assert crossing_size([1, 2], [0.9, 1.0], 0.5) == (1.0, "at_minimum")
    assert crossing_size([1, 2], [0.1, 0.2], 0.5) == (math.inf, "not_reached")
    # decreasing metrics (distances): matched once at or below level + tolerance
    assert crossing_size([1, 3], [1.0, 0.0], 0.4, tolerance=0.1, direction="decreasing") \
        == (pytest.approx(2.0), "found")


def test_noiseless_search_finds_the_known_crossing_to_the_resolution():
    # level = f(137) exactly: the crossing is n = 137
    level = 1 - math.exp(-137 / 40)
    f = Counter(lambda n, s: 1 - math.exp(-n / 40))
    res = find_equivalent_size(f, reference=level, reference_size=20, seeds=[0],
                               resolution=0.01, n_bootstrap=0)
    assert res.status == "found"
    # bisection bracket <= 1 % of n, then linear interpolation of a smooth curve inside
    assert abs(res.size - 137) <= 0.01 * 137
    assert res.size_matched in (137, 138)
    assert res.ratio == pytest.approx(res.size / 20)
    # every size evaluated once: bracketing 20, 40, 80, 160 then bisection
    assert len(f.calls) == len(set(f.calls))
    assert f.calls[:4] == [20, 40, 80, 160]


def test_noisy_search_ci_covers_the_known_crossing():
    # level = f(100); 10 seeds with noise sd 0.02 around a curve of slope f'(100) =
    # exp(-2.5)/40 = 0.002 per neuron, so one seed is worth about 10 neurons of error
    level = 1 - math.exp(-100 / 40)
    res = find_equivalent_size(lambda n, seeds: [saturating(n, s) for s in seeds],
                               reference=level, reference_size=25, seeds=range(10),
                               resolution=0.02, n_bootstrap=1000, seed=1)
    assert res.status == "found"
    lo, hi = res.size_ci
    assert lo <= 100 <= hi
    assert 60 < res.size < 150  # within a few standard errors (se of the mean ~ 0.006)
    assert res.ratio_ci == pytest.approx((lo / 25, hi / 25))


def test_model_with_itself_gives_ratio_one_within_ci():
    # reference = the same noisy metric at N over other seeds
    n_ref = 30
    seeds = list(range(8))
    ref = [saturating(n_ref, 100 + s) for s in seeds]
    res = find_equivalent_size(lambda n, sd: [saturating(n, s) for s in sd], reference=ref,
                               reference_size=n_ref, seeds=seeds, n_bootstrap=1000)
    lo, hi = res.ratio_ci
    assert lo <= 1.0 <= hi
    assert abs(res.ratio - 1) < 0.5


def test_decreasing_metric_and_table_reuse():
    # distance 10/n reaches 0.5 at n = 20
    f = Counter(lambda n, s: 10.0 / n)
    table = {10: [1.0], 40: [0.25]}
    res = find_equivalent_size(f, reference=0.5, reference_size=5, seeds=[0], table=table,
                               direction="decreasing", resolution=0.01, n_bootstrap=0)
    assert 10 not in f.calls and 40 not in f.calls    # table points never recomputed
    assert res.size_matched == 20
    assert res.size == pytest.approx(20, abs=0.5)
    assert res.provenance["search"]["n_from_table"] == 2


def test_table_only_and_bounds():
    res = find_equivalent_size(None, reference=0.5, reference_size=2,
                               table={1: [0.6, 0.7], 2: [0.9, 0.8]}, seeds=[0, 1],
                               n_bootstrap=200)
    assert res.status == "at_minimum" and res.size == 1.0
    res = find_equivalent_size(lambda n, s: [0.1 for _ in s], reference=0.5,
                               reference_size=2, n_max=16, seeds=[0, 1], n_bootstrap=100)
    assert res.status == "not_reached" and math.isinf(res.ratio)
    assert res.sizes.max() == 16
    d = res.to_dict()
    json.dumps(d)  # infinities are written as strings
    assert d["ratio"] == "inf"


def test_result_json_and_figure(tmp_path):
    level = 1 - math.exp(-50 / 40)
    res = find_equivalent_size(lambda n, sd: [saturating(n, s) for s in sd], reference=level,
                               reference_size=10, seeds=[0, 1, 2], n_bootstrap=200,
                               metric="synthetic", provenance={"who": "test"})
    d = json.loads(json.dumps(res.to_dict()))
    assert d["metric"] == "synthetic" and d["provenance"]["who"] == "test"
    assert len(d["points"]) == len(res.points) >= 3
    assert all(len(p["values"]) == 3 for p in d["points"])
    assert "n/N" in str(res)
    fig = plot_equivalence(res)
    fig.savefig(tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000


@pytest.mark.parametrize("kwargs", [
    dict(reference_size=0), dict(direction="up"), dict(tolerance=-1), dict(resolution=2),
    dict(seeds=[]), dict(reference=[np.nan]), dict(bootstrap="bca"),
])
def test_bad_arguments_raise(kwargs):
    args = dict(reference=0.5, reference_size=4)
    args.update(kwargs)
    with pytest.raises(AnalysisInputError):
        find_equivalent_size(lambda n, s: [0.0 for _ in s], **args)


def test_wrong_number_of_values_raises():
    with pytest.raises(AnalysisInputError, match="2 seeds"):
        find_equivalent_size(lambda n, s: [0.0], reference=0.5, reference_size=4, seeds=[0, 1])
