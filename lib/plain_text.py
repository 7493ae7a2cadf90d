"""Text a person typed, shown as typed wherever the app renders Markdown.

Streamlit renders Markdown in most elements; a hypothesis holding ``![x](http://host/pixel.png)``
would otherwise make every viewer's browser fetch that image. Everything typed (or supplied by a
file) passes through :func:`plain_markdown` before it reaches Markdown; the app's own strings do not.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Characters that make Markdown wherever they stand: emphasis, code, links and images, HTML and
# entities, tables, strikethrough, maths. The rest of the punctuation stays as typed, so "Name: is
# required." or "8% (target)" read the same in the page source as on screen.
_MARKDOWN_ANYWHERE = re.compile(r"([\\`*\[\]<>|~$&])")
_UNDERSCORES = re.compile(r"_+")  # emphasis too, unless inside a word: see _underscores
# ... and what makes a block only at the start of a line: headings, bullets, setext underlines,
# numbered lists ("1." / "1)")
_MARKDOWN_LINE_START = re.compile(r"(?m)^([ \t]*)([#+=-])")
_NUMBERED_LINE = re.compile(r"(?m)^([ \t]*\d{1,9})([.)])")
# GFM links bare "www.host" and "name@host" even when escaped (remark re-scans the unescaped text)
_BARE_LINK_START = re.compile(r"(?i)(www(?=\.)|@)")
# ":" touching a word starts Streamlit's :emoji:, :material/…: and :red[…] shortcodes and http:// links
_SHORTCODE_COLON = re.compile(r":(?=\S)")
_WORD_JOINER = "\u2060"


def _underscores(m: re.Match[str]) -> str:
    """A run of "_" inside a word ("reply_rate") cannot make emphasis and is left as typed."""
    text, start, end = m.string, m.start(), m.end()
    inside = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return m.group() if inside else "\\_" * (end - start)


def plain_markdown(text: object) -> str:
    """Text a person typed, made safe to place in Streamlit Markdown so it shows exactly as typed.

    What would make Markdown is backslash-escaped (no emphasis, links, images, HTML, headings,
    lists, tables, ``$`` maths); an invisible word joiner after a ``:`` that touches a word stops
    Streamlit's shortcodes and ``http://`` links, one after ``www`` and ``@`` stops bare
    ``www.host`` and e-mail links; line breaks stay line breaks.
    """
    raw = "" if text is None else str(text)
    return _plain_kept(raw) if len(raw) <= _KEPT_CHARS else _plain(raw)


def _plain(text: str) -> str:
    raw = text.replace("\r\n", "\n").replace("\r", "\n")
    raw = _BARE_LINK_START.sub(r"\1" + _WORD_JOINER, raw)
    escaped = _MARKDOWN_ANYWHERE.sub(r"\\\1", raw).replace("](", "]\\(")  # not even a link's shape
    escaped = _UNDERSCORES.sub(_underscores, escaped)
    escaped = _MARKDOWN_LINE_START.sub(r"\1\\\2", escaped)
    escaped = _NUMBERED_LINE.sub(r"\1\\\2", escaped)
    return _SHORTCODE_COLON.sub(":" + _WORD_JOINER, escaped).replace("\n", "  \n")


#: pages escape the same names and notes on every run: short texts are escaped once per process
_plain_kept = lru_cache(maxsize=8192)(_plain)
_KEPT_CHARS = 500  # names and short notes; a longer text is escaped each time rather than kept (8,192 at most)
