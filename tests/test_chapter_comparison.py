"""Side-by-side comparison: every number the prose quotes, and every claim it makes about them.

numbers() gives integers as integers and every other number as the text the prose shows (3 significant
digits, powers of ten as 10ⁿ); `value` reads that text back, so the claims are checked on what the reader sees."""

import numpy as np
import pytest
from book_files import assert_quoted
from book_files import quoted_number as value

from optim_core import AdaGrad, run
from optim_core.chapters import comparison as ch
from optim_core.problems import Quadratic, Turned, rotation

SIX = tuple(ch.OPTIMIZERS)


@pytest.fixture(scope="module")
def v(numbers):
    """numbers[name] read back as a number (through the tracking fixture, so each read counts as a pin)."""
    return lambda name: value(numbers[name])


def test_value_reads_the_text_back():
    assert [value(t) for t in ("−0.857", "2.4 × 10⁻¹⁴", "10⁻⁶", "10⁴", "1160", "0.00147")] == pytest.approx(
        [-0.857, 2.4e-14, 1e-6, 1e4, 1160.0, 0.00147], rel=1e-12
    )


def test_quoted_values(numbers):
    assert_quoted(numbers, "comparison")


# ----- the protocol ------------------------------------------------------------------------------------------------


def test_the_grid_is_log_spaced_as_the_text_says(v):
    assert v("n_grid") == pytest.approx(v("per_decade") * np.log10(v("lr_hi") / v("lr_lo")) + 1) and v("n_grid") == 37
    assert v("grid_ratio") == pytest.approx(10 ** (1 / v("per_decade")), rel=5e-3)
    assert (v("lr_lo"), v("lr_hi"), v("tol"), v("floor")) == pytest.approx((1e-4, 100.0, 1e-6, 1e-16), rel=1e-12)
    assert v("blowup") == 100


@pytest.mark.parametrize(("problem", "name"), [(p, n) for p in ch.PROBLEMS for n in SIX] + [("ravine", "Lion")])
def test_each_tuned_rate_is_strictly_inside_the_grid(problem, name):
    """ "The best to within a grid factor": a rate at the edge of the grid might be beaten outside it."""
    s = ch.tuned(problem, name)
    assert 0 < s.best_index[0] < len(ch.LR_GRID) - 1 and np.isfinite(s.best_score)


def test_gd_on_the_ravine_picks_the_largest_grid_value_below_two_over_L(v):
    assert v("gd_theory_lr") == pytest.approx(2 / (0.2 + 4.0), rel=5e-3) and v("gd_threshold") == 2 / 4.0
    assert v("lr_ravine_gd") < v("gd_theory_lr") < v("gd_threshold") < v("gd_next_lr")
    assert v("gd_next_lr") / v("lr_ravine_gd") == pytest.approx(v("grid_ratio"), rel=5e-3)
    s = ch.tuned("ravine", "GD")
    assert s.run_at((s.best_index[0] + 1,)).diverged  # the next one diverges and is excluded
    assert v("gd_steep_factor") == pytest.approx(1 - v("lr_ravine_gd") * 4.0, abs=2e-3)


# ----- the table's headline claims ------------------------------------------------------------------------------------


def fastest(problem):
    reached = {n: ch.steps_to_tol(problem, n) for n in SIX}
    return min((s, n) for n, s in reached.items() if s is not None)[1]


def test_no_method_wins_everywhere():
    assert [fastest(p) for p in ch.PROBLEMS] == ["AdaGrad", "Adam", "AdaGrad", "AdaGrad"]
    assert [n for n in ch.ALL if ch.steps_to_tol("Rosenbrock", n) is not None] == ["Momentum", "Adam"]
    assert all(ch.steps_to_tol(p, "SignGD") is None for p in ch.PROBLEMS)
    assert all(ch.steps_to_tol(p, "Lion") is None for p in ch.PLANAR)


