"""Every number and claim of the chapter "Exponential moving averages" (book/01_ema.ipynb)."""

import numpy as np
import pytest

from optim_core import GD, run
from optim_core.chapters import ema as ch
from optim_core.chapters import get
from optim_core.ema import ema, ema_weights
from optim_core.plots import color_of

# ----- the worked computation ---------------------------------------------------------------------------


def test_worked_example_by_hand():
    # xs = (2, 4, 8), beta = 1/2: every value is a short binary fraction, so == is exact.
    np.testing.assert_array_equal(ch.worked_example(), [1.0, 2.5, 5.25])
    assert ch.unrolled() == 5.25
    np.testing.assert_array_equal(ema_weights(0.5, 3), [0.125, 0.25, 0.5])
    assert ema(np.array(ch.WORKED_XS), 0.5, bias_corrected=True)[-1] == pytest.approx(6.0, rel=1e-15)


@pytest.mark.parametrize("beta", [0.3, 0.8, 0.95])
@pytest.mark.parametrize("t", [1, 7, 50])
def test_weights_decay_geometrically_and_sum_to_one_minus_beta_t(beta, t):
    w = ema_weights(beta, t)
    np.testing.assert_allclose(w[:-1] / w[1:], beta, rtol=1e-12)
    assert w.sum() == pytest.approx(1 - beta**t, rel=1e-12)
    xs = np.random.default_rng(0).normal(size=t)
    assert ema(xs, beta)[-1] == pytest.approx(w @ xs, rel=1e-12, abs=1e-15)


def test_longer_memory_starts_four_times_lower_in_the_figure():
    assert ema_weights(0.95, 60)[-1] / ema_weights(0.8, 60)[-1] == pytest.approx(0.25)


# ----- memory ------------------------------------------------------------------------------------------------


def test_memory_table_numbers():
    rows = {r["beta"]: r for r in ch.memory_table(betas=(0.5, 0.8, 0.9, 0.99, 0.999))}
    assert rows[0.5]["recent_share"] == pytest.approx(0.75, abs=1e-12)
    assert rows[0.9]["recent_share"] == pytest.approx(1 - 0.9**10, abs=1e-12)  # 65.1%
    assert rows[0.9]["recent_share"] == pytest.approx(0.651, abs=5e-4)
    assert rows[0.99]["recent_share"] == pytest.approx(0.634, abs=5e-4)
    assert rows[0.9]["half_life"] == pytest.approx(6.58, abs=5e-3)
    assert rows[0.9]["memory"] == pytest.approx(10)
    assert rows[0.999]["memory"] == pytest.approx(1000)


def test_recent_share_is_about_two_thirds_and_tends_to_one_minus_one_over_e():
    shares = [r["recent_share"] for r in ch.memory_table(betas=(0.5, 0.8, 0.9, 0.99, 0.999))]
    assert all(0.63 < s <= 0.75 for s in shares)
    assert np.all(np.diff(shares) < 0)  # decreasing toward the limit
    assert shares[-1] == pytest.approx(1 - np.exp(-1), abs=2e-4)


# ----- smoothing and lag ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_noise_left_matches_formula(beta):
    assert ch.noise_left(beta) == pytest.approx(ch.noise_left_predicted(beta), rel=0.03)


def test_noise_numbers_quoted():
    assert ch.noise_left(0.9) == pytest.approx(0.230, abs=5e-4)
    assert ch.noise_left_predicted(0.9) == pytest.approx(0.229, abs=5e-4)
    assert ch.noise_left(0.98) == pytest.approx(0.102, abs=5e-4)
    assert ch.noise_left_predicted(0.98) == pytest.approx(0.101, abs=5e-4)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_ramp_lag_is_beta_over_one_minus_beta(beta):
    assert ch.ramp_lag(beta) == pytest.approx(beta / (1 - beta), abs=1e-6)


def test_larger_beta_is_smoother_and_lags_more():
    betas = (0.5, 0.9, 0.98)
    assert np.all(np.diff([ch.noise_left(b) for b in betas]) < 0)
    assert np.all(np.diff([ch.ramp_lag(b) for b in betas]) > 0)


