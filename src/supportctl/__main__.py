"""The program's entry point: the `supportctl` command and `python -m supportctl`.

For a desk on a server (--db or SUPPORTCTL_DB naming a PostgreSQL URL or service),
connecting starts here, before the command-line code loads: its round trips (startup
and authentication) then overlap loading that code instead of following it. The check
reads only the arguments before the command and the environment: on a desk in a file
nothing is loaded for it.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping, Sequence

# The root options that take a value (see `supportctl.cli.root`).
_VALUED = ("--db", "--config")
# Root options after which no command runs (the answer needs no database).
_NO_COMMAND = frozenset({"--help", "-h", "--version"})


def early_server_url(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The server URL a command in `argv` will open, when the root options (or the
    environment) name one and a command follows them; else None."""
    db = environ.get("SUPPORTCTL_DB") or None
    args = iter(argv)
    for arg in args:
        if arg in _NO_COMMAND:
            return None
        name, eq, value = arg.partition("=")
        if name in _VALUED:
            if not eq:
                value = next(args, "")
            if name == "--db":
                db = value or None
            continue
        if not arg.startswith("-"):  # the command
            break
    else:
        return None  # no command: the help is shown
    if db is None:
        return None
    from supportctl.store.early import is_server_url

    return db if is_server_url(db) else None


def main() -> None:
    # Loading the program only allocates (modules, functions, classes): the cyclic
    # garbage collector's passes meanwhile find nothing and cost about a tenth of the
    # start-up. It is turned back on (and what was loaded set aside) when the command
    # starts: `supportctl.cli.common.collect_garbage_again`.
    gc.disable()
    url = early_server_url(sys.argv[1:], os.environ)
    if url is not None:
        from supportctl.store.early import connect_early

        connect_early(url)
    from supportctl.cli import main as run

    run()


if __name__ == "__main__":
    main()
