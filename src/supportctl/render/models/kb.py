"""The view models `services/kb.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    id: int
    title: str
    body: str
    lang: str
    visibility: str
    tags: list[str]
    translation_of: int | None
    ticket_id: int | None
    created_by: str | None
    created_at: str
    changed_by: str | None
    changed_at: str
    uses: int = 0
    last_used_at: str | None = None
    translations: list[tuple[int, str, str]] = field(default_factory=list)  # id, lang, title
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def group(self) -> int:
        return self.translation_of or self.id


@dataclass(frozen=True)
class ArticleHit:
    id: int
    title: str
    lang: str
    visibility: str
    changed_at: str
    snippet: str  # matches between domain.snippets.MARK_START / MARK_END
