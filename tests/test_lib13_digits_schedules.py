"""Issue 13, library part for the chapters "Training a real model" and "Learning-rate schedules":
models.simple_noise_scale and models.break_even_batch (McCandlish et al.'s simple noise scale, and the batch at
which the noise of distinct samples equals the signal), measure.rising_share (how often a loss goes up at the
end of a run: the jitter of a noisy run) and measure.separated_pairs (pairs of groups whose seed ranges do
not overlap, against the number expected by chance)."""

import math

import numpy as np
import pytest

from optim_core import measure, models


def test_simple_noise_scale_is_the_spread_over_the_squared_mean():
    g = np.array([[1.0, 0.0], [3.0, 2.0], [2.0, -2.0], [2.0, 0.0]])  # mean (2, 0)
    spread = np.mean(np.sum((g - [2.0, 0.0]) ** 2, axis=1))  # (1 + 1 + 4 + 4 + 0) / 4 = 2.5
    assert spread == 2.5
    assert models.simple_noise_scale(g) == pytest.approx(2.5 / 4, rel=1e-15)


def test_with_replacement_the_noise_of_a_batch_is_b_simple_over_b():
    g = np.random.default_rng(0).normal(loc=0.3, size=(50, 4))
    rng = np.random.default_rng(1)
    b = 5
    draws = np.array([g[rng.integers(0, 50, b)].mean(axis=0) for _ in range(40_000)])
    measured = np.mean(np.sum((draws - g.mean(axis=0)) ** 2, axis=1)) / np.sum(g.mean(axis=0) ** 2)
    assert measured == pytest.approx(models.simple_noise_scale(g) / b, rel=0.03)  # 40k draws: ~1 % error


def test_break_even_batch_makes_the_predicted_noise_equal_to_the_signal():
    g = np.random.default_rng(2).normal(loc=0.2, size=(200, 6))
    b = models.break_even_batch(g)
    assert 1 < b < 200 and b < models.simple_noise_scale(g)  # below B_simple: no sample is drawn twice
    ratio = models.minibatch_variance(g, b).sum() / np.sum(g.mean(axis=0) ** 2)
    assert ratio == pytest.approx(1.0, rel=1e-12)


def test_rising_share_counts_the_steps_that_go_up():
    loss = np.array([5.0, 4.0, 4.5, 3.0, 3.5, 3.2, np.nan])
    assert measure.rising_share(loss[:-1], 5) == pytest.approx(2 / 5)  # 4 -> 4.5 and 3 -> 3.5 rise
    assert measure.rising_share(loss[:-1], 2) == pytest.approx(1 / 2)
    assert measure.rising_share(loss, 1) == 0.0  # NaN never rises
    batch = np.stack([np.arange(10.0), -np.arange(10.0)], axis=1)  # steps on axis 0, two runs
    np.testing.assert_array_equal(measure.rising_share(batch, 4), [1.0, 0.0])
    with pytest.raises(ValueError, match="last"):
        measure.rising_share(loss, 7)
    with pytest.raises(ValueError, match="last"):
        measure.rising_share(loss, 0)


def test_separated_pairs_counts_disjoint_ranges_and_the_chance_level():
    samples = np.array([[1.0, 2.0, 3.0], [2.5, 4.0, 5.0], [6.0, 7.0, 8.0]])
    # (0, 1) overlap; (0, 2) and (1, 2) are disjoint
    count, chance = measure.separated_pairs(samples)
    assert count == 2
    assert chance == pytest.approx(3 * 2 / math.comb(6, 3))  # 3 pairs, each disjoint with probability 1/10
    assert measure.separated_pairs(samples[[0, 0]])[0] == 0  # equal ranges overlap
    with pytest.raises(ValueError, match="groups"):
        measure.separated_pairs(samples[:1])


def test_separated_pairs_chance_level_matches_a_simulation():
    rng = np.random.default_rng(3)
    counts = [measure.separated_pairs(rng.normal(size=(4, 2)))[0] for _ in range(20_000)]
    _, chance = measure.separated_pairs(np.zeros((4, 2)))
    assert chance == pytest.approx(6 * 2 / 6)  # k = 2: probability 2 / C(4, 2) = 1/3 per pair
    assert np.mean(counts) == pytest.approx(chance, rel=0.03)  # std of the mean ~0.008 of 2


def test_sweep_envelope_and_best_at_pick_each_steps_best_setting():
    from optim_core import GD
    from optim_core.problems import RAVINE
    from optim_core.tuning import gap_at, sweep

    lrs = np.array([0.01, 0.1, 0.5, 5.0])  # the last one diverges on the ravine
    s = sweep(lambda lr: GD(lr), RAVINE, 30, gap_at(), lr=lrs)
    loss = s.trajectory.loss
    assert np.isnan(loss[-1, -1])  # a diverged run is NaN, and the envelope ignores it
    expected = np.array([np.min(row[np.isfinite(row)]) for row in loss])
    np.testing.assert_array_equal(s.envelope(), expected)
    for step in (1, 5, 30):
        k = int(np.nanargmin(loss[step]))
        assert s.best_at(step) == {"lr": lrs[k]}
        assert s.envelope()[step] == loss[step, k]
    assert s.best_at(30) == s.best  # scored by the loss at the end, the best setting is the same
