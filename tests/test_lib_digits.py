"""What the digits chapters share, in the library: the book's digits models (`models.digits_mlp`,
`models.digits_softmax`), the per-sample gradients and the minibatch noise, predicted and measured
(`models.per_example_grads`, `models.minibatch_variance`, `models.sampled_minibatch_variance`), the
finite-difference check of a gradient (`models.gradient_error`), and the single-threaded playground
(`playground.SingleThreadedPlayground`)."""

import itertools

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from optim_core import GD, Adam, models
from optim_core.models import MLP, SoftmaxRegression, digits_split, single_threaded
from optim_core.playground import Playground, SingleThreadedPlayground, Slider


def small_mlp(seed=0):
    rng = np.random.default_rng(3)
    return MLP(rng.random((30, 6)), np.arange(30) % 10, hidden=4, batch_size=8, seed=seed)


def test_digits_mlp_is_the_books_model():
    s = digits_split(0)
    model = models.digits_mlp(seed=1)
    assert model is models.digits_mlp(seed=1)  # cached: every caller shares one instance
    assert (model.dim, model.batch_size, model.hidden, model.seed) == (2410, 64, 32, 1)
    np.testing.assert_array_equal(model.x, s.x_train)
    same = MLP(s.x_train, s.y_train, hidden=32, batch_size=64, seed=1)
    np.testing.assert_array_equal(model.x0, same.x0)
    assert not np.array_equal(model.x0, models.digits_mlp(seed=0).x0)  # the seed sets the initial weights


def test_digits_softmax_is_the_books_model():
    s = digits_split(0)
    model = models.digits_softmax(16, l2=0.01)
    assert model is models.digits_softmax(16, l2=0.01)
    assert isinstance(model, SoftmaxRegression) and (model.dim, model.batch_size, model.l2) == (650, 16, 0.01)
    np.testing.assert_array_equal(model.y, s.y_train)
    default = models.digits_softmax()
    assert (default.batch_size, default.l2, default.seed) == (64, 0.0, 0)
    assert not np.array_equal(models.digits_softmax(seed=1).batch_indices(1), default.batch_indices(1))


def test_gradient_error_is_small_for_backprop_and_sees_a_wrong_gradient():
    model = small_mlp()
    w = np.random.default_rng(2).normal(scale=0.5, size=model.dim)
    assert models.gradient_error(model, w, range(model.dim), 1e-6) < 1e-4  # rounding, relative to small coordinates

    class Off:  # a gradient 1 % too large
        f = staticmethod(model.f)

        @staticmethod
        def grad(v):
            return 1.01 * model.grad(v)

    assert models.gradient_error(Off, w, range(model.dim), 1e-6) == pytest.approx(0.01 / 1.01, rel=0.01)


def test_sampled_minibatch_variance_measures_what_the_formula_predicts():
    g = np.random.default_rng(4).normal(size=(150, 4)) * [1.0, 3.0, 0.2, 1.0]
    for b in (10, 100):  # both ways of averaging a draw (gathered rows, one matrix product)
        measured = models.sampled_minibatch_variance(g, b, 4000, np.random.default_rng(0))
        # 4000 draws: the mean of squared errors is within a few percent of its expectation
        np.testing.assert_allclose(measured, models.minibatch_variance(g, b), rtol=0.1)
    np.testing.assert_allclose(models.sampled_minibatch_variance(g, 150, 3, np.random.default_rng(0)), 0, atol=1e-28)
    with pytest.raises(ValueError, match="batch_size"):
        models.sampled_minibatch_variance(g, 151, 3, np.random.default_rng(0))


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_per_example_grads_are_the_samples_gradients(l2):
    model = MLP(small_mlp().x, small_mlp().y, hidden=4, l2=l2, seed=0)
    w = np.random.default_rng(1).normal(scale=0.5, size=model.dim)
    g = models.per_example_grads(model, w)
    assert g.shape == (30, model.dim)
    np.testing.assert_allclose(g.mean(axis=0), model.grad(w), rtol=1e-12, atol=1e-15)  # they average to grad
    for i in (0, 17, 29):
        np.testing.assert_array_equal(g[i], model.grad_on(w, model.x[i : i + 1], model.y[i : i + 1]))
    assert not np.allclose(g[0], g[1])


