"""Learning-rate schedules: values at the steps that define them, array learning rates, validation,
and that an optimizer given a schedule takes exactly the scheduled steps."""

import numpy as np
import pytest

from optim_core import GD, Adam, AdamW, Lion, Momentum, run
from optim_core.problems import Quadratic
from optim_core.schedules import constant, cosine, linear_warmup, step_decay, warmup_cosine

ALL = [
    constant(0.1),
    step_decay(0.1, 0.5, 10),
    cosine(0.1, 50),
    cosine(0.1, 50, final_lr=1e-3),
    linear_warmup(0.1, 8),
    warmup_cosine(0.1, 8, 50),
    warmup_cosine(0.1, 0, 50),
]


def test_constant():
    s = constant(0.3)
    assert [float(s(t)) for t in (1, 2, 1000)] == [0.3, 0.3, 0.3]


def test_step_decay_at_its_boundaries():
    s = step_decay(1.0, 0.5, every=3)
    np.testing.assert_array_equal(s.values(10), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125])


def test_cosine_key_steps():
    s = cosine(1.0, total_steps=10, final_lr=0.1)
    assert float(s(1)) == 1.0  # the first step takes the full rate
    # half way through the annealing (position t - 1 = 5 of 10): the mean of lr and final_lr
    np.testing.assert_allclose(s(6), 0.55, rtol=1e-15)
    np.testing.assert_allclose(s(10), 0.1 + 0.9 * 0.5 * (1 + np.cos(0.9 * np.pi)), rtol=1e-15)
    assert float(s(11)) == float(s(10)) == float(s(500))  # holds its last value after the plan
    assert np.all(np.diff(s.values(10)) < 0)  # strictly decreasing over the plan


def test_cosine_to_zero_stays_positive():
    s = cosine(1.0, total_steps=100)
    values = s.values(300)
    assert np.all(values > 0)
    np.testing.assert_allclose(values[99], 0.5 * (1 - np.cos(np.pi / 100)), rtol=1e-12)


