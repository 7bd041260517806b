"""The convergence facts the book states, checked on quadratics f = 1/2 x^T H x with curvatures mu <= L,
and divergence recorded as data by run()."""

import math
import warnings

import numpy as np
import pytest

from optim_core import GD, Adam, Momentum, run
from optim_core.problems import Quadratic

# The default ravine (f = 0.1 x1^2 + 2 x2^2, kappa = 20) and a rotated one with kappa = 100.
QUADRATICS = [Quadratic(mu=0.2, L=4.0), Quadratic.from_condition(100.0, L=2.0, angle=0.6)]
Q_IDS = ["ravine-kappa20", "rotated-kappa100"]
X0 = np.array([-4.5, 1.0])  # nonzero along both eigenvectors of both quadratics


def distance(traj):
    """Distance to the minimum (the origin) after each step."""
    return np.linalg.norm(traj.params, axis=-1)


def eigen_coordinates(q, traj):
    """The path in the eigenbasis of H, ordered (shallow, steep)."""
    _, vectors = np.linalg.eigh(q.hessian)
    return traj.params @ vectors


@pytest.mark.parametrize("q", QUADRATICS, ids=Q_IDS)
def test_gd_optimal_lr_contracts_by_kappa_rate_every_step(q):
    # With lr = 2/(L+mu) the factors 1 - lr mu = (L-mu)/(L+mu) and 1 - lr L = -(L-mu)/(L+mu) have the same
    # size, so the distance shrinks by exactly (kappa-1)/(kappa+1) at every step, from any start.
    traj = run(GD(lr=2 / (q.L + q.mu)), q, X0, steps=40)
    d = distance(traj)
    np.testing.assert_allclose(d[1:] / d[:-1], (q.kappa - 1) / (q.kappa + 1), rtol=1e-12)


@pytest.mark.parametrize("q", QUADRATICS, ids=Q_IDS)
def test_gd_diverges_just_above_2_over_L(q):
    lr = 2 / q.L * (1 + 1e-3)
    steps = 3000  # the steep factor is |1 - lr L| = 1.002, so it grows by 1.002^3000 = e^6 = 403
    traj = run(GD(lr=lr), q, X0, steps=steps)
    assert distance(traj)[-1] > 10 * distance(traj)[0]
    z = eigen_coordinates(q, traj)
    np.testing.assert_allclose(z[-1, 1] / z[0, 1], (1 - lr * q.L) ** steps, rtol=1e-9)


@pytest.mark.parametrize("q", QUADRATICS, ids=Q_IDS)
def test_gd_converges_just_below_2_over_L(q):
    lr = 2 / q.L * (1 - 1e-3)
    steps = 3000  # the steep factor is 1 - lr L = -0.998: 0.998^3000 = e^-6 = 0.0025
    traj = run(GD(lr=lr), q, X0, steps=steps)
    assert traj.diverged_at is None
    assert distance(traj)[-1] < 0.01 * distance(traj)[0]
    z = eigen_coordinates(q, traj)
    np.testing.assert_allclose(z[-1, 1] / z[0, 1], (1 - lr * q.L) ** steps, rtol=1e-9)


def heavy_ball_optimum(q):
    """The optimal heavy-ball lr and beta (torch form) and the rate they give (Polyak 1964)."""
    sk = math.sqrt(q.kappa)
    lr = 4 / (math.sqrt(q.L) + math.sqrt(q.mu)) ** 2
    beta = ((sk - 1) / (sk + 1)) ** 2
    return lr, beta, (sk - 1) / (sk + 1)


def late_rate(d, start, window):
    return (d[start + window] / d[start]) ** (1 / window)


@pytest.mark.parametrize("q", QUADRATICS, ids=Q_IDS)
def test_heavy_ball_optimal_rate(q):
    lr, beta, rate = heavy_ball_optimum(q)
    d = distance(run(Momentum(lr=lr, beta=beta, ema=False), q, X0, steps=600))
    # At the optimum both extreme curvatures give a double eigenvalue of size `rate` (a Jordan block),
    # so the distance behaves like (a + b k) rate^k, not rate^k. Over the window k = 300..600 that
    # linear prefactor inflates the estimate by at most (1 + 300/300)^(1/300) - 1 = 0.23%; 0.5% is
    # therefore an honest bound, and far from GD's best rate (0.905 vs 0.635 for kappa = 20, 0.980 vs
    # 0.818 for kappa = 100).
    estimate = late_rate(d, 300, 300)
    assert estimate == pytest.approx(rate, rel=5e-3)
    assert estimate >= rate * (1 - 1e-9)  # the prefactor only ever makes it look slower
    assert estimate < (q.kappa - 1) / (q.kappa + 1) - 0.1  # clearly faster than GD at its best


