"""Mail in: fetch -> parse -> thread -> persist, one transaction per batch.

Every message goes through `plan_message` (read-only: parse, identity, classification,
authentication, thread, customer) and then `apply_plan` (the writes). `fetch --explain`
prints a plan without applying it, so what it says is exactly what an import does.

Crash safety: a batch of messages and the new sync state (`mail_state`) are written in
one transaction. A crash before the commit loses the whole batch and the next run
fetches it again; a crash after it finds the watermark advanced. File sources have no
watermark: their messages are deduplicated by identity (Message-ID + body hash), which
also makes a UIDVALIDITY change or the same mail in two folders harmless.

Server-side changes (archive moves) happen only after the commit; messages committed
but not yet moved (a crash in between) are moved at the start of the next run.

Other parts of the product hook in through `ImportReport.new_tickets` (acknowledging
new tickets after the commit) and `services.tickets.create_ticket/on_message` (owner,
urgency and SLA rules).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from supportctl.domain import threading as threads
from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import ConfigError, InputError, MailError
from supportctl.store import customers as customer_store
from supportctl.store import mailstate
from supportctl.store import messages as message_store
from supportctl.store import people as people_store
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config, ImapConfig
    from supportctl.domain.auth import Verdict
    from supportctl.mail.classify import Classification
    from supportctl.mail.parse import ParsedMail

FILE_BATCH_MESSAGES = 200
# A file time more than this later than the Date header is an export's, not an arrival.
FILE_TIME_SLACK = timedelta(days=1)
RETRIES = 3
BACKOFF_SECONDS = 1.0


@dataclass(frozen=True)
class Location:
    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass
class RawMail:
    """One message as a source delivers it."""

    raw: bytes
    arrived_at: datetime | None = None  # INTERNALDATE, mbox From line, Maildir file time
    location: Location | None = None
    origin: str = ""  # for messages: "support/INBOX uid 7", "mbox:/path #3"
    prepared: tuple[ParsedMail, threads.Identity] | None = None  # parsed by the fetcher


def prepare(raw: bytes) -> tuple[ParsedMail, threads.Identity]:
    """The CPU-heavy, database-free part of the pipeline: parse and identify."""
    from supportctl.mail.parse import parse_message

    parsed = parse_message(raw)
    # Big attachments become offsets into raw: the fetch process then sends each byte
    # once, and the importer holds one copy of it.
    for index, att in enumerate(parsed.attachments):
        if len(att.data) > 4096:
            # find(data) with a long needle is several times slower than finding a
            # short prefix and comparing in place; same first occurrence.
            head = att.data[:64]
            start = raw.find(head)
            while start >= 0 and not raw.startswith(att.data, start):
                start = raw.find(head, start + 1)
            if start >= 0:
                parsed.attachments[index] = replace(
                    att, data=b"", start=start, end=start + len(att.data)
                )
    return parsed, threads.identity(raw, parsed.message_id)


def prepare_or_none(raw: bytes) -> tuple[ParsedMail, threads.Identity] | None:
    """`prepare` for the fetcher: a message it cannot parse is parsed again at ingest,
    where the error sends it to the quarantine instead of ending the fetch."""
    try:
        return prepare(raw)
    except Exception:  # any parser failure is handled at ingest
        return None


def problem_text(exc: BaseException) -> str:
    """One line naming an exception, for the quarantine."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 500 else text[:499] + "…"


def _is_environmental(exc: BaseException) -> bool:
    """Errors of the database or the machine, not of one message: these stop the run."""
    from supportctl.store.db import EngineFailure  # what either engine's savepoint raises

    return isinstance(exc, (EngineFailure, OSError)) and not isinstance(exc, UnicodeError)


@dataclass(frozen=True)
class NewTicket:
    ticket_id: int
    message_row: int
    classification: str
    requester: str
    customer_id: int | None
    subject: str


@dataclass
class ImportReport:
    """What one run did; `new_tickets` is for hooks that run after the commit."""

    new_tickets: list[NewTicket] = field(default_factory=list)
    history_tickets: list[int] = field(default_factory=list)  # imported closed
    stored: int = 0
    threaded: int = 0
    non_human: int = 0
    duplicates: int = 0
    blocked: int = 0
    own: int = 0
    outbound: int = 0
    bytes: int = 0
    moved: int = 0
    quarantined: int = 0
    dry_run: bool = False
    sources: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # folders another run was fetching
    # One line per folder or account that could not be synced while the others were,
    # and (account, folder, line) for each failed folder.
    failures: list[str] = field(default_factory=list)
    failed_folders: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would store" if self.dry_run else "stored"
        parts = [
            f"{len(self.new_tickets)} new tickets",
            f"{self.threaded} replies threaded",
            f"{self.non_human} non-human",
            f"{self.duplicates} duplicates skipped",
        ]
        if self.history_tickets:
            parts.append(f"{len(self.history_tickets)} old tickets imported closed")
        if self.blocked:
            parts.append(f"{self.blocked} from blocked senders")
        if self.own:
            parts.append(f"{self.own} of our own")
        if self.moved:
            parts.append(f"{self.moved} archived")
        if self.quarantined:
            parts.append(f"{self.quarantined} quarantined (see `supportctl fetch --problems`)")
        return f"{verb} {self.stored} messages: " + ", ".join(parts)


