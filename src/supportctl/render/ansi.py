"""Styled text on a terminal without rich: cell widths, cutting, wrapping and SGR codes.

The tables, key/value blocks and one-line messages of every command draw through this
module on a terminal, so a listing starts without importing rich (its console, text
and table modules cost about 20 ms before the first line).

- `Styled` is text in styled parts (a coloured level letter, a late SLA clock, a
  highlighted search word). A rich `Text` handed in instead is read the same way
  (`parts_of`), its spans included.
- Widths are terminal cells: wide East Asian characters and emoji take two, combining
  marks and format characters none (`cell_width`, the same count rich uses).
- `Terminal` is what the output needs to know: the width (COLUMNS, else the
  terminal's, else 80) and whether styles and colours are shown (NO_COLOR or
  `--no-color` keeps bold and dim but drops colours; TERM=dumb shows no styles).
- Style names are rich's (`"bold red"`, `"dim"`, `"bold dark_orange3"`) and give the
  same SGR sequences rich writes; a name this module does not know is handed to rich.

Text reaching this module has already been made terminal-safe by the caller
(`render.safe.one_line` / `term_safe`); the only escape sequences written are the
SGR codes made here.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

Part = tuple[str, str]  # (text, style)


class Styled:
    """Text in styled parts; `plain` is the text without styles."""

    __slots__ = ("parts",)

    def __init__(self, text: str = "", style: str = "") -> None:
        self.parts: list[Part] = [(text, style)] if text else []

    @classmethod
    def of(cls, parts: Iterable[Part]) -> Styled:
        new = cls()
        new.parts = [p for p in parts if p[0]]
        return new

    def append(self, text: str, style: str = "") -> Styled:
        if text:
            self.parts.append((text, style))
        return self

    @property
    def plain(self) -> str:
        parts = self.parts
        if len(parts) == 1:
            return parts[0][0]
        return "".join(t for t, _s in parts)

    @property
    def style(self) -> str:
        """The style of the whole text when it has only one ("" otherwise)."""
        styles = {s for _t, s in self.parts}
        return styles.pop() if len(styles) == 1 else ""

    def copy(self) -> Styled:
        return Styled.of(self.parts)

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"Styled({self.parts!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Styled) and other.parts == self.parts

    __hash__ = None  # type: ignore[assignment]


def parts_of(value: Any) -> list[Part]:
    """The styled parts of a cell: a Styled, a rich Text (spans included) or any value."""
    if isinstance(value, Styled):
        return value.parts
    if isinstance(value, str):
        return [(value, "")] if value else []
    spans = getattr(value, "spans", None)
    plain = getattr(value, "plain", None)
    if isinstance(plain, str) and spans is not None:  # a rich Text
        base = str(value.style) if value.style else ""
        if not spans:
            return [(plain, base)] if plain else []
        cuts = sorted({0, len(plain), *(s.start for s in spans), *(s.end for s in spans)})
        parts = []
        for start, end in pairwise(cuts):
            if start >= len(plain):
                break
            styles = [base] + [str(s.style) for s in spans if s.start <= start and s.end >= end]
            parts.append((plain[start:end], " ".join(s for s in styles if s)))
        return parts
    text = "" if value is None else str(value)
    return [(text, "")] if text else []


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Cells of one character: 2 wide East Asian and emoji, 0 combining and format
    (the soft hyphen, which terminals show, takes one)."""
    if ch == "\xad":
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if "\U0001f3fb" <= ch <= "\U0001f3ff":  # skin tones join the emoji before them
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


_ZWJ = "\u200d"
_VS16 = "\ufe0f"


def _widths(text: str) -> list[int]:
    """The cells of each character of `text`, joined sequences counted as rich counts
    them: the character after a zero-width joiner takes none, and the emoji
    presentation selector (U+FE0F) widens a one-cell character before it to two."""
    out = []
    prev = 0
    joined = False
    for ch in text:
        if joined:
            joined = False
            out.append(0)
        elif ch == _ZWJ:
            joined = True
            out.append(0)
        elif ch == _VS16:
            out.append(1 if prev == 1 else 0)
            prev = 0
        else:
            w = char_width(ch)
            if w:
                prev = w
            out.append(w)
    return out


def cell_width(text: str) -> int:
    """Width of `text` in terminal cells (wide CJK/emoji 2, combining marks 0)."""
    if text.isascii():
        return len(text)
    if _ZWJ in text or _VS16 in text:
        return sum(_widths(text))
    return sum(map(char_width, text))


def _take(text: str, room: int) -> tuple[str, str]:
    """The longest start of `text` within `room` cells (never ending in a joiner), and
    the rest."""
    if cell_width(text) <= room:
        return text, ""
    n = 0
    for n, w in enumerate(_widths(text)):  # noqa: B007 (n is the cut point)
        if w > room:
            break
        room -= w
    head = text[:n]
    while head.endswith(_ZWJ):
        head = head[:-1]
    return head, text[len(head) :]


def cut(parts: Sequence[Part], width: int) -> list[Part]:
    """`parts` cut to at most `width` cells, ending in `…` (in the last part's style)."""
    if width <= 0:
        return []
    room = width - 1  # for the ellipsis
    out: list[Part] = []
    style = ""
    for text, style in parts:
        size = cell_width(text)
        if size <= room:
            out.append((text, style))
            room -= size
            continue
        head, _rest = _take(text, room)
        if head:
            out.append((head, style))
        break
    out.append(("…", style))
    return out


