"""optim_core.curvature: exact Hessian-vector products of the digits models against central differences of the exact
gradient (with the error bound of central differences) and against the Hessian written out; Lanczos against a dense
eigendecomposition and against scipy's eigsh on a LinearOperator; the preconditioner an adaptive state holds; the
spectrum summary; clipping by norm; the run that keeps its preconditioner; the two-weight product; and bad input."""

import numpy as np
import pytest
from numeric import central_differences
from scipy.sparse.linalg import LinearOperator, eigsh

from optim_core import GD, AdaGrad, Adam, Momentum, RMSProp, run
from optim_core import curvature as cv
from optim_core.models import MLP, SoftmaxRegression, digits_mlp, digits_softmax
from optim_core.problems import BEALE_FROM_WALL, RAVINE


def small(kind, l2=0.0, hidden=4):
    """A small model (60 samples, 10 features) whose full Hessian is cheap."""
    rng = np.random.default_rng(7)
    x, y = rng.random((60, 10)), np.arange(60) % 10
    if kind == "softmax":
        return SoftmaxRegression(x, y, l2=l2, batch_size=None)
    return MLP(x, y, hidden=hidden, l2=l2, batch_size=None)


def point(model, seed=1, scale=0.5):
    return np.random.default_rng(seed).normal(scale=scale, size=model.dim)


KINDS = ["softmax", "mlp"]


# ----- Hessian-vector products --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("l2", [0.0, 0.03])
def test_hvp_matches_central_differences_of_the_exact_gradient(kind, l2):
    """(g(w + h v) - g(w - h v)) / 2h = H v + h^2/6 D^3 g[v, v, v] + rounding of order eps |g| / h. With |v| = 1 and
    h = 1e-4 both are far below 1e-7 of |Hv| here; the error must also shrink like h^2 (by ~100 from h = 1e-3 to
    1e-4), which a wrong product (an error independent of h) would not do."""
    model = small(kind, l2)
    w, v = point(model), point(model, seed=2)
    v /= np.linalg.norm(v)
    exact = cv.hvp(model, w, v)
    errors = []
    for h in (1e-3, 1e-4):
        numeric = (model.grad(w + h * v) - model.grad(w - h * v)) / (2 * h)
        errors.append(np.linalg.norm(numeric - exact) / np.linalg.norm(exact))
    assert errors[1] < 1e-7
    assert errors[1] < errors[0] / 30  # second order: the error falls like h^2


@pytest.mark.parametrize("kind", KINDS)
def test_hvp_on_the_digits_models(kind):
    """The book's own models (650 and 2410 parameters): within the central-difference bound at h = 1e-5."""
    model = digits_softmax(batch_size=None) if kind == "softmax" else digits_mlp(batch_size=None)
    w, v = model.x0 + point(model, scale=0.1), point(model, seed=3)
    v /= np.linalg.norm(v)
    numeric = (model.grad(w + 1e-5 * v) - model.grad(w - 1e-5 * v)) / 2e-5
    exact = cv.hvp(model, w, v)
    assert np.linalg.norm(numeric - exact) < 1e-6 * np.linalg.norm(exact)


