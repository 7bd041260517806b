"""Chapter "Momentum": the heavy ball against gradient descent on one ravine (kappa = 100), and why.

Claims, each measured here: the article's EMA form and torch's form are one method when lr_ema = lr_torch / (1 -
beta); the velocity keeps the consistent part of the gradient and cancels most of the oscillating part; the heavy
ball is stable up to 2 (1 + beta) / L instead of 2 / L; with beta large enough for the problem the rate is sqrt(beta)
over a wide lr window (beta = 0.9 a safe default); at Polyak's optimum the steps grow like sqrt(kappa) where GD's
grow like kappa; Nesterov damps the swings but tolerates a smaller lr. All on noiseless axis-aligned ravines (the
methods commute with rotations) and Rosenbrock. With gradient noise (NoisyQuadratic, 100 seeds) at a fixed effective
rate lr / (1 - beta), beta lowers the noise left in the weights only along the steep direction. Formulas
(optim_core.theory) are in the torch form, v_t = beta v_{t-1} + dw_t, w_t = w_{t-1} - lr v_t.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np

from optim_core import GD, Momentum, plots, run, theory
from optim_core.chapters import register
from optim_core.ema import ema_gain
from optim_core.measure import distance, late_rate, loglog_slope, stationary_variance
from optim_core.playground import Playground, Slider
from optim_core.problems import NoisyQuadratic, Quadratic, Ravines, Rosenbrock
from optim_core.tables import markdown_table
from optim_core.theory import ema_lr, gd_best, heavy_ball_best, momentum_rate
from optim_core.tuning import steps_to_shrink, sweep

RAVINE = Quadratic.from_condition(100.0)  # f = (0.04 w1^2 + 4 w2^2) / 2, started at (-4.5, 1)
LR = 0.45  # torch-form learning rate of the pictures (GD's best is 2 / (L + mu) = 0.495)
BETA = 0.9
TOL = 1e-6  # "converged": the distance to the minimum has shrunk by this factor for good
TOL_TEX = r"$10^{-6}$"
TO_TOL = steps_to_shrink(TOL)  # (trajectory, problem) -> steps to TOL per run, inf if never
FORM_STEPS = 300  # how long the two forms are compared
LIMIT_LRS = np.linspace(0.02, 1.2, 60)  # the learning-rate sweep (grid spacing 0.02)
SWEEP_KAPPAS, BETA_SWEEP_STEPS = (10.0, 100.0, 1000.0), 1500  # the (kappa, beta, lr) sweep, and its step budget
SWEEP_BETAS = tuple(np.round(np.linspace(0.0, 0.99, 34), 4))
SWEEP_LRS = tuple(np.geomspace(0.01, 1.0, 31))
SCALING_KAPPAS = tuple(np.geomspace(10.0, 1000.0, 9))
NESTEROV_LR = {"ravine": 0.3, "rosenbrock": 1e-3}
NESTEROV_SHOWN = {"ravine": (60, 300), "rosenbrock": (400, 2000)}  # steps drawn: (path, distance)
ROSENBROCK_LARGER, ROSENBROCK_TOL = 1.2e-3, 1e-3
NOISE_BETAS, NOISE_ETA = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99), 0.25  # noisy ravine: beta grid, eta = lr / (1 - beta)
NOISE_SEEDS, NOISE_STEPS, NOISE_BURN = 100, 2500, 500  # seeds, steps, steps left out before the window


# ----- experiments -------------------------------------------------------------------------------------------
def runs(problem, steps: int, **opts) -> dict:
    """Label -> Trajectory of each optimizer (given as label=opt) on the problem."""
    return {label: run(opt, problem, steps=steps) for label, opt in opts.items()}


def gd_and_momentum(lr: float = LR, beta: float = BETA, steps: int = 100) -> dict:
    """GD and Momentum (torch form) at the same lr on the ravine."""
    return runs(RAVINE, steps, GD=GD(lr), Momentum=Momentum(lr, beta, ema=False))


def nesterov_runs(problem, lr: float, beta: float = BETA, steps: int = 300) -> dict:
    """Heavy-ball Momentum and Nesterov (torch forms) at the same lr and beta."""
    both = {"Momentum": Momentum(lr, beta, ema=False), "Nesterov": Momentum(lr, beta, ema=False, nesterov=True)}
    return runs(problem, steps, **both)


def form_gap(problem=RAVINE, lr: float = LR, beta: float = BETA, steps: int = FORM_STEPS) -> float:
    """Largest |difference| of any coordinate between the torch form at lr and the EMA form at lr / (1 - beta)."""
    both = runs(problem, steps, torch=Momentum(lr, beta, ema=False), ema=Momentum(float(ema_lr(lr, beta)), beta))
    return float(np.max(np.abs(both["torch"].params - both["ema"].params)))


def velocities(opt, grad, x0, steps: int) -> tuple:
    """Momentum updates by hand from x0 with dw_t = grad(w, t): the points w_0..w_T, gradients and velocities."""
    w = np.asarray(x0, dtype=np.float64)
    state, ws, grads, vels = opt.init(w), [w], [], []
    for t in range(steps):
        grads.append(grad(w, t))
        w, state = opt.update(w, grads[-1], state)
        ws.append(w)
        vels.append(state.velocity)
    return np.array(ws), np.array(grads), np.array(vels)


def first_steps(problem=RAVINE, lr: float = LR, beta: float = BETA, steps: int = 3) -> list[dict]:
    """The first steps of both forms: dw_t, both velocities and the (shared) w_t."""
    w, dw, v_torch = velocities(Momentum(lr, beta, ema=False), lambda w, t: problem.grad(w), problem.x0, steps)
    _, _, v_ema = velocities(Momentum(float(ema_lr(lr, beta)), beta), lambda w, t: problem.grad(w), problem.x0, steps)
    return [{"t": t + 1, "dw": dw[t], "v_ema": v_ema[t], "v_torch": v_torch[t], "w": w[t + 1]} for t in range(steps)]


def first_steps_markdown(rows) -> str:
    """first_steps' rows as a Markdown table."""
    header = ["step $t$", "gradient $dw_t$", "$v_t$, EMA form", "$v_t$, torch form", "$w_t$ (both forms)"]
    vec = lambda x: "(" + ", ".join(f"{c:.4g}" for c in x) + ")"  # noqa: E731
    cells = [[r["t"], *(vec(r[k]) for k in ("dw", "v_ema", "v_torch", "w"))] for r in rows]
    return markdown_table(header, cells, align="rrrrr")


