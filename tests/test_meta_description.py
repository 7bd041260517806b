"""book/_ext/meta_description.py: how a page's description is taken from its first paragraph."""

import sys
from pathlib import Path

from docutils.core import publish_doctree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from meta_description import MAX_CHARS, first_prose, shorten


def test_a_long_text_is_cut_at_a_word_boundary():
    words = "gradient descent takes a step against the gradient " * 8
    cut = shorten(words)
    assert len(cut) <= MAX_CHARS and cut.endswith("…")
    assert words.startswith(cut[:-1]) and words[len(cut) - 1] == " ", "cut inside a word"


def test_a_short_text_is_kept_on_one_line():
    assert shorten("  one\n   line  ") == "one line"


def test_the_first_paragraph_of_plain_prose_long_enough_is_taken():
    doctree = publish_doctree(
        "Title\n=====\n\nToo short.\n\n"
        ".. note:: A note is not the page's prose, however long it may be written here.\n\n"
        "The update :math:`w - \\alpha g` has math in it, which a description cannot show.\n\n"
        "This paragraph leads into an equation that a description would leave out, like this:\n\n"
        "This paragraph says what the page is about, in plain words.\n",
        settings_overrides={"doctitle_xform": False},  # as Sphinx reads pages: the title keeps its section
    )
    assert first_prose(doctree) == "This paragraph says what the page is about, in plain words."
