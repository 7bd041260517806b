"""Chapter "Side-by-side comparison": the six optimizers of the article on the same four problems (the ravine,
Rosenbrock's valley, the saddle, sparse logistic regression), each at its own tuned learning rate, and what a
table of best results hides.

Tuning is one batched `tuning.sweep` per optimizer and problem over a log grid of learning rates, scored by
`tuning.mean_log_gap`: the mean of log10(f - f*) over the run, with runs that diverge or blow up (f - f*
above BLOWUP times its start) excluded. Every other hyperparameter stays at its library default.

Claims: no method wins everywhere (AdaGrad is fastest on three problems, only Momentum and Adam finish
Rosenbrock, SignGD reaches the tolerance nowhere); default Momentum is slower than GD on the ravine, and a tuned
beta reverses that; turning the ravine by 45 degrees slows AdaGrad and Adam but not GD and Momentum; RMSProp
rebounds after reaching the floor; Adam has the widest window of working learning rates on every problem.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD, measure, plots, run, theory
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, SADDLE, Rosenbrock, SparseLogistic, rotation
from optim_core.tables import markdown_table, pretty
from optim_core.tuning import Sweep, mean_log_gap, steps_to, sweep

LR_GRID = np.geomspace(1e-4, 1e2, 37)  # six values per decade over six decades
WIDE_EXTRA = LR_GRID[-1] * (LR_GRID[1] / LR_GRID[0]) ** np.arange(1, 13)  # two more decades, same spacing
TOL = 1e-6  # "reached" means f - f* <= TOL from some step to the end of the run
BLOWUP = 100.0  # a run whose f - f* ever exceeds BLOWUP times its start value counts as failed
RULE = mean_log_gap(BLOWUP, plots.LOSS_FLOOR)  # the tuning criterion: lower is better, inf for a failed run

OPTIMIZERS = {"GD": GD, "Momentum": Momentum, "AdaGrad": AdaGrad, "RMSProp": RMSProp, "SignGD": SignGD, "Adam": Adam}
PREVIEWS = {"AdamW": AdamW, "Lion": Lion}  # methods of a later chapter, at their library defaults, on the surfaces
ALL = {**OPTIMIZERS, **PREVIEWS}

PROBLEMS = {"ravine": RAVINE, "Rosenbrock": Rosenbrock(), "saddle": SADDLE, "sparse logistic": SparseLogistic()}
STEPS = {"ravine": 300, "Rosenbrock": 1000, "saddle": 300, "sparse logistic": 300}
PLANAR = ("ravine", "Rosenbrock", "saddle")  # the 2-D problems, in the playground's order
SHORT = {"ravine": "ravine", "Rosenbrock": "rosen", "saddle": "saddle", "sparse logistic": "sparse"}  # in glue names

ROTATION_DEG = 45
# (problem, start, budget) of every run; "rotated ravine" is the ravine in coordinates turned by 45 degrees, its
# axes and its start point turned together.
SETUPS = {key: (p, p.x0, STEPS[key]) for key, p in PROBLEMS.items()}
SETUPS["rotated ravine"] = (
    RAVINE.turned(ROTATION_DEG),
    rotation(np.deg2rad(ROTATION_DEG)) @ RAVINE.x0,
    STEPS["ravine"],
)

BETAS = np.round(np.linspace(0.0, 0.9, 10), 2)  # the momentum grid of the joint (beta, alpha) sweep
ESCAPE_HEIGHT = 0.5  # |w2| at which a run has left the saddle's ridge
LATE = 50  # the last steps over which SignGD's floor is measured
RARE_LAG_STEP = 100  # when the rare weights' lag is measured on the sparse problem
SCALES = tuple(2.0**k for k in range(-3, 4))  # the playground's multipliers of each tuned rate
PLAYGROUND_STEPS = 300


# ----- the sweeps ----------------------------------------------------------------------------------------------


@functools.cache
def tuned(problem: str, name: str, blowup_rule: bool = True, wide: bool = False) -> Sweep:
    """ONE batched run of optimizer `name` over LR_GRID (or, wide=True, over WIDE_EXTRA) on a key of SETUPS,
    scored by the chapter's rule; blowup_rule=False keeps only the exclusion of diverged runs."""
    p, x0, steps = SETUPS[problem]
    score = RULE if blowup_rule else mean_log_gap(None, plots.LOSS_FLOOR)
    return sweep(lambda lr: ALL[name](lr=lr), p, steps, score, x0=x0, lr=WIDE_EXTRA if wide else LR_GRID)


