"""Every number and claim of the chapter "Learning-rate schedules" (book/13_schedules.ipynb).

The values measured on the digits MLP are pinned to the precision the prose prints them with, and the
claims the prose makes about them (the usable range widens, large rates blow up early without warmup)
are tested as relations.
"""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import Adam, run
from optim_core.chapters import get
from optim_core.chapters import schedules as ch
from optim_core.models import digits_mlp
from optim_core.schedules import constant, cosine, warmup_cosine


def test_quoted_values(numbers):
    assert_quoted(numbers, "schedules")


def test_setup_stated_in_the_text():
    assert (ch.STEPS, ch.WARMUP, ch.SEEDS, ch.EARLY, ch.USABLE, ch.SATURATION_STEP) == (200, 20, (0, 1, 2), 30, 0.1, 10)
    assert len(ch.BASE_LRS) == 13
    np.testing.assert_allclose(ch.BASE_LRS[[0, -1]], [1e-3, 1.0])
    np.testing.assert_allclose(np.diff(np.log10(ch.BASE_LRS)), 0.25)  # a quarter decade apart
    # the decay comparison: "7 base rates from 0.01 to 0.316", its last 20 steps; SGD at 1.78
    assert len(ch.DECAY_LRS) == 7 and set(ch.DECAY_LRS) <= set(ch.BASE_LRS)
    np.testing.assert_allclose(ch.DECAY_LRS[[0, -1]], [1e-2, 10**-0.5])
    assert ch.JITTER == 20 and ch.SGD_LR == pytest.approx(1.78, abs=0.005)


def test_example_schedules():
    s = ch.example_schedules(1.0, 200)
    assert list(s) == ["constant", "step decay", "cosine", "linear warmup", "warmup + cosine"]
    assert float(s["step decay"](51)) == 0.5 and float(s["step decay"](50)) == 1.0
    assert float(s["linear warmup"](1)) == pytest.approx(1 / 20)


def test_worked_values(numbers):
    # the warmup rises by 0.01 / 20 per step; the cosine starts at full height and is at half at step 111
    assert numbers["sc_worked_10"] == pytest.approx(10 * numbers["sc_worked_1"], rel=1e-14)
    assert numbers["sc_worked_20"] == numbers["sc_worked_21"] == pytest.approx(0.01, rel=1e-14)
    assert numbers["sc_worked_111"] == pytest.approx(numbers["sc_worked_20"] / 2, rel=1e-12)
    assert numbers["sc_half_step"] == 20 + 90 + 1
    # exercise 1: the small-angle estimate 0.01 pi^2 / (4 180^2)
    assert numbers["sc_worked_200"] == pytest.approx(0.01 * np.pi**2 / (4 * 180**2), rel=1e-4)
    assert numbers["sc_worked_200"] > 0


def test_scale_error_shrinks_with_the_samples(numbers):
    median, p90 = ch.scale_error_quantiles()
    assert numbers["sc_err_median_1"] == pytest.approx(100 * median[0])
    assert np.all(p90 >= median)
    assert numbers["sc_err_median_100"] < numbers["sc_err_median_10"] < numbers["sc_err_median_1"]
    # coordinates whose first minibatch gradient is 0 have v_hat_1 = 0: an error of exactly 100 %
    assert numbers["sc_zero_first_pct"] == pytest.approx(100 * np.mean(ch.scale_error()[0] == 1.0))


def test_adam_step_sizes(numbers):
    sizes = [numbers[f"sc_step_{t}"] for t in (1, 10, 100)]
    assert sizes[0] > sizes[1] > sizes[2]
    assert numbers["sc_step_ratio"] == pytest.approx(sizes[0] / sizes[2])
    # the first step is alpha sign(dw): every coordinate with a nonzero minibatch gradient moves by alpha
    problem = digits_mlp(seed=0)
    traj = run(Adam(lr=0.01), problem, steps=1)
    g = problem.stochastic_grad(problem.x0, 1)
    moved = np.abs(traj.params[1] - traj.params[0])
    clear = np.abs(g) > 1e-5  # where eps = 1e-8 is negligible next to |dw|
    np.testing.assert_allclose(moved[clear], 0.01, rtol=1e-3)
    assert np.all(moved <= 0.01) and np.all(moved[g == 0] == 0)
    assert np.sqrt(np.mean(g != 0)) == pytest.approx(sizes[0], abs=1e-4)


