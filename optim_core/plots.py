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
