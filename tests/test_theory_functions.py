"""optim_core.theory against direct computation: the rates are spectral radii of the iteration matrices,
and the optima are where those radii are smallest."""

import numpy as np
import pytest

from optim_core import theory


def radius(lr, beta, lam, nesterov=False):
    """Spectral radius of the 2 x 2 iteration matrix of heavy ball (or Nesterov) on curvature lam."""
    h = lr * lam
    if nesterov:
        m = np.array([[(1 + beta) * (1 - h), -beta * (1 - h)], [1.0, 0.0]])
    else:
        m = np.array([[1 + beta - h, -beta], [1.0, 0.0]])
    return max(abs(np.linalg.eigvals(m)))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_rate_is_the_iteration_matrix_radius(nesterov):
    for lr, beta in [(0.1, 0.5), (0.45, 0.9), (0.9, 0.3), (1.2, 0.0)]:
        expected = max(radius(lr, beta, lam, nesterov) for lam in (0.04, 4.0))
        assert theory.momentum_rate(lr, beta, [0.04, 4.0], nesterov) == pytest.approx(expected, rel=1e-10)


def test_gd_rate_is_momentum_rate_with_beta_zero():
    lrs = np.linspace(0.01, 0.6, 30)
    np.testing.assert_allclose(theory.gd_rate(lrs, [0.2, 4.0]), theory.momentum_rate(lrs, 0.0, [0.2, 4.0]), rtol=1e-12)


def test_gd_best_minimizes_gd_rate():
    lr, r = theory.gd_best(0.2, 4.0)
    assert lr == pytest.approx(2 / 4.2) and r == pytest.approx(19 / 21)
    grid = np.linspace(0.01, 0.49, 2000)
    assert theory.gd_rate(grid, [0.2, 4.0]).min() >= r - 1e-12
    assert theory.gd_rate(lr, [0.2, 4.0]) == pytest.approx(r)


def test_heavy_ball_best_minimizes_the_rate_over_lr_and_beta():
    lr, beta, r = theory.heavy_ball_best(0.04, 4.0)  # kappa = 100: r = 9/11
    assert r == pytest.approx(9 / 11) and beta == pytest.approx(r * r)
    assert theory.momentum_rate(lr, beta, [0.04, 4.0]) == pytest.approx(r, rel=1e-6)
    lrs, betas = np.meshgrid(np.linspace(0.5, 1.2, 71), np.linspace(0.4, 0.9, 51))
    assert theory.momentum_rate(lrs, betas, [0.04, 4.0]).min() >= r - 1e-9


@pytest.mark.parametrize("nesterov", [False, True])
def test_stable_lr_is_where_the_rate_reaches_one(nesterov):
    for beta in (0.0, 0.5, 0.9):
        limit = theory.momentum_stable_lr(4.0, beta, nesterov)
        assert theory.momentum_rate(limit * 0.999, beta, [4.0], nesterov) < 1
        assert theory.momentum_rate(limit * 1.001, beta, [4.0], nesterov) > 1
    assert theory.gd_stable_lr(4.0) == theory.momentum_stable_lr(4.0, 0.0) == 0.5


def test_kappa_for_beta_inverts_heavy_ball_best():
    for kappa in (10.0, 100.0, 1000.0):
        _, beta, _ = theory.heavy_ball_best(4.0 / kappa, 4.0)
        assert theory.kappa_for_beta(beta) == pytest.approx(kappa, rel=1e-10)


def test_flat_rate_window_has_rate_sqrt_beta():
    lo, hi = theory.flat_rate_window(0.04, 4.0, 0.9)
    for lr in np.linspace(lo, hi, 7):
        assert theory.momentum_rate(lr, 0.9, [0.04, 1.0, 4.0]) == pytest.approx(np.sqrt(0.9), rel=1e-6)


def test_steps_for_rate():
    assert theory.steps_for_rate(0.5, 2.0**-10) == pytest.approx(10)
