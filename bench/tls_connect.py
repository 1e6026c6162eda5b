"""Team mode over TLS: what `sslmode=verify-full` costs to connect, with a password
(SCRAM) and with a client certificate instead (pg_hba `cert`).

A private PostgreSQL cluster serving only TLS, with a test CA made by openssl (as in
tests/contract/test_pg_tls.py), is reached through the loopback proxy of bench/team.py
with each direction delayed by `--delay-ms` (25 ms: a 50 ms round trip, so that round
trips stand out from the CPU time). The proxy cannot read TLS, so round trips are
counted by time: connecting (psycopg, then closing) takes about n round trips; the
table shows the median of `--runs` and that number. Then one `supportctl log` and
`psql -c 'select 1'` each way, with their ratio.

    .venv/bin/python bench/tls_connect.py [--runs 10] [--delay-ms 25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import compile_sources
from tests.contract.test_pg_tls import _authority, _server_pair, client_pair
from tests.pgcluster import Cluster
from tests.pgproxy import Proxy


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    return time.perf_counter() - start


def connect_seconds(url: str, runs: int) -> float:
    import psycopg

    samples = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        psycopg.connect(url, autocommit=True).close()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--delay-ms", type=float, default=25.0)
    args = parser.parse_args()
    compile_sources()
    folder = Path(tempfile.mkdtemp(prefix="bench-tls-"))
    _authority(folder, "ca")
    cert, key = client_pair(folder, "ca", "desk_cert")
    cluster = Cluster(
        tls=_server_pair(folder, "ca", "DNS:localhost"), client_ca=folder / "ca.crt"
    ).start()
    try:
        proxy = Proxy(cluster.port, args.delay_ms / 1000)
        cluster.psql("CREATE ROLE desk_cert LOGIN")
        cluster.psql('CREATE DATABASE "bench_tls" OWNER desk_cert')
        cluster.psql(f"GRANT ALL ON DATABASE bench_tls TO {cluster.user}")
        cluster.allow_certificate_login("desk_cert", "bench_tls")
        os.environ["PGPASSFILE"] = str(cluster.passfile)
        with cluster.passfile.open("a") as out:
            out.write(f"localhost:{proxy.port}:*:{cluster.user}:{cluster.password}\n")
        tls = f"sslmode=verify-full&sslrootcert={folder / 'ca.crt'}"
        via = f"localhost:{proxy.port}/bench_tls"
        urls = {
            "password (SCRAM)": f"postgresql://{cluster.user}@{via}?{tls}",
            "client certificate": (
                f"postgresql://desk_cert@{via}?{tls}&sslcert={cert}&sslkey={key}"
            ),
        }
        work = folder / "work"
        work.mkdir()
        env = {
            **os.environ,
            "PGPASSFILE": str(cluster.passfile),
            "SUPPORTCTL_CONFIG": str(work / "config.toml"),
            "SUPPORTCTL_NOW": "2026-10-14T08:30:00Z",
            "SUPPORTCTL_USER": "alice",
            "NO_COLOR": "1",
        }
        exe = [sys.executable, "-m", "supportctl"]
        setup = dict(env, SUPPORTCTL_DB=urls["client certificate"])
        for argv in (
            ["init", "--user", "alice"],
            ["team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example"],
            ["customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance"],
            ["ticket", "new", "Lomake ei toimi", "--customer", "acme", "--from", "m@acme.fi"],
        ):
            timed([*exe, *argv], setup)
        cluster.psql(
            f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {cluster.user}; "
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {cluster.user}",
            "bench_tls",
        )
        rtt = 2 * args.delay_ms / 1000
        rows = []
        for curve, name, url in [
            (curve, name, url) for curve in ("prime256v1", "X25519") for name, url in urls.items()
        ]:
            # PostgreSQL before 18 takes one key exchange (ssl_ecdh_curve, prime256v1 by
            # default); libpq offers X25519 first, so the default costs a HelloRetryRequest
            cluster.psql(f"ALTER SYSTEM SET ssl_ecdh_curve = '{curve}'")
            cluster.psql("SELECT pg_reload_conf()")
            time.sleep(0.5)
            seconds = connect_seconds(url, args.runs)
            mine = dict(env, SUPPORTCTL_DB=url)
            log = [*exe, "log", "1", "5m", "bench", "--allow-overlap"]
            psql = [str(cluster.bin / "psql"), url, "-XAtqc", "select 1"]
            pairs = [(timed(log, mine), timed(psql, mine)) for _ in range(args.runs + 1)][1:]
            log_s = statistics.median(a for a, _b in pairs)
            psql_s = statistics.median(b for _a, b in pairs)
            rows.append(
                [
                    f"{name}, server curve {curve}",
                    f"{seconds * 1000:.0f} ms",
                    f"{seconds / rtt:.1f}",
                    f"{log_s * 1000:.0f} ms",
                    f"{psql_s * 1000:.0f} ms",
                    f"{log_s / psql_s:.2f}",
                ]
            )
        print(
            f"TLS 1.3, sslmode=verify-full, through a {args.delay_ms:.0f} ms-each-way proxy "
            f"(round trip {rtt * 1000:.0f} ms), median of {args.runs}; load average "
            f"{os.getloadavg()[0]:.2f}"
        )
        print_table(
            [
                "login",
                "connect",
                "≈ round trips",
                "supportctl log",
                "psql select 1",
                "log / psql",
            ],
            rows,
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
