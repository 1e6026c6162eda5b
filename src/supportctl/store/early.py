"""Connecting to a server before the command-line code loads.

The entry point (`supportctl.__main__`) calls `connect_early` as soon as it sees that a
command will open a desk on a server: this module and the driver are all it loads
first. The driver then connects in a thread (its round trips: startup and
authentication) while the main thread loads the command-line code and the command,
and the store takes the connection when it opens (`claim_early`, `Ahead.take`).
"""

from __future__ import annotations

import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

_KEYWORDS = frozenset({"host", "hostaddr", "dbname", "service", "user", "port"})


def is_server_url(target: str | Path) -> bool:
    """True when the database is named by a PostgreSQL URL or libpq keyword string."""
    if isinstance(target, Path):
        return False
    text = target.strip()
    if text.startswith(("postgresql:", "postgres:")):
        return True
    key, eq, _rest = text.partition("=")  # a libpq keyword string: "service=desk ..."
    return bool(eq) and key.strip() in _KEYWORDS


def open_connection(url: str, password: str | None = None) -> Any:
    """A psycopg connection to the server as the store uses it (autocommit, explicit
    transactions), or the one-line error naming the server."""
    import psycopg

    try:
        extra: dict[str, Any] = {} if password is None else {"password": password}
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **extra)
    except psycopg.Error as exc:
        from supportctl.store.pg import connect_error

        raise connect_error(url, exc) from None


class Ahead:
    """A server connection being opened in a thread while the command loads its code:
    connecting takes several round trips (SSL request, startup, authentication) that
    then overlap the start-up instead of following it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._error: BaseException | None = None
        self._discarded = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="supportctl-connect", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = open_connection(self.url)
        except BaseException as exc:  # raised where the store is opened
            self._error = exc
            return
        with self._lock:
            if not self._discarded:
                self._conn = conn
                return
        with suppress(Exception):  # discarded while connecting
            conn.close()

    def connecting(self) -> bool:
        """True while the connection is still being made."""
        return self._thread.is_alive()

    def take(self) -> Any:
        """The connection (waiting for it), or its error raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        conn, self._conn = self._conn, None
        return conn

    def discard(self) -> None:
        """Not needed after all: close it, now if it is open, else as soon as it is
        (never wait for it)."""
        with self._lock:
            self._discarded = True
            conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                conn.close()


# The connection the entry point started (`connect_early`), until the command claims
# it (`claim_early`) or the program ends (`discard_early`).
_early: list[Ahead] = []


def connect_early(url: str) -> None:
    """Start connecting to `url` at once, before the command-line code loads.

    The driver is loaded here, in the calling thread, so that the thread only waits on
    the network: the round trips of connecting then overlap loading the store, the
    command-line code and the command, which the calling thread does meanwhile.
    Nothing is reported here: an error is raised where the store is opened, as
    without this.
    """
    import psycopg  # noqa: F401  (loaded before the thread starts)

    _early.append(Ahead(url))


def claim_early(url: str) -> Ahead | None:
    """The connection `connect_early` started for `url`, once; else None. One started for
    another URL is discarded."""
    found = None
    while _early:
        ahead = _early.pop()
        if ahead.url == url and found is None:
            found = ahead
        else:
            ahead.discard()
    return found


def discard_early() -> None:
    """Close a connection started early that no command claimed."""
    while _early:
        _early.pop().discard()
