"""Library pieces added for the rotation study of the comparison chapter (issue 13): many turned copies of a
problem in one batched run (problems.TurnedMany), a sweep split along one axis (Sweep.sub) and what a chapter reads
off a sweep, the measurements first_true, rebound and fastest_counts, grouped tables, and the tuned-race playground."""

import matplotlib as mpl
import numpy as np
import pytest

from optim_core import GD, AdaGrad, Adam, Momentum, plots, run
from optim_core.measure import fastest_counts, first_true, rebound
from optim_core.playground import Playground, tuned_race
from optim_core.problems import RAVINE, SADDLE, Rosenbrock, Turned, TurnedMany, _turn, rotation
from optim_core.tables import MUTED, defaults_table, grouped_html, median_and_range
from optim_core.tuning import gap_at, mean_log_gap, steps_to, sweep

ANGLES = np.array([0.0, 45.0, 229.3, -30.0])
LRS = np.geomspace(1e-3, 1.0, 7)


# ----- TurnedMany ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", [RAVINE, SADDLE, Rosenbrock()], ids=lambda p: p.name)
def test_turned_many_is_each_turned_problem_bit_for_bit(problem):
    """One batched sweep over (angle, lr) equals one sweep per angle on Turned(problem, angle), exactly."""
    make = lambda lr: Adam(lr=lr)  # noqa: E731
    many = sweep(make, lambda degrees: TurnedMany(problem, degrees), 60, mean_log_gap(100), degrees=ANGLES, lr=LRS)
    for k, degrees in enumerate(ANGLES):
        one = sweep(make, Turned(problem, degrees), 60, mean_log_gap(100), lr=LRS)
        np.testing.assert_array_equal(many.trajectory.params[:, k], one.trajectory.params)
        np.testing.assert_array_equal(many.trajectory.loss[:, k], one.trajectory.loss)
        np.testing.assert_array_equal(many.scores[k], one.scores)


def test_turned_many_turns_start_minimum_and_gradient():
    many = TurnedMany(RAVINE, ANGLES[:, None])
    assert many.batch_shape == (len(ANGLES),) and many.x0.shape == (len(ANGLES), 2)
    for k, degrees in enumerate(ANGLES):
        turn = rotation(np.deg2rad(degrees))
        np.testing.assert_allclose(many.x0[k], turn @ RAVINE.x0, rtol=1e-14, atol=1e-14)
        w = np.array([0.3, -1.7])
        np.testing.assert_allclose(many.f(np.broadcast_to(turn @ w, (len(ANGLES), 2)))[k], RAVINE.f(w), rtol=1e-13)
    np.testing.assert_allclose(many.minimum, 0.0, atol=1e-15)
    np.testing.assert_array_equal(TurnedMany(SADDLE, np.zeros((1, 1))).x0[0], SADDLE.x0)  # 0 degrees: no turn at all


def test_turned_many_gradient_is_the_derivative_of_its_loss():
    many, w, h = TurnedMany(SADDLE, ANGLES[:, None]), np.array([[0.4, -0.9]] * len(ANGLES)), 1e-6
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        numeric = (many.f(w + e) - many.f(w - e)) / (2 * h)
        np.testing.assert_allclose(many.grad(w)[:, i], numeric, rtol=1e-6, atol=1e-8)


def test_turned_many_bounds_hold_every_turned_box():
    many = TurnedMany(RAVINE, ANGLES[:, None])
    (x_lo, x_hi), (y_lo, y_hi) = many.bounds
    for degrees in ANGLES:
        bx, by = Turned(RAVINE, degrees).bounds
        assert x_lo <= bx[0] + 1e-12 and bx[1] <= x_hi + 1e-12 and y_lo <= by[0] + 1e-12 and by[1] <= y_hi + 1e-12
    assert x_hi == pytest.approx(max(Turned(RAVINE, d).bounds[0][1] for d in ANGLES))


@pytest.mark.parametrize("degrees", [45.0, np.array([45.0, 10.0]), np.array([[np.nan]]), "45"])
def test_turned_many_wants_finite_angles_shaped_like_a_grid(degrees):
    with pytest.raises(ValueError, match="degrees"):
        TurnedMany(RAVINE, degrees)


