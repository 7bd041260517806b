"""Every number and claim of the chapter "Gradient descent and the ravine" (book/02_gradient_descent.ipynb)."""

import numpy as np
import pytest

from optim_core import GD, run
from optim_core.chapters import get
from optim_core.chapters import gradient_descent as ch
from optim_core.problems import Quadratic

Q = ch.RAVINE


def test_ravine_is_the_books_quadratic():
    assert (Q.mu, Q.L, Q.kappa) == (0.2, 4.0, 20.0)
    np.testing.assert_allclose(Q.grad(Q.x0), [-0.9, 4.0])


def test_worked_steps():
    ws = ch.worked_steps(lr=0.4, steps=3)
    np.testing.assert_allclose(ws[1], [-4.14, -0.6], rtol=1e-14)
    assert ws[1, 0] - ws[0, 0] == pytest.approx(0.36)
    assert ws[2, 1] == pytest.approx(0.36)


@pytest.mark.parametrize("lr", [0.1, 0.3, 0.45, 0.48, 0.52])
def test_each_coordinate_is_a_geometric_sequence(lr):
    traj = run(GD(lr), Q, Q.x0, 30)
    t = np.arange(31)[:, None]
    np.testing.assert_allclose(traj.params, Q.x0 * np.array(ch.factors(lr)) ** t, rtol=1e-12, atol=1e-300)


def test_factors_quoted():
    assert ch.factors(0.45) == pytest.approx((0.91, -0.8))
    assert ch.factors(0.3) == pytest.approx((0.94, -0.2))
    assert ch.factors(0.95 * 2 / 4)[1] == pytest.approx(-0.9)
    assert ch.factors(1.05 * 2 / 4)[1] == pytest.approx(-1.1)


def test_crawl_at_small_lr():
    runs = ch.ravine_runs(lrs=(0.1, 0.4, 0.48), steps=40)
    assert runs["α = 0.1"].params[-1, 0] == pytest.approx(-2.01, abs=0.005)
    # no zig-zag at 0.1 (positive steep factor), zig-zag at 0.4 and 0.48
    w2 = {k: v.params[:, 1] for k, v in runs.items()}
    assert np.all(w2["α = 0.1"] >= 0)
    assert np.all(np.sign(w2["α = 0.48"][1:]) != np.sign(w2["α = 0.48"][:-1]))


def test_no_memory_every_steep_step_overshoots():
    assert ch.sign_flip_share(lr=0.45, steps=30) == (0.0, 1.0)
    kept_w1, kept_w2 = ch.averaging_keeps(lr=0.45, window=10)
    assert kept_w1 == pytest.approx(1.0)
    assert kept_w2 == pytest.approx(0.111, abs=5e-4)


# ----- the threshold 2/L -------------------------------------------------------------------------------------


def test_runs_below_and_above_the_threshold():
    runs = ch.threshold_runs(fractions=(0.95, 1.05), steps=250)
    below, above = runs["α = 0.95 · 2/L"], runs["α = 1.05 · 2/L"]
    assert below.diverged_at is None and below.final_loss < 1e-15
    assert above.diverged_at == 242  # 1.1^t passes the bound 1e10 at t = 242
    late = above.loss[150:200]
    np.testing.assert_allclose(late[1:] / late[:-1], 1.21, rtol=1e-6)  # loss grows by about a fifth per step


def test_sweep_brackets_two_over_L():
    low, high = ch.threshold_bracket()
    assert low < 2 / Q.L < high
    assert low == pytest.approx(0.4965, abs=5e-5)
    assert high == pytest.approx(0.5014, abs=5e-5)


def test_sweep_best_lr_is_near_optimal_and_the_cliff_is_abrupt():
    best = ch.best_swept_lr()
    assert best == pytest.approx(0.4717, abs=5e-5)
    assert abs(best - ch.optimal_lr()) / ch.optimal_lr() < 0.02
    lrs, final, _ = ch.lr_sweep()
    i_best = int(np.nanargmin(final))
    assert np.all(np.diff(final[: i_best + 1]) < 0)  # falls steadily up to the best rate
    first_above = int(np.argmax(lrs > 2 / Q.L))
    assert lrs[first_above] < 1.07 * best
    assert final[first_above] > 1e6 * final[i_best]


