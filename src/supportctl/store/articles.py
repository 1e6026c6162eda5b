"""Knowledge-base articles: rows, tags, translations, history and uses.

Plain SQL both engines speak; the full-text part is in `store/kb_search.py`. Every
change writes the whole article as it now is to `article_history` in the same
transaction (`snapshot`). Uses are rows in `article_uses`, counted where they are read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from supportctl.store.db import Row, Store

_COLUMNS = (
    "a.id, a.title, a.body, a.lang, a.visibility, a.translation_of, a.ticket_id, "
    "a.created_by, a.created_at, a.changed_by, a.changed_at, a.version"
)

COLUMNS = _COLUMNS  # of `get_many`'s rows, for reads that join them (kb_search)


def insert(store: Store, values: dict[str, Any]) -> int:
    cols = [
        "title",
        "body",
        "lang",
        "visibility",
        "translation_of",
        "ticket_id",
        "created_by",
        "created_at",
        "changed_by",
        "changed_at",
    ]
    row = store.one(
        f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
        "RETURNING id",
        [values.get(c) for c in cols],
    )
    assert row is not None
    return int(row[0])


def update(store: Store, article_id: int, version: int, values: dict[str, Any]) -> bool:
    """Change the given columns if the row is still at `version`; False when it moved on."""
    allowed = ("title", "body", "lang", "visibility", "translation_of", "changed_by", "changed_at")
    cols = [c for c in allowed if c in values]
    cur = store.execute(
        f"UPDATE articles SET {', '.join(f'{c} = ?' for c in cols)}, version = version + 1 "
        "WHERE id = ? AND version = ? AND removed_at IS NULL",
        [values[c] for c in cols] + [article_id, version],
    )
    return cur.rowcount == 1


def mark_removed(store: Store, article_id: int, version: int, at: str, by: str | None) -> bool:
    cur = store.execute(
        "UPDATE articles SET removed_at = ?, changed_at = ?, changed_by = ?, version = version + 1 "
        "WHERE id = ? AND version = ? AND removed_at IS NULL",
        (at, at, by, article_id, version),
    )
    return cur.rowcount == 1


def get(store: Store, article_id: int) -> Row | None:
    """A live (not removed) article."""
    return store.one(
        f"SELECT {_COLUMNS} FROM articles a WHERE a.id = ? AND a.removed_at IS NULL", (article_id,)
    )


def get_many(store: Store, ids: Sequence[int]) -> dict[int, Row]:
    return get_many_later(store, ids)()


def get_many_later(store: Store, ids: Sequence[int]) -> Callable[[], dict[int, Row]]:
    """`get_many` when called, sent now (with the next statement on a server)."""
    if not ids:
        return dict
    marks = ", ".join("?" for _ in ids)
    rows = store.prefetch(
        f"SELECT {_COLUMNS} FROM articles a WHERE a.id IN ({marks}) AND a.removed_at IS NULL",
        list(ids),
    )
    return lambda: {int(r["id"]): r for r in rows()}


def listing(store: Store, *, lang: str | None = None, tag: str | None = None) -> list[Row]:
    """Live articles with their use count and last use, newest change first."""
    where = ["a.removed_at IS NULL"]
    params: list[Any] = []
    if lang is not None:
        where.append("a.lang = ?")
        params.append(lang)
    if tag is not None:
        where.append("a.id IN (SELECT article_id FROM article_tags WHERE tag = ?)")
        params.append(tag)
    return store.all(
        f"SELECT {_COLUMNS}, coalesce(u.uses, 0) AS uses, u.last_used_at FROM articles a "
        "LEFT JOIN (SELECT article_id, count(*) AS uses, max(at) AS last_used_at "
        "FROM article_uses GROUP BY article_id) u ON u.article_id = a.id "
        f"WHERE {' AND '.join(where)} ORDER BY a.changed_at DESC, a.id DESC",
        params,
    )


def uses(store: Store, article_ids: Sequence[int]) -> dict[int, tuple[int, str | None]]:
    """article id -> (number of uses, last use) for the given articles."""
    if not article_ids:
        return {}
    marks = ", ".join("?" for _ in article_ids)
    rows = store.all(
        "SELECT article_id, count(*) AS uses, max(at) AS last_used_at FROM article_uses "
        f"WHERE article_id IN ({marks}) GROUP BY article_id",
        list(article_ids),
    )
    return {int(r[0]): (int(r[1]), r[2]) for r in rows}


def tags(store: Store, article_ids: Sequence[int]) -> dict[int, list[str]]:
    if not article_ids:
        return {}
    marks = ", ".join("?" for _ in article_ids)
    out: dict[int, list[str]] = {i: [] for i in article_ids}
    for r in store.all(
        f"SELECT article_id, tag FROM article_tags WHERE article_id IN ({marks}) "
        "ORDER BY article_id, tag",
        list(article_ids),
    ):
        out.setdefault(int(r[0]), []).append(str(r[1]))
    return out


def set_tags(store: Store, article_id: int, new_tags: Sequence[str]) -> None:
    store.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
    for tag in sorted(set(new_tags)):
        store.execute("INSERT INTO article_tags (article_id, tag) VALUES (?, ?)", (article_id, tag))


def translation_group(store: Store, group_id: int) -> list[Row]:
    """Every live article of a translation group (the original's id is the group's)."""
    return store.all(
        f"SELECT {_COLUMNS} FROM articles a WHERE (a.id = ? OR a.translation_of = ?) "
        "AND a.removed_at IS NULL ORDER BY a.id",
        (group_id, group_id),
    )


def for_ticket(store: Store, ticket_id: int) -> list[Row]:
    """Live articles written from this ticket."""
    return for_ticket_later(store, ticket_id)()


def for_ticket_later(store: Store, ticket_id: int) -> Callable[[], list[Row]]:
    """`for_ticket` when called, sent now (with the next statement on a server)."""
    return store.prefetch(
        f"SELECT {_COLUMNS} FROM articles a WHERE a.ticket_id = ? AND a.removed_at IS NULL "
        "ORDER BY a.id",
        (ticket_id,),
    )


def snapshot(
    store: Store, article_id: int, *, tags: Sequence[str], at: str, actor: str | None, action: str
) -> None:
    """Keep the article as it is now (after `action`) in its history, with its tags."""
    store.execute(
        "INSERT INTO article_history (article_id, at, actor, action, title, body, lang, "
        "visibility, tags, translation_of) SELECT a.id, ?, ?, ?, a.title, a.body, a.lang, "
        "a.visibility, ?, a.translation_of FROM articles a WHERE a.id = ?",
        (at, actor, action, ",".join(sorted(tags)), article_id),
    )


def history(store: Store, article_id: int) -> list[Row]:
    return store.all(
        "SELECT id, at, actor, action, title, body, lang, visibility, tags, translation_of "
        "FROM article_history WHERE article_id = ? ORDER BY id",
        (article_id,),
    )


def record_use(store: Store, article_id: int, ticket_id: int, at: str, actor: str | None) -> None:
    store.execute(
        "INSERT INTO article_uses (article_id, ticket_id, at, actor) VALUES (?, ?, ?, ?)",
        (article_id, ticket_id, at, actor),
    )


def exported(store: Store) -> list[Row]:
    """Every live shared article, by language and title."""
    return store.all(
        f"SELECT {_COLUMNS} FROM articles a WHERE a.removed_at IS NULL "
        "AND a.visibility = 'shared' ORDER BY a.lang, a.title, a.id"
    )


# -- what the knowledge base reads of a ticket ----------------------------------------


def ticket_head(store: Store, ticket_id: int) -> Row | None:
    """A ticket's subject, requester, customer locale and question: the first customer
    message, or for a ticket opened by hand (no mail) the text of its first note."""
    return ticket_head_later(store, ticket_id)()


def ticket_head_later(store: Store, ticket_id: int) -> Callable[[], Row | None]:
    """`ticket_head` when called, sent now (with the next statement on a server)."""
    return store.prefetch_one(
        "SELECT t.id, t.subject, t.requester, t.merged_into, c.locale AS locale, "
        "(SELECT m.text_body FROM messages m WHERE m.ticket_id = t.id "
        "AND m.direction = 'in' ORDER BY m.arrived_at, m.id LIMIT 1) AS question, "
        "(SELECT e.data FROM events e WHERE e.ticket_id = t.id AND e.kind = 'ticket.note' "
        "ORDER BY e.id LIMIT 1) AS first_note "
        "FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id = ?",
        (ticket_id,),
    )


def last_reply(store: Store, ticket_id: int) -> str | None:
    """The text of the team's last mail on a ticket (automatic mail aside)."""
    value = store.scalar(
        "SELECT text_body FROM messages WHERE ticket_id = ? AND direction = 'out' "
        "AND classification = 'human' ORDER BY arrived_at DESC, id DESC LIMIT 1",
        (ticket_id,),
    )
    return None if value is None else str(value)


def notes(store: Store, ticket_id: int) -> list[str]:
    rows = store.all(
        "SELECT data FROM events WHERE ticket_id = ? AND kind = 'ticket.note' ORDER BY id",
        (ticket_id,),
    )
    import json

    return [str(json.loads(r[0]).get("text", "")) for r in rows]


def delegated_skills(store: Store, ticket_id: int) -> list[str]:
    return [
        str(r[0])
        for r in store.all(
            "SELECT DISTINCT skill FROM delegations WHERE ticket_id = ? AND skill IS NOT NULL "
            "ORDER BY skill",
            (ticket_id,),
        )
    ]
