"""Logging time: entries (add, edit, remove) and timers. Listings with the derived
billable classes and quotas are in `timesheet`.

`log` is run many times a day, so the add path imports only the stdlib, the store
and the duration parser; the billing rules are imported inside the
functions that need them. The agency time zone comes in as a callable, because most
entries (a duration ending now) never need it and reading the config costs start-up
time: it is asked for only when a local date or clock time is involved, or when an
issued invoice exists near the entry's month.

Month membership is by the entry's start in the agency time zone (`timebase`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.domain.timeutil import zone as _zone
from supportctl.errors import InputError
from supportctl.render.models.timelog import Logged, Timer
from supportctl.services.timebase import (
    DEFAULT_TZ,
    local_month,
    local_text,
    person_id_later,
    unknown_person,
)
from supportctl.store import customers as customer_store
from supportctl.store import tickets as ticket_store
from supportctl.store import time_entries as entry_store
from supportctl.store.db import Row, Store

MAX_MINUTES = 1440
LONG_TIMER_MINUTES = 600  # stopping a timer that ran longer than 10 hours asks first
KINDS = ("work", "messaging")
TzSource = Callable[[], str]


# --------------------------------------------------------------------------- values
# Named tuples rather than dataclasses: immutable, attribute access, and about a tenth
# of the cost to define, which `log` pays on every start.


# --------------------------------------------------------------------------- time helpers


def parse_day(text: str, today: date) -> date:
    """--date in one of the forms `domain.dates` accepts (never a guess)."""
    from supportctl.domain.dates import DateError
    from supportctl.domain.dates import parse_day as parse

    try:
        return parse(text, today)
    except DateError as exc:
        raise InputError(f"--date {exc}") from None


def _moment(text: str, what: str, day: date, tz: str) -> tuple[datetime, bool]:
    """--start/--end: a clock time on `day`, or a full date-time; (UTC moment, had a date)."""
    from supportctl.domain.durations import parse_clock

    clock = parse_clock(text)
    zone = _zone(tz)
    if clock is not None:
        local = datetime(day.year, day.month, day.day, clock[0], clock[1], tzinfo=zone)
        return local.astimezone(UTC), False
    import re

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)", text, re.ASCII):
        # An exact moment with its offset (a stopped timer passes its start this way).
        try:
            exact = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{what} '{text}' is not a time of the calendar") from None
        return exact.astimezone(UTC).replace(second=0, microsecond=0), True
    # A date and a clock time: the date in a form `domain.dates` reads, then the time.
    day_text, _sep, clock_text = text.strip().replace("T", " ").rpartition(" ")
    clock = parse_clock(clock_text) if day_text.strip() else None
    if clock is None:
        raise InputError(
            f"{what} '{text}' is not a time; use 09:10 or a date and time such as '2026-10-14 09:10'"
        )
    from supportctl.domain.dates import DateError
    from supportctl.domain.dates import parse_day as parse

    try:
        on = parse(day_text, day)
    except DateError as exc:
        raise InputError(f"{what} {exc}") from None
    local = datetime(on.year, on.month, on.day, clock[0], clock[1], tzinfo=zone)
    return local.astimezone(UTC), True


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
            f"that entry would end at {local_text(end_at, tz())}, in the future; log work after it is done"
        )
    return start_at, end_at, minutes


# --------------------------------------------------------------------------- lookups


def _target(
    store: Store,
    ticket: int | None,
    customer: str | None,
    ahead: Callable[[], Row | None] | None = None,
    customer_ahead: Callable[[], int | None] | None = None,
) -> tuple[int | None, int, str]:
    """(ticket id, customer id, customer slug) for a ticket or a customer (`ahead`: the
    ticket's read, sent already; `customer_ahead`: the customer's, without a ticket)."""
    if ticket is not None:
        row = ahead() if ahead is not None else ticket_store.with_customer_slug(store, ticket)
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
    if customer_ahead is not None:
        found = customer_ahead()
    else:
        found = customer_store.id_by_slug(store, customer)
    if found is None:
        raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
    return None, int(found), customer


class _Ahead(NamedTuple):
    """The reads an entry needs, sent together (one round trip on a server): each is
    asked for in the order the checks come, so SQLite runs them as before."""

    person: Callable[[], int]
    ticket: Callable[[], Row | None] | None
    customer: Callable[[], int | None] | None
    invoiced: Callable[[], Row | None] | None  # an issued invoice in a candidate month
    overlap: Callable[[], Row | None] | None
    new_id: Callable[[], int | None]


def _reads_ahead(
    store: Store,
    person: str,
    ticket: int | None,
    customer: str | None,
    start_at: datetime,
    end_at: datetime,
    *,
    overlap: bool,
) -> _Ahead:
    """Everything `add_entry` reads before it writes. Where a read depends on another
    (the invoice on the ticket's customer, the overlap on the person), it names it by
    a subquery instead, so that none waits for another."""
    person_later = person_id_later(store, person)
    ticket_later = customer_later = invoiced = None
    if ticket is not None:
        ticket_later = ticket_store.with_customer_slug_later(store, ticket)
    elif customer is not None:
        customer_later = customer_store.id_by_slug_later(store, customer)
    if ticket is not None or customer is not None:
        invoiced = entry_store.issued_invoice_later(
            store, _candidate_months(start_at), ticket_id=ticket, slug=customer or ""
        )
    overlapping = None
    if overlap:
        overlapping = entry_store.overlapping_later(
            store,
            person,
            to_utc_text(start_at),
            to_utc_text(end_at),
            to_utc_text(start_at - timedelta(minutes=MAX_MINUTES)),
        )
    return _Ahead(
        person_later,
        ticket_later,
        customer_later,
        invoiced,
        overlapping,
        entry_store.reserve_id_later(store),
    )


def _candidate_months(start_at: datetime) -> tuple[str, str]:
    """The local month of a UTC moment is the UTC month of a moment at most 14 hours
    away: the two months it can be in, whatever the time zone."""
    early = (start_at - timedelta(hours=14)).strftime("%Y-%m")
    late = (start_at + timedelta(hours=14)).strftime("%Y-%m")
    return early, late


def _frozen_check(
    store: Store,
    customer_id: int,
    slug: str,
    start_at: datetime,
    tz: TzSource,
    candidates: Callable[[], Row | None] | None = None,
) -> None:
    """Refuse an entry in a customer-month with an issued invoice.

    Two cheap candidate months are checked first (`candidates`: that read, sent
    already) and the time zone is read only when one of them is invoiced.
    """
    if candidates is not None:
        if candidates() is None:
            return
    elif entry_store.issued_invoice(store, customer_id, _candidate_months(start_at)) is None:
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
    tz: TzSource,
    exclude_id: int | None = None,
    ahead: Callable[[], Row | None] | None = None,
) -> None:
    """Refuse an entry that overlaps another of the person's (`ahead`: that read, sent
    already)."""
    if ahead is not None:
        row = ahead()
    else:
        earliest = to_utc_text(start_at - timedelta(minutes=MAX_MINUTES))
        row = entry_store.overlapping(
            store, person_id, to_utc_text(start_at), to_utc_text(end_at), earliest, exclude_id
        )
    if row is not None:
        zone_name = tz()
        first = local_text(row["start_at"], zone_name)
        last = local_text(row["end_at"], zone_name)
        if last[:10] == first[:10]:
            last = last[11:]
        raise InputError(
            f"{handle} already has entry {row['id']} from {first} to {last} overlapping this one; pass --allow-overlap to log both"
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
    if row is None or row["status"] != "issued" or row["kind"] != "invoice":
        raise InputError(f"no issued invoice '{number}' to correct")
    if row["customer_id"] != customer_id:
        raise InputError(f"invoice {number} is not for '{slug}'")
    month = local_month(start_at, tz())
    if month <= row["month"]:
        raise InputError(
            f"a correction of {number} ({row['month']}) goes into a later month, not {month}"
        )


def _correction_class(
    store: Store, customer_id: int, class_override: str | None, internal: bool
) -> str | None:
    """A correction is billed at the corrected month's terms: that month's included work
    was settled on its invoice, so the correction is work beyond it (billable), stored
    as the entry's class so it never uses the included minutes of the month it is
    logged in. An explicit --class or --internal still wins."""
    from supportctl.store import customers as customer_store

    if class_override is not None or internal:
        return class_override
    customer = customer_store.get_by_id(store, customer_id)
    if customer is not None and customer.plan == "maintenance":
        return "billable"
    return None


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
    if not description.strip():
        raise InputError('say what was done: log 42 25m "Updated WordPress plugins"')
    if kind not in KINDS:
        raise InputError(f"unknown kind '{kind}'; choose work or messaging")
    _check_class(class_override)
    start_at, end_at, minutes = resolve_times(
        duration=duration, start=start, end=end, on_date=on_date, now=now, tz=tz
    )
    with store.transaction():
        ahead = _reads_ahead(
            store, person, ticket, customer, start_at, end_at, overlap=not allow_overlap
        )
        return _log_checked(
            store,
            ahead,
            person=person,
            ticket=ticket,
            customer=customer,
            description=description,
            start_at=start_at,
            end_at=end_at,
            minutes=minutes,
            kind=kind,
            internal=internal,
            class_override=class_override,
            allow_overlap=allow_overlap,
            corrects=corrects,
            actor=actor,
            now=now,
            tz=tz,
            before_insert=None,
        )


def _log_checked(
    store: Store,
    ahead: _Ahead,
    *,
    person: str,
    ticket: int | None,
    customer: str | None,
    description: str,
    start_at: datetime,
    end_at: datetime,
    minutes: int,
    kind: str,
    internal: bool,
    class_override: str | None,
    allow_overlap: bool,
    corrects: str | None,
    actor: str,
    now: datetime,
    tz: TzSource,
    before_insert: Callable[[], None] | None,
) -> Logged:
    """Inside the transaction, its reads sent (`ahead`): check the entry and write it
    with its history row. `before_insert` runs after every check (a stopped timer's own
    writes)."""
    from supportctl.store import events

    person_id = ahead.person()
    ticket_id, customer_id, slug = _target(store, ticket, customer, ahead.ticket, ahead.customer)
    _frozen_check(store, customer_id, slug, start_at, tz, ahead.invoiced)
    if corrects is not None:
        _check_corrects(store, corrects, customer_id, slug, start_at, tz)
        class_override = _correction_class(store, customer_id, class_override, internal)
    if not allow_overlap:
        _overlap_check(store, person_id, person, start_at, end_at, tz, ahead=ahead.overlap)
    if before_insert is not None:
        before_insert()
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
    entry_id = entry_store.insert(store, values, ahead.new_id())
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
    ticket: int | None = None,
    customer: str | None = None,
    actor: str,
    now: datetime,
    tz: TzSource,
) -> dict[str, Any]:
    """Change an entry; returns {'old': …, 'new': …} of the changed fields.

    `ticket` or `customer` moves the entry to another ticket (and its customer) or to a
    customer without a ticket; neither the month it leaves nor the one it joins may be
    invoiced."""
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
                _overlap_check(
                    store, row["person_id"], row["person"], new_start, new_end, tz, entry_id
                )
        if ticket is not None or customer is not None:
            ticket_id, customer_id, slug = _target(store, ticket, customer)
            if (ticket_id, customer_id) != (row["ticket_id"], row["customer_id"]):
                if row["corrects_invoice"] and customer_id != row["customer_id"]:
                    raise InputError(
                        f"entry {entry_id} corrects invoice {row['corrects_invoice']} of "
                        f"{row['customer']}; it cannot move to another customer"
                    )
                _frozen_check(store, customer_id, slug, new_start, tz)
                changes.update(ticket_id=ticket_id, customer_id=customer_id)
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
                f"nothing to change in entry {entry_id}; pass --minutes, --start, --end, --description, --class, --ticket or --customer"
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
        if "customer_id" in changes:
            old = {**old, "customer": row["customer"]}
            changes = {**changes, "customer": slug}
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


def timer_status(store: Store, person: str, now: datetime) -> Timer | None:
    return _timer(store, person, now)[1]


def _timer(store: Store, person: str, now: datetime) -> tuple[int, Timer | None]:
    """The person's id and running timer (None when none runs)."""
    return _timer_of(entry_store.person_and_timer(store, person), person, now)


