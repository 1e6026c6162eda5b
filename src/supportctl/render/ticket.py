"""One ticket with its messages: a readable timeline for people, one JSON object for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supportctl.render.inbox import local_time
from supportctl.render.jsonout import emit_json
from supportctl.render.tables import keyvalue

if TYPE_CHECKING:
    from supportctl.context import AppContext
    from supportctl.services.ticketview import MessageView, TicketView


def message_json(m: MessageView) -> dict[str, Any]:
    return {
        "id": m.id,
        "direction": m.direction,
        "headers": {
            "message_id": m.message_id,
            "from": m.from_addr,
            "from_name": m.from_name,
            "to": m.to,
            "cc": m.cc,
            "date": m.date,
            "subject": m.subject,
            "in_reply_to": m.in_reply_to,
            "references": m.references,
        },
        "arrived_at": m.arrived_at,
        "classification": m.classification,
        "authentication": m.auth,
        "text": m.text,
        "attachments": [
            {"id": a.number, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in m.attachments
        ],
    }


def ticket_json(t: TicketView) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": t.id,
        "subject": t.subject,
        "requester": t.requester,
        "customer": t.customer,
        "status": t.status,
        "urgency": t.urgency,
        "kind": t.kind,
        "classification": t.classification,
        "triage": t.is_triage,
        "needs_approval": t.needs_approval,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }
    data["messages"] = [message_json(m) for m in t.messages]
    return data


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1000:
        return f"{n / 1000:.0f} kB"
    return f"{n} B"


def emit_ticket(app_ctx: AppContext, t: TicketView, *, as_json: bool) -> None:
    if as_json:
        emit_json(ticket_json(t))
        return
    tz = app_ctx.config.agency.timezone
    flags = [f for f, on in (("triage", t.is_triage), ("needs-approval", t.needs_approval)) if on]
    out = app_ctx.out
    keyvalue(
        out,
        f"Ticket #{t.id}: {t.subject}",
        [
            ("customer", t.customer or "unknown"),
            ("requester", t.requester),
            ("status", t.status),
            ("urgency", f"{t.urgency} ({t.kind})"),
            ("mail", t.classification),
            ("flags", " ".join(flags) or "-"),
            ("created", local_time(t.created_at, tz)),
        ],
    )
    for m in t.messages:
        out.print()
        arrow = "→" if m.direction == "out" else "←"
        who = f"{m.from_name} <{m.from_addr}>" if m.from_name else m.from_addr
        out.print(f"[bold]{arrow} {local_time(m.arrived_at, tz)}  {who}[/bold]", highlight=False, markup=True, end="")
        out.print(f"  ({m.classification})" if m.classification != "human" else "", markup=False)
        out.print(f"Subject: {m.subject}", markup=False, highlight=False)
        if m.to:
            out.print(f"To: {', '.join(m.to)}", markup=False, highlight=False)
        if m.auth.get("dmarc"):
            out.print(f"Auth: dmarc={m.auth['dmarc']} dkim={m.auth['dkim']} spf={m.auth['spf']}", markup=False)
        out.print()
        out.print(m.text or "(no text)", markup=False, highlight=False)
        for a in m.attachments:
            note = "  Outlook TNEF (winmail.dat), not unpacked" if a.content_type == "application/ms-tnef" else ""
            out.print(f"  [{a.number}] {a.filename}  {a.content_type}  {_size(a.size)}{note}", markup=False, highlight=False)
    if any(m.attachments for m in t.messages):
        out.print()
        out.print(f"save one: supportctl ticket attachment {t.id} K --save DIR", markup=False)
