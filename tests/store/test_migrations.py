"""Migrations from a blank file, refusal of newer schemas, backup before migrating."""

import sqlite3

import pytest

from supportctl.errors import ConfigError, StoreError
from supportctl.store.db import open_store
from supportctl.store.migrations import MIGRATIONS, SCHEMA_VERSION


def test_blank_database_migrates_to_head(tmp_path):
    store = open_store(tmp_path / "a.db", create=True)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION == len(MIGRATIONS)
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA journal_mode") == "wal"
    tables = {r[0] for r in store.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in (
        "customers",
        "contacts",
        "people",
        "skills",
        "absences",
        "events",
        "tickets",
        "messages",
        "attachments",
        "blobs",
        "mail_state",
        "time_entries",
        "invoices",
        "delegations",
    ):
        assert name in tables
    store.close()


def test_schema_is_the_same_whichever_way_it_was_reached(tmp_path):
    """Migrating step by step (with a backup in between) gives the schema a blank migrate gives."""

    def schema(path):
        conn = sqlite3.connect(path)
        rows = sorted(
            r
            for r in conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        )
        conn.close()
        return rows

    open_store(tmp_path / "blank.db", create=True).close()
    # Build a version-1 file by hand and migrate it to head.
    from sqlite_utils import Database

    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    MIGRATIONS[0](Database(conn))
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO customers (slug, name, plan, rate_minor, currency, vat, locale, created_at) "
        "VALUES ('acme', 'Acme', 'adhoc', 6000, 'EUR', '25.5', 'fi_FI', '2026-01-01T00:00:00Z')"
    )
    conn.close()
    store = open_store(tmp_path / "old.db")
    assert store.scalar("SELECT slug FROM customers") == "acme"
    store.close()
    assert (tmp_path / "old.db.before-v2.bak").exists()
    assert schema(tmp_path / "old.db") == schema(tmp_path / "blank.db")


def test_newer_database_is_refused_untouched(tmp_path):
    path = tmp_path / "new.db"
    open_store(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer supportctl"):
        open_store(path)
    assert path.read_bytes() == before


def test_missing_database_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="supportctl init"):
        open_store(tmp_path / "nope.db")


def test_transaction_rolls_back_everything_on_error(tmp_path):
    store = open_store(tmp_path / "t.db", create=True)
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        raise RuntimeError("half-way")
    assert store.scalar("SELECT count(*) FROM settings") == 0
    with store.transaction(), store.transaction():
        store.execute("INSERT INTO settings (key, value) VALUES ('b', '2')")
    assert store.scalar("SELECT value FROM settings WHERE key = 'b'") == "2"
    store.close()
