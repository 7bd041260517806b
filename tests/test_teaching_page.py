"""book/teaching.md against the book: the sections it names exist, its lists of exercises hold every
exercise exactly once, the slider settings it asks about are on the playgrounds' grids, and what it says
the noisy-gradients and when-Adam-fails playgrounds show is what they compute."""

import re

import pytest
from book_files import CHAPTERS, ROOT, notebook, source

from optim_core import chapters, noise
from optim_core.chapters import noisy_gradients, when_adam_fails

# The page without its front matter (which holds the meta description, not a section name).
PAGE = re.sub(r"\A---\n.*?\n---\n", "", (ROOT / "book" / "teaching.md").read_text(), flags=re.S)


def exercises(chapter):
    return [int(m[1]) for c in notebook(chapter)["cells"] if (m := re.match(r"\*\*(\d+)\.", source(c)))]


def test_every_exercise_is_listed_once_by_difficulty():
    listed = re.findall(r"^\| \{doc\}`(\d\d_\w+)`, exercise (\d+) \|", PAGE, re.M)
    assert sorted(listed) == sorted({(c, str(n)) for c in CHAPTERS for n in exercises(c)})
    assert len(listed) == len(set(listed)), "an exercise is listed twice"


def test_the_sections_it_names_exist():
    headings = {
        re.sub(r"^#+ ", "", line)
        for c in CHAPTERS
        for cell in notebook(c)["cells"]
        for line in source(cell).split("\n")
        if re.match(r"#{2,3} ", line)
    }
    quoted = re.findall(r'"([^"]+)"', PAGE.split("## The exercises by difficulty")[0])
    named = {re.sub(r"\s+", " ", q) for q in quoted}
    missing = {n for n in named if n not in headings and not any(h.startswith(n) for h in headings)}
    assert not missing
    assert len(named) > 30


# Slider settings the questions ask students to set: (chapter topic, slider name, values).
ASKED = [
    ("gradient_descent", "lr", (0.42, 0.5, 0.59, 0.25)),
    ("gradient_descent", "kappa", (100,)),
    ("momentum", "beta", (0.0, 0.5, 0.99)),
    ("momentum", "kappa", (1000, 10)),
    ("rmsprop", "beta", (0.0, 0.999)),
    ("adam", "beta1", (0.0,)),
    ("adam", "beta2", (0.999,)),
    ("comparison", "lr_scale", (2.0, 0.5)),
    ("noisy_gradients", "alpha", (0.4, 0.05)),
    ("training_digits", "batch_size", (16,)),
    ("schedules", "lr", (0.316, 1.0)),
    ("schedules", "warmup", (5, 10, 20)),
    ("curvature", "alpha", (1.0,)),
    ("when_adam_fails", "beta1", (0.0,)),
    ("when_adam_fails", "beta2", (0.1,)),
    ("practical_guide", "k", (1.0,)),
]


@pytest.mark.parametrize(("key", "name", "values"), ASKED, ids=[f"{k}-{n}" for k, n, _ in ASKED])
def test_the_settings_it_asks_for_are_on_the_slider_grid(key, name, values):
    grid = slider_values(chapters.get(key), name)
    for value in values:
        assert min(abs(v - value) / value if value else abs(v) for v in grid) < 0.01, (name, value)


def test_momentum_moves_the_noise_floor_only_at_the_large_rate():
    """'At α = 0.05, move β. Does the floor move? Do the same at α = 0.4.'"""
    problem = noisy_gradients._problem(1)
    small = [noise.loss_floor(problem, 0.05, beta, 0.0) for beta in (0.0, 0.9)]
    large = [noise.loss_floor(problem, 0.4, beta, 0.0) for beta in (0.0, 0.9)]
    assert small[1] / small[0] > 0.9 and large[1] / large[0] < 0.5


def test_adam_ends_on_the_wrong_side_until_beta2_or_beta1_grows():
    """At the playground's starting setting Adam ends above 0 and AMSGrad below; raising β₂ (with β₁ = 0)
    brings Adam to the optimum's side across the threshold ch.flip_beta2, and so does raising β₁."""
    pg = chapters.get("when_adam_fails")

    def final(alpha, beta1, beta2):
        runs = pg.runs_at({"alpha": alpha, "beta1": beta1, "beta2": beta2})
        return {label: path[-1, 0] for label, (path, _) in runs.items()}

    start = {s.name: s.default for s in pg.sliders}
    assert (start["beta1"], start["beta2"]) == (0.0, 0.1)
    ends = final(start["alpha"], 0.0, 0.1)
    assert ends["Adam"] > 0 > ends["AMSGrad"]
    flip, grid = when_adam_fails.flip_beta2(), slider_values(pg, "beta2")
    below, above = max(b for b in grid if b < flip), min(b for b in grid if b > flip)
    assert final(start["alpha"], 0.0, below)["Adam"] > 0 > final(start["alpha"], 0.0, above)["Adam"]
    assert final(start["alpha"], 0.5, 0.1)["Adam"] < 0


def slider_values(pg, name):
    return next(s.values for s in pg.sliders if s.name == name)
