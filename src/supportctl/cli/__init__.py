"""The typer application and its one error boundary.

`SupportctlGroup.invoke` wraps every command: a `SupportctlError` becomes one line on
stderr and its exit code; an unexpected exception writes its traceback to a crash log
and prints where it is; `--debug` prints tracebacks instead. Because the boundary lives
in the group class rather than in `main()`, CliRunner tests go through it too.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from supportctl import __version__
from supportctl.cli.common import guard_params, resolve_annotations
from supportctl.context import AppContext
from supportctl.errors import ExitCode, SupportctlError

if TYPE_CHECKING:
    from supportctl.store.db import Store


def _write_err(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # pragma: no cover
        pass


# An echoed value longer than this is cut; a whole line longer than _LINE_LIMIT too.
_ECHO_LIMIT = 80
_LINE_LIMIT = 400


def tidy(text: str) -> str:
    """One error line that is safe for a terminal, with every echoed value cut short.

    Values are echoed in quotes ('…'); a quoted value over 80 characters is cut, and any
    unquoted run of more than 160 characters without a space (a pasted path, say) too.
    """
    import re

    from supportctl.render.safe import one_line

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes from outside, shown as \\xNN
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = text.encode("utf-8", "backslashreplace")
        text = raw.decode("utf-8", "backslashreplace")
    text = one_line(text)
    # A quoted value: the quotes stand apart from words ('acme', not the apostrophe
    # between two of them), so the text between two values is never taken for one.
    text = re.sub(
        r"(?:^|(?<=[\s(=:,]))'([^']{" + str(_ECHO_LIMIT + 1) + r",})'(?=$|[\s),.;:])",
        lambda m: "'" + one_line(m.group(1), _ECHO_LIMIT) + "'",
        text,
    )
    text = re.sub(
        r"\S{" + str(2 * _ECHO_LIMIT + 1) + ",}", lambda m: one_line(m.group(0), _ECHO_LIMIT), text
    )
    return one_line(text, _LINE_LIMIT)


def _os_error(exc: OSError) -> SupportctlError | None:
    """A file-system error as one line: which file, what happened, and the exit code."""
    import errno

    from supportctl.errors import InputError, StoreError

    name = exc.filename if exc.filename is not None else ""
    what = exc.strerror or exc.__class__.__name__
    where = f"'{name}': " if name != "" else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(f"disk full: {where}{what}; nothing was changed")
    if exc.errno == errno.EROFS:
        return StoreError(f"read-only: {where}{what}; nothing was changed")
    if exc.filename is None:
        return None  # a network error, say: the adapters name those
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(
            f"{where}permission denied; nothing was changed",
            hint="`supportctl doctor` explains who may write where",
        )
    if exc.errno == errno.EIO:
        return StoreError(f"{where}{what}; nothing was changed")
    return InputError(f"{where}{what}")


def _known_failure(exc: BaseException) -> SupportctlError | None:
    """A failure that is the world's doing rather than a bug, as a SupportctlError."""
    from supportctl.errors import InputError
    from supportctl.store.db import engine_failure

    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, OverflowError):  # a number inside a text argument, say
        return InputError(f"a number is too large to store (at most {2**63 - 1})")
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in str(exc):
        # Undecodable bytes from the environment or a file name, on their way out.
        return InputError("some text is not valid UTF-8 (from the environment or a file name)")
    return engine_failure(exc)


def _crash_log(ctx: Any, exc: BaseException) -> Path | None:
    import traceback

    obj = ctx.obj if isinstance(ctx.obj, AppContext) else None
    base = obj.db_path.parent if obj is not None else None
    if base is None:
        from supportctl.paths import default_data_dir

        base = default_data_dir()
    try:
        base.mkdir(parents=True, exist_ok=True)
        path = base / f"crash-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}.log"
        path.write_text(
            f"supportctl {__version__}\nargv: {sys.argv!r}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            encoding="utf-8",
        )
        os.chmod(path, 0o600)
        return path
    except OSError:
        return None


def _report(exc: SupportctlError) -> None:
    _write_err(f"error: {tidy(exc.message)}")
    if exc.hint:
        _write_err(f"hint: {tidy(exc.hint)}")


