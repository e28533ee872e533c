"""Linear Fisher information against analytic values: Gaussian and Poisson-like responses."""
import itertools

import numpy as np
import pytest

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.fisher import class_fisher_information, linear_fisher_information


def gaussian_problem(n_features=5, seed=0):
    """A mean difference and a correlated covariance; J = dmu' Sigma^-1 dmu."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n_features, n_features))
    cov = a @ a.T / n_features + 0.5 * np.eye(n_features)
    dmu = rng.normal(size=n_features) * 0.4
    return dmu, cov, float(dmu @ np.linalg.solve(cov, dmu))


def draws(dmu, cov, t_a, t_b, delta, n_draws, seed):
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(cov)
    bc, plug = [], []
    for _ in range(n_draws):
        xa = rng.standard_normal((t_a, dmu.size)) @ chol.T
        xb = rng.standard_normal((t_b, dmu.size)) @ chol.T + dmu
        bc.append(linear_fisher_information(xa, xb, delta=delta))
        plug.append(linear_fisher_information(xa, xb, delta=delta, bias_corrected=False))
    return np.array(bc), np.array(plug)


@pytest.mark.parametrize("t_a, t_b", [(20, 20), (12, 30)])
def test_bias_corrected_is_unbiased_and_plugin_biased_by_the_wishart_factor(t_a, t_b):
    n, delta = 5, 0.5
    dmu, cov, j = gaussian_problem(n)
    truth = j / delta**2
    bc, plug = draws(dmu, cov, t_a, t_b, delta, 3000, seed=1)
    se_bc = bc.std(ddof=1) / np.sqrt(bc.size)
    assert abs(bc.mean() - truth) < 4 * se_bc
    # E[plug-in] = nu/(nu - N - 1) (J + N (1/T_a + 1/T_b)) / delta^2, nu = T_a + T_b - 2
    nu = t_a + t_b - 2
    expected = nu / (nu - n - 1) * (j + n * (1 / t_a + 1 / t_b)) / delta**2
    se_plug = plug.std(ddof=1) / np.sqrt(plug.size)
    assert abs(plug.mean() - expected) < 4 * se_plug
    assert expected - truth > 10 * se_plug          # the bias is large and detected


def test_hand_computed_values_with_unequal_trials():
    # a: mean 1, squares 2; b: mean 3, squares 10; nu = 6, pooled variance 2, dmu = -2
    a, b = [0.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0, 5.0]
    assert linear_fisher_information(a, b, bias_corrected=False) == pytest.approx(2.0)
    # 2 (6 - 1 - 1)/6 - 1 (1/3 + 1/5) = 0.8
    assert linear_fisher_information(a, b) == pytest.approx(0.8)
    assert linear_fisher_information(a, b, delta=2.0, bias_corrected=False) \
        == pytest.approx(0.5)


def test_class_fisher_is_the_mean_of_pairwise_values_and_additive_for_independent_neurons():
    # 3 classes, 6 independent Gaussian neurons x 2 bins of known means and variances
    rng = np.random.default_rng(2)
    k, m, b, t = 3, 6, 2, 50
    means = rng.normal(size=(k, m, b)) * 0.5
    sd = rng.uniform(0.5, 1.5, size=(m, b))
    pairs = list(itertools.combinations(range(k), 2))
    truth = np.mean([(((means[i] - means[j]) / sd) ** 2).sum(axis=1) for i, j in pairs], axis=0)
    labels = np.repeat(np.arange(k), t)
    per_neuron, population = [], []
    for _ in range(200):
        x = means[labels] + rng.standard_normal((k * t, m, b)) * sd
        per_neuron.append(class_fisher_information(x, labels))
        population.append(class_fisher_information(x, labels, per_neuron=False))
    per_neuron, population = np.array(per_neuron), np.array(population)
    se = per_neuron.std(axis=0, ddof=1) / np.sqrt(len(per_neuron))
    assert np.all(np.abs(per_neuron.mean(axis=0) - truth) < 4 * se)
    # the full-covariance population value estimates the sum of the neurons' values
    se_pop = population.std(ddof=1) / np.sqrt(population.size)
    assert abs(population.mean() - truth.sum()) < 4 * se_pop
    # one neuron: the mean over pairs of linear_fisher_information of its bins
    direct = np.mean([linear_fisher_information(x[labels == i, 2], x[labels == j, 2])
                      for i, j in pairs])
    assert class_fisher_information(x, labels)[2] == pytest.approx(direct, rel=1e-12)


def poisson_pool(gain, n_neurons, r0, rng, classes=4, t=100, bins=4):
    labels = np.repeat(np.arange(classes), t)
    rate = r0 + gain * labels
    return rng.poisson(rate[:, None, None], size=(labels.size, n_neurons, bins)), labels


def poisson_truth(gain, r0, classes=4, bins=4):
    """Mean over pairs of sum over bins of (g (a - b))^2 / pooled variance (r0 + g (a+b)/2)."""
    return np.mean([bins * (gain * (a - b)) ** 2 / (r0 + gain * (a + b) / 2)
                    for a, b in itertools.combinations(range(classes), 2)])


def test_doubling_the_rate_gain_gives_four_times_the_information_per_neuron():
    rng = np.random.default_rng(3)
    r0 = 400.0                        # variance r0 + g s barely depends on s
    ref_counts, labels = poisson_pool(4.0, 300, r0, rng)
    cand_counts, _ = poisson_pool(2.0, 600, r0, rng)
    ref = class_fisher_information(ref_counts, labels)
    cand = class_fisher_information(cand_counts, labels)
    for values, gain in ((ref, 4.0), (cand, 2.0)):
        se = values.std(ddof=1) / np.sqrt(values.size)
        assert abs(values.mean() - poisson_truth(gain, r0)) < 4 * se
    assert ref.mean() / cand.mean() == pytest.approx(4.0, rel=0.12)
    # 4 candidates per reference neuron: the candidates needed to reach 100 references
    matched = int(np.searchsorted(np.cumsum(cand), ref[:100].sum())) + 1
    assert 340 <= matched <= 460


def test_constant_features_are_dropped_or_infinite():
    rng = np.random.default_rng(4)
    xa, xb = rng.normal(size=(30, 3)), rng.normal(size=(30, 3)) + 0.5
    base = linear_fisher_information(xa, xb)
    same = np.full((30, 1), 2.0)
    # a feature constant at one value under both stimuli: no noise, no information
    assert linear_fisher_information(np.hstack([xa, same]), np.hstack([xb, same])) \
        == pytest.approx(base, rel=1e-12)
    # constant under each but different: the stimuli are told apart without error
    assert linear_fisher_information(np.hstack([xa, same]), np.hstack([xb, same + 1])) == np.inf
    counts = np.zeros((40, 2, 2))
    counts[:, 0] = rng.poisson(3.0, size=(40, 2))
    labels = np.repeat([0, 1], 20)
    values = class_fisher_information(counts, labels)
    assert values[1] == 0.0 and np.isfinite(values[0])


@pytest.mark.parametrize("call, match", [
    (lambda: linear_fisher_information(np.random.default_rng(0).normal(size=(5, 8)),
                                       np.random.default_rng(1).normal(size=(5, 8))),
     "5 \\+ 5 trials for 8 non-constant features"),
    (lambda: linear_fisher_information(np.zeros((5, 2)), np.zeros((5, 3))), "features"),
    (lambda: linear_fisher_information(np.zeros((5, 2)), np.zeros((5, 2)), delta=0.0),
     "delta=0.0"),
    (lambda: linear_fisher_information([[np.nan]], [[1.0]]), "responses_a"),
    (lambda: class_fisher_information(np.zeros((4, 2, 2)), [0, 0, 0, 0]), "two classes"),
    (lambda: class_fisher_information(np.zeros((4, 2, 2)), [0, 1, 0]), "labels"),
    (lambda: class_fisher_information(np.zeros((4,)), [0, 1, 0, 1]), "counts"),
    (lambda: class_fisher_information(np.random.default_rng(0).poisson(3, (20, 2, 18)),
                                      np.repeat([0, 1], 10), per_neuron=True), "classes 0 and 1"),
])
def test_bad_input_is_refused_in_one_line(call, match):
    with pytest.raises(AnalysisInputError, match=match) as err:
        call()
    assert "\n" not in str(err.value)


def test_singular_covariance_gives_the_information_of_its_span():
    """Two identical features (a singular pooled covariance, as very reliable spikes in
    fine bins give) carry what one of them carries: finite, not 1e33."""
    from hhlif.analysis.fisher import linear_fisher_information

    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 1.0, 400)
    b = rng.normal(0.5, 1.0, 400)
    one = linear_fisher_information(a[:, None], b[:, None], bias_corrected=False)
    two = linear_fisher_information(np.c_[a, a], np.c_[b, b], bias_corrected=False)
    assert np.isfinite(two) and two == pytest.approx(one, rel=1e-6)
    assert one == pytest.approx(0.25, rel=0.3)    # d'^2 = 0.5^2 / 1
