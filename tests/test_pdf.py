"""The book as one PDF (`make pdf`, scripts/book_pdf.py), read back with pypdf and compared with the
single-page HTML it was printed from: every chapter in the order of _toc.yml, equations typeset, every
figure and playground, the bibliography, page numbers and a table of contents.

`make test` builds the PDF first when Chromium is there. Without Chromium these tests skip, unless
OPTIM_REQUIRE_BROWSER=1 (set by CI), which turns a missing browser into a failure.
"""

import html
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pypdf
import pytest
import yaml
from book_files import ROOT, notebook, source

from scripts import book_pdf

# Characters (spaces not counted) on one page of this layout: no page holds FULL_PAGE (the densest page,
# in the bibliography, held 2532 in the first PDF), and a page holds HALF_PAGE or more on average (1361).
FULL_PAGE, HALF_PAGE = 3500, 1000


def _unavailable(reason):
    if os.environ.get("OPTIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (OPTIM_REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


def squeeze(text: str) -> str:
    """Text without its whitespace, ligatures ("ﬁ") unfolded: PDF text breaks lines where the page
    does, so words are compared without the spaces between them."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture(scope="module")
def pdf():
    if not book_pdf.PDF.is_file():
        chromium = book_pdf.CHROMIUM
        if not (shutil.which(chromium) or Path(chromium).is_file()):
            _unavailable(f"Chromium not found at {chromium}, so there is no PDF (apt-get install chromium)")
        pytest.fail("the PDF is not built: run `make pdf` first", pytrace=False)
    if book_pdf.PDF.stat().st_mtime < (book_pdf.SITE / book_pdf.ROOT_DOC).stat().st_mtime:
        pytest.fail("the PDF is older than the single-page build: run `make pdf`", pytrace=False)
    return pypdf.PdfReader(book_pdf.PDF)


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in pdf.pages]


@pytest.fixture(scope="module")
def source_html() -> str:
    """The single page the PDF was printed from."""
    return (book_pdf.SITE / book_pdf.ROOT_DOC).read_text()


def toc_titles() -> list[str]:
    """Each page's title in the order of _toc.yml, from the first heading of its notebook or Markdown file."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    titles = []
    for name in files:
        path = ROOT / f"{name}.ipynb"
        if path.exists():
            text = "\n".join(source(c) for c in notebook(path.stem)["cells"] if c["cell_type"] == "markdown")
        else:
            text = (ROOT / f"{name}.md").read_text()
        heading = re.search(r"^# (.+)$", text, re.M)
        assert heading, f"{name} has no title"
        titles.append(heading[1].replace("`", "").strip())
    return titles


def chapter_marks(pdf) -> dict:
    """The bookmarks one level under the book's title (the website's pages, the intro's sections and the
    contents), each title without its chapter number: {title: bookmark}."""
    (book, below) = pdf.outline
    assert book.title == "Optimizers, Computed"
    marks = [item for item in below if not isinstance(item, list)]
    return {re.sub(r"^\d+\.", "", squeeze(m.title)): m for m in marks}


def test_every_page_starts_on_its_own_page_in_toc_order(pdf, pages):
    """Each title of _toc.yml is a bookmark (the outline is the PDF's table of contents); the bookmarks'
    pages rise in the order of _toc.yml, and each points at the top of its page, which shows the title
    (print.css starts every page of the website on a new one)."""
    marks = chapter_marks(pdf)
    found = []
    for title in toc_titles():
        assert squeeze(title) in marks, f"no bookmark for {title!r} in {list(marks)}"
        mark = marks[squeeze(title)]
        page = pdf.get_destination_page_number(mark)
        found.append(page)
        assert squeeze(title) in squeeze(pages[page]), f"{title!r} is not on page {page + 1}"
        top_eighth = 0.875 * float(pdf.pages[page].mediabox.height)  # PDF heights count from the bottom
        assert mark.top > top_eighth, f"{title!r} starts at {mark.top} on page {page + 1}, not at its top"
    assert found == sorted(set(found)), f"pages {found}"


def test_contents_page_lists_every_title_in_order(pages):
    front = squeeze(pages[0] + pages[1])
    assert front.startswith(squeeze("Optimizers, Computed Contents"))
    positions = [front.find(squeeze(title)) for title in toc_titles()]
    assert -1 not in positions, dict(zip(toc_titles(), positions, strict=True))
    assert positions == sorted(positions)


def test_every_page_has_its_number(pages):
    total = len(pages)
    for i, text in enumerate(pages):
        assert text.rstrip().endswith(f"{i + 1} / {total}"), f"page {i + 1} footer: {text[-40:]!r}"


def test_page_count_fits_the_content(pages, source_html):
    """As many pages as the book's content needs: at least its text on full pages plus a quarter page
    per figure and playground; at most its text on half-full pages plus a page per picture."""
    article = re.search(r'<article class="bd-article">(.*)</article>', source_html, re.S)[1]
    chars = len(squeeze(plain(re.sub(r"<script.*?</script>", "", article, flags=re.S))))
    pictures = len(figures(source_html)) + source_html.count('class="optim-playground"')
    fewest = chars / FULL_PAGE + pictures / 4
    most = chars / HALF_PAGE + pictures
    assert fewest <= len(pages) <= most, f"{len(pages)} pages for {chars} characters and {pictures} pictures"


def test_no_raw_tex_survives(pages):
    """MathJax typeset every equation: no TeX source is left in the text."""
    text = "\n".join(pages)
    for raw in (r"\frac", r"\alpha", r"\beta", "$$", r"\(", r"\)", r"\[", r"\]"):
        assert raw not in text, f"{raw!r} on page {next(i + 1 for i, t in enumerate(pages) if raw in t)}"


def figures(source_html: str) -> list[str]:
    """Every image a cell output or figure shows (Sphinx copies them to _images/)."""
    return re.findall(r'<img [^>]*src="_images/', source_html)


def count_images(resources, seen: set) -> int:
    """Image objects drawn from a page's resources, inside forms too, each counted once."""
    count = 0
    for ref in (resources or {}).get("/XObject", {}).values():
        if ref.idnum in seen:
            continue
        seen.add(ref.idnum)
        xobject = ref.get_object()
        if xobject["/Subtype"] == "/Image":
            count += 1
        elif xobject["/Subtype"] == "/Form":
            count += count_images(xobject.get("/Resources"), seen)
    return count


def test_every_figure_and_playground_is_an_image(pdf, source_html):
    """At least one image per figure, and one more per playground (its drawing)."""
    expected = len(figures(source_html)) + source_html.count('class="optim-playground"')
    seen = set()
    images = sum(count_images(page.get("/Resources"), seen) for page in pdf.pages)
    assert len(figures(source_html)) > 0 and images >= expected, (images, expected)


def test_each_playground_carries_the_live_version_note(pages, source_html):
    css = (ROOT / "book" / "_static" / "print.css").read_text()
    note = re.search(r'\.optim-playground::after\s*\{[^}]*content:\s*"([^"]+)"', css)[1]
    playgrounds = source_html.count('class="optim-playground"')
    assert playgrounds > 0
    assert squeeze("".join(pages)).count(squeeze(note)) == playgrounds


def test_bibliography_is_printed(pages, source_html):
    """Every entry of the bibliography, whole on one page (print.css keeps each entry together)."""
    entries = re.findall(r'<div class="citation"[^>]*>.*?<p>(.*?)</p>', source_html, re.S)
    assert entries
    texts = [squeeze(page) for page in pages]
    missing = [plain(e)[:60] for e in entries if not any(squeeze(plain(e)) in text for text in texts)]
    assert not missing, missing


def test_links_stay_inside_the_pdf(pdf):
    """The page was printed from a local server: no link may point back at it."""
    for i, page in enumerate(pdf.pages):
        for annotation in page.get("/Annots") or []:
            uri = str(annotation.get_object().get("/A", {}).get("/URI", ""))
            assert "127.0.0.1" not in uri and "localhost" not in uri, f"page {i + 1}: {uri}"