def constant_and_alternating(beta: float = BETA, steps: int = 40) -> dict:
    """Torch-form velocities fed g_t = 1 (consistent) and g_t = (-1)^(t+1) (oscillating), side by side."""
    v = velocities(Momentum(1.0, beta, ema=False), lambda w, t: np.array([1.0, (-1.0) ** t]), np.zeros(2), steps)[2]
    return {"constant": v[:, 0], "alternating": v[:, 1]}


def gradients_and_velocities(problem=RAVINE, lr: float = LR, beta: float = BETA, steps: int = 40):
    """Along a Momentum run (EMA form at lr / (1 - beta)): the gradients dw_t and velocities v_t, shape (steps, 2)."""
    return velocities(Momentum(float(ema_lr(lr, beta)), beta), lambda w, t: problem.grad(w), problem.x0, steps)[1:]


@functools.cache
def compare_steps(beta: float = BETA, steps: int = 1000) -> dict:
    """Steps to TOL: GD at LR and at 2/(L+mu), Momentum at LR and at the best lr of a grid, Polyak's heavy ball."""
    (hb_lr, hb_beta, _), gd_lr = heavy_ball_best(RAVINE.mu, RAVINE.L), gd_best(RAVINE.mu, RAVINE.L)[0]
    grid = sweep(lambda lr: Momentum(lr, beta, ema=False), RAVINE, steps, TO_TOL, lr=np.geomspace(0.01, 1.0, 41))
    opts = {"gd_at_lr": GD(LR), "gd_best": GD(gd_lr), "momentum_at_lr": Momentum(LR, beta, ema=False)}
    opts["heavy_ball_optimal"] = Momentum(hb_lr, hb_beta, ema=False)
    counts = {k: int(TO_TOL(t, RAVINE)) for k, t in runs(RAVINE, steps, **opts).items()}
    return {**counts, "momentum_best": int(grid.best_score), "momentum_best_lr": grid.best["lr"]}


@functools.cache
def lr_sweep(beta: float = BETA, steps: int = 3000) -> dict:
    """Label -> Sweep of steps to TOL over LIMIT_LRS for GD and Momentum (inf where a run never got there)."""
    make = {"GD": lambda lr: GD(lr), "Momentum": lambda lr: Momentum(lr, beta, ema=False)}
    return {label: sweep(m, RAVINE, steps, TO_TOL, lr=LIMIT_LRS) for label, m in make.items()}


