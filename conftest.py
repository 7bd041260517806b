"""Project-wide pytest settings for nbval.

`make test` runs nbval on the notebooks as the book build executed them (_build/jupyter_execute), so
every cell's text output must come out the same a second time. myst-nb moves the values a notebook
`glue`s out of those notebooks (into NN_topic.glue.json), so nbval must not expect them among the
reference outputs; the glued numbers themselves are pinned by each chapter's tests."""

GLUE_KEYS = tuple(
    f"application/papermill.record/{mime}"
    for mime in ("text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/svg+xml")
)


def pytest_collection_modifyitems(items):
    for item in items:
        notebook = item.parent
        if hasattr(notebook, "skip_compare") and GLUE_KEYS[0] not in notebook.skip_compare:
            notebook.skip_compare = (*notebook.skip_compare, *GLUE_KEYS)


# ----- the no-drift contract: every number a chapter's prose quotes is read by one of its tests ----------
import importlib  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402


class ReadTracker(dict):
    """A chapter's numbers() that remembers which names the tests read."""

    def __init__(self, numbers: dict):
        super().__init__(numbers)
        self.read: set[str] = set()

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)

    def unread(self) -> set[str]:
        return set(self) - self.read


def _whole_module_selected(config) -> bool:
    """Only a full run of a test file can tell whether every name was read (not one chosen with -k or ::)."""
    worker = getattr(config, "workerinput", None)  # under xdist, each file must run whole in one worker
    if worker is not None and not re.search(r"--dist[= ](loadfile|loadscope)", " ".join(worker["mainargv"])):
        return False
    return not config.getoption("keyword") and not any("::" in arg for arg in config.args)


@pytest.fixture(scope="module")
def numbers(request):
    """The numbers() of the chapter a tests/test_chapter_<topic>.py file tests. At the end of the file,
    every name must have been read by some test: that is how each glued value is pinned."""
    topic = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_chapter_")
    tracked = ReadTracker(importlib.import_module(f"optim_core.chapters.{topic}").numbers())
    yield tracked
    if _whole_module_selected(request.config):
        assert not tracked.unread(), f"numbers() of {topic} that no test reads: {sorted(tracked.unread())}"
