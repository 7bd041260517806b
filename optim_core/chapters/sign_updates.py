"""Chapter "Sign updates": the experiments behind its numbers and its playground.

Sign descent, w_t = w_{t-1} - lr sign(dw_t), is RMSProp with beta = 0 and eps = 0. Claims computed here:
that identity holds exactly on the ravine, every coordinate moves by exactly +-lr, the late iterates bounce
in a box of side lr around the minimum, the best lr depends on the budget of steps (GD's does not), the
signs of a gradient pack 32 times smaller than its float32 values, and signSGD with a majority vote across
simulated noisy workers beats averaging per bit sent but not per step (Bernstein et al., 2018), on more noise
seeds and with the problem turned too. On the ravine turned by 22.5 or 45 degrees the late 2-cycle no longer
surrounds the minimum. Error feedback (Karimireddy et al., 2019) gives a one-bit worker SGD's progress per step.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from math import comb

import matplotlib as mpl
import numpy as np

from optim_core import GD, RMSProp, SignGD, plots, run
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, DiagonalQuadratic, PairsTurned, Workers, Wrapped, rotation
from optim_core.signgd import EFSignGD
from optim_core.tables import markdown_table
from optim_core.theory import gd_stable_lr
from optim_core.tuning import gap_over_last, steps_to, sweep

START = np.array([-4.37, 0.93])  # not a whole number of steps of LR away from the minimum
LR = 0.125  # a power of two: every iterate START + k LR is exact in float64, so |dw| == LR exactly
LIMIT_STEPS = 60
SWEEP_LRS = np.geomspace(1e-4, 1.0, 41)
BUDGETS = (100, 1000)  # steps, for the loss left after a fixed budget
WORSE_OF_LAST_TWO = gap_over_last(2, "max")  # SignGD ends on a 2-cycle: judge it by the worse phase
TOL, TOL_STEPS = 1e-6, 8000  # f - f* to stay below for good, and the longest run that may take
N_GRADIENT, N_MODEL = 1_000_000, 25e6  # coordinates of the packed gradient; parameters of the "network"
VOTE_LRS = np.geomspace(1e-3, 1.0, 19)
VOTE_STEPS, VOTE_LAST, VOTE_TOL = 300, 50, 10.0  # steps, steps averaged for the score, the loss to reach
VOTE_SETUPS = {  # label -> (optimizer class, workers, rule, bits per coordinate)
    "GD (mean of 9 workers)": (GD, 9, "mean", 32),
    "SignGD (majority of 9)": (SignGD, 9, "vote", 1),
    "SignGD (1 worker)": (SignGD, 1, "vote", 1),
}
VOTE_DIM, VOTE_SEEDS, VOTE_TURN = 1000, (1, 2, 3, 4), 45.0  # more seeds at the seed-0 lrs; pairs turned by 45
TURNS, TURN_STEPS, TURN_LAST = (0.0, 22.5, 45.0), 2000, 100  # the ravine turned (degrees), SignGD(LR) tail
PLAYGROUND_LRS = tuple(np.geomspace(0.01, 1.0, 13))
PLAYGROUND_X0 = (-4.4, -2.9, -1.4)
PLAYGROUND_Y0 = (0.35, 0.95, 1.55)

# ----- the limit of RMSProp, and the box near the minimum ------------------------------------------------


def limit_runs(lr: float = LR, steps: int = LIMIT_STEPS, x0=START) -> dict:
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


def arrival_steps(lr: float, x0) -> np.ndarray:
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


def one_d_cycle(w0: float, lr: float, curvature: float, steps: int = 100) -> dict:
    """SignGD on f(w) = curvature/2 w^2 in one dimension: the two points it ends up alternating between."""
    traj = run(SignGD(lr), DiagonalQuadratic(dim=1, mu=curvature, L=curvature), np.array([w0]), steps)
    tail = np.unique(traj.params[-4:, 0])
    return {"points": tail, "loss": 0.5 * curvature * tail**2, "arrival": int(np.ceil(abs(w0) / lr))}


# ----- sensitivity to the learning rate ------------------------------------------------------------------


def turned(degrees: float = 0.0) -> tuple:
    """The ravine turned by `degrees` and START turned with it (0: the ravine itself)."""
    return RAVINE.turned(degrees), rotation(np.deg2rad(degrees)) @ START


@cache
def budget_sweep(opt_cls, steps: int, degrees: float = 0.0):
    """`opt_cls` over SWEEP_LRS on the (turned) ravine from START, scored by f - f* after `steps` (worse of
    last two)."""
    problem, x0 = turned(degrees)
    return sweep(opt_cls, problem, steps, WORSE_OF_LAST_TWO, x0=x0, lr=SWEEP_LRS)


def losses_at(opt_cls, lrs, steps: int) -> np.ndarray:
    """f - f* after `steps` (worse of the last two) at each of `lrs` (inf where a run diverged)."""
    return sweep(opt_cls, RAVINE, steps, WORSE_OF_LAST_TWO, x0=START, lr=lrs).scores


@cache
def fewest_steps(opt_cls, degrees: float = 0.0, tol: float = TOL, steps: int = TOL_STEPS) -> tuple[float, float]:
    """(steps, lr): the fewest steps after which f - f* stays below tol on the (turned) ravine, over SWEEP_LRS
    (steps inf if no lr gets there within `steps`)."""
    problem, x0 = turned(degrees)
    s = sweep(opt_cls, problem, steps, steps_to(tol), x0=x0, lr=SWEEP_LRS)
    return s.best_score, s.best["lr"]


@cache
def turned_rows(lr: float = LR) -> list[dict]:
    """Per turn of the ravine: SignGD(lr)'s last TURN_LAST iterates of TURN_STEPS (distinct points, largest
    distance to the minimum in units of lr, largest f - f*), its best lr for each budget and its fewest steps."""
    rows = []
    for d in TURNS:
        traj = run(SignGD(lr), *turned(d), TURN_STEPS)
        tail, late = traj.params[-TURN_LAST:], traj.loss[-TURN_LAST:]
        dist = float(np.max(np.linalg.norm(tail, axis=-1)) / lr)
        best = [budget_sweep(SignGD, n, d).best["lr"] for n in BUDGETS]
        rows.append({"turn": d, "n": len(np.unique(tail, axis=0)), "dist": dist, "loss": float(late.max())})
        rows[-1].update(best_100=best[0], best_1000=best[1], fewest=fewest_steps(SignGD, d)[0])
    return rows


def turned_markdown(rows) -> str:
    """turned_rows as a Markdown table."""
    header = "turn|points in the late cycle|farthest from the minimum|largest late $f - f^\\star$".split("|")
    header += ["best $\\alpha$, 100 steps", "best $\\alpha$, 1000 steps", "fewest steps to $10^{-6}$"]
    row = "{turn:g}°|{n}|{dist:.2f} $\\alpha$|{loss:.4f}|{best_100:.4f}|{best_1000:.4f}|{fewest:.0f}"
    return markdown_table(header, [row.format(**r).split("|") for r in rows], align="rrrrrrr")


# ----- one bit per coordinate, and the majority vote ---------------------------------------------------------


def pack_signs(g: np.ndarray) -> np.ndarray:
    """One bit per coordinate: 1 where g >= 0, packed eight to a byte."""
    return np.packbits(np.asarray(g) >= 0)


def unpack_signs(packed: np.ndarray, n: int) -> np.ndarray:
    """The +-1 signs back from pack_signs (a zero gradient comes back as +1)."""
    return np.unpackbits(packed, count=n).astype(np.float64) * 2.0 - 1.0


def gradient_bytes(n: int, seed: int = 0) -> dict:
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


def majority_correct(p: float, workers: int) -> float:
    """Probability that the majority of an odd number of independent signs, each right with probability p, is right."""
    need = workers // 2 + 1
    return float(sum(comb(workers, k) * p**k * (1 - p) ** (workers - k) for k in range(need, workers + 1)))


def bits_per_step(dim: int, workers: int, bits: int) -> int:
    """Bits on the network per step: every worker uploads dim values and downloads dim values of `bits` bits."""
    return 2 * workers * dim * bits


@cache
def vote_experiment(steps: int = VOTE_STEPS, noise: float = 1.0, dim: int = VOTE_DIM, seed: int = 0) -> dict:
    """label -> {lr, loss, final, bits}: each setup at the lr of VOTE_LRS with the lowest mean loss over its
    last VOTE_LAST steps."""
    out = {}
    for label, (opt_cls, workers, rule, bits) in VOTE_SETUPS.items():
        problem = Workers(DiagonalQuadratic(dim), workers, noise, rule, seed)
        s = sweep(opt_cls, problem, steps, gap_over_last(VOTE_LAST, "mean"), lr=VOTE_LRS)
        i = s.best_index
        out[label] = {"lr": s.best["lr"], "loss": s.trajectory.loss[:, i[0]], "final": s.best_score}
        out[label]["bits"] = bits_per_step(dim, workers, bits)
    return out


def bits_to_reach(result: dict, tol: float) -> float:
    """Total bits sent before the loss first drops below tol (inf if it never does)."""
    below = np.flatnonzero(result["loss"] < tol)
    return float(below[0] * result["bits"]) if below.size else np.inf


@cache
def vote_transfer(seed: int, degrees: float = 0.0) -> dict:
    """label -> {final, mbit}: each setup at the lr vote_experiment tuned on seed 0, on noise seed `seed`, with
    every coordinate pair (i, i + dim/2) turned by `degrees` (0: not turned)."""
    problem = DiagonalQuadratic(VOTE_DIM)
    problem = PairsTurned(problem, degrees) if degrees else problem
    out = {}
    for label, (opt_cls, workers, rule, bits) in VOTE_SETUPS.items():
        loss = run(
            opt_cls(vote_experiment()[label]["lr"]), Workers(problem, workers, 1.0, rule, seed), steps=VOTE_STEPS
        ).loss
        r = {"loss": loss, "bits": bits_per_step(VOTE_DIM, workers, bits)}
        out[label] = {"final": float(loss[-VOTE_LAST:].mean()), "mbit": bits_to_reach(r, VOTE_TOL) / 1e6}
    return out


def bit_ratios(results) -> np.ndarray:
    """For each vote_transfer result: megabits averaging needs to reach VOTE_TOL over those of the vote."""
    gd, vote, _ = VOTE_SETUPS
    return np.array([r[gd]["mbit"] / r[vote]["mbit"] for r in results])


@cache
def feedback_experiment(seed: int = 0) -> dict:
    """One noisy worker of the vote experiment, sending full gradients (SGD) or error-feedback sign messages
    (EFSignGD): label -> {lr, final}, each at its best lr of VOTE_LRS (lowest mean f - f* over the last VOTE_LAST)."""
    problem = Workers(DiagonalQuadratic(VOTE_DIM), 1, 1.0, "mean", seed)
    out = {}
    for label, opt_cls in (("SGD", GD), ("EF-signSGD", EFSignGD)):
        s = sweep(opt_cls, problem, VOTE_STEPS, gap_over_last(VOTE_LAST, "mean"), lr=VOTE_LRS)
        out[label] = {"lr": s.best["lr"], "final": s.best_score}
    return out


# ----- figures -----------------------------------------------------------------------------------------------


def box_figure(lr: float = LR, steps: int = LIMIT_STEPS, x0=START):
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


def turned_figure(degrees: float = 22.5, lr: float = LR, steps: int = 100):
    """SignGD on the turned ravine. Left: the first `steps` steps. Right: the last 6 iterates of TURN_STEPS, with
    the square of points within lr of the minimum in every coordinate (dashed)."""
    problem, x0 = turned(degrees)
    traj = run(SignGD(lr), problem, x0, TURN_STEPS)
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.3)
    plots.trajectories(problem, {"SignGD": traj.params[: steps + 1]}, ax=a)
    reach = 1.25 * float(np.max(np.abs(traj.params[-6:])))
    plots.trajectories(Window(problem, ((-reach, reach), (-reach, reach))), {"SignGD": traj.params[-6:]}, ax=b)
    with mpl.rc_context(plots.STYLE):
        b.add_patch(mpl.patches.Rectangle((-lr, -lr), 2 * lr, 2 * lr, fill=False, edgecolor="black", linestyle="--"))
        b.plot([0], [0], "k+", markersize=8)
        b.set_aspect("equal")
        b.set_title(f"the last 6 of {TURN_STEPS} iterates")
        a.set_title(f"SignGD, α = {lr:g}, ravine turned {degrees:g}°")
    return fig


def sweep_figure(budgets=BUDGETS):
    """The loss left after a fixed budget of steps against lr, for GD and SignGD, two budgets."""
    fig, ax = plots.figure(width=6.4, height=3.6)
    with mpl.rc_context(plots.STYLE):
        for label, opt_cls in (("GD", GD), ("SignGD", SignGD)):
            for budget, style in zip(budgets, ("-", "--"), strict=True):
                values = plots.loss_gap(budget_sweep(opt_cls, budget).scores, RAVINE.f_min)
                values = np.where(np.isfinite(values), values, np.nan)
                ax.loglog(SWEEP_LRS, values, style, color=plots.color_of(label), label=f"{label}, {budget} steps")
        edge = float(gd_stable_lr(RAVINE.L))
        ax.axvline(edge, color="#4d4d4d", linewidth=0.8, linestyle=":")
        ax.text(edge * 0.92, 1e-12, "GD diverges →", ha="right", fontsize=8, color="#4d4d4d")
        ax.set(xlabel="learning rate α", ylabel=r"$f - f^\star$ after the budget (worse of last two)")
        ax.set_ylim(1e-18, 1e2)
        ax.legend(loc="lower left", ncols=2)
    return fig


def vote_figure(tol: float = VOTE_TOL):
    """Loss against the step (left) and against the megabits sent so far (right), per setup."""
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.4, sharey=True)
    with mpl.rc_context(plots.STYLE):
        for i, (label, r) in enumerate(vote_experiment().items()):
            style = {"color": plots.color_of(label, i), "linestyle": "--" if "1 worker" in label else "-"}
            steps = np.arange(len(r["loss"]))
            a.semilogy(steps, r["loss"], label=f"{label}, α = {r['lr']:.2g}", **style)
            b.loglog(np.maximum(steps, 1) * r["bits"] / 1e6, r["loss"], **style)
        for ax in (a, b):
            ax.axhline(tol, color="black", linewidth=0.8, linestyle=":")
        a.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$")
        b.set(xlabel="megabits sent (all workers, both directions)")
        a.legend(loc="upper right")
    return fig


# ----- the numbers the prose quotes ---------------------------------------------------------------------------


def audit_numbers() -> dict:
    """The checks beyond the axis-aligned ravine and noise seed 0: the turned ravine, more noise seeds, the vote
    problem turned, and error feedback."""
    rows = {r["turn"]: r for r in turned_rows()}
    ratios = bit_ratios([vote_transfer(seed) for seed in VOTE_SEEDS])
    fb = feedback_experiment()
    return {
        "turn_dist_0": rows[0.0]["dist"],
        **{f"turn_{k}_{int(d)}": rows[d][k] for d in (22.5, 45.0) for k in ("dist", "loss")},
        "turn_loss_ratio": rows[22.5]["loss"] / rows[0.0]["loss"],
        **{f"turn_fewest_{int(d)}": int(rows[d]["fewest"]) for d in (22.5, 45.0)},
        "seeds_n": len(VOTE_SEEDS),
        "seeds_ratio_lo": float(ratios.min()),
        "seeds_ratio_hi": float(ratios.max()),
        "turned_ratio": float(bit_ratios([vote_transfer(0, VOTE_TURN)])[0]),
        "ef_final": fb["EF-signSGD"]["final"],
        "ef_sgd_final": fb["SGD"]["final"],
        "ef_fewest": int(fewest_steps(EFSignGD, steps=1000)[0]),
    }


def numbers() -> dict:
    runs = limit_runs()
    sign = runs["SignGD"]
    sizes = step_sizes(sign)
    box = late_box(sign)
    arrival = arrival_steps(LR, START)
    gd_steps, gd_lr = fewest_steps(GD)
    sign_steps, sign_lr = fewest_steps(SignGD)
    best = budget_sweep(SignGD, 1000).best["lr"]
    around = losses_at(SignGD, [best, best / 2, best * 2], 1000)
    packed = gradient_bytes(N_GRADIENT)
    gd, vote, one = vote_experiment().values()
    cycle = one_d_cycle(1.05, 0.1, 4.0)
    return {
        "exact_gap": max_gap(sign, runs["RMSProp (β=0, ε=0)"]),
        "eps_gap": max_gap(sign, runs["RMSProp (β=0, ε=1e-8)"]),
        "n_sizes": len(sizes),
        "the_size": float(sizes[0]),
        "n_steps": len(sign.loss) - 1,
        "arrive_1": int(arrival[0]),
        "arrive_2": int(arrival[1]),
        "amp_1": float(box["amplitude"][0]),
        "amp_2": float(box["amplitude"][1]),
        "n_points": len(box["points"]),
        "pt_a": str(tuple(round(float(x), 3) for x in box["points"][0])),
        "pt_b": str(tuple(round(float(x), 3) for x in box["points"][1])),
        "box_loss_lo": box["loss_range"][0],
        "box_loss_hi": box["loss_range"][1],
        "box_dist": box["max_distance"],
        "two_over_L": float(gd_stable_lr(RAVINE.L)),
        **{f"gd_best_{n}": budget_sweep(GD, n).best["lr"] for n in BUDGETS},
        **{f"sign_best_{n}": budget_sweep(SignGD, n).best["lr"] for n in BUDGETS},
        "gd_fewest": int(gd_steps),
        "gd_fewest_lr": gd_lr,
        "sign_fewest": int(sign_steps),
        "sign_fewest_lr": sign_lr,
        "fewest_ratio": sign_steps / gd_steps,
        "sign_loss_best": float(around[0]),
        "sign_loss_half": float(around[1]),
        "sign_loss_double": float(around[2]),
        "bytes_f32": packed["float32"],
        "bytes_sign": packed["signs"],
        "bytes_ratio": packed["ratio"],
        "round_trip": "yes" if packed["round_trip"] else "no",
        "big_f32_mb": message_bytes(N_MODEL, 32) / 1e6,
        "big_sign_mb": message_bytes(N_MODEL, 1) / 1e6,
        "bits_gd": gd["bits"],
        "bits_vote": vote["bits"],
        "bits_ratio": gd["bits"] / vote["bits"],
        "final_gd": gd["final"],
        "final_vote": vote["final"],
        "final_one": one["final"],
        "start_loss": float(gd["loss"][0]),
        "mbit_gd": bits_to_reach(gd, VOTE_TOL) / 1e6,
        "mbit_vote": bits_to_reach(vote, VOTE_TOL) / 1e6,
        "mbit_ratio": bits_to_reach(gd, VOTE_TOL) / bits_to_reach(vote, VOTE_TOL),
        "ex1_arrival": cycle["arrival"],
        "ex1_lo": float(cycle["points"][0]),
        "ex1_hi": float(cycle["points"][1]),
        "ex1_loss": float(cycle["loss"][0]),
        "jury_9": majority_correct(0.6, 9),
        "jury_27": majority_correct(0.6, 27),
        **audit_numbers(),
    }


# ----- the playground --------------------------------------------------------------------------------------------


def readout(lr, x0, y0) -> str:
    """What a SignGD step is at this lr, and how many such steps the trip to the minimum takes at least."""
    needed = arrival_steps(lr, [x0, y0])
    return (
        f"α = {lr:.3g}: every SignGD step moves each coordinate by exactly ±{lr:.3g}, so reaching the minimum "
        f"takes at least {needed.max()} steps and then it bounces in a box of side {lr:.3g}; "
        f"GD is stable only for α < 2/L = {float(gd_stable_lr(RAVINE.L)):g}"
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
