"""How long each chapter's notebook takes to execute in a clean `make book` (jupyter-cache records the
time of each execution; the notebooks run one per core, two at a time on this machine)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from benchmarks.common import seconds, table

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"


def execution_seconds() -> dict[str, float]:
    """notebook name -> seconds its last execution took, from Jupyter Book's execution cache."""
    from jupyter_cache import get_cache

    records = get_cache(str(CACHE)).list_cache_records()
    return {Path(r.uri).stem: float(r.data.get("execution_seconds", float("nan"))) for r in records}


def run(quick: bool = False) -> str:
    if quick:
        return "## Chapter execution times\n\n(skipped in the quick smoke run)"
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(["make", "book"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    times = execution_seconds()
    rows = [[name, seconds(t)] for name, t in sorted(times.items())]
    rows.append(["sum over chapters", seconds(sum(times.values()))])
    return (
        "## Chapter execution times\n\n"
        f"One clean `make book` (exit code {done.returncode}) took {seconds(wall)} wall time. Its notebooks ran one "
        "per core; the time of each, as jupyter-cache recorded it:\n\n" + table(["chapter", "execution"], rows)
    )
