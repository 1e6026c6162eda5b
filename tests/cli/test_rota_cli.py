"""`rota show|set|swap|ics` through the real app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

NOW = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z"}  # Wednesday of 2026-W48


@pytest.fixture
def team(cli: Any, initialized: Path) -> Any:
    for handle in ("alice", "bob", "carol", "dave"):
        cli.ok(
            "team", "add", handle, "--name", handle.title(), "--email", f"{handle}@agency.example"
        )
    return cli


def test_rota_set_show_json(team: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    weeks = team.json("rota", "show", "--weeks", "6", "--json", env=NOW)
    assert [(w["id"], w["person"], w["reason"]) for w in weeks] == [
        ("2026-W48", "alice", "regular"),
        ("2026-W49", "bob", "regular"),
        ("2026-W50", "carol", "regular"),
        ("2026-W51", "alice", "regular"),
        ("2026-W52", "bob", "regular"),
        ("2026-W53", "carol", "regular"),
    ]
    assert weeks[0]["start"] == "2026-11-23"


def test_rota_swap_and_absence_show_why(team: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    team.ok("rota", "swap", "2026-W50", "dave", env=NOW)
    team.ok("team", "edit", "bob", "--away", "2026-12-02", env=NOW)
    result = team.ok("rota", "show", "--weeks", "3", env=NOW)
    assert "swap" in result.stdout and "dave" in result.stdout
    assert "absence: bob away" in result.stdout


def test_rota_refusals_exit_2_and_write_nothing(team: Any, snapshot: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "--start", "2026-W48", env=NOW)
    before = snapshot()
    r = team.fails(2, "rota", "swap", "2026-W47", "dave", env=NOW)
    assert "in the past" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = team.fails(2, "rota", "swap", "2026-W54", "dave", env=NOW)
    assert "2026-W54" in r.stderr
    team.fails(2, "rota", "swap", "2026-W50", "zed", env=NOW)
    team.fails(2, "rota", "set", "alice", "zed", env=NOW)
    team.fails(2, "rota", "set", "alice", "alice", env=NOW)
    team.fails(2, "rota", "set", "alice", "--start", "2026-W54", env=NOW)
    assert snapshot() == before


def test_rota_empty_warns(team: Any) -> None:
    result = team.ok("rota", "show", env=NOW)
    assert "rota is empty" in result.stderr
    assert "nobody" in result.stdout


def test_rota_ics(team: Any, initialized: Path) -> None:
    from icalendar import Calendar

    team.ok("rota", "set", "alice", "bob", "--start", "2026-W48", env=NOW)
    out = initialized / "duty.ics"
    team.ok("rota", "ics", "--out", str(out), "--weeks", "4", env=NOW)
    cal = Calendar.from_ical(out.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["Support duty: alice", "Support duty: bob"] * 2
    assert events[0].decoded("dtstart").isoformat() == "2026-11-23"


def test_rota_skips_people_who_left_and_refuses_them(team: Any, snapshot: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    team.ok("team", "edit", "alice", "--left", env=NOW)
    weeks = team.json("rota", "show", "--weeks", "1", "--json", env=NOW)
    assert (weeks[0]["person"], weeks[0]["reason"]) == ("bob", "absence: alice away")
    before = snapshot()
    result = team.fails(2, "rota", "set", "alice", "bob", env=NOW)
    assert "has left" in result.stderr
    assert snapshot() == before


def test_rota_swap_onto_someone_away_is_refused_unless_forced(team: Any, snapshot: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    team.ok("team", "edit", "dave", "--away", "2026-12-16", env=NOW)  # Wednesday of W51
    before = snapshot()
    r = team.fails(2, "rota", "swap", "2026-W51", "dave", env=NOW)
    assert "dave is away Wed 16.12.2026, a business day of 2026-W51" in r.stderr
    assert "--force" in r.stderr
    assert snapshot() == before
    team.ok("rota", "swap", "2026-W51", "dave", "--force", env=NOW)
    weeks = team.json("rota", "show", "--weeks", "4", "--json", env=NOW)
    assert (weeks[3]["person"], weeks[3]["reason"]) == ("dave", "swap (forced)")


def test_rota_swap_onto_someone_who_left_is_refused_even_forced(team: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "--start", "2026-W48", env=NOW)
    team.ok("team", "edit", "dave", "--left", env=NOW)
    r = team.fails(2, "rota", "swap", "2026-W50", "dave", "--force", env=NOW)
    assert "dave has left the team" in r.stderr


def test_rota_absence_or_leaving_after_a_swap_hands_the_week_on(team: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    team.ok("rota", "swap", "2026-W50", "dave", env=NOW)
    team.ok("rota", "swap", "2026-W51", "bob", env=NOW)
    team.ok("team", "edit", "dave", "--away", "2026-12-07..2026-12-08", env=NOW)
    team.ok("team", "edit", "bob", "--left", env=NOW)
    weeks = team.json("rota", "show", "--weeks", "4", "--json", env=NOW)
    assert [(w["id"], w["person"], w["reason"]) for w in weeks[2:]] == [
        ("2026-W50", "carol", "swap set aside: dave away; regular"),
        ("2026-W51", "alice", "swap set aside: bob left; regular"),
    ]
    shown = team.ok("rota", "show", "--weeks", "4", env=NOW).stdout
    assert "swap set aside: dave away" in shown and "swap set aside: bob left" in shown


def test_rota_unswap_restores_the_order(team: Any, snapshot: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    team.ok("rota", "swap", "2026-W50", "dave", env=NOW)
    out = team.ok("rota", "unswap", "2026-W50", env=NOW).stdout
    assert out.startswith("2026-W50 (07.12.–13.12.2026): carol on duty (regular)")
    weeks = team.json("rota", "show", "--weeks", "3", "--json", env=NOW)
    assert (weeks[2]["person"], weeks[2]["reason"]) == ("carol", "regular")
    before = snapshot()
    r = team.fails(2, "rota", "unswap", "2026-W50", env=NOW)
    assert "2026-W50 has no swap to undo" in r.stderr
    team.fails(2, "rota", "unswap", "2026-W47", env=NOW)
    team.fails(2, "rota", "unswap", "next week", env=NOW)
    assert snapshot() == before


def test_rota_show_problems_lists_tickets_of_people_away_or_gone(team: Any) -> None:
    team.ok("rota", "set", "alice", "bob", "carol", "--start", "2026-W48", env=NOW)
    team.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--domain",
        "acme.fi",
    )
    for subject in ("Lomake", "Kassa", "DNS"):
        team.ok("ticket", "new", "--customer", "acme", "--from", "m@acme.fi", subject, env=NOW)
    team.ok("ticket", "assign", "1", "bob", env=NOW)
    team.ok("ticket", "assign", "2", "carol", env=NOW)
    team.ok("ticket", "assign", "3", "dave", env=NOW)
    assert team.json("rota", "show", "--problems", "--json", env=NOW) == []
    team.ok("team", "edit", "bob", "--away", "2026-11-24..2026-11-27", env=NOW)
    team.ok("team", "edit", "carol", "--left", env=NOW)
    data = team.json("rota", "show", "--problems", "--json", env=NOW)
    assert data == [
        {
            "ticket": 1,
            "subject": "Lomake",
            "owner": "bob",
            "why": "away until 27.11.2026",
            "on_duty": "alice",
        },
        {
            "ticket": 2,
            "subject": "Kassa",
            "owner": "carol",
            "why": "left the team",
            "on_duty": "alice",
        },
    ]
    shown = team.ok("rota", "show", "--problems", env=NOW)
    assert "away until 27.11.2026" in shown.stdout and "left the team" in shown.stdout
    assert "ticket assign" in shown.stderr
    left = team.ok("team", "edit", "dave", "--left", env=NOW)
    assert "warning: dave owns 1 open ticket; see `supportctl rota show --problems`" in left.stderr


def test_team_away_and_customer_until_read_the_local_forms_strictly(
    team: Any, snapshot: Any
) -> None:
    team.ok("team", "edit", "bob", "--away", "21.12.2026..6.1.2027", "--away", "13.11.", env=NOW)
    (bob,) = [p for p in team.json("team", "list", "--json", env=NOW) if p["id"] == "bob"]
    assert sorted((a["start"], a["end"]) for a in bob["away"]) == [
        ("2026-11-13", "2026-11-13"),
        ("2026-12-21", "2027-01-06"),
    ]
    team.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance", env=NOW)
    before = snapshot()
    for bad in ("11/03/2026", "2026-13-01", "12.10", "-5"):
        r = team.fails(2, "team", "edit", "bob", "--away", bad, env=NOW)
        assert "13.11.2026" in r.stderr and len(r.stderr.strip().splitlines()) == 1
        r = team.fails(2, "customer", "edit", "acme", "--level", "premium", "--until", bad, env=NOW)
        assert "13.11.2026" in r.stderr
    assert snapshot() == before
    team.ok("customer", "edit", "acme", "--level", "premium", "--until", "31.12.", env=NOW)
