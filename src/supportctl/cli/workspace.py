"""`init`, `demo` and `backup`: the workspace itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from datetime import datetime

    from supportctl.context import AppContext

from supportctl.cli.common import get_app_context


def init_cmd(
    ctx: typer.Context,
    group: Annotated[
        str | None,
        typer.Option(
            "--group", help="Make the database 0660 for this Unix group (a shared server)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Your handle, written to the config as `user`.")
    ] = None,
) -> None:
    """Create the config file and the database (safe to run again).

    Example:  supportctl init --user alice
    """
    from supportctl.services.setup import init

    app_ctx = get_app_context(ctx)
    result = init(
        app_ctx.config_path,
        app_ctx.db_target,
        password=app_ctx.db_password,
        group=group,
        user=user,
    )
    typer.echo(
        f"config:   {result.config_path} ({'created' if result.config_created else 'already there'})"
    )
    typer.echo(
        f"database: {result.db_path} ({'created' if result.db_created else 'already there, up to date'})"
    )
    if result.config_created:
        typer.echo(
            "next: supportctl customer add SLUG --name TEXT --plan maintenance|hosting|adhoc"
        )


def demo_cmd(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Build the workspace here (default: a new temp dir)."),
    ] = None,
) -> None:
    """Build a throw-away demo workspace that walks through the whole product.

    Example:  supportctl demo --dir /tmp/demo
    """
    import os
    import tempfile

    from supportctl.services import demo

    app_ctx = get_app_context(ctx)
    pinned = "SUPPORTCTL_NOW" in os.environ
    now = app_ctx.now() if pinned else _parse_now(demo.DEMO_NOW)
    target = directory or Path(tempfile.mkdtemp(prefix="supportctl-demo-"))
    ws = demo.build(target.expanduser().resolve(), now)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    _say(app_ctx, f"supportctl demo: a sample agency in {ws.directory}", bold=True)
    _say(app_ctx, f"(the demo's clock stands at {stamp}: a Monday morning)")
    for line in ws.lines:
        _say(app_ctx, "  " + line)
    for show in ws.shows:
        _say(app_ctx, "")
        _say(app_ctx, "$ " + show.title, bold=True)
        if show.argv is None:
            for line in show.lines:
                _say(app_ctx, line)
        else:
            _run_in_workspace(ws.db_path, ws.config_path, stamp, list(show.argv))
    _say(app_ctx, "")
    _say(app_ctx, "Look around (copy and paste):")
    prog, activate = _how_to_run()
    if activate:
        _say(app_ctx, f"  source {activate}   # puts supportctl on your PATH")
        prog = "supportctl"
    _say(
        app_ctx,
        f"  export SUPPORTCTL_DB={ws.db_path} SUPPORTCTL_CONFIG={ws.config_path}"
        f" SUPPORTCTL_NOW={stamp}",
    )
    for cmd in ws.look:
        _say(
            app_ctx,
            "  " + (prog + cmd[len("supportctl") :] if cmd.startswith("supportctl ") else cmd),
        )


def _how_to_run() -> tuple[str, str | None]:
    """How the person can type this program: `supportctl` when that is on PATH and is
    this program; else the path it was started by, or the virtualenv's `activate`
    script (as a path to source first) when there is one."""
    import shutil
    import sys

    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is None or started.name != "supportctl":
        return f"{Path(sys.executable)} -m supportctl", None
    found = shutil.which("supportctl")
    if found and Path(found).resolve() == started.resolve():
        return "supportctl", None
    activate = started.parent / "activate"
    if activate.is_file():
        return str(started), _relative(activate)
    return _relative(started), None


def _relative(path: Path) -> str:
    """`./.venv/bin/x` for a path below the current folder, else the absolute path."""
    import os

    absolute = path.absolute()
    try:
        return "./" + str(absolute.relative_to(Path(os.getcwd())))
    except ValueError:
        return str(absolute)


def _parse_now(text: str) -> datetime:
    from datetime import datetime

    return datetime.fromisoformat(text)


def _say(app_ctx: AppContext, line: str, *, bold: bool = False) -> None:
    import sys

    if bold and app_ctx.is_terminal():
        from rich.text import Text

        app_ctx.out.print(Text(line, style="bold"))
    else:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _run_in_workspace(db: Path, config: Path, now: str, argv: list[str]) -> None:
    """Run one real command against the demo workspace, as the user would type it."""
    import os

    from typer.main import get_command

    from supportctl.cli import app

    saved = os.environ.get("SUPPORTCTL_NOW")
    os.environ["SUPPORTCTL_NOW"] = now
    try:
        get_command(app).main(
            ["--db", str(db), "--config", str(config), *argv],
            prog_name="supportctl",
            standalone_mode=False,
        )
    finally:
        if saved is None:
            del os.environ["SUPPORTCTL_NOW"]
        else:
            os.environ["SUPPORTCTL_NOW"] = saved


def backup_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """Write a consistent copy of the database, safe while others are writing.

    Example:  supportctl backup ~/backups/support-2026-10-31.db
    """
    from supportctl.cli.db import progress_bar
    from supportctl.services.setup import backup

    app_ctx = get_app_context(ctx)
    step, stop = progress_bar(app_ctx)
    try:
        target = backup(app_ctx.store, path.expanduser(), progress=step)
    finally:
        stop()
    typer.echo(f"backup written to {target}")


def doctor_cmd(ctx: typer.Context) -> None:
    """Explain whether you can use the config and the database, and how to fix it.

    For a team sharing one database file (`init --group`): who owns the folder and the
    files, whether you can write them, and what to run when you cannot. On a PostgreSQL
    server: whether it is reachable, its schema version, and your rights on the desk.

    Example:  supportctl doctor
    """
    from supportctl.errors import ExitCode
    from supportctl.render.safe import term_safe
    from supportctl.services.doctor import check

    app_ctx = get_app_context(ctx)
    findings = check(app_ctx.config_path, app_ctx.db_target, lambda: app_ctx.db_password)
    for finding in findings:
        typer.echo(f"{'ok' if finding.ok else 'problem':8} {term_safe(finding.what)}")
        if finding.fix:
            typer.echo(f"{'':8} fix: {term_safe(finding.fix)}")
    problems = sum(1 for f in findings if not f.ok)
    if problems:
        typer.echo(f"{problems} problem{'s' if problems != 1 else ''} found", err=True)
        raise typer.Exit(int(ExitCode.STORE))
    typer.echo("no problems found")
