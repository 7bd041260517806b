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


def ema_lr(lr, beta):
    """Momentum's EMA-form (the article's) learning rate that takes the same steps as the torch-form lr:
    lr / (1 - beta). It is also the effective rate, the step per unit of a constant gradient in the long run."""
    return _f(lr) / (1.0 - _f(beta))


def gd_stable_lr(L):
    """The largest learning rate at which GD does not diverge: 2 / L."""
    return 2.0 / _f(L)


def gd_best(mu, L) -> tuple:
    """GD's best learning rate 2 / (L + mu) and its rate per step (kappa - 1) / (kappa + 1), kappa = L / mu."""
    mu, L = _f(mu), _f(L)
    kappa = L / mu
    return 2.0 / (L + mu), (kappa - 1) / (kappa + 1)


def gd_rate(lr, curvatures) -> np.ndarray:
    """GD's factor per step on the slowest direction: max over curvatures lambda of `|1 - lr lambda|`
    (>= 1 means no convergence)."""
    lr = _f(lr)
    return np.max(np.abs(1.0 - lr[..., None] * np.atleast_1d(_f(curvatures))), axis=-1)


def momentum_rate(lr, beta, curvatures, nesterov: bool = False) -> np.ndarray:
    """Asymptotic factor per step by which the distance shrinks: the largest `|root|` of the heavy ball's
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


def momentum_terminal_velocity(beta, alternating: bool = False):
    """The limit of `|v_t|` (torch form) fed a unit gradient: 1 / (1 - beta) if it is constant, 1 / (1 + beta) if it
    flips sign every step."""
    beta = _f(beta)
    return 1.0 / (1.0 + beta) if alternating else 1.0 / (1.0 - beta)


def momentum_angle(lr, beta, curvature):
    """The angle (radians per step) of the heavy ball's complex roots along a direction of curvature lambda:
    arccos((1 + beta - lr lambda) / (2 sqrt beta)); NaN where the roots are real (no rotation)."""
    lr, beta = _f(lr), _f(beta)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.arccos((1 + beta - lr * _f(curvature)) / (2 * np.sqrt(beta)))


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


def momentum_noise_variance(lr, beta, curvature, noise_var=1.0):
    """The stationary variance of w along a direction of curvature lambda when the heavy ball (torch form) sees
    the gradient lambda w plus independent noise of variance noise_var (sigma^2 / B) at every step:
    (1 + beta) lr noise_var / ((1 - beta) lambda (2 (1 + beta) - lr lambda)). With eta = lr / (1 - beta) it is
    eta noise_var / (lambda (2 - eta lambda (1 - beta) / (1 + beta))): eta noise_var / (2 lambda) whatever beta
    is when eta lambda is small. beta = 0 gives GD's lr noise_var / (lambda (2 - lr lambda)); inf where the
    recursion is unstable (lr lambda >= 2 (1 + beta))."""
    lr, beta, lam = _f(lr), _f(beta), _f(curvature)
    gap = 2 * (1 + beta) - lr * lam
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (1 + beta) * lr * _f(noise_var) / ((1 - beta) * lam * gap)
    return np.where(gap > 0, var, np.inf)


# ----- Adam's step size, for any gradient sequence (Kingma & Ba, 2015, section 2.1) ------------------------------
def adam_uncorrected_ratio(t, beta1, beta2) -> np.ndarray:
    """For a constant gradient, Adam's step without bias correction over the corrected one at step t (eps = 0):
    (1 - beta1^t) / sqrt(1 - beta2^t). At t = 1 it is `adam_spike_bound(beta1, beta2)`."""
    t = np.asarray(t, dtype=np.float64)
    return (1 - float(beta1) ** t) / np.sqrt(1 - float(beta2) ** t)


def adam_spike_bound(beta1, beta2) -> float:
    """(1 - beta1) / sqrt(1 - beta2): `|step|` / lr for one gradient after a long run of zeros, Kingma & Ba's bound
    on the step when 1 - beta1 > sqrt(1 - beta2) (and the uncorrected first step's factor)."""
    return float((1 - float(beta1)) / np.sqrt(1 - float(beta2)))


def _corrected_ema_weights(beta: float, t: int) -> np.ndarray:
    """The weights of x_1 .. x_t in a bias-corrected EMA at step t."""
    beta = float(beta)
    return (1 - beta) * beta ** np.arange(t - 1, -1, -1, dtype=np.float64) / (1 - beta**t)


def adam_worst_step(t: int, beta1, beta2) -> float:
    """The largest `|step|` / lr of Adam (eps = 0) at step t over all gradient sequences. With m_hat = sum a_k dw_k
    and v_hat = sum b_k dw_k^2, Cauchy-Schwarz gives `|m_hat|` / sqrt(v_hat) <= sqrt(sum a_k^2 / b_k)."""
    a, b = _corrected_ema_weights(beta1, t), _corrected_ema_weights(beta2, t)
    return float(np.sqrt(np.sum(a * a / b)))


def adam_worst_gradients(t: int, beta1, beta2) -> np.ndarray:
    """dw_1 .. dw_t that attain `adam_worst_step` at step t: dw_k proportional to a_k / b_k ~ (beta1 / beta2)^(t-k)."""
    return _corrected_ema_weights(beta1, t) / _corrected_ema_weights(beta2, t)


def adam_worst_step_limit(beta1, beta2) -> float:
    """`adam_worst_step` as t grows: (1 - beta1) / sqrt((1 - beta2)(1 - beta1^2 / beta2)), finite only if
    beta1^2 < beta2 (inf otherwise)."""
    beta1, beta2 = float(beta1), float(beta2)
    rho = beta1**2 / beta2
    return float((1 - beta1) / np.sqrt((1 - beta2) * (1 - rho))) if rho < 1 else np.inf


def adam_eps_from_eps_hat(eps_hat, beta2, t) -> np.ndarray:
    """The eps of Adam's usual form, alpha m_hat_t / (sqrt(v_hat_t) + eps), that takes the same step at step t as
    the paper's efficient form with eps_hat added to the uncorrected sqrt(v_t) (TensorFlow's convention):
    eps_hat / sqrt(1 - beta2^t). It is eps_hat / sqrt(1 - beta2) at t = 1 and falls to eps_hat as t grows."""
    return _f(eps_hat) / np.sqrt(1.0 - np.power(_f(beta2), _f(t)))


def adam_noisy_rms_step(mean, sigma, beta1) -> np.ndarray:
    """The root mean square of Adam's `|step|` / lr, `|m_hat|` / sqrt(v_hat) (eps = 0), once both averages are
    stationary, for independent gradients of mean E[dw] and standard deviation sigma, with v_hat taken as its
    expectation E[dw]^2 + sigma^2 (a long beta2 memory): m_hat then has mean E[dw] and variance
    sigma^2 (1 - beta1) / (1 + beta1), so the result is sqrt((E[dw]^2 + sigma^2 (1 - beta1) / (1 + beta1)) /
    (E[dw]^2 + sigma^2)). It is 1 without noise and falls to sqrt((1 - beta1) / (1 + beta1)) on pure noise;
    with beta1 = 0 it is 1 at every noise level."""
    g2, s2, beta1 = _f(mean) ** 2, _f(sigma) ** 2, _f(beta1)
    return np.sqrt((g2 + s2 * (1 - beta1) / (1 + beta1)) / (g2 + s2))


def adam_uncorrected_peak(beta1, beta2, horizon: int = 10_000) -> tuple:
    """(t, ratio) at which `adam_uncorrected_ratio` is largest over t = 1..horizon."""
    t = np.arange(1, horizon + 1)
    ratio = adam_uncorrected_ratio(t, beta1, beta2)
    return int(t[np.argmax(ratio)]), float(ratio.max())


def adam_uncorrected_settles(level, beta1, beta2, horizon: int = 100_000) -> int:
    """The step t from which `adam_uncorrected_ratio` stays below `level` up to the horizon (0 if never above)."""
    above = np.flatnonzero(adam_uncorrected_ratio(np.arange(1, horizon + 1), beta1, beta2) >= level)
    if above.size and above[-1] == horizon - 1:
        raise ValueError(f"the ratio is still >= {level} at the horizon t = {horizon}")
    return int(above[-1]) + 2 if above.size else 0
