"""Full-text search (FTS5) over ticket subjects, message texts and notes.

Each source has its own FTS table whose rowid is the source row's id (see the
`add_search_index_and_queue_index` migration), so every query walks its matches
newest first by rowid and stops at the limit. Snippets are made in a second step, only
for the hits that are shown.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from supportctl.domain.snippets import MARK_END, MARK_START
from supportctl.store.db import Store

_SNIP = f"'{MARK_START}', '{MARK_END}', '…', 14"

# source -> (fts table, text columns, the join that yields ticket_id and a time,
# ticket_id, time, snippet column)
_SOURCES = {
    "subject": (
        "tickets_fts",
        "subject",
        "JOIN tickets t ON t.id = f.rowid",
        "t.id",
        "t.created_at",
        "0",
    ),
    "message": (
        "messages_fts",
        "{subject body}",
        "JOIN messages m ON m.id = f.rowid",
        "m.ticket_id",
        "m.arrived_at",
        "-1",
    ),
    "note": ("notes_fts", "body", "JOIN events e ON e.id = f.rowid", "e.ticket_id", "e.at", "0"),
}
SOURCES = tuple(_SOURCES)


def customer_token(customer_id: int | None) -> str:
    """The token a search row carries for its ticket's customer (see the migration
    `search_index_knows_the_customer`)."""
    return f"c{customer_id or 0}"


def _in_text(source: str, match: str) -> str:
    """`match` limited to the source's text columns (never the customer token)."""
    return f"{_SOURCES[source][1]} : ({match})"


def hits(
    store: Store, source: str, match: str, customer_id: int | None, limit: int
) -> list[sqlite3.Row]:
    """(rowid, ticket_id, at) of the newest `limit` matches in one source.

    The customer filter is part of the FTS5 query (a token in the `customer` column),
    so only rows of that customer are ever joined: the cost follows the hits shown.
    """
    return hits_later(store, source, match, customer_id, limit)()


def hits_later(
    store: Store, source: str, match: str, customer_id: int | None, limit: int
) -> Callable[[], list[sqlite3.Row]]:
    """`hits` when called, sent now: the sources' reads travel together to a server."""
    if store.engine != "sqlite":
        return _pg_hits(store, source, match, customer_id, limit)
    table, _columns, join, ticket, at, _column = _SOURCES[source]
    query = _in_text(source, match)
    if customer_id is not None:
        query += f' AND customer : "{customer_token(customer_id)}"'
    return store.prefetch(
        f"SELECT f.rowid AS rowid, {ticket} AS ticket_id, {at} AS at FROM {table} f {join} "
        f"WHERE {table} MATCH ? ORDER BY f.rowid DESC LIMIT ?",
        (query, limit),
    )


def snippets(
    store: Store,
    source: str,
    match: str,
    rowids: Sequence[int],
    *,
    customer_id: int | None = None,
) -> dict[int, str]:
    """rowid -> snippet with the matches between MARK_START and MARK_END.

    One walk over the matches between the lowest and the highest rowid asked for: no
    more matches than `hits` read. With `customer_id` the rows were picked by the
    customer filter and may lie far apart in the history, so the walk keeps the
    customer token in its query too and visits only that customer's matches. The
    snippet still comes from a text column: every match has the words in one, and on a
    tie FTS5 picks the earlier column, never the one-token customer column after them."""
    return snippets_later(store, source, match, rowids, customer_id=customer_id)()


def snippets_later(
    store: Store,
    source: str,
    match: str,
    rowids: Sequence[int],
    *,
    customer_id: int | None = None,
) -> Callable[[], dict[int, str]]:
    """`snippets` when called; a server is sent the read now (the sources' together)."""
    if not rowids:
        return dict
    if store.engine != "sqlite":
        rows = pg_headlines_later(store, _SOURCES[source][0], _PG_TEXT[source], match, rowids)
        return lambda: unfold_rows(rows())
    table, _columns, _join, _ticket, _at, column = _SOURCES[source]
    text = _in_text(source, match)
    if customer_id is not None:
        text += f' AND customer : "{customer_token(customer_id)}"'
    marks = ", ".join("?" for _ in rowids)
    # FTS5 turns `rowid IN (...)` next to MATCH into a walk over every match; a rowid
    # range is walked incrementally.
    rows = store.prefetch(
        f"SELECT rowid, CASE WHEN rowid IN ({marks}) THEN snippet({table}, {column}, {_SNIP}) END "
        f"FROM {table} WHERE {table} MATCH ? AND rowid >= ? AND rowid <= ?",
        [*rowids, text, min(rowids), max(rowids)],
    )
    return lambda: {int(r[0]): r[1] for r in rows() if r[1] is not None}


