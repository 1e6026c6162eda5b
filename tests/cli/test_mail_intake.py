"""No message stops or stalls intake: the quarantine, raw 8-bit addresses, huge headers.

From files here (mbox and Maildir through the real CLI and services); over IMAP in
tests/integration/test_imap_quarantine.py. A message that cannot be stored is made
real by a SQLite trigger that refuses it, the way a constraint or a full disk refuses
a row: no part of supportctl is replaced.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import CORPUS, in_ci

NOW = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}
EIGHT_BIT_FILES = (
    "zammad/test/data/mail/mail105.box",
    "mail-parser/tests/mails/mail_test_12",
    "flanker/tests/fixtures/messages/mailformed-headers.eml",
)
POISON = (
    "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.subject LIKE '%myrkky%' "
    "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
)


def mail(n: int, subject: str | None = None, extra: str = "") -> bytes:
    return (
        f"From: Matti <matti@acme.fi>\nTo: tuki@agency.example\n"
        f"Subject: {subject or f'Kysymys {n}'}\nMessage-ID: <m{n}@acme.fi>\n"
        f"Date: Tue, 13 Oct 2026 10:{n:02d}:00 +0300\n{extra}"
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"Viesti {n}: hyvää päivää.\n"
    ).encode()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    with path.open("wb") as fh:
        for raw in messages:
            body = raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From ")
            fh.write(b"From x@y Tue Oct 13 10:00:00 2026\n" + body.rstrip(b"\n") + b"\n\n")
    return path


def sql(db: Path, statement: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_a_message_that_cannot_be_stored_is_quarantined_and_retried(
    cli, initialized: Path, tmp_path: Path
) -> None:
    db = initialized / "supportctl.db"
    sql(db, POISON)
    box = write_mbox(tmp_path / "in.mbox", [mail(1), mail(2, "myrkky ääkkösin"), mail(3)])
    out = cli.ok("fetch", "--source", f"mbox:{box}", env=NOW)
    assert "stored 2 messages" in out.stderr
    assert "1 quarantined" in out.stderr
    subjects = [r["subject"] for r in cli.json("inbox", "--json", "--all")]
    assert sorted(subjects) == ["Kysymys 1", "Kysymys 3"]  # before and after it: stored

    problems = cli.json("fetch", "--problems", "--json")
    assert len(problems) == 1
    assert problems[0]["origin"].endswith("#2")
    assert "refused by the test trigger" in problems[0]["error"]
    listing = cli.ok("fetch", "--problems").stdout
    assert "refused by the test trigger" in listing and "#2" in listing

    # The same file again: the stored ones are duplicates, the quarantined one is the
    # same quarantine row (tried once more), never a second copy.
    out = cli.ok("fetch", "--source", f"mbox:{box}", env=NOW)
    assert "2 duplicates skipped" in out.stderr and "1 quarantined" in out.stderr
    assert [p["attempts"] for p in cli.json("fetch", "--problems", "--json")] == [2]

    # Still refused: reparse keeps it; once the cause is gone, reparse stores it.
    assert "0 of 1 quarantined stored" in cli.ok("reparse", env=NOW).stdout
    sql(db, "DROP TRIGGER poison")
    assert "1 of 1 quarantined stored" in cli.ok("reparse", env=NOW).stdout
    assert cli.json("fetch", "--problems", "--json") == []
    assert "no quarantined mail" in cli.ok("fetch", "--problems").stdout
    subjects = [r["subject"] for r in cli.json("inbox", "--json", "--all")]
    assert "myrkky ääkkösin" in subjects


def test_dry_run_counts_a_quarantined_message_and_writes_nothing(
    cli, initialized: Path, tmp_path: Path, snapshot
) -> None:
    sql(initialized / "supportctl.db", POISON)
    box = write_mbox(tmp_path / "in.mbox", [mail(1), mail(2, "myrkky"), mail(3)])
    before = snapshot()
    out = cli.ok("fetch", "--source", f"mbox:{box}", "--dry-run", env=NOW)
    assert "would store 2 messages" in out.stderr and "1 quarantined" in out.stderr
    assert snapshot() == before


@pytest.mark.skipif(not (CORPUS / EIGHT_BIT_FILES[0]).exists(), reason="corpus not available")
def test_raw_8bit_addresses_from_the_corpus_are_stored(
    cli, initialized: Path, tmp_path: Path
) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    messages = [mail(1)] + [(CORPUS / f).read_bytes() for f in EIGHT_BIT_FILES] + [mail(9)]
    for n, raw in enumerate(messages):
        (maildir / "new" / f"{n:03d}.host").write_bytes(raw)
    out = cli.ok("fetch", "--source", f"maildir:{maildir}", env=NOW)
    assert "stored 5 messages" in out.stderr and "quarantined" not in out.stderr
    conn = sqlite3.connect(initialized / "supportctl.db")
    try:
        senders = {r[0] for r in conn.execute("SELECT from_addr FROM messages")}
        to = {
            a
            for r in conn.execute("SELECT to_addrs || ', ' || cc_addrs FROM messages")
            for a in r[0].split(", ")
        }
    finally:
        conn.close()
    addresses = senders | to
    assert {"k.günther@example.com", "danglüe@email.com", "´google@example.com"} <= addresses
    assert not any("\ufffd" in a for a in addresses)


def _references_mail(count: int) -> bytes:
    refs = "\n ".join(f"<id{n}.thread@example.com>" for n in range(count))
    return mail(1, extra=f"References: {refs}\n")


def test_200000_references_ingest_fast_and_linearly(initialized: Path, tmp_path: Path) -> None:
    from supportctl.config import load_config
    from supportctl.services import importing
    from supportctl.store.db import open_store

    raw = _references_mail(200_000)
    assert len(raw) > 5_000_000
    box = write_mbox(tmp_path / "refs.mbox", [raw, mail(2)])
    store = open_store(initialized / "supportctl.db")
    try:
        config = load_config(initialized / "config.toml")
        start = time.perf_counter()
        report = importing.import_file_source(
            store, config, f"mbox:{box}", now=datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
        )
        elapsed = time.perf_counter() - start
        assert report.stored == 2 and report.quarantined == 0
        assert elapsed < 2.0, f"{elapsed:.2f} s"  # generous: about 0.5 s when measured
        row = store.one("SELECT refs, parse_limits FROM messages WHERE message_id = 'm1@acme.fi'")
        refs = row["refs"].split()
        assert len(refs) == 100
        assert refs[0] == "id0.thread@example.com" and refs[-1] == "id199999.thread@example.com"
        assert "References: 200,000 ids" in row["parse_limits"]
    finally:
        store.close()


def test_a_log_succeeds_while_the_huge_mail_is_fetched(
    cli, initialized: Path, tmp_path: Path
) -> None:
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance")
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example")
    cli.ok("ticket", "new", "--customer", "acme", "--from", "m@acme.fi", "Lomake", "Ei toimi")
    box = write_mbox(tmp_path / "refs.mbox", [_references_mail(200_000), mail(2)])
    env = {**os.environ, "NO_COLOR": "1"}
    exe = [sys.executable, "-m", "supportctl"]
    fetch = subprocess.Popen(
        [*exe, "fetch", "--source", f"mbox:{box}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    logs = []
    try:
        while fetch.poll() is None or not logs:
            logs.append(
                subprocess.run(
                    [*exe, "log", "1", "5m", "while fetching", "--as", "alice", "--allow-overlap"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            )
    finally:
        _out, err = fetch.communicate(timeout=120)
    assert fetch.returncode == 0, err
    assert "stored 2 messages" in err
    assert all(r.returncode == 0 for r in logs), [r.stderr for r in logs]


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 12)):
        if not data:
            break
        op = rng.random()
        at = rng.randrange(len(data))
        if op < 0.4:
            data[at] = rng.randrange(256)
        elif op < 0.6:
            del data[at : at + rng.randint(1, 200)]
        elif op < 0.8:
            data[at:at] = rng.choice(
                [b"\x1b]52;c;aGk=\x07", b"=?utf-8?b?", b"\r\n", b"\n\n", b"<", b"@", b"\xc3", b"--"]
            )
        else:
            piece = data[at : at + rng.randint(1, 400)]
            data[at:at] = piece * rng.randint(2, 30)
    return bytes(data)


def test_mutated_corpus_mail_never_escapes_ingest(initialized: Path) -> None:
    """Thousands of byte-mutated corpus files through the real ingest: each is stored,
    a duplicate or quarantined, and no exception escapes."""
    from supportctl.config import load_config
    from supportctl.services import importing
    from supportctl.store.db import open_store

    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "manifest.tsv")
    if not files:
        if in_ci():
            raise RuntimeError("the shared mail corpus is missing at " + str(CORPUS))
        pytest.skip("the shared mail corpus is not available")
    rng = random.Random(12)
    originals = [p.read_bytes()[:200_000] for p in files]
    items = [
        importing.RawMail(_mutate(rng.choice(originals), rng), origin=f"fuzz #{n}")
        for n in range(2000)
    ]
    store = open_store(initialized / "supportctl.db")
    try:
        config = load_config(initialized / "config.toml")
        lookups = importing.Lookups.load(store, config)
        report = importing.ImportReport()
        now = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
        for start in range(0, len(items), 200):
            batch = items[start : start + 200]
            for item in batch:
                item.prepared = importing.prepare_or_none(item.raw)
            importing.ingest_batch(store, config, lookups, batch, report, now=now)
        assert report.stored + report.duplicates + report.quarantined == len(items)
        stored = int(store.scalar("SELECT COUNT(*) FROM messages"))
        quarantined = int(store.scalar("SELECT COUNT(*) FROM quarantine"))
        assert stored == report.stored
        assert quarantined <= report.quarantined  # the same bytes twice: one row
        # Parsing itself never fails: whatever is quarantined was refused by the store.
        assert report.quarantined == 0, [r[0] for r in store.all("SELECT error FROM quarantine")]
    finally:
        store.close()