def test_linear_warmup():
    s = linear_warmup(1.0, warmup_steps=4)
    np.testing.assert_array_equal(s.values(6), [0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_warmup_cosine_key_steps():
    s = warmup_cosine(2.0, warmup_steps=4, total_steps=14, final_lr=0.0)
    np.testing.assert_array_equal(s.values(4), [0.5, 1.0, 1.5, 2.0])  # starts at lr / warmup_steps
    assert float(s(5)) == 2.0  # the cosine starts at the full rate
    np.testing.assert_allclose(s(10), 1.0, rtol=1e-15)  # half way through its 10 cosine steps
    assert float(s(14)) == float(s(1000)) > 0
    np.testing.assert_array_equal(warmup_cosine(2.0, 0, 10).values(12), cosine(2.0, 10).values(12))


@pytest.mark.parametrize("schedule", ALL, ids=repr)
def test_positive_at_every_step(schedule):
    assert np.all(schedule.values(400) > 0)


@pytest.mark.parametrize(
    "make",
    [
        lambda lr: constant(lr),
        lambda lr: step_decay(lr, 0.5, 10),
        lambda lr: cosine(lr, 50, final_lr=lr / 10),
        lambda lr: linear_warmup(lr, 8),
        lambda lr: warmup_cosine(lr, 8, 50),
    ],
)
def test_array_learning_rates_broadcast_and_scale(make):
    grid = np.array([[1e-3], [1e-2], [1e-1]])
    batched = make(grid)
    assert batched(1).shape == (3, 1)
    assert batched.values(60).shape == (60, 3, 1)
    for k, lr in enumerate(grid[:, 0]):
        np.testing.assert_allclose(batched.values(60)[:, k, 0], make(float(lr)).values(60), rtol=1e-14)


def test_step_arrays_are_accepted():
    s = warmup_cosine(1.0, 5, 20)
    np.testing.assert_array_equal(s(np.array([1, 3, 5])), [s(1), s(3), s(5)])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: constant(0.0), r"lr must be > 0 \(got 0.0\)"),
        (lambda: constant(np.array([0.1, -1.0])), r"lr must be > 0 \(got -1.0\)"),
        (lambda: step_decay(0.1, 0.0, 10), "factor must be > 0"),
        (lambda: step_decay(0.1, 1.5, 10), r"factor must be in \(0, 1\]"),
        (lambda: step_decay(0.1, 0.5, 0), "every must be an integer >= 1"),
        (lambda: step_decay(0.1, 0.5, 2.5), "every must be an integer >= 1"),
        (lambda: cosine(0.1, 0), "total_steps must be an integer >= 1"),
        (lambda: cosine(0.1, 10, final_lr=-1e-3), "final_lr must be >= 0"),
        (lambda: cosine(0.1, 10, final_lr=0.2), "final_lr must be <= lr"),
        (lambda: linear_warmup(0.1, 0), "warmup_steps must be an integer >= 1"),
        (lambda: warmup_cosine(0.1, -1, 10), "warmup_steps must be an integer >= 0"),
        (lambda: warmup_cosine(0.1, 10, 10), r"total_steps \(> warmup_steps\) must be an integer >= 11"),
        (lambda: warmup_cosine(float("nan"), 1, 10), "lr must be finite"),
        (lambda: constant(0.1)(0), "step must be an integer >= 1"),
        (lambda: constant(0.1)(1.5), "step must be an integer >= 1"),
    ],
)
def test_validation_messages(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_readable_repr():
    assert (
        repr(warmup_cosine(1e-3, 100, 1000))
        == "warmup_cosine(lr=0.001, warmup_steps=100, total_steps=1000, final_lr=0)"
    )
    assert repr(step_decay(0.1, 0.5, 30)) == "step_decay(lr=0.1, factor=0.5, every=30)"
    assert (
        repr(cosine(np.array([[1e-3], [1e-1]]), 10))
        == "cosine(lr=array(shape=(2, 1), 0.001..0.1), total_steps=10, final_lr=0)"
    )


def test_adam_with_schedule_equals_stepping_by_hand():
    problem = Quadratic.from_condition(50.0)
    schedule = warmup_cosine(0.3, 5, 40, final_lr=0.01)
    traj = run(Adam(lr=schedule), problem, steps=40)
    w, state = problem.x0, Adam(lr=1.0).init(problem.x0)
    for t in range(1, 41):
        # Adam at step t with the constant rate the schedule gives at t, and the same state
        w, state = Adam(lr=float(schedule(t))).update(w, problem.grad(w), state)
        np.testing.assert_array_equal(traj.params[t], w)


@pytest.mark.parametrize("optimizer", [GD, Momentum, AdamW, Lion])
def test_other_optimizers_accept_a_schedule(optimizer):
    problem = Quadratic()
    schedule = step_decay(0.05, 0.5, 7)
    traj = run(optimizer(lr=schedule), problem, steps=20)
    w, state = problem.x0, optimizer(lr=1.0).init(problem.x0)
    for t in range(1, 21):
        w, state = optimizer(lr=float(schedule(t))).update(w, problem.grad(w), state)
    np.testing.assert_array_equal(traj.params[-1], w)


def test_a_batched_sweep_of_schedules_is_one_run():
    problem = Quadratic()
    grid = np.array([[0.01], [0.1], [0.5]])
    traj = run(Adam(lr=warmup_cosine(grid, 10, 60)), problem, steps=60)
    assert traj.params.shape == (61, 3, 2)
    for k, lr in enumerate(grid[:, 0]):
        single = run(Adam(lr=warmup_cosine(float(lr), 10, 60)), problem, steps=60)
        np.testing.assert_allclose(traj.params[:, k], single.params, rtol=1e-13, atol=1e-15)


def test_arrays_of_warmup_steps_broadcast():
    lr = np.array([[0.1], [1.0]])[:, :, None]  # (2, 1, 1)
    warmup = np.array([0.0, 4.0, 10.0])[None, :, None]  # (1, 3, 1), floats holding whole numbers
    batched = warmup_cosine(lr, warmup, 30)
    assert batched(1).shape == (2, 3, 1)
    values = batched.values(40)
    for i, a in enumerate([0.1, 1.0]):
        for j, w in enumerate([0, 4, 10]):
            np.testing.assert_allclose(values[:, i, j, 0], warmup_cosine(a, w, 30).values(40), rtol=1e-14)
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 0"):
        warmup_cosine(0.1, np.array([2.0, 2.5]), 30)
    with pytest.raises(ValueError, match=r"total_steps \(> warmup_steps\) must be an integer >= 11"):
        warmup_cosine(0.1, np.array([2.0, 10.0]), 10)
