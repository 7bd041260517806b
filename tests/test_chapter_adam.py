"""The numbers and claims of the chapter "Adam", computed by the functions its notebook calls."""

import numpy as np
import pytest

from optim_core import Adam, Momentum, RMSProp, run
from optim_core.chapters import adam as ch
from optim_core.ema import effective_memory
from optim_core.playground import Playground
from optim_core.problems import Rosenbrock


@pytest.fixture(scope="module")
def sweep():
    return ch.sweep()


@pytest.fixture(scope="module")
def shared():
    return ch.shared_lr_runs(lr=0.1, steps=300)


# ----- D1: Momentum + RMSProp; the reductions to RMSProp and SignGD -------------------------------------


def test_adam_reduces_to_rmsprop_and_to_signgd_exactly():
    assert ch.reduction_gaps() == {"rmsprop": 0.0, "signgd": 0.0}


def test_worked_first_step():
    corrected = ch.first_step()
    np.testing.assert_allclose(corrected["m"], [0.03, -0.2], rtol=1e-12)
    np.testing.assert_allclose(corrected["v"], [9e-5, 4e-3], rtol=1e-12)
    np.testing.assert_allclose(corrected["step"], [-0.01, 0.01], rtol=1e-6)  # a sign step, up to eps
    plain = ch.first_step(bias_correction=False)["step"]
    np.testing.assert_allclose(plain, [-0.0316227, 0.0316228], rtol=1e-5)
    table = ch.worked_table()
    assert table.count("\n") == 8 and "-0.0316227" in table


# ----- D2: bias correction ---------------------------------------------------------------------------


def test_uncorrected_first_step_is_316_times_too_long():
    assert ch.predicted_first_step_ratio() == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-15)
    assert ch.predicted_first_step_ratio() == pytest.approx(3.16228, rel=1e-6)
    assert float(ch.first_step_ratio().mean()) == pytest.approx(3.16228, rel=1e-5)


def test_uncorrected_ratio_over_time():
    assert ch.ratio_peak() == (12, pytest.approx(6.56852, rel=1e-6))
    assert float(ch.uncorrected_ratio(1)) == pytest.approx(ch.predicted_first_step_ratio(), rel=1e-12)
    assert float(ch.uncorrected_ratio(100)) == pytest.approx(3.24080, rel=1e-5)
    assert float(ch.uncorrected_ratio(1000)) == pytest.approx(1.25758, rel=1e-5)
    assert ch.steps_until_ratio_below(1.1) == 1751
    assert ch.steps_until_ratio_below(1.01) == 3925
    assert ch.uncorrected_ratio(1751) < 1.1 <= ch.uncorrected_ratio(1750)


def test_early_steps_with_and_without_correction():
    runs = ch.early_runs()
    corrected = ch.relative_steps(runs["Adam"], 0.05)[:, 0]
    plain = ch.relative_steps(runs["Adam (no bias correction)"], 0.05)[:, 0]
    assert corrected.max() == pytest.approx(1.0, abs=1e-6) and corrected.max() <= 1.0
    assert corrected.min() > 0.95
    assert plain.max() == pytest.approx(6.0586, rel=1e-4)
    assert plain[0] == pytest.approx(ch.predicted_first_step_ratio(), rel=1e-6)


def test_early_figure_builds():
    assert len(ch.early_figure().axes) == 2


# ----- D3: the defaults --------------------------------------------------------------------------------


def test_defaults_are_the_papers():
    opt = Adam()
    assert (float(opt.lr), float(opt.beta1), float(opt.beta2), float(opt.eps)) == (1e-3, 0.9, 0.999, 1e-8)
    assert float(effective_memory(opt.beta1)) == pytest.approx(10)
    assert float(effective_memory(opt.beta2)) == pytest.approx(1000)


def test_tiny_gradient_step_is_damped_by_eps():
    step = np.abs(ch.first_step(np.array([1e-9, 1e-9]), lr=1.0)["step"])
    np.testing.assert_allclose(step, 1e-9 / (1e-9 + 1e-8), rtol=1e-12)
    assert step[0] == pytest.approx(0.0909091, rel=1e-6)


# ----- the size of a step --------------------------------------------------------------------------------


def test_largest_steps_on_problems_and_random_sequences():
    largest = ch.problems_largest_step()
    assert largest["ravine"] <= 1.0 and largest["ravine"] == pytest.approx(1.0, abs=1e-6)
    assert largest["Rosenbrock"] <= 1.0 and largest["Rosenbrock"] == pytest.approx(1.0, abs=1e-6)
    assert largest["saddle"] == pytest.approx(1.63222, rel=1e-4)
    assert ch.random_sequences_largest_step("normal") == pytest.approx(1.06102, rel=1e-4)
    assert ch.random_sequences_largest_step("cauchy") == pytest.approx(2.38481, rel=1e-4)


