"""The one authentication rule (domain.auth) and its Authentication-Results parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.auth import authenticate, parse_header, trusted_header
from supportctl.mail.orgdomain import organisational_domain

TRUSTED = ["mx.agency.example"]


def verdict(
    values: list[str], from_addr: str = "matti@acme.fi", problem: str = "", trusted=TRUSTED
):  # type: ignore[no-untyped-def]
    return authenticate(
        values,
        from_addr=from_addr,
        from_problem=problem,
        trusted=trusted,
        org_domain=organisational_domain,
    )


def test_parser_reads_comments_quoted_strings_versions_and_properties() -> None:
    header = parse_header(
        'MX.Agency.example 1 (our "mx"; really); spf=pass (sender (nested) ok) '
        'smtp.mailfrom="odd user"@bounce.acme.fi; dkim/1 = pass reason="good; sig" '
        "header.d=acme.fi header.s=sel (x=y); dmarc=none (p=none) header.from=acme.fi"
    )
    assert header is not None
    assert header.authserv_id == "MX.Agency.example"
    spf, dkim, dmarc = header.results
    assert (spf.method, spf.result, spf.props["smtp.mailfrom"]) == (
        "spf",
        "pass",
        "odd user@bounce.acme.fi",
    )
    assert (dkim.method, dkim.result, dkim.reason) == ("dkim", "pass", "good; sig")
    assert dkim.props == {"header.d": "acme.fi", "header.s": "sel"}
    assert (dmarc.result, dmarc.props["header.from"]) == ("none", "acme.fi")


def test_parser_no_result_and_garbage() -> None:
    header = parse_header("mx.agency.example; none")
    assert header is not None and header.results == ()
    assert parse_header("") is None
    assert parse_header("; dmarc=pass") is None
    # A result hidden in a comment or a quoted string is not a result.
    hidden = parse_header('mx.agency.example (dmarc=pass header.from=acme.fi); x="dmarc=pass"')
    assert hidden is not None and [r.method for r in hidden.results] == ["x"]


def test_first_trusted_header_wins_untrusted_ignored_exact_id() -> None:
    forged = "mx.agency.example.evil.example; dmarc=pass header.from=acme.fi"
    ours = "MX.agency.example; dmarc=fail header.from=acme.fi"
    later = "mx.agency.example; dmarc=pass header.from=acme.fi"
    found = trusted_header([forged, ours, later], TRUSTED)
    assert found is not None and found.results[0].result == "fail"
    assert trusted_header([forged], TRUSTED) is None
    assert trusted_header([ours], []) is None


# The matrix of the closing note; the same cases run through import, `fetch --explain`
# and `ticket approve --message` in tests/cli/test_auth_cli.py.
MATRIX: list[tuple[str, list[str], bool]] = [
    ("none", [], False),
    ("untrusted only", ["relay.evil.example; dmarc=pass header.from=acme.fi"], False),
    ("look-alike id", ["mx.agency.example.evil.example; dmarc=pass header.from=acme.fi"], False),
    ("look-alike prefix", ["mx.agency.exampl; dmarc=pass header.from=acme.fi"], False),
    ("trusted dmarc pass aligned", ["mx.agency.example; dmarc=pass header.from=acme.fi"], True),
    (
        "trusted dmarc pass unaligned",
        ["mx.agency.example; dmarc=pass header.from=evil.example"],
        False,
    ),
    (
        "trusted dmarc fail, dkim+spf pass",
        [
            "mx.agency.example; dkim=pass header.d=acme.fi; spf=pass smtp.mailfrom=acme.fi; dmarc=fail header.from=acme.fi"
        ],
        False,
    ),
    (
        "dmarc none, aligned dkim",
        ["mx.agency.example; dkim=pass header.d=mail.acme.fi; dmarc=none header.from=acme.fi"],
        True,
    ),
    (
        "dmarc none, unaligned dkim",
        ["mx.agency.example; dkim=pass header.d=evil.example; dmarc=none header.from=acme.fi"],
        False,
    ),
    (
        "dmarc none, aligned spf",
        ["mx.agency.example; spf=pass smtp.mailfrom=bounce@lists.acme.fi; dmarc=none"],
        True,
    ),
    (
        "dmarc none, unaligned spf",
        ["mx.agency.example; spf=pass smtp.mailfrom=bounce@evil.example; dmarc=none"],
        False,
    ),
    (
        "dmarc none, unaligned dkim and spf",
        [
            "mx.agency.example; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=evil.example; dmarc=none header.from=acme.fi"
        ],
        False,
    ),
    (
        "dmarc temperror, aligned dkim",
        ["mx.agency.example; dkim=pass header.d=acme.fi; dmarc=temperror"],
        True,
    ),
    (
        "dmarc temperror, nothing else",
        ["mx.agency.example; dmarc=temperror header.from=acme.fi"],
        False,
    ),
    ("no dmarc result, aligned spf", ["mx.agency.example; spf=pass smtp.mailfrom=acme.fi"], True),
    ("dkim fail aligned", ["mx.agency.example; dkim=fail header.d=acme.fi; dmarc=none"], False),
    (
        "two trusted headers, first fails",
        [
            "mx.agency.example; dmarc=fail header.from=acme.fi",
            "mx.agency.example; dmarc=pass header.from=acme.fi",
        ],
        False,
    ),
    (
        "two trusted headers, first passes",
        [
            "mx.agency.example; dmarc=pass header.from=acme.fi",
            "mx.agency.example; dmarc=fail header.from=acme.fi",
        ],
        True,
    ),
    (
        "untrusted pass above trusted fail",
        [
            "relay.evil.example; dmarc=pass header.from=acme.fi",
            "mx.agency.example; dmarc=fail header.from=acme.fi",
        ],
        False,
    ),
    (
        "public-suffix sibling is not aligned",
        ["mx.agency.example; dkim=pass header.d=evil.fi; dmarc=none"],
        False,
    ),
]


@pytest.mark.parametrize(
    ("values", "expected"), [(v, e) for _n, v, e in MATRIX], ids=[n for n, _v, _e in MATRIX]
)
def test_verdict_matrix(values: list[str], expected: bool) -> None:
    assert verdict(values).authenticated is expected


def test_nothing_configured_nothing_authenticated() -> None:
    good = ["mx.agency.example; dmarc=pass header.from=acme.fi"]
    result = verdict(good, trusted=[])
    assert not result.authenticated and "no authserv_id" in result.reason


def test_a_from_that_is_not_one_mailbox_is_never_authenticated() -> None:
    good = ["mx.agency.example; dmarc=pass header.from=acme.fi"]
    assert verdict(good).authenticated
    assert not verdict(good, problem="not exactly one mailbox").authenticated


def test_alignment_uses_the_organisational_domain() -> None:
    assert organisational_domain("a.b.acme.co.uk") == "acme.co.uk"
    assert organisational_domain("co.uk") is None
    # two customers under one public suffix are not each other's organisation
    assert organisational_domain("alice.github.io") != organisational_domain("bob.github.io")


@given(st.lists(st.text(max_size=60), max_size=4))
def test_any_header_text_is_parsed_without_error_and_never_trusted_untrusted(
    values: list[str],
) -> None:
    result = verdict([f"relay.evil.example; {v}" for v in values])
    assert not result.authenticated
