"""Lion: the sign of an interpolated momentum, with decoupled weight decay (`Lion`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at, nonnegative, unit_interval
from optim_core.base import Hyperparameter, LearningRate, Optimizer, zeros_like
from optim_core.ema import ema_update


class LionState(NamedTuple):
    """`Lion`'s state: the step count and the momentum m_t."""

    count: int
    m: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class Lion(Optimizer):
    """EvoLved Sign Momentum: Lion (Chen et al., 2023). ::

        c_t = beta1 m_{t-1} + (1 - beta1) dw_t
        w_t = w_{t-1} - lr (sign(c_t) + weight_decay w_{t-1})
        m_t = beta2 m_{t-1} + (1 - beta2) dw_t

    Like sign descent, every coordinate moves by exactly lr (plus the decay); like momentum, the
    direction remembers past gradients. One state array per parameter, against Adam's two.
    """

    elementwise = True

    lr: LearningRate = 1e-4
    beta1: Hyperparameter = 0.9
    beta2: Hyperparameter = 0.99
    weight_decay: Hyperparameter = 0.0

    def _checked(self):
        return {
            "lr": learning_rate(self.lr),
            "beta1": unit_interval("beta1", self.beta1),
            "beta2": unit_interval("beta2", self.beta2),
            "weight_decay": nonnegative("weight_decay", self.weight_decay),
        }

    def init(self, params):
        return LionState(count=0, m=zeros_like(params))

    def _step(self, w, g, state):
        t = state.count + 1
        c = ema_update(state.m, g, self.beta1)
        new_w = w - lr_at(self.lr, t) * (np.sign(c) + self.weight_decay * w)
        return new_w, LionState(t, ema_update(state.m, g, self.beta2))
