"""`supportctl remind`: for cron, mails each owner the tickets close to an SLA breach."""

from __future__ import annotations

from typing import Annotated

import typer

from supportctl.cli.common import JsonFlag, get_app_context


def remind_cmd(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would get what; send and record nothing.")
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """Mail each owner their tickets within one business hour of an SLA breach (for cron).

    A ticket is mentioned once per due time, so running this every 15 minutes is safe.
    Tickets nobody owns go to this week's duty person.

    Example:  */15 * * * *  supportctl remind
    """
    from supportctl.services import outbound

    app_ctx = get_app_context(ctx)
    report = outbound.remind(app_ctx.store, app_ctx.config, now=app_ctx.now(), dry_run=dry_run)
    if json_:
        from supportctl.render.jsonout import emit_json

        emit_json(report.as_json())
        return
    for outcome in report.resumed:
        if isinstance(outcome, outbound.Skipped):
            typer.echo(outcome.describe())
        else:
            typer.echo(outcome.describe() + " (sent again after an interrupted send)")
    if report.unowned:
        ids = ", ".join(f"#{r.ticket_id}" for r in report.unowned)
        typer.echo(
            f"warning: {ids} near an SLA breach, owned by nobody and nobody is on duty: set the rota (supportctl rota set) or assign them",
            err=True,
        )
    if not report.reminders:
        if not report.unowned:
            typer.echo("no ticket is within one business hour of an SLA breach")
        return
    for outcome in report.outcomes:
        if isinstance(outcome, outbound.Skipped):
            typer.echo(f"not sent to {outcome.address}: {outcome.reason}")
        elif dry_run:
            typer.echo(outcome.text)
        else:
            typer.echo(f"reminded {', '.join(outcome.to)}: {outcome.subject}")
