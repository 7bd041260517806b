"""AdaGrad chapter: every number its prose quotes (through the `numbers` fixture), and the claims it makes."""

import inspect

import numpy as np
import pytest
from book_files import assert_quoted
from torch_support import require_torch

from optim_core import AdaGrad, run
from optim_core.chapters import adagrad as ch
from optim_core.problems import RAVINE
from optim_core.tuning import gap_at


def test_quoted_values(numbers):
    assert_quoted(numbers, "adagrad")


def test_default_eps_is_torchs(numbers):
    torch = require_torch()
    assert inspect.signature(torch.optim.Adagrad).parameters["eps"].default == numbers["eps"]


def test_first_step_is_alpha_in_every_coordinate(numbers):
    """The worked step with alpha = 1 from (-4.5, 1): dw = (0.2 w1, 4 w2), v_1 = dw^2, a step of (1, -1)."""
    assert (numbers["first_dw_1"], numbers["first_dw_2"]) == pytest.approx((-0.9, 4.0), rel=1e-15)
    assert (numbers["first_v_1"], numbers["first_v_2"]) == pytest.approx((0.81, 16.0), rel=1e-15)
    assert (numbers["first_step_1"], numbers["first_step_2"]) == pytest.approx((1.0, -1.0), abs=1e-9)
    assert numbers["first_step_1"] != 1.0  # "eps shows up only in the tenth decimal"
    assert (numbers["first_rate_1"], numbers["first_rate_2"]) == pytest.approx((1 / 0.9, 0.25), rel=1e-9)
    assert numbers["first_rate_ratio"] == pytest.approx(4 / 0.9, rel=1e-9)  # also GD's first-step ratio


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_first_step_ignores_gradient_size(scale):
    opt = AdaGrad(lr=0.3)
    w0 = np.array([1.0, -2.0, 0.5])
    w1, _ = opt.update(w0, scale * np.array([2.0, -7.0, 0.1]), opt.init(w0))
    np.testing.assert_allclose(w1 - w0, [-0.3, 0.3, -0.3], rtol=1e-6)


def test_ravine_steep_coordinate_gets_the_small_rate(numbers):
    assert numbers["ravine_gd_limit"] == 2 / RAVINE.L
    assert numbers["ravine_lr_gd"] < numbers["ravine_gd_limit"]  # "just under its stability limit"
    assert numbers["ravine_gd_factor"] == pytest.approx(-0.8)  # GD flips w2's sign every step: zig-zag
    assert numbers["ravine_ada_factor"] == pytest.approx(1 - RAVINE.L * numbers["ravine_rate_steep"])
    assert 0 < numbers["ravine_ada_factor"] < 1  # AdaGrad: no sign flip, w2 shrinks from one side
    assert numbers["ravine_rate_ratio_end"] > 1  # the shallow coordinate keeps the larger rate
    rates = ch.ravine_rates()
    assert np.all(rates[:, 1] < rates[:, 0])  # at every step
    assert np.all(np.diff(rates, axis=0) <= 0)  # and rates never rise
    assert abs(rates[-1, 1] / rates[-5, 1] - 1) < 1e-3  # "the rates stop changing"


def test_adagrad_first_step_on_ravine_is_diagonal():
    path = ch.ravine_runs()["AdaGrad"].params
    np.testing.assert_allclose(path[1] - path[0], [0.8, -0.8], rtol=1e-9)


def test_adagrad_beats_gd_on_sparse_problem(numbers):
    assert numbers["sparse_factor"] == pytest.approx(numbers["sparse_gd_gap"] / numbers["sparse_ada_gap"])
    assert numbers["sparse_factor"] > 1e5  # "far closer to the minimum"
    for s in ch.sparse_sweeps().values():  # a best value at the edge would mean the grid is too small
        assert 0 < s.best_index[0] < len(ch.LR_GRID) - 1
    assert numbers["sparse_n_grid"] == 4 * numbers["sparse_per_decade"] + 1  # 8 per decade over 4 decades


def test_batched_sweep_equals_single_runs():
    k = ch.sparse_index("AdaGrad")
    single = run(AdaGrad(ch.LR_GRID[k]), ch.SPARSE, None, ch.SPARSE_STEPS)
    np.testing.assert_array_equal(ch.sparse_sweeps()["AdaGrad"].trajectory.loss[:, k], single.loss)


