"""Mail out: the one delivery path every message takes (see the package doc), the
transports, and what the kinds of mail share."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain import loopguard
from supportctl.domain.timeutil import from_utc_text, to_utc_text, zone
from supportctl.errors import ConfigError, InputError, SupportctlError
from supportctl.mail import compose
from supportctl.store import events
from supportctl.store import outbound as out_store
from supportctl.store import people as people_store
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.mail.smtp import Transport


OUTBOX_ENV = "SUPPORTCTL_OUTBOX"
ACK_MAX_AGE_HOURS = 24  # never acknowledge a ticket that arrived longer ago than this


@dataclass(frozen=True)
class Sent:
    """One mail that went out (or, with dry_run, would have)."""

    kind: str
    ticket_id: int | None
    to: list[str]
    cc: list[str]
    subject: str
    message_id: str  # without angle brackets, as stored
    where: str
    text: str  # the message for people: headers and body
    message_row: int | None = None
    first_response: bool = False
    dry_run: bool = False

    def describe(self) -> str:
        """One line for people: what went where."""
        names = {
            "ack": "acknowledgement",
            "status": "status notice",
            "delegation": "delegation notice",
            "remind": "reminder",
        }
        what = names.get(self.kind, self.kind)
        verb = "would send" if self.dry_run else "sent"
        on = f" on #{self.ticket_id}" if self.ticket_id else ""
        return f"{verb} {what}{on} to {', '.join(self.to + self.cc)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.message_row,
            "kind": self.kind,
            "ticket": self.ticket_id,
            "to": self.to,
            "cc": self.cc,
            "subject": self.subject,
            "message_id": self.message_id,
            "sent_via": self.where,
            "first_response": self.first_response,
            "dry_run": self.dry_run,
        }


@dataclass(frozen=True)
class Skipped:
    """An automatic mail the loop guard (or the situation) did not allow."""

    kind: str
    ticket_id: int | None
    address: str
    reason: str

    def describe(self) -> str:
        on = f" on #{self.ticket_id}" if self.ticket_id else ""
        return f"no {self.kind} mail{on} to {self.address or 'anyone'}: {self.reason}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ticket": self.ticket_id,
            "address": self.address,
            "skipped": self.reason,
        }


Outcome = Sent | Skipped


# --- transports ---------------------------------------------------------------------


def transport_for(config: Config, *, outbox: Path | None = None) -> Transport:
    """The outbox when asked for (argument or SUPPORTCTL_OUTBOX), else SMTP from the config."""
    from supportctl.mail.smtp import OutboxTransport, SmtpTransport

    chosen = outbox or (Path(os.environ[OUTBOX_ENV]) if os.environ.get(OUTBOX_ENV) else None)
    if chosen is not None:
        return OutboxTransport(chosen.expanduser())
    if config.smtp is None:
        raise ConfigError(
            f"no [smtp] section in {config.path}: cannot send mail",
            hint="add [smtp] with host, port and tls (see docs/config.sample.toml); "
            "--dry-run shows the message without sending",
        )
    return SmtpTransport(config.smtp)


def _local_now(config: Config, now: datetime) -> datetime:
    """The Date header in the agency's zone, as a person there would write it."""
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(config.agency.timezone))


def _customer_zone(config: Config, customer: Any) -> str:
    """The zone of times in mail to this customer: its own, else its country's."""
    if customer is None:
        return config.agency.timezone
    return str(customer.zone_name(config.agency.timezone))


_zone_info = zone  # domain.timeutil.zone


def _from_addr(config: Config) -> str:
    return config.smtp.from_addr if config.smtp is not None else config.agency.support_address


# --- helpers ------------------------------------------------------------------------


def _ticket(store: Store, ticket_id: int) -> Any:
    resolved = ticket_store.resolve_id(store, ticket_id)
    row = ticket_store.get(store, resolved) if resolved is not None else None
    if row is None:
        raise InputError(
            f"no ticket #{ticket_id}", hint="run `supportctl inbox --all` to see tickets"
        )
    return row


def require_ticket(store: Store, ticket_id: int) -> int:
    """The ticket's number (merges followed), or bad input naming the way out."""
    return int(_ticket(store, ticket_id)["id"])


def _ids(value: str) -> list[str]:
    from supportctl.mail.parse import message_ids

    return message_ids(value or "")