Progress = Callable[[int, int], None]  # (messages seen, bytes seen)


@dataclass
class Lookups:
    """Small tables read once per run: who is us, customers' contacts and domains, blocks."""

    team: dict[str, str]
    ours: frozenset[str]
    contacts: dict[str, tuple[int, bool, str]]  # email -> (customer id, can_order, slug)
    domains: dict[str, tuple[int, str]]  # domain -> (customer id, slug)
    blocked: list[str]
    trusted: tuple[str, ...]
    prefix: str
    mail_domain: str
    # Mail that arrived before this moment is history: imported closed, no SLA clock.
    history_before: datetime | None = None

    @classmethod
    def load(cls, store: Store, config: Config) -> Lookups:
        from supportctl.services.authentication import trusted_ids

        team = people_store.handles_by_email(store)
        contacts = customer_store.contacts_by_email(store)
        domains = customer_store.customers_by_domain(store)
        return cls(
            team=team,
            ours=config.our_addresses,
            contacts=contacts,
            domains=domains,
            blocked=message_store.blocked_patterns(store),
            trusted=trusted_ids(config),
            prefix=config.agency.ticket_tag_prefix,
            mail_domain=config.agency.mail_domain,
        )


@dataclass
class Plan:
    """Every decision for one message, with its reason; nothing written yet."""

    item: RawMail
    parsed: ParsedMail
    identity: threads.Identity
    duplicate_of: int | None
    classification: Classification
    auth: Verdict
    direction: str
    direction_reason: str
    is_own: bool
    blocked_by: str | None
    thread: threads.ThreadDecision
    customer_id: int | None
    customer_slug: str | None
    customer_reason: str
    is_designated: bool
    needs_approval: bool
    foreign_sender: str  # "" or the address of a stranger joining an existing ticket
    importance: str | None
    arrived_at: datetime
    arrived_reason: str
    action: str  # duplicate | blocked | own | outbound | thread | new
    historic: bool = False  # older than --history-before: closed, no clock, no answer
    ticket_row: Any = None  # the ticket a reply joins, as read while planning

    def steps(self) -> list[tuple[str, str, str]]:
        """(step, outcome, reason) lines for `fetch --explain`."""
        p = self.parsed
        rows = [
            (
                "message",
                p.message_id or "(no Message-ID)",
                f"body sha256 {self.identity.body_hash[:16]}…",
            ),
            (
                "from",
                p.from_addr or "(none)",
                f"not one mailbox: {p.from_problem}" if p.from_problem else p.from_name,
            ),
            ("subject", p.subject, ""),
            ("arrived", to_utc_text(self.arrived_at), self.arrived_reason),
            *(
                [("history", "imported closed", "arrived before --history-before")]
                if self.historic
                else []
            ),
            ("classification", self.classification.kind, self.classification.reason),
            (
                "authentication",
                "authenticated" if self.auth.authenticated else "not authenticated",
                self.auth.summary(),
            ),
            ("direction", self.direction, self.direction_reason),
        ]
        if self.duplicate_of is not None:
            rows.append(
                (
                    "duplicate",
                    f"message row {self.duplicate_of}",
                    "same Message-ID and body hash already stored",
                )
            )
        if self.blocked_by:
            rows.append(("blocked", self.blocked_by, "stored, opens nothing"))
        if self.is_own:
            rows.append(("own mail", "yes", f"Message-ID in our domain {self.is_own_domain}"))
        rows.append(
            (
                "thread",
                self.thread.how
                if self.thread.ticket_id is None
                else f"{self.thread.how} -> ticket {self.thread.ticket_id}",
                self.thread.reason,
            )
        )
        rows.append(("customer", self.customer_slug or "unknown (triage)", self.customer_reason))
        for limit in p.limits:
            rows.append(("limit", "cut", limit))
        if self.foreign_sender:
            rows.append(
                (
                    "sender",
                    "foreign-sender",
                    f"{self.foreign_sender} is neither the requester, a contact of the "
                    "ticket's customer, nor the team: stored and flagged, never a reply "
                    "target, orders nothing",
                )
            )
        rows.append(
            (
                "approval",
                "needs approval" if self.needs_approval else "not needed",
                self._approval_reason(),
            )
        )
        rows.append(("urgency", *self._urgency()))
        rows.append(("action", self.action, _ACTION_TEXT[self.action]))
        return rows

    @property
    def is_own_domain(self) -> str:
        return threads.address_domain("x@" + self.identity.message_id.rsplit("@", 1)[-1])

    def _approval_reason(self) -> str:
        if not self.classification.is_human:
            return "non-human mail orders nothing"
        if self.customer_id is None:
            return "unknown sender"
        if not self.is_designated:
            if self.parsed.from_problem:
                return (
                    f"From is not one mailbox ({self.parsed.from_problem}): no designated contact"
                )
            return "not a designated contact of the customer"
        if not self.auth.authenticated:
            return "a designated contact, but the mail is not authenticated"
        return "an authenticated designated contact"

    def _urgency(self) -> tuple[str, str]:
        try:
            from supportctl.domain.urgency import assess
        except ImportError:  # the urgency rules ship with the duty/SLA part of the product
            return ("-", f"importance header: {self.importance or 'none'}")
        result = assess(
            self.parsed.subject,
            self.parsed.text,
            importance=self.importance,
            classification=self.classification.kind,
        )
        return (f"{result.urgency} {result.kind}", result.reason)


