"""The same desk on SQLite and on PostgreSQL: every command here gives the same output
and exit code on both (the `both_engines` marker runs each test once per engine)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.both_engines

NOW = {"SUPPORTCTL_NOW": FIXED_NOW}


def _desk(cli: Any) -> None:
    cli.ok("init", "--user", "alice")
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example")
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--domain",
        "acme.fi",
        env=NOW,
    )


def test_ticket_lifecycle_log_and_search(cli: Any, db_engine: str) -> None:
    _desk(cli)
    out = cli.ok(
        "ticket", "new", "Lomake ei toimi", "--customer", "acme", "--from", "matti@acme.fi", env=NOW
    )
    assert out.stdout.startswith("#1")
    cli.ok("ticket", "note", "1", "Přihlášení je rozbité po aktualizaci", env=NOW)
    cli.ok("ticket", "status", "1", "open", env=NOW)
    cli.ok("log", "1", "25m", "Fixed the form", env=NOW)
    shown = cli.ok("ticket", "show", "1", env=NOW).stdout
    assert "Lomake ei toimi" in shown and "25 min: Fixed the form" in shown
    entries = cli.json("log", "list", "--month", "2026-10", "--json", env=NOW)
    assert [e["minutes"] for e in entries] == [25]
    inbox = cli.json("inbox", "--no-fetch", "--json", env=NOW)
    assert [t["id"] for t in inbox] == [1] and inbox[0]["status"] == "open"
    # diacritics-insensitive on both engines: the note says "rozbité"
    hits = cli.json("search", "rozbite", "--tickets", "--json", env=NOW)
    assert [h["ticket"] if "ticket" in h else h["id"] for h in hits] == [1]
    cli.ok("ticket", "status", "1", "resolved", env=NOW)
    assert cli.json("inbox", "--no-fetch", "--json", env=NOW) == []
    # a refused edit: same line and exit code on both engines
    bad = cli.fails(2, "ticket", "status", "99", "open", env=NOW)
    assert "#99" in bad.stderr


def test_outputs_are_the_same_on_both_engines(
    cli: Any, db_engine: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each engine writes its transcript; the second run compares with the first."""
    _desk(cli)
    commands = [
        ("ticket", "new", "Web down", "--customer", "acme", "--from", "a@acme.fi"),
        ("ticket", "new", "Nový účet", "--customer", "acme", "--from", "b@acme.fi"),
        ("ticket", "note", "2", "Zákazník čeká"),
        ("log", "1", "1h10m", "Restarted PHP"),
        ("log", "2", "15m", "Created the account", "--allow-overlap"),
        ("ticket", "status", "1", "waiting"),
        ("inbox", "--no-fetch", "--json"),
        ("inbox", "--no-fetch", "--all", "--json"),
        ("inbox", "--no-fetch"),
        ("ticket", "show", "1", "--json"),
        ("log", "list", "--month", "2026-10", "--json"),
        ("log", "list", "--month", "2026-10"),
        ("delegated", "--json"),
        ("customer", "list", "--json"),
        ("search", "ceka", "--tickets", "--json"),
        ("search", "ucet", "--tickets", "--json"),
    ]
    transcript = []
    for args in commands:
        result = cli(*args, env=NOW)
        # time entry uuids are random
        stdout = re.sub(r'"uuid": "[0-9a-f-]+"', '"uuid": "…"', result.stdout)
        transcript.append([list(args), result.exit_code, stdout, result.stderr])
    shared = tmp_path_factory.getbasetemp() / "engine-transcripts"
    shared.mkdir(exist_ok=True)
    mine = shared / f"{db_engine}.json"
    mine.write_text(json.dumps(transcript, ensure_ascii=False, indent=1))
    other = shared / ("sqlite.json" if db_engine == "postgresql" else "postgresql.json")
    assert all(code == 0 for _a, code, _o, _e in transcript), transcript
    if other.exists():
        theirs = json.loads(other.read_text())
        for ours, them in zip(transcript, theirs, strict=True):
            assert ours == them, f"{ours[0]} differs between engines"


