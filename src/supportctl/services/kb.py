"""The knowledge base: articles written once, suggested on similar tickets, used in replies.

Every change is one transaction that also keeps the article whole in its history. An
article is in one language (fi, cs, en); translations name the original
(`--translation-of`), and the original's id names the group. `internal` articles are
for the team; only `shared` ones may go to a customer (`reply --kb`) or the exported
help pages.

Suggestions are in `services/suggest.py` (which `ticket show` imports on every run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from supportctl.domain import kb as rules
from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.render.models.kb import Article, ArticleHit
from supportctl.store import articles as article_store
from supportctl.store import kb_search
from supportctl.store.db import Row, Store


def _article(row: Row, tags: list[str], uses: tuple[int, str | None] = (0, None)) -> Article:
    return Article(
        id=int(row["id"]),
        title=row["title"],
        body=row["body"],
        lang=row["lang"],
        visibility=row["visibility"],
        tags=tags,
        translation_of=row["translation_of"],
        ticket_id=row["ticket_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
        uses=uses[0],
        last_used_at=uses[1],
    )


def _input(exc: rules.ArticleTextError) -> InputError:
    return InputError(str(exc))


def _require(store: Store, article_id: int) -> Row:
    row = article_store.get(store, article_id)
    if row is None:
        raise InputError(f"no article {article_id}", hint="see `supportctl kb list`")
    return row


def _require_ticket(store: Store, ticket_id: int) -> Row:
    from supportctl.services.suggest import require_ticket

    return require_ticket(store, ticket_id)


def _question(head: Row) -> str:
    from supportctl.services.suggest import question

    return question(head)


def _translation_root(store: Store, article_id: int | None) -> int | None:
    if article_id is None:
        return None
    row = _require(store, article_id)
    return int(row["translation_of"] or row["id"])


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    lang: str
    tags: tuple[str, ...]
    ticket_id: int | None = None


def parse_new(
    *,
    title: str | None,
    body: str | None,
    lang: str | None,
    tags: list[str],
) -> tuple[str | None, str | None, str | None, list[str]]:
    """Check what a person typed for a new article before any editor opens (exit 2)."""
    try:
        clean_title = rules.parse_title(title) if title is not None else None
        clean_body = rules.parse_body(body) if body is not None else None
        clean_lang = rules.parse_language(lang) if lang is not None else None
        clean_tags = [rules.parse_tag(t) for t in tags]
    except rules.ArticleTextError as exc:
        raise _input(exc) from None
    return clean_title, clean_body, clean_lang, clean_tags


def guess_language(title: str, body: str) -> str:
    """fi, cs or en from the article's own words (en when nothing tells)."""
    return rules.guess_language(f"{title}\n{body}")


def from_editor(text: str) -> tuple[str, str]:
    try:
        return rules.from_editor(text)
    except rules.ArticleTextError as exc:
        raise _input(exc) from None


def editor_text(title: str, body: str) -> str:
    return rules.editor_text(title, body)


def draft_from_ticket(store: Store, ticket_id: int, lang: str | None) -> Draft:
    """An article drafted from a ticket: subject, question, last reply and notes, skills."""
    from supportctl.mail.quotes import split_reply

    head = _require_ticket(store, ticket_id)
    real = int(head["id"])
    question = _question(head)
    reply = article_store.last_reply(store, real) or ""
    language = (
        rules.parse_language(lang)
        if lang is not None
        else rules.ticket_language(head["locale"], f"{head['subject']}\n{question}")
    )
    facts = rules.TicketFacts(
        id=real,
        subject=head["subject"] or "",
        question=split_reply(question).text if question else "",
        last_reply=split_reply(reply).text if reply else "",
        notes=tuple(n for n in article_store.notes(store, real) if n.strip()),
        skills=tuple(article_store.delegated_skills(store, real)),
    )
    title, body, tags = rules.draft_from_ticket(facts, language)
    return Draft(title, body, language, tags, real)


def add(
    store: Store,
    *,
    title: str,
    body: str,
    lang: str,
    tags: list[str],
    shared: bool,
    translation_of: int | None,
    ticket_id: int | None,
    actor: str | None,
    now: datetime,
) -> int:
    """Save a new article (and its first history entry) in one transaction."""
    try:
        title = rules.parse_title(title)
        body = rules.parse_body(body)
        lang = rules.parse_language(lang)
        tags = sorted({rules.parse_tag(t) for t in tags})
    except rules.ArticleTextError as exc:
        raise _input(exc) from None
    at = to_utc_text(now)
    with store.transaction():
        root = _translation_root(store, translation_of)
        if root is not None:
            _check_translation_free(store, root, lang, None)
        if ticket_id is not None:
            ticket_id = int(_require_ticket(store, ticket_id)["id"])
        article_id = article_store.insert(
            store,
            {
                "title": title,
                "body": body,
                "lang": lang,
                "visibility": "shared" if shared else "internal",
                "translation_of": root,
                "ticket_id": ticket_id,
                "created_by": actor,
                "created_at": at,
                "changed_by": actor,
                "changed_at": at,
            },
        )
        article_store.set_tags(store, article_id, tags)
        article_store.snapshot(store, article_id, tags=tags, at=at, actor=actor, action="created")
        if ticket_id is not None:
            from supportctl.store import events

            events.record(
                store,
                "kb.article",
                at=now,
                actor=actor,
                ticket_id=ticket_id,
                data={"article": article_id, "title": title},
            )
    return article_id


