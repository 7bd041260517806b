"""Noisy gradients chapter: every number its prose quotes (through the `numbers` fixture), each measurement against
its closed form within a Monte Carlo tolerance derived here from the number of seeds and the autocorrelation of the
measured process, and the claims the prose makes.

The runs are seeded, so every test is deterministic; the tolerances say how far a correct simulation may fall from a
correct formula. They are TOL standard errors: with about 80 comparisons, a correct pair leaves that band with
probability below 1e-3 in all, while a wrong formula (tested below where the prose says what it would be) falls far
outside it."""

import tomllib

import numpy as np
import pytest
from book_files import ROOT, assert_quoted

from optim_core import GD, noise, run
from optim_core.chapters import noisy_gradients as ch
from optim_core.ema import ema
from optim_core.problems import NoisyQuadratic
from optim_core.schedules import cosine

TOL = 4.5  # standard errors


def test_quoted_values(numbers):
    assert_quoted(numbers, "noisy_gradients")


# ----- Monte Carlo standard errors of a stationary window mean, from the autocovariance ----------------------------
def window_moments(lr, lam, s2, beta=0.0, decay=0.0, which=0, burn=ch.BURN, steps=ch.STEPS, seeds=ch.SEEDS):
    """For one eigen-direction of the linear recursion z_t = M z_{t-1} + c xi_t (noise.linear_system; `which` picks
    w (0) or its EMA u (2)), started at z_0 = 0 as the chapter's runs are: the exact mean of E x_t^2 over the rows
    burn..steps (the covariance recursion P_t = M P_{t-1} M^T + s^2 c c^T iterated from 0, so the transient of the
    burn-in is included), and the variance of the measured mean of x_t^2 over that window and the seeds. For jointly
    Gaussian zero-mean x, Cov(x_j^2, x_k^2) = 2 gamma_{|j-k|}^2 with gamma_k = e^T M^k P e the stationary
    autocovariance; a window of n rows then has Var(mean) = 2 / n^2 sum_{|k|<n} (n - |k|) gamma_k^2, and the seeds
    are independent, which divides it by their number."""
    m, c = (np.asarray(a) for a in noise.linear_system(lr, lam, beta, decay))
    q, p, exact = s2 * np.outer(c, c), np.zeros((3, 3)), 0.0
    for t in range(1, steps + 1):
        p = m @ p @ m.T + q
        exact += p[which, which] if t >= burn else 0.0
    n = steps - burn + 1
    stationary, gamma = noise.stationary_covariance(m, c, s2), np.empty(n)
    x = stationary
    for k in range(n):
        gamma[k] = x[which, which]
        x = m @ x
    var = 2.0 / n**2 * (n * gamma[0] ** 2 + 2 * np.sum((n - np.arange(1, n)) * gamma[1:] ** 2))
    return exact / n, var / seeds


def loss_moments(lr, batch=1, beta=0.0, decay=0.0, **kwargs):
    """The same for f = sum_i lambda_i / 2 x_i^2 (the directions are independent): exact window mean and its SE."""
    parts = [window_moments(lr, lam, ch.SIGMA**2 / batch, beta, decay, **kwargs) for lam in (ch.MU, ch.L)]
    mean = sum(0.5 * lam * e for lam, (e, _) in zip((ch.MU, ch.L), parts, strict=True))
    var = sum((0.5 * lam) ** 2 * v for lam, (_, v) in zip((ch.MU, ch.L), parts, strict=True))
    return mean, np.sqrt(var)


