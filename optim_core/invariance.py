"""What an optimizer is invariant to, measured: run it on a problem and on a transformed problem (from the
transformed start), map the second path back to the first problem's coordinates, and compare the paths.

The transformations (`transform(problem, name)`)::

    "loss scale":     f -> c f (c > 0); every gradient is c times as large.
    "gradient scale": dw -> D dw, coordinate i multiplied by d_i > 0 (for a loss with one term per coordinate,
                      such as an axis-aligned ravine, that term multiplied by d_i).
    "rotation":       w -> Q w with Q a rotation (a seeded random one), f(w) -> f(Q^T u).
    "signed permutation": w -> P w with P a permutation of the coordinates with sign flips (a quarter turn
                      in 2-D).
    "rescaling":      w -> D w, f(w) -> f(D^-1 u): each coordinate measured in another unit.
    "shift":          w -> w + b, f(w) -> f(u - b).

`path_gap` is the largest distance between the two paths over the largest distance the reference path moves
from its start: rounding level (below SAME) when the optimizer is invariant, and at least DIFFERENT when it
is not; `verdict` refuses anything in between, so a measurement always decides. `stepped` runs an optimizer
with each coordinate's step multiplied by a factor: the reference for "rescaling w -> D w acts as the
per-coordinate learning rate alpha / d_i^k".
"""

from __future__ import annotations

import numpy as np

from optim_core.adagrad import AdaGrad
from optim_core.adam import Adam, AdamW
from optim_core.gd import GD
from optim_core.lion import Lion
from optim_core.momentum import Momentum
from optim_core.problems import SURFACES, GradientScaled, Quadratic, Transformed, random_rotation
from optim_core.rmsprop import RMSProp
from optim_core.run import _gradient, run
from optim_core.signgd import SignGD
from optim_core.tables import markdown_table

SAME = 1e-10  #: a relative gap at most this: the same path, up to rounding
DIFFERENT = 1e-3  #: at least this: a clear difference
#: The transformations `transform` applies, in the order of the invariance table's columns.
TRANSFORMS = ("loss scale", "gradient scale", "rotation", "signed permutation", "rescaling", "shift")
LOSS_SCALE = 1e-10  #: small enough that c dw comes near the default eps of every adaptive method (AdaGrad: 1e-10)
GRADIENT_SCALE = (1e-10, 1.0)  #: the two ends of the per-coordinate factors d_i (log-spaced between)
RESCALING = (0.5, 2.0)  #: likewise for the rescaling w -> D w
SHIFT = (-2.0, 3.0)  #: likewise (evenly spaced) for the shift b

#: The book's invariance table: each optimizer at its default betas and eps, with a learning rate small
#: enough for every run to stay stable on PROBLEMS and on their transformed versions for STEPS steps.
ROWS = {
    "GD": (GD, {"lr": 1e-4}),
    "Momentum (EMA form)": (Momentum, {"lr": 1e-4}),
    "Momentum (torch form)": (Momentum, {"lr": 1e-5, "ema": False}),
    "AdaGrad": (AdaGrad, {"lr": 0.05}),
    "RMSProp": (RMSProp, {"lr": 0.005}),
    "Adam": (Adam, {"lr": 0.01}),
    "SignGD": (SignGD, {"lr": 0.005}),
    "Lion": (Lion, {"lr": 0.005}),
    "AdamW (decay 0.1)": (AdamW, {"lr": 0.01, "weight_decay": 0.1}),
    "Lion (decay 0.1)": (Lion, {"lr": 0.005, "weight_decay": 0.1}),
}
TURN = 30.0  #: degrees: the ravine of PROBLEMS has its axes turned by this, so they are not the coordinates
#: The problems of the invariance table: the ravine turned by TURN degrees, and the Rosenbrock valley.
PROBLEMS = (Quadratic().turned(TURN), SURFACES["rosenbrock"])
STEPS = 50  #: the steps of every run the invariance table compares


