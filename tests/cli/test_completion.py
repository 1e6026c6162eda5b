"""Shell completion: `supportctl completion SHELL` prints a script, and the shell's
requests complete commands, options, open tickets, customers, handles and months."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Workspace


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    workspace.customer("acme", "adhoc", name="Acme Oy")
    workspace.customer("kovo", "adhoc", name="Kovošrot")
    workspace.person("bob", "Bob", "bob@agency.example")
    for subject in ("Lomake ei toimi", "Certifikát vyprší", "Done already"):
        workspace.cli.ok("ticket", "new", "--customer", "acme", "--from", "m@acme.fi", subject)
    workspace.cli.ok("ticket", "status", "3", "closed")
    return workspace.root


def complete(words: str, **env: str) -> list[str]:
    """What bash would offer after `words` (a trailing space: a new word)."""
    parts = words.split()
    cword = len(parts) if words.endswith(" ") else len(parts) - 1
    done = subprocess.run(
        [sys.executable, "-m", "supportctl"],
        env={
            **os.environ,
            **env,
            "_SUPPORTCTL_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(cli: Any, shell: str) -> None:
    out = cli.ok("completion", shell).stdout
    assert "_SUPPORTCTL_COMPLETE=complete_" + shell in out
    assert "supportctl" in out


def test_completion_of_an_unknown_shell_is_one_clear_error(cli: Any) -> None:
    result = cli.fails(2, "completion", "tcsh")
    assert "unknown shell 'tcsh'" in result.stderr


def test_commands_and_options_complete(desk: Path) -> None:
    assert "inbox" in complete("supportctl ")
    assert complete("supportctl ti") == ["ticket"]
    assert {"--no-fetch", "--mine", "--customer"} <= set(complete("supportctl inbox --"))


@pytest.mark.both_engines
def test_values_people_type_most_complete(desk: Path) -> None:
    assert complete("supportctl ticket show ") == ["2", "1"]  # open tickets, newest first
    assert complete("supportctl inbox --customer ") == ["acme", "kovo"]
    assert complete("supportctl customer show k") == ["kovo"]
    assert complete("supportctl delegate new 1 x --to ") == ["bob"]
    months = complete("supportctl log list --month ", SUPPORTCTL_NOW="2026-11-25T10:00:00Z")
    assert months[:3] == ["2026-11", "2026-10", "2026-09"] and len(months) == 12
    assert complete("supportctl report 2025-1", SUPPORTCTL_NOW="2026-11-25T10:00:00Z") == [
        "2025-12"
    ]


def test_completion_without_a_database_offers_nothing(tmp_path: Path) -> None:
    assert complete("supportctl ticket show ", SUPPORTCTL_DB=str(tmp_path / "none.db")) == []


@pytest.mark.both_engines
def test_completion_reads_the_database_the_config_names(desk: Path, db_target: str) -> None:
    """No --db or SUPPORTCTL_DB: the config's [database] url, a file or a server."""
    config = desk / "config.toml"
    config.write_text(config.read_text() + f'\n[database]\nurl = "{db_target}"\n')
    env = {k: v for k, v in os.environ.items() if k != "SUPPORTCTL_DB"}
    parts = ["supportctl", "ticket", "show", ""]
    done = subprocess.run(
        [sys.executable, "-m", "supportctl"],
        env={
            **env,
            "_SUPPORTCTL_COMPLETE": "complete_bash",
            "COMP_WORDS": " ".join(parts),
            "COMP_CWORD": "3",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["2", "1"]


def test_completion_from_an_unreachable_server_offers_nothing() -> None:
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"
    assert complete("supportctl ticket show ", SUPPORTCTL_DB=url) == []
