"""Build and test times: a clean `make book` (every notebook executed), a rebuild with nothing
changed (Jupyter Book's execution cache), and `make test`. Each is one run of the real command."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from benchmarks.common import seconds, table

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, done.returncode


def run(quick: bool = False) -> str:
    if quick:
        return "## Build and test\n\n(skipped in the quick smoke run)"
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    rows = []
    for label, command, goal in [
        ("clean `make book` (executes every notebook)", ["make", "book"], 120),
        ("`make book` again, nothing changed", ["make", "book"], 20),
        ("`make test` (lint, book from cache, all tests)", ["make", "test"], 300),
    ]:
        elapsed, code = timed(command)
        rows.append([label, seconds(elapsed), f"{goal} s", "yes" if elapsed <= goal else "no", code])
    return (
        "## Build and test\n\n"
        "The clean build starts without `_build/` (the vendored JavaScript stays) and executes the notebooks "
        "one per core with jupyter-cache's parallel executor before Jupyter Book builds the site from "
        "that cache.\n\n" + table(["command", "time", "goal", "within goal", "exit code"], rows)
    )
