"""`fetch`, `inbox` and `reparse`: mail in and the list of open tickets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from supportctl.cli.common import AsOption, CustomerOption, JsonFlag, LimitOption, get_app_context


def _fetch(  # type: ignore[no-untyped-def]
    app_ctx,
    *,
    source: str | None,
    dry_run: bool,
    account: list[str] | None,
    history_before=None,
    fail_partly: bool = True,
):
    from supportctl.render.inbox import FetchProgress
    from supportctl.services import importing

    progress = FetchProgress(app_ctx)
    try:
        if source is not None:
            report = importing.import_file_source(
                app_ctx.store,
                app_ctx.config,
                source,
                now=app_ctx.now(),
                dry_run=dry_run,
                on_progress=progress.update,
                history_before=history_before,
            )
        else:
            report = importing.fetch_accounts(
                app_ctx.store,
                app_ctx.config,
                now=app_ctx.now(),
                account_names=account or None,
                on_start=progress.start,
                on_progress=progress.update,
                history_before=history_before,
            )
    finally:
        progress.stop()
    for folder in report.busy:
        app_ctx.err.print(
            f"{folder} is being fetched by another run right now; skipped it this time",
            markup=False,
        )
    if not dry_run:
        app_ctx.store.run_before_first_write()  # auto-close runs on every fetch
    if not dry_run and report.new_tickets:
        _acknowledge(app_ctx, [t.ticket_id for t in report.new_tickets])
    if report.failures and fail_partly:
        _fail_partly(app_ctx, report)
    return report


def _fail_partly(app_ctx, report) -> None:  # type: ignore[no-untyped-def]
    """Some folders or accounts failed while the rest synced: say what was stored, name
    each failure on its own line, and end with exit 6."""
    from supportctl.errors import MailError
    from supportctl.render.inbox import emit_summary

    emit_summary(app_ctx, report)
    _warn_failures(app_ctx, report)
    count = len(report.failures)
    raise MailError(
        f"{count} mail folder{'s' if count != 1 else ''} or account{'s' if count != 1 else ''} "
        "could not be fetched (see above); the rest was stored",
        hint="check folders and archive_folder in `supportctl config show` against the server's",
    )


def _warn_failures(app_ctx, report) -> None:  # type: ignore[no-untyped-def]
    from supportctl.render.safe import one_line

    for failure in report.failures:
        app_ctx.err.print(f"warning: {one_line(failure)}", markup=False, soft_wrap=True)


def _acknowledge(app_ctx, ticket_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Acknowledge new tickets by mail when `[smtp] acknowledge = true` (after the commit)."""
    from supportctl.services import outbound

    outcomes = outbound.acknowledge_new(
        app_ctx.store, app_ctx.config, ticket_ids, now=app_ctx.now()
    )
    sent = sum(1 for o in outcomes if isinstance(o, outbound.Sent))
    failed = [
        o for o in outcomes if isinstance(o, outbound.Skipped) and o.reason.startswith("not sent")
    ]
    if sent:
        app_ctx.err.print(
            f"acknowledged {sent} new ticket{'s' if sent != 1 else ''} by mail", markup=False
        )
    if failed:
        app_ctx.err.print(
            f"warning: acknowledgements {failed[0].reason}", markup=False, soft_wrap=True
        )


def _history_cutoff(app_ctx, day: str | None, everything: bool):  # type: ignore[no-untyped-def]
    """The moment before which mail is history: local midnight of `day`, or no limit."""
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    from supportctl.errors import InputError
    from supportctl.services import validate

    if day is not None and everything:
        raise InputError("give --history-before DATE or --history, not both")
    if everything:
        return datetime.max.replace(tzinfo=UTC)
    if day is None:
        return None
    zone = ZoneInfo(app_ctx.config.agency.timezone)
    first = validate.day(day, app_ctx.today(), "--history-before")
    return datetime.combine(first, time(0), zone).astimezone(UTC)


