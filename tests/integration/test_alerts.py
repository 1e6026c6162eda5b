"""Alerts against a real SMTP server (aiosmtpd) and a real alert command.

The rules (once per ticket, reason and channel; a failure retried later) are driven
through `services.alerts.deliver` with the time passed in; a `watch` test shows the
same path end to end from an IMAP APPEND.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import json
import mailbox
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from supportctl.config import load_config
from supportctl.services import alerts
from supportctl.store.db import open_store
from tests.conftest import Workspace
from tests.integration.test_outbound_smtp import Sink, _free_port

pytestmark = pytest.mark.integration

NOW = datetime(2026, 10, 14, 19, 30, tzinfo=UTC)  # 22:30 in Helsinki: out of hours


@pytest.fixture
def smtp_sink():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _msg(n: int, subject: str, sender: str, when: datetime, extra: str = "") -> bytes:
    return (
        f"From: Someone <{sender}>\nTo: support@agency.example\nSubject: {subject}\n"
        f"Message-ID: <alert-{n}@example.net>\nDate: {email.utils.format_datetime(when)}\n"
        f"{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        f"Message {n}.\n"
    ).encode()


def _mbox(path: Path, items: list[tuple[bytes, datetime]]) -> str:
    box = mailbox.mbox(str(path))
    for raw, when in items:
        item = mailbox.mboxMessage(raw)
        item.set_from("MAILER-DAEMON", when.astimezone(UTC).timetuple())
        box.add(item)
    box.flush()
    box.close()
    return f"mbox:{path}"


def _command(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A pager stand-in: records its argv and stdin; fails while `fail` exists."""
    out = tmp_path / "pages.jsonl"
    fail = tmp_path / "fail"
    script = tmp_path / "page.py"
    script.write_text(
        "import json, sys, pathlib\n"
        f"if pathlib.Path({str(fail)!r}).exists():\n"
        "    print('gateway down', file=sys.stderr); sys.exit(3)\n"
        f"with open({str(out)!r}, 'a') as fh:\n"
        "    fh.write(json.dumps({'argv': sys.argv[1:], 'stdin': json.load(sys.stdin)}) + '\\n')\n"
    )
    return script, out, fail


def _configure(ws: Path, port: int, script: Path) -> None:
    import sys

    config = ws / "config.toml"
    config.write_text(
        config.read_text()
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
        + "\n[alerts]\nmail = true\n"
        + f'command = [{json.dumps(sys.executable)}, {json.dumps(str(script))}, "--topic", "duty"]\n'
        + "timeout_seconds = 20\n"
    )


@pytest.fixture
def desk(workspace: Workspace, smtp_sink, tmp_path: Path):  # type: ignore[no-untyped-def]
    sink, port = smtp_sink
    script, out, fail = _command(tmp_path)
    _configure(workspace.root, port, script)
    workspace.customer("acme", "maintenance", name="Acme Oy", domain="acme.fi")
    workspace.customer("night", "hosting", name="Night Shop", domain="night.fi", hours="24x7")
    workspace.person("alice", "Alice", "alice@agency.example")
    workspace.cli.ok("rota", "set", "alice", "--start", "2026-W40")
    return type(
        "Desk",
        (),
        {"ws": workspace.root, "sink": sink, "out": out, "fail": fail, "cli": workspace.cli},
    )


def _deliver(ws: Path, now: datetime) -> alerts.AlertRun:
    store = open_store(ws / "supportctl.db")
    try:
        return alerts.deliver(store, load_config(ws / "config.toml"), now=now)
    finally:
        store.close()


def _events(ws: Path, kind: str) -> list[tuple[int, dict[str, Any]]]:
    conn = sqlite3.connect(ws / "supportctl.db")
    try:
        return [
            (t, json.loads(d))
            for t, d in conn.execute(
                "SELECT ticket_id, data FROM events WHERE kind = ? ORDER BY id", (kind,)
            )
        ]
    finally:
        conn.close()


