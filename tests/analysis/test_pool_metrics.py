"""Metrics of the first n neurons of one pool against pools of known information."""
import json

import numpy as np
import pytest

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.fisher import class_fisher_information
from hhlif.analysis.pool_metrics import (CV_METRICS, POOL_BASELINES, POOL_METRICS,
                                         pool_baseline, pool_metric_curves)
from hhlif.analysis.task_metrics import response_metrics

LABELS = np.repeat(np.arange(4), 100)       # 4 classes x 100 trials, as the driver
BINOMIAL_SD = np.sqrt(0.25 * 0.75 / 400)    # of a chance accuracy over 400 trials


def pool(rate, seed):
    return np.random.default_rng(seed).poisson(rate)


def one_informative_neuron(n_neurons=16, seed=0):
    """Neuron 0 fires 10 + 30 spikes in the bin of its class, 10 elsewhere; the others 3
    everywhere, whatever the class: the information is all in neuron 0."""
    rate = np.full((LABELS.size, n_neurons, 4), 3.0)
    rate[:, 0, :] = 10.0 + 30.0 * np.eye(4)[LABELS]
    return pool(rate, seed)


def test_curves_stop_rising_after_the_one_informative_neuron():
    sizes = [1, 2, 4, 8, 16]
    c = pool_metric_curves(one_informative_neuron(), LABELS, sizes,
                           ["fisher", "readout", "readout-lda", "mi", "decoder"])
    fisher, readout = c.values["fisher"][0], c.values["readout"][0]
    # neuron 0: per pair d'^2 = 2 * 30^2 / (10 + 15) = 72 for every pair of classes; the
    # other 15 neurons add unbiased zeros (per-neuron sd ~0.04)
    assert fisher[0] == pytest.approx(72.0, rel=0.1)
    assert np.all(np.abs(fisher - fisher[0]) < 0.5)
    assert readout[0] > 0.98 and np.all(readout <= readout[0] + 0.01)
    assert c.values["readout-lda"][0, 0] > 0.98
    # the pooled count only dilutes the neuron's spikes with the others' noise
    mi = c.values["mi"][0]
    assert np.all(mi <= mi[0] + 0.05)
    assert c.values["decoder"][0, 0] > 1.8          # near log2(4) at 99 % accuracy


def test_identical_classes_carry_no_information():
    # 2 bins x 3 levels: 9 words for 400 trials, where the corrections are accurate
    counts = pool(np.full((LABELS.size, 16, 2), 3.0), seed=10)
    c = pool_metric_curves(counts, LABELS, [1, 4, 16],
                           ["mi", "mi-nsb", "fisher", "readout", "readout-lda", "decoder"])
    assert np.all(np.abs(c.values["mi"][0]) < 0.03)
    assert np.all(np.abs(c.values["mi-nsb"][0]) < 0.06)      # NSB shrinks H(R) slightly
    assert np.all(np.abs(c.values["decoder"][0]) < 0.03)
    for m in ("readout", "readout-lda"):
        assert np.all(np.abs(c.values[m][0] - 0.25) < 4 * BINOMIAL_SD)
    # bias-corrected: the plug-in value would be ~16 * nu/(nu - 3) * 2 * 2 / 100 = 0.65
    assert np.all(np.abs(c.values["fisher"][0]) < 0.3)
    # nested CV: the strongest penalty on noise, weaker ones where there is a signal
    informative = pool_metric_curves(one_informative_neuron(), LABELS, [1, 4, 16], ["readout"])
    noise_alphas = np.array(c.details["alphas_chosen"]["readout"])
    signal_alphas = np.array(informative.details["alphas_chosen"]["readout"])
    assert np.median(noise_alphas) > np.median(signal_alphas)


def test_information_of_separable_classes_saturates_at_log2_classes():
    rate = np.full((LABELS.size, 16, 4), 0.5)
    rate += 6.0 * np.eye(4)[LABELS][:, None, :]      # every neuron fires in its class's bin
    # 4 equipopulated levels put an edge between the 25 % high trials and the rest; one
    # neuron's counts overlap (Poisson 6.5 against 0.5), 16 neurons' do not
    c = pool_metric_curves(pool(rate, 1), LABELS, [1, 2, 4, 8, 16], ["mi", "readout"],
                           mi_levels=4)
    mi = c.values["mi"][0]
    # rises (one neuron: 1.87 bits since a column's mostly-zero counts keep their own
    # level, see hhlif.analysis.utils.equipopulated_levels; 1.78 before)…
    assert mi[0] < mi[-1] - 0.05
    # ...to log2(4): the Panzeri-Treves correction of the noise words leaves it ~0.05 low
    assert np.all(np.abs(mi[2:] - 2.0) < 0.07)
    assert np.all(mi <= 2.01)
    assert c.values["readout"][0, -1] == 1.0


