"""Validation of hyperparameters and arrays, with errors that name the argument and its range."""

from __future__ import annotations

import numpy as np


def _as_float(name: str, value, allowed: str) -> np.ndarray:
    """A private, read-only float64 copy of a real number or a non-empty array of them.

    Refused: strings (np.asarray would quietly parse "0.1"), booleans (True is not 1.0), complex numbers,
    dates, masked arrays (their mask would be dropped), object arrays and empty arrays."""
    wrong = f"{name} must be a real number {allowed} or a non-empty array of them (got {value!r})"
    if isinstance(value, (str, bytes, bool, np.bool_)) or np.ma.isMaskedArray(value):
        raise ValueError(wrong)
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(wrong) from None
    if raw.dtype.kind not in "iuf" or raw.size == 0:
        raise ValueError(wrong)
    arr = np.array(raw, dtype=np.float64)  # a copy: the caller's array cannot change it later
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite and {allowed} (got {value!r})")
    arr.setflags(write=False)
    return arr


def _shown(arr: np.ndarray, bad: np.ndarray) -> str:
    """The offending value (the first one for an array), for the message."""
    return repr(float(arr[bad].flat[0])) if arr.ndim else repr(float(arr))


def _checked(name: str, value, allowed: str, is_bad) -> np.ndarray:
    arr = _as_float(name, value, allowed)
    bad = is_bad(arr)
    if np.any(bad):
        raise ValueError(f"{name} must be {allowed} (got {_shown(arr, bad)})")
    return arr


def positive(name: str, value) -> np.ndarray:
    """A hyperparameter that must be > 0 (learning rates)."""
    return _checked(name, value, "> 0", lambda a: a <= 0)


def nonnegative(name: str, value) -> np.ndarray:
    """A hyperparameter that must be >= 0 (eps, weight decay)."""
    return _checked(name, value, ">= 0", lambda a: a < 0)


def unit_interval(name: str, value) -> np.ndarray:
    """A decay rate that must lie in [0, 1)."""
    return _checked(name, value, "in [0, 1)", lambda a: (a < 0) | (a >= 1))


def learning_rate(value):
    """A learning rate: a positive number or array, or a schedule (a callable of the step)."""
    if callable(value):
        return value
    return positive("lr", value)


def lr_at(lr, step: int) -> np.ndarray:
    """The learning rate in force at `step` (1-based), whether constant or scheduled. A schedule's value
    is checked at every step, since it was not known when the optimizer was built."""
    if not callable(lr):
        return lr
    value = np.asarray(lr(step), dtype=np.float64)
    if not np.all(np.isfinite(value) & (value > 0)):
        bad = value[~(np.isfinite(value) & (value > 0))] if value.ndim else value
        shown = float(np.ravel(bad)[0])
        raise ValueError(f"lr is a schedule that gave {shown!r} at step {step}; it must be finite and > 0")
    return value


def matching_grad(params: np.ndarray, grad) -> np.ndarray:
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != params.shape:
        raise ValueError(f"grad has shape {grad.shape} but params has shape {params.shape}; they must match")
    return grad