class SupportctlGroup(TyperGroup):
    """The root group: the single error boundary, and lazy loading of command modules.

    Building a click command from a typer function inspects its signature, which costs
    about a millisecond per command; with every group loaded up front start-up would
    grow with the product. So the root knows its commands by name (`COMMANDS`) and
    imports and builds only the one being run. `--help` lists them from the registry.
    """

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        if self._listing:
            return _Placeholder(name=cmd_name, help=spec[3], short_help=spec[3])
        command = guard_params(_load(cmd_name, spec))
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        mode = self.rich_markup_mode
        self.rich_markup_mode = None  # plain help, on a terminal too (see _plain_help)
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
            self.rich_markup_mode = mode

    def main(  # type: ignore[override]
        self, args: Any = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        """Run the command; usage errors are one line like every other error.

        Click's own errors (an unknown option, a value that is not a number) are printed
        as `error: …` with a `hint:` naming the help, not in a box; a group run without
        a subcommand prints its help and exits 0.
        """
        from typer import _click

        standalone = extra.pop("standalone_mode", True)
        guard_params(self)
        try:
            code = super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except _click.exceptions.NoArgsIsHelpError as exc:
            _click.echo(exc.ctx.get_help())
            code = 0
        except _click.exceptions.ClickException as exc:
            _write_err(f"error: {tidy(exc.format_message())}")
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                path = " ".join(["supportctl", *ctx.command_path.split()[1:]])
                _write_err(f"hint: see `{path} --help`")
            code = exc.exit_code
        except typer.Abort:  # a prompt answered with end-of-input
            _write_err("aborted")
            code = int(ExitCode.FAILED)
        if not isinstance(code, int):
            code = 0
        if standalone:
            sys.exit(code)
        return code

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        """Complete command names from the registry, without importing their modules."""
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        import traceback

        debug = "--debug" in sys.argv or bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort):
            raise
        except SupportctlError as exc:
            if debug:
                traceback.print_exc()
            # Messages may quote customer text (a subject, an address): never raw.
            _report(exc)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _write_err("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            raise typer.Exit(int(ExitCode.FAILED)) from None
        except Exception as exc:
            if debug:
                traceback.print_exc()
            known = _known_failure(exc)
            if known is not None:
                _report(known)
                raise typer.Exit(int(known.exit_code)) from None
            if debug:
                raise typer.Exit(int(ExitCode.FAILED)) from None
            path = _crash_log(ctx, exc)
            where = f"details in {path}" if path else "no crash log could be written"
            _write_err(
                f"internal error: {exc.__class__.__name__}: {tidy(str(exc))}; {where}, "
                "or rerun with --debug"
            )
            raise typer.Exit(int(ExitCode.FAILED)) from None


app = typer.Typer(
    cls=SupportctlGroup,
    help="A terminal-first support desk: mail in to tickets, duty rota, SLA clocks, per-minute time, month-end invoices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["--help", "-h"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"supportctl {__version__}")
        raise typer.Exit()


def _db_path(db: str) -> Path:
    """The SQLite file a --db value names (for a server URL: where crash logs go)."""
    from supportctl.store.db import is_server_url

    if is_server_url(db):
        from supportctl.paths import default_db_path

        return default_db_path()
    return Path(db).expanduser()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="SUPPORTCTL_DB",
            help="Database: a file, or a PostgreSQL URL / service (postgresql:///support?service=desk).",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="SUPPORTCTL_CONFIG",
            help="Config file (TOML).",
            show_default=False,
            readable=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    color: Annotated[
        bool | None,
        typer.Option("--color/--no-color", help="Force colour on or off (NO_COLOR is respected)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """supportctl: mail in, duty week, delegation, per-minute time, month-end invoices."""
    from supportctl.paths import default_config_path, default_db_path
    from supportctl.store.db import is_server_url

    db_url = db if db is not None and is_server_url(db) else None
    app_ctx = AppContext(
        config_path=(config or default_config_path()).expanduser(),
        db_path=default_db_path() if db is None else _db_path(db),
        db_url=db_url,
        db_given=db is not None,
        debug=debug,
        color=color,
        config_explicit=config is not None,
    )
    app_ctx.on_open.append(lambda store: _arm_autoclose(app_ctx, store))
    if db_url is not None and ctx.invoked_subcommand is not None:
        app_ctx.connect_ahead()  # a server: connecting overlaps loading the command
        app_ctx.warm = LOADED_AFTER_OPEN.get(ctx.invoked_subcommand, ()) + _EVERY_WRITE
    ctx.obj = app_ctx
    ctx.call_on_close(app_ctx.close)


def _arm_autoclose(app_ctx: AppContext, store: Store) -> None:
    """Resolved tickets close by themselves after N quiet business days: applied just
    before a command's first write (one indexed query when none are due), never by a
    command that only reads."""
    from supportctl.services import autoclose

    autoclose.arm(store, lambda: app_ctx.config, app_ctx.now)


# Modules a command loads only once its database is open (its services' lazy imports).
# On a server they are loaded while the connection is still being made instead
# (`AppContext.store`); on a file they load as they are needed. A test imports them all.
LOADED_AFTER_OPEN: dict[str, tuple[str, ...]] = {
    "inbox": (
        "supportctl.services.calendar",
        "supportctl.services.sla",
        "supportctl.services.authentication",
        "supportctl.store.rota",
    ),
    "ticket": (
        "supportctl.services.calendar",
        "supportctl.services.sla",
        "supportctl.services.authentication",
        "supportctl.services.requester",
        "supportctl.mail.sender",
        "supportctl.store.outbound",
        "supportctl.store.events",
        "supportctl.render.kb",
    ),
    "search": (
        "supportctl.services.kb",
        "supportctl.store.kb_search",
        "supportctl.store.articles",
        "supportctl.store.tickets",
        "supportctl.render.inbox",
        "supportctl.render.models.kb",
    ),
    "delegated": ("supportctl.services.calendar", "supportctl.domain.sla"),
    "delegate": ("supportctl.store.events",),
    "log": (
        "supportctl.store.events",
        "supportctl.render.timelog",
        "supportctl.domain.durations",
        "supportctl.domain.billing_rules",
        "supportctl.render.tables",
    ),
}
# What the first write of any command loads (auto-close is armed on every open store).
_EVERY_WRITE = ("supportctl.services.autoclose",)

# name -> (module, attribute, "group" | "command", one-line help). Order is the help order.
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "init": (
        "supportctl.cli.workspace",
        "init_cmd",
        "command",
        "Create the config file and the database (safe to run again).",
    ),
    "demo": (
        "supportctl.cli.workspace",
        "demo_cmd",
        "command",
        "Build a throw-away demo workspace that walks through the whole product.",
    ),
    "customer": (
        "supportctl.cli.customers",
        "customer_app",
        "group",
        "Customers: plan, level, rates, VAT, billing step, included minutes, domains.",
    ),
    "contact": (
        "supportctl.cli.customers",
        "contact_app",
        "group",
        "Contacts of a customer; --can-order marks designated contacts.",
    ),
    "team": (
        "supportctl.cli.team",
        "team_app",
        "group",
        "Developers: handles, skills with levels, absences.",
    ),
    "db": (
        "supportctl.cli.db",
        "db_app",
        "group",
        "Copy a whole desk between a SQLite file and a PostgreSQL server.",
    ),
    "backup": (
        "supportctl.cli.workspace",
        "backup_cmd",
        "command",
        "Write a consistent copy of the database, safe while others write.",
    ),
    "doctor": (
        "supportctl.cli.workspace",
        "doctor_cmd",
        "command",
        "Explain file and permission problems with the config and the database (shared set-ups).",
    ),
    "config": (
        "supportctl.cli.config",
        "config_app",
        "group",
        "Look at the configuration in force.",
    ),
    "invoice": (
        "supportctl.cli.invoice",
        "invoice_app",
        "group",
        "Month-end invoice reports (invoice 2026-10): render, --issue, show, void, fees, templates.",
    ),
    "rota": (
        "supportctl.cli.rota",
        "rota_app",
        "group",
        "The duty rota: order, swaps, absences; ics export.",
    ),
    "search": (
        "supportctl.cli.search",
        "search_cmd",
        "command",
        "Full-text search over tickets, mail and notes.",
    ),
    "kb": (
        "supportctl.cli.kb",
        "kb_app",
        "group",
        "Knowledge base: add, edit, show, list, search, rm, suggest, export articles.",
    ),
    "report": (
        "supportctl.cli.report",
        "report_cmd",
        "command",
        "Month figures: tickets, first-response times, SLA breaches.",
    ),
    "delegate": (
        "supportctl.cli.delegate",
        "delegate_app",
        "group",
        "Delegate a task: --skill picks the best person and says why; done, reassign.",
    ),
    "delegated": (
        "supportctl.cli.delegate",
        "delegated_cmd",
        "command",
        "The Monday review: delegated tasks per person, FIFO, with ages and flags.",
    ),
    "log": (
        "supportctl.cli.log",
        "log_app",
        "group",
        'Log time per minute: log 42 25m "what"; start/stop timers; list, edit, rm.',
    ),
    "inbox": (
        "supportctl.cli.inbox",
        "inbox_cmd",
        "command",
        "Fetch new mail, then list open tickets (--no-fetch, --all, --limit).",
    ),
    "fetch": (
        "supportctl.cli.inbox",
        "fetch_cmd",
        "command",
        "Pull new mail into tickets (IMAP, or --source mbox:PATH|maildir:PATH); --explain FILE.eml.",
    ),
    "ticket": (
        "supportctl.cli.ticket",
        "ticket_app",
        "group",
        "Tickets: show one with its mail, save attachments, and manage it.",
    ),
    "block": (
        "supportctl.cli.block",
        "block_app",
        "group",
        "Block a sender or @domain (block list): their mail is stored but opens nothing.",
    ),
    "unblock": (
        "supportctl.cli.block",
        "unblock_cmd",
        "command",
        "Remove a sender or @domain block.",
    ),
    "reparse": (
        "supportctl.cli.inbox",
        "reparse_cmd",
        "command",
        "Parse stored mail again from its raw bytes.",
    ),
    "reply": (
        "supportctl.cli.reply",
        "reply_cmd",
        "command",
        "Reply to a ticket by mail from $EDITOR, -m or --template; --dry-run, --cc, --attach.",
    ),
    "completion": (
        "supportctl.cli.complete",
        "completion_cmd",
        "command",
        "Print the shell completion script: supportctl completion bash|zsh|fish.",
    ),
    "remind": (
        "supportctl.cli.remind",
        "remind_cmd",
        "command",
        "For cron: mail owners their tickets within one business hour of an SLA breach.",
    ),
    "watch": (
        "supportctl.cli.watch",
        "watch_cmd",
        "command",
        "Run the mail service: IMAP IDLE (else polling), tickets within seconds, alerts.",
    ),
    "status": (
        "supportctl.cli.watch",
        "status_cmd",
        "command",
        "Is mail flowing? Last sync and error per folder, watch heartbeat; exit 1 when stale.",
    ),
    "alert": (
        "supportctl.cli.watch",
        "alert_app",
        "group",
        "Alerts to the duty person (urgent, 24/7 out of hours): alert test.",
    ),
}


class _HelpFormatterClass:
    """`Context.formatter_class`, imported only when help or usage is formatted."""

    def __get__(self, obj: object, owner: object) -> Any:
        from supportctl.cli.helpformat import BalancedHelpFormatter

        return BalancedHelpFormatter


def _install_help_formatter() -> None:
    from typer import _click

    _click.Context.formatter_class = _HelpFormatterClass()  # type: ignore[assignment]


_install_help_formatter()


class _Placeholder(TyperCommand):
    """Stands in for a command in the help listing without importing its module."""


def _load(name: str, spec: tuple[str, str, str, str]) -> Any:
    import importlib

    module_name, attribute, kind, _help = spec
    target = getattr(importlib.import_module(module_name), attribute)
    if kind == "group":
        command = _lazy_group(target)
    else:
        holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        holder.command(name)(resolve_annotations(target))
        command = typer.main.get_command(holder)
    command.name = name
    _plain_help(command)
    return command


def _lazy_group(target: typer.Typer) -> Any:
    """Build the group itself now and each subcommand on first use (see LazyGroup)."""
    infos = {
        info.name or typer.main.get_command_name(info.callback.__name__): info
        for info in target.registered_commands
        if info.callback is not None
    }
    saved = target.registered_commands
    target.registered_commands = []
    try:
        group = typer.main.get_group(target)
    finally:
        target.registered_commands = saved
    group.lazy_infos = infos
    return group


def _plain_help(command: Any) -> None:
    """Plain click help, on a terminal as when piped: rich help boxes would import
    typer's rich formatting (about 45 ms) before the first line, and their option help
    column is a few words wide at 80 columns. The wrapping avoids one-word lines
    (cli.helpformat)."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)  # lazily built subcommands inherit the group's mode


def main() -> None:
    resolve_annotations(root)
    if "_SUPPORTCTL_COMPLETE" in os.environ:  # the shell asks for completions (see complete.py)
        from typer.completion import completion_init

        completion_init()
    try:
        app(prog_name="supportctl")
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """Exit with `code`, without the interpreter's teardown when nothing needs it.

    Tearing down a process that imported typer (freeing every module, a last garbage
    collection) takes longer than most commands take to run: about 8 ms, a tenth of a
    `log`, and about 35 ms once the PostgreSQL driver is loaded. Every command closes
    its database and files before it returns, so with one thread left only the exit
    handlers and the standard streams hold anything: the handlers are run here (as
    the interpreter would run them first; the logging module, which the driver loads,
    registers one), the streams are flushed and the process ends at once. Anything
    else (a thread still running, an exit message, an interpreter without the hook)
    takes the normal way out.
    """
    import atexit
    import threading

    early = sys.modules.get("supportctl.store.early")
    if early is not None:
        early.discard_early()  # a server connection started and never used
    run_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython; elsewhere: the normal way
    if code is None:
        code = 0
    if not isinstance(code, int) or run_handlers is None or threading.active_count() != 1:
        raise SystemExit(code)
    run_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more to say
            code = code or int(ExitCode.FAILED)
    os._exit(code)
