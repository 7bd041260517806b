"""Curvature of the digits models: exact Hessian-vector products, the full Hessian of softmax regression, the
largest eigenvalue by Lanczos, the preconditioner an adaptive optimizer holds, clipping by norm, and the
smallest model whose minima differ in sharpness (`Product`).

`hvp(model, w, v)` is H v, H the Hessian of the model's full-batch objective f at w (mean cross-entropy plus
l2/2 `||w||^2`), computed exactly by differentiating backpropagation once more in the direction v (Pearlmutter's
R-operator, 1994): one forward and one backward pass, about twice the cost of a gradient, and no H in memory.
w and v may carry leading batch dimensions that broadcast together (one model per learning rate of a batched
run, say).

`softmax_hessian(model, w)` writes out the whole Hessian of a `SoftmaxRegression`: with x~ = (x, 1) and p the
predicted probabilities, H = mean_i (x~_i x~_i^T) kron (diag(p_i) - p_i p_i^T) + l2 I, in the order in which
the model packs W (row-major) and then b.

`top_eigenvalue(matvec, v0, iters)` runs Lanczos with full reorthogonalization on a batch of symmetric
operators at once and returns the largest Ritz value (the largest eigenvalue, signed, not the largest in
absolute value) and its Ritz vector, which warm-starts the next call along a training run.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optim_core.models import MLP, N_CLASSES, SoftmaxRegression, _left_matmul, _log_softmax
from optim_core.problems import Wrapped
from optim_core.run import _gradient


def _packed(model, w):
    """w as a float64 array of shape (..., model.dim)."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 0 or w.shape[-1] != model.dim:
        raise ValueError(f"w and v must have shape (..., {model.dim}) (got shape {w.shape})")
    return w


def _softmax_jvp(p, dz):
    """The change of the probabilities p = softmax(z) when the logits move by dz: p * (dz - sum_k p_k dz_k)."""
    return p * (dz - np.sum(p * dz, axis=-1, keepdims=True))


def hvp(model, w, v) -> np.ndarray:
    """H v for the model's full-batch objective at w, exactly (the R-operator applied to backpropagation).

    model: a `SoftmaxRegression` or an `MLP`. w, v: shape (..., dim), broadcasting together."""
    return hvp_operator(model, w)(v)


def hvp_operator(model, w):
    """The function v -> H v at w (see `hvp`), with the forward pass at w computed once for every v."""
    if not isinstance(model, (SoftmaxRegression, MLP)):
        raise TypeError(f"hvp knows SoftmaxRegression and MLP (got {type(model).__name__})")
    w = _packed(model, w)
    x, n = model.x, model.n_samples
    if isinstance(model, SoftmaxRegression):
        weights, bias = model.unpack(w)
        p = np.exp(_log_softmax(_left_matmul(x, weights) + bias[..., None, :]))

        def parts(v):
            dweights, dbias = model.unpack(v)
            # the change of dlogits = (p - y) / n in the direction v
            r_dlogits = _softmax_jvp(p, _left_matmul(x, dweights) + dbias[..., None, :]) / n
            return _left_matmul(x.T, r_dlogits), r_dlogits.sum(axis=-2)

    else:  # the MLP
        w1, b1, w2, b2 = model.unpack(w)
        h = np.tanh(_left_matmul(x, w1) + b1[..., None, :])
        slope = 1.0 - h * h  # tanh'(a)
        p = np.exp(_log_softmax(h @ w2 + b2[..., None, :]))
        dlogits = (p - np.eye(N_CLASSES)[model.y]) / n
        w2_t, h_t = np.swapaxes(w2, -1, -2), np.swapaxes(h, -1, -2)
        dh = dlogits @ w2_t

        def parts(v):
            v1, c1, v2, c2 = model.unpack(v)
            r_h = slope * (_left_matmul(x, v1) + c1[..., None, :])
            r_dlogits = _softmax_jvp(p, r_h @ w2 + h @ v2 + c2[..., None, :]) / n
            r_dh = r_dlogits @ w2_t + dlogits @ np.swapaxes(v2, -1, -2)
            r_da = r_dh * slope - 2.0 * dh * h * r_h  # the change of da = dh (1 - h^2) in the direction v
            r_w2 = np.swapaxes(r_h, -1, -2) @ dlogits + h_t @ r_dlogits
            return _left_matmul(x.T, r_da), r_da.sum(axis=-2), r_w2, r_dlogits.sum(axis=-2)

    def product(v):
        v = np.ascontiguousarray(_packed(model, v))
        lead = np.broadcast_shapes(w.shape, v.shape)[:-1]  # every part depends on both w and v: it has this batch
        return np.concatenate([part.reshape(*lead, -1) for part in parts(v)], axis=-1) + model.l2 * v

    return product


