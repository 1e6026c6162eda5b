"""Building the RFC 5322 messages we send: subject tag, threading headers, encodings.

Every message carries the ticket tag in its subject (`[#123]`, or `[PREFIX #123]` with
`agency.ticket_tag_prefix`) and a Message-ID of our own domain (`agency.mail_domain`),
so that mail coming back (a customer's answer, our own copy) threads by either path.
Replies carry `In-Reply-To` and `References` of the thread. Text is UTF-8 in
quoted-printable (readable, and 7-bit clean for any relay); headers with Finnish or
Czech letters become RFC 2047 encoded words, attachment names RFC 2231. Automatic
mail says so with `Auto-Submitted` (RFC 3834) and asks Exchange not to auto-answer.

No I/O here: the caller passes the clock and the bytes of attachments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import EmailMessage

_REPLY_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|vs|vl|odp|tr|r|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_LANGS = ("fi", "cs", "en")


def subject_tag(ticket_id: int, prefix: str = "") -> str:
    """`[#123]`, or `[KV #123]` with a prefix."""
    prefix = prefix.strip()
    return f"[{prefix} #{ticket_id}]" if prefix else f"[#{ticket_id}]"


def _tag_pattern(ticket_id: int, prefix: str) -> re.Pattern[str]:
    prefix = prefix.strip()
    optional = rf"(?:{re.escape(prefix)}\s*)?" if prefix else ""
    return re.compile(rf"\s*\[{optional}#{ticket_id}\]\s*", re.IGNORECASE)


def base_subject(subject: str, ticket_id: int, prefix: str = "") -> str:
    """The subject without reply prefixes and without this ticket's tag.

    Control characters, escape sequences and bidi controls the customer's subject held
    are made visible the way the terminal shows them (`domain.safe_text`), never sent on."""
    from supportctl.domain.safe_text import term_safe

    text = " ".join(term_safe(subject, newlines=False).split())
    while True:
        stripped = _REPLY_PREFIX.sub("", text)
        stripped = _tag_pattern(ticket_id, prefix).sub(" ", stripped).strip()
        if stripped == text:
            return text
        text = stripped


def tagged_subject(subject: str, ticket_id: int, prefix: str = "", *, reply: bool = True) -> str:
    """`Re: [KV #123] Original subject` (one tag, one Re:)."""
    base = base_subject(subject, ticket_id, prefix)
    tag = subject_tag(ticket_id, prefix)
    text = f"{tag} {base}".strip()
    return f"Re: {text}" if reply else text


def new_message_id(domain: str, ticket_id: int | None = None) -> str:
    """A unique `<...@domain>` Message-ID of our own domain."""
    from email.utils import make_msgid

    return make_msgid(idstring=f"t{ticket_id}" if ticket_id else "supportctl", domain=domain)


def reference_chain(references: Sequence[str], parent: str | None, limit: int = 20) -> list[str]:
    """The parent's References plus the parent, de-duplicated, trimmed to the newest."""
    chain: list[str] = []
    seen: set[str] = set()
    for ref in [*references, *([parent] if parent else [])]:
        ref = ref.strip()
        if ref and ref not in seen:
            seen.add(ref)
            chain.append(ref)
    if len(chain) > limit:
        # Keep the thread root and the newest ones (RFC 5322 3.6.4 allows trimming).
        chain = [chain[0], *chain[-(limit - 1) :]]
    return chain


def split_references(value: str) -> list[str]:
    """`<a@x> <b@y>` (any whitespace, or none) -> ['<a@x>', '<b@y>']."""
    return re.findall(r"<[^<>\s]+>", value or "")


def as_msgid(value: str) -> str:
    """A stored Message-ID with or without angle brackets, as `<...>`."""
    value = value.strip()
    if not value:
        return ""
    return value if value.startswith("<") else f"<{value}>"


def language_for(locale: str | None, address: str = "", default: str = "en") -> str:
    """fi, cs or en: the customer's locale, else a guess from the sender's country domain."""
    if locale:
        lang = locale.replace("-", "_").split("_")[0].lower()
        if lang in _LANGS:
            return lang
    domain = address.rpartition("@")[2].lower()
    if domain.endswith(".fi"):
        return "fi"
    if domain.endswith(".cz"):
        return "cs"
    return default


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Outgoing:
    """Everything a message needs; `build` turns it into an EmailMessage."""

    from_addr: str
    to: tuple[str, ...]
    subject: str
    body: str
    date: datetime
    message_id: str
    from_name: str = ""
    cc: tuple[str, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    auto_submitted: str | None = None  # "auto-replied" or "auto-generated"
    attachments: tuple[Attachment, ...] = ()
    extra_headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    language: str = ""

    @property
    def recipients(self) -> list[str]:
        seen: list[str] = []
        for addr in (*self.to, *self.cc):
            if addr.lower() not in (s.lower() for s in seen):
                seen.append(addr)
        return seen


def _address_header(addresses: Sequence[str]) -> str:
    return ", ".join(addresses)


def build(out: Outgoing) -> EmailMessage:
    """An EmailMessage (policy SMTP: CRLF line ends) ready to send and to store."""
    from email import policy
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime

    msg = EmailMessage(policy=policy.SMTP)
    local, _, domain = out.from_addr.partition("@")
    msg["From"] = Address(display_name=out.from_name, username=local, domain=domain)
    msg["To"] = _address_header(out.to)
    if out.cc:
        msg["Cc"] = _address_header(out.cc)
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(out.date)
    msg["Message-ID"] = out.message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
    if out.references:
        msg["References"] = " ".join(out.references)
    if out.auto_submitted:
        msg["Auto-Submitted"] = out.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
    for name, value in out.extra_headers:
        msg[name] = value
    body = out.body.replace("\r\n", "\n")
    if not body.endswith("\n"):
        body += "\n"
    cte = (
        "7bit"
        if body.isascii() and all(len(line) <= 998 for line in body.splitlines())
        else "quoted-printable"
    )
    msg.set_content(body, subtype="plain", charset="utf-8", cte=cte)
    if out.language:
        # After set_content, which replaces every Content-* header.
        msg["Content-Language"] = out.language
    for item in out.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(
            item.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=item.filename,
        )
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The exact bytes we send and store (CRLF, 7-bit headers)."""
    from email import policy

    return msg.as_bytes(policy=policy.SMTP)


_WROTE = {"fi": "kirjoitti", "cs": "napsal(a)", "en": "wrote"}
ATTRIBUTION_ENDINGS = tuple(f"{word}:" for word in _WROTE.values())


def quote(text: str, *, who: str, when: str, lang: str = "en") -> str:
    """The customer's message quoted under an attribution line, for the editor."""
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    quoted = "\n".join(("> " + line) if line else ">" for line in lines)
    return f"{when} {who} {_WROTE.get(lang, _WROTE['en'])}:\n{quoted}\n"


def one_line(text: str, width: int) -> str:
    """First line of `text`, cut at `width` characters with an ellipsis."""
    first = " ".join(text.split())
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"
