"""RMSProp: AdaGrad's division with a moving average of squared gradients instead of a sum.

The chapter shows (1) RMSProp's first step, alpha / sqrt(1 - beta) per coordinate, and the doubling
time of its effective rate once the gradients shrink; (2) a race from Beale's wall at (3, -3), each
method at its best alpha from one sweep: RMSProp's rates climb back and it wins at the tuning step, then
overshoots the minimum and ends in a two-step cycle; (3) with gradient noise (the turned ravine as a
NoisyQuadratic, 8 seeds), the rise stops below the stability limit once the noise is large enough, and the
loss sits on a noise floor instead; (4) a tie on the full-batch sparse logistic problem, which has nothing
to forget, and AdaGrad ahead on its minibatch version (8 seeds); (5) on the ravine turned by 22.5 degrees,
the best f - f* over alpha for seven betas, with beta = 0 the sign update, without and with noise.

Every number the prose quotes is in `numbers()` and pinned by tests/test_chapter_rmsprop.py.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.colors import to_rgb

from optim_core import AdaGrad, RMSProp, plots, run
from optim_core.chapters import register
from optim_core.measure import effective_lr, scaled_sharpness, steps_to_tolerance
from optim_core.playground import Playground, Slider
from optim_core.problems import BEALE_FROM_WALL, RAVINE, NoisyQuadratic, SparseLogistic
from optim_core.tuning import gap_at, sweep

BETA = float(RMSProp.__dataclass_fields__["beta"].default)  # 0.99, torch.optim.RMSprop's default
BEALE = BEALE_FROM_WALL  # Beale's function started at (3, -3): the first gradient is in the thousands
LR_GRID = np.geomspace(1e-2, 1e2, 33)  # 8 learning rates per decade, the AdaGrad chapter's grid
RACE_STEPS = 1000  # both methods are tuned for f - f* at this step
LONG_STEPS = 2000  # ... and then run this long
RACE_TOL = 1e-3
SPARSE = SparseLogistic()  # the AdaGrad chapter's problem with rare features
SPARSE_BUDGET = 30  # tuned and compared at this step, as in the AdaGrad chapter
BETAS = (0.0, 0.5, 0.9, 0.95, 0.99, 0.995, 0.999)  # the beta sweep
SHOWN_BETAS = (0.0, 0.9, 0.99)  # whose paths the beta figure draws
BETA_STEPS = 100
BETA_PROBLEM = RAVINE.turned(22.5)  # both coordinates see both curvatures
MAKERS = {"AdaGrad": AdaGrad, "RMSProp": lambda lr: RMSProp(lr, beta=BETA)}
NOISE_LR, NOISE_STEPS = 0.1, 2000  # RMSProp with a constant alpha on the noisy turned ravine
NOISE_SIGMAS = (0.0, 0.01, 0.1, 1.0)  # per-sample noise along both eigen-directions
SEEDS = np.arange(8)  # noise seeds and minibatch orders
BETA_NOISE = 1.0  # the noise of the beta sweep's noisy version
MB_SIZE, MB_STEPS, MB_GRID = 10, 1000, LR_GRID[::2]  # the sparse problem with minibatches, as in the AdaGrad chapter


# ----- 1. the first steps ------------------------------------------------------------------------------
def first_steps(lr: float = 1.0, beta: float = BETA) -> dict:
    """AdaGrad's and RMSProp's first steps from the Beale wall (same alpha): +-alpha against +-alpha/sqrt(1 - beta)."""
    w0 = BEALE.x0
    dw = BEALE.grad(w0)
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
    """AdaGrad and RMSProp from the Beale wall for LONG_STEPS, each at the alpha of LR_GRID lowest at RACE_STEPS."""
    out = {}
    for name, make in MAKERS.items():
        s = sweep(make, BEALE, LONG_STEPS, gap_at(RACE_STEPS), lr=LR_GRID)
        params = s.trajectory.params[:, s.best_index[0]]
        lr = s.best["lr"]
        gap = BEALE.f(params) - BEALE.f_min
        out[name] = {"lr": lr, "params": params, "gap": gap, "rates": effective_lr(make(lr), BEALE, params)}
    return out


def overshoot_step(gap: np.ndarray) -> int:
    """The first step after the lowest point of a run at which f - f* is back above 1000 times that low."""
    low = int(np.argmin(gap))
    return low + int(np.argmax(gap[low:] > 1000 * gap[low]))


def hessian(problem, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The Hessian of a problem at w, by central differences of its gradient."""
    rows = [(problem.grad(w + h * e) - problem.grad(w - h * e)) / (2 * h) for e in np.eye(len(w))]
    return 0.5 * (np.array(rows) + np.array(rows).T)