def test_the_table_shows_what_the_functions_compute():
    html = ch.table_html()
    for problem in ch.PROBLEMS:
        for name in ch.ALL if problem in ch.PLANAR else SIX:
            assert "".join(f"<td>{c}</td>" for c in ch.table_cells(problem, name)) in html, (problem, name)
    assert html.count("AdamW (preview)") == html.count("Lion (preview)") == len(ch.PLANAR)
    assert "not reached" in html and "≤ 10⁻¹⁶" in html


def test_defaults_table_reads_the_library():
    table = ch.defaults_table()
    assert (
        "| Momentum (EMA form) | `beta = 0.9, ema = True" in table
        and "beta1 = 0.9, beta2 = 0.999, eps = 1e-08" in table
    )
    assert "weight_decay = 0.01" in table and "| GD | (none) |" in table


# ----- the ravine ------------------------------------------------------------------------------------------------


def test_default_momentum_loses_to_gd_on_the_ravine_and_the_rates_say_why(v):
    assert v("steps_ravine_gd") < v("steps_ravine_momentum")
    assert v("kappa") == 20 and v("beta_default") == 0.9
    assert v("gd_rate") == pytest.approx(19 / 21, rel=5e-3) and v("mom_floor") == pytest.approx(0.9**0.5, rel=5e-3)
    assert v("mom_floor") > v("gd_rate")
    assert abs(v("steps_ravine_adam") - v("steps_ravine_momentum")) <= 10  # Adam "behaves much like Momentum"


@pytest.mark.parametrize("lr", np.geomspace(1e-3, 30, 25))
def test_heavy_ball_cannot_contract_faster_than_sqrt_beta(lr):
    """The recurrence matrix of the EMA-form heavy ball (exercise 1), on either curvature of the ravine."""
    beta = 0.9
    for curvature in (0.2, 4.0):
        matrix = np.array([[1 + beta - lr * (1 - beta) * curvature, -beta], [1.0, 0.0]])
        assert np.max(np.abs(np.linalg.eigvals(matrix))) >= np.sqrt(beta) - 1e-12


def test_a_tuned_beta_makes_momentum_beat_gd(v):
    assert v("beta_theory") == pytest.approx(((20**0.5 - 1) / (20**0.5 + 1)) ** 2, rel=5e-3)
    assert abs(v("beta_tuned") - v("beta_theory")) <= 0.1  # the nearest value of the beta grid
    assert v("beta_tuned_steps") < v("steps_ravine_gd") / 3
    _, _, _, (b, k) = ch.momentum_beta_sweep()
    assert 0 < b < len(ch.BETAS) - 1 and 0 < k < len(ch.LR_GRID) - 1  # not pinned to an edge of either grid


def test_adagrad_ignores_the_curvature_of_an_axis_aligned_quadratic():
    """On a diagonal quadratic AdaGrad (eps = 0) makes the same moves whatever the curvatures."""
    a = run(AdaGrad(lr=1.3, eps=0.0), Quadratic(mu=0.2, L=4.0), steps=40).params
    b = run(AdaGrad(lr=1.3, eps=0.0), Quadratic(mu=1.0, L=1.0), steps=40).params
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


def test_turning_the_ravine_slows_only_the_per_coordinate_methods(v):
    assert (v("rot_gd"), v("rot_mom")) == (v("steps_ravine_gd"), v("steps_ravine_momentum"))  # "exactly ... again"
    assert v("rot_adagrad") > 10 * v("steps_ravine_adagrad") and v("rot_adam") > v("steps_ravine_adam")


