"""`supportctl inbox` in a real terminal: tmux at 80x24 on the demo desk.

The pane is captured as the person would see it: a header, one line per ticket (ids in
queue order, nothing wrapped onto a second line), every line within 80 columns.
tmux missing: skip locally (scripts/test installs it when run as root), fail in CI.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import in_ci

DEMO_NOW = "2026-11-02T08:30:00Z"


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, str]:
    target = tmp_path / "demo"
    subprocess.run(
        [sys.executable, "-m", "supportctl", "demo", "--dir", str(target)],
        check=True,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return {
        "SUPPORTCTL_DB": str(target / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(target / "config.toml"),
        "SUPPORTCTL_NOW": DEMO_NOW,
    }


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    if shutil.which("tmux") is None:
        if in_ci():
            pytest.fail("tmux is not installed (scripts/test installs it as root)")
        pytest.skip("tmux is not installed: apt-get install tmux")
    base = ["tmux", "-S", str(tmp_path / "tmux.sock"), "-f", "/dev/null"]
    yield base
    subprocess.run([*base, "kill-server"], capture_output=True)


def run_in_pane(tmux: list[str], env: dict[str, str], argv: list[str]) -> list[str]:
    """Run argv in a fresh 80x24 pane and return the captured screen lines."""
    command = " ".join(
        [
            "env -u NO_COLOR -u COLUMNS -u LINES",
            *(shlex.quote(f"{k}={v}") for k, v in env.items()),
            shlex.join(argv),
            "; tmux -S",
            shlex.quote(tmux[2]),
            "wait-for -S shown; sleep 60",
        ]
    )
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "80", "-y", "24", "-s", "t", command], check=True
    )
    subprocess.run([*tmux, "wait-for", "shown"], check=True, timeout=60)
    captured = subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "t"], check=True, capture_output=True, text=True
    )
    return captured.stdout.rstrip("\n").split("\n")


def test_inbox_in_a_real_80x24_terminal_has_one_line_per_ticket(
    demo: dict[str, str], tmux: list[str]
) -> None:
    from rich.cells import cell_len

    exe = [sys.executable, "-m", "supportctl"]
    rows = json.loads(
        subprocess.run(
            [*exe, "inbox", "--no-fetch", "--json"],
            check=True,
            capture_output=True,
            env={**os.environ, **demo},
        ).stdout
    )
    screen = run_in_pane(tmux, demo, [*exe, "inbox", "--no-fetch"])
    lines = [line.rstrip() for line in screen if line.strip()]
    assert all(cell_len(line) <= 80 for line in lines), lines
    assert lines[0].split()[:3] == ["#", "age", "customer"], lines
    assert "subject" in lines[0].split() and "SLA" in lines[0].split()
    body = lines[1 : 1 + len(rows)]
    assert [line.split()[0] for line in body] == [str(r["id"]) for r in rows], lines
    for line, row in zip(body, rows, strict=True):
        assert row["status"] in line.split()
        assert re.search(r"\d+[mhd](\d\dm)?( \d+[mh])?( \(paused\))?$", line), line  # SLA whole
    # After the rows only short notes (the legend), not the tails of wrapped rows.
    rest = lines[1 + len(rows) :]
    assert all(not line[:1].isspace() for line in rest), rest
    assert len(lines) <= len(rows) + 3, lines
