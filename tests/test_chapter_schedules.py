"""Every number and claim of the chapter "Learning-rate schedules" (book/11_schedules.ipynb)."""

import numpy as np
import pytest

from optim_core import Adam, run
from optim_core.chapters import get
from optim_core.chapters import schedules as ch
from optim_core.schedules import cosine, warmup_cosine


def test_setup_stated_in_the_text():
    assert (ch.STEPS, ch.WARMUP, ch.SEEDS, ch.EARLY, ch.USABLE, ch.SATURATION_STEP) == (200, 20, (0, 1, 2), 30, 0.1, 10)
    assert len(ch.BASE_LRS) == 13
    np.testing.assert_allclose(ch.BASE_LRS[[0, -1]], [1e-3, 1.0])
    np.testing.assert_allclose(np.diff(np.log10(ch.BASE_LRS)), 0.25)  # a quarter decade apart


def test_example_schedules():
    s = ch.example_schedules(1.0, 200)
    assert list(s) == ["constant", "step decay", "cosine", "linear warmup", "warmup + cosine"]
    assert float(s["step decay"](51)) == 0.5 and float(s["step decay"](50)) == 1.0
    assert float(s["linear warmup"](1)) == pytest.approx(1 / 20)


def test_worked_values():
    w = ch.worked_values(0.01, 20, 200)
    assert w["half_step"] == 111
    assert w[1] == pytest.approx(0.0005, rel=1e-14)
    assert w[10] == pytest.approx(0.005, rel=1e-14)
    assert w[20] == w[21] == pytest.approx(0.01, rel=1e-14)
    assert w[111] == pytest.approx(0.005, rel=1e-12)
    assert w[200] == pytest.approx(7.62e-7, rel=1e-3)
    assert w[200] == pytest.approx(0.01 * np.pi**2 / (4 * 180**2), rel=1e-4)  # the small-angle estimate


def test_scale_error_numbers():
    median, p90 = ch.scale_error_quantiles()
    assert 100 * median[0] == pytest.approx(44, abs=0.5)
    assert 100 * median[9] == pytest.approx(10, abs=0.5)
    assert 100 * median[99] == pytest.approx(2.6, abs=0.05)
    assert np.all(p90 >= median)
    assert median[99] < median[9] < median[0]
    assert 100 * ch.zero_at_first_step() == pytest.approx(8.5, abs=0.05)


def test_adam_step_sizes():
    sizes = ch.step_sizes_at((1, 10, 100))
    assert sizes[1] == pytest.approx(0.92, abs=0.005)
    assert sizes[10] == pytest.approx(0.57, abs=0.005)
    assert sizes[100] == pytest.approx(0.13, abs=0.005)
    assert round(sizes[1] / sizes[100]) == 7
    # the first step is alpha sign(dw): every coordinate with a nonzero minibatch gradient moves by alpha
    problem = ch.mlp(0)
    traj = run(Adam(lr=0.01), problem, steps=1)
    g = problem.stochastic_grad(problem.x0, 1)
    moved = np.abs(traj.params[1] - traj.params[0])
    clear = np.abs(g) > 1e-5  # where eps = 1e-8 is negligible next to |dw|
    np.testing.assert_allclose(moved[clear], 0.01, rtol=1e-3)
    assert np.all(moved <= 0.01) and np.all(moved[g == 0] == 0)
    assert np.sqrt(np.mean(g != 0)) == pytest.approx(sizes[1], abs=1e-4)


def test_usable_ranges():
    assert ch.usable_range("cosine") == (pytest.approx(10**-1.75), pytest.approx(10**-0.75))
    assert ch.usable_range("warmup") == (pytest.approx(10**-1.75), pytest.approx(10**-0.5))
    # the lower end does not move: at small rates the two schedules end almost at the same loss
    for lr in ch.BASE_LRS[:5]:
        a, b = ch.at_lr("cosine", lr)["final"], ch.at_lr("warmup", lr)["final"]
        assert abs(a - b) < 0.01 * a


def test_large_rates_blow_up_early_without_warmup():
    hot_cos, hot_warm = ch.at_lr("cosine", 0.316), ch.at_lr("warmup", 0.316)
    assert hot_cos["lr"] == pytest.approx(10**-0.5)
    assert hot_cos["early_max"] == pytest.approx(8.5, abs=0.05)
    assert hot_cos["final"] == pytest.approx(0.50, abs=0.005)
    assert hot_warm["final"] == pytest.approx(0.029, abs=0.0005)
    assert round(hot_cos["final"] / hot_warm["final"]) == 17
    # with warmup the loss never rises above its start: the early maximum is the mean starting loss
    starts = np.mean([ch.mlp(seed).f(ch.mlp(seed).x0) for seed in ch.SEEDS])
    assert hot_warm["early_max"] == pytest.approx(starts, rel=1e-12)
    assert hot_warm["early_max"] == pytest.approx(2.36, abs=0.005)
    assert ch.at_lr("cosine", 1.0)["early_max"] == pytest.approx(54, abs=0.5)
    assert ch.at_lr("warmup", 1.0)["early_max"] == pytest.approx(2.9, abs=0.05)


