"""`supportctl watch`: APPEND-to-ticket latency, idle CPU, and a soak with restarts.

    .venv/bin/python bench/watch.py [--only latency|idle|soak] [--n 100]
        [--idle-seconds 120] [--soak-seconds 600] [--soak-messages 2000]
        [--restart-every 120] [--port 10343]

Starts a private Dovecot with ../shared/bench/dovecot-up.sh and a real `supportctl watch`
process on a fresh database, then:

  * latency: N messages appended one by one over IMAP; for each, the time from just
    before the APPEND until its message row is in the database (polled every 5 ms).
    Target (issue 18): median <= 2 s.
  * idle: two accounts in IDLE (INBOX and a second folder), no mail; the watch
    process's CPU time (user + system, all threads and children) over --idle-seconds
    after a warm-up, extrapolated to an hour. Target: <= 1 s of CPU per hour.
  * soak: --soak-messages appended at random intervals over --soak-seconds while
    Dovecot is stopped and started every --restart-every seconds; afterwards every
    appended message must be stored exactly once, and the RSS after warm-up (the first
    fifth of the run) may grow at most 10 %. Target: 10 min, 2,000 messages, 0 lost,
    0 doubled.
"""

from __future__ import annotations

import argparse
import imaplib
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, compile_sources

# ../shared beside the checkout (or beside the folder of worktrees)
SHARED = next(
    (p / "shared" / "bench" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()),
    REPO.parent / "shared" / "bench",
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def dovecot(action: str, root: Path, port: int) -> None:
    script = "dovecot-up.sh" if action == "up" else "dovecot-down.sh"
    args = [str(root / "dovecot")] + ([str(port)] if action == "up" else [])
    with (root / f"{action}.log").open("ab") as fh:  # never a pipe: dovecot keeps it open
        subprocess.run(
            ["bash", str(SHARED / script), *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=True,
        )
    if action == "up":
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                conn = imaplib.IMAP4("127.0.0.1", port, timeout=2)
                conn.logout()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"dovecot did not come up on port {port}")


def message(n: int, tag: str) -> bytes:
    return (
        f"From: Matti <matti{n % 7}@acme.fi>\r\nTo: support@agency.example\r\n"
        f"Subject: {tag} question {n}\r\nMessage-ID: <{tag}-{n}@bench.example>\r\n"
        "Date: Tue, 13 Oct 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello, message {n} of the {tag} run. The site does not load.\r\n"
    ).encode()


class Desk:
    def __init__(self, root: Path, port: int, folders: list[tuple[str, str]]) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "SUPPORTCTL_CONFIG": str(root / "config.toml"),
            "SUPPORTCTL_DB": str(root / "supportctl.db"),
            "BENCH_IMAP_PASSWORD": "secret",
        }
        self.env.pop("SUPPORTCTL_NOW", None)
        subprocess.run(
            [sys.executable, "-m", "supportctl", "init", "--user", "alice"],
            env=self.env,
            check=True,
            capture_output=True,
        )
        text = (root / "config.toml").read_text().split("# # One [[imap]]")[0]
        for name, folder in folders:
            text += (
                f'\n[[imap]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {port}\n'
                'tls = "none"\nuser = "support"\npassword_env = "BENCH_IMAP_PASSWORD"\n'
                f'folders = ["{folder}"]\n'
            )
        (root / "config.toml").write_text(text)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log = (self.root / "watch.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "supportctl", "watch"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
        )

    def wait_log(self, needle: str, count: int = 1, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.root / "watch.log").read_text(errors="replace").count(needle) >= count:
                return
            time.sleep(0.05)
        raise SystemExit(f"watch did not log '{needle}'; see {self.root / 'watch.log'}")

    def stop(self) -> tuple[int, float]:
        assert self.proc is not None
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        self.log.close()
        return code, time.monotonic() - start

    def cpu_seconds(self) -> float:
        """CPU time of every thread in nanoseconds (schedstat), plus reaped children."""
        assert self.proc is not None
        total_ns = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                total_ns += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError):
                continue  # a thread that just ended
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cutime, cstime = (int(x) for x in fields[13:15])
        return total_ns / 1e9 + (cutime + cstime) / CLK_TCK

    def rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.root / "supportctl.db", timeout=30)


def imap_client(port: int) -> imaplib.IMAP4:
    conn = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    conn.login("support", "secret")
    return conn


def bench_latency(base: Path, port: int, n: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(dir=base, prefix="latency-"))
    desk = Desk(root, port, [("support", "INBOX")])
    desk.start()
    desk.wait_log("waiting for mail (IDLE)")
    client = imap_client(port)
    db = desk.db()
    samples = []
    try:
        for i in range(n):
            mid = f"latency-{i}@bench.example"
            start = time.perf_counter()
            client.append("INBOX", None, None, message(i, "latency"))
            while True:
                found = db.execute(
                    "SELECT 1 FROM messages m JOIN tickets t ON t.id = m.ticket_id "
                    "WHERE m.message_id = ?",
                    (mid,),
                ).fetchone()
                if found:
                    break
                if time.perf_counter() - start > 60:
                    raise SystemExit(f"message {i} not stored within 60 s")
                time.sleep(0.005)
            samples.append(time.perf_counter() - start)
            time.sleep(random.uniform(0.05, 0.3))
    finally:
        client.logout()
        db.close()
        code, took = desk.stop()
    samples.sort()
    result = {
        "n": n,
        "median_s": statistics.median(samples),
        "p90_s": samples[int(len(samples) * 0.9) - 1],
        "max_s": samples[-1],
        "stop_exit": code,
        "stop_s": took,
    }
    print(
        f"latency: {n} messages, APPEND -> ticket median {result['median_s']:.3f} s, "
        f"p90 {result['p90_s']:.3f} s, max {result['max_s']:.3f} s "
        f"(target median <= 2 s: {'ok' if result['median_s'] <= 2 else 'MISSED'}); "
        f"SIGTERM -> exit {code} in {took:.2f} s",
        flush=True,
    )
    return result


