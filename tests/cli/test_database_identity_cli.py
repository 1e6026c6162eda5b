"""The right database: supportctl's SQLite application id, refusing other files,
read-only databases that still read."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportctl.store.db import APPLICATION_ID
from tests.conftest import skip_unless_nobody_can_run


@pytest.fixture
def bare(workspace_env: Path) -> Path:
    """A workspace with a config file but no database yet."""
    (workspace_env / "config.toml").write_text('user = "alice"\n')
    return workspace_env


def app_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def test_a_new_database_carries_the_application_id(cli, initialized) -> None:
    assert app_id(initialized / "supportctl.db") == APPLICATION_ID


def test_a_database_from_before_the_mark_is_marked_on_opening(cli, initialized) -> None:
    db = initialized / "supportctl.db"
    cli.ok("customer", "add", "acme", "--plan", "adhoc")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id = 0")
    conn.commit()
    conn.close()
    assert app_id(db) == 0
    assert "acme" in cli.ok("customer", "list").stdout
    assert app_id(db) == APPLICATION_ID


def test_another_programs_database_is_refused_untouched(cli, bare) -> None:
    db = bare / "supportctl.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for args in (("customer", "list"), ("customer", "add", "acme", "--plan", "adhoc"), ("init",)):
        result = cli.fails(7, *args)
        assert "not a supportctl database" in result.stderr
    assert db.read_bytes() == before
    assert not db.with_name(db.name + "-wal").exists()


def test_a_database_marked_by_another_program_is_refused(cli, bare) -> None:
    db = bare / "supportctl.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id = 1598903374")  # Fossil's
    conn.execute("CREATE TABLE blob (rid INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = cli.fails(7, "ticket", "show", "1")
    assert "belongs to another program" in result.stderr
    assert db.read_bytes() == before


def test_an_empty_file_is_refused_until_init_sets_it_up(cli, bare) -> None:
    db = bare / "supportctl.db"
    db.touch()
    result = cli.fails(7, "customer", "list")
    assert "empty file" in result.stderr and "supportctl init" in result.stderr
    assert db.stat().st_size == 0
    cli.ok("init", "--user", "alice")
    assert app_id(db) == APPLICATION_ID
    cli.ok("customer", "add", "acme", "--plan", "adhoc")


def test_a_text_file_is_refused(cli, bare) -> None:
    db = bare / "supportctl.db"
    db.write_text("not a database at all\n" * 100)
    result = cli.fails(7, "customer", "list")
    assert result.stderr.startswith("error: ")


# --- a database this user may not write -------------------------------------------------


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder outside the private pytest tree, so another user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="supportctl-ro-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _as_reader(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run supportctl as a user who may read the database but not write it: `nobody`
    when the tests run as root (root may write anything), else the current user."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as another user needs setpriv (util-linux)")
        skip_unless_nobody_can_run(setpriv)
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "supportctl", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("folder_writable", [False, True])
def test_a_read_only_database_reads_and_refuses_writes_with_exit_7(
    cli, shared_folder: Path, folder_writable: bool
) -> None:
    db = shared_folder / "desk.db"
    config = shared_folder / "config.toml"
    env_vars = {"SUPPORTCTL_DB": str(db), "SUPPORTCTL_CONFIG": str(config)}
    cli.ok("init", "--user", "alice", env=env_vars)
    cli.ok("customer", "add", "acme", "--plan", "adhoc", env=env_vars)
    os.chmod(db, 0o444)
    os.chmod(config, 0o444)
    os.chmod(shared_folder, 0o777 if folder_writable else 0o555)
    env = {**os.environ, **env_vars, "HOME": str(shared_folder)}
    read = _as_reader(["customer", "list", "--json"], env)
    assert read.returncode == 0, read.stderr
    assert '"acme"' in read.stdout
    write = _as_reader(["customer", "add", "other", "--plan", "adhoc"], env)
    assert write.returncode == 7, write.stderr
    assert write.stderr.startswith("error: read-only: ")
    assert len(write.stderr.strip().splitlines()) <= 2
    os.chmod(shared_folder, 0o755)
    os.chmod(db, 0o600)
    assert "other" not in cli.ok("customer", "list", env=env_vars).stdout
