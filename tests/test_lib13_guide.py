"""Library pieces added for issue 13 by the chapters "When Adam fails" and "A practical guide":
problems.Transformed, problems.GradientScaled, problems.random_rotation, and the measurements of
optim_core.invariance (the rows of the invariance table are proved in tests/test_invariance.py)."""

import numpy as np
import pytest
from numeric import central_differences

from optim_core import GD, Adam, SignGD, run
from optim_core import invariance as inv
from optim_core.problems import (
    RAVINE,
    SURFACES,
    GradientScaled,
    NoisyQuadratic,
    Quadratic,
    Transformed,
    random_rotation,
    rotation,
)

ROSENBROCK = SURFACES["rosenbrock"]


# ----- random_rotation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 5, 12])
def test_random_rotation_is_a_seeded_rotation(dim):
    q = random_rotation(dim, seed=3)
    np.testing.assert_allclose(q @ q.T, np.eye(dim), atol=1e-13)
    assert np.linalg.det(q) == pytest.approx(1.0)
    np.testing.assert_array_equal(q, random_rotation(dim, seed=3))
    if dim > 1:
        assert not np.allclose(q, random_rotation(dim, seed=4))


@pytest.mark.parametrize("dim", [0, -1, 2.0, True])
def test_random_rotation_refuses_bad_dims(dim):
    with pytest.raises(ValueError, match="dim"):
        random_rotation(dim, 0)


# ----- Transformed -----------------------------------------------------------------------------------------

TRANSFORMED = {
    "turned ravine": Transformed(RAVINE, matrix=rotation(0.7)),
    "rosenbrock, all at once": Transformed(ROSENBROCK, matrix=[[2.0, 1.0], [0.5, 3.0]], shift=[1.0, -2.0], scale=7.0),
    "rescaled": Transformed(ROSENBROCK, matrix=np.diag([0.5, 2.0])),
}


@pytest.mark.parametrize("problem", TRANSFORMED.values(), ids=TRANSFORMED.keys())
def test_transformed_gradient_and_geometry(problem):
    rng = np.random.default_rng(0)
    for u in rng.normal(size=(10, 2)):
        g = problem.grad(u)
        np.testing.assert_allclose(
            g, central_differences(problem.f, u, h=1e-6), rtol=1e-6, atol=1e-6 * max(1, np.abs(g).max())
        )
    # the start, the minimum and f* move with the coordinates; back undoes forward
    np.testing.assert_allclose(problem.back(problem.x0), problem.problem.x0, atol=1e-14)
    np.testing.assert_allclose(problem.back(problem.minimum), problem.problem.minimum, atol=1e-14)
    assert problem.f(problem.minimum) == pytest.approx(problem.f_min, abs=1e-12)
    assert np.abs(problem.grad(problem.minimum)).max() < 1e-10
    points = rng.normal(size=(4, 3, 2))
    np.testing.assert_allclose(problem.back(problem.forward(points)), points, atol=1e-14)


def test_transformed_is_computed_point_by_point():
    problem = TRANSFORMED["rosenbrock, all at once"]
    xs = np.random.default_rng(1).normal(size=(3, 5, 2))
    np.testing.assert_array_equal(problem.grad(xs), np.array([[problem.grad(x) for x in row] for row in xs]))
    np.testing.assert_array_equal(problem.f(xs), np.array([[problem.f(x) for x in row] for row in xs]))


def test_transformed_scale_multiplies_the_loss_and_the_gradient():
    scaled = Transformed(ROSENBROCK, scale=3.0)
    w = np.array([0.3, -0.2])
    assert scaled.f(w) == 3.0 * ROSENBROCK.f(w)
    np.testing.assert_array_equal(scaled.grad(w), 3.0 * ROSENBROCK.grad(w))
    assert scaled.name == "rosenbrock, transformed"


