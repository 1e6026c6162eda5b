"""`db copy` and `backup` between SQLite and PostgreSQL: everything copied, verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from supportctl.store.copy import TABLES

NOW = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z", "COLUMNS": "200"}

LISTINGS = [
    ("inbox", "--no-fetch", "--all", "--json"),
    ("customer", "list", "--json"),
    ("team", "list", "--json"),
    ("log", "list", "--month", "2026-11", "--json"),
    ("log", "list", "--month", "2026-10", "--json"),
    ("delegated", "--json"),
    ("kb", "list", "--json"),
    ("invoice", "list", "--json"),
    ("search", "lomake", "--json"),
    ("rota", "show", "--json"),
    ("block", "list", "--json"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from supportctl.cli import app

    target = tmp_path_factory.mktemp("demo") / "desk"
    result = CliRunner().invoke(app, ["demo", "--dir", str(target)], env=NOW)
    assert result.exit_code == 0, result.stderr
    return target


def _listings(cli: Any, db: str, config: Path) -> list[Any]:
    env = {**NOW, "SUPPORTCTL_DB": db, "SUPPORTCTL_CONFIG": str(config)}
    out = []
    for args in LISTINGS:
        result = cli(*args, env=env)
        out.append((args, result.exit_code, result.stdout))
    return out


def test_tables_name_every_table_of_the_schema(tmp_path: Path) -> None:
    from supportctl.store.db import open_store

    open_store(tmp_path / "x.db", create=True).close()
    conn = sqlite3.connect(tmp_path / "x.db")
    names = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name NOT LIKE '%fts_%'"
        )
    }
    assert names == set(TABLES)


def test_sqlite_to_postgresql_to_sqlite_keeps_every_listing(
    cli: Any, demo: Path, pg_cluster: Any, tmp_path: Path
) -> None:
    original = str(demo / "supportctl.db")
    server = pg_cluster.createdb(f"copy_{tmp_path.name[-20:].replace('-', '_')}")
    first = cli.ok("db", "copy", original, server, env=NOW)
    assert "every table verified" in first.stdout
    back = tmp_path / "back.db"
    cli.ok("db", "copy", server, str(back), env=NOW)
    config = demo / "config.toml"
    before = _listings(cli, original, config)
    assert all(code == 0 for _a, code, _o in before), before
    assert _listings(cli, server, config) == before
    assert _listings(cli, str(back), config) == before
    # raw mail bytes and blobs came across byte for byte
    lite = sqlite3.connect(original)
    with psycopg.connect(server) as pg:
        for table, column in (("messages", "raw"), ("blobs", "data")):
            ours = sorted(r[0] for r in lite.execute(f"SELECT {column} FROM {table}"))
            theirs = sorted(bytes(r[0]) for r in pg.execute(f"SELECT {column} FROM {table}"))
            assert ours == theirs and ours
        # the server's id counters moved past the copied rows: new rows get new ids
        max_ticket = pg.execute("SELECT max(id) FROM tickets").fetchone()[0]
    env = {**NOW, "SUPPORTCTL_DB": server, "SUPPORTCTL_CONFIG": str(config)}
    slug = cli.json("customer", "list", "--json", env=env)[0]["id"]
    made = cli.ok(
        "ticket", "new", "After the move", "--customer", slug, "--phone", "+358 40 1", env=env
    )
    assert made.stdout.startswith(f"#{max_ticket + 1} ")


def test_copy_refuses_a_destination_that_is_not_empty(
    cli: Any, demo: Path, pg_cluster: Any, tmp_path: Path
) -> None:
    result = cli.fails(2, "db", "copy", str(demo / "supportctl.db"), str(demo / "supportctl.db"))
    assert "is not empty" in result.stderr


def test_a_checksum_difference_rolls_back_and_names_the_table(
    cli: Any, demo: Path, pg_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportctl.store import copy as copy_module

    real = copy_module.fingerprint
    calls: list[str] = []

    def tampered(store: Any, table: str, columns: Any) -> tuple[int, str]:
        """The destination's `fees` reads differently (the second look at the table)."""
        calls.append(table)
        count, checksum = real(store, table, columns)
        if table == "fees" and calls.count("fees") % 2 == 0:
            return count, "different"
        return count, checksum

    monkeypatch.setattr(copy_module, "fingerprint", tampered)
    server = pg_cluster.createdb(f"bad_{tmp_path.name[-20:].replace('-', '_')}")
    result = cli.fails(7, "db", "copy", str(demo / "supportctl.db"), server)
    assert "table fees differs" in result.stderr
    with psycopg.connect(server) as pg:
        assert pg.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
    target = tmp_path / "never.db"
    cli.fails(7, "db", "copy", str(demo / "supportctl.db"), str(target))
    assert not target.exists()


def test_backup_from_postgresql_is_a_sqlite_desk(
    cli: Any, demo: Path, pg_cluster: Any, tmp_path: Path
) -> None:
    server = pg_cluster.createdb(f"bk_{tmp_path.name[-20:].replace('-', '_')}")
    cli.ok("db", "copy", str(demo / "supportctl.db"), server, env=NOW)
    snapshot = tmp_path / "snap.db"
    env = {**NOW, "SUPPORTCTL_DB": server, "SUPPORTCTL_CONFIG": str(demo / "config.toml")}
    cli.ok("backup", str(snapshot), env=env)
    config = demo / "config.toml"
    assert _listings(cli, str(snapshot), config) == _listings(cli, server, config)
    again = cli.fails(2, "backup", str(snapshot), env=env)
    assert "already exists" in again.stderr


def test_text_with_nul_from_an_older_sqlite_desk_copies_without_it(
    cli: Any, pg_cluster: Any, tmp_path: Path
) -> None:
    """PostgreSQL text cannot hold NUL; SQLite desks from before the parser dropped it
    may have some: the copy leaves it out, and the checksums agree on what was kept."""
    db = tmp_path / "old.db"
    env = {**NOW, "SUPPORTCTL_DB": str(db), "SUPPORTCTL_CONFIG": str(tmp_path / "c.toml")}
    cli.ok("init", "--user", "alice", env=env)
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "maintenance", env=env)
    with sqlite3.connect(db) as lite:
        lite.execute("UPDATE customers SET name = 'Ac' || char(0) || 'me' WHERE slug = 'acme'")
    server = pg_cluster.createdb(f"nul_{tmp_path.name[-20:].replace('-', '_')}")
    assert "every table verified" in cli.ok("db", "copy", str(db), server, env=NOW).stdout
    with psycopg.connect(server) as pg:
        assert pg.execute("SELECT name FROM customers").fetchone() == ("Acme",)
