"""Chapter "Training a real model": softmax regression and a one-hidden-layer MLP on the digits.

It shows that the minibatch-noise formula matches batches actually drawn, and that after training a batch
of 64 is noisier than the gradient it estimates (the simple noise scale of McCandlish et al. grows as the
loss falls); that tuned on the validation loss, seven optimizers reach test accuracies that three seeds do
not separate while their training losses differ more; that RMSProp and AdaGrad raise the loss in their
first steps and Adam does not; and that for a budget of EARLY steps the adaptive methods and Momentum reach
a lower loss than GD at any learning rate of its grid, on each seed.

Each learning rate comes from one batched sweep over a log grid (seed 0), scored by the validation loss
after STEPS steps; the tuned optimizer then runs on three seeds (initial weights and minibatch order). The
heavy results are cached; BLAS runs single-threaded inside them (the matrices are small).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import matplotlib as mpl
import numpy as np

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, plots, run, tuning
from optim_core.chapters import register
from optim_core.measure import separated_pairs
from optim_core.models import (
    break_even_batch,
    digits_mlp,
    digits_softmax,
    digits_split,
    gradient_error,
    minibatch_variance,
    per_example_grads,
    sampled_minibatch_variance,
    simple_noise_scale,
    single_threaded,
)
from optim_core.playground import SingleThreadedPlayground, Slider
from optim_core.tables import markdown_table

# ----- constants -----------------------------------------------------------------------------------------

STEPS = 300  # 300 minibatches of 64: about 18 passes over the 1077 training images
BATCH = 64  # the batch size of the book's MLP (models.digits_mlp), at which the noise is quoted
SEEDS = (0, 1, 2)
EARLY = 20  # the step at which early progress is compared
BATCH_SIZES = (4, 16, 64, 256, 1024)  # where the minibatch noise is measured

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

PLAYGROUND_STEPS = 100
PLAYGROUND_BATCHES = (16.0, 64.0, 1077.0)


# ----- data and models ----------------------------------------------------------------------------------


def sizes() -> dict:
    """Sizes quoted in the text: samples per split, features, parameters of each model, batches per epoch."""
    s, model = digits_split(0), digits_mlp(seed=0)
    return {
        "n_train": len(s.y_train),
        "n_val": len(s.y_val),
        "n_test": len(s.y_test),
        "n_features": s.x_train.shape[1],
        "softmax_dim": digits_softmax().dim,
        "mlp_dim": model.dim,
        "batches_per_epoch": model.batches_per_epoch,
        "skipped": len(s.y_train) - model.batches_per_epoch * model.batch_size,
    }


@functools.cache
@single_threaded
def gradient_check(n_coords: int = 12, h: float = 1e-6, seed: int = 0) -> float:
    """Largest relative error of backpropagation against central differences, over random coordinates of
    the MLP's full gradient at its start point."""
    model = digits_mlp(seed=0)
    return gradient_error(model, model.x0, np.random.default_rng(seed).choice(model.dim, n_coords, replace=False), h)


def softmax_at_zero() -> dict:
    """The worked computation: at w = 0 every class gets probability 1/10, so f = ln 10, and the
    gradient with respect to the bias b_k is 1/10 minus the share of class k in the training set."""
    problem, mlp, y = digits_softmax(), digits_mlp(seed=0), digits_split(0).y_train
    w = np.zeros(problem.dim)
    _, grad_bias = problem.unpack(problem.grad(w))
    share = np.bincount(y, minlength=10) / len(y)
    return {
        "loss": float(problem.f(w)),
        "grad_bias": grad_bias,
        "predicted_grad_bias": 0.1 - share,
        "share": share,
        "mlp_start_loss": float(mlp.f(mlp.x0)),
        "mlp_logit_std": float(np.std(mlp.logits(mlp.x0, digits_split(0).x_train))),
    }


# ----- the seven-optimizer comparison ---------------------------------------------------------------


def lr_grid(name: str) -> np.ndarray:
    """The 7 learning rates tried for an optimizer, half a decade apart."""
    low, high = OPTIMIZERS[name][1]
    return np.logspace(low, high, 7)


@functools.cache
@single_threaded
def lr_sweep(name: str) -> tuning.Sweep:
    """One batched run of an optimizer over its learning-rate grid on seed 0, scored by the validation loss."""
    s = digits_split(0)
    score = tuning.loss_on(s.x_val, s.y_val)
    return tuning.sweep(OPTIMIZERS[name][0], digits_mlp(seed=0), STEPS, score, lr=lr_grid(name))


def tuned_index(name: str) -> int:
    """Index in the grid of the learning rate with the lowest validation loss."""
    return lr_sweep(name).best_index[0]


