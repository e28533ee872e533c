"""Tests of the mutual-information estimators (hhlif.analysis.information, ``_discrete``)
against known answers.

Every tolerance states its reason; Monte-Carlo errors are estimated from the
data (bootstrap) or from the analytic variance of the estimator.
"""
import json
import math

import numpy as np
import pytest

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import MI_METHODS, InformationResult, entropy, mutual_information


CORRECTED = [m for m in MI_METHODS if m != "plugin"]


def noisy_channel(n_trials, rng, n_symbols=10, corruption=0.5):
    """Stimulus uniform on n symbols; response = stimulus, or with prob. ``corruption``
    a symbol drawn uniformly from all n (so it can equal the stimulus)."""
    s = rng.integers(0, n_symbols, n_trials)
    r = np.where(rng.random(n_trials) < corruption, rng.integers(0, n_symbols, n_trials), s)
    return s, r


def noisy_channel_truth(n_symbols=10, corruption=0.5):
    p_same = 1 - corruption + corruption / n_symbols
    p_other = corruption / n_symbols
    h_noise = -p_same * math.log2(p_same) - (n_symbols - 1) * p_other * math.log2(p_other)
    return math.log2(n_symbols) - h_noise


def test_ten_symbol_channel_truth_is_the_issue_value():
    # The issue quotes 0.902687 bits; this fixes the channel definition used below.
    assert noisy_channel_truth() == pytest.approx(0.902687, abs=5e-7)


@pytest.fixture(scope="module")
def channel_10k():
    return noisy_channel(10_000, np.random.default_rng(20240601))


@pytest.mark.parametrize("method", MI_METHODS)
def test_ten_symbol_channel_at_10000_trials(channel_10k, method):
    s, r = channel_10k
    truth = noisy_channel_truth()
    res = mutual_information(s, r, method=method, n_bootstrap=40, seed=1)
    assert isinstance(res, InformationResult)
    assert res.n_trials == 10_000 and res.n_stimuli == 10 and res.n_response_symbols == 10
    assert res.bias == pytest.approx(res.plugin_bits - res.bits, abs=1e-12)
    # Sampling SD of I at N = 10^4 is ~0.014 bits (bootstrap); 4 SDs leaves a ~1e-4
    # chance of a false failure for an unbiased estimator.
    assert 0.008 < res.se < 0.03
    assert abs(res.bits - truth) < 4 * res.se
    assert res.ci[0] < res.bits < res.ci[1]
    json.dumps(res.to_dict())
    if method != "plugin":
        # every correction here subtracts a positive bias from the plug-in estimate;
        # the first-order bias (S-1)(R-1)/(2 N ln 2) = 0.0058 bits for this channel.
        assert 0.002 < res.bias < 0.02


def test_plugin_biased_upward_and_corrections_remove_it():
    # At N = 300 the first-order plug-in bias (S(R-1) - (R-1))/(2 N ln 2) = 81/(600 ln 2)
    # = 0.195 bits dwarfs nothing; averaged over 25 data sets the SE of the mean is
    # ~0.12/5 = 0.025 bits, so the plug-in mean sits > 4 SE above the truth and each
    # corrected mean is within 0.08 bits (3 SE) of it.
    rng = np.random.default_rng(7)
    truth = noisy_channel_truth()
    est = {m: [] for m in MI_METHODS}
    for rep in range(25):
        s, r = noisy_channel(300, rng)
        for m in MI_METHODS:
            est[m].append(mutual_information(s, r, method=m, seed=rep).bits)
    mean = {m: float(np.mean(v)) for m, v in est.items()}
    bias_first_order = 81 / (2 * 300 * math.log(2))
    assert mean["plugin"] - truth > 0.1
    assert mean["plugin"] - truth == pytest.approx(bias_first_order, abs=0.08)
    for m in CORRECTED:
        assert abs(mean[m] - truth) < 0.08, (m, mean[m])


