"""Library helpers added for the AdaGrad and RMSProp chapters: `measure.effective_lr` (the per-coordinate
rate replayed along a path) and `tuning.Sweep.rescored` (the same runs under another criterion)."""

import numpy as np
import pytest

from optim_core import GD, AdaGrad, Adam, RMSProp, run
from optim_core.measure import effective_lr
from optim_core.problems import RAVINE
from optim_core.tuning import gap_at, steps_to, sweep


def rates_by_hand(opt, problem, steps):
    """lr / (sqrt(v_t) + eps) from a plain loop, reading v_t from the state by its field name."""
    w = problem.x0
    state = opt.init(w)
    out = []
    for _ in range(steps):
        w, state = opt.update(w, problem.grad(w), state)
        out.append(opt.lr / (np.sqrt(state[1]) + opt.eps))
    return np.array(out)


@pytest.mark.parametrize("opt", [AdaGrad(0.8), RMSProp(0.05, beta=0.9)], ids=["AdaGrad", "RMSProp"])
def test_effective_lr_equals_the_loop(opt):
    traj = run(opt, RAVINE, None, 25)
    rates = effective_lr(opt, RAVINE, traj)
    assert rates.shape == (25, 2)
    np.testing.assert_array_equal(rates, rates_by_hand(opt, RAVINE, 25))
    np.testing.assert_array_equal(effective_lr(opt, RAVINE, traj.params), rates)  # params or a Trajectory


def test_effective_lr_first_step_is_alpha_over_the_gradient():
    dw = np.abs(RAVINE.grad(RAVINE.x0))
    rates = effective_lr(AdaGrad(0.5, eps=0.0), RAVINE, run(AdaGrad(0.5, eps=0.0), RAVINE, None, 3))
    np.testing.assert_allclose(rates[0], 0.5 / dw, rtol=1e-15)
    assert np.all(np.diff(rates, axis=0) <= 0)  # AdaGrad's sum only grows


def test_effective_lr_of_a_batched_run_equals_each_run():
    lrs = np.array([0.1, 0.3, 1.0])
    batched = effective_lr(AdaGrad(lrs[:, None]), RAVINE, run(AdaGrad(lrs[:, None]), RAVINE, None, 10))
    assert batched.shape == (10, 3, 2)
    for i, lr in enumerate(lrs):
        single = effective_lr(AdaGrad(lr), RAVINE, run(AdaGrad(lr), RAVINE, None, 10))
        np.testing.assert_array_equal(batched[:, i], single)


def test_effective_lr_follows_a_schedule():
    def halving(t):
        return 0.4 * 0.5 ** (t - 1)

    opt, flat = AdaGrad(halving), AdaGrad(0.4)
    scheduled = effective_lr(opt, RAVINE, run(opt, RAVINE, None, 4))
    path = run(opt, RAVINE, None, 4).params
    np.testing.assert_allclose(scheduled, effective_lr(flat, RAVINE, path) * 0.5 ** np.arange(4)[:, None], rtol=1e-15)


def test_effective_lr_uses_the_stochastic_gradient():
    class Noisy:
        x0 = np.array([1.0, -1.0])

        def f(self, w):
            return RAVINE.f(w)

        def grad(self, w):
            raise AssertionError("run uses stochastic_grad, so the replay must too")

        def stochastic_grad(self, w, step):
            return RAVINE.grad(w) + step

    opt = AdaGrad(0.1)
    traj = run(opt, Noisy(), None, 5)
    rates = effective_lr(opt, Noisy(), traj)
    w, state = traj.params[0], opt.init(traj.params[0])
    for t in range(1, 6):
        w, state = opt.update(w, RAVINE.grad(w) + t, state)
        np.testing.assert_array_equal(rates[t - 1], 0.1 / (np.sqrt(state.sum_sq) + opt.eps))


def test_effective_lr_refuses_what_it_cannot_replay():
    with pytest.raises(ValueError, match="record_every=1"):
        effective_lr(AdaGrad(0.1), RAVINE, run(AdaGrad(0.1), RAVINE, None, 10, record_every=2))
    for opt in (Adam(0.1), GD(0.1)):  # two state arrays (m and v), or none
        with pytest.raises(ValueError, match="one array"):
            effective_lr(opt, RAVINE, run(opt, RAVINE, None, 3))


def test_rescored_equals_a_sweep_scored_that_way():
    lrs = np.geomspace(0.01, 1.0, 9)
    early = sweep(AdaGrad, RAVINE, 30, gap_at(5), lr=lrs)
    late = sweep(AdaGrad, RAVINE, 30, gap_at(30), lr=lrs)
    again = early.rescored(gap_at(30), RAVINE)
    np.testing.assert_array_equal(again.scores, late.scores)
    assert again.criterion == late.criterion == "gap_at(30)"
    assert again.trajectory is early.trajectory  # nothing is run again
    assert not np.array_equal(early.scores, again.scores)  # the original keeps its own scores
    assert again.best == late.best and again.axes is early.axes


def test_rescored_keeps_the_grid_shape_of_a_two_axis_sweep():
    s = sweep(lambda lr, beta: RMSProp(lr, beta=beta), RAVINE, 40, gap_at(), beta=(0.0, 0.9), lr=(0.01, 0.1, 1.0))
    counted = s.rescored(steps_to(1e-2), RAVINE)
    assert counted.scores.shape == (2, 3)
    assert counted.criterion == "steps_to(0.01)"
