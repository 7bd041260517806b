"""Chapter "Adam": the experiments behind its numbers and its playground.

Adam (Kingma & Ba, 2015) is Momentum's EMA of dw (m_t) over RMSProp's root EMA of dw^2 (v_t), both bias-corrected.
Claims computed here: the exact reductions to RMSProp and SignGD, and the limit eps -> inf (Momentum); the
first steps with and without bias correction; how long a step can be (surfaces, turned surfaces, noise, spikes,
the worst case); the state's memory; the loss-scale windows of lr; the saddle escape, with the ridge on a
coordinate axis and turned by 45 degrees; and Adam's relapse on the ravine after about 7000 steps.
"""

from __future__ import annotations

from functools import cache, partial

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, Lion, Momentum, RMSProp, SignGD, measure, plots, run, theory
from optim_core.base import state_count
from optim_core.chapters import register
from optim_core.ema import effective_memory
from optim_core.playground import Playground, Slider
from optim_core.problems import RAVINE, SADDLE, SURFACES, NoisyQuadratic, Scaled, Turned
from optim_core.schedules import cosine
from optim_core.tables import markdown_table
from optim_core.tuning import gap_at, sweep, unscaled_gap_at, window_edges

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
TURN, TURNED = 45, "saddle turned 45°"  # degrees: the saddle's ridge then lies along neither coordinate
SHOWN = {**PROBLEMS, TURNED: Turned(SADDLE, TURN)}
ESCAPERS = {"GD": GD, **COMPARED}
ESCAPE_LEVEL = 0.5
LONG_STEPS = 10_000
LONG_EPS = np.array([1e-8, 1e-3, 1e-2])[:, None]  # the default, and the two sides of alpha / eps = STABLE_ETA
STABLE_ETA = theory.momentum_stable_lr(RAVINE.L, BETA1) / (1 - BETA1)  # EMA-form Momentum's limit on curvature L
NOISE_SIGMAS = np.geomspace(0.1, 100.0, 7)  # the noise's standard deviation, with E[dw] = 1
NOISE_STEPS, NOISE_LATE, NOISE_SEEDS = 300, 200, 400
LIMIT_EPS, LIMIT_C, LIMIT_STEPS = np.array([1.0, 1e1, 1e2, 1e3, 1e4, 1e5]), 1.0, 100
EPS_HAT = 1e-7  # Keras' default, an eps_hat
PLAYGROUND_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
PLAYGROUND_BETA1 = (0.0, 0.5, 0.9, 0.99)
PLAYGROUND_BETA2 = (0.9, 0.99, 0.999)

# ----- one step by hand, and bias correction -----------------------------------------------------------------


def first_step(g=WORKED_GRAD, lr: float = WORKED_LR, bias_correction: bool = True, **hyper) -> dict:
    """Adam's first step from w = 0: the state after it and the step, from Adam.update itself."""
    step, state = measure.first_step(Adam(lr, bias_correction=bias_correction, **hyper), g)
    return {"m": state.m, "v": state.v, "step": step}


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


def early_runs(lr: float = EARLY_LR, steps: int = EARLY_STEPS, problem=RAVINE) -> dict:
    """Adam with and without bias correction for the first steps, label -> Trajectory."""
    return {label: run(Adam(lr, bias_correction=i == 0), problem, steps=steps) for i, label in enumerate(EARLY_LABELS)}


# ----- how big can a step be? -----------------------------------------------------------------------------------


def random_sequences_largest_step(kind: str = "normal", steps: int = 500, runs: int = 2000, seed: int = 0) -> float:
    """The largest |step| / lr of Adam (defaults) over many seeded random gradient sequences."""
    rng = np.random.default_rng(seed)
    grads = {"normal": rng.normal, "cauchy": rng.standard_cauchy}[kind](size=(steps, runs))
    return float(measure.replayed_steps(Adam(1.0), grads).max())


def problems_largest_step(steps: int = 1000, lrs=LARGEST_STEP_LRS) -> dict:
    """problem -> the largest |step| / lr of Adam (defaults) over a batched run of every lr of `lrs`, on each
    problem and on it turned by TURN degrees ('<name>_turned')."""
    lrs = np.asarray(lrs)[:, None]
    problems = {**PROBLEMS, **{f"{name}_turned": Turned(p, TURN) for name, p in PROBLEMS.items()}}
    return {name: measure.largest_relative_step(Adam(lrs), p, steps) for name, p in problems.items()}


