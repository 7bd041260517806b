"""RMSProp chapter: every number its prose quotes (through the `numbers` fixture), and the claims it makes."""

import inspect
import itertools

import numpy as np
import pytest
from book_files import assert_quoted
from torch_support import require_torch

from optim_core import RMSProp, run
from optim_core.chapters import rmsprop as ch
from optim_core.problems import BEALE_FROM_WALL


def test_quoted_values(numbers):
    assert_quoted(numbers, "rmsprop")


def test_defaults_are_torchs(numbers):
    torch = require_torch()
    params = inspect.signature(torch.optim.RMSprop).parameters
    assert params["alpha"].default == numbers["beta"]  # torch calls beta "alpha"
    assert params["eps"].default == numbers["eps"]


def test_first_steps_by_hand(numbers):
    assert (numbers["first_dw_1"], numbers["first_dw_2"]) == (5061.0, -14190.75)
    assert (numbers["first_ada_1"], numbers["first_ada_2"]) == pytest.approx((-1.0, 1.0), abs=1e-9)
    # alpha / sqrt(1 - beta), "the missing bias correction at work"
    assert (numbers["first_rms_1"], numbers["first_rms_2"]) == pytest.approx((-10.0, 10.0), abs=1e-8)
    assert numbers["first_factor"] == pytest.approx(1 / np.sqrt(1 - numbers["beta"]), rel=1e-12)
    assert numbers["first_doubling"] == pytest.approx(2 * np.log(2) / np.log(1 / 0.99), rel=1e-12)
    assert round(numbers["first_doubling"]) == 138


def test_rate_doubles_after_doubling_time(numbers):
    """A large gradient followed by tiny ones: RMSProp's rate doubles in the doubling time the prose quotes."""
    opt = RMSProp(1.0)
    w = np.zeros(1)
    state = opt.init(w)
    _, state = opt.update(w, np.array([100.0]), state)
    start = 1.0 / np.sqrt(state.sq_avg[0])
    for _ in range(round(numbers["first_doubling"])):
        _, state = opt.update(w, np.array([1e-6]), state)
    assert 1.0 / np.sqrt(state.sq_avg[0]) / start == pytest.approx(2.0, rel=1e-2)


def test_race_grid_is_the_adagrad_chapters(numbers):
    from optim_core.chapters import adagrad  # the prose says "the same grid as the AdaGrad chapter"

    np.testing.assert_array_equal(ch.LR_GRID, adagrad.LR_GRID)
    assert numbers["race_n_grid"] == len(adagrad.LR_GRID)


def test_race_tuning_gives_the_same_first_step(numbers):
    assert numbers["race_ada_lr"] == pytest.approx(10**0.5, rel=1e-12)
    assert numbers["race_rms_lr"] == pytest.approx(10**-0.5, rel=1e-12)
    # the two tuned alphas give the same first step, so the paths coincide
    assert numbers["race_ada_lr"] == pytest.approx(numbers["race_rms_lr"] / np.sqrt(1 - ch.BETA), rel=1e-12)
    assert numbers["race_path_distance"] < 0.01


def test_rmsprop_ahead_of_adagrad_at_the_tuning_step(numbers):
    assert numbers["race_factor"] == pytest.approx(numbers["race_ada_gap"] / numbers["race_rms_gap"])
    assert numbers["race_rms_gap"] < 1e-4 * numbers["race_ada_gap"]
    assert numbers["race_rms_hit"] < numbers["race_steps"]
    assert numbers["race_ada_best_long"] > numbers["race_tol"]  # AdaGrad never reaches the tolerance


def test_rmsprop_rate_rises_adagrad_rate_does_not(numbers):
    r = ch.race()
    rms, ada = r["RMSProp"]["rates"], r["AdaGrad"]["rates"]
    assert np.all(np.diff(rms[1 : ch.RACE_STEPS], axis=0) > 0)  # rises at every step of the race
    assert np.all(np.diff(ada, axis=0) <= 0)  # never rises
    assert numbers["race_growth_predicted"] == pytest.approx(0.99 ** (-999 / 2), rel=1e-12)
    assert numbers["race_growth"] == pytest.approx(numbers["race_growth_predicted"], rel=2e-3)
    assert numbers["race_ada_change"] < 1e-3  # "less than 0.05 %" as printed


def test_rmsprop_overshoots_then_cycles(numbers):
    assert numbers["race_unstable_from"] < numbers["race_rms_low_step"] < numbers["race_overshoot"]
    gap = ch.race()["RMSProp"]["gap"]
    assert gap[numbers["race_overshoot"]] > 1000 * numbers["race_rms_low"]
    params = ch.race()["RMSProp"]["params"]
    assert np.max(np.abs(params[-100:] - params[-102:-2])) < 1e-5  # w_t = w_{t-2}: a two-step cycle
    assert numbers["race_cycle_lo"] < numbers["race_cycle_hi"]
    assert numbers["race_ada_gap_long"] < numbers["race_cycle_lo"]  # AdaGrad ends lower after all


