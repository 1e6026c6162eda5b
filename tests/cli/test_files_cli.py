"""Files supportctl writes, through the real CLI: whole or not at all, 0600 in 0700
folders whatever the umask, never through a planted link, names cut to 255 bytes, a
full disk is exit 7 and a retry works, CSV cells never become formulas.

The full-disk cases mount a small tmpfs (as root); elsewhere they are skipped.
"""

from __future__ import annotations

import csv
import io
import mailbox
import os
import stat
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

NOW = {"SUPPORTCTL_NOW": "2026-11-02T10:00:00Z"}
LONG_NAME = "ž" * 130 + ".pdf"  # 264 bytes of UTF-8


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def desk(cli, initialized: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW["SUPPORTCTL_NOW"])
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example")
    cli.ok("rota", "set", "alice", "--start", "2026-W45")
    cli.ok("customer", "add", "acme", "--plan", "maintenance", "--domain", "acme.fi")
    cli.ok(
        "log", "add", "--customer", "acme", "--date", "2026-10-05", "--start", "09:00",
        "--end", "09:40", '=HYPERLINK("http://evil.example","x")',
    )  # fmt: skip
    cli.ok(
        "log", "add", "--customer", "acme", "--date", "2026-10-06", "--start", "10:00",
        "--end", "10:30", "--", "-1+1",
    )  # fmt: skip
    mbox_path = initialized / "in.mbox"
    box = mailbox.mbox(mbox_path)
    msg = EmailMessage()
    msg["From"] = "Matti <matti@acme.fi>"
    msg["To"] = "support@agency.example"
    msg["Subject"] = "Scan attached"
    msg["Date"] = "Mon, 02 Nov 2026 09:00:00 +0000"
    msg["Message-ID"] = "<scan-1@acme.fi>"
    msg.set_content("see attached")
    msg.add_attachment(b"%PDF-1.4 scan", maintype="application", subtype="pdf", filename=LONG_NAME)
    box.add(msg)
    box.close()
    cli.ok("fetch", "--source", f"mbox:{mbox_path}")
    return initialized


