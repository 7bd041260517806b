"""The numbers and claims of the chapter "Adam": every value its prose quotes, through numbers()."""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import Adam, Momentum, RMSProp, measure, run, theory
from optim_core.chapters import adam as ch
from optim_core.problems import RAVINE, SURFACES, Scaled
from optim_core.tables import state_table


def test_quoted_values(numbers):
    assert_quoted(numbers, "adam")


# ----- Momentum + RMSProp; the reductions to RMSProp and SignGD ---------------------------------------------------


def test_adam_reduces_to_rmsprop_and_to_signgd_exactly(numbers):
    assert numbers["gap_rmsprop"] == numbers["gap_signgd"] == 0.0


def test_worked_first_step_is_a_sign_step():
    corrected = ch.first_step()
    np.testing.assert_allclose(corrected["m"], [0.03, -0.2], rtol=1e-12)
    np.testing.assert_allclose(corrected["v"], [9e-5, 4e-3], rtol=1e-12)
    np.testing.assert_allclose(corrected["step"], [-0.01, 0.01], rtol=1e-6)  # -lr sign(dw), up to eps
    plain = ch.first_step(bias_correction=False)["step"]
    np.testing.assert_allclose(plain, [-0.0316227, 0.0316228], rtol=1e-5)
    table = ch.worked_table()
    assert table.count("\n") == 8 and "-0.0316227" in table


# ----- bias correction -------------------------------------------------------------------------------------------


def test_uncorrected_first_step_is_316_times_too_long(numbers):
    assert numbers["ratio_measured"] == pytest.approx(numbers["ratio_predicted"], rel=1e-6)
    assert numbers["ratio_measured"] < numbers["ratio_predicted"]  # eps shortens the uncorrected step more


def test_uncorrected_ratio_grows_then_decays(numbers):
    assert numbers["peak_ratio"] > numbers["ratio_100"] > numbers["ratio_1000"] > 1.1
    assert numbers["peak_t"] < 100 < 1000 < numbers["below_110"] < numbers["below_101"]
    ratio = theory.adam_uncorrected_ratio(np.array([1750, 1751, 3924, 3925]), ch.BETA1, ch.BETA2)
    assert ratio[0] >= 1.1 > ratio[1] and ratio[2] >= 1.01 > ratio[3]


def test_early_steps_with_and_without_correction(numbers):
    assert numbers["early_max_corrected"] == pytest.approx(1.0, abs=1e-6) and numbers["early_max_corrected"] <= 1.0
    runs = ch.early_runs()
    corrected = measure.step_lengths(runs["Adam"], ch.EARLY_LR)[:, 0]
    plain = measure.step_lengths(runs["Adam (no bias correction)"], ch.EARLY_LR)[:, 0]
    assert corrected.min() > 0.95  # every early step along w1 has length alpha
    assert plain[0] == pytest.approx(numbers["ratio_predicted"], rel=1e-6)
    assert numbers["early_max_plain"] < numbers["peak_ratio"]  # it falls behind the curve
    assert np.max(runs["Adam (no bias correction)"].params[:, 0]) > 0  # it overshoots w1 = 0 within 20 steps


# ----- the defaults ----------------------------------------------------------------------------------------------


def test_defaults_are_the_papers(numbers):
    assert tuple(numbers[f"d_{k}"] for k in ("lr", "beta1", "beta2", "eps")) == (1e-3, 0.9, 0.999, 1e-8)
    assert numbers["mem_1"] == pytest.approx(10) and numbers["mem_2"] == pytest.approx(1000)


# ----- the size of a step ----------------------------------------------------------------------------------------


def test_usually_at_most_about_one_lr(numbers):
    for name in ("largest_ravine", "largest_Rosenbrock", "largest_ravine_turned", "largest_Rosenbrock_turned"):
        assert numbers[name] <= 1.0 and numbers[name] == pytest.approx(1.0, abs=1e-6), name
    assert 1 < numbers["largest_normal"] < numbers["largest_cauchy"] < numbers["paper_bound"]
    assert 1 < numbers["largest_saddle"] < numbers["paper_bound"]
    assert numbers["largest_saddle_turned"] <= 1.0  # turned, the saddle gives no step above lr at all


