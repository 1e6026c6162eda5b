"""Tickets: rows, status, flags; the queries behind inbox and ticket show."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from supportctl.domain.queue import queue_order_sql
from supportctl.store.db import Row, Store

_TICKET_COLUMNS = (
    "customer_id",
    "requester",
    "subject",
    "kind",
    "urgency",
    "status",
    "owner_id",
    "classification",
    "is_triage",
    "needs_approval",
    "approval_message_id",
    "approval_override",
    "level",
    "hours",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "due_response_at",
    "due_resolution_at",
    "waiting_since",
    "paused_minutes",
    "merged_into",
    "bounced_at",
)


def insert(store: Store, values: dict[str, Any]) -> int:
    cols = [c for c in _TICKET_COLUMNS if c in values]
    new_id = store.insert(
        f"INSERT INTO tickets ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [values[c] for c in cols],
    )
    return new_id


def take_ids_ahead(store: Store, count: int) -> None:
    """Ids for the next `count` tickets created, asked for at once (see `Store.take_ids_ahead`).
    Only as many as will surely be used: ticket numbers are seen, and a gap would show."""
    store.take_ids_ahead("tickets", count)


def update_checked(
    store: Store,
    ticket_id: int,
    values: dict[str, Any],
    *,
    version: int,
    stale: Callable[[], BaseException],
) -> None:
    """Change columns if the row still has `version`; else `stale()` is raised and the
    transaction undone (see `Store.update_one`)."""
    cols = [c for c in _TICKET_COLUMNS if c in values]
    if not cols:
        return
    store.update_one(
        f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in cols)}, version = version + 1 "
        "WHERE id = ? AND version = ?",
        [values[c] for c in cols] + [ticket_id, version],
        stale,
    )


def update(
    store: Store, ticket_id: int, values: dict[str, Any], *, version: int | None = None
) -> bool:
    """Change columns; with `version`, only if the row still has it (an optimistic
    edit: False when someone changed the ticket since it was read)."""
    cols = [c for c in _TICKET_COLUMNS if c in values]
    if not cols:
        return True
    check = "" if version is None else " AND version = ?"
    cur = store.execute(
        f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in cols)}, version = version + 1 "
        f"WHERE id = ?{check}",
        [values[c] for c in cols] + [ticket_id] + ([] if version is None else [version]),
    )
    return version is None or cur.rowcount == 1


def last_change(store: Store, ticket_id: int) -> Row | None:
    """The newest history event of a ticket (what changed it last, and who)."""
    return store.one(
        "SELECT kind, actor, data FROM events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1",
        (ticket_id,),
    )


def get(store: Store, ticket_id: int) -> sqlite3.Row | None:
    return store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))


# How much of a stored message's raw bytes is read for its header block (Reply-To):
# the whole message when the headers go on beyond it.
HEAD_BYTES = 16384


# The ticket of the earliest message bearing a Message-ID, as a key for other reads.
_TICKET_OF = (
    "(SELECT ticket_id FROM messages WHERE message_id = ? AND ticket_id IS NOT NULL "
    "ORDER BY id LIMIT 1)"
)
# A ticket's first incoming message: a human one not of ours first (the one
# services.requester takes), else any incoming one; oldest first.
_FIRST_INCOMING = (
    "SELECT * FROM (SELECT ticket_id, id, from_addr, raw_codec, substr(raw, 1, ?) AS head "
    "FROM messages WHERE ticket_id = {ticket} AND direction = 'in' ORDER BY CASE WHEN "
    "classification = 'human' AND is_own = 0 THEN 0 ELSE 1 END, arrived_at, id LIMIT 1) AS {name}"
)


class ThreadLookup:
    """What threading one message reads, in one round trip on a server when its tag or
    its first reference (In-Reply-To) decides: the tickets of the known Message-IDs
    among its references (with where each was merged); the rows of the ticket the tag
    names and of the first reference's; and, sent along and read when asked for, their
    first incoming messages (whose sender is the requester). Any other ticket costs a
    round trip more. Every query is a look-up by key, whatever the planner believes
    about table sizes (a join or an OR over a subquery got a sequential scan of a
    growing table)."""

    def __init__(self, store: Store, tag: int | None, message_ids: Sequence[str]) -> None:
        self._store = store
        self._rows: dict[int, Row | None] = {}
        self._firsts: dict[int, Row] = {}
        self._pending: list[Callable[[], list[Row]]] = []  # first-incoming reads on their way
        self._asked: set[int] = set()  # tickets whose first incoming message was asked for
        self.known: dict[str, int] = {}  # Message-ID -> ticket of the earliest message
        self.merged: dict[int, int | None] = {}  # those tickets -> merged into
        if tag is None and not message_ids:
            return
        keys: list[tuple[str, Any]] = []  # (SQL naming a ticket id, its parameter)
        if tag is not None:
            keys.append(("?", tag))
        if message_ids:
            keys.append((_TICKET_OF, message_ids[0]))
        self._pending.append(
            store.prefetch(
                " UNION ALL ".join(
                    _FIRST_INCOMING.format(ticket=sql, name=f"f{n}")
                    for n, (sql, _param) in enumerate(keys)
                ),
                [v for _sql, param in keys for v in (HEAD_BYTES, param)],
            )
        )
        queries: list[tuple[str, Sequence[Any]]] = [
            (
                " UNION ALL ".join(f"SELECT * FROM tickets WHERE id = {sql}" for sql, _p in keys),
                [param for _sql, param in keys],
            )
        ]
        if message_ids:
            marks = ", ".join("?" for _ in message_ids)
            queries.append(
                (
                    "SELECT message_id, ticket_id, (SELECT merged_into FROM tickets t "
                    "WHERE t.id = m.ticket_id) AS merged_into FROM messages m "
                    f"WHERE message_id IN ({marks}) AND ticket_id IS NOT NULL ORDER BY id DESC",
                    list(message_ids),
                )
            )
        found = store.many(queries)
        for r in found[0]:
            self._rows[int(r["id"])] = r
        if tag is not None:
            self._rows.setdefault(tag, None)
            self._asked.add(tag)
        if message_ids:
            for r in found[1]:
                self.known[str(r["message_id"])] = int(r["ticket_id"])
                merged = r["merged_into"]
                self.merged[int(r["ticket_id"])] = None if merged is None else int(merged)
            lead = self.known.get(message_ids[0])
            if lead is not None:
                self._asked.add(lead)

    def ticket(self, ticket_id: int) -> Row | None:
        """The ticket's row (None: there is none). One not read ahead is read now, and
        its first incoming message is sent for along with it."""
        if ticket_id not in self._rows:
            self._ask(ticket_id)
            self._rows[ticket_id] = get(self._store, ticket_id)
        return self._rows[ticket_id]

    def first_incoming(self, ticket_id: int) -> Row | None:
        """The ticket's first incoming message (ticket_id, id, from_addr, raw_codec, head:
        the first HEAD_BYTES of its raw bytes); None when it has none."""
        self._ask(ticket_id)
        pending, self._pending = self._pending, []
        for later in pending:
            for r in later():
                self._firsts[int(r["ticket_id"])] = r
        return self._firsts.get(ticket_id)

    def _ask(self, ticket_id: int) -> None:
        if ticket_id not in self._asked:
            self._asked.add(ticket_id)
            self._pending.append(
                self._store.prefetch(
                    _FIRST_INCOMING.format(ticket="?", name="f"), (HEAD_BYTES, ticket_id)
                )
            )


def resolve_ids(store: Store, ticket_ids: Iterable[int]) -> dict[int, int]:
    """`resolve_id` for many tickets, one query per level of merging (usually one):
    each id that names a ticket -> the ticket it resolves to."""
    resolved: dict[int, int] = {}
    chase = {t: t for t in set(ticket_ids)}  # asked id -> where its merges lead so far
    seen: dict[int, set[int]] = {t: set() for t in chase}
    while chase:
        targets = sorted(set(chase.values()))
        marks = ", ".join("?" for _ in targets)
        rows = {
            int(r[0]): r[1]
            for r in store.tuples(
                f"SELECT id, merged_into FROM tickets WHERE id IN ({marks})", targets
            )
        }
        following: dict[int, int] = {}
        for asked, current in chase.items():
            if current not in rows:
                continue  # no such ticket
            seen[asked].add(current)
            merged = rows[current]
            if merged is None or int(merged) in seen[asked]:
                resolved[asked] = current if merged is None else int(merged)
            else:
                following[asked] = int(merged)
        chase = following
    return resolved


def resolve_id(store: Store, ticket_id: int) -> int | None:
    """Follow merges: a merged ticket's id resolves to the ticket it was merged into."""
    seen = set()
    current: int | None = ticket_id
    while current is not None and current not in seen:
        seen.add(current)
        row = store.one("SELECT id, merged_into FROM tickets WHERE id = ?", (current,))
        if row is None:
            return None
        if row["merged_into"] is None:
            return int(row["id"])
        current = int(row["merged_into"])
    return current


