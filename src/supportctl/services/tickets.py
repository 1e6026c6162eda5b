"""Ticket lifecycle: creation (owner, urgency, SLA due times), status, notes, merges.

`create_ticket` and `on_message` are the seams the mail importer calls; the duty/SLA
rules fill in owner, urgency and due times here so that every way a ticket can be born
(mail, `ticket new`, the demo) goes through the same code.

Statuses are new -> open -> waiting -> resolved -> closed. Waiting on the customer
pauses the resolution clock: `waiting_since` marks the start, and leaving `waiting`
pushes `due_resolution_at` by the paused business minutes (kept in `paused_minutes`).
A customer's reply reopens a resolved ticket; resolved tickets close by themselves
after `agency.auto_close_business_days` business days without a reply
(`auto_close`, run whenever the database is opened: one indexed query when there is
nothing to do). The owner is decided once, at creation: re-running ingest never
reassigns, and only `ticket assign` changes it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from supportctl.domain import sla
from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import InputError
from supportctl.render.models.tickets import History, HistoryEvent
from supportctl.store import delegations as delegation_store
from supportctl.store import events
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.domain.calendar import BusinessCalendar

STATUSES = ("new", "open", "waiting", "resolved", "closed")
URGENCIES = ("urgent", "normal")
KINDS = ("incident", "request")


def _calendar(store: Store, config: Config, moment: datetime) -> BusinessCalendar:
    from supportctl.services.calendar import business_calendar

    return business_calendar(store, config, around=moment)


def create_ticket(
    store: Store,
    config: Config,
    *,
    customer_id: int | None,
    requester: str,
    subject: str,
    body: str,
    arrived_at: datetime,
    classification: str,
    importance: str | None,
    is_triage: bool,
    needs_approval: bool,
    actor: str | None,
    now: datetime,
    historic: bool = False,
) -> int:
    """Insert a new ticket with owner, urgency, kind, level and SLA due times.

    Records `ticket.created` and, when the rota names someone, `ticket.assigned`.
    A `historic` ticket (old mail imported as history) is closed from the start, with
    no SLA due times and no owner: it is in the archive and in search, not in the queue.
    Joins the caller's transaction.
    """
    from supportctl.domain.urgency import assess
    from supportctl.services.rota import owner_for_arrival
    from supportctl.store import customers as customer_store

    calendar = _calendar(store, config, arrived_at)
    customer = customer_store.get_by_id(store, customer_id) if customer_id else None
    day = calendar.local_date(arrived_at)
    level = customer.level_on(day) if customer else "standard"
    hours = customer.hours_on(day) if customer else "business"
    due_response: str | None = None
    due_resolution: str | None = None
    if not historic:
        targets = sla.due_times(
            calendar,
            arrived_at,
            plan=customer.plan if customer else None,
            level=level,
            hours=hours,
            reaction_minutes=customer.reaction_minutes if customer else None,
        )
        due_response = to_utc_text(targets.due_response)
        due_resolution = to_utc_text(targets.due_resolution)
    verdict = assess(subject, body, importance=importance, classification=classification)
    with store.transaction():
        owner_id, duty = (
            (None, None) if historic else owner_for_arrival(store, config, arrived_at, calendar)
        )
        ticket_id = ticket_store.insert(
            store,
            {
                "customer_id": customer_id,
                "requester": requester,
                "subject": subject,
                "kind": verdict.kind,
                "urgency": verdict.urgency,
                "status": "closed" if historic else "new",
                "closed_at": to_utc_text(arrived_at) if historic else None,
                "owner_id": owner_id,
                "classification": classification,
                "is_triage": int(is_triage),
                "needs_approval": int(needs_approval),
                "level": level,
                "hours": hours,
                "created_at": to_utc_text(arrived_at),
                "updated_at": to_utc_text(now),
                "due_response_at": due_response,
                "due_resolution_at": due_resolution,
            },
        )
        history = [
            events.Event(
                "ticket.created",
                at=now,
                actor=actor,
                ticket_id=ticket_id,
                customer_id=customer_id,
                data={
                    "requester": requester,
                    "subject": subject,
                    "classification": classification,
                    "arrived_at": to_utc_text(arrived_at),
                    "urgency": verdict.urgency,
                    "kind": verdict.kind,
                    "why": verdict.reason,
                    "level": level,
                    "hours": hours,
                    "due_response_at": due_response,
                    "due_resolution_at": due_resolution,
                    **({"history": True} if historic else {}),
                },
            )
        ]
        if duty is not None:
            history.append(
                events.Event(
                    "ticket.assigned",
                    at=now,
                    actor=actor,
                    ticket_id=ticket_id,
                    customer_id=customer_id,
                    data={
                        "owner": duty.person,
                        "week": duty.name,
                        "reason": f"duty week ({duty.reason})",
                    },
                )
            )
        events.record_all(store, history)
    return ticket_id


def on_message(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    direction: str,
    classification: str,
    at: datetime,
    now: datetime,
    row: Any = None,
) -> None:
    """A message joined the ticket: first response, reopening, resuming a paused clock.

    First response = the first human outbound message (a reply from the CLI or a team
    member's mail on the thread). A human inbound message reopens a waiting or resolved
    ticket. Joins the caller's transaction. `row` is the ticket as the caller read it
    in this transaction (the importer already has it), saving the read.
    """
    with store.transaction():
        if row is None:
            row = ticket_store.get(store, ticket_id)
        if row is None:
            return
        if row["merged_into"] is not None:
            # Mail threaded to a merged ticket (its tag in the subject) joins the target.
            target = ticket_store.resolve_id(store, ticket_id)
            if target is not None and target != ticket_id:
                ticket_store.move_messages(store, ticket_id, target)
                ticket_id = target
                row = ticket_store.get(store, target)
                if row is None:
                    return
        values: dict[str, object] = {"updated_at": to_utc_text(now)}
        if direction == "out" and classification == "human":
            if row["first_response_at"] is None:
                values["first_response_at"] = to_utc_text(at)
            values["bounced_at"] = None  # a new reply went out after any bounce
            if row["status"] == "new":
                values["status"] = "open"
        if (
            direction == "in"
            and classification == "human"
            and row["status"] in ("resolved", "waiting")
        ):
            values.update(_leave_status(store, config, row, "open", at))
            events.record(
                store,
                "ticket.status",
                at=now,
                actor=None,
                ticket_id=ticket_id,
                data={"old": row["status"], "new": "open", "reason": "customer replied"},
            )
        if values == {"updated_at": row["updated_at"]}:
            return  # nothing changes (the importer's many messages of one run): no write
        ticket_store.update(store, ticket_id, values)


def on_bounce(
    store: Store,
    *,
    ticket_id: int,
    bounce_row: int,
    message_ids: list[str],
    reason: str,
    at: datetime,
    now: datetime,
) -> bool:
    """A bounce joined the ticket: when it bounced one of our replies, that reply is
    no answer. The ticket is flagged `bounced`, and the first response is the first
    reply that did not bounce (none: the response clock runs again). Joins the
    caller's transaction; False when the bounce names no reply of ours."""
    from supportctl.store import messages as message_store

    with store.transaction():
        reply = message_store.bounce_target(store, ticket_id, message_ids)
        if reply is None:
            return False
        message_store.set_bounce(store, bounce_row, int(reply["id"]), reason)
        row = ticket_store.get(store, ticket_id)
        if row is None:
            return False
        first = message_store.first_unbounced_reply(store, ticket_id)
        ticket_store.update(
            store,
            ticket_id,
            {
                "bounced_at": to_utc_text(at),
                "first_response_at": first,
                "updated_at": to_utc_text(now),
            },
        )
        events.record(
            store,
            "ticket.bounced",
            at=now,
            actor=None,
            ticket_id=ticket_id,
            data={
                "reply": int(reply["id"]),
                "reply_at": reply["arrived_at"],
                "to": reply["to_addrs"],
                "reason": reason,
                "first_response": {"old": row["first_response_at"], "new": first},
            },
        )
    return True


def _leave_status(
    store: Store, config: Config, row: Row, new: str, now: datetime
) -> dict[str, Any]:
    """Column changes for moving `row` to status `new` at `now` (clock pause/resume)."""
    values: dict[str, Any] = {"status": new}
    old = row["status"]
    if old == "waiting" and new != "waiting" and row["waiting_since"]:
        since = from_utc_text(row["waiting_since"])
        calendar = _calendar(store, config, now).with_always(row["hours"] == "24x7")
        if row["due_resolution_at"]:
            due, paused = sla.resume_after_waiting(
                calendar, from_utc_text(row["due_resolution_at"]), since, now
            )
            values["due_resolution_at"] = to_utc_text(due)
            values["paused_minutes"] = int(row["paused_minutes"]) + paused
        values["waiting_since"] = None
    if new == "waiting" and old != "waiting":
        values["waiting_since"] = to_utc_text(now)
    if new == "resolved":
        values["resolved_at"] = to_utc_text(now)
    if new == "closed":
        values["closed_at"] = to_utc_text(now)
        if row["resolved_at"] is None:
            values["resolved_at"] = to_utc_text(now)
    if new in ("new", "open", "waiting"):
        values["resolved_at"] = None
        values["closed_at"] = None
    return values


# -- lookups ------------------------------------------------------------------


def changed_meanwhile(store: Store, ticket_id: int) -> InputError:
    """The refusal of an edit based on a stale read, naming the change that won."""
    import json

    what = "edited"
    last = ticket_store.last_change(store, ticket_id)
    if last is not None:
        field = str(last["kind"]).removeprefix("ticket.")
        try:
            data = json.loads(last["data"] or "{}")
        except ValueError:
            data = {}
        new = data.get("new") if isinstance(data, dict) else None
        what = f"{field} → {new}" if isinstance(new, str) else field
        if last["actor"]:
            what += f" by {last['actor']}"
    return InputError(f"ticket #{ticket_id} changed meanwhile ({what}): run the command again")


def require(store: Store, ticket_id: int) -> Row:
    """The ticket (following merges), or InputError naming the way out."""
    row = ticket_store.get(store, ticket_id)  # one read unless the ticket was merged
    if row is not None and row["merged_into"] is not None:
        resolved = ticket_store.resolve_id(store, ticket_id)
        row = ticket_store.get(store, resolved) if resolved is not None else None
    if row is None:
        raise InputError(
            f"no ticket #{ticket_id}", hint="run `supportctl inbox --all` or `supportctl search`"
        )
    return row


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    clean = value.strip().lower()
    if clean not in choices:
        raise InputError(f"unknown {what} '{value}'; use one of: {', '.join(choices)}")
    return clean


# -- commands -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What a lifecycle command did, for the one-line confirmation."""

    id: int
    field: str
    old: str | None
    new: str | None


def new_by_hand(
    store: Store,
    config: Config,
    *,
    customer: str,
    from_addr: str | None,
    subject: str,
    text: str,
    actor: str | None,
    now: datetime,
    phone: str | None = None,
) -> int:
    """A ticket for a request that came another way (phone): `ticket new`.

    The requester is an e-mail address, a telephone number, or both (the address is the
    one mail goes to). A request from someone who is not a designated contact (and a
    caller known only by number) is flagged needs-approval, as it would be by mail.
    """
    from supportctl.services import validate
    from supportctl.services.customers import require as require_customer
    from supportctl.store import customers as customer_store

    if from_addr is None and phone is None:
        raise InputError(
            "who asked? give --from ADDR or --phone NUMBER",
            hint='supportctl ticket new --customer acme --phone "+358 40 123 4567" "Lomake ei toimi"',
        )
    number = validate.phone(phone) if phone is not None else None
    from supportctl.domain.address import is_address

    address = from_addr.strip().lower() if from_addr is not None else ""
    if from_addr is not None and not is_address(address):
        raise InputError(f"'{from_addr}' is not an e-mail address", hint="--from name@example.com")
    if not subject.strip():
        raise InputError("the subject is empty; give the request a short subject")
    cust = require_customer(store, customer)
    contact = customer_store.contact_for(store, cust.id, address) if address else None
    with store.transaction():
        ticket_id = create_ticket(
            store,
            config,
            customer_id=cust.id,
            requester=address or (number or ""),
            subject=subject.strip(),
            body=text,
            arrived_at=now,
            classification="human",
            importance=None,
            is_triage=False,
            needs_approval=not (contact and contact.can_order),
            actor=actor,
            now=now,
        )
        if text.strip():
            events.record(
                store,
                "ticket.note",
                at=now,
                actor=actor,
                ticket_id=ticket_id,
                data={
                    "text": text.strip(),
                    "via": "phone",
                    "from": address or number,
                    **({"phone": number} if number else {}),
                },
            )

    return ticket_id


def add_note(store: Store, *, ticket_id: int, text: str, actor: str | None, now: datetime) -> int:
    """An internal note on the ticket's history."""
    if not text.strip():
        raise InputError("the note is empty; write something to note")
    row = require(store, ticket_id)
    with store.transaction():
        events.record(
            store,
            "ticket.note",
            at=now,
            actor=actor,
            ticket_id=row["id"],
            data={"text": text.strip()},
        )
        ticket_store.update(store, row["id"], {"updated_at": to_utc_text(now)})
    return int(row["id"])


def set_status(
    store: Store, config: Config, *, ticket_id: int, status: str, actor: str | None, now: datetime
) -> Change:
    new = _choice(status, STATUSES, "status")
    if new != "waiting":
        from supportctl.services.calendar import read_ahead

        # a ticket that leaves waiting moves its deadline by the business calendar:
        # a server gets the holiday reads with the ticket's own
        read_ahead(store, config)
    row = require(store, ticket_id)
    old = row["status"]
    if new == old:
        return Change(row["id"], "status", old, new)
    with store.transaction():
        values = _leave_status(store, config, row, new, now)
        values["updated_at"] = to_utc_text(now)
        ticket_store.update_checked(
            store,
            row["id"],
            values,
            version=row["version"],
            stale=lambda: changed_meanwhile(store, int(row["id"])),
        )
        events.record(
            store,
            "ticket.status",
            at=now,
            actor=actor,
            ticket_id=row["id"],
            data={"old": old, "new": new},
        )
    return Change(row["id"], "status", old, new)


def _set_field(
    store: Store,
    *,
    ticket_id: int,
    field: str,
    value: str,
    choices: tuple[str, ...],
    actor: str | None,
    now: datetime,
) -> Change:
    new = _choice(value, choices, field)
    row = require(store, ticket_id)
    old = row[field]
    if new != old:
        with store.transaction():
            ticket_store.update_checked(
                store,
                row["id"],
                {field: new, "updated_at": to_utc_text(now)},
                version=row["version"],
                stale=lambda: changed_meanwhile(store, int(row["id"])),
            )
            events.record(
                store,
                f"ticket.{field}",
                at=now,
                actor=actor,
                ticket_id=row["id"],
                data={"old": old, "new": new},
            )
    return Change(row["id"], field, old, new)


def set_urgency(
    store: Store, *, ticket_id: int, urgency: str, actor: str | None, now: datetime
) -> Change:
    return _set_field(
        store,
        ticket_id=ticket_id,
        field="urgency",
        value=urgency,
        choices=URGENCIES,
        actor=actor,
        now=now,
    )


def set_kind(
    store: Store, *, ticket_id: int, kind: str, actor: str | None, now: datetime
) -> Change:
    return _set_field(
        store, ticket_id=ticket_id, field="kind", value=kind, choices=KINDS, actor=actor, now=now
    )


def assign(
    store: Store, *, ticket_id: int, handle: str, actor: str | None, now: datetime
) -> Change:
    """Give the ticket to another team member."""
    from supportctl.store import people as people_store

    person = people_store.get_by_handle(store, handle)
    if person is None:
        raise InputError(f"no team member '{handle}'", hint="run `supportctl team list`")
    row = require(store, ticket_id)
    old = ticket_store.owner_handle(store, row["owner_id"])
    if row["owner_id"] != person.id:
        with store.transaction():
            ticket_store.update(
                store, row["id"], {"owner_id": person.id, "updated_at": to_utc_text(now)}
            )
            events.record(
                store,
                "ticket.assigned",
                at=now,
                actor=actor,
                ticket_id=row["id"],
                data={"owner": handle, "old": old, "reason": "assigned by hand"},
            )
    return Change(row["id"], "owner", old, handle)


def merge_question(store: Store, *, source_id: int, target_id: int) -> str | None:
    """Why merging `source_id` into `target_id` needs a yes (different customers), or None."""
    source = ticket_store.with_customer_slug(store, source_id)
    target = ticket_store.with_customer_slug(store, target_id)
    if source is None or target is None:
        return None  # `merge` names the unknown ticket
    if source["slug"] is None or target["slug"] is None or source["slug"] == target["slug"]:
        return None
    return (
        f"#{source_id} is {source['slug']}'s and #{target_id} is {target['slug']}'s: "
        f"{source['slug']}'s mail would join {target['slug']}'s ticket"
    )


def merge(
    store: Store,
    *,
    source_id: int,
    target_id: int,
    actor: str | None,
    now: datetime,
    force: bool = False,
) -> Change:
    """Merge ticket `source_id` into `target_id`: its messages and delegated tasks
    move, its history stays.

    The merged ticket is closed with `merged_into` set, so its id keeps resolving to
    the target (`ticket show N` shows the target); threading of later replies follows.
    Open tasks are work still to do on the one request now left, so they move with the
    mail (done ones too, to keep the request's story in one place). Time entries stay
    where they were logged: their customer-month, approval and any issued invoice are
    those of the ticket they were logged on. Tickets of two different customers are
    merged only with `force`; the ticket left keeps the higher urgency of the two.
    """
    source = ticket_store.get(store, source_id)
    if source is None:
        raise InputError(f"no ticket #{source_id}", hint="run `supportctl inbox --all`")
    if source["merged_into"] is not None:
        raise InputError(f"ticket #{source_id} is already merged into #{source['merged_into']}")
    target = require(store, target_id)
    if target["id"] == source["id"]:
        raise InputError(f"cannot merge ticket #{source_id} into itself")
    question = merge_question(store, source_id=int(source["id"]), target_id=int(target["id"]))
    if question is not None and not force:
        raise InputError(
            f"not merged: {question}",
            hint="add --force if that is right (on a terminal you are asked)",
        )
    with store.transaction():
        moved = ticket_store.move_messages(store, source["id"], target["id"])
        tasks = delegation_store.move_to_ticket(store, source["id"], target["id"])
        ticket_store.update(
            store,
            source["id"],
            {
                "merged_into": target["id"],
                "status": "closed",
                "closed_at": to_utc_text(now),
                "waiting_since": None,
                "updated_at": to_utc_text(now),
            },
        )
        changes: dict[str, Any] = {"updated_at": to_utc_text(now)}
        if source["first_response_at"] and (
            target["first_response_at"] is None
            or source["first_response_at"] < target["first_response_at"]
        ):
            changes["first_response_at"] = source["first_response_at"]
        if source["created_at"] < target["created_at"]:
            changes["created_at"] = source["created_at"]
        if URGENCIES.index(source["urgency"]) < URGENCIES.index(target["urgency"]):
            changes["urgency"] = source["urgency"]
        ticket_store.update(store, target["id"], changes)
        events.record(
            store,
            "ticket.merged",
            at=now,
            actor=actor,
            ticket_id=source["id"],
            data={"into": target["id"], "messages": moved, "delegations": tasks},
        )
        events.record(
            store,
            "ticket.merged_in",
            at=now,
            actor=actor,
            ticket_id=target["id"],
            data={
                "from": source["id"],
                "subject": source["subject"],
                "messages": moved,
                "delegations": tasks,
                **({"urgency": changes["urgency"]} if "urgency" in changes else {}),
                **({"customers_differ": True} if question is not None else {}),
            },
        )
    return Change(int(target["id"]), "merged", str(source["id"]), str(target["id"]))


def auto_close(store: Store, config: Config, now: datetime) -> list[int]:
    """Close resolved tickets that had no reply for N business days; cheap when none are due.

    A ticket resolved N business days ago was resolved at least N calendar days ago,
    so one indexed query narrows the candidates before any calendar is built.
    """
    days = config.agency.auto_close_business_days
    cutoff = to_utc_text(now - timedelta(days=days))
    candidates = ticket_store.resolved_before(store, cutoff)
    if not candidates:
        return []
    calendar = _calendar(store, config, now)
    due = [
        row
        for row in candidates
        if calendar.add_days(from_utc_text(row["resolved_at"]), days) <= now
    ]
    if not due:
        return []
    with store.transaction():
        closed = []
        for row in due:
            current = ticket_store.get(store, row["id"])
            if current is None or current["status"] != "resolved":
                continue
            ticket_store.update(
                store,
                row["id"],
                {"status": "closed", "closed_at": to_utc_text(now), "updated_at": to_utc_text(now)},
            )
            events.record(
                store,
                "ticket.status",
                at=now,
                actor=None,
                ticket_id=row["id"],
                data={
                    "old": "resolved",
                    "new": "closed",
                    "reason": f"no reply for {days} business days",
                },
            )
            closed.append(int(row["id"]))
    return closed


# -- history for `ticket show` ------------------------------------------------------


def resolve(store: Store, ticket_id: int) -> int:
    """The id a ticket number stands for now (merged tickets resolve to their target)."""
    return int(require(store, ticket_id)["id"])


def history(
    store: Store, config: Config, ticket_id: int, now: datetime, *, row: Row | None = None
) -> History:
    """The ticket's history with the tickets merged into it (`row`: the ticket, when the
    caller has read it already)."""
    if row is None:
        row = require(store, ticket_id)
    return history_later(store, config, int(row["id"]), now)(row)


def history_later(
    store: Store, config: Config, ticket_id: int, now: datetime
) -> Callable[[Row], History]:
    """`history` of the ticket when called with its row; its reads sent now, before the
    row is known (with the ticket's own read on a server). A ticket number that turns
    out to be merged into another reads that one's history when called."""
    tree_later = events.for_ticket_tree_later(store, ticket_id)
    owner_later = ticket_store.owner_handle_of_ticket_later(store, ticket_id)

    def of(row: Row) -> History:
        if int(row["id"]) != ticket_id:
            return history(store, config, int(row["id"]), now, row=row)
        owner = owner_later() if row["owner_id"] is not None else None
        return _history(store, config, row, now, tree_later(), owner)

    return of


def _history(
    store: Store,
    config: Config,
    row: Row,
    now: datetime,
    tree: tuple[list[int], list[dict[str, Any]]],
    owner: str | None,
) -> History:
    from supportctl.services.sla import clock_for_tickets

    real = int(row["id"])
    merged, found = tree
    rows = [
        HistoryEvent(e["id"], e["at"], e["actor"], e["kind"], e["ticket_id"], e["data"])
        for e in found
    ]
    rows.sort(key=lambda e: (e.at, e.id))
    return History(
        id=real,
        owner=owner,
        level=row["level"],
        hours=row["hours"],
        first_response_at=row["first_response_at"],
        due_response_at=row["due_response_at"],
        due_resolution_at=row["due_resolution_at"],
        paused_minutes=int(row["paused_minutes"]),
        merged_from=merged,
        clock=clock_for_tickets(store, config, [row], now)[real],
        events=rows,
    )