def tuned_lr(name: str) -> float:
    return lr_sweep(name).best["lr"]


def above_tuned(name: str = "GD") -> tuple:
    """The grid's next learning rate above the tuned one, and the training loss it ends with (seed 0)."""
    k = tuned_index(name) + 1
    return float(lr_grid(name)[k]), float(lr_sweep(name).trajectory.loss[-1, k])


class SeedRuns(NamedTuple):
    loss: np.ndarray  # (len(SEEDS), STEPS + 1)
    test_acc: np.ndarray  # (len(SEEDS),)


@functools.cache
@single_threaded
def seed_runs(name: str) -> SeedRuns:
    """The tuned optimizer on each seed (seed 0 is the sweep's run at the tuned rate, reused)."""
    s, k, traj = digits_split(0), tuned_index(name), lr_sweep(name).trajectory
    losses, finals = [traj.loss[:, k]], [traj.params[-1, k]]
    for seed in SEEDS[1:]:
        other = run(OPTIMIZERS[name][0](tuned_lr(name)), digits_mlp(seed=seed), steps=STEPS)
        losses.append(other.loss)
        finals.append(other.params[-1])
    return SeedRuns(np.array(losses), digits_mlp(seed=0).accuracy(np.array(finals), s.x_test, s.y_test))


def results() -> dict:
    """name -> tuned lr, final training loss (mean over seeds) and test accuracy (mean, std over seeds)."""
    return {
        name: {
            "lr": tuned_lr(name),
            "train_loss": float(seed_runs(name).loss[:, -1].mean()),
            "test_acc": float(seed_runs(name).test_acc.mean()),
            "test_acc_std": float(seed_runs(name).test_acc.std()),
        }
        for name in NAMES
    }


def results_table() -> str:
    """The comparison as a Markdown table: test accuracy as mean ± std over the seeds, and the test images
    each seed classifies correctly. Momentum's α is in the EMA form."""
    header = ["optimizer", "tuned α", f"training loss after {STEPS} steps", "test accuracy", "test images right"]
    rows = []
    for name, r in results().items():
        acc, images = f"{100 * r['test_acc']:.1f} % ± {100 * r['test_acc_std']:.1f}", images_right(name)
        label = f"{name} (EMA form)" if name == "Momentum" else name
        rows.append([label, f"{r['lr']:.3g}", f"{r['train_loss']:.4f}", acc, " / ".join(map(str, images))])
    return markdown_table(header, rows, align="lrrrr")


def images_right(name: str) -> list:
    """The number of test images the tuned optimizer classifies correctly, on each seed."""
    return [round(float(a) * len(digits_split(0).y_test)) for a in seed_runs(name).test_acc]


def early_peak(name: str, window: int = EARLY) -> tuple:
    """The highest mean training loss (over the seeds) in the first `window` steps, and its step."""
    mean = seed_runs(name).loss[:, : window + 1].mean(axis=0)
    return float(mean.max()), int(mean.argmax())


# ----- minibatch noise ----------------------------------------------------------------------------------


@functools.cache
@single_threaded
def sample_grads(where: str) -> np.ndarray:
    """Every training sample's gradient (rows), at the MLP's start ('start') or after the tuned Adam run on
    seed 0 ('trained')."""
    model = digits_mlp(seed=0)
    w = model.x0 if where == "start" else lr_sweep("Adam").trajectory.params[-1, tuned_index("Adam")]
    return per_example_grads(model, w)


def predicted_noise(where: str, batch_sizes=BATCH_SIZES) -> np.ndarray:
    """E ||g_B - g||^2 / ||g||^2 for a batch of B samples drawn without replacement (the library's formula)."""
    g = sample_grads(where)
    return minibatch_variance(g, batch_sizes).sum(axis=-1) / np.sum(g.mean(axis=0) ** 2)


