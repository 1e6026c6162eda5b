"""Business calendar: hours, weekends, holidays, DST, 24/7; add/measure are inverses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.domain.calendar import BusinessCalendar

HEL = ZoneInfo("Europe/Helsinki")
PRG = ZoneInfo("Europe/Prague")
FI_HOLIDAYS = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 6, 19)}


def hel(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL)  # type: ignore[misc]


def cal(zone: str = "Europe/Helsinki", holidays: set[date] | None = None) -> BusinessCalendar:
    return BusinessCalendar.build(zone, holidays=holidays or set())


def test_calendar_add_minutes_within_a_day() -> None:
    assert cal().add_minutes(hel(2026, 10, 14, 10, 0), 90) == hel(2026, 10, 14, 11, 30)


def test_calendar_add_minutes_rolls_over_the_weekend() -> None:
    # Friday 16:30 + 60 business minutes = Monday 09:30
    assert cal().add_minutes(hel(2026, 10, 16, 16, 30), 60) == hel(2026, 10, 19, 9, 30)


def test_calendar_arrival_at_night_starts_at_opening() -> None:
    assert cal().add_minutes(hel(2026, 10, 14, 22, 0), 30) == hel(2026, 10, 15, 9, 30)


def test_calendar_one_business_day_is_eight_hours() -> None:
    c = cal()
    assert c.add_days(hel(2026, 10, 14, 11, 30), 1) == hel(2026, 10, 15, 11, 30)
    # Friday 11:30 + 1 business day = Monday 11:30
    assert c.add_days(hel(2026, 10, 16, 11, 30), 1) == hel(2026, 10, 19, 11, 30)


def test_calendar_exhausting_a_day_ends_at_closing_not_next_opening() -> None:
    assert cal().add_minutes(hel(2026, 10, 16, 9, 0), 480) == hel(2026, 10, 16, 17, 0)


def test_calendar_skips_christmas_holidays() -> None:
    c = cal(holidays=FI_HOLIDAYS)
    # Wed 23 Dec 2026 16:00 + 2h: 24, 25 are Thu/Fri holidays, 26/27 weekend -> Mon 28 Dec 10:00
    assert c.add_minutes(hel(2026, 12, 23, 16, 0), 120) == hel(2026, 12, 28, 10, 0)
    assert c.minutes_between(hel(2026, 12, 23, 16, 0), hel(2026, 12, 28, 10, 0)) == 120


def test_calendar_skips_midsummer_eve() -> None:
    c = cal(holidays=FI_HOLIDAYS)
    # Thu 18 June 2026 12:00 + 1 business day -> Midsummer Eve Fri 19 closed -> Mon 22 12:00
    assert c.add_days(hel(2026, 6, 18, 12, 0), 1) == hel(2026, 6, 22, 12, 0)


def test_calendar_czech_17_november() -> None:
    c = BusinessCalendar.build("Europe/Prague", holidays={date(2026, 11, 17)})
    start = datetime(2026, 11, 16, 16, 0, tzinfo=PRG)
    assert c.add_minutes(start, 120) == datetime(2026, 11, 18, 10, 0, tzinfo=PRG)


@pytest.mark.parametrize(
    ("zone", "friday"),
    [
        ("Europe/Helsinki", date(2026, 3, 27)),
        ("Europe/Prague", date(2026, 3, 27)),
        ("Europe/Helsinki", date(2026, 10, 23)),
        ("Europe/Prague", date(2026, 10, 23)),
    ],
)
def test_calendar_across_dst_keeps_wall_clock_hours(zone: str, friday: date) -> None:
    z = ZoneInfo(zone)
    c = BusinessCalendar.build(zone)
    start = datetime(friday.year, friday.month, friday.day, 15, 0, tzinfo=z)
    due = c.add_minutes(start, 180)
    monday = friday + timedelta(days=3)
    assert due.astimezone(z).replace(tzinfo=None) == datetime(
        monday.year, monday.month, monday.day, 10, 0
    )
    assert c.minutes_between(start, due) == 180
    # 24/7 counts real elapsed time: the DST night makes the wall clock jump.
    always = c.with_always(True)
    assert always.minutes_between(
        start, datetime(monday.year, monday.month, monday.day, 15, 0, tzinfo=z)
    ) in (
        3 * 1440 - 60,
        3 * 1440 + 60,
    )


def test_calendar_minutes_between_is_negative_backwards() -> None:
    c = cal()
    assert c.minutes_between(hel(2026, 10, 15, 10, 0), hel(2026, 10, 14, 16, 0)) == -120


def test_calendar_minutes_between_outside_hours_is_zero() -> None:
    c = cal()
    assert c.minutes_between(hel(2026, 10, 17, 10, 0), hel(2026, 10, 18, 20, 0)) == 0


def test_calendar_next_business_moment() -> None:
    c = cal()
    assert c.next_business_moment(hel(2026, 10, 18, 23, 0)) == hel(2026, 10, 19, 9, 0)
    assert c.next_business_moment(hel(2026, 10, 14, 17, 0)) == hel(2026, 10, 15, 9, 0)
    assert c.next_business_moment(hel(2026, 10, 14, 12, 0)) == hel(2026, 10, 14, 12, 0)


def test_calendar_end_of_business_day() -> None:
    c = cal()
    assert c.end_of_business_day(hel(2026, 10, 14, 12, 0)) == hel(2026, 10, 14, 17, 0)
    assert c.end_of_business_day(hel(2026, 10, 16, 18, 0)) == hel(2026, 10, 19, 17, 0)


def test_calendar_always_is_elapsed_time() -> None:
    c = cal().with_always(True)
    start = hel(2026, 10, 17, 22, 0)
    assert c.add_minutes(start, 15) == hel(2026, 10, 17, 22, 15)
    assert c.add_days(start, 1) == start + timedelta(days=1)


def test_calendar_long_spans_are_cheap_and_right() -> None:
    c = cal()
    # 2026 has 261 weekdays; 52 weeks + 1 day from Thu 1 Jan 2026 to Fri 1 Jan 2027 00:00
    assert c.minutes_between(hel(2026, 1, 1, 0, 0), hel(2027, 1, 1, 0, 0)) == 261 * 480


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(["Europe/Helsinki", "Europe/Prague"])


@settings(max_examples=300, deadline=None)
@given(start=moments, minutes=st.integers(min_value=1, max_value=40 * 480), zone=zones)
def test_calendar_adding_then_measuring_returns_the_amount(
    start: datetime, minutes: int, zone: str
) -> None:
    c = BusinessCalendar.build(zone, holidays=FI_HOLIDAYS)
    start = start.replace(microsecond=0, second=0)
    due = c.add_minutes(start, minutes)
    assert due > start
    assert c.minutes_between(start, due) == minutes


@settings(max_examples=300, deadline=None)
@given(start=moments, minutes=st.integers(min_value=1, max_value=40 * 480), zone=zones)
def test_calendar_results_fall_inside_business_hours(
    start: datetime, minutes: int, zone: str
) -> None:
    c = BusinessCalendar.build(zone, holidays=FI_HOLIDAYS)
    due = c.add_minutes(start, minutes).astimezone(ZoneInfo(zone))
    assert c.is_business_day(due.date())
    assert (due.hour, due.minute) >= (9, 0) and (due.hour, due.minute, due.second) <= (17, 0, 0)


@settings(max_examples=200, deadline=None)
@given(a=moments, b=moments, zone=zones)
def test_calendar_minutes_between_is_antisymmetric(a: datetime, b: datetime, zone: str) -> None:
    c = BusinessCalendar.build(zone, holidays=FI_HOLIDAYS)
    assert c.minutes_between(a, b) == -c.minutes_between(b, a)
