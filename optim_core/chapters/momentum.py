"""Chapter "Momentum": the experiments behind its numbers, and its playground.

The theory is stated for the form torch.optim.SGD uses (v_t = beta v_{t-1} + dw_t, w_t = w_{t-1} - lr v_t);
the article's EMA form is the same method with lr_ema = lr_torch / (1 - beta).

On a quadratic, each eigen-direction with curvature lam evolves on its own, and its distance to the
minimum shrinks per step by the largest root (in modulus) of

    heavy ball:  z^2 - (1 + beta - lr lam) z + beta                    (Polyak 1964)
    Nesterov:    z^2 - (1 + beta)(1 - lr lam) z + beta (1 - lr lam)

(beta = 0 gives gradient descent's factor 1 - lr lam). `rate` below is the largest such root over the
curvatures; every other formula here follows from it.
"""

from __future__ import annotations

import dataclasses

import matplotlib as mpl
import numpy as np

from optim_core import GD, Momentum, plots, run
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Quadratic, Rosenbrock
from optim_core.tables import markdown_table

KAPPA = 100.0  # the chapter's ravine: f = (0.04 w1^2 + 4 w2^2) / 2
LR = 0.45  # torch-form learning rate used for the pictures (GD's best is 2 / (L + mu) = 0.495)
BETA = 0.9
TOL = 1e-6  # "converged": the distance to the minimum has shrunk by this factor for good
TOL_TEX = r"$10^{-6}$"


def ravine(kappa: float = KAPPA) -> Quadratic:
    """The axis-aligned ravine with curvatures mu = 4 / kappa and L = 4 (start (-4.5, 1))."""
    return Quadratic.from_condition(kappa)


# ----- the two forms -------------------------------------------------------------------------------------


def ema_lr(lr, beta):
    """The article's (EMA-form) learning rate that takes the same steps as torch's lr: lr / (1 - beta)."""
    return np.asarray(lr) / (1.0 - np.asarray(beta))


def form_gap(problem=None, lr: float = LR, beta: float = BETA, steps: int = 300) -> float:
    """Largest |difference| of any coordinate between the torch form at lr and the EMA form at lr / (1 - beta)."""
    problem = problem or ravine()
    torch_form = run(Momentum(lr, beta, ema=False), problem, steps=steps)
    ema_form = run(Momentum(float(ema_lr(lr, beta)), beta, ema=True), problem, steps=steps)
    return float(np.max(np.abs(torch_form.params - ema_form.params)))


def first_steps(problem=None, lr: float = LR, beta: float = BETA, steps: int = 3) -> list[dict]:
    """The first steps of both forms by hand: dw_t, both velocities and the (shared) w_t."""
    problem = problem or ravine()
    torch_opt, ema_opt = Momentum(lr, beta, ema=False), Momentum(float(ema_lr(lr, beta)), beta)
    w_torch = w_ema = np.asarray(problem.x0, dtype=np.float64)
    s_torch, s_ema = torch_opt.init(w_torch), ema_opt.init(w_ema)
    rows = []
    for t in range(1, steps + 1):
        dw = problem.grad(w_torch)
        w_torch, s_torch = torch_opt.update(w_torch, dw, s_torch)
        w_ema, s_ema = ema_opt.update(w_ema, problem.grad(w_ema), s_ema)
        rows.append({"t": t, "dw": dw, "v_ema": s_ema.velocity, "v_torch": s_torch.velocity, "w": w_torch})
    return rows


def _vec(x) -> str:
    return "(" + ", ".join(f"{c:.4g}" for c in x) + ")"


def first_steps_markdown(rows) -> str:
    """first_steps' rows as a Markdown table."""
    header = ["$t$", "$dw_t$", "$v_t$, EMA form", "$v_t$, torch form", "$w_t$ (both forms)"]
    cells = [[r["t"], *(_vec(r[key]) for key in ("dw", "v_ema", "v_torch", "w"))] for r in rows]
    return markdown_table(header, cells, align="rrrrr")


# ----- what the velocity remembers ----------------------------------------------------------------------


def velocities(opt, grads) -> np.ndarray:
    """The velocity v_1 .. v_T that `opt` builds from a given sequence of gradients (shape (T, ...))."""
    grads = np.asarray(grads, dtype=np.float64)
    w = np.zeros(grads.shape[1:])
    state = opt.init(w)
    out = np.empty_like(grads)
    for t, g in enumerate(grads):
        w, state = opt.update(w, g, state)
        out[t] = state.velocity
    return out


def constant_and_alternating(beta: float = BETA, steps: int = 40) -> dict:
    """Torch-form velocities fed g_t = 1 (consistent) and g_t = (-1)^(t+1) (oscillating)."""
    signs = np.where(np.arange(steps) % 2 == 0, 1.0, -1.0)
    grads = np.stack([np.ones(steps), signs], axis=-1)
    v = velocities(Momentum(1.0, beta, ema=False), grads)
    return {"constant": v[:, 0], "alternating": v[:, 1]}


def terminal_velocity(beta, alternating: bool = False):
    """The limit of |v_t| (torch form) for a unit gradient: 1 / (1 - beta), or 1 / (1 + beta) if it alternates."""
    beta = np.asarray(beta, dtype=np.float64)
    return 1.0 / (1.0 + beta) if alternating else 1.0 / (1.0 - beta)


