"""Every registered playground, one parametrized test each: it builds, its static payload fits the
page budget, every value it embeds is finite or marked diverged, and the live view redraws when any
slider moves. Chapter test files test only what their own playground claims."""

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
