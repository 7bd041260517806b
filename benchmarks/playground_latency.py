"""Playground latency: from setting a slider (programmatically) to the figure redrawn on the Agg
canvas and encoded for the image widget, for every chapter's playground.

Baseline, same run: the naive playground an `interact` callback gives, which reruns the optimizers
and builds a new figure, contours included, and renders it."""

from __future__ import annotations

import io
import itertools

from benchmarks.common import measure, seconds, stats, table
from optim_core import chapters, plots
from optim_core.playground import _LiveView


def naive_redraw(playground, values):
    """What `interact(f, ...)` with a fresh figure per call costs."""
    problem = playground.problem_for(values)
    runs = playground.compute(values)
    if hasattr(problem, "bounds"):
        fig, (ax_path, ax_loss) = plots.figure(ncols=2)
        plots.trajectories(problem, runs, ax=ax_path)
    else:
        fig, ax_loss = plots.figure()
    plots.losses(runs, problem.f_min, ax=ax_loss)
    fig.savefig(io.BytesIO(), format="png")


def bench_one(key: str, moves: int, naive_moves: int) -> dict:
    playground = chapters.get(key)
    view = _LiveView(playground)
    slider_index = max(range(len(playground.sliders)), key=lambda i: len(playground.sliders[i].values))
    slider, control = playground.sliders[slider_index], view.controls[slider_index]
    targets = itertools.cycle(range(len(slider.values)))

    def move():
        control.value = next(targets)  # observers run synchronously: the redraw is done on return

    ours = stats(measure(move, moves))
    values = view.values()
    naive = stats(measure(lambda: naive_redraw(playground, values), naive_moves))
    return {"key": key, "slider": slider.name, "ours": ours, "naive": naive}


def run(quick: bool = False) -> str:
    keys = chapters.keys()
    results = [bench_one(k, 5 if quick else 50, 2 if quick else 10) for k in keys]
    rows = [
        [
            r["key"],
            r["slider"],
            seconds(r["ours"]["median"]),
            seconds(r["ours"]["p95"]),
            seconds(r["naive"]["median"]),
            f"{r['naive']['median'] / r['ours']['median']:.1f}x",
        ]
        for r in results
    ]
    header = ["playground", "slider moved", "median", "p95", "naive median", "speed-up vs naive"]
    return (
        "## Playground latency (Jupyter, Agg canvas)\n\n"
        f"{'5' if quick else '50'} slider moves per playground; naive baseline: rerun + new figure with "
        "contours + PNG render per move.\n\n" + table(header, rows)
    )
