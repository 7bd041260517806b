"""Chapter "Adam": the experiments behind its numbers and its playground.

Adam (Kingma & Ba, 2015) is Momentum's EMA of dw (m_t) divided by RMSProp's root EMA of dw^2 (v_t),
both bias-corrected. Here: one step by hand, the first steps with and without bias correction, the
size of a step against lr (typical, the paper's bound, and the exact worst case), the state it keeps,
and Adam beside Momentum and RMSProp over a sweep of lr on three surfaces and three gradient scales.
"""

from __future__ import annotations

import dataclasses

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, Lion, Momentum, RMSProp, SignGD, plots, run
from optim_core.base import state_arrays
from optim_core.chapters import register
from optim_core.playground import Playground, Slider
from optim_core.problems import Quadratic, Rosenbrock, Saddle, Wrapped
from optim_core.tables import markdown_table

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8  # Kingma & Ba's defaults (also optim_core's)
RAVINE = Quadratic()  # f = 0.1 w1^2 + 2 w2^2
PROBLEMS = {"ravine": RAVINE, "Rosenbrock": Rosenbrock(), "saddle": Saddle()}

# ----- one step by hand ------------------------------------------------------------------------------

WORKED_GRAD = np.array([0.3, -2.0])
WORKED_LR = 0.01


def first_step(g=WORKED_GRAD, lr: float = WORKED_LR, bias_correction: bool = True, **hyper) -> dict:
    """Adam's first step from w = 0: the state after it and the step, from Adam.update itself."""
    opt = Adam(lr, bias_correction=bias_correction, **hyper)
    w0 = np.zeros_like(np.asarray(g, dtype=np.float64))
    w1, state = opt.update(w0, g, opt.init(w0))
    return {"m": state.m, "v": state.v, "step": w1 - w0}


def worked_table(g=WORKED_GRAD, lr: float = WORKED_LR) -> str:
    """The first step, term by term, as a Markdown table (one column per coordinate)."""
    b1, b2 = BETA1, BETA2
    m, v = (1 - b1) * g, (1 - b2) * g * g
    corrected, plain = first_step(g, lr)["step"], first_step(g, lr, bias_correction=False)["step"]
    rows = [
        ("$dw_1$", g),
        (r"$m_1 = (1-\beta_1)\,dw_1$", m),
        (r"$v_1 = (1-\beta_2)\,dw_1^2$", v),
        (r"$\hat m_1 = m_1/(1-\beta_1)$", m / (1 - b1)),
        (r"$\hat v_1 = v_1/(1-\beta_2)$", v / (1 - b2)),
        (r"step $-\alpha\,\hat m_1/(\sqrt{\hat v_1}+\varepsilon)$", corrected),
        (r"step without correction, $-\alpha\,m_1/(\sqrt{v_1}+\varepsilon)$", plain),
    ]
    cells = [[name, f"{x[0]:.6g}", f"{x[1]:.6g}"] for name, x in rows]
    return markdown_table(["quantity", "coordinate 1", "coordinate 2"], cells, align="lrr")


def first_step_ratio(g=WORKED_GRAD, lr: float = WORKED_LR) -> np.ndarray:
    """Per coordinate, |first step without correction| / |first step with it|, measured with Adam."""
    return np.abs(first_step(g, lr, bias_correction=False)["step"] / first_step(g, lr)["step"])


def predicted_first_step_ratio(beta1: float = BETA1, beta2: float = BETA2) -> float:
    """(1 - beta1) / sqrt(1 - beta2): m_1 is 1-beta1 of dw_1, sqrt(v_1) is sqrt(1-beta2) of |dw_1|."""
    return float((1 - beta1) / np.sqrt(1 - beta2))


def uncorrected_ratio(t, beta1: float = BETA1, beta2: float = BETA2) -> np.ndarray:
    """For a constant gradient: uncorrected step / corrected step at step t, (1 - beta1^t) / sqrt(1 - beta2^t)."""
    t = np.asarray(t, dtype=np.float64)
    return (1 - beta1**t) / np.sqrt(1 - beta2**t)


