"""AdaGrad: a per-coordinate step from the sum of squared gradients (`AdaGrad`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at, nonnegative
from optim_core.base import Hyperparameter, LearningRate, Optimizer, normalized, zeros_like


class AdaGradState(NamedTuple):
    """`AdaGrad`'s state: the step count and the sum of squared gradients v_t."""

    count: int
    sum_sq: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class AdaGrad(Optimizer):
    """Divide each coordinate's gradient by the root of its accumulated squares (Duchi, Hazan & Singer, 2011). ::

        v_t = v_{t-1} + dw_t**2,    w_t = w_{t-1} - lr dw_t / (sqrt(v_t) + eps)

    v_t only grows, so each coordinate's effective learning rate `lr / (sqrt(v_t) + eps)` only shrinks.
    """

    elementwise = True

    lr: LearningRate
    eps: Hyperparameter = 1e-10

    def _checked(self):
        return {"lr": learning_rate(self.lr), "eps": nonnegative("eps", self.eps)}

    def init(self, params):
        return AdaGradState(count=0, sum_sq=zeros_like(params))

    def _step(self, w, g, state):
        t = state.count + 1
        v = state.sum_sq + g * g
        return w - lr_at(self.lr, t) * normalized(g, v, self.eps), AdaGradState(t, v)
