"""AdaGrad: per-coordinate step sizes from the sum of squared gradients.

The chapter shows (1) that AdaGrad's first step is exactly alpha in every coordinate and that on the
ravine the steep coordinate gets the small effective rate eta_t; (2) that on a sparse logistic regression,
each method at its own best alpha, AdaGrad ends far closer to the minimum than GD and its good range of
alpha is wider, full batch, and (3) with minibatches of 10, in which a rare feature is absent from most
gradients, over 8 seeded minibatch orders, against SGD with a constant rate and with alpha/sqrt(t);
(4) what sqrt(v_t) measures: on the noisy ravine and the minibatch problem, it follows the root of the
curvature only when the gradient noise does; (5) the price: the effective rate only falls, as 1/sqrt(t)
under gradients of constant scale, and frozen after one large gradient on Beale's function.

Every number the prose quotes is in `numbers()` and pinned by tests/test_chapter_adagrad.py.
"""

from __future__ import annotations

import functools

import numpy as np

from optim_core import GD, AdaGrad, plots, run
from optim_core.chapters import register
from optim_core.measure import effective_lr
from optim_core.playground import Playground, Slider
from optim_core.problems import BEALE_FROM_WALL, RAVINE, NoisyQuadratic, SparseLogistic
from optim_core.schedules import inverse_sqrt
from optim_core.tuning import gap_at, sweep

TILTED = RAVINE.turned(22.5)  # the playground's second ravine: both coordinates see both curvatures
SPARSE = SparseLogistic()  # 5 common features, 20 rare ones (each in ~3% of the samples)
BEALE = BEALE_FROM_WALL  # Beale's function started at (3, -3): the first gradient is in the thousands

PER_DECADE = 8
LR_GRID = np.geomspace(1e-2, 1e2, 4 * PER_DECADE + 1)  # the learning rates every sweep tries

RAVINE_STEPS = 40
RAVINE_LR = {"GD": 0.45, "AdaGrad": 0.8}  # GD near its best (its limit is 2/L = 0.5); AdaGrad for display
SPARSE_STEPS = 100  # length of the sparse sweep
SPARSE_BUDGET = 30  # the step at which GD and AdaGrad are tuned and compared (before rounding error)
SPARSE_TOL = 1e-3  # "good enough" after SPARSE_STEPS steps, for the width of the good range of alpha
BEALE_STEPS = 1000
STREAM_LR, STREAM_SIGMA, STREAM_STEPS = 1.0, 0.5, 10_000  # the gradient stream of constant scale
MAKERS = {"GD": GD, "AdaGrad": AdaGrad}
MB_SIZE, MB_STEPS, MB_EVERY = 10, 1000, 50  # minibatches of 10 samples, 10 epochs, f recorded every 50 steps
MB_SEEDS = np.arange(8)  # minibatch orders; each method is tuned for the mean f - f* over them
MB_GRID = LR_GRID[::2]  # 4 learning rates per decade over the same range
MB_MAKERS = {"GD": GD, "GD, α/√t": lambda lr: GD(inverse_sqrt(lr)), "AdaGrad": AdaGrad}
PRE_LR, PRE_STEPS, PRE_SEEDS = 0.5, 2000, np.arange(8)[:, None]  # AdaGrad on the noisy ravine
PRE_CURVATURES = (RAVINE.mu, RAVINE.L)
PRE_NOISE = {  # per-sample noise sigma_i along each axis of the ravine
    "no noise": (0.0, 0.0),
    "noise variance ∝ curvature": tuple(np.sqrt(PRE_CURVATURES)),
    "equal noise": (1.0, 1.0),
}


# ----- 1. the first step and the ravine ----------------------------------------------------------------
def first_step(lr: float = 1.0) -> dict:
    """The first AdaGrad step on the ravine from its start: gradient, v_1, the step, the effective rates."""
    w0, opt = RAVINE.x0, AdaGrad(lr)
    dw = RAVINE.grad(w0)
    w1, state = opt.update(w0, dw, opt.init(w0))
    return {"dw": dw, "v": state.sum_sq, "step": w1 - w0, "rate": lr / (np.sqrt(state.sum_sq) + opt.eps)}


