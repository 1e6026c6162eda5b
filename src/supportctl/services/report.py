"""`supportctl report 2026-10`: the month's tickets, first-response times and SLA breaches.

First-response time is business time (24/7 customers: elapsed time) from arrival to the
first human outbound message. A target counts as breached when it was met late, or is
still unmet and already past due at the time of the report.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING

from supportctl.domain.rota import monday_of, week_name
from supportctl.domain.timeutil import from_utc_text
from supportctl.render.models.report import Breaches, MonthReport
from supportctl.store import reporting
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile (p in 0..100) of whole minutes; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def _late(met: str | None, due: str | None, now_text: str) -> bool:
    if due is None:
        return False
    return (met or now_text) > due


def build(store: Store, config: Config, month: str, now: datetime) -> MonthReport:
    from supportctl.domain.timeutil import to_utc_text
    from supportctl.services.calendar import business_calendar
    from supportctl.services.timebase import month_bounds, parse_month

    year, mon = parse_month(month)
    start, end = month_bounds(month, config.agency.timezone)
    calendar = business_calendar(store, config, around=datetime(year, mon, 15), years=[now.year])
    rows = reporting.tickets_created(store, start, end)
    now_text = to_utc_text(now)
    response_minutes: list[int] = []
    by_customer: dict[str, list[int]] = {}
    by_level: dict[str, list[int]] = {}
    weeks: dict[date, int] = {}
    first = date(year, mon, 1)
    last = date(year + (mon == 12), mon % 12 + 1, 1)
    monday = monday_of(first)
    while monday < last:
        weeks[monday] = 0
        monday = date.fromordinal(monday.toordinal() + 7)
    twenty_four_seven = calendar.with_always(True)
    for (
        _id,
        created_at,
        first_response_at,
        due_response_at,
        resolved_at,
        due_resolution_at,
        status,
        level,
        hours,
        customer,
    ) in rows:
        created = from_utc_text(created_at)
        if first_response_at:
            cal = twenty_four_seven if hours == "24x7" else calendar
            response_minutes.append(
                max(cal.minutes_between(created, from_utc_text(first_response_at)), 0)
            )
        late_response = _late(first_response_at, due_response_at, now_text)
        late_resolution = status != "waiting" and _late(resolved_at, due_resolution_at, now_text)
        for key, bucket in ((customer or "(unknown)", by_customer), (level, by_level)):
            counts = bucket.setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += int(late_response)
            counts[2] += int(late_resolution)
        week = monday_of(calendar.local_date(created))
        weeks[week] = weeks.get(week, 0) + 1
    return MonthReport(
        id=f"{year}-{mon:02d}",
        tickets_in=len(rows),
        tickets_out=reporting.tickets_resolved(store, start, end),
        responded=len(response_minutes),
        first_response_median_minutes=percentile(response_minutes, 50),
        first_response_p90_minutes=percentile(response_minutes, 90),
        breaches_by_customer=[Breaches(k, *v) for k, v in sorted(by_customer.items())],
        breaches_by_level=[
            Breaches(k, *by_level[k]) for k in ("premium", "standard", "light") if k in by_level
        ],
        tickets_per_week=[(week_name(w), n) for w, n in sorted(weeks.items())],
        minutes_per_person=reporting.minutes_by(store, start, end, "person"),
        minutes_per_customer=reporting.minutes_by(store, start, end, "customer"),
    )