def ema_gain(beta, theta):
    """Long-run amplitude of the EMA of cos(theta t): (1 - beta) / |1 - beta e^(-i theta)|.

    It is 1 at theta = 0 (a constant input) and (1 - beta) / (1 + beta) at theta = pi (a sign flip every step).
    """
    return (1.0 - beta) / np.abs(1.0 - beta * np.exp(-1j * np.asarray(theta, dtype=np.float64)))


def steep_angle(problem=None, lr: float = LR, beta: float = BETA) -> float:
    """The angle (radians per step) of the heavy ball's complex roots along the steepest direction."""
    problem = problem or ravine()
    return float(np.arccos((1 + beta - lr * problem.L) / (2 * np.sqrt(beta))))


def gradients_and_velocities(problem=None, lr: float = LR, beta: float = BETA, steps: int = 40):
    """Along a Momentum run (EMA form at lr / (1 - beta)): the gradients dw_t and velocities v_t, shape (steps, 2)."""
    problem = problem or ravine()
    opt = Momentum(float(ema_lr(lr, beta)), beta)
    w = np.asarray(problem.x0, dtype=np.float64)
    state = opt.init(w)
    grads, vels = [], []
    for _ in range(steps):
        g = problem.grad(w)
        w, state = opt.update(w, g, state)
        grads.append(g)
        vels.append(state.velocity)
    return np.array(grads), np.array(vels)


def cancellation_ratio(problem=None, lr: float = LR, beta: float = BETA, steps: int = 40) -> np.ndarray:
    """Per coordinate, sum |v_t| / sum |dw_t| along the run: near 1 if dw is consistent, small if it oscillates."""
    grads, vels = gradients_and_velocities(problem, lr, beta, steps)
    return np.abs(vels).sum(axis=0) / np.abs(grads).sum(axis=0)


def velocity_figure(beta: float = BETA, steps: int = 40):
    """Left: the velocity under a constant and an alternating gradient. Right two: dw_t and v_t on the ravine."""
    fig, (a, b, c) = plots.figure(ncols=3, width=3.6, height=3.2)
    runs = constant_and_alternating(beta, steps)
    t = np.arange(1, steps + 1)
    blue, light = plots.color_of("Momentum"), "#9a9a9a"
    with mpl.rc_context(plots.STYLE):
        a.plot(t, runs["constant"], color=blue, label="$g_t = 1$")
        a.plot(t, runs["alternating"], color="#6baed6", label="$g_t = \\pm 1$")
        for level, text in (
            (terminal_velocity(beta), r"$1/(1-\beta)$"),
            (terminal_velocity(beta, True), r"$1/(1+\beta)$"),
        ):
            a.axhline(level, color="black", linestyle="--", linewidth=0.8)
            a.text(steps, level, text, ha="right", va="bottom", fontsize=9)
        a.set(xlabel="step $t$", ylabel="$v_t$ (torch form)", title=f"β = {beta}: unit gradients", ylim=(-1.2, 11.5))
        a.legend(loc="center right")
        grads, vels = gradients_and_velocities(beta=beta, steps=steps)
        for ax, k, name in ((b, 0, "ravine, shallow coordinate $w_1$"), (c, 1, "ravine, steep coordinate $w_2$")):
            ax.axhline(0, color="black", linewidth=0.6)
            ax.plot(t, grads[:, k], color=light, marker="o", markersize=2, linewidth=1.0, label="gradient $dw_t$")
            ax.plot(t, vels[:, k], color=blue, label="Momentum $v_t$ (EMA form)")
            ax.set(xlabel="step $t$", title=name)
            ax.legend(loc="lower right" if k == 0 else "upper right")
    return fig


# ----- theory on a quadratic ------------------------------------------------------------------------------


