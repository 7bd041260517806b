"""Chapter 4 (AdaGrad): every number the prose quotes, and every claim it makes about them."""

import inspect

import numpy as np
import pytest
from torch_support import require_torch

from optim_core import AdaGrad, run
from optim_core.chapters import adagrad as ch


def test_default_eps_is_1e_10():
    assert ch.defaults()["eps"] == 1e-10


def test_default_eps_is_torchs():
    torch = require_torch()
    assert inspect.signature(torch.optim.Adagrad).parameters["eps"].default == ch.defaults()["eps"]


def test_first_step_is_alpha_in_every_coordinate():
    n = ch.first_step_numbers()
    assert (n["dw_1"], n["dw_2"]) == pytest.approx((-0.9, 4.0))
    assert (n["v_1"], n["v_2"]) == pytest.approx((0.81, 16.0))
    assert (n["step_1"], n["step_2"]) == pytest.approx((1.0, -1.0), abs=1e-9)
    assert (n["rate_1"], n["rate_2"]) == pytest.approx((1 / 0.9, 0.25))
    assert n["rate_ratio"] == pytest.approx(4 / 0.9)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_first_step_ignores_gradient_size(scale):
    opt = AdaGrad(lr=0.3)
    w0 = np.array([1.0, -2.0, 0.5])
    w1, _ = opt.update(w0, scale * np.array([2.0, -7.0, 0.1]), opt.init(w0))
    np.testing.assert_allclose(w1 - w0, [-0.3, 0.3, -0.3], rtol=1e-6)


def test_ravine_rates():
    n = ch.ravine_numbers()
    assert (n["lr_gd"], n["lr_ada"], n["steps"], n["gd_limit"]) == (0.45, 0.8, 40, 0.5)
    assert n["rate_steep"] == pytest.approx(0.1959, abs=1e-3)
    assert n["rate_shallow"] == pytest.approx(0.4309, abs=1e-3)
    assert n["rate_ratio_end"] == pytest.approx(2.199, abs=1e-2)
    assert n["gd_factor"] == pytest.approx(-0.8)
    assert 0 < n["ada_factor"] == pytest.approx(0.216, abs=1e-2)  # no sign flip: no zig-zag
    rates = ch.ravine_rates()
    assert np.all(rates[:, 1] < rates[:, 0])  # the steep coordinate always has the smaller rate
    assert np.all(np.diff(rates, axis=0) <= 0)  # and rates never rise


def test_adagrad_first_step_on_ravine_is_diagonal():
    path = ch.ravine_runs()["AdaGrad"].params
    np.testing.assert_allclose(path[1] - path[0], [0.8, -0.8], rtol=1e-9)


def test_sparse_problem_description():
    n = ch.sparse_numbers()
    assert (n["n_samples"], n["n_common"], n["n_rare"]) == (1000, 5, 20)
    assert n["rare_freq"] == pytest.approx(0.0292)
    assert n["grad_ratio"] == pytest.approx(12.04, abs=0.05)
    assert n["curv_ratio"] == pytest.approx(30.2, abs=0.2)
    assert (n["n_grid"], n["grid_lo"], n["grid_hi"], n["per_decade"], n["budget"]) == (33, 0.01, 100.0, 8, 30)


def test_adagrad_beats_gd_on_sparse_problem():
    n = ch.sparse_numbers()
    assert n["gd_lr"] == pytest.approx(10.0)
    assert n["ada_lr"] == pytest.approx(10 ** (1 / 8))
    assert n["gd_gap"] == pytest.approx(9.859e-3, rel=1e-3)
    assert n["ada_gap"] == pytest.approx(5.658e-9, rel=1e-2)
    assert n["factor"] == pytest.approx(1.74e6, rel=2e-2)
    assert n["factor"] > 1e5  # "AdaGrad is far closer to the minimum"


