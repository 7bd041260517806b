"""Chapter "Gradient descent and the ravine": the experiments behind its numbers and its playground.

On the quadratic f(w) = 1/2 (mu w1^2 + L w2^2) gradient descent multiplies each coordinate's error by
(1 - lr * curvature) at every step, so everything the chapter shows follows from the two factors
1 - lr mu and 1 - lr L: the slow crawl, the zig-zag, the threshold lr = 2/L and the role of kappa = L/mu.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from optim_core import GD, plots, run
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Quadratic
from optim_core.tables import markdown_table

RAVINE = Quadratic()  # f = 0.1 w1^2 + 2 w2^2: mu = 0.2, L = 4, kappa = 20


# ----- the two factors ------------------------------------------------------------------------------


def factors(lr, problem: Quadratic = RAVINE) -> tuple:
    """What one GD step multiplies the error by along the shallow and the steep direction: 1 - lr mu, 1 - lr L."""
    return 1.0 - lr * problem.mu, 1.0 - lr * problem.L


def predicted_rate(lr, problem: Quadratic = RAVINE):
    """The worst factor max(|1 - lr mu|, |1 - lr L|): below 1 GD converges, above 1 it diverges."""
    shallow, steep = factors(lr, problem)
    return np.maximum(np.abs(shallow), np.abs(steep))


def optimal_lr(problem: Quadratic = RAVINE) -> float:
    """The learning rate 2 / (L + mu) that makes both factors equally large (and the worst one smallest)."""
    return 2.0 / (problem.L + problem.mu)


def optimal_rate(kappa) -> float:
    """The best fixed-rate factor (kappa - 1) / (kappa + 1)."""
    return (kappa - 1.0) / (kappa + 1.0)


def worked_steps(lr: float = 0.4, steps: int = 3, problem: Quadratic = RAVINE) -> np.ndarray:
    """The first few GD iterates from the problem's start, for the hand computation."""
    return run(GD(lr), problem, problem.x0, steps).params


# ----- the ravine: zig-zag and crawl ------------------------------------------------------------------

TRAJECTORY_LRS = (0.1, 0.4, 0.48)


def ravine_runs(lrs=TRAJECTORY_LRS, steps: int = 40) -> dict:
    """'α = lr' -> GD Trajectory on the ravine, one run per learning rate."""
    return {f"α = {lr:g}": run(GD(lr), RAVINE, RAVINE.x0, steps) for lr in lrs}


def ravine_figure(lrs=TRAJECTORY_LRS, steps: int = 40):
    """GD's path on the ravine for each learning rate (one panel each), titled with the two factors."""
    fig, axes = plots.figure(nrows=len(lrs), width=6.4, height=2.2, sharex=True)
    for ax, (label, traj), lr in zip(axes, ravine_runs(lrs, steps).items(), lrs, strict=True):
        plots.contours(ax, RAVINE)
        plots.path_line(ax, "GD").set_data(traj.params[:, 0], traj.params[:, 1])
        shallow, steep = factors(lr)
        with mpl.rc_context(plots.STYLE):
            ax.set_title(f"{label}: factors $1-\\alpha\\mu$ = {shallow:.2f}, $1-\\alpha L$ = {steep:.2f}")
            if ax is not axes[-1]:
                ax.set_xlabel("")
    return fig


def coordinate_figure(lr: float = 0.45, steps: int = 30):
    """Each coordinate of the GD iterates against the step, with the prediction w_i(0) (1 - lr lambda_i)^t."""
    traj = run(GD(lr), RAVINE, RAVINE.x0, steps)
    t = np.arange(steps + 1)
    fig, axes = plots.figure(ncols=2, width=4.6, height=3.0)
    with mpl.rc_context(plots.STYLE):
        for i, (ax, factor, name) in enumerate(zip(axes, factors(lr), ("shallow", "steep"), strict=True)):
            predicted = RAVINE.x0[i] * factor**t
            ax.plot(
                t, predicted, color="black", linestyle="--", linewidth=1.0, label=f"$w_{i + 1}(0)\\,({factor:.2f})^t$"
            )
            ax.plot(t, traj.params[:, i], "o", color=plots.color_of("GD"), markersize=3.5, label="GD")
            ax.axhline(0, color="#999999", linewidth=0.6)
            ax.set(
                xlabel="step $t$",
                ylabel=f"$w_{i + 1}$",
                title=f"{name} direction, factor $1-\\alpha\\lambda$ = {factor:.2f}",
            )
            ax.legend(loc="upper right" if i else "lower right")
    return fig


