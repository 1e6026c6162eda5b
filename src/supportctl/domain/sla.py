"""SLA targets: due times for first response and resolution, and the clock of a ticket.

Targets come from two sources, the service level and the plan (DESIGN §2); where both
set one, the stricter (earlier) due time wins. A customer's contractual reaction time
and a temporary raise of level or coverage count for tickets created while they are in
force (`Customer.level_on` / `hours_on` on the arrival day are passed in as `level` and
`hours`). Waiting on the customer pauses the resolution clock: the paused business
minutes are added to the resolution due time when the ticket leaves `waiting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from supportctl.domain.calendar import BusinessCalendar

RESPONSE_BUSINESS_DAYS = 1
# light 6 weeks, standard 4 weeks (a week is 5 business days), premium 10 business days.
RESOLUTION_BUSINESS_DAYS = {"light": 30, "standard": 20, "premium": 10}
YELLOW_MINUTES = 120


@dataclass(frozen=True)
class Targets:
    due_response: datetime
    due_resolution: datetime


def due_times(
    calendar: BusinessCalendar,
    arrived_at: datetime,
    *,
    plan: str | None,
    level: str,
    hours: str,
    reaction_minutes: int | None,
) -> Targets:
    """Due times for a ticket that arrived at `arrived_at` (the stricter target wins)."""
    cal = calendar.with_always(hours == "24x7")
    responses = [cal.add_days(arrived_at, RESPONSE_BUSINESS_DAYS)]
    resolutions = [cal.add_days(arrived_at, RESOLUTION_BUSINESS_DAYS.get(level, 20))]
    if reaction_minutes:
        responses.append(cal.add_minutes(arrived_at, reaction_minutes))
    if plan == "maintenance":
        responses.append(cal.end_of_business_day(arrived_at))
        resolutions.append(cal.add_days(arrived_at, 1))
    return Targets(min(responses), min(resolutions))


def resume_after_waiting(
    calendar: BusinessCalendar, due_resolution: datetime, waiting_since: datetime, now: datetime
) -> tuple[datetime, int]:
    """Leaving `waiting`: (the resolution due time pushed by the pause, paused minutes)."""
    paused = max(calendar.minutes_between(waiting_since, now), 0)
    if paused == 0:
        return due_resolution, 0
    return calendar.add_minutes(due_resolution, paused), paused


@dataclass(frozen=True)
class Clock:
    """The clock of the next unmet target of one ticket.

    `target` is "response", "resolution" or None (nothing left to meet);
    `business_minutes_left` is negative once breached; `paused` while waiting on the
    customer (resolution only, counted up to when waiting began).
    """

    target: str | None
    due: datetime | None
    business_minutes_left: int | None
    breached: bool
    paused: bool = False

    @property
    def colour(self) -> str:
        """'red' when breached, 'yellow' under two business hours, else ''."""
        if self.business_minutes_left is None or self.paused:
            return ""
        if self.breached:
            return "red"
        if self.business_minutes_left < YELLOW_MINUTES:
            return "yellow"
        return ""


NO_CLOCK = Clock(None, None, None, False)


def clock(
    calendar: BusinessCalendar,
    *,
    status: str,
    hours: str,
    first_response_at: datetime | None,
    due_response: datetime | None,
    due_resolution: datetime | None,
    waiting_since: datetime | None,
    now: datetime,
) -> Clock:
    """The clock of the next unmet target: response first, then resolution."""
    cal = calendar.with_always(hours == "24x7")
    if status == "closed":
        return NO_CLOCK
    if first_response_at is None and due_response is not None and status != "resolved":
        left = cal.minutes_between(now, due_response)
        return Clock("response", due_response, left, now >= due_response)
    if status == "resolved" or due_resolution is None:
        return NO_CLOCK
    if status == "waiting" and waiting_since is not None:
        left = cal.minutes_between(waiting_since, due_resolution)
        return Clock("resolution", due_resolution, left, left < 0, paused=True)
    left = cal.minutes_between(now, due_resolution)
    return Clock("resolution", due_resolution, left, now >= due_resolution)


def format_minutes(minutes: int, minutes_per_day: int = 480) -> str:
    """Business time for people: '45m', '3h05m', '2d 1h' (days of business time); '-' when late."""
    sign = "-" if minutes < 0 else ""
    rest = abs(minutes)
    if rest < 60:
        return f"{sign}{rest}m"
    if rest < minutes_per_day:
        return f"{sign}{rest // 60}h{rest % 60:02d}m"
    days, rest = divmod(rest, minutes_per_day)
    return f"{sign}{days}d {rest // 60}h"