def test_saddle_escape_step_exceeds_lr_while_the_gradient_grows():
    escape = ch.saddle_escape()
    assert escape == {"step": 48, "size": pytest.approx(1.35138, rel=1e-4), "grad_growing": True}


def test_paper_bound_and_the_lone_spike():
    assert ch.paper_bound() == pytest.approx(3.16228, rel=1e-6)
    spikes = ch.spike_steps([1, 10, 1000, 10_000])
    assert spikes[-1] == pytest.approx(3.16221, rel=1e-5)
    assert np.all(spikes < ch.paper_bound())
    assert spikes[0] == pytest.approx(1.0, abs=1e-7)


def test_exact_worst_case_by_cauchy_schwarz():
    assert ch.BETA2 / ch.BETA1 == pytest.approx(1.11, rel=1e-12)
    assert ch.worst_case_limit() == pytest.approx(7.27029, rel=1e-6)
    assert ch.worst_case_step(200) == pytest.approx(3.09608, rel=1e-6)
    measured = ch.adam_steps(ch.worst_case_gradients(200)[:, None], eps=0.0)[-1, 0]
    assert measured == pytest.approx(ch.worst_case_step(200), rel=1e-12)
    assert ch.worst_case_step(1) == pytest.approx(1.0, rel=1e-12)
    values = [ch.worst_case_step(t) for t in (10, 100, 1000, 10_000)]
    assert np.all(np.diff(values) > 0) and values[-1] < ch.worst_case_limit()  # it grows towards the limit
    assert ch.worst_case_step(100_000) == pytest.approx(ch.worst_case_limit(), rel=1e-9)


def test_no_sequence_beats_the_worst_case():
    rng = np.random.default_rng(3)
    t = 60
    grads = rng.normal(size=(t, 500)) * np.exp(rng.normal(size=(1, 500)) * np.arange(t)[:, None] / 20)
    steps = ch.adam_steps(grads, eps=0.0)
    assert steps[-1].max() <= ch.worst_case_step(t) * (1 + 1e-12)


def test_bound_figure_builds():
    assert len(ch.bound_figure().axes) == 1


# ----- D4: memory ------------------------------------------------------------------------------------------


def test_state_arrays():
    counts = ch.state_counts()
    assert counts == {
        "GD": 0,
        "SignGD": 0,
        "Momentum": 1,
        "AdaGrad": 1,
        "RMSProp": 1,
        "Lion": 1,
        "Adam": 2,
        "AMSGrad": 3,
    }
    assert ch.state_megabytes(counts["Adam"], 25e6) == 200.0
    assert ch.hessian_terabytes(25e6) == 2500.0
    assert "| Adam | 2 | 200 MB |" in ch.memory_markdown(25e6)


# ----- D4: the usual first choice -------------------------------------------------------------------------


def test_scaled_problem_scales_loss_and_gradient():
    family = ch.Scaled(ch.PROBLEMS["saddle"], (0.01, 1.0, 100.0))
    x = np.broadcast_to(np.array([0.3, -0.7]), (3, 4, 2))
    p = ch.PROBLEMS["saddle"]
    np.testing.assert_allclose(family.grad(x)[2], 100 * p.grad(x[2]))
    np.testing.assert_allclose(family.f(x)[0] - p.f_min, 0.01 * (p.f(x[0]) - p.f_min))


def test_windows_of_good_learning_rates(sweep):
    assert ch.windows(sweep) == {
        "ravine": {"Momentum": 0, "RMSProp": 4, "Adam": 12},
        "Rosenbrock": {"Momentum": 0, "RMSProp": 0, "Adam": 5},
        "saddle": {"Momentum": 0, "RMSProp": 6, "Adam": 13},
    }


def test_momentum_window_slides_with_the_scale(sweep):
    edges = ch.window_edges(sweep, "ravine", "Momentum")
    assert edges[1] == (pytest.approx(0.031623, rel=1e-4), pytest.approx(5.6234, rel=1e-4))
    assert edges[2] == (pytest.approx(0.00031623, rel=1e-4), pytest.approx(0.056234, rel=1e-4))
    adam = ch.window_edges(sweep, "ravine", "Adam")
    assert adam[0] == adam[1] == adam[2]


def test_momentum_is_what_helps_on_rosenbrock():
    assert ch.window_count(lambda lr: Adam(lr, beta1=0.0), "Rosenbrock") == 0
    assert ch.window_count(Adam, "Rosenbrock") == 5