def test_noise_shortens_the_step_down_to_a_floor_set_by_beta1(numbers):
    noisy = ch.noisy_steps()
    mean, se = noisy[ch.BETA1]
    predicted = theory.adam_noisy_rms_step(1.0, ch.NOISE_SIGMAS, ch.BETA1)
    np.testing.assert_allclose(mean, predicted, rtol=0.03)  # the prediction takes v_hat as its expectation
    assert np.all(se < 0.005)  # 400 seeds
    assert np.all(np.diff(mean[:5]) < 0) and mean[0] > 0.99  # shorter as the noise grows ...
    np.testing.assert_allclose(mean[-2:], numbers["noise_floor"], rtol=0.03)  # ... down to the floor
    assert numbers["noise_floor"] == pytest.approx(np.sqrt(0.1 / 1.9), rel=1e-12)
    assert numbers["noisy_1"] == pytest.approx(numbers["noisy_1_predicted"], rel=0.02) and numbers["noisy_1"] < 0.75
    assert numbers["noisy_100"] == pytest.approx(numbers["noise_floor"], rel=0.02)
    # with beta1 = 0 (no averaging of the direction) the RMS step stays lr at every noise level
    np.testing.assert_allclose(noisy[0.0][0], 1.0, rtol=0.01)
    assert numbers["noisy_100_beta1_0"] == pytest.approx(1.0, rel=0.01)


def test_saddle_escape_step_exceeds_lr_while_the_gradient_grows(numbers):
    escape = ch.saddle_escape()
    assert escape["grad_growing"] and (escape["step"], escape["size"]) == (
        numbers["escape_step"],
        numbers["escape_size"],
    )
    assert numbers["escape_size"] > 1


def test_lone_spike_approaches_the_papers_factor_slowly(numbers):
    spikes = measure.spike_steps(Adam(1.0), [1, 10, 1000, 10_000])
    assert spikes[0] == pytest.approx(1.0, abs=1e-7)
    assert np.all(spikes < numbers["paper_bound"]) and spikes[2] < spikes[3] == numbers["spike_10000"]


def test_exact_worst_case_is_attained_and_grows_towards_its_limit(numbers):
    assert numbers["growth"] == ch.BETA2 / ch.BETA1
    assert numbers["worst_200_measured"] == pytest.approx(numbers["worst_200"], rel=1e-12)
    assert numbers["paper_bound"] < numbers["worst_limit"]
    values = [theory.adam_worst_step(t, ch.BETA1, ch.BETA2) for t in (10, 100, 1000, 10_000)]
    assert np.all(np.diff(values) > 0) and values[-1] < numbers["worst_limit"]


# ----- memory ----------------------------------------------------------------------------------------------------


def test_state_arrays_and_memory(numbers):
    assert (numbers["adam_arrays"], numbers["amsgrad_arrays"]) == (2, 3)
    assert (numbers["total_GD"], numbers["total_Momentum"], numbers["total_Adam"]) == (2, 3, 4)
    assert numbers["adam_mb"] == 200.0 and numbers["hessian_tb"] == 2500.0
    table = state_table(ch.MEMORY_OPTIMIZERS, 25e6)
    for row in ("| GD | 0 | 0 MB |", "| Momentum | 1 | 100 MB |", "| Adam | 2 | 200 MB |", "| AMSGrad | 3 | 300 MB |"):
        assert row in table


# ----- the usual first choice --------------------------------------------------------------------------------------


def test_windows_of_good_learning_rates(numbers):
    assert {k: numbers[f"win_ravine_{k}"] for k in ch.COMPARED} == {"Momentum": 0, "RMSProp": 4, "Adam": 12}
    assert {k: numbers[f"win_Rosenbrock_{k}"] for k in ch.COMPARED} == {"Momentum": 0, "RMSProp": 0, "Adam": 5}
    assert {k: numbers[f"win_saddle_{k}"] for k in ch.COMPARED} == {"Momentum": 0, "RMSProp": 6, "Adam": 13}


def test_momentum_window_slides_by_100_with_the_scale_adams_does_not_move(numbers):
    assert (numbers["mom_lo_1"], numbers["mom_hi_1"]) == (
        pytest.approx(0.031623, rel=1e-4),
        pytest.approx(5.6234, rel=1e-4),
    )
    assert numbers["mom_lo_1"] / numbers["mom_lo_100"] == pytest.approx(100, rel=1e-9)
    assert numbers["mom_hi_1"] / numbers["mom_hi_100"] == pytest.approx(100, rel=1e-9)
    adam = ch.window_edges(ch.scale_sweeps()["ravine"]["Adam"], ch.SWEEP_TOL)
    assert adam[0] == adam[1] == adam[2]


