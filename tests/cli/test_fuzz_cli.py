"""Every parameter of every command fed malformed values, through the real CLI.

The click command tree is walked (so a new command or option is fuzzed without being
listed here); each parameter gets each malformed value while the other required
parameters get plausible ones. Nothing may end in an internal error, a refusal is one
line on stderr, and the database is byte-identical after every failed command.

The run is in-process (CliRunner) and takes about a minute; `SUPPORTCTL_FUZZ_SAMPLE`
(a fraction, default 1) runs a seeded sample, and `SUPPORTCTL_FUZZ_REPORT` names a
file that receives the counts (tried / exit 2 / other refusals / internal errors).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from supportctl.cli import app

NOW = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z", "EDITOR": "false", "VISUAL": "false"}

MALFORMED: dict[str, str] = {
    "empty": "",
    "huge": "x" * 100_000,
    "bad-utf8": "caf\udce9-\udcff",  # what Python makes of invalid UTF-8 in argv
    "negative": "-5",
    "2^63": str(2**63),
    "impossible-date": "2026-02-30",
    "controls": "a\x1b[31mred\x07\x1b]0;title\x07\r\nb",
    "dotdot": "../../escape",
}

# Plausible values for the parameters not under test, by parameter name.
PLAUSIBLE: dict[str, list[str]] = {
    "ticket_id": ["1"],
    "ticket": ["1"],
    "task": ["1"],
    "entry_id": ["1"],
    "fee_id": ["1"],
    "source": ["1"],
    "target": ["2"],
    "number": ["1"],
    "slug": ["acme"],
    "customer": ["acme"],
    "email": ["new@acme.fi"],
    "from_addr": ["someone@acme.fi"],
    "handle": ["bob"],
    "handles": ["alice", "bob"],
    "to": ["bob"],
    "name": ["Someone"],
    "month": ["2026-11"],
    "week": ["2026-W49"],
    "amount": ["10.00"],
    "description": ["work"],
    "reason": ["mistake"],
    "subject": ["Help"],
    "text": ["words"],
    "status": ["waiting"],
    "urgency": ["high"],
    "kind": ["incident"],
    "pattern": ["spam@bad.example"],
    "words": ["1", "25m", "work"],
    "save": ["saved"],
    "path": ["backup.db"],
}


def _leaves(command: Any, path: list[str], ctx: Any) -> Iterator[tuple[list[str], Any]]:
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            yield from _leaves(command.get_command(ctx, name), [*path, name], ctx)
    else:
        yield path, command


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False)) or getattr(param, "count", False)


def _cases() -> list[tuple[list[str], str, str]]:
    """(argv, parameter, value kind) for every value-taking parameter and malformed value."""
    from typer import _click

    root = typer.main.get_command(app)
    ctx = _click.Context(root)
    cases: list[tuple[list[str], str, str]] = []
    root_opts = [p for p in root.params if not _is_flag(p) and p.name not in ("help",)]
    for param in root_opts:  # --db and --config
        for kind, value in MALFORMED.items():
            cases.append(([param.opts[0], value, "customer", "list"], param.name, kind))
    for path, command in _leaves(root, [], ctx):
        params = [p for p in command.params if p.name != "help" and not _is_flag(p)]
        for target in params:
            for kind, value in MALFORMED.items():
                argv = list(path)
                for param in params:
                    is_arg = param.param_type_name == "argument"
                    if param is target:
                        values = [value]
                    elif param.required:
                        values = PLAUSIBLE.get(param.name or "", ["x"])
                    else:
                        continue
                    for one in values:
                        argv += [one] if is_arg else [param.opts[0], one]
                cases.append((argv, target.name or "", kind))
    return cases


def _digest(path: Path) -> str:
    data = path.read_bytes() if path.exists() else b""
    wal = path.with_name(path.name + "-wal")
    extra = wal.read_bytes() if wal.exists() else b""
    return hashlib.sha256(data).hexdigest() + hashlib.sha256(extra).hexdigest()


@pytest.fixture
def fuzz_desk(cli: Any, initialized: Path) -> Path:
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--level",
        "premium",
        "--rate",
        "75",
        "--domain",
        "acme.fi",
    )
    cli.ok("contact", "add", "acme", "matti@acme.fi", "--name", "Matti", "--can-order")
    for handle in ("alice", "bob"):
        cli.ok(
            "team", "add", handle, "--name", handle.title(), "--email", f"{handle}@agency.example"
        )
    cli.ok("rota", "set", "alice", "bob", "--start", "2026-W48", env=NOW)
    for subject in ("First", "Second"):
        cli.ok("ticket", "new", "--customer", "acme", "--from", "matti@acme.fi", subject, env=NOW)
    cli.ok("log", "1", "25m", "work", "--as", "alice", env=NOW)
    return initialized


def test_every_parameter_refuses_malformed_values_cleanly(
    fuzz_desk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "a" / "b" / "cwd"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    db = fuzz_desk / "supportctl.db"
    config = fuzz_desk / "config.toml"
    pristine_db = db.read_bytes()
    pristine_config = config.read_bytes()
    clean = _digest(db)

    cases = _cases()
    fraction = float(os.environ.get("SUPPORTCTL_FUZZ_SAMPLE", "1"))
    if fraction < 1:
        cases = random.Random(14).sample(cases, int(len(cases) * fraction))
    runner = CliRunner()
    counts = {"tried": 0, "exit 2": 0, "other refusal": 0, "accepted": 0, "internal": 0}
    problems: list[str] = []
    accepted: list[str] = []
    others: list[str] = []
    for argv, param, kind in cases:
        counts["tried"] += 1
        result = runner.invoke(app, argv, env={**NOW, "SUPPORTCTL_USER": "alice"})
        label = f"{' '.join(a[:30] for a in argv[:3])} [{param}={kind}]"
        stderr = result.stderr
        internal = (
            (result.exception is not None and not isinstance(result.exception, SystemExit))
            or "internal error" in stderr
            or "Traceback" in stderr + result.stdout
        )
        if internal:
            counts["internal"] += 1
            problems.append(f"{label}: internal: {stderr.strip()[:200]!r} {result.exception!r}")
        elif result.exit_code == 0:
            counts["accepted"] += 1
            accepted.append(label)
        elif result.exit_code == 2:
            counts["exit 2"] += 1
        else:
            counts["other refusal"] += 1
            others.append(f"{label}: exit {result.exit_code}: {stderr.strip()[:120]}")
        if result.exit_code != 0 and not internal:
            lines = [line for line in stderr.splitlines() if line.strip()]
            if len(lines) > 2 or any(len(line) > 300 for line in lines):
                problems.append(f"{label}: not one short line: {stderr[:300]!r}")
            if any(c in stderr for c in "\x1b\x07"):
                problems.append(f"{label}: raw control characters echoed")
        if result.exit_code != 0 and _digest(db) != clean:
            problems.append(f"{label}: exit {result.exit_code} but the database changed")
        if _digest(db) != clean:
            db.write_bytes(pristine_db)
            for suffix in ("-wal", "-shm"):
                db.with_name(db.name + suffix).unlink(missing_ok=True)
        if config.read_bytes() != pristine_config:
            config.write_bytes(pristine_config)
    report = os.environ.get("SUPPORTCTL_FUZZ_REPORT")
    if report:
        Path(report).write_text(
            json.dumps(
                {"counts": counts, "problems": problems, "accepted": accepted, "others": others},
                indent=1,
            )
        )
    assert counts["internal"] == 0 and not problems, (
        f"{counts}\n" + "\n".join(problems[:40]) + f"\n… {len(problems)} problems"
    )