def rate(lr, beta, curvatures, nesterov: bool = False) -> np.ndarray:
    """Asymptotic factor per step by which the distance shrinks on a quadratic: the largest |root| over curvatures.

    Works on arrays (lr and beta broadcast against each other; `curvatures` is a sequence of numbers).
    A value >= 1 means the run does not converge.
    """
    lr, beta = np.asarray(lr, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    worst = np.zeros(np.broadcast_shapes(lr.shape, beta.shape))
    for lam in np.atleast_1d(np.asarray(curvatures, dtype=np.float64)):
        h = lr * lam
        b, c = ((1 + beta) * (1 - h), beta * (1 - h)) if nesterov else (1 + beta - h, beta)
        root = np.sqrt((b * b - 4 * c).astype(np.complex128))
        worst = np.maximum(worst, np.maximum(np.abs((b + root) / 2), np.abs((b - root) / 2)))
    return worst


def gd_best(mu, L) -> tuple:
    """GD's best learning rate 2 / (L + mu) and its rate (kappa - 1) / (kappa + 1)."""
    kappa = np.asarray(L) / np.asarray(mu)
    return 2.0 / (np.asarray(L) + np.asarray(mu)), (kappa - 1) / (kappa + 1)


def heavy_ball_best(mu, L) -> tuple:
    """Polyak's optimum (torch form): lr 4 / (sqrt L + sqrt mu)^2, beta r^2, rate r = (sqrt k - 1) / (sqrt k + 1)."""
    sq_mu, sq_L = np.sqrt(mu), np.sqrt(L)
    r = (sq_L - sq_mu) / (sq_L + sq_mu)  # = (sqrt(kappa) - 1) / (sqrt(kappa) + 1)
    return 4.0 / (sq_L + sq_mu) ** 2, r**2, r


def stability_limit(L, beta, nesterov: bool = False):
    """The largest stable torch-form lr on a quadratic whose top curvature is L: 2 (1 + beta) / L (heavy ball),
    2 (1 + beta) / ((1 + 2 beta) L) (Nesterov); beta = 0 gives GD's 2 / L."""
    beta = np.asarray(beta, dtype=np.float64)
    return 2 * (1 + beta) / ((1 + 2 * beta) if nesterov else 1.0) / L


def kappa_for_beta(beta):
    """The condition number for which beta is Polyak's optimal beta: ((1 + sqrt beta) / (1 - sqrt beta))^2."""
    s = np.sqrt(np.asarray(beta, dtype=np.float64))
    return ((1 + s) / (1 - s)) ** 2


def flat_rate_window(mu, L, beta) -> tuple:
    """The torch-form lr interval over which every direction oscillates and the rate is exactly sqrt(beta):
    [(1 - sqrt beta)^2 / mu, (1 + sqrt beta)^2 / L] (empty when beta < beta*)."""
    s = np.sqrt(beta)
    return (1 - s) ** 2 / mu, (1 + s) ** 2 / L


def iterations_predicted(r, tol: float = TOL):
    """Steps for a factor-r-per-step contraction to shrink a distance by tol: log(tol) / log(r)."""
    return np.log(tol) / np.log(np.asarray(r, dtype=np.float64))


# ----- measuring runs ----------------------------------------------------------------------------------------


def distance(traj, problem) -> np.ndarray:
    """||w_t - w*|| for every step (and batch element); NaN once a run diverged.

    Scaled by the largest coordinate first, so that distances far below 1e-154 (whose squares would
    underflow) stay exact: the late-time rates are fitted down to 1e-200.
    """
    diff = traj.params - problem.minimum
    scale = np.max(np.abs(diff), axis=-1, keepdims=True)
    unit = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return scale[..., 0] * np.linalg.norm(unit, axis=-1)


def steps_to_tolerance(dist: np.ndarray, tol: float = TOL) -> np.ndarray:
    """The first step from which the distance stays <= tol x its start; len(dist) if never (or diverged).

    dist has the steps on axis 0 (any batch shape after it)."""
    with np.errstate(invalid="ignore"):
        bad = ~(dist <= tol * dist[0])
    steps = dist.shape[0]
    last_bad = steps - 1 - np.argmax(bad[::-1], axis=0)
    return np.where(bad.any(axis=0), last_bad + 1, 0)


def fitted_rate(dist: np.ndarray, floor: float = 1e-200) -> float:
    """The late-time rate: exp(slope) of a least-squares line through log distance over the second half of
    the steps at which the distance is still above floor x its start (and finite)."""
    dist = np.asarray(dist, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        alive = np.flatnonzero(np.isfinite(dist) & (dist > floor * dist[0]))
    last = int(alive.max())
    t = np.arange(last // 2, last + 1)
    slope = np.polyfit(t, np.log(dist[t]), 1)[0]
    return float(np.exp(slope))


@dataclasses.dataclass(frozen=True, eq=False)
class Ravines:
    """Many axis-aligned ravines at once, f = (mu w1^2 + L w2^2) / 2 with mu = L / kappa, one per batch element.

    `kappas` may have any shape; the params of a run then have shape (*kappas.shape, 2), so one batched
    `run` covers every condition number (and any hyperparameter grid that broadcasts against it).
    """

    kappas: np.ndarray
    L: float = 4.0
    minimum = np.zeros(2)
    f_min = 0.0

    @property
    def curvatures(self) -> np.ndarray:
        k = np.asarray(self.kappas, dtype=np.float64)
        return np.stack([self.L / k, np.full(k.shape, self.L)], axis=-1)

    @property
    def x0(self) -> np.ndarray:
        return np.broadcast_to(Quadratic.x0, self.curvatures.shape)

    def grad(self, x):
        return self.curvatures * np.asarray(x, dtype=np.float64)

    def f(self, x):
        x = np.asarray(x, dtype=np.float64)
        return 0.5 * np.sum(self.curvatures * x * x, axis=-1)


# ----- M3: faster, and larger learning rates ---------------------------------------------------------------


def gd_and_momentum(problem=None, lr: float = LR, beta: float = BETA, steps: int = 100) -> dict:
    """Label -> Trajectory of GD and Momentum (torch form) at the same lr."""
    problem = problem or ravine()
    return {
        "GD": run(GD(lr), problem, steps=steps),
        "Momentum": run(Momentum(lr, beta, ema=False), problem, steps=steps),
    }


def compare_steps(kappa: float = KAPPA, beta: float = BETA, lrs=None, steps: int = 1000) -> dict:
    """Steps to TOL on the ravine: GD at LR and at its best lr, Momentum (beta) at LR and at its best grid lr,
    and the optimal heavy ball."""
    problem = ravine(kappa)
    lrs = np.geomspace(0.01, 1.0, 41) if lrs is None else lrs
    mu, L = problem.mu, problem.L
    gd_lr, _ = gd_best(mu, L)
    hb_lr, hb_beta, _ = heavy_ball_best(mu, L)

    def count(opt):
        return int(steps_to_tolerance(distance(run(opt, problem, steps=steps), problem)))

    swept = steps_to_tolerance(distance(run(Momentum(lrs[:, None], beta, ema=False), problem, steps=steps), problem))
    return {
        "gd_at_lr": count(GD(LR)),
        "gd_best": count(GD(gd_lr)),
        "momentum_at_lr": count(Momentum(LR, beta, ema=False)),
        "momentum_best": int(swept.min()),
        "momentum_best_lr": float(lrs[np.argmin(swept)]),
        "heavy_ball_optimal": count(Momentum(hb_lr, hb_beta, ema=False)),
    }


def gd_diverges_at(lr: float = LR, beta: float = BETA, steps: int = 100):
    """The step at which GD diverges on the ravine when given Momentum's long-run step lr / (1 - beta)."""
    return run(GD(float(ema_lr(lr, beta))), ravine(), steps=steps).diverged_at


def lr_sweep(problem=None, lrs=None, beta: float = BETA, steps: int = 3000) -> dict:
    """One batched run per method over a grid of lr: steps to TOL (steps if never) and whether each run converged."""
    problem = problem or ravine()
    lrs = np.linspace(0.02, 1.2, 60) if lrs is None else np.asarray(lrs, dtype=np.float64)
    out = {"lr": lrs}
    for label, opt in (("GD", GD(lrs[:, None])), ("Momentum", Momentum(lrs[:, None], beta, ema=False))):
        d = distance(run(opt, problem, steps=steps), problem)
        n = steps_to_tolerance(d)
        out[label] = {"steps": n, "converged": n < d.shape[0]}
    return out


def largest_converging(sweep: dict, label: str) -> float:
    """The largest lr on the sweep's grid whose run reached TOL."""
    return float(sweep["lr"][sweep[label]["converged"]].max())


def limit_runs(problem=None, beta: float = BETA, margin: float = 1e-3, steps: int = 3000) -> dict:
    """Momentum (torch form) at 2 (1 + beta) / L x (1 -+ margin): final distance / start distance, and divergence."""
    problem = problem or ravine()
    limit = float(stability_limit(problem.L, beta))
    out = {}
    for name, lr in (("below", limit * (1 - margin)), ("above", limit * (1 + margin))):
        traj = run(Momentum(lr, beta, ema=False), problem, steps=steps)
        d = distance(traj, problem)
        out[name] = {"lr": lr, "diverged_at": traj.diverged_at, "final": float(d[-1] / d[0])}
    return out


def _mark_never(ax, x, y_top, color):
    """An x at height y_top for each lr in x whose run never reached TOL."""
    if len(x):
        ax.plot(x, np.full(len(x), y_top), "x", color=color, markersize=5, linestyle="none")


def lr_sweep_figure(sweep: dict, problem, beta: float = BETA, steps: int = 3000):
    """Steps to TOL against lr for GD and Momentum, with both theoretical limits; x marks runs that never got there."""
    fig, ax = plots.figure(width=7.0, height=3.6)
    lrs, L = sweep["lr"], problem.L
    with mpl.rc_context(plots.STYLE):
        for label in ("GD", "Momentum"):
            color = plots.color_of(label)
            ok = sweep[label]["converged"]
            ax.plot(lrs[ok], sweep[label]["steps"][ok], "o-", color=color, markersize=3, label=label)
            _mark_never(ax, lrs[~ok], steps * (1.25 if label == "GD" else 1.6), color)
        for lim, text, label in (
            (2 / L, "$2/L$", "GD"),
            (float(stability_limit(L, beta)), r"$2(1+\beta)/L$", "Momentum"),
        ):
            ax.axvline(lim, color=plots.color_of(label), linestyle="--", linewidth=1.0)
            ax.text(lim, 12, " " + text, color=plots.color_of(label), fontsize=9, ha="left")
        ax.set_yscale("log")
        ax.set(
            xlabel=r"learning rate $\alpha$ (torch form)",
            ylabel=f"steps to reach {TOL_TEX} of the start distance",
            title=f"{problem.name} κ = {problem.kappa:g}, β = {beta}; x: not converged in {steps} steps",
            ylim=(10, steps * 2.2),
        )
        ax.legend(loc="lower left")
    return fig


# ----- M4: the choice of beta -------------------------------------------------------------------------------

SWEEP_KAPPAS = (10.0, 100.0, 1000.0)
SWEEP_BETAS = tuple(np.round(np.linspace(0.0, 0.99, 34), 4))
SWEEP_LRS = tuple(np.geomspace(0.01, 1.0, 31))


def beta_sweep(kappas=SWEEP_KAPPAS, betas=SWEEP_BETAS, lrs=SWEEP_LRS, steps: int = 1500) -> dict:
    """Steps to TOL over a (kappa, beta, lr) grid, one batched run; `steps` where a run never got there."""
    kappas, betas, lrs = (np.asarray(x, dtype=np.float64) for x in (kappas, betas, lrs))
    problem = Ravines(kappas[:, None, None])
    opt = Momentum(lrs[None, None, :, None], betas[None, :, None, None], ema=False)
    n = steps_to_tolerance(distance(run(opt, problem, problem.x0, steps=steps), problem))
    return {"kappa": kappas, "beta": betas, "lr": lrs, "steps": n, "cap": steps}


def best_over_lr(sweep: dict) -> np.ndarray:
    """For each (kappa, beta): the fewest steps over the lr grid."""
    return sweep["steps"].min(axis=-1)


def good_beta_range(sweep: dict, kappa: float, factor: float = 2.0) -> tuple:
    """The smallest and largest beta whose best step count is within `factor` of the best beta's, at this kappa."""
    row = best_over_lr(sweep)[list(sweep["kappa"]).index(kappa)]
    good = sweep["beta"][row <= factor * row.min()]
    return float(good.min()), float(good.max())


def first_converging_beta(sweep: dict, kappa: float) -> float:
    """The smallest beta on the grid for which some lr reaches TOL within the step budget, at this kappa."""
    row = best_over_lr(sweep)[list(sweep["kappa"]).index(kappa)]
    return float(sweep["beta"][np.argmax(row < sweep["cap"])])


def steps_at_beta(sweep: dict, beta: float) -> np.ndarray:
    """Best-over-lr step count at the grid beta nearest to `beta`, for every kappa."""
    return best_over_lr(sweep)[:, int(np.argmin(np.abs(sweep["beta"] - beta)))]


def lr_window_at(sweep: dict, kappa: float, beta: float, factor: float = 1.1) -> tuple:
    """The lr grid values within `factor` of the best step count at this (kappa, beta)."""
    row = sweep["steps"][list(sweep["kappa"]).index(kappa), int(np.argmin(np.abs(sweep["beta"] - beta)))]
    good = sweep["lr"][row <= factor * row.min()]
    return float(good.min()), float(good.max())


def beta_sweep_figure(sweep: dict, heat_kappa: float = KAPPA):
    """Left: best steps over lr against beta, per kappa. Right: steps over (beta, lr) at one kappa."""
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.8)
    cap = sweep["cap"]
    colors = [mpl.colormaps["plasma"](x) for x in np.linspace(0.1, 0.75, len(sweep["kappa"]))]  # not optimizer colors
    with mpl.rc_context(plots.STYLE):
        for k, (kappa, color) in enumerate(zip(sweep["kappa"], colors, strict=False)):
            row = best_over_lr(sweep)[k].astype(float)
            row[row >= cap] = np.nan
            a.semilogy(sweep["beta"], row, color=color, label=f"κ = {kappa:g}")
            _, beta_star, _ = heavy_ball_best(4.0 / kappa, 4.0)
            a.axvline(beta_star, color=color, linestyle=":", linewidth=1.0)
        a.axvline(BETA, color="black", linestyle="--", linewidth=1.0)
        a.text(BETA, 12, f"β = {BETA} ", ha="right", va="bottom", fontsize=9)
        a.set(
            xlabel=r"$\beta$",
            ylabel=f"steps to {TOL_TEX} (best α on the grid)",
            ylim=(10, 4 * cap),
            title="best α for each β; dotted: Polyak's β*",
        )
        a.legend(loc="upper center", ncols=3, fontsize=8)
        k = list(sweep["kappa"]).index(heat_kappa)
        grid = sweep["steps"][k].astype(float)
        grid[grid >= cap] = np.nan
        cmap = mpl.colormaps["viridis_r"].with_extremes(bad="#dddddd")
        mesh = b.pcolormesh(
            sweep["beta"], sweep["lr"], grid.T, cmap=cmap, norm=mpl.colors.LogNorm(vmin=50, vmax=cap), shading="nearest"
        )
        fig.colorbar(mesh, ax=b, label="steps to tolerance")
        betas = np.linspace(0, 0.99, 200)
        mu, L = 4.0 / heat_kappa, 4.0
        b.plot(betas, stability_limit(L, betas), color="black", linewidth=1.0, label=r"$2(1+\beta)/L$")
        lo, hi = flat_rate_window(mu, L, betas)
        flat = lo <= hi
        b.plot(
            betas[flat], lo[flat], color="white", linestyle="--", linewidth=1.0, label=r"rate $=\sqrt{\beta}$ inside"
        )
        b.plot(betas[flat], hi[flat], color="white", linestyle="--", linewidth=1.0)
        b.set_yscale("log")
        b.set(
            xlabel=r"$\beta$",
            ylabel=r"$\alpha$ (torch form)",
            ylim=(sweep["lr"][0], sweep["lr"][-1]),
            xlim=(0, 0.99),
            title=f"κ = {heat_kappa:g}; gray: not converged",
        )
        b.legend(loc="lower left", fontsize=8, facecolor="#bbbbbb")
    return fig


# ----- the quadratic theory: rates and iterations against kappa ---------------------------------------------

SCALING_KAPPAS = tuple(np.geomspace(10.0, 1000.0, 9))


def kappa_scaling(kappas=SCALING_KAPPAS, steps: int = 7000) -> dict:
    """GD at 2/(L+mu) and the heavy ball at Polyak's optimum on ravines of each kappa: predicted and measured
    rates, and steps to TOL.

    Both methods run in one batched call, GD as the torch form with beta = 0 (v_t = dw_t exactly, so the
    steps are GD's to the last bit); axis 0 of the batch is the method, axis 1 the kappa.
    """
    kappas = np.asarray(kappas, dtype=np.float64)
    problem = Ravines(kappas)
    mu, L = problem.curvatures[:, 0], problem.curvatures[:, 1]
    gd_lr, gd_rate = gd_best(mu, L)
    hb_lr, hb_beta, hb_rate = heavy_ball_best(mu, L)
    opt = Momentum(
        np.stack([gd_lr, hb_lr])[..., None], np.stack([np.zeros_like(hb_beta), hb_beta])[..., None], ema=False
    )
    d = distance(run(opt, problem, np.broadcast_to(problem.x0, (2, *problem.x0.shape)), steps=steps), problem)
    out = {"kappa": kappas, "hb_lr": hb_lr, "hb_beta": hb_beta}
    for m, (label, predicted) in enumerate((("GD", gd_rate), ("Momentum", hb_rate))):
        out[label] = {
            "predicted": predicted,
            "measured": np.array([fitted_rate(d[:, m, k]) for k in range(len(kappas))]),
            "steps": steps_to_tolerance(d[:, m]),
        }
    return out


def scaling_exponent(scaling: dict, label: str) -> float:
    """The slope of log(steps to TOL) against log(kappa)."""
    return float(np.polyfit(np.log(scaling["kappa"]), np.log(scaling[label]["steps"]), 1)[0])


def rates_markdown(scaling: dict, every: int = 2) -> str:
    """A table of Polyak's parameters and, for Momentum then GD, the predicted rate, the fitted rate and the steps
    to TOL, for every `every`-th kappa."""
    header = [
        "$\\kappa$",
        "$\\alpha^\\star$",
        "$\\beta^\\star$",
        "rate",
        "fitted",
        "steps",
        "GD rate",
        "fitted",
        "steps",
    ]
    mom, gd = scaling["Momentum"], scaling["GD"]
    cells = [
        [
            f"{scaling['kappa'][k]:.0f}",
            f"{scaling['hb_lr'][k]:.3f}",
            f"{scaling['hb_beta'][k]:.3f}",
            *(f"{x:.4f}" for x in (mom["predicted"][k], mom["measured"][k])),
            mom["steps"][k],
            *(f"{x:.4f}" for x in (gd["predicted"][k], gd["measured"][k])),
            gd["steps"][k],
        ]
        for k in range(0, len(scaling["kappa"]), every)
    ]
    return markdown_table(header, cells, align="r" * 9)


def scaling_figure(scaling: dict):
    """Steps to TOL against kappa (log-log) for GD and the optimal heavy ball, with the predicted counts."""
    fig, ax = plots.figure(width=6.0, height=3.8)
    kappas = scaling["kappa"]
    dense = np.geomspace(kappas[0], kappas[-1], 100)
    mu, L = 4.0 / dense, 4.0
    with mpl.rc_context(plots.STYLE):
        for label, predicted in (("GD", gd_best(mu, L)[1]), ("Momentum", heavy_ball_best(mu, L)[2])):
            color = plots.color_of(label)
            slope = scaling_exponent(scaling, label)
            ax.loglog(kappas, scaling[label]["steps"], "o", color=color, label=f"{label}: measured (slope {slope:.2f})")
            ax.loglog(
                dense,
                iterations_predicted(predicted),
                "--",
                color=color,
                linewidth=1.0,
                label=f"{label}: log(tol) / log(rate)",
            )
        ax.set(
            xlabel=r"condition number $\kappa = L/\mu$",
            ylabel=f"steps to reach {TOL_TEX} of the start distance",
            title="each method at its best constant α (and β)",
        )
        ax.legend(loc="upper left")
    return fig


# ----- Nesterov -----------------------------------------------------------------------------------------------

NESTEROV_LR = {"ravine": 0.3, "rosenbrock": 1e-3}


def nesterov_runs(problem, lr: float, beta: float = BETA, steps: int = 300) -> dict:
    """Label -> Trajectory for heavy-ball Momentum and Nesterov (torch forms) at the same lr and beta."""
    return {
        "Momentum": run(Momentum(lr, beta, ema=False), problem, steps=steps),
        "Nesterov": run(Momentum(lr, beta, ema=False, nesterov=True), problem, steps=steps),
    }


def nesterov_steps(problem, lr: float, beta: float = BETA, steps: int = 1000, tol: float = TOL) -> dict:
    """Steps to tol for both methods at the same lr and beta."""
    return {
        k: int(steps_to_tolerance(distance(t, problem), tol))
        for k, t in nesterov_runs(problem, lr, beta, steps).items()
    }


NESTEROV_SHOWN = {"ravine": (60, 300), "rosenbrock": (400, 2000)}  # steps drawn: (path, distance)


def nesterov_figure(beta: float = BETA):
    """Trajectories and distance to the minimum of Momentum and Nesterov on the ravine and on Rosenbrock."""
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.6, height=3.4)
    for row, problem in enumerate((ravine(), Rosenbrock())):
        lr = NESTEROV_LR[problem.name]
        shown, steps = NESTEROV_SHOWN[problem.name]
        runs = nesterov_runs(problem, lr, beta, steps)
        plots.trajectories(problem, {k: t.params[: shown + 1] for k, t in runs.items()}, ax=axes[2 * row])
        axes[2 * row].set_title(f"{problem.name}, α = {lr:g}, β = {beta}: first {shown} steps")
        ax = axes[2 * row + 1]
        with mpl.rc_context(plots.STYLE):
            for label, traj in runs.items():
                ax.semilogy(distance(traj, problem), color=plots.color_of(label), label=label)
            ax.set(xlabel="step $t$", ylabel=r"$\|w_t - w^\star\|$", title=f"{problem.name}: distance to the minimum")
            ax.legend(loc="upper right")
    return fig


def rosenbrock_numbers(
    lr: float = 1e-3, larger: float = 1.2e-3, beta: float = BETA, steps: int = 2000, tol: float = 1e-3
) -> dict:
    """On Rosenbrock: steps to tol for both methods at lr; at `larger`, where each diverges (None if never)
    and its final distance relative to the start (NaN if it diverged)."""
    problem = Rosenbrock()
    at_larger = nesterov_runs(problem, larger, beta, steps)
    final = {}
    for k, t in at_larger.items():
        d = distance(t, problem)
        final[k] = float(d[-1] / d[0])
    return {
        "steps": nesterov_steps(problem, lr, beta, steps, tol),
        "diverged_at_larger": {k: t.diverged_at for k, t in at_larger.items()},
        "final_at_larger": final,
    }


def nesterov_largest_stable(problem=None, beta: float = BETA, lrs=None, steps: int = 1500) -> float:
    """Largest lr on a fine grid for which Nesterov (torch form) reaches TOL on the ravine."""
    problem = problem or ravine()
    lrs = np.linspace(0.01, 1.0, 100) if lrs is None else np.asarray(lrs)
    d = distance(run(Momentum(lrs[:, None], beta, ema=False, nesterov=True), problem, steps=steps), problem)
    return float(lrs[steps_to_tolerance(d) < d.shape[0]].max())


# ----- the playground -------------------------------------------------------------------------------------------

PLAYGROUND_KAPPAS = (10.0, 100.0, 1000.0)
PLAYGROUND_BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)