@functools.cache
@single_threaded
def measured_noise(where: str, batch_sizes=BATCH_SIZES, samples: int = 8192, seed: int = 0) -> np.ndarray:
    """The same ratio measured over random batches, max(200, samples // B) of them (small batches, whose
    errors are heavy-tailed, get more draws)."""
    g, rng = sample_grads(where), np.random.default_rng(seed)
    measured = [sampled_minibatch_variance(g, b, max(200, samples // b), rng).sum() for b in batch_sizes]
    return np.array(measured) / np.sum(g.mean(axis=0) ** 2)


def noise_ratio(where: str, batch_size: int = BATCH) -> float:
    """sqrt(E ||g_B - g||^2) / ||g||: how large the minibatch noise is next to the gradient itself."""
    return float(np.sqrt(predicted_noise(where, (batch_size,))[0]))


# ----- why the adaptive methods start fast ------------------------------------------------------------


def gradient_spread() -> dict:
    """How unequal the coordinates of the MLP's first full gradient are."""
    model = digits_mlp(seed=0)
    g = np.abs(model.grad(model.x0))
    p10, p90 = np.percentile(g[g > 0], [10, 90])
    dead_pixels = int(np.sum(np.all(digits_split(0).x_train == 0, axis=0)))
    return {
        "p10": float(p10),
        "p90": float(p90),
        "ratio_90_10": float(p90 / p10),
        "zero_fraction": float(np.mean(g == 0)),
        "dead_pixels": dead_pixels,
        "zero_weights": dead_pixels * model.hidden,
    }


@functools.cache
@single_threaded
def early_by_seed(name: str) -> tuple:
    """On each seed: the lowest training loss any α of the grid reaches at step EARLY, and that α (seed 0 from
    the comparison's sweep, the others from a sweep of EARLY steps)."""
    make, grid = OPTIMIZERS[name][0], lr_grid(name)
    sweeps = [lr_sweep(name)] + [
        tuning.sweep(make, digits_mlp(seed=s), EARLY, tuning.gap_at(), lr=grid) for s in SEEDS[1:]
    ]
    return np.array([s.envelope()[EARLY] for s in sweeps]), np.array([s.best_at(EARLY)["lr"] for s in sweeps])


# ----- figures ----------------------------------------------------------------------------------------------


def digits_figure(n: int = 10):
    """The first training image of each class, as the model sees it (8 x 8 pixels in [0, 1])."""
    s = digits_split(0)
    fig, axes = plots.figure(ncols=n, width=0.9, height=1.15)
    with mpl.rc_context(plots.STYLE):
        for digit, ax in enumerate(axes[:n]):
            ax.imshow(s.x_train[np.flatnonzero(s.y_train == digit)[0]].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(f"{digit}", fontsize=10)
            ax.set_axis_off()
    return fig


def noise_figure():
    """Relative minibatch noise against the batch size: measured (points) and predicted (lines)."""
    fig, ax = plots.figure(width=5.6, height=3.6)
    b = np.geomspace(1, len(digits_split(0).y_train) - 1, 60)
    with mpl.rc_context(plots.STYLE):
        for where, color, label in (("start", "#1f77b4", "at the start"), ("trained", "#d62728", "after training")):
            ax.loglog(b, np.sqrt(predicted_noise(where, b)), color=color, label=f"{label}: predicted")
            ax.loglog(BATCH_SIZES, np.sqrt(measured_noise(where)), "o", color=color, label=f"{label}: measured")
        ax.axhline(1.0, color="#999999", lw=0.8, ls="--")
        ax.axvline(BATCH, color="#999999", lw=0.8, ls=":")
        ax.set(xlabel="batch size $B$", ylabel=r"noise / signal $\sqrt{E\|dw_t - \nabla f\|^2}\,/\,\|\nabla f\|$")
        ax.legend(fontsize=8)
    return fig


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


def spread_figure():
    """Histogram of |dw_i| over the MLP's coordinates at the start (log scale), 10th and 90th percentiles marked."""
    model = digits_mlp(seed=0)
    g = np.abs(model.grad(model.x0))
    spread = gradient_spread()
    fig, ax = plots.figure(width=5.6, height=3.0)
    with mpl.rc_context(plots.STYLE):
        ax.hist(g[g > 0], bins=np.geomspace(1e-7, 1e-1, 61), color="#4d4d4d", alpha=0.8)
        ax.set_xscale("log")
        for q in ("p10", "p90"):
            ax.axvline(spread[q], color="#d62728", lw=1.0, ls="--")
        ax.set(xlabel=r"$|dw_i|$ at the start (nonzero coordinates)", ylabel="number of coordinates")
    return fig


def envelope_figure(names=("GD", "Momentum", "RMSProp", "Adam")):
    """Best loss reachable at each step, each optimizer's α chosen for that step; log-log axes."""
    fig, ax = plots.figure(width=5.6, height=3.6)
    t = np.arange(1, STEPS + 1)
    with mpl.rc_context(plots.STYLE):
        for i, name in enumerate(names):
            ax.loglog(t, lr_sweep(name).envelope()[1:], color=plots.color_of(name, i), label=name)
        ax.axvline(EARLY, color="#999999", lw=0.8, ls=":")
        ax.set(xlabel="step $t$", ylabel=r"$\min_\alpha f(w_t)$ over the grid")
        ax.legend()
    return fig


# ----- the numbers the prose quotes ---------------------------------------------------------------------


def numbers() -> dict:
    """Every value the chapter's prose quotes, under its glue name."""
    size, zero, res, spread = sizes(), softmax_at_zero(), results(), gradient_spread()
    acc, losses = [r["test_acc"] for r in res.values()], [r["train_loss"] for r in res.values()]
    next_lr, next_loss = above_tuned("GD")
    early = {name: float(lr_sweep(name).envelope()[EARLY]) for name in NAMES}  # seed 0
    by_seed = {name: early_by_seed(name)[0] for name in ("GD", "Momentum", "Adam")}
    images = np.array([images_right(name) for name in NAMES])
    apart, chance = separated_pairs(images)
    keys = ("n_train", "n_val", "n_test", "softmax_dim", "mlp_dim", "batches_per_epoch", "skipped")
    return {
        **{f"td_{key}": size[key] for key in keys},
        "td_steps": STEPS,
        "td_n_total": size["n_train"] + size["n_val"] + size["n_test"],
        "td_epochs": STEPS * BATCH / size["n_train"],
        "td_loss_zero": zero["loss"],
        "td_share8": float(zero["share"][8]),
        "td_gradb8": float(zero["grad_bias"][8]),
        "td_mlp_start_loss": zero["mlp_start_loss"],
        "td_mlp_logit_std": zero["mlp_logit_std"],
        "td_gradcheck": gradient_check(),
        "td_noise_start": noise_ratio("start"),
        "td_noise_trained": noise_ratio("trained"),
        "td_breakeven_start": break_even_batch(sample_grads("start")),
        "td_breakeven_trained": break_even_batch(sample_grads("trained")),
        "td_noise256_start": noise_ratio("start", 256),
        "td_var_ratio_start": simple_noise_scale(sample_grads("start")),
        "td_bsimple_trained": simple_noise_scale(sample_grads("trained")),
        "td_rms_peak": early_peak("RMSProp")[0],
        "td_rms_peak_step": early_peak("RMSProp")[1],
        "td_rms_first_step": tuned_lr("RMSProp") / (1 - 0.99) ** 0.5,
        "td_adagrad_peak": early_peak("AdaGrad")[0],
        "td_adagrad_lr": tuned_lr("AdaGrad"),
        "td_acc_max": 100 * max(acc),
        "td_acc_min": 100 * min(acc),
        "td_acc_gap_images": (max(acc) - min(acc)) * size["n_test"],
        "td_seed_range_images": int(np.max(images.max(axis=1) - images.min(axis=1))),
        "td_pairs_apart": apart,
        "td_pairs_chance": chance,
        "td_image_pct": 100 / size["n_test"],
        "td_loss_ratio": max(losses) / min(losses),
        "td_gd_next_lr": next_lr,
        "td_gd_next_loss": next_loss,
        "td_ratio_90_10": spread["ratio_90_10"],
        "td_zero_pct": 100 * spread["zero_fraction"],
        "td_dead_pixels": spread["dead_pixels"],
        "td_zero_weights": spread["zero_weights"],
        **{f"td_env_{name}": early[name] for name in ("GD", "Momentum", "AdaGrad", "RMSProp", "Adam")},
        "td_early_step": EARLY,
        "td_env_ratio": early["GD"] / early["Adam"],
        "td_env_ratio_lo": float(np.min(by_seed["GD"] / by_seed["Adam"])),
        "td_env_ratio_hi": float(np.max(by_seed["GD"] / by_seed["Adam"])),
        "td_momentum_ahead": int(np.sum(by_seed["Momentum"] < by_seed["Adam"])),
        **{f"td_tuned_early_{name}": float(seed_runs(name).loss[:, EARLY].mean()) for name in ("GD", "Adam")},
        "td_adam_early_lr": lr_sweep("Adam").best_at(EARLY)["lr"],
        "td_adam_tuned_lr": tuned_lr("Adam"),
        "td_gd_early_lr": lr_sweep("GD").best_at(EARLY)["lr"],
    }


# ----- the playground -------------------------------------------------------------------------------------


def _epoch_readout(batch_size):
    b, n = int(batch_size), digits_softmax().n_samples
    if b >= n:
        return f"full batch: every step uses all {n} training images (one pass per step)"
    return f"batch of {b}: one pass over the {n} training images takes {n // b} steps"


@register("training_digits")
def playground() -> SingleThreadedPlayground:
    """Softmax regression on the digits: one α for three optimizers, and the batch size."""
    return SingleThreadedPlayground(
        "training_digits",
        lambda batch_size: digits_softmax(int(batch_size)),
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
        "shared by three optimizers (Momentum in the EMA form), and the batch size. Each optimizer has its own "
        "good range of α.",
    )
