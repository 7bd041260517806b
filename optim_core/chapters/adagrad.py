"""Chapter 4, AdaGrad: per-coordinate step sizes, a sparse problem where they pay off, and the price
of a sum of squared gradients that only grows.

Every number the chapter states is computed by a function here and pinned by
tests/test_chapter_adagrad.py. Chapter 5 (RMSProp) reuses the sweeps and the Beale experiment.
"""

from __future__ import annotations

import functools

import numpy as np

from optim_core import GD, AdaGrad, RMSProp, plots, run
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Beale, Quadratic, SparseLogistic

RAVINE = Quadratic()  # f = 0.1 w1^2 + 2 w2^2, started at (-4.5, 1)
TILTED = Quadratic(angle=np.pi / 8)  # the same ravine turned by 22.5 degrees
SPARSE = SparseLogistic()  # 5 common features, 20 rare ones (each in ~3% of the samples)
BEALE = Beale()
BEALE_START = np.array([3.0, -3.0])  # on a steep wall: the first gradient is in the thousands

PER_DECADE = 8
LR_GRID = np.geomspace(1e-2, 1e2, 4 * PER_DECADE + 1)  # the learning rates every sweep tries

RAVINE_STEPS = 40
RAVINE_LR = {"GD": 0.45, "AdaGrad": 0.8}  # GD near its best (its limit is 2/L = 0.5); AdaGrad for display
SPARSE_STEPS = 100  # length of the sparse sweep
SPARSE_BUDGET = 30  # the step at which GD and AdaGrad are tuned and compared (before rounding error)
SPARSE_TOL = 1e-3  # "good enough" after SPARSE_STEPS steps, for the width of the good range of alpha
BEALE_STEPS = 1000
MAKERS = {"GD": GD, "AdaGrad": AdaGrad}


# ----- running and measuring -----------------------------------------------------------------------
def effective_lr(opt, problem, path) -> np.ndarray:
    """alpha / (sqrt(v_t) + eps) at every step t = 1..T of a run, replayed from its positions: (T, *batch, dim)."""
    params = getattr(path, "params", path)
    state = opt.init(params[0])
    rates = np.empty(params[1:].shape)
    for t in range(1, len(params)):
        _, state = opt.update(params[t - 1], problem.grad(params[t - 1]), state)
        rates[t - 1] = opt.lr / (np.sqrt(state[1]) + opt.eps)
    return rates


def sweep(make, problem, steps: int, x0=None, lrs=LR_GRID):
    """One batched run of make(lr) over the whole grid of learning rates (lr of shape (K, 1))."""
    return run(make(np.asarray(lrs)[:, None]), problem, x0, steps)


def gaps(traj, problem, t: int) -> np.ndarray:
    """f - f* of every run of a sweep at step t, with diverged runs counted as +inf."""
    return np.nan_to_num(traj.loss[t] - problem.f_min, nan=np.inf)


def best(traj, problem, t: int) -> int:
    """Index of the learning rate whose run is lowest at step t."""
    return int(np.argmin(gaps(traj, problem, t)))


def width_in_decades(ok: np.ndarray) -> float:
    """How many decades of the grid pass a test (each grid point stands for 1/PER_DECADE of a decade)."""
    return float(np.count_nonzero(ok)) / PER_DECADE


# ----- 1. the first step and the ravine ----------------------------------------------------------------
def first_step(lr: float = 1.0) -> dict:
    """The first GD and AdaGrad steps on the ravine from its start: gradient, v_1, both steps, rates."""
    w0 = RAVINE.x0
    dw = RAVINE.grad(w0)
    opt = AdaGrad(lr)
    w1, state = opt.update(w0, dw, opt.init(w0))
    rates = lr / (np.sqrt(state.sum_sq) + opt.eps)
    return {"dw": dw, "v": state.sum_sq, "adagrad": w1 - w0, "gd": -lr * dw, "rates": rates}


@functools.cache
def ravine_runs(steps: int = RAVINE_STEPS) -> dict:
    """GD and AdaGrad on the ravine at the chapter's display learning rates."""
    return {name: run(MAKERS[name](lr), RAVINE, None, steps) for name, lr in RAVINE_LR.items()}


