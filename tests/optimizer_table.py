"""Every optimizer class with its numeric hyperparameters, for the tests that sweep over them."""

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
