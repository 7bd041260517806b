"""Curvature on a real network: the Hessian of the digits models, diagonal preconditioning, the edge of stability
and gradient clipping.

(1) The full Hessian of softmax regression (650 parameters) at w = 0 and after training: its null space (the shift
of all ten logits and the blank pixels), its top eigenvalue at w = 0 in closed form, its condition number, its few
large eigenvalues and its bulk. (2) The spectrum of D^-1/2 H D^-1/2 with the D = sqrt(v_hat) + eps that AdaGrad,
RMSProp and Adam hold after training, against the Jacobi diagonal, and on the ravine against the ravine turned by
45 degrees, where no diagonal lowers kappa. (3) Full-batch GD on a small digits MLP with an L2 penalty: the
sharpness (top Hessian eigenvalue, Lanczos on exact Hessian-vector products) rises to 2 / alpha and stays there
while the loss falls unevenly (Cohen et al., 2021). (4) Full-batch Adam on the same MLP: the preconditioned
sharpness settles at (2 + 2 beta1) / ((1 - beta1) alpha) (Cohen et al., 2022). (5) Clipping by norm on the Beale
wall and on the digits MLP at too large an alpha.

tests/test_chapter_curvature.py pins every quoted value: the closed forms exactly, the hovering of the sharpness
by the spread of the late window, and the claims about clipping by the runs themselves.
"""

from __future__ import annotations

import dataclasses
import functools

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, RMSProp, plots, run
from optim_core.chapters import register
from optim_core.curvature import (
    ClippedByNorm,
    Product,
    first_reach,
    hovering,
    preconditioner,
    run_with_preconditioner,
    sharpness,
    sharpness_along,
    softmax_hessian,
    spectrum_summary,
)
from optim_core.measure import rising_share
from optim_core.models import N_CLASSES, digits_mlp, digits_softmax, single_threaded
from optim_core.playground import Playground, Slider
from optim_core.problems import BEALE_FROM_WALL, RAVINE
from optim_core.tables import pretty
from optim_core.theory import momentum_stable_lr
from optim_core.tuning import gap_at, sweep

# 1, 2: softmax regression, trained on minibatches of 64 by each adaptive method at the best alpha of its grid
SOFTMAX = digits_softmax()
TRAIN_STEPS = 300
ADAPTIVE = {
    "AdaGrad": (AdaGrad, np.logspace(-2, 1, 7)),
    "RMSProp": (RMSProp, np.logspace(-3, 0, 7)),
    "Adam": (Adam, np.logspace(-3, 0, 7)),
}
OUTLIER = 0.1  # an outlier: above 10 % of the top eigenvalue (the bulk: below 1 %, optim_core.curvature)
ROUNDING = 1e-12  # eigvalsh's error is about n eps |H| = 650 x 2.2e-16 |H|: smaller eigenvalues are not resolved
TURNED = RAVINE.turned(45)  # both coordinates see both curvatures
RAVINE_STEPS, RAVINE_LR = 100, 0.1
# 3, 4: full-batch GD and Adam on a small MLP with an L2 penalty, from its initial weights scaled down
EOS_HIDDEN, EOS_OMEGA, EOS_SCALE, EOS_STEPS = 16, 3e-3, 0.3, 1000
GD_LRS, GD_EVERY, GD_LATE, GD_EARLY = (0.75, 1.25, 1.5), 9, 500, 30  # every step up to 30, then every 9th:
# 9 is odd, so the records catch both phases of a 2-cycle
ADAM_LRS, ADAM_EVERY, ADAM_LATE, BETA1 = (5e-3, 1e-2, 4e-2), 15, 700, 0.9
ITERS = 10  # Lanczos products per record, warm-started
# 5: clipping by norm
BEALE_CLIPS, BEALE_LRS, BEALE_STEPS = (np.inf, 100.0), np.geomspace(1e-2, 1e2, 33), 1000
MLP_CLIPS, MLP_LRS, MLP_STEPS = (np.inf, 1.0, 0.3), np.geomspace(0.1, 30, 11), 300
# the playground: GD on the two-weight product
PRODUCT = Product()
PG_LRS, PG_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), 150
SHADES = ("#8c6d31", "#637939", "#843c39")


