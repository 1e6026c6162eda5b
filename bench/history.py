"""History does not slow a command that does not show it: the commands that used to read
the whole history, on a desk of 100,000 tickets, 1,000,000 messages (raw mail kept)
and 1,000,000 time entries against the same commands on a desk of 100 tickets, 1,000
messages and 1,000 time entries, same run.

    .venv/bin/python bench/history.py [--runs 10] [--cold-runs 3] [--keep /work/benchdesk]

`search lomake --customer` runs for a busy customer (c07: 50 hits on the large desk,
none on the small), for EQUAL_CUSTOMER (the same tickets on both desks: its ratio is the
cost of the history alone) and for a customer without tickets.

`report`, `log list --month` and `invoice` run twice: of MONTH, a busy month on the large desk, and of EQUAL_MONTH, a
month before both histories that the bench gives the same tickets, messages and time
entries on both desks (`add_equal_month`): its ratio is the cost of the history alone.

Warm: the commands run round-robin, both desks in turn, `runs` times; medians.
Cold (needs root): the page cache is dropped (`echo 3 > /proc/sys/vm/drop_caches`)
before every run. Targets (issue 16): large <= 1.10x small warm, <= 1.5x cold;
`search WORD --customer X` cold <= 0.5 s on the large desk; `inbox --no-fetch --all
--json` on the large desk <= 1.5 s and <= 150 MB peak RSS. Output goes to a pipe.

The desks are built with bench/inbox.py's builder (tickets, messages with raw mail,
events; FTS kept by the triggers) plus time entries with one history event each, as
`log` writes them. `--keep DIR` builds them there once and reuses them.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import compile_sources, tool
from inbox import MESSAGES_PER_TICKET, SENTENCES, fill, raw_mail, setup, workspace_env

TICKETS = 100_000
OPEN = 20_000
ENTRIES = 1_000_000
SMALL_TICKETS = 100
SMALL_OPEN = 60
SMALL_ENTRIES = 1_000
CUSTOMERS = 30
PEOPLE = 8
MONTH = "2026-10"
# A month before either desk's history, given the same tickets, messages and time entries
# on both (`add_equal_month`): `report` of it measures the history alone. MONTH above
# is a busy month on the large desk (1,701 tickets, 16,000 entries against 2 and 17):
# its ratio also counts the month's own size.
EQUAL_MONTH = "2019-06"
EQUAL_TICKETS = 3
EQUAL_ENTRIES = 20
# A customer with the same tickets on both desks, each mentioning the searched word:
# `search lomake --customer equal` shows the same rows on both, so its ratio is the cost
# of the other customers' matches alone. `--customer c07` finds 50 tickets on the large
# desk and none on the small: its ratio also counts printing 50 rows with snippets.
EQUAL_CUSTOMER = "equal"
EQUAL_CUSTOMER_TICKETS = 5
WORDS = ("updated", "plugins", "fixed", "contact", "form", "DNS", "backup", "theme")


def fill_time(db_path: Path, entries: int) -> None:
    """Time entries on the desk's tickets, per person never overlapping, with the
    `time.logged` event each one has; the last ones end before the bench's NOW."""
    rng = random.Random(6)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    people = [r[0] for r in conn.execute("SELECT id FROM people ORDER BY id")]
    tickets = conn.execute("SELECT id, customer_id FROM tickets ORDER BY id").fetchall()
    last = datetime(2026, 11, 20, tzinfo=UTC)
    first = last - timedelta(days=5 * 365)
    per_person = entries // len(people)
    step = (last - first).total_seconds() / per_person

    def text(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def rows():  # type: ignore[no-untyped-def]
        n = 0
        for person in people:
            for i in range(per_person):
                start = (first + timedelta(seconds=int(i * step))).replace(second=0)
                minutes = rng.randint(5, max(5, min(90, int(step // 60) - 1)))
                ticket, customer = tickets[rng.randrange(len(tickets))]
                n += 1
                yield (
                    n,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    person,
                    ticket,
                    customer,
                    text(start),
                    text(start + timedelta(minutes=minutes)),
                    minutes,
                    f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
                    "messaging" if n % 7 == 0 else "work",
                    text(start),
                )

    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO time_entries (id, uuid, person_id, ticket_id, customer_id, start_at, "
        "end_at, minutes, description, kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    conn.execute(
        "INSERT INTO events (at, actor, kind, ticket_id, customer_id, subject_ref, data) "
        "SELECT created_at, 'dev', 'time.logged', ticket_id, customer_id, 'time:' || id, "
        "json_object('entry', id, 'minutes', minutes) FROM time_entries"
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def build(directory: Path, tickets: int, open_tickets: int, entries: int) -> None:
    if (directory / "supportctl.db").exists():
        return
    started = time.perf_counter()
    setup(directory, customers=CUSTOMERS, people=PEOPLE)
    env = workspace_env(directory)
    fill(directory / "supportctl.db", tickets, open_tickets, customers=CUSTOMERS, people=PEOPLE)
    fill_time(directory / "supportctl.db", entries)
    # A customer without a single ticket: a search limited to it finds nothing.
    subprocess.run(
        [tool("supportctl"), "customer", "add", "silent", "--name", "Silent Oy", "--plan", "adhoc"],
        check=True,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    print(
        f"built {tickets:,} tickets, {entries:,} time entries in "
        f"{time.perf_counter() - started:.0f} s: {directory}",
        flush=True,
    )


def add_equal_month(db_path: Path) -> None:
    """The same content in EQUAL_MONTH on a desk, once: EQUAL_TICKETS closed tickets
    with their messages and events, EQUAL_ENTRIES time entries on them with their
    `time.logged` events. Customers and people are found by slug and handle (both
    desks have the same ones); ids come from the desk."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        if conn.execute(
            "SELECT 1 FROM tickets WHERE requester LIKE '%@equal.example' LIMIT 1"
        ).fetchone():
            return
        rng = random.Random(21)
        customers = dict(conn.execute("SELECT slug, id FROM customers"))
        levels = dict(conn.execute("SELECT id, level FROM customers"))
        people = dict(conn.execute("SELECT handle, id FROM people"))
        start = datetime.fromisoformat(f"{EQUAL_MONTH}-03T07:00:00+00:00")

        def text(moment: datetime) -> str:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

        conn.execute("BEGIN")
        tickets = []
        for n in range(EQUAL_TICKETS):
            created = start + timedelta(days=5 * n, hours=n)
            customer = customers[f"c{n + 1:02d}"]
            requester = f"user{n}@equal.example"
            subject = f"Equal month ticket {n}"
            cursor = conn.execute(
                "INSERT INTO tickets (customer_id, requester, subject, kind, urgency, status, "
                "owner_id, level, hours, created_at, updated_at, first_response_at, "
                "resolved_at, closed_at, due_response_at, due_resolution_at) "
                "VALUES (?, ?, ?, ?, 'normal', 'closed', ?, ?, 'business', ?, ?, ?, ?, ?, ?, ?)",
                (
                    customer, requester, subject, "incident" if n % 2 else "request",
                    people[f"dev{n % PEOPLE}"], levels[customer], text(created),
                    text(created), text(created + timedelta(hours=1 + n)),
                    text(created + timedelta(days=2)), text(created + timedelta(days=3)),
                    text(created + timedelta(days=1)), text(created + timedelta(days=28)),
                ),
            )  # fmt: skip
            tid = int(cursor.lastrowid or 0)
            tickets.append((tid, customer))
            conn.executemany(
                "INSERT INTO events (at, kind, ticket_id, data) VALUES (?, ?, ?, ?)",
                [
                    (text(created), "ticket.created", tid, '{"why": "bench"}'),
                    (text(created), "ticket.assigned", tid, '{"owner": "dev"}'),
                ],
            )
            for k in range(MESSAGES_PER_TICKET):
                arrived = created + timedelta(minutes=7 * k)
                body = " ".join(rng.choice(SENTENCES) for _ in range(3))
                message_subject = subject if k == 0 else f"Re: {subject}"
                key = f"equal-{n}-{k}"
                raw = raw_mail(1000 + n * 100 + k, requester, message_subject, arrived, body)
                conn.execute(
                    "INSERT INTO messages (ticket_id, direction, message_id, body_hash, "
                    "from_addr, date, arrived_at, subject, text_body, size, raw) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        tid, "in" if k % 2 == 0 else "out", f"<{key}@bench.example>", key,
                        requester, text(arrived), text(arrived), message_subject, body,
                        len(raw), raw,
                    ),
                )  # fmt: skip
        for n in range(EQUAL_ENTRIES):
            begin = start + timedelta(days=n, hours=2)
            minutes = 15 + 5 * (n % 7)
            tid, customer = tickets[n % len(tickets)]
            cursor = conn.execute(
                "INSERT INTO time_entries (uuid, person_id, ticket_id, customer_id, start_at, "
                "end_at, minutes, description, kind, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    people[f"dev{n % PEOPLE}"], tid, customer, text(begin),
                    text(begin + timedelta(minutes=minutes)), minutes,
                    f"{WORDS[n % len(WORDS)]} equal", "messaging" if n % 7 == 0 else "work",
                    text(begin),
                ),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO events (at, actor, kind, ticket_id, customer_id, subject_ref, data) "
                "VALUES (?, 'dev', 'time.logged', ?, ?, ?, json_object('entry', ?, 'minutes', ?))",
                (text(begin), tid, customer, f"time:{cursor.lastrowid}", cursor.lastrowid, minutes),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def add_equal_customer(directory: Path) -> None:
    """EQUAL_CUSTOMER with EQUAL_CUSTOMER_TICKETS tickets of three messages each, the
    same on both desks, once; the messages name the form (`lomake`) the bench searches."""
    db_path = directory / "supportctl.db"
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        if conn.execute("SELECT 1 FROM customers WHERE slug = ?", (EQUAL_CUSTOMER,)).fetchone():
            return
    finally:
        conn.close()
    subprocess.run(
        [
            tool("supportctl"),
            "customer",
            "add",
            EQUAL_CUSTOMER,
            "--name",
            "Equal Oy",
            "--plan",
            "adhoc",
        ],
        check=True,
        env={**os.environ, **workspace_env(directory)},
        stdout=subprocess.DEVNULL,
    )
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        customer, level = conn.execute(
            "SELECT id, level FROM customers WHERE slug = ?", (EQUAL_CUSTOMER,)
        ).fetchone()
        start = datetime(2019, 5, 6, 7, tzinfo=UTC)
        conn.execute("BEGIN")
        for n in range(EQUAL_CUSTOMER_TICKETS):
            created = start + timedelta(days=3 * n)
            requester = f"asiakas{n}@equal-customer.example"
            subject = f"Lomake {n} ei toimi"
            stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
            cursor = conn.execute(
                "INSERT INTO tickets (customer_id, requester, subject, kind, urgency, status, "
                "level, hours, created_at, updated_at, resolved_at, closed_at) "
                "VALUES (?, ?, ?, 'incident', 'normal', 'closed', ?, 'business', ?, ?, ?, ?)",
                (customer, requester, subject, level, stamp, stamp, stamp, stamp),
            )
            tid = int(cursor.lastrowid or 0)
            for k in range(3):
                arrived = created + timedelta(minutes=11 * k)
                body = f"{SENTENCES[0]} {SENTENCES[k + 1]}"
                key = f"equal-customer-{n}-{k}"
                raw = raw_mail(2000 + n * 10 + k, requester, subject, arrived, body)
                moment = arrived.strftime("%Y-%m-%dT%H:%M:%SZ")
                conn.execute(
                    "INSERT INTO messages (ticket_id, direction, message_id, body_hash, "
                    "from_addr, date, arrived_at, subject, text_body, size, raw) "
                    "VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        tid, f"<{key}@bench.example>", key, requester, moment, moment,
                        subject, body, len(raw), raw,
                    ),
                )  # fmt: skip
        conn.execute("COMMIT")
    finally:
        conn.close()


def commands(exe: str, out: str) -> dict[str, list[str]]:
    """Name -> argv; a name is the command line, plus a remark in brackets."""
    lines = [
        f"search lomake --customer {EQUAL_CUSTOMER}",
        "search lomake --customer c07",
        "search lomake --customer silent",
        "log list --person dev3",
        f"report {MONTH}",
        f"report {EQUAL_MONTH} (equal month)",
        f"log list --month {MONTH} --json",
        f"log list --month {EQUAL_MONTH} --json (equal month)",
        "inbox --no-fetch --all --json",
        f"invoice {MONTH} -f csv",
        f"invoice {EQUAL_MONTH} -f csv (equal month)",
    ]
    jobs = {}
    for line in lines:
        argv = [exe, *line.split(" (")[0].split()]
        if argv[1] == "invoice":
            argv += ["--out", out]
        jobs[line] = argv
    return jobs


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of the child, the
    last two from wait4. On a shared, busy machine CPU time is the steadier figure."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    while proc.stdout.read(1 << 16):
        pass
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode})")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the desks here")
    parser.add_argument("--only", help="run only the commands whose name contains this")
    parser.add_argument("--build-only", action="store_true", help="build the desks and stop")
    args = parser.parse_args()
    compile_sources()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-history-"))
    big, small = base / "big", base / "small"
    build(big, TICKETS, OPEN, ENTRIES)
    build(small, SMALL_TICKETS, SMALL_OPEN, SMALL_ENTRIES)
    if args.build_only:
        return
    envs = {"large": workspace_env(big), "small": workspace_env(small)}
    exe = tool("supportctl")
    jobs = {
        k: v
        for k, v in commands(exe, tempfile.mkdtemp(prefix="bench-invoices-")).items()
        if not args.only or args.only in k
    }
    for env in envs.values():  # migrate both desks before anything is timed
        subprocess.run(
            [exe, "team", "list"], env={**os.environ, **env}, check=True, capture_output=True
        )
    for directory in (big, small):  # then the same month and customer on both
        add_equal_month(directory / "supportctl.db")
        add_equal_customer(directory)
    warm: dict[tuple[str, str], list[float]] = {}
    rss: dict[tuple[str, str], float] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for round_ in range(2 + args.runs):
        for name, argv in jobs.items():
            for desk, env in envs.items():
                elapsed, peak, used = timed(argv, env)
                if round_ >= 2:
                    warm.setdefault((name, desk), []).append(elapsed)
                    cpu.setdefault((name, desk), []).append(used)
                    rss[(name, desk)] = max(rss.get((name, desk), 0.0), peak)
    cold: dict[tuple[str, str], list[float]] = {}
    can_drop = os.geteuid() == 0 and args.cold_runs > 0
    if can_drop:
        for _round in range(args.cold_runs):
            for name, argv in jobs.items():
                for desk, env in envs.items():
                    drop_caches()
                    cold.setdefault((name, desk), []).append(timed(argv, env)[0])
    size = (big / "supportctl.db").stat().st_size / 1e6
    print(
        f"large desk {size:,.0f} MB; warm: median of {args.runs}, cold: median of {args.cold_runs}"
    )
    print(
        f"{'command':46} {'small ms':>9} {'large ms':>9} {'warm x':>7} "
        f"{'cold small':>10} {'cold large':>10} {'cold x':>7} {'RSS MB':>7} "
        f"{'cpu small':>9} {'cpu large':>9} {'cpu x':>6}"
    )
    for name in jobs:
        s = statistics.median(warm[(name, "small")])
        big_ = statistics.median(warm[(name, "large")])
        line = f"{name:46} {s * 1000:9.0f} {big_ * 1000:9.0f} {big_ / s:7.2f}"
        if can_drop:
            cs = statistics.median(cold[(name, "small")])
            cl = statistics.median(cold[(name, "large")])
            line += f" {cs * 1000:10.0f} {cl * 1000:10.0f} {cl / cs:7.2f}"
        else:
            line += f" {'-':>10} {'-':>10} {'-':>7}"
        line += f" {rss[(name, 'large')]:7.0f}"
        cs_, cl_ = (statistics.median(cpu[(name, d)]) for d in ("small", "large"))
        line += f" {cs_ * 1000:9.0f} {cl_ * 1000:9.0f} {cl_ / cs_:6.2f}"
        print(line)
    if not can_drop:
        print("cold runs skipped (--cold-runs 0, or dropping the page cache needs root)")
    print("targets: warm x <= 1.10, cold x <= 1.50; search --customer cold large <= 500 ms;")
    print("inbox --no-fetch --all --json large <= 1500 ms and <= 150 MB")


if __name__ == "__main__":
    main()
