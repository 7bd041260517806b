"""Measurements of runs: distance to the minimum, steps until a tolerance is reached for good, and the
linear rate fitted over a window.

Each takes arrays with the steps on axis 0 and any batch shape after it (as `Trajectory.params` and
`Trajectory.loss` have), so one call measures a whole batched run. NaN (a diverged run) never counts
as within a tolerance.
"""

from __future__ import annotations

import numpy as np


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
