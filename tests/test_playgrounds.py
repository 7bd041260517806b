"""Every registered playground, one parametrized test each: it builds, its static payload fits the
page budget, every value it embeds is finite or marked diverged, and the live view redraws when any
slider moves. Chapter test files test only what their own playground claims."""

import itertools
import json
import re

import numpy as np
import pytest

from optim_core.chapters import get, keys
from optim_core.playground import MAX_PAYLOAD_BYTES, _LiveView


@pytest.fixture(scope="module", params=keys())
def playground(request):
    return get(request.param)


def test_static_payload_fits_the_budget(playground):
    html = playground.static_html()
    assert f'data-key="{playground.key}"' in html
    assert len(html) < MAX_PAYLOAD_BYTES


def test_live_view_redraws_for_every_slider(playground):
    view = _LiveView(playground)
    for control, slider in zip(view.controls, playground.sliders, strict=True):
        if len(slider.values) < 2 or slider.name == "steps":
            continue
        before = view.image.value
        control.value = (slider.default_index + 1) % len(slider.values)
        assert view.image.value != before, f"moving {slider.name} did not redraw"
        control.value = slider.default_index


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


def test_live_view_draws_and_reports_the_shown_steps(playground):
    """The drawn lines hold exactly steps 0..shown of a fresh run, and each summary line quotes the loss
    at the shown step (not one step before)."""
    view = _LiveView(playground)
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
