"""Time entries and running timers: rows in, rows out, no rules.

Entries carry a client-generated UUID (stable across replicas) and the short integer
id people type. The overlap query is bounded from below by the longest possible entry
(24 h), so it stays an index range scan on (person_id, start_at) however many entries
a person has.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from supportctl.store.db import Store

ENTRY_COLUMNS = (
    "uuid",
    "person_id",
    "ticket_id",
    "customer_id",
    "start_at",
    "end_at",
    "minutes",
    "description",
    "kind",
    "is_internal",
    "class_override",
    "corrects_invoice",
    "created_at",
)

# Everything a listing shows, with the facts the billing rules need.
_LIST_SELECT = """
SELECT e.id, e.uuid, e.person_id, e.ticket_id, e.customer_id, e.start_at, e.end_at,
       e.minutes, e.description, e.kind, e.is_internal, e.class_override,
       e.corrects_invoice, p.handle AS person, c.slug AS customer,
       CASE WHEN t.needs_approval = 1 AND t.approval_message_id IS NULL
                 AND t.approval_override IS NULL THEN 1 ELSE 0 END AS unapproved
FROM time_entries e
JOIN people p ON p.id = e.person_id
JOIN customers c ON c.id = e.customer_id
LEFT JOIN tickets t ON t.id = e.ticket_id
"""


_UNAPPROVED = (
    "SELECT id FROM tickets WHERE needs_approval = 1 "
    "AND approval_message_id IS NULL AND approval_override IS NULL"
)
# "This entry's ticket waits for approval" for the summing queries: SQLite builds the
# subquery's list once per statement (from the partial index), as fast as a literal.
WAITING = f"e.ticket_id IN ({_UNAPPROVED})"


def insert(store: Store, values: dict[str, Any], reserved: int | None = None) -> int:
    """The new entry's id: `reserved` (from `reserve_id_later`) when there is one, which
    the INSERT then gives explicitly, so nothing waits for it; otherwise the one the
    INSERT assigned."""
    cols = [c for c in ENTRY_COLUMNS if c in values]
    params = [values[c] for c in cols]
    if reserved is not None:
        store.execute(
            f"INSERT INTO time_entries (id, {', '.join(cols)}) "
            f"VALUES (?, {', '.join('?' for _ in cols)})",
            [reserved, *params],
        )
        store.took_id("time_entries")
        return reserved
    return store.insert(
        f"INSERT INTO time_entries ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        params,
    )


def reserve_id_later(store: Store) -> Callable[[], int | None]:
    """Inside a write transaction: the id a new entry will get, read with the command's
    first reads on a server, or None where the INSERT tells it at no cost (SQLite): see
    `insert`."""
    return store.reserve_id("time_entries")


def get(store: Store, entry_id: int) -> sqlite3.Row | None:
    return store.one(_LIST_SELECT + " WHERE e.id = ?", (entry_id,))


def update(store: Store, entry_id: int, values: dict[str, Any]) -> None:
    cols = [c for c in ENTRY_COLUMNS if c in values]
    if cols:
        store.execute(
            f"UPDATE time_entries SET {', '.join(f'{c} = ?' for c in cols)}, version = version + 1 WHERE id = ?",
            [values[c] for c in cols] + [entry_id],
        )


def delete(store: Store, entry_id: int) -> None:
    store.execute("DELETE FROM time_entries WHERE id = ?", (entry_id,))


def overlapping(
    store: Store,
    person_id: int,
    start_at: str,
    end_at: str,
    earliest_start: str,
    exclude_id: int | None = None,
) -> sqlite3.Row | None:
    """The first entry of the person that overlaps [start_at, end_at), if any.

    `earliest_start` is start_at minus the longest entry, which bounds the scan.
    """
    return store.one(
        "SELECT id, start_at, end_at FROM time_entries WHERE person_id = ? "
        "AND start_at >= ? AND start_at < ? AND end_at > ? AND id != ? "
        "ORDER BY start_at LIMIT 1",
        (person_id, earliest_start, end_at, start_at, exclude_id or 0),
    )


def overlapping_later(
    store: Store, handle: str, start_at: str, end_at: str, earliest_start: str
) -> Callable[[], sqlite3.Row | None]:
    """`overlapping` for the person with this handle, sent now (before the person's id
    is known: with the command's first reads on a server)."""
    return store.prefetch_one(
        "SELECT id, start_at, end_at FROM time_entries "
        "WHERE person_id = (SELECT id FROM people WHERE handle = ?) "
        "AND start_at >= ? AND start_at < ? AND end_at > ? ORDER BY start_at LIMIT 1",
        (handle, earliest_start, end_at, start_at),
    )


def issued_invoice_later(
    store: Store, months: tuple[str, ...], *, ticket_id: int | None = None, slug: str = ""
) -> Callable[[], sqlite3.Row | None]:
    """`issued_invoice` for the customer of the ticket (or, without one, of the slug),
    sent now: with the ticket's read on a server, before its customer is known."""
    customer = (
        "(SELECT customer_id FROM tickets WHERE id = ?)"
        if ticket_id is not None
        else "(SELECT id FROM customers WHERE slug = ?)"
    )
    marks = ", ".join("?" for _ in months)
    return store.prefetch_one(
        f"SELECT number, month FROM invoices WHERE customer_id = {customer} "
        f"AND status = 'issued' AND kind = 'invoice' AND month IN ({marks}) "
        "ORDER BY month LIMIT 1",
        (ticket_id if ticket_id is not None else slug, *months),
    )


# The running timer of the person with a handle (the reads below name it, so that
# they need not wait for it).
_TIMER_OF = (
    "(SELECT tm.{col} FROM timers tm JOIN people p ON p.id = tm.person_id WHERE p.handle = ?)"
)


def timer_ticket_later(store: Store, handle: str) -> Callable[[], sqlite3.Row | None]:
    """`with_customer_slug` of the ticket the person's timer runs on (None without one),
    sent now: with the timer's own read on a server."""
    return store.prefetch_one(
        "SELECT t.id, t.customer_id, t.merged_into, c.slug FROM tickets t "
        "LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id = "
        + _TIMER_OF.format(col="ticket_id"),
        (handle,),
    )


def timer_issued_invoice_later(
    store: Store, handle: str, months: tuple[str, ...]
) -> Callable[[], sqlite3.Row | None]:
    """`issued_invoice` for the customer the person's timer would log to (its ticket's
    customer, else its own), for `months`, sent now: with the timer's own read."""
    marks = ", ".join("?" for _ in months)
    return store.prefetch_one(
        "SELECT number, month FROM invoices WHERE customer_id = "
        "(SELECT CASE WHEN tm.ticket_id IS NULL THEN tm.customer_id "
        "ELSE (SELECT t.customer_id FROM tickets t WHERE t.id = tm.ticket_id) END "
        "FROM timers tm JOIN people p ON p.id = tm.person_id WHERE p.handle = ?) "
        f"AND status = 'issued' AND kind = 'invoice' AND month IN ({marks}) "
        "ORDER BY month LIMIT 1",
        (handle, *months),
    )


def entries_between_later(
    store: Store, handle: str, earliest_start: str, latest_start: str, earliest_end: str
) -> Callable[[], list[sqlite3.Row]]:
    """The person's entries that start in [earliest_start, latest_start] and end after
    earliest_end, by start, sent now (the candidates `overlapping` chooses from when the
    entry's own times are not known yet)."""
    return store.prefetch(
        "SELECT id, start_at, end_at FROM time_entries "
        "WHERE person_id = (SELECT id FROM people WHERE handle = ?) "
        "AND start_at >= ? AND start_at <= ? AND end_at > ? ORDER BY start_at, id",
        (handle, earliest_start, latest_start, earliest_end),
    )


def issued_invoice(store: Store, customer_id: int, months: tuple[str, ...]) -> sqlite3.Row | None:
    """An issued invoice of the customer for any of `months`, if there is one."""
    marks = ", ".join("?" for _ in months)
    return store.one(
        f"SELECT number, month FROM invoices WHERE customer_id = ? AND status = 'issued' "
        "AND kind = 'invoice' "
        f"AND month IN ({marks}) ORDER BY month LIMIT 1",
        (customer_id, *months),
    )


def waiting_on_ticket(store: Store, ticket_id: int) -> list[sqlite3.Row]:
    """(customer_id, start_at, minutes) of the ticket's entries whose class follows its
    approval: no stored override, not internal."""
    return store.all(
        "SELECT customer_id, start_at, minutes FROM time_entries WHERE ticket_id = ? "
        "AND class_override IS NULL AND is_internal = 0 ORDER BY start_at",
        (ticket_id,),
    )


def invoice_by_number(store: Store, number: str) -> sqlite3.Row | None:
    return store.one(
        "SELECT id, number, customer_id, month, status, kind FROM invoices WHERE number = ?",
        (number,),
    )


def listing(
    store: Store,
    *,
    start_from: str | None = None,
    start_before: str | None = None,
    customer_id: int | None = None,
    person_id: int | None = None,
    ticket_id: int | None = None,
) -> list[sqlite3.Row]:
    """Entries matching every given filter, in start order."""
    return list(
        listing_rows(
            store,
            start_from=start_from,
            start_before=start_before,
            customer_id=customer_id,
            person_id=person_id,
            ticket_id=ticket_id,
        )
    )


def listing_rows(
    store: Store,
    *,
    start_from: str | None = None,
    start_before: str | None = None,
    customer_id: int | None = None,
    person_id: int | None = None,
    ticket_id: int | None = None,
) -> Iterator[sqlite3.Row]:
    """`listing`, yielded as the rows are read (a whole month for `--json`)."""
    where, params = _where(start_from, start_before, customer_id, person_id, ticket_id)
    cursor = store.execute(_LIST_SELECT + where + " ORDER BY e.start_at, e.id", params)
    try:
        while batch := cursor.fetchmany(500):
            yield from batch
    finally:
        cursor.close()


def _where(
    start_from: str | None,
    start_before: str | None,
    customer_id: int | None,
    person_id: int | None,
    ticket_id: int | None,
) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for sql, value in (
        ("e.start_at >= ?", start_from),
        ("e.start_at < ?", start_before),
        ("e.customer_id = ?", customer_id),
        ("e.person_id = ?", person_id),
        ("e.ticket_id = ?", ticket_id),
    ):
        if value is not None:
            where.append(sql)
            params.append(value)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def unapproved_flag(store: Store) -> str:
    """SQL for "this entry's ticket waits for approval", for `facts` (reusable per command)."""
    unapproved = [int(r[0]) for r in store.tuples(_UNAPPROVED)]
    if not unapproved:
        return "1 = 0"
    if len(unapproved) <= 5000:
        return f"e.ticket_id IN ({','.join(map(str, unapproved))})"
    return f"e.ticket_id IN ({_UNAPPROVED})"


def facts(
    store: Store,
    *,
    start_from: str | None = None,
    start_before: str | None = None,
    customer_id: int | None = None,
    person_id: int | None = None,
    ticket_id: int | None = None,
    flag: str | None = None,
    with_person: bool = False,
) -> list[Any]:
    """What the billing rules need, as plain tuples in start order: (id, minutes, kind,
    is_internal, class_override, unapproved, customer_id, start_at), and the
    person_id last `with_person`.

    Read from the covering index of migration 6. The unapproved tickets (few, from
    their partial index) go into the query as a literal list: SQLite tests a short
    constant list faster than it probes a subquery's table for every row.
    """
    where, params = _where(start_from, start_before, customer_id, person_id, ticket_id)
    if flag is None:
        flag = unapproved_flag(store)
    sql = (
        f"SELECT e.id, e.minutes, e.kind, e.is_internal, e.class_override, {flag}, "
        "e.customer_id, e.start_at"
        + (", e.person_id" if with_person else "")
        + " FROM time_entries e"
        + where
        + " ORDER BY e.start_at, e.id"
    )
    return store.tuples(sql, params)  # plain tuples: a month holds thousands of rows


def by_ids(store: Store, ids: list[int]) -> list[sqlite3.Row]:
    """Full rows for these entries, in start order."""
    rows: list[sqlite3.Row] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows += store.all(_LIST_SELECT + f" WHERE e.id IN ({', '.join('?' for _ in chunk)})", chunk)
    rows.sort(key=lambda r: (r["start_at"], r["id"]))
    return rows


_TIMER_COLUMNS = "tm.ticket_id, tm.customer_id, tm.description, tm.started_at, c.slug AS customer"


def get_timer_later(store: Store, handle: str) -> Callable[[], sqlite3.Row | None]:
    """`get_timer` of the person with this handle, sent now (with the person's read)."""
    return store.prefetch_one(
        f"SELECT tm.person_id, {_TIMER_COLUMNS} FROM timers tm "
        "LEFT JOIN customers c ON c.id = tm.customer_id "
        "WHERE tm.person_id = (SELECT id FROM people WHERE handle = ?)",
        (handle,),
    )


def person_and_timer(store: Store, handle: str) -> sqlite3.Row | None:
    """The person's id (`person_id`) and running timer (its columns NULL when none
    runs) in one read; None when there is no such person."""
    return person_and_timer_later(store, handle)()


def person_and_timer_later(store: Store, handle: str) -> Callable[[], sqlite3.Row | None]:
    """`person_and_timer` when called, sent now (with the next statement on a server)."""
    return store.prefetch_one(
        f"SELECT p.id AS person_id, {_TIMER_COLUMNS} FROM people p "
        "LEFT JOIN timers tm ON tm.person_id = p.id "
        "LEFT JOIN customers c ON c.id = tm.customer_id WHERE p.handle = ?",
        (handle,),
    )


def get_timer(store: Store, person_id: int) -> sqlite3.Row | None:
    return store.one(
        f"SELECT tm.person_id, {_TIMER_COLUMNS} FROM timers tm "
        "LEFT JOIN customers c ON c.id = tm.customer_id WHERE tm.person_id = ?",
        (person_id,),
    )


def insert_timer(
    store: Store,
    person_id: int,
    ticket_id: int | None,
    customer_id: int,
    description: str,
    started_at: str,
) -> None:
    store.execute(
        "INSERT INTO timers (person_id, ticket_id, customer_id, description, started_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (person_id, ticket_id, customer_id, description, started_at),
    )


def delete_timer(store: Store, person_id: int) -> None:
    store.execute("DELETE FROM timers WHERE person_id = ?", (person_id,))


def delete_timer_of(store: Store, handle: str) -> None:
    """`delete_timer` of the person with this handle (nothing waits for the id)."""
    store.execute(
        "DELETE FROM timers WHERE person_id = (SELECT id FROM people WHERE handle = ?)", (handle,)
    )


def latest_start(store: Store) -> str | None:
    """The latest start_at of any entry (stored UTC text), None with no entries."""
    value = store.scalar("SELECT max(start_at) FROM time_entries")
    return None if value is None else str(value)


def _customer_filter(customer_ids: list[int] | None) -> str:
    if customer_ids is None:
        return ""
    return f" AND c.id IN ({','.join(str(int(c)) for c in customer_ids) or 'NULL'})"


def month_sums(
    store: Store,
    start_from: str,
    start_before: str,
    customer_ids: list[int] | None = None,
    flag: str | None = None,
) -> dict[int, tuple[int, int, int, int, int, int]]:
    """Per customer with entries starting in the range: (minutes, internal minutes,
    non-internal messaging minutes, minutes waiting for approval (not internal, no
    override), the messaging part of those, entries). One seek per customer into the
    covering index, summed as it is read: no entry reaches Python. `flag` is SQL for
    "waits for approval" (`WAITING` or `unapproved_flag`'s)."""
    return month_sums_later(store, start_from, start_before, customer_ids, flag)()


def month_sums_later(
    store: Store,
    start_from: str,
    start_before: str,
    customer_ids: list[int] | None = None,
    flag: str | None = None,
) -> Callable[[], dict[int, tuple[int, int, int, int, int, int]]]:
    """`month_sums` when called; a server is sent the read now."""
    if flag is None:
        flag = WAITING
    waiting = f"e.is_internal = 0 AND e.class_override IS NULL AND {flag}"
    sql = (
        "SELECT c.id, sum(e.minutes), "
        "sum(CASE WHEN e.is_internal <> 0 THEN e.minutes ELSE 0 END), "
        "sum(CASE WHEN e.kind = 'messaging' AND e.is_internal = 0 THEN e.minutes ELSE 0 END), "
        f"sum(CASE WHEN {waiting} THEN e.minutes ELSE 0 END), "
        f"sum(CASE WHEN e.kind = 'messaging' AND {waiting} THEN e.minutes ELSE 0 END), "
        "count(*) FROM customers c "
        "CROSS JOIN time_entries e INDEXED BY time_entries_customer_facts ON e.customer_id = c.id "
        "WHERE e.start_at >= ? AND e.start_at < ?"
        + _customer_filter(customer_ids)
        + " GROUP BY c.id"
    )
    rows = store.prefetch(sql, (start_from, start_before))
    return lambda: {
        int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in rows()
    }


def overridden(
    store: Store,
    start_from: str,
    start_before: str,
    customer_ids: list[int] | None = None,
    flag: str | None = None,
) -> list[Any]:
    """Entries starting in the range with a stored class override, as `facts` tuples
    (id, minutes, kind, is_internal, class_override, unapproved, customer_id, start_at):
    few, from their partial index."""
    return overridden_later(store, start_from, start_before, customer_ids, flag)()


def overridden_later(
    store: Store,
    start_from: str,
    start_before: str,
    customer_ids: list[int] | None = None,
    flag: str | None = None,
) -> Callable[[], list[Any]]:
    """`overridden` when called; a server is sent the read now."""
    if flag is None:
        flag = WAITING
    only = _customer_filter(customer_ids).replace("c.id", "e.customer_id")
    sql = (
        f"SELECT e.id, e.minutes, e.kind, e.is_internal, e.class_override, {flag}, "
        "e.customer_id, e.start_at FROM time_entries e INDEXED BY time_entries_overrides "
        f"WHERE e.class_override IS NOT NULL AND e.start_at >= ? AND e.start_at < ?{only}"
    )
    rows = store.prefetch(sql, (start_from, start_before))
    return lambda: [tuple(r) for r in rows()]


def latest(
    store: Store,
    start_from: str,
    start_before: str,
    customer_id: int | None,
    limit: int,
    person_id: int | None = None,
) -> list[sqlite3.Row]:
    """Full rows of the latest `limit` entries starting in the range (of the customer,
    of the person), in start order."""
    return latest_later(store, start_from, start_before, customer_id, limit, person_id)()


def latest_later(
    store: Store,
    start_from: str,
    start_before: str,
    customer_id: int | None,
    limit: int,
    person_id: int | None = None,
) -> Callable[[], list[sqlite3.Row]]:
    """`latest` when called, sent now (with the next statement on a server)."""
    only = ""
    params: list[Any] = [start_from, start_before]
    for column, value in (("customer_id", customer_id), ("person_id", person_id)):
        if value is not None:
            only += f" AND {column} = ?"
            params.append(value)
    return store.prefetch(
        _LIST_SELECT + " WHERE e.id IN (SELECT id FROM time_entries "
        f"WHERE start_at >= ? AND start_at < ?{only} ORDER BY start_at DESC, id DESC LIMIT ?) "
        "ORDER BY e.start_at, e.id",
        [*params, limit],
    )


# The kept per customer-month totals (`month_totals`, see its migration), after the
# key: entries, then minutes per class in `billing_rules.CLASSES` order, then the
# quota (own plus carried-in), the carried-in part, and the minutes using the quota.
TOTALS_COLUMNS = (
    "entries",
    "included",
    "billable",
    "non_billable",
    "needs_approval",
    "quota_included",
    "carried_in",
    "quota_minutes",
)


def cached_totals(
    store: Store, month: str, tz: str, rules: str, customer_ids: list[int]
) -> dict[int, tuple[int, ...]]:
    """Kept totals of these customers for the month, by customer id (missing: not kept)."""
    return cached_totals_later(store, month, tz, rules, customer_ids)()


def cached_totals_later(
    store: Store, month: str, tz: str, rules: str, customer_ids: list[int]
) -> Callable[[], dict[int, tuple[int, ...]]]:
    """`cached_totals` when called; a server is sent the read now."""
    if not customer_ids:
        return dict
    only = (
        ""
        if len(customer_ids) > 100
        else _customer_filter(customer_ids).replace("c.id", "customer_id")
    )
    rows = store.prefetch(
        f"SELECT customer_id, {', '.join(TOTALS_COLUMNS)} FROM month_totals "
        f"WHERE month = ? AND tz = ? AND rules = ?{only}",
        (month, tz, rules),
    )
    wanted = set(customer_ids)
    return lambda: {int(r[0]): tuple(r[1:]) for r in rows() if r[0] in wanted}


def cached_totals_for_months(
    store: Store, months: list[str], tz: str, rules: str, customer_ids: list[int]
) -> dict[tuple[str, int], tuple[int, ...]]:
    """Kept totals for these months and customers, by (month, customer id)."""
    wanted = set(customer_ids)
    found: dict[tuple[str, int], tuple[int, ...]] = {}
    for i in range(0, len(months), 500):
        chunk = months[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        for r in store.tuples(
            f"SELECT month, customer_id, {', '.join(TOTALS_COLUMNS)} FROM month_totals "
            f"WHERE month IN ({marks}) AND tz = ? AND rules = ?",
            (*chunk, tz, rules),
        ):
            if r[1] in wanted:
                found[(str(r[0]), int(r[1]))] = tuple(r[2:])
    return found


def cached_totals_of_month_later(
    store: Store, month: str, tz: str, rules: str
) -> Callable[[list[int]], dict[tuple[str, int], tuple[int, ...]]]:
    """`cached_totals_for_months` of one month, sent now (before the customers are
    known, with their read on a server); called with the customers wanted."""
    rows = store.prefetch(
        f"SELECT month, customer_id, {', '.join(TOTALS_COLUMNS)} FROM month_totals "
        "WHERE month = ? AND tz = ? AND rules = ?",
        (month, tz, rules),
    )

    def found(customer_ids: list[int]) -> dict[tuple[str, int], tuple[int, ...]]:
        wanted = set(customer_ids)
        return {(str(r[0]), int(r[1])): tuple(r[2:]) for r in rows() if int(r[1]) in wanted}

    return found


def start_span(
    store: Store, customer_id: int | None, person_id: int | None = None
) -> tuple[str, str] | None:
    """The first and the last start of any entry (of the customer, or of the person),
    None with none. Two subqueries: SQLite reads a lone min() or max() off the index end."""
    only = "" if customer_id is None else f" WHERE customer_id = {int(customer_id)}"
    if person_id is not None:
        only = f" WHERE person_id = {int(person_id)}"
    row = store.one(
        f"SELECT (SELECT min(start_at) FROM time_entries{only}), "
        f"(SELECT max(start_at) FROM time_entries{only})"
    )
    if row is None or row[0] is None:
        return None
    return str(row[0]), str(row[1])


def keep_totals(
    store: Store, month: str, tz: str, rules: str, rows: dict[int, tuple[Any, ...]]
) -> None:
    """Keep (since, until, *TOTALS_COLUMNS) per customer id for the month."""
    columns = ("customer_id", "month", "tz", "rules", "since", "until", *TOTALS_COLUMNS)
    store.executemany(
        f"INSERT INTO month_totals ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT (customer_id, month, tz) "
        # a replaced row's per-person totals are no longer its own (as INSERT OR REPLACE,
        # which wrote a fresh row with by_person = 0)
        f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns[3:])}, by_person = 0",
        [(cid, month, tz, rules, *row) for cid, row in rows.items()],
    )


