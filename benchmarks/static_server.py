"""Serve a built site as a static host does: text files gzip-compressed when the client accepts it.

Python's http.server sends every file as it is on disk. GitHub Pages, Netlify and most other static
hosts compress text (HTML, CSS, JavaScript, JSON, SVG) on the fly, and what a reader downloads is
that compressed body, so page-speed measurements must see it too.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import sys
import threading
from pathlib import Path

# Media types worth compressing; images other than SVG, and woff/woff2 fonts, are compressed already.
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")
# A static host's default (GitHub Pages sends 10 minutes): short enough that a new build is seen soon.
CACHE_CONTROL = "max-age=600"


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler that gzips text responses for clients sending `Accept-Encoding: gzip`."""

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", CACHE_CONTROL)
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        ctype = self.guess_type(path)
        if not (os.path.isfile(path) and ctype.startswith(TEXT_TYPES)):
            return super().send_head()  # directories, redirects, 404s and binary files as http.server does
        body = Path(path).read_bytes()
        compress = _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        if compress:
            body = _gzipped(path, os.stat(path).st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8" if ctype.startswith("text/") else ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")  # caches must not give the gzip body to others
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        return _BytesFile(body)


class _BytesFile:
    """What send_head returns: do_GET copies it to the socket and closes it; do_HEAD only closes it."""

    def __init__(self, body: bytes):
        self.body = body

    def read(self, size: int = -1) -> bytes:
        body, self.body = self.body, b""
        return body

    def close(self):
        pass


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (and does not refuse it with q=0)."""
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@functools.lru_cache(maxsize=512)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    """A file's gzip body (level 6, as nginx and most hosts use), cached until the file changes."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser cancelling a load is no error
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` on 127.0.0.1 (a free port) in a background thread; yields the base URL."""
    handler = functools.partial(GzipHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
