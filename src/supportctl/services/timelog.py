"""Logging time: entries, timers, listings with derived billable classes, quotas.

`log` is run many times a day, so the add path imports only the stdlib, the store
and the duration parser; the billing rules and dateutil are imported inside the
functions that need them. The agency time zone comes in as a callable, because most
entries (a duration ending now) never need it and reading the config costs start-up
time: it is asked for only when a local date or clock time is involved, or when an
issued invoice exists near the entry's month.

Month membership is by the entry's start in the agency time zone. A customer-month's
quota (`quota_for`) is the customer's included minutes plus, for `carry_over`
customers, the previous month's unused included minutes. Carried minutes last one
month only: the month's own minutes are spent first, and carried-in minutes cover
work beyond them and then expire, so a carry never carries again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import InputError
from supportctl.store import customers as customer_store
from supportctl.store import people as people_store
from supportctl.store import tickets as ticket_store
from supportctl.store import time_entries as entry_store
from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.domain.billing_rules import Part

MAX_MINUTES = 1440
DEFAULT_TZ = "Europe/Helsinki"
LONG_TIMER_MINUTES = 600  # stopping a timer that ran longer than 10 hours asks first
KINDS = ("work", "messaging")
TzSource = Callable[[], str]


# --------------------------------------------------------------------------- values
# Named tuples rather than dataclasses: immutable, attribute access, and about a tenth
# of the cost to define, which `log` pays on every start.


class EntryRow(NamedTuple):
    """One entry of a listing, with its classified parts (one, or two when split)."""

    id: int
    uuid: str
    date: date  # local date of the start
    start_at: datetime  # aware UTC
    end_at: datetime  # aware UTC
    minutes: int
    person: str
    ticket: int | None
    customer: str
    description: str
    kind: str
    is_internal: bool
    class_override: str | None
    corrects_invoice: str | None
    parts: list[Part]


class Quota(NamedTuple):
    """A maintenance customer's included minutes for one month."""

    included_minutes: int  # the month's own plus carried-in
    carried_in_minutes: int
    used_minutes: int
    left_minutes: int


class Logged(NamedTuple):
    """What `log add` and `log stop` report back."""

    id: int
    uuid: str
    minutes: int
    start_at: datetime
    end_at: datetime
    person: str
    ticket: int | None
    customer: str
    description: str


# --------------------------------------------------------------------------- time helpers


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


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
    zone = _zone(tz)
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=zone)
    return to_utc_text(start), to_utc_text(end)


def previous_month(month: str) -> str:
    year, mon = parse_month(month)
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def next_month(month: str) -> str:
    year, mon = parse_month(month)
    return f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"


def local_month(moment: datetime, tz: str) -> str:
    return moment.astimezone(_zone(tz)).strftime("%Y-%m")


def parse_day(text: str, today: date) -> date:
    """--date: 2026-10-14, today, yesterday, or what dateutil reads (day first)."""
    cleaned = text.strip().lower()
    if cleaned == "today":
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    from dateutil import parser as date_parser

    try:
        parsed: datetime = date_parser.parse(
            cleaned, dayfirst=True, default=datetime(today.year, 1, 1)
        )
        return parsed.date()
    except (ValueError, OverflowError):
        raise InputError(
            f"--date '{text}' is not a date; use 2026-10-14, today or yesterday"
        ) from None


def _moment(text: str, what: str, day: date, tz: str) -> tuple[datetime, bool]:
    """--start/--end: a clock time on `day`, or a full date-time; (UTC moment, had a date)."""
    from supportctl.domain.durations import parse_clock

    clock = parse_clock(text)
    zone = _zone(tz)
    if clock is not None:
        local = datetime(day.year, day.month, day.day, clock[0], clock[1], tzinfo=zone)
        return local.astimezone(UTC), False
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{what} '{text}' is not a time; use 09:10 or a date-time such as '2026-10-14 09:10'"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC).replace(second=0, microsecond=0), True