def test_transformed_keeps_the_noise_stream_and_the_seed_batch():
    noisy = NoisyQuadratic(seed=np.array([[0], [1], [2]]))
    turned = Transformed(noisy, matrix=random_rotation(2, 0))
    assert turned.batch_shape == (3,)
    u = np.zeros((3, 2))
    q = random_rotation(2, 0)
    # at the minimum the gradient is the noise alone, turned like every gradient
    np.testing.assert_allclose(turned.stochastic_grad(u, 5), noisy.stochastic_grad(u, 5) @ q.T, atol=1e-15)
    traj = run(GD(0.1), turned, steps=10)
    assert traj.params.shape == (11, 3, 2)
    single = run(GD(0.1), Transformed(NoisyQuadratic(seed=1), matrix=q), steps=10)
    np.testing.assert_array_equal(traj.params[:, 1], single.params)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"matrix": np.eye(3)}, "matrix"),
        ({"matrix": [[1.0, 2.0], [2.0, 4.0]]}, "invertible"),
        ({"matrix": [[1.0, np.nan], [0.0, 1.0]]}, "matrix"),
        ({"shift": [1.0, 2.0, 3.0]}, "shift"),
        ({"shift": [np.inf, 0.0]}, "shift"),
        ({"scale": 0.0}, "scale"),
        ({"scale": -1.0}, "scale"),
        ({"scale": "2"}, "scale"),
    ],
)
def test_transformed_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Transformed(RAVINE, **kwargs)


# ----- GradientScaled --------------------------------------------------------------------------------------


def test_gradient_scaled_on_an_axis_aligned_ravine_changes_its_curvatures():
    # f = sum_i h_i w_i^2 / 2: multiplying coordinate i's gradient by d_i is the ravine with curvatures d_i h_i
    d = np.array([3.0, 0.25])
    scaled, other = GradientScaled(RAVINE, d), Quadratic(mu=0.2 * 3.0, L=4.0 * 0.25)
    w = np.random.default_rng(2).normal(size=(6, 2))
    np.testing.assert_allclose(scaled.grad(w), other.grad(w), rtol=1e-15)
    np.testing.assert_array_equal(scaled.f(w), RAVINE.f(w))  # the loss itself is not changed
    np.testing.assert_array_equal(scaled.x0, RAVINE.x0)


def test_gradient_scaled_refuses_bad_factors():
    for bad in ([1.0, 2.0, 3.0], [1.0, 0.0], -1.0):
        with pytest.raises(ValueError, match="factors"):
            GradientScaled(RAVINE, bad)


# ----- measurements ------------------------------------------------------------------------------------------


def test_path_gap_and_verdict():
    a = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    assert inv.path_gap(a, a) == 0.0
    assert inv.path_gap(a, a + np.array([0.0, 0.1])) == pytest.approx(0.05)  # 0.1 apart over a path of length 2
    assert inv.path_gap(a, a * np.nan) == np.inf and inv.path_gap(a[:1].repeat(3, 0), a) == np.inf
    assert inv.verdict(1e-14) is True and inv.verdict(0.5) is False
    with pytest.raises(ValueError, match="neither"):
        inv.verdict(1e-6)


def test_transform_names_and_sizes():
    for name in inv.TRANSFORMS:
        assert hasattr(inv.transform(ROSENBROCK, name), "grad")
    with pytest.raises(ValueError, match="name must be one of"):
        inv.transform(ROSENBROCK, "mirror")
    p = inv.signed_permutation(3)
    np.testing.assert_array_equal(p @ np.array([1.0, 2.0, 3.0]), [3.0, -1.0, 2.0])
    np.testing.assert_allclose(inv.signed_permutation(2), rotation(-np.pi / 2), atol=1e-16)  # a quarter turn
    np.testing.assert_allclose(inv.factors((0.5, 2.0), 3), [0.5, 1.0, 2.0])


def test_stepped_with_unit_factors_is_run():
    for opt in (GD(1e-4), Adam(0.05), SignGD(0.01)):
        np.testing.assert_array_equal(
            inv.stepped(opt, ROSENBROCK, np.ones(2), 20), run(opt, ROSENBROCK, steps=20).params
        )


