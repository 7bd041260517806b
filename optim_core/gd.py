"""Gradient descent, the optimizer without memory of past gradients (`GD`)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from optim_core._checks import learning_rate, lr_at
from optim_core.base import LearningRate, Optimizer


class GDState(NamedTuple):
    """`GD`'s state: the number of steps taken."""

    count: int


@dataclasses.dataclass(frozen=True, eq=False)
class GD(Optimizer):
    """Plain (full-batch or stochastic) gradient descent: no memory of past gradients. ::

        w_t = w_{t-1} - lr dw_t

    The method of Cauchy (1847). With minibatch gradients it is stochastic gradient descent.
    """

    elementwise = True

    lr: LearningRate

    def _checked(self):
        return {"lr": learning_rate(self.lr)}

    def init(self, params):
        return GDState(count=0)

    def _step(self, w, g, state):
        t = state.count + 1
        return w - lr_at(self.lr, t) * g, GDState(t)
