"""Tables and key/value blocks: one line per row on a terminal, plain aligned text when piped.

On a terminal a table is a header row and aligned columns, no borders, one line per
row whatever the width: ids, dates, times, minutes, money, levels and statuses are
never wrapped or cut; the free-text column (`Col(flex=True)`: subject, task,
description) takes the width that is left and is cut with `…`. When even that is too
narrow, columns give way in their `give` order, the way `gh` does: a column with a
`short` form switches to it (a level as a coloured letter, flags as badges explained
by a legend line), a `narrow` one is cut to that many cells, any other is dropped.
Widths are terminal cells (`render.ansi.cell_width`, the count rich uses), so
decomposed Finnish and Czech, emoji and CJK stay aligned. Tables are capped at 50 rows with a count of the rest.

When stdout is not a terminal the same rows print as plain aligned columns, never
wrapped or cut (one row per line, of any length), which is what grep, cut and
`less -S` want. A Console given directly follows the same rule through its own
`is_terminal`. Neither form imports rich: on a terminal the lines are laid out and
styled by `render.ansi` (its own SGR codes; NO_COLOR keeps bold and dim only), which
starts a listing about 20 ms sooner than rich's console and table modules. `--color` forces the
terminal form; `--json` is the stable interface for scripts.

Every cell passes through `_cell` (`render.safe.one_line`: terminal-safe, one line),
titles, captions and key/value blocks through `render.safe.term_safe`, so no view can
put a customer's escape sequence on the terminal; the only escape sequences written are
the SGR codes of the styles, and text is never markup (`[/b]` in a subject is shown).
A cell may be a `render.ansi.Styled` (or a rich `Text`) to carry a colour.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.ansi import cell_width
from supportctl.render.safe import one_line, term_safe
from supportctl.render.screen import console_of, is_console, wants_rich

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.render.ansi import Styled, Terminal
    from supportctl.render.screen import Screen


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


def _terminal(target: Screen | Console) -> Terminal:
    """The width and styles of the terminal `target` draws on (no rich Console built)."""
    from supportctl.render.ansi import Terminal

    if is_console(target):
        return Terminal.of_console(target)
    import os

    color = getattr(target, "color", None)
    return Terminal.detect(no_color=bool(os.environ.get("NO_COLOR")) or color is False)


def _emit(target: Screen | Console, text: str) -> None:
    """Write finished terminal lines where `target` writes (stdout for a screen)."""
    if is_console(target):
        target.file.write(text + "\n")
        return
    _write(text)


def _cell(value: Any) -> str:
    """A cell as one terminal-safe line: the single sanitising point of every table."""
    if value is None:
        return ""
    plain = getattr(value, "plain", None)  # Styled or rich Text
    return one_line(plain if isinstance(plain, str) else value)


def _styled_cell(value: Any) -> Styled:
    """A cell as styled parts, each terminal-safe and on one line; never markup."""
    from supportctl.render.ansi import Styled, parts_of

    return Styled.of((one_line(text), style) for text, style in parts_of(value))


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def say(target: Screen | Console, text: str, *, style: str | None = None) -> None:
    """One line of text from anywhere, safe for the terminal; plain when piped.

    On a terminal it wraps on words at the terminal width, never past it."""
    text = term_safe(text)
    if not _wants_rich(target):
        _write(text)
        return
    from supportctl.render.ansi import fold

    term = _terminal(target)
    lines = fold(text.replace("\t", " "), term.width)
    _emit(target, "\n".join(term.render([(line, style or "")]) for line in lines))


def say_line(target: Screen | Console, text: str, *, style: str | None = None) -> None:
    """One item of a list: one line, cut with `…` at the terminal width; whole when piped."""
    text = one_line(text)
    if not _wants_rich(target):
        _write(text)
        return
    from supportctl.render.ansi import cut

    term = _terminal(target)
    parts = [(text, style or "")]
    if cell_width(text) > term.width:
        parts = cut(parts, term.width)
    _emit(target, term.render(parts))


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
    term = _terminal(target)
    lines, legends = fit(cols, shown, term.width)
    if title:
        say(target, title, style="bold")
    _emit(target, "\n".join(term.render(line.parts) for line in lines))
    for note in (*legends, caption, more):
        if note:  # wrapped on words at the terminal width, never past it
            say(target, note, style="dim")


def fit(
    cols: Sequence[Col], rows: Sequence[Sequence[Any]], width: int
) -> tuple[list[Styled], list[str]]:
    """The header and row lines of a table laid out in `width` cells, and legend lines."""
    from supportctl.render.ansi import Styled, cut

    cells = [[_styled_cell(v) for v in row] for row in rows]
    active = [
        i for i, c in enumerate(cols) if not (c.hide_empty and all(not r[i].parts for r in cells))
    ]
    shortened: set[int] = set()
    narrowed: dict[int, int] = {}

    def header(i: int) -> str:
        col = cols[i]
        return col.short_name or col.name if i in shortened else col.name

    def natural(i: int) -> int:
        widest = max((cell_width(r[i].plain) for r in cells), default=0)
        return max(cell_width(header(i)), widest)

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
            need = min(widths[flex], max(FLEX_MIN, cell_width(cols[flex].name)))
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
            short = col.short
            for r in cells:
                r[i] = _styled_cell(short(r[i]) if r[i].parts else r[i])
        elif col.narrow is not None:
            narrowed[i] = max(col.narrow, 1)
        else:
            active.remove(i)

    last = len(active) - 1

    def line(values: Sequence[Styled]) -> Styled:
        out: list[tuple[str, str]] = []
        for n, i in enumerate(active):
            parts = values[n].parts
            w = widths[i]
            size = cell_width(values[n].plain)
            if size > w:
                parts = cut(parts, w)
                size = cell_width("".join(t for t, _s in parts))
            pad = " " * (w - size)
            if n:
                out.append((" " * GAP, ""))
            if cols[i].right:
                out.append((pad, ""))
                out.extend(parts)
            else:
                out.extend(parts)
                if n != last:
                    out.append((pad, ""))
        while out and not out[-1][1] and not out[-1][0].strip():
            out.pop()  # no trailing blanks
        text = Styled.of(out)
        if cell_width(text.plain) > width:  # nothing left to give: cut the line at the edge
            text = Styled.of(cut(text.parts, width))
        return text

    head = line([Styled(header(i), "bold") for i in active])
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
    from supportctl.render.ansi import cut, fold

    term = _terminal(target)
    width = term.width
    keys = [one_line(key) for key, _v in pairs]
    key_width = max((cell_width(k) for k in keys), default=0)
    room = width - key_width - 2
    indent = " " * (key_width + 2)
    out = [term.render(cut([(title, "")], width) if cell_width(title) > width else [(title, "")])]
    for key, (_k, value) in zip(keys, pairs, strict=True):
        if room < 10:  # too narrow for two columns: the value under its key
            out.append(term.render(cut([(key, "bold")], width) if cell_width(key) > width
                                   else [(key, "bold")]))  # fmt: skip
            out.extend(line.rstrip() for line in fold(_block(value), width))
            continue
        lines = fold(_block(value), room)
        head = term.render([(key, "bold")]) + " " * (key_width - cell_width(key) + 2)
        out.append((head + lines[0]).rstrip())
        out.extend((indent + rest).rstrip() for rest in lines[1:])
    _emit(target, "\n".join(out))
