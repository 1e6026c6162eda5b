"""The inbox listing: open tickets, newest activity last, as plain `InboxRow` values.

`list_open` is the one query behind `supportctl inbox`; the duty/SLA part of the
product extends `InboxRow` (owner, clocks) and the ordering here, and `render/inbox.py`
shows whatever the rows carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.render.models.inbox import InboxRow, Queue
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config

OPEN_STATUSES = ("new", "open", "waiting")


def list_open(store: Store, *, include_all: bool = False) -> list[InboxRow]:
    """Open human tickets in queue order; `include_all` adds closed and non-human ones."""
    rows = ticket_store.queue(store, include_closed=include_all, human_only=not include_all)
    return _rows(rows)


def queue(
    store: Store,
    config: Config,
    *,
    now: datetime,
    mine: str | None = None,
    customer: str | None = None,
    include_all: bool = False,
    limit: int | None = None,
) -> Queue:
    """Tickets ordered urgent -> premium -> standard -> light -> oldest, with SLA clocks.

    Reads only the first `limit` open tickets from the queue index (None: all), so
    the cost does not grow with history. `mine` is a handle, `customer` a slug.
    """
    from supportctl.services.calendar import read_ahead
    from supportctl.services.sla import clock_for_tickets
    from supportctl.store import rota as rota_store

    # needed below, independent of the queue: a server gets them with the queue's read
    read_ahead(store, config)
    rota = rota_store.order_later(store)
    filters = _filters(store, mine=mine, customer=customer, include_all=include_all)
    rows = ticket_store.queue(store, limit=limit, **filters)
    total = (
        len(rows)
        if limit is None or len(rows) < limit
        else ticket_store.queue_count(store, **filters)
    )
    clocks = clock_for_tickets(store, config, rows, now)
    items = _rows(rows)
    for item in items:
        item.clock = clocks.get(item.id)
    return Queue(items, total, _warnings(store, rota))


def stream(
    store: Store,
    config: Config,
    *,
    now: datetime,
    mine: str | None = None,
    customer: str | None = None,
    include_all: bool = False,
) -> tuple[list[str], Iterator[InboxRow]]:
    """Warnings, and every row of the queue in order with its clock, built a batch at a
    time as they are read (for `--json`: memory stays flat however many tickets)."""
    from supportctl.services.calendar import read_ahead
    from supportctl.services.sla import clock_for_tickets
    from supportctl.store import rota as rota_store

    # needed below, independent of the queue: a server gets them with the queue's read
    read_ahead(store, config)
    rota = rota_store.order_later(store)
    filters = _filters(store, mine=mine, customer=customer, include_all=include_all)

    def rows() -> Iterator[InboxRow]:
        for batch in ticket_store.queue_batches(store, **filters):
            # A closed ticket has no clock (most of an --all queue): its row keeps None.
            status = batch[0].keys().index("status")
            running = [r for r in batch if r[status] != "closed"]
            clocks = clock_for_tickets(store, config, running, now) if running else {}
            for item in _rows(batch):
                item.clock = clocks.get(item.id)
                yield item

    return _warnings(store, rota), rows()


def _filters(
    store: Store, *, mine: str | None, customer: str | None, include_all: bool
) -> dict[str, Any]:
    """The queue's filters from a handle and a slug; InputError for unknown ones."""
    from supportctl.errors import InputError

    owner_id = customer_id = None
    if mine is not None:
        from supportctl.store import people as people_store

        person = people_store.get_by_handle(store, mine)
        if person is None:
            raise InputError(f"no team member '{mine}'", hint="run `supportctl team list`")
        owner_id = person.id
    if customer is not None:
        from supportctl.store import customers as customer_store

        cust = customer_store.get_by_slug(store, customer)
        if cust is None:
            raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
        customer_id = cust.id
    return {
        "include_closed": include_all,
        "human_only": not include_all,
        "owner_id": owner_id,
        "customer_id": customer_id,
    }


def _warnings(store: Store, rota: Callable[[], list[str]] | None = None) -> list[str]:
    from supportctl.store import rota as rota_store

    if not (rota() if rota is not None else rota_store.order(store)):
        return [
            "the rota is empty: new tickets stay unowned; run `supportctl rota set alice bob …`"
        ]
    return []


def describe(store: Store, config: Config, ticket_id: int, now: datetime) -> str:
    """One line about a ticket: id, owner, urgency, kind and its SLA clock."""
    from supportctl.domain.sla import format_minutes
    from supportctl.services.sla import clock_for_tickets

    row = ticket_store.queue_row(store, ticket_id)
    if row is None:
        return f"#{ticket_id}"
    clock = clock_for_tickets(store, config, [row], now)[ticket_id]
    parts = [
        f"#{ticket_id} {row['subject']}",
        f"owner {row['owner'] or 'nobody'}",
        f"{row['urgency']} {row['kind']}",
        row["level"],
    ]
    if clock.target and clock.business_minutes_left is not None:
        parts.append(f"{clock.target} due in {format_minutes(clock.business_minutes_left)}")
    return " · ".join(parts)


def _rows(batch: Sequence[Any]) -> list[InboxRow]:
    """InboxRows of queue rows, each with its message count (the row's `message_count`).
    Columns are found by name once per batch and read by position: `inbox --all --json`
    builds one row per ticket of the whole history."""
    if not batch:
        return []
    at = {key: n for n, key in enumerate(batch[0].keys())}
    (i_id, i_subject, i_requester, i_customer, i_status, i_urgency, i_kind, i_class) = (
        at[k]
        for k in (
            "id", "subject", "requester", "customer", "status", "urgency", "kind",
            "classification",
        )
    )  # fmt: skip
    (i_triage, i_approval, i_created, i_updated, i_owner, i_level, i_hours) = (
        at[k]
        for k in ("is_triage", "needs_approval", "created_at", "updated_at", "owner", "level",
                  "hours")
    )  # fmt: skip
    i_delegated, i_bounced, i_foreign = at["delegated"], at["bounced_at"], at["foreign_sender"]
    i_count = at["message_count"]
    out = []
    for r in batch:
        out.append(
            InboxRow(
                r[i_id],
                r[i_subject],
                r[i_requester],
                r[i_customer],
                r[i_status],
                r[i_urgency],
                r[i_kind],
                r[i_class],
                bool(r[i_triage]),
                bool(r[i_approval]),
                r[i_created],
                r[i_updated],
                r[i_count],
                {},
                r[i_owner],
                r[i_level],
                r[i_hours],
                bool(r[i_delegated]),
                None,
                bool(r[i_bounced]),
                bool(r[i_foreign]),
            )
        )
    return out
