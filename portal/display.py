"""Text from the data or the URL made safe for each place it is shown: it reads as written, never as markup.

One function per target, and every page, chart builder and PDF uses these (tests/test_display.py):

- `markdown_text`: Streamlit Markdown, i.e. every st.markdown, st.caption, st.title/header/subheader,
  st.info/warning/error/success, st.toast, widget labels and help texts, and st.table cells.
- `html_text`: plotly's text, hover text, tick labels, legend names and annotations (a subset of HTML).
- `pdf_text`: reportlab Paragraph markup (XML-like) in the briefing packs.

Cells of st.dataframe and the options of select boxes are plain text in Streamlit: they need none of these.
No Streamlit import: chart builders and the PDF code use this module too.
"""

from __future__ import annotations

import html
import re
import string
from xml.sax.saxutils import escape as _xml_escape

# CommonMark lets every ASCII punctuation character be escaped with a backslash, and shows it as written.
# Escaping all of them covers Markdown (emphasis, links, images, headings, lists, tables, autolinks such as
# www.x.example or https://x.example), HTML and entities, and Streamlit's own syntax on top of it: colour and
# badge directives (:red[...]), Material icons (:material/home:), emoji shortcodes (:+1:) and LaTeX ($x$).
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
# Some rewrites work on the parsed text, after escapes are resolved: links made of bare addresses
# (https://..., www...., name@host), emoji and logo shortcodes (:smile:, :streamlit:) and arrows (-> <- <->
# -- >= <= ~=). An invisible WORD JOINER (U+2060) inside each such pattern keeps it from matching, and the
# text still reads as written.
WORD_JOINER = "\u2060"
_TEXT_REWRITES = re.compile(r"(?<=:)(?=//|[\w+-])|(?i:(?<=www))(?=\.)|(?<=@)|(?<=[-<>~])(?=[-<>=])")
# A line break in the data stays a line break, never a blank line (a new block: a heading, a list, code).
_LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")


def markdown_text(value: object) -> str:
    """Text shown as written by anything Streamlit renders as Markdown."""
    text = _TEXT_REWRITES.sub(WORD_JOINER, str(value)).translate(_MARKDOWN_ESCAPES)
    return _LINE_BREAKS.sub("  \n", text)


def html_text(value: object) -> str:
    """Text shown as written in plotly's labels, hover texts and annotations (which read a subset of HTML)."""
    return html.escape(str(value), quote=False)


def pdf_text(value: object) -> str:
    """Text shown as written in a reportlab Paragraph (whose markup is XML-like: tags and entities)."""
    return _xml_escape(str(value))


def markdown_values(values: dict[str, object]) -> dict[str, object]:
    """A message's placeholders with their texts made safe for Markdown (numbers stay numbers, for t())."""
    return {name: markdown_text(value) if isinstance(value, str) else value for name, value in values.items()}
