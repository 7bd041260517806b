"""Each optimizer against a few steps worked out by hand, the state count, purity, and the equivalences
between optimizers that the book states (issue 3, "Semantics" and "Equivalences")."""

import copy

import numpy as np
import pytest
from optimizer_table import INSTANCE_IDS as IDS
from optimizer_table import INSTANCES as ALL_OPTIMIZERS

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD

# One start point and gradient sequence for the first-order methods. With lr = beta = 0.5 every
# intermediate value is a short binary fraction, so those results are exact and compared with ==.
W0 = np.array([1.0, -2.0])
G1, G2, G3 = np.array([2.0, -1.0]), np.array([-1.0, 3.0]), np.array([0.25, 0.5])


def close(actual, desired):
    np.testing.assert_allclose(actual, desired, rtol=1e-13, atol=0)


def three_steps(opt, w0, grads):
    """Params and states after each of the steps."""
    w, state = w0, opt.init(w0)
    ws, states = [], []
    for g in grads:
        w, state = opt.update(w, g, state)
        ws.append(w)
        states.append(state)
    return ws, states


def test_gd_by_hand():
    (w1, w2, w3), _ = three_steps(GD(lr=0.5), W0, [G1, G2, G3])
    np.testing.assert_array_equal(w1, [1.0 - 0.5 * 2.0, -2.0 - 0.5 * -1.0])  # [0, -1.5]
    np.testing.assert_array_equal(w2, [0.0 - 0.5 * -1.0, -1.5 - 0.5 * 3.0])  # [0.5, -3]
    np.testing.assert_array_equal(w3, [0.5 - 0.5 * 0.25, -3.0 - 0.5 * 0.5])  # [0.375, -3.25]


def test_momentum_ema_form_by_hand():
    # v = 0.5 v + 0.5 g;  w = w - 0.5 v
    (w1, w2, w3), (s1, s2, s3) = three_steps(Momentum(lr=0.5, beta=0.5), W0, [G1, G2, G3])
    np.testing.assert_array_equal(s1.velocity, [1.0, -0.5])  # 0.5 * [2, -1]
    np.testing.assert_array_equal(w1, [0.5, -1.75])  # [1 - 0.5, -2 + 0.25]
    np.testing.assert_array_equal(s2.velocity, [0.0, 1.25])  # [0.5 - 0.5, -0.25 + 1.5]
    np.testing.assert_array_equal(w2, [0.5, -2.375])  # [0.5 - 0, -1.75 - 0.625]
    np.testing.assert_array_equal(s3.velocity, [0.125, 0.875])  # [0 + 0.125, 0.625 + 0.25]
    np.testing.assert_array_equal(w3, [0.4375, -2.8125])  # [0.5 - 0.0625, -2.375 - 0.4375]


def test_momentum_torch_form_by_hand():
    # v = 0.5 v + g;  w = w - 0.5 v
    (w1, w2, w3), (s1, s2, s3) = three_steps(Momentum(lr=0.5, beta=0.5, ema=False), W0, [G1, G2, G3])
    np.testing.assert_array_equal(s1.velocity, [2.0, -1.0])
    np.testing.assert_array_equal(w1, [0.0, -1.5])  # [1 - 1, -2 + 0.5]
    np.testing.assert_array_equal(s2.velocity, [0.0, 2.5])  # [1 - 1, -0.5 + 3]
    np.testing.assert_array_equal(w2, [0.0, -2.75])  # [0 - 0, -1.5 - 1.25]
    np.testing.assert_array_equal(s3.velocity, [0.25, 1.75])  # [0 + 0.25, 1.25 + 0.5]
    np.testing.assert_array_equal(w3, [-0.125, -3.625])  # [0 - 0.125, -2.75 - 0.875]


