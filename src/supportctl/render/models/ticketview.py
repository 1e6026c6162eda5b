"""The view models `services/ticketview.py` returns and `render/ticket.py` shows (see
the package doc)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, Protocol


class ReplySplit(Protocol):
    """A body cut into the new text and the hidden rest (`mail.quotes.Split`)."""

    @property
    def text(self) -> str: ...

    @property
    def rest(self) -> str: ...

    @property
    def is_quote(self) -> bool: ...

    @property
    def hidden_lines(self) -> int: ...


@dataclass
class AttachmentView:
    number: int
    filename: str
    content_type: str
    size: int
    sha256: str
    transfer_encoding: str


class _Whole(NamedTuple):
    """The split of a text nothing is cut from."""

    text: str
    rest: str = ""
    is_quote: bool = False
    hidden_lines: int = 0


def _whole(text: str) -> ReplySplit:
    """No splitter given: nothing is hidden."""
    return _Whole(text)


@dataclass
class MessageView:
    id: int
    direction: str
    message_id: str
    from_addr: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: str | None
    arrived_at: str
    subject: str
    in_reply_to: str
    references: list[str]
    classification: str
    auth: dict[str, str | None]
    text: str
    authenticated: bool | None = None  # the domain.auth verdict (None: outgoing mail)
    auth_reason: str = ""
    attachments: list[AttachmentView] = field(default_factory=list)
    # How the text is cut into new text and quoted history or signature: the service
    # passes `mail.quotes.split_reply` (called only when a view asks, see `reply`).
    splitter: Callable[[str], ReplySplit] = field(default=_whole, repr=False, compare=False)

    @cached_property
    def reply(self) -> ReplySplit:
        """The text cut into the new part and the quoted history/signature hidden on show."""
        return self.splitter(self.text)


@dataclass
class TicketView:
    id: int
    subject: str
    requester: str
    customer: str | None
    status: str
    urgency: str
    kind: str
    classification: str
    is_triage: bool
    needs_approval: bool
    created_at: str
    updated_at: str
    messages: list[MessageView]
    row: dict[str, Any]
    reply_to: str = ""  # the first message's Reply-To: where replies go (else requester)
    foreign_senders: list[str] = field(default_factory=list)
    bounces: list[BounceView] = field(default_factory=list)


@dataclass(frozen=True)
class BounceView:
    """One of our replies that bounced: when it went out, to whom, and why."""

    reply_at: str
    to: str
    reason: str
    bounced_at: str
