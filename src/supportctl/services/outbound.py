"""Mail out: replies, acknowledgements, status and delegation notices, reminders.

Every mail goes through `_deliver`, which is what makes them safe:

- The SMTP session is opened (connect, TLS, login) before the write lock is taken;
  then one transaction checks the loop guard, hands the bytes to the server and records
  the message (direction 'out', the exact raw bytes), one `outbound_log` row per
  recipient, a `mail.sent` event, and the ticket's first response when it is one. A
  send that fails rolls the transaction back: nothing is recorded as sent, the ticket
  is unchanged, and a reply's text is saved as a draft whose path the error names.
  Checking the rate caps inside the same write lock as the send means two `fetch`
  runs at once cannot both acknowledge the same sender.
- Automatic mail (everything but `reply`) carries `Auto-Submitted` and must pass
  `domain.loopguard`; a refusal is not an error, it is recorded in the ticket history
  (`mail.skipped`) so "why did the customer get nothing?" has an answer.

`SUPPORTCTL_OUTBOX=DIR` (or a transport passed in, as the demo does) writes the mail
as .eml files into DIR instead of sending it; everything else happens as for SMTP.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain import loopguard
from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import ConfigError, InputError, MailError
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


def _zone_info(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


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
    from supportctl.domain import threading as threads

    if transport is None:
        transport = transport_for(config)
    if plan.check is not None:
        # Cheap refusal before connecting; repeated under the write lock below.
        verdict = plan.check()
        if not verdict.allowed:
            return _skip(store, plan, ", ".join(out.to), verdict.reason, now)
    transport.open()
    first_response = False
    with store.transaction():
        if plan.check is not None:
            verdict = plan.check()
            if not verdict.allowed:
                return _skip(store, plan, ", ".join(out.to), verdict.reason, now)
        before = ticket_store.get(store, plan.ticket_id) if plan.ticket_id else None
        where = transport.send(raw, sender=out.from_addr, recipients=recipients)
        row = out_store.insert_message(
            store,
            {
                "ticket_id": plan.ticket_id,
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
                "classification": "autoreply" if plan.automatic else "human",
                "size": len(raw),
                "raw": raw,
            },
        )
        refused = {a.lower() for a in transport.refused}
        if refused:
            where = f"{where} (refused: {', '.join(sorted(refused))})"
        for address in [r for r in recipients if r.lower() not in refused]:
            out_store.log(
                store,
                at=to_utc_text(now),
                address=loopguard.normalise(address),
                kind=plan.kind,
                ticket_id=plan.ticket_id,
                is_automatic=plan.automatic,
            )
        events.record(
            store,
            "mail.sent",
            at=now,
            actor=plan.actor,
            ticket_id=plan.ticket_id,
            data={
                "kind": plan.kind,
                "message": row,
                "message_id": message_id,
                "to": list(out.to),
                "cc": list(out.cc),
                "subject": out.subject,
                "automatic": plan.automatic,
                **plan.event_data,
            },
        )
        for kind, ticket_id, data in plan.extra_events:
            events.record(store, kind, at=now, actor=plan.actor, ticket_id=ticket_id, data=data)
        if plan.ticket_id is not None and plan.kind in ("reply", "ack", "status"):
            from supportctl.services import tickets as ticket_service

            ticket_service.on_message(
                store,
                config,
                ticket_id=plan.ticket_id,
                direction="out",
                classification="autoreply" if plan.automatic else "human",
                at=now,
                now=now,
            )
            after = ticket_store.get(store, plan.ticket_id)
            first_response = (
                before is not None
                and after is not None
                and before["first_response_at"] is None
                and after["first_response_at"] is not None
            )
    return Sent(
        plan.kind,
        plan.ticket_id,
        list(out.to),
        list(out.cc),
        out.subject,
        message_id,
        where,
        _printable(msg),
        row,
        first_response,
    )


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


# --- reply --------------------------------------------------------------------------


def _attachments(paths: Sequence[Path]) -> tuple[compose.Attachment, ...]:
    out = []
    for path in paths:
        try:
            data = path.expanduser().read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read attachment {path}: {exc.strerror}") from None
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        out.append(compose.Attachment(path.name, data, ctype))
    return tuple(out)


def _addresses(values: Sequence[str], what: str) -> tuple[str, ...]:
    from email.utils import getaddresses

    out = []
    for value in values:
        for _name, addr in getaddresses([value]):
            addr = addr.strip()
            if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@"):
                raise InputError(f"{what} '{value}' is not a mail address")
            out.append(addr)
    return tuple(out)


def is_empty_reply(text: str) -> bool:
    """Nothing but whitespace, quoted lines and the attribution line above them."""
    lines = [line for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.lstrip().startswith(">")]
    if not meaningful:
        return True
    return len(meaningful) == 1 and meaningful[0].rstrip().endswith(compose.ATTRIBUTION_ENDINGS)


def draft(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    template: str | None,
    actor: str | None,
    now: datetime,
    text: str | None = None,
) -> str:
    """The editor's starting text: a canned reply (if any), then the quoted customer mail."""
    ticket = _ticket(store, ticket_id)
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    lang = _language(store, ticket, parent)
    top = ""
    if template:
        top = canned(
            store, config, ticket_id=ticket["id"], name=template, actor=actor, now=now, text=text
        )
    quoted = ""
    if parent is not None and parent["direction"] == "in" and parent["text_body"].strip():
        when = parent["date"] or parent["arrived_at"]
        stamp = _local_stamp(config, when)
        who = (
            f"{parent['from_name']} <{parent['from_addr']}>"
            if parent["from_name"]
            else parent["from_addr"]
        )
        quoted = compose.quote(parent["text_body"], who=who, when=stamp, lang=lang)
    return (top.rstrip("\n") + "\n\n" if top else "\n\n") + quoted


