"""Every number and claim of the chapter "When Adam fails, and what was done about it" (book/12_when_adam_fails.ipynb).

tests/quoted/when_adam_fails.toml pins each quoted value (tolerances: 1e-9 for closed forms and hand computations, 1e-4
for the one-weight online runs, 1e-3 for the digits runs, whose sums BLAS may order differently, and
less than one image, 100/360 points, for accuracies); the other tests check the claims the prose makes."""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import GD, Adam, AdamW, Lion, SignGD, run
from optim_core.base import state_count
from optim_core.chapters import get
from optim_core.chapters import when_adam_fails as ch
from optim_core.models import digits_mlp, digits_split
from optim_core.online import average_regret, period_mean, projected_run, rare_slopes, settled_ema, settled_moves
from optim_core.problems import RAVINE
from optim_core.schedules import inverse_sqrt

HAND, RUN, DIGITS, ACC = 1e-9, 1e-4, 1e-3, 0.1


def test_quoted_values(numbers):
    assert_quoted(numbers, "when_adam_fails")


# ----- the counterexample -----------------------------------------------------------------------------------


def test_paper_setting():
    assert ch.BETA2 == pytest.approx(1 / (1 + ch.C**2), rel=1e-15)
    np.testing.assert_array_equal(ch.GRADS[:7], [3, -1, -1, 3, -1, -1, 3])
    assert ch.GRADS.mean() > 0  # the average slope (C - 2)/3 is positive: the best fixed w is -1
    opts = ch.paper_optimizers()
    for label in ("Adam", "AMSGrad"):
        assert float(opts[label].beta1) == 0.0 and float(opts[label].eps) == 0.0
        assert opts[label].bias_correction is False
    assert opts["AMSGrad"].amsgrad is True and opts["Adam"].amsgrad is False
    assert float(opts["GD"].lr(4)) == pytest.approx(ch.ALPHA / 2)  # alpha / sqrt(t)


