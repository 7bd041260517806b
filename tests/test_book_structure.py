"""The book's files: every chapter is in the table of contents and exists, notebooks carry no
outputs, and each chapter has the parts every chapter must have."""

import json
import re

import pytest
import yaml
from book_files import CHAPTERS, ROOT, notebook


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]


def test_every_chapter_is_in_the_toc_in_order_and_exists():
    listed = [f.removeprefix("book/") for f in toc_files() if re.match(r"book/\d\d_", f)]
    assert listed == CHAPTERS
    for name in CHAPTERS:
        assert (ROOT / "book" / f"{name}.ipynb").is_file(), name


def test_no_stray_notebooks_outside_the_toc():
    on_disk = {p.stem for p in (ROOT / "book").glob("*.ipynb")}
    assert on_disk == set(CHAPTERS)


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a cell has outputs"
            assert cell["execution_count"] is None, f"{path.name}: a cell has an execution count"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_equations_playground_exercises_solutions_and_citations(name):
    cells = notebook(name)["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "$$" in markdown, "no displayed equation"
    assert ".playground()" in code, "no playground"
    assert len(re.findall(r":class: dropdown", markdown)) >= 2, "fewer than two solutions in dropdowns"
    assert re.search(r"\{cite(:[tp])?\}`", markdown), "no citation"
    assert re.search(r"\{glue(:text)?\}`", markdown), "no computed number in the prose"


@pytest.mark.parametrize("name", CHAPTERS)
def test_playground_key_matches_the_chapter_module(name):
    topic = name[3:]
    code = "\n".join("".join(c["source"]) for c in notebook(name)["cells"] if c["cell_type"] == "code")
    assert f"optim_core.chapters import {topic}" in code
    assert (ROOT / "optim_core" / "chapters" / f"{topic}.py").is_file()
