"""Full-text search (FTS5) over ticket subjects, message texts and notes.

Each source has its own FTS table whose rowid is the source row's id (see the
`add_search_index_and_queue_index` migration), so every query walks its matches
newest first by rowid and stops at the limit.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from supportctl.store.db import Store

MARK_START = "\x02"
MARK_END = "\x03"
_SNIP = f"'{MARK_START}', '{MARK_END}', '…', 14"


def _customer_clause(customer_id: int | None, params: list[Any]) -> str:
    if customer_id is None:
        return ""
    params.append(customer_id)
    return " AND t.customer_id = ?"


def in_subjects(store: Store, match: str, customer_id: int | None, limit: int) -> list[sqlite3.Row]:
    params: list[Any] = [match]
    where = _customer_clause(customer_id, params)
    params.append(limit)
    return store.all(
        f"SELECT t.id AS ticket_id, t.created_at AS at, snippet(tickets_fts, 0, {_SNIP}) AS snippet, "
        "'subject' AS source FROM tickets_fts f JOIN tickets t ON t.id = f.rowid "
        f"WHERE tickets_fts MATCH ?{where} ORDER BY f.rowid DESC LIMIT ?",
        params,
    )


def in_messages(store: Store, match: str, customer_id: int | None, limit: int) -> list[sqlite3.Row]:
    params: list[Any] = [match]
    where = _customer_clause(customer_id, params)
    params.append(limit)
    return store.all(
        f"SELECT m.ticket_id AS ticket_id, m.arrived_at AS at, snippet(messages_fts, -1, {_SNIP}) AS snippet, "
        "'message' AS source FROM messages_fts f JOIN messages m ON m.id = f.rowid "
        "JOIN tickets t ON t.id = m.ticket_id "
        f"WHERE messages_fts MATCH ?{where} ORDER BY f.rowid DESC LIMIT ?",
        params,
    )


def in_notes(store: Store, match: str, customer_id: int | None, limit: int) -> list[sqlite3.Row]:
    params: list[Any] = [match]
    where = _customer_clause(customer_id, params)
    params.append(limit)
    return store.all(
        f"SELECT e.ticket_id AS ticket_id, e.at AS at, snippet(notes_fts, 0, {_SNIP}) AS snippet, "
        "'note' AS source FROM notes_fts f JOIN events e ON e.id = f.rowid "
        "JOIN tickets t ON t.id = e.ticket_id "
        f"WHERE notes_fts MATCH ?{where} ORDER BY f.rowid DESC LIMIT ?",
        params,
    )


def ticket_heads(store: Store, ticket_ids: list[int]) -> dict[int, sqlite3.Row]:
    """id -> (id, subject, status, customer slug, merged_into) for the given tickets."""
    if not ticket_ids:
        return {}
    marks = ", ".join("?" for _ in ticket_ids)
    rows = store.all(
        "SELECT t.id, t.subject, t.status, t.created_at, t.merged_into, c.slug AS customer "
        f"FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id IN ({marks})",
        ticket_ids,
    )
    return {int(r["id"]): r for r in rows}
