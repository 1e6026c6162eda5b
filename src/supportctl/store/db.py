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
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol, TypeAlias, TypeVar, cast

from supportctl.errors import ConfigError, StoreError, SupportctlError
from supportctl.store.early import Ahead, is_server_url

BUSY_TIMEOUT_MS = 30_000

# The number of migrations in store/migrations.py (which checks it on import): opening
# a database compares its user_version with this, without importing the migrations.
SCHEMA_VERSION = 22

# What services name instead of the engine's own types: a result row (read by column
# name or position), and the error a query the engine cannot run raises (an FTS5
# syntax error, say).
Row: TypeAlias = sqlite3.Row
QueryError = sqlite3.OperationalError
_T = TypeVar("_T")


class EngineFailure(StoreError):
    """The database or the machine failed (a full disk, a lost connection, missing
    rights), not the item being written: a caller that sets bad items aside (the
    importer's quarantine) stops instead. Both adapters raise it from `savepoint`."""


def diagnose_server(url: str, password: str | None = None) -> list[tuple[bool, str, str | None]]:
    """`doctor` on a PostgreSQL server: (ok, finding, fix) lines (store/pg.py)."""
    from supportctl.store.pg import diagnose

    return diagnose(url, password)


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
    `scalar`, `many`, `execute`, `executemany`, `tuples` and `transaction`.
    """

    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.label = str(path)
        self.read_only = False
        self._depth = 0
        # Who ran the command when it acts for someone else (`--as`): the history
        # records both (store.events).
        self.run_by: str | None = None
        # Run once, just before the first write transaction begins (in its own
        # transactions): upkeep that only a command that writes should do, such as
        # closing quiet resolved tickets (services.autoclose.arm).
        self.before_first_write: Callable[[], object] | None = None
        # Optionally, what that upkeep checks first, as (SQL, parameters) of a read
        # whose one value is true when it has nothing to do: a server sends it along
        # with the write instead of waiting for it (store.pg). SQLite does not use it.
        self.upkeep_idle: Callable[[], tuple[str, Sequence[Any]]] | None = None
        self._memo: dict[str, object] | None = None
        self._utils: Any = None  # a sqlite_utils.Database on this connection, when needed

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
            known = write_failure(exc, self.path)
            if known is not None:
                raise known from None
            raise StoreError(f"{self.path}: cannot start a write: {exc}") from None
        self._depth = 1
        try:
            yield self.conn
        except BaseException as exc:
            self._depth = 0
            self._rollback()
            known = write_failure(exc, self.path) if isinstance(exc, sqlite3.Error) else None
            if known is not None:
                raise known from None
            raise
        else:
            self._depth = 0
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                known = write_failure(exc, self.path)
                if known is not None:
                    raise known from None
                raise

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already done so itself (it
        rolls back on its own after SQLITE_FULL, say, and a second ROLLBACK would
        hide that error behind "no transaction is active")."""
        if self.conn.in_transaction:
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

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
    def bulk(self) -> Iterator[None]:
        """Inside a write transaction: many small statements in a row (the importer's
        batch). `memo` keeps what it reads for the block; the PostgreSQL adapter also
        prepares the statements it runs again and again."""
        if not self.in_transaction:
            raise RuntimeError("bulk must run inside a write transaction")
        outer, self._memo = self._memo, {}
        try:
            yield
        finally:
            self._memo = outer

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """`compute()`, kept for the rest of a `bulk` block (every time outside one).

        For small tables the block itself does not write (the rota, say): its
        transaction holds the write lock, so nobody else changes them meanwhile."""
        if self._memo is None:
            return compute()
        if key not in self._memo:
            self._memo[key] = compute()
        return cast("_T", self._memo[key])

    @contextmanager
    def savepoint(self, name: str = "item") -> Iterator[None]:
        """Inside a transaction: undo only this block's writes when it raises.

        A failure of the database or the disk (not of what the block wrote) comes out
        as `EngineFailure`, so a caller working item by item knows to stop."""
        if not self.in_transaction:
            raise RuntimeError("savepoint must run inside a write transaction")
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException as exc:
            failure = self.engine_failed(exc)
            try:
                self.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.execute(f"RELEASE SAVEPOINT {name}")
            except sqlite3.Error as again:
                raise failure or self.engine_failed(again) or again from exc
            if failure is not None:
                raise failure from exc
            raise
        else:
            self.execute(f"RELEASE SAVEPOINT {name}")

    def engine_failed(self, exc: BaseException) -> EngineFailure | None:
        """`exc` as an EngineFailure when the engine or the machine failed; else None."""
        if isinstance(exc, EngineFailure):
            return exc
        if not isinstance(exc, sqlite3.OperationalError):
            return None
        known = engine_failure(exc)
        if known is not None:
            return EngineFailure(known.message, hint=known.hint)
        return EngineFailure(f"{self.path}: {exc}", hint="nothing of this run was saved")

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

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Bulk-insert whole rows (db copy and backup writing a file): sqlite-utils'
        insert_all, many rows per statement, inside the caller's transaction (it nests
        a savepoint). Columns and rows are given as they are; nothing is created."""
        if not rows:
            return
        if self._utils is None:
            from sqlite_utils import Database

            self._utils = Database(self.conn)
        self._utils.table(table).insert_all([list(columns), *rows], batch_size=len(rows))

    def backup_native(self, target: Path) -> bool:
        """Write a consistent single-file copy of the desk with the engine's own means
        (VACUUM INTO); False when the engine has none (a server: the caller copies the
        desk table by table into a new file instead)."""
        backup_to(self, target)
        return True

    def take_ids_ahead(self, table: str, count: int) -> None:
        """Let the next `count` rows `insert` writes into `table` have ids decided now,
        in one request: a server then need not answer each insert with its new id
        before the statements that name it are sent. SQLite knows a new row's id at
        once: nothing to do."""

    def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run an INSERT into a table with an `id` key; the new row's id."""
        return int(self.conn.execute(sql, params).lastrowid or 0)

    def many(
        self, queries: Sequence[tuple[str, Sequence[Any] | dict[str, Any]]]
    ) -> list[list[Row]]:
        """The rows of several reads a command needs together. Here one after another;
        a server gets them all in one round trip."""
        return [list(self.conn.execute(sql, params).fetchall()) for sql, params in queries]

    def update_one(
        self, sql: str, params: Sequence[Any], stale: Callable[[], BaseException]
    ) -> None:
        """An UPDATE that must change exactly one row (an optimistic edit): if it changes
        none, the error `stale()` makes is raised and the transaction is undone. A server
        checks the count itself, so the client goes on without waiting for it."""
        if self.conn.execute(sql, params).rowcount != 1:
            raise stale()

    def prefetch(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> Callable[[], list[Row]]:
        """A read the command will need a little later: its rows when called. Here it
        runs then; a server is sent it now, to travel with the next statement."""
        return lambda: self.all(sql, params)

    def prefetch_one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> Callable[[], Row | None]:
        """`prefetch` of a read of at most one row: the row when called, or None."""
        rows = self.prefetch(sql, params)
        return lambda: found[0] if (found := rows()) else None

    def read_if_needed(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> Callable[[], list[Row]]:
        """A read the command may not need after all (which one, an earlier read will
        tell): its rows when called. Here it runs only then; a server is sent it now,
        to travel with the next statement, and its answer is dropped if never asked for."""
        return lambda: self.all(sql, params)

    def reserve_id(self, table: str) -> Callable[[], int | None]:
        """Inside a write transaction: the id the next row of `table` will get, where an
        INSERT would have to be waited for to tell it (a server: read with the
        transaction's first reads, so the INSERT gives it and nothing waits). None here,
        where `insert` knows the id at once."""
        return lambda: None

    def took_id(self, table: str) -> None:
        """An INSERT gave a `reserve_id` id explicitly (the server's own counter is moved
        on; nothing to do here)."""

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


def _connect(path: Path, *, create: bool = False) -> tuple[sqlite3.Connection, bool]:
    """Open the file, make sure it is ours (see `_check_identity`), then set the
    pragmas; returns the connection and whether it is read-only.

    A database this user may read but not write (or whose folder is not writable, so
    the WAL index cannot be made) is opened read-only: reads work, and the first write
    is refused as "read-only" by `Store.transaction`.
    """
    read_only = False
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            _check_identity(conn, path, create=create)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if not _is_read_only(exc) or create:
                raise
            conn.close()
            conn = _connect_read_only(path)
            _check_identity(conn, path, create=False)
            read_only = True
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            conn.execute("PRAGMA synchronous = NORMAL")
    except StoreError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        if is_disk_full(exc) or _no_space_left(path):
            raise StoreError(
                f"disk full: {path}: the database cannot be opened; nothing was changed"
            ) from None
        raise StoreError(f"{path}: cannot open the database: {exc}") from None
    return conn, read_only


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection. When even that needs a write (the WAL index file cannot be
    made because the folder is not writable), the file is read as it stands on disk,
    which is complete only while no write-ahead log is pending: otherwise refused."""
    from urllib.parse import quote

    def connect(flags: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"file:{quote(str(path.absolute()))}?{flags}",
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    conn = connect("mode=ro")
    try:
        conn.execute("PRAGMA application_id").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if not _is_read_only(exc):
            raise
    wal = path.with_name(path.name + "-wal")
    try:
        pending = wal.stat().st_size > 0
    except FileNotFoundError:
        pending = False
    if pending:
        raise StoreError(
            f"read-only: {path} cannot be read safely: its folder is not writable by this "
            "user while others have changes pending; nothing was changed",
            hint="`supportctl doctor` explains who may write where",
        )
    return connect("mode=ro&immutable=1")


def _is_read_only(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_READONLY or "readonly database" in str(exc)


# supportctl's mark in the SQLite header (PRAGMA application_id): "SPCT". A file
# without it is not opened, so SUPPORTCTL_DB pointing at another program's database
# (or at an empty file) never gets supportctl's tables written into it.
APPLICATION_ID = 0x53504354
# Tables every supportctl database has had since its first version: a database from
# before the mark is recognised by them and given the mark on opening.
_OUR_TABLES = ("customers", "customer_domains", "contacts", "people", "skills", "absences")


def _check_identity(conn: sqlite3.Connection, path: Path, *, create: bool) -> None:
    """Refuse a file that is not a supportctl database, before anything is written.

    Ours: the mark is set. An empty file (0 bytes, or SQLite's empty database) is set
    up only by `init` (`create`). A database written before the mark existed (user
    version within ours, our tables present) gets the mark. Anything else is refused.
    """
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == APPLICATION_ID:
        return
    if app_id != 0:
        raise StoreError(
            f"{path} belongs to another program (SQLite application id {app_id:#x}), "
            "not supportctl; nothing was changed",
            hint="point --db or SUPPORTCTL_DB at a supportctl database",
        )
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and not names:
        if create:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            return
        raise StoreError(
            f"{path} is an empty file, not a supportctl database; nothing was changed",
            hint="run `supportctl init` to set it up, or point SUPPORTCTL_DB at your database",
        )
    if version >= 1 and set(_OUR_TABLES) <= names:
        try:  # a supportctl database from before the mark: mark it (a one-time upgrade)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except sqlite3.OperationalError as exc:
            if not _is_read_only(exc):
                raise
        return
    raise StoreError(
        f"{path} is not a supportctl database (another program's SQLite file?); "
        "nothing was changed",
        hint="point --db or SUPPORTCTL_DB at a supportctl database, or `supportctl init` a new one",
    )


def _no_space_left(path: Path) -> bool:
    """True when the database's file system has no free block: opening a WAL database
    needs room for its shared-memory file, and SQLite reports that as an I/O error."""
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


def create_database(path: Path, *, group: str | None = None) -> bool:
    """Create the file with safe permissions if it does not exist; True when created.

    With `group` the database's folder and the file are shared with that Unix group
    (see `share_with_group`); otherwise the file is 0600 and a new folder 0700.
    """
    from supportctl.files import private_dir

    if group:
        _check_group(group)
    private_dir(path.parent, "the database folder")
    created = False
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
        created = True
    if group:
        share_with_group(path, group)
    return created


def _check_group(group: str) -> int:
    import grp

    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ConfigError(f"no such group '{group}'") from None


# Folders that are never made group-shared: a database kept directly in one of them
# needs a folder of its own first.
_NOT_SHARED = ("/", "/home", "/root", "/tmp", "/var", "/srv", "/opt", "/usr", "/etc")


def share_with_group(path: Path, group: str) -> None:
    """Let every member of `group` use the database at `path`.

    The folder becomes group-owned, group-writable and setgid (2770), so the WAL and
    shared-memory files SQLite creates beside the database, and any later backup or
    draft, belong to the group as well; the database and its companions become 0660.
    A colleague who could write the file but not the folder would get "attempt to
    write a readonly database" on every command.
    """
    import shutil

    gid = _check_group(group)
    folder = path.absolute().parent
    home = os.path.expanduser("~")
    if str(folder) in _NOT_SHARED or str(folder) == home:
        raise ConfigError(
            f"{folder} would be shared with group '{group}'; keep the database in a "
            "folder of its own",
            hint="e.g. --db /srv/support/desk/supportctl.db",
        )
    try:
        shutil.chown(folder, group=gid)
        os.chmod(folder, 0o2770)
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            one = folder / name
            if one.exists() and not one.is_symlink():
                shutil.chown(one, group=gid)
                os.chmod(one, 0o660)
    except PermissionError:
        raise ConfigError(
            f"cannot give {folder} to group '{group}': only its owner (or root) can; "
            "nothing else was changed",
            hint=f"ask the owner to run: chgrp -R {group} {folder} && chmod 2770 {folder}",
        ) from None


def open_store(
    target: Path | str,
    *,
    create: bool = False,
    password: str | None = None,
    ahead: Ahead | None = None,
) -> Store:
    """Open (and migrate if needed) the database; a missing file is exit 3 unless `create`.

    `target` is a file path or a PostgreSQL URL / libpq string; psycopg is imported only
    for the latter. `ahead`: its connection, being opened already (same URL, no password).
    """
    if is_server_url(target):
        from supportctl.store.pg import open_pg_store

        conn = None
        if ahead is not None and ahead.url == str(target) and password is None:
            conn = ahead.take()
        return open_pg_store(str(target), create=create, password=password, conn=conn)
    path = Path(target)
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a database file")
    if not path.exists() and not create:
        raise ConfigError(
            f"no database at {path}; run `supportctl init` (or point SUPPORTCTL_DB at one)"
        )
    if create:
        create_database(path)
    if not os.access(path, os.R_OK):
        raise StoreError(
            f"permission denied: this user cannot read {path}; nothing was changed",
            hint="`supportctl doctor` explains who may read and write it",
        )
    conn, read_only = _connect(path, create=create)
    store = Store(conn, path)
    store.read_only = read_only
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
    """A consistent copy while others may be writing (VACUUM INTO).

    The copy is made under a temporary name next to the target (created 0600 first, so
    the engine fills a private file) and linked into place when complete: a full disk
    leaves nothing behind, and an existing file or link at the target is never touched.
    """
    from supportctl.files import check_target, failure, place, private_dir, temp_path

    check_target(target, "the backup")
    if target.exists() or target.is_symlink():
        from supportctl.errors import InputError

        raise InputError(f"{target} already exists; choose a new file name")
    private_dir(target.parent, "the backup")
    temp = temp_path(target)
    try:
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
        try:
            store.conn.execute("VACUUM INTO ?", (str(temp),))
        except sqlite3.OperationalError as exc:
            if is_disk_full(exc):
                raise StoreError(
                    f"disk full: cannot write the backup {target}; nothing was changed"
                ) from None
            raise StoreError(f"backup to {target} failed: {exc}") from None
        place(temp, target, overwrite=False, what="the backup")
    except OSError as exc:
        raise failure(exc, "the backup", target) from None
    finally:
        temp.unlink(missing_ok=True)


def write_failure(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """A write that failed because of the disk or the file's permissions, as one clear
    error; anything else (a bug, a constraint) is None and propagates as it is."""
    if is_disk_full(exc):
        return StoreError(f"disk full: {path}: the change was not saved; nothing was changed")
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_READONLY or "readonly database" in str(exc):
        return StoreError(
            f"read-only: {path} cannot be written by this user; nothing was changed",
            hint="reading still works; `supportctl doctor` explains who may write where",
        )
    if code == sqlite3.SQLITE_IOERR or "disk I/O error" in str(exc):
        return StoreError(f"{path}: the disk failed while writing ({exc}); nothing was changed")
    return None


def is_disk_full(exc: sqlite3.Error) -> bool:
    """True for SQLite's "database or disk is full" (SQLITE_FULL), however it is worded."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


def engine_failure(exc: BaseException) -> SupportctlError | None:
    """A database error that is the disk's or the file's doing (full, failing,
    read-only), as one clear error; None for anything else."""
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    text = str(exc)
    if "disk is full" in text:
        return StoreError(f"disk full: {text}; nothing was changed")
    if "disk I/O error" in text:
        return StoreError(f"the disk failed ({text}); nothing was changed")
    if "readonly database" in text or "read-only" in text:
        return StoreError(
            f"read-only: {text}; nothing was changed",
            hint="reading still works; `supportctl doctor` explains who may write where",
        )
    return None
