"""Task metrics on binned population counts (hhlif.analysis.task_metrics).

Oracles: counts placed by hand, statistics computed by hand (means, standard errors,
correlations of a constructed design), MI and readout of deterministic, separable
responses (log2 of the classes, perfect accuracy), and sampling statistics of Poisson
counts (an unbiased distance averages to zero).
"""
import math
import subprocess
import sys

import numpy as np
import pytest

from hhlif.analysis import task_metrics as tm
from hhlif.analysis.errors import AnalysisInputError


def _known_spikes():
    """2 classes x 5 repeats x 2 neurons in 40 ms; class 0 spikes once per neuron (5 ms),
    class 1 three times (5, 15, 25 ms)."""
    idx, times = [], []
    for copy in range(10):
        k = 1 if copy < 5 else 3
        for j in range(2):
            for s in range(k):
                idx.append(copy * 2 + j)
                times.append(5.0 + 10.0 * s)
    order = np.argsort(times, kind="stable")
    return np.asarray(times, dtype=float)[order], np.asarray(idx)[order]


def test_population_counts_places_every_spike_in_its_trial_neuron_and_bin():
    times, idx = _known_spikes()
    counts, labels = tm.population_counts(times, idx, n=2, n_classes=2, repeats=5,
                                          bin_ms=10.0, t_start=0.0, t_stop=40.0)
    assert counts.shape == (10, 2, 4)
    assert counts[0].tolist() == [[1, 0, 0, 0]] * 2 and counts[9].tolist() == [[1, 1, 1, 0]] * 2
    assert labels.tolist() == [0] * 5 + [1] * 5
    assert counts.sum() == times.size


def test_population_counts_window_offset_and_last_edge():
    # window 100..120 ms in two bins; a spike at t_stop falls in the last bin
    counts, labels = tm.population_counts([100.0, 109.9, 110.0, 120.0], [0, 0, 1, 1], n=1,
                                          n_classes=2, repeats=1, bin_ms=10.0,
                                          t_start=100.0, t_stop=120.0)
    assert counts.tolist() == [[[2, 0]], [[0, 2]]] and labels.tolist() == [0, 1]
    # a bin wider than the window: one bin
    counts, _ = tm.population_counts([1.0], [0], n=1, n_classes=2, repeats=1, bin_ms=50.0,
                                     t_start=0.0, t_stop=20.0)
    assert counts.shape == (2, 1, 1)


@pytest.mark.parametrize("kwargs, words", [
    (dict(spike_times=[1.0, 2.0], spike_indices=[0]), ["spike_indices of shape (1,)"]),
    (dict(spike_indices=[-1]), ["spike_indices", "-1", ">= 0"]),
    (dict(t_start=5.0, t_stop=5.0), ["t_start=5.0", "t_stop > t_start"]),
])
def test_population_counts_refuses_bad_input(kwargs, words):
    args = dict(spike_times=[1.0], spike_indices=[0], n=1, n_classes=2, repeats=1,
                bin_ms=10.0, t_start=0.0, t_stop=20.0)
    args.update(kwargs)
    with pytest.raises(AnalysisInputError) as info:
        tm.population_counts(**args)
    for word in words:
        assert word in str(info.value)


def test_response_metrics_of_deterministic_separable_responses():
    times, idx = _known_spikes()
    counts, labels = tm.population_counts(times, idx, n=2, n_classes=2, repeats=5,
                                          bin_ms=10.0, t_start=0.0, t_stop=40.0)
    trains = [times[idx == i] for i in range(20)]
    m = tm.response_metrics(counts, labels, 40.0, seed=0, mi_levels=2, spike_times=trains)
    # deterministic responses that separate the classes: 1 bit, perfect readout, CV 0
    assert m["mi"] == pytest.approx(1.0, abs=0.1) and m["readout"] == 1.0
    assert m["reliability"] == 0.0
    # statistics per class: 1 and 3 spikes in 40 ms; ISIs all 10 ms (CV 0) where defined;
    # counts do not vary across repeats, so no noise correlation is defined
    assert m["stats"]["rate_hz"] == pytest.approx([25.0, 75.0])
    assert m["stats"]["isi_cv"] == [None, 0.0]
    assert m["stats"]["noise_correlation"] == [None, None]
    d = m["details"]
    assert d["mean_pooled_count_per_class"] == [2.0, 6.0]
    assert d["pooled_cv_per_class"] == [0.0, 0.0] and d["rate_hz"] == pytest.approx(50.0)


