"""Chapter "Side-by-side comparison": the six optimizers of the article on the same four problems (the ravine,
Rosenbrock's valley, the saddle, sparse logistic regression), each at its own tuned learning rate, and what a
table of best results hides.

Tuning is one batched `tuning.sweep` per optimizer and problem over a log grid of learning rates, scored by
`tuning.mean_log_gap`: the mean of log10(f - f*) over the run, with runs that diverge or blow up (f - f*
above BLOWUP times its start) excluded. Every other hyperparameter stays at its library default.

Claims: no method wins everywhere (AdaGrad is fastest on three problems, only Momentum and Adam finish Rosenbrock,
SignGD reaches the tolerance nowhere); default Momentum is slower than GD on the ravine, a tuned beta reverses that;
RMSProp rebounds after reaching the floor; Adam has the widest window of working rates on every problem as posed.
The rotation study reruns it all on turned copies of each problem: GD and Momentum do not change; AdaGrad's wins on the
ravine and the sparse problem, the one-step escapes from the saddle and Adam's window on Rosenbrock need the axes.
Momentum is the article's EMA form (Momentum(ema=True)): every Momentum rate quoted is an EMA-form rate.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD, measure, plots, run, tables, theory
from optim_core import problems as pb
from optim_core.chapters import register
from optim_core.playground import Playground, tuned_race
from optim_core.problems import RAVINE, SADDLE, Rosenbrock, SparseLogistic
from optim_core.tables import grouped_html, median_and_range, pretty
from optim_core.tuning import Sweep, mean_log_gap, sweep

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

# The rotation study: each 2-D problem turned (start and minimum with it) by 45 degrees, the worst case for a
# per-coordinate method on a quadratic, and by TURNS; the sparse one by random rotations of all its coordinates.
ROTATION_DEG = 45
TURN_SEED = 0
TURNS = np.random.default_rng(TURN_SEED).uniform(0.0, 360.0, 5)  # five seeded random angles, in degrees
ANGLES = np.array([ROTATION_DEG, *TURNS])
SPARSE_SEEDS = (0, 1)  # random_rotation(25, seed): two turns of the sparse problem (each sweep costs ~1 s)
SPARSE_HALF = 6  # its alpha is retuned over the grid values within a decade (6 points) of the aligned one
INVARIANT = ("GD", "Momentum")  # linear in the gradient: rerun on the turned sparse problem at the aligned rate only
SHARES = (("ravine", "AdaGrad"), ("Rosenbrock", "Adam"), ("saddle", "AdaGrad"))  # aligned winners, counted turned
RERUN_SPARSE = (*INVARIANT, "AdaGrad", "Adam")  # RMSProp and SignGD, which miss TOL on it aligned, are not rerun

BETAS = np.round(np.linspace(0.0, 0.9, 10), 2)  # the momentum grid of the joint (beta, alpha) sweep
ESCAPE_HEIGHT = 0.5  # |w2| at which a run has left the saddle's ridge
ESCAPE_STEPS = 40  # the steps the escape panel of turned_figure shows
LATE = 50  # the last steps over which SignGD's floor is measured
RARE_LAG_STEP = 100  # when the rare weights' lag is measured on the sparse problem
SCALES = tuple(2.0**k for k in range(-3, 4))  # the playground's multipliers of each tuned rate
PLAYGROUND_STEPS = 300


# ----- the sweeps ----------------------------------------------------------------------------------------------


@functools.cache
def tuned(problem: str, name: str, blowup_rule: bool = True, wide: bool = False) -> Sweep:
    """ONE batched run of optimizer `name` over LR_GRID (or, wide=True, over WIDE_EXTRA) on a key of PROBLEMS from
    its start, scored by the chapter's rule; blowup_rule=False keeps only the exclusion of diverged runs."""
    score = RULE if blowup_rule else mean_log_gap(None, plots.LOSS_FLOOR)
    make = lambda lr: ALL[name](lr=lr)  # noqa: E731
    return sweep(make, PROBLEMS[problem], STEPS[problem], score, lr=WIDE_EXTRA if wide else LR_GRID)