# ----- 1, 2: the softmax Hessian ------------------------------------------------------------------------------
def null_dim(model=SOFTMAX) -> int:
    """Directions of zero curvature at every w: adding c_j to the ten weights of an input j (the bias too) changes no
    probability (d + 1 directions), and a pixel that is 0 in every training image moves no logit (9 more each)."""
    blank = int(np.sum(np.all(model.x == 0, axis=0)))
    return model.x.shape[1] + 1 + (N_CLASSES - 1) * blank


def predicted_top_at_zero(model=SOFTMAX) -> float:
    """At w = 0, p = 1/10 for every class, so H = E[x~ x~^T] kron (I - 11^T/10)/10: its top eigenvalue is a tenth
    of the largest eigenvalue of the inputs' second moment (x~ = (x, 1)), nine times over."""
    xt = np.hstack([model.x, np.ones((model.n_samples, 1))])
    return float(np.linalg.eigvalsh(xt.T @ xt / model.n_samples)[-1] / N_CLASSES)


@functools.cache
@single_threaded
def softmax_runs() -> dict:
    """name -> the lr of its grid lowest at TRAIN_STEPS, the weights 'w' there and the diagonal 'D' of its state."""
    out = {}
    for name, (make, grid) in ADAPTIVE.items():
        s = sweep(make, SOFTMAX, TRAIN_STEPS, gap_at(), lr=grid, record_every=TRAIN_STEPS)
        i, state = s.best_index[0], s.trajectory.final_state
        picked = state._replace(**{k: v[i] for k, v in state._asdict().items() if isinstance(v, np.ndarray)})
        out[name] = {"lr": s.best["lr"], "index": i, "loss": s.trajectory.loss[-1, i], "grid": grid}
        out[name].update(w=s.trajectory.params[-1, i], D=preconditioner(make(s.best["lr"]), picked))
    return out


def _scaled(h: np.ndarray, d: np.ndarray) -> np.ndarray:
    root = 1.0 / np.sqrt(d)
    return root[:, None] * h * root[None, :]


@functools.cache
@single_threaded
def spectra() -> dict:
    """Ascending eigenvalues: 'start' (H at w = 0); for each method, 'H' and 'P' (D^-1/2 H D^-1/2) at its trained
    point; 'jacobi' (diag(H)^-1/2 H diag(H)^-1/2 at Adam's point, blank pixels left as they are)."""
    out = {"start": np.linalg.eigvalsh(softmax_hessian(SOFTMAX, np.zeros(SOFTMAX.dim)))}
    for name, r in softmax_runs().items():
        h = softmax_hessian(SOFTMAX, r["w"])
        out[name] = {"H": np.linalg.eigvalsh(h), "P": np.linalg.eigvalsh(_scaled(h, r["D"]))}
        if name == "Adam":
            diag = np.diag(h)
            out["jacobi"] = np.linalg.eigvalsh(_scaled(h, np.where(diag > 0, diag, 1.0)))
    return out


def summary(eigenvalues) -> dict:
    """spectrum_summary past the null space, with the number of outliers (above OUTLIER of the top) and of the
    eigenvalues too small to be resolved (below ROUNDING of the top)."""
    live = np.sort(eigenvalues)[null_dim() :]
    counts = {"outliers": int(np.sum(live > OUTLIER * live[-1])), "unresolved": int(np.sum(live < ROUNDING * live[-1]))}
    return {**spectrum_summary(eigenvalues, null_dim()), **counts}