def _local_stamp(config: Config, utc_text: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        moment = from_utc_text(utc_text)
    except ValueError:
        return utc_text
    return moment.astimezone(ZoneInfo(config.agency.timezone)).strftime("%Y-%m-%d %H:%M")


def _language(store: Store, ticket: Any, parent: Any | None) -> str:
    customer = _customer(store, ticket["customer_id"])
    address = (
        parent["from_addr"]
        if parent is not None and parent["direction"] == "in"
        else ticket["requester"]
    )
    return compose.language_for(customer.locale if customer else None, address or "")


def canned(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    name: str,
    actor: str | None,
    now: datetime,
    text: str | None = None,
) -> str:
    """A canned reply rendered for this ticket, in the customer's language.

    `text` fills the template's place for the writer's own words (`{{ text }}`); without
    it, a template that has such a place is refused (exit 2), one that has none is sent
    as it is."""
    from supportctl.render import mail as mail_render

    ticket = _ticket(store, ticket_id)
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    lang = _language(store, ticket, parent)
    customer = _customer(store, ticket["customer_id"])
    me = people_store.get_by_handle(store, actor) if actor else None
    owner = people_store.get_by_id(store, ticket["owner_id"]) if ticket["owner_id"] else None
    address = (
        parent["from_addr"]
        if parent is not None and parent["direction"] == "in"
        else ticket["requester"]
    )
    context = {
        "ticket": _ticket_context(config, ticket),
        "customer": {"name": customer.name, "slug": customer.slug} if customer else None,
        "requester_name": _requester_name(
            store, address or "", parent["from_name"] if parent else ""
        ),
        "me": _person_context(me)
        or {"handle": actor or "", "name": config.agency.name, "email": ""},
        "duty": _person_context(_duty(store, config, now) or owner or me),
        "owner": _person_context(owner),
        "agency": _agency(config),
        "auto_close_days": config.agency.auto_close_business_days,
        "lang": lang,
    }
    try:
        return mail_render.render_canned(config.config_dir, name, lang, context, text=text)
    except mail_render.NeedsText:
        raise InputError(
            f"the canned reply '{name}' has a place for your own text ({{{{ text }}}})",
            hint=f'fill it with -m: supportctl reply {ticket_id} --template {name} -m "…"',
        ) from None


def _duty(store: Store, config: Config, now: datetime) -> Any:
    """This week's duty person, when a rota is set up."""
    try:
        from supportctl.services import rota
    except ImportError:  # pragma: no cover - the rota ships with the product
        return None
    if rota.is_empty(store):
        return None
    person_id, _duty = rota.owner_for_arrival(store, config, now)
    return people_store.get_by_id(store, person_id) if person_id else None


def templates(config: Config) -> list[Any]:
    """The canned replies: packaged ones and the user's own."""
    from supportctl.render import mail as mail_render

    return mail_render.canned_templates(config.config_dir)


def reply(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    body: str,
    actor: str | None,
    now: datetime,
    cc: Sequence[str] = (),
    attach: Sequence[Path] = (),
    dry_run: bool = False,
    transport: Transport | None = None,
    to: str | None = None,
) -> Sent:
    """Send a person's reply on a ticket; it is the ticket's first response if none came before.

    It goes to the ticket's requester (`services.requester`: the Reply-To of the first
    message, else its From), or with `to` to another address that already wrote on the
    ticket; never to whoever wrote last by default.
    """
    ticket = _ticket(store, ticket_id)
    if not dry_run and transport is None:
        transport = transport_for(config)  # no [smtp]: exit 3 before anything else
    if is_empty_reply(body):
        raise InputError(
            f"empty message: nothing sent on ticket #{ticket['id']}",
            hint="write the reply above the quoted text, or pass -m TEXT / --file PATH",
        )
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    to_addr = _target(store, ticket, thread, to)
    if not to_addr or "@" not in to_addr:
        raise InputError(
            f"ticket #{ticket['id']} has no customer address to reply to",
            hint="a ticket made by hand needs a requester with a mail address",
        )
    cc_addrs = _addresses(cc, "--cc")
    files = _attachments(attach)
    in_reply_to, references = _threading(parent)
    me = people_store.get_by_handle(store, actor) if actor else None
    prefix = config.agency.ticket_tag_prefix
    subject_source = (
        parent["subject"] if parent is not None and parent["subject"] else ticket["subject"]
    )
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=f"{me.name} / {config.agency.name}" if me else config.agency.name,
        to=(to_addr,),
        cc=cc_addrs,
        subject=compose.tagged_subject(subject_source or "", ticket["id"], prefix),
        body=body,
        date=now.astimezone(
            _zone_info(_customer_zone(config, _customer(store, ticket["customer_id"])))
        ),
        message_id=compose.new_message_id(config.agency.mail_domain, ticket["id"]),
        in_reply_to=in_reply_to,
        references=references,
        attachments=files,
        language=_language(store, ticket, parent),
    )
    plan = _Plan(outgoing, "reply", ticket["id"], automatic=False, actor=actor)
    try:
        outcome = _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
    except (MailError, ConfigError) as exc:
        path = save_draft(store, ticket["id"], body, now)
        raise type(exc)(
            f"{exc.message}; the reply was not sent, the ticket is unchanged",
            hint=f"draft saved to {path}; send it later with `supportctl reply {ticket['id']} --file {path}`",
        ) from None
    assert isinstance(outcome, Sent)
    return outcome


