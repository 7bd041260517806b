"""Measurements of runs: distance to the minimum, steps until a tolerance is reached for good, the
linear rate fitted over a window, the mean over a late window and over noise seeds with its standard error
(and with it the stationary variance and loss floor of a noisy run), and the per-coordinate effective
learning rate of AdaGrad or RMSProp replayed along a path.

Each takes arrays with the steps on axis 0 and any batch shape after it (as `Trajectory.params` and
`Trajectory.loss` have), so one call measures a whole batched run. NaN (a diverged run) never counts
as within a tolerance.
"""

from __future__ import annotations

import math

import numpy as np

from optim_core._checks import lr_at
from optim_core.base import state_arrays
from optim_core.ema import ema
from optim_core.run import _gradient, run


def distance(params, minimum) -> np.ndarray:
    """`||w_t - w*||` for every step (and batch element); NaN where a run had diverged.

    Computed as scale * `||diff / scale||` with scale the largest coordinate, so that distances far below
    1e-154, whose squares would underflow to zero, stay exact (late rates are fitted down to 1e-200).
    """
    diff = np.asarray(params, dtype=np.float64) - np.asarray(minimum, dtype=np.float64)
    scale = np.max(np.abs(diff), axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        unit = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return scale[..., 0] * np.linalg.norm(unit, axis=-1)


def steps_until_below(values, tol) -> np.ndarray:
    """The first step from which `values` stays <= tol until the end, as a float array over the batch
    (a scalar for one run); inf where that never happens, or the run diverged (NaN never counts as below).

    The numeric form, for scoring and sorting; `steps_to_tolerance` gives the same as int or None."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~(values <= tol)
    n = values.shape[0]
    last_bad = n - 1 - np.argmax(bad[::-1], axis=0)
    first_good = np.where(bad.any(axis=0), last_bad + 1, 0).astype(np.float64)
    return np.where(first_good >= n, np.inf, first_good)


def steps_to_tolerance(values, tol):
    """The first step from which `values` stays <= tol for good: an int, or None if never.

    For a batched run (values of shape `(steps + 1, *batch)`), an object array of the batch's shape holding
    an int or None per run, the convention of `Trajectory.diverged_at`.
    """
    steps = steps_until_below(values, tol)
    if np.ndim(steps) == 0:
        return None if np.isinf(steps) else int(steps)
    out = np.empty(steps.size, dtype=object)
    out[:] = [None if np.isinf(s) else int(s) for s in steps.flat]
    return out.reshape(steps.shape)


def fitted_rate(values, start: int, stop: int) -> np.ndarray:
    """The linear rate over steps start..stop-1: exp of the least-squares slope of log(values) against the
    step. A rate r means values shrink by the factor r per step. NaN for a run with a non-positive or
    non-finite value in the window."""
    values = np.asarray(values, dtype=np.float64)
    if not 0 <= start < stop - 1 < values.shape[0]:
        raise ValueError(f"the window must hold at least two steps of the {values.shape[0]} (got {start}:{stop})")
    t = np.arange(start, stop, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(values[start:stop])
    centered = t - t.mean()
    slope = np.tensordot(centered, logs - logs.mean(axis=0), axes=(0, 0)) / np.dot(centered, centered)
    return np.exp(slope)


def late_rate(values, floor: float = 1e-200) -> float:
    """The late-time rate of one run: `fitted_rate` over the second half of the steps at which the value is
    still finite and above floor x its start (before it reaches rounding error or underflows)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        alive = np.flatnonzero(np.isfinite(values) & (values > floor * values[0]))
    last = int(alive.max())
    return float(fitted_rate(values, last // 2, last + 1))


def loglog_slope(x, y) -> float:
    """The least-squares slope of log(y) against log(x): the exponent p of a power law y ~ x^p."""
    return float(np.polyfit(np.log(np.asarray(x, dtype=np.float64)), np.log(np.asarray(y, dtype=np.float64)), 1)[0])


def late_mean(values, start: int, seed_axis: int) -> tuple:
    """The mean of `values` over rows start.. (axis 0, the recorded steps) and over independent runs (axis
    `seed_axis` of `values`, one noise seed each), with its standard error: the spread of the per-seed time
    averages over sqrt(seeds). The steps of one run are correlated, so only the seeds count as samples.
    Both results have the shape of `values` without those two axes."""
    values = np.asarray(values, dtype=np.float64)
    if not (-values.ndim < seed_axis < values.ndim and seed_axis % values.ndim != 0):
        raise ValueError(f"seed_axis must be an axis of values other than the step axis 0 (got {seed_axis})")
    if not 0 <= start < values.shape[0]:
        raise ValueError(f"start must be a row of values, 0..{values.shape[0] - 1} (got {start})")
    axis = seed_axis % values.ndim
    per_seed = values[start:].mean(axis=0)
    k = values.shape[axis]
    if k < 2:
        raise ValueError(f"the standard error needs at least two seeds on axis {seed_axis} (got {k})")
    spread = per_seed.std(axis=axis - 1, ddof=1)
    return per_seed.mean(axis=axis - 1), spread / np.sqrt(k)


def stationary_variance(opt, problem, steps: int, burn: int, record_every: int = 1) -> dict:
    """Run `opt` on a noisy problem holding one noise seed per run on its last batch axis (a NoisyQuadratic with
    seeds shaped (K, 1), say) and measure where the noise leaves the weights: the `late_mean` over steps burn..steps
    and over the seeds of (w_i - w*_i)^2 per coordinate ('var', the variance when the runs are centred on w*) and
    of f - f_min ('loss', the loss floor), each with its standard error ('var_se', 'loss_se'), and the run itself
    ('trajectory'). Shapes: the hyperparameter grid of `opt`, then the coordinate for 'var'."""
    traj = run(opt, problem, None, steps, record_every=record_every)
    start = traj.row_of(burn)
    var, var_se = late_mean((traj.params - problem.minimum) ** 2, start, seed_axis=-2)
    loss, loss_se = late_mean(traj.loss - problem.f_min, start, seed_axis=-1)
    return {"var": var, "var_se": var_se, "loss": loss, "loss_se": loss_se, "trajectory": traj}


def _every_step(path, what: str) -> np.ndarray:
    """The params of a run recorded at every step (its Trajectory, or the params themselves), for the
    measurements that replay or difference consecutive steps; `what` names the measurement in the error."""
    if hasattr(path, "steps") and not np.array_equal(path.steps, np.arange(len(path.steps))):
        raise ValueError(f"{what}: run with record_every=1")
    return np.asarray(getattr(path, "params", path), dtype=np.float64)


def effective_lr(opt, problem, path) -> np.ndarray:
    """The effective learning rate alpha_t / (sqrt(v_t) + eps) per coordinate at every step t = 1..T of a
    run of `opt` (AdaGrad, RMSProp: an optimizer whose state holds one array, v_t), replayed from the run's
    positions. `path` is the run's Trajectory, recorded at every step, or its params `(T + 1, *batch, dim)`;
    the result has shape `(T, *batch, dim)`."""
    params = _every_step(path, "effective_lr replays every step")
    state = opt.init(params[0])
    if len(state_arrays(state)) != 1 or not hasattr(opt, "eps"):
        raise ValueError(f"effective_lr needs a state with one array v_t and an eps ({type(opt).__name__} has not)")
    rates = np.empty(params[1:].shape)
    for t in range(1, len(params)):
        _, state = opt.update(params[t - 1], _gradient(problem, params[t - 1], t), state)
        rates[t - 1] = lr_at(opt.lr, t) / (np.sqrt(state_arrays(state)[0]) + opt.eps)
    return rates


def step_lengths(path, lr=1.0) -> np.ndarray:
    """`|w_t - w_{t-1}|` / lr per step and coordinate, shape `(T, *batch, dim)`, from a run recorded at every step
    (its Trajectory or params); lr may be an array broadcasting against the batch, one value per batched run."""
    params = _every_step(path, "step_lengths needs every step")
    return np.abs(np.diff(params, axis=0)) / np.asarray(lr, dtype=np.float64)


def replayed_steps(opt, grads) -> np.ndarray:
    """`|w_t - w_{t-1}|` of `opt` fed a given gradient sequence dw_1 .. dw_T (shape `(T, *shape)`) from w_0 = 0,
    whatever the weights do: the steps that optimizer makes of exactly those gradients (shape `(T, *batch)`, with
    the batch of array-valued hyperparameters broadcast against `shape`)."""
    grads = np.asarray(grads, dtype=np.float64)
    w = np.zeros(opt.batch_shape(grads.shape[1:]))
    state, out = opt.init(w), np.empty((len(grads), *w.shape))
    for t, g in enumerate(grads):
        new_w, state = opt.update(w, np.broadcast_to(g, w.shape), state)
        out[t] = np.abs(new_w - w)
        w = new_w
    return out


def first_true(mask) -> int | None:
    """The first index of a 1-D boolean array at which it holds (the first step a run meets a condition), or None."""
    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[0]) if hits.size else None


def rebound(values, tol: float) -> tuple:
    """For one run that got its values (f - f*, say) to tol or below: (the first such step, the step of the
    largest value from then on, that value). A run that stays down has its peak at or below tol."""
    values = np.asarray(values, dtype=np.float64)
    arrived = first_true(values <= tol)
    if values.ndim != 1 or arrived is None:
        raise ValueError(f"rebound needs one run (1-D values) that gets to tol={tol} (got shape {values.shape})")
    peak = arrived + int(np.nanargmax(values[arrived:]))
    return arrived, peak, float(values[peak])


def fastest_counts(steps: dict) -> dict:
    """For several methods measured on the same settings (name -> steps per setting, inf where never reached):
    name -> at how many settings it needed the fewest steps (a tie counts for each of the tied methods)."""
    table = {name: np.asarray(v, dtype=np.float64) for name, v in steps.items()}
    best = np.min(list(table.values()), axis=0)
    return {name: int(np.sum(np.isfinite(best) & (v == best))) for name, v in table.items()}


def first_step_above(values, level) -> np.ndarray:
    """The first row of axis 0 (the step, for a run recorded at every step) at which `|values|` > level, as a
    float over the batch (a scalar for one run); inf where that never happens. NaN never counts as above.
    For example the escape from a saddle: the first step at which the coordinate across its ridge passes 0.5."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        above = np.abs(values) > level
    return np.where(above.any(axis=0), np.argmax(above, axis=0), np.inf)


def relapse(values) -> dict:
    """Whether one run stays at its best: over its recorded values (f - f*, or a distance to the minimum), the
    lowest value 'low' and its row 'low_at', then the highest value after it, 'high_after', and its row 'high_at'.
    A run that settles has high_after == low; a run that leaves the minimum again has high_after far above it."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"relapse measures one run: values must be 1-D and not empty (got shape {values.shape})")
    i = int(np.nanargmin(values))
    j = i + int(np.nanargmax(values[i:]))
    return {"low": float(values[i]), "low_at": i, "high_after": float(values[j]), "high_at": j}


def adam_effective_lr(opt, problem, path) -> np.ndarray:
    """Adam's per-coordinate step size eta_t = alpha_t / (sqrt(v_hat_t) + eps) at every step t = 1..T of a run of
    `opt` (an Adam without amsgrad), replayed from the run's positions like `effective_lr`: its step is
    eta_t m_hat_t. v_hat_t is the EMA of dw_t^2 with beta2 (ema.ema), bias-corrected when `opt` corrects its
    bias, so it is the v_t of Adam's own state. Shape `(T, *batch, dim)`."""
    if getattr(opt, "amsgrad", True) or not hasattr(opt, "beta2"):
        raise ValueError(f"adam_effective_lr needs an Adam without amsgrad (got {type(opt).__name__})")
    params = _every_step(path, "adam_effective_lr replays every step")
    grads = np.stack([_gradient(problem, params[t - 1], t) for t in range(1, len(params))])
    v_hat = ema(grads * grads, opt.beta2, bias_corrected=opt.bias_correction)
    lrs = np.stack([np.asarray(lr_at(opt.lr, t), dtype=np.float64) for t in range(1, len(params))])
    return lrs.reshape(lrs.shape + (1,) * (v_hat.ndim - lrs.ndim)) / (np.sqrt(v_hat) + opt.eps)


def first_step(opt, grad) -> tuple:
    """The first step of `opt` from w_0 = 0 for the gradient `grad`: (w_1 - w_0, the state after it)."""
    grad = np.asarray(grad, dtype=np.float64)
    w0 = np.zeros(opt.batch_shape(grad.shape))
    w1, state = opt.update(w0, np.broadcast_to(grad, w0.shape), opt.init(w0))
    return w1 - w0, state


def spike_steps(opt, ts) -> np.ndarray:
    """`|step|` of `opt` at each step t of `ts` when dw_1 .. dw_{t-1} were 0 and dw_t = 1 (a coordinate whose
    gradient was zero for a long time and suddenly is not), one column of one replayed run per t."""
    ts = np.asarray(ts, dtype=int)
    grads = np.zeros((ts.max(), ts.size))
    grads[ts - 1, np.arange(ts.size)] = 1.0
    return replayed_steps(opt, grads)[ts - 1, np.arange(ts.size)]


def largest_relative_step(opt, problem, steps: int) -> float:
    """The largest `|w_t - w_{t-1}|` / lr, over every step, coordinate and batched run, of `opt` (whose lr may be
    an array, one per run, shaped like a hyperparameter grid) on `problem`; NaN steps of diverged runs ignored."""
    return float(np.nanmax(step_lengths(run(opt, problem, steps=steps), opt.lr)))


def rising_share(values, last: int) -> np.ndarray:
    """The share of the last `last` steps on which the recorded values (a loss) went up: 0 for a run that
    settles or still falls, about 1/2 for one that jitters around a level. Steps on axis 0; NaN never rises."""
    values = np.asarray(values, dtype=np.float64)
    if not (isinstance(last, (int, np.integer)) and 1 <= last < len(values)):
        raise ValueError(
            f"last must be an integer in [1, {len(values) - 1}], steps with a step before them (got {last!r})"
        )
    return np.mean(np.diff(values[-(last + 1) :], axis=0) > 0, axis=0)


def separated_pairs(samples) -> tuple[int, float]:
    """How many pairs of groups (rows of `samples`, one value per seed in the columns) have disjoint ranges,
    one group's highest value below the other's lowest; and how many such pairs are expected by chance alone
    when all values come from one distribution: with k values per group, a given pair is disjoint with
    probability 2 / C(2k, k) (continuous values; ties make it rarer)."""
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] < 2 or s.shape[1] < 1:
        raise ValueError(f"samples must have shape (groups >= 2, seeds >= 1) (got shape {s.shape})")
    low, high = s.min(axis=1), s.max(axis=1)
    apart = (high[:, None] < low[None, :]) | (high[None, :] < low[:, None])
    groups, k = s.shape
    pairs = groups * (groups - 1) // 2
    return int(np.triu(apart, 1).sum()), pairs * 2 / math.comb(2 * k, k)


def path_gap(opt_a, opt_b, problem, steps: int) -> np.ndarray:
    """The largest coordinate difference, over every step, between the paths of two optimizers from the problem's
    start: one number per batched run (a float for one run). 0 means the two take exactly the same steps; either
    optimizer may be batched (array-valued hyperparameters), the other's path is broadcast against it."""
    a, b = sorted((run(opt, problem, steps=steps).params for opt in (opt_a, opt_b)), key=np.ndim, reverse=True)
    b = b.reshape(b.shape[:1] + (1,) * (a.ndim - b.ndim) + b.shape[1:])  # the batch axes of the batched one
    gap = np.max(np.abs(a - b), axis=(0, -1))
    return float(gap) if np.ndim(gap) == 0 else gap


def gradients_at(problem, w, steps: int) -> np.ndarray:
    """The gradients an optimizer would see at steps 1..steps while standing still at w (the stochastic ones, a
    new minibatch or noise draw each step, where the problem has them): shape `(steps, *np.shape(w))`."""
    w = np.asarray(w, dtype=np.float64)
    return np.stack([_gradient(problem, w, t) for t in range(1, steps + 1)])


def rms_step_at(opt, problem, w, steps: int, start: int) -> tuple:
    """How long the steps of `opt` are while it sees the gradients of `problem` at the fixed point w (a batch of
    runs with one noise seed each on axis 0 of w, e.g. a NoisyQuadratic with seeds shaped (K, 1)): the root mean
    square of `|step|` over steps start+1..steps per run and coordinate, then its mean over the K seeds and the
    standard error of that mean. Both have the shape of w without axis 0 (and with the hyperparameter batch)."""
    rms = np.sqrt(np.mean(replayed_steps(opt, gradients_at(problem, w, steps))[start:] ** 2, axis=0))
    k, axis = np.shape(w)[0], -np.ndim(w)  # the seeds' axis, counted from the end (the batch comes first)
    if k < 2:
        raise ValueError(f"the standard error needs at least two seeds on axis 0 of w (got {k})")
    return rms.mean(axis=axis), rms.std(axis=axis, ddof=1) / np.sqrt(k)


def scaled_sharpness(rates, hessian) -> np.ndarray:
    """The largest eigenvalue of D^1/2 H D^1/2, D = diag(rates), for every leading index of `rates` (..., dim):
    gradient descent's alpha L with one rate per coordinate. On a quadratic with Hessian H, steps w -= D H w
    with these rates are stable when it is below 2 (D H has the same eigenvalues)."""
    root = np.sqrt(np.asarray(rates, dtype=np.float64))
    return np.linalg.eigvalsh(root[..., :, None] * np.asarray(hessian, dtype=np.float64) * root[..., None, :])[..., -1]
