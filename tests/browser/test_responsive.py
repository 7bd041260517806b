"""Phones and tablets, every page of the built site in Chromium at 390 × 844 and 768 × 1024: no page scrolls
sideways (wide tables, code and math scroll inside their own box, which keyboard users can reach), and every
control of the page (theme toggle, search, sidebar toggles, download and launch buttons, copy buttons,
toggles of hidden content) is a touch target of at least 24 × 24 CSS px (WCAG 2.2, target size)."""

import pytest
from axe_check import axe_violations
from test_site import PAGES, visit  # noqa: F401  (visit is a fixture)

SIZES = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024}}
MIN_TARGET = 24  # CSS px
CONTROLS = "button, .btn, summary, .copybtn, .dropdown-toggle, [role=button], select"

# The page's controls a reader can see (or, for copy buttons, find by hovering), with their size when smaller
# than the target. The playgrounds' own controls are tested in test_playground_controls.py.
SMALL_CONTROLS = """([selector, min]) => [...document.querySelectorAll(selector)]
    .filter(el => !el.closest('.optim-playground'))
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.width > 0 && box.height > 0 && getComputedStyle(el).visibility === 'visible')
    .filter(([el, box]) => box.width < min || box.height < min)
    .map(([el, box]) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${box.width}×${box.height}`)"""


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_scrolling_and_controls_large_enough_to_touch(visit, path, size):  # noqa: F811
    v = visit(path, viewport=SIZES[size])
    scroll_width, width = v.page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert scroll_width <= width, f"the page is {scroll_width} px wide in a {width} px window"
    assert v.page.evaluate(SMALL_CONTROLS, [CONTROLS, MIN_TARGET]) == []
    # A keyboard user's first Tab gives every math box that scrolls its tab stop (scroll-focus.js).
    v.page.keyboard.press("Tab")
    assert axe_violations(v.page, only=["target-size", "scrollable-region-focusable"]) == []


# Boxes on screen that scroll: display math, and the theme's code blocks, outputs and tables (not those
# in a hidden code cell the reader has not opened).
SCROLLING_BOXES = """() => [...document.querySelectorAll('div.math mjx-container, pre, .cell_output > .output, '
        + '.pst-scrollable-table-container')]
    .filter(box => box.checkVisibility() && (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight))
    .map(box => [box.tagName.toLowerCase(), box.closest('section[id]').id, box.getAttribute('tabindex')])"""


@pytest.mark.parametrize("doc", [p[: -len(".html")] for p in PAGES if p.split("/")[-1][:2].isdigit()])
def test_boxes_that_scroll_get_a_tab_stop_once_the_reader_scrolls_near_them(visit, doc):  # noqa: F811
    """Without a key pressed, a box is checked when its section is laid out (scroll-focus.js, and the
    theme's own check as scripts/postprocess_html.mjs changes it)."""
    v = visit(f"{doc}.html", viewport=SIZES["phone"])
    # Half a screen at a time to the end (the page grows as its sections are laid out).
    for _ in range(500):
        v.page.evaluate("window.scrollBy(0, innerHeight / 2)")
        v.page.wait_for_timeout(30)
        if v.page.evaluate("scrollY + innerHeight >= document.scrollingElement.scrollHeight - 1"):
            break
    v.page.wait_for_timeout(200)
    boxes = v.page.evaluate(SCROLLING_BOXES)
    assert [box for box in boxes if box[2] != "0"] == []
    if doc.endswith("03_momentum"):
        assert {tag for tag, _, _ in boxes} >= {"mjx-container", "pre"}, "the test must see math and code that scroll"


def test_code_that_scrolls_in_a_hidden_cell_gets_a_tab_stop_when_the_reader_opens_it(visit):  # noqa: F811
    v = visit("book/01_ema.html", viewport=SIZES["phone"])
    cell = v.page.locator("#smoothing-costs-lag details.hide").first
    cell.scroll_into_view_if_needed()
    v.page.wait_for_timeout(200)
    cell.locator("summary").click()
    v.page.wait_for_timeout(200)
    pre = cell.locator("pre").first
    assert pre.evaluate("p => p.scrollWidth > p.clientWidth"), "the test needs code wider than a phone"
    assert pre.get_attribute("tabindex") == "0"
