"""The one parser for days people type, used by every command that takes a date.

Strict on purpose: a date that could be read two ways (`11/03/2026`), a day without a
month, or a number that only looks like a date (`-5`, `12.10`) is refused with the forms
that are accepted, never guessed. The accepted forms are ISO (`2026-11-13`), the
day-first local forms (`13.11.2026`, `13.11.`, `13. 11. 2026`), `today`, `yesterday`
and a weekday name (`monday`, `mon`: the latest such day, today included). A day-first
date without a year is in the current year. `today` comes in as an argument: no clock
is read here.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

ACCEPTED = "2026-11-13, 13.11.2026, 13.11., today, yesterday or a weekday name such as monday"

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
# Day and month end with a dot each; the year is optional and has four digits.
_LOCAL = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})?", re.ASCII)
_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}


class DateError(ValueError):
    """A day that is not in one of the accepted forms, or does not exist."""


def parse_day(text: str, today: date) -> date:
    """The day `text` names, relative to `today` where it needs one; DateError otherwise."""
    cleaned = text.strip().lower()
    if cleaned == "today":
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    weekday = _WEEKDAYS.get(cleaned)
    if weekday is not None:
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    match = _ISO.fullmatch(cleaned)
    if match is not None:
        year, month, day = (int(g) for g in match.groups())
        return _exists(text, year, month, day)
    match = _LOCAL.fullmatch(cleaned)
    if match is not None:
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else today.year
        return _exists(text, year, month, day)
    raise DateError(f"'{text}' is not a date; write {ACCEPTED}")


def _exists(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"'{text}' is not a day of the calendar; write {ACCEPTED}") from None


def parse_range(text: str, today: date) -> tuple[date, date]:
    """'FIRST..LAST' (each in a form `parse_day` reads) or one day; DateError if reversed."""
    first_text, sep, last_text = text.rpartition("..")
    if not sep:
        day = parse_day(text, today)
        return day, day
    first, last = parse_day(first_text, today), parse_day(last_text, today)
    if last < first:
        raise DateError(f"'{text}' ends before it starts")
    return first, last
