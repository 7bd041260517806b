"""Library pieces added for the noisy-gradients chapter: optim_core.noise (closed forms for gradient noise on a
quadratic, the exact expected loss of a run, the noise scale and Adam's mean step) and Playground's `shown` and
`level` options."""

import json
import re

import numpy as np
import pytest

from optim_core import GD, Adam, Momentum, noise, run
from optim_core.ema import ema
from optim_core.models import simple_noise_scale
from optim_core.playground import LEVEL, Playground, Slider, _LiveView
from optim_core.problems import NoisyQuadratic, Quadratic
from optim_core.schedules import cosine
from optim_core.theory import momentum_noise_variance

RAVINE_NOISE = NoisyQuadratic((0.2, 4.0), (1.0, 0.5), batch_size=2)


# ----- stationary variances ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lr, lam, beta", [(0.1, 4.0, 0.0), (0.4, 4.0, 0.9), (0.05, 0.2, 0.5), (1.5, 1.0, 0.3)])
def test_weight_variance_solves_the_lyapunov_equation(lr, lam, beta):
    m, c = noise.linear_system(lr, lam, beta)
    p = noise.stationary_covariance(m, c, 0.7)
    np.testing.assert_allclose(p, m @ p @ m.T + 0.7 * np.outer(c, c), atol=1e-12)  # it solves the equation
    assert noise.weight_variance(lr, lam, 0.7, beta) == pytest.approx(p[0, 0], rel=1e-9)
    # EMA form at alpha is torch form at alpha (1 - beta)
    assert noise.weight_variance(lr, lam, 0.7, beta) == pytest.approx(
        momentum_noise_variance(lr * (1 - beta), beta, lam, 0.7)
    )


def test_sgd_variance_closed_form_and_its_limits():
    assert noise.weight_variance(0.1, 4.0, 2.0) == pytest.approx(0.1 * 2.0 / (4.0 * (2 - 0.4)), rel=1e-14)
    assert noise.weight_variance(1e-4, 3.0, 1.0) == pytest.approx(1e-4 / (2 * 3.0), rel=1e-3)  # small alpha lambda
    assert noise.weight_variance(0.5, 4.0, 1.0) == np.inf  # alpha lambda = 2: no stationary state
    # at a fixed effective rate and small alpha lambda, beta does not matter
    np.testing.assert_allclose(noise.weight_variance(0.01, 0.5, 1.0, np.array([0.0, 0.5, 0.9, 0.99])), 0.01, rtol=0.01)


def test_unstable_systems_have_no_stationary_covariance():
    m, c = noise.linear_system(np.array([0.3, 0.6]), 4.0)
    p = noise.stationary_covariance(m, c)
    assert np.isfinite(p[0]).all() and np.all(p[1] == np.inf)


@pytest.mark.parametrize("lr, lam, decay", [(0.2, 0.2, 0.99), (0.2, 4.0, 0.99), (0.1, 4.0, 0.5), (0.05, 1.0, 0.9)])
def test_ema_of_sgd_weights_closed_form_matches_the_general_solver(lr, lam, decay):
    ratio = noise.averaged_variance(lr, lam, 1.0, decay) / noise.weight_variance(lr, lam, 1.0)
    assert ratio == pytest.approx(noise.ema_variance_ratio(lr, lam, decay), rel=1e-9)


def test_ema_ratio_limits():
    assert noise.ema_variance_ratio(0.1, 2.0, 0.0) == pytest.approx(1.0)  # no averaging
    assert noise.ema_variance_ratio(1.0, 1.0, 0.9) == pytest.approx(0.1 / 1.9)  # rho = 0: an EMA of white noise
    # gamma, rho near 1: about (1 - gamma) / (1 - gamma + alpha lambda)
    assert noise.ema_variance_ratio(1e-3, 1.0, 0.999) == pytest.approx(0.5, rel=2e-3)


@pytest.mark.parametrize("lr, lam, n", [(0.2, 0.2, 7), (0.1, 4.0, 30), (0.05, 1.0, 200)])
def test_tail_average_variance_is_the_double_sum_of_the_autocovariance(lr, lam, n):
    rho, v = 1 - lr * lam, noise.weight_variance(lr, lam, 1.3)
    j = np.arange(n)
    direct = v * np.sum(rho ** np.abs(j[:, None] - j[None, :])) / n**2
    assert noise.tail_average_variance(lr, lam, 1.3, n) == pytest.approx(direct, rel=1e-10)
    assert noise.tail_average_variance(lr, lam, 1.3, 10**7) == pytest.approx(1.3 / (lam**2 * 10**7), rel=1e-3)


