"""`supportctl reply N`: answer a customer from $EDITOR, -m or --file, over SMTP.

The editor starts with the customer's last message quoted (and a canned reply above it
with `--template`); leaving only the quote is an empty message and sends nothing. A
canned reply with `-m` (or without a terminal) is filled and sent without an editor. A
failed send keeps the text as a draft and says where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import AsOption, JsonFlag, get_app_context


def reply_cmd(
    ctx: typer.Context,
    ticket_id: Annotated[
        int | None,
        typer.Argument(
            metavar="N",
            help="The ticket to answer.",
            show_default=False,
            autocompletion=complete.tickets,
        ),
    ] = None,
    message: Annotated[
        str | None,
        typer.Option("-m", "--message", help="The reply text (no editor).", show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Read the reply text from a file ('-' for stdin)."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="ADDRESS",
            help="Send to this address instead of the requester; it must have written on the ticket.",
        ),
    ] = None,
    cc: Annotated[
        list[str] | None, typer.Option("--cc", help="Copy to this address (repeatable).")
    ] = None,
    attach: Annotated[
        list[Path] | None, typer.Option("--attach", help="Attach this file (repeatable).")
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="NAME",
            help="A canned reply; -m TEXT fills its place for your words (no editor then).",
        ),
    ] = None,
    list_templates: Annotated[
        bool, typer.Option("--templates", help="List the canned replies and exit.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the message; send and record nothing.")
    ] = False,
    kb_article: Annotated[
        int | None,
        typer.Option(
            "--kb",
            metavar="ID",
            help="Put a shared knowledge-base article into the reply (in the customer's language when translated).",
        ),
    ] = None,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Reply to a ticket's customer by mail; the sent mail joins the ticket's history.

    It goes to the requester: the Reply-To of the ticket's first message, else its
    From (`ticket show` shows both), plus --cc; --to picks another address that
    already wrote on the ticket.

    Without -m or --file, $EDITOR opens with the customer's last message quoted.
    With --template NAME, -m TEXT fills the canned reply without an editor; without a
    terminal (cron, scripts) the canned reply goes as it is, unless it has a place for
    your text to fill. The subject carries the ticket tag, and In-Reply-To/References
    thread it.

    Example:  supportctl reply 42 -m "Fixed: the contact form sends again."
    """
    from supportctl.errors import InputError
    from supportctl.services import outbound

    app_ctx = get_app_context(ctx)
    if list_templates:
        _print_templates(app_ctx, outbound.templates(app_ctx.config), as_json=json_)
        return
    if ticket_id is None:
        raise InputError(
            "which ticket? give its number", hint="supportctl reply 42, or reply --templates"
        )
    if message is not None and file is not None:
        raise InputError("give the text with -m or with --file, not both")
    actor = app_ctx.actor(as_, required=False)
    now = app_ctx.now()
    store, config = app_ctx.store, app_ctx.config
    outbound.require_ticket(store, ticket_id)  # unknown ticket, no [smtp]: fail before the editor
    outbound.reply_target(store, ticket_id, to)  # a --to that never wrote: before the editor too
    transport = None if dry_run else outbound.transport_for(config)
    article = None
    if kb_article is not None:  # unknown or internal article: exit 2 before the editor
        from supportctl.services import kb

        article = kb.for_reply(store, kb_article, ticket_id)
    insert = kb.reply_text(article) if article is not None else ""
    text = message if message is not None else _read(file) if file is not None else None
    if template is not None and (text is not None or not _on_terminal()):
        # Filled from -m/--file, or (no terminal: cron, scripts) sent as it is.
        body = outbound.canned(
            store, config, ticket_id=ticket_id, name=template, actor=actor, now=now, text=text
        )
        if insert:
            body = body.rstrip("\n") + "\n\n" + insert
    elif text is not None:
        body = text + ("\n\n" + insert if insert else "")
    else:
        start = outbound.draft(
            store,
            config,
            ticket_id=ticket_id,
            template=template,
            actor=actor,
            now=now,
            text="" if template else None,
        )
        body = _edit(insert + start if insert else start)
    sent = outbound.reply(
        store,
        config,
        ticket_id=ticket_id,
        body=body,
        actor=actor,
        now=app_ctx.now(),  # after the editor: the Date is when it is sent
        cc=cc or [],
        attach=attach or [],
        dry_run=dry_run,
        transport=transport,
        to=to,
    )
    if article is not None and not dry_run:
        kb.record_use(store, article, sent.ticket_id or ticket_id, actor=actor, now=app_ctx.now())
    if json_:
        from supportctl.render.jsonout import emit_json

        data = sent.as_json()
        if article is not None:
            data["kb_article"] = article.id
        if dry_run:
            data["message"] = sent.text
        emit_json(data)
        return
    if dry_run:
        typer.echo(sent.text, nl=False)
        typer.echo("(dry run: nothing sent or recorded)", err=True)
        return
    first = "; first response" if sent.first_response else ""
    typer.echo(
        f"sent reply on #{sent.ticket_id} to {', '.join(sent.to + sent.cc)} via {sent.where}{first}"
    )


def _read(path: Path) -> str:
    import sys

    from supportctl.errors import InputError

    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InputError(f"cannot read {path}: {reason}") from None


def _on_terminal() -> bool:
    import sys

    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _edit(text: str) -> str:
    import click

    from supportctl.errors import InputError

    try:
        edited = click.edit(text, extension=".txt", require_save=False)
    except click.ClickException as exc:
        raise InputError(
            f"cannot start the editor: {exc.message}",
            hint="set $EDITOR, or pass -m TEXT / --file PATH",
        ) from None
    return edited if edited is not None else text


def _print_templates(app_ctx: object, items: list[object], *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(
            [
                {
                    "id": t.name,  # type: ignore[attr-defined]
                    "languages": list(t.languages),  # type: ignore[attr-defined]
                    "summary": t.summary,  # type: ignore[attr-defined]
                    "path": t.path,  # type: ignore[attr-defined]
                }
                for t in items
            ]
        )
        return
    from supportctl.render.tables import Col, table

    rows = [
        [t.name, ", ".join(t.languages), t.summary]  # type: ignore[attr-defined]
        for t in items
    ]
    table(
        app_ctx,  # type: ignore[arg-type]
        [Col("name"), Col("languages"), Col("what it says", flex=True)],
        rows,
        title="canned replies",
        caption="use: supportctl reply N --template NAME",
    )