def _timer_of(row: Row | None, person: str, now: datetime) -> tuple[int, Timer | None]:
    """The person's id and running timer from `person_and_timer`'s row (one read)."""
    from supportctl.domain.durations import whole_minutes

    if row is None:
        raise unknown_person(person)
    person_id = int(row["person_id"])
    if row["started_at"] is None:
        return person_id, None
    started = from_utc_text(row["started_at"])
    return person_id, Timer(
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
    tz: TzSource = lambda: DEFAULT_TZ,
) -> Timer:
    """Start the person's timer; one running timer per person."""
    from supportctl.store import events

    with store.transaction():
        person_later = person_id_later(store, person)
        ahead = ticket_store.with_customer_slug_later(store, ticket) if ticket is not None else None
        running_later = entry_store.get_timer_later(store, person)  # with the person's read
        person_id = person_later()
        running = running_later()
        if running is not None:
            what = f"#{running['ticket_id']}" if running["ticket_id"] else running["customer"]
            raise InputError(
                f"{person} already has a timer running on {what} since {local_text(running['started_at'], tz())}; run `supportctl log stop` first"
            )
        ticket_id, customer_id, slug = _target(store, ticket, customer, ahead)
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


class TimerNeedsYes(InputError):
    """Stopping the timer needs a yes (it ran over midnight or over 10 hours): nothing
    was written. `question` says why; `timer` is the timer as read, to pass back as
    `seen` once the yes is given."""

    def __init__(self, question: str, timer: Timer) -> None:
        super().__init__(
            f"{question}; nothing logged, the timer keeps running: rerun with --yes to log "
            "it, or fix it with `log stop --discard` and `log add`"
        )
        self.question = question
        self.timer = timer