def test_sparse_problem_is_a_tie(numbers):
    assert numbers["sparse_ratio"] == pytest.approx(numbers["sparse_ada_gap"] / numbers["sparse_rms_gap"])
    assert 0.5 < numbers["sparse_ratio"] < 2  # a tie
    assert numbers["sparse_ratio"] == pytest.approx(1.22, abs=0.005)
    # RMSProp's best alpha is smaller by about the factor by which its first step is larger
    assert numbers["sparse_lr_ratio"] == pytest.approx(numbers["sparse_ada_lr"] / numbers["sparse_rms_lr"])
    assert numbers["sparse_lr_ratio"] == pytest.approx(numbers["first_factor"], rel=0.35)


def test_beta_sweep_has_one_best_beta(numbers):
    chosen = ch.beta_best()
    gaps = [chosen[b][1] for b in ch.BETAS]
    best = gaps.index(min(gaps))
    assert ch.BETAS[best] == numbers["beta_best_beta"]
    assert all(a > b for a, b in itertools.pairwise(gaps[: best + 1]))  # improves up to the best
    assert all(a < b for a, b in itertools.pairwise(gaps[best:]))  # then worsens
    assert numbers["beta_gap_0"] / numbers["beta_gap_099"] > 1e6  # "by orders of magnitude"
    assert numbers["beta_n_betas"] == len(ch.BETAS)
    for _, _, k in chosen.values():  # every best alpha lies inside the grid
        assert 0 < k < len(ch.LR_GRID) - 1
    assert numbers["beta_first_099"] == pytest.approx(10.0)
    assert numbers["beta_first_0999"] == pytest.approx(31.62, abs=0.005)


def test_step_lengths_by_beta(numbers):
    middle = ch.step_lengths(0.9)[:, 0]
    assert middle[10:80].max() < 1 < numbers["beta_flare_09"]  # the steps hover below alpha, then flare up
    assert middle[numbers["beta_flare_09_step"] - 1] == numbers["beta_flare_09"]
    slow = ch.step_lengths(0.99)[:, 0]
    assert np.all(np.diff(slow[10:]) < 0)  # beta = 0.99: the steps shrink steadily
    assert slow[0] == pytest.approx(10.0, rel=1e-6)  # first step alpha / sqrt(1 - beta)


def test_beta_zero_is_the_sign_update(numbers):
    assert numbers["beta_sign_dev"] < 1e-5
    opt = RMSProp(0.1, beta=0.0, eps=0.0)
    w = np.array([1.0, -2.0, 3.0])
    g = np.array([1e-3, 5.0, -70.0])
    w1, _ = opt.update(w, g, opt.init(w))
    np.testing.assert_allclose(w1 - w, -0.1 * np.sign(g), rtol=1e-12)


def test_rmsprop_scale_invariant():
    class Scaled:
        def __init__(self, c):
            self.c, self.x0 = c, ch.BETA_PROBLEM.x0

        def f(self, w):
            return self.c * ch.BETA_PROBLEM.f(w)

        def grad(self, w):
            return self.c * ch.BETA_PROBLEM.grad(w)

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


def test_playground_replays_the_race_and_flares_on_the_ravine():
    """The playground's claims: each method has its own alpha; on Beale, the default pair (3.16 for AdaGrad,
    0.316 for RMSProp) is the race; on the turned ravine, RMSProp's loss flares up again and again after it
    has converged."""
    pg = ch.playground()
    names = [s.name for s in pg.sliders]
    assert {"lr_ada", "lr_rms"} <= set(names) and "lr" not in names
    defaults = pg.default_values()
    assert defaults["lr_ada"] == pytest.approx(10**0.5) and defaults["lr_rms"] == pytest.approx(10**-0.5)
    on_beale = pg.compute({**defaults, "which": 1.0})
    race = ch.race()
    np.testing.assert_array_equal(on_beale["AdaGrad"].params, race["AdaGrad"]["params"][: pg.steps + 1])
    np.testing.assert_array_equal(on_beale["RMSProp"].params, race["RMSProp"]["params"][: pg.steps + 1])
    assert pg.problem_for({"which": 1.0}) is BEALE_FROM_WALL
    gap = pg.compute(defaults)["RMSProp"].loss - ch.BETA_PROBLEM.f_min
    flares, low = 0, gap[0]
    for g in gap:  # count rises by a factor 1e6 above the lowest value since the last rise
        low = min(low, g)
        if g > 1e6 * low:
            flares, low = flares + 1, g
    assert flares >= 2


