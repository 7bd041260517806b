"""Playgrounds: sliders over optimizer runs on a problem, redrawing the figure in place.

One `Playground` serves both ways a reader meets the book:

- in Jupyter it displays as ipywidgets sliders over a matplotlib figure; the optimizers run once over
  the whole slider grid (one batched `optim_core.run` per optimizer, when the playground is shown),
  and moving a slider redraws only the trajectory lines of that setting over a cached background;
- in the static HTML book it displays as a self-contained HTML block: the trajectories for every
  point of the slider grid, computed at build time with one batched `run` per optimizer, travel with
  the page, and `book/_static/playground.js` redraws them on a canvas as a slider moves.

Slider names route the values: "x0"/"y0" set the start point, "steps" the number of steps shown, a
name the problem factory asks for rebuilds the problem, and every factory (optimizer or problem)
receives the values whose names appear in its signature.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import html
import inspect
import io
import itertools
import json
import os

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from threadpoolctl import threadpool_limits

from optim_core import plots
from optim_core.run import run

# Set while the book is built: playgrounds then emit only their static HTML (no widget state, so the
# pages need no widget manager). In Jupyter this is unset and the live widgets are shown.
STATIC_ENV = "OPTIM_CORE_STATIC_PLAYGROUNDS"
START_NAMES = ("x0", "y0")
MAX_PAYLOAD_BYTES = 1_500_000  # keep each chapter page small
# A static panel's size in inches (360 x 280 px at the book's 100 dpi). playground.css shows a panel at least
# 300 px wide (on a phone, or beside its twin), where matplotlib's 9-10 pt text is 10 CSS px or more.
STATIC_PANEL = (3.6, 2.8)
LEVEL_COLOR = "#222222"  # the dashed line of a predicted level on the loss panel
LEVEL = None  # the key of that line among the figure's lines (optimizer labels are strings)


@dataclasses.dataclass(frozen=True)
class Slider:
    """A slider over a fixed grid of values (the static book can only show grid points)."""

    name: str
    values: tuple
    default: float
    label: str = ""
    fmt: str = ".3g"
    names: tuple = ()  # shown instead of the numbers, for a categorical slider (e.g. which problem)

    def __post_init__(self):
        if np.ma.isMaskedArray(self.default) or np.ndim(self.default) != 0 or isinstance(self.default, (bool, str)):
            raise ValueError(f"slider {self.name!r}: default must be one number (got {self.default!r})")
        try:
            values = tuple(float(v) for v in self.values)
            default = float(self.default)
        except (TypeError, ValueError):
            raise ValueError(
                f"slider {self.name!r}: values and default must be numbers (got {self.values!r}, {self.default!r})"
            ) from None
        if not values:
            raise ValueError(f"slider {self.name!r} needs at least one value")
        if not all(np.isfinite(values)) or len(set(values)) != len(values):
            raise ValueError(f"slider {self.name!r}: values must be finite and distinct (got {values})")
        if not np.isfinite(default):
            raise ValueError(f"slider {self.name!r}: default must be finite (got {self.default!r})")
        if self.names and len(self.names) != len(values):
            raise ValueError(f"slider {self.name!r}: names has {len(self.names)} entries for {len(values)} values")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "label", self.label or self.name)

    @classmethod
    def log(cls, name, low, high, num, default, **kwargs):
        """Values spaced evenly on a log scale, as learning rates want."""
        return cls(name, tuple(np.geomspace(low, high, num)), default, **kwargs)

    @classmethod
    def linear(cls, name, low, high, num, default, **kwargs):
        return cls(name, tuple(np.linspace(low, high, num)), default, **kwargs)

    @property
    def default_index(self) -> int:
        return int(np.argmin(np.abs(np.asarray(self.values) - self.default)))

    def text(self, index: int) -> str:
        return self.names[index] if self.names else format(self.values[index], self.fmt)


def _call(fn, values: dict):
    """Call fn with the slider values its signature names (all of them if it takes **kwargs)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(**values)
    return fn(**{k: v for k, v in values.items() if k in params})


def summary(label: str, gap: np.ndarray, step: int) -> str:
    """One line per optimizer under the figure; playground.js writes the same text."""
    shown = gap[: step + 1]
    bad = np.flatnonzero(np.isnan(shown))
    if bad.size:
        return f"{label}: diverged at step {bad[0]}"
    return f"{label}: f - f* = {shown[-1]:.2e} after {step} steps"