def readout(lr, beta, kappa) -> str:
    """Polyak's optimum for this kappa and the predicted rates at the sliders' lr and beta."""
    mu, L = 4.0 / kappa, 4.0
    hb_lr, hb_beta, hb_rate = heavy_ball_best(mu, L)
    _, gd_rate = gd_best(mu, L)

    def shown(r):
        r = float(r)
        return f"{r:.3f}" if r < 1 else "≥ 1 (diverges)"

    return (
        f"κ = {kappa:g}: best heavy ball α* = {hb_lr:.3f}, β* = {hb_beta:.3f}, rate {hb_rate:.3f} per step "
        f"(best GD rate {gd_rate:.3f}). At these sliders the predicted rates are "
        f"GD {shown(rate(lr, 0.0, (mu, L)))}, Momentum {shown(rate(lr, beta, (mu, L)))}."
    )


@register("momentum")
def playground() -> Playground:
    return Playground(
        "momentum",
        lambda kappa: Quadratic.from_condition(kappa),
        {"GD": lambda lr: GD(lr), "Momentum": lambda lr, beta: Momentum(lr, beta, ema=False)},
        [
            Slider.log("lr", 0.02, 1.28, 13, 0.453, label="α (torch form)"),
            Slider("beta", PLAYGROUND_BETAS, BETA, label="β"),
            Slider("kappa", PLAYGROUND_KAPPAS, KAPPA, label="κ", fmt=".0f"),
            Slider("steps", (10, 25, 50, 100), 100, label="steps", fmt=".0f"),
        ],
        steps=100,
        readout=readout,
        caption="GD and Momentum (torch form, v = βv + dw) on the ravine f = (μw₁² + Lw₂²)/2 with L = 4, μ = L/κ",
    )


