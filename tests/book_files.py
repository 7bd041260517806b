"""The book's chapters and their files, for the tests that check every chapter the same way."""

import json
import re
from pathlib import Path

import numpy as np

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
    "09_noisy_gradients",
    "10_training_digits",
    "11_curvature",
    "12_when_adam_fails",
    "13_schedules",
    "14_practical_guide",
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


# ----- the values each chapter quotes, pinned in tests/quoted/<topic>.toml ----------------------------------
_SUPERSCRIPT_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def quoted_number(quoted) -> float:
    """A glued value as a number: numbers pass through; text written as the prose shows it ("−0.857",
    "2.4 × 10⁻¹⁴", "10⁻⁶", "1160") is read back."""
    if not isinstance(quoted, str):
        return quoted
    text = quoted.replace("−", "-").replace(" ", "")
    power = re.fullmatch(r"(?:(-?[\d.]+)×)?(-?)10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text)
    if power:
        mantissa = float(power[1] or 1.0) * (-1.0 if power[2] else 1.0)
        return mantissa * 10.0 ** int(power[3].translate(_SUPERSCRIPT_DIGITS))
    return float(text)


def assert_quoted(numbers: dict, topic: str):
    """Every entry of tests/quoted/<topic>.toml, `name = { value, rel, abs }`, against numbers[name]: within
    the tolerances (both 0 by default); an integer value with no tolerance must be glued as that integer."""
    import tomllib

    import pytest

    table = tomllib.loads((ROOT / "tests" / "quoted" / f"{topic}.toml").read_text())
    assert table, "no quoted values"
    for name, spec in table.items():
        assert set(spec) <= {"value", "rel", "abs"}, f"{name}: unknown keys {set(spec)}"
        got, expected = numbers[name], spec["value"]
        if isinstance(expected, int) and "rel" not in spec and "abs" not in spec:
            assert isinstance(got, (int, np.integer)) and got == expected, (
                f"{name}: {got!r}, expected the count {expected}"
            )
            continue
        approx = pytest.approx(expected, rel=spec.get("rel", 0), abs=spec.get("abs", 0))
        assert quoted_number(got) == approx, f"{name}: {got!r}, expected {expected} ({spec})"
