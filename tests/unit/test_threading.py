"""Threading rules and message identity (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.threading import (
    body_hash,
    choose_thread,
    extract_tag,
    format_tag,
    identity,
    is_blocked,
    is_own_message_id,
    reference_candidates,
)

prefixes = st.sampled_from(["", "KV", "ACME", "Tuki"])
subjects = st.text(alphabet=st.characters(blacklist_characters="[]#"), max_size=40)


@given(prefixes, st.integers(min_value=1, max_value=999_999_999), subjects, subjects)
def test_extract_tag_finds_the_tag_we_write(
    prefix: str, number: int, before: str, after: str
) -> None:
    subject = f"{before}{format_tag(number, prefix)}{after}"
    assert extract_tag(subject, prefix) == number


@given(prefixes, subjects)
def test_extract_tag_none_without_tag(prefix: str, subject: str) -> None:
    assert extract_tag(subject, prefix) is None


def test_extract_tag_variants() -> None:
    assert extract_tag("Re: [KV #12] help", "KV") == 12
    assert extract_tag("Re: [kv#12] help", "KV") == 12
    assert extract_tag("Re: [#12] help", "KV") == 12
    assert extract_tag("Re: [OTHER #12] help", "KV") is None
    assert extract_tag("Re: [KV #12] help", "") is None
    assert extract_tag("[#0] zero", "") is None
    assert extract_tag("Re: [#7] a [#9]", "") == 7


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_identity_ignores_line_endings_and_headers(head: bytes, body: bytes) -> None:
    head = head.replace(b"\r", b"").replace(b"\n", b" ").strip() or b"X: y"
    body = body.replace(b"\r", b"")
    lf = b"Subject: " + head + b"\n\n" + body
    crlf = lf.replace(b"\n", b"\r\n")
    other_headers = b"Received: by somewhere\nSubject: other\n\n" + body
    assert identity(lf, "a@b").body_hash == identity(crlf, "a@b").body_hash
    assert body_hash(lf, "a@b") == body_hash(other_headers, "a@b")
    assert identity(lf, "") == identity(crlf, "")


@given(st.binary(min_size=1, max_size=100))
def test_identity_differs_when_the_body_differs(extra: bytes) -> None:
    extra = extra.replace(b"\r", b"").strip(b"\n") or b"x"
    a = b"Subject: s\n\nhello\n"
    b = b"Subject: s\n\nhello\n" + extra + b"\n"
    assert body_hash(a, "id@x") != body_hash(b, "id@x")


def test_identity_without_message_id_hashes_whole_message() -> None:
    a = b"Subject: one\n\nsame body\n"
    b = b"Subject: two\n\nsame body\n"
    assert body_hash(a, "") != body_hash(b, "")
    assert body_hash(a, "x@y") == body_hash(b, "x@y")
    assert body_hash(b"From someone Mon Oct 12 09:00:00 2026\n" + a, "") == body_hash(a, "")


def test_choose_thread_order() -> None:
    known = {"r1@x": 5, "r2@x": 6}
    assert choose_thread(tag=3, tag_ticket=3, candidates=["r1@x"], known=known).ticket_id == 3
    d = choose_thread(tag=99, tag_ticket=None, candidates=["nope@x", "r2@x"], known=known)
    assert (d.how, d.ticket_id) == ("references", 6)
    d = choose_thread(tag=None, tag_ticket=None, candidates=["nope@x"], known=known)
    assert (d.how, d.ticket_id) == ("new", None)
    assert reference_candidates("c@x", ["a@x", "b@x", "c@x"]) == ["c@x", "b@x", "a@x"]


def test_own_ids_and_blocks() -> None:
    assert is_own_message_id("abc@agency.example", "agency.example")
    assert not is_own_message_id("abc@mx.agency.example", "agency.example")
    assert not is_own_message_id("abc@acme.fi", "agency.example")
    assert is_blocked("Spam@Cheap.example", ["@cheap.example"]) == "@cheap.example"
    assert is_blocked("a@mail.cheap.example", ["@cheap.example"]) == "@cheap.example"
    assert is_blocked("a@notcheap.example", ["@cheap.example"]) is None
    assert is_blocked("x@y.example", ["x@y.example"]) == "x@y.example"
