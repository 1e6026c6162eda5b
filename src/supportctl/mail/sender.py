"""Strict From: exactly one mailbox with one addr-spec, or a reason why not.

A From header is trusted to name a designated contact only when it holds one mailbox
and nothing else that looks like an address. `From: matti@acme.fi <attacker@evil.example>`
is read as `matti@acme.fi` by CPython's `email.utils` before the CVE-2023-27043
hardening, while mail servers and DMARC take the sender to be `attacker@evil.example`.
Where the running Python has `getaddresses(..., strict=True)` it is used; on every
version the check below also runs, so the answer does not depend on the Python.

The real addr-spec is the one inside angle brackets when there is one (what a server
and DMARC read), else the bare address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# One plain mailbox: `addr@host` or `Display Name <addr@host>`, nothing that needs the
# full grammar (quotes, comments, groups, lists, escapes, encoded words).
_PLAIN = re.compile(
    r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\- ]*?\s?<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@"
    r"[A-Za-z0-9.\-]+)>|([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9.\-]+))"
)
# Anything address-like elsewhere in the header (display name, comment, quoted string).
_ADDRESS_LIKE = re.compile(r"[^\s<>()\"',;:\[\]@]+@[^\s<>()\"',;:\[\]@]+")
_ADDR_SPEC = re.compile(r"[^\s@<>()\",;:\\\[\]]+@[^\s@<>()\",;:\\\[\]]+")


@dataclass(frozen=True)
class FromCheck:
    addr: str  # the real addr-spec, lower case ("" when none can be told)
    problem: str  # "" when the From is exactly one mailbox


# The email package loads when an address is first checked, not with this module:
# `ticket show` of a thread without a Reply-To needs none of it.


@cache
def _has_strict_mode() -> bool:
    import email.utils

    try:
        email.utils.getaddresses([], strict=True)  # type: ignore[call-arg]
    except TypeError:
        return False
    return True


def _getaddresses(value: str) -> list[tuple[str, str]]:
    import email.utils

    if _has_strict_mode():
        return email.utils.getaddresses([value], strict=True)  # type: ignore[call-arg]
    return email.utils.getaddresses([value])


def _angle_addresses(value: str) -> list[str]:
    """The contents of `<…>` outside quoted strings and comments."""
    found: list[str] = []
    depth = 0
    quoted = False
    i = 0
    start = -1
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        if quoted:
            quoted = ch != '"'
        elif depth:
            depth += {"(": 1, ")": -1}.get(ch, 0)
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth = 1
        elif ch == "<":
            start = i + 1
        elif ch == ">" and start >= 0:
            found.append(value[start:i])
            start = -1
        i += 1
    return found


def _decoded(text: str) -> str:
    if "=?" not in text:
        return text
    from email.errors import HeaderParseError
    from email.header import decode_header

    try:
        parts = decode_header(text)
    except (ValueError, LookupError, HeaderParseError):
        return text
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(chunk.decode(charset or "ascii", "replace") if _known(charset) else "")
        else:
            out.append(chunk)
    return "".join(out)


def _known(charset: str | None) -> bool:
    import codecs

    try:
        codecs.lookup(charset or "ascii")
    except LookupError:
        return False
    return True


def check_from(values: list[str]) -> FromCheck:
    """Check the raw values of every From header of a message."""
    if not values:
        return FromCheck("", "no From header")
    value = " ".join(values[0].replace("\r", " ").replace("\n", " ").split())
    plain = _PLAIN.fullmatch(value)
    if plain is not None and "=?" not in value:
        addr = (plain.group(1) or plain.group(2)).lower()
        if len(values) > 1:
            return FromCheck(addr, f"{len(values)} From headers")
        return FromCheck(addr, "")
    angles = _angle_addresses(value)
    if len(angles) == 1:
        # One angle-addr: that is the addr-spec servers and DMARC read. (Not handed to
        # getaddresses: an encoded-word display name with a comma would split there.)
        addr = angles[0].strip().lower()
        rest = value.replace(f"<{angles[0]}>", " ", 1)
    elif angles:
        return FromCheck(angles[0].strip().lower(), "not exactly one mailbox")
    else:
        pairs = [(n, a) for n, a in _getaddresses(value) if n or a]
        addr = pairs[0][1].strip().lower() if pairs else ""
        if len(pairs) != 1:
            return FromCheck(addr, "not exactly one mailbox")
        rest = value.replace(pairs[0][1], " ", 1)
    if len(values) > 1:
        return FromCheck(addr, f"{len(values)} From headers")
    if not _ADDR_SPEC.fullmatch(addr):
        return FromCheck(addr, "no single addr-spec")
    if ":" in rest and ";" in rest:
        return FromCheck(addr, "a group, not a mailbox")
    # Any other address-like text (display name, comment, quoted string, encoded word)
    # must be this same address.
    for other in _ADDRESS_LIKE.findall(_decoded(rest)):
        if other.strip(".").lower() != addr:
            return FromCheck(addr, f"the display name shows another address ({other})")
    return FromCheck(addr, "")


# A header field starts a line with its name (a folded line starts with white space):
# without such a line, the parser below would find no Reply-To either.
_REPLY_TO_LINE = re.compile(rb"^reply-to[ \t]*:", re.IGNORECASE | re.MULTILINE)


def reply_to_address(header_block: bytes) -> str:
    """The one Reply-To address of a raw header block, or "" (none, or not one mailbox)."""
    if not _REPLY_TO_LINE.search(header_block):
        return ""
    from email.parser import BytesHeaderParser

    msg = BytesHeaderParser().parsebytes(header_block + b"\n\n")
    values = [str(v) for v in msg.get_all("Reply-To") or []]
    if not values:
        return ""
    check = check_from(values)
    return check.addr if not check.problem and "@" in check.addr else ""
