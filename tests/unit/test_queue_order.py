"""Queue order is one rule (domain/queue.py): the SQL the store sorts by, the index the
migrations build and the Python sort key agree."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.queue import (
    LEVELS_IN_ORDER,
    URGENCIES_IN_ORDER,
    level_rank,
    level_rank_sql,
    queue_key,
    queue_order_sql,
    urgency_rank,
    urgency_rank_sql,
)
from supportctl.store import tickets as ticket_store
from supportctl.store.db import open_store

ticket_rows = st.lists(
    st.tuples(
        st.sampled_from(URGENCIES_IN_ORDER),
        st.sampled_from(LEVELS_IN_ORDER),
        st.sampled_from(["2026-11-02T08:00:00Z", "2026-11-02T09:30:00Z", "2026-11-03T07:00:00Z"]),
    ),
    max_size=30,
)


@given(ticket_rows)
def test_the_store_sorts_tickets_as_the_python_key_does(rows: list[tuple[str, str, str]]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, urgency, level, created_at)")
    conn.executemany("INSERT INTO tickets (urgency, level, created_at) VALUES (?, ?, ?)", rows)
    in_sql = [
        r[0]
        for r in conn.execute(f"SELECT t.id FROM tickets t ORDER BY {ticket_store.QUEUE_ORDER}")
    ]
    table = conn.execute("SELECT id, urgency, level, created_at FROM tickets").fetchall()
    in_python = [r[0] for r in sorted(table, key=lambda r: queue_key(r[1], r[2], r[3], r[0]))]
    assert in_sql == in_python


@given(st.text(max_size=10))
def test_the_sql_ranks_are_the_python_ranks_for_any_value(value: str) -> None:
    conn = sqlite3.connect(":memory:")
    got = conn.execute(
        f"SELECT {urgency_rank_sql('?1')}, {level_rank_sql('?1')}", (value,)
    ).fetchone()
    assert got == (urgency_rank(value), level_rank(value))


def test_the_order_is_urgent_then_premium_standard_light_then_oldest() -> None:
    keys = [
        queue_key("normal", "premium", "2026-11-02T08:00:00Z", 1),
        queue_key("urgent", "light", "2026-11-03T08:00:00Z", 2),
        queue_key("normal", "light", "2026-11-01T08:00:00Z", 3),
        queue_key("normal", "standard", "2026-11-02T08:00:00Z", 4),
        queue_key("normal", "premium", "2026-11-01T08:00:00Z", 5),
    ]
    assert [k[3] for k in sorted(keys)] == [2, 5, 1, 4, 3]


def test_the_inbox_reads_the_queue_from_the_index_the_migrations_built(tmp_path: Path) -> None:
    store = open_store(tmp_path / "q.db", create=True)
    try:
        index_sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'tickets_queue'")
        assert queue_order_sql() in index_sql
        plan = " ".join(
            str(r[3])
            for r in store.all(
                "EXPLAIN QUERY PLAN SELECT t.id FROM tickets t INDEXED BY tickets_queue "
                "WHERE t.status IN ('new', 'open', 'waiting') "
                f"ORDER BY {ticket_store.QUEUE_ORDER} LIMIT 10"
            )
        )
        assert "tickets_queue" in plan
        assert "TEMP B-TREE" not in plan
    finally:
        store.close()