@functools.cache
def ravine_runs(steps: int = RAVINE_STEPS) -> dict:
    """GD and AdaGrad on the ravine at the chapter's display learning rates."""
    return {name: run(MAKERS[name](lr), RAVINE, None, steps) for name, lr in RAVINE_LR.items()}


def ravine_rates(steps: int = RAVINE_STEPS) -> np.ndarray:
    """AdaGrad's effective learning rate per coordinate along its ravine run: (steps, 2)."""
    return effective_lr(AdaGrad(RAVINE_LR["AdaGrad"]), RAVINE, ravine_runs(steps)["AdaGrad"])


# ----- 2. the sparse problem ---------------------------------------------------------------------------
@functools.cache
def sparse_sweeps() -> dict:
    """GD and AdaGrad on the sparse problem, one batched run each over LR_GRID, scored at SPARSE_BUDGET."""
    return {name: sweep(make, SPARSE, SPARSE_STEPS, gap_at(SPARSE_BUDGET), lr=LR_GRID) for name, make in MAKERS.items()}


def sparse_index(name: str) -> int:
    """The index in LR_GRID of the learning rate whose run is lowest at SPARSE_BUDGET."""
    return sparse_sweeps()[name].best_index[0]


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
    """name -> group_errors of the run tuned at SPARSE_BUDGET."""
    return {name: group_errors(s.trajectory.params[:, sparse_index(name)]) for name, s in sparse_sweeps().items()}


def rare_common_rate_ratio(budget: int = SPARSE_BUDGET) -> float:
    """How much larger AdaGrad's effective rate is on rare than on common features (medians) at `budget`."""
    k = sparse_index("AdaGrad")
    path = sparse_sweeps()["AdaGrad"].trajectory.params[: budget + 1, k]
    rates = effective_lr(AdaGrad(LR_GRID[k]), SPARSE, path)[-1]
    return float(np.median(rates[SPARSE.n_common :]) / np.median(rates[: SPARSE.n_common]))


def lr_widths(tol: float = SPARSE_TOL, t: int = SPARSE_STEPS) -> dict:
    """name -> decades of LR_GRID whose sparse run ends (at step t) within tol of f*."""
    return {name: s.rescored(gap_at(t), SPARSE).decades_within(tol) for name, s in sparse_sweeps().items()}


# ----- 3. rare features in minibatches ------------------------------------------------------------------
def minibatch_problem(seed=0) -> SparseLogistic:
    """The sparse problem with minibatches of MB_SIZE; seed: an int or an integer array shaped (..., 1)."""
    return SparseLogistic(batch_size=MB_SIZE, batch_seed=np.asarray(seed).astype(int))


def rare_presence() -> float:
    """The fraction of minibatches (seed 0, MB_STEPS steps) in which a rare feature appears, over all of them."""
    p, features = minibatch_problem(), SPARSE.data[0][:, SPARSE.n_common :]
    return float(np.mean([features[p.batch_indices(t)].any(axis=0) for t in range(1, MB_STEPS + 1)]))


@functools.cache
def minibatch_sweeps() -> dict:
    """Each method of MB_MAKERS in one batched run over MB_SEEDS x MB_GRID, scored at MB_STEPS."""
    return {
        name: sweep(
            make, minibatch_problem, MB_STEPS, gap_at(MB_STEPS), record_every=MB_EVERY, seed=MB_SEEDS, lr=MB_GRID
        )
        for name, make in MB_MAKERS.items()
    }


def minibatch_best(name: str) -> dict:
    """A method at the alpha whose mean f - f* over the seeds at MB_STEPS is lowest: alpha, its index,
    f - f* per seed (recorded steps x seeds), the group errors at the end (mean over seeds)."""
    s = minibatch_sweeps()[name]
    k = int(np.argmin(s.scores.mean(axis=0)))
    errors = group_errors(s.trajectory.params[-1, :, k])
    return {
        "lr": float(MB_GRID[k]),
        "index": k,
        "gap": s.trajectory.loss[:, :, k] - SPARSE.f_min,
        **{group: float(np.mean(e)) for group, e in errors.items()},
    }


