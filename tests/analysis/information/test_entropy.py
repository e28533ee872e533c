"""Tests of the entropy estimators and NSB (hhlif.analysis.information, ``_entropy``)."""
import math

import numpy as np
import pytest
from scipy import integrate, special

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import entropy, entropy_from_counts, nsb_entropy


def _nsb_reference(counts, k):
    """Independent NSB: scipy.integrate.quad in beta itself (not log beta)."""
    c = np.asarray(counts, float)
    c = c[c > 0]
    n = c.sum()

    def log_w(b):
        kb = k * b
        return (special.gammaln(kb) - special.gammaln(n + kb) + special.gammaln(c + b).sum()
                - c.size * special.gammaln(b)
                + math.log(k * special.polygamma(1, kb + 1) - special.polygamma(1, b + 1)))

    def mean_h(b):
        a = n + k * b
        return special.digamma(a + 1) - (((c + b) * special.digamma(c + b + 1)).sum()
                                         + (k - c.size) * b * special.digamma(b + 1)) / a

    bs = np.logspace(-8, 6, 4001)
    lw = np.array([log_w(b) for b in bs])
    top, peak = lw.max(), bs[lw.argmax()]
    edges = [0, peak / 10, peak, peak * 10, np.inf]
    w = lambda b: math.exp(log_w(b) - top)  # noqa: E731
    den = sum(integrate.quad(w, a, b, limit=400)[0] for a, b in zip(edges[:-1], edges[1:]))
    num = sum(integrate.quad(lambda x: w(x) * mean_h(x), a, b, limit=400)[0]
              for a, b in zip(edges[:-1], edges[1:]))
    return num / den / math.log(2)


@pytest.mark.parametrize("counts,k", [([5, 3, 1, 1], 4), ([5, 3, 1, 1], 20),
                                      ([1000, 2000, 3000, 50], 4), ([1, 1, 1, 2], 10),
                                      ([7, 0, 2, 9, 1, 1, 3], 12)])
def test_nsb_matches_independent_quadrature(counts, k):
    # two quadratures of the same integral: agreement to 1e-7 bits (both are ~1e-10 exact)
    assert nsb_entropy(counts, k) == pytest.approx(_nsb_reference(counts, k), abs=1e-7)


def test_nsb_undersampled_uniform():
    # K = 1000 equiprobable symbols, N = 300 draws: plug-in is ~1.8 bits short; NSB's
    # documented strength is to land near log2 K. Its SD over data sets is ~0.08 bits.
    rng = np.random.default_rng(2)
    c = np.bincount(rng.integers(0, 1000, 300), minlength=1000)
    assert entropy_from_counts(c) < math.log2(1000) - 1.0
    assert nsb_entropy(c, 1000) == pytest.approx(math.log2(1000), abs=0.3)


def test_entropy_methods_known_values():
    assert entropy([0, 1, 2, 3] * 5) == pytest.approx(2.0)
    c = [30, 10]
    h = entropy_from_counts(c)
    assert h == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))
    assert entropy_from_counts(c, "mm") == pytest.approx(h + 1 / (2 * 40 * math.log(2)))
    assert entropy_from_counts(c, "pt") == pytest.approx(h + 1 / (2 * 40 * math.log(2)))
    assert nsb_entropy([4]) == 0.0


def test_nsb_bad_input():
    with pytest.raises(AnalysisInputError, match="n_possible=2"):
        nsb_entropy([1, 2, 3], 2)
    with pytest.raises(AnalysisInputError, match="all zero"):
        nsb_entropy([0, 0])
