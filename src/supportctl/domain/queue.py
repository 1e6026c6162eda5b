"""Queue order: urgent first, then premium, standard, light, then oldest first (FIFO).

The rule is written once, here. `queue_key` sorts in Python (delegated tasks);
`urgency_rank_sql` and `level_rank_sql` are the same ranks as SQL `CASE` expressions,
from which store/ builds its ORDER BY clauses (the inbox, each person's task queue) and
the migrations the `tickets_queue` index: SQLite reads the queue from that index only
when the query's expressions are the index's, so both come from these functions.
A value outside the lists ranks last, in Python as in SQL (`ELSE`).
"""

from __future__ import annotations

URGENCIES_IN_ORDER = ("urgent", "normal")
LEVELS_IN_ORDER = ("premium", "standard", "light")
URGENCY_RANK = {u: i for i, u in enumerate(URGENCIES_IN_ORDER)}
LEVEL_RANK = {level: i for i, level in enumerate(LEVELS_IN_ORDER)}


def urgency_rank(urgency: str) -> int:
    return URGENCY_RANK.get(urgency, len(URGENCIES_IN_ORDER) - 1)


def level_rank(level: str) -> int:
    return LEVEL_RANK.get(level, len(LEVELS_IN_ORDER) - 1)


def queue_key(urgency: str, level: str, created_at: str, item_id: int) -> tuple[int, int, str, int]:
    """Urgent first, then premium, standard, light, then oldest first, then the id."""
    return (urgency_rank(urgency), level_rank(level), created_at, item_id)


def _case(column: str, in_order: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{value}' THEN {i}" for i, value in enumerate(in_order[:-1]))
    return f"CASE {column} {whens} ELSE {len(in_order) - 1} END"


def urgency_rank_sql(column: str = "urgency") -> str:
    """`urgency_rank` as SQL over a column: CASE urgency WHEN 'urgent' THEN 0 ELSE 1 END."""
    return _case(column, URGENCIES_IN_ORDER)


def level_rank_sql(column: str = "level") -> str:
    """`level_rank` as SQL over a column (or any expression giving a level)."""
    return _case(column, LEVELS_IN_ORDER)


def queue_order_sql(alias: str = "") -> str:
    """`queue_key` as an ORDER BY list over a tickets table (`alias.` before each column)."""
    p = f"{alias}." if alias else ""
    return f"{urgency_rank_sql(p + 'urgency')}, {level_rank_sql(p + 'level')}, {p}created_at, {p}id"
