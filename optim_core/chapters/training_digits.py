"""Chapter "Training a real model": softmax regression and a one-hidden-layer MLP on the digits.

Seven optimizers train the MLP with minibatches of 64. Each gets its learning rate from one batched
sweep over a log grid (seed 0), chosen by the validation loss after STEPS steps, and is then run on
three seeds (initialization and minibatch order) for the loss bands and the test accuracies.

The heavy results are cached with functools.lru_cache, so the notebook and the tests share them within
a process. BLAS runs single-threaded inside them: the matrices are small (1077 x 64 x 32), and
threads cost more than they save on them.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import matplotlib as mpl
import numpy as np
from threadpoolctl import threadpool_limits

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, plots, run
from optim_core.chapters import register
from optim_core.models import MLP, SoftmaxRegression, digits_split, single_threaded
from optim_core.playground import Playground, Slider
from optim_core.tables import markdown_table

STEPS = 300  # 300 minibatches of 64: about 18 passes over the 1077 training images
BATCH = 64
HIDDEN = 32
SEEDS = (0, 1, 2)
EARLY = 20  # the step at which early progress is compared

# Every optimizer with its default hyperparameters; only the learning rate is tuned, over 7 values half
# a decade apart, in a range placed so that the best value lies inside it (the tests check this).
OPTIMIZERS = {
    "GD": (lambda lr: GD(lr), (-2.0, 1.0)),
    "Momentum": (lambda lr: Momentum(lr, beta=0.9), (-2.0, 1.0)),
    "AdaGrad": (lambda lr: AdaGrad(lr), (-3.0, 0.0)),
    "RMSProp": (lambda lr: RMSProp(lr, beta=0.99), (-4.0, -1.0)),
    "Adam": (lambda lr: Adam(lr), (-4.0, -1.0)),
    "AdamW": (lambda lr: AdamW(lr, weight_decay=1e-2), (-4.0, -1.0)),
    "Lion": (lambda lr: Lion(lr), (-5.0, -2.0)),
}
NAMES = tuple(OPTIMIZERS)


# ----- data and models ----------------------------------------------------------------------------------


def split():
    """The digits, 60/20/20 (stratified, seed 0)."""
    return digits_split(0)


@functools.cache
def mlp(seed: int = 0) -> MLP:
    """The chapter's MLP (64 -> 32 tanh -> 10) on the training split; seed sets init and batch order."""
    s = split()
    return MLP(s.x_train, s.y_train, hidden=HIDDEN, batch_size=BATCH, seed=seed)


@functools.cache
def softmax(batch_size: int = BATCH) -> SoftmaxRegression:
    """Softmax regression on the training split, with minibatches of batch_size."""
    s = split()
    return SoftmaxRegression(s.x_train, s.y_train, batch_size=int(batch_size), seed=0)


def digits_figure(n: int = 10):
    """The first training image of each class, as the model sees it (8 x 8 pixels in [0, 1])."""
    s = split()
    fig, axes = plots.figure(ncols=n, width=0.9, height=1.15)
    with mpl.rc_context(plots.STYLE):
        for digit, ax in enumerate(axes[:n]):
            image = s.x_train[np.flatnonzero(s.y_train == digit)[0]].reshape(8, 8)
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(f"{digit}", fontsize=10)
            ax.set_axis_off()
    return fig


def sizes() -> dict:
    """Sizes quoted in the text: samples per split, features, parameters of each model, batches per epoch."""
    s = split()
    return {
        "n_train": len(s.y_train),
        "n_val": len(s.y_val),
        "n_test": len(s.y_test),
        "n_features": s.x_train.shape[1],
        "softmax_dim": softmax().dim,
        "mlp_dim": mlp().dim,
        "batches_per_epoch": mlp().batches_per_epoch,
        "skipped": len(s.y_train) - mlp().batches_per_epoch * BATCH,
    }