def test_momentum_is_what_helps_on_rosenbrock(numbers):
    assert numbers["win_rosen_beta1_0"] == 0 < numbers["win_Rosenbrock_Adam"]


def test_rmsprop_relapses_within_1000_steps_adam_only_later(numbers):
    assert numbers["relapse_low"] < 1e-70 and numbers["relapse_high"] > ch.SWEEP_TOL  # back above the tolerance
    adam = measure.relapse(run(Adam(0.1), RAVINE, steps=1000).loss)
    assert adam["low_at"] == 1000 and adam["high_after"] == adam["low"] < 1e-40  # settled, as far as 1000 steps see
    assert numbers["long_gap_1000"] == adam["low"]  # the long run is the same run


def test_adam_relapses_on_the_time_scale_of_beta2(numbers):
    # falls for thousands of steps, then the steep coordinate becomes unstable and the loss jumps back up
    assert numbers["long_gap_6000"] < 1e-270 and numbers["long_low"] < 1e-295
    assert 6000 < numbers["long_low_step"] < numbers["long_cross"] < numbers["long_peak_step"] < 7500
    assert numbers["long_peak"] > 1e-2 > ch.SWEEP_TOL
    # the cause: eta_t along w_2 grows by 1 / sqrt(beta2) per step while the gradients are negligible, and the
    # relapse starts when it passes the largest stable rate of EMA-form Momentum on curvature 4
    assert numbers["stable_eta"] == pytest.approx(2 * (1 + ch.BETA1) / ((1 - ch.BETA1) * RAVINE.L), rel=1e-12)
    assert numbers["eta_growth"] == pytest.approx(numbers["eta_growth_predicted"], rel=1e-5)
    eta = ch.long_runs()["Adam (constant α)"][1][:, 0, 1]
    cross = numbers["long_cross"]
    assert eta[cross - 2] <= numbers["stable_eta"] < eta[cross - 1]
    assert numbers["long_cross"] - numbers["long_low_step"] < 100  # the low is where the steep direction turns


def test_a_large_eps_or_a_cosine_decay_prevents_the_relapse(numbers):
    const, _ = ch.long_runs()["Adam (constant α)"]
    assert ch.LONG_EPS[1, 0] == 1e-3 and ch.LONG_EPS[2, 0] == 1e-2
    assert numbers["long_peak_step"] < numbers["eps3_peak_step"] and numbers["eps3_peak"] > 1e-3  # eps = 1e-3: later
    dist = measure.distance(const.params[:, 2], RAVINE.minimum)  # eps = 1e-2: alpha / eps = 10, no relapse
    assert dist[1000:].max() <= dist[1000] and dist[-1] < 1e-200
    assert numbers["eps2_eta_max"] < numbers["stable_eta"] < ch.SHARED_LR / ch.LONG_EPS[2, 0]  # capped by lr / eps
    decayed, eta_cos = ch.long_runs()["cosine decay of α"]
    dist = measure.distance(decayed.params, RAVINE.minimum)
    assert numbers["cos_eta_max"] == eta_cos[:, 1].max() < numbers["stable_eta"] / 3
    assert dist[1000:].max() <= dist[1000] and numbers["cos_dist_end"] == dist[-1] < 1e-200


def test_shared_lr_paths(numbers):
    assert numbers["escape_Momentum"] > 10 * max(numbers["escape_RMSProp"], numbers["escape_Adam"])
    assert numbers["rosen_final_Adam"] < numbers["rosen_final_RMSProp"]
    assert numbers["adam_rosen_end"] == "(0.5, 0.25)"
    for label in ch.COMPARED:
        assert ch.shared_lr_runs()["ravine"][label].loss[-1] < 1e-6  # on the ravine all three arrive


def test_fast_escape_needs_the_ridge_on_an_axis(numbers):
    for label in ("GD", "Momentum"):  # they commute with rotations: the same escape step either way
        assert numbers[f"escape_{label}"] == numbers[f"turned_escape_{label}"] > 50
    for label in ("RMSProp", "Adam"):  # per-coordinate division: fast on the axis, ten times slower turned
        assert numbers[f"turned_escape_{label}"] >= 10 * numbers[f"escape_{label}"]
    assert numbers["turned_escape_Adam"] < numbers["turned_escape_GD"]  # still a little ahead of GD


