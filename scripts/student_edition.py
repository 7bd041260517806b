"""The student edition: the chapter notebooks without their solutions, packed with optim_core as one zip.

    python3 scripts/student_edition.py [OUT_DIR]        (default: _build/student; `make student`)

It writes OUT_DIR/optimizers-computed-student/ and the same folder as OUT_DIR/optimizers-computed-student.zip:

    notebooks/NN_topic.ipynb   each chapter with every solution cell replaced by an empty answer cell, no outputs
    optim_core/, pyproject.toml  the library the notebooks import, as source, so that `pip install .` works
    constraints.txt            the package versions the book was built and tested with
    README.md, Makefile        how to install and open the notebooks (from scripts/student/)
    LICENSE

The notebooks follow one layout for exercises (CONTRIBUTING.md, checked by tests/test_chapter_contract.py):
each exercise is a markdown cell starting with "**N.", and its solution is the next cell, holding only a
{admonition} Solution with :class: dropdown. Anything that looks like a solution elsewhere stops the
script, so a solution written another way can never reach the students.

Only the standard library is used, so `make student` needs no virtual environment.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "optimizers-computed-student"
TEMPLATES = ROOT / "scripts" / "student"
COPIED = ["LICENSE", "pyproject.toml", "constraints.txt"]
# What a student installs besides optim_core (whose own dependencies are numpy, matplotlib, ipywidgets):
# JupyterLab to run the notebooks, scikit-learn for the digits data, myst-nb for the hidden glue cell.
STUDENT_PACKAGES = ["jupyterlab", "scikit-learn", "myst-nb"]

EXERCISE = re.compile(r"\*\*(\d+)\.")
SOLUTION = re.compile(r"(`{3,})\{admonition\} Solution\n:class: dropdown\n.*\n\1", re.S)
LOOKS_LIKE_A_SOLUTION = re.compile(r"\{admonition\}\s*Solution|:class:\s*dropdown", re.I)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that two builds give the same zip


def source(cell: dict) -> str:
    return "".join(cell["source"])


def is_solution(cell: dict) -> bool:
    return cell["cell_type"] == "markdown" and SOLUTION.fullmatch(source(cell).strip()) is not None


def exercise_number(cell: dict) -> int | None:
    match = EXERCISE.match(source(cell)) if cell["cell_type"] == "markdown" else None
    return int(match[1]) if match else None


def answer_cell(number: int) -> dict:
    """The empty cell a student fills in; a comment, so that running the notebook runs past it."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": f"answer-{number}",
        "metadata": {},
        "outputs": [],
        "source": [f"# Exercise {number}: your answer here (code, or change the cell to Markdown for text)."],
    }


def without_outputs(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return cell


def student_notebook(notebook: dict, name: str = "notebook") -> dict:
    """The notebook with each solution cell replaced by an answer cell for its exercise, and no outputs."""
    cells, exercise = [], None
    for cell in notebook["cells"]:
        if is_solution(cell):
            if exercise is None:
                raise ValueError(f"{name}: a solution that does not follow its exercise cell")
            cells.append(answer_cell(exercise))
            exercise = None
            continue
        if LOOKS_LIKE_A_SOLUTION.search(source(cell)):
            raise ValueError(f"{name}: a solution outside the layout of CONTRIBUTING.md: {source(cell)[:80]!r}")
        exercise = exercise_number(cell)
        cells.append(without_outputs(cell))
    return {**copy.deepcopy(notebook), "cells": cells}


def chapters() -> list[Path]:
    return sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def fill(template: str) -> str:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return template.replace("{version}", version).replace("{packages}", " ".join(STUDENT_PACKAGES))


def write_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "notebooks").mkdir(parents=True)
    for path in chapters():
        notebook = student_notebook(json.loads(path.read_text()), path.name)
        (folder / "notebooks" / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    for template in sorted(TEMPLATES.iterdir()):
        (folder / template.name).write_text(fill(template.read_text()))
    for name in COPIED:
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "optim_core", folder / "optim_core", ignore=shutil.ignore_patterns("__pycache__"))


def write_zip(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{NAME}/{path.relative_to(folder).as_posix()}", ZIP_DATE)
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


def build(out_dir: Path) -> Path:
    """Write the student folder and its zip under out_dir; return the zip's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    folder, archive = out_dir / NAME, out_dir / f"{NAME}.zip"
    write_folder(folder)
    write_zip(folder, archive)
    return archive


if __name__ == "__main__":
    archive = build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "student")
    print(f"wrote {archive.relative_to(Path.cwd()) if archive.is_relative_to(Path.cwd()) else archive}")
