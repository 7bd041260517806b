"""The torch requirement helper: a skip on a reader's machine, a failure in CI."""

import sys

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
