"""Mail that could not be parsed or stored: raw bytes and the error, kept until stored.

A message lands here instead of stopping its batch; `fetch --problems` lists the open
rows and `reparse` tries them again. The same bytes arriving again (a file source read
twice) update the row they already have.
"""

from __future__ import annotations

import hashlib

from supportctl.store.db import Row, Store


def put(
    store: Store,
    raw: bytes,
    *,
    error: str,
    origin: str,
    location: tuple[str, str, int, int] | None,
    arrived_at: str | None,
    now: str,
) -> int:
    """Keep `raw` with its error (inside the caller's transaction); the row id."""
    digest = hashlib.sha256(raw).hexdigest()
    account, folder, uidvalidity, uid = location or (None, None, None, None)
    store.execute(
        "INSERT INTO quarantine (sha256, origin, account, folder, uidvalidity, uid, arrived_at, "
        "error, created_at, updated_at, size, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO UPDATE SET error = excluded.error, "
        "attempts = attempts + 1, updated_at = excluded.updated_at, resolved_at = NULL",
        (
            digest,
            origin,
            account,
            folder,
            uidvalidity,
            uid,
            arrived_at,
            error,
            now,
            now,
            len(raw),
            raw,
        ),
    )
    return int(store.scalar("SELECT id FROM quarantine WHERE sha256 = ?", (digest,)))


def open_rows(store: Store) -> list[Row]:
    """Unresolved rows without their raw bytes, oldest first."""
    return store.all(
        "SELECT id, origin, account, folder, uidvalidity, uid, arrived_at, error, attempts, "
        "created_at, updated_at, size FROM quarantine WHERE resolved_at IS NULL ORDER BY id"
    )


def raw(store: Store, row_id: int) -> bytes:
    return bytes(store.scalar("SELECT raw FROM quarantine WHERE id = ?", (row_id,)))


def failed_again(store: Store, row_id: int, error: str, now: str) -> None:
    store.execute(
        "UPDATE quarantine SET error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
        (error, now, row_id),
    )


def resolve(store: Store, row_id: int, message_row: int | None, now: str) -> None:
    store.execute(
        "UPDATE quarantine SET resolved_at = ?, updated_at = ?, message_row = ? WHERE id = ?",
        (now, now, message_row, row_id),
    )
