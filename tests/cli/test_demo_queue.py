"""The demo shows a rota and an inbox whose tickets have owners and SLA clocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_demo_shows_rota_and_queue_with_owners_and_clocks(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    env = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z", "COLUMNS": "200"}
    result = cli.ok("demo", "--dir", str(target), env=env)
    out = result.stdout
    assert "$ supportctl rota show --weeks 4" in out
    assert "2026-W48 ◀  Mon 23.11. – Sun 29.11.2026  alice    regular" in out
    assert "2026-W50    Mon 07.12. – Sun 13.12.2026  dave     swap" in out
    assert "reply 5m" in out  # the phoned-in premium request, 15 min reaction time
    db = {
        "SUPPORTCTL_DB": str(target / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(target / "config.toml"),
    }
    rows = cli.json("inbox", "--no-fetch", "--json", env={**env, **db})
    assert rows and all(r["owner"] for r in rows)
    assert rows[0]["urgency"] == "urgent"
    assert all(r["due"] for r in rows)


def test_demo_runs_at_its_own_monday_and_prints_real_command_output(
    cli: Any, tmp_path: Path
) -> None:
    target = tmp_path / "demo"
    out = cli.ok("demo", "--dir", str(target), env={"COLUMNS": "200"}).stdout
    assert "clock stands at 2026-11-02T08:30:00Z" in out
    assert "SUPPORTCTL_NOW=2026-11-02T08:30:00Z" in out
    # The shows are the commands' own output, so they match running them afterwards.
    env = {
        "SUPPORTCTL_DB": str(target / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(target / "config.toml"),
        "SUPPORTCTL_NOW": "2026-11-02T08:30:00Z",
        "COLUMNS": "200",
    }
    for argv in (["rota", "show", "--weeks", "4"], ["delegated"], ["inbox", "--no-fetch"]):
        assert cli.ok(*argv, env=env).stdout in out
    # The Thursday mail is late by Monday; the phoned-in request ten minutes ago is not.
    rows = {r["id"]: r for r in cli.json("inbox", "--no-fetch", "--json", env=env)}
    assert rows[1]["sla"]["breached"] is True
    assert rows[8]["sla"]["breached"] is False