def test_response_metrics_reliability_of_a_silent_class_is_large_not_inf():
    counts = np.zeros((10, 1, 2), dtype=int)
    counts[5:, 0, 0] = [1, 2, 1, 2, 1]
    labels = np.repeat([0, 1], 5)
    m = tm.response_metrics(counts, labels, 20.0, seed=0, mi_levels=2)
    assert m["reliability"] == 1e6 and math.isinf(m["details"]["pooled_cv_per_class"][0])


def test_spike_statistics_by_hand():
    # one class, 4 repeats, 2 neurons, one bin of 500 ms; neuron 1 = 2 x neuron 0
    per = np.array([[1, 2], [2, 4], [3, 6], [6, 12]])
    counts = per[:, :, None]
    labels = np.zeros(4, dtype=int)
    s = tm.spike_statistics(counts, labels, 500.0)
    trial_rates = per.mean(axis=1) / 0.5                  # Hz per trial: 3, 6, 9, 18
    assert s["rate_hz"] == [pytest.approx(9.0)]
    assert s["rate_hz_se"] == [pytest.approx(np.std(trial_rates, ddof=1) / 2)]
    # perfectly correlated across repeats: r = 1, its error (1 - r²)² = 0
    assert s["noise_correlation"] == [pytest.approx(1.0)]
    assert s["noise_correlation_se"] == [pytest.approx(0.0, abs=1e-12)]
    assert s["isi_cv"] == [None] and s["isi_cv_se"] == [None]


def test_spike_statistics_isi_cv_by_hand_and_train_count_check():
    counts = np.zeros((2, 1, 1), dtype=int)
    labels = np.array([0, 0])
    trains = [np.array([0.0, 10.0, 30.0]), np.array([0.0, 10.0, 20.0, 30.0])]
    s = tm.spike_statistics(counts, labels, 40.0, spike_times=trains)
    cv0 = np.std([10.0, 20.0]) / 15.0                       # 1/3
    assert s["isi_cv"] == [pytest.approx((cv0 + 0.0) / 2)]
    assert s["isi_cv_se"] == [pytest.approx(np.std([cv0, 0.0], ddof=1) / math.sqrt(2))]
    with pytest.raises(AnalysisInputError, match="3 trains for 2 trials x 1 neurons"):
        tm.spike_statistics(counts, labels, 40.0, spike_times=trains + [np.array([1.0])])


def test_stats_distance_by_hand_and_its_reference_level():
    a = {"rate_hz": [9.0, 19.0], "isi_cv": [0.5, 0.4], "noise_correlation": [0.1, None]}
    b = {"rate_hz": [4.0, 39.0], "isi_cv": [0.5, 0.7], "noise_correlation": [0.3, 0.2]}
    # defined pairs: ln(10/5), ln(20/40), 0, -0.3, -0.2 (the None pair is skipped)
    expected = np.sqrt(np.mean(np.square([np.log(2), np.log(0.5), 0.0, -0.3, -0.2])))
    assert tm.stats_distance(a, b) == pytest.approx(expected, rel=1e-12)
    assert tm.stats_distance(a, a) == 0.0
    # several reference seeds: rates averaged as ln(rate + 1)
    assert tm.stats_distance(a, [a, a]) == 0.0
    c = dict(a, rate_hz=[99.0, 19.0])
    mid = tm.stats_distance(a, [a, c])   # mean ln(rate + 1) of class 0: ln(sqrt(10 * 100))
    assert mid == pytest.approx(np.sqrt(np.log(np.sqrt(10)) ** 2 / 5), rel=1e-12)
    # the reference level: each seed against the mean of the others
    assert tm.reference_stats_distances([a, a, a]) == [0.0, 0.0, 0.0]
    levels = tm.reference_stats_distances([a, c, a])
    assert levels[1] == pytest.approx(tm.stats_distance(c, a)) and levels[1] > levels[0] > 0
    with pytest.raises(AnalysisInputError, match="classes"):
        tm.stats_distance(a, {k: v[:1] for k, v in b.items()})
    with pytest.raises(AnalysisInputError, match="at least 2"):
        tm.reference_stats_distances([a])
    silent = {"rate_hz": [None], "isi_cv": [None], "noise_correlation": [None]}
    with pytest.raises(AnalysisInputError, match="no statistic"):
        tm.stats_distance(silent, silent)