def test_nesterov_torch_form_by_hand():
    # v = 0.5 v + g;  w = w - 0.5 (g + 0.5 v)   (torch.optim.SGD(nesterov=True))
    (w1, w2, w3), _ = three_steps(Momentum(lr=0.5, beta=0.5, ema=False, nesterov=True), W0, [G1, G2, G3])
    np.testing.assert_array_equal(w1, [-0.5, -1.25])  # v=[2,-1], g+0.5v=[3,-1.5]
    np.testing.assert_array_equal(w2, [0.0, -3.375])  # v=[0,2.5], g+0.5v=[-1,4.25]
    np.testing.assert_array_equal(w3, [-0.1875, -4.0625])  # v=[0.25,1.75], g+0.5v=[0.375,1.375]


def test_nesterov_ema_form_by_hand():
    # v = 0.5 v + 0.5 g;  w = w - 0.5 ((1 - 0.5) g + 0.5 v)
    (w1, w2, w3), _ = three_steps(Momentum(lr=0.5, beta=0.5, nesterov=True), W0, [G1, G2, G3])
    np.testing.assert_array_equal(w1, [0.25, -1.625])  # v=[1,-0.5], dir=[1.5,-0.75]
    np.testing.assert_array_equal(w2, [0.5, -2.6875])  # v=[0,1.25], dir=[-0.5,2.125]
    np.testing.assert_array_equal(w3, [0.40625, -3.03125])  # v=[0.125,0.875], dir=[0.1875,0.6875]


def test_adagrad_by_hand():
    # v = v + g^2;  w = w - 0.5 g / (sqrt(v) + eps). eps = 1 shows it is added outside the root.
    grads = [np.array([3.0, -4.0]), np.array([4.0, 3.0]), np.array([0.0, 12.0])]
    (w1, w2, w3), (s1, s2, s3) = three_steps(AdaGrad(lr=0.5, eps=1.0), W0, grads)
    np.testing.assert_array_equal(s1.sum_sq, [9.0, 16.0])
    close(w1, [1.0 - 0.5 * 3.0 / (3.0 + 1.0), -2.0 - 0.5 * -4.0 / (4.0 + 1.0)])  # [0.625, -1.6]
    np.testing.assert_array_equal(s2.sum_sq, [25.0, 25.0])
    close(w2, [0.625 - 0.5 * 4.0 / (5.0 + 1.0), -1.6 - 0.5 * 3.0 / (5.0 + 1.0)])
    np.testing.assert_array_equal(s3.sum_sq, [25.0, 169.0])
    close(w3, [0.625 - 0.5 * 4.0 / 6.0 - 0.0, -1.85 - 0.5 * 12.0 / (13.0 + 1.0)])


def test_rmsprop_by_hand():
    # v = 0.75 v + 0.25 g^2;  w = w - 0.5 g / (sqrt(v) + 1)
    grads = [np.array([2.0, -4.0]), np.array([4.0, 4.0]), np.array([-2.0, 0.5])]
    (w1, w2, w3), (s1, s2, s3) = three_steps(RMSProp(lr=0.5, beta=0.75, eps=1.0), W0, grads)
    np.testing.assert_array_equal(s1.sq_avg, [1.0, 4.0])  # 0.25 * [4, 16]
    e1 = np.array([1.0 - 0.5 * 2.0 / (1.0 + 1.0), -2.0 - 0.5 * -4.0 / (2.0 + 1.0)])  # [0.5, -4/3]
    close(w1, e1)
    np.testing.assert_array_equal(s2.sq_avg, [4.75, 7.0])  # 0.75 * [1, 4] + 0.25 * [16, 16]
    e2 = e1 - 0.5 * np.array([4.0 / (np.sqrt(4.75) + 1.0), 4.0 / (np.sqrt(7.0) + 1.0)])
    close(w2, e2)
    close(s3.sq_avg, [0.75 * 4.75 + 0.25 * 4.0, 0.75 * 7.0 + 0.25 * 0.25])  # [4.5625, 5.3125]
    close(w3, e2 - 0.5 * np.array([-2.0 / (np.sqrt(4.5625) + 1.0), 0.5 / (np.sqrt(5.3125) + 1.0)]))


