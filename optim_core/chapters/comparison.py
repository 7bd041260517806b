"""Chapter "Side-by-side comparison": every optimizer on the same problems, each at its own tuned learning rate.

Tuning is one batched `run` per optimizer and problem over a log grid of learning rates. The rate kept
is the one with the lowest mean of log10(f - f*) over the run (the area under the loss curve of a log
plot), among the runs that neither diverge nor blow up (f - f* above 100 times its starting value).
Every other hyperparameter stays at its library default.
"""

from __future__ import annotations

import dataclasses
import functools
import html

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD, plots, run
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Quadratic, Rosenbrock, Saddle, SparseLogistic
from optim_core.run import Trajectory

LR_GRID = np.geomspace(1e-4, 1e2, 37)  # six values per decade over six decades
TOL = 1e-6  # "reached" means f - f* <= TOL from some step to the end of the run
BLOWUP = 100.0  # a run whose f - f* ever exceeds BLOWUP times its start value counts as failed

OPTIMIZERS = {"GD": GD, "Momentum": Momentum, "AdaGrad": AdaGrad, "RMSProp": RMSProp, "SignGD": SignGD, "Adam": Adam}
PREVIEWS = {"AdamW": AdamW, "Lion": Lion}  # chapter 10's methods, at their library defaults, on the surfaces only
ALL = {**OPTIMIZERS, **PREVIEWS}


class _ReusedMargins(SparseLogistic):
    """SparseLogistic, remembering its last margins: `run` evaluates f at a new point, then grad at the same
    point, so reusing them halves the work and changes no bit of the result."""

    def _margins(self, w):
        last = self.__dict__.get("_last")
        if last is not None and last[0].shape == np.shape(w) and np.array_equal(last[0], w):
            return last[1]
        margins = super()._margins(w)
        self.__dict__["_last"] = (np.array(w, copy=True), margins)
        return margins


RAVINE = Quadratic()
PROBLEMS = {"ravine": RAVINE, "Rosenbrock": Rosenbrock(), "saddle": Saddle(), "sparse logistic": _ReusedMargins()}
STEPS = {"ravine": 300, "Rosenbrock": 1000, "saddle": 300, "sparse logistic": 300}
SURFACES = ("ravine", "Rosenbrock", "saddle")  # the 2-D problems, in the playground's order

ROTATION = np.pi / 4
_c, _s = np.cos(ROTATION), np.sin(ROTATION)
# The same ravine in coordinates turned by 45 degrees: its axes and its start point turn together.
ROTATED = (
    "rotated ravine",
    Quadratic(mu=RAVINE.mu, L=RAVINE.L, angle=ROTATION),
    np.array([[_c, -_s], [_s, _c]]) @ RAVINE.x0,
)


# ----- the tuning rule, as small pure functions -------------------------------------------------------------


def log_gap(loss, f_min: float) -> np.ndarray:
    """log10(f - f*), floored at plots.LOSS_FLOOR like the figures (NaN where a run diverged stays NaN)."""
    return np.log10(plots.loss_gap(loss, f_min))


def score(loss, f_min: float) -> np.ndarray:
    """The tuning criterion per run: the mean of log10(f - f*) over steps 1..N (lower is better; NaN if diverged)."""
    return np.mean(log_gap(np.asarray(loss)[1:], f_min), axis=0)


def failed(loss, f_min: float, blowup: float | None = BLOWUP) -> np.ndarray:
    """Whether each run diverged, or (with `blowup`) ever had f - f* above blowup times its starting f - f*."""
    gap = np.asarray(loss) - f_min
    bad = np.isnan(gap).any(axis=0)
    if blowup is not None:
        bad |= np.nanmax(gap, axis=0) > blowup * gap[0]
    return bad


def pick(scores, bad) -> int:
    """The index of the lowest score among the runs that did not fail."""
    masked = np.where(bad, np.inf, scores)
    if not np.isfinite(masked).any():
        raise ValueError("every learning rate of the grid failed")
    return int(np.argmin(masked))


def steps_to(gap, tol: float = TOL) -> int | None:
    """The first step from which f - f* stays <= tol until the end of the run, or None (NaN counts as above)."""
    above = ~(np.asarray(gap) <= tol)
    if above[-1]:
        return None
    late = np.flatnonzero(above)
    return int(late[-1] + 1) if late.size else 0