def ratio_peak(horizon: int = 10_000) -> tuple[int, float]:
    """(t, ratio) where uncorrected_ratio is largest."""
    t = np.arange(1, horizon + 1)
    r = uncorrected_ratio(t)
    return int(t[np.argmax(r)]), float(r.max())


def steps_until_ratio_below(level: float, horizon: int = 100_000) -> int:
    """The first t after which uncorrected_ratio stays below `level` (it decreases after its peak)."""
    t = np.arange(1, horizon + 1)
    above = np.flatnonzero(uncorrected_ratio(t) >= level)
    return int(t[above[-1] + 1])


EARLY_LABELS = ("Adam", "Adam (no bias correction)")
# Adam's red for the corrected run, a paler red (dashed) for the uncorrected one
EARLY_STYLES = ({"color": plots.color_of("Adam"), "zorder": 3}, {"color": "#f4a09a", "linestyle": "--"})


def early_runs(lr: float = 0.05, steps: int = 20, problem=RAVINE) -> dict:
    """Adam with and without bias correction for the first steps, label -> Trajectory."""
    return {
        EARLY_LABELS[0]: run(Adam(lr), problem, steps=steps),
        EARLY_LABELS[1]: run(Adam(lr, bias_correction=False), problem, steps=steps),
    }


def relative_steps(traj, lr: float) -> np.ndarray:
    """|w_t - w_{t-1}| / lr per step and coordinate, shape (steps, dim)."""
    return np.abs(np.diff(traj.params, axis=0)) / lr


def early_figure(lr: float = 0.05, steps: int = 20):
    """Left: the first steps of both runs on the ravine. Right: the size of each step along w1, over lr."""
    runs = early_runs(lr, steps)
    fig, (a, b) = plots.figure(ncols=2, width=4.8, height=3.4)
    plots.contours(a, RAVINE)
    t = np.arange(1, steps + 1)
    with mpl.rc_context(plots.STYLE):
        for label, style in zip(EARLY_LABELS, EARLY_STYLES, strict=True):
            path = runs[label].params
            plots.path_line(a, label, **style).set_data(path[:, 0], path[:, 1])
            b.plot(t, relative_steps(runs[label], lr)[:, 0], marker="o", markersize=3.5, label=label, **style)
        b.plot(
            t,
            uncorrected_ratio(t),
            color="black",
            linewidth=1.0,
            linestyle=":",
            label=r"$(1-\beta_1^t)/\sqrt{1-\beta_2^t}$",
        )
        a.legend(loc="upper right")
        a.set_title(f"first {steps} steps, α = {lr:g}")
        b.set(xlabel="step $t$", ylabel=r"$|\Delta w_1| \,/\, \alpha$", ylim=(0, 7.5), xlim=(0, steps + 1))
        b.legend(loc="lower right")
    return fig


# ----- how big can a step be? --------------------------------------------------------------------------


def paper_bound(beta1: float = BETA1, beta2: float = BETA2) -> float:
    """Kingma & Ba's bound on |step| / lr when 1 - beta1 > sqrt(1 - beta2): (1 - beta1) / sqrt(1 - beta2)."""
    return float(predicted_first_step_ratio(beta1, beta2))


def worst_case_step(t: int, beta1: float = BETA1, beta2: float = BETA2) -> float:
    """The largest |step| / lr over all gradient sequences at step t (eps = 0), by Cauchy-Schwarz:
    m_hat = sum a_k dw_k and v_hat = sum b_k dw_k^2, so |m_hat| / sqrt(v_hat) <= sqrt(sum a_k^2 / b_k)."""
    a, b = _ema_weights(beta1, t), _ema_weights(beta2, t)
    return float(np.sqrt(np.sum(a * a / b)))


def worst_case_limit(beta1: float = BETA1, beta2: float = BETA2) -> float:
    """worst_case_step as t grows (finite only if beta1^2 < beta2)."""
    rho = beta1**2 / beta2
    return float((1 - beta1) / np.sqrt((1 - beta2) * (1 - rho))) if rho < 1 else np.inf


