"""Linear readout of population responses: the spiking counterpart of a learning task.

Contents
--------
LinearReadout
    A linear classifier, scikit-learn-like (``fit``, ``predict``, ``score``; fitted
    attributes end in ``_``): ``ridge`` (regularised least squares on one-hot targets,
    closed form) or ``logistic`` (multinomial logistic regression with an L2 penalty,
    L-BFGS from SciPy).  NumPy/SciPy only.
readout_accuracy
    Held-out accuracy by stratified k-fold cross-validation, with a Wilson interval, the
    confusion matrix and the chance level; ``ReadoutResult.to_dict()`` is JSON-ready;
    ``alpha="nested"`` chooses the ridge penalty inside every training set.
ridge_path
    Ridge class scores of held-out trials for a whole grid of penalties from one
    eigendecomposition of the training set.
nested_ridge_predictions -> NestedRidge
    Held-out predictions of a ridge readout whose penalty is chosen by nested
    cross-validation (outer stratified folds; in each outer training set, exact
    leave-one-out or inner folds over :data:`NESTED_ALPHAS`), read by the largest output
    and by the nearest class centroid of the fits (no masking of ordered classes).
response_features
    Binned spike counts ``(n_trials, n_neurons, n_bins)`` to a feature matrix.
stratified_folds
    The fold of each trial (classes spread evenly over folds), from a seed.

He et al. (2024) compare HH and LIF networks on trained tasks (multi-task MNIST,
reinforcement learning).  On spike trains the analogue is to drive a network with several
input classes and ask how well a linear readout of its binned responses tells the
classes apart on trials it was not trained on.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from .errors import AnalysisInputError

__all__ = ["LinearReadout", "ReadoutResult", "readout_accuracy", "response_features",
           "stratified_folds", "READOUT_METHODS", "ridge_path", "nested_ridge_predictions",
           "NestedRidge", "NESTED_ALPHAS", "NESTED_CRITERIA"]

#: Classifiers of :class:`LinearReadout`.
READOUT_METHODS = ("ridge", "logistic")
#: Penalties :func:`nested_ridge_predictions` chooses from (units of standardised features:
#: ``alpha |W|^2`` against the squared error summed over the training trials).
NESTED_ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
#: How the inner folds rank the penalties: held-out squared error of the one-hot targets
#: (smooth, the ridge's own loss) or held-out accuracy.
NESTED_CRITERIA = ("mse", "accuracy")


def _check_xy(features: Any, labels: Any | None = None):
    x = np.asarray(features, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise AnalysisInputError(f"features has shape {x.shape}: expected (n_trials, n_features)"
                                 " with at least one trial and one feature")
    if not np.all(np.isfinite(x)):
        raise AnalysisInputError("features contain NaN or inf")
    if labels is None:
        return x, None
    y = np.asarray(labels)
    if y.ndim != 1 or y.size != x.shape[0]:
        raise AnalysisInputError(f"labels has shape {y.shape}: expected ({x.shape[0]},), one"
                                 " label per trial")
    return x, y


class LinearReadout:
    """Linear classifier of population responses.

    Parameters
    ----------
    method : {'ridge', 'logistic'}
        ``ridge``: least squares on one-hot targets with penalty ``alpha * |W|^2``
        (closed form; the class with the largest output wins).  ``logistic``:
        multinomial logistic regression, penalty ``alpha/2 * |W|^2`` added to the summed
        cross-entropy, minimised by L-BFGS.
    alpha : float
        Regularisation strength (> 0), in units of the standardised features.
    standardize : bool
        Centre and scale every feature with the training set's mean and standard
        deviation (constant features are left at 0).
    max_iter : int
        L-BFGS iterations for ``logistic``.

    Attributes
    ----------
    classes_ : ndarray
        Labels seen in ``fit``, sorted.
    coef_ : ndarray, shape (n_features, n_classes)
    intercept_ : ndarray, shape (n_classes,)
    mean_, scale_ : ndarray
        Standardisation of the training features.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [0.1], [1.0], [1.1]])
    >>> LinearReadout("ridge", alpha=1e-3).fit(x, [0, 0, 1, 1]).predict([[0.05], [1.05]])
    array([0, 1])
    """

    def __init__(self, method: str = "ridge", alpha: float = 1.0, standardize: bool = True,
                 max_iter: int = 500):
        if method not in READOUT_METHODS:
            raise AnalysisInputError(f"method={method!r}: expected one of"
                                     f" {', '.join(READOUT_METHODS)}")
        if not (np.isfinite(alpha) and alpha > 0):
            raise AnalysisInputError(f"alpha={alpha!r}: expected a finite number > 0")
        if int(max_iter) != max_iter or max_iter < 1:
            raise AnalysisInputError(f"max_iter={max_iter!r}: expected an integer >= 1")
        self.method = method
        self.alpha = float(alpha)
        self.standardize = bool(standardize)
        self.max_iter = int(max_iter)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean_) / self.scale_

    def fit(self, features: Any, labels: Any) -> "LinearReadout":
        """Fit on ``features`` (n_trials, n_features) and ``labels`` (n_trials,)."""
        x, y = _check_xy(features, labels)
        self.classes_, yi = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise AnalysisInputError(f"labels: expected at least two classes, got"
                                     f" {self.classes_.tolist()}")
        if self.standardize:
            self.mean_ = x.mean(axis=0)
            sd = x.std(axis=0)
            self.scale_ = np.where(sd > 0, sd, 1.0)
        else:
            self.mean_ = np.zeros(x.shape[1])
            self.scale_ = np.ones(x.shape[1])
        z = self._transform(x)
        k = self.classes_.size
        onehot = np.zeros((z.shape[0], k))
        onehot[np.arange(z.shape[0]), yi] = 1.0
        if self.method == "ridge":
            self.coef_, self.intercept_ = _ridge(z, onehot, self.alpha)
        else:
            self.coef_, self.intercept_ = _logistic(z, onehot, self.alpha, self.max_iter)
        return self

    def decision_function(self, features: Any) -> np.ndarray:
        """Class scores, shape (n_trials, n_classes)."""
        x, _ = _check_xy(features)
        if x.shape[1] != self.coef_.shape[0]:
            raise AnalysisInputError(f"features have {x.shape[1]} columns: expected"
                                     f" {self.coef_.shape[0]} as in fit")
        return self._transform(x) @ self.coef_ + self.intercept_

    def predict(self, features: Any) -> np.ndarray:
        """Predicted label of each trial."""
        return self.classes_[np.argmax(self.decision_function(features), axis=1)]

    def score(self, features: Any, labels: Any) -> float:
        """Fraction of trials classified correctly."""
        _, y = _check_xy(features, labels)
        return float(np.mean(self.predict(features) == y))


def _ridge(z: np.ndarray, targets: np.ndarray, alpha: float):
    """Ridge with an unpenalised intercept; primal or dual form, whichever is smaller."""
    ym = targets.mean(axis=0)
    zc = z - z.mean(axis=0)
    t = targets - ym
    n, d = zc.shape
    if d <= n:
        w = np.linalg.solve(zc.T @ zc + alpha * np.eye(d), zc.T @ t)
    else:
        w = zc.T @ np.linalg.solve(zc @ zc.T + alpha * np.eye(n), t)
    b = ym - z.mean(axis=0) @ w
    return w, b


def _logistic(z: np.ndarray, onehot: np.ndarray, alpha: float, max_iter: int):
    n, d = z.shape
    k = onehot.shape[1]

    def loss(theta):
        w = theta[: d * k].reshape(d, k)
        b = theta[d * k:]
        a = z @ w + b
        lse = special.logsumexp(a, axis=1)
        f = float(np.sum(lse) - np.sum(a * onehot)) + 0.5 * alpha * float(np.sum(w * w))
        p = np.exp(a - lse[:, None])
        g = p - onehot
        gw = z.T @ g + alpha * w
        gb = g.sum(axis=0)
        return f, np.concatenate([gw.ravel(), gb])

    res = optimize.minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                            options={"maxiter": max_iter})
    theta = res.x
    return theta[: d * k].reshape(d, k), theta[d * k:]


def stratified_folds(labels: Any, n_folds: int = 5, seed: int | None = 0) -> np.ndarray:
    """Fold index (0..n_folds-1) of each trial; every class spread evenly over folds.

    Raises
    ------
    AnalysisInputError
        If a class has fewer trials than folds.
    """
    y = np.asarray(labels)
    if int(n_folds) != n_folds or n_folds < 2:
        raise AnalysisInputError(f"n_folds={n_folds!r}: expected an integer >= 2")
    rng = np.random.default_rng(seed)
    folds = np.empty(y.size, dtype=int)
    offset = 0
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        if idx.size < n_folds:
            raise AnalysisInputError(f"class {label!r} has {idx.size} trials: expected at least"
                                     f" n_folds={n_folds}")
        idx = rng.permutation(idx)
        folds[idx] = (np.arange(idx.size) + offset) % n_folds
        offset += idx.size
    return folds


@dataclass
class ReadoutResult:
    """Held-out accuracy of a linear readout.

    Attributes
    ----------
    accuracy : float
        Fraction of trials classified correctly when held out (pooled over folds).
    ci : tuple of float
        Wilson score interval of ``accuracy`` at ``confidence`` (trials treated as
        independent Bernoulli draws).
    fold_accuracies : list of float
    chance : float
        Accuracy of always guessing the most frequent class.
    confusion : list of list of int
        ``confusion[i][j]``: trials of class ``classes[i]`` predicted as ``classes[j]``.
    classes : list
    method : str
    alpha : float
    n_trials, n_features, n_folds : int
    seed : int or None
    confidence : float
    """

    accuracy: float
    ci: tuple
    fold_accuracies: list
    chance: float
    confusion: list
    classes: list
    method: str
    alpha: float
    n_trials: int
    n_features: int
    n_folds: int
    seed: int | None
    confidence: float = 0.95
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every field."""
        out = asdict(self)
        out["ci"] = list(out["ci"])
        out["classes"] = [c.item() if hasattr(c, "item") else c for c in out["classes"]]
        return out

    def __str__(self) -> str:
        return (f"accuracy {self.accuracy:.3f} [{self.ci[0]:.3f}, {self.ci[1]:.3f}]"
                f" ({100 * self.confidence:g}% CI) by {self.method} readout,"
                f" {self.n_folds}-fold CV, {self.n_trials} trials, {self.n_features} features;"
                f" chance {self.chance:.3f}")


