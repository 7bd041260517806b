"""Gradient noise on a quadratic, solved exactly.

Along an eigen-direction of curvature lambda, with gradient noise xi_t of variance s^2 = sigma^2 / B (as
problems.NoisyQuadratic draws it), SGD is a linear recursion driven by white noise::

    w_t = (1 - alpha lambda) w_{t-1} - alpha xi_t;

the heavy ball adds a term in w_{t-2}, and an EMA of the weights, u_t = beta_w u_{t-1} + (1 - beta_w) w_t (the
book's w-bar_t), one more state. Every result below follows from the mean and the covariance of such a recursion::

    weight_variance        the stationary variance of w: alpha s^2 / (lambda (2 - alpha lambda)) for SGD
    loss_floor             the expected f where the noise leaves the (possibly EMA-averaged) weights
    expected_loss          E f(w_t) at every step of a run, for a constant rate or a schedule
    expected_averaged_loss E f(u_t) at every step for the EMA u_t of the weights, started at u_0 = w_0
    ema_variance_ratio     what an EMA of the weights leaves of the variance
    tail_average_variance  the variance of the plain mean of the last n iterates (tail averaging; Polyak-Ruppert
                           averaging is the mean of all iterates)
    stationary_covariance  the general solver (a discrete Lyapunov equation) behind averaged_variance
    noise_scale, two_batch_noise_scale   McCandlish et al.'s (2018) simple noise scale, exact and estimated
    critical_noise_scale   their B_noise = tr(H Sigma) / (G^T H G), which uses the curvature too
    adam_mean_step, replayed_directions  Adam's mean step under noise (Balles & Hennig, 2018), and its measurement

Momentum is in its EMA form (the article's): v_t = beta v_{t-1} + (1 - beta) dw_t, w_t = w_{t-1} - alpha v_t, so
alpha is the effective rate; torch's lr for the same steps is alpha (1 - beta). Hyperparameters broadcast
together (any shapes); the curvatures of a problem are summed over last.
"""

from __future__ import annotations

import numpy as np

from optim_core._checks import lr_at
from optim_core.theory import momentum_noise_variance


