"""The numbers and claims of the chapter "Sign updates": every value its prose quotes, through numbers()."""

import ast

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import GD, SignGD, run
from optim_core.chapters import sign_updates as ch
from optim_core.problems import DiagonalQuadratic, Scaled, Workers


def test_quoted_values(numbers):
    assert_quoted(numbers, "sign_updates")


# ----- RMSProp(beta=0, eps=0) is sign descent; every coordinate moves by exactly +-lr ---------------------------


def test_rmsprop_beta0_eps0_is_signgd_exactly_and_small_eps_barely_differs(numbers):
    assert numbers["exact_gap"] == 0.0
    assert 0 < numbers["eps_gap"] < 1e-4


def test_every_step_has_length_lr_exactly(numbers):
    assert (numbers["n_sizes"], numbers["the_size"]) == (1, ch.LR)


def test_lr_is_a_power_of_two_and_the_start_is_not_a_multiple_of_it():
    assert np.log2(ch.LR) == int(np.log2(ch.LR))
    assert np.all(np.abs(ch.START) / ch.LR % 1 != 0)


# ----- no settling: a box of side lr around the minimum -----------------------------------------------------------


def test_late_iterates_bounce_between_two_corners_of_a_box_of_side_lr(numbers):
    assert numbers["amp_1"] == numbers["amp_2"] == ch.LR  # the amplitude is lr, exactly
    assert numbers["n_points"] == 2
    assert (numbers["pt_a"], numbers["pt_b"]) == ("(-0.12, -0.07)", "(0.005, 0.055)")
    lo, hi = (np.array(ast.literal_eval(numbers[k])) for k in ("pt_a", "pt_b"))
    assert np.all(lo < 0) and np.all(hi > 0)  # the box straddles the minimum in every coordinate
    np.testing.assert_allclose(hi - lo, ch.LR, rtol=1e-12)  # opposite corners
    assert numbers["box_dist"] < ch.LR  # within lr of the minimum
    assert numbers["box_loss_lo"] < numbers["box_loss_hi"]  # and the loss keeps jumping


# ----- sensitivity to lr, slow convergence ----------------------------------------------------------------------


def test_gd_best_lr_does_not_depend_on_the_budget_signgd_best_lr_does(numbers):
    assert numbers["gd_best_100"] == numbers["gd_best_1000"]
    assert numbers["sign_best_100"] / numbers["sign_best_1000"] == pytest.approx(10.0, rel=1e-9)


def test_missing_the_best_lr_is_costly_most_of_all_on_the_small_side(numbers):
    best, half, double = (numbers[f"sign_loss_{k}"] for k in ("best", "half", "double"))
    assert half > 1000 * best and double > best and half > double


def test_signgd_needs_many_times_more_steps_to_stay_below_1e_6(numbers):
    assert numbers["fewest_ratio"] == numbers["sign_fewest"] / numbers["gd_fewest"]
    assert numbers["sign_fewest_lr"] < numbers["sign_best_1000"]  # a smaller box takes a smaller lr


def test_gd_diverges_past_2_over_L(numbers):
    assert numbers["two_over_L"] == 2 / ch.RAVINE.L == 0.5
    final = ch.losses_at(GD, [0.49, 0.51], steps=1000)
    assert final[0] < 1e-10 and final[1] == np.inf


def test_the_best_lr_is_inside_the_grid(numbers):
    for name in ("gd_best_100", "sign_best_100", "sign_best_1000", "sign_fewest_lr"):
        assert ch.SWEEP_LRS[0] < numbers[name] < ch.SWEEP_LRS[-1], name


# ----- the turned ravine -----------------------------------------------------------------------------------------


def test_the_setting_the_prose_states_for_the_turned_ravine():
    assert ch.TURNS == (0.0, 22.5, 45.0) and (ch.TURN_STEPS, ch.TURN_LAST) == (2000, 100) and ch.LR == 0.125


def test_the_first_row_of_the_turned_table_is_the_axis_aligned_ravine(numbers):
    first = ch.turned_rows()[0]
    assert first["turn"] == 0.0 and first["n"] == numbers["n_points"] == 2
    assert first["loss"] == numbers["box_loss_hi"] and first["fewest"] == numbers["sign_fewest"]
    assert (first["best_100"], first["best_1000"]) == (numbers["sign_best_100"], numbers["sign_best_1000"])
    assert numbers["turn_dist_0"] == first["dist"] < 1.5  # each coordinate within lr, so within sqrt(2) lr


