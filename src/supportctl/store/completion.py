"""Values for shell completion: open tickets, customer slugs, team handles.

Completion runs on every Tab, so this opens the database read-only without the store's
start-up (no migrations, no autoclose, nothing written): a SQLite file with plain
sqlite3, a PostgreSQL server with one read-only psycopg connection (imported only
then), and gives up quietly: a missing, busy or unreachable database completes nothing
rather than printing an error into the shell.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

QUERIES = {
    "ticket": (
        "SELECT CAST(id AS TEXT), subject FROM tickets "
        "WHERE status NOT IN ('resolved', 'closed') ORDER BY id DESC LIMIT 500"
    ),
    "customer": "SELECT slug, name FROM customers ORDER BY slug",
    "person": "SELECT handle, name FROM people WHERE active = 1 ORDER BY handle",
}


def choices(target: Path | str, kind: str, *, password: str | None = None) -> list[tuple[str, str]]:
    """(value, description) pairs of `kind` ('ticket', 'customer' or 'person') from a
    SQLite file or a PostgreSQL URL / keyword string."""
    if isinstance(target, str):
        return _server_choices(target, kind, password)
    db_path = target
    if not db_path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
    except sqlite3.Error:
        return []
    try:
        return [(str(v), str(d or "")) for v, d in conn.execute(QUERIES[kind])]
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def _server_choices(url: str, kind: str, password: str | None) -> list[tuple[str, str]]:
    try:
        import psycopg

        extra: dict[str, Any] = {} if password is None else {"password": password}
        with psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=3,
            options="-c default_transaction_read_only=on -c statement_timeout=2000",
            **extra,
        ) as conn:
            return [(str(v), str(d or "")) for v, d in conn.execute(QUERIES[kind])]
    except Exception:  # unreachable, refused, no such table: complete nothing
        return []