def stop_timer(
    store: Store,
    *,
    person: str,
    description: str | None,
    allow_overlap: bool = False,
    actor: str,
    now: datetime,
    tz: TzSource,
    confirmed: bool = False,
    seen: Timer | None = None,
) -> Logged:
    """Stop the running timer and log its whole minutes as an entry, in one transaction.

    The timer and everything the entry's checks read go out together (a server: one
    round trip, then the writes): the checks that depend on the timer name it by
    subquery or read a little more than they need (the timer started at most a day
    ago) and are narrowed here. A timer over midnight or over 10 hours needs
    `confirmed`, else `TimerNeedsYes` is raised and nothing is written; the caller may
    ask and call again, `confirmed`, with `seen`: the timer it asked about, which must
    not have changed meanwhile.
    """

    def none_running() -> InputError:
        return InputError(
            f"{person} has no timer running; start one with `supportctl log start 42`"
        )

    with store.transaction():
        timer_row = cache(entry_store.person_and_timer_later(store, person))  # read once
        ahead = _stop_reads_ahead(store, person, now, timer_row, overlap=not allow_overlap)
        timer = _timer_of(timer_row(), person, now)[1]
        if timer is None:
            raise none_running()
        if seen is not None and (timer.started_at, timer.ticket, timer.customer) != (
            seen.started_at,
            seen.ticket,
            seen.customer,
        ):
            what = f"#{timer.ticket}" if timer.ticket else timer.customer
            raise InputError(
                f"{person}'s timer changed meanwhile (now on {what} since "
                f"{local_text(timer.started_at, tz())}): run the command again"
            )
        if not confirmed:
            question = stop_question(timer, now, tz())
            if question is not None:
                raise TimerNeedsYes(question, timer)
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
        start_at, end_at, minutes = resolve_times(
            duration=None,
            start=to_utc_text(timer.started_at).replace("Z", "+00:00"),
            end=to_utc_text(timer.started_at + timedelta(minutes=timer.minutes)).replace(
                "Z", "+00:00"
            ),
            on_date=None,
            now=now,
            tz=tz,
        )
        stopped = timer

        def before_insert() -> None:
            entry_store.delete_timer_of(store, person)
            _record_timer_end(store, "timer.stopped", stopped, person=person, actor=actor, now=now)

        return _log_checked(
            store,
            ahead(start_at, end_at),
            person=person,
            ticket=timer.ticket,
            customer=timer.customer,
            description=text,
            start_at=start_at,
            end_at=end_at,
            minutes=minutes,
            kind="work",
            internal=False,
            class_override=None,
            allow_overlap=allow_overlap,
            corrects=None,
            actor=actor,
            now=now,
            tz=tz,
            before_insert=before_insert,
        )


