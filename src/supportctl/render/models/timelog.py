"""The view models `services/timelog.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class Logged(NamedTuple):
    """What `log add` and `log stop` report back."""

    id: int
    uuid: str
    minutes: int
    start_at: datetime
    end_at: datetime
    person: str
    ticket: int | None
    customer: str
    description: str


class Timer(NamedTuple):
    person: str
    ticket: int | None
    customer: str
    description: str
    started_at: datetime
    minutes: int  # whole minutes so far
