"""Malformed values through the real CLI: exit 2 (or the config's 3) and one readable line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from supportctl.cli import COMMANDS
from supportctl.cli.common import INT64_MAX


def one_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "internal error" not in result.stderr
    return lines[0]


def test_an_integer_beyond_sqlite_is_refused_by_name(cli, initialized) -> None:
    line = one_line(cli.fails(2, "ticket", "show", str(INT64_MAX + 1)))
    assert "'N'" in line and "out of range" in line  # named as the help names it
    one_line(cli.fails(2, "log", "list", "--limit", str(2**64)))


def test_an_amount_or_duration_too_large_for_the_database_is_exit_2(
    cli, initialized, snapshot
) -> None:
    cli.ok("customer", "add", "acme", "--plan", "maintenance", "--level", "standard")
    before = snapshot()
    for args in (
        ("customer", "edit", "acme", "--rate", str(2**63)),
        ("customer", "edit", "acme", "--included-minutes", str(2**63)),
        ("customer", "edit", "acme", "--reaction", f"{2**63}m"),
        ("invoice", "fee", "add", "acme", str(2**63), "fee"),
    ):
        one_line(cli.fails(2, *args))
    assert snapshot() == before


def test_invalid_utf8_in_an_argument_is_refused_by_name(cli, initialized) -> None:
    # Python hands undecodable argv bytes over as lone surrogates (PEP 383).
    bad = b"caf\xe9".decode("utf-8", "surrogateescape")
    line = one_line(cli.fails(2, "customer", "add", bad, "--plan", "adhoc", "--level", "light"))
    assert "'slug'" in line and "not valid UTF-8" in line and "caf\\xe9" in line
    line = one_line(cli.fails(2, "customer", "list", "--json", "--db", bad))
    assert "--db" in line


def test_invalid_utf8_argv_in_a_real_process(initialized: Path) -> None:
    """The same through a real process, where the bytes arrive in argv."""
    done = subprocess.run(
        [sys.executable, "-m", "supportctl", "customer", "show", b"caf\xe9"],  # type: ignore[list-item]
        capture_output=True,
        env={**os.environ},
        timeout=60,
    )
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, stderr
    assert stderr.startswith("error: ") and "'slug'" in stderr and "caf\\xe9" in stderr
    assert len(stderr.splitlines()) <= 2


def test_huge_values_are_cut_and_control_characters_shown(cli, initialized) -> None:
    line = one_line(cli.fails(2, "customer", "show", "x" * 100_000))
    assert len(line) < 200 and "…" in line
    line = one_line(cli.fails(2, "customer", "show", "evil\x1b]0;title\x07\x1b[2J"))
    assert "\x1b" not in line and "\x07" not in line and "␛" in line


def test_a_100kb_path_is_exit_2(cli, initialized) -> None:
    for args in (
        ("backup", "x" * 100_000),
        ("rota", "ics", "--out", "y" * 100_000),
        ("fetch", "--explain", "z" * 100_000),
    ):
        line = one_line(cli.fails(2, *args))
        assert len(line) < 300


def test_a_huge_db_path_is_one_line(cli, initialized) -> None:
    result = cli("--db", "d" * 100_000, "customer", "list")
    assert result.exit_code in (2, 3, 7)
    assert len(one_line(result)) < 300


def test_rota_ics_to_an_empty_or_directory_path_is_exit_2(cli, initialized, tmp_path) -> None:
    assert "--out" in one_line(cli.fails(2, "rota", "ics", "--out", ""))
    assert "directory" in one_line(cli.fails(2, "rota", "ics", "--out", str(tmp_path)))


def test_usage_errors_are_one_line_with_a_help_hint(cli, initialized) -> None:
    result = cli.fails(2, "customer", "add", "acme", "--included-minutes", "lots")
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and "--included-minutes" in lines[0]
    assert lines[1] == "hint: see `supportctl customer add --help`"
    assert "╭" not in result.stderr and "Usage:" not in result.stderr
    unknown = cli.fails(2, "tikcet")
    assert one_line(unknown).startswith("error: No such command 'tikcet'")


@pytest.mark.parametrize(
    "group", [(), *((name,) for name, spec in COMMANDS.items() if spec[2] == "group")]
)
def test_a_group_without_a_subcommand_prints_its_help(cli, group) -> None:
    result = cli.ok(*group)
    assert "Usage:" in result.stdout and "Commands" in result.stdout
    assert result.stderr == ""


def test_invalid_utf8_in_the_config_file_is_exit_3(cli, workspace_env) -> None:
    (workspace_env / "config.toml").write_bytes(b'[agency]\nname = "Caf\xe9"\n')
    line = one_line(cli.fails(3, "config", "show"))
    assert "not valid UTF-8" in line and "line 2" in line


def test_an_explicit_config_path_that_does_not_exist_is_exit_3(cli, initialized) -> None:
    line = one_line(cli.fails(3, "--config", str(initialized / "nope.toml"), "customer", "list"))
    assert "no config file at" in line
    result = cli.fails(3, "customer", "list", env={"SUPPORTCTL_CONFIG": "/nonexistent/c.toml"})
    assert "no config file" in result.stderr


def _imap_config(workspace: Path, password_command: str) -> None:
    path = workspace / "config.toml"
    path.write_text(
        path.read_text()
        + "\n[[imap]]\n"
        + 'name = "support"\nhost = "127.0.0.1"\nport = 9\ntls = "none"\n'
        + 'user = "support@agency.example"\n'
        + f"password_command = {password_command}\n"
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("\"sh -c 'echo wrong vault >&2; echo second >&2; exit 4'\"", "exit code 4: wrong vault"),
        ("""'printf "\\377\\376"'""", "not UTF-8"),
        ('"pass show \'unbalanced"', "No closing quotation"),
        ('"no-such-program-here"', "no such program 'no-such-program-here'"),
    ],
)
def test_password_command_failures_are_one_clear_line(
    cli, initialized, command: str, expected: str
) -> None:
    _imap_config(initialized, command)
    line = one_line(cli.fails(3, "fetch"))
    assert expected in line, line
    assert "CalledProcessError" not in line and "b'" not in line


def test_a_reader_that_stops_early_ends_quietly(initialized: Path) -> None:
    """`supportctl … | head -1`: the closed pipe is no traceback and no internal error."""
    for handle in ("alice", "bob", "carol"):
        subprocess.run(
            [sys.executable, "-m", "supportctl", "team", "add", handle, "--name", handle,
             "--email", f"{handle}@agency.example"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    # The reader is gone before the output is written: `sleep` lets `true` exit first.
    done = subprocess.run(
        f"{{ sleep 1; {sys.executable} -m supportctl team list --json; }} | true; "
        f"{{ sleep 1; {sys.executable} -m supportctl --color team list; }} | true",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
