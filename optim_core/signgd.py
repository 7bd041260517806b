"""Sign descent: w_t = w_{t-1} - lr * sign(dw_t). Every coordinate moves by exactly lr (or 0).

The limit of RMSProp with beta = 0 and eps = 0, since dw / sqrt(dw**2) = sign(dw)
(Bernstein et al., 2018, signSGD).
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optim_core._checks import learning_rate, lr_at
from optim_core.base import LearningRate, Optimizer


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
