"""The chapter contract (CONTRIBUTING.md), checked the same way for every chapter: the module's shape,
no chapter importing another, the no-drift link between the prose's {glue} names and numbers(), one
hidden glue cell, numbered and captioned figures, the library's update rule and a visible loop, a
summary card, cross-references instead of chapter numbers written by hand, and one layout for exercises."""

import ast
import importlib
import json
import re

import pytest
from book_files import CHAPTERS, ROOT, cells, glued_names, notebook, source, tags, topic

MODULES = ROOT / "optim_core" / "chapters"
MAX_MODULE_LINES = 450  # a chapter module much longer than this still holds library code
OPTIMIZER_CHAPTERS = CHAPTERS[1:7]  # GD .. Adam: one optimizer each, so the full summary card applies
CARD_LABELS = ("Rule", "Invariant to", "Fails when", "Defaults", "When it fails, use")


def visible_code(chapter):
    hidden = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
    return [source(c) for c in cells(chapter, "code") if not hidden & set(tags(c))]


def markdown(chapter):
    return "\n".join(source(c) for c in cells(chapter, "markdown"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_chapter_module_imports_another(chapter):
    tree = ast.parse((MODULES / f"{topic(chapter)}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "optim_core.chapters":
            assert {a.name for a in node.names} <= {"register"}, f"imports {[a.name for a in node.names]}"
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        assert not any(n.startswith("optim_core.chapters.") for n in names), f"imports {names}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_module_has_the_contracts_parts(chapter):
    path = MODULES / f"{topic(chapter)}.py"
    module = importlib.import_module(f"optim_core.chapters.{topic(chapter)}")
    assert module.__doc__ and len(module.__doc__.strip()) > 40, "a docstring saying what the chapter shows"
    assert callable(getattr(module, "numbers", None)), "numbers() -> every value the prose quotes"
    assert callable(getattr(module, "playground", None)), "playground()"
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: move what is not about this chapter into the library"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glued_names_are_exactly_the_numbers_computed(chapter):
    """No drift: every {glue} name in the prose is computed by numbers(), and numbers() computes nothing
    the prose does not quote. (That each one is pinned is checked by the `numbers` fixture.)"""
    module = importlib.import_module(f"optim_core.chapters.{topic(chapter)}")
    computed, quoted = set(module.numbers()), glued_names(chapter)
    assert quoted - computed == set(), "quoted by the prose but not computed by numbers()"
    assert computed - quoted == set(), "computed by numbers() but never quoted"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chapters_tests_read_its_numbers(chapter):
    tree = ast.parse((ROOT / "tests" / f"test_chapter_{topic(chapter)}.py").read_text())
    users = [
        f.name
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef) and f.name.startswith("test") and "numbers" in [a.arg for a in f.args.args]
    ]
    assert users, "no test takes the `numbers` fixture, so no glued value is pinned"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_all_glue_is_in_one_hidden_cell(chapter):
    glue_cells = [c for c in cells(chapter, "code") if "glue" in source(c)]
    assert len(glue_cells) == 1, "exactly one cell glues"
    assert "remove-cell" in tags(glue_cells[0])
    assert re.search(r"glue_numbers\(ch\.numbers\(\)", source(glue_cells[0]))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_is_numbered_captioned_described_and_referenced(chapter):
    text = markdown(chapter)
    figures = [c for c in cells(chapter, "code") if re.search(r"_figure\(", source(c))]
    assert figures, "a chapter shows its experiments in figures"
    for cell in figures:
        meta = cell.get("metadata", {}).get("mystnb", {})
        name = meta.get("figure", {}).get("name", "")
        assert name.startswith("fig-"), f"figure cell without a name: {source(cell)[:60]!r}"
        assert len(meta["figure"].get("caption", "")) > 20, f"{name}: no caption"
        assert len(meta.get("image", {}).get("alt", "")) > 20, f"{name}: no alt text"
        referenced = f"{{numref}}`{name}`" in text or re.search(rf"\{{numref\}}`[^`<]*<{name}>`", text)
        assert referenced, f"{name}: not referenced with {{numref}}"


@pytest.mark.parametrize("chapter", CHAPTERS[1:])
def test_update_rule_is_the_library_source_and_a_loop_is_visible(chapter):
    text = markdown(chapter)
    assert re.search(r"\{literalinclude\} \.\./optim_core/\w+\.py\n:pyobject: \w+", text), "the step's source"
    code = "\n".join(visible_code(chapter))
    loop = re.search(r"\.init\(", code) and re.search(r"\.update\(", code)
    assert loop or re.search(r"\brun\(", code), "a visible loop or batched run the reader can change"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_summary_card(chapter):
    text = markdown(chapter)
    card = re.search(r":::\{admonition\} Summary card\n:class: summary-card\n(.*?)\n:::", text, re.S)
    assert card, "a summary card (see CONTRIBUTING.md)"
    if chapter in OPTIMIZER_CHAPTERS:
        for label in CARD_LABELS:
            assert f"**{label}:**" in card.group(1), label


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_cross_references_are_links_not_numbers(chapter):
    found = re.findall(r"\b[Cc]hapters? \d+", markdown(chapter))
    assert found == [], "refer to chapters with {doc}`NN_topic`"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_visible_cell_prints_a_raw_dict_or_tuple(chapter):
    executed = ROOT / "_build" / "jupyter_execute" / "book" / f"{chapter}.ipynb"
    if not executed.exists():
        pytest.skip("needs the executed notebook: run `make book` first")
    for cell in json.loads(executed.read_text())["cells"]:
        if cell["cell_type"] != "code" or "remove-cell" in tags(cell):
            continue
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if "image/png" in out.get("data", {}) or "text/html" in out.get("data", {}):
                continue
            assert not re.match(r"\s*[\{\(]", text), f"prints a raw dict or tuple: {text[:80]!r}"


SOLUTION_CELL = re.compile(r"```\{admonition\} Solution\n:class: dropdown\n.+\n```", re.S)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercises_and_solutions_follow_one_layout(chapter):
    """CONTRIBUTING.md, point 9: a `## Exercises` cell, then per exercise a cell starting `**N.` and a cell
    holding only its Solution dropdown; scripts/student_edition.py relies on this to remove the solutions."""
    texts = [source(c) if c["cell_type"] == "markdown" else "" for c in notebook(chapter)["cells"]]
    headings = [i for i, t in enumerate(texts) if t.strip() == "## Exercises"]
    assert len(headings) == 1, "one markdown cell holding only '## Exercises'"
    after, n = texts[headings[0] + 1 :], 0
    while after and re.match(r"\*\*\d+\.", after[0]):
        n += 1
        assert after[0].startswith(f"**{n}."), f"exercise {n} is numbered {after[0][:6]!r}"
        assert len(after) > 1 and SOLUTION_CELL.fullmatch(after[1].strip()), f"exercise {n}: its solution cell"
        after = after[2:]
    assert 2 <= n <= 4, f"{n} exercises"
    assert all(t.startswith("## ") for t in after), "after the last solution only a new section (References)"
    solutions = sum(bool(SOLUTION_CELL.fullmatch(t.strip())) for t in texts)
    dropdowns = sum(t.count(":class: dropdown") + t.count("{admonition} Solution") for t in texts)
    assert solutions == n and dropdowns == 2 * n, "a solution or dropdown outside the exercises' layout"