def tuned_lr(problem: str, name: str) -> float:
    """The learning rate the rule kept for `name` on `problem`."""
    return tuned(problem, name).best["lr"]


def best_path(problem: str, name: str) -> np.ndarray:
    """The iterates of the tuned run, shape (steps + 1, dim)."""
    return tuned(problem, name).run_at().params


def best_gap(problem: str, name: str) -> np.ndarray:
    """f - f* along the tuned run, floored at plots.LOSS_FLOOR like the figures."""
    return plots.loss_gap(tuned(problem, name).run_at().loss, SETUPS[problem][0].f_min)


def steps_to_tol(problem: str, name: str) -> int | None:
    """Steps the tuned run needs to get f - f* <= TOL for good, or None."""
    return measure.steps_to_tolerance(best_gap(problem, name), TOL)


def eligible_final_gaps(s: Sweep, f_min: float) -> np.ndarray:
    """Final f - f* of every run of a sweep (floored), NaN where the rules excluded the run."""
    return np.where(np.isfinite(s.scores), plots.loss_gap(s.trajectory.final_loss, f_min), np.nan)


def reaching(problem: str, name: str, wide: bool = False) -> np.ndarray:
    """For each learning rate of a sweep: did its run pass the rules and reach TOL for good within the budget?"""
    s = tuned(problem, name, wide=wide)
    return np.isfinite(s.scores) & np.isfinite(steps_to(TOL)(s.trajectory, SETUPS[problem][0]))


def decades(count: int, lrs: np.ndarray) -> float:
    """How many decades `count` neighbouring points of the log grid `lrs` span, counting each point's share."""
    return count * np.log10(lrs[-1] / lrs[0]) / (len(lrs) - 1)


def window(problem: str, name: str) -> float:
    """The width, in decades of alpha, of the grid values whose runs reach TOL within the budget."""
    return decades(int(reaching(problem, name).sum()), LR_GRID)


def wide_window(problem: str, name: str) -> float:
    """The window on LR_GRID extended by WIDE_EXTRA, for a window that runs into the top of LR_GRID."""
    return decades(int(reaching(problem, name).sum() + reaching(problem, name, wide=True).sum()), LR_GRID)


def widest_window(problem: str) -> str:
    """The optimizer of the six with the widest window on `problem`."""
    return max(OPTIMIZERS, key=lambda n: window(problem, n))


# ----- what the text measures on the tuned runs ----------------------------------------------------------------


def first_hit(values, where) -> int | None:
    """The first index at which `where(values)` holds, or None."""
    hits = np.flatnonzero(where(values))
    return int(hits[0]) if hits.size else None


def late_spike(problem: str, name: str) -> tuple:
    """(first step with f - f* <= TOL, the step of the largest f - f* after it, that largest f - f*)."""
    gap = best_gap(problem, name)
    arrived = first_hit(gap, lambda g: g <= TOL)
    peak = arrived + int(np.argmax(gap[arrived:]))
    return arrived, peak, float(gap[peak])


def scaled_outcome(problem: str, name: str, scale: float) -> int | None:
    """Steps to TOL at `scale` times the tuned rate (None: not reached, diverged or blew up)."""
    p, x0, steps = SETUPS[problem]
    traj = run(ALL[name](lr=scale * tuned_lr(problem, name)), p, x0, steps)
    if np.isinf(RULE(traj, p)):
        return None
    return measure.steps_to_tolerance(traj.loss - p.f_min, TOL)


def without_decay(problem: str) -> float:
    """Final f - f* of plain Adam (AdamW without its decay) at AdamW's tuned learning rate."""
    p, x0, steps = SETUPS[problem]
    return float(plots.loss_gap(run(Adam(lr=tuned_lr(problem, "AdamW")), p, x0, steps).final_loss, p.f_min))


@functools.cache
def momentum_beta_sweep() -> tuple:
    """One batched Momentum run over (beta, alpha) on the ravine: (beta, alpha, steps to TOL, grid index)."""
    s = sweep(lambda beta, lr: Momentum(lr=lr, beta=beta), RAVINE, STEPS["ravine"], RULE, beta=BETAS, lr=LR_GRID)
    gap = s.run_at().loss - RAVINE.f_min
    return s.best["beta"], s.best["lr"], measure.steps_to_tolerance(gap, TOL), s.best_index


