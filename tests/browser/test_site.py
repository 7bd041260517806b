"""The published book in a real Chromium: every page loads from 127.0.0.1 alone, without console
errors, with its equations typeset; playgrounds redraw what optim_core computes; the site has
search, notebook downloads, titles, a favicon and a 404 page. Screenshots of every chapter in the
light and the dark theme are saved under _build/screenshots/."""

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import yaml

from optim_core import chapters

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "_build" / "screenshots"

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
DOCS = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"]]
PAGES = [f"{doc}.html" for doc in DOCS] + ["search.html", "genindex.html", "404.html"]
CHAPTER_DOCS = [doc for doc in DOCS if doc.split("/")[-1][:2].isdigit()]


class Visit:
    """A page opened in a fresh browser context, with what it logged and requested."""

    def __init__(self, browser, url, color_scheme="light"):
        self.context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.goto(url, wait_until="load")
        self.page.evaluate(
            """async () => {
                if (!document.querySelector('.math')) return;
                for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
                    await new Promise(r => setTimeout(r, 25));
                await MathJax.startup.promise;
            }"""
        )
        # Playgrounds inflate their data asynchronously; wait until each has drawn its first frame.
        self.page.wait_for_function("[...document.querySelectorAll('.optim-playground')].every(p => p.pgState)")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    opened = []

    def open_page(path, color_scheme="light"):
        v = Visit(browser, f"{site_url}/{path}", color_scheme)
        opened.append(v)
        return v

    yield open_page
    for v in opened:
        v.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_is_offline_error_free_and_typeset(visit, path):
    v = visit(path)
    if path == "search.html":
        v.page.wait_for_timeout(300)  # the search index loads asynchronously
    assert v.errors == []
    outside = [u for u in v.requests if urlparse(u).scheme in ("http", "https") and urlparse(u).hostname != "127.0.0.1"]
    assert outside == []
    math = v.page.evaluate(
        """() => ({
            total: document.querySelectorAll('.math').length,
            typeset: [...document.querySelectorAll('.math')].filter(m => m.querySelector('mjx-container')).length,
            errors: document.querySelectorAll('mjx-merror').length,
            containers: document.querySelectorAll('mjx-container').length,
            readable: document.querySelectorAll('mjx-container > mjx-assistive-mml').length,
        })"""
    )
    assert math["typeset"] == math["total"], math
    assert math["errors"] == 0
    assert math["readable"] == math["containers"], "every formula carries hidden MathML for screen readers"
    assert "Optimizers, Computed" in v.page.title()


def test_every_chapter_has_equations_that_mathjax_typeset(visit):
    for doc in CHAPTER_DOCS:
        v = visit(f"{doc}.html")
        assert v.page.locator("mjx-container").count() > 0, doc


@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_chapter_title_download_button_and_favicon(visit, site_url, doc):
    v = visit(f"{doc}.html")
    heading = v.page.locator("main h1").first.inner_text().strip("#¶ \n")
    assert heading and heading in v.page.title()
    link = v.page.locator(f'a[href$="_sources/{doc}.ipynb"]')
    assert link.count() >= 1, "no download-notebook button"
    response = v.page.request.get(f"{site_url}/_sources/{doc}.ipynb")
    assert response.ok
    assert json.loads(response.text())["nbformat"] == 4
    icon = v.page.locator('link[rel="icon"]').get_attribute("href")
    assert v.page.request.get(f"{site_url}/{doc.rsplit('/', 1)[0]}/{icon}").ok


@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_screenshots_light_and_dark(visit, doc):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = doc.split("/")[-1]
    for scheme in ("light", "dark"):
        v = visit(f"{doc}.html", color_scheme=scheme)
        assert v.page.evaluate("document.documentElement.dataset.theme") == scheme
        # Figures (dark ink on a white canvas) sit on a light card in both themes, so they stay
        # readable; in the dark theme pydata-sphinx-theme gives them a light grey one.
        backgrounds = v.page.evaluate(
            "[...document.querySelectorAll('.cell_output img, .pg-figure img')]"
            ".map(i => getComputedStyle(i).backgroundColor)"
        )
        assert backgrounds, "no figure on the page"
        channels = [int(c) for bg in backgrounds for c in re.findall(r"\d+", bg)[:3]]
        assert min(channels) >= 190, backgrounds
        v.page.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}.png"), full_page=True)
        assert v.errors == []


def test_site_root_redirects_to_the_introduction(browser, site_url):
    page = browser.new_page()
    page.goto(f"{site_url}/index.html")
    page.wait_for_url("**/book/intro.html")
    assert "Optimizers, Computed" in page.title()
    page.close()


