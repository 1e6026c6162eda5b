"""Hostile single messages: how long one of them can hold the importer (and its lock).

    .venv/bin/python bench/hostile.py [--runs 3]

Builds a throw-away desk in a temp dir and times, as medians over --runs:
  * ingest (parse + store, one transaction) of a mail with 200,000 References ids
    (about 6 MB of header), the case that once took minutes;
  * `fetch --explain` of a mail with a 5 MB subject, as the command runs it;
  * parse alone of a 2 MB To header of 50,000 addresses.
The target (issue 12): each well under a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def _mail(extra: str, subject: str = "Kysymys") -> bytes:
    return (
        "From: Matti <matti@acme.fi>\nTo: tuki@agency.example\n"
        f"Subject: {subject}\nMessage-ID: <m1@acme.fi>\nDate: Tue, 13 Oct 2026 10:00:00 +0300\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\n\nHyvää päivää.\n"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from supportctl.config import load_config
    from supportctl.mail.parse import parse_message
    from supportctl.services import importing
    from supportctl.store.db import open_store

    refs = "\n ".join(f"<id{n}.thread@example.com>" for n in range(200_000))
    huge_refs = _mail(f"References: {refs}\n")
    huge_subject = _mail("", subject="Tilaus " * 750_000)
    to = ",\n ".join(f"User {n} <user{n}@example.com>" for n in range(50_000))
    huge_to = _mail(f"Cc: {to}\n")
    now = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
    ingest: list[float] = []
    explain: list[float] = []
    addresses: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "SUPPORTCTL_CONFIG": f"{tmp}/config.toml",
                "SUPPORTCTL_DB": f"{tmp}/s.db",
                "NO_COLOR": "1",
            }
            exe = [sys.executable, "-m", "supportctl"]
            subprocess.run(
                [*exe, "init", "--user", "alice"], env=env, check=True, capture_output=True
            )
            store = open_store(Path(tmp) / "s.db")
            config = load_config(Path(tmp) / "config.toml")
            lookups = importing.Lookups.load(store, config)
            start = time.perf_counter()
            item = importing.RawMail(huge_refs, prepared=importing.prepare(huge_refs))
            importing.ingest_batch(
                store, config, lookups, [item], importing.ImportReport(), now=now
            )
            ingest.append(time.perf_counter() - start)
            store.close()
            path = Path(tmp) / "subject.eml"
            path.write_bytes(huge_subject)
            start = time.perf_counter()
            subprocess.run(
                [*exe, "fetch", "--explain", str(path)], env=env, check=True, capture_output=True
            )
            explain.append(time.perf_counter() - start)
            start = time.perf_counter()
            parse_message(huge_to)
            addresses.append(time.perf_counter() - start)
    print(
        f"ingest, 200,000 References ids ({len(huge_refs) / 1e6:.1f} MB): {statistics.median(ingest):.2f} s"
    )
    print(f"fetch --explain, 5 MB subject (whole command): {statistics.median(explain):.2f} s")
    print(
        f"parse, 50,000 Cc addresses ({len(huge_to) / 1e6:.1f} MB): {statistics.median(addresses):.2f} s"
    )


if __name__ == "__main__":
    main()