def limit_runs(problem=RAVINE, beta: float = BETA, margin: float = 1e-3, steps: int = 3000) -> dict:
    """'below' / 'above' -> Momentum (torch form) at 2 (1 + beta) / L x (1 -+ margin)."""
    limit = float(theory.momentum_stable_lr(problem.L, beta))
    lrs = {"below": limit * (1 - margin), "above": limit * (1 + margin)}
    return runs(problem, steps, **{name: Momentum(lr, beta, ema=False) for name, lr in lrs.items()})


@functools.cache
def beta_sweep(steps: int = BETA_SWEEP_STEPS):
    """Sweep of steps to TOL over a (kappa, beta, lr) grid of ravines, one batched run (inf: never got there)."""
    make = lambda lr, beta: Momentum(lr, beta, ema=False)  # noqa: E731
    ravines = lambda kappa: Ravines(kappa[..., 0])  # noqa: E731  (the sweep appends a parameter axis)
    return sweep(make, ravines, steps, TO_TOL, kappa=SWEEP_KAPPAS, beta=SWEEP_BETAS, lr=SWEEP_LRS)


def beta_summary(s, kappa: float, beta: float = BETA) -> dict:
    """The beta sweep at one kappa: the fewest steps over lr for each beta, the beta range within 2x of the best
    beta's count, the smallest beta that reaches TOL within the budget, the count at the grid beta nearest `beta`,
    and the lr window whose counts are within 10% of the best at that beta."""
    rows = s.scores[list(s.axes["kappa"]).index(kappa)]  # axes (beta, lr)
    best, j = rows.min(axis=-1), int(np.argmin(np.abs(s.axes["beta"] - beta)))
    good_betas, good_lrs = s.axes["beta"][best <= 2 * best.min()], s.axes["lr"][rows[j] <= 1.1 * rows[j].min()]
    first_ok, span = float(s.axes["beta"][np.argmax(np.isfinite(best))]), lambda x: (float(x.min()), float(x.max()))
    return {"best": best, "beta_range": span(good_betas), "first_ok": first_ok, "at_beta": int(best[j]),
            "lr_window": span(good_lrs)}  # fmt: skip


@functools.cache
def kappa_scaling(steps: int = 7000) -> dict:
    """GD at 2/(L+mu) and the heavy ball at Polyak's optimum on ravines of each SCALING_KAPPAS: predicted and measured
    (late) rates, steps to TOL. One batched run: axis 0 the method (GD as beta = 0, bit for bit), axis 1 the kappa."""
    problem = Ravines(np.asarray(SCALING_KAPPAS))
    mu, L = problem.curvatures[:, 0], problem.curvatures[:, 1]
    (gd_lr, gd_rate), (hb_lr, hb_beta, hb_rate) = gd_best(mu, L), heavy_ball_best(mu, L)
    lrs, betas = np.stack([gd_lr, hb_lr])[..., None], np.stack([np.zeros_like(hb_beta), hb_beta])[..., None]
    traj = run(Momentum(lrs, betas, ema=False), problem, np.broadcast_to(problem.x0, (2, *problem.x0.shape)), steps)
    d, n = distance(traj.params, problem.minimum), TO_TOL(traj, problem)
    out = {"kappa": np.asarray(SCALING_KAPPAS), "hb_lr": hb_lr, "hb_beta": hb_beta}
    for m, (label, predicted) in enumerate((("GD", gd_rate), ("Momentum", hb_rate))):
        measured = np.array([late_rate(d[:, m, k]) for k in range(len(SCALING_KAPPAS))])
        out[label] = {"predicted": predicted, "measured": measured, "steps": n[m].astype(int)}
    return out


def rates_markdown(every: int = 2) -> str:
    """Polyak's parameters, then for Momentum and GD the predicted and fitted rates and steps to TOL."""
    s, rows = kappa_scaling(), []
    for k in range(0, len(s["kappa"]), every):
        rows.append([f"{s['kappa'][k]:.0f}", f"{s['hb_lr'][k]:.3f}", f"{s['hb_beta'][k]:.3f}"])
        for m in (s["Momentum"], s["GD"]):
            rows[-1] += [f"{m['predicted'][k]:.4f}", f"{m['measured'][k]:.4f}", m["steps"][k]]
    header = [r"condition number $\kappa$", r"$\alpha^\star$ (torch)", r"best $\beta^\star$", "rate", "fitted", "steps"]
    return markdown_table([*header, "GD rate", "fitted", "steps"], rows, align="r" * 9)