# ----- 1. the floor -------------------------------------------------------------------------------------------
def test_directions_settle_at_the_stationary_variance(numbers):
    """alpha = 0.1, B = 1: Var w_i against alpha s^2 / (lambda_i (2 - alpha lambda_i)), within TOL standard errors
    derived from the AR(1) autocovariance; the window mean of the exact transient equals the stationary value."""
    for key, lam in (("var1", ch.MU), ("var2", ch.L)):
        exact, var = window_moments(0.1, lam, 1.0)
        assert numbers[f"{key}_pred"] == pytest.approx(0.1 / (lam * (2 - 0.1 * lam)), rel=1e-12)
        assert exact == pytest.approx(numbers[f"{key}_pred"], rel=1e-4)  # the burn-in leaves no bias
        assert abs(numbers[key] - exact) < TOL * np.sqrt(var)
        assert numbers[f"{key}_se"] == pytest.approx(np.sqrt(var), rel=0.5)  # the seeds' spread agrees with theory
    # a wrong formula fails: without the (2 - alpha lambda) factor, Var w2 would be alpha s^2 / (2 L)
    assert abs(numbers["var2"] - 0.1 / (2 * ch.L)) > TOL * np.sqrt(window_moments(0.1, ch.L, 1.0)[1])


def test_every_measured_floor_matches_the_closed_form(numbers):
    floors, pred = ch.floor_runs(), ch.predicted_floors()
    for i, b in enumerate(ch.BATCHES):
        for j, lr in enumerate(ch.LRS):
            exact, se = loss_moments(lr, b)
            assert exact == pytest.approx(pred[i, j], rel=1e-3)
            assert abs(floors["loss"][i, j] - exact) < TOL * se, (b, lr)
            for d, lam in enumerate((ch.MU, ch.L)):
                e, v = window_moments(lr, lam, ch.SIGMA**2 / b)
                assert abs(floors["var"][i, j, d] - e) < TOL * np.sqrt(v), (b, lr, d)
    assert numbers["floor_pred"] == pytest.approx(pred[0, 1], rel=1e-12)
    assert numbers["floor"] == floors["loss"][0, 1]
    assert numbers["floor_se"] == pytest.approx(loss_moments(0.1)[1], rel=0.5)
    # "the floor grows with alpha and shrinks with B", measured
    assert np.all(np.diff(floors["loss"], axis=1) > 0) and np.all(np.diff(floors["loss"], axis=0) < 0)
    # small alpha lambda: about alpha tr(Sigma) / (4B), whatever the curvatures
    assert numbers["floor_small"] == pytest.approx(0.1 * 2 / 4)
    assert numbers["floor_pred"] == pytest.approx(numbers["floor_small"], rel=0.15)
    assert numbers["floor_04_pred"] > 10 * numbers["floor_small"]  # alpha L = 1.6: far from the approximation
    assert numbers["floor_04"] > 10 * numbers["floor"]  # "more than ten times its value at alpha = 0.1"
    assert (numbers["floor_04"], numbers["floor_04_b8"]) == (floors["loss"][0, 3], floors["loss"][3, 3])
    assert numbers["floor_04_b8_pred"] == pytest.approx(numbers["floor_04_pred"] / 8, rel=1e-12)  # s^2 = sigma^2 / B


def test_turning_the_ravine_changes_nothing_for_sgd(numbers):
    """SGD is rotation-invariant and the noise turns with the ravine: the loss of every step is the same (one angle,
    TURN_SEEDS seeds, equal noise along both directions: what the prose says was checked)."""
    seeds = np.arange(numbers["turn_seeds"])[:, None]
    plain = run(GD(ch.TURN_LR), NoisyQuadratic((ch.MU, ch.L), seed=seeds), steps=ch.TURN_STEPS)
    turned = NoisyQuadratic((ch.MU, ch.L), seed=seeds, angle=numbers["turn_angle"], x0=ch.RAVINE.x0)
    turned_run = run(GD(ch.TURN_LR), turned, turned.basis @ ch.RAVINE.x0, steps=ch.TURN_STEPS)
    np.testing.assert_allclose(turned_run.loss, plain.loss, rtol=1e-9)


