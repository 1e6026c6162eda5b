"""Terminal-safe text: what came from outside never drives the terminal.

Customer mail is written by strangers. Any string from outside (headers, bodies,
display names, attachment names, snippets, imported data) passes through
`term_safe` on its way to a terminal or a plain pipe. Control characters and escape
sequences become visible stand-ins, the way `less` and mutt show them, so the reader
sees that something odd was there and the terminal obeys none of it:

- ESC (and so every CSI, OSC, DCS, APC, PM, SOS sequence it starts) → ``␛``;
- other C0 controls except newline and tab → their Control Pictures (U+2400 block),
  DEL → ``␡``;
- C1 controls (U+0080–U+009F, which some terminals read as CSI/OSC too) → ``\\x9b``;
- bidi embedding/override/isolate controls and other invisible format characters
  (category Cf: zero-width spaces and joiners aside) → ``<U+202E>``.

JSON output does not use this (JSON escapes control characters itself).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width joiner / non-joiner are part of ordinary emoji and Indic text; the
# soft hyphen is harmless. Everything else of category Cf is shown.
_KEEP_CF = frozenset("\u200c\u200d\u00ad")

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0001-\U000e007f]"
)
# Every other Cf character (rare): checked only when the fast pattern finds nothing.
_ASCII_SAFE = re.compile(r"[\t\n\x20-\x7e]*\Z")


@lru_cache(maxsize=256)
def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def _replace(match: re.Match[str]) -> str:
    return _stand_in(match.group(0))


def _other_format(text: str) -> str:
    return "".join(
        _stand_in(ch)
        if ord(ch) > 0x7F and ch not in _KEEP_CF and unicodedata.category(ch) == "Cf"
        else ch
        for ch in text
    )


def term_safe(value: object, *, newlines: bool = True) -> str:
    """`value` as text that cannot drive a terminal (see the module doc).

    With `newlines=False` a newline or carriage return becomes a space too, for
    one-line cells such as a table row or an error message.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if _ASCII_SAFE.match(text):
        return text if newlines else text.replace("\n", " ").replace("\t", " ")
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        text = text.replace("\t", " ")
    text = _UNSAFE.sub(_replace, text)
    if text.isascii():
        return text
    return _other_format(text)


def one_line(value: object, limit: int | None = None) -> str:
    """`term_safe` on one line, cut to `limit` characters with an ellipsis."""
    text = term_safe(value, newlines=False)
    if limit is not None and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


# A cell a spreadsheet would read as a formula starts with one of these (OWASP, "CSV
# injection"); tab and carriage return too, as some spreadsheets strip them first.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")


def csv_cell(value: object) -> object:
    """`value` for a CSV cell: text that a spreadsheet would run as a formula gets a
    leading `'` so it shows as text; numbers (also as text, such as "-12.50") stay
    numbers, and everything else is unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value
