"""Chapter "When Adam fails, and how it was fixed": the experiments behind its numbers, and its playground.

Three repairs to Adam, each with the computation that motivates it:

- AMSGrad (Reddi, Kale & Kumar, 2018). On the online problem f_t(x) = C x when t mod 3 == 1 and -x
  otherwise, over x in [-1, 1], with beta1 = 0 and beta2 = 1 / (1 + C^2), Adam's moving average v_t
  forgets the rare large gradient C within a step or two, so the two small gradients -1 take large
  steps and Adam drifts to x = +1, the worst point; AMSGrad divides by the running maximum of v_t and
  reaches the optimum x = -1, as does online gradient descent. The paper's Adam has no bias
  correction and no eps, and steps with alpha_t = alpha / sqrt(t); so do the runs here.
- AdamW (Loshchilov & Hutter, 2019): an L2 term added to the gradient is divided by sqrt(v_hat) like
  the rest of the gradient, so weights with a large gradient history are decayed less; decoupled
  decay shrinks every weight at the same rate. Compared on the digits MLP, each tuned on a small grid.
- Lion (Chen et al., 2023): the sign of an interpolated momentum, one state array.

The digits runs are cached (functools.lru_cache) so the notebook and the tests share them, and run with
single-threaded BLAS (small matrices: threads cost more than they save).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import NamedTuple

import matplotlib as mpl
import numpy as np

from optim_core import GD, Adam, AdamW, Lion, SignGD, plots, run
from optim_core.base import state_arrays
from optim_core.chapters import register
from optim_core.models import MLP, digits_split, single_threaded
from optim_core.playground import Playground, Slider
from optim_core.problems import Quadratic, Rosenbrock, Wrapped

C = 3.0  # the rare large gradient of the counterexample
PERIOD = 3  # it comes once every PERIOD steps; the other steps have gradient -1
ALPHA = 0.5  # alpha_t = ALPHA / sqrt(t); the paper's proof needs alpha < sqrt(1 - beta2) = 0.95
STEPS = 3000  # rounds of the online game
X1 = 1.0  # the paper's start point


def paper_beta2(c: float = C) -> float:
    """The counterexample's beta2 = 1 / (1 + C^2) (0.1 for C = 3)."""
    return 1.0 / (1.0 + c * c)


def inverse_sqrt(alpha):
    """The step-size schedule alpha_t = alpha / sqrt(t) of the paper (alpha may be an array)."""
    return lambda step: alpha / np.sqrt(step)


# ----- the online problem and its projected runs ---------------------------------------------------------


def online_gradient(t, c: float = C, period: int = PERIOD):
    """g_t, the slope of f_t(x) = g_t x: c when t mod period == 1, else -1 (t counts from 1; may be an array)."""
    return np.where(np.asarray(t) % period == 1 % period, c, -1.0)


def online_gradients(steps: int = STEPS, c: float = C, period: int = PERIOD) -> np.ndarray:
    """g_1 .. g_steps."""
    return online_gradient(np.arange(1, steps + 1), c, period)