def test_discriminant_rule_reads_classes_of_increasing_rate():
    # every neuron's rate grows with the class: the largest ridge output masks the middle
    # classes, the nearest centroid of the fits does not
    rate = (2.0 + 1.0 * LABELS)[:, None, None] * np.ones((1, 20, 4))
    c = pool_metric_curves(pool(rate, 2), LABELS, [20],
                           ["readout", "readout-lda", "readout-pooled", "readout-pooled-lda",
                            "fisher"])
    # pooled count per bin: classes 20 spikes apart, sd sqrt(20 * 3.5) ~ 8.4 -> d' ~ 2.4 per
    # bin, ~4.8 over 4 bins: Bayes accuracy 1 - 1.5 * Phi(-2.4) = 0.99
    assert c.values["readout-lda"][0, 0] > 0.95
    assert c.values["readout-pooled-lda"][0, 0] > 0.95
    assert c.values["readout"][0, 0] < 0.8
    assert c.values["readout-pooled"][0, 0] < 0.8


def test_mi_is_response_metrics_mi_of_the_first_n_neurons():
    counts = pool(np.full((LABELS.size, 6, 4), 2.0) + np.eye(4)[LABELS][:, None, :], seed=3)
    c = pool_metric_curves(counts, LABELS, [1, 6], ["mi"], mi_levels=3)
    for s, n in enumerate([1, 6]):
        ref = response_metrics(counts[:, :n], LABELS, 100.0, seed=0, mi_levels=3)["mi"]
        assert c.values["mi"][0, s] == pytest.approx(ref, abs=1e-12)


def test_fisher_is_the_cumulative_sum_of_per_neuron_values():
    counts = pool(np.full((LABELS.size, 10, 4), 4.0) + 0.5 * LABELS[:, None, None], seed=4)
    c = pool_metric_curves(counts, LABELS, [2, 5, 10], ["fisher"])
    per_neuron = class_fisher_information(counts, LABELS)
    np.testing.assert_allclose(c.values["fisher"][0], np.cumsum(per_neuron)[[1, 4, 9]])


def test_bootstrap_rows_spread_as_independent_data_sets():
    # the bootstrap sd of a row should match the sd of the estimate over fresh data sets
    rate = np.full((LABELS.size, 4, 4), 3.0) + 0.4 * np.eye(4)[LABELS][:, None, :]
    fresh, boot_sd, shift_row0, shift_plugin = [], [], [], []
    for seed in range(25):
        counts = pool(rate, 100 + seed)
        raw = pool_metric_curves(counts, LABELS, [1, 4], ["fisher", "mi"],
                                 n_trial_bootstrap=20, seed=seed, centre_bootstrap=False)
        fresh.append([raw.values["fisher"][0], raw.values["mi"][0]])
        boot_sd.append([raw.values["fisher"][1:].std(axis=0, ddof=1),
                        raw.values["mi"][1:].std(axis=0, ddof=1)])
        # raw replicates centre on the plug-in value of the data (the information of the
        # empirical distribution they are drawn from), not on the bias-corrected row 0
        plugin = np.cumsum(class_fisher_information(counts, LABELS, bias_corrected=False))
        mean = raw.values["fisher"][1:].mean(axis=0)
        shift_row0.append(mean - raw.values["fisher"][0])
        shift_plugin.append(mean - plugin[[0, 3]])
    fresh, boot_sd = np.array(fresh), np.array(boot_sd)        # (seeds, metric, size)
    ratio = boot_sd.mean(axis=0) / fresh.std(axis=0, ddof=1)
    assert np.all((ratio > 0.6) & (ratio < 1.6)), ratio
    assert np.all(np.abs(np.mean(shift_plugin, axis=0)) < 0.3 * np.mean(shift_row0, axis=0))
    # by default the rows are centred on row 0, their spread unchanged
    centred = pool_metric_curves(counts, LABELS, [1, 4], ["fisher", "mi"],
                                 n_trial_bootstrap=20, seed=seed)
    for m in ("fisher", "mi"):
        v = centred.values[m]
        assert np.all(v[1:] != v[0]) and np.all(v[0] == raw.values[m][0])
        np.testing.assert_allclose(v[1:].mean(axis=0), v[0], atol=1e-12)
        np.testing.assert_allclose(v[1:].std(axis=0), raw.values[m][1:].std(axis=0))


