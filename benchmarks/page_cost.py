"""Static page cost: bytes transferred per chapter page (HTML, embedded playground data, scripts,
styles, fonts) and the time from navigation to every playground on the page being interactive,
in Chromium (Playwright) against the built site served from 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from benchmarks.common import stats, table

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def chapter_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{d}.html" for d in docs if d.split("/")[-1][:2].isdigit()]


def visit(browser, url: str) -> tuple[dict[str, tuple[int, int]], float]:
    """One cold load: {path: (bytes transferred, the same body gzip-compressed)} for everything the
    page requested, and the ms until its last playground drew its first frame when all are asked for at
    load. http.server does not compress; most static hosts serve gzip."""
    context = browser.new_context()
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="load")
    # Playgrounds are set up when needed (playground.js): near the screen, when the idle layout reaches
    # them, or at a first Tab. Ask for all of them at load, as a first Tab does, to time the worst case.
    page.evaluate("document.dispatchEvent(new Event('layoutall'))")
    page.wait_for_function("[...document.querySelectorAll('.optim-playground')].every(p => p.pgState)")
    ready = page.evaluate(
        "Math.max(0, ...[...document.querySelectorAll('.optim-playground')].map(p => p.pgState.readyAt))"
    )
    # Figures below the fold load lazily; count them too, as a reader who scrolls through loads them.
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_load_state("networkidle")
    loaded = {}
    for request in finished:
        sizes = request.sizes()
        body = request.response().body() if request.url.startswith("http") else b""
        path = urlsplit(request.url).path
        headers = sizes["responseHeadersSize"]
        loaded[path] = (sizes["responseBodySize"] + headers, len(gzip.compress(body)) + headers)
    context.close()
    return loaded, ready


def measure_pages(browser, base: str, quick: bool) -> tuple[list[list], int]:
    """One row per chapter page, and the bytes of what every measured page loads (theme, scripts,
    fonts): a page's own share is its HTML with the playground data, and its figures."""
    pages = chapter_pages()[:2] if quick else chapter_pages()
    loads = {path: [visit(browser, f"{base}/{path}") for _ in range(1 if quick else 5)] for path in pages}
    shared = set.intersection(*(set(runs[0][0]) for runs in loads.values()))
    rows = []
    for path, runs in loads.items():
        loaded = runs[0][0]
        size = sum(raw for raw, _ in loaded.values())
        gzipped = sum(packed for _, packed in loaded.values())
        own = sum(raw for p, (raw, _) in loaded.items() if p not in shared)
        ready = stats([r / 1000 for _, r in runs])
        rows.append(
            [
                path.split("/")[-1],
                f"{size / 1e6:.2f} MB",
                f"{own / 1e6:.2f} MB",
                "yes" if size <= 3e6 else "no",
                f"{gzipped / 1e6:.2f} MB",
                f"{ready['median'] * 1e3:.0f} ms",
                f"{ready['p95'] * 1e3:.0f} ms",
                "yes" if ready["p95"] <= 1.5 else "no",
            ]
        )
    first = next(iter(loads.values()))[0][0]
    return rows, sum(first[p][0] for p in shared)


def run(quick: bool = False, browser=None) -> str:
    """Serve the built site and measure its chapter pages, in `browser` if given (the browser tests
    pass theirs), else in a Chromium launched here."""
    if not (SITE / "index.html").is_file():
        return "## Static page cost\n\n(the site is not built: run `make book` first)"
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        if browser is not None:
            rows, shared = measure_pages(browser, base, quick)
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                launched = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                rows, shared = measure_pages(launched, base, quick)
                launched.close()
    finally:
        server.shutdown()
    header = ["page", "uncompressed", "own", "<= 3 MB", "gzip", "interactive (median)", "p95", "<= 1.5 s"]
    return (
        "## Static page cost (cold load, Chromium, 127.0.0.1)\n\n"
        "Everything a chapter page loads: its HTML (with the playground data), scripts, styles, fonts and "
        "figures. Python's http.server sends them uncompressed; the gzip column is what a host that "
        'compresses (as most static hosts do) would send. "own" is what only this page loads (its HTML '
        f"and figures, counted although most load only when scrolled to); the rest, {shared / 1e6:.2f} MB, is "
        "loaded by every chapter page (theme, scripts, MathJax's fonts) and a browser can take from its cache "
        "after the first page.\n\n" + table(header, rows)
    )
