"""`team`: developers, their skills and absences."""

from __future__ import annotations

from typing import Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import JsonFlag, get_app_context, sub_app

team_app = sub_app("Developers: handles, skills with levels, absences.")


# --- team -------------------------------------------------------------------------

SkillOpt = Annotated[
    list[str] | None,
    typer.Option("--skill", help="NAME:LEVEL with level 1-5, e.g. wordpress:5 (repeatable)."),
]
AwayOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--away",
        help="Absence: 2026-12-21..2027-01-06, 21.12.2026..6.1.2027 or one day (repeatable).",
    ),
]


@team_app.command("add")
def team_add(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Short handle, e.g. alice.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    email: Annotated[
        str, typer.Option("--email", help="Work e-mail; their mail on a thread counts as ours.")
    ],
    skill: SkillOpt = None,
    away: AwayOpt = None,
    json_: JsonFlag = False,
) -> None:
    """Add a developer to the team.

    Example:  supportctl team add alice --name "Alice Mäkinen" --email alice@agency.fi --skill wordpress:5 --skill php:4
    """
    from supportctl.render.team import emit_people
    from supportctl.services import team

    app_ctx = get_app_context(ctx)
    person = team.add(
        app_ctx.store,
        handle=handle,
        name=name,
        email=email,
        skills=skill or [],
        away=away or [],
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
        today=app_ctx.today() if away else None,
    )
    if json_:
        emit_people(app_ctx, [person], as_json=True, single=True)
    else:
        typer.echo(f"added {person.handle} ({person.name})")


@team_app.command("edit")
def team_edit(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The team member.", autocompletion=complete.people)],
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Work e-mail.")] = None,
    skill: SkillOpt = None,
    remove_skill: Annotated[
        list[str] | None, typer.Option("--remove-skill", help="Drop a skill (repeatable).")
    ] = None,
    away: AwayOpt = None,
    clear_away: Annotated[
        bool, typer.Option("--clear-away", help="Forget all absences first.")
    ] = False,
    active: Annotated[
        bool | None,
        typer.Option("--active/--left", help="--left: no longer in the team (kept in history)."),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Change a team member: name, e-mail, skills, absences, or leaving.

    Example:  supportctl team edit bob --away 2026-12-21..2027-01-06
    """
    from supportctl.render.team import emit_people
    from supportctl.services import team

    app_ctx = get_app_context(ctx)
    person = team.edit(
        app_ctx.store,
        handle=handle,
        name=name,
        email=email,
        skills=skill or [],
        remove_skills=remove_skill or [],
        away=away or [],
        clear_away=clear_away,
        active=active,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
        today=app_ctx.today() if away else None,
    )
    if json_:
        emit_people(app_ctx, [person], as_json=True, single=True)
    else:
        typer.echo(f"updated {person.handle}")
    if active is False or away:
        from supportctl.services import rota

        stranded = [
            p
            for p in rota.problems(app_ctx.store, app_ctx.config, now=app_ctx.now())
            if p.owner == person.handle
        ]
        if stranded:
            count = len(stranded)
            typer.echo(
                f"warning: {person.handle} owns {count} open ticket{'s' if count != 1 else ''}; "
                "see `supportctl rota show --problems`",
                err=True,
            )


@team_app.command("list")
def team_list(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the team with skills and absences.

    Example:  supportctl team list --json
    """
    from supportctl.render.team import emit_people
    from supportctl.services import team

    app_ctx = get_app_context(ctx)
    emit_people(app_ctx, team.list_people(app_ctx.store), as_json=json_)
