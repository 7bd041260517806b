"""Every number and claim of the chapter "Gradient descent and the ravine" (book/02_gradient_descent.ipynb)."""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import GD, run
from optim_core.chapters import gradient_descent as ch
from optim_core.problems import RAVINE, Quadratic, Scaled
from optim_core.theory import gd_rate


def test_quoted_values(numbers):
    assert_quoted(numbers, "gradient_descent")


def test_ravine_is_the_books_quadratic():
    assert (RAVINE.mu, RAVINE.L, RAVINE.kappa) == (0.2, 4.0, 20.0)
    np.testing.assert_allclose(RAVINE.grad(RAVINE.x0), [-0.9, 4.0])


# ----- two factors, zig-zag and crawl --------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.1, 0.3, 0.45, 0.48, 0.52])
def test_each_coordinate_is_a_geometric_sequence(lr):
    traj = run(GD(lr), RAVINE, RAVINE.x0, 30)
    t = np.arange(31)[:, None]
    np.testing.assert_allclose(traj.params, RAVINE.x0 * np.array(ch.factors(lr, RAVINE)) ** t, rtol=1e-12, atol=1e-300)


def test_crawl_at_small_lr_and_zig_zag_at_large(numbers):
    # "after 40 steps w1 is still at -2.01, far from the minimum at 0": it has covered less than half the way
    assert abs(numbers["gd_crawl_w1"]) > 0.4 * abs(RAVINE.x0[0])
    runs = ch.ravine_runs(ch.TRAJECTORY_LRS, ch.TRAJECTORY_STEPS)
    w2 = {k: v.params[:, 1] for k, v in runs.items()}
    assert np.all(w2["α = 0.1"] >= 0)  # no zig-zag at 0.1 (positive steep factor)
    assert np.all(np.sign(w2["α = 0.48"][1:]) != np.sign(w2["α = 0.48"][:-1]))  # every step at 0.48


def test_no_memory_every_steep_step_overshoots_and_averaging_would_cancel_it(numbers):
    assert numbers["gd_flip_w2"] == 1.0 and numbers["gd_flip_w1"] == 0.0
    assert numbers["gd_kept_w1"] > 8 * numbers["gd_kept_w2"]


# ----- the threshold 2/L ---------------------------------------------------------------------------------------


def test_runs_below_and_above_the_threshold(numbers):
    below, above = ch.threshold_runs(ch.THRESHOLD_FRACTIONS, ch.THRESHOLD_STEPS).values()
    assert below.diverged_at is None and below.final_loss < 1e-15
    assert above.diverged_at == numbers["gd_diverged_at"]
    late = above.loss[150:200]
    # "the zig-zag grows by a tenth at every step, the loss by about a fifth": |thr_high|^2 per step
    np.testing.assert_allclose(late[1:] / late[:-1], numbers["gd_thr_high"] ** 2, rtol=1e-6)
    assert abs(numbers["gd_thr_low"]) < 1 < abs(numbers["gd_thr_high"])


def test_sweep_brackets_two_over_L(numbers):
    assert numbers["gd_bracket_low"] < 2 / RAVINE.L < numbers["gd_bracket_high"]
    lrs = ch.SWEEP_LRS
    assert np.count_nonzero((lrs > numbers["gd_bracket_low"]) & (lrs < numbers["gd_bracket_high"])) == 0  # neighbours


def test_best_swept_lr_is_just_below_the_cliff_and_the_cliff_is_abrupt(numbers):
    best = numbers["gd_best_swept"]
    assert best < 2 / RAVINE.L
    assert abs(best - numbers["gd_optimal_lr"]) / numbers["gd_optimal_lr"] < 0.02
    s = ch.lr_sweep(ch.SWEEP_STEPS)
    final = s.scores
    i_best = s.best_index[0]
    assert np.all(np.diff(final[: i_best + 1]) < 0)  # falls steadily up to the best rate
    first_above = int(np.argmax(ch.SWEEP_LRS > 2 / RAVINE.L))
    assert ch.SWEEP_LRS[first_above] < 1.07 * best  # "a few percent beyond the best rate"
    assert final[first_above] > 1e6 * final[i_best]  # "the loss climbs by orders of magnitude"


