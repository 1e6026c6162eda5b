"""Shared fixtures: every test gets its own config and database under tmp_path."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from supportctl.cli import app
from supportctl.store.db import Store, open_store

REPO = Path(__file__).resolve().parent.parent
# Beside the clone; SUPPORTCTL_SHARED names it for a checkout elsewhere (a worktree).
SHARED = Path(os.environ.get("SUPPORTCTL_SHARED") or REPO.parent / "shared")
CORPUS = SHARED / "corpus" / "mail"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

FIXED_NOW = "2026-10-14T08:30:00Z"  # a Wednesday, 11:30 in Helsinki


@pytest.fixture(autouse=True)
def workspace_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUPPORTCTL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("SUPPORTCTL_DB", str(tmp_path / "supportctl.db"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("SUPPORTCTL_USER", raising=False)
    monkeypatch.delenv("SUPPORTCTL_NOW", raising=False)
    return tmp_path


class Cli:
    """Runs the real app through CliRunner; the error boundary is exercised too."""

    def __init__(self, runner: CliRunner) -> None:
        self.runner = runner

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Any:
        return self.runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    def ok(self, *args: str, **kw: Any) -> Any:
        result = self(*args, **kw)
        assert result.exit_code == 0, (
            f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )
        return result

    def json(self, *args: str, **kw: Any) -> Any:
        return json.loads(self.ok(*args, **kw).stdout)

    def fails(self, code: int, *args: str, **kw: Any) -> Any:
        result = self(*args, **kw)
        assert result.exit_code == code, (
            f"exit {result.exit_code}, wanted {code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )
        assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli(CliRunner())


@pytest.fixture
def initialized(cli: Cli, workspace_env: Path) -> Path:
    cli.ok("init", "--user", "alice")
    return workspace_env


@pytest.fixture
def store(initialized: Path) -> Iterator[Store]:
    s = open_store(initialized / "supportctl.db")
    yield s
    s.close()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    fixed = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
    return lambda: fixed


def db_snapshot(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of every table: to assert that a refused command changed nothing."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        out = []
        for name in tables:
            try:
                rows = sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            except sqlite3.OperationalError:
                continue
            out.append((name, rows))
        return out
    finally:
        conn.close()


@pytest.fixture
def snapshot(workspace_env: Path) -> Callable[[], list[tuple[str, list[tuple[Any, ...]]]]]:
    return lambda: db_snapshot(workspace_env / "supportctl.db")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@functools.cache
def _nobody_cannot_load(setpriv: str) -> str | None:
    """Why `nobody` cannot import this checkout, or None when it can."""
    argv = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    done = subprocess.run(
        [*argv, "-c", "import supportctl.cli, typer"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]


def skip_unless_nobody_can_run(setpriv: str) -> None:
    """Skip a test that runs supportctl as `nobody` when `nobody` cannot load this
    checkout (a clone below a 0700 folder, say): the test would only measure that."""
    problem = _nobody_cannot_load(setpriv)
    if problem is not None:
        pytest.skip(f"user nobody cannot load this checkout ({problem})")
