"""Ticket rules on a real database: message effects, holiday cache, clocks, ingest seams."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from supportctl.config import load_config
from supportctl.services import calendar as calendar_service
from supportctl.services import tickets
from supportctl.services.sla import clock_for_tickets
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def config(initialized: Any) -> Any:
    return load_config(initialized / "config.toml")


@pytest.fixture
def desk(cli: Any, store: Store) -> Store:
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme",
        "--plan",
        "adhoc",
        "--level",
        "standard",
        "--rate",
        "75",
    )
    for handle in ("alice", "bob"):
        cli.ok("team", "add", handle, "--name", handle, "--email", f"{handle}@agency.example")
    cli.ok("rota", "set", "alice", "bob", "--start", "2026-W48")
    return store


def _new(store: Store, config: Any, **kw: Any) -> int:
    values: dict[str, Any] = {
        "customer_id": 1,
        "requester": "a@acme.example",
        "subject": "Question",
        "body": "",
        "arrived_at": NOW,
        "classification": "human",
        "importance": None,
        "is_triage": False,
        "needs_approval": False,
        "actor": None,
        "now": NOW,
    }
    values.update(kw)
    return tickets.create_ticket(store, config, **values)


def test_rules_importance_header_and_non_human(desk: Store, config: Any) -> None:
    high = _new(desk, config, importance="1 (Highest)")
    bounce = _new(desk, config, subject="URGENT site down", classification="bounce")
    assert ticket_store.get(desk, high)["urgency"] == "urgent"
    assert ticket_store.get(desk, bounce)["urgency"] == "normal"


def test_rules_first_response_is_first_human_outbound(desk: Store, config: Any) -> None:
    tid = _new(desk, config)
    later = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    tickets.on_message(
        desk,
        config,
        ticket_id=tid,
        direction="out",
        classification="auto-reply",
        at=later,
        now=later,
    )
    assert ticket_store.get(desk, tid)["first_response_at"] is None
    tickets.on_message(
        desk, config, ticket_id=tid, direction="out", classification="human", at=later, now=later
    )
    row = ticket_store.get(desk, tid)
    assert row["first_response_at"] == "2026-11-25T12:00:00Z"
    assert row["status"] == "open"
    clock = clock_for_tickets(desk, config, [row], later)[tid]
    assert clock.target == "resolution" and not clock.breached


def test_rules_customer_reply_reopens_and_resumes_clock(desk: Store, config: Any) -> None:
    tid = _new(desk, config)
    tickets.set_status(desk, config, ticket_id=tid, status="waiting", actor="alice", now=NOW)
    due_before = ticket_store.get(desk, tid)["due_resolution_at"]
    reply = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    tickets.on_message(
        desk, config, ticket_id=tid, direction="in", classification="human", at=reply, now=reply
    )
    row = ticket_store.get(desk, tid)
    assert row["status"] == "open" and row["waiting_since"] is None
    assert row["paused_minutes"] == 480 and row["due_resolution_at"] > due_before
    tickets.set_status(desk, config, ticket_id=tid, status="resolved", actor="alice", now=reply)
    tickets.on_message(
        desk, config, ticket_id=tid, direction="in", classification="human", at=reply, now=reply
    )
    row = ticket_store.get(desk, tid)
    assert row["status"] == "open" and row["resolved_at"] is None


def test_rules_messages_never_reassign(desk: Store, config: Any) -> None:
    tid = _new(desk, config)
    tickets.assign(desk, ticket_id=tid, handle="bob", actor="alice", now=NOW)
    next_week = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    tickets.on_message(
        desk,
        config,
        ticket_id=tid,
        direction="in",
        classification="human",
        at=next_week,
        now=next_week,
    )
    assert ticket_store.owner_handle(desk, ticket_store.get(desk, tid)["owner_id"]) == "bob"


def test_rules_holidays_fi_and_cz_cached_per_year(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fi = dict(calendar_service.compute_holidays("FI", 2026))
    cz = dict(calendar_service.compute_holidays("CZ", 2026))
    # The holidays package lists Finnish Midsummer Eve and Christmas Eve as holidays.
    assert date(2026, 6, 19) in fi and date(2026, 12, 24) in fi
    assert date(2026, 11, 17) in cz and date(2026, 12, 24) in cz
    calendar_service.ensure_years(store, "CZ", [2026])
    count = store.scalar("SELECT count(*) FROM holidays_cache WHERE country = 'CZ'")
    assert count == len(cz)

    def boom(country: str, year: int) -> list[Any]:
        raise AssertionError("holidays were computed again")

    monkeypatch.setattr(calendar_service, "compute_holidays", boom)
    calendar_service.ensure_years(store, "CZ", [2026])


def test_rules_calendar_uses_cached_holidays(store: Store, config: Any) -> None:
    cal = calendar_service.business_calendar(store, config, around=NOW)
    assert not cal.is_business_day(date(2026, 12, 24))
    assert not cal.is_business_day(date(2026, 6, 19))
    assert cal.is_business_day(date(2026, 11, 17))  # FI agency: a working day


def test_rules_queue_reads_the_partial_index(store: Store) -> None:
    plan = " ".join(
        str(r[3])
        for r in store.all(
            "EXPLAIN QUERY PLAN SELECT t.id FROM tickets t INDEXED BY tickets_queue "
            "WHERE t.status IN ('new', 'open', 'waiting') "
            f"AND t.merged_into IS NULL ORDER BY {ticket_store.QUEUE_ORDER} LIMIT 50"
        )
    )
    assert "tickets_queue" in plan and "TEMP B-TREE" not in plan
    rows = ticket_store.queue(store, limit=50, owner_id=1, customer_id=1, human_only=True)
    assert rows == []


def test_rules_mail_to_a_merged_ticket_joins_the_target(desk: Store, config: Any) -> None:
    first = _new(desk, config, subject="Form broken")
    second = _new(desk, config, subject="Form still broken")
    tickets.merge(desk, source_id=second, target_id=first, actor="alice", now=NOW)
    later = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    desk.execute(
        "INSERT INTO messages (ticket_id, direction, body_hash, arrived_at, raw) "
        "VALUES (?, 'in', 'h', '2026-11-26T10:00:00Z', x'00')",
        (second,),
    )
    tickets.on_message(
        desk, config, ticket_id=second, direction="in", classification="human", at=later, now=later
    )
    assert desk.scalar("SELECT ticket_id FROM messages WHERE body_hash = 'h'") == first
    assert ticket_store.get(desk, second)["status"] == "closed"
