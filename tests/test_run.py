"""run(record_every=k): checkpoints equal the full run's rows, divergence is still data, and the final
optimizer state is returned."""

import numpy as np
import pytest

from optim_core import GD, Adam, Momentum, run
from optim_core.models import digits_mlp
from optim_core.problems import RAVINE, Rosenbrock


@pytest.mark.parametrize("every", [1, 3, 7, 50, 200])
def test_checkpoints_are_the_full_runs_rows(every):
    full = run(Adam(0.1), RAVINE, steps=100)
    sparse = run(Adam(0.1), RAVINE, steps=100, record_every=every)
    expected = sorted(set(range(0, 101, every)) | {100})
    assert sparse.steps.tolist() == expected
    np.testing.assert_array_equal(sparse.params, full.params[expected])
    np.testing.assert_array_equal(sparse.loss, full.loss[expected])
    assert sparse.row_of(100) == len(expected) - 1
    if every > 1:
        with pytest.raises(ValueError, match="not recorded"):
            sparse.row_of(1)


def test_default_records_every_step():
    t = run(GD(0.1), RAVINE, steps=5)
    assert t.steps.tolist() == [0, 1, 2, 3, 4, 5]


def test_final_state_is_the_state_after_the_last_step():
    opt = Momentum(0.1, 0.9)
    t = run(opt, RAVINE, steps=20)
    w, state = RAVINE.x0, opt.init(RAVINE.x0)
    for _ in range(20):
        w, state = opt.update(w, RAVINE.grad(w), state)
    np.testing.assert_array_equal(t.final_state.velocity, state.velocity)
    assert t.final_state.count == 20


def test_divergence_between_checkpoints_is_recorded_at_its_step():
    lrs = np.array([0.3, 0.6])[:, None]  # 0.6 > 2/L = 0.5 diverges
    full = run(GD(lrs), RAVINE, steps=100)
    sparse = run(GD(lrs), RAVINE, steps=100, record_every=7)
    assert sparse.diverged_at.tolist() == full.diverged_at.tolist()
    step = full.diverged_at[1]
    assert step % 7 != 0  # it happened between two records
    after = sparse.steps >= step
    assert np.isnan(sparse.loss[after, 1]).all() and np.isfinite(sparse.loss[~after, 1]).all()
    np.testing.assert_array_equal(sparse.loss[:, 0], full.loss[sparse.steps, 0])


def test_a_diverged_runs_state_stays_at_its_last_good_step():
    t = run(GD(np.array([0.3, 0.6])[:, None]), RAVINE, steps=100)
    m = run(Momentum(np.array([0.01, 1.0])[:, None], 0.9), Rosenbrock(), steps=200)
    assert t.diverged_at[1] is not None and m.diverged_at[1] is not None
    assert np.isfinite(m.final_state.velocity).all()


def test_record_every_is_validated():
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match="record_every must be an integer >= 1"):
            run(GD(0.1), RAVINE, steps=10, record_every=bad)


def test_checkpoints_on_a_minibatch_model_equal_the_full_run():
    model = digits_mlp()
    full = run(Adam(0.01), model, steps=20)
    sparse = run(Adam(0.01), model, steps=20, record_every=10)
    np.testing.assert_array_equal(sparse.params, full.params[[0, 10, 20]])
