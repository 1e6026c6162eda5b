"""The view models `services/inbox.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportctl.domain.sla import Clock


@dataclass(slots=True)
class InboxRow:
    id: int
    subject: str
    requester: str
    customer: str | None
    status: str
    urgency: str
    kind: str
    classification: str
    is_triage: bool
    needs_approval: bool
    created_at: str
    updated_at: str
    messages: int
    extra: dict[str, Any]
    owner: str | None = None
    level: str = "standard"
    hours: str = "business"
    delegated: bool = False
    clock: Clock | None = None
    bounced: bool = False  # our last reply bounced and no reply went out since
    foreign_sender: bool = False


@dataclass
class Queue:
    """The inbox: rows in queue order (clocks on the rows shown), the total, warnings."""

    rows: list[InboxRow]
    total: int
    warnings: list[str] = field(default_factory=list)