_ACTION_TEXT = {
    "duplicate": "already stored: only its location is recorded",
    "blocked": "stored, opens nothing (blocked sender)",
    "own": "our own mail coming back: stored, opens nothing",
    "outbound": "outbound mail on no known thread: stored, opens nothing",
    "thread": "added to the ticket",
    "new": "opens a new ticket",
}


def _importance(headers: dict[str, list[str]]) -> str | None:
    for name in ("importance", "x-priority", "priority", "x-msmail-priority"):
        values = headers.get(name)
        if values and values[0].strip():
            return values[0].strip()
    return None


def customer_for(lookups: Lookups, address: str) -> tuple[int | None, str | None, bool, str]:
    """(customer id, slug, designated contact, reason) for a sender address."""
    return _customer(lookups, address.lower())


def _customer(lookups: Lookups, address: str) -> tuple[int | None, str | None, bool, str]:
    contact = lookups.contacts.get(address)
    if contact is not None:
        kind = "designated contact" if contact[1] else "contact"
        return contact[0], contact[2], contact[1], f"{kind} {address}"
    domain = threads.address_domain(address)
    while domain:
        hit = lookups.domains.get(domain)
        if hit is not None:
            return hit[0], hit[1], False, f"mail domain {domain}"
        domain = domain.partition(".")[2] if "." in domain.partition(".")[2] else ""
    return None, None, False, "no contact or mail domain matches; flagged triage"


def _is_foreign(
    store: Store,
    lookups: Lookups,
    ticket: Any,
    sender: str,
    first_incoming: Callable[[int], Any] | None = None,
) -> bool:
    """Neither the ticket's requester (From or Reply-To of its first message), a contact
    of its customer, nor the team (team mail is outbound and never asked about).
    `first_incoming`: the ticket's first incoming message, read ahead (the threading
    lookup's)."""
    if sender == str(ticket["requester"] or "").lower():
        return False
    contact = lookups.contacts.get(sender)
    if (
        contact is not None
        and ticket["customer_id"] is not None
        and contact[0] == int(ticket["customer_id"])
    ):
        return False
    from supportctl.services import requester

    who = None
    if first_incoming is not None:
        who = requester.from_first_incoming(ticket, first_incoming(int(ticket["id"])))
    if who is None:
        who = requester.of_ticket(store, ticket)
    return sender not in (who.from_addr, who.reply_to)


class BatchIndex:
    """The identities (Message-ID, body hash) of a batch that are stored already: read
    for the whole batch in one query, then kept up to date as the batch stores its
    messages. It answers `plan_message`'s duplicate check, which would otherwise cost
    a query (on a server a round trip) per message."""

    def __init__(self, store: Store, batch: Iterable[RawMail]) -> None:
        idents = {item.prepared[1] for item in batch if item.prepared is not None}
        self._found = message_store.find_identities(
            store, [(i.message_id, i.body_hash) for i in idents]
        )
        self._known = frozenset((i.message_id, i.body_hash) for i in idents)
        self.reset()

    def reset(self) -> None:
        """Forget what the batch stored (its transaction was undone)."""
        self._stored = dict(self._found)

    @property
    def new(self) -> int:
        """How many messages of the batch are not stored yet (at most)."""
        return len(self._known) - len(self._found)

    def duplicate_of(self, store: Store, ident: threads.Identity) -> int | None:
        key = (ident.message_id, ident.body_hash)
        if key in self._known:
            return self._stored.get(key)
        return message_store.find_identity(store, *key)  # parsed only now

    def stored(self, ident: threads.Identity, row_id: int) -> None:
        self._stored.setdefault((ident.message_id, ident.body_hash), row_id)

    def opening(self, lookups: Lookups, batch: Iterable[RawMail]) -> int:
        """How many messages of the batch will surely open a ticket: new mail from
        outside with no tag, no reference and no blocked sender (a lower bound: a
        reference may also lead nowhere). Their ticket ids can be asked for ahead."""
        sure = set()
        for item in batch:
            if item.prepared is None:
                continue
            parsed, ident = item.prepared
            key = (ident.message_id, ident.body_hash)
            sender = parsed.from_addr.lower()
            if (
                key in self._found
                or parsed.in_reply_to
                or parsed.references
                or parsed.embedded_ids
                or parsed.embedded_subject
                or threads.extract_tag(parsed.subject, lookups.prefix) is not None
                or not sender
                or sender in lookups.team
                or sender in lookups.ours
                or threads.is_blocked(sender, lookups.blocked)
                or threads.is_own_message_id(parsed.message_id, lookups.mail_domain)
            ):
                continue
            sure.add(key)
        return len(sure)


