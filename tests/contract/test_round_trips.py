"""Round trips per command on PostgreSQL, counted through a proxy (tests/pgproxy.py):
connection set-up, authentication and every batch of statements the client waits for.

Each command runs as its own process, as a user would run it. The test cluster offers
no TLS, so the URL says `sslmode=disable`: connecting then costs 3 round trips (the
startup packet and two SCRAM steps), counted apart from the command's own. Under
libpq's default `sslmode=prefer` the SSL request adds 1 (checked below), and a server
with TLS adds its handshake (1 more with TLS 1.3).

The limits are on the command's own round trips: the issue's target (connection
included) less the 3 of connecting where it is met; where it is not met yet, the count
reached (the issue's target beside it), so that no change can add a round trip unnoticed.
"""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)

# Connecting without TLS: the startup packet and two SCRAM authentication steps.
CONNECT = 3
# command -> (limit on its own round trips after connecting, the target with
# the connection included)
LIMITS: dict[str, tuple[int, int]] = {
    "log 3 25m": (2, 5),
    "log start": (2, 5),
    "log stop": (2, 5),
    "ticket note": (2, 5),
    "ticket status": (2, 5),
    "delegate done": (2, 5),
    "inbox --no-fetch": (1, 6),
    "ticket show": (2, 6),
    "delegated": (1, 6),
    "search": (2, 6),
    "log list --month": (1, 6),
    # not the list, counted so that they cannot grow unnoticed either
    "log 3 25m, overlap checked": (2, 5),
    "log --customer": (2, 5),
    "log stop, logging the entry": (2, 5),
    "log list --month, cache refilled": (3, 6),
    "ticket status, leaving waiting": (2, 5),
    "delegated --mine": (1, 6),
    "ticket show, mail and a suggestion": (2, 6),
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
    # ticket 13: mail with an attachment and a reply, and an article it finds
    box = mailbox.mbox(str(initialized / "in.mbox"))
    for raw in MAIL:
        item = mailbox.mboxMessage(raw)
        item.set_from("MAILER-DAEMON", (2026, 10, 13, 7, 0, 0, 1, 286, 0))
        box.add(item)
    box.flush()
    box.close()
    cli.ok("fetch", "--source", f"mbox:{initialized / 'in.mbox'}")
    cli.ok("kb", "add", "Yhteydenottolomake ei toimi", "--lang", "fi", "-m", "Tyhjennä välimuisti.")
    return initialized


MAIL = [
    b"From: Matti <m@acme.fi>\r\nTo: tuki@agency.example\r\nSubject: Yhteydenottolomake rikki\r\n"
    b"Date: Tue, 13 Oct 2026 09:00:00 +0300\r\nMessage-ID: <a1@acme.fi>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nYhteydenottolomake ei toimi.\r\n--XX\r\n"
    b"Content-Type: text/plain; name=log.txt\r\n"
    b"Content-Disposition: attachment; filename=log.txt\r\n\r\nerror 500\r\n--XX--\r\n",
    b"From: Matti <m@acme.fi>\r\nTo: tuki@agency.example\r\nSubject: Re: Yhteydenottolomake rikki\r\n"
    b"Date: Tue, 13 Oct 2026 10:00:00 +0300\r\nMessage-ID: <a2@acme.fi>\r\n"
    b"In-Reply-To: <a1@acme.fi>\r\nReferences: <a1@acme.fi>\r\n\r\nYhteydenottolomake yha rikki.\r\n",
]


def _counted(proxy: Any, env: dict[str, str], *args: str) -> tuple[int, int]:
    """(round trips connecting, round trips after that) of one run of the command."""
    proxy.reset()
    done = subprocess.run(
        [sys.executable, "-m", "supportctl", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return int(proxy.connect_trips), int(proxy.own_trips)


def test_round_trips_per_command(desk: Path, pg_cluster: Any, db_target: str) -> None:
    from tests.pgproxy import Proxy

    proxy = Proxy(pg_cluster.port)
    with pg_cluster.passfile.open("a") as fh:
        fh.write(f"127.0.0.1:{proxy.port}:*:{pg_cluster.user}:{pg_cluster.password}\n")
    via = db_target.replace(f":{pg_cluster.port}/", f":{proxy.port}/")
    env = dict(
        os.environ,
        SUPPORTCTL_DB=f"{via}?sslmode=disable",
        SUPPORTCTL_USER="bob",
        SUPPORTCTL_NOW=FIXED_NOW,
        NO_COLOR="1",
    )

    def one(*args: str, **more: str) -> tuple[int, int]:
        return _counted(proxy, {**env, **more}, *args)

    later = "2026-10-14T09:00:00Z"  # half an hour after FIXED_NOW

    # The desk's holiday cache is filled by the first command that needs the business
    # calendar (one time, a round trip more). The desk was made in this process, where
    # an earlier test's calendar may be remembered, so that is done here first.
    one("inbox", "--no-fetch")

    got = {
        "log 3 25m": one("log", "3", "25m", "Updated plugins", "--allow-overlap"),
        "log start": one("log", "start", "5", "timer"),
        "log stop": one("log", "stop", "--discard"),
        "ticket note": one("ticket", "note", "4", "checked the logs"),
        "ticket status": one("ticket", "status", "6", "waiting"),
        "ticket status, leaving waiting": one("ticket", "status", "6", "open"),
        "delegate done": one("delegate", "done", "2"),
        "inbox --no-fetch": min(one("inbox", "--no-fetch"), one("inbox", "--no-fetch")),
        "ticket show": min(one("ticket", "show", "1"), one("ticket", "show", "1")),
        "delegated": min(one("delegated"), one("delegated")),
        "delegated --mine": one("delegated", "--mine"),
        "search": min(one("search", "lomake"), one("search", "lomake")),
        "log list --month": min(
            one("log", "list", "--month", "2026-10"), one("log", "list", "--month", "2026-10")
        ),
        "log 3 25m, overlap checked": one("log", "3", "25m", "x", SUPPORTCTL_USER="carol"),
        "log --customer": one("log", "--customer", "acme", "5m", "call", "--allow-overlap"),
    }
    mail = min(one("ticket", "show", "13"), one("ticket", "show", "13"))
    got["ticket show, mail and a suggestion"] = mail
    one("log", "start", "5", "timer")
    got["log stop, logging the entry"] = one("log", "stop", SUPPORTCTL_NOW=later)
    got["log list --month, cache refilled"] = one("log", "list", "--month", "2026-10")
    shown = {name: f"{c} + {own}" for name, (c, own) in got.items()}
    print("round trips, connect + own:", shown)
    assert all(c == CONNECT for c, _own in got.values()), shown
    over = {
        name: f"{CONNECT} + {own} > {CONNECT} + {LIMITS[name][0]} (issue: ≤ {LIMITS[name][1]})"
        for name, (_c, own) in got.items()
        if own > LIMITS[name][0]
    }
    assert not over, (over, shown)
    # A plain connection and one query: the proxy's own count is right, and libpq's
    # default sslmode=prefer spends one more on the SSL request the server declines.
    import psycopg

    for mode, connecting in (("disable", CONNECT), ("prefer", CONNECT + 1)):
        proxy.reset()
        with psycopg.connect(f"{via}?sslmode={mode}", autocommit=True) as conn:
            conn.execute("SELECT 1").fetchone()
        assert (proxy.connect_trips, proxy.own_trips) == (connecting, 1), mode