def projected_run(opt, grads, x1: float = X1, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """x_1 .. x_{T+1} (shape (T + 1, *batch)): an optimizer step on each g_t, then clipping to [low, high]."""
    x = np.array(np.broadcast_to(np.asarray([x1], dtype=np.float64), opt.batch_shape((1,))))
    state, xs = opt.init(x), [x[..., 0]]
    for g in grads:
        x, state = opt.update(x, np.full_like(x, g), state)
        x = np.clip(x, low, high)
        xs.append(x[..., 0])
    return np.array(xs)


def paper_optimizers(c: float = C, alpha: float = ALPHA, beta1=0.0, beta2=None) -> dict:
    """label -> optimizer in the paper's setting: beta1 = 0, beta2 = 1/(1+C^2), no bias correction, no eps."""
    beta2 = paper_beta2(c) if beta2 is None else beta2
    lr = inverse_sqrt(alpha)
    common = {"beta1": beta1, "beta2": beta2, "eps": 0.0, "bias_correction": False}
    return {"Adam": Adam(lr, **common), "AMSGrad": Adam(lr, amsgrad=True, **common), "GD": GD(lr)}


@functools.cache
def counterexample(steps: int = STEPS, c: float = C, x1: float = X1) -> dict:
    """label -> x_1 .. x_{T+1} for Adam, AMSGrad and online gradient descent on the paper's problem."""
    grads = online_gradients(steps, c)
    return {label: projected_run(opt, grads, x1) for label, opt in paper_optimizers(c).items()}


def cycle_mean(xs: np.ndarray, period: int = PERIOD) -> np.ndarray:
    """The mean position over the last full cycle (the position within a cycle wobbles with its gradients)."""
    return xs[-period:].mean(axis=0)


def final_positions(steps: int = STEPS, x1: float = X1) -> dict:
    """label -> mean x over the last cycle of the counterexample runs."""
    return {label: float(cycle_mean(xs)) for label, xs in counterexample(steps, x1=x1).items()}


def average_regret(xs: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """R_t / t for t = 1..T: the loss sum of the points played minus that of the best fixed x in [-1, 1], per round."""
    played = np.cumsum(grads * xs[: len(grads)])
    best_fixed = -np.abs(np.cumsum(grads))  # min over |x| <= 1 of x * sum(g)
    return (played - best_fixed) / np.arange(1, len(grads) + 1)


def final_regrets(steps: int = STEPS) -> dict:
    """label -> average regret R_T / T after the last round."""
    grads = online_gradients(steps)
    return {label: float(average_regret(xs, grads)[-1]) for label, xs in counterexample(steps).items()}


def limit_regret(c: float = C) -> float:
    """The average regret of sitting at x = +1 forever: f(+1) - f(-1) of the average loss, 2 (C - 2) / 3."""
    return 2.0 * (c - 2.0) / 3.0


def first_arrival(xs: np.ndarray, level: float = 0.99) -> int:
    """The first round t at which x_t >= level (x_1 is round 1)."""
    return int(np.argmax(xs >= level)) + 1


def from_optimum(steps: int = STEPS) -> dict:
    """Adam started at the optimum x_1 = -1: the round at which it first reaches x >= 0.99 and its final mean x."""
    xs = counterexample(steps, x1=-1.0)["Adam"]
    return {"arrival": first_arrival(xs), "final": float(cycle_mean(xs))}


def first_steps(n: int = 3) -> np.ndarray:
    """w_1 .. w_{n+1} of the paper's Adam, for the hand computation."""
    return projected_run(paper_optimizers()["Adam"], online_gradients(n))


def hand_cycle() -> dict:
    """The first cycle of the paper's Adam by hand: v_1, v_2, v_3 and the moves -alpha_t dw_t / sqrt(v_t)
    (before the projection)."""
    grads, beta2 = online_gradients(PERIOD), paper_beta2()
    v, vs, moves = 0.0, [], []
    for t, g in enumerate(grads, start=1):
        v = beta2 * v + (1 - beta2) * g * g
        vs.append(v)
        moves.append(-ALPHA / np.sqrt(t) * g / np.sqrt(v))
    return {"v": np.array(vs), "moves": np.array(moves)}


def proof_alpha_bound(c: float = C) -> float:
    """The paper's proof takes alpha < sqrt(1 - beta2)."""
    return float(np.sqrt(1.0 - paper_beta2(c)))


def counterexample_figure(steps: int = STEPS):
    """Left: x_t of the three methods (log t). Right: their average regret R_t / t."""
    runs, grads = counterexample(steps), online_gradients(steps)
    fig, (ax_x, ax_r) = plots.figure(ncols=2, width=4.6, height=3.4)
    t = np.arange(1, steps + 2)
    with mpl.rc_context(plots.STYLE):
        for label, xs in runs.items():
            ax_x.plot(t, xs, color=plots.color_of(label), label=label, linewidth=1.2)
            ax_r.loglog(t[:-1], np.maximum(average_regret(xs, grads), 1e-6), color=plots.color_of(label), label=label)
        ax_x.set(xscale="log", xlabel="round $t$", ylabel="$w_t$", ylim=(-1.1, 1.1), title="where each method plays")
        ax_x.axhline(-1.0, color="gold", linewidth=2.5, alpha=0.6, zorder=0, label="optimum $w=-1$")
        ax_r.axhline(limit_regret(), color="#999999", linestyle="--", linewidth=1, label="$2(C-2)/3$")
        ax_r.set(xlabel="round $t$", ylabel="average regret $R_t / t$", title="regret per round")
        ax_x.legend(loc="upper right", bbox_to_anchor=(1.0, 0.9))
        ax_r.legend(loc="lower left")
    return fig


# ----- why: one cycle in the steady state --------------------------------------------------------------


def steady_v(c: float = C, beta2: float | None = None, period: int = PERIOD, cycles: int = 500) -> np.ndarray:
    """Adam's v_t at the steps of one cycle once it has settled (no bias correction): v_1 (after C) .. v_period."""
    beta2 = paper_beta2(c) if beta2 is None else beta2
    grads = online_gradients(period, c, period)
    v = 0.0
    for _ in range(cycles):
        out = []
        for g in grads:
            v = beta2 * v + (1 - beta2) * g * g
            out.append(v)
    return np.array(out)


def steady_cycle(c: float = C, beta2: float | None = None) -> dict:
    """label -> the moves -g_t / sqrt(denominator) of one settled cycle, in units of alpha_t (beta1 = 0).

    Adam divides by sqrt(v_t); AMSGrad by the square root of the largest v seen (v after the C step);
    gradient descent by 1. A positive sum means the method drifts toward x = +1."""
    grads = online_gradients(PERIOD, c)
    v = steady_v(c, beta2)
    return {"Adam": -grads / np.sqrt(v), "AMSGrad": -grads / np.sqrt(v.max()), "GD": -grads}


def drift(beta2: float, c: float = C) -> float:
    """Adam's (beta1 = 0) net move over one settled cycle, in units of alpha_t: > 0 drifts to +1, < 0 to -1."""
    return float(steady_cycle(c, beta2)["Adam"].sum())


def flip_beta2(c: float = C, tol: float = 1e-10) -> float:
    """The beta2 at which Adam's (beta1 = 0) settled drift changes sign, by bisection."""
    low, high = 1e-9, 1 - 1e-9  # drift(0) = +1 (sign descent), drift(1) < 0 (a constant denominator)
    while high - low > tol:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if drift(mid, c) > 0 else (low, mid)
    return 0.5 * (low + high)


# ----- which betas fail: a batched sweep ----------------------------------------------------------------

MAP_BETA1 = tuple(np.round(np.arange(0.0, 0.91, 0.1), 2))
MAP_BETA2 = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 0.999)


@functools.cache
def failure_map(amsgrad: bool = False, steps: int = STEPS) -> np.ndarray:
    """Mean x over the last cycle for every (beta1, beta2) of the map, shape (len(MAP_BETA1), len(MAP_BETA2)):
    one batched projected run of Adam (or AMSGrad) in the paper's setting otherwise."""
    beta1 = np.array(MAP_BETA1)[:, None, None]
    beta2 = np.array(MAP_BETA2)[None, :, None]
    opt = Adam(inverse_sqrt(ALPHA), beta1=beta1, beta2=beta2, eps=0.0, bias_correction=False, amsgrad=amsgrad)
    return cycle_mean(projected_run(opt, online_gradients(steps)))


def failing_region() -> dict:
    """The largest beta1 and the largest beta2 among the map's settings where Adam ends at w > 0."""
    rows, cols = np.nonzero(failure_map() > 0)
    return {
        "beta1": float(max(MAP_BETA1[r] for r in rows)),
        "beta2": float(max(MAP_BETA2[c] for c in cols)),
        "count": int(rows.size),
        "cells": int(failure_map().size),
    }


def default_betas(steps: int = STEPS) -> dict:
    """label -> mean final x of Adam and AMSGrad with betas (0.9, 0.999), the rest as in the paper."""
    grads = online_gradients(steps)
    opts = paper_optimizers(beta1=0.9, beta2=0.999)
    return {label: float(cycle_mean(projected_run(opts[label], grads))) for label in ("Adam", "AMSGrad")}


def failure_map_figure():
    """Final x of Adam and of AMSGrad over beta1 x beta2: red = the worst point +1, blue = the optimum -1."""
    fig, axes = plots.figure(ncols=2, width=4.4, height=3.6, sharey=True)
    with mpl.rc_context(plots.STYLE):
        for ax, amsgrad in zip(axes, (False, True), strict=True):
            image = ax.imshow(failure_map(amsgrad), origin="lower", cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
            ax.set_xticks(range(len(MAP_BETA2)), [f"{b:g}" for b in MAP_BETA2], rotation=60)
            ax.set_yticks(range(len(MAP_BETA1)), [f"{b:g}" for b in MAP_BETA1])
            ax.set(xlabel=r"$\beta_2$", title="AMSGrad" if amsgrad else "Adam")
            marks = (
                ((MAP_BETA2.index(0.1), 0), "s", "paper", 12, "left"),
                ((len(MAP_BETA2) - 1, len(MAP_BETA1) - 1), "o", "defaults", -12, "right"),
            )
            for (col, row), mark, text, dx, ha in marks:
                ax.plot(col, row, marker=mark, markersize=11, markerfacecolor="none", markeredgecolor="black")
                ax.annotate(
                    text,
                    (col, row),
                    xytext=(dx, 0),
                    textcoords="offset points",
                    ha=ha,
                    va="center",
                    fontsize=9,
                    fontweight="bold",
                )
        axes[0].set_ylabel(r"$\beta_1$")
        fig.colorbar(image, ax=axes, label="final $w$ (optimum: $-1$)", shrink=0.85)
    return fig


# ----- the playground: a smooth version without the box -------------------------------------------------


class WalledOnline:
    """The counterexample with the box [-1, 1] replaced by a smooth wall: f_t(x) = g_t x + x^4 / 12.

    The average loss (C - 2)/3 x + x^4/12 = x/3 + x^4/12 (C = 3) has its minimum at x = -1 with
    f* = -1/4, so `run` needs no projection. The gradient of round t is g_t + x^3 / 3."""

    name = "walled online problem"
    x0 = np.array([X1])
    minimum = np.array([-1.0])
    f_min = -0.25

    def f(self, x):
        x = np.asarray(x, dtype=np.float64)[..., 0]
        return (C - 2.0) / 3.0 * x + x**4 / 12.0

    def grad(self, x):
        x = np.asarray(x, dtype=np.float64)
        return (C - 2.0) / 3.0 + x**3 / 3.0

    def stochastic_grad(self, x, step):
        x = np.asarray(x, dtype=np.float64)
        return online_gradient(step) + x**3 / 3.0


PG_STEPS = 300
PG_ALPHA = (0.1, 0.2, 0.3, 0.5, 1.0)
PG_BETA1 = (0.0, 0.5, 0.9)
PG_BETA2 = (0.1, 0.3, 0.6, 0.9, 0.99, 0.999)


def _pg_optimizers() -> dict:
    def adam(alpha, beta1, beta2, amsgrad=False):
        return Adam(inverse_sqrt(alpha), beta1=beta1, beta2=beta2, amsgrad=amsgrad)

    return {
        "Adam": lambda alpha, beta1, beta2: adam(alpha, beta1, beta2),
        "AMSGrad": lambda alpha, beta1, beta2: adam(alpha, beta1, beta2, amsgrad=True),
        "GD": lambda alpha: GD(inverse_sqrt(alpha)),
    }


@functools.cache
def _pg_final_x() -> dict:
    """label -> final x over the playground's whole slider grid, shape (alpha, beta1, beta2): one run each."""
    alpha, beta1, beta2 = (g[..., None] for g in np.meshgrid(PG_ALPHA, PG_BETA1, PG_BETA2, indexing="ij"))
    make = _pg_optimizers()
    opts = {
        "Adam": make["Adam"](alpha, beta1, beta2),
        "AMSGrad": make["AMSGrad"](alpha, beta1, beta2),
        "GD": make["GD"](alpha + 0 * beta1 * beta2),
    }
    return {label: run(opt, WalledOnline(), steps=PG_STEPS).params[-1, ..., 0] for label, opt in opts.items()}


def _pg_readout(alpha, beta1, beta2) -> str:
    index = tuple(
        int(np.argmin(np.abs(np.array(grid) - v)))
        for grid, v in zip((PG_ALPHA, PG_BETA1, PG_BETA2), (alpha, beta1, beta2), strict=True)
    )
    finals = ", ".join(f"{label} {x[index]:+.2f}" for label, x in _pg_final_x().items())
    return f"w after {PG_STEPS} rounds: {finals} (optimum -1)"


@register("when_adam_fails")
def playground() -> Playground:
    """Adam, AMSGrad and online GD on the walled counterexample, with sliders for alpha, beta1 and beta2."""
    return Playground(
        "when_adam_fails",
        WalledOnline(),
        _pg_optimizers(),
        [
            Slider("alpha", PG_ALPHA, 0.5, label="α (step α/√t)"),
            Slider("beta1", PG_BETA1, 0.0, label="β1"),
            Slider("beta2", PG_BETA2, 0.1, label="β2"),
        ],
        steps=PG_STEPS,
        readout=_pg_readout,
        caption="The counterexample with its box replaced by the wall w⁴/12 (optimum still w = −1), "
        "step α/√t; Adam and AMSGrad as optim_core runs them by default (bias-corrected, ε = 1e-8).",
    )


# ----- Lion on the 2-D surfaces --------------------------------------------------------------------------

SURFACES = {"ravine": (Quadratic(), 100), "Rosenbrock": (Rosenbrock(), 1000)}  # problem, steps
TOY_LRS = np.geomspace(1e-4, 1.0, 33)  # eight values per decade
TOY_OPTIMIZERS = {"Adam": lambda lr: Adam(lr), "Lion": lambda lr: Lion(lr)}


def lion_moves(lr: float = 0.1, steps: int = 50) -> np.ndarray:
    """|w_t - w_{t-1}| of every coordinate over a Lion run on the ravine (no decay): shape (steps, 2)."""
    problem = SURFACES["ravine"][0]
    return np.abs(np.diff(run(Lion(lr), problem, steps=steps).params, axis=0))


def lion_sign_gap(lr: float = 0.1, steps: int = 30) -> float:
    """Largest |difference| between Lion with beta1 = beta2 = 0 and sign descent on the ravine (0: the same method)."""
    problem = SURFACES["ravine"][0]
    lion = run(Lion(lr, beta1=0.0, beta2=0.0), problem, steps=steps).params
    return float(np.max(np.abs(lion - run(SignGD(lr), problem, steps=steps).params)))


def state_count(opt) -> int:
    """How many per-parameter arrays the optimizer keeps (counted on its initial state)."""
    return len(state_arrays(opt.init(np.zeros(4))))


@functools.cache
def toy_sweep(name: str, surface: str):
    """One batched run of Adam or Lion over TOY_LRS on a surface: (best lr, its Trajectory, final gaps)."""
    problem, steps = SURFACES[surface]
    traj = run(TOY_OPTIMIZERS[name](TOY_LRS[:, None]), problem, steps=steps)
    gaps = np.where(np.isnan(traj.final_loss), np.inf, traj.final_loss - problem.f_min)
    k = int(np.argmin(gaps))
    best = run(TOY_OPTIMIZERS[name](TOY_LRS[k]), problem, steps=steps)
    return float(TOY_LRS[k]), best, gaps


def toy_results() -> dict:
    """(surface, name) -> best lr and the final gap f - f* there."""
    out = {}
    for surface, name in itertools.product(SURFACES, TOY_OPTIMIZERS):
        lr, traj, _ = toy_sweep(name, surface)
        out[surface, name] = {"lr": lr, "gap": float(traj.final_loss - SURFACES[surface][0].f_min)}
    return out


def lion_toy_figure():
    """Adam and Lion at their best learning rates: paths on the ravine, and f - f* on both surfaces."""
    fig, (ax_path, ax_ravine, ax_rosen) = plots.figure(ncols=3, width=3.7, height=3.3)
    runs = {surface: {name: toy_sweep(name, surface) for name in TOY_OPTIMIZERS} for surface in SURFACES}
    labelled = {s: {f"{n} (α = {lr:.2g})": traj for n, (lr, traj, _) in r.items()} for s, r in runs.items()}
    plots.trajectories(SURFACES["ravine"][0], labelled["ravine"], ax=ax_path)
    plots.losses(labelled["ravine"], SURFACES["ravine"][0].f_min, ax=ax_ravine)
    plots.losses(labelled["Rosenbrock"], SURFACES["Rosenbrock"][0].f_min, ax=ax_rosen)
    with mpl.rc_context(plots.STYLE):
        ax_path.set_title("ravine: the paths")
        ax_ravine.set_title("ravine")
        ax_rosen.set_title("Rosenbrock")
        ax_path.legend(loc="lower right", fontsize=8)
    return fig


# ----- the digits MLP: L2 in the gradient vs decoupled decay, and Lion ----------------------------------

DIGITS_STEPS = 400  # minibatches of 64: about 24 passes over the 1077 training images
EVERY = 20  # checkpoint spacing for the loss curves
LRS = (1e-3, 3e-3, 1e-2, 3e-2)
L2S = (0.0, 1e-4, 1e-3, 1e-2)  # lambda of the L2 term lambda/2 ||w||^2, whose gradient lambda w Adam sees
WDS = (0.0, 1e-2, 1e-1, 1.0)  # AdamW's weight_decay: w <- w (1 - lr weight_decay) each step
LION_LRS = (1e-4, 3e-4, 1e-3, 3e-3)


@functools.cache
def mlp(seed: int = 0) -> MLP:
    """The digits MLP of the previous chapter (64 -> 32 tanh -> 10, minibatches of 64) on the training split."""
    s = digits_split(0)
    return MLP(s.x_train, s.y_train, hidden=32, batch_size=64, seed=seed)


@dataclasses.dataclass(frozen=True, eq=False)
class WithL2(Wrapped):
    """A model whose gradients carry an L2 term l2 * w (l2 may be an array, one value per batched run)."""

    l2: object = 0.0

    def f(self, w):
        return self.problem.f(w) + 0.5 * np.sum(np.asarray(self.l2) * w * w, axis=-1)

    def grad(self, w):
        return self.problem.grad(w) + np.asarray(self.l2) * w

    def stochastic_grad(self, w, step):
        return self.problem.stochastic_grad(w, step) + np.asarray(self.l2) * w


def train(opt, problem, x0, steps: int, every: int = EVERY):
    """A bare training loop for the digits sweeps: (checkpoints at steps 0, every, 2 every, ..., final state).

    `run` records every iterate and evaluates the full training loss after each step; these sweeps only
    need a few checkpoints, and skipping the rest makes them several times faster."""
    w = np.array(np.broadcast_to(x0, opt.batch_shape(np.shape(x0))))
    state, saved = opt.init(w), [w]
    for step in range(1, steps + 1):
        w, state = opt.update(w, problem.stochastic_grad(w, step), state)
        if step % every == 0:
            saved.append(w)
    return np.array(saved), state


class Sweep(NamedTuple):
    checkpoints: np.ndarray  # (steps // EVERY + 1, *grid, dim)
    state: tuple  # the optimizer's final state
    val_loss: np.ndarray  # grid
    val_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray


def _evaluate(checkpoints, state) -> Sweep:
    s, model, final = digits_split(0), mlp(), checkpoints[-1]
    return Sweep(
        checkpoints,
        state,
        model.loss_on(final, s.x_val, s.y_val),
        model.accuracy(final, s.x_val, s.y_val),
        model.loss_on(final, s.x_test, s.y_test),
        model.accuracy(final, s.x_test, s.y_test),
    )


@functools.cache
@single_threaded
def decay_sweep(method: str) -> Sweep:
    """One batched run over LRS x (L2S or WDS): 'Adam + L2' puts l2 w in the gradient, 'AdamW' decays the weights.
    The grid axes are (regularization, lr)."""
    lr = np.array(LRS)[None, :, None]
    if method == "Adam + L2":
        opt, problem = Adam(lr), WithL2(mlp(), np.array(L2S)[:, None, None])
    elif method == "AdamW":
        opt, problem = AdamW(lr, weight_decay=np.array(WDS)[:, None, None]), mlp()
    else:
        raise ValueError(f"method must be 'Adam + L2' or 'AdamW' (got {method!r})")
    x0 = np.broadcast_to(mlp().x0, (len(L2S), len(LRS), mlp().dim))
    return _evaluate(*train(opt, problem, x0, DIGITS_STEPS))


def unregularized() -> dict:
    """Plain Adam (the lambda = 0 row, shared by both sweeps) at its best lr: validation loss and test accuracy."""
    sweep = decay_sweep("Adam + L2")
    j = int(np.argmin(sweep.val_loss[0]))
    return {"lr": LRS[j], "val_loss": float(sweep.val_loss[0, j]), "test_acc": float(sweep.test_acc[0, j])}


def tuned(method: str) -> dict:
    """The grid point with the lowest validation loss, and its validation and test results."""
    sweep = decay_sweep(method)
    i, j = np.unravel_index(np.argmin(sweep.val_loss), sweep.val_loss.shape)
    regs = L2S if method == "Adam + L2" else WDS
    return {
        "lr": LRS[j],
        "reg": regs[i],
        "val_loss": float(sweep.val_loss[i, j]),
        "val_acc": float(sweep.val_acc[i, j]),
        "test_loss": float(sweep.test_loss[i, j]),
        "test_acc": float(sweep.test_acc[i, j]),
        "norm": float(np.linalg.norm(sweep.checkpoints[-1][i, j])),
        "index": (int(i), int(j)),
    }


def sqrt_v_hat(state) -> np.ndarray:
    """sqrt(v_hat) per weight from an Adam state (beta2 = 0.999): the gradient scale Adam divides by."""
    return np.sqrt(state.v / (1.0 - 0.999**state.count))


def median_grad_scale() -> float:
    """The median over the weights of sqrt(v_hat) at the end of the tuned Adam + L2 run."""
    i, j = tuned("Adam + L2")["index"]
    return float(np.median(sqrt_v_hat(decay_sweep("Adam + L2").state)[i, j]))


def decay_rates(method: str) -> np.ndarray:
    """Per weight, the fraction of itself that the decay removes per step at the tuned setting:
    lr lambda / (sqrt(v_hat) + eps) for L2 through Adam's gradient, lr weight_decay for AdamW."""
    best, sweep = tuned(method), decay_sweep(method)
    i, j = best["index"]
    if method == "AdamW":
        return np.full(mlp().dim, best["lr"] * best["reg"])
    return best["lr"] * best["reg"] / (sqrt_v_hat(sweep.state)[i, j] + 1e-8)


def decay_spread(method: str = "Adam + L2", q: float = 10.0) -> float:
    """How much faster the most-decayed weights shrink than the least-decayed: percentile 100-q over q."""
    rates = decay_rates(method)
    return float(np.percentile(rates, 100 - q) / np.percentile(rates, q))


@functools.cache
@single_threaded
def lion_sweep() -> Sweep:
    """One batched run of Lion (betas 0.9, 0.99, no decay) over LION_LRS on the digits MLP."""
    opt = Lion(np.array(LION_LRS)[:, None])
    return _evaluate(*train(opt, mlp(), np.broadcast_to(mlp().x0, (len(LION_LRS), mlp().dim)), DIGITS_STEPS))


def lion_vs_adam() -> dict:
    """name -> best lr (lowest validation loss), its validation loss and accuracy and test accuracy, for
    Adam (the no-decay row of the L2 sweep) and Lion."""
    adam, lion = decay_sweep("Adam + L2"), lion_sweep()
    out = {}
    for name, lrs, val_loss, val_acc, test_acc in (
        ("Adam", LRS, adam.val_loss[0], adam.val_acc[0], adam.test_acc[0]),
        ("Lion", LION_LRS, lion.val_loss, lion.val_acc, lion.test_acc),
    ):
        k = int(np.argmin(val_loss))
        out[name] = {
            "lr": lrs[k],
            "index": k,
            "val_loss": float(val_loss[k]),
            "val_acc": float(val_acc[k]),
            "test_acc": float(test_acc[k]),
        }
    return out


@single_threaded
def lion_curves() -> dict:
    """name -> the training loss at the checkpoints, for Adam and Lion at their best learning rates."""
    best, model = lion_vs_adam(), mlp()
    adam = decay_sweep("Adam + L2").checkpoints[:, 0, best["Adam"]["index"]]
    lion = lion_sweep().checkpoints[:, best["Lion"]["index"]]
    return {f"{name} (α = {best[name]['lr']:g})": model.f(w) for name, w in (("Adam", adam), ("Lion", lion))}


def blank_pixels() -> np.ndarray:
    """The pixels that are 0 in every training image (on the border of the 8 x 8 frame)."""
    return np.flatnonzero(digits_split(0).x_train.max(axis=0) == 0)


def blank_weights(w: np.ndarray) -> np.ndarray:
    """The first-layer weights that read the blank pixels (their gradient from the data is exactly 0)."""
    w1 = mlp().unpack(np.asarray(w))[0]
    return w1[..., blank_pixels(), :]


def blank_weight_sizes() -> dict:
    """Mean |w| of the blank-pixel weights: at the start, and after each method at its tuned setting."""
    out = {"start": float(np.abs(blank_weights(mlp().x0)).mean())}
    for method in ("Adam + L2", "AdamW"):
        i, j = tuned(method)["index"]
        out[method] = float(np.abs(blank_weights(decay_sweep(method).checkpoints[-1][i, j])).mean())
    return out


def decay_figure():
    """Per weight of the digits MLP: the fraction removed per step by the decay, against the weight's gradient
    scale sqrt(v_hat), for L2 through Adam's gradient and for AdamW (each at its tuned setting)."""
    fig, ax = plots.figure(width=6.0, height=3.8)
    i, j = tuned("Adam + L2")["index"]
    scale = np.maximum(sqrt_v_hat(decay_sweep("Adam + L2").state)[i, j], 1e-12)
    blank = np.zeros(mlp().dim, dtype=bool)
    blank[np.ravel_multi_index((blank_pixels()[:, None], np.arange(32)[None, :]), (64, 32)).ravel()] = True
    with mpl.rc_context(plots.STYLE):
        for method in ("Adam + L2", "AdamW"):
            best = tuned(method)
            label = f"{method} (α = {best['lr']:g}, {'λ' if method != 'AdamW' else 'weight decay'} = {best['reg']:g})"
            ax.scatter(scale, decay_rates(method), s=5, alpha=0.5, color=plots.color_of(method), label=label)
        ax.scatter(
            scale[blank],
            decay_rates("Adam + L2")[blank],
            s=14,
            facecolor="none",
            edgecolor="black",
            linewidth=0.6,
            label="weights of the always-blank pixels",
        )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel=r"gradient scale $\sqrt{\hat v}$ of the weight",
            ylabel="fraction of the weight removed per step",
        )
        ax.legend(loc="upper right", fontsize=8, markerscale=2)
    return fig


def lion_digits_figure():
    """Left: validation loss against the learning rate for Adam and Lion. Right: training loss at the best rates."""
    fig, (ax_lr, ax_loss) = plots.figure(ncols=2, width=4.6, height=3.4)
    adam, lion = decay_sweep("Adam + L2"), lion_sweep()
    steps = np.arange(0, DIGITS_STEPS + 1, EVERY)
    with mpl.rc_context(plots.STYLE):
        for name, lrs, val in (("Adam", LRS, adam.val_loss[0]), ("Lion", LION_LRS, lion.val_loss)):
            ax_lr.loglog(lrs, val, marker="o", color=plots.color_of(name), label=name)
        ax_lr.set(xlabel=r"learning rate $\alpha$", ylabel="validation loss after training")
        ax_lr.set_yticks([0.1, 0.2, 0.5, 1.0, 2.0], ["0.1", "0.2", "0.5", "1", "2"])
        ax_lr.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        ax_lr.legend()
        for name, loss in lion_curves().items():
            ax_loss.semilogy(steps, loss, marker="o", markersize=3, color=plots.color_of(name), label=name)
        ax_loss.set(xlabel="step $t$", ylabel="training loss $f(w_t)$")
        ax_loss.legend()
    return fig