def ravine_kappa(h: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The condition number of D^-1/2 H D^-1/2 for a 2 x 2 H and diagonals d (..., 2)."""
    lam = np.linalg.eigvalsh(h / np.sqrt(d[..., :, None] * d[..., None, :]))
    return lam[..., 1] / lam[..., 0]


@functools.cache
def ravine_preconditioned() -> dict:
    """(problem, method) -> kappa of D_t^-1/2 H D_t^-1/2 at every step of a run of RAVINE_STEPS at RAVINE_LR."""
    out = {}
    for key, problem in (("aligned", RAVINE), ("turned", TURNED)):
        for name, (make, _) in ADAPTIVE.items():
            d = run_with_preconditioner(make(RAVINE_LR), problem, RAVINE_STEPS, 1)["precond"]
            out[key, name] = ravine_kappa(problem.hessian, d)
    return out


# ----- 3, 4: the edge of stability ---------------------------------------------------------------------------
def eos_model():
    """The book's digits MLP with EOS_HIDDEN tanh units, full batch, and the L2 penalty omega/2 |w|^2."""
    return dataclasses.replace(digits_mlp(hidden=EOS_HIDDEN, batch_size=None), l2=EOS_OMEGA)


@functools.cache
@single_threaded
def gd_edge(nudge: float = 0.0) -> dict:
    """Full-batch GD at GD_LRS for EOS_STEPS: 'loss' at every step (steps + 1, 3), the 'sharpness' at 'steps'. nudge:
    a relative change of the start, to see how much the late statistics depend on it."""
    model = eos_model()
    traj = run(GD(np.array(GD_LRS)[:, None]), model, EOS_SCALE * model.x0 * (1.0 + nudge), EOS_STEPS)
    checks = np.union1d(np.arange(GD_EARLY + 1), np.arange(0, EOS_STEPS + 1, GD_EVERY))
    sharp = sharpness_along(model, traj.params[checks], ITERS)
    return {"steps": traj.steps[checks], "loss": traj.loss, "sharpness": sharp}


@functools.cache
@single_threaded
def without_penalty(lr: float = GD_LRS[1], every: int = 50) -> dict:
    """GD at lr on the same MLP without the L2 penalty: sharpness * lr / 2 every `every` steps, and the loss."""
    model = dataclasses.replace(eos_model(), l2=0.0)
    traj = run(GD(lr), model, EOS_SCALE * model.x0, EOS_STEPS, record_every=every)
    return {"steps": traj.steps, "ratio": sharpness_along(model, traj.params, ITERS) * lr / 2, "loss": traj.loss}


@functools.cache
@single_threaded
def adam_edge(nudge: float = 0.0) -> dict:
    """Full-batch Adam (beta1 = BETA1, other defaults) at ADAM_LRS: 'loss' at every step, the preconditioned
    sharpness 'pre' every ADAM_EVERY steps ('steps'), and the plain sharpness at the last record ('plain')."""
    model, opt = eos_model(), Adam(np.array(ADAM_LRS)[:, None], beta1=BETA1)
    r = run_with_preconditioner(opt, model, EOS_STEPS, ADAM_EVERY, EOS_SCALE * model.x0 * (1.0 + nudge))
    pre = sharpness_along(model, r["params"], ITERS, 1.0 / r["precond"])
    return {"steps": r["steps"], "loss": r["loss"], "pre": pre, "plain": sharpness(model, r["params"][-1], iters=30)[0]}


def adam_threshold(lr) -> np.ndarray:
    """Momentum's stability limit in the EMA form, alpha lambda < (2 + 2 beta1) / (1 - beta1) (the torch form's
    2 (1 + beta1) / lambda times 1 / (1 - beta1)), as a bound on lambda."""
    return momentum_stable_lr(1.0, BETA1) / ((1 - BETA1) * np.asarray(lr))


# ----- 5: clipping ---------------------------------------------------------------------------------------------
@functools.cache
def beale_clipping() -> dict:
    """AdaGrad and RMSProp from the Beale wall, unclipped and clipped at BEALE_CLIPS: per clip, the best lr of
    BEALE_LRS by f - f* at BEALE_STEPS, that gap, and its run's gap at every step."""
    out, clipped, rows = {}, functools.partial(ClippedByNorm, BEALE_FROM_WALL), np.arange(len(BEALE_CLIPS))
    for name, make in (("AdaGrad", AdaGrad), ("RMSProp", RMSProp)):
        s = sweep(make, clipped, BEALE_STEPS, gap_at(), max_norm=BEALE_CLIPS, lr=BEALE_LRS)
        best = np.argmin(s.scores, axis=1)
        curve = s.trajectory.loss[:, rows, best] - BEALE_FROM_WALL.f_min
        out[name] = {"lr": BEALE_LRS[best], "gap": s.scores[rows, best], "curve": curve}
    return out


@functools.cache
@single_threaded
def mlp_clipping() -> np.ndarray:
    """GD on the digits MLP (minibatches of 64) for MLP_STEPS: the final training loss per clip x lr."""
    clipped = functools.partial(ClippedByNorm, digits_mlp())
    s = sweep(GD, clipped, MLP_STEPS, gap_at(), max_norm=MLP_CLIPS, lr=MLP_LRS, record_every=MLP_STEPS)
    return s.trajectory.loss[-1]


def largest_working_lr(losses, start_loss: float) -> np.ndarray:
    """Per clip, the largest lr of MLP_LRS whose run ends below the loss it started from."""
    ok = np.asarray(losses) < start_loss
    return np.array([MLP_LRS[np.flatnonzero(row)[-1]] for row in ok])


def start_gradient_norm(batches: int = 20) -> float:
    """The median length of the first `batches` minibatch gradients of the digits MLP at its start."""
    model = digits_mlp()
    return float(np.median([np.linalg.norm(model.stochastic_grad(model.x0, t)) for t in range(1, batches + 1)]))


def product_end(lr) -> tuple:
    """GD on the product for PG_STEPS steps at lr: (the sharpness at the last step, f there)."""
    w = run(GD(lr), PRODUCT, steps=PG_STEPS).params[-1]
    return float(PRODUCT.sharpness(w)), float(PRODUCT.f(w))


# ----- figures -------------------------------------------------------------------------------------------------
def _ranked(ax, eigenvalues, **style):
    """The eigenvalues past the null space, over the largest, from the largest down (log scale)."""
    live = np.sort(eigenvalues)[null_dim() :][::-1]
    ax.semilogy(np.arange(1, live.size + 1), np.maximum(live / live[0], 1e-20), **style)


def spectrum_figure():
    """Left: histogram of log10 of the eigenvalues past the null space at w = 0 and at Adam's trained point.
    Right: the same eigenvalues over the largest, by rank, with the ravine's mu / L."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    sp, bins = spectra(), np.arange(-20, 1.01, 0.5)
    with mpl.rc_context(plots.STYLE):
        for key, label, color in (
            ("start", "at w = 0", SHADES[0]),
            ("Adam", "after training (Adam)", plots.COLORS["Adam"]),
        ):
            lam = sp[key] if key == "start" else sp[key]["H"]
            live = np.sort(lam)[null_dim() :]
            left.hist(np.log10(np.maximum(live, 1e-20)), bins=bins, histtype="step", lw=1.5, color=color, label=label)
            _ranked(right, lam, color=color, label=label)
        left.set(xlabel=r"$\log_{10}\lambda$", ylabel="number of eigenvalues")
        left.legend(loc="upper left")
        right.axhline(RAVINE.mu / RAVINE.L, color=plots.COLORS["GD"], ls=":", lw=1.2, label=r"ravine: $\mu/L = 1/20$")
        right.set(xlabel="rank $k$ (past the null space)", ylabel=r"$\lambda_k / \lambda_{\max}$", ylim=(1e-20, 2))
        right.legend(loc="lower left")
    return fig


def preconditioning_figure():
    """Left: at Adam's trained point, the ranked spectrum of H, of D^-1/2 H D^-1/2 (Adam's D) and of the Jacobi-scaled
    H. Right: kappa of the preconditioned ravine along each method's run, on the ravine and turned by 45 degrees."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    sp, rv, t = spectra(), ravine_preconditioned(), np.arange(1, RAVINE_STEPS + 1)
    with mpl.rc_context(plots.STYLE):
        _ranked(left, sp["Adam"]["H"], color=plots.COLORS["GD"], label="$H$")
        _ranked(left, sp["Adam"]["P"], color=plots.COLORS["Adam"], label=r"$D^{-1/2} H D^{-1/2}$, Adam's $D$")
        _ranked(left, sp["jacobi"], color=SHADES[1], ls="--", label=r"$D = \mathrm{diag}(H)$")
        left.set(xlabel="rank $k$ (past the null space)", ylabel=r"$\lambda_k / \lambda_{\max}$", ylim=(1e-20, 2))
        left.legend(loc="lower left")
        for name in ADAPTIVE:
            color = plots.COLORS[name]
            right.plot(t, rv["aligned", name], color=color, label=f"{name}, ravine")
            right.plot(t, rv["turned", name], color=color, ls="--", label=f"{name}, turned 45°")
        right.axhline(RAVINE.kappa, color=plots.COLORS["GD"], ls=":", lw=1.2, label=r"$\kappa = L/\mu$")
        right.set(ylim=(0, 24), xlabel="step $t$", ylabel=r"$\kappa$ of $D_t^{-1/2} H D_t^{-1/2}$")
        right.legend(fontsize=7.5, ncols=2, loc="lower right")
    return fig