def plan_message(
    store: Store,
    lookups: Lookups,
    item: RawMail,
    *,
    now: datetime,
    trusted: tuple[str, ...] | None = None,
    index: BatchIndex | None = None,
) -> Plan:
    """Parse and decide, without writing."""
    from supportctl.mail.classify import classify
    from supportctl.services.authentication import verdict

    parsed, ident = item.prepared if item.prepared is not None else prepare(item.raw)
    if index is not None:
        duplicate_of = index.duplicate_of(store, ident)
    else:
        duplicate_of = message_store.find_identity(store, ident.message_id, ident.body_hash)
    cls = classify(
        parsed.headers,
        from_addr=parsed.from_addr,
        subject=parsed.subject,
        content_type=parsed.content_type,
        report_type=parsed.report_type,
    )
    auth = verdict(
        parsed.headers.get("authentication-results", []),
        from_addr=parsed.from_addr,
        from_problem=parsed.from_problem,
        trusted=lookups.trusted if trusted is None else trusted,
    )
    sender = parsed.from_addr.lower()  # stored as written; matched case-insensitively
    if not cls.is_human:
        direction, direction_reason = "in", f"{cls.kind} mail is always inbound"
    elif sender in lookups.team:
        direction, direction_reason = "out", f"from team member {lookups.team[sender]}"
    elif sender in lookups.ours:
        direction, direction_reason = "out", f"from our address {sender}"
    else:
        direction, direction_reason = "in", "sender is not one of us"
    is_own = threads.is_own_message_id(parsed.message_id, lookups.mail_domain)
    blocked_by = threads.is_blocked(sender, lookups.blocked) if sender else None
    tag = threads.extract_tag(parsed.subject, lookups.prefix)
    candidates = threads.reference_candidates(parsed.in_reply_to, parsed.references)
    if cls.kind == "bounce":
        if tag is None and parsed.embedded_subject:
            tag = threads.extract_tag(parsed.embedded_subject, lookups.prefix)
        candidates += [i for i in parsed.embedded_ids if i not in candidates]
    lookup = ticket_store.ThreadLookup(store, tag, candidates[:50])
    known = lookup.known
    tag_row = lookup.ticket(tag) if tag is not None else None
    # Merged tickets lead to the ticket they were merged into (rare: more reads).
    merged = {t for t, into in lookup.merged.items() if into is not None}
    if tag is not None and tag_row is not None and tag_row["merged_into"] is not None:
        merged.add(tag)
    resolved = ticket_store.resolve_ids(store, merged) if merged else {}
    known = {k: resolved.get(v, v) for k, v in known.items()}
    tag_ticket = None
    if tag is not None and tag_row is not None:
        tag_ticket = resolved.get(tag, tag)
    decision = threads.choose_thread(
        tag=tag, tag_ticket=tag_ticket, candidates=candidates, known=known
    )
    customer_id, slug, designated, customer_reason = _customer(lookups, sender)
    if designated and parsed.from_problem:
        designated = False  # a From that is not exactly one mailbox names no contact
        customer_reason += f" (but From is not one mailbox: {parsed.from_problem})"
    foreign_sender = ""
    row = None
    if decision.ticket_id is not None:
        row = lookup.ticket(decision.ticket_id)
        if (
            row is not None
            and direction == "in"
            and cls.is_human
            and not is_own
            and sender
            and duplicate_of is None
            and not blocked_by
            and _is_foreign(store, lookups, row, sender, lookup.first_incoming)
        ):
            foreign_sender = sender
        if row is not None and row["customer_id"] is not None and customer_id is None:
            customer_id = int(row["customer_id"])
            customer_reason = f"from the ticket #{decision.ticket_id}"
            slug = customer_store.slug_by_id(store, customer_id)
    needs_approval = cls.is_human and (
        customer_id is None or not designated or not auth.authenticated
    )
    if item.arrived_at is not None:
        arrived, arrived_reason = (
            item.arrived_at,
            "server arrival time" if item.location else "mailbox file time",
        )
        if item.location is None and parsed.date is not None:
            late = item.arrived_at - parsed.date
            if late > FILE_TIME_SLACK:
                # An mbox From line or a file time written when the mail was exported or
                # copied: the Date header is nearer the truth.
                arrived = parsed.date
                arrived_reason = (
                    f"Date header (the mailbox file time {to_utc_text(item.arrived_at)} "
                    f"is {late.days} day{'s' if late.days != 1 else ''} later: an export)"
                )
    elif parsed.date is not None:
        arrived, arrived_reason = parsed.date, "Date header"
    else:
        arrived, arrived_reason = now, "no date known: import time"
    if duplicate_of is not None:
        action = "duplicate"
    elif blocked_by:
        action = "blocked"
    elif is_own and decision.ticket_id is None:
        action = "own"
    elif decision.ticket_id is not None:
        action = "thread"
    elif direction == "out":
        action = "outbound"
    else:
        action = "new"
    historic = lookups.history_before is not None and arrived < lookups.history_before
    return Plan(
        item=item,
        parsed=parsed,
        identity=ident,
        duplicate_of=duplicate_of,
        classification=cls,
        auth=auth,
        direction="out" if is_own else direction,
        direction_reason=direction_reason if not is_own else "our own Message-ID",
        is_own=is_own,
        blocked_by=blocked_by,
        thread=decision,
        customer_id=customer_id,
        customer_slug=slug,
        customer_reason=customer_reason,
        is_designated=designated,
        needs_approval=needs_approval,
        foreign_sender=foreign_sender,
        importance=_importance(parsed.headers),
        arrived_at=arrived.astimezone(UTC),
        arrived_reason=arrived_reason,
        action=action,
        historic=historic,
        ticket_row=row,
    )


