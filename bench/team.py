"""Team mode over a slow network: round trips and times per command on PostgreSQL.

A private PostgreSQL cluster (tests/pgcluster.py) is reached through a small TCP proxy
on loopback that delays each direction by `--delay-ms` (10 ms: a 20 ms round trip, an
office VPN) and counts round trips: a round trip is the server answering after the
client last spoke (connection set-up, authentication and every batch of queries the
client waits for). The cluster offers no TLS, so the URL says `sslmode=disable`:
connecting costs 3 round trips (startup, two SCRAM steps), shown apart from the
command's own ("3 + 2"); libpq's default `sslmode=prefer` would add 1 for the SSL
request the server declines, and a TLS 1.3 handshake 1 more. Each command runs as its
own process; the table shows its round trips, its median time through the proxy and
that time over `psql -c 'select 1'` through the same proxy (same URL). `--people 8
--seconds 60` then runs 8 simulated people with a mixed workload through the proxy and
prints errors, lost writes and p50/p95 per command.

    .venv/bin/python bench/team.py [--runs 10] [--delay-ms 10] [--people 8 --seconds 60]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import compile_sources
from tests.pgcluster import Cluster
from tests.pgproxy import Proxy

NOW = "2026-10-14T08:30:00Z"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    return elapsed, done.returncode


def measure(
    proxy: Proxy, argv: list[str], env: dict[str, str], runs: int
) -> tuple[tuple[int, int], float]:
    """((round trips connecting, after that) of one run, median seconds)."""
    run(argv, env)  # warm-up
    proxy.reset()
    run(argv, env)
    trips = (proxy.connect_trips, proxy.own_trips)
    samples = [run(argv, env)[0] for _ in range(runs)]
    return trips, statistics.median(samples)


def supportctl(*args: str) -> list[str]:
    return [sys.executable, "-m", "supportctl", *args]


def setup_desk(url: str, env: dict[str, str]) -> None:
    def ok(*args: str) -> None:
        done = subprocess.run(supportctl(*args), env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{args} failed: {done.stderr}")

    ok("init", "--user", "alice")
    for handle in ("alice", "bob", *(f"dev{i}" for i in range(8))):
        ok("team", "add", handle, "--name", handle.title(), "--email", f"{handle}@agency.example")
    ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance")
    for i in range(30):
        ok("ticket", "new", f"Lomake {i} ei toimi", "--customer", "acme", "--from", "m@acme.fi")
    ok("delegate", "1", "check DNS", "--to", "bob")
    ok("delegate", "2", "check mail", "--to", "bob")
    ok("log", "1", "25m", "first look")


def workload(
    env: dict[str, str], person: str, seconds: float, out: list[tuple[str, float, int]]
) -> None:
    rng = random.Random(person)
    mix = [
        (
            "log",
            lambda: supportctl("log", str(rng.randint(1, 30)), "5m", "work", "--allow-overlap"),
        ),
        ("note", lambda: supportctl("ticket", "note", str(rng.randint(1, 30)), "checked")),
        (
            "status",
            lambda: supportctl(
                "ticket", "status", str(rng.randint(1, 30)), rng.choice(["open", "waiting"])
            ),
        ),
        ("inbox", lambda: supportctl("inbox", "--no-fetch")),
        ("show", lambda: supportctl("ticket", "show", str(rng.randint(1, 30)))),
        ("search", lambda: supportctl("search", "lomake")),
    ]
    me = dict(env, SUPPORTCTL_USER=person)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        name, argv = rng.choice(mix)
        start = time.perf_counter()
        done = subprocess.run(argv(), env=me, capture_output=True, text=True)
        code = done.returncode
        if code == 2 and "changed meanwhile" in done.stderr:
            code = 0  # a correct optimistic refusal, not an error
        out.append((name, time.perf_counter() - start, code))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--people", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    compile_sources()
    load_start = os.getloadavg()[0]
    cluster = Cluster().start()
    try:
        os.environ["PGPASSFILE"] = str(cluster.passfile)
        direct = cluster.createdb("bench_team") + "?sslmode=disable"  # no TLS offered
        proxy = Proxy(cluster.port, args.delay_ms / 1000)
        via = direct.replace(f":{cluster.port}/", f":{proxy.port}/")  # sslmode too
        with cluster.passfile.open("a") as fh:
            fh.write(f"127.0.0.1:{proxy.port}:*:{cluster.user}:{cluster.password}\n")
        work = Path(cluster.base) / "work"
        work.mkdir()
        env = {
            **os.environ,
            "SUPPORTCTL_DB": direct,
            "SUPPORTCTL_CONFIG": str(work / "config.toml"),
            "SUPPORTCTL_NOW": NOW,
            "SUPPORTCTL_USER": "bob",
            "NO_COLOR": "1",
        }
        setup_desk(direct, env)
        env["SUPPORTCTL_DB"] = via
        psql = [str(cluster.bin / "psql"), via, "-XAtqc", "select 1"]
        base_trips, base = measure(proxy, psql, env, args.runs)
        rows = [["psql -c 'select 1'", shown(base_trips), f"{base * 1000:.0f} ms", "1.00", ""]]
        commands = [
            ("log 3 25m", supportctl("log", "3", "25m", "Updated plugins", "--allow-overlap"), 5),
            ("log start", None, 5),
            ("log stop --discard", None, 5),
            ("log stop, logging", None, 5),
            ("ticket note", supportctl("ticket", "note", "4", "checked the logs"), 5),
            ("ticket status", None, 5),
            ("delegate done", None, 5),
            ("inbox --no-fetch", supportctl("inbox", "--no-fetch"), 6),
            ("ticket show", supportctl("ticket", "show", "1"), 6),
            ("delegated", supportctl("delegated"), 6),
            ("search", supportctl("search", "lomake"), 6),
            ("log list --month", supportctl("log", "list", "--month", "2026-10"), 6),
        ]
        for name, argv, limit in commands:
            if argv is None:  # commands whose repeat needs a changing argument
                trips, seconds = measure_stateful(proxy, name, env, args.runs)
            else:
                trips, seconds = measure(proxy, argv, env, args.runs)
            ratio = seconds / base
            verdict = "ok" if sum(trips) <= limit and ratio <= 2.5 else "OVER"
            rows.append(
                [
                    name,
                    f"{shown(trips)} (≤ {limit})",
                    f"{seconds * 1000:.0f} ms",
                    f"{ratio:.2f}",
                    verdict,
                ]
            )
        print(
            f"PostgreSQL through a {args.delay_ms:.0f} ms-each-way proxy, median of {args.runs}, "
            f"sslmode=disable; load average {load_start:.2f} at the start, "
            f"{os.getloadavg()[0]:.2f} at the end"
        )
        print_table(["command", "round trips: connect + own", "time", "× psql", ""], rows)
        if args.people:
            results: list[tuple[str, float, int]] = []
            before = count_rows(direct)
            threads = [
                threading.Thread(target=workload, args=(env, f"dev{i}", args.seconds, results))
                for i in range(args.people)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            after = count_rows(direct)
            errors = sum(1 for _n, _s, code in results if code != 0)
            logs = sum(1 for n, _s, code in results if n == "log" and code == 0)
            notes = sum(1 for n, _s, code in results if n == "note" and code == 0)
            lost = (logs - (after[0] - before[0])) + (notes - (after[1] - before[1]))
            print(
                f"\n{args.people} people, {args.seconds:.0f} s: {len(results)} commands, "
                f"{errors} errors, {lost} lost writes; load average "
                f"{os.getloadavg()[0]:.2f} at the end"
            )
            table = []
            for name in ("log", "note", "status", "inbox", "show", "search"):
                times = sorted(s for n, s, _c in results if n == name)
                if times:
                    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                    table.append(
                        [
                            name,
                            str(len(times)),
                            f"{statistics.median(times) * 1000:.0f} ms",
                            f"{p95 * 1000:.0f} ms",
                        ]
                    )
            print_table(["command", "runs", "p50", "p95"], table)
    finally:
        cluster.stop()


def count_rows(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url) as pg:
        logs = pg.execute("SELECT count(*) FROM time_entries").fetchone()[0]  # type: ignore[index]
        notes = pg.execute("SELECT count(*) FROM events WHERE kind = 'ticket.note'").fetchone()[0]  # type: ignore[index]
    return int(logs), int(notes)


def shown(trips: tuple[int, int]) -> str:
    return f"{trips[0]} + {trips[1]} = {sum(trips)}"


def measure_stateful(
    proxy: Proxy, name: str, env: dict[str, str], runs: int
) -> tuple[tuple[int, int], float]:
    """Round trips and median time of commands that change what the next run may do."""
    samples: list[float] = []
    trips = (0, 0)
    for i in range(runs + 1):
        run_env = env
        if name == "log start":
            argv = supportctl("log", "start", "5", f"timer {i}")
            after = supportctl("log", "stop", "--discard")
        elif name == "log stop --discard":
            run(supportctl("log", "start", "5", f"timer {i}"), env)
            argv = supportctl("log", "stop", "--discard")
            after = None
        elif name == "log stop, logging":
            # each timer runs 30 minutes, later than the last one: the overlap check
            # runs and finds nothing
            start = datetime.fromisoformat(NOW) + timedelta(hours=1 + i)
            run(
                supportctl("log", "start", "5", f"timer {i}"),
                dict(env, SUPPORTCTL_NOW=start.isoformat()),
            )
            argv = supportctl("log", "stop")
            run_env = dict(env, SUPPORTCTL_NOW=(start + timedelta(minutes=30)).isoformat())
            after = None
        elif name == "ticket status":
            argv = supportctl("ticket", "status", "6", "waiting" if i % 2 else "open")
            after = None
        else:  # delegate done
            run(supportctl("delegate", "7", f"task {i}", "--to", "bob"), env)
            task = max_delegation(env["SUPPORTCTL_DB"])
            argv = supportctl("delegate", "done", str(task))
            after = None
        proxy.reset()
        seconds, _code = run(argv, run_env)
        if i:  # the most any run took (`ticket status` alternates waiting and open)
            trips = max(trips, (proxy.connect_trips, proxy.own_trips))
        if i:
            samples.append(seconds)
        if after is not None:
            run(after, env)
    return trips, statistics.median(samples)


def max_delegation(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as pg:
        return int(pg.execute("SELECT max(id) FROM delegations").fetchone()[0])  # type: ignore[index]


if __name__ == "__main__":
    main()