def test_signgd_by_hand():
    # Every coordinate moves by exactly lr against the sign; a zero gradient does not move it.
    grads = [np.array([2.0, -1e-3]), np.array([0.0, 3.0]), np.array([-7.0, -7.0])]
    (w1, w2, w3), _ = three_steps(SignGD(lr=0.5), W0, grads)
    np.testing.assert_array_equal(w1, [0.5, -1.5])
    np.testing.assert_array_equal(w2, [0.5, -2.0])
    np.testing.assert_array_equal(w3, [1.0, -1.5])


# Adam with b1 = 0.5, b2 = 0.75, eps = 0.5 (large, so its placement outside the root matters).
ADAM_GRADS = [np.array([2.0, -4.0]), np.array([4.0, 4.0]), np.array([8.0, 0.5])]
M1, V1 = np.array([1.0, -2.0]), np.array([1.0, 4.0])  # 0.5 g1, 0.25 g1^2
M2, V2 = np.array([2.5, 1.0]), np.array([4.75, 7.0])  # 0.5 m1 + 0.5 g2, 0.75 v1 + 0.25 g2^2
M3, V3 = np.array([5.25, 0.75]), np.array([19.5625, 5.3125])  # 0.5 m2 + 0.5 g3, 0.75 v2 + 0.25 g3^2


def test_adam_by_hand():
    (w1, w2, w3), (s1, s2, s3) = three_steps(Adam(lr=0.5, beta1=0.5, beta2=0.75, eps=0.5), W0, ADAM_GRADS)
    for s, m, v in [(s1, M1, V1), (s2, M2, V2), (s3, M3, V3)]:
        np.testing.assert_array_equal(s.m, m)
        np.testing.assert_array_equal(s.v, v)
    # Step 1: m/(1 - 0.5) = g1 and v/(1 - 0.75) = g1^2, so the step is 0.5 g1 / (|g1| + 0.5).
    close(w1, [1.0 - 0.5 * 2.0 / (2.0 + 0.5), -2.0 - 0.5 * -4.0 / (4.0 + 0.5)])  # [0.6, -1.5556]
    # Steps 2 and 3: corrections 1 - 0.5^t and 1 - 0.75^t.
    e2 = w1 - 0.5 * (M2 / (1 - 0.25)) / (np.sqrt(V2 / (1 - 0.5625)) + 0.5)
    close(w2, e2)
    close(w3, e2 - 0.5 * (M3 / (1 - 0.125)) / (np.sqrt(V3 / (1 - 0.421875)) + 0.5))


def test_adam_without_bias_correction_by_hand():
    opt = Adam(lr=0.5, beta1=0.5, beta2=0.75, eps=0.5, bias_correction=False)
    (w1, w2, w3), _ = three_steps(opt, W0, ADAM_GRADS)
    close(w1, [1.0 - 0.5 * 1.0 / (1.0 + 0.5), -2.0 - 0.5 * -2.0 / (2.0 + 0.5)])  # [2/3, -1.6]
    close(w2, w1 - 0.5 * M2 / (np.sqrt(V2) + 0.5))
    close(w3, w2 - 0.5 * M3 / (np.sqrt(V3) + 0.5))


