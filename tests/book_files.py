"""The book's chapters and their files, for the tests that check every chapter the same way."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [
    "01_ema",
    "02_gradient_descent",
    "03_momentum",
    "04_adagrad",
    "05_rmsprop",
    "06_sign_updates",
    "07_adam",
    "08_comparison",
    "09_training_digits",
    "10_when_adam_fails",
    "11_schedules",
    "12_practical_guide",
]
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([A-Za-z_]\w*)")


def topic(chapter: str) -> str:
    """'04_adagrad' -> 'adagrad', the name of its module in optim_core/chapters/."""
    return chapter[3:]


def notebook(chapter: str) -> dict:
    return json.loads((ROOT / "book" / f"{chapter}.ipynb").read_text())


def cells(chapter: str, kind: str) -> list[dict]:
    return [c for c in notebook(chapter)["cells"] if c["cell_type"] == kind]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def glued_names(chapter: str) -> set[str]:
    """Every name the chapter's prose quotes with a {glue...} role (figure captions included)."""
    texts = [source(c) for c in cells(chapter, "markdown")]
    texts += [str(c.get("metadata", {}).get("mystnb", "")) for c in cells(chapter, "code")]
    return {name for text in texts for name in GLUE_ROLE.findall(text)}