def _check_translation_free(store: Store, root: int, lang: str, self_id: int | None) -> None:
    for row in article_store.translation_group(store, root):
        if row["lang"] == lang and int(row["id"]) != self_id:
            raise InputError(
                f"article {row['id']} is already the {lang} version of article {root}",
                hint=f"edit it: supportctl kb edit {row['id']}",
            )


@dataclass(frozen=True)
class Edit:
    title: str | None = None
    body: str | None = None
    lang: str | None = None
    visibility: str | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    translation_of: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == Edit()


def parse_edit(
    *,
    title: str | None,
    body: str | None,
    lang: str | None,
    visibility: str | None,
    add_tags: list[str],
    remove_tags: list[str],
    translation_of: int | None,
) -> Edit:
    try:
        return Edit(
            title=rules.parse_title(title) if title is not None else None,
            body=rules.parse_body(body) if body is not None else None,
            lang=rules.parse_language(lang) if lang is not None else None,
            visibility=visibility,
            add_tags=tuple(rules.parse_tag(t) for t in add_tags),
            remove_tags=tuple(rules.parse_tag(t) for t in remove_tags),
            translation_of=translation_of,
        )
    except rules.ArticleTextError as exc:
        raise _input(exc) from None


def edit(store: Store, article_id: int, change: Edit, *, actor: str | None, now: datetime) -> bool:
    """Apply a change; False when it changes nothing (then nothing is written)."""
    at = to_utc_text(now)
    with store.transaction():
        row = _require(store, article_id)
        old_tags = article_store.tags(store, [article_id])[article_id]
        new_tags = sorted((set(old_tags) | set(change.add_tags)) - set(change.remove_tags))
        values: dict[str, Any] = {}
        for column in ("title", "body", "lang", "visibility"):
            value = getattr(change, column)
            if value is not None and value != row[column]:
                values[column] = value
        if change.translation_of is not None:
            root = _translation_root(store, change.translation_of)
            has_own = (
                row["translation_of"] is None
                and len(article_store.translation_group(store, article_id)) > 1
            )
            if root == article_id or has_own:
                raise InputError(
                    f"article {article_id} cannot become a translation of article "
                    f"{change.translation_of}: it is an original with translations of its own"
                )
            if root != row["translation_of"]:
                values["translation_of"] = root
        group = values.get("translation_of", row["translation_of"]) or article_id
        if "lang" in values or "translation_of" in values:
            _check_translation_free(store, int(group), values.get("lang", row["lang"]), article_id)
        if not values and new_tags == old_tags:
            return False
        values.update(changed_by=actor, changed_at=at)
        if not article_store.update(store, article_id, int(row["version"]), values):
            raise InputError(f"article {article_id} changed meanwhile; nothing was saved")
        if new_tags != old_tags:
            article_store.set_tags(store, article_id, new_tags)
        article_store.snapshot(
            store, article_id, tags=new_tags, at=at, actor=actor, action="edited"
        )
    return True


def remove(store: Store, article_id: int, *, actor: str | None, now: datetime) -> Article:
    """Remove an article (its history and uses stay); its translations stay too."""
    at = to_utc_text(now)
    with store.transaction():
        row = _require(store, article_id)
        tags = article_store.tags(store, [article_id])[article_id]
        if row["translation_of"] is None and article_store.translation_group(store, article_id)[1:]:
            raise InputError(
                f"article {article_id} has translations; remove them first",
                hint=f"see `supportctl kb show {article_id}`",
            )
        article = _article(row, tags)
        if not article_store.mark_removed(store, article_id, int(row["version"]), at, actor):
            raise InputError(f"article {article_id} changed meanwhile; nothing was removed")
        article_store.snapshot(store, article_id, tags=tags, at=at, actor=actor, action="removed")
    return article


def get(store: Store, article_id: int, *, with_history: bool = True) -> Article:
    row = _require(store, article_id)
    tags = article_store.tags(store, [article_id])[article_id]
    uses = article_store.uses(store, [article_id]).get(article_id, (0, None))
    base = _article(row, tags, uses)
    group = article_store.translation_group(store, base.group)
    translations = [(int(r["id"]), r["lang"], r["title"]) for r in group if int(r["id"]) != base.id]
    history = (
        [
            {
                "at": h["at"],
                "actor": h["actor"],
                "action": h["action"],
                "title": h["title"],
                "lang": h["lang"],
                "visibility": h["visibility"],
                "tags": [t for t in h["tags"].split(",") if t],
                "body": h["body"],
            }
            for h in article_store.history(store, article_id)
        ]
        if with_history
        else []
    )
    return Article(**{**base.__dict__, "translations": translations, "history": history})


