"""The published book in a real Chromium: every page loads from 127.0.0.1 alone, without console
errors, with its equations typeset; playgrounds redraw what optim_core computes; the site has
search, notebook downloads, titles, a favicon and a 404 page. Screenshots of every chapter in the
light and the dark theme are saved under _build/screenshots/."""

import io
import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import yaml
from PIL import Image

from optim_core import chapters

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "_build" / "screenshots"

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
DOCS = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"]]
PAGES = [f"{doc}.html" for doc in DOCS] + ["search.html", "genindex.html", "404.html"]
CHAPTER_DOCS = [doc for doc in DOCS if doc.split("/")[-1][:2].isdigit()]


class Visit:
    """A page opened in a fresh browser context, with what it logged and requested."""

    def __init__(self, browser, url, color_scheme="light", viewport=None):
        viewport = viewport or {"width": 1280, "height": 900}
        self.context = browser.new_context(color_scheme=color_scheme, viewport=viewport)
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        # The math is typeset when the book is built (scripts/postprocess_html.mjs): nothing to wait for.
        self.page.goto(url, wait_until="load")
        # Playgrounds inflate their data asynchronously; wait until each has drawn its first frame.
        self.page.wait_for_function("[...document.querySelectorAll('.optim-playground')].every(p => p.pgState)")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    opened = []

    def open_page(path, color_scheme="light", viewport=None):
        v = Visit(browser, f"{site_url}/{path}", color_scheme, viewport)
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
    assert_math_typeset_at_build_time(v)
    assert "Optimizers, Computed" in v.page.title()


# raw_tex: text nodes of a .math element still holding a TeX delimiter, \( or \[ (not typeset).
MATH_STATE = r"""() => {
    const math = [...document.querySelectorAll('.math')];
    const containers = [...document.querySelectorAll('mjx-container')];
    return {
        total: math.length,
        typeset: math.filter(m => m.querySelector(':scope > mjx-container')).length,
        raw_tex: math.map(m => [...m.childNodes].filter(n => n.nodeType === 3 && /\\[([]/.test(n.textContent)).length)
            .reduce((a, b) => a + b, 0),
        errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
        containers: containers.length,
        readable: containers.filter(c => c.querySelector(':scope > mjx-assistive-mml > math')).length,
        drawn: containers.filter(c => c.querySelector(':scope > mjx-math mjx-c')).length,
        styled: !!document.getElementById('MJX-CHTML-styles'),
        mathjax_global: typeof window.MathJax !== 'undefined',
    };
}"""


def assert_math_typeset_at_build_time(v):
    """Every formula arrives typeset (CommonHTML, with hidden MathML for screen readers) and the page
    loads no MathJax JavaScript; MathJax's stylesheet and fonts are served by the site."""
    math = v.page.evaluate(MATH_STATE)
    assert math["typeset"] == math["total"], math
    assert math["raw_tex"] == 0, math
    assert math["errors"] == 0, math
    assert math["readable"] == math["containers"], "every formula carries hidden MathML for screen readers"
    assert math["drawn"] == math["containers"], math
    assert math["styled"] == (math["containers"] > 0), "MathJax's stylesheet is in the page exactly when it has math"
    assert not math["mathjax_global"], "MathJax was configured or loaded in the browser"
    scripts = [u for u in v.requests if "mathjax" in urlparse(u).path.lower() and urlparse(u).path.endswith(".js")]
    assert scripts == [], scripts


def test_every_chapter_has_equations_typeset_at_build_time(visit):
    for doc in CHAPTER_DOCS:
        v = visit(f"{doc}.html")
        assert v.page.locator("mjx-container").count() > 0, doc
        # the fonts MathJax's stylesheet names are served by the site and used
        fonts = v.page.evaluate(
            "async () => { await document.fonts.ready;"
            " return [...document.fonts].filter(f => f.family.startsWith('MJX')).map(f => f.status) }"
        )
        assert "loaded" in fonts and "error" not in fonts, (doc, fonts)


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