def bench_idle(base: Path, port: int, seconds: float) -> dict[str, float]:
    client = imap_client(port)
    client.create('"Second"')
    client.logout()
    root = Path(tempfile.mkdtemp(dir=base, prefix="idle-"))
    desk = Desk(root, port, [("first", "INBOX"), ("second", "Second")])
    desk.start()
    desk.wait_log("waiting for mail (IDLE)", count=2)
    time.sleep(10)  # warm-up: first heartbeats, the scheduler's first pass
    before = desk.cpu_seconds()
    start = time.monotonic()
    time.sleep(seconds)
    used = desk.cpu_seconds() - before
    elapsed = time.monotonic() - start
    desk.stop()
    per_hour = used / elapsed * 3600
    print(
        f"idle: two accounts in IDLE, {used:.4f} s CPU over {elapsed:.0f} s -> "
        f"{per_hour:.3f} s per hour (target <= 1 s/h: {'ok' if per_hour <= 1 else 'MISSED'})",
        flush=True,
    )
    return {"cpu_s": used, "seconds": elapsed, "per_hour_s": per_hour}


def bench_soak(
    base: Path, port: int, seconds: float, messages: int, restart_every: float
) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(dir=base, prefix="soak-"))
    client = imap_client(port)
    client.create('"Soak"')
    client.logout()
    desk = Desk(root, port, [("soak", "Soak")])
    desk.start()
    desk.wait_log("waiting for mail (IDLE)")
    appended: set[int] = set()
    ambiguous: set[int] = set()  # the connection broke during the APPEND
    rss: list[tuple[float, float]] = []
    done = threading.Event()
    restarts = 0
    began = time.monotonic()

    def appender() -> None:
        rng = random.Random(7)
        conn: imaplib.IMAP4 | None = None
        mean = seconds / messages
        for i in range(messages):
            time.sleep(rng.expovariate(1 / mean))
            while True:
                try:
                    if conn is None:
                        conn = imap_client(port)
                    typ, _data = conn.append('"Soak"', None, None, message(i, "soak"))
                    if typ == "OK":
                        appended.add(i)
                        break
                except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error):
                    ambiguous.add(i)
                    conn = None
                    time.sleep(0.5)
        done.set()

    thread = threading.Thread(target=appender, daemon=True)
    thread.start()
    next_restart = began + restart_every
    while not done.is_set() or time.monotonic() - began < seconds:
        now = time.monotonic()
        if int(now - began) % 10 == 0 and (not rss or now - rss[-1][0] - began >= 9):
            rss.append((now - began, desk.rss_mb()))
        if now >= next_restart and now - began < seconds:
            dovecot("down", base, port)
            time.sleep(random.uniform(1, 5))
            dovecot("up", base, port)
            restarts += 1
            next_restart += restart_every
        if done.is_set() and now - began >= seconds:
            break
        time.sleep(0.2)
    # everything appended must arrive
    wanted = {f"soak-{i}@bench.example" for i in appended | ambiguous}
    db = desk.db()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        have = {r[0] for r in db.execute("SELECT message_id FROM messages")}
        if {f"soak-{i}@bench.example" for i in appended} <= have:
            break
        time.sleep(1)
    rss.append((time.monotonic() - began, desk.rss_mb()))
    stored = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    distinct = db.execute("SELECT COUNT(DISTINCT message_id) FROM messages").fetchone()[0]
    have = {r[0] for r in db.execute("SELECT message_id FROM messages")}
    db.close()
    code, took = desk.stop()
    lost = len({f"soak-{i}@bench.example" for i in appended} - have)
    extra = len(have - wanted)
    doubled = stored - distinct
    warm = [mb for at, mb in rss if at >= seconds / 5]
    growth = (warm[-1] / warm[0] - 1) * 100 if len(warm) >= 2 else float("nan")
    elapsed = time.monotonic() - began
    print(
        f"soak: {elapsed:.0f} s, {len(appended)} appended ({len(ambiguous)} APPENDs cut by a "
        f"restart, retried), {restarts} Dovecot restarts; stored {stored}: lost {lost}, "
        f"doubled {doubled}, unexpected {extra}; RSS after warm-up {warm[0] if warm else 0:.1f} -> "
        f"{warm[-1] if warm else 0:.1f} MB ({growth:+.1f} %, target <= 10 %); "
        f"SIGTERM -> exit {code} in {took:.2f} s",
        flush=True,
    )
    return {
        "appended": len(appended),
        "stored": stored,
        "lost": lost,
        "doubled": doubled,
        "restarts": restarts,
        "rss_growth_pct": growth,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("latency", "idle", "soak"))
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=120)
    parser.add_argument("--soak-seconds", type=float, default=600)
    parser.add_argument("--soak-messages", type=int, default=2000)
    parser.add_argument("--restart-every", type=float, default=120)
    parser.add_argument("--port", type=int, default=10343)
    args = parser.parse_args()
    compile_sources()
    base = Path(tempfile.mkdtemp(prefix="supportctl-bench-watch-"))
    os.chmod(base, 0o755)
    dovecot("up", base, args.port)
    try:
        if args.only in (None, "latency"):
            bench_latency(base, args.port, args.n)
        if args.only in (None, "idle"):
            bench_idle(base, args.port, args.idle_seconds)
        if args.only in (None, "soak"):
            bench_soak(base, args.port, args.soak_seconds, args.soak_messages, args.restart_every)
    finally:
        dovecot("down", base, args.port)


if __name__ == "__main__":
    main()