@pytest.mark.parametrize("kind", KINDS)
def test_hvp_is_linear_symmetric_and_batched(kind):
    model = small(kind, 0.01)
    w = point(model)
    a, b = point(model, seed=4), point(model, seed=5)
    op = cv.hvp_operator(model, w)
    np.testing.assert_allclose(op(2 * a - 3 * b), 2 * op(a) - 3 * op(b), rtol=1e-10, atol=1e-14)
    assert a @ op(b) == pytest.approx(b @ op(a), rel=1e-10)  # the exact Hessian is symmetric
    # a batch of points and of vectors gives the single products, to rounding
    ws, vs = np.stack([w, 0.5 * w]), np.stack([a, b])
    batched = cv.hvp(model, ws, vs)
    for i in range(2):
        np.testing.assert_allclose(batched[i], cv.hvp(model, ws[i], vs[i]), rtol=1e-12, atol=1e-15)
    # one point, many vectors
    np.testing.assert_allclose(cv.hvp(model, w, vs)[1], op(b), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", KINDS)
def test_hessian_from_products_is_symmetric_to_rounding(kind):
    """Built column by column from hvp, the matrix is symmetric before any symmetrization (up to rounding), which
    an approximate product (finite differences) would not be."""
    model = small(kind)
    w = point(model)
    eye = np.eye(model.dim)
    columns = cv.hvp(model, w, eye)
    assert np.max(np.abs(columns - columns.T)) < 1e-13 * np.max(np.abs(columns))
    np.testing.assert_allclose(cv.hessian(model, w, block=7), 0.5 * (columns + columns.T), rtol=0, atol=1e-15)


def test_softmax_hessian_written_out_equals_the_products():
    model = small("softmax", l2=0.02)
    for w in (np.zeros(model.dim), point(model)):
        np.testing.assert_allclose(cv.softmax_hessian(model, w), cv.hessian(model, w), rtol=0, atol=1e-14)


def test_softmax_hessian_at_zero_is_a_kronecker_product():
    """At w = 0: H = C kron (I - 11^T/10)/10, C the second moment of (x, 1): eigenvalues c_k/10 nine times, and 0 for
    each c_k once more."""
    model = small("softmax")
    lam = np.linalg.eigvalsh(cv.softmax_hessian(model, np.zeros(model.dim)))
    xt = np.hstack([model.x, np.ones((len(model.x), 1))])
    c = np.linalg.eigvalsh(xt.T @ xt / len(xt))
    expected = np.sort(np.concatenate([np.repeat(c / 10, 9), np.zeros(len(c))]))
    np.testing.assert_allclose(lam, expected, rtol=0, atol=1e-13)


def test_the_softmax_null_space_is_exact():
    """Shifting the ten weights of one input (or the biases) by the same amount leaves every probability as it is."""
    model = digits_softmax(batch_size=None)
    w = point(model, scale=0.3)
    h = cv.softmax_hessian(model, w)
    for j in (0, 5, 64):  # input 0 (blank), input 5, and the bias row
        shift = np.zeros((65, 10))
        shift[j] = 1.0
        assert np.max(np.abs(h @ shift.ravel())) < 1e-15


# ----- the largest eigenvalue ----------------------------------------------------------------------------------
def test_lanczos_matches_a_dense_eigendecomposition_on_a_small_mlp():
    model = small("mlp", hidden=3)  # 10 * 3 + 3 + 30 + 10 = 73 parameters
    w = point(model)
    h = cv.hessian(model, w)
    lam = np.linalg.eigvalsh(h)
    assert lam[0] < 0  # an MLP's Hessian away from a minimum has negative curvature too
    value, vector = cv.sharpness(model, w, iters=40)
    assert value == pytest.approx(lam[-1], rel=1e-10)
    assert abs(vector @ np.linalg.eigh(h)[1][:, -1]) == pytest.approx(1.0, abs=1e-8)
    # and scipy's Lanczos (ARPACK) on a LinearOperator agrees
    op = LinearOperator((model.dim, model.dim), matvec=lambda v: cv.hvp(model, w, v), dtype=np.float64)
    assert eigsh(op, k=1, which="LA", return_eigenvectors=False)[0] == pytest.approx(value, rel=1e-9)


def test_lanczos_never_overshoots_and_beats_power_iteration():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(50, 50)))
    lam = np.concatenate([[10.0, 9.5, 9.0], np.linspace(-3.0, 5.0, 47)])
    a = q @ np.diag(lam) @ q.T
    v0 = rng.normal(size=50)
    for k in (3, 6, 10):
        value, _ = cv.top_eigenvalue(lambda v: v @ a, v0, iters=k)
        power = v0.copy()
        for _ in range(k - 1):
            power = a @ power / np.linalg.norm(power)
        rayleigh = power @ a @ power / (power @ power)
        assert value <= 10.0 + 1e-12 and value >= rayleigh - 1e-12
    assert cv.top_eigenvalue(lambda v: v @ a, v0, iters=50)[0] == pytest.approx(10.0, rel=1e-12)


def test_lanczos_gives_the_largest_signed_eigenvalue_and_a_batch():
    a = np.diag([-5.0, 1.0, 2.0])  # power iteration would find -5
    assert cv.top_eigenvalue(lambda v: v @ a, np.ones(3), iters=3)[0] == pytest.approx(2.0, rel=1e-12)
    mats = np.stack([np.diag([1.0, 3.0, 2.0]), np.diag([4.0, 0.5, -7.0])])
    values, vectors = cv.top_eigenvalue(lambda v: np.einsum("bij,bj->bi", mats, v), np.ones((2, 3)), iters=3)
    np.testing.assert_allclose(values, [3.0, 4.0], rtol=1e-12)
    np.testing.assert_allclose(np.abs(vectors), [[0, 1, 0], [1, 0, 0]], atol=1e-8)
    # a start inside an invariant subspace stops early instead of dividing by zero
    value, vector = cv.top_eigenvalue(lambda v: v @ np.diag([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.0]), iters=3)
    assert value == 2.0 and np.all(np.isfinite(vector))