def _pages(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_urgent_and_out_of_hours_alerts_once_each_failures_retried(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    arrived = NOW - timedelta(minutes=5)
    source = _mbox(
        tmp_path / "in.mbox",
        [
            (_msg(1, "Site down URGENT", "matti@acme.fi", arrived), arrived),
            (_msg(2, "Question about a page", "ville@night.fi", arrived), arrived),
            (_msg(3, "Just a question", "pekka@acme.fi", arrived), arrived),
            (
                _msg(
                    4,
                    "URGENT site down",
                    "robot@acme.fi",
                    arrived,
                    "Auto-Submitted: auto-replied\n",
                ),
                arrived,
            ),
            (
                _msg(5, "URGENT outage", "list@acme.fi", arrived, "List-Id: <ops.acme.fi>\n"),
                arrived,
            ),
        ],
    )
    desk.cli.ok("fetch", "--source", source, env={"SUPPORTCTL_NOW": NOW.isoformat()})
    desk.fail.write_text("")
    first = _deliver(desk.ws, NOW)
    # ticket 1 urgent (mail + command), ticket 2 a 24/7 customer out of hours (mail + command)
    assert sorted((a.ticket_id, a.reason, a.channel) for a in first.sent) == [
        (1, "urgent", "mail"),
        (2, "out-of-hours", "mail"),
    ]
    assert sorted((a.ticket_id, a.channel) for a, _e in first.failed) == [
        (1, "command"),
        (2, "command"),
    ]
    assert "gateway down" in first.failed[0][1]
    assert len(desk.sink.received) == 2
    _from, rcpts, raw = desk.sink.received[0]
    assert rcpts == ["alice@agency.example"]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert "urgent ticket" in str(parsed["Subject"]) and "[#1]" in str(parsed["Subject"])
    assert parsed["Auto-Submitted"] == "auto-generated"
    status = desk.cli.json("status", "--json", env={"SUPPORTCTL_NOW": NOW.isoformat()})
    assert status["alerts_waiting"] == 2  # the failed commands, waiting for their retry
    # too early to retry: nothing at all
    again = _deliver(desk.ws, NOW + timedelta(seconds=30))
    assert not again.sent and not again.failed
    desk.fail.unlink()
    later = _deliver(desk.ws, NOW + timedelta(minutes=2))
    assert sorted((a.ticket_id, a.channel) for a in later.sent) == [(1, "command"), (2, "command")]
    assert not _deliver(desk.ws, NOW + timedelta(minutes=30)).sent
    pages = _pages(desk.out)
    assert len(pages) == 2
    for page in pages:
        assert page["argv"] == ["--topic", "duty"]  # never customer text in arguments
        assert page["stdin"]["to"]["handle"] == "alice"
    by_id = {p["stdin"]["id"]: p["stdin"] for p in pages}
    assert by_id[1]["reason"] == "urgent" and by_id[1]["subject"] == "Site down URGENT"
    assert by_id[2]["reason"] == "out-of-hours" and by_id[2]["customer"] == "night"
    history = desk.cli.ok("ticket", "show", "1", env={"SUPPORTCTL_NOW": NOW.isoformat()}).stdout
    assert "alerted alice by mail (urgent)" in history
    assert "alerted alice by command (urgent)" in history
    assert "alert by command (urgent) failed: alert command" in history
    sent = _events(desk.ws, "alert.sent")
    assert len(sent) == 4 and len(_events(desk.ws, "alert.failed")) == 2
    assert len(desk.sink.received) == 2


def test_a_ticket_made_urgent_by_hand_alerts_its_owner(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    arrived = NOW.replace(hour=9) - timedelta(days=0)  # 12:00 in Helsinki: business hours
    source = _mbox(
        tmp_path / "in.mbox",
        [(_msg(1, "Question about invoices", "matti@acme.fi", arrived), arrived)],
    )
    env = {"SUPPORTCTL_NOW": arrived.isoformat()}
    desk.cli.ok("fetch", "--source", source, env=env)
    desk.fail.write_text("")
    assert not _deliver(desk.ws, arrived).sent
    later = arrived + timedelta(hours=2)
    desk.cli.ok("ticket", "urgency", "1", "urgent", env={"SUPPORTCTL_NOW": later.isoformat()})
    desk.fail.unlink()
    run = _deliver(desk.ws, later + timedelta(seconds=5))
    assert sorted((a.ticket_id, a.reason, a.channel) for a in run.sent) == [
        (1, "urgent", "command"),
        (1, "urgent", "mail"),
    ]


def test_alert_test_uses_every_channel(desk) -> None:  # type: ignore[no-untyped-def]
    result = desk.cli.ok("alert", "test", env={"SUPPORTCTL_NOW": NOW.isoformat()})
    assert "mail: ok" in result.stdout and "command: ok" in result.stdout
    assert len(desk.sink.received) == 1
    [page] = _pages(desk.out)
    assert page["stdin"]["test"] is True
    desk.fail.write_text("")
    failed = desk.cli.fails(1, "alert", "test", env={"SUPPORTCTL_NOW": NOW.isoformat()})
    assert "command: FAILED" in failed.stderr and "exited with 3" in failed.stderr


def test_watch_alerts_at_once_when_urgent_mail_arrives(desk, imap, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_watch import Watch, configure, wait_for

    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap.password)
    text = (desk.ws / "config.toml").read_text()
    configure(desk.ws, imap)
    tail = (desk.ws / "config.toml").read_text().split("\n[[imap]]", 1)[1]
    (desk.ws / "config.toml").write_text(text + "\n[[imap]]" + tail)
    w = Watch(desk.ws)
    try:
        w.wait_log("waiting for mail (IDLE)")
        now = datetime.now(UTC)
        client = imap.client()
        client.append("INBOX", _msg(1, "Site down URGENT", "matti@acme.fi", now))
        client.append(
            "INBOX",
            _msg(2, "URGENT site down", "robot@acme.fi", now, "Auto-Submitted: auto-replied\n"),
        )
        client.logout()
        wait_for("the alert mail", lambda: len(desk.sink.received) == 1, timeout=30)
        wait_for("the alert command", lambda: len(_pages(desk.out)) == 1, timeout=30)
        assert _pages(desk.out)[0]["stdin"]["id"] == 1
        assert w.stop()[0] == 0
    finally:
        w.kill()
    assert len(desk.sink.received) == 1


def test_the_watch_schedule_runs_remind_and_auto_close(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from supportctl.domain.timeutil import from_utc_text
    from supportctl.services.watch import Service

    early = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    arrived = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
    source = _mbox(
        tmp_path / "in.mbox",
        [
            (_msg(1, "Question about a page", "matti@acme.fi", arrived), arrived),
            (_msg(2, "Old question", "pekka@acme.fi", early), early),
        ],
    )
    env = {"SUPPORTCTL_NOW": early.isoformat()}
    desk.cli.ok("fetch", "--source", source, env=env)
    desk.cli.ok("ticket", "status", "2", "resolved", env=env)
    conn = sqlite3.connect(desk.ws / "supportctl.db")
    [(due,)] = conn.execute("SELECT due_response_at FROM tickets WHERE id = 1").fetchall()
    conn.close()
    now = from_utc_text(due) - timedelta(minutes=50)
    service = Service(
        desk.ws / "supportctl.db",
        desk.ws / "config.toml",
        clock=lambda: now,
        load_config=load_config,
    )
    store = open_store(desk.ws / "supportctl.db")
    try:
        service._scheduled_work(store, {})
    finally:
        store.close()
    [(_from, rcpts, raw)] = desk.sink.received
    assert rcpts == ["alice@agency.example"]
    assert email.message_from_bytes(raw)["Subject"] == "SLA: 1 ticket near a breach"
    conn = sqlite3.connect(desk.ws / "supportctl.db")
    assert conn.execute("SELECT status FROM tickets WHERE id = 2").fetchall() == [("closed",)]
    conn.close()
