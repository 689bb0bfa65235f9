"""Logistic models fitted with numpy: many codes at once, warm-startable, weighted rows.

:func:`fit_multilabel` fits one L2-regularised logistic regression per label column jointly
(one loss, one gradient for all codes), on a sparse block (TF-IDF, rule hits) beside a dense
block (embeddings), with class-balanced weights per code and a weight per row (the study's own
passages count more than the bundled ones). It minimises
``C · Σ_i,c w_i b_ic · logloss(y_ic, x_i·W_c + b_c) + ½ ‖W‖²`` — the objective of
scikit-learn's ``LogisticRegression(C, class_weight="balanced")`` per code — with L-BFGS
(:func:`lbfgs`), and can start from an earlier solution (retraining refits from the bundled
model's weights in a few iterations). :func:`fit_logistic` fits small dense models (Platt
maps, the similarity calibration, the stacker) by Newton's method.

Prediction never needs this module's fitting code: a fitted model is plain arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)


def lbfgs(
    f: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    *,
    memory: int = 10,
    max_iter: int = 500,
    gtol: float = 1e-5,
    ftol: float = 1e-7,
) -> tuple[np.ndarray, float, int]:
    """Minimise ``f`` (returning loss and gradient) from ``x0``; returns ``(x, f(x), iterations)``.

    Two-loop L-BFGS with a backtracking (Armijo) line search. Stops when the largest gradient
    entry falls below ``gtol`` times the first one's, or the relative decrease of the loss in
    one iteration below ``ftol``.
    """
    x = np.array(x0, dtype=np.float64)
    fx, g = f(x)
    g_first = max(float(np.abs(g).max()), 1e-12)
    s_hist: list[np.ndarray] = []
    y_hist: list[np.ndarray] = []
    rho: list[float] = []
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        q = g.copy()
        alphas = []
        for s, y, r in zip(reversed(s_hist), reversed(y_hist), reversed(rho), strict=True):
            a = r * float(s @ q)
            alphas.append(a)
            q -= a * y
        if s_hist:
            q *= float(s_hist[-1] @ y_hist[-1]) / float(y_hist[-1] @ y_hist[-1])
        else:
            q *= 0.1 / max(float(np.abs(g).max()), 1e-12)
        for s, y, r, a in zip(s_hist, y_hist, rho, reversed(alphas), strict=True):
            q += s * (a - r * float(y @ q))
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            direction, s_hist, y_hist, rho = -g, [], [], []
            slope = float(g @ direction)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = f(x_new)
            if f_new <= fx + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-10:
            s_hist.append(s)
            y_hist.append(y)
            rho.append(1.0 / sy)
            if len(s_hist) > memory:
                s_hist.pop(0)
                y_hist.pop(0)
                rho.pop(0)
        decrease = (fx - f_new) / max(abs(fx), abs(f_new), 1.0)
        x, fx, g = x_new, f_new, g_new
        if float(np.abs(g).max()) <= gtol * g_first or decrease <= ftol:
            break
    return x, float(fx), iteration


@dataclass
class LinearWeights:
    """``decision = sparse @ sparse_w + dense @ dense_w + bias``, one column per label."""

    sparse_w: np.ndarray
    dense_w: np.ndarray
    bias: np.ndarray

    def flat(self) -> np.ndarray:
        """All weights as one vector (the optimiser's parameters)."""
        return np.concatenate([self.sparse_w.ravel(), self.dense_w.ravel(), self.bias.ravel()]).astype(
            np.float64
        )

    @classmethod
    def unflat(cls, theta: np.ndarray, n_sparse: int, n_dense: int, k: int) -> LinearWeights:
        a, b = n_sparse * k, (n_sparse + n_dense) * k
        return cls(theta[:a].reshape(n_sparse, k), theta[a:b].reshape(n_dense, k), theta[b:].copy())


def balanced_weights(labels: np.ndarray) -> np.ndarray:
    """scikit-learn's ``class_weight="balanced"`` per label column: ``n / (2 · count)`` per class."""
    n = labels.shape[0]
    positives = labels.sum(axis=0).astype(np.float64)
    negatives = n - positives
    w_pos = np.where(positives > 0, n / (2 * np.maximum(positives, 1)), 0.0)
    w_neg = np.where(negatives > 0, n / (2 * np.maximum(negatives, 1)), 0.0)
    return labels * w_pos + (1 - labels) * w_neg


def fit_multilabel(
    sparse_x: object,
    dense_x: np.ndarray,
    labels: np.ndarray,
    *,
    c: float,
    row_weights: np.ndarray | None = None,
    start: LinearWeights | None = None,
    balanced: bool = True,
    max_iter: int = 400,
    gtol: float = 1e-4,
    ftol: float = 1e-6,
) -> tuple[LinearWeights, int]:
    """Fit one logistic regression per label column jointly; returns the weights and the iterations.

    ``sparse_x`` is a ``scipy.sparse`` matrix (training only), ``dense_x`` a dense array with the
    same rows; ``labels`` is ``(n, k)`` 0/1. Columns with a single class get a very negative or
    positive bias and no weights' worth mentioning (the regulariser keeps them near zero).
    """
    n, k = labels.shape
    y = labels.astype(np.float64)
    row_w = np.ones(n) if row_weights is None else np.asarray(row_weights, dtype=np.float64)
    sample_w = c * row_w[:, None] * (balanced_weights(y) if balanced else np.ones_like(y))
    xs = sparse_x.tocsr().astype(np.float64)  # type: ignore[attr-defined]
    xs_t = xs.T.tocsr()
    xd = np.asarray(dense_x, dtype=np.float64)
    n_sparse, n_dense = xs.shape[1], xd.shape[1]

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = LinearWeights.unflat(theta, n_sparse, n_dense, k)
        z = xs @ w.sparse_w + xd @ w.dense_w + w.bias
        log1pexp = np.logaddexp(0.0, z)
        loss = float((sample_w * (log1pexp - y * z)).sum())
        loss += 0.5 * (float((w.sparse_w**2).sum()) + float((w.dense_w**2).sum()))
        grad_z = sample_w * (np.exp(z - log1pexp) - y)
        grad = np.concatenate(
            [(xs_t @ grad_z + w.sparse_w).ravel(), (xd.T @ grad_z + w.dense_w).ravel(), grad_z.sum(axis=0)]
        )
        return loss, grad

    if start is None:
        prior = np.clip(y.mean(axis=0), 1e-4, 1 - 1e-4)
        start = LinearWeights(
            np.zeros((n_sparse, k)),
            np.zeros((n_dense, k)),
            np.zeros(k) if balanced else np.log(prior / (1 - prior)),
        )
    theta, _, iterations = lbfgs(loss_and_grad, start.flat(), max_iter=max_iter, gtol=gtol, ftol=ftol)
    return LinearWeights.unflat(theta, n_sparse, n_dense, k), iterations


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    *,
    c: float = 1.0,
    weights: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> np.ndarray:
    """A small dense logistic regression by damped Newton steps: ``[w..., intercept]``.

    Minimises ``C · Σ_i w_i logloss + ½ ‖w‖²`` (the intercept is not penalised), as
    scikit-learn's ``LogisticRegression(C=c)`` does; each Newton step is halved until the loss
    decreases enough (Armijo), so it converges from any start.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    y = np.asarray(y, dtype=np.float64).ravel()
    sw = c * (np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64))
    design = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.ones(design.shape[1])
    penalty[-1] = 0.0

    def loss(theta: np.ndarray) -> float:
        z = design @ theta
        return float((sw * (np.logaddexp(0.0, z) - y * z)).sum() + 0.5 * (penalty * theta * theta).sum())

    theta = np.zeros(design.shape[1])
    rate = np.clip((sw * y).sum() / max(sw.sum(), 1e-12), 1e-6, 1 - 1e-6)
    theta[-1] = np.log(rate / (1 - rate))
    current = loss(theta)
    for _ in range(max_iter):
        p = sigmoid(design @ theta)
        grad = design.T @ (sw * (p - y)) + penalty * theta
        hess = (design * (sw * p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        decrease = float(grad @ step)
        size = 1.0
        while True:
            candidate = theta - size * step
            value = loss(candidate)
            if value <= current - 1e-4 * size * decrease or size < 1e-8:
                break
            size *= 0.5
        theta, previous, current = candidate, current, value
        if float(np.abs(size * step).max()) < tol or previous - current <= 1e-12 * max(abs(current), 1.0):
            break
    return theta
