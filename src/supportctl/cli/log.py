"""`supportctl log`: per-minute time entries, timers, listings with billable classes.

`log 42 25m "…"` is the short form of `log add`. The add path prints one plain line
and never builds a rich console: logging time is the most frequent command of all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import AsOption, CustomerOption, JsonFlag, get_app_context, sub_app

if TYPE_CHECKING:
    from supportctl.context import AppContext

log_app = sub_app(
    'Log time per minute: `log 42 25m "what"`, timers, list, edit, rm.', default="add"
)

StartOption = Annotated[
    str | None,
    typer.Option("--start", metavar="TIME", help="Start: 09:10, or '2026-10-14 09:10'."),
]
EndOption = Annotated[
    str | None,
    typer.Option("--end", metavar="TIME", help="End: 09:35, or a date-time to cross midnight."),
]
OverlapOption = Annotated[
    bool,
    typer.Option("--allow-overlap", help="Log it even if it overlaps another entry of yours."),
]
WorkCustomerOption = Annotated[
    str | None,
    typer.Option(
        "--customer",
        metavar="SLUG",
        help="Work for a customer without a ticket.",
        autocompletion=complete.customers,
    ),
]
# `log list` filters, named here so that building the command evaluates short names
# rather than whole expressions (log list is run about as often as log itself).
MonthFilter = Annotated[
    str | None,
    typer.Option(
        "--month",
        metavar="YYYY-MM",
        help="Only this month (local time).",
        autocompletion=complete.months,
    ),
]
PersonFilter = Annotated[
    str | None, typer.Option("--person", metavar="HANDLE", help="Only this person.")
]
TicketFilter = Annotated[
    int | None, typer.Option("--ticket", metavar="N", help="Only this ticket.")
]
LatestLimit = Annotated[
    int, typer.Option("--limit", min=1, help="Show at most this many (latest) rows in the table.")
]
CsvFlag = Annotated[bool, typer.Option("--csv", help="Print CSV rows instead of a table.")]


def _tz_source(app_ctx: AppContext) -> Callable[[], str]:
    """The agency time zone, read (with the config) only if the service asks for it."""
    return lambda: app_ctx.config.agency.timezone


def _actor(app_ctx: AppContext, as_handle: str | None) -> str:
    """The acting person's handle (`--as`, SUPPORTCTL_USER, config `user`); exit 3 if none."""
    return str(app_ctx.actor(as_handle, required=True))


def _target_and_words(words: list[str], customer: str | None) -> tuple[int | None, list[str]]:
    """Split `42 25m fixed it` into ticket 42 and the rest (no ticket with --customer)."""
    from supportctl.errors import InputError

    if customer is not None or not words:
        return None, words
    first = words[0].lstrip("#")
    if not first.isdigit():
        raise InputError(
            f'\'{words[0]}\' is not a ticket number; log 42 25m "what" or log --customer acme 15m "what"'
        )
    return int(first), words[1:]


def _is_duration(word: str) -> bool:
    from supportctl.domain.durations import parse_duration

    try:
        parse_duration(word)
    except ValueError:
        return False
    return True


def _duration_and_text(words: list[str]) -> tuple[str | None, str]:
    """The duration (one argument) and the description; a second bare duration word
    (`log 42 1h 30m "x"`) is refused rather than logged as part of the description."""
    from supportctl.errors import InputError

    if words and _is_duration(words[0]):
        if len(words) > 1 and _is_duration(words[1]):
            raise InputError(
                f"'{words[0]} {words[1]}': a duration is one argument",
                hint=f'quote it: log … "{words[0]} {words[1]}" "what"',
            )
        return words[0], " ".join(words[1:])
    return None, " ".join(words)


def _looks_like_duration(word: str) -> bool:
    return any(ch.isdigit() for ch in word) and len(word) <= 12 and " " not in word.strip()


