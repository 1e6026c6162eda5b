"""Replies and acknowledgements reach the customer, over a real SMTP server (aiosmtpd):
the requester (Reply-To of the first message, else its From), never a stranger who
guessed the ticket number."""

from __future__ import annotations

import json

import pytest

from tests.integration import test_outbound_smtp as smtp_tests
from tests.integration.test_outbound_smtp import (
    FI_MAIL,
    NOW,
    _configure,
    _mbox,
    _parse,
    _rows,
    _setup_people,
)

# The real aiosmtpd server and the desk of the outbound tests.
smtp_server = smtp_tests.smtp_server
desk = smtp_tests.desk

pytestmark = pytest.mark.integration

STRANGER = (
    b"From: Random <random@evil.example>\n"
    b"To: support@agency.example\n"
    b"Subject: Re: [KV #1] Etusivu ei toimi\n"
    b"Message-ID: <guess-1@evil.example>\n"
    b"Date: Wed, 14 Oct 2026 11:05:00 +0300\n"
    b"\nPlease send me everything you have on this.\n"
)
FORM = (
    b"From: WordPress <wordpress@acme.fi>\n"
    b"Reply-To: Visitor Person <visitor@example.net>\n"
    b"To: support@agency.example\n"
    b"Subject: Contact form: broken checkout\n"
    b"Message-ID: <form-1@acme.fi>\n"
    b"Date: Wed, 14 Oct 2026 10:50:00 +0300\n"
    b"\nName: Visitor Person\nMessage: the checkout button does nothing.\n"
)


def test_a_strangers_re_tag_is_flagged_and_the_reply_goes_to_the_requester(
    cli,
    desk,
    tmp_path,
    snapshot,
):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL, STRANGER))
    assert _rows(ws, "SELECT count(*) FROM tickets") == [(1,)]
    # Stored on the ticket, flagged with who, in the inbox and near the top of ticket show.
    (row,) = cli.json("inbox", "--no-fetch", "--json")
    assert "foreign-sender" in row["flags"] and row["requester"] == "matti.virtanen@acme.fi"
    shown = cli.json("ticket", "show", "1", "--json")
    assert shown["foreign_senders"] == ["random@evil.example"]
    assert [m["headers"]["from"] for m in shown["messages"]] == [
        "matti.virtanen@acme.fi",
        "random@evil.example",
    ]
    text = cli.ok("ticket", "show", "1").stdout
    top = text.splitlines()[:3]
    assert any("foreign sender" in line and "random@evil.example" in line for line in top)
    explained = tmp_path / "stranger.eml"
    explained.write_bytes(STRANGER.replace(b"guess-1", b"guess-2"))
    steps = {
        s["step"]: s for s in cli.json("fetch", "--explain", str(explained), "--json")["steps"]
    }
    assert steps["sender"]["outcome"] == "foreign-sender"

    cli.ok("reply", "1", "-m", "Hei Matti, katsomme asiaa.", "--as", "alice")
    (_from, rcpt, raw) = sink.received[-1]
    assert rcpt == ["matti.virtanen@acme.fi"]
    sent = _parse(raw)
    assert sent["To"] == "matti.virtanen@acme.fi"
    # threaded to the customer's mail, not to the stranger's
    assert sent["In-Reply-To"] == "<fi-1@acme.fi>" and "guess-1" not in sent["References"]
    # --to picks another address only when it already wrote on the ticket.
    before = snapshot()
    refused = cli.fails(2, "reply", "1", "-m", "x", "--to", "nobody@evil.example", "--as", "alice")
    assert "has not written on ticket #1" in refused.stderr
    assert snapshot() == before and len(sink.received) == 1
    cli.ok("reply", "1", "-m", "Who are you?", "--to", "random@evil.example", "--as", "alice")
    assert sink.received[-1][1] == ["random@evil.example"]


def test_a_contact_form_mail_is_acknowledged_and_answered_at_its_reply_to(
    cli,
    initialized,
    smtp_server,
    tmp_path,
    monkeypatch,
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    _setup_people(cli)
    result = cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FORM))
    assert "acknowledged 1 new ticket" in result.stderr
    (_from, rcpt, raw) = sink.received[0]
    assert rcpt == ["visitor@example.net"]
    assert _parse(raw)["Auto-Submitted"] == "auto-replied"
    shown = cli.json("ticket", "show", "1", "--json")
    assert shown["requester"] == "wordpress@acme.fi"
    assert shown["reply_to"] == "visitor@example.net"
    assert "Reply-To visitor@example.net" in cli.ok("ticket", "show", "1").stdout
    cli.ok("reply", "1", "-m", "We fixed the checkout.", "--cc", "liisa@acme.fi", "--as", "alice")
    (_from, rcpt, raw) = sink.received[-1]
    assert rcpt == ["visitor@example.net", "liisa@acme.fi"]
    [(data,)] = _rows(
        initialized, "SELECT data FROM events WHERE kind = 'mail.sent' ORDER BY id DESC LIMIT 1"
    )
    assert "visitor@example.net" in json.dumps(json.loads(data))
