"""No query of the commands that show a bounded part of the history scans a history
table: every statement they run is checked with EXPLAIN QUERY PLAN.

The statements are recorded as the commands run (the connection's trace callback
gives them with their parameters bound), on the demo workspace, without ANALYZE: the
planner then assumes big tables, as on a desk with years of history."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from supportctl.store import db as store_db

# Tables that grow with the history of the desk.
HISTORY = {
    "tickets",
    "messages",
    "time_entries",
    "events",
    "delegations",
    "attachments",
    "message_locations",
    "outbound_log",
    "invoice_lines",
    "article_uses",
    "article_history",
    "month_totals",
    "person_month_totals",
}

# Partial indexes that hold only a few live rows (open tickets, tickets waiting for
# approval, entries with a stored override, merged tickets): walking one is fine.
FEW = {"tickets_unapproved", "tickets_queue", "time_entries_overrides", "tickets_merged"}

COMMANDS = [
    ("search", "lomake", "--customer", "acme"),
    ("search", "lomake", "--customer", "pixel"),
    ("search", "website"),
    ("log", "list", "--person", "bob"),
    ("log", "list", "--person", "alice", "--customer", "acme"),
    ("report", "2026-10"),
]

_ALIAS = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(?!ON\b|WHERE\b|JOIN\b|LEFT\b|CROSS\b|INDEXED\b|USING\b|GROUP\b|ORDER\b)(\w+))?", re.I)  # fmt: skip


def history_scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan lines of `sql` that walk a whole history table or index."""
    aliases: dict[str, str] = {}
    for table, alias in _ALIAS.findall(sql):
        aliases[table.lower()] = table.lower()
        if alias:
            aliases[alias.lower()] = table.lower()
    bad = []
    for row in conn.execute("EXPLAIN QUERY PLAN " + sql):
        detail = str(row[3])
        found = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", detail)
        if found and found.group(2) in FEW:
            continue
        if found and aliases.get(found.group(1).lower(), found.group(1).lower()) in HISTORY:
            bad.append(detail)
    return bad


@pytest.fixture
def demo(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli.ok("demo", "--dir", str(tmp_path / "demo"))
    monkeypatch.setenv("SUPPORTCTL_DB", str(tmp_path / "demo" / "supportctl.db"))
    monkeypatch.setenv("SUPPORTCTL_CONFIG", str(tmp_path / "demo" / "config.toml"))
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-30T08:30:00Z")
    return tmp_path / "demo" / "supportctl.db"


def test_the_bounded_commands_never_scan_history(
    cli: Any, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    real = store_db._connect

    def traced(path: Path, **kw: Any) -> tuple[sqlite3.Connection, bool]:
        conn, read_only = real(path, **kw)
        conn.set_trace_callback(statements.append)
        return conn, read_only

    monkeypatch.setattr(store_db, "_connect", traced)
    plans = sqlite3.connect(demo)
    checked = 0
    for argv in COMMANDS:
        for _run in range(2):  # the first run may fill caches; the second reads them
            statements.clear()
            cli.ok(*argv)
            for sql in statements:
                head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
                if head not in {"SELECT", "WITH", "UPDATE", "DELETE"}:
                    continue
                checked += 1
                assert history_scans(plans, sql) == [], f"{' '.join(argv)}: {sql}"
    assert checked > 20


def test_the_check_sees_a_scan(demo: Path) -> None:
    """The checker itself: a query that reads every ticket is caught."""
    conn = sqlite3.connect(demo)
    assert history_scans(conn, "SELECT count(*) FROM tickets t WHERE t.requester LIKE '%x'")
    assert history_scans(
        conn, "SELECT sum(e.minutes) FROM time_entries e JOIN people p ON p.id = e.person_id"
    )
    # the report's count before `tickets_resolved_at` (no status: the partial
    # `tickets_resolved` index does not apply)
    conn.execute("DROP INDEX tickets_resolved_at")
    assert history_scans(
        conn,
        "SELECT count(*) FROM tickets WHERE resolved_at >= '2026-10' AND resolved_at < '2026-11' "
        "AND merged_into IS NULL",
    )
    assert not history_scans(conn, "SELECT subject FROM tickets WHERE id = 1")


def test_the_whole_queue_is_read_in_order_and_its_flags_from_small_indexes(
    cli: Any, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`inbox --all --json` reads every ticket, by design, but in queue order from an
    index (no sort of the history), and each row's flags and message count from
    indexes alone: no event or delegation row is read to find the few that count."""
    statements: list[str] = []
    real = store_db._connect

    def traced(path: Path, **kw: Any) -> tuple[sqlite3.Connection, bool]:
        conn, read_only = real(path, **kw)
        conn.set_trace_callback(statements.append)
        return conn, read_only

    monkeypatch.setattr(store_db, "_connect", traced)
    cli.ok("inbox", "--no-fetch", "--all", "--json")
    queue = [s for s in statements if "FROM tickets t INDEXED BY tickets_queue_all" in s]
    assert len(queue) == 1
    plans = sqlite3.connect(demo)
    plan = [str(row[3]) for row in plans.execute("EXPLAIN QUERY PLAN " + queue[0])]
    assert "SCAN t USING INDEX tickets_queue_all" in plan
    assert not any("TEMP B-TREE" in line for line in plan), plan
    searches = [line for line in plan if line.startswith("SEARCH") and " USING " in line]
    assert any("INDEX delegations_open_ticket" in line for line in searches), plan
    assert any("INDEX events_foreign_sender" in line for line in searches), plan
    assert any("COVERING INDEX messages_ticket" in line for line in searches), plan
    assert not any("events_ticket" in line or "delegations_ticket" in line for line in plan)
