"""Time entries listed with their billable classes, and each customer-month's quota.

Classes are derived, never stored (DESIGN §7): `billing_rules` classifies a whole
customer-month in start order whenever entries are listed or invoiced. A
customer-month's quota (`quota_for`) is the customer's included minutes plus, for
`carry_over` customers, the previous month's unused included minutes. Carried minutes
last one month only: the month's own minutes are spent first, and carried-in minutes
cover work beyond them and then expire, so a carry never carries again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from supportctl.domain.timeutil import zone as _zone
from supportctl.errors import InputError
from supportctl.render.models.timesheet import EntryRow, Listing, Quota
from supportctl.services.timebase import (
    DEFAULT_TZ,
    month_bounds,
    next_month,
    parse_month,
    previous_month,
)
from supportctl.services.timebase import person_id as _person_id
from supportctl.store import customers as customer_store
from supportctl.store import tickets as ticket_store
from supportctl.store import time_entries as entry_store
from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.domain.billing_rules import Part


# --------------------------------------------------------------------------- classes
#
# Listings classify whole customer-months through `billing_rules.classify_items` on
# plain tuples straight from SQLite (already in start order: UTC ISO text sorts in
# time order), and build full rows only for what is shown. A month of 10,000 entries
# is classified without creating a datetime or a dataclass per entry.


class _Plan(NamedTuple):
    id: int
    slug: str
    plan: str
    own_minutes: int  # included minutes per month (maintenance only)
    carry_over: bool


def _plans(store: Store) -> dict[int, _Plan]:
    return _plans_later(store)()


def _plans_later(store: Store) -> Callable[[], dict[int, _Plan]]:
    rows = customer_store.plan_rows_later(store)

    def plans() -> dict[int, _Plan]:
        return {
            int(r[0]): _Plan(
                int(r[0]), r[1], r[2], int(r[3]) if r[2] == "maintenance" else 0, bool(r[4])
            )
            for r in rows()
        }

    return plans


def _customer_id(store: Store, customer: Any) -> int:
    """A Customer, a slug or an id -> the id; InputError for an unknown one."""
    if isinstance(customer, int):
        found = customer if customer_store.exists(store, customer) else None
    elif isinstance(customer, str):
        found = customer_store.id_by_slug(store, customer)
    else:
        found = getattr(customer, "id", None)
    if found is None:
        raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
    return int(found)


def _month_facts(
    store: Store, customer_id: int, month: str, tz: str, flag: str | None = None
) -> list[Any]:
    start, end = month_bounds(month, tz)
    return entry_store.facts(
        store, start_from=start, start_before=end, customer_id=customer_id, flag=flag
    )


def _carried_in(store: Store, plan: _Plan, month: str, tz: str, flag: str | None = None) -> int:
    """Unused own included minutes of the previous month (one month only; see module doc)."""
    from supportctl.domain.billing_rules import INCLUDED, classify_items

    if not plan.carry_over or plan.own_minutes == 0:
        return 0
    prev = _month_facts(store, plan.id, previous_month(month), tz, flag)
    parts = classify_items(prev, plan.plan, plan.own_minutes)
    used = sum(p[1] for p in parts if p[2] == INCLUDED)
    return max(0, plan.own_minutes - used)


def _classify(
    store: Store, plan: _Plan, month: str, facts: list[Any], tz: str, flag: str | None = None
) -> tuple[list[Any], Quota]:
    """Raw parts of a whole customer-month, and its quota."""
    from supportctl.domain.billing_rules import INCLUDED, classify_items

    carried = _carried_in(store, plan, month, tz, flag)
    included = plan.own_minutes + carried
    parts = classify_items(facts, plan.plan, included)
    used = sum(p[1] for p in parts if p[2] == INCLUDED)
    return parts, Quota(included, carried, used, included - used)


def quota_for(store: Store, customer: Any, month: str, *, tz: str = DEFAULT_TZ) -> Quota:
    """The customer-month's quota: included (own + carried-in), carried-in, used, left.

    `customer` is a Customer, a slug or an id. Pass `tz=config.agency.timezone`.
    """
    parse_month(month)
    customer_id = _customer_id(store, customer)
    plan = _plans(store)[customer_id]
    return _classify(store, plan, month, _month_facts(store, customer_id, month, tz), tz)[1]


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text)  # '…Z' -> aware UTC (Python 3.11+)


def _entry_row(row: Row, parts: list[Part], zone: Any) -> EntryRow:
    start = _parse_utc(row["start_at"])
    return EntryRow(
        id=row["id"],
        uuid=row["uuid"],
        date=start.astimezone(zone).date(),
        start_at=start,
        end_at=_parse_utc(row["end_at"]),
        minutes=row["minutes"],
        person=row["person"],
        ticket=row["ticket_id"],
        customer=row["customer"],
        description=row["description"],
        kind=row["kind"],
        is_internal=bool(row["is_internal"]),
        class_override=row["class_override"],
        corrects_invoice=row["corrects_invoice"],
        parts=parts,
    )


def month_rows(
    store: Store, customer_id: int, month: str, *, tz: str = DEFAULT_TZ
) -> list[EntryRow]:
    """Every entry of the customer-month in start order, with its classified parts.

    Pass `tz=config.agency.timezone`: months are local calendar months.
    """
    parse_month(month)
    listing = _listing(store, month=month, customer_id=_customer_id(store, customer_id), tz=tz)
    return listing.rows


class MonthOfAll(NamedTuple):
    """Every customer's entries of one month (each customer-month read and classified
    once), for building all of a month's invoices."""

    rows: dict[str, list[EntryRow]]  # by customer slug, in start order
    quotas: dict[str, Quota]  # maintenance customers with entries, by slug