def tuned_lr(problem: str, name: str) -> float:
    """The learning rate the rule kept for `name` on `problem`."""
    return tuned(problem, name).best["lr"]


def best_path(problem: str, name: str) -> np.ndarray:
    """The iterates of the tuned run, shape (steps + 1, dim)."""
    return tuned(problem, name).run_at().params


def best_gap(problem: str, name: str) -> np.ndarray:
    """f - f* along the tuned run, floored at plots.LOSS_FLOOR like the figures."""
    return plots.loss_gap(tuned(problem, name).run_at().loss, PROBLEMS[problem].f_min)


def steps_to_tol(problem: str, name: str) -> int | None:
    """Steps the tuned run needs to get f - f* <= TOL for good, or None."""
    return tuned(problem, name).steps_at_best(PROBLEMS[problem], TOL)


def reaching(problem: str, name: str, wide: bool = False) -> np.ndarray:
    """For each learning rate of a sweep: did its run pass the rules and reach TOL for good within the budget?"""
    return tuned(problem, name, wide=wide).reached(PROBLEMS[problem], TOL)


def window(problem: str, name: str, wide: bool = False) -> float:
    """The width, in decades of alpha, of the grid values whose runs reach TOL within the budget; wide=True adds
    those of WIDE_EXTRA, for a window that runs into the top of LR_GRID."""
    extra = tuned(problem, name, wide=True).decades_of(reaching(problem, name, wide=True)) if wide else 0.0
    return tuned(problem, name).decades_of(reaching(problem, name)) + extra


# ----- the rotation study: the same protocol on turned copies of each problem -------------------------------------


@functools.cache
def turned_sweeps(problem: str, name: str) -> tuple[Sweep, ...]:
    """The learning-rate sweep of `name` on each turned copy of `problem`, each tuned by the rule: on a surface, ONE
    batched run over (angle, alpha) for ANGLES; on the sparse problem, one run per rotation random_rotation(25, seed)
    over the grid values within SPARSE_HALF of its aligned rate (the INVARIANT methods: at that rate alone)."""
    p, make = PROBLEMS[problem], lambda lr: ALL[name](lr=lr)
    if problem in PLANAR:
        s = sweep(make, lambda degrees: pb.TurnedMany(p, degrees), STEPS[problem], RULE, degrees=ANGLES, lr=LR_GRID)
        return tuple(s.sub("degrees", k) for k in range(len(ANGLES)))
    k, half = tuned(problem, name).best_index[0], 0 if name in INVARIANT else SPARSE_HALF
    rotated = [pb.Transformed(p, pb.random_rotation(p.dim, seed)) for seed in SPARSE_SEEDS]
    return tuple(sweep(make, r, STEPS[problem], RULE, lr=LR_GRID[k - half : k + half + 1]) for r in rotated)


def escape(path: np.ndarray) -> int | None:
    """The first step of a saddle run, in the saddle's own coordinates, with |w2| >= ESCAPE_HEIGHT."""
    return measure.first_true(np.abs(path[:, 1]) >= ESCAPE_HEIGHT)


@functools.cache
def outcome(group: str, name: str) -> np.ndarray:
    """[aligned, then one per turn] for a row of the rotation table, at the rate tuned for each copy, inf for never:
    steps to TOL, or on "saddle escape" the escape step, read in the saddle's own coordinates."""
    if group != "saddle escape":
        out = [steps_to_tol(group, name), *(s.steps_at_best(PROBLEMS[group], TOL) for s in turned_sweeps(group, name))]
    else:
        turned_ = turned_sweeps("saddle", name)
        paths = [pb.Turned(SADDLE, a).own(s.run_at().params) for a, s in zip(ANGLES, turned_, strict=True)]
        out = [escape(best_path("saddle", name)), *map(escape, paths)]
    return np.array([np.inf if v is None else v for v in out])


def at_random(group: str, name: str) -> np.ndarray:
    """outcome() at the random turns only (without the aligned and the 45-degree values)."""
    return outcome(group, name)[1 if group == "sparse logistic" else 2 :]