def test_playground_sliders_reach_only_their_method():
    """Moving AdaGrad's alpha leaves RMSProp's run unchanged, and the other way round."""
    pg = ch.playground()
    base = pg.default_values()
    a = pg.compute(base)
    b = pg.compute({**base, "lr_ada": 1.0, "lr_rms": 0.1})
    np.testing.assert_array_equal(pg.compute({**base, "lr_ada": 1.0})["RMSProp"].params, a["RMSProp"].params)
    np.testing.assert_array_equal(pg.compute({**base, "lr_rms": 0.1})["AdaGrad"].params, a["AdaGrad"].params)
    assert not np.array_equal(b["AdaGrad"].params, a["AdaGrad"].params)
    assert not np.array_equal(b["RMSProp"].params, a["RMSProp"].params)


# ----- with gradient noise (issue 13) ----------------------------------------------------------------------
def test_noiseless_noisy_ravine_is_the_turned_ravine():
    path = run(RMSProp(ch.NOISE_LR), ch.noisy_ravine(0.0, seed=0), None, 50).params
    np.testing.assert_allclose(
        path, run(RMSProp(ch.NOISE_LR), ch.BETA_PROBLEM, None, 50).params, rtol=1e-10, atol=1e-14
    )


def test_noise_stops_the_flares_but_not_the_floor(numbers):
    assert numbers["noise_low_0"] < 1e-20  # without noise the run first converges ...
    assert numbers["noise_unstable_0"] > 0.3  # ... then its rates keep crossing the limit
    assert numbers["noise_unstable_001"] > 0.3  # "weak noise changes nothing"
    assert numbers["noise_unstable_01"] == 0.0 and numbers["noise_unstable_1"] == 0.0  # "the flares are gone"
    # "the loss is no lower for it"
    assert numbers["noise_late_01"] >= numbers["noise_late_0"] and numbers["noise_late_1"] >= numbers["noise_late_0"]
    # the figure's one seed tells the same story as all of them
    runs = ch.noise_runs()
    late = slice(ch.NOISE_STEPS // 2, None)
    assert runs[0.0]["sharpness"][late, 0].max() > 2 > runs[0.1]["sharpness"][late, 0].max()


def test_noise_runs_are_batched_single_runs():
    single = run(RMSProp(ch.NOISE_LR), ch.noisy_ravine(1.0, seed=5), None, ch.NOISE_STEPS)
    np.testing.assert_array_equal(single.loss, ch.noise_runs()[1.0]["gap"][:, 5])


def test_scaled_curvature_is_the_eigenvalue_of_d_h():
    rates = ch.race()["RMSProp"]["rates"][[0, 500, 1500]]
    h = ch.hessian(ch.BEALE, ch.BEALE.minimum)
    direct = [np.max(np.linalg.eigvals(np.diag(d) @ h).real) for d in rates]
    np.testing.assert_allclose(ch.scaled_curvature(rates), direct, rtol=1e-9)


def test_minibatches_favour_adagrad(numbers):
    ada, rms = ch.minibatch_best("AdaGrad")[1], ch.minibatch_best("RMSProp")[1]
    assert len(ada) == numbers["n_seeds"]
    assert numbers["mb_ratio"] == pytest.approx(numbers["mb_rms_gap"] / numbers["mb_ada_gap"])
    assert numbers["mb_ratio"] > 2
    assert np.all(ada < rms)  # "AdaGrad is lower on every seed"
    for name in ("AdaGrad", "RMSProp"):  # both best alphas lie inside the grid
        k = int(np.argmin(ch.minibatch_sweeps()[name].scores.mean(axis=0)))
        assert 0 < k < len(ch.MB_GRID) - 1


def test_noise_flattens_the_beta_sweep(numbers):
    noisy = ch.beta_best(noisy=True)
    gaps = {b: g for b, (_, g, _) in noisy.items()}
    assert max(gaps, key=gaps.get) == 0.0  # "beta = 0 is still the worst"
    assert min(gaps, key=gaps.get) == numbers["nbeta_best_beta"] >= 0.99  # "a beta close to 1 was best"
    assert numbers["nbeta_spread"] == pytest.approx(max(gaps.values()) / min(gaps.values()))
    assert numbers["nbeta_spread"] < 5  # "a factor of only ..."
    assert numbers["beta_gap_0"] / numbers["beta_gap_099"] > 1e6  # "against orders of magnitude without noise"
    assert numbers["nbeta_gap_0999"] == gaps[0.999] and numbers["nbeta_gap_09"] == gaps[0.9]
    assert numbers["nbeta_gap_0"] == gaps[0.0] and numbers["nbeta_gap_099"] == gaps[0.99]
    for _, _, k in noisy.values():  # every best alpha lies inside the grid
        assert 0 < k < len(ch.LR_GRID) - 1