FIGURES = ".cell_output img, .optim-playground .pg-figure"
MAX_BACKGROUND_GAP = 8  # per channel, 0-255: a figure's background against the page's


def figure_backgrounds(page):
    """Each figure's background colour as shown on screen (the commonest colour of a frame just inside its
    edge, where matplotlib leaves its margin), and the page's colour (RGB 0-255)."""
    colors = []
    for i in range(page.locator(FIGURES).count()):
        figure = page.locator(FIGURES).nth(i)
        figure.scroll_into_view_if_needed()
        figure.evaluate("f => (f.tagName === 'IMG' ? f : f.querySelector('img'))?.decode()")
        shot = np.asarray(Image.open(io.BytesIO(figure.screenshot())).convert("RGB"))
        inset = round(6 * shot.shape[1] / figure.bounding_box()["width"])  # 6 CSS px, past the rounded corners
        frame = np.concatenate(
            [
                shot[inset, inset:-inset],
                shot[-inset, inset:-inset],
                shot[inset:-inset, inset],
                shot[inset:-inset, -inset],
            ]
        )
        values, counts = np.unique(frame, axis=0, return_counts=True)
        colors.append(tuple(int(c) for c in values[counts.argmax()]))  # the commonest colour of the margin
    body = page.evaluate("getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number)")[:3]
    return colors, tuple(body)


def assert_figures_on_the_page_colour(page):
    colors, body = figure_backgrounds(page)
    assert colors, "no figure on the page"
    far = [c for c in colors if max(abs(a - b) for a, b in zip(c, body, strict=True)) > MAX_BACKGROUND_GAP]
    assert not far, f"figure backgrounds {far} on a page of colour {body}"


@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_screenshots_light_and_dark(visit, doc):
    """In either theme each figure's background is the page's (book.css draws them dark in the dark theme)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = doc.split("/")[-1]
    for scheme in ("light", "dark"):
        v = visit(f"{doc}.html", color_scheme=scheme)
        assert v.page.evaluate("document.documentElement.dataset.theme") == scheme
        assert_figures_on_the_page_colour(v.page)
        v.page.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}.png"), full_page=True)
        assert v.errors == []


def test_the_theme_button_switches_the_figures_without_a_reload(visit):
    v = visit("book/03_momentum.html", color_scheme="light")
    v.page.evaluate("window.notReloaded = true")
    before, light_page = figure_backgrounds(v.page)
    for _ in range(3):  # the button cycles through the modes; stop at dark
        if v.page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
        v.page.locator(".theme-switch-button").first.click()
    assert v.page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert v.page.evaluate("window.notReloaded === true")
    after, dark_page = figure_backgrounds(v.page)
    assert dark_page != light_page
    assert all(sum(a) < sum(b) - 300 for a, b in zip(after, before, strict=True)), (before, after)
    assert_figures_on_the_page_colour(v.page)


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    "doc, section",
    [("book/03_momentum", "nesterov-s-variant"), ("book/14_practical_guide", "exercises"), ("book/07_adam", None)],
)
def test_a_link_to_a_late_section_lands_on_its_heading(visit, doc, section):
    """Sections off screen are not laid out until they come near it (book.css, content-visibility), and
    are often taller than the browser guessed; section-layout.js keeps the target in place. A jump must land
    on the heading and stay there: on a phone through the address bar, on a desktop by a click in the
    page's table of contents."""
    for viewport in (PHONE, None):
        v = visit(f"{doc}.html", viewport=viewport)
        target = section or v.page.evaluate("[...document.querySelectorAll('.bd-article section')].at(-1).id")
        toc_link = v.page.locator(f".bd-toc a[href='#{target}']")
        if viewport is None:
            toc_link.click()
        else:
            v.page.goto(f"{v.page.url.split('#')[0]}#{target}", wait_until="load")
        heading = f"document.getElementById({target!r}).querySelector('h2, h3')"
        for _ in range(2):
            v.page.wait_for_timeout(500)
            top, at_end, height = v.page.evaluate(
                f"[{heading}.getBoundingClientRect().top, "
                "scrollY + innerHeight >= document.scrollingElement.scrollHeight - 1, innerHeight]"
            )
            # A short last section cannot reach the top: then the page is scrolled to its end.
            where = f"{doc}#{target} at {viewport}: its heading is {top:.0f} px from the top"
            assert 0 <= top <= 160 or (at_end and 0 <= top < height - 50), where
        assert v.errors == []


