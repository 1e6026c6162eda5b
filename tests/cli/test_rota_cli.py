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