def test_catalogs_match_after_migrating_from_empty(
    cli: Any, db_engine: str, tmp_path: Path
) -> None:
    """Same tables, columns, primary keys, unique keys and foreign keys on both engines."""
    if db_engine == "sqlite":
        pytest.skip("compared once, from the PostgreSQL run")
    import psycopg

    from supportctl.store.db import open_store

    lite_path = tmp_path / "lite.db"
    open_store(lite_path, create=True).close()
    cli.ok("init", "--user", "alice")
    lite = sqlite3.connect(lite_path)
    engine_only = {"schema_version"}
    fts = {"tickets_fts", "messages_fts", "notes_fts", "articles_fts", "solved_fts"}

    def lite_catalog() -> dict[str, Any]:
        out: dict[str, Any] = {}
        names = [
            r[0]
            for r in lite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for name in names:
            if name in fts or any(name.startswith(f + "_") for f in fts):
                continue
            cols = lite.execute(f"PRAGMA table_info({name})").fetchall()
            pk = tuple(c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5])
            uniques = set()
            for idx in lite.execute(f"PRAGMA index_list({name})").fetchall():
                if idx[2] and idx[3] == "u":
                    uniques.add(
                        tuple(r[2] for r in lite.execute(f"PRAGMA index_info({idx[1]})").fetchall())
                    )
            fks = {
                (r[3], r[2], r[4])
                for r in lite.execute(f"PRAGMA foreign_key_list({name})").fetchall()
            }
            out[name] = {
                "columns": [(c[1], bool(c[3]) or bool(c[5])) for c in cols],
                "pk": pk,
                "unique": uniques,
                "fk": fks,
            }
        return out

    def pg_catalog() -> dict[str, Any]:
        out: dict[str, Any] = {}
        with psycopg.connect(os.environ["SUPPORTCTL_DB"]) as pg:
            names = [
                r[0]
                for r in pg.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                )
            ]
            for name in names:
                if name in engine_only or name in fts:
                    continue
                cols = pg.execute(
                    "SELECT column_name, is_nullable = 'NO' FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
                    (name,),
                ).fetchall()
                keys: dict[str, set[tuple[str, ...]]] = {"p": set(), "u": set()}
                fks = set()
                for kind, cols_, ref, refcols in pg.execute(
                    "SELECT c.contype, "
                    "(SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(num, n) "
                    " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num), "
                    "c.confrelid::regclass::text, "
                    "(SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(num, n) "
                    " JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num) "
                    "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'f')",
                    (name,),
                ).fetchall():
                    if kind == "f":
                        for local, remote in zip(cols_, refcols, strict=True):
                            fks.add((local, ref, remote))
                    else:
                        keys[kind].add(tuple(cols_))
                out[name] = {
                    "columns": [(c, bool(n)) for c, n in cols],
                    "pk": next(iter(keys["p"]), ()),
                    "unique": keys["u"],
                    "fk": fks,
                }
        return out

    ours, theirs = lite_catalog(), pg_catalog()
    assert sorted(ours) == sorted(theirs)
    for table in ours:
        assert ours[table] == theirs[table], table


def test_a_bulk_block_reports_rows_changed_and_reads_once(cli: Any, db_engine: str) -> None:
    """Inside `Store.bulk` (the importer's batch; pipeline mode on PostgreSQL) an
    optimistic edit still learns whether its row changed, and `memo` reads once."""
    from supportctl.store import tickets as ticket_store
    from tests.conftest import open_test_store

    _desk(cli)
    cli.ok("ticket", "new", "--customer", "acme", "--from", "m@acme.fi", "Lomake", env=NOW)
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    try:
        version = int(store.scalar("SELECT version FROM tickets WHERE id = 1"))
        reads: list[int] = []
        with store.transaction(), store.bulk():
            assert ticket_store.update(store, 1, {"status": "waiting"}, version=version)
            assert not ticket_store.update(store, 1, {"status": "open"}, version=version)
            missing = store.execute("UPDATE tickets SET subject = subject WHERE id = -1")
            assert missing.rowcount == 0
            for _ in range(3):
                store.memo("people", lambda: reads.append(1) or store.all("SELECT * FROM people"))
        assert reads == [1]
        assert store.scalar("SELECT status FROM tickets WHERE id = 1") == "waiting"
        store.memo("people", lambda: reads.append(1))
        assert reads == [1, 1]  # outside a bulk block nothing is kept
    finally:
        store.close()


def test_resolving_many_tickets_at_once_follows_merges_like_one_at_a_time(
    cli: Any, db_engine: str
) -> None:
    """The importer resolves every ticket a reply's references name in one query a
    merge level (`resolve_ids`); the answers are `resolve_id`'s, chains and loops too."""
    from supportctl.store import tickets as ticket_store
    from tests.conftest import open_test_store

    _desk(cli)
    for n in range(6):
        cli.ok("ticket", "new", "--customer", "acme", "--from", "m@acme.fi", f"T{n}", env=NOW)
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    try:
        with store.transaction():  # 1 -> 2 -> 3, and a loop 4 <-> 5 (never made by merge)
            for source, target in ((1, 2), (2, 3), (4, 5), (5, 4)):
                store.execute("UPDATE tickets SET merged_into = ? WHERE id = ?", (target, source))
        asked = [1, 2, 3, 4, 5, 6, 99]
        one_by_one = {t: ticket_store.resolve_id(store, t) for t in asked}
        at_once = ticket_store.resolve_ids(store, asked)
        assert at_once == {t: r for t, r in one_by_one.items() if r is not None}
        assert at_once[1] == 3 and 99 not in at_once
    finally:
        store.close()
