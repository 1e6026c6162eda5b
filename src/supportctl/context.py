"""AppContext: built once per invocation by the root callback, closed on exit.

Config, store and consoles are created lazily, so `supportctl --help` never opens the
database and a command that prints nothing never builds a rich Console.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from supportctl.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.config import Config
    from supportctl.store.db import Store
    from supportctl.store.early import Ahead


def _utc_now() -> datetime:
    """The current time; SUPPORTCTL_NOW (ISO 8601) pins it for reproducible demos and tests."""
    pinned = os.environ.get("SUPPORTCTL_NOW")
    if pinned:
        try:
            moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"SUPPORTCTL_NOW '{pinned}' is not an ISO 8601 time such as 2026-10-31T12:00:00Z"
            ) from None
        if moment.tzinfo is None:
            raise ConfigError(f"SUPPORTCTL_NOW '{pinned}' needs a zone, e.g. a trailing Z")
        return moment.astimezone(UTC)
    return datetime.now(UTC)


class AppContext:
    """Per-invocation state; a plain class (a dataclass costs start-up time to define)."""

    def __init__(
        self,
        config_path: Path,
        db_path: Path,
        debug: bool = False,
        db_url: str | None = None,
        db_given: bool = True,
        clock: Callable[[], datetime] = _utc_now,
        color: bool | None = None,
        config_explicit: bool = False,
    ) -> None:
        self.config_path = config_path
        self.config_explicit = config_explicit
        self.db_path = db_path
        self._db_url = db_url
        self._db_given = db_given
        self.debug = debug
        self.clock = clock
        self.color = color
        self._config: Config | None = None
        self._store: Store | None = None
        self._out: Console | None = None
        self._err: Console | None = None
        self._closers: list[Callable[[], None]] = []
        self._ahead: Ahead | None = None  # a server connection opened early (connect_ahead)
        # Modules the command loads after its store opens: loaded while connecting.
        self.warm: tuple[str, ...] = ()
        # Called with the store when it is opened (the CLI arms auto-close this way:
        # the context only builds things and runs no use case itself).
        self.on_open: list[Callable[[Store], None]] = []

    @property
    def config(self) -> Config:
        if self._config is None:
            from supportctl.config import load_config

            self._config = load_config(self.config_path, required=self.config_explicit)
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            from supportctl.store.db import open_store

            if self.config_explicit and self._config is None and not self.config_path.exists():
                from supportctl.config import load_config

                load_config(self.config_path, required=True)  # the one "no config file" error

            ahead, self._ahead = self._ahead, None
            if ahead is not None:
                self._load_while_connecting(ahead)
            self._store = open_store(self.db_target, password=self.db_password, ahead=ahead)
            for hook in self.on_open:
                hook(self._store)
        return self._store

    def _load_while_connecting(self, ahead: Ahead) -> None:
        """Load the modules the command will need once its store is open (`warm`) while
        the connection is still being made: that time is spent waiting on the network
        anyway. Stops as soon as the connection is there."""
        import importlib

        for name in self.warm:
            if not ahead.connecting():
                return
            importlib.import_module(name)

    def connect_ahead(self) -> None:
        """Start connecting to a server named by --db / SUPPORTCTL_DB now, in a thread,
        so that connecting overlaps loading the command. Not when the config asks for a
        password_command / password_env (run only when the store is opened), or when
        an explicit config is missing (as for `init`): the store opens the usual way."""
        if self._db_url is None or self._ahead is not None:
            return
        from supportctl.store.early import Ahead, claim_early

        early = claim_early(self._db_url)  # started by the entry point, before the CLI loaded
        if not self._may_connect_ahead():
            if early is not None:
                early.discard()
            return
        self._ahead = early or Ahead(self._db_url)

    def _may_connect_ahead(self) -> bool:
        if self.config_explicit and not self.config_path.exists():
            return False
        try:
            database = self.config.database
        except Exception:  # the command reports a bad config itself
            return False
        return not (database.password_command or database.password_env)

    @property
    def _config_readable(self) -> bool:
        """Whether the config can be read for the database settings: an explicit config
        that does not exist yet (as `init` is about to write it) has none."""
        return self._config is not None or not self.config_explicit or self.config_path.exists()

    @property
    def db_target(self) -> Path | str:
        """The database: --db / SUPPORTCTL_DB, else the config's [database] url, else the default file."""
        if self._db_url is not None:
            return self._db_url
        if not self._db_given and self._config_readable:
            url = self.config.database.url
            if url:
                from supportctl.store.db import is_server_url

                if is_server_url(url):
                    return url
                return Path(url).expanduser()
        return self.db_path

    @property
    def is_server_db(self) -> bool:
        return isinstance(self.db_target, str)

    @property
    def db_password(self) -> str | None:
        """The server password from the config's password_command / password_env, if set."""
        if not isinstance(self.db_target, str) or not self._config_readable:
            return None
        database = self.config.database
        if not (database.password_command or database.password_env):
            return None
        from supportctl.config import resolve_secret

        return resolve_secret("[database]", database.password_command, database.password_env)

    def set_store(self, store: Store) -> None:
        self._store = store

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in the agency's time zone (what `today` and weekday names count from)."""
        from zoneinfo import ZoneInfo

        return self.now().astimezone(ZoneInfo(self.config.agency.timezone)).date()

    def is_terminal(self) -> bool:
        """True when stdout is a terminal (or colour is forced): people get rich output."""
        if self.color:
            return True
        if self._out is not None:
            return bool(self._out.is_terminal)
        try:
            return os.isatty(1)
        except (OSError, ValueError):
            return False

    def _console(self, stderr: bool) -> Console:
        from rich.console import Console

        no_color = bool(os.environ.get("NO_COLOR")) or self.color is False
        return Console(
            stderr=stderr,
            no_color=no_color,
            force_terminal=True if self.color else None,
            highlight=False,
            soft_wrap=True,
        )

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = self._console(False)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = self._console(True)
        return self._err

    def actor(self, as_handle: str | None = None, *, required: bool = True) -> str | None:
        """The acting person: --as, else SUPPORTCTL_USER, else the config's `user`."""
        handle = as_handle or os.environ.get("SUPPORTCTL_USER") or self.config.user
        if handle is not None and not handle.isascii():
            try:
                handle.encode("utf-8")
            except UnicodeEncodeError:
                raise ConfigError("SUPPORTCTL_USER is not valid UTF-8") from None
        if handle is None and required:
            raise ConfigError(
                "who are you? no acting person is set",
                hint='pass --as HANDLE, set SUPPORTCTL_USER, or put user = "handle" in the config',
            )
        return handle

    def act_as(self, handle: str) -> str:
        """Check an `--as` handle against the team; the history then records who ran the
        command too (the configured user) when it is someone else."""
        from supportctl.errors import InputError
        from supportctl.store import people as people_store

        handle = handle.strip()
        store = self.store
        if not handle or people_store.id_by_handle(store, handle) is None:
            import difflib

            handles = [p.handle for p in people_store.list_all(store)]
            close = difflib.get_close_matches(handle, handles, n=1, cutoff=0.0)
            raise InputError(
                f"no team member '{handle}' (--as); nothing was done",
                hint=f"did you mean --as {close[0]}? (see `supportctl team list`)"
                if close
                else "add the person first: `supportctl team add HANDLE …`",
            )
        runner = os.environ.get("SUPPORTCTL_USER") or self.config.user
        if runner and runner != handle:
            store.run_by = runner
        return handle

    def close(self) -> None:
        if self._ahead is not None:  # opened early, never used
            self._ahead.discard()
            self._ahead = None
        for closer in self._closers:
            closer()
        if self._store is not None:
            self._store.close()
            self._store = None
