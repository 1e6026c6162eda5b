"""`supportctl search`: full-text search over ticket subjects, mail and notes.

The tokenizer folds diacritics (`unicode61 remove_diacritics 2`), so "vypadek" finds
"výpadek". The words typed are each quoted for FTS5 (every word must occur, no query
syntax to trip over); a trailing `*` keeps prefix search. Each source is read newest
first up to a bound, hits are merged by time and folded to one row per ticket.
"""

from __future__ import annotations

from collections.abc import Callable

from supportctl.errors import InputError
from supportctl.render.models.search import Hit
from supportctl.store import search as search_store
from supportctl.store.db import QueryError, Row, Store


def to_match(text: str) -> str:
    """User words -> an FTS5 query: every word must occur; 'word*' is a prefix."""
    words = []
    for raw in text.split():
        prefix = raw.endswith("*")
        word = raw.rstrip("*").replace('"', "")
        if not word:
            continue
        words.append(f'"{word}"' + ("*" if prefix else ""))
    if not words:
        raise InputError(
            "nothing to search for; give one or more words",
            hint='supportctl search "lomake ei toimi"',
        )
    return " ".join(words)


def search(store: Store, text: str, *, customer: str | None = None, limit: int = 50) -> list[Hit]:
    """Tickets matching every word, newest hit first, one row per ticket."""
    return search_staged(store, text, customer=customer, limit=limit)()()


def search_staged(
    store: Store, text: str, *, customer: str | None = None, limit: int = 50
) -> Callable[[], Callable[[], list[Hit]]]:
    """`search` in two steps a caller can interleave with other reads (each step's reads
    go to a server together with theirs): the matches are sent now; the first call
    reads them and sends the snippets' reads; the second returns the hits."""
    match = to_match(text)
    customer_id = None
    if customer is not None:
        from supportctl.store import customers as customer_store

        cust = customer_store.get_by_slug(store, customer)
        if cust is None:
            raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
        customer_id = cust.id
    # Mail threads put many hits on one ticket: read enough matches per source to fill
    # `limit` tickets in the common case, still a fixed bound whatever the history.
    bounds = {"subject": limit, "message": limit * 10, "note": limit * 2}
    try:
        found = [
            (source, search_store.hits_later(store, source, match, customer_id, bounds[source]))
            for source in search_store.SOURCES
        ]
    except QueryError as exc:
        raise InputError(f"cannot search for '{text}': {exc}") from None
    return lambda: _snippets_sent(store, text, match, customer_id, limit, found)


def _snippets_sent(
    store: Store,
    text: str,
    match: str,
    customer_id: int | None,
    limit: int,
    found: list[tuple[str, Callable[[], list[Row]]]],
) -> Callable[[], list[Hit]]:
    try:
        rows = [(r, source) for source, later in found for r in later()]
    except QueryError as exc:
        raise InputError(f"cannot search for '{text}': {exc}") from None
    rows.sort(key=lambda item: item[0]["at"], reverse=True)
    heads = search_store.heads_of_hits(store, [r for r, _s in rows])
    merged = [int(h["merged_into"]) for h in heads.values() if h["merged_into"] is not None]
    heads.update(search_store.ticket_heads(store, [m for m in merged if m not in heads]))
    chosen: list[tuple[Row, str, Row]] = []
    seen: set[int] = set()
    for r, source in rows:
        head = heads.get(int(r["ticket_id"]))
        if head is None:
            continue
        if head["merged_into"] is not None and int(head["merged_into"]) in heads:
            head = heads[int(head["merged_into"])]
        if int(head["id"]) in seen:
            continue
        seen.add(int(head["id"]))
        chosen.append((r, source, head))
        if len(chosen) >= limit:
            break
    pending = {
        source: search_store.snippets_later(
            store,
            source,
            match,
            [int(r["rowid"]) for r, s, _h in chosen if s == source],
            customer_id=customer_id,
        )
        for source in search_store.SOURCES
    }
    return lambda: _hits(chosen, {source: later() for source, later in pending.items()})


def _hits(chosen: list[tuple[Row, str, Row]], texts: dict[str, dict[int, str]]) -> list[Hit]:
    return [
        Hit(
            int(head["id"]),
            head["subject"],
            head["customer"],
            head["status"],
            r["at"],
            source,
            texts[source].get(int(r["rowid"]), ""),
        )
        for r, source, head in chosen
    ]