@functools.cache
@single_threaded
def gradient_check(n_coords: int = 12, h: float = 1e-6, seed: int = 0) -> float:
    """Largest relative error between backpropagation and central differences, over random coordinates
    of the MLP's gradient at its start point (the full training objective)."""
    problem = mlp()
    w = problem.x0
    grad = problem.grad(w)
    coords = np.random.default_rng(seed).choice(problem.dim, n_coords, replace=False)
    worst = 0.0
    for i in coords:
        e = np.zeros(problem.dim)
        e[i] = h
        numeric = (problem.f(w + e) - problem.f(w - e)) / (2 * h)
        worst = max(worst, abs(numeric - grad[i]) / max(abs(grad[i]), 1e-8))
    return float(worst)


def softmax_at_zero() -> dict:
    """The worked computation: at w = 0 every class gets probability 1/10, so f = ln 10, and the
    gradient with respect to the bias b_k is 1/10 minus the share of class k in the training set."""
    problem = softmax()
    w = np.zeros(problem.dim)
    _, grad_bias = problem.unpack(problem.grad(w))
    share = np.bincount(split().y_train, minlength=10) / len(split().y_train)
    return {
        "loss": float(problem.f(w)),
        "grad_bias": grad_bias,
        "predicted_grad_bias": 0.1 - share,
        "share": share,
        "mlp_start_loss": float(mlp(0).f(mlp(0).x0)),
        "mlp_logit_std": float(np.std(mlp(0).logits(mlp(0).x0, split().x_train))),
    }


# ----- the seven-optimizer comparison ---------------------------------------------------------------


def lr_grid(name: str) -> np.ndarray:
    """The 7 learning rates tried for an optimizer, half a decade apart."""
    low, high = OPTIMIZERS[name][1]
    return np.logspace(low, high, 7)


class Sweep(NamedTuple):
    lrs: np.ndarray  # (K,)
    loss: np.ndarray  # (STEPS + 1, K): the training loss after each step
    val_loss: np.ndarray  # (K,)
    final_w: np.ndarray  # (K, dim)


@functools.cache
@single_threaded
def sweep(name: str) -> Sweep:
    """One batched run of an optimizer over its learning-rate grid, on seed 0."""
    problem, lrs = mlp(0), lr_grid(name)
    traj = run(OPTIMIZERS[name][0](lrs[:, None]), problem, steps=STEPS)
    final = traj.params[-1]
    s = split()
    val = np.where(np.isnan(traj.loss[-1]), np.inf, problem.loss_on(np.nan_to_num(final), s.x_val, s.y_val))
    return Sweep(lrs, traj.loss, val, final)


def tuned_index(name: str) -> int:
    """Index in the grid of the learning rate with the lowest validation loss."""
    return int(np.argmin(sweep(name).val_loss))


def tuned_lr(name: str) -> float:
    return float(lr_grid(name)[tuned_index(name)])


def above_tuned(name: str = "GD") -> tuple:
    """The grid's next learning rate above the tuned one, and the training loss it ends with (seed 0)."""
    k = tuned_index(name) + 1
    return float(lr_grid(name)[k]), float(sweep(name).loss[-1, k])


class SeedRuns(NamedTuple):
    loss: np.ndarray  # (len(SEEDS), STEPS + 1)
    test_acc: np.ndarray  # (len(SEEDS),)
    val_acc: np.ndarray  # (len(SEEDS),)


@functools.cache
@single_threaded
def seed_runs(name: str) -> SeedRuns:
    """The tuned optimizer on each seed (seed 0 is the sweep's run at the tuned rate, reused)."""
    s, k = split(), tuned_index(name)
    losses, finals = [sweep(name).loss[:, k]], [sweep(name).final_w[k]]
    for seed in SEEDS[1:]:
        traj = run(OPTIMIZERS[name][0](tuned_lr(name)), mlp(seed), steps=STEPS)
        losses.append(traj.loss)
        finals.append(traj.params[-1])
    finals = np.array(finals)
    model = mlp(0)
    return SeedRuns(
        np.array(losses), model.accuracy(finals, s.x_test, s.y_test), model.accuracy(finals, s.x_val, s.y_val)
    )