# ----- the numbers the prose quotes, one dict per section (the notebook glues them as mom_<name>) -----------


def _plain(numbers: dict) -> dict:
    """The same dict with numpy scalars turned into Python ints and floats (glue prints Python numbers)."""
    return {k: (int(v) if isinstance(v, (int, np.integer)) else float(v)) for k, v in numbers.items()}


def setup_numbers(problem=None) -> dict:
    """The chapter's settings: the ravine, the learning rate and beta of the pictures, the tolerance."""
    problem = problem or ravine()
    return _plain(
        {"kappa": problem.kappa, "mu": problem.mu, "L": problem.L, "lr": LR, "beta": BETA, "tol_factor": 1 / TOL}
    )


def form_numbers(problem=None, steps: int = 300) -> dict:
    """The two forms: the EMA-form lr, the largest gap between the runs, and the conversion factors."""
    problem = problem or ravine()
    return _plain(
        {
            "ema_lr": ema_lr(LR, BETA),
            "form_steps": steps,
            "form_gap": form_gap(problem, steps=steps),
            "factor": 1 / (1 - BETA),
            "factor99": 1 / (1 - 0.99),
        }
    )


def velocity_numbers(problem=None, beta: float = BETA, steps: int = 40) -> dict:
    """Cancel and accumulate: terminal velocities, the ratios |v| / |dw| on the ravine, GD at lr / (1 - beta)."""
    problem = problem or ravine()
    unit = constant_and_alternating(beta, steps)
    shallow, steep = cancellation_ratio(problem, LR, beta, steps)
    return _plain(
        {
            "vconst": terminal_velocity(beta),
            "valt": terminal_velocity(beta, alternating=True),
            "vratio": terminal_velocity(beta) / terminal_velocity(beta, alternating=True),
            "vconst_end": unit["constant"][-1],
            "ratio_shallow": shallow,
            "ratio_steep": steep,
            "gd_div": gd_diverges_at(LR, beta),
            "gd_div_factor": ema_lr(LR, beta) / (2 / problem.L),
            "swing": rate(LR, beta, [problem.L]),
            "gd_swing": rate(LR, 0.0, [problem.L]),
        }
    )


