"""Fuzz tests (hypothesis) of the input contract: every public constructor, `update` and `run` either
accept a value and behave as documented, or reject it with a ValueError or TypeError whose message names
the argument. Nothing is accepted and then misused, and no raw numpy error escapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optimizer_table import HYPERPARAMETERS

from optim_core import run
from optim_core.models import MLP, SoftmaxRegression, digits_split
from optim_core.playground import Slider
from optim_core.problems import Quadratic, Rosenbrock, SparseLogistic
from optim_core.schedules import constant, cosine, linear_warmup, step_decay, warmup_cosine

FUZZ = settings(max_examples=60, deadline=None)

# Anything a user might pass: numbers of every kind and range, non-numbers, and arrays of them.
WILD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e3, 1e3),
    st.integers(-10, 10_000),
    st.booleans(),
    st.none(),
    st.text(max_size=4),
    st.complex_numbers(max_magnitude=10),
    st.lists(st.floats(-2, 2), max_size=3),
    st.builds(lambda v, n: np.full((n, 1), v), st.floats(-1, 2), st.integers(0, 3)),
    st.sampled_from([np.array(["0.1"]), np.datetime64("2020-01-01"), np.ma.masked_array([0.1], mask=[True])]),
)


def rejected_by_name(make, name):
    """make() either succeeds (returned) or raises ValueError/TypeError naming `name` (None returned)."""
    try:
        return make()
    except (ValueError, TypeError) as exc:
        assert name in str(exc), f"the error does not name {name}: {exc}"
        return None


@FUZZ
@given(cls=st.sampled_from(list(HYPERPARAMETERS)), data=st.data())
def test_optimizer_hyperparameters(cls, data):
    name = data.draw(st.sampled_from(HYPERPARAMETERS[cls]))
    value = data.draw(WILD)
    kwargs = {"lr": 0.1, name: value}
    opt = rejected_by_name(lambda: cls(**kwargs), name)
    if opt is None:
        return
    stored = getattr(opt, name)
    assert stored.dtype == np.float64 and not stored.flags.writeable and np.isfinite(stored).all()
    assert (stored > 0).all() if name == "lr" else (stored >= 0).all()
    if name.startswith("beta"):
        assert (stored < 1).all()


@FUZZ
@given(
    which=st.sampled_from(["constant", "step_decay", "cosine", "linear_warmup", "warmup_cosine"]),
    slot=st.integers(0, 3),
    value=WILD,
)
def test_schedule_arguments(which, slot, value):
    good = {
        "constant": (constant, ["lr"], [0.1]),
        "step_decay": (step_decay, ["lr", "factor", "every"], [0.1, 0.5, 10]),
        "cosine": (cosine, ["lr", "total_steps", "final_lr"], [0.1, 100, 0.0]),
        "linear_warmup": (linear_warmup, ["lr", "warmup_steps"], [0.1, 10]),
        "warmup_cosine": (warmup_cosine, ["lr", "warmup_steps", "total_steps", "final_lr"], [0.1, 10, 100, 0.0]),
    }[which]
    make, names, args = good
    slot %= len(names)
    args = list(args)
    args[slot] = value
    schedule = rejected_by_name(lambda: make(*args), names[slot])
    if schedule is not None:
        for step in (1, 50, 199):
            value = schedule(step)
            assert np.isfinite(value).all() and (value > 0).all()


@FUZZ
@given(field=st.sampled_from(["mu", "L", "angle"]), value=WILD)
def test_quadratic_arguments(field, value):
    q = rejected_by_name(lambda: Quadratic(**{field: value}), field)
    if q is not None:
        assert isinstance(getattr(q, field), float) and 0 < q.mu <= q.L
        assert np.isfinite(q.hessian).all()


@FUZZ
@given(field=st.sampled_from(["a", "b"]), value=WILD)
def test_rosenbrock_arguments(field, value):
    r = rejected_by_name(lambda: Rosenbrock(**{field: value}), field)
    if r is not None:
        assert isinstance(r.a, float) and np.isfinite(r.a) and r.b > 0


@FUZZ
@given(field=st.sampled_from(["n_samples", "n_common", "n_rare", "rare_freq", "l2", "seed"]), value=WILD)
def test_sparse_logistic_arguments(field, value):
    small = {"n_samples": 30, "n_common": 2, "n_rare": 3}
    if field in small and isinstance(value, int) and not isinstance(value, bool):
        value = min(value, 60)  # keep the data small
    p = rejected_by_name(lambda: SparseLogistic(**{**small, field: value}), field)
    if p is not None:
        assert np.isfinite(p.f(p.x0)) and p.dim == p.n_common + p.n_rare >= 1


@FUZZ
@given(field=st.sampled_from(["hidden", "batch_size", "seed", "l2"]), value=WILD, softmax=st.booleans())
def test_model_arguments(field, value, softmax):
    split = digits_split(0)
    if field == "hidden" and isinstance(value, int) and not isinstance(value, bool):
        value = min(value, 8)  # keep the model small
    if softmax and field == "hidden":
        return  # the softmax model has no hidden layer
    cls = SoftmaxRegression if softmax else MLP
    model = rejected_by_name(lambda: cls(split.x_train[:50], split.y_train[:50], **{field: value}), field)
    if model is not None:
        assert np.isfinite(model.stochastic_grad(model.x0, 1)).all()


@FUZZ
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4), default=WILD)
def test_slider_arguments(values, default):
    def make():
        return Slider("lr", values, default)

    try:
        s = make()
    except (ValueError, TypeError) as exc:
        assert "lr" in str(exc) or "default" in str(exc), exc
        return
    assert np.isfinite(s.values).all() and len(set(s.values)) == len(s.values)
    assert 0 <= s.default_index < len(s.values)


@FUZZ
@given(
    steps=st.one_of(st.integers(-2, 30), st.floats(-1, 5), st.booleans(), st.none()),
    every=st.one_of(st.integers(-1, 40), st.floats(0, 3), st.booleans()),
    x0=st.one_of(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3), st.none()),
)
def test_run_arguments(steps, every, x0):
    from optim_core import GD

    try:
        traj = run(GD(0.1), Quadratic(), x0=x0, steps=steps, record_every=every)
    except (ValueError, TypeError) as exc:
        assert any(name in str(exc) for name in ("steps", "record_every", "x0")), exc
        return
    assert traj.steps[0] == 0 and traj.steps[-1] == steps
    assert traj.params.shape == (len(traj.steps), 2)


@FUZZ
@given(
    cls=st.sampled_from(list(HYPERPARAMETERS)),
    shape=st.sampled_from([(2,), (3, 2), (1,), (2, 1)]),
    grad_shape=st.sampled_from([(2,), (3, 2), (1,)]),
    state_shape=st.sampled_from([(2,), (3, 2), (1,)]),
)
def test_update_shapes(cls, shape, grad_shape, state_shape):
    opt = cls(lr=0.1)
    state = opt.init(np.zeros(state_shape))
    try:
        new, _ = opt.update(np.ones(shape), np.ones(grad_shape), state)
    except (ValueError, TypeError) as exc:
        assert "grad" in str(exc) or "state" in str(exc), exc
        return
    assert shape == grad_shape and (state_shape == shape or not opt.init(np.zeros(0))[1:])
    assert new.shape == shape


@pytest.mark.parametrize("cls", list(HYPERPARAMETERS))
def test_state_of_every_other_optimizer_is_refused(cls):
    w = np.zeros(2)
    for other in HYPERPARAMETERS:
        state = other(lr=0.1).init(w)
        if type(state) is type(cls(lr=0.1).init(w)):
            continue
        with pytest.raises(TypeError, match="state has type"):
            cls(lr=0.1).update(w, np.ones(2), state)


@FUZZ
@given(field=st.sampled_from(["key", "steps", "x0"]), value=WILD)
def test_playground_arguments(field, value):
    from optim_core import GD
    from optim_core.playground import Playground

    kwargs = {"key": "tiny", "steps": 5, "x0": None, field: value}
    if field == "steps" and isinstance(value, int) and not isinstance(value, bool):
        kwargs["steps"] = min(value, 50)
    sliders = [Slider("lr", (0.1, 0.2), 0.1)]
    pg = rejected_by_name(
        lambda: Playground(
            kwargs["key"], Quadratic(), {"GD": lambda lr: GD(lr)}, sliders, kwargs["steps"], kwargs["x0"]
        ),
        field,
    )
    if pg is not None:
        paths, _ = pg.grid()
        assert np.isfinite(paths[..., 0, :]).all() and paths.shape[-2] == pg.steps + 1


@FUZZ
@given(field=st.sampled_from(["curvatures", "sigmas", "batch_size", "seed", "angle"]), value=WILD)
def test_noisy_quadratic_arguments(field, value):
    from optim_core.problems import NoisyQuadratic

    p = rejected_by_name(lambda: NoisyQuadratic(**{field: value}), field)
    if p is not None:
        assert np.isfinite(p.stochastic_grad(p.x0, 1)).all()


@FUZZ
@given(value=WILD)
def test_beale_start(value):
    from optim_core.problems import Beale

    p = rejected_by_name(lambda: Beale(x0=value), "x0")
    if p is not None:
        assert p.x0.shape == (2,) and np.isfinite(p.f(p.x0))