def heads_of_hits(store: Store, hits: Sequence[sqlite3.Row]) -> dict[int, Any]:
    """`ticket_heads` of the hits' tickets: taken from the hits themselves where they
    carry them (a server's), read otherwise (SQLite's FTS5 hits stay lean)."""
    if not hits or "head_subject" not in hits[0].keys():  # noqa: SIM118 (`in` on a row tests its values)
        return ticket_heads(store, sorted({int(r["ticket_id"]) for r in hits}))
    return {
        int(r["ticket_id"]): {
            "id": int(r["ticket_id"]),
            "subject": r["head_subject"],
            "status": r["head_status"],
            "created_at": r["head_created_at"],
            "merged_into": r["head_merged_into"],
            "customer": r["head_customer"],
        }
        for r in hits
    }


def ticket_heads(store: Store, ticket_ids: list[int]) -> dict[int, sqlite3.Row]:
    """id -> (id, subject, status, customer slug, merged_into) for the given tickets."""
    if not ticket_ids:
        return {}
    marks = ", ".join("?" for _ in ticket_ids)
    rows = store.all(
        "SELECT t.id, t.subject, t.status, t.created_at, t.merged_into, c.slug AS customer "
        f"FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id IN ({marks})",
        ticket_ids,
    )
    return {int(r["id"]): r for r in rows}


# table -> (its FTS insert trigger, the statement that indexes rows with id > ?)
_DEFERRED = {
    "messages": (
        "messages_fts_insert",
        "INSERT INTO messages_fts (rowid, subject, body, customer) "
        "SELECT m.id, m.subject, m.text_body, 'c' || coalesce(t.customer_id, 0) "
        "FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id "
        "WHERE m.id > ? AND m.id NOT IN (SELECT rowid FROM messages_fts WHERE rowid > ?)",
    ),
    "tickets": (
        "tickets_fts_insert",
        "INSERT INTO tickets_fts (rowid, subject, customer) "
        "SELECT id, subject, 'c' || coalesce(customer_id, 0) "
        "FROM tickets WHERE id > ? AND id NOT IN (SELECT rowid FROM tickets_fts WHERE rowid > ?)",
    ),
}


@contextmanager
def deferred_index(store: Store) -> Iterator[None]:
    """Index the tickets and messages inserted inside the block in one statement each.

    For the importer, inside its batch transaction. A row-by-row FTS5 trigger costs
    about 60 microseconds an insert (each INSERT statement opens a savepoint, and FTS5
    writes its pending terms out at every savepoint); one INSERT ... SELECT at the end
    of a batch costs a few. The insert triggers are dropped for the block and created
    again from their own stored SQL before the caller commits: DDL is transactional
    in SQLite, so no other connection ever sees them missing, and a crash or an
    exception rolls everything back, triggers included. Other writers (`ticket new`,
    outbound mail, reparse) keep using the triggers.
    """
    if not store.in_transaction:
        raise RuntimeError("deferred_index must run inside a write transaction")
    if store.engine != "sqlite":  # PostgreSQL's row triggers are cheap: keep them
        yield
        return
    names = tuple(trigger for trigger, _sql in _DEFERRED.values())
    marks = ", ".join("?" for _ in names)
    triggers = {
        str(r["name"]): str(r["sql"])
        for r in store.all(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
            names,
        )
    }
    active = {
        table: (trigger, sql, int(store.scalar(f"SELECT coalesce(max(id), 0) FROM {table}")))
        for table, (trigger, sql) in _DEFERRED.items()
        if trigger in triggers
    }
    for trigger, _sql, _mark in active.values():
        store.execute(f"DROP TRIGGER {trigger}")
    yield
    for trigger, sql, mark in active.values():
        store.execute(sql, (mark, mark))
        store.execute(triggers[trigger])