def test_stats_distance_subtracts_sampling_variances_and_keeps_the_sign():
    a = {"rate_hz": [9.0], "isi_cv": [0.5], "noise_correlation": [0.1]}
    b = {"rate_hz": [9.0], "isi_cv": [0.8], "noise_correlation": [0.1]}
    assert tm.stats_distance(b, a) == pytest.approx(math.sqrt(0.3**2 / 3))
    # a difference of one standard error is what noise alone gives on average (the signed
    # root of a rounding error of 1e-17 is 3e-9)
    assert tm.stats_distance(dict(b, isi_cv_se=[0.3]), a) == pytest.approx(0.0, abs=1e-7)
    # smaller than the noise: negative (signed root of 0.09 - 0.16, over 3 components)
    assert tm.stats_distance(dict(b, isi_cv_se=[0.4]), a) == \
        pytest.approx(-math.sqrt((0.16 - 0.09) / 3))
    assert tm.stats_distance(dict(b, isi_cv_se=[0.4]), a, corrected=False) == \
        pytest.approx(math.sqrt(0.3**2 / 3))
    # rate errors are scaled to the log scale: se / (1 + rate)
    r = dict(a, rate_hz=[19.0], rate_hz_se=[20.0 * math.log(2)])
    assert tm.stats_distance(r, a) == pytest.approx(0.0, abs=1e-7)


def test_corrected_stats_distance_does_not_shrink_with_n_through_noise_alone():
    """Independent Poisson neurons, all with the same statistics: the raw distance of a
    2-neuron network from a 20-neuron reference is inflated by estimation noise (one pair
    for the correlation, few neurons for the rate); subtracting the sampling variances
    leaves a distance that is about 0 at every size."""
    rng = np.random.default_rng(11)
    classes, repeats, duration = 2, 30, 100.0
    labels = np.repeat(np.arange(classes), repeats)
    lam = np.where(labels == 0, 3.0, 6.0)[:, None, None]

    def stats(n):
        counts = rng.poisson(lam, size=(classes * repeats, n, 1))
        return tm.spike_statistics(counts, labels, duration)

    raw = {2: [], 20: []}
    corrected = {2: [], 20: []}
    for _ in range(150):
        reference = [stats(20) for _ in range(3)]
        for n in (2, 20):
            cand = stats(n)
            raw[n].append(tm.stats_distance(cand, reference, corrected=False))
            corrected[n].append(tm.stats_distance(cand, reference) ** 2
                                * np.sign(tm.stats_distance(cand, reference)))
    # the raw distance depends on n through noise alone
    assert np.mean(raw[2]) > 2 * np.mean(raw[20])
    # the corrected squared distance is unbiased: its mean is 0 within 3 standard errors
    for n in (2, 20):
        d2 = np.asarray(corrected[n])
        assert abs(d2.mean()) < 3 * d2.std(ddof=1) / np.sqrt(d2.size), (n, d2.mean())


def test_metric_tables_agree():
    assert set(tm.METRICS) == set(tm.METRIC_LABELS) == {"mi", "readout", "stats", "reliability"}
    assert {tm.METRICS[m] for m in ("mi", "readout")} == {"increasing"}
    assert {tm.METRICS[m] for m in ("stats", "reliability")} == {"decreasing"}
    assert tm.METRIC_N_MIN == {"stats": 2}
    assert tm.STATS_COMPONENTS == ("rate_hz", "isi_cv", "noise_correlation")


def test_task_metrics_never_import_brian2():
    code = ("import sys, hhlif.analysis.task_metrics; "
            "sys.exit(1 if 'brian2' in sys.modules or any(m.startswith('hhlif.protocols') "
            "or m.startswith('hhlif.models') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