def speed_numbers(problem=None, beta: float = BETA) -> dict:
    """Steps to TOL for GD and Momentum (compare_steps), the speed-ups, and both optimal parameter sets."""
    problem = problem or ravine()
    counts = compare_steps(problem.kappa, beta)
    astar, bstar, hb_rate = heavy_ball_best(problem.mu, problem.L)
    gd_lr, gd_rate = gd_best(problem.mu, problem.L)
    keys = ("gd_at_lr", "gd_best", "momentum_at_lr", "momentum_best", "heavy_ball_optimal")
    return _plain(
        {
            **{f"s_{k}": counts[k] for k in keys},
            "speedup09": counts["gd_best"] / counts["momentum_best"],
            "speedup_opt": counts["gd_best"] / counts["heavy_ball_optimal"],
            "astar": astar,
            "bstar": bstar,
            "hb_rate": hb_rate,
            "gd_best_lr": gd_lr,
            "gd_rate": gd_rate,
        }
    )


def limit_numbers(sweep: dict, problem=None, beta: float = BETA, margin: float = 1e-3, steps: int = 3000) -> dict:
    """The stability limits: predicted (both forms), found on the lr sweep, and the runs just below and above."""
    problem = problem or ravine()
    edge = limit_runs(problem, beta, margin, steps)
    return _plain(
        {
            "sweep_n": len(sweep["lr"]),
            "lim_gd": 2 / problem.L,
            "lim_mom": stability_limit(problem.L, beta),
            "lim_ema": ema_lr(stability_limit(problem.L, beta), beta),
            "big_gd": largest_converging(sweep, "GD"),
            "big_mom": largest_converging(sweep, "Momentum"),
            "edge_below": edge["below"]["final"],
            "edge_above": edge["above"]["diverged_at"],
        }
    )