def test_usable_range_widens(numbers):
    assert numbers["sc_warmup_high"] > numbers["sc_cosine_high"]
    # the lower end does not move: at small rates the two schedules end almost at the same loss
    assert numbers["sc_warmup_low"] == numbers["sc_cosine_low"]
    for lr in ch.BASE_LRS[:5]:
        a, b = ch.at_lr("cosine", lr)["final"], ch.at_lr("warmup", lr)["final"]
        assert abs(a - b) < 0.01 * a
    # usable means a mean final loss below USABLE; the next grid value above each range is not usable
    for kind in ("cosine", "warmup"):
        high = numbers[f"sc_{kind}_high"]
        assert ch.at_lr(kind, high)["final"] < numbers["sc_usable"] <= ch.at_lr(kind, high * 10**0.25)["final"]


def test_large_rates_blow_up_early_without_warmup(numbers):
    assert numbers["sc_hot_lr"] == pytest.approx(ch.HOT_LR, rel=1e-3)
    assert numbers["sc_hot_ratio"] == pytest.approx(numbers["sc_cosine_hot_final"] / numbers["sc_warmup_hot_final"])
    assert numbers["sc_hot_ratio"] > 10
    # with warmup the loss never rises above its start: the early maximum is the mean starting loss
    starts = np.mean([digits_mlp(seed=seed).f(digits_mlp(seed=seed).x0) for seed in ch.SEEDS])
    assert numbers["sc_warmup_hot_early"] == pytest.approx(starts, rel=1e-12)
    assert numbers["sc_cosine_hot_early"] > 3 * starts
    assert numbers["sc_cosine_one_early"] > 10 * numbers["sc_warmup_one_early"]


def test_saturation(numbers):
    assert numbers["sc_sat_step"] == ch.SATURATION_STEP
    assert numbers["sc_cosine_hot_sat"] > 5 * numbers["sc_warmup_hot_sat"]
    problem = digits_mlp(seed=0)
    assert ch.saturation(problem, problem.x0) == 0.0


def test_even_the_best_run_improves(numbers):
    assert numbers["sc_cosine_best_lr"] == ch.best("warmup")["lr"]  # "both schedules do best at"
    assert numbers["sc_warmup_best_final"] < numbers["sc_cosine_best_final"]
    k = list(ch.BASE_LRS).index(numbers["sc_cosine_best_lr"])  # "lower with warmup on each of the three seeds"
    assert np.all(ch.warmup_sweep("warmup")["final"][:, k] < ch.warmup_sweep("cosine")["final"][:, k])


def test_a_constant_rate_jitters_and_the_decay_removes_it(numbers):
    # compared at the cosine's best rate
    assert ch.decay_comparison()["lr"] == numbers["sc_cosine_best_lr"]
    # "went up on about half of its last 20 steps": at every rate of the grid, not only the one quoted
    const = ch.schedule_sweep("constant", tuple(ch.DECAY_LRS))
    assert 0.3 < numbers["sc_rising_const"] / 100 < 0.7 and np.all(const["rising"].mean(axis=0) > 0.3)
    # the cosine and the full-batch constant rate never went up over those steps
    assert numbers["sc_rising_cos"] == 0 and numbers["sc_rising_full"] == 0
    assert numbers["sc_decay_const_settle"] > 2  # "ended ... times above the lowest loss of the second half"
    full = ch.schedule_sweep("constant", (numbers["sc_cosine_best_lr"],), batch_size=None)
    np.testing.assert_array_equal(full["settle"], 1.0)  # without noise the run ends at its lowest loss


def test_at_the_cosines_best_rate_the_decay_ends_lower(numbers):
    assert numbers["sc_decay_cos_mean"] == pytest.approx(numbers["sc_cosine_best_final"], rel=1e-12)
    assert numbers["sc_decay_const_mean"] > 3 * numbers["sc_decay_cos_mean"]
    assert numbers["sc_decay_cos_hi"] < numbers["sc_decay_const_lo"]  # on every seed
    for kind in ("const", "cos", "best"):
        assert numbers[f"sc_decay_{kind}_lo"] <= numbers[f"sc_decay_{kind}_mean"] <= numbers[f"sc_decay_{kind}_hi"]


def test_the_decay_does_not_give_a_lower_loss_at_every_rate(numbers):
    const = ch.schedule_sweep("constant", tuple(ch.DECAY_LRS))["final"].mean(axis=0)
    cos = np.array([ch.at_lr("cosine", lr)["final"] for lr in ch.DECAY_LRS])
    # "at every base rate up to 0.0562 the constant rate ends lower"; above it the cosine does
    below = ch.DECAY_LRS <= numbers["sc_decay_cross"]
    assert below.sum() >= 3 and np.all(const[below] < cos[below]) and np.all(const[~below] > cos[~below])
    # each at its best rate of the grid: the cosine does not end lower, and three seeds do not separate them
    assert numbers["sc_decay_cos_mean"] > numbers["sc_decay_best_mean"]
    assert numbers["sc_decay_best_lr"] == ch.DECAY_LRS[np.argmin(const)]
    assert numbers["sc_decay_best_lr"] != numbers["sc_cosine_best_lr"]
    assert numbers["sc_decay_best_lo"] < numbers["sc_decay_cos_hi"]
    assert numbers["sc_decay_cos_lo"] < numbers["sc_decay_best_hi"]
    # the cosine's best over the whole grid is the one quoted
    assert numbers["sc_decay_cos_mean"] == pytest.approx(ch.best("cosine")["final"], rel=1e-12)