def month_of_all(store: Store, month: str, *, tz: str = DEFAULT_TZ) -> MonthOfAll:
    """`month_rows` and `quota_for` of every customer at once: one read of the month."""
    parse_month(month)
    listing = _listing(store, month=month, tz=tz)
    rows: dict[str, list[EntryRow]] = {}
    for row in listing.rows:
        rows.setdefault(row.customer, []).append(row)
    return MonthOfAll(rows, listing.quotas)


def list_entries(
    store: Store,
    *,
    month: str | None = None,
    customer: str | None = None,
    person: str | None = None,
    ticket: int | None = None,
    tz: str,
    limit: int | None = None,
    stream: bool = False,
) -> Listing:
    """Entries matching the filters in start order, classified within their customer-months.

    With `limit`, only the latest `limit` rows are built; totals cover every match.
    With `stream` (and no limit) `rows` is an iterator that builds each row as it is
    read, for output written row by row (`--json`, `--csv`): memory stays flat.
    """
    if month is not None:
        parse_month(month)
    customer_id = _customer_id(store, customer) if customer is not None else None
    person_id = _person_id(store, person) if person is not None else None
    if ticket is not None and not ticket_store.exists(store, ticket):
        raise InputError(f"no ticket #{ticket}")
    return _listing(
        store,
        month=month,
        customer_id=customer_id,
        person_id=person_id,
        ticket_id=ticket,
        tz=tz,
        limit=limit,
        stream=stream,
    )


def _listing(
    store: Store,
    *,
    month: str | None,
    customer_id: int | None = None,
    person_id: int | None = None,
    ticket_id: int | None = None,
    tz: str,
    limit: int | None = None,
    stream: bool = False,
) -> Listing:
    from supportctl.domain.billing_rules import CLASSES, Part

    if person_id is None and ticket_id is None and limit is not None:
        return _latest(store, month=month, customer_id=customer_id, tz=tz, limit=limit)
    if person_id is not None and ticket_id is None and month is None and limit is not None:
        return _person_latest(
            store, person_id=person_id, customer_id=customer_id, tz=tz, limit=limit
        )
    zone = _zone(tz)
    bounds: tuple[str | None, str | None] = (None, None)
    if month is not None:
        bounds = month_bounds(month, tz)
    filters = {"customer_id": customer_id, "person_id": person_id, "ticket_id": ticket_id}
    flag = entry_store.unapproved_flag(store)
    matched = entry_store.facts(
        store, start_from=bounds[0], start_before=bounds[1], flag=flag, **filters
    )
    # Group by customer-month. A listing that is not narrowed by person or ticket holds
    # each customer-month whole; a narrowed one loads its customer-months to classify.
    whole = person_id is None and ticket_id is None
    groups: dict[tuple[int, str], list[Any]] = {}
    if month is not None:
        by_customer: dict[int, list[Any]] = {}
        for r in matched:
            group = by_customer.get(r[6])
            if group is None:
                by_customer[r[6]] = [r]
            else:
                group.append(r)
        groups = {(cid, month): rows for cid, rows in by_customer.items()}
    else:
        month_of: dict[str, str] = {}  # 'YYYY-MM-DDTHH:MM' -> local month
        for r in matched:
            key = r[7][:16]
            mon = month_of.get(key) or month_of.setdefault(
                key, _parse_utc(r[7]).astimezone(zone).strftime("%Y-%m")
            )
            groups.setdefault((r[6], mon), []).append(r)
    shown = matched if limit is None or len(matched) <= limit else matched[-limit:]
    shown_ids = {r[0] for r in shown}
    matched_ids = None if whole else {r[0] for r in matched}
    plans = _plans(store) if groups else {}
    parts_of: dict[int, list[Any]] = {}
    quotas: dict[str, Quota] = {}
    totals = dict.fromkeys(CLASSES, 0)
    for (cid, mon), group in groups.items():
        plan = plans[cid]
        facts = group if whole else _month_facts(store, cid, mon, tz, flag)
        raw, quota = _classify(store, plan, mon, facts, tz, flag)
        for part in raw:
            entry_id = part[0]
            if matched_ids is None or entry_id in matched_ids:
                totals[part[2]] += part[1]
                if entry_id in shown_ids:
                    parts_of.setdefault(entry_id, []).append(part)
        if month is not None and plan.plan == "maintenance":
            quotas[plan.slug] = quota
    if limit is None and stream:
        read = entry_store.listing_rows(
            store, start_from=bounds[0], start_before=bounds[1], **filters
        )
        built = (_entry_row(r, [Part(*p) for p in parts_of.get(r["id"], ())], zone) for r in read)
        return Listing(built, len(matched), totals, month, quotas)  # type: ignore[arg-type]
    if limit is None:
        full = entry_store.listing(store, start_from=bounds[0], start_before=bounds[1], **filters)
    else:
        full = entry_store.by_ids(store, [r[0] for r in shown])
    rows = [_entry_row(r, [Part(*p) for p in parts_of.get(r["id"], ())], zone) for r in full]
    return Listing(rows, len(matched), totals, month, quotas)


