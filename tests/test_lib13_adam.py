"""Library pieces added for issue 13 with the Adam chapter: problems.Turned, the run measurements of measure
(step_lengths, replayed_steps, first_step, spike_steps, largest_relative_step, first_step_above, relapse,
adam_effective_lr, path_gap, gradients_at, rms_step_at), theory's eps_hat conversion, noisy step size and
uncorrected-ratio helpers, tuning's unscaled_gap_at and window_edges, tables.state_table and plots.lr_windows."""

import numpy as np
import pytest

from optim_core import GD, Adam, Momentum, RMSProp, SignGD, measure, plots, run, theory
from optim_core.problems import (
    RAVINE,
    SADDLE,
    SURFACES,
    DiagonalQuadratic,
    NoisyQuadratic,
    Quadratic,
    Scaled,
    Turned,
    rotation,
)
from optim_core.schedules import cosine
from optim_core.tables import state_table
from optim_core.tuning import gap_at, sweep, unscaled_gap_at, window_edges

# ----- problems.Turned ---------------------------------------------------------------------------------------------


def test_turned_ravine_is_quadratic_turned():
    for degrees in (30.0, 45.0, -70.0):
        turned, reference = Turned(RAVINE, degrees), RAVINE.turned(degrees)
        points = np.random.default_rng(0).normal(size=(50, 2))
        np.testing.assert_allclose(turned.f(points), reference.f(points), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(turned.grad(points), reference.grad(points), rtol=1e-12, atol=1e-14)


def test_turned_moves_start_and_minimum_and_keeps_the_loss_there():
    t = Turned(SADDLE, 45)
    np.testing.assert_allclose(t.x0, rotation(np.pi / 4) @ SADDLE.x0, rtol=1e-15)
    np.testing.assert_allclose(t.minimum, [-np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-15)
    assert t.f(t.minimum) == pytest.approx(t.f_min, abs=1e-15) and t.f(t.x0) == pytest.approx(SADDLE.f(SADDLE.x0))
    np.testing.assert_allclose(t.own(t.x0), SADDLE.x0, rtol=1e-12, atol=1e-15)
    assert t.name == "saddle, turned 45°"


def test_turned_by_zero_is_the_problem_bit_for_bit():
    p = SURFACES["rosenbrock"]
    a, b = run(Adam(0.01), p, steps=50), run(Adam(0.01), Turned(p, 0.0), steps=50)
    assert np.array_equal(a.params, b.params) and np.array_equal(a.loss, b.loss)


def test_gd_and_momentum_follow_the_turned_path_while_adam_does_not():
    turned = Turned(SADDLE, 45)
    for opt in (GD(0.1), Momentum(0.1, beta=0.9)):
        np.testing.assert_allclose(
            turned.own(run(opt, turned, steps=200).params), run(opt, SADDLE, steps=200).params, atol=1e-9
        )
    gap = np.abs(turned.own(run(Adam(0.1), turned, steps=50).params) - run(Adam(0.1), SADDLE, steps=50).params)
    assert gap.max() > 0.1


def test_turned_batched_runs_equal_single_runs():
    turned, lrs = Turned(SURFACES["beale"], 30), np.array([1e-3, 1e-2])[:, None]
    batched = run(Adam(lrs), turned, steps=40).params
    for k, lr in enumerate(lrs[:, 0]):
        assert np.array_equal(batched[:, k], run(Adam(lr), turned, steps=40).params)


def test_turned_bounds_hold_the_turned_box():
    t = Turned(SADDLE, 45)
    (x_lo, x_hi), (y_lo, y_hi) = t.bounds
    corner = np.sqrt(0.5) * (2.0 + 1.6)
    assert (x_lo, x_hi, y_lo, y_hi) == pytest.approx((-corner, corner, -corner, corner))
    assert not hasattr(Turned(DiagonalQuadratic(dim=2), 10), "bounds")


def test_turned_noisy_problem_turns_its_noise_too():
    seeds = np.arange(3)[:, None]
    turned = Turned(NoisyQuadratic(seed=seeds), 30)
    reference = NoisyQuadratic(seed=seeds, angle=np.deg2rad(30))
    w = np.random.default_rng(1).normal(size=(3, 2))
    np.testing.assert_allclose(turned.stochastic_grad(w, 7), reference.stochastic_grad(w, 7), rtol=1e-12, atol=1e-14)
    assert turned.batch_shape == (3,) and not hasattr(Turned(RAVINE, 30), "stochastic_grad")


def test_turned_refuses_bad_input():
    with pytest.raises(ValueError, match="2-D problems only"):
        Turned(DiagonalQuadratic(dim=3), 10)
    for bad in (np.nan, "45", np.array([1.0, 2.0]), True):
        with pytest.raises(ValueError, match="degrees"):
            Turned(RAVINE, bad)


# ----- measurements ------------------------------------------------------------------------------------------------


def test_step_lengths_and_largest_relative_step():
    traj = run(SignGD(0.1), RAVINE, steps=5)
    np.testing.assert_allclose(measure.step_lengths(traj, 0.1), 1.0, rtol=1e-12)  # sign steps are lr long
    assert measure.largest_relative_step(SignGD(np.array([0.1, 0.01])[:, None]), RAVINE, 5) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="record_every=1"):
        measure.step_lengths(run(GD(0.1), RAVINE, steps=10, record_every=5))


def test_replayed_steps_first_step_and_spikes_by_hand():
    # GD's steps are lr |dw| whatever the gradients are; Adam's first step is lr, whatever the first gradient
    grads = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(measure.replayed_steps(GD(0.1), grads), 0.1 * np.abs(grads), rtol=1e-15)
    step, state = measure.first_step(Adam(0.01), np.array([0.3, -2.0]))
    np.testing.assert_allclose(step, [-0.01, 0.01], rtol=1e-6)
    np.testing.assert_allclose(state.m, [0.03, -0.2], rtol=1e-12)
    # a spike after t - 1 zeros: with beta1 = beta2 = 0 and eps = 0, Adam is sign descent, a step of exactly 1
    np.testing.assert_array_equal(measure.spike_steps(Adam(1.0, beta1=0.0, beta2=0.0, eps=0.0), [1, 5, 9]), 1.0)
    # for RMSProp (no bias correction) the spike step is 1 / sqrt(1 - beta) at every t
    np.testing.assert_allclose(measure.spike_steps(RMSProp(1.0, beta=0.99, eps=0.0), [1, 50]), 10.0, rtol=1e-12)


def test_first_step_above():
    values = np.array([[0.1, 0.0], [0.2, -0.7], [0.9, 0.0], [0.1, np.nan]])
    np.testing.assert_array_equal(measure.first_step_above(values, 0.5), [2.0, 1.0])
    assert measure.first_step_above(values[:, 0], 5.0) == np.inf
    assert measure.first_step_above(np.array([np.nan, 1.0]), 0.5) == 1


def test_relapse():
    settled = measure.relapse(np.array([5.0, 1.0, 0.1, 0.01]))
    assert settled == {"low": 0.01, "low_at": 3, "high_after": 0.01, "high_at": 3}
    back = measure.relapse(np.array([5.0, 1e-9, 0.3, 2.0, 0.5]))
    assert back == {"low": 1e-9, "low_at": 1, "high_after": 2.0, "high_at": 3}
    with pytest.raises(ValueError, match="1-D"):
        measure.relapse(np.ones((3, 2)))


def test_adam_effective_lr_is_the_state_of_adam_itself():
    for opt in (Adam(0.05), Adam(cosine(0.1, 30), bias_correction=False), Adam(np.array([0.1, 0.01])[:, None])):
        traj = run(opt, RAVINE, steps=30)
        eta = measure.adam_effective_lr(opt, RAVINE, traj)
        w = traj.params[0]
        state = opt.init(w)
        for t in range(1, 31):
            new_w, state = opt.update(w, RAVINE.grad(w), state)
            m_hat = state.m / (1 - opt.beta1**t) if opt.bias_correction else state.m
            np.testing.assert_allclose(w - new_w, eta[t - 1] * m_hat, rtol=1e-12, atol=1e-300)
            w = new_w
    with pytest.raises(ValueError, match="without amsgrad"):
        measure.adam_effective_lr(Adam(0.1, amsgrad=True), RAVINE, run(Adam(0.1, amsgrad=True), RAVINE, steps=3))
    with pytest.raises(ValueError, match="without amsgrad"):
        measure.adam_effective_lr(RMSProp(0.1), RAVINE, run(RMSProp(0.1), RAVINE, steps=3))


def test_path_gap():
    p = SURFACES["rosenbrock"]
    assert measure.path_gap(GD(1e-3), Momentum(1e-3, beta=0.0), p, 50) == 0.0
    gaps = measure.path_gap(Momentum(1e-3, beta=0.0), GD(np.array([1e-3, 2e-3])[:, None]), p, 50)
    assert gaps.shape == (2,) and gaps[0] == 0.0 < gaps[1]
    assert measure.path_gap(GD(np.array([1e-3, 2e-3])[:, None]), GD(1e-3), p, 50)[0] == 0.0  # either order


def test_gradients_at_and_rms_step_at():
    seeds = np.arange(200)[:, None]
    p = NoisyQuadratic((1.0, 1.0), (0.0, 2.0), seed=seeds, x0=np.ones(2))
    grads = measure.gradients_at(p, np.ones((200, 2)), 5)
    assert grads.shape == (5, 200, 2) and np.all(grads[..., 0] == 1.0)  # no noise on the first coordinate
    assert np.std(grads[..., 1]) == pytest.approx(2.0, rel=0.05)
    mean, se = measure.rms_step_at(SignGD(1.0), p, np.ones((200, 2)), 20, 10)
    np.testing.assert_array_equal(mean, 1.0)  # a sign step is always 1 long
    np.testing.assert_array_equal(se, 0.0)
    with pytest.raises(ValueError, match="two seeds"):
        measure.rms_step_at(SignGD(1.0), NoisyQuadratic(seed=np.array([[0]])), np.ones((1, 2)), 5, 1)


# ----- theory ------------------------------------------------------------------------------------------------------


def test_eps_hat_conversion_reproduces_the_papers_efficient_form():
    # The form before section 2.1 of Kingma & Ba (TensorFlow's): lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), then
    # w -= lr_t m_t / (sqrt(v_t) + eps_hat). It must equal Adam with eps = eps_hat / sqrt(1 - b2^t) at step t.
    lr, b1, b2, eps_hat = 0.01, 0.9, 0.999, 1e-3
    rng = np.random.default_rng(0)
    w_tf = w = np.zeros(3)
    m = v = np.zeros(3)
    state = Adam(lr).init(w)
    for t in range(1, 40):
        g = rng.normal(size=3) * 1e-3
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w_tf = w_tf - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps_hat)
        w, state = Adam(lr, eps=float(theory.adam_eps_from_eps_hat(eps_hat, b2, t))).update(w, g, state)
        np.testing.assert_allclose(w, w_tf, rtol=1e-12, atol=1e-18)
    assert theory.adam_eps_from_eps_hat(1.0, b2, 1) == pytest.approx(np.sqrt(1000))


