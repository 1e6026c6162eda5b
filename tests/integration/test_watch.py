"""`supportctl watch` as a real process against a real Dovecot (and aiosmtpd for mail out).

Each test starts the CLI in a child process with the test's config and database, appends
mail over IMAP, and reads the database (or the captured mail) until what should happen
has happened; generous time limits, the machine is shared.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def mail(
    n: int,
    *,
    subject: str | None = None,
    sender: str | None = None,
    extra: str = "",
    date: str | None = None,
) -> bytes:
    return (
        f"From: Matti <{sender or f'matti{n % 3}@acme.fi'}>\r\nTo: support@agency.example\r\n"
        f"Subject: {subject or f'Kysymys {n}'}\r\nMessage-ID: <w{n}@acme.fi>\r\n"
        f"Date: {date or f'Tue, 13 Oct 2026 10:{n % 60:02d}:00 +0300'}\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"Viesti numero {n}: sivusto ei toimi.\r\n"
    ).encode()


def append(imap: Any, messages: list[bytes], folder: str = "INBOX") -> None:
    client = imap.client()
    try:
        for raw in messages:
            client.append(folder, raw)
    finally:
        client.logout()


def rows(ws: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(ws / "supportctl.db", timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(
    ws: Path, sql: str = "SELECT COUNT(*) FROM messages", params: tuple[Any, ...] = ()
) -> int:
    return int(rows(ws, sql, params)[0][0])


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def configure(ws: Path, imap: Any, *, extra_imap: str = "", tail: str = "") -> None:
    config = ws / "config.toml"
    text = config.read_text().split("# # One [[imap]]")[0].split("\n[[imap]]")[0]
    text += (
        f'\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = {imap.port}\ntls = "none"\n'
        f'user = "{imap.user}"\npassword_env = "TEST_IMAP_PASSWORD"\nbatch_bytes = 100000\n'
        f"{extra_imap}" + tail
    )
    config.write_text(text)


class Watch:
    def __init__(self, ws: Path, name: str = "watch", args: tuple[str, ...] = ()) -> None:
        self.log = ws / f"{name}.stderr"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "supportctl", "watch", *args],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
            stdin=subprocess.DEVNULL,
            env={**os.environ},
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, needle: str, timeout: float = 30.0) -> None:
        wait_for(f"'{needle}' in the log:\n{self.text()}", lambda: needle in self.text(), timeout)

    def stop(self, timeout: float = 10.0) -> tuple[int, float]:
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout + 5)
        return code, time.monotonic() - start

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def watches() -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for w in started:
        w.kill()


@pytest.fixture
def desk(cli, initialized: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "secret")
    return initialized


def test_watch_turns_mail_appended_during_idle_into_a_ticket_within_seconds(
    desk: Path, imap: Any, watches: list[Watch]
) -> None:
    configure(desk, imap)
    append(imap, [mail(1)])
    w = Watch(desk)
    watches.append(w)
    wait_for("the first message", lambda: count(desk) == 1)
    w.wait_log("waiting for mail (IDLE)")
    append(imap, [mail(2)])
    took = wait_for("the message appended during IDLE", lambda: count(desk) == 2, timeout=20)
    assert took < 15
    code, stopped_in = w.stop()
    assert code == 0 and stopped_in < 10
    log = w.text()
    # one line per event: time, level, account/folder, what happened
    line = next(x for x in log.splitlines() if "stored 1 messages" in x)
    stamp, level, where = line.split(" ")[:3]
    assert stamp.endswith("Z") and level == "INFO" and where == "support:"
    assert "Traceback" not in log
    assert count(desk, "SELECT COUNT(*) FROM watch_locks") == 0  # released on the way out
    synced = rows(desk, "SELECT account, folder, ok_at FROM sync_status")
    assert synced and synced[0][:2] == ("support", "INBOX") and synced[0][2]


def test_watch_polls_a_server_without_idle(desk: Path, watches: list[Watch]) -> None:
    from tests.integration.conftest import DovecotServer, _require_dovecot

    _require_dovecot()
    server = DovecotServer.create(
        "protocol imap {\n  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE\n}\n"
    )
    try:
        client = server.info.client()
        assert b"IDLE" not in client.capabilities()
        client.logout()
        configure(desk, server.info, extra_imap="poll_seconds = 5\n")
        w = Watch(desk)
        watches.append(w)
        w.wait_log("no IDLE on this server: polling every 5 s")
        append(server.info, [mail(1), mail(2)])
        wait_for("polled mail", lambda: count(desk) == 2, timeout=30)
        assert w.stop()[0] == 0
    finally:
        server.stop()


def test_watch_resumes_after_dovecot_restarts_during_idle_every_message_once(
    desk: Path, private_dovecot: Any, watches: list[Watch]
) -> None:
    imap = private_dovecot.info
    configure(desk, imap)
    append(imap, [mail(n) for n in range(5)])
    w = Watch(desk)
    watches.append(w)
    wait_for("the first five", lambda: count(desk) == 5)
    w.wait_log("waiting for mail (IDLE)")
    private_dovecot.stop()
    w.wait_log("retrying in", timeout=30)
    time.sleep(2)  # a few failed reconnects with back-off
    private_dovecot.start()
    append(imap, [mail(n) for n in range(5, 10)])
    wait_for("all ten after the restart", lambda: count(desk) == 10, timeout=60)
    time.sleep(1)
    assert count(desk) == 10
    assert count(desk, "SELECT COUNT(DISTINCT message_id) FROM messages") == 10
    assert w.proc.poll() is None  # never died of it
    status = json.loads(
        subprocess.run(
            [sys.executable, "-m", "supportctl", "status", "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert status["healthy"] is True
    folder = status["folders"][0]
    assert folder["watch"]["alive"] is True and folder["watch"]["pid"] == w.proc.pid
    assert folder["last_error"]  # the outage was recorded
    assert w.stop()[0] == 0


def test_watch_survives_a_restart_in_the_middle_of_a_batch(
    desk: Path, private_dovecot: Any, watches: list[Watch]
) -> None:
    imap = private_dovecot.info
    configure(desk, imap)
    w = Watch(desk)
    watches.append(w)
    w.wait_log("waiting for mail (IDLE)")
    append(imap, [mail(n) for n in range(200)])
    wait_for("a first batch", lambda: count(desk) > 0, timeout=30)
    private_dovecot.stop()
    private_dovecot.start()
    wait_for("all 200", lambda: count(desk) == 200, timeout=120)
    time.sleep(1)
    assert count(desk, "SELECT COUNT(DISTINCT message_id) FROM messages") == 200 == count(desk)
    assert w.stop()[0] == 0


def test_sigterm_during_a_batch_exits_0_and_a_rerun_stores_the_clean_set(
    cli, desk: Path, imap: Any, watches: list[Watch]
) -> None:
    configure(desk, imap)
    append(imap, [mail(n) for n in range(400)])
    w = Watch(desk)
    watches.append(w)
    wait_for("a first batch", lambda: count(desk) > 0, timeout=60)
    code, took = w.stop()
    assert code == 0 and took < 10, w.text()
    first = count(desk)
    assert "Traceback" not in w.text()
    cli.ok("fetch")
    assert count(desk) == 400 >= first
    assert rows(desk, "SELECT ok_via FROM sync_status") == [("fetch",)]  # status sees cron runs too
    assert count(desk, "SELECT COUNT(DISTINCT message_id) FROM messages") == 400
    assert count(desk, "SELECT COUNT(*) FROM tickets") == 400


def test_a_second_watch_is_refused_and_a_stale_lock_is_taken_over(
    desk: Path, imap: Any, watches: list[Watch]
) -> None:
    configure(desk, imap)
    first = Watch(desk)
    watches.append(first)
    first.wait_log("waiting for mail (IDLE)")
    second = subprocess.run(
        [sys.executable, "-m", "supportctl", "watch"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert f"already watched by pid {first.proc.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    # a watch killed without a chance to release: its lock goes stale after two minutes
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    conn = sqlite3.connect(desk / "supportctl.db")
    with conn:
        conn.execute(
            "UPDATE watch_locks SET heartbeat_at = '2020-01-01T00:00:00Z', host = 'old-host'"
        )
    conn.close()
    third = Watch(desk, "third")
    watches.append(third)
    third.wait_log("took over the lock of pid")
    third.wait_log("waiting for mail (IDLE)")
    assert "old-host" in third.text()
    assert third.stop()[0] == 0


def test_a_failing_password_command_and_a_refused_login_are_retried_and_logged(
    desk: Path, imap: Any, watches: list[Watch], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    script = tmp_path / "pw.sh"
    script.write_text(f"#!/bin/sh\nexec cat {secret}\n")
    script.chmod(0o755)
    configure(desk, imap)
    config = desk / "config.toml"
    config.write_text(
        config.read_text().replace(
            'password_env = "TEST_IMAP_PASSWORD"', f'password_command = "{script}"'
        )
    )
    append(imap, [mail(1)])
    w = Watch(desk)
    watches.append(w)
    w.wait_log("password_command failed")
    secret.write_text("wrong")
    w.wait_log("cannot log in to imap account 'support'", timeout=60)
    assert count(desk) == 0
    secret.write_text("secret")
    wait_for("mail once the password is right", lambda: count(desk) == 1, timeout=90)
    assert w.proc.poll() is None
    assert w.stop()[0] == 0
    assert "wrong" not in w.text() and "secret" not in w.text().replace("secret.txt", "")


def test_sighup_reloads_the_config(desk: Path, imap: Any, watches: list[Watch]) -> None:
    configure(desk, imap)
    w = Watch(desk)
    watches.append(w)
    w.wait_log("waiting for mail (IDLE)")
    client = imap.client()
    client.create_folder("Urgent")
    client.logout()
    configure(desk, imap, extra_imap='folders = ["INBOX", "Urgent"]\n')
    w.proc.send_signal(signal.SIGHUP)
    w.wait_log("config reloaded")
    append(imap, [mail(7)], folder="Urgent")
    wait_for("mail in the added folder", lambda: count(desk) == 1, timeout=30)
    assert w.stop()[0] == 0


@pytest.mark.slow
def test_500_messages_appended_while_watching_are_stored_and_acknowledged_once(
    cli, desk: Path, imap: Any, watches: list[Watch]
) -> None:
    from aiosmtpd.controller import Controller

    from tests.integration.test_outbound_smtp import Sink, _free_port

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        configure(
            desk,
            imap,
            tail=f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\nacknowledge = true\n',
        )
        cli.ok(
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
        w = Watch(desk)
        watches.append(w)
        w.wait_log("waiting for mail (IDLE)")
        import email.utils

        today = email.utils.formatdate(localtime=True)  # mail older than a day is not acknowledged
        client = imap.client()
        try:
            for n in range(500):
                client.append("INBOX", mail(n, sender=f"user{n}@acme.fi", date=today))
                if n % 100 == 99:
                    time.sleep(0.5)  # in bursts, while the watch is storing the last one
        finally:
            client.logout()
        wait_for("500 tickets", lambda: count(desk, "SELECT COUNT(*) FROM tickets") == 500, 300)
        wait_for("500 acknowledgements", lambda: len(sink.received) >= 500, 300)
        time.sleep(2)
        assert w.stop()[0] == 0
    finally:
        controller.stop()
    assert count(desk) == 500 + 500  # 500 in, 500 acknowledgements out
    assert (
        count(desk, "SELECT COUNT(DISTINCT message_id) FROM messages WHERE direction = 'in'") == 500
    )
    acked = rows(
        desk,
        "SELECT ticket_id, COUNT(*) FROM events WHERE kind = 'mail.sent' "
        'AND data LIKE \'%"kind": "ack"%\' GROUP BY ticket_id',
    )
    assert len(acked) == 500 and all(n == 1 for _t, n in acked)
    assert len(sink.received) == 500
    assert sorted(r[1][0] for r in sink.received) == sorted(f"user{n}@acme.fi" for n in range(500))


def test_sigterm_while_a_server_hangs_still_exits_0_within_10_seconds(
    desk: Path, imap: Any, watches: list[Watch]
) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections and never says a word
    try:
        configure(desk, imap)
        config = desk / "config.toml"
        config.write_text(
            config.read_text()
            + f'\n[[imap]]\nname = "silent"\nhost = "127.0.0.1"\nport = {silent.getsockname()[1]}\n'
            'tls = "none"\nuser = "x"\npassword_env = "TEST_IMAP_PASSWORD"\n'
        )
        append(imap, [mail(1)])
        w = Watch(desk)
        watches.append(w)
        wait_for("the other account's mail", lambda: count(desk) == 1, timeout=30)
        code, took = w.stop()
        assert code == 0 and took < 10, w.text()
    finally:
        silent.close()
