"""Tables and key/value blocks: one line per row on a terminal, plain aligned text when piped.

On a terminal a table is a header row and aligned columns, no borders, one line per
row whatever the width: ids, dates, times, minutes, money, levels and statuses are
never wrapped or cut; the free-text column (`Col(flex=True)`: subject, task,
description) takes the width that is left and is cut with `…`. When even that is too
narrow, columns give way in their `give` order, the way `gh` does: a column with a
`short` form switches to it (a level as a coloured letter, flags as badges explained
by a legend line), a `narrow` one is cut to that many cells, any other is dropped.
Widths are terminal cells (`rich.cells.cell_len`), so decomposed Finnish and Czech,
emoji and CJK stay aligned. Tables are capped at 50 rows with a count of the rest.

When stdout is not a terminal the same rows print as plain aligned columns, never
wrapped or cut (one row per line, of any length), which is what grep, cut and
`less -S` want, and costs no rich import (about a third of start-up). A Console given
directly follows the same rule through its own `is_terminal`. `--color` forces the
terminal form; `--json` is the stable interface for scripts.

Every cell passes through `_cell` (`render.safe.one_line`: terminal-safe, one line),
titles, captions and key/value blocks through `render.safe.term_safe`, so no view can
put a customer's escape sequence on the terminal; text reaches rich as `Text`, never as
markup (`[/b]` in a subject is shown, not parsed).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.safe import one_line, term_safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from supportctl.render.screen import Screen

from supportctl.render.screen import console_of, wants_rich

TABLE_ROW_CAP = 50

# The colours mean the same on every screen. Bold and a dark orange rather than plain
# yellow keep them readable on light backgrounds as well as dark; NO_COLOR (or
# --no-color) leaves only the weight.
URGENT = "bold red"
LATE = "bold red"
WARNING = "bold dark_orange3"
QUIET = "dim"


def clock_style(clock: Any) -> str:
    """The style of an SLA clock: late, under two business hours, paused, or none."""
    if clock is None:
        return ""
    if clock.paused:
        return QUIET
    if clock.breached:
        return LATE
    return WARNING if clock.colour else ""


GAP = 2  # cells between columns
FLEX_MIN = 20  # below this the free-text column makes other columns give way


class Col:
    """How one column behaves on a terminal (plain output ignores all but the name).

    - `flex`: the free-text column; takes the width that is left, cut with `…`.
    - `right`: right-aligned (numbers, money).
    - `give`: the order in which the column gives way when space runs out (1 first;
      0 never). It then switches to `short` (a function of the cell), or is cut to
      `narrow` cells, or else is dropped.
    - `short_name`: the header once `short` is in force; `legend`: given the short
      values shown, the line under the table that explains them.
    - `eager`: give way as soon as the free text would be cut, not only when it
      would fall under FLEX_MIN cells (for short forms that lose little).
    - `hide_empty`: leave the column out on a terminal when no row has a value.
    - `cap`: a second text column's widest (cut with `…` beyond it).
    """

    __slots__ = ("cap", "eager", "flex", "give", "hide_empty", "legend", "name", "narrow")
    __slots__ += ("right", "short", "short_name")

    def __init__(
        self,
        name: str,
        *,
        flex: bool = False,
        right: bool = False,
        give: int = 0,
        short: Callable[[Any], Any] | None = None,
        short_name: str | None = None,
        narrow: int | None = None,
        legend: Callable[[set[str]], str] | None = None,
        hide_empty: bool = False,
        eager: bool = False,
        cap: int | None = None,
    ) -> None:
        self.name = name
        self.flex = flex
        self.right = right
        self.give = give
        self.short = short
        self.short_name = short_name
        self.narrow = narrow
        self.legend = legend
        self.hide_empty = hide_empty
        self.eager = eager
        self.cap = cap


def _col(spec: str | Col) -> Col:
    return spec if isinstance(spec, Col) else Col(spec)


def _wants_rich(target: Screen | Console) -> bool:
    return wants_rich(target)


def _console(target: Screen | Console) -> Console:
    return console_of(target)


def _cell(value: Any) -> str:
    """A cell as one terminal-safe line: the single sanitising point of every table."""
    if value is None:
        return ""
    plain = getattr(value, "plain", None)  # rich Text
    return one_line(plain if isinstance(plain, str) else value)


def _rich_cell(value: Any) -> Text:
    """A cell as rich Text: a Text keeps its styles when it is already safe; never markup."""
    from rich.text import Text

    if isinstance(value, Text):
        safe = _cell(value)
        return value if safe == value.plain else Text(safe, style=value.style)
    return Text(_cell(value))


def cell_width(text: str) -> int:
    """Width of `text` in terminal cells (wide CJK/emoji 2, combining marks 0), no rich."""
    if text.isascii():
        return len(text)
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        if "\U0001f3fb" <= ch <= "\U0001f3ff":  # skin tones join the emoji before them
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def say(target: Screen | Console, text: str, *, style: str | None = None) -> None:
    """One line of text from anywhere, safe for the terminal; plain when piped."""
    text = term_safe(text)
    if not _wants_rich(target):
        _write(text)
        return
    _console(target).print(text, style=style, markup=False, highlight=False, soft_wrap=False)


def say_line(target: Screen | Console, text: str, *, style: str | None = None) -> None:
    """One item of a list: one line, cut with `…` at the terminal width; whole when piped."""
    text = one_line(text)
    if not _wants_rich(target):
        _write(text)
        return
    from rich.text import Text

    console = _console(target)
    line = Text(text, style=style or "")
    line.truncate(console.width, overflow="ellipsis")
    console.print(line, no_wrap=True, overflow="ellipsis", soft_wrap=False)


def table(
    target: Screen | Console,
    columns: Sequence[str | Col],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    limit: int | None = TABLE_ROW_CAP,
    empty: str = "nothing to show",
    caption: str | None = None,
) -> None:
    """Print rows under column headers; at most `limit` rows, then how many more."""
    if not rows:
        if empty:
            say(target, empty)
        return
    shown = rows if limit is None else rows[:limit]
    rest = len(rows) - len(shown)
    more = f"… and {rest} more (use --limit or --json to see all)" if rest > 0 else None
    cols = [_col(c) for c in columns]
    if not _wants_rich(target):
        _plain(cols, shown, title=title, caption=caption, more=more)
        return
    console = _console(target)
    lines, legends = fit(cols, shown, console.width)
    if title:
        say(console, title, style="bold")
    from rich.text import Text

    console.print(Text("\n").join(lines), no_wrap=True, overflow="crop", crop=True, soft_wrap=False)
    for note in (*legends, caption, more):
        if note:  # wrapped on words at the terminal width, never past it
            console.print(
                term_safe(note), style="dim", markup=False, highlight=False, soft_wrap=False
            )


def fit(
    cols: Sequence[Col], rows: Sequence[Sequence[Any]], width: int
) -> tuple[list[Text], list[str]]:
    """The header and row lines of a table laid out in `width` cells, and legend lines."""
    from rich.cells import cell_len
    from rich.text import Text

    cells = [[_rich_cell(v) for v in row] for row in rows]
    active = [
        i for i, c in enumerate(cols) if not (c.hide_empty and all(not r[i].plain for r in cells))
    ]
    shortened: set[int] = set()
    narrowed: dict[int, int] = {}

    def header(i: int) -> str:
        col = cols[i]
        return col.short_name or col.name if i in shortened else col.name

    def natural(i: int) -> int:
        widest = max((cell_len(r[i].plain) for r in cells), default=0)
        return max(cell_len(header(i)), widest)

    flex = next((i for i in active if cols[i].flex), None)
    steps = sorted((c.give, i) for i, c in enumerate(cols) if c.give > 0)
    widths: dict[int, int] = {}
    while True:
        widths = {i: min(natural(i), narrowed.get(i, cols[i].cap or 1 << 30)) for i in active}
        fixed = sum(w for i, w in widths.items() if i != flex) + GAP * (len(active) - 1)
        if flex is None:
            if fixed <= width or not steps:
                break
        else:
            room = width - fixed
            need = min(widths[flex], max(FLEX_MIN, cell_len(cols[flex].name)))
            eager = room < widths[flex] and any(cols[i].eager for _g, i in steps)
            if (room >= need and not eager) or not steps:
                widths[flex] = max(min(widths[flex], room), 1)
                break
            if room >= need:  # only the eager steps are worth taking
                steps = [(g, i) for g, i in steps if cols[i].eager]
        _give, i = steps.pop(0)
        if i not in active:
            continue
        col = cols[i]
        if col.short is not None:
            shortened.add(i)
            for r in cells:
                r[i] = _rich_cell(col.short(r[i]) if r[i].plain else r[i])
        elif col.narrow is not None:
            narrowed[i] = max(col.narrow, 1)
        else:
            active.remove(i)

    def line(values: Sequence[Text]) -> Text:
        out = Text()
        for n, i in enumerate(active):
            text = values[n]
            w = widths[i]
            size = cell_len(text.plain)
            if size > w:
                text = text.copy()
                text.truncate(w, overflow="ellipsis")
                size = cell_len(text.plain)
            pad = " " * (w - size)
            if n:
                out.append(" " * GAP)
            if cols[i].right:
                out.append(pad)
                out.append_text(text)
            else:
                out.append_text(text)
                out.append(pad)
        out.rstrip()
        if cell_len(out.plain) > width:  # nothing left to give: cut the line at the edge
            out.truncate(width, overflow="ellipsis")
        return out

    head = line([Text(header(i), style="bold") for i in active])
    lines = [head] + [line([r[i] for i in active]) for r in cells]
    legends = []
    for i in sorted(shortened):
        explain = cols[i].legend
        if i in active and explain is not None:
            note = explain({r[i].plain for r in cells if r[i].plain})
            if note:
                legends.append(note)
    return lines, legends


def same(cell: Any) -> Any:
    """A `short` that keeps the values and only shortens the header (`short_name`)."""
    return cell


def legend(title: str, meanings: dict[str, str]) -> Callable[[set[str]], str]:
    """A legend of the letters or words that occur in the shown values."""

    def explain(values: set[str]) -> str:
        seen = "".join(values)
        used = [f"{code} {text}" for code, text in meanings.items() if code in seen]
        return f"{title}: {', '.join(used)}" if used else ""

    return explain


def _plain(
    columns: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None,
    caption: str | None,
    more: str | None,
) -> None:
    names = [c.name for c in columns]
    cells = [[_cell(v) for v in row] for row in rows]
    sizes = [[cell_width(v) for v in row] for row in cells]
    widths = [max(cell_width(name), *(s[i] for s in sizes)) for i, name in enumerate(names)]
    right = [c.right for c in columns]

    def line(values: Sequence[str], measured: Sequence[int]) -> str:
        parts = [
            (" " * (w - m) + v) if r else (v + " " * (w - m))
            for v, m, w, r in zip(values, measured, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    if title:
        _write(term_safe(title, newlines=False))
    _write(line(names, [cell_width(n) for n in names]))
    for r, s in zip(cells, sizes, strict=True):
        _write(line(r, s))
    if caption:
        _write(term_safe(caption))
    if more:
        _write(more)


def _block(value: Any) -> str:
    """A key/value value: terminal-safe, newlines kept (an address has several lines)."""
    if value is None:
        return ""
    plain = getattr(value, "plain", None)
    return term_safe(plain if isinstance(plain, str) else value).replace("\t", " ")


def keyvalue(target: Screen | Console, title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A titled block of `key  value` lines; long values wrap under their value column."""
    title = one_line(title)
    if not _wants_rich(target):
        _write(term_safe(title, newlines=False))
        width = max((len(k) for k, _ in pairs), default=0)
        for key, value in pairs:
            text = _block(value).replace("\n", "\n" + " " * (width + 2))
            _write(f"{key.ljust(width)}  {text}".rstrip())
        return
    from rich.table import Table
    from rich.text import Text

    tbl = Table(
        title=Text(title), show_header=False, box=None, pad_edge=False, title_justify="left"
    )
    tbl.add_column("key", style="bold", no_wrap=True)
    tbl.add_column("value", overflow="fold")
    for key, value in pairs:
        tbl.add_row(Text(_block(key)), Text(_block(value)))
    _console(target).print(tbl)
