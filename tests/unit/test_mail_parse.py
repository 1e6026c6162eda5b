"""Parsing: charsets (declared, mislabeled, undeclared), encoded words, RFC 2231, HTML, forwards."""

from __future__ import annotations

import base64

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from supportctl.mail.parse import (
    decode_attachment,
    decode_bytes,
    decode_header_value,
    guess_decode,
    html_to_text,
    parse_message,
)
from tests.conftest import FIXTURES

MAIL = FIXTURES / "mail"
FI = "Hyvää päivää! Sähköposti ei toimi, ja verkkosivun ylläpito on jumissa. Åland-sivusto myös."
CS = "Dobrý den, náš web nefunguje. Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština: č ř š ž ě ů."


def parsed(name: str):
    return parse_message((MAIL / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "subject", "sender", "text"),
    [
        ("fi-iso-8859-1-8bit.eml", "Sähköposti ei toimi", "Järvinen Päivi", FI),
        ("fi-iso-8859-15-qp.eml", "Ylläpito maksaa 50 € kuussa", "Matti", FI + " Hinta 50 €."),
        ("fi-undeclared-8bit-latin1.eml", "Käyttäjätunnus hävisi", "Liisa", FI),
        ("fi-mislabeled-utf8-as-latin1.eml", "Päivitys", "Liisa", FI),
        ("cs-iso-8859-2-base64.eml", "Web nefunguje čí žluťoučký", "Jiří Novák", CS),
        (
            "cs-windows-1250-qp.eml",
            "Výpadek školní střípky",
            "Petra Dvořáková",
            CS + " Šťastný nový rok.",
        ),
        ("cs-undeclared-8bit-cp1250.eml", "Žádost o změnu", "Petra", CS),
    ],
)
def test_parse_legacy_charsets_come_out_right(
    name: str, subject: str, sender: str, text: str
) -> None:
    mail = parsed(name)
    assert mail.subject == subject
    assert mail.from_name == sender
    assert mail.text == text
    assert "\ufffd" not in mail.text + mail.subject + mail.from_name


def test_parse_rfc2231_filename_and_tnef_are_attachments_not_decoded() -> None:
    mail = parsed("cs-rfc2231-attachment.eml")
    assert mail.subject == "Faktura č. 42"
    assert mail.text == "V příloze posílám fakturu č. 42."
    names = [(a.filename, a.content_type) for a in mail.attachments]
    assert names == [
        ("faktura č. 42 žluťoučký.pdf", "application/pdf"),
        ("winmail.dat", "application/ms-tnef"),
    ]
    pdf = mail.attachments[0]
    assert pdf.transfer_encoding == "base64"
    assert pdf.size == len(b"%PDF-1.4 faktura\n")
    assert decode_attachment(pdf.data, pdf.transfer_encoding) == b"%PDF-1.4 faktura\n"


def test_parse_html_only_is_readable_text_without_markup() -> None:
    mail = parsed("fi-html-only.eml")
    assert mail.text.splitlines() == [
        "Hei!",
        "",
        "Etusivun kuvakaruselli ja yhteystiedot-linkki eivät toimi.",
        "",
        "• Chrome",
        "• Firefox",
        "",
        "Kiitos,",
        "Sam_tiimi *tärkeä*",
        "",
        "Selain  Versio",
    ]
    assert "color" not in mail.text and "](" not in mail.text and "#" not in mail.text


def test_parse_forwarded_message_is_text_and_attachment() -> None:
    mail = parsed("fi-forwarded-rfc822.eml")
    assert mail.subject == "Fwd: Ilmoitus häiriöstä"
    assert "From: Hosting Pääkäyttäjä <noc@hosting.example>" in mail.text
    assert "Subject: Häiriöilmoitus" in mail.text
    assert "Palvelimella on häiriö klo 22-23." in mail.text
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]


def test_parse_headers_ids_and_addresses() -> None:
    raw = (
        b"From: =?utf-8?Q?Ji=C5=99=C3=AD?= <Jiri@Kovosrot.CZ>\r\n"
        b"To: a@x.example, B <b@y.example>\r\nCc: c@z.example\r\n"
        b"Subject: Re: [KV #12] test\r\nMessage-ID: <abc@kovosrot.cz>\r\n"
        b"In-Reply-To: <first@agency.example>\r\n"
        b"References: <zero@agency.example>\r\n <first@agency.example>\r\n"
        b"Date: Tue, 13 Oct 2026 10:00:00 +0200\r\n\r\nbody\r\n"
    )
    mail = parse_message(raw)
    assert (mail.from_name, mail.from_addr) == ("Jiří", "Jiri@Kovosrot.CZ")  # as sent
    assert mail.to_addrs == ["a@x.example", "b@y.example"]
    assert mail.cc_addrs == ["c@z.example"]
    assert mail.message_id == "abc@kovosrot.cz"
    assert mail.in_reply_to == "first@agency.example"
    assert mail.references == ["zero@agency.example", "first@agency.example"]
    assert mail.date is not None and mail.date.isoformat() == "2026-10-13T08:00:00+00:00"
    assert mail.text == "body"


def test_parse_nested_multipart_prefers_plain_and_keeps_images() -> None:
    png = base64.b64encode(b"\x89PNG....").decode()
    raw = (
        "From: a@x.example\nSubject: nested\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="m"\n\n--m\n'
        'Content-Type: multipart/related; boundary="r"\n\n--r\n'
        'Content-Type: multipart/alternative; boundary="a"\n\n--a\n'
        "Content-Type: text/plain; charset=utf-8\n\nplain ä\n--a\n"
        "Content-Type: text/html; charset=utf-8\n\n<p>html ä</p>\n--a--\n--r\n"
        f"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n{png}\n--r--\n--m--\n"
    ).encode()
    mail = parse_message(raw)
    assert mail.text == "plain ä"
    assert [a.content_type for a in mail.attachments] == ["image/png"]