def test_rmsprop_jumps_then_rebounds_on_the_ravine(v):
    assert v("rms_first_factor") == pytest.approx(10.0)
    assert v("rms_ravine_first") == pytest.approx(10 * ch.tuned_lr("ravine", "RMSProp"), rel=5e-3)
    assert v("ravine_start_gap") == pytest.approx(0.5 * (0.2 * 4.5**2 + 4.0), rel=5e-3)
    # The rebound is an instability: its height and time depend on the last bits of the arithmetic.
    assert v("rms_ravine_arrived") < v("rms_ravine_peak_step") < v("steps_ravine_rmsprop") < 300
    assert v("rms_ravine_peak") > v("ravine_start_gap") and v("rms_ravine_peak") == pytest.approx(6.25, rel=0.2)
    assert abs(v("rms_ravine_peak_step") - 230) <= 10


def test_sign_descent_sits_below_its_floor_bound(v):
    lr = v("lr_ravine_signgd")
    assert v("sign_ravine_bound") == pytest.approx(0.5 * (0.2 + 4.0) * lr**2, rel=1e-2)
    assert np.all(np.abs(ch.best_path("ravine", "SignGD")[-v("late") :]) <= ch.tuned_lr("ravine", "SignGD"))  # premise
    assert v("sign_ravine_late") <= v("sign_ravine_bound")


# ----- Rosenbrock, the saddle, the sparse problem ----------------------------------------------------------------


def test_gd_is_held_down_by_the_walls_and_sign_descent_by_the_distance(v):
    s = ch.tuned("Rosenbrock", "GD")
    assert v("rosen_gd_next") == pytest.approx(ch.LR_GRID[s.best_index[0] + 1], rel=5e-3)
    assert s.run_at((s.best_index[0] + 1,)).diverged
    assert v("final_rosen_gd") > 1e3 * v("tol")
    assert v("rosen_distance") == abs(v("rosen_min_1") - v("rosen_x0_1"))
    assert v("sign_travel") == pytest.approx(v("rosen_distance") / v("lr_rosen_signgd"), rel=5e-3)
    assert v("sign_travel") > v("steps_rosenbrock")


def test_adaptive_methods_leave_the_saddle_in_one_step(v):
    for name in ("AdaGrad", "RMSProp", "Adam"):
        assert ch.escape(ch.best_path("saddle", name)) == 1 and ch.ESCAPE_HEIGHT == v("escape_height")
    assert v("gd_escape_pred") == pytest.approx(np.log(500) / np.log1p(v("lr_saddle_gd")), rel=5e-3)
    assert abs(v("gd_escape_pred") - v("escape_gd")) <= 2
    assert v("escape_sign") > v("escape_gd")


def test_saddle_settling(v):
    quick = [v(f"steps_saddle_{n}") for n in ("adagrad", "rmsprop", "gd")]
    slow = [v(f"steps_saddle_{n}") for n in ("momentum", "adam")]
    assert max(quick) < 20 and min(slow) > 100


def test_adagrad_leads_on_sparse_features_and_gd_leaves_the_rare_weights_behind(v):
    s = [v(f"steps_sparse_{n}") for n in ("adagrad", "adam", "momentum", "gd")]
    assert s == sorted(s)
    assert v("rare_lag") > 5


def test_rmsprop_rebounds_on_the_sparse_problem(v):
    assert v("steps_sparse_adagrad") < v("rms_sparse_arrived") < v("steps_sparse_adam")  # "almost as fast"
    assert ch.steps_to_tol("sparse logistic", "RMSProp") is None
    # A rebound from an instability: pinned loosely (it amplifies rounding differences).
    assert 1e-3 < v("rms_sparse_peak") < 3e-2 and abs(v("rms_sparse_peak_step") - 189) <= 20
    assert v("tol") < v("final_sparse_rmsprop") < 1e-2
    assert v("final_sparse_signgd") > v("tol")


# ----- what a tuned result hides ---------------------------------------------------------------------------------


def test_adam_has_the_widest_window_on_every_problem(v):
    for problem in ch.PROBLEMS:
        assert ch.window(problem, "Adam") > max(ch.window(problem, n) for n in SIX if n != "Adam")
    got = [v(f"window_{ch.SHORT[p]}_adam") for p in ch.PROBLEMS]
    assert got == pytest.approx([16 / 6, 7 / 6, 16 / 6, 2.0], rel=5e-3)


