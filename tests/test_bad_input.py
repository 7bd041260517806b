"""The library's contract under bad input (issue 16): nothing is accepted and then silently misused.
Each test is a reproducer from the review: it now raises an error naming the argument, or gives the
documented result."""

import numpy as np
import pytest

from optim_core import GD, AdaGrad, Adam, Lion, RMSProp, SignGD, run
from optim_core.ema import ema_weights
from optim_core.problems import Quadratic
from optim_core.schedules import step_decay


# ----- D1: hyperparameters are private read-only copies ------------------------------------------------
def test_changing_the_callers_array_does_not_change_the_optimizer():
    lr = np.array([[0.1], [0.2]])
    opt = GD(lr)
    lr[0] = -1.0
    assert opt.lr.tolist() == [[0.1], [0.2]]


def test_stored_hyperparameters_are_read_only():
    opt = GD(0.1)
    with pytest.raises(ValueError, match="read-only"):
        opt.lr[()] = -5.0
    with pytest.raises(ValueError, match="read-only"):
        Adam(np.array([[0.1], [0.2]])).lr[0] = -1.0


# ----- D2: a state from elsewhere is refused ------------------------------------------------------------
def test_state_made_for_other_params_is_refused():
    with pytest.raises(ValueError, match=r"state.m has shape \(3, 2\) but params has shape \(2,\)"):
        Adam(0.1).update(np.zeros(2), np.ones(2), Adam(0.1).init(np.zeros((3, 2))))
    with pytest.raises(ValueError, match=r"state.sum_sq has shape \(1,\)"):
        AdaGrad(0.1).update(np.zeros(2), np.ones(2), AdaGrad(0.1).init(np.zeros(1)))


def test_state_of_another_optimizer_is_refused():
    with pytest.raises(TypeError, match=r"state has type AdamState, but Lion.update needs the LionState"):
        Lion(0.1).update(np.zeros(2), np.ones(2), Adam(0.1).init(np.zeros(2)))


def test_amsgrad_given_a_plain_adam_state_names_the_field():
    with pytest.raises(ValueError, match=r"state.v_max has shape None"):
        Adam(0.1, amsgrad=True).update(np.zeros(2), np.ones(2), Adam(0.1).init(np.zeros(2)))


# ----- D3: eps = 0 and zero gradients: 0/0 counts as 0, as sign(0) = 0 ----------------------------------
@pytest.mark.parametrize("opt", [AdaGrad(0.1, eps=0.0), RMSProp(0.1, eps=0.0), Adam(0.1, eps=0.0)])
def test_eps_zero_with_a_zero_gradient_does_not_move_or_warn(opt):
    w = np.array([1.0, 2.0])
    with np.errstate(all="raise"):  # any 0/0 would raise here
        new_w, _ = opt.update(w, np.array([0.0, 1.0]), opt.init(w))
    assert new_w[0] == 1.0 and np.isfinite(new_w).all()


def test_rmsprop_beta0_eps0_equals_signgd_also_where_the_gradient_is_zero():
    w = np.array([1.0, -2.0, 3.0])
    grads = [np.array([0.0, 2.0, -1.0]), np.array([0.5, 0.0, 0.0]), np.array([0.0, -3.0, 4.0])]
    a, b = RMSProp(0.1, beta=0.0, eps=0.0), SignGD(0.1)
    wa, sa, wb, sb = w, a.init(w), w, b.init(w)
    for g in grads:
        wa, sa = a.update(wa, g, sa)
        wb, sb = b.update(wb, g, sb)
        np.testing.assert_array_equal(wa, wb)


def test_run_reports_no_false_divergence_with_eps_zero():
    t = run(Adam(0.1, eps=0.0), Quadratic(), x0=[0.0, 1.0], steps=20)  # w1's gradient is exactly 0
    assert t.diverged_at is None


# ----- D5: schedules are checked when they are called ----------------------------------------------------
@pytest.mark.parametrize("schedule", [lambda t: -0.1, lambda t: np.nan, lambda t: 0.0, lambda t: np.inf])
def test_a_bad_schedule_value_is_an_error_naming_lr(schedule):
    with pytest.raises(ValueError, match=r"lr is a schedule that gave .* at step 1; it must be finite and > 0"):
        run(GD(schedule), Quadratic(), steps=3)


