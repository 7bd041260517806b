"""Every number and claim of the chapter "When Adam fails, and how it was fixed" (book/10_when_adam_fails.ipynb)."""

import numpy as np
import pytest

from optim_core import GD, Adam, AdamW, Lion, SignGD, run
from optim_core.chapters import get
from optim_core.chapters import when_adam_fails as ch
from optim_core.ema import effective_memory
from optim_core.models import digits_split
from optim_core.problems import Quadratic

# ----- the counterexample: setting --------------------------------------------------------------------------


def test_paper_setting():
    assert ch.C == 3.0 and ch.PERIOD == 3 and ch.ALPHA == 0.5 and ch.STEPS == 3000 and ch.X1 == 1.0
    assert ch.paper_beta2() == pytest.approx(0.1, abs=1e-15)
    np.testing.assert_array_equal(ch.online_gradients(7), [3, -1, -1, 3, -1, -1, 3])
    opts = ch.paper_optimizers()
    for label in ("Adam", "AMSGrad"):
        assert float(opts[label].beta1) == 0.0 and float(opts[label].eps) == 0.0
        assert opts[label].bias_correction is False
    assert opts["AMSGrad"].amsgrad is True and opts["Adam"].amsgrad is False
    assert float(opts["GD"].lr(4)) == pytest.approx(0.25)  # alpha / sqrt(t)
    assert ch.proof_alpha_bound() == pytest.approx(0.9487, abs=1e-4)
    assert ch.ALPHA < ch.proof_alpha_bound()
    assert float(effective_memory(ch.paper_beta2())) == pytest.approx(1.11, abs=0.005)


def test_average_loss_is_minimized_at_minus_one():
    grads = ch.online_gradients(3000)
    assert grads.sum() > 0  # the average slope (C - 2)/3 is positive: the best fixed w is -1
    assert grads.mean() == pytest.approx((ch.C - 2) / 3)


def test_projected_run_clips_and_matches_a_hand_loop():
    xs = ch.projected_run(GD(0.4), np.array([-10.0, 1.0, 1.0]), x1=0.0)
    np.testing.assert_allclose(xs, [0.0, 1.0, 0.6, 0.2])
    batched = ch.projected_run(GD(np.array([[0.1], [0.2]])), np.array([1.0, 1.0]))
    np.testing.assert_allclose(batched[:, 1], [1.0, 0.8, 0.6])


# ----- the counterexample: results --------------------------------------------------------------------------


def test_adam_drifts_to_plus_one_amsgrad_and_gd_reach_minus_one():
    finals = ch.final_positions()
    assert finals["Adam"] == pytest.approx(0.9959, abs=1e-3)
    assert finals["AMSGrad"] == pytest.approx(-0.9968, abs=1e-3)
    assert finals["GD"] == pytest.approx(-0.9909, abs=1e-3)
    assert finals["Adam"] > 0.99 and finals["AMSGrad"] < -0.99 and finals["GD"] < -0.98


