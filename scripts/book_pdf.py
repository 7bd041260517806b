"""Print the whole book to one PDF (`make pdf` runs it after the single-page build).

Route: Jupyter Book's single-page HTML (`jupyter-book build --builder singlehtml`: the notebooks from
the execution cache, with glue, cross-references and the bibliography resolved by Sphinx as for the
website) printed by Debian's Chromium through Playwright. The browser tests already need both, so the
PDF adds nothing to what CI installs (the LaTeX route would add TeX Live, about 700 MB installed), and
the PDF shows what the website shows: MathJax's equations, every figure, and each playground as
playground.js draws it at its default settings (LaTeX cannot show a playground, which is HTML).
book/_static/print.css holds the layout on paper; Chromium adds the page numbers (the footer below)
and the outline (bookmarks) from the headings.

Usage: python scripts/book_pdf.py   (reads _build/singlehtml, writes _build/pdf/optimizers-computed.pdf)
"""

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "singlehtml"
PDF = ROOT / "_build" / "pdf" / "optimizers-computed.pdf"
CHROMIUM = os.environ.get("OPTIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# Sphinx writes the single page at the root document's path (book/intro.html) but with links relative to
# the output folder: a copy at the top of the folder makes them resolve, and its links to itself stay
# inside the PDF.
ROOT_DOC = "book/intro.html"
PRINT_PAGE = "print.html"
# A4 with these margins (mm), printed at 90 %: about 11 pt type, and lines as long as a book's.
PAPER_WIDTH, MARGIN, SCALE = 210, {"top": 16, "bottom": 18, "left": 14, "right": 14}, 0.9
# The width the page is laid out at, in CSS pixels (96 to the inch), and the right margin's.
LAYOUT_WIDTH = round((PAPER_WIDTH - MARGIN["left"] - MARGIN["right"]) / 25.4 * 96 / SCALE)
MARGIN_WIDTH = round(MARGIN["right"] / 25.4 * 96 / SCALE)
FOOTER = (
    '<div style="width:100%; text-align:center; font-size:9px; font-family:sans-serif; color:#444">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
# playground.js sets pgState once a playground has drawn; its background image must have loaded too.
DRAWN = """() => [...document.querySelectorAll('.optim-playground')].every(
  (pg) => pg.pgState && pg.querySelector('.pg-figure img').complete)"""
# Equations, code, tables and pictures that would be cut: past the paper's right edge, or wider than
# a box that hides what overflows it.
CUT_OFF = """(margin) => {
  const edge = document.querySelector('.bd-article').getBoundingClientRect().right + margin;
  const clips = (e) => getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1;
  const blocks = 'div.math, mjx-container[display="true"], pre, table, .pst-scrollable-table-container';
  return [...document.querySelectorAll(`${blocks}, img, canvas, figure`)]
    .filter((e) => e.getBoundingClientRect().right > edge || clips(e))
    .map((e) => `${e.tagName.toLowerCase()}: ${e.textContent.trim().slice(0, 60) || e.getAttribute('alt')}`);
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def write_print_page(site: Path) -> str:
    text = (site / ROOT_DOC).read_text()
    (site / PRINT_PAGE).write_text(text.replace(f'href="{ROOT_DOC}#', 'href="#'))
    return PRINT_PAGE


def print_pdf(url: str, out: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": LAYOUT_WIDTH, "height": 1000})
        page.emulate_media(media="print", color_scheme="light")
        page.goto(url, wait_until="load")
        page.evaluate("() => MathJax.startup.promise")  # resolves when every equation is typeset
        page.wait_for_function(DRAWN, timeout=300_000)
        cut = page.evaluate(CUT_OFF, MARGIN_WIDTH)
        if cut:
            sys.exit("wider than the paper (see book/_static/print.css):\n  " + "\n  ".join(cut))
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=out,
            format="A4",
            scale=SCALE,
            margin={side: f"{mm}mm" for side, mm in MARGIN.items()},
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            tagged=True,  # Chromium builds the outline from the tagged structure
            outline=True,
        )
        browser.close()


def main(site: Path = SITE, out: Path = PDF):
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        sys.exit(f"make pdf needs Chromium, not found at {CHROMIUM} (apt-get install chromium)")
    page = write_print_page(site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        print_pdf(f"http://127.0.0.1:{server.server_address[1]}/{page}", out)
    finally:
        server.shutdown()
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