def _latest(
    store: Store, *, month: str | None, customer_id: int | None, tz: str, limit: int
) -> Listing:
    """The latest `limit` entries of a month (or of all time) with their parts, and the
    totals (and a month's quotas) of everything matched, without reading every entry.

    Each customer-month's totals come from the `month_totals` cache, or are computed
    (`_compute_totals`) and kept there. The shown entries are the last ones, so within
    each customer-month they are all of its entries from its first shown one on: the
    quota left before them is the quota minus the quota minutes of the rest.
    """
    from supportctl.domain.billing_rules import CLASSES, Part, classify_items, quota_minutes

    plans_later = _plans_later(store)
    totals = dict.fromkeys(CLASSES, 0)
    kept_later = shown_later = None
    if month is not None:
        # A month's reads need only the month: the customers, its kept totals and its
        # latest entries go to a server together (SQLite reads each when asked, and the
        # entries only when there are some).
        months = [month]
        kept_later = entry_store.cached_totals_of_month_later(store, month, tz, _rules_stamp())
        start, end = month_bounds(month, tz)
        shown_later = entry_store.latest_later(store, start, end, customer_id, limit)
    plans = plans_later()
    wanted = [customer_id] if customer_id is not None else list(plans)
    if month is None:
        span = entry_store.start_span(store, customer_id)
        if span is None:
            return Listing([], 0, totals, None, {})
        zone = _zone(tz)
        months = _months_between(_local_month_of(span[0], zone), _local_month_of(span[1], zone))
    known = _kept_totals(
        store, plans, months, tz, wanted, kept_later(wanted) if kept_later else None
    )
    quotas: dict[str, Quota] = {}
    matched = 0
    for (_, cid), row in known.items():
        entries, *by_class, included, carried, _ = row
        if not entries:
            continue
        matched += entries
        for cls, minutes in zip(CLASSES, by_class, strict=True):
            totals[cls] += minutes
        plan = plans[cid]
        if month is not None and plan.plan == "maintenance":
            used = by_class[0]  # included
            quotas[plan.slug] = Quota(included, carried, used, included - used)
    if not matched:
        return Listing([], 0, totals, month, {})
    if shown_later is not None:
        shown = shown_later()
    else:
        start, end = month_bounds(months[0], tz)[0], month_bounds(months[-1], tz)[1]
        shown = entry_store.latest(store, start, end, customer_id, limit)
    zone = _zone(tz)
    items_of: dict[tuple[str, int], list[Any]] = {}
    for r in shown:
        key = (month or _local_month_of(r["start_at"], zone), r["customer_id"])
        items_of.setdefault(key, []).append(
            (
                r["id"],
                r["minutes"],
                r["kind"],
                r["is_internal"],
                r["class_override"],
                r["unapproved"],
            )
        )
    parts_of: dict[int, list[Part]] = {}
    for key, items in items_of.items():
        plan = plans[key[1]]
        left = 0
        if plan.plan == "maintenance":
            before = known[key][-1] - sum(quota_minutes(i) for i in items)
            left = max(0, known[key][-3] - before)
        for raw in classify_items(items, plan.plan, left):
            parts_of.setdefault(raw[0], []).append(Part(*raw))
    rows = [_entry_row(r, parts_of[r["id"]], zone) for r in shown]
    return Listing(rows, matched, totals, month, quotas)


