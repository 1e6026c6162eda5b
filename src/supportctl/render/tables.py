"""Tables and key/value blocks: rich on a terminal, plain aligned text when piped.

On a terminal people get rich tables (capped at 50 rows with a count of the rest).
When stdout is not a terminal the same rows print as plain aligned columns, which is
what grep, awk and `less` want, and costs no rich import (about a third of start-up).
`--color` forces the rich form; `--json` is the stable interface for scripts.

Every cell, title and caption passes `render.safe.term_safe` here, so no view can put
a customer's escape sequence on the terminal, and reaches rich as `Text`, never as
markup (`[/b]` in a subject is shown, not parsed).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.safe import term_safe

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.context import AppContext

TABLE_ROW_CAP = 50


def _wants_rich(target: AppContext | Console) -> bool:
    from supportctl.context import AppContext

    if not isinstance(target, AppContext):
        return True
    return target.is_terminal()


def _console(target: AppContext | Console) -> Console:
    from supportctl.context import AppContext

    return target.out if isinstance(target, AppContext) else target


def _cell(value: Any) -> str:
    if value is None:
        return ""
    plain = getattr(value, "plain", None)  # rich Text
    return term_safe(plain if isinstance(plain, str) else value)


def _text(value: Any) -> Any:
    """A cell for rich: a terminal-safe `Text` (our own styles kept), never markup."""
    from rich.text import Text

    if isinstance(value, Text):
        safe = term_safe(value.plain)
        return value if safe == value.plain else Text(safe, style=value.style)
    if hasattr(value, "__rich_console__"):
        return value  # our own renderables (charts)
    return Text(_cell(value))


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def table(
    target: AppContext | Console,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    limit: int | None = TABLE_ROW_CAP,
    empty: str = "nothing to show",
    caption: str | None = None,
) -> None:
    """Print rows under column headers; at most `limit` rows, then how many more."""
    if not rows:
        if _wants_rich(target):
            _console(target).print(empty, markup=False)
        else:
            _write(empty)
        return
    shown = rows if limit is None else rows[:limit]
    rest = len(rows) - len(shown)
    more = f"… and {rest} more (use --limit or --json to see all)" if rest > 0 else None
    if not _wants_rich(target):
        _plain(columns, shown, title=title, caption=caption, more=more)
        return
    from rich.table import Table

    console = _console(target)
    tbl = Table(
        title=_text(title) if title else None,
        caption=_text(caption) if caption else None,
        header_style="bold",
    )
    for col in columns:
        tbl.add_column(_text(col), overflow="fold")
    for row in shown:
        tbl.add_row(*(_text(v) for v in row))
    console.print(tbl)
    if more:
        console.print(more, markup=False)


def _plain(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None,
    caption: str | None,
    more: str | None,
) -> None:
    cells = [[_cell(v).replace("\n", " ") for v in row] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    if title:
        _write(term_safe(title, newlines=False))
    _write("  ".join(col.ljust(w) for col, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        _write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if caption:
        _write(term_safe(caption))
    if more:
        _write(more)


def keyvalue(target: AppContext | Console, title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A titled block of `key  value` lines."""
    if not _wants_rich(target):
        _write(term_safe(title, newlines=False))
        width = max((len(k) for k, _ in pairs), default=0)
        for key, value in pairs:
            text = _cell(value).replace("\n", "\n" + " " * (width + 2))
            _write(f"{key.ljust(width)}  {text}".rstrip())
        return
    from rich.table import Table

    tbl = Table(title=_text(title), show_header=False, box=None, pad_edge=False)
    tbl.add_column("key", style="bold")
    tbl.add_column("value", overflow="fold")
    for key, value in pairs:
        tbl.add_row(_text(key), _text(value))
    _console(target).print(tbl)