def _wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def readout_accuracy(features: Any, labels: Any, method: str = "ridge",
                     alpha: float | str = 1.0, n_folds: int = 5, seed: int | None = 0,
                     confidence: float = 0.95, standardize: bool = True, *,
                     alphas: Any = NESTED_ALPHAS, n_inner_folds: int | None = None,
                     criterion: str = "mse") -> ReadoutResult:
    """Cross-validated accuracy of a linear readout.

    Parameters
    ----------
    features : array_like, shape (n_trials, n_features)
        One row per trial (e.g. :func:`response_features` of binned spike counts).
    labels : array_like, shape (n_trials,)
        Class of each trial.
    method, alpha, standardize
        See :class:`LinearReadout`.  ``alpha="nested"`` (``method="ridge"`` only): the
        penalty is chosen among ``alphas`` inside every training set by
        :func:`nested_ridge_predictions`.
    n_folds : int
        Stratified folds (each class needs at least ``n_folds`` trials).
    seed : int, optional
        Seed of the fold assignment.
    confidence : float
        Coverage of the Wilson interval.
    alphas, n_inner_folds, criterion
        The grid, inner folds and ranking of ``alpha="nested"``
        (see :func:`nested_ridge_predictions`); ignored otherwise.

    Returns
    -------
    ReadoutResult
        With ``alpha="nested"``: ``alpha`` is the median of the penalties chosen in the
        outer folds, ``details`` holds them (``alphas_chosen``), the grid and the criterion.

    Raises
    ------
    AnalysisInputError
        Bad shapes, fewer than two classes, a class with fewer trials than folds.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = np.repeat([0, 1], 100)
    >>> x = rng.normal(size=(200, 3)) + 3.0 * y[:, None]    # well-separated classes
    >>> readout_accuracy(x, y, seed=0).accuracy > 0.95
    True
    """
    x, y = _check_xy(features, labels)
    if not 0 < confidence < 1:
        raise AnalysisInputError(f"confidence={confidence!r}: expected a number in (0, 1)")
    classes, yi = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise AnalysisInputError(f"labels: expected at least two classes, got {classes.tolist()}")
    details: dict = {}
    if isinstance(alpha, str):
        if alpha != "nested":
            raise AnalysisInputError(f"alpha={alpha!r}: expected a number > 0 or 'nested'")
        if method != "ridge":
            raise AnalysisInputError(f"method={method!r} with alpha='nested': expected"
                                     " method='ridge'")
        nested = nested_ridge_predictions(x, yi, alphas, n_folds, n_inner_folds, seed,
                                          criterion, standardize)
        folds, predicted = nested.folds, nested.predicted
        alpha = float(np.median(nested.alphas_chosen))
        details = {"alpha": "nested", "alphas_chosen": nested.alphas_chosen.tolist(),
                   "alpha_grid": nested.alphas.tolist(), "criterion": criterion}
    else:
        folds = stratified_folds(yi, n_folds, seed)
        predicted = np.empty_like(yi)
        for f in range(int(n_folds)):
            test = folds == f
            model = LinearReadout(method, alpha=alpha, standardize=standardize)
            model.fit(x[~test], yi[~test])
            predicted[test] = model.predict(x[test])
    fold_acc = [float(np.mean(predicted[folds == f] == yi[folds == f]))
                for f in range(int(n_folds))]
    correct = int(np.sum(predicted == yi))
    k = classes.size
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (yi, predicted), 1)
    return ReadoutResult(
        accuracy=correct / yi.size, ci=_wilson(correct, yi.size, confidence),
        fold_accuracies=fold_acc, chance=float(np.bincount(yi).max() / yi.size),
        confusion=confusion.tolist(), classes=classes.tolist(), method=method,
        alpha=float(alpha), n_trials=int(yi.size), n_features=int(x.shape[1]),
        n_folds=int(n_folds), seed=seed, confidence=float(confidence), details=details)