@cache
def noisy_steps(sigmas=tuple(NOISE_SIGMAS), steps: int = NOISE_STEPS, late: int = NOISE_LATE) -> dict:
    """beta1 -> (mean, standard error) over NOISE_SEEDS seeds of the RMS of |step| / lr in steps late+1..steps, per
    noise level: Adam fed the gradients of a NoisyQuadratic held where E[dw] = 1, coordinate i with noise sigma_i."""
    dim, seeds = len(sigmas), np.arange(NOISE_SEEDS)[:, None]
    p = NoisyQuadratic(np.ones(dim), sigmas, seed=seeds, x0=np.ones(dim))
    return {
        b1: measure.rms_step_at(Adam(1.0, beta1=b1), p, np.ones((NOISE_SEEDS, dim)), steps, late) for b1 in (BETA1, 0.0)
    }


def saddle_escape(lr: float = 0.01, steps: int = 300) -> dict:
    """Where Adam's largest step on the saddle happens: the step, its size / lr, and whether |dw_2| grew before it."""
    traj = run(Adam(lr), SADDLE, steps=steps)
    sizes = measure.step_lengths(traj, lr)[:, 1]
    i = int(np.argmax(sizes))
    g2 = np.abs(SADDLE.grad(traj.params[:-1])[:, 1])
    return {"step": i + 1, "size": float(sizes[i]), "grad_growing": bool(np.all(np.diff(g2[: i + 1]) > 0))}


# ----- memory, and the reductions to RMSProp and SignGD ----------------------------------------------------------


def reduction_gaps(steps: int = 200) -> dict:
    """Largest coordinate difference over a run on Rosenbrock between Adam special cases and the older methods."""
    p = PROBLEMS["Rosenbrock"]
    pairs = {
        "rmsprop": (Adam(0.01, beta1=0.0, beta2=0.99, bias_correction=False), RMSProp(0.01, beta=0.99)),
        "signgd": (Adam(0.01, beta1=0.0, beta2=0.0, eps=0.0), SignGD(0.01)),
    }
    return {k: measure.path_gap(a, b, p, steps) for k, (a, b) in pairs.items()}


# ----- why it is the usual first choice: the scale of the loss -------------------------------------------------------