def test_eps_to_infinity_with_lr_over_eps_fixed_is_momentum(numbers):
    limit, plain = ch.eps_limit_gaps(), ch.eps_limit_gaps(bias_correction=False)
    assert numbers["limit_gap_1"] == limit[0] > 1 and numbers["limit_gap_last"] == limit[-1] < 1e-3
    assert np.all(np.diff(limit) < 0) and np.all(np.diff(plain) < 0)
    scaled, scaled_plain = limit * ch.LIMIT_EPS, plain * ch.LIMIT_EPS  # the gap shrinks like 1 / eps
    assert scaled[-1] / scaled[-2] == pytest.approx(1.0, abs=0.005) and numbers["limit_scaled_5"] == scaled[-1]
    assert scaled_plain[-1] / scaled_plain[-2] == pytest.approx(1.0, abs=0.005)
    assert numbers["limit_plain_last"] == plain[-1] < 1e-4


def test_tensorflow_eps_hat(numbers):
    assert numbers["tf_eps_1"] == pytest.approx(ch.EPS_HAT / np.sqrt(1 - ch.BETA2), rel=1e-12)
    # after 1000 steps the factor 1 / sqrt(1 - beta2^t) is the uncorrected ratio of the bias-correction section
    assert numbers["tf_eps_1000"] == pytest.approx(ch.EPS_HAT * numbers["ratio_1000"], rel=1e-12)


def test_figures_build():
    figures = ((ch.early_figure, 2), (ch.bound_figure, 1), (ch.window_figure, 3), (ch.paths_figure, 4))
    for figure, panels in (*figures, (ch.noisy_figure, 1), (ch.relapse_figure, 2)):
        assert len(figure().axes) == panels


# ----- exercises -------------------------------------------------------------------------------------------------


def test_exercise_other_betas(numbers):
    ratio = np.abs(ch.first_step(beta1=0.5, beta2=0.9, bias_correction=False)["step"] / ch.first_step()["step"])
    np.testing.assert_allclose(ratio, numbers["ex1_a"], rtol=1e-5)


def test_exercise_scale_invariance_with_eps_zero():
    p = SURFACES["rosenbrock"]
    family = Scaled(p, np.array([1e-3, 1.0, 1e3])[:, None])
    start = np.broadcast_to(p.x0, (3, 2))
    traj = run(Adam(0.05, eps=0.0), family, start, 100)
    np.testing.assert_allclose(traj.params[:, 0], traj.params[:, 1], rtol=1e-10)
    np.testing.assert_allclose(traj.params[:, 2], traj.params[:, 1], rtol=1e-10)
    momentum = run(Momentum(0.001), family, start, 20)
    assert not np.allclose(momentum.params[:, 0], momentum.params[:, 1])


def test_exercise_bound_breaks_when_beta1_squared_exceeds_beta2(numbers):
    assert theory.adam_worst_step_limit(0.99, 0.9) == np.inf
    assert numbers["ex3_worst_1000"] > 1e15 * numbers["ex3_worst_100"] > numbers["ex3_worst_100"]


# ----- the playground ------------------------------------------------------------------------------------------


def test_playground_readout_and_rmsprop_first_step(numbers):
    assert "3.16α" in ch.readout(0.1, 0.9, 0.999) and "7.27α" in ch.readout(0.1, 0.9, 0.999)
    assert "unbounded" in ch.readout(0.1, 0.99, 0.9)
    first = np.abs(measure.first_step(RMSProp(1.0, beta=0.999), ch.WORKED_GRAD)[0])
    np.testing.assert_allclose(first, numbers["rmsprop_first"], rtol=1e-6)  # every coordinate


def test_huge_rosenbrock_losses_count_as_divergence():
    # The playground's float32 data must never hold a loss beyond float32's range: run() stops a run
    # whose loss passes 1e30 even while its weights are still below the 1e10 bound.
    traj = run(Adam(1e-3), SURFACES["rosenbrock"], np.array([1e8, 0.0]), steps=3)
    assert traj.diverged_at == 1
    assert np.isnan(traj.loss[1:]).all()
    _, gaps = ch.playground().grid()
    assert gaps[np.isfinite(gaps)].max() < np.finfo(np.float32).max  # the static page stores float32