def test_average_regret():
    regrets = ch.final_regrets()
    assert regrets["Adam"] == pytest.approx(0.6748, abs=1e-3)
    assert regrets["AMSGrad"] == pytest.approx(0.0274, abs=1e-3)
    assert regrets["GD"] == pytest.approx(0.0322, abs=1e-3)
    assert ch.limit_regret() == pytest.approx(2 / 3)
    assert abs(regrets["Adam"] - ch.limit_regret()) < 0.01  # levels off at the regret of sitting at +1
    grads = ch.online_gradients(ch.STEPS)
    for label in ("AMSGrad", "GD"):  # still falling like 1/sqrt(t)
        r = ch.average_regret(ch.counterexample()[label], grads)
        assert r[-1] < r[ch.STEPS // 10] < r[ch.STEPS // 100]


def test_regret_of_a_fixed_point_by_hand():
    grads = ch.online_gradients(6)
    at_plus_one = ch.average_regret(np.ones(7), grads)  # pays 3 - 1 - 1 per cycle; best pays -1
    assert at_plus_one[-1] == pytest.approx(2 / 3)
    assert ch.average_regret(-np.ones(7), grads)[-1] == pytest.approx(0.0)


def test_adam_started_at_the_optimum_walks_away():
    result = ch.from_optimum()
    assert result["arrival"] == 79
    assert result["final"] == pytest.approx(0.9959, abs=1e-3)


def test_bias_correction_does_not_rescue_adam():
    opt = Adam(ch.inverse_sqrt(ch.ALPHA), beta1=0.0, beta2=ch.paper_beta2(), eps=1e-8)
    assert ch.cycle_mean(ch.projected_run(opt, ch.online_gradients())) > 0.99


# ----- why: the settled cycle -----------------------------------------------------------------------------


def test_steady_cycle_table():
    v = ch.steady_v()
    np.testing.assert_allclose(v, [8.2072, 1.7207, 1.0721], atol=1e-4)
    moves = ch.steady_cycle()
    np.testing.assert_allclose(moves["Adam"], [-1.0472, 0.7623, 0.9658], atol=1e-4)
    np.testing.assert_allclose(moves["AMSGrad"], [-1.0472, 0.3491, 0.3491], atol=1e-4)
    np.testing.assert_array_equal(moves["GD"], [-3.0, 1.0, 1.0])
    assert moves["Adam"].sum() == pytest.approx(0.6809, abs=1e-4)
    assert moves["AMSGrad"].sum() == pytest.approx(-0.3491, abs=1e-4)
    # the small gradients each move a third as far as the large one under AMSGrad
    assert moves["AMSGrad"][1] == pytest.approx(-moves["AMSGrad"][0] / ch.C)


def test_steady_v_is_a_fixed_point_of_one_cycle():
    beta2, v = ch.paper_beta2(), ch.steady_v()
    again = beta2 * v[-1] + (1 - beta2) * ch.C**2
    assert again == pytest.approx(v[0], rel=1e-12)


def test_flip_threshold_and_sign_descent_limit():
    flip = ch.flip_beta2()
    assert flip == pytest.approx(0.4723, abs=1e-4)
    assert ch.drift(flip - 0.01) > 0 > ch.drift(flip + 0.01)
    assert ch.drift(1e-12) == pytest.approx(1.0, abs=1e-5)  # sign descent: -1 + 1 + 1
    assert ch.drift(ch.paper_beta2()) > 0


def test_larger_c_still_drifts_up():
    assert ch.drift(1 / 101, c=10.0) == pytest.approx(0.7027, abs=1e-4)
    assert ch.drift(1 / 101, c=10.0) > ch.drift(ch.paper_beta2())


def test_hand_cycle_exercise():
    hand = ch.hand_cycle()
    np.testing.assert_allclose(hand["v"], [8.1, 1.71, 1.071], rtol=1e-12)
    np.testing.assert_allclose(np.abs(hand["moves"]), [0.5270, 0.2704, 0.2789], atol=1e-4)
    w = ch.first_steps()
    np.testing.assert_allclose(w, [1.0, 0.4730, 0.7433, 1.0], atol=1e-4)
    assert w[2] + hand["moves"][2] == pytest.approx(1.0223, abs=1e-4)  # clipped back to 1
    assert np.abs(hand["moves"][1:]).sum() == pytest.approx(0.5493, abs=1e-4)
    assert np.abs(hand["moves"][1:]).sum() > np.abs(hand["moves"][0])


# ----- the beta map and the defaults ---------------------------------------------------------------------


def test_failure_map():
    region = ch.failing_region()
    assert region == {"beta1": 0.4, "beta2": 0.4, "count": 19, "cells": 120}
    adam = ch.failure_map()
    assert adam[0, ch.MAP_BETA2.index(0.1)] > 0.99  # the paper's setting
    assert adam[-1, -1] < -0.99  # the defaults
    assert np.all(adam[np.array(ch.MAP_BETA1) > 0.4] < -0.99)
    assert ch.failure_map(amsgrad=True).max() < -0.99


def test_default_betas_converge():
    defaults = ch.default_betas()
    assert defaults["Adam"] == pytest.approx(-1.0, abs=1e-3)
    assert defaults["AMSGrad"] == pytest.approx(-1.0, abs=1e-3)


# ----- the playground -------------------------------------------------------------------------------------


def test_walled_problem():
    p = ch.WalledOnline()
    assert p.f(p.minimum) == pytest.approx(p.f_min)
    assert p.grad(p.minimum) == pytest.approx(0.0)
    w = np.array([0.3])
    mean_grad = np.mean([p.stochastic_grad(w, t) for t in (1, 2, 3)], axis=0)
    np.testing.assert_allclose(mean_grad, p.grad(w))
    h = 1e-6
    assert (p.f(w + h) - p.f(w - h)) / (2 * h) == pytest.approx(float(p.grad(w)[0]), rel=1e-6)


def test_playground_shows_the_failure_and_fits_the_budget():
    pg = get("when_adam_fails")
    assert pg.key == "when_adam_fails"
    assert len(pg.grid_shape) == 3
    assert np.prod(pg.grid_shape) * len(pg.optimizers) * (pg.steps + 1) <= 90_000
    assert len(pg.static_html()) < 1_500_000
    assert pg.readout(alpha=0.5, beta1=0.0, beta2=0.1).startswith("w after 300 rounds: Adam +1.")
    assert "Adam -1.00" in pg.readout(alpha=0.5, beta1=0.9, beta2=0.999)
    finals = ch._pg_final_x()
    assert finals["Adam"][3, 0, 0] > 1.2 and finals["AMSGrad"][3, 0, 0] < -0.8  # the paper's betas
    assert finals["Adam"][3, 0, 2] > -0.5 and finals["Adam"][3, 0, 4] < -0.9  # beta2 = 0.6 vs 0.99
    assert finals["GD"][3].max() < -0.9


def test_live_playground_redraws():
    from optim_core.playground import _LiveView

    view = _LiveView(ch.playground())
    before = view.image.value
    view.controls[2].value = 5  # beta2 = 0.999 (alpha = 0.5, beta1 = 0)
    assert view.image.value != before
    final = ch._pg_final_x()["Adam"][3, 0, 5]
    assert final < -0.9
    assert f"Adam {final:+.2f}" in view.text.value


# ----- AdamW --------------------------------------------------------------------------------------------


def test_digits_setup_matches_the_prose():
    assert ch.DIGITS_STEPS == 400
    assert ch.LRS == (1e-3, 3e-3, 1e-2, 3e-2)
    assert ch.L2S == (0.0, 1e-4, 1e-3, 1e-2) and ch.WDS == (0.0, 1e-2, 1e-1, 1.0)
    assert ch.LION_LRS == (1e-4, 3e-4, 1e-3, 3e-3)
    assert ch.mlp().dim == 2410 and ch.mlp().hidden == 32 and ch.mlp().batch_size == 64
    assert len(digits_split(0).y_test) == 360
    assert 100 / 360 == pytest.approx(0.28, abs=5e-3)


def test_with_l2_adds_lambda_w_to_the_gradient():
    model = ch.mlp()
    w = model.x0 + 0.1
    np.testing.assert_allclose(
        ch.WithL2(model, np.array([0.5])).stochastic_grad(w, 3), model.stochastic_grad(w, 3) + 0.5 * w
    )


def test_with_l2_runs_with_a_scalar_lambda():
    model, lam = ch.mlp(), 1e-4
    traj = run(Adam(1e-2), ch.WithL2(model, l2=lam), steps=2)
    w = traj.params[-1]
    assert traj.loss[-1] == pytest.approx(float(model.f(w)) + 0.5 * lam * float(w @ w))


def test_train_matches_run():
    model, opt = ch.mlp(), Adam(1e-2)
    checkpoints, state = ch.train(opt, model, model.x0, 10, every=5)
    traj = run(opt, model, steps=10)
    np.testing.assert_allclose(checkpoints, traj.params[[0, 5, 10]], rtol=1e-12)
    assert state.count == 10


def test_tuned_results_tie():
    l2, w = ch.tuned("Adam + L2"), ch.tuned("AdamW")
    assert (l2["lr"], l2["reg"]) == (1e-2, 1e-4) and (w["lr"], w["reg"]) == (1e-2, 1e-2)  # smallest nonzero decay
    assert l2["val_loss"] == pytest.approx(0.1187, abs=1e-3)
    assert w["val_loss"] == pytest.approx(0.1185, abs=1e-3)
    assert l2["val_acc"] == pytest.approx(0.975, abs=1e-6) and w["val_acc"] == pytest.approx(0.975, abs=1e-6)
    assert l2["test_acc"] == pytest.approx(w["test_acc"])  # the same test accuracy
    assert l2["test_acc"] == pytest.approx(0.9722, abs=1e-3)
    assert l2["norm"] == pytest.approx(17.10, abs=0.05) and w["norm"] == pytest.approx(18.74, abs=0.05)


def test_decay_barely_matters_here():
    plain = ch.unregularized()
    assert plain["lr"] == 1e-2
    assert plain["val_loss"] == pytest.approx(0.1201, abs=1e-3)
    assert plain["test_acc"] == pytest.approx(0.9722, abs=1e-3)
    assert abs(plain["val_loss"] - ch.tuned("AdamW")["val_loss"]) < 0.005


def test_decay_rates():
    adamw = ch.decay_rates("AdamW")
    assert np.all(adamw == pytest.approx(1e-4))  # lr * weight decay, the same for every weight
    assert ch.decay_spread("AdamW") == pytest.approx(1.0)
    assert ch.decay_spread() == pytest.approx(583, rel=0.02)
    assert ch.decay_spread() > 100
    assert ch.median_grad_scale() == pytest.approx(0.0040, abs=2e-4)
    # a larger gradient scale means a smaller decay rate: slope -1 on the log-log plot
    i, j = ch.tuned("Adam + L2")["index"]
    scale = ch.sqrt_v_hat(ch.decay_sweep("Adam + L2").state)[i, j]
    rates = ch.decay_rates("Adam + L2")
    order = np.argsort(scale)
    assert np.all(np.diff(rates[order]) <= 0)


def test_blank_pixel_weights():
    assert list(ch.blank_pixels()) == [0, 24, 32, 39, 56]
    sizes = ch.blank_weight_sizes()
    assert sizes["start"] == pytest.approx(0.1054, abs=1e-3)
    assert sizes["Adam + L2"] < 1e-9
    assert sizes["AdamW"] == pytest.approx(0.1013, abs=1e-3)
    assert ch.blank_weights(ch.mlp().x0).shape == (5, 32)
    # their data gradient is exactly 0
    assert np.all(ch.blank_weights(ch.mlp().grad(ch.mlp().x0)) == 0)


# ----- Lion ---------------------------------------------------------------------------------------------


def test_lion_moves_every_coordinate_by_exactly_alpha():
    moves = ch.lion_moves(lr=0.1)
    assert moves.shape == (50, 2)
    np.testing.assert_allclose(moves, 0.1, rtol=1e-12)


def test_lion_state_and_sign_limit():
    assert ch.state_count(Lion()) == 1 and ch.state_count(Adam()) == 2 and ch.state_count(AdamW()) == 2
    assert ch.lion_sign_gap() == 0.0
    lion = run(Lion(0.1, beta1=0.5, beta2=0.5), Quadratic(), steps=20).params
    signum = run(SignGD(0.1), Quadratic(), steps=20).params
    assert np.max(np.abs(lion - signum)) > 0  # with momentum it is not plain sign descent


def test_lion_on_the_surfaces():
    toy = ch.toy_results()
    assert toy["ravine", "Lion"]["lr"] == pytest.approx(0.1)
    assert toy["ravine", "Lion"]["gap"] == pytest.approx(1.0e-3, rel=1e-6)
    assert toy["ravine", "Adam"]["lr"] == pytest.approx(0.1778, abs=1e-4)
    assert toy["ravine", "Adam"]["gap"] == pytest.approx(6.2e-6, rel=0.01)
    assert toy["Rosenbrock", "Lion"]["gap"] == pytest.approx(1.32e-2, rel=0.01)
    assert toy["Rosenbrock", "Adam"]["gap"] == pytest.approx(6.0e-11, rel=0.01)
    for surface in ch.SURFACES:  # Lion's constant-lr floor is far above Adam
        assert toy[surface, "Lion"]["gap"] > 100 * toy[surface, "Adam"]["gap"]


def test_lion_on_the_digits():
    lva = ch.lion_vs_adam()
    assert lva["Adam"]["lr"] == 1e-2 and lva["Lion"]["lr"] == 1e-3
    assert lva["Adam"]["lr"] / lva["Lion"]["lr"] == pytest.approx(10)
    for name, grid in (("Adam", ch.LRS), ("Lion", ch.LION_LRS)):  # the best rate lies inside its grid
        assert 0 < grid.index(lva[name]["lr"]) < len(grid) - 1
    assert lva["Lion"]["val_loss"] == pytest.approx(0.1450, abs=1e-3)
    assert lva["Adam"]["val_loss"] == pytest.approx(0.1201, abs=1e-3)
    assert lva["Lion"]["test_acc"] == pytest.approx(0.9556, abs=1e-3)
    assert lva["Adam"]["test_acc"] == pytest.approx(0.9722, abs=1e-3)
    curves = list(ch.lion_curves().values())
    assert curves[1][-1] > curves[0][-1]  # Lion's training loss is still higher at the end
    assert np.all(np.diff(curves[1]) < 0)  # but it falls at every checkpoint


def test_figures_build():
    for make in (
        ch.counterexample_figure,
        ch.failure_map_figure,
        ch.decay_figure,
        ch.lion_toy_figure,
        ch.lion_digits_figure,
    ):
        assert make().axes