def test_rmsprop_relapses_adam_does_not():
    rel = ch.relapse(RMSProp(0.1))
    assert rel["step"] == 280
    assert rel["low"] < 1e-70
    assert rel["high_after"] == pytest.approx(0.60242, rel=1e-3)
    adam = ch.relapse(Adam(0.1))
    assert adam["step"] == 1000 and adam["high_after"] == adam["low"] < 1e-40


def test_shared_lr_paths(shared):
    assert {k: ch.escape_step(t) for k, t in shared["saddle"].items()} == {"Momentum": 105, "RMSProp": 1, "Adam": 6}
    assert shared["Rosenbrock"]["Momentum"].diverged_at == 5
    assert float(shared["Rosenbrock"]["RMSProp"].loss[-1]) == pytest.approx(2.6911, rel=1e-3)
    assert float(shared["Rosenbrock"]["Adam"].loss[-1]) == pytest.approx(0.24766, rel=1e-3)
    np.testing.assert_allclose(shared["Rosenbrock"]["Adam"].params[-1], [0.50, 0.25], atol=0.005)
    for traj in shared["ravine"].values():
        assert traj.loss[-1] < 1e-6


def test_figures_build(sweep, shared):
    assert len(ch.window_figure(sweep).axes) == 3
    assert len(ch.paths_figure(shared).axes) == 3


# ----- exercises -------------------------------------------------------------------------------------------


def test_exercise_other_betas():
    assert ch.predicted_first_step_ratio(0.5, 0.9) == pytest.approx(1.58114, rel=1e-6)
    assert ch.predicted_first_step_ratio(0.9, 0.99) == pytest.approx(1.0, rel=1e-12)
    ratio = np.abs(ch.first_step(beta1=0.5, beta2=0.9, bias_correction=False)["step"] / ch.first_step()["step"])
    np.testing.assert_allclose(ratio, 1.58114, rtol=1e-5)


def test_exercise_scale_invariance_with_eps_zero():
    p = ch.PROBLEMS["Rosenbrock"]
    family = ch.Scaled(p, (1e-3, 1.0, 1e3))
    traj = run(Adam(0.05, eps=0.0), family, np.broadcast_to(p.x0, (3, 2)), 100)
    np.testing.assert_allclose(traj.params[:, 0], traj.params[:, 1], rtol=1e-10)
    np.testing.assert_allclose(traj.params[:, 2], traj.params[:, 1], rtol=1e-10)
    momentum = run(Momentum(0.001), family, np.broadcast_to(p.x0, (3, 2)), 20)
    assert not np.allclose(momentum.params[:, 0], momentum.params[:, 1])


def test_exercise_bound_breaks_when_beta1_squared_exceeds_beta2():
    assert ch.worst_case_limit(0.99, 0.9) == np.inf
    assert ch.worst_case_step(100, 0.99, 0.9) == pytest.approx(11.8736, rel=1e-5)
    assert ch.worst_case_step(1000, 0.99, 0.9) == pytest.approx(3.4615e17, rel=1e-4)


# ----- the playground -------------------------------------------------------------------------------------


def test_playground_key_budget_and_finite_payload():
    pg = ch.playground()
    assert isinstance(pg, Playground) and pg.key == "adam"
    assert np.prod(pg.grid_shape) * len(pg.optimizers) * (pg.steps + 1) <= 90_000
    _, gaps = pg.grid()
    finite = gaps[np.isfinite(gaps)]
    assert finite.max() < np.finfo(np.float32).max  # the static page stores float32
    assert "3.16α" in ch.readout(0.1, 0.9, 0.999) and "7.27α" in ch.readout(0.1, 0.9, 0.999)
    assert "unbounded" in ch.readout(0.1, 0.99, 0.9)


def test_rmsprop_first_step_without_bias_correction():
    np.testing.assert_allclose(ch.rmsprop_first_step(0.999), 1 / np.sqrt(0.001), rtol=1e-5)  # up to eps
    assert float(ch.rmsprop_first_step(0.999).mean()) == pytest.approx(31.6228, rel=1e-5)


def test_huge_rosenbrock_losses_count_as_divergence():
    # The playground's float32 data must never hold a loss beyond float32's range: run() stops a run
    # whose loss passes 1e30 even while its weights are still below the 1e10 bound.
    traj = run(Adam(1e-3), Rosenbrock(), np.array([1e8, 0.0]), steps=3)
    assert traj.diverged_at == 1
    assert np.isnan(traj.loss[1:]).all()
