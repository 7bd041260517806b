"""Library pieces behind the chapter "When Adam fails": `problems.WithL2` (an L2 penalty in the gradient, for
Adam + L2 against AdamW), `schedules.inverse_sqrt` (the alpha / sqrt(t) rate of online learning) and
`optim_core.online` (the online counterexample of Reddi, Kale & Kumar: slopes, projected runs, regret,
and the walled version that `run` can play)."""

import numpy as np
import pytest

from optim_core import GD, Adam, AdamW, run
from optim_core.models import MLP
from optim_core.online import WalledOnline, average_regret, projected_run, rare_slope, rare_slopes
from optim_core.problems import RAVINE, WithL2
from optim_core.schedules import inverse_sqrt


def small_mlp():
    rng = np.random.default_rng(3)
    return MLP(rng.random((30, 6)), np.arange(30) % 10, hidden=4, batch_size=8, seed=0)


# ----- WithL2 ---------------------------------------------------------------------------------------------


def test_with_l2_adds_lambda_w_to_every_gradient():
    model = small_mlp()
    w = model.x0 + 0.1
    penalized = WithL2(model, np.array([0.5]))
    np.testing.assert_allclose(penalized.stochastic_grad(w, 3), model.stochastic_grad(w, 3) + 0.5 * w)
    np.testing.assert_allclose(penalized.grad(w), model.grad(w) + 0.5 * w)
    assert penalized.f(w) == pytest.approx(float(model.f(w)) + 0.25 * float(w @ w))


def test_with_l2_gradient_matches_its_loss():
    problem, w, h = WithL2(RAVINE, l2=0.3), np.array([0.7, -1.2]), 1e-6
    numeric = [(problem.f(w + h * e) - problem.f(w - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(problem.grad(w), numeric, rtol=1e-7)


def test_with_l2_on_a_problem_without_minibatches_uses_the_full_gradient():
    problem = WithL2(RAVINE, l2=0.5)
    w = np.array([1.0, 2.0])
    np.testing.assert_allclose(problem.stochastic_grad(w, 7), RAVINE.grad(w) + 0.5 * w)
    # one GD step by hand: w - lr (H w + l2 w), with H = diag(0.2, 4)
    np.testing.assert_allclose(run(GD(0.1), problem, w, steps=1).params[-1], w - 0.1 * (np.array([0.2, 4.0]) + 0.5) * w)


def test_with_l2_keeps_the_held_out_metrics_and_start_of_the_model():
    model = small_mlp()
    penalized = WithL2(model, l2=1e-2)
    x, y = model.x[:5], model.y[:5]
    assert penalized.loss_on(model.x0, x, y) == model.loss_on(model.x0, x, y)  # no penalty in held-out loss
    assert penalized.accuracy(model.x0, x, y) == model.accuracy(model.x0, x, y)
    np.testing.assert_array_equal(penalized.x0, model.x0)
    assert penalized.f_min == model.f_min  # a lower bound, since the penalty is >= 0


def test_with_l2_batched_equals_single_runs():
    model = small_mlp()
    l2 = np.array([0.0, 1e-2, 1e-1])[:, None]
    batched = run(Adam(1e-2), WithL2(model, l2), np.broadcast_to(model.x0, (3, model.dim)), steps=5)
    for k, lam in enumerate(l2[:, 0]):
        single = run(Adam(1e-2), WithL2(model, float(lam)), steps=5)
        np.testing.assert_array_equal(batched.params[:, k], single.params)


def test_l2_and_decoupled_decay_agree_for_gd_but_not_for_adam():
    model = small_mlp()
    with_l2 = run(Adam(1e-2), WithL2(model, 0.1), steps=5).params[-1]
    decoupled = run(AdamW(1e-2, weight_decay=0.1), model, steps=5).params[-1]
    assert np.max(np.abs(with_l2 - decoupled)) > 1e-4


def test_with_l2_rejects_a_negative_lambda():
    with pytest.raises(ValueError, match="l2"):
        WithL2(RAVINE, l2=-1e-3)
    with pytest.raises(ValueError, match="l2"):
        WithL2(RAVINE, l2=np.array([1e-3, np.nan]))


# ----- inverse_sqrt ---------------------------------------------------------------------------------------


def test_inverse_sqrt_schedule():
    s = inverse_sqrt(0.5)
    assert s(1) == 0.5 and s(4) == 0.25
    np.testing.assert_allclose(s.values(3), 0.5 / np.sqrt([1, 2, 3]))
    np.testing.assert_allclose(inverse_sqrt(np.array([[1.0], [2.0]]))(9), [[1 / 3], [2 / 3]])
    assert repr(s) == "inverse_sqrt(lr=0.5)"
    with pytest.raises(ValueError, match="lr"):
        inverse_sqrt(0.0)
    with pytest.raises(ValueError, match="step"):
        s(0)


# ----- the online counterexample ----------------------------------------------------------------------------


def test_rare_slopes():
    np.testing.assert_array_equal(rare_slopes(7), [3, -1, -1, 3, -1, -1, 3])
    np.testing.assert_array_equal(rare_slopes(5, c=10.0, period=2), [10, -1, 10, -1, 10])
    assert rare_slope(4) == 3.0 and rare_slope(6) == -1.0


def test_projected_run_clips_and_matches_a_hand_loop():
    xs = projected_run(GD(0.4), np.array([-10.0, 1.0, 1.0]), 0.0)
    np.testing.assert_allclose(xs, [0.0, 1.0, 0.6, 0.2])
    batched = projected_run(GD(np.array([[0.1], [0.2]])), np.array([1.0, 1.0]), 1.0)
    np.testing.assert_allclose(batched[:, 1], [1.0, 0.8, 0.6])
    assert projected_run(GD(1.0), [5.0], 0.0, low=-2.0, high=2.0)[-1] == -2.0


def test_average_regret_of_fixed_points_by_hand():
    grads = rare_slopes(6)
    assert average_regret(np.ones(7), grads)[-1] == pytest.approx(2 / 3)  # pays 3 - 1 - 1 per cycle, best -1
    assert average_regret(-np.ones(7), grads)[-1] == pytest.approx(0.0)  # -1 is the best fixed point
    # batched weights (T, batch): one regret curve per column
    both = average_regret(np.stack([np.ones(7), -np.ones(7)], axis=1), grads)
    np.testing.assert_allclose(both[-1], [2 / 3, 0.0], atol=1e-15)


def test_walled_online_problem():
    p = WalledOnline()
    assert p.minimum[0] == -1.0 and p.f_min == pytest.approx(-0.25)
    assert p.grad(p.minimum) == pytest.approx(0.0)
    w = np.array([0.3])
    mean_grad = np.mean([p.stochastic_grad(w, t) for t in (1, 2, 3)], axis=0)  # one cycle averages to grad
    np.testing.assert_allclose(mean_grad, p.grad(w))
    h = 1e-6
    assert (p.f(w + h) - p.f(w - h)) / (2 * h) == pytest.approx(float(p.grad(w)[0]), rel=1e-6)
    steeper = WalledOnline(c=10.0)  # average slope 8/3: minimum at -(8)^(1/3) = -2
    assert steeper.minimum[0] == pytest.approx(-2.0) and steeper.grad(steeper.minimum) == pytest.approx(0.0)


def test_walled_online_playable_by_run():
    traj = run(GD(inverse_sqrt(0.5)), WalledOnline(), steps=300)
    assert traj.params[-1, 0] == pytest.approx(-1.0, abs=0.1)  # online GD finds the optimum