def test_warmup_also_helps_plain_sgd(numbers):
    assert numbers["sc_sgd_lr"] == ch.SGD_LR
    assert numbers["sc_sgd_warmup_final"] < numbers["sc_sgd_cosine_final"] / 2
    assert numbers["sc_sgd_warmup_early_max"] < numbers["sc_sgd_cosine_early_max"] / 2
    start = np.mean([digits_mlp(seed=seed).f(digits_mlp(seed=seed).x0) for seed in ch.SEEDS])
    assert numbers["sc_sgd_cosine_early_max"] > 3 * start  # "climbs to 12.6 within 30 steps"


def test_sweep_is_one_batched_run_per_seed():
    """The text: each schedule on each seed is one batched run, the call it prints."""
    lrs = ch.BASE_LRS[[2, 9]]
    traj = run(Adam(lr=warmup_cosine(lrs[:, None], ch.WARMUP, ch.STEPS)), digits_mlp(seed=1), steps=ch.STEPS)
    np.testing.assert_allclose(traj.loss[-1], ch.warmup_sweep("warmup")["final"][1, [2, 9]], rtol=1e-12)
    single = run(Adam(lr=cosine(float(lrs[1]), ch.STEPS)), digits_mlp(seed=1), steps=ch.STEPS)
    assert single.loss[-1] == pytest.approx(ch.warmup_sweep("cosine")["final"][1, 9], rel=1e-10)


def test_radam_exercise(numbers):
    r = ch.radam_rectification([1, 4, 5, 10, 100, 1000])
    assert np.all(np.isnan(r[:2])) and not np.any(np.isnan(r[2:]))
    assert [numbers[f"sc_radam_{t}"] for t in (10, 100, 1000)] == r[3:].tolist()
    assert np.all(r[3:] > np.array([10, 100, 1000]) / 2000)  # above the 2000-step linear warmup
    assert 2.5 < r[5] / r[4] < 3.5  # roughly sqrt(10) per decade between t = 100 and 1000
    assert ch.radam_rectification(10**6) == pytest.approx(1.0, abs=1e-6)


def test_running_past_the_plan_exercise(numbers):
    s = cosine(0.1, 100)
    assert numbers["sc_cos_50"] == pytest.approx(0.1 * 0.5 * (1 + np.cos(0.49 * np.pi)))
    assert float(s(51)) == pytest.approx(0.05)
    assert 0.05 < numbers["sc_cos_50"] < 0.055  # "a little above" half at step 50
    assert numbers["sc_cos_100"] == pytest.approx(0.1 * 0.5 * (1 + np.cos(0.99 * np.pi)))
    assert numbers["sc_cos_100"] == float(s(101)) == float(s(300))  # held past the plan
    torch_like = 0.1 * 0.5 * (1 + np.cos(np.pi * 200 / 100))
    assert torch_like == pytest.approx(0.1)


def test_decay_sweep_is_one_batched_run_per_seed():
    """The constant-rate runs of the comparison are batched runs: one of them equals a single run."""
    k = 3
    single = run(Adam(lr=constant(float(ch.DECAY_LRS[k]))), digits_mlp(seed=2), steps=ch.STEPS)
    batched = ch.schedule_sweep("constant", tuple(ch.DECAY_LRS))["final"][2, k]
    assert single.loss[-1] == pytest.approx(batched, rel=1e-10)


def test_figures_build():
    for make in (ch.schedules_figure, ch.decay_figure, ch.sample_figure, ch.warmup_figure):
        assert make().axes


def test_playground_claims():
    pg = get("schedules")
    assert list(pg.optimizers) == ["Adam", "Adam, no warmup"]
    _, gaps = pg.grid()
    # at warmup 0 the warmup schedule is the plain cosine: the two curves coincide
    np.testing.assert_allclose(gaps[0, :, 0], gaps[1, :, 0], rtol=1e-12)
    # "raise α to 1 with no warmup and watch the first steps; then add 20 warmup steps"
    assert gaps[1, -1, 0, :31].max() > 10 and gaps[0, -1, 3, :31].max() < 5
    assert ch._readout(0.1, 20.0) == "warmup: α rises from 0.005 at step 1 to 0.1 at step 20, then cosine decay"
    assert ch._readout(0.1, 0.0).startswith("no warmup")
