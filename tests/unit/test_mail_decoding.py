"""Headers and bodies decoded like the stdlib: our Finnish/Czech fixtures, and
generated headers holding the fast paths to `email.policy.default`."""

from __future__ import annotations

import base64
from email import policy

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from supportctl.mail.parse import _addresses, decode_header_value, message_ids, parse_message
from tests.conftest import FIXTURES

MAIL = FIXTURES / "mail"


def _parse(name: str):  # type: ignore[no-untyped-def]
    return parse_message((MAIL / name).read_bytes())


def test_from_that_is_one_encoded_word_holding_name_and_address() -> None:
    mail = _parse("fi-from-one-encoded-word.eml")
    assert (mail.from_name, mail.from_addr) == ("Päivi Mäkelä", "Paivi.Makela@Acme.fi")


def test_encoded_name_with_a_raw_comma_and_the_senders_case() -> None:
    mail = _parse("fi-apple-last-first.eml")
    assert (mail.from_name, mail.from_addr) == ("Virtanen, Matti", "Matti.Virtanen@Acme.fi")
    assert mail.subject == "Laskun eräpäivä"


def test_folded_subject_keeps_its_space_and_ids_without_spaces() -> None:
    mail = _parse("fi-folded-encoded-subject.eml")
    assert mail.subject == "Tilaus ei näy verkkokaupassa"
    assert mail.references == ["a1@acme.fi", "a2@acme.fi", "a3@acme.fi", "a4@acme.fi"]
    assert mail.in_reply_to == "a4@acme.fi"
    assert mail.text == "Tilaukseni ei näy verkkokaupassa, hinta 49 €."


def test_seven_bit_charsets() -> None:
    utf7 = _parse("fi-utf7-body.eml")
    assert (utf7.subject, utf7.text) == ("Päivitys", "Hyvää päivää, päivitys on valmis.")
    utf16 = _parse("cs-utf16-body.eml")
    assert utf16.text == "Prosím o změnu hesla k FTP účtu."
    assert (utf16.from_name, utf16.subject) == ("Jiří Novák", "Změna hesla")
    jp = (
        f"From: {_encoded('事務局', 'iso-2022-jp', 'B')} <noreply@example.org>\n"
        f"Subject: {_encoded('メルマガ解除', 'iso-2022-jp', 'B')}\n"
        "Content-Type: text/plain; charset=ISO-2022-JP\n\n"
    ).encode() + "こんにちは\n".encode("iso-2022-jp")
    mail = parse_message(jp)
    assert (mail.from_name, mail.subject, mail.text) == ("事務局", "メルマガ解除", "こんにちは")


def test_a_stray_legacy_line_spoils_only_itself() -> None:
    mail = _parse("cs-utf8-with-cp1250-footer.eml")
    assert mail.text == (
        "Dobrý den, e-shop je nedostupný od rána.\nDěkuji, Jiří\n"
        "Tento e-mail je důvěrný. Společnost Kovošrot s.r.o."
    )
    assert mail.from_name == "Jiří Novák"  # raw UTF-8 in the header, beside it


def test_short_legacy_text_with_a_line_that_is_valid_utf8_stays_legacy() -> None:
    from supportctl.mail.parse import guess_decode

    assert guess_decode("Ä\nÄŠ".encode("windows-1250"))[0] == "Ä\nÄŠ"


def test_raw_8bit_addresses_in_a_legacy_charset() -> None:
    mail = _parse("cs-8bit-address.eml")
    assert (mail.from_name, mail.from_addr) == ("Jiří", "jiří@kovošrot.cz")
    assert mail.cc_addrs == ["petr.dvořák@kovošrot.cz"]
    assert mail.subject == "Žádost o zálohu"
    assert mail.text == "Prosíme o obnovení zálohy ze včerejška."


def test_message_ids_with_and_without_spaces_are_one_parser() -> None:
    assert message_ids("<a@x><b@y>") == ["a@x", "b@y"]
    assert message_ids("<a@x>, <b@y>\r\n <c@z> d@w (comment) <a@x>") == [
        "a@x",
        "b@y",
        "c@z",
        "d@w",
    ]
    assert message_ids("<a@\r\n x>") == ["a@x"]
    assert message_ids("a@x b@y") == ["a@x", "b@y"]  # stored refs read back
    assert message_ids("<a\x1b]0;t\x07@x> <b@y>") == ["b@y"]  # never into our References


# --- generated headers against policy.default --------------------------------------

