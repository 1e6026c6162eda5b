"""A bounced reply is not an answer: through the real aiosmtpd and Dovecot.

Our reply goes out over SMTP, the recipient's server sends a delivery report back
into the support mailbox (RFC 3464, naming our reply's Message-ID), and `fetch`
reads it: the ticket is flagged `bounced`, the first response is undone (its clock
runs again), `report` does not count it answered, and `ticket show` says near the top
which reply bounced and why. The next reply clears the flag.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.test_outbound_smtp import FI_MAIL, _parse, desk, smtp_server

pytestmark = pytest.mark.integration
__all__ = ["desk", "smtp_server"]


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 10, 14, hour, minute, tzinfo=UTC)


def _bounce(ours: bytes) -> bytes:
    reply = _parse(ours)
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.fi>\r\n"
        "To: support@agency.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.acme.fi>\r\n"
        "Date: Wed, 14 Oct 2026 11:40:00 +0300\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "Your message could not be delivered: the mailbox is full.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.fi\r\n\r\n"
        "Final-Recipient: rfc822; matti.virtanen@acme.fi\r\n"
        "Action: failed\r\nStatus: 5.2.2\r\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {reply['From']}\r\nTo: {reply['To']}\r\nSubject: {reply['Subject']}\r\n"
        f"Message-ID: {reply['Message-ID']}\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounced_reply_is_not_an_answer(cli, desk, imap, monkeypatch) -> None:  # type: ignore[no-untyped-def]
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
        # Arrival times in the month of the fixed clock (SUPPORTCTL_NOW, 08:30 UTC).
        client.append("INBOX", FI_MAIL.replace(b"\n", b"\r\n"), msg_time=_at(7, 55))
        cli.ok("fetch")
        cli.ok("reply", "1", "-m", "Hei Matti, korjattu.", "--as", "alice")
        assert cli.json("report", "2026-10", "--json")["responded"] == 1
        client.append("INBOX", _bounce(sink.received[0][2]), msg_time=_at(8, 30))
        cli.ok("fetch")
    finally:
        client.logout()

    (row,) = [r for r in cli.json("inbox", "--no-fetch", "--all", "--json") if r["id"] == 1]
    assert row["bounced"] is True and "bounced" in row["flags"]
    assert row["sla"]["target"] == "response"  # the first-response clock runs again
    assert cli.json("report", "2026-10", "--json")["responded"] == 0
    shown = cli.ok("ticket", "show", "1").stdout.splitlines()
    top = "\n".join(shown[:8])
    assert "bounced" in top and "matti.virtanen@acme.fi" in top
    assert "552 5.2.2 Mailbox full" in top
    data = cli.json("ticket", "show", "1", "--json")
    assert data["bounced"] is True
    assert data["bounces"][0]["reason"] == "matti.virtanen@acme.fi: 552 5.2.2 Mailbox full"
    assert "bounced" in cli.ok("inbox", "--no-fetch").stdout

    # Answered again (by another way): the flag goes, the reply counts.
    cli.ok("reply", "1", "-m", "Hei Matti, soitin.", "--as", "alice")
    (row,) = [r for r in cli.json("inbox", "--no-fetch", "--all", "--json") if r["id"] == 1]
    assert row["bounced"] is False
    assert cli.json("report", "2026-10", "--json")["responded"] == 1
    assert "answered again since" in cli.ok("ticket", "show", "1").stdout
