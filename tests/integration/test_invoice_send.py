"""`invoice send` against a real SMTP server (aiosmtpd on 127.0.0.1): the issued
document arrives byte for byte, in the customer's language; refusals send nothing;
a sent invoice, voided, is credited by a credit note."""

from __future__ import annotations

import email
import email.policy
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_invoice_cli import BANKS
from tests.integration.test_outbound_smtp import smtp_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.integration

NOW = "2026-11-02T10:00:00Z"


@pytest.fixture
def issued(cli, initialized: Path, monkeypatch: pytest.MonkeyPatch, smtp_server):  # noqa: F811
    sink, port = smtp_server
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    config = initialized / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + BANKS
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n',
        encoding="utf-8",
    )
    cli.ok("team", "add", "alice", "--name", "Alice Mäkinen", "--email", "alice@agency.example")
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "adhoc",
        "--vat-id",
        "FI87654321",
        "--billing-email",
        "laskut@acme.fi",
    )
    cli.ok(
        "customer",
        "add",
        "kovo",
        "--name",
        "Kovošrot s.r.o.",
        "--plan",
        "hosting",
        "--currency",
        "CZK",
        "--rate",
        "1500.00",
        "--vat-id",
        "CZ12345678",
        "--billing-email",
        "faktury@kovosrot.cz",
    )
    cli.ok("customer", "add", "nomail", "--plan", "adhoc")
    for slug in ("acme", "kovo", "nomail"):
        cli.ok(
            "log",
            "add",
            "--customer",
            slug,
            "--date",
            "2026-10-05",
            "--start",
            "09:00",
            "--end",
            "09:40",
            "Plugin updates",
            "--allow-overlap",
        )
    cli.ok("invoice", "2026-10", "--issue", "--format", "pdf", "--out", str(initialized / "o"))
    return sink, initialized


def _numbers(cli) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {i["customer"]: i["number"] for i in cli.json("invoice", "list", "--json")}


def _attachment(raw: bytes) -> tuple[email.message.EmailMessage, bytes, str]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    (part,) = list(msg.iter_attachments())
    return msg, part.get_content(), part.get_filename()


def test_send_mails_the_issued_pdf_byte_for_byte_in_the_customers_language(cli, issued) -> None:
    sink, _ = issued
    numbers = _numbers(cli)
    done = cli.ok("invoice", "send", numbers["acme"])
    assert "sent invoice" in done.stdout and "laskut@acme.fi" in done.stdout
    cli.ok("invoice", "send", numbers["kovo"])
    assert len(sink.received) == 2
    (_, rcpts, raw), (_, cz_rcpts, cz_raw) = sink.received
    assert rcpts == ["laskut@acme.fi"] and cz_rcpts == ["faktury@kovosrot.cz"]
    msg, data, name = _attachment(raw)
    issued_pdf = cli.ok("invoice", "show", numbers["acme"], "--format", "pdf").stdout_bytes
    assert data == issued_pdf and data.startswith(b"%PDF-")
    assert name == f"acme-2026-10-{numbers['acme']}.pdf"
    assert msg["Subject"] == f"Lasku {numbers['acme']} – Our Agency"
    text = msg.get_body(preferencelist=("plain",))
    assert text["Content-Language"] == "fi"
    body = text.get_content()
    assert "Viitenumero" in body and "Eräpäivä" in body
    cz_msg, cz_data, _ = _attachment(cz_raw)
    assert cz_msg["Subject"].startswith(f"Faktura {numbers['kovo']}")
    assert cz_data == cli.ok("invoice", "show", numbers["kovo"], "--format", "pdf").stdout_bytes
    assert "Variabilní symbol" in cz_msg.get_body(preferencelist=("plain",)).get_content()
    shown = cli.json("invoice", "show", numbers["acme"], "--json")
    assert shown["sent_at"] == NOW
    # sending twice needs --again
    before = len(sink.received)
    again = cli.fails(2, "invoice", "send", numbers["acme"])
    assert "--again" in again.stderr and len(sink.received) == before
    cli.ok("invoice", "send", numbers["acme"], "--again")
    assert len(sink.received) == before + 1


def test_send_refuses_without_a_billing_address_void_and_drafts_sending_nothing(
    cli, issued
) -> None:
    sink, workspace = issued
    numbers = _numbers(cli)
    result = cli.fails(2, "invoice", "send", "--month", "2026-10")
    assert "nomail" in result.stderr and "billing" in result.stderr
    assert sink.received == []  # checked before anything went out
    cli.ok("invoice", "void", numbers["nomail"], "--reason", "never ordered")
    result = cli.fails(2, "invoice", "send", numbers["nomail"])
    assert "void" in result.stderr
    result = cli.fails(2, "invoice", "send", "acme-2026-10")
    assert "draft" in result.stderr
    dry = cli.ok("invoice", "send", "--month", "2026-10", "--dry-run")
    assert "would send" in dry.stdout and sink.received == []
    with sqlite3.connect(workspace / "supportctl.db") as conn:
        assert (
            conn.execute("SELECT count(*) FROM invoices WHERE sent_at IS NOT NULL").fetchone()[0]
            == 0
        )
    cli.ok("invoice", "send", "--month", "2026-10")
    assert sorted(r[1][0] for r in sink.received) == ["faktury@kovosrot.cz", "laskut@acme.fi"]


def test_voiding_a_sent_invoice_issues_a_credit_note(cli, issued) -> None:
    sink, _ = issued
    numbers = _numbers(cli)
    cli.ok("invoice", "send", numbers["acme"])
    original = cli.json("invoice", "show", numbers["acme"], "--json")
    done = cli.ok("invoice", "void", numbers["acme"], "--reason", "wrong rate")
    assert "credit note" in done.stdout
    voided = cli.json("invoice", "show", numbers["acme"], "--json")
    credit_number = voided["credit_note"]
    assert credit_number and credit_number not in numbers.values()
    credit = cli.json("invoice", "show", credit_number, "--json")
    assert credit["kind"] == "credit" and credit["credits"] == numbers["acme"]
    for key in ("net", "vat", "gross"):
        assert credit[key]["amount_minor"] == -original[key]["amount_minor"]
    for fmt, needle in (("html", "Hyvityslasku"), ("md", "Hyvityslasku"), ("txt", "HYVITYSLASKU")):
        doc = cli.ok("invoice", "show", credit_number, "--format", fmt).stdout
        assert needle in doc and f"Hyvitys laskusta {numbers['acme']}" in doc
    csv = cli.ok("invoice", "show", credit_number, "--format", "csv").stdout
    assert "-" + str(original["gross"]["amount_minor"] // 100) in csv
    assert cli.ok("invoice", "show", credit_number, "--format", "pdf").stdout_bytes.startswith(
        b"%PDF"
    )
    # the credit note can be mailed like an invoice
    cli.ok("invoice", "send", credit_number)
    msg, _, _ = _attachment(sink.received[-1][2])
    assert msg["Subject"].startswith(f"Hyvityslasku {credit_number}")
    # the month is open again and the credit note does not freeze it
    cli.ok(
        "log",
        "add",
        "--customer",
        "acme",
        "--date",
        "2026-10-06",
        "--start",
        "09:00",
        "--end",
        "09:10",
        "More work",
    )
    # an unsent invoice voided gets no credit note
    cli.ok("invoice", "void", numbers["kovo"], "--reason", "wrong rate")
    assert cli.json("invoice", "show", numbers["kovo"], "--json")["credit_note"] is None
