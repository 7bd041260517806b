"""Every number and claim of the chapter "A practical guide" (book/14_practical_guide.ipynb).

tests/quoted/practical_guide.toml pins each quoted value: memory sizes and widths exactly (they are sums
and counts of grid points), learning rates to 1e-3 relative, and the digits values to 1e-5 (BLAS may
order sums differently). The rows of the invariance table are proved in tests/test_invariance.py; here
only the chapter's rendering of them is checked."""

import numpy as np
import pytest
from book_files import assert_quoted

from optim_core import GD, Adam, Lion, Momentum, run
from optim_core import invariance as inv
from optim_core.base import state_count
from optim_core.chapters import get
from optim_core.chapters import practical_guide as ch
from optim_core.problems import RAVINE, Quadratic, rotation


def test_quoted_values(numbers):
    assert_quoted(numbers, "practical_guide")


# ----- memory -------------------------------------------------------------------------------------------

ARRAYS = {
    "GD": 0,
    "SignGD": 0,
    "Momentum": 1,
    "AdaGrad": 1,
    "RMSProp": 1,
    "Lion": 1,
    "Adam": 2,
    "AdamW": 2,
    "AMSGrad": 3,
}


def test_state_counts_from_init(numbers):
    assert {name: state_count(opt) for name, opt in ch.MEMORY_OPTIMIZERS.items()} == ARRAYS
    assert numbers["arrays_GD"] == ARRAYS["GD"] == ARRAYS["SignGD"] == min(ARRAYS.values())
    assert numbers["arrays_max"] == ARRAYS["AMSGrad"] == max(ARRAYS.values())  # "between 0 and 3 copies"


def test_memory_table_in_gigabytes(numbers):
    table, one_copy = ch.memory_table(), numbers["one_copy"]
    assert one_copy == ch.N_PARAMS * ch.BYTES / ch.GB and numbers["n_params_billion"] == ch.N_PARAMS / 1e9
    assert numbers["bytes"] == ch.BYTES == np.dtype(np.float32).itemsize
    for name, k in ARRAYS.items():  # state = k copies; with parameters and gradient, k + 2
        assert table[name]["arrays"] == k
        assert table[name]["state_gb"] == pytest.approx(one_copy * k)
        assert table[name]["total_gb"] == pytest.approx(one_copy * (k + 2))
    assert numbers["state_Adam"] == table["Adam"]["state_gb"] and numbers["total_Adam"] == table["Adam"]["total_gb"]
    assert numbers["total_Adam"] == pytest.approx(2 * numbers["total_GD"])  # twice what plain GD needs
    assert numbers["lion_saving"] == pytest.approx(one_copy)  # Lion keeps one array fewer than Adam
    assert (
        numbers["total_Lion"] == table["Lion"]["total_gb"] and numbers["total_AMSGrad"] == table["AMSGrad"]["total_gb"]
    )


def test_memory_exercise(numbers):
    assert numbers["small_copy"] == pytest.approx(1.3e9 * 4 / 1e9)
    assert numbers["small_adam"] == pytest.approx(4 * numbers["small_copy"])  # parameters, gradient, m, v
    assert numbers["small_lion"] == pytest.approx(3 * numbers["small_copy"])  # parameters, gradient, m


def test_memory_markdown_lists_every_optimizer():
    text = ch.memory_markdown()
    for name in ARRAYS:
        assert f"| {name} |" in text
    assert "| Adam | 2 | 56 | 112 |" in text


# ----- sensitivity: setup ---------------------------------------------------------------------------------