def test_turn_accepts_a_stack_of_matrices():
    stack = np.stack([rotation(a) for a in (0.1, 0.7, 2.0)])
    x = np.array([1.5, -0.25])
    np.testing.assert_array_equal(_turn(stack, x), [_turn(m, x) for m in stack])


def test_gd_and_momentum_turn_with_the_problem_but_adagrad_does_not():
    """The reason the rotation study finds GD and Momentum unchanged: their path on the turned problem is the
    turned path (up to rounding); AdaGrad's is not."""
    turned, turn = Turned(RAVINE, 30.0), rotation(np.deg2rad(30.0))
    for opt in (GD(lr=0.3), Momentum(lr=0.5), AdaGrad(lr=0.5)):
        same = np.allclose(run(opt, turned, steps=40).params, run(opt, RAVINE, steps=40).params @ turn.T, atol=1e-10)
        assert same == (not isinstance(opt, AdaGrad))


# ----- Sweep: one axis at a time, and what a chapter reads off it ---------------------------------------------------


@pytest.fixture(scope="module")
def grid():
    return sweep(lambda beta, lr: Momentum(lr=lr, beta=beta), RAVINE, 200, mean_log_gap(100), beta=[0.0, 0.5], lr=LRS)


def test_sub_is_the_sweep_of_one_value_of_an_axis(grid):
    alone = sweep(lambda lr: Momentum(lr=lr, beta=0.5), RAVINE, 200, mean_log_gap(100), lr=LRS)
    part = grid.sub("beta", 1)
    assert list(part.axes) == ["lr"] and part.best == alone.best
    np.testing.assert_array_equal(part.scores, alone.scores)
    np.testing.assert_array_equal(part.run_at().params, alone.run_at().params)
    by_lr = grid.sub("lr", 3)
    assert list(by_lr.axes) == ["beta"] and by_lr.scores.shape == (2,)
    with pytest.raises(ValueError, match="index"):
        grid.sub("beta", 2)
    with pytest.raises(ValueError, match="name"):
        part.sub("lr", 0)  # no other axis would remain


def test_reached_steps_at_best_and_final_gaps_agree_with_the_criteria(grid):
    part = grid.sub("beta", 0)
    gaps = steps_to(1e-6)(part.trajectory, RAVINE)
    np.testing.assert_array_equal(part.reached(RAVINE, 1e-6), np.isfinite(part.scores) & np.isfinite(gaps))
    assert part.steps_at_best(RAVINE, 1e-6) == gaps[part.best_index]
    final = part.final_gaps(RAVINE)
    np.testing.assert_array_equal(np.isnan(final), ~np.isfinite(part.scores))
    np.testing.assert_array_equal(final[np.isfinite(final)], gap_at()(part.trajectory, RAVINE)[np.isfinite(final)])
    assert part.decades_of(np.ones(len(LRS), bool)) == pytest.approx(3 * len(LRS) / (len(LRS) - 1))
    assert part.decades_within(np.inf) == part.decades_of(np.isfinite(part.scores) | True)


def test_steps_at_best_is_none_when_nothing_passed():
    s = sweep(lambda lr: GD(lr=lr), RAVINE, 50, mean_log_gap(100), lr=[10.0, 20.0])  # every run diverges
    assert not np.isfinite(s.best_score) and s.steps_at_best(RAVINE, 1e-6) is None


# ----- measurements -------------------------------------------------------------------------------------------------


def test_first_true():
    assert first_true([False, False, True, True]) == 2 and first_true(np.zeros(4, bool)) is None


def test_rebound_finds_the_arrival_and_the_highest_point_after_it():
    values = np.array([1.0, 1e-3, 1e-8, 1e-9, 5e-2, 1e-7, np.nan])
    assert rebound(values, 1e-6) == (2, 4, 5e-2)
    assert rebound(np.array([1.0, 1e-7, 1e-8]), 1e-6) == (1, 1, 1e-7)  # stays down: the peak is the arrival
    with pytest.raises(ValueError, match="tol"):
        rebound(np.array([1.0, 0.5]), 1e-6)


