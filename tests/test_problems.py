"""optim_core.problems: gradients against finite differences, vectorization, minima, and the data."""

import numpy as np
import pytest
from numeric import central_differences

from optim_core.problems import SURFACES, Beale, Quadratic, Rosenbrock, Saddle, SparseLogistic, Wrapped

SURFACE_PROBLEMS = {
    "ravine": Quadratic(),
    "rotated-ravine": Quadratic(mu=0.5, L=3.0, angle=0.7),
    "from-condition": Quadratic.from_condition(50.0, angle=1.1),
    "rosenbrock": Rosenbrock(),
    "rosenbrock-a2-b10": Rosenbrock(a=2.0, b=10.0),
    "beale": Beale(),
    "saddle": Saddle(),
}
DATA_PROBLEMS = {"sparse-logistic": SparseLogistic(n_samples=300, seed=3), "sparse-logistic-default": SparseLogistic()}
PROBLEMS = {**SURFACE_PROBLEMS, **DATA_PROBLEMS}


def dim(problem):
    return problem.dim if hasattr(problem, "dim") else 2


def random_points(problem, n, seed=0):
    """n points in the box a 2-D surface is drawn in, or standard normal weights for a data problem."""
    rng = np.random.default_rng(seed)
    if hasattr(problem, "bounds"):
        (x_lo, x_hi), (y_lo, y_hi) = problem.bounds
        return np.stack([rng.uniform(x_lo, x_hi, n), rng.uniform(y_lo, y_hi, n)], axis=-1)
    return rng.normal(size=(n, dim(problem)))


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_grad_matches_finite_differences(problem):
    # Central differences with h = 1e-5 are accurate to ~1e-8 of the gradient's size on these problems;
    # 1e-6 leaves room for that and still catches any wrong term or factor.
    for x in random_points(problem, 20):
        g = problem.grad(x)
        assert g.shape == x.shape
        scale = max(1.0, np.max(np.abs(g)))
        np.testing.assert_allclose(g, central_differences(problem.f, x), rtol=1e-6, atol=1e-6 * scale)


def pointwise(fn, xs):
    """fn applied to each point of xs (shape (..., dim)) on its own."""
    flat = xs.reshape(-1, xs.shape[-1])
    return np.array([fn(x) for x in flat]).reshape(xs.shape[:-1] + np.shape(fn(flat[0])))


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_vectorized_exactly(problem):
    # run() evaluates one point for a single run and many for a batched one; a batched run can equal the
    # single runs bit for bit (issue 3) only if f and grad give the same bits either way.
    xs = random_points(problem, 60, seed=1).reshape(3, 4, 5, dim(problem))
    f, g = problem.f(xs), problem.grad(xs)
    assert f.shape == (3, 4, 5) and g.shape == xs.shape
    np.testing.assert_array_equal(f, pointwise(problem.f, xs))
    np.testing.assert_array_equal(g, pointwise(problem.grad, xs))


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_minimum(problem):
    m = problem.minimum
    assert m.shape == (dim(problem),)
    assert problem.f(m) == problem.f_min
    assert np.max(np.abs(problem.grad(m))) < 1e-12
    # and it is a (local) minimum: nearby points are higher
    nearby = m + 1e-3 * np.random.default_rng(2).normal(size=(50, dim(problem)))
    assert np.all(problem.f(nearby) > problem.f_min)


def test_surface_minima_are_the_textbook_ones():
    assert Quadratic().f_min == 0.0 and np.array_equal(Quadratic().minimum, [0.0, 0.0])
    np.testing.assert_array_equal(Rosenbrock().minimum, [1.0, 1.0])
    np.testing.assert_array_equal(Rosenbrock(a=2.0, b=10.0).minimum, [2.0, 4.0])
    np.testing.assert_array_equal(Beale().minimum, [3.0, 0.5])
    assert Saddle().f_min == -0.25
    assert Saddle().f(np.zeros(2)) == 0.0 and np.array_equal(Saddle().grad(np.zeros(2)), [0.0, 0.0])
    assert set(SURFACES) == {"ravine", "rosenbrock", "beale", "saddle"}


