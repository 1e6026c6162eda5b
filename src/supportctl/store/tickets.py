"""Tickets: rows, status, flags; the queries behind inbox and ticket show."""

from __future__ import annotations

import sqlite3
from typing import Any

from supportctl.store.db import Store

_TICKET_COLUMNS = (
    "customer_id",
    "requester",
    "subject",
    "kind",
    "urgency",
    "status",
    "owner_id",
    "classification",
    "is_triage",
    "needs_approval",
    "approval_message_id",
    "approval_override",
    "level",
    "hours",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "due_response_at",
    "due_resolution_at",
    "waiting_since",
    "paused_minutes",
    "merged_into",
)


def insert(store: Store, values: dict[str, Any]) -> int:
    cols = [c for c in _TICKET_COLUMNS if c in values]
    cur = store.execute(
        f"INSERT INTO tickets ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [values[c] for c in cols],
    )
    return int(cur.lastrowid or 0)


def update(store: Store, ticket_id: int, values: dict[str, Any]) -> None:
    cols = [c for c in _TICKET_COLUMNS if c in values]
    if cols:
        store.execute(
            f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in cols)}, version = version + 1 WHERE id = ?",
            [values[c] for c in cols] + [ticket_id],
        )


def get(store: Store, ticket_id: int) -> sqlite3.Row | None:
    return store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))


def resolve_id(store: Store, ticket_id: int) -> int | None:
    """Follow merges: a merged ticket's id resolves to the ticket it was merged into."""
    seen = set()
    current: int | None = ticket_id
    while current is not None and current not in seen:
        seen.add(current)
        row = store.one("SELECT id, merged_into FROM tickets WHERE id = ?", (current,))
        if row is None:
            return None
        if row["merged_into"] is None:
            return int(row["id"])
        current = int(row["merged_into"])
    return current