def _ema_weights(beta: float, t: int) -> np.ndarray:
    """The weights of dw_1 .. dw_t in a bias-corrected EMA at step t."""
    return (1 - beta) * beta ** np.arange(t - 1, -1, -1, dtype=np.float64) / (1 - beta**t)


def worst_case_gradients(t: int, beta1: float = BETA1, beta2: float = BETA2) -> np.ndarray:
    """The sequence that attains worst_case_step at step t: dw_k proportional to a_k / b_k = c (beta1/beta2)^(t-k)."""
    return _ema_weights(beta1, t) / _ema_weights(beta2, t)


def adam_steps(grads, lr: float = 1.0, **hyper) -> np.ndarray:
    """|step| / lr of Adam fed a given gradient sequence (shape (steps, ...)), step by step."""
    grads = np.asarray(grads, dtype=np.float64)
    opt = Adam(lr, **hyper)
    w = np.zeros(grads.shape[1:])
    state, out = opt.init(w), np.empty_like(grads)
    for i, g in enumerate(grads):
        new_w, state = opt.update(w, g, state)
        out[i] = np.abs(new_w - w) / lr
        w = new_w
    return out


def spike_steps(ts, **hyper) -> np.ndarray:
    """|step| / lr at each step t of ts when every earlier gradient was 0 and dw_t = 1 (the paper's
    'most severe case of sparsity'); one column of a batched Adam run per t."""
    ts = np.asarray(ts, dtype=int)
    grads = np.zeros((ts.max(), ts.size))
    grads[ts - 1, np.arange(ts.size)] = 1.0
    return adam_steps(grads, **hyper)[ts - 1, np.arange(ts.size)]


def random_sequences_largest_step(kind: str = "normal", steps: int = 500, runs: int = 2000, seed: int = 0) -> float:
    """The largest |step| / lr of Adam (defaults) over many seeded random gradient sequences."""
    rng = np.random.default_rng(seed)
    grads = {"normal": rng.normal, "cauchy": rng.standard_cauchy}[kind](size=(steps, runs))
    return float(adam_steps(grads).max())


LARGEST_STEP_LRS = np.geomspace(1e-3, 1.0, 13)


def problems_largest_step(steps: int = 1000, lrs=LARGEST_STEP_LRS) -> dict:
    """problem -> the largest |step| / lr of Adam (defaults) over a sweep of lr."""
    lrs = np.asarray(lrs)[:, None]
    return {name: float(np.nanmax(relative_steps(run(Adam(lrs), p, steps=steps), lrs))) for name, p in PROBLEMS.items()}


def saddle_escape(lr: float = 0.01, steps: int = 300) -> dict:
    """Where Adam's largest step on the saddle happens: the step, its size / lr, and whether |dw_2| grew before it."""
    traj = run(Adam(lr), PROBLEMS["saddle"], steps=steps)
    sizes = relative_steps(traj, lr)[:, 1]
    i = int(np.argmax(sizes))
    g2 = np.abs(PROBLEMS["saddle"].grad(traj.params[:-1])[:, 1])
    return {"step": i + 1, "size": float(sizes[i]), "grad_growing": bool(np.all(np.diff(g2[: i + 1]) > 0))}