def test_default_ravine_is_the_classic_one():
    q = Quadratic()
    np.testing.assert_array_equal(q.hessian, [[0.2, 0.0], [0.0, 4.0]])
    assert q.kappa == 20.0
    points = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0], [-4.5, 1.0], [0.3, -0.7]])
    x1, x2 = points[:, 0], points[:, 1]
    np.testing.assert_allclose(q.f(points), 0.1 * x1**2 + 2 * x2**2, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(q.f(points[:3]), [0.1, 2.0, 2.4])
    np.testing.assert_array_equal(q.grad(points), np.stack([0.2 * x1, 4.0 * x2], axis=-1))


@pytest.mark.parametrize(("mu", "L", "angle"), [(0.5, 3.0, 0.7), (0.1, 10.0, -2.0), (1.0, 1.0, 0.3)])
def test_rotated_quadratic_keeps_its_curvatures(mu, L, angle):
    q = Quadratic(mu=mu, L=L, angle=angle)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.hessian), [mu, L], rtol=1e-14)
    np.testing.assert_allclose(q.hessian, q.hessian.T, rtol=0, atol=1e-15)


def test_from_condition():
    q = Quadratic.from_condition(50.0, L=4.0, angle=0.2)
    assert (q.mu, q.L, q.angle) == (0.08, 4.0, 0.2)
    assert q.kappa == pytest.approx(50.0, rel=1e-15)


def test_sparse_logistic_rare_features_are_rare():
    p = SparseLogistic()  # 1000 samples, 5 common and 20 rare features, rare_freq 0.03
    features, labels, true_w = p.data
    assert features.shape == (1000, 25) and labels.shape == (1000,) and true_w.shape == (25,)
    assert p.dim == 25 and np.array_equal(p.x0, np.zeros(25))
    common, rare = features[:, :5], features[:, 5:]
    assert np.all(common != 0)  # common features are present in every sample
    assert set(np.unique(rare)) == {0.0, 1.0}
    # 20 000 Bernoulli(0.03) draws: the block mean has standard deviation 0.0012; allow 4 of them.
    assert abs(rare.mean() - 0.03) < 0.005
    column_means = rare.mean(axis=0)  # each column: sd 0.0054, so all 20 lie well inside (0, 0.06)
    assert np.all((column_means > 0) & (column_means < 0.06))
    assert set(np.unique(labels)) == {-1.0, 1.0}


def test_sparse_logistic_rare_freq_is_respected():
    rare = SparseLogistic(n_samples=2000, rare_freq=0.2, seed=1).data[0][:, 5:]
    assert abs(rare.mean() - 0.2) < 0.01  # sd 0.002


def test_sparse_logistic_data_is_deterministic_for_a_seed():
    a, b, c = SparseLogistic(seed=7).data, SparseLogistic(seed=7).data, SparseLogistic(seed=8).data
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    assert SparseLogistic(seed=7).f_min == SparseLogistic(seed=7).f_min


def test_wrapped_keeps_what_a_subclass_does_not_change():
    class Doubled(Wrapped):
        def f(self, x):
            return 2 * self.problem.f(x)

    inner = Rosenbrock()
    wrapped = Doubled(inner)
    x = np.array([[0.3, -1.2], [2.0, 1.0]])
    assert wrapped.x0 is inner.x0 and wrapped.f_min == inner.f_min
    np.testing.assert_array_equal(wrapped.minimum, inner.minimum)
    np.testing.assert_array_equal(wrapped.grad(x), inner.grad(x))
    np.testing.assert_array_equal(wrapped.f(x), 2 * inner.f(x))


def test_turned_ravine_has_the_same_curvatures_on_turned_axes():
    from optim_core.problems import RAVINE, rotation

    turned = RAVINE.turned(30)
    np.testing.assert_allclose(np.linalg.eigvalsh(turned.hessian), [RAVINE.mu, RAVINE.L], rtol=1e-12)
    u = rotation(np.deg2rad(30)) @ np.array([0.0, 1.0])  # the steep axis, turned
    np.testing.assert_allclose(turned.hessian @ u, RAVINE.L * u, atol=1e-12)
    np.testing.assert_allclose(rotation(np.pi / 2) @ [1.0, 0.0], [0.0, 1.0], atol=1e-15)


def test_canonical_problems():
    from optim_core.problems import BEALE_FROM_WALL, RAVINE, SADDLE, Beale

    assert (RAVINE.mu, RAVINE.L, RAVINE.angle) == (0.2, 4.0, 0.0)
    np.testing.assert_array_equal(BEALE_FROM_WALL.x0, [3.0, -3.0])
    np.testing.assert_array_equal(Beale().x0, [-1.0, 1.5])  # the default start is unchanged
    assert np.abs(BEALE_FROM_WALL.grad(BEALE_FROM_WALL.x0)).min() > 1000  # a steep wall
    assert SADDLE.f(np.zeros(2)) == 0.0
