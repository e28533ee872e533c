"""Tests of hhlif.analysis.spike_statistics against analytic values and Elephant itself."""
import json
import warnings

import elephant.statistics as es
from elephant.spike_train_synchrony import spike_contrast
import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.spike_data import load_spikes
from hhlif.analysis.spike_statistics import (
    correlation_matrix, cross_correlogram, fano_factors, firing_rates, instantaneous_rate,
    isi_statistics, population_rate, psth, spike_train_distances, summarize, synchrony)


def _within(values, expected, n_se=5.0, bias=0.0):
    """|mean - expected| <= n_se standard errors (from the spread of values) + a bias bound.

    Returns the standard error so callers can also check it is small (the test could fail).
    """
    values = np.asarray(values, float)
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - expected) <= n_se * se + bias, (values.mean(), expected, se)
    return se


def test_poisson_cv_lv_cv2_are_one(build):
    # 40 trains x ~1000 intervals: the per-train CV varies by ~1/sqrt(1000) = 0.03, so the
    # mean's standard error is ~0.005; we allow 5 SE plus 0.005 for the O(1/N) estimator bias.
    trains = build.poisson_trains(40, 10 * pq.Hz, 100 * pq.s, seed=1)
    stats = isi_statistics(trains)
    for values in (stats.cv, stats.cv2, stats.lv):
        assert _within(values, 1.0, bias=0.005) < 0.02


@pytest.mark.parametrize("k", [2, 4, 9])
def test_gamma_cv_is_one_over_sqrt_k_and_lv_is_3_over_2k_plus_1(build, k):
    # analytic: CV = 1/sqrt(k), LV = 3/(2k + 1) for a gamma renewal process (Shinomoto 2003);
    # tolerance 5 standard errors estimated from 30 trains of ~500 intervals, + 0.005 bias.
    trains = build.gamma_trains(30, 10 * pq.Hz, k, 50 * pq.s, seed=k)
    stats = isi_statistics(trains)
    assert _within(stats.cv, 1 / np.sqrt(k), bias=0.005) < 0.02
    assert _within(stats.lv, 3 / (2 * k + 1), bias=0.005) < 0.02


def test_poisson_fano_factor_across_trials_is_one(build):
    # 30 neurons x 60 trials of Poisson counts (mean 20): the per-neuron Fano factor has
    # sd ~ sqrt(2/59) = 0.18, so the mean over 30 neurons has SE ~ 0.03; 5 SE + 1/60 bias
    # (the population variance is biased by a factor (n - 1)/n).
    segs = [build.poisson_trains(30, 20 * pq.Hz, 1 * pq.s, seed=100 + t) for t in range(60)]
    data = load_spikes(build.hhlif_block(segs, packed=True))
    fano = fano_factors(data)
    assert len(fano.keys) == 30 and set(fano.n_trials.tolist()) == {60}
    assert _within(fano.fano, 1.0, bias=1 / 60) < 0.05


def _mixed_trains(build):
    """Trains with 0, 1, 2 and many spikes, two trials, to compare with Elephant."""
    segs = []
    for trial in range(2):
        trains = build.poisson_trains(12, 15 * pq.Hz, 2 * pq.s, seed=50 + trial)
        trains[0] = neo.SpikeTrain([] * pq.s, t_stop=2 * pq.s)
        trains[1] = neo.SpikeTrain([0.5] * pq.s, t_stop=2 * pq.s)
        trains[2] = neo.SpikeTrain([0.5, 0.9] * pq.s, t_stop=2 * pq.s)
        segs.append(trains)
    return segs


def test_vectorised_paths_equal_elephant(build):
    # Same formulas, different summation order: equal to 1e-12 relative.
    segs = _mixed_trains(build)
    data = load_spikes(build.hhlif_block(segs, packed=True))
    trains = data.spiketrains()
    rates = firing_rates(data)
    stats = isi_statistics(data)
    for k, st in enumerate(trains):
        assert rates[k].magnitude == pytest.approx(
            float(es.mean_firing_rate(st).rescale(pq.Hz)), rel=1e-12)
        isi = es.isi(st).magnitude
        if isi.size >= 2:
            assert stats.cv[k] == pytest.approx(es.cv(isi), rel=1e-12)
            assert stats.cv2[k] == pytest.approx(es.cv2(isi), rel=1e-12)
            assert stats.lv[k] == pytest.approx(es.lv(isi), rel=1e-12)
        else:
            assert np.isnan(stats.cv[k]) and np.isnan(stats.cv2[k]) and np.isnan(stats.lv[k])
    fano = fano_factors(data)
    for j, (cond, pop, local) in enumerate(fano.keys):
        across = [st for st in trains if st.annotations["local_index"] == local]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = es.fanofactor(across)
        if np.isnan(expected):
            assert np.isnan(fano.fano[j])
        else:
            assert fano.fano[j] == pytest.approx(expected, rel=1e-12)
    for output in ("counts", "rate", "mean"):
        ours = psth(data, 10 * pq.ms, output=output)
        theirs = es.time_histogram(trains, 10 * pq.ms, output=output)
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours.magnitude, theirs.rescale(ours.units).magnitude,
                                   rtol=1e-12)