def test_step_decay_never_reaches_zero():
    assert step_decay(0.1, 0.1, 1)(400) > 0


# ----- D13, D21: values that are not real numbers ---------------------------------------------------------
@pytest.mark.parametrize(
    "bad",
    [True, np.bool_(True), np.complex128(0.1), 0.1 + 0j, np.array(["0.1"]), ["0.1"], np.datetime64("2020-01-01"),
     np.timedelta64(1, "D"), np.ma.masked_array([0.1, 0.2], mask=[True, False]), np.array([]), [], None,
     np.array([0.1, None], dtype=object)],
)  # fmt: skip
def test_non_real_hyperparameters_are_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"^lr must be a real number > 0 or a non-empty array of them"):
        GD(bad)


def test_whole_number_arguments_refuse_booleans_and_fractions():
    with pytest.raises(ValueError, match="t must be an integer >= 1"):
        ema_weights(0.9, 2.5)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        run(GD(0.1), Quadratic(), steps=True)


# ----- D10-D12: what run() validates ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x0": [1.0, 2.0, 3.0]}, "x0 has 3 coordinates on its last axis but the problem has 2"),
        ({"x0": [np.nan, 1.0]}, "x0 must be finite"),
        ({"x0": [np.inf, 1.0]}, "x0 must be finite"),
        ({"bound": np.nan}, r"bound must be a number > 0 \(inf allowed\)"),
        ({"bound": -1.0}, "bound must be a number > 0"),
        ({"bound": 0}, "bound must be a number > 0"),
        ({"loss_bound": "1e30"}, "loss_bound must be a number > 0"),
        ({"loss_bound": None}, "loss_bound must be a number > 0"),
    ],
)
def test_run_refuses_bad_arguments_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(GD(0.1), Quadratic(), steps=3, **kwargs)


def test_infinite_bounds_are_allowed():
    assert run(GD(0.1), Quadratic(), steps=3, bound=np.inf, loss_bound=np.inf).diverged_at is None


# ----- D19, D20: playgrounds ------------------------------------------------------------------------------
def test_slider_refuses_nan_duplicates_and_mismatched_names():
    from optim_core.playground import Slider

    with pytest.raises(ValueError, match="slider 'lr': values must be finite and distinct"):
        Slider("lr", (0.1, np.nan), 0.1)
    with pytest.raises(ValueError, match="values must be finite and distinct"):
        Slider("lr", (0.1, 0.1), 0.1)
    with pytest.raises(ValueError, match="names has 1 entries for 2 values"):
        Slider("problem", (0.0, 1.0), 0.0, names=("ravine",))
    with pytest.raises(ValueError, match="default must be finite"):
        Slider("lr", (0.1, 0.2), np.nan)


def _tiny_playground(**kwargs):
    from optim_core.playground import Playground, Slider

    return Playground("tiny", Quadratic(), {"GD": lambda lr: GD(lr)}, [Slider("lr", (0.1, 0.2), 0.1)], 5, **kwargs)


def test_playground_refuses_a_start_that_is_not_finite():
    with pytest.raises(ValueError, match="playground 'tiny': x0 must be finite"):
        _tiny_playground(x0=[np.nan, 1.0])


def test_runs_at_an_off_grid_value_names_the_slider():
    with pytest.raises(ValueError, match=r"lr=0.15 is not on the slider's grid \(0.1, 0.2\)"):
        _tiny_playground().runs_at({"lr": 0.15})


def test_a_label_cannot_close_the_script_element():
    from optim_core.playground import Playground, Slider

    pg = Playground("tiny", Quadratic(), {"</script><b>GD": lambda lr: GD(lr)}, [Slider("lr", (0.1, 0.2), 0.1)], 5)
    html = pg.static_html()
    assert html.count("</script>") == 1 and "<\\/script><b>GD" in html


