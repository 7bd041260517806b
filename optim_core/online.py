"""Online convex optimization on one weight: the counterexample of Reddi, Kale & Kumar (2018) to Adam.

In round t a learner plays w_{t-1}, only then sees the loss f_t, pays f_t(w_{t-1}) and steps with the
gradient dw_t = f_t'(w_{t-1}) to w_t. The losses here are linear, f_t(w) = g_t w, with a rare large slope::

    g_t = c   when t mod period == 1,   else -1        (t = 1, 2, ...; the paper takes c = 3, period = 3)

The learner is confined to the box [-1, 1] by a projection after every step (`projected_run`), and judged
by its average regret R_T / T against the best fixed weight in the box (`average_regret`). `WalledOnline`
is the same game with the box replaced by a smooth wall w^4 / 12, so that the ordinary `run` can play it.
`settled_moves` is one period of the game once Adam's v_t has settled: the analysis of why Adam drifts.
"""

from __future__ import annotations

import dataclasses

import numpy as np


def rare_slope(t, c: float = 3.0, period: int = 3) -> np.ndarray:
    """g_t: c when t mod period == 1, else -1 (t counts from 1; may be an array)."""
    return np.where(np.asarray(t) % period == 1 % period, c, -1.0)


def rare_slopes(steps: int, c: float = 3.0, period: int = 3) -> np.ndarray:
    """g_1 .. g_steps."""
    return rare_slope(np.arange(1, steps + 1), c, period)


def projected_run(opt, grads, w1: float, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """w_0 .. w_T, shape `(T + 1, *batch)`: from the start w1 (the paper's x_1, the book's w_0), an `opt` step on
    each slope g_t of `grads`, then clipping to [low, high]. The batch shape comes from the optimizer's array
    hyperparameters."""
    w = np.array(np.broadcast_to(np.asarray([w1], dtype=np.float64), opt.batch_shape((1,))))
    state, ws = opt.init(w), [w[..., 0]]
    for g in grads:
        w, state = opt.update(w, np.full_like(w, g), state)
        w = np.clip(w, low, high)
        ws.append(w[..., 0])
    return np.array(ws)


def average_regret(ws, grads, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """R_t / t for t = 1..T, for linear losses g_t w on [low, high]: the loss the weights w_0 .. w_{T-1} paid
    minus that of the best fixed weight in hindsight, per round (ws may hold one more weight, w_T)."""
    grads = np.asarray(grads, dtype=np.float64)
    shape = (len(grads),) + (1,) * (np.ndim(ws) - 1)
    played = np.cumsum(grads.reshape(shape) * np.asarray(ws)[: len(grads)], axis=0)
    total = np.cumsum(grads).reshape(shape)
    best_fixed = np.minimum(low * total, high * total)  # a linear loss is smallest at an end of the box
    return (played - best_fixed) / np.arange(1, len(grads) + 1).reshape(shape)


def period_mean(ws, period: int = 3) -> np.ndarray:
    """The mean weight over the last full period of the game (within a period it wobbles with the slopes)."""
    return np.asarray(ws)[-period:].mean(axis=0)


def settled_ema(values, beta: float, cycles: int = 500) -> np.ndarray:
    """The EMA v_t = beta v_{t-1} + (1 - beta) x_t of a sequence that repeats `values` forever, once it has
    settled: its value after each element of one period (started at 0, read after `cycles` periods)."""
    v, out = 0.0, []
    for _ in range(cycles):
        out = []
        for x in np.asarray(values, dtype=np.float64):
            v = beta * v + (1 - beta) * x
            out.append(v)
    return np.array(out)


def settled_moves(beta2: float, c: float = 3.0, period: int = 3) -> dict:
    """label -> the moves -g_t / sqrt(denominator) of one settled period of the rare-slope game, in units of the
    step size alpha_t (beta1 = 0, no eps, no bias correction): Adam divides by sqrt(v_t), AMSGrad by the square
    root of the running maximum v_t^max, GD by 1. Their sum is the drift per period: > 0 is toward w = +1."""
    grads = rare_slopes(period, c, period)
    v = settled_ema(grads * grads, beta2)
    return {"Adam": -grads / np.sqrt(v), "AMSGrad": -grads / np.sqrt(v.max()), "GD": -grads}


@dataclasses.dataclass(frozen=True, eq=False)
class WalledOnline:
    """The rare-slope game with the box replaced by a smooth wall: f_t(w) = g_t w + w^4 / 12.

    The average loss a w + w^4 / 12, with a = (c - (period - 1)) / period the average slope, has its
    minimum at w* = -(3a)^(1/3): w* = -1 and f* = -1/4 for the paper's c = 3, period = 3. `run` uses
    `stochastic_grad` (round t's gradient g_t + w^3 / 3); `f` and `grad` are those of the average loss."""

    c: float = 3.0
    period: int = 3
    x0 = np.array([1.0])
    name = "walled online problem"

    @property
    def mean_slope(self) -> float:
        return (self.c - (self.period - 1)) / self.period

    @property
    def minimum(self) -> np.ndarray:
        return np.array([-np.cbrt(3.0 * self.mean_slope)])

    @property
    def f_min(self) -> float:
        return float(self.f(self.minimum))

    def f(self, w):
        w = np.asarray(w, dtype=np.float64)[..., 0]
        return self.mean_slope * w + w**4 / 12.0

    def grad(self, w):
        return self.mean_slope + np.asarray(w, dtype=np.float64) ** 3 / 3.0

    def stochastic_grad(self, w, step):
        return rare_slope(step, self.c, self.period) + np.asarray(w, dtype=np.float64) ** 3 / 3.0
