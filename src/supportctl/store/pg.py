"""The PostgreSQL adapter (psycopg 3), imported only when the database is a PostgreSQL URL.

Query modules are written once, in the SQL both engines speak, with `?` and `:name`
placeholders; `translate` turns them into psycopg's `%s` / `%(name)s` (cached per
statement text, so the cost is one dict look-up a query). Rows read by position and by
column name, like sqlite3.Row. Only what truly differs lives here or in the per-engine
modules: connecting, DDL, the schema version, locking, search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, cast

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import RowMaker, tuple_row

from supportctl.errors import ConfigError, StoreError
from supportctl.store.db import SCHEMA_VERSION, Cursor, EngineFailure, QueryError, Row, Store

# SQLite's planner hints, which PostgreSQL's planner does not need: INDEXED BY, and
# CROSS JOIN ... ON (SQLite's way to fix the join order) which is a plain JOIN here.
_HINTS = re.compile(r"\s+INDEXED BY \w+|\s+NOT INDEXED")
_CROSS = re.compile(r"\bCROSS (?=JOIN \w+(?: \w+)? ON )")
# Placeholders outside quoted text: '...', "...", and :name (not ::casts).
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|\?|(?<![:\w]):([A-Za-z_]\w*)|%")
_CACHE: dict[str, str] = {}

WRITE_LOCK = 7_311_000  # the advisory lock every write transaction holds


def translate(sql: str) -> str:
    """`?` -> `%s`, `:name` -> `%(name)s`, a literal `%` -> `%%`, quoted text untouched."""
    done = _CACHE.get(sql)
    if done is not None:
        return done

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if m.group(1):
            return f"%({m.group(1)})s"
        return token.replace("%", "%%")  # psycopg reads % inside quotes too

    done = _TOKEN.sub(swap, _CROSS.sub("", _HINTS.sub("", sql)))
    if len(_CACHE) < 4096:
        _CACHE[sql] = done
    return done


class PgRow(tuple):  # type: ignore[type-arg]
    """A result row read by position or by column name (what sqlite3.Row offers)."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


_ROW_CLASSES: dict[tuple[str, ...], type[PgRow]] = {}


def _row_factory(cursor: psycopg.Cursor[Any]) -> RowMaker[Any]:
    """A row class per column list, made once (the importer runs the same few
    statements thousands of times; a new class per cursor cost 7 % of its time)."""
    desc = cursor.description
    if desc is None:
        return tuple
    names = tuple(column.name for column in desc)
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        index: dict[str, int] = {}
        for i, name in enumerate(names):
            index.setdefault(name, i)
        cls = type("Row", (PgRow,), {"__slots__": (), "_index": index})
        if len(_ROW_CLASSES) < 4096:
            _ROW_CLASSES[names] = cls
    return cls


