"""Chapter "A practical guide": memory cost, learning-rate sensitivity, invariances, and the playground.

- Memory: the arrays each optimizer keeps per parameter are counted on its initial state
  (`optim_core.base.state_count`) and turned into gigabytes for a model with seven
  billion float32 parameters.
- Sensitivity: for each optimizer, one `tuning.sweep` (a batched run) over a learning-rate grid with eight
  values per decade on the ravine and Rosenbrock's valley, each also turned by 45 degrees (start and all,
  `problems.Transformed`), and the digits softmax regression. A learning rate is "good" when the run ends
  within a factor 10 of the best final gap f - f* that any optimizer reached on that problem (gaps below
  FLOOR count as FLOOR: the problem is solved); the width of the good region is its number of grid points
  over eight, in decades.
- The digits MLP (`models.digits_mlp`, three seeds of initial weights and minibatch order): the same width,
  with "good" = a validation loss within a factor MLP_BAR of the best any optimizer reached with that seed.
  Each optimizer's grid spans three decades around its good band, eight points per decade; the tests check
  that no band touches the end of its grid.
- Where the best rate sits: the spread (decades) of an optimizer's best rates, only over the problems where
  it has a good rate, and over the problems where every method with a spread has one.
- Gradient descent at the edge of its band on the ravine: the grid's best rate, 2/(mu + L) and EDGE_LR.
- Invariances: `optim_core.invariance.measure_row` for every row of `invariance.ROWS`; the table's cells are
  written from what the runs show by `invariance.table_markdown` (tests/test_invariance.py proves each row).

The sweeps are cached (functools.cache) and run with single-threaded BLAS.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np
import scipy.optimize

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD, plots, run, theory
from optim_core import invariance as inv
from optim_core.base import state_count
from optim_core.chapters import register
from optim_core.models import SoftmaxRegression, digits_mlp, digits_split, single_threaded
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, SURFACES, Transformed, rotation
from optim_core.schedules import cosine
from optim_core.tables import markdown_table
from optim_core.tuning import loss_on, sweep

# ----- memory ---------------------------------------------------------------------------------------------
MEMORY_OPTIMIZERS = {
    "GD": GD(1e-2),
    "SignGD": SignGD(1e-3),
    "Momentum": Momentum(1e-2),
    "AdaGrad": AdaGrad(1e-2),
    "RMSProp": RMSProp(1e-3),
    "Lion": Lion(1e-4),
    "Adam": Adam(1e-3),
    "AdamW": AdamW(1e-3),
    "AMSGrad": Adam(1e-3, amsgrad=True),
}
N_PARAMS = 7e9  # a 7-billion-parameter model
BYTES = 4  # float32
GB = 1e9  # gigabytes of 10^9 bytes

# ----- learning-rate sensitivity ---------------------------------------------------------------------------
LRS = np.geomspace(1e-5, 10.0, 49)  # eight values per decade over six decades
PER_DECADE = 8
FACTOR = 10.0  # "good" = within this factor of the best final gap on the problem
FLOOR = 1e-8  # gaps below this count as this: the problem is solved
SWEEP_OPTIMIZERS = {o.__name__: o for o in (GD, Momentum, AdaGrad, RMSProp, SignGD, Adam, Lion)}  # at their defaults
NAMES = tuple(SWEEP_OPTIMIZERS)
DIGITS_L2 = 1e-3  # a small L2 term makes the softmax loss strongly convex, so f* is well defined
TURN = 45.0  # degrees: the turned copies of the two surfaces
PROBLEMS = ("ravine", "ravine45", "Rosenbrock", "Rosenbrock45", "digits")
TITLES = {"ravine": "ravine", "ravine45": "ravine turned 45°", "Rosenbrock": "Rosenbrock",
          "Rosenbrock45": "Rosenbrock turned 45°", "digits": "digits softmax"}  # fmt: skip
STEPS = {"ravine": 300, "ravine45": 300, "Rosenbrock": 1000, "Rosenbrock45": 1000, "digits": 300}
# ----- the digits MLP ---------------------------------------------------------------------------------------
MLP_SEEDS = (0, 1, 2)  # initial weights and minibatch order; the split of the data is the same
MLP_STEPS = 300  # minibatches of 64: about 18 passes over the 1077 training images
MLP_BAR = 1.5  # good: validation loss within this factor of the best any optimizer reached (same seed)
MLP_BARS = (1.25, 1.5, 2.0)  # the bar moved both ways, to see whether the order of the widths holds
MLP_LOW = {"GD": -1.5, "Momentum": -1.5, "AdaGrad": -2.5, "RMSProp": -3.5, "SignGD": -3.5, "Adam": -3.5, "Lion": -4.0}
MLP_DECADES = 3  # each grid: 10^low .. 10^(low + 3), eight points per decade
# ----- the playground -------------------------------------------------------------------------------------
PG_STEPS = 300
PG_PROBLEMS = ("ravine", "Rosenbrock")
PG_OPTIMIZERS = ("GD", "Momentum", "AdaGrad", "RMSProp", "Adam", "Lion")
PG_MULTIPLIERS = tuple(np.round(np.logspace(-2, 2, 13), 4))  # three per decade, 1 included
# ----- where the best rate sits; gradient descent at the edge of its band ---------------------------------
SPREAD_NAMES = ("GD", "Momentum", "AdaGrad", "RMSProp", "Adam")  # SignGD and Lion have no good rate anywhere
EDGE_LR = 0.49  # just below gradient descent's threshold 2/L = 0.5 on the ravine


# ----- experiments ---------------------------------------------------------------------------------------
def memory_table(n_params: float = N_PARAMS, bytes_per_number: int = BYTES) -> dict:
    """name -> state arrays per parameter, the state's size in GB, and params + gradient + state in GB."""
    one_copy = n_params * bytes_per_number / GB
    table = {}
    for name, opt in MEMORY_OPTIMIZERS.items():
        k = state_count(opt)
        table[name] = {"arrays": k, "state_gb": k * one_copy, "total_gb": (k + 2) * one_copy}
    return table


