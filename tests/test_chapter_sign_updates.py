"""The numbers and claims of the chapter "Sign updates", computed by the functions its notebook calls."""

import numpy as np
import pytest

from optim_core import GD, SignGD
from optim_core.chapters import sign_updates as ch
from optim_core.playground import Playground

LR = ch.LR


@pytest.fixture(scope="module")
def runs():
    return ch.limit_runs()


@pytest.fixture(scope="module")
def votes():
    return ch.vote_experiment()


# ----- S1: RMSProp(beta=0, eps=0) is sign descent; every coordinate moves by exactly +-lr ---------------


def test_rmsprop_beta0_eps0_is_signgd_exactly(runs):
    assert len(runs["SignGD"].loss) - 1 == 60
    assert ch.max_gap(runs["SignGD"], runs["RMSProp (β=0, ε=0)"]) == 0.0


def test_small_eps_changes_the_path_only_slightly(runs):
    gap = ch.max_gap(runs["SignGD"], runs["RMSProp (β=0, ε=1e-8)"])
    assert 0 < gap < 1e-4
    assert gap == pytest.approx(1.539e-5, rel=1e-3)


def test_every_step_has_length_lr_exactly(runs):
    sizes = ch.step_sizes(runs["SignGD"])
    assert sizes.tolist() == [LR]


def test_lr_is_a_power_of_two_and_the_start_is_not_a_multiple_of_it():
    assert np.log2(LR) == int(np.log2(LR))
    assert np.all(np.abs(ch.START) / LR % 1 != 0)


# ----- S2: no settling (a box of side lr), sensitivity to lr, slow convergence ---------------------------


def test_arrival_steps():
    assert ch.arrival_steps().tolist() == [35, 8]


def test_late_iterates_bounce_in_a_box_of_side_lr(runs):
    box = ch.late_box(runs["SignGD"])
    np.testing.assert_array_equal(box["amplitude"], [LR, LR])  # the amplitude is lr, exactly
    assert len(box["points"]) == 2
    np.testing.assert_allclose(box["points"], [[-0.12, -0.07], [0.005, 0.055]], atol=1e-12)
    lo, hi = box["points"]
    assert np.all(lo < 0) and np.all(hi > 0)  # the box straddles the minimum in every coordinate
    assert box["loss_range"] == pytest.approx((0.0060525, 0.01124), rel=1e-9)
    assert box["max_distance"] == pytest.approx(0.12, rel=1e-9)
    assert box["max_distance"] < LR


def test_box_figure_builds():
    fig = ch.box_figure()
    assert len(fig.axes) == 2


def test_gd_best_lr_does_not_depend_on_the_budget_signgd_best_lr_does():
    assert ch.best_lr(GD, steps=100) == pytest.approx(0.39811, rel=1e-4)
    assert ch.best_lr(GD, steps=1000) == pytest.approx(0.39811, rel=1e-4)
    s100, s1000 = ch.best_lr(SignGD, steps=100), ch.best_lr(SignGD, steps=1000)
    assert s100 == pytest.approx(0.050119, rel=1e-4)
    assert s1000 == pytest.approx(0.0050119, rel=1e-4)
    assert s100 / s1000 == pytest.approx(10.0, rel=1e-9)


def test_missing_the_best_lr_is_costly_most_of_all_on_the_small_side():
    best = ch.best_lr(SignGD, steps=1000)
    loss = {
        k: float(ch.sweep_final_loss(SignGD, [lr], steps=1000)[0])
        for k, lr in (("best", best), ("half", best / 2), ("double", best * 2))
    }
    assert loss["best"] == pytest.approx(1.789e-5, rel=1e-3)
    assert loss["double"] == pytest.approx(1.2218e-4, rel=1e-3)
    assert loss["half"] == pytest.approx(0.34841, rel=1e-3)
    assert loss["half"] > 1000 * loss["best"] and loss["double"] > loss["best"]


def test_fewest_steps_to_stay_below_1e_6():
    gd_steps, gd_lr = ch.fewest_steps(GD)
    sign_steps, sign_lr = ch.fewest_steps(SignGD)
    assert (gd_steps, gd_lr) == (88, pytest.approx(0.39811, rel=1e-4))
    assert (sign_steps, sign_lr) == (5499, pytest.approx(7.943e-4, rel=1e-3))
    assert sign_steps / gd_steps == pytest.approx(62.49, rel=1e-3)


def test_steps_to_stay_below_counts_from_the_last_excursion():
    loss = np.array([[5.0], [0.5], [2.0], [0.5], [0.1]])
    assert ch.steps_to_stay_below(loss, 1.0).tolist() == [3]
    assert ch.steps_to_stay_below(loss, 0.01).tolist() == [np.inf]
    assert ch.steps_to_stay_below(loss, 10.0).tolist() == [0]