def test_amsgrad_by_hand():
    # A large then a small gradient: v falls at step 2, but the denominator keeps the maximum.
    grads = [np.array([2.0, -4.0]), np.array([0.5, 0.5]), np.array([8.0, 0.0])]
    opt = Adam(lr=0.5, beta1=0.5, beta2=0.75, eps=0.5, amsgrad=True)
    (w1, w2, w3), (s1, s2, s3) = three_steps(opt, W0, grads)
    m2, v2 = np.array([0.75, -0.75]), np.array([0.8125, 3.0625])  # v2 = 0.75 v1 + 0.25 g2^2 < v1
    m3, v3 = np.array([4.375, -0.375]), np.array([16.609375, 2.296875])
    np.testing.assert_array_equal(s1.v_max, [1.0, 4.0])  # v1 = 0.25 g1^2
    np.testing.assert_array_equal(s2.v, v2)
    np.testing.assert_array_equal(s2.v_max, [1.0, 4.0])  # max(v1, v2) = v1
    np.testing.assert_array_equal(s3.v, v3)
    np.testing.assert_array_equal(s3.v_max, [16.609375, 4.0])
    close(w1, [1.0 - 0.5 * 2.0 / (2.0 + 0.5), -2.0 - 0.5 * -4.0 / (4.0 + 0.5)])  # v_max = v at step 1
    e2 = w1 - 0.5 * (m2 / 0.75) / (np.sqrt(np.array([1.0, 4.0]) / 0.4375) + 0.5)
    close(w2, e2)
    close(w3, e2 - 0.5 * (m3 / 0.875) / (np.sqrt(np.array([16.609375, 4.0]) / 0.578125) + 0.5))
    # And it really differs from plain Adam at step 2.
    (_, plain_w2, _), _ = three_steps(Adam(lr=0.5, beta1=0.5, beta2=0.75, eps=0.5), W0, grads)
    assert not np.allclose(plain_w2, w2)


def test_adamw_by_hand():
    # First w <- w (1 - 0.5 * 0.2) = 0.9 w, then the Adam step (the same as in test_adam_by_hand).
    opt = AdamW(lr=0.5, beta1=0.5, beta2=0.75, eps=0.5, weight_decay=0.2)
    (w1, w2, w3), _ = three_steps(opt, W0, ADAM_GRADS)
    close(w1, [0.9 * 1.0 - 0.5 * 2.0 / (2.0 + 0.5), 0.9 * -2.0 - 0.5 * -4.0 / (4.0 + 0.5)])  # [0.5, -1.3556]
    e2 = 0.9 * w1 - 0.5 * (M2 / 0.75) / (np.sqrt(V2 / 0.4375) + 0.5)
    close(w2, e2)
    close(w3, 0.9 * e2 - 0.5 * (M3 / 0.875) / (np.sqrt(V3 / 0.578125) + 0.5))


def test_lion_by_hand():
    # c = 0.5 m + 0.5 g;  w = w - 0.5 (sign(c) + 0.25 w);  m = 0.75 m + 0.25 g
    grads = [np.array([2.0, -4.0]), np.array([-3.0, 0.5]), np.array([1.0, 1.0])]
    opt = Lion(lr=0.5, beta1=0.5, beta2=0.75, weight_decay=0.25)
    (w1, w2, w3), (s1, s2, s3) = three_steps(opt, W0, grads)
    np.testing.assert_array_equal(w1, [0.375, -1.25])  # c=[1,-2]: [1 - 0.5(1 + 0.25), -2 - 0.5(-1 - 0.5)]
    np.testing.assert_array_equal(s1.m, [0.5, -1.0])
    np.testing.assert_array_equal(w2, [0.828125, -0.59375])  # c=[-1.25,-0.25]
    np.testing.assert_array_equal(s2.m, [-0.375, -0.625])
    # c3 = [0.3125, 0.1875] > 0; interpolating with beta2 instead would give c3[0] = -0.03125 < 0.
    np.testing.assert_array_equal(w3, [0.224609375, -1.01953125])
    np.testing.assert_array_equal(s3.m, [-0.03125, -0.21875])


@pytest.mark.parametrize("opt", ALL_OPTIMIZERS, ids=IDS)
def test_state_counts_steps(opt):
    state = opt.init(W0)
    assert state.count == 0
    w = W0
    for expected in (1, 2, 3):
        w, state = opt.update(w, G1, state)
        assert state.count == expected


