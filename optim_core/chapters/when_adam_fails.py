"""Chapter "When Adam fails, and what was done about it": the experiments behind its numbers, and its playground.

- AMSGrad (Reddi, Kale & Kumar, 2018). On the online problem f_t(w) = C w when t mod 3 == 1 and -w
  otherwise, over w in [-1, 1], with beta1 = 0 and beta2 = 1 / (1 + C^2), Adam's v_t forgets the rare
  large gradient C within a step or two, so the two small gradients -1 take large steps and Adam drifts
  to w = +1, the worst point; AMSGrad (dividing by the running maximum v_t^max) and online gradient
  descent reach the optimum w = -1. As in the paper: no bias correction, no eps, alpha_t = alpha / sqrt(t).
  On the digits MLP (three seeds) AMSGrad and Adam reach the same validation loss.
- AdamW (Loshchilov & Hutter, 2019): an L2 term omega w added to the gradient is divided by sqrt(v_hat) like
  the rest of it, so weights with a large gradient history are decayed less; decoupled decay shrinks every
  weight at the same rate. On the digits MLP, one `tuning.sweep` over (decay, lr) per method.
- Memory: Adam's state in 32 and in 8 bits (Dettmers et al., 2022), and Adafactor's factored v (Shazeer &
  Stern, 2018) for one square weight matrix.
- Lion (Chen et al., 2023): the sign of an interpolated momentum, one state array.

The digits sweeps are cached (functools.cache), so the notebook and the tests share them, and run with
single-threaded BLAS (small matrices: threads cost more than they save).
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np
import scipy.optimize

from optim_core import GD, Adam, AdamW, Lion, SignGD, online, plots, run
from optim_core.base import state_count
from optim_core.chapters import register
from optim_core.ema import effective_memory
from optim_core.models import digits_mlp, digits_split, single_threaded
from optim_core.online import WalledOnline, average_regret, period_mean, projected_run, rare_slopes
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, SURFACES, WithL2
from optim_core.schedules import inverse_sqrt
from optim_core.tuning import Sweep, gap_at, loss_on, sweep

C = 3.0  # the rare large gradient of the counterexample
PERIOD = 3  # it comes once every PERIOD steps (online.period_mean's default); the other steps have gradient -1
BETA2 = 1.0 / (1.0 + C * C)  # the paper's beta2 = 1 / (1 + C^2) = 0.1
ALPHA = 0.5  # alpha_t = ALPHA / sqrt(t); the paper's proof needs alpha < sqrt(1 - beta2) = 0.95
STEPS = 3000  # rounds of the online game
X1 = 1.0  # the paper's start point
LIMIT_REGRET = 2.0 * (C - 2.0) / 3.0  # the average regret of sitting at x = +1 forever
GRADS = rare_slopes(STEPS, C, PERIOD)  # g_1 .. g_T: C, -1, -1, C, ...

MAP_BETA1 = tuple(np.round(np.arange(0.0, 0.91, 0.1), 2))
MAP_BETA2 = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 0.999)

TOY = {"ravine": (RAVINE, 100), "Rosenbrock": (SURFACES["rosenbrock"], 1000)}  # problem, steps
TOY_LRS = np.geomspace(1e-4, 1.0, 33)  # eight values per decade
TOY_OPTIMIZERS = {"Adam": Adam, "Lion": Lion}

DIGITS_STEPS = 400  # minibatches of 64: about 24 passes over the 1077 training images
EVERY = 20  # checkpoint spacing for the loss curves
LRS = (1e-3, 3e-3, 1e-2, 3e-2)
L2S = (0.0, 1e-4, 1e-3, 1e-2)  # omega of the L2 term omega/2 ||w||^2, whose gradient omega w Adam sees
WDS = (0.0, 1e-2, 1e-1, 1.0)  # AdamW's weight_decay: w <- w (1 - lr weight_decay) each step
LION_LRS = (1e-4, 3e-4, 1e-3, 3e-3)
METHODS = ("Adam + L2", "AdamW")
SEEDS = (0, 1, 2)  # AMSGrad against Adam on the digits MLP: initial weights and minibatch order
MEMORY_PARAMS, MATRIX_SIDE = 7e9, 4096  # a 7-billion-parameter model; one square weight matrix of this side

PG_STEPS = 300  # the playground: the counterexample with a smooth wall instead of the box
PG_ALPHA = (0.1, 0.2, 0.3, 0.5, 1.0)
PG_BETA1 = (0.0, 0.5, 0.9)
PG_BETA2 = (0.1, 0.3, 0.6, 0.9, 0.99, 0.999)


# ----- the counterexample: three projected online runs --------------------------------------------------
def paper_optimizers(beta1=0.0, beta2=BETA2, alpha: float = ALPHA) -> dict:
    """label -> optimizer in the paper's setting: beta1 = 0, beta2 = 1/(1+C^2), no bias correction, no eps."""
    lr, common = inverse_sqrt(alpha), {"beta1": beta1, "beta2": beta2, "eps": 0.0, "bias_correction": False}
    return {"Adam": Adam(lr, **common), "AMSGrad": Adam(lr, amsgrad=True, **common), "GD": GD(lr)}


