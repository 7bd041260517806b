"""Chapter 5, RMSProp: AdaGrad's division with a moving average instead of a sum, the effective
learning rate that rises again, a race against AdaGrad, and the choice of beta.

Every number the chapter states is computed by a function here and pinned by
tests/test_chapter_rmsprop.py. The sweeps, the grid of learning rates and the Beale start come from
chapter 4's module, so both chapters measure on the same footing.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.colors import to_rgb

from optim_core import AdaGrad, RMSProp, plots, run
from optim_core.chapters import adagrad as ag
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Beale

BETA = float(RMSProp.__dataclass_fields__["beta"].default)  # 0.99, torch.optim.RMSprop's default
RACE_STEPS = ag.BEALE_STEPS  # both methods are tuned for f - f* at this step
LONG_STEPS = 2 * ag.BEALE_STEPS  # ... and then run this long
RACE_TOL = 1e-3
BETAS = (0.0, 0.5, 0.9, 0.95, 0.99, 0.995, 0.999)  # the beta sweep
SHOWN_BETAS = (0.0, 0.9, 0.99)  # whose paths the beta figure draws
BETA_STEPS = 100
BETA_PROBLEM = ag.TILTED  # the ravine turned by 22.5 degrees: both coordinates see both curvatures


# ----- 1. the first steps ------------------------------------------------------------------------------
def first_steps(lr: float = 1.0, beta: float = BETA) -> dict:
    """AdaGrad's and RMSProp's first steps from the Beale start (same alpha): +-alpha against +-alpha/sqrt(1 - beta)."""
    w0 = ag.BEALE_START
    dw = ag.BEALE.grad(w0)
    steps = {}
    for name, opt in (("AdaGrad", AdaGrad(lr)), ("RMSProp", RMSProp(lr, beta=beta))):
        w1, _ = opt.update(w0, dw, opt.init(w0))
        steps[name] = w1 - w0
    return {"dw": dw, **steps}


def doubling_time(beta: float = BETA) -> float:
    """Steps for RMSProp's effective rate to double once its average only decays: 2 ln 2 / ln(1/beta)."""
    return 2 * np.log(2) / np.log(1 / beta)


# ----- 2. the race on Beale ----------------------------------------------------------------------------
@functools.cache
def race() -> dict:
    """AdaGrad and RMSProp from the Beale wall, each at the alpha of its sweep lowest at RACE_STEPS."""
    out = {}
    for name, beta in (("AdaGrad", None), ("RMSProp", BETA)):
        lr, k = ag.beale_best(name, beta=beta, t=RACE_STEPS)
        params = ag.beale_sweep(name, beta=beta).params[: LONG_STEPS + 1, k]
        opt = AdaGrad(lr) if name == "AdaGrad" else RMSProp(lr, beta=beta)
        out[name] = {
            "lr": lr,
            "params": params,
            "gap": ag.params_gap(params),
            "rates": ag.effective_lr(opt, ag.BEALE, params),
        }
    return out


def first_below(gap: np.ndarray, tol: float) -> int | None:
    """The first step at which gap < tol, or None."""
    hits = np.flatnonzero(gap < tol)
    return int(hits[0]) if hits.size else None


def overshoot_step(gap: np.ndarray) -> int:
    """The first step after the lowest point of a run at which f - f* is back above 1000 times that low."""
    low = int(np.argmin(gap))
    return low + int(np.argmax(gap[low:] > 1000 * gap[low]))


