"""Sign descent: w_t = w_{t-1} - lr * sign(dw_t). Every coordinate moves by exactly lr (or 0).

The limit of RMSProp with beta = 0 and eps = 0, since dw / sqrt(dw**2) = sign(dw)
(Bernstein et al., 2018, signSGD).

EFSignGD is sign compression with error feedback (Karimireddy et al., 2019, EF-signSGD):
q_t = lr dw_t + err_{t-1}, msg_t = mean_i |q_t,i| sign(q_t), w_t = w_{t-1} - msg_t, err_t = q_t - msg_t.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at
from optim_core.base import LearningRate, Optimizer, zeros_like


class SignGDState(NamedTuple):
    count: int


@dataclasses.dataclass(frozen=True, eq=False)
class SignGD(Optimizer):
    """Move each coordinate by lr against the sign of its gradient."""

    elementwise = True

    lr: LearningRate

    def _checked(self):
        return {"lr": learning_rate(self.lr)}

    def init(self, params):
        return SignGDState(count=0)

    def _step(self, w, g, state):
        t = state.count + 1
        return w - lr_at(self.lr, t) * np.sign(g), SignGDState(t)


class EFSignGDState(NamedTuple):
    count: int
    error: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class EFSignGD(Optimizer):
    """Scaled sign steps with error feedback: each step is one bit per coordinate plus one number (the mean size
    of q_t over the coordinates), and what the compression left out, err_t, is added to the next step."""

    lr: LearningRate

    def _checked(self):
        return {"lr": learning_rate(self.lr)}

    def init(self, params):
        return EFSignGDState(count=0, error=zeros_like(params))

    def _step(self, w, g, state):
        t = state.count + 1
        q = lr_at(self.lr, t) * g + state.error
        msg = np.mean(np.abs(q), axis=-1, keepdims=True) * np.sign(q)
        return w - msg, EFSignGDState(t, q - msg)
