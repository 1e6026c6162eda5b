"""Raw RFC 822 bytes -> `ParsedMail`: headers, readable text, attachment references.

Why it looks like this:
- The stdlib `email` parser with the `compat32` policy is several times faster than
  `policy.default` (see bench/ingest.py: the header-registry objects dominate on small
  mail). compat32 is only unsafe where it leaves decoding to the caller, so that part is
  done here: every header goes through `decode_header_value` (RFC 2047 words, raw 8-bit
  bytes, mislabeled charsets) and filenames through `get_filename` (RFC 2231) and then
  the same decoder (RFC 2047 inside quotes, common in the wild).
- Undeclared or mislabeled 8-bit text is guessed, never shown with replacement
  characters: valid UTF-8 wins; otherwise windows-1252, windows-1250 and ISO-8859-2
  are scored by how plausible their letters are for the languages we serve (Finnish,
  Czech, German, English), so "č ř ě ů" and "ä ö å" both come out right.
- Attachments are not decoded here: their transfer-encoded bytes are hashed and kept
  as they are (content-addressed), and decoded only when someone saves one.
- HTML-only mail becomes plain text with html2text configured for reading, not for
  Markdown: no link, emphasis, heading or table markup, no escaping backslashes; inline
  elements join their neighbours, block elements get lines of their own.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from supportctl.mail.sender import check_from

# Letters that are plausible in fi/cs/de/en/sk/pl text; used to choose among 8-bit charsets.
_GOOD = frozenset("äöåÄÖÅüÜßéÉáÁíÍóÓúÚýÝčČďĎěĚňŇřŘšŠťŤůŮžŽôÔľĽçÇñÑąćęłńśźżĄĆĘŁŃŚŹŻ€–—‘’‚“”„…•°§«»")
_CANDIDATES = ("windows-1252", "windows-1250", "iso-8859-2")
_LATIN_LIKE = frozenset(("us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252"))
_TEXT_TYPES = ("text/plain", "text/html")
_MAX_TEXT_BYTES = 2_000_000
_MAX_HTML_CHARS = 300_000  # a text part larger than this is kept as an attachment only
# Caps that keep every step linear and short, whatever a message holds. Each cut is
# recorded in `ParsedMail.limits` (stored with the message, shown by `fetch --explain`).
MAX_HEADER_CHARS = 16_000  # one header value, before decoding
MAX_ADDRESSES = 100  # per To or Cc
REFS_FIRST, REFS_LAST = 10, 90  # References kept: the thread root end and the newest
MAX_EMBEDDED_IDS = 100  # ids noted from a bounced or forwarded original


@dataclass(frozen=True)
class AttachmentRef:
    """One attachment as it appears in the message (not decoded)."""

    position: int
    filename: str
    content_type: str
    transfer_encoding: str
    size: int  # decoded size in bytes
    data: bytes  # transfer-encoded bytes, as in the message (empty when `start` is set)
    sha256: str
    start: int = -1  # or: the bytes are raw[start:end] of the message they came from
    end: int = -1


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_addr: str
    from_name: str
    to_addrs: list[str]
    cc_addrs: list[str]
    date: datetime | None
    subject: str
    text: str
    content_type: str
    report_type: str
    headers: dict[str, list[str]]  # lower-cased name -> decoded values (the ones we use)
    attachments: list[AttachmentRef] = field(default_factory=list)
    embedded_ids: list[str] = field(
        default_factory=list
    )  # Message-ID/References of a bounced original
    embedded_subject: str = ""
    bounce_reason: str = ""  # a delivery report's Diagnostic-Code or Status, in one line
    defects: int = 0
    limits: list[str] = field(default_factory=list)  # caps that cut something, in words
    from_problem: str = ""  # why From is not exactly one mailbox (mail.sender); "" if it is


# Headers kept for classification, authentication, urgency hints and display.
KEPT_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "mailing-list",
    "return-path",
    "importance",
    "x-priority",
    "priority",
    "x-msmail-priority",
    "authentication-results",
    "x-failed-recipients",
    "feedback-type",
    "reply-to",
)


# --- charsets -----------------------------------------------------------------------


def _score(text: str) -> int:
    score = 0
    for ch in text:
        if ch < "\x80":
            continue
        if ch in _GOOD:
            score += 2
        elif "\x80" <= ch <= "\x9f" or ch == "\ufffd":
            score -= 5
        else:
            score -= 1
    return score


# A well-formed UTF-8 multi-byte sequence: text that holds some is UTF-8 text, even
# when a stray line in another charset makes the whole of it invalid.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def guess_decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown charset: UTF-8 if valid, else the most plausible 8-bit one.

    UTF-8 text with a stray line in a legacy charset (a footer, a pasted quote) is
    decoded line by line: only that line is guessed, the rest stays UTF-8.
    """
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = _guess_legacy(data)
    if b"\n" in data and _UTF8_SEQUENCE.search(data):
        # Line by line only when that reads better than one legacy charset for all
        # (short legacy text can hold a line that happens to be valid UTF-8).
        mixed = _mixed_lines(data)
        if _score(mixed) > _score(legacy[0]):
            return mixed, "utf-8"
    return legacy


