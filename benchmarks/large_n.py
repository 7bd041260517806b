"""One update on N float64 parameters, for every optimizer: optim_core against torch.optim with
`foreach=True` (same N, same dtype, where torch has the method), and against the memory roofline:
the bytes the method must read and write per parameter divided by this machine's copy bandwidth."""

from __future__ import annotations

import numpy as np

from benchmarks.common import measure, seconds, stats, table, torch_available
from optim_core import GD, AdaGrad, Adam, AdamW, Lion, Momentum, RMSProp, SignGD

# (name, optim_core optimizer, torch constructor or None, bytes read + written per parameter)
# e.g. Adam reads w, g, m, v and writes w, m, v: 7 float64 arrays = 56 bytes.
CASES = [
    ("GD", GD(1e-3), lambda t, p: t.optim.SGD(p, lr=1e-3, foreach=True), 24),
    ("Momentum", Momentum(1e-3, ema=False), lambda t, p: t.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=True), 40),
    ("AdaGrad", AdaGrad(1e-3), lambda t, p: t.optim.Adagrad(p, lr=1e-3, foreach=True), 40),
    ("RMSProp", RMSProp(1e-3), lambda t, p: t.optim.RMSprop(p, lr=1e-3, alpha=0.99, foreach=True), 40),
    ("SignGD", SignGD(1e-3), None, 24),
    ("Adam", Adam(1e-3), lambda t, p: t.optim.Adam(p, lr=1e-3, foreach=True), 56),
    ("AMSGrad", Adam(1e-3, amsgrad=True), lambda t, p: t.optim.Adam(p, lr=1e-3, amsgrad=True, foreach=True), 72),
    ("AdamW", AdamW(1e-3), lambda t, p: t.optim.AdamW(p, lr=1e-3, foreach=True), 56),
    ("Lion", Lion(1e-4), None, 40),
]


def copy_bandwidth(n: int) -> float:
    """Bytes per second numpy moves copying one float64 array into another (read + write)."""
    src, dst = np.random.default_rng(0).normal(size=n), np.empty(n)
    t = stats(measure(lambda: np.copyto(dst, src), 7))
    return 16 * n / t["median"]


def time_ours(opt, n: int, repeat: int):
    rng = np.random.default_rng(0)
    w, g = rng.normal(size=n), rng.normal(size=n)
    state = opt.init(w)
    w, state = opt.update(w, g, state)  # a non-trivial state, as after the first step
    return stats(measure(lambda: opt.update(w, g, state), repeat))


def time_torch(make, n: int, repeat: int):
    import torch

    rng = np.random.default_rng(0)
    p = torch.tensor(rng.normal(size=n))
    p.grad = torch.tensor(rng.normal(size=n))
    opt = make(torch, [p])
    opt.step()
    return stats(measure(opt.step, repeat))


def run(quick: bool = False) -> str:
    sizes = [10**4, 10**5] if quick else [10**5, 10**6, 10**7]
    repeat = 2 if quick else 7
    bandwidth = copy_bandwidth(sizes[-1])
    has_torch = torch_available()
    rows = []
    for n in sizes:
        for name, opt, make_torch, bytes_per in CASES:
            ours = time_ours(opt, n, repeat)
            roofline = bytes_per * n / bandwidth
            theirs = time_torch(make_torch, n, repeat) if (make_torch and has_torch) else None
            rows.append(
                [
                    f"{n:.0e}",
                    name,
                    seconds(ours["median"]),
                    seconds(ours["p95"]),
                    seconds(theirs["median"]) if theirs else "n/a",
                    f"{ours['median'] / theirs['median']:.2f}" if theirs else "n/a",
                    f"{roofline / ours['median']:.0%}",
                ]
            )
    header = ["N", "optimizer", "median", "p95", "torch foreach", "ours / torch", "of roofline"]
    return (
        "## Large-N step: one update on N float64 parameters\n\n"
        f"Copy bandwidth measured by numpy: {bandwidth / 1e9:.1f} GB/s. Roofline time = bytes the method "
        "must read and write per parameter x N / that bandwidth. optim_core returns new arrays (its "
        f"update is pure), torch updates in place. The bandwidth is measured at N = {sizes[-1]:.0e} "
        f"({8 * sizes[-1] / 1e6:g} MB per array); at N = {sizes[0]:.0e} the arrays ({8 * sizes[0] / 1e6:g} MB "
        "each) fit in the CPU's caches, so a step there can beat that roofline (above 100%).\n\n" + table(header, rows)
    )
