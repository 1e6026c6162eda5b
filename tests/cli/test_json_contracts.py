"""Every `--json` document, whole: its shape (every key at every depth, and the type of
every value) is the contract with scripts, kept in tests/fixtures/json_contracts.json.
A renamed, dropped or retyped field fails here; a deliberate change rewrites the file
(`SUPPORTCTL_WRITE_JSON_CONTRACTS=1 pytest tests/cli/test_json_contracts.py`) and says
so in CHANGELOG.md."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES

CONTRACTS = FIXTURES / "json_contracts.json"
NOW = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z"}  # a Wednesday

# Commands whose --json documents are checked elsewhere, whole, or need a mail server.
ELSEWHERE = {
    "kb add": "tests/cli/test_kb_json_contract.py",
    "kb show": "tests/cli/test_kb_json_contract.py",
    "kb list": "tests/cli/test_kb_json_contract.py",
    "kb search": "tests/cli/test_kb_json_contract.py",
    "kb suggest": "tests/cli/test_kb_json_contract.py",
    "fetch": "needs a mailbox (tests/integration)",
    "reply": "needs SMTP (tests/integration/test_outbound_smtp.py)",
    "remind": "needs SMTP (tests/integration/test_outbound_smtp.py)",
    "invoice send": "needs SMTP (tests/integration/test_invoice_send.py)",
    "invoice show": "issued invoices only",
    "invoice void": "issued invoices only",
    "ticket approve": "needs mail from a designated contact",
}


def shape(value: Any) -> Any:
    """Keys at every depth and the type of every value; a list by the union of its items."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, shape(item))
        return [] if merged is None else [merged]
    if value is None:
        return "null"
    return type(value).__name__


def _merge(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) for k in sorted(set(a) | set(b))}
    if isinstance(a, list) and isinstance(b, list):
        return [_merge(a[0] if a else None, b[0] if b else None)] if (a or b) else []
    if a == b:
        return a
    return "|".join(sorted(set(str(a).split("|")) | set(str(b).split("|"))))


def _scenario(cli: Any, out_dir: Path) -> dict[str, Any]:
    docs: dict[str, Any] = {}

    def run(name: str, *args: str, env: dict[str, str] = NOW) -> Any:
        doc = cli.json(*args, "--json", env=env)
        docs[name] = doc
        return doc

    run("customer add", "customer", "add", "acme", "--name", "Acme Oy", "--plan",
        "maintenance", "--level", "premium", "--rate", "75", "--included-minutes", "600",
        "--domain", "acme.fi")  # fmt: skip
    run("customer edit", "customer", "edit", "acme", "--name", "Acme Oyj")
    run("customer list", "customer", "list")
    run("contact add", "contact", "add", "acme", "matti@acme.fi", "--name", "Matti",
        "--can-order")  # fmt: skip
    run("contact edit", "contact", "edit", "acme", "matti@acme.fi", "--name", "Matti V")
    run("contact list", "contact", "list", "acme")
    run("customer show", "customer", "show", "acme")
    run("team add", "team", "add", "alice", "--name", "Alice", "--email", "alice@agency.fi",
        "--skill", "dns:4")  # fmt: skip
    run("team edit", "team", "edit", "alice", "--skill", "wordpress:5")
    for handle in ("bob", "carol"):
        cli.ok("team", "add", handle, "--name", handle.title(), "--email",
               f"{handle}@agency.fi", "--skill", "wordpress:3", env=NOW)  # fmt: skip
    run("team list", "team", "list")
    run("config show", "config", "show")
    cli.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", "Lomake ei toimi",
           "Yhteydenottolomake ei lähetä viestejä", env=NOW)  # fmt: skip
    run("ticket show", "ticket", "show", "1")
    run("inbox", "inbox", "--no-fetch")
    run("search", "search", "lomake")
    run("delegate new", "delegate", "new", "1", "check the form", "--skill", "wordpress",
        "--estimate", "30m")  # fmt: skip
    run("delegated", "delegated")
    run("delegate reassign", "delegate", "reassign", "1", "--to", "carol")
    run("delegate done", "delegate", "done", "1")
    run("log add", "log", "add", "1", "25m", "looked at the form", "--as", "alice")
    run("log edit", "log", "edit", "1", "--minutes", "20m", "--as", "alice")
    run("log start", "log", "start", "1", "more", "--as", "alice")
    run("log status", "log", "status", "--as", "alice")
    run("log stop", "log", "stop", "--as", "alice", env={"SUPPORTCTL_NOW": "2026-11-25T10:20:00Z"})
    later = {"SUPPORTCTL_NOW": "2026-11-25T10:30:00Z"}
    run("log list", "log", "list", "--month", "2026-11", env=later)
    run("log rm", "log", "rm", "2", "--as", "alice", env=later)
    run("report", "report", "2026-11")
    run("rota show", "rota", "show")
    run("status", "status")
    cli.ok("block", "@spam.example", env=NOW)
    run("block list", "block", "list")
    run("invoice fee add", "invoice", "fee", "add", "acme", "120.00", "Expedited response",
        "--date", "2026-11-20")  # fmt: skip
    run("invoice fee list", "invoice", "fee", "list")
    run("invoice render", "invoice", "render", "2026-11", "--out", str(out_dir))
    run("invoice list", "invoice", "list", "2026-11")
    return docs


def _json_commands() -> list[str]:
    import typer.main

    from supportctl.cli import COMMANDS, app

    root = typer.main.get_command(app)

    def walk(command: Any, path: list[str]) -> Any:
        yield path, command
        if hasattr(command, "list_commands"):
            for name in command.list_commands(None):
                yield from walk(command.get_command(None, name), [*path, name])

    found = []
    for name in COMMANDS:
        for path, command in walk(root.get_command(None, name), [name]):
            if any("--json" in getattr(p, "opts", []) for p in command.params):
                found.append(" ".join(path))
    return found


@pytest.fixture
def documents(cli: Any, initialized: Path, tmp_path: Path) -> dict[str, Any]:
    return _scenario(cli, tmp_path / "invoices")


def test_every_json_document_keeps_its_shape(documents: dict[str, Any]) -> None:
    shapes = {name: shape(doc) for name, doc in sorted(documents.items())}
    if os.environ.get("SUPPORTCTL_WRITE_JSON_CONTRACTS"):
        CONTRACTS.write_text(json.dumps(shapes, indent=1, ensure_ascii=False) + "\n")
    contracts = json.loads(CONTRACTS.read_text())
    assert sorted(shapes) == sorted(contracts)
    for name in contracts:
        assert shapes[name] == contracts[name], f"the --json document of `{name}` changed"


def test_every_json_command_has_a_contract() -> None:
    contracts = json.loads(CONTRACTS.read_text())
    missing = [c for c in _json_commands() if c not in contracts and c not in ELSEWHERE]
    assert missing == []


def test_a_renamed_field_breaks_the_contract(documents: dict[str, Any]) -> None:
    contracts = json.loads(CONTRACTS.read_text())
    doc = json.loads(json.dumps(documents["customer show"]))
    doc["slug"] = doc.pop("id")
    assert shape(doc) != contracts["customer show"]
    nested = json.loads(json.dumps(documents["customer show"]))
    nested["contacts"][0]["address"] = nested["contacts"][0].pop("email")
    assert shape(nested) != contracts["customer show"]
    retyped = json.loads(json.dumps(documents["team list"]))
    retyped[0]["active"] = "yes"
    assert shape(retyped) != contracts["team list"]
