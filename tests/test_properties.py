"""Property tests (hypothesis): purity, shapes, and batched == individual, bit for bit."""

import copy

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from optimizer_table import HYPERPARAMETERS

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD, run
from optim_core.base import CHUNK
from optim_core.problems import Beale, Quadratic, Rosenbrock, Saddle, SparseLogistic

FAST = settings(max_examples=50, deadline=None)
# For whole runs: no shrinking. A failing case is already small (K <= 4 settings, 30 steps), and shrinking
# one took minutes.
FAST_NO_SHRINK = settings(FAST, phases=[Phase.explicit, Phase.reuse, Phase.generate])

FLAGS = {Momentum: ["ema", "nesterov"], Adam: ["bias_correction", "amsgrad"], AdamW: ["bias_correction", "amsgrad"]}
CLASSES = list(HYPERPARAMETERS)


def valid(name):
    """Valid values. eps >= 1e-12 because eps = 0 with a zero gradient is 0/0 by definition."""
    if name == "lr":
        return st.floats(1e-4, 1.0)
    if name.startswith("beta"):
        return st.floats(0.0, 0.999)
    if name == "eps":
        return st.floats(1e-12, 1e-2)
    return st.floats(0.0, 0.5)  # weight_decay


def flags(cls):
    return st.fixed_dictionaries({flag: st.booleans() for flag in FLAGS.get(cls, [])})


def state_arrays(state):
    return [a for a in state[1:] if a is not None]


ELEMENTS = st.floats(-1e3, 1e3)


