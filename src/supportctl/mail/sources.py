"""mbox and Maildir sources: raw bytes and an arrival time, streamed one message at a time.

They feed the same pipeline as IMAP. The arrival time is the mbox `From ` line's date
or the Maildir file's modification time; when neither is usable the importer falls back
to the Date header. The mbox reader streams the file (it never loads it whole) and
undoes mboxrd `>From ` quoting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from supportctl.errors import InputError

_FROM_DATE = re.compile(
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            b"Jan",
            b"Feb",
            b"Mar",
            b"Apr",
            b"May",
            b"Jun",
            b"Jul",
            b"Aug",
            b"Sep",
            b"Oct",
            b"Nov",
            b"Dec",
        ),
        1,
    )
}


def from_line_time(line: bytes) -> datetime | None:
    """The date of an mbox `From sender Mon Oct 12 09:14:03 2026` line (taken as UTC)."""
    match = _FROM_DATE.search(line)
    if match is None:
        return None
    month = _MONTHS.get(match.group(1))
    if month is None:
        return None
    try:
        return datetime(
            int(match.group(6)),
            month,
            int(match.group(2)),
            int(match.group(3)),
            int(match.group(4)),
            int(match.group(5)),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _unquote(line: bytes) -> bytes:
    stripped = line.lstrip(b">")
    if stripped.startswith(b"From ") and len(stripped) < len(line):
        return line[1:]
    return line


def read_mbox(path: Path) -> Iterator[tuple[bytes, datetime | None]]:
    """(raw message, From-line time) for each message of an mbox file."""
    if not path.is_file():
        raise InputError(
            f"no mbox file at {path}", hint="give --source mbox:PATH of an existing file"
        )
    with path.open("rb") as fh:
        lines: list[bytes] = []
        when: datetime | None = None
        started = False
        previous_blank = True
        for line in fh:
            if line.startswith(b"From ") and previous_blank:
                if started:
                    yield _finish(lines), when
                lines = []
                when = from_line_time(line)
                started = True
                previous_blank = False
                continue
            if not started:
                if line.strip():
                    raise InputError(
                        f"{path} is not an mbox file (it does not start with a 'From ' line)",
                        hint="for a single message use `supportctl fetch --explain FILE.eml`",
                    )
                continue
            lines.append(_unquote(line) if line.startswith(b">") else line)
            previous_blank = line in (b"\n", b"\r\n")
        if started:
            yield _finish(lines), when


def _finish(lines: list[bytes]) -> bytes:
    # The empty line before the next From line belongs to the mbox format, not the mail.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def read_maildir(path: Path) -> Iterator[tuple[str, bytes, datetime | None]]:
    """(file name, raw message, file time) for each message in cur/ and new/, by name."""
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise InputError(
            f"no Maildir at {path} (no cur/ or new/ inside)", hint="give --source maildir:PATH"
        )
    names: list[tuple[str, Path]] = []
    for sub in ("new", "cur"):
        folder = path / sub
        if folder.is_dir():
            names.extend(
                (entry.name, Path(entry.path)) for entry in os.scandir(folder) if entry.is_file()
            )
    names.sort()
    for name, file in names:
        try:
            raw = file.read_bytes()
            when = datetime.fromtimestamp(file.stat().st_mtime, UTC)
        except FileNotFoundError:
            continue  # moved by a mail client meanwhile
        yield name, raw, when
