"""The torch requirement helper: a skip on a reader's machine, a failure in CI."""

import ast
import sys
from pathlib import Path

import pytest
from torch_support import require_torch


@pytest.fixture
def no_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError


def test_skips_without_torch(no_torch, monkeypatch):
    monkeypatch.delenv("OPTIM_REQUIRE_TORCH", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"torch not installed: pip install -r requirements-torch.txt"):
        require_torch()


def test_fails_without_torch_when_required(no_torch, monkeypatch):
    monkeypatch.setenv("OPTIM_REQUIRE_TORCH", "1")
    with pytest.raises(pytest.fail.Exception, match=r"OPTIM_REQUIRE_TORCH=1 but torch not installed"):
        require_torch()


def torch_imports(source: str) -> list[int]:
    """Line numbers of every `import torch...` / `from torch... import` in a Python source."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "torch" or name.startswith("torch.") for name in names):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_every_form_of_torch_import():
    source = "import torch\nimport numpy, torch.nn\nfrom torch import optim\ndef f():\n    from torch.optim import SGD"
    assert torch_imports(source) == [1, 2, 3, 5]
    assert torch_imports("import torch_support\nfrom torch_support import require_torch\n") == []


def test_no_test_imports_torch_except_through_require_torch():
    """A direct `import torch` in a test fails on a reader's machine without torch, and CI, which always
    has torch, never notices (issue 11). Every test must get torch from require_torch()."""
    tests = Path(__file__).resolve().parent
    offenders = [
        f"{path.relative_to(tests.parent)}:{line}"
        for path in sorted(tests.rglob("*.py"))
        if path.name != "torch_support.py"
        for line in torch_imports(path.read_text())
    ]
    assert offenders == [], f"import torch through torch_support.require_torch(), not directly: {offenders}"