def test_a_row_uses_one_resample_for_every_size():
    counts = one_informative_neuron(n_neurons=3, seed=5)
    counts[:, 1] = 0                                  # a silent neuron adds nothing
    c = pool_metric_curves(counts, LABELS, [1, 2, 3], ["fisher", "mi", "readout", "decoder"],
                           n_trial_bootstrap=5, seed=1)
    for m in ("fisher", "mi"):
        np.testing.assert_array_equal(c.values[m][:, 0], c.values[m][:, 1])
        assert c.values[m].shape == (6, 3) and np.all(np.isfinite(c.values[m]))
    for m in ("readout", "decoder"):                  # cross-validated: no bootstrap rows
        assert np.all(np.isfinite(c.values[m][0])) and np.all(np.isnan(c.values[m][1:]))
    out = c.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["values"]["readout"][1] == [None, None, None]
    assert out["sizes"] == [1, 2, 3] and out["baselines"]["readout"] == 0.25


def test_spikes_per_trial_and_rates():
    counts = np.full((LABELS.size, 5, 4), 2)
    counts[:, 3] = 0
    c = pool_metric_curves(counts, LABELS, [1, 4, 5], ["fisher"], duration_ms=100.0)
    np.testing.assert_allclose(c.spikes_per_trial, [8.0, 24.0, 32.0])
    np.testing.assert_allclose(c.rate_hz, [80.0, 60.0, 64.0])     # per neuron, 0.1 s
    assert pool_metric_curves(counts, LABELS, [1], ["fisher"]).rate_hz is None


def test_tables_agree():
    assert set(POOL_BASELINES) == set(POOL_METRICS) and CV_METRICS <= set(POOL_METRICS)
    assert {"mi", "mi-nsb", "decoder", "readout", "readout-pooled", "fisher"} <= set(POOL_METRICS)
    assert all(len(v) == 2 and all(isinstance(x, str) for x in v) for v in POOL_METRICS.values())
    assert pool_baseline("readout-pooled", 5) == 0.2 and pool_baseline("fisher", 5) == 0.0


GOOD = np.ones((20, 3, 2), dtype=int)
LAB = np.repeat([0, 1], 10)


@pytest.mark.parametrize("kwargs, match", [
    ({"counts": np.ones((20, 3))}, "counts has shape"),
    ({"counts": -GOOD}, "non-negative"),
    ({"labels": LAB[:-1]}, "labels has shape"),
    ({"labels": np.zeros(20)}, "two classes"),
    ({"sizes": [2, 1]}, "strictly increasing"),
    ({"sizes": [0, 1]}, "strictly increasing"),
    ({"sizes": [1, 4]}, r"\[1, 3\]"),
    ({"sizes": []}, "sizes="),
    ({"metrics": ["mi", "entropy"]}, "metrics="),
    ({"metrics": ["mi", "mi"]}, "distinct"),
    ({"mi_levels": 1}, "mi_levels=1"),
    ({"n_trial_bootstrap": -1}, "n_trial_bootstrap=-1"),
    ({"duration_ms": 0.0}, "duration_ms=0.0"),
])
def test_bad_input_is_refused_in_one_line(kwargs, match):
    args = {"counts": GOOD, "labels": LAB, "sizes": [1, 2], "metrics": ["mi"], **kwargs}
    extra = {k: args.pop(k) for k in ("mi_levels", "n_trial_bootstrap", "duration_ms")
             if k in args}
    with pytest.raises(AnalysisInputError, match=match) as err:
        pool_metric_curves(args["counts"], args["labels"], args["sizes"], args["metrics"],
                           **extra)
    assert "\n" not in str(err.value)


def test_mostly_silent_responses_keep_their_information():
    """One class fires, three are silent (most counts 0: every quantile edge is 0); the
    words must still tell the firing class apart (the old rule put 0 and positive counts
    in one level and gave exactly 0 bits)."""
    rng = np.random.default_rng(5)
    counts = np.zeros((LABELS.size, 4, 4))
    counts[LABELS == 0, :, 0] = rng.poisson(2.0, size=((LABELS == 0).sum(), 4))
    c = pool_metric_curves(counts, LABELS, [1, 4], ["mi"])
    # I(class; fired): 0.61 bits for one neuron (Poisson 2 is 0 on 13.5 % of trials),
    # H(1/4) = 0.811 bits for four (they all but always fire)
    mi = c.values["mi"][0]
    assert mi[0] > 0.4 and mi[1] > 0.7
