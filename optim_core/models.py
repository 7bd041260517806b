"""Small classifiers on scikit-learn's bundled handwritten digits, as problems for `optim_core.run`.

The parameters of a model are one flat float64 vector w of shape (..., dim); leading dimensions are a
batch of models (e.g. one per learning rate of a sweep), and every method is vectorized over them::

    f(w) = mean cross-entropy over the training set + l2/2 ||w||^2

`grad(w)` is its exact gradient, by backpropagation written out in numpy. `stochastic_grad(w, step)`
is the gradient of the same objective on the minibatch of that step: each epoch visits the training
set in a fresh seeded permutation, cut into `n // batch_size` batches (the last, incomplete batch of
an epoch is dropped; the next permutation covers those samples again). The batch depends only on
(seed, step), so every model of a batched run sees the same minibatch at the same step.

Batched and single runs agree to rounding, not bit for bit: the models multiply matrices with BLAS, whose
summation order may depend on how many models share one product. The difference is of the order of
1e-15 relative per step (tests/test_models.py measures it over a training run). The 2-D problems of
`optim_core.problems` avoid matrix products and are bitwise equal.

`MLP` uses tanh: it is smooth, so the loss is differentiable everywhere and the finite-difference
checks of the gradient are exact up to rounding (ReLU has kinks where they are not), and with 64
inputs in [0, 1] and one hidden layer of 32 units it trains as fast as ReLU does.
"""

from __future__ import annotations

import dataclasses
import functools
from functools import cached_property
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from optim_core._checks import nonnegative

N_CLASSES = 10  #: the ten digits, 0 to 9


def single_threaded(fn):
    """Run fn with BLAS limited to one thread: these models' matrices are small, so threads only
    add overhead (and contention on a busy 2-core machine)."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapped


class DigitsSplit(NamedTuple):
    """The digits, pixels scaled to [0, 1], split into training, validation and test sets."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@functools.lru_cache(maxsize=8)
