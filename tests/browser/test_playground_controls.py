"""The static playgrounds on a phone (390 px), a tablet (768 px) and a desktop (1280 px), on every chapter page:
the figure's panels are stacked at the full width or side by side, with their text at 10 CSS px or more; labels
sit above their controls; every control is a touch target of 24 x 24 CSS px or more; a slider with names is a
group of radio buttons; every control has the slider's label as its accessible name and announces the value
shown; a keyboard moves every control; nothing runs past the card; and axe-core finds no violation."""

from pathlib import Path

import pytest
from test_site import CHAPTER_DOCS

from optim_core import chapters, plots

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "js" / "node_modules" / "axe-core" / "axe.min.js"
# Phones and tablets load the page at their width, with their pixel density and touch.
SCREENS = {
    390: {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
    768: {"viewport": {"width": 768, "height": 1024}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    1280: {"viewport": {"width": 1280, "height": 900}},
}
SIDE_BY_SIDE = {390: False, 768: True, 1280: True}  # two panels fit side by side from a tablet up
TARGET = 24  # CSS px, the smallest touch target WCAG 2.2 accepts (2.5.8)
SMALLEST_TEXT = 10  # CSS px, for the text in the figure's panels
# The smallest text matplotlib draws in a panel, in image pixels (a font size in points at the figure's dpi).
PANEL_TEXT = min(plots.STYLE["font.size"], plots.STYLE["legend.fontsize"]) * plots.STYLE["figure.dpi"] / 72
SLACK = 0.5  # CSS px of rounding in layout boxes

# Where everything of playground i sits on the page, in CSS px.
LAYOUT = """i => {
    const root = document.querySelectorAll('.optim-playground')[i];
    const rect = (el) => {
        const r = el.getBoundingClientRect();
        return {x: r.left, y: r.top, w: r.width, h: r.height};
    };
    const style = getComputedStyle(root);
    const content = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const controls = [...root.querySelectorAll('[data-name]')].map((c) => {
        const range = c.matches('input[type="range"]');
        const label = range ? root.querySelector(`label[for="${c.id}"]`) : c.querySelector('legend');
        const inputs = range ? [c] : [...c.querySelectorAll('input')];
        return {name: c.dataset.name, kind: range ? 'range' : c.tagName.toLowerCase(), label: rect(label),
                inputs: inputs.map((input) => ({type: input.type, ...rect(input)}))};
    });
    return {
        card: rect(root), content, overflow: root.scrollWidth - root.clientWidth,
        figure: rect(root.querySelector('.pg-figure')),
        panels: [...root.querySelectorAll('.pg-panel')].map((p) => ({
            name: [...p.classList].find((c) => c.startsWith('pg-panel-')).slice(9), ...rect(p),
            natural: p.querySelector('img').naturalWidth, canvas: rect(p.querySelector('canvas')),
            image: {...rect(p.querySelector('img')), padding: getComputedStyle(p.querySelector('img')).padding},
        })),
        readout: {...rect(root.querySelector('.pg-readout')), overflow: root.querySelector('.pg-readout').scrollWidth
                  - root.querySelector('.pg-readout').clientWidth},
        right: Math.max(...[...root.querySelectorAll('*')].map((el) => el.getBoundingClientRect().right)),
        controls,
        key: root.pgState.key,
    };
}"""


@pytest.fixture
def chapter_at(browser, site_url):
    """Opens a chapter page on a screen of the given width and waits for its playgrounds' first frame."""
    contexts = []

    def open_page(doc, width, color_scheme="light"):
        context = browser.new_context(color_scheme=color_scheme, **SCREENS[width])
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site_url}/{doc}.html", wait_until="load")
        page.wait_for_function("[...document.querySelectorAll('.optim-playground')].every(p => p.pgState)")
        return page

    yield open_page
    for context in contexts:
        context.close()


def playgrounds(page):
    """(index, Playground) for every playground on the page."""
    keys = page.evaluate("[...document.querySelectorAll('.optim-playground')].map(p => p.pgState.key)")
    assert keys, "no playground on the page"
    return [(i, chapters.get(key)) for i, key in enumerate(keys)]


def assert_panels_fill_the_card(layout, width):
    panels, content = layout["panels"], layout["content"]
    names = [p["name"] for p in panels]
    assert names in (["path", "loss"], ["loss"]), names
    for p in panels:
        # the text of the panel, drawn at PANEL_TEXT px in the image, is shown at SMALLEST_TEXT CSS px or more
        assert p["w"] / p["natural"] * PANEL_TEXT >= SMALLEST_TEXT, (p, width)
        canvas, image = p["canvas"], p["image"]
        assert image["padding"] == "0px", "the lines would be drawn off the image's axes"
        assert all(abs(canvas[k] - image[k]) <= SLACK for k in "xywh"), "the canvas is off its image"
    if len(panels) == 1:
        (p,) = panels  # a lone panel takes the whole width on a phone
        assert not SIDE_BY_SIDE[width] or p["w"] <= content + SLACK
        assert SIDE_BY_SIDE[width] or abs(p["w"] - content) <= SLACK, (p, content)
        return
    path, loss = panels
    if SIDE_BY_SIDE[width]:
        assert abs(path["y"] - loss["y"]) <= SLACK and path["x"] + path["w"] <= loss["x"] + SLACK, panels
        assert path["w"] + loss["w"] <= content + SLACK
    else:  # stacked, the path above the loss, each the card's full content width
        assert loss["y"] >= path["y"] + path["h"] - SLACK, panels
        for p in panels:
            assert abs(p["w"] - content) <= SLACK, (p, content)


def assert_nothing_runs_past_the_card(layout, width):
    card = layout["card"]
    assert layout["overflow"] <= 0, "the card scrolls sideways"
    assert layout["right"] <= card["x"] + card["w"] + SLACK, "something sticks out of the card"
    assert card["x"] + card["w"] <= width + SLACK, "the card runs past the screen"
    readout = layout["readout"]
    assert readout["overflow"] <= 0 and readout["x"] + readout["w"] <= card["x"] + card["w"] + SLACK


def assert_controls_are_labelled_above_and_large(layout, playground):
    controls = {c["name"]: c for c in layout["controls"]}
    assert list(controls) == [s.name for s in playground.sliders]
    for slider in playground.sliders:
        control = controls[slider.name]
        # a slider with names is a group of radio buttons, one per name; a numeric grid is a range input
        expected = ["radio"] * len(slider.values) if slider.names else ["range"]
        assert [i["type"] for i in control["inputs"]] == expected, slider.name
        assert control["kind"] == ("fieldset" if slider.names else "range")
        label = control["label"]
        for box in control["inputs"]:
            assert box["y"] >= label["y"] + label["h"] - SLACK, f"the label of {slider.name} is not above it"
            assert box["w"] >= TARGET and box["h"] >= TARGET, f"{slider.name}: {box['w']} x {box['h']} CSS px"


def assert_accessible_names_and_values(page, i, playground):
    """Each control's accessible name is the slider's label and it announces the value the slider shows;
    an arrow key moves it one grid point, and the playground redraws there."""
    root = page.locator(".optim-playground").nth(i)
    for slider in playground.sliders:
        start = slider.default_index
        step = 1 if start + 1 < len(slider.values) else -1
        if slider.names:
            group = root.get_by_role("group", name=slider.label, exact=True)
            radios = [group.get_by_role("radio", name=slider.text(k), exact=True) for k in range(len(slider.values))]
            assert [r.count() for r in radios] == [1] * len(radios), slider.name
            assert [r.is_checked() for r in radios] == [k == start for k in range(len(radios))]
            control, moved = radios[start], radios[start + step] if len(radios) > 1 else None
        else:
            control = root.get_by_role("slider", name=slider.label, exact=True)
            assert control.count() == 1 and control.get_attribute("data-name") == slider.name, slider.name
            assert control.get_attribute("aria-valuetext") == slider.text(start)
        if len(slider.values) < 2:
            continue
        control.focus()
        page.keyboard.press("ArrowRight" if step == 1 else "ArrowLeft")
        if slider.names:
            assert moved.is_checked(), f"the arrow key did not move {slider.name}"
        else:
            assert control.get_attribute("aria-valuetext") == slider.text(start + step), slider.name
        values = page.evaluate("i => document.querySelectorAll('.optim-playground')[i].pgState.values", i)
        assert values[slider.name] == slider.values[start + step], f"{slider.name} did not redraw"


def axe_violations(page, i):
    if not page.evaluate("'axe' in window"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async i => (await axe.run(document.querySelectorAll('.optim-playground')[i])).violations
            .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""",
        i,
    )


@pytest.mark.parametrize("width", sorted(SCREENS))
@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_playground_layout_controls_and_accessibility(chapter_at, doc, width):
    page = chapter_at(doc, width)
    for i, playground in playgrounds(page):
        layout = page.evaluate(LAYOUT, i)
        assert_panels_fill_the_card(layout, width)
        assert_nothing_runs_past_the_card(layout, width)
        assert_controls_are_labelled_above_and_large(layout, playground)
        assert axe_violations(page, i) == []
        assert_accessible_names_and_values(page, i, playground)


@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_playground_in_the_dark_theme(chapter_at, doc):
    page = chapter_at(doc, 390, color_scheme="dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    for i, _ in playgrounds(page):
        assert_panels_fill_the_card(page.evaluate(LAYOUT, i), 390)
        assert axe_violations(page, i) == []
