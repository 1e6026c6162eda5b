"""Crash safety: `supportctl fetch` killed with SIGKILL at 13 points, then rerun.

The child process is the real CLI; a small wrapper (test code only) counts events
(a fetched batch arriving, message insert, ticket creation, sync-state write, before/after COMMIT,
before/after the archive MOVE) and kills itself with SIGKILL at the N-th one. After
each kill a plain rerun must end with exactly the messages, tickets and threading of
a clean run: nothing lost, nothing doubled. On PostgreSQL (7 of the points) too, with
the same ticket numbers: the ids a killed run took from a sequence are given again.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

CHILD = r"""
import os, signal, sys
from contextlib import contextmanager

point, nth = sys.argv[1], int(sys.argv[2])
seen = {"n": 0}

def hit(name):
    if name == point:
        seen["n"] += 1
        if seen["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)

from supportctl.store import db, mailstate, messages
from supportctl.services import importing, tickets
from supportctl.mail import imap

def wrap(owner, attr, before=None, after=None):
    original = getattr(owner, attr)
    def wrapper(*a, **k):
        if before:
            hit(before)
        result = original(*a, **k)
        if after:
            hit(after)
        return result
    setattr(owner, attr, wrapper)

wrap(messages, "insert", "insert", "after-insert")
wrap(mailstate, "put", "state")
wrap(tickets, "create_ticket", None, "ticket")
wrap(importing, "ingest_batch", "batch")
wrap(imap.ImapSession, "move", "before-move", "after-move")
def wrap_transaction(cls):
    original_tx = cls.transaction

    @contextmanager
    def transaction(self, **kwargs):
        outer = self._depth == 0
        with original_tx(self, **kwargs) as conn:
            yield conn
            if outer:
                hit("before-commit")
        if outer:
            hit("after-commit")

    cls.transaction = transaction

wrap_transaction(db.Store)
if os.environ["SUPPORTCTL_DB"].startswith("postgresql:"):
    from supportctl.store import pg
    wrap_transaction(pg.PgStore)
from supportctl.cli import main
sys.argv = ["supportctl", "fetch"]
main()
"""

POINTS = [
    ("batch", 2, False),
    ("insert", 1, False),
    ("insert", 7, False),
    ("after-insert", 20, False),
    ("ticket", 3, False),
    ("state", 1, False),
    ("state", 3, False),
    ("before-commit", 2, False),
    ("after-commit", 1, False),
    ("after-commit", 4, False),
    ("before-move", 1, True),
    ("after-move", 1, True),
    ("insert", 30, True),
]


def _messages(count: int) -> list[bytes]:
    out = []
    for n in range(1, count + 1):
        if n % 7 == 0:
            subject, extra = f"Re: [#{n // 7}] asia", ""
        elif n % 5 == 0:
            subject, extra = "Re: kysymys", f"In-Reply-To: <c{n - 1}@acme.fi>\r\n"
        elif n % 11 == 0:
            subject, extra = "Poissa toimistolta", "Auto-Submitted: auto-replied\r\n"
        else:
            subject, extra = f"Kysymys {n}: sivusto ei toimi", ""
        body = (
            f"Viesti {n}, ä ö å č ř.\r\n" + "lorem ipsum dolor sit amet " * 300 + "\r\n"
        ).encode()
        out.append(
            (
                f"From: Asiakas <asiakas{n % 4}@acme.fi>\r\nTo: support@agency.example\r\n"
                f"Subject: {subject}\r\nMessage-ID: <c{n}@acme.fi>\r\n{extra}"
                f"Date: Tue, 13 Oct 2026 10:{n % 60:02d}:00 +0300\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            ).encode()
            + body
        )
    out.append(out[2])  # the same mail delivered twice
    return out


def _workspace(root: Path, imap, *, archive: bool, db: str | None = None) -> dict[str, str]:
    root.mkdir(parents=True)
    env = {
        **os.environ,
        "SUPPORTCTL_DB": db or str(root / "db.sqlite"),
        "SUPPORTCTL_CONFIG": str(root / "config.toml"),
        "SUPPORTCTL_NOW": "2026-10-14T08:30:00Z",
        "CRASH_IMAP_PASSWORD": imap.password,
        "NO_COLOR": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "supportctl", "init"], env=env, check=True, capture_output=True
    )
    config = root / "config.toml"
    config.write_text(
        config.read_text().split("# # One [[imap]]")[0]
        + f'\n[[imap]]\nname = "crash"\nhost = "127.0.0.1"\nport = {imap.port}\ntls = "none"\n'
        + f'user = "{imap.user}"\npassword_env = "CRASH_IMAP_PASSWORD"\nbatch_bytes = 100000\n'
        + ('archive_folder = "Archive"\n' if archive else "")
    )
    return env


def _fill(imap) -> None:
    imap.reset()
    client = imap.client()
    try:
        for raw in _messages(40):
            client.append("INBOX", raw)
    finally:
        client.logout()


def _state(env: dict[str, str]) -> tuple[list[tuple[str, str, int | None, str]], int, int]:
    """Messages (identity, ticket, classification), tickets and creation events."""
    target = env["SUPPORTCTL_DB"]
    if target.startswith("postgresql:"):
        import psycopg

        conn: Any = psycopg.connect(target)
    else:
        conn = sqlite3.connect(target)
    try:
        rows = conn.execute(
            "SELECT message_id, body_hash, ticket_id, classification FROM messages"
        ).fetchall()
        messages = sorted((str(m), str(h), t, str(c)) for m, h, t, c in rows)
        tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        events = conn.execute(
            "SELECT COUNT(*) FROM events WHERE kind = 'ticket.created'"
        ).fetchone()[0]
        return messages, tickets, events
    finally:
        conn.close()


def _fetch(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supportctl", "fetch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def clean_runs(dovecot, tmp_path_factory: pytest.TempPathFactory):
    results = {}
    for archive in (False, True):
        _fill(dovecot)
        env = _workspace(tmp_path_factory.mktemp("clean") / "ws", dovecot, archive=archive)
        done = _fetch(env)
        assert done.returncode == 0, done.stderr
        results[archive] = _state(env)
        assert len(results[archive][0]) == 40  # 41 deliveries, one duplicate
    assert results[False] == results[True]
    return results


def _killed_then_rerun(env: dict[str, str], point: str, nth: int) -> None:
    """`fetch` SIGKILLed at the `nth` crash point `point`, then run again to the end."""
    killed = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(nth)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, (
        f"the crash point {point} #{nth} was never reached: {killed.stderr}"
    )
    rerun = _fetch(env)
    assert rerun.returncode == 0, rerun.stderr


@pytest.mark.parametrize(
    ("point", "nth", "archive"),
    POINTS,
    ids=[f"{p}-{n}{'-archive' if a else ''}" for p, n, a in POINTS],
)
def test_sigkill_then_rerun_gives_the_clean_result(
    dovecot, clean_runs, tmp_path: Path, point: str, nth: int, archive: bool
) -> None:
    _fill(dovecot)
    env = _workspace(tmp_path / "ws", dovecot, archive=archive)
    _killed_then_rerun(env, point, nth)
    assert _state(env) == clean_runs[archive]
    again = _fetch(env)
    assert "stored 0 messages" in again.stderr
    if archive:
        client = dovecot.client()
        try:
            assert client.select_folder("INBOX")[b"EXISTS"] == 0
            assert client.select_folder("Archive")[b"EXISTS"] == 41
        finally:
            client.logout()


PG_POINTS = [
    ("batch", 2),
    ("insert", 7),
    ("after-insert", 20),
    ("ticket", 3),
    ("state", 3),
    ("before-commit", 2),
    ("after-commit", 1),
]


@pytest.mark.parametrize(("point", "nth"), PG_POINTS, ids=[f"{p}-{n}" for p, n in PG_POINTS])
def test_sigkill_then_rerun_gives_the_clean_result_on_postgresql(
    dovecot, clean_runs, pg_cluster, tmp_path: Path, point: str, nth: int
) -> None:
    db = pg_cluster.createdb(f"crash_{os.getpid()}_{point.replace('-', '_')}_{nth}")
    _fill(dovecot)
    env = _workspace(tmp_path / "ws", dovecot, archive=False, db=db)
    _killed_then_rerun(env, point, nth)
    # the ids the killed run took are given again: the very numbers of a clean run
    assert _state(env) == clean_runs[False]
    again = _fetch(env)
    assert "stored 0 messages" in again.stderr