# ----- 4. what sqrt(v_t) measures ----------------------------------------------------------------------
@functools.cache
def rate_ratios() -> dict:
    """noise -> AdaGrad's eta_t on the shallow over the steep axis of the noisy ravine, (PRE_STEPS, seeds):
    (sqrt(v_t,2) + eps) / (sqrt(v_t,1) + eps), which a Newton-like scaling would set to L / mu = 20."""
    out = {}
    for name, sigmas in PRE_NOISE.items():
        problem = NoisyQuadratic(curvatures=PRE_CURVATURES, sigmas=sigmas, seed=PRE_SEEDS)
        opt = AdaGrad(PRE_LR)
        rates = effective_lr(opt, problem, run(opt, problem, None, PRE_STEPS))
        out[name] = rates[..., 0] / rates[..., 1]
    return out


def sparse_rms() -> np.ndarray:
    """sqrt(v_T / T) per feature of the tuned minibatch AdaGrad run, mean over the seeds: its RMS gradient."""
    v = minibatch_sweeps()["AdaGrad"].trajectory.final_state.sum_sq[:, minibatch_best("AdaGrad")["index"]]
    return np.mean(np.sqrt(v / MB_STEPS), axis=0)


def fisher_over_hessian() -> np.ndarray:
    """Per feature, at w*: the mean squared per-sample gradient (the empirical Fisher's diagonal) over the
    diagonal of the data term's Hessian (for logistic regression, the Fisher's)."""
    second_moment = np.mean(SPARSE.sample_grads(SPARSE.minimum) ** 2, axis=0)
    return second_moment / (np.diag(SPARSE.hessian(SPARSE.minimum)) - SPARSE.l2)


# ----- 5. the price: a rate that only falls ------------------------------------------------------------
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


def sqrt_law(rates: np.ndarray, lr: float, sigma: float) -> float:
    """The last effective rate (mean of coordinates) over the 1/sqrt(t) prediction lr / (sigma sqrt(t))."""
    return float(np.mean(rates[-1]) * sigma * np.sqrt(len(rates)) / lr)


@functools.cache
def beale_adagrad() -> dict:
    """AdaGrad on Beale from the wall at the alpha of LR_GRID lowest at BEALE_STEPS: path, f - f*, rates."""
    s = sweep(AdaGrad, BEALE, BEALE_STEPS, gap_at(BEALE_STEPS), lr=LR_GRID)
    params = s.trajectory.params[:, s.best_index[0]]
    lr = s.best["lr"]
    gap, rates = BEALE.f(params) - BEALE.f_min, effective_lr(AdaGrad(lr), BEALE, params)
    return {"lr": lr, "params": params, "gap": gap, "rates": rates}


# ----- figures -----------------------------------------------------------------------------------------
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
    ax_rate.set(xlabel="step $t$", ylabel=r"effective rate $\eta_t = \alpha/(\sqrt{v_t}+\varepsilon)$", ylim=(0, None))
    ax_rate.legend()
    return fig


def sparse_figure():
    """Left: f - f* of the two tuned runs. Right: their error on common and on rare features."""
    fig, (ax_loss, ax_err) = plots.figure(ncols=2, width=4.8)
    tuned = {name: s.trajectory.loss[:, sparse_index(name)] for name, s in sparse_sweeps().items()}
    plots.losses(tuned, SPARSE.f_min, ax=ax_loss)
    ax_loss.axvline(SPARSE_BUDGET, color="#999999", linewidth=0.8, linestyle=":")
    for name, errors in sparse_errors().items():
        color = plots.color_of(name)
        ax_err.semilogy(errors["common"], color=color, label=f"{name}, common")
        ax_err.semilogy(errors["rare"], color=color, linestyle="--", label=f"{name}, rare")
    ax_err.set(xlabel="step $t$", ylabel=r"$\|w_t - w^\star\| \,/\, \|w^\star\|$ on each group")
    ax_err.legend()
    return fig