def test_warm_start_from_the_eigenvector_needs_one_product():
    model = small("mlp", hidden=3)
    w = point(model)
    exact, vector = cv.sharpness(model, w, iters=60)
    assert cv.sharpness(model, w, v0=vector, iters=1)[0] == pytest.approx(exact, rel=1e-9)


def test_preconditioned_sharpness_is_that_of_the_scaled_hessian():
    model = small("mlp", hidden=3)
    w, scale = point(model), np.random.default_rng(9).uniform(0.1, 10.0, size=73)
    h = cv.hessian(model, w)
    root = np.sqrt(scale)
    expected = np.linalg.eigvalsh(root[:, None] * h * root[None, :])[-1]
    assert cv.sharpness(model, w, iters=60, scale=scale)[0] == pytest.approx(expected, rel=1e-9)


def test_sharpness_along_a_run_with_warm_starts():
    model = small("mlp", hidden=3)
    params = run(
        GD(np.array([[0.3], [1.0]])), model, np.broadcast_to(point(model), (2, 73)), 40, record_every=10
    ).params
    along = cv.sharpness_along(model, params, iters=12)
    assert along.shape == (5, 2)
    for k in range(5):
        for i in range(2):
            assert along[k, i] == pytest.approx(np.linalg.eigvalsh(cv.hessian(model, params[k, i]))[-1], rel=1e-6)


# ----- the preconditioner of an adaptive state -----------------------------------------------------------------
def test_preconditioner_of_each_adaptive_method():
    w, grads = np.zeros(3), [np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -1.0])]
    ema2 = 0.99 * 0.01 * grads[0] ** 2 + 0.01 * grads[1] ** 2  # beta2 = 0.99 after two steps
    for opt, expected in (
        (AdaGrad(0.1, eps=1e-10), np.sqrt(grads[0] ** 2 + grads[1] ** 2) + 1e-10),
        (RMSProp(0.1, beta=0.9), np.sqrt(0.9 * 0.1 * grads[0] ** 2 + 0.1 * grads[1] ** 2) + 1e-8),
        (Adam(0.1, beta2=0.99), np.sqrt(ema2 / (1 - 0.99**2)) + 1e-8),
        (Adam(0.1, beta2=0.99, bias_correction=False), np.sqrt(ema2) + 1e-8),
        (Adam(0.1, beta2=0.99, amsgrad=True), np.sqrt(np.maximum(ema2, 0.01 * grads[0] ** 2) / (1 - 0.99**2)) + 1e-8),
    ):
        state = opt.init(w)
        for g in grads:
            _, state = opt.update(w, g, state)
        np.testing.assert_allclose(cv.preconditioner(opt, state), expected, rtol=1e-14)
    with pytest.raises(TypeError, match="second-moment"):
        cv.preconditioner(Momentum(0.1), Momentum(0.1).init(w))


def test_run_with_preconditioner_takes_the_steps_of_run():
    opt = Adam(np.array([[0.01], [0.1]]))
    kept = cv.run_with_preconditioner(opt, RAVINE, 30, 10)
    plain = run(opt, RAVINE, np.broadcast_to(RAVINE.x0, (2, 2)), 30)
    np.testing.assert_array_equal(kept["steps"], [10, 20, 30])
    np.testing.assert_array_equal(kept["params"], plain.params[[10, 20, 30]])
    np.testing.assert_array_equal(kept["loss"], plain.loss)
    np.testing.assert_array_equal(kept["precond"][-1], cv.preconditioner(opt, plain.final_state))


# ----- summaries ------------------------------------------------------------------------------------------------
def test_spectrum_summary_and_hovering():
    s = cv.spectrum_summary([0.0, 0.0, 0.001, 0.002, 0.005, 1.0, 2.0], null_dim=2)
    assert s == {"max": 2.0, "min": 0.001, "kappa": 2000.0, "spread": 2.0 / 0.005, "bulk": 0.6}
    ratio = np.array([[0.2, 0.5], [0.95, 0.7], [1.1, 0.8], [0.9, 0.85], [1.0, 0.88]])
    steps = np.array([0, 10, 20, 30, 40])
    h = cv.hovering(ratio, steps, late=20)
    np.testing.assert_allclose(h["median"], [1.0, 0.85])
    np.testing.assert_allclose(h["p10"], [0.92, 0.81])
    np.testing.assert_array_equal(cv.first_reach(ratio, steps), [10, -1])
    with pytest.raises(ValueError, match="no record"):
        cv.hovering(ratio, steps, late=50)


