"""Every number and claim of the chapter "Exponential moving averages" (book/01_ema.ipynb)."""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import GD, run
from optim_core.chapters import ema as ch
from optim_core.ema import ema, ema_weights
from optim_core.plots import color_of


def test_quoted_values(numbers):
    assert_quoted(numbers, "ema")


# ----- the worked computation ---------------------------------------------------------------------------------


def test_worked_example_is_the_weighted_sum_of_its_inputs(numbers):
    # xs = (2, 4, 8), beta = 1/2: weights 1/8, 1/4, 1/2 (summing to 7/8), so v_3 = 5.25 and v_3 / (7/8) = 6.
    np.testing.assert_array_equal(ema_weights(0.5, 3), [0.125, 0.25, 0.5])
    assert numbers["ema_worked_v3"] == numbers["ema_worked_unrolled"]
    assert numbers["ema_worked_hat"] == pytest.approx(numbers["ema_worked_v3"] / (7 / 8), rel=1e-15)


@pytest.mark.parametrize("beta", [0.3, 0.8, 0.95])
@pytest.mark.parametrize("t", [1, 7, 50])
def test_weights_decay_geometrically_and_sum_to_one_minus_beta_t(beta, t):
    w = ema_weights(beta, t)
    np.testing.assert_allclose(w[:-1] / w[1:], beta, rtol=1e-12)
    assert w.sum() == pytest.approx(1 - beta**t, rel=1e-12)
    xs = np.random.default_rng(0).normal(size=t)
    assert ema(xs, beta)[-1] == pytest.approx(w @ xs, rel=1e-12, abs=1e-15)


def test_longer_memory_starts_four_times_lower_in_the_figure():
    # "with beta = 0.95 they start at a quarter of that height"
    assert ema_weights(0.95, 60)[-1] / ema_weights(0.8, 60)[-1] == pytest.approx(0.25)


# ----- memory --------------------------------------------------------------------------------------------------


def test_recent_share_is_about_two_thirds_and_tends_to_one_minus_one_over_e(numbers):
    shares = [r["recent_share"] for r in ch.memory_table(ch.MEMORY_BETAS)]
    assert all(0.63 < s <= 0.75 for s in shares)
    assert np.all(np.diff(shares) < 0)  # decreasing toward the limit
    assert shares[-1] == pytest.approx(numbers["ema_share_limit"], abs=2e-4)
    assert numbers["ema_share_limit"] < numbers["ema_share_099"] < numbers["ema_share_09"] < numbers["ema_share_05"]


def test_from_beta_one_half_up_the_memory_carries_about_two_thirds():
    # "From beta = 0.5 up": the share 1 - beta^(1/(1-beta)) of the last 1/(1-beta) inputs falls from 0.75 toward 1 - 1/e
    betas = np.linspace(0.5, 0.999, 500)
    shares = 1 - betas ** (1 / (1 - betas))
    assert np.all((shares > 1 - np.exp(-1)) & (shares <= 0.75)) and np.all(np.diff(shares) < 0)
    assert 1 - 0.2 ** (1 / 0.8) > 0.8  # below 0.5 it is not two thirds any more


def test_half_life_is_about_0_69_memories(numbers):
    assert numbers["ema_half_life_09"] == pytest.approx(0.69 * numbers["ema_memory_09"], rel=0.05)


# ----- smoothing and lag ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_noise_left_matches_formula(beta):
    # 200 runs x 3000 steps: the measured standard deviation is within 3% of sqrt((1-beta)/(1+beta)).
    assert ch.noise_left(beta) == pytest.approx(ch.noise_left_predicted(beta), rel=0.03)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_ramp_lag_is_beta_over_one_minus_beta(beta):
    assert ch.ramp_lag(beta) == pytest.approx(beta / (1 - beta), abs=1e-6)


def test_larger_beta_is_smoother_and_lags_more(numbers):
    assert numbers["ema_noise_098"] < numbers["ema_noise_09"]
    assert numbers["ema_noise_pred_098"] < numbers["ema_noise_pred_09"]
    assert numbers["ema_lag_098"] > numbers["ema_lag_09"]
    betas = (0.5, 0.9, 0.98)
    assert np.all(np.diff([ch.noise_left(b) for b in betas]) < 0)
    assert np.all(np.diff([ch.ramp_lag(b) for b in betas]) > 0)


