"""Validation of hyperparameters and arrays, with errors that name the argument and its range."""

from __future__ import annotations

import numpy as np


def _as_float(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number or an array of them (got {value!r})") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (got {value!r})")
    return arr


def _shown(arr: np.ndarray, bad: np.ndarray) -> str:
    """The offending value (the first one for an array), for the message."""
    return repr(float(arr[bad].flat[0])) if arr.ndim else repr(float(arr))


def positive(name: str, value) -> np.ndarray:
    """A hyperparameter that must be > 0 (learning rates)."""
    arr = _as_float(name, value)
    bad = arr <= 0
    if np.any(bad):
        raise ValueError(f"{name} must be > 0 (got {_shown(arr, bad)})")
    return arr


def nonnegative(name: str, value) -> np.ndarray:
    """A hyperparameter that must be >= 0 (eps, weight decay)."""
    arr = _as_float(name, value)
    bad = arr < 0
    if np.any(bad):
        raise ValueError(f"{name} must be >= 0 (got {_shown(arr, bad)})")
    return arr


def unit_interval(name: str, value) -> np.ndarray:
    """A decay rate that must lie in [0, 1)."""
    arr = _as_float(name, value)
    bad = (arr < 0) | (arr >= 1)
    if np.any(bad):
        raise ValueError(f"{name} must be in [0, 1) (got {_shown(arr, bad)})")
    return arr


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
