"""`report MONTH`: tickets in/out, first-response percentiles, breaches, tickets per week."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from supportctl.config import load_config
from supportctl.services import tickets
from supportctl.services.report import percentile
from supportctl.store.db import open_store


def at(moment: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": moment}


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, None),
        ([5], 90, 5),
        ([1, 2, 3, 4], 50, 2),
        (list(range(1, 11)), 90, 9),
        ([30, 10, 20], 50, 20),
    ],
)
def test_report_percentile_nearest_rank(values: list[int], p: float, expected: int | None) -> None:
    assert percentile(values, p) == expected


def test_report_month_figures(cli: Any, initialized: Path) -> None:
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme",
        "--plan",
        "adhoc",
        "--level",
        "premium",
        "--rate",
        "75",
    )
    cli.ok(
        "customer",
        "add",
        "pixel",
        "--name",
        "Pixel",
        "--plan",
        "adhoc",
        "--level",
        "light",
        "--rate",
        "75",
    )
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "a@acme.example",
        "One",
        env=at("2026-10-05T07:00:00Z"),
    )
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "a@acme.example",
        "Two",
        env=at("2026-10-14T07:00:00Z"),
    )
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "pixel",
        "--from",
        "s@pixel.example",
        "Three",
        env=at("2026-10-14T08:00:00Z"),
    )
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "pixel",
        "--from",
        "s@pixel.example",
        "November",
        env=at("2026-11-02T08:00:00Z"),
    )
    store = open_store(initialized / "supportctl.db")
    config = load_config(initialized / "config.toml")
    # Ticket 1 answered after 2 business hours, ticket 2 after 10 business hours (late).
    for tid, when in (
        (1, datetime(2026, 10, 5, 9, 0, tzinfo=UTC)),
        (2, datetime(2026, 10, 15, 9, 0, tzinfo=UTC)),
    ):
        tickets.on_message(
            store, config, ticket_id=tid, direction="out", classification="human", at=when, now=when
        )
    tickets.set_status(
        store,
        config,
        ticket_id=1,
        status="resolved",
        actor=None,
        now=datetime(2026, 10, 6, 9, 0, tzinfo=UTC),
    )
    store.close()
    report = cli.json("report", "2026-10", "--json", env=at("2026-11-20T10:00:00Z"))
    assert report["id"] == "2026-10"
    assert (report["tickets_in"], report["tickets_out"], report["responded"]) == (3, 1, 2)
    assert report["first_response_business_minutes"] == {"median": 120, "p90": 600}
    by_customer = {b["id"]: b for b in report["breaches_by_customer"]}
    assert by_customer["acme"] == {"id": "acme", "tickets": 2, "response": 1, "resolution": 1}
    assert by_customer["pixel"]["response"] == 1 and by_customer["pixel"]["resolution"] == 0
    weeks = {w["id"]: w["tickets"] for w in report["tickets_per_week"]}
    assert weeks["2026-W41"] == 1 and weeks["2026-W42"] == 2 and weeks["2026-W40"] == 0
    text = cli.ok("report", "2026-10", env=at("2026-11-20T10:00:00Z")).stdout
    assert "█" in text and "SLA breaches by level" in text


def test_report_bad_month(cli: Any, initialized: Path) -> None:
    assert cli.fails(2, "report", "2026-13").stderr.startswith("error: ")