def update_leaving_inputs_unchanged(opt, w, g, state):
    """opt.update(w, g, state), asserting that it mutated none of its inputs."""
    w_copy, g_copy, state_copy = w.copy(), g.copy(), copy.deepcopy(state)
    new_w, new_state = opt.update(w, g, state)
    np.testing.assert_array_equal(w, w_copy)
    np.testing.assert_array_equal(g, g_copy)
    for kept, original in zip(state_arrays(state), state_arrays(state_copy), strict=True):
        np.testing.assert_array_equal(kept, original)
    return new_w, new_state


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@FAST
@given(data=st.data())
def test_update_is_pure_and_keeps_shapes(cls, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    hyper = data.draw(st.fixed_dictionaries({n: valid(n) for n in HYPERPARAMETERS[cls]}), label="hyper")
    opt = cls(**hyper, **data.draw(flags(cls), label="flags"))
    w = data.draw(hnp.arrays(np.float64, shape, elements=ELEMENTS), label="params")
    state = opt.init(w)
    assert state.count == 0
    assert all(a.shape == shape for a in state_arrays(state))
    for _ in range(3):
        g = data.draw(hnp.arrays(np.float64, shape, elements=ELEMENTS), label="grad")
        new_w, new_state = update_leaving_inputs_unchanged(opt, w, g, state)
        assert new_w.shape == shape and new_w.dtype == np.float64
        assert all(a.shape == shape for a in state_arrays(new_state))
        assert new_state.count == state.count + 1
        w, state = new_w, new_state


@st.composite
def grid(draw, cls, k):
    """Hyperparameters for K settings: each one either a (K, 1) array or one scalar shared by all,
    and the K scalar settings they stand for."""
    batched, singles = {}, [{} for _ in range(k)]
    for name in HYPERPARAMETERS[cls]:
        if draw(st.booleans()):
            values = draw(st.lists(valid(name), min_size=k, max_size=k))
            batched[name] = np.array(values)[:, None]
        else:
            values = [draw(valid(name))] * k
            batched[name] = values[0]
        for single, value in zip(singles, values, strict=True):
            single[name] = value
    fl = draw(flags(cls))
    return cls(**batched, **fl), [cls(**single, **fl) for single in singles]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@FAST
@given(data=st.data())
def test_batched_update_equals_individual_updates(cls, data):
    k, d = data.draw(st.integers(1, 4), label="K"), data.draw(st.integers(1, 3), label="dim")
    batched, singles = data.draw(grid(cls, k), label="optimizers")
    w = data.draw(hnp.arrays(np.float64, (k, d), elements=ELEMENTS), label="params")
    grads = data.draw(hnp.arrays(np.float64, (3, k, d), elements=ELEMENTS), label="grads")
    single_ws = list(w)
    single_states = [opt.init(x) for opt, x in zip(singles, single_ws, strict=True)]
    state = batched.init(w)
    for g in grads:
        w, state = batched.update(w, g, state)
        for i, opt in enumerate(singles):
            single_ws[i], single_states[i] = opt.update(single_ws[i], g[i], single_states[i])
            np.testing.assert_array_equal(w[i], single_ws[i])
            for a, b in zip(state_arrays(state), state_arrays(single_states[i]), strict=True):
                np.testing.assert_array_equal(a[i], b)


def assert_run_is_sliced(batched_run, single_runs):
    """Each slice of the batched trajectory equals its own run: NaN positions and diverged_at included."""
    for i, single in enumerate(single_runs):
        np.testing.assert_array_equal(batched_run.params[:, i], single.params)  # NaN == NaN here
        np.testing.assert_array_equal(batched_run.loss[:, i], single.loss)
        assert batched_run.diverged_at[i] == single.diverged_at


@pytest.mark.parametrize("problem", [Quadratic(), Rosenbrock()], ids=["ravine", "rosenbrock"])
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@FAST_NO_SHRINK
@given(data=st.data())
def test_batched_run_equals_individual_runs(cls, problem, data):
    # lr up to 1 makes many of these runs diverge, so the NaN bookkeeping is compared too.
    k = data.draw(st.integers(1, 4), label="K")
    batched, singles = data.draw(grid(cls, k), label="optimizers")
    (x_lo, x_hi), (y_lo, y_hi) = problem.bounds
    starts = data.draw(st.lists(st.tuples(st.floats(x_lo, x_hi), st.floats(y_lo, y_hi)), min_size=k, max_size=k))
    x0 = np.array(starts)
    batched_run = run(batched, problem, x0, steps=30)
    assert batched_run.params.shape == (31, k, 2)
    assert_run_is_sliced(batched_run, [run(opt, problem, x, steps=30) for opt, x in zip(singles, x0, strict=True)])


# The same property, on every problem, with fixed grids (a few seconds instead of a hypothesis search).
EVERY_PROBLEM = {
    "ravine": Quadratic(),
    "rotated-ravine": Quadratic(mu=0.05, L=4.0, angle=0.5),
    "rosenbrock": Rosenbrock(),
    "beale": Beale(),
    "saddle": Saddle(),
    "sparse-logistic": SparseLogistic(n_samples=200),
}
GRID_OPTIMIZERS = [
    (GD, {"lr": [1e-3, 3e-3, 1e-2, 3e-2]}),
    (Momentum, {"lr": [1e-3, 1e-2, 1e-2, 3e-2], "beta": [0.5, 0.9, 0.99, 0.9]}),
    (Adam, {"lr": [1e-3, 1e-2, 3e-2, 0.1], "beta2": [0.9, 0.99, 0.999, 0.999]}),
]


@pytest.mark.parametrize("problem", EVERY_PROBLEM.values(), ids=EVERY_PROBLEM.keys())
def test_batched_run_equals_individual_runs_on_every_problem(problem):
    rng = np.random.default_rng(0)
    for cls, values in GRID_OPTIMIZERS:
        batched = cls(**{name: np.array(v)[:, None] for name, v in values.items()})
        singles = [cls(**{name: v[i] for name, v in values.items()}) for i in range(4)]
        x0 = problem.x0 + 0.1 * rng.normal(size=(4, np.size(problem.x0)))
        single_runs = [run(opt, problem, x, steps=200) for opt, x in zip(singles, x0, strict=True)]
        assert_run_is_sliced(run(batched, problem, x0, steps=200), single_runs)


# update() computes arrays of 4 * CHUNK elements or more block by block, to keep temporaries in the CPU
# cache. Every operation is element-wise, so that must give the same bits as the plain computation (on
# pieces below the threshold), and stay pure. The size leaves a partial last block.
LARGE = 4 * CHUNK + 1234
EVERY_OPTIMIZER = {
    "gd": GD(lr=0.1),
    "momentum": Momentum(lr=0.1),
    "nesterov": Momentum(lr=0.1, ema=False, nesterov=True),
    "adagrad": AdaGrad(lr=0.1),
    "rmsprop": RMSProp(lr=0.1),
    "signgd": SignGD(lr=0.1),
    "adam": Adam(lr=0.1),
    "adam-no-bias-correction": Adam(lr=0.1, bias_correction=False),
    "amsgrad": Adam(lr=0.1, amsgrad=True),
    "adamw": AdamW(lr=0.1),
    "lion": Lion(lr=0.1, weight_decay=0.1),
}


@pytest.mark.parametrize("layout", ["flat", "transposed"])
@pytest.mark.parametrize("opt", EVERY_OPTIMIZER.values(), ids=EVERY_OPTIMIZER.keys())
def test_large_arrays_give_the_same_bits_as_their_pieces(opt, layout):
    rng = np.random.default_rng(0)
    w = rng.normal(size=LARGE) if layout == "flat" else rng.normal(size=(2, LARGE // 2)).T  # not contiguous
    pieces = np.array_split(w, 4)  # each below the threshold
    assert all(p.size < 4 * CHUNK for p in pieces)
    state, piece_states = opt.init(w), [opt.init(p) for p in pieces]
    for _ in range(3):
        g = rng.normal(size=w.shape)
        new_w, new_state = update_leaving_inputs_unchanged(opt, w, g, state)
        assert new_w.shape == w.shape and new_state.count == state.count + 1
        updated = [opt.update(p, gp, s) for p, gp, s in zip(pieces, np.array_split(g, 4), piece_states, strict=True)]
        pieces, piece_states = [u[0] for u in updated], [u[1] for u in updated]
        np.testing.assert_array_equal(new_w, np.concatenate(pieces))
        for i, a in enumerate(state_arrays(new_state)):
            assert a.shape == w.shape
            np.testing.assert_array_equal(a, np.concatenate([state_arrays(s)[i] for s in piece_states]))
        w, state = new_w, new_state
