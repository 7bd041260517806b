"""optim_core.ema: the exponential moving average of the primer chapter (claims E1-E3)."""

import numpy as np
import pytest

from optim_core.ema import effective_memory, ema, ema_weights

BETAS = [0.0, 0.3, 0.5, 0.9, 0.99, 0.999]
EPS = np.finfo(np.float64).eps


def rounding_tolerance(beta):
    """Relative rounding error of the EMA recursion. Each step adds ~eps of the running value and old
    errors decay by beta, so the error settles near eps / (1 - beta): exact in exact arithmetic, but a
    long memory (beta = 0.999) accumulates ~1e-13 in floats."""
    return 4 * EPS / (1 - beta)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("t", [1, 2, 10, 100, 1000])
def test_weights_sum_to_one_minus_beta_to_the_t(beta, t):
    w = ema_weights(beta, t)
    assert w.shape == (t,)
    np.testing.assert_allclose(w.sum(), 1 - beta**t, rtol=1e-12)


@pytest.mark.parametrize("beta", [0.3, 0.5, 0.9, 0.99])
def test_weights_decay_geometrically_with_age(beta):
    w = ema_weights(beta, 50)  # oldest first
    assert w[-1] == pytest.approx(1 - beta, rel=1e-15)  # the newest value weighs 1 - beta
    np.testing.assert_allclose(w[:-1] / w[1:], beta, rtol=1e-12)


def test_weights_for_beta_one_half():
    np.testing.assert_array_equal(ema_weights(0.5, 4), [0.0625, 0.125, 0.25, 0.5])


def test_ema_by_hand():
    xs = np.array([1.0, 2.0, 4.0, 8.0])
    # v1 = 0.5*0 + 0.5*1 = 0.5;  v2 = 0.25 + 1 = 1.25;  v3 = 0.625 + 2 = 2.625;  v4 = 1.3125 + 4 = 5.3125
    np.testing.assert_array_equal(ema(xs, 0.5), [0.5, 1.25, 2.625, 5.3125])
    # divided by 1 - 0.5^t = 0.5, 0.75, 0.875, 0.9375
    np.testing.assert_allclose(
        ema(xs, 0.5, bias_corrected=True), [1.0, 1.25 / 0.75, 3.0, 5.3125 / 0.9375], rtol=1e-15, atol=0
    )


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_ema_is_the_weighted_sum(beta):
    xs = np.random.default_rng(0).normal(size=60)
    v = ema(xs, beta)
    for t in (1, 2, 17, 60):
        assert v[t - 1] == pytest.approx(ema_weights(beta, t) @ xs[:t], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("c", [1.0, 3.7, -2.5, 1e-3])
def test_bias_correction_recovers_a_constant(beta, c):
    v = ema(np.full(2000, c), beta, bias_corrected=True)
    np.testing.assert_allclose(v, c, rtol=rounding_tolerance(beta), atol=0)  # at every t = 1 .. 2000


@pytest.mark.parametrize("c", [1.0, 0.125, -4.0])
def test_bias_correction_recovers_a_power_of_two_exactly(c):
    # With beta = 1/2 and c a power of two every operation is exact, so the recovery is bitwise.
    np.testing.assert_array_equal(ema(np.full(200, c), 0.5, bias_corrected=True), c)


@pytest.mark.parametrize("beta", BETAS)
def test_uncorrected_ema_of_a_constant_is_biased_toward_zero(beta):
    c, t = 3.7, np.arange(1, 2001)
    np.testing.assert_allclose(ema(np.full(2000, c), beta), c * (1 - beta**t), rtol=rounding_tolerance(beta))


def test_effective_memory():
    assert effective_memory(0.9) == pytest.approx(10, rel=1e-15)
    assert effective_memory(0.99) == pytest.approx(100, rel=1e-13)
    assert effective_memory(0.0) == 1.0
    np.testing.assert_allclose(effective_memory(np.array([0.5, 0.75, 0.9])), [2.0, 4.0, 10.0], rtol=1e-15)


def test_ema_over_axis_zero_keeps_the_shape():
    xs = np.random.default_rng(1).normal(size=(30, 3, 2))
    v = ema(xs, 0.9)
    assert v.shape == (30, 3, 2)
    np.testing.assert_array_equal(v[:, 1, 0], ema(xs[:, 1, 0], 0.9))  # each series on its own


def test_ema_with_a_grid_of_betas():
    # beta may be an array; it broadcasts against one step of xs: T values and K betas give (T, K).
    xs = np.random.default_rng(2).normal(size=25)
    betas = np.array([0.0, 0.5, 0.9, 0.99])
    for corrected in (False, True):
        v = ema(xs, betas, bias_corrected=corrected)
        assert v.shape == (25, 4)
        for k, beta in enumerate(betas):
            np.testing.assert_array_equal(v[:, k], ema(xs, beta, bias_corrected=corrected))


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, np.nan])
def test_beta_is_validated(bad):
    with pytest.raises(ValueError, match=r"^beta must be"):
        ema(np.ones(3), bad)
    with pytest.raises(ValueError, match=r"^beta must be"):
        ema_weights(bad, 3)
    with pytest.raises(ValueError, match=r"^beta must be"):
        effective_memory(bad)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
def test_beta_out_of_range_message(bad):
    with pytest.raises(ValueError, match=rf"beta must be in \[0, 1\) \(got {bad}\)"):
        ema(np.ones(3), bad)


def test_beta_grid_with_one_bad_value():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\) \(got 1.0\)"):
        ema(np.ones(3), np.array([0.5, 1.0, 0.9]))


@pytest.mark.parametrize("t", [0, -1])
def test_weights_need_at_least_one_step(t):
    with pytest.raises(ValueError, match=r"t must be an integer >= 1"):
        ema_weights(0.9, t)
