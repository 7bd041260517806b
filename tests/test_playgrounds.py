"""Every registered playground, one parametrized test each: it builds, its static payload fits the
page budget, every value it embeds is finite or marked diverged, and the live view shows the right
control for each slider and redraws, from the batched grid, exactly what a fresh run gives when any
control moves. Chapter test files test only what their own playground claims."""

import io
import itertools
import json
import re

import ipywidgets
import numpy as np
import pytest
from PIL import Image

from optim_core import GD
from optim_core.chapters import get, keys
from optim_core.playground import MAX_PAYLOAD_BYTES, MAX_TOGGLE_OPTIONS, Playground, Slider, _LiveView, _png
from optim_core.problems import Quadratic


@pytest.fixture(scope="module", params=keys())
def playground(request):
    return get(request.param)


def test_static_payload_fits_the_budget(playground):
    html = playground.static_html()
    assert f'data-key="{playground.key}"' in html
    assert len(html) < MAX_PAYLOAD_BYTES


def _movable(playground):
    return [i for i, s in enumerate(playground.sliders) if len(s.values) > 1]


def _text_changes(view, i) -> bool:
    """Whether some value of control i changes the text from what the other controls' setting shows."""
    control = view.controls[i]
    start, before = control.value, view.text.value
    changed = False
    for value in range(len(control.options)):
        control.value = value
        changed |= view.text.value != before
    control.value = start
    return changed


def test_live_view_redraws_for_every_slider(playground):
    """Every control (the "steps" slider and categorical ones included) changes the picture whenever it moves,
    and moving it back restores the picture and the text. It changes the text for some of its values: at the
    defaults, or else with fewer steps shown (the runs can end at the same rounded loss, as SignGD's do from
    every start w₂ after 150 steps)."""
    view = _LiveView(playground)
    steps = next((i for i, s in enumerate(playground.sliders) if s.name == "steps"), None)
    for i in _movable(playground):
        control, slider = view.controls[i], playground.sliders[i]
        before = view.image.value, view.text.value
        for value in range(len(slider.values)):
            if value != slider.default_index:
                control.value = value
                assert view.image.value != before[0], f"moving {slider.name} to {slider.text(value)} did not redraw"
        control.value = slider.default_index
        assert (view.image.value, view.text.value) == before, f"moving {slider.name} back did not restore"
        changed = _text_changes(view, i)
        if not changed and steps is not None and steps != i:
            view.controls[steps].value = 0
            changed = _text_changes(view, i)
            view.controls[steps].value = playground.sliders[steps].default_index
        assert changed, f"no value of {slider.name} changed the text"


def _expected_control(slider):
    if not slider.names:
        return ipywidgets.SelectionSlider
    return ipywidgets.ToggleButtons if len(slider.names) <= MAX_TOGGLE_OPTIONS else ipywidgets.Dropdown


def _assert_controls_fit_their_sliders(view, playground):
    for control, slider in zip(view.controls, playground.sliders, strict=True):
        assert type(control) is _expected_control(slider), f"{slider.name}: {type(control).__name__}"
        # the description is the accessible name, shown in full; the options are the names (or numbers) shown
        assert control.description == slider.label and control.style.description_width == "initial"
        assert list(control.options) == [(slider.text(i), i) for i in range(len(slider.values))]
        assert control.value == control.index == slider.default_index  # the frontend shows options[index]
        if slider.names:
            assert [label for label, _ in control.options] == list(slider.names)


def test_categorical_sliders_are_buttons_or_a_list(playground):
    _assert_controls_fit_their_sliders(_LiveView(playground), playground)


def test_many_names_make_a_drop_down_list_and_numbers_a_slider():
    problems = tuple(f"problem {i}" for i in range(MAX_TOGGLE_OPTIONS + 1))
    sliders = [
        Slider("which", tuple(range(len(problems))), 0, label="which problem", names=problems),
        Slider("pick", (0.0, 1.0), 1.0, label="a choice of two", names=("first", "second")),
        Slider("lr", (0.1, 0.2, 0.3), 0.2, label="learning rate"),
    ]
    pg = Playground("many", Quadratic(), {"GD": lambda lr: GD(lr)}, sliders, steps=5)
    view = _LiveView(pg)
    assert [type(c) for c in view.controls] == [
        ipywidgets.Dropdown,
        ipywidgets.ToggleButtons,
        ipywidgets.SelectionSlider,
    ]
    _assert_controls_fit_their_sliders(view, pg)
    view.controls[2].value = 2
    assert view.values() == {"which": 0.0, "pick": 1.0, "lr": 0.3}


def test_paths_start_at_the_start_point(playground):
    paths, _ = playground.grid()
    assert np.isfinite(paths[..., 0, :]).all()


def _fresh(playground, values):
    """label -> (path, gap f - f*) from a fresh, unbatched computation at these slider values."""
    from optim_core import plots

    problem = playground.problem_for(values)
    return {
        label: (traj.params, plots.loss_gap(traj.loss, problem.f_min))
        for label, traj in playground.compute(values).items()
    }