# Per person totals of a customer-month (`person_month_totals`, see its migration):
# entries, then minutes per class in `billing_rules.CLASSES` order.
PERSON_TOTALS_COLUMNS = ("entries", "included", "billable", "non_billable", "needs_approval")


def months_with_people(
    store: Store, first: str, last: str, tz: str, rules: str
) -> set[tuple[str, int]]:
    """(month, customer id) of the customer-months in [first, last] whose per-person
    totals are kept."""
    rows = store.tuples(
        "SELECT month, customer_id FROM month_totals WHERE month >= ? AND month <= ? "
        "AND tz = ? AND rules = ? AND by_person = 1",
        (first, last, tz, rules),
    )
    return {(str(r[0]), int(r[1])) for r in rows}


def keep_person_totals(
    store: Store,
    month: str,
    customer_id: int,
    tz: str,
    rules: str,
    rows: dict[int, tuple[int, ...]],
) -> None:
    """Replace the customer-month's per-person totals (PERSON_TOTALS_COLUMNS by person
    id) and mark them kept, if its month totals are still the ones of `rules`."""
    store.execute(
        "DELETE FROM person_month_totals WHERE customer_id = ? AND month = ? AND tz = ?",
        (customer_id, month, tz),
    )
    columns = ("person_id", "tz", "month", "customer_id", *PERSON_TOTALS_COLUMNS)
    store.executemany(
        f"INSERT INTO person_month_totals ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})",
        [(pid, tz, month, customer_id, *row) for pid, row in rows.items()],
    )
    store.execute(
        "UPDATE month_totals SET by_person = 1 WHERE customer_id = ? AND month = ? AND tz = ? "
        "AND rules = ?",
        (customer_id, month, tz, rules),
    )


def person_totals(
    store: Store, person_id: int, first: str, last: str, tz: str, rules: str
) -> dict[tuple[str, int], tuple[int, ...]]:
    """The person's kept totals (PERSON_TOTALS_COLUMNS) by (month, customer id), for
    the months in [first, last] whose per-person totals are kept."""
    rows = store.tuples(
        f"SELECT p.month, p.customer_id, {', '.join('p.' + c for c in PERSON_TOTALS_COLUMNS)} "
        "FROM person_month_totals p JOIN month_totals m ON m.customer_id = p.customer_id "
        "AND m.month = p.month AND m.tz = p.tz "
        "WHERE p.person_id = ? AND p.tz = ? AND p.month >= ? AND p.month <= ? "
        "AND m.rules = ? AND m.by_person = 1",
        (person_id, tz, first, last, rules),
    )
    return {(str(r[0]), int(r[1])): tuple(r[2:]) for r in rows}
