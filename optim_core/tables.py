"""Markdown tables, and numbers written as the prose shows them, for the results the chapters print."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from optim_core.base import state_count


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> str:
    """A Markdown table with one line per row; cells are written with str().

    align has one letter per column, "l" or "r" (numbers read best right-aligned); columns it does not
    reach are left-aligned. Every header cell needs words outside its $...$ math: typeset math shows no
    text that an accessibility check can read, so a header of math alone counts as empty.
    """
    width = len(header)
    wordless = [h for h in header if not has_words(h)]
    if wordless:
        raise ValueError(f"each header cell needs words outside $...$ math (got {wordless})")
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


def has_words(cell: str) -> bool:
    """Whether a Markdown cell has text outside its $...$ math and its emphasis marks."""
    return bool(re.sub(r"\$[^$]*\$", "", str(cell)).strip(" *_`"))


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


# Grey text for muted rows: the theme's muted colour (at least 4.5:1 on the page in both of its themes),
# and a grey with that contrast on white where the theme is absent (in Jupyter).
MUTED = "var(--pst-color-text-muted, #595959)"


def grouped_html(header: Sequence[str], groups: dict, muted: Iterable[str] = (), css_class: str = "") -> str:
    """An HTML table whose rows come in groups, the group's label in a first cell that spans its rows (which a
    Markdown table cannot do). header: every column's title, the label column's first. groups: label (HTML
    allowed) -> its rows, each a list of cells for the other columns. A row whose first cell is in `muted`
    is shown in grey italics (a preview, a reference line)."""
    muted, width = set(muted), len(header)
    rows = []
    for label, group in groups.items():
        for i, row in enumerate(group):
            if len(row) != width - 1:
                raise ValueError(f"each row must have {width - 1} cells after the label (got {len(row)}: {row})")
            looks = ["border-top:2px solid #888"] * (i == 0) + [f"color:{MUTED}; font-style:italic"] * (row[0] in muted)
            span = f'<th rowspan="{len(group)}" style="vertical-align:top">{label}</th>' if i == 0 else ""
            cells = "".join(f"<td>{c}</td>" for c in row)
            rows.append(f'<tr style="{"; ".join(looks)}">{span}{cells}</tr>' if looks else f"<tr>{span}{cells}</tr>")
    head = "".join(f"<th>{h}</th>" for h in header)
    look = "font-size:0.9em; font-variant-numeric: tabular-nums"
    body = "".join(rows)
    return f'<table class="{css_class}" style="{look}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def state_table(optimizers: dict, n_params: float) -> str:
    """How many parameter-sized arrays each optimizer keeps between steps (label -> optimizer; counted from the
    state its `init` returns) and what they weigh for a model of n_params float32 parameters (in MB of 1e6 bytes),
    as a Markdown table."""
    header = ["optimizer", "state arrays per parameter array", f"state for {n_params / 1e6:g}M float32 parameters"]
    counts = {label: state_count(opt) for label, opt in optimizers.items()}
    cells = [[label, k, f"{k * n_params * 4 / 1e6:.0f} MB"] for label, k in counts.items()]
    return markdown_table(header, cells, align="lrr")


def median_and_range(values) -> tuple[str, str]:
    """(median, range) of counts such as steps to a tolerance, one per run, as table cells; inf stands for a run
    that never got there: it counts as larger than any count in the median, and the range says how many there were."""
    values = np.asarray(values, dtype=np.float64)
    hit, median = values[np.isfinite(values)], np.median(values)
    missed = f" ({values.size - hit.size} not reached)" if 0 < hit.size < values.size else ""
    span = (f"{hit.min():g}" + f"–{hit.max():g}" * bool(hit.max() > hit.min()) + missed) if hit.size else "not reached"
    return ("not reached" if np.isinf(median) else f"{median:g}"), span


def defaults_table(classes: dict) -> str:
    """Markdown: for each optimizer (name -> class), its hyperparameters other than the learning rate, at the
    library's defaults."""
    rows = []
    for name, cls in classes.items():
        kept = [f"{k} = {np.asarray(v).item()!r}" for k, v in cls(lr=1.0).hyperparameters().items() if k != "lr"]
        rows.append([name, f"`{', '.join(kept)}`" if kept else "(none)"])
    return markdown_table(["optimizer", "kept at the library default"], rows)