def test_grid_and_setup_match_the_prose(numbers):
    assert numbers["n_lrs"] == len(ch.LRS) and numbers["lr_min"] == ch.LRS[0] and numbers["lr_max"] == ch.LRS[-1]
    np.testing.assert_allclose(np.diff(np.log10(ch.LRS)), 1 / numbers["per_decade"])  # evenly spaced in log
    assert numbers["per_decade"] == ch.PER_DECADE and numbers["factor"] == ch.FACTOR and numbers["floor"] == ch.FLOOR
    for p in ("ravine", "Rosenbrock", "digits"):
        assert numbers[f"steps_{p}"] == ch.STEPS[p]
    assert ch.STEPS["ravine45"] == ch.STEPS["ravine"] and ch.STEPS["Rosenbrock45"] == ch.STEPS["Rosenbrock"]
    assert numbers["digits_l2"] == ch.DIGITS_L2 == ch.softmax().l2 and numbers["batch"] == ch.softmax().batch_size
    # torch's Momentum rates are the EMA-form rates times 1 - beta, at the default beta
    assert numbers["one_minus_beta"] == pytest.approx(1 - Momentum(1.0).beta)
    w, g = np.ones(2), np.array([1.0, -2.0])
    ema, torch = Momentum(1.0), Momentum(numbers["one_minus_beta"], ema=False)
    np.testing.assert_allclose(ema.update(w, g, ema.init(w))[0], torch.update(w, g, torch.init(w))[0])


def test_digits_f_min(numbers):
    f_star = numbers["digits_f_min"]
    model = ch.softmax()
    assert f_min_is_below_every_run(f_star)
    assert f_star < model.f(model.x0)


def f_min_is_below_every_run(f_star) -> bool:
    gaps = np.concatenate([ch.final_gaps(name, "digits") for name in ch.NAMES])
    return ch.f_min("digits") == f_star and bool(np.all(gaps > 0))


def test_one_batched_sweep_equals_single_runs():
    batched = ch.final_gaps("Adam", "ravine")
    for k in (10, 30):
        single = run(Adam(float(ch.LRS[k])), RAVINE, steps=300).final_loss
        assert batched[k] == pytest.approx(single, rel=1e-12, abs=1e-300)


# ----- sensitivity: results -------------------------------------------------------------------------------

WIDTHS = {  # problem -> the widths of GD, Momentum, AdaGrad, RMSProp, SignGD, Adam, Lion
    "ravine": (0.5, 1.875, 1.5, 1.5, 0.0, 2.375, 0.0),
    "ravine45": (0.5, 1.875, 1.375, 2.125, 0.0, 2.25, 0.0),
    "Rosenbrock": (0.0, 0.25, 0.0, 0.0, 0.0, 0.75, 0.0),
    "Rosenbrock45": (0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0),
    "digits": (0.625, 1.125, 0.75, 0.875, 0.0, 0.875, 0.0),
}


def test_widths():
    assert ch.widths() == {(o, p): w[k] for p, w in WIDTHS.items() for k, o in enumerate(ch.NAMES)}


def test_the_turned_surfaces_are_the_same_surfaces_in_turned_coordinates():
    for name in ("ravine", "Rosenbrock"):
        base, turned = ch.problem(name), ch.problem(name + "45")
        np.testing.assert_allclose(turned.matrix, rotation(np.deg2rad(ch.TURN)))
        np.testing.assert_allclose(turned.back(turned.x0), base.x0, atol=1e-14)  # the start turned with it
        assert turned.f_min == base.f_min and ch.target(name + "45") == ch.target(name)


def test_gd_and_momentum_do_not_notice_the_turn():
    # they commute with rotations (the invariance table): their final gaps agree to rounding, so do the widths
    for o in ("GD", "Momentum"):
        for name in ("ravine", "Rosenbrock"):
            np.testing.assert_allclose(ch.final_gaps(o, name + "45"), ch.final_gaps(o, name), rtol=1e-6, atol=1e-300)
            assert ch.width(o, name + "45") == ch.width(o, name)


def test_targets(numbers):
    # on the two surfaces some run reaches the floor: the bar is FACTOR x FLOOR
    assert numbers["target_ravine"] == ch.target("Rosenbrock") == pytest.approx(ch.FACTOR * ch.FLOOR)
    best = min(ch.final_gaps(o, "digits").min() for o in ch.NAMES)
    assert numbers["target_digits"] == pytest.approx(ch.FACTOR * best)


