"""The benchmarks' static server (benchmarks/static_server.py) compresses text as static hosts do."""

import gzip
import urllib.request

import pytest

from benchmarks.static_server import serve

PAGE = "<!doctype html><title>t</title>" + "<p>optimizers, computed</p>" * 200
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    (site / "book").mkdir()
    (site / "book" / "page.html").write_text(PAGE)
    (site / "index.html").write_text(PAGE)
    (site / "style.css").write_text("p { color: black; }\n" * 100)
    (site / "figure.png").write_bytes(PNG)
    with serve(site) as url:
        yield url


def get(url, encoding=None, method="GET"):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method)) as response:
        return response.headers, response.read()


@pytest.mark.parametrize("encoding", ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"])
def test_text_is_gzipped_for_clients_that_accept_it(base, encoding):
    headers, body = get(f"{base}/book/page.html", encoding)
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).decode() == PAGE
    assert int(headers["Content-Length"]) == len(body) < len(PAGE) / 5
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Cache-Control"] == "max-age=600"


@pytest.mark.parametrize("encoding", [None, "identity", "br", "gzip;q=0"])
def test_text_is_sent_as_is_to_clients_that_do_not(base, encoding):
    headers, body = get(f"{base}/book/page.html", encoding)
    assert headers["Content-Encoding"] is None
    assert body.decode() == PAGE
    assert headers["Vary"] == "Accept-Encoding"


def test_css_and_directory_index_are_compressed_and_typed(base):
    headers, body = get(f"{base}/style.css", "gzip")
    assert headers["Content-Type"] == "text/css; charset=utf-8"
    assert gzip.decompress(body).startswith(b"p { color")
    headers, body = get(f"{base}/", "gzip")
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body).decode() == PAGE


def test_images_are_not_compressed_again(base):
    headers, body = get(f"{base}/figure.png", "gzip")
    assert headers["Content-Encoding"] is None
    assert headers["Content-Type"] == "image/png"
    assert body == PNG


def test_head_and_missing_files(base):
    headers, body = get(f"{base}/book/page.html", "gzip", method="HEAD")
    assert body == b"" and headers["Content-Encoding"] == "gzip" and int(headers["Content-Length"]) > 0
    with pytest.raises(urllib.error.HTTPError, match="404"):
        get(f"{base}/nothing.html", "gzip")
