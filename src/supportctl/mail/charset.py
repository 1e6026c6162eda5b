"""Charsets and header decoding: 8-bit text guessed by plausible letters, RFC 2047
encoded words (and the legacy forms seen in the wild), capped header reads."""

from __future__ import annotations

import email
import email.errors
import email.header
import email.utils
import re
from email.message import Message
from typing import Any

# Letters that are plausible in fi/cs/de/en/sk/pl text; used to choose among 8-bit charsets.
_GOOD = frozenset("äöåÄÖÅüÜßéÉáÁíÍóÓúÚýÝčČďĎěĚňŇřŘšŠťŤůŮžŽôÔľĽçÇñÑąćęłńśźżĄĆĘŁŃŚŹŻ€–—‘’‚“”„…•°§«»")
_CANDIDATES = ("windows-1252", "windows-1250", "iso-8859-2")
_LATIN_LIKE = frozenset(("us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252"))
# Caps that keep every step linear and short, whatever a message holds. Each cut is
# recorded in `ParsedMail.limits` (stored with the message, shown by `fetch --explain`).
MAX_HEADER_CHARS = 16_000  # one header value, before decoding


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


_ID_HEADERS = frozenset(("references", "in-reply-to", "message-id"))


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