def test_claims_about_the_widths(numbers):
    w = ch.widths()
    for (o, p), value in w.items():
        if f"width_{o}_{p}" in numbers:
            assert numbers[f"width_{o}_{p}"] == value
    for p in ("ravine", "Rosenbrock", "ravine45"):  # Adam is the most forgiving on the axis-aligned surfaces ...
        assert all(w["Adam", p] > w[o, p] for o in ch.NAMES if o != "Adam")
    # turned, Adam's band on the ravine narrows and RMSProp's widens; Adam stays ahead by one grid point
    assert numbers["width_Adam_ravine45"] < numbers["width_Adam_ravine"]
    assert numbers["width_RMSProp_ravine45"] > numbers["width_RMSProp_ravine"]
    assert numbers["width_Adam_ravine45"] - numbers["width_RMSProp_ravine45"] == 1 / ch.PER_DECADE
    assert all(np.all(np.isfinite(ch.final_gaps("Adam", p))) for p in ch.PROBLEMS)  # no run of Adam's diverged
    assert [o for o in ch.NAMES if w[o, "Rosenbrock"] > 0] == ["Momentum", "Adam"]
    assert all(w["RMSProp", "ravine45"] > w[o, "ravine45"] for o in ch.NAMES if o not in ("Adam", "RMSProp"))
    # ... but on the turned valley no rate of Adam's is good, and Momentum alone has one
    assert [o for o in ch.NAMES if w[o, "Rosenbrock45"] > 0] == ["Momentum"]
    assert numbers["adam_gap_Rosenbrock45"] > ch.target("Rosenbrock45") and numbers["turn"] == ch.TURN == 45
    assert all(w["Momentum", "digits"] > w[o, "digits"] for o in ch.NAMES if o != "Momentum")
    assert w["Adam", "digits"] == w["RMSProp", "digits"]
    for p in ch.PROBLEMS:  # GD has the narrowest band wherever it works
        working = [w[o, p] for o in ch.NAMES if w[o, p] > 0]
        assert w["GD", p] == 0 or w["GD", p] == min(working)
    for o in ("SignGD", "Lion"):
        assert all(w[o, p] == 0 for p in ch.PROBLEMS)


def test_best_learning_rates():
    best = {(o, p): ch.best_lr(o, p) for o in ch.NAMES for p in ch.PROBLEMS}
    assert best["GD", "ravine"] == pytest.approx(0.4217, rel=1e-3)
    assert best["Adam", "digits"] == pytest.approx(0.03162, rel=1e-3)


def test_best_rate_spreads(numbers):
    # the spread counts only the problems where the optimizer has a good rate
    for o in ch.SPREAD_NAMES:
        problems = ch.good_problems(o)
        assert numbers[f"n_good_{o}"] == len(problems) == sum(ch.width(o, p) > 0 for p in ch.PROBLEMS)
        lrs = [ch.best_lr(o, p) for p in problems]
        assert numbers[f"spread_good_{o}"] == pytest.approx(np.log10(max(lrs) / min(lrs)))
    assert [o for o in ch.NAMES if not ch.good_problems(o)] == ["SignGD", "Lion"]  # no good rate anywhere
    assert ch.common_problems() == ("ravine", "ravine45", "digits") and numbers["n_common"] == 3
    # on the common problems Momentum's best rate moves least, then RMSProp's and GD's, AdaGrad's and Adam's most
    common = {o: numbers[f"spread_common_{o}"] for o in ch.SPREAD_NAMES}
    order = sorted(common, key=common.get)
    assert order[:3] == ["Momentum", "RMSProp", "GD"] and set(order[3:]) == {"AdaGrad", "Adam"}
    assert common["Momentum"] < min(common[o] for o in ("AdaGrad", "RMSProp", "Adam"))  # adaptive: no better
    # the spreads are whole numbers of grid steps
    for value in (*common.values(), *(numbers[f"spread_good_{o}"] for o in ch.SPREAD_NAMES)):
        assert value * ch.PER_DECADE == pytest.approx(round(value * ch.PER_DECADE))


