"""Chapter "Exponential moving averages": the experiments behind its numbers and its playground.

It shows, on plain sequences of numbers, that the EMA v_t = beta v_{t-1} + (1 - beta) x_t weights its
inputs geometrically by age; that its last 1/(1-beta) inputs carry about 1 - 1/e of the weight (its
memory); that a longer memory leaves less noise but more lag; that starting at v_0 = 0 biases the first
values until divided by 1 - beta^t; and that an EMA is gradient descent with lr = 1 - beta on the moving
target f_t(w) = 1/2 ||w - x_t||^2 (`NoisyTarget`, which the playground runs).
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import matplotlib as mpl
import numpy as np

from optim_core import GD, plots, run
from optim_core.chapters import register
from optim_core.ema import effective_memory, ema, ema_weights
from optim_core.playground import Playground, Slider
from optim_core.tables import markdown_table

# ----- constants -----------------------------------------------------------------------------------------

WORKED_XS = (2.0, 4.0, 8.0)  # the hand computation
WORKED_BETA = 0.5
MEMORY_BETAS = (0.5, 0.8, 0.9, 0.99, 0.999)  # the memory table
NOISE_BETAS = (0.9, 0.98)  # noise left and lag quoted in the prose
BIAS_LEVEL = 5.0  # the constant measured with noise in the bias figure
BIAS_BETA = 0.9
EARLY_STEPS = 20  # the "first steps" over which the bias is measured
BETAS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)  # the playground's grid
PLAYGROUND_LINES = {"Plain EMA": False, "Bias-corrected EMA": True}  # label -> bias_corrected


# ----- experiments: the worked computation, weights and memory ---------------------------------------------


def worked_example(xs, beta) -> np.ndarray:
    """v_1 .. v_T of a short sequence, the chapter's hand computation."""
    return ema(np.asarray(xs, dtype=np.float64), beta)


def unrolled(xs, beta) -> float:
    """v_T written as a weighted sum of the inputs, sum_k (1 - beta) beta^(T-k) x_k."""
    xs = np.asarray(xs, dtype=np.float64)
    return float(ema_weights(beta, len(xs)) @ xs)


def recent_weight_fraction(beta: float, horizon: int | None = None) -> float:
    """The share of an old EMA's total weight carried by its last round(1/(1-beta)) inputs, summed from ema_weights."""
    memory = round(float(effective_memory(beta)))
    weights = ema_weights(beta, horizon or 60 * memory)  # long enough that the older tail is negligible
    return float(weights[-memory:].sum() / weights.sum())


def memory_table(betas) -> list[dict]:
    """For each beta: the memory 1/(1-beta), the share of weight in that many recent steps, the half-life."""
    return [
        {
            "beta": beta,
            "memory": float(effective_memory(beta)),
            "recent_share": recent_weight_fraction(beta),
            "half_life": float(np.log(2) / -np.log(beta)),
        }
        for beta in betas
    ]


def memory_markdown(rows) -> str:
    """memory_table's rows as a Markdown table."""
    header = [
        "fraction kept $\\beta$",
        "memory $1/(1-\\beta)$",
        "share of the weight in the last $1/(1-\\beta)$ steps",
        "half-life of a weight (steps)",
    ]
    cells = [
        [f"{r['beta']:g}", f"{r['memory']:.0f}", f"{r['recent_share']:.1%}", f"{r['half_life']:.1f}"] for r in rows
    ]
    return markdown_table(header, cells, align="rrrr")


# ----- experiments: smoothing and lag ----------------------------------------------------------------------


def noisy_wave(steps: int = 300, sigma: float = 0.5, seed: int = 0):
    """A slow sine wave (the signal) and the same wave plus seeded Gaussian noise (the measurements)."""
    t = np.arange(1, steps + 1)
    signal = np.sin(2 * np.pi * t / 150)
    return signal, signal + sigma * np.random.default_rng(seed).normal(size=steps)


def noise_left(beta: float, steps: int = 3000, runs: int = 200, seed: int = 1) -> float:
    """Measured standard deviation of the EMA of unit white noise (many seeded runs), once the start is forgotten."""
    xs = np.random.default_rng(seed).normal(size=(steps, runs))
    burn = 20 * round(float(effective_memory(beta)))
    return float(np.std(ema(xs, beta)[burn:]))


