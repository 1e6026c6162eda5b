"""A team at once: separate processes against one desk (both engines)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXED_NOW, open_test_store

pytestmark = pytest.mark.both_engines


def _run(*args: str, user: str = "alice") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SUPPORTCTL_USER=user, SUPPORTCTL_NOW=FIXED_NOW, NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "supportctl", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def team_desk(cli: Any, initialized: Path) -> Path:
    for handle in ("bob", *(f"dev{i}" for i in range(8))):
        cli.ok(
            "team", "add", handle, "--name", handle.title(), "--email", f"{handle}@agency.example"
        )
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "maintenance")
    cli.ok("ticket", "new", "Shared work", "--customer", "acme", "--from", "x@acme.fi")
    return initialized


def test_a_stale_status_edit_is_refused_and_writes_nothing(
    team_desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportctl.config import load_config
    from supportctl.errors import InputError
    from supportctl.services import tickets

    store = open_test_store(team_desk)
    try:
        stale = tickets.require(store, 1)  # alice reads the ticket ...
        done = _run("ticket", "status", "1", "waiting", user="bob")  # ... bob changes it
        assert done.returncode == 0, done.stderr
        monkeypatch.setattr(tickets, "require", lambda _s, _id: stale)
        with pytest.raises(InputError) as refused:
            tickets.set_status(
                store,
                load_config(team_desk / "config.toml"),
                ticket_id=1,
                status="open",
                actor="alice",
                now=__import__("datetime").datetime.fromisoformat(FIXED_NOW),
            )
        assert refused.value.message == (
            "ticket #1 changed meanwhile (status → waiting by bob): run the command again"
        )
        assert refused.value.exit_code == 2
        assert store.scalar("SELECT status FROM tickets WHERE id = 1") == "waiting"
        kinds = [r[0] for r in store.all("SELECT kind FROM events WHERE ticket_id = 1")]
        assert kinds.count("ticket.status") == 1
    finally:
        store.close()


def test_eight_processes_log_twenty_five_entries_each(team_desk: Path) -> None:
    script = (
        "import os, subprocess, sys\n"
        "user = sys.argv[1]\n"
        "bad = 0\n"
        "for i in range(25):\n"
        "    p = subprocess.run([sys.executable, '-m', 'supportctl', 'log', '1', '5m', f'work {i}',"
        " '--as', user, '--allow-overlap'], capture_output=True, text=True)\n"
        "    if p.returncode != 0:\n"
        "        sys.stderr.write(p.stderr)\n"
        "        bad += 1\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = dict(os.environ, SUPPORTCTL_NOW=FIXED_NOW, NO_COLOR="1")
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"dev{i}"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    errors = []
    for worker in workers:
        _out, err = worker.communicate(timeout=600)
        if worker.returncode != 0:
            errors.append(err)
    assert errors == []
    store = open_test_store(team_desk)
    try:
        assert store.scalar("SELECT count(*) FROM time_entries") == 200
        per_person = store.all(
            "SELECT p.handle, count(*) FROM time_entries e JOIN people p ON p.id = e.person_id "
            "GROUP BY p.handle ORDER BY p.handle"
        )
        assert [(r[0], r[1]) for r in per_person] == [(f"dev{i}", 25) for i in range(8)]
    finally:
        store.close()


def test_one_running_timer_per_person_whichever_laptop_started_it(team_desk: Path) -> None:
    env = dict(os.environ, SUPPORTCTL_NOW=FIXED_NOW, NO_COLOR="1", SUPPORTCTL_USER="bob")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "supportctl", "log", "start", "1", f"laptop {i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    codes = []
    for run in runs:
        _out, err = run.communicate(timeout=300)
        codes.append((run.returncode, err))
        assert "Traceback" not in err
    assert sorted(c for c, _e in codes) == [0, 2, 2, 2], codes
    store = open_test_store(team_desk)
    try:
        assert store.scalar("SELECT count(*) FROM timers") == 1
    finally:
        store.close()
