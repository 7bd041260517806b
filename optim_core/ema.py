"""Exponential moving averages: the building block of Momentum, RMSProp and Adam::

    v_t = beta * v_{t-1} + (1 - beta) * x_t,   v_0 = 0

Unrolled, v_t = sum_k (1 - beta) * beta**(t-k) * x_k: the weights decay geometrically with age and
sum to 1 - beta**t, which is why dividing by 1 - beta**t removes the bias toward the start value 0.
"""

from __future__ import annotations

import numpy as np

from optim_core._checks import unit_interval


def ema_update(avg: np.ndarray, x: np.ndarray, beta) -> np.ndarray:
    """One EMA step, beta * avg + (1 - beta) * x, as a new array."""
    out = np.multiply(avg, beta)
    out += np.multiply(x, 1.0 - beta)
    return out


def bias_correction(avg: np.ndarray, beta, count: int) -> np.ndarray:
    """Divide an EMA started at 0 by the total weight 1 - beta**count its terms carry."""
    return avg / (1.0 - np.power(beta, count))


def ema(xs, beta, bias_corrected: bool = False) -> np.ndarray:
    """The EMA of a sequence along its first axis: v_1 .. v_T, shape `(T, *broadcast(xs[0], beta))`."""
    beta = unit_interval("beta", beta)
    xs = np.asarray(xs, dtype=np.float64)
    step_shape = np.broadcast_shapes(xs.shape[1:], beta.shape)  # beta may be a grid of values
    out = np.empty((len(xs), *step_shape), dtype=np.float64)
    avg = np.zeros(step_shape)
    for t, x in enumerate(xs, start=1):
        avg = ema_update(avg, x, beta)
        out[t - 1] = bias_correction(avg, beta, t) if bias_corrected else avg
    return out


def ema_weights(beta, t: int) -> np.ndarray:
    """The weight v_t gives each of x_1 .. x_t: (1 - beta) * beta**(t - k) for k = 1 .. t."""
    beta = float(unit_interval("beta", beta))
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t must be an integer >= 1 (got {t!r})")
    return (1.0 - beta) * beta ** np.arange(t - 1, -1, -1, dtype=np.float64)


def effective_memory(beta) -> np.ndarray:
    """The rough number of recent steps an EMA remembers, 1 / (1 - beta)."""
    return 1.0 / (1.0 - unit_interval("beta", beta))


def ema_gain(beta, theta) -> np.ndarray:
    """The long-run amplitude of the EMA of cos(theta t), an input that turns by theta radians per step:
    `(1 - beta) / |1 - beta e^(-i theta)|`. It is 1 for a constant input (theta = 0) and falls to
    (1 - beta) / (1 + beta) for one that flips sign every step (theta = pi)."""
    beta = np.asarray(beta, dtype=np.float64)
    return (1.0 - beta) / np.abs(1.0 - beta * np.exp(-1j * np.asarray(theta, dtype=np.float64)))