@functools.cache
def noise_floor() -> dict:
    """The ravine with unit gradient noise (NoisyQuadratic, NOISE_SEEDS seeds, started at the minimum), one batched
    run of Momentum (torch form) at lr = NOISE_ETA (1 - beta) (row 0: a fixed effective rate) and at lr = NOISE_ETA
    (row 1: a fixed torch lr) for each of NOISE_BETAS: measure.stationary_variance, and the closed forms ('*_pred')."""
    problem = NoisyQuadratic((RAVINE.mu, RAVINE.L), (1.0, 1.0), seed=np.arange(NOISE_SEEDS)[:, None], x0=np.zeros(2))
    betas = np.asarray(NOISE_BETAS)[:, None]
    lrs = np.stack([NOISE_ETA * (1 - betas), np.full_like(betas, NOISE_ETA)])  # (row, beta, 1)
    out = stationary_variance(
        Momentum(lrs[..., None], betas[..., None], ema=False), problem, NOISE_STEPS, NOISE_BURN, 5
    )
    pred = theory.momentum_noise_variance(lrs, betas, problem.curvatures)
    return out | {"var_pred": pred, "loss_pred": (pred * problem.curvatures).sum(axis=-1) / 2}


def nesterov_steps(problem, lr: float, beta: float = BETA, steps: int = 1000, tol: float = TOL) -> dict:
    """Steps to tol for both methods at the same lr and beta."""
    return {k: int(steps_to_shrink(tol)(t, problem)) for k, t in nesterov_runs(problem, lr, beta, steps).items()}


def nesterov_largest_stable(beta: float = BETA, steps: int = 1500) -> float:
    """Largest lr on a grid of spacing 0.01 for which Nesterov (torch form) reaches TOL on the ravine."""
    nag = lambda lr: Momentum(lr, beta, ema=False, nesterov=True)  # noqa: E731
    return sweep(nag, RAVINE, steps, TO_TOL, lr=np.linspace(0.01, 1.0, 100)).largest_finite()


# ----- figures -----------------------------------------------------------------------------------------------
def race_figure():
    """Paths and loss gaps of GD and Momentum (torch form, same lr) over 100 steps on the ravine."""
    trajs = gd_and_momentum()
    fig, (left, right) = plots.figure(ncols=2)
    plots.trajectories(RAVINE, trajs, ax=left)
    plots.losses(trajs, RAVINE.f_min, ax=right)
    return fig


def velocity_figure(beta: float = BETA, steps: int = 40):
    """Left: the velocity under a constant and an alternating gradient. Right two: dw_t and v_t on the ravine."""
    fig, (a, b, c) = plots.figure(ncols=3, width=3.6, height=3.2)
    unit, t, blue = constant_and_alternating(beta, steps), np.arange(1, steps + 1), plots.color_of("Momentum")
    with mpl.rc_context(plots.STYLE):
        a.plot(t, unit["constant"], color=blue, label="$g_t = 1$")
        a.plot(t, unit["alternating"], color="#6baed6", label="$g_t = \\pm 1$")
        for alternating, text in ((False, r"$1/(1-\beta)$"), (True, r"$1/(1+\beta)$")):
            v = theory.momentum_terminal_velocity(beta, alternating)
            a.axhline(v, color="black", linestyle="--", linewidth=0.8)
            a.text(steps, v, text, ha="right", va="bottom", fontsize=9)
        a.set(xlabel="step $t$", ylabel="$v_t$ (torch form)", title=f"β = {beta}: unit gradients", ylim=(-1.2, 11.5))
        a.legend(loc="center right")
        grads, vels = gradients_and_velocities(beta=beta, steps=steps)
        for ax, k, name in ((b, 0, "ravine, shallow coordinate $w_1$"), (c, 1, "ravine, steep coordinate $w_2$")):
            ax.axhline(0, color="black", linewidth=0.6)
            ax.plot(t, grads[:, k], color="#9a9a9a", marker="o", markersize=2, linewidth=1.0, label="gradient $dw_t$")
            ax.plot(t, vels[:, k], color=blue, label="Momentum $v_t$ (EMA form)")
            ax.set(xlabel="step $t$", title=name)
            ax.legend(loc="lower right" if k == 0 else "upper right")
    return fig


