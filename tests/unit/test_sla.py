"""SLA due times and clocks: levels, plans, reaction times, 24/7, pauses, stricter wins."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supportctl.domain.calendar import BusinessCalendar
from supportctl.domain.sla import clock, due_times, format_minutes, resume_after_waiting

HEL = ZoneInfo("Europe/Helsinki")
CAL = BusinessCalendar.build("Europe/Helsinki", holidays={date(2026, 12, 24), date(2026, 12, 25)})


def hel(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL)  # type: ignore[misc]


ARRIVAL = hel(2026, 10, 14, 11, 30)  # Wednesday


@pytest.mark.parametrize(
    ("plan", "level", "reaction", "response", "resolution"),
    [
        ("adhoc", "light", None, hel(2026, 10, 15, 11, 30), hel(2026, 11, 25, 11, 30)),
        ("adhoc", "standard", None, hel(2026, 10, 15, 11, 30), hel(2026, 11, 11, 11, 30)),
        ("hosting", "premium", None, hel(2026, 10, 15, 11, 30), hel(2026, 10, 28, 11, 30)),
        ("hosting", "premium", 15, hel(2026, 10, 14, 11, 45), hel(2026, 10, 28, 11, 30)),
        # maintenance: same business day, resolution within one business day (stricter wins)
        ("maintenance", "light", None, hel(2026, 10, 14, 17, 0), hel(2026, 10, 15, 11, 30)),
        ("maintenance", "premium", 15, hel(2026, 10, 14, 11, 45), hel(2026, 10, 15, 11, 30)),
    ],
)
def test_sla_due_times(
    plan: str, level: str, reaction: int | None, response: datetime, resolution: datetime
) -> None:
    targets = due_times(
        CAL, ARRIVAL, plan=plan, level=level, hours="business", reaction_minutes=reaction
    )
    assert targets.due_response == response
    assert targets.due_resolution == resolution


def test_sla_maintenance_after_hours_answers_next_business_day() -> None:
    targets = due_times(
        CAL,
        hel(2026, 10, 16, 19, 0),
        plan="maintenance",
        level="standard",
        hours="business",
        reaction_minutes=None,
    )
    assert targets.due_response == hel(2026, 10, 19, 17, 0)


def test_sla_24x7_counts_nights_and_weekends() -> None:
    friday_night = hel(2026, 10, 16, 23, 0)
    targets = due_times(
        CAL, friday_night, plan="hosting", level="premium", hours="24x7", reaction_minutes=15
    )
    assert targets.due_response == hel(2026, 10, 16, 23, 15)


def test_sla_christmas_pushes_due_time() -> None:
    targets = due_times(
        CAL,
        hel(2026, 12, 23, 12, 0),
        plan="adhoc",
        level="standard",
        hours="business",
        reaction_minutes=None,
    )
    assert targets.due_response == hel(2026, 12, 28, 12, 0)


def test_sla_waiting_pauses_resolution() -> None:
    due = hel(2026, 10, 20, 12, 0)
    new_due, paused = resume_after_waiting(
        CAL, due, hel(2026, 10, 15, 10, 0), hel(2026, 10, 15, 14, 0)
    )
    assert paused == 240
    assert new_due == hel(2026, 10, 20, 16, 0)


def _clock(**kw: object) -> object:
    base: dict[str, object] = {
        "status": "open",
        "hours": "business",
        "first_response_at": None,
        "due_response": hel(2026, 10, 15, 11, 30),
        "due_resolution": hel(2026, 11, 11, 11, 30),
        "waiting_since": None,
        "now": hel(2026, 10, 14, 12, 0),
    }
    base.update(kw)
    return clock(CAL, **base)  # type: ignore[arg-type]


def test_sla_clock_shows_response_first() -> None:
    c = _clock()
    assert c.target == "response" and c.business_minutes_left == 450 and not c.breached  # type: ignore[attr-defined]
    assert c.colour == ""  # type: ignore[attr-defined]


def test_sla_clock_yellow_under_two_hours_and_red_when_breached() -> None:
    assert _clock(now=hel(2026, 10, 15, 10, 0)).colour == "yellow"  # type: ignore[attr-defined]
    late = _clock(now=hel(2026, 10, 15, 12, 0))
    assert late.breached and late.business_minutes_left == -30 and late.colour == "red"  # type: ignore[attr-defined]


def test_sla_clock_moves_to_resolution_after_first_response() -> None:
    c = _clock(first_response_at=hel(2026, 10, 14, 12, 0))
    assert c.target == "resolution"  # type: ignore[attr-defined]


def test_sla_clock_paused_while_waiting() -> None:
    c = _clock(
        first_response_at=hel(2026, 10, 14, 12, 0),
        status="waiting",
        waiting_since=hel(2026, 11, 10, 11, 30),
        now=hel(2026, 12, 1, 9, 0),
    )
    assert c.paused and c.business_minutes_left == 480 and not c.breached  # type: ignore[attr-defined]


def test_sla_clock_none_when_resolved_or_closed() -> None:
    assert _clock(status="resolved").target is None  # type: ignore[attr-defined]
    assert _clock(status="closed").target is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("minutes", "text"), [(45, "45m"), (185, "3h05m"), (-30, "-30m"), (1000, "2d 0h")]
)
def test_sla_format_minutes(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text