_FI_CS = "aäöbcčdďeéěfghiíjklmnňoóprřsštťuúůvyýzžAÄÖČŘŠŽ"  # all in windows-1250
_WORD = st.text(alphabet=_FI_CS, min_size=1, max_size=8)
_ASCII_WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8
)
# Charsets whose bytes for these letters are never valid UTF-8 (our mislabel repair
# would read them otherwise, on purpose).
_CHARSETS = ("utf-8", "windows-1250")


def _encoded(text: str, charset: str, kind: str) -> str:
    data = text.encode(charset)
    if kind == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    q = "".join(
        chr(b) if chr(b).isascii() and chr(b).isalnum() else "_" if b == 32 else f"={b:02X}"
        for b in data
    )
    return f"=?{charset}?Q?{q}?="


@st.composite
def display_names(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORD, min_size=1, max_size=3))
    text = " ".join(words)
    form = draw(st.sampled_from(["atoms", "quoted", "B", "Q", "quoted-comma"]))
    if form == "atoms":
        return " ".join(draw(st.lists(_ASCII_WORD, min_size=1, max_size=3)))
    if form == "quoted":
        return '"' + " ".join(draw(st.lists(_ASCII_WORD, min_size=1, max_size=3))) + '"'
    if form == "quoted-comma":
        last, first = draw(_ASCII_WORD), draw(_ASCII_WORD)
        return f'"{last}, {first}"'
    charset = draw(st.sampled_from(_CHARSETS))
    if draw(st.booleans()):  # a raw comma inside the encoded word (Apple Mail's Last, First)
        text = f"{words[0]}, {text}"
    return _encoded(text, charset, form)


@st.composite
def mailboxes(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9._+-]{0,10}[A-Za-z0-9]", fullmatch=True))
    assume(".." not in local)
    host = draw(
        st.sampled_from(
            ["acme.fi", "Kovosrot.CZ", "xn--pyt-una.fi", "pöytä.fi", "mail.example.com"]
        )
    )
    addr = f"{local}@{host}"
    form = draw(st.sampled_from(["bare", "angle", "named", "comment"]))
    if form == "bare":
        return addr
    if form == "angle":
        return f"<{addr}>"
    if form == "comment":
        return f"{addr} ({draw(_ASCII_WORD)})"
    return f"{draw(display_names())} <{addr}>"


@st.composite
def address_headers(draw: st.DrawFn) -> str:
    boxes = draw(st.lists(mailboxes(), min_size=1, max_size=3))
    if draw(st.booleans()) and len(boxes) > 1:
        value = f"{draw(_ASCII_WORD)}: {', '.join(boxes[:-1])};, {boxes[-1]}"
    else:
        value = ", ".join(boxes)
    if draw(st.booleans()):
        value = value.replace(", ", ",\r\n ", 1).replace("> ", ">\r\n\t", 1)
    return value


def _stdlib(value: str) -> list[tuple[str, str]]:
    header = policy.default.header_factory("to", "".join(value.splitlines()))
    return [
        (" ".join(box.display_name.split()), box.addr_spec)
        for box in header.addresses
        if box.addr_spec and box.addr_spec != "<>"
    ]


@settings(max_examples=300, deadline=None)
@given(address_headers())
def test_generated_address_headers_read_like_the_stdlib(value: str) -> None:
    ours = [(" ".join(name.split()), addr) for name, addr in _addresses([value])]
    assert ours == _stdlib(value)


@st.composite
def unstructured(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        word = draw(_WORD)
        kind = draw(st.sampled_from(["plain", "B", "Q"]))
        if kind == "plain":
            parts.append(draw(_ASCII_WORD))
        else:
            parts.append(_encoded(word, draw(st.sampled_from(_CHARSETS)), kind))
    out = parts[0]
    for part in parts[1:]:
        out += draw(st.sampled_from([" ", "\r\n ", "\r\n\t", "  "])) + part
    return out


@settings(max_examples=300, deadline=None)
@given(unstructured())
def test_generated_subjects_read_like_the_stdlib(value: str) -> None:
    expected = str(policy.default.header_factory("subject", "".join(value.splitlines())))
    assert decode_header_value(value) == " ".join(expected.split())


@settings(max_examples=100, deadline=None)
@given(display_names(), st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}", fullmatch=True))
def test_a_whole_value_in_one_encoded_word_names_its_mailbox(name: str, local: str) -> None:
    plain = decode_header_value(name) if name.startswith("=?") else name.strip('"')
    value = _encoded(f"{plain} <{local}@Acme.fi>", "utf-8", "B")
    (got,) = _addresses([value])
    assert got[1] == f"{local}@Acme.fi"
    assert " ".join(got[0].split()) == " ".join(plain.split())