def ravine_rates(steps: int = RAVINE_STEPS) -> np.ndarray:
    """AdaGrad's effective learning rate per coordinate along its ravine run: (steps, 2)."""
    return effective_lr(AdaGrad(RAVINE_LR["AdaGrad"]), RAVINE, ravine_runs(steps)["AdaGrad"])


def ravine_figure():
    """Left: GD and AdaGrad on the ravine. Right: AdaGrad's two effective learning rates and GD's one."""
    fig, (ax_path, ax_rate) = plots.figure(ncols=2, width=4.8)
    plots.trajectories(RAVINE, ravine_runs(), ax=ax_path)
    rates = ravine_rates()
    t = np.arange(1, len(rates) + 1)
    green = plots.color_of("AdaGrad")
    ax_rate.plot(t, rates[:, 0], color=green, label="AdaGrad, $w_1$ (shallow)")
    ax_rate.plot(t, rates[:, 1], color=green, linestyle="--", label="AdaGrad, $w_2$ (steep)")
    ax_rate.plot(t, np.full(len(t), RAVINE_LR["GD"]), color=plots.color_of("GD"), label=r"GD, both ($\alpha$)")
    ax_rate.set(xlabel="step $t$", ylabel=r"effective learning rate $\alpha/(\sqrt{v_t}+\varepsilon)$", ylim=(0, None))
    ax_rate.legend()
    return fig


# ----- 2. the sparse problem ---------------------------------------------------------------------------
@functools.cache
def sparse_sweeps(steps: int = SPARSE_STEPS) -> dict:
    """GD and AdaGrad on the sparse logistic problem, one batched run each over LR_GRID."""
    return {name: sweep(make, SPARSE, steps) for name, make in MAKERS.items()}


def sparse_best(budget: int = SPARSE_BUDGET) -> dict:
    """name -> (best learning rate at step `budget`, its f - f* there, its index in LR_GRID)."""
    out = {}
    for name, traj in sparse_sweeps().items():
        k = best(traj, SPARSE, budget)
        out[name] = (float(LR_GRID[k]), float(gaps(traj, SPARSE, budget)[k]), k)
    return out


def sparse_tuned() -> dict:
    """name -> the loss curve (f values, all steps) of the run tuned at the budget."""
    return {name: traj.loss[:, sparse_best()[name][2]] for name, traj in sparse_sweeps().items()}


def group_errors(params: np.ndarray) -> dict:
    """Relative distance to w* on the common and on the rare features, at every step of a path."""
    error = params - SPARSE.minimum
    common, rare = slice(0, SPARSE.n_common), slice(SPARSE.n_common, None)
    norm = np.linalg.norm
    return {
        "common": norm(error[..., common], axis=-1) / norm(SPARSE.minimum[common]),
        "rare": norm(error[..., rare], axis=-1) / norm(SPARSE.minimum[rare]),
    }


def sparse_errors() -> dict:
    """name -> group_errors of the tuned run."""
    return {name: group_errors(traj.params[:, sparse_best()[name][2]]) for name, traj in sparse_sweeps().items()}


def rare_common_rate_ratio(budget: int = SPARSE_BUDGET) -> float:
    """How much larger AdaGrad's effective learning rate is on rare than on common features (medians) at `budget`."""
    lr, _, k = sparse_best()["AdaGrad"]
    rates = effective_lr(AdaGrad(lr), SPARSE, sparse_sweeps()["AdaGrad"].params[: budget + 1, k])[-1]
    return float(np.median(rates[SPARSE.n_common :]) / np.median(rates[: SPARSE.n_common]))