def _standardised(train: np.ndarray, test: np.ndarray, standardize: bool):
    """Training and test features on the training set's scale (as :class:`LinearReadout`),
    then centred on the training mean (the unpenalised intercept)."""
    if standardize:
        mean = train.mean(axis=0)
        sd = train.std(axis=0)
        scale = np.where(sd > 0, sd, 1.0)
        z, zt = (train - mean) / scale, (test - mean) / scale
    else:
        z, zt = train, test
    centre = z.mean(axis=0)
    return z - centre, zt - centre


class _RidgePath:
    """One eigendecomposition of a centred training set ``zc`` (trials, features): ridge
    scores for any grid of penalties, on new trials or leave-one-out on the training ones.

    With ``W(alpha) = (zc'zc + alpha I)^-1 zc' t`` (``t`` the centred targets), the scores of
    trials ``zt`` are ``P diag(1/(lam + alpha)) Q + mean(targets)``: primal (features <=
    trials) ``zc'zc = V diag(lam) V'``, ``P = zt V``, ``Q = V' zc' t``; dual
    ``zc zc' = U diag(lam) U'``, ``P = zt zc' U``, ``Q = U' t``.
    """

    def __init__(self, zc: np.ndarray, targets: np.ndarray):
        self.targets = targets
        self.ym = targets.mean(axis=0)
        t = targets - self.ym
        n, d = zc.shape
        self.zc, self.primal = zc, d <= n
        if self.primal:
            lam, self.basis = np.linalg.eigh(zc.T @ zc)
            self.r = zc @ self.basis                          # training trials' P
            self.p_train = self.r
            self.q = self.r.T @ t
        else:
            lam, self.basis = np.linalg.eigh(zc @ zc.T)
            lam = np.clip(lam, 0.0, None)
            self.r = self.basis
            self.p_train = self.basis * lam
            self.q = self.basis.T @ t
        self.lam = np.clip(lam, 0.0, None)

    def _shrink(self, alphas: np.ndarray) -> np.ndarray:
        return 1.0 / (self.lam[None, :] + alphas[:, None])      # (alphas, rank)

    def _scores(self, p: np.ndarray, shrink: np.ndarray) -> np.ndarray:
        return (p[None, :, :] * shrink[:, None, :]) @ self.q + self.ym

    def scores(self, zt: np.ndarray, alphas: np.ndarray) -> np.ndarray:
        """Scores (alphas, trials, classes) of centred test trials ``zt``."""
        p = zt @ self.basis if self.primal else (zt @ self.zc.T) @ self.basis
        return self._scores(p, self._shrink(alphas))

    def loo_scores(self, alphas: np.ndarray) -> np.ndarray:
        """Exact leave-one-out scores (alphas, trials, classes) of the training trials.

        The fit with an unpenalised intercept is linear, ``fitted = H targets`` with
        ``H = 11'/n + zc (zc'zc + alpha I)^-1 zc'``, so the residual of trial ``i`` refitted
        without it is ``(y_i - fitted_i) / (1 - H_ii)`` (the standardisation stays that of
        the whole training set).
        """
        shrink = self._shrink(alphas)
        fitted = self._scores(self.p_train, shrink)
        h = 1.0 / self.zc.shape[0] + np.einsum("ir,ir,ar->ai", self.p_train, self.r, shrink)
        resid = (self.targets - fitted) / np.maximum(1.0 - h, 1e-12)[:, :, None]
        return self.targets - resid


