"""Test problems: 2-D surfaces to watch optimizers on, and a sparse data problem.

Every problem has `f(x)` and `grad(x)` vectorized over the leading dimensions of x (shape (..., dim)),
its minimizer `minimum` and minimal value `f_min`, and a default start point `x0`. The 2-D ones also
give `bounds`, the box ((x_lo, x_hi), (y_lo, y_hi)) their figures show.
"""

from __future__ import annotations

import dataclasses
import functools
from functools import cached_property

import numpy as np

from optim_core._checks import nonnegative, positive


def _real_number(name: str, value) -> float:
    """One finite real number (not a bool, a string or an array), as a float."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)) or np.ndim(value) != 0:
        raise ValueError(f"{name} must be one finite real number (got {value!r})")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be one finite real number (got {value!r})") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be one finite real number (got {value!r})")
    return number


def rotation(angle: float) -> np.ndarray:
    """The 2 x 2 matrix that turns the plane by `angle` radians (counter-clockwise)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


@dataclasses.dataclass(frozen=True, eq=False)
class Quadratic:
    """The ravine f(x) = 1/2 x^T H x, with curvatures mu (shallow) and L (steep) along axes
    rotated by `angle` radians. The default, mu = 0.2 and L = 4, is f = 0.1 x1^2 + 2 x2^2."""

    mu: float = 0.2
    L: float = 4.0
    angle: float = 0.0
    name = "ravine"
    x0 = np.array([-4.5, 1.0])
    bounds = ((-5.0, 5.0), (-2.0, 2.0))

    def __post_init__(self):
        # One ravine per object: mu, L and angle are plain numbers (Ravines batches condition numbers).
        for name in ("mu", "L", "angle"):
            object.__setattr__(self, name, _real_number(name, getattr(self, name)))
        positive("mu", self.mu)
        positive("L", self.L)
        if self.mu > self.L:
            raise ValueError(f"mu must be <= L (got mu={self.mu}, L={self.L})")

    @classmethod
    def from_condition(cls, kappa: float, L: float = 4.0, angle: float = 0.0) -> Quadratic:
        """The ravine with condition number kappa = L / mu."""
        try:
            number = _real_number("kappa", kappa)
        except ValueError:
            number = np.nan
        if not number >= 1:
            raise ValueError(f"kappa must be finite and >= 1 (got {kappa!r})")
        kappa = number
        return cls(mu=L / kappa, L=L, angle=angle)

    @property
    def kappa(self) -> float:
        return self.L / self.mu

    def turned(self, degrees: float) -> Quadratic:
        """The same ravine with its axes turned by `degrees` (so a per-coordinate method no longer sees
        the steep and the shallow direction separately)."""
        return Quadratic(mu=self.mu, L=self.L, angle=np.deg2rad(degrees))

    @cached_property
    def hessian(self) -> np.ndarray:
        turn = rotation(self.angle)
        return turn @ np.diag([self.mu, self.L]) @ turn.T

    minimum = np.zeros(2)
    f_min = 0.0

    def grad(self, x):
        # Written out rather than `x @ H`: a matrix product may sum in a different order for a
        # batch than for one point, and a batched run must equal the individual runs bit for bit.
        x1, x2 = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        (h11, h12), (h21, h22) = self.hessian
        return np.stack([h11 * x1 + h12 * x2, h21 * x1 + h22 * x2], axis=-1)

    def f(self, x):
        x1, x2 = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        g1, g2 = np.moveaxis(self.grad(x), -1, 0)
        return 0.5 * (x1 * g1 + x2 * g2)


