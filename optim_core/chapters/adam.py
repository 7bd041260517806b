"""Chapter "Adam": the experiments behind its numbers and its playground.

Adam (Kingma & Ba, 2015) is Momentum's EMA of dw (m_t) divided by RMSProp's root EMA of dw^2 (v_t),
both bias-corrected. Claims computed here: Adam reduces exactly to RMSProp and to SignGD; its first step is
-lr sign(dw) with the correction and 3.16 times longer without; the uncorrected steps stay too long for
thousands of steps; a step is usually at most about lr, a lone spike gives the paper's factor and a steadily
growing gradient the exact worst case; the state is two arrays; and over a sweep of lr on three surfaces
and three loss scales, Adam's good learning rates do not move with the scale while Momentum's do.
"""

from __future__ import annotations

from functools import cache, partial

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, Lion, Momentum, RMSProp, SignGD, plots, run, theory
from optim_core.base import state_count
from optim_core.chapters import register
from optim_core.ema import effective_memory
from optim_core.measure import steps_until_below
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, SADDLE, SURFACES, Scaled
from optim_core.tables import markdown_table
from optim_core.tuning import gap_at, sweep

BETA1, BETA2 = 0.9, 0.999  # Kingma & Ba's defaults (also optim_core's)
PROBLEMS = {"ravine": RAVINE, "Rosenbrock": SURFACES["rosenbrock"], "saddle": SADDLE}  # the prose's names
WORKED_GRAD, WORKED_LR = np.array([0.3, -2.0]), 0.01
EARLY_LR, EARLY_STEPS = 0.05, 20
EARLY_LABELS = ("Adam", "Adam (no bias correction)")
# Adam's red for the corrected run, a paler red (dashed) for the uncorrected one
EARLY_STYLES = ({"color": plots.color_of("Adam"), "zorder": 3}, {"color": "#f4a09a", "linestyle": "--"})
LARGEST_STEP_LRS = np.geomspace(1e-3, 1.0, 13)
MEMORY_OPTIMIZERS = {cls.__name__: cls(0.1) for cls in (GD, SignGD, Momentum, AdaGrad, RMSProp)}
MEMORY_OPTIMIZERS.update(Lion=Lion(), Adam=Adam(), AMSGrad=Adam(amsgrad=True))
N_PARAMS = 25e6  # the model whose optimizer memory the prose counts
# Each with its defaults: Momentum beta = 0.9, RMSProp beta = 0.99, Adam beta1 = 0.9 and beta2 = 0.999.
COMPARED = {"Momentum": Momentum, "RMSProp": RMSProp, "Adam": Adam}
SWEEP_LRS = np.geomspace(1e-4, 10.0, 21)
SCALES = (0.01, 1.0, 100.0)
SWEEP_STEPS, SWEEP_TOL = 1000, 1e-4
SHARED_LR, SHARED_STEPS = 0.1, 300
PLAYGROUND_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
PLAYGROUND_BETA1 = (0.0, 0.5, 0.9, 0.99)
PLAYGROUND_BETA2 = (0.9, 0.99, 0.999)

# ----- one step by hand, and bias correction -----------------------------------------------------------------


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


def ratio_peak(horizon: int = 10_000) -> tuple[int, float]:
    """(t, ratio) where the uncorrected / corrected step of a constant gradient is largest (default betas)."""
    t = np.arange(1, horizon + 1)
    r = theory.adam_uncorrected_ratio(t, BETA1, BETA2)
    return int(t[np.argmax(r)]), float(r.max())


def steps_until_ratio_below(level: float, horizon: int = 100_000) -> int:
    """The step t from which that ratio stays below `level` (it decreases after its peak)."""
    ratios = theory.adam_uncorrected_ratio(np.arange(1, horizon + 1), BETA1, BETA2)
    return int(steps_until_below(ratios, level)) + 1  # t starts at 1


def early_runs(lr: float = EARLY_LR, steps: int = EARLY_STEPS, problem=RAVINE) -> dict:
    """Adam with and without bias correction for the first steps, label -> Trajectory."""
    return {label: run(Adam(lr, bias_correction=i == 0), problem, steps=steps) for i, label in enumerate(EARLY_LABELS)}


def relative_steps(traj, lr) -> np.ndarray:
    """|w_t - w_{t-1}| / lr per step and coordinate, shape (steps, ..., dim)."""
    return np.abs(np.diff(traj.params, axis=0)) / lr


# ----- how big can a step be? -----------------------------------------------------------------------------------


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