def sign_flip_share(lr: float = 0.45, steps: int = 30) -> tuple[float, float]:
    """The share of steps that reverse the sign of w1 and of w2 (each reversal is an overshoot)."""
    params = run(GD(lr), RAVINE, RAVINE.x0, steps).params
    flips = np.sign(params[1:]) != np.sign(params[:-1])
    return float(flips[:, 0].mean()), float(flips[:, 1].mean())


def averaging_keeps(lr: float = 0.45, window: int = 10) -> tuple[float, float]:
    """|mean of GD's first `window` gradients| / mean of their sizes, for w1 and for w2 (1 = nothing cancels)."""
    params = run(GD(lr), RAVINE, RAVINE.x0, window).params
    grads = RAVINE.grad(params[:-1])
    kept = np.abs(grads.mean(axis=0)) / np.abs(grads).mean(axis=0)
    return float(kept[0]), float(kept[1])


# ----- the threshold 2/L ---------------------------------------------------------------------------------

THRESHOLD_FRACTIONS = (0.95, 1.05)


def threshold_runs(fractions=THRESHOLD_FRACTIONS, steps: int = 250) -> dict:
    """'α = x · 2/L' -> GD Trajectory on the ravine, just below and just above the threshold."""
    return {f"α = {x:g} · 2/L": run(GD(x * 2.0 / RAVINE.L), RAVINE, RAVINE.x0, steps) for x in fractions}


SWEEP_LRS = np.linspace(0.01, 0.7, 140)  # 2/L = 0.5 falls between two grid points


def lr_sweep(lrs=SWEEP_LRS, steps: int = 100):
    """One batched GD run over a grid of learning rates: (lrs, final f - f*, Trajectory)."""
    lrs = np.asarray(lrs, dtype=np.float64)
    traj = run(GD(lrs[:, None]), RAVINE, RAVINE.x0, steps)
    return lrs, traj.final_loss - RAVINE.f_min, traj


def still_shrinking(traj, last: int = 10) -> np.ndarray:
    """Whether each run's loss is finite and lower at the end than `last` steps before (it has not turned back up)."""
    return np.isfinite(traj.final_loss) & (traj.final_loss < traj.loss[-1 - last])


def threshold_bracket(lrs=SWEEP_LRS, steps: int = 100) -> tuple[float, float]:
    """The largest learning rate of the sweep whose loss still shrinks at the end, and the next one, which does not."""
    lrs, _, traj = lr_sweep(lrs, steps)
    shrinking = still_shrinking(traj)
    first_bad = int(np.argmin(shrinking))
    if first_bad == 0 or shrinking[first_bad:].any():
        raise RuntimeError("the sweep does not split into shrinking runs followed by growing ones")
    return float(lrs[first_bad - 1]), float(lrs[first_bad])


def best_swept_lr(steps: int = 100) -> float:
    """The learning rate of the sweep with the smallest final loss."""
    lrs, final, _ = lr_sweep(steps=steps)
    return float(lrs[np.nanargmin(final)])