# -- queue, lifecycle and history queries (duty/SLA rules) ---------------------------

# The `needs-approval` flag is derived, never copied: the request needed approval
# (`needs_approval`, decided when it arrived) and no approval is recorded (an
# authenticated message or an override). Approving clears it everywhere at once; the
# billable classes of time entries read the same condition (store.time_entries).
AWAITS_APPROVAL = (
    "(t.needs_approval = 1 AND t.approval_message_id IS NULL AND t.approval_override IS NULL)"
)


def awaits_approval(row: sqlite3.Row | dict[str, Any]) -> bool:
    """The derived flag for a full tickets row (see AWAITS_APPROVAL)."""
    return bool(
        row["needs_approval"]
        and row["approval_message_id"] is None
        and row["approval_override"] is None
    )


OPEN_STATUSES = ("new", "open", "waiting")
# Must match the expressions of the partial index `tickets_queue` exactly, so that the
# inbox reads its first rows in order from the index instead of sorting every ticket.
QUEUE_ORDER = queue_order_sql("t")
_QUEUE_SELECT = (
    "SELECT t.id, t.subject, t.created_at, t.updated_at, t.status, t.urgency, t.kind, t.level, "
    "t.hours, t.is_triage, "
    + AWAITS_APPROVAL
    + " AS needs_approval, t.classification, t.requester, t.owner_id, "
    "t.first_response_at, t.due_response_at, t.due_resolution_at, t.waiting_since, "
    "t.resolved_at, t.closed_at, t.customer_id, t.bounced_at, c.slug AS customer, "
    "p.handle AS owner, "
    "(SELECT count(*) FROM delegations d WHERE d.ticket_id = t.id AND d.status = 'open') AS delegated, "
    "EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = t.id AND e.kind = 'mail.foreign_sender') "
    "AS foreign_sender, "
    "(SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) AS message_count "
    "FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id "
    "LEFT JOIN people p ON p.id = t.owner_id"
)

