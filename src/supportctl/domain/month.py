"""A calendar month, parsed once at the edge ('2026-10') and passed on as a typed value.

`Month` is a `str` (its text is the canonical 'YYYY-MM'), so it goes wherever a month
string went: SQL parameters, JSON, file names, cache keys. Code that needs the parts
reads `.year` / `.number` instead of splitting the text again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo


class Month(str):
    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-10' (or a Month) -> Month; ValueError for anything else."""
        if isinstance(text, Month):
            return text
        year_text, sep, month_text = text.strip().partition("-")
        if not sep or len(year_text) != 4 or "-" in month_text:
            raise ValueError(f"month '{text}' must look like 2026-10")
        try:
            year, number = int(year_text), int(month_text)
        except ValueError:
            raise ValueError(f"month '{text}' must look like 2026-10") from None
        if not 1 <= number <= 12:
            raise ValueError(f"month '{text}' must look like 2026-10")
        return cls.of(year, number)

    @classmethod
    def of(cls, year: int, number: int) -> Month:
        return cls(f"{year:04d}-{number:02d}")

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def number(self) -> int:
        return int(self[5:7])

    def previous(self) -> Month:
        year, number = self.year, self.number
        return Month.of(year - 1, 12) if number == 1 else Month.of(year, number - 1)

    def next(self) -> Month:
        year, number = self.year, self.number
        return Month.of(year + 1, 1) if number == 12 else Month.of(year, number + 1)

    def first_day(self) -> date:
        return date(self.year, self.number, 1)

    def last_day(self) -> date:
        return self.next().first_day() - timedelta(days=1)

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) of the month as local midnight in `zone`."""
        following = self.next()
        return (
            datetime(self.year, self.number, 1, tzinfo=zone),
            datetime(following.year, following.number, 1, tzinfo=zone),
        )