def test_loss_floor_sums_the_directions_and_handles_grids():
    lrs = np.array([0.05, 0.1, 0.3])
    expected = sum(0.5 * lam * noise.weight_variance(lrs, lam, s * s / 2) for lam, s in ((0.2, 1.0), (4.0, 0.5)))
    np.testing.assert_allclose(noise.loss_floor(RAVINE_NOISE, lrs), expected, rtol=1e-14)
    grid = noise.loss_floor(RAVINE_NOISE, lrs[:, None], np.array([0.0, 0.9]))
    assert grid.shape == (3, 2) and np.all(grid[:, 1] <= grid[:, 0])
    with_ema = noise.loss_floor(RAVINE_NOISE, 0.1, decay=0.9)
    assert with_ema < noise.loss_floor(RAVINE_NOISE, 0.1)
    tail = noise.tail_average_loss(RAVINE_NOISE, 0.1, 100)
    assert tail < noise.loss_floor(RAVINE_NOISE, 0.1)
    # small alpha lambda: alpha tr(Sigma) / (4 B), whatever the curvatures
    assert noise.loss_floor(RAVINE_NOISE, 1e-4) == pytest.approx(1e-4 * (1.0 + 0.25) / (4 * 2), rel=1e-3)


# ----- the exact expected loss ----------------------------------------------------------------------------------
def test_expected_loss_of_sgd_is_the_closed_form_and_tends_to_the_floor():
    lrs, t = np.array([0.05, 0.2]), np.arange(401)
    z0, lam, s2 = RAVINE_NOISE.x0, np.array([0.2, 4.0]), np.array([1.0, 0.25]) / 2
    rho2 = (1 - lrs[:, None] * lam) ** (2 * t[:, None, None])
    v = noise.weight_variance(lrs[:, None], lam, s2)
    closed = np.sum(0.5 * lam * (rho2 * z0**2 + v * (1 - rho2)), axis=-1)
    np.testing.assert_allclose(noise.expected_loss(RAVINE_NOISE, lrs, 400), closed, rtol=1e-10)
    late = noise.expected_loss(RAVINE_NOISE, 0.1, 4000, beta=np.array([0.0, 0.9]))[-1]
    np.testing.assert_allclose(late, noise.loss_floor(RAVINE_NOISE, 0.1, np.array([0.0, 0.9])), rtol=1e-9)


def test_expected_loss_matches_seeded_runs_for_momentum_and_a_schedule():
    """Mean f over 400 seeds after 20 and 60 steps, against the exact expectation: within 4.5 standard errors (the
    standard deviation of the 400 independent final losses over sqrt(400))."""
    seeds = 400
    problem = NoisyQuadratic((0.2, 4.0), (1.0, 1.0), 1, np.arange(seeds)[:, None], angle=0.3, x0=np.array([2.0, 1.0]))
    for opt, lr, beta in ((Momentum(0.1, 0.8), 0.1, 0.8), (GD(cosine(0.3, 60)), cosine(0.3, 60), 0.0)):
        traj = run(opt, problem, steps=60)
        exact = noise.expected_loss(problem, lr, 60, beta=beta)
        for t in (20, 60):
            se = traj.loss[t].std(ddof=1) / np.sqrt(seeds)
            assert abs(traj.loss[t].mean() - exact[t]) < 4.5 * se


def test_expected_loss_starts_at_f_of_the_start_and_follows_a_grid_of_base_rates():
    out = noise.expected_loss(RAVINE_NOISE, cosine(np.array([0.1, 0.2, 0.3]), 50), 50)
    assert out.shape == (51, 3)
    assert np.all(out[0] == RAVINE_NOISE.f(RAVINE_NOISE.x0))


# ----- noise scale -------------------------------------------------------------------------------------------------
def test_noise_scale_of_the_noisy_quadratic():
    w = np.array([[1.0, 0.5], [0.1, 0.05]])
    g = RAVINE_NOISE.grad(w)
    np.testing.assert_allclose(noise.noise_scale(RAVINE_NOISE, w), 1.25 / np.sum(g * g, axis=-1), rtol=1e-14)
    turned = NoisyQuadratic((0.2, 4.0), (1.0, 0.5), 2, angle=0.9)  # tr(Sigma) and |grad| do not depend on the turn
    assert noise.noise_scale(turned, turned.basis @ w[0]) == pytest.approx(noise.noise_scale(RAVINE_NOISE, w[0]))


def test_two_batch_estimate_is_unbiased_and_its_standard_error_is_right():
    """Twenty independent estimates from Gaussian draws: their mean is B_simple, and their spread matches the
    standard error each reports (a ratio of standard deviations within [0.6, 1.6] for 20 samples)."""
    rng, grad, sigma = np.random.default_rng(0), np.array([0.3, -0.4]), np.array([1.0, 2.0])
    estimates, errors = [], []
    for _ in range(20):
        small = grad + sigma * rng.standard_normal((2000, 2)) / np.sqrt(2)
        big = grad + sigma * rng.standard_normal((2000, 2)) / np.sqrt(32)
        est = noise.two_batch_noise_scale(small, big, 2, 32)
        estimates.append(est["scale"])
        errors.append(est["scale_se"])
    exact = np.sum(sigma**2) / np.sum(grad**2)
    assert abs(np.mean(estimates) - exact) < 4.5 * np.std(estimates) / np.sqrt(20)
    assert 0.6 < np.std(estimates, ddof=1) / np.mean(errors) < 1.6