def lr_sweep_figure(beta: float = BETA, steps: int = 3000):
    """Steps to TOL against lr for GD and Momentum, with both theoretical limits; x marks runs that never got there."""
    fig, ax = plots.figure(width=7.0, height=3.6)
    limits = {"GD": (theory.gd_stable_lr(RAVINE.L), "$2/L$")}
    limits["Momentum"] = (theory.momentum_stable_lr(RAVINE.L, beta), r"$2(1+\beta)/L$")
    with mpl.rc_context(plots.STYLE):
        for label, s in lr_sweep(beta, steps).items():
            color, lrs, ok = plots.color_of(label), s.axes["lr"], np.isfinite(s.scores)
            ax.plot(lrs[ok], s.scores[ok], "o-", color=color, markersize=3, label=label)
            never = np.full((~ok).sum(), steps * (1.25 if label == "GD" else 1.6))
            ax.plot(lrs[~ok], never, "x", color=color, markersize=5, linestyle="none")
            ax.axvline(limits[label][0], color=color, linestyle="--", linewidth=1.0)
            ax.text(limits[label][0], 12, " " + limits[label][1], color=color, fontsize=9, ha="left")
        ax.set_yscale("log")
        ax.set(xlabel=r"learning rate $\alpha$ (torch form)", ylabel=f"steps to reach {TOL_TEX} of the start distance")
        title = f"{RAVINE.name} κ = {RAVINE.kappa:g}, β = {beta}; x: not converged in {steps} steps"
        ax.set(title=title, ylim=(10, 2.2 * steps))
        ax.legend(loc="lower left")
    return fig


def beta_sweep_figure(heat_kappa: float = 100.0, steps: int = BETA_SWEEP_STEPS):
    """Left: best steps over lr against beta, per kappa. Right: steps over (beta, lr) at one kappa."""
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.8)
    s = beta_sweep(steps)
    kappas, lrs = s.axes["kappa"], s.axes["lr"]
    colors = [mpl.colormaps["plasma"](x) for x in np.linspace(0.1, 0.75, len(kappas))]  # not optimizer colors
    shown = lambda x: np.where(np.isfinite(x), x, np.nan)  # noqa: E731  (never converged: left blank)
    with mpl.rc_context(plots.STYLE):
        for kappa, color in zip(kappas, colors, strict=True):
            a.semilogy(s.axes["beta"], shown(beta_summary(s, kappa)["best"]), color=color, label=f"κ = {kappa:g}")
            a.axvline(heavy_ball_best(4.0 / kappa, 4.0)[1], color=color, linestyle=":", linewidth=1.0)
        a.axvline(BETA, color="black", linestyle="--", linewidth=1.0)
        a.text(BETA, 12, f"β = {BETA} ", ha="right", va="bottom", fontsize=9)
        title = "best α for each β; dotted: Polyak's β*"
        a.set(xlabel=r"$\beta$", ylabel=f"steps to {TOL_TEX} (best α on the grid)", ylim=(10, 4 * steps), title=title)
        a.legend(loc="upper center", ncols=3, fontsize=8)
        cmap, norm = mpl.colormaps["viridis_r"].with_extremes(bad="#dddddd"), mpl.colors.LogNorm(vmin=50, vmax=steps)
        grid = shown(s.scores[list(kappas).index(heat_kappa)]).T
        mesh = b.pcolormesh(s.axes["beta"], lrs, grid, cmap=cmap, norm=norm, shading="nearest")
        fig.colorbar(mesh, ax=b, label="steps to tolerance")
        betas, mu, L = np.linspace(0, 0.99, 200), 4.0 / heat_kappa, 4.0
        b.plot(betas, theory.momentum_stable_lr(L, betas), color="black", linewidth=1.0, label=r"$2(1+\beta)/L$")
        lo, hi = theory.flat_rate_window(mu, L, betas)
        flat = lo <= hi
        b.plot(betas[flat], lo[flat], "w--", linewidth=1.0, label=r"rate $=\sqrt{\beta}$ inside")
        b.plot(betas[flat], hi[flat], "w--", linewidth=1.0)
        b.set_yscale("log")
        title = f"κ = {heat_kappa:g}; gray: not converged"
        b.set(xlabel=r"$\beta$", ylabel=r"$\alpha$ (torch form)", ylim=(lrs[0], lrs[-1]), xlim=(0, 0.99), title=title)
        b.legend(loc="lower left", fontsize=8, facecolor="#bbbbbb")
    return fig