def _f(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def weight_variance(lr, curvature, noise_var, beta=0.0) -> np.ndarray:
    """The stationary variance of w along a direction of curvature lambda, gradient noise of variance s^2:
    alpha s^2 / (lambda (2 - alpha lambda)) for SGD (beta = 0); for the heavy ball at the effective rate alpha
    (EMA form), alpha s^2 / (lambda (2 - alpha lambda (1 - beta) / (1 + beta))). inf where the run is unstable."""
    beta = _f(beta)
    return momentum_noise_variance(_f(lr) * (1.0 - beta), beta, curvature, noise_var)


def _directions(problem, *hyper):
    """lambda_i and s_i^2 = sigma_i^2 / B of a NoisyQuadratic, and each hyperparameter with an axis for them."""
    lam = _f(problem.curvatures)
    s2 = _f(problem.sigmas) ** 2 / problem.batch_size
    return (lam, s2, *(_f(h)[..., None] for h in hyper))


def loss_floor(problem, lr, beta=0.0, decay=0.0) -> np.ndarray:
    """The stationary mean of f - f* of SGD or the heavy ball (EMA form, effective rate lr) on a NoisyQuadratic,
    1/2 sum_i lambda_i Var w_i, or of the EMA of its weights with `decay` gamma > 0. Small alpha lambda_i:
    about alpha tr(Sigma) / (4 B), whatever the curvatures."""
    lam, s2, lr, beta, decay = _directions(problem, lr, beta, decay)
    if np.all(decay == 0):
        var = weight_variance(lr, lam, s2, beta)
    else:
        var = averaged_variance(lr, lam, s2, decay, beta)
    return np.sum(0.5 * lam * var, axis=-1)


def linear_system(lr, curvature, beta=0.0, decay=0.0) -> tuple:
    """(M, c) of the recursion z_t = M z_{t-1} + c xi_t of the state z_t = (w_t, w_{t-1}, u_t) along one
    eigen-direction: the heavy ball in EMA form (beta = 0: SGD) and the EMA u_t of its weights. Shapes: the
    broadcast of the arguments, then (3, 3) and (3,)."""
    lr, lam, beta, decay = np.broadcast_arrays(_f(lr), _f(curvature), _f(beta), _f(decay))
    a, b, c = 1.0 + beta - lr * (1.0 - beta) * lam, -beta, -lr * (1.0 - beta)
    zero, one = np.zeros_like(a), np.ones_like(a)
    keep = 1.0 - decay
    m = np.stack(
        [np.stack([a, b, zero], -1), np.stack([one, zero, zero], -1), np.stack([keep * a, keep * b, decay], -1)], -2
    )
    return m, np.stack([c, zero, keep * c], -1)


def stationary_covariance(m, c, noise_var=1.0) -> np.ndarray:
    """The covariance P = M P M^T + s^2 c c^T the state of z_t = M z_{t-1} + c xi_t settles at (the discrete
    Lyapunov equation, solved as a linear system in the entries of P); inf where M has an eigenvalue of modulus
    >= 1 (no stationary state). m: (..., n, n), c: (..., n)."""
    m, c = _f(m), _f(c)
    n = m.shape[-1]
    q = _f(noise_var)[..., None, None] * c[..., :, None] * c[..., None, :]
    m, q = np.broadcast_arrays(m, q)
    kron = np.einsum("...ij,...kl->...ikjl", m, m).reshape(*m.shape[:-2], n * n, n * n)
    p = np.linalg.solve(np.eye(n * n) - kron, q.reshape(*q.shape[:-2], n * n, 1)).reshape(q.shape)
    stable = np.max(np.abs(np.linalg.eigvals(m)), axis=-1) < 1.0
    return np.where(stable[..., None, None], p, np.inf)


def averaged_variance(lr, curvature, noise_var, decay, beta=0.0) -> np.ndarray:
    """The stationary variance of the EMA u_t = gamma u_{t-1} + (1 - gamma) w_t of the weights of the heavy ball
    (EMA form; beta = 0: SGD), from `stationary_covariance`."""
    m, c = linear_system(lr, curvature, beta, decay)
    return stationary_covariance(m, c, np.broadcast_to(_f(noise_var), m.shape[:-2]))[..., 2, 2]


def ema_variance_ratio(lr, curvature, decay) -> np.ndarray:
    """Var u / Var w for an EMA with decay gamma of SGD's weights: with rho = 1 - alpha lambda,
    (1 - gamma)(1 + gamma rho) / ((1 + gamma)(1 - gamma rho)). About (1 - gamma) / (1 - gamma + alpha lambda)
    for gamma and rho near 1: the EMA helps where alpha lambda is large next to 1 - gamma, not where it is small."""
    rho, g = 1.0 - _f(lr) * _f(curvature), _f(decay)
    return (1.0 - g) * (1.0 + g * rho) / ((1.0 + g) * (1.0 - g * rho))


def tail_average_variance(lr, curvature, noise_var, n) -> np.ndarray:
    """The variance of the mean of n successive stationary SGD iterates (tail averaging):
    V/n ((1 + rho)/(1 - rho) - 2 rho (1 - rho^n) / (n (1 - rho)^2)), rho = 1 - alpha lambda, V the weights'
    variance. For large n it tends to s^2 / (lambda^2 n), whatever alpha is."""
    rho, n = 1.0 - _f(lr) * _f(curvature), _f(n)
    v = weight_variance(lr, curvature, noise_var)
    return v / n * ((1.0 + rho) / (1.0 - rho) - 2.0 * rho * (1.0 - rho**n) / (n * (1.0 - rho) ** 2))


def tail_average_loss(problem, lr, n) -> np.ndarray:
    """E f at the mean of n successive stationary SGD iterates on a NoisyQuadratic."""
    lam, s2, lr, n = _directions(problem, lr, n)
    return np.sum(0.5 * lam * tail_average_variance(lr, lam, s2, n), axis=-1)


def expected_loss(problem, lr, steps: int, beta=0.0, x0=None) -> np.ndarray:
    """E f(w_t) for t = 0..steps of SGD or the heavy ball (EMA form) on a NoisyQuadratic from x0 (default the
    problem's start), exactly: per eigen-direction the mean m_t and the covariance of (w_t, w_{t-1}) follow
    m_t = a m_{t-1} + b m_{t-2} and its second-moment recursion, with a = 1 + beta - alpha_t (1 - beta) lambda and
    b = -beta. lr may be a number, an array or a schedule (an array of base rates too); shape `(steps + 1, *grid)`."""
    lam, s2 = _directions(problem)
    beta = _f(beta)[..., None]
    z = problem.basis.T @ _f(problem.x0 if x0 is None else x0)
    mean = prev = z * np.ones(np.broadcast_shapes((*np.shape(lr(1) if callable(lr) else lr), 1), beta.shape))
    var, cov, var_prev = (np.zeros_like(mean) for _ in range(3))
    out = np.empty((steps + 1, *mean.shape[:-1]))
    out[0] = np.sum(0.5 * lam * mean**2, axis=-1)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            alpha = _f(lr_at(lr, t))[..., None]
            a, b, c = 1.0 + beta - alpha * (1.0 - beta) * lam, -beta, alpha * (1.0 - beta)
            mean, prev = a * mean + b * prev, mean
            var, cov, var_prev = a * a * var + 2 * a * b * cov + b * b * var_prev + c * c * s2, a * var + b * cov, var
            out[t] = np.sum(0.5 * lam * (mean**2 + var), axis=-1)
    return out


def expected_averaged_loss(problem, lr, steps: int, decay, beta=0.0, x0=None) -> np.ndarray:
    """E f(u_t) for t = 0..steps of the EMA u_t = decay u_{t-1} + (1 - decay) w_t of the weights of SGD or the heavy
    ball (EMA form) at a constant rate lr on a NoisyQuadratic, started at u_0 = w_0 = x0 (default the problem's
    start), exactly: per eigen-direction the mean and the covariance of the state (w_t, w_{t-1}, u_t) of
    `linear_system`. decay = 0 gives expected_loss. lr, decay and beta broadcast; shape `(steps + 1, *grid)`."""
    lam, s2, lr, decay, beta = _directions(problem, lr, decay, beta)
    m, c = linear_system(lr, lam, beta, decay)  # (..., d, 3, 3), (..., d, 3)
    z = problem.basis.T @ _f(problem.x0 if x0 is None else x0)
    mean = np.broadcast_to(z[:, None], c.shape).copy()
    q = s2[:, None, None] * c[..., :, None] * c[..., None, :]
    cov = np.zeros_like(q)
    out = np.empty((steps + 1, *mean.shape[:-2]))
    out[0] = np.sum(0.5 * lam * mean[..., 2] ** 2, axis=-1)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            mean = np.einsum("...ij,...j->...i", m, mean)
            cov = m @ cov @ np.swapaxes(m, -1, -2) + q
            out[t] = np.sum(0.5 * lam * (mean[..., 2] ** 2 + cov[..., 2, 2]), axis=-1)
    return out


def noise_scale(problem, w) -> np.ndarray:
    """McCandlish et al.'s simple noise scale B_simple = tr(Sigma) / `|G|^2` of a NoisyQuadratic at w: the total
    per-sample noise variance sum_i sigma_i^2 over the squared true gradient. It grows without bound near w*."""
    g = problem.grad(w)
    return np.sum(_f(problem.sigmas) ** 2) / np.sum(g * g, axis=-1)


def critical_noise_scale(problem, w) -> np.ndarray:
    """McCandlish et al.'s B_noise = tr(H Sigma) / (G^T H G) of a NoisyQuadratic at w, with Sigma the per-sample
    noise covariance: the batch at which a step's expected improvement is half its noiseless value. In the
    eigen-directions, sum_i lambda_i sigma_i^2 / sum_i lambda_i g_i^2. It equals noise_scale when H is a multiple of
    the identity."""
    lam = _f(problem.curvatures)
    g = _f(problem.grad(w)) @ problem.basis  # the gradient's components along the eigen-directions
    return np.sum(lam * _f(problem.sigmas) ** 2) / np.sum(lam * g * g, axis=-1)


def two_batch_noise_scale(small, big, b_small: int, b_big: int, n_samples: int | None = None) -> dict:
    """B_simple estimated from minibatch gradients alone (McCandlish et al., 2018, appendix A): rows of `small`
    and `big` are gradients of batches of b_small and b_big samples at one point. E `|g_B|^2` = `|G|^2` + c_B tr(Sigma)
    with c_B = 1/B, or (N - B) / (B (N - 1)) for batches of distinct samples out of n_samples; the two means
    give unbiased estimates of `|G|^2` ('grad_sq') and tr(Sigma) ('trace'), and 'scale' is their ratio, with its
    standard error 'scale_se' by the delta method from the spread of the squared norms (independent draws)."""
    if b_small >= b_big:
        raise ValueError(f"b_small must be < b_big (got {b_small} and {b_big})")

    def c(b):
        return 1.0 / b if n_samples is None else (n_samples - b) / (b * (n_samples - 1.0))

    sq = [np.sum(_f(draws) ** 2, axis=-1).ravel() for draws in (small, big)]
    (s, b), (vs, vb) = [x.mean() for x in sq], [x.var(ddof=1) / x.size for x in sq]  # means and their variances
    cs, cb = c(b_small), c(b_big)
    d = cs - cb
    trace, grad_sq = (s - b) / d, (cs * b - cb * s) / d
    ratio = trace / grad_sq
    var_t, var_g, cov = (vs + vb) / d**2, (cs**2 * vb + cb**2 * vs) / d**2, -(cb * vs + cs * vb) / d**2
    rel = var_t / trace**2 + var_g / grad_sq**2 - 2 * cov / (trace * grad_sq)
    return {
        "trace": float(trace),
        "grad_sq": float(grad_sq),
        "scale": float(ratio),
        "scale_se": float(abs(ratio) * np.sqrt(rel)),
    }


def adam_mean_step(mean, std) -> np.ndarray:
    """Adam's mean step over alpha, E[m_hat / sqrt(v_hat)], once m_hat averages the gradient to its mean E[dw] and
    v_hat its square to E[dw]^2 + std^2: E[dw] / sqrt(E[dw]^2 + std^2) (Balles & Hennig, 2018), with std the
    gradient's standard deviation (sigma / sqrt(B)). Near sign(E[dw]) without noise, E[dw] / std when noise
    dominates."""
    mean, std = _f(mean), _f(std)
    return mean / np.sqrt(mean * mean + std * std)


def replayed_directions(opt, grads) -> np.ndarray:
    """(w_{t-1} - w_t) / alpha_t of `opt` fed a gradient sequence dw_1 .. dw_T (shape `(T, *shape)`), signed: the
    direction it steps in, in units of its learning rate (m_hat_t / (sqrt(v_hat_t) + eps) for Adam). For an
    optimizer whose step does not depend on w itself, this is the step it takes wherever it stands."""
    grads = _f(grads)
    w = np.zeros(opt.batch_shape(grads.shape[1:]))
    state, out = opt.init(w), np.empty((len(grads), *w.shape))
    for t, g in enumerate(grads, start=1):
        new_w, state = opt.update(w, np.broadcast_to(g, w.shape), state)
        out[t - 1] = (w - new_w) / lr_at(opt.lr, t)
        w = new_w
    return out