def test_gd_cliff_on_the_ravine(numbers):
    largest, next_lr = numbers["gd_largest_good"], numbers["gd_next_lr"]
    assert numbers["two_over_L"] == 2 / Quadratic().L
    assert largest < numbers["two_over_L"] < next_lr  # the band ends just below the threshold 2/L
    assert largest == ch.best_lr("GD", "ravine")  # the best rate sits next to the edge
    assert next_lr == ch.LRS[np.searchsorted(ch.LRS, largest) + 1]
    assert np.isinf(ch.final_gaps("GD", "ravine")[np.searchsorted(ch.LRS, largest) + 1])  # diverged
    assert np.isnan(ch.largest_good_lr("SignGD", "ravine"))


def test_gd_between_the_grid_points(numbers):
    # on the grid the best rate is the largest stable one; 2/(mu + L) lies between it and 2/L and does better,
    # and just below 2/L the gap is far larger again
    assert numbers["gd_star_lr"] == pytest.approx(2 / (0.2 + 4.0))
    assert numbers["gd_largest_good"] < numbers["gd_star_lr"] < numbers["edge_lr"] < numbers["two_over_L"]
    assert numbers["gd_star_lr"] not in ch.LRS and numbers["edge_lr"] not in ch.LRS
    assert numbers["gap_gd_grid"] == pytest.approx(ch.final_gaps("GD", "ravine").min(), rel=1e-9)
    assert numbers["gap_gd_star"] < numbers["gap_gd_grid"] < numbers["gap_gd_edge"]
    single = run(GD(numbers["edge_lr"]), RAVINE, steps=numbers["steps_ravine"]).final_loss - RAVINE.f_min
    assert numbers["gap_gd_edge"] == pytest.approx(single, rel=1e-9)


def test_how_fine_a_grid(numbers):
    # Exercise 3's method: a band of k contiguous good points spans (k - 1) / 8 decades; ceil(1 / span) points
    # per decade always land one in it
    for points in range(2, 20):
        need = ch.per_decade_for(points)
        assert need * (points - 1) >= ch.PER_DECADE and (need - 1) * (points - 1) < ch.PER_DECADE
    assert numbers["decade_per_decade"] == ch.per_decade_for(ch.PER_DECADE) == 2  # a band one decade wide
    assert numbers["gd_per_decade"] == ch.per_decade_for(round(numbers["width_GD_ravine"] * ch.PER_DECADE)) == 3
    assert numbers["width_GD_ravine"] == min(w for (o, _), w in ch.widths().items() if o == "GD" and w > 0)
    assert numbers["narrow_width"] == min(w for w in ch.widths().values() if w > 0)
    assert numbers["narrow_per_decade"] == ch.per_decade_for(round(numbers["narrow_width"] * ch.PER_DECADE))


def test_grid_exercise(numbers):
    assert numbers["adam_span"] == (numbers["adam_points"] - 1) / ch.PER_DECADE
    assert numbers["width_Adam_digits"] == numbers["adam_points"] / ch.PER_DECADE
    assert numbers["adam_spacing"] == 1 / numbers["adam_per_decade"] <= numbers["adam_span"]
    good = np.flatnonzero(ch.good("Adam", "digits"))
    assert good.max() - good.min() + 1 == 7  # one contiguous band
    # every grid with two points per decade, at any offset, has a point in the band
    low, high = np.log10(ch.LRS[good.min()]), np.log10(ch.LRS[good.max()])
    for offset in np.linspace(0, 0.5, 11):
        grid = np.arange(-6 + offset, 2, 0.5)
        assert np.any((grid >= low - 1e-9) & (grid <= high + 1e-9))


def test_sign_methods_floor():
    # constant-lr sign methods stall: their best digits gap is above the bar
    assert ch.final_gaps("SignGD", "digits").min() > ch.target("digits")
    assert ch.final_gaps("Lion", "digits").min() > ch.target("digits")