def test_only_momentum_on_the_sparse_problem_needs_the_wider_grid(v):
    edges = [(p, n) for p in ch.PROBLEMS for n in SIX if ch.reaching(p, n)[[0, -1]].any()]
    assert edges == [("sparse logistic", "Momentum")]
    assert v("wide_hi") == pytest.approx(1e4) and v("mom_sparse_wide") < v("window_sparse_adam")
    assert v("mom_sparse_wide") > ch.window("sparse logistic", "Momentum")
    assert not ch.reaching("sparse logistic", "Momentum", wide=True)[-1]  # the wider grid holds its top end


def test_rmsprop_tuned_rate_is_above_its_own_window_on_the_sparse_problem(v):
    assert v("rms_sparse_window_top") == pytest.approx(10**-1.5, rel=5e-3)
    assert v("lr_sparse_rmsprop") > v("rms_sparse_window_top")
    gaps = ch.tuned("sparse logistic", "RMSProp").final_gaps(ch.PROBLEMS["sparse logistic"])
    assert np.nanmin(gaps) < 1e-3 * ch.best_gap("sparse logistic", "RMSProp")[-1]  # the dot sits far above


def test_adam_is_fastest_only_on_rosenbrock():
    assert [p for p in ch.PROBLEMS if fastest(p) == "Adam"] == ["Rosenbrock"]


def test_the_final_loss_cannot_rank_runs_at_the_floor_and_rewards_luck(v):
    assert v("ravine_floor_runs") > 1
    assert v("lion_lucky_step") < v("steps_rosenbrock") and v("lion_lucky_final") > 1e3 * v("floor")


def test_without_the_blowup_rule_adagrad_picks_the_grid_edge(v):
    run_ = ch.adagrad_without_rule()
    assert run_["index"] == len(ch.LR_GRID) - 1 and v("norule_lr") == v("lr_hi")
    # AdaGrad's first step is alpha sign(dw) per coordinate: from (-4.5, 1) to (-4.5 + 100, 1 - 100)
    assert (v("norule_w1"), v("norule_w2")) == pytest.approx((v("ravine_x0_1") + 100, v("ravine_x0_2") - 100))
    assert [v("norule_factor1"), v("norule_factor2")] == pytest.approx([1.0, 1.0], abs=0.06)  # Newton steps
    assert v("norule_steps") < 10


def test_adamw_decay_costs_accuracy_away_from_zero(v):
    assert v("final_saddle_adamw") > 1e3 * v("nodecay_saddle")
    assert v("final_rosen_adamw") > 1e3 * v("nodecay_rosen")


# ----- turning the problems ----------------------------------------------------------------------------------------


def turned(group, name):
    """ch.outcome: [aligned, then one per turn], inf where never reached."""
    return ch.outcome(group, name)


def test_the_turns_are_seeded_and_start_with_45_degrees(v):
    assert ch.ANGLES[0] == v("rotation_deg") == 45
    np.testing.assert_array_equal(ch.TURNS, np.random.default_rng(v("turn_seed")).uniform(0, 360, v("n_turns")))
    assert v("n_sparse_turns") == len(ch.SPARSE_SEEDS) == 2 and v("sparse_retune_values") == 2 * ch.SPARSE_HALF + 1
    assert v("n_sparse") == ch.PROBLEMS["sparse logistic"].dim


@pytest.mark.parametrize("problem", ch.PLANAR)
def test_each_rate_tuned_on_a_turned_surface_is_strictly_inside_the_grid(problem):
    for name in SIX:
        assert all(0 < s.best_index[0] < len(ch.LR_GRID) - 1 for s in ch.turned_sweeps(problem, name)), name


