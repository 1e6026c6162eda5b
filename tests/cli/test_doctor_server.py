"""`doctor` on a PostgreSQL desk: reachable, schema version, rights, one line each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supportctl.store.db import SCHEMA_VERSION


@pytest.fixture
def server_desk(cli: Any, pg_cluster: Any, tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = pg_cluster.createdb(f"doctor_{tmp_path.name[-20:].replace('-', '_')}")
    env = {"SUPPORTCTL_DB": url, "SUPPORTCTL_CONFIG": str(tmp_path / "config.toml")}
    cli.ok("init", "--user", "alice", env=env)
    return url, env


def _lines(result: Any) -> list[str]:
    return [" ".join(line.split()) for line in result.stdout.splitlines()]


def test_doctor_on_a_healthy_server(cli: Any, server_desk: tuple[str, dict[str, str]]) -> None:
    _url, env = server_desk
    lines = _lines(cli.ok("doctor", env=env))
    assert lines[0].startswith("ok config ")
    assert (
        lines[1].startswith("ok PostgreSQL 127.0.0.1:") and "is reachable as desk_admin" in lines[1]
    )
    assert lines[2] == f"ok schema version {SCHEMA_VERSION}, the one this supportctl uses"
    assert lines[3] == "ok desk_admin can read and write every table of the desk"
    assert lines[-1] == "no problems found"


def test_doctor_names_missing_rights_and_the_grant_that_fixes_them(
    cli: Any, pg_cluster: Any, server_desk: tuple[str, dict[str, str]]
) -> None:
    url, env = server_desk
    db = url.rsplit("/", 1)[1]
    role = f"reader_{db[-12:]}"
    pg_cluster.psql(f"CREATE ROLE {role} LOGIN PASSWORD 'reader-secret'")
    pg_cluster.psql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", dbname=db)
    with Path(pg_cluster.passfile).open("a") as fh:
        fh.write(f"127.0.0.1:{pg_cluster.port}:*:{role}:reader-secret\n")
    as_reader = {**env, "SUPPORTCTL_DB": pg_cluster.url(db, user=role)}
    result = cli.fails(7, "doctor", env=as_reader)
    lines = _lines(result)
    assert any(f"is reachable as {role}" in line for line in lines)
    problem = next(line for line in lines if line.startswith("problem"))
    assert f"{role} can read but not write" in problem
    fix = lines[lines.index(problem) + 1]
    assert fix.startswith("fix: the database owner runs: GRANT SELECT, INSERT, UPDATE, DELETE")
    assert "1 problem found" in result.stderr

    pg_cluster.psql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; "
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        dbname=db,
    )
    assert "no problems found" in cli.ok("doctor", env=as_reader).stdout


def test_doctor_on_an_unreachable_server_and_an_empty_database(
    cli: Any, pg_cluster: Any, tmp_path: Path
) -> None:
    env = {"SUPPORTCTL_CONFIG": str(tmp_path / "config.toml")}
    cli.ok("init", "--user", "alice", env={**env, "SUPPORTCTL_DB": str(tmp_path / "x.db")})
    gone = {**env, "SUPPORTCTL_DB": "postgresql://desk_admin@127.0.0.1:1/desk"}
    lines = _lines(cli.fails(7, "doctor", env=gone))
    assert lines[1].startswith("problem PostgreSQL 127.0.0.1:1/desk: cannot reach the server")
    assert lines[2].startswith("fix: check the host, port and network")
    empty = {
        **env,
        "SUPPORTCTL_DB": pg_cluster.createdb(f"empty_{tmp_path.name[-20:]}".replace("-", "_")),
    }
    lines = _lines(cli.fails(7, "doctor", env=empty))
    assert "holds no supportctl desk yet" in lines[2]
    assert "Traceback" not in "\n".join(lines)
