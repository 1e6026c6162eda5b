"""fetch / inbox / ticket show / ticket attachment / block / reparse through the real CLI."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Workspace

SAMPLE = Path(str(files("supportctl") / "data" / "sample.mbox"))
NOW = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    """The demo agency's settings, customers, contacts and one team member."""
    workspace.edit_config(
        replace={
            'ticket_tag_prefix = ""': 'ticket_tag_prefix = "KV"',
            'support_address = "support@agency.example"': 'support_address = "tuki@koodiverstas.example"',
            'mail_domain = "agency.example"': 'mail_domain = "koodiverstas.example"',
        }
    )
    workspace.customer("acme", "maintenance", name="Acme Oy", domain="acme.fi")
    workspace.customer("kovo", "hosting", name="Kovošrot", domain="kovosrot.cz", currency="CZK")
    workspace.customer("pixel", "adhoc", name="Pixel", domain="pixelstudio.example")
    workspace.contact("acme", "matti.virtanen@acme.fi", can_order=True)
    workspace.contact("acme", "liisa.korhonen@acme.fi")
    workspace.contact("kovo", "jiri.novak@kovosrot.cz", can_order=True)
    workspace.contact("pixel", "sam@pixelstudio.example", can_order=True)
    workspace.person("alice", "Alice", "alice@koodiverstas.example")
    return workspace.root


def test_fetch_mbox_sample_then_again_is_a_no_op(cli, desk: Path) -> None:
    first = cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    assert (
        "stored 14 messages: 9 new tickets, 5 replies threaded, 3 non-human, 0 duplicates skipped"
        in first.stderr
    )
    again = cli.ok("fetch", "--source", f"mbox:{SAMPLE}", "--json", env=NOW)
    data = json.loads(again.stdout)
    assert data["stored"] == 0 and data["duplicates"] == 14 and data["new_tickets"] == []
    rows = cli.json("inbox", "--no-fetch", "--json")
    by_requester = {r["requester"]: r for r in rows}
    assert by_requester["matti.virtanen@acme.fi"]["customer"] == "acme"
    # No authserv_id is configured, so nothing is authenticated: even a designated
    # contact's request waits for approval, and `inbox` says why, once.
    assert by_requester["matti.virtanen@acme.fi"]["needs_approval"] is True
    assert by_requester["liisa.korhonen@acme.fi"]["needs_approval"] is True
    note = cli.ok("inbox", "--no-fetch").stderr
    assert [line for line in note.splitlines() if "authserv_id" in line] == [
        "note: no authserv_id is configured: no mail is authenticated, so every request "
        "waits for approval (see README, Mail in)"
    ]
    assert by_requester["petra.dvorakova@kovosrot.cz"]["needs_approval"] is True
    unknown = by_requester["paivi.lahtinen@posti.example.net"]
    assert unknown["customer"] is None and unknown["triage"] is True
    assert unknown["subject"] == "Kysymys ylläpitosopimuksesta"
    assert all(r["classification"] == "human" for r in rows)
    everything = cli.json("inbox", "--no-fetch", "--all", "--json")
    assert {r["classification"] for r in everything} == {"human", "list"}


def test_ticket_show_json_threads_tag_reply_autoreply_bounce_and_outbound(cli, desk: Path) -> None:
    cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    one = cli.json("ticket", "show", "1", "--json")
    assert one["id"] == 1 and one["subject"] == "Sivusto on alhaalla! Kiire"
    kinds = [(m["direction"], m["classification"]) for m in one["messages"]]
    assert kinds == [("in", "human"), ("in", "autoreply"), ("in", "human"), ("in", "human")]
    # a stranger's guessed `Re: [KV #1]` joins, flagged; replies still go to Matti
    assert one["foreign_senders"] == ["random@evil.example"]
    assert one["replies_go_to"] == "matti.virtanen@acme.fi"
    assert one["messages"][0]["headers"]["from"] == "matti.virtanen@acme.fi"
    assert "verkkokauppamme acme.fi on alhaalla" in one["messages"][0]["text"]
    assert "sivusto toimii taas" in one["messages"][2]["text"]
    three = cli.json("ticket", "show", "3", "--json")
    assert [(m["direction"], m["classification"]) for m in three["messages"]] == [
        ("in", "human"),
        ("out", "human"),
        ("in", "bounce"),
    ]
    assert three["messages"][0]["headers"]["from_name"] == "Jiří Novák"
    assert "železa" in three["messages"][0]["text"]