# The queue rows `queue_batches` streams (`inbox --json`, possibly every ticket).
_STREAM_SELECT = (
    "SELECT t.id, t.subject, t.created_at, t.updated_at, t.status, t.urgency, t.kind, t.level, "
    "t.hours, t.is_triage, "
    + AWAITS_APPROVAL
    + " AS needs_approval, t.classification, t.requester, "
    + ", ".join(
        f"CASE WHEN t.status = 'closed' THEN NULL ELSE t.{column} END AS {column}"
        for column in ("first_response_at", "due_response_at", "due_resolution_at", "waiting_since")
    )
    + ", t.bounced_at IS NOT NULL AS bounced_at, c.slug AS customer, p.handle AS owner, "
    "(SELECT count(*) FROM delegations d WHERE d.ticket_id = t.id AND d.status = 'open') AS delegated, "
    "EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = t.id AND e.kind = 'mail.foreign_sender') "
    "AS foreign_sender, "
    "(SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) AS message_count "
    "FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id "
    "LEFT JOIN people p ON p.id = t.owner_id"
)


def _queue_where(
    *, include_closed: bool, human_only: bool, owner_id: int | None, customer_id: int | None
) -> tuple[str, list[Any]]:
    # A merged ticket is always closed (merge closes it, and its number resolves to the
    # target for every later change), so open-only queries need not test merged_into
    # and can be answered from the tickets_queue index alone.
    clauses = (
        ["t.status IN ('new', 'open', 'waiting')"]
        if not include_closed
        else ["t.merged_into IS NULL"]
    )
    params: list[Any] = []
    if human_only:
        clauses.append("t.classification = 'human'")
    if owner_id is not None:
        clauses.append("t.owner_id = ?")
        params.append(owner_id)
    if customer_id is not None:
        clauses.append("t.customer_id = ?")
        params.append(customer_id)
    return " WHERE " + " AND ".join(clauses), params


