"""Every page gets a <meta name="description">: search engines show it under the page's title (and
Lighthouse's SEO audit asks for one).

A page may give its own, as MyST does it: `myst: {html_meta: {description: ...}}` in a Markdown page's
front matter or in a notebook's metadata. MyST writes that tag itself, and this extension leaves the page
alone. Otherwise the description is the page's first paragraph of plain prose (one directly under a
section, without math, long enough to say something, and not leading into an equation or a list), cut at a
word boundary. The pages Sphinx
generates (search, index, 404) have no prose; they get a sentence of their own.
"""

import html

from docutils import nodes

MIN_CHARS = 50
MAX_CHARS = 155

GENERATED = {
    "search": "Search the whole text of {title}: every chapter, the exercises and their solutions, the reference.",
    "genindex": "The general index of {title}: the terms and names that the book's pages define.",
    "404": "This page of {title} does not exist. Use the table of contents or the search to find a chapter.",
}


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """text on one line, cut at the last word boundary before limit characters (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–—-")
    return cut + "…"


def first_prose(doctree) -> str | None:
    """The text of the first paragraph that sits directly in a section, has no math, is long enough and does
    not end in a colon or comma (it would lead into something the description cannot show)."""
    for paragraph in doctree.findall(nodes.paragraph):
        if not isinstance(paragraph.parent, nodes.section) or next(paragraph.findall(nodes.math), None):
            continue
        text = " ".join(paragraph.astext().split())
        if len(text) >= MIN_CHARS and not text.endswith((":", ",")):
            return text
    return None


def add_description(app, pagename, templatename, context, doctree):
    if 'name="description"' in context.get("metatags", ""):
        return  # the page gave its own (myst html_meta)
    if pagename in GENERATED:
        text = GENERATED[pagename].format(title=app.config.html_title)
    elif doctree is not None:
        text = first_prose(doctree)
    else:
        text = None
    if text:
        tag = f'<meta name="description" content="{html.escape(shorten(text))}" />\n'
        context["metatags"] = context.get("metatags", "") + tag


def setup(app):
    app.connect("html-page-context", add_description)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
