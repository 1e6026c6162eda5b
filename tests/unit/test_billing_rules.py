"""Billable classes (domain/billing_rules.py): a table test per rule, properties of the quota split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.billing_rules import (
    BILLABLE,
    INCLUDED,
    NEEDS_APPROVAL,
    NON_BILLABLE,
    EntryFacts,
    MonthSums,
    Part,
    classify_items,
    classify_month,
    included_used,
    month_quota_minutes,
    month_totals,
    quota_minutes,
    totals_by_class,
)

T0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)


def fact(
    entry_id: int,
    minutes: int,
    *,
    at: int | None = None,
    kind: str = "work",
    internal: bool = False,
    override: str | None = None,
    approval: bool = False,
) -> EntryFacts:
    start = T0 + timedelta(hours=entry_id if at is None else at)
    return EntryFacts(entry_id, start, minutes, kind, internal, override, approval)


def classes(parts: list[Part]) -> list[tuple[int, int, str, bool, int]]:
    return [(p.entry_id, p.minutes, p.cls, p.is_extra, p.part) for p in parts]


@pytest.mark.parametrize(
    ("plan", "included", "facts", "expected"),
    [
        # maintenance: included until the quota is used, then billable
        (
            "maintenance",
            60,
            [fact(1, 30), fact(2, 30)],
            [(1, 30, INCLUDED, False, 0), (2, 30, INCLUDED, False, 0)],
        ),
        (
            "maintenance",
            60,
            [fact(1, 40), fact(2, 50)],
            [(1, 40, INCLUDED, False, 0), (2, 20, INCLUDED, False, 0), (2, 30, BILLABLE, False, 1)],
        ),
        # a job more than 30 minutes past the quota is extra
        (
            "maintenance",
            60,
            [fact(1, 40), fact(2, 51)],
            [(1, 40, INCLUDED, False, 0), (2, 20, INCLUDED, False, 0), (2, 31, BILLABLE, True, 1)],
        ),
        (
            "maintenance",
            60,
            [fact(1, 60), fact(2, 30), fact(3, 31)],
            [(1, 60, INCLUDED, False, 0), (2, 30, BILLABLE, False, 0), (3, 31, BILLABLE, True, 0)],
        ),
        ("maintenance", 0, [fact(1, 10)], [(1, 10, BILLABLE, False, 0)]),
        # maintenance messaging counts like work
        ("maintenance", 60, [fact(1, 10, kind="messaging")], [(1, 10, INCLUDED, False, 0)]),
        # hosting: billable, messaging non-billable
        (
            "hosting",
            600,
            [fact(1, 10), fact(2, 5, kind="messaging")],
            [(1, 10, BILLABLE, False, 0), (2, 5, NON_BILLABLE, False, 0)],
        ),
        # adhoc: billable, even messaging; no quota, no extra flag
        (
            "adhoc",
            600,
            [fact(1, 90), fact(2, 5, kind="messaging")],
            [(1, 90, BILLABLE, False, 0), (2, 5, BILLABLE, False, 0)],
        ),
        # internal is never billed and uses no quota
        (
            "maintenance",
            30,
            [fact(1, 20, internal=True), fact(2, 30)],
            [(1, 20, NON_BILLABLE, False, 0), (2, 30, INCLUDED, False, 0)],
        ),
        ("adhoc", 0, [fact(1, 20, internal=True)], [(1, 20, NON_BILLABLE, False, 0)]),
        # needs approval: not billed and uses no quota until approved
        (
            "maintenance",
            30,
            [fact(1, 20, approval=True), fact(2, 30)],
            [(1, 20, NEEDS_APPROVAL, False, 0), (2, 30, INCLUDED, False, 0)],
        ),
        (
            "hosting",
            0,
            [fact(1, 20, approval=True, kind="messaging")],
            [(1, 20, NEEDS_APPROVAL, False, 0)],
        ),
        # internal wins over needs-approval
        (
            "adhoc",
            0,
            [fact(1, 20, approval=True, internal=True)],
            [(1, 20, NON_BILLABLE, False, 0)],
        ),
        # an override wins over everything; an included override uses quota
        (
            "adhoc",
            0,
            [fact(1, 20, override=NON_BILLABLE, approval=True)],
            [(1, 20, NON_BILLABLE, False, 0)],
        ),
        (
            "maintenance",
            30,
            [fact(1, 20, override=INCLUDED), fact(2, 20)],
            [(1, 20, INCLUDED, False, 0), (2, 10, INCLUDED, False, 0), (2, 10, BILLABLE, False, 1)],
        ),
        (
            "maintenance",
            30,
            [fact(1, 20, override=BILLABLE), fact(2, 20)],
            [(1, 20, BILLABLE, False, 0), (2, 20, INCLUDED, False, 0)],
        ),
        ("hosting", 0, [fact(1, 20, override=INCLUDED)], [(1, 20, INCLUDED, False, 0)]),
    ],
)
def test_classify_month_rules(
    plan: str,
    included: int,
    facts: list[EntryFacts],
    expected: list[tuple[int, int, str, bool, int]],
) -> None:
    assert classes(classify_month(facts, plan, included)) == expected


def test_classify_month_goes_by_start_not_by_input_order() -> None:
    late, early = fact(1, 50, at=10), fact(2, 50, at=1)
    parts = classify_month([late, early], "maintenance", 60)
    assert classes(parts) == [
        (2, 50, INCLUDED, False, 0),
        (1, 10, INCLUDED, False, 0),
        (1, 40, BILLABLE, True, 1),
    ]


def test_totals_and_included_used() -> None:
    parts = classify_month([fact(1, 40), fact(2, 50), fact(3, 5, internal=True)], "maintenance", 60)
    assert included_used(parts) == 60
    assert totals_by_class(parts) == {
        INCLUDED: 60,
        BILLABLE: 30,
        NON_BILLABLE: 5,
        NEEDS_APPROVAL: 0,
    }


entries_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=1440),
        st.sampled_from(["work", "messaging"]),
        st.booleans(),
        st.booleans(),
        st.integers(min_value=0, max_value=10_000),
    ),
    max_size=40,
)


@given(entries_strategy, st.sampled_from(["maintenance", "hosting", "adhoc"]), st.integers(0, 5000))
def test_quota_split_properties(raw, plan: str, included: int) -> None:  # type: ignore[no-untyped-def]
    facts = [
        EntryFacts(i, T0 + timedelta(minutes=offset), minutes, kind, internal, None, approval)
        for i, (minutes, kind, internal, approval, offset) in enumerate(raw, start=1)
    ]
    parts = classify_month(facts, plan, included)
    # every minute is classified exactly once: per entry the parts add up
    per_entry: dict[int, int] = {}
    for p in parts:
        assert p.minutes >= 1
        per_entry[p.entry_id] = per_entry.get(p.entry_id, 0) + p.minutes
    assert per_entry == {f.entry_id: f.minutes for f in facts}
    # the included minutes never exceed the quota, and fill it before anything is billable
    eligible = sum(f.minutes for f in facts if not f.is_internal and not f.needs_approval)
    used = included_used(parts)
    if plan == "maintenance":
        assert used == min(included, eligible)
        billable = sum(p.minutes for p in parts if p.cls == BILLABLE)
        assert used + billable == eligible
    else:
        assert used == 0
    # at most one entry is split, into an included part 0 and a billable part 1
    split = [p for p in parts if p.part == 1]
    assert len(split) <= 1
    for p in split:
        assert p.cls == BILLABLE
        assert any(q.entry_id == p.entry_id and q.cls == INCLUDED and q.part == 0 for q in parts)
    # extra only for maintenance billable parts over 30 minutes
    for p in parts:
        assert p.is_extra == (plan == "maintenance" and p.cls == BILLABLE and p.minutes > 30)
    # once anything is billable on maintenance, nothing later is included
    if plan == "maintenance":
        seen_billable = False
        for p in parts:
            if p.cls == BILLABLE:
                seen_billable = True
            elif seen_billable:
                assert p.cls != INCLUDED


@given(entries_strategy, st.integers(0, 3000))
def test_classification_ignores_input_order_and_keeps_every_minute(raw, included: int) -> None:  # type: ignore[no-untyped-def]
    facts = [
        EntryFacts(i, T0 + timedelta(minutes=offset), minutes, kind, internal, None, approval)
        for i, (minutes, kind, internal, approval, offset) in enumerate(raw, start=1)
    ]
    first = classify_month(facts, "maintenance", included)
    assert first == classify_month(list(reversed(facts)), "maintenance", included)
    assert sum(totals_by_class(first).values()) == sum(f.minutes for f in facts)


month_items = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=300),
        st.sampled_from(["work", "messaging"]),
        st.booleans(),
        st.sampled_from([None, None, None, INCLUDED, BILLABLE, NON_BILLABLE, NEEDS_APPROVAL]),
        st.booleans(),
    ),
    max_size=40,
)


@given(
    month_items,
    st.sampled_from(["maintenance", "hosting", "adhoc"]),
    st.integers(0, 3000),
    st.integers(0, 40),
)
def test_month_totals_from_sums_agree_with_classifying_every_entry(  # type: ignore[no-untyped-def]
    raw, plan: str, included: int, shown: int
) -> None:
    items = [
        (i, minutes, kind, internal, override, waiting)
        for i, (minutes, kind, internal, override, waiting) in enumerate(raw, start=1)
    ]
    waiting = [i for i in items if i[5] and not i[3] and i[4] is None]
    sums = MonthSums(
        sum(i[1] for i in items),
        sum(i[1] for i in items if i[3]),
        sum(i[1] for i in items if i[2] == "messaging" and not i[3]),
        sum(i[1] for i in waiting),
        sum(i[1] for i in waiting if i[2] == "messaging"),
        len(items),
    )
    exceptions = [i for i in items if i[4] is not None]
    parts = classify_items(items, plan, included)
    totals = month_totals(sums, exceptions, plan, included)
    if totals is None:  # only when an included override meets a quota that runs out
        assert plan == "maintenance"
        assert any(i[4] == INCLUDED for i in items)
    else:
        assert totals == totals_by_class(parts)
    # the quota left before the latest entries follows from the month's quota minutes
    consumed = month_quota_minutes(sums, exceptions)
    assert consumed == sum(quota_minutes(i) for i in items)
    tail = items[len(items) - min(shown, len(items)) :]
    if plan == "maintenance":
        before = consumed - sum(quota_minutes(i) for i in tail)
        left = max(0, included - before)
        tail_ids = {i[0] for i in tail}
        assert classify_items(tail, plan, left) == [p for p in parts if p[0] in tail_ids]


def test_a_change_of_the_rules_bumps_rules_version() -> None:
    """Month totals kept in the database carry RULES_VERSION; totals kept by older rules
    are only ignored if it changes. So any edit of the rules' code fails this test until
    RULES_VERSION is bumped and the fingerprint below updated with it."""
    import hashlib
    import inspect

    from supportctl.domain import billing_rules as rules

    source = "".join(
        inspect.getsource(f)
        for f in (
            rules.classify_items,
            rules.quota_minutes,
            rules._plain,
            rules.month_quota_minutes,
            rules.month_totals,
        )
    )
    fingerprint = hashlib.sha256(source.encode()).hexdigest()[:16]
    assert (rules.RULES_VERSION, fingerprint) == (1, "08d44f5a5165187d")