def noise_left_predicted(beta: float) -> float:
    """sqrt((1 - beta) / (1 + beta)): the stationary standard deviation of the EMA of unit white noise."""
    return float(np.sqrt((1 - beta) / (1 + beta)))


def ramp_lag(beta: float, steps: int = 2000) -> float:
    """How many steps the EMA of the ramp x_t = t trails behind it at the end (tends to beta / (1 - beta))."""
    t = np.arange(1, steps + 1, dtype=np.float64)
    return float(t[-1] - ema(t, beta)[-1])


# ----- experiments: the bias of v_0 = 0 ---------------------------------------------------------------------


def noisy_level(steps: int, level: float, sigma: float = 1.0, seed: int = 0) -> np.ndarray:
    """Seeded noisy measurements of a constant level."""
    return level + sigma * np.random.default_rng(seed).normal(size=steps)


def bias_runs(beta: float, steps: int, level: float, seed: int = 0) -> dict:
    """The measurements and their EMA without and with bias correction."""
    xs = noisy_level(steps, level, seed=seed)
    return {"xs": xs, "plain": ema(xs, beta), "corrected": ema(xs, beta, bias_corrected=True)}


def early_error(beta: float, first: int, level: float, seed: int = 0) -> tuple[float, float]:
    """Mean |estimate - level| over the first steps, for the plain and the bias-corrected EMA."""
    runs = bias_runs(beta, steps=first, level=level, seed=seed)
    return float(np.mean(np.abs(runs["plain"] - level))), float(np.mean(np.abs(runs["corrected"] - level)))


def steps_to_weight(beta: float, share: float = 0.95) -> int:
    """The first t at which the weights of an EMA started at 0 sum to at least `share` (1 - beta^t >= share)."""
    t = np.arange(1, 100_000)
    return int(t[np.argmax(1 - np.power(beta, t) >= share)])


def constant_error(beta: float, level: float, steps: int) -> tuple[float, float]:
    """Largest |estimate - level| on a constant input: the plain EMA (at t = 1) and the bias-corrected one."""
    xs = np.full(steps, level)
    return (
        float(np.max(np.abs(ema(xs, beta) - level))),
        float(np.max(np.abs(ema(xs, beta, bias_corrected=True) - level))),
    )


def adam_first_step_ratio(beta1: float = 0.9, beta2: float = 0.999, grad: float = 1.0) -> float:
    """Adam's first step m_1 / sqrt(v_1) without bias correction, divided by the same step with it."""
    m, v = ema([grad], beta1)[0], ema([grad**2], beta2)[0]
    m_hat, v_hat = ema([grad], beta1, bias_corrected=True)[0], ema([grad**2], beta2, bias_corrected=True)[0]
    return float((m / np.sqrt(v)) / (m_hat / np.sqrt(v_hat)))


# ----- experiments: an EMA is gradient descent on a moving target ------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class NoisyTarget:
    """Seeded noisy samples x_t = centre + sigma * noise, and the online loss f_t(w) = 1/2 ||w - x_t||^2.

    `stochastic_grad(w, step)` is the gradient of f_t, w - x_step (the same sample for every element of a
    batch); `f(w) = 1/2 ||w - centre||^2` is the distance to the centre the samples scatter around.
    """

    centre: tuple = (3.0, 2.0)
    sigma: float = 0.75
    n_samples: int = 500
    seed: int = 0
    name = "noisy target"
    x0 = np.zeros(2)
    bounds = ((-1.0, 5.5), (-1.0, 4.0))
    f_min = 0.0

    @property
    def minimum(self) -> np.ndarray:
        return np.asarray(self.centre, dtype=np.float64)

    @cached_property
    def samples(self) -> np.ndarray:
        noise = np.random.default_rng(self.seed).normal(size=(self.n_samples, 2))
        return self.minimum + self.sigma * noise

    def f(self, w):
        d = np.asarray(w, dtype=np.float64) - self.minimum
        return 0.5 * np.sum(d * d, axis=-1)

    def grad(self, w):
        return np.asarray(w, dtype=np.float64) - self.minimum

    def stochastic_grad(self, w, step: int):
        if not 1 <= step <= self.n_samples:
            raise ValueError(f"step must be in 1..{self.n_samples} (got {step})")
        return np.asarray(w, dtype=np.float64) - self.samples[step - 1]


def corrected_lr(beta):
    """The schedule lr_t = (1 - beta) / (1 - beta^t) that makes GD on NoisyTarget the bias-corrected EMA."""
    return lambda t: (1.0 - beta) / (1.0 - np.power(beta, t))


