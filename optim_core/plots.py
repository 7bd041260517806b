"""Figures with one look across the book: the same color for an optimizer in every chapter, loss
contours on a log scale, and a white figure background that stays readable in light and dark themes."""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

# One color per method, everywhere in the book (colorblind-safe "tab10"-like choices).
COLORS = {
    "GD": "#4d4d4d",
    "Momentum": "#1f77b4",
    "Nesterov": "#17becf",
    "AdaGrad": "#2ca02c",
    "RMSProp": "#ff7f0e",
    "SignGD": "#9467bd",
    "Adam": "#d62728",
    "AMSGrad": "#8c564b",
    "AdamW": "#e377c2",
    "Lion": "#bcbd22",
}
# For curves that are not an optimizer (dark enough to read over the light contour map).
_EXTRA = ["#393b79", "#8c6d31", "#637939", "#843c39", "#7b4173", "#5f5f5f"]

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#111111",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "text.color": "#111111",
    "axes.grid": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "lines.linewidth": 1.8,
    "figure.dpi": 100,
}

# The gap f - f_min is drawn on a log scale; values below this floor are shown at the floor.
LOSS_FLOOR = 1e-16


def color_of(label: str, index: int = 0) -> str:
    """The book's color for a method: matched on the first word of `label` ("Adam (no bias...)")."""
    key = label.split(" ")[0].split("(")[0]
    return COLORS.get(key, _EXTRA[index % len(_EXTRA)])


def palette_png(png: bytes) -> bytes:
    """The same picture as a 256-color PNG: these figures use few colors (the contour levels are
    discrete), and the file is 2-3x smaller, which keeps the book's pages light."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        out = io.BytesIO()
        image.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(out, format="png", optimize=True)
    return out.getvalue()


class BookFigure(Figure):
    """A matplotlib Figure that Jupyter displays as a PNG when it ends a cell, with no pyplot and
    no `%matplotlib` magic (figures made here never enter pyplot's global state)."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        # A mimebundle wins over `%matplotlib inline`'s PNG printer, so the palette PNG is used either way.
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi)
        return {"image/png": palette_png(buffer.getvalue()), "text/plain": repr(self)}


def figure(ncols: int = 1, nrows: int = 1, width: float = 4.6, height: float = 3.6, **kwargs):
    """A figure (not attached to pyplot) and its axes, in the book's style."""
    with mpl.rc_context(STYLE):
        fig = BookFigure(figsize=(width * ncols, height * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, (axes[0, 0] if axes.size == 1 else axes.ravel())


def contours(ax, problem, resolution: int = 160, levels: int = 18):
    """Filled, log-spaced contours of f - f_min over the problem's box, with its minimum marked."""
    (x_lo, x_hi), (y_lo, y_hi) = problem.bounds
    xs, ys = np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    gap = np.maximum(problem.f(grid) - problem.f_min, 0.0)
    positive = gap[gap > 0]
    bounds = np.geomspace(max(positive.min(), positive.max() * 1e-6), positive.max(), levels)
    with mpl.rc_context(STYLE):
        ax.contourf(xs, ys, np.maximum(gap, bounds[0]), levels=bounds, cmap="Blues_r", norm=mpl.colors.LogNorm())
        ax.contour(xs, ys, gap, levels=bounds, colors="white", linewidths=0.4, alpha=0.6)
        ax.plot(*problem.minimum, marker="*", color="gold", markeredgecolor="black", markersize=13, zorder=5)
        ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi), xlabel="$w_1$", ylabel="$w_2$")
    return ax


def path_line(ax, label: str, index: int = 0, **kwargs):
    """An (initially empty) trajectory line in the method's color, with a marker at each step."""
    style = {"color": color_of(label, index), "marker": "o", "markersize": 2.5, "linewidth": 1.4, "label": label}
    (line,) = ax.plot([], [], **{**style, **kwargs})
    return line


def trajectories(problem, paths: dict, ax=None, **kwargs):
    """Trajectories (label -> Trajectory or array (steps + 1, 2)) over the problem's contours; returns the figure."""
    if ax is None:
        _, ax = figure(width=6.0, height=4.0)
    contours(ax, problem, **kwargs)
    for i, (label, path) in enumerate(paths.items()):
        points = getattr(path, "params", path)
        path_line(ax, label, i).set_data(points[:, 0], points[:, 1])
    ax.legend(loc="upper right")
    return ax.figure


def loss_gap(loss, f_min: float) -> np.ndarray:
    """f - f_min, floored so that it can be drawn on a log scale (NaN where a run diverged stays NaN)."""
    return np.maximum(np.asarray(loss, dtype=np.float64) - f_min, LOSS_FLOOR)