def sparse_figure():
    """Left: f - f* of the two tuned runs. Right: their error on common and on rare features."""
    fig, (ax_loss, ax_err) = plots.figure(ncols=2, width=4.8)
    plots.losses(sparse_tuned(), SPARSE.f_min, ax=ax_loss)
    ax_loss.axvline(SPARSE_BUDGET, color="#999999", linewidth=0.8, linestyle=":")
    for name, errors in sparse_errors().items():
        color = plots.color_of(name)
        ax_err.semilogy(errors["common"], color=color, label=f"{name}, common")
        ax_err.semilogy(errors["rare"], color=color, linestyle="--", label=f"{name}, rare")
    ax_err.set(xlabel="step $t$", ylabel=r"$\|w_t - w^\star\| \,/\, \|w^\star\|$ on each group")
    ax_err.legend()
    return fig


def lr_widths(tol: float = SPARSE_TOL, t: int = SPARSE_STEPS) -> dict:
    """name -> decades of LR_GRID whose sparse run ends (at step t) within tol of f*."""
    return {name: width_in_decades(gaps(traj, SPARSE, t) <= tol) for name, traj in sparse_sweeps().items()}


def lr_figure(tol: float = SPARSE_TOL, t: int = SPARSE_STEPS):
    """f - f* after t steps against the learning rate, with the tolerance that defines 'good enough'."""
    fig, ax = plots.figure(width=6.0, height=3.6)
    top = 10.0
    for name, traj in sparse_sweeps().items():
        gap = np.maximum(gaps(traj, SPARSE, t), plots.LOSS_FLOOR)
        color = plots.color_of(name)
        shown = np.where(np.isfinite(gap), gap, np.nan)
        ax.loglog(LR_GRID, shown, color=color, marker="o", markersize=3, label=name)
        bad = ~np.isfinite(gap)
        if bad.any():
            ax.plot(LR_GRID[bad], np.full(bad.sum(), top), "x", color=color, label=f"{name} diverged")
    ax.axhline(tol, color="#999999", linestyle="--", linewidth=1, label=f"tolerance {tol:g}")
    ax.set(xlabel=r"learning rate $\alpha$", ylabel=rf"$f(w_{{{t}}}) - f^\star$", ylim=(plots.LOSS_FLOOR / 3, top * 3))
    ax.legend(loc="lower left")
    return fig


# ----- 3. the price: a rate that only falls ------------------------------------------------------------
STREAM_LR, STREAM_SIGMA, STREAM_STEPS = 1.0, 0.5, 10_000  # the gradient stream of constant scale


def constant_scale_rates(lr=STREAM_LR, sigma=STREAM_SIGMA, steps=STREAM_STEPS, seed: int = 0) -> np.ndarray:
    """AdaGrad's effective learning rate when every gradient has the same scale (seeded noise of std sigma)."""
    rng = np.random.default_rng(seed)
    opt = AdaGrad(lr)
    w = np.zeros(2)
    state = opt.init(w)
    rates = np.empty((steps, 2))
    for t, dw in enumerate(rng.normal(0.0, sigma, size=(steps, 2))):
        _, state = opt.update(w, dw, state)
        rates[t] = lr / (np.sqrt(state.sum_sq) + opt.eps)
    return rates


def sqrt_law(rates: np.ndarray, lr=STREAM_LR, sigma=STREAM_SIGMA) -> float:
    """The last effective learning rate (mean of coordinates) over the 1/sqrt(t) prediction lr / (sigma sqrt(t))."""
    t = len(rates)
    return float(np.mean(rates[-1]) * sigma * np.sqrt(t) / lr)


def beale_sweep(name: str = "AdaGrad", beta: float | None = None):
    """A sweep over LR_GRID on Beale from BEALE_START, 2 * BEALE_STEPS long (chapter 5 passes RMSProp's beta)."""
    return _beale_sweep(name, beta)


@functools.cache
def _beale_sweep(name, beta):
    make = AdaGrad if name == "AdaGrad" else (lambda lr: RMSProp(lr, beta=beta))
    return sweep(make, BEALE, 2 * BEALE_STEPS, BEALE_START)


def beale_best(name: str = "AdaGrad", beta: float | None = None, t: int = BEALE_STEPS) -> tuple[float, int]:
    """The learning rate (and its index) whose Beale run is lowest at step t."""
    k = best(beale_sweep(name, beta=beta), BEALE, t)
    return float(LR_GRID[k]), k


