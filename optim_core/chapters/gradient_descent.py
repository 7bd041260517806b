"""Chapter "Gradient descent and the ravine": the experiments behind its numbers and its playground.

On the ravine f(w) = 1/2 (mu w1^2 + L w2^2) gradient descent multiplies each coordinate's error by
(1 - lr * curvature) at every step, so everything the chapter shows follows from the two factors
1 - lr mu and 1 - lr L: the slow crawl along the floor, the zig-zag across it, the threshold lr = 2/L
(measured with a batched sweep of the learning rate), the best rate (kappa - 1)/(kappa + 1) at
lr = 2/(L + mu), and steps to a tolerance that grow in proportion to kappa = L/mu. With noisy gradients
(NoisyQuadratic, seeded) a fixed lr leaves a floor, sum_i lr sigma^2 / (2 B (2 - lr lambda_i)), the best lr
falls far below 2/L and with the horizon, and a cosine schedule ends lower than the best constant lr; and a
gradient's size is not a curvature (the first gradient's ratio).
"""

from __future__ import annotations

from functools import cache

import matplotlib as mpl
import numpy as np

from optim_core import GD, plots, run
from optim_core.chapters import register
from optim_core.measure import distance, late_mean, steps_to_tolerance
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, NoisyQuadratic, Quadratic, rotation
from optim_core.schedules import cosine
from optim_core.tables import markdown_table
from optim_core.theory import gd_best, gd_rate, gd_stable_lr, momentum_noise_variance, steps_for_rate
from optim_core.tuning import Sweep, gap_at, sweep

# ----- constants -----------------------------------------------------------------------------------------

WORKED_LR = 0.4  # the hand computation
COORDINATE_LR = 0.45  # the two-factors figure and the sign flips
TRAJECTORY_LRS = (0.1, 0.4, 0.48)  # the three ravine panels
TRAJECTORY_STEPS = 40
THRESHOLD_FRACTIONS = (0.95, 1.05)  # learning rates just below and just above 2/L, as fractions of it
THRESHOLD_STEPS = 250
SWEEP_LRS = np.linspace(0.01, 0.7, 140)  # 2/L = 0.5 falls between two grid points
SWEEP_STEPS = 100
KAPPAS = (2, 5, 10, 20, 50, 100, 200, 500, 1000)
TOLERANCE = 1e-6  # steps until f - f* < TOLERANCE
EX1_LR = 0.3  # exercise 1
ROTATION_ANGLE = 0.6  # exercise 3, in radians
PLAYGROUND_LRS = tuple(0.5 * 2.0 ** (k / 4) for k in range(-16, 2))  # 0.03125 .. 0.595, with 1/L = 0.25 and 2/L = 0.5
PLAYGROUND_KAPPAS = (4.0, 20.0, 100.0)
NOISE_SIGMA, NOISE_BATCH = 1.0, 1  # per-sample noise sigma along each eigen-direction, batch size B
NOISE_SEEDS = 16  # seeds of the noisy sweep (one batched run)
NOISE_LRS = np.geomspace(1e-3, 0.7, 43)  # 15 per decade, past 2/L
NOISE_BUDGETS = (100, 1000)  # scored by the mean f - f* over the last tenth of the budget
FLOOR_SEEDS, FLOOR_FROM, FLOOR_STEPS = 64, 200, 1000  # the floor at 2/(L + mu): steps FLOOR_FROM.. of 64 runs


# ----- experiments: the two factors, zig-zag and crawl -----------------------------------------------------


def factors(lr, problem: Quadratic) -> tuple:
    """What one GD step multiplies the error by along the shallow and the steep direction: 1 - lr mu, 1 - lr L."""
    return 1.0 - lr * problem.mu, 1.0 - lr * problem.L


def worked_steps(lr: float, steps: int) -> np.ndarray:
    """The first few GD iterates on the ravine from its start, for the hand computation."""
    return run(GD(lr), RAVINE, RAVINE.x0, steps).params


def ravine_runs(lrs, steps: int) -> dict:
    """'α = lr' -> GD Trajectory on the ravine, one run per learning rate."""
    return {f"α = {lr:g}": run(GD(lr), RAVINE, RAVINE.x0, steps) for lr in lrs}


