"""`block ADDRESS|@DOMAIN`, `block list`, `unblock`: senders whose mail opens nothing."""

from __future__ import annotations

from typing import Annotated

import typer

from supportctl.cli.common import AsOption, JsonFlag, get_app_context, sub_app

block_app = sub_app(
    "Block a sender or @domain: their mail is stored but opens nothing.", default="add"
)


@block_app.command("add")
def block_add(
    ctx: typer.Context,
    pattern: Annotated[str, typer.Argument(metavar="ADDRESS|@DOMAIN")],
    as_: AsOption = None,
) -> None:
    """Block an address or a whole @domain (the short form is `block ADDRESS`).

    Example:  supportctl block @spammy.example
    """
    from supportctl.services import mailadmin

    app_ctx = get_app_context(ctx)
    normal, added = mailadmin.block(
        app_ctx.store, pattern, now=app_ctx.now(), actor=app_ctx.actor(as_, required=False)
    )
    typer.echo(f"blocked {normal}" if added else f"{normal} was already blocked")


@block_app.command("list")
def block_list(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List blocked addresses and domains.

    Example:  supportctl block list --json
    """
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import table
    from supportctl.services import mailadmin

    app_ctx = get_app_context(ctx)
    entries = mailadmin.list_blocks(app_ctx.store)
    if json_:
        emit_json([{"id": e.id, "created_at": e.created_at, "actor": e.actor} for e in entries])
        return
    table(
        app_ctx,
        ["blocked", "since", "by"],
        [[e.id, e.created_at, e.actor or ""] for e in entries],
        empty="nobody is blocked",
    )


def unblock_cmd(
    ctx: typer.Context,
    pattern: Annotated[str, typer.Argument(metavar="ADDRESS|@DOMAIN")],
    as_: AsOption = None,
) -> None:
    """Remove a block; mail that arrives from now on opens tickets again.

    Example:  supportctl unblock @spammy.example
    """
    from supportctl.services import mailadmin

    app_ctx = get_app_context(ctx)
    normal = mailadmin.unblock(
        app_ctx.store, pattern, now=app_ctx.now(), actor=app_ctx.actor(as_, required=False)
    )
    typer.echo(f"unblocked {normal}")
