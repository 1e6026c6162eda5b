"""Messages, their attachments and content-addressed blobs; blocked senders.

Raw bytes are stored uncompressed (`raw_codec = 'none'`). Measured by bench/parse.py on
1,000 generated support mails (77 MB): zlib level 1 saves 23 % (base64 attachments
compress poorly) but takes about four times as long as parsing them, on the core the
importer needs most. Rows written with `zlib` are still read back transparently.
"""

from __future__ import annotations

import contextlib
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from supportctl.store.db import Row, Store

_MESSAGE_COLUMNS = (
    "ticket_id",
    "direction",
    "message_id",
    "body_hash",
    "in_reply_to",
    "refs",
    "from_addr",
    "from_name",
    "to_addrs",
    "cc_addrs",
    "date",
    "arrived_at",
    "subject",
    "text_body",
    "classification",
    "auth_dmarc",
    "auth_dkim",
    "auth_spf",
    "is_blocked",
    "is_own",
    "size",
    "raw_codec",
    "raw",
    "parse_limits",
    "bounce_of",
    "bounce_reason",
)
# What a row may leave out (the table's own defaults): mail we send has no
# Authentication-Results and is never blocked; raw bytes are stored as they are.
_MESSAGE_DEFAULTS: dict[str, Any] = {
    "ticket_id": None,
    "date": None,
    "auth_dmarc": None,
    "auth_dkim": None,
    "auth_spf": None,
    "is_blocked": 0,
    "is_own": 0,
    "raw_codec": "none",
    "parse_limits": "",
    "bounce_of": None,
    "bounce_reason": "",
}
_INSERT_SQL = (
    f"INSERT INTO messages ({', '.join(_MESSAGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _MESSAGE_COLUMNS)})"
)


