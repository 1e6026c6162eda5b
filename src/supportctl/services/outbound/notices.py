"""Automatic mail: acknowledgements, status and delegation notices, documents, alerts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain.timeutil import from_utc_text
from supportctl.errors import ConfigError, InputError, MailError
from supportctl.mail import compose
from supportctl.services.outbound.delivery import (
    ACK_MAX_AGE_HOURS,
    Outcome,
    Sent,
    Skipped,
    _agency,
    _customer,
    _customer_thread,
    _customer_zone,
    _deliver,
    _from_addr,
    _guard,
    _header_pairs,
    _local_now,
    _parent,
    _person_context,
    _Plan,
    _skip,
    _target,
    _threading,
    _ticket,
    _ticket_context,
    _zone_info,
    transport_for,
)
from supportctl.services.outbound.replies import (
    _language,
)
from supportctl.store import events
from supportctl.store import outbound as out_store
from supportctl.store import people as people_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.mail.smtp import Transport

# --- acknowledgements ----------------------------------------------------------------


def acknowledge(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    now: datetime,
    transport: Transport | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Acknowledge a new ticket to its sender, if the loop guard allows it."""
    from supportctl.render import mail as mail_render
    from supportctl.services import requester

    ticket = _ticket(store, ticket_id)
    thread = out_store.thread(store, ticket["id"])
    first = next((r for r in thread if r["direction"] == "in"), None)
    address = requester.of_ticket(store, ticket, thread).address  # Reply-To, else From
    reason = _ack_refusal(store, ticket, first, now)
    if reason:
        plan = _Plan(
            _skip_envelope(config, address, now), "ack", ticket["id"], automatic=True, actor=None
        )
        if dry_run:
            return Skipped("ack", ticket["id"], address, reason)
        return _skip(store, plan, address, reason, now)
    headers = (
        _header_pairs(out_store.message_headers(store, first["id"])) if first is not None else []
    )
    lang = _language(store, ticket, first)
    customer = _customer(store, ticket["customer_id"])
    due = ticket["due_response_at"]
    zone = _customer_zone(config, customer)
    context = {
        "ticket": _ticket_context(config, ticket),
        "customer": {"name": customer.name, "slug": customer.slug} if customer else None,
        "due_response": mail_render.format_when(from_utc_text(due), lang, zone) if due else None,
        "timezone": zone,
        "agency": _agency(config),
        "lang": lang,
    }
    body = mail_render.render(config.config_dir, "ack", lang, context)
    in_reply_to, references = _threading(first)
    prefix = config.agency.ticket_tag_prefix
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=config.agency.name,
        to=(address,),
        subject=compose.tagged_subject(
            (first["subject"] if first is not None else "") or ticket["subject"] or "",
            ticket["id"],
            prefix,
        ),
        body=body,
        date=now.astimezone(_zone_info(zone)),
        message_id=compose.new_message_id(config.agency.mail_domain, ticket["id"]),
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted="auto-replied",
        language=lang,
    )
    check = _guard(
        store,
        config,
        address=address,
        kind="ack",
        now=now,
        classification=first["classification"] if first is not None else ticket["classification"],
        headers=headers,
        include_team=True,
    )
    plan = _Plan(outgoing, "ack", ticket["id"], automatic=True, actor=None, check=check)
    return _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)


def _skip_envelope(config: Config, address: str, now: datetime) -> compose.Outgoing:
    """The addressing of a mail that will not be written, for the `mail.skipped` record."""
    return compose.Outgoing(
        from_addr=_from_addr(config), to=(address,), subject="", body="", date=now, message_id=""
    )


def _ack_refusal(store: Store, ticket: Any, first: Any | None, now: datetime) -> str:
    """Why a ticket gets no acknowledgement at all (before the per-address rules)."""
    if ticket["classification"] != "human":
        return f"the ticket was opened by {ticket['classification']} mail"
    if ticket["is_triage"]:
        return "the sender is not a known customer (triage): no automatic answer to strangers"
    if ticket["first_response_at"] is not None:
        return "a person already answered"
    if ticket["status"] in ("resolved", "closed"):
        return f"the ticket is already {ticket['status']}"
    if ticket["merged_into"] is not None:
        return "the ticket was merged"
    if first is None:
        return "the ticket has no incoming mail to acknowledge"
    if first["auth_dmarc"] in ("fail", "permerror"):
        # A forged sender: answering would send mail to someone who never wrote.
        return f"the sender failed DMARC ({first['auth_dmarc']}): no automatic answer to a possibly forged address"
    created = from_utc_text(ticket["created_at"])
    if (now - created).total_seconds() > ACK_MAX_AGE_HOURS * 3600:
        return f"the ticket arrived more than {ACK_MAX_AGE_HOURS} hours ago"
    if first["date"] and (now - from_utc_text(first["date"])).total_seconds() > (
        ACK_MAX_AGE_HOURS * 3600
    ):
        return f"the mail is dated more than {ACK_MAX_AGE_HOURS} hours ago (old mail imported late)"
    if any(
        e["kind"] == "mail.sent" and e["data"].get("kind") == "ack"
        for e in events.for_ticket(store, ticket["id"])
    ):
        return "the ticket was already acknowledged"
    return ""


