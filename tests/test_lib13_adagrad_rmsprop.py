"""Library additions of issue 13 for the AdaGrad and RMSProp chapters: SparseLogistic's minibatches
(`batch_size`, `batch_seed`, `stochastic_grad`, `sample_grads`) and `measure.scaled_sharpness`."""

import numpy as np
import pytest

from optim_core import AdaGrad, RMSProp, run
from optim_core.problems import SparseLogistic


def test_full_batch_is_unchanged():
    """Without batch_size, stochastic_grad is grad itself, so every full-batch run stays as it was."""
    p = SparseLogistic()
    w = np.random.default_rng(0).normal(size=(3, p.dim))
    np.testing.assert_array_equal(p.stochastic_grad(w, 7), p.grad(w))
    assert p.batch_shape == () and p.batches_per_epoch == 1
    np.testing.assert_array_equal(p.batch_indices(1), np.arange(p.n_samples))


def test_an_epoch_visits_every_sample_once():
    p = SparseLogistic(batch_size=10, batch_seed=3)
    assert p.batches_per_epoch == 100
    epoch = np.concatenate([p.batch_indices(t) for t in range(1, 101)])
    np.testing.assert_array_equal(np.sort(epoch), np.arange(1000))
    assert not np.array_equal(p.batch_indices(1), p.batch_indices(101))  # the next epoch is reshuffled


def test_incomplete_last_batch_is_dropped():
    p = SparseLogistic(n_samples=25, batch_size=10)
    assert p.batches_per_epoch == 2
    assert len(set(p.batch_indices(1)) | set(p.batch_indices(2))) == 20


def test_minibatch_gradient_is_the_gradient_on_its_samples():
    p = SparseLogistic(batch_size=10, batch_seed=1)
    w = np.random.default_rng(2).normal(size=p.dim)
    idx = p.batch_indices(4)
    x, y, _ = p.data
    sub = SparseLogistic()  # the same data; its loss on the 10 samples, differentiated numerically
    loss = lambda v: np.mean(np.logaddexp(0.0, -y[idx] * (x[idx] @ v))) + 0.5 * sub.l2 * v @ v  # noqa: E731
    h = 1e-6
    numeric = np.array([(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in np.eye(p.dim)])
    np.testing.assert_allclose(p.stochastic_grad(w, 4), numeric, rtol=1e-6, atol=1e-9)


def test_an_epoch_of_minibatch_gradients_averages_to_the_full_gradient():
    p = SparseLogistic(batch_size=10, batch_seed=0)
    w = np.random.default_rng(0).normal(size=p.dim)
    mean = np.mean([p.stochastic_grad(w, t) for t in range(1, 101)], axis=0)
    np.testing.assert_allclose(mean, p.grad(w), rtol=1e-12, atol=1e-15)


def test_an_absent_rare_feature_gets_only_the_l2_gradient():
    p = SparseLogistic(batch_size=10, batch_seed=0)
    x = p.data[0]
    w = np.random.default_rng(4).normal(size=p.dim)
    for t in range(1, 30):
        absent = ~x[p.batch_indices(t)].any(axis=0)
        np.testing.assert_array_equal(p.stochastic_grad(w, t)[absent], p.l2 * w[absent])


def test_batch_is_a_function_of_seed_and_step():
    a, b, c = (SparseLogistic(batch_size=10, batch_seed=s) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.batch_indices(17), b.batch_indices(17))
    assert not np.array_equal(a.batch_indices(17), c.batch_indices(17))


def test_batched_seeds_and_rates_equal_single_runs_bit_for_bit():
    seeds = np.array([0, 3, 1]).reshape(3, 1, 1)
    lrs = np.array([0.1, 0.5]).reshape(1, 2, 1)
    batched = run(AdaGrad(lrs), SparseLogistic(batch_size=10, batch_seed=seeds), None, 60)
    assert batched.params.shape == (61, 3, 2, 25)
    for i, s in enumerate(seeds.ravel()):
        for j, lr in enumerate(lrs.ravel()):
            single = run(AdaGrad(float(lr)), SparseLogistic(batch_size=10, batch_seed=int(s)), None, 60)
            np.testing.assert_array_equal(batched.params[:, i, j], single.params)
            np.testing.assert_array_equal(batched.loss[:, i, j], single.loss)


def test_batched_seeds_along_a_later_axis():
    """The seed axis need not come first: (rates, seeds) works like (seeds, rates)."""
    seeds = np.array([2, 6]).reshape(1, 2, 1)
    lrs = np.array([0.01, 0.03, 0.1]).reshape(3, 1, 1)
    batched = run(RMSProp(lrs), SparseLogistic(batch_size=5, batch_seed=seeds), None, 20)
    single = run(RMSProp(0.03), SparseLogistic(batch_size=5, batch_seed=6), None, 20)
    np.testing.assert_array_equal(batched.params[:, 1, 1], single.params)


def test_sample_grads_average_to_the_data_gradient():
    p = SparseLogistic(n_samples=200, seed=2)
    w = np.random.default_rng(1).normal(size=p.dim)
    g = p.sample_grads(w)
    assert g.shape == (200, p.dim)
    np.testing.assert_allclose(g.mean(axis=0) + p.l2 * w, p.grad(w), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="one point"):
        p.sample_grads(np.zeros((2, p.dim)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be an integer >= 1 or None"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1 or None"),
        ({"batch_size": True}, "batch_size must be an integer >= 1 or None"),
        ({"batch_seed": -1}, "batch_seed must be an integer >= 0"),
        ({"batch_seed": 1.5}, "batch_seed must be an integer >= 0"),
        ({"batch_seed": np.array([1, 2])}, r"shaped \(\.\.\., 1\)"),
    ],
)
def test_bad_minibatch_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SparseLogistic(**kwargs)


