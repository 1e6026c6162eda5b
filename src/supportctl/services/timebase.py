"""What logging time (`timelog`) and listing it (`timesheet`) share: local calendar
months in the agency time zone, and the acting person's id.

Month membership is by an entry's start in the agency time zone; the stored times are
UTC text, so a month is the UTC range [start, end) of its local bounds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.store import people as people_store
from supportctl.store.db import Store

DEFAULT_TZ = "Europe/Helsinki"


def person_id(store: Store, handle: str) -> int:
    found = people_store.id_by_handle(store, handle)
    if found is None:
        raise InputError(f"no team member '{handle}'", hint="run `supportctl team list`")
    return int(found)


def zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def local_text(moment: datetime | str, tz: str) -> str:
    """A moment (or stored UTC text) as the tables show it: '2026-10-14 09:10', local."""
    from supportctl.domain.timeutil import from_utc_text

    when = from_utc_text(moment) if isinstance(moment, str) else moment
    return when.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def parse_month(text: str) -> tuple[int, int]:
    """'2026-10' -> (2026, 10); InputError otherwise."""
    try:
        year_text, month_text = text.strip().split("-")
        year, month = int(year_text), int(month_text)
        if len(year_text) != 4 or not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise InputError(f"month '{text}' must look like 2026-10") from None
    return year, month


def month_bounds(month: str, tz: str) -> tuple[str, str]:
    """UTC text [start, end) of a local calendar month."""
    year, mon = parse_month(month)
    local = zone(tz)
    start = datetime(year, mon, 1, tzinfo=local)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=local)
    return to_utc_text(start), to_utc_text(end)


def previous_month(month: str) -> str:
    year, mon = parse_month(month)
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def next_month(month: str) -> str:
    year, mon = parse_month(month)
    return f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"


def local_month(moment: datetime, tz: str) -> str:
    return moment.astimezone(zone(tz)).strftime("%Y-%m")