def _duration(text: str) -> int:
    from supportctl.domain.durations import parse_duration

    try:
        minutes = parse_duration(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    _check_minutes(minutes, text)
    return minutes


def _check_minutes(minutes: int, text: str) -> None:
    if minutes < 1:
        raise InputError(f"'{text}' is less than one minute; log at least 1m")
    if minutes > MAX_MINUTES:
        raise InputError(f"'{text}' is more than 24 hours; split it into one entry per day")


def resolve_times(
    *,
    duration: str | None,
    start: str | None,
    end: str | None,
    on_date: str | None,
    now: datetime,
    tz: TzSource,
) -> tuple[datetime, datetime, int]:
    """(start, end, minutes) from what was typed; see `log add --help` for the forms."""
    from supportctl.domain.durations import whole_minutes

    minutes = _duration(duration) if duration is not None else None
    start_at: datetime | None = None
    end_at: datetime | None = None
    now_minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    if start is None and end is None:
        if minutes is None:
            raise InputError("give a duration (25m, 1h30) or --start and --end")
        if on_date is None:
            end_at = now_minute
        else:
            zone = _zone(tz())
            local_now = now_minute.astimezone(zone)
            day = parse_day(on_date, local_now.date())
            end_at = datetime.combine(day, local_now.time().replace(tzinfo=None), zone)
            end_at = end_at.astimezone(UTC)
        start_at = end_at - timedelta(minutes=minutes)
    else:
        zone_name = tz()
        local_today = now.astimezone(_zone(zone_name)).date()
        day = parse_day(on_date, local_today) if on_date is not None else local_today
        end_had_date = False
        if start is not None:
            start_at, _ = _moment(start, "--start", day, zone_name)
        if end is not None:
            end_at, end_had_date = _moment(end, "--end", day, zone_name)
        if start_at is not None and end_at is not None:
            span = whole_minutes(start_at, end_at)
            if span <= 0:
                if end_had_date:
                    raise InputError(f"--end {end} is not after --start {start}")
                raise InputError(
                    f"--end {end} is before --start {start}; to cross midnight give --end as a date-time such as '{(day + timedelta(days=1)).isoformat()} {end}'"
                )
            if minutes is not None and minutes != span:
                raise InputError(
                    f"--start {start} to --end {end} is {span} minutes, not {duration}; give two of the three"
                )
            minutes = span
        elif start_at is not None:
            if minutes is None:
                raise InputError("--start needs --end or a duration")
            end_at = start_at + timedelta(minutes=minutes)
        elif end_at is not None:
            if minutes is None:
                raise InputError("--end needs --start or a duration")
            start_at = end_at - timedelta(minutes=minutes)
    if start_at is None or end_at is None or minutes is None:
        raise InputError("give a duration (25m, 1h30) or --start and --end")
    _check_minutes(minutes, duration or f"{start}-{end}")
    if end_at > now:
        raise InputError(
            f"that entry would end at {to_utc_text(end_at)}, in the future; log work after it is done"
        )
    return start_at, end_at, minutes


# --------------------------------------------------------------------------- lookups


def _person(store: Store, handle: str) -> int:
    person_id = people_store.id_by_handle(store, handle)
    if person_id is None:
        raise InputError(f"no team member '{handle}'", hint="run `supportctl team list`")
    return int(person_id)


def _target(store: Store, ticket: int | None, customer: str | None) -> tuple[int | None, int, str]:
    """(ticket id, customer id, customer slug) for a ticket or a customer."""
    if ticket is not None:
        row = ticket_store.with_customer_slug(store, ticket)
        if row is None:
            raise InputError(f"no ticket #{ticket}", hint="run `supportctl inbox --all`")
        if row["merged_into"] is not None:
            target = ticket_store.resolve_id(store, ticket)
            raise InputError(
                f"ticket #{ticket} was merged into #{target}; log the time on #{target}"
            )
        if row["customer_id"] is None:
            raise InputError(
                f"ticket #{ticket} has no customer yet; set one, or log with --customer SLUG"
            )
        if customer is not None and customer != row["slug"]:
            raise InputError(f"ticket #{ticket} belongs to '{row['slug']}', not '{customer}'")
        return int(row["id"]), int(row["customer_id"]), str(row["slug"])
    if customer is None:
        raise InputError(
            "log time on a ticket (log 42 25m …) or a customer (log --customer acme 15m …)"
        )
    customer_id = customer_store.id_by_slug(store, customer)
    if customer_id is None:
        raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
    return None, int(customer_id), customer


def _frozen_check(
    store: Store, customer_id: int, slug: str, start_at: datetime, tz: TzSource
) -> None:
    """Refuse an entry in a customer-month with an issued invoice.

    The local month of a UTC moment is the UTC month of a moment at most 14 hours
    away, so two cheap candidates are checked first and the time zone is read only
    when one of them is invoiced.
    """
    early = (start_at - timedelta(hours=14)).strftime("%Y-%m")
    late = (start_at + timedelta(hours=14)).strftime("%Y-%m")
    if entry_store.issued_invoice(store, customer_id, (early, late)) is None:
        return
    month = local_month(start_at, tz())
    row = entry_store.issued_invoice(store, customer_id, (month,))
    if row is not None:
        raise InputError(
            f"{slug} {month} is invoiced ({row['number']}) and frozen; log the correction in the next open month with --corrects {row['number']}"
        )


def _overlap_check(
    store: Store,
    person_id: int,
    handle: str,
    start_at: datetime,
    end_at: datetime,
    exclude_id: int | None = None,
) -> None:
    earliest = to_utc_text(start_at - timedelta(minutes=MAX_MINUTES))
    row = entry_store.overlapping(
        store, person_id, to_utc_text(start_at), to_utc_text(end_at), earliest, exclude_id
    )
    if row is not None:
        raise InputError(
            f"{handle} already has entry {row['id']} from {row['start_at']} to {row['end_at']} overlapping this one; pass --allow-overlap to log both"
        )


def _check_class(value: str | None) -> None:
    if value is None:
        return
    from supportctl.domain.billing_rules import CLASSES

    if value not in CLASSES:
        raise InputError(f"unknown class '{value}'; choose one of {', '.join(CLASSES)}")


def _check_corrects(
    store: Store, number: str, customer_id: int, slug: str, start_at: datetime, tz: TzSource
) -> None:
    row = entry_store.invoice_by_number(store, number)
    if row is None or row["status"] != "issued":
        raise InputError(f"no issued invoice '{number}' to correct")
    if row["customer_id"] != customer_id:
        raise InputError(f"invoice {number} is not for '{slug}'")
    month = local_month(start_at, tz())
    if month <= row["month"]:
        raise InputError(
            f"a correction of {number} ({row['month']}) goes into a later month, not {month}"
        )


def _entry_data(values: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "ticket_id",
        "customer_id",
        "start_at",
        "end_at",
        "minutes",
        "description",
        "kind",
        "is_internal",
        "class_override",
        "corrects_invoice",
    )
    return {k: values[k] for k in keys if k in values}


# --------------------------------------------------------------------------- writes


def new_uuid() -> str:
    """A random (version 4) UUID as text, without importing `uuid` (which pulls in
    `platform`: a few milliseconds on every `log`)."""
    import os

    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def add_entry(
    store: Store,
    *,
    person: str,
    ticket: int | None,
    customer: str | None,
    description: str,
    duration: str | None = None,
    start: str | None = None,
    end: str | None = None,
    on_date: str | None = None,
    kind: str = "work",
    internal: bool = False,
    class_override: str | None = None,
    allow_overlap: bool = False,
    corrects: str | None = None,
    actor: str,
    now: datetime,
    tz: TzSource,
) -> Logged:
    """Log one entry (one transaction, one history event)."""
    from supportctl.store import events

    if not description.strip():
        raise InputError('say what was done: log 42 25m "Updated WordPress plugins"')
    if kind not in KINDS:
        raise InputError(f"unknown kind '{kind}'; choose work or messaging")
    _check_class(class_override)
    start_at, end_at, minutes = resolve_times(
        duration=duration, start=start, end=end, on_date=on_date, now=now, tz=tz
    )
    with store.transaction():
        person_id = _person(store, person)
        ticket_id, customer_id, slug = _target(store, ticket, customer)
        _frozen_check(store, customer_id, slug, start_at, tz)
        if corrects is not None:
            _check_corrects(store, corrects, customer_id, slug, start_at, tz)
        if not allow_overlap:
            _overlap_check(store, person_id, person, start_at, end_at)
        values: dict[str, Any] = {
            "uuid": new_uuid(),
            "person_id": person_id,
            "ticket_id": ticket_id,
            "customer_id": customer_id,
            "start_at": to_utc_text(start_at),
            "end_at": to_utc_text(end_at),
            "minutes": minutes,
            "description": description.strip(),
            "kind": kind,
            "is_internal": int(internal),
            "class_override": class_override,
            "corrects_invoice": corrects,
            "created_at": to_utc_text(now),
        }
        entry_id = entry_store.insert(store, values)
        events.record(
            store,
            "time.logged",
            at=now,
            actor=actor,
            ticket_id=ticket_id,
            customer_id=customer_id,
            subject_ref=f"time:{entry_id}",
            data={
                "entry": entry_id,
                "uuid": values["uuid"],
                "person": person,
                "old": None,
                "new": _entry_data(values),
            },
        )
    return Logged(
        entry_id,
        values["uuid"],
        minutes,
        start_at,
        end_at,
        person,
        ticket_id,
        slug,
        values["description"],
    )


def _require_entry(store: Store, entry_id: int) -> Row:
    row = entry_store.get(store, entry_id)
    if row is None:
        raise InputError(f"no time entry {entry_id}", hint="run `supportctl log list`")
    return row


def _frozen_entry(store: Store, row: Row, tz: TzSource) -> None:
    _frozen_check(store, row["customer_id"], row["customer"], from_utc_text(row["start_at"]), tz)


def edit_entry(
    store: Store,
    entry_id: int,
    *,
    minutes: str | None = None,
    start: str | None = None,
    end: str | None = None,
    description: str | None = None,
    class_override: str | None = None,
    clear_class: bool = False,
    allow_overlap: bool = False,
    actor: str,
    now: datetime,
    tz: TzSource,
) -> dict[str, Any]:
    """Change an entry; returns {'old': …, 'new': …} of the changed fields."""
    from supportctl.domain.durations import whole_minutes
    from supportctl.store import events

    _check_class(class_override)
    with store.transaction():
        row = _require_entry(store, entry_id)
        _frozen_entry(store, row, tz)
        old_start = from_utc_text(row["start_at"])
        old_end = from_utc_text(row["end_at"])
        new_start, new_end = old_start, old_end
        zone_name = tz() if (start is not None or end is not None) else DEFAULT_TZ
        day = old_start.astimezone(_zone(zone_name)).date()
        if start is not None:
            new_start, _ = _moment(start, "--start", day, zone_name)
        if end is not None:
            new_end, _ = _moment(end, "--end", day, zone_name)
        if minutes is not None:
            count = _duration(minutes)
            if end is not None and start is None:
                new_start = new_end - timedelta(minutes=count)
            else:
                new_end = new_start + timedelta(minutes=count)
        elif start is not None and end is None:
            new_end = new_start + timedelta(minutes=row["minutes"])
        count = whole_minutes(new_start, new_end)
        if count < 1:
            raise InputError(f"entry {entry_id} would end before it starts; check --start/--end")
        _check_minutes(count, f"{count} minutes")
        if new_end > now:
            raise InputError(f"entry {entry_id} would end in the future")
        changes: dict[str, Any] = {}
        if (new_start, new_end) != (old_start, old_end):
            changes.update(
                start_at=to_utc_text(new_start), end_at=to_utc_text(new_end), minutes=count
            )
            _frozen_check(store, row["customer_id"], row["customer"], new_start, tz)
            if not allow_overlap:
                _overlap_check(store, row["person_id"], row["person"], new_start, new_end, entry_id)
        if description is not None:
            if not description.strip():
                raise InputError("the description must not be empty")
            changes["description"] = description.strip()
        if clear_class:
            changes["class_override"] = None
        elif class_override is not None:
            changes["class_override"] = class_override
        changes = {k: v for k, v in changes.items() if row[k] != v}
        if not changes:
            raise InputError(
                f"nothing to change in entry {entry_id}; pass --minutes, --start, --end, --description or --class"
            )
        entry_store.update(store, entry_id, changes)
        old = {k: row[k] for k in changes}
        events.record(
            store,
            "time.edited",
            at=now,
            actor=actor,
            ticket_id=row["ticket_id"],
            customer_id=row["customer_id"],
            subject_ref=f"time:{entry_id}",
            data={"entry": entry_id, "uuid": row["uuid"], "old": old, "new": changes},
        )
    return {"id": entry_id, "old": old, "new": changes}


def remove_entry(
    store: Store, entry_id: int, *, actor: str, now: datetime, tz: TzSource
) -> dict[str, Any]:
    """Delete an entry; the history keeps every value it had."""
    from supportctl.store import events

    with store.transaction():
        row = _require_entry(store, entry_id)
        _frozen_entry(store, row, tz)
        entry_store.delete(store, entry_id)
        old = {k: row[k] for k in ("uuid", *_entry_data(dict(row)).keys())}
        old["person"] = row["person"]
        events.record(
            store,
            "time.removed",
            at=now,
            actor=actor,
            ticket_id=row["ticket_id"],
            customer_id=row["customer_id"],
            subject_ref=f"time:{entry_id}",
            data={"entry": entry_id, "uuid": row["uuid"], "old": old, "new": None},
        )
    return {"id": entry_id, "old": old}


# --------------------------------------------------------------------------- timers


class Timer(NamedTuple):
    person: str
    ticket: int | None
    customer: str
    description: str
    started_at: datetime
    minutes: int  # whole minutes so far


def timer_status(store: Store, person: str, now: datetime) -> Timer | None:
    from supportctl.domain.durations import whole_minutes

    person_id = _person(store, person)
    row = entry_store.get_timer(store, person_id)
    if row is None:
        return None
    started = from_utc_text(row["started_at"])
    return Timer(
        person,
        row["ticket_id"],
        row["customer"],
        row["description"],
        started,
        max(0, whole_minutes(started, now)),
    )


def start_timer(
    store: Store,
    *,
    person: str,
    ticket: int | None,
    customer: str | None,
    description: str,
    actor: str,
    now: datetime,
) -> Timer:
    """Start the person's timer; one running timer per person."""
    from supportctl.store import events

    with store.transaction():
        person_id = _person(store, person)
        running = entry_store.get_timer(store, person_id)
        if running is not None:
            what = f"#{running['ticket_id']}" if running["ticket_id"] else running["customer"]
            raise InputError(
                f"{person} already has a timer running on {what} since {running['started_at']}; run `supportctl log stop` first"
            )
        ticket_id, customer_id, slug = _target(store, ticket, customer)
        started = to_utc_text(now)
        entry_store.insert_timer(
            store, person_id, ticket_id, customer_id, description.strip(), started
        )
        events.record(
            store,
            "timer.started",
            at=now,
            actor=actor,
            ticket_id=ticket_id,
            customer_id=customer_id,
            subject_ref=f"timer:{person}",
            data={
                "person": person,
                "description": description.strip(),
                "old": None,
                "new": {"started_at": started},
            },
        )
    return Timer(person, ticket_id, slug, description.strip(), from_utc_text(started), 0)


def stop_question(timer: Timer, now: datetime, tz: str) -> str | None:
    """Why stopping this timer needs a yes (over midnight, over 10 hours), or None."""
    zone = _zone(tz)
    if timer.minutes > LONG_TIMER_MINUTES:
        return f"the timer has run {timer.minutes // 60} h {timer.minutes % 60:02d} min (over 10 hours)"
    if timer.started_at.astimezone(zone).date() != now.astimezone(zone).date():
        return f"the timer started on {timer.started_at.astimezone(zone):%Y-%m-%d %H:%M} and runs over midnight"
    return None


def stop_timer(
    store: Store,
    *,
    person: str,
    description: str | None,
    allow_overlap: bool = False,
    actor: str,
    now: datetime,
    tz: TzSource,
) -> Logged:
    """Stop the running timer and log its whole minutes as an entry."""
    from supportctl.store import events

    with store.transaction():
        timer = timer_status(store, person, now)
        if timer is None:
            raise InputError(
                f"{person} has no timer running; start one with `supportctl log start 42`"
            )
        text = (description or "").strip() or timer.description
        if not text:
            raise InputError('say what was done: supportctl log stop "Fixed the contact form"')
        if timer.minutes < 1:
            raise InputError(
                "the timer has run less than a minute; nothing to log (it is still running)"
            )
        if timer.minutes > MAX_MINUTES:
            raise InputError(
                f"the timer has run {timer.minutes} minutes, more than 24 hours; log the work with `supportctl log add` and cancel the timer with `supportctl log stop --discard`"
            )
        end = timer.started_at + timedelta(minutes=timer.minutes)
        person_id = _person(store, person)
        entry_store.delete_timer(store, person_id)
        events.record(
            store,
            "timer.stopped",
            at=now,
            actor=actor,
            ticket_id=timer.ticket,
            subject_ref=f"timer:{person}",
            data={
                "person": person,
                "old": {"started_at": to_utc_text(timer.started_at)},
                "new": None,
            },
        )
        return add_entry(
            store,
            person=person,
            ticket=timer.ticket,
            customer=timer.customer,
            description=text,
            start=to_utc_text(timer.started_at).replace("Z", "+00:00"),
            end=to_utc_text(end).replace("Z", "+00:00"),
            allow_overlap=allow_overlap,
            actor=actor,
            now=now,
            tz=tz,
        )


def discard_timer(store: Store, *, person: str, actor: str, now: datetime) -> Timer:
    """Throw the running timer away without logging anything."""
    from supportctl.store import events

    with store.transaction():
        timer = timer_status(store, person, now)
        if timer is None:
            raise InputError(f"{person} has no timer running")
        entry_store.delete_timer(store, _person(store, person))
        events.record(
            store,
            "timer.discarded",
            at=now,
            actor=actor,
            ticket_id=timer.ticket,
            subject_ref=f"timer:{person}",
            data={
                "person": person,
                "old": {"started_at": to_utc_text(timer.started_at)},
                "new": None,
            },
        )
    return timer


# --------------------------------------------------------------------------- classes
#
# Listings classify whole customer-months through `billing_rules.classify_items` on
# plain tuples straight from SQLite (already in start order: UTC ISO text sorts in
# time order), and build full rows only for what is shown. A month of 10,000 entries
# is classified without creating a datetime or a dataclass per entry.


class _Plan(NamedTuple):
    id: int
    slug: str
    plan: str
    own_minutes: int  # included minutes per month (maintenance only)
    carry_over: bool


def _plans(store: Store) -> dict[int, _Plan]:
    return {
        int(r[0]): _Plan(
            int(r[0]), r[1], r[2], int(r[3]) if r[2] == "maintenance" else 0, bool(r[4])
        )
        for r in customer_store.plan_rows(store)
    }


def _customer_id(store: Store, customer: Any) -> int:
    """A Customer, a slug or an id -> the id; InputError for an unknown one."""
    if isinstance(customer, int):
        found = customer if customer_store.exists(store, customer) else None
    elif isinstance(customer, str):
        found = customer_store.id_by_slug(store, customer)
    else:
        found = getattr(customer, "id", None)
    if found is None:
        raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
    return int(found)


def _month_facts(
    store: Store, customer_id: int, month: str, tz: str, flag: str | None = None
) -> list[Any]:
    start, end = month_bounds(month, tz)
    return entry_store.facts(
        store, start_from=start, start_before=end, customer_id=customer_id, flag=flag
    )


def _carried_in(store: Store, plan: _Plan, month: str, tz: str, flag: str | None = None) -> int:
    """Unused own included minutes of the previous month (one month only; see module doc)."""
    from supportctl.domain.billing_rules import INCLUDED, classify_items

    if not plan.carry_over or plan.own_minutes == 0:
        return 0
    prev = _month_facts(store, plan.id, previous_month(month), tz, flag)
    parts = classify_items(prev, plan.plan, plan.own_minutes)
    used = sum(p[1] for p in parts if p[2] == INCLUDED)
    return max(0, plan.own_minutes - used)


def _classify(
    store: Store, plan: _Plan, month: str, facts: list[Any], tz: str, flag: str | None = None
) -> tuple[list[Any], Quota]:
    """Raw parts of a whole customer-month, and its quota."""
    from supportctl.domain.billing_rules import INCLUDED, classify_items

    carried = _carried_in(store, plan, month, tz, flag)
    included = plan.own_minutes + carried
    parts = classify_items(facts, plan.plan, included)
    used = sum(p[1] for p in parts if p[2] == INCLUDED)
    return parts, Quota(included, carried, used, included - used)


def quota_for(store: Store, customer: Any, month: str, *, tz: str = DEFAULT_TZ) -> Quota:
    """The customer-month's quota: included (own + carried-in), carried-in, used, left.

    `customer` is a Customer, a slug or an id. Pass `tz=config.agency.timezone`.
    """
    parse_month(month)
    customer_id = _customer_id(store, customer)
    plan = _plans(store)[customer_id]
    return _classify(store, plan, month, _month_facts(store, customer_id, month, tz), tz)[1]


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text)  # '…Z' -> aware UTC (Python 3.11+)