def test_steps_count_from_one():
    with pytest.raises(ValueError, match="step must be an integer >= 1"):
        SparseLogistic(batch_size=10).batch_indices(0)


# ----- measure.scaled_sharpness --------------------------------------------------------------------------------
def test_scaled_sharpness_of_a_diagonal_hessian_is_the_largest_rate_times_curvature():
    from optim_core.measure import scaled_sharpness

    h = np.diag([0.2, 4.0])
    assert scaled_sharpness([1.0, 0.1], h) == pytest.approx(0.4)
    assert scaled_sharpness([5.0, 0.01], h) == pytest.approx(1.0)


def test_scaled_sharpness_is_the_largest_eigenvalue_of_d_h_over_a_batch():
    from optim_core.measure import scaled_sharpness
    from optim_core.problems import rotation

    turn = rotation(0.4)
    h = turn @ np.diag([0.2, 4.0]) @ turn.T
    rates = np.random.default_rng(0).uniform(0.01, 1.0, size=(5, 3, 2))
    got = scaled_sharpness(rates, h)
    assert got.shape == (5, 3)
    direct = np.array([[np.max(np.linalg.eigvals(np.diag(d) @ h).real) for d in row] for row in rates])
    np.testing.assert_allclose(got, direct, rtol=1e-12)


def test_scaled_sharpness_predicts_stability_of_preconditioned_steps():
    """Steps w -= D H w on the quadratic shrink w exactly when the scaled sharpness is below 2."""
    from optim_core.measure import scaled_sharpness
    from optim_core.problems import rotation

    turn = rotation(0.3)
    h = turn @ np.diag([0.2, 4.0]) @ turn.T
    for d in ([0.1, 0.1], [0.4, 0.45], [0.6, 0.6]):
        w = np.array([1.0, 1.0])
        for _ in range(400):
            w = w - np.asarray(d) * (h @ w)
        assert (np.linalg.norm(w) < 1) == (scaled_sharpness(d, h) < 2)