def _edge_panels(steps, values, loss, lrs, thresholds, ylabel, threshold_label, window):
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    with mpl.rc_context(plots.STYLE):
        for i, (lr, color) in enumerate(zip(lrs, SHADES, strict=True)):
            left.plot(np.asarray(steps) + 1, values[:, i], color=color, lw=1.2, label=f"α = {lr:g}")
            left.axhline(thresholds[i], color=color, ls="--", lw=1)
            right.plot(np.arange(window, len(loss)), loss[window:, i], color=color, lw=1, label=f"α = {lr:g}")
        left.plot([], [], "k--", lw=1, label=threshold_label)
        left.set(xscale="log", yscale="log", xlabel="step $t$ + 1", ylabel=ylabel)
        left.legend(fontsize=8)
        right.set(xlabel="step $t$", ylabel=r"training loss $f(w_t)$")
        right.legend(fontsize=8)
    return fig


def edge_figure():
    """Full-batch GD on the MLP: the sharpness against the step with 2 / alpha dashed, and the loss late in the run."""
    g = gd_edge()
    return _edge_panels(
        g["steps"],
        g["sharpness"],
        g["loss"],
        GD_LRS,
        2 / np.array(GD_LRS),
        r"sharpness $\lambda_{\max}(H)$",
        r"$2/\alpha$",
        GD_LATE - 100,
    )