@pytest.mark.parametrize("q", QUADRATICS, ids=Q_IDS)
def test_heavy_ball_ema_form_is_the_same_method(q):
    # The article's form with lr / (1 - beta) takes the same steps as the torch form with lr.
    lr, beta, rate = heavy_ball_optimum(q)
    torch_form = run(Momentum(lr=lr, beta=beta, ema=False), q, X0, steps=600)
    ema_form = run(Momentum(lr=lr / (1 - beta), beta=beta), q, X0, steps=600)
    d = distance(torch_form)
    gap = np.linalg.norm(ema_form.params - torch_form.params, axis=-1)
    assert np.all(gap <= 1e-9 * d)  # relative to the (shrinking) distance, at every step
    assert late_rate(distance(ema_form), 300, 300) == pytest.approx(rate, rel=5e-3)


def run_raising_warnings(*args, **kwargs):
    """run() with every warning turned into an error: overflow must be handled, not leaked."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return run(*args, **kwargs)


def test_run_records_divergence_of_gd_above_2_over_L():
    q = Quadratic()  # L = 4
    traj = run_raising_warnings(GD(lr=3 / q.L), q, X0, steps=200)
    # The steep coordinate (start 1.0) doubles in size each step (|1 - 3| = 2); run()'s bound is 1e10,
    # first passed at step 34 (2^33 = 8.6e9 < 1e10 < 2^34).
    assert traj.diverged_at == 34
    assert traj.diverged is True
    assert np.all(np.isfinite(traj.params[:34])) and np.all(np.isfinite(traj.loss[:34]))
    assert np.all(np.isnan(traj.params[34:])) and np.all(np.isnan(traj.loss[34:]))
    assert traj.params.shape == (201, 2) and traj.loss.shape == (201,)


@pytest.mark.parametrize("opt", [GD(lr=1e300), Momentum(lr=1e300, beta=0.9), Adam(lr=1e300)], ids=["gd", "mom", "adam"])
def test_overflow_is_data_not_a_warning(opt):
    # One step to ~1e300 makes f overflow to inf: that must show up as diverged_at = 1, silently.
    traj = run_raising_warnings(opt, Quadratic(), X0, steps=50)
    assert traj.diverged_at == 1
    assert np.all(np.isnan(traj.params[1:])) and np.all(np.isnan(traj.loss[1:]))
    np.testing.assert_array_equal(traj.params[0], X0)


@pytest.mark.parametrize("q", QUADRATICS, ids=Q_IDS)
def test_run_records_no_divergence_below_2_over_L(q):
    traj = run_raising_warnings(GD(lr=1.9 / q.L), q, X0, steps=500)
    assert traj.diverged_at is None
    assert traj.diverged is False
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))


def test_batched_run_records_divergence_per_learning_rate():
    q = Quadratic()  # 2 / L = 0.5
    lrs = np.array([0.1, 0.4, 0.49, 0.51, 0.75, 2.0])
    traj = run_raising_warnings(GD(lr=lrs[:, None]), q, X0, steps=1000)
    assert traj.params.shape == (1001, 6, 2) and traj.loss.shape == (1001, 6)
    assert traj.diverged_at.shape == (6,)
    stable = lrs < 2 / q.L
    np.testing.assert_array_equal(traj.diverged, ~stable)
    assert all(traj.diverged_at[k] is None for k in np.flatnonzero(stable))
    for k in np.flatnonzero(~stable):
        at = traj.diverged_at[k]
        assert isinstance(at, int)
        # First step where |1 - lr L|^at (the steep coordinate, started at 1) passes the bound 1e10.
        assert at == math.ceil(math.log(1e10) / math.log(abs(1 - lrs[k] * q.L)))
        assert np.all(np.isnan(traj.params[at:, k])) and np.all(np.isfinite(traj.params[:at, k]))
        assert at == run(GD(lr=lrs[k]), q, X0, steps=1000).diverged_at
    assert traj.diverged_at[4] == 34  # lr = 0.75, as in the unbatched test above