def _entry_row(row: Row, parts: list[Part], zone: Any) -> EntryRow:
    start = _parse_utc(row["start_at"])
    return EntryRow(
        id=row["id"],
        uuid=row["uuid"],
        date=start.astimezone(zone).date(),
        start_at=start,
        end_at=_parse_utc(row["end_at"]),
        minutes=row["minutes"],
        person=row["person"],
        ticket=row["ticket_id"],
        customer=row["customer"],
        description=row["description"],
        kind=row["kind"],
        is_internal=bool(row["is_internal"]),
        class_override=row["class_override"],
        corrects_invoice=row["corrects_invoice"],
        parts=parts,
    )


def month_rows(
    store: Store, customer_id: int, month: str, *, tz: str = DEFAULT_TZ
) -> list[EntryRow]:
    """Every entry of the customer-month in start order, with its classified parts.

    Pass `tz=config.agency.timezone`: months are local calendar months.
    """
    parse_month(month)
    listing = _listing(store, month=month, customer_id=_customer_id(store, customer_id), tz=tz)
    return listing.rows


class Listing(NamedTuple):
    rows: list[EntryRow]  # the shown rows (the latest `limit` when a limit was given)
    matched: int  # entries matched
    totals: dict[str, int]  # minutes per class over every matched entry
    month: str | None
    quotas: dict[str, Quota]  # maintenance customers of a one-month listing, by slug


