"""store/kb_search.py: the resolved-ticket index follows status changes; the window."""

from __future__ import annotations

from typing import Any

from supportctl.store import kb_search
from supportctl.store.db import Store


def _ticket(store: Store, tid: int, subject: str, status: str) -> None:
    store.execute(
        "INSERT INTO tickets (id, requester, subject, kind, urgency, status, level, hours, "
        "created_at, updated_at) VALUES (?, 'a@b.example', ?, 'request', 'normal', ?, "
        "'standard', 'business', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z')",
        (tid, subject, status),
    )


def test_solved_index_follows_status_merge_and_window(store: Store, cli: Any) -> None:
    with store.transaction():
        for tid in range(1, 6):
            _ticket(store, tid, f"Lomake rikki {tid}", "closed" if tid < 5 else "open")
    assert [i for i, _r in kb_search.rank_solved(store, '"lomak"*', 0, 10)] != []
    assert {i for i, _r in kb_search.rank_solved(store, '"lomak"*', 0, 10)} == {1, 2, 3, 4}
    with store.transaction():
        store.execute("UPDATE tickets SET status = 'resolved' WHERE id = 5")
        store.execute("UPDATE tickets SET status = 'open' WHERE id = 1")
        store.execute("UPDATE tickets SET merged_into = 3 WHERE id = 2")
    assert {i for i, _r in kb_search.rank_solved(store, '"lomak"*', 0, 10)} == {3, 4, 5}
    assert {i for i, _r in kb_search.rank_solved(store, '"lomak"*', 5, 10)} == {3, 4}
    # Only the most recent `window` resolved tickets are looked at.
    assert [i for i, _r in kb_search.rank_solved(store, '"lomak"*', 0, 10, window=2)] in (
        [4, 5],
        [5, 4],
    )