def beale_adagrad() -> dict:
    """AdaGrad tuned on Beale: its first gradient, its path, f - f* and its (frozen) effective learning rates."""
    lr, k = beale_best("AdaGrad")
    params = beale_sweep("AdaGrad").params[: BEALE_STEPS + 1, k]
    return {
        "lr": lr,
        "dw1": BEALE.grad(BEALE_START),
        "params": params,
        "gap": params_gap(params),
        "rates": effective_lr(AdaGrad(lr), BEALE, params),
    }


def params_gap(params: np.ndarray) -> np.ndarray:
    """f - f* along a path on Beale."""
    return BEALE.f(params) - BEALE.f_min


def decay_figure():
    """Left: AdaGrad's rate under gradients of constant scale against 1/sqrt(t). Right: AdaGrad stalling on Beale."""
    fig, (ax_rate, ax_loss) = plots.figure(ncols=2, width=4.8)
    rates = constant_scale_rates()
    t = np.arange(1, len(rates) + 1)
    ax_rate.loglog(t, rates[:, 0], color=plots.color_of("AdaGrad"), label="AdaGrad, $w_1$")
    ax_rate.loglog(t, rates[:, 1], color=plots.color_of("AdaGrad"), alpha=0.5, label="AdaGrad, $w_2$")
    reference = STREAM_LR / (STREAM_SIGMA * np.sqrt(t))
    ax_rate.loglog(t, reference, color="black", linestyle=":", label=r"$\alpha/(\sigma\sqrt{t})$")
    ax_rate.set(xlabel="step $t$", ylabel=r"$\alpha/(\sqrt{v_t}+\varepsilon)$", title="gradients of constant scale")
    ax_rate.legend()
    run_ = beale_adagrad()
    plots.losses({"AdaGrad": run_["gap"]}, 0.0, ax=ax_loss)
    ax_loss.set(title=f"Beale from ({BEALE_START[0]:g}, {BEALE_START[1]:g})")
    return fig


# ----- the numbers the prose quotes (the notebook glues each as "ag_<key>") ----------------------------
def defaults() -> dict:
    """optim_core's default eps for AdaGrad (the same as torch.optim.Adagrad's)."""
    return {"eps": float(AdaGrad.__dataclass_fields__["eps"].default)}


def first_step_numbers() -> dict:
    """The worked first step on the ravine, with alpha = 1."""
    step = first_step(1.0)
    return {
        **{f"dw_{i}": float(step["dw"][i - 1]) for i in (1, 2)},
        **{f"v_{i}": float(step["v"][i - 1]) for i in (1, 2)},
        **{f"step_{i}": float(step["adagrad"][i - 1]) for i in (1, 2)},
        **{f"rate_{i}": float(step["rates"][i - 1]) for i in (1, 2)},
        "rate_ratio": float(step["rates"][0] / step["rates"][1]),
    }


def ravine_numbers() -> dict:
    """Effective learning rates at the end of the ravine runs, and what they mean for the steep coordinate."""
    rates = ravine_rates()[-1]
    runs = ravine_runs()
    return {
        "steps": RAVINE_STEPS,
        "lr_gd": RAVINE_LR["GD"],
        "lr_ada": RAVINE_LR["AdaGrad"],
        "gd_limit": 2.0 / RAVINE.L,
        "rate_shallow": float(rates[0]),
        "rate_steep": float(rates[1]),
        "rate_ratio_end": float(rates[0] / rates[1]),
        "gd_factor": 1.0 - RAVINE_LR["GD"] * RAVINE.L,  # how GD scales w2 each step
        "ada_factor": 1.0 - float(rates[1]) * RAVINE.L,  # the same for AdaGrad at its final rate
        "gd_final": float(runs["GD"].final_loss),
        "ada_final": float(runs["AdaGrad"].final_loss),
    }