def apply_plan(
    store: Store, config: Config, plan: Plan, report: ImportReport, *, now: datetime
) -> int:
    """Write one planned message (inside the caller's transaction); returns its row id."""
    from supportctl.services import tickets

    loc = plan.item.location
    if plan.duplicate_of is not None:
        if loc is not None:
            message_store.add_location(
                store, loc.account, loc.folder, loc.uidvalidity, loc.uid, plan.duplicate_of
            )
        report.duplicates += 1
        return plan.duplicate_of
    p = plan.parsed
    ticket_id: int | None = None
    if plan.action == "thread":
        ticket_id = plan.thread.ticket_id
    elif plan.action == "new":
        # The ticket first, so the message row (with its raw bytes) is written once.
        ticket_id = tickets.create_ticket(
            store,
            config,
            customer_id=plan.customer_id,
            requester=p.from_addr,
            subject=p.subject,
            body=p.text,
            arrived_at=plan.arrived_at,
            classification=plan.classification.kind,
            importance=plan.importance,
            is_triage=plan.customer_id is None,
            needs_approval=plan.needs_approval,
            actor=None,
            now=now,
            historic=plan.historic,
        )
    row_id = message_store.insert(
        store,
        {
            "ticket_id": ticket_id,
            "direction": plan.direction,
            "message_id": plan.identity.message_id,
            "body_hash": plan.identity.body_hash,
            "in_reply_to": p.in_reply_to,
            "refs": " ".join(p.references),
            "from_addr": p.from_addr,
            "from_name": p.from_name,
            "to_addrs": ", ".join(p.to_addrs),
            "cc_addrs": ", ".join(p.cc_addrs),
            "date": to_utc_text(p.date) if p.date else None,
            "arrived_at": to_utc_text(plan.arrived_at),
            "subject": p.subject,
            "text_body": p.text,
            "classification": plan.classification.kind,
            "auth_dmarc": plan.auth.dmarc,
            "auth_dkim": plan.auth.dkim,
            "auth_spf": plan.auth.spf,
            "is_blocked": int(plan.blocked_by is not None),
            "is_own": int(plan.is_own),
            "size": len(plan.item.raw),
            "raw_codec": "none",
            "raw": plan.item.raw,
            "parse_limits": "; ".join(p.limits),
        },
    )
    _store_attachments(store, row_id, p, plan.item.raw)
    if loc is not None:
        message_store.add_location(store, loc.account, loc.folder, loc.uidvalidity, loc.uid, row_id)
    report.stored += 1
    if not plan.classification.is_human:
        report.non_human += 1
    if plan.action == "blocked":
        report.blocked += 1
    elif plan.action == "own":
        report.own += 1
    elif plan.action == "outbound":
        report.outbound += 1
    elif plan.action == "thread":
        report.threaded += 1
    if ticket_id is None:
        return row_id
    if plan.foreign_sender:
        from supportctl.services.requester import FOREIGN_EVENT
        from supportctl.store import events

        events.record(
            store,
            FOREIGN_EVENT,
            at=plan.arrived_at,
            actor=None,
            ticket_id=ticket_id,
            customer_id=plan.customer_id,
            data={"from": plan.foreign_sender, "message": row_id},
        )
    if plan.historic:
        if plan.action == "new":
            report.history_tickets.append(ticket_id)
        if plan.direction == "in":
            return row_id  # old mail reopens nothing and starts no clock
    elif plan.action == "new":
        report.new_tickets.append(
            NewTicket(
                ticket_id,
                row_id,
                plan.classification.kind,
                p.from_addr,
                plan.customer_id,
                p.subject,
            )
        )
    tickets.on_message(
        store,
        config,
        ticket_id=ticket_id,
        direction=plan.direction,
        classification=plan.classification.kind,
        at=plan.arrived_at,
        now=now,
        # Read while planning (nothing since has changed the ticket); a ticket this
        # message opened is new, unmerged and unanswered.
        row=_new_ticket(now) if plan.action == "new" else plan.ticket_row,
    )
    if plan.classification.kind == "bounce":
        named = [*p.embedded_ids, p.in_reply_to, *p.references]
        tickets.on_bounce(
            store,
            ticket_id=ticket_store.resolve_id(store, ticket_id) or ticket_id,
            bounce_row=row_id,
            message_ids=[i for i in dict.fromkeys(named) if i][:200],
            reason=p.bounce_reason or p.subject,
            at=plan.arrived_at,
            now=now,
        )
    return row_id


def _new_ticket(now: datetime) -> dict[str, Any]:
    """What `on_message` reads of a ticket `create_ticket` has just made."""
    return {
        "status": "new",
        "merged_into": None,
        "first_response_at": None,
        "updated_at": to_utc_text(now),
    }


def _store_attachments(store: Store, row_id: int, parsed: ParsedMail, raw: bytes) -> None:
    message_store.store_attachments(store, row_id, parsed.attachments)