# ----- clipping -------------------------------------------------------------------------------------------------
def test_clip_by_norm():
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    np.testing.assert_allclose(cv.clip_by_norm(g, 1.0), [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]])
    np.testing.assert_array_equal(cv.clip_by_norm(g, np.inf), g)
    np.testing.assert_allclose(cv.clip_by_norm(g, np.array([[1.0], [0.1], [1.0]])), [[0.6, 0.8], [0.06, 0.08], [0, 0]])


def test_clipped_problem_keeps_the_loss_and_clips_every_gradient():
    clipped = cv.ClippedByNorm(BEALE_FROM_WALL, 100.0)
    w = BEALE_FROM_WALL.x0
    assert clipped.f(w) == BEALE_FROM_WALL.f(w)
    np.testing.assert_array_equal(clipped.x0, BEALE_FROM_WALL.x0)
    assert np.linalg.norm(clipped.grad(w)) == pytest.approx(100.0)
    np.testing.assert_allclose(clipped.grad(w) / 100, BEALE_FROM_WALL.grad(w) / np.linalg.norm(BEALE_FROM_WALL.grad(w)))
    # a batch of thresholds, including none, equals the single runs bit for bit on a 2-D problem
    clips = np.array([[np.inf], [10.0]])
    batched = run(AdaGrad(1.0), cv.ClippedByNorm(BEALE_FROM_WALL, clips), np.broadcast_to(w, (2, 2)), 50)
    alone = [run(AdaGrad(1.0), cv.ClippedByNorm(BEALE_FROM_WALL, c), steps=50) for c in (np.inf, 10.0)]
    for i, single in enumerate(alone):
        np.testing.assert_array_equal(batched.params[:, i], single.params)
    np.testing.assert_array_equal(alone[0].params, run(AdaGrad(1.0), BEALE_FROM_WALL, steps=50).params)


def test_clipped_problem_clips_minibatch_gradients():
    model = digits_mlp()
    clipped = cv.ClippedByNorm(model, 0.1)
    g = clipped.stochastic_grad(model.x0, 3)
    assert np.linalg.norm(g) == pytest.approx(0.1)
    np.testing.assert_allclose(
        g / 0.1, model.stochastic_grad(model.x0, 3) / np.linalg.norm(model.stochastic_grad(model.x0, 3))
    )


# ----- the two-weight product ----------------------------------------------------------------------------------
def test_product_derivatives_and_the_sharpness_of_its_minima():
    p = cv.Product()
    for w in np.array([[1.3, -0.4], [2.0, 0.5], [0.7, 1.1]]):
        np.testing.assert_allclose(p.grad(w), central_differences(p.f, w, h=1e-6), rtol=1e-8, atol=1e-10)
        rows = [central_differences(lambda u, j=j: p.grad(u)[j], w, h=1e-6) for j in range(2)]
        np.testing.assert_allclose(p.hessian(w), rows, rtol=1e-7, atol=1e-8)
    minima = np.array([[1.0, 1.0], [2.0, 0.5], [-4.0, -0.25]])
    assert np.all(p.f(minima) == 0)
    np.testing.assert_allclose(p.sharpness(minima), np.sum(minima**2, axis=-1), rtol=1e-12)


def test_gradient_descent_with_a_small_rate_stops_where_the_flow_predicts():
    p = cv.Product()
    end = run(GD(0.01), p, steps=5000).params[-1]
    assert p.f(end) < 1e-20
    assert p.sharpness(end) == pytest.approx(p.flow_sharpness(p.x0), rel=0.01)  # alpha -> 0 is the flow


# ----- bad input -------------------------------------------------------------------------------------------------
def test_bad_input_is_refused():
    model = small("softmax")
    with pytest.raises(ValueError, match="shape"):
        cv.hvp(model, np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match="SoftmaxRegression and MLP"):
        cv.hvp(RAVINE, np.zeros(2), np.zeros(2))
    with pytest.raises(TypeError, match="SoftmaxRegression"):
        cv.softmax_hessian(small("mlp"), np.zeros(small("mlp").dim))
    with pytest.raises(ValueError, match="one point"):
        cv.softmax_hessian(model, np.zeros((2, model.dim)))
    with pytest.raises(ValueError, match="iters"):
        cv.top_eigenvalue(lambda v: v, np.ones(3), iters=0)
    with pytest.raises(ValueError, match="zero"):
        cv.top_eigenvalue(lambda v: v, np.zeros(3))
    for bad in (0.0, -1.0, np.array([1.0, 2.0])):
        with pytest.raises(ValueError, match="max_norm"):
            cv.ClippedByNorm(RAVINE, bad)