def scaled_curvature(rates: np.ndarray) -> np.ndarray:
    """Per step, the largest eigenvalue of D^1/2 H D^1/2 at Beale's minimum, D = diag(effective rates).

    Gradient descent's condition alpha L < 2, with one rate per coordinate."""
    return scaled_sharpness(rates, hessian(BEALE, BEALE.minimum))


def path_distance(path: np.ndarray, other: np.ndarray) -> float:
    """The largest distance from a point of `path` to the nearest point of `other`."""
    return float(np.max(np.min(np.linalg.norm(path[:, None] - other[None], axis=-1), axis=1)))


# ----- 3. with gradient noise ----------------------------------------------------------------------------
def noisy_ravine(sigma: float, seed=SEEDS[:, None]) -> NoisyQuadratic:
    """BETA_PROBLEM with gradient noise of standard deviation sigma along both eigen-directions."""
    curvatures, sigmas = (RAVINE.mu, RAVINE.L), (sigma, sigma)
    return NoisyQuadratic(curvatures, sigmas, seed=np.asarray(seed).astype(int), angle=BETA_PROBLEM.angle)


@functools.cache
def noise_runs() -> dict:
    """sigma -> RMSProp at NOISE_LR on noisy_ravine(sigma): f - f* (steps + 1, seeds) and the scaled sharpness
    of its effective rates, D^1/2 H D^1/2's largest eigenvalue (steps, seeds)."""
    out = {}
    for sigma in NOISE_SIGMAS:
        problem, opt = noisy_ravine(sigma), RMSProp(NOISE_LR)
        traj = run(opt, problem, None, NOISE_STEPS)
        sharpness = scaled_sharpness(effective_lr(opt, problem, traj), problem.hessian)
        out[sigma] = {"gap": traj.loss - problem.f_min, "sharpness": sharpness}
    return out