@functools.cache
def softmax() -> SoftmaxRegression:
    """Softmax regression on the digits' training split, minibatches of 64, with l2 = DIGITS_L2."""
    s = digits_split(0)
    return SoftmaxRegression(s.x_train, s.y_train, l2=DIGITS_L2, batch_size=64, seed=0)


@functools.cache
@single_threaded
def softmax_f_min() -> float:
    """f* of the digits softmax objective, by L-BFGS on the full-batch gradient (converged to ~1e-12)."""
    model = softmax()
    result = scipy.optimize.minimize(
        lambda w: float(model.f(w)),
        model.x0,
        jac=model.grad,
        method="L-BFGS-B",
        options={"maxiter": 5000, "gtol": 1e-12, "ftol": 1e-16},
    )
    return float(result.fun)


def problem(name: str):
    """The problem object behind a name of PROBLEMS (a name ending in 45: turned by TURN degrees, start included)."""
    if name == "digits":
        return softmax()
    base = RAVINE if name.startswith("ravine") else SURFACES["rosenbrock"]
    return Transformed(base, matrix=rotation(np.deg2rad(TURN))) if name.endswith("45") else base


def f_min(name: str) -> float:
    return softmax_f_min() if name == "digits" else float(problem(name).f_min)


@functools.cache
@single_threaded
def final_gaps(opt_name: str, problem_name: str, steps: int | None = None, scheduled: bool = False) -> np.ndarray:
    """f - f* after the run, for every learning rate of LRS (inf where the run diverged): one batched sweep.
    With scheduled=True each run's rate follows a cosine from its grid value down to 0 over the run."""
    steps = STEPS[problem_name] if steps is None else steps

    def make(lr):
        return SWEEP_OPTIMIZERS[opt_name](cosine(lr, steps) if scheduled else lr)

    def final_gap(traj, _):  # f* of the digits objective is computed, not the model's f_min (a lower bound)
        return traj.final_loss - f_min(problem_name)

    every = steps if problem_name == "digits" else 1  # the digits need only the end point, not each step's full loss
    gaps = sweep(make, problem(problem_name), steps, final_gap, record_every=every, lr=LRS).scores
    return np.where(np.isfinite(gaps), gaps, np.inf)


def target(problem_name: str) -> float:
    """The bar for a good run: FACTOR times the best final gap of any optimizer (at least FLOOR)."""
    best = min(float(final_gaps(name, problem_name).min()) for name in NAMES)
    return FACTOR * max(best, FLOOR)


def good(opt_name: str, problem_name: str) -> np.ndarray:
    """Which learning rates of LRS end below the problem's target."""
    return final_gaps(opt_name, problem_name) <= target(problem_name)


