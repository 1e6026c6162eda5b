"""Search hits: a table with highlighted snippets, or one JSON array."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.tables import table

if TYPE_CHECKING:
    from supportctl.context import AppContext
    from supportctl.services.search import Hit


def _plain(snippet: str) -> str:
    from supportctl.store.search import MARK_END, MARK_START

    return snippet.replace(MARK_START, "**").replace(MARK_END, "**").replace("\n", " ")


def _plain_safe(snippet: str) -> str:
    from supportctl.render.safe import one_line

    return one_line(_plain(snippet))


def _rich(snippet: str) -> Any:
    from rich.text import Text

    from supportctl.render.safe import one_line
    from supportctl.store.search import MARK_END, MARK_START

    # The marks are control characters themselves: split on them first, then make each
    # piece of customer text terminal-safe.
    text = Text()
    rest = snippet.replace("\n", " ")
    while MARK_START in rest:
        before, _, after = rest.partition(MARK_START)
        word, _, rest = after.partition(MARK_END)
        text.append(one_line(before))
        text.append(one_line(word), style="bold reverse")
    text.append(one_line(rest))
    return text


def emit_hits(app_ctx: AppContext, hits: Sequence[Hit], *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(
            [
                {
                    "id": h.id,
                    "subject": h.subject,
                    "snippet": _plain(h.snippet),
                    "customer": h.customer,
                    "status": h.status,
                    "at": h.at,
                    "source": h.source,
                }
                for h in hits
            ]
        )
        return
    from supportctl.render.inbox import local_time

    tz = app_ctx.config.agency.timezone
    snippet = _rich if app_ctx.is_terminal() else _plain_safe
    rows = [
        (
            h.id,
            local_time(h.at, tz),
            h.customer or "?",
            h.status,
            h.subject[:50],
            h.source,
            snippet(h.snippet),
        )
        for h in hits
    ]
    table(
        app_ctx,
        ("#", "when", "customer", "status", "subject", "in", "snippet"),
        rows,
        limit=None,
        empty="no matches",
    )
