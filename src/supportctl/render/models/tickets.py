"""The view models `services/tickets.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supportctl.domain import sla


@dataclass(frozen=True)
class HistoryEvent:
    id: int
    at: str
    actor: str | None
    kind: str
    ticket_id: int
    data: dict[str, Any]


@dataclass(frozen=True)
class History:
    """Owner, level, SLA clock and every recorded event of a ticket (merged ones too)."""

    id: int
    owner: str | None
    level: str
    hours: str
    first_response_at: str | None
    due_response_at: str | None
    due_resolution_at: str | None
    paused_minutes: int
    merged_from: list[int]
    clock: sla.Clock
    events: list[HistoryEvent]
