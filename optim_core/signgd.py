"""Sign descent (`SignGD`), and sign compression with error feedback (`EFSignGD`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at
from optim_core.base import LearningRate, Optimizer, zeros_like


class SignGDState(NamedTuple):
    """`SignGD`'s state: the number of steps taken."""

    count: int


@dataclasses.dataclass(frozen=True, eq=False)
class SignGD(Optimizer):
    """Move each coordinate by lr against the sign of its gradient: signSGD (Bernstein et al., 2018). ::

        w_t = w_{t-1} - lr sign(dw_t)

    Every coordinate moves by exactly lr (or 0). It is the limit of RMSProp with beta = 0 and eps = 0,
    since `dw / sqrt(dw**2) = sign(dw)`.
    """

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
    """`EFSignGD`'s state: the step count and the error err_t that the compression left out."""

    count: int
    error: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class EFSignGD(Optimizer):
    """Scaled sign steps with error feedback: EF-signSGD (Karimireddy et al., 2019). ::

        q_t = lr dw_t + err_{t-1},    msg_t = mean_i |q_t,i| sign(q_t)
        w_t = w_{t-1} - msg_t,        err_t = q_t - msg_t

    Each step is one bit per coordinate plus one number (the mean size of q_t over the coordinates), and
    what the compression left out, err_t, is added to the next step.
    """

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