@functools.cache
def counterexample(x1: float = X1) -> dict:
    """label -> w_0 .. w_T (w_{t-1} is played in round t) for Adam, AMSGrad and online GD on the paper's problem."""
    return {label: projected_run(opt, GRADS, x1) for label, opt in paper_optimizers().items()}


def outcomes() -> dict:
    """label -> mean x over the last cycle ("final") and the average regret R_T / T ("regret")."""
    runs = counterexample()
    return {k: {"final": float(period_mean(xs)), "regret": average_regret(xs, GRADS)[-1]} for k, xs in runs.items()}


def from_optimum() -> dict:
    """Adam started at the optimum w_0 = -1: the first round that plays w >= 0.99, and its final mean w."""
    xs = counterexample(x1=-1.0)["Adam"]
    return {"arrival": int(np.argmax(xs >= 0.99)) + 1, "final": float(period_mean(xs))}  # w_0: played in round 1


def first_steps(n: int = 3) -> np.ndarray:
    """w_0 .. w_n of the paper's Adam, for the hand computation."""
    return projected_run(paper_optimizers()["Adam"], rare_slopes(n, C, PERIOD), X1)


def hand_cycle() -> dict:
    """The paper's Adam by hand: v_1, v_2, v_3 and the moves -alpha_t dw_t / sqrt(v_t) (before projecting)."""
    g, t = GRADS[:PERIOD], np.arange(1, PERIOD + 1)
    v = (1 - BETA2) * np.array([sum(BETA2 ** (k - j) * g[j] ** 2 for j in range(k + 1)) for k in range(PERIOD)])
    return {"v": v, "moves": -ALPHA / np.sqrt(t) * g / np.sqrt(v)}


# ----- why: one cycle in the steady state (online.settled_moves) ---------------------------------------------
def drift(beta2: float, c: float = C) -> float:
    """Adam's (beta1 = 0) net move over one settled cycle, in units of alpha_t: > 0 drifts to +1, < 0 to -1."""
    return float(online.settled_moves(beta2, c, PERIOD)["Adam"].sum())


def flip_beta2() -> float:
    """The beta2 at which Adam's (beta1 = 0) settled drift changes sign: drift(0) = +1 (sign descent), drift(1) < 0."""
    return float(scipy.optimize.brentq(drift, 1e-9, 1 - 1e-9, xtol=1e-12))


# ----- which betas fail: a batched sweep ----------------------------------------------------------------
@functools.cache
def failure_map(amsgrad: bool = False) -> np.ndarray:
    """Mean x over the last cycle for every (beta1, beta2) of the map: one batched projected run, paper's setting."""
    beta1, beta2 = np.array(MAP_BETA1)[:, None, None], np.array(MAP_BETA2)[None, :, None]
    opt = Adam(inverse_sqrt(ALPHA), beta1=beta1, beta2=beta2, eps=0.0, bias_correction=False, amsgrad=amsgrad)
    return period_mean(projected_run(opt, GRADS, X1))


