"""The generic history: every change writes one row here inside its transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from supportctl.domain.timeutil import to_utc_text
from supportctl.store.db import Store


@dataclass(frozen=True)
class Event:
    """One history row to write (see `record`)."""

    kind: str
    at: datetime
    actor: str | None
    ticket_id: int | None = None
    customer_id: int | None = None
    subject_ref: str | None = None
    data: dict[str, Any] | None = None


def record(
    store: Store,
    kind: str,
    *,
    at: datetime,
    actor: str | None,
    ticket_id: int | None = None,
    customer_id: int | None = None,
    subject_ref: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """One history row. Nothing reads its id back, so on a server the row travels with
    the transaction's next statement (or the importer's batch, `Store.bulk`) instead of
    costing a round trip."""
    record_all(store, [Event(kind, at, actor, ticket_id, customer_id, subject_ref, data)])


def record_all(store: Store, events: list[Event]) -> None:
    """Several history rows, in this order, in one statement (a new ticket's creation
    and assignment: one statement fewer for every ticket the importer opens)."""
    if not events:
        return
    run_by = getattr(store, "run_by", None)
    values: list[Any] = []
    for e in events:
        data = e.data
        if run_by and run_by != e.actor:
            data = {**(data or {}), "run_by": run_by}
        values += [
            to_utc_text(e.at),
            e.actor,
            e.kind,
            e.ticket_id,
            e.customer_id,
            e.subject_ref,
            json.dumps(data or {}, ensure_ascii=False, default=str),
        ]
    store.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, customer_id, subject_ref, data) VALUES "
        + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(events)),
        values,
    )


def for_ticket(store: Store, ticket_id: int) -> list[dict[str, Any]]:
    rows = store.all(
        "SELECT id, at, actor, kind, data FROM events WHERE ticket_id = ? ORDER BY id", (ticket_id,)
    )
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "actor": r["actor"],
            "kind": r["kind"],
            "data": json.loads(r["data"]),
        }
        for r in rows
    ]


def for_ticket_tree(store: Store, ticket_id: int) -> tuple[list[int], list[dict[str, Any]]]:
    """The ids of the tickets merged into `ticket_id` (directly or through a chain), and
    the events of the ticket and all of those, in id order: two reads sent together."""
    return for_ticket_tree_later(store, ticket_id)()


def for_ticket_tree_later(
    store: Store, ticket_id: int
) -> Callable[[], tuple[list[int], list[dict[str, Any]]]]:
    """`for_ticket_tree` when called, both reads sent now (with the next statement on a
    server)."""
    tree = (
        "WITH RECURSIVE m(id) AS (SELECT id FROM tickets WHERE merged_into = ? "
        "UNION SELECT t.id FROM tickets t JOIN m ON t.merged_into = m.id) "
    )
    merged_later = store.prefetch(tree + "SELECT id FROM m", (ticket_id,))
    rows_later = store.prefetch(
        tree + "SELECT id, at, actor, kind, data, ticket_id FROM events "
        "WHERE ticket_id = ? OR ticket_id IN (SELECT id FROM m) ORDER BY id",
        (ticket_id, ticket_id),
    )

    def found() -> tuple[list[int], list[dict[str, Any]]]:
        merged, rows = merged_later(), rows_later()
        return [int(r[0]) for r in merged], [
            {
                "id": r["id"],
                "at": r["at"],
                "actor": r["actor"],
                "kind": r["kind"],
                "ticket_id": r["ticket_id"],
                "data": json.loads(r["data"]),
            }
            for r in rows
        ]

    return found


def for_ref(store: Store, subject_ref: str) -> list[dict[str, Any]]:
    rows = store.all(
        "SELECT id, at, actor, kind, data FROM events WHERE subject_ref = ? ORDER BY id",
        (subject_ref,),
    )
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "actor": r["actor"],
            "kind": r["kind"],
            "data": json.loads(r["data"]),
        }
        for r in rows
    ]