class BulkWrite:
    """Settings for an import that commits megabytes of raw mail per batch.

    * The page cache holds a whole batch (twice `batch_bytes`, at most 64 MB): with
      SQLite's default 2 MB, a batch spills dirty pages into the write-ahead log in the
      middle of its transaction and writes many of them twice.
    * The write-ahead log is copied into the database file by a second connection on a
      thread of its own, which runs a PASSIVE checkpoint after each commit (SQLite
      releases the GIL meanwhile), instead of the automatic checkpoint (copy and
      fsync) inside each batch's COMMIT on the importer's critical path.

    Durability and crash safety stay SQLite's: a checkpoint only ever copies committed
    frames, and whatever is left in the log at a crash is replayed by the next
    connection. `close` restores the connection's own settings.
    """

    def __init__(self, store: Store, batch_bytes: int = 8_000_000) -> None:
        import threading

        self.store = store
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._cache = 0
        if store.engine != "sqlite":  # a server manages its own log and cache
            return
        self._cache = int(store.conn.execute("PRAGMA cache_size").fetchone()[0])
        store.conn.execute(f"PRAGMA cache_size = -{min(2 * batch_bytes, 64_000_000) // 1024}")
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            return
        self._previous = int(store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        self._conn = sqlite3.connect(
            store.path, isolation_level=None, timeout=30, check_same_thread=False
        )
        self._conn.execute("PRAGMA busy_timeout = 30000")
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._conn is not None
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            # Busy or locked: the next commit asks again; after `close` SQLite's own
            # automatic checkpoint takes over.
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def after_commit(self) -> None:
        """Ask for a checkpoint of what is committed so far (returns at once)."""
        self._wake.set()

    def close(self) -> None:
        """Stop the thread; give the connection its cache size and autocheckpoint back."""
        if self._thread is not None and self._conn is not None:
            self._stop = True
            self._wake.set()
            self._thread.join()
            self._conn.close()
            self._thread = None
            self.store.conn.execute(f"PRAGMA wal_autocheckpoint = {self._previous}")
        if self.store.engine == "sqlite":
            self.store.conn.execute(f"PRAGMA cache_size = {self._cache}")

    def __enter__(self) -> BulkWrite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def find_identity(store: Store, message_id: str, body_hash: str) -> int | None:
    value = store.scalar(
        "SELECT id FROM messages WHERE message_id = ? AND body_hash = ?", (message_id, body_hash)
    )
    return None if value is None else int(value)


def find_identities(
    store: Store, identities: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """`find_identity` for many (Message-ID, body hash) pairs in one query: the stored ones."""
    found: dict[tuple[str, str], int] = {}
    wanted = set(identities)
    chunk = 250  # pairs per statement: at most 500 parameters
    pairs = sorted(wanted)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        ids = sorted({m for m, _h in part})
        hashes = sorted({h for _m, h in part})
        rows = store.tuples(
            f"SELECT id, message_id, body_hash FROM messages WHERE message_id IN "
            f"({', '.join('?' for _ in ids)}) AND body_hash IN ({', '.join('?' for _ in hashes)})",
            [*ids, *hashes],
        )
        for row_id, message_id, body_hash in rows:
            key = (str(message_id), str(body_hash))
            if key in wanted and (key not in found or int(row_id) < found[key]):
                found[key] = int(row_id)
    return found


def take_ids_ahead(store: Store, count: int) -> None:
    """Ids for the next `count` messages stored, asked for at once (see `Store.take_ids_ahead`)."""
    store.take_ids_ahead("messages", count)


def tickets_for_message_ids(store: Store, ids: Sequence[str]) -> dict[str, int]:
    """Known Message-IDs among `ids` -> the ticket of the (earliest) message bearing it."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = store.all(
        f"SELECT message_id, ticket_id FROM messages WHERE message_id IN ({marks}) "
        "AND ticket_id IS NOT NULL ORDER BY id DESC",
        list(ids),
    )
    return {r["message_id"]: int(r["ticket_id"]) for r in rows}


def insert(store: Store, values: dict[str, Any]) -> int:
    """Store one message, mail read or mail sent (the one insert path for `messages`);
    a column left out takes its default (`_MESSAGE_DEFAULTS`), others NULL."""
    return store.insert(
        _INSERT_SQL, [values.get(c, _MESSAGE_DEFAULTS.get(c)) for c in _MESSAGE_COLUMNS]
    )


def set_ticket(store: Store, row_id: int, ticket_id: int | None) -> None:
    store.execute("UPDATE messages SET ticket_id = ? WHERE id = ?", (ticket_id, row_id))


def update_parsed(store: Store, row_id: int, values: dict[str, Any]) -> None:
    cols = [c for c in _MESSAGE_COLUMNS if c in values]
    store.execute(
        f"UPDATE messages SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        [values[c] for c in cols] + [row_id],
    )


def add_location(
    store: Store, account: str, folder: str, uidvalidity: int, uid: int, row_id: int
) -> None:
    store.execute(
        "INSERT INTO message_locations (account, folder, uidvalidity, uid, message_row) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (account, folder, uidvalidity, uid, row_id),
    )


def put_blob(store: Store, sha256: str, data: bytes) -> None:
    store.execute(
        "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (sha256, len(data), data),
    )


def put_blob_ref(store: Store, sha256: str, size: int, message_row: int, raw_offset: int) -> None:
    """A blob that is bytes [raw_offset, raw_offset + size) of a stored message's raw."""
    store.execute(
        "INSERT INTO blobs (sha256, size, data, message_row, raw_offset) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (sha256, size, b"", message_row, raw_offset),
    )


class StoredAttachment(Protocol):
    """What `store_attachments` reads of a parsed attachment (mail.parse.AttachmentRef)."""

    @property
    def position(self) -> int: ...

    @property
    def filename(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    @property
    def transfer_encoding(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def data(self) -> bytes: ...

    @property
    def sha256(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def store_attachments(store: Store, row_id: int, attachments: Iterable[StoredAttachment]) -> None:
    """The one way a message's attachments are stored (import and reparse alike): the
    blob as a reference into the message's stored raw bytes when the parser found it
    there (written once), else as its own bytes; then the attachment row."""
    for att in attachments:
        if att.start >= 0:
            put_blob_ref(store, att.sha256, att.end - att.start, row_id, att.start)
        else:
            put_blob(store, att.sha256, att.data)
        add_attachment(
            store,
            row_id,
            {
                "position": att.position,
                "filename": att.filename,
                "content_type": att.content_type,
                "size": att.size,
                "sha256": att.sha256,
                "transfer_encoding": att.transfer_encoding,
            },
        )


def add_attachment(store: Store, row_id: int, values: dict[str, Any]) -> None:
    store.execute(
        "INSERT INTO attachments (message_id, position, filename, content_type, size, "
        "blob_sha256, transfer_encoding) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (message_id, position) DO UPDATE SET filename = excluded.filename, "
        "content_type = excluded.content_type, size = excluded.size, "
        "blob_sha256 = excluded.blob_sha256, transfer_encoding = excluded.transfer_encoding",
        (
            row_id,
            values["position"],
            values["filename"],
            values["content_type"],
            values["size"],
            values["sha256"],
            values["transfer_encoding"],
        ),
    )


def delete_attachments(store: Store, row_id: int) -> None:
    store.execute("DELETE FROM attachments WHERE message_id = ?", (row_id,))


def raw_bytes(row: sqlite3.Row) -> bytes:
    data = bytes(row["raw"])
    return zlib.decompress(data) if row["raw_codec"] == "zlib" else data


def get(store: Store, row_id: int) -> sqlite3.Row | None:
    return store.one("SELECT * FROM messages WHERE id = ?", (row_id,))


def for_ticket(store: Store, ticket_id: int) -> list[sqlite3.Row]:
    return for_ticket_later(store, ticket_id)()


def for_ticket_later(store: Store, ticket_id: int) -> Callable[[], list[sqlite3.Row]]:
    """`for_ticket` when called, sent now (with the next statement on a server)."""
    return store.prefetch(
        "SELECT id, ticket_id, direction, message_id, in_reply_to, refs, from_addr, from_name, "
        "to_addrs, cc_addrs, date, arrived_at, subject, text_body, classification, auth_dmarc, "
        "auth_dkim, auth_spf, is_blocked, is_own, size, bounce_of, bounce_reason "
        "FROM messages WHERE ticket_id = ? "
        "ORDER BY arrived_at, id",
        (ticket_id,),
    )


def attachments_for(store: Store, row_ids: Iterable[int]) -> dict[int, list[sqlite3.Row]]:
    ids = list(row_ids)
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    out: dict[int, list[sqlite3.Row]] = {}
    for r in store.all(
        f"SELECT message_id, position, filename, content_type, size, blob_sha256, "
        f"transfer_encoding FROM attachments WHERE message_id IN ({marks}) "
        "ORDER BY message_id, position",
        ids,
    ):
        out.setdefault(int(r["message_id"]), []).append(r)
    return out


def blob(store: Store, sha256: str) -> bytes | None:
    row = store.one(
        "SELECT data, size, message_row, raw_offset FROM blobs WHERE sha256 = ?", (sha256,)
    )
    if row is None:
        return None
    if row["message_row"] is None:
        return bytes(row["data"])
    message = store.one("SELECT raw, raw_codec FROM messages WHERE id = ?", (row["message_row"],))
    if message is None:
        return None
    start = int(row["raw_offset"])
    return raw_bytes(message)[start : start + int(row["size"])]


def all_ids(store: Store) -> list[int]:
    return [int(r[0]) for r in store.all("SELECT id FROM messages ORDER BY id")]


def ids_for_tickets(store: Store, ticket_ids: Sequence[int]) -> list[int]:
    marks = ", ".join("?" for _ in ticket_ids)
    return [
        int(r[0])
        for r in store.all(
            f"SELECT id FROM messages WHERE ticket_id IN ({marks}) ORDER BY id", list(ticket_ids)
        )
    ]


# --- blocked senders ----------------------------------------------------------------


def blocked_patterns(store: Store) -> list[str]:
    return [r[0] for r in store.all("SELECT pattern FROM blocked ORDER BY pattern")]


def blocked_rows(store: Store) -> list[sqlite3.Row]:
    return store.all("SELECT pattern, created_at, actor FROM blocked ORDER BY pattern")


def add_block(store: Store, pattern: str, created_at: str, actor: str | None) -> bool:
    cur = store.execute(
        "INSERT INTO blocked (pattern, created_at, actor) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (pattern, created_at, actor),
    )
    return cur.rowcount > 0


def remove_block(store: Store, pattern: str) -> bool:
    return store.execute("DELETE FROM blocked WHERE pattern = ?", (pattern,)).rowcount > 0


def bounce_target(store: Store, ticket_id: int, message_ids: Sequence[str]) -> Row | None:
    """Our own (outbound) message on the ticket that one of `message_ids` names."""
    if not message_ids:
        return None
    marks = ", ".join("?" for _ in message_ids)
    return store.one(
        "SELECT id, arrived_at, to_addrs FROM messages WHERE ticket_id = ? AND direction = 'out' "
        f"AND message_id IN ({marks}) ORDER BY arrived_at DESC, id DESC LIMIT 1",
        [ticket_id, *message_ids],
    )


def set_bounce(store: Store, row_id: int, bounce_of: int, reason: str) -> None:
    store.execute(
        "UPDATE messages SET bounce_of = ?, bounce_reason = ? WHERE id = ?",
        (bounce_of, reason, row_id),
    )


def first_unbounced_reply(store: Store, ticket_id: int) -> str | None:
    """When the first human reply that did not bounce went out (None: none did)."""
    value = store.scalar(
        "SELECT min(arrived_at) FROM messages m WHERE m.ticket_id = ? AND m.direction = 'out' "
        "AND m.classification = 'human' AND NOT EXISTS (SELECT 1 FROM messages b "
        "WHERE b.ticket_id = m.ticket_id AND b.bounce_of = m.id)",
        (ticket_id,),
    )
    return None if value is None else str(value)


def attachments_of_ticket_later(
    store: Store, ticket_id: int
) -> Callable[[], dict[int, list[sqlite3.Row]]]:
    """`attachments_for` the ticket's messages when called, sent now (with the messages'
    read on a server: by the ticket, not by the message ids that read returns)."""
    rows = store.prefetch(
        "SELECT a.message_id, a.position, a.filename, a.content_type, a.size, a.blob_sha256, "
        "a.transfer_encoding FROM attachments a JOIN messages m ON m.id = a.message_id "
        "WHERE m.ticket_id = ? ORDER BY a.message_id, a.position",
        (ticket_id,),
    )

    def grouped() -> dict[int, list[sqlite3.Row]]:
        out: dict[int, list[sqlite3.Row]] = {}
        for r in rows():
            out.setdefault(int(r["message_id"]), []).append(r)
        return out

    return grouped


def incoming_raws_of_ticket_later(store: Store, ticket_id: int) -> Callable[[], dict[int, bytes]]:
    """`raws_later` of the ticket's incoming messages, by the ticket (see above)."""
    rows = store.prefetch(
        "SELECT id, raw, raw_codec FROM messages WHERE ticket_id = ? AND direction = 'in'",
        (ticket_id,),
    )
    return lambda: {int(r["id"]): raw_bytes(r) for r in rows()}


def incoming_accounts_of_ticket_later(
    store: Store, ticket_id: int
) -> Callable[[], dict[int, list[str]]]:
    """`accounts_later` of the ticket's incoming messages, by the ticket (see above)."""
    rows = store.prefetch(
        "SELECT DISTINCT l.message_row, l.account FROM message_locations l "
        "JOIN messages m ON m.id = l.message_row WHERE m.ticket_id = ? AND m.direction = 'in' "
        "ORDER BY l.message_row, l.account",
        (ticket_id,),
    )

    def grouped() -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for r in rows():
            out.setdefault(int(r["message_row"]), []).append(str(r["account"]))
        return out

    return grouped


def raws_later(store: Store, row_ids: Sequence[int]) -> Callable[[], dict[int, bytes]]:
    """id -> raw mail of these messages when called, the read sent now."""
    if not row_ids:
        return dict
    marks = ", ".join("?" for _ in row_ids)
    rows = store.prefetch(
        f"SELECT id, raw, raw_codec FROM messages WHERE id IN ({marks})", list(row_ids)
    )
    return lambda: {int(r["id"]): raw_bytes(r) for r in rows()}


def accounts_later(store: Store, row_ids: Sequence[int]) -> Callable[[], dict[int, list[str]]]:
    """id -> the IMAP accounts each message was found in, when called; sent now."""
    if not row_ids:
        return dict
    marks = ", ".join("?" for _ in row_ids)
    rows = store.prefetch(
        "SELECT DISTINCT message_row, account FROM message_locations "
        f"WHERE message_row IN ({marks}) ORDER BY message_row, account",
        list(row_ids),
    )

    def grouped() -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for r in rows():
            out.setdefault(int(r["message_row"]), []).append(str(r["account"]))
        return out

    return grouped


def accounts_of(store: Store, row_id: int) -> list[str]:
    """The IMAP accounts a message was found in (none for mail from a file)."""
    return [
        str(r["account"])
        for r in store.all(
            "SELECT DISTINCT account FROM message_locations WHERE message_row = ?", (row_id,)
        )
    ]
