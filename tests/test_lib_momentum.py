"""Library pieces added for the Momentum chapter: many ravines in one batched run (problems.Ravines), the
criterion "steps until the distance has shrunk by a factor" (tuning.steps_to_shrink), and the long-run gain of
an EMA fed a rotating input (ema.ema_gain)."""

import math

import numpy as np
import pytest

from optim_core import GD, Momentum, run
from optim_core.ema import ema, ema_gain
from optim_core.measure import distance
from optim_core.problems import Quadratic, Ravines
from optim_core.tuning import steps_to_shrink, sweep

KAPPAS = np.array([[3.0, 10.0, 100.0], [1.0, 50.0, 1000.0]])


def test_ravines_shapes_and_curvatures():
    r = Ravines(KAPPAS)
    assert r.curvatures.shape == r.x0.shape == (2, 3, 2)
    np.testing.assert_array_equal(r.curvatures[..., 1], 4.0)
    np.testing.assert_allclose(r.curvatures[..., 0], 4.0 / KAPPAS, rtol=1e-15)
    np.testing.assert_array_equal(r.x0[1, 2], [-4.5, 1.0])
    np.testing.assert_array_equal(r.minimum, [0.0, 0.0])
    assert r.f(r.minimum).shape == (2, 3) and np.all(r.f(np.zeros((2, 3, 2))) == r.f_min)


def test_each_ravine_takes_the_same_steps_as_its_quadratic_bit_for_bit():
    lrs = np.array([0.3, 0.9])[:, None, None, None]  # a hyperparameter grid broadcasting against the ravines
    batched = run(Momentum(lrs, 0.8, ema=False), Ravines(KAPPAS), Ravines(KAPPAS).x0, steps=60)
    assert batched.params.shape == (61, 2, 2, 3, 2)
    for i, lr in enumerate((0.3, 0.9)):
        for j, k in np.ndindex(KAPPAS.shape):
            q = Quadratic.from_condition(KAPPAS[j, k])
            single = run(Momentum(lr, 0.8, ema=False), q, steps=60)
            np.testing.assert_array_equal(batched.params[:, i, j, k], single.params)
            np.testing.assert_allclose(batched.loss[:, i, j, k], single.loss, rtol=1e-13, atol=1e-300)


def test_ravines_gradient_is_the_curvature_times_the_point():
    r = Ravines(np.array([20.0]), L=2.0)
    x = np.array([[0.5, -3.0]])
    np.testing.assert_array_equal(r.grad(x), [[0.1 * 0.5, 2.0 * -3.0]])
    assert r.f(x)[0] == pytest.approx(0.5 * (0.1 * 0.25 + 2.0 * 9.0))


def test_steps_to_shrink_is_the_first_step_from_which_the_distance_stays_below():
    q = Quadratic.from_condition(100.0)
    traj = run(GD(0.45), q, steps=1000)
    d = distance(traj.params, q.minimum)
    n = steps_to_shrink(1e-6)(traj, q)
    assert np.ndim(n) == 0 and float(n) == int(n)
    n = int(n)
    assert np.all(d[n:] <= 1e-6 * d[0]) and d[n - 1] > 1e-6 * d[0]
    # momentum overshoots: the distance dips below a loose tolerance and comes back, so "for good" matters
    mom = run(Momentum(0.9, 0.9, ema=False), q, steps=400)
    dm = distance(mom.params, q.minimum)
    first_dip = int(np.argmax(dm <= 0.5 * dm[0]))
    assert steps_to_shrink(0.5)(mom, q) > first_dip


def test_steps_to_shrink_scores_a_sweep_inf_where_never_or_diverged():
    q = Quadratic.from_condition(10.0)
    lrs = np.array([0.01, 0.3, 0.49, 0.6])
    s = sweep(lambda lr: GD(lr), q, 300, steps_to_shrink(1e-3), lr=lrs)
    assert np.isinf(s.scores[0])  # too slow for 300 steps
    assert np.isinf(s.scores[3]) and s.trajectory.diverged[3]  # above 2/L
    assert np.isfinite(s.scores[1:3]).all()
    for k in (1, 2):  # equal to the unbatched count
        assert s.scores[k] == steps_to_shrink(1e-3)(run(GD(lrs[k]), q, steps=300), q)
    assert s.criterion == "steps_to_shrink(0.001)"


def test_steps_to_shrink_reports_step_numbers_when_only_some_steps_are_recorded():
    q = Quadratic.from_condition(10.0)
    every = run(GD(0.3), q, steps=200)
    sparse = run(GD(0.3), q, steps=200, record_every=10)
    exact = int(steps_to_shrink(1e-4)(every, q))
    coarse = int(steps_to_shrink(1e-4)(sparse, q))
    assert coarse % 10 == 0 and exact <= coarse < exact + 10


@pytest.mark.parametrize("beta", [0.5, 0.9])
@pytest.mark.parametrize("theta", [0.0, 0.3, 1.518, math.pi])
def test_ema_gain_is_the_long_run_amplitude_of_the_ema_of_a_cosine(beta, theta):
    t = np.arange(1, 3001)
    v = ema(np.cos(theta * t), beta)
    tail = v[-200:]
    # the long-run EMA is gain * cos(theta t - phase): its amplitude is sqrt(mean square * 2), or |v| if theta = 0
    measured = abs(tail[-1]) if theta == 0 else (np.max(np.abs(tail)) if theta == math.pi else None)
    if measured is None:
        measured = math.sqrt(2 * np.mean(tail**2))
        tol = 2e-2  # a finite window of a non-periodic sampling of the sine
    else:
        tol = 1e-9
    assert float(ema_gain(beta, theta)) == pytest.approx(measured, rel=tol)


def test_ema_gain_limits():
    assert ema_gain(0.9, 0.0) == pytest.approx(1.0)
    assert ema_gain(0.9, math.pi) == pytest.approx(0.1 / 1.9)
    gains = ema_gain(0.9, np.linspace(0, math.pi, 50))
    assert np.all(np.diff(gains) < 0)  # the faster the input turns, the less of it the average keeps
