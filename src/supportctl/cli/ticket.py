"""`ticket ...`: one ticket's history and attachments (more subcommands join this group)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import AsOption, JsonFlag, get_app_context, sub_app

ticket_app = sub_app("Tickets: show one with its mail, save attachments, and manage it.")


@ticket_app.command("show")
def ticket_show(
    ctx: typer.Context,
    ticket_id: Annotated[
        int, typer.Argument(metavar="N", help="Ticket number.", autocompletion=complete.tickets)
    ],
    json_: JsonFlag = False,
    full: Annotated[
        bool,
        typer.Option("--full", help="Show quoted history and signatures too (hidden by default)."),
    ] = False,
) -> None:
    """Show a ticket with every message and its attachments.

    Quoted history and signatures are hidden, with a line saying how many; --full shows
    everything. In --json, `text` is the whole body and `text_trimmed` the new part.

    Example:  supportctl ticket show 42 --full
    """
    from supportctl.render.ticket import emit_ticket
    from supportctl.services import tickets, ticketview
    from supportctl.services.calendar import read_ahead
    from supportctl.services.suggest import suggest_later

    app_ctx = get_app_context(ctx)
    store = app_ctx.store
    # Everything that needs only the ticket number travels with the ticket's own read
    # (one round trip on a server; SQLite runs each read when it is asked for).
    read_ahead(store, app_ctx.config)  # for the clock
    history_later = tickets.history_later(store, app_ctx.config, ticket_id, app_ctx.now())
    view_later = ticketview.get_later(store, ticket_id, app_ctx.config)
    kb_later = None if json_ else suggest_later(store, ticket_id)
    row = tickets.require(store, ticket_id)
    real = int(row["id"])
    if real != ticket_id:  # a number merged into another ticket: read that one, together
        history_later = tickets.history_later(store, app_ctx.config, real, app_ctx.now())
        view_later = ticketview.get_later(store, real, app_ctx.config)
        kb_later = None if json_ else suggest_later(store, real)
    history = history_later(row)
    emit_ticket(app_ctx, view_later(row), as_json=json_, history=history, full=full)
    if kb_later is not None:  # the knowledge base: articles from this ticket, then suggestions
        from supportctl.render.kb import emit_ticket_kb

        emit_ticket_kb(app_ctx, kb_later())


@ticket_app.command("attachment")
def ticket_attachment(
    ctx: typer.Context,
    ticket_id: Annotated[
        int, typer.Argument(metavar="N", help="Ticket number.", autocompletion=complete.tickets)
    ],
    number: Annotated[
        int, typer.Argument(metavar="K", help="Attachment number from `ticket show`.")
    ],
    save: Annotated[
        Path, typer.Option("--save", metavar="DIR", help="Directory to save the file into.")
    ],
) -> None:
    """Save attachment K of ticket N into a directory (never overwrites).

    Example:  supportctl ticket attachment 42 1 --save ~/Downloads
    """
    from supportctl.services import ticketview

    app_ctx = get_app_context(ctx)
    path = ticketview.save_attachment(app_ctx.store, ticket_id, number, save)
    typer.echo(f"saved {path}")


# -- lifecycle: new, note, status, urgency, kind, assign, merge ----------------------

if TYPE_CHECKING:
    from supportctl.context import AppContext
    from supportctl.services.tickets import Change

TicketArg = Annotated[
    int, typer.Argument(metavar="N", help="Ticket number.", autocompletion=complete.tickets)
]


@ticket_app.command("new")
def ticket_new(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="A short subject.")],
    customer: Annotated[
        str,
        typer.Option(
            "--customer", metavar="SLUG", help="The customer.", autocompletion=complete.customers
        ),
    ],
    from_addr: Annotated[
        str | None, typer.Option("--from", metavar="ADDR", help="Who asked (e-mail address).")
    ] = None,
    text: Annotated[str, typer.Argument(help="What was asked (optional).")] = "",
    phone: Annotated[
        str | None,
        typer.Option("--phone", metavar="NUMBER", help="Who asked, by telephone number."),
    ] = None,
    as_: AsOption = None,
) -> None:
    """Open a ticket by hand, for a request that came by phone or in person.

    Give the requester with --from ADDR, --phone NUMBER (no e-mail needed), or both.

    Example:  supportctl ticket new --customer acme --from matti.virtanen@acme.fi "Lomake ei toimi" "Soitti klo 10"
    """
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    ticket_id = tickets.new_by_hand(
        app_ctx.store,
        app_ctx.config,
        customer=customer,
        from_addr=from_addr,
        subject=subject,
        text=text,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
        phone=phone,
    )
    _echo_created(app_ctx, ticket_id)


def _echo_created(app_ctx: AppContext, ticket_id: int) -> None:
    from supportctl.services.inbox import describe

    typer.echo(describe(app_ctx.store, app_ctx.config, ticket_id, app_ctx.now()))


@ticket_app.command("note")
def ticket_note(
    ctx: typer.Context,
    ticket_id: TicketArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    as_: AsOption = None,
) -> None:
    """Add an internal note to a ticket's history (never sent to the customer).

    Example:  supportctl ticket note 42 "Called Matti, the form works again"
    """
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    real = tickets.add_note(
        app_ctx.store,
        ticket_id=ticket_id,
        text=text,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
    )
    typer.echo(f"#{real}: note added")


@ticket_app.command("status")
def ticket_status(
    ctx: typer.Context,
    ticket_id: TicketArg,
    status: Annotated[
        str, typer.Argument(metavar="STATUS", help="new|open|waiting|resolved|closed")
    ],
    notify: Annotated[
        bool, typer.Option("--notify", help="Mail the customer the new status.")
    ] = False,
    as_: AsOption = None,
) -> None:
    """Set a ticket's status; waiting pauses the resolution clock.

    Example:  supportctl ticket status 42 resolved --notify
    """
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    transport = None
    if notify:
        from supportctl.services import outbound

        transport = outbound.transport_for(app_ctx.config)  # no [smtp]: refuse before changing
    change = tickets.set_status(
        app_ctx.store,
        app_ctx.config,
        ticket_id=ticket_id,
        status=status,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
    )
    _echo_change(change)
    if transport is not None:
        outcome = outbound.notify_status(
            app_ctx.store,
            app_ctx.config,
            ticket_id=change.id,
            status=change.new or status,
            actor=app_ctx.actor(as_, required=False),
            now=app_ctx.now(),
            transport=transport,
            after_change=True,
        )
        typer.echo(outcome.describe())


def _echo_change(change: Change) -> None:
    if change.old == change.new:
        typer.echo(f"#{change.id}: {change.field} already {change.new}")
    else:
        typer.echo(f"#{change.id}: {change.field} {change.old or '-'} → {change.new}")


@ticket_app.command("urgency")
def ticket_urgency(
    ctx: typer.Context,
    ticket_id: TicketArg,
    urgency: Annotated[str, typer.Argument(metavar="URGENCY", help="urgent|normal")],
    as_: AsOption = None,
) -> None:
    """Override a ticket's urgency.

    Example:  supportctl ticket urgency 42 urgent
    """
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    _echo_change(
        tickets.set_urgency(
            app_ctx.store,
            ticket_id=ticket_id,
            urgency=urgency,
            actor=app_ctx.actor(as_, required=False),
            now=app_ctx.now(),
        )
    )


@ticket_app.command("kind")
def ticket_kind(
    ctx: typer.Context,
    ticket_id: TicketArg,
    kind: Annotated[str, typer.Argument(metavar="KIND", help="incident|request")],
    as_: AsOption = None,
) -> None:
    """Override a ticket's kind.

    Example:  supportctl ticket kind 42 incident
    """
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    _echo_change(
        tickets.set_kind(
            app_ctx.store,
            ticket_id=ticket_id,
            kind=kind,
            actor=app_ctx.actor(as_, required=False),
            now=app_ctx.now(),
        )
    )


@ticket_app.command("assign")
def ticket_assign(
    ctx: typer.Context,
    ticket_id: TicketArg,
    handle: Annotated[
        str, typer.Argument(metavar="HANDLE", help="The new owner.", autocompletion=complete.people)
    ],
    as_: AsOption = None,
) -> None:
    """Give a ticket to another team member.

    Example:  supportctl ticket assign 42 bob
    """
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    _echo_change(
        tickets.assign(
            app_ctx.store,
            ticket_id=ticket_id,
            handle=handle,
            actor=app_ctx.actor(as_, required=False),
            now=app_ctx.now(),
        )
    )


@ticket_app.command("merge")
def ticket_merge(
    ctx: typer.Context,
    source: Annotated[
        int,
        typer.Argument(
            metavar="N", help="The ticket to merge away.", autocompletion=complete.tickets
        ),
    ],
    target: Annotated[
        int,
        typer.Argument(metavar="M", help="The ticket that stays.", autocompletion=complete.tickets),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Merge tickets of two different customers.")
    ] = False,
    as_: AsOption = None,
) -> None:
    """Merge ticket N into ticket M: messages move, history stays, both numbers keep working.

    The ticket left keeps the higher urgency. Tickets of two different customers are
    merged after a yes on a terminal, otherwise only with --force.

    Example:  supportctl ticket merge 43 42
    """
    import sys

    from supportctl.errors import InputError
    from supportctl.services import tickets

    app_ctx = get_app_context(ctx)
    if not force:
        question = tickets.merge_question(app_ctx.store, source_id=source, target_id=target)
        if question is not None and sys.stdin is not None and sys.stdin.isatty():
            if not typer.confirm(f"{question}. Merge anyway?", default=False):
                raise InputError("not merged")
            force = True
    change = tickets.merge(
        app_ctx.store,
        source_id=source,
        target_id=target,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
        force=force,
    )
    typer.echo(f"#{change.old} merged into #{change.new}")


@ticket_app.command("approve")
def ticket_approve(
    ctx: typer.Context,
    ticket_id: TicketArg,
    message: Annotated[
        str | None,
        typer.Option(
            "--message",
            metavar="ID",
            help="The stored message (id from `ticket show`, or its Message-ID) in which a designated contact approved the work.",
        ),
    ] = None,
    override: Annotated[
        str | None,
        typer.Option(
            "--override",
            metavar="REASON",
            help="Approve without such a message; the reason and you are recorded.",
        ),
    ] = None,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Approve billable work on a request that needs approval.

    The message must be on this ticket, from a designated contact of its customer, and
    authenticated by the trusted server (`authserv_id`): DMARC pass for the From
    domain; or, with no DMARC verdict, a DKIM or SPF pass aligned with it.

    Example:  supportctl ticket approve 42 --message 17
    """
    from supportctl.services import approval

    app_ctx = get_app_context(ctx)
    actor = str(app_ctx.actor(as_, required=True))
    result = approval.approve(
        app_ctx.store,
        ticket_id,
        message=message,
        override=override,
        actor=actor,
        now=app_ctx.now(),
        config=app_ctx.config,
        tz=app_ctx.config.agency.timezone,
    )
    if json_:
        from supportctl.render.jsonout import emit_json

        emit_json(result)
        return
    how = (
        f"message {result['message']} from {result['from']}"
        if "message" in result
        else f"override by {result['by']}: {result['override']}"
    )
    typer.echo(f"#{ticket_id} approved ({how}); its time is billable now")
    for item in result["unbilled"]:
        typer.echo(
            f"note: {item['minutes']} min of #{ticket_id} in {item['month']} were not billed on invoice {item['invoice']} (frozen); bill them in an open month with `supportctl log … --corrects {item['invoice']}`",
            err=True,
        )