def list_entries(
    store: Store,
    *,
    month: str | None = None,
    customer: str | None = None,
    person: str | None = None,
    ticket: int | None = None,
    tz: str,
    limit: int | None = None,
) -> Listing:
    """Entries matching the filters in start order, classified within their customer-months.

    With `limit`, only the latest `limit` rows are built; totals cover every match.
    """
    if month is not None:
        parse_month(month)
    customer_id = _customer_id(store, customer) if customer is not None else None
    person_id = _person(store, person) if person is not None else None
    if ticket is not None and not ticket_store.exists(store, ticket):
        raise InputError(f"no ticket #{ticket}")
    return _listing(
        store,
        month=month,
        customer_id=customer_id,
        person_id=person_id,
        ticket_id=ticket,
        tz=tz,
        limit=limit,
    )


def _listing(
    store: Store,
    *,
    month: str | None,
    customer_id: int | None = None,
    person_id: int | None = None,
    ticket_id: int | None = None,
    tz: str,
    limit: int | None = None,
) -> Listing:
    from supportctl.domain.billing_rules import CLASSES, Part

    if month is not None and person_id is None and ticket_id is None and limit is not None:
        return _latest_of_month(store, month=month, customer_id=customer_id, tz=tz, limit=limit)
    zone = _zone(tz)
    bounds: tuple[str | None, str | None] = (None, None)
    if month is not None:
        bounds = month_bounds(month, tz)
    filters = {"customer_id": customer_id, "person_id": person_id, "ticket_id": ticket_id}
    flag = entry_store.unapproved_flag(store)
    matched = entry_store.facts(
        store, start_from=bounds[0], start_before=bounds[1], flag=flag, **filters
    )
    # Group by customer-month. A listing that is not narrowed by person or ticket holds
    # each customer-month whole; a narrowed one loads its customer-months to classify.
    whole = person_id is None and ticket_id is None
    groups: dict[tuple[int, str], list[Any]] = {}
    if month is not None:
        by_customer: dict[int, list[Any]] = {}
        for r in matched:
            group = by_customer.get(r[6])
            if group is None:
                by_customer[r[6]] = [r]
            else:
                group.append(r)
        groups = {(cid, month): rows for cid, rows in by_customer.items()}
    else:
        month_of: dict[str, str] = {}  # 'YYYY-MM-DDTHH:MM' -> local month
        for r in matched:
            key = r[7][:16]
            mon = month_of.get(key) or month_of.setdefault(
                key, _parse_utc(r[7]).astimezone(zone).strftime("%Y-%m")
            )
            groups.setdefault((r[6], mon), []).append(r)
    shown = matched if limit is None or len(matched) <= limit else matched[-limit:]
    shown_ids = {r[0] for r in shown}
    matched_ids = None if whole else {r[0] for r in matched}
    plans = _plans(store) if groups else {}
    parts_of: dict[int, list[Any]] = {}
    quotas: dict[str, Quota] = {}
    totals = dict.fromkeys(CLASSES, 0)
    for (cid, mon), group in groups.items():
        plan = plans[cid]
        facts = group if whole else _month_facts(store, cid, mon, tz, flag)
        raw, quota = _classify(store, plan, mon, facts, tz, flag)
        for part in raw:
            entry_id = part[0]
            if matched_ids is None or entry_id in matched_ids:
                totals[part[2]] += part[1]
                if entry_id in shown_ids:
                    parts_of.setdefault(entry_id, []).append(part)
        if month is not None and plan.plan == "maintenance":
            quotas[plan.slug] = quota
    if limit is None:
        full = entry_store.listing(store, start_from=bounds[0], start_before=bounds[1], **filters)
    else:
        full = entry_store.by_ids(store, [r[0] for r in shown])
    rows = [_entry_row(r, [Part(*p) for p in parts_of.get(r["id"], ())], zone) for r in full]
    return Listing(rows, len(matched), totals, month, quotas)