def adagrad_without_rule() -> dict:
    """AdaGrad on the ravine tuned with no blow-up rule: its rate, first step, steps to TOL, and
    alpha c_i / sqrt(v_i) after two gradients (c_i the curvature; about 1 means a Newton step)."""
    s = tuned("ravine", "AdaGrad", blowup_rule=False)
    path, lr = s.run_at().params, s.best["lr"]
    v2 = np.sum(RAVINE.grad(path[:2]) ** 2, axis=0)  # AdaGrad's sum after its first two gradients
    steps = measure.steps_to_tolerance(s.run_at().loss - RAVINE.f_min, TOL)
    factors = lr * np.diag(RAVINE.hessian) / np.sqrt(v2)
    return {"lr": lr, "index": s.best_index[0], "first": path[1], "steps": steps, "factors": factors}


# ----- tables -----------------------------------------------------------------------------------------------------


def table_cells(problem: str, name: str) -> list[str]:
    """One row of results: the tuned alpha, the final f - f* ("≤ 10⁻¹⁶" at the plots' floor), the steps to TOL."""
    gap, steps = float(best_gap(problem, name)[-1]), steps_to_tol(problem, name)
    final = f"≤ {pretty(plots.LOSS_FLOOR)}" if gap <= plots.LOSS_FLOOR else pretty(gap, compact=True)
    return [f"{tuned_lr(problem, name):.3g}", final, "not reached" if steps is None else str(steps)]


def table_html() -> str:
    """The results as an HTML table: a block of rows per problem, the previews in grey italics."""
    head = "".join(
        f"<th>{h}</th>" for h in ("problem", "optimizer", "tuned α", "final f − f*", f"steps to f − f* ≤ {pretty(TOL)}")
    )
    rows = []
    for problem in PROBLEMS:
        names = list(ALL if problem in PLANAR else OPTIMIZERS)
        label = f'<th rowspan="{len(names)}" style="vertical-align:top">{problem}<br>'
        label += f"<small>{STEPS[problem]} steps</small></th>"
        for i, n in enumerate(names):
            style = ' style="color:#777; font-style:italic"' if n in PREVIEWS else ""
            cells = "".join(f"<td>{c}</td>" for c in [n + " (preview)" * (n in PREVIEWS), *table_cells(problem, n)])
            rows.append(
                f'<tr style="border-top:2px solid #888">{label}{cells}</tr>' if i == 0 else f"<tr{style}>{cells}</tr>"
            )
    return (
        '<table class="comparison-table" style="font-size:0.9em; font-variant-numeric: tabular-nums">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def defaults_table() -> str:
    """Markdown: each optimizer's hyperparameters other than alpha, as the library's defaults set them."""
    rows = []
    for n, cls in ALL.items():
        kept = [f"{k} = {np.asarray(v).item()!r}" for k, v in cls(lr=1.0).hyperparameters().items() if k != "lr"]
        rows.append([n, f"`{', '.join(kept)}`" if kept else "(none)"])
    return markdown_table(["optimizer", "kept at the library default"], rows)


# ----- figures -------------------------------------------------------------------------------------------------------


def _tolerance_line(ax):
    ax.axhline(TOL, color="#999999", linewidth=0.8, linestyle=":")


def surface_figure(problem: str):
    """One panel per optimizer with its path at its tuned alpha over the contours, and all their f - f* on the right."""
    p, names = PROBLEMS[problem], list(OPTIMIZERS)
    rows = [names[:3], names[3:]]
    with mpl.rc_context(plots.STYLE):
        fig = plots.BookFigure(figsize=(11.0, 5.8), layout="constrained")
        axes = fig.subplot_mosaic([[*r, "loss", "loss"] for r in rows])
        for i, n in enumerate(names):
            ax, path = axes[n], best_path(problem, n)
            plots.contours(ax, p, resolution=100)
            plots.path_line(ax, n, i, markersize=2.0, linewidth=1.1).set_data(path[:, 0], path[:, 1])
            ax.set_title(f"{n}, α = {tuned_lr(problem, n):.3g}", color=plots.color_of(n, i), fontsize=10)
            ax.set(xlabel="", ylabel="")
            ax.tick_params(labelsize=7.5)
        plots.losses({n: tuned(problem, n).run_at().loss for n in names}, p.f_min, ax=axes["loss"])
        _tolerance_line(axes["loss"])
        axes["loss"].legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, fontsize=9)
        axes["loss"].set_title(f"f − f* at the tuned α ({STEPS[problem]} steps; dotted: {pretty(TOL)})", fontsize=10)
    return fig