def test_gd_diverges_past_2_over_L_in_the_sweep():
    assert 2 / ch.RAVINE.L == 0.5
    final = ch.sweep_final_loss(GD, [0.49, 0.51], steps=1000)
    assert final[0] < 1e-10 and final[1] == np.inf


def test_sweep_figure_builds():
    assert len(ch.sweep_figure().axes) == 1


# ----- S3: one bit per coordinate ------------------------------------------------------------------------


def test_packed_signs_are_32_times_smaller_and_round_trip():
    sizes = ch.gradient_bytes(1_000_000)
    assert sizes == {"float32": 4_000_000, "signs": 125_000, "ratio": 32.0, "round_trip": True}
    assert ch.message_bytes(25e6, 32) / 1e6 == 100.0
    assert ch.message_bytes(25e6, 1) / 1e6 == 3.125


def test_unpack_maps_zero_to_plus_one():
    g = np.array([-2.0, 0.0, 3.0, -0.1, 5.0])
    np.testing.assert_array_equal(ch.unpack_signs(ch.pack_signs(g), 5), [-1, 1, 1, -1, 1])


def test_bits_per_step(votes):
    labels = list(votes)
    assert [votes[k]["bits"] for k in labels] == [576_000, 18_000, 2_000]
    assert votes[labels[0]]["bits"] / votes[labels[1]]["bits"] == 32.0


def test_majority_vote_against_averaging(votes):
    gd, vote, one = (votes[k] for k in votes)
    assert float(gd["loss"][0]) == pytest.approx(195.512, rel=1e-5)
    assert gd["final"] == pytest.approx(1.922, rel=1e-3)
    assert vote["final"] == pytest.approx(3.575, rel=1e-3)
    assert one["final"] == pytest.approx(13.22, rel=1e-3)
    assert gd["final"] < vote["final"] < one["final"]  # per step: averaging, then the vote, then one worker
    mbit_gd, mbit_vote = ch.bits_to_reach(gd, 10.0) / 1e6, ch.bits_to_reach(vote, 10.0) / 1e6
    assert mbit_gd == pytest.approx(57.6, rel=1e-9)
    assert mbit_vote == pytest.approx(2.214, rel=1e-9)
    assert mbit_gd / mbit_vote == pytest.approx(26.02, rel=1e-3)  # per bit: the vote
    assert ch.bits_to_reach(one, 10.0) == np.inf


def test_vote_lrs_are_inside_the_grid(votes):
    for r in votes.values():
        assert ch.VOTE_LRS[0] < r["lr"] < ch.VOTE_LRS[-1]


def test_workers_vote_is_the_sign_of_the_summed_signs():
    problem = ch.DiagonalQuadratic(dim=5)
    x = np.linspace(-1, 1, 5)
    voting = ch.Workers(problem, workers=3, noise=1.0, rule="vote")
    vote, local = voting.stochastic_grad(x, step=4), voting.messages(x, step=4)
    np.testing.assert_array_equal(vote, np.sign(np.sign(local).sum(axis=0)))
    mean = ch.Workers(problem, workers=3, noise=1.0, rule="mean").stochastic_grad(x, step=4)
    np.testing.assert_allclose(mean, local.mean(axis=0))
    with pytest.raises(ValueError, match="rule"):
        ch.Workers(problem, rule="median")


def test_vote_figure_builds(votes):
    assert len(ch.vote_figure(votes, tol=10.0).axes) == 2


# ----- exercises -------------------------------------------------------------------------------------------


def test_exercise_one_d_cycle():
    cycle = ch.one_d_cycle(1.05, 0.1, 4.0)
    assert cycle["arrival"] == 11
    np.testing.assert_allclose(cycle["points"], [-0.05, 0.05], atol=1e-12)
    np.testing.assert_allclose(cycle["loss"], [0.005, 0.005], atol=1e-12)


def test_exercise_jury():
    assert ch.majority_correct(0.6, 1) == pytest.approx(0.6)
    assert ch.majority_correct(0.6, 9) == pytest.approx(0.73343232, rel=1e-8)
    assert ch.majority_correct(0.6, 27) == pytest.approx(0.85534824, rel=1e-7)


# ----- the playground -------------------------------------------------------------------------------------


def test_playground_key_budget_and_default():
    pg = ch.playground()
    assert isinstance(pg, Playground) and pg.key == "sign_updates"
    assert np.prod(pg.grid_shape) * len(pg.optimizers) * (pg.steps + 1) <= 90_000
    paths, _ = pg.grid()
    assert np.all(np.isfinite(paths[1]))  # SignGD never diverges on the grid
    assert "±0.1" in ch.readout(0.1, -4.4, 0.95)