def _mixed_lines(data: bytes) -> str:
    lines = data.split(b"\n")
    bad = [n for n, line in enumerate(lines) if not _is_utf8(line)]
    charset = _guess_legacy(b"\n".join(lines[n] for n in bad))[1]
    return "\n".join(
        line.decode(charset, "replace") if n in set(bad) else line.decode("utf-8")
        for n, line in enumerate(lines)
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_legacy(data: bytes) -> tuple[str, str]:
    best: tuple[int, str, str] | None = None
    for charset in _CANDIDATES:
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            continue
        s = _score(text)
        if best is None or s > best[0]:
            best = (s, text, charset)
    if best is not None:
        return best[1], best[2]
    return data.decode("latin-1"), "iso-8859-1"


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Decode with the declared charset, correcting the common mislabelings."""
    if declared:
        declared = declared.strip().strip('"').lower()
    if not declared or declared in ("unknown-8bit", "x-unknown", "8bit", "default", "binary"):
        return guess_decode(data)[0]
    if data.isascii() and not _shifts_in_ascii(declared):
        return data.decode("ascii")
    if declared in _LATIN_LIKE or declared.startswith("iso-8859"):
        # Text labelled Latin-1 (or plain ASCII) that is valid UTF-8 is UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if declared in ("us-ascii", "ascii"):
            return guess_decode(data)[0]
        if declared in ("iso-8859-1", "latin-1", "latin1"):
            declared = "windows-1252"  # a superset that browsers and mailers use for this label
    try:
        return data.decode(declared)
    except (LookupError, UnicodeDecodeError):
        return guess_decode(data)[0]


_SHIFTING = ("utf_7", "iso2022", "hz", "utf_16", "utf_32")


def _shifts_in_ascii(declared: str) -> bool:
    """Charsets whose ASCII bytes are not ASCII text (UTF-7, ISO-2022-*, UTF-16 ...)."""
    import codecs

    try:
        name = codecs.lookup(declared).name.replace("-", "_")
    except LookupError:
        return False
    return name.startswith(_SHIFTING)


def decode_header_value(value: Any) -> str:
    """RFC 2047 words and raw 8-bit bytes in a header -> text."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = str(value)
    if "=?" in text:
        # Unfolded as policy.default does (line breaks out, the fold's blank kept).
        text = _encoded_words("".join(text.splitlines()))
    return _unfold(_raw_8bit_text(text))


def _encoded_words(text: str) -> str:
    """RFC 2047 words read by the stdlib's own parser (`policy.default`: white space
    between adjacent words dropped, kept elsewhere, folds kept as a space, lenient
    about spaces inside a word); each word's bytes then decoded like a body's
    (`decode_bytes`: UTF-8 labelled Latin-1, unknown charsets, 7-bit charsets)."""
    from email import _header_value_parser as hvp

    try:
        tokens = hvp.get_unstructured(text)
    except Exception:  # lenient as it is, a parser failure must not lose the header
        return _legacy_encoded_words(text)
    out: list[str] = []
    for token in tokens:
        value = str(token)
        charset = getattr(token, "charset", None) if token.token_type == "encoded-word" else None
        if charset:
            out.append(decode_bytes(_word_bytes(value, charset), charset))
        else:
            out.append(value)
    return "".join(out)


def _word_bytes(decoded: str, charset: str) -> bytes:
    """The bytes of an encoded word back from the stdlib's text of it (it decodes with
    surrogate escapes, and as ASCII when it does not know the charset)."""
    try:
        return decoded.encode(charset, "surrogateescape")
    except (LookupError, UnicodeError):
        return decoded.encode("utf-8", "surrogateescape")


def _legacy_encoded_words(text: str) -> str:
    try:
        parts = email.header.decode_header(text)
    except (email.errors.HeaderParseError, ValueError, LookupError):
        return text
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset) if charset else guess_decode(chunk)[0])
    return "".join(out)


