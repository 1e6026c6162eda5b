"""Addresses, message ids and dates read from header values."""

from __future__ import annotations

import email
import email.errors
import email.header
import email.utils
import re
from datetime import UTC, datetime

from supportctl.mail.charset import (
    _has_surrogates,
    _raw_8bit_text,
    decode_header_value,
)

MAX_ADDRESSES = 100  # per To or Cc
REFS_FIRST, REFS_LAST = 10, 90  # References kept: the thread root end and the newest
MAX_EMBEDDED_IDS = 100  # ids noted from a bounced or forwarded original


# --- addresses, ids, dates ----------------------------------------------------------


# One plain mailbox: `addr@host` or `Display Name <addr@host>` with nothing that
# needs RFC 5322's full grammar (quotes, comments, groups, lists, escapes, folding).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_HOST = r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
_SIMPLE_MAILBOX = re.compile(
    rf"(?:((?:{_ATEXT}+(?: +{_ATEXT}+\.?)*)?) ?<({_DOT_ATOM}@{_HOST})>|({_DOT_ATOM}@{_HOST}))"
)


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) of every mailbox in the headers, as `policy.default`
    reads them; the address as the sender wrote it (matching lower-cases it)."""
    # Raw 8-bit bytes (`päivi@pöytä.fi` unencoded) are decoded first, like the rest of
    # the header: an address is text, never surrogate escapes.
    values = [_raw_8bit_text(v) for v in values]
    out: list[tuple[str, str]] = []
    for value in values:
        # The stdlib's address parser costs ~100 microseconds a header; most headers
        # hold one plain mailbox, which a regular expression reads the same way (a
        # property test holds the two together).
        simple = _SIMPLE_MAILBOX.fullmatch(value.strip())
        if simple is not None:
            out.append((_phrase(simple.group(1) or ""), simple.group(2) or simple.group(3)))
        else:
            out.extend(_stdlib_addresses(value))
    return [(name, addr) for name, addr in out if addr]


# `<local@host.domain>` (a trailing dot tolerated) inside decoded text.
_WHOLE_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _phrase(name: str) -> str:
    """A display name of atoms, as the stdlib's phrase parser reads it: each word on
    its own (a whole encoded word decoded), words joined by one space."""
    words = name.split()
    if not any("=?" in word for word in words):
        return " ".join(words)
    out = []
    for word in words:
        if "=?" not in word:
            out.append(word)
        elif _WHOLE_WORD.fullmatch(word):
            out.append(decode_header_value(word))
        else:
            return _stdlib_addresses(f"{name} <a@b.example>")[0][0]
    return " ".join(out)


_ANGLE_ADDR = re.compile(r"<\s*([^<>\s@]+@(?:[^\W_]|-)+(?:\.(?:[^\W_]|-)+)+\.?)\s*>")


def _stdlib_addresses(value: str) -> list[tuple[str, str]]:
    boxes = _parse_address_list(value)
    if boxes and not any(domain for _name, _addr, domain in boxes):
        # One encoded word holding the whole `Name <address>` (some webmail and
        # scripts write it so): the decoded text names the mailbox.
        decoded = decode_header_value(value)
        found = list(_ANGLE_ADDR.finditer(decoded))
        if len(found) == 1:
            name = decoded[: found[0].start()].strip()
            if len(name) > 1 and name[0] == name[-1] == '"':
                name = name[1:-1].replace('\\"', '"')
            return [(" ".join(name.split()), found[0].group(1))]
    return [(name, addr) for name, addr, _domain in boxes]


def _parse_address_list(value: str) -> list[tuple[str, str, bool]]:
    """(display name, address, has a domain) as `policy.default` parses them."""
    from email import policy

    try:
        header = policy.default.header_factory("to", "".join(value.splitlines()))
        mailboxes = header.addresses
    except Exception:  # lenient as it is, the stdlib parser must not lose a sender
        return [
            (decode_header_value(name), addr.strip().strip("<>"), "@" in addr)
            for name, addr in email.utils.getaddresses([value])
        ]
    out = []
    for box in mailboxes:
        addr = box.addr_spec.strip()
        out.append(
            (_raw_8bit_text(box.display_name), "" if addr == "<>" else addr, bool(box.domain))
        )
    return out


# One id: `<left@right>` (white space inside is folding and dropped), or a bare
# `left@right` token as older mailers write it; commas and comments separate.
_MSGID = re.compile(r"<([^<>]*)>|([^\s<>,()]+)")


def message_ids(value: str) -> list[str]:
    """Message-IDs of a References/In-Reply-To value, in order, without brackets.

    One pass of a compiled pattern and a set: linear in the value, with or without
    white space between the ids. The one parser for incoming mail and stored refs.
    """
    if _has_surrogates(value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    ids: list[str] = []
    seen: set[str] = set()
    for match in _MSGID.finditer(value):
        bracketed = match.group(1)
        token = "".join(bracketed.split()) if bracketed is not None else match.group(2)
        # An id with control characters is no id (and never goes into our References).
        if "@" in token and token not in seen and token.isprintable():
            seen.add(token)
            ids.append(token)
    return ids


def cap_references(ids: list[str]) -> tuple[list[str], str | None]:
    """At most REFS_FIRST + REFS_LAST ids: the oldest and the newest (RFC 5322 3.6.4)."""
    if len(ids) <= REFS_FIRST + REFS_LAST:
        return ids, None
    note = f"References: {len(ids):,} ids, kept the first {REFS_FIRST} and the last {REFS_LAST}"
    return ids[:REFS_FIRST] + ids[-REFS_LAST:], note


def first_id(value: str | None) -> str:
    """The first Message-ID of a header value, without angle brackets."""
    if not value:
        return ""
    text = str(value)
    if _has_surrogates(text):
        text = text.encode("utf-8", "surrogateescape").decode("latin-1")
    if "<" in text and ">" in text:
        start = text.index("<")
        end = text.find(">", start)
        if end > start:
            return text[start + 1 : end].strip()
    return text.strip()


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
