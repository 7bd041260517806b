"""Static page cost: bytes transferred per chapter page (HTML, embedded playground data, scripts,
styles, fonts) and the time from navigation to every playground on the page being interactive,
in Chromium (Playwright) against the built site served from 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from pathlib import Path

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


def visit(browser, url: str) -> tuple[int, int, float]:
    """(bytes transferred, the same bodies gzip-compressed, ms until the last playground drew its first
    frame) for one cold load. http.server does not compress; most static hosts serve gzip."""
    context = browser.new_context()
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="load")
    page.wait_for_function("[...document.querySelectorAll('.optim-playground')].every(p => p.pgState)")
    ready = page.evaluate(
        "Math.max(0, ...[...document.querySelectorAll('.optim-playground')].map(p => p.pgState.readyAt))"
    )
    page.wait_for_load_state("networkidle")
    raw = compressed = 0
    for request in finished:
        sizes = request.sizes()
        body = request.response().body() if request.url.startswith("http") else b""
        raw += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        compressed += len(gzip.compress(body)) + sizes["responseHeadersSize"]
    context.close()
    return raw, compressed, ready


def measure_pages(browser, base: str, quick: bool) -> list[list]:
    rows = []
    for path in chapter_pages()[:2] if quick else chapter_pages():
        loads = [visit(browser, f"{base}/{path}") for _ in range(1 if quick else 5)]
        size, gzipped = loads[0][0], loads[0][1]
        ready = stats([r / 1000 for _, _, r in loads])
        rows.append(
            [
                path.split("/")[-1],
                f"{size / 1e6:.2f} MB",
                "yes" if size <= 3e6 else "no",
                f"{gzipped / 1e6:.2f} MB",
                "yes" if gzipped <= 3e6 else "no",
                f"{ready['median'] * 1e3:.0f} ms",
                f"{ready['p95'] * 1e3:.0f} ms",
                "yes" if ready["p95"] <= 1.5 else "no",
            ]
        )
    return rows


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
            rows = measure_pages(browser, base, quick)
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                launched = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                rows = measure_pages(launched, base, quick)
                launched.close()
    finally:
        server.shutdown()
    header = ["page", "uncompressed", "<= 3 MB", "gzip", "<= 3 MB", "interactive (median)", "p95", "<= 1.5 s"]
    return (
        "## Static page cost (cold load, Chromium, 127.0.0.1)\n\n"
        "Everything a chapter page loads: its HTML (with the playground data), scripts, styles, fonts and "
        "figures. Python's http.server sends them uncompressed; the gzip column is what a host that "
        "compresses (as most static hosts do) would send. Every page loads MathJax (1.2 MB uncompressed) "
        "and the theme's Font Awesome script (1.5 MB).\n\n" + table(header, rows)
    )
