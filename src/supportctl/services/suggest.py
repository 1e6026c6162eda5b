"""Suggestions from the knowledge base: what `ticket show` ends with and `kb suggest` lists.

The ticket's subject and first customer message become a set of folded word stems
(domain/kb.py), ranked by the full-text index (store/kb_search.py, bm25) against
articles and resolved tickets; a candidate is shown only with at least two of the
ticket's words and one of them in its title (or three anywhere), with those words as
its reason. Articles in the ticket's language come first, one per translation group.

`ticket show` imports this module on every run, so it stays small: plain classes
(a dataclass costs about a millisecond of start-up to build) and no editor, export or
article-editing code.
"""

from __future__ import annotations

from collections.abc import Callable

from supportctl.domain import kb as rules
from supportctl.errors import InputError
from supportctl.render.models.suggest import Suggestion, TicketKb
from supportctl.store import articles as article_store
from supportctl.store import kb_search
from supportctl.store.db import Row, Store


def require_ticket(
    store: Store, ticket_id: int, ahead: Callable[[], Row | None] | None = None
) -> Row:
    """The ticket a number stands for now (merges followed), as `articles.ticket_head`
    (`ahead`: that read for `ticket_id` itself, sent already)."""
    from supportctl.store import tickets as ticket_store

    row = ahead() if ahead is not None else None
    if row is not None and row["merged_into"] is None:
        return row
    real = ticket_store.resolve_id(store, ticket_id)
    row = article_store.ticket_head(store, real) if real is not None else None
    if row is None:
        raise InputError(f"no ticket #{ticket_id}", hint="see `supportctl inbox --all`")
    return row


def question(head: Row) -> str:
    """The customer's question: the first mail in, or a hand-made ticket's first note."""
    if head["question"] is not None:
        return str(head["question"])
    if head["first_note"]:
        import json

        return str(json.loads(head["first_note"]).get("text") or "")
    return ""


def suggest(store: Store, ticket_id: int, *, articles: int = 3, tickets: int = 3) -> TicketKb:
    """Articles and similar resolved tickets for a ticket, best first; only relevant ones."""
    return suggest_later(store, ticket_id, articles=articles, tickets=tickets)()


def suggest_later(
    store: Store, ticket_id: int, *, articles: int = 3, tickets: int = 3
) -> Callable[[], TicketKb]:
    """`suggest` when called; what needs only the ticket number is sent now (with the
    command's next read on a server)."""
    # Reads go to a server in two batches: what needs only the ticket number, then the
    # two rankings with their rows (SQLite runs each when it is asked for).
    head_ahead = article_store.ticket_head_later(store, ticket_id)
    written_ahead = article_store.for_ticket_later(store, ticket_id)
    floor = kb_search.solved_floor_later(store) if tickets > 0 else None
    return lambda: _suggest(store, ticket_id, articles, tickets, head_ahead, written_ahead, floor)


def _suggest(
    store: Store,
    ticket_id: int,
    articles: int,
    tickets: int,
    head_ahead: Callable[[], Row | None],
    written_ahead: Callable[[], list[Row]],
    floor: Callable[[], int] | None,
) -> TicketKb:
    head = require_ticket(store, ticket_id, head_ahead)
    real = int(head["id"])
    text = question(head)
    subject = head["subject"] or ""
    lang = rules.ticket_language(head["locale"], f"{subject}\n{text}")
    written_rows = written_ahead() if real == ticket_id else article_store.for_ticket(store, real)
    written = [(int(r["id"]), r["title"]) for r in written_rows]
    found = rules.terms([subject, text[:3000]])
    match = rules.fts_query(found)
    if match is None:
        return TicketKb(real, lang, written, [], [])
    # the rankings with their rows: one batch on a server (SQLite reads the rows after)
    ranked_articles = (
        kb_search.rank_articles_with_rows_later(store, match, max(articles * 4, 12))
        if articles > 0
        else None
    )
    ranked_tickets = (
        kb_search.rank_solved_with_rows_later(store, match, real, max(tickets * 4, 12), floor())
        if floor is not None
        else None
    )
    article_rows = ranked_articles() if ranked_articles is not None else None
    ticket_rows = ranked_tickets() if ranked_tickets is not None else None
    return TicketKb(
        real,
        lang,
        written,
        _articles(found, lang, articles, *article_rows) if article_rows else [],
        _tickets(found, lang, tickets, *ticket_rows) if ticket_rows else [],
    )


def _articles(
    found: list[rules.Term],
    lang: str,
    limit: int,
    ranked: list[tuple[int, float]],
    rows_later: Callable[[], dict[int, Row]],
) -> list[Suggestion]:
    rows = rows_later()
    candidates = []
    for article_id, relevance in ranked:
        row = rows.get(article_id)
        if row is None:
            continue
        hit = rules.matched(found, f"{row['title']}\n{row['body']}")
        if rules.is_relevant(hit, rules.matched(found, row["title"])):
            candidates.append((row, relevance, hit))
    candidates.sort(key=lambda c: (c[0]["lang"] != lang, -c[1]))
    chosen: list[Suggestion] = []
    groups: set[int] = set()
    for row, relevance, hit in candidates:
        group = int(row["translation_of"] or row["id"])
        if group in groups:
            continue
        groups.add(group)
        chosen.append(
            Suggestion(
                "article",
                int(row["id"]),
                row["title"],
                row["lang"],
                relevance,
                hit,
                row["visibility"],
            )
        )
        if len(chosen) >= limit:
            break
    return chosen


def _tickets(
    found: list[rules.Term],
    lang: str,
    limit: int,
    ranked: list[tuple[int, float]],
    heads_later: Callable[[], dict[int, Row]],
) -> list[Suggestion]:
    heads = heads_later()
    candidates = []
    for other, relevance in ranked:
        row = heads.get(other)
        if row is None:
            continue
        hit = rules.matched(found, f"{row['subject']}\n{row['body']}")
        if rules.is_relevant(hit, rules.matched(found, row["subject"])):
            other_lang = rules.ticket_language(row["locale"], f"{row['subject']}\n{row['body']}")
            candidates.append((row, relevance, hit, other_lang))
    candidates.sort(key=lambda c: (c[3] != lang, -c[1]))
    return [
        Suggestion(
            "ticket", int(row["id"]), row["subject"], other_lang, relevance, hit, row["status"]
        )
        for row, relevance, hit, other_lang in candidates[:limit]
    ]
