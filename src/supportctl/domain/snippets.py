"""How a search snippet marks the words that matched.

The store asks FTS5 to wrap each match between MARK_START and MARK_END (control
characters no mail text keeps: the parser strips them); the views turn the marks into
emphasis. Both sides read the marks from here.
"""

from __future__ import annotations

MARK_START = "\x02"
MARK_END = "\x03"


def marked_plain(snippet: str) -> str:
    """The snippet with each match between `**`, as plain text."""
    return snippet.replace(MARK_START, "**").replace(MARK_END, "**")
