"""Mail we send: the outbound copy in `messages`, the `outbound_log`, the thread to answer."""

from __future__ import annotations

import sqlite3
from typing import Any

from supportctl.store.db import Store


def insert_message(store: Store, values: dict[str, Any]) -> int:
    """Store one sent message (direction 'out', our own, raw bytes); returns the row id.

    The same insert as mail read (`store.messages.insert`), so both write one column list.
    """
    from supportctl.store import messages

    return messages.insert(store, {**values, "direction": "out", "is_own": 1})


def log(
    store: Store, *, at: str, address: str, kind: str, ticket_id: int | None, is_automatic: bool
) -> None:
    store.execute(
        "INSERT INTO outbound_log (at, address, kind, ticket_id, is_automatic) VALUES (?, ?, ?, ?, ?)",
        (at, address, kind, ticket_id, int(is_automatic)),
    )


def recent_log(store: Store, address: str, since: str) -> list[sqlite3.Row]:
    return store.all(
        "SELECT at, address, kind, is_automatic FROM outbound_log WHERE address = ? AND at > ? ORDER BY at",
        (address, since),
    )


def thread(store: Store, ticket_id: int) -> list[sqlite3.Row]:
    """The ticket's messages, oldest first (raw bytes left out)."""
    return store.all(
        "SELECT id, direction, message_id, in_reply_to, refs, from_addr, from_name, to_addrs, "
        "cc_addrs, date, arrived_at, subject, text_body, classification, is_own, auth_dmarc "
        "FROM messages WHERE ticket_id = ? ORDER BY arrived_at, id",
        (ticket_id,),
    )


def message_headers(store: Store, message_row: int) -> bytes:
    """The header block of a stored message (for loop checks on what we answer); a
    stored message never changes, so the importer's batch reads each one once."""
    return store.memo(f"message_headers:{message_row}", lambda: _headers(store, message_row))


def _headers(store: Store, message_row: int) -> bytes:
    from supportctl.store.messages import raw_bytes

    row = store.one("SELECT raw, raw_codec FROM messages WHERE id = ?", (message_row,))
    if row is None:
        return b""
    return headers_of_raw(raw_bytes(row))


def headers_of_raw(data: bytes) -> bytes:
    """The header block of raw mail."""
    return header_block(data) or b""


def header_block(data: bytes, *, whole: bool = True) -> bytes | None:
    """The header block at the start of raw mail. Of only the start of it (`whole`
    False): None when the header block may go on beyond it."""
    data = bytes(data)
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    if end >= 0:
        return data[:end]
    return data if whole else None


def reminded_keys(store: Store, since: str) -> set[tuple[int, str, str]]:
    """(ticket, target, due) of reminders sent since `since` (from the history)."""
    import json

    out: set[tuple[int, str, str]] = set()
    for row in store.all(
        "SELECT ticket_id, data FROM events WHERE kind = 'mail.remind' AND at > ?", (since,)
    ):
        data = json.loads(row["data"])
        out.add((int(row["ticket_id"]), str(data.get("target")), str(data.get("due"))))
    return out


def open_tickets_with_owner(store: Store) -> list[sqlite3.Row]:
    """Open tickets with an SLA clock and their owner's handle (None: nobody owns it, or
    the owner has left the team)."""
    return store.all(
        "SELECT t.id, t.subject, t.status, t.hours, t.first_response_at, t.due_response_at, "
        "t.due_resolution_at, t.waiting_since, p.handle AS owner "
        "FROM tickets t LEFT JOIN people p ON p.id = t.owner_id AND p.active = 1 "
        "WHERE t.status IN ('new', 'open', 'waiting') AND t.merged_into IS NULL "
        "AND (t.due_response_at IS NOT NULL OR t.due_resolution_at IS NOT NULL)"
    )


