"""Time logging at scale: `supportctl log N 25m "…"` and `log list --month` against a
database holding 1,000,000 time entries, compared with `watson add` in the same run.

    .venv/bin/python bench/log.py [--entries 1000000] [--runs 20] [--keep DIR]

The database is made by `supportctl init` and filled in bulk with a realistic spread:
30 customers (maintenance, hosting, adhoc), 20 people, 20,000 tickets, about 10,000
entries a month over eight years, with one history event per entry as `log` writes.
Each timed `log N 25m` run gets its own SUPPORTCTL_NOW half an hour after the last,
so every run logs a real, non-overlapping entry through the normal checks. Output
goes to a pipe (DEVNULL), as in scripts; the person comes from the config's `user`.
The commands run in turn (watson, add, list, list) rather than in blocks, so a busy
machine slows all of them alike; the ratios are what to read.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Watson, compile_sources, print_table, tool

PEOPLE = 20
CUSTOMERS = 30
TICKETS = 20_000
LAST_MONTH = "2026-10"
FIRST_DAY = datetime(2019, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2026, 10, 31, tzinfo=UTC)
WORDS = [
    "updated",
    "plugins",
    "fixed",
    "contact",
    "form",
    "mail",
    "delivery",
    "DNS",
    "records",
    "backup",
    "restore",
    "cron",
    "theme",
]


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(db: Path, entries: int) -> None:
    """Bulk rows straight into the schema `supportctl init` created."""
    rng = random.Random(5)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    created = _text(FIRST_DAY)
    plans = ["maintenance", "hosting", "adhoc"]
    for c in range(1, CUSTOMERS + 1):
        conn.execute(
            "INSERT INTO customers (id, slug, name, plan, rate_minor, currency, vat, included_minutes, locale, carry_over, created_at) "
            "VALUES (?, ?, ?, ?, 7500, 'EUR', '25.5', ?, 'fi_FI', ?, ?)",
            (
                c,
                f"cust{c}",
                f"Customer {c}",
                plans[c % 3],
                600 if c % 3 == 0 else 0,
                c % 2,
                created,
            ),
        )
    for p in range(1, PEOPLE + 1):
        conn.execute(
            "INSERT INTO people (id, handle, name, email, created_at) VALUES (?, ?, ?, ?, ?)",
            (p, f"dev{p}", f"Developer {p}", f"dev{p}@agency.example", created),
        )
    conn.executemany(
        "INSERT INTO tickets (id, customer_id, requester, subject, created_at, updated_at, needs_approval) "
        "VALUES (?, ?, 'x@example.com', 'request', ?, ?, ?)",
        ((t, t % CUSTOMERS + 1, created, created, int(t % 50 == 0)) for t in range(1, TICKETS + 1)),
    )
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    # Per person a strictly increasing sequence of starts, so entries never overlap.
    per_person = entries // PEOPLE
    step = span / per_person

    def rows():  # type: ignore[no-untyped-def]
        n = 0
        for p in range(1, PEOPLE + 1):
            for i in range(per_person):
                start = FIRST_DAY + timedelta(seconds=int(i * step))
                start = start.replace(second=0)
                minutes = rng.randint(5, min(90, int(step // 60) - 1))
                ticket = rng.randint(1, TICKETS)
                n += 1
                yield (
                    n,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    p,
                    ticket,
                    ticket % CUSTOMERS + 1,
                    _text(start),
                    _text(start + timedelta(minutes=minutes)),
                    minutes,
                    f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
                    "messaging" if n % 7 == 0 else "work",
                    _text(start),
                )

    conn.executemany(
        "INSERT INTO time_entries (id, uuid, person_id, ticket_id, customer_id, start_at, end_at, minutes, description, kind, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    conn.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, customer_id, subject_ref, data) "
        "SELECT created_at, 'dev' || person_id, 'time.logged', ticket_id, customer_id, 'time:' || id, "
        "json_object('entry', id, 'minutes', minutes) FROM time_entries"
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _run(argv: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def interleaved(
    exe: str, env: dict[str, str], watson: Watson, runs: int, warmup: int = 2
) -> dict[str, float]:
    """Medians of every command, run in turn (watson, add, list, ...) so that the load
    of a busy machine falls on all of them alike."""
    conn = sqlite3.connect(env["SUPPORTCTL_DB"])
    latest = conn.execute("SELECT max(end_at) FROM time_entries").fetchone()[0]
    conn.close()
    base = datetime.fromisoformat(latest) + timedelta(hours=1)
    commands: dict[str, Any] = {
        "watson add": lambda i: _run(watson.argv, watson.env),
        # context: the shared start-up every command pays (typer, config, open + hook)
        "supportctl --version": lambda i: _run([exe, "--version"], env),
        "supportctl log status": lambda i: _run([exe, "log", "status"], env),
        'supportctl log 42 25m "…"': lambda i: _run(
            [exe, "log", "42", "25m", "Updated WordPress plugins"],
            # each run at its own later moment: a real, non-overlapping entry every time
            {**env, "SUPPORTCTL_NOW": _text(base + timedelta(minutes=30 * i))},
        ),
        f"supportctl log list --month {LAST_MONTH}": lambda i: _run(
            [exe, "log", "list", "--month", LAST_MONTH], env
        ),
        f"supportctl log list --month {LAST_MONTH} --customer cust3": lambda i: _run(
            [exe, "log", "list", "--month", LAST_MONTH, "--customer", "cust3"], env
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, run in commands.items():
            elapsed = run(i)
            if i >= warmup:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="reuse or keep the database in this directory")
    args = parser.parse_args()
    compile_sources()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-log-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "supportctl.db"
    env = {
        "SUPPORTCTL_DB": str(db),
        "SUPPORTCTL_CONFIG": str(work / "config.toml"),
        "NO_COLOR": "1",
    }
    exe = tool("supportctl")
    if not db.exists():
        subprocess.run(
            [exe, "init", "--user", "dev1"],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, **env},
        )
        began = time.perf_counter()
        fill(db, args.entries)
        print(f"filled {args.entries:,} entries in {time.perf_counter() - began:.0f} s")
    count = sqlite3.connect(db).execute("SELECT count(*) FROM time_entries").fetchone()[0]
    watson = Watson()
    medians = interleaved(exe, env, watson, args.runs)
    rows = list(medians.items())
    reference = rows[0][1]
    print(f"{count:,} time entries; median of {args.runs} runs each, same machine, same run")
    print_table(rows, reference)
    targets = ('supportctl log 42 25m "…"', f"supportctl log list --month {LAST_MONTH}")
    worst = max(medians[name] for name in targets)
    print(f"worst of add / list --month vs watson add = {worst / reference:.2f} (target <= 1.00)")


if __name__ == "__main__":
    main()
