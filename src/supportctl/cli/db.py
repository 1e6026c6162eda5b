"""`db copy SRC DST`: move a whole desk between a SQLite file and a PostgreSQL server."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from supportctl.cli.common import get_app_context, sub_app

db_app = sub_app("Database tools: copy a whole desk between SQLite and PostgreSQL.")


def progress_bar(app_ctx: Any) -> tuple[Any, Any]:
    """(callback, closer): a rich progress bar on a terminal, nothing otherwise."""
    if not app_ctx.is_terminal():
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=app_ctx.err
    )
    bar.start()
    tasks: dict[str, Any] = {}

    def step(table: str, rows: int) -> None:
        if table not in tasks:
            tasks[table] = bar.add_task(table, total=None)
        bar.advance(tasks[table], rows)

    return step, bar.stop


@db_app.command("copy")
def copy_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A SQLite file or a PostgreSQL URL.")],
    destination: Annotated[
        str, typer.Argument(help="A new SQLite file or an empty PostgreSQL database.")
    ],
) -> None:
    """Copy every table into an empty destination, then verify each table's rows.

    Example:  supportctl db copy ~/support.db postgresql://desk.example/support
    """
    from pathlib import Path

    from supportctl.errors import ConfigError
    from supportctl.services.setup import copy_database
    from supportctl.store.db import is_server_url, open_store

    app_ctx = get_app_context(ctx)
    if not is_server_url(source) and not Path(source).expanduser().exists():
        raise ConfigError(f"no database at {source}")
    src = open_store(source if is_server_url(source) else Path(source).expanduser())
    step, stop = progress_bar(app_ctx)
    try:
        counts = copy_database(src, destination, progress=step)
    finally:
        stop()
        src.close()
    rows = sum(counts.values())
    typer.echo(f"copied {rows} rows in {len(counts)} tables; every table verified")