def queue(
    store: Store,
    *,
    include_closed: bool = False,
    human_only: bool = False,
    owner_id: int | None = None,
    customer_id: int | None = None,
    limit: int | None = None,
) -> list[sqlite3.Row]:
    """Tickets in queue order: urgent, then premium, standard, light, then oldest first,
    each with its number of messages (`message_count`)."""
    where, params = _queue_where(
        include_closed=include_closed,
        human_only=human_only,
        owner_id=owner_id,
        customer_id=customer_id,
    )
    # Without statistics the planner prefers tickets_status and sorts every open ticket
    # (or every ticket for --all); the partial indexes yield them already in queue order.
    index = "tickets_queue_all" if include_closed else "tickets_queue"
    select = _QUEUE_SELECT.replace("FROM tickets t ", f"FROM tickets t INDEXED BY {index} ", 1)
    sql = f"{select}{where} ORDER BY {QUEUE_ORDER}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.all(sql, params)


def queue_batches(
    store: Store,
    *,
    include_closed: bool = False,
    human_only: bool = False,
    owner_id: int | None = None,
    customer_id: int | None = None,
    size: int = 1000,
) -> Iterator[list[sqlite3.Row]]:
    """Every ticket of `queue`, in queue order, `size` rows at a time as they are read,
    each with its number of messages (`message_count`, from the messages index).

    The rows carry what a queue row shows and its clock needs, no more: every column
    of 100,000 rows is a Python object to make. A closed ticket has no clock, so its
    clock times come back NULL; `bounced_at` is only whether there is one."""
    where, params = _queue_where(
        include_closed=include_closed,
        human_only=human_only,
        owner_id=owner_id,
        customer_id=customer_id,
    )
    # Both partial indexes hold their tickets in queue order (no sort of the history).
    index = "tickets_queue_all" if include_closed else "tickets_queue"
    select = _STREAM_SELECT.replace("FROM tickets t ", f"FROM tickets t INDEXED BY {index} ", 1)
    cursor = store.execute(f"{select}{where} ORDER BY {QUEUE_ORDER}", params)
    try:
        while batch := cursor.fetchmany(size):
            yield batch
    finally:
        cursor.close()


def queue_count(
    store: Store,
    *,
    include_closed: bool = False,
    human_only: bool = False,
    owner_id: int | None = None,
    customer_id: int | None = None,
) -> int:
    where, params = _queue_where(
        include_closed=include_closed,
        human_only=human_only,
        owner_id=owner_id,
        customer_id=customer_id,
    )
    hint = "" if include_closed else " INDEXED BY tickets_queue"
    return int(store.scalar(f"SELECT count(*) FROM tickets t{hint}{where}", params))


def queue_row(store: Store, ticket_id: int) -> sqlite3.Row | None:
    """One ticket with the queue's joined columns (customer slug, owner handle)."""
    return store.one(f"{_QUEUE_SELECT} WHERE t.id = ?", (ticket_id,))


def owner_handle_of_ticket_later(store: Store, ticket_id: int) -> Callable[[], str | None]:
    """`owner_handle` of the ticket's owner when called, sent now (before the ticket's
    row, with its read on a server)."""
    rows = store.prefetch(
        "SELECT p.handle FROM tickets t JOIN people p ON p.id = t.owner_id WHERE t.id = ?",
        (ticket_id,),
    )
    return lambda: str(found[0][0]) if (found := rows()) else None