def is_inside(index: int, grid=LR_GRID) -> bool:
    """Whether a grid index is strictly inside the grid (not its first or last value)."""
    return 0 < index < len(grid) - 1


# ----- the sweeps --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Sweep:
    """One optimizer on one problem over the whole learning-rate grid, and the rate the rule picked."""

    name: str
    problem: object
    lrs: np.ndarray
    traj: Trajectory  # batched over the grid: params (N+1, K, dim), loss (N+1, K)
    bad: np.ndarray  # (K,) runs that failed
    scores: np.ndarray  # (K,) the criterion
    best: int

    @property
    def tuned_lr(self) -> float:
        return float(self.lrs[self.best])

    @property
    def path(self) -> np.ndarray:
        """The iterates at the tuned learning rate, shape (N+1, dim)."""
        return self.traj.params[:, self.best]

    @property
    def gap(self) -> np.ndarray:
        """f - f* at the tuned learning rate (floored for log plots)."""
        return plots.loss_gap(self.traj.loss[:, self.best], self.problem.f_min)

    @property
    def final_gaps(self) -> np.ndarray:
        """Final f - f* for every learning rate of the grid (NaN where the run failed)."""
        return np.where(self.bad, np.nan, plots.loss_gap(self.traj.final_loss, self.problem.f_min))


def tune(cls, problem, x0, steps: int, lrs=LR_GRID, blowup: float | None = BLOWUP, name: str = "") -> Sweep:
    """ONE batched run of `cls(lr=...)` over the grid `lrs` (shape (K, 1)); keep the rate with the best score."""
    lrs = np.asarray(lrs, dtype=np.float64)
    traj = run(cls(lr=lrs[:, None]), problem, x0, steps)
    bad = failed(traj.loss, problem.f_min, blowup)
    scores = score(traj.loss, problem.f_min)
    return Sweep(name or cls.__name__, problem, lrs, traj, bad, scores, pick(scores, bad))


def _setup(problem: str):
    """(problem object, start point, step budget) for a problem key (the rotated ravine included)."""
    if problem == ROTATED[0]:
        return ROTATED[1], ROTATED[2], STEPS["ravine"]
    p = PROBLEMS[problem]
    return p, p.x0, STEPS[problem]


@functools.cache
def sweep(problem: str, name: str, blowup: float | None = BLOWUP) -> Sweep:
    """The (cached) learning-rate sweep of optimizer `name` on problem `problem`."""
    p, x0, steps = _setup(problem)
    return tune(ALL[name], p, x0, steps, blowup=blowup, name=name)


def tuned_lr(problem: str, name: str) -> float:
    """The learning rate the tuning rule picked for `name` on `problem`."""
    return sweep(problem, name).tuned_lr


def tuned_index(problem: str, name: str) -> int:
    """Where the tuned learning rate sits in LR_GRID."""
    return sweep(problem, name).best


def final_gap(problem: str, name: str) -> float:
    """f - f* after the budget at the tuned learning rate."""
    return float(sweep(problem, name).gap[-1])


def steps_to_tol(problem: str, name: str, tol: float = TOL) -> int | None:
    """Steps the tuned run needs to get f - f* <= tol for good, or None."""
    return steps_to(sweep(problem, name).gap, tol)


def reaches(loss, f_min: float, bad, tol: float = TOL) -> np.ndarray:
    """For each run of a batch (loss of shape (N+1, K)): did it pass the rules and reach tol for good?"""
    gaps = plots.loss_gap(loss, f_min)
    return np.array([not bad[k] and steps_to(gaps[:, k], tol) is not None for k in range(gaps.shape[1])])


def reaching(s: Sweep, tol: float = TOL) -> np.ndarray:
    """For each learning rate of a sweep: did its run pass the rules and reach tol within the budget?"""
    return reaches(s.traj.loss, s.problem.f_min, s.bad, tol)


def decades(count: int, lrs=LR_GRID) -> float:
    """How many decades `count` neighbouring points of a log grid span, counting each point's share."""
    return count * np.log10(lrs[-1] / lrs[0]) / (len(lrs) - 1)


