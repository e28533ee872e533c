"""Tests of hhlif.analysis.information against known answers.

Every tolerance states its reason; Monte-Carlo errors are estimated from the
data (bootstrap) or from the analytic variance of the estimator.
"""
import json
import math

import numpy as np
import pytest
from scipy import integrate, signal, special

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import (
    MI_METHODS, DirectMethodResult, InformationResult, coherence_information, direct_method,
    entropy, entropy_from_counts, mutual_information, nsb_entropy, plot_extrapolation,
    population_information)

CORRECTED = [m for m in MI_METHODS if m != "plugin"]


# ---------------------------------------------------------------------------- channels
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


def test_population_information_adds_independent_bits():
    rng = np.random.default_rng(9)
    s = rng.integers(0, 4, 4000)
    flip = rng.random((4000, 2)) < 0.1
    r = np.stack([s % 2, s // 2], axis=1) ^ flip
    h = -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9))
    both = population_information(s, r, method="pt")
    one = population_information(s, r, method="pt", neurons=[1])
    # each neuron is a binary symmetric channel for one stimulus bit: 1 - h(0.1) each,
    # independent, so 2 (1 - h(0.1)) jointly; SD at N=4000 is ~0.015 bits -> 0.05.
    assert both.bits == pytest.approx(2 * (1 - h), abs=0.05)
    assert one.bits == pytest.approx(1 - h, abs=0.05)
    assert both.details["neurons"] == [0, 1]


def test_population_information_with_bins():
    s = np.repeat(np.arange(2), 50)
    r = np.zeros((100, 3, 4), int)
    r[s == 1, 2, 3] = 1
    assert population_information(s, r, method="plugin").bits == pytest.approx(1.0)


# ---------------------------------------------------------------------------- entropy / NSB
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


# ---------------------------------------------------------------------------- coherence
def test_coherence_bound_equals_gaussian_channel_capacity():
    # y = h * x + n with x, n white Gaussian and h a first-order low-pass:
    # coherence = SNR / (1 + SNR), so -log2(1 - coherence) = log2(1 + SNR(f)).
    rng = np.random.default_rng(0)
    fs, n, a, sigma_n = 1000.0, 400_000, 0.6, 0.5
    x = rng.normal(size=n)
    y = signal.lfilter([1 - a], [1, -a], x) + sigma_n * rng.normal(size=n)
    res = coherence_information(x, y, fs, nperseg=512)

    def snr(f):
        w = 2 * np.pi * f / fs
        return (1 - a) ** 2 / (1 - 2 * a * np.cos(w) + a ** 2) / sigma_n ** 2

    exact = integrate.quad(lambda f: np.log2(1 + snr(f)), 0, fs / 2)[0]
    # Welch coherence with ~1560 segments is biased up by ~(1 - gamma^2)/K and has
    # relative SD ~ 1/sqrt(K) per bin; over 256 bins the integral is good to ~1 %.
    assert res.information_rate == pytest.approx(exact, rel=0.02)
    band = coherence_information(x, y, fs, nperseg=512, band=(0, 100))
    exact_band = integrate.quad(lambda f: np.log2(1 + snr(f)), 0, 100)[0]
    assert band.information_rate == pytest.approx(exact_band, rel=0.02)
    json.dumps(res.to_dict())


def test_coherence_independent_signals_near_zero():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 200_000))
    res = coherence_information(x, y, 1000.0, nperseg=256)
    # expected Welch coherence of independent signals ~ 1/K_eff (K ~ 1560 segments):
    # -log2(1 - 1/K) * 500 Hz ~ 0.5 bits/s; 3 bits/s leaves room for the 50 % overlap.
    assert 0 <= res.information_rate < 3.0


# ---------------------------------------------------------------------------- direct method
def bernoulli_frozen_noise(rng, n_trials=200, n_bins=1500, p_max=0.3):
    p = rng.uniform(0, p_max, n_bins)              # frozen spike probability of each bin
    words = (rng.random((n_trials, n_bins)) < p).astype(np.int64)
    return p, words


