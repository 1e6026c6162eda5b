"""Composing outgoing mail: subject tags, threading headers, encodings."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.threading import extract_tag
from supportctl.mail import compose

NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)


def test_compose_subject_tag_with_and_without_prefix():
    assert compose.subject_tag(123) == "[#123]"
    assert compose.subject_tag(123, "KV") == "[KV #123]"


def test_compose_tagged_subject_has_one_re_and_one_tag():
    assert compose.tagged_subject("Sivusto alhaalla", 7) == "Re: [#7] Sivusto alhaalla"
    assert compose.tagged_subject("RE: Re: [#7] Sivusto alhaalla", 7) == "Re: [#7] Sivusto alhaalla"
    assert compose.tagged_subject("AW: Odp: [KV #7] Výpadek", 7, "KV") == "Re: [KV #7] Výpadek"
    assert compose.tagged_subject("Re: [#7] x", 7, "KV") == "Re: [KV #7] x"
    assert compose.tagged_subject("", 7) == "Re: [#7]"
    assert compose.tagged_subject("Hello", 7, reply=False) == "[#7] Hello"


@given(
    subject=st.text(max_size=60),
    ticket=st.integers(min_value=1, max_value=10**6),
    prefix=st.sampled_from(["", "KV", "ACME-IT"]),
)
def test_compose_tagged_subject_is_found_by_the_importer(subject, ticket, prefix):
    tagged = compose.tagged_subject(subject, ticket, prefix)
    assert extract_tag(tagged, prefix) == ticket
    # Idempotent: replying to our own subject does not grow it.
    assert compose.tagged_subject(tagged, ticket, prefix) == tagged


def test_compose_reference_chain_appends_parent_and_trims():
    assert compose.reference_chain(["<a@x>", "<b@x>"], "<c@x>") == ["<a@x>", "<b@x>", "<c@x>"]
    assert compose.reference_chain(["<a@x>", "<c@x>"], "<c@x>") == ["<a@x>", "<c@x>"]
    long = [f"<{i}@x>" for i in range(40)]
    chain = compose.reference_chain(long, "<p@x>", limit=20)
    assert len(chain) == 20 and chain[0] == "<0@x>" and chain[-1] == "<p@x>"


def test_compose_message_id_is_ours():
    mid = compose.new_message_id("koodiverstas.example", 42)
    assert mid.startswith("<") and mid.endswith("@koodiverstas.example>")
    assert mid != compose.new_message_id("koodiverstas.example", 42)


def test_compose_language_for_locale_then_domain():
    assert compose.language_for("fi_FI") == "fi"
    assert compose.language_for("cs_CZ", "x@y.fi") == "cs"
    assert compose.language_for("de_DE", "x@y.cz") == "cs"
    assert compose.language_for(None, "x@firma.fi") == "fi"
    assert compose.language_for(None, "x@example.com") == "en"


def _out(**kw):  # type: ignore[no-untyped-def]
    base = dict(
        from_addr="tuki@koodiverstas.example",
        from_name="Jiří Dvořák / Koodiverstas Oy",
        to=("matti@acme.fi",),
        subject="Re: [KV #5] Přihlášení nefunguje – kiire",
        body="Dobrý den, přihlášení už funguje.\nÄäkköset: äöå.\n",
        date=NOW,
        message_id="<abc@koodiverstas.example>",
    )
    base.update(kw)
    return compose.Outgoing(**base)


def test_compose_build_encodes_headers_and_body_for_7bit_transport():
    raw = compose.to_bytes(
        compose.build(
            _out(
                cc=("liisa@acme.fi",),
                in_reply_to="<p@acme.fi>",
                references=("<r@acme.fi>", "<p@acme.fi>"),
            )
        )
    )
    assert raw.isascii()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Re: [KV #5] Přihlášení nefunguje – kiire"
    assert msg["From"].addresses[0].display_name == "Jiří Dvořák / Koodiverstas Oy"
    assert msg["In-Reply-To"] == "<p@acme.fi>"
    assert msg["References"] == "<r@acme.fi> <p@acme.fi>"
    assert msg["Cc"] == "liisa@acme.fi"
    assert msg["Content-Transfer-Encoding"] == "quoted-printable"
    assert (
        msg.get_content().replace("\r\n", "\n")
        == "Dobrý den, přihlášení už funguje.\nÄäkköset: äöå.\n"
    )


def test_compose_build_ascii_stays_7bit_and_automatic_mail_says_so():
    msg = compose.build(
        _out(body="Hello\n", from_name="Agency", auto_submitted="auto-replied", language="en")
    )
    assert msg["Content-Transfer-Encoding"] == "7bit"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Content-Language"] == "en"


def test_compose_attachment_with_czech_name():
    att = compose.Attachment("výpis účtu.pdf", b"%PDF-1.4 data", "application/pdf")
    raw = compose.to_bytes(compose.build(_out(attachments=(att,))))
    assert raw.isascii()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = list(msg.iter_attachments())
    assert [p.get_filename() for p in parts] == ["výpis účtu.pdf"]
    assert parts[0].get_content() == b"%PDF-1.4 data"


def test_compose_recipients_dedupe_case_insensitively():
    out = _out(to=("Matti@acme.fi",), cc=("matti@acme.fi", "liisa@acme.fi"))
    assert out.recipients == ["Matti@acme.fi", "liisa@acme.fi"]


def test_compose_quote_in_the_customers_language():
    text = compose.quote(
        "Hei\n\nMatti", who="Matti <m@acme.fi>", when="2026-10-14 10:00", lang="fi"
    )
    assert text == "2026-10-14 10:00 Matti <m@acme.fi> kirjoitti:\n> Hei\n>\n> Matti\n"