def ingest_batch(
    store: Store,
    config: Config,
    lookups: Lookups,
    batch: list[RawMail],
    report: ImportReport,
    *,
    now: datetime,
    trusted: tuple[str, ...] | None = None,
    state: tuple[str, str, int, int] | None = None,
) -> None:
    """One transaction: every message of the batch and (for IMAP) the new watermark.

    A message that cannot be parsed or stored goes to the quarantine (its own savepoint
    is undone, the rest of the batch is stored), so no message stops intake.

    The batch is first stored in one go, in one savepoint, without a savepoint per
    message: on a server each one would wait for the message's statements, a round
    trip per message. Only when something in it fails is that undone and the batch
    stored again message by message, each in its own savepoint, so that the failing
    message goes to the quarantine and nothing else does.
    """
    from supportctl.store import search

    with store.transaction(), search.deferred_index(store):
        index = BatchIndex(store, batch)
        message_store.take_ids_ahead(store, index.new)
        ticket_store.take_ids_ahead(store, index.opening(lookups, batch))
        counts = _counts(report)
        try:
            with store.savepoint("batch"), store.bulk():
                for item in batch:
                    plan = plan_message(store, lookups, item, now=now, trusted=trusted, index=index)
                    index.stored(plan.identity, apply_plan(store, config, plan, report, now=now))
                    report.bytes += len(item.raw)
        except Exception as exc:
            if _is_environmental(exc):
                raise
            vars(report).update(counts)
            index.reset()
            with store.bulk():
                for item in batch:
                    ingest_one(
                        store, config, lookups, item, report, now=now, trusted=trusted, index=index
                    )
        if state is not None:
            account, folder, uidvalidity, last_uid = state
            mailstate.put(store, account, folder, uidvalidity, last_uid, to_utc_text(now))


def _counts(report: ImportReport) -> dict[str, Any]:
    """The report's counts, to put back when what was counted is undone."""
    return {k: list(v) if isinstance(v, list) else v for k, v in vars(report).items()}


def ingest_one(
    store: Store,
    config: Config,
    lookups: Lookups,
    item: RawMail,
    report: ImportReport,
    *,
    now: datetime,
    trusted: tuple[str, ...] | None = None,
    index: BatchIndex | None = None,
) -> int | None:
    """Store one message inside the caller's transaction; None when it was quarantined."""
    from supportctl.store import quarantine

    counts = _counts(report)
    try:
        with store.savepoint("message"):
            plan = plan_message(store, lookups, item, now=now, trusted=trusted, index=index)
            row_id = apply_plan(store, config, plan, report, now=now)
        if index is not None:
            index.stored(plan.identity, row_id)
    except Exception as exc:
        if _is_environmental(exc):
            raise
        vars(report).update(counts)  # the counts as they were before this message
        loc = item.location
        quarantine.put(
            store,
            item.raw,
            error=problem_text(exc),
            origin=item.origin,
            location=(loc.account, loc.folder, loc.uidvalidity, loc.uid) if loc else None,
            arrived_at=to_utc_text(item.arrived_at) if item.arrived_at else None,
            now=to_utc_text(now),
        )
        report.quarantined += 1
        report.bytes += len(item.raw)
        return None
    report.bytes += len(item.raw)
    return row_id


def explain(
    store: Store,
    config: Config,
    raw: bytes,
    *,
    now: datetime,
    arrived_at: datetime | None = None,
    history_before: datetime | None = None,
) -> Plan:
    """Run one message through the pipeline without writing anything."""
    from supportctl.mail.sources import from_line_time

    lookups = Lookups.load(store, config)
    lookups.history_before = history_before
    if raw.startswith(b"From "):
        first, _sep, rest = raw.partition(b"\n")
        raw = rest
        arrived_at = arrived_at or from_line_time(first)
    try:
        return plan_message(
            store, lookups, RawMail(raw=raw, arrived_at=arrived_at, origin="explain"), now=now
        )
    except Exception as exc:
        if _is_environmental(exc):
            raise
        raise InputError(
            f"this message cannot be parsed: {problem_text(exc)}",
            hint="`supportctl fetch` would keep it in the quarantine (see `fetch --problems`)",
        ) from None


# --- sources ------------------------------------------------------------------------


def parse_source(spec: str) -> tuple[str, str]:
    """`mbox:PATH` or `maildir:PATH` -> (kind, path); anything else is bad input."""
    kind, sep, path = spec.partition(":")
    if not sep or kind not in ("mbox", "maildir") or not path:
        raise InputError(
            f"--source '{spec}' is not mbox:PATH or maildir:PATH",
            hint="e.g. --source mbox:~/support.mbox or --source maildir:~/Maildir",
        )
    return kind, path


def import_file_source(
    store: Store,
    config: Config,
    spec: str,
    *,
    now: datetime,
    dry_run: bool = False,
    on_progress: Progress | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    history_before: datetime | None = None,
) -> ImportReport:
    """Feed an mbox file or a Maildir through the pipeline (batches of 200 per commit).

    Mail that arrived before `history_before` is imported closed (see `Lookups`)."""
    from pathlib import Path

    from supportctl.mail import sources

    kind, path_text = parse_source(spec)
    path = Path(path_text).expanduser()
    items: Iterator[RawMail]
    if kind == "mbox":
        items = (
            RawMail(raw, at, None, f"{spec} #{n}")
            for n, (raw, at) in enumerate(sources.read_mbox(path), 1)
        )
    else:
        items = (
            RawMail(raw, at, None, f"{spec} {name}") for name, raw, at in sources.read_maildir(path)
        )
    report = ImportReport(dry_run=dry_run, sources=[spec])
    _run_items(
        store,
        config,
        items,
        report,
        now=now,
        dry_run=dry_run,
        on_progress=on_progress,
        on_plan=on_plan,
        history_before=history_before,
    )
    return report


