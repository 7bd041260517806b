"""Noisy gradients: the noisy quadratic, solved exactly and measured.

The ravine f = (mu w1^2 + L w2^2) / 2 (mu = 0.2, L = 4) is seen through gradients with Gaussian noise of variance
sigma^2 / B along each eigen-direction (problems.NoisyQuadratic, sigma = 1). Over seeded batched runs the chapter
measures, and compares with the closed forms of optim_core.noise: (1) SGD's stationary variance and loss floor,
which grow with alpha and shrink with B; (2) speed against floor: the exact expected loss of every constant rate
and of a cosine schedule over one budget, the best cosine below every constant rate; (3) the floor along a fixed
alpha / B (the linear scaling rule) and where it breaks, and the simple noise scale B_simple estimated from
minibatch gradients alone (next to B_noise, which weighs by the curvature), on the noisy quadratic and on the
digits MLP (where it gives the digits chapter's break-even batch); (4) the heavy ball's stationary variance at a
fixed effective rate; (5) Adam's mean step m_hat / sqrt(v_hat) against E[dw] / sqrt(E[dw]^2 + sigma^2 / B);
(6) the floor of an EMA of the weights and of a tail average, and how soon the EMA gets there from the ravine's
start, against SGD at the lower rate with the same floor.

Every number the prose quotes is in `numbers()`; tests/test_chapter_noisy_gradients.py pins each measurement
against its closed form within a Monte Carlo tolerance derived from the number of seeds and the autocorrelation.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np

from optim_core import GD, Adam, Momentum, noise, plots, run
from optim_core.chapters import register
from optim_core.ema import ema
from optim_core.measure import gradients_at, late_mean, stationary_variance
from optim_core.models import break_even_batch, digits_mlp, per_example_grads, simple_noise_scale, single_threaded
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, NoisyQuadratic
from optim_core.schedules import cosine

MU, L, SIGMA = RAVINE.mu, RAVINE.L, 1.0  # the ravine's curvatures; per-sample noise along each eigen-direction
START, ORIGIN = RAVINE.x0, np.zeros(2)
# 1, 3, 4: stationary runs from the minimum, measured over steps BURN..STEPS and SEEDS seeds
SEEDS, STEPS, BURN = 32, 1500, 500
LRS = np.array([0.05, 0.1, 0.2, 0.4])  # alpha L from 0.2 to 1.6 (GD's limit is 2 / L = 0.5)
BATCHES = (1, 2, 4, 8)  # LRS / BATCHES has the diagonal alpha / B = 0.05
TURN_ANGLE, TURN_SEEDS, TURN_STEPS, TURN_LR = 0.7, 4, 300, 0.2  # the turned ravine of the tests (radians)
BETAS = np.array([0.0, 0.5, 0.9])  # Momentum, EMA form: alpha is the effective rate
CLOUD_LRS = (0.1, 0.4)
# 2: a budget of BUDGET steps from the ravine's start, constant alpha against a cosine from a peak alpha
BUDGET, SCHED_SEEDS, SCHED_EVERY = 300, 256, 10
SCHED_LRS = 0.0125 * np.sqrt(2.0) ** np.arange(11)  # 0.0125 .. 0.4, measured
FINE_LRS = np.geomspace(0.005, 0.49, 400)  # where the exact expected loss is minimized
# 3: the noise scale at points on the line from the start to the minimum; batches of 1 and 64, 128 x 128 draws each
NS_FRACTIONS, NS_BATCHES, NS_SEEDS, NS_STEPS = (1.0, 0.3, 0.1, 0.03), (1, 64), 128, 128
DIGITS_BATCHES, DIGITS_DRAWS, DIGITS_LR, DIGITS_STEPS = (16, 256), 200, 0.01, 300
# 5: Adam (defaults) fed the gradients at fixed points, noise / signal sigma / (sqrt(B) |E[dw]|) from 1/8 to 8
ADAM_NSR, ADAM_STEPS, ADAM_START, ADAM_LR = np.geomspace(0.125, 8.0, 7), 2500, 500, 1e-3
# 6: SGD at AVG_LR, its weights averaged by EMAs and over tail windows of AVG_WINDOW steps
AVG_LR, AVG_DECAYS, AVG_WINDOW, AVG_SEEDS, AVG_STEPS = 0.2, (0.9, 0.99), 500, 64, 2500
REACH, REACH_STEPS = 2.0, 2000  # from the start: steps until E f is within REACH times the EMA's floor (exact)
# the playground
PG_LRS, PG_BATCHES, PG_BETAS, PG_DECAY, PG_STEPS = (0.02, 0.05, 0.1, 0.2, 0.4), (1, 4, 16), (0.0, 0.5, 0.9), 0.95, 200
# the book's colours for SGD, Momentum and Adam; the others tell settings of one method apart (a schedule, an average)
SGD_COLOR, MOM_COLOR, ADAM_COLOR = plots.COLORS["GD"], plots.COLORS["Momentum"], plots.COLORS["Adam"]
COS_COLOR, SHADES = "#7b4173", ("#8c6d31", "#637939", "#843c39")


def noisy(batch: int = 1, seeds: int = SEEDS, x0=ORIGIN, first: int = 0) -> NoisyQuadratic:
    """The noisy ravine with batch size `batch` and seeds first .. first + seeds - 1 (one run each)."""
    return NoisyQuadratic((MU, L), (SIGMA, SIGMA), batch, np.arange(first, first + seeds)[:, None], x0=x0)


def direction_variance(lr, batch: int = 1, beta=0.0) -> np.ndarray:
    """The closed-form stationary variance along (w1, w2): shape (*lr, 2)."""
    return noise.weight_variance(np.asarray(lr)[..., None], np.array([MU, L]), SIGMA**2 / batch, beta)


# ----- 1 and 4: SGD's floor, and the heavy ball's at the same effective rate ---------------------------------
@functools.cache
def momentum_runs() -> dict:
    """Momentum (EMA form) at LRS x BETAS on the noisy ravine, B = 1, from the minimum (beta = 0 is SGD, step for
    step): measure.stationary_variance, 'var' (A, 3, 2) and 'loss' (A, 3) with standard errors."""
    return stationary_variance(Momentum(LRS[:, None, None, None], BETAS[:, None, None]), noisy(), STEPS, BURN)


@functools.cache
def floor_runs() -> dict:
    """SGD's measured 'loss' floor (B, A) and per-direction 'var' (B, A, 2), with '*_se', for BATCHES x LRS. The
    row B = 1 is the beta = 0 row of momentum_runs (GD and Momentum with beta = 0 take the same steps)."""
    keys, rows = ("loss", "loss_se", "var", "var_se"), []
    for b in BATCHES:
        if b == 1:
            rows.append({k: momentum_runs()[k][:, 0] for k in keys})
        else:
            rows.append(stationary_variance(GD(LRS[:, None, None]), noisy(b), STEPS, BURN))
    return {k: np.array([row[k] for row in rows]) for k in keys}


def predicted_floors() -> np.ndarray:
    """The closed-form floor at BATCHES x LRS."""
    return np.array([noise.loss_floor(noisy(b, 1), LRS) for b in BATCHES])


# ----- 2: speed against floor --------------------------------------------------------------------------------
@functools.cache
def schedule_runs() -> dict:
    """Constant alpha and a cosine from alpha to 0 over BUDGET steps, at SCHED_LRS, from the start: the measured
    mean f over SCHED_SEEDS seeds ('const', 'cos': (records, A)), its standard error at the end ('*_se'), and the
    exact expected loss on FINE_LRS ('const_exact', 'cos_exact': (BUDGET + 1, 400))."""
    problem, lrs = noisy(1, SCHED_SEEDS, START), SCHED_LRS[:, None, None]
    out = {"steps": None}
    for name, lr in (("const", lrs), ("cos", cosine(lrs, BUDGET))):
        traj = run(GD(lr), problem, steps=BUDGET, record_every=SCHED_EVERY)
        out["steps"], out[name] = traj.steps, traj.loss.mean(axis=-1)
        out[name + "_se"] = traj.loss[-1].std(axis=-1, ddof=1) / np.sqrt(SCHED_SEEDS)
    out["const_exact"] = noise.expected_loss(problem, FINE_LRS, BUDGET)
    out["cos_exact"] = noise.expected_loss(problem, cosine(FINE_LRS, BUDGET), BUDGET)
    return out


# ----- 3: the noise scale -------------------------------------------------------------------------------------
@functools.cache
def quadratic_noise_scale() -> dict:
    """B_simple at START x NS_FRACTIONS: 'exact' (tr Sigma / |G|^2) and the two-batch estimate from NS_BATCHES
    minibatch gradients ('scale', 'scale_se'), with the loss f at each point."""
    out = {"f": [], "exact": [], "scale": [], "scale_se": []}
    for frac in NS_FRACTIONS:
        w = np.broadcast_to(frac * START, (NS_SEEDS, 2))  # one noise stream per seed, NS_STEPS draws each
        draws = [gradients_at(noisy(b, NS_SEEDS, first=k * NS_SEEDS), w, NS_STEPS) for k, b in enumerate(NS_BATCHES)]
        est = noise.two_batch_noise_scale(*(d.reshape(-1, 2) for d in draws), *NS_BATCHES)
        w = w[0]
        for key, value in (("f", RAVINE.f(w)), ("exact", noise.noise_scale(noisy(1, 1), w)), *est.items()):
            out.setdefault(key, []).append(value)
    return {k: np.array(v) for k, v in out.items()}


@functools.cache
@single_threaded
def digits_noise_scale() -> dict:
    """B_simple of the digits MLP at its start ('start') and after DIGITS_STEPS steps of Adam ('trained'): exact from
    the per-image gradients, the break-even batch, and at the start the two-batch estimate from minibatches."""
    model = digits_mlp()
    trained = run(Adam(DIGITS_LR), model, steps=DIGITS_STEPS, record_every=DIGITS_STEPS).params[-1]
    out = {}
    for where, w in (("start", model.x0), ("trained", trained)):
        grads = per_example_grads(model, w)
        out[where] = {"exact": simple_noise_scale(grads), "break_even": break_even_batch(grads)}
    draws = [gradients_at(digits_mlp(batch_size=b), model.x0, DIGITS_DRAWS) for b in DIGITS_BATCHES]
    out["start"].update(noise.two_batch_noise_scale(*draws, *DIGITS_BATCHES, n_samples=model.n_samples))
    return out


# ----- 5: Adam under noise ------------------------------------------------------------------------------------
@functools.cache
def adam_steps() -> dict:
    """Adam's mean direction m_hat / sqrt(v_hat) along w1 over steps ADAM_START.. and SEEDS seeds, at points whose
    mean gradient along w1 is SIGMA / ADAM_NSR: 'mean', 'se' and the 'predicted' E[dw] / sqrt(E[dw]^2 + sigma^2)."""
    signal = SIGMA / ADAM_NSR
    w = np.stack([signal / MU, np.zeros_like(signal)], axis=-1)[:, None, :] * np.ones((1, SEEDS, 1))
    grads = gradients_at(noisy(), w, ADAM_STEPS)  # (steps, points, seeds, 2)
    steps = noise.replayed_directions(Adam(ADAM_LR), grads)[..., 0]
    mean, se = late_mean(steps, ADAM_START, seed_axis=-1)
    return {"mean": mean, "se": se, "predicted": noise.adam_mean_step(signal, SIGMA)}


# ----- 6: averaging the weights -------------------------------------------------------------------------------
@functools.cache
def averaging_runs() -> dict:
    """SGD at AVG_LR from the minimum: the measured floor of its weights, of their EMAs (AVG_DECAYS) and of the mean
    of each window of AVG_WINDOW steps after BURN, with standard errors and the closed forms."""
    problem = noisy(1, AVG_SEEDS)
    traj = run(GD(AVG_LR), problem, steps=AVG_STEPS)
    f = {"raw": traj.loss}
    for g in AVG_DECAYS:
        f[f"ema{g:g}"] = problem.f(ema(traj.params, g))
    windows = traj.params[BURN + 1 :].reshape(-1, AVG_WINDOW, AVG_SEEDS, 2).mean(axis=1)  # (windows, seeds, 2)
    out = {k: late_mean(v, BURN, seed_axis=-1) for k, v in f.items()}
    out["tail"] = late_mean(problem.f(windows), 0, seed_axis=-1)
    pred = {"raw": noise.loss_floor(problem, AVG_LR), "tail": noise.tail_average_loss(problem, AVG_LR, AVG_WINDOW)}
    pred.update({f"ema{g:g}": noise.loss_floor(problem, AVG_LR, decay=g) for g in AVG_DECAYS})
    result = {k: {"mean": float(m), "se": float(s), "predicted": float(pred[k])} for k, (m, s) in out.items()}
    return {**result, "trajectory": traj}


def steps_to_reach(lr: float, decay: float, target: float) -> int:
    """The first step at which E f of SGD at lr from the start (of its EMA with `decay`, started at w_0, if decay > 0)
    is at most `target`, from the exact expected loss."""
    loss = noise.expected_averaged_loss(noisy(1, 1, START), lr, REACH_STEPS, decay)  # decay 0: expected_loss
    return int(np.argmax(loss <= target)) if np.any(loss <= target) else -1


def same_floor_lr(floor: float) -> float:
    """The constant alpha at which SGD's own floor equals `floor` (the floor rises with alpha)."""
    lrs = np.geomspace(1e-4, 0.49, 4000)
    return float(np.interp(floor, noise.loss_floor(noisy(1, 1), lrs), lrs))