@cache
def scale_sweeps(steps: int = SWEEP_STEPS) -> dict:
    """problem -> method -> Sweep over (loss scale, lr) of SCALES x SWEEP_LRS, scored by unscaled_gap."""
    return {
        name: {
            label: sweep(opt_cls, partial(Scaled, p), steps, unscaled_gap_at(), scale=SCALES, lr=SWEEP_LRS)
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


def window_count(make, problem: str, steps: int = SWEEP_STEPS, tol: float = SWEEP_TOL) -> int:
    """How many lr of SWEEP_LRS end below tol on the unscaled problem; `make` maps lr to an optimizer."""
    return int(np.count_nonzero(sweep(make, PROBLEMS[problem], steps, gap_at(), lr=SWEEP_LRS).scores < tol))


@cache
def shared_lr_runs(lr: float = SHARED_LR, steps: int = SHARED_STEPS) -> dict:
    """problem -> method -> Trajectory: GD and COMPARED at the same lr on PROBLEMS and on the turned saddle."""
    return {name: {label: run(cls(lr), p, steps=steps) for label, cls in ESCAPERS.items()} for name, p in SHOWN.items()}


def escapes(level: float = ESCAPE_LEVEL) -> dict:
    """saddle -> method -> the first step with |u_2| > level, u the saddle's own coordinates (inf: never)."""
    own = {"saddle": np.asarray, TURNED: SHOWN[TURNED].own}
    runs = shared_lr_runs()
    return {
        name: {k: measure.first_step_above(f(t.params)[:, 1], level) for k, t in runs[name].items()}
        for name, f in own.items()
    }


# ----- over a longer horizon: the relapse, and a decaying lr ----------------------------------------------------


@cache
def long_runs(lr: float = SHARED_LR, steps: int = LONG_STEPS) -> dict:
    """label -> (Trajectory, eta_t) on the ravine: Adam at a constant lr (one run per eps of LONG_EPS), and Adam
    (default eps) with a cosine decay of lr over the run."""
    out = {}
    for label, opt in (("Adam (constant α)", Adam(lr, eps=LONG_EPS)), ("cosine decay of α", Adam(cosine(lr, steps)))):
        traj = run(opt, RAVINE, steps=steps)
        out[label] = (traj, measure.adam_effective_lr(opt, RAVINE, traj))
    return out


# ----- eps: TensorFlow's eps_hat, and the limit of a large eps ------------------------------------------------------


def eps_limit_gaps(bias_correction: bool = True, c: float = LIMIT_C, eps=LIMIT_EPS, steps: int = LIMIT_STEPS):
    """Per eps, the largest coordinate gap over a run on the ravine between Adam(lr = c eps, eps) and Momentum in
    EMA form with beta = beta1 and rate c / (1 - beta1^t) (with bias correction) or c (without)."""
    e = np.asarray(eps, dtype=np.float64)[:, None]
    momentum = Momentum((lambda t: c / (1 - BETA1**t)) if bias_correction else c, beta=BETA1)
    return measure.path_gap(Adam(c * e, eps=e, bias_correction=bias_correction), momentum, RAVINE, steps)


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
            b.plot(t, measure.step_lengths(runs[label], lr)[:, 0], marker="o", markersize=3.5, label=label, **style)
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
        ax.semilogx(
            t, measure.spike_steps(Adam(1.0), t), color=red, linestyle="--", label="zeros, then one spike at $t$"
        )
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
    for ax, (name, sweeps) in zip(axes, scale_sweeps(steps).items(), strict=True):
        marks = [(sweeps[label].scores[i] < tol, plots.color_of(label)) for label, i in rows]
        plots.lr_windows(ax, SWEEP_LRS, marks, every=len(SCALES)).set_title(name)
    with mpl.rc_context(plots.STYLE):
        axes[0].set_yticks(range(len(rows)), [f"{label}, {SCALES[i]:g}·f" for label, i in rows])
        scales = ", ".join(f"{c:g}" for c in SCALES)
        fig.suptitle(
            f"α at which $f - f^\\star <$ {tol:g} after {steps} steps, loss multiplied by {scales}", fontsize=10
        )
    return fig


def paths_figure(lr: float = SHARED_LR, steps: int = SHARED_STEPS):
    """Momentum, RMSProp and Adam at one lr on each problem and the turned saddle (a diverged run leaves the plot)."""
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.4, height=3.3)
    for ax, (name, runs) in zip(axes, shared_lr_runs(lr, steps).items(), strict=True):
        plots.trajectories(SHOWN[name], {k: runs[k] for k in COMPARED}, ax=ax)
        ax.set_title(f"{name}, α = {lr:g}, {steps} steps")
        if ax is not axes[0]:
            ax.get_legend().remove()
    return fig


def noisy_figure():
    """The RMS of |step| / lr against the noise level: measured over seeds (dots) and predicted (dashed)."""
    fig, ax = plots.figure(width=6.0, height=3.4)
    for b1, (mean, se) in noisy_steps().items():
        predicted = theory.adam_noisy_rms_step(1.0, NOISE_SIGMAS, b1)
        color = plots.color_of("Adam" if b1 else "RMSProp")
        plots.measured(ax, NOISE_SIGMAS, mean, se, predicted, color, label=f"β₁ = {b1:g}")
    with mpl.rc_context(plots.STYLE):
        ax.set_xscale("log")
        ax.set(xlabel=r"noise $\sigma$, with $E[dw] = 1$", ylabel=r"RMS of $|\Delta w|\,/\,\alpha$", ylim=(0, 1.1))
        ax.legend(loc="lower left")
    return fig


def relapse_figure():
    """Left: Adam's distance to the minimum of the ravine, constant lr (default eps) and cosine decay. Right: eta_t
    along the steep coordinate w_2, and the largest eta at which the steep direction is stable (dotted)."""
    runs = {
        label: (traj.params.reshape(len(traj.params), -1, 2)[:, 0], eta) for label, (traj, eta) in long_runs().items()
    }
    fig, (a, b) = plots.figure(ncols=2, width=4.6, height=3.4)
    dist = {k: measure.distance(w, RAVINE.minimum)[1:] for k, (w, _) in runs.items()}
    plots.series(dist, ax=a, log=True, ylabel=r"$\|w_t - w^\star\|$")
    plots.series({k: eta.reshape(len(eta), -1, 2)[:, 0, 1] for k, (_, eta) in runs.items()}, ax=b, log=True)
    with mpl.rc_context(plots.STYLE):
        b.axhline(STABLE_ETA, color="black", linestyle=":", linewidth=1.0)
        b.text(200, STABLE_ETA * 1.2, f"stable while $\\eta_t <$ {STABLE_ETA:.3g}", fontsize=9)
        b.set(ylabel=r"$\eta_t = \alpha_t/(\sqrt{\hat v_t}+\varepsilon)$ along $w_2$")
    return fig


# ----- the numbers the prose quotes ---------------------------------------------------------------------------------


def numbers() -> dict:
    peak_t, peak_ratio = theory.adam_uncorrected_peak(BETA1, BETA2)
    early = {label: float(measure.step_lengths(traj, EARLY_LR)[:, 0].max()) for label, traj in early_runs().items()}
    default = Adam()
    escape = saddle_escape()
    counts = {label: state_count(opt) for label, opt in MEMORY_OPTIMIZERS.items()}
    edges = window_edges(scale_sweeps()["ravine"]["Momentum"], SWEEP_TOL)
    relapsed = measure.relapse(run(RMSProp(0.1), RAVINE, steps=SWEEP_STEPS).loss - RAVINE.f_min)
    esc, noisy = escapes(), noisy_steps()
    (const, eta), (decayed, eta_cos) = long_runs().values()
    gap = const.loss[:, 0] - RAVINE.f_min  # the default eps
    lapse, lapse_3 = (measure.relapse(const.loss[:, k] - RAVINE.f_min) for k in (0, 1))
    dist_cos = measure.distance(decayed.params, RAVINE.minimum)
    limit, plain = eps_limit_gaps(), eps_limit_gaps(bias_correction=False)
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
        "below_110": theory.adam_uncorrected_settles(1.1, BETA1, BETA2),
        "below_101": theory.adam_uncorrected_settles(1.01, BETA1, BETA2),
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
        "worst_200_measured": float(measure.replayed_steps(Adam(1.0, eps=0.0), worst_200)[-1, 0]),
        "spike_10000": float(measure.spike_steps(Adam(1.0), [10_000])[0]),
        "adam_arrays": counts["Adam"],
        "amsgrad_arrays": counts["AMSGrad"],
        "hessian_tb": N_PARAMS**2 * 4 / 1e12,  # a dense n x n Hessian of float32, in TB
        "adam_mb": counts["Adam"] * N_PARAMS * 4 / 1e6,  # float32, in MB
        **{f"total_{name}": counts[name] + 2 for name in ("GD", "Momentum", "Adam")},  # + weights and gradient
        **{f"win_{p}_{m}": n for p, methods in windows().items() for m, n in methods.items()},
        "mom_lo_1": edges[1][0],
        "mom_hi_1": edges[1][1],
        "mom_lo_100": edges[2][0],
        "mom_hi_100": edges[2][1],
        "win_rosen_beta1_0": window_count(lambda lr: Adam(lr, beta1=0.0), "Rosenbrock"),
        "relapse_low": relapsed["low"],
        "relapse_step": relapsed["low_at"],
        "relapse_high": relapsed["high_after"],
        **{f"escape_{label}": int(t) for label, t in esc["saddle"].items()},
        **{f"turned_escape_{label}": int(t) for label, t in esc[TURNED].items()},
        "long_gap_1000": float(gap[1000]),
        "long_gap_6000": float(gap[6000]),
        "long_low": lapse["low"],
        "long_low_step": lapse["low_at"],
        "long_peak": lapse["high_after"],
        "long_peak_step": lapse["high_at"],
        "long_cross": int(measure.first_step_above(eta[:, 0, 1], STABLE_ETA)) + 1,  # eta_t is for steps 1..T
        "stable_eta": float(STABLE_ETA),
        "eta_growth": float(eta[6000, 0, 1] / eta[5999, 0, 1]),
        "eta_growth_predicted": float(1 / np.sqrt(BETA2)),
        "eps3_peak_step": lapse_3["high_at"],
        "eps3_peak": lapse_3["high_after"],
        "eps2_eta_max": float(eta[:, 2, 1].max()),  # eps = 1e-2
        "cos_eta_max": float(eta_cos[:, 1].max()),
        "cos_dist_end": float(dist_cos[-1]),
        "noisy_1": float(noisy[BETA1][0][2]),  # NOISE_SIGMAS[2] = 1
        "noisy_1_predicted": float(theory.adam_noisy_rms_step(1.0, 1.0, BETA1)),
        "noisy_100": float(noisy[BETA1][0][-1]),
        "noise_floor": float(np.sqrt((1 - BETA1) / (1 + BETA1))),
        "noisy_100_beta1_0": float(noisy[0.0][0][-1]),
        "tf_eps_1": float(theory.adam_eps_from_eps_hat(EPS_HAT, BETA2, 1)),
        "tf_eps_1000": float(theory.adam_eps_from_eps_hat(EPS_HAT, BETA2, 1000)),
        "limit_gap_1": float(limit[0]),
        "limit_gap_last": float(limit[-1]),
        "limit_scaled_5": float(limit[-1] * LIMIT_EPS[-1]),
        "limit_plain_last": float(plain[-1]),
        "mom_rosen_diverged": rosen["Momentum"].diverged_at,
        "rosen_final_RMSProp": float(rosen["RMSProp"].loss[-1]),
        "rosen_final_Adam": float(rosen["Adam"].loss[-1]),
        "adam_rosen_end": str(tuple(round(float(x), 2) for x in rosen["Adam"].params[-1])),
        "rmsprop_first": float(np.mean(np.abs(measure.first_step(RMSProp(1.0, beta=0.999), WORKED_GRAD)[0]))),
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
        caption="Momentum (EMA form, β = β₁), RMSProp (β = β₂) and Adam (β₁, β₂) with the same α "
        "on the Rosenbrock valley",
    )
