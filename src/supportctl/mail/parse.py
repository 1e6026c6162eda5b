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

The fast paths live in modules of their own: `mail/charset.py` (charsets and header
decoding), `mail/headers.py` (addresses, message ids, dates) and `mail/mime.py` (MIME
structure on bytes); this module walks a message with them into `ParsedMail`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

from supportctl.mail.charset import (
    MAX_HEADER_CHARS,
    _header_limits,
    _raw_8bit_text,
    decode_bytes,
    decode_header_value,
    guess_decode,
    header,
    headers_all,
)
from supportctl.mail.headers import (
    MAX_ADDRESSES,
    MAX_EMBEDDED_IDS,
    _addresses,
    _date,
    cap_references,
    first_id,
    message_ids,
)
from supportctl.mail.mime import (
    _MAX_DEPTH,
    _ascii,
    _cte,
    _decode_body,
    _decoded_size,
    _filename,
    split_entity,
    split_multipart,
)
from supportctl.mail.sender import check_from

_TEXT_TYPES = ("text/plain", "text/html")
_MAX_TEXT_BYTES = 2_000_000
_MAX_HTML_CHARS = 300_000  # a text part larger than this is kept as an attachment only


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


def _no_nul(text: str) -> str:
    """Text without NUL characters: mail text has no use for them, a terminal shows
    nothing, and PostgreSQL's text type cannot hold them (both engines store the same)."""
    return text.replace("\x00", "") if "\x00" in text else text


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
                filename=_no_nul(_filename(part, position)),
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
        from_name=_no_nul(from_name),
        to_addrs=to_addrs,
        cc_addrs=cc_addrs,
        date=_date(header(msg, "Date")),
        subject=_no_nul(decode_header_value(header(msg, "Subject"))),
        text=_no_nul("\n\n".join(walker.texts)),
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
