"""Shared CLI pieces: option aliases, the default-subcommand group, context access.

Every listing and show command takes `--json` after the command name; the acting person
is `--as HANDLE`. Groups whose first subcommand has a short form (`log 42 25m "…"` =
`log add 42 25m "…"`) are made with `default_group("add")`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from supportctl.cli import complete
from supportctl.context import AppContext

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
]


def _check_as(ctx: typer.Context, value: str | None) -> str | None:
    """`--as` must name a team member: checked before the command runs, so a wrong
    handle writes nothing (exit 2, with the closest handle as a hint)."""
    if value is None or ctx.resilient_parsing:
        return value
    return get_app_context(ctx).act_as(value)


AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="HANDLE",
        autocompletion=complete.people,
        help="Act as this team member (else SUPPORTCTL_USER, else config `user`).",
        callback=_check_as,
    ),
]
LimitOption = Annotated[
    int, typer.Option("--limit", min=1, help="Show at most this many rows in the table.")
]
CustomerOption = Annotated[
    str | None,
    typer.Option(
        "--customer",
        metavar="SLUG",
        help="Only this customer.",
        autocompletion=complete.customers,
    ),
]


# SQLite stores 64-bit signed integers; a larger number would fail deep inside a query.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _undecodable(value: Any) -> str | None:
    """The first argument text that was not valid UTF-8 (Python keeps such bytes as
    lone surrogates, which cannot be written out or stored), else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value
        return None
    if isinstance(value, tuple | list):
        for item in value:
            bad = _undecodable(item)
            if bad is not None:
                return bad
    return None


def _out_of_range(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if not INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, tuple | list):
        for item in value:
            bad = _out_of_range(item)
            if bad is not None:
                return bad
    return None


def guard_params(command: Any) -> Any:
    """Check every parameter of `command` as click reads it, before any command code runs.

    Text that is not valid UTF-8 is refused by the parameter's name (it could not be
    printed, stored or compared), and an integer outside SQLite's 64-bit range is refused
    before a query sees it. Both are usage errors (exit 2), like click's own.
    """
    for param in getattr(command, "params", ()):
        if getattr(param, "_supportctl_guarded", False):
            continue
        param.process_value = _guarded(param, param.process_value)
        param._supportctl_guarded = True
    for sub in getattr(command, "commands", {}).values():  # groups built eagerly by typer
        guard_params(sub)
    return command


def _guarded(param: Any, process: Any) -> Any:
    def process_value(ctx: Any, value: Any) -> Any:
        from typer import BadParameter

        bad = _undecodable(value)
        if bad is not None:
            shown = bad.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise BadParameter(f"not valid UTF-8 text ('{shown}')", ctx=ctx, param=param)
        result = process(ctx, value)
        number = _out_of_range(result)
        if number is not None:
            raise BadParameter(
                f"{number} is out of range (at most {INT64_MAX})", ctx=ctx, param=param
            )
        return result

    return process_value


def get_app_context(ctx: typer.Context) -> AppContext:
    """The command's context; every command asks for it first, so collection of cyclic
    garbage is turned back on here (see `supportctl.__main__`)."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("no AppContext: the root callback did not run")
    collect_garbage_again()
    return obj


def collect_garbage_again() -> None:
    """Turn the cyclic garbage collector back on if the entry point turned it off to
    load the program. What was loaded so far lives as long as the process: it is set
    aside for good (`gc.freeze`), so no later collection walks it again."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def resolve_annotations(func: Any) -> Any:
    """Evaluate a command function's annotations once, in place, and return it.

    With `from __future__ import annotations` every annotation is a string, and typer
    evaluates each one four times while it builds a command (two passes, each through
    `inspect.signature(eval_str=True)` and `get_type_hints`): for a command with ten
    options that is a few milliseconds of start-up. Evaluated annotations cost nothing
    to evaluate again.
    """
    annotations = getattr(func, "__annotations__", None)
    if annotations and any(isinstance(v, str) for v in annotations.values()):
        import typing

        func.__annotations__ = typing.get_type_hints(func, include_extras=True)
    return func


class LazyGroup(TyperGroup):
    """A group that builds a subcommand's click command only when it is used.

    Turning a typer function into a click command inspects its signature and type hints;
    for a group of commands with twenty options each that is most of the start-up of
    running one of them. `lazy_infos` holds typer's CommandInfo by name (see
    `cli._load`); `--help` on the group still lists every subcommand.
    """

    lazy_infos: dict[str, Any]

    def list_commands(self, ctx: Any) -> list[str]:
        lazy = getattr(self, "lazy_infos", {})
        return [*self.commands, *(n for n in lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is not None:
            return guard_params(command)
        info = getattr(self, "lazy_infos", {}).get(cmd_name)
        if command is None and info is not None:
            import typer.main

            resolve_annotations(info.callback)
            command = typer.main.get_command_from_info(
                info, pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode
            )
            guard_params(command)
            self.commands[cmd_name] = command
        return command


class _DefaultGroup(LazyGroup):
    """A group that runs `default_command` when the first word is not a subcommand."""

    default_command: str = ""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.list_commands(ctx) and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def default_group(command: str) -> type[TyperGroup]:
    """A TyperGroup class whose unknown first word is handed to `command` (the short form)."""
    return type(f"DefaultGroup_{command}", (_DefaultGroup,), {"default_command": command})


def sub_app(help_text: str, *, default: str | None = None) -> typer.Typer:
    """A command group with our conventions (no pretty tracebacks; optional short form)."""
    kwargs: dict[str, Any] = {
        "help": help_text,
        "no_args_is_help": True,  # a group run alone prints its help (exit 0)
        "pretty_exceptions_enable": False,
        "add_completion": False,
    }
    kwargs["cls"] = default_group(default) if default is not None else LazyGroup
    return typer.Typer(**kwargs)