def test_screen_readers_get_every_section_once_the_page_is_idle(visit):
    """Chromium leaves a section that is not laid out yet (book.css, content-visibility) out of the
    accessibility tree that screen readers read. section-layout.js lays out every section while the
    browser is idle; then the tree holds every section's heading."""
    v = visit("book/03_momentum.html", viewport=PHONE)
    headings = v.page.eval_on_selector_all(
        ".bd-article section > h2", "hs => hs.map(h => h.textContent.replace('#', '').trim())"
    )
    waiting = "document.querySelectorAll('.bd-article > section section > :not(section):not(.laid-out)').length"
    v.page.wait_for_function(f"{waiting} === 0", timeout=15_000)
    cdp = v.context.new_cdp_session(v.page)
    tree = cdp.send("Accessibility.getFullAXTree")["nodes"]
    found = [n.get("name", {}).get("value", "") for n in tree if n.get("role", {}).get("value") == "heading"]
    # Compared by their numbers ("3.5."): a heading's math is not part of its name in the tree.
    number = lambda text: text.split(" ")[0]  # noqa: E731
    assert len(headings) >= 8 and {number(h) for h in headings} <= {number(h) for h in found}


def test_a_playground_far_down_the_page_is_set_up_when_needed(browser, site_url):
    """playground.js sets up a playground (and loads its data) when it comes near the screen, when the idle
    layout (section-layout.js) reaches its block, or at a keyboard user's first Tab; not at load. With the
    browser never idle, a phone at the top of chapter 14 has loaded no playground data; scrolling near the
    playground sets it up; and on a second page, the first Tab sets it up without any scrolling."""
    context = browser.new_context(viewport=PHONE)
    try:
        context.add_init_script("window.requestIdleCallback = () => 0;")  # the idle layout never runs
        page = context.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{site_url}/book/14_practical_guide.html", wait_until="load")
        page.wait_for_timeout(1000)
        playground = page.locator(".optim-playground")
        assert playground.evaluate("p => [p.pgState, p.dataset.started]") == [None, None]
        assert not [u for u in requests if "/_static/playgrounds/" in u]
        playground.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('.optim-playground').pgState")
        assert [u for u in requests if "/_static/playgrounds/" in u]

        page = context.new_page()
        page.goto(f"{site_url}/book/14_practical_guide.html", wait_until="load")
        page.keyboard.press("Tab")
        page.wait_for_function("document.querySelector('.optim-playground').pgState")
        assert page.evaluate("scrollY") == 0
    finally:
        context.close()


def rest_in_force(page):
    """Waits until the rest bundle (loaded without blocking) applies to the screen."""
    page.wait_for_function(
        "[...document.querySelectorAll('head link[rel=stylesheet]')]"
        ".every(l => l.media === 'print' ? l.href.includes('print.css') : l.sheet)"
    )


