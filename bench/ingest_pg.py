"""Mail-in on PostgreSQL against SQLite: the same Dovecot mailbox into each engine.

    .venv/bin/python bench/ingest_pg.py [--n 10000] [--runs 2] [--port 10253]

Starts a private Dovecot (../shared/bench/dovecot-up.sh) and fills its INBOX with N
generated support mails (../shared/bench/make-mailbox.py); starts a private PostgreSQL
cluster on 127.0.0.1 (tests/pgcluster.py). Then, alternating (SQLite, PostgreSQL,
SQLite, …), `supportctl fetch` into a fresh SQLite file and into a fresh PostgreSQL
database, and reports the median wall time of each, their ratio and the peak RSS of
the `supportctl` process (its own maxrss, read by its parent with wait4/getrusage).
Afterwards both desks are compared: the same number of tickets, messages and
attachments.

Targets (issue 17): PostgreSQL <= 2x SQLite; peak RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import compile_sources, tool
from ingest import fill, measure, ours_workspace, start_dovecot, stop_dovecot
from tests.pgcluster import Cluster

COUNTS = (
    "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages), "
    "(SELECT count(*) FROM attachments), (SELECT coalesce(sum(size), 0) FROM messages)"
)


def sqlite_run(root: Path, port: int) -> tuple[float, float, dict[str, str]]:
    env = ours_workspace(root, port, "sqlite")
    seconds, rss = measure([tool("supportctl"), "fetch"], env)
    return seconds, rss, env


def pg_run(root: Path, port: int, cluster: Cluster, round_: int) -> tuple[float, float, str]:
    url = cluster.createdb(f"bench_ingest_{round_}")
    env = ours_workspace(root, port, "pg", db=url)
    seconds, rss = measure([tool("supportctl"), "fetch"], env)
    return seconds, rss, url


def counts_sqlite(path: str) -> tuple[int, ...]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return tuple(int(v) for v in conn.execute(COUNTS).fetchone())


def counts_pg(url: str) -> tuple[int, ...]:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(COUNTS).fetchone()
        assert row is not None
        return tuple(int(v) for v in row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--port", type=int, default=10253)
    args = parser.parse_args()
    compile_sources()
    root = Path(tempfile.mkdtemp(prefix="bench-ingest-pg-"))
    os.chmod(root, 0o755)
    cluster = Cluster().start()
    os.environ["PGPASSFILE"] = str(cluster.passfile)
    try:
        start_dovecot(root, args.port)
        fill(root, args.n, args.port)
        size_mb = (
            sum(
                p.stat().st_size
                for p in (root / "dovecot" / "mail").rglob("*")
                if p.is_file() and ",S=" in p.name
            )
            / 1e6
        )
        print(
            f"mailbox: {args.n} messages, {size_mb:.0f} MB; {args.runs} runs each, "
            f"alternating; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        lite: list[tuple[float, float]] = []
        pg: list[tuple[float, float]] = []
        lite_env: dict[str, str] = {}
        url = ""
        for round_ in range(args.runs):
            if url:
                cluster.psql(f'DROP DATABASE "{url.rsplit("/", 1)[1]}"')
            seconds, rss, lite_env = sqlite_run(root, args.port)
            lite.append((seconds, rss))
            print(f"  sqlite     {seconds:7.2f} s {rss:6.1f} MB", flush=True)
            seconds, rss, url = pg_run(root, args.port, cluster, round_)
            pg.append((seconds, rss))
            print(f"  postgresql {seconds:7.2f} s {rss:6.1f} MB", flush=True)
        lite_wall = statistics.median(r[0] for r in lite)
        pg_wall = statistics.median(r[0] for r in pg)
        lite_rss = max(r[1] for r in lite)
        pg_rss = max(r[1] for r in pg)
        print(f"{'engine':<12}{'wall s':>9}{'msgs/s':>9}{'peak RSS MB':>13}")
        print(f"{'sqlite':<12}{lite_wall:>9.2f}{args.n / lite_wall:>9.0f}{lite_rss:>13.1f}")
        print(f"{'postgresql':<12}{pg_wall:>9.2f}{args.n / pg_wall:>9.0f}{pg_rss:>13.1f}")
        print(f"postgresql / sqlite = {pg_wall / lite_wall:.2f}  (target <= 2)")
        print(f"peak RSS postgresql = {pg_rss:.1f} MB  (target <= 150)")
        a = counts_sqlite(lite_env["SUPPORTCTL_DB"])
        b = counts_pg(url)
        print(f"tickets, messages, attachments, bytes: sqlite {a}, postgresql {b}")
        if a != b:
            print("the two desks differ", flush=True)
            sys.exit(1)
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        stop_dovecot(root)
        cluster.stop()
        time.sleep(0.5)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