def test_the_sparse_retuning_window_holds_the_best_rate():
    """alpha is retuned over 13 grid values only: the best must not sit at an end of that window."""
    for name in ("AdaGrad", "Adam"):
        for s in ch.turned_sweeps("sparse logistic", name):
            assert 0 < s.best_index[0] < len(s.axes["lr"]) - 1 and len(s.axes["lr"]) == 2 * ch.SPARSE_HALF + 1
    for name in ch.INVARIANT:  # "run at their earlier rate"
        assert all(
            s.best["lr"] == ch.tuned_lr("sparse logistic", name) for s in ch.turned_sweeps("sparse logistic", name)
        )


@pytest.mark.parametrize("group", ["ravine", "Rosenbrock", "saddle", "saddle escape", "sparse logistic"])
def test_gd_and_momentum_take_exactly_the_same_steps_at_every_angle(group):
    for name in ch.INVARIANT:
        values = turned(group, name)
        assert np.all(values == values[0]) and np.isfinite(values[0]) == (group != "Rosenbrock" or name != "GD")


@pytest.mark.parametrize("name", ["AdaGrad", "RMSProp", "SignGD", "Adam"])
def test_a_quarter_turn_is_no_turn_for_a_per_coordinate_method(name):
    """Exercise 4: a quarter turn swaps the coordinates and flips a sign, which these methods do not notice."""
    quarter = rotation(np.pi / 2)
    for problem in (ch.RAVINE, ch.SADDLE):
        opt = ch.OPTIMIZERS[name](lr=0.1)
        turned_path, path = run(opt, Turned(problem, 90.0), steps=100).params, run(opt, problem, steps=100).params
        np.testing.assert_allclose(turned_path, path @ quarter.T, atol=1e-10)


def test_what_survives_the_turn(v):
    for group, aligned in (("ravine", "steps_ravine_adam"), ("saddle", "steps_saddle_adam")):  # "move little"
        assert np.all(np.abs(turned(group, "Adam")[1:] / v(aligned) - 1) < 0.1)
    assert (v("turn_ravine_adam_lo"), v("turn_ravine_adam_hi")) == (
        min(turned("ravine", "Adam")[2:]),
        max(turned("ravine", "Adam")[2:]),
    )
    slow = [turned("saddle", n)[1:] for n in ("Momentum", "Adam")]  # "still take far longer to settle"
    quick = [turned("saddle", n)[1:] for n in ("GD", "AdaGrad", "RMSProp")]
    assert np.min(slow) > 4 * np.max(quick)
    assert v("turn_saddle_adagrad_share") > v("n_turns") / 2 and v("turn_rosen_adam_share") > v("n_turns") / 2
    # "the fastest ... at 4 of them. Those are all the angles at which Adam finishes the turned valley"
    adam = ch.at_random("Rosenbrock", "Adam")
    assert v("turn_rosen_adam_share") == v("turn_rosen_adam_reached") == np.isfinite(adam).sum() < v("n_turns")
    assert np.all(turned("Rosenbrock", "Momentum") == v("steps_rosen_momentum"))
    assert np.all(adam[np.isfinite(adam)] < v("steps_rosen_momentum"))
    assert [n for n in ch.ALL if ch.steps_to_tol("Rosenbrock", n) is not None] == ["Momentum", "Adam"]


