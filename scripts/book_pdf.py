"""Print the book to one PDF (`make pdf`).

Route: Jupyter Book's single-page HTML (`jupyter-book build --builder singlehtml`, the same notebooks
from the execution cache, glue and bibliography resolved by Sphinx as for the website) printed by
Debian's Chromium through Playwright. The same browser already runs the browser tests, so the PDF needs
nothing that CI does not install anyway (a LaTeX route would need several hundred MB of TeX Live), and
the PDF shows what the website shows: MathJax's equations, the figures, and each playground drawn by
playground.js at its default settings. book/_static/print.css holds the print layout.

Usage: python scripts/book_pdf.py SINGLEHTML_DIR OUTPUT.pdf
"""

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("OPTIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# Sphinx writes the single page at the root document's path (book/intro.html) but with links relative to
# the output folder; a copy at the top of the folder makes them resolve, and its links to itself local.
ROOT_DOC = "book/intro.html"
PRINT_PAGE = "print.html"
FOOTER = (
    '<div style="width:100%; text-align:center; font-size:9px; font-family:sans-serif; color:#444">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
# Every playground drawn: playground.js sets pgState when it has drawn, and the background image loaded.
DRAWN = """() => [...document.querySelectorAll('.optim-playground')].every(
  (pg) => pg.pgState && pg.querySelector('.pg-figure img').complete)"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_page(site: Path) -> str:
    text = (site / ROOT_DOC).read_text()
    (site / PRINT_PAGE).write_text(text.replace(f'href="{ROOT_DOC}#', 'href="#'))
    return PRINT_PAGE


def main(site: Path, out: Path):
    page_name = print_page(site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.emulate_media(media="print", color_scheme="light")
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{page_name}", wait_until="load")
            page.evaluate("() => MathJax.startup.promise")  # resolves when every equation is typeset
            page.wait_for_function(DRAWN, timeout=120_000)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(out),
                format="A4",
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                outline=True,
                tagged=True,
            )
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