def _customer_thread(store: Store, ticket_id: int) -> list[Any]:
    """The ticket's mail without our internal notices (delegation mails to colleagues)
    and without mail from foreign senders (never quoted, answered or threaded to)."""
    from supportctl.services.requester import foreign_message_ids

    team = people_store.team_emails(store)
    foreign = foreign_message_ids(store, ticket_id)
    return [
        r
        for r in out_store.thread(store, ticket_id)
        if (r["direction"] == "in" and r["id"] not in foreign)
        or (
            r["direction"] == "out"
            and not {a.strip().lower() for a in r["to_addrs"].split(",") if a.strip()} <= team
        )
    ]


def _parent(thread: Sequence[Any]) -> Any | None:
    """The message a reply answers: the last human mail from the customer, else the last one."""
    for row in reversed(thread):
        if row["direction"] == "in" and row["classification"] == "human" and not row["is_own"]:
            return row
    return thread[-1] if thread else None


def _threading(parent: Any | None) -> tuple[str, tuple[str, ...]]:
    if parent is None or not parent["message_id"]:
        return "", ()
    refs = compose.reference_chain(
        [compose.as_msgid(r) for r in _ids(parent["refs"])], compose.as_msgid(parent["message_id"])
    )
    return compose.as_msgid(parent["message_id"]), tuple(refs)


def _target(store: Store, ticket: Any, thread: list[Any], to: str | None) -> str:
    """The requester's address, or `to` when it already wrote on the ticket."""
    from supportctl.services import requester

    who = requester.of_ticket(store, ticket, thread)
    if to is None:
        return who.address
    wanted = to.strip().lower()
    everyone = out_store.thread(store, int(ticket["id"]))  # foreign senders wrote too
    known = [who.address, who.from_addr, *requester.writers(everyone)]
    allowed = list(dict.fromkeys(a for a in known if a))
    if wanted not in allowed:
        from supportctl.render.safe import one_line

        raise InputError(
            f"--to {one_line(wanted)}: that address has not written on ticket #{ticket['id']}",
            hint="it can go to: " + ", ".join(one_line(a) for a in allowed),
        )
    return wanted


def reply_target(store: Store, ticket_id: int, to: str | None = None) -> str:
    """Where `reply` would send (bad input for a `to` that never wrote on the ticket)."""
    ticket = _ticket(store, ticket_id)
    return _target(store, ticket, _customer_thread(store, ticket["id"]), to)


def _customer(store: Store, customer_id: int | None) -> Any:
    if customer_id is None:
        return None
    from supportctl.store import customers as customer_store

    return customer_store.get_by_id(store, customer_id)


def _requester_name(store: Store, address: str, fallback: str = "") -> str:
    name = out_store.contact_name(store, address)
    full = str(name or fallback or "").strip()
    return full.split()[0] if full else ""


def _printable(msg: Any) -> str:
    """Headers a person reads, then the text, then the attachments' names."""
    lines = []
    for name in (
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Auto-Submitted",
    ):
        value = msg.get(name)
        if value is not None:
            lines.append(f"{name}: {value}")
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    lines.append("")
    lines.append(text.rstrip("\n"))
    files = [part.get_filename() for part in msg.iter_attachments()]
    if files:
        lines.append("")
        lines.extend(f"[attachment: {name}]" for name in files)
    return "\n".join(lines) + "\n"


def _recent(store: Store, address: str, now: datetime) -> list[loopguard.SentRecord]:
    since = to_utc_text(now - loopguard.LOOKBACK)
    return [
        loopguard.SentRecord(
            from_utc_text(r["at"]), r["address"], r["kind"], bool(r["is_automatic"])
        )
        for r in out_store.recent_log(store, loopguard.normalise(address), since)
    ]


def _header_pairs(raw_headers: bytes) -> list[tuple[str, str]]:
    if not raw_headers:
        return []
    import email
    import email.policy

    msg = email.message_from_bytes(raw_headers + b"\r\n\r\n", policy=email.policy.compat32)
    return [(k, str(v)) for k, v in msg.items()]