def fastest_share(group: str, name: str) -> int:
    """At how many of the random turns `name` needs the fewest steps of the optimizers run (ties count for each)."""
    names = RERUN_SPARSE if group == "sparse logistic" else OPTIMIZERS
    return measure.fastest_counts({n: at_random(group, n) for n in names})[name]


def scaled_outcome(problem: str, name: str, scale: float) -> int | None:
    """Steps to TOL at `scale` times the tuned rate (None: not reached, diverged or blew up)."""
    p = PROBLEMS[problem]
    s = sweep(lambda lr: ALL[name](lr=lr), p, STEPS[problem], RULE, lr=[scale * tuned_lr(problem, name)])
    return s.steps_at_best(p, TOL)


def without_decay(problem: str) -> float:
    """Final f - f* of plain Adam (AdamW without its decay) at AdamW's tuned learning rate."""
    p, opt = PROBLEMS[problem], Adam(lr=tuned_lr(problem, "AdamW"))
    return float(plots.loss_gap(run(opt, p, steps=STEPS[problem]).final_loss, p.f_min))


@functools.cache
def momentum_beta_sweep() -> tuple:
    """One batched Momentum run over (beta, alpha) on the ravine: (beta, alpha, steps to TOL, grid index)."""
    s = sweep(lambda beta, lr: Momentum(lr=lr, beta=beta), RAVINE, STEPS["ravine"], RULE, beta=BETAS, lr=LR_GRID)
    return s.best["beta"], s.best["lr"], s.steps_at_best(RAVINE, TOL), s.best_index


def adagrad_without_rule() -> dict:
    """AdaGrad on the ravine tuned with no blow-up rule: its rate, first step, steps to TOL, and
    alpha c_i / sqrt(v_i) after two gradients (c_i the curvature; about 1 means a Newton step)."""
    s = tuned("ravine", "AdaGrad", blowup_rule=False)
    path, lr = s.run_at().params, s.best["lr"]
    v2 = np.sum(RAVINE.grad(path[:2]) ** 2, axis=0)  # AdaGrad's sum after its first two gradients
    factors, steps = lr * np.diag(RAVINE.hessian) / np.sqrt(v2), s.steps_at_best(RAVINE, TOL)
    return {"lr": lr, "index": s.best_index[0], "first": path[1], "steps": steps, "factors": factors}


# ----- tables and figures --------------------------------------------------------------------------------------------


def table_cells(problem: str, name: str) -> list[str]:
    """One row of results: the tuned alpha, the final f - f* ("≤ 10⁻¹⁶" at the plots' floor), the steps to TOL."""
    gap, steps = float(best_gap(problem, name)[-1]), steps_to_tol(problem, name)
    final = f"≤ {pretty(plots.LOSS_FLOOR)}" if gap <= plots.LOSS_FLOOR else pretty(gap, compact=True)
    return [f"{tuned_lr(problem, name):.3g}", final, "not reached" if steps is None else str(steps)]


def label(name: str) -> str:
    """An optimizer's name as tables and figures show it: Momentum's says that its rates are in the EMA form."""
    return f"{name} (EMA form)" if name == "Momentum" else name


def table_html() -> str:
    """The results as an HTML table: a block of rows per problem, the previews in grey italics."""
    groups = {
        f"{problem}<br><small>{STEPS[problem]} steps</small>": [
            [label(n) + " (preview)" * (n in PREVIEWS), *table_cells(problem, n)]
            for n in (ALL if problem in PLANAR else OPTIMIZERS)
        ]
        for problem in PROBLEMS
    }
    header = ("problem", "optimizer", "tuned α", "final f − f*", f"steps to f − f* ≤ {pretty(TOL)}")
    return grouped_html(header, groups, muted=[f"{n} (preview)" for n in PREVIEWS], css_class="comparison-table")


