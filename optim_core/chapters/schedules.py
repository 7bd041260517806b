"""Chapter "Learning-rate schedules": the schedules of optim_core.schedules, what a decaying rate changes,
and why a warmup helps Adam in its first steps, measured on the book's digits MLP (`models.digits_mlp`).

It shows that with minibatch noise a constant rate keeps the loss jittering at the end of the run (it rises
on about half of the last JITTER steps; with the full training set it does not), that a cosine from the same
base rate removes the jitter and ends lower at large rates but higher at small ones, so that each at its best
rate the two are not separated by three seeds; that Adam's second-moment estimate v_hat_t rests on few
minibatches in the first steps, so its first steps are the largest it takes for a given α; and that on the
MLP (STEPS steps, three seeds) a linear warmup of WARMUP steps before a cosine widens the range of base
learning rates that end below a training loss of USABLE, keeps large rates from blowing up early, and lowers
the final loss at the best rate; and that plain SGD, which has no v_hat, gains from the same warmup.

Every sweep trains the MLP over a grid of base learning rates with one batched `tuning.sweep` per seed and
schedule. They are cached (functools.cache), so the notebook and the tests share them.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np

from optim_core import GD, Adam, plots, run, tuning
from optim_core.chapters import register
from optim_core.ema import ema
from optim_core.measure import rising_share
from optim_core.models import digits_mlp, minibatch_variance, per_example_grads, single_threaded
from optim_core.playground import SingleThreadedPlayground, Slider
from optim_core.schedules import constant, cosine, linear_warmup, step_decay, warmup_cosine

# ----- constants -----------------------------------------------------------------------------------------

STEPS = 200  # about 12 passes over the training set with batches of 64
WARMUP = 20
SEEDS = (0, 1, 2)
BASE_LRS = np.logspace(-3, 0, 13)  # a quarter decade apart
EARLY = 30  # the window in which a blow-up counts as "early"
USABLE = 0.1  # a base lr is usable if its final training loss (mean over seeds) is below this
BETA2 = 0.999
SATURATION_STEP = 10  # the step at which the saturated share of hidden units is measured
HOT_LR = 0.316  # the large base rate the text discusses (the grid value 10^-0.5)
DECAY_LRS = BASE_LRS[4:11]  # 0.01 .. 0.316: where a constant rate is compared with the cosine
JITTER = 20  # the last steps of a run over which its jitter is measured
SGD_LR = 10**0.25  # the rate at which plain SGD (GD on minibatches) is run with and without warmup
OPTIMIZERS = {"Adam": lambda schedule: Adam(lr=schedule), "SGD": lambda schedule: GD(schedule)}
PLAYGROUND_STEPS = 100
PLAYGROUND_WARMUPS = (0.0, 5.0, 10.0, 20.0, 50.0)


# ----- the five schedules ----------------------------------------------------------------------------------


def example_schedules(lr: float = 1.0, steps: int = STEPS) -> dict:
    """label -> schedule, one of each kind, all with base rate lr over `steps` steps."""
    return {
        "constant": constant(lr),
        "step decay": step_decay(lr, factor=0.5, every=steps // 4),
        "cosine": cosine(lr, steps),
        "linear warmup": linear_warmup(lr, WARMUP),
        "warmup + cosine": warmup_cosine(lr, WARMUP, steps),
    }


def worked_values(lr: float = 0.01, warmup: int = WARMUP, steps: int = STEPS) -> dict:
    """warmup_cosine(lr, warmup, steps) at the steps the exercise asks about."""
    s = warmup_cosine(lr, warmup, steps)
    half = warmup + (steps - warmup) // 2 + 1  # the middle of the cosine part
    return {"half_step": half, **{t: float(s(t)) for t in (1, warmup // 2, warmup, warmup + 1, half, steps)}}


# ----- how many samples stand behind v_hat ---------------------------------------------------------------


@functools.cache
@single_threaded
def scale_error(steps: int = 100) -> np.ndarray:
    """At the MLP's start w0, held fixed: |sqrt(v_hat_t / E[g_B^2]) - 1| for t = 1..steps (rows), for every
    coordinate with a nonzero gradient (columns), where v_hat_t is Adam's bias-corrected average of
    the squares of t minibatch gradients (batches as in training) and E[g_B^2] is its exact target
    g^2 + (N - B) / (B (N - 1)) sigma_i^2, from the per-sample gradients."""
    model = digits_mlp(seed=0)
    w = model.x0
    g = per_example_grads(model, w)
    target = g.mean(axis=0) ** 2 + minibatch_variance(g, model.batch_size)
    keep = target > 0
    squares = np.array([model.stochastic_grad(w, t) ** 2 for t in range(1, steps + 1)])
    v_hat = ema(squares, BETA2, bias_corrected=True)
    return np.abs(np.sqrt(v_hat[:, keep] / target[keep]) - 1)


def scale_error_quantiles(qs=(50, 90)) -> np.ndarray:
    """Percentiles over the coordinates of the error of sqrt(v_hat_t), one row per percentile."""
    return np.percentile(scale_error(), qs, axis=1)


@functools.cache
@single_threaded
def adam_step_rms(lr: float = 0.01, seed: int = 0) -> np.ndarray:
    """Adam with a constant lr on the MLP: the size of each step t = 1..STEPS in units of lr, the RMS over
    the coordinates of m_hat / (sqrt(v_hat) + eps). At step 1 every coordinate whose gradient is not 0
    moves by lr (up to eps), so the RMS is the square root of the share of those coordinates."""
    traj = run(Adam(lr=lr), digits_mlp(seed=seed), steps=STEPS)
    moves = np.diff(traj.params, axis=0) / lr
    return np.sqrt(np.mean(moves**2, axis=1))


def zero_at_first_step() -> float:
    """Fraction of the coordinates with a nonzero full gradient whose first minibatch gradient is 0
    (their pixel is blank in every image of the first batch): there v_hat_1 = 0."""
    return float(np.mean(scale_error()[0] == 1.0))


def step_sizes_at(ts=(1, 10, 100)) -> dict:
    """t -> Adam's RMS step in units of α (from adam_step_rms)."""
    rms = adam_step_rms()
    return {t: float(rms[t - 1]) for t in ts}


