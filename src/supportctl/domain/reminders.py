"""Which tickets `supportctl remind` mails to their owners: those near an SLA breach.

A ticket is due a reminder when the next unmet target on its clock (first response,
then resolution; waiting on the customer pauses it) is at most one business hour away,
or already breached. One reminder per ticket, target and due time: a cron job running
every few minutes does not repeat itself, but a due time that moves (status changes,
paused waiting) earns a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime

from supportctl.domain.calendar import BusinessCalendar
from supportctl.domain.sla import clock

WITHIN_MINUTES = 60


@dataclass(frozen=True)
class OpenTicket:
    id: int
    owner: str
    subject: str
    status: str
    hours: str
    first_response_at: datetime | None
    due_response: datetime | None
    due_resolution: datetime | None
    waiting_since: datetime | None


@dataclass(frozen=True)
class Reminder:
    ticket_id: int
    owner: str
    subject: str
    target: str
    due: datetime
    business_minutes_left: int

    @property
    def key(self) -> tuple[int, str, str]:
        """(ticket, target, due) as stored with a sent reminder."""
        return (self.ticket_id, self.target, self.due.strftime("%Y-%m-%dT%H:%M:%SZ"))


def select(
    calendar: BusinessCalendar,
    tickets: Iterable[OpenTicket],
    *,
    now: datetime,
    already: Set[tuple[int, str, str]] = frozenset(),
    within_minutes: int = WITHIN_MINUTES,
) -> dict[str, list[Reminder]]:
    """Owner handle -> reminders, most urgent first; tickets already reminded are left out."""
    chosen: dict[str, list[Reminder]] = {}
    for ticket in tickets:
        state = clock(
            calendar,
            status=ticket.status,
            hours=ticket.hours,
            first_response_at=ticket.first_response_at,
            due_response=ticket.due_response,
            due_resolution=ticket.due_resolution,
            waiting_since=ticket.waiting_since,
            now=now,
        )
        if (
            state.target is None
            or state.due is None
            or state.business_minutes_left is None
            or state.paused
        ):
            continue
        if state.business_minutes_left > within_minutes and not state.breached:
            continue
        reminder = Reminder(
            ticket.id,
            ticket.owner,
            ticket.subject,
            state.target,
            state.due,
            state.business_minutes_left,
        )
        if reminder.key in already:
            continue
        chosen.setdefault(ticket.owner, []).append(reminder)
    for items in chosen.values():
        items.sort(key=lambda r: (r.business_minutes_left, r.due, r.ticket_id))
    return chosen