def sign_flip_share(lr: float, steps: int) -> tuple[float, float]:
    """The share of steps that reverse the sign of w1 and of w2 (each reversal is an overshoot)."""
    params = run(GD(lr), RAVINE, RAVINE.x0, steps).params
    flips = np.sign(params[1:]) != np.sign(params[:-1])
    return float(flips[:, 0].mean()), float(flips[:, 1].mean())


def averaging_keeps(lr: float, window: int) -> tuple[float, float]:
    """|mean of GD's first `window` gradients| / mean of their sizes, for w1 and for w2 (1 = nothing cancels)."""
    params = run(GD(lr), RAVINE, RAVINE.x0, window).params
    grads = RAVINE.grad(params[:-1])
    kept = np.abs(grads.mean(axis=0)) / np.abs(grads).mean(axis=0)
    return float(kept[0]), float(kept[1])


# ----- experiments: the threshold 2/L ---------------------------------------------------------------------


def threshold_runs(fractions, steps: int) -> dict:
    """'α = x · 2/L' -> GD Trajectory on the ravine, just below and just above the threshold."""
    return {f"α = {x:g} · 2/L": run(GD(x * gd_stable_lr(RAVINE.L)), RAVINE, RAVINE.x0, steps) for x in fractions}


@cache
def lr_sweep(steps: int) -> Sweep:
    """One batched GD run on the ravine over SWEEP_LRS, scored by f - f* after `steps` steps."""
    return sweep(lambda lr: GD(lr), RAVINE, steps, gap_at(), lr=SWEEP_LRS)


def still_shrinking(loss, last: int = 10) -> np.ndarray:
    """Whether each run's loss is finite and lower at the end than `last` steps before (it has not turned back up)."""
    return np.isfinite(loss[-1]) & (loss[-1] < loss[-1 - last])


def threshold_bracket(s: Sweep) -> tuple[float, float]:
    """The largest learning rate of a sweep whose loss still shrinks at the end, and the next one, which does not."""
    shrinking = still_shrinking(s.trajectory.loss)
    first_bad = int(np.argmin(shrinking))
    if first_bad == 0 or shrinking[first_bad:].any():
        raise RuntimeError("the sweep does not split into shrinking runs followed by growing ones")
    lrs = s.axes["lr"]
    return float(lrs[first_bad - 1]), float(lrs[first_bad])


# ----- experiments: the condition number ----------------------------------------------------------------------


def measured_rate(kappa: float, steps: int = 40) -> float:
    """The largest ratio of successive distances to the minimum, GD at lr = 2/(L + mu) on the kappa ravine."""
    q = Quadratic.from_condition(kappa)
    d = distance(run(GD(gd_best(q.mu, q.L)[0]), q, q.x0, steps).params, q.minimum)
    return float(np.max(d[1:] / d[:-1]))


def predicted_steps(kappa: float, tol: float) -> int:
    """Steps until f - f* < tol at lr = 2/(L + mu): both coordinates shrink by the rate r per step, so f by r^2."""
    q = Quadratic.from_condition(kappa)
    rate = gd_best(q.mu, q.L)[1]
    return int(np.floor(steps_for_rate(rate * rate, tol / float(q.f(q.x0) - q.f_min)))) + 1


def kappa_steps(kappa: float, tol: float, lr: float | None = None) -> int:
    """The step from which GD has f - f* <= tol on the ravine with condition kappa (default lr 2/(L + mu))."""
    q = Quadratic.from_condition(kappa)
    predicted = predicted_steps(kappa, tol)
    budget = predicted + 10 if lr is None else 4 * predicted + 10  # a measured count above it raises
    traj = run(GD(gd_best(q.mu, q.L)[0] if lr is None else lr), q, q.x0, budget)
    steps = steps_to_tolerance(traj.loss - q.f_min, tol)
    if steps is None:
        raise RuntimeError(f"kappa={kappa}: f - f* did not reach {tol} in {budget} steps")
    return steps