@log_app.command("add")
def log_add(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TICKET] [DURATION] WHAT",
            help="Ticket number (unless --customer), duration (25m, 1h30, 1h 30m, 1:30, 90) and what was done.",
            show_default=False,
        ),
    ] = None,
    customer: WorkCustomerOption = None,
    start: StartOption = None,
    end: EndOption = None,
    on_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="DATE",
            help="Day of the work: 2026-10-14, 14.10.2026, 14.10., yesterday, monday (default today).",
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", metavar="KIND", help="work, or messaging (mail and calls).")
    ] = "work",
    internal: Annotated[
        bool, typer.Option("--internal", help="Internal work: never billed.")
    ] = False,
    class_: Annotated[
        str | None,
        typer.Option(
            "--class",
            metavar="CLASS",
            help="Override the derived class: included, billable, non-billable, needs-approval.",
        ),
    ] = None,
    allow_overlap: OverlapOption = False,
    corrects: Annotated[
        str | None,
        typer.Option(
            "--corrects",
            metavar="INVOICE",
            help="A correction of an issued invoice (next open month).",
        ),
    ] = None,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Log time on a ticket or a customer; the entry ends now unless told otherwise.

    With only a duration the entry ends now (with --date, at this time of day on that
    date). --start/--end are local times of the agency.

    Example:  supportctl log 42 25m "Updated WordPress plugins"
    """
    from supportctl.services import timelog

    app_ctx = get_app_context(ctx)
    ticket, rest = _target_and_words(list(words or []), customer)
    duration, text = _duration_and_text(rest)
    if (
        duration is None
        and start is None
        and end is None
        and rest
        and _looks_like_duration(rest[0])
    ):
        duration = rest[0]  # let the service name the bad duration
        text = " ".join(rest[1:])
    actor = _actor(app_ctx, as_)
    logged = timelog.add_entry(
        app_ctx.store,
        person=actor,
        ticket=ticket,
        customer=customer,
        description=text,
        duration=duration,
        start=start,
        end=end,
        on_date=on_date,
        kind=kind,
        internal=internal,
        class_override=class_,
        allow_overlap=allow_overlap,
        corrects=corrects,
        actor=actor,
        now=app_ctx.now(),
        tz=_tz_source(app_ctx),
    )
    from supportctl.render.timelog import emit_logged

    emit_logged(logged, as_json=json_)


@log_app.command("start")
def log_start(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TICKET] [WHAT]",
            help="Ticket number (unless --customer) and what.",
            show_default=False,
        ),
    ] = None,
    customer: WorkCustomerOption = None,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Start your timer; one timer runs per person.

    Example:  supportctl log start 42 "Checking the mail server logs"
    """
    from supportctl.services import timelog

    app_ctx = get_app_context(ctx)
    ticket, rest = _target_and_words(list(words or []), customer)
    actor = _actor(app_ctx, as_)
    timer = timelog.start_timer(
        app_ctx.store,
        person=actor,
        ticket=ticket,
        customer=customer,
        description=" ".join(rest),
        actor=actor,
        now=app_ctx.now(),
        tz=_tz_source(app_ctx),
    )
    from supportctl.render.timelog import emit_timer

    emit_timer(app_ctx, timer, as_json=json_, verb="started")


def _can_prompt() -> bool:
    import sys

    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