def test_ticket_show_text_and_attachment_save(cli, desk: Path, tmp_path: Path) -> None:
    cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    shown = cli.ok("ticket", "show", "4")
    assert "otevírací_doba_žďár.pdf" in shown.stdout and "Petra Dvořáková" in shown.stdout
    target = tmp_path / "out"
    target.mkdir()
    saved = cli.ok("ticket", "attachment", "4", "1", "--save", str(target))
    path = target / "otevírací_doba_žďár.pdf"
    assert str(path) in saved.stdout
    assert path.read_bytes().startswith(b"%PDF-1.4")
    again = cli.fails(2, "ticket", "attachment", "4", "1", "--save", str(target))
    assert "already exists" in again.stderr
    missing = cli.fails(2, "ticket", "attachment", "4", "9", "--save", str(target))
    assert "has no attachment 9 (it has 1)" in missing.stderr
    assert "no ticket #999" in cli.fails(2, "ticket", "show", "999").stderr


def test_block_stores_mail_but_opens_nothing(cli, desk: Path, snapshot) -> None:
    assert cli.ok("block", "@cheap-seo.example").stdout.strip() == "blocked @cheap-seo.example"
    assert "already blocked" in cli.ok("block", "add", "@Cheap-SEO.example").stdout
    assert cli.json("block", "list", "--json")[0]["id"] == "@cheap-seo.example"
    before = snapshot()
    assert "neither an address nor @domain" in cli.fails(2, "block", "not an address").stderr
    assert "is not blocked" in cli.fails(2, "unblock", "x@y.example").stderr
    assert snapshot() == before
    out = cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    assert "1 from blocked senders" in out.stderr
    rows = cli.json("inbox", "--no-fetch", "--all", "--json")
    assert not any("cheap-seo" in r["requester"] for r in rows)
    cli.ok("unblock", "@cheap-seo.example")
    assert cli.json("block", "list", "--json") == []


def test_fetch_explain_prints_decisions_and_writes_nothing(cli, desk: Path, snapshot) -> None:
    before = snapshot()
    result = cli.ok(
        "fetch", "--explain", str(FIXTURES / "mail" / "cs-windows-1250-qp.eml"), "--json"
    )
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["classification"]["outcome"] == "human"
    assert steps["customer"]["outcome"] == "kovo"
    assert steps["customer"]["reason"] == "mail domain kovosrot.cz"
    assert steps["thread"]["outcome"] == "new"
    assert steps["subject"]["outcome"] == "Výpadek školní střípky"
    assert steps["action"]["outcome"] == "new"
    auto = cli.ok("fetch", "--explain", str(FIXTURES / "mail" / "cs-autoreply-subject-only.eml"))
    assert "autoreply" in auto.stdout and "Subject: Automatická odpověď" in auto.stdout
    assert snapshot() == before


def test_fetch_dry_run_counts_and_writes_nothing(cli, desk: Path, snapshot) -> None:
    before = snapshot()
    result = cli.ok("fetch", "--source", f"mbox:{SAMPLE}", "--dry-run", env=NOW)
    assert "would store 14 messages: 9 new tickets" in result.stderr
    assert snapshot() == before


def test_fetch_maildir_source_and_duplicates_across_sources(
    cli, desk: Path, tmp_path: Path
) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n, eml in enumerate(sorted((FIXTURES / "mail").glob("*.eml"))):
        shutil.copy(eml, maildir / "cur" / f"{1000 + n}.host:2,S")
    first = cli.ok("fetch", "--source", f"maildir:{maildir}", env=NOW)
    count = len(list((FIXTURES / "mail").glob("*.eml")))
    assert f"stored {count} messages" in first.stderr
    mbox = tmp_path / "same.mbox"
    with mbox.open("wb") as fh:
        for eml in sorted((FIXTURES / "mail").glob("*.eml")):
            body = eml.read_bytes().replace(b"\r\n", b"\n").rstrip(b"\n")
            fh.write(b"From x@y Tue Oct 13 10:00:00 2026\n" + body + b"\n\n")
    second = cli.ok("fetch", "--source", f"mbox:{mbox}", env=NOW)
    assert (
        f"stored 0 messages: 0 new tickets, 0 replies threaded, 0 non-human, {count} duplicates skipped"
        in second.stderr
    )