def reach_window(problem: str, name: str, tol: float = TOL) -> float:
    """The width, in decades of α, of the grid points whose runs reach tol within the budget."""
    return decades(int(reaching(sweep(problem, name), tol).sum()))


def window_touches_edge(problem: str, name: str) -> bool:
    """Whether the window of working learning rates runs into the first or last grid value."""
    ok = reaching(sweep(problem, name))
    return bool(ok[0] or ok[-1])


WIDE_EXTRA = LR_GRID[-1] * (LR_GRID[1] / LR_GRID[0]) ** np.arange(1, 13)  # two more decades, same spacing


@functools.cache
def wide_window(problem: str, name: str) -> float:
    """The window of `name` on `problem` with the grid extended by WIDE_EXTRA, for a window that reaches
    the top of LR_GRID (only the extension needs new runs)."""
    p, x0, steps = _setup(problem)
    loss = run(ALL[name](lr=WIDE_EXTRA[:, None]), p, x0, steps).loss
    extra = reaches(loss, p.f_min, failed(loss, p.f_min))
    return decades(int(reaching(sweep(problem, name)).sum() + extra.sum()))


def first_step_size(problem: str, name: str) -> float:
    """How far the tuned run's first step moves the weights (Euclidean norm)."""
    path = sweep(problem, name).path
    return float(np.linalg.norm(path[1] - path[0]))


ESCAPE_HEIGHT = 0.5  # |w2| at which a run has left the saddle's ridge
LATE = 50  # the last steps over which a floor is measured


def escape_step(name: str, height: float = ESCAPE_HEIGHT) -> int | None:
    """On the saddle, the first step at which the tuned run has |w2| >= height (it has left the ridge)."""
    hits = np.flatnonzero(np.abs(sweep("saddle", name).path[:, 1]) >= height)
    return int(hits[0]) if hits.size else None


def late_spike(problem: str, name: str, tol: float = TOL) -> dict:
    """The tuned run's first arrival at f - f* <= tol, and the largest f - f* after it (and its step)."""
    gap = sweep(problem, name).gap
    hits = np.flatnonzero(gap <= tol)
    if not hits.size:
        return {"arrived": None, "peak_step": None, "peak": None}
    arrived = int(hits[0])
    peak_step = arrived + int(np.argmax(gap[arrived:]))
    return {"arrived": arrived, "peak_step": peak_step, "peak": float(gap[peak_step])}


def gd_escape_prediction(height: float = ESCAPE_HEIGHT) -> float:
    """Near the ridge GD multiplies w2 by (1 + α) per step: steps to grow from the start's w2 to `height`."""
    lr, y0 = tuned_lr("saddle", "GD"), abs(PROBLEMS["saddle"].x0[1])
    return float(np.log(height / y0) / np.log1p(lr))


def sign_floor_bound(name: str = "SignGD") -> float:
    """Once each |w_i| <= α on the ravine, f - f* <= (mu + L) α² / 2: the floor a fixed step α allows."""
    return 0.5 * (RAVINE.mu + RAVINE.L) * tuned_lr("ravine", name) ** 2


def worst_late_gap(problem: str, name: str, last: int = LATE) -> float:
    """The largest f - f* over the last `last` steps of the tuned run."""
    return float(np.max(sweep(problem, name).gap[-last:]))


def sign_travel_steps(problem: str = "Rosenbrock", name: str = "SignGD") -> float:
    """A lower bound on sign descent's steps: the longest coordinate distance to the minimum over α."""
    p = PROBLEMS[problem]
    return float(np.max(np.abs(p.minimum - p.x0)) / tuned_lr(problem, name))


def grid_neighbours(problem: str, name: str) -> tuple:
    """The tuned learning rate and the next larger one on the grid, and whether that one failed."""
    s = sweep(problem, name)
    return s.tuned_lr, float(s.lrs[s.best + 1]), bool(s.bad[s.best + 1])


def scaled_run(problem: str, name: str, scale: float) -> Trajectory:
    """The run the playground shows: `name` on `problem` at `scale` times its tuned learning rate."""
    p, x0, steps = _setup(problem)
    return run(ALL[name](lr=scale * tuned_lr(problem, name)), p, x0, steps)