def test_rare_and_common_errors(numbers):
    assert numbers["sparse_gd_rare_err"] > 2 * numbers["sparse_gd_common_err"]  # GD leaves rare weights behind
    ada = {group: err[numbers["sparse_budget"]] for group, err in ch.sparse_errors()["AdaGrad"].items()}
    assert ada["rare"] < ada["common"] < 1e-3  # AdaGrad: both small, the rare ones even smaller
    # "it has made up, on its own, for the gap between their gradients"
    assert numbers["sparse_rate_ratio"] == pytest.approx(numbers["sparse_grad_ratio"], rel=0.1)
    assert numbers["sparse_curv_ratio"] > 10 and numbers["sparse_rare_freq"] == pytest.approx(0.03, abs=0.005)


def test_adagrad_needs_less_tuning(numbers):
    assert numbers["tune_gd_width"] == pytest.approx(0.25)  # 2 grid points of 8 per decade
    assert numbers["tune_ada_width"] == pytest.approx(1.5)  # 12 grid points
    assert numbers["tune_width_ratio"] == pytest.approx(6.0)


def test_rescaling_the_loss_leaves_adagrad_unchanged():
    class Scaled:
        def __init__(self, c):
            self.c, self.x0, self.f_min = c, RAVINE.x0, 0.0

        def f(self, w):
            return self.c * RAVINE.f(w)

        def grad(self, w):
            return self.c * RAVINE.grad(w)

    paths = [run(AdaGrad(0.8, eps=0.0), Scaled(c), None, 30).params for c in (1e-3, 1.0, 1e3)]
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(paths[2], paths[1], rtol=1e-10, atol=1e-12)


def test_rate_decays_as_one_over_sqrt_t(numbers):
    assert numbers["decay_sqrt_law"] == pytest.approx(1.0, abs=0.01)  # measured / predicted at the last step
    assert numbers["decay_drop"] == pytest.approx(10.0, rel=0.05)  # "where the square-root law says 10"
    assert np.all(np.diff(ch.constant_scale_rates(), axis=0) <= 0)  # the rate never rises


def test_adagrad_frozen_on_beale(numbers):
    assert numbers["decay_beale_lr"] == pytest.approx(10**0.5, rel=1e-12)
    assert (numbers["decay_beale_dw_1"], numbers["decay_beale_dw_2"]) == pytest.approx((5061.0, -14190.75))
    # the rates are alpha / |dw| of the first gradient ...
    assert numbers["decay_beale_rate_1"] == pytest.approx(numbers["decay_beale_lr"] / 5061.0, rel=1e-3)
    assert numbers["decay_beale_rate_2"] == pytest.approx(numbers["decay_beale_lr"] / 14190.75, rel=1e-3)
    # ... and change by less than 0.05 % (the glued value, printed with two decimals in percent)
    assert numbers["decay_beale_rate_change"] == pytest.approx(4.89e-4, rel=1e-2)
    assert numbers["decay_beale_rate_change"] < 5e-4
    assert numbers["decay_beale_gap"] < numbers["decay_beale_gap_mid"]  # it crawls ...
    assert numbers["decay_beale_gap"] > 0.1  # ... and is still far from the minimum after 1000 steps


def test_playground_gd_diverges_above_2_over_L_and_adagrad_never():
    """The playground's claims: GD diverges once alpha L > 2; AdaGrad stays finite over its whole range."""
    pg = ch.playground()
    paths, gaps = pg.grid()  # (optimizer, lr_gd, lr_ada, turned, step)
    assert np.all(np.isfinite(paths[1]))
    lr_gd = np.array(pg.sliders[0].values)
    aligned = gaps[0, :, 0, 0]  # GD on the aligned ravine (it does not depend on lr_ada)
    grows = ~(aligned[:, -1] <= aligned[:, 0])  # NaN: the run left the plot's bound and was stopped
    np.testing.assert_array_equal(grows, lr_gd * RAVINE.L > 2)