def _assert_draws_a_fresh_run(view, playground):
    values = view.values()
    shown = int(values.get("steps", playground.steps))
    _, _, lines = view._view(playground.problem_for(values))
    fresh = _fresh(playground, values)
    for label, (path, gap) in fresh.items():
        path_line, loss_line = lines[label]
        x, y = loss_line.get_data()
        assert len(x) == shown + 1 and x[-1] == shown
        np.testing.assert_allclose(y, gap[: shown + 1], rtol=1e-9, equal_nan=True)
        if path_line is not None:
            px, py = path_line.get_data()
            np.testing.assert_allclose(px, path[: shown + 1, 0], rtol=1e-9, atol=1e-12, equal_nan=True)
            np.testing.assert_allclose(py, path[: shown + 1, 1], rtol=1e-9, atol=1e-12, equal_nan=True)
        bad = np.flatnonzero(np.isnan(gap[: shown + 1]))
        expected = (
            f"{label}: diverged at step {bad[0]}"
            if bad.size
            else f"{label}: f - f* = {gap[shown]:.2e} after {shown} steps"
        )
        assert expected in view.text.value.replace("&#x27;", "'")


def _other_value(slider) -> int:
    """An index other than the default: the last, or the first when the last is the default."""
    return len(slider.values) - 1 if slider.default_index != len(slider.values) - 1 else 0


def test_live_view_draws_and_reports_the_shown_steps(playground):
    """The drawn lines hold exactly steps 0..shown of a fresh run, and each summary line quotes the loss
    at the shown step (not one step before): at the defaults, and after each control moves."""
    view = _LiveView(playground, frames=0)  # no cache: every move draws its lines
    _assert_draws_a_fresh_run(view, playground)
    for i in _movable(playground):
        view.controls[i].value = _other_value(playground.sliders[i])
        _assert_draws_a_fresh_run(view, playground)


def test_cached_frames_are_the_uncached_redraw(playground):
    """Moving back to a setting shows its cached frame: the same PNG bytes and text as a view without a cache
    that redraws every move, and the cache is used (no redraw) on the way back."""
    cached, uncached = _LiveView(playground), _LiveView(playground, frames=0)
    moves = [(i, _other_value(playground.sliders[i])) for i in _movable(playground)]
    undo = [(i, playground.sliders[i].default_index) for i, _ in reversed(moves)]
    for i, value in moves:
        cached.controls[i].value = uncached.controls[i].value = value
        assert (cached.image.value, cached.text.value) == (uncached.image.value, uncached.text.value)
    renders = []
    cached.render = lambda values, render=cached.render: renders.append(values) or render(values)
    for i, value in undo:
        cached.controls[i].value = uncached.controls[i].value = value
        assert (cached.image.value, cached.text.value) == (uncached.image.value, uncached.text.value)
    assert renders == [], f"{len(renders)} of {len(undo)} settings seen before were redrawn"


def test_the_frame_is_the_canvas_pixel_for_pixel(playground):
    """The PNG the image widget gets is lossless: decoded, it is exactly the figure on the Agg canvas."""
    view = _LiveView(playground, frames=0)
    canvas = view._view(playground.problem_for(view.values()))[0]
    decoded = np.asarray(Image.open(io.BytesIO(view.image.value)).convert("RGBA"))
    np.testing.assert_array_equal(decoded, np.asarray(canvas.buffer_rgba()))


@pytest.mark.parametrize("alpha", [255, 128])
def test_png_is_lossless_opaque_or_not(alpha):
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    rgba[..., 3] = alpha
    rgba[0, 0, 3] = 255
    with Image.open(io.BytesIO(_png(rgba))) as image:
        assert image.mode == ("RGB" if alpha == 255 else "RGBA")
        np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), rgba)


@pytest.fixture(scope="module")
def payload(playground):
    """The data the static page carries, as playground.js reads it."""
    html = playground.static_html()
    return json.loads(re.search(r'<script type="application/json" class="pg-data">(.*?)</script>', html, re.S).group(1))


def test_static_payload_starts_every_slider_at_its_default(payload, playground):
    assert [s["default"] for s in payload["sliders"]] == [s.default_index for s in playground.sliders]
    # a slider with names is shown as a choice between them, not as a range of numbers
    assert [s["categorical"] for s in payload["sliders"]] == [bool(s.names) for s in playground.sliders]


def test_static_panels_have_their_problems_axes_and_alt_text(payload, playground):
    """One figure per setting of the problem sliders (in grid order), each with its problem's own axes limits
    and an alt text per panel; an image two panels share travels once."""
    sliders = playground._problem_sliders
    settings = [
        dict(zip([s.name for s in sliders], values, strict=True))
        for values in itertools.product(*(s.values for s in sliders))
    ]
    assert len(payload["figures"]) == len(settings)
    for figure, setting in zip(payload["figures"], settings, strict=True):
        problem = playground.problem_for({**playground.default_values(), **setting})
        panels = {p["name"]: p for p in figure}
        assert list(panels) == (["path", "loss"] if hasattr(problem, "bounds") else ["loss"])
        if "path" in panels:
            box = panels["path"]["box"]
            assert [box["xlim"], box["ylim"]] == [list(b) for b in problem.bounds]
            assert problem.name in panels["path"]["alt"]
        assert panels["loss"]["box"]["xlim"] == [0, playground.steps] and panels["loss"]["box"]["ylog"]
        for panel in figure:
            assert all(label in panel["alt"] for label in playground.optimizers)
            assert 0 <= panel["box"]["x"] and panel["box"]["x"] + panel["box"]["w"] <= panel["width"]
            assert 0 <= panel["box"]["y"] and panel["box"]["y"] + panel["box"]["h"] <= panel["height"]
    used = sorted({p["image"] for figure in payload["figures"] for p in figure})
    assert used == list(range(len(payload["images"]))) and len(set(payload["images"])) == len(used)
