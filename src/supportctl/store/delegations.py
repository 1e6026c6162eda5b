"""Delegated tasks and Monday reviews.

The review reads only open tasks, through `delegations_open (status, to_person_id,
created_at)`; what it needs per task from other tables (minutes logged since the
delegation, last mail, last note) comes from correlated subqueries that each hit a
per-ticket index, so a team with 50,000 finished tasks pays only for the open ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from supportctl.domain.delegation import Workload
from supportctl.domain.queue import level_rank_sql, urgency_rank_sql
from supportctl.domain.timeutil import from_utc_text
from supportctl.store.db import Store

_OPEN_SQL = """
SELECT d.id, d.ticket_id, d.task, d.skill, d.estimate_minutes, d.reason, d.created_at,
       d.to_person_id, d.by_person_id, d.version,
       tp.handle AS to_handle, bp.handle AS by_handle,
       t.subject, t.urgency, t.status AS ticket_status, t.level AS ticket_level,
       t.hours AS ticket_hours, t.waiting_since,
       t.due_response_at, t.due_resolution_at, t.first_response_at,
       c.slug AS customer, c.level AS customer_level, c.raise_level, c.raise_until,
       (SELECT COALESCE(SUM(te.minutes), 0) FROM time_entries te
         WHERE te.ticket_id = d.ticket_id AND te.start_at >= d.created_at) AS minutes_logged,
       (SELECT MAX(te.end_at) FROM time_entries te
         WHERE te.ticket_id = d.ticket_id AND te.start_at >= d.created_at) AS last_time_at,
       (SELECT MAX(m.arrived_at) FROM messages m
         WHERE m.ticket_id = d.ticket_id AND m.arrived_at >= d.created_at) AS last_mail_at,
       (SELECT MAX(e.at) FROM events e
         WHERE e.ticket_id = d.ticket_id AND e.kind = 'ticket.note'
           AND e.at >= d.created_at) AS last_note_at
