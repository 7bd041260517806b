"""Code behind the chapters, one module per chapter: the experiments whose numbers the prose
quotes (and the tests pin), and the chapter's playground.

A module registers its playground with `@register("key")`; `get("key")` builds it again, which is
how the browser tests check what a static page draws against a fresh `optim_core` run.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from optim_core.widgets import Playground

REGISTRY: dict[str, Callable[[], Playground]] = {}


def register(key: str):
    """Record a function that builds the playground `key` (its Playground must carry that key)."""

    def wrap(build):
        REGISTRY[key] = build
        return build

    return wrap


def get(key: str) -> Playground:
    """Build the playground registered as `key` (importing every chapter module first)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    if key not in REGISTRY:
        raise KeyError(f"no playground {key!r}; known: {sorted(REGISTRY)}")
    return REGISTRY[key]()