def scaled_outcome(problem: str, name: str, scale: float) -> int | None:
    """Steps to TOL at `scale` times the tuned rate (None: not reached, diverged or blew up)."""
    traj = scaled_run(problem, name, scale)
    p = _setup(problem)[0]
    if failed(traj.loss[:, None], p.f_min)[0]:
        return None
    return steps_to(plots.loss_gap(traj.loss, p.f_min))


def floor_runs(problem: str = "ravine", names=tuple(OPTIMIZERS)) -> int:
    """How many eligible runs of the sweeps end at the floor, where the final loss cannot rank them."""
    return int(sum(np.sum(sweep(problem, n).final_gaps <= plots.LOSS_FLOOR) for n in names))


def lucky_landing(problem: str = "Rosenbrock", name: str = "Lion") -> int | None:
    """The first step at which a tuned sign-based run sits at the floor (exactly on the minimum), if ever."""
    hits = np.flatnonzero(sweep(problem, name).gap <= plots.LOSS_FLOOR)
    return int(hits[0]) if hits.size else None


RARE_LAG_STEP = 100


def rare_lag(name: str = "GD", step: int = RARE_LAG_STEP) -> float:
    """On the sparse problem: the largest rare-weight error over the largest common-weight error at `step`."""
    p = PROBLEMS["sparse logistic"]
    error = np.abs(sweep("sparse logistic", name).path[step] - p.minimum)
    return float(error[p.n_common :].max() / error[: p.n_common].max())


def without_decay(problem: str) -> float:
    """Final f - f* of plain Adam (AdamW without its decay) at AdamW's tuned learning rate."""
    p, x0, steps = _setup(problem)
    traj = run(Adam(lr=tuned_lr(problem, "AdamW")), p, x0, steps)
    return float(plots.loss_gap(traj.final_loss, p.f_min))


# ----- theory for the ravine ------------------------------------------------------------------------------------


def gd_best_rate(kappa: float = RAVINE.kappa) -> float:
    """GD's best per-step contraction of the error on a quadratic: (kappa - 1) / (kappa + 1)."""
    return (kappa - 1.0) / (kappa + 1.0)


def momentum_rate_floor(beta: float = 0.9) -> float:
    """Heavy ball's contraction can never beat sqrt(beta): its two roots per direction multiply to beta."""
    return float(np.sqrt(beta))


def best_momentum_beta(kappa: float = RAVINE.kappa) -> float:
    """Polyak's best beta for a quadratic: ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2."""
    return ((np.sqrt(kappa) - 1.0) / (np.sqrt(kappa) + 1.0)) ** 2


BETAS = np.round(np.linspace(0.0, 0.9, 10), 2)


@functools.cache
def momentum_beta_sweep(betas: tuple = tuple(BETAS)) -> dict:
    """One batched Momentum run over (beta, lr) on the ravine; the pair the rule picks and its steps to TOL."""
    betas = np.asarray(betas)
    opt = Momentum(lr=LR_GRID[None, :, None], beta=betas[:, None, None])
    traj = run(opt, RAVINE, RAVINE.x0, STEPS["ravine"])
    bad = failed(traj.loss, RAVINE.f_min)
    k = pick(score(traj.loss, RAVINE.f_min).ravel(), bad.ravel())
    b, j = np.unravel_index(k, bad.shape)
    gap = plots.loss_gap(traj.loss[:, b, j], RAVINE.f_min)
    return {"beta": float(betas[b]), "lr": float(LR_GRID[j]), "steps": steps_to(gap), "inside": is_inside(j)}


def rotation_steps(name: str) -> tuple:
    """Steps to TOL on the ravine and on the same ravine turned by 45 degrees, each with its own tuned rate."""
    return steps_to_tol("ravine", name), steps_to_tol(ROTATED[0], name)


def first_adagrad_step_without_rule() -> dict:
    """AdaGrad on the ravine tuned with no blow-up rule: the rate picked, where its first step lands, steps to TOL."""
    s = sweep("ravine", "AdaGrad", blowup=None)
    curvature = np.diag(RAVINE.hessian)
    v2 = np.sum(RAVINE.grad(s.path[:2]) ** 2, axis=0)  # AdaGrad's sum after its first two gradients
    return {
        "lr": s.tuned_lr,
        "index": s.best,
        "first": s.path[1].copy(),
        "steps": steps_to(s.gap),
        "factors": s.tuned_lr * curvature / np.sqrt(v2),  # alpha * c_i / sqrt(v_i): about 1 means a Newton step
    }