# ----- D8, D9: problems -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Quadratic(mu=np.array([0.2, 0.3])), "mu must be one finite real number"),
        (lambda: Quadratic(mu=[0.2]), "mu must be one finite real number"),
        (lambda: Quadratic(angle=np.nan), "angle must be one finite real number"),
        (lambda: Quadratic(angle=np.inf), "angle must be one finite real number"),
        (lambda: Quadratic(L=np.complex128(4.0)), "L must be one finite real number"),
        (lambda: Quadratic.from_condition("5"), "kappa must be finite and >= 1"),
        (lambda: Quadratic.from_condition(0.5), "kappa must be finite and >= 1"),
    ],
)
def test_quadratic_refuses_what_is_not_one_ravine(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rosenbrock_parameters_are_checked():
    from optim_core.problems import Rosenbrock

    for bad in (np.nan, "x", True):
        with pytest.raises(ValueError, match="a must be one finite real number"):
            Rosenbrock(a=bad)
    with pytest.raises(ValueError, match="b must be"):
        Rosenbrock(b=-1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"l2": -1.0}, r"l2 must be >= 0"),
        ({"n_samples": 0}, r"n_samples must be an integer >= 1"),
        ({"rare_freq": 2.0}, r"rare_freq must be in \(0, 1\]"),
        ({"rare_freq": np.nan}, r"rare_freq must be one finite real number"),
        ({"n_rare": -1}, r"n_rare must be an integer >= 0"),
        ({"n_common": 1.5}, r"n_common must be an integer >= 0"),
        ({"seed": -1}, r"seed must be an integer >= 0"),
    ],
)
def test_sparse_logistic_refuses_bad_settings(kwargs, message):
    from optim_core.problems import SparseLogistic

    with pytest.raises(ValueError, match=message):
        SparseLogistic(**kwargs)


# ----- D7, D15: models ----------------------------------------------------------------------------------------
def _digits():
    from optim_core.models import MLP, SoftmaxRegression, digits_split

    return digits_split(0), MLP, SoftmaxRegression


def test_models_refuse_samples_and_labels_that_do_not_match():
    split, _, softmax = _digits()
    model = softmax(split.x_train, split.y_train)
    w = model.x0
    with pytest.raises(ValueError, match=r"y must have shape \(5,\), one label per row of x"):
        model.grad_on(w, split.x_val[:5], split.y_val[:4])
    with pytest.raises(ValueError, match=r"y must hold integer labels in 0..9"):
        model.loss_on(w, split.x_val[:2], np.array([0, -1]))
    with pytest.raises(ValueError, match=r"x must have shape \(n_samples, 64\)"):
        model.accuracy(w, split.x_val[:, :10], split.y_val)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": True}, "batch_size must be an integer >= 1 or None"),
        ({"hidden": True}, "hidden must be an integer >= 1"),
        ({"seed": None}, "seed must be an integer >= 0"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"seed": "a"}, "seed must be an integer >= 0"),
        ({"seed": 1.5}, "seed must be an integer >= 0"),
    ],
)
def test_model_settings_are_checked_at_construction(kwargs, message):
    split, mlp, _ = _digits()
    with pytest.raises(ValueError, match=message):
        mlp(split.x_train, split.y_train, **kwargs)


@pytest.mark.parametrize("step", [0, 1.7, True])
def test_minibatch_steps_count_from_one(step):
    split, mlp, _ = _digits()
    with pytest.raises(ValueError, match="step must be an integer >= 1"):
        mlp(split.x_train, split.y_train).batch_indices(step)


# ----- D4: the grid convention ----------------------------------------------------------------------------------
def test_a_grid_needs_a_last_axis_of_length_one():
    with pytest.raises(ValueError, match=r"lr has shape \(2,\): a grid of settings needs a last axis of length 1"):
        GD(np.array([0.1, 0.45]))
    with pytest.raises(ValueError, match=r"beta1 has shape \(3,\)"):
        Adam(0.1, beta1=np.array([0.0, 0.5, 0.9]))
    grid = run(GD(np.array([0.1, 0.45])[:, None]), Quadratic(), steps=5)
    assert grid.loss.shape == (6, 2)  # two runs, one per value


def test_grids_must_broadcast_together_and_are_named():
    with pytest.raises(ValueError, match=r"do not broadcast together: lr \(3, 1\), beta1 \(2, 1\)"):
        Adam(lr=np.ones((3, 1)) * 0.1, beta1=np.full((2, 1), 0.9))
    assert Adam(lr=np.full((3, 1, 1), 0.1), beta1=np.full((2, 1), 0.9)).batch_shape((2,)) == (3, 2, 2)


def test_a_scheduled_grid_follows_the_same_convention():
    with pytest.raises(ValueError, match=r"lr has shape \(2,\)"):
        GD(lambda t: np.array([0.1, 0.2]))
