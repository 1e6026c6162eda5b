"""The view models `services/mailadmin.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One quarantined message, for `fetch --problems`."""

    id: int
    origin: str
    size: int
    error: str
    attempts: int
    first_seen: str
    last_tried: str
