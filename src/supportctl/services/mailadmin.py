"""Blocked senders and re-parsing stored mail.

Blocking is by address (`spam@x.example`) or domain (`@x.example`, subdomains
included). Blocked mail is still stored (nothing is ever lost) but opens nothing.
`reparse` re-runs the parser over the raw bytes kept in the database, so a better
parser improves old mail too; the thread a message belongs to is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.render.models.mailadmin import Problem
from supportctl.store import events
from supportctl.store import messages as message_store
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config


@dataclass(frozen=True)
class BlockEntry:
    id: str
    created_at: str
    actor: str | None


def normalise_pattern(pattern: str) -> str:
    text = pattern.strip().lower()
    from supportctl.domain.address import is_address, parse_domain

    if text.startswith("@"):
        try:
            return "@" + parse_domain(text[1:])
        except ValueError:
            pass
    elif is_address(text):
        return text
    raise InputError(
        f"'{pattern}' is neither an address nor @domain",
        hint="e.g. supportctl block spam@example.com or supportctl block @example.com",
    )


def block(store: Store, pattern: str, *, now: datetime, actor: str | None) -> tuple[str, bool]:
    """Block an address or @domain; (pattern, True when newly added)."""
    normal = normalise_pattern(pattern)
    with store.transaction():
        added = message_store.add_block(store, normal, to_utc_text(now), actor)
        if added:
            events.record(
                store,
                "mail.blocked",
                at=now,
                actor=actor,
                subject_ref=normal,
                data={"pattern": normal},
            )
    return normal, added


def unblock(store: Store, pattern: str, *, now: datetime, actor: str | None) -> str:
    normal = normalise_pattern(pattern)
    with store.transaction():
        if not message_store.remove_block(store, normal):
            raise InputError(f"'{normal}' is not blocked", hint="see `supportctl block list`")
        events.record(
            store,
            "mail.unblocked",
            at=now,
            actor=actor,
            subject_ref=normal,
            data={"pattern": normal},
        )
    return normal


def list_blocks(store: Store) -> list[BlockEntry]:
    return [
        BlockEntry(r["pattern"], r["created_at"], r["actor"])
        for r in message_store.blocked_rows(store)
    ]


@dataclass
class ReparseReport:
    messages: int = 0
    changed: int = 0
    quarantined: int = 0  # quarantined messages tried again
    recovered: int = 0  # of those, now stored
    tickets: int = 0  # tickets whose requester, subject or customer was repaired
    matched: int = 0  # of those, now matched to a customer


def _repair_ticket(
    store: Store,
    row: Any,
    values: dict[str, Any],
    lookups: Any,
    now: datetime,
    report: ReparseReport,
) -> None:
    """A ticket opened by this message, written by an earlier parser: its requester and
    subject follow the message where they were copied from it, and a ticket without a
    customer is matched again by the repaired sender."""
    from supportctl.services.importing import customer_for

    ticket = ticket_store.get(store, int(row["ticket_id"]))
    if ticket is None:
        return
    changes: dict[str, Any] = {}
    inbound = row["direction"] == "in"
    new_from = values.get("from_addr", row["from_addr"])
    if inbound and ticket["requester"] == row["from_addr"] and new_from != row["from_addr"]:
        changes["requester"] = new_from
    if ticket["subject"] == row["subject"] and values["subject"] != row["subject"]:
        changes["subject"] = values["subject"]
    changes_reason = ""
    if ticket["customer_id"] is None and inbound and lookups is not None and new_from:
        customer_id, slug, _designated, reason = customer_for(lookups, new_from)
        if customer_id is not None:
            changes.update(customer_id=customer_id, is_triage=0)
            report.matched += 1
            changes_reason = f"customer {slug}: {reason}"
    if not changes:
        return
    ticket_store.update(store, int(ticket["id"]), changes)
    report.tickets += 1
    events.record(
        store,
        "ticket.reparsed",
        at=now,
        actor=None,
        ticket_id=int(ticket["id"]),
        data={
            "changed": sorted(changes),
            "old": {k: ticket[k] for k in changes},
            "new": changes,
            "why": changes_reason or "stored mail parsed again",
        },
    )


def problems(store: Store) -> list[Problem]:
    """Quarantined messages not yet stored, oldest first."""
    from supportctl.store import quarantine

    return [
        Problem(
            int(r["id"]),
            str(r["origin"]),
            int(r["size"]),
            str(r["error"]),
            int(r["attempts"]),
            str(r["created_at"]),
            str(r["updated_at"]),
        )
        for r in quarantine.open_rows(store)
    ]


def retry_quarantine(store: Store, config: Config, *, now: datetime) -> tuple[int, int]:
    """Run every quarantined message through the pipeline again: (tried, stored)."""
    from supportctl.domain.timeutil import from_utc_text
    from supportctl.services import importing
    from supportctl.store import quarantine

    rows = quarantine.open_rows(store)
    if not rows:
        return 0, 0
    lookups = importing.Lookups.load(store, config)
    stored = 0
    for row in rows:
        raw = quarantine.raw(store, int(row["id"]))
        location = None
        if row["account"] is not None:
            location = importing.Location(
                row["account"], row["folder"], int(row["uidvalidity"]), int(row["uid"])
            )
        item = importing.RawMail(
            raw,
            from_utc_text(row["arrived_at"]) if row["arrived_at"] else None,
            location,
            str(row["origin"]),
            importing.prepare_or_none(raw),
        )
        with store.transaction():
            row_id = importing.ingest_one(
                store, config, lookups, item, importing.ImportReport(), now=now
            )
            if row_id is not None:
                quarantine.resolve(store, int(row["id"]), row_id, to_utc_text(now))
                stored += 1
    return len(rows), stored


def reparse(
    store: Store,
    config: Config,
    *,
    ticket_ids: list[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ReparseReport:
    """Parse stored raw mail again: text, subject, addresses, classification, attachments.

    Without `ticket_ids`, quarantined mail is tried again first (needs `now`).
    """
    from supportctl.mail.classify import classify
    from supportctl.services.authentication import trusted_ids, verdict
    from supportctl.services.importing import prepare

    if ticket_ids:
        for tid in ticket_ids:
            if not ticket_store.exists(store, tid):
                raise InputError(f"no ticket #{tid}", hint="see `supportctl inbox --all`")
        ids = message_store.ids_for_tickets(store, ticket_ids)
    else:
        ids = message_store.all_ids(store)
    report = ReparseReport()
    if not ticket_ids and now is not None:
        report.quarantined, report.recovered = retry_quarantine(store, config, now=now)
        ids = message_store.all_ids(store)
    lookups = None
    if now is not None:
        from supportctl.services.importing import Lookups

        lookups = Lookups.load(store, config)
    for start in range(0, len(ids), 200):
        chunk = ids[start : start + 200]
        with store.transaction():
            for row_id in chunk:
                row = message_store.get(store, row_id)
                if row is None:
                    continue
                # parsed as import parses it: big attachments as ranges of the raw mail
                parsed, _identity = prepare(message_store.raw_bytes(row))
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
                    trusted=trusted_ids(config, message_store.accounts_of(store, row_id)),  # type: ignore[arg-type]
                )
                values = {
                    "from_addr": parsed.from_addr,
                    "from_name": parsed.from_name,
                    "to_addrs": ", ".join(parsed.to_addrs),
                    "cc_addrs": ", ".join(parsed.cc_addrs),
                    "subject": parsed.subject,
                    "text_body": parsed.text,
                    "in_reply_to": parsed.in_reply_to,
                    "refs": " ".join(parsed.references),
                    "classification": cls.kind,
                    "auth_dmarc": auth.dmarc,
                    "auth_dkim": auth.dkim,
                    "auth_spf": auth.spf,
                    "parse_limits": "; ".join(parsed.limits),
                }
                if row["direction"] == "out":
                    # Our own sent mail: what we stored when sending stays (its
                    # addresses and ids are ours), only the decoded text is renewed.
                    for key in ("from_addr", "to_addrs", "cc_addrs", "in_reply_to", "refs"):
                        values.pop(key)
                if any(row[k] != v for k, v in values.items()):
                    report.changed += 1
                    if row["ticket_id"] is not None and now is not None:
                        _repair_ticket(store, row, values, lookups, now, report)
                message_store.update_parsed(store, row_id, values)
                message_store.delete_attachments(store, row_id)
                message_store.store_attachments(store, row_id, parsed.attachments)
                report.messages += 1
        if on_progress is not None:
            on_progress(report.messages, len(ids))
    return report
