"""`rota show|set|swap|ics`: the weekly duty rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import AsOption, JsonFlag, get_app_context, sub_app

rota_app = sub_app("The duty rota: order, start week, swaps, absences skipped; ics export.")

WeeksOption = Annotated[int, typer.Option("--weeks", min=1, max=520, help="How many weeks.")]


@rota_app.command("show")
def show_cmd(
    ctx: typer.Context,
    weeks: WeeksOption = 8,
    problems: Annotated[
        bool,
        typer.Option(
            "--problems", help="List open tickets owned by someone who is away or has left."
        ),
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """List the coming ISO weeks: dates, who is on duty and why (regular, swap, absence).

    Example:  supportctl rota show --weeks 8
    """
    from supportctl.domain.rota import week_name
    from supportctl.render.jsonout import emit_json
    from supportctl.services import rota

    app_ctx = get_app_context(ctx)
    now = app_ctx.now()
    if problems:
        found = rota.problems(app_ctx.store, app_ctx.config, now=now)
        if json_:
            emit_json([p.as_json() for p in found])
            return
        from supportctl.render.rota import problems_table

        problems_table(app_ctx, found)
        if found:
            typer.echo("hint: hand them over with `supportctl ticket assign N HANDLE`", err=True)
        return
    duty = rota.show(app_ctx.store, app_ctx.config, weeks=weeks, now=now)
    if json_:
        emit_json(duty)
        return
    from supportctl.render.rota import weeks_table

    if rota.is_empty(app_ctx.store):
        typer.echo("warning: the rota is empty; run `supportctl rota set alice bob …`", err=True)
    weeks_table(app_ctx, duty, current=week_name(now.date()))


@rota_app.command("set")
def set_cmd(
    ctx: typer.Context,
    handles: Annotated[
        list[str],
        typer.Argument(help="Team handles in duty order.", autocompletion=complete.people),
    ],
    start: Annotated[
        str | None,
        typer.Option(
            "--start", metavar="YYYY-Www", help="First week of the order (default: this week)."
        ),
    ] = None,
    as_: AsOption = None,
) -> None:
    """Set the duty order, starting from an ISO week.

    Example:  supportctl rota set alice bob carol --start 2026-W48
    """
    from supportctl.domain.rota import week_name
    from supportctl.services import rota

    app_ctx = get_app_context(ctx)
    order, monday = rota.set_order(
        app_ctx.store,
        handles=handles,
        start=start,
        now=app_ctx.now(),
        actor=app_ctx.actor(as_, required=False),
    )
    typer.echo(f"rota: {' → '.join(order)} from {week_name(monday)}")


@rota_app.command("swap")
def swap_cmd(
    ctx: typer.Context,
    week: Annotated[str, typer.Argument(metavar="YYYY-Www", help="The ISO week.")],
    handle: Annotated[
        str,
        typer.Argument(help="Who is on duty that week instead.", autocompletion=complete.people),
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Put them on duty even if they are away that week."),
    ] = False,
    as_: AsOption = None,
) -> None:
    """Put someone else on duty for one week (this week or later).

    Someone away on a business day of the week is refused unless --force; someone who
    has left, always. `rota unswap WEEK` undoes a swap.

    Example:  supportctl rota swap 2026-W50 dave
    """
    from supportctl.services import rota

    app_ctx = get_app_context(ctx)
    duty = rota.swap(
        app_ctx.store,
        app_ctx.config,
        week=week,
        handle=handle,
        now=app_ctx.now(),
        actor=app_ctx.actor(as_, required=False),
        force=force,
    )
    typer.echo(f"{duty.id} ({duty.start:%d.%m.}–{duty.end:%d.%m.%Y}): {duty.person} on duty")


@rota_app.command("unswap")
def unswap_cmd(
    ctx: typer.Context,
    week: Annotated[str, typer.Argument(metavar="YYYY-Www", help="The ISO week.")],
    as_: AsOption = None,
) -> None:
    """Undo the swap of one week: the regular order applies again.

    Example:  supportctl rota unswap 2026-W50
    """
    from supportctl.services import rota

    app_ctx = get_app_context(ctx)
    duty = rota.unswap(
        app_ctx.store,
        app_ctx.config,
        week=week,
        now=app_ctx.now(),
        actor=app_ctx.actor(as_, required=False),
    )
    who = duty.person or "nobody"
    typer.echo(
        f"{duty.id} ({duty.start:%d.%m.}–{duty.end:%d.%m.%Y}): {who} on duty ({duty.reason})"
    )


@rota_app.command("ics")
def ics_cmd(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: stdout).")
    ] = None,
    weeks: WeeksOption = 26,
) -> None:
    """Export the duty weeks as an iCalendar file (one all-day event per week).

    Example:  supportctl rota ics --out duty.ics --weeks 26
    """
    import sys

    from supportctl.services import rota

    app_ctx = get_app_context(ctx)
    data = rota.ics(app_ctx.store, app_ctx.config, weeks=weeks, now=app_ctx.now())
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from supportctl.files import write_file

    write_file(out, data, what="--out", overwrite=True)
    typer.echo(f"wrote {out} ({weeks} weeks)")
