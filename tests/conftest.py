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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_engines` run once on SQLite and once on PostgreSQL."""
    if "db_engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_engines"
    ):
        metafunc.parametrize("db_engine", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A private PostgreSQL cluster for the whole session (127.0.0.1, a free port)."""
    from tests.pgcluster import Cluster, pg_bin

    if pg_bin() is None:
        if in_ci():
            pytest.fail("PostgreSQL is not installed (scripts/test installs it as root)")
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql")
    cluster = Cluster().start()
    previous = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(cluster.passfile)
    try:
        yield cluster
    finally:
        cluster.stop()
        if previous is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = previous


_PG_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_target(db_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """SUPPORTCTL_DB for this test: a file, or a fresh empty database on the test cluster."""
    if db_engine == "sqlite":
        return str(tmp_path / "supportctl.db")
    cluster = request.getfixturevalue("pg_cluster")
    return str(cluster.createdb(f"desk_{os.getpid()}_{next(_PG_DATABASES)}"))


@pytest.fixture(autouse=True)
def workspace_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_target: str) -> Path:
    monkeypatch.setenv("SUPPORTCTL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("SUPPORTCTL_DB", db_target)
    if db_target.startswith("postgresql:"):  # drafts and crash logs stay in the test's dir
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
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


class Workspace:
    """An initialised desk (config and database under the test's tmp_path) with the
    steps CLI tests build their scenario from, each through the real commands."""

    def __init__(self, cli: Cli, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cli = cli
        self.root = root
        self.config_path = root / "config.toml"
        self._monkeypatch = monkeypatch

    def now(self, moment: str = FIXED_NOW) -> Workspace:
        """The clock every later command reads (SUPPORTCTL_NOW)."""
        self._monkeypatch.setenv("SUPPORTCTL_NOW", moment)
        return self

    def edit_config(self, *, replace: dict[str, str] | None = None, append: str = "") -> None:
        text = self.config_path.read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            assert old in text, f"config.toml has no {old!r}"
            text = text.replace(old, new)
        self.config_path.write_text(text + append, encoding="utf-8")

    @staticmethod
    def _options(options: dict[str, Any]) -> list[str]:
        """name=value as --name value (a list repeats the option; True is a flag)."""
        args: list[str] = []
        for key, value in options.items():
            flag = "--" + key.rstrip("_").replace("_", "-")
            for item in value if isinstance(value, list | tuple) else [value]:
                if item is True:
                    args.append(flag)
                elif item is not None and item is not False:
                    args += [flag, str(item)]
        return args

    def customer(self, slug: str, plan: str, **options: Any) -> None:
        self.cli.ok("customer", "add", slug, *self._options(options), "--plan", plan)

    def contact(self, customer: str, address: str, **options: Any) -> None:
        self.cli.ok("contact", "add", customer, address, *self._options(options))

    def person(self, handle: str, name: str, email: str, **options: Any) -> None:
        self.cli.ok(
            "team", "add", handle, "--name", name, "--email", email, *self._options(options)
        )

    def mbox(
        self, *messages: bytes, name: str = "in.mbox", at: tuple[int, ...] | None = None
    ) -> str:
        """An mbox of `messages` beside the desk; each From line carries the message's
        own Date in UTC (or `at`, a time tuple). The `--source` of fetch."""
        import email.utils
        import mailbox

        path = self.root / name
        box = mailbox.mbox(str(path))
        for raw in messages:
            item = mailbox.mboxMessage(raw)
            if at is not None:
                item.set_from("MAILER-DAEMON", at)
            else:
                sent = email.utils.parsedate_to_datetime(item["Date"])
                item.set_from("MAILER-DAEMON", sent.astimezone(UTC).timetuple())
            box.add(item)
        box.flush()
        box.close()
        return f"mbox:{path}"

    def fetch(self, *messages: bytes, **kw: Any) -> Any:
        return self.cli.ok("fetch", "--source", self.mbox(*messages, **kw))


@pytest.fixture
def workspace(cli: Cli, initialized: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The one CLI workspace: `init` done; build the scenario with its steps."""
    return Workspace(cli, initialized, monkeypatch)


@pytest.fixture
def store(initialized: Path, db_target: str) -> Iterator[Store]:
    s = open_store(db_target if db_target.startswith("postgresql:") else Path(db_target))
    yield s
    s.close()


def open_test_store(workspace: Path) -> Store:
    """The test's database on either engine (SUPPORTCTL_DB names a server on PostgreSQL)."""
    target = os.environ.get("SUPPORTCTL_DB", "")
    if target.startswith("postgresql:"):
        return open_store(target)
    return open_store(workspace / "supportctl.db")


@pytest.fixture
def clock() -> Callable[[], datetime]:
    fixed = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
    return lambda: fixed


def db_snapshot(path: Path | str) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of every table: to assert that a refused command changed nothing."""
    import sqlite3

    if isinstance(path, str) and path.startswith("postgresql:"):
        import psycopg

        with psycopg.connect(path) as pg:
            names = [
                r[0]
                for r in pg.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() ORDER BY table_name"
                )
            ]
            return [
                (n, sorted(pg.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)) for n in names
            ]

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
    target = os.environ["SUPPORTCTL_DB"]
    return lambda: db_snapshot(
        target if target.startswith("postgresql:") else workspace_env / "supportctl.db"
    )


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
