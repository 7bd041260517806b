"""require_torch(): the torch parity tests skip without torch, or fail when CI requires it."""

import os

import pytest

TORCH_MISSING = "torch not installed: pip install -r requirements-torch.txt"


def require_torch():
    """Return the torch module, or skip the calling test module if torch is absent.

    With OPTIM_REQUIRE_TORCH=1 (set by .ci/run) a missing torch fails the run instead: in CI the parity
    tests must really run, not be skipped quietly.
    """
    try:
        import torch
    except ImportError as exc:
        if os.environ.get("OPTIM_REQUIRE_TORCH") == "1":
            pytest.fail(f"OPTIM_REQUIRE_TORCH=1 but {TORCH_MISSING} ({exc})", pytrace=False)
        pytest.skip(TORCH_MISSING, allow_module_level=True)
    return torch
