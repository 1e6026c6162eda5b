"""`search TEXT`: full-text search over tickets, mail and notes."""

from __future__ import annotations

from typing import Annotated

import typer

from supportctl.cli.common import CustomerOption, JsonFlag, LimitOption, get_app_context


def search_cmd(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(help="Words to find (all must occur; diacritics optional).")
    ],
    customer: CustomerOption = None,
    limit: LimitOption = 50,
    kb_only: Annotated[bool, typer.Option("--kb", help="Knowledge-base articles only.")] = False,
    tickets_only: Annotated[bool, typer.Option("--tickets", help="Tickets only.")] = False,
    json_: JsonFlag = False,
) -> None:
    """Search ticket subjects, mail texts and notes, newest first, with a snippet.

    Knowledge-base articles come first (source `kb`, best match first); --kb shows
    only articles, --tickets only tickets. --limit applies to each. With --customer
    only tickets are searched (articles belong to no customer).

    Example:  supportctl search "lomake ei toimi" --customer acme
    """
    from supportctl.render.search import emit_hits
    from supportctl.services.search import search_staged

    app_ctx = get_app_context(ctx)
    if kb_only and tickets_only:
        from supportctl.errors import InputError

        raise InputError("--kb and --tickets exclude each other; give one or neither")
    store = app_ctx.store
    # Tickets and articles step by step side by side: on a server each step's reads of
    # both travel together (matches and ranking, then snippets and articles).
    tickets = None if kb_only else search_staged(store, text, customer=customer, limit=limit)
    articles = None
    if not tickets_only and customer is None:  # articles belong to no customer
        from supportctl.services import kb

        articles = kb.search_hits_staged(store, text, limit=limit)
    tickets_sent = tickets() if tickets is not None else None
    articles_sent = articles() if articles is not None else None
    hits = tickets_sent() if tickets_sent is not None else []
    if articles_sent is not None:
        hits = articles_sent() + hits
    emit_hits(app_ctx, hits, as_json=json_)