def test_noisy_rms_step_limits():
    assert theory.adam_noisy_rms_step(1.0, 0.0, 0.9) == 1.0
    assert theory.adam_noisy_rms_step(1.0, 1e8, 0.9) == pytest.approx(np.sqrt(0.1 / 1.9), rel=1e-9)
    np.testing.assert_allclose(theory.adam_noisy_rms_step(1.0, [0.1, 3.0, 100.0], 0.0), 1.0, rtol=1e-15)


def test_uncorrected_ratio_peak_and_settling():
    t, ratio = theory.adam_uncorrected_peak(0.9, 0.999)
    assert ratio == pytest.approx(theory.adam_uncorrected_ratio(t, 0.9, 0.999))
    assert ratio > theory.adam_uncorrected_ratio(t - 1, 0.9, 0.999) and ratio > theory.adam_uncorrected_ratio(
        t + 1, 0.9, 0.999
    )
    settles = theory.adam_uncorrected_settles(1.1, 0.9, 0.999)
    assert (
        theory.adam_uncorrected_ratio(settles - 1, 0.9, 0.999)
        >= 1.1
        > theory.adam_uncorrected_ratio(settles, 0.9, 0.999)
    )
    with pytest.raises(ValueError, match="horizon"):
        theory.adam_uncorrected_settles(1.1, 0.9, 0.999, horizon=100)


