"""optim_core: the small, tested numpy library behind the optimizer textbook.

Each optimizer is an immutable object with two pure methods:

    state = opt.init(params)
    params, state = opt.update(params, grad, state)
"""

from optim_core.adagrad import AdaGrad
from optim_core.adam import Adam, AdamW
from optim_core.gd import GD
from optim_core.lion import Lion
from optim_core.momentum import Momentum
from optim_core.rmsprop import RMSProp
from optim_core.run import Trajectory, run
from optim_core.signgd import SignGD

__all__ = ["GD", "AdaGrad", "Adam", "AdamW", "Lion", "Momentum", "RMSProp", "SignGD", "Trajectory", "run"]