def ema_as_gd(beta, steps: int, target: NoisyTarget, bias_corrected: bool = False):
    """GD with lr = 1 - beta (or the corrected schedule) on a NoisyTarget, started at v_0 = 0."""
    lr = corrected_lr(beta) if bias_corrected else 1.0 - beta
    return run(GD(lr), target, target.x0, steps)


def gd_vs_ema_gap(beta: float, steps: int) -> float:
    """The largest difference between the GD runs and optim_core.ema.ema on the same samples (both kinds)."""
    target = NoisyTarget()
    gaps = []
    for corrected in (False, True):
        gd = ema_as_gd(beta, steps, target, corrected).params[1:]
        gaps.append(np.max(np.abs(gd - ema(target.samples[:steps], beta, bias_corrected=corrected))))
    return float(max(gaps))


# ----- figures -------------------------------------------------------------------------------------------


def shades(n: int) -> list:
    """n colors from dark to light along one colormap, for curves indexed by a parameter (beta, alpha)."""
    cmap = mpl.colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.05, 0.8, n)]


def weights_figure(betas=(0.8, 0.95), t: int = 60):
    """The weight v_t puts on each input against its age; the title gives the last 1/(1-beta) inputs' share."""
    fig, axes = plots.figure(ncols=len(betas), width=4.4, height=3.0, sharey=True)
    with mpl.rc_context(plots.STYLE):
        for ax, beta, color in zip(axes, betas, shades(3), strict=False):
            weights = ema_weights(beta, t)[::-1]  # index = age t - k
            age = np.arange(t)
            memory = round(float(effective_memory(beta)))
            recent = age < memory
            ax.bar(age[recent], weights[recent], width=0.8, color=color, label=f"the last {memory} inputs")
            ax.bar(age[~recent], weights[~recent], width=0.8, color=color, alpha=0.3, label="older inputs")
            ax.set_title(f"β = {beta}: the last {memory} inputs carry {recent_weight_fraction(beta):.0%}")
            ax.set(xlabel="age of the input, $t-k$", xlim=(-1, t))
            ax.legend(loc="upper right")
        axes[0].set_ylabel(r"weight $(1-\beta)\,\beta^{t-k}$")
    return fig


def smoothing_figure(betas=(0.5, 0.9, 0.98), steps: int = 300, seed: int = 0):
    """EMAs of one noisy wave for several beta: larger beta is smoother but lags further behind."""
    signal, xs = noisy_wave(steps, seed=seed)
    fig, ax = plots.figure(width=8.0, height=3.4)
    t = np.arange(1, steps + 1)
    with mpl.rc_context(plots.STYLE):
        ax.plot(t, xs, ".", color="#bbbbbb", markersize=3, label="measurements $x_t$")
        ax.plot(t, signal, color="black", linestyle="--", linewidth=1.0, label="the signal without noise")
        for beta, color in zip(betas, shades(len(betas)), strict=True):
            ax.plot(t, ema(xs, beta), color=color, label=f"EMA, β = {beta}")
        ax.set(xlabel="step $t$", ylabel="value", xlim=(0, steps))
        fig.legend(loc="outside upper center", ncols=5)
    return fig


def bias_figure(beta: float = BIAS_BETA, steps: int = 60, level: float = BIAS_LEVEL, seed: int = 0):
    """Left: plain and bias-corrected EMA of a noisy constant. Right: the total weight 1 - beta^t."""
    runs = bias_runs(beta, steps, level, seed)
    t = np.arange(1, steps + 1)
    fig, (a, b) = plots.figure(ncols=2, width=4.6, height=3.3)
    dark, light = shades(2)
    with mpl.rc_context(plots.STYLE):
        a.plot(t, runs["xs"], ".", color="#bbbbbb", markersize=4, label="measurements")
        a.axhline(level, color="black", linestyle="--", linewidth=1.0, label="true level")
        a.plot(t, runs["plain"], color=dark, label="$v_t$ (started at 0)")
        a.plot(t, runs["corrected"], color="#d62728", label=r"$v_t / (1-\beta^t)$")
        a.set(xlabel="step $t$", ylabel="value", title=f"β = {beta}", xlim=(0, steps))
        a.legend(loc="lower right")
        for bb, color in zip((0.9, 0.99), (dark, light), strict=True):
            b.plot(t, 1 - np.power(bb, t), color=color, label=f"β = {bb}")
        b.axhline(1.0, color="black", linewidth=0.8)
        b.set(xlabel="step $t$", ylabel=r"total weight $1-\beta^t$", ylim=(0, 1.05), xlim=(0, steps))
        b.legend(loc="center right")
    return fig


