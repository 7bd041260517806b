"""Batched sweep: Adam over a grid of (lr, beta1) settings on the 2-D ravine, as one batched
`optim_core.run`, against (a) a Python loop of unbatched optim_core runs and (b) the loop a PyTorch
user writes, one torch.optim.Adam per setting. The loops are timed on a subset and scaled (said so)."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import measure, seconds, stats, table, torch_available
from optim_core import Adam
from optim_core import run as run_optimizer
from optim_core.problems import Quadratic

PROBLEM = Quadratic()
X0 = PROBLEM.x0


def grid(configs: int):
    """`configs` (lr, beta1) pairs on a square-ish grid: lr log-spaced, beta1 linear."""
    n_lr = int(np.ceil(np.sqrt(configs)))
    lr, beta1 = np.meshgrid(np.geomspace(1e-3, 1.0, n_lr), np.linspace(0.0, 0.99, n_lr))
    return lr.ravel()[:configs, None], beta1.ravel()[:configs, None]


def batched(configs: int, steps: int):
    lr, beta1 = grid(configs)
    return run_optimizer(Adam(lr=lr, beta1=beta1), PROBLEM, X0, steps)


def loop_optim_core(configs: int, steps: int):
    lr, beta1 = grid(configs)
    return [
        run_optimizer(Adam(lr=float(a), beta1=float(b)), PROBLEM, X0, steps)
        for a, b in zip(lr[:, 0], beta1[:, 0], strict=True)
    ]


def loop_torch(configs: int, steps: int):
    import torch

    hessian = torch.tensor(PROBLEM.hessian)
    lr, beta1 = grid(configs)
    finals = []
    for a, b in zip(lr[:, 0], beta1[:, 0], strict=True):
        w = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([w], lr=float(a), betas=(float(b), 0.999), eps=1e-8)
        for _ in range(steps):
            opt.zero_grad()
            loss = 0.5 * w @ hessian @ w
            loss.backward()
            opt.step()
        finals.append(w.detach().numpy().copy())
    return finals


def run(quick: bool = False) -> str:
    configs, steps = (100, 50) if quick else (10_000, 1_000)
    subset_ours, subset_torch = (5, 2) if quick else (100, 10)
    out = []

    t_batched = stats(measure(lambda: batched(configs, steps), 1 if quick else 5))
    t_loop = stats(measure(lambda: loop_optim_core(subset_ours, steps), 1, warmup=0))
    loop_scaled = t_loop["median"] * configs / subset_ours
    rows = [
        ["batched `run` (one call)", seconds(t_batched["median"]), seconds(t_batched["p95"]), "1x (baseline)"],
        [
            f"loop of unbatched optim_core runs (timed {subset_ours}, scaled x{configs // subset_ours})",
            seconds(loop_scaled),
            "",
            f"{loop_scaled / t_batched['median']:.0f}x slower",
        ],
    ]
    if torch_available():
        t_torch = stats(measure(lambda: loop_torch(subset_torch, steps), 1, warmup=0))
        torch_scaled = t_torch["median"] * configs / subset_torch
        rows.append(
            [
                f"loop of torch.optim.Adam, one per setting (timed {subset_torch}, scaled x{configs // subset_torch})",
                seconds(torch_scaled),
                "",
                f"{torch_scaled / t_batched['median']:.0f}x slower",
            ]
        )
    else:
        rows.append(["torch loop", "torch not installed", "", ""])
    out.append(
        f"## Batched sweep: Adam, {configs:,} (lr, beta1) settings x {steps:,} steps, 2-D ravine\n\n"
        + table(["method", "median", "p95", "vs batched"], rows)
    )

    scaling = []
    for n in [1, 10, 100, 1_000] if quick else [1, 10, 100, 1_000, 10_000, 100_000]:
        t = stats(measure(lambda n=n: batched(n, steps), 1 if quick or n >= 10_000 else 3))
        scaling.append([f"{n:,}", f"{steps:,}", seconds(t["median"]), f"{t['median'] / n * 1e6:.1f} µs"])
    for s in [10, 100] if quick else [100, 1_000, 10_000]:
        n = 100 if quick else 1_000
        start = time.perf_counter()
        batched(n, s)
        elapsed = time.perf_counter() - start
        scaling.append([f"{n:,}", f"{s:,}", seconds(elapsed), f"{elapsed / n * 1e6:.1f} µs"])
    out.append(
        "### How the batched run scales with settings and steps\n\n"
        + table(["settings", "steps", "time", "per setting"], scaling)
    )
    return "\n\n".join(out)
