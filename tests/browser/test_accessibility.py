"""Accessibility and search-engine basics on every page of the built site, in Chromium: axe-core finds no
violation in either theme; every page has one h1, a language, and a meta description of its own; every
image in the text has alt text."""

import html.parser
import re
import urllib.request
from pathlib import PurePosixPath

import pytest
from axe_check import axe_violations
from test_site import PAGES, visit  # noqa: F401  (visit is a fixture)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violation(visit, path, scheme):  # noqa: F811
    v = visit(path, color_scheme=scheme)
    assert v.page.evaluate("document.documentElement.dataset.theme") == scheme
    # Math that scrolls gets its tab stop when its section is shown or at a keyboard user's first Tab
    # (scroll-focus.js; the other path is tested in test_responsive.py).
    v.page.keyboard.press("Tab")
    assert axe_violations(v.page) == []


@pytest.mark.parametrize("path", PAGES)
def test_one_h1_a_language_and_alt_text_on_every_image(visit, path):  # noqa: F811
    v = visit(path)
    # one h1 on screen (the theme repeats the title in a block that only printing shows)
    assert v.page.locator("h1:visible").count() == 1
    assert v.page.locator("main h1:visible").count() == 1
    assert re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", v.page.get_attribute("html", "lang") or "")
    images = v.page.eval_on_selector_all(
        "main img", "imgs => imgs.map(i => [i.getAttribute('alt') || '', i.getAttribute('src')])"
    )
    for alt, src in images:
        name = PurePosixPath(src.split("?")[0]).name
        assert alt.strip(), f"no alt text on {src}"
        assert alt.strip() not in (name, PurePosixPath(name).stem), f"the alt text of {src} is its file name"


class MetaDescriptions(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name") == "description":
            self.found.append(attrs.get("content", ""))


def meta_description(page_html: str) -> list[str]:
    parser = MetaDescriptions()
    parser.feed(page_html)
    return parser.found


def test_every_page_has_a_short_plain_description_of_its_own(site_url):
    descriptions = {}
    for path in PAGES:
        with urllib.request.urlopen(f"{site_url}/{path}") as response:
            found = meta_description(response.read().decode())
        assert len(found) == 1, f"{path}: {found}"
        text = found[0]
        assert 50 <= len(text) <= 160, f"{path}: {len(text)} characters: {text!r}"
        assert not re.search(r"[<>$\\{}]|&\w+;|\*\*|``", text), f"{path}: markup or TeX left in {text!r}"
        assert text == " ".join(text.split())
        descriptions[path] = text
    repeated = {t for t in descriptions.values() if list(descriptions.values()).count(t) > 1}
    assert not repeated, f"pages that share a description: {repeated}"
