"""SLA clocks for tickets: the public entry point for every view that shows a clock.

`clock_for_tickets(store, config, rows, now)` builds the business calendar once (holidays
from the cache) and returns the clock of the next unmet target for each ticket row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain.sla import NO_CLOCK, Clock, clock
from supportctl.services.calendar import business_calendar
from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.domain.calendar import BusinessCalendar

__all__ = ["Clock", "clock_for_row", "clock_for_tickets"]


def _time(row: Row | Mapping[str, Any], key: str) -> datetime | None:
    value = row[key]
    # fromisoformat reads the stored '…Z' text directly and is much faster than strptime.
    return datetime.fromisoformat(value) if value else None


def clock_for_row(calendar: BusinessCalendar, row: Row | Mapping[str, Any], now: datetime) -> Clock:
    """The clock of one ticket row (needs status, hours, first_response_at,
    due_response_at, due_resolution_at, waiting_since)."""
    if row["status"] == "closed":  # no clock: skip reading its times (most of history)
        return NO_CLOCK
    return clock(
        calendar,
        status=row["status"],
        hours=row["hours"],
        first_response_at=_time(row, "first_response_at"),
        due_response=_time(row, "due_response_at"),
        due_resolution=_time(row, "due_resolution_at"),
        waiting_since=_time(row, "waiting_since"),
        now=now,
    )


def clock_for_tickets(
    store: Store,
    config: Config,
    ticket_rows: Iterable[Row | Mapping[str, Any]],
    now: datetime,
) -> dict[int, Clock]:
    """{ticket id: Clock(target, due, business_minutes_left, breached, paused)}.

    `ticket_rows` are rows of the `tickets` table (store rows or dicts) with at least
    id, status, hours, first_response_at, due_response_at, due_resolution_at and
    waiting_since. Business minutes are negative once a target is breached.
    """
    rows = list(ticket_rows)
    if not rows:
        return {}
    years = {now.year}
    for row in rows:
        if row["status"] == "closed":
            continue
        for key in ("due_response_at", "due_resolution_at", "waiting_since"):
            if row[key]:
                years.add(int(row[key][:4]))
    calendar = business_calendar(store, config, around=now, years=range(min(years), max(years) + 1))
    return {int(row["id"]): clock_for_row(calendar, row, now) for row in rows}