def test_playground_turning_the_ravine_shrinks_adagrads_lead():
    """'In the playground, turning the ravine shrinks AdaGrad's lead': GD at its default alpha against
    AdaGrad at its best alpha on the slider, after the full 60 steps, aligned and turned."""
    pg = ch.playground()
    lead = {}
    for turned in (0.0, 1.0):
        values = {**pg.default_values(), "turned": turned, "lr_ada": np.array(pg.sliders[1].values)}
        runs = pg.compute(values)
        lead[turned] = runs["GD"].loss[-1] / np.min(runs["AdaGrad"].loss[-1])
        assert np.all(np.isfinite(runs["AdaGrad"].loss[-1]))
    assert lead[0.0] > 1e6  # aligned: AdaGrad far ahead
    assert lead[1.0] < 1e-6 * lead[0.0]  # turned: most of that lead is gone


def test_less_tuning_is_not_no_tuning():
    """'At both ends of the grid, two decades away from it, both methods end far above the tolerance.'"""
    for s in ch.sparse_sweeps().values():
        ends = s.rescored(gap_at(ch.SPARSE_STEPS), ch.SPARSE).scores[[0, -1]]
        assert np.all(ends > 100 * ch.SPARSE_TOL)


# ----- rare features in minibatches (issue 13) -------------------------------------------------------------
def test_rare_features_are_absent_from_most_minibatches(numbers):
    # a feature present in a fraction q of the samples is in a minibatch of 10 with probability 1 - (1 - q)^10
    expected = 1 - (1 - numbers["sparse_rare_freq"]) ** numbers["mb_size"]
    assert numbers["mb_rare_present"] == pytest.approx(expected, abs=0.02)
    assert numbers["mb_rare_present"] < 0.5  # "absent from most of them"
    assert numbers["mb_epochs"] * ch.SPARSE.n_samples == numbers["mb_steps"] * numbers["mb_size"]


def test_minibatch_adagrad_beats_tuned_sgd_on_every_seed(numbers):
    final = {name: ch.minibatch_best(name)["gap"][-1] for name in ch.MB_MAKERS}
    assert len(final["AdaGrad"]) == numbers["mb_n_seeds"]
    assert numbers["mb_factor"] == pytest.approx(numbers["mb_gd_gap"] / numbers["mb_ada_gap"])
    assert numbers["mb_factor_sqrt"] == pytest.approx(numbers["mb_sqrt_gap"] / numbers["mb_ada_gap"])
    assert numbers["mb_factor_sqrt"] > 5  # the per-coordinate part of the gain
    assert numbers["mb_sqrt_gap"] < numbers["mb_gd_gap"]  # "the decay of the rate alone lowers SGD's f - f*"
    # "each of AdaGrad's runs ends below every run of the other two methods"
    assert final["AdaGrad"].max() < min(final["GD"].min(), final["GD, α/√t"].min())
    assert numbers["mb_ada_gap"] > 1e-8  # "far above rounding error"
    for name in ch.MB_MAKERS:  # a best alpha at the edge of the grid would mean the grid is too small
        assert 0 < ch.minibatch_best(name)["index"] < len(ch.MB_GRID) - 1
    assert numbers["mb_n_grid"] == len(ch.MB_GRID) == 17


def test_minibatch_adagrad_is_lower_on_both_groups(numbers):
    assert numbers["mb_ada_common_err"] < numbers["mb_gd_common_err"]
    assert numbers["mb_ada_rare_err"] < numbers["mb_gd_rare_err"]


def test_minibatch_sweep_equals_single_runs():
    """The batched sweep (seeds x learning rates) is the single runs, bit for bit."""
    best = ch.minibatch_best("AdaGrad")
    for seed in (0, 5):
        single = run(AdaGrad(best["lr"]), ch.minibatch_problem(seed), None, ch.MB_STEPS, record_every=ch.MB_EVERY)
        np.testing.assert_array_equal(single.loss - ch.SPARSE.f_min, best["gap"][:, seed])


