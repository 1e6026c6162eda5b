"""Rich tables and key/value panels for people; capped at 50 rows with a count of the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

TABLE_ROW_CAP = 50


def table(
    console: Console,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    limit: int | None = TABLE_ROW_CAP,
    empty: str = "nothing to show",
    caption: str | None = None,
) -> None:
    from rich.table import Table

    if not rows:
        console.print(empty)
        return
    shown = rows if limit is None else rows[:limit]
    tbl = Table(title=title, caption=caption, header_style="bold")
    for col in columns:
        tbl.add_column(col, overflow="fold")
    for row in shown:
        tbl.add_row(
            *(
                ""
                if v is None
                else v
                if hasattr(v, "__rich__") or hasattr(v, "__rich_console__")
                else str(v)
                for v in row
            )
        )
    console.print(tbl)
    if limit is not None and len(rows) > limit:
        console.print(f"… and {len(rows) - limit} more (use --limit or --json to see all)")


def keyvalue(console: Console, title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    from rich.table import Table

    tbl = Table(title=title, show_header=False, box=None, pad_edge=False)
    tbl.add_column("key", style="bold")
    tbl.add_column("value", overflow="fold")
    for key, value in pairs:
        tbl.add_row(key, "" if value is None else str(value))
    console.print(tbl)