def test_turned_ravines_keep_steps_of_lr_and_a_2_cycle_but_not_around_the_minimum(numbers):
    rows = ch.turned_rows()
    for r in rows:
        assert r["n"] == 2  # still a 2-cycle
        assert r["best_100"] / r["best_1000"] > 8  # the best lr still shrinks with the budget
    problem, x0 = ch.turned(22.5)
    moves = np.abs(np.diff(run(SignGD(ch.LR), problem, x0, 300).params, axis=0))
    np.testing.assert_allclose(moves, ch.LR, rtol=1e-12)  # every coordinate moves by lr at every step
    for d in (22, 45):
        assert numbers[f"turn_dist_{d}"] > 5 * numbers["turn_dist_0"]  # far outside the box
    assert numbers["turn_loss_ratio"] == numbers["turn_loss_22"] / numbers["box_loss_hi"] > 8
    assert numbers["turn_loss_45"] > 8 * numbers["box_loss_hi"]


def test_turned_ravines_take_sign_descent_longer_and_gd_the_same(numbers):
    assert numbers["turn_fewest_22"] > numbers["sign_fewest"] and numbers["turn_fewest_45"] > numbers["sign_fewest"]
    assert ch.fewest_steps(GD, 22.5)[0] == numbers["gd_fewest"]  # GD does not see the turn
    assert "| 22.5° | 2 |" in ch.turned_markdown(ch.turned_rows())


def test_sign_descent_ignores_any_positive_rescaling_of_a_coordinates_gradient():
    # the summary card: "invariant to any positive rescaling of each coordinate's gradient, the scale of the loss
    # included"; GD is not
    problem, x0 = ch.turned(22.5)
    base = run(SignGD(ch.LR), problem, x0, 200).params
    for c in (1e-3, 7.0, 1e4):
        np.testing.assert_array_equal(run(SignGD(ch.LR), Scaled(problem, c), x0, 200).params, base)
    w, state, opt = x0, SignGD(ch.LR).init(x0), SignGD(ch.LR)
    for _ in range(50):  # each coordinate's gradient multiplied by its own positive factor
        new, state = opt.update(w, problem.grad(w) * np.array([0.01, 300.0]), state)
        np.testing.assert_array_equal(new, w - ch.LR * np.sign(problem.grad(w)))
        w = new


def test_turned_figure_builds():
    assert len(ch.turned_figure().axes) == 2


# ----- one bit per coordinate -------------------------------------------------------------------------------------


def test_packed_signs_are_32_times_smaller_and_round_trip(numbers):
    assert (numbers["bytes_f32"], numbers["bytes_sign"], numbers["bytes_ratio"]) == (4_000_000, 125_000, 32.0)
    assert numbers["round_trip"] == "yes"
    assert (numbers["big_f32_mb"], numbers["big_sign_mb"]) == (100.0, 3.125)


def test_unpack_maps_zero_to_plus_one():
    g = np.array([-2.0, 0.0, 3.0, -0.1, 5.0])
    np.testing.assert_array_equal(ch.unpack_signs(ch.pack_signs(g), 5), [-1, 1, 1, -1, 1])


# ----- majority vote across workers -------------------------------------------------------------------------------


def test_the_vote_sends_32_times_fewer_bits(numbers):
    assert (numbers["bits_gd"], numbers["bits_vote"]) == (576_000, 18_000)  # 2 x 9 workers x 1000 x 32 (or 1) bits
    assert numbers["bits_ratio"] == 32.0


def test_majority_vote_loses_per_step_and_wins_per_bit(numbers):
    assert numbers["final_gd"] < numbers["final_vote"] < numbers["final_one"]
    assert numbers["final_one"] > 10.0  # the lone sign worker never gets below the dotted line
    assert numbers["mbit_gd"] / numbers["mbit_vote"] == numbers["mbit_ratio"] > 10
    assert numbers["start_loss"] > 10.0