def digits_split(seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> DigitsSplit:
    """The 1797 8x8 digits (Alpaydin & Kaynak, 1998), stratified 60/20/20 by default, seeded.

    Pixels (0..16) are divided by 16; labels are integers 0..9. The arrays are read-only (the result
    is cached, so every caller shares them).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not (0 < val_fraction and 0 < test_fraction and val_fraction + test_fraction < 1):
        raise ValueError(
            f"val_fraction and test_fraction must be > 0 with a sum < 1 (got {val_fraction}, {test_fraction})"
        )
    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=test_fraction, stratify=y, random_state=seed)
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val_fraction / (1 - test_fraction), stratify=y_rest, random_state=seed
    )
    arrays = [np.ascontiguousarray(a) for a in (x_train, y_train, x_val, y_val, x_test, y_test)]
    for a in arrays:
        a.flags.writeable = False
    return DigitsSplit(*arrays)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _swap(a: np.ndarray) -> np.ndarray:
    """Transpose the last two axes (a batch of matrices)."""
    return np.swapaxes(a, -1, -2)


def _left_matmul(a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """a (n, d) times each matrix of the batch m (..., d, k) -> (..., n, k), as one matrix product.

    Equal to `a @ m`; numpy's broadcast matmul would call BLAS once per matrix of the batch, while one
    wide product is faster (and much faster when BLAS runs several threads).
    """
    lead, (d, k) = m.shape[:-2], m.shape[-2:]
    flat = np.moveaxis(m, -2, 0).reshape(d, -1)
    return np.moveaxis((a @ flat).reshape(a.shape[0], *lead, k), 0, -2)


@functools.lru_cache(maxsize=64)
def _permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order in which epoch `epoch` (0-based) visits n samples; a function of its arguments only."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def _whole(value, minimum: int) -> bool:
    """Whether value is an integer >= minimum (a bool is not one)."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer)) and value >= minimum


@dataclasses.dataclass(frozen=True, eq=False)
class _Classifier:
    """What both models share: data checks, the loss, its minibatch gradient, accuracy.

    Subclasses define `dim`, `x0`, `_forward(w, x) -> (logits, cache)` and
    `_backward(w, x, cache, dlogits) -> dw` (the gradient of sum(dlogits * logits) with respect to w).
    """

    x: np.ndarray
    y: np.ndarray
    # subclasses declare l2, batch_size and seed (and their own fields) in their constructor's order

    f_min = 0.0  # a lower bound (cross-entropy >= 0), used only to draw the loss on a log scale

    def __post_init__(self):
        x = np.asarray(self.x, dtype=np.float64)
        y = np.asarray(self.y)
        if x.ndim != 2:
            raise ValueError(f"x must have shape (n_samples, n_features) (got shape {x.shape})")
        if y.shape != (x.shape[0],):
            raise ValueError(f"y must have shape ({x.shape[0]},), one label per row of x (got shape {y.shape})")
        if not (np.issubdtype(y.dtype, np.integer) and np.all((y >= 0) & (y < N_CLASSES))):
            raise ValueError(f"y must hold integer labels in 0..{N_CLASSES - 1}")
        if np.ndim(self.l2) != 0:
            raise ValueError(f"l2 must be one number >= 0 (got {self.l2!r})")
        nonnegative("l2", self.l2)
        if self.batch_size is not None and not _whole(self.batch_size, 1):
            raise ValueError(f"batch_size must be an integer >= 1 or None for full batch (got {self.batch_size!r})")
        if not _whole(self.seed, 0):
            raise ValueError(f"seed must be an integer >= 0 (got {self.seed!r})")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(np.int64))
        object.__setattr__(self, "l2", float(self.l2))

    @property
    def n_samples(self) -> int:
        return self.x.shape[0]

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches per pass over the training set (at least 1)."""
        if self.batch_size is None:
            return 1
        return max(self.n_samples // self.batch_size, 1)

    def batch_indices(self, step: int) -> np.ndarray:
        """The training samples of the minibatch used at `step` (1-based), a function of (seed, step)."""
        if not _whole(step, 1):
            raise ValueError(f"step must be an integer >= 1 (steps count from 1; got {step!r})")
        if self.batch_size is None or self.batch_size >= self.n_samples:
            return np.arange(self.n_samples)
        epoch, k = divmod(int(step) - 1, self.batches_per_epoch)
        return _permutation(self.seed, epoch, self.n_samples)[k * self.batch_size : (k + 1) * self.batch_size]

    # ----- the objective -----------------------------------------------------------------------
    def _check_w(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=np.float64)
        if w.ndim == 0 or w.shape[-1] != self.dim:
            raise ValueError(f"w must have shape (..., {self.dim}) (got shape {w.shape})")
        return w

    def _check_data(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Samples x (n, n_features) and their labels y (n,), integers in 0..9."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
        if x.ndim != 2 or x.shape[1] != self.x.shape[1]:
            raise ValueError(f"x must have shape (n_samples, {self.x.shape[1]}) (got shape {x.shape})")
        if y.shape != (x.shape[0],):
            raise ValueError(f"y must have shape ({x.shape[0]},), one label per row of x (got shape {y.shape})")
        if not (np.issubdtype(y.dtype, np.integer) and np.all((y >= 0) & (y < N_CLASSES))):
            raise ValueError(f"y must hold integer labels in 0..{N_CLASSES - 1}")
        return x, y

    def _penalty(self, w):
        return 0.5 * self.l2 * np.sum(w * w, axis=-1)

    def loss_on(self, w, x, y) -> np.ndarray:
        """Mean cross-entropy of the model(s) w on the samples (x, y), without the l2 term."""
        w = self._check_w(w)
        x, y = self._check_data(x, y)
        logits, _ = self._forward(w, x)
        log_p = _log_softmax(logits)
        picked = np.take_along_axis(log_p, np.broadcast_to(np.asarray(y)[:, None], (*log_p.shape[:-1], 1)), -1)
        return -np.mean(picked[..., 0], axis=-1)

    def logits(self, w, x) -> np.ndarray:
        """The ten class scores of the model(s) w for each sample of x, shape (..., n_samples, 10)."""
        return self._forward(self._check_w(w), np.asarray(x, dtype=np.float64))[0]

    def accuracy(self, w, x, y) -> np.ndarray:
        """Fraction of the samples (x, y) that the model(s) w classify correctly, in [0, 1]."""
        w = self._check_w(w)
        x, y = self._check_data(x, y)
        logits, _ = self._forward(w, x)
        return np.mean(np.argmax(logits, axis=-1) == y, axis=-1)

    def f(self, w) -> np.ndarray:
        """The training objective: mean cross-entropy on (x, y) plus l2/2 `||w||^2`."""
        w = self._check_w(w)
        return self.loss_on(w, self.x, self.y) + self._penalty(w)

    def grad_on(self, w, x, y) -> np.ndarray:
        """The gradient of the mean cross-entropy on the samples (x, y) plus the l2 term (e.g. one sample's)."""
        w = self._check_w(w)
        x, y = self._check_data(x, y)
        logits, cache = self._forward(w, x)
        dlogits = np.exp(_log_softmax(logits))
        dlogits[..., np.arange(len(y)), y] -= 1.0
        dlogits /= len(y)
        return self._backward(w, x, cache, dlogits) + self.l2 * w

    def grad(self, w) -> np.ndarray:
        """The exact gradient of f, by backpropagation."""
        return self.grad_on(w, self.x, self.y)

    def stochastic_grad(self, w, step: int) -> np.ndarray:
        """The gradient of the objective on the minibatch of `step` (1-based); `run` calls this."""
        idx = self.batch_indices(step)
        return self.grad_on(w, self.x[idx], self.y[idx])

    def batch_objective(self, w, step: int) -> np.ndarray:
        """The objective whose gradient `stochastic_grad` returns: minibatch cross-entropy + l2 term."""
        idx = self.batch_indices(step)
        return self.loss_on(w, self.x[idx], self.y[idx]) + self._penalty(self._check_w(w))


@dataclasses.dataclass(frozen=True, eq=False)
class SoftmaxRegression(_Classifier):
    """Multinomial logistic regression: logits = x W + b, W of shape (n_features, 10).

    w packs W (row-major) and then b; x0 is all zeros (the loss is convex, any start works).
    """

    l2: float = 0.0
    batch_size: int | None = 64
    seed: int = 0
    name = "softmax regression"

    @property
    def dim(self) -> int:
        return (self.x.shape[1] + 1) * N_CLASSES

    @property
    def x0(self) -> np.ndarray:
        return np.zeros(self.dim)

    def unpack(self, w):
        """(W, b) from w, as views of shapes (..., n_features, 10) and (..., 10)."""
        d = self.x.shape[1]
        return w[..., : d * N_CLASSES].reshape(*w.shape[:-1], d, N_CLASSES), w[..., d * N_CLASSES :]

    def _forward(self, w, x):
        weights, bias = self.unpack(w)
        return _left_matmul(x, weights) + bias[..., None, :], None

    def _backward(self, w, x, cache, dlogits):
        d_weights = x.T @ dlogits
        d_bias = dlogits.sum(axis=-2)
        return np.concatenate([d_weights.reshape(*d_weights.shape[:-2], -1), d_bias], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class MLP(_Classifier):
    """One hidden layer of tanh units: logits = tanh(x W1 + b1) W2 + b2.

    w packs W1 (n_features, hidden), b1, W2 (hidden, 10), b2, each row-major. x0 draws W1 and W2 from
    a seeded normal with variance 1/fan_in (so pre-activations start with unit scale, where tanh is
    neither saturated nor linear); the biases start at zero.
    """

    hidden: int = 32
    l2: float = 0.0
    batch_size: int | None = 64
    seed: int = 0
    name = "MLP"

    def __post_init__(self):
        super().__post_init__()
        if not _whole(self.hidden, 1):
            raise ValueError(f"hidden must be an integer >= 1 (got {self.hidden!r})")

    @property
    def _sizes(self):
        d, h = self.x.shape[1], self.hidden
        return (d * h, h, h * N_CLASSES, N_CLASSES)

    @property
    def dim(self) -> int:
        return sum(self._sizes)

    @cached_property
    def x0(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        d, h = self.x.shape[1], self.hidden
        w1 = rng.normal(scale=1 / np.sqrt(d), size=(d, h))
        w2 = rng.normal(scale=1 / np.sqrt(h), size=(h, N_CLASSES))
        x0 = np.concatenate([w1.ravel(), np.zeros(h), w2.ravel(), np.zeros(N_CLASSES)])
        x0.flags.writeable = False
        return x0

    def unpack(self, w):
        """(W1, b1, W2, b2) from w, as views with the batch dimensions of w in front."""
        d, h = self.x.shape[1], self.hidden
        lead = w.shape[:-1]
        parts = np.split(w, np.cumsum(self._sizes)[:-1], axis=-1)
        shapes = [(d, h), (h,), (h, N_CLASSES), (N_CLASSES,)]
        return tuple(p.reshape(*lead, *s) for p, s in zip(parts, shapes, strict=True))

    def _forward(self, w, x):
        w1, b1, w2, b2 = self.unpack(w)
        hidden = np.tanh(_left_matmul(x, w1) + b1[..., None, :])
        return hidden @ w2 + b2[..., None, :], hidden

    def _backward(self, w, x, hidden, dlogits):
        _, _, w2, _ = self.unpack(w)
        d_w2 = _swap(hidden) @ dlogits
        d_b2 = dlogits.sum(axis=-2)
        d_pre = (dlogits @ _swap(w2)) * (1.0 - hidden * hidden)
        d_w1 = x.T @ d_pre
        d_b1 = d_pre.sum(axis=-2)
        lead = w.shape[:-1]
        return np.concatenate([p.reshape(*lead, -1) for p in (d_w1, d_b1, d_w2, d_b2)], axis=-1)


@functools.lru_cache(maxsize=16)
def digits_mlp(hidden: int = 32, batch_size: int | None = 64, seed: int = 0) -> MLP:
    """The book's digits MLP (64 pixels -> `hidden` tanh units -> 10 classes) on the training split of
    `digits_split(0)`, with seeded initial weights and minibatches of `batch_size` (None: full batch)."""
    s = digits_split(0)
    return MLP(s.x_train, s.y_train, hidden=hidden, batch_size=batch_size, seed=seed)


@functools.lru_cache(maxsize=16)
def digits_softmax(batch_size: int | None = 64, l2: float = 0.0, seed: int = 0) -> SoftmaxRegression:
    """Softmax regression (64 pixels -> 10 classes, 650 parameters) on the training split of `digits_split(0)`,
    with minibatches of `batch_size` (None: full batch) drawn in a seeded order, and an optional l2 penalty."""
    s = digits_split(0)
    return SoftmaxRegression(s.x_train, s.y_train, l2=l2, batch_size=batch_size, seed=seed)


def per_example_grads(model: _Classifier, w) -> np.ndarray:
    """The gradient of each training sample's loss (plus the l2 term) at one point w, one row per sample,
    shape (n_samples, dim). Their mean is `model.grad(w)`; their spread is the minibatch noise."""
    w = model._check_w(w)
    if w.ndim != 1:
        raise ValueError(f"w must be one point of shape ({model.dim},), not a batch (got shape {w.shape})")
    x, y = model.x, model.y
    return np.array([model.grad_on(w, x[i : i + 1], y[i : i + 1]) for i in range(len(y))])


def minibatch_variance(grads, batch_size) -> np.ndarray:
    """Per coordinate, E (g_B - g)_i^2: the variance of the mean g_B of `batch_size` distinct rows of `grads`
    drawn at random, around the mean g of all N rows. With s_i^2 the rows' variance (divided by N), it is
    (N - B) / (B (N - 1)) s_i^2: a sample mean's variance, times the factor for drawing without replacement
    (0 at B = N). batch_size may be an array of sizes: the result then has shape `(*batch_size.shape, dim)`."""
    g = np.asarray(grads, dtype=np.float64)
    if g.ndim != 2:
        raise ValueError(f"grads must have shape (n_samples, dim) (got shape {g.shape})")
    n = g.shape[0]
    if n < 2:
        raise ValueError(f"grads needs at least 2 rows (got {n})")
    b = np.asarray(batch_size, dtype=np.float64)
    if not np.all((b >= 1) & (b <= n)):
        raise ValueError(f"batch_size must be in [1, {n}], the number of rows of grads (got {batch_size!r})")
    spread = np.mean((g - g.mean(axis=0)) ** 2, axis=0)
    return (n - b[..., None]) / (b[..., None] * (n - 1)) * spread


def simple_noise_scale(grads) -> float:
    """B_simple = tr(Sigma) / `||g||^2` (McCandlish et al., 2018): the spread of the per-sample gradients (rows of
    `grads`, Sigma their covariance divided by N) over the squared full gradient g, their mean. A batch of B
    samples drawn with replacement has E `||g_B - g||^2 / ||g||^2` = B_simple / B."""
    g = np.asarray(grads, dtype=np.float64)
    return float(minibatch_variance(g, 1).sum() / np.sum(g.mean(axis=0) ** 2))


def break_even_batch(grads) -> float:
    """The batch size B at which minibatch noise equals the signal, E `||g_B - g||^2 = ||g||^2`, for B distinct
    rows of the N in `grads`: the solution of (N - B) B_simple = B (N - 1), below B_simple by the factor of
    drawing without replacement."""
    n, r = len(grads), simple_noise_scale(grads)
    return float(n * r / (n - 1 + r))


def sampled_minibatch_variance(grads, batch_size: int, draws: int, rng) -> np.ndarray:
    """Per coordinate, the mean of (g_B - g)_i^2 over `draws` random batches of `batch_size` distinct rows
    of `grads` (drawn with the numpy Generator `rng`): the measurement that `minibatch_variance` predicts."""
    g = np.asarray(grads, dtype=np.float64)
    n, full = len(g), g.mean(axis=0)
    if not (isinstance(batch_size, (int, np.integer)) and 1 <= batch_size <= n):
        raise ValueError(f"batch_size must be an integer in [1, {n}], the number of rows of grads (got {batch_size!r})")
    picks = [rng.choice(n, batch_size, replace=False) for _ in range(draws)]
    if batch_size <= 64:
        estimates = np.array([g[idx].mean(axis=0) for idx in picks])
    else:  # one matrix product: row d of `select` averages the rows of draw d
        select = np.zeros((draws, n))
        for row, idx in zip(select, picks, strict=True):
            row[idx] = 1.0 / batch_size
        estimates = select @ g
    return np.mean((estimates - full) ** 2, axis=0)


def gradient_error(problem, w, coords, h: float) -> float:
    """The largest relative error between `problem.grad(w)` and the central differences
    (f(w + h e_i) - f(w - h e_i)) / 2h over the coordinates i in `coords`: a check of backpropagation."""
    w = np.asarray(w, dtype=np.float64)
    grad = problem.grad(w)
    worst = 0.0
    for i in coords:
        e = np.zeros(w.shape[-1])
        e[i] = h
        numeric = (problem.f(w + e) - problem.f(w - e)) / (2 * h)
        worst = max(worst, abs(numeric - grad[i]) / max(abs(grad[i]), 1e-8))
    return float(worst)