def _check_alphas(alphas: Any) -> np.ndarray:
    a = np.asarray(alphas, dtype=float).reshape(-1) if np.ndim(alphas) <= 1 else None
    if a is None or a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise AnalysisInputError(f"alphas={alphas!r}: expected a non-empty 1-D list of finite"
                                 " numbers > 0")
    return a


def ridge_path(train_features: Any, train_labels: Any, test_features: Any, alphas: Any,
               standardize: bool = True):
    """Class scores of held-out trials by the ridge readout, for every penalty of a grid.

    One eigendecomposition of the (standardised, centred) training set, of ``X'X`` or of
    ``XX'`` whichever is smaller, gives ``W(alpha) = (X'X + alpha I)^-1 X'T`` for every
    ``alpha``; the scores equal ``LinearReadout("ridge", alpha).fit(...).decision_function``.

    Parameters
    ----------
    train_features : array_like, shape (n_train, n_features)
    train_labels : array_like, shape (n_train,)
    test_features : array_like, shape (n_test, n_features)
    alphas : sequence of float
        Penalties (> 0).
    standardize : bool
        As :class:`LinearReadout`.

    Returns
    -------
    classes : ndarray
        The training labels, sorted (the columns of ``scores``).
    scores : ndarray, shape (len(alphas), n_test, n_classes)

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [1.0], [1.1]])
    >>> classes, scores = ridge_path(x, [0, 0, 1, 1], [[0.05], [1.05]], [1e-3, 1e3])
    >>> classes[scores.argmax(axis=2)].tolist()      # a large penalty shrinks to the mean
    [[0, 1], [0, 1]]
    >>> bool(np.ptp(scores[1]) < 0.01)
    True
    """
    x, y = _check_xy(train_features, train_labels)
    xt, _ = _check_xy(test_features)
    if xt.shape[1] != x.shape[1]:
        raise AnalysisInputError(f"test_features have {xt.shape[1]} columns: expected"
                                 f" {x.shape[1]} as in train_features")
    a = _check_alphas(alphas)
    classes, yi = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise AnalysisInputError(f"train_labels: expected at least two classes, got"
                                 f" {classes.tolist()}")
    zc, zt = _standardised(x, xt, standardize)
    return classes, _RidgePath(zc, np.eye(classes.size)[yi]).scores(zt, a)


