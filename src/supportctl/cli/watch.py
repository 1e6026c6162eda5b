"""`watch` (the mail service), `status` (is mail flowing?) and `alert test`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supportctl.cli.common import JsonFlag, get_app_context, sub_app


def watch_cmd(
    ctx: typer.Context,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", metavar="PATH", help="Also append the log lines to PATH."),
    ] = None,
) -> None:
    """Keep every [[imap]] folder in IMAP IDLE (else poll) and turn new mail into tickets at once.

    Runs until SIGTERM or Ctrl-C; SIGHUP reloads the config. Also sends alerts, retries
    acknowledgements, and runs `remind` and auto-close on its own schedule. One line per
    event on stderr.

    Example:  supportctl watch --log-file ~/.local/state/supportctl/watch.log
    """
    from supportctl.services import watch

    app_ctx = get_app_context(ctx)
    app_ctx.store  # noqa: B018 - opens (and migrates) the database, or names the way out
    code = watch.run(
        app_ctx.db_path,
        app_ctx.config_path,
        clock=app_ctx.clock,
        log_file=log_file.expanduser() if log_file else None,
    )
    raise typer.Exit(code)


def status_cmd(
    ctx: typer.Context,
    max_age: Annotated[
        str,
        typer.Option(
            "--max-age",
            metavar="AGE",
            help="Exit 1 when a folder's last successful sync is older (90s, 10m, 2h).",
        ),
    ] = "10m",
    json_: JsonFlag = False,
) -> None:
    """Per account and folder: last successful sync, last error, watch heartbeat; what waits.

    Exits 1 when a folder has not synced within --max-age, for monitoring checks.

    Example:  supportctl status --json --max-age 15m
    """
    from supportctl.domain.watch import parse_age
    from supportctl.errors import InputError
    from supportctl.services import status

    try:
        age = parse_age(max_age)
    except ValueError as exc:
        raise InputError(f"--max-age {exc}") from None
    app_ctx = get_app_context(ctx)
    report = status.build(app_ctx.store, app_ctx.config, now=app_ctx.now(), max_age=age)
    if json_:
        from supportctl.render.jsonout import emit_json

        emit_json(report.as_json())
    else:
        from supportctl.render.status import emit_status

        emit_status(app_ctx, report)
    if not report.healthy:
        raise typer.Exit(1)


alert_app = sub_app("Alerts to the duty person: send a test alert.")


@alert_app.command("test")
def alert_test_cmd(ctx: typer.Context) -> None:
    """Send a test alert through every configured channel ([alerts] mail, command).

    Exits 1 when a channel failed.

    Example:  supportctl alert test
    """
    from supportctl.services import alerts

    app_ctx = get_app_context(ctx)
    outcomes = alerts.send_test(app_ctx.store, app_ctx.config, now=app_ctx.now())
    for outcome in outcomes:
        word = "ok" if outcome.ok else "FAILED"
        typer.echo(f"{outcome.channel}: {word}: {outcome.detail}", err=not outcome.ok)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)