def test_attachment_name_over_255_bytes_is_cut_on_a_character(cli, desk, tmp_path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    cli.ok("ticket", "attachment", "1", "1", "--save", str(folder))
    (saved,) = folder.iterdir()
    assert len(saved.name.encode()) <= 255 and saved.name.endswith(".pdf")
    assert saved.name.startswith("ž" * 100)
    assert saved.read_bytes() == b"%PDF-1.4 scan"


def test_attachment_save_never_follows_a_planted_symlink(cli, desk, tmp_path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere.pdf"
    name = "ž" * 125 + ".pdf"  # the cut name of LONG_NAME
    (folder / name).symlink_to(elsewhere)  # dangling
    result = cli.fails(2, "ticket", "attachment", "1", "1", "--save", str(folder))
    assert "already exists" in result.stderr
    assert not elsewhere.exists()
    assert [p.name for p in folder.iterdir()] == [name]  # no temporary file left


def test_files_are_private_whatever_the_umask(cli, desk, tmp_path, umask_zero) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    saved = cli.ok("ticket", "attachment", "1", "1", "--save", str(folder))
    (attachment,) = folder.iterdir()
    assert str(attachment.name) in saved.stdout and mode(attachment) == 0o600
    cli.ok("rota", "ics", "--out", str(tmp_path / "cal" / "duty.ics"))
    assert mode(tmp_path / "cal") == 0o700 and mode(tmp_path / "cal" / "duty.ics") == 0o600
    cli.ok("invoice", "2026-10", "--out", str(tmp_path / "inv" / "2026-10"), "--format", "csv")
    assert mode(tmp_path / "inv") == 0o700 and mode(tmp_path / "inv" / "2026-10") == 0o700
    (invoice,) = (tmp_path / "inv" / "2026-10").iterdir()
    assert mode(invoice) == 0o600
    cli.ok("backup", str(tmp_path / "backups" / "copy.db"))
    assert mode(tmp_path / "backups" / "copy.db") == 0o600
    assert mode(tmp_path / "backups") == 0o700
    templates = cli.ok("invoice", "templates", "--copy")
    assert "copied" in templates.stdout or "kept" in templates.stdout
    for path in (desk / "templates").rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_rota_ics_replaces_a_symlink_instead_of_writing_through_it(cli, desk, tmp_path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "duty.ics"
    link.symlink_to(victim)
    cli.ok("rota", "ics", "--out", str(link))
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_csv_text_cells_never_become_formulas(cli, desk, tmp_path) -> None:
    listing = cli.ok("log", "list", "--month", "2026-10", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(listing)))
    descriptions = {r["description"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in descriptions
    assert "'-1+1" in descriptions
    assert all(r["minutes"].isdigit() for r in rows)  # numbers stay numbers
    out = tmp_path / "inv"
    cli.ok("invoice", "2026-10", "--out", str(out), "--format", "csv")
    text = next(out.iterdir()).read_text()
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert all(
        not c.startswith("-") or c.replace("-", "", 1).replace(".", "").isdigit() for c in cells
    )
    assert '\'=HYPERLINK("http://evil.example","x")' in cells


# --- a full disk -----------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (mounting needs root; skipped otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the full-disk cases needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill `disk` to the last byte with one file (removed to free the space again),
    then give back `leave` bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
        if leave:
            os.ftruncate(fd, os.fstat(fd).st_size - leave)
    finally:
        os.close(fd)
    return filler


def assert_disk_full(result: Any) -> None:
    assert "disk full" in result.stderr and "nothing was changed" in result.stderr, result.stderr
    assert "rollback" not in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_files_on_a_full_disk_leave_nothing_and_a_retry_works(cli, desk, small_disk: Path) -> None:
    folder = small_disk / "saved"
    folder.mkdir()
    filler = fill(small_disk)
    targets = {
        ("ticket", "attachment", "1", "1", "--save", str(folder)): folder,
        ("rota", "ics", "--out", str(small_disk / "duty.ics")): small_disk / "duty.ics",
        ("backup", str(small_disk / "copy.db")): small_disk / "copy.db",
        ("invoice", "2026-10", "--out", str(small_disk / "inv")): small_disk / "inv",
    }
    for args in targets:
        assert_disk_full(cli.fails(7, *args))
    left = sorted(p.name for p in small_disk.rglob("*"))
    assert left in (["filler", "saved"], ["filler", "inv", "saved"]), left
    filler.unlink()
    for args, target in targets.items():
        cli.ok(*args)
        assert target.exists()


def test_database_writes_on_a_full_disk_are_exit_7_and_change_nothing(
    cli, small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import db_snapshot

    db = small_disk / "desk.db"
    monkeypatch.setenv("SUPPORTCTL_DB", str(db))
    cli.ok("init", "--user", "alice")
    cli.ok("customer", "add", "acme", "--plan", "maintenance", "--domain", "acme.fi")
    before = db_snapshot(db)
    source = tmp_path / "big.mbox"
    box = mailbox.mbox(source)
    for n in range(4):
        msg = EmailMessage()
        msg["From"] = "matti@acme.fi"
        msg["Subject"] = f"Logs {n}"
        msg["Date"] = "Mon, 02 Nov 2026 09:00:00 +0000"
        msg["Message-ID"] = f"<logs-{n}@acme.fi>"
        msg.set_content("logs attached")
        msg.add_attachment(os.urandom(400_000), maintype="application", subtype="octet-stream")
        box.add(msg)
    box.close()

    filler = fill(small_disk)  # not even room to open the database
    assert_disk_full(cli.fails(7, "customer", "add", "other", "--plan", "adhoc"))
    filler.unlink()
    filler = fill(small_disk, leave=256 * 1024)  # room to start, not to finish
    assert_disk_full(cli.fails(7, "fetch", "--source", f"mbox:{source}", env=NOW))
    filler.unlink()
    assert db_snapshot(db) == before
    cli.ok("customer", "add", "other", "--plan", "adhoc")
    cli.ok("fetch", "--source", f"mbox:{source}", env=NOW)
    assert len(cli.json("inbox", "--no-fetch", "--all", "--json", env=NOW)) == 4


def test_outbox_mail_on_a_full_disk_is_exit_7_and_records_nothing(
    cli, desk, small_disk: Path, snapshot
) -> None:
    outbox = small_disk / "outbox"
    env = {"SUPPORTCTL_OUTBOX": str(outbox)}
    cli.ok("reply", "1", "-m", "First answer.", env=env)  # makes the folder
    (first,) = outbox.iterdir()
    assert mode(first) == 0o600 and mode(outbox) == 0o700
    before = snapshot()
    filler = fill(small_disk)
    assert_disk_full(cli.fails(7, "reply", "1", "-m", "Second answer.", env=env))
    assert list(outbox.iterdir()) == [first]  # no 0-byte or temporary file
    assert snapshot() == before
    filler.unlink()
    cli.ok("reply", "1", "-m", "Second answer.", env=env)
    assert len(list(outbox.iterdir())) == 2