@dataclass
class _Plan:
    outgoing: compose.Outgoing
    kind: str
    ticket_id: int | None
    automatic: bool
    actor: str | None
    check: Callable[[], loopguard.Verdict] | None = None
    event_data: dict[str, Any] = field(default_factory=dict)
    extra_events: list[tuple[str, int | None, dict[str, Any]]] = field(default_factory=list)
    # more to record once sent: ("module:function", data); the function is called as
    # function(store, data, raw=, message_id=, now=) in the transaction that records it
    on_sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _deliver(
    store: Store,
    config: Config,
    plan: _Plan,
    *,
    transport: Transport | None,
    now: datetime,
    dry_run: bool,
) -> Outcome:
    """Check, send and record one message (see the module docstring)."""
    out = plan.outgoing
    msg = compose.build(out)
    raw = compose.to_bytes(msg)
    message_id = out.message_id.strip("<>")
    recipients = out.recipients
    if dry_run:
        if plan.check is not None:
            verdict = plan.check()
            if not verdict.allowed:
                return Skipped(plan.kind, plan.ticket_id, ", ".join(out.to), verdict.reason)
        return Sent(
            plan.kind,
            plan.ticket_id,
            list(out.to),
            list(out.cc),
            out.subject,
            message_id,
            "dry run",
            _printable(msg),
            dry_run=True,
        )
    if store.in_transaction:  # the "sending" record must be committed before the send
        raise RuntimeError("mail is delivered outside a write transaction")
    if transport is None:
        transport = transport_for(config)
    if plan.check is not None:
        # Cheap refusal before connecting; repeated under the write lock below.
        verdict = plan.check()
        if not verdict.allowed:
            return _skip(store, plan, ", ".join(out.to), verdict.reason, now)
    transport.open()
    resume_unfinished(store, config, transport, now=now)
    with store.transaction():
        if plan.check is not None:
            verdict = plan.check()
            if not verdict.allowed:
                return _skip(store, plan, ", ".join(out.to), verdict.reason, now)
        # The loop guard's memory is written with the "sending" record, under the same
        # lock as the check: two processes cannot both pass the caps for one sender.
        logged = [
            (
                address.lower(),
                out_store.log_id(
                    store,
                    at=to_utc_text(now),
                    address=loopguard.normalise(address),
                    kind=plan.kind,
                    ticket_id=plan.ticket_id,
                    is_automatic=plan.automatic,
                ),
            )
            for address in recipients
        ]
        record = _record_of(plan, msg_values(out, raw, message_id, now), logged, now)
        sending = out_store.begin_sending(
            store,
            message_id=message_id,
            at=to_utc_text(now),
            host=_HOST,
            pid=os.getpid(),
            sender=out.from_addr,
            recipients=json.dumps(list(recipients)),
            record=json.dumps(record),
            raw=raw,
        )
    try:
        where = transport.send(raw, sender=out.from_addr, recipients=recipients)
    except SupportctlError:
        # The server said no or could not be reached (or the outbox file could not be
        # written): not sent, so nothing stays recorded. Anything else (a signal, a
        # bug) leaves the mail recorded as sending, to be sent again.
        with store.transaction():
            out_store.end_sending(store, sending)
            out_store.forget_log(store, [row_id for _address, row_id in logged])
        raise
    sent = _record_sent(store, config, sending, record, raw, where, transport.refused)
    return Sent(
        plan.kind,
        plan.ticket_id,
        list(out.to),
        list(out.cc),
        out.subject,
        message_id,
        sent.where,
        _printable(msg),
        sent.message_row,
        sent.first_response,
    )


# --- sending, then sent ----------------------------------------------------------------
#
# A mail is recorded as "sending" (a row in `outgoing` with its exact bytes, and its
# `outbound_log` rows) and committed before the server sees it, then handed to the
# server outside any transaction, then recorded as sent in a transaction of its own:
# the message row, the `mail.sent` event and the ticket's first response are written
# and the `outgoing` row is dropped. A server that refuses or cannot be reached takes
# the "sending" record back. A process killed between the two leaves the row; the next
# process that sends mail (any delivery, `remind`, the `watch` schedule) sends it again
# with the same bytes and Message-ID and records it then (`resume_unfinished`).
# A mail is therefore never lost and never recorded as sent unless the server took it;
# at worst, when the process died after the server took the mail but before it was
# recorded, the recipient gets it twice with one Message-ID (which mail clients show
# once).

_HOST = socket.gethostname()
STALE_AFTER = timedelta(minutes=10)  # a live sender on another host is given this long


