"""Ticket lifecycle through the real app: new, note, status, urgency, kind, assign, merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Workspace

pytestmark = pytest.mark.both_engines

WED = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z"}  # Wednesday 12:00 Helsinki, 2026-W48


def at(moment: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": moment}


@pytest.fixture
def desk(workspace: Workspace) -> Any:
    workspace.customer(
        "acme",
        "maintenance",
        name="Acme Oy",
        level="premium",
        rate=75,
        domain="acme.fi",
        reaction="15m",
    )
    workspace.customer("pixel", "adhoc", name="Pixel", level="light", rate=90)
    workspace.customer("kovo", "hosting", name="Kovo", level="standard", rate=90)
    workspace.contact("acme", "matti@acme.fi", name="Matti", can_order=True)
    for handle in ("alice", "bob", "carol"):
        workspace.person(handle, handle.title(), f"{handle}@agency.example")
    workspace.cli.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=WED)
    return workspace.cli


def new(cli: Any, customer: str, subject: str, text: str = "", env: dict[str, str] = WED) -> int:
    cli.ok(
        "ticket",
        "new",
        "--customer",
        customer,
        "--from",
        f"someone@{customer}.example",
        subject,
        text,
        env=env,
    )
    rows = cli.json("inbox", "--no-fetch", "--all", "--json", env=env)
    return max(r["id"] for r in rows)


def show(cli: Any, ticket_id: int, env: dict[str, str] = WED) -> Any:
    return cli.json("ticket", "show", str(ticket_id), "--json", env=env)


def test_ticket_new_sets_owner_urgency_level_and_due_times(desk: Any) -> None:
    result = desk.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "matti@acme.fi",
        "Lomake ei toimi",
        "Soitti",
        env=WED,
    )
    assert "#1" in result.stdout and "owner alice" in result.stdout
    t = show(desk, 1)
    assert (t["owner"], t["urgency"], t["kind"], t["level"]) == (
        "alice",
        "urgent",
        "incident",
        "premium",
    )
    assert t["due_response_at"] == "2026-11-25T10:15:00Z"  # 15 min reaction time
    assert t["due_resolution_at"] == "2026-11-26T10:00:00Z"  # maintenance: 1 business day
    assert t["needs_approval"] is False  # a designated contact
    kinds = [e["kind"] for e in t["events"]]
    assert kinds[:2] == ["ticket.created", "ticket.assigned"]
    assert t["events"][1]["data"]["owner"] == "alice"


def test_ticket_new_after_hours_sunday_goes_to_next_week(desk: Any) -> None:
    sunday_night = at("2026-11-29T21:00:00Z")  # Sunday 23:00 Helsinki
    tid = new(desk, "pixel", "Logo change", env=sunday_night)
    t = show(desk, tid, env=sunday_night)
    assert t["owner"] == "bob"
    assert t["due_response_at"] == "2026-11-30T15:00:00Z"  # Monday 09:00 + 8 business hours
    assert t["needs_approval"] is True  # not a designated contact


def test_ticket_new_with_empty_rota_stays_unowned_and_inbox_warns(
    cli: Any, initialized: Path
) -> None:
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc", "--rate", "75")
    cli.ok("ticket", "new", "--customer", "acme", "--from", "a@acme.example", "Hello", env=WED)
    assert show(cli, 1)["owner"] is None
    result = cli.ok("inbox", "--no-fetch", env=WED)
    assert "rota is empty" in result.stderr
    assert "Hello" in result.stdout


def test_ticket_waiting_pauses_resolution_clock(desk: Any) -> None:
    tid = new(desk, "pixel", "Question")  # light: 30 business days
    before = show(desk, tid)["due_resolution_at"]
    desk.ok("ticket", "status", str(tid), "waiting", env=WED)
    waiting = show(desk, tid, env=at("2026-11-27T10:00:00Z"))
    assert waiting["sla"]["target"] == "response"  # waiting pauses resolution only
    desk.ok(
        "ticket", "status", str(tid), "open", env=at("2026-11-26T10:00:00Z")
    )  # one business day later
    after = show(desk, tid, env=at("2026-11-26T10:00:00Z"))
    assert after["paused_minutes"] == 480
    assert after["due_resolution_at"] > before
    statuses = [
        (e["data"]["old"], e["data"]["new"])
        for e in after["events"]
        if e["kind"] == "ticket.status"
    ]
    assert statuses == [("new", "waiting"), ("waiting", "open")]


def test_ticket_resolved_closes_after_five_quiet_business_days(desk: Any) -> None:
    tid = new(desk, "pixel", "Question")
    other = new(desk, "kovo", "Another question")
    desk.ok("ticket", "status", str(tid), "resolved", env=WED)
    # Wednesday + 4 business days (Tuesday) is too early; any command that writes
    # applies the rule.
    desk.ok("ticket", "note", str(other), "still open", env=at("2026-12-01T10:00:00Z"))
    assert show(desk, tid, env=at("2026-12-01T10:00:00Z"))["status"] == "resolved"
    desk.ok("ticket", "note", str(other), "still open", env=at("2026-12-02T10:00:00Z"))
    t = show(desk, tid, env=at("2026-12-02T10:00:00Z"))
    assert t["status"] == "closed"
    assert t["events"][-1]["data"]["reason"] == "no reply for 5 business days"


def test_commands_that_only_read_leave_the_database_file_as_it_was(
    desk: Any, initialized: Path, db_engine: str
) -> None:
    """Auto-close is upkeep for commands that write: a read-only command, even when a
    resolved ticket is due to close, changes not one byte of the database."""
    if db_engine == "postgresql":
        pytest.skip("compares the bytes of the SQLite file")
    tid = new(desk, "pixel", "Question")
    desk.ok("log", "add", str(tid), "25m", "looked into it", "--as", "alice", env=WED)
    desk.ok("ticket", "status", str(tid), "resolved", env=WED)
    due = at("2026-12-02T10:00:00Z")  # five quiet business days later
    reads = [
        ("inbox", "--no-fetch"),
        ("inbox", "--no-fetch", "--json"),
        ("log", "list"),
        ("log", "list", "--json"),
        ("ticket", "show", str(tid)),
        ("ticket", "show", str(tid), "--json"),
        ("team", "list"),
        ("search", "Question"),
    ]
    for args in reads:  # the day before, so the caches a read may fill (holidays, totals) are full
        desk.ok(*args, env=at("2026-12-01T10:00:00Z"))
    db = initialized / "supportctl.db"
    before = db.read_bytes()
    for args in reads:
        desk.ok(*args, env=due)
        assert db.read_bytes() == before, f"{' '.join(args)} wrote to the database"
    assert (
        not (initialized / "supportctl.db-wal").exists()
        or not (initialized / "supportctl.db-wal").stat().st_size
    )
    assert show(desk, tid, env=due)["status"] == "resolved"
    desk.ok("ticket", "note", str(tid), "a write closes it first", env=due)
    assert show(desk, tid, env=due)["status"] == "closed"


def test_ticket_overrides_assign_and_note(desk: Any) -> None:
    tid = new(desk, "kovo", "Access for a new editor")
    assert (
        "urgency normal → urgent"
        in desk.ok("ticket", "urgency", str(tid), "urgent", env=WED).stdout
    )
    desk.ok("ticket", "kind", str(tid), "incident", env=WED)
    desk.ok("ticket", "assign", str(tid), "carol", env=WED)
    desk.ok("ticket", "note", str(tid), "Soitettu, odottaa tunnuksia", env=WED)
    t = show(desk, tid)
    assert (t["urgency"], t["kind"], t["owner"]) == ("urgent", "incident", "carol")
    human = desk.ok("ticket", "show", str(tid), env=WED).stdout
    assert "note: Soitettu, odottaa tunnuksia" in human
    assert "owner → carol" in human and "status" in human


def test_ticket_merge_keeps_history_and_both_ids_resolve(desk: Any) -> None:
    first = new(desk, "acme", "Form broken")
    second = new(desk, "acme", "Form still broken")
    desk.ok("ticket", "note", str(second), "duplicate of the first", env=WED)
    desk.ok("ticket", "merge", str(second), str(first), env=WED)
    via_old = show(desk, second)
    assert via_old["id"] == first
    assert via_old["merged_from"] == [second]
    assert any(e["kind"] == "ticket.note" and e["ticket"] == second for e in via_old["events"])
    ids = [r["id"] for r in desk.json("inbox", "--no-fetch", "--json", env=WED)]
    assert second not in ids and first in ids
    desk.ok("ticket", "note", str(second), "goes to the merged ticket", env=WED)
    assert show(desk, first)["events"][-1]["data"]["text"] == "goes to the merged ticket"


def test_ticket_new_by_phone_without_an_address(desk: Any, snapshot: Any) -> None:
    before = snapshot()
    r = desk.fails(2, "ticket", "new", "--customer", "acme", "Lomake", env=WED)
    assert "--phone" in r.stderr
    for bad in ("12", "call me", "+358 40 abc", "+" + "1" * 16, "040\x1b[2J"):
        r = desk.fails(2, "ticket", "new", "--customer", "acme", "--phone", bad, "X", env=WED)
        assert "is not a telephone number" in r.stderr and "\x1b" not in r.stderr
    assert snapshot() == before
    out = desk.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--phone",
        " +358 40  123 4567 ",
        "Lomake ei toimi",
        "Soitti klo 10",
        env=WED,
    )
    tid = int(out.stdout.split()[0].lstrip("#"))
    t = show(desk, tid)
    assert t["requester"] == "+358 40 123 4567" and t["customer"] == "acme"
    assert any(
        e["kind"] == "ticket.note" and e["data"]["phone"] == "+358 40 123 4567" for e in t["events"]
    )
    human = desk.ok("ticket", "show", str(tid), env=WED).stdout
    assert "note (by phone from +358 40 123 4567): Soitti klo 10" in human
    assert "None" not in human and "?" not in human
    both = desk.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "matti@acme.fi",
        "--phone",
        "040 1234567",
        "Soitto",
        env=WED,
    )
    assert show(desk, int(both.stdout.split()[0].lstrip("#")))["requester"] == "matti@acme.fi"


def test_ticket_show_history_of_time_entries_has_no_python_values(desk: Any) -> None:
    tid = new(desk, "acme", "Form broken")
    other = new(desk, "acme", "Other")
    desk.ok("log", str(tid), "25m", "Plugins", "--as", "alice", env=WED)
    desk.ok("log", "edit", "1", "--class", "billable", "--as", "alice", env=WED)
    desk.ok("log", "edit", "1", "--class", "auto", "--ticket", str(other), "--as", "alice", env=WED)
    desk.ok("log", str(tid), "5m", "Check", "--allow-overlap", "--as", "alice", env=WED)
    desk.ok("log", "rm", "2", "--as", "alice", env=WED)
    human = desk.ok("ticket", "show", str(tid), env=WED).stdout
    assert "None" not in human and "uuid" not in human
    assert "time logged: entry 1, 25 min: Plugins" in human
    assert "time entry 1 changed: class auto → billable" in human
    assert f"time entry 1 changed: ticket #{tid} → #{other}, class billable → auto" in human
    assert "time entry 2 removed (5 min)" in human


def test_ticket_merge_of_two_customers_needs_force_and_keeps_the_higher_urgency(
    desk: Any, snapshot: Any
) -> None:
    first = new(desk, "acme", "Form broken")
    second = new(desk, "pixel", "Site down")
    desk.ok("ticket", "urgency", str(second), "urgent", env=WED)
    assert show(desk, first)["urgency"] == "normal"
    before = snapshot()
    result = desk.fails(2, "ticket", "merge", str(second), str(first), env=WED)
    assert (
        f"not merged: #{second} is pixel's and #{first} is acme's: pixel's mail would join acme's ticket"
        in result.stderr
    )
    assert "--force" in result.stderr
    assert snapshot() == before
    desk.ok("ticket", "merge", str(second), str(first), "--force", env=WED)
    merged = show(desk, first)
    assert merged["urgency"] == "urgent" and merged["merged_from"] == [second]


def test_ticket_merge_of_two_customers_asks_on_a_terminal(desk: Any, snapshot: Any) -> None:
    import os
    import pty
    import subprocess
    import sys

    first = new(desk, "acme", "Form broken")
    second = new(desk, "pixel", "Site down")

    def merge_answering(answer: bytes) -> tuple[int, str]:
        controller, terminal = pty.openpty()
        os.write(controller, answer)
        proc = subprocess.run(
            [sys.executable, "-m", "supportctl", "ticket", "merge", str(second), str(first)],
            stdin=terminal,
            capture_output=True,
            env={**os.environ, **WED},
            timeout=120,
        )
        os.close(controller)
        os.close(terminal)
        return proc.returncode, (proc.stdout + proc.stderr).decode()

    before = snapshot()
    code, output = merge_answering(b"n\n")
    assert code == 2 and "Merge anyway?" in output and "not merged" in output
    assert snapshot() == before
    code, output = merge_answering(b"y\n")
    assert code == 0 and f"#{second} merged into #{first}" in output
    assert show(desk, first)["merged_from"] == [second]


@pytest.mark.parametrize(
    "args",
    [
        ("ticket", "status", "1", "wating"),
        ("ticket", "status", "99", "open"),
        ("ticket", "urgency", "1", "very"),
        ("ticket", "kind", "1", "question"),
        ("ticket", "assign", "1", "zed"),
        ("ticket", "merge", "1", "1"),
        ("ticket", "merge", "1", "99"),
        ("ticket", "note", "1", "  "),
        ("ticket", "new", "--customer", "nope", "--from", "a@b.example", "Hi"),
        ("ticket", "new", "--customer", "acme", "--from", "not-an-address", "Hi"),
        ("ticket", "new", "--customer", "acme", "--from", "a@b.example", " "),
        ("inbox", "--no-fetch", "--customer", "nope"),
        ("inbox", "--no-fetch", "--mine", "--as", "zed"),
    ],
)
def test_ticket_bad_input_exit_2_one_line_nothing_written(
    desk: Any, snapshot: Any, args: tuple[str, ...]
) -> None:
    desk.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Hello", env=WED)
    before = snapshot()
    result = desk.fails(2, *args, env=WED)
    assert result.stderr.startswith("error: ")
    assert len([line for line in result.stderr.splitlines() if line.startswith("error")]) == 1
    assert snapshot() == before


def test_ticket_temporary_raise_applies_to_tickets_created_meanwhile(desk: Any) -> None:
    desk.ok(
        "customer",
        "edit",
        "pixel",
        "--level",
        "premium",
        "--hours",
        "24x7",
        "--until",
        "2026-11-30",
        env=WED,
    )
    during = new(desk, "pixel", "During the raise")
    t = show(desk, during)
    assert (t["level"], t["hours"]) == ("premium", "24x7")
    assert t["due_response_at"] == "2026-11-26T10:00:00Z"  # 24/7: one day of elapsed time
    after_env = at("2026-12-02T10:00:00Z")
    after = new(desk, "pixel", "After the raise", env=after_env)
    assert (
        show(desk, after, env=after_env)["level"],
        show(desk, after, env=after_env)["hours"],
    ) == ("light", "business")
    assert show(desk, during, env=after_env)["level"] == "premium"  # kept at creation


def test_a_fetch_that_brings_no_mail_still_closes_due_tickets(desk: Any, tmp_path: Path) -> None:
    """The mail service runs auto-close on every run, not only when mail arrives."""
    tid = new(desk, "pixel", "Question")
    desk.ok("ticket", "status", str(tid), "resolved", env=WED)
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    due = at("2026-12-02T10:00:00Z")
    desk.ok("fetch", "--source", f"mbox:{empty}", "--dry-run", env=due)
    assert show(desk, tid, env=due)["status"] == "resolved"  # a dry run writes nothing
    desk.ok("fetch", "--source", f"mbox:{empty}", env=due)
    assert show(desk, tid, env=due)["status"] == "closed"


def test_the_first_write_closes_due_tickets_first_and_a_read_does_not(desk: Any) -> None:
    """Auto-close runs before a command's first write, the same on both engines (a
    server checks for due tickets in the write's own round trip, and when some are due
    closes them before the write's statements run)."""
    due_one = new(desk, "pixel", "Question")
    other = new(desk, "acme", "Another")
    desk.ok("ticket", "status", str(due_one), "resolved", env=WED)
    later = at("2026-12-02T10:00:00Z")
    desk.ok("inbox", "--no-fetch", env=later)
    assert show(desk, due_one, env=later)["status"] == "resolved"  # reads close nothing
    desk.ok("log", str(other), "25m", "checked", env={**later, "SUPPORTCTL_USER": "alice"})
    assert show(desk, due_one, env=later)["status"] == "closed"
    assert [e["minutes"] for e in desk.json("log", "list", "--json", env=later)] == [25]


def test_a_status_edit_on_a_due_ticket_sees_it_closed_first(desk: Any) -> None:
    due_one = new(desk, "pixel", "Question")
    desk.ok("ticket", "status", str(due_one), "resolved", env=WED)
    later = at("2026-12-02T10:00:00Z")
    result = desk(*("ticket", "status", str(due_one), "open"), env=later)
    # closed by the upkeep (committed on its own) before the edit, which then is stale
    assert result.exit_code == 2 and "changed meanwhile (status → closed)" in result.stderr
    assert show(desk, due_one, env=later)["status"] == "closed"