class Playground:
    """Optimizers on a problem, with sliders for their hyperparameters.

    - problem: a problem object, or a factory taking slider values (e.g. `kappa`) and returning one.
    - optimizers: label -> factory taking slider values and returning an optimizer. Factories must
      work on numpy arrays as well as numbers (the static grid calls them once with arrays).
    - sliders: the `Slider` objects, in display order.
    - steps: steps per run (a slider named "steps" shows a prefix of them).
    - x0: the start point (default the problem's); sliders "x0" and "y0" override its coordinates.
    - readout: optional function of the slider values returning a line of text shown under the figure
      (e.g. a rate predicted by theory).
    - shown: optional function of the iterates `params` (steps+1, ..., dim) and of slider values returning the
      points drawn instead (e.g. a running average of the weights); the loss drawn is f at those points.
    - level: optional function of the slider values returning a value of f - f* drawn as a dashed horizontal
      line across the loss panel (e.g. the floor theory predicts), labelled `level_label`.
    """

    def __init__(
        self,
        key,
        problem,
        optimizers,
        sliders,
        steps=100,
        x0=None,
        readout=None,
        caption="",
        shown=None,
        level=None,
        level_label="predicted",
    ):
        if not (isinstance(key, str) and key.isidentifier()):
            raise ValueError(f"key must be an identifier (the chapter's name) (got {key!r})")
        if isinstance(steps, (bool, np.bool_)) or not (isinstance(steps, (int, np.integer)) and steps >= 1):
            raise ValueError(f"playground {key!r}: steps must be an integer >= 1 (got {steps!r})")
        if not optimizers or not all(callable(f) for f in dict(optimizers).values()):
            raise ValueError(f"playground {key!r}: optimizers must map labels to factories (got {optimizers!r})")
        if not all(isinstance(s, Slider) for s in sliders):
            raise ValueError(f"playground {key!r}: sliders must be Slider objects")
        for name, fn in (("readout", readout), ("shown", shown), ("level", level)):
            if fn is not None and not callable(fn):
                raise ValueError(f"playground {key!r}: {name} must be a function of the slider values (got {fn!r})")
        self.key = key
        self.problem = problem
        self.optimizers = dict(optimizers)
        self.sliders = list(sliders)
        self.steps = int(max([steps, *self._slider("steps").values]) if self._slider("steps") else steps)
        if x0 is not None:
            try:
                start = np.asarray(x0, dtype=np.float64) if not isinstance(x0, (str, bytes)) else np.array(np.nan)
            except (TypeError, ValueError):
                start = np.array(np.nan)
            dim = None if callable(problem) else np.shape(problem.x0)[-1]
            if not np.all(np.isfinite(start)) or (dim is not None and start.shape != (dim,)):
                raise ValueError(
                    f"playground {key!r}: x0 must be finite, of shape {(dim,) if dim else 'the problem start'} "
                    f"(got {x0!r})"
                )
        self.x0 = x0
        self.readout = readout
        self.caption = caption
        self.shown = shown
        self.level = level
        self.level_label = level_label
        problem_args = set(inspect.signature(problem).parameters) if callable(problem) else set()
        self._problem_sliders = [s for s in self.sliders if s.name in problem_args]
        self._grid_sliders = [s for s in self.sliders if s.name != "steps"]
        self._problems = {}

    # ----- computing -------------------------------------------------------------------------------
    def _slider(self, name):
        return next((s for s in self.sliders if s.name == name), None)

    def problem_for(self, values: dict):
        """The problem at these slider values (built once per distinct setting)."""
        if not callable(self.problem):
            return self.problem
        key = tuple(float(values[s.name]) for s in self._problem_sliders)
        if key not in self._problems:
            self._problems[key] = _call(self.problem, values)
        return self._problems[key]

    def _start(self, problem, values: dict) -> np.ndarray:
        x0 = np.asarray(problem.x0 if self.x0 is None else self.x0, dtype=np.float64)
        overrides = {i: values[name] for i, name in enumerate(START_NAMES) if name in values}
        if not overrides:
            return x0
        return np.stack(np.broadcast_arrays(*(overrides.get(i, x) for i, x in enumerate(x0))), axis=-1)

    def compute(self, values: dict) -> dict:
        """label -> Trajectory at one setting of the sliders (scalars), or at a grid (arrays)."""
        problem = self.problem_for(values)
        hyper = {k: (np.asarray(v)[..., None] if np.ndim(v) else v) for k, v in values.items()}
        x0 = self._start(problem, values)
        out = {}
        for label, factory in self.optimizers.items():
            opt = _call(factory, hyper)
            traj = run(opt, problem, np.broadcast_to(x0, opt.batch_shape(x0.shape)), self.steps)
            if self.shown is not None:
                points = np.asarray(_call(self.shown, {**hyper, "params": traj.params}), dtype=np.float64)
                traj = dataclasses.replace(traj, params=points, loss=problem.f(points))
            out[label] = traj
        return out

    def default_values(self) -> dict:
        return {s.name: s.values[s.default_index] for s in self.sliders}

    @property
    def grid_shape(self) -> tuple:
        return tuple(len(s.values) for s in self._grid_sliders)

    @property
    def is_2d(self) -> bool:
        return hasattr(self.problem_for(self.default_values()), "bounds")

    def grid(self):
        """Every run on the slider grid: paths `(n_opt, *grid, steps+1, 2)` and gaps `(n_opt, *grid, steps+1)`,
        in float64, with one batched `run` per optimizer and problem setting."""
        if hasattr(self, "_grid"):
            return self._grid
        shape, n = self.grid_shape, len(self.optimizers)
        dim = len(np.atleast_1d(self._start(self.problem_for(self.default_values()), {})))
        paths = np.empty((n, *shape, self.steps + 1, dim))
        gaps = np.empty((n, *shape, self.steps + 1))
        problem_axes = [i for i, s in enumerate(self._grid_sliders) if s in self._problem_sliders]
        for combo in itertools.product(*(range(len(self._grid_sliders[i].values)) for i in problem_axes)):
            chosen = dict(zip(problem_axes, combo, strict=True))
            values, where = {}, []
            for axis, s in enumerate(self._grid_sliders):
                if axis in chosen:
                    values[s.name] = s.values[chosen[axis]]
                    where.append(slice(chosen[axis], chosen[axis] + 1))
                else:
                    axis_shape = [1] * len(shape)
                    axis_shape[axis] = len(s.values)
                    values[s.name] = np.reshape(s.values, axis_shape)
                    where.append(slice(None))
            if not self._grid_sliders:
                values = {}
            problem = self.problem_for(values)
            sub_shape = tuple(1 if a in chosen else k for a, k in enumerate(shape))
            for k, traj in enumerate(self.compute(values).values()):
                path = np.broadcast_to(np.moveaxis(traj.params, 0, -2), (*sub_shape, self.steps + 1, dim))
                gap = np.broadcast_to(np.moveaxis(traj.loss, 0, -1), (*sub_shape, self.steps + 1))
                paths[(k, *where)] = path
                gaps[(k, *where)] = plots.loss_gap(gap, problem.f_min)
        self._grid = (paths, gaps)
        return self._grid

    def runs_at(self, values: dict) -> dict:
        """label -> (path (steps+1, dim), gap f - f* (steps+1,)) at a grid point of the sliders, read from
        the batched grid: the numbers a fresh `compute(values)` gives (bit for bit on the 2-D problems; to
        rounding on the digits models, whose BLAS products may round differently in a batch), without
        rerunning, so a slider move costs only a redraw."""
        paths, gaps = self.grid()
        index = []
        for s in self._grid_sliders:
            if float(values[s.name]) not in s.values:
                raise ValueError(f"{s.name}={values[s.name]!r} is not on the slider's grid {s.values}")
            index.append(s.values.index(float(values[s.name])))
        index = tuple(index)
        return {label: (paths[(k, *index)], gaps[(k, *index)]) for k, label in enumerate(self.optimizers)}

    def _loss_limits(self):
        """The loss axis spans the grid's runs: from 10x the worst start down to their best value,
        at most 12 decades (diverging runs leave through the top)."""
        gaps = self.grid()[1]
        high = float(np.nanmax(gaps[..., 0])) * 10
        finite = gaps[np.isfinite(gaps)]
        levels = np.array(self._levels() or [np.inf], dtype=np.float64)
        lowest = min(float(finite.min()), float(np.min(levels[np.isfinite(levels) & (levels > 0)], initial=np.inf)))
        low = max(lowest / 3, high * 1e-12)
        return low, high

    def _levels(self):
        """The level of every grid point (None without `level`), in the order of `_readouts`."""
        if self.level is None:
            return None
        if not hasattr(self, "_level_values"):
            self._level_values = [float(_call(self.level, values)) for values in self._grid_values()]
        return self._level_values

    def _grid_values(self):
        for index in itertools.product(*(range(len(s.values)) for s in self._grid_sliders)):
            yield {s.name: s.values[i] for s, i in zip(self._grid_sliders, index, strict=True)}

    # ----- the figure, shared by both views ----------------------------------------------------------
    def _figure(self, problem):
        if hasattr(problem, "bounds"):
            fig, (ax_path, ax_loss) = plots.figure(ncols=2, width=4.6, height=3.6)
            plots.contours(ax_path, problem)
        else:
            fig, ax_loss = plots.figure(width=6.0, height=3.6)
            ax_path = None
        with mpl.rc_context(plots.STYLE):
            self._loss_axes(ax_loss)
            lines = {}
            for i, label in enumerate(self.optimizers):
                color = plots.color_of(label, i)
                path_line = plots.path_line(ax_path, label, i, animated=True) if ax_path else None
                (loss_line,) = ax_loss.plot([], [], color=color, label=label, animated=True)
                lines[label] = (path_line, loss_line)
            if self.level is not None:
                (level_line,) = ax_loss.plot(
                    [], [], "--", color=LEVEL_COLOR, linewidth=1.2, label=self.level_label, animated=True
                )
                lines[LEVEL] = (None, level_line)
                if ax_path is not None:  # the optimizers are named on the path panel, the level here
                    ax_loss.legend(handles=[level_line], loc="upper right")
            (ax_path or ax_loss).legend(loc="upper right")
        return fig, ax_path, ax_loss, lines

    def _loss_axes(self, ax):
        """The loss panel's scale, limits and labels, shared by the live figure and the static panels."""
        ax.set_yscale("log")
        ax.set(xlim=(0, self.steps), ylim=self._loss_limits(), xlabel="step $t$", ylabel=r"$f(w_t) - f^\star$")

    # ----- live view (Jupyter) -----------------------------------------------------------------------
    def widget(self):
        """The live ipywidgets version: sliders, the figure as an image, and a text readout."""
        return _LiveView(self).box

    # ----- static view (HTML book) -------------------------------------------------------------------
    def static_html(self) -> str:
        payload = self._static_payload()
        # "</" is escaped so that no label can close the <script> element the data travels in.
        data = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
        if len(data) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"playground {self.key!r} embeds {len(data)} bytes; shrink its slider grid or steps")
        # The caption names the group of controls and panels for screen readers.
        name, caption = f"pg-{self.key}-caption", ""
        if self.caption:
            caption = f'<p class="pg-caption" id="{name}">{html.escape(self.caption)}</p>'
        group = f'role="group" aria-labelledby="{name}"' if self.caption else 'role="group" aria-label="playground"'
        return (
            f'<div class="optim-playground" data-key="{html.escape(self.key)}" {group}>{caption}'
            "<noscript>This playground needs JavaScript.</noscript>"
            f'<script type="application/json" class="pg-data">{data}</script></div>'
        )

    def _static_payload(self) -> dict:
        """What playground.js needs: the sliders; for each setting of the problem sliders, the figure's panels
        (which background image, its alt text, where the axes sit and their limits); the images (base64 PNG);
        and the runs of the whole grid."""
        paths, gaps = self.grid()
        images, figures = [], []  # a panel that looks the same at two settings travels once

        def image(fig) -> int:
            png = _figure_png_base64(fig)
            if png not in images:
                images.append(png)
            return images.index(png)

        for combo in itertools.product(*(range(len(s.values)) for s in self._problem_sliders)):
            values = {
                **self.default_values(),
                **{s.name: s.values[i] for s, i in zip(self._problem_sliders, combo, strict=True)},
            }
            problem, panels = self.problem_for(values), []
            for name, fig, ax in self._static_panels(problem):
                index = image(fig)  # drawn before its geometry is read: the layout places the axes when drawing
                panels.append({"name": name, "image": index, **_geometry(fig, ax), "alt": self._alt(name, problem)})
            figures.append(panels)
        return {
            "key": self.key,
            "labels": list(self.optimizers),
            "colors": [plots.color_of(label, i) for i, label in enumerate(self.optimizers)],
            "sliders": [
                {
                    "name": s.name,
                    "label": s.label,
                    "values": list(s.values),
                    "texts": [s.text(i) for i in range(len(s.values))],
                    "default": s.default_index,
                    "categorical": bool(s.names),
                }
                for s in self.sliders
            ],
            "grid": [s.name for s in self._grid_sliders],
            "problemAxes": [self._grid_sliders.index(s) for s in self._problem_sliders],
            "steps": self.steps,
            "dim": paths.shape[-1],
            "dpi": plots.STYLE["figure.dpi"],
            "images": images,
            "figures": figures,
            "readouts": self._readouts(),
            "levels": self._levels(),
            "levelColor": LEVEL_COLOR,
            "paths": _b64_float32(paths) if self.is_2d else None,
            "gaps": _b64_float32(gaps),
        }

    def _static_panels(self, problem) -> list:
        """The static book's figure as separate panels, [(name, figure, axes)]: the path panel (2-D problems
        only), then the loss panel. Each is its own image, so a narrow page can stack them at its full width;
        their size keeps the text at least 10 CSS px tall when a panel is shown 300 px wide. They show what
        `_figure` shows, without the lines, which playground.js draws."""
        panels = []
        with mpl.rc_context(plots.STYLE):
            handles = [
                Line2D([], [], color=plots.color_of(label, i), label=label) for i, label in enumerate(self.optimizers)
            ]
            if hasattr(problem, "bounds"):
                fig, ax_path = plots.figure(width=STATIC_PANEL[0], height=STATIC_PANEL[1])
                plots.contours(ax_path, problem)
                for i, label in enumerate(self.optimizers):
                    plots.path_line(ax_path, label, i)
                if len(self.optimizers) <= 3:
                    ax_path.legend(loc="upper right")
                else:  # a longer legend would hide much of the paths on a panel this small
                    fig.legend(loc="outside lower center", ncols=3)
                panels.append(("path", fig, ax_path))
                handles = []  # the optimizers are named on the path panel
            fig, ax_loss = plots.figure(width=STATIC_PANEL[0], height=STATIC_PANEL[1])
            self._loss_axes(ax_loss)
            if self.level is not None:
                handles.append(Line2D([], [], linestyle="--", color=LEVEL_COLOR, label=self.level_label))
            if handles:
                ax_loss.legend(handles=handles, loc="upper right")
            panels.append(("loss", fig, ax_loss))
        return panels

    def _alt(self, panel: str, problem) -> str:
        """The alt text of a panel's background image."""
        labels = list(self.optimizers)
        names = " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
        if panel == "path":
            where = f"the {problem.name} problem" if hasattr(problem, "name") else "the problem"
            return (
                f"Contour map of {where} over w1 and w2 (darker is lower, a star marks the minimum), "
                f"with the paths of {names} at the chosen settings."
            )
        level = f", and the {self.level_label} level as a dashed line" if self.level is not None else ""
        return f"The loss gap f(w_t) − f* against the step t on a log scale, with the curves of {names}{level}."

    def _readouts(self):
        if self.readout is None:
            return None
        return [_call(self.readout, values) for values in self._grid_values()]

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {} if os.environ.get(STATIC_ENV) else dict(self.widget()._repr_mimebundle_())
        bundle.update({"text/plain": f"Playground({self.key!r})", "text/html": self.static_html()})
        return bundle