def save_draft(store: Store, ticket_id: int, body: str, now: datetime) -> Path:
    """Keep the text of a reply that could not be sent, next to the database."""
    from supportctl.files import write_file

    folder = store.path.parent / "drafts"
    path = folder / f"ticket-{ticket_id}-{now.strftime('%Y%m%dT%H%M%SZ')}.txt"
    counter = 1
    while path.exists() or path.is_symlink():
        counter += 1
        path = folder / f"ticket-{ticket_id}-{now.strftime('%Y%m%dT%H%M%SZ')}-{counter}.txt"
    return write_file(path, body.encode("utf-8"), what="the draft")


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


# --- reminders ------------------------------------------------------------------------


@dataclass
class RemindReport:
    reminders: dict[str, list[Any]] = field(default_factory=dict)  # owner -> Reminder list
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False
    unowned: list[Any] = field(default_factory=list)  # near a breach, nobody to tell

    def as_json(self) -> dict[str, Any]:
        return {
            "owners": [
                {
                    "id": owner,
                    "tickets": [
                        {
                            "id": r.ticket_id,
                            "target": r.target,
                            "due": to_utc_text(r.due),
                            "business_minutes_left": r.business_minutes_left,
                        }
                        for r in items
                    ],
                }
                for owner, items in sorted(self.reminders.items())
            ],
            "mails": [o.as_json() for o in self.outcomes],
            "unowned": [r.ticket_id for r in self.unowned],
            "dry_run": self.dry_run,
        }


