"""The student edition (`make student`, scripts/student_edition.py): the zip holds every chapter notebook
with no solution text left, every other cell as in the book, no outputs, and a copy of optim_core that
`pip install .` installs whole; the student notebooks run with that copy.

Time: 20 to 45 s on two busy cores, most of it executing 01_ema and the import cells of the other
chapters. The other notebooks' code cells are the book's own (checked cell by cell here), which
`make book` and nbval run. OPTIM_STUDENT_EXECUTE_ALL=1 runs every student notebook in full (about
15 minutes on two busy cores, since the playgrounds then compute live).
"""

import ast
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
import zipfile

import nbformat
import pytest
from book_files import CHAPTERS, ROOT, notebook, source
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts" / "student_edition.py")
student_edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_edition)

EXECUTED_IN_FULL = CHAPTERS if os.environ.get("OPTIM_STUDENT_EXECUTE_ALL") == "1" else ["01_ema"]


def is_solution(cell):
    """Written here independently of the script: a markdown cell that opens a Solution admonition."""
    return cell["cell_type"] == "markdown" and source(cell).lstrip().startswith("```{admonition} Solution")


def is_answer(cell):
    return cell["cell_type"] == "code" and cell["id"].startswith("answer-")


def solution_body(cell):
    """The solution's text without the fence and the option line."""
    lines = source(cell).strip().split("\n")
    assert lines[1] == ":class: dropdown"
    return "\n".join(lines[2:-1]).strip()


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The zip written by the script, unpacked: (its root folder, {chapter: student notebook})."""
    archive = student_edition.build(tmp_path_factory.mktemp("student"))
    unpacked = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(archive) as zf:
        assert {n.split("/")[0] for n in zf.namelist()} == {student_edition.NAME}, "one folder in the zip"
        zf.extractall(unpacked)
    root = unpacked / student_edition.NAME
    notebooks = {c: json.loads((root / "notebooks" / f"{c}.ipynb").read_text()) for c in CHAPTERS}
    return root, notebooks


def all_text(root):
    """Every file of the edition as text; notebooks as the text of their cells."""
    texts = {}
    for path in root.rglob("*"):
        if path.suffix == ".ipynb":
            texts[path] = "\n".join(
                json.dumps(c, ensure_ascii=False) + source(c) for c in json.loads(path.read_text())["cells"]
            )
        elif path.is_file():
            texts[path] = path.read_text()
    return texts


def test_the_zip_holds_the_notebooks_the_library_and_the_instructions(edition):
    root, _ = edition
    assert sorted(p.stem for p in (root / "notebooks").iterdir()) == CHAPTERS
    for name in ("README.md", "Makefile", "LICENSE", "pyproject.toml", "constraints.txt"):
        assert (root / name).is_file(), name
    for name in ("LICENSE", "pyproject.toml", "constraints.txt"):
        assert (root / name).read_bytes() == (ROOT / name).read_bytes(), name
    ours = {p.relative_to(ROOT): p.read_bytes() for p in (ROOT / "optim_core").rglob("*.py")}
    theirs = {p.relative_to(root): p.read_bytes() for p in (root / "optim_core").rglob("*.py")}
    assert theirs == ours, "optim_core in the zip differs from the repository's"
    readme = (root / "README.md").read_text()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert "make lab" in readme and f"version {version}" in readme
    install = f"pip install -c constraints.txt . {' '.join(student_edition.STUDENT_PACKAGES)}"
    assert install in readme and install in (root / "Makefile").read_text()
    assert "{" + "packages}" not in readme + (root / "Makefile").read_text(), "a template placeholder is left"


def test_no_solution_text_survives(edition):
    root, _ = edition
    texts = all_text(root)
    solutions = 0
    for chapter in CHAPTERS:
        cells = notebook(chapter)["cells"]
        elsewhere = "\n".join(source(c) for c in cells if not is_solution(c))
        for cell in filter(is_solution, cells):
            solutions += 1
            body = solution_body(cell)
            # The whole solution, and each of its lines that the rest of the chapter does not also hold.
            own_lines = [ln for ln in body.split("\n") if len(ln.strip()) >= 20 and ln not in elsewhere]
            assert own_lines, f"{chapter}: a solution with no line of its own to search for"
            for path, text in texts.items():
                assert body not in text, f"{chapter}: a solution is in {path.name}"
                for line in own_lines:
                    assert line not in text, f"{chapter}: {line!r} is in {path.name}"
    assert solutions >= 2 * len(CHAPTERS)
    assert not any("{admonition} Solution" in t or ":class: dropdown" in t for t in texts.values())


def test_everything_else_is_unchanged_cell_by_cell(edition):
    _, notebooks = edition
    for chapter in CHAPTERS:
        original, student = notebook(chapter), notebooks[chapter]
        assert {k: v for k, v in student.items() if k != "cells"} == {k: v for k, v in original.items() if k != "cells"}
        kept = [c for c in original["cells"] if not is_solution(c)]
        for cell in kept:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        assert [c for c in student["cells"] if not is_answer(c)] == kept, chapter
        # Each answer cell stands where its solution stood, after the exercise it answers.
        solutions = [i for i, c in enumerate(original["cells"]) if is_solution(c)]
        answers = [i for i, c in enumerate(student["cells"]) if is_answer(c)]
        assert answers == solutions, chapter
        for n, i in enumerate(answers, 1):
            assert source(student["cells"][i - 1]).startswith(f"**{n}."), f"{chapter}: answer {n} follows exercise {n}"


def test_no_outputs_and_answer_cells_run_as_no_ops(edition):
    _, notebooks = edition
    for chapter, nb in notebooks.items():
        nbformat.validate(nbformat.from_dict(nb))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, chapter
            if is_answer(cell):
                assert ast.parse(source(cell)).body == [], f"{chapter}: an answer cell must hold only a comment"


def test_pip_install_dot_installs_all_of_optim_core(edition, tmp_path):
    """A wheel built from the unpacked zip, as `pip install .` builds it, holds every module."""
    # Built offline with the environment's setuptools (Python 3.11's venv has it; 3.12's does not).
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools in the environment")
    root, _ = edition
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(root)]
    subprocess.run([*command, "-w", str(tmp_path)], check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("optim_core-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = {n for n in zf.namelist() if n.startswith("optim_core/")}
    expected = {p.relative_to(root).as_posix() for p in (root / "optim_core").rglob("*.py")}
    assert in_wheel == expected


def distribution_closure(names):
    """The installed distributions `names` bring, with everything they require (extras left out)."""
    seen, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for requirement in importlib.metadata.requires(name) or []:
            req = Requirement(requirement)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_the_packages_the_readme_names_provide_every_import(edition):
    root, notebooks = edition
    sources = [p.read_text() for p in (root / "optim_core").rglob("*.py")]
    sources += [source(c) for nb in notebooks.values() for c in nb["cells"] if c["cell_type"] == "code"]
    modules = set()
    for text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - {"optim_core", "__future__"}
    assert {"numpy", "matplotlib", "sklearn", "myst_nb"} <= third_party
    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    provided = distribution_closure([Requirement(d).name for d in declared] + student_edition.STUDENT_PACKAGES)
    where = importlib.metadata.packages_distributions()
    for module in sorted(third_party):
        assert {canonicalize_name(d) for d in where[module]} & provided, f"nothing the student installs gives {module}"


def execute(nb, cwd):
    client = NotebookClient(
        nbformat.reads(json.dumps(nb), as_version=4), timeout=600, resources={"metadata": {"path": str(cwd)}}
    )
    return client.execute()


def printed(cell):
    return "".join(o.get("text", "") for o in cell["outputs"] if o["output_type"] == "stream")


WHICH_OPTIM_CORE = "import optim_core\nprint(optim_core.__file__)"


@pytest.fixture
def student_kernel_env(edition, monkeypatch):
    """The kernel imports optim_core from the unpacked zip, and runs the live playgrounds as a student would."""
    root, _ = edition
    monkeypatch.setenv("PYTHONPATH", str(root))
    monkeypatch.delenv("OPTIM_CORE_STATIC_PLAYGROUNDS", raising=False)
    return root


@pytest.mark.parametrize("chapter", EXECUTED_IN_FULL)
def test_a_student_notebook_runs_to_the_end_with_the_zips_optim_core(edition, student_kernel_env, chapter):
    root = student_kernel_env
    nb = json.loads(json.dumps(edition[1][chapter]))
    nb["cells"].append(nbformat.v4.new_code_cell(WHICH_OPTIM_CORE))
    ran = execute(nb, root / "notebooks")
    assert printed(ran.cells[-1]).strip().startswith(str(root / "optim_core")), "the zip's optim_core was not used"


def test_every_student_notebook_imports_and_its_answer_cells_run(edition, student_kernel_env):
    """One kernel runs each chapter's import cell and answer cells: what the full runs above leave out
    is the book's own code, run by `make book`."""
    root = student_kernel_env
    cells, answers = [], 0
    for chapter, nb in edition[1].items():
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert "from optim_core" in source(code[0]), f"{chapter}: the first code cell imports the chapter"
        answers += sum(map(is_answer, code))
        cells += [{**c, "id": f"{chapter}-{c['id']}"} for c in code if c is code[0] or is_answer(c)]
    assert answers >= 2 * len(CHAPTERS)
    cells.append(nbformat.v4.new_code_cell(WHICH_OPTIM_CORE))
    ran = execute({**edition[1][CHAPTERS[0]], "cells": cells}, root / "notebooks")
    assert printed(ran.cells[-1]).strip().startswith(str(root / "optim_core"))