def hessian(model, w, block: int = 64) -> np.ndarray:
    """The full Hessian at one point w, from `hvp` of the unit vectors, `block` of them at a time (dim x dim; for
    small models and for tests)."""
    w = _packed(model, w)
    if w.ndim != 1:
        raise ValueError(f"w must be one point of shape ({model.dim},) (got shape {w.shape})")
    product, eye = hvp_operator(model, w), np.eye(model.dim)
    columns = np.concatenate([product(eye[i : i + block]) for i in range(0, model.dim, block)])
    return 0.5 * (columns + columns.T)


def softmax_hessian(model: SoftmaxRegression, w) -> np.ndarray:
    """The Hessian of softmax regression at one point w, written out: mean_i (x~_i x~_i^T) kron A_i + l2 I with
    x~_i = (x_i, 1) and A_i = diag(p_i) - p_i p_i^T, shape (dim, dim)."""
    if not isinstance(model, SoftmaxRegression):
        raise TypeError(f"softmax_hessian needs a SoftmaxRegression (got {type(model).__name__})")
    w = _packed(model, w)
    if w.ndim != 1:
        raise ValueError(f"w must be one point of shape ({model.dim},) (got shape {w.shape})")
    weights, bias = model.unpack(w)
    p = np.exp(_log_softmax(model.x @ weights + bias))
    a = p[:, :, None] * np.eye(N_CLASSES) - p[:, :, None] * p[:, None, :]  # (n, 10, 10)
    xt = np.hstack([model.x, np.ones((model.n_samples, 1))])  # (n, d + 1)
    k = xt.shape[1]
    blocks = xt.T @ (xt[:, :, None] * a.reshape(-1, 1, N_CLASSES**2)).reshape(len(xt), -1)  # (d+1, (d+1) 100)
    h = blocks.reshape(k, k, N_CLASSES, N_CLASSES).transpose(0, 2, 1, 3).reshape(k * N_CLASSES, -1)
    h /= model.n_samples
    return 0.5 * (h + h.T) + model.l2 * np.eye(model.dim)


