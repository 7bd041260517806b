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
