"""The duty rota: order, swaps, absences skipped; who owns a new ticket; iCalendar export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from supportctl.domain import rota as rules
from supportctl.domain.calendar import BusinessCalendar
from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.services.calendar import business_calendar
from supportctl.store import events
from supportctl.store import people as people_store
from supportctl.store import rota as rota_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config


@dataclass(frozen=True)
class DutyWeek:
    id: str  # "2026-W48"
    start: date
    end: date
    person: str | None
    reason: str


def load(store: Store) -> tuple[rules.Rota, rules.IsAbsent]:
    """The rota and who is away: read once per importer batch (`Store.memo`)."""
    return store.memo("rota", lambda: _load(store))


def _load(store: Store) -> tuple[rules.Rota, rules.IsAbsent]:
    gone = rota_store.inactive(store)
    rota = rules.Rota(
        tuple(rota_store.order(store)),
        rota_store.start(store),
        rota_store.swaps(store),
        forced=rota_store.forced_swaps(store),
        gone=frozenset(gone),
    )
    away = rules.absence_checker(rota_store.absences(store))
    if not gone:
        return rota, away
    # Someone who has left is skipped like someone absent the whole week.
    return rota, lambda handle, day: handle in gone or away(handle, day)


def parse_week(text: str) -> date:
    try:
        return rules.parse_week(text)
    except ValueError as exc:
        raise InputError(str(exc), hint="weeks are written like 2026-W48") from None


def _person_id(store: Store, handle: str) -> int:
    person = people_store.get_by_handle(store, handle)
    if person is None:
        raise InputError(f"no team member '{handle}'", hint="run `supportctl team list`")
    return person.id


def show(store: Store, config: Config, *, weeks: int, now: datetime) -> list[DutyWeek]:
    calendar = business_calendar(store, config, around=now, years=[now.year + 2])
    rota, is_absent = load(store)
    first = calendar.local_date(now)
    return [
        DutyWeek(d.name, d.week, d.week + timedelta(days=6), d.person, d.reason)
        for d in rules.weeks(rota, first, weeks, calendar, is_absent)
    ]


def set_order(
    store: Store, *, handles: list[str], start: str | None, now: datetime, actor: str | None
) -> tuple[list[str], date]:
    """Set the rota order; the start week defaults to the current week."""
    if not handles:
        raise InputError(
            "name at least one person for the rota", hint="supportctl rota set alice bob"
        )
    seen = set()
    for handle in handles:
        if handle in seen:
            raise InputError(f"'{handle}' appears twice in the rota order")
        seen.add(handle)
    ids = [_person_id(store, h) for h in handles]
    gone = rota_store.inactive(store)
    for handle in handles:
        if handle in gone:
            raise InputError(f"'{handle}' has left the team and cannot be on the rota")
    monday = parse_week(start) if start else rules.monday_of(now.date())
    with store.transaction():
        rota_store.set_order(store, ids, monday)
        events.record(
            store,
            "rota.set",
            at=now,
            actor=actor,
            data={"order": handles, "start": rules.week_name(monday)},
        )
    return handles, monday


def _swappable_week(config: Config, week: str, now: datetime) -> date:
    from zoneinfo import ZoneInfo

    monday = parse_week(week)
    this_week = rules.monday_of(now.astimezone(ZoneInfo(config.agency.timezone)).date())
    if monday < this_week:
        raise InputError(
            f"{rules.week_name(monday)} is in the past; only this or a later week can be swapped"
        )
    return monday


def _span(days: list[date]) -> str:
    first, last = days[0], days[-1]
    if first == last:
        return f"{first:%a %d.%m.%Y}"
    return f"{first:%a %d.%m.}–{last:%a %d.%m.%Y}"


def swap(
    store: Store,
    config: Config,
    *,
    week: str,
    handle: str,
    now: datetime,
    actor: str | None,
    force: bool = False,
) -> DutyWeek:
    """Put `handle` on duty for `week`; weeks already over are refused, and so is someone
    who has left, or (without `force`) someone away on a business day of that week."""
    monday = _swappable_week(config, week, now)
    person_id = _person_id(store, handle)
    name = rules.week_name(monday)
    if handle in rota_store.inactive(store):
        raise InputError(f"{handle} has left the team and cannot be on duty in {name}")
    calendar = business_calendar(store, config, around=now, years=[monday.year])
    away = rules.absence_checker(rota_store.absences(store))
    days = rules.absent_days(handle, monday, calendar, away)
    if days and not force:
        raise InputError(
            f"{handle} is away {_span(days)}, a business day of {name}",
            hint="pick someone present, or add --force to put them on duty anyway",
        )
    forced = bool(days)
    with store.transaction():
        rota_store.set_swap(store, monday, person_id, to_utc_text(now), forced=forced)
        events.record(
            store,
            "rota.swap",
            at=now,
            actor=actor,
            data={"week": name, "person": handle, "forced": forced},
        )
    reason = "swap (forced)" if forced else "swap"
    return DutyWeek(name, monday, monday + timedelta(days=6), handle, reason)


def unswap(
    store: Store, config: Config, *, week: str, now: datetime, actor: str | None
) -> DutyWeek:
    """Undo the swap of `week`: the regular order (with absences skipped) applies again."""
    monday = _swappable_week(config, week, now)
    name = rules.week_name(monday)
    with store.transaction():
        if not rota_store.remove_swap(store, monday):
            raise InputError(f"{name} has no swap to undo", hint="see `supportctl rota show`")
        events.record(store, "rota.unswap", at=now, actor=actor, data={"week": name})
    calendar = business_calendar(store, config, around=now, years=[monday.year])
    rota, is_absent = load(store)
    duty = rules.duty_for_week(rota, monday, calendar, is_absent)
    return DutyWeek(name, monday, monday + timedelta(days=6), duty.person, duty.reason)


@dataclass(frozen=True)
class Problem:
    """An open ticket whose owner cannot look after it now."""

    ticket_id: int
    subject: str
    owner: str
    why: str  # "left the team", "away until 18.12.2026"
    on_duty: str | None  # who could take it: this week's duty person

    def as_json(self) -> dict[str, object]:
        return {
            "ticket": self.ticket_id,
            "subject": self.subject,
            "owner": self.owner,
            "why": self.why,
            "on_duty": self.on_duty,
        }


def problems(store: Store, config: Config, *, now: datetime) -> list[Problem]:
    """Open tickets owned by someone who has left or is away today."""
    from supportctl.store import tickets as tickets_store

    calendar = business_calendar(store, config, around=now)
    today = calendar.local_date(now)
    absences = rota_store.absences(store)
    gone = rota_store.inactive(store)
    rota, is_absent = load(store)
    on_duty = rules.owner_for(now, rota, calendar, is_absent).person
    out: list[Problem] = []
    for row in tickets_store.open_with_owner(store):
        handle = row["owner"]
        if handle in gone:
            why = "left the team"
        else:
            current = [end for start, end in absences.get(handle, ()) if start <= today <= end]
            if not current:
                continue
            why = f"away until {max(current):%d.%m.%Y}"
        out.append(Problem(row["id"], row["subject"] or "", handle, why, on_duty))
    return out


def owner_for_arrival(
    store: Store, config: Config, arrived_at: datetime, calendar: BusinessCalendar | None = None
) -> tuple[int | None, rules.Duty]:
    """(person id or None, the duty decision) for a ticket that arrived at `arrived_at`."""
    calendar = calendar or business_calendar(store, config, around=arrived_at)
    rota, is_absent = load(store)
    duty = rules.owner_for(arrived_at, rota, calendar, is_absent)
    if duty.person is None:
        return None, duty
    person = people_store.get_by_handle(store, duty.person)
    return (person.id if person else None), duty


def is_empty(store: Store) -> bool:
    return not rota_store.order(store)


def ics(store: Store, config: Config, *, weeks: int, now: datetime) -> bytes:
    """An iCalendar file with one all-day event per duty week."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//supportctl//duty rota//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{config.agency.name} support duty")
    for week in show(store, config, weeks=weeks, now=now):
        if week.person is None:
            continue
        event = Event()
        event.add("uid", f"duty-{week.id}@{config.agency.mail_domain}")
        event.add("summary", f"Support duty: {week.person}")
        event.add("description", f"{week.id} ({week.reason})")
        event.add("dtstart", week.start)
        event.add("dtend", week.start + timedelta(days=7))
        event.add("dtstamp", now)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return bytes(cal.to_ical())
