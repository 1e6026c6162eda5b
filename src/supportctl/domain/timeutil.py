"""UTC ISO-8601 text at the storage edge, aware datetimes inside."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


def to_utc_text(moment: datetime) -> str:
    """Aware datetime -> '2026-10-14T07:10:00Z' (seconds precision)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must carry a zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_utc_text(text: str) -> datetime:
    """'2026-10-14T07:10:00Z' -> aware UTC datetime (fromisoformat: 10x faster than strptime)."""
    if not text.endswith("Z"):
        raise ValueError(f"not a stored UTC time: {text!r}")
    return datetime.fromisoformat(text).astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    """The time zone named in the config or on a customer ('Europe/Helsinki').

    The one place a zone is looked up by name; `zoneinfo` is imported on first use, so
    a command that shows no local time does not pay for it.
    """
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