def failing_region() -> dict:
    """The largest beta1 and the largest beta2 among the map's settings where Adam ends at w > 0."""
    rows, cols = np.nonzero(failure_map() > 0)
    largest = {"beta1": float(max(MAP_BETA1[r] for r in rows)), "beta2": float(max(MAP_BETA2[c] for c in cols))}
    return largest | {"count": int(rows.size), "cells": int(failure_map().size)}


def default_betas() -> dict:
    """label -> mean final x of Adam and AMSGrad with betas (0.9, 0.999), the rest as in the paper."""
    opts = paper_optimizers(beta1=0.9, beta2=0.999)
    return {label: float(period_mean(projected_run(opts[label], GRADS, X1))) for label in ("Adam", "AMSGrad")}


# ----- Lion on the 2-D surfaces --------------------------------------------------------------------------
def lion_moves(lr: float = 0.1, steps: int = 50) -> np.ndarray:
    """|w_t - w_{t-1}| of every coordinate over a Lion run on the ravine (no decay): shape (steps, 2)."""
    return np.abs(np.diff(run(Lion(lr), RAVINE, steps=steps).params, axis=0))


def lion_sign_gap(lr: float = 0.1, steps: int = 30) -> float:
    """Largest |difference| between Lion with beta1 = beta2 = 0 and sign descent on the ravine (0: the same method)."""
    lion = run(Lion(lr, beta1=0.0, beta2=0.0), RAVINE, steps=steps).params
    return float(np.max(np.abs(lion - run(SignGD(lr), RAVINE, steps=steps).params)))


@functools.cache
def toy_sweep(name: str, surface: str) -> Sweep:
    """One batched run of Adam or Lion over TOY_LRS on a surface, scored by the final gap f - f*."""
    problem, steps = TOY[surface]
    return sweep(TOY_OPTIMIZERS[name], problem, steps, gap_at(), lr=TOY_LRS)


# ----- the digits MLP: L2 in the gradient vs decoupled decay, and Lion ----------------------------------
def _val_loss():
    s = digits_split(0)
    return loss_on(s.x_val, s.y_val)


@functools.cache
@single_threaded
def decay_sweep(method: str) -> Sweep:
    """One batched run over (L2S or WDS) x LRS, scored by the validation loss: 'Adam + L2' or 'AdamW'."""
    model = digits_mlp()
    if method == "Adam + L2":
        return sweep(Adam, lambda l2: WithL2(model, l2), DIGITS_STEPS, _val_loss(), record_every=EVERY, l2=L2S, lr=LRS)
    if method == "AdamW":
        return sweep(AdamW, model, DIGITS_STEPS, _val_loss(), record_every=EVERY, weight_decay=WDS, lr=LRS)
    raise ValueError(f"method must be 'Adam + L2' or 'AdamW' (got {method!r})")


@functools.cache
@single_threaded
def lion_sweep() -> Sweep:
    """One batched run of Lion (betas 0.9, 0.99, no decay) over LION_LRS on the digits MLP."""
    return sweep(Lion, digits_mlp(), DIGITS_STEPS, _val_loss(), record_every=EVERY, lr=LION_LRS)


@functools.cache
@single_threaded
def amsgrad_gaps() -> np.ndarray:
    """|validation loss of AMSGrad - that of Adam| for every seed of SEEDS and rate of LRS (no decay)."""
    val = [[sweep(lambda lr, a=a: Adam(lr, amsgrad=a), digits_mlp(seed=seed), DIGITS_STEPS, _val_loss(),
                  record_every=DIGITS_STEPS, lr=LRS).scores for a in (False, True)] for seed in SEEDS]  # fmt: skip
    return np.abs(np.diff(val, axis=1))[:, 0]