# ----- 2. speed against floor ----------------------------------------------------------------------------------
def test_exact_expected_loss_matches_the_seeds_and_the_cosine_beats_every_constant_rate(numbers):
    """The final f of 256 independent seeds at each alpha of the grid against the exact expected loss: the standard
    error of a mean of K independent values is their standard deviation over sqrt(K)."""
    r, start = ch.schedule_runs(), ch.noisy(1, 1, ch.START)
    for name, lr in (("const", ch.SCHED_LRS), ("cos", cosine(ch.SCHED_LRS, ch.BUDGET))):
        exact = noise.expected_loss(start, lr, ch.BUDGET)[-1]
        assert np.all(np.abs(r[name][-1] - exact) < TOL * r[name + "_se"]), name
    assert numbers["const"] == pytest.approx(noise.expected_loss(start, numbers["const_lr"], ch.BUDGET)[-1], rel=1e-9)
    schedule = cosine(numbers["cos_lr"], ch.BUDGET)
    assert numbers["cos"] == pytest.approx(noise.expected_loss(start, schedule, ch.BUDGET)[-1], rel=1e-9)
    # the best cosine is below every constant rate of the fine grid, and both optima lie inside the grid
    assert numbers["cos"] < r["const_exact"][-1].min() / 2
    assert numbers["cos_gain"] == pytest.approx(numbers["const"] / numbers["cos"])
    assert ch.FINE_LRS[5] < numbers["const_lr"] < numbers["cos_lr"] < ch.FINE_LRS[-5]
    assert numbers["const_floor"] < numbers["const"]  # the best constant rate has not reached its floor yet
    # measured: the best cosine of the grid ends lower than the best constant rate, beyond their standard errors
    gap = numbers["const_meas"] - numbers["cos_meas"]
    assert gap > TOL * np.hypot(numbers["const_meas_se"], numbers["cos_meas_se"])
    assert numbers["const_meas_lr"] == pytest.approx(ch.SCHED_LRS[np.argmin(r["const"][-1])])
    assert numbers["cos_meas_lr"] == pytest.approx(ch.SCHED_LRS[np.argmin(r["cos"][-1])])


# ----- 3. batch size ---------------------------------------------------------------------------------------------
def test_linear_scaling_keeps_the_floor_only_while_alpha_lambda_is_small(numbers):
    floors, pred = ch.floor_runs(), ch.predicted_floors()
    k = np.arange(len(ch.BATCHES))
    assert np.allclose(ch.LRS[k] / np.array(ch.BATCHES), numbers["ratio_ab"])  # the diagonal has alpha / B fixed
    assert numbers["b_break"] == pytest.approx(2 / (ch.L * numbers["ratio_ab"]))  # alpha L = 2 at B = 10
    assert (numbers["floor_b1"], numbers["floor_b8"]) == (floors["loss"][0, 0], floors["loss"][3, 3])
    assert (numbers["floor_b1_pred"], numbers["floor_b8_pred"]) == (pred[0, 0], pred[3, 3])
    assert numbers["floor_b8_rise"] == pytest.approx(pred[3, 3] / pred[0, 0]) and numbers["floor_b8_rise"] > 2.5
    se = [loss_moments(ch.LRS[i], ch.BATCHES[i])[1] for i in (0, 3)]
    assert numbers["floor_b8"] - numbers["floor_b1"] > TOL * np.hypot(*se)  # measured, the rise is real
    assert np.all(np.diff(floors["loss"][k, k]) > 0)
    # while alpha L is small the floor is alpha / B times a constant: B = 1 and 2 (alpha L = 0.4) agree within 7 %
    assert pred[1, 1] / pred[0, 0] == pytest.approx(1.0, abs=0.07)