def test_fetch_bad_input(cli, desk: Path, snapshot, tmp_path: Path) -> None:
    before = snapshot()
    assert "not mbox:PATH or maildir:PATH" in cli.fails(2, "fetch", "--source", "imap:x").stderr
    assert "no mbox file" in cli.fails(2, "fetch", "--source", f"mbox:{tmp_path / 'nope'}").stderr
    assert "no Maildir" in cli.fails(2, "fetch", "--source", f"maildir:{tmp_path}").stderr
    assert "no [[imap]] accounts" in cli.fails(3, "fetch").stderr
    assert "no file" in cli.fails(2, "fetch", "--explain", str(tmp_path / "x.eml")).stderr
    not_mbox = tmp_path / "x.txt"
    not_mbox.write_text("hello\n")
    assert "is not an mbox file" in cli.fails(2, "fetch", "--source", f"mbox:{not_mbox}").stderr
    assert snapshot() == before


def test_reparse_keeps_threads_and_counts(cli, desk: Path) -> None:
    cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    before = cli.json("ticket", "show", "3", "--json")
    out = cli.ok("reparse")
    assert out.stdout.strip() == "re-parsed 14 messages; 0 changed"
    assert cli.json("ticket", "show", "3", "--json") == before
    assert "re-parsed 3 messages" in cli.ok("reparse", "3").stdout
    assert "no ticket #77" in cli.fails(2, "reparse", "77").stderr


def test_inbox_without_accounts_lists_without_fetching(cli, desk: Path) -> None:
    assert "inbox is empty" in cli.ok("inbox").stdout
    cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    rows = cli.json("inbox", "--json")
    assert len(rows) == 8
    assert rows[0]["urgency"] == "urgent"


def _mbox(path: Path, *messages: str) -> Path:
    with path.open("wb") as fh:
        for text in messages:
            fh.write(b"From x@y Tue Oct 13 10:00:00 2026\n" + text.strip().encode() + b"\n\n")
    return path


def test_own_mail_coming_back_and_failed_dmarc(cli, desk: Path, tmp_path: Path) -> None:
    config = desk / "config.toml"
    config.write_text(
        config.read_text()
        + '\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = 9\ntls = "none"\n'
        + 'user = "tuki@koodiverstas.example"\npassword_env = "UNUSED"\nauthserv_id = "mx.koodiverstas.example"\n'
    )
    mbox = _mbox(
        tmp_path / "x.mbox",
        """
From: Koodiverstas <tuki@koodiverstas.example>
To: matti.virtanen@acme.fi
Subject: Kuittaus
Message-ID: <ack-9@koodiverstas.example>

Olemme vastaanottaneet viestisi.
""",
        """
From: Matti Virtanen <matti.virtanen@acme.fi>
To: tuki@koodiverstas.example
Subject: Tilaan uuden sivun
Message-ID: <forged-1@acme.fi>
Authentication-Results: mx.koodiverstas.example; spf=fail smtp.mailfrom=acme.fi; dkim=none; dmarc=fail header.from=acme.fi
Authentication-Results: attacker.example; dmarc=pass

Tehkää uusi sivu, laskuttakaa meitä.
""",
        """
From: Matti Virtanen <matti.virtanen@acme.fi>
To: tuki@koodiverstas.example
Subject: Toinen tilaus
Message-ID: <real-1@acme.fi>
Authentication-Results: mx.koodiverstas.example; spf=pass; dkim=pass; dmarc=pass header.from=acme.fi

Tämä on aito.
""",
    )
    out = cli.ok("fetch", "--source", f"mbox:{mbox}", env=NOW)
    assert "stored 3 messages: 2 new tickets" in out.stderr and "1 of our own" in out.stderr
    rows = {r["subject"]: r for r in cli.json("inbox", "--no-fetch", "--all", "--json")}
    assert "Kuittaus" not in rows
    assert rows["Tilaan uuden sivun"]["needs_approval"] is True
    assert rows["Toinen tilaus"]["needs_approval"] is False
    forged = cli.json("ticket", "show", str(rows["Tilaan uuden sivun"]["id"]), "--json")
    assert forged["messages"][0]["authentication"] == {
        "dmarc": "fail",
        "dkim": "none",
        "spf": "fail",
        "authenticated": False,
        "reason": "dmarc=fail (dmarc=fail dkim=none spf=fail by mx.koodiverstas.example)",
    }
    assert "no authserv_id" not in cli.ok("inbox", "--no-fetch").stderr


