from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.durations import format_minutes, parse_duration
from supportctl.domain.money import format_plain, parse_amount, round_half_up


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("25m", 25),
        ("25", 25),
        ("90", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1:30", 90),
        ("2h", 120),
        ("1.5h", 90),
        ("0:05", 5),
        ("15 min", 15),
        ("1h", 60),
    ],
)
def test_parse_duration(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "1h70", "1:75", "-5m", "1.33h", "h30"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=24 * 60 * 3))
def test_format_then_parse_roundtrips(minutes):
    assert parse_duration(format_minutes(minutes).replace(" ", "")) == minutes


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=59))
def test_hour_minute_forms_agree(hours, mins):
    assert (
        parse_duration(f"{hours}h{mins:02d}")
        == parse_duration(f"{hours}:{mins:02d}")
        == hours * 60 + mins
    )


@pytest.mark.parametrize(
    "text, currency, minor",
    [
        ("60.00", "EUR", 6000),
        ("60", "EUR", 6000),
        ("60,5", "EUR", 6050),
        ("1 500", "CZK", 150000),
        ("0.01", "EUR", 1),
    ],
)
def test_parse_amount(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize("text", ["1.234", "abc", "NaN", "Infinity", ""])
def test_parse_amount_rejects(text):
    with pytest.raises(ValueError):
        parse_amount(text, "EUR")


@pytest.mark.parametrize("text", [str(2**63), "-" + str(2**63), "1e30", "10000000000.01"])
def test_parse_amount_refuses_amounts_too_large_to_store(text):
    with pytest.raises(ValueError, match="too large"):
        parse_amount(text, "EUR")
    assert parse_amount("10000000000.00", "EUR") == 10**12


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_amount_roundtrip_never_float(value):
    minor = parse_amount(str(value), "EUR")
    assert isinstance(minor, int)
    assert format_plain(minor, "EUR") == f"{value:.2f} EUR"


def test_round_half_up():
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.49")) == 2
    assert round_half_up(Decimal("-2.5")) == -3
