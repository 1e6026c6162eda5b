"""The view models `services/delegation.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain.delegation import Record
from supportctl.domain.timeutil import to_utc_text

if TYPE_CHECKING:
    from supportctl.domain.sla import Clock


class Task(Record):
    """One delegated task as commands show it."""

    id: int
    ticket_id: int
    task: str
    skill: str | None
    to: str
    by: str | None
    estimate_minutes: int | None
    reason: str
    status: str
    created: datetime
    done: datetime | None = None


class Delegated(Record):
    task: Task
    chosen_by: str  # "skill" or "to"
    runners_up: tuple[str, ...] = ()
    forced: bool = False


class ReviewRow(Record):
    """One open task in the review or in `--mine`."""

    id: int
    ticket_id: int
    subject: str
    customer: str | None
    task: str
    skill: str | None
    to: str
    by: str | None
    created: datetime
    estimate_minutes: int | None
    urgency: str
    level: str
    age_business_days: int
    minutes_logged: int
    last_touched: datetime
    untouched_business_days: int
    clock: Clock | None
    flags: tuple[str, ...]

    @property
    def created_text(self) -> str:
        return to_utc_text(self.created)


class PersonSummary(Record):
    handle: str
    open_tasks: int
    estimated_minutes: int
    flagged: int | None  # None when only the head of each queue was read
    oldest_business_days: int


class Review(Record):
    at: datetime
    rows: list[ReviewRow]
    people: list[PersonSummary]
    total_open: int
    minutes_per_day: int = 480
    mine: str | None = None


class Changes(Record):
    """What happened to delegated work since the last recorded review."""

    since: datetime
    since_by: str | None
    new: list[Task]
    done: list[Task]
    reassigned: list[dict[str, Any]]
