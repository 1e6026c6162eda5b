"""Rota: ISO weeks incl. week 53, order from the start week, swaps, absences, owner."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supportctl.domain.calendar import BusinessCalendar
from supportctl.domain.rota import (
    IsAbsent,
    Rota,
    absence_checker,
    absent_days,
    duty_for_week,
    owner_for,
    parse_week,
    week_name,
    weeks,
)

HEL = ZoneInfo("Europe/Helsinki")
CAL = BusinessCalendar.build("Europe/Helsinki", holidays={date(2026, 12, 24), date(2026, 12, 25)})
NOBODY_AWAY = absence_checker({})
ROTA = Rota(("alice", "bob", "carol"), parse_week("2026-W48"), {})


def test_rota_parse_week_and_week_53() -> None:
    assert parse_week("2026-W48") == date(2026, 11, 23)
    assert parse_week("2026-W53") == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert week_name(date(2027, 1, 3)) == "2026-W53"
    assert week_name(date(2027, 1, 4)) == "2027-W01"


@pytest.mark.parametrize("bad", ["2026-W54", "2027-W53", "2026-W00", "next week", "2026-48"])
def test_rota_parse_week_refuses_nonsense(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_week(bad)


def test_rota_order_repeats_from_start_across_the_year_boundary() -> None:
    names = [
        (d.name, d.person, d.reason) for d in weeks(ROTA, date(2026, 11, 23), 7, CAL, NOBODY_AWAY)
    ]
    assert names == [
        ("2026-W48", "alice", "regular"),
        ("2026-W49", "bob", "regular"),
        ("2026-W50", "carol", "regular"),
        ("2026-W51", "alice", "regular"),
        ("2026-W52", "bob", "regular"),
        ("2026-W53", "carol", "regular"),
        ("2027-W01", "alice", "regular"),
    ]


def test_rota_swap_wins() -> None:
    rota = Rota(ROTA.order, ROTA.start, {parse_week("2026-W50"): "dave"})
    assert duty_for_week(rota, parse_week("2026-W50"), CAL, NOBODY_AWAY).person == "dave"
    assert duty_for_week(rota, parse_week("2026-W50"), CAL, NOBODY_AWAY).reason == "swap"


def test_rota_absent_on_one_business_day_skips_the_whole_week() -> None:
    away = absence_checker({"bob": [(date(2026, 12, 4), date(2026, 12, 4))]})  # Friday of W49
    duty = duty_for_week(ROTA, parse_week("2026-W49"), CAL, away)
    assert (duty.person, duty.reason) == ("carol", "absence: bob away")


def test_rota_absence_on_a_holiday_or_weekend_does_not_skip() -> None:
    away = absence_checker(
        {
            "carol": [
                (date(2026, 12, 24), date(2026, 12, 27)),
                (date(2026, 12, 19), date(2026, 12, 20)),
            ]
        }
    )
    # W52: 21-27 Dec; 24/25 are holidays, 26/27 the weekend -> carol is there every business day
    rota = Rota(("carol",), parse_week("2026-W52"), {})
    assert duty_for_week(rota, parse_week("2026-W52"), CAL, away).person == "carol"


def test_rota_everyone_absent_and_empty() -> None:
    away = absence_checker({h: [(date(2026, 11, 23), date(2026, 11, 23))] for h in ROTA.order})
    assert duty_for_week(ROTA, parse_week("2026-W48"), CAL, away).person is None
    assert duty_for_week(ROTA, parse_week("2026-W48"), CAL, away).reason == "everyone absent"
    empty = Rota((), None, {})
    assert duty_for_week(empty, parse_week("2026-W48"), CAL, NOBODY_AWAY).reason == "no rota"


def test_rota_owner_sunday_night_goes_to_next_week() -> None:
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=HEL)  # Sunday of W48
    assert owner_for(sunday_night, ROTA, CAL, NOBODY_AWAY).person == "bob"
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=HEL)
    assert owner_for(friday, ROTA, CAL, NOBODY_AWAY).person == "alice"
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=HEL)
    assert owner_for(friday_evening, ROTA, CAL, NOBODY_AWAY).person == "bob"


def test_rota_owner_after_christmas_holidays() -> None:
    # Wed 23 Dec 2026 18:00: 24/25 closed, next business moment is Mon 28 Dec (W53)
    arrival = datetime(2026, 12, 23, 18, 0, tzinfo=HEL)
    assert owner_for(arrival, ROTA, CAL, NOBODY_AWAY).name == "2026-W53"


def test_rota_swap_onto_someone_away_or_gone_does_not_stand() -> None:
    w50, w51, w01 = date(2026, 12, 7), date(2026, 12, 14), date(2027, 1, 4)
    rota = Rota(
        ("alice", "bob", "carol"),
        parse_week("2026-W48"),
        {w50: "dave", w51: "dave", w01: "erik"},
        forced=frozenset({w51}),
        gone=frozenset({"erik", "alice"}),
    )
    friday_off = absence_checker({"dave": [(date(2026, 12, 11), date(2026, 12, 11))]})
    sunday_off = absence_checker({"dave": [(date(2026, 12, 13), date(2026, 12, 13))]})

    def duty(monday: date, away: IsAbsent) -> tuple[str | None, str]:
        d = duty_for_week(rota, monday, CAL, away)
        return d.person, d.reason

    assert duty(w50, friday_off) == ("carol", "swap set aside: dave away; regular")
    assert duty(w50, sunday_off) == ("dave", "swap")  # not a business day
    assert duty(w51, absence_checker({"dave": [(w51, w51)]})) == ("dave", "swap (forced)")
    # erik has left, and so has alice, next in the order: bob takes the week.
    assert duty(w01, NOBODY_AWAY) == ("bob", "swap set aside: erik left; absence: alice away")
    assert absent_days("dave", w50, CAL, friday_off) == [date(2026, 12, 11)]