def losses(curves: dict, f_min: float = 0.0, ax=None, ylabel: str = r"$f(w_t) - f^\star$"):
    """Loss curves (label -> Trajectory or 1-D array) on a log scale against the step; returns the figure."""
    if ax is None:
        _, ax = figure()
    for i, (label, curve) in enumerate(curves.items()):
        values = getattr(curve, "loss", curve)
        ax.semilogy(loss_gap(values, f_min), color=color_of(label, i), label=label)
    ax.set(xlabel="step $t$", ylabel=ylabel)
    ax.legend()
    return ax.figure


def series(curves: dict, ax=None, xlabel: str = "step $t$", ylabel: str = "", log: bool = False):
    """Any per-step quantity (label -> 1-D array), e.g. an effective learning rate; returns the figure."""
    if ax is None:
        _, ax = figure()
    for i, (label, values) in enumerate(curves.items()):
        ax.plot(np.arange(1, len(values) + 1), values, color=color_of(label, i), label=label)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax.figure


def measured(ax, x, mean, se, predicted=None, color: str = "#1f77b4", label: str = ""):
    """Seeded measurements against a parameter: dots with bars of two standard errors (the spread a seed count
    allows), and the predicted values as a dashed line in the same color."""
    with mpl.rc_context(STYLE):
        ax.errorbar(x, mean, 2 * np.asarray(se), fmt="o", color=color, markersize=4, capsize=2, label=label)
        if predicted is not None:
            ax.plot(x, predicted, "--", color=color, linewidth=1.0)
    return ax


def lr_windows(ax, lrs, rows, every: int = 0):
    """Which learning rates worked, as rows of marks against lr (log axis): a grey tick at every lr of the grid and a
    square where the run succeeded. rows: (ok, color) pairs from the top, ok a boolean mask over lrs; a thin line
    separates each group of `every` rows (0: none). Label the rows with ax.set_yticks."""
    lrs = np.asarray(lrs, dtype=np.float64)
    with mpl.rc_context(STYLE):
        for y, (ok, color) in enumerate(rows):
            ok = np.asarray(ok, dtype=bool)
            ax.plot(lrs, np.full(lrs.size, y), "|", color="#cccccc", markersize=5)
            ax.plot(lrs[ok], np.full(ok.sum(), y), "s", color=color, markersize=5.5)
        for y in range(every, len(rows), every) if every else ():
            ax.axhline(y - 0.5, color="#999999", linewidth=0.6)
        ax.set_xscale("log")
        ax.set(xlabel="learning rate α", ylim=(len(rows) - 0.5, -0.5))
    return ax


def tolerance_line(ax, tol: float):
    """A thin dotted grey line at the tolerance a run must reach, on a loss axis."""
    return ax.axhline(tol, color="#999999", linewidth=0.8, linestyle=":")


def path_panels(problem, runs: dict, titles: dict | None = None, tol: float | None = None, loss_title: str = ""):
    """Each run (label -> one run's Trajectory) in its own small contour panel with its path, three to a row,
    beside one wide panel of all their f - f* curves (dotted: `tol`); returns the figure."""
    labels = list(runs)
    rows = [labels[i : i + 3] for i in range(0, len(labels), 3)]
    rows[-1] += ["."] * (3 - len(rows[-1]))
    with mpl.rc_context(STYLE):
        fig = BookFigure(figsize=(11.0, 2.9 * len(rows)), layout="constrained")
        axes = fig.subplot_mosaic([[*r, "loss", "loss"] for r in rows], empty_sentinel=".")
        for i, label in enumerate(labels):
            ax, path = axes[label], runs[label].params
            contours(ax, problem, resolution=100)
            path_line(ax, label, i, markersize=2.0, linewidth=1.1).set_data(path[:, 0], path[:, 1])
            ax.set_title((titles or {}).get(label, label), color=color_of(label, i), fontsize=10)
            ax.set(xlabel="", ylabel="")
            ax.tick_params(labelsize=7.5)
        losses({label: run.loss for label, run in runs.items()}, problem.f_min, ax=axes["loss"])
        if tol is not None:
            tolerance_line(axes["loss"], tol)
        axes["loss"].legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, fontsize=9)
        axes["loss"].set_title(loss_title, fontsize=10)
    return fig


def over_lr(ax, lrs, curves: dict, marks: dict | None = None):
    """One value per learning rate for each method (label -> values over lrs; NaN leaves a gap) on log-log axes,
    and a dot with a black edge at each method's chosen (lr, value) in `marks`."""
    with mpl.rc_context(STYLE):
        for i, (label, values) in enumerate(curves.items()):
            ax.loglog(lrs, values, color=color_of(label, i), label=label)
            if marks and label in marks:
                ax.plot(*marks[label], "o", color=color_of(label, i), markersize=7, markeredgecolor="black")
    return ax
