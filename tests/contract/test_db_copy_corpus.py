"""`db copy` SQLite -> PostgreSQL -> SQLite over a desk ingested from the shared corpus of
real, messy mail (../shared/corpus/mail): every listing's `--json` is the original's,
and raw mail, attachments and quarantined bytes come back byte for byte."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import CORPUS, in_ci

pytestmark = pytest.mark.integration

NOW = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z", "COLUMNS": "200", "SUPPORTCTL_USER": "alice"}

# What the round trip must keep, as a user sees it.
LISTINGS: list[tuple[str, ...]] = [
    ("inbox", "--no-fetch", "--all", "--json"),
    ("customer", "list", "--json"),
    ("team", "list", "--json"),
    ("log", "list", "--month", "2026-11", "--json"),
    ("delegated", "--json"),
    ("kb", "list", "--json"),
    ("invoice", "list", "--json"),
    ("search", "invoice", "--json"),
    ("search", "lorem", "--json"),
    ("search", "message", "--json"),
    ("block", "list", "--json"),
    ("fetch", "--problems", "--json"),
]

# Byte columns and what identifies their rows, compared table by table.
BYTES = [
    ("messages", "id", "raw"),
    ("blobs", "sha256", "data"),
    ("quarantine", "sha256", "raw"),
]


def _corpus_maildir(target: Path) -> int:
    """The corpus's mail (not its images and sounds) as a Maildir in the test's dir."""
    rows = list(csv.DictReader((CORPUS / "manifest.tsv").open(encoding="utf-8"), delimiter="\t"))
    for sub in ("cur", "new", "tmp"):
        (target / sub).mkdir(parents=True)
    n = 0
    for row in rows:
        if row["expected"] == "-":
            continue
        n += 1
        (target / "cur" / f"{n:04d}.corpus:2,S").write_bytes((CORPUS / row["path"]).read_bytes())
    return n


@pytest.fixture
def corpus_desk(cli: Any, tmp_path: Path) -> tuple[str, Path]:
    if not (CORPUS / "manifest.tsv").exists():
        if in_ci():
            raise RuntimeError("the shared mail corpus is missing at " + str(CORPUS))
        pytest.skip("the shared mail corpus is not beside this checkout")
    db = str(tmp_path / "desk.db")
    config = tmp_path / "config.toml"
    env = {**NOW, "SUPPORTCTL_DB": db, "SUPPORTCTL_CONFIG": str(config)}
    cli.ok("init", "--user", "alice", env=env)
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example", env=env)
    cli.ok("team", "add", "bob", "--name", "Bob", "--email", "bob@agency.example", env=env)
    cli.ok(
        "customer", "add", "gmail", "--name", "Gmail people", "--plan", "maintenance",
        "--domain", "gmail.com", env=env,
    )  # fmt: skip
    cli.ok("block", "add", "*@spam.example", env=env)
    n = _corpus_maildir(tmp_path / "Maildir")
    out = cli.ok("fetch", "--source", f"maildir:{tmp_path / 'Maildir'}", env=env)
    assert "stored" in out.stdout + out.stderr
    stored = sqlite3.connect(db).execute("SELECT count(*) FROM messages").fetchone()[0]
    assert stored > n * 3 // 4, out.stdout  # most of the corpus is stored, a few duplicates
    # Some team work on top of the mail, so every listing has rows.
    tickets = [t["id"] for t in cli.json("inbox", "--no-fetch", "--all", "--json", env=env)]
    assert len(tickets) > 50
    first, second = tickets[0], tickets[1]
    cli.ok("log", "--customer", "gmail", "25m", "Looked at the headers", env=env)
    cli.ok("ticket", "note", str(first), "Mojibake in the subject: väärä merkistö", env=env)
    cli.ok("delegate", str(second), "Check the bounce", "--to", "bob", env=env)
    return db, config


def _listings(cli: Any, db: str, config: Path, tickets: list[int]) -> list[Any]:
    env = {**NOW, "SUPPORTCTL_DB": db, "SUPPORTCTL_CONFIG": str(config)}
    out = []
    for args in [*LISTINGS, *(("ticket", "show", str(t), "--json") for t in tickets)]:
        result = cli(*args, env=env)
        out.append((args, result.exit_code, result.stdout, result.stderr))
    return out


def _bytes(db: str) -> dict[str, list[tuple[Any, bytes]]]:
    out: dict[str, list[tuple[Any, bytes]]] = {}
    if db.startswith("postgresql:"):
        with psycopg.connect(db) as pg:
            for table, key, column in BYTES:
                rows = pg.execute(f"SELECT {key}, {column} FROM {table} ORDER BY {key}")
                out[table] = [(k, bytes(v)) for k, v in rows]
        return out
    lite = sqlite3.connect(db)
    for table, key, column in BYTES:
        rows = lite.execute(f"SELECT {key}, {column} FROM {table} ORDER BY {key}")
        out[table] = [(k, bytes(v)) for k, v in rows]
    return out


def test_corpus_desk_survives_sqlite_postgresql_sqlite(
    cli: Any, corpus_desk: tuple[str, Path], pg_cluster: Any, tmp_path: Path
) -> None:
    original, config = corpus_desk
    server = pg_cluster.createdb(f"corpus_{tmp_path.name[-20:].replace('-', '_')}")
    assert "every table verified" in cli.ok("db", "copy", original, server, env=NOW).stdout
    back = str(tmp_path / "back.db")
    assert "every table verified" in cli.ok("db", "copy", server, back, env=NOW).stdout

    lite = sqlite3.connect(original)
    tickets = [int(r[0]) for r in lite.execute("SELECT id FROM tickets ORDER BY id")]
    with_files = [
        int(r[0])
        for r in lite.execute(
            "SELECT DISTINCT m.ticket_id FROM attachments a JOIN messages m ON m.id = a.message_id "
            "WHERE m.ticket_id IS NOT NULL ORDER BY 1"
        )
    ]
    assert with_files, "the corpus has mail with attachments"
    shown = sorted({*tickets[:10], *with_files[:10]})
    before = _listings(cli, original, config, shown)
    assert all(code == 0 for _a, code, _o, _e in before), [b for b in before if b[1]]
    assert all(out.strip() for _a, _c, out, _e in before)
    assert _listings(cli, back, config, shown) == before
    # On the server itself, search ranks ties and cuts snippets its own way (README:
    # where the engines differ): the same tickets are found; everything else is equal.
    on_server = _listings(cli, server, config, shown)
    for (args, code, out, err), theirs in zip(before, on_server, strict=True):
        if args[0] == "search":
            assert theirs[1:2] == (code,) and theirs[3] == err
            assert sorted(r["id"] for r in json.loads(theirs[2])) == sorted(
                r["id"] for r in json.loads(out)
            ), args
        else:
            assert theirs == (args, code, out, err)

    # Raw mail, attachment blobs, quarantined mail: byte for byte on all three.
    ours = _bytes(original)
    assert ours["messages"] and ours["blobs"]
    assert _bytes(server) == ours
    assert _bytes(back) == ours

    # An attachment saved from the copy is the original's file.
    ticket = with_files[0]
    env = {**NOW, "SUPPORTCTL_CONFIG": str(config)}
    for name, db in (("a", original), ("b", back), ("c", server)):
        (tmp_path / name).mkdir()
        cli.ok(
            "ticket", "attachment", str(ticket), "1", "--save", str(tmp_path / name),
            env={**env, "SUPPORTCTL_DB": db},
        )  # fmt: skip
    saved = [sorted((p.name, p.read_bytes()) for p in (tmp_path / n).iterdir()) for n in "abc"]
    assert saved[0] and saved[0] == saved[1] == saved[2]
