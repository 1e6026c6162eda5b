"""The knowledge base's full-text part (SQLite FTS5): article search and the ranking
behind suggestions.

Two FTS5 tables made by the `add_knowledge_base` migration and kept by triggers:
`articles_fts` (title, body; rowid = article id; removed articles leave it) and
`solved_fts` (subject, first customer message; rowid = ticket id; resolved and closed
tickets only). Both fold diacritics like `search` (`unicode61 remove_diacritics 2`).
Ranking is FTS5's bm25, title/subject weighted over body; this module returns the
relevance as a positive number (bm25 negated). Another engine replaces this module
only; what to search by is decided in `domain/kb.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from supportctl.domain.snippets import MARK_END, MARK_START
from supportctl.store import articles as article_store
from supportctl.store.db import Row, Store
from supportctl.store.search import pg_headlines_later, pg_query
from supportctl.store.search import unfold_rows as _unfolded

_SNIP = f"'{MARK_START}', '{MARK_END}', '…', 14"

# Fills `solved_fts` from the tickets (the migration does the same): for databases
# built by direct inserts, such as the benchmarks'.
REINDEX_SOLVED = (
    "INSERT INTO solved_fts (rowid, subject, body) SELECT t.id, t.subject, coalesce(("
    "SELECT substr(m.text_body, 1, 4000) FROM messages m WHERE m.ticket_id = t.id "
    "AND m.direction = 'in' ORDER BY m.arrived_at, m.id LIMIT 1), ("
    "SELECT substr(json_extract(e.data, '$.text'), 1, 4000) FROM events e "
    "WHERE e.ticket_id = t.id AND e.kind = 'ticket.note' ORDER BY e.id LIMIT 1), '') "
    "FROM tickets t WHERE t.status IN ('resolved', 'closed') AND t.merged_into IS NULL "
    "AND t.id NOT IN (SELECT rowid FROM solved_fts)"
)


def rank_articles(store: Store, match: str, limit: int) -> list[tuple[int, float]]:
    """(article id, relevance) of the best `limit` articles for an FTS5 query."""
    return rank_articles_later(store, match, limit)()


def rank_articles_later(
    store: Store, match: str, limit: int
) -> Callable[[], list[tuple[int, float]]]:
    """`rank_articles` when called, sent now (with the next statement on a server)."""
    if store.engine != "sqlite":
        return _pg_rank_later(store, "articles_fts", match, 0, limit)
    rows = store.prefetch(
        "SELECT rowid, bm25(articles_fts, 3.0, 1.0) AS score FROM articles_fts "
        "WHERE articles_fts MATCH ? ORDER BY score LIMIT ?",
        (match, limit),
    )
    return lambda: [(int(r[0]), -float(r[1])) for r in rows()]


Ranked = Callable[[], tuple[list[tuple[int, float]], Callable[[], dict[int, Row]]]]


def rank_articles_with_rows_later(store: Store, match: str, limit: int) -> Ranked:
    """`rank_articles` and the ranked articles' rows (`articles.get_many`), the ranking
    sent now: when called, (ranking, rows when called). SQLite reads the rows after the
    ranking; a server ranks and joins the rows in one statement."""
    if store.engine != "sqlite":
        query, params = pg_query(match)
        rows = store.prefetch(
            f"SELECT r.score AS score, {article_store.COLUMNS} FROM (SELECT rowid, "
            f"ts_rank(doc, {query}) AS score FROM articles_fts WHERE doc @@ {query} "
            "ORDER BY score DESC, rowid DESC LIMIT ?) r "
            "JOIN articles a ON a.id = r.rowid AND a.removed_at IS NULL "
            "ORDER BY r.score DESC, r.rowid DESC",
            [*params, *params, limit],
        )
        return lambda: _ranked_rows(rows(), None)
    ranked = rank_articles_later(store, match, limit)

    def read() -> tuple[list[tuple[int, float]], Callable[[], dict[int, Row]]]:
        got = ranked()
        return got, article_store.get_many_later(store, [i for i, _r in got])

    return read


def _ranked_rows(
    rows: list[Row], exclude: int | None, limit: int | None = None
) -> tuple[list[tuple[int, float]], Callable[[], dict[int, Row]]]:
    kept = [r for r in rows if int(r["id"]) != exclude][:limit]
    found = {int(r["id"]): r for r in kept}
    return [(int(r["id"]), float(r["score"])) for r in kept], lambda: found


# Similar resolved tickets are looked for among this many of the most recent ones: the
# cost of a suggestion then stays the same however long the desk's history grows.
SOLVED_WINDOW = 5_000


def rank_solved(
    store: Store, match: str, exclude: int, limit: int, window: int = SOLVED_WINDOW
) -> list[tuple[int, float]]:
    """(ticket id, relevance) of the best `limit` resolved tickets other than `exclude`,
    among the `window` most recently opened ones."""
    return rank_solved_later(store, match, exclude, limit, solved_floor_later(store, window)())()


def solved_floor_later(store: Store, window: int = SOLVED_WINDOW) -> Callable[[], int]:
    """The lowest ticket id among the `window` most recently opened resolved ones (0 if
    fewer), when called; the read is sent now."""
    rows = store.prefetch(
        "SELECT rowid FROM solved_fts ORDER BY rowid DESC LIMIT 1 OFFSET ?", (window - 1,)
    )
    return lambda: int(found[0][0] or 0) if (found := rows()) else 0


def rank_solved_later(
    store: Store, match: str, exclude: int, limit: int, floor: int
) -> Callable[[], list[tuple[int, float]]]:
    """`rank_solved` above `floor` (see `solved_floor_later`) when called, sent now."""
    if store.engine != "sqlite":
        ranked = _pg_rank_later(store, "solved_fts", match, floor, limit + 1)
        return lambda: [(i, r) for i, r in ranked() if i != exclude][:limit]
    rows = store.prefetch(
        "SELECT rowid, bm25(solved_fts, 2.0, 1.0) AS score FROM solved_fts "
        "WHERE solved_fts MATCH ? AND rowid >= ? ORDER BY score LIMIT ?",
        (match, floor, limit + 1),
    )
    return lambda: [(int(r[0]), -float(r[1])) for r in rows() if int(r[0]) != exclude][:limit]


def rank_solved_with_rows_later(
    store: Store, match: str, exclude: int, limit: int, floor: int
) -> Ranked:
    """`rank_solved_later` and the ranked tickets' rows (`solved_heads`), as
    `rank_articles_with_rows_later` does it."""
    if store.engine != "sqlite":
        query, params = pg_query(match)
        rows = store.prefetch(
            f"SELECT r.score AS score, {_SOLVED_HEAD} FROM (SELECT rowid, "
            f"ts_rank(doc, {query}) AS score FROM solved_fts WHERE doc @@ {query} "
            "AND rowid >= ? ORDER BY score DESC, rowid DESC LIMIT ?) r "
            f"JOIN tickets t ON t.id = r.rowid {_SOLVED_JOIN} "
            "ORDER BY r.score DESC, r.rowid DESC",
            [*params, *params, floor, limit + 1],
        )
        return lambda: _ranked_rows(rows(), exclude, limit)
    ranked = rank_solved_later(store, match, exclude, limit, floor)

    def read() -> tuple[list[tuple[int, float]], Callable[[], dict[int, Row]]]:
        got = ranked()
        return got, solved_heads_later(store, [i for i, _r in got])

    return read


_SOLVED_HEAD = (
    "t.id, t.subject, t.status, t.resolved_at, c.slug AS customer, c.locale AS locale, "
    "f.body AS body"
)
_SOLVED_JOIN = "JOIN solved_fts f ON f.rowid = t.id LEFT JOIN customers c ON c.id = t.customer_id"


def solved_heads(store: Store, ticket_ids: Sequence[int]) -> dict[int, Row]:
    """id -> subject, first customer text, status, resolved_at, customer slug and locale."""
    return solved_heads_later(store, ticket_ids)()


def solved_heads_later(store: Store, ticket_ids: Sequence[int]) -> Callable[[], dict[int, Row]]:
    """`solved_heads` when called, sent now (with the next statement on a server)."""
    if not ticket_ids:
        return dict
    marks = ", ".join("?" for _ in ticket_ids)
    rows = store.prefetch(
        f"SELECT {_SOLVED_HEAD} FROM tickets t {_SOLVED_JOIN} WHERE t.id IN ({marks})",
        list(ticket_ids),
    )
    return lambda: {int(r["id"]): r for r in rows()}


def search_articles(store: Store, match: str, limit: int, *, lang: str | None = None) -> list[Row]:
    """(id, snippet) of articles matching an FTS5 query, best first."""
    return search_articles_staged(store, match, limit, lang=lang)()[1]()


def search_articles_staged(
    store: Store, match: str, limit: int, *, lang: str | None = None
) -> Callable[[], tuple[list[int], Callable[[], list[Row]]]]:
    """`search_articles` in two steps: the ranking is sent now; calling reads it and
    gives the ids, best first, and the rows with their snippets when called (a server
    is sent the snippets' reads then, to go with whatever the caller sends next)."""
    if store.engine != "sqlite":
        return _pg_search_articles_staged(store, match, limit, lang)
    rows_later = _sqlite_search_articles_later(store, match, limit, lang)

    def ranked() -> tuple[list[int], Callable[[], list[Row]]]:
        rows = rows_later()
        return [int(r["id"]) for r in rows], lambda: rows

    return ranked


def _sqlite_search_articles_later(
    store: Store, match: str, limit: int, lang: str | None
) -> Callable[[], list[Row]]:
    params: list[Any] = [match]
    where = ""
    if lang is not None:
        where = " AND a.lang = ?"
        params.append(lang)
    params.append(limit)
    return store.prefetch(
        f"SELECT f.rowid AS id, snippet(articles_fts, -1, {_SNIP}) AS snippet "
        "FROM articles_fts f JOIN articles a ON a.id = f.rowid "
        f"WHERE articles_fts MATCH ?{where} ORDER BY bm25(articles_fts, 3.0, 1.0) LIMIT ?",
        params,
    )


# PostgreSQL: tsvectors of the folded text, the title (subject) weighted A over the body;
# relevance is ts_rank, so equal-relevance order and the numbers differ from bm25's.
def _pg_rank_later(
    store: Store, table: str, match: str, floor: int, limit: int
) -> Callable[[], list[tuple[int, float]]]:
    query, params = pg_query(match)
    rows = store.prefetch(
        f"SELECT rowid, ts_rank(doc, {query}) AS score FROM {table} "
        f"WHERE doc @@ {query} AND rowid >= ? ORDER BY score DESC, rowid DESC LIMIT ?",
        [*params, *params, floor, limit],
    )
    return lambda: [(int(r[0]), float(r[1])) for r in rows()]


def _pg_search_articles_staged(
    store: Store, match: str, limit: int, lang: str | None
) -> Callable[[], tuple[list[int], Callable[[], list[Row]]]]:
    query, params = pg_query(match)
    args: list[Any] = [*params, *params]
    where = ""
    if lang is not None:
        where = " AND a.lang = ?"
        args.append(lang)
    args.append(limit)
    rows_later = store.prefetch(
        f"SELECT f.rowid AS id, ts_rank(f.doc, {query}) AS score, "
        f"desk_doc(f.body) @@ {query} AS in_body FROM articles_fts f "
        f"JOIN articles a ON a.id = f.rowid WHERE f.doc @@ {query}{where} "
        "ORDER BY score DESC, f.rowid DESC LIMIT ?",
        [*params, *args],
    )

    def ranked() -> tuple[list[int], Callable[[], list[Row]]]:
        rows = rows_later()
        ids = [int(r["id"]) for r in rows]
        in_body = {i for i, r in zip(ids, rows, strict=True) if r["in_body"]}
        # the two headline reads go to the server together
        bodies = pg_headlines_later(store, "articles_fts", "body", match, sorted(in_body))
        titles = pg_headlines_later(
            store, "articles_fts", "title", match, [i for i in ids if i not in in_body]
        )

        def hits() -> list[Row]:
            snippets = {**_unfolded(titles()), **_unfolded(bodies())}
            return cast("list[Row]", [_Hit(i, snippets.get(i, "")) for i in ids])

        return ids, hits

    return ranked


class _Hit(tuple):  # type: ignore[type-arg]
    """(id, snippet), read by name like a row."""

    __slots__ = ()

    def __new__(cls, article_id: int, snippet: str) -> _Hit:
        return tuple.__new__(cls, (article_id, snippet))

    def __getitem__(self, key: Any) -> Any:
        if key == "id":
            return tuple.__getitem__(self, 0)
        if key == "snippet":
            return tuple.__getitem__(self, 1)
        return tuple.__getitem__(self, key)