def _latest_of_month(
    store: Store, *, month: str, customer_id: int | None, tz: str, limit: int
) -> Listing:
    """A month's latest `limit` entries with their parts, and the whole month's totals
    and quotas, without reading every entry of the month.

    Each customer-month's totals come from the `month_totals` cache, or are computed
    (`_compute_totals`) and kept there. The shown entries are the month's last ones,
    so for each maintenance customer they are all of its entries from its first shown
    one on: the quota left before them is the quota minus the quota minutes of the rest.
    """
    from supportctl.domain.billing_rules import CLASSES, Part, classify_items, quota_minutes

    start, end = month_bounds(month, tz)
    plans = _plans(store)
    wanted = [customer_id] if customer_id is not None else list(plans)
    known = _cached_or_computed(store, plans, month, tz, wanted)
    totals = dict.fromkeys(CLASSES, 0)
    quotas: dict[str, Quota] = {}
    matched = 0
    for cid in wanted:
        entries, *by_class, included, carried, _ = known[cid]
        if not entries:
            continue
        matched += entries
        for cls, minutes in zip(CLASSES, by_class, strict=True):
            totals[cls] += minutes
        plan = plans[cid]
        if plan.plan == "maintenance":
            used = by_class[0]  # included
            quotas[plan.slug] = Quota(included, carried, used, included - used)
    if not matched:
        return Listing([], 0, totals, month, {})
    shown = entry_store.latest(store, start, end, customer_id, limit)
    items_of: dict[int, list[Any]] = {}
    for r in shown:
        items_of.setdefault(r["customer_id"], []).append(
            (
                r["id"],
                r["minutes"],
                r["kind"],
                r["is_internal"],
                r["class_override"],
                r["unapproved"],
            )
        )
    parts_of: dict[int, list[Part]] = {}
    for cid, items in items_of.items():
        plan = plans[cid]
        left = 0
        if plan.plan == "maintenance":
            before = known[cid][-1] - sum(quota_minutes(i) for i in items)
            left = max(0, known[cid][-3] - before)
        for raw in classify_items(items, plan.plan, left):
            parts_of.setdefault(raw[0], []).append(Part(*raw))
    zone = _zone(tz)
    rows = [_entry_row(r, parts_of[r["id"]], zone) for r in shown]
    return Listing(rows, matched, totals, month, quotas)


