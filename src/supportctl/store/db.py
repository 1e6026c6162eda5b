"""Opening the database: pragmas, schema version check, migrations, transactions.

The hot path uses the stdlib `sqlite3` module only (it imports in a millisecond);
sqlite-utils is imported only when a migration is pending. Every write a service makes
runs inside `Store.transaction()`, a `BEGIN IMMEDIATE` that takes the write lock up
front, so concurrent writers queue on `busy_timeout` instead of failing half-way.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from supportctl.errors import ConfigError, StoreError

BUSY_TIMEOUT_MS = 30_000

# The number of migrations in store/migrations.py (which checks it on import): opening
# a database compares its user_version with this, without importing the migrations.
SCHEMA_VERSION = 20

# What services name instead of the engine's own types: a result row (read by column
# name or position), and the error a query the engine cannot run raises (an FTS5
# syntax error, say).
Row: TypeAlias = sqlite3.Row
QueryError = sqlite3.OperationalError


def is_server_url(target: str | Path) -> bool:
    """True when the database is named by a PostgreSQL URL or libpq keyword string."""
    if isinstance(target, Path):
        return False
    text = target.strip()
    if text.startswith(("postgresql:", "postgres:")):
        return True
    key, eq, _rest = text.partition("=")  # a libpq keyword string: "service=desk ..."
    return bool(eq) and key.strip() in _KEYWORDS


_KEYWORDS = frozenset({"host", "hostaddr", "dbname", "service", "user", "port"})


class Cursor(Protocol):
    """What a statement returns on either engine."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...

    def close(self) -> None: ...

    def __iter__(self) -> Any: ...


class Store:
    """A sqlite3 connection in autocommit mode with explicit transactions.

    The PostgreSQL adapter (store/pg.py) subclasses it: services only see `one`, `all`,
    `scalar`, `execute`, `executemany`, `tuples` and `transaction`.
    """

    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.label = str(path)
        self._depth = 0
        # Who ran the command when it acts for someone else (`--as`): the history
        # records both (store.events).
        self.run_by: str | None = None
        # Run once, just before the first write transaction begins (in its own
        # transactions): upkeep that only a command that writes should do, such as
        # closing quiet resolved tickets (services.autoclose.arm).
        self.before_first_write: Callable[[], object] | None = None

    @property
    def in_transaction(self) -> bool:
        return bool(self.conn.in_transaction)

    @property
    def local_dir(self) -> Path:
        """Where files that belong beside the desk go on this machine (drafts)."""
        return self.path.parent

    @contextmanager
    def transaction(self, *, wait_ms: int | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one.

        `wait_ms` waits that long (instead of BUSY_TIMEOUT_MS) for another writer to
        finish, for writes that may as well be skipped (caches).
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        hook = self.before_first_write
        if hook is not None:
            self.before_first_write = None
            hook()
        try:
            if wait_ms is not None:
                self.conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            finally:
                if wait_ms is not None:
                    self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot start a write: {exc}") from None
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        else:
            self._depth = 0
            self.conn.execute("COMMIT")

    def run_before_first_write(self) -> None:
        """Run the pending `before_first_write` upkeep now, if it has not run yet (the mail
        service does on every run, whether or not mail came)."""
        hook = self.before_first_write
        if hook is not None:
            self.before_first_write = None
            hook()

    @contextmanager
    def cache_transaction(self, *, wait_ms: int | None = None) -> Iterator[sqlite3.Connection]:
        """A transaction that only keeps something computed (holidays, totals): it does
        not count as the command's first write, so `before_first_write` waits for one."""
        hook, self.before_first_write = self.before_first_write, None
        try:
            with (
                self.transaction() if wait_ms is None else self.transaction(wait_ms=wait_ms)
            ) as conn:
                yield conn
        finally:
            if self.before_first_write is None:
                self.before_first_write = hook

    @contextmanager
    def savepoint(self, name: str = "item") -> Iterator[None]:
        """Inside a transaction: undo only this block's writes when it raises."""
        if not self.in_transaction:
            raise RuntimeError("savepoint must run inside a write transaction")
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.execute(f"RELEASE SAVEPOINT {name}")

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return list(self.conn.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run an INSERT into a table with an `id` key; the new row's id."""
        return int(self.conn.execute(sql, params).lastrowid or 0)

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Plain tuples (no row objects): for reads of thousands of rows."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return list(cur.execute(sql, params).fetchall())

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows as plain tuples, read as they are consumed (whole tables, raw mail)."""
        cur = self.conn.cursor()
        cur.row_factory = None
        yield from cur.execute(sql, params)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent read of the whole desk while others keep writing."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def columns(self, table: str) -> list[str]:
        return [str(r[1]) for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def after_bulk_copy(self, tables: Sequence[str]) -> None:
        """After rows were copied in with their ids (a server moves its id counters)."""

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Whether this run may do the work called `name` that only one run at a time
        should do. One file has one writer at a time and duplicates are skipped by
        their keys, so on SQLite every run may; a server says no while another holds it."""
        yield True

    def close(self) -> None:
        self.conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from None
    return conn


def create_database(path: Path, *, group: str | None = None) -> bool:
    """Create the file with safe permissions if it does not exist; True when created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        if group:
            _apply_group(path, group)
        return False
    mode = 0o660 if group else 0o600
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    os.close(fd)
    os.chmod(path, mode)
    if group:
        _apply_group(path, group)
    return True


def _apply_group(path: Path, group: str) -> None:
    import grp
    import shutil

    try:
        grp.getgrnam(group)
    except KeyError:
        raise ConfigError(f"no such group '{group}'") from None
    shutil.chown(path, group=group)
    os.chmod(path, 0o660)


def open_store(target: Path | str, *, create: bool = False, password: str | None = None) -> Store:
    """Open (and migrate if needed) the database; a missing file is exit 3 unless `create`.

    `target` is a file path or a PostgreSQL URL / libpq string; psycopg is imported only
    for the latter.
    """
    if is_server_url(target):
        from supportctl.store.pg import open_pg_store

        return open_pg_store(str(target), create=create, password=password)
    path = Path(target)
    if not path.exists() and not create:
        raise ConfigError(
            f"no database at {path}; run `supportctl init` (or point SUPPORTCTL_DB at one)"
        )
    if create:
        create_database(path)
    conn = _connect(path)
    store = Store(conn, path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not a supportctl database: {exc}") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"{path} was written by a newer supportctl (schema {version}, this program knows {SCHEMA_VERSION})",
            hint="upgrade supportctl; nothing was changed",
        )
    if version < SCHEMA_VERSION:
        from supportctl.store.migrations import migrate

        migrate(store)
    return store


def backup_to(store: Store, target: Path) -> None:
    """A consistent copy while others may be writing (VACUUM INTO)."""
    if target.exists():
        from supportctl.errors import InputError

        raise InputError(f"{target} already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        store.conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.OperationalError as exc:
        raise StoreError(f"backup to {target} failed: {exc}") from None
    os.chmod(target, 0o600)
