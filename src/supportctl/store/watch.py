"""`watch` state in the database: locks with heartbeats, sync status, alert history.

Everything a long-running `watch` shares with other processes goes through here, in
SQL both SQLite and PostgreSQL speak, so another engine implements the same functions:

- `watch_locks`: one row per locked name (`account:<name>`, `schedule`). Taking a lock
  is one short write transaction that inserts the row, or takes over a row whose
  heartbeat is older than the stale limit; the holder's random token guards every
  heartbeat and release, so a process that lost its lock notices instead of writing on.
- `sync_status`: per account and folder the last successful sync and the last error.
- Alert and acknowledgement look-ups read the generic history (`events`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.store.db import Store


@dataclass(frozen=True)
class Holder:
    name: str
    host: str
    pid: int
    since: datetime
    heartbeat_at: datetime


def _holder(row: Any) -> Holder:
    return Holder(
        str(row["name"]),
        str(row["host"]),
        int(row["pid"]),
        from_utc_text(row["since"]),
        from_utc_text(row["heartbeat_at"]),
    )


def acquire(
    store: Store,
    name: str,
    *,
    token: str,
    host: str,
    pid: int,
    now: datetime,
    stale_after: timedelta,
) -> tuple[bool, Holder | None]:
    """Take the lock `name`: (True, None) when it was free or ours, (True, previous)
    when a stale holder's lock was taken over, (False, holder) when a live one keeps it."""
    previous = None
    with store.transaction():
        row = store.one("SELECT * FROM watch_locks WHERE name = ?", (name,))
        if row is not None and row["token"] == token:
            return True, None
        if row is not None:
            previous = _holder(row)
            if now - previous.heartbeat_at <= stale_after:
                return False, previous
            store.execute("DELETE FROM watch_locks WHERE name = ?", (name,))
        store.execute(
            "INSERT INTO watch_locks (name, token, host, pid, since, heartbeat_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, token, host, pid, to_utc_text(now), to_utc_text(now)),
        )
    return True, previous


def heartbeat(store: Store, names: list[str], *, token: str, now: datetime) -> list[str]:
    """Renew our locks; the names we still hold (a missing one was taken over)."""
    if not names:
        return []
    marks = ", ".join("?" for _ in names)
    with store.transaction(wait_ms=5000):
        store.execute(
            f"UPDATE watch_locks SET heartbeat_at = ? WHERE token = ? AND name IN ({marks})",
            (to_utc_text(now), token, *names),
        )
        rows = store.all(
            f"SELECT name FROM watch_locks WHERE token = ? AND name IN ({marks})",
            (token, *names),
        )
    return [str(r["name"]) for r in rows]


def release(store: Store, names: list[str], *, token: str) -> None:
    if not names:
        return
    marks = ", ".join("?" for _ in names)
    with store.transaction():
        store.execute(
            f"DELETE FROM watch_locks WHERE token = ? AND name IN ({marks})", (token, *names)
        )


def holders(store: Store) -> dict[str, Holder]:
    return {str(r["name"]): _holder(r) for r in store.all("SELECT * FROM watch_locks")}


# --- sync status --------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    account: str
    folder: str
    ok_at: datetime | None
    ok_via: str | None
    error_at: datetime | None
    error: str | None


def record_ok(
    store: Store, account: str, folders: list[str], now: datetime, *, via: str = "watch"
) -> None:
    with store.transaction():
        for folder in folders:
            store.execute(
                "INSERT INTO sync_status (account, folder, ok_at, ok_via) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (account, folder) DO UPDATE SET "
                "ok_at = excluded.ok_at, ok_via = excluded.ok_via",
                (account, folder, to_utc_text(now), via),
            )


def record_error(store: Store, account: str, folders: list[str], error: str, now: datetime) -> None:
    with store.transaction():
        for folder in folders:
            store.execute(
                "INSERT INTO sync_status (account, folder, error_at, error) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (account, folder) DO UPDATE SET "
                "error_at = excluded.error_at, error = excluded.error",
                (account, folder, to_utc_text(now), error[:500]),
            )


def sync_statuses(store: Store) -> dict[tuple[str, str], SyncStatus]:
    def when(text: str | None) -> datetime | None:
        return from_utc_text(text) if text else None

    return {
        (str(r["account"]), str(r["folder"])): SyncStatus(
            str(r["account"]),
            str(r["folder"]),
            when(r["ok_at"]),
            r["ok_via"],
            when(r["error_at"]),
            r["error"],
        )
        for r in store.all("SELECT * FROM sync_status")
    }


# --- alerts and acknowledgements -------------------------------------------------------


def alert_candidates(store: Store, since: datetime) -> list[Any]:
    """Open human tickets created since `since` or made urgent since then, with the
    moment each became urgent (None when it was not made urgent by hand)."""
    text = to_utc_text(since)
    rows = store.all(
        "SELECT t.id, t.urgency, t.hours, t.classification, t.created_at, t.owner_id "
        "FROM tickets t WHERE t.status IN ('new', 'open', 'waiting') "
        "AND t.merged_into IS NULL AND t.classification = 'human' "
        "AND (t.created_at >= ? OR t.id IN "
        "(SELECT ticket_id FROM events WHERE kind = 'ticket.urgency' AND at >= ?))",
        (text, text),
    )
    return list(rows)


def urgency_changes(store: Store, ticket_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """(at, new urgency) of every `ticket urgency` change, per ticket, oldest first."""
    out: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for r in store.all(
            f"SELECT ticket_id, at, data FROM events WHERE kind = 'ticket.urgency' "
            f"AND ticket_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            new = json.loads(r["data"]).get("new")
            out.setdefault(int(r["ticket_id"]), []).append((str(r["at"]), str(new)))
    return out


def alert_history(
    store: Store, ticket_ids: list[int]
) -> dict[tuple[int, str, str], list[tuple[str, str]]]:
    """(kind, at) of every alert.sent / alert.failed event per (ticket, reason, channel)."""
    out: dict[tuple[int, str, str], list[tuple[str, str]]] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for r in store.all(
            f"SELECT ticket_id, kind, at, data FROM events "
            f"WHERE kind IN ('alert.sent', 'alert.failed') AND ticket_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            data = json.loads(r["data"])
            key = (int(r["ticket_id"]), str(data.get("reason")), str(data.get("channel")))
            out.setdefault(key, []).append((str(r["kind"]), str(r["at"])))
    return out


def unacknowledged(store: Store, since: datetime, before: datetime) -> list[int]:
    """Human, non-triage tickets created in [since, before) with no acknowledgement sent
    or refused yet: what a crash between an import and its acknowledgements left."""
    rows = store.all(
        "SELECT t.id FROM tickets t WHERE t.created_at >= ? AND t.created_at < ? "
        "AND t.classification = 'human' AND t.is_triage = 0 AND t.merged_into IS NULL "
        "AND t.first_response_at IS NULL AND t.status IN ('new', 'open', 'waiting') "
        "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = t.id "
        "AND e.kind IN ('mail.sent', 'mail.skipped') AND e.data LIKE '%\"kind\": \"ack\"%') "
        "ORDER BY t.id",
        (to_utc_text(since), to_utc_text(before)),
    )
    return [int(r["id"]) for r in rows]
