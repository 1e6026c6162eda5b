"""Duration and clock parsing for `log`: every documented form, properties over all inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.durations import format_minutes, parse_clock, parse_duration, whole_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("25m", 25),
        ("25 min", 25),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1h30m", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("90", 90),
        ("2h", 120),
        ("1.5h", 90),
        ("1,25h", 75),
        (" 45M ", 45),
    ],
)
def test_parse_duration_documented_forms(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "1h60m", "1:75", "1.01h", "-5m", "5 m 3", "m", "1:5"])
def test_parse_duration_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=100_000))
def test_parse_duration_reads_back_format_minutes(minutes: int) -> None:
    assert parse_duration(format_minutes(minutes)) == minutes


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=59))
def test_parse_duration_hours_and_minutes_forms_agree(hours: int, mins: int) -> None:
    expected = hours * 60 + mins
    assert parse_duration(f"{hours}h{mins}") == expected
    assert parse_duration(f"{hours}h {mins}m") == expected
    assert parse_duration(f"{hours}:{mins:02d}") == expected
    assert parse_duration(str(expected)) == expected
    assert parse_duration(f"{expected}m") == expected


@given(st.text(max_size=12))
def test_parse_duration_never_crashes_and_is_never_negative(text: str) -> None:
    try:
        minutes = parse_duration(text)
    except ValueError:
        return
    assert minutes >= 0


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=0, max_value=2 * 24 * 3600),
)
def test_whole_minutes_drops_seconds_never_rounds_up(start: datetime, seconds: int) -> None:
    minutes = whole_minutes(start, start + timedelta(seconds=seconds))
    assert minutes == seconds // 60
    assert minutes * 60 <= seconds < (minutes + 1) * 60


def test_whole_minutes_twelve_fifty_nine_is_twelve() -> None:
    start = datetime(2026, 10, 14, 9, 0, 1, tzinfo=UTC)
    assert whole_minutes(start, start + timedelta(minutes=12, seconds=59)) == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:10", (9, 10)),
        ("9:10", (9, 10)),
        ("9.10", (9, 10)),
        ("0910", (9, 10)),
        ("23:59", (23, 59)),
        ("00:00", (0, 0)),
        ("24:00", None),
        ("9:60", None),
        ("noon", None),
        ("2026-10-14 09:10", None),
    ],
)
def test_parse_clock(text: str, expected: tuple[int, int] | None) -> None:
    assert parse_clock(text) == expected


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_parse_clock_reads_every_time_of_day(hour: int, minute: int) -> None:
    assert parse_clock(f"{hour:02d}:{minute:02d}") == (hour, minute)
    assert parse_clock(f"{hour}:{minute:02d}") == (hour, minute)
