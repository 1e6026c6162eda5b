"""The people's month listing (only the latest rows built) agrees with the full listing
and with the invoices' `month_rows`: same totals, same quotas, same parts per entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportctl.services import timesheet
from supportctl.store import time_entries as entry_store
from supportctl.store.db import Store

# The property tests compare the kept month totals (trigger-cleared on both engines)
# with classifying every entry.
pytestmark = pytest.mark.both_engines

TZ = "Europe/Helsinki"
OCT = datetime(2026, 9, 30, 21, 0, tzinfo=UTC)  # 1 October 00:00 in Helsinki


def _setup(store: Store) -> None:
    with store.transaction():
        for slug, plan, included, carry in (
            ("acme", "maintenance", 120, 1),
            ("kovo", "hosting", 0, 0),
            ("pixel", "adhoc", 0, 0),
        ):
            store.execute(
                "INSERT INTO customers (slug, name, plan, rate_minor, currency, vat, included_minutes, locale, carry_over, created_at) "
                "VALUES (?, ?, ?, 7500, 'EUR', '25.5', ?, 'fi_FI', ?, '2026-01-01T00:00:00Z')",
                (slug, slug, plan, included, carry),
            )
        store.execute(
            "INSERT INTO people (handle, name, email, created_at) VALUES ('alice', 'A', 'a@x', '2026-01-01T00:00:00Z')"
        )
        for i, (customer, needs) in enumerate(((1, 0), (1, 1), (2, 1), (3, 0)), start=1):
            store.execute(
                "INSERT INTO tickets (id, customer_id, created_at, updated_at, needs_approval) VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?)",
                (i, customer, needs),
            )


def _insert(store: Store, n: int, customer: int, ticket: int | None, start: datetime, minutes: int, kind: str, internal: bool, override: str | None) -> int:  # fmt: skip
    return entry_store.insert(
        store,
        {
            "uuid": f"op{n}",
            "person_id": 1,
            "ticket_id": ticket,
            "customer_id": customer,
            "start_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_at": (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "minutes": minutes,
            "description": "x",
            "kind": kind,
            "is_internal": int(internal),
            "class_override": override,
            "created_at": "2026-11-01T00:00:00Z",
        },
    )


entry = st.tuples(
    st.sampled_from([(1, None), (1, 1), (1, 2), (2, None), (2, 3), (3, 4), (3, None)]),
    st.integers(min_value=-3 * 24 * 60, max_value=34 * 24 * 60),  # some in Sept/Nov
    st.integers(min_value=1, max_value=90),
    st.sampled_from(["work", "messaging"]),
    st.sampled_from([False] * 6 + [True]),  # internal now and then
    st.sampled_from([None] * 12 + ["included", "billable", "non-billable", "needs-approval"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(entry, max_size=40), st.integers(min_value=1, max_value=8), st.booleans())
def test_limited_listing_matches_full_classification(
    store: Store, raw: Any, limit: int, one: bool
) -> None:
    if store.scalar("SELECT count(*) FROM customers") == 0:
        _setup(store)
    with store.transaction():
        store.execute("DELETE FROM time_entries")
        for n, ((customer, ticket), offset, minutes, kind, internal, override) in enumerate(raw):
            _insert(store, n, customer, ticket, OCT + timedelta(minutes=offset), minutes, kind, internal, override)  # fmt: skip
    customer = "acme" if one else None
    for month in ("2026-10", None):  # one month, and all time
        fast = timesheet.list_entries(store, month=month, customer=customer, tz=TZ, limit=limit)
        full = timesheet.list_entries(store, month=month, customer=customer, tz=TZ)
        streamed = timesheet.list_entries(store, month=month, customer=customer, tz=TZ, stream=True)
        assert list(streamed.rows) == full.rows  # rows built as read, for --json/--csv
        assert (streamed.totals, streamed.matched) == (full.totals, full.matched)
        assert fast.totals == full.totals
        assert fast.quotas == full.quotas
        assert fast.matched == full.matched == len(full.rows)
        assert [(r.id, r.parts) for r in fast.rows] == [(r.id, r.parts) for r in full.rows[-limit:]]
    # and the invoice's view of each customer-month is the same classification
    october = timesheet.list_entries(store, month="2026-10", customer=customer, tz=TZ)
    whole_month = timesheet.month_of_all(store, "2026-10", tz=TZ)
    for slug in ("acme", "kovo", "pixel"):
        cid = store.scalar("SELECT id FROM customers WHERE slug = ?", (slug,))
        alone = timesheet.month_rows(store, cid, "2026-10", tz=TZ)
        assert whole_month.rows.get(slug, []) == alone  # one read of the month, same rows
        if slug == "acme" and alone:
            assert whole_month.quotas[slug] == timesheet.quota_for(store, cid, "2026-10", tz=TZ)
        by_id = {r.id: r.parts for r in alone}
        for r in october.rows:
            if r.customer == slug:
                assert by_id[r.id] == r.parts


operation = st.one_of(
    st.tuples(st.just("add"), entry),
    st.tuples(st.just("add"), entry),
    st.tuples(
        st.just("edit"),
        st.integers(0, 50),
        st.integers(min_value=1, max_value=90),
        st.integers(min_value=-3 * 24 * 60, max_value=34 * 24 * 60),
        st.sampled_from([None, None, "included", "billable"]),
    ),
    st.tuples(st.just("rm"), st.integers(0, 50)),
    st.tuples(st.just("approve"), st.sampled_from([2, 3]), st.booleans()),
    st.tuples(
        st.just("plan"),
        st.sampled_from(["maintenance", "hosting", "adhoc"]),
        st.sampled_from([0, 60, 120, 300]),
        st.booleans(),
    ),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(entry, max_size=25), st.lists(operation, min_size=1, max_size=10))
def test_kept_month_totals_follow_every_change(store: Store, raw: Any, ops: Any) -> None:
    """After any change (entries added, edited, removed, a request approved, a plan
    changed) the month listing, which keeps its totals, equals a fresh classification."""
    if store.scalar("SELECT count(*) FROM customers") == 0:
        _setup(store)
    with store.transaction():
        store.execute("DELETE FROM time_entries")
        store.execute("UPDATE tickets SET approval_override = NULL")
        store.execute("UPDATE customers SET plan = 'maintenance', included_minutes = 120, carry_over = 1 WHERE id = 1")  # fmt: skip
        for n, ((customer, ticket), offset, minutes, kind, internal, override) in enumerate(raw):
            _insert(store, n, customer, ticket, OCT + timedelta(minutes=offset), minutes, kind, internal, override)  # fmt: skip

    def check() -> None:
        for month in ("2026-10", "2026-11", None):
            for customer in (None, "acme"):
                kept = timesheet.list_entries(store, month=month, customer=customer, tz=TZ, limit=4)
                fresh = timesheet.list_entries(store, month=month, customer=customer, tz=TZ)
                assert kept.totals == fresh.totals
                assert kept.quotas == fresh.quotas
                assert kept.matched == fresh.matched
                assert [(r.id, r.parts) for r in kept.rows] == [
                    (r.id, r.parts) for r in fresh.rows[-4:]
                ]

    check()
    for n, op in enumerate(ops, start=1000):
        ids = [int(r[0]) for r in store.all("SELECT id FROM time_entries ORDER BY id")]
        with store.transaction():
            if op[0] == "add":
                (customer, ticket), offset, minutes, kind, internal, override = op[1]
                _insert(store, n, customer, ticket, OCT + timedelta(minutes=offset), minutes, kind, internal, override)  # fmt: skip
            elif op[0] == "edit" and ids:
                _, pick, minutes, offset, override = op
                start = OCT + timedelta(minutes=offset)
                entry_store.update(
                    store,
                    ids[pick % len(ids)],
                    {
                        "minutes": minutes,
                        "start_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "class_override": override,
                    },
                )
            elif op[0] == "rm" and ids:
                entry_store.delete(store, ids[op[1] % len(ids)])
            elif op[0] == "approve":
                store.execute(
                    "UPDATE tickets SET approval_override = ? WHERE id = ?",
                    ("ok" if op[2] else None, op[1]),
                )
            elif op[0] == "plan":
                store.execute(
                    "UPDATE customers SET plan = ?, included_minutes = ?, carry_over = ? WHERE id = 1",
                    (op[1], op[2], int(op[3])),
                )
        check()


def test_month_totals_are_kept_and_reused(store: Store, monkeypatch: Any) -> None:
    _setup(store)
    with store.transaction():
        for n in range(6):
            _insert(store, n, 1, None, OCT + timedelta(days=n), 50, "work", False, None)
    first = timesheet.list_entries(store, month="2026-10", tz=TZ, limit=2)
    assert store.scalar("SELECT count(*) FROM month_totals WHERE month = '2026-10'") == 3
    real_sums = entry_store.month_sums_later  # `month_sums` asks it too

    def no_sums(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the month was summed again")

    monkeypatch.setattr(entry_store, "month_sums_later", no_sums)
    assert timesheet.list_entries(store, month="2026-10", tz=TZ, limit=2) == first
    # a new entry in the month forgets the customer's totals: they are summed again
    with store.transaction():
        _insert(store, 99, 1, None, OCT + timedelta(days=20), 30, "work", False, None)
    calls: list[Any] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[3])
        return real_sums(*args, **kwargs)

    monkeypatch.setattr(entry_store, "month_sums_later", counted)
    again = timesheet.list_entries(store, month="2026-10", tz=TZ, limit=2)
    assert calls == [[1], [1]]  # acme's month and its carry-over month, not the others'
    # 120 own + 120 carried from an empty September; 330 minutes of plain work
    assert first.totals == {"included": 240, "billable": 60, "non-billable": 0, "needs-approval": 0}
    assert again.totals == {"included": 240, "billable": 90, "non-billable": 0, "needs-approval": 0}
    assert again.matched == first.matched + 1 == 7


def test_a_database_that_cannot_be_written_still_lists(store: Store, monkeypatch: Any) -> None:
    """Totals that cannot be kept (a read-only file, a long write lock) are computed and
    shown all the same; nothing is kept."""
    from contextlib import contextmanager

    from supportctl.errors import StoreError

    _setup(store)
    with store.transaction():
        for n in range(4):
            _insert(store, n, 2, None, OCT + timedelta(days=n), 40, "messaging", False, None)
    expected = timesheet.list_entries(store, month="2026-10", tz=TZ)

    @contextmanager
    def locked(**_: Any) -> Any:
        raise StoreError("database is locked")
        yield

    monkeypatch.setattr(store, "transaction", locked)
    listing = timesheet.list_entries(store, month="2026-10", tz=TZ, limit=3)
    assert (
        listing.totals
        == expected.totals
        == {
            "included": 0,
            "billable": 0,
            "non-billable": 160,
            "needs-approval": 0,
        }
    )
    assert [r.id for r in listing.rows] == [r.id for r in expected.rows[-3:]]
    assert store.scalar("SELECT count(*) FROM month_totals") == 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=30 * 24 * 60),
            st.integers(min_value=1, max_value=60),
            st.sampled_from([None] * 8 + ["included", "billable"]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=1, max_value=30),
)
def test_the_quota_boundary_among_the_shown_rows(
    store: Store, raw: Any, share: float, limit: int
) -> None:
    """One maintenance customer whose quota runs out anywhere in the month, often among
    the shown rows: their parts are those of classifying the whole month."""
    if store.scalar("SELECT count(*) FROM customers") == 0:
        _setup(store)
    total = sum(minutes for _, minutes, _ in raw)
    with store.transaction():
        store.execute("DELETE FROM time_entries")
        store.execute(
            "UPDATE customers SET plan = 'maintenance', included_minutes = ?, carry_over = 0 WHERE id = 1",
            (int(total * share),),
        )
        for n, (offset, minutes, override) in enumerate(raw):
            _insert(store, n, 1, None, OCT + timedelta(minutes=offset), minutes, "work", False, override)  # fmt: skip
    for month in ("2026-10", None):
        fast = timesheet.list_entries(store, month=month, tz=TZ, limit=limit)
        full = timesheet.list_entries(store, month=month, tz=TZ)
        assert fast.totals == full.totals
        assert [(r.id, r.parts) for r in fast.rows] == [(r.id, r.parts) for r in full.rows[-limit:]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(entry, st.sampled_from([1, 2])), max_size=30),
    st.lists(operation, max_size=6),
    st.integers(min_value=1, max_value=6),
)
def test_a_persons_listing_over_all_time_matches_full_classification(
    store: Store, raw: Any, ops: Any, limit: int
) -> None:
    """`log list --person P` without a month (kept per-person totals, only the latest
    rows classified, from the first shown one on) equals classifying every
    customer-month whole, after any change."""
    if store.scalar("SELECT count(*) FROM customers") == 0:
        _setup(store)
        with store.transaction():
            store.execute(
                "INSERT INTO people (handle, name, email, created_at) VALUES ('bob', 'B', 'b@x', '2026-01-01T00:00:00Z')"
            )
    with store.transaction():
        store.execute("DELETE FROM time_entries")
        store.execute("UPDATE tickets SET approval_override = NULL")
        store.execute("UPDATE customers SET plan = 'maintenance', included_minutes = 120, carry_over = 1 WHERE id = 1")  # fmt: skip
        for n, (((customer, ticket), offset, minutes, kind, internal, override), person) in enumerate(raw):  # fmt: skip
            entry_id = _insert(store, n, customer, ticket, OCT + timedelta(minutes=offset), minutes, kind, internal, override)  # fmt: skip
            store.execute("UPDATE time_entries SET person_id = ? WHERE id = ?", (person, entry_id))

    def check() -> None:
        for person in ("alice", "bob"):
            for customer in (None, "acme"):
                fast = timesheet.list_entries(
                    store, person=person, customer=customer, tz=TZ, limit=limit
                )
                full = timesheet.list_entries(store, person=person, customer=customer, tz=TZ)
                assert fast.totals == full.totals
                assert fast.matched == full.matched == len(full.rows)
                assert [(r.id, r.parts) for r in fast.rows] == [
                    (r.id, r.parts) for r in full.rows[-limit:]
                ]

    check()
    for n, op in enumerate(ops, start=1000):
        ids = [int(r[0]) for r in store.all("SELECT id FROM time_entries ORDER BY id")]
        with store.transaction():
            if op[0] == "add":
                (customer, ticket), offset, minutes, kind, internal, override = op[1]
                new = _insert(store, n, customer, ticket, OCT + timedelta(minutes=offset), minutes, kind, internal, override)  # fmt: skip
                store.execute("UPDATE time_entries SET person_id = 2 WHERE id = ?", (new,))
            elif op[0] == "edit" and ids:
                _, pick, minutes, offset, override = op
                start = OCT + timedelta(minutes=offset)
                entry_store.update(
                    store,
                    ids[pick % len(ids)],
                    {
                        "minutes": minutes,
                        "start_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "class_override": override,
                    },
                )
            elif op[0] == "rm" and ids:
                entry_store.delete(store, ids[op[1] % len(ids)])
            elif op[0] == "approve":
                store.execute(
                    "UPDATE tickets SET approval_override = ? WHERE id = ?",
                    ("ok" if op[2] else None, op[1]),
                )
            elif op[0] == "plan":
                store.execute(
                    "UPDATE customers SET plan = ?, included_minutes = ?, carry_over = ? WHERE id = 1",
                    (op[1], op[2], int(op[3])),
                )
        check()


def test_a_persons_totals_are_kept_once(store: Store, monkeypatch: Any) -> None:
    """The per-person totals of a customer-month are computed once and kept; a new
    entry in the month forgets that month's only."""
    _setup(store)
    with store.transaction():
        for n in range(6):
            _insert(store, n, 1 + n % 3, None, OCT + timedelta(days=n), 50, "work", False, None)
    first = timesheet.list_entries(store, person="alice", tz=TZ, limit=2)
    assert store.scalar("SELECT count(*) FROM person_month_totals") == 3
    classified: list[Any] = []
    real = timesheet._people_totals

    def counted(*args: Any, **kwargs: Any) -> Any:
        classified.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(timesheet, "_people_totals", counted)
    assert timesheet.list_entries(store, person="alice", tz=TZ, limit=2) == first
    assert classified == []
    with store.transaction():
        _insert(store, 99, 3, None, OCT + timedelta(days=20), 30, "work", False, None)
    again = timesheet.list_entries(store, person="alice", tz=TZ, limit=2)
    assert len(classified) == 1 and classified[0] == [("2026-10", 3)]
    assert again.matched == first.matched + 1
