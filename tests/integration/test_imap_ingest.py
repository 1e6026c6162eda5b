"""IMAP sync against the real Dovecot: UIDs, UIDVALIDITY, folders, drops, archive, \\Seen."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from supportctl.config import load_config
from supportctl.errors import MailError
from supportctl.services import importing
from tests.conftest import open_test_store

pytestmark = [pytest.mark.integration, pytest.mark.both_engines]
NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)


def mail(n: int, *, subject: str | None = None, extra: str = "", size: int = 0) -> bytes:
    body = f"Viesti numero {n}: sivusto ei toimi, ä ö å.\r\n" + ("x" * 76 + "\r\n") * (size // 78)
    return (
        f"From: Matti <matti{n % 3}@acme.fi>\r\nTo: support@agency.example\r\n"
        f"Subject: {subject or f'Kysymys {n}'}\r\nMessage-ID: <m{n}@acme.fi>\r\n"
        f"Date: Tue, 13 Oct 2026 10:{n % 60:02d}:00 +0300\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body.encode()


@pytest.fixture
def desk(cli, initialized: Path, imap, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap.password)

    def configure(
        folders: tuple[str, ...] = ("INBOX",),
        archive: str | None = None,
        batch_bytes: int = 100_000,
    ) -> None:
        config = initialized / "config.toml"
        text = config.read_text().split("# # One [[imap]]")[0].split("\n[[imap]]")[0]
        text += (
            f'\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = {imap.port}\ntls = "none"\n'
            f'user = "{imap.user}"\npassword_env = "TEST_IMAP_PASSWORD"\n'
            f"folders = {json.dumps(list(folders))}\nbatch_bytes = {batch_bytes}\n"
            + (f'archive_folder = "{archive}"\n' if archive else "")
        )
        config.write_text(text)

    configure()
    store = open_test_store(initialized)
    yield type(
        "Desk",
        (),
        {"configure": staticmethod(configure), "store": store, "root": initialized, "imap": imap},
    )
    store.close()


def run(desk, **kw):
    config = load_config(desk.root / "config.toml")
    return importing.fetch_accounts(desk.store, config, now=NOW, sleep=lambda s: None, **kw)


def count(desk, sql: str = "SELECT COUNT(*) FROM messages") -> int:
    return int(desk.store.scalar(sql))


def append(imap, folder: str, messages: list[bytes]) -> None:
    client = imap.client()
    try:
        if folder != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
        for raw in messages:
            client.append(folder, raw)
    finally:
        client.logout()


def test_first_incremental_and_no_new_mail_sync(desk, monkeypatch: pytest.MonkeyPatch) -> None:
    append(desk.imap, "INBOX", [mail(n) for n in range(1, 6)])
    report = run(desk)
    assert (report.stored, len(report.new_tickets)) == (5, 5)
    append(desk.imap, "INBOX", [mail(6), mail(7, subject="Re: [#2] Kysymys 2")])
    report = run(desk)
    assert (report.stored, len(report.new_tickets), report.threaded) == (2, 1, 1)
    assert count(desk, "SELECT ticket_id FROM messages WHERE message_id = 'm7@acme.fi'") == 2
    state = desk.store.one("SELECT uidvalidity, last_uid FROM mail_state")
    assert state["last_uid"] == desk.store.scalar("SELECT MAX(uid) FROM message_locations")

    from supportctl.mail.imap import ImapSession

    def no_fetch(*a, **k):
        raise AssertionError("a run without new mail must not list or fetch")

    monkeypatch.setattr(ImapSession, "sizes_after", no_fetch)
    monkeypatch.setattr(ImapSession, "fetch_batches", no_fetch)
    report = run(desk)
    assert report.stored == 0 and report.duplicates == 0
    assert count(desk) == 7


def test_arrival_time_is_internaldate(desk) -> None:
    client = desk.imap.client()
    try:
        client.append("INBOX", mail(1), msg_time=datetime(2026, 10, 12, 6, 0, 5, tzinfo=UTC))
    finally:
        client.logout()
    run(desk)
    assert desk.store.scalar("SELECT arrived_at FROM messages") == "2026-10-12T06:00:05Z"


def test_uidvalidity_change_resyncs_without_doubles(desk) -> None:
    desk.configure(folders=("Support",))
    append(desk.imap, "Support", [mail(n) for n in range(1, 4)])
    assert run(desk).stored == 3
    old = desk.store.scalar("SELECT uidvalidity FROM mail_state")
    client = desk.imap.client()
    try:
        client.delete_folder("Support")
    finally:
        client.logout()
    append(desk.imap, "Support", [mail(n) for n in range(1, 5)])
    report = run(desk)
    assert (report.stored, report.duplicates) == (1, 3)
    assert count(desk) == 4
    assert desk.store.scalar("SELECT uidvalidity FROM mail_state") != old
    assert count(desk, "SELECT COUNT(*) FROM message_locations") == 7


def test_same_message_in_two_folders_is_stored_once(desk) -> None:
    desk.configure(folders=("INBOX", "Support"))
    append(desk.imap, "INBOX", [mail(1), mail(2)])
    append(desk.imap, "Support", [mail(2), mail(3)])
    report = run(desk)
    assert (report.stored, report.duplicates) == (3, 1)
    assert count(desk, "SELECT COUNT(*) FROM message_locations") == 4
    reused = mail(3).replace(b"Viesti numero 3", b"Toinen runko")
    append(desk.imap, "Support", [reused])
    assert run(desk).stored == 1  # a reused Message-ID on a different body is a second message
    assert count(desk, "SELECT COUNT(*) FROM messages WHERE message_id = 'm3@acme.fi'") == 2


def test_connection_dropped_mid_batch_then_rerun(desk, monkeypatch: pytest.MonkeyPatch) -> None:
    desk.configure(batch_bytes=100_000)
    append(desk.imap, "INBOX", [mail(n, size=30_000) for n in range(1, 13)])
    from supportctl.mail.imap import ImapSession

    real_fetch = ImapSession._fetch
    calls = {"n": 0}

    def flaky(self, folder, uids):
        calls["n"] += 1
        if calls["n"] % 2 == 0:
            self.client.socket().shutdown(2)  # the server connection dies mid-run
        return real_fetch(self, folder, uids)

    monkeypatch.setattr(ImapSession, "_fetch", flaky)
    with pytest.raises(MailError) as failure:
        run(desk)
    assert "imap account 'support'" in failure.value.message
    assert "gave up after 3 attempts" in failure.value.message
    stored = count(desk)
    assert 0 < stored < 12
    assert desk.store.scalar("SELECT last_uid FROM mail_state") == desk.store.scalar(
        "SELECT MAX(uid) FROM message_locations"
    )
    monkeypatch.setattr(ImapSession, "_fetch", real_fetch)
    report = run(desk)
    assert report.stored == 12 - stored and report.duplicates == 0
    assert count(desk) == 12
    assert count(desk, "SELECT COUNT(DISTINCT message_id) FROM messages") == 12


def test_archive_moves_after_commit_and_seen_untouched(
    desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(desk.imap, "INBOX", [mail(n) for n in range(1, 4)])
    run(desk)
    client = desk.imap.client()
    try:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
        assert flags and all(b"\\Seen" not in f for f in flags.values())
    finally:
        client.logout()
    desk.configure(archive="Archive")
    append(desk.imap, "INBOX", [mail(4)])
    report = run(desk)
    assert report.stored == 1 and report.moved == 4  # three left over from before, one new
    client = desk.imap.client()
    try:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
        assert client.select_folder("Archive", readonly=True)[b"EXISTS"] == 4
        flags = client.get_flags(client.search("ALL"))
        assert all(b"\\Seen" not in f for f in flags.values())
    finally:
        client.logout()
    from supportctl.mail.imap import ImapSession

    def only_status(*a, **k):
        raise AssertionError("an empty folder needs nothing but STATUS")

    for name in ("uids_upto", "sizes_after", "fetch_batches", "move"):
        monkeypatch.setattr(ImapSession, name, only_status)
    assert run(desk).stored == 0
    assert count(desk) == 4


def test_fetch_cli_against_the_server_and_errors(
    cli, desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(desk.imap, "INBOX", [mail(1), mail(2)])
    result = cli.ok("fetch")
    assert "stored 2 messages: 2 new tickets" in result.stderr
    assert len(cli.json("inbox", "--json")) == 2
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong")
    failed = cli.fails(6, "fetch")
    assert "cannot log in to imap account 'support'" in failed.stderr
    monkeypatch.delenv("TEST_IMAP_PASSWORD")
    assert "TEST_IMAP_PASSWORD is not set" in cli.fails(3, "fetch").stderr


def test_a_folder_another_run_is_fetching_is_skipped_with_a_line(desk, cli) -> None:
    """On a server, one run syncs a folder at a time; the other says so and exits 0."""
    append(desk.imap, "INBOX", [mail(n) for n in range(1, 4)])
    with desk.store.exclusive("supportctl fetch support/INBOX") as held:
        assert held
        result = cli("fetch", env={"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"})
        assert result.exit_code == 0, result.stderr
        if desk.store.engine == "sqlite":  # one file: every run may sync, keys dedupe
            assert count(desk) == 3
            return
        assert "support/INBOX is being fetched by another run" in result.stderr
        assert count(desk) == 0
    cli.ok("fetch", env={"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"})
    assert count(desk) == 3


def test_two_fetch_processes_at_once_store_every_message_once(desk) -> None:
    import os
    import subprocess
    import sys

    append(desk.imap, "INBOX", [mail(n, size=4000) for n in range(1, 41)])
    env = dict(os.environ, SUPPORTCTL_NOW="2026-10-14T08:30:00Z", NO_COLOR="1")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "supportctl", "fetch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for run_ in runs:
        _out, err = run_.communicate(timeout=300)
        assert run_.returncode == 0, err
        assert "Traceback" not in err
    assert count(desk) == 40
    assert count(desk, "SELECT COUNT(DISTINCT message_id) FROM messages") == 40
    assert count(desk, "SELECT COUNT(*) FROM tickets") == 40
