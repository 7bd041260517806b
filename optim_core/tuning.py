"""Hyperparameter sweeps: a whole grid of settings in one batched `run`, scored by a named criterion, and
the best setting chosen::

    s = sweep(lambda lr: Adam(lr), problem, steps=200, score=gap_at(), lr=np.geomspace(1e-3, 1, 25))
    s.best            # {"lr": ...}: the setting with the lowest score
    s.scores          # one score per setting (inf: diverged, or never reached the target)

With several keyword grids (lr=..., beta=...) the settings form their product, with the axes in the order
given; `make` (and `problem`, if it is a function) receives the values of the axes its signature names.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np

from optim_core.measure import distance, steps_to_tolerance, steps_until_below
from optim_core.run import Trajectory, run


# ----- criteria: each maps (trajectory, problem) to one score per setting, lower is better -----------------
def _finite_or_inf(scores) -> np.ndarray:
    return np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=np.inf, posinf=np.inf)


def _recorded_steps(traj: Trajectory, rows) -> np.ndarray:
    """The step numbers of record rows `rows` (float, inf where a row is inf: never reached)."""
    return np.where(np.isinf(rows), np.inf, traj.steps[np.minimum(rows, len(traj.steps) - 1).astype(int)])


def _runs(traj: Trajectory, index: tuple) -> Trajectory:
    """The runs at one batch index (a tuple of ints and slices) of a batched Trajectory, as a Trajectory."""
    rows = (slice(None), *index)
    return Trajectory(traj.params[rows], traj.loss[rows], traj.diverged_at[index], traj.steps)


def gap_at(step: int | None = None):
    """f - f* at `step` (the last recorded step by default); diverged runs score inf."""

    def score(traj: Trajectory, problem) -> np.ndarray:
        row = -1 if step is None else traj.row_of(step)
        return _finite_or_inf(traj.loss[row] - problem.f_min)

    score.__name__ = f"gap_at({step})"
    return score


def steps_to(tol: float):
    """The first step from which f - f* stays <= tol; inf if never, or diverged."""

    def score(traj: Trajectory, problem) -> np.ndarray:
        first = steps_until_below(traj.loss - problem.f_min, tol)
        return _recorded_steps(traj, first)

    score.__name__ = f"steps_to({tol:g})"
    return score


def steps_to_shrink(tol: float):
    """The first step from which the distance to the minimum stays <= tol x its start distance; inf if
    never, or diverged. Also usable on a single run: `steps_to_shrink(1e-6)(run(opt, problem), problem)`."""

    def score(traj: Trajectory, problem) -> np.ndarray:
        dist = distance(traj.params, problem.minimum)
        first = steps_until_below(dist, tol * dist[0])
        return _recorded_steps(traj, first)

    score.__name__ = f"steps_to_shrink({tol:g})"
    return score


def gap_over_last(records: int, reduce: str = "max"):
    """f - f* over the last `records` recorded steps, reduced to one score per run: "max" (the worst of them,
    so that a run ending on a cycle is not judged by a lucky phase) or "mean"; diverged runs score inf."""
    reducers = {"max": np.max, "mean": np.mean}
    if reduce not in reducers:
        raise ValueError(f"reduce must be 'max' or 'mean' (got {reduce!r})")
    if not (isinstance(records, (int, np.integer)) and records >= 1):
        raise ValueError(f"records must be an integer >= 1 (got {records!r})")

    def score(traj: Trajectory, problem) -> np.ndarray:
        return _finite_or_inf(reducers[reduce](traj.loss[-records:] - problem.f_min, axis=0))

    score.__name__ = f"gap_over_last({records}, {reduce!r})"
    return score


def mean_log_gap(blowup: float | None = None, floor: float = 1e-16):
    """The mean of log10(f - f*) over the recorded steps after the start, with f - f* floored at `floor` (the
    book's plots.LOSS_FLOOR): the area under a log-scale loss curve, so every decade of progress counts and
    getting there early counts more. inf for a diverged run and, with `blowup`, for a run whose f - f* ever
    exceeds blowup times its starting value."""

    def score(traj: Trajectory, problem) -> np.ndarray:
        gap = np.asarray(traj.loss, dtype=np.float64) - problem.f_min
        scores = np.mean(np.log10(np.maximum(gap[1:], floor)), axis=0)
        if blowup is not None:
            with np.errstate(invalid="ignore"):
                scores = np.where(np.nanmax(gap, axis=0) > blowup * gap[0], np.inf, scores)
        return _finite_or_inf(scores)

    score.__name__ = f"mean_log_gap(blowup={blowup})"
    return score


def loss_on(x, y):
    """The loss of the final weights on held-out data (x, y), for the digits models; diverged runs score inf."""

    def score(traj: Trajectory, model) -> np.ndarray:
        final = traj.params[-1]
        loss = model.loss_on(np.nan_to_num(final), x, y)
        return _finite_or_inf(np.where(np.isnan(final).any(axis=-1), np.inf, loss))

    score.__name__ = "loss_on(held-out data)"
    return score


# ----- the sweep -----------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class Sweep:
    """A scored grid of settings.

    axes: name -> the values tried along that axis, in grid order.
    scores: one score per setting, shape (len(axis_1), len(axis_2), ...); lower is better.
    trajectory: the batched run behind it (batch shape = the grid's shape).
    criterion: the name of the score.
    """

    axes: dict
    scores: np.ndarray
    trajectory: Trajectory
    criterion: str

    @property
    def best_index(self) -> tuple:
        """The grid index of the lowest score (the first one on a tie)."""
        return tuple(int(i) for i in np.unravel_index(np.argmin(self.scores), self.scores.shape))

    @property
    def best(self) -> dict:
        """name -> value of the best setting."""
        return {name: float(values[i]) for (name, values), i in zip(self.axes.items(), self.best_index, strict=True)}

    @property
    def best_score(self) -> float:
        return float(self.scores[self.best_index])

    def envelope(self) -> np.ndarray:
        """The lowest loss over the whole grid at each recorded step (a diverged run counts as inf): what the
        method reaches after t steps when its setting is chosen for that budget."""
        loss = self.trajectory.loss.reshape(len(self.trajectory.steps), -1)
        return np.min(np.where(np.isnan(loss), np.inf, loss), axis=1)

    def best_at(self, step: int) -> dict:
        """name -> value of the setting with the lowest loss at `step` (a diverged run counts as inf)."""
        loss = self.trajectory.loss[self.trajectory.row_of(step)]
        index = np.unravel_index(np.argmin(np.where(np.isnan(loss), np.inf, loss)), loss.shape)
        return {name: float(values[i]) for (name, values), i in zip(self.axes.items(), index, strict=True)}

    def at(self, **setting):
        """The grid index of a setting given by its values (each must be on its axis's grid)."""
        index = []
        for name, values in self.axes.items():
            hits = np.flatnonzero(np.isclose(values, setting[name], rtol=1e-12, atol=0))
            if hits.size == 0:
                raise ValueError(f"{name}={setting[name]!r} is not on the grid {values.tolist()}")
            index.append(int(hits[0]))
        return tuple(index)

    def decades_within(self, limit: float) -> float:
        """For a one-axis sweep on a log-spaced grid: the decades of that axis whose score is <= limit."""
        return self.decades_of(self.scores <= limit)

    def decades_of(self, mask) -> float:
        """For a one-axis sweep on a log-spaced grid: the decades its settings where `mask` holds span, each point
        counting for its share (one grid step) of the axis."""
        (values,) = self.axes.values()
        per_point = np.log10(values[-1] / values[0]) / (len(values) - 1)
        return float(np.count_nonzero(mask) * per_point)

    def reached(self, problem, tol: float) -> np.ndarray:
        """For each setting: did its run pass the score (a finite one) and get f - f* <= tol for good?"""
        return np.isfinite(self.scores) & np.isfinite(steps_until_below(self.trajectory.loss - problem.f_min, tol))

    def final_gaps(self, problem) -> np.ndarray:
        """f - f* at the end of every setting's run, NaN where the score excluded the run (inf, e.g. diverged)."""
        return np.where(np.isfinite(self.scores), self.trajectory.final_loss - problem.f_min, np.nan)

    def steps_at_best(self, problem, tol: float) -> int | None:
        """Steps the best run needs to get f - f* <= tol for good; None if it never does, or if no setting passed."""
        if not np.isfinite(self.best_score):
            return None
        return steps_to_tolerance(self.run_at().loss - problem.f_min, tol)

    def largest_finite(self) -> float:
        """For a one-axis sweep: the largest value on its grid whose score is finite (e.g. the largest learning
        rate that reached the target: a measured stability limit, to within the grid spacing); NaN if none."""
        (values,) = self.axes.values()
        ok = np.isfinite(self.scores)
        return float(values[ok].max()) if ok.any() else np.nan

    def rescored(self, score, problem) -> Sweep:
        """The same runs scored by another criterion (e.g. `gap_at` a later step), without running them again."""
        scores = np.broadcast_to(score(self.trajectory, problem), self.scores.shape).copy()
        return dataclasses.replace(self, scores=scores, criterion=getattr(score, "__name__", "score"))

    def run_at(self, index: tuple | None = None) -> Trajectory:
        """The run of one setting (grid index; the best one by default) as a Trajectory of its own."""
        return _runs(self.trajectory, self.best_index if index is None else tuple(index))

    def sub(self, name: str, index: int) -> Sweep:
        """The sweep over the other axes at one value of axis `name` (given by its index on that axis), with
        its runs: e.g. the learning-rate sweep of one angle, seed or problem of a larger grid, whose `best`
        is then the best rate for that angle alone."""
        if name not in self.axes or len(self.axes) < 2:
            raise ValueError(f"name must be one of the axes {list(self.axes)}, and another axis must remain")
        if not 0 <= index < self.axes[name].size:
            raise ValueError(f"index must be in 0..{self.axes[name].size - 1} (got {index!r})")
        at = (slice(None),) * list(self.axes).index(name) + (int(index),)
        runs = _runs(self.trajectory, at)
        axes = {k: v for k, v in self.axes.items() if k != name}
        return Sweep(axes, self.scores[at].copy(), runs, self.criterion)


def _call(fn, values: dict):
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn(**values)
    return fn(**{name: value for name, value in values.items() if name in params})


def sweep(make, problem, steps: int, score, x0=None, record_every: int = 1, **grid) -> Sweep:
    """Run `make(**setting)` on `problem` for every setting of the grid at once and score each run.

    - grid: name=values keyword arguments, each a 1-D sequence (the axes of the grid, in order).
    - make: returns the optimizer; it receives each axis as an array shaped to broadcast over the grid
      (a parameter axis is appended, so hyperparameters broadcast against the params).
    - problem: the problem, or a function of some axes that returns it (a regularization strength, say).
    - score: a criterion such as `gap_at(t)`, `steps_to(tol)` or `loss_on(x, y)`.
    """
    if not grid:
        raise ValueError("sweep needs at least one grid axis, e.g. lr=np.geomspace(1e-3, 1, 13)")
    axes = {name: np.asarray(values, dtype=np.float64) for name, values in grid.items()}
    for name, values in axes.items():
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"grid axis {name} must be a non-empty 1-D sequence (got shape {values.shape})")
    shape = tuple(v.size for v in axes.values())
    shaped = {}
    for i, (name, values) in enumerate(axes.items()):
        axis_shape = [1] * (len(shape) + 1)
        axis_shape[i] = values.size
        shaped[name] = values.reshape(axis_shape)
    problem = _call(problem, shaped) if callable(problem) else problem
    start = problem.x0 if x0 is None else x0
    start = np.broadcast_to(np.asarray(start, dtype=np.float64), (*shape, np.shape(start)[-1]))
    traj = run(_call(make, shaped), problem, start, steps, record_every=record_every)
    scores = np.broadcast_to(score(traj, problem), shape).copy()
    return Sweep(axes, scores, traj, getattr(score, "__name__", "score"))


def unscaled_gap_at(step: int | None = None):
    """Criterion for a family of `problems.Scaled` runs (one loss scale per batched run, as `sweep(make,
    partial(Scaled, problem), ..., scale=scales, ...)` builds): f - f* of the unscaled loss at `step` (default: the
    last), so that runs at every scale are judged by the same yardstick."""
    gap = gap_at(step)

    def score(traj: Trajectory, family) -> np.ndarray:
        return gap(traj, family) / family.loss_scale

    score.__name__ = "unscaled f - f*"
    return score


def window_edges(result: Sweep, tol: float) -> list:
    """For a sweep whose last axis is a grid of learning rates: per setting of the other axes (in grid order, e.g.
    per loss scale), the smallest and largest lr whose score is below tol, or None where none is."""
    lrs = list(result.axes.values())[-1]
    ok = (result.scores < tol).reshape(-1, lrs.size)
    return [(float(lrs[row].min()), float(lrs[row].max())) if row.any() else None for row in ok]
