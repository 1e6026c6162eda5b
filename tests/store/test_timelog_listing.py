"""The people's month listing (only the latest rows built) agrees with the full listing
and with the invoices' `month_rows`: same totals, same quotas, same parts per entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportctl.services import timelog
from supportctl.store import time_entries as entry_store
from supportctl.store.db import Store

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
            start = OCT + timedelta(minutes=offset)
            entry_store.insert(
                store,
                {
                    "uuid": f"u{n}",
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
    customer = "acme" if one else None
    fast = timelog.list_entries(store, month="2026-10", customer=customer, tz=TZ, limit=limit)
    full = timelog.list_entries(store, month="2026-10", customer=customer, tz=TZ)
    assert fast.totals == full.totals
    assert fast.quotas == full.quotas
    assert fast.matched == full.matched == len(full.rows)
    assert [(r.id, r.parts) for r in fast.rows] == [(r.id, r.parts) for r in full.rows[-limit:]]
    # and the invoice's view of each customer-month is the same classification
    for slug in ("acme", "kovo", "pixel"):
        cid = store.scalar("SELECT id FROM customers WHERE slug = ?", (slug,))
        by_id = {r.id: r.parts for r in timelog.month_rows(store, cid, "2026-10", tz=TZ)}
        for r in full.rows:
            if r.customer == slug:
                assert by_id[r.id] == r.parts