def test_unreachable_server_is_retried_then_exit_6(
    cli, desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from supportctl.config import load_config
    from supportctl.errors import MailError
    from supportctl.services import importing
    from supportctl.store.db import open_store

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    config = desk / "config.toml"
    config.write_text(
        config.read_text()
        + f'\n[[imap]]\nname = "office"\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
        + 'user = "support"\npassword_env = "NO_SERVER_PASSWORD"\n'
    )
    monkeypatch.setenv("NO_SERVER_PASSWORD", "x")
    waits: list[float] = []
    store = open_store(desk / "supportctl.db")
    try:
        with pytest.raises(MailError) as failure:
            importing.fetch_accounts(
                store,
                load_config(config),
                now=importing.datetime.now(importing.UTC),
                sleep=waits.append,
            )
    finally:
        store.close()
    assert waits == [1.0, 2.0]
    assert failure.value.message.startswith(
        f"imap account 'office' (127.0.0.1:{port}): connecting:"
    )
    assert "gave up after 3 attempts" in failure.value.message
    monkeypatch.setattr(importing, "BACKOFF_SECONDS", 0.0)
    result = cli.fails(6, "fetch")
    assert "imap account 'office'" in result.stderr and result.stderr.count("\n") <= 2


def test_big_attachment_is_stored_once_and_saved_exactly(
    cli, desk: Path, tmp_path: Path, store
) -> None:
    import base64
    import hashlib

    payload = bytes(range(256)) * 200  # 51,200 bytes
    encoded = base64.encodebytes(payload).decode()
    mbox = _mbox(
        tmp_path / "big.mbox",
        f"""
From: Sam <sam@pixelstudio.example>
Subject: logs
Message-ID: <big-1@pixelstudio.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="zz"

--zz
Content-Type: text/plain; charset=utf-8

Logs attached.
--zz
Content-Type: application/octet-stream; name="server.log.gz"
Content-Transfer-Encoding: base64

{encoded}
--zz--
""",
    )
    cli.ok("fetch", "--source", f"mbox:{mbox}", env=NOW)
    blob = store.one("SELECT size, length(data) AS stored, message_row FROM blobs")
    assert blob["stored"] == 0 and blob["message_row"] is not None  # a range of the raw mail
    shown = cli.json("ticket", "show", "1", "--json")
    assert shown["messages"][0]["attachments"][0]["size"] == len(payload)
    target = tmp_path / "saved"
    target.mkdir()
    cli.ok("ticket", "attachment", "1", "1", "--save", str(target))
    saved = (target / "server.log.gz").read_bytes()
    assert hashlib.sha256(saved).digest() == hashlib.sha256(payload).digest()
    assert cli.ok("reparse").stdout.strip() == "re-parsed 1 messages; 0 changed"
    cli.ok("ticket", "attachment", "1", "1", "--save", str(tmp_path))
    assert (tmp_path / "server.log.gz").read_bytes() == payload


def test_imported_mail_is_searchable_and_the_index_triggers_stay(
    cli, desk: Path, initialized: Path
) -> None:
    import sqlite3

    cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    db = sqlite3.connect(initialized / "supportctl.db")
    counts = db.execute(
        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM messages_fts), "
        "(SELECT count(*) FROM tickets), (SELECT count(*) FROM tickets_fts)"
    ).fetchone()
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    db.execute("INSERT INTO tickets_fts (tickets_fts) VALUES ('integrity-check')")
    db.close()
    assert counts[0] == counts[1] == 14 and counts[2] == counts[3] == 9
    assert {"messages_fts_insert", "tickets_fts_insert"} <= triggers
    hits = cli.json("search", "alhaalla", "--json")
    assert [h["source"] for h in hits] == ["message"]
    # Writes outside the importer are still indexed by the triggers.
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "matti.virtanen@acme.fi",
        "Varmuuskopiointi epäonnistui",
        env=NOW,
    )
    assert [h["source"] for h in cli.json("search", "varmuuskopiointi", "--json")] == ["subject"]


