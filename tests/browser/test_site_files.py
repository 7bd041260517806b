"""The built site read as files, without a browser: every page's footer names both licenses of LICENSE,
and every download button in a page's header points at a file the site holds, the page's own source."""

import posixpath
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
DOCS = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"]]
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def soup(path):
    return BeautifulSoup(path.read_text(), "html.parser")


def site_pages(site):
    """Every page of the site: the HTML files outside the folders of assets and sources, except the root's
    one-line redirect to the introduction."""
    pages = [p for p in sorted(site.rglob("*.html")) if not p.relative_to(site).parts[0].startswith("_")]
    return [p for p in pages if not soup(p).find("meta", attrs={"http-equiv": "Refresh"})]


def test_every_page_footer_names_both_licenses(site_dir):
    pages = site_pages(site_dir)
    assert len(pages) >= len(DOCS) + 3, "fewer pages than the table of contents, search, index and 404"
    for page in pages:
        footer = soup(page).select_one("footer .extra_footer")
        assert footer is not None, f"{page.name}: no license note in the footer"
        links = {a.get_text(strip=True): a["href"] for a in footer.select("a[href]")}
        assert links.get("CC BY 4.0") == CC_BY, f"{page.name}: {links}"
        assert links.get("MIT License", "").startswith("https://opensource.org/license"), f"{page.name}: {links}"
        assert "Text and figures" in footer.get_text() and "Code" in footer.get_text()


def resolve(site, page, href):
    """The site file a link on `page` points at, or None if it leaves the site."""
    url = urlparse(href)
    if url.scheme or url.netloc:
        return None
    target = posixpath.normpath(posixpath.join(page.parent.relative_to(site).as_posix(), url.path))
    return None if target.startswith("..") else site / target


@pytest.mark.parametrize("doc", DOCS)
def test_download_buttons_point_at_files_the_site_holds(site_dir, doc):
    page = site_dir / f"{doc}.html"
    links = soup(page).select(".dropdown-download-buttons a[href]")
    assert links, "no download button"
    for link in links:
        target = resolve(site_dir, page, link["href"])
        assert target is not None and target.is_file(), f"{link['href']} is not a file of the site"
    # The source download is the page's own source, as committed (.ipynb for chapters, .md for the others).
    (source,) = [(ROOT / doc).with_suffix(s) for s in (".ipynb", ".md") if (ROOT / doc).with_suffix(s).is_file()]
    sources = [resolve(site_dir, page, a["href"]) for a in links if "btn-download-source-button" in a["class"]]
    assert [s.name for s in sources] == [source.name]
    assert sources[0].read_bytes() == source.read_bytes()
