"""Issue 13, library part for the EMA and Momentum chapters: theory.momentum_noise_variance (the heavy ball's
stationary variance under additive gradient noise), measure.late_mean and measure.stationary_variance (late-window
means over noise seeds, with standard errors), and the small helpers the Momentum chapter moved into the library
(theory.ema_lr, momentum_terminal_velocity, momentum_angle; measure.loglog_slope; Sweep.largest_finite;
plots.measured)."""

import numpy as np
import pytest

from optim_core import GD, Momentum, plots, run
from optim_core.measure import late_mean, loglog_slope, stationary_variance
from optim_core.problems import RAVINE, NoisyQuadratic
from optim_core.theory import (
    ema_lr,
    momentum_angle,
    momentum_noise_variance,
    momentum_rate,
    momentum_terminal_velocity,
)
from optim_core.tuning import steps_to, sweep


def lyapunov_variance(lr, beta, lam, noise_var):
    """Var[w] from the discrete Lyapunov equation S = A S A^T + Q of the state (w_t, w_{t-1}), solved as a
    linear system: an independent route to the closed form."""
    a = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
    q = np.array([[lr * lr * noise_var, 0.0], [0.0, 0.0]])
    s = np.linalg.solve(np.eye(4) - np.kron(a, a), q.reshape(-1)).reshape(2, 2)
    return s[0, 0]


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize(("lr", "lam"), [(0.01, 0.04), (0.1, 4.0), (0.45, 4.0), (0.9, 4.0)])
def test_noise_variance_solves_the_lyapunov_equation(lr, beta, lam):
    if lr * lam >= 2 * (1 + beta):
        assert momentum_noise_variance(lr, beta, lam) == np.inf
        return
    expected = lyapunov_variance(lr, beta, lam, noise_var=0.3)
    assert momentum_noise_variance(lr, beta, lam, 0.3) == pytest.approx(expected, rel=1e-9)


def test_noise_variance_gd_case_small_rate_limit_and_instability():
    # beta = 0: GD's AR(1) variance lr s^2 / (1 - (1 - lr lam)^2)
    assert momentum_noise_variance(0.2, 0.0, 4.0, 2.0) == pytest.approx(0.2**2 * 2.0 / (1 - (1 - 0.8) ** 2))
    # at a fixed eta = lr / (1 - beta) with eta lam small, beta does not matter: eta s^2 / (2 lam)
    eta, lam, betas = 1e-4, 1.0, np.array([0.0, 0.5, 0.9, 0.99])
    np.testing.assert_allclose(momentum_noise_variance(eta * (1 - betas), betas, lam), eta / 2, rtol=1e-4)
    # at a fixed eta with eta lam = 1, a larger beta lowers it toward the same limit
    v = momentum_noise_variance(0.25 * (1 - betas), betas, 4.0)
    assert np.all(np.diff(v) < 0) and v[0] == pytest.approx(2 * 0.25 / 8) and v[-1] > 0.25 / 8
    # unstable at and beyond 2 (1 + beta) / lam; arrays broadcast
    out = momentum_noise_variance(np.array([[0.5], [0.9], [1.0]]), np.array([0.0, 0.9]), 4.0)
    assert out.shape == (3, 2) and np.isinf(out[0, 0]) and np.isfinite(out[1, 1]) and np.isinf(out[2]).all()


def test_noise_variance_matches_a_seeded_batched_run():
    # 400 seeds of the heavy ball on a noisy 1-D quadratic, started at the minimum: the late mean of w^2 lies
    # within 4 standard errors (from the seeds) of the closed form, and the standard error is a few percent.
    problem = NoisyQuadratic((2.0,), (1.0,), seed=np.arange(400)[:, None], x0=np.zeros(1))
    traj = run(Momentum(0.1, 0.8, ema=False), problem, steps=600)
    mean, se = late_mean(traj.params[..., 0] ** 2, start=100, seed_axis=-1)
    assert 0 < se < 0.05 * mean
    assert abs(mean - momentum_noise_variance(0.1, 0.8, 2.0)) < 4 * se


def test_late_mean_averages_the_window_and_the_seeds():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(50, 3, 40, 2))  # steps, a grid of 3, 40 seeds, 2 coordinates
    values[:10] = 100.0  # a transient the window leaves out
    mean, se = late_mean(values, start=10, seed_axis=-2)
    assert mean.shape == se.shape == (3, 2)
    per_seed = values[10:].mean(axis=0)
    np.testing.assert_allclose(mean, per_seed.mean(axis=1))
    np.testing.assert_allclose(se, per_seed.std(axis=1, ddof=1) / np.sqrt(40))
    # white noise: the standard error of the mean of 40 x 40 unit normals is about 1/40
    assert np.all(np.abs(mean) < 4 / 40) and np.all((0.5 / 40 < se) & (se < 2 / 40))
    m1, s1 = late_mean(values[:, 1, :, 0], start=10, seed_axis=1)  # a positive axis
    assert m1 == pytest.approx(mean[1, 0]) and s1 == pytest.approx(se[1, 0])


