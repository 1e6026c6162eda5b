"""A PostgreSQL desk that cannot be used: one line naming the server and what to do,
exit 7 (store) or 3 (config), no traceback, nothing written."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from typing import Any

import psycopg
import pytest

from supportctl.store.db import SCHEMA_VERSION
from tests.pgcluster import one_server_error_line


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_db(pg_cluster: Any, monkeypatch: pytest.MonkeyPatch, cli: Any) -> str:
    url = str(pg_cluster.createdb(f"err_{os.getpid()}_{secrets.token_hex(6)}"))
    monkeypatch.setenv("SUPPORTCTL_DB", url)
    cli.ok("init", "--user", "alice")
    return url


def _write_config() -> None:
    """An explicit config must exist; these tests are about the server, not the config."""
    from pathlib import Path

    Path(os.environ["SUPPORTCTL_CONFIG"]).write_text("", encoding="utf-8")


def test_unreachable_server_is_exit_7(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_config()
    port = _closed_port()
    monkeypatch.setenv("SUPPORTCTL_DB", f"postgresql://alice@127.0.0.1:{port}/desk")
    result = cli.fails(7, "inbox", "--no-fetch")
    one_server_error_line(result, f"127.0.0.1:{port}/desk", "cannot reach the server")
    assert "PostgreSQL is running" in result.stderr


def test_missing_database_is_exit_3(
    cli: Any, pg_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTCTL_DB", pg_cluster.url("no_such_desk"))
    result = cli.fails(3, "init", "--user", "alice")
    one_server_error_line(result, "no_such_desk", "no such database")
    assert "createdb" in result.stderr


def test_wrong_password_is_exit_3_and_never_echoed(
    cli: Any, pg_cluster: Any, server_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_cluster.psql(
        "DO $$ BEGIN CREATE ROLE bob LOGIN PASSWORD 'right-one'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    monkeypatch.setenv("SUPPORTCTL_DB", server_db.replace(pg_cluster.user + "@", "bob@"))
    monkeypatch.setenv("PGPASSWORD", "wrong-one")
    result = cli.fails(3, "inbox", "--no-fetch")
    one_server_error_line(result, "refused the password")
    assert "wrong-one" not in result.stderr + result.stdout


def test_missing_rights_is_exit_7_and_nothing_written(
    cli: Any, pg_cluster: Any, server_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_cluster.psql(
        "DO $$ BEGIN CREATE ROLE carol LOGIN PASSWORD 'carol-pw'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    monkeypatch.setenv("SUPPORTCTL_DB", server_db.replace(pg_cluster.user + "@", "carol@"))
    monkeypatch.setenv("PGPASSWORD", "carol-pw")
    result = cli.fails(7, "customer", "add", "acme", "--name", "Acme", "--plan", "adhoc")
    one_server_error_line(result, "permission denied")
    with psycopg.connect(server_db, password=pg_cluster.password) as pg:
        assert pg.execute("SELECT count(*) FROM customers").fetchone() == (0,)


def test_newer_schema_is_exit_7_and_nothing_written(cli: Any, server_db: str) -> None:
    with psycopg.connect(server_db, autocommit=True) as pg:
        pg.execute("INSERT INTO schema_version VALUES (999, '2030-01-01T00:00:00Z')")
        pg.execute("COMMENT ON TABLE schema_version IS '999'")  # as a newer program does
    result = cli.fails(7, "customer", "add", "acme", "--name", "Acme", "--plan", "adhoc")
    one_server_error_line(result, "newer supportctl", "schema 999")
    assert "upgrade supportctl" in result.stderr
    with psycopg.connect(server_db) as pg:
        assert pg.execute("SELECT count(*) FROM customers").fetchone() == (0,)


def test_a_password_in_the_config_url_is_refused(
    cli: Any, pg_cluster: Any, monkeypatch: pytest.MonkeyPatch, workspace_env: Any
) -> None:
    monkeypatch.delenv("SUPPORTCTL_DB")
    (workspace_env / "config.toml").write_text(
        '[database]\nurl = "postgresql://alice:s3cret@127.0.0.1/desk"\n'
    )
    result = cli.fails(3, "inbox", "--no-fetch")
    assert "holds a password" in result.stderr and "s3cret" not in result.stderr


def test_config_url_and_password_command_reach_the_server(
    cli: Any, pg_cluster: Any, server_db: str, monkeypatch: pytest.MonkeyPatch, workspace_env: Any
) -> None:
    """[database] url names the desk; the password comes from password_command."""
    monkeypatch.delenv("SUPPORTCTL_DB")
    monkeypatch.setenv("PGPASSFILE", str(workspace_env / "no-passfile"))
    config = workspace_env / "config.toml"
    config.write_text(
        config.read_text()
        + f'\n[database]\nurl = "{server_db}"\npassword_command = "cat {pg_cluster.base}/pw-copy"\n'
    )
    (pg_cluster.base / "pw-copy").write_text(pg_cluster.password + "\n")
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc")
    with psycopg.connect(server_db, password=pg_cluster.password) as pg:
        assert pg.execute("SELECT slug FROM customers").fetchall() == [("acme",)]


def test_readme_team_setup_two_people_share_one_desk(
    cli: Any, pg_cluster: Any, server_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's grants let a second person work on the desk the owner initialised."""
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T08:30:00Z")
    dbname = server_db.rsplit("/", 1)[1]
    pg_cluster.psql(
        "DO $$ BEGIN CREATE ROLE bobteam LOGIN PASSWORD 'bob-pw'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    pg_cluster.psql(
        "GRANT ALL ON SCHEMA public TO bobteam; "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bobteam; "
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO bobteam",
        dbname=dbname,
    )
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example")
    cli.ok("team", "add", "bob", "--name", "Bob", "--email", "bob@agency.example")
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "maintenance")
    cli.ok("ticket", "new", "Shared", "--customer", "acme", "--from", "x@acme.fi")
    bob = {
        "SUPPORTCTL_DB": server_db.replace(pg_cluster.user + "@", "bobteam@"),
        "PGPASSWORD": "bob-pw",
        "SUPPORTCTL_USER": "bob",
    }
    cli.ok("log", "1", "25m", "Looked into it", env=bob)
    cli.ok("ticket", "note", "1", "bob was here", env=bob)
    rows = cli.json("log", "list", "--month", "2026-10", "--json", env={"SUPPORTCTL_USER": "alice"})
    assert [(r["person"], r["minutes"]) for r in rows] == [("bob", 25)]


