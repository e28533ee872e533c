"""Tests of the direct method (hhlif.analysis.information, ``_direct_method``)."""
import json

import numpy as np
import pytest

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import DirectMethodResult, direct_method, plot_extrapolation


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