def hessian(problem, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The Hessian of a 2-D problem at w, by central differences of its gradient."""
    rows = [(problem.grad(w + h * e) - problem.grad(w - h * e)) / (2 * h) for e in np.eye(len(w))]
    return 0.5 * (np.array(rows) + np.array(rows).T)


def scaled_curvature(rates: np.ndarray) -> np.ndarray:
    """Per step, the largest eigenvalue of D^1/2 H D^1/2 at Beale's minimum, D = diag(effective rates).

    Chapter 2's condition alpha L < 2 for gradient descent, with one rate per coordinate."""
    h = hessian(ag.BEALE, ag.BEALE.minimum)
    return np.array([np.linalg.eigvalsh(np.sqrt(np.outer(d, d)) * h).max() for d in rates])


def path_distance(path: np.ndarray, other: np.ndarray) -> float:
    """The largest distance from a point of `path` to the nearest point of `other`."""
    return float(np.max(np.min(np.linalg.norm(path[:, None] - other[None], axis=-1), axis=1)))


def race_figure():
    """Left: both tuned runs on Beale. Right: their f - f* up to the tuning step."""
    runs = race()
    fig, (ax_path, ax_loss) = plots.figure(ncols=2, width=4.8)
    order = ("RMSProp", "AdaGrad")  # AdaGrad on top: the two paths coincide until AdaGrad stops short
    plots.trajectories(ag.BEALE, {name: runs[name]["params"][: RACE_STEPS + 1] for name in order}, ax=ax_path)
    for name in order:
        end = runs[name]["params"][RACE_STEPS]
        ax_path.plot(*end, marker="X", markersize=10, color=plots.color_of(name), markeredgecolor="black", zorder=6)
    plots.losses({name: r["gap"][: RACE_STEPS + 1] for name, r in runs.items()}, 0.0, ax=ax_loss)
    return fig


def rates_figure():
    """Left: effective learning rates per coordinate over the long runs. Right: f - f* over the same steps."""
    runs = race()
    fig, (ax_rate, ax_loss) = plots.figure(ncols=2, width=4.8)
    t = np.arange(1, LONG_STEPS + 1)
    for name, r in runs.items():
        color = plots.color_of(name)
        ax_rate.semilogy(t, r["rates"][:, 0], color=color, label=f"{name}, $w_1$")
        ax_rate.semilogy(t, r["rates"][:, 1], color=color, linestyle="--", label=f"{name}, $w_2$")
    ax_rate.set(xlabel="step $t$", ylabel=r"effective learning rate $\alpha/(\sqrt{v_t}+\varepsilon)$")
    ax_rate.legend(loc="center right")
    plots.losses({name: r["gap"] for name, r in runs.items()}, 0.0, ax=ax_loss)
    ax_loss.axvline(RACE_STEPS, color="#999999", linewidth=0.8, linestyle=":")
    return fig


# ----- 3. where forgetting does not matter: the sparse problem -----------------------------------------
@functools.cache
def sparse_sweep(name: str):
    """AdaGrad or RMSProp (default beta) on the sparse problem over chapter 4's grid, up to its budget."""
    return ag.sweep(AdaGrad if name == "AdaGrad" else RMSProp, ag.SPARSE, ag.SPARSE_BUDGET)


def sparse_pair(t: int = ag.SPARSE_BUDGET) -> dict:
    """name -> (best alpha at step t, its f - f* there) for AdaGrad and RMSProp on the sparse problem."""
    out = {}
    for name in ("AdaGrad", "RMSProp"):
        traj = sparse_sweep(name)
        k = ag.best(traj, ag.SPARSE, t)
        out[name] = (float(ag.LR_GRID[k]), float(ag.gaps(traj, ag.SPARSE, t)[k]))
    return out


# ----- 4. the choice of beta ---------------------------------------------------------------------------
@functools.cache
def beta_sweep():
    """One batched run over (beta, alpha) on the turned ravine: loss of shape (steps + 1, betas, alphas)."""
    betas = np.asarray(BETAS)[:, None, None]
    return run(RMSProp(ag.LR_GRID[None, :, None], beta=betas), BETA_PROBLEM, None, BETA_STEPS)


def beta_best() -> dict:
    """beta -> (best alpha, f - f* after BETA_STEPS steps at that alpha, its index)."""
    traj = beta_sweep()
    out = {}
    for i, beta in enumerate(BETAS):
        gap = np.nan_to_num(traj.loss[-1, i] - BETA_PROBLEM.f_min, nan=np.inf)
        k = int(np.argmin(gap))
        out[beta] = (float(ag.LR_GRID[k]), float(gap[k]), k)
    return out


def sign_deviation() -> float:
    """Along the tuned beta = 0 run, the largest | |w_t - w_{t-1}| / alpha - 1 | over steps and coordinates."""
    lr, _, k = beta_best()[0.0]
    steps = np.abs(np.diff(beta_sweep().params[:, BETAS.index(0.0), k], axis=0))
    return float(np.max(np.abs(steps / lr - 1.0)))


def _shades(name: str, n: int) -> list:
    """n shades of a method's color, from light to dark."""
    rgb = np.array(to_rgb(plots.color_of(name)))
    light = [tuple(1 - (1 - rgb) * f) for f in np.linspace(0.45, 1.0, n - 1)]
    return [*light, tuple(rgb * 0.6)]


def step_lengths(beta: float) -> np.ndarray:
    """|w_t - w_{t-1}| / alpha in the first coordinate along the tuned run for this beta."""
    lr, _, k = beta_best()[beta]
    path = beta_sweep().params[:, BETAS.index(beta), k, 0]
    return np.abs(np.diff(path)) / lr


def beta_figure():
    """Left: RMSProp's step lengths for a few betas (each at its best alpha). Right: best f - f* against 1 - beta."""
    fig, (ax_step, ax_beta) = plots.figure(ncols=2, width=4.8)
    chosen = beta_best()
    styles = (":", "--", "-")
    for color, style, beta in zip(_shades("RMSProp", len(SHOWN_BETAS)), styles, SHOWN_BETAS, strict=True):
        t = np.arange(1, BETA_STEPS + 1)
        label = f"RMSProp β = {beta:g} (α = {chosen[beta][0]:.2g})"
        ax_step.semilogy(t, step_lengths(beta), color=color, linestyle=style, label=label)
    ax_step.set(xlabel="step $t$", ylabel=r"step length in $w_1$, in units of $\alpha$")
    ax_step.legend(loc="lower left")
    one_minus = 1.0 - np.asarray(BETAS)
    best_gaps = [chosen[b][1] for b in BETAS]
    ax_beta.loglog(one_minus, np.maximum(best_gaps, plots.LOSS_FLOOR), color=plots.color_of("RMSProp"), marker="o")
    for b, x, y in zip(BETAS, one_minus, best_gaps, strict=True):
        ax_beta.annotate(f"{b:g}", (x, y), textcoords="offset points", xytext=(4, 6), fontsize=8)
    ax_beta.invert_xaxis()
    ax_beta.set(
        xlabel=r"$1 - \beta$ (labels: $\beta$)",
        ylabel=rf"best $f(w_{{{BETA_STEPS}}}) - f^\star$ over $\alpha$",
        title="RMSProp, each β at its best α",
    )
    return fig


# ----- the numbers the prose quotes (the notebook glues each as "<section>_<key>") ----------------------
def defaults() -> dict:
    """optim_core's RMSProp defaults (torch.optim.RMSprop's, where beta is called alpha)."""
    fields = RMSProp.__dataclass_fields__
    return {"beta": float(fields["beta"].default), "eps": float(fields["eps"].default)}


def first_step_numbers() -> dict:
    """The first gradient on the Beale wall and both first steps with alpha = 1."""
    s = first_steps(1.0)
    return {
        "dw_1": float(s["dw"][0]),
        "dw_2": float(s["dw"][1]),
        "ada_1": float(s["AdaGrad"][0]),
        "ada_2": float(s["AdaGrad"][1]),
        "rms_1": float(s["RMSProp"][0]),
        "rms_2": float(s["RMSProp"][1]),
        "factor": float(1 / np.sqrt(1 - BETA)),
        "doubling": float(doubling_time()),
    }


def race_numbers() -> dict:
    """The race on Beale: tuned alphas, f - f* at the tuning step, the rise of RMSProp's rates, the overshoot."""
    r = race()
    ada, rms = r["AdaGrad"], r["RMSProp"]
    growth = rms["rates"][RACE_STEPS - 1] / rms["rates"][0]
    return {
        "n_grid": len(ag.LR_GRID),
        "grid_lo": float(ag.LR_GRID[0]),
        "grid_hi": float(ag.LR_GRID[-1]),
        "steps": RACE_STEPS,
        "long_steps": LONG_STEPS,
        "tol": RACE_TOL,
        "ada_lr": ada["lr"],
        "rms_lr": rms["lr"],
        "ada_gap": float(ada["gap"][RACE_STEPS]),
        "rms_gap": float(rms["gap"][RACE_STEPS]),
        "factor": float(ada["gap"][RACE_STEPS] / rms["gap"][RACE_STEPS]),
        "rms_hit": first_below(rms["gap"], RACE_TOL),
        "ada_best_long": float(np.min(ada["gap"])),
        "path_distance": path_distance(ada["params"][: RACE_STEPS + 1], rms["params"][: RACE_STEPS + 1]),
        "growth": float(np.mean(growth)),
        "growth_predicted": float(BETA ** (-(RACE_STEPS - 1) / 2)),
        "ada_change": float(np.max(np.abs(ada["rates"][-1] / ada["rates"][0] - 1))),
        "rms_low": float(np.min(rms["gap"])),
        "rms_low_step": int(np.argmin(rms["gap"])),
        "overshoot": overshoot_step(rms["gap"]),
        "unstable_from": 1 + int(np.argmax(scaled_curvature(rms["rates"]) > 2)),
        "rms_gap_long": float(rms["gap"][-1]),
        "cycle_lo": float(np.min(rms["gap"][-10:])),
        "cycle_hi": float(np.max(rms["gap"][-10:])),
        "cycle_drift": float(np.max(np.abs(rms["params"][-100:] - rms["params"][-102:-2]))),  # w_t - w_{t-2}
        "cycle_jump": float(np.linalg.norm(rms["params"][-1] - rms["params"][-2])),
        "ada_gap_long": float(ada["gap"][-1]),
    }


def sparse_numbers() -> dict:
    """AdaGrad and RMSProp, each tuned at chapter 4's budget, on the sparse problem."""
    pair = sparse_pair()
    return {
        "budget": ag.SPARSE_BUDGET,
        "lr_ratio": pair["AdaGrad"][0] / pair["RMSProp"][0],
        "ada_lr": pair["AdaGrad"][0],
        "ada_gap": pair["AdaGrad"][1],
        "rms_lr": pair["RMSProp"][0],
        "rms_gap": pair["RMSProp"][1],
        "ratio": pair["AdaGrad"][1] / pair["RMSProp"][1],
    }


def beta_numbers() -> dict:
    """The beta sweep: each beta's best f - f*, the best beta, the first-step factor, the sign update at beta = 0."""
    chosen = beta_best()
    best_beta = min(BETAS, key=lambda b: chosen[b][1])
    middle = step_lengths(0.9)
    flare = 10 + int(np.argmax(middle[10:]))  # the largest step of the beta = 0.9 run after its start
    out = {
        "steps": BETA_STEPS,
        "n_betas": len(BETAS),
        "best_beta": best_beta,
        "sign_dev": sign_deviation(),
        "flare_09": float(middle[flare]),
        "flare_09_step": flare + 1,
    }
    for beta in BETAS:
        key = f"{beta:g}".replace(".", "")
        out[f"gap_{key}"] = chosen[beta][1]
        out[f"lr_{key}"] = chosen[beta][0]
        out[f"first_{key}"] = float(1 / np.sqrt(1 - beta))
    return out


# ----- the playground ----------------------------------------------------------------------------------
class BealeFromWall(Beale):
    """Beale's function started on the steep wall at (3, -3)."""

    x0 = ag.BEALE_START


_PROBLEMS = (ag.TILTED, BealeFromWall())


def _problem(which):
    """The turned ravine (0) or Beale from its wall (1)."""
    return _PROBLEMS[round(float(which))]


@register("rmsprop")
def playground() -> Playground:
    return Playground(
        "rmsprop",
        _problem,
        {"AdaGrad": lambda lr: AdaGrad(lr), "RMSProp": lambda lr, beta: RMSProp(lr, beta=beta)},
        [
            Slider("lr", tuple(10.0 ** np.arange(-2.0, 1.01, 0.5)), 0.316, label="α (both)"),
            Slider("beta", (0.0, 0.5, 0.9, 0.99, 0.999), 0.99, label="β (RMSProp)"),
            Slider("which", (0.0, 1.0), 0.0, label="problem", names=("ravine turned 22.5°", "Beale from (3, −3)")),
            Slider("steps", (25, 50, 100, 200, 300), 300, label="steps", fmt=".0f"),
        ],
        steps=300,
        readout=lambda beta: f"RMSProp's first step is {1 / np.sqrt(1 - beta):.3g}·α per coordinate; AdaGrad's is α",
        caption="AdaGrad and RMSProp with the same learning rate α.",
    )
