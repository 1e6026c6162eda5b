"""Who a ticket's mail goes to: its requester.

The requester is the sender of the ticket's first incoming message, and replies go to
that message's Reply-To when it has one (a contact form writes as
`wordpress@customer.example` with `Reply-To: visitor@…`), else to its From. Replies,
acknowledgements and status notices all use this one target; whoever wrote last is not
a target by default, so a stranger's `Re: [#N]` never receives the customer's history.

A message joining a ticket from an address that is neither the requester, a contact
of the ticket's customer, nor the team is a `foreign-sender` message: stored, flagged,
never a default target, never opening billable work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supportctl.store import outbound as out_store
from supportctl.store.db import Store

FOREIGN_EVENT = "mail.foreign_sender"


@dataclass(frozen=True)
class Requester:
    from_addr: str  # who wrote the first message (or the ticket's requester, by hand)
    reply_to: str  # its Reply-To, "" when none
    message_row: int | None  # the first incoming message

    @property
    def address(self) -> str:
        """Where replies go: Reply-To when present, else From."""
        return self.reply_to or self.from_addr


def _first_incoming(thread: list[Any]) -> Any | None:
    for row in thread:
        if row["direction"] == "in" and row["classification"] == "human" and not row["is_own"]:
            return row
    return next((r for r in thread if r["direction"] == "in"), None)


def of_ticket(
    store: Store,
    ticket: Any,
    thread: list[Any] | None = None,
    raws: dict[int, bytes] | None = None,
) -> Requester:
    """(`raws`: the raw mail of the thread's incoming messages, when the caller has read
    it already.)"""
    from supportctl.mail.sender import reply_to_address

    if thread is None:
        thread = out_store.thread(store, int(ticket["id"]))
    first = _first_incoming(thread)
    if first is None:
        return Requester(str(ticket["requester"] or "").lower(), "", None)
    raw = raws.get(int(first["id"])) if raws is not None else None
    headers = (
        out_store.headers_of_raw(raw)
        if raw is not None
        else out_store.message_headers(store, int(first["id"]))
    )
    reply_to = reply_to_address(headers)
    from_addr = str(first["from_addr"] or ticket["requester"] or "").lower()
    return Requester(from_addr, reply_to if reply_to != from_addr else "", int(first["id"]))


def from_first_incoming(ticket: Any, first: Any) -> Requester | None:
    """`of_ticket` from the ticket's first incoming message as the importer's threading
    lookup reads it (`store.tickets.ThreadLookup`: the start of its raw bytes); None
    when that start does not hold its whole header block."""
    from supportctl.mail.sender import reply_to_address

    if first is None:
        return Requester(str(ticket["requester"] or "").lower(), "", None)
    from supportctl.store.tickets import HEAD_BYTES

    headers = None
    if first["raw_codec"] == "none":  # else the start of compressed bytes
        head = bytes(first["head"])
        headers = out_store.header_block(head, whole=len(head) < HEAD_BYTES)
    if headers is None:
        return None
    reply_to = reply_to_address(headers)
    from_addr = str(first["from_addr"] or ticket["requester"] or "").lower()
    return Requester(from_addr, reply_to if reply_to != from_addr else "", int(first["id"]))


def writers(thread: list[Any]) -> list[str]:
    """Addresses that wrote incoming mail on the ticket, in order of first appearance."""
    seen: list[str] = []
    for row in thread:
        address = str(row["from_addr"] or "").lower()
        if row["direction"] == "in" and address and address not in seen:
            seen.append(address)
    return seen


def foreign_message_ids(store: Store, ticket_id: int) -> set[int]:
    """Rows of the ticket's mail flagged `foreign-sender`."""
    from supportctl.store import tickets as ticket_store

    return ticket_store.foreign_message_ids(store, ticket_id)
