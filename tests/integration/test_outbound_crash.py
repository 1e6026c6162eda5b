"""Mail out survives a killed process: `reply` run as a real child process against a
real aiosmtpd, killed with SIGKILL at the two points that matter, then `remind` (the run
for cron and the watch schedule) resumes what it left.

(a) killed after "sending" is committed, before the server got the message (the SMTP
    handler holds the child in RCPT): nothing reached the server, nothing is recorded as
    sent; the resumed run sends it once and records it.
(b) killed after the server accepted the message, before "sent" is recorded (the test
    holds the database's write lock, so the record waits): the resumed run sends it
    again with the same Message-ID (the one documented duplicate) and records it once.

No hooks in the program: the pauses come from the server and the database lock.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Workspace, open_test_store
from tests.integration.test_outbound_smtp import FI_MAIL, NOW, _configure, _setup_people

pytestmark = [pytest.mark.integration, pytest.mark.both_engines]

WAIT = 60  # seconds; generous on a busy machine


class Gate:
    """aiosmtpd handler: RCPT waits until the test opens the gate; DATA is kept."""

    def __init__(self) -> None:
        self.in_rcpt = threading.Event()
        self.open = threading.Event()
        self.got_data = threading.Event()
        self.received: list[bytes] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        self.in_rcpt.set()
        await asyncio.get_running_loop().run_in_executor(None, self.open.wait, WAIT)
        if self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append(envelope.original_content)
        self.got_data.set()
        return "250 OK"


@pytest.fixture
def gate() -> Iterator[tuple[Gate, int]]:
    from aiosmtpd.controller import Controller

    from tests.integration.test_outbound_smtp import _free_port

    handler = Gate()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.open.set()
        controller.stop()


@pytest.fixture
def desk(workspace: Workspace, gate):  # type: ignore[no-untyped-def]
    workspace.now(NOW)
    handler, port = gate
    _configure(workspace.root, port, prefix="KV")
    _setup_people(workspace.cli)
    workspace.fetch(FI_MAIL)
    return handler


def _reply_in_child() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "supportctl", "reply", "1", "-m", "Hei, katsomme asiaa."],
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait(event: threading.Event, child: subprocess.Popen[bytes], what: str) -> None:
    if not event.wait(WAIT):
        child.kill()
        _out, err = child.communicate()
        pytest.fail(f"child never reached {what}: {err.decode(errors='replace')}")


def _kill(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(WAIT)
    assert child.returncode == -signal.SIGKILL


def _state(workspace: Path) -> dict[str, Any]:
    store = open_test_store(workspace)
    try:
        return {
            "sending": [r["message_id"] for r in store.all("SELECT message_id FROM outgoing")],
            "sent": [
                r["message_id"]
                for r in store.all("SELECT message_id FROM messages WHERE direction = 'out'")
            ],
            "events": int(store.scalar("SELECT count(*) FROM events WHERE kind = 'mail.sent'")),
            "log": int(store.scalar("SELECT count(*) FROM outbound_log")),
            "first_response": store.scalar("SELECT first_response_at FROM tickets WHERE id = 1"),
        }
    finally:
        store.close()


def _message_id(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg["Message-ID"]).strip("<>")


class _WriteLock:
    """Hold the database's write lock from outside, as another writer would."""

    def __init__(self, workspace: Path) -> None:
        target = os.environ["SUPPORTCTL_DB"]
        self.pg: Any = None
        self.conn: sqlite3.Connection | None = None
        if target.startswith("postgresql:"):
            import psycopg

            from supportctl.store.pg import WRITE_LOCK

            self.pg = psycopg.connect(target, autocommit=True)
            self.pg.execute(f"SELECT pg_advisory_lock({WRITE_LOCK})")
        else:
            self.conn = sqlite3.connect(workspace / "supportctl.db", isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.pg is not None:
            self.pg.close()
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()


def test_killed_before_the_server_got_it_is_sent_once_by_the_next_run(cli, desk, initialized):  # type: ignore[no-untyped-def]
    handler = desk
    child = _reply_in_child()
    _wait(handler.in_rcpt, child, "the SMTP RCPT")
    during = _state(initialized)
    assert len(during["sending"]) == 1  # committed before the server saw the message
    assert during["sent"] == [] and during["events"] == 0 and during["first_response"] is None
    _kill(child)
    handler.open.set()
    time.sleep(0.2)
    assert handler.received == []  # the server never got it
    after_kill = _state(initialized)
    assert after_kill["sending"] == during["sending"] and after_kill["sent"] == []

    result = cli.ok("remind")
    assert "sent again after an interrupted send" in result.stdout
    assert [_message_id(raw) for raw in handler.received] == during["sending"]
    done = _state(initialized)
    assert done["sending"] == [] and done["sent"] == during["sending"]
    assert done["events"] == 1 and done["log"] == 1
    assert done["first_response"] is not None  # the reply counts as the first response

    cli.ok("remind")  # nothing left: nothing more goes out
    assert len(handler.received) == 1 and _state(initialized)["sent"] == during["sending"]


def test_killed_after_the_server_took_it_is_sent_again_with_the_same_message_id(
    cli, desk, initialized
):  # type: ignore[no-untyped-def]
    handler = desk
    child = _reply_in_child()
    _wait(handler.in_rcpt, child, "the SMTP RCPT")
    lock = _WriteLock(initialized)  # "sent" cannot be recorded while this is held
    try:
        handler.open.set()
        _wait(handler.got_data, child, "the SMTP DATA")
        time.sleep(0.5)  # the server has answered 250; the child waits for the lock
        assert child.poll() is None
        _kill(child)
    finally:
        lock.release()
    assert len(handler.received) == 1
    after_kill = _state(initialized)
    assert after_kill["sending"] == [_message_id(handler.received[0])]
    assert after_kill["sent"] == [] and after_kill["events"] == 0  # not recorded as sent

    cli.ok("remind")
    # The documented duplicate: the same bytes again, under the same Message-ID.
    assert len(handler.received) == 2 and handler.received[0] == handler.received[1]
    done = _state(initialized)
    assert done["sending"] == [] and done["sent"] == after_kill["sending"]
    assert done["events"] == 1 and done["log"] == 1


def test_a_send_still_in_progress_elsewhere_is_left_alone(cli, desk, initialized):  # type: ignore[no-untyped-def]
    """A sending row of a live process is not sent a second time by another run."""
    handler = desk
    child = _reply_in_child()
    _wait(handler.in_rcpt, child, "the SMTP RCPT")
    try:
        cli.ok("remind")  # the child is alive and sending: not touched
        assert handler.received == []
        assert len(_state(initialized)["sending"]) == 1
    finally:
        handler.open.set()
    assert child.wait(WAIT) == 0, child.stderr.read() if child.stderr else ""
    done = _state(initialized)
    assert len(handler.received) == 1 and done["sending"] == [] and len(done["sent"]) == 1


def test_a_resumed_send_the_server_refuses_stays_recorded_as_sending(cli, desk, initialized):  # type: ignore[no-untyped-def]
    """Never lost: a refusal on the second try keeps the mail for the next one."""
    handler = desk
    child = _reply_in_child()
    _wait(handler.in_rcpt, child, "the SMTP RCPT")
    _kill(child)
    handler.refuse = True
    handler.open.set()
    result = cli.ok("remind")
    assert "not sent again, left for the next try" in result.stdout
    assert "refused every recipient: matti.virtanen@acme.fi" in result.stdout
    state = _state(initialized)
    assert len(state["sending"]) == 1 and state["sent"] == [] and handler.received == []
    store = open_test_store(initialized)
    try:
        assert "refused every recipient" in store.scalar("SELECT last_error FROM outgoing")
        assert store.scalar("SELECT attempts FROM outgoing") == 2
    finally:
        store.close()
    handler.refuse = False
    cli.ok("remind")
    done = _state(initialized)
    assert done["sending"] == [] and done["sent"] == state["sending"]
    assert [_message_id(raw) for raw in handler.received] == state["sending"]