def turn_table() -> str:
    """The rotation study as an HTML table: per problem and optimizer, steps to TOL aligned, turned 45 degrees, and
    the median and range over the random turns, each at its own retuned rate; at how many random turns it is fastest."""
    groups, cell = {}, lambda v: "not reached" if np.isinf(v) else f"{v:g}"
    notes = {"saddle escape": f"steps until |w₂| ≥ {ESCAPE_HEIGHT:g}", "sparse logistic": "random rotations"}
    for group in ("ravine", "Rosenbrock", "saddle", "saddle escape", "sparse logistic"):
        rows, sparse = [], group == "sparse logistic"
        for n in RERUN_SPARSE if sparse else OPTIMIZERS:
            v, random = outcome(group, n), at_random(group, n)
            share = f"{fastest_share(group, n)} of {random.size}"
            rows.append([label(n), cell(v[0]), "—" if sparse else cell(v[1]), *median_and_range(random), share])
        groups[f"{group.replace(' escape', '')}<br><small>{notes.get(group) or f'{STEPS[group]} steps'}</small>"] = rows
    header = ["problem", "optimizer", "aligned", f"turned {ROTATION_DEG}°", "random turns: median", "range"]
    return grouped_html([*header, "fastest at"], groups, css_class="comparison-table")


def defaults_table() -> str:
    """Markdown: each optimizer's hyperparameters other than alpha, as the library's defaults set them."""
    return tables.defaults_table({label(n): cls for n, cls in ALL.items()})


def surface_figure(problem: str):
    """One panel per optimizer with its path at its tuned alpha over the contours, and all their f - f* on the right."""
    runs = {label(n): tuned(problem, n).run_at() for n in OPTIMIZERS}
    titles = {label(n): f"{label(n)}, α = {tuned_lr(problem, n):.3g}" for n in OPTIMIZERS}
    head = f"f − f* at the tuned α ({STEPS[problem]} steps; dotted: {pretty(TOL)})"
    return plots.path_panels(PROBLEMS[problem], runs, titles, tol=TOL, loss_title=head)


def losses_figure(problem: str):
    """f - f* at each optimizer's tuned rate on one (not 2-D) problem."""
    fig, ax = plots.figure(width=6.4, height=3.7)
    plots.losses({label(n): tuned(problem, n).run_at().loss for n in OPTIMIZERS}, PROBLEMS[problem].f_min, ax=ax)
    with mpl.rc_context(plots.STYLE):
        plots.tolerance_line(ax, TOL)
        ax.set_title(f"{problem}: each optimizer at its tuned α, {STEPS[problem]} steps (dotted: {pretty(TOL)})")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def sensitivity_figure(problem: str):
    """Final f - f* against the learning rate for every optimizer (its one batched sweep), the tuned alpha marked."""
    fig, ax = plots.figure(width=6.6, height=3.8)
    curves = {label(n): plots.loss_gap(tuned(problem, n).final_gaps(PROBLEMS[problem]), 0.0) for n in OPTIMIZERS}
    plots.over_lr(ax, LR_GRID, curves, {label(n): (tuned_lr(problem, n), best_gap(problem, n)[-1]) for n in OPTIMIZERS})
    with mpl.rc_context(plots.STYLE):
        plots.tolerance_line(ax, TOL)
        ax.set(xlabel=r"learning rate $\alpha$", ylabel=rf"$f - f^\star$ after {STEPS[problem]} steps")
        ax.set_ylim(5e-17, None)
        ax.set_title(f"{problem}: final loss over the whole grid (dot: tuned α)")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def window_figure():
    """Per problem and optimizer: the grid values of alpha whose runs reach TOL (squares), the tuned one (ring)."""
    names = list(OPTIMIZERS)
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.6, height=2.6, sharey=True)
    for ax, problem in zip(axes, PROBLEMS, strict=True):
        plots.lr_windows(ax, LR_GRID, [(reaching(problem, n), plots.color_of(n, i)) for i, n in enumerate(names)])
        for row, n in enumerate(names):
            ax.plot(tuned_lr(problem, n), row, "o", markersize=11, markerfacecolor="none", markeredgecolor="black")
        ax.set(xlim=(LR_GRID[0] / 2, LR_GRID[-1] * 2), title=problem, xlabel=r"$\alpha$")
        ax.set_yticks(range(len(names)), [label(n) for n in names])
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return fig