def late_share_unstable(sigma: float) -> float:
    """The share of the steps of the second half, over all seeds, at which the scaled sharpness exceeds 2."""
    return float(np.mean(noise_runs()[sigma]["sharpness"][NOISE_STEPS // 2 :] > 2))


# ----- 4. where forgetting does not matter: the sparse problem -----------------------------------------
@functools.cache
def sparse_sweeps() -> dict:
    """AdaGrad and RMSProp (default beta) on the sparse problem over LR_GRID, scored at SPARSE_BUDGET."""
    makers = {"AdaGrad": AdaGrad, "RMSProp": RMSProp}
    return {
        name: sweep(make, SPARSE, SPARSE_BUDGET, gap_at(SPARSE_BUDGET), lr=LR_GRID) for name, make in makers.items()
    }


@functools.cache
def minibatch_sweeps() -> dict:
    """AdaGrad and RMSProp on the sparse problem with minibatches, over SEEDS x MB_GRID, scored at MB_STEPS."""
    problem = lambda seed: SparseLogistic(batch_size=MB_SIZE, batch_seed=seed.astype(int))  # noqa: E731
    makers = {"AdaGrad": AdaGrad, "RMSProp": RMSProp}
    return {
        name: sweep(make, problem, MB_STEPS, gap_at(MB_STEPS), record_every=MB_STEPS, seed=SEEDS, lr=MB_GRID)
        for name, make in makers.items()
    }


def minibatch_best(name: str) -> tuple:
    """(alpha of MB_GRID with the lowest mean f - f* over the seeds, f - f* per seed at that alpha)."""
    scores = minibatch_sweeps()[name].scores
    k = int(np.argmin(scores.mean(axis=0)))
    return float(MB_GRID[k]), scores[:, k]


# ----- 5. the choice of beta ---------------------------------------------------------------------------
@functools.cache
def beta_sweep():
    """One batched run over (beta, alpha) on the turned ravine, scored by f - f* after BETA_STEPS steps."""
    return sweep(lambda lr, beta: RMSProp(lr, beta=beta), BETA_PROBLEM, BETA_STEPS, gap_at(), beta=BETAS, lr=LR_GRID)


@functools.cache
def noisy_beta_sweep():
    """The beta sweep on noisy_ravine(BETA_NOISE), over SEEDS x BETAS x LR_GRID in one batched run."""
    problem = lambda seed: noisy_ravine(BETA_NOISE, seed)  # noqa: E731
    make = lambda lr, beta: RMSProp(lr, beta=beta)  # noqa: E731
    return sweep(make, problem, BETA_STEPS, gap_at(), seed=SEEDS, beta=BETAS, lr=LR_GRID)


def beta_best(noisy: bool = False) -> dict:
    """beta -> (best alpha, f - f* after BETA_STEPS steps at that alpha (mean over the seeds if noisy), its index)."""
    scores = noisy_beta_sweep().scores.mean(axis=0) if noisy else beta_sweep().scores
    out = {}
    for i, beta in enumerate(BETAS):
        k = int(np.argmin(scores[i]))
        out[beta] = (float(LR_GRID[k]), float(scores[i, k]), k)
    return out


def step_lengths(beta: float) -> np.ndarray:
    """|w_t - w_{t-1}| / alpha per step and coordinate along the tuned run for this beta: (BETA_STEPS, 2)."""
    lr, _, k = beta_best()[beta]
    path = beta_sweep().trajectory.params[:, BETAS.index(beta), k]
    return np.abs(np.diff(path, axis=0)) / lr


def sign_deviation() -> float:
    """Along the tuned beta = 0 run, the largest | |w_t - w_{t-1}| / alpha - 1 | over steps and coordinates."""
    return float(np.max(np.abs(step_lengths(0.0) - 1.0)))


# ----- figures -----------------------------------------------------------------------------------------
def _shades(name: str, n: int) -> list:
    """n shades of a method's color, from light to dark."""
    rgb = np.array(to_rgb(plots.color_of(name)))
    light = [tuple(1 - (1 - rgb) * f) for f in np.linspace(0.45, 1.0, n - 1)]
    return [*light, tuple(rgb * 0.6)]


def race_figure():
    """Left: both tuned runs on Beale. Right: their f - f* up to the tuning step."""
    runs = race()
    fig, (ax_path, ax_loss) = plots.figure(ncols=2, width=4.8)
    order = ("RMSProp", "AdaGrad")  # AdaGrad on top: the two paths coincide until AdaGrad stops short
    plots.trajectories(BEALE, {name: runs[name]["params"][: RACE_STEPS + 1] for name in order}, ax=ax_path)
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
    ax_rate.set(xlabel="step $t$", ylabel=r"effective rate $\eta_t = \alpha/(\sqrt{v_t}+\varepsilon)$")
    ax_rate.legend(loc="center right")
    plots.losses({name: r["gap"] for name, r in runs.items()}, 0.0, ax=ax_loss)
    ax_loss.axvline(RACE_STEPS, color="#999999", linewidth=0.8, linestyle=":")
    return fig


def noise_figure(seed: int = 0):
    """Left: f - f* of RMSProp at NOISE_LR on the noisy turned ravine for each noise level (one seed). Right: the
    scaled sharpness of its effective rates, with the stability limit 2."""
    fig, (ax_loss, ax_sharp) = plots.figure(ncols=2, width=4.8)
    t = np.arange(NOISE_STEPS + 1)
    for color, sigma in zip(_shades("RMSProp", len(NOISE_SIGMAS)), NOISE_SIGMAS, strict=True):
        runs = noise_runs()[sigma]
        ax_loss.loglog(
            t[1:], plots.loss_gap(runs["gap"][1:, seed], 0.0), color=color, linewidth=1, label=f"σ = {sigma:g}"
        )
        ax_sharp.loglog(t[1:], runs["sharpness"][:, seed], color=color, linewidth=1, label=f"σ = {sigma:g}")
    ax_sharp.axhline(2.0, color="black", linestyle=":", linewidth=1, label="stability limit 2")
    ax_loss.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$")
    ax_sharp.set(xlabel="step $t$", ylabel=r"largest eigenvalue of $\alpha D_t^{-1/2} H D_t^{-1/2}$")
    ax_loss.legend(loc="lower left")
    ax_sharp.legend(loc="upper left")
    return fig


def beta_figure():
    """Left: RMSProp's step lengths for a few betas (each at its best alpha). Right: best f - f* against 1 - beta."""
    fig, (ax_step, ax_beta) = plots.figure(ncols=2, width=4.8)
    chosen = beta_best()
    styles = (":", "--", "-")
    for color, style, beta in zip(_shades("RMSProp", len(SHOWN_BETAS)), styles, SHOWN_BETAS, strict=True):
        t = np.arange(1, BETA_STEPS + 1)
        label = f"RMSProp β = {beta:g} (α = {chosen[beta][0]:.2g})"
        ax_step.semilogy(t, step_lengths(beta)[:, 0], color=color, linestyle=style, label=label)
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


# ----- the numbers the prose quotes ----------------------------------------------------------------------
def _key(beta: float) -> str:
    """0.99 -> '099', the suffix of a beta's glue names."""
    return f"{beta:g}".replace(".", "")


def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    fields = RMSProp.__dataclass_fields__
    first = first_steps(1.0)
    r = race()
    ada, rms = r["AdaGrad"], r["RMSProp"]
    growth = rms["rates"][RACE_STEPS - 1] / rms["rates"][0]
    pair = {name: (s.best["lr"], s.best_score) for name, s in sparse_sweeps().items()}
    chosen, noisy = beta_best(), beta_best(noisy=True)
    mb = {name: minibatch_best(name) for name in ("AdaGrad", "RMSProp")}
    middle = step_lengths(0.9)[:, 0]
    flare = 10 + int(np.argmax(middle[10:]))  # the largest step of the beta = 0.9 run after its start
    return {
        "beta": float(fields["beta"].default),
        "eps": float(fields["eps"].default),
        # the first step from the wall, alpha = 1
        "first_dw_1": float(first["dw"][0]),
        "first_dw_2": float(first["dw"][1]),
        "first_ada_1": float(first["AdaGrad"][0]),
        "first_ada_2": float(first["AdaGrad"][1]),
        "first_rms_1": float(first["RMSProp"][0]),
        "first_rms_2": float(first["RMSProp"][1]),
        "first_factor": float(1 / np.sqrt(1 - BETA)),
        "first_doubling": float(doubling_time(BETA)),
        # the race on Beale
        "race_n_grid": len(LR_GRID),
        "race_grid_lo": float(LR_GRID[0]),
        "race_grid_hi": float(LR_GRID[-1]),
        "race_steps": RACE_STEPS,
        "race_long_steps": LONG_STEPS,
        "race_tol": RACE_TOL,
        "race_ada_lr": ada["lr"],
        "race_rms_lr": rms["lr"],
        "race_ada_gap": float(ada["gap"][RACE_STEPS]),
        "race_rms_gap": float(rms["gap"][RACE_STEPS]),
        "race_factor": float(ada["gap"][RACE_STEPS] / rms["gap"][RACE_STEPS]),
        "race_rms_hit": steps_to_tolerance(rms["gap"][: RACE_STEPS + 1], RACE_TOL),
        "race_ada_best_long": float(np.min(ada["gap"])),
        "race_path_distance": path_distance(ada["params"][: RACE_STEPS + 1], rms["params"][: RACE_STEPS + 1]),
        "race_growth": float(np.mean(growth)),
        "race_growth_predicted": float(BETA ** (-(RACE_STEPS - 1) / 2)),
        "race_ada_change": float(np.max(np.abs(ada["rates"][-1] / ada["rates"][0] - 1))),
        "race_rms_low": float(np.min(rms["gap"])),
        "race_rms_low_step": int(np.argmin(rms["gap"])),
        "race_overshoot": overshoot_step(rms["gap"]),
        "race_unstable_from": 1 + int(np.argmax(scaled_curvature(rms["rates"]) > 2)),
        "race_cycle_lo": float(np.min(rms["gap"][-10:])),
        "race_cycle_hi": float(np.max(rms["gap"][-10:])),
        "race_cycle_jump": float(np.linalg.norm(rms["params"][-1] - rms["params"][-2])),
        "race_ada_gap_long": float(ada["gap"][-1]),
        # with gradient noise
        "noise_lr": NOISE_LR,
        "noise_steps": NOISE_STEPS,
        "n_seeds": len(SEEDS),
        **{f"noise_unstable_{_key(s)}": late_share_unstable(s) for s in NOISE_SIGMAS},
        **{
            f"noise_late_{_key(s)}": float(np.mean(noise_runs()[s]["gap"][NOISE_STEPS // 2 + 1 :]))
            for s in NOISE_SIGMAS
        },
        "noise_low_0": float(np.min(noise_runs()[0.0]["gap"])),
        # the sparse problem
        "sparse_budget": SPARSE_BUDGET,
        "sparse_lr_ratio": pair["AdaGrad"][0] / pair["RMSProp"][0],
        "sparse_ada_lr": pair["AdaGrad"][0],
        "sparse_ada_gap": pair["AdaGrad"][1],
        "sparse_rms_lr": pair["RMSProp"][0],
        "sparse_rms_gap": pair["RMSProp"][1],
        "sparse_ratio": pair["AdaGrad"][1] / pair["RMSProp"][1],
        "mb_size": MB_SIZE,
        "mb_steps": MB_STEPS,
        "mb_ada_lr": mb["AdaGrad"][0],
        "mb_rms_lr": mb["RMSProp"][0],
        "mb_ada_gap": float(np.mean(mb["AdaGrad"][1])),
        "mb_rms_gap": float(np.mean(mb["RMSProp"][1])),
        "mb_ratio": float(np.mean(mb["RMSProp"][1]) / np.mean(mb["AdaGrad"][1])),
        # the choice of beta
        "beta_steps": BETA_STEPS,
        "beta_n_betas": len(BETAS),
        "beta_best_beta": min(BETAS, key=lambda b: chosen[b][1]),
        "beta_sign_dev": sign_deviation(),
        "beta_flare_09": float(middle[flare]),
        "beta_flare_09_step": flare + 1,
        **{f"beta_gap_{_key(b)}": chosen[b][1] for b in (0.0, 0.9, 0.99, 0.999)},
        **{f"beta_first_{_key(b)}": float(1 / np.sqrt(1 - b)) for b in (0.99, 0.999)},
        "nbeta_sigma": BETA_NOISE,
        "nbeta_best_beta": min(BETAS, key=lambda b: noisy[b][1]),
        **{f"nbeta_gap_{_key(b)}": noisy[b][1] for b in (0.0, 0.9, 0.99, 0.999)},
        "nbeta_spread": max(g for _, g, _ in noisy.values()) / min(g for _, g, _ in noisy.values()),
    }


# ----- the playground ----------------------------------------------------------------------------------
_PROBLEMS = (BETA_PROBLEM, BEALE)


def _problem(which):
    """The turned ravine (0) or Beale from its wall (1)."""
    return _PROBLEMS[round(float(which))]


@register("rmsprop")
def playground() -> Playground:
    # lr_ada is the last axis of the grid: RMSProp's runs, which do not depend on it, then repeat side by side
    # in the page's data and compress away.
    return Playground(
        "rmsprop",
        _problem,
        {"AdaGrad": lambda lr_ada: AdaGrad(lr_ada), "RMSProp": lambda lr_rms, beta: RMSProp(lr_rms, beta=beta)},
        [
            Slider("which", (0.0, 1.0), 0.0, label="problem", names=("ravine turned 22.5°", "Beale from (3, −3)")),
            Slider("lr_rms", tuple(10.0 ** np.arange(-2.0, 0.01, 0.5)), 0.316, label="α for RMSProp"),
            Slider("beta", (0.0, 0.9, 0.99, 0.999), 0.99, label="β (RMSProp)"),
            Slider("lr_ada", tuple(10.0 ** np.arange(-1.0, 1.01, 0.5)), 3.16, label="α for AdaGrad"),
            Slider("steps", (25, 50, 100, 200, 300), 300, label="steps", fmt=".0f"),
        ],
        steps=300,
        readout=lambda beta: f"RMSProp's first step is {1 / np.sqrt(1 - beta):.3g}·α per coordinate; AdaGrad's is α",
        caption="AdaGrad and RMSProp, each with its own learning rate α.",
    )
