"""The view models `services/timesheet.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from supportctl.domain.billing_rules import Part


class Quota(NamedTuple):
    """A maintenance customer's included minutes for one month."""

    included_minutes: int  # the month's own plus carried-in
    carried_in_minutes: int
    used_minutes: int
    left_minutes: int


class EntryRow(NamedTuple):
    """One entry of a listing, with its classified parts (one, or two when split)."""

    id: int
    uuid: str
    date: date  # local date of the start
    start_at: datetime  # aware UTC
    end_at: datetime  # aware UTC
    minutes: int
    person: str
    ticket: int | None
    customer: str
    description: str
    kind: str
    is_internal: bool
    class_override: str | None
    corrects_invoice: str | None
    parts: list[Part]


class Listing(NamedTuple):
    # the shown rows (the latest `limit` when a limit was given); with `stream`, an
    # iterator to read once, built as the entries are read
    rows: list[EntryRow]
    matched: int  # entries matched
    totals: dict[str, int]  # minutes per class over every matched entry
    month: str | None
    quotas: dict[str, Quota]  # maintenance customers of a one-month listing, by slug
