"""`report MONTH`: the month's support figures."""

from __future__ import annotations

from typing import Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import JsonFlag, get_app_context


def report_cmd(
    ctx: typer.Context,
    month: Annotated[
        str, typer.Argument(metavar="YYYY-MM", help="The month.", autocompletion=complete.months)
    ],
    json_: JsonFlag = False,
) -> None:
    """Month figures: tickets in and out, first-response times, SLA breaches, tickets per week.

    Example:  supportctl report 2026-10
    """
    from supportctl.render.report import emit_report
    from supportctl.services.report import build
    from supportctl.services.timebase import month as parse_month

    app_ctx = get_app_context(ctx)
    store, config = app_ctx.store, app_ctx.config
    emit_report(app_ctx, build(store, config, parse_month(month), app_ctx.now()), as_json=json_)