def target_figure(beta: float = 0.9, steps: int = 40):
    """The samples of a NoisyTarget and the two EMAs of them, drawn as GD paths."""
    target = NoisyTarget()
    fig, ax = plots.figure(width=5.6, height=4.2)
    plots.contours(ax, target)
    with mpl.rc_context(plots.STYLE):
        ax.plot(
            *target.samples[:steps].T,
            "o",
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=0.6,
            markersize=4,
            linestyle="none",
            label="samples $x_t$",
        )
    for i, (label, corrected) in enumerate(PLAYGROUND_LINES.items()):
        path = ema_as_gd(beta, steps, target, corrected).params
        plots.path_line(ax, label, i).set_data(path[:, 0], path[:, 1])
    ax.set_title(f"β = {beta}, {steps} steps")
    ax.legend(loc="upper left")
    return fig


# ----- the numbers the prose quotes ------------------------------------------------------------------------


def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    rows = {r["beta"]: r for r in memory_table(MEMORY_BETAS)}
    early_plain, early_corrected = early_error(BIAS_BETA, EARLY_STEPS, BIAS_LEVEL)
    const_plain, const_corrected = constant_error(BIAS_BETA, BIAS_LEVEL, steps=50)
    out = {f"ema_worked_v{t}": float(v) for t, v in enumerate(worked_example(WORKED_XS, WORKED_BETA), start=1)}
    out |= {
        "ema_worked_unrolled": unrolled(WORKED_XS, WORKED_BETA),
        "ema_worked_hat": float(ema(np.array(WORKED_XS), WORKED_BETA, bias_corrected=True)[-1]),
        "ema_share_05": rows[0.5]["recent_share"],
        "ema_share_09": rows[0.9]["recent_share"],
        "ema_share_099": rows[0.99]["recent_share"],
        "ema_share_limit": float(1 - np.exp(-1)),
        "ema_half_life_09": rows[0.9]["half_life"],
        "ema_memory_09": rows[0.9]["memory"],
        "ema_memory_0999": rows[0.999]["memory"],
    }
    for beta in NOISE_BETAS:
        tag = str(beta).replace(".", "")
        out[f"ema_noise_{tag}"] = noise_left(beta)
        out[f"ema_noise_pred_{tag}"] = noise_left_predicted(beta)
        out[f"ema_lag_{tag}"] = ramp_lag(beta)
    return out | {
        "ema_early_plain": early_plain,
        "ema_early_corrected": early_corrected,
        "ema_reach95_09": steps_to_weight(0.9, 0.95),
        "ema_reach95_099": steps_to_weight(0.99, 0.95),
        "ema_reach95_0999": steps_to_weight(0.999, 0.95),
        "ema_adam_ratio": adam_first_step_ratio(beta1=0.9, beta2=0.999),
        "ema_gd_gap": gd_vs_ema_gap(beta=0.9, steps=100),
        "ema_lr5": float(corrected_lr(0.99)(5)),
        "ema_const_plain": const_plain,
        "ema_const_corrected": const_corrected,
    }


# ----- the playground --------------------------------------------------------------------------------------


def readout(beta) -> str:
    """The memory and the bias at this beta, as a line under the playground."""
    memory = float(effective_memory(beta))
    return (
        f"β = {beta:g}: memory 1/(1-β) = {memory:.0f} steps; the plain EMA's weights sum to "
        f"1-β^t = {1 - beta**5:.2f} at t = 5 and reach 0.95 at t = {steps_to_weight(beta)}"
    )


@register("ema")
def playground() -> Playground:
    return Playground(
        "ema",
        NoisyTarget(),
        {
            "Plain EMA": lambda beta: GD(1.0 - beta),
            "Bias-corrected EMA": lambda beta: GD(corrected_lr(beta)),
        },
        [
            Slider("beta", BETAS, 0.9, label="β"),
            Slider("steps", (10, 20, 50, 100), 50, label="steps", fmt=".0f"),
        ],
        steps=100,
        readout=readout,
        caption="An EMA of noisy samples is gradient descent with α = 1-β on f_t(w) = ½‖w - x_t‖²",
    )
