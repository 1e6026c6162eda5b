"""The inbox listing: open tickets, newest activity last, as plain `InboxRow` values.

`list_open` is the one query behind `supportctl inbox`; the duty/SLA part of the
product extends `InboxRow` (owner, clocks) and the ordering here, and `render/inbox.py`
shows whatever the rows carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    counts = message_counts(store, [int(r["id"]) for r in rows])
    return [_row(r, counts.get(int(r["id"]), 0)) for r in rows]


def message_counts(store: Store, ticket_ids: list[int]) -> dict[int, int]:
    return ticket_store.message_counts(store, ticket_ids)


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
    counts = message_counts(store, [int(r["id"]) for r in rows])
    items = []
    for r in rows:
        item = _row(r, counts.get(int(r["id"]), 0))
        item.clock = clocks.get(item.id)
        items.append(item)
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
            clocks = clock_for_tickets(store, config, batch, now)
            for r in batch:
                item = _row(r, r["message_count"])
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


def _row(r: Any, message_count: int = 0) -> InboxRow:
    return InboxRow(
        id=int(r["id"]),
        subject=r["subject"],
        requester=r["requester"],
        customer=r["customer"],
        status=r["status"],
        urgency=r["urgency"],
        kind=r["kind"],
        classification=r["classification"],
        is_triage=bool(r["is_triage"]),
        needs_approval=bool(r["needs_approval"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        messages=message_count,
        extra={},
        owner=r["owner"],
        level=r["level"],
        hours=r["hours"],
        delegated=bool(r["delegated"]),
        bounced=bool(r["bounced_at"]),
        foreign_sender=bool(r["foreign_sender"]),
    )
