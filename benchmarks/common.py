"""Timing, machine description and markdown tables shared by the benchmarks.

Every result is reported with a baseline measured in the same run, as a ratio: this machine is
shared and noisy, so absolute times are context, ratios are the result.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from datetime import date

import numpy as np


def measure(fn, repeat: int, warmup: int = 1) -> list[float]:
    """Seconds taken by each of `repeat` calls of fn (after `warmup` untimed calls)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def stats(times: list[float]) -> dict:
    return {"median": statistics.median(times), "p95": float(np.percentile(times, 95)), "n": len(times)}


def seconds(x: float) -> str:
    """A duration with a sensible unit."""
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1:
        return f"{x * 1e3:.1f} ms"
    return f"{x:.2f} s"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # numpy's config layout is not a stable API
        return "unknown"


def machine() -> str:
    return "\n".join(
        [
            f"- date: {date.today().isoformat()}",
            f"- cores: {os.cpu_count()}; CPU: {cpu_model()}",
            f"- load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
            f"- Python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas_info()}",
        ]
    )


def torch_available() -> bool:
    """Whether torch is installed (it is optional: the torch baselines are skipped without it)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True