def test_tuned_learning_rates_are_inside_the_grid():
    for _, _, k in ch.sparse_best().values():
        assert 0 < k < len(ch.LR_GRID) - 1  # a best value at the edge would mean the grid is too small


def test_batched_sweep_equals_single_runs():
    sweep = ch.sparse_sweeps()["AdaGrad"]
    k = ch.sparse_best()["AdaGrad"][2]
    single = run(AdaGrad(ch.LR_GRID[k]), ch.SPARSE, None, ch.SPARSE_STEPS)
    np.testing.assert_allclose(sweep.loss[:, k], single.loss, rtol=1e-12)


def test_rare_and_common_errors():
    n = ch.sparse_numbers()
    assert n["gd_common_err"] == pytest.approx(0.108, abs=2e-3)
    assert n["gd_rare_err"] == pytest.approx(0.291, abs=2e-3)
    assert n["gd_rare_err"] > 2 * n["gd_common_err"]  # GD leaves the rare weights behind
    assert n["ada_rare_err"] < n["ada_common_err"] < 1e-3  # AdaGrad: both small, rare even smaller
    assert n["rate_ratio"] == pytest.approx(12.48, abs=0.05)
    assert n["rate_ratio"] == pytest.approx(n["grad_ratio"], rel=0.1)  # "made up for the gap in gradients"


def test_adagrad_needs_less_tuning():
    n = ch.tuning_numbers()
    assert (n["steps"], n["tol"]) == (100, 1e-3)
    assert n["gd_width"] == 0.25
    assert n["ada_width"] == 1.5
    assert n["width_ratio"] == 6.0


def test_rescaling_the_loss_leaves_adagrad_unchanged():
    class Scaled:
        def __init__(self, c):
            self.c, self.x0, self.f_min = c, ch.RAVINE.x0, 0.0

        def f(self, w):
            return self.c * ch.RAVINE.f(w)

        def grad(self, w):
            return self.c * ch.RAVINE.grad(w)

    paths = [run(AdaGrad(0.8, eps=0.0), Scaled(c), None, 30).params for c in (1e-3, 1.0, 1e3)]
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(paths[2], paths[1], rtol=1e-10, atol=1e-12)


def test_rate_decays_as_one_over_sqrt_t():
    n = ch.decay_numbers()
    assert (n["sigma"], n["stream_steps"]) == (0.5, 10_000)
    assert n["sqrt_law"] == pytest.approx(1.004, abs=2e-3)
    assert n["drop"] == pytest.approx(10.36, abs=0.05)
    rates = ch.constant_scale_rates()
    assert np.all(np.diff(rates, axis=0) <= 0)  # the rate never rises


def test_adagrad_frozen_on_beale():
    n = ch.decay_numbers()
    assert n["beale_steps"] == 1000
    assert n["beale_lr"] == pytest.approx(10**0.5)
    assert (n["beale_dw_1"], n["beale_dw_2"]) == pytest.approx((5061.0, -14190.75))
    assert n["beale_rate_1"] == pytest.approx(n["beale_lr"] / 5061.0, rel=1e-3)
    assert n["beale_rate_2"] == pytest.approx(n["beale_lr"] / 14190.75, rel=1e-3)
    assert n["beale_rate_change"] < 1e-3  # "change by less than 0.05 %" (glued value)
    assert n["beale_rate_change"] == pytest.approx(4.89e-4, rel=1e-2)
    assert n["beale_gap_mid"] == pytest.approx(0.950, abs=2e-3)
    assert n["beale_gap"] == pytest.approx(0.337, abs=2e-3)
    assert n["beale_gap"] > 0.1  # still far from the minimum after 1000 steps


def test_playground_builds_and_fits_budget():
    pg = ch.playground()
    assert pg.key == "adagrad"
    paths, gaps = pg.grid()
    assert gaps.size <= 90_000
    assert np.all(np.isfinite(paths[1]))  # AdaGrad never diverges on the grid
    assert len(pg.static_html()) < 1_500_000
