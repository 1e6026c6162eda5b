"""`supportctl log` and its timers on both engines: the refusals word for word with
nothing written, and the ids an entry gets. On a server the checks read ahead of each
other (the invoice and overlap checks name the ticket's customer and the person by a
subquery, a new entry's id comes from the sequence), so the same answers are checked
on both."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Workspace, open_test_store

pytestmark = pytest.mark.both_engines

NOW = "2026-10-14T12:00:00Z"  # Wednesday 15:00 in Helsinki


def at(moment: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": moment}


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    workspace.now(NOW)
    workspace.person("alice", "Alice", "alice@agency.example")
    workspace.person("bob", "Bob", "bob@agency.example")
    workspace.customer("acme", "maintenance", name="Acme Oy", rate=75, included_minutes=60)
    workspace.customer("kovo", "hosting", name="Kovo", rate=90)
    cli = workspace.cli
    cli.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Plugins")  # 1
    cli.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Again")  # 2
    cli.ok("ticket", "merge", "2", "1")
    cli.ok("ticket", "new", "--customer", "kovo", "--from", "ops@kovo.fi", "Mail")  # 3
    return workspace.root


def _issue(customer: str, month: str, number: str) -> None:
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    try:
        with store.transaction():
            store.execute(
                "INSERT INTO invoices (number, customer_id, month, issued_at, currency, "
                "net_minor, vat_minor, gross_minor) VALUES (?, "
                "(SELECT id FROM customers WHERE slug = ?), ?, '2026-10-02T10:00:00Z', "
                "'EUR', 0, 0, 0)",
                (number, customer, month),
            )
    finally:
        store.close()


def _entries() -> list[tuple[Any, ...]]:
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    try:
        return [
            tuple(r)
            for r in store.all(
                "SELECT e.id, e.ticket_id, c.slug, e.minutes, e.description FROM time_entries e "
                "JOIN customers c ON c.id = e.customer_id ORDER BY e.id"
            )
        ]
    finally:
        store.close()


def _logged_refs() -> list[str]:
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    try:
        return [
            str(r[0])
            for r in store.all(
                "SELECT subject_ref FROM events WHERE kind = 'time.logged' ORDER BY id"
            )
        ]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("99", "10m", "x"), "error: no ticket #99"),
        (("2", "10m", "x"), "error: ticket #2 was merged into #1; log the time on #1"),
        (("--customer", "nope", "10m", "x"), "error: no customer 'nope'"),
        (("1", "10m", "x", "--as", "zed"), "error: no team member 'zed' (--as); nothing was done"),
        (("99", "10m", "x", "--as", "zed"), "error: no team member 'zed' (--as); nothing was done"),
    ],
)
def test_refusals_are_the_same_and_write_nothing(
    cli: Any, desk: Path, snapshot: Any, args: tuple[str, ...], message: str
) -> None:
    before = snapshot()
    result = cli.fails(2, "log", *args)
    assert result.stderr.splitlines()[0] == message
    assert snapshot() == before


def test_entries_get_their_ids_and_history_names_them(cli: Any, desk: Path) -> None:
    first = cli.ok("log", "1", "25m", "Plugins", "--allow-overlap").stdout
    assert first == "logged 25m on #1 (acme) for alice: entry 1\n"
    second = cli.ok("log", "--customer", "kovo", "10m", "Mail", "--as", "bob").stdout
    assert second == "logged 10m on kovo for bob: entry 2\n"
    cli.fails(2, "log", "99", "10m", "x")  # a refusal uses up no id
    third = cli.ok("log", "3", "5m", "Check", "--as", "bob", "--allow-overlap").stdout
    assert third == "logged 5m on #3 (kovo) for bob: entry 3\n"
    got = _entries()
    assert [(r[1], r[2], r[3], r[4]) for r in got] == [
        (1, "acme", 25, "Plugins"),
        (None, "kovo", 10, "Mail"),
        (3, "kovo", 5, "Check"),
    ]
    assert [r[0] for r in got] == [1, 2, 3]
    assert _logged_refs() == ["time:1", "time:2", "time:3"]
    # the last entry removed: its id is given again, as SQLite's INTEGER PRIMARY KEY does
    cli.ok("log", "rm", "3")
    again = cli.ok("log", "3", "5m", "Check again", "--as", "bob", "--allow-overlap").stdout
    assert again == "logged 5m on #3 (kovo) for bob: entry 3\n"


def test_overlap_is_refused_word_for_word(cli: Any, desk: Path, snapshot: Any) -> None:
    cli.ok("log", "1", "--start", "09:00", "--end", "10:00", "first")
    before = snapshot()
    result = cli.fails(2, "log", "3", "--start", "09:30", "--end", "10:30", "second")
    assert result.stderr.splitlines()[0] == (
        "error: alice already has entry 1 from 2026-10-14 09:00 to 10:00 overlapping this one; "
        "pass --allow-overlap to log both"
    )
    assert snapshot() == before
    cli.ok("log", "1", "--start", "10:00", "--end", "10:30", "adjacent is fine")
    cli.ok("log", "3", "--start", "09:30", "--end", "10:30", "bob", "--as", "bob")
    cli.ok("log", "3", "--start", "09:30", "--end", "10:30", "both", "--allow-overlap")
    assert len(_entries()) == 4


def test_an_invoiced_month_is_frozen_for_a_ticket_and_a_customer(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    _issue("acme", "2026-09", "2026-0001")
    before = snapshot()
    frozen = (
        "error: acme 2026-09 is invoiced (2026-0001) and frozen; log the correction in the next "
        "open month with --corrects 2026-0001"
    )
    result = cli.fails(2, "log", "1", "--date", "2026-09-29", "20m", "late entry")
    assert result.stderr.splitlines()[0] == frozen
    result = cli.fails(2, "log", "--customer", "acme", "--date", "2026-09-29", "20m", "late")
    assert result.stderr.splitlines()[0] == frozen
    # 23:30 on 30 September in Helsinki is still September (20:30 UTC)
    cli.fails(
        2, "log", "1", "--date", "2026-09-30", "--start", "23:30", "--end", "2026-10-01 00:10", "x"
    )
    assert snapshot() == before
    # 1 October 00:30 in Helsinki is 30 September in UTC: a candidate month, yet open
    cli.ok("log", "1", "--date", "2026-10-01", "--start", "00:30", "--end", "01:00", "October")
    cli.ok("log", "--customer", "kovo", "--date", "2026-09-29", "20m", "other customer")
    cli.ok("log", "1", "20m", "missed in September", "--corrects", "2026-0001")
    assert len(_entries()) == 3


def test_timer_refusals_and_a_stop(cli: Any, desk: Path, snapshot: Any) -> None:
    before = snapshot()
    assert cli.fails(2, "log", "stop").stderr.splitlines()[0] == (
        "error: alice has no timer running; start one with `supportctl log start 42`"
    )
    assert (
        cli.fails(2, "log", "stop", "--discard").stderr.splitlines()[0]
        == "error: alice has no timer running"
    )
    for args in (("start", "1", "x"), ("stop",), ("stop", "--discard")):
        refused = cli.fails(2, "log", *args, "--as", "zed").stderr.splitlines()[0]
        assert refused == "error: no team member 'zed' (--as); nothing was done", args
    assert cli.fails(2, "log", "start", "2", "x").stderr.splitlines()[0] == (
        "error: ticket #2 was merged into #1; log the time on #1"
    )
    assert snapshot() == before
    cli.ok("log", "start", "1", "a", env=at("2026-10-14T10:00:00Z"))
    before = snapshot()
    refused = cli.fails(2, "log", "start", "--customer", "kovo", "b").stderr.splitlines()[0]
    assert refused == (
        "error: alice already has a timer running on #1 since 2026-10-14 13:00; "
        "run `supportctl log stop` first"
    )
    assert snapshot() == before
    cli.ok("log", "start", "--customer", "kovo", "b", "--as", "bob")
    out = cli.ok("log", "stop", env=at("2026-10-14T10:13:29Z")).stdout
    assert out == "logged 13m on #1 (acme) for alice: entry 1\n"
    assert "discarded" in cli.ok("log", "stop", "--discard", "--as", "bob").stdout
    assert [(r[1], r[2], r[3], r[4]) for r in _entries()] == [(1, "acme", 13, "a")]
    assert _logged_refs() == ["time:1"]


def test_a_stop_refuses_a_timer_that_changed_since_it_was_read(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    from supportctl.errors import InputError
    from supportctl.services import timelog
    from supportctl.store.db import Store

    def stop(store: Store, seen: Any) -> str:
        with pytest.raises(InputError) as refused:
            timelog.stop_timer(
                store,
                person="alice",
                description="x",
                actor="alice",
                now=timelog.from_utc_text(NOW),
                tz=lambda: "Europe/Helsinki",
                seen=seen,
            )
        return str(refused.value.message)

    cli.ok("log", "start", "1", "a", env=at("2026-10-14T10:00:00Z"))
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    try:
        seen = timelog.timer_status(store, "alice", timelog.from_utc_text(NOW))
        assert seen is not None
        before = snapshot()
        # another laptop stopped it and started one on another ticket meanwhile
        cli.ok("log", "stop", "--discard")
        assert stop(store, seen) == (
            "alice has no timer running; start one with `supportctl log start 42`"
        )
        cli.ok("log", "start", "3", "b", env=at("2026-10-14T10:30:00Z"))
        changed = snapshot()
        assert changed != before
        assert stop(store, seen) == (
            "alice's timer changed meanwhile (now on #3 since 2026-10-14 13:30): "
            "run the command again"
        )
        assert snapshot() == changed
    finally:
        store.close()


# The timer of the stop tests: 13:00-14:00 in Helsinki on 14 October (10:00-11:00 UTC).
TIMER_START, TIMER_STOP = "2026-10-14T10:00:00Z", "2026-10-14T11:00:00Z"


@pytest.mark.parametrize(
    ("date", "start", "end", "overlaps"),
    [
        ("2026-10-14", "12:00", "13:00", False),  # ends as the timer starts
        ("2026-10-14", "14:00", "14:30", False),  # starts as the timer ends (in the past)
        ("2026-10-14", "13:20", "13:40", True),  # inside
        ("2026-10-14", "12:30", "13:10", True),  # ends inside
        ("2026-10-14", "13:50", "14:10", True),  # starts inside
        ("2026-10-14", "09:00", "15:00", True),  # covers it
        ("2026-10-13", "08:00", "12:00", False),  # the day before
        ("2026-10-13", "13:30", "23:30", False),  # the evening before, ended long before
    ],
)
def test_a_stop_refuses_an_overlap_as_log_does(
    cli: Any, desk: Path, date: str, start: str, end: str, overlaps: bool
) -> None:
    """The stop reads the person's entries around the timer with the timer itself and
    keeps those that overlap it: the same answer as `log` with the timer's times."""
    cli.ok("log", "1", "--date", date, "--start", start, "--end", end, "earlier")
    cli.ok("log", "start", "1", "timer", env=at(TIMER_START))
    result = cli("log", "stop", env=at(TIMER_STOP))
    if overlaps:
        assert result.exit_code == 2
        first = result.stderr.splitlines()[0]
        assert first.startswith("error: alice already has entry 1 from 2026-10-14 ")
        assert first.endswith("overlapping this one; pass --allow-overlap to log both")
        assert cli.json("log", "status", "--json")["ticket"] == 1  # still running
        result = cli.ok("log", "stop", "--allow-overlap", env=at(TIMER_STOP))
    else:
        assert result.exit_code == 0, result.stderr
    assert result.stdout == "logged 1h on #1 (acme) for alice: entry 2\n"


def test_a_stop_in_an_invoiced_month_is_refused_and_a_month_near_it_is_not(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    """A timer started on the last evening of an invoiced month is refused with the
    invoice named; one started the next morning logs, though the month before is
    among those the stop asks about with the timer's read."""
    _issue("acme", "2026-10", "2026-0007")
    cli.ok("log", "start", "1", "late", env=at("2026-10-31T20:30:00Z"))  # 22:30 local
    before = snapshot()
    refused = cli.fails(2, "log", "stop", "--yes", env=at("2026-10-31T22:30:00Z"))
    assert refused.stderr.splitlines()[0] == (
        "error: acme 2026-10 is invoiced (2026-0007) and frozen; log the correction in "
        "the next open month with --corrects 2026-0007"
    )
    assert snapshot() == before
    cli.ok("log", "stop", "--discard")
    cli.ok("log", "start", "1", "early", env=at("2026-11-01T06:00:00Z"))  # 08:00 local
    out = cli.ok("log", "stop", env=at("2026-11-01T06:45:00Z")).stdout
    assert out.startswith("logged 45m on #1 (acme) for alice")
