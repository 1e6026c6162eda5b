"""Parsing durations and clock times people type: 25m, 1h30, 1h 30m, 1:30, 90 (minutes), 2h.

Work is billed per minute, so every duration is a whole number of minutes; a timer's
seconds are dropped, never rounded up (12 min 59 s is 12 minutes).
"""

from __future__ import annotations

import re
from datetime import datetime

_SOURCES = (
    r"(?P<m>\d+)\s*(m|min|mins|minutes?)?",
    r"(?P<h>\d+)\s*(h|hr|hrs|hours?)\s*(?:(?P<m>\d+)\s*(m|min|mins|minutes?)?)?",
    r"(?P<h>\d+):(?P<m>[0-5]\d)",
    r"(?P<h>\d+(?:[.,]\d+))\s*(h|hr|hrs|hours?)",
)
_PATTERNS: list[re.Pattern[str]] = []  # compiled on first use: `log` starts faster
_CLOCK = r"(?P<h>[01]?\d|2[0-3])[:.]?(?P<m>[0-5]\d)"


def _compile() -> None:
    if not _PATTERNS:
        _PATTERNS.extend(re.compile(source) for source in _SOURCES)


def parse_duration(text: str) -> int:
    """Minutes in `text`; ValueError with a readable message otherwise (zero allowed here)."""
    cleaned = text.strip().lower()
    # The everyday forms ('25m', '90') need no regular expression.
    if cleaned.isascii():
        if cleaned.isdigit():
            return int(cleaned)
        if cleaned[-1:] == "m" and cleaned[:-1].isdigit():
            return int(cleaned[:-1])
    _compile()
    for pattern in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if not match:
            continue
        groups = match.groupdict()
        hours_text = groups.get("h")
        minutes = int(groups["m"]) if groups.get("m") else 0
        if hours_text and ("." in hours_text or "," in hours_text):
            from decimal import Decimal

            total = Decimal(hours_text.replace(",", ".")) * 60
            if total != total.to_integral_value():
                raise ValueError(f"'{text}' is not a whole number of minutes")
            return int(total)
        if hours_text and groups.get("m") and ":" not in cleaned and minutes >= 60:
            raise ValueError(f"'{text}': minutes after hours must be below 60")
        return int(hours_text or 0) * 60 + minutes
    raise ValueError(f"'{text}' is not a duration; use 25m, 1h30, 1h 30m, 1:30 or 90")


def parse_clock(text: str) -> tuple[int, int] | None:
    """'09:10', '9:10', '9.10' or '0910' -> (9, 10); None when `text` is not a time of day."""
    match = re.fullmatch(_CLOCK, text.strip())
    if match is None:
        return None
    return int(match["h"]), int(match["m"])


def whole_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end`, seconds dropped (never rounded up)."""
    seconds = int((end - start).total_seconds())
    return seconds // 60 if seconds >= 0 else -((-seconds) // 60)


def format_minutes(minutes: int) -> str:
    """90 -> '1h 30m', 25 -> '25m', 120 -> '2h'."""
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(minutes), 60)
    if hours and mins:
        return f"{sign}{hours}h {mins:02d}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{mins}m"