def test_widths_markdown_and_figure():
    text = ch.widths_markdown()
    assert "| Adam | 2.375 (0.32) | 2.25 (0.42) | 0.75 (1.3) | 0 (3.2) | 0.875 (0.032) |" in text
    assert "| Momentum (EMA form) | 1.875 (1.8) |" in text  # the table says which form its rates are in
    assert len(ch.sensitivity_figure().axes) == 6  # five problems and the legend


# ----- the playground ----------------------------------------------------------------------------------


def test_playground_starts_at_the_best_rates(numbers):
    pg = get("practical_guide")
    assert 1.0 in ch.PG_MULTIPLIERS
    # at k = 1 each optimizer runs at the best rate of its own sweep over the playground's horizon
    for name in ch.PG_OPTIMIZERS:
        gaps = ch.final_gaps(name, "ravine", ch.PG_STEPS)
        assert ch.pg_best_lr(name, 0) == pytest.approx(float(ch.LRS[int(np.argmin(gaps))]))
    assert pg.readout(problem=0.0, k=1.0).startswith("α = 1 × best: GD 0.42")
    assert numbers["pg_steps"] == ch.PG_STEPS


def test_playground_factories_scale_the_rate():
    factory = ch._pg_factory("Momentum")
    opt = factory(problem=1.0, k=np.array([[0.5], [2.0]]))
    assert isinstance(opt, Momentum)
    np.testing.assert_allclose(opt.lr[:, 0], ch.pg_best_lr("Momentum", 1) * np.array([0.5, 2.0]))
    assert isinstance(ch._pg_factory("GD")(0.0, 1.0), GD) and isinstance(ch._pg_factory("Lion")(0.0, 1.0), Lion)


def test_a_cosine_schedule_rescues_the_sign_methods(numbers):
    assert numbers["sched_gap_Lion_digits"] < numbers["target_digits"]  # under the bar
    assert numbers["width_Lion_digits"] == 0 < numbers["sched_Lion_digits"]
    assert numbers["width_SignGD_ravine"] == 0 < numbers["sched_SignGD_ravine"]


# ----- the digits MLP ---------------------------------------------------------------------------------------


def test_mlp_grids_hold_every_band():
    # the width is not cut by a grid's end: for every seed and bar, the first and last grid points are not good
    for o in ch.NAMES:
        lrs = ch.mlp_lrs(o)
        assert len(lrs) == ch.MLP_DECADES * ch.PER_DECADE + 1 and lrs[0] == pytest.approx(10.0 ** ch.MLP_LOW[o])
        for seed in ch.MLP_SEEDS:
            for bar in ch.MLP_BARS:
                good = np.flatnonzero(ch.mlp_good(o, seed, bar))
                assert good.size == 0 or (good.min() > 0 and good.max() < len(lrs) - 1), (o, seed, bar)


def test_mlp_setup(numbers):
    model = ch.digits_mlp(seed=0)
    assert (numbers["mlp_inputs"], numbers["mlp_hidden"], numbers["mlp_batch"]) == (64, 32, 64)
    assert (model.x.shape[1], model.hidden, model.batch_size) == (64, 32, 64)
    assert numbers["mlp_more_seeds"] == len(ch.MLP_SEEDS) - 1  # beyond the softmax regression's one seed
    assert numbers["mlp_seeds"] == len(ch.MLP_SEEDS) == 3 and numbers["mlp_steps"] == ch.MLP_STEPS == 300
    assert numbers["mlp_bar"] == ch.MLP_BAR and (numbers["mlp_bar_low"], numbers["mlp_bar_high"]) == (1.25, 2.0)
    assert numbers["mlp_decades"] == ch.MLP_DECADES
    # a sweep of the MLP equals the single run at one of its rates
    from optim_core.models import digits_mlp, digits_split

    s, lr = digits_split(0), ch.mlp_lrs("Adam")[12]
    w = run(Adam(lr), digits_mlp(seed=1), steps=ch.MLP_STEPS, record_every=ch.MLP_STEPS).params[-1]
    assert float(digits_mlp(seed=1).loss_on(w, s.x_val, s.y_val)) == pytest.approx(
        ch.mlp_val_loss("Adam", 1)[12], rel=1e-9
    )


