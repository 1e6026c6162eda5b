"""`supportctl log` through the real app: forms, refusals (database unchanged), classes,
listings, edits with history, timers, frozen months, and `ticket approve`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Workspace

NOW = "2026-10-14T12:00:00Z"  # Wednesday 15:00 in Helsinki


def at(moment: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": moment}


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    workspace.now(NOW)
    workspace.person("alice", "Alice", "alice@agency.example")
    workspace.person("bob", "Bob", "bob@agency.example")
    workspace.customer(
        "acme", "maintenance", name="Acme Oy", rate=75, included_minutes=60, domain="acme.fi"
    )
    workspace.customer("kovo", "hosting", name="Kovo", rate=90)
    workspace.customer("pixel", "adhoc", name="Pixel", rate=90)
    workspace.contact("acme", "matti@acme.fi", name="Matti", can_order=True)
    workspace.contact("acme", "liisa@acme.fi", name="Liisa")
    cli = workspace.cli
    cli.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Plugins")  # 1
    cli.ok(
        "ticket", "new", "--customer", "acme", "--from", "liisa@acme.fi", "New page"
    )  # 2: needs approval
    return workspace.root


def db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path / "supportctl.db")
    conn.row_factory = sqlite3.Row
    return conn


def entries(path: Path) -> list[sqlite3.Row]:
    return db(path).execute("SELECT * FROM time_entries ORDER BY id").fetchall()


# --------------------------------------------------------------------------- adding


def test_short_form_logs_on_a_ticket_ending_now(cli: Any, desk: Path) -> None:
    result = cli.ok("log", "1", "25m", "Updated WordPress plugins")
    assert result.stdout == "logged 25m on #1 (acme) for alice: entry 1\n"
    (row,) = entries(desk)
    assert (row["start_at"], row["end_at"], row["minutes"]) == (
        "2026-10-14T11:35:00Z",
        "2026-10-14T12:00:00Z",
        25,
    )
    assert row["ticket_id"] == 1 and row["description"] == "Updated WordPress plugins"
    import uuid

    assert uuid.UUID(row["uuid"]).version == 4 and str(uuid.UUID(row["uuid"])) == row["uuid"]


@pytest.mark.parametrize(
    ("duration", "minutes"), [("25m", 25), ("1h30", 90), ("1h 30m", 90), ("1:30", 90), ("90", 90)]
)
def test_every_duration_form(cli: Any, desk: Path, duration: str, minutes: int) -> None:
    data = cli.json("log", "add", "1", duration, "work", "--json")
    assert data["minutes"] == minutes and next(iter(data)) == "id"


def test_customer_entry_without_ticket_and_unquoted_words(cli: Any, desk: Path) -> None:
    cli.ok("log", "--customer", "kovo", "15m", "DNS", "record", "for", "mail")
    (row,) = entries(desk)
    assert row["ticket_id"] is None and row["description"] == "DNS record for mail"


def test_start_end_are_agency_local_times(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "--start", "09:10", "--end", "09:35", "Plugins")
    (row,) = entries(desk)
    assert (row["start_at"], row["end_at"], row["minutes"]) == (
        "2026-10-14T06:10:00Z",
        "2026-10-14T06:35:00Z",
        25,
    )


def test_date_yesterday_ends_at_this_time_of_day(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "30m", "--date", "yesterday", "Plugins")
    cli.ok("log", "1", "30m", "--date", "2026-10-01", "Theme")
    rows = entries(desk)
    assert (
        rows[0]["end_at"] == "2026-10-13T12:00:00Z" and rows[1]["end_at"] == "2026-10-01T12:00:00Z"
    )


@pytest.mark.parametrize(
    ("day", "end_at"),
    [
        ("12.10.2026", "2026-10-12T12:00:00Z"),
        ("12.10.", "2026-10-12T12:00:00Z"),
        ("12. 10. 2026", "2026-10-12T12:00:00Z"),
        ("monday", "2026-10-12T12:00:00Z"),
        ("2026-10-12", "2026-10-12T12:00:00Z"),
    ],
)
def test_date_local_forms_and_weekday_names(cli: Any, desk: Path, day: str, end_at: str) -> None:
    cli.ok("log", "1", "30m", "--date", day, "Plugins")
    assert entries(desk)[0]["end_at"] == end_at


def test_a_duration_is_one_argument_and_the_hint_says_quote(cli: Any, desk: Path) -> None:
    result = cli.fails(2, "log", "1", "1h", "30m", "x")
    assert 'quote it: log … "1h 30m" "what"' in result.stderr
    cli.ok("log", "1", "1h 30m", "x")
    assert entries(desk)[0]["minutes"] == 90


def test_end_as_date_time_crosses_midnight(cli: Any, desk: Path) -> None:
    cli.ok(
        "log",
        "1",
        "--date",
        "2026-10-12",
        "--start",
        "23:30",
        "--end",
        "2026-10-13 00:15",
        "Night fix",
    )
    (row,) = entries(desk)
    assert row["minutes"] == 45 and row["start_at"] == "2026-10-12T20:30:00Z"


def test_as_logs_for_another_person(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "10m", "x", "--as", "bob")
    assert (
        db(desk)
        .execute("SELECT handle FROM people JOIN time_entries t ON t.person_id = people.id")
        .fetchone()[0]
        == "bob"
    )


def test_add_writes_a_history_event(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "25m", "Plugins")
    event = db(desk).execute("SELECT * FROM events WHERE kind = 'time.logged'").fetchone()
    data = json.loads(event["data"])
    assert event["actor"] == "alice" and event["ticket_id"] == 1
    assert data["old"] is None and data["new"]["minutes"] == 25


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1", "25x", "x"), "is not a duration"),
        (("1", "0m", "x"), "less than one minute"),
        (("1", "--", "-5m", "x"), "is not a duration"),
        (("1", "25h", "x"), "more than 24 hours"),
        (("1", "1441", "x"), "more than 24 hours"),
        (
            ("1", "--start", "11:00", "--end", "16:00", "x"),
            "end at 2026-10-14 16:00, in the future",
        ),
        (("1", "--start", "09:00", "--end", "08:00", "x"), "to cross midnight"),
        (("1", "--date", "2026-10-15", "10m", "x"), "in the future"),
        (("1", "--date", "someday", "10m", "x"), "is not a date"),
        (("1", "--date", "2026-13-01", "10m", "x"), "is not a day of the calendar"),
        (("1", "--date", "-5", "10m", "x"), "write 2026-11-13, 13.11.2026, 13.11."),
        (("1", "--date", "12.10", "10m", "x"), "'12.10' is not a date"),
        (("1", "--date", "11/03/2026", "10m", "x"), "'11/03/2026' is not a date"),
        (("1", "--date", "11/13/2026", "10m", "x"), "'11/13/2026' is not a date"),
        (("1", "--start", "12.10 09:00", "--end", "09:30", "x"), "'12.10' is not a date"),
        (("1", "1h", "30m", "x"), "'1h 30m': a duration is one argument"),
        (("1", "--start", "9:00", "--end", "9:30", "45m", "x"), "not 45m"),
        (("99", "10m", "x"), "no ticket #99"),
        (("--customer", "nope", "10m", "x"), "no customer 'nope'"),
        (("1", "10m", "x", "--as", "zed"), "no team member 'zed'"),
        (("1", "10m"), "say what was done"),
        (("abc", "10m", "x"), "not a ticket number"),
        (("1", "10m", "x", "--kind", "chat"), "unknown kind"),
        (("1", "10m", "x", "--class", "free"), "unknown class"),
        (("--customer", "kovo", "10m", "x", "--corrects", "2026-0001"), "no issued invoice"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    cli: Any, desk: Path, snapshot: Any, args: tuple[str, ...], message: str
) -> None:
    before = snapshot()
    result = cli.fails(2, "log", *args)
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) <= 2
    assert snapshot() == before


def test_overlap_is_refused_unless_allowed(cli: Any, desk: Path, snapshot: Any) -> None:
    cli.ok("log", "1", "--start", "09:00", "--end", "10:00", "first")
    before = snapshot()
    result = cli.fails(2, "log", "2", "--start", "09:30", "--end", "10:30", "second")
    assert "overlapping" in result.stderr and "--allow-overlap" in result.stderr
    # times as the tables show them: agency-local
    assert "entry 1 from 2026-10-14 09:00 to 10:00 overlapping" in result.stderr
    assert snapshot() == before
    cli.ok("log", "1", "--start", "10:00", "--end", "10:30", "adjacent is fine")
    cli.ok("log", "2", "--start", "09:30", "--end", "10:30", "second", "--allow-overlap")
    cli.ok("log", "1", "--start", "09:30", "--end", "10:30", "bob is another person", "--as", "bob")
    assert len(entries(desk)) == 4


def _issue(path: Path, customer: str, month: str, number: str) -> None:
    conn = db(path)
    cid = conn.execute("SELECT id FROM customers WHERE slug = ?", (customer,)).fetchone()[0]
    conn.execute(
        "INSERT INTO invoices (number, customer_id, month, issued_at, currency, net_minor, vat_minor, gross_minor) "
        "VALUES (?, ?, ?, '2026-10-02T10:00:00Z', 'EUR', 0, 0, 0)",
        (number, cid, month),
    )
    conn.commit()


def test_invoiced_month_is_frozen_and_corrections_go_to_the_next_month(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    cli.ok(
        "log", "1", "--date", "2026-09-30", "--start", "10:00", "--end", "10:30", "September work"
    )
    _issue(desk, "acme", "2026-09", "2026-0001")
    before = snapshot()
    result = cli.fails(2, "log", "1", "--date", "2026-09-29", "20m", "late entry")
    assert "2026-0001" in result.stderr and "--corrects" in result.stderr
    # 23:30 on 30 September in Helsinki is still September (20:30 UTC)
    cli.fails(
        2, "log", "1", "--date", "2026-09-30", "--start", "23:30", "--end", "2026-10-01 00:10", "x"
    )
    cli.fails(2, "log", "edit", "1", "--minutes", "20m")
    cli.fails(2, "log", "rm", "1")
    cli.fails(2, "log", "1", "--date", "2026-09-28", "20m", "x", "--corrects", "2026-0001")
    cli.fails(2, "log", "--customer", "kovo", "20m", "x", "--corrects", "2026-0001")
    assert snapshot() == before
    cli.ok("log", "1", "20m", "missed in September", "--corrects", "2026-0001")
    assert entries(desk)[-1]["corrects_invoice"] == "2026-0001"
    # other customers' September is open
    cli.ok("log", "--customer", "kovo", "--date", "2026-09-29", "20m", "x")


# --------------------------------------------------------------------------- listing


def _month(cli: Any) -> None:
    cli.ok(
        "log", "1", "--date", "2026-10-01", "--start", "09:00", "--end", "09:40", "Plugins"
    )  # 40 incl
    cli.ok(
        "log", "1", "--date", "2026-10-02", "--start", "09:00", "--end", "10:05", "Theme"
    )  # 20 incl + 45 extra
    cli.ok(
        "log", "2", "--date", "2026-10-03", "--start", "09:00", "--end", "09:30", "New page"
    )  # needs approval
    cli.ok(
        "log",
        "1",
        "--date",
        "2026-10-04",
        "--start",
        "09:00",
        "--end",
        "09:10",
        "Planning",
        "--internal",
    )
    cli.ok(
        "log",
        "--customer",
        "kovo",
        "--date",
        "2026-10-05",
        "--start",
        "09:00",
        "--end",
        "09:15",
        "Mail",
        "--kind",
        "messaging",
    )
    cli.ok(
        "log",
        "--customer",
        "kovo",
        "--date",
        "2026-10-05",
        "--start",
        "10:00",
        "--end",
        "10:15",
        "Server",
    )
    cli.ok(
        "log",
        "--customer",
        "pixel",
        "--date",
        "2026-10-06",
        "--start",
        "10:00",
        "--end",
        "10:05",
        "Call",
        "--kind",
        "messaging",
    )


def test_list_json_has_one_row_per_part(cli: Any, desk: Path) -> None:
    _month(cli)
    rows = cli.json("log", "list", "--month", "2026-10", "--json")
    assert [next(iter(r)) for r in rows] == ["id"] * len(rows)
    got = [(r["id"], r["minutes"], r["class"], r["extra"]) for r in rows]
    assert got == [
        (1, 40, "included", False),
        (2, 20, "included", False),
        (2, 45, "billable", True),
        (3, 30, "needs-approval", False),
        (4, 10, "non-billable", False),
        (5, 15, "non-billable", False),
        (6, 15, "billable", False),
        (7, 5, "billable", False),
    ]
    split = [r for r in rows if r["id"] == 2]
    assert split[0]["end"] == split[1]["start"] == "2026-10-02T06:20:00Z"
    assert split[1]["end"] == "2026-10-02T07:05:00Z"
    assert (
        rows[0]["date"] == "2026-10-01"
        and rows[0]["person"] == "alice"
        and rows[0]["customer"] == "acme"
    )
    assert rows[0]["ticket"] == 1 and rows[5]["ticket"] is None and rows[5]["customer"] == "kovo"


def test_list_filters_keep_month_classes(cli: Any, desk: Path) -> None:
    _month(cli)
    rows = cli.json(
        "log", "list", "--month", "2026-10", "--customer", "acme", "--ticket", "1", "--json"
    )
    assert {r["id"] for r in rows} == {1, 2, 4}
    # the split of entry 2 is the same as in the whole month's listing
    assert [(r["minutes"], r["class"]) for r in rows if r["id"] == 2] == [
        (20, "included"),
        (45, "billable"),
    ]
    assert cli.json("log", "list", "--person", "bob", "--json") == []
    cli.fails(2, "log", "list", "--person", "zed")
    cli.fails(2, "log", "list", "--month", "2026-13")
    cli.fails(2, "log", "list", "--customer", "nope")


def test_list_table_and_csv(cli: Any, desk: Path) -> None:
    _month(cli)
    out = cli.ok("log", "list", "--month", "2026-10").stdout
    assert "extra: agree first" in out and "needs-approval" in out
    assert "total 3h (180 min)" in out
    assert "acme quota: 60 min, used 60, left 0" in out
    parsed = list(csv.DictReader(io.StringIO(cli.ok("log", "list", "--csv").stdout)))
    assert len(parsed) == 8 and parsed[2]["class"] == "billable" and parsed[2]["minutes"] == "45"
    limited = cli.ok("log", "list", "--limit", "2").stdout
    assert (
        "5 earlier entries not shown" in limited and "Call" in limited and "Plugins" not in limited
    )
    assert "no time entries match" in cli.ok("log", "list", "--month", "2026-01").stdout


def test_approval_makes_the_work_billable(cli: Any, desk: Path) -> None:
    _month(cli)
    cli.ok("ticket", "approve", "2", "--override", "agreed with Matti by phone")
    rows = cli.json("log", "list", "--month", "2026-10", "--customer", "acme", "--json")
    assert [(r["id"], r["class"]) for r in rows if r["id"] == 3] == [(3, "billable")]


def test_carry_over_adds_last_months_unused_minutes_for_one_month(cli: Any, desk: Path) -> None:
    cli.ok("customer", "edit", "acme", "--carry-over")
    cli.ok(
        "log", "1", "--date", "2026-08-05", "--start", "09:00", "--end", "09:20", "August"
    )  # 40 unused
    cli.ok(
        "log", "1", "--date", "2026-09-05", "--start", "09:00", "--end", "10:30", "September"
    )  # 60 + 40 carried
    cli.ok(
        "log", "1", "--date", "2026-10-05", "--start", "09:00", "--end", "10:10", "October"
    )  # carried nothing
    sept = cli.json("log", "list", "--month", "2026-09", "--json")
    assert [(r["minutes"], r["class"]) for r in sept] == [(90, "included")]
    assert (
        "acme quota: 100 min incl. 40 carried in, used 90, left 10"
        in cli.ok("log", "list", "--month", "2026-09").stdout
    )
    octo = cli.json("log", "list", "--month", "2026-10", "--json")
    assert [(r["minutes"], r["class"]) for r in octo] == [(60, "included"), (10, "billable")]


# --------------------------------------------------------------------------- edit, rm


def test_edit_changes_fields_and_records_old_and_new(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "--start", "09:00", "--end", "09:25", "Plugins")
    out = cli.ok(
        "log", "edit", "1", "--minutes", "40m", "--description", "Plugins and theme"
    ).stdout
    assert "changed entry 1" in out
    row = entries(desk)[0]
    assert (row["minutes"], row["end_at"], row["description"]) == (
        40,
        "2026-10-14T06:40:00Z",
        "Plugins and theme",
    )
    event = db(desk).execute("SELECT data FROM events WHERE kind = 'time.edited'").fetchone()
    data = json.loads(event["data"])
    assert data["old"]["minutes"] == 25 and data["new"]["minutes"] == 40
    assert data["old"]["description"] == "Plugins"
    cli.ok("log", "edit", "1", "--class", "non-billable")
    assert entries(desk)[0]["class_override"] == "non-billable"
    assert cli.json("log", "list", "--json")[0]["class"] == "non-billable"
    cli.ok("log", "edit", "1", "--class", "auto")
    assert entries(desk)[0]["class_override"] is None
    cli.ok("log", "edit", "1", "--start", "08:00", "--end", "08:30")
    assert entries(desk)[0]["minutes"] == 30


def test_edit_moves_an_entry_to_another_ticket_or_customer(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "--start", "09:00", "--end", "09:25", "Plugins")
    out = cli.ok("log", "edit", "1", "--ticket", "2").stdout
    assert out == "changed entry 1: ticket #1 -> #2\n"
    assert (entries(desk)[0]["ticket_id"], entries(desk)[0]["customer_id"]) == (2, 1)
    out = cli.ok("log", "edit", "1", "--customer", "kovo").stdout
    assert out == "changed entry 1: ticket #2 -> no ticket, customer acme -> kovo\n"
    assert [(e["ticket"], e["customer"]) for e in cli.json("log", "list", "--json")] == [
        (None, "kovo")
    ]
    data = json.loads(
        db(desk)
        .execute("SELECT data FROM events WHERE kind = 'time.edited' ORDER BY id DESC")
        .fetchone()[0]
    )
    assert data["old"] == {"ticket_id": 2, "customer_id": 1}
    assert data["new"] == {"ticket_id": None, "customer_id": 2}
    cli.ok("log", "edit", "1", "--class", "billable")
    assert cli.ok("log", "edit", "1", "--class", "auto").stdout == (
        "changed entry 1: class billable -> auto\n"
    )


def test_edit_does_not_move_an_entry_out_of_or_into_an_invoiced_month(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    cli.ok("log", "1", "--date", "2026-09-30", "--start", "10:00", "--end", "10:30", "Sept")
    cli.ok("log", "--customer", "kovo", "--date", "2026-09-29", "20m", "kovo work")
    _issue(desk, "pixel", "2026-09", "2026-0002")
    r = cli.fails(2, "log", "edit", "2", "--customer", "pixel")
    assert "pixel 2026-09 is invoiced (2026-0002) and frozen" in r.stderr
    _issue(desk, "acme", "2026-09", "2026-0003")
    before = snapshot()
    r = cli.fails(2, "log", "edit", "1", "--customer", "kovo")
    assert "acme 2026-09 is invoiced (2026-0003)" in r.stderr
    assert (
        "belongs to 'acme', not 'kovo'"
        in cli.fails(2, "log", "edit", "2", "--ticket", "1", "--customer", "kovo").stderr
    )
    assert "no ticket #99" in cli.fails(2, "log", "edit", "2", "--ticket", "99").stderr
    assert "no customer 'nope'" in cli.fails(2, "log", "edit", "2", "--customer", "nope").stderr
    assert snapshot() == before


def test_edit_and_rm_refusals_change_nothing(cli: Any, desk: Path, snapshot: Any) -> None:
    cli.ok("log", "1", "--start", "09:00", "--end", "09:25", "Plugins")
    cli.ok("log", "1", "--start", "10:00", "--end", "10:25", "Theme")
    before = snapshot()
    assert "no time entry 9" in cli.fails(2, "log", "edit", "9", "--minutes", "5m").stderr
    assert "nothing to change" in cli.fails(2, "log", "edit", "1").stderr
    assert "overlapping" in cli.fails(2, "log", "edit", "1", "--minutes", "90m").stderr
    assert "unknown class" in cli.fails(2, "log", "edit", "1", "--class", "gratis").stderr
    assert "future" in cli.fails(2, "log", "edit", "2", "--end", "16:00").stderr
    assert "no time entry 9" in cli.fails(2, "log", "rm", "9").stderr
    assert snapshot() == before


def test_rm_keeps_every_value_in_history(cli: Any, desk: Path) -> None:
    cli.ok("log", "1", "25m", "Plugins")
    assert cli.ok("log", "rm", "1").stdout == "removed entry 1 (25 min)\n"
    assert entries(desk) == []
    data = json.loads(
        db(desk).execute("SELECT data FROM events WHERE kind = 'time.removed'").fetchone()[0]
    )
    assert (
        data["old"]["minutes"] == 25
        and data["old"]["description"] == "Plugins"
        and data["new"] is None
    )


# --------------------------------------------------------------------------- timers


def test_timer_start_status_stop_drops_seconds(cli: Any, desk: Path) -> None:
    cli.ok("log", "start", "1", "Checking logs", env=at("2026-10-14T10:00:30Z"))
    status = cli.json("log", "status", "--json", env=at("2026-10-14T10:13:29Z"))
    assert status["minutes"] == 12 and status["ticket"] == 1
    assert (
        "since 2026-10-14 13:00" in cli.ok("log", "status", env=at("2026-10-14T10:13:29Z")).stdout
    )
    out = cli.ok("log", "stop", env=at("2026-10-14T10:13:29Z")).stdout
    assert out.startswith("logged 12m on #1 (acme) for alice")
    (row,) = entries(desk)
    assert row["minutes"] == 12 and row["description"] == "Checking logs"
    assert cli.json("log", "status", "--json") is None
    assert "no timer running for alice" in cli.ok("log", "status").stdout


def test_one_timer_per_person(cli: Any, desk: Path, snapshot: Any) -> None:
    cli.ok("log", "start", "1", "a", env=at("2026-10-14T10:00:00Z"))
    before = snapshot()
    refused = cli.fails(2, "log", "start", "--customer", "kovo", "b").stderr
    assert "already has a timer running on #1 since 2026-10-14 13:00" in refused
    assert snapshot() == before
    cli.ok("log", "start", "--customer", "kovo", "b", "--as", "bob")
    assert cli.json("log", "status", "--as", "bob", "--json")["customer"] == "kovo"


def test_stop_needs_a_description_and_a_minute(cli: Any, desk: Path, snapshot: Any) -> None:
    cli.ok("log", "start", "1", env=at("2026-10-14T10:00:00Z"))
    before = snapshot()
    assert (
        "less than a minute"
        in cli.fails(2, "log", "stop", "x", env=at("2026-10-14T10:00:59Z")).stderr
    )
    assert "say what was done" in cli.fails(2, "log", "stop", env=at("2026-10-14T10:30:00Z")).stderr
    assert snapshot() == before
    cli.ok("log", "stop", "Fixed it", env=at("2026-10-14T10:30:00Z"))
    assert entries(desk)[0]["description"] == "Fixed it"


def test_stop_over_midnight_without_a_terminal_fails_cleanly(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    cli.ok("log", "start", "1", "Migration", env=at("2026-10-13T20:00:00Z"))  # 23:00 local
    before = snapshot()
    result = cli.fails(2, "log", "stop", env=at("2026-10-13T21:30:00Z"))  # 00:30 local
    assert "over midnight" in result.stderr and "--yes" in result.stderr
    assert snapshot() == before
    cli.ok("log", "stop", "--yes", env=at("2026-10-13T21:30:00Z"))
    assert entries(desk)[0]["minutes"] == 90


def test_stop_after_ten_hours_asks_on_a_terminal(
    cli: Any, desk: Path, monkeypatch: pytest.MonkeyPatch, snapshot: Any
) -> None:
    import supportctl.cli.log as log_cli

    monkeypatch.setattr(log_cli, "_can_prompt", lambda: True)
    cli.ok("log", "start", "1", "Long day", env=at("2026-10-14T03:00:00Z"))
    before = snapshot()
    result = cli.fails(2, "log", "stop", input="n\n", env=at("2026-10-14T13:30:00Z"))
    assert (
        "over 10 hours" in result.stdout + result.stderr and "timer keeps running" in result.stderr
    )
    assert snapshot() == before
    cli.ok("log", "stop", input="y\n", env=at("2026-10-14T13:30:00Z"))
    assert entries(desk)[0]["minutes"] == 630


def test_stop_discard_logs_nothing(cli: Any, desk: Path) -> None:
    cli.ok("log", "start", "1", "oops", env=at("2026-10-14T10:00:00Z"))
    assert "discarded" in cli.ok("log", "stop", "--discard").stdout
    assert entries(desk) == [] and cli.json("log", "status", "--json") is None


# --------------------------------------------------------------------------- approve


TRUST = (
    '\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = 9\ntls = "none"\n'
    'user = "tuki@agency.example"\npassword_env = "UNUSED"\nauthserv_id = "mx.agency.example"\n'
)


def trust_mx(path: Path) -> None:
    """Configure the receiving server whose Authentication-Results count."""
    config = path / "config.toml"
    config.write_text(config.read_text() + TRUST)


def _message(
    path: Path,
    ticket: int,
    sender: str,
    results: str | None,
    direction: str = "in",
) -> int:
    """A stored message with real raw bytes: `results` is its Authentication-Results."""
    head = f"From: {sender}\r\nSubject: ok\r\nMessage-ID: <{abs(hash((sender, results, direction)))}@x>\r\n"
    if results is not None:
        head = f"Authentication-Results: {results}\r\n" + head
    raw = (head + "\r\nok\r\n").encode()
    conn = db(path)
    cur = conn.execute(
        "INSERT INTO messages (ticket_id, direction, message_id, body_hash, from_addr, arrived_at, raw) "
        "VALUES (?, ?, ?, ?, ?, '2026-10-14T09:00:00Z', ?)",
        (ticket, direction, f"<{sender}-{results}-{direction}@x>", "h", sender, raw),
    )
    conn.commit()
    return int(cur.lastrowid or 0)


@pytest.mark.parametrize(
    ("sender", "results", "ticket", "message"),
    [
        (
            "liisa@acme.fi",
            "mx.agency.example; dmarc=pass header.from=acme.fi",
            2,
            "not a designated contact",
        ),
        (
            "matti@acme.fi",
            "mx.agency.example; dkim=pass header.d=acme.fi; spf=pass smtp.mailfrom=acme.fi; dmarc=fail header.from=acme.fi",
            2,
            "is not authenticated",
        ),
        (
            "matti@acme.fi",
            "mx.agency.example; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=evil.example; dmarc=none",
            2,
            "is not authenticated",
        ),
        (
            "matti@acme.fi",
            "relay.evil.example; dmarc=pass header.from=acme.fi",
            2,
            "is not authenticated",
        ),
        ("matti@acme.fi", None, 2, "is not authenticated"),
        (
            "matti@acme.fi",
            "mx.agency.example; dmarc=pass header.from=acme.fi",
            1,
            "is not on ticket #2",
        ),
    ],
)
def test_approve_refuses_unauthorised_messages(
    cli: Any,
    desk: Path,
    snapshot: Any,
    sender: str,
    results: str | None,
    ticket: int,
    message: str,
) -> None:
    trust_mx(desk)
    msg = _message(desk, ticket, sender, results)
    before = snapshot()
    result = cli.fails(2, "ticket", "approve", "2", "--message", str(msg))
    assert message in result.stderr
    assert snapshot() == before


def test_approve_refuses_everything_without_an_authserv_id(
    cli: Any, desk: Path, snapshot: Any
) -> None:
    msg = _message(desk, 2, "matti@acme.fi", "mx.agency.example; dmarc=pass header.from=acme.fi")
    before = snapshot()
    result = cli.fails(2, "ticket", "approve", "2", "--message", str(msg))
    assert "no authserv_id configured" in result.stderr
    assert snapshot() == before


def test_approve_clears_the_flag_everywhere_at_once(cli: Any, desk: Path) -> None:
    """needs-approval is derived from the request and its approval: one `ticket approve`
    clears it in the inbox, `ticket show` and the time classes (kept month totals too)."""
    cli.ok("log", "1", "20m", "Plugins", "--date", "2026-10-13")
    cli.ok("log", "2", "90m", "New page")

    def month() -> tuple[dict[str, str], int]:
        shown = cli.ok("log", "list", "--month", "2026-10").stdout  # keeps the month's totals
        assert ("needs-approval" in shown) is (kept_before is None)
        rows = cli.json("log", "list", "--month", "2026-10", "--json")
        entries = {r["description"]: r["class"] for r in rows if "description" in r}
        return entries, db(desk).execute("SELECT count(*) FROM month_totals").fetchone()[0]

    kept_before = None
    classes, kept = month()
    assert classes == {"New page": "needs-approval", "Plugins": "included"}
    assert kept >= 1  # the month's totals are kept now
    assert {r["id"]: r["needs_approval"] for r in cli.json("inbox", "--no-fetch", "--json")} == {
        1: False,
        2: True,
    }
    assert cli.json("ticket", "show", "2", "--json")["needs_approval"] is True
    assert "needs-approval" in cli.ok("ticket", "show", "2").stdout
    cli.ok("ticket", "approve", "2", "--override", "agreed in the monthly meeting")
    assert [r["needs_approval"] for r in cli.json("inbox", "--no-fetch", "--json")] == [
        False,
        False,
    ]
    assert cli.json("ticket", "show", "2", "--json")["needs_approval"] is False
    assert "needs-approval" not in cli.ok("ticket", "show", "2").stdout
    kept_before = kept
    classes, _kept = month()
    # 20 min of the 60 included first (Plugins), then New page: 40 included + 50 billable
    assert classes["Plugins"] == "included"
    assert classes["New page"] in ("included+billable", "billable", "included")
    assert "needs-approval" not in classes.values()


def test_approve_other_refusals(cli: Any, desk: Path, snapshot: Any) -> None:
    out = _message(desk, 2, "matti@acme.fi", None, direction="out")
    before = snapshot()
    assert "--message ID" in cli.fails(2, "ticket", "approve", "2").stderr
    assert "outgoing" in cli.fails(2, "ticket", "approve", "2", "--message", str(out)).stderr
    assert "no stored message" in cli.fails(2, "ticket", "approve", "2", "--message", "999").stderr
    assert (
        "does not need approval" in cli.fails(2, "ticket", "approve", "1", "--override", "x").stderr
    )
    assert "needs a reason" in cli.fails(2, "ticket", "approve", "2", "--override", " ").stderr
    assert "no ticket #9" in cli.fails(2, "ticket", "approve", "9", "--override", "x").stderr
    assert snapshot() == before


def test_approve_with_an_authenticated_message_from_a_designated_contact(
    cli: Any, desk: Path
) -> None:
    trust_mx(desk)
    # no DMARC verdict: a DKIM pass aligned with the From domain
    msg = _message(
        desk, 2, "matti@acme.fi", "mx.agency.example; dkim=pass header.d=acme.fi; dmarc=none"
    )
    cli.ok("log", "2", "30m", "New page")
    assert cli.json("log", "list", "--json")[0]["class"] == "needs-approval"
    data = cli.json("ticket", "approve", "2", "--message", str(msg), "--json")
    assert data["message"] == msg
    assert cli.json("log", "list", "--json")[0]["class"] == "included"
    row = db(desk).execute("SELECT approval_message_id FROM tickets WHERE id = 2").fetchone()
    assert row[0] == msg
    event = (
        db(desk).execute("SELECT actor, data FROM events WHERE kind = 'ticket.approved'").fetchone()
    )
    assert (
        event["actor"] == "alice" and json.loads(event["data"])["new"]["approval_message_id"] == msg
    )
    assert (
        "already approved" in cli.fails(2, "ticket", "approve", "2", "--override", "again").stderr
    )


def test_approve_override_records_who(cli: Any, desk: Path) -> None:
    cli.ok("ticket", "approve", "2", "--override", "agreed in the monthly meeting", "--as", "bob")
    row = db(desk).execute("SELECT approval_override FROM tickets WHERE id = 2").fetchone()
    assert row[0] == "agreed in the monthly meeting (by bob)"
    event = (
        db(desk).execute("SELECT actor, data FROM events WHERE kind = 'ticket.approved'").fetchone()
    )
    assert (
        event["actor"] == "bob"
        and json.loads(event["data"])["override"] == "agreed in the monthly meeting"
    )


def test_demo_logs_a_month_with_the_quota_running_out_and_a_request_waiting(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-11-24T09:00:00Z")
    out = cli.ok("demo", "--dir", str(tmp_path / "demo")).stdout
    assert "21 entries in 2026-10" in out and "wait for approval" in out
    assert "ran out on 2026-10-21" in out and "extra: agree first" in out
    monkeypatch.setenv("SUPPORTCTL_DB", str(tmp_path / "demo" / "supportctl.db"))
    monkeypatch.setenv("SUPPORTCTL_CONFIG", str(tmp_path / "demo" / "config.toml"))
    rows = cli.json("log", "list", "--month", "2026-10", "--json")
    classes = {r["class"] for r in rows}
    assert classes == {"included", "billable", "non-billable", "needs-approval"}
    assert {r["customer"] for r in rows} == {"acme", "kovo", "pixel"}
    assert {r["person"] for r in rows} == {"alice", "bob", "carol", "dave"}
    assert any(r["extra"] for r in rows)
