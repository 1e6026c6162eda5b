"""Ticket lifecycle: creation (owner, urgency, SLA due times), status, notes, merges.

`create_ticket` and `on_message` are the seams the mail importer calls; the duty/SLA
rules fill in owner, urgency and due times here so that every way a ticket can be born
(mail, `ticket new`, the demo) goes through the same code.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from supportctl.domain.timeutil import to_utc_text
from supportctl.store import events
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config


def create_ticket(
    store: Store,
    config: Config,
    *,
    customer_id: int | None,
    requester: str,
    subject: str,
    body: str,
    arrived_at: datetime,
    classification: str,
    importance: str | None,
    is_triage: bool,
    needs_approval: bool,
    actor: str | None,
    now: datetime,
) -> int:
    """Insert a new ticket and its `ticket.created` event; call inside a transaction."""
    with store.transaction():
        ticket_id = ticket_store.insert(
            store,
            {
                "customer_id": customer_id,
                "requester": requester,
                "subject": subject,
                "classification": classification,
                "is_triage": int(is_triage),
                "needs_approval": int(needs_approval),
                "created_at": to_utc_text(arrived_at),
                "updated_at": to_utc_text(now),
            },
        )
        events.record(
            store,
            "ticket.created",
            at=now,
            actor=actor,
            ticket_id=ticket_id,
            customer_id=customer_id,
            data={
                "requester": requester,
                "subject": subject,
                "classification": classification,
                "arrived_at": to_utc_text(arrived_at),
            },
        )
    return ticket_id


def on_message(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    direction: str,
    classification: str,
    at: datetime,
    now: datetime,
) -> None:
    """A message joined the ticket: first response, reopening, activity time."""
    with store.transaction():
        row = ticket_store.get(store, ticket_id)
        if row is None:
            return
        values: dict[str, object] = {"updated_at": to_utc_text(now)}
        if direction == "out" and classification == "human" and row["first_response_at"] is None:
            values["first_response_at"] = to_utc_text(at)
        if (
            direction == "in"
            and classification == "human"
            and row["status"] in ("resolved", "waiting")
        ):
            values["status"] = "open"
            events.record(
                store,
                "ticket.status",
                at=now,
                actor=None,
                ticket_id=ticket_id,
                data={"old": row["status"], "new": "open", "reason": "customer replied"},
            )
        ticket_store.update(store, ticket_id, values)
