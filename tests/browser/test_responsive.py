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


SCROLLING_MATH = """() => [...document.querySelectorAll('div.math mjx-container')]
    .filter(box => box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight)
    .map(box => [box.closest('section[id]').id, box.getAttribute('tabindex')])"""


@pytest.mark.parametrize("doc", [p[: -len(".html")] for p in PAGES if p.split("/")[-1][:2].isdigit()])
def test_math_that_scrolls_gets_a_tab_stop_once_the_reader_scrolls_near_it(visit, doc):  # noqa: F811
    """Without a key pressed, a box is checked when it comes near the screen (scroll-focus.js)."""
    v = visit(f"{doc}.html", viewport=SIZES["phone"])
    # Half a screen at a time to the end (the page grows as its sections are laid out).
    for _ in range(500):
        v.page.evaluate("window.scrollBy(0, innerHeight / 2)")
        v.page.wait_for_timeout(30)
        if v.page.evaluate("scrollY + innerHeight >= document.scrollingElement.scrollHeight - 1"):
            break
    v.page.wait_for_timeout(200)
    boxes = v.page.evaluate(SCROLLING_MATH)
    assert [section for section, tabindex in boxes if tabindex != "0"] == []
    if doc.endswith("03_momentum"):
        assert boxes, "chapter 3 has display math wider than a phone (the test must see some)"


def test_the_download_menu_items_are_large_enough_to_touch(visit):  # noqa: F811
    v = visit("book/01_ema.html", viewport=SIZES["phone"])
    v.page.locator(".article-header-buttons .dropdown-toggle").first.click()
    items = v.page.locator(".dropdown-menu.show .dropdown-item")
    assert items.count() >= 1
    for i in range(items.count()):
        box = items.nth(i).bounding_box()
        assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, box