def lr_figure(tol: float = SPARSE_TOL, t: int = SPARSE_STEPS):
    """f - f* after t steps against the learning rate, with the tolerance that defines 'good enough'."""
    fig, ax = plots.figure(width=6.0, height=3.6)
    top = 10.0
    for name, s in sparse_sweeps().items():
        gap = np.maximum(s.rescored(gap_at(t), SPARSE).scores, plots.LOSS_FLOOR)
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


def minibatch_figure():
    """Left: f - f* of the three tuned methods with minibatches (mean over seeds). Right: f - f* per seed at the end."""
    fig, (ax_loss, ax_seed) = plots.figure(ncols=2, width=4.8)
    steps = minibatch_sweeps()["GD"].trajectory.steps
    for i, name in enumerate(MB_MAKERS):
        best, color, style = minibatch_best(name), plots.color_of(name.split(",")[0]), "--" if "√" in name else "-"
        label = f"{name}, α = {best['lr']:.2g}"
        ax_loss.semilogy(steps, best["gap"].mean(axis=1), color=color, linestyle=style, label=label)
        ax_seed.semilogy(np.full(len(MB_SEEDS), i), best["gap"][-1], "o", color=color, alpha=0.7)
    ax_loss.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$ (mean over seeds)")
    ax_loss.legend()
    ax_seed.set_xticks(range(len(MB_MAKERS)), list(MB_MAKERS))
    ax_seed.set(xlim=(-0.5, len(MB_MAKERS) - 0.5), ylabel=rf"$f(w_{{{MB_STEPS}}}) - f^\star$, one dot per seed")
    return fig


def precondition_figure():
    """Left: AdaGrad's eta_t on the shallow over the steep axis of the noisy ravine. Right: sqrt(v_T / T) per
    feature of the minibatch problem against the curvature along it."""
    fig, (ax_ratio, ax_feat) = plots.figure(ncols=2, width=4.8)
    t = np.arange(1, PRE_STEPS + 1)
    for i, (name, ratio) in enumerate(rate_ratios().items()):
        ax_ratio.semilogx(t, np.median(ratio, axis=1), color=plots.color_of(name, i), label=name)
    kappa = RAVINE.L / RAVINE.mu
    for value, style, text in ((kappa, ":", r"$L/\mu$"), (np.sqrt(kappa), "-.", r"$\sqrt{L/\mu}$")):
        ax_ratio.axhline(value, color="black", linestyle=style, linewidth=1, label=text)
    ylabel = r"$\eta_{t,1} / \eta_{t,2}$ (median over seeds)"
    ax_ratio.set(xlabel="step $t$", ylabel=ylabel, yscale="log", ylim=(0.05, 40))
    ax_ratio.legend(loc="lower left")
    h, rms, common = np.diag(SPARSE.hessian(SPARSE.minimum)), sparse_rms(), slice(0, SPARSE.n_common)
    green = plots.color_of("AdaGrad")
    ax_feat.loglog(h[common], rms[common], "o", color=green, label="common features")
    ax_feat.loglog(h[SPARSE.n_common :], rms[SPARSE.n_common :], "^", color=green, alpha=0.6, label="rare features")
    span, (hm, rm) = np.geomspace(h.min(), h.max()), np.exp(np.mean(np.log([h, rms]), axis=1))
    for power, style in ((0.5, "-."), (1.0, ":")):
        ax_feat.loglog(span, rm * (span / hm) ** power, "k", linestyle=style, linewidth=1, label=f"slope {power:g}")
    ax_feat.set(xlabel=r"curvature $H_{jj}$ at $w^\star$", ylabel=rf"$\sqrt{{v_T / T}}$ after $T = {MB_STEPS}$ steps")
    ax_feat.legend()
    return fig