def bound_figure(horizon: int = 3000):
    """|step| / lr against t: a lone spike at step t, the worst-case sequence for step t, and the paper's bound."""
    t = np.unique(np.geomspace(1, horizon, 60).astype(int))
    fig, ax = plots.figure(width=6.4, height=3.5)
    red = plots.color_of("Adam")
    with mpl.rc_context(plots.STYLE):
        ax.semilogx(t, [worst_case_step(k) for k in t], color=red, label="worst sequence for step $t$ (exact)")
        ax.semilogx(t, spike_steps(t), color=red, linestyle="--", label="zeros, then one spike at $t$")
        ax.axhline(paper_bound(), color="black", linewidth=0.9, linestyle=":")
        ax.axhline(worst_case_limit(), color="black", linewidth=0.9, linestyle=":")
        ax.axhline(1.0, color="#888888", linewidth=0.8)
        ax.text(1.1, paper_bound() + 0.12, r"$(1-\beta_1)/\sqrt{1-\beta_2}$", fontsize=9)
        ax.text(1.1, worst_case_limit() + 0.15, "the worst case as $t$ grows", fontsize=9)
        ax.set(xlabel="step $t$", ylabel=r"largest $|\Delta w|\,/\,\alpha$ at step $t$", ylim=(0, 8))
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.85))
    return fig


# ----- memory ---------------------------------------------------------------------------------------------

MEMORY_OPTIMIZERS = {
    "GD": GD(0.1),
    "SignGD": SignGD(0.1),
    "Momentum": Momentum(0.1),
    "AdaGrad": AdaGrad(0.1),
    "RMSProp": RMSProp(0.1),
    "Lion": Lion(),
    "Adam": Adam(),
    "AMSGrad": Adam(amsgrad=True),
}


def state_counts(dim: int = 10) -> dict:
    """label -> how many arrays of the parameters' shape the optimizer's state holds, counted from init."""
    params = np.zeros(dim)
    return {label: len(state_arrays(opt.init(params))) for label, opt in MEMORY_OPTIMIZERS.items()}


def state_megabytes(arrays: int, n_params: float, bytes_per_float: int = 4) -> float:
    """Memory of the optimizer state for a model of n_params float32 parameters, in MB (1e6 bytes)."""
    return arrays * n_params * bytes_per_float / 1e6


def memory_markdown(n_params: float = 25e6) -> str:
    """state_counts as a Markdown table with the state's size for a model of n_params parameters."""
    header = ["optimizer", "state arrays per parameter array", f"state for {n_params / 1e6:g}M float32 parameters"]
    cells = [[label, k, f"{state_megabytes(k, n_params):.0f} MB"] for label, k in state_counts().items()]
    return markdown_table(header, cells, align="lrr")


def hessian_terabytes(n_params: float = 25e6, bytes_per_float: int = 4) -> float:
    """The memory of a dense n x n Hessian (what Newton's method needs), in TB (1e12 bytes)."""
    return n_params**2 * bytes_per_float / 1e12


# ----- Adam is Momentum + RMSProp, and reduces to RMSProp and SignGD ------------------------------------


def rmsprop_first_step(beta: float = BETA2, g=WORKED_GRAD, lr: float = WORKED_LR) -> np.ndarray:
    """|first step| / lr of RMSProp (no bias correction), per coordinate: about 1 / sqrt(1 - beta)."""
    opt = RMSProp(lr, beta=beta)
    w0 = np.zeros_like(np.asarray(g, dtype=np.float64))
    w1, _ = opt.update(w0, g, opt.init(w0))
    return np.abs(w1 - w0) / lr


def reduction_gaps(steps: int = 200) -> dict:
    """Largest coordinate difference over a run on Rosenbrock between Adam special cases and the older methods."""
    p = PROBLEMS["Rosenbrock"]
    pairs = {
        "rmsprop": (Adam(0.01, beta1=0.0, beta2=0.99, bias_correction=False), RMSProp(0.01, beta=0.99)),
        "signgd": (Adam(0.01, beta1=0.0, beta2=0.0, eps=0.0), SignGD(0.01)),
    }
    return {
        k: float(np.max(np.abs(run(a, p, steps=steps).params - run(b, p, steps=steps).params)))
        for k, (a, b) in pairs.items()
    }


