"""Static playground redraw: on every chapter page of the built site, in Chromium, each control of each
playground is moved with the keyboard (an arrow key, as a reader does), and the time from the input event
(its time stamp) to the end of the redraw (playground.js records both in `pgState`) is measured.

Baseline: one frame at 60 Hz, 16.7 ms. playground.js draws in the input event itself, so a move whose
redraw ends within the frame is on screen at the next frame. Two screens: a desktop (1280 px, 1 device
pixel per CSS px) and a phone (390 px, 3 device pixels per CSS px, the CPU slowed 4x as Lighthouse's
mobile preset does)."""

from __future__ import annotations

import functools
import http.server
import threading

from benchmarks.common import stats, table
from benchmarks.page_cost import ARGS, SITE, _Quiet, chapter_pages

FRAME_MS = 1000 / 60
SCREENS = {
    "desktop": {"context": {"viewport": {"width": 1280, "height": 900}}, "cpu_slowdown": 1},
    "phone": {
        "context": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True},
        "cpu_slowdown": 4,
    },
}
STATE = """i => {
    const s = document.querySelectorAll('.optim-playground')[i].pgState;
    return [s.key, s.frame, s.inputAt, s.drawnAt];
}"""
# Every control of playground i: its slider's name, the element to focus, how many grid points, where it starts.
CONTROLS = """i => [...document.querySelectorAll('.optim-playground')[i].querySelectorAll('[data-name]')].map(c => {
    const radios = [...c.querySelectorAll('input[type="radio"]')];
    return radios.length
        ? {name: c.dataset.name, count: radios.length, at: radios.findIndex(r => r.checked)}
        : {name: c.dataset.name, count: Number(c.max) + 1, at: Number(c.value)};
})"""
FOCUS = """([i, name]) => {
    const c = document.querySelectorAll('.optim-playground')[i].querySelector(`[data-name="${name}"]`);
    (c.querySelector('input:checked') || c).focus();
}"""


def moves_of(page, index: int, control: dict, moves: int) -> list[float]:
    """Milliseconds from input event to end of redraw for `moves` arrow-key moves of one control, going back
    and forth over its grid. A move that drew more than once, or not at all, is an error."""
    page.evaluate(FOCUS, [index, control["name"]])
    at, step, times = control["at"], 1, []
    for _ in range(moves):
        if not 0 <= at + step < control["count"]:
            step = -step
        _, frame, _, _ = page.evaluate(STATE, index)
        page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
        at += step
        key, new_frame, input_at, drawn_at = page.evaluate(STATE, index)
        if new_frame != frame + 1:
            raise RuntimeError(f"{key}: moving {control['name']} drew {new_frame - frame} times")
        times.append(drawn_at - input_at)
    return times


def measure_page(browser, url: str, screen: dict, moves: int) -> dict:
    """key -> (ms per move over all its controls, the control with the highest p95) for each playground."""
    context = browser.new_context(**screen["context"])
    page = context.new_page()
    if screen["cpu_slowdown"] > 1:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": screen["cpu_slowdown"]})
    page.goto(url, wait_until="load")
    page.wait_for_function("[...document.querySelectorAll('.optim-playground')].every(p => p.pgState)")
    results = {}
    for index in range(page.locator(".optim-playground").count()):
        key = page.evaluate(STATE, index)[0]
        per_control = {
            c["name"]: moves_of(page, index, c, moves) for c in page.evaluate(CONTROLS, index) if c["count"] > 1
        }
        slowest = max(per_control, key=lambda name: stats(per_control[name])["p95"])
        results[key] = ([t for times in per_control.values() for t in times], slowest)
    context.close()
    return results


def run(quick: bool = False) -> str:
    if not (SITE / "index.html").is_file():
        return "## Static playground redraw\n\n(the site is not built: run `make book` first)"
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = chapter_pages()[:2] if quick else chapter_pages()
    moves = 5 if quick else 40
    measured = {}  # (key, screen) -> (times, slowest control)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, screen in SCREENS.items():
                for path in pages:
                    for key, result in measure_page(browser, f"{base}/{path}", screen, moves).items():
                        measured[key, name] = result
            browser.close()
    finally:
        server.shutdown()
    rows = []
    for key in dict.fromkeys(k for k, _ in measured):
        row = [key, len(measured[key, "desktop"][0])]
        for name in SCREENS:
            times, slowest = measured[key, name]
            s, share = stats(times), sum(t <= FRAME_MS for t in times) / len(times)
            row += [f"{s['median']:.2f} ms", f"{s['p95']:.2f} ms", f"{s['p95'] / FRAME_MS:.0%}"]
            row += [f"{share:.1%}", slowest]
        rows.append(row)
    within = all(stats(times)["p95"] <= FRAME_MS for times, _ in measured.values())
    header = ["playground", "moves"]
    for name in SCREENS:
        header += [f"{name} median", f"{name} p95", "p95 / frame", "within a frame", "slowest control (p95)"]
    return (
        "## Static playground redraw (Chromium, input event to end of draw)\n\n"
        f"Each control of each playground moved {moves} times with an arrow key, on every chapter page; the time "
        "from the input event's time stamp to the end of the redraw, against one 60 Hz frame (16.7 ms). Desktop: "
        "1280 px, 1 device pixel per CSS px. Phone: 390 px, 3 device pixels per CSS px (the canvases have 2 per "
        f'CSS px), CPU slowed 4x. "within a frame": the share of moves redrawn within 16.7 ms. Every p95 within '
        f"one frame: {'yes' if within else 'no'}.\n\n" + table(header, rows)
    )