def beta_numbers(sweep: dict, problem=None, beta: float = BETA) -> dict:
    """The beta sweep: steps at beta, the ranges within 2x of the best beta, the flat lr window, beta* for 1000."""
    problem = problem or ravine()
    out = {"bsweep_runs": sweep["steps"].size, "bsweep_cap": sweep["cap"], "kappa09": kappa_for_beta(beta)}
    for kappa, n in zip(sweep["kappa"], steps_at_beta(sweep, beta), strict=True):
        lo, hi = good_beta_range(sweep, kappa)
        out.update({f"b09_k{kappa:.0f}": n, f"brange_k{kappa:.0f}_lo": lo, f"brange_k{kappa:.0f}_hi": hi})
    out["window_lo"], out["window_hi"] = lr_window_at(sweep, problem.kappa, beta)
    out["window_th_lo"], out["window_th_hi"] = flat_rate_window(problem.mu, problem.L, beta)
    out["first_ok_k1000"] = first_converging_beta(sweep, 1000.0)
    out["best_k10"] = best_over_lr(sweep)[list(sweep["kappa"]).index(10.0)].min()
    out["bstar_k1000"] = heavy_ball_best(4.0 / 1000, 4.0)[1]
    return _plain(out)


def scaling_numbers(scaling: dict) -> dict:
    """The kappa sweep: worst relative error of the fitted Momentum rates, the log-log slopes, step ratios."""
    mom, gd = scaling["Momentum"], scaling["GD"]
    return _plain(
        {
            "rate_dev": np.max(np.abs(mom["measured"] / mom["predicted"] - 1)),
            "slope_gd": scaling_exponent(scaling, "GD"),
            "slope_hb": scaling_exponent(scaling, "Momentum"),
            "ratio_k1000": gd["steps"][-1] / mom["steps"][-1],
            "gd_growth": gd["steps"][-1] / gd["steps"][0],
        }
    )


