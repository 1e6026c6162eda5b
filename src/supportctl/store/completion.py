"""Values for shell completion: open tickets, customer slugs, team handles.

Completion runs on every Tab, so this opens the database read-only with plain sqlite3
(no migrations, no autoclose, nothing written) and gives up quietly: a missing or busy
database completes nothing rather than printing an error into the shell.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

QUERIES = {
    "ticket": (
        "SELECT CAST(id AS TEXT), subject FROM tickets "
        "WHERE status NOT IN ('resolved', 'closed') ORDER BY id DESC LIMIT 500"
    ),
    "customer": "SELECT slug, name FROM customers ORDER BY slug",
    "person": "SELECT handle, name FROM people WHERE active = 1 ORDER BY handle",
}


def choices(db_path: Path, kind: str) -> list[tuple[str, str]]:
    """(value, description) pairs of `kind` ('ticket', 'customer' or 'person')."""
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