def test_noise_scale_from_two_batch_sizes_matches_tr_sigma_over_grad_squared(numbers):
    ns = ch.quadratic_noise_scale()
    # the standard error comes from the spread of the squared norms of the draws, all independent (delta method)
    assert np.all(np.abs(ns["scale"] - ns["exact"]) < TOL * ns["scale_se"])
    assert np.all(ns["scale_se"] < 0.05 * ns["exact"])  # precise enough to tell the points apart
    np.testing.assert_allclose(ns["exact"] * ns["f"], ns["exact"][0] * ns["f"][0], rtol=1e-12)  # B_noise ~ 1 / f
    assert numbers["ns_start_exact"] == pytest.approx(2.0 / np.sum((ch.RAVINE.grad(ch.START)) ** 2))
    for key, i in (("ns_start", 0), ("ns_near", -1)):
        assert numbers[key] == ns["scale"][i] and numbers[key + "_se"] == ns["scale_se"][i]
        assert abs(numbers[key] - numbers[key + "_exact"]) < TOL * numbers[key + "_se"]
    assert numbers["ns_near_exact"] == ns["exact"][-1] and numbers["ns_near_f"] == ns["f"][-1]
    assert numbers["ns_draws"] == ch.NS_SEEDS * ch.NS_STEPS
    # B_noise = tr(H Sigma) / (G^T H G) differs from B_simple on this ravine (H is not a multiple of I): about half
    start, near = ch.START, ch.NS_FRACTIONS[-1] * ch.START
    lam, g = np.array([ch.MU, ch.L]), ch.RAVINE.grad(start)
    assert numbers["bnoise_start"] == pytest.approx(lam.sum() / np.sum(lam * g * g), rel=1e-12)
    for key, exact in (("bnoise_start", "ns_start_exact"), ("bnoise_near", "ns_near_exact")):
        assert 0.4 < numbers[key] / numbers[exact] < 0.7
    assert numbers["bnoise_near"] == pytest.approx(noise.critical_noise_scale(ch.noisy(1, 1), near))


def test_digits_noise_scale_gives_the_digits_chapters_break_even_batches(numbers):
    """The break-even batch of the digits chapter is B_simple corrected for drawing without replacement; at the
    start and after Adam's 300 steps at alpha = 0.01 it is the digits chapter's own number (its quoted value)."""
    digits = tomllib.loads((ROOT / "tests" / "quoted" / "training_digits.toml").read_text())
    for key, quoted in (("dg_break_even", "td_breakeven_start"), ("dg_trained_break_even", "td_breakeven_trained")):
        assert numbers[key] == pytest.approx(digits[quoted]["value"], abs=digits[quoted]["abs"])
    n = 1077
    for scale, even in (("dg_start", "dg_break_even"), ("dg_trained", "dg_trained_break_even")):
        assert numbers[even] == pytest.approx(n * numbers[scale] / (n - 1 + numbers[scale]), rel=1e-12)
    assert numbers["dg_trained"] > 10 * numbers["dg_start"]  # the noise scale grows as training goes on
    assert 0.5 < 64 / numbers["dg_start"] < 2 and 64 / numbers["dg_trained"] < 0.1  # batches of 64: near, then far
    # estimated from minibatches of 16 and 256 alone (their standard error from the draws' spread; batches within an
    # epoch are disjoint, which only makes the draws less variable than independent ones)
    assert abs(numbers["dg_est"] - numbers["dg_start"]) < TOL * numbers["dg_est_se"]
    assert numbers["dg_est_se"] < 0.1 * numbers["dg_start"]


