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
    confusion matrix and the chance level; ``ReadoutResult.to_dict()`` is JSON-ready.
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
           "stratified_folds", "READOUT_METHODS"]

#: Classifiers of :class:`LinearReadout`.
READOUT_METHODS = ("ridge", "logistic")


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


def readout_accuracy(features: Any, labels: Any, method: str = "ridge", alpha: float = 1.0,
                     n_folds: int = 5, seed: int | None = 0, confidence: float = 0.95,
                     standardize: bool = True) -> ReadoutResult:
    """Cross-validated accuracy of a linear readout.

    Parameters
    ----------
    features : array_like, shape (n_trials, n_features)
        One row per trial (e.g. :func:`response_features` of binned spike counts).
    labels : array_like, shape (n_trials,)
        Class of each trial.
    method, alpha, standardize
        See :class:`LinearReadout`.
    n_folds : int
        Stratified folds (each class needs at least ``n_folds`` trials).
    seed : int, optional
        Seed of the fold assignment.
    confidence : float
        Coverage of the Wilson interval.

    Returns
    -------
    ReadoutResult

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
    folds = stratified_folds(yi, n_folds, seed)
    predicted = np.empty_like(yi)
    fold_acc = []
    for f in range(int(n_folds)):
        test = folds == f
        model = LinearReadout(method, alpha=alpha, standardize=standardize)
        model.fit(x[~test], yi[~test])
        predicted[test] = model.predict(x[test])
        fold_acc.append(float(np.mean(predicted[test] == yi[test])))
    correct = int(np.sum(predicted == yi))
    k = classes.size
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (yi, predicted), 1)
    return ReadoutResult(
        accuracy=correct / yi.size, ci=_wilson(correct, yi.size, confidence),
        fold_accuracies=fold_acc, chance=float(np.bincount(yi).max() / yi.size),
        confusion=confusion.tolist(), classes=classes.tolist(), method=method,
        alpha=float(alpha), n_trials=int(yi.size), n_features=int(x.shape[1]),
        n_folds=int(n_folds), seed=seed, confidence=float(confidence))


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