# ----- tuning, tables, plots ---------------------------------------------------------------------------------------


def test_unscaled_gap_and_window_edges():
    p, lrs, scales = Quadratic(), np.geomspace(1e-3, 1.0, 7), (0.1, 10.0)
    result = sweep(Momentum, lambda scale: Scaled(p, scale), 200, unscaled_gap_at(), scale=scales, lr=lrs)
    plain = sweep(Momentum, p, 200, gap_at(), lr=lrs)
    final = result.trajectory.params[-1]  # the score is f - f* of the unscaled loss where the runs ended
    ok = np.isfinite(result.scores)
    np.testing.assert_allclose(result.scores[ok], (p.f(final) - p.f_min)[ok], rtol=1e-9)
    assert ok.sum() > 4 and not np.allclose(result.scores[0][ok[0] & ok[1]], result.scores[1][ok[0] & ok[1]])
    edges = window_edges(result, 1e-3)
    for row, edge in zip(result.scores, edges, strict=True):
        ok = row < 1e-3
        assert edge == ((lrs[ok].min(), lrs[ok].max()) if ok.any() else None)
    assert window_edges(plain, 1e-300) == [None]


def test_state_table():
    table = state_table({"GD": GD(0.1), "Adam": Adam()}, 25e6)
    assert "| GD | 0 | 0 MB |" in table and "| Adam | 2 | 200 MB |" in table and "25M float32" in table


def test_lr_windows_draws_one_row_per_mask():
    _, ax = plots.figure()
    plots.lr_windows(ax, [0.1, 1.0, 10.0], [([True, False, True], "red"), ([False] * 3, "blue")], every=1)
    assert ax.get_xscale() == "log" and ax.get_ylim() == (1.5, -0.5)
    squares = [line for line in ax.get_lines() if line.get_marker() == "s"]
    assert [len(line.get_xdata()) for line in squares] == [2, 0]