def _run_items(
    store: Store,
    config: Config,
    items: Iterable[RawMail],
    report: ImportReport,
    *,
    now: datetime,
    dry_run: bool,
    on_progress: Progress | None,
    on_plan: Callable[[Plan], None] | None = None,
    history_before: datetime | None = None,
) -> None:
    lookups = Lookups.load(store, config)
    lookups.history_before = history_before
    batch: list[RawMail] = []
    seen_bytes = 0

    def flush() -> None:
        if dry_run:
            _dry_batch(store, config, lookups, batch, report, now=now, on_plan=on_plan)
        else:
            # Parsed before the write transaction, so the lock is held for the writes only.
            for item in batch:
                if item.prepared is None:
                    item.prepared = prepare_or_none(item.raw)
            ingest_batch(store, config, lookups, batch, report, now=now)
            checkpoint.after_commit()
        batch.clear()

    with message_store.BulkWrite(store) as checkpoint:
        for seen, item in enumerate(items, 1):
            batch.append(item)
            seen_bytes += len(item.raw)
            if on_progress is not None:
                on_progress(seen, seen_bytes)
            if len(batch) >= FILE_BATCH_MESSAGES:
                flush()
        if batch:
            flush()


def _dry_batch(
    store: Store,
    config: Config,
    lookups: Lookups,
    batch: list[RawMail],
    report: ImportReport,
    *,
    now: datetime,
    on_plan: Callable[[Plan], None] | None,
) -> None:
    """Dry run: apply inside a transaction that is rolled back, so counts are real."""

    class _Rollback(Exception):
        pass

    try:
        with store.transaction():
            for item in batch:
                try:
                    with store.savepoint("message"):
                        plan = plan_message(store, lookups, item, now=now)
                        if on_plan is not None:
                            on_plan(plan)
                        apply_plan(store, config, plan, report, now=now)
                except Exception as exc:
                    if _is_environmental(exc):
                        raise
                    report.quarantined += 1
                report.bytes += len(item.raw)
            raise _Rollback
    except _Rollback:
        pass


# --- IMAP ---------------------------------------------------------------------------


def fetch_accounts(
    store: Store,
    config: Config,
    *,
    now: datetime,
    account_names: list[str] | None = None,
    on_progress: Progress | None = None,
    on_start: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    history_before: datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
    via: str = "fetch",
) -> ImportReport:
    """Sync every configured account (or the named ones); one report for the run.

    `should_stop` (the `watch` service's shutdown) is asked after every committed batch:
    when it says yes the run ends there, every committed batch kept. Each account's
    outcome is recorded for `status` (`via`: which kind of run synced it): the start of
    a sync that reached the end, or the error that ended it.
    """
    from supportctl.store import watch as watch_store

    accounts = [a for a in config.imap if account_names is None or a.name in account_names]
    if not config.imap:
        raise ConfigError(
            f"no [[imap]] accounts in {config.path}",
            hint="add one (see `supportctl config show`), or use --source mbox:PATH",
        )
    if account_names:
        unknown = sorted(set(account_names) - {a.name for a in config.imap})
        if unknown:
            raise InputError(
                f"no [[imap]] account named {', '.join(unknown)}",
                hint="names: " + ", ".join(a.name for a in config.imap),
            )
    report = ImportReport()
    lookups = Lookups.load(store, config)
    lookups.history_before = history_before
    for account in accounts:
        report.sources.append(account.name)
        try:
            _sync_account_with_retries(
                store,
                config,
                account,
                lookups,
                report,
                now=now,
                on_progress=on_progress,
                on_start=on_start,
                sleep=sleep,
                should_stop=should_stop,
            )
        except (MailError, ConfigError) as exc:
            watch_store.record_error(store, account.name, account.folders, exc.message, now)
            if len(accounts) == 1:
                raise
            # One account down (a wrong password, a server away) does not stop the rest.
            report.failures.append(exc.message)
            continue
        if should_stop is not None and should_stop():
            break
        failed = {
            folder: text for name, folder, text in report.failed_folders if name == account.name
        }
        for folder, text in failed.items():
            watch_store.record_error(store, account.name, [folder], text, now)
        synced = [folder for folder in account.folders if folder not in failed]
        if synced:
            watch_store.record_ok(store, account.name, synced, now, via=via)
    return report


