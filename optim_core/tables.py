"""Markdown tables, for the results the chapters print (notebooks show them with IPython's Markdown)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


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
