"""What logging time (`timelog`) and listing it (`timesheet`) share: local calendar
months in the agency time zone, and the acting person's id.

Month membership is by an entry's start in the agency time zone; the stored times are
UTC text, so a month is the UTC range [start, end) of its local bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from supportctl.domain.month import Month
from supportctl.domain.timeutil import to_utc_text, zone
from supportctl.errors import InputError
from supportctl.store import people as people_store
from supportctl.store.db import Store

DEFAULT_TZ = "Europe/Helsinki"


def person_id(store: Store, handle: str) -> int:
    return person_id_later(store, handle)()


def person_id_later(store: Store, handle: str) -> Callable[[], int]:
    """`person_id` when called (raising then), its read sent now."""
    later = people_store.id_by_handle_later(store, handle)

    def found() -> int:
        value = later()
        if value is None:
            raise unknown_person(handle)
        return int(value)

    return found


def unknown_person(handle: str) -> InputError:
    return InputError(f"no team member '{handle}'", hint="run `supportctl team list`")


def local_text(moment: datetime | str, tz: str) -> str:
    """A moment (or stored UTC text) as the tables show it: '2026-10-14 09:10', local."""
    from supportctl.domain.timeutil import from_utc_text

    when = from_utc_text(moment) if isinstance(moment, str) else moment
    return when.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def month(text: str) -> Month:
    """The edge: '2026-10' (or a Month, returned as it is) -> Month; InputError otherwise."""
    try:
        return Month.parse(text)
    except ValueError:
        raise InputError(f"month '{text}' must look like 2026-10") from None


def parse_month(text: str) -> tuple[int, int]:
    """'2026-10' -> (2026, 10); InputError otherwise."""
    value = month(text)
    return value.year, value.number


def month_bounds(text: str, tz: str) -> tuple[str, str]:
    """UTC text [start, end) of a local calendar month."""
    start, end = month(text).bounds(zone(tz))
    return to_utc_text(start), to_utc_text(end)


def previous_month(text: str) -> str:
    return month(text).previous()


def next_month(text: str) -> str:
    return month(text).next()


def local_month(moment: datetime, tz: str) -> str:
    return moment.astimezone(zone(tz)).strftime("%Y-%m")