def turned_figure():
    """The ravine and the saddle turned by ROTATION_DEG, each optimizer's path at the rate tuned for that turn; and |w2|
    of the saddle runs in the saddle's own coordinates, aligned (solid) and turned (dashed), over the first steps."""
    fig, axes = plots.figure(ncols=3, width=3.8, height=3.6)
    for ax, problem in zip(axes[:2], ("ravine", "saddle"), strict=True):
        paths = {label(n): turned_sweeps(problem, n)[0].run_at().params for n in OPTIMIZERS}
        plots.trajectories(pb.Turned(PROBLEMS[problem], ROTATION_DEG), paths, ax=ax, resolution=100)
        ax.set_title(f"the {problem} turned {ROTATION_DEG}°")
        ax.get_legend().remove()
    turned_ = {
        n: pb.Turned(SADDLE, ROTATION_DEG).own(turned_sweeps("saddle", n)[0].run_at().params) for n in OPTIMIZERS
    }
    for paths in ({n: best_path("saddle", n) for n in OPTIMIZERS}, turned_):  # aligned, then turned (dashed)
        plots.series({label(n): np.abs(p[1 : ESCAPE_STEPS + 1, 1]) for n, p in paths.items()}, ax=axes[2], log=True)
    for line in axes[2].get_lines()[len(OPTIMIZERS) :]:
        line.set_linestyle("--")
    plots.tolerance_line(axes[2], ESCAPE_HEIGHT).set_linestyle("-.")
    axes[2].set(ylabel="$|w_2|$ in the saddle's own axes", title="leaving the ridge (dashed: turned)")
    axes[2].get_legend().remove()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=6, fontsize=9)
    return fig


# ----- every number the text quotes, section by section -----------------------------------------------------------


def _per_run(what: str, problem: str, names: str) -> dict:
    """Glue names such as "steps_ravine_gd": `what` ("lr", "final" or "steps") of the tuned runs of `names`."""
    measure_of = {"lr": tuned_lr, "final": lambda p, n: float(best_gap(p, n)[-1]), "steps": steps_to_tol}
    return {f"{what}_{SHORT[problem]}_{n.lower()}": measure_of[what](problem, n) for n in names.split()}


