"""Shell completion of the values people type most: open ticket numbers, customer slugs,

team handles and months. Each function is a typer `autocompletion` callback; they run
only while the shell asks for completions, and read the database read-only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer


def _db_target(ctx: typer.Context) -> tuple[Path | str, str | None]:
    """The database the command would use (--db, SUPPORTCTL_DB, the config's [database]
    url, else the default file) and the server password the config names, if any."""
    from supportctl.store.db import is_server_url

    given = ctx.find_root().params.get("db") if ctx is not None else None
    named = given or os.environ.get("SUPPORTCTL_DB")
    if named:
        return (named if is_server_url(named) else Path(named).expanduser()), None
    try:
        from supportctl.config import load_config, resolve_secret
        from supportctl.paths import default_config_path

        root = ctx.find_root().params.get("config") if ctx is not None else None
        root = root or os.environ.get("SUPPORTCTL_CONFIG")
        config_path = Path(root).expanduser() if root else default_config_path()
        database = load_config(config_path).database
        if database.url and is_server_url(database.url):
            password = None
            if database.password_command or database.password_env:
                password = resolve_secret(
                    "[database]", database.password_command, database.password_env
                )
            return database.url, password
        if database.url:
            return Path(database.url).expanduser(), None
    except Exception:  # a broken config completes from the default file
        pass
    from supportctl.paths import default_db_path

    return default_db_path(), None


def _matching(ctx: typer.Context, kind: str, incomplete: str) -> list[tuple[str, str]]:
    from supportctl.render.safe import one_line
    from supportctl.store.completion import choices

    target, password = _db_target(ctx)
    return [
        (value, one_line(help_text, 60))
        for value, help_text in choices(target, kind, password=password)
        if value.startswith(incomplete)
    ]


def tickets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Open tickets, newest first, with their subjects."""
    return _matching(ctx, "ticket", incomplete)


def customers(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _matching(ctx, "customer", incomplete)


def people(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _matching(ctx, "person", incomplete)


def months(ctx: typer.Context, incomplete: str) -> list[str]:
    """This month and the eleven before it (SUPPORTCTL_NOW is respected), newest first."""
    from supportctl.context import _utc_now

    try:
        now = _utc_now()
    except Exception:  # a bad SUPPORTCTL_NOW: complete from the real clock
        from datetime import UTC, datetime

        now = datetime.now(UTC)
    year, month = now.year, now.month
    out = []
    for _ in range(12):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [m for m in out if m.startswith(incomplete)]


SHELLS = ("bash", "zsh", "fish")


def completion_cmd(
    shell: Annotated[
        str,
        typer.Argument(
            metavar="SHELL", help="bash, zsh or fish.", autocompletion=lambda: list(SHELLS)
        ),
    ],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Completes commands, options, open ticket numbers, customer slugs, team handles and
    months. Install it once (bash, zsh, fish):

    \b
      D=~/.local/share/bash-completion/completions
      mkdir -p $D && supportctl completion bash > $D/supportctl
      supportctl completion zsh > "${fpath[1]}/_supportctl"
      supportctl completion fish > ~/.config/fish/completions/supportctl.fish

    Example:  supportctl completion bash
    """
    from supportctl.errors import InputError

    if shell not in SHELLS:
        raise InputError(f"unknown shell '{shell}'; use bash, zsh or fish")
    from typer.completion import get_completion_script

    script = get_completion_script(
        prog_name="supportctl", complete_var="_SUPPORTCTL_COMPLETE", shell=shell
    )
    typer.echo(script)