def acknowledge_new(
    store: Store,
    config: Config,
    ticket_ids: Iterable[int],
    *,
    now: datetime,
    transport: Transport | None = None,
) -> list[Outcome]:
    """The importer's hook: acknowledge new tickets when `[smtp] acknowledge = true`.

    Runs after the import committed; a mail server failure stops the acknowledgements
    (reported as skipped) but never undoes the import.
    """
    ids = list(ticket_ids)
    if not ids:
        return []
    if transport is None:
        if config.smtp is None or not config.smtp.acknowledge:
            return []
        transport = transport_for(config)
    outcomes: list[Outcome] = []
    try:
        for index, ticket_id in enumerate(ids):
            try:
                outcomes.append(
                    acknowledge(store, config, ticket_id=ticket_id, now=now, transport=transport)
                )
            except (MailError, ConfigError) as exc:
                outcomes.extend(
                    Skipped("ack", tid, "", f"not sent: {exc.message}") for tid in ids[index:]
                )
                break
    finally:
        transport.close()
    return outcomes


# --- notices ------------------------------------------------------------------------


def notify_status(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    status: str,
    actor: str | None,
    now: datetime,
    note: str | None = None,
    transport: Transport | None = None,
    dry_run: bool = False,
    after_change: bool = False,
) -> Outcome:
    """Tell the customer the ticket's new status (automatic mail, loop-guarded).

    With `after_change` (the status was just committed) a failed send says so: the
    status stands, only the notice is missing.
    """
    from supportctl.render import mail as mail_render

    ticket = _ticket(store, ticket_id)
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    address = _target(store, ticket, thread, None)
    lang = _language(store, ticket, parent)
    context = {
        "ticket": _ticket_context(config, ticket),
        "status": status,
        "note": note or "",
        "auto_close_days": config.agency.auto_close_business_days,
        "agency": _agency(config),
        "lang": lang,
    }
    body = mail_render.render(config.config_dir, "status", lang, context)
    in_reply_to, references = _threading(thread[-1] if thread else None)
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=config.agency.name,
        to=(address,),
        subject=compose.tagged_subject(
            ticket["subject"] or "", ticket["id"], config.agency.ticket_tag_prefix
        ),
        body=body,
        date=now.astimezone(
            _zone_info(_customer_zone(config, _customer(store, ticket["customer_id"])))
        ),
        message_id=compose.new_message_id(config.agency.mail_domain, ticket["id"]),
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted="auto-generated",
        language=lang,
    )
    check = _guard(
        store,
        config,
        address=address or "",
        kind="status",
        now=now,
        classification=ticket["classification"],
        include_team=True,
    )
    plan = _Plan(
        outgoing,
        "status",
        ticket["id"],
        automatic=True,
        actor=actor,
        check=check,
        event_data={"status": status},
    )
    if not after_change:
        return _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
    try:
        return _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
    except (MailError, ConfigError) as exc:
        raise type(exc)(
            f"#{ticket['id']} is {status}, but the notice was not sent: {exc.message}",
            hint=f"send it again with `supportctl ticket status {ticket['id']} {status} --notify`",
        ) from None