def test_stepped_scales_each_coordinate_of_every_step():
    # on a separable problem each coordinate runs alone: halving its steps is halving its learning rate
    path = inv.stepped(SignGD(0.1), RAVINE, np.array([1.0, 0.5]), 5)
    np.testing.assert_allclose(path[:, 0], run(SignGD(0.1), RAVINE, steps=5).params[:, 0])
    np.testing.assert_allclose(path[:, 1], run(SignGD(0.05), RAVINE, steps=5).params[:, 1])


# ----- online: the settled cycle of the rare-slope game ----------------------------------------------------------


def test_settled_ema_is_the_fixed_point_of_one_period():
    from optim_core.online import settled_ema

    values, beta = np.array([9.0, 1.0, 1.0]), 0.1
    v = settled_ema(values, beta)
    # one more period from its last value gives the same values back
    again, last = [], v[-1]
    for x in values:
        last = beta * last + (1 - beta) * x
        again.append(last)
    np.testing.assert_allclose(again, v, rtol=1e-14)
    # the closed form of the first value: (1 - beta) sum_j beta^j x_{-j} over the periodic past
    p = len(values)
    closed = (1 - beta) * sum(beta**k * values[(0 - k) % p] for k in range(p)) / (1 - beta**p)
    assert v[0] == pytest.approx(closed, rel=1e-14)
    np.testing.assert_allclose(settled_ema([2.0], 0.7), [2.0])  # a constant sequence: its own value


def test_settled_moves_and_period_mean():
    from optim_core.online import period_mean, settled_moves

    moves = settled_moves(beta2=0.1)
    np.testing.assert_array_equal(moves["GD"], [-3.0, 1.0, 1.0])
    assert moves["Adam"].sum() > 0 > moves["AMSGrad"].sum()  # the paper's beta2: Adam drifts up, AMSGrad down
    assert moves["AMSGrad"][1] == pytest.approx(-moves["AMSGrad"][0] / 3)  # one denominator for the whole period
    assert settled_moves(beta2=0.999)["Adam"].sum() < 0  # a long memory: Adam follows the mean slope
    np.testing.assert_allclose(settled_moves(beta2=1e-12)["Adam"], [-1.0, 1.0, 1.0], atol=1e-5)  # sign descent
    assert period_mean(np.array([5.0, 1.0, 2.0, 3.0])) == 2.0 and period_mean(np.arange(6.0), period=2) == 4.5


def test_table_cells_and_markdown_are_written_from_the_measurement():
    gd = {"loss scale": "no", "loss scale as": "lr x c", "gradient scale": "no", "rotation": "yes",
          "signed permutation": "yes", "rescaling": "no", "rescaling as": 2, "shift": "yes"}  # fmt: skip
    adam = gd | {"loss scale": "eps = 0", "loss scale as": "eps x c", "gradient scale": "eps = 0",
                 "rotation": "no", "rescaling as": 1}  # fmt: skip
    assert inv.table_cell(gd, "loss scale", False) == "no: acts as α → cα"
    assert inv.table_cell(gd, "rescaling", False) == "no: acts as αᵢ → α/uᵢ²"
    assert inv.table_cell(adam, "loss scale", True) == "only if ε = 0 (or ε → cε)"
    assert inv.table_cell(adam, "gradient scale", True) == "only if ε = 0"
    assert inv.table_cell(adam, "rescaling", True) == "no: with ε = 0, acts as αᵢ → α/uᵢ"
    text = inv.table_markdown({"GD": gd, "Adam": adam}, {"GD": (GD, {"lr": 0.1}), "Adam": (Adam, {"lr": 0.1})})
    lines = text.splitlines()
    assert lines[0] == "| optimizer | " + " | ".join(inv.COLUMNS.values()) + " |" and len(lines) == 4
    assert lines[2] == "| GD | no: acts as α → cα | no | yes | yes | no: acts as αᵢ → α/uᵢ² | yes |"
    assert lines[3].startswith("| Adam | only if ε = 0 (or ε → cε) | only if ε = 0 | no | yes |")