def memory_fixes() -> dict:
    """Adam's state for MEMORY_PARAMS parameters in GB at 4 and at 1 byte per number, and the numbers Adam and
    Adafactor keep for v of one MATRIX_SIDE x MATRIX_SIDE weight matrix (Adafactor: its row and column sums)."""
    one_byte = state_count(Adam()) * MEMORY_PARAMS / 1e9
    return {"state32": 4 * one_byte, "state8": one_byte, "v_full": MATRIX_SIDE**2, "v_factored": 2 * MATRIX_SIDE}


def held_out(s: Sweep, index: tuple) -> dict:
    """The run at a grid index: its lr, validation loss (the sweep's score), validation and test accuracy."""
    split, model, w = digits_split(0), digits_mlp(), s.trajectory.params[-1][index]
    return {
        "lr": float(s.axes["lr"][index[-1]]),
        "index": index,
        "val_loss": float(s.scores[index]),
        "val_acc": float(model.accuracy(w, split.x_val, split.y_val)),
        "test_acc": float(model.accuracy(w, split.x_test, split.y_test)),
    }


def tuned(method: str) -> dict:
    """The grid point with the lowest validation loss: its lr, decay ("reg"), held-out results and |w|."""
    s = decay_sweep(method)
    norm = float(np.linalg.norm(s.trajectory.params[-1][s.best_index]))
    return {**held_out(s, s.best_index), "reg": s.best[next(iter(s.axes))], "norm": norm}


def lion_vs_adam() -> dict:
    """name -> the lowest validation loss's lr and held-out results: Adam (no-decay row of the L2 sweep), Lion."""
    adam, lion = decay_sweep("Adam + L2"), lion_sweep()
    return {"Adam": held_out(adam, (0, int(np.argmin(adam.scores[0])))), "Lion": held_out(lion, lion.best_index)}


def grad_scale() -> np.ndarray:
    """sqrt(v_hat) per weight (beta2 = 0.999) at the end of the tuned Adam + L2 run: the scale Adam divides by."""
    state = decay_sweep("Adam + L2").trajectory.final_state
    return np.sqrt(state.v / (1.0 - 0.999**state.count))[tuned("Adam + L2")["index"]]


def decay_rates(method: str) -> np.ndarray:
    """Per weight, the fraction of itself that the decay removes per step at the tuned setting:
    lr omega / (sqrt(v_hat) + eps) for L2 through Adam's gradient, lr weight_decay for AdamW."""
    best = tuned(method)
    if method == "AdamW":
        return np.full(digits_mlp().dim, best["lr"] * best["reg"])
    return best["lr"] * best["reg"] / (grad_scale() + 1e-8)


def decay_spread(method: str = "Adam + L2", q: float = 10.0) -> float:
    """How much faster the most-decayed weights shrink than the least-decayed: percentile 100-q over q."""
    rates = decay_rates(method)
    return float(np.percentile(rates, 100 - q) / np.percentile(rates, q))


def blank_pixels() -> np.ndarray:
    """The pixels that are 0 in every training image (on the border of the 8 x 8 frame)."""
    return np.flatnonzero(digits_split(0).x_train.max(axis=0) == 0)


def blank_weights(w: np.ndarray) -> np.ndarray:
    """The first-layer weights that read the blank pixels (their gradient from the data is exactly 0)."""
    return digits_mlp().unpack(np.asarray(w))[0][..., blank_pixels(), :]


def blank_weight_sizes() -> dict:
    """Mean |w| of the blank-pixel weights: at the start, and after each method at its tuned setting."""
    out = {"start": float(np.abs(blank_weights(digits_mlp().x0)).mean())}
    for method in METHODS:
        final = decay_sweep(method).trajectory.params[-1][tuned(method)["index"]]
        out[method] = float(np.abs(blank_weights(final)).mean())
    return out


