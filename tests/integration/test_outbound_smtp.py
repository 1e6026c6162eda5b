"""Mail out against a real SMTP server (aiosmtpd on 127.0.0.1) and a real Dovecot.

The messages the server receives are asserted byte for byte where it matters:
subject tag, threading headers, our Message-ID domain, Auto-Submitted, and Finnish
and Czech text that survives the trip intact.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import mailbox
import socket
from datetime import UTC
from pathlib import Path

import pytest

from tests.conftest import Workspace, open_test_store

pytestmark = [pytest.mark.integration, pytest.mark.both_engines]

NOW = "2026-10-14T08:30:00Z"  # Wednesday 11:30 in Helsinki

FI_MAIL = (
    b"From: Matti Virtanen <matti.virtanen@acme.fi>\n"
    b"To: support@agency.example\n"
    b"Subject: =?utf-8?q?Etusivu_ei_toimi_=E2=80=93_kiire?=\n"
    b"Message-ID: <fi-1@acme.fi>\n"
    b"Date: Wed, 14 Oct 2026 10:55:00 +0300\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n" + "Hei, etusivu näyttää tyhjää sivua. Voitteko katsoa pikaisesti?\n\nMatti\n".encode()
)
CS_MAIL = (
    b"From: =?utf-8?q?Ji=C5=99=C3=AD_Nov=C3=A1k?= <jiri.novak@kovosrot.cz>\n"
    b"To: support@agency.example\n"
    b"Subject: =?utf-8?q?Nefunguje_p=C5=99ihl=C3=A1=C5=A1en=C3=AD?=\n"
    b"Message-ID: <cs-1@kovosrot.cz>\n"
    b"Date: Wed, 14 Oct 2026 10:40:00 +0200\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n" + "Dobrý den, přihlášení do e-shopu nefunguje.\n\nJiří\n".encode()
)


class Sink:
    """aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _configure(workspace: Path, port: int, *, acknowledge: bool = False, prefix: str = "") -> None:
    config = workspace / "config.toml"
    text = config.read_text(encoding="utf-8")
    if prefix:
        text = text.replace('ticket_tag_prefix = ""', f'ticket_tag_prefix = "{prefix}"')
    text += (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
        f"acknowledge = {'true' if acknowledge else 'false'}\n"
    )
    config.write_text(text, encoding="utf-8")


def _setup_people(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--level",
        "premium",
        "--domain",
        "acme.fi",
        "--locale",
        "fi_FI",
    )
    cli.ok(
        "contact",
        "add",
        "acme",
        "matti.virtanen@acme.fi",
        "--name",
        "Matti Virtanen",
        "--can-order",
    )
    cli.ok(
        "customer",
        "add",
        "kovo",
        "--name",
        "Kovošrot Žďár s.r.o.",
        "--plan",
        "hosting",
        "--domain",
        "kovosrot.cz",
        "--locale",
        "cs_CZ",
        "--currency",
        "CZK",
        "--vat",
        "21",
    )
    cli.ok("contact", "add", "kovo", "jiri.novak@kovosrot.cz", "--name", "Jiří Novák")
    cli.ok("team", "add", "alice", "--name", "Alice Mäkinen", "--email", "alice@agency.example")


