"""The demo shows a rota and an inbox whose tickets have owners and SLA clocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_demo_shows_rota_and_queue_with_owners_and_clocks(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    env = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z", "COLUMNS": "200"}
    result = cli.ok("demo", "--dir", str(target), env=env)
    out = result.stdout
    assert "supportctl rota show --weeks 4" in out
    assert "2026-W48  23.11.–29.11.2026  alice    regular" in out
    assert "2026-W50  07.12.–13.12.2026  dave     swap" in out
    assert "reply 5m" in out  # the phoned-in premium request, 15 min reaction time
    db = {
        "SUPPORTCTL_DB": str(target / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(target / "config.toml"),
    }
    rows = cli.json("inbox", "--no-fetch", "--json", env={**env, **db})
    assert rows and all(r["owner"] for r in rows)
    assert rows[0]["urgency"] == "urgent"
    assert all(r["due"] for r in rows)
