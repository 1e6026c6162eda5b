"""`--as` names a team member on every command that takes it: anything else is exit 2
with the closest handle as a hint, and nothing is written. Acting for someone else is
recorded with who ran the command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import click
import pytest
import typer

from supportctl.cli import app
from tests.conftest import Workspace


def _commands_with_as() -> list[list[str]]:
    root = typer.main.get_command(app)
    ctx = click.Context(root)
    found: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    walk(sub, [*path, name])
        elif any("--as" in p.opts for p in cmd.params):
            found.append(path)

    walk(root, [])
    return found


COMMANDS = _commands_with_as()

# Realistic arguments, so the refusal is about --as and nothing else.
ARGS: dict[str, list[str]] = {
    "rota set": ["alice", "bob"],
    "rota swap": ["2026-W43", "bob"],
    "delegate new": ["1", "check DNS", "--to", "bob"],
    "delegate done": ["1"],
    "delegate reassign": ["1", "--to", "bob"],
    "log add": ["1", "25m", "Plugins"],
    "log edit": ["1", "--minutes", "30"],
    "log rm": ["1"],
    "ticket new": ["--customer", "acme", "--from", "matti@acme.fi", "Phone call"],
    "ticket note": ["1", "called back"],
    "ticket status": ["1", "resolved"],
    "ticket urgency": ["1", "urgent"],
    "ticket kind": ["1", "incident"],
    "ticket assign": ["1", "bob"],
    "ticket merge": ["2", "1"],
    "ticket approve": ["2", "--override", "x"],
    "block add": ["@spam.example"],
    "unblock": ["@spam.example"],
    "reply": ["1", "-m", "hello"],
}


def test_every_write_command_takes_as() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert len(names) >= 20
    assert {"ticket approve", "log add", "reply", "delegate new", "block add"} <= names


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    workspace.now("2026-10-14T12:00:00Z")
    workspace.person("alice", "Alice", "alice@agency.example")
    workspace.person("bob", "Bob", "bob@agency.example")
    workspace.customer("acme", "adhoc", name="Acme Oy", rate=80)
    workspace.contact("acme", "matti@acme.fi", can_order=True)
    cli = workspace.cli
    cli.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Plugins")
    cli.ok("ticket", "new", "--customer", "acme", "--from", "liisa@acme.fi", "New page")
    cli.ok("log", "1", "10m", "first look")
    cli.ok("delegate", "1", "check the backups", "--to", "bob")
    return workspace.root


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_as_ghost_is_refused_and_writes_nothing(
    cli: Any, desk: Path, snapshot: Any, path: list[str]
) -> None:
    before = snapshot()
    args = ARGS.get(" ".join(path), [])
    result = cli.fails(2, *path, *args, "--as", "ghost")
    assert "no team member 'ghost'" in result.stderr
    assert "hint: did you mean --as" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2
    assert snapshot() == before


def test_the_hint_is_the_closest_handle(cli: Any, desk: Path) -> None:
    result = cli.fails(2, "ticket", "note", "1", "x", "--as", "bobb")
    assert "did you mean --as bob?" in result.stderr


def test_acting_for_someone_else_records_who_ran_it(cli: Any, desk: Path) -> None:
    cli.ok("ticket", "approve", "2", "--override", "agreed by phone", "--as", "bob")
    cli.ok("ticket", "note", "1", "self", "--as", "alice")
    conn = sqlite3.connect(desk / "supportctl.db")
    rows = conn.execute(
        "SELECT kind, actor, data FROM events WHERE kind IN ('ticket.approved', 'ticket.note') "
        "ORDER BY id"
    ).fetchall()
    approved = [(a, json.loads(d)) for k, a, d in rows if k == "ticket.approved"]
    assert approved[0][0] == "bob" and approved[0][1]["run_by"] == "alice"
    noted = [json.loads(d) for k, _a, d in rows if k == "ticket.note"]
    assert "run_by" not in noted[-1]  # the configured user acting as herself