def test_playground_diverges_above_two_over_L():
    traj = run(GD(ch.PLAYGROUND_LRS[-1]), Quadratic.from_condition(20.0), Q.x0, 200)
    assert ch.PLAYGROUND_LRS[-3] < 2 / Q.L == ch.PLAYGROUND_LRS[-2] < ch.PLAYGROUND_LRS[-1]
    assert traj.diverged_at is not None


# ----- condition number -------------------------------------------------------------------------------------------


def test_optimal_rate_at_two_over_L_plus_mu():
    assert ch.optimal_lr() == pytest.approx(2 / 4.2)
    assert ch.optimal_rate(20) == pytest.approx(19 / 21)
    assert ch.measured_rate(kappa=20) == pytest.approx(19 / 21, rel=1e-12)
    # the optimum: any other lr has a larger worst factor
    lrs = np.linspace(0.01, 0.55, 1001)
    assert np.all(ch.predicted_rate(lrs) >= ch.optimal_rate(20) - 1e-15)


@pytest.mark.parametrize("kappa", [5.0, 100.0])
def test_measured_rate_other_kappas(kappa):
    assert ch.measured_rate(kappa=kappa) == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12)


def test_steps_to_tolerance_numbers():
    rows = {r["kappa"]: r for r in ch.kappa_table(kappas=(2, 5, 10, 20, 50, 100, 200, 500, 1000))}
    assert {k: rows[k]["steps"] for k in (10, 20, 100, 1000)} == {10: 39, 20: 76, 100: 368, 1000: 3633}
    assert rows[1000]["per_kappa"] == pytest.approx(3.63, abs=0.005)
    for kappa, row in rows.items():
        assert row["steps"] == ch.predicted_steps(kappa)


def test_steps_grow_linearly_in_kappa():
    rows = ch.kappa_table(kappas=(10, 20, 50, 100, 200, 500, 1000))
    k = np.log([r["kappa"] for r in rows])
    s = np.log([r["steps"] for r in rows])
    slope = np.polyfit(k, s, 1)[0]
    assert 0.97 < slope < 1.03
    assert all(3.5 < r["per_kappa"] < 4.0 for r in rows)


# ----- exercises ------------------------------------------------------------------------------------------------------


def test_exercise_1():
    assert ch.steep_settled(lr=0.3, threshold=1e-3) == (5, pytest.approx(-4.5 * 0.94**5))
    assert ch.steep_settled(lr=0.3)[1] == pytest.approx(-3.30, abs=0.005)


def test_exercise_2_edge_of_stability():
    loss, last_w2 = ch.edge_of_stability(steps=200)
    assert loss == pytest.approx(2.0, abs=1e-6)
    np.testing.assert_allclose(np.abs(last_w2), 1.0, rtol=1e-12)
    assert np.all(last_w2[1:] == -last_w2[:-1])


def test_exercise_3_rotation_changes_nothing():
    assert ch.rotation_gap(lr=0.4, angle=0.6, steps=100) < 1e-12


def test_exercise_4_one_over_L():
    ex4 = ch.steps_to_tolerance(100, lr=0.25)
    assert ex4 == 643
    assert 1.5 < ex4 / ch.steps_to_tolerance(100) < 2.0


# ----- the playground -----------------------------------------------------------------------------------


def test_playground_builds_within_budget():
    pg = get("gradient_descent")
    assert pg.key == "gradient_descent"
    assert np.prod(pg.grid_shape) * len(pg.optimizers) * (pg.steps + 1) <= 90_000
    assert 0.5 in pg.sliders[0].values and 0.25 in pg.sliders[0].values
    assert len(pg.static_html()) < 1_500_000


def test_playground_readout():
    assert "stalls" in ch.readout(0.5, 20.0)
    assert "diverges" in ch.readout(ch.PLAYGROUND_LRS[-1], 20.0)
    text = ch.readout(0.25, 100.0)
    assert "converges" in text and "(κ-1)/(κ+1) = 0.980" in text and "2/L = 0.5" in text


def test_live_playground_redraws():
    from optim_core.playground import _LiveView

    view = _LiveView(ch.playground())
    before = view.image.value
    view.controls[0].value = len(ch.PLAYGROUND_LRS) - 1
    assert view.image.value != before
    view.controls[2].value = 4  # show all 200 steps
    expected = run(GD(ch.PLAYGROUND_LRS[-1]), Quadratic.from_condition(20.0), Q.x0, 200).diverged_at
    assert f"GD: diverged at step {expected}<br>" in view.text.value  # 1.378^t passes 1e10 at t = 72
