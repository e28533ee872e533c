"""The pooled search's analysis chain on synthetic pools with known answers.

Pools of Poisson-like neurons (counts of a rate ``r0 + g * s_c`` for class ``c``, ``r0``
large so the variance barely depends on the class) go through the same functions the
driver uses: :func:`pool_metric_curves` -> :class:`SizeCurves` -> :func:`equivalent_size`.
Linear Fisher information of independent neurons adds up and scales with the gain
squared, so a reference of gain 2g matches 4 candidates of gain g per neuron: the search
must find n/N = 4 within its CI (issue 17's analytic oracle).
"""
import numpy as np
import pytest

from hhlif.analysis.pool_metrics import pool_metric_curves
from hhlif.analysis.size_curves import SizeCurves, equivalent_size

CLASSES = np.array([0.0, 1.0, 2.0, 3.0])


def _pool(gain, n_neurons, trials, seed, r0=40.0, bins=2):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(CLASSES.size), trials)
    rate = r0 + gain * CLASSES[labels]                       # per bin
    counts = rng.poisson(rate[:, None, None], size=(labels.size, n_neurons, bins))
    return counts, labels


def _curves(gain, pool, sizes, seeds, trials, name, metric="fisher", offset=0, r0=40.0):
    values = []
    for k in range(seeds):
        counts, labels = _pool(gain, pool, trials, seed=offset + 100 * k, r0=r0)
        c = pool_metric_curves(counts, labels, sizes, [metric], n_trial_bootstrap=5, seed=k)
        values.append(c.values[metric])
    return SizeCurves(sizes=sizes, values=np.asarray(values), model=name, metric=metric)


def test_gain_two_is_worth_four_neurons_on_fisher_information():
    n_ref = 6
    ref = _curves(2.0, n_ref, [1, 2, 3, 4, 6], seeds=8, trials=100, name="gain 2")
    cand = _curves(1.0, 40, [1, 2, 4, 8, 12, 16, 24, 32, 40], seeds=8, trials=100,
                   name="gain 1", offset=7)
    r = equivalent_size(ref, cand, n_ref, n_bootstrap=500, seed=0)
    assert r.status == "found", str(r)
    lo, hi = r.ratio_ci
    assert lo < 4.0 < hi, str(r)
    assert 3.0 < r.ratio < 5.3 and hi / lo < 2.5, str(r)


def test_same_neurons_give_a_ratio_near_one_that_the_ci_covers():
    """Independent draws of the same neurons (no common random numbers): a CI around 1."""
    ref = _curves(1.5, 10, [1, 2, 4, 6, 10], seeds=8, trials=100, name="a")
    cand = _curves(1.5, 40, [1, 2, 4, 8, 16, 24, 40], seeds=8, trials=100, name="b",
                   offset=3)
    r = equivalent_size(ref, cand, 10, n_bootstrap=500, seed=1)
    lo, hi = r.ratio_ci
    assert lo < 1.0 < hi and hi < 2.0, str(r)


@pytest.mark.parametrize("metric", ["mi", "readout"])
def test_more_gain_needs_more_neurons_on_information_and_readout(metric):
    """The weaker candidate needs more than one neuron per reference neuron (ratio > 1)
    on the saturating metrics too; the identical pool gives exactly 1."""
    sizes_ref = [1, 2, 3, 4]
    ref = _curves(3.0, 4, sizes_ref, seeds=6, trials=60, name="strong", metric=metric, r0=8)
    cand = _curves(1.0, 32, [1, 2, 4, 8, 16, 32], seeds=6, trials=60, name="weak",
                   metric=metric, r0=8)
    r = equivalent_size(ref, cand, 4, n_bootstrap=300, seed=0)
    assert r.ratio > 1.5 or r.status == "not_reached", str(r)
    same = equivalent_size(ref, ref, 4, n_bootstrap=100, seed=0)
    assert same.ratio == pytest.approx(1.0) and same.ratio_ci == pytest.approx((1.0, 1.0))
