"""The daily screens on a terminal: `inbox --no-fetch` and `log list --month` with stdout
on a pseudo-terminal of 80 and 120 columns, this checkout against another install of
supportctl (`--other`, e.g. main's checkout), alternating run by run.

    .venv/bin/python bench/terminal.py --other /path/to/other/.venv/bin/supportctl \
        [--runs 20] [--keep DIR]

The desks are the ones bench/inbox.py (100,000 tickets, 20,000 open, 1,000,000
messages) and bench/log.py (1,000,000 time entries) build; `--keep DIR` builds them
there once and reuses them. Both programs must read the same schema version. The
pty is drained by a thread, as a terminal would read it; NO_COLOR is unset so the
colours are written too. Both sides share a bytecode cache outside the checkouts
(PYTHONPYCACHEPREFIX), filled by the warm-up runs. Target (issue 19): each new/old ratio <= 1.05.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inbox as inbox_bench
import log as log_bench
from _common import compile_sources, tool

PYCACHE = str(Path(tempfile.gettempdir()) / "supportctl-bench-pycache")


def on_pty(argv: list[str], env: dict[str, str], columns: int) -> float:
    """Wall seconds of argv with stdout and stderr on a fresh `columns`x24 pty."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    merged = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    merged.update(env)
    merged["TERM"] = "xterm-256color"
    # Both sides keep their compiled modules in one cache outside the checkouts, so
    # neither recompiles on every run (PYTHONDONTWRITEBYTECODE is common in containers).
    merged.pop("PYTHONDONTWRITEBYTECODE", None)
    merged["PYTHONPYCACHEPREFIX"] = PYCACHE
    began = time.perf_counter()
    done = subprocess.run(argv, env=merged, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    elapsed = time.perf_counter() - began
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {b''.join(chunks).decode(errors='replace')}")
    return elapsed


def build(base: Path) -> tuple[dict[str, str], dict[str, str]]:
    inbox_dir, log_dir = base / "inbox", base / "log"
    exe = tool("supportctl")
    if not (inbox_dir / "supportctl.db").exists():
        inbox_bench.setup(inbox_dir, customers=30, people=8)
        inbox_bench.fill(
            inbox_dir / "supportctl.db",
            inbox_bench.TICKETS,
            inbox_bench.OPEN,
            customers=30,
            people=8,
        )
    inbox_env = inbox_bench.workspace_env(inbox_dir)
    log_env = {
        "SUPPORTCTL_DB": str(log_dir / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(log_dir / "config.toml"),
    }
    if not (log_dir / "supportctl.db").exists():
        log_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [exe, "init", "--user", "dev1"],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, **log_env},
        )
        log_bench.fill(log_dir / "supportctl.db", 1_000_000)
    for env in (inbox_env, log_env):
        env.pop("NO_COLOR", None)
        env.pop("COLUMNS", None)
    return inbox_env, log_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--other", required=True, help="the supportctl to compare with")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the desks here")
    args = parser.parse_args()
    compile_sources()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-terminal-"))
    inbox_env, log_env = build(base)
    new, old = tool("supportctl"), args.other
    commands = {
        "inbox --no-fetch": (["inbox", "--no-fetch"], inbox_env),
        f"log list --month {log_bench.LAST_MONTH}": (
            ["log", "list", "--month", log_bench.LAST_MONTH],
            log_env,
        ),
    }
    samples: dict[tuple[str, int, str], list[float]] = {}
    for round_ in range(2 + args.runs):
        for name, (argv, env) in commands.items():
            for columns in (80, 120):
                for side, exe in (("new", new), ("old", old)):
                    elapsed = on_pty([exe, *argv], env, columns)
                    if round_ >= 2:
                        samples.setdefault((name, columns, side), []).append(elapsed)
    print(f"median of {args.runs} runs on a pty, alternating; new={new} old={old}")
    print(f"{'command':<28} {'cols':>4} {'new ms':>8} {'old ms':>8} {'new/old':>8}")
    for name in commands:
        for columns in (80, 120):
            a = statistics.median(samples[(name, columns, "new")])
            b = statistics.median(samples[(name, columns, "old")])
            print(f"{name:<28} {columns:>4} {a * 1000:8.1f} {b * 1000:8.1f} {a / b:8.3f}")


if __name__ == "__main__":
    main()
