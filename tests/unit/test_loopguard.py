"""The loop guard: who may get automatic mail, and how often (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.loopguard import (
    AUTOMATIC_CAP,
    SentRecord,
    headers_say_automatic,
    is_role_address,
    may_send_automatic,
)

NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
OURS = {"support@agency.example"}


def check(address="matti@acme.fi", kind="ack", recent=(), **kw):  # type: ignore[no-untyped-def]
    return may_send_automatic(
        address=address, kind=kind, now=NOW, recent=list(recent), own_addresses=OURS, **kw
    )


def test_loopguard_allows_a_first_ack_to_a_person():
    assert check().allowed


@pytest.mark.parametrize("classification", ["autoreply", "bounce", "list", "spam"])
def test_loopguard_never_answers_non_human_mail(classification):
    verdict = check(classification=classification)
    assert not verdict.allowed and classification in verdict.reason


@pytest.mark.parametrize(
    "headers",
    [
        [("Auto-Submitted", "auto-replied")],
        [("auto-submitted", "auto-generated (vacation)")],
        [("X-Autoreply", "yes")],
        [("X-Autorespond", "true")],
        [("Precedence", "bulk")],
        [("Precedence", "list")],
        [("Precedence", "auto_reply")],
        [("List-Id", "<users.lists.example>")],
        [("X-Auto-Response-Suppress", "OOF, AutoReply")],
    ],
)
def test_loopguard_trusts_headers_even_when_classified_human(headers):
    assert not check(classification="human", headers=headers).allowed


def test_loopguard_auto_submitted_no_is_human():
    assert headers_say_automatic([("Auto-Submitted", "no")]) is None
    assert check(headers=[("Auto-Submitted", "No")]).allowed


@pytest.mark.parametrize(
    "address",
    [
        "noreply@shop.example",
        "no-reply@shop.example",
        "NoReply+abc@shop.example",
        "no_reply@x.example",
        "donotreply@x.example",
        "MAILER-DAEMON@mx.example",
        "postmaster@acme.fi",
        "owner-users@lists.example",
        "users-request@lists.example",
        "users-bounces@lists.example",
        "bounces+123@mail.example",
        "noreply-notifications@github.example",
    ],
)
def test_loopguard_refuses_role_addresses(address):
    assert is_role_address(address)
    assert not check(address=address).allowed


@pytest.mark.parametrize(
    "address", ["matti@acme.fi", "replyto@x.example", "norbert@x.example", "post@x.example"]
)
def test_loopguard_people_are_not_role_addresses(address):
    assert not is_role_address(address)


def test_loopguard_refuses_our_own_addresses_in_any_case():
    verdict = check(address="Support@Agency.Example")
    assert not verdict.allowed and "our own" in verdict.reason


def test_loopguard_refuses_what_is_not_an_address():
    assert not check(address="").allowed
    assert not check(address="matti").allowed


def test_loopguard_one_ack_per_sender_per_4_hours():
    sent = SentRecord(NOW - timedelta(hours=3, minutes=59), "matti@acme.fi", "ack", True)
    assert not check(recent=[sent]).allowed
    older = SentRecord(NOW - timedelta(hours=4), "matti@acme.fi", "ack", True)
    assert check(recent=[older]).allowed
    # Other kinds are not limited by the acknowledgement window.
    assert check(kind="status", recent=[sent]).allowed


def test_loopguard_ack_window_is_per_address_case_insensitive():
    sent = SentRecord(NOW - timedelta(hours=1), "MATTI@ACME.FI", "ack", True)
    assert not check(recent=[sent]).allowed
    assert check(address="liisa@acme.fi", recent=[sent]).allowed


def test_loopguard_at_most_10_automatic_mails_in_3_hours():
    records = [
        SentRecord(NOW - timedelta(minutes=10 * i), "matti@acme.fi", "status", True)
        for i in range(AUTOMATIC_CAP)
    ]
    verdict = check(kind="status", recent=records)
    assert not verdict.allowed and "10 automatic" in verdict.reason
    assert check(kind="status", recent=records[:-1]).allowed
    # Human replies do not count towards the cap.
    human = [SentRecord(r.at, r.address, "reply", False) for r in records]
    assert check(kind="status", recent=human).allowed


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=600), max_size=30),
    kinds=st.lists(
        st.sampled_from(["ack", "status", "delegation", "remind"]), min_size=30, max_size=30
    ),
)
def test_loopguard_cap_property(offsets, kinds):
    records = [
        SentRecord(NOW - timedelta(minutes=m), "a@b.example", kinds[i], True)
        for i, m in enumerate(offsets)
    ]
    in_window = sum(1 for m in offsets if m < 180)
    acks_in_4h = sum(1 for i, m in enumerate(offsets) if kinds[i] == "ack" and m < 240)
    status = may_send_automatic(
        address="a@b.example", kind="status", now=NOW, recent=records, own_addresses=OURS
    )
    assert status.allowed == (in_window < AUTOMATIC_CAP)
    ack = may_send_automatic(
        address="a@b.example", kind="ack", now=NOW, recent=records, own_addresses=OURS
    )
    assert ack.allowed == (in_window < AUTOMATIC_CAP and acks_in_4h == 0)