@dataclass
class NestedRidge:
    """Held-out predictions of a ridge readout with a nested-CV penalty.

    Attributes
    ----------
    predicted : ndarray
        Predicted label of every trial, from the outer fold that held it out: the class of
        the largest ridge output (as :meth:`LinearReadout.predict`).
    accuracy : float
        Fraction of trials ``predicted`` correctly.
    predicted_lda, accuracy_lda
        The same fits read by the nearest class centroid (see
        :func:`nested_ridge_predictions`).
    folds : ndarray of int
        Outer fold of every trial (:func:`stratified_folds`).
    alphas_chosen : ndarray, shape (n_folds,)
        Penalty chosen inside each outer training set.
    inner_scores : ndarray, shape (n_folds, len(alphas))
        The inner criterion of every penalty (summed squared error, or correct trials).
    alphas : ndarray
        The grid.
    criterion : str
    """

    predicted: np.ndarray
    accuracy: float
    predicted_lda: np.ndarray
    accuracy_lda: float
    folds: np.ndarray
    alphas_chosen: np.ndarray
    inner_scores: np.ndarray
    alphas: np.ndarray
    criterion: str


def nested_ridge_predictions(features: Any, labels: Any, alphas: Any = NESTED_ALPHAS,
                             n_folds: int = 5, n_inner_folds: int | None = None,
                             seed: int | None = 0,
                             criterion: str = "mse", standardize: bool = True) -> NestedRidge:
    """Held-out predictions of a ridge readout whose penalty is chosen by nested CV.

    Outer: stratified ``n_folds`` folds (:func:`stratified_folds` with ``seed``).  Inside
    each outer training set every penalty of ``alphas`` is scored on held-out trials of
    that set only: by exact leave-one-out (``n_inner_folds=None``, default: closed form
    from the one eigendecomposition that also fits the outer fold) or by stratified
    ``n_inner_folds`` folds (their seed drawn from ``seed``; one eigendecomposition per
    inner fold serves the whole grid, see :func:`ridge_path`).  The best penalty (ties: the
    larger) is fitted on the whole outer training set and predicts the outer test fold, so
    the test trials of a fold never inform its penalty.

    Two decision rules read the same fits.  ``predicted``: the class of the largest output,
    which "masks" classes ordered along one direction (the middle classes' outputs are
    never the largest; Hastie, Tibshirani & Friedman, ESL section 4.2).  ``predicted_lda``:
    the nearest class centroid in the space of the first ``classes - 1`` outputs, in the
    metric of their pooled within-class covariance, with the log of the class frequencies
    (linear discriminant analysis on the fits, i.e. penalised discriminant analysis; ESL
    section 12.5); the centroids and covariance are those of the outer training set's
    leave-one-out fits (which have the spread of held-out fits, where the training fits
    are pulled towards their own targets), projected on the span of the fits.

    Parameters
    ----------
    features : array_like, shape (n_trials, n_features)
    labels : array_like, shape (n_trials,)
    alphas : sequence of float
        The grid (default :data:`NESTED_ALPHAS`).
    n_folds : int
        Outer folds (every class needs ``n_folds`` trials).
    n_inner_folds : int, optional
        Inner folds (every class needs that many trials in every outer training set);
        None: leave-one-out, about ``n_inner_folds`` times faster.  The leave-one-out
        keeps the outer training set's standardisation (k-fold re-standardises).
    seed : int, optional
    criterion : {'mse', 'accuracy'}
        Inner ranking: summed squared error of the one-hot targets (default: smooth, so
        on uninformative features it reliably prefers the strongest penalty, where the
        accuracy is flat at chance and picks a penalty at random), or correct trials.
    standardize : bool
        As :class:`LinearReadout`.

    Returns
    -------
    NestedRidge

    Raises
    ------
    AnalysisInputError
        Bad shapes, grid, criterion or folds; fewer than two classes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 50)
    >>> x = rng.normal(size=(100, 2)) + 3.0 * y[:, None]
    >>> res = nested_ridge_predictions(x, y, seed=0)
    >>> res.accuracy > 0.95, res.alphas_chosen.shape
    (True, (5,))
    """
    x, y = _check_xy(features, labels)
    a = _check_alphas(alphas)
    if criterion not in NESTED_CRITERIA:
        raise AnalysisInputError(f"criterion={criterion!r}: expected one of"
                                 f" {', '.join(NESTED_CRITERIA)}")
    classes, yi = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise AnalysisInputError(f"labels: expected at least two classes, got {classes.tolist()}")
    if n_inner_folds is not None and (int(n_inner_folds) != n_inner_folds
                                      or n_inner_folds < 2):
        raise AnalysisInputError(f"n_inner_folds={n_inner_folds!r}: expected None (leave-one-"
                                 "out) or an integer >= 2")
    onehot = np.eye(classes.size)[yi]
    folds = stratified_folds(yi, n_folds, seed)
    inner_seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, int(n_folds))
    predicted = np.empty_like(yi)
    predicted_lda = np.empty_like(yi)
    chosen = np.empty(int(n_folds))
    inner_scores = np.zeros((int(n_folds), a.size))

    def loss(scores: np.ndarray, held: np.ndarray) -> np.ndarray:
        if criterion == "mse":
            return ((scores - onehot[held]) ** 2).sum(axis=(1, 2))
        return -(scores.argmax(axis=2) == yi[held]).sum(axis=1).astype(float)

    order = np.argsort(a)[::-1]                 # ties go to the larger penalty
    for f in range(int(n_folds)):
        train = np.flatnonzero(folds != f)
        test = np.flatnonzero(folds == f)
        zc, zt = _standardised(x[train], x[test], standardize)
        path = _RidgePath(zc, onehot[train])
        if n_inner_folds is None:
            inner_scores[f] = loss(path.loo_scores(a), train)
        else:
            inner = stratified_folds(yi[train], n_inner_folds, int(inner_seeds[f]))
            for g in range(int(n_inner_folds)):
                fit, held = train[inner != g], train[inner == g]
                zc_in, zt_in = _standardised(x[fit], x[held], standardize)
                inner_scores[f] += loss(_RidgePath(zc_in, onehot[fit]).scores(zt_in, a), held)
        best = order[int(np.argmin(inner_scores[f][order]))]
        chosen[f] = a[best]
        test_fits = path.scores(zt, a[best:best + 1])[0]
        predicted[test] = test_fits.argmax(axis=1)
        predicted_lda[test] = _nearest_centroid(path, float(a[best]), yi[train], test_fits,
                                                classes.size)
    if criterion == "accuracy":
        inner_scores = -inner_scores
    return NestedRidge(predicted=classes[predicted], accuracy=float(np.mean(predicted == yi)),
                       predicted_lda=classes[predicted_lda],
                       accuracy_lda=float(np.mean(predicted_lda == yi)),
                       folds=folds, alphas_chosen=chosen, inner_scores=inner_scores, alphas=a,
                       criterion=criterion)