def describe(url: str) -> str:
    """The server and database, for messages (never the password)."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL server"
    host = str(info.get("host") or info.get("hostaddr") or "localhost")
    port = info.get("port")
    db = info.get("dbname") or info.get("service") or ""
    where = f"{host}:{port}" if port else host
    return f"PostgreSQL {where}/{db}" if db else f"PostgreSQL {where}"


def connect_error(url: str, exc: psycopg.Error) -> StoreError | ConfigError:
    """One line naming the server and what to do, for a connection that failed."""
    where = describe(url)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = str(exc).lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return ConfigError(
            f"{where}: the server refused the password",
            hint="check PGPASSFILE, password_command or PGPASSWORD; nothing was written",
        )
    if "does not exist" in lowered and "database" in lowered:
        return ConfigError(
            f"{where}: no such database",
            hint="create it (createdb) or fix [database] url / SUPPORTCTL_DB; nothing was written",
        )
    if "role" in lowered and "does not exist" in lowered:
        return ConfigError(
            f"{where}: no such user on the server",
            hint="create the role or fix the user name in the URL; nothing was written",
        )
    if "permission denied" in lowered:
        return StoreError(
            f"{where}: permission denied ({text})",
            hint="ask the database owner to grant this user rights; nothing was written",
        )
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"{where}: cannot reach the server ({text})",
            hint="check the host, port and network, or that PostgreSQL is running; nothing was written",
        )
    return StoreError(f"{where}: {text}", hint="nothing was written")


class PgStore(Store):
    """A psycopg connection in autocommit mode with explicit transactions."""

    engine = "postgresql"
    # Whether statements are prepared on the server: not for a command's handful of
    # statements, but in `bulk`, where the same few run thousands of times.
    prepare: bool | None = False

    def __init__(self, conn: psycopg.Connection[Any], url: str) -> None:
        self.pg = conn
        self.url = url
        self.label = describe(url)
        self.read_only = False
        self.fresh = False
        self.run_by: str | None = None
        self.before_first_write: Any = None
        self._memo: dict[str, object] | None = None
        self._depth = 0

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @property
    def local_dir(self) -> Path:
        """This machine's data directory (the desk itself is on the server)."""
        from platformdirs import user_data_path

        return user_data_path("supportctl")

    @contextmanager
    def transaction(self, *, wait_ms: int | None = None) -> Iterator[Any]:
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        hook = self.before_first_write
        if hook is not None:
            self.before_first_write = None
            hook()
        # One writer at a time, like SQLite's BEGIN IMMEDIATE: every check-then-write a
        # service makes inside a transaction stays true until it commits, and no
        # deadlock or serialization failure can reach the user. Sent with BEGIN as one
        # message, so it costs no round trip of its own. Reads never wait for it.
        wait = "" if wait_ms is None else f"SET LOCAL lock_timeout = {int(wait_ms)}; "
        try:
            self.pg.execute(f"BEGIN; {wait}SELECT pg_advisory_xact_lock({WRITE_LOCK})".encode())
        except psycopg.Error as exc:
            if not self.pg.closed and self.pg.info.transaction_status != 0:
                self.pg.execute("ROLLBACK")
            raise StoreError(f"{self.label}: cannot start a write: {exc}") from None
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            if not self.pg.closed:
                self.pg.execute("ROLLBACK")
            raise
        else:
            self._depth = 0
            try:
                self.pg.execute("COMMIT")
            except psycopg.Error as exc:
                raise StoreError(f"{self.label}: the write failed: {exc}") from None

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Prepared statements for a batch of many small statements inside a write
        transaction (the importer): the same few statements run thousands of times are
        planned once. (Pipeline mode was measured too: slower here, since nearly every
        statement's result is read before the next is sent.)"""
        self.prepare = None  # psycopg's default: prepared from the fifth run on
        try:
            with super().bulk():
                yield
        finally:
            self.prepare = False

    @contextmanager
    def savepoint(self, name: str = "item") -> Iterator[None]:
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
            except psycopg.Error as again:
                raise failure or self.engine_failed(again) or again from exc
            if failure is not None:
                raise failure from exc
            raise
        else:
            self.execute(f"RELEASE SAVEPOINT {name}")

    def engine_failed(self, exc: BaseException) -> EngineFailure | None:
        """A lost connection, a full disk, a server shutting down, missing rights."""
        if isinstance(exc, EngineFailure):
            return exc
        if isinstance(exc, psycopg.OperationalError) or self.pg.closed:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return EngineFailure(f"{self.label}: {first}", hint="nothing of this run was saved")
        return None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        try:
            cur: Cursor = self.pg.execute(translate(sql), params or None, prepare=self.prepare)
            return cur
        except (pg_errors.SyntaxError, pg_errors.UndefinedFunction) as exc:
            raise QueryError(str(exc)) from None
        except pg_errors.InsufficientPrivilege as exc:
            raise EngineFailure(
                f"{self.label}: permission denied ({str(exc).strip().splitlines()[0]})",
                hint="ask the database owner to grant this user rights; nothing was written",
            ) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.pg.cursor() as cur:
            cur.executemany(translate(sql), rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def backup_native(self, target: Path) -> bool:
        return False

    def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        return int(self.execute(sql + " RETURNING id", params).fetchone()[0])

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        return cast("Row | None", self.execute(sql, params).fetchone())

    def all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return cast("list[Row]", self.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.execute(sql, params).fetchall()]

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """A server-side cursor (inside the caller's transaction), 500 rows a trip."""
        with self.pg.cursor(name=f"stream_{id(sql)}", row_factory=tuple_row) as cur:
            cur.itersize = 500
            cur.execute(translate(sql), params or None)
            yield from cur

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One REPEATABLE READ read-only transaction: a consistent desk while others write."""
        self.pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self.pg.closed:
                self.pg.execute("ROLLBACK")

    def columns(self, table: str) -> list[str]:
        return [
            str(r[0])
            for r in self.pg.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]

    def after_bulk_copy(self, tables: Sequence[str]) -> None:
        """Move each identity counter past the highest id copied in."""
        for table in tables:
            if "id" not in self.columns(table):
                continue
            seq = self.scalar("SELECT pg_get_serial_sequence(?, 'id')", (table,))
            if seq is not None:
                self.execute(
                    f"SELECT setval(?, coalesce((SELECT max(id) FROM {table}), 0) + 1, false)",
                    (seq,),
                )

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """A session advisory lock named by `name`: False when another session holds it."""
        import hashlib

        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        got = bool(self.pg.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])  # type: ignore[index]
        try:
            yield got
        finally:
            if got and not self.pg.closed:
                self.pg.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def close(self) -> None:
        self.pg.close()


def _version(conn: psycopg.Connection[Any]) -> int:
    """The schema version in one round trip: kept as the comment of `schema_version`
    (to_regclass sees the table whatever this user may read; NULL when there is none)."""
    row = conn.execute(
        "SELECT to_regclass('schema_version') IS NOT NULL, "
        "obj_description(to_regclass('schema_version'), 'pg_class')"
    ).fetchone()
    if row is None or not row[0]:
        return 0
    if row[1] is not None and str(row[1]).isdigit():
        return int(row[1])
    got = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(got[0]) if got else 0


def open_pg_store(url: str, *, create: bool = False, password: str | None = None) -> PgStore:
    """Connect, check the schema version, migrate when `create` (init) or behind."""
    try:
        extra: dict[str, Any] = {} if password is None else {"password": password}
        conn = psycopg.connect(
            url, autocommit=True, row_factory=_row_factory, connect_timeout=10, **extra
        )
    except psycopg.Error as exc:
        raise connect_error(url, exc) from None
    store = PgStore(conn, url)
    try:
        version = _version(conn)
    except psycopg.Error as exc:
        conn.close()
        raise connect_error(url, exc) from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"{store.label} was written by a newer supportctl (schema {version}, this program knows {SCHEMA_VERSION})",
            hint="upgrade supportctl; nothing was changed",
        )
    if version == 0 and not create:
        conn.close()
        raise ConfigError(
            f"{store.label} holds no supportctl desk yet",
            hint="run `supportctl init` with this database; nothing was written",
        )
    store.fresh = version == 0
    if version < SCHEMA_VERSION:
        from supportctl.store.pg_migrations import migrate

        try:
            migrate(store, version)
        except psycopg.Error as exc:
            conn.close()
            raise connect_error(url, exc) from None
    return store


def diagnose(url: str, password: str | None = None) -> list[tuple[bool, str, str | None]]:
    """`doctor` on a server: (ok, what was found, how to fix it) for whether it is
    reachable, its schema version, and this user's rights on the desk's tables."""
    where = describe(url)
    try:
        extra: dict[str, Any] = {} if password is None else {"password": password}
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10, **extra)
    except psycopg.Error as exc:
        failed = connect_error(url, exc)
        return [(False, failed.message, failed.hint)]
    found: list[tuple[bool, str, str | None]] = []
    with conn:
        row = conn.execute(
            "SELECT current_user, current_setting('server_version'), current_schema()"
        ).fetchone()
        user, server_version, schema = (str(v) for v in row) if row else ("?", "?", "public")
        found.append((True, f"{where} is reachable as {user} (PostgreSQL {server_version})", None))
        version = _version(conn)
        if version == 0:
            found.append(
                (False, f"{where} holds no supportctl desk yet", "run `supportctl init` with it")
            )
            return found
        if version > SCHEMA_VERSION:
            found.append(
                (
                    False,
                    f"schema version {version} is newer than this supportctl knows ({SCHEMA_VERSION})",
                    "upgrade supportctl",
                )
            )
        elif version < SCHEMA_VERSION:
            found.append(
                (
                    False,
                    f"schema version {version}; this supportctl uses {SCHEMA_VERSION}",
                    "run `supportctl init` as a user who may create tables (it upgrades the schema)",
                )
            )
        else:
            found.append((True, f"schema version {version}, the one this supportctl uses", None))
        rights = conn.execute(
            # A table needs all four rights; its id sequence USAGE, for inserts.
            "SELECT c.relname, c.relkind, "
            "c.relkind = 'S' OR has_table_privilege(c.oid, 'SELECT'), "
            "CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'USAGE') "
            "ELSE has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE') "
            "AND has_table_privilege(c.oid, 'DELETE') END "
            "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind IN ('r', 'S') ORDER BY c.relkind DESC, c.relname"
        ).fetchall()
    unreadable = [str(r[0]) for r in rights if not r[2]]
    unwritable = [str(r[0]) for r in rights if r[2] and not r[3]]
    fix = (
        "the database owner runs: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
        f"{schema} TO {user}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {user}"
    )

    def some(names: list[str]) -> str:
        return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")

    if unreadable:
        found.append((False, f"{user} cannot read {some(unreadable)}", fix))
    if unwritable:
        found.append((False, f"{user} can read but not write {some(unwritable)}", fix))
    if not unreadable and not unwritable:
        found.append((True, f"{user} can read and write every table of the desk", None))
    return found
