"""The inbox queue: order, owners, clocks, filters, limit, JSON, empty queue."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Workspace

pytestmark = pytest.mark.both_engines


def at(moment: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": moment}


@pytest.fixture
def desk(workspace: Workspace) -> Any:
    for slug, level in (("prem", "premium"), ("std", "standard"), ("lite", "light")):
        workspace.customer(slug, "adhoc", name=slug.title(), level=level, rate=75)
    for handle in ("alice", "bob"):
        workspace.person(handle, handle.title(), f"{handle}@agency.example")
    workspace.cli.ok(
        "rota", "set", "alice", "bob", "--start", "2026-W48", env=at("2026-11-23T08:00:00Z")
    )
    return workspace.cli


def make(cli: Any, customer: str, subject: str, when: str) -> None:
    cli.ok(
        "ticket",
        "new",
        "--customer",
        customer,
        "--from",
        f"x@{customer}.example",
        subject,
        env=at(when),
    )


def test_inbox_empty_queue_says_so(desk: Any) -> None:
    result = desk.ok("inbox", "--no-fetch", env=at("2026-11-25T10:00:00Z"))
    assert "inbox is empty" in result.stdout
    assert desk.json("inbox", "--no-fetch", "--json", env=at("2026-11-25T10:00:00Z")) == []


def test_inbox_order_urgent_premium_standard_light_oldest(desk: Any) -> None:
    make(desk, "lite", "Old light question", "2026-11-23T08:00:00Z")
    make(desk, "std", "Standard question", "2026-11-24T08:00:00Z")
    make(desk, "prem", "Premium question", "2026-11-25T08:00:00Z")
    make(desk, "lite", "Light site down", "2026-11-25T09:00:00Z")
    make(desk, "std", "Older standard question", "2026-11-23T09:00:00Z")
    rows = desk.json("inbox", "--no-fetch", "--json", env=at("2026-11-25T10:00:00Z"))
    assert [r["subject"] for r in rows] == [
        "Light site down",
        "Premium question",
        "Older standard question",
        "Standard question",
        "Old light question",
    ]
    first = rows[0]
    for key in ("id", "subject", "customer", "owner", "status", "urgency", "kind", "level", "due"):
        assert key in first
    assert next(iter(first)) == "id"
    assert (first["urgency"], first["kind"], first["level"], first["owner"]) == (
        "urgent",
        "incident",
        "light",
        "alice",
    )
    assert first["due"].endswith("Z")


def test_inbox_clock_colours_and_late(desk: Any) -> None:
    make(
        desk, "std", "Due soon", "2026-11-24T08:00:00Z"
    )  # Tue 10:00 Helsinki: response due Wed 10:00
    rows = desk.json("inbox", "--no-fetch", "--json", env=at("2026-11-25T07:30:00Z"))
    assert rows[0]["sla"] == {
        "target": "response",
        "due": "2026-11-25T08:00:00Z",
        "business_minutes_left": 30,
        "breached": False,
        "paused": False,
    }
    text = desk.ok("inbox", "--no-fetch", env=at("2026-11-25T07:30:00Z")).stdout
    assert "reply 30m" in text
    late = desk.json("inbox", "--no-fetch", "--json", env=at("2026-11-25T09:00:00Z"))[0]["sla"]
    assert late["breached"] is True and late["business_minutes_left"] == -60
    assert (
        "reply late 1h00m" in desk.ok("inbox", "--no-fetch", env=at("2026-11-25T09:00:00Z")).stdout
    )


def test_inbox_colour_codes_on_a_terminal(desk: Any) -> None:
    make(desk, "std", "Due soon", "2026-11-24T08:00:00Z")
    result = desk.ok(
        "--color",
        "inbox",
        "--no-fetch",
        env={"SUPPORTCTL_NOW": "2026-11-25T07:30:00Z", "NO_COLOR": ""},
    )
    assert "\x1b[1;33m" in result.stdout  # warning (bold orange, yellow on 16 colours)
    result = desk.ok(
        "--color",
        "inbox",
        "--no-fetch",
        env={"SUPPORTCTL_NOW": "2026-11-25T09:00:00Z", "NO_COLOR": ""},
    )
    assert "\x1b[1;31m" in result.stdout  # bold red: breached


def test_inbox_mine_customer_and_limit(desk: Any) -> None:
    for i in range(4):
        make(desk, "std", f"Week 48 #{i}", "2026-11-25T08:00:00Z")  # alice's week
    make(desk, "prem", "Week 49", "2026-12-01T08:00:00Z")  # bob's week
    now = at("2026-12-01T09:00:00Z")
    mine = desk.json("inbox", "--no-fetch", "--mine", "--as", "bob", "--json", env=now)
    assert [r["subject"] for r in mine] == ["Week 49"]
    assert len(desk.json("inbox", "--no-fetch", "--customer", "std", "--json", env=now)) == 4
    result = desk.ok("inbox", "--no-fetch", "--limit", "2", env=now)
    assert "… and 3 more" in result.stdout
    assert "Week 49" in result.stdout  # premium comes first


def test_inbox_all_includes_closed(desk: Any) -> None:
    make(desk, "std", "Done", "2026-11-25T08:00:00Z")
    desk.ok("ticket", "status", "1", "closed", env=at("2026-11-25T09:00:00Z"))
    assert desk.json("inbox", "--no-fetch", "--json", env=at("2026-11-25T09:00:00Z")) == []
    rows = desk.json("inbox", "--no-fetch", "--all", "--json", env=at("2026-11-25T09:00:00Z"))
    assert [r["status"] for r in rows] == ["closed"]
    assert rows[0]["sla"] is None