def fetch_cmd(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="mbox:PATH|maildir:PATH",
            help="Read from a file source instead of the IMAP accounts.",
        ),
    ] = None,
    explain: Annotated[
        Path | None,
        typer.Option(
            "--explain",
            metavar="FILE.eml",
            help="Show every decision for one message; writes nothing.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="With --source: count what would happen, write nothing."),
    ] = False,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", metavar="NAME", help="Only this [[imap]] account (repeatable)."),
    ] = None,
    history_before: Annotated[
        str | None,
        typer.Option(
            "--history-before",
            metavar="DATE",
            help="Mail that arrived before this day is history: imported closed, no SLA clock, no mail out.",
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option("--history", help="Import everything as history (closed, still searchable)."),
    ] = False,
    problems: Annotated[
        bool,
        typer.Option("--problems", help="List quarantined mail (not stored); fetches nothing."),
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """Pull new mail from every IMAP account (or a file source) into tickets.

    With --history-before DATE (or --history for everything) an old mailbox becomes an
    archive: its tickets are closed, searchable, and nobody is mailed about them.

    Example:  supportctl fetch --source mbox:~/old-support.mbox --history-before 2026-10-01
    """
    from supportctl.errors import InputError
    from supportctl.render.inbox import emit_explain, emit_problems, emit_summary
    from supportctl.render.jsonout import emit_json

    app_ctx = get_app_context(ctx)
    cutoff = _history_cutoff(app_ctx, history_before, history)
    if problems:
        from supportctl.services import mailadmin

        emit_problems(app_ctx, mailadmin.problems(app_ctx.store), as_json=json_)
        return
    if explain is not None:
        from supportctl.services import importing

        path = explain.expanduser()
        if not path.is_file():
            raise InputError(f"no file {path}", hint="give a saved message: --explain FILE.eml")
        plan = importing.explain(
            app_ctx.store,
            app_ctx.config,
            path.read_bytes(),
            now=app_ctx.now(),
            history_before=cutoff,
        )
        emit_explain(app_ctx, plan, as_json=json_)
        return
    if dry_run and source is None:
        raise InputError(
            "--dry-run works with --source only", hint="use --explain FILE.eml for one message"
        )
    report = _fetch(app_ctx, source=source, dry_run=dry_run, account=account, history_before=cutoff)
    if json_:
        emit_json(
            {
                "id": None,
                "stored": report.stored,
                "new_tickets": [t.ticket_id for t in report.new_tickets],
                "history_tickets": report.history_tickets,
                "threaded": report.threaded,
                "non_human": report.non_human,
                "duplicates": report.duplicates,
                "blocked": report.blocked,
                "own": report.own,
                "archived": report.moved,
                "quarantined": report.quarantined,
                "dry_run": report.dry_run,
            }
        )
    emit_summary(app_ctx, report)


def inbox_cmd(
    ctx: typer.Context,
    no_fetch: Annotated[bool, typer.Option("--no-fetch", help="Do not fetch mail first.")] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Include closed and non-human tickets.")
    ] = False,
    mine: Annotated[
        bool,
        typer.Option("--mine", help="Only tickets I own (--as, SUPPORTCTL_USER or config user)."),
    ] = False,
    customer: CustomerOption = None,
    limit: LimitOption = 50,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail (exit 3 or 6) when fetching fails, without the queue."),
    ] = False,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Fetch new mail, then the queue: urgent, premium, standard, light, oldest first, with SLA clocks.

    When fetching fails (mail server down, login refused) the queue is still shown after
    one warning line, exit 0; --strict fails instead.

    Example:  supportctl inbox --no-fetch --mine --limit 20
    """
    from supportctl.errors import ConfigError, MailError
    from supportctl.render.inbox import emit_queue, emit_queue_json, emit_summary
    from supportctl.services import inbox

    app_ctx = get_app_context(ctx)
    if not no_fetch and app_ctx.config.imap:
        try:
            report = _fetch(app_ctx, source=None, dry_run=False, account=None, fail_partly=strict)
        except (MailError, ConfigError) as exc:
            if strict:
                raise
            from supportctl.render.safe import one_line

            app_ctx.err.print(
                f"warning: mail not fetched ({one_line(exc.message, 300)}); the queue below is "
                "what was stored before (--no-fetch skips fetching, --strict fails instead)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        else:
            emit_summary(app_ctx, report)
            _warn_failures(app_ctx, report)  # some folders failed; the rest was fetched
    if app_ctx.config.imap:
        from datetime import timedelta

        from supportctl.services.status import stale_watches

        for warning in stale_watches(
            app_ctx.store, app_ctx.config, now=app_ctx.now(), max_age=timedelta(minutes=10)
        ):
            app_ctx.err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if json_:
        warnings, rows = inbox.stream(
            app_ctx.store,
            app_ctx.config,
            now=app_ctx.now(),
            mine=app_ctx.actor(as_) if mine else None,
            customer=customer,
            include_all=all_,
        )
        emit_queue_json(warnings, rows)
        _note_authentication(app_ctx)
        return
    queue = inbox.queue(
        app_ctx.store,
        app_ctx.config,
        now=app_ctx.now(),
        mine=app_ctx.actor(as_) if mine else None,
        customer=customer,
        include_all=all_,
        limit=limit,
    )
    emit_queue(app_ctx, queue, as_json=False)
    _note_authentication(app_ctx)


def _note_authentication(app_ctx: Any) -> None:
    from supportctl.services.authentication import NOT_CONFIGURED, is_configured

    if not is_configured(app_ctx.config):
        # One plain line: a rich console for stderr would cost more than the queue.
        typer.echo(f"note: {NOT_CONFIGURED}", err=True)


def reparse_cmd(
    ctx: typer.Context,
    tickets: Annotated[
        list[int] | None, typer.Argument(help="Only these tickets (default: all mail).")
    ] = None,
) -> None:
    """Parse stored mail again from its raw bytes (text, headers, attachments).

    Example:  supportctl reparse 42
    """
    from supportctl.services import mailadmin

    app_ctx = get_app_context(ctx)
    report = mailadmin.reparse(
        app_ctx.store, app_ctx.config, ticket_ids=tickets or None, now=app_ctx.now()
    )
    line = f"re-parsed {report.messages} messages; {report.changed} changed"
    if report.tickets:
        line += f"; {report.tickets} tickets repaired ({report.matched} matched to a customer)"
    if report.quarantined:
        line += f"; {report.recovered} of {report.quarantined} quarantined stored"
    typer.echo(line)