def width(opt_name: str, problem_name: str) -> float:
    """Decades of learning rate that are good: the number of good grid points over PER_DECADE."""
    return float(good(opt_name, problem_name).sum() / PER_DECADE)


def scheduled_width(opt_name: str, problem_name: str) -> float:
    """The width with a cosine schedule on every run, measured against the same bar (the constant-rate target)."""
    gaps = final_gaps(opt_name, problem_name, scheduled=True)
    return float((gaps <= target(problem_name)).sum() / PER_DECADE)


def best_lr(opt_name: str, problem_name: str) -> float:
    """The learning rate of LRS with the smallest final gap."""
    return float(LRS[int(np.argmin(final_gaps(opt_name, problem_name)))])


def widths() -> dict:
    """(optimizer, problem) -> width in decades."""
    return {(o, p): width(o, p) for o in NAMES for p in PROBLEMS}


def next_lr(lr: float) -> float:
    """The grid point of LRS just above lr."""
    return float(LRS[np.searchsorted(LRS, lr, side="right")])


def per_decade_for(points: int) -> int:
    """Grid points per decade that always land one in a band of `points` contiguous good points of LRS: the
    band spans (points - 1) / PER_DECADE decades between its outermost good points."""
    return -(-PER_DECADE // (points - 1))


def grid_exercise(opt_name: str = "Adam", problem_name: str = "digits") -> dict:
    """The good band's size in grid points, its span between the outermost good points (decades), and the
    number of grid points per decade that always lands one point in it."""
    points = int(good(opt_name, problem_name).sum())
    per_decade = per_decade_for(points)
    return {"points": points, "span": (points - 1) / PER_DECADE, "per_decade": per_decade, "spacing": 1 / per_decade}


def good_problems(opt_name: str) -> tuple:
    """The problems of PROBLEMS on which the optimizer has at least one good learning rate."""
    return tuple(p for p in PROBLEMS if width(opt_name, p) > 0)


def common_problems() -> tuple:
    """The problems on which every optimizer of SPREAD_NAMES has a good learning rate."""
    return tuple(p for p in PROBLEMS if all(p in good_problems(o) for o in SPREAD_NAMES))


def best_lr_spread(opt_name: str, problems: tuple) -> float:
    """How far apart (in decades) the optimizer's best learning rates on `problems` lie."""
    lrs = [best_lr(opt_name, p) for p in problems]
    return float(np.log10(max(lrs) / min(lrs)))


def gd_edge_gaps() -> dict:
    """Gradient descent's final gap on the ravine (STEPS["ravine"] steps) at the grid's best rate, at the best
    rate 2 / (mu + L) of the theory (not on the grid), and at EDGE_LR, just below the threshold 2 / L."""
    ravine = problem("ravine")
    lrs = {"grid": best_lr("GD", "ravine"), "star": theory.gd_best(ravine.mu, ravine.L)[0], "edge": EDGE_LR}
    traj = run(GD(np.array(list(lrs.values()))[:, None]), ravine, steps=STEPS["ravine"])
    gaps = {key: float(gap) for key, gap in zip(lrs, traj.final_loss - ravine.f_min, strict=True)}
    return gaps | {"star_lr": lrs["star"]}


def largest_good_lr(opt_name: str, problem_name: str) -> float:
    """The largest learning rate of LRS that is good (nan if none is)."""
    mask = good(opt_name, problem_name)
    return float(LRS[mask].max()) if mask.any() else float("nan")


@functools.cache
def pg_best_lr(opt_name: str, problem_index: int) -> float:
    """The best learning rate of LRS for the playground's horizon (PG_STEPS) on one of its problems."""
    name = PG_PROBLEMS[int(problem_index)]
    return float(LRS[int(np.argmin(final_gaps(opt_name, name, PG_STEPS)))])


# ----- the digits MLP ----------------------------------------------------------------------------------------
def mlp_lrs(opt_name: str) -> np.ndarray:
    """The optimizer's grid on the MLP: three decades from 10^MLP_LOW, eight points per decade."""
    return np.logspace(MLP_LOW[opt_name], MLP_LOW[opt_name] + MLP_DECADES, MLP_DECADES * PER_DECADE + 1)


@functools.cache
@single_threaded
def mlp_val_loss(opt_name: str, seed: int) -> np.ndarray:
    """Validation loss after MLP_STEPS steps for every rate of the optimizer's grid (inf: diverged): one sweep."""
    s = digits_split(0)
    make, model = SWEEP_OPTIMIZERS[opt_name], digits_mlp(seed=seed)
    return sweep(make, model, MLP_STEPS, loss_on(s.x_val, s.y_val), record_every=MLP_STEPS, lr=mlp_lrs(opt_name)).scores


def mlp_best(seed: int) -> float:
    """The lowest validation loss any optimizer reached with this seed."""
    return min(float(mlp_val_loss(o, seed).min()) for o in NAMES)


def mlp_good(opt_name: str, seed: int, bar: float = MLP_BAR) -> np.ndarray:
    return mlp_val_loss(opt_name, seed) <= bar * mlp_best(seed)


def mlp_widths(bar: float = MLP_BAR) -> dict:
    """optimizer -> its width in decades for each seed of MLP_SEEDS."""
    return {o: np.array([mlp_good(o, seed, bar).sum() / PER_DECADE for seed in MLP_SEEDS]) for o in NAMES}


def mlp_best_lrs(opt_name: str) -> np.ndarray:
    """The optimizer's best learning rate on the MLP for each seed."""
    return np.array([mlp_lrs(opt_name)[int(np.argmin(mlp_val_loss(opt_name, seed)))] for seed in MLP_SEEDS])


def mlp_widest(bar: float) -> list:
    """The optimizers with the largest mean width (over the seeds) at this bar."""
    means = {o: w.mean() for o, w in mlp_widths(bar).items()}
    return [o for o in NAMES if means[o] == max(means.values())]


# ----- invariances --------------------------------------------------------------------------------------------
@functools.cache
def invariance_rows() -> dict:
    """label -> `invariance.measure_row` of each row of invariance.ROWS, on invariance.PROBLEMS together."""
    return {
        label: inv.measure_row(cls, settings, inv.PROBLEMS, inv.STEPS) for label, (cls, settings) in inv.ROWS.items()
    }


def invariance_markdown() -> str:
    """The invariance table as Markdown, every cell written from the runs (`invariance.table_markdown`)."""
    return inv.table_markdown(invariance_rows())


# ----- tables and figures ----------------------------------------------------------------------------------
def memory_markdown() -> str:
    """The memory table as Markdown."""
    header = ["optimizer", "state arrays per parameter", "state (GB)", "parameters + gradient + state (GB)"]
    cells = [
        [name, row["arrays"], f"{row['state_gb']:.0f}", f"{row['total_gb']:.0f}"]
        for name, row in memory_table().items()
    ]
    return markdown_table(header, cells, align="lrrr")


def label(opt_name: str) -> str:
    """The row label of an optimizer in the tables: Momentum's rates are in the EMA form."""
    return "Momentum (EMA form)" if opt_name == "Momentum" else opt_name


def widths_markdown() -> str:
    """The widths, each with the optimizer's best learning rate, as a Markdown table."""
    cells = [[label(o), *(f"{width(o, p):g} ({best_lr(o, p):.2g})" for p in PROBLEMS)] for o in NAMES]
    return markdown_table(["optimizer", *(TITLES[p] for p in PROBLEMS)], cells, align="l" + "r" * len(PROBLEMS))


def mlp_markdown() -> str:
    """The MLP widths: mean over the seeds (smallest-largest) at each bar, and the best rates of the seeds."""
    cells = []
    for o in NAMES:
        spread = [f"{w.mean():.2f} ({w.min():g}–{w.max():g})" for w in (mlp_widths(bar)[o] for bar in MLP_BARS)]
        lrs = mlp_best_lrs(o)
        cells.append([label(o), *spread, f"{lrs.min():.2g}–{lrs.max():.2g}"])
    header = ["optimizer", *(f"width, bar {bar:g} × best" for bar in MLP_BARS), "best α (seeds)"]
    return markdown_table(header, cells, align="lrrrr")


def sensitivity_figure():
    """Final f - f* against the learning rate, one panel per problem; the dashed line is the bar for 'good'."""
    fig, axes = plots.figure(ncols=3, nrows=2, width=3.6, height=3.0)
    with mpl.rc_context(plots.STYLE):
        for ax, p in zip(axes, PROBLEMS, strict=False):
            for name in NAMES:
                gaps = final_gaps(name, p)
                shown = np.where(np.isfinite(gaps), np.maximum(gaps, plots.LOSS_FLOOR), np.nan)
                ax.loglog(LRS, shown, color=plots.color_of(name), label=label(name), linewidth=1.4)
            ax.axhline(target(p), color="black", linestyle="--", linewidth=1, label="bar for 'good'")
            ax.set(title=f"{TITLES[p]} ({STEPS[p]} steps)", xlabel=r"learning rate $\alpha$",
                   ylabel=r"final $f(w_T) - f^\star$")  # fmt: skip
        handles, labels = axes[0].get_legend_handles_labels()
        axes[-1].axis("off")
        axes[-1].legend(handles, labels, loc="center", fontsize=10, frameon=False)
    return fig


def mlp_figure():
    """Validation loss over the best of its seed against the learning rate, one line per optimizer and seed."""
    fig, ax = plots.figure(width=7.0, height=3.8)
    with mpl.rc_context(plots.STYLE):
        for name in NAMES:
            for k, seed in enumerate(MLP_SEEDS):
                ratio = mlp_val_loss(name, seed) / mlp_best(seed)
                ax.loglog(mlp_lrs(name), np.where(np.isfinite(ratio), ratio, np.nan), color=plots.color_of(name),
                          linewidth=1.2, alpha=0.8, label=label(name) if k == 0 else None)  # fmt: skip
        ax.axhline(MLP_BAR, color="black", linestyle="--", linewidth=1, label=f"bar for 'good' ({MLP_BAR:g} × best)")
        ax.set(xlabel=r"learning rate $\alpha$", ylabel="validation loss / best of the seed", ylim=(0.9, 30))
        ax.set_yticks([1, 1.5, 2, 5, 10, 20], ["1", "1.5", "2", "5", "10", "20"])
        ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        ax.legend(loc="upper left", fontsize=8, ncol=2)
    return fig


# ----- the numbers the prose quotes -----------------------------------------------------------------------
def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    table, small, one_copy = memory_table(), memory_table(n_params=1.3e9), N_PARAMS * BYTES / GB
    out = {"one_copy": one_copy, "n_params_billion": N_PARAMS / 1e9, "arrays_GD": table["GD"]["arrays"]}
    out |= {"bytes": BYTES, "arrays_max": max(row["arrays"] for row in table.values())}
    adam = table["Adam"]["state_gb"]
    out["state_Adam"], out["lion_saving"] = adam, adam - table["Lion"]["state_gb"]
    out |= {f"total_{name}": table[name]["total_gb"] for name in ("GD", "Lion", "Adam", "AMSGrad")}
    out |= {"small_copy": 1.3e9 * BYTES / GB, "small_adam": small["Adam"]["total_gb"]}
    out["small_lion"] = small["Lion"]["total_gb"]
    # learning-rate sensitivity: the settings, then the results
    out |= {"n_lrs": len(LRS), "lr_min": float(LRS[0]), "lr_max": float(LRS[-1]), "per_decade": PER_DECADE}
    out |= {"factor": FACTOR, "floor": FLOOR, "digits_l2": DIGITS_L2, "batch": softmax().batch_size}
    out |= {f"steps_{p}": STEPS[p] for p in ("ravine", "Rosenbrock", "digits")}
    out["one_minus_beta"] = float(1 - MEMORY_OPTIMIZERS["Momentum"].beta)  # at its default beta
    out |= {"digits_f_min": softmax_f_min(), "target_ravine": target("ravine"), "target_digits": target("digits")}
    quoted = ("Adam ravine ravine45 Rosenbrock digits", "Momentum Rosenbrock Rosenbrock45 digits")
    quoted += ("RMSProp ravine ravine45 digits", "GD ravine", "SignGD ravine", "Lion digits")  # fmt: skip
    out |= {f"width_{o}_{p}": width(o, p) for o, *ps in map(str.split, quoted) for p in ps}
    out |= {"turn": TURN, "adam_gap_Rosenbrock45": float(final_gaps("Adam", "Rosenbrock45").min())}
    # where the best rate sits: over the problems where the optimizer has a good rate, and over the common ones
    out |= {f"spread_good_{o}": best_lr_spread(o, good_problems(o)) for o in SPREAD_NAMES}
    out |= {f"n_good_{o}": len(good_problems(o)) for o in SPREAD_NAMES}
    out |= {f"spread_common_{o}": best_lr_spread(o, common_problems()) for o in SPREAD_NAMES}
    out["n_common"] = len(common_problems())
    # gradient descent at the edge of its band, and how fine a grid must be
    edge = gd_edge_gaps()
    out |= {"gd_star_lr": float(edge["star_lr"]), "edge_lr": EDGE_LR}
    out |= {"gap_gd_grid": edge["grid"], "gap_gd_star": edge["star"], "gap_gd_edge": edge["edge"]}
    narrowest = min(w for w in widths().values() if w > 0)
    out["decade_per_decade"], out["gd_per_decade"] = (
        per_decade_for(PER_DECADE),
        grid_exercise("GD", "ravine")["per_decade"],
    )
    out |= {"narrow_width": narrowest, "narrow_per_decade": per_decade_for(round(narrowest * PER_DECADE))}
    largest = largest_good_lr("GD", "ravine")
    out |= {"gd_largest_good": largest, "gd_next_lr": next_lr(largest), "two_over_L": 2 / problem("ravine").L}
    out |= {f"adam_{key}": value for key, value in grid_exercise("Adam", "digits").items()}
    # the digits MLP: mean widths over the seeds at each bar
    out |= {"mlp_seeds": len(MLP_SEEDS), "mlp_steps": MLP_STEPS, "mlp_bar": MLP_BAR, "mlp_decades": MLP_DECADES}
    mlp = digits_mlp(seed=MLP_SEEDS[0])
    out |= {"mlp_inputs": mlp.x.shape[1], "mlp_hidden": mlp.hidden, "mlp_batch": mlp.batch_size}
    out["mlp_more_seeds"] = len(MLP_SEEDS) - 1  # the seeds beyond the softmax regression's one
    quoted = {"125": ("RMSProp", "Adam", "Momentum"), "15": ("Adam", "Momentum", "RMSProp", "GD", "Lion", "SignGD")}
    quoted["2"] = ("Adam", "Momentum")  # bar key -> the optimizers whose mean width the prose quotes
    for bar, (key, names) in zip(MLP_BARS, quoted.items(), strict=True):
        out |= {f"mlp{key}_{o}": float(mlp_widths(bar)[o].mean()) for o in names}
    # invariances
    out |= {"inv_c": inv.LOSS_SCALE, "inv_steps": inv.STEPS, "inv_same": inv.SAME, "inv_different": inv.DIFFERENT}
    out |= {"inv_turn": inv.TURN, "mlp_bar_low": MLP_BARS[0], "mlp_bar_high": MLP_BARS[-1], "pg_steps": PG_STEPS}
    # the exercise on schedules
    out |= {
        "sched_Lion_digits": scheduled_width("Lion", "digits"),
        "sched_SignGD_ravine": scheduled_width("SignGD", "ravine"),
    }
    out["sched_gap_Lion_digits"] = float(final_gaps("Lion", "digits", scheduled=True).min())
    return out


# ----- the playground: each optimizer at a multiple of its own best learning rate -------------------------
def _pg_factory(opt_name: str):
    return lambda problem, k: SWEEP_OPTIMIZERS[opt_name](pg_best_lr(opt_name, int(problem)) * k)


def _pg_readout(problem, k) -> str:
    used = ", ".join(f"{o} {pg_best_lr(o, int(problem)) * k:.2g}" for o in PG_OPTIMIZERS)
    return f"α = {k:g} × best: {used}"


@register("practical_guide")
def playground() -> Playground:
    """Six optimizers, each at k times its own best learning rate, on the ravine or Rosenbrock's valley."""
    return Playground(
        "practical_guide",
        lambda problem: RAVINE if int(problem) == 0 else SURFACES["rosenbrock"],
        {name: _pg_factory(name) for name in PG_OPTIMIZERS},
        [
            Slider("problem", (0.0, 1.0), 0.0, label="problem", names=PG_PROBLEMS),
            Slider("k", PG_MULTIPLIERS, 1.0, label="α / best α", fmt=".3g"),
        ],
        steps=PG_STEPS,
        readout=_pg_readout,
        caption="Each optimizer runs at a multiple (the slider) of the learning rate that was best for it after "
        f"{PG_STEPS} steps on this problem (found by a batched sweep with {PER_DECADE} values per decade).",
    )