# ----- what sqrt(v_t) measures -----------------------------------------------------------------------------
def test_sqrt_v_follows_the_curvature_only_when_the_noise_does(numbers):
    assert numbers["pre_curv_ratio"] == pytest.approx(20.0)
    assert numbers["pre_curv_root"] == pytest.approx(np.sqrt(20.0))
    # noise variance proportional to curvature: the ratio of the rates is the square root of the curvature ratio
    assert numbers["pre_ratio_fisher"] == pytest.approx(numbers["pre_curv_root"], rel=0.05)
    assert numbers["pre_ratio_equal"] == pytest.approx(1.0, abs=0.1)  # equal noise: no trace of the curvature
    # exact gradients: the ratio depends on alpha and the start, and is far from L / mu
    assert numbers["pre_ratio_none"] < 0.25 * numbers["pre_curv_ratio"]
    assert abs(numbers["pre_ratio_none"] - numbers["ravine_rate_ratio_end"]) > 0.2
    for ratio in ch.rate_ratios().values():  # every seed, not only the median, stays far below L / mu
        assert np.all(ratio[-1] < 0.3 * numbers["pre_curv_ratio"])


def test_sparse_rms_gradient_follows_the_root_of_the_curvature(numbers):
    assert 0.4 < numbers["pre_sparse_slope"] < 0.7  # close to 1/2, far from 1
    assert numbers["pre_sparse_root"] == pytest.approx(np.sqrt(numbers["sparse_curv_ratio"]), rel=1e-9)
    assert numbers["pre_sparse_ratio"] == pytest.approx(numbers["pre_sparse_root"], rel=0.35)
    assert numbers["pre_sparse_ratio"] < numbers["sparse_curv_ratio"] / 3
    # the empirical Fisher's diagonal falls short of the Hessian's, on every feature
    assert 0 < numbers["pre_fisher_lo"] < numbers["pre_fisher_hi"] < 1


def test_best_diagonal_scaling_in_hindsight_is_the_root_of_the_sum():
    """min sum_i a_i / s_i over s > 0 with sum_i s_i = c is at s_i proportional to sqrt(a_i)."""
    rng = np.random.default_rng(0)
    a = rng.exponential(size=6)
    best = np.sqrt(a) / np.sum(np.sqrt(a))
    value = np.sum(a / best)
    others = rng.dirichlet(np.ones(6), size=2000)
    assert np.all(np.sum(a / others, axis=1) >= value)
    assert value == pytest.approx(np.sum(np.sqrt(a)) ** 2)


def test_constant_size_gradients_give_sign_steps_of_alpha_over_sqrt_t():
    opt = AdaGrad(0.3, eps=0.0)
    w = np.zeros(3)
    state = opt.init(w)
    signs = np.random.default_rng(1).choice([-1.0, 1.0], size=(20, 3))
    for t, s in enumerate(signs, start=1):
        new, state = opt.update(w, 2.5 * s, state)
        np.testing.assert_allclose(new - w, -0.3 * s / np.sqrt(t), rtol=1e-12)
        w = new


def test_not_invariant_to_a_change_of_units():
    """Summary card: measuring w2 in units 10 times smaller changes AdaGrad's path (GD's too, differently)."""
    c = np.array([1.0, 10.0])

    class InUnits:
        x0, f_min = RAVINE.x0 / c, 0.0

        def f(self, u):
            return RAVINE.f(u * c)

        def grad(self, u):
            return RAVINE.grad(u * c) * c

    direct = run(AdaGrad(0.8, eps=0.0), RAVINE, None, 5).params
    mapped = run(AdaGrad(0.8, eps=0.0), InUnits(), None, 5).params * c
    np.testing.assert_allclose(mapped[1] - mapped[0], 0.8 * c * [1, -1], rtol=1e-12)  # a step of alpha in u
    assert not np.allclose(direct, mapped)


def test_not_invariant_to_a_rotation_of_the_weights():
    """Summary card: on the turned ravine from the turned start, GD's path is the turned path, AdaGrad's is not."""
    from optim_core import GD
    from optim_core.problems import rotation

    turn = rotation(ch.TILTED.angle)
    x0 = turn @ RAVINE.x0
    for make, same in ((lambda: GD(0.3), True), (lambda: AdaGrad(0.8), False)):
        direct = run(make(), RAVINE, None, 20).params
        turned = run(make(), ch.TILTED, x0, 20).params @ turn  # rows w^T R = (R^T w)^T: back to the axes
        assert np.allclose(turned, direct, rtol=1e-9, atol=1e-12) == same
