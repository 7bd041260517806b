"""The digits models: data split, exact gradients (full and minibatch) against finite differences,
vectorization over a batch of models, determinism, accuracy, and that training learns."""

import numpy as np
import pytest
from numeric import central_differences

from optim_core import GD, Adam, run
from optim_core.models import MLP, DigitsSplit, SoftmaxRegression, digits_split

SPLIT = digits_split(0)


def small(model, **kwargs):
    """A small instance (40 samples, 12 features) for finite-difference checks."""
    rng = np.random.default_rng(5)
    x = rng.random((40, 12))
    y = np.arange(40) % 10
    return model(x, y, **kwargs)


def random_point(problem, seed=1, scale=0.5):
    return np.random.default_rng(seed).normal(scale=scale, size=problem.dim)


MODELS = [
    pytest.param(lambda **kw: small(SoftmaxRegression, **kw), id="softmax"),
    pytest.param(lambda **kw: small(MLP, hidden=5, **kw), id="mlp"),
]


def test_split_shapes_ranges_and_stratification():
    assert isinstance(SPLIT, DigitsSplit)
    n = len(SPLIT.y_train) + len(SPLIT.y_val) + len(SPLIT.y_test)
    assert n == 1797
    assert (len(SPLIT.y_train), len(SPLIT.y_val), len(SPLIT.y_test)) == (1077, 360, 360)
    for x, y in [(SPLIT.x_train, SPLIT.y_train), (SPLIT.x_val, SPLIT.y_val), (SPLIT.x_test, SPLIT.y_test)]:
        assert x.shape == (len(y), 64) and x.dtype == np.float64
        assert x.min() == 0.0 and x.max() == 1.0
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
        # stratified: every class holds close to a tenth of each part
        assert np.all(np.abs(np.bincount(y) / len(y) - 0.1) < 0.02)