def test_population_rate_selects_population_and_matches_elephant(build):
    trains = build.poisson_trains(5, 40 * pq.Hz, 1 * pq.s, seed=9)
    rate = population_rate(trains, 20 * pq.ms)
    np.testing.assert_allclose(rate.magnitude, es.time_histogram(
        trains, 20 * pq.ms, output="rate").rescale(pq.Hz).magnitude, rtol=1e-12)
    with pytest.raises(AnalysisInputError, match="population='inh'"):
        population_rate(trains, 20 * pq.ms, population="inh")


def test_instantaneous_rate_mean_is_the_firing_rate(build):
    # A kernel estimate integrates to the spike count (up to the border loss of the kernel,
    # a few kernel widths out of 10 s, here < 3 %).
    trains = build.poisson_trains(4, 20 * pq.Hz, 10 * pq.s, seed=4)
    rate = instantaneous_rate(trains, 1 * pq.ms)
    mean_rate = float(firing_rates(trains).magnitude.mean())
    assert float(rate.magnitude.mean()) == pytest.approx(mean_rate, rel=0.03)
    with pytest.raises(AnalysisInputError, match="at least 2 spikes"):
        instantaneous_rate([neo.SpikeTrain([0.1] * pq.s, t_stop=1 * pq.s)], 1 * pq.ms)


def test_correlation_detects_shared_spikes(build):
    # Trains 0 and 1 share all spikes of a common train: correlation near 1 (shared part
    # dominates); independent ones near 0 (SE of r ~ 1/sqrt(200 bins) = 0.07, bound 0.3).
    common = build.poisson_trains(1, 20 * pq.Hz, 1 * pq.s, seed=7)[0]
    others = build.poisson_trains(3, 20 * pq.Hz, 1 * pq.s, seed=8)
    trains = [common, common.copy()] + others
    corr = correlation_matrix(trains, 5 * pq.ms)
    assert corr.matrix[0, 1] == pytest.approx(1.0)
    off = corr.matrix[2:, 2:][~np.eye(3, dtype=bool)]
    assert np.all(np.abs(off) < 0.3)
    assert json.dumps(corr.to_dict(), allow_nan=False)
    hist, lags = cross_correlogram(trains, 0, 1, 1 * pq.ms, 10 * pq.ms)
    assert hist.magnitude[lags == 0].item() == len(common)  # every spike coincides at lag 0


def test_distances_and_synchrony(build):
    trains = build.poisson_trains(3, 20 * pq.Hz, 1 * pq.s, seed=11)
    same = [trains[0], trains[0].copy(), trains[1]]
    vr, ids = spike_train_distances(same, "van_rossum")
    vp, _ = spike_train_distances(same, "victor_purpura")
    assert vr[0, 1] == pytest.approx(0.0, abs=1e-9) and vr[0, 2] > 0
    assert vp[0, 1] == 0.0 and vp[0, 2] > 0
    # oracle: Elephant's own spike_contrast; identical trains are more synchronous than
    # independent ones (spike-contrast of identical trains is < 1 because of its binning)
    independent = synchrony(trains)
    assert independent == pytest.approx(spike_contrast(trains), rel=1e-12)
    assert synchrony([trains[0], trains[0].copy()]) > independent + 0.2
    with pytest.raises(AnalysisInputError, match="metric='euclid'"):
        spike_train_distances(same, "euclid")
    with pytest.raises(AnalysisInputError, match="at least 2"):
        synchrony(trains[:1])


def test_summary_of_poisson_recording_is_json_without_nan(build):
    data = load_spikes(build.hhlif_block(
        [build.poisson_trains(20, 20 * pq.Hz, 2 * pq.s, seed=s) for s in range(5)], packed=True))
    s = summarize(data)
    assert s.n_neurons == 20 and s.n_trains == 100 and s.n_trials == 5
    assert s.n_spikes == data.n_spikes
    assert s.rate_mean.magnitude == pytest.approx(data.n_spikes / 100 / 2.0)
    assert s.cv_mean == pytest.approx(1.0, abs=0.1)  # 100 neurons x ~40 ISIs: SE ~ 0.02
    assert s.undefined == {}
    d = json.loads(json.dumps(s.to_dict(), allow_nan=False))
    assert d["units"]["rate_mean"] == "Hz" and d["annotations"]["protocol"] == "test-protocol"


@pytest.mark.parametrize("trains, fields", [
    ([neo.SpikeTrain([] * pq.s, t_stop=1 * pq.s)],
     {"cv_mean", "cv2_mean", "lv_mean", "fano_mean", "correlation_mean", "synchrony"}),
    ([neo.SpikeTrain([0.3] * pq.s, t_stop=1 * pq.s)],
     {"cv_mean", "cv2_mean", "lv_mean", "fano_mean", "correlation_mean", "synchrony"}),
])
def test_summary_of_degenerate_input_says_undefined(trains, fields):
    s = summarize(trains)
    d = s.to_dict()
    for name in fields:
        assert d[name] is None and d["undefined"][name].startswith("undefined:")
    assert "fewer than 2 trials" in d["undefined"]["fano_mean"]
    table = "\n".join(f"{k} {v}" for k, v in s.rows())
    assert "nan" not in table.lower()


def test_bad_bin_size_is_named():
    st = [neo.SpikeTrain([0.1, 0.2] * pq.s, t_stop=1 * pq.s)]
    with pytest.raises(AnalysisInputError, match="bin_size=5"):
        psth(st, 5)
    with pytest.raises(AnalysisInputError, match="bin_size"):
        psth(st, 2 * pq.s)