def sparse_numbers() -> dict:
    """The sparse problem, the tuned GD and AdaGrad runs, and why they differ."""
    features, _, _ = SPARSE.data
    common, rare = slice(0, SPARSE.n_common), slice(SPARSE.n_common, None)
    grad0 = np.abs(SPARSE.grad(SPARSE.x0))
    curvature = np.diag(SPARSE.hessian(SPARSE.minimum))
    tuned, errors = sparse_best(), sparse_errors()
    (gd_lr, gd_gap, _), (ada_lr, ada_gap, _) = tuned["GD"], tuned["AdaGrad"]
    t = SPARSE_BUDGET
    return {
        "n_samples": SPARSE.n_samples,
        "n_common": SPARSE.n_common,
        "n_rare": SPARSE.n_rare,
        "rare_freq": float(features[:, rare].mean()),
        "grad_ratio": float(np.median(grad0[common]) / np.median(grad0[rare])),
        "curv_ratio": float(np.median(curvature[common]) / np.median(curvature[rare])),
        "budget": t,
        "n_grid": len(LR_GRID),
        "grid_lo": float(LR_GRID[0]),
        "grid_hi": float(LR_GRID[-1]),
        "per_decade": PER_DECADE,
        "gd_lr": gd_lr,
        "gd_gap": gd_gap,
        "ada_lr": ada_lr,
        "ada_gap": ada_gap,
        "factor": gd_gap / ada_gap,
        "gd_common_err": float(errors["GD"]["common"][t]),
        "gd_rare_err": float(errors["GD"]["rare"][t]),
        "ada_common_err": float(errors["AdaGrad"]["common"][t]),
        "ada_rare_err": float(errors["AdaGrad"]["rare"][t]),
        "rate_ratio": rare_common_rate_ratio(t),
    }


def tuning_numbers() -> dict:
    """Width of the range of alpha that reaches the tolerance after SPARSE_STEPS steps."""
    widths = lr_widths()
    return {
        "steps": SPARSE_STEPS,
        "tol": SPARSE_TOL,
        "gd_width": widths["GD"],
        "ada_width": widths["AdaGrad"],
        "width_ratio": widths["AdaGrad"] / widths["GD"],
    }


def decay_numbers() -> dict:
    """The 1/sqrt(t) decay under gradients of constant scale, and AdaGrad's frozen rates on Beale."""
    rates = constant_scale_rates()
    beale = beale_adagrad()
    first, last = beale["rates"][0], beale["rates"][-1]
    return {
        "sigma": STREAM_SIGMA,
        "stream_steps": STREAM_STEPS,
        "sqrt_law": sqrt_law(rates),
        "drop": float(np.mean(rates[99]) / np.mean(rates[-1])),  # from step 100 to the last step
        "beale_lr": beale["lr"],
        "beale_dw_1": float(beale["dw1"][0]),
        "beale_dw_2": float(beale["dw1"][1]),
        "beale_rate_1": float(first[0]),
        "beale_rate_2": float(first[1]),
        "beale_rate_change": float(np.max(np.abs(last / first - 1.0))),
        "beale_steps": BEALE_STEPS,
        "beale_gap_mid": float(beale["gap"][BEALE_STEPS // 2]),
        "beale_gap": float(beale["gap"][-1]),
    }


# ----- the playground ----------------------------------------------------------------------------------
def _ravine(turned):
    """The aligned ravine, or the same ravine turned by 22.5 degrees."""
    return TILTED if turned > 0.5 else RAVINE


@register("adagrad")
def playground() -> Playground:
    return Playground(
        "adagrad",
        _ravine,
        {"GD": lambda lr_gd: GD(lr_gd), "AdaGrad": lambda lr_ada: AdaGrad(lr_ada)},
        [
            Slider.log("lr_gd", 0.01, 1.0, 13, 0.45, label="α for GD"),
            Slider.log("lr_ada", 0.01, 10.0, 13, 1.0, label="α for AdaGrad"),
            Slider("turned", (0.0, 1.0), 0.0, label="ravine", names=("aligned with the axes", "turned 22.5°")),
            Slider.linear("steps", 10, 60, 6, 60, label="steps", fmt=".0f"),
        ],
        steps=60,
        readout=lambda lr_gd: f"GD: α·L = {4 * lr_gd:.2f} (GD diverges once this exceeds 2)",
        caption="GD and AdaGrad on the ravine, each with its own learning rate.",
    )
