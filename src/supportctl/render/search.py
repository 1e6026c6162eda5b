"""Search hits: a table with highlighted snippets, or one JSON array."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportctl.render.tables import Col, table

if TYPE_CHECKING:
    from supportctl.render.models.search import Hit
    from supportctl.render.screen import Screen


def _plain(snippet: str) -> str:
    from supportctl.domain.snippets import marked_plain

    return marked_plain(snippet).replace("\n", " ")


def _plain_safe(snippet: str) -> str:
    from supportctl.render.safe import one_line

    return one_line(_plain(snippet))


def _rich(snippet: str) -> Any:
    from supportctl.domain.snippets import MARK_END, MARK_START
    from supportctl.render.ansi import Styled
    from supportctl.render.safe import one_line

    # The marks are control characters themselves: split on them first, then make each
    # piece of customer text terminal-safe.
    text = Styled()
    rest = snippet.replace("\n", " ")
    while MARK_START in rest:
        before, _, after = rest.partition(MARK_START)
        word, _, rest = after.partition(MARK_END)
        text.append(one_line(before))
        text.append(one_line(word), "bold reverse")
    text.append(one_line(rest))
    return text


def emit_hits(app_ctx: Screen, hits: Sequence[Hit], *, as_json: bool) -> None:
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
            h.subject,
            h.source,
            snippet(h.snippet),
        )
        for h in hits
    ]
    table(
        app_ctx,
        (
            Col("#", right=True),
            Col("when", give=3),
            Col("customer"),
            Col("status"),
            Col("subject", cap=40, give=2, narrow=16),
            Col("in", give=1),
            Col("snippet", flex=True),
        ),
        rows,
        limit=None,
        empty="no matches",
    )