def header(msg: Message, name: str) -> str | None:
    """The raw value of the first `name` header (8-bit bytes kept as surrogate escapes).

    compat32's `msg.get` wraps raw 8-bit values in a Header with the charset
    'unknown-8bit', which prints replacement characters; the raw value lets
    `decode_header_value` guess the charset instead.
    """
    values = headers_all(msg, name)
    return values[0] if values else None


def headers_all(msg: Message, name: str, *, cap: int | None = MAX_HEADER_CHARS) -> list[str]:
    """Every raw value of `name`, each cut to `cap` characters (None: whole)."""
    lower = name.lower()
    size = len(lower)  # compared first: most names differ in length, lower() is not free
    values = [str(v) for k, v in msg.raw_items() if len(k) == size and k.lower() == lower]
    if cap is not None:
        return [v if len(v) <= cap else v[:cap] for v in values]
    return values


def _header_limits(msg: Message) -> list[str]:
    """What MAX_HEADER_CHARS cuts in this header block, in words."""
    return [
        f"{name}: {len(str(value)):,} characters, read the first {MAX_HEADER_CHARS:,}"
        for name, value in msg.raw_items()
        if len(str(value)) > MAX_HEADER_CHARS and name.lower() not in _ID_HEADERS
    ]


_SURROGATE = re.compile("[\udc80-\udcff]")
_SURROGATE_RUN = re.compile("[\udc80-\udcff]+")


