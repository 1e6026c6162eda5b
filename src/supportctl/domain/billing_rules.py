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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

INCLUDED = "included"
BILLABLE = "billable"
NON_BILLABLE = "non-billable"
NEEDS_APPROVAL = "needs-approval"
CLASSES = (INCLUDED, BILLABLE, NON_BILLABLE, NEEDS_APPROVAL)

# A maintenance job this many minutes past the quota is extra work, agreed separately.
EXTRA_AFTER_MINUTES = 30


@dataclass(frozen=True)
class EntryFacts:
    """What the rules need to know about one entry."""

    entry_id: int
    start: datetime
    minutes: int
    kind: str  # 'work' | 'messaging'
    is_internal: bool
    class_override: str | None
    needs_approval: bool  # on an unapproved request that needs approval


@dataclass(frozen=True)
class Part:
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
    if isinstance(part, Part):
        return part.minutes, part.cls
    return part[1], part[2]