def problems_largest_step(steps: int = 1000, lrs=LARGEST_STEP_LRS) -> dict:
    """problem -> the largest |step| / lr of Adam (defaults) over a batched run of every lr of `lrs`."""
    lrs = np.asarray(lrs)[:, None]
    return {name: float(np.nanmax(relative_steps(run(Adam(lrs), p, steps=steps), lrs))) for name, p in PROBLEMS.items()}


def saddle_escape(lr: float = 0.01, steps: int = 300) -> dict:
    """Where Adam's largest step on the saddle happens: the step, its size / lr, and whether |dw_2| grew before it."""
    traj = run(Adam(lr), SADDLE, steps=steps)
    sizes = relative_steps(traj, lr)[:, 1]
    i = int(np.argmax(sizes))
    g2 = np.abs(SADDLE.grad(traj.params[:-1])[:, 1])
    return {"step": i + 1, "size": float(sizes[i]), "grad_growing": bool(np.all(np.diff(g2[: i + 1]) > 0))}


# ----- memory, and the reductions to RMSProp and SignGD ----------------------------------------------------------


def state_megabytes(arrays: int, n_params: float, bytes_per_float: int = 4) -> float:
    """Memory of the optimizer state for a model of n_params float32 parameters, in MB (1e6 bytes)."""
    return arrays * n_params * bytes_per_float / 1e6


def memory_markdown(n_params: float = N_PARAMS) -> str:
    """How many parameter-sized arrays each optimizer keeps, and their size for n_params parameters."""
    header = ["optimizer", "state arrays per parameter array", f"state for {n_params / 1e6:g}M float32 parameters"]
    counts = {label: state_count(opt) for label, opt in MEMORY_OPTIMIZERS.items()}
    cells = [[label, k, f"{state_megabytes(k, n_params):.0f} MB"] for label, k in counts.items()]
    return markdown_table(header, cells, align="lrr")


def hessian_terabytes(n_params: float, bytes_per_float: int = 4) -> float:
    """The memory of a dense n x n Hessian (what Newton's method needs), in TB (1e12 bytes)."""
    return n_params**2 * bytes_per_float / 1e12


def rmsprop_first_step(beta: float, g=WORKED_GRAD, lr: float = WORKED_LR) -> np.ndarray:
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


# ----- why it is the usual first choice: the scale of the loss -------------------------------------------------------


def unscaled_gap(traj, family) -> np.ndarray:
    """Criterion: f - f* of the unscaled loss after the last step (the runs record the scaled loss)."""
    return gap_at()(traj, family) / family.loss_scale


@cache
def scale_sweeps(steps: int = SWEEP_STEPS) -> dict:
    """problem -> method -> Sweep over (loss scale, lr) of SCALES x SWEEP_LRS, scored by unscaled_gap."""
    return {
        name: {
            label: sweep(opt_cls, partial(Scaled, p), steps, unscaled_gap, scale=SCALES, lr=SWEEP_LRS)
            for label, opt_cls in COMPARED.items()
        }
        for name, p in PROBLEMS.items()
    }


def windows(tol: float = SWEEP_TOL) -> dict:
    """problem -> method -> how many lr of the grid end below tol at every scale at once."""
    return {
        name: {label: int(np.sum(np.all(s.scores < tol, axis=0))) for label, s in methods.items()}
        for name, methods in scale_sweeps().items()
    }


def window_edges(problem: str, method: str, tol: float = SWEEP_TOL) -> list[tuple[float, float] | None]:
    """Per scale, the smallest and largest lr of the grid that end below tol (None if none does)."""
    s = scale_sweeps()[problem][method]
    lrs = s.axes["lr"]
    return [(float(lrs[ok].min()), float(lrs[ok].max())) if ok.any() else None for ok in s.scores < tol]


def window_count(make, problem: str, steps: int = SWEEP_STEPS, tol: float = SWEEP_TOL) -> int:
    """How many lr of SWEEP_LRS end below tol on the unscaled problem; `make` maps lr to an optimizer."""
    return int(np.count_nonzero(sweep(make, PROBLEMS[problem], steps, gap_at(), lr=SWEEP_LRS).scores < tol))


def relapse(opt, problem: str = "ravine", steps: int = SWEEP_STEPS) -> dict:
    """The lowest loss gap a run reaches, the step where, and the largest gap after that step."""
    p = PROBLEMS[problem]
    gap = run(opt, p, steps=steps).loss - p.f_min
    i = int(np.argmin(gap))
    return {"low": float(gap[i]), "step": i, "high_after": float(np.max(gap[i:]))}


@cache
def shared_lr_runs(lr: float = SHARED_LR, steps: int = SHARED_STEPS) -> dict:
    """problem -> method -> Trajectory, every method at the same lr."""
    return {
        name: {label: run(opt_cls(lr), p, steps=steps) for label, opt_cls in COMPARED.items()}
        for name, p in PROBLEMS.items()
    }