# ----- bias ---------------------------------------------------------------------------------------------------------


def test_bias_correction_recovers_a_constant_and_plain_ema_does_not():
    plain, corrected = ch.constant_error(beta=0.9, level=5.0, steps=50)
    assert plain == pytest.approx(4.5)  # v_1 = 0.1 * 5
    assert corrected < 1e-13
    np.testing.assert_allclose(ema(np.full(30, 5.0), 0.9), 5.0 * (1 - 0.9 ** np.arange(1, 31)), rtol=1e-13)


def test_early_error_plain_vs_corrected():
    plain, corrected = ch.early_error(beta=0.9, first=20)
    assert plain == pytest.approx(2.08, abs=0.005)
    assert corrected == pytest.approx(0.25, abs=0.005)
    assert plain > 5 * corrected


def test_steps_until_weights_reach_95_percent_are_about_three_memories():
    assert ch.steps_to_weight(0.9, 0.95) == 29
    assert ch.steps_to_weight(0.99, 0.95) == 299
    assert ch.steps_to_weight(0.999, 0.95) == 2995
    for beta in (0.9, 0.99, 0.999):
        t = ch.steps_to_weight(beta, 0.95)
        assert 1 - beta**t >= 0.95 > 1 - beta ** (t - 1)
        assert 2.85 < t * (1 - beta) <= 3.0  # ln 20 = 3.0 memories


def test_adam_first_step_without_correction_is_too_large():
    assert ch.adam_first_step_ratio(0.9, 0.999) == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-12)
    assert ch.adam_first_step_ratio(0.9, 0.999) == pytest.approx(3.16, abs=0.005)


# ----- an EMA is gradient descent ------------------------------------------------------------------------------------


@pytest.mark.parametrize("corrected", [False, True])
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_gd_on_noisy_target_is_the_ema(beta, corrected):
    target = ch.NoisyTarget()
    gd = ch.ema_as_gd(beta, steps=80, bias_corrected=corrected, target=target).params[1:]
    np.testing.assert_allclose(gd, ema(target.samples[:80], beta, bias_corrected=corrected), rtol=1e-12, atol=1e-12)


def test_gd_vs_ema_gap_quoted():
    assert ch.gd_vs_ema_gap(beta=0.9, steps=100) < 1e-13


def test_corrected_schedule_starts_at_one_and_behaves_like_one_over_t():
    lr = ch.corrected_lr(0.99)
    assert lr(1) == pytest.approx(1.0)
    assert lr(5) == pytest.approx(0.2040, abs=5e-5)
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


# ----- the playground -----------------------------------------------------------------------------------------------


def test_playground_lines_have_distinct_colors():
    labels = list(ch.playground().optimizers)
    assert len({color_of(label, i) for i, label in enumerate(labels)}) == len(labels)


def test_playground_grid_is_the_ema_and_fits_the_budget():
    pg = get("ema")
    assert pg.key == "ema"
    paths, _ = pg.grid()
    assert paths.shape[0] * np.prod(pg.grid_shape) * (pg.steps + 1) <= 90_000
    target = pg.problem_for(pg.default_values())
    for k, corrected in enumerate((False, True)):
        for i, beta in enumerate(ch.BETAS):
            expected = ema(target.samples[: pg.steps], beta, bias_corrected=corrected)
            np.testing.assert_allclose(paths[k, i, 1:], expected, rtol=1e-12, atol=1e-12)
    assert len(pg.static_html()) < 1_500_000


def test_playground_readout():
    text = ch.readout(0.9)
    assert "memory 1/(1-β) = 10 steps" in text
    assert "t = 29" in text


def test_live_playground_redraws():
    from optim_core.playground import _LiveView

    view = _LiveView(ch.playground())
    before = view.image.value
    view.controls[0].value = 1
    assert view.image.value != before
    assert "β = 0.7" in view.text.value