def notify_delegation(
    store: Store,
    config: Config,
    *,
    task_id: int,
    actor: str | None,
    now: datetime,
    transport: Transport | None = None,
    dry_run: bool = False,
    after_change: bool = False,
) -> Outcome:
    """Mail the colleague a task was delegated to (automatic mail, loop-guarded)."""
    from supportctl.render import mail as mail_render
    from supportctl.store import delegations as delegation_store

    task = delegation_store.get(store, task_id)
    if task is None:
        raise InputError(f"no delegated task {task_id}", hint="run `supportctl delegated`")
    ticket = _ticket(store, task["ticket_id"])
    delegate = people_store.get_by_id(store, task["to_person_id"])
    by = people_store.get_by_id(store, task["by_person_id"]) if task["by_person_id"] else None
    if delegate is None:  # pragma: no cover - a foreign key guarantees the person
        raise InputError(f"task {task_id} names no person")
    customer = _customer(store, ticket["customer_id"])
    context = {
        "ticket": _ticket_context(config, ticket),
        "customer": {"name": customer.name, "slug": customer.slug} if customer else None,
        "task": task["task"],
        "skill": task["skill"],
        "reason": task["reason"],
        "estimate_minutes": task["estimate_minutes"],
        "delegate": _person_context(delegate),
        "by": _person_context(by),
        "agency": _agency(config),
    }
    body = mail_render.render(config.config_dir, "delegation", "en", context)
    tag = compose.subject_tag(ticket["id"], config.agency.ticket_tag_prefix)
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=config.agency.name,
        to=(delegate.email,),
        subject=f"{tag} Delegated to you: {compose.one_line(task['task'], 60)}",
        body=body,
        date=_local_now(config, now),
        message_id=compose.new_message_id(config.agency.mail_domain, ticket["id"]),
        auto_submitted="auto-generated",
    )
    check = _guard(store, config, address=delegate.email, kind="delegation", now=now)
    plan = _Plan(
        outgoing,
        "delegation",
        ticket["id"],
        automatic=True,
        actor=actor,
        check=check,
        event_data={"task": task_id, "delegate": delegate.handle},
    )
    try:
        return _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
    except (MailError, ConfigError) as exc:
        if not after_change:
            raise
        raise type(exc)(
            f"task {task_id} is delegated to {delegate.handle}, but the notice was not sent: {exc.message}",
            hint=f"tell {delegate.name} yourself, or reassign with --notify",
        ) from None


def send_document(
    store: Store,
    config: Config,
    *,
    to: str,
    subject: str,
    body: str,
    attachment: compose.Attachment,
    language: str,
    kind: str,
    actor: str | None,
    now: datetime,
    transport: Transport | None = None,
    dry_run: bool = False,
    event_data: dict[str, Any] | None = None,
    zone: str | None = None,
    on_sent: list[tuple[str, dict[str, Any]]] | None = None,
) -> Sent:
    """One mail with a document attached to a customer (an invoice, say), sent and
    recorded like every other mail (`_deliver`); with dry_run only built and shown.
    `on_sent` names functions (`module:function`, with their data) that record more in
    the transaction that records the mail as sent (see `delivery._record_sent`)."""
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=config.agency.name,
        to=(to,),
        subject=subject,
        body=body,
        date=_local_now(config, now) if zone is None else now.astimezone(_zone_info(zone)),
        message_id=compose.new_message_id(config.agency.mail_domain),
        attachments=(attachment,),
        language=language,
    )
    plan = _Plan(
        outgoing,
        kind,
        None,
        False,
        actor,
        event_data=dict(event_data or {}),
        on_sent=list(on_sent or []),
    )
    outcome = _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
    assert isinstance(outcome, Sent)  # no loop guard check: never skipped
    return outcome


# --- alerts --------------------------------------------------------------------------


def alert_mail(
    store: Store,
    config: Config,
    *,
    person: Any,
    ticket: dict[str, Any] | None,
    reason: str,
    why: str,
    now: datetime,
    transport: Transport | None = None,
) -> Outcome:
    """Page `person` by mail about a ticket (or, with `ticket` None, a test alert).

    The mail is internal (to a team member), so the customer loop guard does not apply;
    on success an `alert.sent` event is recorded on the ticket in the same transaction
    as the send (`services.alerts` keeps the rules of when).
    """
    from supportctl.render import mail as mail_render

    context: dict[str, Any] = {
        "owner": _person_context(person),
        "agency": _agency(config),
        "test": ticket is None,
        "why": why,
        "ticket": ticket,
        "customer": {"name": ticket["customer"]} if ticket and ticket.get("customer") else None,
    }
    body = mail_render.render(config.config_dir, "alert", "en", context)
    if ticket is None:
        subject = "supportctl test alert"
    else:
        subject = f"{ticket['tag']} {why}: {compose.one_line(ticket['subject'], 60)}"
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=config.agency.name,
        to=(person.email,),
        subject=subject,
        body=body,
        date=_local_now(config, now),
        message_id=compose.new_message_id(config.agency.mail_domain),
        auto_submitted="auto-generated",
    )
    extra: list[tuple[str, int | None, dict[str, Any]]] = []
    if ticket is not None:
        extra.append(
            (
                "alert.sent",
                int(ticket["id"]),
                {"reason": reason, "channel": "mail", "to": person.handle},
            )
        )
    plan = _Plan(
        outgoing,
        "alert",
        None,
        automatic=True,
        actor=None,
        event_data={"reason": reason, "owner": person.handle},
        extra_events=extra,
    )
    own = transport is None
    if transport is None:
        transport = transport_for(config)
    try:
        return _deliver(store, config, plan, transport=transport, now=now, dry_run=False)
    finally:
        if own:
            transport.close()