def _rules_stamp() -> str:
    from supportctl import __version__
    from supportctl.domain.billing_rules import RULES_VERSION

    return f"{__version__}/{RULES_VERSION}"


def _cached_or_computed(
    store: Store, plans: dict[int, _Plan], month: str, tz: str, wanted: list[int]
) -> dict[int, tuple[int, ...]]:
    """`entry_store.TOTALS_COLUMNS` of each wanted customer-month: kept ones from the
    cache, the rest computed and kept (in one write transaction, so no entry can change
    between the sums and the row). When the database cannot be written to (read-only,
    or busy for longer than a moment) they are computed and not kept."""
    from supportctl.errors import StoreError
    from supportctl.store.db import QueryError

    rules = _rules_stamp()
    known = entry_store.cached_totals(store, month, tz, rules, wanted)
    missing = [c for c in wanted if c not in known]
    if not missing:
        return known
    try:
        with store.transaction(wait_ms=250):
            again = entry_store.cached_totals(store, month, tz, rules, missing)
            still = [c for c in missing if c not in again]
            computed = _compute_totals(store, plans, month, tz, still)
            entry_store.keep_totals(store, month, tz, rules, computed)
    except (StoreError, QueryError):
        again, computed = {}, _compute_totals(store, plans, month, tz, missing)
    return {**known, **again, **{c: row[2:] for c, row in computed.items()}}


