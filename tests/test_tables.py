"""optim_core.tables: the Markdown tables the chapters print."""

import pytest

from optim_core.tables import has_words, markdown_table


def test_header_rule_and_rows():
    text = markdown_table(["name", "value"], [["a", 1], ["b", 2.5]], align="lr")
    assert text.splitlines() == ["| name | value |", "| --- | ---: |", "| a | 1 |", "| b | 2.5 |"]


def test_columns_align_does_not_reach_are_left_aligned():
    assert markdown_table(["x", "y", "z"], [], align="r").splitlines()[1] == "| ---: | --- | --- |"


@pytest.mark.parametrize("align", ["c", "lrx", "lrr"])
def test_bad_align_names_the_argument(align):
    with pytest.raises(ValueError, match="align must be at most 2 letters"):
        markdown_table(["x", "y"], [], align=align)


def test_a_row_of_the_wrong_length_is_an_error():
    with pytest.raises(ValueError, match="each row must have 2 cells"):
        markdown_table(["x", "y"], [[1, 2, 3]])


@pytest.mark.parametrize("cell", ["", " ", "$\\beta$", "$t$ $dw_t$", "**$v_t$**"])
def test_a_header_of_math_alone_is_an_error(cell):
    # typeset math shows no text an accessibility check reads: the header would count as empty
    assert not has_words(cell)
    with pytest.raises(ValueError, match="header cell needs words"):
        markdown_table(["x", cell], [])


@pytest.mark.parametrize("cell", ["step $t$", "$\\alpha^\\star$ (torch)", "β", "loss × c"])
def test_a_header_with_words_is_accepted(cell):
    assert has_words(cell)
    assert markdown_table(["x", cell], []).startswith(f"| x | {cell} |")