def remind(
    store: Store,
    config: Config,
    *,
    now: datetime,
    dry_run: bool = False,
    transport: Transport | None = None,
) -> RemindReport:
    """Mail each owner their tickets within one business hour of an SLA breach (for cron).

    A ticket nobody owns (it arrived while the rota was empty, or its owner has left the
    team) goes to this week's duty person; with nobody on duty either it is listed in the report's `unowned`.
    """
    from datetime import timedelta

    from supportctl.domain import reminders
    from supportctl.domain.sla import format_minutes
    from supportctl.render import mail as mail_render
    from supportctl.services.calendar import business_calendar

    calendar = business_calendar(store, config, around=now)
    # Mail that was already more than a day old by its Date header when it was imported
    # (an old mailbox) never sets off a reminder.
    old = out_store.imported_old(store, ACK_MAX_AGE_HOURS * 3600)
    rows = [r for r in out_store.open_tickets_with_owner(store) if r["id"] not in old]
    on_duty = ""  # no one
    if any(r["owner"] is None for r in rows):
        from supportctl.services.rota import owner_for_arrival

        on_duty = owner_for_arrival(store, config, now, calendar)[1].person or ""

    def when(text: str | None) -> datetime | None:
        return from_utc_text(text) if text else None

    open_tickets = [
        reminders.OpenTicket(
            id=r["id"],
            owner=r["owner"] or on_duty,
            subject=r["subject"] or "",
            status=r["status"],
            hours=r["hours"],
            first_response_at=when(r["first_response_at"]),
            due_response=when(r["due_response_at"]),
            due_resolution=when(r["due_resolution_at"]),
            waiting_since=when(r["waiting_since"]),
        )
        for r in rows
    ]
    already = out_store.reminded_keys(store, to_utc_text(now - timedelta(days=90)))
    chosen = reminders.select(calendar, open_tickets, now=now, already=already)
    report = RemindReport(chosen, dry_run=dry_run, unowned=chosen.pop("", []))
    if not chosen:
        return report
    if transport is None and not dry_run:
        transport = transport_for(config)
    prefix = config.agency.ticket_tag_prefix
    try:
        for handle, items in sorted(chosen.items()):
            owner = people_store.get_by_handle(store, handle)
            if owner is None:  # pragma: no cover - owners come from a join on people
                continue
            lines = [
                {
                    "tag": compose.subject_tag(r.ticket_id, prefix),
                    "subject": r.subject,
                    "target": r.target,
                    "due": mail_render.format_when(r.due, "en", config.agency.timezone),
                    "left": (
                        f"{format_minutes(r.business_minutes_left, calendar.minutes_per_day)} business time left"
                        if r.business_minutes_left >= 0
                        else f"breached {format_minutes(-r.business_minutes_left, calendar.minutes_per_day)} ago (business time)"
                    ),
                }
                for r in items
            ]
            body = mail_render.render(
                config.config_dir,
                "remind",
                "en",
                {"owner": _person_context(owner), "items": lines, "agency": _agency(config)},
            )
            count = len(items)
            outgoing = compose.Outgoing(
                from_addr=_from_addr(config),
                from_name=config.agency.name,
                to=(owner.email,),
                subject=f"SLA: {count} ticket{'s' if count != 1 else ''} near a breach",
                body=body,
                date=_local_now(config, now),
                message_id=compose.new_message_id(config.agency.mail_domain),
                auto_submitted="auto-generated",
            )
            plan = _Plan(
                outgoing,
                "remind",
                None,
                automatic=True,
                actor=None,
                check=_guard(store, config, address=owner.email, kind="remind", now=now),
                event_data={"owner": handle, "tickets": [r.ticket_id for r in items]},
                extra_events=[
                    (
                        "mail.remind",
                        r.ticket_id,
                        {"owner": handle, "target": r.target, "due": r.key[2]},
                    )
                    for r in items
                ],
            )
            try:
                report.outcomes.append(
                    _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
                )
            except MailError as exc:
                report.outcomes.append(
                    Skipped("remind", None, owner.email, f"not sent: {exc.message}")
                )
                raise
    finally:
        if transport is not None:
            transport.close()
    return report


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
) -> Sent:
    """One mail with a document attached to a customer (an invoice, say), sent and
    recorded like every other mail (`_deliver`); with dry_run only built and shown."""
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
    plan = _Plan(outgoing, kind, None, False, actor, event_data=dict(event_data or {}))
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
