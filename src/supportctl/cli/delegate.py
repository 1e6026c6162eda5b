"""`delegate` (new/done/reassign; `delegate N "task" --skill S` is `delegate new …`) and `delegated`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import AsOption, JsonFlag, get_app_context, sub_app

if TYPE_CHECKING:
    from supportctl.context import AppContext

delegate_app = sub_app(
    "Delegate a task on a ticket: --skill picks the best person and says why, --to names one.",
    default="new",
)

ToOption = Annotated[
    str | None,
    typer.Option(
        "--to", metavar="HANDLE", help="Give it to this person.", autocompletion=complete.people
    ),
]
ForceFlag = Annotated[
    bool, typer.Option("--force", help="With --to: allow a person who is absent today.")
]
NotifyFlag = Annotated[bool, typer.Option("--notify", help="Mail the person the task goes to.")]


@delegate_app.command("new")
def delegate_new(
    ctx: typer.Context,
    ticket: Annotated[
        int, typer.Argument(help="The ticket number.", autocompletion=complete.tickets)
    ],
    task: Annotated[str, typer.Argument(help="What needs doing, in a sentence.")],
    skill: Annotated[
        str | None,
        typer.Option("--skill", help="Skill the task needs; the best available person is chosen."),
    ] = None,
    estimate: Annotated[
        str | None, typer.Option("--estimate", help="Expected work, e.g. 45m or 1h30.")
    ] = None,
    to: ToOption = None,
    force: ForceFlag = False,
    notify: NotifyFlag = False,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Delegate a task on a ticket; with --skill the best person is chosen and shown with why.

    Example:  supportctl delegate 42 "renew the DNS records" --skill dns --estimate 45m
    """
    from supportctl.render.delegation import emit_delegated
    from supportctl.services import delegation

    app_ctx = get_app_context(ctx)
    transport = _notice_transport(app_ctx) if notify or _config_notifies(app_ctx) else None
    result = delegation.delegate(
        app_ctx.store,
        app_ctx.config,
        ticket_id=ticket,
        task=task,
        skill=skill,
        to=to,
        force=force,
        estimate=estimate,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
    )
    emit_delegated(app_ctx, result, as_json=json_)
    if transport is not None:
        _notify(app_ctx, result.task.id, app_ctx.actor(as_, required=False), transport)


@delegate_app.command("done")
def delegate_done(
    ctx: typer.Context,
    task: Annotated[int, typer.Argument(help="The task id (see `supportctl delegated`).")],
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Mark a delegated task done.

    Example:  supportctl delegate done 7
    """
    from supportctl.render.delegation import emit_task
    from supportctl.services import delegation

    app_ctx = get_app_context(ctx)
    result = delegation.done(
        app_ctx.store,
        task_id=task,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
        tz=app_ctx.config.agency.timezone,
    )
    emit_task(app_ctx, result, as_json=json_, verb="done")


@delegate_app.command("reassign")
def delegate_reassign(
    ctx: typer.Context,
    task: Annotated[int, typer.Argument(help="The task id (see `supportctl delegated`).")],
    to: Annotated[
        str,
        typer.Option(
            "--to", metavar="HANDLE", help="The new person.", autocompletion=complete.people
        ),
    ],
    force: ForceFlag = False,
    notify: NotifyFlag = False,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Give an open delegated task to someone else.

    Example:  supportctl delegate reassign 7 --to dave
    """
    from supportctl.render.delegation import emit_task
    from supportctl.services import delegation

    app_ctx = get_app_context(ctx)
    transport = _notice_transport(app_ctx) if notify else None
    result = delegation.reassign(
        app_ctx.store,
        app_ctx.config,
        task_id=task,
        to=to,
        force=force,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
    )
    emit_task(app_ctx, result, as_json=json_, verb="reassigned")
    if transport is not None:
        _notify(app_ctx, result.id, app_ctx.actor(as_, required=False), transport)


def _config_notifies(app_ctx: AppContext) -> bool:
    """`[smtp] notify_delegate = true` makes every delegation mail the delegate."""
    smtp = app_ctx.config.smtp
    return smtp is not None and smtp.notify_delegate


def _notice_transport(app_ctx: AppContext) -> object:
    """The mail transport for --notify, built first: no [smtp] refuses before any change."""
    from supportctl.services import outbound

    return outbound.transport_for(app_ctx.config)


def _notify(app_ctx: AppContext, task_id: int, actor: str | None, transport: object) -> None:
    """Mail the delegate; the line goes to stderr so --json output stays one document."""
    from supportctl.services import outbound

    outcome = outbound.notify_delegation(
        app_ctx.store,
        app_ctx.config,
        task_id=task_id,
        actor=actor,
        now=app_ctx.now(),
        transport=transport,  # type: ignore[arg-type]
        after_change=True,
    )
    typer.echo(outcome.describe(), err=True)


def delegated_cmd(
    ctx: typer.Context,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only my open tasks, in the order to do them.")
    ] = False,
    review: Annotated[
        bool, typer.Option("--review", help="Record that the team reviewed these tasks now.")
    ] = False,
    since_last: Annotated[
        bool,
        typer.Option("--since-last", help="What changed since the last recorded review."),
    ] = False,
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table (default) or md for chat.")
    ] = "table",
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            min=1,
            help="List every task when there are at most this many; else one line per person.",
        ),
    ] = 50,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """The Monday review: open delegated tasks per person, FIFO, with ages, SLA and flags.

    Example:  supportctl delegated --review
    """
    from supportctl.errors import InputError

    if fmt not in ("table", "md"):
        raise InputError(f"unknown --format '{fmt}'; use table or md")
    if json_ and fmt != "table":
        raise InputError("choose one output: --json or --format md")
    if mine and review:
        raise InputError("--review records the whole team's review; drop --mine")

    from supportctl.render import delegation as render
    from supportctl.services import delegation

    app_ctx = get_app_context(ctx)
    store = app_ctx.store
    now = app_ctx.now()
    who = app_ctx.actor(as_) if mine or review else None
    if since_last:
        changes = delegation.since_last(store)
        render.emit_changes(app_ctx, changes, as_json=json_, fmt=fmt)
        if review:
            result = delegation.review(store, app_ctx.config, now=now, limit=limit)
            recorded = delegation.record_review(store, result, actor=who, now=now)
            typer.echo(
                f"review recorded: {recorded['open_tasks']} open tasks seen by {who}", err=True
            )
        return
    result = delegation.review(
        store,
        app_ctx.config,
        now=now,
        mine=who if mine else None,
        limit=None if json_ or fmt == "md" else limit,
    )
    render.emit_review(app_ctx, result, as_json=json_, fmt=fmt)
    if review:
        recorded = delegation.record_review(store, result, actor=who, now=now)
        typer.echo(f"review recorded: {recorded['open_tasks']} open tasks seen by {who}", err=True)