def test_playground_diverges_above_two_over_L():
    assert ch.PLAYGROUND_LRS[-3] < 2 / RAVINE.L == ch.PLAYGROUND_LRS[-2] < ch.PLAYGROUND_LRS[-1]
    for kappa in ch.PLAYGROUND_KAPPAS:
        assert run(GD(ch.PLAYGROUND_LRS[-1]), Quadratic.from_condition(kappa), RAVINE.x0, 200).diverged_at is not None


# ----- the condition number --------------------------------------------------------------------------------------


def test_distance_shrinks_by_the_predicted_rate_at_two_over_L_plus_mu(numbers):
    assert numbers["gd_rate_measured"] == pytest.approx(numbers["gd_rate_formula"], rel=1e-12)
    lrs = np.linspace(0.01, 0.55, 1001)  # the optimum: any other lr has a larger worst factor
    assert np.all(gd_rate(lrs, (RAVINE.mu, RAVINE.L)) >= numbers["gd_rate_formula"] - 1e-15)


@pytest.mark.parametrize("kappa", [5.0, 100.0])
def test_measured_rate_other_kappas(kappa):
    assert ch.measured_rate(kappa) == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12)


def test_steps_to_tolerance_are_the_predicted_count(numbers):
    rows = {r["kappa"]: r["steps"] for r in ch.kappa_table(ch.KAPPAS, ch.TOLERANCE)}
    for kappa, steps in rows.items():
        assert steps == ch.predicted_steps(kappa, ch.TOLERANCE)
    for kappa in (20, 100, 1000):
        assert numbers[f"gd_steps_k{kappa}"] == rows[kappa]


def test_steps_grow_linearly_in_kappa(numbers):
    rows = [r for r in ch.kappa_table(ch.KAPPAS, ch.TOLERANCE) if r["kappa"] >= 10]
    slope = np.polyfit(np.log([r["kappa"] for r in rows]), np.log([r["steps"] for r in rows]), 1)[0]
    assert 0.97 < slope < 1.03
    assert all(3.5 < r["per_kappa"] < 4.0 for r in rows)
    assert numbers["gd_per_kappa_1000"] == numbers["gd_steps_k1000"] / 1000


def test_a_gradient_size_is_not_a_curvature(numbers):
    # the first gradients differ by 4 / 0.9, curvature times distance, not by kappa = 20
    assert numbers["gd_grad_ratio"] == pytest.approx((RAVINE.L * 1.0) / (RAVINE.mu * 4.5), rel=1e-12)
    assert numbers["gd_grad_ratio"] < RAVINE.kappa / 4


def test_gd_is_not_invariant_to_the_scale_of_the_loss():
    # "for c f every step is c times longer, so the good alpha moves to alpha / c"
    for c in (0.01, 3.0, 100.0):
        scaled = run(GD(0.4 / c), Scaled(RAVINE, c), RAVINE.x0, 60).params
        np.testing.assert_allclose(scaled, run(GD(0.4), RAVINE, RAVINE.x0, 60).params, rtol=1e-9, atol=1e-12)
    assert not np.allclose(run(GD(0.4), Scaled(RAVINE, 3.0), RAVINE.x0, 10).params, run(GD(0.4), RAVINE).params[:11])


# ----- noisy gradients ------------------------------------------------------------------------------------------


def test_noisy_setting_is_the_one_the_prose_states(numbers):
    assert (ch.NOISE_SIGMA, ch.NOISE_BATCH, len(ch.NOISE_LRS)) == (1.0, 1, 43)
    assert (ch.FLOOR_FROM, ch.FLOOR_STEPS) == (200, 1000)
    assert numbers["gd_noise_seeds"] == ch.NOISE_SEEDS == 16 and numbers["gd_floor_seeds"] == ch.FLOOR_SEEDS
    assert ch.NOISE_LRS[0] == 1e-3 and ch.NOISE_LRS[-1] == 0.7


