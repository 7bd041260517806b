"""What every optimizer shares: immutable hyperparameters and the pure init/update contract."""

from __future__ import annotations

import dataclasses

import numpy as np

from optim_core._checks import matching_grad


@dataclasses.dataclass(frozen=True, eq=False)
class Optimizer:
    """Base class. Subclasses validate their hyperparameters in `_checked` and define `_step`.

    `init(params)` returns the state (a NamedTuple whose first field is the step `count`);
    `update(params, grad, state)` returns `(new_params, new_state)` and never mutates its inputs.
    Hyperparameters are stored as float64 arrays, so any of them may be a grid that broadcasts
    against the parameters' leading batch dimensions.
    """

    def __post_init__(self):
        for name, value in self._checked().items():
            object.__setattr__(self, name, value)

    def _checked(self) -> dict:
        raise NotImplementedError

    def init(self, params):
        raise NotImplementedError

    def _step(self, params: np.ndarray, grad: np.ndarray, state):
        raise NotImplementedError

    def update(self, params, grad, state):
        params = np.asarray(params, dtype=np.float64)
        grad = matching_grad(params, grad)
        full_shape = self.batch_shape(params.shape)
        if full_shape != params.shape:
            raise ValueError(
                f"the hyperparameter arrays broadcast params of shape {params.shape} to {full_shape}; "
                "give params that full batch shape (optim_core.run does this for you)"
            )
        return self._step(params, grad, state)

    def hyperparameters(self) -> dict:
        """Name -> value of every hyperparameter (flags and schedules included)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def batch_shape(self, params_shape: tuple) -> tuple:
        """The shape a run takes once params broadcast against array-valued hyperparameters."""
        shapes = [np.shape(v(1) if callable(v) else v) for v in self.hyperparameters().values()]
        return np.broadcast_shapes(tuple(params_shape), *shapes)


def zeros_like(params) -> np.ndarray:
    return np.zeros(np.shape(params), dtype=np.float64)


def state_arrays(state) -> list[np.ndarray]:
    """The per-parameter arrays an optimizer keeps in its state (the step count is not one)."""
    return [v for v in state[1:] if isinstance(v, np.ndarray)]
