"""The duty rota for people: a table of weeks, dates, duty person and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.tables import table

if TYPE_CHECKING:
    from supportctl.context import AppContext


def weeks_table(target: AppContext, weeks: Sequence[Any], *, current: str | None = None) -> None:
    rows = [
        (
            f"{w.id} ◀" if w.id == current else w.id,
            f"{w.start:%a %d.%m.} – {w.end:%a %d.%m.%Y}",
            w.person or "nobody",
            w.reason,
        )
        for w in weeks
    ]
    table(target, ("week", "dates", "on duty", "why"), rows, limit=None, empty="no weeks")


def problems_table(target: AppContext, problems: Sequence[Any]) -> None:
    """Open tickets whose owner has left or is away, with who is on duty now."""
    from supportctl.render.safe import one_line

    rows = [
        (
            f"#{p.ticket_id}",
            one_line(p.subject),
            p.owner,
            p.why,
            p.on_duty or "nobody",
        )
        for p in problems
    ]
    table(
        target,
        ("ticket", "subject", "owner", "why", "on duty now"),
        rows,
        limit=None,
        empty="no open ticket is owned by someone away or gone",
    )
