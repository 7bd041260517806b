"""Library pieces added for the sign-updates and Adam chapters: problems.DiagonalQuadratic, problems.Scaled,
tuning.gap_over_last and theory's results on Adam's step size."""

import numpy as np
import pytest

from optim_core import GD, Adam, Momentum, SignGD, run, theory
from optim_core.problems import RAVINE, SURFACES, DiagonalQuadratic, Quadratic, Scaled
from optim_core.tuning import gap_at, gap_over_last, sweep

# ----- DiagonalQuadratic --------------------------------------------------------------------------------------


def test_diagonal_quadratic_values_gradient_and_minimum():
    q = DiagonalQuadratic(dim=4, mu=0.1, L=1.0)
    np.testing.assert_allclose(q.h, [0.1, 0.1 ** (2 / 3), 0.1 ** (1 / 3), 1.0], rtol=1e-12)  # log-spaced
    w = np.array([1.0, -2.0, 0.5, 3.0])
    assert q.f(w) == pytest.approx(0.5 * np.sum(q.h * w * w), rel=1e-15)
    eps = 1e-6
    numeric = [(q.f(w + eps * e) - q.f(w - eps * e)) / (2 * eps) for e in np.eye(4)]
    np.testing.assert_allclose(q.grad(w), numeric, rtol=1e-8)
    assert q.f(q.minimum) == q.f_min == 0.0 and np.all(q.grad(q.minimum) == 0)
    np.testing.assert_array_equal(q.x0, np.ones(4))


def test_diagonal_quadratic_is_vectorized_and_matches_the_2d_ravine():
    q = DiagonalQuadratic(dim=2, mu=0.2, L=4.0)
    w = np.random.default_rng(0).normal(size=(5, 3, 2))
    assert q.f(w).shape == (5, 3) and q.grad(w).shape == (5, 3, 2)
    np.testing.assert_allclose(q.f(w), Quadratic(mu=0.2, L=4.0).f(w), rtol=1e-14)
    a = run(GD(0.3), q, RAVINE.x0, 50)
    b = run(GD(0.3), RAVINE, RAVINE.x0, 50)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("kwargs", [{"dim": 0}, {"dim": 2.5}, {"mu": 0.0}, {"L": -1.0}, {"mu": 2.0, "L": 1.0}])
def test_diagonal_quadratic_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        DiagonalQuadratic(**kwargs)


# ----- Scaled ---------------------------------------------------------------------------------------------------


def test_scaled_multiplies_the_gap_and_the_gradient_and_keeps_minimum_and_start():
    p = SURFACES["saddle"]  # f_min = -0.25: the loss is scaled around it
    s = Scaled(p, 100.0)
    x = np.array([[0.3, -0.7], [1.0, 2.0]])
    np.testing.assert_allclose(s.f(x) - s.f_min, 100 * (p.f(x) - p.f_min), rtol=1e-14)
    np.testing.assert_allclose(s.grad(x), 100 * p.grad(x), rtol=1e-15)
    assert s.f_min == p.f_min and s.x0 is p.x0 and s.minimum is p.minimum


def test_scaled_with_a_grid_of_scales_equals_each_scale_alone():
    p = SURFACES["rosenbrock"]
    scales = np.array([0.01, 1.0, 100.0])
    start = np.broadcast_to(p.x0, (3, 2, 2))  # the full batch shape: run() broadcasts x0 against the optimizer only
    batched = run(Momentum(np.array([1e-4, 1e-3])[None, :, None]), Scaled(p, scales[:, None, None]), start, 30)
    assert batched.loss.shape == (31, 3, 2)
    for i, c in enumerate(scales):
        for j, lr in enumerate((1e-4, 1e-3)):
            alone = run(Momentum(lr), Scaled(p, c), steps=30)
            np.testing.assert_array_equal(batched.params[:, i, j], alone.params)
            np.testing.assert_array_equal(batched.loss[:, i, j], alone.loss)
    np.testing.assert_array_equal(Scaled(p, scales[:, None]).loss_scale, scales)


def test_scaled_in_a_sweep_adam_is_blind_to_the_scale_gd_is_not():
    p = SURFACES["rosenbrock"]
    lrs = np.geomspace(1e-4, 1e-1, 7)

    def unscaled(traj, family):
        return gap_at()(traj, family) / family.loss_scale

    adam = sweep(lambda lr: Adam(lr, eps=0.0), lambda scale: Scaled(p, scale), 50, unscaled, scale=(0.1, 10.0), lr=lrs)
    assert adam.scores.shape == (2, 7)
    np.testing.assert_allclose(adam.scores[0], adam.scores[1], rtol=1e-9)
    gd = sweep(GD, lambda scale: Scaled(p, scale), 50, unscaled, scale=(0.1, 10.0), lr=lrs)
    assert not np.allclose(gd.scores[0], gd.scores[1])