def msg_values(out: compose.Outgoing, raw: bytes, message_id: str, now: datetime) -> dict[str, Any]:
    """The `messages` row of a mail we send (without the raw bytes)."""
    from supportctl.domain import threading as threads

    return {
        "message_id": message_id,
        "body_hash": threads.body_hash(raw, message_id),
        "in_reply_to": out.in_reply_to.strip("<>"),
        "refs": " ".join(r.strip("<>") for r in out.references),
        "from_addr": out.from_addr.lower(),
        "from_name": out.from_name,
        "to_addrs": ", ".join(a.lower() for a in out.to),
        "cc_addrs": ", ".join(a.lower() for a in out.cc),
        "date": to_utc_text(out.date),
        "arrived_at": to_utc_text(now),
        "subject": out.subject,
        "text_body": out.body,
        "size": len(raw),
    }


def _record_of(
    plan: _Plan, values: dict[str, Any], logged: list[tuple[str, int]], now: datetime
) -> dict[str, Any]:
    """What `_record_sent` writes once the server took the mail, as JSON-able data."""
    return {
        "at": to_utc_text(now),
        "kind": plan.kind,
        "ticket_id": plan.ticket_id,
        "automatic": plan.automatic,
        "actor": plan.actor,
        "message": {
            **values,
            "ticket_id": plan.ticket_id,
            "classification": "autoreply" if plan.automatic else "human",
        },
        "to": values["to_addrs"].split(", ") if values["to_addrs"] else [],
        "cc": values["cc_addrs"].split(", ") if values["cc_addrs"] else [],
        "display_to": list(plan.outgoing.to),
        "display_cc": list(plan.outgoing.cc),
        "logged": [list(pair) for pair in logged],  # (address, outbound_log id)
        "event_data": plan.event_data,
        "extra_events": [list(e) for e in plan.extra_events],
        "on_sent": [list(h) for h in plan.on_sent],
    }


@dataclass(frozen=True)
class _Recorded:
    where: str
    message_row: int | None
    first_response: bool


def _record_sent(
    store: Store,
    config: Config,
    sending: int,
    record: dict[str, Any],
    raw: bytes,
    where: str,
    refused: set[str],
    *,
    resumed: bool = False,
) -> _Recorded:
    """Record a mail the server took as sent: one transaction (see above)."""
    now = from_utc_text(record["at"])
    ticket_id = record["ticket_id"]
    kind = record["kind"]
    automatic = bool(record["automatic"])
    refused = {a.lower() for a in refused}
    if refused:
        where = f"{where} (refused: {', '.join(sorted(refused))})"
    first_response = False
    with store.transaction():
        if not out_store.end_sending(store, sending):
            return _Recorded(where, None, False)  # another process recorded it meanwhile
        before = ticket_store.get(store, ticket_id) if ticket_id else None
        row = out_store.insert_message(store, {**record["message"], "raw": raw})
        out_store.forget_log(store, [int(i) for a, i in record["logged"] if a in refused])
        events.record(
            store,
            "mail.sent",
            at=now,
            actor=record["actor"],
            ticket_id=ticket_id,
            data={
                "kind": kind,
                "message": row,
                "message_id": record["message"]["message_id"],
                "to": record["display_to"],
                "cc": record["display_cc"],
                "subject": record["message"]["subject"],
                "automatic": automatic,
                **record["event_data"],
                **({"resumed": True} if resumed else {}),
            },
        )
        for event_kind, event_ticket, data in record["extra_events"]:
            events.record(
                store, event_kind, at=now, actor=record["actor"], ticket_id=event_ticket, data=data
            )
        for target, data in record.get("on_sent", []):
            _on_sent_function(target)(
                store, data, raw=raw, message_id=record["message"]["message_id"], now=now
            )
        if ticket_id is not None and kind in ("reply", "ack", "status"):
            from supportctl.services import tickets as ticket_service

            ticket_service.on_message(
                store,
                config,
                ticket_id=ticket_id,
                direction="out",
                classification="autoreply" if automatic else "human",
                at=now,
                now=now,
            )
            after = ticket_store.get(store, ticket_id)
            first_response = (
                before is not None
                and after is not None
                and before["first_response_at"] is None
                and after["first_response_at"] is not None
            )
    return _Recorded(where, row, first_response)


def _on_sent_function(target: str) -> Callable[..., None]:
    """`module:function` of supportctl's own services (the only ones a plan names)."""
    import importlib

    module, _, name = target.partition(":")
    if not module.startswith("supportctl.services."):
        raise ValueError(f"not a supportctl service: {target}")
    function: Callable[..., None] = getattr(importlib.import_module(module), name)
    return function


