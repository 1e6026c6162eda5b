"""The duty rota for people: a table of weeks, dates, duty person and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.tables import Col, same, table

if TYPE_CHECKING:
    from supportctl.render.screen import Screen


def weeks_table(target: Screen, weeks: Sequence[Any], *, current: str | None = None) -> None:
    rows = [
        (
            f"{w.id} ◀" if w.id == current else w.id,
            f"{w.start:%a %d.%m.} – {w.end:%a %d.%m.%Y}",
            w.person or "nobody",
            w.reason,
        )
        for w in weeks
    ]
    columns = (Col("week"), Col("dates"), Col("on duty"), Col("why", flex=True))
    table(target, columns, rows, limit=None, empty="no weeks")


def problems_table(target: Screen, problems: Sequence[Any]) -> None:
    """Open tickets whose owner has left or is away, with who is on duty now."""
    rows = [
        (
            f"#{p.ticket_id}",
            p.subject,
            p.owner,
            p.why,
            p.on_duty or "nobody",
        )
        for p in problems
    ]
    table(
        target,
        (
            Col("ticket"),
            Col("subject", flex=True),
            Col("owner"),
            Col("why", give=1, narrow=16),
            Col("on duty now", give=2, short=same, short_name="on duty"),
        ),
        rows,
        limit=None,
        empty="no open ticket is owned by someone away or gone",
    )