def _nearest_centroid(path: "_RidgePath", alpha: float, train_y: np.ndarray,
                      test_fits: np.ndarray, n_classes: int) -> np.ndarray:
    """Linear discriminant rule on the fits: class index of every test trial.

    Fits minus the target mean lie in the span of the training fits (at most
    ``classes - 1`` dimensions: the outputs of a trial sum to 1); the leave-one-out fits
    leave it by a class-specific step, so everything is projected on that span first."""
    a = np.array([alpha])
    _, sv, vt = np.linalg.svd(path._scores(path.p_train, path._shrink(a))[0] - path.ym,
                              full_matrices=False)
    basis = vt[sv > 1e-9 * max(float(sv.max()), 1e-300)].T           # (classes, rank)
    f = (path.loo_scores(a)[0] - path.ym) @ basis
    t = (test_fits - path.ym) @ basis
    n_k = np.bincount(train_y, minlength=n_classes)
    mu = np.stack([f[train_y == k].mean(axis=0) for k in range(n_classes)])
    resid = f - mu[train_y]
    within = resid.T @ resid / max(train_y.size - n_classes, 1)
    lam, vec = np.linalg.eigh(within)
    keep = lam > 1e-10 * max(float(lam.max()), 1e-300)
    inv = (vec[:, keep] / lam[keep]) @ vec[:, keep].T
    d = t[:, None, :] - mu[None, :, :]                                # (test, classes, rank)
    dist = np.einsum("mki,ij,mkj->mk", d, inv, d) - 2.0 * np.log(n_k / n_k.sum())
    return dist.argmin(axis=1)


def response_features(counts: Any, transform: str = "sqrt") -> np.ndarray:
    """Feature matrix from binned spike counts.

    Parameters
    ----------
    counts : array_like, shape (n_trials, n_neurons) or (n_trials, n_neurons, n_bins)
        Spike counts per trial, neuron and time bin.
    transform : {'sqrt', 'none'}
        ``sqrt`` stabilises the variance of Poisson-like counts (Anscombe-style).

    Returns
    -------
    ndarray, shape (n_trials, n_neurons * n_bins)
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim not in (2, 3) or c.shape[0] == 0:
        raise AnalysisInputError(f"counts has shape {c.shape}: expected (n_trials, n_neurons)"
                                 " or (n_trials, n_neurons, n_bins)")
    if np.any(c < 0):
        raise AnalysisInputError("counts: expected non-negative spike counts")
    if transform == "sqrt":
        c = np.sqrt(c)
    elif transform != "none":
        raise AnalysisInputError(f"transform={transform!r}: expected 'sqrt' or 'none'")
    return c.reshape(c.shape[0], -1)
