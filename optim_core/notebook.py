"""What a chapter notebook needs besides its chapter module: glueing the numbers its prose quotes.

Each chapter has one hidden cell (tagged `remove-cell`):

    glue_numbers(ch.numbers())

and its markdown quotes the values as {glue:text}`name:.2f`.
"""

from __future__ import annotations

import numbers as _numbers

import numpy as np


def plain(value):
    """A number as the Python int, float or bool that glue prints; strings pass through unchanged."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (_numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (_numbers.Real, np.floating)) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"a glued value must be a number or a string (got {type(value).__name__}: {value!r})")


def checked_numbers(numbers: dict, prefix: str = "") -> dict:
    """name -> plain value, with `prefix` put before every name; names must be identifiers."""
    out = {}
    for name, value in numbers.items():
        if not (isinstance(name, str) and name.isidentifier()):
            raise ValueError(f"a glued name must be an identifier (got {name!r})")
        try:
            out[prefix + name] = plain(value)
        except TypeError as exc:
            raise TypeError(f"{prefix + name}: {exc}") from None
    return out


def glue_numbers(numbers: dict, prefix: str = "") -> None:
    """Glue every value of `numbers` (a chapter's `numbers()`) under prefix + its name, without
    displaying it. Returns None, so the cell that calls it shows no output."""
    from myst_nb import glue  # imported here: the library itself does not need myst-nb

    for name, value in checked_numbers(numbers, prefix).items():
        glue(name, value, display=False)
