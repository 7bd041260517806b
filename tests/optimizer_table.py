"""The one list of optimizers the tests use: every class with its numeric hyperparameters (for the tests
that sweep over them), and one instance of every class and variant (for the tests that run each)."""

from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD

HYPERPARAMETERS = {
    GD: ["lr"],
    Momentum: ["lr", "beta"],
    AdaGrad: ["lr", "eps"],
    RMSProp: ["lr", "beta", "eps"],
    SignGD: ["lr"],
    Adam: ["lr", "beta1", "beta2", "eps"],
    AdamW: ["lr", "beta1", "beta2", "eps", "weight_decay"],
    Lion: ["lr", "beta1", "beta2", "weight_decay"],
}

# One instance of every optimizer and variant, with its test id.
INSTANCES = [
    GD(lr=0.1),
    Momentum(lr=0.1),
    Momentum(lr=0.1, ema=False, nesterov=True),
    AdaGrad(lr=0.1),
    RMSProp(lr=0.1),
    SignGD(lr=0.1),
    Adam(lr=0.1),
    Adam(lr=0.1, amsgrad=True),
    AdamW(lr=0.1),
    Lion(lr=0.1, weight_decay=0.1),
]
INSTANCE_IDS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "signgd", "adam", "amsgrad", "adamw", "lion"]