def test_mlp_widths_and_their_order(numbers):
    w = {bar: {o: v.mean() for o, v in ch.mlp_widths(bar).items()} for bar in ch.MLP_BARS}
    for o in ("Adam", "Momentum", "RMSProp", "GD", "Lion"):
        assert numbers[f"mlp15_{o}"] == w[1.5][o]
    # at 1.5 x best, Adam is widest but Momentum and RMSProp are within one grid point (1/8 decade)
    assert ch.mlp_widest(1.5) == ["Adam"]
    assert 0 < w[1.5]["Adam"] - max(w[1.5]["Momentum"], w[1.5]["RMSProp"]) <= 1 / ch.PER_DECADE + 1e-12
    # the order depends on the bar: RMSProp is widest at 1.25, Adam and Momentum within a grid point at 2
    assert ch.mlp_widest(1.25) == ["RMSProp"] and numbers["mlp125_RMSProp"] > numbers["mlp125_Adam"]
    assert 0 <= numbers["mlp2_Adam"] - numbers["mlp2_Momentum"] < 1 / ch.PER_DECADE
    # Lion narrowest at every bar, then gradient descent at 1.5
    for bar in ch.MLP_BARS:
        assert min(w[bar], key=w[bar].get) == "Lion"
    assert sorted(w[1.5], key=w[1.5].get)[:2] == ["Lion", "GD"]
    # SignGD, with no good rate on the five problems, has a band here wider than gradient descent's
    assert numbers["mlp15_SignGD"] == w[1.5]["SignGD"] > numbers["mlp15_GD"] > 0
    # "within about a grid point" holds at 1.5 x best only: at 1.25 RMSProp and Momentum are far apart
    assert numbers["mlp125_Momentum"] == w[1.25]["Momentum"]
    assert numbers["mlp125_RMSProp"] - numbers["mlp125_Momentum"] > 2 / ch.PER_DECADE
    assert numbers["mlp2_Adam"] == w[2.0]["Adam"] and numbers["mlp2_Momentum"] == w[2.0]["Momentum"]


def test_mlp_table_and_figure():
    text = ch.mlp_markdown()
    assert "| Momentum (EMA form) |" in text and "| width, bar 1.5 × best |" in text
    assert len(ch.mlp_figure().axes) == 1


# ----- invariances ------------------------------------------------------------------------------------------------


def test_the_invariance_table_is_the_measurement(numbers):
    assert list(ch.invariance_rows()) == list(inv.ROWS)
    text = ch.invariance_markdown()
    assert "| GD | no: acts as α → cα | no | yes | yes | no: acts as αᵢ → α/uᵢ² | yes |" in text
    assert "| Momentum (torch form) | no: acts as α → cα | no | yes | yes | no: acts as αᵢ → α/uᵢ² | yes |" in text
    adaptive = "only if ε = 0 (or ε → cε) | only if ε = 0 | no | yes | no: with ε = 0, acts as αᵢ → α/uᵢ | yes |"
    for name in ("AdaGrad", "RMSProp", "Adam"):
        assert f"| {name} | {adaptive}" in text
    for name in ("SignGD", "Lion"):
        assert f"| {name} | yes | yes | no | yes | no: acts as αᵢ → α/uᵢ | yes |" in text
    assert "| Lion (decay 0.1) | yes | yes | no | yes | no | no |" in text
    assert numbers["inv_c"] == inv.LOSS_SCALE and numbers["inv_steps"] == inv.STEPS
    assert numbers["inv_same"] == inv.SAME < numbers["inv_different"] == inv.DIFFERENT
    assert numbers["inv_turn"] == inv.TURN


def test_invariance_cells_follow_the_measurement():
    row = {"loss scale": "no", "loss scale as": None, "rescaling": "no", "rescaling as": None}
    assert inv.table_cell(row, "loss scale", False) == "no" and inv.table_cell(row, "rescaling", True) == "no"
    assert inv.table_cell({"shift": "yes"}, "shift", False) == "yes"