def test_fastest_counts_counts_ties_for_each_and_ignores_settings_nobody_finished():
    counts = fastest_counts({"a": [3, 5, np.inf, 7], "b": [4, 5, np.inf, 2], "c": [9, 9, np.inf, np.inf]})
    assert counts == {"a": 2, "b": 2, "c": 0}


# ----- tables -------------------------------------------------------------------------------------------------------


def test_median_and_range():
    assert median_and_range([18, 113, 21, 45, 72]) == ("45", "18–113")
    assert median_and_range([75.0] * 5) == ("75", "75")
    assert median_and_range([655, np.inf, 689, 785, 686]) == ("689", "655–785 (1 not reached)")
    assert median_and_range([np.inf, np.inf, 3]) == ("not reached", "3 (2 not reached)")
    assert median_and_range([np.inf, np.inf]) == ("not reached", "not reached")
    assert median_and_range([126, 131]) == ("128.5", "126–131")


def test_grouped_html_spans_each_label_over_its_rows_and_mutes_some():
    html = grouped_html(["g", "name", "x"], {"first": [["a", "1"], ["b", "2"]], "second": [["c", "3"]]}, muted=["b"])
    assert html.count("<tr") == 4 and '<th rowspan="2" style="vertical-align:top">first</th>' in html
    assert '<th rowspan="1" style="vertical-align:top">second</th>' in html
    assert f'<tr style="color:{MUTED}; font-style:italic"><td>b</td><td>2</td></tr>' in html
    assert html.count("border-top") == 2
    with pytest.raises(ValueError, match="cells"):
        grouped_html(["g", "name", "x"], {"first": [["a"]]})


def test_defaults_table_reads_each_class():
    table = defaults_table({"GD": GD, "Momentum (EMA form)": Momentum})
    assert "| GD | (none) |" in table and "| Momentum (EMA form) | `beta = 0.9, ema = True" in table


# ----- plots --------------------------------------------------------------------------------------------------------


def test_path_panels_and_over_lr_draw_what_they_are_given():
    runs = {n: run(cls(lr=0.3), RAVINE, steps=20) for n, cls in (("GD", GD), ("Adam", Adam))}
    fig = plots.path_panels(RAVINE, runs, {"GD": "GD here"}, tol=1e-6, loss_title="losses")
    titles = [ax.get_title() for ax in fig.axes]
    assert "GD here" in titles and "Adam" in titles and "losses" in titles
    loss_ax = fig.axes[titles.index("losses")]
    assert any(line.get_linestyle() == ":" and line.get_ydata()[0] == 1e-6 for line in loss_ax.get_lines())
    np.testing.assert_array_equal(fig.axes[titles.index("Adam")].get_lines()[-1].get_xdata(), runs["Adam"].params[:, 0])
    _, ax = plots.figure()
    plots.over_lr(ax, LRS, {"GD": np.linspace(1, 2, len(LRS))}, {"GD": (0.1, 1.5)})
    assert ax.get_xscale() == ax.get_yscale() == "log" and len(ax.get_lines()) == 2
    assert mpl.colors.to_hex(ax.get_lines()[0].get_color()) == plots.COLORS["GD"]


# ----- the tuned-race playground ------------------------------------------------------------------------------------


def test_tuned_race_runs_each_optimizer_at_its_own_rate_times_the_scale():
    problems = {"ravine": RAVINE, "saddle": SADDLE}
    lrs = {"GD": [0.4, 0.6], "Adam": [0.2, 0.3]}
    pg = tuned_race(
        "race", problems, {"GD": GD, "Adam": Adam}, lrs, (0.5, 1.0, 2.0), 30, shown=(10,), labels={"GD": "G"}
    )
    assert isinstance(pg, Playground) and [s.name for s in pg.sliders] == ["problem", "lr_scale", "steps"]
    runs = pg.compute({"problem": 1.0, "lr_scale": 2.0, "steps": 30})
    np.testing.assert_array_equal(runs["Adam"].params, run(Adam(lr=0.6), SADDLE, steps=30).params)
    assert pg.readout(0.5, 0.0) == "α used: G 0.2, Adam 0.1"
