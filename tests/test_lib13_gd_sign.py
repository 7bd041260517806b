"""Issue 13, library part for the gradient-descent and sign-updates chapters: signgd.EFSignGD (sign compression
with error feedback, Karimireddy et al. 2019), problems.PairsTurned (a separable problem turned plane by plane,
so that no coordinate is an eigen-direction) and problems.Workers (simulated data-parallel workers, moved here
from the sign-updates chapter)."""

import numpy as np
import pytest

from optim_core import GD, SignGD, run
from optim_core.problems import RAVINE, DiagonalQuadratic, PairsTurned, Workers
from optim_core.signgd import EFSignGD

# ----- EFSignGD --------------------------------------------------------------------------------------------


def test_ef_sign_steps_by_hand():
    opt = EFSignGD(lr=0.5)
    w = np.array([1.0, -2.0, 3.0])
    state = opt.init(w)
    g1 = np.array([4.0, 1.0, -1.0])
    w1, state = opt.update(w, g1, state)
    q = 0.5 * g1  # (2, 0.5, -0.5): the error starts at 0
    msg = 1.0 * np.array([1.0, 1.0, -1.0])  # mean |q| = 1, times sign(q)
    np.testing.assert_allclose(w1, w - msg)
    np.testing.assert_allclose(state.error, q - msg)  # (1, -0.5, 0.5)
    g2 = np.array([0.0, 2.0, 2.0])
    w2, state = opt.update(w1, g2, state)
    q2 = 0.5 * g2 + np.array([1.0, -0.5, 0.5])  # (1, 0.5, 1.5)
    np.testing.assert_allclose(w2, w1 - 1.0 * np.sign(q2))
    np.testing.assert_allclose(state.error, q2 - np.sign(q2))
    assert state.count == 2


def test_ef_sign_message_is_one_size_per_step_and_nothing_is_lost():
    # every coordinate of a step has the same size; the steps plus the final error add up to lr * sum(dw)
    rng = np.random.default_rng(3)
    opt, w = EFSignGD(lr=0.1), np.zeros(7)
    state, moved, total = opt.init(w), np.zeros(7), np.zeros(7)
    for _ in range(50):
        g = rng.normal(size=7)
        new, state = opt.update(w, g, state)
        step = np.abs(new - w)
        np.testing.assert_allclose(step, step[0], rtol=1e-12)
        moved += w - new
        total += 0.1 * g
        w = new
    np.testing.assert_allclose(moved + state.error, total, rtol=1e-10, atol=1e-12)


def test_ef_sign_batched_run_equals_single_runs():
    lrs = np.array([0.05, 0.3, 0.8])[:, None]
    batched = run(EFSignGD(lrs), RAVINE, np.broadcast_to(RAVINE.x0, (3, 2)), 60)
    for i, lr in enumerate(lrs[:, 0]):
        single = run(EFSignGD(lr), RAVINE, RAVINE.x0, 60)
        np.testing.assert_array_equal(batched.params[:, i], single.params)


def test_ef_sign_converges_where_sign_descent_stalls():
    ef = run(EFSignGD(0.3), RAVINE, RAVINE.x0, 300)
    sign = run(SignGD(0.3), RAVINE, RAVINE.x0, 300)
    assert ef.final_loss < 1e-12 < sign.loss[-50:].min()


def test_ef_sign_rejects_bad_lr():
    with pytest.raises(ValueError, match="lr"):
        EFSignGD(lr=0.0)


# ----- PairsTurned -----------------------------------------------------------------------------------------


def test_pairs_turned_is_a_rotation_of_the_problem():
    base = DiagonalQuadratic(dim=6, mu=0.1, L=1.0)
    turned = PairsTurned(base, degrees=30.0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6))
    np.testing.assert_allclose(np.linalg.norm(turned.own(x), axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-14)
    np.testing.assert_allclose(turned.f(turned.x0), base.f(base.x0), rtol=1e-14)
    # the gradient is the derivative of f (central differences)
    h, e = 1e-6, np.eye(6)
    numeric = np.array([(turned.f(x[0] + h * e[i]) - turned.f(x[0] - h * e[i])) / (2 * h) for i in range(6)])
    np.testing.assert_allclose(turned.grad(x[0]), numeric, rtol=1e-7, atol=1e-9)
    # coordinates i and i + 3 are mixed: the Hessian is no longer diagonal
    hessian = np.array([turned.grad(e[i]) for i in range(6)])
    assert abs(hessian[0, 3]) > 0.1 and np.allclose(hessian, hessian.T)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(hessian)), base.h, rtol=1e-12)


def test_gd_does_not_see_the_turn_but_sign_descent_does():
    base = DiagonalQuadratic(dim=10)
    turned = PairsTurned(base, 45.0)
    np.testing.assert_allclose(run(GD(0.5), turned, steps=40).loss, run(GD(0.5), base, steps=40).loss, rtol=1e-12)
    plain, rotated = run(SignGD(0.05), base, steps=40).loss, run(SignGD(0.05), turned, steps=40).loss
    assert np.max(np.abs(plain - rotated)) > 1e-3


def test_pairs_turned_needs_an_even_dimension():
    with pytest.raises(ValueError, match="even"):
        PairsTurned(DiagonalQuadratic(dim=5))


# ----- Workers -----------------------------------------------------------------------------------------------


def test_workers_noise_is_seeded_per_step_and_the_rules_combine_it():
    problem = Workers(DiagonalQuadratic(dim=4), workers=5, noise=0.5, rule="mean", seed=3)
    w = np.array([1.0, -1.0, 2.0, 0.5])
    local = problem.messages(w, step=7)
    assert local.shape == (5, 4)
    np.testing.assert_array_equal(local, problem.messages(w, step=7))  # a function of (seed, step)
    assert not np.array_equal(local, problem.messages(w, step=8))
    np.testing.assert_allclose(local.mean(axis=0) - problem.problem.grad(w), (local - problem.problem.grad(w)).mean(0))
    np.testing.assert_array_equal(problem.stochastic_grad(w, 7), local.mean(axis=0))
    vote = Workers(problem.problem, 5, 0.5, "vote", 3).stochastic_grad(w, 7)
    np.testing.assert_array_equal(vote, np.sign(np.sign(local).sum(axis=0)))


def test_workers_batched_run_equals_single_runs():
    problem = Workers(DiagonalQuadratic(dim=6), workers=3, noise=1.0, rule="vote", seed=1)
    lrs = np.array([0.01, 0.1])[:, None]
    batched = run(SignGD(lrs), problem, np.ones((2, 6)), 30)
    for i, lr in enumerate(lrs[:, 0]):
        np.testing.assert_array_equal(batched.params[:, i], run(SignGD(lr), problem, np.ones(6), 30).params)