def _stop_reads_ahead(
    store: Store,
    person: str,
    now: datetime,
    timer_row: Callable[[], Row | None],
    *,
    overlap: bool,
) -> Callable[[datetime, datetime], _Ahead]:
    """`_reads_ahead` for the entry of a timer being stopped, sent with the timer's read.

    A timer logs at most MAX_MINUTES, so it started at most that long (and a minute)
    before `now`: the invoice check asks about the months of that whole span (an
    issued invoice in one of them is then checked exactly, as usual), and the overlap
    check reads the person's entries around it and keeps those that overlap the
    entry's own times, given when they are known.
    """
    longest = timedelta(minutes=MAX_MINUTES + 1)
    earliest = now - longest
    months = tuple(dict.fromkeys((_candidate_months(earliest)[0], _candidate_months(now)[1])))
    ticket = entry_store.timer_ticket_later(store, person)
    invoiced = entry_store.timer_issued_invoice_later(store, person, months)
    nearby = (
        entry_store.entries_between_later(
            store,
            person,
            to_utc_text(earliest - longest),
            to_utc_text(now),
            to_utc_text(earliest),
        )
        if overlap
        else None
    )
    new_id = entry_store.reserve_id_later(store)

    def person_id() -> int:
        row = timer_row()
        if row is None:
            raise unknown_person(person)
        return int(row["person_id"])

    def customer_id() -> int | None:
        row = timer_row()
        return None if row is None or row["customer_id"] is None else int(row["customer_id"])

    def at(start_at: datetime, end_at: datetime) -> _Ahead:
        start, end = to_utc_text(start_at), to_utc_text(end_at)
        first = to_utc_text(start_at - timedelta(minutes=MAX_MINUTES))

        def overlapping() -> Row | None:
            assert nearby is not None
            return next(
                (r for r in nearby() if first <= r["start_at"] < end and r["end_at"] > start),
                None,
            )

        return _Ahead(
            person_id,
            ticket,
            customer_id,
            invoiced,
            overlapping if nearby is not None else None,
            new_id,
        )

    return at


def discard_timer(store: Store, *, person: str, actor: str, now: datetime) -> Timer:
    """Throw the running timer away without logging anything."""

    with store.transaction():
        person_id, timer = _timer(store, person, now)
        if timer is None:
            raise InputError(f"{person} has no timer running")
        entry_store.delete_timer(store, person_id)
        _record_timer_end(store, "timer.discarded", timer, person=person, actor=actor, now=now)
    return timer


def _record_timer_end(
    store: Store, kind: str, timer: Timer, *, person: str, actor: str, now: datetime
) -> None:
    """The history row of a timer that stopped (`timer.stopped`) or was thrown away."""
    from supportctl.store import events

    events.record(
        store,
        kind,
        at=now,
        actor=actor,
        ticket_id=timer.ticket,
        subject_ref=f"timer:{person}",
        data={"person": person, "old": {"started_at": to_utc_text(timer.started_at)}, "new": None},
    )