def test_inbox_with_the_mail_server_down_warns_and_shows_the_queue(cli, desk: Path) -> None:
    cli.ok("fetch", "--source", f"mbox:{SAMPLE}", env=NOW)
    config = desk / "config.toml"
    config.write_text(
        config.read_text()
        + '\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = 9\ntls = "none"\n'
        + 'user = "tuki@koodiverstas.example"\npassword_env = "UNUSED"\n'
    )
    result = cli("inbox", "--json", env={**NOW, "UNUSED": "x"})
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 8
    warnings = [line for line in result.stderr.splitlines() if "mail not fetched" in line]
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.startswith("warning: mail not fetched (") and "--no-fetch" in warning
    shown = cli.ok("inbox", env={**NOW, "UNUSED": "x"})
    assert "mail not fetched" in shown.stderr and "Portfolio page layout" in shown.stdout
    strict = cli("inbox", "--strict", env={**NOW, "UNUSED": "x"})
    assert strict.exit_code in (3, 6) and strict.stdout == ""
    assert strict.stderr.startswith("error: ")


def test_maildir_copied_long_after_is_dated_by_the_date_header(
    cli, desk: Path, tmp_path: Path
) -> None:
    import os

    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    old = box / "cur" / "1.eml"
    old.write_bytes(
        b"From: Matti <matti@acme.fi>\nTo: tuki@koodiverstas.example\nSubject: Vanha\n"
        b"Message-ID: <old-md@acme.fi>\nDate: Mon, 05 Mar 2012 10:00:00 +0200\n\nHei\n"
    )
    fresh = box / "cur" / "2.eml"
    fresh.write_bytes(
        b"From: Matti <matti@acme.fi>\nTo: tuki@koodiverstas.example\nSubject: Uusi\n"
        b"Message-ID: <new-md@acme.fi>\nDate: Wed, 14 Oct 2026 10:00:00 +0300\n\nHei\n"
    )
    copied = 1791966600  # 2026-10-14T08:30:00Z: when the folder was copied here
    os.utime(old, (copied, copied))
    os.utime(fresh, (copied, copied))
    cli.ok("fetch", "--source", f"maildir:{box}", env=NOW)
    rows = {t["subject"]: t for t in cli.json("inbox", "--no-fetch", "--all", "--json", env=NOW)}
    # the old mail is dated by its Date header; the fresh one keeps the file time
    shown = cli.json("ticket", "show", str(rows["Vanha"]["id"]), "--json", env=NOW)
    assert shown["created_at"] == "2012-03-05T08:00:00Z"
    shown = cli.json("ticket", "show", str(rows["Uusi"]["id"]), "--json", env=NOW)
    assert shown["created_at"] == "2026-10-14T08:30:00Z"


def test_reparse_stores_attachments_as_import_does(
    cli, desk: Path, tmp_path: Path, initialized: Path
) -> None:
    """One attachment store: reparse writes a big attachment's blob as a reference into
    the raw mail, as import does, even when the blob row has gone."""
    import base64
    import sqlite3

    payload = bytes(range(256)) * 200
    mbox = _mbox(
        tmp_path / "big.mbox",
        f"""
From: Sam <sam@pixelstudio.example>
Subject: logs
Message-ID: <big-2@pixelstudio.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="zz"

--zz
Content-Type: text/plain; charset=utf-8

Logs attached.
--zz
Content-Type: application/octet-stream; name="server.log.gz"
Content-Transfer-Encoding: base64

{base64.encodebytes(payload).decode()}
--zz--
""",
    )
    cli.ok("fetch", "--source", f"mbox:{mbox}", env=NOW)
    db = sqlite3.connect(initialized / "supportctl.db")
    imported = db.execute(
        "SELECT sha256, size, length(data), message_row, raw_offset FROM blobs"
    ).fetchall()
    db.execute("DELETE FROM blobs")
    db.commit()
    db.close()
    cli.ok("reparse")
    db = sqlite3.connect(initialized / "supportctl.db")
    reparsed = db.execute(
        "SELECT sha256, size, length(data), message_row, raw_offset FROM blobs"
    ).fetchall()
    db.close()
    assert reparsed == imported and imported[0][2] == 0
    cli.ok("ticket", "attachment", "1", "1", "--save", str(tmp_path))
    assert (tmp_path / "server.log.gz").read_bytes() == payload
