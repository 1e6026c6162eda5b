"""Pure rules of `supportctl watch`: retry back-off, lock staleness, which alerts are due.

Kept free of I/O and clocks (`now` and the random source come in) so that the rules the
long-running service lives by are tested directly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
LOCK_STALE_AFTER = timedelta(minutes=2)
ALERT_WINDOW = timedelta(hours=24)  # a ticket older than this is not paged about any more
ALERT_RETRY_FIRST = timedelta(minutes=1)
ALERT_RETRY_MAX = timedelta(hours=1)

REASON_URGENT = "urgent"
REASON_OUT_OF_HOURS = "out-of-hours"
CHANNELS = ("mail", "command")


class Backoff:
    """Exponential back-off with full jitter: 1 s, 2 s, 4 s … capped at 5 minutes.

    `next()` returns a delay drawn uniformly from [cap/2, cap] of the current step, so
    many accounts failing together do not retry in lockstep; `reset()` after a success.
    """

    def __init__(
        self,
        first: float = BACKOFF_FIRST_SECONDS,
        ceiling: float = BACKOFF_MAX_SECONDS,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.first = first
        self.ceiling = ceiling
        self.rand = rand
        self.failures = 0

    def next(self) -> float:
        cap = min(self.ceiling, self.first * float(2 ** min(self.failures, 30)))
        self.failures += 1
        return cap / 2 + (cap / 2) * float(self.rand())

    def reset(self) -> None:
        self.failures = 0


def is_stale(
    heartbeat_at: datetime, now: datetime, stale_after: timedelta = LOCK_STALE_AFTER
) -> bool:
    """A lock whose holder has not beaten for `stale_after` is abandoned."""
    return now - heartbeat_at > stale_after


@dataclass(frozen=True)
class AlertTicket:
    """What the alert rules need to know about one open ticket."""

    id: int
    urgency: str
    hours: str  # 'business' or '24x7' coverage of the customer when it arrived
    classification: str
    created_at: datetime
    urgent_since: datetime | None  # when it was created urgent or became urgent
    arrived_out_of_hours: bool  # outside the agency's business hours


@dataclass(frozen=True)
class AlertAttempts:
    """The history of one (ticket, reason, channel): sent, or failures so far."""

    sent: bool = False
    failures: int = 0
    last_failure_at: datetime | None = None


@dataclass(frozen=True)
class DueAlert:
    ticket_id: int
    reason: str
    channel: str


def reasons(ticket: AlertTicket, now: datetime) -> list[str]:
    """Why the owner should be paged about this ticket now (empty: no alert).

    Only human mail pages anyone: auto-replies, mailing lists and bounces never do.
    """
    if ticket.classification != "human":
        return []
    out = []
    if (
        ticket.urgency == "urgent"
        and ticket.urgent_since is not None
        and now - ticket.urgent_since <= ALERT_WINDOW
    ):
        out.append(REASON_URGENT)
    if (
        ticket.hours == "24x7"
        and ticket.arrived_out_of_hours
        and now - ticket.created_at <= ALERT_WINDOW
    ):
        out.append(REASON_OUT_OF_HOURS)
    return out


def retry_delay(failures: int) -> timedelta:
    """How long after the last failure an alert is tried again: 1, 2, 4 … 60 minutes."""
    if failures <= 0:
        return timedelta(0)
    delay: timedelta = ALERT_RETRY_FIRST * int(2 ** min(failures - 1, 20))
    return min(ALERT_RETRY_MAX, delay)


def due_alerts(
    tickets: Iterable[AlertTicket],
    attempts: dict[tuple[int, str, str], AlertAttempts],
    channels: Iterable[str],
    now: datetime,
    *,
    include_delayed: bool = False,
) -> list[DueAlert]:
    """Each alert once per ticket, reason and channel; failed ones again after a delay
    (`include_delayed`: those waiting for their retry too, i.e. every alert not sent)."""
    chosen = list(channels)
    due = []
    for ticket in tickets:
        for reason in reasons(ticket, now):
            for channel in chosen:
                seen = attempts.get((ticket.id, reason, channel), AlertAttempts())
                if seen.sent:
                    continue
                waiting = seen.last_failure_at is not None and (
                    now - seen.last_failure_at < retry_delay(seen.failures)
                )
                if waiting and not include_delayed:
                    continue
                due.append(DueAlert(ticket.id, reason, channel))
    return due


def parse_age(text: str) -> timedelta:
    """`--max-age`: a whole number with s, m or h (`90s`, `10m`, `2h`)."""
    clean = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600}
    if len(clean) < 2 or clean[-1] not in units or not clean[:-1].isdigit():
        raise ValueError(f"'{text}' is not an age such as 90s, 10m or 2h")
    seconds = int(clean[:-1]) * units[clean[-1]]
    if seconds <= 0:
        raise ValueError(f"'{text}' is not a positive age")
    return timedelta(seconds=seconds)
