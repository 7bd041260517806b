"""Test problems: 2-D surfaces to watch optimizers on, and a sparse data problem.

Every problem has `f(x)` and `grad(x)` vectorized over the leading dimensions of x (shape (..., dim)),
its minimizer `minimum` and minimal value `f_min`, and a default start point `x0`. The 2-D ones also
give `bounds`, the box ((x_lo, x_hi), (y_lo, y_hi)) their figures show.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np

from optim_core._checks import positive


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
        positive("mu", self.mu)
        positive("L", self.L)
        if self.mu > self.L:
            raise ValueError(f"mu must be <= L (got mu={self.mu}, L={self.L})")

    @classmethod
    def from_condition(cls, kappa: float, L: float = 4.0, angle: float = 0.0) -> Quadratic:
        """The ravine with condition number kappa = L / mu."""
        if not np.isfinite(kappa) or kappa < 1:
            raise ValueError(f"kappa must be finite and >= 1 (got {kappa})")
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
class Rosenbrock:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2: a curved, flat-bottomed valley with its minimum at (a, a^2)."""

    a: float = 1.0
    b: float = 100.0
    name = "rosenbrock"
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


def _log1p_exp(z):
    """log(1 + exp(z)) without overflow."""
    return np.logaddexp(0.0, z)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


@dataclasses.dataclass(frozen=True, eq=False)
class SparseLogistic:
    """L2-regularized logistic regression on seeded synthetic data in which some features are rare.

    The first `n_common` features are present in every sample; each of the remaining `n_rare`
    features is present (value 1) in a fraction `rare_freq` of the samples and carries as much signal
    as a common feature. Gradient descent hardly moves the weights of rare features, because their
    gradients are small on average; AdaGrad gives them larger steps.
    """

    n_samples: int = 1000
    n_common: int = 5
    n_rare: int = 20
    rare_freq: float = 0.03
    l2: float = 1e-3
    seed: int = 0
    name = "sparse logistic"

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

    # Products are summed with numpy reductions, not matrix products (BLAS), so that each model of
    # a batch is computed exactly as it would be alone.
    def _margins(self, w):
        features, labels, _ = self.data
        return labels * np.sum(w[..., None, :] * features, axis=-1)

    def f(self, w):
        w = np.asarray(w, dtype=np.float64)
        return np.mean(_log1p_exp(-self._margins(w)), axis=-1) + 0.5 * self.l2 * np.sum(w * w, axis=-1)

    def grad(self, w):
        features, labels, _ = self.data
        w = np.asarray(w, dtype=np.float64)
        weights = -labels * _sigmoid(-self._margins(w)) / self.n_samples
        return np.sum(weights[..., :, None] * features, axis=-2) + self.l2 * w

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


SURFACES = {p.name: p for p in (Quadratic(), Rosenbrock(), Beale(), Saddle())}

# The book's canonical problems, defined once for every chapter.
RAVINE = Quadratic()  # f = 0.1 w1^2 + 2 w2^2 (mu = 0.2, L = 4, kappa = 20), started at (-4.5, 1)
BEALE_FROM_WALL = Beale(x0=np.array([3.0, -3.0]))  # on a steep wall: the first gradient is in the thousands
SADDLE = Saddle()  # x^2/2 - y^2/2 + y^4/4, started just off the saddle's ridge
