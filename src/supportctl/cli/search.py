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
    json_: JsonFlag = False,
) -> None:
    """Search ticket subjects, mail texts and notes, newest first, with a snippet.

    Example:  supportctl search "lomake ei toimi" --customer acme
    """
    from supportctl.render.search import emit_hits
    from supportctl.services.search import search

    app_ctx = get_app_context(ctx)
    hits = search(app_ctx.store, text, customer=customer, limit=limit)
    emit_hits(app_ctx, hits, as_json=json_)