def top_eigenvalue(matvec, v0, iters: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """The largest eigenvalue of the symmetric operator `matvec` (v (..., n) -> A v), by `iters` steps of
    Lanczos from v0 (..., n), one operator per leading index, with full reorthogonalization: (value (...),
    unit Ritz vector (..., n)). The Krylov space holds v0, A v0, ..., A^(iters-1) v0, so the value is never
    above the true one and, for the same number of products, at least as close as power iteration's. If that space
    stops growing for one operator of the batch (v0 in an invariant subspace), all stop there."""
    q = np.asarray(v0, dtype=np.float64)
    if q.ndim == 0 or not np.all(np.isfinite(q)):
        raise ValueError("v0 must be a finite array of shape (..., n)")
    iters = int(iters)
    if iters < 1:
        raise ValueError(f"iters must be an integer >= 1 (got {iters!r})")
    lead, n = q.shape[:-1], q.shape[-1]
    iters = min(iters, n)
    norm = np.linalg.norm(q, axis=-1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError("v0 must not be zero")
    basis = np.zeros((*lead, iters, n))  # the Lanczos vectors, as rows
    tri = np.zeros((*lead, iters, iters))
    basis[..., 0, :] = q / norm
    size = iters
    for j in range(iters):
        u = np.asarray(matvec(basis[..., j, :]), dtype=np.float64)
        tri[..., j, j] = np.sum(u * basis[..., j, :], axis=-1)
        done = basis[..., : j + 1, :]
        for _ in range(2):  # subtract the projection on every earlier vector, twice ("twice is enough")
            u = u - ((done @ u[..., :, None]) * done).sum(axis=-2)
        beta = np.linalg.norm(u, axis=-1)
        if j + 1 == iters:
            break
        if np.any(beta <= 1e-12 * np.maximum(np.abs(tri[..., j, j]), 1e-300)):  # an invariant subspace: stop here
            size = j + 1
            break
        tri[..., j, j + 1] = tri[..., j + 1, j] = beta
        basis[..., j + 1, :] = u / beta[..., None]
    values, vectors = np.linalg.eigh(tri[..., :size, :size])
    ritz = (vectors[..., :, -1:] * basis[..., :size, :]).sum(axis=-2)
    return values[..., -1], ritz / np.linalg.norm(ritz, axis=-1, keepdims=True)


def sharpness(model, w, v0=None, iters: int = 20, scale=None) -> tuple[np.ndarray, np.ndarray]:
    """The largest eigenvalue of H at w (..., dim) and its unit eigenvector, by `top_eigenvalue` on `hvp`.

    scale (..., dim), optional: the largest eigenvalue of S^1/2 H S^1/2 instead, S = diag(scale) (with
    scale = 1 / D, an adaptive method's preconditioned sharpness, the same eigenvalues as D^-1 H). v0 warm-starts
    Lanczos (default: a fixed seeded random vector)."""
    w = _packed(model, w)
    if v0 is None:
        v0 = np.broadcast_to(np.random.default_rng(0).normal(size=model.dim), w.shape)
    product = hvp_operator(model, w)
    if scale is None:
        return top_eigenvalue(product, v0, iters)
    root = np.sqrt(np.asarray(scale, dtype=np.float64))
    return top_eigenvalue(lambda v: root * product(root * v), v0, iters)


def sharpness_along(model, params, iters: int = 10, scales=None) -> np.ndarray:
    """The sharpness at each of a run's recorded points params (records, ..., dim), every batched run at once,
    each Lanczos warm-started from the previous record's eigenvector (the top direction moves little between
    records, so a few products suffice): shape (records, ...). scales (records, ..., dim), optional: the
    preconditioned sharpness with S = diag(scales) at each record (see `sharpness`)."""
    params = np.asarray(params, dtype=np.float64)
    out, vector = np.empty(params.shape[:-1]), None
    for k, w in enumerate(params):
        scale = None if scales is None else scales[k]
        out[k], vector = sharpness(model, w, vector, iters, scale)
    return out


def run_with_preconditioner(opt, problem, steps: int, every: int, x0=None) -> dict:
    """A run of an adaptive optimizer (batched like `run`) that keeps, at steps every, 2 every, ..., the
    weights and the diagonal D = `preconditioner(opt, state)` of its next step: 'steps' (records,), 'params' and
    'precond' (records, ..., dim), and 'loss' f at every step 0..steps (steps + 1, ...). A plain loop, for runs
    that stay finite (nothing is frozen on divergence, unlike `run`)."""
    w = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64)
    w = np.array(np.broadcast_to(w, opt.batch_shape(w.shape)))
    state, loss, kept = opt.init(w), [problem.f(w)], {"steps": [], "params": [], "precond": []}
    for t in range(1, steps + 1):
        w, state = opt.update(w, _gradient(problem, w, t), state)
        loss.append(problem.f(w))
        if t % every == 0:
            for key, value in (("steps", t), ("params", w), ("precond", preconditioner(opt, state))):
                kept[key].append(value)
    return {**{k: np.array(v) for k, v in kept.items()}, "loss": np.array(loss)}


def preconditioner(opt, state) -> np.ndarray:
    """The diagonal D = sqrt(v) + eps by which an adaptive optimizer divides the gradient at its next step,
    from its state: AdaGrad's sum and RMSProp's average of squares as they are, Adam's v bias-corrected
    (v_hat = v / (1 - beta2^t); AMSGrad's running maximum v_max in its place). Adam's momentum bias correction
    1 / (1 - beta1^t) is not included: it tends to 1 and does not change the shape of the spectrum."""
    for field in ("v_max", "v", "sq_avg", "sum_sq") if getattr(opt, "amsgrad", False) else ("v", "sq_avg", "sum_sq"):
        if hasattr(state, field):
            v = getattr(state, field)
            break
    else:
        raise TypeError(f"no second-moment average in a {type(state).__name__}")
    if field in ("v", "v_max") and getattr(opt, "bias_correction", False) and state.count > 0:
        v = v / (1.0 - opt.beta2**state.count)
    return np.sqrt(v) + opt.eps


def spectrum_summary(eigenvalues, null_dim: int) -> dict:
    """What the text reads off a spectrum (any order): past the `null_dim` smallest (the null space), the largest
    eigenvalue, the smallest, their ratio (the condition number on the directions the loss depends on), the ratio
    of the largest to the median ('spread': how far below the top a typical direction lies) and the share of
    eigenvalues below 1 % of the largest ('bulk')."""
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64))
    live = lam[null_dim:]
    return {
        "max": float(live[-1]),
        "min": float(live[0]),
        "kappa": float(live[-1] / live[0]),
        "spread": float(live[-1] / np.median(live)),
        "bulk": float(np.mean(live < 0.01 * live[-1])),
    }


def hovering(ratio, steps, late: int) -> dict:
    """How a quantity sits against its threshold: of `ratio` (records, ...), a sharpness over its stability
    threshold recorded at `steps`, the median and the 10th and 90th percentiles over the records from step
    `late` on, per run."""
    window = np.asarray(ratio, dtype=np.float64)[np.asarray(steps) >= late]
    if window.shape[0] == 0:
        raise ValueError(f"no record at or after step {late}")
    return {k: np.percentile(window, q, axis=0) for k, q in (("median", 50), ("p10", 10), ("p90", 90))}