def test_scaled_rejects_a_non_positive_scale():
    with pytest.raises(ValueError, match="scale"):
        Scaled(RAVINE, np.array([1.0, 0.0]))


# ----- gap_over_last --------------------------------------------------------------------------------------------


def test_gap_over_last_takes_the_worst_or_the_mean_of_the_last_records():
    traj = run(SignGD(np.array([[0.125], [0.25]])), RAVINE, np.array([-4.37, 0.93]), 60)
    worst = gap_over_last(2)(traj, RAVINE)
    np.testing.assert_array_equal(worst, np.max(traj.loss[-2:], axis=0))
    assert worst[0] > traj.loss[-1, 0] or worst[0] > traj.loss[-2, 0]  # a 2-cycle: one phase is worse
    mean = gap_over_last(5, "mean")(traj, RAVINE)
    np.testing.assert_allclose(mean, traj.loss[-5:].mean(axis=0), rtol=1e-15)


def test_gap_over_last_scores_a_diverged_run_inf_and_subtracts_f_min():
    traj = run(GD(np.array([[0.1], [0.9]])), RAVINE, steps=100)  # 0.9 > 2/L: diverges
    scores = gap_over_last(3, "mean")(traj, RAVINE)
    assert np.isfinite(scores[0]) and scores[1] == np.inf
    saddle = run(GD(0.1), SURFACES["saddle"], steps=400)
    assert gap_over_last(1)(saddle, SURFACES["saddle"]) == pytest.approx(saddle.loss[-1] + 0.25, abs=1e-15)


def test_gap_over_last_rejects_bad_arguments():
    with pytest.raises(ValueError, match="reduce"):
        gap_over_last(2, "median")
    with pytest.raises(ValueError, match="records"):
        gap_over_last(0)


# ----- theory: Adam's step size ----------------------------------------------------------------------------------


def adam_relative_steps(grads, **hyper):
    """|step| of Adam (lr = 1) fed the gradient sequence grads (steps, runs)."""
    opt = Adam(1.0, **hyper)
    w = np.zeros(grads.shape[1:])
    state, out = opt.init(w), []
    for g in grads:
        new_w, state = opt.update(w, g, state)
        out.append(np.abs(new_w - w))
        w = new_w
    return np.array(out)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9), (0.9, 0.99)])
def test_uncorrected_ratio_and_spike_bound_match_adam(betas):
    b1, b2 = betas
    constant = np.ones((300, 1))
    ratio = adam_relative_steps(constant, beta1=b1, beta2=b2, eps=0.0, bias_correction=False)[:, 0]
    corrected = adam_relative_steps(constant, beta1=b1, beta2=b2, eps=0.0)[:, 0]
    np.testing.assert_allclose(corrected, 1.0, rtol=1e-12)  # a constant gradient: every corrected step is lr
    np.testing.assert_allclose(ratio, theory.adam_uncorrected_ratio(np.arange(1, 301), b1, b2), rtol=1e-12)
    assert theory.adam_spike_bound(b1, b2) == pytest.approx(ratio[0], rel=1e-12)


def test_worst_step_is_attained_by_its_sequence_and_beaten_by_none():
    b1, b2, t = 0.9, 0.999, 60
    worst = theory.adam_worst_step(t, b1, b2)
    attained = adam_relative_steps(theory.adam_worst_gradients(t, b1, b2)[:, None], eps=0.0)[-1, 0]
    assert attained == pytest.approx(worst, rel=1e-12)
    rng = np.random.default_rng(3)
    grads = rng.normal(size=(t, 500)) * np.exp(rng.normal(size=(1, 500)) * np.arange(t)[:, None] / 20)
    assert adam_relative_steps(grads, eps=0.0)[-1].max() <= worst * (1 + 1e-12)
    assert theory.adam_worst_step(1, b1, b2) == pytest.approx(1.0, rel=1e-12)


def test_worst_step_grows_to_its_limit_only_if_beta1_squared_is_below_beta2():
    values = [theory.adam_worst_step(t, 0.9, 0.999) for t in (10, 100, 1000, 10_000)]
    limit = theory.adam_worst_step_limit(0.9, 0.999)
    assert np.all(np.diff(values) > 0) and values[-1] < limit
    assert theory.adam_worst_step(100_000, 0.9, 0.999) == pytest.approx(limit, rel=1e-9)
    assert limit == pytest.approx(0.1 / np.sqrt(0.001 * (1 - 0.81 / 0.999)), rel=1e-14)
    assert theory.adam_worst_step_limit(0.99, 0.9) == np.inf
    ratio = theory.adam_worst_step(1100, 0.99, 0.9) / theory.adam_worst_step(1000, 0.99, 0.9)
    assert ratio == pytest.approx((0.99**2 / 0.9) ** 50, rel=1e-3)  # late on, it grows like sqrt(rho)^t
