"""Which ticket a message belongs to, and what makes two messages the same (pure).

Identity (DESIGN §5): Message-ID plus a SHA-256 of the body, the bytes after the first
empty line with line endings normalised to LF. The same mail delivered to two accounts
or folders is then one message, while a reused Message-ID on a different body is a
second message. A message without a Message-ID is identified by the hash of the whole
LF-normalised message.

Threading: the subject tag (`[#123]`, or `[PREFIX #123]` with the configured prefix)
wins; then In-Reply-To and References against the Message-IDs we know; otherwise the
message opens a new ticket.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_TAG_CACHE: dict[str, re.Pattern[str]] = {}


def _tag_pattern(prefix: str) -> re.Pattern[str]:
    pattern = _TAG_CACHE.get(prefix)
    if pattern is None:
        alternatives = r"(?:" + re.escape(prefix) + r"\s*)?" if prefix else ""
        pattern = re.compile(r"\[" + alternatives + r"#(\d{1,9})\]", re.IGNORECASE)
        _TAG_CACHE[prefix] = pattern
    return pattern


def extract_tag(subject: str, prefix: str = "") -> int | None:
    """The ticket number of the first `[#N]` / `[PREFIX #N]` tag in a subject."""
    match = _tag_pattern(prefix.strip()).search(subject)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def format_tag(ticket_id: int, prefix: str = "") -> str:
    """The tag we put into subjects: `[#123]` or `[PREFIX #123]`."""
    prefix = prefix.strip()
    return f"[{prefix} #{ticket_id}]" if prefix else f"[#{ticket_id}]"


def normalise_lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def split_body(raw: bytes) -> bytes:
    """The bytes after the first empty line (the header/body separator)."""
    data = normalise_lf(raw)
    index = data.find(b"\n\n")
    if data.startswith(b"\n"):
        return data[1:]
    return b"" if index < 0 else data[index + 2 :]


def body_hash(raw: bytes, message_id: str) -> str:
    """SHA-256 (hex) of the LF-normalised body; of the whole message without a Message-ID.

    Trailing empty lines are not part of the identity: mbox files, Maildir copies and
    IMAP servers disagree about the final newline of the same mail. A leading mbox
    `From ` line is not part of the message either.
    """
    if message_id:
        data = split_body(raw)
    else:
        data = normalise_lf(raw)
        if data.startswith(b"From "):
            data = data.partition(b"\n")[2]
    return hashlib.sha256(data.rstrip(b"\n")).hexdigest()


@dataclass(frozen=True)
class Identity:
    message_id: str
    body_hash: str


def identity(raw: bytes, message_id: str) -> Identity:
    return Identity(message_id, body_hash(raw, message_id))


def reference_candidates(in_reply_to: str, references: Sequence[str]) -> list[str]:
    """Message-IDs to look up, best first: In-Reply-To, then References newest first."""
    out: list[str] = []
    for ident in [in_reply_to, *reversed(references)]:
        if ident and ident not in out:
            out.append(ident)
    return out


@dataclass(frozen=True)
class ThreadDecision:
    how: str  # "tag", "references" or "new"
    ticket_id: int | None
    reason: str


def choose_thread(
    *,
    tag: int | None,
    tag_ticket: int | None,
    candidates: Sequence[str],
    known: Mapping[str, int],
) -> ThreadDecision:
    """Decide the ticket: a tag naming an existing ticket, else a known reference, else new.

    `tag_ticket` is the tag's ticket after following merges (None when it does not exist);
    `known` maps Message-IDs we have stored to their tickets.
    """
    if tag is not None and tag_ticket is not None:
        return ThreadDecision("tag", tag_ticket, f"subject tag #{tag}")
    for ident in candidates:
        ticket = known.get(ident)
        if ticket is not None:
            return ThreadDecision("references", ticket, f"references <{ident}>")
    if tag is not None:
        return ThreadDecision("new", None, f"subject tag #{tag} names no ticket; new ticket")
    return ThreadDecision("new", None, "no tag and no known reference; new ticket")


def is_own_message_id(message_id: str, mail_domain: str) -> bool:
    """A Message-ID we generated: its right-hand side is exactly our mail domain.

    Subdomains do not count: our MX writes its own IDs (`@mx.agency.example`) into the
    bounces it generates, and those are not our mail coming back.
    """
    if "@" not in message_id or not mail_domain:
        return False
    right = message_id.rsplit("@", 1)[1].strip().lower().rstrip(">")
    return right == mail_domain.strip().lower()


def address_domain(address: str) -> str:
    return address.rsplit("@", 1)[1].lower() if "@" in address else ""


def is_blocked(address: str, patterns: Sequence[str]) -> str | None:
    """The block pattern (`user@x` or `@domain`) that matches an address, if any."""
    address = address.lower()
    domain = address_domain(address)
    for pattern in patterns:
        p = pattern.lower()
        if p.startswith("@"):
            if domain == p[1:] or domain.endswith("." + p[1:]):
                return pattern
        elif p == address:
            return pattern
    return None