def test_late_mean_refuses_bad_axes_and_windows():
    values = np.ones((5, 4))
    for axis in (0, -2, 2):
        with pytest.raises(ValueError, match="seed_axis"):
            late_mean(values, 1, seed_axis=axis)
    with pytest.raises(ValueError, match="start"):
        late_mean(values, 5, seed_axis=1)
    with pytest.raises(ValueError, match="two seeds"):
        late_mean(np.ones((5, 1)), 0, seed_axis=1)


def test_stationary_variance_measures_a_batched_noisy_run():
    # GD (AR(1) per coordinate) on a turned noisy quadratic: the variance of w around w* per coordinate and the loss
    # floor, from seeds on the last batch axis, with a grid of two learning rates in front
    seeds = np.arange(300)[:, None]
    problem = NoisyQuadratic((0.5, 2.0), (1.0, 2.0), seed=seeds, angle=0.0, x0=np.zeros(2))
    out = stationary_variance(GD(np.array([[[0.1]], [[0.2]]])), problem, steps=400, burn=100, record_every=2)
    assert out["var"].shape == out["var_se"].shape == (2, 2) and out["loss"].shape == (2,)
    expected = momentum_noise_variance(np.array([[0.1], [0.2]]), 0.0, problem.curvatures, problem.sigmas**2)
    assert np.all(np.abs(out["var"] - expected) < 4 * out["var_se"])
    np.testing.assert_allclose(out["loss"], (out["var"] * problem.curvatures).sum(axis=-1) / 2, rtol=1e-12)
    assert out["trajectory"].params.shape == (201, 2, 300, 2)
    with pytest.raises(ValueError, match="not recorded"):
        stationary_variance(GD(0.1), problem, steps=10, burn=3, record_every=2)


def test_small_momentum_helpers():
    assert ema_lr(0.45, 0.9) == pytest.approx(4.5) and ema_lr(0.1, 0.0) == 0.1
    np.testing.assert_allclose(ema_lr(0.1, np.array([0.5, 0.99])), [0.2, 10.0])
    assert momentum_terminal_velocity(0.9) == pytest.approx(10.0)
    assert momentum_terminal_velocity(0.9, alternating=True) == pytest.approx(1 / 1.9)
    # the angle of the complex roots: their modulus is sqrt(beta), so z = sqrt(beta) e^(i theta) solves p(z) = 0
    lr, beta, lam = 0.45, 0.9, 4.0
    z = np.sqrt(beta) * np.exp(1j * momentum_angle(lr, beta, lam))
    assert abs(z * z - (1 + beta - lr * lam) * z + beta) < 1e-12
    assert momentum_rate(lr, beta, [lam]) == pytest.approx(np.sqrt(beta))
    assert np.isnan(momentum_angle(0.01, 0.9, 0.04))  # real roots


def test_loglog_slope_recovers_a_power_law():
    x = np.geomspace(1.0, 1e3, 9)
    assert loglog_slope(x, 3.0 * x**0.5) == pytest.approx(0.5)
    assert loglog_slope(x, 7.0 / x) == pytest.approx(-1.0)


def test_sweep_largest_finite_is_the_measured_stability_limit():
    lrs = np.linspace(0.04, 0.96, 24)  # GD on the ravine (L = 4) diverges from lr = 2 / L = 0.5 on
    s = sweep(lambda lr: GD(lr), RAVINE, 400, steps_to(1e-6), lr=lrs)
    assert s.largest_finite() == pytest.approx(0.48)
    never = sweep(lambda lr: GD(lr), RAVINE, 400, steps_to(1e-6), lr=[0.6, 0.7])
    assert np.isnan(never.largest_finite())


def test_plots_measured_draws_bars_and_the_prediction():
    _, ax = plots.figure()
    plots.measured(ax, [0.0, 0.5], [1.0, 2.0], [0.1, 0.2], [1.1, 1.9], color="#123456", label="x")
    (line,) = ax.get_lines()[-1:]
    np.testing.assert_array_equal(line.get_ydata(), [1.1, 1.9])
    bars = ax.containers[0]
    segments = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([seg[:, 1] for seg in segments], [[0.8, 1.2], [1.6, 2.4]])  # two standard errors
    assert ax.get_legend_handles_labels()[1] == ["x"]
