"""`Month`: parsed once at the edge, a `str` everywhere after, one parser for every layer."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.month import Month
from supportctl.errors import InputError
from supportctl.services import timebase


def _reference(text: str) -> tuple[int, int] | None:
    """What a month was before Month (the parser it replaced, kept as the spec)."""
    try:
        year_text, month_text = text.strip().split("-")
        year, month = int(year_text), int(month_text)
        if len(year_text) != 4 or not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        return None
    return year, month


def _parsed(text: str) -> tuple[int, int] | None:
    try:
        value = Month.parse(text)
    except ValueError:
        return None
    return value.year, value.number


@given(st.text(alphabet="0123456789-+_ x", max_size=12))
def test_month_accepts_what_the_old_parser_accepted(text: str) -> None:
    assert _parsed(text) == _reference(text)


@given(st.integers(1000, 9999), st.integers(1, 12))
def test_a_month_is_its_canonical_text(year: int, number: int) -> None:
    value = Month.parse(f"{year}-{number}")
    assert value == f"{year:04d}-{number:02d}" and isinstance(value, str)
    assert Month.parse(value) is value  # parsed once: a Month passes through
    assert value.next().previous() == value
    assert value.first_day() == date(year, number, 1)
    assert (value.next().first_day() - value.last_day()).days == 1


def test_the_edge_says_one_clear_line() -> None:
    with pytest.raises(InputError, match="month '2026-13' must look like 2026-10"):
        timebase.month("2026-13")
    assert timebase.previous_month("2026-01") == "2025-12"
    assert timebase.next_month("2026-12") == "2027-01"
    assert timebase.month_bounds("2026-10", "Europe/Helsinki") == (
        "2026-09-30T21:00:00Z",
        "2026-10-31T22:00:00Z",
    )
    start, end = Month.parse("2026-03").bounds(ZoneInfo("Europe/Prague"))
    assert (start.isoformat(), end.isoformat()) == (
        "2026-03-01T00:00:00+01:00",
        "2026-04-01T00:00:00+02:00",
    )
