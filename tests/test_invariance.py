"""The invariance table of the practical guide, row by row, proved by runs.

For every optimizer of `invariance.ROWS` and every transformation of `invariance.TRANSFORMS`, the optimizer
runs on a problem and on the transformed problem (from the transformed start); the second path, mapped
back, must equal the first to rounding (relative gap <= invariance.SAME = 1e-10) where the table says
"yes", and differ clearly (>= invariance.DIFFERENT = 1e-3) where it says "no". Each row is checked on three
problems, one at a time: the ravine turned by 30 degrees, Rosenbrock's valley (not a quadratic), and a 6-D
quadratic with seeded gradient noise (its rotation a random 6-D one). The chapter builds its table from the
same measurement (`invariance.measure_row`) on the first two together.

What each cell means, exactly:
- loss scale (f -> c f, c = 1e-10): "yes": the same path; "eps = 0": the same path only with eps = 0 (at the
  default eps the step changes once c dw is near eps), and with eps > 0 the same path once eps -> c eps;
  GD and Momentum: not invariant, and the run on c f is the run on f with the learning rate c alpha.
- gradient scale (dw -> D dw per coordinate): as the loss scale, without the eps -> c eps repair.
- rotation (a random one): only GD and Momentum; signed permutation (a quarter turn in 2-D): every method.
- rescaling (w -> D w): no method; mapped back, the run is the original one with the per-coordinate
  learning rate alpha / d_i^2 (GD, Momentum) or alpha / d_i (the sign methods, and the adaptive ones with
  eps = 0). Weight decay pulls toward 0 and breaks this.
- shift (w -> w + b): every method except those that decay the weights toward 0 (AdamW, Lion with decay).
"""

import dataclasses

import numpy as np
import pytest

from optim_core import GD, Adam, Momentum, RMSProp
from optim_core import invariance as inv
from optim_core.problems import SURFACES, NoisyQuadratic, Quadratic

NOISY = NoisyQuadratic(
    curvatures=tuple(np.geomspace(0.2, 4.0, 6)), sigmas=(0.5,) * 6, batch_size=4, seed=3, x0=np.linspace(-3, 2, 6)
)
PROBLEMS = {"turned ravine": Quadratic().turned(30), "rosenbrock": SURFACES["rosenbrock"], "noisy 6-D": NOISY}

COLUMNS = (*inv.TRANSFORMS, "loss scale as", "rescaling as")
LINEAR = ("no", "no", "yes", "yes", "no", "yes", "lr x c", 2)  # the step is linear in the gradient
ADAPTIVE = ("eps = 0", "eps = 0", "no", "yes", "no", "yes", "eps x c", 1)
SIGN = ("yes", "yes", "no", "yes", "no", "yes", None, 1)
EXPECTED = {
    "GD": LINEAR,
    "Momentum (EMA form)": LINEAR,
    "Momentum (torch form)": LINEAR,
    "AdaGrad": ADAPTIVE,
    "RMSProp": ADAPTIVE,
    "Adam": ADAPTIVE,
    "SignGD": SIGN,
    "Lion": SIGN,
    "AdamW (decay 0.1)": ("eps = 0", "eps = 0", "no", "yes", "no", "no", "eps x c", None),
    "Lion (decay 0.1)": ("yes", "yes", "no", "yes", "no", "no", None, None),
}


def test_the_table_covers_every_row_and_column():
    assert list(EXPECTED) == list(inv.ROWS)
    assert COLUMNS[:6] == inv.TRANSFORMS


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
@pytest.mark.parametrize("row", EXPECTED, ids=EXPECTED.keys())
def test_row(row, problem):
    cls, settings = inv.ROWS[row]
    measured = inv.measure_row(cls, settings, (problem,), inv.STEPS)
    assert tuple(measured[c] for c in COLUMNS) == EXPECTED[row]


def test_the_chapter_measurement_on_both_problems_together():
    cls, settings = inv.ROWS["Adam"]
    measured = inv.measure_row(cls, settings, inv.PROBLEMS, inv.STEPS)
    assert tuple(measured[c] for c in COLUMNS) == ADAPTIVE


# ----- the exact statements behind the cells, shown once each with their own numbers ------------------------


def gap(opt, problem, name, reference=None):
    return inv.invariance_gap(opt, problem, name, inv.STEPS, reference_opt=reference)


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_gd_and_momentum_commute_with_rotations(problem):
    for opt in (GD(1e-4), Momentum(1e-4), Momentum(1e-5, ema=False, nesterov=True)):
        assert gap(opt, problem, "rotation") < 1e-12


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_signed_permutations_are_exact_for_every_method(problem):
    # a matrix of 0 and +-1 moves numbers without rounding them: the paths agree bit for bit
    for cls, settings in inv.ROWS.values():
        assert gap(cls(**settings), problem, "signed permutation") == 0.0


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_the_role_of_eps_in_the_loss_scale(problem):
    c = inv.LOSS_SCALE
    for opt in (Adam(0.01), RMSProp(0.005)):
        assert gap(opt, problem, "loss scale") > 0.01  # c dw is near eps: the default eps changes the path
        assert gap(dataclasses.replace(opt, eps=0.0), problem, "loss scale") < 1e-13
        # eps scaled with the loss: the same path again
        scaled = dataclasses.replace(opt, eps=c * float(opt.eps))
        reference = inv.run(opt, problem, steps=inv.STEPS).params
        path = inv.mapped_path(scaled, inv.transform(problem, "loss scale"), inv.STEPS)
        assert inv.path_gap(reference, path) < 1e-13


def test_at_a_moderate_loss_scale_eps_changes_the_path_only_slightly():
    # why the default eps is said to matter only where c dw is near eps: with c = 100 Adam's path moves by
    # a relative 1e-9 or less, far from rounding (so not invariant) but far from any visible difference
    problem = PROBLEMS["turned ravine"]
    moved = inv.path_gap(
        inv.run(Adam(0.01), problem, steps=inv.STEPS).params,
        inv.mapped_path(Adam(0.01), inv.Transformed(problem, scale=100.0), inv.STEPS),
    )
    assert 1e-14 < moved < 1e-8


def test_gd_on_a_scaled_loss_is_gd_with_a_scaled_learning_rate():
    problem = PROBLEMS["rosenbrock"]
    gd = inv.ROWS["GD"][0]
    assert gap(gd(1e-4), problem, "loss scale") > 0.5  # c = 1e-10: the transformed run hardly moves
    assert gap(gd(1e-4), problem, "loss scale", reference=gd(1e-4 * inv.LOSS_SCALE)) < 1e-12


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_rescaling_acts_as_a_per_coordinate_learning_rate(problem):
    d = inv.factors(inv.RESCALING, np.shape(problem.x0)[-1])
    for name, k in (("GD", 2), ("Adam", 1), ("SignGD", 1)):
        cls, settings = inv.ROWS[name]
        opt = cls(**settings, **({"eps": 0.0} if name == "Adam" else {}))
        path = inv.mapped_path(opt, inv.transform(problem, "rescaling"), inv.STEPS)
        assert inv.path_gap(inv.stepped(opt, problem, d**-k, inv.STEPS), path) < 1e-12
        assert inv.path_gap(inv.stepped(opt, problem, d ** -(3 - k), inv.STEPS), path) > 1e-2  # the other power
