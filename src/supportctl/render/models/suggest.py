"""The view models `services/suggest.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations


class Suggestion:
    """One suggested article or resolved ticket, with the ticket words it contains."""

    __slots__ = ("detail", "id", "kind", "lang", "relevance", "title", "words")

    def __init__(
        self,
        kind: str,  # "article" | "ticket"
        id: int,
        title: str,
        lang: str,
        relevance: float,  # bm25, for ordering only
        words: list[str],
        detail: str,  # visibility of an article, status of a ticket
    ) -> None:
        self.kind = kind
        self.id = id
        self.title = title
        self.lang = lang
        self.relevance = relevance
        self.words = words
        self.detail = detail

    @property
    def command(self) -> str:
        if self.kind == "article":
            return f"supportctl kb show {self.id}"
        return f"supportctl ticket show {self.id}"


class TicketKb:
    """What `ticket show` ends with: articles written from it, and suggestions."""

    __slots__ = ("articles", "lang", "ticket_id", "tickets", "written")

    def __init__(
        self,
        ticket_id: int,
        lang: str,
        written: list[tuple[int, str]],  # (article id, title)
        articles: list[Suggestion],
        tickets: list[Suggestion],
    ) -> None:
        self.ticket_id = ticket_id
        self.lang = lang
        self.written = written
        self.articles = articles
        self.tickets = tickets