# ----- bias ----------------------------------------------------------------------------------------------------


def test_bias_correction_recovers_a_constant_and_plain_ema_does_not(numbers):
    assert numbers["ema_const_corrected"] < 1e-13
    np.testing.assert_allclose(ema(np.full(30, 5.0), 0.9), 5.0 * (1 - 0.9 ** np.arange(1, 31)), rtol=1e-13)


def test_correction_makes_the_early_estimate_much_better(numbers):
    assert numbers["ema_early_plain"] > 5 * numbers["ema_early_corrected"]


def test_steps_until_weights_reach_95_percent_are_about_three_memories(numbers):
    for beta, name in ((0.9, "ema_reach95_09"), (0.99, "ema_reach95_099"), (0.999, "ema_reach95_0999")):
        t = numbers[name]
        assert t == ch.steps_to_weight(beta, 0.95)
        assert 1 - beta**t >= 0.95 > 1 - beta ** (t - 1)
        assert 2.85 < t * (1 - beta) <= 3.0  # ln 20 = 3.0 memories


# ----- an EMA is gradient descent ------------------------------------------------------------------------------


@pytest.mark.parametrize("corrected", [False, True])
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_gd_on_noisy_target_is_the_ema(beta, corrected):
    target = ch.NoisyTarget()
    gd = ch.ema_as_gd(beta, steps=80, target=target, bias_corrected=corrected).params[1:]
    np.testing.assert_allclose(gd, ema(target.samples[:80], beta, bias_corrected=corrected), rtol=1e-12, atol=1e-12)


def test_gd_vs_ema_gap_is_rounding_error(numbers):
    assert numbers["ema_gd_gap"] < 1e-13


def test_corrected_schedule_starts_at_one_and_behaves_like_one_over_t(numbers):
    lr = ch.corrected_lr(0.99)
    assert lr(1) == pytest.approx(1.0)
    assert numbers["ema_lr5"] == pytest.approx(1 / 5, rel=0.03)  # close to 1/t while t << 1/(1-beta)
    assert lr(10_000) == pytest.approx(0.01, rel=1e-6)


def test_batched_beta_grid_equals_the_individual_emas():
    target = ch.NoisyTarget()
    betas = np.array(ch.BETAS)
    traj = run(GD(ch.corrected_lr(betas[:, None])), target, target.x0, 60)
    for i, beta in enumerate(betas):
        expected = ema(target.samples[:60], beta, bias_corrected=True)
        np.testing.assert_allclose(traj.params[1:, i], expected, rtol=1e-12, atol=1e-12)


def test_noisy_target_problem():
    target = ch.NoisyTarget()
    np.testing.assert_array_equal(target.samples, ch.NoisyTarget().samples)  # seeded
    w = np.array([[1.0, 1.0], [3.0, 2.0]])
    np.testing.assert_allclose(target.f(w), [0.5 * (4 + 1), 0.0])
    np.testing.assert_allclose(target.stochastic_grad(w, 3), w - target.samples[2])
    with pytest.raises(ValueError, match="step"):
        target.stochastic_grad(w, target.n_samples + 1)


# ----- the playground: its two lines are the two EMAs ------------------------------------------------------------


def test_playground_lines_have_distinct_colors():
    labels = list(ch.playground().optimizers)
    assert len({color_of(label, i) for i, label in enumerate(labels)}) == len(labels)


def test_playground_grid_is_the_plain_and_the_corrected_ema():
    pg = ch.playground()
    paths, _ = pg.grid()
    target = pg.problem_for(pg.default_values())
    for k, corrected in enumerate(ch.PLAYGROUND_LINES.values()):
        for i, beta in enumerate(ch.BETAS):
            expected = ema(target.samples[: pg.steps], beta, bias_corrected=corrected)
            np.testing.assert_allclose(paths[k, i, 1:], expected, rtol=1e-12, atol=1e-12)


def test_playground_readout():
    text = ch.readout(0.9)
    assert "memory 1/(1-β) = 10 steps" in text
    assert "t = 29" in text
