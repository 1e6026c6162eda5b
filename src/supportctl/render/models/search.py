"""The view models `services/search.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    id: int
    subject: str
    customer: str | None
    status: str
    at: str
    source: str  # "subject" | "message" | "note"
    snippet: str  # matches wrapped in domain.snippets.MARK_START / MARK_END