def _person_latest(
    store: Store, *, person_id: int, customer_id: int | None, tz: str, limit: int
) -> Listing:
    """A person's latest `limit` entries over all time with their parts, and the totals
    of all their entries, bounded by what is shown rather than by the history.

    Totals come from the kept per-person totals of each customer-month (computed once
    per customer-month and kept, see `_keep_people`). The shown entries' parts come
    from classifying, per customer-month, only its entries from the first shown one
    on (everyone's), with the quota left before them taken from the month's totals.
    """
    from supportctl.domain.billing_rules import CLASSES, Part, classify_items, quota_minutes

    totals = dict.fromkeys(CLASSES, 0)
    span = entry_store.start_span(store, None, person_id)
    if span is None:
        return Listing([], 0, totals, None, {})
    zone = _zone(tz)
    plans = _plans(store)
    months = _months_between(_local_month_of(span[0], zone), _local_month_of(span[1], zone))
    known = _kept_totals(store, plans, months, tz, list(plans))
    rules = _rules_stamp()
    with_people = entry_store.months_with_people(store, months[0], months[-1], tz, rules)
    missing = [key for key, row in known.items() if row[0] and key not in with_people]
    fresh = _keep_people(store, plans, missing, tz, rules) if missing else {}
    kept = entry_store.person_totals(store, person_id, months[0], months[-1], tz, rules)
    for key, people in fresh.items():  # when they could not be kept
        if person_id in people:
            kept[key] = people[person_id]
    matched = 0
    for (_mon, cid), row in kept.items():
        if customer_id is not None and cid != customer_id:
            continue
        matched += row[0]
        for cls, minutes in zip(CLASSES, row[1:], strict=True):
            totals[cls] += minutes
    start, end = month_bounds(months[0], tz)[0], month_bounds(months[-1], tz)[1]
    shown = entry_store.latest(store, start, end, customer_id, limit, person_id=person_id)
    first_of: dict[tuple[str, int], str] = {}
    for r in shown:
        first_of.setdefault((_local_month_of(r["start_at"], zone), r["customer_id"]), r["start_at"])
    wanted = {r["id"] for r in shown}
    flag = entry_store.unapproved_flag(store)
    parts_of: dict[int, list[Part]] = {}
    for key, since in first_of.items():
        plan = plans[key[1]]
        items = entry_store.facts(
            store,
            start_from=since,
            start_before=month_bounds(key[0], tz)[1],
            customer_id=key[1],
            flag=flag,
        )
        left = 0
        if plan.plan == "maintenance":
            before = known[key][-1] - sum(quota_minutes(i) for i in items)
            left = max(0, known[key][-3] - before)
        for raw in classify_items(items, plan.plan, left):
            if raw[0] in wanted:
                parts_of.setdefault(raw[0], []).append(Part(*raw))
    rows = [_entry_row(r, parts_of[r["id"]], zone) for r in shown]
    return Listing(rows, matched, totals, None, {})


def _keep_people(
    store: Store, plans: dict[int, _Plan], missing: list[tuple[str, int]], tz: str, rules: str
) -> dict[tuple[str, int], dict[int, tuple[int, ...]]]:
    """Compute the per-person totals of these customer-months (month, customer id) and
    keep them: each is classified whole, once. Returns what it computed, by customer-
    month and then person id; when the database cannot be written to (read-only, or
    busy for longer than a moment), that is all there is of them."""
    from supportctl.errors import StoreError
    from supportctl.store.db import QueryError

    try:
        with store.transaction(wait_ms=250):
            first, last = min(m for m, _c in missing), max(m for m, _c in missing)
            done = entry_store.months_with_people(store, first, last, tz, rules)
            computed = _people_totals(store, plans, [k for k in missing if k not in done], tz)
            for (month, cid), rows in computed.items():
                entry_store.keep_person_totals(store, month, cid, tz, rules, rows)
    except (StoreError, QueryError):
        computed = _people_totals(store, plans, missing, tz)
    return computed