def nesterov_numbers(problem=None, beta: float = BETA) -> dict:
    """Nesterov against the heavy ball: rates, step counts and stability limit on the ravine; Rosenbrock runs."""
    problem = problem or ravine()
    lr = NESTEROV_LR["ravine"]
    out = {
        "nest_lr": lr,
        "nest_limit": stability_limit(problem.L, beta, nesterov=True),
        "nest_big": nesterov_largest_stable(problem, beta),
    }
    for label, nesterov in (("hb", False), ("nag", True)):
        out[f"steep_{label}"] = rate(lr, beta, [problem.L], nesterov)
        out[f"rate_{label}"] = rate(lr, beta, [problem.mu, problem.L], nesterov)
    steps = nesterov_steps(problem, lr, beta)
    out.update({"nsteps_hb": steps["Momentum"], "nsteps_nag": steps["Nesterov"]})
    ros = rosenbrock_numbers(lr=NESTEROV_LR["rosenbrock"], larger=1.2e-3, beta=beta, tol=1e-3)
    out.update(
        {
            "ros_lr": NESTEROV_LR["rosenbrock"],
            "ros_larger": 1.2e-3,
            "ros_hb": ros["steps"]["Momentum"],
            "ros_nag": ros["steps"]["Nesterov"],
            "ros_div": ros["diverged_at_larger"]["Nesterov"],
        }
    )
    return _plain(out)


def exercise_numbers(problem=None) -> dict:
    """The numbers in the exercises' solutions."""
    problem = problem or ravine()
    theta = steep_angle(problem, LR, BETA)
    return _plain(
        {
            "ex1_09": ema_lr(0.1, 0.9),
            "ex1_099": ema_lr(0.1, 0.99),
            "ex2_torch": stability_limit(problem.L, 0.5),
            "ex2_ema": ema_lr(stability_limit(problem.L, 0.5), 0.5),
            "ex3_gd": iterations_predicted(gd_best(problem.L / 1e4, problem.L)[1]),
            "ex3_hb": iterations_predicted(heavy_ball_best(problem.L / 1e4, problem.L)[2]),
            "ex4_pi": ema_gain(BETA, np.pi),
            "ex4_theta": theta,
            "ex4_amp": ema_gain(BETA, theta),
        }
    )
