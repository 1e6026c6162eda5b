"""Without a trusted authserv_id the verdict of stored mail is decided before the mail
is parsed; it must be the same verdict the full path gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.auth import authenticate
from supportctl.mail.orgdomain import organisational_domain
from supportctl.mail.parse import decode_header_value, headers_all, split_entity
from supportctl.mail.sender import check_from
from supportctl.services.authentication import verdict_of_raw

RAW = (
    b"Authentication-Results: mx.agency.example; dmarc=pass header.from=acme.fi\r\n"
    b"From: =?utf-8?q?P=C3=A4ivi?= <paivi@acme.fi>\r\n"
    b"Subject: Lomake ei toimi\r\n\r\nHei\r\n"
)


def full_path(raw: bytes, trusted: tuple[str, ...]) -> object:
    msg, _body = split_entity(raw)
    results = [decode_header_value(v) for v in headers_all(msg, "Authentication-Results")]
    check = check_from(headers_all(msg, "From"))
    return authenticate(
        results,
        from_addr=check.addr,
        from_problem=check.problem,
        trusted=trusted,
        org_domain=organisational_domain,
    )


@given(
    st.one_of(st.just(RAW), st.binary(max_size=400), st.just(RAW + b"\xff\x00" * 20)),
    st.lists(st.sampled_from(["", " ", "  \t"]), max_size=3),
)
def test_nothing_trusted_gives_the_full_paths_verdict(raw: bytes, blank: list[str]) -> None:
    assert verdict_of_raw(raw, tuple(blank)) == full_path(raw, tuple(blank))
    assert not verdict_of_raw(raw, tuple(blank)).authenticated


def test_a_trusted_id_still_reads_the_mail() -> None:
    assert verdict_of_raw(RAW, ("mx.agency.example",)).authenticated
    assert verdict_of_raw(RAW, ("mx.agency.example",)) == full_path(RAW, ("mx.agency.example",))
