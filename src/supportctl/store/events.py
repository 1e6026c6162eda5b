"""The generic history: every change writes one row here inside its transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from supportctl.domain.timeutil import to_utc_text
from supportctl.store.db import Store


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
    """One history row. Nothing reads its id back, so the importer's batch (`Store.bulk`)
    sends it on PostgreSQL without waiting for the server."""
    run_by = getattr(store, "run_by", None)
    if run_by and run_by != actor:
        data = {**(data or {}), "run_by": run_by}
    store.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, customer_id, subject_ref, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_utc_text(at),
            actor,
            kind,
            ticket_id,
            customer_id,
            subject_ref,
            json.dumps(data or {}, ensure_ascii=False, default=str),
        ),
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
