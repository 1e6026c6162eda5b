"""Billable classes of a customer-month's time entries, derived and never stored.

Only a manual `--class` override is stored on an entry; everything else is decided
here, from the month's entries in start order, whenever entries are listed or
invoiced. So an edit early in the month (a longer entry, a removed one) moves the
quota boundary for every later entry without rewriting rows, and `log list` and the
invoice can never disagree.

Rules, in order of precedence:
1. a stored override (`class_override`) wins; an `included` override still uses
   up quota, so the boundary after it stays honest;
2. `--internal` work is `non-billable`;
3. work on a request that needs approval and has none is `needs-approval`;
4. the plan: maintenance work is `included` until the month's included minutes are
   used, then `billable` (an entry crossing the boundary becomes two parts), and a
   single job more than 30 minutes past the quota is flagged extra ("agree first");
   hosting work is `billable` except messaging, which is `non-billable`; adhoc work
   is `billable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

INCLUDED = "included"
BILLABLE = "billable"
NON_BILLABLE = "non-billable"
NEEDS_APPROVAL = "needs-approval"
CLASSES = (INCLUDED, BILLABLE, NON_BILLABLE, NEEDS_APPROVAL)

# Bump whenever a rule below changes: month totals kept by another version are ignored.
RULES_VERSION = 1

# A maintenance job this many minutes past the quota is extra work, agreed separately.
EXTRA_AFTER_MINUTES = 30


class EntryFacts(NamedTuple):
    """What the rules need to know about one entry."""

    entry_id: int
    start: datetime
    minutes: int
    kind: str  # 'work' | 'messaging'
    is_internal: bool
    class_override: str | None
    needs_approval: bool  # on an unapproved request that needs approval


class Part(NamedTuple):
    """An entry, or one of its two parts when it crosses the end of the quota."""

    entry_id: int
    minutes: int
    cls: str  # 'included' | 'billable' | 'non-billable' | 'needs-approval'
    is_extra: bool
    part: int  # 0, or 1 for the billable part of a split entry


# (entry_id, minutes, kind, is_internal, class_override, needs_approval, ...), in start
# order; fields after the sixth are ignored (listings carry the customer and start there).
Item = tuple[Any, ...]
# (entry_id, minutes, cls, is_extra, part)
RawPart = tuple[int, int, str, bool, int]


def classify_items(items: Iterable[Item], plan: str, included_minutes: int) -> list[RawPart]:
    """The rules over plain tuples already in start order (the fast path for listings)."""
    left = max(0, included_minutes) if plan == "maintenance" else 0
    is_maintenance = plan == "maintenance"
    is_hosting = plan == "hosting"
    parts: list[RawPart] = []
    add = parts.append
    for item in items:
        entry_id, minutes, kind, is_internal, override, needs_approval = item[:6]
        if override is not None:
            if override == INCLUDED:
                left = max(0, left - minutes)
            add((entry_id, minutes, override, False, 0))
        elif is_internal:
            add((entry_id, minutes, NON_BILLABLE, False, 0))
        elif needs_approval:
            add((entry_id, minutes, NEEDS_APPROVAL, False, 0))
        elif is_maintenance:
            if minutes <= left:
                left -= minutes
                add((entry_id, minutes, INCLUDED, False, 0))
            elif left == 0:
                add((entry_id, minutes, BILLABLE, minutes > EXTRA_AFTER_MINUTES, 0))
            else:
                over = minutes - left
                add((entry_id, left, INCLUDED, False, 0))
                add((entry_id, over, BILLABLE, over > EXTRA_AFTER_MINUTES, 1))
                left = 0
        elif is_hosting and kind == "messaging":
            add((entry_id, minutes, NON_BILLABLE, False, 0))
        else:
            add((entry_id, minutes, BILLABLE, False, 0))
    return parts


def classify_month(entries: Sequence[EntryFacts], plan: str, included_minutes: int) -> list[Part]:
    """Parts for a customer-month's entries, in start order (ties by entry id)."""
    ordered = sorted(entries, key=lambda e: (e.start, e.entry_id))
    items = (
        (e.entry_id, e.minutes, e.kind, e.is_internal, e.class_override, e.needs_approval)
        for e in ordered
    )
    return [Part(*raw) for raw in classify_items(items, plan, included_minutes)]