def test_what_was_geometric_luck(v):
    # the ravine: every turn is slower than aligned, 45 degrees and some random angle lose to GD
    assert v("turn_ravine_adagrad_lo") > 2 * v("steps_ravine_adagrad") and v("rot_adagrad") > v("rot_gd")
    assert v("turn_ravine_adagrad_hi") > v("steps_ravine_gd") and v("turn_ravine_adagrad_share") < v("n_turns")
    # the escapes: at 45 degrees about as many steps as GD, more than Momentum; random angles: more than one at some
    for name in ("adagrad", "rmsprop", "adam"):
        assert v("escape_mom") < v(f"turn45_escape_{name}") and abs(v(f"turn45_escape_{name}") - v("escape_gd")) <= 3
        assert v(f"turn_escape_{name}_lo") == 1 < v(f"turn_escape_{name}_hi")
    assert v("steps_saddle_gd") < min(v("turn45_saddle_adagrad"), v("turn45_saddle_rmsprop"))
    # the sparse features: AdaGrad's lead is gone in rotated coordinates
    assert v("turn_sparse_adagrad_lo") > 5 * v("steps_sparse_adagrad")
    assert v("turn_sparse_adagrad_lo") > max(v("turn_sparse_adam_hi"), v("steps_sparse_momentum"))
    assert abs(v("turn_sparse_adam_lo") - v("steps_sparse_adam")) <= 10  # Adam's steps barely move
    # Adam's window on Rosenbrock shrinks; on the turned ravines and saddles it stays the widest at every angle
    assert v("turn_window_rosen_adam_hi") < v("window_rosen_adam") and v("turn_rosen_adam_wider") < v("n_turns")
    assert v("turn_window_rosen_mom") == pytest.approx(ch.window("Rosenbrock", "Momentum"), rel=5e-3)
    for problem in ("ravine", "saddle"):
        widths = {
            n: [s.decades_of(s.reached(ch.PROBLEMS[problem], ch.TOL)) for s in ch.turned_sweeps(problem, n)]
            for n in SIX
        }
        assert all(widths["Adam"][k] > max(widths[n][k] for n in SIX if n != "Adam") for k in range(len(ch.ANGLES)))


def test_the_turn_table_shows_the_outcomes():
    html = ch.turn_table()
    assert html.count("Momentum (EMA form)") == 5 and html.count("<td>—</td>") == len(ch.RERUN_SPARSE)
    assert "<td>AdaGrad</td><td>7</td><td>114</td><td>45</td><td>18–113</td><td>4 of 5</td>" in html
    assert "<td>Adam</td><td>706</td><td>655</td><td>699</td><td>686–785 (1 not reached)</td><td>4 of 5</td>" in html


def test_momentum_rates_are_quoted_in_the_ema_form():
    """Every Momentum rate the chapter quotes is an EMA-form rate: the runs use ema=True, and each place a rate is
    shown says so."""
    assert ch.OPTIMIZERS["Momentum"](lr=1.0).ema and ch.label("Momentum") == "Momentum (EMA form)"
    assert "<td>Momentum (EMA form)</td>" in ch.table_html()
    assert "Momentum (EMA form) " in ch.playground().readout(1.0, 0)
    titles = [ax.get_title() for ax in ch.surface_figure("ravine").axes]
    assert any(t.startswith("Momentum (EMA form), α = ") for t in titles)


# ----- the playground ------------------------------------------------------------------------------------------


def test_playground_claims(v):
    assert run(ch.OPTIMIZERS["GD"](lr=2 * ch.tuned_lr("ravine", "GD")), ch.RAVINE, steps=ch.STEPS["ravine"]).diverged
    assert max(v("adam_ravine_quarter"), v("adam_ravine_x4")) < 1.2 * v("steps_ravine_adam")  # "barely notices"
    halved = {n: ch.scaled_outcome("Rosenbrock", n, 0.5) for n in SIX}
    assert [n for n, s in halved.items() if s is not None] == ["Adam"] and halved["Adam"] == v("adam_rosen_half")
    assert v("pg_steps") < v("adam_rosen_half")  # the playground shows only the first steps


def test_playground_default_is_the_tuned_comparison():
    pg = ch.playground()
    paths, _ = pg.grid()
    k = ch.SCALES.index(1.0)
    for i, name in enumerate(SIX):
        for j, problem in enumerate(ch.PLANAR):
            np.testing.assert_array_equal(paths[i, j, k], ch.best_path(problem, name)[: pg.steps + 1])