# ----- why it is the usual first choice ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Scaled(Wrapped):
    """A problem whose loss (and gradient) is multiplied by each of `scales`: a batch of len(scales) copies.

    x has shape (len(scales), ..., dim); f(x) has shape (len(scales), ...). f_min is the unscaled one's.
    """

    scales: tuple

    @property
    def c(self) -> np.ndarray:
        return np.asarray(self.scales, dtype=np.float64)

    def f(self, x):
        x = np.asarray(x, dtype=np.float64)
        c = self.c.reshape((-1,) + (1,) * (x.ndim - 2))
        return c * (self.problem.f(x) - self.problem.f_min) + self.problem.f_min

    def grad(self, x):
        x = np.asarray(x, dtype=np.float64)
        return self.c.reshape((-1,) + (1,) * (x.ndim - 1)) * self.problem.grad(x)


# Each with its defaults: Momentum beta = 0.9, RMSProp beta = 0.99, Adam beta1 = 0.9 and beta2 = 0.999.
COMPARED = {"Momentum": Momentum, "RMSProp": RMSProp, "Adam": Adam}
SWEEP_LRS = np.geomspace(1e-4, 10.0, 21)
SCALES = (0.01, 1.0, 100.0)


def sweep(steps: int = 1000, lrs=SWEEP_LRS, scales=SCALES) -> dict:
    """problem -> method -> f - f* of the unscaled loss after `steps` steps, shape (len(scales), len(lrs))."""
    lrs = np.asarray(lrs)
    out = {}
    for name, p in PROBLEMS.items():
        family = Scaled(p, scales)
        x0 = np.broadcast_to(p.x0, (len(scales), 1, 2))
        out[name] = {}
        for label, opt_cls in COMPARED.items():
            traj = run(opt_cls(lrs[:, None]), family, x0, steps)
            gap = (traj.loss[-1] - p.f_min) / np.asarray(scales)[:, None]
            out[name][label] = np.nan_to_num(gap, nan=np.inf)
    return out


def windows(results: dict, tol: float = 1e-4) -> dict:
    """problem -> method -> how many lr of the grid end below tol at every scale at once."""
    return {
        name: {label: int(np.sum(np.all(gap < tol, axis=0))) for label, gap in methods.items()}
        for name, methods in results.items()
    }


def window_edges(results: dict, problem: str, method: str, tol: float = 1e-4) -> list[tuple[float, float] | None]:
    """Per scale, the smallest and largest lr of the grid that end below tol (None if none does)."""
    out = []
    for ok in results[problem][method] < tol:
        out.append((float(SWEEP_LRS[ok].min()), float(SWEEP_LRS[ok].max())) if ok.any() else None)
    return out


def window_figure(results: dict, tol: float = 1e-4, steps: int = 1000):
    """Per problem, the lr of the grid at which each method ends below tol, one row per loss scale."""
    fig, axes = plots.figure(ncols=3, width=3.5, height=3.3, sharey=True)
    rows = [(label, i) for label in COMPARED for i in range(len(SCALES))]
    with mpl.rc_context(plots.STYLE):
        for ax, (name, methods) in zip(axes, results.items(), strict=True):
            for y, (label, i) in enumerate(rows):
                ok = methods[label][i] < tol
                ax.plot(SWEEP_LRS, np.full(len(SWEEP_LRS), y), "|", color="#cccccc", markersize=5)
                ax.plot(SWEEP_LRS[ok], np.full(ok.sum(), y), "s", color=plots.color_of(label), markersize=5.5)
            for y in range(len(SCALES), len(rows), len(SCALES)):
                ax.axhline(y - 0.5, color="#999999", linewidth=0.6)
            ax.set_xscale("log")
            ax.set(title=name, xlabel="learning rate α", ylim=(len(rows) - 0.5, -0.5))
        axes[0].set_yticks(range(len(rows)), [f"{label}, {SCALES[i]:g}·f" for label, i in rows])
        scales = ", ".join(f"{c:g}" for c in SCALES)
        title = f"α at which $f - f^\\star <$ {tol:g} after {steps} steps, loss multiplied by {scales}"
        fig.suptitle(title, fontsize=10)
    return fig