def test_decode_header_value_mixed_words_and_raw_bytes() -> None:
    assert (
        decode_header_value("=?iso-8859-2?Q?P=F8=EDli=B9?= =?utf-8?Q?_=C5=BElu?=") == "Příliš žlu"
    )
    assert decode_header_value("plain  folded\r\n text") == "plain folded text"
    raw8 = "Käyttäjä".encode("iso-8859-1").decode("ascii", "surrogateescape")
    assert decode_header_value(raw8) == "Käyttäjä"
    assert decode_header_value("=?x-unknown?Q?ok?=") == "ok"


def test_decode_bytes_mislabels_and_unknown_charsets() -> None:
    assert decode_bytes("čeština".encode("windows-1250"), "windows-1250") == "čeština"
    assert decode_bytes("ä".encode(), "iso-8859-1") == "ä"
    assert decode_bytes("žluťoučký".encode("windows-1250"), "us-ascii") == "žluťoučký"
    assert decode_bytes("€".encode("windows-1252"), "iso-8859-1") == "€"
    assert decode_bytes("öljy".encode("iso-8859-1"), "no-such-charset") == "öljy"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz äöåÄÖÅčřšžěůýáíéČŘŠŽ.,!?\n", max_size=80))
def test_guess_decode_round_trips_finnish_and_czech_text(text: str) -> None:
    decoded, _charset = guess_decode(text.encode("utf-8"))
    assert decoded == text
    finnish = "".join(ch for ch in text if ch not in "čřšžěůýáíéČŘŠŽ")
    assert guess_decode(finnish.encode("iso-8859-1"))[0] == finnish or finnish.isascii()
    czech = "".join(ch for ch in text if ch not in "åÅ")
    legacy = czech.encode("windows-1250")
    try:
        legacy.decode("utf-8")
        return  # a few short byte strings are valid UTF-8 too; UTF-8 rightly wins those
    except UnicodeDecodeError:
        pass
    assert guess_decode(legacy)[0] == czech


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_parse_never_raises_on_garbage(data: bytes) -> None:
    mail = parse_message(b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + data)
    assert isinstance(mail.text, str)


def test_html_to_text_joins_inline_and_breaks_blocks() -> None:
    text = html_to_text(
        "<div>one <span>two</span><b>three</b></div><div>four<br>five</div><script>x()</script>"
    )
    assert [line for line in text.splitlines() if line] == ["one twothree", "four", "five"]


_ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"


@given(
    names=st.lists(
        st.text(alphabet=_ATEXT + " .", max_size=20),
        min_size=1,
        max_size=2,
    ),
    local=st.text(alphabet=_ATEXT + ".", min_size=1, max_size=12),
    host=st.text(alphabet="abcxyz019-.", min_size=1, max_size=12),
    bare=st.booleans(),
)
def test_plain_mailboxes_read_like_the_stdlib(
    names: list[str], local: str, host: str, bare: bool
) -> None:
    """The regular-expression fast path reads what `policy.default` reads."""
    from supportctl.mail.parse import _addresses

    values = [f"{local}@{host}" if bare else f"{name} <{local}@{host}>" for name in names]
    try:
        expected = _stdlib_pairs(values)
    except Exception:  # the stdlib's own parser fails on a few (`. <a@b>`): not compared
        assume(False)
        return
    # Where the stdlib finds no address at all (`<a@b.>`), ours takes the one <addr-spec>
    # of the text: a named difference of the parity test, not the fast path's business.
    assume(len(expected) == len(values) and all("@" in addr for _name, addr in expected))
    assert _addresses(values) == expected


def _stdlib_pairs(values: list[str]) -> list[tuple[str, str]]:
    from email import policy

    out = []
    for value in values:
        for box in policy.default.header_factory("to", value).addresses:
            if box.addr_spec and box.addr_spec != "<>":
                out.append((box.display_name, box.addr_spec))
    return out


@given(
    fields=st.lists(
        st.tuples(
            st.text(alphabet="abcXYZ-_09!~", min_size=1, max_size=12),
            st.lists(st.text(alphabet='ab cd\tä=?;:<>@"', max_size=15), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=6,
    ),
    crlf=st.booleans(),
)
def test_plain_header_blocks_read_like_the_stdlib_parser(
    fields: list[tuple[str, list[str]]], crlf: bool
) -> None:
    from email.parser import BytesParser

    from supportctl.mail.parse import split_entity

    eol = "\r\n" if crlf else "\n"
    head = "".join(
        f"{name}: {lines[0]}{eol}" + "".join(f" {line}{eol}" for line in lines[1:])
        for name, lines in fields
    )
    raw = (head + eol + "body").encode("utf-8")
    expected = BytesParser().parsebytes(raw, headersonly=True)
    msg, body = split_entity(raw)
    assert list(msg.raw_items()) == list(expected.raw_items())
    assert body == b"body"


def test_nul_characters_are_dropped_from_text_subject_and_names() -> None:
    raw = (
        b"From: =?utf-8?q?Ma=00tti?= <matti@acme.fi>\r\nTo: tuki@agency.example\r\n"
        b"Subject: =?utf-8?q?hei=00maailma?=\r\nMessage-ID: <n@acme.fi>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"rivi\x00 yksi\r\n"
    )
    parsed = parse_message(raw)
    assert "\x00" not in parsed.text + parsed.subject + parsed.from_name
    assert parsed.text == "rivi yksi"
    assert parsed.subject == "heimaailma"
