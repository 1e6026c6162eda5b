"""Eight people logging at once against one database file: nothing lost, nothing locked.

Each process is a real `supportctl log` user: its own interpreter, its own connection,
200 entries through `services.timelog.add_entry` (the same call `log add` makes), each
entry its own transaction. `Store.transaction` takes the write lock up front
(BEGIN IMMEDIATE) and waits up to 30 s, so writers queue instead of failing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

WORKER = r"""
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from supportctl.errors import SupportctlError
from supportctl.services import timelog
from supportctl.store.db import open_store

db, handle, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = open_store(db)
base = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
errors = 0
for i in range(count):
    start = base + timedelta(minutes=30 * i)
    try:
        timelog.add_entry(
            store, person=handle, ticket=None, customer="acme", description=f"entry {i}",
            start=start.isoformat(), end=(start + timedelta(minutes=25)).isoformat(),
            actor=handle, now=datetime(2026, 11, 1, tzinfo=UTC), tz=lambda: "Europe/Helsinki",
        )
    except SupportctlError as exc:
        errors += 1
        print(f"error: {exc.message}", file=sys.stderr)
store.close()
print(errors)
"""


def test_eight_people_log_200_entries_each_at_once(
    cli: Any, initialized: Path, tmp_path: Path
) -> None:
    cli.ok(
        "customer",
        "add",
        "acme",
        "--plan",
        "maintenance",
        "--rate",
        "75",
        "--included-minutes",
        "600",
    )
    people = [f"dev{i}" for i in range(8)]
    for handle in people:
        cli.ok("team", "add", handle, "--name", handle, "--email", f"{handle}@agency.example")
    db = initialized / "supportctl.db"
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db), handle, "200"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for handle in people
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    stderr = "".join(err for _, err in outputs)
    assert "database is locked" not in stderr
    assert [p.returncode for p in procs] == [0] * 8, stderr
    assert [out.strip() for out, _ in outputs] == ["0"] * 8, stderr
    import sqlite3

    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM time_entries").fetchone()[0] == 1600
    assert conn.execute("SELECT count(DISTINCT uuid) FROM time_entries").fetchone()[0] == 1600
    per_person = conn.execute(
        "SELECT count(*) FROM time_entries GROUP BY person_id ORDER BY person_id"
    ).fetchall()
    assert [n for (n,) in per_person] == [200] * 8
    assert (
        conn.execute("SELECT count(*) FROM events WHERE kind = 'time.logged'").fetchone()[0] == 1600
    )