def owner_handle(store: Store, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    value = store.scalar("SELECT handle FROM people WHERE id = ?", (person_id,))
    return None if value is None else str(value)


# True when no ticket was resolved at or before the cutoff (`resolved_before` is empty).
NONE_RESOLVED_BEFORE = (
    "SELECT NOT EXISTS (SELECT 1 FROM tickets WHERE status = 'resolved' AND resolved_at <= ?)"
)


def resolved_before(store: Store, cutoff: str) -> list[sqlite3.Row]:
    """Resolved tickets resolved at or before `cutoff` (the auto-close candidates)."""
    return store.all(
        "SELECT id, resolved_at FROM tickets WHERE status = 'resolved' AND resolved_at <= ?",
        (cutoff,),
    )


def move_messages(store: Store, source_id: int, target_id: int) -> int:
    return store.execute(
        "UPDATE messages SET ticket_id = ? WHERE ticket_id = ?", (target_id, source_id)
    ).rowcount


def merged_from(store: Store, ticket_id: int) -> list[int]:
    """Ids of the tickets merged into `ticket_id`, directly or through a chain."""
    rows = store.all(
        "WITH RECURSIVE m(id) AS (SELECT id FROM tickets WHERE merged_into = ? "
        "UNION SELECT t.id FROM tickets t JOIN m ON t.merged_into = m.id) SELECT id FROM m",
        (ticket_id,),
    )
    return [int(r[0]) for r in rows]


def exists(store: Store, ticket_id: int) -> bool:
    return store.scalar("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)) is not None


def merged_directly_into(store: Store, ticket_id: int) -> list[int]:
    """Ids of the tickets merged straight into `ticket_id` (one level of a chain)."""
    return [
        int(r["id"])
        for r in store.all("SELECT id FROM tickets WHERE merged_into = ?", (ticket_id,))
    ]


def with_customer_slug(store: Store, ticket_id: int) -> sqlite3.Row | None:
    """id, customer_id, merged_into and the customer's slug (None without a customer)."""
    return with_customer_slug_later(store, ticket_id)()


def with_customer_slug_later(store: Store, ticket_id: int) -> Callable[[], sqlite3.Row | None]:
    """`with_customer_slug` when called, sent now (with the next statement on a server)."""
    return store.prefetch_one(
        "SELECT t.id, t.customer_id, t.merged_into, c.slug FROM tickets t "
        "LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id = ?",
        (ticket_id,),
    )


def open_human(store: Store) -> list[sqlite3.Row]:
    """id, created_at, subject and urgency of open, unmerged tickets people wrote, by id."""
    return store.all(
        "SELECT id, created_at, subject, urgency FROM tickets WHERE status NOT IN"
        " ('resolved', 'closed') AND merged_into IS NULL AND classification = 'human' ORDER BY id"
    )


def foreign_senders(store: Store, ticket_id: int) -> list[str]:
    """Strangers whose mail joined the ticket (`mail.foreign_sender` events), first first."""
    return foreign_senders_later(store, ticket_id)()


def foreign_senders_later(store: Store, ticket_id: int) -> Callable[[], list[str]]:
    """`foreign_senders` when called, sent now (with the next statement on a server)."""
    import json

    rows = store.prefetch(
        "SELECT data FROM events WHERE ticket_id = ? AND kind = 'mail.foreign_sender' ORDER BY id",
        (ticket_id,),
    )

    def senders() -> list[str]:
        seen: list[str] = []
        for r in rows():
            who = str(json.loads(r["data"]).get("from", ""))
            if who and who not in seen:
                seen.append(who)
        return seen

    return senders


def open_with_owner(store: Store) -> list[sqlite3.Row]:
    """(id, subject, owner handle) of every open ticket that has an owner, by id."""
    return store.all(
        "SELECT t.id, t.subject, p.handle AS owner FROM tickets t "
        "JOIN people p ON p.id = t.owner_id "
        "WHERE t.status IN ('new', 'open', 'waiting') AND t.merged_into IS NULL ORDER BY t.id"
    )


def foreign_message_ids(store: Store, ticket_id: int) -> set[int]:
    """Message rows of the ticket flagged `mail.foreign_sender`."""
    import json

    found: set[int] = set()
    for r in store.all(
        "SELECT data FROM events WHERE ticket_id = ? AND kind = 'mail.foreign_sender'",
        (ticket_id,),
    ):
        message = json.loads(r["data"]).get("message")
        if isinstance(message, int):
            found.add(message)
    return found