def adaptive_figure():
    """Full-batch Adam on the MLP: the preconditioned sharpness with its threshold dashed, and the loss."""
    a = adam_edge()
    return _edge_panels(
        a["steps"],
        a["pre"],
        a["loss"],
        ADAM_LRS,
        adam_threshold(ADAM_LRS),
        r"$\lambda_{\max}(D^{-1/2} H D^{-1/2})$",
        r"$(2+2\beta_1)/((1-\beta_1)\alpha)$",
        GD_LATE - 100,
    )


def clipping_figure():
    """Left: f - f* on Beale from the wall for tuned AdaGrad and RMSProp, unclipped and clipped. Right: GD's final
    training loss on the digits MLP against alpha, for each clipping threshold."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.6)
    b, m = beale_clipping(), mlp_clipping()
    with mpl.rc_context(plots.STYLE):
        for name, r in b.items():
            for k, (clip, ls) in enumerate(zip(BEALE_CLIPS, ("-", "--"), strict=True)):
                label = f"{name}, " + ("unclipped" if np.isinf(clip) else f"clipped at {clip:g}")
                left.semilogy(
                    np.maximum(r["curve"][:, k], plots.LOSS_FLOOR), color=plots.COLORS[name], ls=ls, lw=1.3, label=label
                )
        left.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$")
        left.legend(fontsize=8)
        for k, (clip, color) in enumerate(zip(MLP_CLIPS, (plots.COLORS["GD"], *SHADES[1:]), strict=True)):
            label = "unclipped" if np.isinf(clip) else f"clipped at {clip:g}"
            right.loglog(MLP_LRS, m[k], "o-", color=color, ms=4, lw=1.2, label=label)
        right.axhline(np.log(N_CLASSES), color="#999999", ls=":", lw=1, label=r"start: $\ln 10$")
        right.set(xlabel=r"learning rate $\alpha$", ylabel=f"training loss after {MLP_STEPS} steps")
        right.legend(fontsize=8)
    return fig


# ----- numbers and playground ---------------------------------------------------------------------------------
def numbers() -> dict:
    """Every value the prose quotes, keyed by its glue name (very large or small ones as the prose prints them)."""
    sp, runs, rv, g, a = spectra(), softmax_runs(), ravine_preconditioned(), gd_edge(), adam_edge()
    start, trained, free = summary(sp["start"]), summary(sp["Adam"]["H"]), without_penalty()
    gd_thr, adam_thr = 2 / np.array(GD_LRS), adam_threshold(ADAM_LRS)
    gd_ratio, ad_ratio = g["sharpness"] / gd_thr, a["pre"] / adam_thr
    gd, ad = hovering(gd_ratio, g["steps"], GD_LATE), hovering(ad_ratio, a["steps"], ADAM_LATE)
    gd_up = rising_share(g["loss"], EOS_STEPS - GD_LATE)
    gd_first, ad_first = first_reach(gd_ratio, g["steps"]), first_reach(ad_ratio, a["steps"])
    b, m, live0 = beale_clipping(), mlp_clipping(), np.sort(sp["start"])[null_dim() :]
    works, best = largest_working_lr(m, np.log(N_CLASSES)), np.argmin(m, axis=1)
    out = {
        "sm_dim": SOFTMAX.dim, "sm_null": null_dim(), "sm_blank": int(np.sum(np.all(SOFTMAX.x == 0, axis=0))),
        "sm_live": SOFTMAX.dim - null_dim(), "sm_top0": start["max"], "sm_top0_pred": predicted_top_at_zero(),
        "sm_next0": live0[-10], "sm_gap0": start["max"] / live0[-10], "sm_kappa0": pretty(start["kappa"]),
        "sm_bulk0": start["bulk"],
        "sm_steps": TRAIN_STEPS, "sm_adam_lr": runs["Adam"]["lr"], "sm_adam_loss": runs["Adam"]["loss"],
        "sm_top": trained["max"], "sm_outliers": trained["outliers"], "sm_bulk": trained["bulk"],
        "sm_spread": pretty(trained["spread"]), "sm_unresolved": trained["unresolved"],
        "rv_kappa": RAVINE.kappa, "rv_steps": RAVINE_STEPS, "rv_lr": RAVINE_LR,
        "rv_turned_min": min(float(rv["turned", n].min()) for n in ADAPTIVE),
        "rv_aligned_first": float(rv["aligned", "Adam"][0]), "sp_jacobi": pretty(summary(sp["jacobi"])["spread"]),
        "eos_hidden": EOS_HIDDEN, "eos_dim": eos_model().dim, "eos_omega": EOS_OMEGA, "eos_scale": EOS_SCALE,
        "eos_steps": EOS_STEPS, "eos_late": GD_LATE, "eos_every": GD_EVERY, "eos_iters": ITERS,
        "eos_sharp0": g["sharpness"][0, 0], "eos_sharp_mlp0": sharpness(eos_model(), eos_model().x0, iters=30)[0],
        "eos_settled": gd["median"][0] * gd_thr[0], "eos_loss_late": g["loss"][GD_LATE, 1],
        "eos_loss_end": g["loss"][-1, 1], "eos_spike": float(np.max(g["loss"][GD_LATE:, 2])),
        "free_max": float(free["ratio"].max()), "free_end": float(free["ratio"][-1]),
        "free_loss": float(free["loss"][-1]),
        "ad_beta1": BETA1, "ad_late": ADAM_LATE, "ad_every": ADAM_EVERY, "ad_plain": float(np.max(a["plain"])),
        "ad_small_end": a["pre"][-1, 0] / adam_thr[0],
        "ad_up_large": rising_share(a["loss"], EOS_STEPS - ADAM_LATE)[2],
        "bl_grad": float(np.linalg.norm(BEALE_FROM_WALL.grad(BEALE_FROM_WALL.x0))), "bl_clip": BEALE_CLIPS[1],
        "bl_steps": BEALE_STEPS, "mlp_steps": MLP_STEPS, "mlp_grad": start_gradient_norm(),
        "mlp_small_lr": MLP_LRS[0], "mlp_small_loss": m[0, 0], "mlp_small_clipped": m[2, 0],
        "mlp_fail_lr": MLP_LRS[best[0] + 1], "mlp_fail_loss": m[0, best[0] + 1], "mlp_fail_clipped": m[1, best[0] + 1],
        "pg_flow": float(PRODUCT.flow_sharpness(PRODUCT.x0)), "pg_lr": 0.6, "pg_end": product_end(0.6)[0],
    }  # fmt: skip
    for name in ADAPTIVE:
        spread = {k: summary(sp[name][k])["spread"] for k in ("H", "P")}
        out.update({f"sp_{name}_{k}": pretty(v) for k, v in spread.items()})
        out[f"sp_{name}_gain"] = spread["H"] / spread["P"]
        out[f"rv_aligned_{name}"] = float(np.median(rv["aligned", name]))
    for i, lr in enumerate(GD_LRS):
        tag = f"gd{lr:g}".replace(".", "")
        out.update({f"{tag}_lr": lr, f"{tag}_thr": gd_thr[i], f"{tag}_up": gd_up[i], f"{tag}_first": gd_first[i]})
        out.update({f"{tag}_{k}": v[i] for k, v in gd.items()})
    for i, lr in enumerate(ADAM_LRS):
        tag = f"ad{lr:g}".replace(".", "")
        out.update({f"{tag}_lr": lr, f"{tag}_thr": adam_thr[i]})
        if ad_first[i] >= 0:  # the runs that reach their threshold
            out.update({f"{tag}_first": ad_first[i], **{f"{tag}_{k}": v[i] for k, v in ad.items()}})
    for k, clip in enumerate(MLP_CLIPS):
        tag = "mlp_" + ("none" if np.isinf(clip) else f"{clip:g}".replace(".", ""))
        out.update({f"{tag}_works": works[k], f"{tag}_best": m[k, best[k]], f"{tag}_best_lr": MLP_LRS[best[k]]})
    for name, r in b.items():
        out.update({f"bl_{name}_gap": pretty(r["gap"][0]), f"bl_{name}_gap_clipped": pretty(r["gap"][1])})
        out.update({f"bl_{name}_lr": r["lr"][0], f"bl_{name}_lr_clipped": r["lr"][1]})
    return out


def _product_readout(alpha) -> str:
    sharp, f = product_end(alpha)
    if not np.isfinite(f):
        return f"2/α = {2 / alpha:.2f}: no minimum is that flat (the flattest has sharpness 2), and the run diverges"
    flow = float(PRODUCT.flow_sharpness(PRODUCT.x0))
    return f"after {PG_STEPS} steps: sharpness {sharp:.2f}, 2/α = {2 / alpha:.2f} (gradient flow stops at {flow:.2f})"


@register("curvature")
def playground() -> Playground:
    return Playground(
        "curvature",
        PRODUCT,
        {"GD": lambda alpha: GD(alpha)},
        [Slider("alpha", PG_LRS, 0.4, label="α (learning rate)", fmt="g")],
        steps=PG_STEPS,
        readout=_product_readout,
        caption="Gradient descent on f = (w₁w₂ − 1)²/2 from (2, 0.6): every point of the hyperbola w₁w₂ = 1 is a "
        "minimum, with sharpness w₁² + w₂². A larger α cannot stop at a sharp one.",
    )