def test_the_vote_wins_per_bit_on_more_seeds_and_on_the_turned_problem(numbers):
    assert numbers["seeds_n"] == len(ch.VOTE_SEEDS) == 4 and 0 not in ch.VOTE_SEEDS
    assert (ch.VOTE_DIM, ch.VOTE_TURN) == (1000, 45.0)  # pairs (i, i + 500) turned by 45 degrees
    for seed in (*ch.VOTE_SEEDS, 0):
        gd, vote, one = (r["final"] for r in ch.vote_transfer(seed).values())
        assert gd < vote < one  # the order per step stays the same
    turned = [r["final"] for r in ch.vote_transfer(0, ch.VOTE_TURN).values()]
    assert turned[0] < turned[1] < turned[2]
    assert 10 < numbers["seeds_ratio_lo"] <= numbers["mbit_ratio"] <= numbers["seeds_ratio_hi"] < 32
    assert 10 < numbers["turned_ratio"] < 32
    # seed 0 at the tuned lrs is the tuned run itself
    for label, r in ch.vote_experiment().items():
        assert ch.vote_transfer(0)[label]["final"] == pytest.approx(r["final"], rel=1e-12)


def test_error_feedback_gives_sgds_progress_and_removes_the_floor(numbers):
    assert numbers["ef_final"] < 0.8 * numbers["final_one"]  # far below plain signSGD's
    assert numbers["ef_final"] == pytest.approx(numbers["ef_sgd_final"], rel=0.02)  # as uncompressed SGD
    assert numbers["ef_fewest"] < numbers["gd_fewest"] < numbers["sign_fewest"]
    for r in ch.feedback_experiment().values():
        assert ch.VOTE_LRS[0] < r["lr"] < ch.VOTE_LRS[-1]
    # the lone sign worker of the vote experiment is plain signSGD on the same noisy gradients
    lr = ch.vote_experiment()["SignGD (1 worker)"]["lr"]
    plain = run(SignGD(lr), Workers(DiagonalQuadratic(1000), 1, 1.0, "mean", 0), steps=ch.VOTE_STEPS).loss
    assert plain[-ch.VOTE_LAST :].mean() == pytest.approx(numbers["final_one"], rel=1e-12)


def test_each_setup_is_at_an_lr_inside_its_grid():
    for r in ch.vote_experiment().values():
        assert ch.VOTE_LRS[0] < r["lr"] < ch.VOTE_LRS[-1]


def test_workers_vote_is_the_sign_of_the_summed_signs():
    problem = DiagonalQuadratic(dim=5)
    x = np.linspace(-1, 1, 5)
    voting = ch.Workers(problem, workers=3, noise=1.0, rule="vote")
    vote, local = voting.stochastic_grad(x, step=4), voting.messages(x, step=4)
    np.testing.assert_array_equal(vote, np.sign(np.sign(local).sum(axis=0)))
    mean = ch.Workers(problem, workers=3, noise=1.0, rule="mean").stochastic_grad(x, step=4)
    np.testing.assert_allclose(mean, local.mean(axis=0))
    with pytest.raises(ValueError, match="rule"):
        ch.Workers(problem, rule="median")


# ----- exercises --------------------------------------------------------------------------------------------------


def test_exercise_one_d_cycle(numbers):
    assert (numbers["ex1_lo"], numbers["ex1_hi"]) == (pytest.approx(-0.05, abs=1e-12), pytest.approx(0.05, abs=1e-12))
    assert numbers["ex1_loss"] == pytest.approx(2 * 0.05**2, rel=1e-9)
    assert numbers["ex1_arrival"] == int(np.ceil(1.05 / 0.1))


def test_exercise_jury(numbers):
    assert ch.majority_correct(0.6, 1) == pytest.approx(0.6)
    assert 0.6 < numbers["jury_9"] < numbers["jury_27"] < 1


# ----- figures and the playground ---------------------------------------------------------------------------------


def test_figures_build():
    assert len(ch.box_figure().axes) == 2
    assert len(ch.sweep_figure().axes) == 1
    assert len(ch.vote_figure().axes) == 2


def test_playground_gd_blows_up_past_2_over_L_and_signgd_never_does():
    pg = ch.playground()
    paths, _ = pg.grid()  # (optimizer, lr, x0, y0, step, coordinate)
    lrs = np.array(pg.sliders[0].values)
    gd_finite = np.isfinite(paths[0]).all(axis=(1, 2, 3, 4))
    np.testing.assert_array_equal(gd_finite, lrs < 2 / ch.RAVINE.L)
    assert np.all(np.isfinite(paths[1]))
    text = ch.readout(0.1, -4.4, 0.95)
    assert "exactly ±0.1," in text and "at least 44 steps" in text and "2/L = 0.5" in text  # 44 = ceil(4.4 / 0.1)
