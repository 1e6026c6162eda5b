"""Knowledge-base views: articles, listings, search hits, suggestions; JSON for scripts.

Article text (and titles, tags, ticket subjects) may come from customer mail
(`kb add --from-ticket`): on the way to a terminal everything passes through
`term_safe` / `one_line` and is printed with `markup=False`, never as rich markup.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.safe import one_line, term_safe

if TYPE_CHECKING:
    from supportctl.render.models.kb import Article, ArticleHit
    from supportctl.render.models.suggest import Suggestion, TicketKb
    from supportctl.render.screen import Screen


class _Lines:
    """Lines to stdout: through rich on a terminal (bold/dim), plain when piped."""

    def __init__(self, app_ctx: Screen) -> None:
        self.console = app_ctx.out if app_ctx.is_terminal() else None

    def __call__(self, text: str = "", *, bold: bool = False, dim: bool = False) -> None:
        from supportctl.render.safe import term_safe

        text = term_safe(text)  # articles may be drafted from customer mail
        if self.console is None:
            sys.stdout.write(text + "\n")
        else:
            style = "bold" if bold else "dim" if dim else None
            self.console.print(text, style=style, markup=False, highlight=False)


def _local(app_ctx: Screen, utc_text: str | None) -> str:
    if not utc_text:
        return "-"
    from supportctl.render.inbox import local_time

    return local_time(utc_text, app_ctx.config.agency.timezone)


def article_json(a: Article, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": a.id,
        "title": a.title,
        "lang": a.lang,
        "visibility": a.visibility,
        "tags": a.tags,
        "translation_of": a.translation_of,
        "ticket": a.ticket_id,
        "created_by": a.created_by,
        "created_at": a.created_at,
        "changed_by": a.changed_by,
        "changed_at": a.changed_at,
        "uses": a.uses,
        "last_used_at": a.last_used_at,
    }
    if full:
        data["body"] = a.body
        data["translations"] = [
            {"id": i, "lang": lang, "title": title} for i, lang, title in a.translations
        ]
        data["history"] = a.history
    return data


def emit_article(app_ctx: Screen, a: Article, *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(article_json(a, full=True))
        return
    pairs = [
        ("language", a.lang),
        ("visibility", a.visibility),
        ("tags", one_line(", ".join(a.tags)) or "-"),
        (
            "translations",
            ", ".join(f"{i} ({lang})" for i, lang, _t in a.translations) or "-",
        ),
        ("from ticket", f"#{a.ticket_id}" if a.ticket_id else "-"),
        ("written", f"{_local(app_ctx, a.created_at)} by {one_line(a.created_by or '?')}"),
        ("changed", f"{_local(app_ctx, a.changed_at)} by {one_line(a.changed_by or '?')}"),
        (
            "used",
            f"{a.uses} times, last {_local(app_ctx, a.last_used_at)}" if a.uses else "never",
        ),
    ]
    line = _Lines(app_ctx)
    line(f"Article {a.id}: {one_line(a.title)}", bold=True)
    width = max(len(k) for k, _v in pairs)
    for key, value in pairs:
        line(f"{key.ljust(width)}  {value}")
    line()
    line(term_safe(a.body.rstrip("\n")))
    if a.history:
        line()
        line("history:", bold=True)
        for h in a.history:
            line(
                f"  {_local(app_ctx, h['at'])}  {one_line(h['actor'] or '?')}  {h['action']}",
                dim=True,
            )


def emit_list(app_ctx: Screen, articles: Sequence[Article], *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json([article_json(a) for a in articles])
        return
    from supportctl.render.tables import Col, table

    rows = [
        (
            a.id,
            a.lang,
            a.visibility,
            _cell(app_ctx, one_line(a.title, 60)),
            _cell(app_ctx, one_line(", ".join(a.tags), 30)),
            a.uses,
            _local(app_ctx, a.last_used_at) if a.last_used_at else "-",
            _local(app_ctx, a.changed_at),
        )
        for a in articles
    ]
    table(
        app_ctx,
        (
            Col("id", right=True),
            Col("lang"),
            Col("visibility", give=4),
            Col("title", flex=True),
            Col("tags", give=1, narrow=12),
            Col("uses", right=True),
            Col("last use", give=2),
            Col("changed", give=3),
        ),
        rows,
        limit=None,
        empty="no articles yet: supportctl kb add TITLE",
    )


def _cell(app_ctx: Screen, text: str) -> Any:
    """Outside text for a table cell (plain text: never parsed as markup)."""
    return text


def _snippet(snippet: str) -> str:
    from supportctl.domain.snippets import marked_plain

    return one_line(marked_plain(snippet))


def emit_hits(app_ctx: Screen, hits: Sequence[ArticleHit], *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(
            [
                {
                    "id": h.id,
                    "title": h.title,
                    "lang": h.lang,
                    "visibility": h.visibility,
                    "changed_at": h.changed_at,
                    "snippet": _snippet(h.snippet),
                }
                for h in hits
            ]
        )
        return
    from supportctl.render.tables import Col, table

    rows = [
        (
            h.id,
            h.lang,
            h.visibility,
            _cell(app_ctx, one_line(h.title, 50)),
            _cell(app_ctx, _snippet(h.snippet)),
        )
        for h in hits
    ]
    table(
        app_ctx,
        (
            Col("id", right=True),
            Col("lang"),
            Col("visibility", give=2),
            Col("title", cap=40, give=1, narrow=16),
            Col("snippet", flex=True),
        ),
        rows,
        limit=None,
        empty="no matching articles",
    )


def suggestion_json(s: Suggestion) -> dict[str, Any]:
    return {
        "kind": s.kind,
        "id": s.id,
        "title": s.title,
        "lang": s.lang,
        "relevance": round(s.relevance, 2),
        "words": s.words,
        ("visibility" if s.kind == "article" else "status"): s.detail,
        "open": s.command,
    }


def _reason(s: Suggestion) -> str:
    return "matched: " + one_line(", ".join(s.words), 60)


def suggestion_lines(kb: TicketKb) -> list[tuple[str, bool]]:
    """The lines `ticket show` ends with (text, dim): links, articles, similar tickets."""
    out: list[tuple[str, bool]] = []
    if kb.written:
        out.append(("", False))
        out.append(("Knowledge base articles written from this ticket:", False))
        for article_id, title in kb.written:
            out.append(
                (f"  {article_id}  {one_line(title, 70)}  (supportctl kb show {article_id})", False)
            )
    if kb.articles or kb.tickets:
        out.append(("", False))
        out.append(("Suggested:", False))
        for s in kb.articles:
            label = f"article {s.id} ({s.lang}, {s.detail})"
            out.append((f"  {label}  {one_line(s.title, 60)}", False))
            out.append((f"      {_reason(s)}; open: {s.command}", True))
        for s in kb.tickets:
            out.append((f"  ticket #{s.id} ({s.detail})  {one_line(s.title, 60)}", False))
            out.append((f"      {_reason(s)}; open: {s.command}", True))
        out.append((f"  more: supportctl kb suggest {kb.ticket_id}", True))
    return out


def emit_ticket_kb(app_ctx: Screen, kb: TicketKb) -> None:
    """The end of `ticket show`: articles from this ticket and suggestions (none: nothing)."""
    line = _Lines(app_ctx)
    for text, dim in suggestion_lines(kb):
        line(text, dim=dim)


def emit_suggestions(app_ctx: Screen, kb: TicketKb, *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(
            {
                "id": kb.ticket_id,
                "lang": kb.lang,
                "written": [{"id": i, "title": t} for i, t in kb.written],
                "articles": [suggestion_json(s) for s in kb.articles],
                "tickets": [suggestion_json(s) for s in kb.tickets],
            }
        )
        return
    from supportctl.render.tables import Col, table

    rows = [
        (
            s.kind,
            s.id,
            s.lang,
            s.detail,
            _cell(app_ctx, one_line(s.title, 50)),
            _cell(app_ctx, one_line(", ".join(s.words), 40)),
            s.command,
        )
        for s in [*kb.articles, *kb.tickets]
    ]
    table(
        app_ctx,
        (
            Col("kind"),
            Col("id", right=True),
            Col("lang"),
            Col("vis/status", give=2),
            Col("title", flex=True),
            Col("matched", give=1),
            Col("open"),
        ),
        rows,
        limit=None,
        empty=f"nothing relevant for #{kb.ticket_id}",
    )
