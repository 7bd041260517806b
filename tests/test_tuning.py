"""optim_core.tuning: one batched run per grid, named criteria, and the best setting."""

import numpy as np
import pytest

from optim_core import GD, Adam, run
from optim_core.models import digits_mlp, digits_split
from optim_core.problems import RAVINE
from optim_core.run import Trajectory
from optim_core.theory import gd_best, gd_rate
from optim_core.tuning import gap_at, loss_on, steps_to, sweep

LRS = np.geomspace(0.01, 1.0, 21)


def test_sweep_equals_the_individual_runs_bit_for_bit():
    s = sweep(lambda lr: GD(lr), RAVINE, 50, gap_at(), lr=LRS)
    assert s.trajectory.loss.shape == (51, len(LRS))
    for k in (0, 7, 20):
        single = run(GD(LRS[k]), RAVINE, steps=50)
        np.testing.assert_array_equal(s.trajectory.loss[:, k], single.loss)


def test_best_gd_rate_is_the_grid_point_with_the_best_theoretical_rate():
    s = sweep(lambda lr: GD(lr), RAVINE, 200, gap_at(), lr=LRS)
    predicted = gd_rate(LRS, [RAVINE.mu, RAVINE.L])  # max |1 - lr lambda|
    assert s.best["lr"] == LRS[np.argmin(predicted)]
    assert s.best["lr"] < gd_best(RAVINE.mu, RAVINE.L)[0]  # 2 / (L + mu) itself is not on the grid
    assert s.best_score == s.scores.min() == s.scores[s.best_index]


def test_diverged_runs_score_inf_under_every_criterion():
    s = sweep(lambda lr: GD(lr), RAVINE, 100, gap_at(), lr=LRS)
    diverged = s.trajectory.diverged
    assert diverged.any() and np.isinf(s.scores[diverged]).all()
    assert np.isfinite(s.scores[~diverged]).all()
    t = sweep(lambda lr: GD(lr), RAVINE, 100, steps_to(1e-6), lr=LRS)
    assert np.isinf(t.scores[diverged]).all()


def test_steps_to_counts_steps_even_with_sparse_records():
    every = sweep(lambda lr: GD(lr), RAVINE, 300, steps_to(1e-6), lr=[0.3])
    sparse = sweep(lambda lr: GD(lr), RAVINE, 300, steps_to(1e-6), record_every=10, lr=[0.3])
    exact = every.best_score
    assert sparse.best_score == 10 * np.ceil(exact / 10)  # the first record at or after the exact step


def test_two_axes_form_their_product_in_order():
    s = sweep(lambda lr, beta1: Adam(lr, beta1=beta1), RAVINE, 100, gap_at(), lr=[0.01, 0.1, 0.3], beta1=[0.0, 0.9])
    assert s.scores.shape == (3, 2)
    i, j = s.at(lr=0.1, beta1=0.9)
    single = run(Adam(0.1, beta1=0.9), RAVINE, steps=100)
    assert s.scores[i, j] == single.loss[-1] - RAVINE.f_min
    assert set(s.best) == {"lr", "beta1"}
    with pytest.raises(ValueError, match="not on the grid"):
        s.at(lr=0.2, beta1=0.0)


def test_problem_may_depend_on_an_axis():
    from optim_core.problems import Quadratic

    s = sweep(lambda lr: GD(lr), lambda L: _Batched(L), 30, gap_at(), lr=[0.1], L=[1.0, 4.0])
    assert s.scores.shape == (1, 2)
    for j, L in enumerate((1.0, 4.0)):
        single = run(GD(0.1), Quadratic(mu=0.2, L=L), steps=30)
        assert s.scores[0, j] == pytest.approx(single.loss[-1], rel=1e-12)


class _Batched:
    """The diagonal ravine with L given per batch element (shape (..., 1))."""

    def __init__(self, L):
        self.L = np.asarray(L)
        self.x0, self.minimum, self.f_min = np.array([-4.5, 1.0]), np.zeros(2), 0.0

    def curv(self, x):
        return np.concatenate(np.broadcast_arrays(np.full_like(self.L, 0.2), self.L), axis=-1) * np.ones_like(x)

    def grad(self, x):
        return self.curv(x) * x

    def f(self, x):
        return 0.5 * np.sum(self.curv(x) * x * x, axis=-1)


def test_validation_criterion_on_the_digits_mlp():
    split, model = digits_split(0), digits_mlp()
    s = sweep(lambda lr: GD(lr), model, 5, loss_on(split.x_val, split.y_val), lr=[0.01, 0.1])
    final = run(GD(0.1), model, steps=5).params[-1]
    assert s.scores[1] == pytest.approx(model.loss_on(final, split.x_val, split.y_val), rel=1e-10)
    # a run that diverged (NaN params from its divergence on) scores inf
    params = np.stack([s.trajectory.params[-1, 0], np.full(model.dim, np.nan)])[None]
    traj = Trajectory(params, np.array([[1.0, np.nan]]), np.array([None, 3], dtype=object), np.array([5]))
    scores = loss_on(split.x_val, split.y_val)(traj, model)
    assert scores[0] == s.scores[0] and scores[1] == np.inf


def test_bad_grids_are_refused_by_name():
    with pytest.raises(ValueError, match="at least one grid axis"):
        sweep(lambda lr: GD(lr), RAVINE, 10, gap_at())
    with pytest.raises(ValueError, match="grid axis lr"):
        sweep(lambda lr: GD(lr), RAVINE, 10, gap_at(), lr=[[0.1, 0.2]])


def test_decades_within():
    s = sweep(lambda lr: GD(lr), RAVINE, 100, gap_at(), lr=np.geomspace(0.01, 1.0, 9))  # 4 points a decade
    ok = np.count_nonzero(s.scores <= 1e-3)
    assert s.decades_within(1e-3) == pytest.approx(ok / 4)