def results() -> dict:
    """name -> tuned lr, final training loss (mean over seeds) and test accuracy (mean, std over seeds)."""
    out = {}
    for name in NAMES:
        runs = seed_runs(name)
        out[name] = {
            "lr": tuned_lr(name),
            "train_loss": float(runs.loss[:, -1].mean()),
            "test_acc": float(runs.test_acc.mean()),
            "test_acc_std": float(runs.test_acc.std()),
        }
    return out


def results_table() -> str:
    """The comparison as a Markdown table (test accuracy as mean ± std over the seeds)."""
    header = ["optimizer", "tuned α", f"training loss after {STEPS} steps", "test accuracy"]
    cells = [
        [
            name,
            f"{r['lr']:.3g}",
            f"{r['train_loss']:.4f}",
            f"{100 * r['test_acc']:.1f} % ± {100 * r['test_acc_std']:.1f}",
        ]
        for name, r in results().items()
    ]
    return markdown_table(header, cells, align="lrrr")


def early_peak(name: str, window: int = EARLY) -> tuple:
    """The highest mean training loss (over the seeds) in the first `window` steps, and its step."""
    mean = seed_runs(name).loss[:, : window + 1].mean(axis=0)
    return float(mean.max()), int(mean.argmax())


def band_figure(early: int = 60, top: float = 3.5):
    """Training loss of each tuned optimizer: mean over the seeds with the min-max band; all steps (log
    scale) on the left, the first `early` steps on the right (clipped at `top`, peaks above it labelled)."""
    fig, (ax_all, ax_early) = plots.figure(ncols=2, width=4.8, height=3.6)
    steps = np.arange(STEPS + 1)
    with mpl.rc_context(plots.STYLE):
        for i, name in enumerate(NAMES):
            loss = seed_runs(name).loss
            color = plots.color_of(name, i)
            for ax, stop in ((ax_all, STEPS + 1), (ax_early, early + 1)):
                low, high = loss[:, :stop].min(0), loss[:, :stop].max(0)
                ax.fill_between(steps[:stop], low, high, color=color, alpha=0.2, lw=0)
                ax.plot(steps[:stop], loss[:, :stop].mean(0), color=color, label=name, lw=1.4)
            peak, at = early_peak(name, early)
            if peak > top:
                ax_early.annotate(
                    f"{name} peaks at {peak:.1f}",
                    xy=(at, top),
                    xytext=(at + 6, 0.85 * top),
                    color=color,
                    fontsize=9,
                    arrowprops={"arrowstyle": "->", "color": color},
                )
        ax_all.set(
            yscale="log", xlabel="step $t$", ylabel="training loss $f(w_t)$", title=f"all {STEPS} steps (log scale)"
        )
        ax_early.set(xlabel="step $t$", title=f"the first {early} steps", xlim=(0, early), ylim=(0, top))
        ax_all.legend(ncols=2, fontsize=8)
    return fig


# ----- minibatch noise ----------------------------------------------------------------------------------


@functools.cache
@single_threaded
def per_example_grads(where: str) -> np.ndarray:
    """Every training sample's gradient (rows), at the MLP's start ('start') or after the tuned Adam
    run on seed 0 ('trained')."""
    problem = mlp(0)
    w = problem.x0 if where == "start" else sweep("Adam").final_w[tuned_index("Adam")]
    x, y = problem.x, problem.y
    return np.array([problem.grad_on(w, x[i : i + 1], y[i : i + 1]) for i in range(len(y))])


BATCH_SIZES = (4, 16, 64, 256, 1024)


def predicted_noise(where: str, batch_sizes=BATCH_SIZES) -> np.ndarray:
    """E ||g_B - g||^2 / ||g||^2 for a batch of B samples drawn without replacement:
    (N - B) / (B (N - 1)) times the per-sample variance, over the squared full gradient."""
    g = per_example_grads(where)
    n, full = len(g), g.mean(axis=0)
    variance = np.mean(np.sum((g - full) ** 2, axis=1))
    b = np.asarray(batch_sizes, dtype=np.float64)
    return (n - b) / (b * (n - 1)) * variance / np.sum(full**2)


