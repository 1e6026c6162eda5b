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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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


def classify_month(entries: Sequence[EntryFacts], plan: str, included_minutes: int) -> list[Part]:
    """Parts for a customer-month's entries, in start order (ties by entry id)."""
    ordered = sorted(entries, key=lambda e: (e.start, e.entry_id))
    left = max(0, included_minutes) if plan == "maintenance" else 0
    parts: list[Part] = []
    for entry in ordered:
        override = entry.class_override
        if override is not None:
            if override == INCLUDED:
                left = max(0, left - entry.minutes)
            parts.append(Part(entry.entry_id, entry.minutes, override, False, 0))
        elif entry.is_internal:
            parts.append(Part(entry.entry_id, entry.minutes, NON_BILLABLE, False, 0))
        elif entry.needs_approval:
            parts.append(Part(entry.entry_id, entry.minutes, NEEDS_APPROVAL, False, 0))
        elif plan == "maintenance":
            covered = min(left, entry.minutes)
            over = entry.minutes - covered
            left -= covered
            if covered:
                parts.append(Part(entry.entry_id, covered, INCLUDED, False, 0))
            if over:
                parts.append(
                    Part(
                        entry.entry_id,
                        over,
                        BILLABLE,
                        over > EXTRA_AFTER_MINUTES,
                        1 if covered else 0,
                    )
                )
        elif plan == "hosting" and entry.kind == "messaging":
            parts.append(Part(entry.entry_id, entry.minutes, NON_BILLABLE, False, 0))
        else:
            parts.append(Part(entry.entry_id, entry.minutes, BILLABLE, False, 0))
    return parts


def included_used(parts: Sequence[Part]) -> int:
    """Minutes of the quota the parts use."""
    return sum(p.minutes for p in parts if p.cls == INCLUDED)


def totals_by_class(parts: Sequence[Part]) -> dict[str, int]:
    """Minutes per class, every class present (zero when unused)."""
    totals = dict.fromkeys(CLASSES, 0)
    for p in parts:
        totals[p.cls] = totals.get(p.cls, 0) + p.minutes
    return totals
