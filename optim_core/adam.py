"""Adam, AMSGrad (`Adam` with amsgrad=True) and AdamW (`AdamW`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at, nonnegative, unit_interval
from optim_core.base import Hyperparameter, LearningRate, Optimizer, normalized, zeros_like
from optim_core.ema import bias_correction, ema_update


class AdamState(NamedTuple):
    """`Adam`'s (and `AdamW`'s) state: the step count, the moving averages m_t and v_t, and with
    amsgrad=True the running maximum of v_t."""

    count: int
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray | None = None  # only with amsgrad=True


@dataclasses.dataclass(frozen=True, eq=False)
class Adam(Optimizer):
    """Momentum on the gradient, RMSProp on its square, both bias-corrected: Adam (Kingma & Ba, 2015). ::

        m_t = beta1 m_{t-1} + (1 - beta1) dw_t           (momentum: EMA of the gradient)
        v_t = beta2 v_{t-1} + (1 - beta2) dw_t**2        (RMSProp: EMA of its square)
        w_t = w_{t-1} - lr m_hat_t / (sqrt(v_hat_t) + eps),
        m_hat_t = m_t / (1 - beta1**t),  v_hat_t = v_t / (1 - beta2**t)   (bias correction)

    amsgrad=True gives AMSGrad (Reddi, Kale & Kumar, 2018): the running maximum of v_t replaces v_t in the
    denominator, as in torch.optim.Adam(amsgrad=True).
    """

    elementwise = True

    lr: LearningRate = 1e-3
    beta1: Hyperparameter = 0.9
    beta2: Hyperparameter = 0.999
    eps: Hyperparameter = 1e-8
    bias_correction: bool = True
    amsgrad: bool = False

    def _checked(self):
        return {
            "lr": learning_rate(self.lr),
            "beta1": unit_interval("beta1", self.beta1),
            "beta2": unit_interval("beta2", self.beta2),
            "eps": nonnegative("eps", self.eps),
        }

    def init(self, params):
        v_max = zeros_like(params) if self.amsgrad else None
        return AdamState(count=0, m=zeros_like(params), v=zeros_like(params), v_max=v_max)

    def _step(self, w, g, state):
        return self._adam_step(w, g, state, lr_at(self.lr, state.count + 1))

    def _adam_step(self, w, g, state, lr):
        t = state.count + 1
        m = ema_update(state.m, g, self.beta1)
        v = ema_update(state.v, g * g, self.beta2)
        v_max = np.maximum(state.v_max, v) if self.amsgrad else None
        v_used = v_max if self.amsgrad else v
        if self.bias_correction:
            direction = normalized(bias_correction(m, self.beta1, t), bias_correction(v_used, self.beta2, t), self.eps)
        else:
            direction = normalized(m, v_used, self.eps)
        return w - lr * direction, AdamState(t, m, v, v_max)


@dataclasses.dataclass(frozen=True, eq=False)
class AdamW(Adam):
    """Adam with decoupled weight decay: AdamW (Loshchilov & Hutter, 2019). ::

        w_t = w_{t-1} (1 - lr weight_decay) - lr m_hat_t / (sqrt(v_hat_t) + eps)

    with m_hat_t and v_hat_t as in `Adam`. The decay acts on the weights, not through the gradient.
    """

    weight_decay: Hyperparameter = 1e-2

    def _checked(self):
        return {**super()._checked(), "weight_decay": nonnegative("weight_decay", self.weight_decay)}

    def _step(self, w, g, state):
        lr = lr_at(self.lr, state.count + 1)
        return self._adam_step(w * (1.0 - lr * self.weight_decay), g, state, lr)