def signed_permutation(dim: int) -> np.ndarray:
    """Coordinate i goes to i + 1 (the last to the first), the first with its sign flipped: in 2-D, a quarter turn."""
    p = np.roll(np.eye(dim), 1, axis=0)
    p[:, 0] = -p[:, 0]
    return p


def factors(ends: tuple, dim: int) -> np.ndarray:
    """dim factors log-spaced between the two ends (the ends themselves in 2-D)."""
    return np.geomspace(*ends, dim)


def transform(problem, name: str, seed: int = 0):
    """The problem seen through one of TRANSFORMS, with the default size of that transformation."""
    dim = np.shape(problem.x0)[-1]
    if name == "loss scale":
        return Transformed(problem, scale=LOSS_SCALE)
    if name == "gradient scale":
        return GradientScaled(problem, factors(GRADIENT_SCALE, dim))
    if name == "rotation":
        return Transformed(problem, matrix=random_rotation(dim, seed))
    if name == "signed permutation":
        return Transformed(problem, matrix=signed_permutation(dim))
    if name == "rescaling":
        return Transformed(problem, matrix=np.diag(factors(RESCALING, dim)))
    if name == "shift":
        return Transformed(problem, shift=np.linspace(*SHIFT, dim))
    raise ValueError(f"name must be one of {TRANSFORMS} (got {name!r})")


def mapped_path(opt, problem, steps: int) -> np.ndarray:
    """The path of `opt` on `problem` from its start, in the coordinates of the problem it transforms."""
    params = run(opt, problem, steps=steps).params
    back = getattr(problem, "back", None)
    return back(params) if back is not None else params


def path_gap(reference, other) -> float:
    """max_t `|w_t - w'_t|` / max_t `|w_t - w_0|` (inf if either path diverged, or the reference never moved)."""
    reference, other = np.asarray(reference, dtype=np.float64), np.asarray(other, dtype=np.float64)
    moved = np.max(np.linalg.norm(reference - reference[0], axis=-1))
    gap = np.max(np.linalg.norm(reference - other, axis=-1))
    if not (np.isfinite(gap) and moved > 0):
        return float("inf")
    return float(gap / moved)


def verdict(gap: float) -> bool:
    """True for the same path (gap <= SAME), False for a clear difference (gap >= DIFFERENT); anything
    in between is refused: such a measurement decides nothing."""
    if gap <= SAME:
        return True
    if gap >= DIFFERENT:
        return False
    raise ValueError(f"a relative path gap of {gap:.3g} is neither rounding (<= {SAME:g}) nor clear (>= {DIFFERENT:g})")


def invariance_gap(opt, problem, name: str, steps: int, reference_opt=None, seed: int = 0) -> float:
    """path_gap between `reference_opt` (default: opt) on `problem` and opt on the transformed problem, mapped back."""
    reference = run(opt if reference_opt is None else reference_opt, problem, steps=steps).params
    return path_gap(reference, mapped_path(opt, transform(problem, name, seed), steps))


def stepped(opt, problem, step_factors, steps: int) -> np.ndarray:
    """The path of `opt` on `problem` with the step of coordinate i multiplied by step_factors[i] at every step:
    for an optimizer whose step is proportional to its learning rate, a per-coordinate rate alpha * factor_i."""
    w = np.asarray(problem.x0, dtype=np.float64)
    state, path = opt.init(w), [w]
    for t in range(1, steps + 1):
        new_w, state = opt.update(w, _gradient(problem, w, t), state)
        w = w + np.asarray(step_factors) * (new_w - w)
        path.append(w)
    return np.array(path)


def rescaling_power(opt, problem, steps: int, powers=(0, 1, 2)) -> int | None:
    """The k for which opt on the rescaled problem (w -> D w), mapped back, is opt on `problem` with the
    per-coordinate learning rate alpha / d_i^k; None if no k of `powers` matches."""
    d = factors(RESCALING, np.shape(problem.x0)[-1])
    path = mapped_path(opt, transform(problem, "rescaling"), steps)
    for k in powers:
        if verdict(path_gap(stepped(opt, problem, d**-k, steps), path)):
            return k
    return None


