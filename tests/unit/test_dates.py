"""The one strict date parser: accepted forms, refusals, and properties over all days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.dates import ACCEPTED, DateError, parse_day, parse_range

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-13", date(2026, 11, 13)),
        ("13.11.2026", date(2026, 11, 13)),
        ("13.11.", date(2026, 11, 13)),
        ("13. 11. 2026", date(2026, 11, 13)),
        ("1.2.2027", date(2027, 2, 1)),
        (" today ", TODAY),
        ("Yesterday", date(2026, 11, 24)),
        ("wednesday", TODAY),  # the latest Wednesday is today
        ("tue", date(2026, 11, 24)),
        ("Thursday", date(2026, 11, 19)),
        ("mon", date(2026, 11, 23)),
        ("29.2.2028", date(2028, 2, 29)),
    ],
)
def test_dates_accepted_forms(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01",
        "-5",
        "12.10",
        "11/03/2026",
        "11/13/2026",
        "2026-1-5",
        "20261113",
        "2026-W48-1",
        "13.11.26",
        "31.11.2026",
        "29.2.2026",
        "0.1.2026",
        "",
        "someday",
        "next monday",
        "13.11.2026 10:00",
        "١٣.١١.٢٠٢٦",  # non-ASCII digits
    ],
)
def test_dates_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_day(text, TODAY)
    assert ACCEPTED in str(info.value)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)), st.dates())
def test_dates_every_day_reads_back_in_every_written_form(day: date, today: date) -> None:
    assert parse_day(day.isoformat(), today) == day
    assert parse_day(f"{day.day}.{day.month}.{day.year}", today) == day
    assert parse_day(f"{day:%d. %m. %Y}", today) == day
    if day.year == today.year:
        assert parse_day(f"{day.day}.{day.month}.", today) == day


@given(
    st.dates(min_value=date(1, 1, 8)),
    st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
)
def test_dates_weekday_is_the_latest_such_day_not_after_today(today: date, name: str) -> None:
    day = parse_day(name, today)
    assert f"{day:%a}".lower() == name
    assert today - timedelta(days=6) <= day <= today


@given(st.text(max_size=20), st.dates())
def test_dates_anything_else_is_a_date_error_never_another_exception(
    text: str, today: date
) -> None:
    try:
        day = parse_day(text, today)
    except DateError:
        return
    assert isinstance(day, date)


def test_dates_range() -> None:
    assert parse_range("21.12.2026..6.1.2027", TODAY) == (date(2026, 12, 21), date(2027, 1, 6))
    assert parse_range("13.11...14.11.", TODAY) == (date(2026, 11, 13), date(2026, 11, 14))
    assert parse_range("2026-12-24", TODAY) == (date(2026, 12, 24), date(2026, 12, 24))
    with pytest.raises(DateError, match="ends before it starts"):
        parse_range("2026-12-24..2026-12-21", TODAY)
    with pytest.raises(DateError):
        parse_range("2026-12-24..", TODAY)