# ----- every number the text quotes ------------------------------------------------------------------------


def numbers() -> dict:
    """Name -> value of every number the chapter's prose states (the notebook glues them, the tests pin them)."""
    out = {
        "n_grid": len(LR_GRID),
        "lr_lo": float(LR_GRID[0]),
        "lr_hi": float(LR_GRID[-1]),
        "per_decade": round(1 / decades(1)),
        "grid_ratio": float(LR_GRID[1] / LR_GRID[0]),
        "tol": TOL,
        "blowup": int(BLOWUP),
        "floor": plots.LOSS_FLOOR,
        "steps_short": STEPS["ravine"],
        "steps_rosenbrock": STEPS["Rosenbrock"],
        "saddle_y0": float(PROBLEMS["saddle"].x0[1]),
        "escape_height": ESCAPE_HEIGHT,
        "ravine_x0_1": float(RAVINE.x0[0]),
        "ravine_x0_2": float(RAVINE.x0[1]),
        "rosen_x0_1": float(PROBLEMS["Rosenbrock"].x0[0]),
        "rosen_min_1": float(PROBLEMS["Rosenbrock"].minimum[0]),
        "rosen_distance": float(np.max(np.abs(PROBLEMS["Rosenbrock"].minimum - PROBLEMS["Rosenbrock"].x0))),
        "rotation_deg": round(float(np.degrees(ROTATION))),
        "late": LATE,
        "pg_steps": PLAYGROUND_STEPS,
        "n_sparse": PROBLEMS["sparse logistic"].dim,
        "n_rare": PROBLEMS["sparse logistic"].n_rare,
        "rare_freq": PROBLEMS["sparse logistic"].rare_freq,
        # the worked example: GD on the ravine
        "gd_theory_lr": 2.0 / (RAVINE.L + RAVINE.mu),
        "gd_threshold": 2.0 / RAVINE.L,
        "gd_next_lr": grid_neighbours("ravine", "GD")[1],
        "gd_steep_factor": 1.0 - tuned_lr("ravine", "GD") * RAVINE.L,
        # the ravine
        "kappa": RAVINE.kappa,
        "gd_rate": gd_best_rate(),
        "beta_default": float(Momentum(lr=1.0).beta),
        "mom_floor": momentum_rate_floor(float(Momentum(lr=1.0).beta)),
        "beta_theory": best_momentum_beta(),
        "beta_tuned": momentum_beta_sweep()["beta"],
        "beta_tuned_lr": momentum_beta_sweep()["lr"],
        "beta_tuned_steps": momentum_beta_sweep()["steps"],
        "rms_first_factor": 1.0 / np.sqrt(1.0 - float(RMSProp(lr=1.0).beta)),
        "rms_ravine_first": first_step_size("ravine", "RMSProp") / np.sqrt(2.0),
        "rms_ravine_arrived": late_spike("ravine", "RMSProp")["arrived"],
        "rms_ravine_peak_step": late_spike("ravine", "RMSProp")["peak_step"],
        "rms_ravine_peak": late_spike("ravine", "RMSProp")["peak"],
        "ravine_start_gap": float(RAVINE.f(RAVINE.x0) - RAVINE.f_min),
        "sign_ravine_bound": sign_floor_bound(),
        "sign_ravine_late": worst_late_gap("ravine", "SignGD"),
        "rot_gd": rotation_steps("GD")[1],
        "rot_mom": rotation_steps("Momentum")[1],
        "rot_adagrad": rotation_steps("AdaGrad")[1],
        "rot_adam": rotation_steps("Adam")[1],
        # Rosenbrock
        "rosen_gd_next": grid_neighbours("Rosenbrock", "GD")[1],
        "sign_travel": sign_travel_steps(),
        # the saddle
        "gd_escape_pred": gd_escape_prediction(),
        "escape_gd": escape_step("GD"),
        "escape_mom": escape_step("Momentum"),
        "escape_sign": escape_step("SignGD"),
        # sparse logistic
        "rms_sparse_arrived": late_spike("sparse logistic", "RMSProp")["arrived"],
        "rms_sparse_peak_step": late_spike("sparse logistic", "RMSProp")["peak_step"],
        "rms_sparse_peak": late_spike("sparse logistic", "RMSProp")["peak"],
        "rms_sparse_window_top": float(LR_GRID[np.flatnonzero(reaching(sweep("sparse logistic", "RMSProp")))[-1]]),
        # sensitivity
        "mom_sparse_wide": wide_window("sparse logistic", "Momentum"),
        "wide_hi": float(np.round(WIDE_EXTRA[-1])),
        # the exercise without the blow-up rule
        "norule_lr": first_adagrad_step_without_rule()["lr"],
        "norule_w1": float(first_adagrad_step_without_rule()["first"][0]),
        "norule_w2": float(first_adagrad_step_without_rule()["first"][1]),
        "norule_steps": first_adagrad_step_without_rule()["steps"],
        "norule_factor1": float(first_adagrad_step_without_rule()["factors"][0]),
        "norule_factor2": float(first_adagrad_step_without_rule()["factors"][1]),
        # why the final loss is a poor criterion
        "ravine_floor_runs": floor_runs(),
        "lion_lucky_step": lucky_landing(),
        "lion_lucky_final": final_gap("Rosenbrock", "Lion"),
        # the sparse problem's rare weights and AdamW's decay
        "rare_lag_step": RARE_LAG_STEP,
        "rare_lag": rare_lag(),
        "nodecay_saddle": without_decay("saddle"),
        "nodecay_rosen": without_decay("Rosenbrock"),
        # the playground's multiplier
        "adam_ravine_quarter": scaled_outcome("ravine", "Adam", 0.25),
        "adam_ravine_x4": scaled_outcome("ravine", "Adam", 4.0),
        "adam_rosen_half": scaled_outcome("Rosenbrock", "Adam", 0.5),
    }
    short = {"ravine": "ravine", "Rosenbrock": "rosen", "saddle": "saddle", "sparse logistic": "sparse"}
    for problem, key in short.items():
        for name in ALL if problem in SURFACES else OPTIMIZERS:
            n = name.lower()
            out[f"lr_{key}_{n}"] = tuned_lr(problem, name)
            out[f"final_{key}_{n}"] = final_gap(problem, name)
            steps = steps_to_tol(problem, name)
            if steps is not None:
                out[f"steps_{key}_{n}"] = steps
            if name in OPTIMIZERS:
                out[f"window_{key}_{n}"] = reach_window(problem, name)
    return out


