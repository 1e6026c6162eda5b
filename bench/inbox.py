"""Queue, ticket view and search at scale: `inbox --no-fetch`, `ticket show`, `search`
on a database of 100,000 tickets (20,000 open) and 1,000,000 messages, against
`watson add` and against the same commands on a nearly empty database, same run.

Targets (issue 4): each command <= 1.2x `watson add`, and within 10 % of itself on the
empty database (cost must not grow with history). The "empty" database holds 100
tickets (60 open, 1,000 messages) so that every command prints the same shape of output
(a full first page of the queue, search hits) and only the history differs.

    .venv/bin/python bench/inbox.py [--runs 10] [--keep DIR]

The big database is built with direct SQL inserts (the FTS triggers still index every
message); every message keeps its raw mail (headers, a text and an HTML part, about
1 KB) in the row as `fetch` stores it, so reading a message row costs what it costs on a
real desk. `--keep DIR` builds it there once and reuses it on later runs.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Watson, compile_sources, interleaved, print_table, tool

NOW = "2026-11-25T10:00:00Z"  # Wednesday 12:00 in Helsinki
TICKETS = 100_000
OPEN = 20_000
SMALL_TICKETS = 100  # the "empty" database: no history, but a full first page
SMALL_OPEN = 60
MESSAGES_PER_TICKET = 10
LEVELS = ("light", "standard", "premium")
SUBJECTS = (
    "Lomake ei toimi",
    "Sivusto alhaalla",
    "Uusi käyttäjätunnus",
    "Bannerin vaihto etusivulle",
    "Laskutuskysymys",
    "Výpadek e-shopu",
    "Formulář nefunguje",
    "Změna otevírací doby",
    "Nový uživatel do administrace",
    "Certifikát vyprší",
    "Checkout broken on mobile",
    "Please update the privacy policy",
    "New staff accounts",
    "Newsletter signup error",
    "DNS change for the new domain",
)
SENTENCES = (
    "Hei, yhteydenottolomake antaa virheen kun painaa lähetä.",
    "Voisitteko katsoa asiaa mahdollisimman pian, kiitos.",
    "Etusivun kuva pitäisi vaihtaa uuteen kampanjakuvaan.",
    "Asiakkaat eivät pääse kirjautumaan verkkokauppaan.",
    "Kiitos nopeasta vastauksesta, nyt toimii taas.",
    "Dobrý den, e-shop je od rána nedostupný.",
    "Prosím o změnu textu v patičce webu.",
    "Děkujeme za rychlou opravu, vše funguje.",
    "Formulář na kontaktní stránce hlásí chybu.",
    "Hi, the checkout page shows an error on small screens.",
    "Could you add two new editor accounts for next month?",
    "Thanks, that fixed it.",
    "The newsletter signup form returns a 500 error.",
    "Please renew the certificate before it expires.",
    "We moved the domain; the DNS records need an update.",
)


def workspace_env(directory: Path) -> dict[str, str]:
    return {
        "SUPPORTCTL_DB": str(directory / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(directory / "config.toml"),
        "SUPPORTCTL_NOW": NOW,
        "NO_COLOR": "1",
        "COLUMNS": "160",
    }


def run(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(argv, check=True, env={**os.environ, **env}, stdout=subprocess.DEVNULL)


def setup(directory: Path, customers: int, people: int) -> dict[str, str]:
    """A workspace with customers, a team and a rota, through the real commands."""
    directory.mkdir(parents=True, exist_ok=True)
    env = workspace_env(directory)
    exe = tool("supportctl")
    run([exe, "init", "--user", "dev0"], env)
    for i in range(customers):
        run(
            [
                exe,
                "customer",
                "add",
                f"c{i:02d}",
                "--name",
                f"Customer {i}",
                "--plan",
                "adhoc",
                "--level",
                LEVELS[i % 3],
                "--rate",
                "75",
            ],
            env,
        )
    handles = [f"dev{i}" for i in range(people)]
    for handle in handles:
        run(
            [exe, "team", "add", handle, "--name", handle, "--email", f"{handle}@agency.example"],
            env,
        )
    run([exe, "rota", "set", *handles, "--start", "2026-W01"], env)
    return env


def fill(db_path: Path, tickets: int, open_tickets: int, customers: int, people: int) -> None:
    """Tickets, messages and history rows inserted directly (triggers keep FTS current)."""
    rng = random.Random(4)
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    first = now - timedelta(days=5 * 365)
    span = (now - timedelta(hours=2) - first).total_seconds()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    person_ids = [r[0] for r in conn.execute("SELECT id FROM people ORDER BY id")]
    levels = dict(conn.execute("SELECT id, level FROM customers"))
    customer_ids = sorted(levels)

    def text(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    ticket_rows = []
    message_rows = []
    event_rows = []
    closed_until = tickets - open_tickets
    for tid in range(1, tickets + 1):
        created = first + timedelta(seconds=span * tid / tickets)
        customer = customer_ids[tid % len(customer_ids)]
        if tid > closed_until:
            status = ("new", "open", "waiting", "open")[tid % 4]
            resolved = closed = None
        elif tid > closed_until - 200:
            status, resolved, closed = "resolved", text(now - timedelta(days=2)), None
        else:
            status = "closed"
            resolved = closed = text(created + timedelta(days=3))
        subject = rng.choice(SUBJECTS)
        ticket_rows.append(
            (
                tid,
                customer,
                f"user{tid % 997}@c{customer}.example",
                subject,
                "incident" if tid % 3 == 0 else "request",
                "urgent" if tid % 20 == 0 else "normal",
                status,
                person_ids[tid % len(person_ids)],
                levels[customer],
                "business",
                text(created),
                text(created),
                text(created + timedelta(hours=1)) if status != "new" else None,
                resolved,
                closed,
                text(created + timedelta(days=1)),
                text(created + timedelta(days=28)),
                text(now - timedelta(hours=1)) if status == "waiting" else None,
            )
        )
        event_rows.append((text(created), "ticket.created", tid, '{"why": "bench"}'))
        event_rows.append((text(created), "ticket.assigned", tid, '{"owner": "dev"}'))
        for k in range(MESSAGES_PER_TICKET):
            mid = (tid - 1) * MESSAGES_PER_TICKET + k + 1
            arrived = created + timedelta(minutes=7 * k)
            body = " ".join(rng.choice(SENTENCES) for _ in range(3))
            sender = f"user{tid % 997}@c{customer}.example"
            message_subject = subject if k == 0 else f"Re: {subject}"
            raw = raw_mail(mid, sender, message_subject, arrived, body)
            message_rows.append(
                (
                    mid,
                    tid,
                    "in" if k % 2 == 0 else "out",
                    f"<{mid}@bench.example>",
                    str(mid),
                    sender,
                    text(arrived),
                    text(arrived),
                    message_subject,
                    body,
                    len(raw),
                    raw,
                )
            )
        if len(message_rows) >= 200_000:
            _flush(conn, ticket_rows, message_rows, event_rows)
    _flush(conn, ticket_rows, message_rows, event_rows)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def raw_mail(mid: int, sender: str, subject: str, moment: datetime, body: str) -> bytes:
    """A plausible stored message: relay headers, a DKIM signature, text and HTML parts."""
    stamp = moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    signature = f"{mid:064x}" * 3
    html = "".join(f"<p>{sentence}</p>" for sentence in body.split(". "))
    return (
        f"Return-Path: <{sender}>\r\n"
        f"Received: from mx{mid % 7}.example.net (mx{mid % 7}.example.net [192.0.2.{mid % 250}])\r\n"
        f"\tby mail.agency.example with ESMTPS id {mid:x}; {stamp}\r\n"
        f"Received: from client.example ([198.51.100.{mid % 250}]) by mx{mid % 7}.example.net\r\n"
        f"\twith ESMTPSA id {mid * 7:x}; {stamp}\r\n"
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=s1;\r\n"
        f"\tbh={signature[:44]}=;\r\n\tb={signature}\r\n"
        f"From: <{sender}>\r\nTo: support@agency.example\r\n"
        f"Subject: {subject}\r\nDate: {stamp}\r\nMessage-ID: <{mid}@bench.example>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="b{mid}"\r\n\r\n'
        f'--b{mid}\r\nContent-Type: text/plain; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n\r\n"
        f'--b{mid}\r\nContent-Type: text/html; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: 8bit\r\n\r\n<html><body>{html}</body></html>\r\n"
        f"--b{mid}--\r\n"
    ).encode()


def _flush(conn: sqlite3.Connection, tickets: list, messages: list, events: list) -> None:  # type: ignore[type-arg]
    with conn:
        conn.executemany(
            "INSERT INTO tickets (id, customer_id, requester, subject, kind, urgency, status, owner_id, "
            "level, hours, created_at, updated_at, first_response_at, resolved_at, closed_at, "
            "due_response_at, due_resolution_at, waiting_since) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tickets,
        )
        conn.executemany(
            "INSERT INTO messages (id, ticket_id, direction, message_id, body_hash, from_addr, date, "
            "arrived_at, subject, text_body, size, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            messages,
        )
        conn.executemany(
            "INSERT INTO events (at, kind, ticket_id, data) VALUES (?, ?, ?, ?)", events
        )
    tickets.clear()
    messages.clear()
    events.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the databases here.")
    args = parser.parse_args()
    if args.runs < 10:
        raise SystemExit("use at least 10 runs")
    compile_sources()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    big, empty = base / "big", base / "empty"
    if not (big / "supportctl.db").exists():
        started = time.perf_counter()
        setup(big, customers=30, people=8)
        fill(big / "supportctl.db", TICKETS, OPEN, customers=30, people=8)
        print(
            f"built {TICKETS:,} tickets ({OPEN:,} open), {TICKETS * MESSAGES_PER_TICKET:,} "
            f"messages in {time.perf_counter() - started:.0f} s: {big}"
        )
    if not (empty / "supportctl.db").exists():
        # Nearly empty: enough rows that every command prints the same shape of output
        # (a full first page of the queue, search hits), so only history differs.
        setup(empty, customers=30, people=8)
        fill(empty / "supportctl.db", SMALL_TICKETS, SMALL_OPEN, customers=30, people=8)
    big_env = workspace_env(big)
    empty_env = workspace_env(empty)
    size_mb = (big / "supportctl.db").stat().st_size / 1e6
    exe = tool("supportctl")
    commands = {
        "inbox --no-fetch": ([exe, "inbox", "--no-fetch"], [exe, "inbox", "--no-fetch"]),
        "ticket show": (
            [exe, "ticket", "show", str(TICKETS - 5)],
            [exe, "ticket", "show", str(SMALL_TICKETS - 5)],
        ),
        'search "lomake ei toimi"': (
            [exe, "search", "lomake ei toimi"],
            [exe, "search", "lomake ei toimi"],
        ),
        "search vypadek": ([exe, "search", "vypadek"], [exe, "search", "vypadek"]),
    }
    watson = Watson()
    # Interleaved: every round runs each command once, so a noisy moment on a shared
    # machine hits all of them alike and the ratios stay meaningful.
    jobs: list[tuple[str, list[str], dict[str, str]]] = [("watson add", watson.argv, watson.env)]
    for name, (on_big, on_empty) in commands.items():
        jobs.append((f"{name} (empty db)", on_empty, empty_env))  # 100 tickets
        jobs.append((f"{name} (100k tickets)", on_big, big_env))
    # The floor: a command that opens the same database and prints a short table.
    jobs.append(("team list (floor, 100k db)", [exe, "team", "list"], big_env))
    medians = interleaved(jobs, runs=args.runs)
    rows: list[tuple[str, float]] = [(name, medians[name]) for name, _argv, _env in jobs]
    growth = [
        (name, medians[f"{name} (100k tickets)"], medians[f"{name} (empty db)"])
        for name in commands
    ]
    reference = medians["watson add"]
    print(f"median of {args.runs} runs each, same machine, same run; big db {size_mb:.0f} MB")
    print_table(rows, reference)
    print()
    print("command                      100k/empty   100k/watson   (targets <= 1.10, <= 1.20)")
    for name, large, small in growth:
        print(f"{name.ljust(28)} {large / small:10.2f}   {large / reference:11.2f}")


if __name__ == "__main__":
    main()
