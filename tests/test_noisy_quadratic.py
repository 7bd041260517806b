"""problems.NoisyQuadratic: the noise has the stated mean and variance, is a function of (seed, step), and a
batched run over seeds equals the individual runs bit for bit."""

import numpy as np
import pytest

from optim_core import GD, Momentum, run
from optim_core.problems import NoisyQuadratic


def test_noise_mean_and_variance_match_sigma_squared_over_batch():
    p = NoisyQuadratic(curvatures=(0.5, 2.0), sigmas=(1.0, 3.0), batch_size=4)
    samples = np.array([p.stochastic_grad(np.zeros(2), t) for t in range(1, 20_001)])  # the gradient at 0 is noise
    n = len(samples)
    expected_var = np.array([1.0, 9.0]) / 4
    # mean within 4 standard errors; variance within 4 standard errors of a normal sample variance
    assert np.all(np.abs(samples.mean(axis=0)) < 4 * np.sqrt(expected_var / n))
    assert np.all(np.abs(samples.var(axis=0) / expected_var - 1) < 4 * np.sqrt(2 / n))


def test_true_gradient_and_loss_have_no_noise():
    p = NoisyQuadratic(curvatures=(0.2, 4.0), angle=0.3)
    w = np.array([1.0, -2.0])
    np.testing.assert_allclose(p.grad(w), p.hessian @ w, rtol=1e-14)
    assert p.f(w) == pytest.approx(0.5 * w @ p.hessian @ w, rel=1e-14)
    np.testing.assert_allclose(np.linalg.eigvalsh(p.hessian), [0.2, 4.0], rtol=1e-12)


def test_noise_is_a_function_of_seed_and_step():
    a, b = NoisyQuadratic(seed=3), NoisyQuadratic(seed=3)
    assert np.array_equal(a.stochastic_grad(np.zeros(2), 7), b.stochastic_grad(np.zeros(2), 7))
    assert not np.array_equal(a.stochastic_grad(np.zeros(2), 7), a.stochastic_grad(np.zeros(2), 8))
    assert not np.array_equal(a.stochastic_grad(np.zeros(2), 7), NoisyQuadratic(seed=4).stochastic_grad(np.zeros(2), 7))


def test_rotated_noise_lies_along_the_eigen_directions():
    p = NoisyQuadratic(curvatures=(1.0, 1.0), sigmas=(0.0, 1.0), angle=np.pi / 4)
    g = p.stochastic_grad(np.zeros(2), 5)
    np.testing.assert_allclose(g[0], -g[1], rtol=1e-12)  # along (-sin, cos) of 45 degrees


def test_batched_seeds_equal_individual_runs_bit_for_bit():
    seeds = np.array([0, 5, 2])[:, None]
    batched = run(Momentum(0.05, 0.9), NoisyQuadratic(seed=seeds, angle=0.4), steps=50)
    for k, s in enumerate(seeds[:, 0]):
        single = run(Momentum(0.05, 0.9), NoisyQuadratic(seed=int(s), angle=0.4), steps=50)
        np.testing.assert_array_equal(batched.params[:, k], single.params)
        np.testing.assert_array_equal(batched.loss[:, k], single.loss)


def test_a_learning_rate_grid_shares_one_noise_stream():
    lrs = np.array([0.01, 0.1])[:, None]
    batched = run(GD(lrs), NoisyQuadratic(seed=1), steps=20)
    for k, lr in enumerate(lrs[:, 0]):
        np.testing.assert_array_equal(batched.params[:, k], run(GD(lr), NoisyQuadratic(seed=1), steps=20).params)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"curvatures": (1.0, -1.0)}, "curvatures must be > 0"),
        ({"sigmas": (1.0,)}, "sigmas must have one value per entry of curvatures"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"seed": np.array([1, 2])}, r"seed must be .* shaped \(\.\.\., 1\)"),
        ({"curvatures": (1.0, 2.0, 3.0), "sigmas": (1.0, 1.0, 1.0), "angle": 0.1}, "angle turns a 2-D problem only"),
        ({"x0": [1.0, np.nan]}, "x0 must be finite"),
    ],
)
def test_bad_settings_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NoisyQuadratic(**kwargs)