# ----- 4. momentum at a fixed effective rate --------------------------------------------------------------------
def test_heavy_ball_variance_matches_its_closed_form_at_every_setting(numbers):
    m = ch.momentum_runs()
    for i, lr in enumerate(ch.LRS):
        for j, beta in enumerate(ch.BETAS):
            for d, lam in enumerate((ch.MU, ch.L)):
                exact, var = window_moments(lr, lam, 1.0, beta)
                closed = float(noise.weight_variance(lr, lam, 1.0, beta))
                assert exact == pytest.approx(closed, rel=1e-3)
                assert abs(m["var"][i, j, d] - exact) < TOL * np.sqrt(var), (lr, beta, d)
    small = window_moments(0.05, ch.MU, 1.0, 0.9)
    assert (numbers["mom_small_gd"], numbers["mom_small_09"]) == (m["var"][0, 0, 0], m["var"][0, 2, 0])
    assert numbers["mom_small_pred"] == pytest.approx(noise.weight_variance(0.05, ch.MU, 1.0, 0.9), rel=1e-12)
    assert numbers["mom_small_limit"] == pytest.approx(0.05 / (2 * ch.MU))
    assert numbers["mom_small_pred"] == pytest.approx(numbers["mom_small_limit"], rel=1e-3)
    assert numbers["mom_small_se"] == pytest.approx(np.sqrt(small[1]), rel=0.5)
    # momentum does not average the noise out of the weights: a variance shrunk like an EMA of white noise,
    # by (1 - beta) / (1 + beta), is rejected by the measurement
    assert abs(numbers["mom_small_09"] - numbers["mom_small_limit"] * 0.1 / 1.9) > TOL * np.sqrt(small[1])
    assert abs(numbers["mom_small_09"] - numbers["mom_small_gd"]) < 2 * TOL * numbers["mom_small_se"]


def test_heavy_ball_differs_where_alpha_lambda_is_large(numbers):
    m = ch.momentum_runs()
    assert (numbers["mom_steep_gd"], numbers["mom_steep_09"]) == (m["var"][3, 0, 1], m["var"][3, 2, 1])
    assert numbers["mom_steep_gd_pred"] == pytest.approx(0.4 / (ch.L * (2 - 1.6)))
    assert numbers["mom_steep_09_pred"] == pytest.approx(0.4 / (ch.L * (2 - 1.6 * 0.1 / 1.9)))
    se = np.sqrt(window_moments(0.4, ch.L, 1.0, 0.9)[1]), np.sqrt(window_moments(0.4, ch.L, 1.0)[1])
    assert numbers["mom_steep_gd"] - numbers["mom_steep_09"] > TOL * np.hypot(*se)
    assert numbers["mom_steep_gd"] / numbers["mom_steep_09"] > 4
    assert (numbers["mom_floor_gd"], numbers["mom_floor_09"]) == (m["loss"][3, 0], m["loss"][3, 2])
    assert numbers["mom_floor_09"] < numbers["mom_floor_gd"] / 2
    # stability at beta = 0.9 (EMA form): alpha L (1 - beta) < 2 (1 + beta)
    assert numbers["mom_limit_09"] == pytest.approx(2 * 1.9 / (0.1 * ch.L))
    limit = numbers["mom_limit_09"]
    assert np.isfinite(noise.weight_variance(0.99 * limit, ch.L, 1.0, 0.9))
    assert noise.weight_variance(1.01 * limit, ch.L, 1.0, 0.9) == np.inf


# ----- 5. Adam under noise -------------------------------------------------------------------------------------
def adam_tolerance(p, n=ch.ADAM_STEPS - ch.ADAM_START + 1, seeds=ch.SEEDS, beta2=0.999, start=ch.ADAM_START):
    """How far the measured mean of m_hat / sqrt(v_hat) may lie from p = E/sqrt(E^2 + s^2) (gradients E + s z).
    (a) m_hat averages the gradients, so its mean over n steps has the variance of their mean, s^2 / n: in units of
    sqrt(E^2 + s^2), (1 - p^2) / n per seed. (b) v_hat fluctuates around E^2 + s^2 with relative variance
    Var(g^2) / E[g^2]^2 (1 - beta2) / (1 + beta2), Var(g^2) = 2 s^4 + 4 E^2 s^2 for a Gaussian g, and with the
    autocorrelation beta2^k of an EMA; the direction moves by -1/2 of its relative change. (c) A bias: E[v^-1/2] =
    E[v]^-1/2 (1 + 3/8 relvar(v)) to second order, largest at the first measured step, where v_hat averages the
    fewest squares (its relative variance there is sum w_k^2 Var(g^2)/E[g^2]^2 over its bias-corrected weights)."""
    q = 1 - p * p  # s^2 / (E^2 + s^2)
    kurt = 2 * q * q + 4 * (1 - q) * q  # Var(g^2) / E[g^2]^2
    lags = np.arange(1, n)
    pairs = n + 2 * np.sum((n - lags) * beta2**lags)  # sum over j, k of beta2^|j - k|
    var_v = kurt * (1 - beta2) / (1 + beta2) * pairs / n**2
    se = np.sqrt((q / n + (p / 2) ** 2 * var_v) / seeds)
    weights = (1 - beta2) * beta2 ** np.arange(start - 1, -1, -1) / (1 - beta2**start)
    bias = 3 / 8 * kurt * np.sum(weights**2) * p
    return se, bias


