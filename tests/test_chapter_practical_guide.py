"""Every number and claim of the chapter "A practical guide" (book/12_practical_guide.ipynb)."""

import numpy as np
import pytest

from optim_core import GD, Adam, Lion, Momentum, run
from optim_core.chapters import get
from optim_core.chapters import practical_guide as ch
from optim_core.problems import Quadratic

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


def test_state_counts_from_init():
    assert {name: ch.state_count(opt) for name, opt in ch.MEMORY_OPTIMIZERS.items()} == ARRAYS


def test_memory_table_in_gigabytes():
    table = ch.memory_table()
    assert ch.N_PARAMS * ch.BYTES / ch.GB == pytest.approx(28.0)
    for name, k in ARRAYS.items():
        assert table[name]["arrays"] == k
        assert table[name]["state_gb"] == pytest.approx(28.0 * k)
        assert table[name]["total_gb"] == pytest.approx(28.0 * (k + 2))
    assert table["Adam"]["state_gb"] == pytest.approx(56.0) and table["Adam"]["total_gb"] == pytest.approx(112.0)
    assert table["Adam"]["total_gb"] == pytest.approx(2 * table["GD"]["total_gb"])
    assert table["AMSGrad"]["total_gb"] == pytest.approx(140.0) and table["Lion"]["total_gb"] == pytest.approx(84.0)
    assert table["Adam"]["state_gb"] - table["Lion"]["state_gb"] == pytest.approx(28.0)


def test_memory_exercise():
    small = ch.memory_table(n_params=1.3e9)
    assert small["Adam"]["total_gb"] == pytest.approx(20.8) and small["Lion"]["total_gb"] == pytest.approx(15.6)


def test_memory_markdown_lists_every_optimizer():
    text = ch.memory_markdown()
    for name in ARRAYS:
        assert f"| {name} |" in text
    assert "| Adam | 2 | 56 | 112 |" in text


# ----- sensitivity: setup ---------------------------------------------------------------------------------


def test_grid_and_setup_match_the_prose():
    assert len(ch.LRS) == 49 and ch.LRS[0] == pytest.approx(1e-5) and ch.LRS[-1] == pytest.approx(10.0)
    np.testing.assert_allclose(np.diff(np.log10(ch.LRS)), 1 / ch.PER_DECADE)
    assert ch.PER_DECADE == 8 and ch.FACTOR == 10.0 and ch.FLOOR == 1e-8
    assert ch.STEPS == {"ravine": 300, "Rosenbrock": 1000, "digits": 300}
    assert ch.DIGITS_L2 == 1e-3 and ch.softmax().batch_size == 64


def test_digits_f_min():
    f_star = ch.softmax_f_min()
    assert f_star == pytest.approx(0.252518, abs=1e-6)
    model = ch.softmax()
    assert np.all(ch.final_gaps("Momentum", "digits") > 0)  # f* really is below every run
    assert f_star < model.f(model.x0)


def test_one_batched_sweep_equals_single_runs():
    batched = ch.final_gaps("Adam", "ravine")
    for k in (10, 30):
        single = run(Adam(float(ch.LRS[k])), Quadratic(), steps=300).final_loss
        assert batched[k] == pytest.approx(single, rel=1e-12, abs=1e-300)


# ----- sensitivity: results -------------------------------------------------------------------------------

WIDTHS = {
    ("GD", "ravine"): 0.5, ("GD", "Rosenbrock"): 0.0, ("GD", "digits"): 0.625,
    ("Momentum", "ravine"): 1.875, ("Momentum", "Rosenbrock"): 0.25, ("Momentum", "digits"): 1.125,
    ("AdaGrad", "ravine"): 1.5, ("AdaGrad", "Rosenbrock"): 0.0, ("AdaGrad", "digits"): 0.75,
    ("RMSProp", "ravine"): 1.5, ("RMSProp", "Rosenbrock"): 0.0, ("RMSProp", "digits"): 0.875,
    ("SignGD", "ravine"): 0.0, ("SignGD", "Rosenbrock"): 0.0, ("SignGD", "digits"): 0.0,
    ("Adam", "ravine"): 2.375, ("Adam", "Rosenbrock"): 0.75, ("Adam", "digits"): 0.875,
    ("Lion", "ravine"): 0.0, ("Lion", "Rosenbrock"): 0.0, ("Lion", "digits"): 0.0,
}  # fmt: skip


def test_widths():
    assert ch.widths() == WIDTHS


def test_targets():
    assert ch.target("ravine") == pytest.approx(1e-7)
    assert ch.target("Rosenbrock") == pytest.approx(1e-7)
    assert ch.target("digits") == pytest.approx(0.022562, abs=1e-5)


