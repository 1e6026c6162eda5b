"""`status` (a monitoring check) and the inbox warning about a watch that stopped syncing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from supportctl.store import watch as watch_store
from supportctl.store.db import open_store
from tests.conftest import Workspace

NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
ENV = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    workspace.edit_config(
        append='\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = 1\ntls = "none"\n'
        'user = "u"\npassword_env = "P"\nfolders = ["INBOX", "Urgent"]\n'
    )
    return workspace.root


def _write(ws: Path, fn, *args) -> None:  # type: ignore[no-untyped-def]
    store = open_store(ws / "supportctl.db")
    try:
        fn(store, *args)
    finally:
        store.close()


def test_status_json_shape_and_exit_1_when_never_synced(cli, desk: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    result = cli.fails(1, "status", "--json", env=ENV)
    doc = json.loads(result.stdout)
    assert doc == {
        "healthy": False,
        "max_age_seconds": 600,
        "at": "2026-10-14T08:30:00Z",
        "folders": [
            {
                "account": "support",
                "folder": folder,
                "last_ok": None,
                "synced_by": None,
                "last_error_at": None,
                "last_error": None,
                "stale": True,
                "watch": {"alive": False, "pid": None, "host": None, "heartbeat_age_seconds": None},
            }
            for folder in ("INBOX", "Urgent")
        ],
        "acknowledgements_waiting": 0,
        "alerts_waiting": 0,
    }


def test_status_is_healthy_within_max_age_and_shows_the_watch(cli, desk: Path) -> None:  # type: ignore[no-untyped-def]
    _write(desk, watch_store.record_ok, "support", ["INBOX", "Urgent"], NOW - timedelta(minutes=3))
    _write(
        desk, watch_store.record_error, "support", ["Urgent"], "connection refused \x1b[31m", NOW
    )
    store = open_store(desk / "supportctl.db")
    watch_store.acquire(
        store,
        "account:support",
        token="t",
        host="desk1",
        pid=4242,
        now=NOW - timedelta(seconds=20),
        stale_after=timedelta(minutes=2),
    )
    store.close()
    doc = cli.json("status", "--json", env=ENV)
    assert doc["healthy"] is True
    inbox, urgent = doc["folders"]
    assert inbox["last_ok"] == "2026-10-14T08:27:00Z" and inbox["stale"] is False
    assert inbox["synced_by"] == "watch"
    assert inbox["watch"] == {
        "alive": True,
        "pid": 4242,
        "host": "desk1",
        "heartbeat_age_seconds": 20,
    }
    assert urgent["last_error"].startswith("connection refused")
    table = cli.ok("status", env=ENV).stdout
    assert "pid 4242 on desk1" in table and "\x1b" not in table
    stale = cli.fails(1, "status", "--max-age", "2m", env=ENV)
    assert "STALE" in stale.stdout and "has not synced within 2 min" in stale.stderr


def test_status_refuses_a_bad_max_age(cli, desk: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.fails(2, "status", "--max-age", "ten minutes", env=ENV)
    assert "--max-age" in result.stderr and "10m" in result.stderr


def test_inbox_warns_when_a_watch_has_not_synced_for_ten_minutes(cli, desk: Path) -> None:  # type: ignore[no-untyped-def]
    assert "watch" not in cli.ok("inbox", "--no-fetch", env=ENV).stderr  # never watched
    _write(desk, watch_store.record_ok, "support", ["INBOX", "Urgent"], NOW - timedelta(minutes=25))
    result = cli.ok("inbox", "--no-fetch", env=ENV)
    assert "the watch of support/INBOX has not synced for 25 min" in result.stderr
    _write(desk, watch_store.record_ok, "support", ["INBOX", "Urgent"], NOW - timedelta(minutes=1))
    assert "has not synced" not in cli.ok("inbox", "--no-fetch", env=ENV).stderr
    # folders kept by `fetch` from cron: not the watch's business
    store = open_store(desk / "supportctl.db")
    watch_store.record_ok(store, "support", ["INBOX"], NOW - timedelta(hours=2), via="fetch")
    store.close()
    assert "support/INBOX" not in cli.ok("inbox", "--no-fetch", env=ENV).stderr


def test_watch_without_accounts_is_a_config_error(cli, initialized: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.fails(3, "watch")
    assert "no [[imap]] accounts" in result.stderr


def test_alert_test_without_channels_is_a_config_error(cli, initialized: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.fails(3, "alert", "test")
    assert "no alert channel" in result.stderr


def test_alerts_config_is_validated(cli, initialized: Path) -> None:  # type: ignore[no-untyped-def]
    config = initialized / "config.toml"
    base = config.read_text()
    config.write_text(base + '\n[alerts]\ncommand = "notify-send urgent"\n')
    result = cli.fails(3, "config", "show")
    assert "[alerts] key 'command' must be a list of program and arguments" in result.stderr
    config.write_text(
        base + '\n[alerts]\nmail = true\ncommand = ["/bin/true"]\ntimeout_seconds = 5\n'
    )
    shown = cli.json("config", "show", "--json")
    assert shown["alerts"] == {"mail": True, "command": ["/bin/true"], "timeout_seconds": 5}
