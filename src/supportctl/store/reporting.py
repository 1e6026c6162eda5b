"""Month figures: the ticket and time rows behind `supportctl report`."""

from __future__ import annotations

from typing import NamedTuple

from supportctl.store.db import Store


class CreatedTicket(NamedTuple):
    """A ticket created in the month, as `report` reads it."""

    id: int
    created_at: str
    first_response_at: str | None
    due_response_at: str | None
    resolved_at: str | None
    due_resolution_at: str | None
    status: str
    level: str
    hours: str
    customer: str | None


def tickets_created(store: Store, start: str, end: str) -> list[CreatedTicket]:
    """The month's human tickets, oldest first, as plain tuples (a month can hold
    thousands: a tuple is made and read much faster than a row read by name)."""
    rows = store.tuples(
        "SELECT t.id, t.created_at, t.first_response_at, t.due_response_at, t.resolved_at, "
        "t.due_resolution_at, t.status, t.level, t.hours, c.slug AS customer "
        "FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id "
        "WHERE t.created_at >= ? AND t.created_at < ? AND t.merged_into IS NULL "
        "AND t.classification = 'human' ORDER BY t.created_at",
        (start, end),
    )
    return [CreatedTicket._make(r) for r in rows]


def tickets_resolved(store: Store, start: str, end: str) -> int:
    return int(
        store.scalar(
            "SELECT count(*) FROM tickets WHERE resolved_at >= ? AND resolved_at < ? "
            "AND merged_into IS NULL",
            (start, end),
        )
    )


def minutes_by(store: Store, start: str, end: str, column: str) -> list[tuple[str, int]]:
    """Logged minutes per person ('person') or per customer ('customer') in [start, end)."""
    join = (
        "JOIN people p ON p.id = e.person_id"
        if column == "person"
        else "JOIN customers p ON p.id = e.customer_id"
    )
    name = "p.handle" if column == "person" else "p.slug"
    rows = store.all(
        f"SELECT {name} AS who, sum(e.minutes) AS minutes FROM time_entries e {join} "
        "WHERE e.start_at >= ? AND e.start_at < ? GROUP BY who ORDER BY minutes DESC, who",
        (start, end),
    )
    return [(r["who"], int(r["minutes"])) for r in rows]