def test_independent_plugin_bias_matches_first_order_formula():
    # I_plugin ~ chi2((S-1)(R-1)) / (2 N ln 2) under independence: mean (S-1)(R-1)/(2N ln2),
    # SD sqrt(2 (S-1)(R-1))/(2 N ln 2). S=4, R=5, N=2000: mean 0.00433, SD 0.00177;
    # the mean of 40 data sets has SE 0.00028, so 4 SE = 0.0011. The response is not
    # uniform (see the NSB test below for why that matters to NSB only).
    rng = np.random.default_rng(11)
    n, S, R = 2000, 4, 5
    expected = (S - 1) * (R - 1) / (2 * n * math.log(2))
    plugin, corrected = [], {m: [] for m in CORRECTED}
    for rep in range(40):
        s = rng.integers(0, S, n)
        r = rng.choice(R, n, p=[0.5, 0.2, 0.15, 0.1, 0.05])
        for m in CORRECTED:
            res = mutual_information(s, r, method=m, seed=rep)
            corrected[m].append(res.bits)
        plugin.append(res.plugin_bits)
    assert np.mean(plugin) == pytest.approx(expected, abs=0.0011)
    for m, vals in corrected.items():
        # pt, qe, shuffle remove the first-order bias: mean within 4 SE of 0 (their spread
        # is that of the plug-in). NSB is a posterior mean, not a bias subtraction; its
        # O(1/N) residual here is ~0.3 of the plug-in bias, so it gets half of it.
        tol = 0.5 * expected if m == "nsb" else 0.0011
        assert abs(np.mean(vals)) < tol, (m, np.mean(vals))
        assert np.max(np.abs(vals)) < 0.01, m


def test_nsb_independent_uniform_response_is_at_the_prior_edge():
    # With a *uniform* response H(R|s) = log2 K sits on the edge of the NSB prior, so the
    # posterior mean lies below it by ~(K-1)/(2 N_s ln 2) and NSB's MI of independent
    # data stays near the plug-in bias instead of 0 (documented in nsb_entropy); pt does not.
    rng = np.random.default_rng(11)
    nsb, pt = [], []
    for rep in range(20):
        s = rng.integers(0, 4, 2000)
        r = rng.integers(0, 5, 2000)
        nsb.append(mutual_information(s, r, method="nsb").bits)
        pt.append(mutual_information(s, r, method="pt").bits)
    expected = 12 / (2 * 2000 * math.log(2))          # 0.0043 bits; SE of means 0.0004
    assert 0.5 * expected < np.mean(nsb) < 2 * expected
    assert abs(np.mean(pt)) < 0.0016


def test_pt_bias_equals_first_order_formula_when_all_bins_seen():
    rng = np.random.default_rng(3)
    s = np.repeat(np.arange(3), 400)
    r = rng.integers(0, 4, s.size)
    res = mutual_information(s, r, method="pt")
    # every response is seen under every stimulus: Bayesian counts = observed = 4
    assert res.bias == pytest.approx((3 * 3 - 3) / (2 * s.size * math.log(2)), rel=1e-12)


def test_two_d_words_are_symbols():
    rng = np.random.default_rng(5)
    s = rng.integers(0, 2, 500)
    words = np.stack([s, rng.integers(0, 2, 500)], axis=1)      # first bin = stimulus
    res = mutual_information(s, words, method="plugin")
    assert res.n_response_symbols == 4
    assert res.plugin_bits == pytest.approx(entropy(s), abs=1e-12)   # I = H(S) here


@pytest.mark.parametrize("method", MI_METHODS)
def test_mismatched_lengths(method):
    with pytest.raises(AnalysisInputError, match="response has 3 trials but stimulus has 4"):
        mutual_information([0, 1, 0, 1], [1, 2, 3], method=method)


def test_single_stimulus():
    with pytest.raises(AnalysisInputError, match="stimulus has a single value"):
        mutual_information([2, 2, 2], [0, 1, 0])


def test_unknown_method_lists_valid_ones():
    with pytest.raises(AnalysisInputError, match=r"method='mle'.*'plugin', 'pt'"):
        mutual_information([0, 1], [0, 1], method="mle")


def test_non_integer_response():
    with pytest.raises(AnalysisInputError, match="response has dtype float64"):
        mutual_information([0, 1], [0.5, 1.0])


def test_bad_bootstrap_and_confidence():
    with pytest.raises(AnalysisInputError, match="n_bootstrap=1"):
        mutual_information([0, 1], [0, 1], n_bootstrap=1)
    with pytest.raises(AnalysisInputError, match="confidence=1.5"):
        mutual_information([0, 1], [0, 1], confidence=1.5)
