"""Numerical checks the tests share."""

import numpy as np


def central_differences(fun, w, h=1e-5):
    """The gradient of the scalar function `fun` at w, coordinate by coordinate: (f(w + h e_i) - f(w - h e_i)) / 2h."""
    w = np.asarray(w, dtype=np.float64)
    out = np.empty_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        out[i] = (fun(w + e) - fun(w - e)) / (2 * h)
    return out