def _has_surrogates(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def _unfold(text: str) -> str:
    return " ".join(text.replace("\r", " ").replace("\n", " ").split()) if text else ""


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
_ID_HEADERS = frozenset(("references", "in-reply-to", "message-id"))


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


def _raw_8bit_text(value: str) -> str:
    """A header value with raw 8-bit bytes (compat32 keeps them as surrogate escapes)
    decoded as text: as a whole when it is UTF-8, else each run of raw bytes in the
    one legacy charset guessed from all of them (decoded words stay as they are)."""
    if value.isascii() or not _has_surrogates(value):
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        pass
    runs = [bytes(ord(ch) - 0xDC00 for ch in run) for run in _SURROGATE_RUN.findall(value)]
    charset = _guess_legacy(b" ".join(run for run in runs if not _is_utf8(run)))[1]

    def decode(match: re.Match[str]) -> str:
        run = bytes(ord(ch) - 0xDC00 for ch in match.group(0))
        return run.decode("utf-8") if _is_utf8(run) else run.decode(charset, "replace")

    return _SURROGATE_RUN.sub(decode, value)


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


# --- HTML ---------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: no markup characters, blocks on their own lines."""
    import html2text

    class _Reader(html2text.HTML2Text):
        def handle_data(self, data: str, entity_char: bool = False) -> None:
            # entity_char=True skips html2text's Markdown escaping (backslashes).
            super().handle_data(data, entity_char=True)

    def _tags(self: Any, tag: str, attrs: Any, start: bool) -> bool | None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "center", "address"):
            self.p()
            return True
        if tag == "li":
            if start:
                self.pbr()
                self.o("• ")
            return True
        if tag in ("ul", "ol", "dl"):
            self.p()
            return True
        if tag in ("td", "th"):
            if not start:
                self.o("  ")
            return True
        if tag == "br" and start:
            self.o("\n")
            return True
        return None

    converter = _Reader(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.ignore_mailto_links = True
    converter.unicode_snob = True
    converter.single_line_break = False
    converter.mark_code = False
    converter.backquote_code_style = False
    converter.tag_callback = _tags  # type: ignore[assignment]
    try:
        text = converter.handle(html)
    except Exception:  # html2text is robust, but a broken document must not stop ingest
        return html
    return tidy_text(text)


def tidy_text(text: str) -> str:
    """Trailing spaces off, at most one empty line in a row, no leading/trailing blanks."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# --- the walk -----------------------------------------------------------------------


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


def _part_text(msg: Message, body: bytes) -> str:
    payload = _decode_body(body, _cte(msg))
    text = decode_bytes(payload, msg.get_content_charset())
    if msg.get_content_type() == "text/html":
        # Past this size HTML is generated junk, not a letter; its head is enough to read.
        return html_to_text(text[:_MAX_HTML_CHARS])
    return tidy_text(text)


def _is_attachment(part: Message) -> bool:
    disposition = (header(part, "Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_type() not in _TEXT_TYPES:
        return True
    if disposition == "inline":
        return False  # inline text is read as the body, named or not (as the stdlib does)
    return bool(part.get_param("name") or part.get_param("filename", header="content-disposition"))


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


class _Walker:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.attachments: list[AttachmentRef] = []
        self.embedded_ids: list[str] = []
        self.embedded_subject = ""
        self.bounce_reason = ""

    def attach(self, part: Message, data: bytes) -> None:
        position = len(self.attachments) + 1
        cte = _cte(part)
        self.attachments.append(
            AttachmentRef(
                position=position,
                filename=_filename(part, position),
                content_type=_ascii(part.get_content_type(), "application/octet-stream"),
                transfer_encoding=cte,
                size=_decoded_size(data, cte),
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )

    def walk(self, part: Message, body: bytes, *, top: bool = True, depth: int = 0) -> None:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global") and depth < _MAX_DEPTH:
            self._forward(part, body, depth)
            return
        if ctype.startswith("multipart/") and depth < _MAX_DEPTH:
            boundary = part.get_boundary()
            chunks = split_multipart(body, boundary) if boundary else None
            if chunks is not None:
                subparts = [split_entity(chunk) for chunk in chunks]
                if ctype == "multipart/alternative":
                    self._alternative(subparts, depth)
                else:
                    for sub, sub_body in subparts:
                        self.walk(sub, sub_body, top=False, depth=depth + 1)
                return
            ctype = "text/plain"  # a multipart without its boundary: show it as text
            if body.strip():
                self.texts.append(tidy_text(decode_bytes(body, None)))
            return
        if ctype in ("text/rfc822-headers", "message/delivery-status") or (
            ctype.startswith("message/") and ctype != "message/partial"
        ):
            if ctype == "text/rfc822-headers":
                self._note_ids(split_entity(_decode_body(body, _cte(part)) + b"\n\n")[0])
            if ctype == "message/delivery-status" and not self.bounce_reason:
                self.bounce_reason = delivery_reason(_decode_body(body, _cte(part))[:65536])
            self.attach(part, body)
            return
        if _is_attachment(part) and not (top and ctype in _TEXT_TYPES):
            self.attach(part, body)
            return
        if ctype in _TEXT_TYPES:
            if len(body) > _MAX_TEXT_BYTES:
                self.attach(part, body)
                return
            text = _part_text(part, body)
            if text:
                self.texts.append(text)
            return
        self.attach(part, body)

    def _alternative(self, subparts: list[tuple[Message, bytes]], depth: int) -> None:
        chosen: tuple[Message, bytes] | None = None
        for wanted in ("text/plain", "text/html"):
            for sub in subparts:
                if sub[0].get_content_type() == wanted:
                    chosen = sub
                    break
            if chosen is not None:
                break
        if chosen is None and subparts:
            chosen = subparts[-1]  # nested alternatives or related: the last, richest one
        if chosen is not None:
            self.walk(chosen[0], chosen[1], top=False, depth=depth + 1)
        for sub in subparts:
            ctype = sub[0].get_content_type()
            if (
                sub is not chosen
                and ctype not in _TEXT_TYPES
                and not ctype.startswith("multipart/")
            ):
                self.attach(sub[0], sub[1])

    def _forward(self, part: Message, body: bytes, depth: int) -> None:
        self.attach(part, body)
        inner_raw = _decode_body(body, _cte(part))
        inner, inner_body = split_entity(inner_raw)
        self._note_ids(inner)
        sub = _Walker()
        sub.walk(inner, inner_body, top=True, depth=depth + 1)
        head = [
            "---------- Forwarded message ----------",
            f"From: {decode_header_value(header(inner, 'From'))}",
            f"Date: {decode_header_value(header(inner, 'Date'))}",
            f"Subject: {decode_header_value(header(inner, 'Subject'))}",
        ]
        self.texts.append("\n".join(head) + "\n\n" + "\n\n".join(sub.texts))
        for ref in sub.attachments:
            self.attachments.append(
                AttachmentRef(
                    position=len(self.attachments) + 1,
                    filename=ref.filename,
                    content_type=ref.content_type,
                    transfer_encoding=ref.transfer_encoding,
                    size=ref.size,
                    data=ref.data,
                    sha256=ref.sha256,
                )
            )

    def _note_ids(self, inner: Message) -> None:
        seen = set(self.embedded_ids)
        for name in ("Message-ID", "In-Reply-To", "References"):
            for value in headers_all(inner, name, cap=None):
                ids = message_ids(str(value))
                if name == "References":
                    ids = cap_references(ids)[0]
                for ident in ids:
                    if ident not in seen and len(self.embedded_ids) < MAX_EMBEDDED_IDS:
                        seen.add(ident)
                        self.embedded_ids.append(ident)
        if not self.embedded_subject:
            self.embedded_subject = decode_header_value(header(inner, "Subject"))


_DSN_FIELD = re.compile(
    r"^(diagnostic-code|status|action|final-recipient)[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)


def delivery_reason(report: bytes) -> str:
    """Why a delivery failed, in one line, from a message/delivery-status part (RFC 3464):
    the recipient and its Diagnostic-Code, else its Status."""
    fields: dict[str, str] = {}
    for name, value in _DSN_FIELD.findall(guess_decode(report)[0]):
        fields.setdefault(name.lower(), " ".join(value.split()))
    reason = fields.get("diagnostic-code") or fields.get("status", "")
    reason = reason.split(";", 1)[1].strip() if reason.lower().startswith("smtp;") else reason
    recipient = fields.get("final-recipient", "").split(";")[-1].strip()
    text = f"{recipient}: {reason}" if recipient and reason else reason or recipient
    return text[:300]


def _same_address(addr: str) -> str:
    """An address as compared with another reading of it: case and quotes aside."""
    return addr.lower().replace('"', "")


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one message; never raises on malformed input."""
    msg, body = split_entity(raw)
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in KEPT_HEADERS:
            headers.setdefault(key, []).append(decode_header_value(value))
    from_list = _addresses(headers_all(msg, "From"))
    if not from_list:
        from_list = _addresses(headers_all(msg, "Sender"))
    from_name, from_addr = from_list[0] if from_list else ("", "")
    # Strict From: a separate check, on the text (raw 8-bit bytes decoded as above).
    from_check = check_from([_raw_8bit_text(v) for v in headers_all(msg, "From")])
    if "@" in from_check.addr and _same_address(from_check.addr) != _same_address(from_addr):
        # The real addr-spec (in angle brackets, if any) where it differs from what we
        # read; where they agree, the address keeps the case the sender wrote.
        from_addr = from_check.addr
    walker = _Walker()
    try:
        walker.walk(msg, body)
    except (
        LookupError,
        ValueError,
        TypeError,
        AttributeError,
        AssertionError,
        IndexError,
        RecursionError,
    ):
        # A structurally broken message still gets a readable body: its raw text.
        walker.texts = [tidy_text(guess_decode(body)[0])]
    limits = _header_limits(msg)
    refs, cut = cap_references(message_ids(" ".join(headers_all(msg, "References", cap=None))))
    if cut:
        limits.append(cut)
    in_reply_to_ids = message_ids(
        " ".join(headers_all(msg, "In-Reply-To", cap=None))[:MAX_HEADER_CHARS]
    )
    to_addrs = [a for _n, a in _addresses(headers_all(msg, "To"))]
    cc_addrs = [a for _n, a in _addresses(headers_all(msg, "Cc"))]
    for name, addrs in (("To", to_addrs), ("Cc", cc_addrs)):
        if len(addrs) > MAX_ADDRESSES:
            limits.append(f"{name}: {len(addrs):,} addresses, kept the first {MAX_ADDRESSES}")
            del addrs[MAX_ADDRESSES:]
    return ParsedMail(
        message_id=first_id(header(msg, "Message-ID")),
        in_reply_to=in_reply_to_ids[0] if in_reply_to_ids else "",
        references=refs,
        from_addr=from_addr,
        from_name=from_name,
        to_addrs=to_addrs,
        cc_addrs=cc_addrs,
        date=_date(header(msg, "Date")),
        subject=decode_header_value(header(msg, "Subject")),
        text="\n\n".join(walker.texts),
        content_type=_ascii(msg.get_content_type(), "text/plain"),
        report_type=_ascii(str(msg.get_param("report-type") or "").lower(), ""),
        headers=headers,
        attachments=walker.attachments,
        embedded_ids=walker.embedded_ids,
        embedded_subject=walker.embedded_subject,
        bounce_reason=walker.bounce_reason,
        defects=len(msg.defects),
        limits=limits,
        from_problem=from_check.problem,
    )


def decode_attachment(data: bytes, transfer_encoding: str) -> bytes:
    """The file content of an attachment stored transfer-encoded."""
    import binascii
    import quopri

    cte = transfer_encoding.lower()
    if cte == "base64":
        try:
            return binascii.a2b_base64(data)
        except binascii.Error:
            return binascii.a2b_base64(data.translate(None, b"\r\n \t") + b"==")
    if cte == "quoted-printable":
        return quopri.decodestring(data)
    if cte in ("x-uuencode", "uuencode", "x-uue"):
        import email.message as em

        part = em.Message()
        part["Content-Transfer-Encoding"] = "x-uuencode"
        part.set_payload(data.decode("ascii", "surrogateescape"))
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else data
    return data