def imported_old(store: Store, max_age_seconds: int) -> set[int]:
    """Open tickets whose first mail was dated more than `max_age_seconds` before the
    ticket was created in the database (an old mailbox imported late)."""
    from supportctl.domain.timeutil import from_utc_text as moment

    rows = store.all(
        "SELECT t.id, e.at, (SELECT min(m.date) FROM messages m WHERE m.ticket_id = t.id "
        "AND m.direction = 'in') AS first_date "
        "FROM tickets t JOIN events e ON e.ticket_id = t.id AND e.kind = 'ticket.created' "
        "WHERE t.status IN ('new', 'open', 'waiting') AND t.merged_into IS NULL"
    )

    return {
        int(r["id"])
        for r in rows
        if r["first_date"]
        and (moment(r["at"]) - moment(r["first_date"])).total_seconds() > max_age_seconds
    }


def contact_name(store: Store, address: str) -> str | None:
    name = store.scalar(
        "SELECT name FROM contacts WHERE lower(email) = ? AND name != '' LIMIT 1",
        (address.lower(),),
    )
    return None if name is None else str(name)


def tickets_by_arrival(store: Store) -> list[sqlite3.Row]:
    """(id, created_at) of every ticket, oldest first."""
    return store.all("SELECT id, created_at FROM tickets ORDER BY created_at, id")


# --- mail between "sending" and "sent" (table `outgoing`) ------------------------------


def log_id(
    store: Store, *, at: str, address: str, kind: str, ticket_id: int | None, is_automatic: bool
) -> int:
    """`log`, returning the row's id (a send that fails takes its rows back)."""
    return store.insert(
        "INSERT INTO outbound_log (at, address, kind, ticket_id, is_automatic) VALUES (?, ?, ?, ?, ?)",
        (at, address, kind, ticket_id, int(is_automatic)),
    )


def forget_log(store: Store, ids: list[int]) -> None:
    for row_id in ids:
        store.execute("DELETE FROM outbound_log WHERE id = ?", (row_id,))


def begin_sending(
    store: Store,
    *,
    message_id: str,
    at: str,
    host: str,
    pid: int,
    sender: str,
    recipients: str,
    record: str,
    raw: bytes,
) -> int:
    """Record one mail as sending (before it is handed to the server); its row id."""
    return store.insert(
        "INSERT INTO outgoing (message_id, created_at, host, pid, claimed_at, sender, "
        "recipients, record, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (message_id, at, host, pid, at, sender, recipients, record, raw),
    )


def end_sending(store: Store, row_id: int) -> bool:
    """Drop the sending row (sent and recorded, or certainly not sent); False when it
    was gone already (another process finished it)."""
    return store.execute("DELETE FROM outgoing WHERE id = ?", (row_id,)).rowcount > 0


def unfinished(store: Store) -> list[sqlite3.Row]:
    """Every mail recorded as sending, oldest first: who sends it, not the bytes."""
    return store.all("SELECT id, message_id, host, pid, claimed_at FROM outgoing ORDER BY id")


def sending(store: Store, row_id: int) -> sqlite3.Row | None:
    """One mail recorded as sending, with its bytes and record."""
    return store.one("SELECT * FROM outgoing WHERE id = ?", (row_id,))


def claim_sending(store: Store, row: Any, *, host: str, pid: int, at: str) -> bool:
    """Take over a sending row from the process that left it: True when it is ours now
    (nobody else took it since `row` was read)."""
    return (
        store.execute(
            "UPDATE outgoing SET host = ?, pid = ?, claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND host = ? AND pid = ? AND claimed_at = ?",
            (host, pid, at, row["id"], row["host"], row["pid"], row["claimed_at"]),
        ).rowcount
        > 0
    )


def sending_failed(store: Store, row_id: int, error: str) -> None:
    """A try that failed: the error kept, and nobody holds the row (pid 0) any more, so
    the next run (this process too, a `watch`) tries again."""
    store.execute(
        "UPDATE outgoing SET last_error = ?, host = '', pid = 0 WHERE id = ?", (error, row_id)
    )