def test_adam_goes_to_the_worst_point_amsgrad_and_gd_to_the_optimum(numbers):
    assert ch.ALPHA < numbers["alpha_bound"]  # the proof's assumption holds
    assert numbers["final_Adam"] > 0.99 and numbers["final_AMSGrad"] < -0.99 and numbers["final_GD"] < -0.98
    # Adam's average regret levels off at that of sitting at +1; the others still fall like 1/sqrt(t)
    assert abs(numbers["regret_Adam"] - numbers["limit_regret"]) < 0.01
    for label in ("AMSGrad", "GD"):
        r = average_regret(ch.counterexample()[label], ch.GRADS)
        assert r[-1] < r[ch.STEPS // 10] < r[ch.STEPS // 100]


def test_started_at_the_optimum_adam_walks_away(numbers):
    xs = ch.counterexample(x1=-1.0)["Adam"]
    assert xs[0] == -1.0 and xs[numbers["arrival"] - 1] >= 0.99 > xs[numbers["arrival"] - 2]
    assert ch.from_optimum()["final"] > 0.99


def test_bias_correction_does_not_rescue_adam():
    opt = Adam(inverse_sqrt(ch.ALPHA), beta1=0.0, beta2=ch.BETA2, eps=1e-8)
    assert period_mean(projected_run(opt, ch.GRADS, ch.X1), ch.PERIOD) > 0.99


def test_the_settled_cycle(numbers):
    beta2, v = ch.BETA2, settled_ema(rare_slopes(ch.PERIOD, ch.C, ch.PERIOD) ** 2, ch.BETA2)
    assert beta2 * v[-1] + (1 - beta2) * ch.C**2 == pytest.approx(v[0], rel=1e-12)  # a fixed point of one cycle
    assert list(v) == [numbers["v1"], numbers["v2"], numbers["v3"]]
    moves = settled_moves(beta2, ch.C, ch.PERIOD)
    assert ch.drift(beta2) == pytest.approx(moves["Adam"].sum(), abs=1e-15)
    for label in ("Adam", "AMSGrad", "GD"):
        moves = [numbers[f"move_{label}_{k}"] for k in (1, 2, 3)]
        assert sum(moves) == pytest.approx(numbers[f"net_{label}"], abs=1e-12)
    assert numbers["net_Adam"] > 0 > numbers["net_AMSGrad"]  # Adam drifts up, AMSGrad down
    assert numbers["move_Adam_2"] + numbers["move_Adam_3"] > -numbers["move_Adam_1"]  # two small pushes win
    # under AMSGrad each small gradient moves w a third as far as the large one
    assert numbers["move_AMSGrad_2"] == pytest.approx(-numbers["move_AMSGrad_1"] / ch.C)
    assert numbers["memory_v"] == pytest.approx(1 / (1 - numbers["beta2_paper"]))


def test_flip_threshold_and_sign_descent_limit(numbers):
    flip = numbers["flip_beta2"]
    assert ch.drift(flip - 0.01) > 0 > ch.drift(flip + 0.01)
    assert ch.BETA2 < flip  # the paper's setting is on the failing side
    assert numbers["sign_limit"] == pytest.approx(-1 + 1 + 1, abs=1e-10)  # sign descent: -1 + 1 + 1 per cycle


def test_larger_c_still_drifts_up(numbers):
    assert numbers["drift_c10"] > numbers["net_Adam"] > 0


def test_hand_cycle_exercise(numbers):
    assert numbers["hand_v1"] == pytest.approx((1 - ch.BETA2) * 9)
    assert numbers["w1"] == pytest.approx(ch.X1 - numbers["hand_move1"])  # w_0 = X1 = 1
    assert numbers["w2"] == pytest.approx(numbers["w1"] + numbers["hand_move2"])
    assert numbers["hand_before_clip"] > 1 and numbers["w3"] == 1.0  # the projection clips it back to 1
    assert numbers["hand_small_total"] == pytest.approx(numbers["hand_move2"] + numbers["hand_move3"])
    assert numbers["hand_small_total"] > numbers["hand_move1"]
    np.testing.assert_allclose(ch.first_steps(), [ch.X1, numbers["w1"], numbers["w2"], numbers["w3"]])
    # the hand computation is the optimizer's own: v_t from the state of Adam after each step
    opt, w = ch.paper_optimizers()["Adam"], np.array([ch.X1])
    state, vs = opt.init(w), []
    for g in ch.GRADS[: ch.PERIOD]:
        w, state = opt.update(w, np.array([g]), state)
        vs.append(float(state.v[0]))
    np.testing.assert_allclose(vs, [numbers["hand_v1"], numbers["hand_v2"], numbers["hand_v3"]], rtol=1e-12)


def test_failure_map(numbers):
    adam = ch.failure_map()
    assert adam.size == numbers["map_cells"] == len(ch.MAP_BETA1) * len(ch.MAP_BETA2)
    assert np.count_nonzero(adam > 0) == numbers["failing_cells"]
    assert adam[0, ch.MAP_BETA2.index(0.1)] > 0.99  # the paper's setting fails
    assert adam[-1, -1] < -0.99  # the defaults converge
    assert np.all(adam[np.array(ch.MAP_BETA1) > numbers["failing_beta1"]] < 0)
    assert np.all(adam[:, np.array(ch.MAP_BETA2) > numbers["failing_beta2"]] < 0)
    assert numbers["amsgrad_worst"] < -0.99  # AMSGrad converges everywhere on the map
    assert ch.default_betas()["AMSGrad"] == pytest.approx(-1.0, abs=RUN)
    assert numbers["default_Adam"] == pytest.approx(ch.failure_map()[-1, -1])


def test_playground_shows_the_failure():
    pg = get("when_adam_fails")
    assert pg.readout(alpha=0.5, beta1=0.0, beta2=0.1).startswith("w after 300 rounds: Adam +1.")
    assert "Adam -1.00" in pg.readout(alpha=0.5, beta1=0.9, beta2=0.999)
    final = {b2: pg.runs_at({"alpha": 0.5, "beta1": 0.0, "beta2": b2}) for b2 in ch.PG_BETA2}
    assert final[0.1]["Adam"][0][-1, 0] > 1.2 and final[0.1]["AMSGrad"][0][-1, 0] < -0.8  # the paper's betas
    assert final[0.6]["Adam"][0][-1, 0] > -0.5 and final[0.99]["Adam"][0][-1, 0] < -0.9  # past the threshold
    assert max(f["GD"][0][-1, 0] for f in final.values()) < -0.9


# ----- AdamW ---------------------------------------------------------------------------------------------


def test_digits_setup(numbers):
    model, split = digits_mlp(), digits_split(0)
    assert numbers["n_weights"] == model.dim and model.hidden == 32 and model.batch_size == 64
    assert numbers["test_size"] == len(split.y_test)
    assert numbers["one_image"] == pytest.approx(100 / numbers["test_size"])
    assert ch.decay_sweep("AdamW").trajectory.steps[-1] == numbers["digits_steps"] == ch.DIGITS_STEPS


def test_the_sweeps_are_the_grids_of_the_prose():
    l2, adamw = ch.decay_sweep("Adam + L2"), ch.decay_sweep("AdamW")
    assert list(l2.axes) == ["l2", "lr"] and list(adamw.axes) == ["weight_decay", "lr"]
    np.testing.assert_array_equal(l2.axes["l2"], [0, 1e-4, 1e-3, 1e-2])
    np.testing.assert_array_equal(adamw.axes["weight_decay"], [0, 1e-2, 1e-1, 1])
    np.testing.assert_array_equal(l2.axes["lr"], [1e-3, 3e-3, 1e-2, 3e-2])
    # the lambda = 0 row of the L2 sweep and the weight_decay = 0 row of AdamW's are both plain Adam
    np.testing.assert_allclose(l2.trajectory.params[-1][0], adamw.trajectory.params[-1][0], rtol=0, atol=1e-12)


def test_tuned_results_tie(numbers):
    # each picks the smallest nonzero decay on its grid; AdamW's grid is 100x higher than the L2 one
    assert numbers["l2_reg"] == ch.L2S[1] and numbers["w_reg"] == ch.WDS[1]
    assert numbers["w_reg"] / numbers["l2_reg"] == pytest.approx(100)
    assert numbers["l2_test_acc"] == pytest.approx(numbers["w_test_acc"])  # the same test accuracy
    assert abs(numbers["l2_val_loss"] - numbers["w_val_loss"]) < 0.001
    # decay barely matters here: plain Adam is within 0.005 of both
    assert abs(numbers["plain_val_loss"] - numbers["w_val_loss"]) < 0.005
    assert abs(numbers["plain_test_acc"] - numbers["w_test_acc"]) < numbers["one_image"]
    assert 1e-3 < numbers["median_scale"] < 1e-2  # sqrt(v_hat) ~ 1/250: an L2 lambda acts ~250x larger


def test_decay_rates(numbers):
    assert np.all(ch.decay_rates("AdamW") == pytest.approx(numbers["w_lr"] * numbers["w_reg"]))  # one rate
    assert ch.decay_spread("AdamW") == pytest.approx(1.0)
    assert numbers["decay_spread"] > 100
    # a larger gradient scale means a smaller decay rate: slope -1 on the log-log plot
    order = np.argsort(ch.grad_scale())
    assert np.all(np.diff(ch.decay_rates("Adam + L2")[order]) <= 0)
    assert np.median(ch.grad_scale()) == numbers["median_scale"]


def test_blank_pixel_weights(numbers):
    assert list(ch.blank_pixels()) == [0, 24, 32, 39, 56] and numbers["n_blank"] == 5
    model = digits_mlp()
    assert ch.blank_weights(model.x0).shape == (numbers["n_blank"], 32)
    assert np.all(ch.blank_weights(model.grad(model.x0)) == 0)  # their data gradient is exactly 0
    assert numbers["blank_l2"] < 1e-9  # Adam + L2 drives them to 0 ...
    assert numbers["blank_w"] == pytest.approx(numbers["blank_start"], rel=0.05)  # ... AdamW barely moves them


# ----- Lion ---------------------------------------------------------------------------------------------


def test_lion_moves_every_coordinate_by_exactly_alpha(numbers):
    moves = ch.lion_moves(lr=0.1)
    assert moves.shape == (50, 2)
    assert numbers["lion_move_min"] == pytest.approx(numbers["lion_move_max"], abs=1e-15)


def test_lion_state_and_sign_limit(numbers):
    assert numbers["lion_arrays"] == state_count(Lion()) == 1
    assert numbers["adam_arrays"] == state_count(Adam()) == state_count(AdamW()) == 2
    assert numbers["lion_sign_gap"] == 0.0
    lion = run(Lion(0.1, beta1=0.5, beta2=0.5), RAVINE, steps=20).params
    assert np.max(np.abs(lion - run(SignGD(0.1), RAVINE, steps=20).params)) > 0  # with momentum it is not


def test_lion_on_the_surfaces(numbers):
    assert ch.toy_sweep("Lion", "ravine").best["lr"] == numbers["toy_ravine_Lion_lr"]
    assert ch.toy_sweep("Adam", "ravine").best["lr"] == pytest.approx(0.1778, abs=1e-4)
    for surface in ch.TOY:  # Lion's constant-lr floor is far above Adam
        assert numbers[f"toy_{surface}_Lion_gap"] > 100 * numbers[f"toy_{surface}_Adam_gap"]
        for name in ch.TOY_OPTIMIZERS:  # one batched sweep equals the single run at its best rate
            s = ch.toy_sweep(name, surface)
            problem, steps = ch.TOY[surface]
            single = run(ch.TOY_OPTIMIZERS[name](s.best["lr"]), problem, steps=steps).final_loss - problem.f_min
            assert single == s.best_score


def test_lion_on_the_digits(numbers):
    assert numbers["lr_ratio"] == pytest.approx(numbers["lva_Adam_lr"] / numbers["lva_Lion_lr"])
    for name, grid in (("Adam", ch.LRS), ("Lion", ch.LION_LRS)):  # the best rate lies inside its grid
        assert 0 < grid.index(numbers[f"lva_{name}_lr"]) < len(grid) - 1
    assert numbers["lva_Adam_val_loss"] == numbers["plain_val_loss"]  # Adam here is plain Adam
    assert numbers["lva_Lion_val_loss"] > numbers["lva_Adam_val_loss"]
    assert numbers["lva_Lion_test_acc"] < numbers["lva_Adam_test_acc"]
    # Lion's training loss falls at every checkpoint but ends above Adam's
    best = ch.lion_vs_adam()
    lion = ch.lion_sweep().trajectory.loss[:, best["Lion"]["index"][0]]
    adam = ch.decay_sweep("Adam + L2").trajectory.loss[(slice(None), *best["Adam"]["index"])]
    assert np.all(np.diff(lion) < 0) and lion[-1] > adam[-1]


def test_gd_in_the_paper_setting_is_online_gradient_descent():
    xs = projected_run(GD(inverse_sqrt(ch.ALPHA)), ch.GRADS[:3], ch.X1)  # w - alpha_t g_t, inside the box
    np.testing.assert_allclose(xs, np.cumsum([1.0, -0.5 * 3, 0.5 / np.sqrt(2), 0.5 / np.sqrt(3)]), rtol=1e-15)


def test_figures_build():
    for make in (ch.counterexample_figure, ch.failure_map_figure, ch.decay_figure, ch.lion_toy_figure):
        assert make().axes
    assert len(ch.lion_digits_figure().axes) == 2


# ----- AMSGrad in practice, and the memory fixes -----------------------------------------------------------------


def test_amsgrad_changes_nothing_measurable_on_the_digits_mlp(numbers):
    gaps = ch.amsgrad_gaps()
    assert gaps.shape == (numbers["ams_seeds"], len(ch.LRS)) and numbers["ams_seeds"] == 3
    assert numbers["ams_gap"] == gaps.max() < 0.01 * numbers["plain_val_loss"]  # under 1% of the loss
    assert np.all(gaps > 0)  # not the same runs: AMSGrad's denominator does differ


def test_memory_arithmetic(numbers):
    assert (
        numbers["mem_state32"] == 2 * 4 * numbers["mem_params"] and numbers["mem_state8"] == numbers["mem_state32"] / 4
    )
    side = numbers["mem_side"]
    assert numbers["mem_v_full"] == side * side and numbers["mem_v_factored"] == 2 * side
    assert numbers["mem_ratio"] == side / 2 == 2048


def test_settled_moves_are_the_paper_optimizers_in_the_long_run():
    # online.settled_moves predicts the moves of one late cycle of the paper's Adam, AMSGrad and GD (in units of
    # alpha_t): check on unprojected runs (no box) over 3000 rounds, where the step alpha_t is known
    moves = settled_moves(ch.BETA2, ch.C, ch.PERIOD)
    t = np.arange(ch.STEPS - ch.PERIOD + 1, ch.STEPS + 1)
    for label, opt in ch.paper_optimizers().items():
        ws = projected_run(opt, ch.GRADS, ch.X1, low=-1e9, high=1e9)
        measured = np.diff(ws[-ch.PERIOD - 1 :]) / (ch.ALPHA / np.sqrt(t))
        np.testing.assert_allclose(measured, moves[label], rtol=1e-6)
