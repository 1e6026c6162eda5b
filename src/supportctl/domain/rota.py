"""The duty rota: who is on duty in an ISO week, and why.

Weeks are named the ISO way (`2026-W48`) and handled internally as their Monday. The
order repeats from the start week (weeks before it count backwards in the same cycle);
a swap puts a named person on one week; otherwise a person absent on any business day of
the week is skipped for the whole week and the next in order takes it (DESIGN §2).
A swap onto someone who is away that week (an absence recorded after the swap) or who
has left does not stand: the week goes on in the regular order, and the reason says
which swap was set aside. Only a swap made with --force keeps an absent person on duty;
nobody who has left is ever on duty.
A new ticket belongs to the duty person of the week containing the next business
moment after its arrival, so Sunday-night mail goes to next week's person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from supportctl.domain.calendar import BusinessCalendar

_WEEK = r"(\d{4})-?W(\d{1,2})"


def parse_week(text: str) -> date:
    """'2026-W48' -> the Monday of that ISO week; ValueError for '2026-W54' or nonsense."""
    match = re.fullmatch(_WEEK, text.strip(), re.IGNORECASE)
    if match is None:
        raise ValueError(f"'{text}' is not an ISO week such as 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar().week
        raise ValueError(f"'{text}' does not exist: {year} has weeks 1 to {weeks}") from None


def week_name(day: date) -> str:
    """Any day -> the name of its ISO week, e.g. '2026-W53'."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Rota:
    """The rotation: handles in order from `start` (a Monday), and swaps by Monday."""

    order: tuple[str, ...]
    start: date | None
    swaps: Mapping[date, str]
    forced: frozenset[date] = frozenset()  # swaps kept even though the person is away
    gone: frozenset[str] = frozenset()  # people who have left: never on duty


@dataclass(frozen=True)
class Duty:
    week: date
    person: str | None
    # "regular", "swap", "swap (forced)", "absence: alice away", "swap set aside: bob away;
    # regular", "everyone absent", "no rota"
    reason: str

    @property
    def name(self) -> str:
        return week_name(self.week)


IsAbsent = Callable[[str, date], bool]


def duty_for_week(
    rota: Rota, monday: date, calendar: BusinessCalendar, is_absent: IsAbsent
) -> Duty:
    """The duty person of the ISO week starting on `monday`."""
    business_days = calendar.business_days_of_week(monday)
    swapped = rota.swaps.get(monday)
    set_aside = ""
    if swapped is not None:
        if swapped in rota.gone:
            set_aside = f"swap set aside: {swapped} left; "
        elif monday in rota.forced:
            return Duty(monday, swapped, "swap (forced)")
        elif any(is_absent(swapped, day) for day in business_days):
            set_aside = f"swap set aside: {swapped} away; "
        else:
            return Duty(monday, swapped, "swap")
    if not rota.order or rota.start is None:
        return Duty(monday, None, set_aside + "no rota")
    index = ((monday - rota.start).days // 7) % len(rota.order)
    skipped: list[str] = []
    for step in range(len(rota.order)):
        handle = rota.order[(index + step) % len(rota.order)]
        if handle in rota.gone or any(is_absent(handle, day) for day in business_days):
            skipped.append(handle)
            continue
        if not skipped:
            return Duty(monday, handle, set_aside + "regular")
        return Duty(monday, handle, set_aside + f"absence: {', '.join(skipped)} away")
    return Duty(monday, None, set_aside + "everyone absent")


def absent_days(
    handle: str, monday: date, calendar: BusinessCalendar, is_absent: IsAbsent
) -> list[date]:
    """The business days of the week starting on `monday` on which `handle` is away."""
    return [day for day in calendar.business_days_of_week(monday) if is_absent(handle, day)]


def weeks(
    rota: Rota, first: date, count: int, calendar: BusinessCalendar, is_absent: IsAbsent
) -> list[Duty]:
    """`count` consecutive weeks from the week containing `first`."""
    monday = monday_of(first)
    return [
        duty_for_week(rota, monday + timedelta(weeks=i), calendar, is_absent) for i in range(count)
    ]


def owner_week(arrived_at: datetime, calendar: BusinessCalendar) -> date:
    """The Monday of the week that contains the next business moment after arrival."""
    moment = calendar.next_business_moment(arrived_at)
    return monday_of(calendar.local_date(moment))


def owner_for(
    arrived_at: datetime, rota: Rota, calendar: BusinessCalendar, is_absent: IsAbsent
) -> Duty:
    """Who owns a ticket that arrived at `arrived_at`."""
    return duty_for_week(rota, owner_week(arrived_at, calendar), calendar, is_absent)


def absence_checker(absences: Mapping[str, Sequence[tuple[date, date]]]) -> IsAbsent:
    """An `is_absent` from {handle: [(first day, last day), ...]}."""

    def is_absent(handle: str, day: date) -> bool:
        return any(start <= day <= end for start, end in absences.get(handle, ()))

    return is_absent