def test_noise_floor_formula_and_its_measurement(numbers):
    lr = numbers["gd_optimal_lr"]
    formula = sum(lr * 1.0 / (2 * 1 * (2 - lr * lam)) for lam in (RAVINE.mu, RAVINE.L))  # sigma = 1, B = 1
    assert numbers["gd_floor_formula"] == pytest.approx(formula, rel=1e-12)
    # the measurement agrees within three standard errors, and the standard error is small
    assert abs(numbers["gd_floor_measured"] - formula) < 3 * numbers["gd_floor_se"]
    assert numbers["gd_floor_se"] < 0.03 * formula
    # "about two thirds of its starting value"
    assert numbers["gd_start_loss"] == RAVINE.f(RAVINE.x0) == 4.025
    assert 0.6 < numbers["gd_floor_measured"] / numbers["gd_start_loss"] < 0.72


def test_with_noise_the_best_lr_is_far_below_the_cliff_and_moves_with_the_budget(numbers):
    exact = ch.exact_sweep()
    # exact gradients: the last grid point below 2/L, for both budgets
    last_below = ch.NOISE_LRS[ch.NOISE_LRS < 2 / RAVINE.L][-1]
    assert ch.best_lr(exact, 100) == numbers["gd_exact_best_1000"] == last_below
    best_100, best_1000 = numbers["gd_noise_best_100"], numbers["gd_noise_best_1000"]
    assert best_1000 < best_100 < 0.5 * 2 / RAVINE.L
    assert best_100 / best_1000 > 5
    for best in (best_100, best_1000):
        assert ch.NOISE_LRS[0] < best < ch.NOISE_LRS[-1]


def test_noisy_curves_follow_the_floor_right_of_the_best_lr():
    noisy = ch.noise_sweep()
    for budget, (lo, hi) in {1000: (0.85, 1.25), 100: (0.65, 1.35)}.items():
        late = ch.late_loss(noisy, budget)
        right = (ch.NOISE_LRS >= ch.best_lr(noisy, budget)) & (ch.NOISE_LRS < 0.45)
        ratio = late[right] / ch.noise_floor(ch.NOISE_LRS[right])
        assert np.all((lo < ratio) & (ratio < hi)), (budget, ratio)
    # left of the best rate the loss is far above the floor: the approach is not over
    late = ch.late_loss(noisy, 1000)
    assert late[0] > 100 * ch.noise_floor(ch.NOISE_LRS[0])


def test_a_cosine_schedule_ends_lower_than_the_best_constant_lr(numbers):
    assert numbers["gd_noise_loss_1000"] == ch.late_loss(ch.noise_sweep(), 1000).min()
    assert numbers["gd_cosine_loss"] < 0.5 * numbers["gd_noise_loss_1000"]
    assert numbers["gd_noise_best_1000"] < numbers["gd_cosine_lr"] < ch.NOISE_LRS[-1]  # it can start larger


def test_noise_figure_builds():
    assert len(ch.noise_figure().axes) == 1


# ----- exercises --------------------------------------------------------------------------------------------------


def test_exercise_1_the_steep_direction_settles_before_the_floor_is_started(numbers):
    assert abs(numbers["gd_ex1_w1"]) > 0.7 * abs(RAVINE.x0[0])  # "the valley floor has hardly been started"
    assert 0 < -numbers["gd_ex1_steep"] < numbers["gd_ex1_shallow"] < 1


def test_exercise_2_edge_of_stability(numbers):
    _, last_w2 = ch.edge_of_stability(steps=200)
    np.testing.assert_allclose(np.abs(last_w2), 1.0, rtol=1e-12)
    assert np.all(last_w2[1:] == -last_w2[:-1])


def test_exercise_3_rotation_changes_nothing(numbers):
    assert numbers["gd_ex3_gap"] < 1e-12


def test_exercise_4_one_over_L_takes_fewer_than_twice_the_steps(numbers):
    assert numbers["gd_ex4_ratio"] == numbers["gd_ex4_steps"] / numbers["gd_steps_k100"]
    assert 1.5 < numbers["gd_ex4_ratio"] < 2.0


# ----- the playground ---------------------------------------------------------------------------------------------


def test_playground_slider_holds_one_over_L_and_two_over_L():
    lrs = ch.playground().sliders[0].values
    assert 0.5 in lrs and 0.25 in lrs


def test_playground_readout():
    assert "stalls" in ch.readout(0.5, 20.0)
    assert "diverges" in ch.readout(ch.PLAYGROUND_LRS[-1], 20.0)
    text = ch.readout(0.25, 100.0)
    assert "converges" in text and "(κ-1)/(κ+1) = 0.980" in text and "2/L = 0.5" in text
