"""Momentum (Polyak's heavy ball, and Nesterov's variant), in the article's EMA form or torch.optim.SGD's form
(`Momentum`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at, unit_interval
from optim_core.base import Hyperparameter, LearningRate, Optimizer, zeros_like
from optim_core.ema import ema_update


class MomentumState(NamedTuple):
    """`Momentum`'s state: the step count and the velocity v_t."""

    count: int
    velocity: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class Momentum(Optimizer):
    """Gradient descent with a velocity that remembers past gradients: Polyak's heavy ball (1964). ::

        ema=True  (article):      v_t = beta v_{t-1} + (1 - beta) dw_t,   w_t = w_{t-1} - lr v_t
        ema=False (torch.optim):  v_t = beta v_{t-1} + dw_t,              w_t = w_{t-1} - lr v_t

    The EMA velocity is (1 - beta) times the torch velocity, so the two forms are the same method when
    the EMA form's lr is the torch form's lr divided by (1 - beta).

    nesterov=True steps along the look-ahead direction, `w_t = w_{t-1} - lr (c dw_t + beta v_t)`, with
    c = 1 - beta in the EMA form and c = 1 in the torch form (as torch.optim.SGD(nesterov=True)): Nesterov's
    method (1983) with the look-ahead point stored as the weights, the reparametrization of Bengio,
    Boulanger-Lewandowski and Pascanu (2013), so that only the gradient at the current weights is needed.
    """

    elementwise = True

    lr: LearningRate
    beta: Hyperparameter = 0.9
    ema: bool = True
    nesterov: bool = False

    def _checked(self):
        return {"lr": learning_rate(self.lr), "beta": unit_interval("beta", self.beta)}

    def init(self, params):
        return MomentumState(count=0, velocity=zeros_like(params))

    def _step(self, w, g, state):
        t = state.count + 1
        beta = self.beta
        if self.ema:
            v = ema_update(state.velocity, g, beta)
            grad_weight = 1.0 - beta
        else:
            v = beta * state.velocity + g
            grad_weight = 1.0
        direction = grad_weight * g + beta * v if self.nesterov else v
        return w - lr_at(self.lr, t) * direction, MomentumState(t, v)