FROM delegations d
JOIN tickets t ON t.id = d.ticket_id
JOIN people tp ON tp.id = d.to_person_id
LEFT JOIN people bp ON bp.id = d.by_person_id
LEFT JOIN customers c ON c.id = t.customer_id
WHERE d.status = 'open'
"""

_ONE_SQL = """
SELECT d.*, tp.handle AS to_handle, bp.handle AS by_handle
FROM delegations d
JOIN people tp ON tp.id = d.to_person_id
LEFT JOIN people bp ON bp.id = d.by_person_id
WHERE d.id = ?
"""


def insert(
    store: Store,
    *,
    ticket_id: int,
    task: str,
    skill: str | None,
    to_person_id: int,
    by_person_id: int | None,
    estimate_minutes: int | None,
    reason: str,
    created_at: str,
) -> int:
    new_id = store.insert(
        "INSERT INTO delegations (ticket_id, task, skill, to_person_id, by_person_id,"
        " estimate_minutes, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (ticket_id, task, skill, to_person_id, by_person_id, estimate_minutes, reason, created_at),
    )
    return new_id


def get(store: Store, task_id: int) -> sqlite3.Row | None:
    return store.one(_ONE_SQL, (task_id,))


def get_later(store: Store, task_id: int) -> Callable[[], sqlite3.Row | None]:
    """`get` when called, sent now (with the next statement on a server)."""
    return store.prefetch_one(_ONE_SQL, (task_id,))


def mark_done_checked(
    store: Store, task_id: int, *, version: int, done_at: str, stale: Callable[[], BaseException]
) -> None:
    """`mark_done`, raising `stale()` (and undoing the transaction) if it changes nothing."""
    store.update_one(
        "UPDATE delegations SET status = 'done', done_at = ?, version = version + 1"
        " WHERE id = ? AND version = ? AND status = 'open'",
        (done_at, task_id, version),
        stale,
    )


def mark_done(store: Store, task_id: int, *, version: int, done_at: str) -> bool:
    """Close an open task if nobody changed it meanwhile (optimistic concurrency)."""
    cur = store.execute(
        "UPDATE delegations SET status = 'done', done_at = ?, version = version + 1"
        " WHERE id = ? AND version = ? AND status = 'open'",
        (done_at, task_id, version),
    )
    return cur.rowcount == 1


def reassign(store: Store, task_id: int, *, version: int, to_person_id: int, reason: str) -> bool:
    cur = store.execute(
        "UPDATE delegations SET to_person_id = ?, reason = ?, version = version + 1"
        " WHERE id = ? AND version = ? AND status = 'open'",
        (to_person_id, reason, task_id, version),
    )
    return cur.rowcount == 1


def workloads(store: Store, person_ids: Iterable[int]) -> dict[int, Workload]:
    """Open delegated work and the last delegation time of each person."""
    result: dict[int, Workload] = {}
    for person_id in person_ids:
        row = store.one(
            "SELECT COUNT(*) AS n, COALESCE(SUM(estimate_minutes), 0) AS minutes,"
            " SUM(CASE WHEN estimate_minutes IS NULL THEN 1 ELSE 0 END) AS vague, MAX(created_at) AS last_open"
            " FROM delegations WHERE status = 'open' AND to_person_id = ?",
            (person_id,),
        )
        last_done = store.scalar(
            "SELECT MAX(created_at) FROM delegations WHERE status = 'done' AND to_person_id = ?",
            (person_id,),
        )
        last_texts = [t for t in ((row["last_open"] if row else None), last_done) if t]
        result[person_id] = Workload(
            open_tasks=int(row["n"]) if row else 0,
            estimated_minutes=int(row["minutes"]) if row else 0,
            unestimated_tasks=int(row["vague"] or 0) if row else 0,
            last_delegated_at=from_utc_text(max(last_texts)) if last_texts else None,
        )
    return result


def open_rows(
    store: Store, *, to_person_id: int | None = None, ids: list[int] | None = None
) -> list[sqlite3.Row]:
    """Open tasks with what the review shows about them: all, one person's, or `ids`."""
    sql, params = _OPEN_SQL, []
    if to_person_id is not None:
        sql += " AND d.to_person_id = ?"
        params.append(to_person_id)
    if ids is not None:
        if not ids:
            return []
        sql += f" AND d.id IN ({', '.join('?' for _ in ids)})"
        params.extend(ids)
    return store.all(sql, params)


# The person with a handle, for reads sent before their id is known.
_BY_HANDLE = "(SELECT id FROM people WHERE handle = :handle)"


def open_rows_if_needed(
    store: Store, *, limit: int, handle: str | None = None
) -> Callable[[], list[sqlite3.Row]]:
    """At most `limit` of `open_rows` (all of a short queue), everybody's or the
    person's with `handle`, sent with the review's summary before it tells whether
    they are all (see `Store.read_if_needed`)."""
    sql = _OPEN_SQL + (f" AND d.to_person_id = {_BY_HANDLE}" if handle is not None else "")
    return store.read_if_needed(sql + " LIMIT :limit", {"handle": handle, "limit": limit})


def team_heads_if_needed(store: Store) -> Callable[[], list[sqlite3.Row]]:
    """`open_rows` of the oldest open task of each person (the head of each FIFO: the
    team review of a long queue), sent with the review's summary."""
    return store.read_if_needed(
        _OPEN_SQL + " AND d.id IN (SELECT (SELECT h.id FROM delegations h WHERE h.status = 'open'"
        " AND h.to_person_id = s.pid ORDER BY h.created_at, h.id LIMIT 1)"
        " FROM (SELECT DISTINCT to_person_id AS pid FROM delegations"
        " WHERE status = 'open') AS s)"
    )


