"""Chapter 5 (RMSProp): every number the prose quotes, and every claim it makes about them."""

import inspect
import itertools

import numpy as np
import pytest
from torch_support import require_torch

from optim_core import RMSProp, run
from optim_core.chapters import adagrad as ag
from optim_core.chapters import rmsprop as ch


def test_defaults():
    assert ch.defaults() == {"beta": 0.99, "eps": 1e-8}


def test_defaults_are_torchs():
    torch = require_torch()
    params = inspect.signature(torch.optim.RMSprop).parameters
    assert params["alpha"].default == ch.defaults()["beta"]  # torch calls beta "alpha"
    assert params["eps"].default == ch.defaults()["eps"]


def test_first_steps_by_hand():
    n = ch.first_step_numbers()
    assert (n["dw_1"], n["dw_2"]) == (5061.0, -14190.75)
    assert (n["ada_1"], n["ada_2"]) == pytest.approx((-1.0, 1.0), abs=1e-9)
    assert (n["rms_1"], n["rms_2"]) == pytest.approx((-10.0, 10.0), abs=1e-8)  # alpha / sqrt(1 - beta)
    assert n["factor"] == pytest.approx(10.0)
    assert n["doubling"] == pytest.approx(137.9, abs=0.05)


def test_rate_doubles_after_doubling_time():
    """A large gradient followed by tiny ones: RMSProp's rate doubles in ch.doubling_time() steps."""
    opt = RMSProp(1.0)
    w = np.zeros(1)
    state = opt.init(w)
    _, state = opt.update(w, np.array([100.0]), state)
    start = 1.0 / np.sqrt(state.sq_avg[0])
    n = round(ch.doubling_time())
    for _ in range(n):
        _, state = opt.update(w, np.array([1e-6]), state)
    assert 1.0 / np.sqrt(state.sq_avg[0]) / start == pytest.approx(2.0, rel=1e-2)


def test_race_tuning():
    n = ch.race_numbers()
    assert (n["n_grid"], n["grid_lo"], n["grid_hi"]) == (33, 0.01, 100.0)
    assert (n["steps"], n["long_steps"], n["tol"]) == (1000, 2000, 1e-3)
    assert n["ada_lr"] == pytest.approx(10**0.5)
    assert n["rms_lr"] == pytest.approx(10**-0.5)
    assert n["ada_lr"] == pytest.approx(n["rms_lr"] / np.sqrt(1 - ch.BETA))  # the same first step
    assert n["path_distance"] == pytest.approx(0.0044, abs=2e-4)
    assert n["path_distance"] < 0.01  # "the two paths coincide"


def test_rmsprop_ahead_of_adagrad_late():
    n = ch.race_numbers()
    assert n["ada_gap"] == pytest.approx(0.337, abs=2e-3)
    assert n["rms_gap"] == pytest.approx(9.26e-7, rel=2e-2)
    assert n["factor"] == pytest.approx(3.64e5, rel=3e-2)
    assert n["rms_gap"] < 1e-4 * n["ada_gap"]
    assert n["rms_hit"] == 794
    assert n["ada_best_long"] == pytest.approx(0.0994, abs=5e-4)
    assert n["ada_best_long"] > n["tol"]  # AdaGrad never reaches the tolerance


def test_rmsprop_rate_rises_adagrad_rate_does_not():
    r = ch.race()
    rms, ada = r["RMSProp"]["rates"], r["AdaGrad"]["rates"]
    window = slice(1, ch.RACE_STEPS)
    assert np.all(np.diff(rms[window], axis=0) > 0)  # rises at every step of the window
    assert np.all(np.diff(ada, axis=0) <= 0)  # never rises
    n = ch.race_numbers()
    assert n["growth"] == pytest.approx(151.4, abs=0.3)
    assert n["growth_predicted"] == pytest.approx(151.43, abs=0.01)
    assert n["growth"] == pytest.approx(n["growth_predicted"], rel=2e-3)
    assert n["ada_change"] < 1e-3
    assert n["ada_change"] == pytest.approx(4.93e-4, rel=2e-2)


def test_rmsprop_overshoots_then_cycles():
    n = ch.race_numbers()
    assert n["rms_low"] == pytest.approx(2.75e-9, rel=5e-2)
    assert n["rms_low_step"] == 1089
    assert n["overshoot"] == 1097
    assert n["unstable_from"] == 1018
    assert n["unstable_from"] < n["rms_low_step"] < n["overshoot"]
    assert n["cycle_lo"] == pytest.approx(0.527, abs=2e-3)
    assert n["cycle_hi"] == pytest.approx(0.676, abs=2e-3)
    assert n["cycle_jump"] == pytest.approx(0.447, abs=2e-3)
    assert n["cycle_drift"] < 1e-5  # w_t = w_{t-2}: a two-step cycle
    assert n["ada_gap_long"] == pytest.approx(0.0994, abs=5e-4)
    assert n["ada_gap_long"] < n["cycle_lo"]  # AdaGrad ends lower after all


