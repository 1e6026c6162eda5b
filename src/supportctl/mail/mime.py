"""MIME structure on bytes: header blocks through the stdlib parser, part boundaries
found with a compiled pattern, attachments hashed and never decoded here."""

from __future__ import annotations

import email
import email.errors
import email.header
import email.utils
import re
from email.message import Message

from supportctl.mail.charset import (
    decode_header_value,
    header,
)

# --- MIME structure on bytes ---------------------------------------------------------
#
# The stdlib parser walks every line of every part, base64 attachments included (about
# 13,000 lines per megabyte). Here only header blocks go through the stdlib parser; part
# boundaries are found with a compiled pattern over the bytes, so an attachment costs a
# few C-level searches and a SHA-256, and is never decoded.

_MAX_DEPTH = 25
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def split_entity(raw: bytes) -> tuple[Message, bytes]:
    """(header-only Message, body bytes) of a message or MIME part."""
    from email.parser import BytesParser

    if raw.startswith((b"\r\n", b"\n")):
        return Message(), raw[2:] if raw.startswith(b"\r\n") else raw[1:]
    match = _HEADER_END.search(raw)
    if match is None:
        msg = BytesParser().parsebytes(raw, headersonly=True)
        payload = msg.get_payload()
        body = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        msg.set_payload("")
        return msg, body
    head = raw[: match.start()] + b"\n"
    fast = _plain_header_block(head)
    if fast is not None:
        return fast, raw[match.end() :]
    msg = BytesParser().parsebytes(head, headersonly=True)
    leftover = msg.get_payload()
    body = raw[match.end() :]
    if isinstance(leftover, str) and leftover.strip():
        # A line in the header block that is not a header starts the body (a defect).
        body = leftover.encode("utf-8", "surrogateescape") + b"\n" + body
        msg.defects.append(email.errors.MissingHeaderBodySeparatorDefect())
    msg.set_payload("")
    return msg, body


_FIELD_NAME = re.compile(r"[\041-\071\073-\176]+:")


def _plain_header_block(head: bytes) -> Message | None:
    """The Message compat32's parser makes of a clean header block, or None.

    Clean: every line a `Name: value` field or the continuation of one, no `From `
    line, no bare CR. Exactly what `email.feedparser` stores then (the name up to the
    colon, the value with its folding kept), at a fraction of its cost; anything
    else (defects, envelope lines) goes through the stdlib parser.
    """
    text = head.decode("ascii", "surrogateescape")
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    msg = Message()
    lines = text.split("\n")
    lines.pop()  # `head` ends with a newline
    name = ""
    value: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            if not name:
                return None
            value.append(line + "\n")
            continue
        if line.startswith("From ") or _FIELD_NAME.match(line) is None:
            return None
        if name:
            msg.set_raw(name, _field_value(value))
        name = line[: line.index(":")]
        value = [line + "\n"]
    if name:
        msg.set_raw(name, _field_value(value))
    msg.set_payload("")
    return msg


def _field_value(lines: list[str]) -> str:
    """compat32's `header_source_parse` without the name."""
    first = lines[0].split(":", 1)[1]
    return (first.lstrip(" \t") + "".join(lines[1:])).rstrip("\r\n")


def split_multipart(body: bytes, boundary: str) -> list[bytes] | None:
    """The parts between boundary lines; None when the boundary never occurs.

    A delimiter is `--boundary` at the start of a line, optionally followed by `--`
    (the close) and white space. `bytes.find` does the scanning, so a part costs the
    same whatever its size.
    """
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    parts: list[bytes] = []
    start: int | None = None
    pos = 0
    size = len(body)
    while True:
        i = body.find(delimiter, pos)
        if i < 0:
            break
        pos = i + 1
        if i > 0 and body[i - 1] != 0x0A:
            continue  # not at the start of a line
        j = i + len(delimiter)
        closing = body.startswith(b"--", j)
        eol = body.find(b"\n", j)
        line_end = size if eol < 0 else eol
        if body[j + 2 if closing else j : line_end].strip(b" \t\r"):
            continue  # a longer boundary that starts with ours
        if start is not None:
            end = i
            if end > start and body[end - 1] == 0x0A:
                end -= 1
                if end > start and body[end - 1] == 0x0D:
                    end -= 1
            parts.append(body[start:end])
        if closing:
            return parts
        start = size if eol < 0 else eol + 1
        pos = start
    if start is None:
        return None
    parts.append(body[start:])  # no closing delimiter: the rest is the last part
    return parts


def _cte(msg: Message) -> str:
    value = header(msg, "Content-Transfer-Encoding")
    return _ascii(value.strip().lower(), "8bit") if value else "7bit"


def _ascii(value: str, default: str) -> str:
    """A token that must be ASCII (a MIME type, an encoding); else `default`."""
    return value if value.isascii() else default


def _decode_body(body: bytes, cte: str) -> bytes:
    import binascii

    if cte == "base64":
        try:
            return binascii.a2b_base64(body)
        except (binascii.Error, ValueError):
            compact = bytes(c for c in body if c in _B64_ALPHABET)
            compact = compact[: len(compact) - len(compact) % 4]
            try:
                return binascii.a2b_base64(compact)
            except (binascii.Error, ValueError):
                return body
    if cte == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _decoded_size(data: bytes, cte: str) -> int:
    if cte == "base64":
        compact = data.translate(None, b" \t\r\n")
        return max(0, len(compact) * 3 // 4 - compact[-2:].count(b"="))
    return len(data)


def _filename(part: Message, position: int) -> str:
    try:
        name = part.get_filename()
    except (LookupError, ValueError, UnicodeError):
        name = None
    if name and "\ufffd" in name:
        # Raw 8-bit bytes in the parameter: decode the header first, then read it again.
        tmp = Message()
        for field_name in ("Content-Disposition", "Content-Type"):
            raw = header(part, field_name)
            if raw:
                tmp[field_name] = decode_header_value(raw)
        name = tmp.get_filename() or name
    if name:
        return decode_header_value(name)
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        return f"forwarded-{position}.eml"
    if ctype == "application/ms-tnef":
        return "winmail.dat"
    if ctype == "text/rfc822-headers":
        return "original-headers.txt"
    if ctype == "message/delivery-status":
        return "delivery-status.txt"
    return f"part-{position}"