def queue_head_rows_if_needed(
    store: Store, *, handle: str, today: str, per_person: int
) -> Callable[[], list[sqlite3.Row]]:
    """`open_rows` of the first `per_person` tasks of one person's queue in queue order
    (`queue_heads`; a long personal queue), sent with the review's summary."""
    where = f"d.status = 'open' AND d.to_person_id = {_BY_HANDLE}"
    return store.read_if_needed(
        f"{_OPEN_SQL} AND d.id IN ({_queue_heads_sql(where)})",
        {"handle": handle, "today": today, "k": per_person},
    )


def _rank(expr: str) -> str:
    return f"({level_rank_sql(expr)})"


# The service level a task is queued by: the stricter of the ticket's and the customer's
# level in force today (a temporary raise included). Portable CASE, no MIN()/LEAST().
_CUSTOMER_LEVEL = (
    "(CASE WHEN c.raise_level IS NOT NULL AND c.raise_until >= :today"
    " THEN c.raise_level ELSE c.level END)"
)
_LEVEL_RANK = (
    f"(CASE WHEN c.id IS NOT NULL AND {_rank(_CUSTOMER_LEVEL)} < {_rank('t.level')}"
    f" THEN {_rank(_CUSTOMER_LEVEL)} ELSE {_rank('t.level')} END)"
)


def queue_heads(
    store: Store, *, today: str, per_person: int, to_person_id: int | None = None
) -> list[int]:
    """Ids of each person's first `per_person` open tasks in queue order.

    Queue order is urgent first, then premium, standard, light, then oldest first; a
    window per person keeps the work proportional to the open tasks only.
    """
    where = "d.status = 'open'" + (" AND d.to_person_id = :person" if to_person_id else "")
    params: dict[str, Any] = {"today": today, "k": per_person, "person": to_person_id}
    return [int(r[0]) for r in store.all(_queue_heads_sql(where), params)]


def _queue_heads_sql(where: str) -> str:
    """Ids of each person's first :k open tasks in queue order (a window per person),
    among the tasks `where` chooses (`d`, with `t` its ticket and `c` its customer)."""
    return (
        "SELECT id FROM (SELECT d.id, ROW_NUMBER() OVER (PARTITION BY d.to_person_id ORDER BY"
        f" {urgency_rank_sql('t.urgency')}, {_LEVEL_RANK}, d.created_at, d.id) AS n"
        " FROM delegations d JOIN tickets t ON t.id = d.ticket_id"
        f" LEFT JOIN customers c ON c.id = t.customer_id WHERE {where}) AS q WHERE n <= :k"
    )


def open_summary(store: Store, *, to_person_id: int | None = None) -> list[sqlite3.Row]:
    """Per person: open tasks, estimated minutes, and the oldest open task (its id too).

    Everything comes from the open-task index `(status, to_person_id, created_at)`:
    the oldest task is one index seek per person.
    """
    return open_summary_later(store, to_person_id=to_person_id)()


def open_summary_later(
    store: Store, *, to_person_id: int | None = None, handle: str | None = None
) -> Callable[[], list[sqlite3.Row]]:
    """`open_summary` when called (one person's by id or `handle`), sent now (with the
    next statement on a server)."""
    where = "d.status = 'open'"
    params: tuple[Any, ...] = ()
    if to_person_id:
        where, params = where + " AND d.to_person_id = ?", (to_person_id,)
    elif handle is not None:
        where += " AND d.to_person_id = (SELECT id FROM people WHERE handle = ?)"
        params = (handle,)
    return store.prefetch(
        "SELECT p.handle, s.n, s.minutes, s.oldest,"
        " (SELECT h.id FROM delegations h WHERE h.status = 'open' AND h.to_person_id = s.pid"
        "  ORDER BY h.created_at, h.id LIMIT 1) AS head_id"
        " FROM (SELECT d.to_person_id AS pid, COUNT(*) AS n,"
        " COALESCE(SUM(d.estimate_minutes), 0) AS minutes, MIN(d.created_at) AS oldest"
        f" FROM delegations d WHERE {where} GROUP BY d.to_person_id) AS s"
        " JOIN people p ON p.id = s.pid ORDER BY p.handle",
        params,
    )