def losses_figure(problem: str):
    """f - f* at each optimizer's tuned rate on one (not 2-D) problem."""
    fig, ax = plots.figure(width=6.4, height=3.7)
    plots.losses({n: tuned(problem, n).run_at().loss for n in OPTIMIZERS}, PROBLEMS[problem].f_min, ax=ax)
    with mpl.rc_context(plots.STYLE):
        _tolerance_line(ax)
        ax.set_title(f"{problem}: each optimizer at its tuned α, {STEPS[problem]} steps (dotted: {pretty(TOL)})")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def sensitivity_figure(problem: str):
    """Final f - f* against the learning rate for every optimizer (its one batched sweep), the tuned alpha marked."""
    fig, ax = plots.figure(width=6.6, height=3.8)
    with mpl.rc_context(plots.STYLE):
        for i, n in enumerate(OPTIMIZERS):
            color = plots.color_of(n, i)
            ax.loglog(LR_GRID, eligible_final_gaps(tuned(problem, n), PROBLEMS[problem].f_min), color=color, label=n)
            ax.plot(
                tuned_lr(problem, n), best_gap(problem, n)[-1], "o", color=color, markersize=7, markeredgecolor="black"
            )
        _tolerance_line(ax)
        ax.set(
            xlabel=r"learning rate $\alpha$", ylabel=rf"$f - f^\star$ after {STEPS[problem]} steps", ylim=(5e-17, None)
        )
        ax.set_title(f"{problem}: final loss over the whole grid (dot: tuned α)")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def window_figure():
    """Per problem and optimizer: the grid values of alpha whose runs reach TOL (squares), the tuned one (ring)."""
    names = list(OPTIMIZERS)
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.6, height=2.6, sharey=True)
    with mpl.rc_context(plots.STYLE):
        for ax, problem in zip(axes, PROBLEMS, strict=True):
            for row, n in enumerate(names):
                ok = reaching(problem, n)
                ax.plot(LR_GRID[ok], np.full(ok.sum(), row), "s", color=plots.color_of(n, row), markersize=5)
                ax.plot(tuned_lr(problem, n), row, "o", markersize=11, markerfacecolor="none", markeredgecolor="black")
            ax.set_xscale("log")
            ax.set(xlim=(LR_GRID[0] / 2, LR_GRID[-1] * 2), ylim=(len(names) - 0.5, -0.5), title=problem)
            ax.set_xlabel(r"$\alpha$")
            ax.set_yticks(range(len(names)), names)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return fig


# ----- every number the text quotes, section by section -----------------------------------------------------------


def _per_run(what: str, problem: str, names: str) -> dict:
    """Glue names such as "steps_ravine_gd": `what` ("lr", "final" or "steps") of the tuned runs of `names`."""
    measure_of = {"lr": tuned_lr, "final": lambda p, n: float(best_gap(p, n)[-1]), "steps": steps_to_tol}
    return {f"{what}_{SHORT[problem]}_{n.lower()}": measure_of[what](problem, n) for n in names.split()}


def _protocol_numbers() -> dict:
    rosen, sparse = PROBLEMS["Rosenbrock"], PROBLEMS["sparse logistic"]
    return {
        "n_grid": len(LR_GRID), "lr_lo": LR_GRID[0], "lr_hi": LR_GRID[-1], "per_decade": round(1 / decades(1, LR_GRID)),
        "grid_ratio": LR_GRID[1] / LR_GRID[0], "tol": TOL, "blowup": int(BLOWUP), "floor": plots.LOSS_FLOOR,
        "steps_short": STEPS["ravine"], "steps_rosenbrock": STEPS["Rosenbrock"], "saddle_y0": SADDLE.x0[1],
        "ravine_x0_1": RAVINE.x0[0], "ravine_x0_2": RAVINE.x0[1], "rosen_x0_1": rosen.x0[0],
        "rosen_min_1": rosen.minimum[0], "rosen_distance": np.max(np.abs(rosen.minimum - rosen.x0)),
        "n_sparse": sparse.dim, "n_rare": sparse.n_rare, "rare_freq": sparse.rare_freq, "late": LATE,
        "escape_height": ESCAPE_HEIGHT, "rotation_deg": ROTATION_DEG, "pg_steps": PLAYGROUND_STEPS,
    }  # fmt: skip