class SingleThreadedPlayground(Playground):
    """A Playground whose runs use one BLAS thread, like `models.single_threaded`: for models whose
    matrices are small (the digits models), where BLAS threads cost more than they save."""

    def grid(self):
        if not hasattr(self, "_grid"):  # threadpool_limits costs milliseconds: only around the batched runs
            with threadpool_limits(limits=1, user_api="blas"):
                super().grid()
        return self._grid

    def compute(self, values):
        with threadpool_limits(limits=1, user_api="blas"):
            return super().compute(values)


def _b64_float32(values: np.ndarray) -> str:
    """float32, gzip-compressed (about 2.5x smaller; the browser inflates it with DecompressionStream),
    base64. mtime=0 keeps the bytes, and so the page, identical from build to build."""
    raw = np.ascontiguousarray(values, dtype="<f4").tobytes()
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode()


def _figure_png_base64(fig) -> str:
    """The figure drawn as a palette PNG, base64 (the lines a playground moves are not in it)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    png = io.BytesIO()
    canvas.print_png(png)
    return base64.b64encode(plots.palette_png(png.getvalue())).decode()


def _geometry(fig, ax) -> dict:
    """The size of a drawn figure in pixels, and where its axes sit in it (pixels from the top-left) with
    their data limits and scales."""
    width, height = fig.canvas.get_width_height()
    x0, y0, w, h = (float(v) for v in ax.bbox.bounds)
    limits = {"xlim": [float(v) for v in ax.get_xlim()], "ylim": [float(v) for v in ax.get_ylim()]}
    scales = {"xlog": ax.get_xscale() == "log", "ylog": ax.get_yscale() == "log"}
    return {
        "width": width,
        "height": height,
        "box": {"x": x0, "y": height - y0 - h, "w": w, "h": h, **limits, **scales},
    }


MAX_TOGGLE_OPTIONS = 4  # a categorical slider with more choices than this is a drop-down list


def _control(widgets, slider: Slider):
    """The widget for one slider: buttons (few choices) or a drop-down list for a categorical slider, a
    selection slider over the grid for a number. Each option's value is its index in `slider.values`, and the
    description (the slider's label, shown in full) is the widget's accessible name."""
    options = [(slider.text(i), i) for i in range(len(slider.values))]
    common = {"options": options, "value": slider.default_index, "description": slider.label}
    if not slider.names:
        return widgets.SelectionSlider(
            **common,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="340px"),
        )
    if len(options) <= MAX_TOGGLE_OPTIONS:
        # "auto" sizes each button to its name (the default width cuts long names with an ellipsis).
        return widgets.ToggleButtons(**common, style={"description_width": "initial", "button_width": "auto"})
    return widgets.Dropdown(**common, style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))


def _png(rgba: np.ndarray) -> bytes:
    """A lossless PNG of an (height, width, 4) uint8 image, fast: no row filter and zlib level 1, RGB when
    every pixel is opaque. About 3x faster than PIL's encoder, whose per-row filter search dominates, and
    smaller on these figures (their large flat areas compress well unfiltered)."""
    import struct
    import zlib

    height, width, _ = rgba.shape
    opaque = bool((rgba[..., 3] == 255).all())
    channels = 3 if opaque else 4
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # each row starts with its filter: 0, none
    rows[:, 1:].reshape(height, width, channels)[...] = rgba[..., :channels]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"IDAT", zlib.compress(rows, 1)), chunk(b"IEND", b"")]
    )


class _LiveView:
    """Controls over a figure whose background is rendered once per problem and whose lines are blitted.

    Everything a move does not change is prepared when the view is made: the batched grid, the background of
    every problem setting, and the readout and level of every grid point. A move then costs the lines, the PNG
    encoding and the widget update; the encoded frames of the last `frames` settings are kept (0: none), so
    moving back to a setting costs only the widget update.
    """

    def __init__(self, playground: Playground, frames: int = 128):
        import ipywidgets as w

        self.pg = playground
        self.controls = [_control(w, s) for s in playground.sliders]
        self.image = w.Image(format="png")
        self.text = w.HTML()
        self._frames, self._max_frames = {}, frames  # (grid index, steps shown) -> (png, text), oldest first
        self._views = {}  # id(problem) -> (canvas, background, lines)
        self._notes = {}  # grid index -> (level or None, readout lines)
        playground.grid()
        for index, values in zip(self._grid_indices(), playground._grid_values(), strict=True):
            self._view(playground.problem_for(values))
            level = None if playground.level is None else float(_call(playground.level, values))
            self._notes[index] = (level, [_call(playground.readout, values)] if playground.readout else [])
        for control in self.controls:
            control.observe(self.redraw, names="value")
        caption = [w.HTML(f"<b>{html.escape(playground.caption)}</b>")] if playground.caption else []
        self.box = w.VBox(
            [*caption, w.HBox(self.controls, layout=w.Layout(flex_flow="row wrap")), self.image, self.text]
        )
        self.redraw()

    def _grid_indices(self):
        """Every grid point as a tuple of slider indices, in the order of `Playground._grid_values`."""
        return itertools.product(*(range(len(s.values)) for s in self.pg._grid_sliders))

    def values(self) -> dict:
        return {s.name: s.values[c.value] for s, c in zip(self.pg.sliders, self.controls, strict=True)}

    def _view(self, problem):
        if id(problem) not in self._views:
            fig, _, _, lines = self.pg._figure(problem)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            self._views[id(problem)] = (canvas, canvas.copy_from_bbox(fig.bbox), lines)
        return self._views[id(problem)]

    def redraw(self, change=None):
        """Show the frame of the controls' setting: from the cache if it was drawn lately, else rendered."""
        values = self.values()
        key = (
            tuple(c.value for s, c in zip(self.pg.sliders, self.controls, strict=True) if s.name != "steps"),
            int(values.get("steps", self.pg.steps)),
        )
        frame = self._frames.pop(key, None) or self.render(values)
        self._frames[key] = frame  # (re)inserted last: the dict's order is the order of use
        while len(self._frames) > self._max_frames:
            del self._frames[next(iter(self._frames))]
        self.image.value, self.text.value = frame

    def render(self, values: dict) -> tuple[bytes, str]:
        """The PNG and the text under it at a grid point of the sliders, drawn from the batched grid."""
        problem = self.pg.problem_for(values)
        shown = int(values.get("steps", self.pg.steps))
        index = tuple(s.values.index(float(values[s.name])) for s in self.pg._grid_sliders)
        level, readout = self._notes[index]
        canvas, background, lines = self._view(problem)
        canvas.restore_region(background)
        texts = []
        for label, (path, gap) in self.pg.runs_at(values).items():
            path_line, loss_line = lines[label]
            if path_line is not None:
                path_line.set_data(path[: shown + 1, 0], path[: shown + 1, 1])
                path_line.axes.draw_artist(path_line)
            loss_line.set_data(np.arange(shown + 1), gap[: shown + 1])
            loss_line.axes.draw_artist(loss_line)
            texts.append(summary(label, gap, shown))
        if level is not None:
            level_line = lines[LEVEL][1]
            level_line.set_data([0, self.pg.steps], [level, level])
            level_line.axes.draw_artist(level_line)
        png = _png(np.asarray(canvas.buffer_rgba()))
        return png, "<br>".join(html.escape(t) for t in [*texts, *readout])


def tuned_race(
    key: str, problems: dict, optimizers: dict, lrs: dict, scales, steps: int, shown=(25, 50, 100, 200), **kwargs
) -> Playground:
    """Optimizers racing on several problems, each at a common multiple of its own tuned learning rate.

    problems: name -> problem, picked by a "problem" slider. optimizers: label -> optimizer class taking `lr`.
    lrs: label -> its tuned rates, one per problem in the order of `problems`. scales: the multiples the "lr_scale"
    slider offers (1 among them: the default). shown: the prefixes of the `steps` a "steps" slider offers.
    kwargs: `labels` (label -> the name the readout line gives it) and `caption`. The readout lists the rates in use.
    """
    names, rates = list(problems), {n: np.asarray(lrs[n], dtype=np.float64) for n in optimizers}
    labels = kwargs.get("labels") or {}

    def factory(cls, lr):
        return lambda lr_scale, problem: cls(lr=lr[np.asarray(problem, dtype=int)] * np.asarray(lr_scale))

    def readout(lr_scale, problem) -> str:
        return "α used: " + ", ".join(f"{labels.get(n, n)} {r[int(problem)] * lr_scale:.3g}" for n, r in rates.items())

    sliders = [
        Slider("problem", tuple(range(len(names))), 0, label="problem", names=tuple(names)),
        Slider("lr_scale", tuple(scales), 1.0, label="α / tuned α", fmt="g"),
        Slider("steps", (*shown, steps), steps, label="steps shown", fmt="g"),
    ]
    factories = {n: factory(cls, rates[n]) for n, cls in optimizers.items()}
    race = lambda problem: problems[names[int(problem)]]  # noqa: E731
    return Playground(key, race, factories, sliders, steps, readout=readout, caption=kwargs.get("caption", ""))
