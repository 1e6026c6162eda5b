"""Approving billable work on a request that needs approval.

Only a customer's designated contacts may order billable work (DESIGN §2). Time on a
ticket whose requester is not one, or whose request failed authentication, is
`needs-approval` until approved, and an approval rests on something stored:

- a message on that ticket from a designated contact of the ticket's customer that
  is authenticated by the one rule of `domain.auth` (the same verdict import,
  `fetch --explain` and `ticket show` give);
- or, with no such message, an override reason, recorded with who gave it.

No approval by phone: there is no third way.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import InputError
from supportctl.services.timebase import DEFAULT_TZ, local_month
from supportctl.store import customers as customer_store
from supportctl.store import events, message_refs
from supportctl.store import messages as message_store
from supportctl.store import tickets as ticket_store
from supportctl.store import time_entries as entry_store
from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.config import Config


def _message(store: Store, ref: str) -> Row | None:
    if ref.strip().isdigit():
        return message_store.get(store, int(ref))
    header = ref.strip()
    if not header.startswith("<"):
        header = f"<{header}>"
    return message_refs.first_by_message_id(store, header)


def _merged_family(store: Store, ticket_id: int) -> set[int]:
    ids = {ticket_id}
    for child in ticket_store.merged_directly_into(store, ticket_id):
        ids |= _merged_family(store, child)
    return ids


def approve(
    store: Store,
    ticket_id: int,
    *,
    message: str | None,
    override: str | None,
    actor: str,
    now: datetime,
    config: Config,
    tz: str = DEFAULT_TZ,
) -> dict[str, Any]:
    """Record the approval of billable work on a ticket (one transaction, one event).

    The result's `unbilled` lists the ticket's time in customer-months already
    invoiced: it waited for approval there, so it was not billed, and the issued
    invoice is frozen. It is billed by logging a correction in an open month
    (`log … --corrects NUMBER`); nothing is changed automatically. Pass
    `tz=config.agency.timezone`: months are local calendar months.
    """
    if (message is None) == (override is None):
        raise InputError(
            'approve with --message ID (an authenticated "ok" from a designated contact) or --override "reason"'
        )
    with store.transaction():
        ticket = ticket_store.get(store, ticket_id)
        if ticket is None:
            raise InputError(f"no ticket #{ticket_id}", hint="run `supportctl inbox --all`")
        if ticket["merged_into"] is not None:
            target = ticket_store.resolve_id(store, ticket_id)
            raise InputError(f"ticket #{ticket_id} was merged into #{target}; approve #{target}")
        if not ticket["needs_approval"]:
            raise InputError(f"ticket #{ticket_id} does not need approval; its work is billable")
        if ticket["approval_message_id"] is not None or ticket["approval_override"] is not None:
            how = (
                f"message {ticket['approval_message_id']}"
                if ticket["approval_message_id"] is not None
                else f"override ({ticket['approval_override']})"
            )
            raise InputError(f"ticket #{ticket_id} is already approved by {how}")
        values: dict[str, Any] = {"updated_at": to_utc_text(now)}
        if message is not None:
            row = _message(store, message)
            if row is None:
                raise InputError(
                    f"no stored message '{message}'",
                    hint=f"run `supportctl ticket show {ticket_id}`",
                )
            if row["ticket_id"] not in _merged_family(store, ticket_id):
                raise InputError(f"message {row['id']} is not on ticket #{ticket_id}")
            if row["direction"] != "in":
                raise InputError(
                    f"message {row['id']} is our own outgoing mail, not the customer's"
                )
            from supportctl.render.safe import one_line
            from supportctl.services.authentication import verdict_of_stored

            sender = (row["from_addr"] or "").lower()
            if not customer_store.can_order(store, ticket["customer_id"], sender):
                raise InputError(
                    f'message {row["id"]} is from {one_line(sender) or "an unknown sender"}, not a designated contact; use --override "reason" if the work was agreed otherwise'
                )
            verdict = verdict_of_stored(store, config, int(row["id"]))
            if not verdict.authenticated:
                raise InputError(
                    f"message {row['id']} from {one_line(sender)} is not authenticated ({one_line(verdict.summary())}); it cannot approve billable work"
                )
            values["approval_message_id"] = int(row["id"])
            data = {"message": int(row["id"]), "from": sender}
        else:
            reason = (override or "").strip()
            if not reason:
                raise InputError(
                    '--override needs a reason, e.g. --override "agreed in the monthly meeting"'
                )
            values["approval_override"] = f"{reason} (by {actor})"
            data = {"override": reason, "by": actor}
        ticket_store.update(store, ticket_id, values)
        events.record(
            store,
            "ticket.approved",
            at=now,
            actor=actor,
            ticket_id=ticket_id,
            customer_id=ticket["customer_id"],
            data={
                **data,
                "old": {"approval_message_id": None, "approval_override": None},
                "new": {
                    "approval_message_id": values.get("approval_message_id"),
                    "approval_override": values.get("approval_override"),
                },
            },
        )
        unbilled = _unbilled(store, ticket_id, tz)
    return {"ticket": ticket_id, **data, "unbilled": unbilled}


def _unbilled(store: Store, ticket_id: int, tz: str) -> list[dict[str, Any]]:
    """Minutes of the ticket per invoiced customer-month, with the invoice number."""
    minutes: dict[tuple[int, str], int] = {}
    for row in entry_store.waiting_on_ticket(store, ticket_id):
        key = (int(row["customer_id"]), local_month(from_utc_text(row["start_at"]), tz))
        minutes[key] = minutes.get(key, 0) + int(row["minutes"])
    found = []
    for (customer_id, month), total in minutes.items():
        invoice = entry_store.issued_invoice(store, customer_id, (month,))
        if invoice is not None:
            found.append({"month": month, "invoice": invoice["number"], "minutes": total})
    return found