def listing(store: Store, *, lang: str | None = None, tag: str | None = None) -> list[Article]:
    try:
        lang = rules.parse_language(lang) if lang is not None else None
        tag = rules.parse_tag(tag) if tag is not None else None
    except rules.ArticleTextError as exc:
        raise _input(exc) from None
    rows = article_store.listing(store, lang=lang, tag=tag)
    tags = article_store.tags(store, [int(r["id"]) for r in rows])
    return [
        _article(r, tags.get(int(r["id"]), []), (int(r["uses"]), r["last_used_at"])) for r in rows
    ]


def search(
    store: Store, text: str, *, lang: str | None = None, limit: int = 50
) -> list[ArticleHit]:
    """Articles containing every word (diacritics folded, 'word*' a prefix), best first."""
    return search_staged(store, text, lang=lang, limit=limit)()()


def search_staged(
    store: Store, text: str, *, lang: str | None = None, limit: int = 50
) -> Callable[[], Callable[[], list[ArticleHit]]]:
    """`search` in two steps a caller can interleave with other reads (each step's reads
    go to a server together with theirs): the ranking is sent now; the first call reads
    it and sends the snippets' and the articles' reads; the second returns the hits."""
    from supportctl.services.search import to_match
    from supportctl.store.db import QueryError

    match = to_match(text)
    try:
        lang = rules.parse_language(lang) if lang is not None else None
    except rules.ArticleTextError as exc:
        raise _input(exc) from None
    try:
        ranked = kb_search.search_articles_staged(store, match, limit, lang=lang)
    except QueryError as exc:
        raise InputError(f"cannot search for '{text}': {exc}") from None

    def sent() -> Callable[[], list[ArticleHit]]:
        try:
            ids, rows_later = ranked()
        except QueryError as exc:
            raise InputError(f"cannot search for '{text}': {exc}") from None
        found_later = article_store.get_many_later(store, ids)
        return lambda: _article_hits(rows_later(), found_later())

    return sent


def _article_hits(rows: list[Row], found: dict[int, Row]) -> list[ArticleHit]:
    return [
        ArticleHit(
            int(r["id"]),
            found[int(r["id"])]["title"],
            found[int(r["id"])]["lang"],
            found[int(r["id"])]["visibility"],
            found[int(r["id"])]["changed_at"],
            r["snippet"] or "",
        )
        for r in rows
        if int(r["id"]) in found
    ]


# -- replies --------------------------------------------------------------------------


def for_reply(store: Store, article_id: int, ticket_id: int) -> Article:
    """The shared article to put into a reply: its translation in the customer's language
    when there is a shared one. An internal article is refused (exit 2)."""
    from supportctl.mail.compose import language_for

    row = _require(store, article_id)
    if row["visibility"] != "shared":
        raise InputError(
            f"article {article_id} is internal and cannot go to a customer",
            hint=f"share it first: supportctl kb edit {article_id} --shared",
        )
    head = _require_ticket(store, ticket_id)
    lang = language_for(head["locale"], head["requester"] or "")
    chosen = row
    if row["lang"] != lang:
        for other in article_store.translation_group(
            store, int(row["translation_of"] or row["id"])
        ):
            if other["lang"] == lang and other["visibility"] == "shared":
                chosen = other
                break
    tags = article_store.tags(store, [int(chosen["id"])])[int(chosen["id"])]
    return _article(chosen, tags)


def record_use(
    store: Store, article: Article, ticket_id: int, *, actor: str | None, now: datetime
) -> None:
    """Count a use on the article and record it in the ticket's history."""
    from supportctl.store import events

    with store.transaction():
        article_store.record_use(store, article.id, ticket_id, to_utc_text(now), actor)
        events.record(
            store,
            "kb.used",
            at=now,
            actor=actor,
            ticket_id=ticket_id,
            data={"article": article.id, "title": article.title, "lang": article.lang},
        )


def reply_text(article: Article) -> str:
    """The article as it goes into a reply: its body (Markdown reads well as text)."""
    return article.body.strip("\n") + "\n"


def search_hits(store: Store, text: str, *, limit: int = 50) -> list[Any]:
    """Articles as `search` hits (source "kb", id the article's, status its visibility)."""
    return search_hits_staged(store, text, limit=limit)()()


def search_hits_staged(
    store: Store, text: str, *, limit: int = 50
) -> Callable[[], Callable[[], list[Any]]]:
    """`search_hits` in the two steps of `search_staged`."""
    from supportctl.render.models.search import Hit

    staged = search_staged(store, text, limit=limit)

    def sent() -> Callable[[], list[Any]]:
        hits = staged()
        return lambda: [
            Hit(h.id, h.title, None, h.visibility, h.changed_at, "kb", h.snippet) for h in hits()
        ]

    return sent
