"""Validation of hyperparameters and arrays, with errors that name the argument and its range."""

from __future__ import annotations

import numpy as np


def _as_float(name: str, value, allowed: str) -> np.ndarray:
    if isinstance(value, (str, bytes)):  # np.asarray would quietly parse "0.1"
        raise ValueError(f"{name} must be a number {allowed} or an array of them (got {value!r})")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number {allowed} or an array of them (got {value!r})") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite and {allowed} (got {value!r})")
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
    """The learning rate in force at `step` (1-based), whether constant or scheduled."""
    return np.asarray(lr(step), dtype=np.float64) if callable(lr) else lr


def matching_grad(params: np.ndarray, grad) -> np.ndarray:
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != params.shape:
        raise ValueError(f"grad has shape {grad.shape} but params has shape {params.shape}; they must match")
    return grad