def test_adam_mean_step_follows_the_signal_to_noise_ratio(numbers):
    a = ch.adam_steps()
    p = noise.adam_mean_step(1.0 / ch.ADAM_NSR, 1.0)
    np.testing.assert_allclose(a["predicted"], p, rtol=1e-12)
    for i, nsr in enumerate(ch.ADAM_NSR):
        se, bias = adam_tolerance(p[i])
        assert abs(a["mean"][i] - p[i]) < TOL * se + bias, nsr
        assert 0.5 < a["se"][i] / se < 2, nsr  # the seeds' own spread is of the derived size
    assert (numbers["adam_low"], numbers["adam_one"], numbers["adam_high"]) == (
        a["mean"][0],
        a["mean"][3],
        a["mean"][-1],
    )
    assert numbers["adam_one_pred"] == pytest.approx(1 / np.sqrt(2))
    assert numbers["adam_high_pred"] == pytest.approx(1 / np.sqrt(1 + 64))
    assert numbers["adam_max_dev"] == pytest.approx(np.max(np.abs(a["mean"] - p) / p))
    # noise dominates: the step is about E[dw] sqrt(B) / sigma, far below sign(E[dw]) = 1
    assert numbers["adam_high"] == pytest.approx(1 / numbers["adam_nsr_high"], rel=0.03)
    assert numbers["adam_low"] > 0.98 and numbers["adam_nsr_low"] == 0.125


