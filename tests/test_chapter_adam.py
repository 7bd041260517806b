"""The numbers and claims of the chapter "Adam": every value its prose quotes, through numbers()."""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import Adam, Momentum, run, theory
from optim_core.chapters import adam as ch
from optim_core.problems import SURFACES, Scaled


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
    corrected = ch.relative_steps(runs["Adam"], ch.EARLY_LR)[:, 0]
    plain = ch.relative_steps(runs["Adam (no bias correction)"], ch.EARLY_LR)[:, 0]
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
    for name in ("largest_ravine", "largest_Rosenbrock"):
        assert numbers[name] <= 1.0 and numbers[name] == pytest.approx(1.0, abs=1e-6), name
    assert 1 < numbers["largest_normal"] < numbers["largest_cauchy"] < numbers["paper_bound"]
    assert 1 < numbers["largest_saddle"] < numbers["paper_bound"]


def test_saddle_escape_step_exceeds_lr_while_the_gradient_grows(numbers):
    escape = ch.saddle_escape()
    assert escape["grad_growing"] and (escape["step"], escape["size"]) == (
        numbers["escape_step"],
        numbers["escape_size"],
    )
    assert numbers["escape_size"] > 1


def test_lone_spike_approaches_the_papers_factor_slowly(numbers):
    spikes = ch.spike_steps([1, 10, 1000, 10_000])
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
    table = ch.memory_markdown(25e6)
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
    adam = ch.window_edges("ravine", "Adam")
    assert adam[0] == adam[1] == adam[2]


def test_momentum_is_what_helps_on_rosenbrock(numbers):
    assert numbers["win_rosen_beta1_0"] == 0 < numbers["win_Rosenbrock_Adam"]


def test_rmsprop_relapses_adam_does_not(numbers):
    assert numbers["relapse_low"] < 1e-70 and numbers["relapse_high"] > ch.SWEEP_TOL  # back above the tolerance
    adam = ch.relapse(Adam(0.1))
    assert adam["step"] == 1000 and adam["high_after"] == adam["low"] < 1e-40


def test_shared_lr_paths(numbers):
    assert numbers["escape_Momentum"] > 10 * max(numbers["escape_RMSProp"], numbers["escape_Adam"])
    assert numbers["rosen_final_Adam"] < numbers["rosen_final_RMSProp"]
    assert numbers["adam_rosen_end"] == "(0.5, 0.25)"
    for traj in ch.shared_lr_runs()["ravine"].values():
        assert traj.loss[-1] < 1e-6  # on the ravine all three arrive


def test_figures_build():
    for figure, panels in ((ch.early_figure, 2), (ch.bound_figure, 1), (ch.window_figure, 3), (ch.paths_figure, 3)):
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
    np.testing.assert_allclose(ch.rmsprop_first_step(0.999), numbers["rmsprop_first"], rtol=1e-6)  # every coordinate


def test_huge_rosenbrock_losses_count_as_divergence():
    # The playground's float32 data must never hold a loss beyond float32's range: run() stops a run
    # whose loss passes 1e30 even while its weights are still below the 1e10 bound.
    traj = run(Adam(1e-3), SURFACES["rosenbrock"], np.array([1e8, 0.0]), steps=3)
    assert traj.diverged_at == 1
    assert np.isnan(traj.loss[1:]).all()
    _, gaps = ch.playground().grid()
    assert gaps[np.isfinite(gaps)].max() < np.finfo(np.float32).max  # the static page stores float32
