"""Copying a whole desk between engines (`db copy`, and `backup` from a server).

Every table, in an order that satisfies the foreign keys (rows that point at rows of
their own table get that column filled in after the table), inside one transaction on
the destination, read from one consistent snapshot of the source. The search indexes
are not copied: the destination's triggers rebuild them as the rows arrive. Then, per
table, the row count and an order-independent content checksum (the sum of each row's
SHA-256, so the engines' different collations do not matter) are compared on both
sides before the destination commits; a difference rolls everything back and names
the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from supportctl.errors import InputError, StoreError
from supportctl.store.db import Store

# Creation order (store/migrations.py), which is also an order that satisfies every
# foreign key; tests/contract/test_db_copy.py checks it names every table.
TABLES: tuple[str, ...] = (
    "customers",
    "customer_domains",
    "contacts",
    "people",
    "skills",
    "absences",
    "events",
    "settings",
    "tickets",
    "messages",
    "blobs",
    "attachments",
    "mail_state",
    "message_locations",
    "blocked",
    "rota_order",
    "rota_swaps",
    "holidays_cache",
    "holidays_years",
    "delegations",
    "reviews",
    "time_entries",
    "timers",
    "invoice_sequences",
    "invoices",
    "invoice_documents",
    "invoice_lines",
    "fees",
    "outbound_log",
    "outgoing",
    "articles",
    "article_tags",
    "article_history",
    "article_uses",
    "watch_locks",
    "sync_status",
    "quarantine",
    "month_totals",  # late: inserting time entries clears the months they fall in
    "person_month_totals",  # after month_totals: deleting one of those clears these
)

# Columns that point at another row of the same table: copied as NULL, then set.
SELF_REFERENCES = {
    "tickets": "merged_into",
    "articles": "translation_of",
    "messages": "bounce_of",
}

BATCH = 500
_MOD = 1 << 256

Progress = Callable[[str, int], None]


class CopyMismatch(StoreError):
    pass


def _row_hash(row: Sequence[Any]) -> int:
    h = hashlib.sha256()
    for value in row:
        if value is None:
            h.update(b"\x00N")
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
            h.update(b"\x00B" + len(data).to_bytes(8, "big") + data)
        elif isinstance(value, bool | int):
            h.update(b"\x00I" + str(int(value)).encode())
        else:
            text = str(value).replace("\x00", "").encode("utf-8", "surrogatepass")
            h.update(b"\x00T" + len(text).to_bytes(8, "big") + text)
    return int.from_bytes(h.digest(), "big")


def fingerprint(store: Store, table: str, columns: Sequence[str]) -> tuple[int, str]:
    """(row count, content checksum) of a table."""
    count = 0
    total = 0
    for row in store.stream(f"SELECT {', '.join(columns)} FROM {table}"):
        count += 1
        total = (total + _row_hash(row)) % _MOD
    return count, f"{total:064x}"


def _no_nul(row: Sequence[Any]) -> tuple[Any, ...]:
    """The row with NUL characters taken out of its text (PostgreSQL's text type cannot
    hold them; mail parsed by this version has none): the checksum ignores them too."""
    return tuple(v.replace("\x00", "") if isinstance(v, str) and "\x00" in v else v for v in row)


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(_no_nul(row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def require_empty(store: Store) -> None:
    for table in TABLES:
        if store.scalar(f"SELECT 1 FROM {table} LIMIT 1") is not None:
            raise InputError(
                f"{store.label} is not empty (table {table} has rows); "
                "copy into a new file or an empty database"
            )


def copy_desk(source: Store, target: Store, progress: Progress | None = None) -> dict[str, int]:
    """Copy every table from `source` into the empty `target`; rows per table."""
    counts: dict[str, int] = {}
    with source.snapshot(), target.transaction():
        require_empty(target)
        for table in TABLES:
            columns = target.columns(table)
            missing = [c for c in columns if c not in source.columns(table)]
            if missing:
                raise StoreError(f"{source.label}: table {table} lacks {', '.join(missing)}")
            self_ref = SELF_REFERENCES.get(table)
            select = ", ".join("NULL" if c == self_ref else c for c in columns)
            n = 0
            for batch in _batches(source.stream(f"SELECT {select} FROM {table}")):
                target.insert_rows(table, columns, batch)
                n += len(batch)
                if progress is not None:
                    progress(table, len(batch))
            if self_ref is not None:
                pairs = source.all(
                    f"SELECT {self_ref}, id FROM {table} WHERE {self_ref} IS NOT NULL"
                )
                target.executemany(
                    f"UPDATE {table} SET {self_ref} = ? WHERE id = ?",
                    [tuple(p) for p in pairs],
                )
            counts[table] = n
        target.after_bulk_copy(TABLES)
        for table in TABLES:
            columns = target.columns(table)
            theirs = fingerprint(source, table, columns)
            ours = fingerprint(target, table, columns)
            if theirs != ours:
                raise CopyMismatch(
                    f"table {table} differs after the copy "
                    f"({theirs[0]} rows in {source.label}, {ours[0]} in {target.label}); "
                    "nothing was written"
                )
    return counts
