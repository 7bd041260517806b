"""Chapter "Sign updates": the experiments behind its numbers and its playground.

Sign descent, w_t = w_{t-1} - lr sign(dw_t), is RMSProp with beta = 0 and eps = 0. Here: that identity
on the ravine, the +-lr steps, the oscillation box near the minimum, the sensitivity to lr, the bytes of
a gradient against its packed signs, and signSGD with a majority vote across simulated workers
(Bernstein et al., 2018).
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import matplotlib as mpl
import numpy as np

from optim_core import GD, RMSProp, SignGD, plots, run
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Quadratic, Wrapped

RAVINE = Quadratic()  # f = 0.1 w1^2 + 2 w2^2: mu = 0.2, L = 4
START = np.array([-4.37, 0.93])  # not a whole number of steps of LR away from the minimum
LR = 0.125  # a power of two: every iterate START + k LR is exact in float64, so |dw| == LR exactly

# ----- the limit of RMSProp ------------------------------------------------------------------------


def limit_runs(lr: float = LR, steps: int = 60, x0=START) -> dict:
    """SignGD and RMSProp with beta = 0 (eps = 0 and eps = 1e-8) on the ravine, label -> Trajectory."""
    return {
        "SignGD": run(SignGD(lr), RAVINE, x0, steps),
        "RMSProp (β=0, ε=0)": run(RMSProp(lr, beta=0.0, eps=0.0), RAVINE, x0, steps),
        "RMSProp (β=0, ε=1e-8)": run(RMSProp(lr, beta=0.0, eps=1e-8), RAVINE, x0, steps),
    }


def max_gap(a, b) -> float:
    """The largest coordinate difference between two trajectories, over every step."""
    return float(np.max(np.abs(a.params - b.params)))


def step_sizes(traj) -> np.ndarray:
    """The distinct values of |w_t - w_{t-1}| over a run, coordinate by coordinate."""
    return np.unique(np.abs(np.diff(traj.params, axis=0)))


# ----- the box near the minimum ---------------------------------------------------------------------


def arrival_steps(lr: float = LR, x0=START) -> np.ndarray:
    """Per coordinate, the number of +-lr steps needed to cross the minimum: ceil(|x0| / lr)."""
    return np.ceil(np.abs(np.asarray(x0)) / lr).astype(int)


def late_box(traj, last: int = 10) -> dict:
    """The last iterates: per-coordinate range (the amplitude), their distinct points, the losses there."""
    tail = traj.params[-last:]
    return {
        "amplitude": tail.max(axis=0) - tail.min(axis=0),
        "points": np.unique(tail, axis=0),
        "loss_range": (float(traj.loss[-last:].min()), float(traj.loss[-last:].max())),
        "max_distance": float(np.max(np.abs(tail))),
    }


@dataclasses.dataclass(frozen=True, eq=False)
class Window(Wrapped):
    """A problem seen through a smaller box (for a zoomed contour plot)."""

    bounds: tuple


def box_figure(lr: float = LR, steps: int = 60, x0=START):
    """Left: the sawtooth path of SignGD on the ravine. Right: the last iterates in a box of side lr."""
    traj = limit_runs(lr, steps, x0)["SignGD"]
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.3)
    plots.trajectories(RAVINE, {"SignGD": traj}, ax=a)
    half = 1.4 * lr
    plots.trajectories(Window(RAVINE, ((-half, half), (-half, half))), {"SignGD": traj.params[-6:]}, ax=b)
    lo = traj.params[-2:].min(axis=0)
    with mpl.rc_context(plots.STYLE):
        b.add_patch(mpl.patches.Rectangle(lo, lr, lr, fill=False, edgecolor="black", linestyle="--", linewidth=1.0))
        b.set_aspect("equal")
        b.set_title(f"the last 6 iterates: a box of side α = {lr:g}")
        a.set_title(f"SignGD, α = {lr:g}, {steps} steps")
    return fig


def one_d_cycle(w0: float, lr: float, curvature: float, steps: int = 100) -> dict:
    """SignGD on f(w) = curvature/2 w^2 in one dimension: the two points it ends up alternating between."""
    problem = Quadratic(mu=curvature, L=curvature)  # the same curvature along both axes: two copies of 1-D
    traj = run(SignGD(lr), problem, np.array([w0, w0]), steps)
    tail = np.unique(traj.params[-4:, 0])
    return {"points": tail, "loss": 0.5 * curvature * tail**2, "arrival": int(np.ceil(abs(w0) / lr))}


# ----- sensitivity to the learning rate ------------------------------------------------------------

SWEEP_LRS = np.geomspace(1e-4, 1.0, 41)


def sweep_final_loss(opt_cls, lrs=SWEEP_LRS, steps: int = 100, x0=START) -> np.ndarray:
    """Per lr, the worse of the last two losses (SignGD ends on a 2-cycle; inf where a run diverged)."""
    traj = run(opt_cls(np.asarray(lrs)[:, None]), RAVINE, x0, steps)
    return np.nan_to_num(np.max(traj.loss[-2:], axis=0), nan=np.inf)


def best_lr(opt_cls, lrs=SWEEP_LRS, steps: int = 100) -> float:
    """The lr of the grid with the lowest sweep_final_loss after `steps` steps."""
    return float(np.asarray(lrs)[np.argmin(sweep_final_loss(opt_cls, lrs, steps))])


def steps_to_stay_below(loss: np.ndarray, tol: float) -> np.ndarray:
    """Per run (last axis), the first step after which the loss stays below tol; inf if it never does."""
    above = ~(np.nan_to_num(loss, nan=np.inf) < tol)
    last_above = len(loss) - 1 - np.argmax(above[::-1], axis=0)  # index of the last step at or above tol
    first_below = np.where(above.any(axis=0), last_above + 1, 0)
    return np.where(first_below <= len(loss) - 1, first_below, np.inf)


def fewest_steps(opt_cls, tol: float = 1e-6, lrs=SWEEP_LRS, steps: int = 8000, x0=START) -> tuple[float, float]:
    """(steps, lr): the smallest number of steps after which f stays below tol, over the lr grid."""
    traj = run(opt_cls(np.asarray(lrs)[:, None]), RAVINE, x0, steps)
    needed = steps_to_stay_below(traj.loss, tol)
    i = int(np.argmin(needed))
    return float(needed[i]), float(np.asarray(lrs)[i])


def sweep_figure(budgets=(100, 1000), lrs=SWEEP_LRS):
    """The loss left after a fixed budget of steps against lr, for GD and SignGD, two budgets."""
    fig, ax = plots.figure(width=6.4, height=3.6)
    with mpl.rc_context(plots.STYLE):
        for label, opt_cls in (("GD", GD), ("SignGD", SignGD)):
            for budget, style in zip(budgets, ("-", "--"), strict=True):
                values = plots.loss_gap(sweep_final_loss(opt_cls, lrs, budget), RAVINE.f_min)
                values = np.where(np.isfinite(values), values, np.nan)
                ax.loglog(lrs, values, style, color=plots.color_of(label), label=f"{label}, {budget} steps")
        ax.axvline(2 / RAVINE.L, color="#4d4d4d", linewidth=0.8, linestyle=":")
        ax.text(2 / RAVINE.L * 0.92, 1e-12, "GD diverges →", ha="right", fontsize=8, color="#4d4d4d")
        ax.set(xlabel="learning rate α", ylabel=r"$f - f^\star$ after the budget (worse of last two)")
        ax.set_ylim(1e-18, 1e2)
        ax.legend(loc="lower left", ncols=2)
    return fig


# ----- one bit per coordinate --------------------------------------------------------------------------


def pack_signs(g: np.ndarray) -> np.ndarray:
    """One bit per coordinate: 1 where g >= 0, packed eight to a byte."""
    return np.packbits(np.asarray(g) >= 0)


def unpack_signs(packed: np.ndarray, n: int) -> np.ndarray:
    """The +-1 signs back from pack_signs (a zero gradient comes back as +1)."""
    return np.unpackbits(packed, count=n).astype(np.float64) * 2.0 - 1.0


def gradient_bytes(n: int = 1_000_000, seed: int = 0) -> dict:
    """Bytes of a seeded float32 gradient of n coordinates and of its packed signs, and a round trip check."""
    g = np.random.default_rng(seed).normal(size=n).astype(np.float32)
    packed = pack_signs(g)
    return {
        "float32": g.nbytes,
        "signs": packed.nbytes,
        "ratio": g.nbytes / packed.nbytes,
        "round_trip": bool(np.array_equal(unpack_signs(packed, n), np.sign(g))),
    }


def message_bytes(n: float, bits: int) -> float:
    """Bytes of a message carrying n coordinates of `bits` bits each."""
    return n * bits / 8


# ----- majority vote across workers ------------------------------------------------------------------


def majority_correct(p: float, workers: int) -> float:
    """Probability that the majority of an odd number of independent signs, each right with probability p, is right."""
    from math import comb

    need = workers // 2 + 1
    return float(sum(comb(workers, k) * p**k * (1 - p) ** (workers - k) for k in range(need, workers + 1)))


@dataclasses.dataclass(frozen=True, eq=False)
class DiagonalQuadratic:
    """f(w) = 1/2 sum_i h_i w_i^2 in `dim` coordinates, curvatures h log-spaced from mu to L, start at all ones."""

    dim: int = 1000
    mu: float = 0.1
    L: float = 1.0
    name = "diagonal quadratic"
    f_min = 0.0

    @cached_property
    def h(self) -> np.ndarray:
        return np.geomspace(self.mu, self.L, self.dim)

    @property
    def x0(self) -> np.ndarray:
        return np.ones(self.dim)

    @property
    def minimum(self) -> np.ndarray:
        return np.zeros(self.dim)

    def f(self, w):
        w = np.asarray(w, dtype=np.float64)
        return 0.5 * np.sum(self.h * w * w, axis=-1)

    def grad(self, w):
        return self.h * np.asarray(w, dtype=np.float64)


@dataclasses.dataclass(frozen=True, eq=False)
class Workers(Wrapped):
    """`workers` machines each see grad + noise * (seeded Gaussian noise); a server combines their messages.

    rule "mean": each sends its float gradient, the server averages them (ordinary data parallelism).
    rule "vote": each sends the signs of its gradient, the server sends back the sign of their sum.
    Every element of a batched run sees the same noise (one draw per step and worker).
    """

    workers: int = 9
    noise: float = 1.0
    rule: str = "vote"
    seed: int = 0

    def __post_init__(self):
        if self.rule not in ("mean", "vote"):
            raise ValueError(f"rule must be 'mean' or 'vote' (got {self.rule!r})")

    def messages(self, w, step: int) -> np.ndarray:
        """What each worker computes at this step: shape (..., workers, dim)."""
        g = self.problem.grad(w)
        noise = np.random.default_rng((self.seed, step)).normal(size=(self.workers, g.shape[-1]))
        return g[..., None, :] + self.noise * noise

    def stochastic_grad(self, w, step: int):
        local = self.messages(w, step)
        if self.rule == "mean":
            return local.mean(axis=-2)
        return np.sign(np.sign(local).sum(axis=-2))


def bits_per_step(dim: int, workers: int, bits: int) -> int:
    """Bits on the network per step: every worker uploads dim values and downloads dim values of `bits` bits."""
    return 2 * workers * dim * bits


VOTE_LRS = np.geomspace(1e-3, 1.0, 19)
VOTE_SETUPS = {  # label -> (optimizer class, workers, rule, bits per coordinate)
    "GD (mean of 9 workers)": (GD, 9, "mean", 32),
    "SignGD (majority of 9)": (SignGD, 9, "vote", 1),
    "SignGD (1 worker)": (SignGD, 1, "vote", 1),
}


def vote_experiment(steps: int = 300, noise: float = 1.0, dim: int = 1000, lrs=VOTE_LRS, seed: int = 0) -> dict:
    """label -> {lr, loss, bits}: each setup at its best lr of the grid (lowest mean loss over the last 50 steps)."""
    problem = DiagonalQuadratic(dim)
    out = {}
    for label, (opt_cls, workers, rule, bits) in VOTE_SETUPS.items():
        traj = run(opt_cls(np.asarray(lrs)[:, None]), Workers(problem, workers, noise, rule, seed), steps=steps)
        score = np.nan_to_num(traj.loss[-50:].mean(axis=0), nan=np.inf)
        i = int(np.argmin(score))
        out[label] = {
            "lr": float(lrs[i]),
            "loss": traj.loss[:, i],
            "final": float(score[i]),
            "bits": bits_per_step(dim, workers, bits),
        }
    return out


def bits_to_reach(result: dict, tol: float) -> float:
    """Total bits sent before the loss first drops below tol (inf if it never does)."""
    below = np.flatnonzero(result["loss"] < tol)
    return float(below[0] * result["bits"]) if below.size else np.inf


def vote_figure(results: dict, tol: float | None = None):
    """Loss against the step (left) and against the megabits sent so far (right), per setup."""
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.4, sharey=True)
    with mpl.rc_context(plots.STYLE):
        for i, (label, r) in enumerate(results.items()):
            style = {"color": plots.color_of(label, i), "linestyle": "--" if "1 worker" in label else "-"}
            steps = np.arange(len(r["loss"]))
            a.semilogy(steps, r["loss"], label=f"{label}, α = {r['lr']:.2g}", **style)
            b.loglog(np.maximum(steps, 1) * r["bits"] / 1e6, r["loss"], **style)
        for ax in (a, b):
            if tol is not None:
                ax.axhline(tol, color="black", linewidth=0.8, linestyle=":")
        a.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$")
        b.set(xlabel="megabits sent (all workers, both directions)")
        a.legend(loc="upper right")
    return fig


# ----- the playground --------------------------------------------------------------------------------

PLAYGROUND_LRS = tuple(np.geomspace(0.01, 1.0, 13))
PLAYGROUND_X0 = (-4.4, -2.9, -1.4)
PLAYGROUND_Y0 = (0.35, 0.95, 1.55)


def readout(lr, x0, y0) -> str:
    """What a SignGD step is at this lr, and how many such steps the trip to the minimum takes at least."""
    needed = np.ceil(np.abs(np.array([x0, y0])) / lr).astype(int)
    return (
        f"α = {lr:.3g}: every SignGD step moves each coordinate by exactly ±{lr:.3g}, so reaching the minimum "
        f"takes at least {needed.max()} steps and then it bounces in a box of side {lr:.3g}; "
        f"GD is stable only for α < 2/L = {2 / RAVINE.L:g}"
    )


@register("sign_updates")
def playground() -> Playground:
    return Playground(
        "sign_updates",
        RAVINE,
        {"GD": lambda lr: GD(lr), "SignGD": lambda lr: SignGD(lr)},
        [
            Slider("lr", PLAYGROUND_LRS, 0.1, label="α (learning rate)"),
            Slider("x0", PLAYGROUND_X0, -4.4, label="start w₁"),
            Slider("y0", PLAYGROUND_Y0, 0.95, label="start w₂"),
            Slider("steps", (10, 25, 50, 100, 150), 150, label="steps", fmt=".0f"),
        ],
        steps=150,
        readout=readout,
        caption="GD and SignGD with the same α on the ravine f = 0.1 w₁² + 2 w₂²",
    )