def _protocol_numbers() -> dict:
    rosen, sparse, decade_share = PROBLEMS["Rosenbrock"], PROBLEMS["sparse logistic"], np.log10(LR_GRID[1] / LR_GRID[0])
    return {
        "n_grid": len(LR_GRID), "lr_lo": LR_GRID[0], "lr_hi": LR_GRID[-1], "per_decade": round(1 / decade_share),
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
    floor_runs = sum(np.sum(tuned("ravine", n).final_gaps(RAVINE) <= plots.LOSS_FLOOR) for n in OPTIMIZERS)
    return {
        "ravine_floor_runs": int(floor_runs),
        "lion_lucky_step": measure.first_true(best_gap("Rosenbrock", "Lion") <= plots.LOSS_FLOOR),
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
    arrived, peak_step, peak = measure.rebound(best_gap("ravine", "RMSProp"), TOL)
    rot = {n: int(outcome("ravine", n)[1]) for n in ("GD", "Momentum", "AdaGrad", "Adam")}  # turned by 45 degrees
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
    escapes = {n: escape(best_path("saddle", n)) for n in OPTIMIZERS}
    return {
        "rosen_gd_next": LR_GRID[gd.best_index[0] + 1],
        "sign_travel": np.max(np.abs(rosen.minimum - rosen.x0)) / tuned_lr("Rosenbrock", "SignGD"),
        # near the ridge GD multiplies w2 by (1 + alpha) per step: steps to grow from the start's w2 to the height
        "gd_escape_pred": np.log(ESCAPE_HEIGHT / abs(SADDLE.x0[1])) / np.log1p(lr_saddle_gd),
        "escape_gd": escapes["GD"], "escape_mom": escapes["Momentum"], "escape_sign": escapes["SignGD"],
        **_per_run("steps", "Rosenbrock", "Momentum Adam"), **_per_run("lr", "Rosenbrock", "GD SignGD"),
        **_per_run("final", "Rosenbrock", "GD AdaGrad RMSProp"), **_per_run("lr", "saddle", "GD SignGD"),
        **_per_run("steps", "saddle", "AdaGrad RMSProp GD Momentum Adam"),
    }  # fmt: skip


def _sparse_numbers() -> dict:
    sparse = PROBLEMS["sparse logistic"]
    error = np.abs(best_path("sparse logistic", "GD")[RARE_LAG_STEP] - sparse.minimum)
    arrived, peak_step, peak = measure.rebound(best_gap("sparse logistic", "RMSProp"), TOL)
    return {
        "rare_lag_step": RARE_LAG_STEP, "rare_lag": error[sparse.n_common :].max() / error[: sparse.n_common].max(),
        "rms_sparse_arrived": arrived, "rms_sparse_peak_step": peak_step, "rms_sparse_peak": peak,
        "rms_sparse_window_top": LR_GRID[np.flatnonzero(reaching("sparse logistic", "RMSProp"))[-1]],
        "mom_sparse_wide": window("sparse logistic", "Momentum", wide=True), "wide_hi": np.round(WIDE_EXTRA[-1]),
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


def _rotation_numbers() -> dict:
    """The rotation study: at 45 degrees ("turn45_"), and the fewest and most steps over the random turns."""
    out = {"n_turns": len(TURNS), "turn_seed": TURN_SEED, "n_sparse_turns": len(SPARSE_SEEDS)}
    out["sparse_retune_values"] = 2 * SPARSE_HALF + 1
    spans = {"ravine": "AdaGrad Adam", "saddle": "AdaGrad Adam", "escape": "AdaGrad RMSProp Adam",
             "sparse": "AdaGrad Adam"}  # fmt: skip
    for short, names in spans.items():
        group = {"escape": "saddle escape", "sparse": "sparse logistic"}.get(short, short)
        for n in names.split():  # every one reached: int() fails on inf
            out |= {f"turn_{short}_{n.lower()}_{k}": int(f(at_random(group, n))) for k, f in (("lo", min), ("hi", max))}
    out |= {f"turn45_escape_{n.lower()}": int(outcome("saddle escape", n)[1]) for n in ("AdaGrad", "RMSProp", "Adam")}
    out |= {f"turn45_saddle_{n.lower()}": int(outcome("saddle", n)[1]) for n in ("AdaGrad", "RMSProp")}
    out |= {f"turn_{SHORT[g]}_{n.lower()}_share": fastest_share(g, n) for g, n in SHARES}
    out["turn_rosen_adam_reached"] = int(np.isfinite(at_random("Rosenbrock", "Adam")).sum())
    rosen = {n: [s.decades_of(s.reached(PROBLEMS["Rosenbrock"], TOL)) for s in turned_sweeps("Rosenbrock", n)[1:]]
             for n in ("Adam", "Momentum")}  # fmt: skip
    adam, mom = np.array(rosen["Adam"]), np.array(rosen["Momentum"])
    out |= {"turn_window_rosen_adam_lo": adam.min(), "turn_window_rosen_adam_hi": adam.max()}
    return out | {"turn_window_rosen_mom": mom.max(), "turn_rosen_adam_wider": int(np.sum(adam > mom))}


def numbers() -> dict:
    """Name -> every number the prose quotes. Integers stay integers; every other number is the text the prose
    shows (tables.pretty: 3 significant digits, powers of ten as 10ⁿ), so that the glued text is exactly this."""
    merged = _protocol_numbers() | _criterion_numbers() | _ravine_numbers() | _rosenbrock_and_saddle_numbers()
    merged |= _sparse_numbers() | _window_preview_and_playground_numbers() | _rotation_numbers()
    return {k: int(v) if isinstance(v, (int, np.integer)) else pretty(v) for k, v in merged.items()}


# ----- the playground ---------------------------------------------------------------------------------------------


@register("comparison")
def playground() -> Playground:
    lrs, labels = {n: [tuned_lr(p, n) for p in PLANAR] for n in OPTIMIZERS}, {n: label(n) for n in OPTIMIZERS}
    surfaces = {p: PROBLEMS[p] for p in PLANAR}
    caption = "Every optimizer at a common multiple of its own tuned learning rate"
    return tuned_race("comparison", surfaces, OPTIMIZERS, lrs, SCALES, PLAYGROUND_STEPS, labels=labels, caption=caption)