def test_per_example_grads_take_one_point():
    model = small_mlp()
    with pytest.raises(ValueError, match="not a batch"):
        models.per_example_grads(model, np.zeros((2, model.dim)))
    with pytest.raises(ValueError, match="shape"):
        models.per_example_grads(model, np.zeros(model.dim + 1))


def test_minibatch_variance_matches_every_possible_batch():
    """Exact: the average of (g_B - g)^2 over all C(N, B) batches of distinct rows equals the formula."""
    g = np.random.default_rng(0).normal(size=(7, 3)) * [1.0, 10.0, 0.1]
    full = g.mean(axis=0)
    for b in range(1, 8):
        errors = [(g[list(idx)].mean(axis=0) - full) ** 2 for idx in itertools.combinations(range(7), b)]
        np.testing.assert_allclose(models.minibatch_variance(g, b), np.mean(errors, axis=0), rtol=1e-12, atol=1e-30)
    assert np.all(models.minibatch_variance(g, 7) == 0)  # the whole set: no error
    np.testing.assert_allclose(models.minibatch_variance(g, 1), g.var(axis=0), rtol=1e-14)  # one row: the variance
    both = models.minibatch_variance(g, np.array([2.0, 5.0]))
    assert both.shape == (2, 3)
    np.testing.assert_allclose(both, [models.minibatch_variance(g, 2), models.minibatch_variance(g, 5)], rtol=1e-15)


def test_minibatch_variance_rejects_bad_sizes():
    g = np.ones((5, 2))
    for bad in (0, 6, np.array([1, 9])):
        with pytest.raises(ValueError, match="batch_size"):
            models.minibatch_variance(g, bad)
    with pytest.raises(ValueError, match="shape"):
        models.minibatch_variance(np.ones(5), 2)
    with pytest.raises(ValueError, match="2 rows"):
        models.minibatch_variance(np.ones((1, 3)), 1)


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


class ThreadRecorder:
    """A problem that remembers how many BLAS threads were allowed whenever its gradient was taken."""

    def __init__(self, model):
        self.model, self.seen = model, []
        self.x0, self.f_min = model.x0, model.f_min

    def f(self, w):
        return self.model.f(w)

    def grad(self, w):
        self.seen.extend(_blas_threads())
        return self.model.grad(w)


def _playground(cls, problem):
    return cls(
        "test_digits",
        problem,
        {"GD": lambda lr: GD(lr), "Adam": lambda lr: Adam(lr)},
        [Slider.log("lr", 1e-3, 1.0, 4, 0.1)],
        steps=5,
    )


def test_single_threaded_playground_runs_on_one_blas_thread_and_changes_nothing_else():
    single = ThreadRecorder(small_mlp())
    paths, gaps = _playground(SingleThreadedPlayground, single).grid()
    assert single.seen and set(single.seen) == {1}
    single.seen.clear()
    _playground(SingleThreadedPlayground, single).compute({"lr": 0.1})
    assert single.seen and set(single.seen) == {1}
    plain = ThreadRecorder(small_mlp())
    plain_paths, plain_gaps = _playground(Playground, plain).grid()
    assert set(plain.seen) == set(_blas_threads())  # the plain one leaves the limit where it was
    np.testing.assert_allclose(gaps, plain_gaps, rtol=1e-12)
    np.testing.assert_allclose(paths, plain_paths, rtol=1e-12)


def test_single_threaded_decorator_and_playground_agree():
    @single_threaded
    def threads():
        return _blas_threads()

    assert set(threads()) == {1}
