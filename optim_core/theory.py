"""What theory says about the book's optimizers on a quadratic f(w) = 1/2 w^T H w.

Every function takes the curvatures (eigenvalues of H: mu the smallest, L the largest) and the
hyperparameters, and works elementwise on arrays, so a whole grid is one call. Learning rates are in
torch's form (w -= lr (beta v + g) for Momentum); the article's EMA form uses lr / (1 - beta) for the
same steps. The results are the classical ones of Polyak (1964) and Nesterov (1983); see the Momentum
chapter for their derivation.
"""

from __future__ import annotations

import numpy as np


def _f(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def gd_stable_lr(L):
    """The largest learning rate at which GD does not diverge: 2 / L."""
    return 2.0 / _f(L)


def gd_best(mu, L) -> tuple:
    """GD's best learning rate 2 / (L + mu) and its rate per step (kappa - 1) / (kappa + 1), kappa = L / mu."""
    mu, L = _f(mu), _f(L)
    kappa = L / mu
    return 2.0 / (L + mu), (kappa - 1) / (kappa + 1)


def gd_rate(lr, curvatures) -> np.ndarray:
    """GD's factor per step on the slowest direction: max over curvatures lambda of |1 - lr lambda|
    (>= 1 means no convergence)."""
    lr = _f(lr)
    return np.max(np.abs(1.0 - lr[..., None] * np.atleast_1d(_f(curvatures))), axis=-1)


def momentum_rate(lr, beta, curvatures, nesterov: bool = False) -> np.ndarray:
    """Asymptotic factor per step by which the distance shrinks: the largest |root| of the heavy ball's
    (or Nesterov's) characteristic polynomial over all curvatures. lr and beta broadcast against each
    other; a value >= 1 means the run does not converge. beta = 0 gives GD's rate."""
    lr, beta = _f(lr), _f(beta)
    worst = np.zeros(np.broadcast_shapes(lr.shape, beta.shape))
    for lam in np.atleast_1d(_f(curvatures)):
        h = lr * lam
        b, c = ((1 + beta) * (1 - h), beta * (1 - h)) if nesterov else (1 + beta - h, beta)
        root = np.sqrt((b * b - 4 * c).astype(np.complex128))
        worst = np.maximum(worst, np.maximum(np.abs((b + root) / 2), np.abs((b - root) / 2)))
    return worst


def heavy_ball_best(mu, L) -> tuple:
    """Polyak's optimum: lr 4 / (sqrt L + sqrt mu)^2, beta r^2, and the rate r = (sqrt k - 1) / (sqrt k + 1)."""
    sq_mu, sq_L = np.sqrt(_f(mu)), np.sqrt(_f(L))
    r = (sq_L - sq_mu) / (sq_L + sq_mu)
    return 4.0 / (sq_L + sq_mu) ** 2, r * r, r


def momentum_stable_lr(L, beta, nesterov: bool = False):
    """The largest stable lr when the top curvature is L: 2 (1 + beta) / L for the heavy ball and
    2 (1 + beta) / ((1 + 2 beta) L) for Nesterov; beta = 0 gives GD's 2 / L."""
    beta = _f(beta)
    return 2 * (1 + beta) / ((1 + 2 * beta) if nesterov else 1.0) / _f(L)


def kappa_for_beta(beta):
    """The condition number for which beta is Polyak's optimal beta: ((1 + sqrt beta) / (1 - sqrt beta))^2."""
    s = np.sqrt(_f(beta))
    return ((1 + s) / (1 - s)) ** 2


def flat_rate_window(mu, L, beta) -> tuple:
    """The lr interval in which every direction oscillates and the heavy ball's rate is exactly sqrt(beta):
    [(1 - sqrt beta)^2 / mu, (1 + sqrt beta)^2 / L] (empty when beta is below Polyak's optimum)."""
    s = np.sqrt(_f(beta))
    return (1 - s) ** 2 / _f(mu), (1 + s) ** 2 / _f(L)


def steps_for_rate(rate, tol):
    """Steps for a contraction by `rate` per step to shrink a distance by the factor tol: log(tol) / log(rate)."""
    return np.log(tol) / np.log(_f(rate))
