"""Strict From: exactly one mailbox with one addr-spec, on the Python CI runs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.mail.parse import parse_message
from supportctl.mail.sender import check_from

CONTACT = "matti@acme.fi"


@pytest.mark.parametrize(
    ("values", "addr"),
    [
        (["Matti <matti@acme.fi>"], "matti@acme.fi"),
        (["matti@acme.fi"], "matti@acme.fi"),
        (["<MATTI@acme.fi>"], "matti@acme.fi"),
        (['"Meikäläinen, Matti" <matti@acme.fi>'], "matti@acme.fi"),
        (["=?utf-8?b?TWF0dGkgTWVpa8OkbMOkaW5lbg==?= <matti@acme.fi>"], "matti@acme.fi"),
        (["Matti (acme) <matti@acme.fi>"], "matti@acme.fi"),
    ],
)
def test_one_plain_mailbox_is_strict(values: list[str], addr: str) -> None:
    assert check_from(values) == check_from(values).__class__(addr, "")


@pytest.mark.parametrize(
    ("values", "real"),
    [
        (["matti@acme.fi <attacker@evil.example>"], "attacker@evil.example"),
        (['"matti@acme.fi" <attacker@evil.example>'], "attacker@evil.example"),
        (["Matti (matti@acme.fi) <attacker@evil.example>"], "attacker@evil.example"),
        (["attacker@evil.example (matti@acme.fi)"], "attacker@evil.example"),
        (["=?utf-8?q?matti=40acme=2Efi?= <attacker@evil.example>"], "attacker@evil.example"),
        (["matti@acme.fi (x) <attacker@evil.example>"], "attacker@evil.example"),
        (["alice@example.org)<attacker@evil.example>"], "attacker@evil.example"),
        (["Matti <matti@acme.fi> <attacker@evil.example>"], None),
        (["matti@acme.fi, attacker@evil.example"], None),
        (["Matti <matti@acme.fi>", "attacker@evil.example"], None),
        (["Team: matti@acme.fi;"], None),
        ([], None),
    ],
)
def test_crafted_from_forms_are_not_strict(values: list[str], real: str | None) -> None:
    result = check_from(values)
    assert result.problem
    if real is not None:
        assert result.addr == real


def test_parse_message_keeps_the_real_addr_spec() -> None:
    raw = (
        b"From: matti@acme.fi <attacker@evil.example>\r\nTo: tuki@agency.example\r\n"
        b"Subject: hi\r\nMessage-ID: <x@evil.example>\r\n\r\nbody\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.from_addr == "attacker@evil.example"
    assert parsed.from_problem
    two = b"From: Matti <matti@acme.fi>\r\nFrom: x@evil.example\r\nSubject: a\r\n\r\nb\r\n"
    assert parse_message(two).from_problem == "2 From headers"


_LOCAL = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,10}", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8}){0,2}\.(fi|example|cz)", fullmatch=True)
_ADDR = st.builds(lambda a, b: f"{a}@{b}", _LOCAL, _DOMAIN)
# Display-name material including the contact's address and the specials that trip
# address parsers.
_NAME = st.lists(
    st.one_of(
        st.just(CONTACT),
        st.just(f"<{CONTACT}>"),
        st.sampled_from(
            ['"', "(", ")", "<", ">", ",", ";", ":", "@", "\\", " ", "=?utf-8?q?", "?="]
        ),
        st.text(alphabet="abcMäöé .-", max_size=8),
    ),
    max_size=6,
).map("".join)


@given(real=_ADDR, name=_NAME, form=st.integers(0, 4))
def test_no_from_whose_real_addr_spec_differs_is_matched_to_the_contact(
    real: str, name: str, form: int
) -> None:
    if real == CONTACT:
        return
    value = [
        f"{name} <{real}>",
        f'"{name}" <{real}>',
        f"{real} ({name})",
        f"{name}<{real}>",
        f"{real}, {name}",
    ][form]
    result = check_from([value])
    # Never the contact: either not strict, or strict with some other address.
    assert not (result.problem == "" and result.addr == CONTACT)
    raw = f"From: {value}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    parsed = parse_message(raw)
    assert not (parsed.from_problem == "" and parsed.from_addr == CONTACT)


def test_an_encoded_display_name_with_a_comma_is_still_one_mailbox() -> None:
    # Outlook writes "Surname, Given" as one encoded word; getaddresses splits it at the
    # comma, but the one angle-addr is the address.
    value = "=?iso-8859-1?Q?B=FCrling,=20Andreas?= <smith@example.com>"
    assert check_from([value]).__dict__ == {"addr": "smith@example.com", "problem": ""}
