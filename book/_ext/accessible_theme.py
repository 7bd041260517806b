"""Fixes to the theme's HTML for accessibility (each found by axe-core, tests/browser/test_accessibility.py).

- A hidden code cell's toggle (myst-nb) is named "Toggle hidden content" while it shows "Show code cell
  source": a speech-input user says what they see, so the name is now the visible text (axe's
  label-content-name-mismatch).
- templates/ overrides two theme components: the search button, whose name "Search" left out its visible
  "Ctrl+K" (the same rule), and the sidebar logo, which sat outside every landmark (axe's region).
- The references page lists its entries with the role doc-biblioentry, which ARIA 1.2 deprecates and
  which a role="list" may not hold (axe's aria-deprecated-role, aria-allowed-role, aria-required-children):
  they are list items now.
- scroll-focus.js gives a tab stop to display math that scrolls sideways (axe's
  scrollable-region-focusable), and to the theme's boxes (code, outputs, tables) in sections the browser
  lays out late (book.css, content-visibility).
"""

from html import escape
from pathlib import Path

from docutils import nodes
from docutils.writers._html_base import HTMLTranslator
from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

TEMPLATES = Path(__file__).parent / "templates"


def visit_hidden_cell(self, node):
    """myst-nb's visit_HideCellInput, without the aria-label that hid the visible text."""
    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def visit_citation(self, node):
    """docutils' visit_citation, with each entry a list item of the list that holds them."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def add_templates(app, config):
    config.templates_path.insert(0, str(TEMPLATES))


def setup(app):
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_HideCellInput))
    app.add_node(nodes.citation, override=True, html=(visit_citation, HTMLTranslator.depart_citation))
    app.connect("config-inited", add_templates)
    app.add_js_file("scroll-focus.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
