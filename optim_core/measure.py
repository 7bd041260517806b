"""Measurements of runs: distance to the minimum, steps until a tolerance is reached for good, the
linear rate fitted over a window, and the per-coordinate effective learning rate of AdaGrad or RMSProp
replayed along a path.

Each takes arrays with the steps on axis 0 and any batch shape after it (as `Trajectory.params` and
`Trajectory.loss` have), so one call measures a whole batched run. NaN (a diverged run) never counts
as within a tolerance.
"""

from __future__ import annotations

import numpy as np

from optim_core._checks import lr_at
from optim_core.base import state_arrays
from optim_core.run import _gradient


def distance(params, minimum) -> np.ndarray:
    """||w_t - w*|| for every step (and batch element); NaN where a run had diverged.

    Computed as scale * ||diff / scale|| with scale the largest coordinate, so that distances far below
    1e-154, whose squares would underflow to zero, stay exact (late rates are fitted down to 1e-200).
    """
    diff = np.asarray(params, dtype=np.float64) - np.asarray(minimum, dtype=np.float64)
    scale = np.max(np.abs(diff), axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        unit = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return scale[..., 0] * np.linalg.norm(unit, axis=-1)


def steps_until_below(values, tol) -> np.ndarray:
    """The first step from which `values` stays <= tol until the end, as a float array over the batch
    (a scalar for one run); inf where that never happens, or the run diverged (NaN never counts as below).

    The numeric form, for scoring and sorting; `steps_to_tolerance` gives the same as int or None."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~(values <= tol)
    n = values.shape[0]
    last_bad = n - 1 - np.argmax(bad[::-1], axis=0)
    first_good = np.where(bad.any(axis=0), last_bad + 1, 0).astype(np.float64)
    return np.where(first_good >= n, np.inf, first_good)


def steps_to_tolerance(values, tol):
    """The first step from which `values` stays <= tol for good: an int, or None if never.

    For a batched run (values of shape (steps + 1, *batch)), an object array of the batch's shape holding
    an int or None per run, the convention of `Trajectory.diverged_at`.
    """
    steps = steps_until_below(values, tol)
    if np.ndim(steps) == 0:
        return None if np.isinf(steps) else int(steps)
    out = np.empty(steps.size, dtype=object)
    out[:] = [None if np.isinf(s) else int(s) for s in steps.flat]
    return out.reshape(steps.shape)


def fitted_rate(values, start: int, stop: int) -> np.ndarray:
    """The linear rate over steps start..stop-1: exp of the least-squares slope of log(values) against the
    step. A rate r means values shrink by the factor r per step. NaN for a run with a non-positive or
    non-finite value in the window."""
    values = np.asarray(values, dtype=np.float64)
    if not 0 <= start < stop - 1 < values.shape[0]:
        raise ValueError(f"the window must hold at least two steps of the {values.shape[0]} (got {start}:{stop})")
    t = np.arange(start, stop, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(values[start:stop])
    centered = t - t.mean()
    slope = np.tensordot(centered, logs - logs.mean(axis=0), axes=(0, 0)) / np.dot(centered, centered)
    return np.exp(slope)


def late_rate(values, floor: float = 1e-200) -> float:
    """The late-time rate of one run: `fitted_rate` over the second half of the steps at which the value is
    still finite and above floor x its start (before it reaches rounding error or underflows)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        alive = np.flatnonzero(np.isfinite(values) & (values > floor * values[0]))
    last = int(alive.max())
    return float(fitted_rate(values, last // 2, last + 1))


def effective_lr(opt, problem, path) -> np.ndarray:
    """The effective learning rate alpha_t / (sqrt(v_t) + eps) per coordinate at every step t = 1..T of a
    run of `opt` (AdaGrad, RMSProp: an optimizer whose state holds one array, v_t), replayed from the run's
    positions. `path` is the run's Trajectory, recorded at every step, or its params (T + 1, *batch, dim);
    the result has shape (T, *batch, dim)."""
    if hasattr(path, "steps") and not np.array_equal(path.steps, np.arange(len(path.steps))):
        raise ValueError("effective_lr replays every step: run with record_every=1")
    params = np.asarray(getattr(path, "params", path), dtype=np.float64)
    state = opt.init(params[0])
    if len(state_arrays(state)) != 1 or not hasattr(opt, "eps"):
        raise ValueError(f"effective_lr needs a state with one array v_t and an eps ({type(opt).__name__} has not)")
    rates = np.empty(params[1:].shape)
    for t in range(1, len(params)):
        _, state = opt.update(params[t - 1], _gradient(problem, params[t - 1], t), state)
        rates[t - 1] = lr_at(opt.lr, t) / (np.sqrt(state_arrays(state)[0]) + opt.eps)
    return rates