def test_split_is_seeded_and_disjoint():
    again = digits_split(0)
    for a, b in zip(SPLIT, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = digits_split(1)
    assert not np.array_equal(SPLIT.x_train, other.x_train)
    rows = {r.tobytes() for r in SPLIT.x_train}
    # the data set holds a few duplicate images, so count exact overlaps rather than demand none
    assert sum(r.tobytes() in rows for r in SPLIT.x_test) < 5


def test_split_rejects_bad_fractions():
    with pytest.raises(ValueError, match="val_fraction and test_fraction"):
        digits_split(0, val_fraction=0.5, test_fraction=0.5)


@pytest.mark.parametrize("make", MODELS)
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_full_gradient_matches_finite_differences(make, l2):
    problem = make(l2=l2)
    w = random_point(problem)
    numeric = central_differences(problem.f, w)
    np.testing.assert_allclose(problem.grad(w), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("make", MODELS)
def test_minibatch_gradient_matches_finite_differences(make):
    problem = make(l2=0.05, batch_size=8, seed=3)
    w = random_point(problem, seed=2)
    for step in (1, 7):  # inside the first epoch and in the second
        numeric = central_differences(lambda v, s=step: problem.batch_objective(v, s), w)
        np.testing.assert_allclose(problem.stochastic_grad(w, step), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("make", MODELS)
def test_minibatches_cover_each_epoch_and_average_to_full_gradient(make):
    problem = make(batch_size=8, seed=4)  # 40 samples: 5 batches per epoch, none dropped
    assert problem.batches_per_epoch == 5
    epoch = np.concatenate([problem.batch_indices(s) for s in range(1, 6)])
    np.testing.assert_array_equal(np.sort(epoch), np.arange(40))
    second = np.concatenate([problem.batch_indices(s) for s in range(6, 11)])
    assert not np.array_equal(epoch, second)  # reshuffled
    w = random_point(problem)
    mean = np.mean([problem.stochastic_grad(w, s) for s in range(1, 6)], axis=0)
    np.testing.assert_allclose(mean, problem.grad(w), rtol=1e-12, atol=1e-14)


def test_incomplete_last_batch_is_dropped():
    problem = SoftmaxRegression(SPLIT.x_train, SPLIT.y_train, batch_size=64)
    assert problem.batches_per_epoch == 1077 // 64
    assert all(len(problem.batch_indices(s)) == 64 for s in range(1, 40))
    full = SoftmaxRegression(SPLIT.x_train, SPLIT.y_train, batch_size=None)
    w = random_point(full, scale=0.05)
    np.testing.assert_array_equal(full.stochastic_grad(w, 9), full.grad(w))


@pytest.mark.parametrize("make", MODELS)
def test_vectorized_over_a_batch_of_models(make):
    problem = make(l2=0.01, batch_size=8)
    ws = np.random.default_rng(8).normal(scale=0.5, size=(2, 3, problem.dim))
    x, y = problem.x, problem.y
    for method, args in [
        (problem.f, ()),
        (problem.grad, ()),
        (problem.stochastic_grad, (2,)),
        (lambda w: problem.loss_on(w, x, y), ()),
        (lambda w: problem.accuracy(w, x, y), ()),
    ]:
        batched = method(ws, *args)
        each = np.array([[method(w, *args) for w in row] for row in ws])
        np.testing.assert_allclose(batched, each, rtol=1e-12, atol=1e-15)


def test_shapes_and_dims():
    soft = SoftmaxRegression(SPLIT.x_train, SPLIT.y_train)
    mlp = MLP(SPLIT.x_train, SPLIT.y_train, hidden=32)
    assert soft.dim == 65 * 10 and mlp.dim == 64 * 32 + 32 + 32 * 10 + 10
    np.testing.assert_array_equal(soft.x0, np.zeros(650))
    assert mlp.x0.shape == (mlp.dim,)
    w1, b1, w2, b2 = mlp.unpack(mlp.x0)
    assert w1.shape == (64, 32) and b1.shape == (32,) and w2.shape == (32, 10) and b2.shape == (10,)
    assert np.all(b1 == 0) and np.all(b2 == 0)
    assert abs(w1.std() - 1 / 8) < 0.01  # variance 1 / fan_in
    assert soft.f_min == 0.0 and mlp.f_min == 0.0
    assert np.isclose(soft.f(soft.x0), np.log(10))  # uniform prediction over 10 classes


def test_seed_determines_init_and_batches():
    a = MLP(SPLIT.x_train, SPLIT.y_train, seed=3)
    b = MLP(SPLIT.x_train, SPLIT.y_train, seed=3)
    c = MLP(SPLIT.x_train, SPLIT.y_train, seed=4)
    np.testing.assert_array_equal(a.x0, b.x0)
    assert not np.array_equal(a.x0, c.x0)
    np.testing.assert_array_equal(a.batch_indices(20), b.batch_indices(20))
    assert not np.array_equal(a.batch_indices(20), c.batch_indices(20))
    ta, tb = run(Adam(lr=1e-2), a, steps=5), run(Adam(lr=1e-2), b, steps=5)
    np.testing.assert_array_equal(ta.params, tb.params)


def test_accuracy_is_a_fraction():
    mlp = MLP(SPLIT.x_train, SPLIT.y_train)
    ws = np.random.default_rng(0).normal(size=(4, mlp.dim))
    acc = mlp.accuracy(ws, SPLIT.x_val, SPLIT.y_val)
    assert acc.shape == (4,) and np.all((acc >= 0) & (acc <= 1))
    np.testing.assert_allclose(acc * 360, np.round(acc * 360), atol=1e-9)  # counts of correct samples


@pytest.mark.parametrize("model", [SoftmaxRegression, MLP])
def test_short_training_learns_well_above_chance(model):
    problem = model(SPLIT.x_train, SPLIT.y_train, batch_size=64, seed=0)
    before = problem.accuracy(problem.x0, SPLIT.x_val, SPLIT.y_val)
    traj = run(Adam(lr=1e-2), problem, steps=150)
    after = problem.accuracy(traj.params[-1], SPLIT.x_val, SPLIT.y_val)
    assert before < 0.3
    assert after > 0.9  # chance is 0.1
    assert traj.loss[-1] < 0.3 * traj.loss[0]


def test_batched_learning_rate_sweep_is_one_run():
    problem = SoftmaxRegression(SPLIT.x_train, SPLIT.y_train)
    lrs = np.array([[0.1], [1.0]])
    traj = run(GD(lr=lrs), problem, steps=20)
    assert traj.params.shape == (21, 2, 650)
    for k in range(2):
        single = run(GD(lr=float(lrs[k, 0])), problem, steps=20)
        np.testing.assert_allclose(traj.loss[:, k], single.loss, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"l2": -1.0}, "l2 must be >= 0"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1"),
    ],
)
def test_bad_hyperparameters_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxRegression(SPLIT.x_train, SPLIT.y_train, **kwargs)


def test_bad_data_and_params_raise():
    with pytest.raises(ValueError, match="y must have shape"):
        SoftmaxRegression(SPLIT.x_train, SPLIT.y_val)
    with pytest.raises(ValueError, match="integer labels"):
        SoftmaxRegression(SPLIT.x_train, SPLIT.y_train + 5)
    with pytest.raises(ValueError, match="hidden must be"):
        MLP(SPLIT.x_train, SPLIT.y_train, hidden=0)
    with pytest.raises(ValueError, match=r"w must have shape \(\.\.\., 650\)"):
        SoftmaxRegression(SPLIT.x_train, SPLIT.y_train).f(np.zeros(10))


@pytest.mark.parametrize("make", MODELS)
def test_per_example_gradients_average_to_the_full_gradient(make):
    problem = make(l2=0.02)
    w = random_point(problem, seed=6)
    each = np.array([problem.grad_on(w, problem.x[i : i + 1], problem.y[i : i + 1]) for i in range(40)])
    np.testing.assert_allclose(each.mean(axis=0), problem.grad(w), rtol=1e-12, atol=1e-14)


def test_constructor_order():
    mlp = MLP(SPLIT.x_train, SPLIT.y_train, 16, 0.1, 32, 7)
    assert (mlp.hidden, mlp.l2, mlp.batch_size, mlp.seed) == (16, 0.1, 32, 7)
    soft = SoftmaxRegression(SPLIT.x_train, SPLIT.y_train, 0.1, 32, 7)
    assert (soft.l2, soft.batch_size, soft.seed) == (0.1, 32, 7)


def test_digits_mlp_is_the_books_model_and_cached():
    from optim_core.models import digits_mlp

    m = digits_mlp()
    assert m is digits_mlp() and (m.hidden, m.batch_size, m.seed) == (32, 64, 0)
    assert m.dim == 64 * 32 + 32 + 32 * 10 + 10
    assert digits_mlp(hidden=8).dim == 64 * 8 + 8 + 8 * 10 + 10
    assert digits_mlp(batch_size=None).batch_size is None


def test_batched_digits_runs_agree_with_single_runs_to_rounding():
    """The claim of the models' docstring: not bitwise (BLAS), but within 1e-12 relative after a run."""
    from optim_core import Adam, run
    from optim_core.models import SoftmaxRegression, digits_split

    split = digits_split(0)
    model = SoftmaxRegression(split.x_train, split.y_train, batch_size=64)
    lrs = np.array([0.003, 0.01, 0.03])
    batched = run(Adam(lrs[:, None]), model, steps=20)
    for k, lr in enumerate(lrs):
        single = run(Adam(lr), model, steps=20)
        np.testing.assert_allclose(batched.params[:, k], single.params, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(batched.loss[:, k], single.loss, rtol=1e-12)