def _criterion_numbers() -> dict:
    """Why the mean log gap and the blow-up rule, and the worked case of GD on the ravine."""
    norule, gd = adagrad_without_rule(), tuned("ravine", "GD")
    floor_runs = sum(np.sum(eligible_final_gaps(tuned("ravine", n), 0.0) <= plots.LOSS_FLOOR) for n in OPTIMIZERS)
    return {
        "ravine_floor_runs": int(floor_runs),
        "lion_lucky_step": first_hit(best_gap("Rosenbrock", "Lion"), lambda g: g <= plots.LOSS_FLOOR),
        "lion_lucky_final": float(best_gap("Rosenbrock", "Lion")[-1]),
        "norule_lr": norule["lr"], "norule_w1": norule["first"][0], "norule_w2": norule["first"][1],
        "norule_steps": norule["steps"], "norule_factor1": norule["factors"][0], "norule_factor2": norule["factors"][1],
        "gd_theory_lr": theory.gd_best(RAVINE.mu, RAVINE.L)[0], "gd_threshold": theory.gd_stable_lr(RAVINE.L),
        "gd_next_lr": LR_GRID[gd.best_index[0] + 1],
        **_per_run("lr", "ravine", "GD"),
    }  # fmt: skip


def _ravine_numbers() -> dict:
    beta = float(Momentum(lr=1.0).beta)
    beta_tuned, lr_tuned, steps_tuned, _ = momentum_beta_sweep()
    arrived, peak_step, peak = late_spike("ravine", "RMSProp")
    rot = {
        n: measure.steps_to_tolerance(best_gap("rotated ravine", n), TOL) for n in ("GD", "Momentum", "AdaGrad", "Adam")
    }
    return {
        "gd_steep_factor": 1.0 - tuned_lr("ravine", "GD") * RAVINE.L, "kappa": RAVINE.kappa,
        "gd_rate": theory.gd_best(RAVINE.mu, RAVINE.L)[1], "beta_default": beta, "mom_floor": np.sqrt(beta),
        "beta_theory": theory.heavy_ball_best(RAVINE.mu, RAVINE.L)[1],
        "beta_tuned": beta_tuned, "beta_tuned_lr": lr_tuned, "beta_tuned_steps": steps_tuned,
        "rot_gd": rot["GD"], "rot_mom": rot["Momentum"], "rot_adagrad": rot["AdaGrad"], "rot_adam": rot["Adam"],
        "rms_first_factor": 1.0 / np.sqrt(1.0 - float(RMSProp(lr=1.0).beta)),
        "rms_ravine_first": np.linalg.norm(np.diff(best_path("ravine", "RMSProp")[:2], axis=0)) / np.sqrt(2.0),
        "rms_ravine_arrived": arrived, "rms_ravine_peak_step": peak_step, "rms_ravine_peak": peak,
        "ravine_start_gap": RAVINE.f(RAVINE.x0) - RAVINE.f_min,
        "sign_ravine_bound": 0.5 * (RAVINE.mu + RAVINE.L) * tuned_lr("ravine", "SignGD") ** 2,  # once |w_i| <= alpha
        "sign_ravine_late": np.max(best_gap("ravine", "SignGD")[-LATE:]),
        **_per_run("steps", "ravine", "GD Momentum AdaGrad RMSProp Adam"), **_per_run("lr", "ravine", "SignGD"),
    }  # fmt: skip


def _rosenbrock_and_saddle_numbers() -> dict:
    rosen, gd = PROBLEMS["Rosenbrock"], tuned("Rosenbrock", "GD")
    lr_saddle_gd = tuned_lr("saddle", "GD")
    escape = {n: first_hit(best_path("saddle", n)[:, 1], lambda y: np.abs(y) >= ESCAPE_HEIGHT) for n in OPTIMIZERS}
    return {
        "rosen_gd_next": LR_GRID[gd.best_index[0] + 1],
        "sign_travel": np.max(np.abs(rosen.minimum - rosen.x0)) / tuned_lr("Rosenbrock", "SignGD"),
        # near the ridge GD multiplies w2 by (1 + alpha) per step: steps to grow from the start's w2 to the height
        "gd_escape_pred": np.log(ESCAPE_HEIGHT / abs(SADDLE.x0[1])) / np.log1p(lr_saddle_gd),
        "escape_gd": escape["GD"], "escape_mom": escape["Momentum"], "escape_sign": escape["SignGD"],
        **_per_run("steps", "Rosenbrock", "Momentum Adam"), **_per_run("lr", "Rosenbrock", "GD SignGD"),
        **_per_run("final", "Rosenbrock", "GD AdaGrad RMSProp"), **_per_run("lr", "saddle", "GD SignGD"),
        **_per_run("steps", "saddle", "AdaGrad RMSProp GD Momentum Adam"),
    }  # fmt: skip