@cache
def kappa_table(kappas: tuple, tol: float) -> list[dict]:
    """For each kappa: the best rate, the measured steps to reach tol, and the steps per unit of kappa."""
    rows = []
    for kappa in kappas:
        steps = kappa_steps(kappa, tol)
        rows.append({"kappa": kappa, "rate": float(gd_best(1.0, kappa)[1]), "steps": steps, "per_kappa": steps / kappa})
    return rows


def kappa_markdown(rows) -> str:
    """kappa_table's rows as a Markdown table."""
    header = ["condition number $\\kappa$", "best rate $(\\kappa-1)/(\\kappa+1)$", "steps to $f-f^\\star<10^{-6}$"]
    header.append("steps / $\\kappa$")
    cells = [[f"{r['kappa']:g}", f"{r['rate']:.4f}", r["steps"], f"{r['per_kappa']:.2f}"] for r in rows]
    return markdown_table(header, cells, align="rrrr")


# ----- experiments: the exercises ------------------------------------------------------------------------------


def steep_settled(lr: float, threshold: float = 1e-3, steps: int = 100) -> tuple[int, float]:
    """The first step at which |w2| < threshold for GD on the ravine, and w1 at that step."""
    params = run(GD(lr), RAVINE, RAVINE.x0, steps).params
    t = int(np.argmax(np.abs(params[:, 1]) < threshold))
    if t == 0:
        raise RuntimeError(f"|w2| stayed above {threshold} for {steps} steps")
    return t, float(params[t, 0])


def edge_of_stability(steps: int = 200) -> tuple[float, np.ndarray]:
    """GD at exactly lr = 2/L on the ravine: the final loss and the last few values of w2."""
    traj = run(GD(gd_stable_lr(RAVINE.L)), RAVINE, RAVINE.x0, steps)
    return float(traj.final_loss), traj.params[-4:, 1]


def rotation_gap(lr: float, angle: float, steps: int = 100) -> float:
    """Largest difference between GD's losses on the ravine and on the same ravine rotated by `angle` radians."""
    rotated = Quadratic(RAVINE.mu, RAVINE.L, angle=angle)
    start = rotation(angle) @ RAVINE.x0  # the same start, seen in the rotated axes
    plain = run(GD(lr), RAVINE, RAVINE.x0, steps).loss
    turned = run(GD(lr), rotated, start, steps).loss
    return float(np.max(np.abs(plain - turned)))


# ----- experiments: noisy gradients ---------------------------------------------------------------------------


def noisy_ravine(seed) -> NoisyQuadratic:
    """The ravine seen through noisy gradients (sigma = NOISE_SIGMA along each eigen-direction, batch NOISE_BATCH)."""
    return NoisyQuadratic((RAVINE.mu, RAVINE.L), (NOISE_SIGMA, NOISE_SIGMA), NOISE_BATCH, seed, x0=RAVINE.x0)


def noise_floor(lr, curvatures=(RAVINE.mu, RAVINE.L)) -> np.ndarray:
    """The long-run mean of f - f* for GD with noisy gradients: sum_i lambda_i / 2 Var[w_i], with GD's AR(1)
    variance lr s^2 / (lambda (2 - lr lambda)) and s^2 = sigma^2 / B; inf at and beyond 2/L."""
    noise_var = NOISE_SIGMA**2 / NOISE_BATCH
    return sum(0.5 * lam * momentum_noise_variance(lr, 0.0, lam, noise_var) for lam in curvatures)


def noisy_sweep(make, steps: int = max(NOISE_BUDGETS)) -> Sweep:
    """One batched run of make(lr) over NOISE_LRS x NOISE_SEEDS seeds on the noisy ravine (f - f* at the end)."""
    seeds = np.arange(NOISE_SEEDS)
    return sweep(make, lambda seed: noisy_ravine(seed.astype(int)), steps, gap_at(), lr=NOISE_LRS, seed=seeds)


@cache
def noise_sweep(steps: int = max(NOISE_BUDGETS)) -> Sweep:
    """GD at each constant lr of NOISE_LRS, over the seeds."""
    return noisy_sweep(lambda lr: GD(lr), steps)


@cache
def cosine_sweep(steps: int = max(NOISE_BUDGETS)) -> Sweep:
    """GD with each rate of NOISE_LRS decaying along a cosine over the `steps` steps, over the seeds."""
    return noisy_sweep(lambda lr: GD(cosine(lr, steps)), steps)