# ----- sweeps over base rates: constant, cosine, warmup + cosine -----------------------------------------


def _schedule(kind: str, lr):
    """The schedule of a kind over STEPS steps: 'constant', 'cosine', or 'warmup' (WARMUP steps, then a cosine)."""
    if kind == "constant":
        return constant(lr)
    return warmup_cosine(lr, WARMUP, STEPS) if kind == "warmup" else cosine(lr, STEPS)


@functools.cache
@single_threaded
def schedule_sweep(kind: str, lrs: tuple = tuple(BASE_LRS), optimizer: str = "Adam", batch_size: int | None = 64):
    """The MLP trained by `optimizer` with the schedule `kind` at each base rate of `lrs`, one `tuning.sweep`
    per seed, on minibatches of `batch_size` (None: the full training set). Arrays of shape (seeds, lrs):
    'final', the training loss after STEPS steps (the sweep's score); 'early_max', the highest training loss in
    steps 0..EARLY; 'saturated', the share of saturated hidden activations at SATURATION_STEP; 'rising', the
    share of the last JITTER steps on which the loss went up; 'settle', the final loss over the lowest loss of
    the second half of the run. And 'loss', every step's training loss, shape (seeds, STEPS + 1, lrs)."""
    out = {name: [] for name in ("final", "early_max", "saturated", "rising", "settle", "loss")}
    for seed in SEEDS:
        model = digits_mlp(seed=seed, batch_size=batch_size)
        make = lambda lr: OPTIMIZERS[optimizer](_schedule(kind, lr))  # noqa: E731
        s = tuning.sweep(make, model, STEPS, tuning.gap_at(), lr=np.array(lrs))
        loss = np.where(np.isnan(s.trajectory.loss), np.inf, s.trajectory.loss)
        out["final"].append(s.scores)
        out["early_max"].append(loss[: EARLY + 1].max(axis=0))
        out["saturated"].append(saturation(model, s.trajectory.params[s.trajectory.row_of(SATURATION_STEP)]))
        out["rising"].append(rising_share(loss, JITTER))
        out["settle"].append(loss[-1] / loss[STEPS // 2 :].min(axis=0))
        out["loss"].append(loss)
    return {name: np.array(values) for name, values in out.items()}


def warmup_sweep(kind: str) -> dict:
    """Adam with cosine ('cosine') or warmup + cosine ('warmup') over BASE_LRS (schedule_sweep)."""
    return schedule_sweep(kind)


# ----- a constant rate against a decaying one ----------------------------------------------------------


def _column(lrs, lr: float) -> int:
    return int(np.argmin(np.abs(np.log(np.asarray(lrs) / lr))))


_STATS = (("mean", np.mean), ("lo", np.min), ("hi", np.max))


def _on_decay_grid(kind: str) -> dict:
    """The summaries of schedule_sweep over DECAY_LRS (the cosine's are taken from its sweep over BASE_LRS)."""
    if kind == "constant":
        return schedule_sweep("constant", tuple(DECAY_LRS))
    columns = [_column(BASE_LRS, lr) for lr in DECAY_LRS]
    return {name: v[..., columns] for name, v in warmup_sweep(kind).items()}


def decay_comparison() -> dict:
    """Adam with a constant rate against the cosine from the same base rate, over DECAY_LRS (the seeds):
    at the cosine's best rate 'lr', the mean, lowest and highest final loss of each (over the seeds), the
    share of rising steps among the last JITTER (mean over the seeds) with minibatches and, for the constant
    rate, with the full training set; the constant's best rate and its final losses; and 'cross', the largest
    rate at which the constant rate ends lower than the cosine (mean over the seeds)."""
    const, cos = _on_decay_grid("constant"), _on_decay_grid("cosine")
    lr = best("cosine")["lr"]
    full = schedule_sweep("constant", (lr,), batch_size=None)
    k, kb = _column(DECAY_LRS, lr), int(np.argmin(const["final"].mean(axis=0)))
    lower = const["final"].mean(axis=0) < cos["final"].mean(axis=0)
    first = int(np.argmin(lower))  # the first rate at which the constant rate does not end lower
    if first == 0 or np.any(lower[first:]):
        raise ValueError(f"the constant rate does not end lower exactly at the rates below one: {lower}")
    out = {"lr": float(DECAY_LRS[k]), "best_lr": float(DECAY_LRS[kb]), "cross": float(DECAY_LRS[first - 1])}
    for s, f in _STATS:
        out |= {f"const_{s}": float(f(const["final"][:, k])), f"cos_{s}": float(f(cos["final"][:, k]))}
        out[f"best_{s}"] = float(f(const["final"][:, kb]))
    for name, v, j in (("const", const, k), ("cos", cos, k), ("full", full, 0)):
        out[f"{name}_rising"] = float(v["rising"][:, j].mean())
    return out | {"const_settle": float(const["settle"][:, k].mean())}


def sgd_warmup(lr: float = SGD_LR) -> dict:
    """Plain SGD at base rate lr with cosine and with warmup + cosine: mean final loss and early peak (seeds)."""
    return {
        kind: {name: float(schedule_sweep(kind, (lr,), "SGD")[name].mean()) for name in ("final", "early_max")}
        for kind in ("cosine", "warmup")
    }


# ----- warmup widens the range of usable learning rates ---------------------------------------------------


def saturation(problem, w) -> np.ndarray:
    """Fraction of the MLP's hidden activations tanh(.) beyond 0.99 in size, over the training images,
    for each model of the batch w; there the backpropagated gradient is multiplied by 1 - h^2 < 0.02."""
    w1, b1, _, _ = problem.unpack(np.asarray(w))
    hidden = np.tanh(problem.x @ w1 + b1[..., None, :])
    return np.mean(np.abs(hidden) > 0.99, axis=(-2, -1))


def usable_range(kind: str, threshold: float = USABLE) -> tuple:
    """The smallest and largest base lr whose mean final loss is below the threshold (a contiguous run
    of the grid around the best value)."""
    mean = warmup_sweep(kind)["final"].mean(axis=0)
    ok = np.flatnonzero(mean < threshold)
    if not np.all(np.diff(ok) == 1):
        raise ValueError(f"the usable learning rates of {kind!r} are not contiguous: {BASE_LRS[ok]}")
    return float(BASE_LRS[ok[0]]), float(BASE_LRS[ok[-1]])


def at_lr(kind: str, lr: float) -> dict:
    """Mean final loss and mean early peak at the grid value closest to lr."""
    k = int(np.argmin(np.abs(np.log(BASE_LRS / lr))))
    stats = {name: float(v[:, k].mean()) for name, v in warmup_sweep(kind).items() if name != "loss"}
    return {"lr": float(BASE_LRS[k]), **stats}


def best(kind: str) -> dict:
    """The base lr with the lowest mean final loss, and that loss."""
    mean = warmup_sweep(kind)["final"].mean(axis=0)
    k = int(np.argmin(mean))
    return {"lr": float(BASE_LRS[k]), "final": float(mean[k])}


# ----- RAdam's automatic warmup (exercise) ---------------------------------------------------------------


def radam_rectification(t, beta2: float = BETA2) -> np.ndarray:
    """RAdam's factor r_t (Liu et al., 2020) that multiplies Adam's step; NaN where rho_t <= 4, the
    first steps in which RAdam takes an un-normalized momentum step instead."""
    t = np.asarray(t, dtype=np.float64)
    rho_inf = 2 / (1 - beta2) - 1
    rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    with np.errstate(invalid="ignore"):
        r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return np.where(rho > 4, r, np.nan)


# ----- figures ----------------------------------------------------------------------------------------------


def schedules_figure(steps: int = STEPS):
    """The example schedules' learning rates over the steps, in units of the base rate: the decays on
    the left, the warmups on the right."""
    fig, (left, right) = plots.figure(ncols=2, width=4.4, height=3.2, sharey=True)
    items = list(example_schedules(1.0, steps).items())
    colors = mpl.colormaps["viridis"](np.linspace(0.0, 0.8, len(items)))
    t = np.arange(1, steps + 1)
    with mpl.rc_context(plots.STYLE):
        for i, (label, schedule) in enumerate(items):
            ax = left if i < 3 else right
            ax.plot(t, schedule.values(steps), color=colors[i], label=label, lw=2.0)
        for ax, where in ((left, "lower left"), (right, "center right")):
            ax.set(xlabel="step $t$", xlim=(0, steps), ylim=(0, 1.05))
            ax.legend(loc=where, fontsize=8)
        left.set_ylabel(r"$\alpha_t \,/\, \alpha$")
    return fig


def decay_figure():
    """Left: the training loss per step (seed 0) at the cosine's best base rate with a constant rate, with the
    cosine, and with a constant rate on the full training set. Right: the final loss against the base rate,
    constant and cosine, mean over the seeds with the band from the lowest to the highest."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.5)
    lr, red = decay_comparison()["lr"], plots.color_of("Adam")
    const, cos, k = _on_decay_grid("constant"), _on_decay_grid("cosine"), _column(DECAY_LRS, lr)
    curves = (
        (const["loss"][0, :, k], "#555555", "-", "constant"),
        (cos["loss"][0, :, k], red, "-", "cosine"),
        (schedule_sweep("constant", (lr,), batch_size=None)["loss"][0, :, 0], "#555555", ":", "constant, full batch"),
    )
    with mpl.rc_context(plots.STYLE):
        for loss, color, ls, label in curves:
            left.semilogy(np.arange(STEPS + 1), loss, color=color, ls=ls, label=label, lw=1.3)
        left.set(xlabel="step $t$", ylabel="training loss $f(w_t)$", title=rf"$\alpha = {lr:g}$, seed 0")
        left.legend(fontsize=8)
        for values, color, label in ((const["final"], "#555555", "constant"), (cos["final"], red, "cosine")):
            right.fill_between(DECAY_LRS, values.min(0), values.max(0), color=color, alpha=0.18, lw=0)
            right.loglog(DECAY_LRS, values.mean(0), "o-", color=color, label=label, markersize=3.5)
        right.set(xlabel=r"base learning rate $\alpha$", ylabel=f"training loss after {STEPS} steps")
        right.legend(fontsize=8)
    return fig


def sample_figure():
    """Left: how far sqrt(v_hat_t) is from its target, against t (median and 90th percentile over the
    coordinates). Right: Adam's step in units of α along a real run."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.4)
    median, p90 = scale_error_quantiles()
    t = np.arange(1, len(median) + 1)
    red = plots.color_of("Adam")
    with mpl.rc_context(plots.STYLE):
        left.loglog(t, p90, color=red, lw=1.2, ls="--", label="90th percentile")
        left.loglog(t, median, color=red, label="median")
        left.set(
            xlabel="minibatches averaged, $t$",
            ylabel=r"$|\sqrt{\hat v_t / E[dw^2]} - 1|$",
            title=r"error of Adam's scale $\sqrt{\hat v_t}$",
        )
        left.legend(fontsize=8)
        rms = adam_step_rms()
        right.semilogx(np.arange(1, len(rms) + 1), rms, color=red, label="Adam")
        right.set(xlabel="step $t$", ylabel=r"RMS of $\hat m_t / (\sqrt{\hat v_t}+\varepsilon)$", ylim=(0, 1.05))
        right.set_title(r"Adam's step in units of $\alpha$")
    return fig


def warmup_figure():
    """Final training loss (left) and highest loss in the first EARLY steps (right) against the base
    lr, with and without warmup: mean over the seeds, band from min to max."""
    fig, (left, right) = plots.figure(ncols=2, width=4.6, height=3.5)
    styles = {
        "warmup": (plots.color_of("Adam"), f"warmup ({WARMUP} steps) + cosine"),
        "cosine": ("#555555", "cosine only"),
    }
    with mpl.rc_context(plots.STYLE):
        for kind, (color, label) in styles.items():
            s = warmup_sweep(kind)
            for ax, values in ((left, s["final"]), (right, s["early_max"])):
                ax.fill_between(BASE_LRS, values.min(0), values.max(0), color=color, alpha=0.18, lw=0)
                ax.loglog(BASE_LRS, values.mean(0), "o-", color=color, label=label, markersize=3.5)
        left.axhline(USABLE, color="#999999", lw=0.8, ls="--")
        left.set(xlabel=r"base learning rate $\alpha$", ylabel=f"training loss after {STEPS} steps")
        right.set(xlabel=r"base learning rate $\alpha$", ylabel=f"highest loss in steps 0–{EARLY}")
        right.set_yticks([2, 5, 10, 20, 50])
        right.yaxis.set_major_formatter(mpl.ticker.ScalarFormatter())
        right.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        left.legend(fontsize=8, loc="upper center")
    return fig


# ----- the numbers the prose quotes ---------------------------------------------------------------------


def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    worked = worked_values(0.01, WARMUP, STEPS)
    median, _ = scale_error_quantiles()
    sizes = step_sizes_at((1, 10, 100))
    hot = {kind: at_lr(kind, HOT_LR) for kind in ("cosine", "warmup")}
    radam = radam_rectification([10, 100, 1000])  # exercise 2
    decay, sgd = decay_comparison(), sgd_warmup()
    past = cosine(0.1, total_steps=100)  # exercise 3: a run continued past its plan
    out = {f"sc_worked_{t}": value for t, value in worked.items() if t != "half_step"}
    out |= {
        "sc_half_step": worked["half_step"],
        **{f"sc_err_median_{t}": float(100 * median[t - 1]) for t in (1, 10, 100)},
        "sc_zero_first_pct": 100 * zero_at_first_step(),
        **{f"sc_step_{t}": value for t, value in sizes.items()},
        "sc_step_ratio": sizes[1] / sizes[100],
        "sc_usable": USABLE,
        "sc_hot_lr": hot["warmup"]["lr"],
        "sc_hot_ratio": hot["cosine"]["final"] / hot["warmup"]["final"],
        "sc_cosine_best_lr": best("cosine")["lr"],  # "both schedules do best at": the tests check the warmup's
        "sc_sat_step": SATURATION_STEP,
        **{f"sc_radam_{t}": float(r) for t, r in zip((10, 100, 1000), radam, strict=True)},
        "sc_cos_50": float(past(50)),
        "sc_cos_100": float(past(100)),
        "sc_jitter_steps": JITTER,
        **{f"sc_decay_{name}": v for name, v in decay.items() if name != "lr" and not name.endswith("rising")},
        **{f"sc_rising_{name}": 100 * decay[f"{name}_rising"] for name in ("const", "cos", "full")},
        "sc_sgd_lr": SGD_LR,
        **{f"sc_sgd_{kind}_{name}": v for kind, values in sgd.items() for name, v in values.items()},
    }
    for kind in ("cosine", "warmup"):
        low, high = usable_range(kind)
        out |= {
            f"sc_{kind}_low": low,
            f"sc_{kind}_high": high,
            f"sc_{kind}_hot_final": hot[kind]["final"],
            f"sc_{kind}_hot_early": hot[kind]["early_max"],
            f"sc_{kind}_hot_sat": 100 * hot[kind]["saturated"],
            f"sc_{kind}_best_final": best(kind)["final"],
            f"sc_{kind}_one_early": at_lr(kind, 1.0)["early_max"],
        }
    return out


# ----- the playground -------------------------------------------------------------------------------------


def _readout(lr, warmup):
    w = int(warmup)
    if w == 0:
        return f"no warmup: α = {lr:.3g} from step 1, then cosine decay"
    return f"warmup: α rises from {lr / w:.3g} at step 1 to {lr:.3g} at step {w}, then cosine decay"


@register("schedules")
def playground():
    """Adam on the digits MLP with warmup + cosine: sliders for the base lr and the warmup length."""
    return SingleThreadedPlayground(
        "schedules",
        digits_mlp(seed=0),
        {
            "Adam": lambda lr, warmup: Adam(lr=warmup_cosine(lr, warmup, PLAYGROUND_STEPS)),
            "Adam, no warmup": lambda lr: Adam(lr=cosine(lr, PLAYGROUND_STEPS)),
        },
        [
            Slider.log("lr", 1e-3, 1.0, 7, 0.1, label="α (base learning rate)"),
            Slider("warmup", PLAYGROUND_WARMUPS, 20.0, label="warmup steps", fmt=".0f"),
        ],
        caption="Adam on the digits MLP with a cosine schedule over 100 steps, with and without a linear "
        "warmup: training loss per step.",
        steps=PLAYGROUND_STEPS,
        readout=_readout,
    )