def decay_figure():
    """Left: AdaGrad's rate under gradients of constant scale against 1/sqrt(t). Right: AdaGrad stalling on Beale."""
    fig, (ax_rate, ax_loss) = plots.figure(ncols=2, width=4.8)
    rates = constant_scale_rates()
    t = np.arange(1, len(rates) + 1)
    ax_rate.loglog(t, rates[:, 0], color=plots.color_of("AdaGrad"), label="AdaGrad, $w_1$")
    ax_rate.loglog(t, rates[:, 1], color=plots.color_of("AdaGrad"), alpha=0.5, label="AdaGrad, $w_2$")
    reference = STREAM_LR / (STREAM_SIGMA * np.sqrt(t))
    ax_rate.loglog(t, reference, color="black", linestyle=":", label=r"$\alpha/(\sigma\sqrt{t})$")
    ax_rate.set(
        xlabel="step $t$", ylabel=r"$\eta_t = \alpha/(\sqrt{v_t}+\varepsilon)$", title="gradients of constant scale"
    )
    ax_rate.legend()
    plots.losses({"AdaGrad": beale_adagrad()["gap"]}, 0.0, ax=ax_loss)
    ax_loss.set(title=f"Beale from ({BEALE.x0[0]:g}, {BEALE.x0[1]:g})")
    return fig


# ----- the numbers the prose quotes ----------------------------------------------------------------------
def minibatch_numbers() -> dict:
    """The numbers of the minibatch and preconditioning sections."""
    mb = {name: minibatch_best(name) for name in MB_MAKERS}
    gap = {name: float(np.mean(b["gap"][-1])) for name, b in mb.items()}
    keys = {"gd": "GD", "sqrt": "GD, α/√t", "ada": "AdaGrad"}
    ratios = {name: float(np.median(r[-1])) for name, r in rate_ratios().items()}
    h, rms, common = np.diag(SPARSE.hessian(SPARSE.minimum)), sparse_rms(), slice(0, SPARSE.n_common)
    rare = slice(SPARSE.n_common, None)
    fisher = fisher_over_hessian()
    return {
        "mb_size": MB_SIZE,
        "mb_steps": MB_STEPS,
        "mb_epochs": MB_STEPS * MB_SIZE // SPARSE.n_samples,
        "mb_n_seeds": len(MB_SEEDS),
        "mb_n_grid": len(MB_GRID),
        "mb_rare_present": rare_presence(),
        **{f"mb_{key}_lr": mb[name]["lr"] for key, name in keys.items()},
        **{f"mb_{key}_gap": gap[name] for key, name in keys.items()},
        "mb_factor": gap["GD"] / gap["AdaGrad"],
        "mb_factor_sqrt": gap["GD, α/√t"] / gap["AdaGrad"],
        **{f"mb_{k}_{group}_err": mb[keys[k]][group] for k in ("gd", "ada") for group in ("common", "rare")},
        "pre_lr": PRE_LR,
        "pre_steps": PRE_STEPS,
        "pre_n_seeds": len(PRE_SEEDS),
        "pre_curv_ratio": RAVINE.L / RAVINE.mu,
        "pre_curv_root": float(np.sqrt(RAVINE.L / RAVINE.mu)),
        "pre_ratio_none": ratios["no noise"],
        "pre_ratio_fisher": ratios["noise variance ∝ curvature"],
        "pre_ratio_equal": ratios["equal noise"],
        "pre_sparse_slope": float(np.polyfit(np.log(h), np.log(rms), 1)[0]),
        "pre_sparse_ratio": float(np.median(rms[common]) / np.median(rms[rare])),
        "pre_sparse_root": float(np.sqrt(np.median(h[common]) / np.median(h[rare]))),
        "pre_fisher_lo": float(fisher.min()),
        "pre_fisher_hi": float(fisher.max()),
    }