def test_claims_about_the_widths():
    w = ch.widths()
    for p in ("ravine", "Rosenbrock"):  # Adam is the most forgiving on the surfaces
        assert all(w["Adam", p] > w[o, p] for o in ch.NAMES if o != "Adam")
    assert [o for o in ch.NAMES if w[o, "Rosenbrock"] > 0] == ["Momentum", "Adam"]
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
    assert best["GD", "Rosenbrock"] == pytest.approx(0.001778, rel=1e-3)
    assert best["GD", "digits"] == pytest.approx(2.371, rel=1e-3)
    assert best["Adam", "digits"] == pytest.approx(0.03162, rel=1e-3)


def test_best_rate_spreads():
    spread = {o: ch.best_lr_spread(o) for o in ch.NAMES}
    assert spread["GD"] == pytest.approx(3.125) and spread["Momentum"] == pytest.approx(2.125)
    assert spread["AdaGrad"] == pytest.approx(1.0) and spread["RMSProp"] == pytest.approx(1.125)
    assert spread["Adam"] == pytest.approx(1.625)
    assert max(spread["AdaGrad"], spread["RMSProp"], spread["Adam"]) < spread["Momentum"] < spread["GD"]


def test_gd_cliff_on_the_ravine():
    largest = ch.largest_good_lr("GD", "ravine")
    assert largest == pytest.approx(0.4217, rel=1e-3)
    L = Quadratic().L
    assert largest < 2 / L == 0.5
    next_lr = ch.next_lr(largest)
    assert next_lr == pytest.approx(0.5623, rel=1e-3) and next_lr > 2 / L
    assert np.isinf(ch.final_gaps("GD", "ravine")[np.searchsorted(ch.LRS, largest) + 1])  # diverged
    assert np.isnan(ch.largest_good_lr("SignGD", "ravine"))


def test_grid_exercise():
    assert ch.grid_exercise("Adam", "digits") == {"points": 7, "span": 0.75, "per_decade": 2, "spacing": 0.5}
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
    assert "| Adam | 2.375 (0.32) | 0.75 (1.3) | 0.875 (0.032) |" in text
    assert len(ch.sensitivity_figure().axes) == 4  # three problems and the legend


# ----- the playground ----------------------------------------------------------------------------------


def test_playground_fits_the_budget_and_starts_at_the_best_rates():
    pg = get("practical_guide")
    assert pg.key == "practical_guide"
    assert np.prod(pg.grid_shape) * len(pg.optimizers) * (pg.steps + 1) <= 90_000
    assert len(pg.static_html()) < 1_500_000
    assert 1.0 in ch.PG_MULTIPLIERS
    # at k = 1 each optimizer runs at the best rate of its own sweep over the playground's horizon
    for name in ch.PG_OPTIMIZERS:
        gaps = ch.final_gaps(name, "ravine", ch.PG_STEPS)
        assert ch.pg_best_lr(name, 0) == pytest.approx(float(ch.LRS[int(np.argmin(gaps))]))
    assert pg.readout(problem=0.0, k=1.0).startswith("α = 1 × best: GD 0.42")


def test_playground_factories_scale_the_rate():
    factory = ch._pg_factory("Momentum")
    opt = factory(problem=1.0, k=np.array([[0.5], [2.0]]))
    assert isinstance(opt, Momentum)
    np.testing.assert_allclose(opt.lr[:, 0], ch.pg_best_lr("Momentum", 1) * np.array([0.5, 2.0]))
    assert isinstance(ch._pg_factory("GD")(0.0, 1.0), GD) and isinstance(ch._pg_factory("Lion")(0.0, 1.0), Lion)


def test_live_playground_redraws():
    from optim_core.playground import _LiveView

    view = _LiveView(ch.playground())
    before = view.image.value
    view.controls[0].value = 1  # Rosenbrock
    assert view.image.value != before
    assert "Adam" in view.text.value


def test_a_cosine_schedule_rescues_the_sign_methods():
    assert ch.scheduled_width("Lion", "digits") == 0.875
    assert ch.scheduled_width("SignGD", "ravine") == 2.375
    assert ch.final_gaps("Lion", "digits", scheduled=True).min() == pytest.approx(0.005758, abs=1e-5)
    assert ch.final_gaps("Lion", "digits", scheduled=True).min() < ch.target("digits")
    for name, p in (("Lion", "digits"), ("SignGD", "ravine")):
        assert ch.width(name, p) == 0 < ch.scheduled_width(name, p)