def _sync_account_with_retries(
    store: Store,
    config: Config,
    account: ImapConfig,
    lookups: Lookups,
    report: ImportReport,
    *,
    now: datetime,
    on_progress: Progress | None,
    on_start: Callable[[int, int], None] | None,
    sleep: Callable[[float], None],
    should_stop: Callable[[], bool] | None = None,
) -> None:
    from supportctl.config import resolve_secret
    from supportctl.mail.imap import TransientMailError

    password = resolve_secret(
        f"imap account '{account.name}'", account.password_command, account.password_env
    )
    delay = BACKOFF_SECONDS
    for attempt in range(1, RETRIES + 1):
        try:
            _sync_account(
                store,
                config,
                account,
                password,
                lookups,
                report,
                now=now,
                on_progress=on_progress,
                on_start=on_start,
                should_stop=should_stop,
            )
            return
        except TransientMailError as exc:
            if attempt == RETRIES:
                raise MailError(
                    f"imap account '{account.name}' ({account.host}:{account.port}): {exc.reason}; "
                    f"gave up after {RETRIES} attempts",
                    hint="what was fetched before the failure is stored; run `supportctl fetch` again",
                ) from None
            sleep(delay)
            delay *= 2


def _sync_account(
    store: Store,
    config: Config,
    account: ImapConfig,
    password: str,
    lookups: Lookups,
    report: ImportReport,
    *,
    now: datetime,
    on_progress: Progress | None,
    on_start: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    from supportctl.mail.imap import ImapSession, quick_status

    statuses = quick_status(account, password, account.folders)
    if statuses is not None and not any(
        _folder_has_work(store, account, folder, status) for folder, status in statuses.items()
    ):
        return  # the usual run: nothing new anywhere, one STATUS per folder
    trusted = (account.authserv_id,) if account.authserv_id else ()
    with ImapSession(account, password) as session:
        for folder in account.folders:
            with store.exclusive(f"supportctl fetch {account.name}/{folder}") as mine:
                if not mine:  # another machine is syncing this folder right now
                    report.busy.append(f"{account.name}/{folder}")
                    continue
                try:
                    _sync_folder(
                        store,
                        config,
                        account,
                        session,
                        folder,
                        lookups,
                        report,
                        trusted=trusted,
                        now=now,
                        on_progress=on_progress,
                        on_start=on_start,
                        should_stop=should_stop,
                    )
                except MailError as exc:
                    # A folder the server does not have (or an archive folder it will not
                    # create) is reported with the folders it does have; the others sync.
                    names = session.folder_names()
                    listing = f"; the server's folders: {', '.join(names)}" if names else ""
                    text = (
                        f"imap account '{account.name}' folder '{folder}': {exc.message}{listing}"
                    )
                    report.failures.append(text)
                    report.failed_folders.append((account.name, folder, text))
            if should_stop is not None and should_stop():
                return


def _folder_has_work(
    store: Store, account: ImapConfig, folder: str, status: tuple[int, int | None, int | None]
) -> bool:
    uidvalidity, uidnext, count = status
    state = mailstate.get(store, account.name, folder)
    if state is None or state.uidvalidity != uidvalidity or uidnext is None:
        return count != 0
    if account.archive_folder and count:
        return True  # stored but not yet moved
    return uidnext > state.last_uid + 1


def _sync_folder(
    store: Store,
    config: Config,
    account: ImapConfig,
    session: Any,
    folder: str,
    lookups: Lookups,
    report: ImportReport,
    *,
    trusted: tuple[str, ...],
    now: datetime,
    on_progress: Progress | None,
    on_start: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    state = mailstate.get(store, account.name, folder)
    uidvalidity, uidnext, count = session.status(folder)
    last_uid = 0
    if state is not None and state.uidvalidity == uidvalidity:
        last_uid = state.last_uid
    if account.archive_folder and last_uid > 0 and count != 0:
        # Committed earlier but not yet moved (a crash between commit and move).
        leftover = session.uids_upto(folder, last_uid)
        if leftover:
            session.move(folder, leftover, account.archive_folder)
            report.moved += len(leftover)
    if uidnext is not None and uidnext <= last_uid + 1:
        return  # nothing new: one STATUS round trip
    sizes = session.sizes_after(folder, last_uid)
    if not sizes:
        if state is None or state.uidvalidity != uidvalidity:
            with store.transaction():
                mailstate.put(store, account.name, folder, uidvalidity, last_uid, to_utc_text(now))
        return
    if on_start is not None:
        on_start(len(sizes), sum(s for _u, s in sizes))
    seen = report.stored + report.duplicates
    seen_bytes = report.bytes
    committed: list[int] = []
    with message_store.BulkWrite(store, account.batch_bytes) as checkpoint:
        for batch in session.fetch_batches(
            folder, sizes, account.batch_bytes, uidvalidity, prepare_or_none
        ):
            items = [
                RawMail(
                    raw,
                    at,
                    Location(account.name, folder, uidvalidity, uid),
                    f"{account.name}/{folder} uid {uid}",
                    prepared,
                )
                for uid, raw, at, prepared in batch
            ]
            top = max(item.location.uid for item in items if item.location)
            ingest_batch(
                store,
                config,
                lookups,
                items,
                report,
                now=now,
                trusted=trusted,
                state=(account.name, folder, uidvalidity, top),
            )
            checkpoint.after_commit()
            committed.extend(item.location.uid for item in items if item.location)
            seen += len(batch)
            seen_bytes += sum(len(item.raw) for item in items)
            if on_progress is not None:
                on_progress(seen, seen_bytes)
            if should_stop is not None and should_stop():
                break  # the batches after this one are fetched again next time
    if account.archive_folder and committed:
        # Only now, after every batch is committed and the last one read.
        session.move(folder, committed, account.archive_folder)
        report.moved += len(committed)
