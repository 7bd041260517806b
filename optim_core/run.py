"""Running an optimizer on a problem, with divergence recorded as data."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class Trajectory:
    """The path of a (possibly batched) run.

    - params: shape `(records, *batch, dim)`, the start point first.
    - loss: shape `(records, *batch)`.
    - diverged_at: the first step whose params or loss were non-finite or beyond the bound; None if the
      run never diverged. For a batched run, an object array of shape `batch` holding an int or None
      per element. From that step on, that element's params and loss are NaN.
    - steps: the step number of each record: 0, 1, ..., n by default, or 0, k, 2k, ... and the last step
      for `run(..., record_every=k)`.
    - final_state: the optimizer's state after the last step (for a diverged element, at the step it was
      frozen).
    """

    params: np.ndarray
    loss: np.ndarray
    diverged_at: object
    steps: np.ndarray
    final_state: object = None

    def row_of(self, step: int) -> int:
        """The index of `step` in params and loss (it must have been recorded)."""
        rows = np.flatnonzero(self.steps == step)
        if rows.size == 0:
            raise ValueError(f"step {step} was not recorded (recorded every {self._every()} steps)")
        return int(rows[0])

    def _every(self) -> int:
        return int(self.steps[1] - self.steps[0]) if len(self.steps) > 1 else 1

    @property
    def diverged(self) -> np.ndarray | bool:
        """Whether each run (or the single run) diverged."""
        if self.loss.ndim == 1:
            return self.diverged_at is not None
        return np.array([s is not None for s in self.diverged_at.flat], dtype=bool).reshape(self.diverged_at.shape)

    @property
    def final_loss(self) -> np.ndarray:
        """The loss at the last recorded step (NaN for a run that diverged)."""
        return self.loss[-1]


def run(
    opt, problem, x0=None, steps: int = 100, bound: float = 1e10, loss_bound: float = 1e30, record_every: int = 1
) -> Trajectory:
    """Run `opt` from `x0` (default: the problem's own start) for `steps` steps on `problem`.

    Each step uses `problem.stochastic_grad(x, step)` if the problem defines it (minibatches, online
    losses), else `problem.grad(x)`; `loss` always records the full objective `problem.f`.

    x0 has shape (..., dim); it is broadcast against array-valued hyperparameters (and against
    `problem.batch_shape`, for a problem that holds a batch, such as one noise seed per run), so one call
    runs a whole grid of settings. A run is stopped (frozen) at the first step where its params or loss
    stop being finite, its params exceed `bound` or its loss exceeds `loss_bound` in absolute value
    (no run of this book comes near either on its way to a minimum); numpy's overflow warnings are
    silenced because that event is recorded in `diverged_at` instead.

    record_every=k keeps only the steps 0, k, 2k, ... and the last one (long runs on the digits models
    need a few checkpoints, not every iterate). The full loss is then evaluated, and checked against
    `loss_bound`, only at those steps; the params are checked at every step.
    """
    if isinstance(steps, (bool, np.bool_)) or not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be an integer >= 0 (got {steps!r})")
    if isinstance(record_every, (bool, np.bool_)) or not (
        isinstance(record_every, (int, np.integer)) and record_every >= 1
    ):
        raise ValueError(f"record_every must be an integer >= 1 (got {record_every!r})")
    recorded = np.unique(np.append(np.arange(0, steps + 1, record_every), steps))
    _check_bound("bound", bound)
    _check_bound("loss_bound", loss_bound)
    x = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError("x0 must have at least one dimension (its last axis holds the coordinates)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite (got {x0!r})")
    dim = np.shape(problem.x0)[-1] if getattr(problem, "x0", None) is not None else x.shape[-1]
    if x.shape[-1] != dim:
        raise ValueError(f"x0 has {x.shape[-1]} coordinates on its last axis but the problem has {dim}")
    shape = opt.batch_shape(x.shape)
    problem_batch = getattr(problem, "batch_shape", ())  # a problem may hold a batch itself (seeds, say)
    if problem_batch:
        shape = np.broadcast_shapes(shape, (*problem_batch, x.shape[-1]))
    x = np.array(np.broadcast_to(x, shape), order="C")  # C order: batched == single
    batch = x.shape[:-1]
    params = np.empty((len(recorded), *x.shape))
    loss = np.empty((len(recorded), *batch))
    alive = np.ones(batch, dtype=bool)
    first_bad = np.zeros(batch, dtype=np.int64)  # 0 means never
    state = opt.init(x)
    row = 0
    with np.errstate(all="ignore"):
        params[0], loss[0] = x, problem.f(x)
        for step in range(1, steps + 1):
            new_x, new_state = opt.update(x, _gradient(problem, x, step), state)
            keep = step == recorded[row + 1]
            ok = np.all(np.abs(new_x) <= bound, axis=-1)  # False for NaN
            if keep:
                new_loss = problem.f(new_x)
                ok &= np.abs(new_loss) <= loss_bound
            if ok.all() and alive.all():  # the usual case: nothing to mask
                x, state = new_x, new_state
            else:
                first_bad[alive & ~ok] = step
                alive &= ok
                x = np.where(alive[..., None], new_x, x)  # a diverged run stays frozen where it was
                state = _frozen(state, new_state, alive, x.shape)
                new_x = np.where(alive[..., None], new_x, np.nan)
                if keep:
                    new_loss = np.where(alive, new_loss, np.nan)
            if keep:
                row += 1
                params[row], loss[row] = new_x, new_loss
    return Trajectory(params, loss, _diverged_at(first_bad), recorded, state)


def _check_bound(name: str, value):
    try:
        ok = not isinstance(value, (bool, np.bool_, str, bytes)) and np.ndim(value) == 0 and float(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a number > 0 (inf allowed) (got {value!r})")


def _frozen(old, new, alive, shape):
    """The state with every diverged run's arrays kept at their last good values."""
    if not hasattr(new, "_fields"):
        return new
    fields = {}
    for name in new._fields:
        a, b = getattr(old, name), getattr(new, name)
        if isinstance(b, np.ndarray) and b.shape == shape:
            fields[name] = np.where(alive[..., None], b, a)
    return new._replace(**fields)


def _gradient(problem, x, step):
    """The gradient for this step: a problem with minibatches (or any step-dependent gradient)
    defines `stochastic_grad(x, step)`; otherwise the full gradient `grad(x)`."""
    stochastic = getattr(problem, "stochastic_grad", None)
    return stochastic(x, step) if stochastic is not None else problem.grad(x)


def _diverged_at(first_bad: np.ndarray):
    if first_bad.ndim == 0:
        return int(first_bad) or None
    out = np.empty(first_bad.size, dtype=object)
    out[:] = [int(s) or None for s in first_bad.flat]
    return out.reshape(first_bad.shape)