# ----- 6. averaging ------------------------------------------------------------------------------------------------
def test_averaged_weights_settle_at_their_closed_forms(numbers):
    r = ch.averaging_runs()
    kwargs = {"steps": ch.AVG_STEPS, "seeds": ch.AVG_SEEDS}
    for key, decay in (("raw", 0.0), *((f"ema{g:g}", g) for g in ch.AVG_DECAYS)):
        exact, se = loss_moments(ch.AVG_LR, decay=decay, which=2 if decay else 0, **kwargs)
        assert exact == pytest.approx(r[key]["predicted"], rel=1e-3)
        assert abs(r[key]["mean"] - exact) < TOL * se, key
        assert numbers[f"avg_{key.replace('.', '')}"] == r[key]["mean"]
        assert numbers[f"avg_{key.replace('.', '')}_pred"] == r[key]["predicted"]
    # the mean of each window of 500 steps: f of it has variance sum (lambda/2)^2 2 Var(w_bar_i)^2 (Gaussian);
    # 4 windows x 64 seeds; neighbouring windows are nearly independent (the shallow direction forgets in ~25 steps)
    var = [noise.tail_average_variance(ch.AVG_LR, lam, 1.0, ch.AVG_WINDOW) for lam in (ch.MU, ch.L)]
    se = np.sqrt(sum((lam / 2) ** 2 * 2 * v**2 for lam, v in zip((ch.MU, ch.L), var, strict=True)) / (4 * ch.AVG_SEEDS))
    assert abs(numbers["avg_tail"] - numbers["avg_tail_pred"]) < TOL * se
    assert numbers["avg_tail_pred"] == pytest.approx(
        sum(lam / 2 * v for lam, v in zip((ch.MU, ch.L), var, strict=True))
    )
    # averaging lowers the floor without lowering alpha; SGD alone would need a ten times smaller alpha
    chain = [numbers[k] for k in ("avg_raw", "avg_ema09", "avg_ema099", "avg_tail")]
    assert chain == sorted(chain, reverse=True)
    assert numbers["avg_raw"] / numbers["avg_ema099"] > 10
    assert noise.loss_floor(ch.noisy(1, 1), numbers["avg_same_lr"]) == pytest.approx(
        numbers["avg_ema099_pred"], rel=1e-3
    )
    assert numbers["avg_same_lr"] < ch.AVG_LR / 9
    assert numbers["avg_same_ratio"] == pytest.approx(ch.AVG_LR / numbers["avg_same_lr"])
    # from the ravine's start (exact expected losses): SGD at that lower rate reaches twice the EMA's floor later than
    # the EMA of SGD at AVG_LR, but about twice as late, not ten times
    target = numbers["avg_reach"] * numbers["avg_ema099_pred"]
    start = ch.noisy(1, 1, ch.START)
    sgd = noise.expected_loss(start, numbers["avg_same_lr"], ch.REACH_STEPS)
    avg = noise.expected_averaged_loss(start, ch.AVG_LR, ch.REACH_STEPS, numbers["avg_decay2"])
    for key, loss in (("avg_reach_sgd", sgd), ("avg_reach_ema", avg)):
        t = numbers[key]
        assert loss[t] <= target < loss[t - 1] and np.all(loss[:t] > target)
    assert 1.5 < numbers["avg_reach_sgd"] / numbers["avg_reach_ema"] < 3
    # the EMA squeezes the steep direction (alpha L = 0.8), much less the flat one (alpha mu = 0.04); the mean of
    # 500 steps shrinks both
    steep, flat = (noise.ema_variance_ratio(ch.AVG_LR, lam, 0.99) for lam in (ch.L, ch.MU))
    assert steep < 0.01 and flat > 0.15
    assert (numbers["avg_ratio_w2"], numbers["avg_ratio_w1"]) == (steep, flat)
    assert (numbers["avg_aL"], numbers["avg_amu"]) == pytest.approx((ch.AVG_LR * ch.L, ch.AVG_LR * ch.MU))
    for lam in (ch.MU, ch.L):
        assert noise.tail_average_variance(ch.AVG_LR, lam, 1.0, 500) < 0.1 * noise.weight_variance(ch.AVG_LR, lam, 1.0)


def test_ema_weights_of_the_figure_are_the_library_ema():
    params = ch.averaging_runs()["trajectory"].params
    np.testing.assert_array_equal(ema(params[:50], 0.9), ema(params, 0.9)[:50])


# ----- the playground ----------------------------------------------------------------------------------------------
def test_playground_draws_the_predicted_floor_and_the_averaged_weights():
    pg = ch.playground()
    levels = pg._levels()
    for values, level in zip(pg._grid_values(), levels, strict=True):
        problem = ch._problem(values["batch"])
        assert level == pytest.approx(noise.loss_floor(problem, values["alpha"], values["beta"], values["averaging"]))
    values = pg.default_values()
    raw = pg.compute(values)["Momentum"]
    on = pg.compute({**values, "averaging": ch.PG_DECAY})["Momentum"]
    np.testing.assert_array_equal(on.params, ema(raw.params, ch.PG_DECAY, bias_corrected=True))
    np.testing.assert_allclose(on.loss, ch._problem(1).f(on.params), rtol=1e-15)
    floor = noise.loss_floor(ch._problem(values["batch"]), values["alpha"], values["beta"], values["averaging"])
    assert f"E f = {floor:.3g}" in pg.readout(**values)