# PostgreSQL: each FTS table holds a tsvector of the folded text (lower case, diacritics
# stripped by `desk_fold`, see store/pg_migrations.py), so "rozbita" finds "rozbitá".
_PG_TEXT = {"subject": "subject", "message": "body", "note": "body"}
_WORD = re.compile(r'"([^"]*)"(\*?)')


def pg_query(match: str) -> tuple[str, list[str]]:
    """An FTS5 query of quoted words ("word" "pre"*, all of them; or joined by OR: any)
    as a tsquery expression and its parameters."""
    parts: list[str] = []
    params: list[str] = []
    for word, star in _WORD.findall(match):
        if star:
            parts.append("to_tsquery('simple', quote_literal(desk_fold(?)) || ':*')")
        else:
            parts.append("phraseto_tsquery('simple', desk_fold(?))")
        params.append(word)
    joiner = " || " if " OR " in match else " && "
    return "(" + joiner.join(parts or ["''::tsquery"]) + ")", params


# source -> the join that yields ticket_id, a time and the ticket (for --customer)
_PG_JOINS = {
    "subject": "JOIN tickets t ON t.id = f.rowid",
    "message": "JOIN messages m ON m.id = f.rowid JOIN tickets t ON t.id = m.ticket_id",
    "note": "JOIN events e ON e.id = f.rowid JOIN tickets t ON t.id = e.ticket_id",
}


def _pg_hits(
    store: Store, source: str, match: str, customer_id: int | None, limit: int
) -> Callable[[], list[sqlite3.Row]]:
    table, _columns, _join, ticket, at, _column = _SOURCES[source]
    join = _PG_JOINS[source]
    query, params = pg_query(match)
    where = ""
    args: list[Any] = [*params]
    if customer_id is not None:
        where = " AND t.customer_id = ?"
        args.append(customer_id)
    args.append(limit)
    # each hit carries its ticket's head (`heads_of_hits`): no read of its own after them
    return store.prefetch(
        f"SELECT f.rowid AS rowid, {ticket} AS ticket_id, {at} AS at, {_HEAD_OF_HIT} "
        f"FROM {table} f {join} LEFT JOIN customers c ON c.id = t.customer_id "
        f"WHERE f.doc @@ {query}{where} ORDER BY f.rowid DESC LIMIT ?",
        args,
    )


_HEAD_OF_HIT = (
    "t.subject AS head_subject, t.status AS head_status, t.created_at AS head_created_at, "
    "t.merged_into AS head_merged_into, c.slug AS head_customer"
)


def pg_headlines(
    store: Store, table: str, column: str, match: str, rowids: Sequence[int]
) -> dict[int, str]:
    """rowid -> snippet of `column` with the matches marked, for these rows."""
    if not rowids:
        return {}
    return unfold_rows(pg_headlines_later(store, table, column, match, rowids)())


def unfold_rows(rows: Sequence[sqlite3.Row]) -> dict[int, str]:
    """rowid -> snippet, from the rows of `pg_headlines_later`."""
    return {int(r[0]): _unfold(str(r[1]), str(r[2]), str(r[3])) for r in rows}


def pg_headlines_later(
    store: Store, table: str, column: str, match: str, rowids: Sequence[int]
) -> Callable[[], list[sqlite3.Row]]:
    """The rows `pg_headlines` marks up, sent now."""
    if not rowids:
        return list
    query, params = pg_query(match)
    marks = ", ".join("?" for _ in rowids)
    options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=14, MinWords=6, "
        "ShortWord=1, MaxFragments=1, FragmentDelimiter=…"
    )
    # The headline is made on the folded text (so "ucet" marks "účet") and its marks are
    # put back on the original characters: folding maps one character to one.
    return store.prefetch(
        f"SELECT rowid, {column}, desk_fold({column}), "
        f"ts_headline('simple', desk_fold({column}), {query}, ?) FROM {table} "
        f"WHERE rowid IN ({marks})",
        [*params, options, *rowids],
    )


def _unfold(text: str, folded: str, headline: str) -> str:
    """`headline` (folded text with marks) with the original characters of `text`."""
    plain = headline.replace(MARK_START, "").replace(MARK_END, "")
    at = folded.find(plain)
    if at < 0 or len(folded) != len(text):
        return text[: len(plain)]
    out = []
    for ch in headline:
        if ch in (MARK_START, MARK_END):
            out.append(ch)
        else:
            out.append(text[at])
            at += 1
    return "".join(out)
