"""Execute the book's notebooks into Jupyter Book's execution cache, one notebook per core.

    python scripts/execute_notebooks.py CACHE_DIR NOTEBOOK...

Jupyter Book 1 executes notebooks one after another. jupyter-cache (the cache it uses) can run them
in parallel; the build then finds every notebook already executed, since both hash a notebook the
same way. Notebooks whose code is unchanged since their cached run are not executed again. A
notebook that fails here is reported and left out of the cache, so the build runs it again and
stops with its error (`nb_execution_raise_on_error`).
"""

from __future__ import annotations

import logging
import sys
import time

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

TIMEOUT = 600  # seconds per notebook, as `execute: timeout` in _config.yml


def main(cache_dir: str, notebooks: list[str]) -> None:
    cache = get_cache(cache_dir)
    # The project is exactly the notebooks given: a renamed or deleted one drops out of it.
    for record in cache.list_project_records():
        cache.remove_nb_from_project(record.pk)
    for path in notebooks:
        cache.add_nb_to_project(path)
    logger = logging.getLogger("execute_notebooks")
    logger.setLevel(logging.WARNING)  # failures (with their traceback) are printed, progress is not
    start = time.perf_counter()
    result = load_executor("local-parallel", cache, logger=logger).run_and_cache(timeout=TIMEOUT)
    failed = result.excepted + result.errored
    print(
        f"executed {len(result.succeeded)} notebook(s) in {time.perf_counter() - start:.1f} s, "
        f"{len(notebooks) - len(result.succeeded) - len(failed)} unchanged"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