# ----- figures --------------------------------------------------------------------------------------------
def counterexample_figure():
    """Left: the weight w_{t-1} each method plays in round t (log t). Right: their average regret R_t / t."""
    t = np.arange(1, STEPS + 2)
    fig, (ax_x, ax_r) = plots.figure(ncols=2, width=4.6, height=3.4)
    with mpl.rc_context(plots.STYLE):
        for label, xs in counterexample().items():
            ax_x.plot(t, xs, color=plots.color_of(label), label=label, linewidth=1.2)
            ax_r.loglog(t[:-1], np.maximum(average_regret(xs, GRADS), 1e-6), color=plots.color_of(label), label=label)
        ax_x.set(
            xscale="log", xlabel="round $t$", ylabel="$w_{t-1}$", ylim=(-1.1, 1.1), title="where each method plays"
        )
        ax_x.axhline(-1.0, color="gold", linewidth=2.5, alpha=0.6, zorder=0, label="optimum $w=-1$")
        ax_r.axhline(LIMIT_REGRET, color="#999999", linestyle="--", linewidth=1, label="$2(C-2)/3$")
        ax_r.set(xlabel="round $t$", ylabel=r"average regret $\text{Reg}_t / t$", title="regret per round")
        ax_x.legend(loc="upper right", bbox_to_anchor=(1.0, 0.9))
        ax_r.legend(loc="lower left")
    return fig