def threshold_figure(steps: int = 250, sweep_steps: int = 100):
    """Left: loss just below and just above 2/L. Right: final loss of a batched sweep over the learning rate."""
    fig, (a, b) = plots.figure(ncols=2, width=4.6, height=3.4)
    dark, red = "#1a1a1a", "#d62728"
    top = 1e12
    with mpl.rc_context(plots.STYLE):
        for (label, traj), color in zip(threshold_runs(steps=steps).items(), (dark, red), strict=True):
            text = f"{label} (diverged at step {traj.diverged_at})" if traj.diverged else label
            a.semilogy(plots.loss_gap(traj.loss, RAVINE.f_min), color=color, label=text)
        a.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$", xlim=(0, steps), ylim=(1e-12, 1e22))
        a.legend(loc="upper left", fontsize=8)
        lrs, final, traj = lr_sweep(steps=sweep_steps)
        ok = np.isfinite(final)
        b.semilogy(lrs[ok], plots.loss_gap(final[ok], 0.0), ".", color=plots.color_of("GD"), markersize=4, label="GD")
        b.plot(lrs[~ok], np.full((~ok).sum(), top), "x", color=red, markersize=4, label="diverged")
        b.axhline(float(traj.loss[0, 0]), color="#999999", linewidth=0.8, linestyle=":", label="start loss")
        b.axvline(optimal_lr(), color="black", linewidth=1.0, linestyle="--", label=r"$2/(L+\mu)$")
        b.axvline(2.0 / RAVINE.L, color=red, linewidth=1.0, label="$2/L$")
        b.set(
            xlabel=r"learning rate $\alpha$", ylabel=f"$f - f^\\star$ after {sweep_steps} steps", ylim=(1e-10, 3 * top)
        )
        b.legend(loc="upper left", fontsize=8)
    return fig


# ----- the condition number -------------------------------------------------------------------------------

KAPPAS = (2, 5, 10, 20, 50, 100, 200, 500, 1000)
TOLERANCE = 1e-6


def measured_rate(kappa: float = 20.0, steps: int = 40) -> float:
    """The largest ratio of successive distances to the minimum, GD at lr = 2/(L + mu) on the kappa ravine."""
    q = Quadratic.from_condition(kappa)
    d = np.linalg.norm(run(GD(optimal_lr(q)), q, q.x0, steps).params, axis=-1)
    return float(np.max(d[1:] / d[:-1]))


def predicted_steps(kappa: float, tol: float = TOLERANCE) -> int:
    """Steps until f - f* < tol at lr = 2/(L + mu): both coordinates shrink by r per step, so f by r^2."""
    q = Quadratic.from_condition(kappa)
    ratio = float(q.f(q.x0)) / tol
    return int(np.floor(np.log(ratio) / (2 * np.log(1 / optimal_rate(kappa))))) + 1


def steps_to_tolerance(kappa: float, tol: float = TOLERANCE, lr: float | None = None) -> int:
    """The first step at which GD has f - f* < tol on the ravine with condition kappa (default lr 2/(L + mu))."""
    q = Quadratic.from_condition(kappa)
    predicted = predicted_steps(kappa, tol)
    budget = predicted + 10 if lr is None else 4 * predicted + 10  # a measured count above it raises
    gap = run(GD(optimal_lr(q) if lr is None else lr), q, q.x0, budget).loss - q.f_min
    below = np.flatnonzero(gap < tol)
    if below.size == 0:
        raise RuntimeError(f"kappa={kappa}: f - f* did not reach {tol} in {budget} steps")
    return int(below[0])


def kappa_table(kappas=KAPPAS, tol: float = TOLERANCE) -> list[dict]:
    """For each kappa: the best rate, the measured steps to reach tol, and the steps per unit of kappa."""
    rows = []
    for kappa in kappas:
        steps = steps_to_tolerance(kappa, tol)
        rows.append({"kappa": kappa, "rate": optimal_rate(kappa), "steps": steps, "per_kappa": steps / kappa})
    return rows


def kappa_markdown(rows) -> str:
    """kappa_table's rows as a Markdown table."""
    header = ["$\\kappa$", "best rate $(\\kappa-1)/(\\kappa+1)$", "steps to $f-f^\\star<10^{-6}$", "steps / $\\kappa$"]
    cells = [[f"{r['kappa']:g}", f"{r['rate']:.4f}", r["steps"], f"{r['per_kappa']:.2f}"] for r in rows]
    return markdown_table(header, cells, align="rrrr")