def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    first = first_step(1.0)
    ravine_end = ravine_rates()[-1]
    features, _, _ = SPARSE.data
    common, rare = slice(0, SPARSE.n_common), slice(SPARSE.n_common, None)
    grad0 = np.abs(SPARSE.grad(SPARSE.x0))
    curvature = np.diag(SPARSE.hessian(SPARSE.minimum))
    tuned = {name: (s.best["lr"], s.best_score) for name, s in sparse_sweeps().items()}
    errors, t = sparse_errors(), SPARSE_BUDGET
    widths = lr_widths()
    stream = constant_scale_rates()
    beale = beale_adagrad()
    beale_first, beale_last = beale["rates"][0], beale["rates"][-1]
    dw_beale = BEALE.grad(BEALE.x0)
    return {
        "eps": float(AdaGrad.__dataclass_fields__["eps"].default),
        # the first step on the ravine, alpha = 1
        **{f"first_{key}_{i + 1}": float(first[key][i]) for key in ("dw", "v", "step", "rate") for i in range(2)},
        "first_rate_ratio": float(first["rate"][0] / first["rate"][1]),
        # the ravine runs
        "ravine_steps": RAVINE_STEPS,
        "ravine_lr_gd": RAVINE_LR["GD"],
        "ravine_lr_ada": RAVINE_LR["AdaGrad"],
        "ravine_gd_limit": 2.0 / RAVINE.L,
        "ravine_rate_steep": float(ravine_end[1]),
        "ravine_rate_ratio_end": float(ravine_end[0] / ravine_end[1]),
        "ravine_gd_factor": 1.0 - RAVINE_LR["GD"] * RAVINE.L,  # how GD scales w2 each step
        "ravine_ada_factor": 1.0 - float(ravine_end[1]) * RAVINE.L,  # the same for AdaGrad at its final rate
        # the sparse problem and the tuned runs
        "sparse_n_samples": SPARSE.n_samples,
        "sparse_n_common": SPARSE.n_common,
        "sparse_n_rare": SPARSE.n_rare,
        "sparse_rare_freq": float(features[:, rare].mean()),
        "sparse_grad_ratio": float(np.median(grad0[common]) / np.median(grad0[rare])),
        "sparse_curv_ratio": float(np.median(curvature[common]) / np.median(curvature[rare])),
        "sparse_budget": t,
        "sparse_n_grid": len(LR_GRID),
        "sparse_grid_lo": float(LR_GRID[0]),
        "sparse_grid_hi": float(LR_GRID[-1]),
        "sparse_per_decade": PER_DECADE,
        "sparse_gd_lr": tuned["GD"][0],
        "sparse_gd_gap": tuned["GD"][1],
        "sparse_ada_lr": tuned["AdaGrad"][0],
        "sparse_ada_gap": tuned["AdaGrad"][1],
        "sparse_factor": tuned["GD"][1] / tuned["AdaGrad"][1],
        "sparse_gd_common_err": float(errors["GD"]["common"][t]),
        "sparse_gd_rare_err": float(errors["GD"]["rare"][t]),
        "sparse_rate_ratio": rare_common_rate_ratio(t),
        # minibatches
        **minibatch_numbers(),
        # the width of the good range of alpha
        "tune_steps": SPARSE_STEPS,
        "tune_tol": SPARSE_TOL,
        "tune_gd_width": widths["GD"],
        "tune_ada_width": widths["AdaGrad"],
        "tune_width_ratio": widths["AdaGrad"] / widths["GD"],
        # the falling rate: gradients of constant scale, and Beale from the wall
        "decay_sigma": STREAM_SIGMA,
        "decay_stream_steps": STREAM_STEPS,
        "decay_sqrt_law": sqrt_law(stream, STREAM_LR, STREAM_SIGMA),
        "decay_drop": float(np.mean(stream[99]) / np.mean(stream[-1])),  # from step 100 to the last step
        "decay_beale_lr": beale["lr"],
        **{f"decay_beale_dw_{i + 1}": float(dw_beale[i]) for i in range(2)},
        **{f"decay_beale_rate_{i + 1}": float(beale_first[i]) for i in range(2)},
        "decay_beale_rate_change": float(np.max(np.abs(beale_last / beale_first - 1.0))),
        "decay_beale_steps": BEALE_STEPS,
        "decay_beale_gap_mid": float(beale["gap"][BEALE_STEPS // 2]),
        "decay_beale_gap": float(beale["gap"][-1]),
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
        readout=lambda lr_gd: f"GD: α·L = {RAVINE.L * lr_gd:.2f} (GD diverges once this exceeds 2)",
        caption="GD and AdaGrad on the ravine, each with its own learning rate.",
    )