def open_ids(store: Store) -> list[int]:
    return [int(r[0]) for r in store.all("SELECT id FROM delegations WHERE status = 'open'")]


def open_counts(store: Store, ticket_ids: Iterable[int]) -> dict[int, int]:
    """Open task count per ticket, for the tickets given (absent = no open tasks)."""
    ids = sorted({int(i) for i in ticket_ids})
    counts: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in store.all(
            f"SELECT ticket_id, COUNT(*) FROM delegations WHERE ticket_id IN ({marks})"
            " AND status = 'open' GROUP BY ticket_id",
            chunk,
        ):
            counts[int(row[0])] = int(row[1])
    return counts


def move_to_ticket(store: Store, source_id: int, target_id: int) -> int:
    """Every task of one ticket now belongs to another (a merge); how many moved."""
    cur = store.execute(
        "UPDATE delegations SET ticket_id = ?, version = version + 1 WHERE ticket_id = ?",
        (target_id, source_id),
    )
    return int(cur.rowcount)


def for_ticket(store: Store, ticket_id: int) -> list[sqlite3.Row]:
    return store.all(
        "SELECT d.*, tp.handle AS to_handle, bp.handle AS by_handle FROM delegations d"
        " JOIN people tp ON tp.id = d.to_person_id LEFT JOIN people bp ON bp.id = d.by_person_id"
        " WHERE d.ticket_id = ? ORDER BY d.id",
        (ticket_id,),
    )


def max_id(store: Store) -> int:
    return int(store.scalar("SELECT COALESCE(MAX(id), 0) FROM delegations") or 0)


def created_after_id(store: Store, last_id: int) -> list[sqlite3.Row]:
    return store.all(
        "SELECT d.*, tp.handle AS to_handle, bp.handle AS by_handle FROM delegations d"
        " JOIN people tp ON tp.id = d.to_person_id LEFT JOIN people bp ON bp.id = d.by_person_id"
        " WHERE d.id > ? ORDER BY d.id",
        (last_id,),
    )


def done_since(store: Store, at: str) -> list[sqlite3.Row]:
    return store.all(
        "SELECT d.*, tp.handle AS to_handle, bp.handle AS by_handle FROM delegations d"
        " JOIN people tp ON tp.id = d.to_person_id LEFT JOIN people bp ON bp.id = d.by_person_id"
        " WHERE d.status = 'done' AND d.done_at > ? ORDER BY d.done_at, d.id",
        (at,),
    )


def events_since(store: Store, kind: str, at: str) -> list[dict[str, Any]]:
    """History rows of one kind after `at` (the events_kind index, newest last)."""
    import json

    return [
        {"at": r["at"], "actor": r["actor"], "ticket_id": r["ticket_id"], **json.loads(r["data"])}
        for r in store.all(
            "SELECT at, actor, ticket_id, data FROM events WHERE kind = ? AND at > ? ORDER BY id",
            (kind, at),
        )
    ]


def record_review(store: Store, *, at: str, by_handle: str | None, data: dict[str, Any]) -> int:
    import json

    new_id = store.insert(
        "INSERT INTO reviews (at, by_person, data) VALUES (?, ?, ?)",
        (at, by_handle, json.dumps(data, ensure_ascii=False)),
    )
    return new_id


def last_review(store: Store) -> dict[str, Any] | None:
    import json

    row = store.one("SELECT id, at, by_person, data FROM reviews ORDER BY id DESC LIMIT 1")
    if row is None:
        return None
    return {"id": row["id"], "at": row["at"], "by": row["by_person"], **json.loads(row["data"])}


def parse_time(text: str | None) -> datetime | None:
    return None if not text else from_utc_text(text)
