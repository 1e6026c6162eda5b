"""README, Team mode, followed step by step on a private PostgreSQL cluster: roles and a
database made by a superuser, `init` by the owner, the grants, then two people (two
shells with different SUPPORTCTL_USER, and a second laptop with its own config) working
on one desk."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.integration


def test_a_new_team_follows_the_readme(cli: Cli, pg_cluster: Any, tmp_path: Path) -> None:
    tag = secrets.token_hex(3)
    alice, bob, db = f"alice_{tag}", f"bob_{tag}", f"support_{tag}"
    # On the server, once, as a superuser (README):
    pg_cluster.psql(f"CREATE ROLE {alice} LOGIN PASSWORD 'a-secret'")
    pg_cluster.psql(f"CREATE ROLE {bob} LOGIN PASSWORD 'b-secret'")
    pg_cluster.psql(f"CREATE DATABASE {db} OWNER {alice}")
    pg_cluster.psql(f"GRANT ALL ON SCHEMA public TO {bob}", dbname=db)
    passfile = tmp_path / "pgpass"  # each person's ~/.pgpass
    passfile.write_text(
        f"127.0.0.1:{pg_cluster.port}:*:{alice}:a-secret\n"
        f"127.0.0.1:{pg_cluster.port}:*:{bob}:b-secret\n"
    )
    passfile.chmod(0o600)
    laptop_a = {
        "PGPASSFILE": str(passfile),
        "SUPPORTCTL_DB": pg_cluster.url(db, user=alice),
        "SUPPORTCTL_CONFIG": str(tmp_path / "alice.toml"),
    }
    out = cli.ok("init", "--user", "alice", env=laptop_a).stdout
    assert "(created)" in out.splitlines()[1]
    # The owner grants the others the tables, now and those later versions add.
    with psycopg.connect(pg_cluster.url(db, user=alice), passfile=str(passfile)) as owner:
        for grant in (
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {bob}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {bob}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {bob}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {bob}",
        ):
            owner.execute(grant)
    cli.ok(
        "team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example", env=laptop_a
    )
    cli.ok("team", "add", "bob", "--name", "Bob", "--email", "bob@agency.example", env=laptop_a)
    cli.ok(
        "customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance",
        "--domain", "acme.fi", env=laptop_a,
    )  # fmt: skip
    made = cli.ok(
        "ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Lomake ei toimi",
        env=laptop_a,
    )  # fmt: skip
    assert made.stdout.startswith("#1 ")

    # Two shells on one machine: the same config, a different SUPPORTCTL_USER.
    shell_1 = {**laptop_a, "SUPPORTCTL_USER": "alice"}
    shell_2 = {**laptop_a, "SUPPORTCTL_USER": "bob"}
    assert "Lomake ei toimi" in cli.ok("inbox", "--no-fetch", env=shell_1).stdout
    logged = cli.ok("log", "1", "25m", "Updated plugins", env=shell_2).stdout
    assert "for bob" in logged
    rows = cli.json("log", "list", "--json", env=shell_1)
    assert [(r["person"], r["minutes"]) for r in rows] == [("bob", 25)]

    # bob's own laptop, connecting as his own role: init is idempotent and needs no
    # rights to create anything; doctor says all is well; he works on the same desk.
    laptop_b = {
        "PGPASSFILE": str(passfile),
        "SUPPORTCTL_DB": pg_cluster.url(db, user=bob),
        "SUPPORTCTL_CONFIG": str(tmp_path / "bob.toml"),
    }
    assert "up to date" in cli.ok("init", "--user", "bob", env=laptop_b).stdout
    assert "no problems found" in cli.ok("doctor", env=laptop_b).stdout
    cli.ok("ticket", "status", "1", "waiting", env=laptop_b)
    shown = cli.json("ticket", "show", "1", "--json", env=shell_1)
    assert shown["status"] == "waiting"