def _mbox(path: Path, *messages: bytes) -> str:
    """An mbox whose From lines carry each message's own Date (the arrival time)."""
    box = mailbox.mbox(str(path))
    for raw in messages:
        item = mailbox.mboxMessage(raw)
        sent = email.utils.parsedate_to_datetime(item["Date"])
        item.set_from("MAILER-DAEMON", sent.astimezone(UTC).timetuple())
        box.add(item)
    box.flush()
    box.close()
    return f"mbox:{path}"


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _rows(workspace: Path, sql: str, params: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    store = open_test_store(workspace)
    try:
        return [tuple(r) for r in store.all(sql, params)]
    finally:
        store.close()


@pytest.fixture
def desk(workspace: Workspace, smtp_server):  # type: ignore[no-untyped-def]
    workspace.now(NOW)
    sink, port = smtp_server
    _configure(workspace.root, port, prefix="KV")
    _setup_people(workspace.cli)
    return sink, port, workspace.root


def test_reply_reaches_the_server_threaded_tagged_and_encoded(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    text = "Hei Matti,\n\nkorjasimme välimuistin; etusivu näkyy taas. Äänekoski, Öljy, Åland.\n\nAlice\n"
    result = cli.ok("reply", "1", "-m", text, "--cc", "liisa@acme.fi", "--as", "alice")
    assert "first response" in result.stdout

    assert len(sink.received) == 1
    mail_from, rcpt, raw = sink.received[0]
    assert mail_from == "support@agency.example"
    assert rcpt == ["matti.virtanen@acme.fi", "liisa@acme.fi"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), "headers must be 7-bit (RFC 2047 encoded words)"
    msg = _parse(raw)
    assert msg["Subject"] == "Re: [KV #1] Etusivu ei toimi – kiire"
    assert msg["To"] == "matti.virtanen@acme.fi"
    assert msg["Cc"] == "liisa@acme.fi"
    assert msg["From"].addresses[0].display_name == "Alice Mäkinen / Our Agency"
    assert msg["From"].addresses[0].addr_spec == "support@agency.example"
    assert msg["In-Reply-To"] == "<fi-1@acme.fi>"
    assert msg["References"] == "<fi-1@acme.fi>"
    assert msg["Message-ID"].endswith("@agency.example>")
    assert msg["Auto-Submitted"] is None
    assert msg["Date"] == "Wed, 14 Oct 2026 11:30:00 +0300"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg["Content-Transfer-Encoding"] == "quoted-printable"
    assert msg.get_content().replace("\r\n", "\n") == text

    # Recorded: the exact bytes, the log, the first response.
    stored = _rows(
        ws,
        "SELECT direction, message_id, raw, in_reply_to FROM messages WHERE ticket_id = 1 ORDER BY id",
    )
    assert [r[0] for r in stored] == ["in", "out"]
    assert "<" + stored[1][1] + ">" == msg["Message-ID"]
    assert stored[1][2] == raw
    assert stored[1][3] == "fi-1@acme.fi"
    assert _rows(ws, "SELECT address, kind, is_automatic FROM outbound_log ORDER BY id") == [
        ("matti.virtanen@acme.fi", "reply", 0),
        ("liisa@acme.fi", "reply", 0),
    ]
    assert _rows(ws, "SELECT first_response_at FROM tickets WHERE id = 1") == [(NOW,)]


def test_reply_ingested_back_threads_into_its_ticket(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    cli.ok("reply", "1", "-m", "Hei, katsomme asiaa.", "--as", "alice")
    ours = _parse(sink.received[0][2])
    answer = (
        b"From: Matti Virtanen <matti.virtanen@acme.fi>\n"
        b"To: support@agency.example\n"
        b"Subject: Re: " + ours["Subject"].encode() + b"\n"
        b"Message-ID: <fi-2@acme.fi>\n"
        b"In-Reply-To: " + ours["Message-ID"].encode() + b"\n"
        b"References: <fi-1@acme.fi> " + ours["Message-ID"].encode() + b"\n"
        b"Date: Wed, 14 Oct 2026 12:00:00 +0300\n"
        b"\nKiitos, nyt toimii!\n"
    )
    # The reply itself coming back (e.g. a Bcc to the support box) is ours: it opens nothing.
    cli.ok("fetch", "--source", _mbox(tmp_path / "back.mbox", sink.received[0][2], answer))
    assert _rows(ws, "SELECT count(*) FROM tickets") == [(1,)]
    assert _rows(ws, "SELECT ticket_id FROM messages WHERE message_id = 'fi-2@acme.fi'") == [(1,)]


def test_czech_acknowledgement_on_fetch_is_encoded_and_automatic(
    cli, initialized, smtp_server, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    _setup_people(cli)
    result = cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", CS_MAIL))
    assert "acknowledged 1 new ticket" in result.stderr
    assert len(sink.received) == 1
    _from, rcpt, raw = sink.received[0]
    assert rcpt == ["jiri.novak@kovosrot.cz"]
    assert raw.split(b"\r\n\r\n", 1)[0].isascii()
    msg = _parse(raw)
    assert msg["Subject"] == "Re: [#1] Nefunguje přihlášení"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"] == "<cs-1@kovosrot.cz>"
    assert msg["Content-Language"] == "cs"
    body = msg.get_content().replace("\r\n", "\n")
    assert "Dobrý den," in body
    assert "založili požadavek\n[#1]: Nefunguje přihlášení" in body
    assert "Toto je automatická odpověď." in body
    assert "Termín naší odpovědi: nejpozději" in body
    # An acknowledgement is not a first response.
    assert _rows(initialized, "SELECT first_response_at FROM tickets WHERE id = 1") == [(None,)]
    assert _rows(initialized, "SELECT kind, is_automatic FROM outbound_log") == [("ack", 1)]


def test_second_new_ticket_from_same_sender_within_4_hours_gets_no_ack(
    cli, initialized, smtp_server, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    _setup_people(cli)
    cli.ok("fetch", "--source", _mbox(tmp_path / "a.mbox", FI_MAIL))
    second = FI_MAIL.replace(b"<fi-1@acme.fi>", b"<fi-9@acme.fi>").replace(
        b"Subject: =?utf-8?q?Etusivu_ei_toimi_=E2=80=93_kiire?=", b"Subject: Toinen asia"
    )
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T11:00:00Z")
    cli.ok("fetch", "--source", _mbox(tmp_path / "b.mbox", second))
    assert _rows(initialized, "SELECT count(*) FROM tickets") == [(2,)]
    assert len(sink.received) == 1
    skipped = _rows(initialized, "SELECT ticket_id, data FROM events WHERE kind = 'mail.skipped'")
    assert skipped[0][0] == 2 and "4 hours" in skipped[0][1]


def test_loop_an_autoreply_to_our_ack_gets_no_second_ack(
    cli, initialized, smtp_server, imap, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    config = initialized / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = {imap.port}\ntls = "none"\n'
        f'user = "{imap.user}"\npassword_env = "TEST_IMAP_PASSWORD"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap.password)
    _setup_people(cli)
    client = imap.client()
    try:
        client.append("INBOX", FI_MAIL.replace(b"\n", b"\r\n"))
        cli.ok("fetch")
        assert len(sink.received) == 1
        ack = _parse(sink.received[0][2])
        assert ack["Auto-Submitted"] == "auto-replied"
        # The customer's out-of-office answers our acknowledgement ...
        ooo = (
            "From: Matti Virtanen <matti.virtanen@acme.fi>\r\n"
            "To: support@agency.example\r\n"
            f"Subject: Automaattinen vastaus: {ack['Subject']}\r\n"
            "Message-ID: <ooo-1@acme.fi>\r\n"
            f"In-Reply-To: {ack['Message-ID']}\r\n"
            f"References: {ack['Message-ID']}\r\n"
            "Auto-Submitted: auto-replied\r\n"
            "Date: Wed, 14 Oct 2026 11:31:00 +0300\r\n"
            "\r\nOlen lomalla 20.10. asti.\r\n"
        ).encode()
        # ... and, worse, one with nothing that says so, under a new subject.
        bare = (
            b"From: Matti Virtanen <matti.virtanen@acme.fi>\r\n"
            b"To: support@agency.example\r\n"
            b"Subject: Viesti\r\n"
            b"Message-ID: <ooo-2@acme.fi>\r\n"
            b"Date: Wed, 14 Oct 2026 11:32:00 +0300\r\n"
            b"\r\nOlen lomalla 20.10. asti.\r\n"
        )
        client.append("INBOX", ooo)
        client.append("INBOX", bare)
        monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T08:32:00Z")
        cli.ok("fetch")
    finally:
        client.logout()
    assert len(sink.received) == 1, "no second acknowledgement"
    assert _rows(
        initialized,
        "SELECT ticket_id, classification FROM messages WHERE message_id = 'ooo-1@acme.fi'",
    ) == [(1, "autoreply")]
    assert _rows(initialized, "SELECT count(*) FROM outbound_log") == [(1,)]
    # The header-less one opened a ticket of its own; the 4-hour rule kept it quiet.
    skipped = _rows(initialized, "SELECT ticket_id, data FROM events WHERE kind = 'mail.skipped'")
    assert [t for t, _d in skipped] == [2]
    assert "already got an acknowledgement in the last 4 hours" in skipped[0][1]


def test_status_notice_on_resolve_is_sent_in_finnish(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    from datetime import UTC, datetime

    from supportctl.config import load_config
    from supportctl.services import outbound

    store = open_test_store(ws)
    try:
        outcome = outbound.notify_status(
            store,
            load_config(ws / "config.toml"),
            ticket_id=1,
            status="resolved",
            actor="alice",
            now=datetime(2026, 10, 14, 8, 30, tzinfo=UTC),
        )
    finally:
        store.close()
    assert isinstance(outcome, outbound.Sent)
    msg = _parse(sink.received[0][2])
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "Re: [KV #1] Etusivu ei toimi – kiire"
    assert "tila on nyt: ratkaistu." in msg.get_content().replace("\r\n", "\n")


def test_unreachable_server_is_exit_6_with_draft_and_nothing_recorded(
    cli, initialized, tmp_path, snapshot, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    _configure(initialized, _free_port())
    _setup_people(cli)
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    before = snapshot()
    result = cli.fails(6, "reply", "1", "-m", "Hei, katsomme asiaa.")
    assert snapshot() == before
    assert result.stderr.startswith("error: cannot reach SMTP server 127.0.0.1:")
    assert "the ticket is unchanged" in result.stderr
    draft = Path(result.stderr.split("draft saved to ", 1)[1].split(";", 1)[0])
    assert draft.read_text(encoding="utf-8") == "Hei, katsomme asiaa."


def test_server_refusing_the_recipient_is_exit_6_nothing_recorded(cli, desk, tmp_path, snapshot):  # type: ignore[no-untyped-def]
    sink, _port, _ws = desk

    async def refuse(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        return "550 no such user"

    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    Sink.handle_RCPT = refuse  # type: ignore[attr-defined]
    try:
        before = snapshot()
        result = cli.fails(6, "reply", "1", "-m", "Hei")
    finally:
        del Sink.handle_RCPT  # type: ignore[attr-defined]
    assert "refused every recipient: matti.virtanen@acme.fi" in result.stderr
    assert snapshot() == before
    assert sink.received == []


def test_remind_mails_the_owner_once_per_due_time(cli, desk, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok("rota", "set", "alice", "--start", "2026-W42")
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    assert _rows(ws, "SELECT due_response_at FROM tickets WHERE id = 1") == [
        ("2026-10-14T14:00:00Z",)
    ]
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T12:50:00Z")  # 70 business minutes left
    assert cli.json("remind", "--json")["owners"] == []
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T13:10:00Z")  # 50 left
    data = cli.json("remind", "--json")
    assert data["owners"] == [
        {
            "id": "alice",
            "tickets": [
                {
                    "id": 1,
                    "target": "response",
                    "due": "2026-10-14T14:00:00Z",
                    "business_minutes_left": 50,
                }
            ],
        }
    ]
    assert len(sink.received) == 1
    _from, rcpt, raw = sink.received[0]
    assert rcpt == ["alice@agency.example"]
    msg = _parse(raw)
    assert msg["Subject"] == "SLA: 1 ticket near a breach"
    assert msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_content().replace("\r\n", "\n")
    assert "Hi Alice Mäkinen," in body
    assert (
        "[KV #1] Etusivu ei toimi – kiire\n      response due Wednesday 14 October 2026, 17:00: 50m business time left"
        in body
    )
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T13:40:00Z")
    assert cli.ok("remind").stdout == "no ticket is within one business hour of an SLA breach\n"
    assert len(sink.received) == 1
    assert _rows(ws, "SELECT address, kind, ticket_id, is_automatic FROM outbound_log") == [
        ("alice@agency.example", "remind", None, 1)
    ]


def test_remind_sends_unowned_tickets_to_the_duty_person(cli, desk, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))  # empty rota: no owner
    assert _rows(ws, "SELECT owner_id FROM tickets WHERE id = 1") == [(None,)]
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T13:10:00Z")  # 50 business minutes left
    data = cli.json("remind", "--json")
    assert (data["owners"], data["unowned"]) == ([], [1])
    warned = cli.ok("remind")
    assert warned.stderr.startswith("warning: #1 near an SLA breach, owned by nobody")
    assert sink.received == []
    cli.ok("rota", "set", "alice", "--start", "2026-W42")
    data = cli.json("remind", "--json")
    assert [(o["id"], [t["id"] for t in o["tickets"]]) for o in data["owners"]] == [("alice", [1])]
    assert data["unowned"] == []
    assert [rcpt for _from, rcpt, _raw in sink.received] == [["alice@agency.example"]]


def test_ticket_status_notify_and_delegate_notify_go_out(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    cli.ok(
        "team",
        "add",
        "bob",
        "--name",
        "Bob Lindqvist",
        "--email",
        "bob@agency.example",
        "--skill",
        "dns:5",
    )
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    out = cli.ok("delegate", "1", "uusi DNS-tietue", "--skill", "dns", "--notify", "--as", "alice")
    assert "sent delegation notice on #1 to bob@agency.example" in out.stderr
    out = cli.ok("ticket", "status", "1", "resolved", "--notify", "--as", "alice")
    assert "sent status notice on #1 to matti.virtanen@acme.fi" in out.stdout
    assert [r[1] for r in sink.received] == [["bob@agency.example"], ["matti.virtanen@acme.fi"]]
    notice = _parse(sink.received[0][2])
    assert notice["Subject"] == "[KV #1] Delegated to you: uusi DNS-tietue"
    assert notice["Auto-Submitted"] == "auto-generated"
    assert "Alice Mäkinen delegated a task to you" in notice.get_content()
    status = _parse(sink.received[1][2])
    assert status["In-Reply-To"] == "<fi-1@acme.fi>"
    assert "tila on nyt: ratkaistu." in status.get_content().replace("\r\n", "\n")
    assert _rows(ws, "SELECT kind FROM outbound_log ORDER BY id") == [("delegation",), ("status",)]


def test_ticket_status_notify_without_smtp_changes_nothing(
    cli, initialized, tmp_path, snapshot, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    _setup_people(cli)
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    before = snapshot()
    result = cli.fails(3, "ticket", "status", "1", "resolved", "--notify")
    assert "no [smtp] section" in result.stderr
    assert snapshot() == before


def test_ticket_status_notify_with_server_down_keeps_the_status_says_so(
    cli, initialized, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    _configure(initialized, _free_port())
    _setup_people(cli)
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    result = cli.fails(6, "ticket", "status", "1", "resolved", "--notify")
    assert (
        "error: #1 is resolved, but the notice was not sent: cannot reach SMTP server"
        in result.stderr
    )
    assert _rows(initialized, "SELECT status FROM tickets WHERE id = 1") == [("resolved",)]
    assert _rows(initialized, "SELECT count(*) FROM outbound_log") == [(0,)]
    assert _rows(initialized, "SELECT count(*) FROM messages WHERE direction = 'out'") == [(0,)]


def test_reply_with_attachment_and_file_body(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, _ws = desk
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", CS_MAIL))
    picture = tmp_path / "snímek obrazovky.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    text = tmp_path / "odpoved.txt"
    text.write_text("Dobrý den,\n\npřihlášení už funguje, viz snímek.\n", encoding="utf-8")
    cli.ok("reply", "1", "--file", str(text), "--attach", str(picture))
    msg = _parse(sink.received[0][2])
    assert msg["Subject"] == "Re: [KV #1] Nefunguje přihlášení"
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(preferencelist=("plain",))
    assert (
        body.get_content().replace("\r\n", "\n")
        == "Dobrý den,\n\npřihlášení už funguje, viz snímek.\n"
    )
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == "snímek obrazovky.png"
    assert part.get_content_type() == "image/png"
    assert part.get_content() == picture.read_bytes()


def test_no_acknowledgement_to_a_sender_failing_dmarc(
    cli, initialized, smtp_server, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    config = initialized / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = 1\ntls = "none"\n'
        'user = "support@agency.example"\npassword_env = "UNUSED"\nauthserv_id = "mx.agency.example"\n',
        encoding="utf-8",
    )
    _setup_people(cli)
    forged = (
        b"Authentication-Results: mx.agency.example; dmarc=fail header.from=acme.fi; spf=fail\n"
        + FI_MAIL
    )
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", forged))
    assert sink.received == []
    [(data,)] = _rows(initialized, "SELECT data FROM events WHERE kind = 'mail.skipped'")
    assert "failed DMARC (fail)" in data


def test_partly_refused_recipients_are_not_logged_as_reached(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk

    async def refuse_cc(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address == "gone@acme.fi":
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    Sink.handle_RCPT = refuse_cc  # type: ignore[attr-defined]
    try:
        result = cli.ok("reply", "1", "-m", "Hei", "--cc", "gone@acme.fi")
    finally:
        del Sink.handle_RCPT  # type: ignore[attr-defined]
    assert "(refused: gone@acme.fi)" in result.stdout
    assert [r[1] for r in sink.received] == [["matti.virtanen@acme.fi"]]
    assert _rows(ws, "SELECT address FROM outbound_log") == [("matti.virtanen@acme.fi",)]


def test_reply_threads_back_through_dovecot_by_references_alone(cli, desk, imap, monkeypatch):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    config = ws / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = {imap.port}\ntls = "none"\n'
        f'user = "{imap.user}"\npassword_env = "TEST_IMAP_PASSWORD"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap.password)
    client = imap.client()
    try:
        client.append("INBOX", FI_MAIL.replace(b"\n", b"\r\n"))
        cli.ok("fetch")
        cli.ok("reply", "1", "-m", "Hei Matti, voisitko kokeilla uudelleen?", "--as", "alice")
        ours = _parse(sink.received[0][2])
        # The customer's client dropped the tag from the subject: only In-Reply-To is left.
        answer = (
            "From: Matti Virtanen <matti.virtanen@acme.fi>\r\n"
            "To: support@agency.example\r\n"
            "Subject: Re: Etusivu\r\n"
            "Message-ID: <fi-3@acme.fi>\r\n"
            f"In-Reply-To: {ours['Message-ID']}\r\n"
            "Date: Wed, 14 Oct 2026 12:10:00 +0300\r\n"
            "\r\nNyt toimii, kiitos!\r\n"
        ).encode()
        client.append("INBOX", sink.received[0][2])  # our own copy (a Bcc) comes back too
        client.append("INBOX", answer)
        cli.ok("fetch")
    finally:
        client.logout()
    assert _rows(ws, "SELECT count(*) FROM tickets") == [(1,)]
    assert _rows(
        ws, "SELECT ticket_id, direction FROM messages WHERE message_id = 'fi-3@acme.fi'"
    ) == [(1, "in")]
    assert _rows(
        ws, "SELECT count(*) FROM messages WHERE message_id = ?", (ours["Message-ID"].strip("<>"),)
    ) == [(1,)]


def test_config_notify_delegate_mails_without_the_flag(cli, desk, tmp_path):  # type: ignore[no-untyped-def]
    sink, _port, ws = desk
    config = ws / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + "notify_delegate = true\n", encoding="utf-8"
    )
    cli.ok(
        "team", "add", "bob", "--name", "Bob", "--email", "bob@agency.example", "--skill", "dns:5"
    )
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    out = cli.ok("delegate", "1", "uusi DNS-tietue", "--skill", "dns", "--as", "alice")
    assert "sent delegation notice on #1 to bob@agency.example" in out.stderr
    assert [r[1] for r in sink.received] == [["bob@agency.example"]]


def test_remind_never_mails_someone_who_left(cli, desk, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    sink, _port, _ws = desk
    cli.ok("team", "add", "olli", "--name", "Olli", "--email", "olli@agency.example")
    cli.ok("rota", "set", "alice", "--start", "2026-W42")
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", FI_MAIL))
    cli.ok("ticket", "assign", "1", "olli", "--as", "alice")
    cli.ok("team", "edit", "olli", "--left")
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T13:10:00Z")  # 50 business minutes left
    data = cli.json("remind", "--json")
    assert [(o["id"], [t["id"] for t in o["tickets"]]) for o in data["owners"]] == [("alice", [1])]
    assert [rcpt for _from, rcpt, _raw in sink.received] == [["alice@agency.example"]]


OLD_MAIL = (
    b"From: Matti Virtanen <matti.virtanen@acme.fi>\n"
    b"To: support@agency.example\n"
    b"Subject: Vanha kysymys lomakkeesta\n"
    b"Message-ID: <old-1@acme.fi>\n"
    b"Date: Tue, 14 Mar 2017 09:12:00 +0200\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"Hei, lomake ei tallenna mitaan.\n"
)


def _exported_mbox(path: Path, *messages: bytes) -> str:
    """An mbox as a mail client exports it: every From line carries the export time."""
    box = mailbox.mbox(str(path))
    for raw in messages:
        item = mailbox.mboxMessage(raw)
        item.set_from("MAILER-DAEMON", (2026, 10, 14, 8, 0, 0, 2, 287, 0))
        box.add(item)
    box.flush()
    box.close()
    return f"mbox:{path}"


def test_old_mail_in_an_exported_mbox_arrives_at_its_date_and_is_never_answered(
    cli, initialized, smtp_server, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    _setup_people(cli)
    cli.ok("rota", "set", "alice", "--start", "2026-W42")
    source = _exported_mbox(tmp_path / "export.mbox", OLD_MAIL, FI_MAIL)
    eml = tmp_path / "old.eml"
    eml.write_bytes(Path(source[5:]).read_bytes().split(b"\n\nFrom ")[0])
    steps = {s["step"]: s for s in cli.json("fetch", "--explain", str(eml), "--json")["steps"]}
    assert steps["arrived"]["outcome"] == "2017-03-14T07:12:00Z"
    assert steps["arrived"]["reason"].startswith("Date header (the mailbox file time")
    result = cli.ok("fetch", "--source", source)
    assert "acknowledged 1 new ticket" in result.stderr
    assert _rows(initialized, "SELECT id, created_at FROM tickets ORDER BY id") == [
        (1, "2017-03-14T07:12:00Z"),
        (2, "2026-10-14T08:00:00Z"),  # a file time within a day of the Date header stands
    ]
    # Only the fresh mail is acknowledged; the old one is skipped with the reason.
    assert [r[1] for r in sink.received] == [["matti.virtanen@acme.fi"]]
    assert _parse(sink.received[0][2])["In-Reply-To"] == "<fi-1@acme.fi>"
    skipped = _rows(initialized, "SELECT ticket_id, data FROM events WHERE kind = 'mail.skipped'")
    assert skipped[0][0] == 1 and "more than 24 hours ago" in skipped[0][1]
    # Nor does the old ticket ever set off a reminder (its clock was over in 2017).
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T13:10:00Z")
    data = cli.json("remind", "--json")
    assert [(o["id"], [t["id"] for t in o["tickets"]]) for o in data["owners"]] == [("alice", [2])]


def test_history_before_imports_old_mail_closed_and_searchable(
    cli, initialized, smtp_server, tmp_path, monkeypatch, snapshot
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    _setup_people(cli)
    cli.ok("rota", "set", "alice", "--start", "2026-W42")
    source = _mbox(tmp_path / "in.mbox", OLD_MAIL, FI_MAIL)
    before = snapshot()
    bad = cli.fails(2, "fetch", "--source", source, "--history-before", "11/03/2026")
    assert "is not a date" in bad.stderr
    cli.fails(2, "fetch", "--source", source, "--history-before", "1.10.2026", "--history")
    assert snapshot() == before
    result = cli.json("fetch", "--source", source, "--history-before", "1.10.2026", "--json")
    assert (result["new_tickets"], result["history_tickets"]) == ([2], [1])
    rows = _rows(
        initialized,
        "SELECT t.id, t.status, p.handle, t.due_response_at IS NOT NULL, t.closed_at "
        "FROM tickets t LEFT JOIN people p ON p.id = t.owner_id ORDER BY t.id",
    )
    assert rows == [(1, "closed", None, 0, "2017-03-14T07:12:00Z"), (2, "new", "alice", 1, None)]
    queue = cli.json("inbox", "--no-fetch", "--json")
    assert [t["id"] for t in queue] == [2]
    assert [h["id"] for h in cli.json("search", "lomake", "--json")] == [1]
    assert [r[1] for r in sink.received] == [["matti.virtanen@acme.fi"]]  # only the new one
    # --history takes everything as history: a second mailbox adds closed tickets only.
    later = FI_MAIL.replace(b"<fi-1@acme.fi>", b"<fi-7@acme.fi>").replace(
        b"Subject: =?utf-8?q?Etusivu_ei_toimi_=E2=80=93_kiire?=", b"Subject: Arkisto"
    )
    result = cli.json("fetch", "--source", _mbox(tmp_path / "b.mbox", later), "--history", "--json")
    assert (result["new_tickets"], result["history_tickets"]) == ([], [3])
    assert len(sink.received) == 1


def test_acknowledgement_times_are_in_the_customers_time_zone(
    cli, initialized, smtp_server, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    sink, port = smtp_server
    _configure(initialized, port, acknowledge=True)
    _setup_people(cli)
    cli.ok("customer", "edit", "kovo", "--country", "CZ")  # its zone: Europe/Prague
    cli.ok("fetch", "--source", _mbox(tmp_path / "in.mbox", CS_MAIL))
    msg = _parse(sink.received[0][2])
    assert msg["Date"] == "Wed, 14 Oct 2026 10:30:00 +0200"  # 11:30 in Helsinki
    body = msg.get_content().replace("\r\n", "\n")
    assert "(Europe/Prague)" in body and "Europe/Helsinki" not in body