def measure_row(cls, settings: dict, problems, steps: int) -> dict:
    """What the runs show for `cls(**settings)` on every problem of `problems`, column by column of TRANSFORMS:

    - "yes": the same path (mapped back) on every problem;
    - "eps = 0": a clear difference at these settings, the same path with eps = 0 (methods with an eps);
    - "no": a clear difference on at least one problem, with eps = 0 too.

    Two extra keys say how a change of scale acts when it is not ignored: "loss scale as" is "lr x c" when
    the run on c f is the run on f with the learning rate times c, "eps x c" when it is the run on f once eps
    is scaled by c too (None otherwise); "rescaling as" is the k of `rescaling_power` (measured with eps = 0
    for a method with an eps), the per-coordinate learning rate alpha / d_i^k that w -> D w amounts to.
    """
    opt = cls(**settings)
    with_eps = hasattr(opt, "eps")
    eps0 = cls(**{**settings, "eps": 0.0}) if with_eps else opt
    paths = {}  # (optimizer, problem index) -> its path on the problem itself, run once

    def same(o, name, reference=None) -> bool:
        for k, p in enumerate(problems):
            ref = reference or o
            if (id(ref), k) not in paths:
                paths[id(ref), k] = run(ref, p, steps=steps).params
            if not verdict(path_gap(paths[id(ref), k], mapped_path(o, transform(p, name), steps))):
                return False
        return True

    out = {}
    for name in TRANSFORMS:
        out[name] = "yes" if same(opt, name) else "eps = 0" if with_eps and same(eps0, name) else "no"
    out["loss scale as"] = None
    if out["loss scale"] != "yes":
        rescaled_lr = cls(**{**settings, "lr": LOSS_SCALE * settings["lr"]})
        scaled_eps = cls(**{**settings, "eps": LOSS_SCALE * float(opt.eps)}) if with_eps else None
        if same(opt, "loss scale", reference=rescaled_lr):
            out["loss scale as"] = "lr x c"
        elif with_eps and same(scaled_eps, "loss scale", reference=opt):
            out["loss scale as"] = "eps x c"
    powers = {rescaling_power(eps0, p, steps) for p in problems}
    out["rescaling as"] = powers.pop() if len(powers) == 1 else None
    return out


# ----- the invariance table, written from the measurements -----------------------------------------------
#: The heading of each column of the invariance table, by transformation.
COLUMNS = {"loss scale": "loss × c", "gradient scale": "gradient × uᵢ", "rotation": "rotation",
           "signed permutation": "quarter turn", "rescaling": "w → U w", "shift": "w → w + shift"}  # fmt: skip


def table_cell(row: dict, column: str, with_eps: bool) -> str:
    """The words for one cell of the table: `row` is a `measure_row` result, `with_eps` whether the method has
    an eps (then the rescaling cell says that its "acts as" holds with eps = 0)."""
    verdict = row[column]
    if verdict == "yes":
        return "yes"
    if verdict == "eps = 0":
        return "only if ε = 0 (or ε → cε)" if row.get(f"{column} as") == "eps x c" else "only if ε = 0"
    if column == "loss scale" and row["loss scale as"] == "lr x c":
        return "no: acts as α → cα"
    if column == "rescaling" and row["rescaling as"] is not None:
        rate = "α/uᵢ²" if row["rescaling as"] == 2 else "α/uᵢ"
        return f"no: {'with ε = 0, ' if with_eps else ''}acts as αᵢ → {rate}"
    return "no"


def table_markdown(measured: dict, rows: dict = ROWS) -> str:
    """The table as Markdown: one line per label of `measured` (label -> `measure_row` result), built as in
    `rows` (label -> (class, settings)), one column per transformation of COLUMNS."""
    cells = []
    for label, row in measured.items():
        cls, settings = rows[label]
        with_eps = hasattr(cls(**settings), "eps")
        cells.append([label, *(table_cell(row, c, with_eps) for c in COLUMNS)])
    return markdown_table(["optimizer", *COLUMNS.values()], cells)