def included_used(parts: Iterable[Part | RawPart]) -> int:
    """Minutes of the quota the parts use."""
    return sum(_minutes_cls(p)[0] for p in parts if _minutes_cls(p)[1] == INCLUDED)


def totals_by_class(parts: Iterable[Part | RawPart]) -> dict[str, int]:
    """Minutes per class, every class present (zero when unused)."""
    totals = dict.fromkeys(CLASSES, 0)
    for p in parts:
        minutes, cls = _minutes_cls(p)
        totals[cls] = totals.get(cls, 0) + minutes
    return totals


def _minutes_cls(part: Part | RawPart) -> tuple[int, str]:
    return part[1], part[2]  # a Part is a RawPart with names


# --- a month's totals without its order ---------------------------------------------
# A listing shows the latest few entries but totals the whole month. Reading every
# entry to classify it costs more than the rest of the command, and most of the month
# needs no order at all: only the quota split does, and even that only through one
# running sum. So the store hands over a few sums per customer-month plus the entries
# with a stored override (rare), and these functions give the same totals
# `classify_items` would. The quota left before an entry is max(0, quota - quota
# minutes before it) whatever the mix of entries before it, so the latest entries can
# be classified alone once that sum is known.


class MonthSums(NamedTuple):
    """Minutes of one customer-month's entries, whatever their class."""

    minutes: int  # every entry
    internal: int  # entries marked internal
    messaging: int  # messaging entries not marked internal
    waiting: int  # not internal, no override, on a request waiting for approval
    waiting_messaging: int  # the messaging part of `waiting`
    entries: int


def quota_minutes(item: Item) -> int:
    """Minutes of the entry that use a maintenance quota (in full; the rules cap them)."""
    _, minutes, _, is_internal, override, needs_approval = item[:6]
    if override is not None:
        return int(minutes) if override == INCLUDED else 0
    return 0 if is_internal or needs_approval else int(minutes)


def _plain(sums: MonthSums, overridden: Iterable[Item]) -> tuple[int, int, dict[str, int]]:
    """(plain minutes, plain messaging minutes, minutes per class of the rest): "plain"
    work is neither internal nor overridden nor waiting for approval."""
    plain = sums.minutes - sums.internal - sums.waiting
    messaging = sums.messaging - sums.waiting_messaging
    special = dict.fromkeys(CLASSES, 0)
    special[NON_BILLABLE] = sums.internal
    special[NEEDS_APPROVAL] = sums.waiting
    for item in overridden:
        _, minutes, kind, is_internal, override = item[:5]
        if override is None:
            continue
        if is_internal:
            special[NON_BILLABLE] -= minutes
        else:
            plain -= minutes
            if kind == "messaging":
                messaging -= minutes
        special[override] += minutes
    return plain, messaging, special


def month_quota_minutes(sums: MonthSums, overridden: Iterable[Item]) -> int:
    """Minutes of the customer-month that use its quota (plain work and included
    overrides); the quota left after the month is max(0, quota - this)."""
    plain, _, special = _plain(sums, overridden)
    return plain + special[INCLUDED]


def month_totals(
    sums: MonthSums, overridden: Iterable[Item], plan: str, included_minutes: int
) -> dict[str, int] | None:
    """Minutes per class of a whole customer-month, as `classify_items` would total them,
    from its sums and its entries with a stored override. None when the total depends
    on the order (an `included` override in a month whose quota runs out): classify
    the entries instead."""
    plain, messaging, totals = _plain(sums, overridden)
    if plan == "maintenance":
        quota = max(0, included_minutes)
        if plain and totals[INCLUDED] and totals[INCLUDED] + plain > quota:
            return None
        used = min(plain, quota)
        totals[INCLUDED] += used
        totals[BILLABLE] += plain - used
    elif plan == "hosting":
        totals[NON_BILLABLE] += messaging
        totals[BILLABLE] += plain - messaging
    else:
        totals[BILLABLE] += plain
    return totals