def test_two_batch_estimate_with_distinct_samples_matches_models_simple_noise_scale():
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((300, 5)) + np.array([0.5, 0.0, -0.2, 0.1, 0.0])
    draws = {b: np.array([rows[rng.choice(300, b, replace=False)].mean(axis=0) for _ in range(4000)]) for b in (4, 64)}
    est = noise.two_batch_noise_scale(draws[4], draws[64], 4, 64, n_samples=300)
    assert abs(est["scale"] - simple_noise_scale(rows)) < 4.5 * est["scale_se"]
    with pytest.raises(ValueError, match="b_small must be < b_big"):
        noise.two_batch_noise_scale(draws[64], draws[4], 64, 4)


# ----- Adam under noise --------------------------------------------------------------------------------------------
def test_adam_mean_step_limits():
    assert noise.adam_mean_step(2.0, 0.0) == 1.0 and noise.adam_mean_step(-2.0, 0.0) == -1.0
    assert noise.adam_mean_step(1.0, 1.0) == pytest.approx(2**-0.5)
    assert noise.adam_mean_step(1e-3, 1.0) == pytest.approx(1e-3, rel=1e-6)  # E[dw] / std when noise dominates


def test_replayed_directions_are_signed_steps_in_units_of_alpha():
    grads = np.array([[2.0, -0.5], [1.0, 1.0], [-3.0, 0.2]])
    np.testing.assert_allclose(noise.replayed_directions(GD(0.3), grads), grads, rtol=1e-14)
    first = noise.replayed_directions(Adam(0.01), grads)[0]
    np.testing.assert_allclose(first, np.sign(grads[0]), rtol=1e-6)  # Adam's first step: sign(dw), times alpha
    batched = noise.replayed_directions(Adam(np.array([[0.01], [0.1]])), grads)
    np.testing.assert_allclose(batched[:, 0], batched[:, 1], rtol=1e-12)  # the direction does not depend on alpha


# ----- Playground: `shown` and `level` -----------------------------------------------------------------------------
def small_playground(**kwargs):
    return Playground(
        "levels",
        Quadratic(),
        {"GD": lambda lr: GD(lr)},
        [Slider("lr", (0.1, 0.3), 0.1), Slider("avg", (0.0, 0.8), 0.0)],
        steps=20,
        shown=lambda params, avg: ema(params, avg, bias_corrected=True),
        level=lambda lr, avg: 0.01 * lr + avg,
        level_label="a level",
        **kwargs,
    )


def test_shown_points_are_drawn_and_scored():
    pg = small_playground()
    raw = run(GD(0.3), Quadratic(), steps=20)
    traj = pg.compute({"lr": 0.3, "avg": 0.8})["GD"]
    np.testing.assert_array_equal(traj.params, ema(raw.params, 0.8, bias_corrected=True))
    np.testing.assert_array_equal(traj.loss, Quadratic().f(traj.params))
    np.testing.assert_array_equal(pg.compute({"lr": 0.3, "avg": 0.0})["GD"].params, raw.params)  # gamma 0: the iterates
    path, _ = pg.runs_at({"lr": 0.3, "avg": 0.8})["GD"]
    np.testing.assert_allclose(path, traj.params, rtol=1e-15)  # the batched grid agrees


def test_level_travels_with_the_static_page_and_is_drawn_live():
    pg = small_playground()
    data = json.loads(re.search(r'class="pg-data">(.*?)</script>', pg.static_html(), re.S).group(1))
    assert data["levels"] == pytest.approx([0.001, 0.801, 0.003, 0.803])  # grid order: lr, then avg
    assert data["levelColor"].startswith("#")
    view = _LiveView(pg)
    _, _, lines = view._view(pg.problem_for(view.values()))
    _, level_line = lines[LEVEL]
    assert list(level_line.get_ydata()) == [0.001, 0.001] and level_line.get_label() == "a level"
    before = view.image.value
    view.controls[1].value = 1
    assert list(level_line.get_ydata()) == [0.801, 0.801] and view.image.value != before
    low, _ = pg._loss_limits()
    assert low <= 0.001 / 3  # the loss axis reaches down to the lowest level


def test_without_level_nothing_changes_and_bad_options_are_refused():
    pg = Playground("plain", Quadratic(), {"GD": lambda lr: GD(lr)}, [Slider("lr", (0.1, 0.3), 0.1)], steps=5)
    data = json.loads(re.search(r'class="pg-data">(.*?)</script>', pg.static_html(), re.S).group(1))
    assert data["levels"] is None
    for name in ("shown", "level", "readout"):
        with pytest.raises(ValueError, match=f"{name} must be a function"):
            Playground("bad", Quadratic(), {"GD": lambda lr: GD(lr)}, [], steps=5, **{name: 3.0})