def escape_step(traj, level: float = 0.5) -> int:
    """The first step at which |w_2| exceeds `level` (leaving the saddle's ridge w_2 = 0); -1 if never."""
    above = np.abs(traj.params[:, 1]) > level
    return int(np.argmax(above)) if above.any() else -1


# ----- figures ---------------------------------------------------------------------------------------------------


def early_figure(lr: float = EARLY_LR, steps: int = EARLY_STEPS):
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
        ratio, ratio_label = theory.adam_uncorrected_ratio(t, BETA1, BETA2), r"$(1-\beta_1^t)/\sqrt{1-\beta_2^t}$"
        b.plot(t, ratio, color="black", linewidth=1.0, linestyle=":", label=ratio_label)
        a.legend(loc="upper right")
        a.set_title(f"first {steps} steps, α = {lr:g}")
        b.set(xlabel="step $t$", ylabel=r"$|\Delta w_1| \,/\, \alpha$", ylim=(0, 7.5), xlim=(0, steps + 1))
        b.legend(loc="lower right")
    return fig


def bound_figure(horizon: int = 3000):
    """|step| / lr against t: a lone spike at step t, the worst-case sequence for step t, and the paper's bound."""
    t = np.unique(np.geomspace(1, horizon, 60).astype(int))
    fig, ax = plots.figure(width=6.4, height=3.5)
    red = plots.color_of("Adam")
    with mpl.rc_context(plots.STYLE):
        worst = [theory.adam_worst_step(k, BETA1, BETA2) for k in t]
        ax.semilogx(t, worst, color=red, label="worst sequence for step $t$ (exact)")
        ax.semilogx(t, spike_steps(t), color=red, linestyle="--", label="zeros, then one spike at $t$")
        bound, limit = theory.adam_spike_bound(BETA1, BETA2), theory.adam_worst_step_limit(BETA1, BETA2)
        ax.axhline(bound, color="black", linewidth=0.9, linestyle=":")
        ax.axhline(limit, color="black", linewidth=0.9, linestyle=":")
        ax.axhline(1.0, color="#888888", linewidth=0.8)
        ax.text(1.1, bound + 0.12, r"$(1-\beta_1)/\sqrt{1-\beta_2}$", fontsize=9)
        ax.text(1.1, limit + 0.15, "the worst case as $t$ grows", fontsize=9)
        ax.set(xlabel="step $t$", ylabel=r"largest $|\Delta w|\,/\,\alpha$ at step $t$", ylim=(0, 8))
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.85))
    return fig


def window_figure(tol: float = SWEEP_TOL, steps: int = SWEEP_STEPS):
    """Per problem, the lr of the grid at which each method ends below tol, one row per loss scale."""
    fig, axes = plots.figure(ncols=3, width=3.5, height=3.3, sharey=True)
    rows = [(label, i) for label in COMPARED for i in range(len(SCALES))]
    with mpl.rc_context(plots.STYLE):
        for ax, (name, methods) in zip(axes, scale_sweeps(steps).items(), strict=True):
            for y, (label, i) in enumerate(rows):
                ok = methods[label].scores[i] < tol
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


def paths_figure(lr: float = SHARED_LR, steps: int = SHARED_STEPS):
    """The three methods at one shared lr on each problem (a method that diverges leaves the picture)."""
    fig, axes = plots.figure(ncols=3, width=3.6, height=3.2)
    for ax, (name, paths) in zip(axes, shared_lr_runs(lr, steps).items(), strict=True):
        plots.trajectories(PROBLEMS[name], paths, ax=ax)
        ax.set_title(f"{name}, α = {lr:g}, {steps} steps")
        if ax is not axes[0]:
            ax.get_legend().remove()
    return fig


# ----- the numbers the prose quotes ---------------------------------------------------------------------------------