def _step_back_one(server_db: str) -> None:
    """Undo the newest schema step (22), as a desk last opened by the previous release
    looks. A new step needs its undo here (the tests below then check it is applied)."""
    assert SCHEMA_VERSION == 22, "undo the newest PostgreSQL step here"
    with psycopg.connect(server_db, autocommit=True) as pg:
        pg.execute("DROP TABLE outgoing")
        pg.execute("DELETE FROM schema_version WHERE version = 22")
        pg.execute("COMMENT ON TABLE schema_version IS '21'")


def test_a_desk_one_step_behind_is_upgraded_by_the_next_write(cli: Any, server_db: str) -> None:
    """The version check travels with the command's first statements; when it finds the
    desk behind, nothing of those ran: the desk is migrated and they are sent again."""
    _step_back_one(server_db)
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc")
    with psycopg.connect(server_db) as pg:
        assert pg.execute("SELECT count(*) FROM customers").fetchone() == (1,)
        assert pg.execute("SELECT max(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)
        comment = "SELECT obj_description(to_regclass('schema_version'), 'pg_class')"
        assert pg.execute(comment).fetchone() == (str(SCHEMA_VERSION),)
        found = "SELECT count(*) FROM pg_tables WHERE tablename = 'outgoing'"
        assert pg.execute(found).fetchone() == (1,)
    assert cli.json("customer", "list", "--json")[0]["id"] == "acme"


def test_a_desk_one_step_behind_is_upgraded_by_a_read(cli: Any, server_db: str) -> None:
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc")
    _step_back_one(server_db)
    assert cli.json("customer", "list", "--json")[0]["id"] == "acme"
    with psycopg.connect(server_db) as pg:
        assert pg.execute("SELECT max(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)


def test_a_failing_statement_is_its_own_error_not_the_schema_check(
    server_db: str,
) -> None:
    """An error in the first statement of a command (here a missing table) is reported
    as that error, after the slow version check has found the desk current."""
    from supportctl.store.db import open_store

    store = open_store(server_db)
    try:
        with pytest.raises(psycopg.errors.UndefinedTable):
            store.all("SELECT * FROM no_such_table")
        assert store.scalar("SELECT count(*) FROM holidays_years") == 0  # still usable
        with store.transaction():
            store.execute("INSERT INTO holidays_years (country, year) VALUES (?, ?)", ("FI", 2026))
        assert store.scalar("SELECT count(*) FROM holidays_years") == 1
    finally:
        store.close()


def test_a_desk_behind_with_tickets_due_to_close_upgrades_closes_then_writes(
    cli: Any, server_db: str
) -> None:
    """Both checks that travel with the first write fail at once: the desk is migrated,
    the due ticket closed in its own transaction, then the write is sent again."""
    wed = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z"}
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc", env=wed)
    cli.ok("ticket", "new", "--customer", "acme", "--from", "a@acme.example", "Hi", env=wed)
    cli.ok("ticket", "status", "1", "resolved", env=wed)
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example")
    _step_back_one(server_db)
    later = {"SUPPORTCTL_NOW": "2026-12-02T10:00:00Z", "SUPPORTCTL_USER": "alice"}
    # `log` begins its transaction with its first statement (no read before it)
    cli.ok("log", "--customer", "acme", "5m", "follow-up", env=later)
    with psycopg.connect(server_db) as pg:
        assert pg.execute("SELECT max(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)
        assert pg.execute("SELECT status FROM tickets WHERE id = 1").fetchone() == ("closed",)
        assert pg.execute("SELECT count(*) FROM time_entries").fetchone() == (1,)


def test_a_stale_edit_answered_while_later_statements_go_out_is_still_refused(
    server_db: str,
) -> None:
    """The server answers a failed statement at once; the client may read that answer
    while it is still sending the transaction's next statements (or sending statements
    again): the refusal is the same, and nothing is written."""
    import time

    from supportctl.errors import InputError
    from supportctl.store.db import open_store

    store = open_store(server_db)
    try:
        with pytest.raises(InputError, match="stale"), store.transaction():
            store.update_one(
                "UPDATE holidays_years SET year = year WHERE country = ?",
                ("XX",),
                lambda: InputError("stale"),
            )
            time.sleep(0.3)  # the error is on its way back before the next statements
            for year in range(5):
                store.execute(
                    "INSERT INTO holidays_years (country, year) VALUES (?, ?)", ("FI", year)
                )
        assert store.scalar("SELECT count(*) FROM holidays_years") == 0
    finally:
        store.close()


def _real(*args: str) -> subprocess.CompletedProcess[str]:
    """The program as a user starts it: its entry point starts connecting before the
    command-line code loads (see supportctl/__main__.py)."""
    return subprocess.run(
        [sys.executable, "-m", "supportctl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, NO_COLOR="1"),
    )


def test_the_entry_points_early_connection_reports_as_the_store_does(
    cli: Any, pg_cluster: Any, server_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreachable server and a refused password, met by the connection started at
    the entry point: the same line and exit code as when the store connects."""
    port = _closed_port()
    unreachable = f"postgresql://alice@127.0.0.1:{port}/desk"
    monkeypatch.setenv("SUPPORTCTL_DB", unreachable)
    done = _real("inbox", "--no-fetch")
    assert done.returncode == 7, done.stderr
    assert done.stderr == cli.fails(7, "inbox", "--no-fetch").stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 2

    pg_cluster.psql(
        "DO $$ BEGIN CREATE ROLE bob LOGIN PASSWORD 'right-one'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    monkeypatch.setenv("SUPPORTCTL_DB", server_db.replace(pg_cluster.user + "@", "bob@"))
    monkeypatch.setenv("PGPASSWORD", "wrong-one")
    done = _real("inbox", "--no-fetch")
    assert done.returncode == 3, done.stderr
    assert done.stderr == cli.fails(3, "inbox", "--no-fetch").stderr
    assert "wrong-one" not in done.stderr


def test_a_password_command_replaces_the_entry_points_early_connection(
    pg_cluster: Any, server_db: str, monkeypatch: pytest.MonkeyPatch, workspace_env: Any
) -> None:
    """SUPPORTCTL_DB names the server and the config a password_command: the early
    connection (made without it, and refused) is dropped, and the store connects with
    the password the command gives."""
    monkeypatch.setenv("PGPASSFILE", str(workspace_env / "no-passfile"))
    config = workspace_env / "config.toml"
    config.write_text(
        config.read_text() + f'\n[database]\npassword_command = "cat {pg_cluster.base}/pw-copy"\n'
    )
    (pg_cluster.base / "pw-copy").write_text(pg_cluster.password + "\n")
    done = _real("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(server_db, password=pg_cluster.password) as pg:
        assert pg.execute("SELECT slug FROM customers").fetchall() == [("acme",)]
