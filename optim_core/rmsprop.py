"""RMSProp: AdaGrad with an EMA of squared gradients instead of a sum (`RMSProp`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at, nonnegative, unit_interval
from optim_core.base import Hyperparameter, LearningRate, Optimizer, normalized, zeros_like
from optim_core.ema import ema_update


class RMSPropState(NamedTuple):
    """`RMSProp`'s state: the step count and the moving average of squared gradients v_t."""

    count: int
    sq_avg: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class RMSProp(Optimizer):
    """Divide each coordinate's gradient by the root of a moving average of its squares (Tieleman & Hinton, 2012). ::

        v_t = beta v_{t-1} + (1 - beta) dw_t**2,    w_t = w_{t-1} - lr dw_t / (sqrt(v_t) + eps)

    eps is added outside the square root, as torch.optim.RMSprop does.
    """

    elementwise = True

    lr: LearningRate
    beta: Hyperparameter = 0.99
    eps: Hyperparameter = 1e-8

    def _checked(self):
        return {
            "lr": learning_rate(self.lr),
            "beta": unit_interval("beta", self.beta),
            "eps": nonnegative("eps", self.eps),
        }

    def init(self, params):
        return RMSPropState(count=0, sq_avg=zeros_like(params))

    def _step(self, w, g, state):
        t = state.count + 1
        v = ema_update(state.sq_avg, g * g, self.beta)
        return w - lr_at(self.lr, t) * normalized(g, v, self.eps), RMSPropState(t, v)
