"""Bad input raises ValueError with a message that names the argument and its allowed range."""

import re

import numpy as np
import pytest
from optimizer_table import HYPERPARAMETERS

from optim_core import GD, Adam, AdamW, Momentum, run
from optim_core.problems import Quadratic

CASES = [(cls, name) for cls, names in HYPERPARAMETERS.items() for name in names]
CASE_IDS = [f"{cls.__name__}-{name}" for cls, name in CASES]

# For each kind of hyperparameter: the range its message must state, a valid value, and bad values.
RULES = {
    "lr": (r"> 0", 0.1, [0.0, -1e-3, -1.0]),
    "beta": (r"in \[0, 1\)", 0.5, [-0.1, 1.0, 1.5]),
    "eps": (r">= 0", 1e-8, [-1e-12, -1.0]),
    "weight_decay": (r">= 0", 0.01, [-1e-12, -1.0]),
}


def rule(name):
    return RULES["beta" if name.startswith("beta") else name]


def make(cls, name, value):
    """The optimizer with valid hyperparameters except `name`, which gets `value`."""
    return cls(**{"lr": 0.1, name: value})


def out_of_range_cases():
    for (cls, name), case_id in zip(CASES, CASE_IDS, strict=True):
        for bad in rule(name)[2]:
            yield pytest.param(cls, name, bad, id=f"{case_id}={bad}")


@pytest.mark.parametrize(("cls", "name", "bad"), list(out_of_range_cases()))
def test_out_of_range_scalar(cls, name, bad):
    allowed = rule(name)[0]
    with pytest.raises(ValueError, match=rf"^{name} must be {allowed} \(got {re.escape(repr(bad))}\)"):
        make(cls, name, bad)


@pytest.mark.parametrize(("cls", "name"), CASES, ids=CASE_IDS)
def test_array_with_one_bad_element(cls, name):
    allowed, good, bad_values = rule(name)
    bad = bad_values[-1]
    grid = np.array([[good], [good], [bad], [good]])
    with pytest.raises(ValueError, match=rf"^{name} must be {allowed} \(got {re.escape(repr(bad))}\)"):
        make(cls, name, grid)
    make(cls, name, np.full((4, 1), good))  # the same grid without the bad element is accepted


NOT_REAL = [np.nan, np.inf, -np.inf, "fast", None]
NOT_REAL_IDS = ["nan", "inf", "-inf", "string", "None"]


@pytest.mark.parametrize("bad", NOT_REAL, ids=NOT_REAL_IDS)
@pytest.mark.parametrize(("cls", "name"), CASES, ids=CASE_IDS)
def test_not_a_finite_number(cls, name, bad):
    with pytest.raises(ValueError, match=rf"^{name} must be "):
        make(cls, name, bad)


@pytest.mark.parametrize(("cls", "name"), CASES, ids=CASE_IDS)
def test_non_finite_array_element(cls, name):
    with pytest.raises(ValueError, match=rf"^{name} must be "):
        make(cls, name, np.array([rule(name)[1], np.nan]))


# Issue 3 asks the message to state the allowed range for non-finite values too (and the brief for
# non-numeric strings), so the reader learns what to pass instead. One optimizer per kind of rule:
# the messages come from the shared checks in optim_core/_checks.py.
@pytest.mark.parametrize("bad", [np.nan, np.inf, "fast"], ids=["nan", "inf", "string"])
@pytest.mark.parametrize(("cls", "name"), [(Adam, "lr"), (Adam, "beta1"), (Adam, "eps"), (AdamW, "weight_decay")])
def test_not_a_finite_number_message_states_the_range(cls, name, bad):
    with pytest.raises(ValueError, match=rf"^{name} must be .*{rule(name)[0]}"):
        make(cls, name, bad)


@pytest.mark.parametrize("cls", list(HYPERPARAMETERS), ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("params_shape", "grad_shape"),
    [((3,), (4,)), ((2, 3), (3, 2)), ((3,), (1, 3)), ((2, 3), (3,))],
    ids=["length", "transposed", "extra-axis", "missing-axis"],
)
def test_update_rejects_grad_of_other_shape(cls, params_shape, grad_shape):
    # Even shapes that numpy would broadcast are refused: a mismatch is a bug in the caller.
    opt = cls(lr=0.1)
    params = np.zeros(params_shape)
    message = rf"grad has shape {re.escape(str(grad_shape))} but params has shape {re.escape(str(params_shape))}"
    with pytest.raises(ValueError, match=message):
        opt.update(params, np.ones(grad_shape), opt.init(params))


@pytest.mark.parametrize(("cls", "name"), CASES, ids=CASE_IDS)
def test_update_rejects_hyperparameters_that_would_grow_params(cls, name):
    # A grid of shape (4, 1) turns params of shape (2,) into (4, 2): update() must not do that silently.
    opt = make(cls, name, np.full((4, 1), rule(name)[1]))
    params = np.zeros(2)
    with pytest.raises(ValueError, match=r"broadcast params of shape \(2,\) to \(4, 2\)"):
        opt.update(params, np.ones(2), opt.init(params))
    full = np.zeros((4, 2))  # with the full batch shape it works
    new_params, _ = opt.update(full, np.ones((4, 2)), opt.init(full))
    assert new_params.shape == (4, 2)


@pytest.mark.parametrize("steps", [-1, 1.5, "10", None])
def test_run_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match=r"steps must be an integer >= 0"):
        run(GD(lr=0.1), Quadratic(), steps=steps)


def test_run_accepts_zero_and_numpy_integer_steps():
    assert run(GD(lr=0.1), Quadratic(), steps=0).params.shape == (1, 2)
    assert run(GD(lr=0.1), Quadratic(), steps=np.int64(3)).params.shape == (4, 2)


def test_quadratic_rejects_mu_above_L():
    with pytest.raises(ValueError, match=r"mu must be <= L \(got mu=5.0, L=4.0\)"):
        Quadratic(mu=5.0, L=4.0)


@pytest.mark.parametrize(("mu", "L", "name"), [(0.0, 4.0, "mu"), (-1.0, 4.0, "mu"), (0.2, 0.0, "L")])
def test_quadratic_rejects_nonpositive_curvature(mu, L, name):
    with pytest.raises(ValueError, match=rf"^{name} must be > 0"):
        Quadratic(mu=mu, L=L)


@pytest.mark.parametrize("kappa", [0.5, 0.0, -3.0, np.nan, np.inf])
def test_from_condition_rejects_kappa_below_one(kappa):
    with pytest.raises(ValueError, match=r"kappa must be finite and >= 1"):
        Quadratic.from_condition(kappa)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Momentum(0.1, ema="no"),
        lambda: Momentum(0.1, nesterov=1),
        lambda: Adam(bias_correction=None),
        lambda: Adam(amsgrad="yes"),
    ],
)
def test_flags_must_be_booleans(make):
    with pytest.raises(ValueError, match=r"must be True or False"):
        make()


def test_numeric_strings_are_not_parsed():
    with pytest.raises(ValueError, match=r"lr must be a real number > 0"):
        GD("0.1")