def test_the_rest_of_the_stylesheets_applies_once_loaded(visit):
    """The page blocks only on the critical bundle (scripts/postprocess_html.mjs); once loaded, the rest
    bundle applies to the screen, with the rules the critical one leaves out (Bootstrap's popover, say)."""
    v = visit("book/03_momentum.html")
    rest_in_force(v.page)
    links = v.page.eval_on_selector_all(
        "head link[rel=stylesheet]", "ls => ls.map(l => [l.getAttribute('href'), l.media, !!l.sheet])"
    )
    screen = [(href, media) for href, media, loaded in links if "print.css" not in href]
    assert len(screen) == 2, links
    assert all("_static/bundles/" in href and media in ("", "all") for href, media in screen), links
    assert all(loaded for _, _, loaded in links)
    popover = v.page.evaluate(
        "[...document.styleSheets].filter(s => s.href && s.href.includes('bundles'))"
        ".map(s => [...s.cssRules].some(r => r.selectorText === '.popover'))"
    )
    assert popover == [False, True], "the popover's rule: only in the rest bundle, which is in force"


# Every computed style of the open download menu and of a tooltip (Bootstrap adds their classes when the
# reader opens or hovers them, so their rules are in the rest bundle).
SHOWN_STYLES = """() => {
  const shown = [...document.querySelectorAll('.dropdown-download-buttons, .tooltip.show')];
  return shown.flatMap(root => [root, ...root.querySelectorAll('*')]).map(e => {
    const style = getComputedStyle(e);
    return [e.tagName + '.' + [...e.classList].join('.'), Object.fromEntries([...style].map(p => [p, style[p]]))];
  });
}"""

# The page's original stylesheets (kept in a <noscript> for readers without JavaScript) in place of the
# bundles, loaded.
ORIGINAL_STYLESHEETS = """async () => {
  const bundles = [...document.querySelectorAll('link[href*="_static/bundles/"][rel=stylesheet]')];
  const holder = document.createElement('div');
  holder.innerHTML = document.querySelector('noscript[data-bundle=original]').textContent;
  const links = [...holder.querySelectorAll('link')];
  const loaded = links.map(l => new Promise((ok, fail) => { l.onload = ok; l.onerror = fail; }));
  for (const link of links) bundles[0].before(link);
  await Promise.all(loaded);
  for (const bundle of bundles) bundle.remove();
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_open_menu_and_a_tooltip_look_as_with_the_original_stylesheets(visit, scheme):
    """The rest bundle follows every critical rule, where its rules were among them in the original
    stylesheets (scripts/postprocess_html.mjs, step 4): what it styles looks the same all the same."""
    v = visit("book/08_comparison.html", color_scheme=scheme)
    rest_in_force(v.page)
    v.page.locator(".dropdown-download-buttons .dropdown-toggle").click()
    v.page.wait_for_selector(".dropdown-download-buttons .dropdown-menu.show")
    v.page.locator(".theme-switch-button").first.hover()
    v.page.wait_for_selector(".tooltip.show")
    v.page.wait_for_timeout(500)  # the fade-in's transition ends
    bundled = v.page.evaluate(SHOWN_STYLES)
    assert len(bundled) > 5 and any(".tooltip" in name for name, _ in bundled)
    v.page.evaluate(ORIGINAL_STYLESHEETS)
    v.page.wait_for_timeout(500)
    original = v.page.evaluate(SHOWN_STYLES)
    assert [name for name, _ in bundled] == [name for name, _ in original]
    differences = [
        (name, prop, a[prop], b.get(prop))
        for (name, a), (_, b) in zip(bundled, original, strict=True)
        for prop in a
        if a[prop] != b.get(prop)
    ]
    assert differences == []
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


def test_search_from_a_chapter_page_finds_a_chapter(visit):
    """Chapter pages do not load the search index (scripts/postprocess_html.mjs): the theme's search box
    sends the query to the search page, which does."""
    v = visit("book/08_comparison.html")
    assert not [u for u in v.requests if "searchindex" in u]
    v.page.locator("button.search-button__button").first.click()
    box = v.page.locator("#pst-search-dialog input[name=q]")
    box.fill("momentum")
    box.press("Enter")
    v.page.wait_for_url("**/search.html?q=momentum*")
    v.page.wait_for_selector("#search-results li", timeout=10_000)
    hrefs = v.page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("03_momentum" in h for h in hrefs)
    assert v.errors == []


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
