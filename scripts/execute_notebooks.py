"""Execute the book's notebooks into Jupyter Book's execution cache, one notebook per core.

    python scripts/execute_notebooks.py CACHE_DIR NOTEBOOK...

Jupyter Book 1 executes notebooks one after another. jupyter-cache (the cache it uses) can run them
in parallel; the build then finds every notebook already executed, since both hash a notebook the
same way. Notebooks whose code is unchanged since their cached run are not executed again. A
notebook that fails here is reported and left out of the cache, so the build runs it again and
stops with its error (`nb_execution_raise_on_error`).

jupyter-cache keys a notebook by its code only, so a change in optim_core would leave old outputs in
the book. The cache therefore records a hash of optim_core's source; when that changes, the cache and
Sphinx's saved environment (which would not read the unchanged notebooks again) are cleared first.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

TIMEOUT = 600  # seconds per notebook, as `execute: timeout` in _config.yml
LIBRARY = Path(__file__).resolve().parents[1] / "optim_core"
STAMP = "optim_core.sha256"


def library_hash(library: Path = LIBRARY) -> str:
    """A hash of every Python file of the library, names and contents."""
    digest = hashlib.sha256()
    for path in sorted(library.rglob("*.py")):
        digest.update(path.relative_to(library).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def clear_if_library_changed(cache_dir: Path, library: Path = LIBRARY) -> bool:
    """Empty the cache (and the doctrees beside it, _build/.doctrees) unless it was made with this
    library source; returns whether it was cleared."""
    stamp, current = cache_dir / STAMP, library_hash(library)
    if stamp.is_file() and stamp.read_text() == current:
        return False
    cleared = cache_dir.exists()
    if cleared:
        print(f"optim_core changed since {cache_dir} was filled: executing every notebook again")
        shutil.rmtree(cache_dir)
        shutil.rmtree(cache_dir.parent / ".doctrees", ignore_errors=True)
    cache_dir.mkdir(parents=True)
    stamp.write_text(current)
    return cleared


def main(cache_dir: str, notebooks: list[str]) -> None:
    clear_if_library_changed(Path(cache_dir))
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