def test_sparse_problem_is_a_tie():
    n = ch.sparse_numbers()
    assert n["budget"] == 30
    assert n["ada_lr"] == pytest.approx(10 ** (1 / 8))
    assert n["rms_lr"] == pytest.approx(0.1)
    assert n["ada_gap"] == pytest.approx(5.66e-9, rel=2e-2)
    assert n["rms_gap"] == pytest.approx(4.62e-9, rel=2e-2)
    assert n["ratio"] == pytest.approx(1.22, abs=0.03)
    assert 0.5 < n["ratio"] < 2  # a tie
    assert n["lr_ratio"] == pytest.approx(13.3, abs=0.1)
    # the short sweep here agrees with chapter 4's long one at the budget step
    assert n["ada_gap"] == pytest.approx(ag.sparse_best()["AdaGrad"][1], rel=1e-6)


def test_beta_sweep():
    n = ch.beta_numbers()
    assert (n["steps"], n["n_betas"], n["best_beta"]) == (100, 7, 0.99)
    expected = {
        "0": 9.64e-3,
        "05": 2.79e-3,
        "09": 3.07e-5,
        "095": 2.15e-9,
        "099": 1.51e-13,
        "0995": 7.96e-12,
        "0999": 9.58e-11,
    }
    for key, value in expected.items():
        assert n[f"gap_{key}"] == pytest.approx(value, rel=5e-2), key
    gaps = [n[f"gap_{k}"] for k in expected]
    best = gaps.index(min(gaps))
    assert all(a > b for a, b in itertools.pairwise(gaps[: best + 1]))  # improves up to the best
    assert all(a < b for a, b in itertools.pairwise(gaps[best:]))  # then worsens
    assert n["first_099"] == pytest.approx(10.0)
    assert n["first_0999"] == pytest.approx(31.6, abs=0.05)


def test_step_lengths_by_beta():
    n = ch.beta_numbers()
    assert n["flare_09_step"] == 92
    assert n["flare_09"] == pytest.approx(2.86, abs=0.01)
    middle = ch.step_lengths(0.9)
    assert middle[10:80].max() < 1 < n["flare_09"]  # the steps hover below alpha, then flare up
    assert np.all(np.diff(ch.step_lengths(0.99)[10:]) < 0)  # beta = 0.99: the steps shrink steadily
    assert ch.step_lengths(0.99)[0] == pytest.approx(10.0, rel=1e-6)  # first step alpha / sqrt(1 - beta)


def test_beta_zero_is_the_sign_update():
    assert ch.sign_deviation() < 1e-5
    assert ch.beta_numbers()["sign_dev"] == pytest.approx(6.46e-6, rel=5e-2)
    opt = RMSProp(0.1, beta=0.0, eps=0.0)
    w = np.array([1.0, -2.0, 3.0])
    g = np.array([1e-3, 5.0, -70.0])
    w1, _ = opt.update(w, g, opt.init(w))
    np.testing.assert_allclose(w1 - w, -0.1 * np.sign(g), rtol=1e-12)


def test_rmsprop_scale_invariant():
    class Scaled:
        def __init__(self, c):
            self.c, self.x0 = c, ag.TILTED.x0

        def f(self, w):
            return self.c * ag.TILTED.f(w)

        def grad(self, w):
            return self.c * ag.TILTED.grad(w)

    paths = [run(RMSProp(0.05, eps=0.0), Scaled(c), None, 30).params for c in (1e-3, 1.0, 1e3)]
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(paths[2], paths[1], rtol=1e-9, atol=1e-12)


def test_warmup_without_bias_correction():
    opt = RMSProp(1.0, beta=0.99, eps=0.0)
    w = np.zeros(1)
    state = opt.init(w)
    for t in range(1, 101):
        w_new, state = opt.update(w, np.array([3.0]), state)
        assert abs(w_new - w)[0] == pytest.approx(1 / np.sqrt(1 - 0.99**t), rel=1e-12)
        w = w_new


def test_playground_builds_and_fits_budget():
    pg = ch.playground()
    assert pg.key == "rmsprop"
    _, gaps = pg.grid()
    assert gaps.size <= 90_000
    assert len(pg.static_html()) < 1_500_000
