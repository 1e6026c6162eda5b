"""What a view needs from the invocation: the consoles, the configuration and the clock.

The app context (`supportctl.context.AppContext`) has all of these; views type against
this protocol instead, so render/ never imports the context (or the store it opens).
A view may also be handed a bare rich Console (to draw into a capture, say):
`is_console` tells the two apart without importing rich when nothing has.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, cast

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.config import Config


class Screen(Protocol):
    @property
    def config(self) -> Config: ...

    @property
    def out(self) -> Console: ...

    @property
    def err(self) -> Console: ...

    def now(self) -> datetime: ...

    def is_terminal(self) -> bool: ...


def is_console(target: Any) -> TypeGuard[Console]:
    """True for a rich Console (rich is imported by then, or it could not be one)."""
    console = sys.modules.get("rich.console")
    return console is not None and isinstance(target, console.Console)


def wants_rich(target: Screen | Console) -> bool:
    """Rich output when the screen, or the Console given, is a terminal."""
    if is_console(target):
        return bool(target.is_terminal)
    return cast("Screen", target).is_terminal()


def console_of(target: Screen | Console) -> Console:
    """The Console to draw into: the one given, or the screen's stdout."""
    if is_console(target):
        return target
    return cast("Screen", target).out
