"""Blocked senders and re-parsing stored mail.

Blocking is by address (`spam@x.example`) or domain (`@x.example`, subdomains
included). Blocked mail is still stored (nothing is ever lost) but opens nothing.
`reparse` re-runs the parser over the raw bytes kept in the database, so a better
parser improves old mail too; the thread a message belongs to is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.store import events
from supportctl.store import messages as message_store
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_DOMAIN = re.compile(r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class BlockEntry:
    id: str
    created_at: str
    actor: str | None


def normalise_pattern(pattern: str) -> str:
    text = pattern.strip().lower()
    if _DOMAIN.fullmatch(text) or _ADDRESS.fullmatch(text):
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


def reparse(
    store: Store,
    config: object,
    *,
    ticket_ids: list[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReparseReport:
    """Parse stored raw mail again: text, subject, addresses, classification, attachments."""
    from supportctl.mail.classify import classify
    from supportctl.mail.parse import parse_message
    from supportctl.services.authentication import trusted_ids, verdict

    if ticket_ids:
        for tid in ticket_ids:
            if not ticket_store.exists(store, tid):
                raise InputError(f"no ticket #{tid}", hint="see `supportctl inbox --all`")
        ids = message_store.ids_for_tickets(store, ticket_ids)
    else:
        ids = message_store.all_ids(store)
    report = ReparseReport()
    for start in range(0, len(ids), 200):
        chunk = ids[start : start + 200]
        with store.transaction():
            for row_id in chunk:
                row = message_store.get(store, row_id)
                if row is None:
                    continue
                parsed = parse_message(message_store.raw_bytes(row))
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
                    "classification": cls.kind,
                    "auth_dmarc": auth.dmarc,
                    "auth_dkim": auth.dkim,
                    "auth_spf": auth.spf,
                }
                if any(row[k] != v for k, v in values.items()):
                    report.changed += 1
                message_store.update_parsed(store, row_id, values)
                message_store.delete_attachments(store, row_id)
                for att in parsed.attachments:
                    message_store.put_blob(store, att.sha256, att.data)
                    message_store.add_attachment(
                        store,
                        row_id,
                        {
                            "position": att.position,
                            "filename": att.filename,
                            "content_type": att.content_type,
                            "size": att.size,
                            "sha256": att.sha256,
                            "transfer_encoding": att.transfer_encoding,
                        },
                    )
                report.messages += 1
        if on_progress is not None:
            on_progress(report.messages, len(ids))
    return report