@log_app.command("stop")
def log_stop(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[WHAT]",
            help="What was done (else the text given at start).",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Log a timer over midnight or over 10 hours without asking."
        ),
    ] = False,
    discard: Annotated[
        bool, typer.Option("--discard", help="Throw the timer away without logging anything.")
    ] = False,
    allow_overlap: OverlapOption = False,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Stop your timer and log its whole minutes (seconds are dropped).

    A timer that ran over midnight or longer than 10 hours asks first (or --yes);
    without a terminal to ask on, it is refused with exit 2 and keeps running.

    Example:  supportctl log stop "Found and fixed the broken cron job"
    """
    from functools import partial

    from supportctl.errors import InputError
    from supportctl.services import timelog

    app_ctx = get_app_context(ctx)
    actor = _actor(app_ctx, as_)
    now = app_ctx.now()
    if discard:
        dropped = timelog.discard_timer(app_ctx.store, person=actor, actor=actor, now=now)
        from supportctl.render.timelog import emit_timer

        emit_timer(app_ctx, dropped, as_json=json_, verb="discarded")
        return
    # One transaction reads the timer and all the entry's checks together. A long
    # timer is refused without a yes, so that no question is asked while it holds the
    # write lock: the question comes after, and the stop runs again if the answer is yes.
    stop = partial(
        timelog.stop_timer,
        app_ctx.store,
        person=actor,
        description=" ".join(words or []),
        allow_overlap=allow_overlap,
        actor=actor,
        now=now,
        tz=_tz_source(app_ctx),
    )
    try:
        logged = stop(confirmed=yes)
    except timelog.TimerNeedsYes as needs:
        if not _can_prompt():
            raise
        if not typer.confirm(
            f"{needs.question}. Log {needs.timer.minutes} minutes?", default=False
        ):
            raise InputError("nothing logged; the timer keeps running") from None
        logged = stop(confirmed=True, seen=needs.timer)
    from supportctl.render.timelog import emit_logged

    emit_logged(logged, as_json=json_)


@log_app.command("status")
def log_status(ctx: typer.Context, as_: AsOption = None, json_: JsonFlag = False) -> None:
    """Show your running timer, if any.

    Example:  supportctl log status --json
    """
    from supportctl.services import timelog

    app_ctx = get_app_context(ctx)
    actor = _actor(app_ctx, as_)
    timer = timelog.timer_status(app_ctx.store, actor, app_ctx.now())
    from supportctl.render.timelog import emit_timer

    emit_timer(app_ctx, timer, as_json=json_, verb="running", person=actor)


@log_app.command("list")
def log_list(
    ctx: typer.Context,
    month: MonthFilter = None,
    customer: CustomerOption = None,
    person: PersonFilter = None,
    ticket: TicketFilter = None,
    limit: LatestLimit = 50,
    csv_: CsvFlag = False,
    json_: JsonFlag = False,
) -> None:
    """List time entries with their billable classes and totals per class.

    Rows are in start order; an entry split by the end of the included quota shows as
    two rows (its included and billable parts) sharing one id.

    Example:  supportctl log list --month 2026-10 --customer acme
    """
    from supportctl.services import timesheet

    app_ctx = get_app_context(ctx)
    from supportctl.services.timebase import month as parse_month

    tz = app_ctx.config.agency.timezone
    store = app_ctx.store
    listing = timesheet.list_entries(
        store,
        month=None if month is None else parse_month(month),
        customer=customer,
        person=person,
        ticket=ticket,
        tz=tz,
        limit=None if (json_ or csv_) else limit,
        stream=json_ or csv_,
    )
    from supportctl.render.timelog import emit_listing

    emit_listing(app_ctx, listing, tz=tz, as_json=json_, as_csv=csv_, limit=limit)


@log_app.command("edit")
def log_edit(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The entry's id (see log list).")],
    minutes: Annotated[
        str | None, typer.Option("--minutes", metavar="DURATION", help="New duration (25m, 1h30).")
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    description: Annotated[
        str | None, typer.Option("--description", metavar="TEXT", help="New description.")
    ] = None,
    class_: Annotated[
        str | None,
        typer.Option(
            "--class",
            metavar="CLASS",
            help="Override: included, billable, non-billable, needs-approval; 'auto' removes the override.",
        ),
    ] = None,
    allow_overlap: OverlapOption = False,
    to_ticket: Annotated[
        int | None,
        typer.Option("--ticket", metavar="N", help="Move the entry to this ticket."),
    ] = None,
    to_customer: Annotated[
        str | None,
        typer.Option(
            "--customer", metavar="SLUG", help="Move the entry to this customer (no ticket)."
        ),
    ] = None,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Change an entry; the history keeps the old and new values.

    --ticket/--customer move it to another ticket or customer (not out of or into an
    invoiced month).

    Example:  supportctl log edit 17 --minutes 40m --description "Plugins and theme update"
    """
    from supportctl.services import timelog

    app_ctx = get_app_context(ctx)
    actor = _actor(app_ctx, as_)
    clear = class_ == "auto"
    result = timelog.edit_entry(
        app_ctx.store,
        entry_id,
        minutes=minutes,
        start=start,
        end=end,
        description=description,
        class_override=None if clear else class_,
        clear_class=clear,
        allow_overlap=allow_overlap,
        ticket=to_ticket,
        customer=to_customer,
        actor=actor,
        now=app_ctx.now(),
        tz=_tz_source(app_ctx),
    )
    from supportctl.render.timelog import emit_change

    emit_change(result, verb="changed", as_json=json_)


@log_app.command("rm")
def log_rm(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The entry's id (see log list).")],
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Remove an entry; the history keeps every value it had.

    Example:  supportctl log rm 17
    """
    from supportctl.services import timelog

    app_ctx = get_app_context(ctx)
    actor = _actor(app_ctx, as_)
    result = timelog.remove_entry(
        app_ctx.store,
        entry_id,
        actor=actor,
        now=app_ctx.now(),
        tz=_tz_source(app_ctx),
    )
    from supportctl.render.timelog import emit_change

    emit_change(result, verb="removed", as_json=json_)
