"""The business calendar: business hours, business days and holidays, in the agency's zone.

SLA clocks count business time only. Instead of walking minute by minute, every moment
maps to a *position*: the number of business seconds since a fixed Monday. The position
of the start of a day is arithmetic (whole weeks times business days, minus the
holidays before it, found by bisection), so "business minutes between a and b" costs
the same for two minutes and for two years, and "add N business minutes" is the inverse
of the position. All arithmetic on instants is done in UTC; wall-clock times are built
per local day with `zoneinfo`, which is what keeps DST changes right. With 24/7
coverage business time is simply elapsed time.

Assumption: business hours do not straddle a DST change (changes happen at night).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

_EPOCH = date(1970, 1, 5)  # a Monday: weekday of _EPOCH + i is i % 7
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hours(text: str) -> tuple[time, time]:
    """'09:00-17:00' -> (09:00, 17:00); '24:00' is accepted as the end of the day."""
    start_text, end_text = text.split("-")
    start = time.fromisoformat(start_text)
    end = time(23, 59, 59, 999999) if end_text == "24:00" else time.fromisoformat(end_text)
    if end <= start:
        raise ValueError(f"business hours '{text}' end before they start")
    return start, end


@dataclass(frozen=True)
class BusinessCalendar:
    """Business hours on business weekdays minus holidays, or 24/7 (`always`)."""

    zone: tzinfo
    opens: time = time(9)
    closes: time = time(17)
    weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    always: bool = False
    _sorted: tuple[date, ...] = field(default=(), init=False, repr=False, compare=False)
    _day_seconds: int = field(default=0, init=False, repr=False, compare=False)
    _before: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    # Derived values kept for repeated use (the 24/7 twin, the last `start` position):
    # a queue of thousands of clocks asks for the same ones again and again.
    _memo: dict[object, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not self.always and not self.weekdays:
            raise ValueError("a business calendar needs at least one business weekday")
        closed = tuple(sorted(d for d in self.holidays if d.weekday() in self.weekdays))
        object.__setattr__(self, "_sorted", closed)
        seconds = (
            datetime.combine(_EPOCH, self.closes) - datetime.combine(_EPOCH, self.opens)
        ).total_seconds()
        object.__setattr__(self, "_day_seconds", int(seconds))
        # _before[r]: business weekdays among the first r days of a week (from Monday).
        before = tuple(sum(1 for i in range(r) if i in self.weekdays) for r in range(8))
        object.__setattr__(self, "_before", before)

    @classmethod
    def build(
        cls,
        zone: str,
        hours: str = "09:00-17:00",
        days: Iterable[str] = ("mon", "tue", "wed", "thu", "fri"),
        holidays: Iterable[date] = (),
        *,
        always: bool = False,
    ) -> BusinessCalendar:
        opens, closes = parse_hours(hours)
        return cls(
            zone=ZoneInfo(zone),
            opens=opens,
            closes=closes,
            weekdays=frozenset(_DAY_NAMES.index(d) for d in days),
            holidays=frozenset(holidays),
            always=always,
        )

    def with_always(self, always: bool) -> BusinessCalendar:
        """The same calendar with 24/7 coverage switched on or off."""
        if always == self.always:
            return self
        twin = self._memo.get("twin")
        if twin is None:
            twin = BusinessCalendar(
                self.zone, self.opens, self.closes, self.weekdays, self.holidays, always
            )
            self._memo["twin"] = twin
        return twin

    # -- days -----------------------------------------------------------------
    @property
    def minutes_per_day(self) -> int:
        """Business minutes in one business day: 480 for 09-17, 1440 for 24/7."""
        return 1440 if self.always else self._day_seconds // 60

    def is_business_day(self, day: date) -> bool:
        if self.always:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def business_days_of_week(self, monday: date) -> list[date]:
        """The business days of the ISO week starting on `monday`."""
        days = (monday + timedelta(days=i) for i in range(7))
        return [d for d in days if self.is_business_day(d)]

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _opening(self, day: date) -> datetime:
        return datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)

    def _closing(self, day: date) -> datetime:
        return datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)

    # -- positions ---------------------------------------------------------------
    def _weekdays_before(self, day: date) -> int:
        weeks, rest = divmod((day - _EPOCH).days, 7)
        return weeks * len(self.weekdays) + self._before[rest]

    def _day_start(self, day: date) -> int:
        """Business seconds from the epoch to the opening of `day`."""
        open_days = self._weekdays_before(day) - bisect_left(self._sorted, day)
        return open_days * self._day_seconds

    def _day(self, day: date) -> tuple[int, bool]:
        """`_day_start(day)` and whether `day` is a business day, kept per day (the
        moments of a month's tickets fall on a few dozen days)."""
        known = self._memo.get(day)
        if known is None:
            known = (self._day_start(day), self.is_business_day(day))
            self._memo[day] = known
        return known

    def _position(self, moment: datetime) -> float:
        if self.always:
            return moment.timestamp()
        local = moment.astimezone(self.zone)
        base, open_day = self._day(local.date())
        if not open_day:
            return base
        # local wall time since the opening, on the same day (no datetime arithmetic)
        opens = self.opens
        into = (
            (local.hour - opens.hour) * 3600
            + (local.minute - opens.minute) * 60
            + (local.second - opens.second)
            + (local.microsecond - opens.microsecond) / 1_000_000
        )
        return base + min(max(float(into), 0.0), float(self._day_seconds))

    def _from_position(self, target: float, not_before: date) -> datetime:
        day = not_before
        while True:
            if self.is_business_day(day):
                start = self._day_start(day)
                if start + self._day_seconds >= target:
                    offset = max(target - start, 0.0)
                    wall = datetime.combine(day, self.opens) + timedelta(seconds=offset)
                    return wall.replace(tzinfo=self.zone).astimezone(UTC)
            day += timedelta(days=1)

    # -- public arithmetic -------------------------------------------------------
    def is_open(self, moment: datetime) -> bool:
        """Inside business hours (opening inclusive, closing exclusive)."""
        if self.always:
            return True
        day = self.local_date(moment)
        return self.is_business_day(day) and self._opening(day) <= moment < self._closing(day)

    def next_business_moment(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the next opening (UTC)."""
        if self.is_open(moment):
            return moment.astimezone(UTC)
        day = self.local_date(moment)
        if self.is_business_day(day) and moment < self._opening(day):
            return self._opening(day)
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return self._opening(day)

    def add_minutes(self, moment: datetime, minutes: int) -> datetime:
        """`moment` plus `minutes` of business time (minutes >= 0); the result is UTC."""
        if minutes < 0:
            raise ValueError("add_minutes takes a non-negative number of minutes")
        if self.always:
            return (moment + timedelta(minutes=minutes)).astimezone(UTC)
        if minutes == 0:
            return self.next_business_moment(moment)
        target = self._position(moment) + minutes * 60
        return self._from_position(target, self.local_date(moment))

    def add_days(self, moment: datetime, days: int) -> datetime:
        """`moment` plus N full business days of business time (8 h each with 09-17)."""
        return self.add_minutes(moment, days * self.minutes_per_day)

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Business minutes from `start` to `end`; negative when `end` is earlier."""
        last = self._memo.get("start")  # the clocks of a queue all start from `now`
        if last is not None and last[0] == start:
            begin = last[1]
        else:
            begin = self._position(start)
            self._memo["start"] = (start, begin)
        seconds = self._position(end) - begin
        whole = int(abs(seconds) // 60)
        return whole if seconds >= 0 else -whole

    def end_of_business_day(self, moment: datetime) -> datetime:
        """The close of the business day on which `moment` is (or next) handled."""
        if self.always:
            local = moment.astimezone(self.zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(0), self.zone)
            return midnight.astimezone(UTC)
        start = self.next_business_moment(moment)
        return self._closing(self.local_date(start))