def _abandoned(row: Any, now: datetime) -> bool:
    """Is this sending row left by a process that is gone? On this host: its process no
    longer runs. Elsewhere (a shared database): it has not been claimed for STALE_AFTER.
    A row whose last try failed is held by nobody (pid 0)."""
    if int(row["pid"]) == 0:
        return True
    if row["host"] == _HOST:
        if int(row["pid"]) == os.getpid():
            return False  # ours: another thread of this process is sending it
        try:
            os.kill(int(row["pid"]), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, another user's
    return now - from_utc_text(row["claimed_at"]) > STALE_AFTER


def resume_unfinished(
    store: Store, config: Config, transport: Transport | None = None, *, now: datetime
) -> list[Outcome]:
    """Send again, and record, every mail a dead process left recorded as sending.

    Same bytes, same Message-ID. A mail the server refuses or cannot take now stays
    recorded as sending (with the error) for the next try, and is reported as skipped.
    Without a `transport`, one is opened (and closed) only when there is something to send.
    """
    rows = [r for r in out_store.unfinished(store) if _abandoned(r, now)]
    if not rows:
        return []
    if transport is None:
        own = transport_for(config)
        try:
            return resume_unfinished(store, config, own, now=now)
        finally:
            own.close()
    outcomes: list[Outcome] = []
    for waiting in rows:
        with store.transaction():
            mine = out_store.claim_sending(
                store, waiting, host=_HOST, pid=os.getpid(), at=to_utc_text(now)
            )
        row = out_store.sending(store, int(waiting["id"])) if mine else None
        if row is None:
            continue
        record = json.loads(row["record"])
        recipients = json.loads(row["recipients"])
        raw = bytes(row["raw"])
        try:
            where = transport.send(raw, sender=row["sender"], recipients=recipients)
        except SupportctlError as exc:
            with store.transaction():
                out_store.sending_failed(store, int(row["id"]), exc.message)
            outcomes.append(
                Skipped(
                    record["kind"],
                    record["ticket_id"],
                    ", ".join(recipients),
                    f"not sent again, left for the next try: {exc.message}",
                )
            )
            continue
        done = _record_sent(
            store,
            config,
            int(row["id"]),
            record,
            raw,
            where,
            transport.refused,
            resumed=True,
        )
        outcomes.append(
            Sent(
                record["kind"],
                record["ticket_id"],
                record["display_to"],
                record["display_cc"],
                record["message"]["subject"],
                record["message"]["message_id"],
                f"{done.where}, sent again after an interrupted send",
                "",
                done.message_row,
                done.first_response,
            )
        )
    return outcomes


def _skip(store: Store, plan: _Plan, address: str, reason: str, now: datetime) -> Skipped:
    with store.transaction():
        events.record(
            store,
            "mail.skipped",
            at=now,
            actor=plan.actor,
            ticket_id=plan.ticket_id,
            data={"kind": plan.kind, "to": address, "reason": reason},
        )
    return Skipped(plan.kind, plan.ticket_id, address, reason)


def _guard(
    store: Store,
    config: Config,
    *,
    address: str,
    kind: str,
    now: datetime,
    classification: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
    include_team: bool = False,
) -> Callable[[], loopguard.Verdict]:
    own = set(config.our_addresses)
    if include_team:
        own |= people_store.team_emails(store)

    def check() -> loopguard.Verdict:
        return loopguard.may_send_automatic(
            address=address,
            kind=kind,
            now=now,
            recent=_recent(store, address, now),
            own_addresses=own,
            classification=classification,
            headers=headers,
        )

    return check


def _agency(config: Config) -> dict[str, str]:
    return {"name": config.agency.name, "support_address": config.agency.support_address}


def _ticket_context(config: Config, ticket: Any) -> dict[str, Any]:
    return {
        "id": ticket["id"],
        "tag": compose.subject_tag(ticket["id"], config.agency.ticket_tag_prefix),
        "subject": compose.base_subject(
            ticket["subject"] or "", ticket["id"], config.agency.ticket_tag_prefix
        )
        or "(no subject)",
        "status": ticket["status"],
    }


def _person_context(person: Any) -> dict[str, str] | None:
    if person is None:
        return None
    return {"handle": person.handle, "name": person.name, "email": person.email}