# ----- figures -----------------------------------------------------------------------------------------------


def _cloud(ax, points, color, label, var=None):
    """Points (..., 2) as small dots, and the ellipse at two standard deviations of the variances `var`."""
    ax.plot(points[..., 0].ravel(), points[..., 1].ravel(), ".", color=color, ms=1.5, alpha=0.4, label=label)
    if var is not None:
        t = np.linspace(0, 2 * np.pi, 100)
        ax.plot(2 * np.sqrt(var[0]) * np.cos(t), 2 * np.sqrt(var[1]) * np.sin(t), "--", color=color, lw=1.4)


def floor_figure():
    """Left: every seed's iterates (every 25th step after BURN) at CLOUD_LRS with the predicted 2-sigma ellipses.
    Right: the measured floor against alpha for each B (dots, 2 standard errors) and the closed form (lines)."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    plots.contours(left, noisy(1, 1))
    params, floors, lrs = momentum_runs()["trajectory"].params, floor_runs(), np.geomspace(0.04, 0.46, 100)
    with mpl.rc_context(plots.STYLE):
        for lr, color in zip(CLOUD_LRS[::-1], SHADES[::2], strict=True):
            _cloud(left, params[BURN::25, list(LRS).index(lr), 0], color, f"α = {lr:g}", direction_variance(lr))
        left.legend(loc="upper right", markerscale=6)
        for i, b in enumerate(BATCHES):
            color = plots.color_of("", i)
            right.plot(lrs, noise.loss_floor(noisy(b, 1), lrs), color=color, lw=1)
            plots.measured(right, LRS, floors["loss"][i], floors["loss_se"][i], color=color, label=f"B = {b}")
        right.set(xscale="log", yscale="log", xlabel=r"learning rate $\alpha$", ylabel=r"floor: mean of $f - f^\star$")
        right.minorticks_off()
        right.set_xticks(LRS, [f"{lr:g}" for lr in LRS])
        right.legend()
    return fig


def schedule_figure():
    """Left: mean f over the seeds (solid) and its exact expectation (dashed) for three constant rates, with their
    floors (dotted), and for the best cosine. Right: f after BUDGET steps against alpha, exact and measured."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    r, t, start = schedule_runs(), np.arange(BUDGET + 1), noisy(1, 1, START)
    best = int(np.argmin(r["cos"][-1]))
    with mpl.rc_context(plots.STYLE):
        for k, color in zip((0, 4, 8), SHADES, strict=True):
            left.plot(r["steps"], r["const"][:, k], color=color, label=f"α = {SCHED_LRS[k]:.3g}")
            left.plot(t, noise.expected_loss(start, SCHED_LRS[k], BUDGET), "--", color=color, lw=1)
            left.axhline(noise.loss_floor(start, SCHED_LRS[k]), color=color, ls=":", lw=1)
        left.plot(r["steps"], r["cos"][:, best], color=COS_COLOR, label=f"cosine from α = {SCHED_LRS[best]:.3g}")
        left.plot(t, noise.expected_loss(start, cosine(SCHED_LRS[best], BUDGET), BUDGET), "--", color=COS_COLOR, lw=1)
        left.set(yscale="log", xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$")
        left.legend(fontsize=8)
        for name, label, color in (("const", "constant α", SGD_COLOR), ("cos", "cosine from α", COS_COLOR)):
            right.plot(FINE_LRS, r[name + "_exact"][-1], color=color, lw=1.2, label=label + " (exact)")
            plots.measured(right, SCHED_LRS, r[name][-1], r[name + "_se"], color=color)
        peak, final = r"$\alpha$ (the peak, for the cosine)", f"$f - f^\\star$ at step {BUDGET}"
        right.set(xscale="log", yscale="log", xlabel=peak, ylabel=final)
        right.legend()
    return fig


def batch_figure():
    """Left: the floor along alpha / B = LRS[0] against B, measured and exact, with its small-alpha-lambda limit.
    Right: B_simple on the noisy ravine against f, exact and estimated from minibatch gradients alone."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    floors, ns, ratio, k = floor_runs(), quadratic_noise_scale(), LRS[0] / BATCHES[0], np.arange(len(BATCHES))
    bs = np.linspace(1, 2 / (L * ratio) * 0.985, 200)
    with mpl.rc_context(plots.STYLE):
        left.plot(bs, noise.loss_floor(noisy(1, 1), ratio * bs) / bs, color=SGD_COLOR, lw=1.2, label="exact")
        plots.measured(left, BATCHES, floors["loss"][k, k], floors["loss_se"][k, k], color=SGD_COLOR, label="measured")
        left.axhline(
            ratio * 2 * SIGMA**2 / 4, color=SGD_COLOR, ls=":", lw=1, label=r"$\alpha\,\mathrm{tr}\,\Sigma/(4B)$"
        )
        left.axvline(2 / (L * ratio), color=SHADES[2], ls="--", lw=1, label=r"$\alpha L = 2$")
        left.set(yscale="log", xlabel=rf"batch $B$, with $\alpha = {ratio:g}\,B$", ylabel="floor")
        left.legend()
        f = np.geomspace(ns["f"].min() / 2, ns["f"].max() * 2, 100)
        exact = noise.noise_scale(noisy(1, 1), START * np.sqrt(f / RAVINE.f(START))[:, None])
        right.plot(f, exact, color=SGD_COLOR, lw=1.2, label=r"$\mathrm{tr}\,\Sigma/|\nabla f|^2$")
        plots.measured(right, ns["f"], ns["scale"], ns["scale_se"], color=MOM_COLOR, label="batches of 1 and 64")
        line, scale = r"$f(w) - f^\star$, on the line to $w^\star$", r"$B_{\mathrm{simple}}$"
        right.set(xscale="log", yscale="log", xlabel=line, ylabel=scale)
        right.legend()
    return fig


def momentum_figure():
    """The stationary variance over alpha s^2 / (2 lambda) against alpha lambda (both directions) for BETAS."""
    fig, ax = plots.figure(width=6.0, height=3.6)
    m, xs = momentum_runs(), np.geomspace(5e-3, 1.95, 200)
    x, scale = np.concatenate([LRS * MU, LRS * L]), np.concatenate([LRS / (2 * MU), LRS / (2 * L)]) * SIGMA**2
    with mpl.rc_context(plots.STYLE):
        for j, color in enumerate((SGD_COLOR, "#6baed6", MOM_COLOR)):
            var, se = m["var"][:, j].T.ravel(), m["var_se"][:, j].T.ravel()
            ax.plot(xs, noise.weight_variance(xs, 1.0, 1.0, BETAS[j]) / (xs / 2), color=color, lw=1)
            plots.measured(ax, x, var / scale, se / scale, color=color, label=f"β = {BETAS[j]:g}")
        ax.set(
            xscale="log", yscale="log", ylim=(0.7, 12), xlabel=r"$\alpha\lambda$ ($\alpha$: effective rate, EMA form)"
        )
        ax.set(ylabel=r"Var $w$ / $(\alpha s^2 / 2\lambda)$")
        ax.legend()
    return fig


def adam_figure():
    """Adam's measured mean step along w1 against the noise-to-signal ratio, and Balles & Hennig's prediction."""
    fig, ax = plots.figure(width=6.0, height=3.6)
    a, xs = adam_steps(), np.geomspace(ADAM_NSR[0] / 1.5, ADAM_NSR[-1] * 1.5, 200)
    with mpl.rc_context(plots.STYLE):
        label = r"$E[dw]/\sqrt{E[dw]^2 + \sigma^2/B}$"
        ax.plot(xs, noise.adam_mean_step(1.0, xs), color=ADAM_COLOR, lw=1.2, label=label)
        ax.plot(xs, 1 / xs, ":", color=SGD_COLOR, lw=1, label=r"$E[dw]\,\sqrt{B}/\sigma$")
        plots.measured(ax, ADAM_NSR, a["mean"], a["se"], color=ADAM_COLOR, label="measured")
        ax.set(xscale="log", yscale="log", ylim=(0.08, 1.5), xlabel=r"noise / signal, $\sigma / (\sqrt{B}\,|E[dw]|)$")
        ax.set(ylabel=r"mean of $\hat m_t / \sqrt{\hat v_t}$")
        ax.legend()
    return fig


def averaging_figure():
    """Left: late iterates of SGD and of their EMA (the last decay). Right: the measured floors (dots, 2 standard
    errors) and the closed forms (black bars)."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    r, keys = averaging_runs(), ["raw", *(f"ema{g:g}" for g in AVG_DECAYS), "tail"]
    params = r["trajectory"].params
    plots.contours(left, noisy(1, 1))
    with mpl.rc_context(plots.STYLE):
        _cloud(left, params[BURN::10, :8], SGD_COLOR, f"SGD, α = {AVG_LR:g}")
        _cloud(left, ema(params, AVG_DECAYS[-1])[BURN::10, :8], COS_COLOR, rf"EMA, $\beta_w$ = {AVG_DECAYS[-1]:g}")
        left.legend(loc="upper right", markerscale=6)
        x = np.arange(len(keys))
        plots.measured(
            right, x, [r[k]["mean"] for k in keys], [r[k]["se"] for k in keys], color=MOM_COLOR, label="measured"
        )
        right.plot(x, [r[k]["predicted"] for k in keys], "_", color="black", ms=22, mew=1.5, label="closed form")
        names = ["SGD", *(f"EMA {g:g}" for g in AVG_DECAYS), f"mean of {AVG_WINDOW}"]
        right.set(yscale="log", xticks=x, xticklabels=names, xlim=(-0.5, len(keys) - 0.5), ylabel="floor")
        right.legend()
    return fig


# ----- numbers and playground ----------------------------------------------------------------------------------
def numbers() -> dict:
    """Every value the prose quotes, keyed by its glue name."""
    floors, pred, m, r = floor_runs(), predicted_floors(), momentum_runs(), schedule_runs()
    ns, dg, a, avg = quadratic_noise_scale(), digits_noise_scale(), adam_steps(), averaging_runs()
    i1, i4 = list(LRS).index(0.1), list(LRS).index(0.4)
    var, var_pred, var_se = floors["var"][0, i1], direction_variance(0.1), floors["var_se"][0, i1]
    c, s = int(np.argmin(r["const_exact"][-1])), int(np.argmin(r["cos_exact"][-1]))
    mc, ms = int(np.argmin(r["const"][-1])), int(np.argmin(r["cos"][-1]))
    ema_floor = avg["ema0.99"]["predicted"]
    same, adam = same_floor_lr(ema_floor), Adam(ADAM_LR)
    out = {
        "mu": MU, "L": L, "sigma": SIGMA, "seeds": SEEDS, "steps": STEPS, "burn": BURN,
        # 1. the floor
        "var1": var[0], "var1_se": var_se[0], "var1_pred": var_pred[0],
        "var2": var[1], "var2_se": var_se[1], "var2_pred": var_pred[1],
        "floor": floors["loss"][0, i1], "floor_se": floors["loss_se"][0, i1], "floor_pred": pred[0, i1],
        "floor_small": 0.1 * 2 * SIGMA**2 / 4, "lr_lo": LRS[i1], "lr_hi": LRS[i4], "aL_hi": LRS[i4] * L,
        "floor_04_rise": pred[0, i4] / pred[0, i1], "gain_hi": 1 / (2 - LRS[i4] * L), "gain_lo": 0.5,
        "b_lo": BATCHES[0], "b_hi": BATCHES[-1], "b8_drop": pred[0, i4] / pred[-1, i4],
        "turn_angle": TURN_ANGLE, "turn_seeds": TURN_SEEDS,
        "floor_04": floors["loss"][0, i4], "floor_04_pred": pred[0, i4],
        "floor_04_b8": floors["loss"][-1, i4], "floor_04_b8_pred": pred[-1, i4],
        # 2. speed against floor
        "budget": BUDGET, "sched_seeds": SCHED_SEEDS,
        "const_lr": FINE_LRS[c], "const": r["const_exact"][-1, c],
        "const_floor": noise.loss_floor(noisy(1, 1), FINE_LRS[c]),
        "cos_lr": FINE_LRS[s], "cos": r["cos_exact"][-1, s],
        "cos_gain": r["const_exact"][-1, c] / r["cos_exact"][-1, s],
        "const_meas_lr": SCHED_LRS[mc], "const_meas": r["const"][-1, mc], "const_meas_se": r["const_se"][mc],
        "cos_meas_lr": SCHED_LRS[ms], "cos_meas": r["cos"][-1, ms], "cos_meas_se": r["cos_se"][ms],
        # 3. batch size
        "ratio_ab": LRS[0] / BATCHES[0], "b_break": 2 / (L * LRS[0] / BATCHES[0]),
        "floor_b1": floors["loss"][0, 0], "floor_b1_pred": pred[0, 0],
        "floor_b8": floors["loss"][3, 3], "floor_b8_pred": pred[3, 3], "floor_b8_rise": pred[3, 3] / pred[0, 0],
        "ns_start": ns["scale"][0], "ns_start_se": ns["scale_se"][0], "ns_start_exact": ns["exact"][0],
        "ns_near": ns["scale"][-1], "ns_near_se": ns["scale_se"][-1], "ns_near_exact": ns["exact"][-1],
        "ns_near_f": ns["f"][-1], "ns_draws": NS_SEEDS * NS_STEPS,
        "ns_b_small": NS_BATCHES[0], "ns_b_big": NS_BATCHES[1],
        "kappa": L / MU, "bnoise_start": noise.critical_noise_scale(noisy(1, 1), START),
        "bnoise_near": noise.critical_noise_scale(noisy(1, 1), NS_FRACTIONS[-1] * START),
        "dg_b_small": DIGITS_BATCHES[0], "dg_b_big": DIGITS_BATCHES[1],
        "dg_start": dg["start"]["exact"], "dg_est": dg["start"]["scale"], "dg_est_se": dg["start"]["scale_se"],
        "dg_break_even": dg["start"]["break_even"], "dg_trained": dg["trained"]["exact"],
        "dg_trained_break_even": dg["trained"]["break_even"], "dg_steps": DIGITS_STEPS, "dg_lr": DIGITS_LR,
        "dg_draws": DIGITS_DRAWS,
        # 4. momentum at a fixed effective rate
        "n_lrs": len(LRS), "n_betas": len(BETAS), "n_alpha_lambda": 2 * len(LRS), "mom_beta": BETAS[2],
        "mom_small_lr": LRS[0], "mom_small_amu": LRS[0] * MU,
        "mom_small_gd": m["var"][0, 0, 0], "mom_small_09": m["var"][0, 2, 0],
        "mom_small_se": max(m["var_se"][0, 0, 0], m["var_se"][0, 2, 0]),
        "mom_small_pred": direction_variance(0.05, 1, 0.9)[0], "mom_small_limit": 0.05 * SIGMA**2 / (2 * MU),
        "mom_steep_gd": m["var"][i4, 0, 1], "mom_steep_09": m["var"][i4, 2, 1],
        "mom_steep_gd_pred": direction_variance(0.4)[1], "mom_steep_09_pred": direction_variance(0.4, 1, 0.9)[1],
        "mom_floor_gd": m["loss"][i4, 0], "mom_floor_09": m["loss"][i4, 2], "mom_limit_09": 2 * 1.9 / (0.1 * L),
        # 5. Adam
        "adam_steps": ADAM_STEPS, "adam_start": ADAM_START, "adam_lr": ADAM_LR,
        "adam_low": a["mean"][0], "adam_low_pred": a["predicted"][0], "adam_nsr_low": ADAM_NSR[0],
        "adam_one": a["mean"][3], "adam_one_pred": a["predicted"][3],
        "adam_high": a["mean"][-1], "adam_high_pred": a["predicted"][-1], "adam_nsr_high": ADAM_NSR[-1],
        "adam_max_dev": np.max(np.abs(a["mean"] - a["predicted"]) / a["predicted"]), "adam_n": len(ADAM_NSR),
        "adam_beta2": adam.beta2, "adam_rms_floor": np.sqrt((1 - adam.beta1) / (1 + adam.beta1)),
        # 6. averaging
        "avg_lr": AVG_LR, "avg_window": AVG_WINDOW, "avg_seeds": AVG_SEEDS, "avg_steps": AVG_STEPS,
        **{f"avg_{k}": avg[k]["mean"] for k in ("raw", "ema0.9", "ema0.99", "tail")},
        **{f"avg_{k}_pred": avg[k]["predicted"] for k in ("raw", "ema0.9", "ema0.99", "tail")},
        "avg_same_lr": same, "avg_same_ratio": AVG_LR / same,
        "avg_decay1": AVG_DECAYS[0], "avg_decay2": AVG_DECAYS[1], "pg_decay": PG_DECAY,
        "avg_aL": AVG_LR * L, "avg_amu": AVG_LR * MU,
        "avg_ratio_w1": noise.ema_variance_ratio(AVG_LR, MU, AVG_DECAYS[1]),
        "avg_ratio_w2": noise.ema_variance_ratio(AVG_LR, L, AVG_DECAYS[1]), "avg_reach": REACH,
        "avg_reach_sgd": steps_to_reach(same, 0.0, REACH * ema_floor),
        "avg_reach_ema": steps_to_reach(AVG_LR, AVG_DECAYS[1], REACH * ema_floor),
    }  # fmt: skip
    return {k.replace(".", ""): v for k, v in out.items()}


def _problem(batch):
    return NoisyQuadratic((MU, L), (SIGMA, SIGMA), int(batch), 0, x0=START)


@register("noisy_gradients")
def playground() -> Playground:
    def floor(alpha, batch, beta, averaging):
        return float(noise.loss_floor(_problem(batch), alpha, beta, averaging))

    def readout(alpha, batch, beta, averaging):
        shown = "EMA of the weights" if averaging else "weights"
        return f"predicted floor of the {shown} (dashed): E f = {floor(alpha, batch, beta, averaging):.3g}"

    return Playground(
        "noisy_gradients",
        _problem,
        {"Momentum": lambda alpha, beta: Momentum(alpha, beta)},
        [
            Slider("alpha", PG_LRS, 0.1, label="α (effective rate, EMA form)"),
            Slider("batch", PG_BATCHES, 1, label="batch B", fmt="g"),
            Slider("beta", PG_BETAS, 0.0, label="β (0: SGD)", fmt="g"),
            Slider("averaging", (0.0, PG_DECAY), 0.0, label="EMA of the weights", names=("off", f"β_w = {PG_DECAY:g}")),
        ],
        steps=PG_STEPS,
        readout=readout,
        caption="SGD and Momentum (EMA form) on the ravine f = (0.2 w₁² + 4 w₂²)/2 with gradient noise of variance 1/B",
        shown=lambda params, averaging: ema(params, averaging, bias_corrected=True),
        level=floor,
        level_label="predicted floor",
    )