def scaling_figure():
    """Steps to TOL against kappa (log-log) for GD and the optimal heavy ball, with the predicted counts."""
    fig, ax = plots.figure(width=6.0, height=3.8)
    s = kappa_scaling()
    dense = np.geomspace(s["kappa"][0], s["kappa"][-1], 100)
    mu, L = 4.0 / dense, 4.0
    with mpl.rc_context(plots.STYLE):
        for label, predicted in (("GD", gd_best(mu, L)[1]), ("Momentum", heavy_ball_best(mu, L)[2])):
            color, slope = plots.color_of(label), loglog_slope(s["kappa"], s[label]["steps"])
            ax.loglog(s["kappa"], s[label]["steps"], "o", color=color, label=f"{label}: measured (slope {slope:.2f})")
            text = f"{label}: log(tol) / log(rate)"
            ax.loglog(dense, theory.steps_for_rate(predicted, TOL), "--", color=color, linewidth=1.0, label=text)
        ax.set(xlabel=r"condition number $\kappa = L/\mu$", ylabel=f"steps to reach {TOL_TEX} of the start distance")
        ax.set_title("each method at its best constant α (and β)")
        ax.legend(loc="upper left")
    return fig


def noise_figure():
    """Left: the loss floor against beta at a fixed effective rate alpha / (1 - beta) and at a fixed torch lr. Right:
    at the fixed effective rate, each coordinate's variance over eta / (2 lambda). Dots measured, dashed predicted."""
    fig, (a, b) = plots.figure(ncols=2, width=4.6, height=3.4)
    s, betas, small = noise_floor(), np.asarray(NOISE_BETAS), NOISE_ETA / (2 * np.array([RAVINE.mu, RAVINE.L]))
    labels = (f"fixed α/(1-β) = {NOISE_ETA:g}", f"fixed α = {NOISE_ETA:g} (torch form)")
    for row, color in enumerate(("#08519c", "#d94801")):
        plots.measured(a, betas, *(s[key][row] for key in ("loss", "loss_se", "loss_pred")), color, labels[row])
    for k, color, text in ((0, "#6baed6", "shallow $w_1$: ημ = 0.01"), (1, "#08519c", "steep $w_2$: ηL = 1")):
        plots.measured(b, betas, *(s[key][0, :, k] / small[k] for key in ("var", "var_se", "var_pred")), color, text)
    with mpl.rc_context(plots.STYLE):
        a.set(xlabel=r"$\beta$", ylabel=r"mean $f(w_t)$ over the window", yscale="log", title="loss floor")
        b.set(xlabel=r"$\beta$", ylabel=r"Var$[w_i]$ / $(\eta/2\lambda_i)$", ylim=(0, 2.3), title=labels[0])
        a.legend(loc="upper left")
        b.legend(loc="upper right")
    return fig


def nesterov_figure(beta: float = BETA):
    """Trajectories and distance to the minimum of Momentum and Nesterov on the ravine and on Rosenbrock."""
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.6, height=3.4)
    for row, problem in enumerate((RAVINE, Rosenbrock())):
        lr, (shown, steps) = NESTEROV_LR[problem.name], NESTEROV_SHOWN[problem.name]
        trajs = nesterov_runs(problem, lr, beta, steps)
        plots.trajectories(problem, {k: t.params[: shown + 1] for k, t in trajs.items()}, ax=axes[2 * row])
        axes[2 * row].set_title(f"{problem.name}, α = {lr:g}, β = {beta}: first {shown} steps")
        ax = axes[2 * row + 1]
        with mpl.rc_context(plots.STYLE):
            for label, traj in trajs.items():
                ax.semilogy(distance(traj.params, problem.minimum), color=plots.color_of(label), label=label)
            ax.set(xlabel="step $t$", ylabel=r"$\|w_t - w^\star\|$", title=f"{problem.name}: distance to the minimum")
            ax.legend(loc="upper right")
    return fig