def window_count(opt, problem: str, steps: int = 1000, tol: float = 1e-4) -> int:
    """How many lr of SWEEP_LRS end below tol on the unscaled problem; `opt` maps an lr array to an optimizer."""
    p = PROBLEMS[problem]
    traj = run(opt(SWEEP_LRS[:, None]), p, steps=steps)
    return int(np.sum(np.nan_to_num(traj.loss[-1] - p.f_min, nan=np.inf) < tol))


def relapse(opt, problem: str = "ravine", steps: int = 1000) -> dict:
    """The lowest loss gap a run reaches, the step where, and the largest gap after that step."""
    p = PROBLEMS[problem]
    gap = run(opt, p, steps=steps).loss - p.f_min
    i = int(np.argmin(gap))
    return {"low": float(gap[i]), "step": i, "high_after": float(np.max(gap[i:]))}


def shared_lr_runs(lr: float = 0.1, steps: int = 300) -> dict:
    """problem -> method -> Trajectory, every method at the same lr."""
    return {
        name: {label: run(opt_cls(lr), p, steps=steps) for label, opt_cls in COMPARED.items()}
        for name, p in PROBLEMS.items()
    }


def escape_step(traj, level: float = 0.5) -> int:
    """The first step at which |w_2| exceeds `level` (leaving the saddle's ridge w_2 = 0); -1 if never."""
    above = np.abs(traj.params[:, 1]) > level
    return int(np.argmax(above)) if above.any() else -1


def paths_figure(runs: dict, lr: float = 0.1):
    """The three methods at one shared lr on each problem (a method that diverges leaves the picture)."""
    fig, axes = plots.figure(ncols=3, width=3.6, height=3.2)
    for ax, (name, paths) in zip(axes, runs.items(), strict=True):
        plots.trajectories(PROBLEMS[name], paths, ax=ax)
        steps = len(next(iter(paths.values())).loss) - 1
        ax.set_title(f"{name}, α = {lr:g}, {steps} steps")
        if ax is not axes[0]:
            ax.get_legend().remove()
    return fig


# ----- the playground --------------------------------------------------------------------------------


PLAYGROUND_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
PLAYGROUND_BETA1 = (0.0, 0.5, 0.9, 0.99)
PLAYGROUND_BETA2 = (0.9, 0.99, 0.999)


def readout(lr, beta1, beta2) -> str:
    """Adam's two memories and its step bounds at these betas, under the playground."""
    limit = worst_case_limit(beta1, beta2)
    worst = f"{limit:.2f}α" if np.isfinite(limit) else "unbounded (β₁² ≥ β₂)"
    return (
        f"memories 1/(1-β₁) = {1 / (1 - beta1):.0f} and 1/(1-β₂) = {1 / (1 - beta2):.0f} steps; "
        f"a lone gradient spike moves w by up to {paper_bound(beta1, beta2):.2f}α = "
        f"{lr * paper_bound(beta1, beta2):.3g}; the worst sequence of gradients, by {worst}"
    )


@register("adam")
def playground() -> Playground:
    return Playground(
        "adam",
        Rosenbrock(),  # a run thrown far out stops once its loss passes run()'s 1e30 bound
        {
            "Momentum": lambda lr, beta1: Momentum(lr, beta=beta1),
            "RMSProp": lambda lr, beta2: RMSProp(lr, beta=beta2),
            "Adam": lambda lr, beta1, beta2: Adam(lr, beta1=beta1, beta2=beta2),
        },
        [
            Slider("lr", PLAYGROUND_LRS, 0.3, label="α (learning rate)"),
            Slider("beta1", PLAYGROUND_BETA1, BETA1, label="β₁ (Momentum's β)"),
            Slider("beta2", PLAYGROUND_BETA2, BETA2, label="β₂ (RMSProp's β)"),
            Slider("steps", (25, 50, 100, 200, 300), 300, label="steps", fmt=".0f"),
        ],
        steps=300,
        readout=readout,
        caption="Momentum (β = β₁), RMSProp (β = β₂) and Adam (β₁, β₂) with the same α on the Rosenbrock valley",
    )