@cache
def exact_sweep(steps: int = max(NOISE_BUDGETS)) -> Sweep:
    """The same learning rates with exact gradients."""
    return sweep(lambda lr: GD(lr), RAVINE, steps, gap_at(), lr=NOISE_LRS)


def late_loss(s: Sweep, budget: int) -> np.ndarray:
    """Per learning rate: the mean f - f* over the last tenth of `budget` steps (and over the seeds, if any);
    inf where a run diverged."""
    loss = s.trajectory.loss[budget - budget // 10 + 1 : budget + 1]
    mean = loss.mean(axis=0) if loss.ndim == 2 else loss.mean(axis=(0, 2))
    return np.nan_to_num(mean, nan=np.inf)


def best_lr(s: Sweep, budget: int) -> float:
    """The learning rate of NOISE_LRS with the lowest late loss for this budget."""
    return float(NOISE_LRS[np.argmin(late_loss(s, budget))])


@cache
def floor_at_best_lr() -> tuple[float, float]:
    """GD at 2/(L + mu) on the noisy ravine: mean f - f* over steps FLOOR_FROM..FLOOR_STEPS of FLOOR_SEEDS runs,
    and its standard error."""
    problem = noisy_ravine(np.arange(FLOOR_SEEDS)[:, None])
    traj = run(GD(gd_best(RAVINE.mu, RAVINE.L)[0]), problem, RAVINE.x0, FLOOR_STEPS)
    mean, se = late_mean(traj.loss[:, :, None], FLOOR_FROM, seed_axis=1)
    return float(mean[0]), float(se[0])


# ----- figures ---------------------------------------------------------------------------------------------


def coordinate_figure(lr: float = COORDINATE_LR, steps: int = 30):
    """Each coordinate of the GD iterates against the step, with the prediction w_i(0) (1 - lr lambda_i)^t."""
    traj = run(GD(lr), RAVINE, RAVINE.x0, steps)
    t = np.arange(steps + 1)
    fig, axes = plots.figure(ncols=2, width=4.6, height=3.0)
    with mpl.rc_context(plots.STYLE):
        for i, (ax, factor, name) in enumerate(zip(axes, factors(lr, RAVINE), ("shallow", "steep"), strict=True)):
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


def ravine_figure(lrs=TRAJECTORY_LRS, steps: int = TRAJECTORY_STEPS):
    """GD's path on the ravine for each learning rate (one panel each), titled with the two factors."""
    fig, axes = plots.figure(nrows=len(lrs), width=6.4, height=2.2, sharex=True)
    for ax, (label, traj), lr in zip(axes, ravine_runs(lrs, steps).items(), lrs, strict=True):
        plots.contours(ax, RAVINE)
        plots.path_line(ax, "GD").set_data(traj.params[:, 0], traj.params[:, 1])
        shallow, steep = factors(lr, RAVINE)
        with mpl.rc_context(plots.STYLE):
            ax.set_title(f"{label}: factors $1-\\alpha\\mu$ = {shallow:.2f}, $1-\\alpha L$ = {steep:.2f}")
            if ax is not axes[-1]:
                ax.set_xlabel("")
    return fig


def threshold_figure(steps: int = THRESHOLD_STEPS, sweep_steps: int = SWEEP_STEPS):
    """Left: loss just below and just above 2/L. Right: final loss of a batched sweep over the learning rate."""
    fig, (a, b) = plots.figure(ncols=2, width=4.6, height=3.4)
    dark, red = "#1a1a1a", "#d62728"
    top = 1e12
    with mpl.rc_context(plots.STYLE):
        for (label, traj), color in zip(threshold_runs(THRESHOLD_FRACTIONS, steps).items(), (dark, red), strict=True):
            text = f"{label} (diverged at step {traj.diverged_at})" if traj.diverged else label
            a.semilogy(plots.loss_gap(traj.loss, RAVINE.f_min), color=color, label=text)
        a.set(xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$", xlim=(0, steps), ylim=(1e-12, 1e22))
        a.legend(loc="upper left", fontsize=8)
        s = lr_sweep(sweep_steps)
        lrs, final = s.axes["lr"], s.scores
        ok = np.isfinite(final)
        b.semilogy(lrs[ok], plots.loss_gap(final[ok], 0.0), ".", color=plots.color_of("GD"), markersize=4, label="GD")
        b.plot(lrs[~ok], np.full((~ok).sum(), top), "x", color=red, markersize=4, label="diverged")
        b.axhline(float(s.trajectory.loss[0, 0]), color="#999999", linewidth=0.8, linestyle=":", label="start loss")
        b.axvline(gd_best(RAVINE.mu, RAVINE.L)[0], color="black", linewidth=1.0, linestyle="--", label=r"$2/(L+\mu)$")
        b.axvline(gd_stable_lr(RAVINE.L), color=red, linewidth=1.0, label="$2/L$")
        b.set(
            xlabel=r"learning rate $\alpha$", ylabel=f"$f - f^\\star$ after {sweep_steps} steps", ylim=(1e-10, 3 * top)
        )
        b.legend(loc="upper left", fontsize=8)
    return fig


def kappa_figure(kappas: tuple = KAPPAS, tol: float = TOLERANCE):
    """Steps to reach f - f* < tol against kappa (log-log), measured and predicted."""
    rows = kappa_table(kappas, tol)
    fine = np.geomspace(kappas[0], kappas[-1], 200)
    fig, ax = plots.figure(width=5.0, height=3.4)
    with mpl.rc_context(plots.STYLE):
        ax.loglog(
            fine,
            [predicted_steps(k, tol) for k in fine],
            color="black",
            linewidth=1.0,
            linestyle="--",
            label=r"$\ln\frac{f(w_0) - f^\star}{\mathrm{tol}}\,/\,(2\ln\frac{\kappa+1}{\kappa-1})$",
        )
        measured = [r["steps"] for r in rows]
        ax.loglog(kappas, measured, "o", color=plots.color_of("GD"), label=r"GD, $\alpha = 2/(L+\mu)$")
        ax.set(xlabel=r"condition number $\kappa = L/\mu$", ylabel=r"steps to $f - f^\star < 10^{-6}$")
        ax.legend(loc="upper left")
    return fig


def noise_figure(budgets=NOISE_BUDGETS):
    """Late f - f* against lr for GD on the ravine: noisy gradients (mean over the seeds) for each budget, exact
    gradients for the longest, and the predicted floor."""
    fig, ax = plots.figure(width=6.0, height=3.6)
    noisy, exact = noise_sweep(), exact_sweep()
    with mpl.rc_context(plots.STYLE):
        for budget, style in zip(budgets, ("-", "--"), strict=True):
            ax.loglog(NOISE_LRS, late_loss(noisy, budget), style, color="#d62728", label=f"noisy, {budget} steps")
        values = plots.loss_gap(late_loss(exact, max(budgets)), 0.0)
        ax.loglog(
            NOISE_LRS,
            np.where(np.isfinite(values), values, np.nan),
            color=plots.color_of("GD"),
            label=f"exact, {max(budgets)} steps",
        )
        ax.loglog(NOISE_LRS, noise_floor(NOISE_LRS), ":", color="black", label="floor (formula)")
        ax.axvline(gd_stable_lr(RAVINE.L), color="#999999", linewidth=0.8, label="$2/L$")
        ax.set(xlabel=r"learning rate $\alpha$", ylabel=r"mean $f - f^\star$, last tenth", ylim=(1e-17, 1e3))
        ax.legend(loc="lower left", fontsize=8, ncols=2)
    return fig


# ----- the numbers the prose quotes ------------------------------------------------------------------------


def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    ws = worked_steps(WORKED_LR, steps=3)
    f045 = factors(COORDINATE_LR, RAVINE)
    flip_w1, flip_w2 = sign_flip_share(COORDINATE_LR, steps=30)
    kept_w1, kept_w2 = averaging_keeps(COORDINATE_LR, window=10)
    _, above = threshold_runs(THRESHOLD_FRACTIONS, THRESHOLD_STEPS).values()  # just below, just above 2/L
    low, high = threshold_bracket(lr_sweep(SWEEP_STEPS))
    lr_star, rate = gd_best(RAVINE.mu, RAVINE.L)
    steps = {r["kappa"]: r["steps"] for r in kappa_table(KAPPAS, TOLERANCE)}
    ex1_shallow, ex1_steep = factors(EX1_LR, RAVINE)
    ex1_steps, ex1_w1 = steep_settled(EX1_LR)
    ex4 = kappa_steps(100, TOLERANCE, lr=1 / RAVINE.L)
    return {
        "gd_w1_1": ws[1, 0],
        "gd_w1_2": ws[1, 1],
        "gd_w2_2": ws[2, 1],
        "gd_f045_shallow": f045[0],
        "gd_f045_steep": f045[1],
        "gd_crawl_w1": ravine_runs(TRAJECTORY_LRS, TRAJECTORY_STEPS)["α = 0.1"].params[-1, 0],
        "gd_flip_w1": flip_w1,
        "gd_flip_w2": flip_w2,
        "gd_kept_w1": kept_w1,
        "gd_kept_w2": kept_w2,
        "gd_diverged_at": above.diverged_at,
        "gd_thr_low": factors(THRESHOLD_FRACTIONS[0] * gd_stable_lr(RAVINE.L), RAVINE)[1],
        "gd_thr_high": factors(THRESHOLD_FRACTIONS[1] * gd_stable_lr(RAVINE.L), RAVINE)[1],
        "gd_bracket_low": low,
        "gd_bracket_high": high,
        "gd_best_swept": lr_sweep(SWEEP_STEPS).best["lr"],
        "gd_optimal_lr": lr_star,
        "gd_rate_formula": rate,
        "gd_rate_measured": measured_rate(RAVINE.kappa),
        **{f"gd_steps_k{kappa}": steps[kappa] for kappa in (20, 100, 1000)},
        "gd_per_kappa_1000": steps[1000] / 1000,
        "gd_ex1_shallow": ex1_shallow,
        "gd_ex1_steep": ex1_steep,
        "gd_ex1_steps": ex1_steps,
        "gd_ex1_w1": ex1_w1,
        "gd_ex2_loss": edge_of_stability(steps=200)[0],
        "gd_ex3_gap": rotation_gap(WORKED_LR, ROTATION_ANGLE),
        "gd_ex4_steps": ex4,
        "gd_ex4_ratio": ex4 / steps[100],
        "gd_grad_ratio": abs(RAVINE.grad(RAVINE.x0)[1] / RAVINE.grad(RAVINE.x0)[0]),
        **{f"gd_noise_best_{n}": best_lr(noise_sweep(), n) for n in NOISE_BUDGETS},
        "gd_exact_best_1000": best_lr(exact_sweep(), 1000),
        "gd_noise_loss_1000": float(late_loss(noise_sweep(), 1000).min()),
        "gd_cosine_lr": best_lr(cosine_sweep(), 1000),
        "gd_cosine_loss": float(late_loss(cosine_sweep(), 1000).min()),
        "gd_noise_seeds": NOISE_SEEDS,
        "gd_start_loss": float(RAVINE.f(RAVINE.x0)),
        "gd_floor_formula": float(noise_floor(lr_star)),
        "gd_floor_measured": floor_at_best_lr()[0],
        "gd_floor_se": floor_at_best_lr()[1],
        "gd_floor_seeds": FLOOR_SEEDS,
    }


# ----- the playground --------------------------------------------------------------------------------------


def readout(lr, kappa) -> str:
    """2/L, the predicted factor for this lr and kappa, and the best possible one."""
    q = Quadratic.from_condition(kappa)
    rate = float(gd_rate(lr, (q.mu, q.L)))
    best_lr, best_rate = gd_best(q.mu, q.L)
    verdict = "converges" if rate < 1 else ("stalls (|1-αL| = 1)" if rate == 1 else "diverges")
    return (
        f"2/L = {gd_stable_lr(q.L):.3g}; predicted factor max|1-αλ| = {rate:.3f} per step: {verdict}. "
        f"Best: α = 2/(L+μ) = {best_lr:.3f}, factor (κ-1)/(κ+1) = {best_rate:.3f}"
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