def _people_totals(
    store: Store, plans: dict[int, _Plan], keys: list[tuple[str, int]], tz: str
) -> dict[tuple[str, int], dict[int, tuple[int, ...]]]:
    """PERSON_TOTALS_COLUMNS by person id of each customer-month, classified whole."""
    from supportctl.domain.billing_rules import CLASSES

    computed: dict[tuple[str, int], dict[int, tuple[int, ...]]] = {}
    for month, cid in keys:
        facts = _month_facts_with_people(store, cid, month, tz)
        raw, _quota = _classify(store, plans[cid], month, facts, tz, entry_store.WAITING)
        person_of = {f[0]: f[8] for f in facts}
        by_person: dict[int, list[int]] = {}
        counted: set[int] = set()
        for part in raw:
            row = by_person.setdefault(person_of[part[0]], [0] * (1 + len(CLASSES)))
            if part[0] not in counted:
                counted.add(part[0])
                row[0] += 1
            row[1 + CLASSES.index(part[2])] += part[1]
        computed[(month, cid)] = {p: tuple(v) for p, v in by_person.items()}
    return computed


def _month_facts_with_people(store: Store, customer_id: int, month: str, tz: str) -> list[Any]:
    start, end = month_bounds(month, tz)
    return entry_store.facts(
        store,
        start_from=start,
        start_before=end,
        customer_id=customer_id,
        flag=entry_store.WAITING,
        with_person=True,
    )


def _local_month_of(utc_text: str, zone: Any) -> str:
    moment = _parse_utc(utc_text).astimezone(zone)
    return f"{moment.year:04d}-{moment.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return months


def _kept_totals(
    store: Store,
    plans: dict[int, _Plan],
    months: list[str],
    tz: str,
    wanted: list[int],
    kept: dict[tuple[str, int], tuple[int, ...]] | None = None,
) -> dict[tuple[str, int], tuple[int, ...]]:
    """`entry_store.TOTALS_COLUMNS` by (month, customer id), kept or computed (`kept`:
    the cache's rows for them, when the caller has read them already)."""
    known = (
        kept
        if kept is not None
        else entry_store.cached_totals_for_months(store, months, tz, _rules_stamp(), wanted)
    )
    for month in months:
        missing = [c for c in wanted if (month, c) not in known]
        if missing:
            computed = _cached_or_computed(store, plans, month, tz, missing, known_missing=True)
            for cid, row in computed.items():
                known[(month, cid)] = row
    return known


def _rules_stamp() -> str:
    from supportctl import __version__
    from supportctl.domain.billing_rules import RULES_VERSION

    return f"{__version__}/{RULES_VERSION}"


def _cached_or_computed(
    store: Store,
    plans: dict[int, _Plan],
    month: str,
    tz: str,
    wanted: list[int],
    *,
    known_missing: bool = False,
) -> dict[int, tuple[int, ...]]:
    """`entry_store.TOTALS_COLUMNS` of each wanted customer-month: kept ones from the
    cache, the rest computed and kept (in one write transaction, so no entry can change
    between the sums and the row). When the database cannot be written to (read-only,
    or busy for longer than a moment) they are computed and not kept."""
    from supportctl.errors import StoreError
    from supportctl.store.db import QueryError

    rules = _rules_stamp()
    # (`known_missing`: the caller has just found none of them kept; the transaction
    # below looks again)
    known = {} if known_missing else entry_store.cached_totals(store, month, tz, rules, wanted)
    missing = [c for c in wanted if c not in known]
    if not missing:
        return known
    try:
        with store.cache_transaction(wait_ms=250):
            # the reads go out together: those kept meanwhile, and what computing any
            # of them needs (a server answers both in one round trip)
            again_later = entry_store.cached_totals_later(store, month, tz, rules, missing)
            totals_later = _totals_later(store, plans, month, tz, missing)
            again = again_later()
            computed = totals_later([c for c in missing if c not in again])
            entry_store.keep_totals(store, month, tz, rules, computed)
    except (StoreError, QueryError):
        again, computed = {}, _compute_totals(store, plans, month, tz, missing)
    return {**known, **again, **{c: row[2:] for c, row in computed.items()}}


def _compute_totals(
    store: Store, plans: dict[int, _Plan], month: str, tz: str, customer_ids: list[int]
) -> dict[int, tuple[Any, ...]]:
    """(since, until, *TOTALS_COLUMNS) of these customer-months, from a few sums and
    the entries with a stored override (`billing_rules.month_totals`); only a month
    whose total depends on the order is classified entry by entry."""
    return _totals_later(store, plans, month, tz, customer_ids)(customer_ids)


