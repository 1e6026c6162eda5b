"""The PostgreSQL adapter (psycopg 3), imported only when the database is a PostgreSQL URL.

Query modules are written once, in the SQL both engines speak, with `?` and `:name`
placeholders; `translate` turns them into psycopg's `%s` / `%(name)s` (cached per
statement text, so the cost is one dict look-up a query). Rows read by position and by
column name, like sqlite3.Row. Only what truly differs lives here or in the per-engine
modules: connecting, DDL, the schema version, locking, search.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar, cast

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
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


def _tls_error(where: str, lowered: str, text: str) -> StoreError | ConfigError | None:
    """The TLS failures of a connection, each with what to change; None for others."""
    detail = text.rsplit(" failed: ", 1)[-1]  # after libpq's 'connection to server at …'
    if "certificate verify failed" in lowered:
        return StoreError(
            f"{where}: the server's TLS certificate is not signed by a root this desk "
            f"trusts ({detail})",
            hint="name the CA that signed it with sslrootcert= in the URL (or put it in "
            "~/.postgresql/root.crt); if it is that CA, someone may be between you and the "
            "server; nothing was written",
        )
    if "does not match host name" in lowered:
        return StoreError(
            f"{where}: the server's TLS certificate is for another name ({detail})",
            hint="connect by a name the certificate lists, or have the server's certificate "
            "name this one; nothing was written",
        )
    if "root certificate file" in lowered and "does not exist" in lowered:
        return ConfigError(
            f"{where}: {detail}",
            hint="put the CA that signed the server's certificate there, or name it with "
            "sslrootcert= in the URL (sslrootcert=system: the system's roots); nothing was "
            "written",
        )
    if "no pg_hba.conf entry" in lowered and "no encryption" in lowered:
        return ConfigError(
            f"{where}: the server accepts this connection only over TLS",
            hint="add sslmode=verify-full (and sslrootcert=) to the URL; nothing was written",
        )
    if "ssl was required" in lowered or "server does not support ssl" in lowered:
        return ConfigError(
            f"{where}: the server does not offer TLS, which the URL's sslmode requires",
            hint="ask the server's administrator to turn TLS on; nothing was written",
        )
    return None


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
    if "requires a valid client certificate" in lowered or (
        "certificate authentication failed" in lowered
    ):
        return ConfigError(
            f"{where}: the server wants a client certificate for this user",
            hint="name it and its key in the URL (sslcert=…&sslkey=…); nothing was written",
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
    tls = _tls_error(where, lowered, text)
    if tls is not None:
        return tls
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"{where}: cannot reach the server ({text})",
            hint="check the host, port and network, or that PostgreSQL is running; nothing was written",
        )
    return StoreError(f"{where}: {text}", hint="nothing was written")


class PgStore(Store):
    """A psycopg connection in autocommit mode with explicit transactions, in pipeline mode.

    Over a network every wait for the server costs a round trip, so statements are sent
    as they come and the client waits only when it needs an answer: a row, a row count,
    a new id, or the end of a write transaction (COMMIT). Writes whose result nobody
    reads (history rows, updates) therefore travel with the next read or with COMMIT;
    BEGIN and the write lock travel with the first statement of the transaction, and
    the schema version check with the first statement of the command. Each wait is a
    Sync, so reads outside a write transaction end their implicit transaction there.
    """

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
        # Ids taken from a table's sequence ahead (`take_ids_ahead`), for `insert` to use.
        self._ids: dict[str, list[int]] = {}
        self._rewound: set[str] = set()  # tables whose sequence this transaction set back
        self.upkeep_idle: Any = None
        # While a write's upkeep check is on its way: (the upkeep, the statements that
        # begin the transaction, the check's cursor, the statements sent after it).
        self._guarded: tuple[Any, list[str], psycopg.Cursor[Any], list[Any]] | None = None
        # update_one's refusals, by the number its statement carries
        self._stale: dict[int, Any] = {}
        self._pipe_cm: Any = None
        self._pipe: psycopg.Pipeline | None = None
        # Statements sent before the schema version was confirmed: sent again after a
        # migration (the failed version check made the server skip them all).
        self._unverified: list[tuple[psycopg.Cursor[Any], bytes | str, Any]] | None = None

    # -- pipeline plumbing -------------------------------------------------------------

    def _enter_pipeline(self) -> None:
        self._pipe_cm = self.pg.pipeline()
        self._pipe = self._pipe_cm.__enter__()

    def _leave_pipeline(self) -> None:
        cm, self._pipe_cm, self._pipe = self._pipe_cm, None, None
        if cm is not None and not self.pg.closed:
            cm.__exit__(None, None, None)

    def _pending(self) -> bool:
        pipe = self._pipe
        return pipe is not None and bool(getattr(pipe, "result_queue", True))

    def _send(self, sql: bytes | str, params: Any = None) -> psycopg.Cursor[Any]:
        """Send one statement; in pipeline mode without waiting for its result."""
        cur = self.pg.cursor()
        if self._unverified is not None:
            self._unverified.append((cur, sql, params))
        if self._guarded is not None:
            self._guarded[3].append((cur, sql, params))
        try:
            cur.execute(sql, params or None, prepare=self.prepare)
        except psycopg.Error as exc:
            self._failed(exc)  # sends the statements again after a migration, or raises
        return cur

    def _wait(self) -> None:
        """Wait for every result sent so far (one round trip; none when nothing is due)."""
        if self._pipe is None or not self._pending():
            return
        while True:
            try:
                self._pipe.sync()
                break
            except psycopg.Error as exc:
                # raises, or has sent the statements again (after a migration or the
                # upkeep; each happens once, so this ends): wait for them
                self._failed(exc)
        self._unverified = None
        self._guarded = None

    def _failed(self, exc: psycopg.Error) -> None:
        """A statement failed. Before the schema version is known, the failure may be
        the version check's own: check it the slow way (migrating a desk that is behind
        and sending the command's statements again). In a write transaction it may be
        the upkeep check saying there is work: do it first, then send the statements
        again. Otherwise raise the error."""
        self._unabort()
        pending, self._unverified = self._unverified, None
        if pending is not None:
            self._leave_pipeline()
            try:
                if self.pg.info.transaction_status == pq.TransactionStatus.INERROR:
                    self.pg.execute("ROLLBACK")  # an aborted transaction: nothing of it stays
                version = _version(self.pg)
            except psycopg.Error as exc2:
                self.close()
                raise connect_error(self.url, exc2) from None
            _check_version(self, version, create=False)
            if version < SCHEMA_VERSION:
                from supportctl.store.pg_migrations import migrate

                try:
                    migrate(self, version)
                except psycopg.Error as exc2:
                    self.close()
                    raise connect_error(self.url, exc2) from None
                self._enter_pipeline()
                self._again(pending)
                return
            self._enter_pipeline()
        guarded, self._guarded = self._guarded, None
        if guarded is not None and _UPKEEP in str(exc):
            self._upkeep_then_again(*guarded)
            return
        found = _STALE_KEY.search(str(exc))
        stale = self._stale.pop(int(found.group(1)), None) if found else None
        if stale is not None:
            self._stale.clear()
            self.pg.cursor().execute("ROLLBACK")  # so that `stale` reads what others wrote
            raise stale() from None
        raise self._convert(exc) from None

    def _upkeep_then_again(
        self, upkeep: Any, begin: list[str], _check: Any, sent: list[Any]
    ) -> None:
        """The write's upkeep has work to do, so the server skipped the transaction's
        statements: run the upkeep first (as SQLite does), then begin again and send them."""
        self.pg.cursor().execute("ROLLBACK")
        depth, self._depth = self._depth, 0
        stale, self._stale = self._stale, {}
        try:
            upkeep()  # in transactions of its own, as on SQLite
        finally:
            self._depth, self._stale = depth, stale
        self._again([(self.pg.cursor(), statement, None) for statement in begin] + sent)

    def _again(self, statements: list[Any]) -> None:
        """Send statements again on their cursors. The server may answer one of them
        with an error while later ones are still going out (a stale edit, say): that
        error is handled like any other, and the rest need not go (the server would
        skip them)."""
        for cur, sql, params in statements:
            try:
                cur.execute(sql, params or None, prepare=False)
            except psycopg.Error as exc:
                self._failed(exc)
                return

    def _convert(self, exc: psycopg.Error) -> BaseException:
        if isinstance(exc, (pg_errors.SyntaxError, pg_errors.UndefinedFunction)):
            return QueryError(str(exc))
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            return EngineFailure(
                f"{self.label}: permission denied ({str(exc).strip().splitlines()[0]})",
                hint="ask the database owner to grant this user rights; nothing was written",
            )
        if isinstance(exc, pg_errors.LockNotAvailable):
            return StoreError(f"{self.label}: cannot start a write: {exc}")
        return exc

    def _rows(self, cur: psycopg.Cursor[Any]) -> list[Any]:
        if cur.pgresult is None:  # not here yet
            self._wait()
        try:
            return cur.fetchall()
        except psycopg.Error as exc:
            raise self._convert(exc) from None

    # -- the Store interface -------------------------------------------------------------

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
        # One writer at a time, like SQLite's BEGIN IMMEDIATE: every check-then-write a
        # service makes inside a transaction stays true until it commits, and no
        # deadlock or serialization failure can reach the user. BEGIN and the lock go
        # out with the transaction's first read, so they cost no round trip of their
        # own; reads never wait for the lock. The before-first-write upkeep's check goes
        # with them: it fails when the upkeep has work to do, so that the server skips
        # the transaction up to the first wait, which then runs the upkeep first and
        # sends the statements again (`_upkeep_then_again`).
        upkeep, self.before_first_write = self.before_first_write, None
        idle = self.upkeep_idle
        if upkeep is not None and (idle is None or self._pipe is None):
            upkeep()
            upkeep = None
        begin = ["BEGIN"]
        if wait_ms is not None:
            begin.append(f"SET LOCAL lock_timeout = {int(wait_ms)}")
        begin.append(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        for statement in begin:
            self._send(statement)
        self._depth = 1
        try:
            if upkeep is not None and idle is not None:
                sql, params = idle()
                check = self._send(
                    translate(
                        f"SELECT CASE WHEN g.idle THEN 1 ELSE ('{_UPKEEP} ' || g.idle::text)::int "
                        f"END FROM ({sql}) AS g(idle)"
                    ),
                    params,
                )
                self._guarded = (upkeep, begin, check, [])
            yield self
        except BaseException:
            self._guarded = None
            self._stale.clear()
            self._depth = 0
            self._forget_ids()
            if not self.pg.closed:
                self._rollback()
            raise
        else:
            self._depth = 0
            self._forget_ids()
            self._send("COMMIT")
            try:
                self._wait()
            except BaseException:
                if not self.pg.closed:
                    self._rollback()
                raise
            finally:
                self._stale.clear()

    def _forget_ids(self) -> None:
        """The transaction ends: ids it took ahead and did not use are not kept (the
        next transaction's first take sets the sequence back to them)."""
        self._ids.clear()
        self._rewound.clear()

    def _rollback(self) -> None:
        if self._pipe is None:
            self.pg.execute("ROLLBACK")
            return
        self._unabort()
        self.pg.cursor().execute("ROLLBACK")  # travels with the next statement

    def _settle(self) -> None:
        """Wait for whatever was sent, its errors ignored (the caller is undoing it), so
        that what comes next is not skipped by a server still rejecting an earlier
        statement."""
        if self._pipe is not None and self._pending():
            with suppress(psycopg.Error):
                self._pipe.sync()
        self._unabort()
        # A statement psycopg prepared after the error was skipped by the server, but
        # psycopg may still count it as prepared ("prepared statement "_pg3_3" does not
        # exist" on its next run): forget them all; they are prepared again as needed.
        prepared = getattr(self.pg, "_prepared", None)
        if prepared is not None:
            prepared.clear()

    def _unabort(self) -> None:
        """After an error the server skips everything up to the next Sync: send one."""
        pipe = self._pipe
        if pipe is not None and pipe.status == pq.PipelineStatus.ABORTED:
            with suppress(psycopg.Error):
                pipe.sync()

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
        """Inside a transaction: undo only this block's writes when it raises (the
        block's statements are waited for at its end, so their errors count as its own).
        Reserved ids the block used are reserved again when it is undone."""
        if not self.in_transaction:
            raise RuntimeError("savepoint must run inside a write transaction")
        reserved = {table: list(ids) for table, ids in self._ids.items() if ids}
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
            self._wait()
        except BaseException as exc:
            failure = self.engine_failed(exc)
            self._ids.update(reserved)
            try:
                self._settle()
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
        return _Result(self, self._send(translate(sql), params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._guarded is not None or self._unverified is not None:
            self._wait()  # the pending checks first: these rows are not sent again
        cur = self.pg.cursor()
        try:
            cur.executemany(translate(sql), rows)
        except psycopg.Error as exc:
            self._failed(exc)
            cur.executemany(translate(sql), rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def backup_native(self, target: Path) -> bool:
        return False

    def take_ids_ahead(self, table: str, count: int) -> None:
        """Take ids from the table's sequence ahead, all in one request; `insert` uses
        them in order. The first take of a transaction first sets the sequence back to
        the table's largest id + 1 (the write lock is held, so no other writer is taking
        ids): ids an earlier transaction took and did not use (a run that ended early,
        was killed or rolled back) are given again, and the numbers have no gaps, as
        SQLite's have not. What a transaction leaves unused is forgotten at its end."""
        if not self.in_transaction:
            raise RuntimeError("take_ids_ahead must run inside a write transaction")
        pool = self._ids.setdefault(table, [])
        need = count - len(pool)
        if need <= 0:
            return
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        if table not in self._rewound:
            self._rewound.add(table)
            self._send(
                f"SELECT setval({sequence}, (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        rows = self._rows(
            self._send(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, %s)",
                (need,),
            )
        )
        pool.extend(sorted(int(r[0]) for r in rows))
        pool.sort(reverse=True)  # taken from the end: lowest first

    def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        if self._ids and not isinstance(params, dict):
            found = _INSERT_INTO.match(sql)
            pool = self._ids.get(found.group(1)) if found else None
            if pool:
                # The id is known: nothing to wait for, the row goes with what follows.
                new_id = pool.pop()
                self._send(translate(_with_id(sql)), [new_id, *params])
                return new_id
        return int(self._rows(self._send(translate(sql + " RETURNING id"), params))[0][0])

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        rows = self._rows(self._send(translate(sql), params))
        return cast("Row | None", rows[0] if rows else None)

    def all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return cast("list[Row]", self._rows(self._send(translate(sql), params)))

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        rows = self._rows(self._send(translate(sql), params))
        return rows[0][0] if rows else None

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._rows(self._send(translate(sql), params))]

    def many(
        self, queries: Sequence[tuple[str, Sequence[Any] | dict[str, Any]]]
    ) -> list[list[Row]]:
        """Several reads sent together: one round trip for all of them."""
        cursors = [self._send(translate(sql), params) for sql, params in queries]
        self._wait()
        out: list[list[Row]] = []
        for cur in cursors:
            try:
                out.append(cast("list[Row]", cur.fetchall()))
            except psycopg.Error as exc:
                raise self._convert(exc) from None
        return out

    def update_one(
        self, sql: str, params: Sequence[Any], stale: Callable[[], BaseException]
    ) -> None:
        # Fails on the server unless exactly one row changed: everything after it up to
        # the next wait is skipped (COMMIT included), and that wait raises `stale()`.
        key = len(self._stale)
        self._stale[key] = stale
        self._send(
            f"WITH u AS ({translate(sql)} RETURNING 1) SELECT CASE WHEN count(*) = 1 THEN 1 "
            f"ELSE ('{_STALE} {key} ' || count(*))::int END FROM u",
            params,
        )

    def prefetch(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> Callable[[], list[Row]]:
        cur = self._send(translate(sql), params)

        def rows() -> list[Row]:
            if cur.pgresult is None:
                self._wait()
            if cur.pgresult is None:  # skipped after an error before it: ask again
                return self.all(sql, params)
            return cast("list[Row]", cur.fetchall())

        return rows

    def read_if_needed(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> Callable[[], list[Row]]:
        return self.prefetch(sql, params)

    def reserve_id(self, table: str) -> Callable[[], int | None]:
        # The write lock is held (it went out before this read), so no other writer can
        # take the same id; max + 1 is also the id SQLite gives an INTEGER PRIMARY KEY,
        # so both engines number alike, and a refused command uses up none.
        if not self.in_transaction:
            raise RuntimeError("reserve_id must run inside a write transaction")
        rows = self.prefetch(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        return lambda: int(rows()[0][0])

    def took_id(self, table: str) -> None:
        # Keeps the identity counter past every id given explicitly (by induction: it
        # was past the largest before, and the id given was at most one more), so an
        # insert that lets the server number the row still cannot collide.
        self.execute("SELECT nextval(pg_get_serial_sequence(?, 'id'))", (table,))

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """A server-side cursor (inside the caller's transaction), 500 rows a trip."""
        self._wait()
        self._unverified = None
        self._leave_pipeline()
        try:
            with self.pg.cursor(name=f"stream_{id(sql)}", row_factory=tuple_row) as cur:
                cur.itersize = 500
                cur.execute(translate(sql), params or None)
                yield from cur
        finally:
            if not self.pg.closed:
                self._enter_pipeline()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One REPEATABLE READ read-only transaction: a consistent desk while others write."""
        self._wait()
        self._send("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self.pg.closed:
                self._rollback()

    def columns(self, table: str) -> list[str]:
        return [
            str(r[0])
            for r in self.all(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
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
        got = bool(self.scalar("SELECT pg_try_advisory_lock(?)", (key,)))
        try:
            yield got
        finally:
            if got and not self.pg.closed:
                self.execute("SELECT pg_advisory_unlock(?)", (key,))

    def close(self) -> None:
        """Hang up without waiting: every write transaction has been waited for at its
        COMMIT, and what may still be on its way is a ROLLBACK or a session lock's
        release, both of which ending the session does."""
        cm, self._pipe_cm, self._pipe = self._pipe_cm, None, None
        self.pg.close()
        if cm is not None:  # leave pipeline mode on the closed connection, quietly
            with suppress(psycopg.Error):
                cm.__exit__(None, None, None)


class _Result:
    """What `PgStore.execute` returns: the statement is on its way; reading a row or
    the row count waits for it."""

    __slots__ = ("_cur", "_store")

    def __init__(self, store: PgStore, cur: psycopg.Cursor[Any]) -> None:
        self._store = store
        self._cur = cur

    @property
    def rowcount(self) -> int:
        self._store._wait()
        return self._cur.rowcount

    def fetchone(self) -> Any:
        rows = self._store._rows(self._cur)
        return rows[0] if rows else None

    def fetchall(self) -> list[Any]:
        return self._store._rows(self._cur)

    def fetchmany(self, size: int = 0) -> list[Any]:
        self._store._wait()
        return self._cur.fetchmany(size)

    def close(self) -> None:
        self._cur.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._store._rows(self._cur))


_INSERT_INTO = re.compile(r"INSERT INTO (\w+) \(")
_WITH_ID: dict[str, str] = {}


def _with_id(sql: str) -> str:
    """`INSERT INTO t (a, b) VALUES (?, ?)` -> `INSERT INTO t (id, a, b) VALUES (?, ?, ?)`."""
    done = _WITH_ID.get(sql)
    if done is None:
        done = _INSERT_INTO.sub(r"INSERT INTO \1 (id, ", sql, count=1).replace(
            " VALUES (", " VALUES (?, ", 1
        )
        _WITH_ID[sql] = done
    return done


_UPKEEP = "supportctl upkeep due"
_STALE = "supportctl stale"
_STALE_KEY = re.compile(_STALE + r" (\d+) ")

_VERSION_CHECK = (
    # Sent ahead of a command's first statement: fails (so the server skips everything
    # after it until the client waits) unless the desk has this program's schema.
    "SELECT CASE WHEN d = '{v}' THEN 1 ELSE ('supportctl schema ' || coalesce(d, 'none'))::int END "
    "FROM (SELECT obj_description(to_regclass('schema_version'), 'pg_class') AS d) s"
)


def _check_version(store: PgStore, version: int, *, create: bool) -> None:
    if version > SCHEMA_VERSION:
        store.close()
        raise StoreError(
            f"{store.label} was written by a newer supportctl (schema {version}, this program knows {SCHEMA_VERSION})",
            hint="upgrade supportctl; nothing was changed",
        )
    if version == 0 and not create:
        store.close()
        raise ConfigError(
            f"{store.label} holds no supportctl desk yet",
            hint="run `supportctl init` with this database; nothing was written",
        )


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


def connect(url: str, password: str | None = None) -> psycopg.Connection[Any]:
    """A connection to the server, or the one-line error naming it."""
    from supportctl.store.early import open_connection

    return cast("psycopg.Connection[Any]", open_connection(url, password))


def open_pg_store(
    url: str,
    *,
    create: bool = False,
    password: str | None = None,
    conn: psycopg.Connection[Any] | None = None,
) -> PgStore:
    """Connect (or take `conn`, opened by `store.db.connect_ahead`); check the schema
    version (migrating when `create` (init) or behind).

    For `create` the check is made at once. Otherwise it is sent ahead of the command's
    first statement, in the same round trip (see `PgStore`).
    """
    if conn is None:
        conn = connect(url, password)
    conn.row_factory = _row_factory
    store = PgStore(conn, url)
    if not create:
        store._enter_pipeline()
        store._unverified = []
        store.pg.cursor().execute(_VERSION_CHECK.format(v=SCHEMA_VERSION), prepare=False)
        return store
    try:
        version = _version(conn)
    except psycopg.Error as exc:
        conn.close()
        raise connect_error(url, exc) from None
    _check_version(store, version, create=create)
    store.fresh = version == 0
    if version < SCHEMA_VERSION:
        from supportctl.store.pg_migrations import migrate

        try:
            migrate(store, version)
        except psycopg.Error as exc:
            conn.close()
            raise connect_error(url, exc) from None
    store._enter_pipeline()
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
