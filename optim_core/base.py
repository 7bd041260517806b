"""What every optimizer shares: immutable hyperparameters and the pure init/update contract."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import numpy as np

from optim_core._checks import matching_grad

#: What an optimizer stores for each hyperparameter: a float64 array (0-d for a single value, or a grid
#: that broadcasts against batched params).
Hyperparameter = np.ndarray
#: What an optimizer stores for the learning rate: a float64 array like any `Hyperparameter`, or a
#: schedule of the step (a callable, see `optim_core.schedules`).
LearningRate = np.ndarray | Callable[[int], np.ndarray]

#: Elements per block in the cache-friendly path for large parameter arrays (128 KiB of float64).
CHUNK = 16384


@dataclasses.dataclass(frozen=True, eq=False)
class Optimizer:
    """Base class. Subclasses validate their hyperparameters in `_checked` and define `_step`.

    `init(params)` returns the state (a NamedTuple whose first field is the step `count`);
    `update(params, grad, state)` returns `(new_params, new_state)` and never mutates its inputs.
    Hyperparameters are stored as private, read-only float64 arrays, so any of them may be a grid that
    broadcasts against the parameters' leading batch dimensions.

    The contract on inputs: params and grad are converted to float64 (float32 or integer params give
    float64 results and a float64 state; the book computes in float64 throughout); grad must have the
    params' shape, and the state must be the one `init` made for params of that shape (its type and
    array shapes are checked). With eps = 0 an adaptive method treats 0/0 as 0; an infinite gradient
    still gives NaN, which `run` reports as a divergence.

    `elementwise = True` declares that `_step` treats every coordinate independently; only then may
    `update` compute large arrays block by block (`_chunked_step`). An optimizer that mixes coordinates
    (a matrix preconditioner, say) keeps the default False and always gets the plain `_step`.
    """

    elementwise: ClassVar[bool] = False

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(field.default, bool) and not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{field.name} must be True or False (got {value!r})")
        for name, value in self._checked().items():
            object.__setattr__(self, name, value)
        self._check_grids()
        # What a state of this optimizer looks like: its type, and which fields are arrays.
        object.__setattr__(self, "_state_template", self.init(np.zeros(0)))

    def _checked(self) -> dict:
        raise NotImplementedError

    def init(self, params):
        """The state before the first step, for parameters shaped like `params` (a NamedTuple, `count` = 0)."""
        raise NotImplementedError

    def _step(self, params: np.ndarray, grad: np.ndarray, state):
        raise NotImplementedError

    def update(self, params, grad, state):
        """One step: `(new_params, new_state)` from the gradient `grad` at `params`; the inputs are not changed.

        Large arrays with one value per hyperparameter are computed block by block (see `elementwise`), with
        a result bitwise equal to the plain step's."""
        params = np.asarray(params, dtype=np.float64)
        grad = matching_grad(params, grad)
        full_shape = self.batch_shape(params.shape)
        if full_shape != params.shape:
            raise ValueError(
                f"the hyperparameter arrays broadcast params of shape {params.shape} to {full_shape}; "
                "give params that full batch shape (optim_core.run does this for you)"
            )
        self._check_state(state, params.shape)
        scalar_hyperparameters = all(np.ndim(v) == 0 for v in self._array_hyperparameters())
        if self.elementwise and params.size >= 4 * CHUNK and scalar_hyperparameters:
            return self._chunked_step(params, grad, state)
        return self._step(params, grad, state)

    def _check_grids(self):
        """The grid convention: a hyperparameter is one number, or a grid of settings whose last axis has
        length 1, so that it broadcasts over the parameters' batch dimensions and never along their
        coordinates (`GD(np.array([0.1, 0.45]))` on a 2-D problem would otherwise be one run with a
        learning rate per coordinate instead of two runs). The grids must broadcast together."""
        grids = {}
        for name, value in self.hyperparameters().items():
            shape = np.shape(value(1) if callable(value) else value)
            if len(shape) == 0:
                continue
            if shape[-1] != 1:
                example = "lr=np.array([0.1, 0.45])[:, None]" if name == "lr" else f"{name}=values[:, None]"
                raise ValueError(
                    f"{name} has shape {shape}: a grid of settings needs a last axis of length 1, one run per "
                    f"value (e.g. {example}); per-coordinate hyperparameters are not supported"
                )
            grids[name] = shape
        try:
            np.broadcast_shapes(*grids.values())
        except ValueError:
            shown = ", ".join(f"{name} {shape}" for name, shape in grids.items())
            raise ValueError(f"the hyperparameter grids do not broadcast together: {shown}") from None

    def _check_state(self, state, shape: tuple):
        """The state must be one this optimizer's init made for params of this shape."""
        template, name = self._state_template, type(self).__name__
        if type(state) is not type(template):
            raise TypeError(
                f"state has type {type(state).__name__}, but {name}.update needs the {type(template).__name__} "
                f"that {name}.init(params) returns"
            )
        if not (isinstance(state.count, (int, np.integer)) and state.count >= 0):
            raise ValueError(f"state.count must be an integer >= 0 (got {state.count!r})")
        for field, expected, value in zip(template._fields, template, state, strict=True):
            if isinstance(expected, np.ndarray) and not (isinstance(value, np.ndarray) and value.shape == shape):
                raise ValueError(
                    f"state.{field} has shape {np.shape(value) if value is not None else None} but params has "
                    f"shape {shape}; pass the state that {name}.init(params) returned for these params"
                )

    def _array_hyperparameters(self):
        return [v(1) if callable(v) else v for v in self.hyperparameters().values()]

    def _chunked_step(self, w, g, state):
        """The same step, computed block by block so that its temporaries stay in the CPU cache:
        on large arrays, memory traffic then drops to reading the inputs and writing the outputs once.
        Every operation is element-wise, so the result is bitwise the same as `_step`'s."""
        names = [n for n, v in zip(state._fields, state, strict=True) if isinstance(v, np.ndarray)]
        flat_in = {n: getattr(state, n).reshape(-1) for n in names}
        w_flat, g_flat = w.reshape(-1), g.reshape(-1)
        new_w = np.empty_like(w_flat)
        new_arrays = {n: np.empty_like(a) for n, a in flat_in.items()}
        count = state.count
        for start in range(0, w_flat.size, CHUNK):
            block = slice(start, start + CHUNK)
            part = state._replace(**{n: a[block] for n, a in flat_in.items()})
            part_w, part_state = self._step(w_flat[block], g_flat[block], part)
            new_w[block] = part_w
            for n in names:
                new_arrays[n][block] = getattr(part_state, n)
            count = part_state.count
        shaped = {n: a.reshape(w.shape) for n, a in new_arrays.items()}
        return new_w.reshape(w.shape), state._replace(count=count, **shaped)

    def hyperparameters(self) -> dict:
        """Name -> value of every hyperparameter (flags and schedules included)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def batch_shape(self, params_shape: tuple) -> tuple:
        """The shape a run takes once params broadcast against array-valued hyperparameters."""
        shapes = [np.shape(v(1) if callable(v) else v) for v in self.hyperparameters().values()]
        return np.broadcast_shapes(tuple(params_shape), *shapes)


def normalized(m: np.ndarray, v: np.ndarray, eps) -> np.ndarray:
    """The adaptive direction m / (sqrt(v) + eps) shared by AdaGrad, RMSProp and Adam.

    With eps = 0 a coordinate that has only seen zero gradients has m = v = 0: its direction is 0, as
    sign(0) = 0, not 0/0. (An infinite gradient still gives NaN: inf / inf; run() reports it as a
    divergence.)"""
    denom = np.sqrt(v)
    denom += eps
    if np.all(eps > 0):
        return m / denom
    with np.errstate(invalid="ignore", divide="ignore"):
        direction = m / denom
    return np.where(denom == 0, 0.0, direction)


def zeros_like(params) -> np.ndarray:
    """A float64 array of zeros with the shape of `params`: the start of every state array."""
    return np.zeros(np.shape(params), dtype=np.float64)


def state_arrays(state) -> list[np.ndarray]:
    """The per-parameter arrays an optimizer keeps in its state (the step count is not one)."""
    return [v for v in state[1:] if isinstance(v, np.ndarray)]


def state_count(opt, shape: tuple = (3, 5)) -> int:
    """How many arrays the size of the parameters `opt` keeps in its state (its memory cost in units of
    the model's size), counted on `opt.init` of parameters of `shape`."""
    arrays = state_arrays(opt.init(np.zeros(shape)))
    if any(a.shape != tuple(shape) for a in arrays):
        raise ValueError(f"a state array of {type(opt).__name__} does not have the parameters' shape {shape}")
    return len(arrays)
