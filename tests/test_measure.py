"""optim_core.measure: distance, steps until a tolerance is reached for good, and fitted rates."""

import numpy as np
import pytest

from optim_core import GD, run
from optim_core.measure import distance, fitted_rate, late_rate, steps_to_tolerance, steps_until_below
from optim_core.problems import RAVINE


def test_distance_is_the_euclidean_norm_and_survives_underflow():
    assert distance(np.array([[3.0, 4.0]]), np.zeros(2)) == pytest.approx([5.0])
    tiny = np.array([3e-200, 4e-200])  # squares underflow to 0 in a plain norm
    assert np.linalg.norm(tiny) == 0.0
    assert distance(tiny, np.zeros(2)) == pytest.approx(5e-200, rel=1e-12)
    assert np.isnan(distance(np.array([np.nan, 1.0]), np.zeros(2)))


def test_steps_to_tolerance_needs_the_values_to_stay_below():
    values = np.array([5.0, 0.5, 2.0, 0.5, 0.1, 0.05])
    assert steps_to_tolerance(values, 1.0) == 3  # step 1 dips below, step 2 climbs back
    assert steps_to_tolerance(values, 10.0) == 0
    assert steps_to_tolerance(values, 0.01) is None
    assert steps_until_below(values, 0.01) == np.inf


def test_nan_never_counts_as_below():
    assert steps_to_tolerance(np.array([1.0, 0.1, np.nan]), 0.5) is None


def test_batched_steps_to_tolerance_match_the_single_runs():
    values = np.array([[5.0, 5.0], [0.5, 2.0], [0.1, 2.0]])
    batched = steps_to_tolerance(values, 1.0)
    assert batched.dtype == object and batched.tolist() == [1, None]
    for k in range(2):
        assert steps_to_tolerance(values[:, k], 1.0) == batched[k]


def test_fitted_rate_recovers_a_geometric_sequence():
    t = np.arange(50)
    values = 3.0 * 0.9**t
    assert fitted_rate(values, 10, 40) == pytest.approx(0.9, rel=1e-12)
    both = np.stack([values, 2.0 * 0.5**t], axis=-1)
    np.testing.assert_allclose(fitted_rate(both, 0, 20), [0.9, 0.5], rtol=1e-12)
    with pytest.raises(ValueError, match="window"):
        fitted_rate(values, 10, 11)


def test_gd_on_the_ravine_contracts_at_the_predicted_rate():
    # GD at lr = 0.4 on mu = 0.2, L = 4: the slow direction contracts by |1 - 0.4 * 0.2| = 0.92 per step.
    d = distance(run(GD(0.4), RAVINE, steps=300).params, RAVINE.minimum)
    assert late_rate(d) == pytest.approx(0.92, rel=1e-9)