@dataclasses.dataclass(frozen=True, eq=False)
class Ravines:
    """Many axis-aligned ravines at once, f = (mu w1^2 + L w2^2) / 2 with mu = L / kappa, one per batch element.

    `kappas` may have any shape; the params of a run then have shape `(*kappas.shape, 2)`, so one batched
    `run` covers every condition number (and any hyperparameter grid that broadcasts against it). Each
    element takes the same steps, bit for bit, as `Quadratic.from_condition(kappa, L)` alone, from the
    same start (-4.5, 1).
    """

    kappas: np.ndarray
    L: float = 4.0
    name = "ravines"
    minimum = np.zeros(2)
    f_min = 0.0

    @property
    def curvatures(self) -> np.ndarray:
        """(mu, L) for every ravine, shape `(*kappas.shape, 2)`."""
        k = np.asarray(self.kappas, dtype=np.float64)
        return np.stack([self.L / k, np.full(k.shape, self.L)], axis=-1)

    @property
    def x0(self) -> np.ndarray:
        return np.broadcast_to(Quadratic.x0, self.curvatures.shape)

    def grad(self, x):
        return self.curvatures * np.asarray(x, dtype=np.float64)

    def f(self, x):
        x = np.asarray(x, dtype=np.float64)
        return 0.5 * np.sum(self.curvatures * x * x, axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class Rosenbrock:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2: a curved, flat-bottomed valley with its minimum at (a, a^2)."""

    a: float = 1.0
    b: float = 100.0
    name = "rosenbrock"

    def __post_init__(self):
        object.__setattr__(self, "a", _real_number("a", self.a))
        object.__setattr__(self, "b", float(positive("b", _real_number("b", self.b))))

    x0 = np.array([-1.5, 2.0])
    bounds = ((-2.0, 2.0), (-1.0, 3.0))
    f_min = 0.0

    @property
    def minimum(self):
        return np.array([self.a, self.a**2])

    # Powers are written as products throughout this module: numpy may compute `x ** 3` on an
    # array by another routine than on a single number, and a batched run must be bitwise equal to
    # the individual runs.
    def f(self, x):
        x, y = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        inner = y - x * x
        return (self.a - x) * (self.a - x) + self.b * inner * inner

    def grad(self, x):
        x, y = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        inner = y - x * x
        return np.stack([-2 * (self.a - x) - 4 * self.b * x * inner, 2 * self.b * inner], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class Beale:
    """Beale's function: flat plateaus and steep walls, minimum f(3, 0.5) = 0. `x0` is the start."""

    x0: np.ndarray = dataclasses.field(default_factory=lambda: np.array([-1.0, 1.5]))
    name = "beale"
    bounds = ((-4.5, 4.5), (-4.5, 4.5))
    minimum = np.array([3.0, 0.5])
    f_min = 0.0
    _c = (1.5, 2.25, 2.625)

    def __post_init__(self):
        try:
            x0 = np.array(self.x0, dtype=np.float64) if not isinstance(self.x0, (str, bytes)) else np.array(np.nan)
        except (TypeError, ValueError):
            x0 = np.array(np.nan)
        if x0.shape != (2,) or not np.all(np.isfinite(x0)):
            raise ValueError(f"x0 must be a finite point (x, y) (got {self.x0!r})")
        object.__setattr__(self, "x0", x0)

    def _terms(self, x):
        x, y = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        powers = [np.ones_like(y), y, y * y, y * y * y]  # y**0 .. y**3
        return x, powers, [c - x + x * powers[k + 1] for k, c in enumerate(self._c)]

    def f(self, x):
        _, _, terms = self._terms(x)
        return sum(t * t for t in terms)

    def grad(self, x):
        x, powers, terms = self._terms(x)
        gx = sum(2 * t * (powers[k + 1] - 1) for k, t in enumerate(terms))
        gy = sum(2 * t * (k + 1) * x * powers[k] for k, t in enumerate(terms))
        return np.stack([gx, gy], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class Saddle:
    """f(x, y) = x^2/2 - y^2/2 + y^4/4: a saddle at the origin between two minima at (0, +-1)."""

    name = "saddle"
    x0 = np.array([-1.5, 1e-3])
    bounds = ((-2.0, 2.0), (-1.6, 1.6))
    minimum = np.array([0.0, 1.0])
    f_min = -0.25

    def f(self, x):
        x, y = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        y2 = y * y
        return 0.5 * x * x - 0.5 * y2 + 0.25 * y2 * y2

    def grad(self, x):
        x, y = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        return np.stack([x, y * y * y - y], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class DiagonalQuadratic:
    """f(w) = 1/2 sum_i h_i w_i^2 in `dim` coordinates, the curvatures h log-spaced from mu to L; start at all ones.

    A many-dimensional ravine whose axes are the coordinates (as for `Quadratic` with angle 0)."""

    dim: int = 1000
    mu: float = 0.1
    L: float = 1.0
    name = "diagonal quadratic"
    f_min = 0.0

    def __post_init__(self):
        if not (isinstance(self.dim, (int, np.integer)) and self.dim >= 1):
            raise ValueError(f"dim must be an integer >= 1 (got {self.dim!r})")
        positive("mu", self.mu)
        positive("L", self.L)
        if self.mu > self.L:
            raise ValueError(f"mu must be <= L (got mu={self.mu}, L={self.L})")

    @cached_property
    def h(self) -> np.ndarray:
        return np.geomspace(self.mu, self.L, self.dim)

    @property
    def x0(self) -> np.ndarray:
        return np.ones(self.dim)

    @property
    def minimum(self) -> np.ndarray:
        return np.zeros(self.dim)

    def f(self, w):
        w = np.asarray(w, dtype=np.float64)
        return 0.5 * np.sum(self.h * w * w, axis=-1)

    def grad(self, w):
        return self.h * np.asarray(w, dtype=np.float64)


@dataclasses.dataclass(frozen=True, eq=False)
class NoisyQuadratic:
    """f(w) = 1/2 w^T H w with H = Q diag(curvatures) Q^T, seen through noisy gradients: each step's gradient
    is H w + Q xi, with xi_i ~ N(0, sigmas_i^2 / batch_size) along eigen-direction i (a minibatch of
    `batch_size` samples of per-sample noise sigmas_i). Q turns the plane by `angle` (2-D only; 0: axes).

    The noise is a function of (seed, step) only. `seed` may be an integer or an integer array shaped like
    a hyperparameter grid (..., 1): each batch element then has its own noise stream, and a batched run
    equals the individual runs bit for bit (row `seed` of one standard-normal draw per step, whose first
    rows do not depend on how many are drawn). `f` is the true loss, without noise.
    """

    curvatures: tuple = (0.2, 4.0)
    sigmas: tuple = (1.0, 1.0)
    batch_size: int = 1
    seed: object = 0
    angle: float = 0.0
    x0: np.ndarray = dataclasses.field(default_factory=lambda: np.array([-4.5, 1.0]))
    name = "noisy quadratic"
    f_min = 0.0

    def __post_init__(self):
        lam = np.array(positive("curvatures", self.curvatures), dtype=np.float64).reshape(-1)
        sig = np.array(nonnegative("sigmas", self.sigmas), dtype=np.float64).reshape(-1)
        if sig.shape != lam.shape:
            raise ValueError(
                f"sigmas must have one value per entry of curvatures ({lam.size} curvatures, {sig.size} sigmas)"
            )
        if isinstance(self.batch_size, (bool, np.bool_)) or not (
            isinstance(self.batch_size, (int, np.integer)) and self.batch_size >= 1
        ):
            raise ValueError(f"batch_size must be an integer >= 1 (got {self.batch_size!r})")
        seed = np.asarray(self.seed)
        if seed.dtype.kind not in "iu" or np.any(seed < 0) or (seed.ndim and seed.shape[-1] != 1):
            raise ValueError(f"seed must be an integer >= 0, or an array of them shaped (..., 1) (got {self.seed!r})")
        angle = _real_number("angle", self.angle)
        if angle != 0 and lam.size != 2:
            raise ValueError(f"angle turns a 2-D problem only (this one has {lam.size} curvatures)")
        x0 = np.array(self.x0, dtype=np.float64)
        if x0.shape[-1:] != lam.shape or not np.all(np.isfinite(x0)):
            raise ValueError(f"x0 must be finite with {lam.size} coordinates (got {self.x0!r})")
        for name, value in (("curvatures", lam), ("sigmas", sig), ("seed", seed), ("angle", angle), ("x0", x0)):
            object.__setattr__(self, name, value)

    @property
    def dim(self) -> int:
        return self.curvatures.size

    @property
    def batch_shape(self) -> tuple:
        """One run per seed: the shape of the seed grid without its last axis (run() broadcasts x0 to it)."""
        return np.shape(self.seed)[:-1]

    @cached_property
    def basis(self) -> np.ndarray:
        """Q: its columns are the eigen-directions."""
        return rotation(self.angle) if self.dim == 2 else np.eye(self.dim)

    @cached_property
    def hessian(self) -> np.ndarray:
        return self.basis @ np.diag(self.curvatures) @ self.basis.T

    @property
    def minimum(self) -> np.ndarray:
        return np.zeros(self.dim)

    @property
    def bounds(self):
        return ((-5.0, 5.0), (-2.0, 2.0)) if self.dim == 2 else None

    # Sums over the last axis instead of matrix products, so that a batch is computed as each run alone.
    def grad(self, w):
        w = np.asarray(w, dtype=np.float64)
        return np.sum(self.hessian * w[..., None, :], axis=-1)

    def f(self, w):
        w = np.asarray(w, dtype=np.float64)
        return 0.5 * np.sum(w * self.grad(w), axis=-1)

    def noise(self, step: int, shape: tuple) -> np.ndarray:
        """Q xi for every batch element at `step`, broadcast to `shape` (..., dim)."""
        rows = np.asarray(self.seed)[..., 0] if np.ndim(self.seed) else np.asarray(self.seed)
        z = np.random.default_rng([int(step)]).standard_normal((int(rows.max()) + 1, self.dim))[rows]
        xi = z * (self.sigmas / np.sqrt(self.batch_size))
        return np.broadcast_to(np.sum(self.basis * xi[..., None, :], axis=-1), shape)

    def stochastic_grad(self, w, step: int):
        w = np.asarray(w, dtype=np.float64)
        return self.grad(w) + self.noise(step, w.shape)


def _log1p_exp(z):
    """log(1 + exp(z)) without overflow."""
    return np.logaddexp(0.0, z)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


@functools.lru_cache(maxsize=64)
def _epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order in which epoch `epoch` (0-based) visits n samples; a function of its arguments only."""
    return np.random.default_rng([seed, epoch]).permutation(n)


@dataclasses.dataclass(frozen=True, eq=False)
class SparseLogistic:
    """L2-regularized logistic regression on seeded synthetic data in which some features are rare.

    The first `n_common` features are present in every sample; each of the remaining `n_rare`
    features is present (value 1) in a fraction `rare_freq` of the samples and carries as much signal
    as a common feature. Gradient descent hardly moves the weights of rare features, because their
    gradients are small on average; AdaGrad gives them larger steps.

    `batch_size` (None: full batch) makes `stochastic_grad(w, step)` the gradient of the objective on one
    minibatch, drawn as the digits models draw theirs: each epoch visits the samples in a fresh permutation
    seeded by (batch_seed, epoch), cut into n_samples // batch_size batches (the incomplete last one is
    dropped). A rare feature is then absent from most minibatches, and its weight's gradient is l2 w alone.
    `batch_seed` may be an integer or an integer array shaped (..., 1), one minibatch order per batch
    element (as NoisyQuadratic's `seed`); a batched run equals the single runs bit for bit.
    """

    n_samples: int = 1000
    n_common: int = 5
    n_rare: int = 20
    rare_freq: float = 0.03
    l2: float = 1e-3
    seed: int = 0
    batch_size: int | None = None
    batch_seed: object = 0
    name = "sparse logistic"

    def __post_init__(self):
        for name, minimum in (("n_samples", 1), ("n_common", 0), ("n_rare", 0), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum} (got {value!r})")
        if self.n_common + self.n_rare < 1:
            raise ValueError("the problem needs at least one feature (n_common + n_rare >= 1)")
        freq = _real_number("rare_freq", self.rare_freq)
        if not 0 < freq <= 1:
            raise ValueError(f"rare_freq must be in (0, 1] (got {self.rare_freq!r})")
        # l2 >= 0 keeps the problem convex, so that the Newton point is its minimum and f_min its least value.
        if _real_number("l2", self.l2) < 0:
            raise ValueError(f"l2 must be >= 0 (got {self.l2!r})")
        size = self.batch_size
        if size is not None and (
            isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)) or size < 1
        ):
            raise ValueError(f"batch_size must be an integer >= 1 or None for full batch (got {size!r})")
        seed = np.asarray(self.batch_seed)
        if seed.dtype.kind not in "iu" or np.any(seed < 0) or (seed.ndim and seed.shape[-1] != 1):
            raise ValueError(
                f"batch_seed must be an integer >= 0, or an array of them shaped (..., 1) (got {self.batch_seed!r})"
            )
        object.__setattr__(self, "batch_seed", seed)

    @cached_property
    def data(self):
        rng = np.random.default_rng(self.seed)
        common = rng.normal(size=(self.n_samples, self.n_common))
        rare = (rng.random((self.n_samples, self.n_rare)) < self.rare_freq).astype(np.float64)
        features = np.hstack([common, rare])
        true_w = np.concatenate([rng.normal(size=self.n_common), rng.choice([-3.0, 3.0], self.n_rare)])
        labels = np.where(rng.random(self.n_samples) < _sigmoid(features @ true_w), 1.0, -1.0)
        return features, labels, true_w

    @property
    def dim(self) -> int:
        return self.n_common + self.n_rare

    @property
    def x0(self):
        return np.zeros(self.dim)

    @property
    def batch_shape(self) -> tuple:
        """One run per minibatch seed: the shape of the seed grid without its last axis."""
        return np.shape(self.batch_seed)[:-1]

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches per pass over the samples (1 for full batch)."""
        return 1 if self.batch_size is None else max(self.n_samples // self.batch_size, 1)

    def batch_indices(self, step: int) -> np.ndarray:
        """The samples of the minibatch of `step` (1-based), shape `(*batch_shape, batch_size)`; a function
        of (batch_seed, step) only. All samples for full batch."""
        if isinstance(step, (bool, np.bool_)) or not isinstance(step, (int, np.integer)) or step < 1:
            raise ValueError(f"step must be an integer >= 1 (steps count from 1; got {step!r})")
        if self.batch_size is None or self.batch_size >= self.n_samples:
            return np.arange(self.n_samples)
        epoch, k = divmod(int(step) - 1, self.batches_per_epoch)
        seeds = self.batch_seed[..., 0] if self.batch_seed.ndim else self.batch_seed
        cut = slice(k * self.batch_size, (k + 1) * self.batch_size)
        rows = [_epoch_order(int(s), epoch, self.n_samples)[cut] for s in seeds.flat]
        return np.array(rows).reshape(*seeds.shape, self.batch_size)

    # Products are summed with numpy reductions, not matrix products (BLAS), so that each model of
    # a batch is computed exactly as it would be alone.
    def _margins(self, w):
        features, labels, _ = self.data
        return labels * np.sum(w[..., None, :] * features, axis=-1)

    def f(self, w):
        w = np.asarray(w, dtype=np.float64)
        return np.mean(_log1p_exp(-self._margins(w)), axis=-1) + 0.5 * self.l2 * np.sum(w * w, axis=-1)

    def _grad_on(self, w, features, labels):
        """The gradient of the mean loss over the samples (features, labels) plus the l2 term."""
        w = np.asarray(w, dtype=np.float64)
        margins = labels * np.sum(w[..., None, :] * features, axis=-1)
        weights = -labels * _sigmoid(-margins) / labels.shape[-1]
        return np.sum(weights[..., :, None] * features, axis=-2) + self.l2 * w

    def grad(self, w):
        features, labels, _ = self.data
        return self._grad_on(w, features, labels)

    def sample_grads(self, w) -> np.ndarray:
        """The gradient of each sample's loss at one point w, without the l2 term: shape (n_samples, dim).
        Their mean plus l2 w is grad(w); the mean of their squares is the empirical Fisher's diagonal."""
        features, labels, _ = self.data
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (self.dim,):
            raise ValueError(f"w must be one point of shape ({self.dim},), not a batch (got shape {w.shape})")
        return (-labels * _sigmoid(-labels * np.sum(w * features, axis=-1)))[:, None] * features

    def stochastic_grad(self, w, step: int):
        """The gradient on the minibatch of `step` (1-based); `run` calls this. The full gradient for full batch."""
        if self.batch_size is None:
            return self.grad(w)
        features, labels, _ = self.data
        idx = self.batch_indices(step)
        return self._grad_on(w, features[idx], labels[idx])

    def hessian(self, w):
        features, labels, _ = self.data
        p = _sigmoid(labels * (features @ w))
        return (features.T * (p * (1 - p))) @ features / self.n_samples + self.l2 * np.eye(self.dim)

    @cached_property
    def minimum(self):
        """Found by Newton's method, which converges to machine precision on this convex problem."""
        w = np.zeros(self.dim)
        for _ in range(50):
            step = np.linalg.solve(self.hessian(w), self.grad(w))
            w = w - step
            if np.max(np.abs(step)) < 1e-14:
                break
        return w

    @cached_property
    def f_min(self):
        return float(self.f(self.minimum))


@dataclasses.dataclass(frozen=True, eq=False)
class Wrapped:
    """A problem built on `problem`: it keeps that one's start, minimum, loss and gradient unless a subclass
    changes them (a noisier gradient, a scaled loss, a zoomed window for a figure)."""

    problem: object

    @property
    def x0(self):
        return self.problem.x0

    @property
    def minimum(self):
        return self.problem.minimum

    @property
    def f_min(self):
        return self.problem.f_min

    def f(self, x):
        return self.problem.f(x)

    def grad(self, x):
        return self.problem.grad(x)

    @property
    def batch_shape(self) -> tuple:
        """The wrapped problem's own batch (seeds, say), if it has one."""
        return getattr(self.problem, "batch_shape", ())


@dataclasses.dataclass(frozen=True, eq=False)
class WithL2(Wrapped):
    """`problem` plus the L2 penalty l2/2 `||w||^2`, whose gradient l2 w joins every gradient the optimizer
    sees (the way to decay weights through the loss). l2 may be an array, one value per batched run.

    The held-out metrics `loss_on` and `accuracy` are the wrapped model's, without the penalty; `minimum`
    and `f_min` stay the wrapped problem's (with l2 >= 0, f_min is then a lower bound)."""

    l2: object = 0.0

    def __post_init__(self):
        if not np.all(np.asarray(self.l2, dtype=np.float64) >= 0):
            raise ValueError(f"l2 must be >= 0 (got {self.l2!r})")

    def f(self, w):
        return self.problem.f(w) + 0.5 * np.sum(np.asarray(self.l2) * w * w, axis=-1)

    def grad(self, w):
        return self.problem.grad(w) + np.asarray(self.l2) * w

    def stochastic_grad(self, w, step):
        """The wrapped problem's gradient for `step` (its minibatch, if it has them) plus l2 w."""
        inner = getattr(self.problem, "stochastic_grad", None)
        return (inner(w, step) if inner is not None else self.problem.grad(w)) + np.asarray(self.l2) * w

    def loss_on(self, w, x, y):
        return self.problem.loss_on(w, x, y)

    def accuracy(self, w, x, y):
        return self.problem.accuracy(w, x, y)


@dataclasses.dataclass(frozen=True, eq=False)
class Scaled(Wrapped):
    """`problem` with its loss multiplied by `scale` around the minimum, c (f - f*) + f*, so every gradient is
    c times as large (the same minimum, f* and start).

    scale may be an array that broadcasts against the params as a hyperparameter does (the batch shape, then
    an axis of length 1): one batched run then covers several scales, e.g.
    `sweep(Adam, lambda scale: Scaled(problem, scale), 1000, gap_at(), scale=(0.01, 1, 100), lr=lrs)`
    (`run` broadcasts x0 against the optimizer's hyperparameters only: give it the full batch shape, as
    `sweep` does).
    """

    scale: object = 1.0

    def __post_init__(self):
        positive("scale", self.scale)

    @property
    def loss_scale(self) -> np.ndarray:
        """The factor on each batched loss: `scale` without its trailing parameter axis."""
        c = np.asarray(self.scale, dtype=np.float64)
        return c[..., 0] if c.ndim else c

    def f(self, x):
        return self.loss_scale * (self.problem.f(x) - self.problem.f_min) + self.problem.f_min

    def grad(self, x):
        return np.asarray(self.scale, dtype=np.float64) * self.problem.grad(x)


def _turn(matrix: np.ndarray, x) -> np.ndarray:
    """matrix @ x for 2-D points x (shape (..., 2)), written out so a batch is computed as each point alone.
    `matrix` may be a stack of 2 x 2 matrices (shape (..., 2, 2)) that broadcasts against the points."""
    x1, x2 = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
    m = np.asarray(matrix, dtype=np.float64)
    a, b, c, d = m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1]
    return np.stack([a * x1 + b * x2, c * x1 + d * x2], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class Turned(Wrapped):
    """A 2-D `problem` with the plane turned counter-clockwise by `degrees`: with R = rotation(degrees),
    f(x) = problem.f(R^T x) and grad(x) = R problem.grad(R^T x); the start and the minimum turn with it.

    The surface is the same, only its axes no longer line up with the coordinates, so a method that treats
    coordinates one by one (AdaGrad, RMSProp, Adam, sign descent) may behave differently on it, while
    gradient descent and Momentum follow the turned path (up to rounding). `own(x)` = R^T x maps points back into the
    problem's own coordinates (its eigen-directions, for a quadratic or a saddle)."""

    degrees: float = 45.0

    def __post_init__(self):
        object.__setattr__(self, "degrees", _real_number("degrees", self.degrees))
        dim = np.shape(self.problem.x0)[-1]
        if dim != 2:
            raise ValueError(f"Turned turns 2-D problems only (this one has {dim} coordinates)")

    @cached_property
    def matrix(self) -> np.ndarray:
        """R, the rotation by `degrees`."""
        return rotation(np.deg2rad(self.degrees))

    @property
    def name(self) -> str:
        return f"{getattr(self.problem, 'name', 'problem')}, turned {self.degrees:g}°"

    def own(self, x) -> np.ndarray:
        """Points of the turned plane in the problem's own coordinates, R^T x."""
        return _turn(self.matrix.T, x)

    @property
    def x0(self):
        return _turn(self.matrix, self.problem.x0)

    @property
    def minimum(self):
        return _turn(self.matrix, self.problem.minimum)

    @property
    def bounds(self):
        """The smallest box that holds the problem's own box, turned."""
        (x_lo, x_hi), (y_lo, y_hi) = self.problem.bounds
        corners = _turn(self.matrix, np.array([[x_lo, y_lo], [x_lo, y_hi], [x_hi, y_lo], [x_hi, y_hi]]))
        return tuple((float(lo), float(hi)) for lo, hi in zip(corners.min(axis=0), corners.max(axis=0), strict=True))

    def f(self, x):
        return self.problem.f(self.own(x))

    def grad(self, x):
        return _turn(self.matrix, self.problem.grad(self.own(x)))

    def __getattr__(self, name):
        # stochastic_grad only where the problem has one, so run() keeps using grad() otherwise
        if name == "stochastic_grad" and hasattr(self.problem, "stochastic_grad"):
            return lambda x, step: _turn(self.matrix, self.problem.stochastic_grad(self.own(x), step))
        raise AttributeError(name)


def random_rotation(dim: int, seed: int) -> np.ndarray:
    """A seeded random rotation of `dim` coordinates: an orthogonal matrix with determinant +1, drawn
    uniformly (the QR factor of a Gaussian matrix, with the signs of R's diagonal moved into Q)."""
    if isinstance(dim, (bool, np.bool_)) or not (isinstance(dim, (int, np.integer)) and dim >= 1):
        raise ValueError(f"dim must be an integer >= 1 (got {dim!r})")
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _apply(matrix: np.ndarray, x) -> np.ndarray:
    """matrix @ x for every point of x (shape (..., dim)), summed elementwise so a batch equals single runs."""
    return np.sum(matrix * np.asarray(x, dtype=np.float64)[..., None, :], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class Transformed(Wrapped):
    """`problem` in new coordinates u = A w + b, with its loss multiplied by `scale` c > 0::

        g(u) = c f(A^-1 (u - b)),    grad g(u) = c A^-T grad f(A^-1 (u - b)).

    The start, the minimum and f_min move with it (A x0 + b, A w* + b, c f*), and a stochastic gradient is
    transformed like the true one, with the same noise stream. `back(u)` maps a point or a path of the new
    problem to the old coordinates: an optimizer is invariant to the transformation when `back` of its path
    on this problem equals its path on `problem` (optim_core.invariance measures this).

    - matrix: A, an invertible (dim x dim) array (None: the identity), e.g. `rotation(angle)`,
      `random_rotation(dim, seed)` or `np.diag(d)` (a per-coordinate rescaling w -> D w).
    - shift: b, one point (None: 0).
    """

    matrix: object = None
    shift: object = None
    scale: float = 1.0

    def __post_init__(self):
        dim = np.shape(self.problem.x0)[-1]
        a = np.eye(dim) if self.matrix is None else np.array(self.matrix, dtype=np.float64)
        if a.shape != (dim, dim) or not np.all(np.isfinite(a)):
            raise ValueError(f"matrix must be a finite {dim} x {dim} array (got shape {a.shape})")
        if np.linalg.cond(a) > 1e12:
            raise ValueError("matrix must be invertible (its condition number is above 1e12)")
        b = np.zeros(dim) if self.shift is None else np.array(self.shift, dtype=np.float64)
        if b.shape != (dim,) or not np.all(np.isfinite(b)):
            raise ValueError(f"shift must be one finite point of {dim} coordinates (got {self.shift!r})")
        object.__setattr__(self, "scale", float(positive("scale", _real_number("scale", self.scale))))
        inverse = np.linalg.inv(a)
        for name, value in (("matrix", a), ("shift", b), ("_inverse", inverse), ("_inverse_t", inverse.T.copy())):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def name(self) -> str:
        return f"{self.problem.name}, transformed"

    def forward(self, w) -> np.ndarray:
        """u = A w + b: a point (or path) of the old problem in the new coordinates."""
        return _apply(self.matrix, w) + self.shift

    def back(self, u) -> np.ndarray:
        """w = A^-1 (u - b): a point (or path) of this problem in the old coordinates."""
        return _apply(self._inverse, np.asarray(u, dtype=np.float64) - self.shift)

    @property
    def x0(self):
        return self.forward(self.problem.x0)

    @property
    def minimum(self):
        return self.forward(self.problem.minimum)

    @property
    def f_min(self):
        return self.scale * self.problem.f_min

    def f(self, u):
        return self.scale * self.problem.f(self.back(u))

    def grad(self, u):
        return self.scale * _apply(self._inverse_t, self.problem.grad(self.back(u)))

    def stochastic_grad(self, u, step: int):
        inner = getattr(self.problem, "stochastic_grad", None)
        w = self.back(u)
        g = inner(w, step) if inner is not None else self.problem.grad(w)
        return self.scale * _apply(self._inverse_t, g)


@dataclasses.dataclass(frozen=True, eq=False)
class GradientScaled(Wrapped):
    """`problem` whose every gradient is multiplied coordinate by coordinate by `factors` d_i > 0 (the
    loss and the start are unchanged). For a loss that is a sum of one term per coordinate, f = sum_i f_i(w_i)
    (an axis-aligned ravine), this is the gradient of sum_i d_i f_i(w_i): every coordinate's curvature
    multiplied by d_i. Otherwise it is a change of the gradient alone, the change under which an optimizer
    whose step ignores each coordinate's gradient scale takes the same path."""

    factors: object = 1.0

    def __post_init__(self):
        d = np.array(positive("factors", self.factors), dtype=np.float64)
        if d.shape not in ((), np.shape(self.problem.x0)[-1:]):
            raise ValueError(f"factors must be one number or one per coordinate (got shape {d.shape})")
        d.setflags(write=False)
        object.__setattr__(self, "factors", d)

    def grad(self, x):
        return self.factors * self.problem.grad(x)

    def stochastic_grad(self, x, step: int):
        inner = getattr(self.problem, "stochastic_grad", None)
        return self.factors * (inner(x, step) if inner is not None else self.problem.grad(x))


@dataclasses.dataclass(frozen=True, eq=False)
class TurnedMany(Turned):
    """Many turned copies of one 2-D `problem` at once, one per batch element: `degrees` is an array shaped like
    a hyperparameter grid, (..., 1), and each batch element is `Turned(problem, d)` for its own d, bit for bit.
    One batched run (or `sweep`) then covers every angle, e.g.
    `sweep(make, lambda degrees: TurnedMany(problem, degrees), steps, score, degrees=angles, lr=lrs)`."""

    def __post_init__(self):
        degrees = np.array(self.degrees, dtype=np.float64)
        if degrees.ndim == 0 or degrees.shape[-1] != 1 or not np.all(np.isfinite(degrees)):
            raise ValueError(f"degrees must be finite numbers in an array shaped (..., 1) (got {self.degrees!r})")
        object.__setattr__(self, "degrees", degrees)
        dim = np.shape(self.problem.x0)[-1]
        if dim != 2:
            raise ValueError(f"TurnedMany turns 2-D problems only (this one has {dim} coordinates)")

    @cached_property
    def matrix(self) -> np.ndarray:
        """R for every batch element, shape `(*batch, 2, 2)`: each made exactly as Turned makes its own."""
        angles = self.degrees[..., 0]
        turns = [rotation(np.deg2rad(float(d))) for d in angles.flat]
        return np.reshape(turns, (*angles.shape, 2, 2))

    @property
    def name(self) -> str:
        return f"{getattr(self.problem, 'name', 'problem')}, turned {self.degrees.size} ways"

    @property
    def batch_shape(self) -> tuple:
        return np.broadcast_shapes(self.degrees.shape[:-1], getattr(self.problem, "batch_shape", ()))

    def own(self, x) -> np.ndarray:
        return _turn(np.swapaxes(self.matrix, -1, -2), x)

    @property
    def bounds(self):
        """The smallest box that holds the problem's own box under every one of the turns."""
        (x_lo, x_hi), (y_lo, y_hi) = self.problem.bounds
        corners = np.array([[x_lo, y_lo], [x_lo, y_hi], [x_hi, y_lo], [x_hi, y_hi]])
        turned = _turn(self.matrix[..., None, :, :], corners).reshape(-1, 2)
        return tuple((float(lo), float(hi)) for lo, hi in zip(turned.min(axis=0), turned.max(axis=0), strict=True))


@dataclasses.dataclass(frozen=True, eq=False)
class PairsTurned(Wrapped):
    """A `problem` in an even number d of coordinates with every plane of coordinates (i, i + d/2) turned by
    `degrees`: f(x) = problem.f(R^T x) and grad(x) = R problem.grad(R^T x) for that block rotation R; the start
    and the minimum turn with it. On a separable problem (DiagonalQuadratic) no coordinate is then an
    eigen-direction, while the curvatures stay the same. Computed element by element, so a batch is computed as
    each run alone."""

    degrees: float = 45.0

    def __post_init__(self):
        object.__setattr__(self, "degrees", _real_number("degrees", self.degrees))
        dim = np.shape(self.problem.x0)[-1]
        if dim % 2:
            raise ValueError(f"PairsTurned needs an even number of coordinates (this problem has {dim})")

    def _turned(self, x, sign: float) -> np.ndarray:
        """R x (sign = 1) or R^T x (sign = -1)."""
        x = np.asarray(x, dtype=np.float64)
        half = x.shape[-1] // 2
        a, b = x[..., :half], x[..., half:]
        c, s = np.cos(np.deg2rad(self.degrees)), sign * np.sin(np.deg2rad(self.degrees))
        return np.concatenate([c * a - s * b, s * a + c * b], axis=-1)

    def own(self, x) -> np.ndarray:
        """Points in the problem's own coordinates, R^T x."""
        return self._turned(x, -1.0)

    @property
    def x0(self):
        return self._turned(self.problem.x0, 1.0)

    @property
    def minimum(self):
        return self._turned(self.problem.minimum, 1.0)

    def f(self, x):
        return self.problem.f(self.own(x))

    def grad(self, x):
        return self._turned(self.problem.grad(self.own(x)), 1.0)


@dataclasses.dataclass(frozen=True, eq=False)
class Workers(Wrapped):
    """Simulated data parallelism: `workers` machines each see grad + noise * (seeded Gaussian noise), and a
    server combines their messages.

    rule "mean": each sends its float gradient, the server averages them (ordinary data parallelism).
    rule "vote": each sends the signs of its gradient, the server sends back the sign of their sum.
    Every element of a batched run sees the same noise (one draw per step and worker).
    """

    workers: int = 9
    noise: float = 1.0
    rule: str = "vote"
    seed: int = 0

    def __post_init__(self):
        if self.rule not in ("mean", "vote"):
            raise ValueError(f"rule must be 'mean' or 'vote' (got {self.rule!r})")

    def messages(self, w, step: int) -> np.ndarray:
        """What each worker computes at this step: shape (..., workers, dim)."""
        g = self.problem.grad(w)
        noise = np.random.default_rng((self.seed, step)).normal(size=(self.workers, g.shape[-1]))
        return g[..., None, :] + self.noise * noise

    def stochastic_grad(self, w, step: int):
        local = self.messages(w, step)
        if self.rule == "mean":
            return local.mean(axis=-2)
        return np.sign(np.sign(local).sum(axis=-2))


#: The 2-D surfaces at their defaults, by name ("ravine", "rosenbrock", "beale", "saddle").
SURFACES = {p.name: p for p in (Quadratic(), Rosenbrock(), Beale(), Saddle())}

# The book's canonical problems, defined once for every chapter.
RAVINE = Quadratic()  #: f = 0.1 w1^2 + 2 w2^2 (mu = 0.2, L = 4, kappa = 20), started at (-4.5, 1)
BEALE_FROM_WALL = Beale(x0=np.array([3.0, -3.0]))  #: on a steep wall: the first gradient is in the thousands
SADDLE = Saddle()  #: x^2/2 - y^2/2 + y^4/4, started just off the saddle's ridge