# ----- the table ---------------------------------------------------------------------------------------------------


def fmt_lr(lr: float) -> str:
    """A learning rate with three significant digits."""
    return f"{lr:.3g}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def pretty(value, compact: bool = False) -> str:
    """How a number reads in the text: integers as they are, 3 significant digits, or a × 10ⁿ when tiny or huge."""
    if isinstance(value, (int, np.integer)):
        return str(value).replace("-", "−")
    value = float(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return text.replace("-", "−")
    mantissa, exponent = f"{value:.1e}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    mantissa = mantissa.replace("-", "−")
    if mantissa in ("1.0", "−1.0"):
        return mantissa.replace("1.0", "") + power
    return f"{mantissa}×{power}" if compact else f"{mantissa} × {power}"


def fmt_gap(gap: float) -> str:
    """f - f* for the table; values at the plotting floor read as '≤ 10⁻¹⁶'."""
    if gap <= plots.LOSS_FLOOR:
        return "≤ " + pretty(plots.LOSS_FLOOR)
    return pretty(gap, compact=True)


def fmt_steps(steps: int | None) -> str:
    """Steps to TOL for the table, or 'not reached'."""
    return "not reached" if steps is None else str(steps)


def table_cells(problem: str, name: str) -> list[str]:
    """One table row's cells for an optimizer on a problem: tuned α, final f - f*, steps to TOL."""
    return [fmt_lr(tuned_lr(problem, name)), fmt_gap(final_gap(problem, name)), fmt_steps(steps_to_tol(problem, name))]


GROUP_TOP = ' style="border-top:2px solid #888"'  # a line above each problem's block of rows


def table_html(problems=tuple(PROBLEMS), names=tuple(OPTIMIZERS), previews=tuple(PREVIEWS)) -> str:
    """The results as an HTML table: a block of rows per problem, previews of chapter 10 in grey italics."""
    head = "".join(
        f"<th>{h}</th>" for h in ("problem", "optimizer", "tuned α", "final f − f*", f"steps to f − f* ≤ {pretty(TOL)}")
    )
    rows = []
    for problem in problems:
        shown = previews if problem in SURFACES else ()
        block = [(n, "") for n in names] + [(n, ' style="color:#777; font-style:italic"') for n in shown]
        label = f"{html.escape(problem)}<br><small>{STEPS[problem]} steps</small>"
        for i, (n, style) in enumerate(block):
            first = f'<th rowspan="{len(block)}" style="vertical-align:top">{label}</th>' if i == 0 else ""
            name = html.escape(n) + (" (ch. 10)" if n in previews else "")
            cells = "".join(f"<td>{html.escape(c)}</td>" for c in table_cells(problem, n))
            rows.append(f"<tr{GROUP_TOP if i == 0 else style}>{first}<td>{name}</td>{cells}</tr>")
    return (
        '<table class="comparison-table" style="font-size:0.9em; font-variant-numeric: tabular-nums">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def defaults_html(names=tuple(OPTIMIZERS) + tuple(PREVIEWS)) -> str:
    """Each optimizer's hyperparameters other than α, read from the library's defaults."""
    rows = []
    for n in names:
        hyper = {k: v for k, v in ALL[n](lr=1.0).hyperparameters().items() if k != "lr"}
        text = ", ".join(f"{k} = {_plain(v)}" for k, v in hyper.items()) or "(none)"
        rows.append(f"<tr><th>{html.escape(n)}</th><td><code>{html.escape(text)}</code></td></tr>")
    return (
        '<table style="font-size:0.85em"><thead><tr><th>optimizer</th><th>kept at the library default</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _plain(value) -> str:
    """A hyperparameter value as Python would print the scalar (arrays of one value unwrapped)."""
    return repr(value.item()) if isinstance(value, np.ndarray) else repr(value)


def widest_window(problem: str, names=tuple(OPTIMIZERS)) -> str:
    """The optimizer with the widest window of learning rates reaching TOL on `problem`."""
    return max(names, key=lambda n: reach_window(problem, n))


# ----- figures -------------------------------------------------------------------------------------------------------


def surface_figure(problem: str, names=tuple(OPTIMIZERS)):
    """One panel per optimizer with its path at its tuned α over the contours, and all their f - f* on the right."""
    p = PROBLEMS[problem]
    rows = [list(names[: (len(names) + 1) // 2]), list(names[(len(names) + 1) // 2 :])]
    rows[1] += ["."] * (len(rows[0]) - len(rows[1]))
    with mpl.rc_context(plots.STYLE):
        fig = plots.BookFigure(figsize=(11.0, 5.8), layout="constrained")
        axes = fig.subplot_mosaic([[*r, "loss", "loss"] for r in rows], empty_sentinel=".")
        for i, n in enumerate(names):
            ax, s = axes[n], sweep(problem, n)
            plots.contours(ax, p, resolution=100)
            plots.path_line(ax, n, i, markersize=2.0, linewidth=1.1).set_data(s.path[:, 0], s.path[:, 1])
            ax.set_title(f"{n}, α = {fmt_lr(s.tuned_lr)}", color=plots.color_of(n, i), fontsize=10)
            ax.set(xlabel="", ylabel="")
            ax.tick_params(labelsize=7.5)
        plots.losses(
            {n: sweep(problem, n).traj.loss[:, sweep(problem, n).best] for n in names}, p.f_min, ax=axes["loss"]
        )
        axes["loss"].axhline(TOL, color="#999999", linewidth=0.8, linestyle=":")
        axes["loss"].legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, fontsize=9)
        axes["loss"].set_title(f"f − f* at the tuned α ({STEPS[problem]} steps; dotted: {pretty(TOL)})", fontsize=10)
    return fig


def losses_figure(problem: str, names=tuple(OPTIMIZERS)):
    """f - f* at each optimizer's tuned rate on one (not 2-D) problem."""
    p = PROBLEMS[problem]
    fig, ax = plots.figure(width=6.4, height=3.7)
    plots.losses({n: sweep(problem, n).traj.loss[:, sweep(problem, n).best] for n in names}, p.f_min, ax=ax)
    with mpl.rc_context(plots.STYLE):
        ax.axhline(TOL, color="#999999", linewidth=0.8, linestyle=":")
        ax.set_title(f"{problem}: each optimizer at its tuned α, {STEPS[problem]} steps (dotted: {pretty(TOL)})")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def sensitivity_figure(problem: str = "sparse logistic", names=tuple(OPTIMIZERS)):
    """Final f - f* against the learning rate for every optimizer (one batched sweep each), tuned α marked."""
    fig, ax = plots.figure(width=6.6, height=3.8)
    with mpl.rc_context(plots.STYLE):
        for i, n in enumerate(names):
            s = sweep(problem, n)
            color = plots.color_of(n, i)
            ax.loglog(s.lrs, s.final_gaps, color=color, label=n)
            ax.plot(s.tuned_lr, s.gap[-1], "o", color=color, markersize=7, markeredgecolor="black")
        ax.axhline(TOL, color="#999999", linewidth=0.8, linestyle=":")
        ax.set(
            xlabel=r"learning rate $\alpha$", ylabel=rf"$f - f^\star$ after {STEPS[problem]} steps", ylim=(5e-17, None)
        )
        ax.set_title(f"{problem}: final loss over the whole grid (dot: tuned α)")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def window_figure(problems=tuple(PROBLEMS), names=tuple(OPTIMIZERS)):
    """Per problem, the grid values of α whose runs reach TOL (squares) and the tuned α (ring), per optimizer."""
    fig, axes = plots.figure(ncols=2, nrows=(len(problems) + 1) // 2, width=4.6, height=2.6, sharey=True)
    with mpl.rc_context(plots.STYLE):
        for ax, problem in zip(axes, problems, strict=True):
            for row, n in enumerate(names):
                s, color = sweep(problem, n), plots.color_of(n, row)
                ok = reaching(s)
                ax.plot(s.lrs[ok], np.full(ok.sum(), row), "s", color=color, markersize=5)
                ax.plot(s.tuned_lr, row, "o", markersize=11, markerfacecolor="none", markeredgecolor="black")
            ax.set_xscale("log")
            ax.set(xlim=(LR_GRID[0] / 2, LR_GRID[-1] * 2), ylim=(len(names) - 0.5, -0.5), title=problem)
            ax.set_xlabel(r"$\alpha$")
            ax.set_yticks(range(len(names)), names)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return fig


# ----- the playground ---------------------------------------------------------------------------------------------

SCALES = tuple(2.0**k for k in range(-3, 4))
PLAYGROUND_STEPS = 300


def tuned_table(names=tuple(OPTIMIZERS), problems=SURFACES) -> dict:
    """name -> array of tuned learning rates, one per 2-D problem (in the playground's order)."""
    return {n: np.array([tuned_lr(p, n) for p in problems]) for n in names}


def _factory(cls, lrs: np.ndarray):
    """An optimizer factory at `lr_scale` times its tuned rate on the chosen problem (works on numpy arrays)."""
    return lambda lr_scale, problem: cls(lr=lrs[np.asarray(problem, dtype=int)] * np.asarray(lr_scale))


def _readout(lr_scale, problem) -> str:
    """The line under the playground: the learning rate each optimizer is using."""
    tuned = tuned_table()
    k = int(problem)
    return "α used: " + ", ".join(f"{n} {fmt_lr(float(lrs[k] * lr_scale))}" for n, lrs in tuned.items())


@register("comparison")
def playground() -> Playground:
    tuned = tuned_table()
    return Playground(
        "comparison",
        lambda problem: PROBLEMS[SURFACES[int(problem)]],
        {n: _factory(OPTIMIZERS[n], tuned[n]) for n in OPTIMIZERS},
        [
            Slider("problem", (0, 1, 2), 0, label="problem", names=SURFACES),
            Slider("lr_scale", SCALES, 1.0, label="α / tuned α", fmt="g"),
            Slider("steps", (25, 50, 100, 200, PLAYGROUND_STEPS), PLAYGROUND_STEPS, label="steps shown", fmt="g"),
        ],
        steps=PLAYGROUND_STEPS,
        readout=_readout,
        caption="Every optimizer at a common multiple of its own tuned learning rate",
    )