# ----- the numbers the prose quotes ------------------------------------------------------------------------------
def numbers() -> dict:
    """Every value the prose quotes, keyed by its glue name."""
    mu, L = RAVINE.mu, RAVINE.L
    race, counts, edge, scaling = gd_and_momentum(), compare_steps(), limit_runs(), kappa_scaling()
    (grads, vels), (astar, bstar, hb_rate) = gradients_and_velocities(), heavy_ball_best(mu, L)
    shallow, steep = np.abs(vels).sum(axis=0) / np.abs(grads).sum(axis=0)  # cancellation: sum |v_t| / sum |dw_t|
    gd_lr, gd_rate = gd_best(mu, L)
    by_kappa = {f"k{kappa:.0f}": beta_summary(beta_sweep(), kappa) for kappa in SWEEP_KAPPAS}
    mom, gd, lim, lim05 = scaling["Momentum"], scaling["GD"], *theory.momentum_stable_lr(L, np.array([BETA, 0.5]))
    vconst, valt = (theory.momentum_terminal_velocity(BETA, alternating) for alternating in (False, True))
    (th_lo, th_hi), theta = theory.flat_rate_window(mu, L, BETA), theory.momentum_angle(LR, BETA, L)
    nest, ros_lr, rosenbrock = NESTEROV_LR["ravine"], NESTEROV_LR["rosenbrock"], Rosenbrock()
    nsteps, ros = nesterov_steps(RAVINE, nest), nesterov_steps(rosenbrock, ros_lr, steps=2000, tol=ROSENBROCK_TOL)
    below, gd_div = distance(edge["below"].params, RAVINE.minimum), run(GD(ema_lr(LR, BETA)), RAVINE, steps=100)
    noisy, j9 = noise_floor(), NOISE_BETAS.index(BETA)
    out = {
        "kappa": RAVINE.kappa, "mu": mu, "L": L, "lr": LR, "beta": BETA, "tol_factor": 1 / TOL,
        "gd_gap100": race["GD"].loss[-1], "mom_gap100": race["Momentum"].loss[-1],
        # the two forms
        "ema_lr": ema_lr(LR, BETA), "form_steps": FORM_STEPS, "form_gap": form_gap(),
        "factor": 1 / (1 - BETA), "factor99": 1 / (1 - 0.99),
        # cancel and accumulate
        "vconst": vconst, "valt": valt, "vratio": vconst / valt,
        "vconst_end": constant_and_alternating()["constant"][-1], "ratio_shallow": shallow, "ratio_steep": steep,
        "gd_div": gd_div.diverged_at, "gd_div_factor": ema_lr(LR, BETA) / theory.gd_stable_lr(L),
        "swing": momentum_rate(LR, BETA, [L]), "gd_swing": momentum_rate(LR, 0.0, [L]),
        # faster: steps to TOL, and both optimal settings
        **{f"s_{k}": n for k, n in counts.items() if k != "momentum_best_lr"},
        "speedup09": counts["gd_best"] / counts["momentum_best"],
        "speedup_opt": counts["gd_best"] / counts["heavy_ball_optimal"],
        "astar": astar, "bstar": bstar, "hb_rate": hb_rate, "gd_best_lr": gd_lr, "gd_rate": gd_rate,
        # the stability limits
        "sweep_n": len(LIMIT_LRS), "lim_gd": theory.gd_stable_lr(L), "lim_mom": lim, "lim_ema": ema_lr(lim, BETA),
        "big_gd": lr_sweep()["GD"].largest_finite(), "big_mom": lr_sweep()["Momentum"].largest_finite(),
        "edge_below": below[-1] / below[0], "edge_above": edge["above"].diverged_at,
        # the choice of beta
        "bsweep_runs": beta_sweep().scores.size, "bsweep_cap": BETA_SWEEP_STEPS, "kappa09": theory.kappa_for_beta(BETA),
        **{f"b09_{k}": b["at_beta"] for k, b in by_kappa.items()},
        **{f"brange_{k}_{end}": b["beta_range"][i] for k, b in by_kappa.items() for i, end in enumerate(("lo", "hi"))},
        "window_lo": by_kappa["k100"]["lr_window"][0], "window_hi": by_kappa["k100"]["lr_window"][1],
        "window_th_lo": th_lo, "window_th_hi": th_hi,
        "first_ok_k1000": by_kappa["k1000"]["first_ok"], "best_k10": int(by_kappa["k10"]["best"].min()),
        "bstar_k1000": heavy_ball_best(4.0 / 1000, 4.0)[1],
        # the kappa sweep
        "rate_dev": np.max(np.abs(mom["measured"] / mom["predicted"] - 1)),
        "slope_gd": loglog_slope(SCALING_KAPPAS, gd["steps"]), "slope_hb": loglog_slope(SCALING_KAPPAS, mom["steps"]),
        "ratio_k1000": gd["steps"][-1] / mom["steps"][-1], "gd_growth": gd["steps"][-1] / gd["steps"][0],
        # Nesterov
        "nest_lr": nest, "nest_limit": theory.momentum_stable_lr(L, BETA, True), "nest_big": nesterov_largest_stable(),
        "steep_hb": momentum_rate(nest, BETA, [L]), "rate_hb": momentum_rate(nest, BETA, [mu, L]),
        "steep_nag": momentum_rate(nest, BETA, [L], True), "rate_nag": momentum_rate(nest, BETA, [mu, L], True),
        "nsteps_hb": nsteps["Momentum"], "nsteps_nag": nsteps["Nesterov"],
        "ros_lr": ros_lr, "ros_larger": ROSENBROCK_LARGER, "ros_hb": ros["Momentum"], "ros_nag": ros["Nesterov"],
        "ros_div": nesterov_runs(rosenbrock, ROSENBROCK_LARGER, steps=2000)["Nesterov"].diverged_at,
        # gradient noise: row 0 is the fixed effective rate, row 1 the fixed torch lr; column j9 is beta = 0.9
        "noise_eta": NOISE_ETA, "noise_seeds": NOISE_SEEDS, "noise_steps": NOISE_STEPS, "noise_burn": NOISE_BURN,
        "noise_small": NOISE_ETA / (2 * mu), "noise_torch_eta": ema_lr(NOISE_ETA, BETA),
        **{f"noise_{name}{e}": noisy[f"var{e}"][0, j, k] for name, j, k in (("shallow_gd", 0, 0),
           ("shallow_mom", j9, 0), ("steep_gd", 0, 1), ("steep_mom", j9, 1)) for e in ("", "_se", "_pred")},
        **{f"noise_loss_{name}{e}": noisy[f"loss{e}"][i, j] for name, i, j in (("gd", 0, 0), ("mom", 0, j9),
           ("torch", 1, j9)) for e in ("", "_se")},
        "noise_factor": noisy["loss"][1, j9] / noisy["loss"][0, 0],
        # the exercises
        "ex1_09": ema_lr(0.1, 0.9), "ex1_099": ema_lr(0.1, 0.99), "ex2_torch": lim05, "ex2_ema": ema_lr(lim05, 0.5),
        "ex3_gd": theory.steps_for_rate(gd_best(L / 1e4, L)[1], TOL),
        "ex3_hb": theory.steps_for_rate(heavy_ball_best(L / 1e4, L)[2], TOL),
        "ex4_pi": ema_gain(BETA, np.pi), "ex4_theta": theta, "ex4_amp": ema_gain(BETA, theta),
    }  # fmt: skip
    return {f"mom_{name}": value for name, value in out.items()}