def first_reach(ratio, steps, level: float = 0.9) -> np.ndarray:
    """The first recorded step at which `ratio` (records, ...) reaches `level`, per run; -1 where it never does."""
    near = np.asarray(ratio, dtype=np.float64) >= level
    return np.where(near.any(axis=0), np.asarray(steps)[np.argmax(near, axis=0)], -1)


def clip_by_norm(g, max_norm) -> np.ndarray:
    """g scaled down to length max_norm where it is longer: g min(1, max_norm / `||g||`), per leading index."""
    g = np.asarray(g, dtype=np.float64)
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(norm > max_norm, max_norm / norm, 1.0)
    return g * factor


@dataclasses.dataclass(frozen=True, eq=False)
class ClippedByNorm(Wrapped):
    """`problem` whose every gradient is clipped to Euclidean length at most `max_norm` before the optimizer
    sees it (the loss, the start and the minimum are the problem's own). max_norm may be an array shaped like a
    hyperparameter grid, (..., 1): one batched run then covers several thresholds (inf: that run unclipped)."""

    max_norm: object = 1.0

    def __post_init__(self):
        c = np.asarray(self.max_norm, dtype=np.float64)
        if not np.all(c > 0) or (c.ndim and c.shape[-1] != 1):
            raise ValueError(
                f"max_norm must be numbers > 0 (inf: no clipping), one number or an array shaped (..., 1) "
                f"(got {self.max_norm!r})"
            )

    @property
    def batch_shape(self) -> tuple:
        c = np.asarray(self.max_norm)
        return np.broadcast_shapes(c.shape[:-1] if c.ndim else (), getattr(self.problem, "batch_shape", ()))

    def grad(self, x):
        return clip_by_norm(self.problem.grad(x), np.asarray(self.max_norm, dtype=np.float64))

    def stochastic_grad(self, x, step: int):
        inner = getattr(self.problem, "stochastic_grad", None)
        g = inner(x, step) if inner is not None else self.problem.grad(x)
        return clip_by_norm(g, np.asarray(self.max_norm, dtype=np.float64))


@dataclasses.dataclass(frozen=True, eq=False)
class Product:
    """The smallest network: two weights in a row fitting one example, f(w) = (w1 w2 - 1)^2 / 2.

    Every point of the hyperbola w1 w2 = 1 is a minimum, and their sharpness differs: the Hessian there is
    (w2, w1)(w2, w1)^T, with largest eigenvalue w1^2 + w2^2 (2 at (1, 1), the flattest). Gradient descent with a
    small alpha keeps w1^2 - w2^2 nearly constant and stops at the minimum its start leads to; with
    alpha > 2 / (that minimum's sharpness) it cannot stop there, and it ends on a flatter one if it ends at all."""

    x0: np.ndarray = dataclasses.field(default_factory=lambda: np.array([2.0, 0.6]))
    name = "product"
    bounds = ((-1.6, 2.6), (-1.6, 2.6))
    minimum = np.array([1.0, 1.0])  # the flattest minimum
    f_min = 0.0

    def f(self, w):
        w1, w2 = np.moveaxis(np.asarray(w, dtype=np.float64), -1, 0)
        r = w1 * w2 - 1.0
        return 0.5 * r * r

    def grad(self, w):
        w1, w2 = np.moveaxis(np.asarray(w, dtype=np.float64), -1, 0)
        r = w1 * w2 - 1.0
        return np.stack([r * w2, r * w1], axis=-1)

    def hessian(self, w) -> np.ndarray:
        """The 2 x 2 Hessian at w (..., 2): [[w2^2, 2 w1 w2 - 1], [2 w1 w2 - 1, w1^2]]."""
        w1, w2 = np.moveaxis(np.asarray(w, dtype=np.float64), -1, 0)
        cross = 2.0 * w1 * w2 - 1.0
        return np.stack([np.stack([w2 * w2, cross], -1), np.stack([cross, w1 * w1], -1)], -2)

    def sharpness(self, w) -> np.ndarray:
        """The largest eigenvalue of the Hessian at w (..., 2)."""
        return np.linalg.eigvalsh(self.hessian(w))[..., -1]

    def flow_sharpness(self, w) -> np.ndarray:
        """The sharpness of the minimum that gradient flow reaches from w: the flow keeps c = w1^2 - w2^2, and at
        a minimum (w1^2 + w2^2)^2 = c^2 + 4 (w1 w2)^2 = c^2 + 4."""
        w1, w2 = np.moveaxis(np.asarray(w, dtype=np.float64), -1, 0)
        c = w1 * w1 - w2 * w2
        return np.sqrt(c * c + 4.0)