def test_search_finds_a_chapter(visit):
    v = visit("search.html?q=momentum")
    v.page.wait_for_selector("#search-results li", timeout=10_000)
    hrefs = v.page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("03_momentum" in h for h in hrefs)


def test_404_page(visit):
    v = visit("404.html")
    assert "not found" in v.page.locator("main").inner_text().lower()
    assert v.errors == []


# ----- playgrounds ---------------------------------------------------------------------------------

STATE = "i => document.querySelectorAll('.optim-playground')[i].pgState"
# A control is a range input over the slider's grid indices, or (for a slider with names) a group of radio
# buttons whose values are those indices; both carry the slider's name in data-name.
MOVE = """([i, name, value]) => {
    const root = document.querySelectorAll('.optim-playground')[i];
    const range = root.querySelector(`input[type="range"][data-name="${name}"]`);
    if (range) {
        range.value = value;
        range.dispatchEvent(new Event('input', {bubbles: true}));
    } else {
        root.querySelector(`fieldset[data-name="${name}"] input[value="${value}"]`).click();
    }
}"""
INPUT_VALUE = """([i, name]) => {
    const root = document.querySelectorAll('.optim-playground')[i];
    const range = root.querySelector(`input[type="range"][data-name="${name}"]`);
    return (range || root.querySelector(`fieldset[data-name="${name}"] input:checked`)).value;
}"""
NEXT_FRAME = "() => new Promise(resolve => requestAnimationFrame(() => resolve()))"
CANVAS = """i => [...document.querySelectorAll('.optim-playground')[i].querySelectorAll('canvas')]
    .map(c => c.toDataURL())"""


def assert_drawn_matches_optim_core(playground, state):
    """What the page drew equals a fresh, unbatched optim_core run at the sliders' values, on axes with the
    limits of this problem."""
    expected = playground.compute(state["values"])
    problem = playground.problem_for(state["values"])
    shown = state["shown"]
    boxes = state["boxes"]
    assert sorted(boxes) == (["loss", "path"] if hasattr(problem, "bounds") else ["loss"])
    if "path" in boxes:
        assert [boxes["path"]["xlim"], boxes["path"]["ylim"]] == [list(b) for b in problem.bounds]
    assert boxes["loss"]["xlim"] == [0, playground.steps] and boxes["loss"]["ylog"]
    np.testing.assert_allclose(boxes["loss"]["ylim"], playground._loss_limits(), rtol=1e-12)
    assert list(expected) == list(state["drawn"])
    for label, traj in expected.items():
        drawn = state["drawn"][label]
        gap = np.maximum(traj.loss[: shown + 1] - problem.f_min, 1e-16)
        got = np.array([np.nan if g is None else g for g in drawn["gaps"]], dtype=float)
        np.testing.assert_allclose(got, gap, rtol=2e-6, atol=0, err_msg=label)
        if "path" in drawn:  # the points drawn, flat: (shown + 1) x the problem's dimension
            path = np.array([np.nan if c is None else c for c in drawn["path"]], dtype=float).reshape(shown + 1, -1)
            np.testing.assert_allclose(path, traj.params[: shown + 1], rtol=2e-6, atol=1e-30, err_msg=label)


@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_playground_sliders_redraw_optim_core_values_within_one_frame(visit, doc):
    v = visit(f"{doc}.html")
    count = v.page.locator(".optim-playground").count()
    assert count >= 1, "no playground on the page"
    for i in range(count):
        state = v.page.evaluate(STATE, i)
        playground = chapters.get(state["key"])
        # the page opens at every slider's default, as the book's text and the live view do
        assert state["values"] == playground.default_values()
        for slider in playground.sliders:
            shown = v.page.evaluate(INPUT_VALUE, [i, slider.name])
            assert int(shown) == slider.default_index, f"{slider.name} starts at {shown}"
        assert_drawn_matches_optim_core(playground, state)
        for slider in playground.sliders:
            if len(slider.values) < 2:
                continue
            before_state, before_pixels = v.page.evaluate(STATE, i), v.page.evaluate(CANVAS, i)
            target = (slider.default_index + len(slider.values) // 2) % len(slider.values)
            v.page.evaluate(MOVE, [i, slider.name, target])
            v.page.evaluate(NEXT_FRAME)
            state = v.page.evaluate(STATE, i)
            assert state["frame"] == before_state["frame"] + 1, "the redraw did not happen in the next frame"
            assert state["values"][slider.name] == slider.values[target]
            assert state["drawn"] != before_state["drawn"], f"moving {slider.name} changed nothing"
            assert v.page.evaluate(CANVAS, i) != before_pixels
            assert_drawn_matches_optim_core(playground, state)
    assert v.errors == []