# ----- the playground ---------------------------------------------------------------------------------------------
def readout(lr, beta, kappa) -> str:
    """Polyak's optimum for this kappa and the predicted rates at the sliders' lr and beta."""
    mu, L = 4.0 / kappa, 4.0
    hb_lr, hb_beta, hb_rate = heavy_ball_best(mu, L)
    shown = lambda r: f"{float(r):.3f}" if r < 1 else "≥ 1 (diverges)"  # noqa: E731
    return (
        f"κ = {kappa:g}: best heavy ball (torch form) α* = {hb_lr:.3f}, β* = {hb_beta:.3f}, rate {hb_rate:.3f} "
        f"per step (best GD rate {gd_best(mu, L)[1]:.3f}). At these sliders the predicted rates are "
        f"GD {shown(momentum_rate(lr, 0.0, (mu, L)))}, Momentum {shown(momentum_rate(lr, beta, (mu, L)))}."
    )


@register("momentum")
def playground() -> Playground:
    return Playground(
        "momentum",
        lambda kappa: Quadratic.from_condition(kappa),
        {"GD": lambda lr: GD(lr), "Momentum": lambda lr, beta: Momentum(lr, beta, ema=False)},
        [
            Slider.log("lr", 0.02, 1.28, 13, 0.453, label="α (torch form)"),
            Slider("beta", (0.0, 0.5, 0.8, 0.9, 0.95, 0.99), BETA, label="β"),
            Slider("kappa", (10.0, 100.0, 1000.0), 100.0, label="κ", fmt=".0f"),
            Slider("steps", (10, 25, 50, 100), 100, label="steps", fmt=".0f"),
        ],
        steps=100,
        readout=readout,
        caption="GD and Momentum (torch form, v = βv + dw) on the ravine f = (μw₁² + Lw₂²)/2 with L = 4, μ = L/κ",
    )