def failure_map_figure():
    """Final x of Adam and of AMSGrad over beta1 x beta2: red = the worst point +1, blue = the optimum -1."""
    fig, axes = plots.figure(ncols=2, width=4.4, height=3.6, sharey=True)
    paper, defaults = (MAP_BETA2.index(0.1), 0), (len(MAP_BETA2) - 1, len(MAP_BETA1) - 1)
    marks = ((paper, "s", "paper", 12, "left"), (defaults, "o", "defaults", -12, "right"))
    with mpl.rc_context(plots.STYLE):
        for ax, amsgrad in zip(axes, (False, True), strict=True):
            image = ax.imshow(failure_map(amsgrad), origin="lower", cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
            ax.set_xticks(range(len(MAP_BETA2)), [f"{b:g}" for b in MAP_BETA2], rotation=60)
            ax.set_yticks(range(len(MAP_BETA1)), [f"{b:g}" for b in MAP_BETA1])
            ax.set(xlabel=r"$\beta_2$", title="AMSGrad" if amsgrad else "Adam")
            for (col, row), mark, text, dx, ha in marks:
                ax.plot(col, row, marker=mark, markersize=11, markerfacecolor="none", markeredgecolor="black")
                ax.annotate(text, (col, row), xytext=(dx, 0), textcoords="offset points", ha=ha, va="center",
                            fontsize=9, fontweight="bold")  # fmt: skip
        axes[0].set_ylabel(r"$\beta_1$")
        fig.colorbar(image, ax=axes, label="final $w$ (optimum: $-1$)", shrink=0.85)
    return fig


def decay_figure():
    """Per weight of the digits MLP: the fraction removed per step by the decay, against the weight's gradient
    scale sqrt(v_hat), for L2 through Adam's gradient and for AdamW (each at its tuned setting)."""
    fig, ax = plots.figure(width=6.0, height=3.8)
    scale = np.maximum(grad_scale(), 1e-12)
    blank = blank_weights(np.arange(digits_mlp().dim)).ravel()  # the flat indices of the blank-pixel weights
    with mpl.rc_context(plots.STYLE):
        for method in METHODS:
            best = tuned(method)
            label = f"{method} (α = {best['lr']:g}, {'ω' if method != 'AdamW' else 'weight decay'} = {best['reg']:g})"
            ax.scatter(scale, decay_rates(method), s=5, alpha=0.5, color=plots.color_of(method), label=label)
        rates = decay_rates("Adam + L2")
        ax.scatter(scale[blank], rates[blank], s=14, facecolor="none", edgecolor="black", linewidth=0.6,
                   label="weights of the always-blank pixels")  # fmt: skip
        ax.set(xscale="log", yscale="log", xlabel=r"gradient scale $\sqrt{\hat v}$ of the weight",
               ylabel="fraction of the weight removed per step")  # fmt: skip
        ax.legend(loc="upper right", fontsize=8, markerscale=2)
    return fig


def lion_toy_figure():
    """Adam and Lion at their best learning rates: paths on the ravine, and f - f* on both surfaces."""
    fig, axes = plots.figure(ncols=3, width=3.7, height=3.3)
    for ax, (surface, (problem, _)) in zip(axes[1:], TOY.items(), strict=True):
        paths, losses = {}, {}
        for name in TOY_OPTIMIZERS:
            s = toy_sweep(name, surface)
            label, k = f"{name} (α = {s.best['lr']:.2g})", s.best_index[0]
            paths[label], losses[label] = s.trajectory.params[:, k], s.trajectory.loss[:, k]
        plots.losses(losses, problem.f_min, ax=ax)
        if surface == "ravine":
            plots.trajectories(problem, paths, ax=axes[0])
    with mpl.rc_context(plots.STYLE):
        for ax, title in zip(axes, ("ravine: the paths", *TOY), strict=True):
            ax.set_title(title)
        axes[0].legend(loc="lower right", fontsize=8)
    return fig


def lion_digits_figure():
    """Left: validation loss against the learning rate for Adam and Lion. Right: training loss at the best rates."""
    fig, (ax_lr, ax_loss) = plots.figure(ncols=2, width=4.6, height=3.4)
    adam, lion, best = decay_sweep("Adam + L2"), lion_sweep(), lion_vs_adam()
    with mpl.rc_context(plots.STYLE):
        for name, lrs, val in (("Adam", LRS, adam.scores[0]), ("Lion", LION_LRS, lion.scores)):
            ax_lr.loglog(lrs, val, marker="o", color=plots.color_of(name), label=name)
        ax_lr.set(xlabel=r"learning rate $\alpha$", ylabel="validation loss after training")
        ax_lr.set_yticks([0.1, 0.2, 0.5, 1.0, 2.0], ["0.1", "0.2", "0.5", "1", "2"])
        ax_lr.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        ax_lr.legend()
        for name, s in (("Adam", adam), ("Lion", lion)):  # the training loss (l2 = 0 in Adam's row)
            loss, label = s.trajectory.loss[(slice(None), *best[name]["index"])], f"{name} (α = {best[name]['lr']:g})"
            ax_loss.semilogy(
                s.trajectory.steps, loss, marker="o", markersize=3, color=plots.color_of(name), label=label
            )
        ax_loss.set(xlabel="step $t$", ylabel="training loss $f(w_t)$")
        ax_loss.legend()
    return fig


# ----- the numbers the prose quotes -----------------------------------------------------------------------
def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    out = {f"{key}_{label}": row[key] for label, row in outcomes().items() for key in ("final", "regret")}
    out |= {"limit_regret": LIMIT_REGRET, "steps": STEPS, "beta2_paper": BETA2, "alpha_bound": np.sqrt(1 - BETA2)}
    out |= {"memory_v": effective_memory(BETA2), "arrival": from_optimum()["arrival"]}
    v, moves = online.settled_ema(rare_slopes(PERIOD, C, PERIOD) ** 2, BETA2), online.settled_moves(BETA2, C, PERIOD)
    for k in range(PERIOD):
        out |= {f"v{k + 1}": v[k]} | {f"move_{label}_{k + 1}": m[k] for label, m in moves.items()}
    out |= {f"net_{label}": m.sum() for label, m in moves.items()}
    out |= {"flip_beta2": flip_beta2(), "sign_limit": drift(1e-12)}
    region = failing_region()
    out |= {"default_Adam": default_betas()["Adam"], "amsgrad_worst": failure_map(amsgrad=True).max()}
    out |= {"failing_cells": region["count"], "map_cells": region["cells"]}
    out |= {"failing_beta1": region["beta1"], "failing_beta2": region["beta2"]}
    # AdamW against L2 on the digits MLP; plain Adam is the no-decay row of the L2 sweep
    split, lva = digits_split(0), lion_vs_adam()
    out |= {"digits_steps": DIGITS_STEPS, "n_weights": digits_mlp().dim, "median_scale": np.median(grad_scale())}
    for method, key in zip(METHODS, ("l2", "w"), strict=True):
        best = tuned(method)
        out |= {f"{key}_{field}": best[field] for field in ("lr", "reg", "val_loss", "norm")}
        out |= {f"{key}_{field}": 100 * best[field] for field in ("val_acc", "test_acc")}
    out |= {"plain_val_loss": lva["Adam"]["val_loss"], "plain_test_acc": 100 * lva["Adam"]["test_acc"]}
    out |= {"ams_seeds": len(SEEDS), "ams_gap": amsgrad_gaps().max()}
    mem = memory_fixes()
    out |= {"mem_params": MEMORY_PARAMS / 1e9, "mem_side": MATRIX_SIDE} | {f"mem_{k}": v for k, v in mem.items()}
    out["mem_ratio"] = mem["v_full"] / mem["v_factored"]
    out |= {"test_size": len(split.y_test), "one_image": 100 / len(split.y_test)}
    sizes = blank_weight_sizes()
    out |= {"decay_spread": decay_spread(), "n_blank": len(blank_pixels())}
    out |= {"blank_start": sizes["start"], "blank_l2": sizes["Adam + L2"], "blank_w": sizes["AdamW"]}
    # Lion
    moved = lion_moves(lr=0.1)
    out |= {"lion_move_min": moved.min(), "lion_move_max": moved.max(), "lion_sign_gap": lion_sign_gap()}
    out |= {"lion_arrays": state_count(Lion()), "adam_arrays": state_count(Adam())}
    out["toy_ravine_Lion_lr"] = toy_sweep("Lion", "ravine").best["lr"]
    out |= {f"toy_{s}_{n}_gap": toy_sweep(n, s).best_score for s in TOY for n in TOY_OPTIMIZERS}
    for name, row in lva.items():
        out |= {f"lva_{name}_lr": row["lr"], f"lva_{name}_val_loss": row["val_loss"]}
        out[f"lva_{name}_test_acc"] = 100 * row["test_acc"]
    out["lr_ratio"] = lva["Adam"]["lr"] / lva["Lion"]["lr"]
    # the exercises
    w, hand = first_steps(), hand_cycle()
    for k in range(PERIOD):
        out |= {f"w{k + 1}": w[k + 1], f"hand_v{k + 1}": hand["v"][k], f"hand_move{k + 1}": abs(hand["moves"][k])}
    out["hand_before_clip"] = w[2] + hand["moves"][2]
    out["hand_small_total"] = np.abs(hand["moves"][1:]).sum()
    out["drift_c10"] = drift(1 / 101, c=10.0)
    return out


# ----- the playground: a smooth version without the box -------------------------------------------------
def _pg_adam(amsgrad: bool):
    return lambda alpha, beta1, beta2: Adam(inverse_sqrt(alpha), beta1=beta1, beta2=beta2, amsgrad=amsgrad)


@register("when_adam_fails")
def playground() -> Playground:
    """Adam, AMSGrad and online GD on the walled counterexample, with sliders for alpha, beta1 and beta2."""
    pg = Playground(
        "when_adam_fails",
        WalledOnline(C, PERIOD),
        {"Adam": _pg_adam(False), "AMSGrad": _pg_adam(True), "GD": lambda alpha: GD(inverse_sqrt(alpha))},
        [
            Slider("alpha", PG_ALPHA, 0.5, label="α (step α/√t)"),
            Slider("beta1", PG_BETA1, 0.0, label="β1"),
            Slider("beta2", PG_BETA2, 0.1, label="β2"),
        ],
        steps=PG_STEPS,
        caption="The counterexample with its box replaced by the wall w⁴/12 (optimum still w = −1), "
        "step α/√t; Adam and AMSGrad as optim_core runs them by default (bias-corrected, ε = 1e-8).",
    )

    def readout(alpha, beta1, beta2) -> str:  # the final w of each method, read from the playground's own runs
        runs = pg.runs_at({"alpha": alpha, "beta1": beta1, "beta2": beta2})
        finals = ", ".join(f"{label} {path[-1, 0]:+.2f}" for label, (path, _) in runs.items())
        return f"w after {PG_STEPS} rounds: {finals} (optimum -1)"

    pg.readout = readout
    return pg