def kappa_figure(rows, tol: float = TOLERANCE):
    """Steps to reach f - f* < tol against kappa (log-log), measured and predicted."""
    kappas = np.array([r["kappa"] for r in rows], dtype=np.float64)
    fine = np.geomspace(kappas[0], kappas[-1], 200)
    fig, ax = plots.figure(width=5.0, height=3.4)
    with mpl.rc_context(plots.STYLE):
        ax.loglog(
            fine,
            [predicted_steps(k, tol) for k in fine],
            color="black",
            linewidth=1.0,
            linestyle="--",
            label=r"$\ln(f_0/\mathrm{tol})\,/\,(2\ln\frac{\kappa+1}{\kappa-1})$",
        )
        ax.loglog(
            kappas, [r["steps"] for r in rows], "o", color=plots.color_of("GD"), label=r"GD, $\alpha = 2/(L+\mu)$"
        )
        ax.set(xlabel=r"condition number $\kappa = L/\mu$", ylabel=r"steps to $f - f^\star < 10^{-6}$")
        ax.legend(loc="upper left")
    return fig


# ----- exercises ---------------------------------------------------------------------------------------------


def steep_settled(lr: float = 0.3, threshold: float = 1e-3, steps: int = 100) -> tuple[int, float]:
    """The first step at which |w2| < threshold for GD on the ravine, and w1 at that step."""
    params = run(GD(lr), RAVINE, RAVINE.x0, steps).params
    t = int(np.argmax(np.abs(params[:, 1]) < threshold))
    if t == 0:
        raise RuntimeError(f"|w2| stayed above {threshold} for {steps} steps")
    return t, float(params[t, 0])


def edge_of_stability(steps: int = 200) -> tuple[float, np.ndarray]:
    """GD at exactly lr = 2/L on the ravine: the final loss and the last few values of w2."""
    traj = run(GD(2.0 / RAVINE.L), RAVINE, RAVINE.x0, steps)
    return float(traj.final_loss), traj.params[-4:, 1]


def rotation_gap(lr: float = 0.4, angle: float = 0.6, steps: int = 100) -> float:
    """Largest difference between GD's losses on the ravine and on the same ravine rotated by `angle`."""
    rotated = Quadratic(RAVINE.mu, RAVINE.L, angle=angle)
    c, s = np.cos(angle), np.sin(angle)
    start = np.array([[c, -s], [s, c]]) @ RAVINE.x0  # the same start, seen in the rotated axes
    plain = run(GD(lr), RAVINE, RAVINE.x0, steps).loss
    turned = run(GD(lr), rotated, start, steps).loss
    return float(np.max(np.abs(plain - turned)))


# ----- the playground -----------------------------------------------------------------------------------------

PLAYGROUND_LRS = tuple(0.5 * 2.0 ** (k / 4) for k in range(-16, 2))  # 0.03125 .. 0.595, with 1/L = 0.25 and 2/L = 0.5
PLAYGROUND_KAPPAS = (4.0, 20.0, 100.0)


def readout(lr, kappa) -> str:
    """2/L, the predicted factor for this lr and kappa, and the best possible one."""
    q = Quadratic.from_condition(kappa)
    rate = float(predicted_rate(lr, q))
    verdict = "converges" if rate < 1 else ("stalls (|1-αL| = 1)" if rate == 1 else "diverges")
    return (
        f"2/L = {2 / q.L:.3g}; predicted factor max|1-αλ| = {rate:.3f} per step: {verdict}. "
        f"Best: α = 2/(L+μ) = {optimal_lr(q):.3f}, factor (κ-1)/(κ+1) = {optimal_rate(kappa):.3f}"
    )


@register("gradient_descent")
def playground() -> Playground:
    return Playground(
        "gradient_descent",
        lambda kappa: Quadratic.from_condition(kappa),
        {"GD": lambda lr: GD(lr)},
        [
            Slider("lr", PLAYGROUND_LRS, 0.42, label="α (learning rate)"),
            Slider("kappa", PLAYGROUND_KAPPAS, 20.0, label="κ = L/μ", fmt=".0f"),
            Slider("steps", (10, 25, 50, 100, 200), 50, label="steps", fmt=".0f"),
        ],
        steps=200,
        readout=readout,
        caption="Gradient descent on a ravine with L = 4: cross α = 2/L = 0.5 and watch it diverge",
    )
