"""Learning-rate schedules: callables `schedule(step) -> lr`, accepted anywhere a learning rate is.

Steps count from 1, as the optimizers do (the first update is step 1). Every schedule returns a
value > 0 at every step >= 1, because the optimizers require lr > 0. The base rate `lr` may be a
numpy array (a grid of rates, e.g. shape (K, 1)); the schedule then returns an array of that shape,
so a whole sweep of scheduled runs is still one batched `optim_core.run`. Step counts (every,
total_steps, warmup_steps) are integers, or arrays of whole numbers that broadcast like lr does.
`step` may also be an array of steps (for plotting), broadcast against `lr`. The schedules and
their rate at step t::

    constant(lr)                                 lr
    step_decay(lr, factor, every)                lr * factor ** floor((t - 1) / every), never below 2.2e-308
    inverse_sqrt(lr)                             lr / sqrt(t), the rate of online gradient descent
    cosine(lr, total_steps, final_lr)            final + (lr - final) (1 + cos(pi (t - 1) / T)) / 2
    linear_warmup(lr, warmup_steps)              lr * min(t / W, 1)
    warmup_cosine(lr, warmup_steps, total_steps, final_lr)
                                                 lr t / W for t <= W, then a cosine over the rest

The cosine follows torch.optim.lr_scheduler.CosineAnnealingLR's convention: step t of a run uses the
annealing position t - 1, so the first step takes the full lr and the rate would reach final_lr at
step T + 1, one past the last step of the plan. Past total_steps a cosine holds its last value
(torch's would climb back up), so a run longer than planned never gets a zero or growing rate.
Warmup starts at lr / W, not at 0, and reaches lr at step W (Goyal et al., 2017).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optim_core._checks import nonnegative, positive


def _count(name: str, value, minimum: int):
    """A number of steps: an integer >= minimum, or an array of whole numbers (a slider grid of them)."""
    arr = np.asarray(value) if not np.ma.isMaskedArray(value) else np.asarray([])
    ok = (
        not isinstance(value, (bool, np.bool_))
        and arr.dtype.kind in "iuf"
        and arr.size > 0
        and np.all(np.isfinite(arr))
    )
    if not ok or np.any(arr != np.round(arr)) or np.any(arr < minimum):
        raise ValueError(f"{name} must be an integer >= {minimum} (got {value!r})")
    return int(arr) if arr.ndim == 0 else arr.astype(np.float64)


def _steps(step) -> np.ndarray:
    step = np.asarray(step)
    if not np.issubdtype(step.dtype, np.integer) or np.any(step < 1):
        raise ValueError(f"step must be an integer >= 1 (steps count from 1; got {step!r})")
    return step.astype(np.float64)


def _shown(value) -> str:
    """A short text for a hyperparameter in a repr: the number, or the range of an array."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        return format(float(arr), "g")
    return f"array(shape={arr.shape}, {arr.min():g}..{arr.max():g})"


# The schedules are classes named like functions: `warmup_cosine(1e-3, 100, 1000)` reads as what it is,
# and its repr prints the same call back.
@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Schedule:
    """Base class: subclasses validate in `_checked` and give the rate at float steps in `_value`."""

    def __post_init__(self):
        for name, value in self._checked().items():
            object.__setattr__(self, name, value)

    def _checked(self) -> dict:
        raise NotImplementedError

    def _value(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, step) -> np.ndarray:
        """The learning rate at `step` (1-based; an int, or an array of them), broadcast against lr."""
        return self._value(_steps(step))

    def values(self, steps: int) -> np.ndarray:
        """The rates of steps 1..steps, step axis first (shape `(steps, *lr.shape)`), as a Trajectory's loss."""
        _count("steps", steps, 1)
        return self(np.arange(1, steps + 1).reshape(-1, *[1] * np.ndim(self.lr)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}={_shown(getattr(self, f.name))}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({fields})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class constant(Schedule):
    """The same rate at every step."""

    lr: float

    def _checked(self):
        return {"lr": positive("lr", self.lr)}

    def _value(self, t):
        return self.lr + 0.0 * t


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class step_decay(Schedule):
    """Multiply the rate by `factor` (in (0, 1]) after every `every` steps."""

    lr: float
    factor: float
    every: int

    def _checked(self):
        factor = positive("factor", self.factor)
        if np.any(factor > 1):
            raise ValueError(f"factor must be in (0, 1] (got {self.factor!r})")
        return {"lr": positive("lr", self.lr), "factor": factor, "every": _count("every", self.every, 1)}

    def _value(self, t):
        # Held at the smallest positive float64 rather than underflowing to 0 after very many decays.
        return np.maximum(self.lr * self.factor ** np.floor((t - 1) / self.every), np.finfo(np.float64).tiny)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class inverse_sqrt(Schedule):
    """lr / sqrt(t): the step size of online gradient descent's regret bound (Zinkevich, 2003), and of the
    convergence analyses of Adam and AMSGrad (Reddi, Kale & Kumar, 2018)."""

    lr: float

    def _checked(self):
        return {"lr": positive("lr", self.lr)}

    def _value(self, t):
        return self.lr / np.sqrt(t)


def _cosine(lr, final_lr, t, total_steps):
    """Cosine annealing from lr (t = 1) toward final_lr, holding its step-`total_steps` value after it."""
    progress = (np.minimum(t, total_steps) - 1) / total_steps
    return final_lr + (lr - final_lr) * 0.5 * (1.0 + np.cos(np.pi * progress))


def _final_below(lr, final_lr):
    final_lr = nonnegative("final_lr", final_lr)
    if np.any(final_lr > lr):
        raise ValueError(f"final_lr must be <= lr (got final_lr={_shown(final_lr)}, lr={_shown(lr)})")
    return final_lr


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class cosine(Schedule):
    """Half a cosine from lr down toward final_lr over total_steps steps (Loshchilov & Hutter, 2017)."""

    lr: float
    total_steps: int
    final_lr: float = 0.0

    def _checked(self):
        lr = positive("lr", self.lr)
        return {
            "lr": lr,
            "total_steps": _count("total_steps", self.total_steps, 1),
            "final_lr": _final_below(lr, self.final_lr),
        }

    def _value(self, t):
        return _cosine(self.lr, self.final_lr, t, self.total_steps)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class linear_warmup(Schedule):
    """Rise linearly from lr / warmup_steps at step 1 to lr at step warmup_steps, then stay at lr."""

    lr: float
    warmup_steps: int

    def _checked(self):
        return {"lr": positive("lr", self.lr), "warmup_steps": _count("warmup_steps", self.warmup_steps, 1)}

    def _value(self, t):
        return self.lr * np.minimum(t / self.warmup_steps, 1.0)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class warmup_cosine(Schedule):
    """Linear warmup over warmup_steps steps, then a cosine from lr toward final_lr until total_steps."""

    lr: float
    warmup_steps: int
    total_steps: int
    final_lr: float = 0.0

    def _checked(self):
        lr = positive("lr", self.lr)
        warmup = _count("warmup_steps", self.warmup_steps, 0)
        return {
            "lr": lr,
            "warmup_steps": warmup,
            "total_steps": _count("total_steps (> warmup_steps)", self.total_steps, int(np.max(warmup)) + 1),
            "final_lr": _final_below(lr, self.final_lr),
        }

    def _value(self, t):
        w = self.warmup_steps  # 0 means no warmup: then t <= w never holds
        decay = _cosine(self.lr, self.final_lr, np.maximum(t - w, 1), self.total_steps - w)
        return np.where(t <= w, self.lr * t / np.maximum(w, 1), decay)
