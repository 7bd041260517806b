"""Code behind the chapters, one module per chapter: the experiments whose numbers the prose
quotes (and the tests pin), and the chapter's playground.

A module registers its playground with `@register("key")`; `get("key")` builds it again, which is
how the browser tests check what a static page draws against a fresh `optim_core` run.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from optim_core.playground import Playground

REGISTRY: dict[str, Callable[[], Playground]] = {}


def register(key: str):
    """Record a function that builds the playground `key` (its Playground must carry that key)."""

    def wrap(build):
        REGISTRY[key] = build
        return build

    return wrap


def keys() -> list[str]:
    """The keys of every chapter's playground (importing every chapter module registers them)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return sorted(REGISTRY)


def get(key: str) -> Playground:
    """Build the playground registered as `key`."""
    if key not in keys():
        raise KeyError(f"no playground {key!r}; known: {sorted(REGISTRY)}")
    return REGISTRY[key]()
