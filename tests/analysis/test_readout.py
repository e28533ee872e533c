"""Linear readout against analytic Bayes accuracies and against scikit-learn."""
import numpy as np
import pytest
from scipy import stats

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.readout import (LinearReadout, readout_accuracy, response_features,
                                    stratified_folds)


def gaussian_classes(n_per_class, separation, dims=5, seed=0):
    """Two isotropic unit Gaussians whose means differ by ``separation`` along axis 0.
    Bayes accuracy: Phi(separation / 2)."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n_per_class)
    x = rng.standard_normal((y.size, dims))
    x[:, 0] += separation * y
    return x, y


@pytest.mark.parametrize("method", ["ridge", "logistic"])
def test_cv_accuracy_matches_bayes_accuracy(method):
    # 2000 trials: binomial sd of the accuracy ~ 0.01; a linear rule estimated from 1600
    # trials in 5 dimensions loses well under 0.01; tolerance 0.03 = 3 sd
    x, y = gaussian_classes(1000, separation=2.0)
    res = readout_accuracy(x, y, method=method, alpha=1.0, seed=0)
    bayes = stats.norm.cdf(1.0)  # 0.841
    assert abs(res.accuracy - bayes) < 0.03
    assert res.ci[0] < res.accuracy < res.ci[1]
    assert res.chance == 0.5 and res.n_trials == 2000 and res.n_features == 5
    assert np.sum(res.confusion) == 2000


@pytest.mark.parametrize("method", ["ridge", "logistic"])
def test_random_labels_give_chance(method):
    # labels independent of features: held-out accuracy ~ Binomial(600, 1/3)/600, sd 0.019
    rng = np.random.default_rng(3)
    x = rng.standard_normal((600, 20))
    y = rng.integers(0, 3, 600)
    res = readout_accuracy(x, y, method=method, seed=1)
    assert abs(res.accuracy - 1 / 3) < 4 * np.sqrt(1 / 3 * 2 / 3 / 600)


def test_logistic_readout_does_not_mask_ordered_classes():
    # four classes along one axis: least squares on one-hot targets "masks" the middle
    # classes (Hastie et al., ESL 4.2); logistic regression separates all four
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 200)
    x = (y * 4.0)[:, None] + rng.standard_normal((800, 1))
    acc = {m: readout_accuracy(x, y, method=m, alpha=1e-3, seed=0).accuracy
           for m in ("ridge", "logistic")}
    # adjacent means 4 sd apart: Bayes error Phi(-2) at each of the 6 class boundaries
    # crossed, 2 * 3 / 4 = 1.5 per trial: accuracy 1 - 1.5 * Phi(-2) ~ 0.966
    assert acc["logistic"] > 0.9
    assert acc["ridge"] < 0.8


def test_same_predictions_as_scikit_learn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    x, y = gaussian_classes(200, separation=1.5, dims=4, seed=2)
    xs = (x - x.mean(0)) / x.std(0)
    ours = LinearReadout("logistic", alpha=1.0, standardize=False).fit(xs, y)
    # two-class multinomial: at the optimum w1 = -w0, so our penalty alpha/2 (|w0|^2 +
    # |w1|^2) = alpha/4 |w1 - w0|^2, i.e. scikit-learn's binary 1/(2C) |w|^2 with C = 2/alpha
    ref = sklearn.LogisticRegression(C=2.0, tol=1e-10, max_iter=10000).fit(xs, y)
    w = ours.coef_[:, 1] - ours.coef_[:, 0]
    np.testing.assert_allclose(w, ref.coef_[0], rtol=1e-3, atol=1e-4)
    ridge = LinearReadout("ridge", alpha=2.0, standardize=False).fit(xs, y)
    ref_r = sklearn.Ridge(alpha=2.0).fit(xs, np.eye(2)[y])
    np.testing.assert_allclose(ridge.coef_, ref_r.coef_.T, rtol=1e-8, atol=1e-10)


def test_stratified_folds_balance_classes():
    y = np.repeat([0, 1, 2], [10, 15, 20])
    folds = stratified_folds(y, 5, seed=0)
    for label in range(3):
        counts = np.bincount(folds[y == label], minlength=5)
        assert counts.max() - counts.min() <= 1
    with pytest.raises(AnalysisInputError, match="at least n_folds"):
        stratified_folds(np.repeat([0, 1], [10, 3]), 5)


def test_response_features_and_errors():
    counts = np.arange(24).reshape(2, 3, 4)
    f = response_features(counts, transform="none")
    assert f.shape == (2, 12) and f[1, 0] == 12
    assert np.allclose(response_features(counts)[0], np.sqrt(np.arange(12)))
    with pytest.raises(AnalysisInputError):
        response_features(-counts)
    with pytest.raises(AnalysisInputError):
        readout_accuracy(np.zeros((10, 2)), np.zeros(10))  # one class
    with pytest.raises(AnalysisInputError):
        LinearReadout("svm")
    with pytest.raises(AnalysisInputError):
        readout_accuracy(np.zeros((10, 2)), np.zeros(9))


# ---------------------------------------------------------------- ridge path, nested CV
from hhlif.analysis.readout import (NESTED_ALPHAS, nested_ridge_predictions,  # noqa: E402
                                    ridge_path)


@pytest.mark.parametrize("dims", [4, 60])          # primal (dims < trials) and dual form
def test_ridge_path_equals_closed_form_fits(dims):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(40, dims)) * rng.uniform(0.5, 3, dims), rng.integers(0, 3, 40)
    test = rng.normal(size=(7, dims))
    alphas = [0.01, 1.0, 300.0]
    classes, scores = ridge_path(x, y, test, alphas)
    assert classes.tolist() == [0, 1, 2] and scores.shape == (3, 7, 3)
    for a, s in zip(alphas, scores):
        ref = LinearReadout("ridge", alpha=a).fit(x, y).decision_function(test)
        np.testing.assert_allclose(s, ref, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("dims", [4, 60])
def test_leave_one_out_criterion_equals_refitting_without_each_trial(dims):
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(45, dims)), np.repeat([0, 1, 2], 15)
    x[:, 0] += y
    res = nested_ridge_predictions(x, y, alphas=[0.1, 10.0], n_folds=3, seed=2)
    train = res.folds != 0
    xs, ys = x[train], y[train]
    z = (xs - xs.mean(0)) / xs.std(0)         # the outer training set's standardisation
    onehot = np.eye(3)[ys]
    for k, a in enumerate([0.1, 10.0]):
        sse = 0.0
        for i in range(ys.size):
            keep = np.arange(ys.size) != i
            fit = LinearReadout("ridge", alpha=a, standardize=False).fit(z[keep], ys[keep])
            sse += float(((fit.decision_function(z[i:i + 1])[0] - onehot[i]) ** 2).sum())
        assert res.inner_scores[0, k] == pytest.approx(sse, rel=1e-9)


@pytest.mark.parametrize("inner", [None, 4])
def test_nested_cv_chooses_a_larger_penalty_on_pure_noise(inner):
    rng = np.random.default_rng(7)
    y = np.repeat(np.arange(4), 60)
    noise = rng.normal(size=(240, 40))
    informative = noise.copy()
    informative[:, :4] += 3.0 * np.eye(4)[y]           # class k lifts feature k
    res_noise = nested_ridge_predictions(noise, y, n_inner_folds=inner, seed=0)
    res_info = nested_ridge_predictions(informative, y, n_inner_folds=inner, seed=0)
    # pure noise: predicting the class frequencies (the largest penalty) is best
    assert np.median(res_noise.alphas_chosen) == max(NESTED_ALPHAS)
    assert res_noise.alphas_chosen.min() > res_info.alphas_chosen.max()
    assert res_info.accuracy > 0.9
    assert abs(res_noise.accuracy - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 240)


def test_discriminant_rule_unmasks_ordered_classes():
    # four classes along one axis, 4 sd apart (the masking example above): the largest
    # output masks the middle classes; the nearest centroid of the fits reaches the Bayes
    # accuracy 1 - 1.5 * Phi(-2) = 0.966 (sd of 800 trials ~0.0065)
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 200)
    x = (y * 4.0)[:, None] + rng.standard_normal((800, 1))
    res = nested_ridge_predictions(x, y, seed=0)
    bayes = 1 - 1.5 * stats.norm.cdf(-2.0)
    assert abs(res.accuracy_lda - bayes) < 0.025
    assert res.accuracy < 0.8


def test_readout_accuracy_nested_option():
    x, y = gaussian_classes(150, separation=2.0, dims=3, seed=3)
    res = readout_accuracy(x, y, alpha="nested", seed=1)
    direct = nested_ridge_predictions(x, y, seed=1)
    assert res.accuracy == direct.accuracy
    assert res.details["alphas_chosen"] == direct.alphas_chosen.tolist()
    assert res.alpha == float(np.median(direct.alphas_chosen))
    assert abs(res.accuracy - stats.norm.cdf(1.0)) < 0.08      # 300 trials, sd 0.021
    with pytest.raises(AnalysisInputError, match="method='logistic' with alpha='nested'"):
        readout_accuracy(x, y, method="logistic", alpha="nested")
    with pytest.raises(AnalysisInputError, match="alpha='best'"):
        readout_accuracy(x, y, alpha="best")
    for kwargs, match in (({"alphas": [1.0, -1.0]}, "alphas="), ({"criterion": "f1"}, "criterion"),
                          ({"n_inner_folds": 1}, "n_inner_folds=1")):
        with pytest.raises(AnalysisInputError, match=match) as err:
            nested_ridge_predictions(x, y, **kwargs)
        assert "\n" not in str(err.value)
