"""Team mode over TLS: what `sslmode=verify-full` costs to connect, with a password
(SCRAM) and with a client certificate instead (pg_hba `cert`), with the client's
OpenSSL as installed and with a client OpenSSL config that offers P-256 first.

A private PostgreSQL cluster serving only TLS, with a test CA made by openssl (as in
tests/contract/test_pg_tls.py), is reached through the loopback proxy of bench/team.py
with each direction delayed by `--delay-ms` (50 ms: a 100 ms round trip, so that round
trips stand out from the CPU time). The proxy cannot read TLS, so round trips are
counted by time: connecting (psycopg, in a process of its own, then closing) takes
about n round trips; the table shows the median of `--runs` and that number. Then one
`supportctl log` and `psql -c 'select 1'` each way, with their ratio.

PostgreSQL before 18 offers TLS one key exchange, a NIST curve (`ssl_ecdh_curve`,
prime256v1), while the driver's OpenSSL offers X25519 (and a post-quantum hybrid)
first: the server then asks again (a HelloRetryRequest), one round trip more. An
OpenSSL config on the client (OPENSSL_CONF) whose Groups put P-256 first avoids it.

    .venv/bin/python bench/tls_connect.py [--runs 10] [--delay-ms 50]
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


CONNECT = """
import statistics, sys, time
import psycopg
url, runs = sys.argv[1], int(sys.argv[2])
samples = []
for _ in range(runs + 1):
    start = time.perf_counter()
    psycopg.connect(url, autocommit=True).close()
    samples.append(time.perf_counter() - start)
print(statistics.median(samples[1:]))
"""

P256_FIRST = """openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Groups = P-256:X25519
"""


def connect_seconds(url: str, runs: int, env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", CONNECT, url, str(runs)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--delay-ms", type=float, default=50.0)
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
        (folder / "p256-first.cnf").write_text(P256_FIRST)
        rows = []
        for groups, name, url in [
            (groups, name, url)
            for groups in ("as installed", "P-256 first")
            for name, url in urls.items()
        ]:
            run_env = dict(env)
            if groups != "as installed":
                run_env["OPENSSL_CONF"] = str(folder / "p256-first.cnf")
            seconds = connect_seconds(url, args.runs, run_env)
            mine = dict(run_env, SUPPORTCTL_DB=url)
            log = [*exe, "log", "1", "5m", "bench", "--allow-overlap"]
            psql = [str(cluster.bin / "psql"), url, "-XAtqc", "select 1"]
            pairs = [(timed(log, mine), timed(psql, mine)) for _ in range(args.runs + 1)][1:]
            log_s = statistics.median(a for a, _b in pairs)
            psql_s = statistics.median(b for _a, b in pairs)
            rows.append(
                [
                    f"{name}, client groups {groups}",
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