def numbers() -> dict:
    peak_t, peak_ratio = ratio_peak()
    early = {label: float(relative_steps(traj, EARLY_LR)[:, 0].max()) for label, traj in early_runs().items()}
    default = Adam()
    escape = saddle_escape()
    counts = {label: state_count(opt) for label, opt in MEMORY_OPTIMIZERS.items()}
    edges = window_edges("ravine", "Momentum")
    relapsed = relapse(RMSProp(0.1))
    shared = shared_lr_runs()
    rosen = shared["Rosenbrock"]
    worst_200 = theory.adam_worst_gradients(200, BETA1, BETA2)[:, None]  # one sequence of 200 gradients
    return {
        **{f"gap_{k}": v for k, v in reduction_gaps().items()},
        "ratio_measured": float(np.mean(np.abs(first_step(bias_correction=False)["step"] / first_step()["step"]))),
        "ratio_predicted": theory.adam_spike_bound(BETA1, BETA2),
        "peak_t": peak_t,
        "peak_ratio": peak_ratio,
        "ratio_100": float(theory.adam_uncorrected_ratio(100, BETA1, BETA2)),
        "ratio_1000": float(theory.adam_uncorrected_ratio(1000, BETA1, BETA2)),
        "below_110": steps_until_ratio_below(1.1),
        "below_101": steps_until_ratio_below(1.01),
        "early_max_corrected": early[EARLY_LABELS[0]],
        "early_max_plain": early[EARLY_LABELS[1]],
        **{f"d_{name}": float(getattr(default, name)) for name in ("beta1", "beta2", "eps", "lr")},
        "mem_1": float(effective_memory(default.beta1)),
        "mem_2": float(effective_memory(default.beta2)),
        "eps_step": float(np.abs(first_step(np.array([1e-9, 1e-9]), lr=1.0)["step"][0])),
        **{f"largest_{name}": v for name, v in problems_largest_step().items()},
        "largest_normal": random_sequences_largest_step("normal"),
        "largest_cauchy": random_sequences_largest_step("cauchy"),
        "escape_size": escape["size"],
        "escape_step": escape["step"],
        "paper_bound": theory.adam_spike_bound(BETA1, BETA2),
        "worst_limit": theory.adam_worst_step_limit(BETA1, BETA2),
        "growth": BETA2 / BETA1,
        "worst_200": theory.adam_worst_step(200, BETA1, BETA2),
        "worst_200_measured": float(adam_steps(worst_200, eps=0.0)[-1, 0]),
        "spike_10000": float(spike_steps([10_000])[0]),
        "adam_arrays": counts["Adam"],
        "amsgrad_arrays": counts["AMSGrad"],
        "hessian_tb": hessian_terabytes(N_PARAMS),
        "adam_mb": state_megabytes(counts["Adam"], N_PARAMS),
        **{f"total_{name}": counts[name] + 2 for name in ("GD", "Momentum", "Adam")},  # + weights and gradient
        **{f"win_{p}_{m}": n for p, methods in windows().items() for m, n in methods.items()},
        "mom_lo_1": edges[1][0],
        "mom_hi_1": edges[1][1],
        "mom_lo_100": edges[2][0],
        "mom_hi_100": edges[2][1],
        "win_rosen_beta1_0": window_count(lambda lr: Adam(lr, beta1=0.0), "Rosenbrock"),
        "relapse_low": relapsed["low"],
        "relapse_step": relapsed["step"],
        "relapse_high": relapsed["high_after"],
        **{f"escape_{label}": escape_step(traj) for label, traj in shared["saddle"].items()},
        "mom_rosen_diverged": rosen["Momentum"].diverged_at,
        "rosen_final_RMSProp": float(rosen["RMSProp"].loss[-1]),
        "rosen_final_Adam": float(rosen["Adam"].loss[-1]),
        "adam_rosen_end": str(tuple(round(float(x), 2) for x in rosen["Adam"].params[-1])),
        "rmsprop_first": float(rmsprop_first_step(0.999).mean()),
        "ex1_a": theory.adam_spike_bound(0.5, 0.9),
        "ex1_b": theory.adam_spike_bound(0.9, 0.99),
        "ex3_worst_100": theory.adam_worst_step(100, 0.99, 0.9),
        "ex3_worst_1000": theory.adam_worst_step(1000, 0.99, 0.9),
    }


# ----- the playground ----------------------------------------------------------------------------------------------


def readout(lr, beta1, beta2) -> str:
    """Adam's two memories and its step bounds at these betas, under the playground."""
    limit, bound = theory.adam_worst_step_limit(beta1, beta2), theory.adam_spike_bound(beta1, beta2)
    worst = f"{limit:.2f}α" if np.isfinite(limit) else "unbounded (β₁² ≥ β₂)"
    return (
        f"memories 1/(1-β₁) = {1 / (1 - beta1):.0f} and 1/(1-β₂) = {1 / (1 - beta2):.0f} steps; "
        f"a lone gradient spike moves w by up to {bound:.2f}α = {lr * bound:.3g}; the worst sequence of gradients, "
        f"by {worst}"
    )


@register("adam")
def playground() -> Playground:
    return Playground(
        "adam",
        SURFACES["rosenbrock"],  # a run thrown far out stops once its loss passes run()'s 1e30 bound
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