@pytest.mark.parametrize("opt", ALL_OPTIMIZERS, ids=IDS)
def test_update_is_pure(opt):
    rng = np.random.default_rng(0)
    w, state = rng.normal(size=(3, 2)), opt.init(np.zeros((3, 2)))
    for _ in range(2):  # a state with nonzero moments
        w, state = opt.update(w, rng.normal(size=(3, 2)), state)
    grad = rng.normal(size=(3, 2))
    w_copy, grad_copy, state_copy = w.copy(), grad.copy(), copy.deepcopy(state)
    new_w, new_state = opt.update(w, grad, state)
    np.testing.assert_array_equal(w, w_copy)
    np.testing.assert_array_equal(grad, grad_copy)
    assert state.count == state_copy.count
    for kept, original in zip(state[1:], state_copy[1:], strict=True):
        np.testing.assert_array_equal(kept, original)
    assert not np.array_equal(new_w, w)  # it did take a step
    assert new_state.count == state.count + 1


# Equivalences the book states, as (name, ours, theirs, rtol) rows; rtol 0 means bitwise equal.
# beta = 0.9 makes 1 - beta inexact in binary, so the Momentum rows really test the rescaling.
EQUIVALENCES = [
    ("momentum: ema lr a == torch form lr a(1-beta)", Momentum(lr=0.3), Momentum(lr=0.3 * (1 - 0.9), ema=False), 1e-12),
    (
        "nesterov: ema lr a == torch form lr a(1-beta)",
        Momentum(lr=0.3, nesterov=True),
        Momentum(lr=0.3 * (1 - 0.9), ema=False, nesterov=True),
        1e-12,
    ),
    ("rmsprop(beta=0, eps=0) == signgd", RMSProp(lr=0.1, beta=0.0, eps=0.0), SignGD(lr=0.1), 0),
    ("adam(beta1=beta2=eps=0) == signgd", Adam(lr=0.1, beta1=0.0, beta2=0.0, eps=0.0), SignGD(lr=0.1), 0),
    (
        "adam(beta1=0, no bias correction) == rmsprop",
        Adam(lr=0.1, beta1=0.0, beta2=0.9, eps=1e-3, bias_correction=False),
        RMSProp(lr=0.1, beta=0.9, eps=1e-3),
        0,
    ),
    (
        "adamw(weight_decay=0) == adam",
        AdamW(lr=0.1, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.0),
        Adam(lr=0.1, beta1=0.8, beta2=0.95, eps=1e-6),
        0,
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "rtol"), EQUIVALENCES, ids=[row[0] for row in EQUIVALENCES])
def test_equivalent_optimizers(name, ours, theirs, rtol):
    # 50 steps on the same seeded gradients (nonzero, magnitudes from 1e-3 to 1e3), compared at every step.
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(50, 4, 3)) * 10.0 ** rng.uniform(-3, 3, size=(50, 4, 3))
    w_ours = w_theirs = rng.normal(size=(4, 3))
    s_ours, s_theirs = ours.init(w_ours), theirs.init(w_theirs)
    for g in grads:
        w_ours, s_ours = ours.update(w_ours, g, s_ours)
        w_theirs, s_theirs = theirs.update(w_theirs, g, s_theirs)
        if rtol == 0:
            np.testing.assert_array_equal(w_ours, w_theirs)
        else:
            np.testing.assert_allclose(w_ours, w_theirs, rtol=rtol, atol=0)


def test_state_count_is_the_memory_in_model_sizes():
    from optim_core import AdaGrad, Lion, SignGD
    from optim_core.base import state_count

    counts = {GD: 0, SignGD: 0, Momentum: 1, AdaGrad: 1, RMSProp: 1, Adam: 2, Lion: 1}
    for cls, expected in counts.items():
        assert state_count(cls(lr=0.1)) == expected, cls.__name__
    assert state_count(Adam(0.1, amsgrad=True)) == 3


def test_only_elementwise_optimizers_take_the_chunked_path():
    from optim_core.base import CHUNK

    class Mixing(GD):
        elementwise = False  # pretend the step mixes coordinates

        def _chunked_step(self, *args):
            raise AssertionError("a non-elementwise optimizer must not be chunked")

    w = np.ones(4 * CHUNK)
    Mixing(0.1).update(w, w, Mixing(0.1).init(w))
    assert GD.elementwise and Adam.elementwise
