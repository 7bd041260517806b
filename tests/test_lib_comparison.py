"""Library pieces added for the comparison chapter: the `mean_log_gap` criterion, `Sweep.run_at`, and
`tables.pretty` (numbers written as the prose shows them)."""

import numpy as np
import pytest

from optim_core import GD, run
from optim_core.problems import RAVINE
from optim_core.run import Trajectory
from optim_core.tables import pretty
from optim_core.tuning import gap_at, mean_log_gap, sweep


def trajectory(loss):
    loss = np.asarray(loss, dtype=np.float64)
    return Trajectory(np.zeros((*loss.shape, 2)), loss, None, np.arange(loss.shape[0]))


class AtZero:
    f_min = 0.0


# ----- mean_log_gap ---------------------------------------------------------------------------------------------


def test_mean_log_gap_is_the_mean_log10_gap_after_the_start():
    scores = mean_log_gap()(trajectory([[5.0, 2.0], [1e-2, 1e-2], [1e-4, 1.0]]), AtZero())
    np.testing.assert_allclose(scores, [-3.0, -1.0], rtol=1e-12)  # the start (5, 2) does not count


def test_mean_log_gap_floors_the_gap():
    """A run at the minimum, or below f* by rounding, counts as the floor, not as -inf or NaN."""
    scores = mean_log_gap(floor=1e-16)(trajectory([[1.0, 1.0], [0.0, -1e-20]]), AtZero())
    np.testing.assert_array_equal(scores, [-16.0, -16.0])


def test_mean_log_gap_fails_diverged_runs_and_with_blowup_runs_that_blow_up():
    loss = [[1.0, 1.0, 1.0], [50.0, np.nan, 101.0], [0.5, np.nan, 0.1]]
    without = mean_log_gap()(trajectory(loss), AtZero())
    assert np.isfinite(without[[0, 2]]).all() and without[1] == np.inf
    with_rule = mean_log_gap(blowup=100.0)(trajectory(loss), AtZero())
    assert np.isfinite(with_rule[0]) and np.isinf(with_rule[1:]).all()  # 101 > 100 x the start of 1


def test_mean_log_gap_measures_the_gap_to_f_min():
    class AtMinusOne:
        f_min = -1.0

    assert mean_log_gap()(trajectory([1.0, -0.9, -0.99]), AtMinusOne()) == pytest.approx(-1.5)


def test_mean_log_gap_prefers_an_early_arrival_where_the_final_gap_ties():
    """Two GD runs on the ravine both end at the floor; the final gap cannot tell them apart, this criterion can."""
    s = sweep(lambda lr: GD(lr), RAVINE, 600, mean_log_gap(blowup=100.0), lr=[0.2, 0.45])
    finals = s.rescored(gap_at(), RAVINE).scores
    assert finals[0] <= 1e-16 and finals[1] <= 1e-16
    assert s.best == {"lr": 0.45} and s.scores[1] < s.scores[0]


# ----- Sweep.run_at ---------------------------------------------------------------------------------------------


def test_run_at_is_the_run_of_that_setting():
    lrs = np.array([0.1, 0.3, 1.0])  # 1.0 > 2 / L diverges
    s = sweep(lambda lr: GD(lr), RAVINE, 40, gap_at(), lr=lrs)
    best = s.run_at()
    alone = run(GD(0.3), RAVINE, steps=40)
    assert s.best_index == (1,)
    np.testing.assert_array_equal(best.params, alone.params)
    np.testing.assert_array_equal(best.loss, alone.loss)
    np.testing.assert_array_equal(best.steps, alone.steps)
    assert best.diverged_at is None
    assert s.run_at((2,)).diverged_at == run(GD(1.0), RAVINE, steps=40).diverged_at is not None


def test_run_at_takes_an_index_on_a_two_axis_grid():
    s = sweep(lambda lr, beta: GD(lr * (1 - beta)), RAVINE, 20, gap_at(), lr=[0.1, 0.2], beta=[0.0, 0.5, 0.9])
    np.testing.assert_array_equal(s.run_at((1, 1)).loss, run(GD(0.2 * 0.5), RAVINE, steps=20).loss)
    assert s.run_at().params.shape == (21, 2)


# ----- tables.pretty ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1e-6, "10⁻⁶"),
        (1e4, "10⁴"),
        (7.8e-4, "7.8 × 10⁻⁴"),
        (-2.37e-14, "−2.4 × 10⁻¹⁴"),
        (0.00147, "0.00147"),
        (0.47619, "0.476"),
        (1160.4, "1160"),
        (20.0, "20"),
        (0.0, "0"),
        (37, "37"),
        (np.int64(-3), "−3"),
        (-0.857, "−0.857"),
        (-99.0, "−99"),
    ],
)
def test_pretty(number, text):
    assert pretty(number) == text


def test_pretty_compact_drops_the_spaces_around_times():
    assert pretty(2.3e-8, compact=True) == "2.3×10⁻⁸" and pretty(1e-16, compact=True) == "10⁻¹⁶"
