"""Chapter "A practical guide": memory cost, learning-rate sensitivity, and the playground.

- Memory: the arrays each optimizer keeps per parameter are counted on its initial state
  (`optim_core.base.state_count`) and turned into gigabytes for a model with seven
  billion float32 parameters.
- Sensitivity: for each optimizer, one `tuning.sweep` (a batched run) over a learning-rate grid with eight
  values per decade on the ravine, Rosenbrock's valley and the digits softmax regression. A learning
  rate is "good" when the run ends within a factor 10 of the best final gap f - f* that any optimizer
  reached on that problem (gaps below FLOOR count as FLOOR: the problem is solved); the width of the good
  region is its number of grid points over eight, in decades.

The sweeps are cached (functools.cache) and run with single-threaded BLAS.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np
import scipy.optimize

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD, plots
from optim_core.base import state_count
from optim_core.chapters import register
from optim_core.models import SoftmaxRegression, digits_split, single_threaded
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, SURFACES
from optim_core.schedules import cosine
from optim_core.tables import markdown_table
from optim_core.tuning import sweep

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
PROBLEMS = ("ravine", "Rosenbrock", "digits")
STEPS = {"ravine": 300, "Rosenbrock": 1000, "digits": 300}
# ----- the playground -------------------------------------------------------------------------------------
PG_STEPS = 300
PG_PROBLEMS = ("ravine", "Rosenbrock")
PG_OPTIMIZERS = ("GD", "Momentum", "AdaGrad", "RMSProp", "Adam", "Lion")
PG_MULTIPLIERS = tuple(np.round(np.logspace(-2, 2, 13), 4))  # three per decade, 1 included


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
    """The problem object behind a name of PROBLEMS."""
    return {"ravine": RAVINE, "Rosenbrock": SURFACES["rosenbrock"], "digits": softmax()}[name]


def f_min(name: str) -> float:
    return softmax_f_min() if name == "digits" else problem(name).f_min


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


def grid_exercise(opt_name: str = "Adam", problem_name: str = "digits") -> dict:
    """The good band's size in grid points, its span between the outermost good points (decades), and the
    number of grid points per decade that always lands one point in it."""
    points = int(good(opt_name, problem_name).sum())
    span = (points - 1) / PER_DECADE
    per_decade = int(np.ceil(1 / span))
    return {"points": points, "span": span, "per_decade": per_decade, "spacing": 1 / per_decade}


def best_lr_spread(opt_name: str) -> float:
    """How far apart (in decades) the optimizer's best learning rates on the three problems lie."""
    lrs = [best_lr(opt_name, p) for p in PROBLEMS]
    return float(np.log10(max(lrs) / min(lrs)))


def largest_good_lr(opt_name: str, problem_name: str) -> float:
    """The largest learning rate of LRS that is good (nan if none is)."""
    mask = good(opt_name, problem_name)
    return float(LRS[mask].max()) if mask.any() else float("nan")


@functools.cache
def pg_best_lr(opt_name: str, problem_index: int) -> float:
    """The best learning rate of LRS for the playground's horizon (PG_STEPS) on one of its problems."""
    name = PG_PROBLEMS[int(problem_index)]
    return float(LRS[int(np.argmin(final_gaps(opt_name, name, PG_STEPS)))])


# ----- tables and figures ----------------------------------------------------------------------------------
def memory_markdown() -> str:
    """The memory table as Markdown."""
    header = ["optimizer", "state arrays per parameter", "state (GB)", "parameters + gradient + state (GB)"]
    cells = [
        [name, row["arrays"], f"{row['state_gb']:.0f}", f"{row['total_gb']:.0f}"]
        for name, row in memory_table().items()
    ]
    return markdown_table(header, cells, align="lrrr")


def widths_markdown() -> str:
    """The widths, each with the optimizer's best learning rate, as a Markdown table."""
    cells = [[o, *(f"{width(o, p):g} ({best_lr(o, p):.2g})" for p in PROBLEMS)] for o in NAMES]
    return markdown_table(["optimizer", *PROBLEMS], cells, align="l" + "r" * len(PROBLEMS))


def sensitivity_figure():
    """Final f - f* against the learning rate, one panel per problem; the dashed line is the bar for 'good'."""
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.4, height=3.2)
    with mpl.rc_context(plots.STYLE):
        for ax, p in zip(axes, PROBLEMS, strict=False):
            for name in NAMES:
                gaps = final_gaps(name, p)
                shown = np.where(np.isfinite(gaps), np.maximum(gaps, plots.LOSS_FLOOR), np.nan)
                ax.loglog(LRS, shown, color=plots.color_of(name), label=name, linewidth=1.4)
            ax.axhline(target(p), color="black", linestyle="--", linewidth=1, label="bar for 'good'")
            ax.set(
                title=f"{p} ({STEPS[p]} steps)", xlabel=r"learning rate $\alpha$", ylabel=r"final $f(w_T) - f^\star$"
            )
        handles, labels = axes[0].get_legend_handles_labels()
        axes[-1].axis("off")
        axes[-1].legend(handles, labels, loc="center", fontsize=10, frameon=False)
    return fig


# ----- the numbers the prose quotes -----------------------------------------------------------------------
def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    table, small, one_copy = memory_table(), memory_table(n_params=1.3e9), N_PARAMS * BYTES / GB
    out = {"one_copy": one_copy, "n_params_billion": N_PARAMS / 1e9, "arrays_GD": table["GD"]["arrays"]}
    out |= {
        "state_Adam": table["Adam"]["state_gb"],
        "lion_saving": table["Adam"]["state_gb"] - table["Lion"]["state_gb"],
    }
    out |= {f"total_{name}": table[name]["total_gb"] for name in ("GD", "Lion", "Adam", "AMSGrad")}
    out |= {
        "small_copy": 1.3e9 * BYTES / GB,
        "small_adam": small["Adam"]["total_gb"],
        "small_lion": small["Lion"]["total_gb"],
    }
    # learning-rate sensitivity
    out |= {"digits_f_min": softmax_f_min(), "target_ravine": target("ravine"), "target_digits": target("digits")}
    quoted = ("Adam ravine Rosenbrock digits", "Momentum Rosenbrock digits", "RMSProp digits", "GD ravine")
    quoted += ("SignGD ravine", "Lion digits")  # optimizer, then the problems on which the prose quotes its width
    out |= {f"width_{o}_{p}": width(o, p) for o, *ps in map(str.split, quoted) for p in ps}
    out |= {f"spread_{o}": best_lr_spread(o) for o in ("GD", "Momentum", "AdaGrad", "RMSProp", "Adam")}
    out |= {"best_GD_Rosenbrock": best_lr("GD", "Rosenbrock"), "best_GD_digits": best_lr("GD", "digits")}
    largest = largest_good_lr("GD", "ravine")
    out |= {"gd_largest_good": largest, "gd_next_lr": next_lr(largest), "two_over_L": 2 / problem("ravine").L}
    out |= {f"adam_{key}": value for key, value in grid_exercise("Adam", "digits").items()}
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
        caption=f"Each optimizer runs at k times the learning rate that was best for it after {PG_STEPS} steps "
        "on this problem (found by a batched sweep with eight values per decade).",
    )
