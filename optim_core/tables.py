"""Markdown tables, and numbers written as the prose shows them, for the results the chapters print."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> str:
    """A Markdown table with one line per row; cells are written with str().

    align has one letter per column, "l" or "r" (numbers read best right-aligned); columns it does not
    reach are left-aligned.
    """
    width = len(header)
    if not set(align) <= {"l", "r"} or len(align) > width:
        raise ValueError(f"align must be at most {width} letters, each 'l' or 'r' (got {align!r})")
    rules = [("---:" if a == "r" else "---") for a in align.ljust(width, "l")[:width]]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rules) + " |"]
    for row in rows:
        cells = [str(c) for c in row]
        if len(cells) != width:
            raise ValueError(f"each row must have {width} cells like the header (got {len(cells)}: {cells})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def pretty(value, compact: bool = False) -> str:
    """A number as prose shows it: an integer as it is; otherwise 3 significant digits (no decimals from 100
    on), or m × 10ⁿ with one decimal below 10⁻³ and from 10⁴ on (10ⁿ alone when m is 1). Minus signs are
    typographic (−); compact drops the spaces around × (for table cells)."""
    if isinstance(value, (int, np.integer)):
        return str(value).replace("-", "−")
    value = float(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return (f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}").replace("-", "−")
    mantissa, exponent = f"{value:.1e}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    mantissa = mantissa.replace("-", "−")
    if mantissa in ("1.0", "−1.0"):
        return mantissa.replace("1.0", "") + power
    return f"{mantissa}×{power}" if compact else f"{mantissa} × {power}"