@functools.cache
@single_threaded
def measured_noise(where: str, batch_sizes=BATCH_SIZES, samples: int = 8192, seed: int = 0) -> np.ndarray:
    """The same ratio measured: the average of ||g_B - g||^2 / ||g||^2 over random batches (max(200,
    samples // B) of them: small batches, whose errors are heavy-tailed, get more draws)."""
    g = per_example_grads(where)
    n, full = len(g), g.mean(axis=0)
    rng = np.random.default_rng(seed)
    out = []
    for b in batch_sizes:
        draws = [rng.choice(n, b, replace=False) for _ in range(max(200, samples // b))]
        if b <= 64:
            estimates = np.array([g[idx].mean(axis=0) for idx in draws])
        else:  # one matrix product: row d of `select` averages the samples of draw d
            select = np.zeros((len(draws), n))
            for row, idx in zip(select, draws, strict=True):
                row[idx] = 1.0 / b
            estimates = select @ g
        out.append(np.mean(np.sum((estimates - full) ** 2, axis=1)) / np.sum(full**2))
    return np.array(out)


def noise_ratio(where: str, batch_size: int = BATCH) -> float:
    """sqrt(E ||g_B - g||^2) / ||g||: how large the minibatch noise is next to the gradient itself."""
    return float(np.sqrt(predicted_noise(where, (batch_size,))[0]))


def variance_ratio(where: str) -> float:
    """sigma^2 / ||g||^2: the spread of the per-sample gradients over the squared full gradient."""
    g = per_example_grads(where)
    full = g.mean(axis=0)
    return float(np.mean(np.sum((g - full) ** 2, axis=1)) / np.sum(full**2))


def break_even_batch(where: str) -> float:
    """The batch size at which the predicted noise equals the gradient's norm (ratio 1)."""
    n, r = len(split().y_train), variance_ratio(where)
    return float(n * r / (n - 1 + r))  # solves (n - B) r = B (n - 1)


def noise_figure():
    """Relative minibatch noise against the batch size: measured (points) and predicted (lines)."""
    fig, ax = plots.figure(width=5.6, height=3.6)
    b = np.geomspace(1, len(split().y_train) - 1, 60)
    with mpl.rc_context(plots.STYLE):
        for where, color, label in (("start", "#1f77b4", "at the start"), ("trained", "#d62728", "after training")):
            ax.loglog(b, np.sqrt(predicted_noise(where, b)), color=color, label=f"{label}: predicted")
            ax.loglog(BATCH_SIZES, np.sqrt(measured_noise(where)), "o", color=color, label=f"{label}: measured")
        ax.axhline(1.0, color="#999999", lw=0.8, ls="--")
        ax.axvline(BATCH, color="#999999", lw=0.8, ls=":")
        ax.set(xlabel="batch size $B$", ylabel=r"noise / signal $\sqrt{E\|g_B - g\|^2}\,/\,\|g\|$")
        ax.legend(fontsize=8)
    return fig


# ----- why the adaptive methods start fast ------------------------------------------------------------


def gradient_spread() -> dict:
    """How unequal the coordinates of the MLP's first full gradient are."""
    problem = mlp(0)
    g = np.abs(problem.grad(problem.x0))
    nonzero = g[g > 0]
    p10, p50, p90 = np.percentile(nonzero, [10, 50, 90])
    dead_pixels = int(np.sum(np.all(split().x_train == 0, axis=0)))
    return {
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "ratio_90_10": float(p90 / p10),
        "zero_fraction": float(np.mean(g == 0)),
        "dead_pixels": dead_pixels,
        "zero_weights": dead_pixels * HIDDEN,
    }


def spread_figure():
    """Histogram of |dw_i| over the MLP's coordinates at the start (log scale), 10th and 90th percentiles marked."""
    problem = mlp(0)
    g = np.abs(problem.grad(problem.x0))
    spread = gradient_spread()
    fig, ax = plots.figure(width=5.6, height=3.0)
    with mpl.rc_context(plots.STYLE):
        ax.hist(g[g > 0], bins=np.geomspace(1e-7, 1e-1, 61), color="#4d4d4d", alpha=0.8)
        ax.set_xscale("log")
        for q in ("p10", "p90"):
            ax.axvline(spread[q], color="#d62728", lw=1.0, ls="--")
        ax.set(xlabel=r"$|dw_i|$ at the start (nonzero coordinates)", ylabel="number of coordinates")
    return fig


def envelope(name: str) -> np.ndarray:
    """The best training loss over the learning-rate grid at each step (each step's own best α)."""
    loss = sweep(name).loss
    return np.min(np.where(np.isnan(loss), np.inf, loss), axis=1)


def early_losses(step: int = EARLY) -> dict:
    """name -> the lowest training loss any α of the grid reaches at `step`."""
    return {name: float(envelope(name)[step]) for name in NAMES}


def early_best_lr(name: str, step: int = EARLY) -> float:
    """The α of the grid with the lowest training loss at `step`."""
    loss = sweep(name).loss[step]
    return float(lr_grid(name)[np.argmin(np.where(np.isnan(loss), np.inf, loss))])


def tuned_early_losses(step: int = EARLY) -> dict:
    """name -> the training loss at `step` with the α tuned for the final validation loss (mean over seeds)."""
    return {name: float(seed_runs(name).loss[:, step].mean()) for name in NAMES}


def envelope_figure(names=("GD", "Momentum", "RMSProp", "Adam")):
    """Best loss reachable at each step, each optimizer's α chosen for that step; log-log axes."""
    fig, ax = plots.figure(width=5.6, height=3.6)
    t = np.arange(1, STEPS + 1)
    with mpl.rc_context(plots.STYLE):
        for i, name in enumerate(names):
            ax.loglog(t, envelope(name)[1:], color=plots.color_of(name, i), label=name)
        ax.axvline(EARLY, color="#999999", lw=0.8, ls=":")
        ax.set(xlabel="step $t$", ylabel=r"$\min_\alpha f(w_t)$ over the grid")
        ax.legend()
    return fig


# ----- the playground -------------------------------------------------------------------------------------

PLAYGROUND_STEPS = 100
PLAYGROUND_BATCHES = (16.0, 64.0, 1077.0)


def _epoch_readout(batch_size):
    b = int(batch_size)
    n = len(split().y_train)
    if b >= n:
        return f"full batch: every step uses all {n} training images (one pass per step)"
    return f"batch of {b}: one pass over the {n} training images takes {n // b} steps"


class SingleThreadedPlayground(Playground):
    """A Playground whose runs use one BLAS thread, like the rest of this chapter's computations."""

    def grid(self):
        with threadpool_limits(limits=1, user_api="blas"):
            return super().grid()

    def compute(self, values):
        with threadpool_limits(limits=1, user_api="blas"):
            return super().compute(values)


@register("training_digits")
def playground() -> Playground:
    """Softmax regression on the digits: one α for three optimizers, and the batch size."""
    return SingleThreadedPlayground(
        "training_digits",
        lambda batch_size: softmax(int(batch_size)),
        {
            "GD": lambda lr: GD(lr),
            "Momentum": lambda lr: Momentum(lr, beta=0.9),
            "Adam": lambda lr: Adam(lr),
        },
        [
            Slider.log("lr", 1e-4, 10.0, 11, 0.1, label="α (learning rate)"),
            Slider("batch_size", PLAYGROUND_BATCHES, 64.0, label="batch size", fmt=".0f"),
        ],
        steps=PLAYGROUND_STEPS,
        readout=_epoch_readout,
        caption="Softmax regression on the digits (650 parameters): the training loss at each step, for one α "
        "shared by three optimizers, and the batch size. Each optimizer has its own good range of α.",
    )
