"""Fixtures for the browser tests: the built site served on 127.0.0.1 and Debian's Chromium.

The site must have been built (`make book`; `make test` does it first). Without Chromium the tests
skip, unless OPTIM_REQUIRE_BROWSER=1 (set by CI), which turns a missing browser into a failure.
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("OPTIM_SITE", ROOT / "_build" / "html"))  # override to test another build
CHROMIUM = os.environ.get("OPTIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason):
    if os.environ.get("OPTIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (OPTIM_REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").is_file():
        pytest.fail("the site is not built: run `make book` first", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_dir():
    """The built site as a folder, for the checks that read its files without a browser."""
    if not (SITE / "index.html").is_file():
        pytest.fail("the site is not built: run `make book` first", pytrace=False)
    return SITE
