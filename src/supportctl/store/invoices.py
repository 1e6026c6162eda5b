"""Invoices, their lines and rendered documents, the per-year number sequence, fees.

An issued invoice keeps the exact bytes of every document rendered at issue time
(`invoice_documents`), so `invoice show NUMBER` reproduces what the customer got even
after templates, rates or the program change. The time log reads `invoices` (status
'issued') to refuse edits in a frozen customer-month.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from supportctl.store.db import Store


def next_number(store: Store, year: int, number_format: str) -> str:
    """Take the next number of `year`'s sequence (call inside a transaction)."""
    store.execute(
        "INSERT INTO invoice_sequences (year, last_seq) VALUES (?, 1) "
        "ON CONFLICT(year) DO UPDATE SET last_seq = last_seq + 1",
        (year,),
    )
    seq = int(store.scalar("SELECT last_seq FROM invoice_sequences WHERE year = ?", (year,)))
    return number_format.format(year=year, seq=seq)


def number_taken(store: Store, number: str) -> bool:
    return store.scalar("SELECT 1 FROM invoices WHERE number = ?", (number,)) is not None


def insert_invoice(
    store: Store,
    *,
    number: str,
    customer_id: int,
    month: str,
    issued_at: str,
    currency: str,
    net_minor: int,
    vat_minor: int,
    gross_minor: int,
    data: str,
    reference: str | None = None,
    kind: str = "invoice",
    credits: str | None = None,
) -> int:
    cur = store.execute(
        "INSERT INTO invoices (number, customer_id, month, issued_at, status, currency, "
        "net_minor, vat_minor, gross_minor, data, reference, kind, credits) "
        "VALUES (?, ?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            number,
            customer_id,
            month,
            issued_at,
            currency,
            net_minor,
            vat_minor,
            gross_minor,
            data,
            reference,
            kind,
            credits,
        ),
    )
    return int(cur.lastrowid or 0)


def insert_lines(store: Store, invoice_id: int, lines: list[tuple[Any, ...]]) -> None:
    """Rows of (entry_id, fee_id, class, minutes, billed_minutes, amount_minor)."""
    store.conn.executemany(
        "INSERT INTO invoice_lines (invoice_id, entry_id, fee_id, class, minutes, "
        "billed_minutes, amount_minor) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(invoice_id, *line) for line in lines],
    )


def insert_document(store: Store, invoice_id: int, fmt: str, content: bytes) -> None:
    store.execute(
        "INSERT INTO invoice_documents (invoice_id, format, content) VALUES (?, ?, ?)",
        (invoice_id, fmt, content),
    )


def document(store: Store, invoice_id: int, fmt: str) -> bytes | None:
    content = store.scalar(
        "SELECT content FROM invoice_documents WHERE invoice_id = ? AND format = ?",
        (invoice_id, fmt),
    )
    return None if content is None else bytes(content)


def document_formats(store: Store, invoice_id: int) -> list[str]:
    return [
        r[0]
        for r in store.all(
            "SELECT format FROM invoice_documents WHERE invoice_id = ? ORDER BY format",
            (invoice_id,),
        )
    ]


_SELECT = (
    "SELECT i.*, c.slug AS customer_slug, "
    "(SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id) AS line_count "
    "FROM invoices i JOIN customers c ON c.id = i.customer_id"
)


def by_number(store: Store, number: str) -> sqlite3.Row | None:
    return store.one(_SELECT + " WHERE i.number = ?", (number,))


def issued_for(store: Store, customer_id: int, month: str) -> sqlite3.Row | None:
    return store.one(
        _SELECT + " WHERE i.customer_id = ? AND i.month = ? AND i.status = 'issued' "
        "AND i.kind = 'invoice'",
        (customer_id, month),
    )


def list_invoices(store: Store, month: str | None = None) -> list[sqlite3.Row]:
    if month is None:
        return store.all(_SELECT + " ORDER BY i.id")
    return store.all(_SELECT + " WHERE i.month = ? ORDER BY i.id", (month,))


def set_sent(store: Store, invoice_id: int, at: str) -> None:
    store.execute("UPDATE invoices SET sent_at = ? WHERE id = ?", (at, invoice_id))


def credit_note_for(store: Store, number: str) -> str | None:
    value = store.scalar("SELECT number FROM invoices WHERE credits = ?", (number,))
    return None if value is None else str(value)


def set_void(store: Store, invoice_id: int, reason: str) -> None:
    store.execute(
        "UPDATE invoices SET status = 'void', void_reason = ? WHERE id = ?", (reason, invoice_id)
    )


def customers_with_work(store: Store, start_utc: str, end_utc: str, month: str) -> list[int]:
    """Customers with time entries starting in [start, end) or fees dated in `month`."""
    rows = store.all(
        "SELECT customer_id FROM time_entries WHERE start_at >= ? AND start_at < ? "
        "UNION SELECT customer_id FROM fees WHERE substr(day, 1, 7) = ?",
        (start_utc, end_utc, month),
    )
    return [int(r[0]) for r in rows]


# --- fees ------------------------------------------------------------------------


def insert_fee(
    store: Store,
    *,
    customer_id: int,
    day: str,
    amount_minor: int,
    currency: str,
    description: str,
    created_at: str,
) -> int:
    cur = store.execute(
        "INSERT INTO fees (customer_id, day, amount_minor, currency, description, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (customer_id, day, amount_minor, currency, description, created_at),
    )
    return int(cur.lastrowid or 0)


_FEE_SELECT = (
    "SELECT f.*, c.slug AS customer_slug FROM fees f JOIN customers c ON c.id = f.customer_id"
)


def fees_for(store: Store, customer_id: int, month: str) -> list[sqlite3.Row]:
    """The customer's fees dated in `month` (YYYY-MM): a range of its day index."""
    return store.all(
        _FEE_SELECT + " WHERE f.customer_id = ? AND f.day >= ? AND f.day < ? ORDER BY f.day, f.id",
        (customer_id, f"{month}-01", f"{month}-32"),
    )


def fee(store: Store, fee_id: int) -> sqlite3.Row | None:
    return store.one(_FEE_SELECT + " WHERE f.id = ?", (fee_id,))


def list_fees(
    store: Store, customer_id: int | None = None, month: str | None = None
) -> list[sqlite3.Row]:
    clauses: list[str] = []
    params: list[Any] = []
    if customer_id is not None:
        clauses.append("f.customer_id = ?")
        params.append(customer_id)
    if month is not None:
        clauses.append("substr(f.day, 1, 7) = ?")
        params.append(month)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.all(_FEE_SELECT + where + " ORDER BY f.day, f.id", params)


def delete_fee(store: Store, fee_id: int) -> None:
    store.execute("DELETE FROM fees WHERE id = ?", (fee_id,))


def fee_invoiced(store: Store, fee_id: int) -> str | None:
    """The number of a still-issued invoice that bills this fee, if any."""
    value = store.scalar(
        "SELECT i.number FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id "
        "WHERE l.fee_id = ? AND i.status = 'issued'",
        (fee_id,),
    )
    return None if value is None else str(value)