def test_saturation():
    assert 100 * ch.at_lr("cosine", 0.316)["saturated"] == pytest.approx(94, abs=0.5)
    assert 100 * ch.at_lr("warmup", 0.316)["saturated"] == pytest.approx(15, abs=0.5)
    problem = ch.mlp(0)
    assert ch.saturation(problem, problem.x0) == 0.0


def test_best_runs():
    for kind in ("cosine", "warmup"):
        assert ch.best(kind)["lr"] == pytest.approx(0.1)
    assert ch.best("cosine")["final"] == pytest.approx(0.0091, abs=0.00005)
    assert ch.best("warmup")["final"] == pytest.approx(0.0056, abs=0.00005)


def test_sweep_is_one_batched_run_per_seed():
    lrs = ch.BASE_LRS[[2, 9]]
    traj = run(Adam(lr=warmup_cosine(lrs[:, None], ch.WARMUP, ch.STEPS)), ch.mlp(1), steps=ch.STEPS)
    np.testing.assert_allclose(traj.loss[-1], ch.sweep("warmup").final[1, [2, 9]], rtol=1e-12)
    single = run(Adam(lr=cosine(float(lrs[1]), ch.STEPS)), ch.mlp(1), steps=ch.STEPS)
    assert single.loss[-1] == pytest.approx(ch.sweep("cosine").final[1, 9], rel=1e-10)


def test_radam_exercise():
    r = ch.radam_rectification([1, 4, 5, 10, 100, 1000])
    assert np.all(np.isnan(r[:2])) and not np.any(np.isnan(r[2:]))
    assert r[3] == pytest.approx(0.049, abs=0.0005)
    assert r[4] == pytest.approx(0.215, abs=0.0005)
    assert r[5] == pytest.approx(0.645, abs=0.0005)
    assert np.all(r[3:] > np.array([10, 100, 1000]) / 2000)  # above the 2000-step linear warmup
    assert 2.5 < r[5] / r[4] < 3.5  # roughly sqrt(10) per decade between t = 100 and 1000
    assert ch.radam_rectification(10**6) == pytest.approx(1.0, abs=1e-6)


def test_running_past_the_plan_exercise():
    s = cosine(0.1, 100)
    assert float(s(50)) == pytest.approx(0.1 * 0.5 * (1 + np.cos(0.49 * np.pi)))
    assert float(s(50)) == pytest.approx(0.0516, abs=5e-5)
    assert float(s(51)) == pytest.approx(0.05)
    assert float(s(100)) == pytest.approx(2.467e-5, rel=1e-3)
    assert float(s(100)) == float(s(101)) == float(s(300))
    torch_like = 0.1 * 0.5 * (1 + np.cos(np.pi * 200 / 100))
    assert torch_like == pytest.approx(0.1)


def test_figures_build():
    for make in (ch.schedules_figure, ch.sample_figure, ch.warmup_figure):
        assert make().axes


def test_playground():
    pg = get("schedules")
    assert pg.key == "schedules" and not pg.is_2d
    assert list(pg.optimizers) == ["Adam", "Adam, no warmup"]
    assert np.prod(pg.grid_shape) * len(pg.optimizers) * (pg.steps + 1) <= 90_000
    html = pg.static_html()
    assert '"paths":null' in html and len(html) < 1_500_000
    _, gaps = pg.grid()
    # at warmup 0 the warmup schedule is the plain cosine: the two curves coincide
    np.testing.assert_allclose(gaps[0, :, 0], gaps[1, :, 0], rtol=1e-12)
    # at the largest base rate, 20 warmup steps keep the early loss far below the no-warmup peak
    assert gaps[1, -1, 0, :31].max() > 10 and gaps[0, -1, 3, :31].max() < 5
    assert ch._readout(0.1, 20.0) == "warmup: α rises from 0.005 at step 1 to 0.1 at step 20, then cosine decay"
    assert ch._readout(0.1, 0.0).startswith("no warmup")


def test_live_playground_redraws():
    from optim_core.playground import _LiveView

    pg = ch.playground()
    assert pg.widget() is not None
    view = _LiveView(pg)
    view.controls[0].value = 6
    view.controls[1].value = 0
    assert "no warmup" in view.text.value and "Adam" in view.text.value