def _sparse_numbers() -> dict:
    sparse = PROBLEMS["sparse logistic"]
    error = np.abs(best_path("sparse logistic", "GD")[RARE_LAG_STEP] - sparse.minimum)
    arrived, peak_step, peak = late_spike("sparse logistic", "RMSProp")
    return {
        "rare_lag_step": RARE_LAG_STEP, "rare_lag": error[sparse.n_common :].max() / error[: sparse.n_common].max(),
        "rms_sparse_arrived": arrived, "rms_sparse_peak_step": peak_step, "rms_sparse_peak": peak,
        "rms_sparse_window_top": LR_GRID[np.flatnonzero(reaching("sparse logistic", "RMSProp"))[-1]],
        "mom_sparse_wide": wide_window("sparse logistic", "Momentum"), "wide_hi": np.round(WIDE_EXTRA[-1]),
        **_per_run("steps", "sparse logistic", "AdaGrad Adam Momentum GD"),
        **_per_run("lr", "sparse logistic", "GD RMSProp"), **_per_run("final", "sparse logistic", "RMSProp SignGD"),
    }  # fmt: skip


def _window_preview_and_playground_numbers() -> dict:
    return {
        **{f"window_{SHORT[p]}_adam": window(p, "Adam") for p in PROBLEMS},
        "nodecay_saddle": without_decay("saddle"), "nodecay_rosen": without_decay("Rosenbrock"),
        **_per_run("steps", "ravine", "AdamW"), **_per_run("final", "saddle", "AdamW"),
        **_per_run("final", "Rosenbrock", "AdamW"),
        "adam_ravine_quarter": scaled_outcome("ravine", "Adam", 0.25),
        "adam_ravine_x4": scaled_outcome("ravine", "Adam", 4.0),
        "adam_rosen_half": scaled_outcome("Rosenbrock", "Adam", 0.5),
    }  # fmt: skip


def numbers() -> dict:
    """Name -> every number the prose quotes. Integers stay integers; every other number is the text the prose
    shows (tables.pretty: 3 significant digits, powers of ten as 10ⁿ), so that the glued text is exactly this."""
    merged = {
        **_protocol_numbers(),
        **_criterion_numbers(),
        **_ravine_numbers(),
        **_rosenbrock_and_saddle_numbers(),
        **_sparse_numbers(),
        **_window_preview_and_playground_numbers(),
    }
    return {k: int(v) if isinstance(v, (int, np.integer)) else pretty(v) for k, v in merged.items()}


# ----- the playground ---------------------------------------------------------------------------------------------


def tuned_table() -> dict:
    """name -> array of its tuned learning rates, one per 2-D problem (in the playground's order)."""
    return {n: np.array([tuned_lr(p, n) for p in PLANAR]) for n in OPTIMIZERS}


def _factory(cls, lrs: np.ndarray):
    """An optimizer factory at `lr_scale` times its tuned rate on the chosen problem (works on numpy arrays)."""
    return lambda lr_scale, problem: cls(lr=lrs[np.asarray(problem, dtype=int)] * np.asarray(lr_scale))


def _readout(lr_scale, problem) -> str:
    """The line under the playground: the learning rate each optimizer is using."""
    return "α used: " + ", ".join(f"{n} {lrs[int(problem)] * lr_scale:.3g}" for n, lrs in tuned_table().items())


@register("comparison")
def playground() -> Playground:
    tuned_lrs = tuned_table()
    return Playground(
        "comparison",
        lambda problem: PROBLEMS[PLANAR[int(problem)]],
        {n: _factory(cls, tuned_lrs[n]) for n, cls in OPTIMIZERS.items()},
        [
            Slider("problem", (0, 1, 2), 0, label="problem", names=PLANAR),
            Slider("lr_scale", SCALES, 1.0, label="α / tuned α", fmt="g"),
            Slider("steps", (25, 50, 100, 200, PLAYGROUND_STEPS), PLAYGROUND_STEPS, label="steps shown", fmt="g"),
        ],
        steps=PLAYGROUND_STEPS,
        readout=_readout,
        caption="Every optimizer at a common multiple of its own tuned learning rate",
    )