def _compute_totals(
    store: Store, plans: dict[int, _Plan], month: str, tz: str, customer_ids: list[int]
) -> dict[int, tuple[Any, ...]]:
    """(since, until, *TOTALS_COLUMNS) of these customer-months, from a few sums and
    the entries with a stored override (`billing_rules.month_totals`); only a month
    whose total depends on the order is classified entry by entry."""
    from supportctl.domain.billing_rules import (
        CLASSES,
        MonthSums,
        classify_items,
        month_quota_minutes,
        month_totals,
        totals_by_class,
    )

    if not customer_ids:
        return {}
    start, end = month_bounds(month, tz)
    flag = entry_store.unapproved_flag(store)
    sums = {
        cid: MonthSums(*v)
        for cid, v in entry_store.month_sums(store, start, end, customer_ids, flag).items()
    }
    overrides: dict[int, list[Any]] = {}
    if sums:
        for item in entry_store.overridden(store, start, end, list(sums), flag):
            overrides.setdefault(item[6], []).append(item)
    carrying = [c for c in customer_ids if plans[c].carry_over and plans[c].own_minutes]
    carried = _carried_in_from_sums(
        store, plans, [c for c in carrying if c in sums], month, tz, flag
    )
    previous_start = month_bounds(previous_month(month), tz)[0] if carrying else start
    computed: dict[int, tuple[Any, ...]] = {}
    for cid in customer_ids:
        plan = plans[cid]
        since = previous_start if cid in carrying else start
        included = plan.own_minutes + carried.get(cid, 0)
        month_sums = sums.get(cid)
        if month_sums is None:
            computed[cid] = (since, end, 0, 0, 0, 0, 0, included, carried.get(cid, 0), 0)
            continue
        found = overrides.get(cid, [])
        by_class = month_totals(month_sums, found, plan.plan, included)
        if by_class is None:  # the order matters: classify this customer-month whole
            facts = _month_facts(store, cid, month, tz, flag)
            by_class = totals_by_class(classify_items(facts, plan.plan, included))
        computed[cid] = (
            since,
            end,
            month_sums.entries,
            *(by_class[cls] for cls in CLASSES),
            included,
            carried.get(cid, 0),
            month_quota_minutes(month_sums, found),
        )
    return computed


def _carried_in_from_sums(
    store: Store, plans: dict[int, _Plan], customer_ids: list[int], month: str, tz: str, flag: str
) -> dict[int, int]:
    """`_carried_in` for several customers at once, from the previous month's sums."""
    from supportctl.domain.billing_rules import MonthSums, month_quota_minutes

    wanted = [c for c in customer_ids if plans[c].own_minutes and plans[c].plan == "maintenance"]
    if not wanted:
        return {}
    start, end = month_bounds(previous_month(month), tz)
    sums = entry_store.month_sums(store, start, end, wanted, flag)
    overrides: dict[int, list[Any]] = {}
    for item in entry_store.overridden(store, start, end, wanted, flag):
        overrides.setdefault(item[6], []).append(item)
    carried = {}
    for cid in wanted:
        used = (
            month_quota_minutes(MonthSums(*sums[cid]), overrides.get(cid, [])) if cid in sums else 0
        )
        carried[cid] = max(0, plans[cid].own_minutes - used)
    return carried