def fold(text: str, width: int) -> list[str]:
    """`text` wrapped on spaces to `width` cells; a longer word is split across lines."""
    width = max(width, 1)
    lines: list[str] = []
    for line in text.split("\n"):
        if cell_width(line) <= width:
            lines.append(line)
            continue
        current, size = "", 0
        for word in line.split(" "):
            w = cell_width(word)
            if current and size + 1 + w <= width:
                current, size = f"{current} {word}", size + 1 + w
                continue
            if current:
                lines.append(current)
            while w > width:  # a word longer than the line: split at the edge
                head, word = _take(word, width)
                if not head:  # one character wider than the line: it goes alone
                    widths, k = _widths(word), 1
                    while k < len(word) and widths[k] == 0:
                        k += 1
                    head, word = word[:k], word[k:]
                lines.append(head)
                w = cell_width(word)
            current, size = word, w
        lines.append(current)
    return lines


_ATTRIBUTES = {
    "bold": "1",
    "b": "1",
    "dim": "2",
    "d": "2",
    "italic": "3",
    "i": "3",
    "underline": "4",
    "u": "4",
    "blink": "5",
    "reverse": "7",
    "r": "7",
    "conceal": "8",
    "strike": "9",
    "s": "9",
}
_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_COLOUR_CODES = {name: 30 + n for n, name in enumerate(_COLOURS)}
_COLOUR_CODES.update({f"bright_{name}": 90 + n for n, name in enumerate(_COLOURS)})
_COLOUR_CODES["dark_orange3"] = 33  # what rich writes for it on every colour system
_COLOUR_CODES["default"] = 39


class Terminal:
    """What output to a terminal needs: its width, and how styles are shown.

    `colors`: None shows no styles at all (a dumb terminal), else rich's colour system
    name ("standard", "256", "truecolor"); `no_color` keeps attributes only.
    """

    __slots__ = ("colors", "no_color", "width")

    def __init__(self, width: int, colors: str | None, no_color: bool) -> None:
        self.width = width
        self.colors = colors
        self.no_color = no_color

    @classmethod
    def detect(cls, *, no_color: bool, environ: Any = None) -> Terminal:
        """The terminal on stdout, found the way rich's Console finds it."""
        env = os.environ if environ is None else environ
        dumb = env.get("TERM", "").lower() in ("dumb", "unknown")
        columns = env.get("COLUMNS")
        if dumb:
            width = 80
        elif columns is not None and columns.isdigit():
            width = int(columns)
        else:
            width = 0
            for fd in (0, 1, 2):
                try:
                    width = os.get_terminal_size(fd).columns
                except (AttributeError, ValueError, OSError):
                    continue
                break
        colors: str | None
        if dumb:
            colors = None
        elif env.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
            colors = "truecolor"
        else:
            suffix = env.get("TERM", "").strip().lower().rpartition("-")[2]
            colors = "256" if suffix in ("kitty", "256color") else "standard"
        return cls(width or 80, colors, no_color)

    @classmethod
    def of_console(cls, console: Any) -> Terminal:
        """The terminal a rich Console writes to."""
        system = console.color_system
        return cls(console.width, system, bool(console.no_color))

    def sgr(self, style: str) -> str:
        """The escape sequence that starts `style` here ("" when nothing shows)."""
        if not style or self.colors is None:
            return ""
        return _sgr(style, self.colors, self.no_color)

    def render(self, parts: Iterable[Part]) -> str:
        """Styled parts as one string: each styled part between its SGR code and a reset."""
        out = []
        for text, style in parts:
            code = self.sgr(style) if style else ""
            out.append(f"{code}{text}\x1b[0m" if code else text)
        return "".join(out)


@lru_cache(maxsize=128)
def _sgr(style: str, colors: str, no_color: bool) -> str:
    codes: list[str] = []
    words = style.split()
    n = 0
    known = True
    while n < len(words):
        word = words[n]
        if word in _ATTRIBUTES:
            codes.append(_ATTRIBUTES[word])
        elif word == "on" and n + 1 < len(words) and words[n + 1] in _COLOUR_CODES:
            if not no_color:
                codes.append(str(_COLOUR_CODES[words[n + 1]] + 10))
            n += 1
        elif word in _COLOUR_CODES:
            if not no_color:
                codes.append(str(_COLOUR_CODES[word]))
        else:
            known = False
            break
        n += 1
    if not known:
        return _rich_sgr(style, colors, no_color)
    return f"\x1b[{';'.join(codes)}m" if codes else ""


def _rich_sgr(style: str, colors: str, no_color: bool) -> str:
    """A style this module does not know, as rich renders it."""
    from rich.color import ColorSystem
    from rich.errors import StyleSyntaxError
    from rich.style import Style

    try:
        parsed = Style.parse(style)
    except StyleSyntaxError:
        return ""
    if no_color:
        parsed = parsed.without_color
    system = {
        "standard": ColorSystem.STANDARD,
        "256": ColorSystem.EIGHT_BIT,
        "truecolor": ColorSystem.TRUECOLOR,
        "windows": ColorSystem.WINDOWS,
    }.get(colors, ColorSystem.STANDARD)
    rendered = parsed.render("\x00", color_system=system)
    return rendered.partition("\x00")[0]