def _totals_later(
    store: Store, plans: dict[int, _Plan], month: str, tz: str, customer_ids: list[int]
) -> Callable[[list[int]], dict[int, tuple[Any, ...]]]:
    """`_compute_totals` of `customer_ids`, its reads (this month's sums and overrides,
    and the previous month's of the customers that carry minutes over) sent now; called
    with those of them still wanted. SQLite runs each read when it is first needed."""
    from supportctl.domain.billing_rules import (
        CLASSES,
        classify_items,
        month_quota_minutes,
        month_totals,
        totals_by_class,
    )

    if not customer_ids:
        return lambda _wanted: {}
    start, end = month_bounds(month, tz)
    this_month = _sums_and_overrides_later(store, start, end, customer_ids)
    carrying = [c for c in customer_ids if plans[c].carry_over and plans[c].own_minutes]
    carried_later = _carried_in_later(store, plans, carrying, month, tz)
    previous_start = month_bounds(previous_month(month), tz)[0] if carrying else start

    def finish(wanted: list[int]) -> dict[int, tuple[Any, ...]]:
        if not wanted:
            return {}
        sums, overrides = this_month()
        carried = carried_later([c for c in carrying if c in sums and c in wanted])
        computed: dict[int, tuple[Any, ...]] = {}
        for cid in wanted:
            plan = plans[cid]
            since = previous_start if cid in carrying else start
            included = plan.own_minutes + carried.get(cid, 0)
            month_sums = sums.get(cid)
            if month_sums is None:
                computed[cid] = (since, end, 0, 0, 0, 0, 0, included, carried.get(cid, 0), 0)
                continue
            found = overrides.get(cid, [])
            by_class = month_totals(month_sums, found, plan.plan, included)
            if by_class is None:  # the order matters: classify this customer-month whole
                facts = _month_facts(store, cid, month, tz)
                by_class = totals_by_class(classify_items(facts, plan.plan, included))
            computed[cid] = (
                since,
                end,
                month_sums.entries,
                *(by_class[cls] for cls in CLASSES),
                included,
                carried.get(cid, 0),
                month_quota_minutes(month_sums, found),
            )
        return computed

    return finish


def _sums_and_overrides_later(
    store: Store, start: str, end: str, customer_ids: list[int]
) -> Callable[[], tuple[dict[int, Any], dict[int, list[Any]]]]:
    """Per customer with entries in [start, end): its `MonthSums`, and its entries with
    a stored class override; a server is sent both reads now. (SQLite reads the
    overrides only when some customer has entries.)"""
    from supportctl.domain.billing_rules import MonthSums

    flag = entry_store.WAITING
    sums_later = entry_store.month_sums_later(store, start, end, customer_ids, flag)
    overridden_later = entry_store.overridden_later(store, start, end, customer_ids, flag)

    def both() -> tuple[dict[int, Any], dict[int, list[Any]]]:
        sums = {cid: MonthSums(*v) for cid, v in sums_later().items()}
        overrides: dict[int, list[Any]] = {}
        if sums:  # an overridden entry is an entry: its customer has sums
            for item in overridden_later():
                overrides.setdefault(item[6], []).append(item)
        return sums, overrides

    return both


def _carried_in_later(
    store: Store, plans: dict[int, _Plan], customer_ids: list[int], month: str, tz: str
) -> Callable[[list[int]], dict[int, int]]:
    """Minutes each of `customer_ids` carries into `month` (the previous month's
    included minutes left unused), its reads sent now; called with those of them
    wanted (none: nothing is read)."""
    from supportctl.domain.billing_rules import month_quota_minutes

    candidates = [
        c for c in customer_ids if plans[c].own_minutes and plans[c].plan == "maintenance"
    ]
    if not candidates:
        return lambda _wanted: {}
    start, end = month_bounds(previous_month(month), tz)
    previous = _sums_and_overrides_later(store, start, end, candidates)

    def carried(wanted: list[int]) -> dict[int, int]:
        chosen = [c for c in candidates if c in set(wanted)]
        if not chosen:
            return {}
        sums, overrides = previous()
        return {
            cid: max(
                0,
                plans[cid].own_minutes
                - (month_quota_minutes(sums[cid], overrides.get(cid, [])) if cid in sums else 0),
            )
            for cid in chosen
        }

    return carried
