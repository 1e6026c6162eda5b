"""The Monday review at scale: `supportctl delegated` against 100,000 tickets and 50,000
delegations (5,000 of them open), compared with `watson add` in the same run.

    .venv/bin/python bench/delegated.py [--runs 15] [--keep DIR]

The database is made by `supportctl init` and filled in bulk with SQL: 30 customers,
20 people with skills, 100,000 tickets with SLA due times, two messages per ticket,
300,000 time entries, a history event per ticket and per delegation, notes, and
50,000 delegations of which the newest 5,000 are open. The review reads only the open
ones; the target is `delegated` <= 1.2 x `watson add` (median wall time). `--json`
and `--mine` are timed too, for information, and `team list` (a 20-row table, no
delegation code) as the floor any table command starts from. The commands take turns
in every round, so load spikes on the shared machine hit all of them alike. Output
goes to a pipe, as in scripts; the acting person is the config's `user` (dev1).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Watson, compile_sources, print_table, tool

PEOPLE = 20
CUSTOMERS = 30
TICKETS = 100_000
DELEGATIONS = 50_000
OPEN = 5_000
TIME_ENTRIES = 300_000
NOW = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)  # a Monday morning
FIRST = NOW - timedelta(days=3 * 365)
SKILLS = ("dns", "wordpress", "php", "css", "linux", "mail", "javascript", "mysql")


def _t(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(db: Path) -> None:
    rng = random.Random(6)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    created = _t(FIRST)
    levels = ("light", "standard", "premium")
    for c in range(1, CUSTOMERS + 1):
        conn.execute(
            "INSERT INTO customers (id, slug, name, plan, level, rate_minor, currency, vat, locale, created_at)"
            " VALUES (?, ?, ?, ?, ?, 7500, 'EUR', '25.5', 'fi_FI', ?)",
            (
                c,
                f"cust{c}",
                f"Customer {c}",
                ("maintenance", "hosting", "adhoc")[c % 3],
                levels[c % 3],
                created,
            ),
        )
    for p in range(1, PEOPLE + 1):
        conn.execute(
            "INSERT INTO people (id, handle, name, email, created_at) VALUES (?, ?, ?, ?, ?)",
            (p, f"dev{p}", f"Developer {p}", f"dev{p}@agency.example", created),
        )
        for skill in rng.sample(SKILLS, 3):
            conn.execute(
                "INSERT INTO skills (person_id, skill, level) VALUES (?, ?, ?)",
                (p, skill, rng.randint(1, 5)),
            )
    span = (NOW - FIRST).total_seconds()

    def ticket_rows():  # type: ignore[no-untyped-def]
        for t in range(1, TICKETS + 1):
            at = FIRST + timedelta(seconds=int(span * t / (TICKETS + 1)))
            is_old = t < TICKETS - 8_000
            yield (
                t,
                t % CUSTOMERS + 1,
                f"request {t}",
                "urgent" if t % 40 == 0 else "normal",
                "closed" if is_old else ("open", "new", "waiting")[t % 3],
                levels[(t % CUSTOMERS + 1) % 3],
                _t(at),
                _t(at),
                _t(at + timedelta(hours=2)),
                _t(at + timedelta(hours=8)),
                _t(at + timedelta(days=14)),
                _t(at + timedelta(days=2)) if not is_old and t % 3 == 2 else None,
            )

    conn.executemany(
        "INSERT INTO tickets (id, customer_id, subject, urgency, status, level, created_at, updated_at,"
        " first_response_at, due_response_at, due_resolution_at, waiting_since)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ticket_rows(),
    )
    conn.execute(
        "INSERT INTO messages (ticket_id, direction, message_id, body_hash, arrived_at, subject, raw)"
        " SELECT id, 'in', '<' || id || '@c>', 'h' || id, created_at, subject, x'00' FROM tickets"
    )
    conn.execute(
        "INSERT INTO messages (ticket_id, direction, message_id, body_hash, arrived_at, subject, raw)"
        " SELECT id, 'out', '<r' || id || '@a>', 'r' || id, first_response_at, subject, x'00' FROM tickets"
    )
    conn.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, data)"
        " SELECT created_at, NULL, 'ticket.created', id, '{}' FROM tickets"
    )

    def delegation_rows():  # type: ignore[no-untyped-def]
        for d in range(1, DELEGATIONS + 1):
            # spread over the tickets; the newest OPEN are still open
            ticket = max(1, int(TICKETS * d / (DELEGATIONS + 1)))
            is_open = d > DELEGATIONS - OPEN
            if is_open:
                ticket = TICKETS - 8_000 + (d - (DELEGATIONS - OPEN)) * 8_000 // (OPEN + 1)
            at = FIRST + timedelta(seconds=int(span * ticket / (TICKETS + 1)) + 3600)
            yield (
                d,
                ticket,
                f"task {d}",
                rng.choice(SKILLS),
                rng.randint(1, PEOPLE),
                rng.randint(1, PEOPLE),
                rng.choice((None, 30, 45, 90)),
                "dev — dns:5, 2 open tasks, last delegated 6 days ago",
                "open" if is_open else "done",
                _t(at),
                None if is_open else _t(at + timedelta(days=3)),
            )

    conn.executemany(
        "INSERT INTO delegations (id, ticket_id, task, skill, to_person_id, by_person_id,"
        " estimate_minutes, reason, status, created_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        delegation_rows(),
    )
    conn.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, subject_ref, data)"
        " SELECT created_at, 'dev1', 'delegation.created', ticket_id, 'task:' || id, '{}' FROM delegations"
    )
    conn.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, data)"
        " SELECT created_at, 'dev2', 'ticket.note', ticket_id, '{}' FROM delegations WHERE id % 3 = 0"
    )

    def time_rows():  # type: ignore[no-untyped-def]
        for n in range(1, TIME_ENTRIES + 1):
            ticket = rng.randint(1, TICKETS)
            start = FIRST + timedelta(
                seconds=int(span * ticket / (TICKETS + 1)) + rng.randint(0, 20) * 86400
            )
            start = start.replace(second=0)
            minutes = rng.randint(5, 90)
            yield (
                n,
                f"u{n}",
                rng.randint(1, PEOPLE),
                ticket,
                ticket % CUSTOMERS + 1,
                _t(start),
                _t(start + timedelta(minutes=minutes)),
                minutes,
                "work",
                _t(start),
            )

    conn.executemany(
        "INSERT INTO time_entries (id, uuid, person_id, ticket_id, customer_id, start_at, end_at,"
        " minutes, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        time_rows(),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="Build the database here and keep it.")
    args = parser.parse_args()
    compile_sources()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-delegated-"))
    base.mkdir(parents=True, exist_ok=True)
    env = {
        "SUPPORTCTL_DB": str(base / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(base / "config.toml"),
        "SUPPORTCTL_NOW": _t(NOW),
        "NO_COLOR": "1",
    }
    supportctl = tool("supportctl")
    if not (base / "supportctl.db").exists():
        subprocess.run(
            [supportctl, "init", "--user", "dev1"],
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"filling {base / 'supportctl.db'} ...", flush=True)
        fill(base / "supportctl.db")
    # one untimed run fills the holiday cache, as the first command of a day would
    subprocess.run(
        [supportctl, "delegated"],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    watson = Watson()
    commands = {
        "watson add": (watson.argv, watson.env),
        "supportctl delegated": ([supportctl, "delegated"], env),
        "supportctl delegated --mine": ([supportctl, "delegated", "--mine"], env),
        "supportctl delegated --json": ([supportctl, "delegated", "--json"], env),
        "supportctl team list (context)": ([supportctl, "team", "list"], env),
    }
    medians = interleaved(commands, runs=args.runs)
    reference = medians["watson add"]
    print(
        f"{TICKETS:,} tickets, {DELEGATIONS:,} delegations ({OPEN:,} open);"
        f" median of {args.runs} interleaved runs"
    )
    print_table(list(medians.items()), reference)
    ratio = medians["supportctl delegated"] / reference
    verdict = "met" if ratio <= 1.2 else "NOT met"
    print(f"target: supportctl delegated <= 1.2 x watson add: {ratio:.2f} ({verdict})")


def interleaved(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, float]:
    """Median wall time per command, taking turns each round.

    The machine is shared: running each command's rounds back to back lets a burst of
    load land on one of them only. Taking turns spreads it over all of them.
    """
    import statistics
    import time

    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 2):
        for name, (argv, extra) in commands.items():
            start = time.perf_counter()
            done = subprocess.run(
                argv,
                env={**os.environ, **extra},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
            if round_ >= 2:  # two warm-up rounds
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


if __name__ == "__main__":
    main()
