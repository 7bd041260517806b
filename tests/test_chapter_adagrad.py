"""AdaGrad chapter: every number its prose quotes (through the `numbers` fixture), and the claims it makes."""

import inspect

import numpy as np
import pytest
from book_files import assert_quoted
from torch_support import require_torch

from optim_core import AdaGrad, run
from optim_core.chapters import adagrad as ch
from optim_core.problems import RAVINE


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