def _h2(p):
    p = np.asarray(p, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(out)


def test_direct_method_independent_bins_known_rate():
    # Bins independent given the frozen p_t: per bin, total entropy h(mean p) and noise
    # entropy mean h(p_t), for every word length, so I/bin = h(p_bar) - mean h(p_t).
    rng = np.random.default_rng(4)
    p, words = bernoulli_frozen_noise(rng)
    dt = 0.002
    truth = (_h2(p.mean()) - _h2(p).mean()) / dt
    res = direct_method(words, dt, word_lengths=(1, 2, 3, 4), seed=0)
    assert isinstance(res, DirectMethodResult)
    # the data-extrapolated information per bin has a sampling SD of ~2 % here
    # (bootstrap, see the CI test); 8 % leaves room for the 1/L fit.
    assert res.information_rate == pytest.approx(truth, rel=0.08)
    assert res.total_entropy_rate == pytest.approx(_h2(p.mean()) / dt, rel=0.03)
    assert res.mean_rate == pytest.approx(words.mean() / dt)
    assert res.information_per_spike == pytest.approx(res.information_rate / res.mean_rate)
    assert len(res.table) == 4 * 3
    json.dumps(res.to_dict())


def test_direct_method_bootstrap_interval_covers_truth():
    rng = np.random.default_rng(12)
    p, words = bernoulli_frozen_noise(rng, n_trials=80, n_bins=600)
    truth = (_h2(p.mean()) - _h2(p).mean()) / 0.002
    res = direct_method(words, 0.002, word_lengths=(1, 2), n_bootstrap=20, seed=0)
    # 80 repeats carry ~26 bits/s on ~300 bits/s of entropy: the bootstrap SE is ~13 %
    # of the information; the interval must be finite, informative and cover the truth
    assert 0 < res.se < 0.25 * truth
    assert res.ci[0] < truth < res.ci[1]


def test_direct_method_extrapolation_removes_plugin_bias():
    # The plug-in noise entropy at L = 4 from 200 trials is biased low (up to 15 bins
    # / (2 x 200 ln 2) ~ 0.05 bits/word); the fraction extrapolation must move the
    # information towards the truth.
    rng = np.random.default_rng(8)
    p, words = bernoulli_frozen_noise(rng, n_trials=60, n_bins=1000)
    truth_per_word = 4 * (_h2(p.mean()) - _h2(p).mean())
    res = direct_method(words, 1.0, word_lengths=(4,))
    raw = [row["information"] for row in res.table if row["fraction"] == 1.0][0]
    extrapolated = res.by_word_length[0]["information"]
    assert abs(extrapolated - truth_per_word) < abs(raw - truth_per_word)
    assert raw > truth_per_word


def test_direct_method_deterministic_response_has_zero_noise():
    rng = np.random.default_rng(6)
    pattern = (rng.random(400) < 0.2).astype(int)
    words = np.tile(pattern, (30, 1))
    res = direct_method(words, 0.001, word_lengths=(1, 2, 4, 8))
    assert res.noise_entropy_rate == 0.0
    assert all(row["noise_entropy"] == 0.0 for row in res.table)
    assert res.information_rate == pytest.approx(res.total_entropy_rate)
    assert res.information_rate > 0


def test_plot_extrapolation(tmp_path):
    rng = np.random.default_rng(1)
    _, words = bernoulli_frozen_noise(rng, n_trials=40, n_bins=300)
    fig = plot_extrapolation(direct_method(words, 0.002, word_lengths=(1, 2, 3, 4)))
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel().startswith("1 / word length")
    out = tmp_path / "extrapolation.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000


# ---------------------------------------------------------------------------- bad input
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


def test_direct_method_no_spikes():
    with pytest.raises(AnalysisInputError, match="contains no spike"):
        direct_method(np.zeros((10, 50), int), 0.002)


def test_direct_method_bad_arguments():
    words = np.ones((10, 20), int)
    with pytest.raises(AnalysisInputError, match="word_lengths"):
        direct_method(words, 0.002, word_lengths=(1, 30))
    with pytest.raises(AnalysisInputError, match="expected at least 2 repeats"):
        direct_method(words[:1], 0.002)
    with pytest.raises(AnalysisInputError, match="data_fractions"):
        direct_method(words, 0.002, data_fractions=(1.0, 0.0))
    with pytest.raises(AnalysisInputError, match="bin_size"):
        direct_method(words, -1.0)


def test_coherence_bad_input():
    x = np.random.default_rng(0).normal(size=1000)
    with pytest.raises(AnalysisInputError, match="same length"):
        coherence_information(x, x[:-1], 100.0)
    with pytest.raises(AnalysisInputError, match="constant"):
        coherence_information(x, np.zeros_like(x), 100.0, nperseg=64)
    with pytest.raises(AnalysisInputError, match="band"):
        coherence_information(x, x + 1, 100.0, nperseg=64, band=(10, 80))


def test_nsb_bad_input():
    with pytest.raises(AnalysisInputError, match="n_possible=2"):
        nsb_entropy([1, 2, 3], 2)
    with pytest.raises(AnalysisInputError, match="all zero"):
        nsb_entropy([0, 0])
