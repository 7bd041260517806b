"""The API reference page (book/api.md) as built: it documents every public name of the library's
modules, with the docstring of the optim_core being tested, and each optimizer's entry shows its
update rule and the paper it comes from. It reads the built HTML (`make book` first)."""

import ast
import importlib
import inspect
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from optim_core.base import Optimizer

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("OPTIM_SITE", ROOT / "_build" / "html"))  # as tests/browser/conftest.py
PAGE = SITE / "book" / "api.html"

# Modules documented whole, and the few names documented from the playground module.
MODULES = [
    "base", "gd", "momentum", "adagrad", "rmsprop", "signgd", "adam", "lion", "run", "problems", "models",
    "schedules", "ema", "tuning", "measure", "theory", "noise", "curvature", "invariance", "online",
]  # fmt: skip
PLAYGROUND_NAMES = ["Slider", "Playground", "tuned_race"]
OPTIMIZER_MODULES = ["gd", "momentum", "adagrad", "rmsprop", "signgd", "adam", "lion"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Entries(HTMLParser):
    """The text of every autodoc entry: the `<dd>` that follows a `<dt id="optim_core....">`."""

    def __init__(self):
        super().__init__()
        self.depth, self.pending, self.open, self.text = 0, None, {}, {}

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.depth += 1
        ident = dict(attrs).get("id") or ""
        if tag == "dt" and ident.startswith("optim_core."):
            self.pending = (ident, self.depth)
        elif tag == "dd" and self.pending and self.pending[1] == self.depth:
            self.open[self.pending[0]] = self.depth
            self.text[self.pending[0]] = []
            self.pending = None

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for ident in [i for i, d in self.open.items() if d == self.depth]:
            del self.open[ident]
        self.depth -= 1

    def handle_data(self, data):
        for ident in self.open:
            self.text[ident].append(data)


@pytest.fixture(scope="module")
def entries() -> dict[str, str]:
    if not PAGE.is_file():
        pytest.fail(f"{PAGE} is not built: run `make book` first", pytrace=False)
    parser = _Entries()
    parser.feed(PAGE.read_text())
    return {ident: _words("".join(parts)) for ident, parts in parser.text.items()}


def public_names(module) -> list[str]:
    """`__all__` if the module defines it, else the names its own source binds at the top level
    (functions, classes, constants; not imports) that do not start with an underscore."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    names = []
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def documented() -> list[str]:
    names = [f"optim_core.{m}.{n}" for m in MODULES for n in public_names(importlib.import_module(f"optim_core.{m}"))]
    return names + [f"optim_core.playground.{n}" for n in PLAYGROUND_NAMES]


# Sphinx's smart quotes, dashes and ellipsis, back to what the docstrings type.
QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "--", "—": "---", "…": "..."})


def _words(text: str) -> str:
    """Text as the page shows it, for comparison: no backticks, straight quotes (Sphinx curls them), single
    spaces."""
    return " ".join(text.replace("`", "").translate(QUOTES).split())


def test_public_names_are_found():
    names = documented()
    assert "optim_core.gd.GD" in names and "optim_core.problems.RAVINE" in names
    assert not any(n.split(".")[-1].startswith("_") for n in names)
    assert "optim_core.problems.np" not in names  # an import is not a public name of the module


@pytest.mark.parametrize("name", documented())
def test_every_public_name_has_an_entry_with_its_docstring(entries, name):
    assert name in entries, f"{name} is not documented on the API page"
    module, attr = name.rsplit(".", 1)
    obj = getattr(importlib.import_module(module), attr)
    own = (inspect.isclass(obj) or inspect.isroutine(obj)) and obj.__module__ == module
    doc = inspect.getdoc(obj) if own else None
    if doc:  # the page shows the docstring of this optim_core (the worktree's copy, not another install)
        first_line = _words(doc.split("\n\n")[0]).removesuffix("::").strip()
        assert first_line in entries[name]
    else:  # a constant or an alias: its `#:` comment
        assert entries[name], f"{name} has no description"


def test_every_name_the_package_exports_is_documented(entries):
    import optim_core

    for name in optim_core.__all__:
        obj = getattr(optim_core, name)
        assert f"{obj.__module__}.{name}" in entries, name


def optimizers() -> list[str]:
    found = []
    for m in OPTIMIZER_MODULES:
        module = importlib.import_module(f"optim_core.{m}")
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Optimizer) and obj.__module__ == module.__name__:
                found.append(f"{module.__name__}.{name}")
    return found


def test_the_optimizers_are_found():
    assert {"optim_core.gd.GD", "optim_core.adam.AdamW", "optim_core.signgd.EFSignGD"} <= set(optimizers())
    assert len(optimizers()) == 9


# An author and a year in one clause: "Kingma & Ba, 2015", "Cauchy (1847)", "Chen et al., 2023".
CITATION = re.compile(r"\b[A-Z][a-z]+\b(?: et al\.)?[^.;]{0,60}?\b(18|19|20)\d\d\b")


@pytest.mark.parametrize("name", optimizers())
def test_each_optimizer_entry_shows_its_update_rule_and_a_paper(entries, name):
    text = entries[name]
    assert "w_t = w_{t-1}" in text, f"{name}: no update rule"
    assert CITATION.search(text), f"{name}: no citation (an author and a year)"


def test_the_citation_pattern_tells_a_paper_from_none():
    assert CITATION.search("signSGD (Bernstein et al., 2018).")
    assert not CITATION.search("Move each coordinate by lr against the sign of its gradient, 1e-8.")


def test_the_page_is_in_the_reference_part_of_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    reference = [p for p in toc["parts"] if p["caption"] == "Reference"]
    assert reference and "book/api" in [c["file"] for c in reference[0]["chapters"]]
    intro = (SITE / "book" / "intro.html").read_text()
    assert re.search(r'<a class="reference internal" href="api\.html">', intro), "the sidebar does not link the page"
