"""One ticket with its messages: a readable timeline for people, one JSON object for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supportctl.render.inbox import local_time
from supportctl.render.tables import keyvalue

if TYPE_CHECKING:
    from supportctl.render.models.tickets import History, HistoryEvent
    from supportctl.render.models.ticketview import MessageView, TicketView
    from supportctl.render.screen import Screen


def trimmed_text(m: MessageView) -> str:
    """The message's new text: quoted history and signature cut off (all of it if none)."""
    split = m.reply
    return split.text.rstrip("\r\n") if split.rest else m.text


def hidden_note(m: MessageView, ticket_id: int) -> str | None:
    """The dim line that says what `ticket show` hid and how to see it, or None."""
    split = m.reply
    if not split.rest:
        return None
    n = split.hidden_lines
    what = "quoted" if split.is_quote else "signature"
    return f"… {n} {what} line{'s' if n != 1 else ''} hidden (ticket show {ticket_id} --full)"


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
        "authentication": {
            **m.auth,
            "authenticated": m.authenticated,
            "reason": m.auth_reason or None,
        },
        "text": m.text,
        "text_trimmed": trimmed_text(m),
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
        "reply_to": t.reply_to or None,
        "replies_go_to": t.reply_to or t.requester,
        "foreign_senders": t.foreign_senders,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }
    data["bounced"] = bool(t.row.get("bounced_at"))
    data["bounces"] = [
        {"reply_at": b.reply_at, "to": b.to, "reason": b.reason, "bounced_at": b.bounced_at}
        for b in t.bounces
    ]
    data["messages"] = [message_json(m) for m in t.messages]
    return data


def _bounce_pairs(t: TicketView, tz: str) -> list[tuple[str, str]]:
    """`bounced` lines for the top of `ticket show`: which reply bounced and why."""
    return [
        (
            "bounced",
            f"our reply of {local_time(b.reply_at, tz)} to {b.to} bounced"
            + (f": {b.reason}" if b.reason else "")
            + ("" if t.row.get("bounced_at") else " (answered again since)"),
        )
        for b in t.bounces
    ]


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1000:
        return f"{n / 1000:.0f} kB"
    return f"{n} B"


def history_json(h: History) -> dict[str, Any]:
    """Owner, level, SLA and the event history, added to `ticket show --json`."""
    from supportctl.domain.timeutil import to_utc_text

    clock = h.clock
    return {
        "owner": h.owner,
        "level": h.level,
        "hours": h.hours,
        "first_response_at": h.first_response_at,
        "due_response_at": h.due_response_at,
        "due_resolution_at": h.due_resolution_at,
        "paused_minutes": h.paused_minutes,
        "merged_from": h.merged_from,
        "sla": None
        if clock.target is None
        else {
            "target": clock.target,
            "due": to_utc_text(clock.due) if clock.due else None,
            "business_minutes_left": clock.business_minutes_left,
            "breached": clock.breached,
            "paused": clock.paused,
        },
        "events": [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "kind": e.kind,
                "ticket": e.ticket_id,
                "data": e.data,
            }
            for e in h.events
        ],
    }


def event_line(e: HistoryEvent) -> str:
    """One readable line for a history event (unknown kinds show their data)."""
    d = e.data
    kind = e.kind
    if kind == "ticket.created":
        return f"created: {d.get('urgency', '?')} {d.get('kind', '')} ({d.get('why', '')}), level {d.get('level', '?')}"
    if kind == "ticket.assigned":
        owner = d.get("owner") or "nobody"
        return f"owner → {owner} ({d.get('reason', '')})" + (
            f", was {d['old']}" if d.get("old") else ""
        )
    if kind == "ticket.status":
        why = f" ({d['reason']})" if d.get("reason") else ""
        return f"status {d.get('old')} → {d.get('new')}{why}"
    if kind in ("ticket.urgency", "ticket.kind"):
        return f"{kind.split('.')[1]} {d.get('old')} → {d.get('new')}"
    if kind == "ticket.note":
        via = f" (by {d['via']} from {d.get('from', '?')})" if d.get("via") else ""
        return f"note{via}: {d.get('text', '')}"
    if kind == "ticket.merged":
        tasks = f", {d['delegations']} delegated tasks" if d.get("delegations") else ""
        return f"merged into #{d.get('into')} ({d.get('messages', 0)} messages{tasks} moved)"
    if kind == "ticket.bounced":
        first = d.get("first_response") or {}
        clock = "" if first.get("new") else "; the first-response clock runs again"
        return f"our reply to {d.get('to', '?')} bounced: {d.get('reason', '')}{clock}"
    if kind == "ticket.reparsed":
        return f"repaired by reparse: {', '.join(d.get('changed', []))} ({d.get('why', '')})"
    if kind == "ticket.merged_in":
        tasks = f" with {d['delegations']} delegated tasks" if d.get("delegations") else ""
        return f"#{d.get('from')} merged in{tasks}: {d.get('subject', '')}"
    if kind == "delegation.created":
        return (
            f"task {d.get('task_id')} delegated: {d.get('task', '')} (why: {d.get('reason', '')})"
        )
    if kind == "delegation.done":
        return f"task {d.get('task_id')} done by {d.get('to')}: {d.get('task', '')}"
    if kind == "delegation.reassigned":
        return f"task {d.get('task_id')} reassigned {d.get('from')} → {d.get('to')}: {d.get('task', '')}"
    if kind == "alert.sent":
        to = f" {d['to']}" if d.get("to") else ""
        return f"alerted{to} by {d.get('channel')} ({d.get('reason')})"
    if kind == "alert.failed":
        return f"alert by {d.get('channel')} ({d.get('reason')}) failed: {d.get('error', '')}"
    if kind == "mail.foreign_sender":
        from supportctl.render.safe import one_line

        return (
            f"foreign sender {one_line(d.get('from', '?'))} wrote (message {d.get('message', '?')}): "
            "stored, not a reply target"
        )
    if kind == "kb.article":
        return f"knowledge-base article {d.get('article')} written from this ticket: {d.get('title', '')}"
    if kind == "kb.used":
        return f"knowledge-base article {d.get('article')} ({d.get('lang', '?')}) used in a reply: {d.get('title', '')}"
    if kind in ("time.logged", "time.edited", "time.removed"):
        return _time_event(kind, d)
    summary = ", ".join(
        f"{k}={v}"
        for k, v in d.items()
        if k != "run_by" and v is not None and not isinstance(v, (dict, list))
    )
    return f"{kind}: {summary}" if summary else kind


def _time_event(kind: str, d: dict[str, Any]) -> str:
    """Time entry history without stored ids or Python values."""
    entry = d.get("entry", "?")
    if kind == "time.logged":
        new = d.get("new") or {}
        return f"time logged: entry {entry}, {new.get('minutes', '?')} min: {new.get('description', '')}"
    if kind == "time.removed":
        old = d.get("old") or {}
        return f"time entry {entry} removed ({old.get('minutes', '?')} min)"
    old, new = d.get("old") or {}, d.get("new") or {}
    labels = {"ticket_id": "ticket", "customer_id": "customer", "class_override": "class"}
    changed = ", ".join(
        f"{labels.get(k, k)} {_plain(k, old.get(k))} → {_plain(k, v)}"
        for k, v in new.items()
        if k not in ("end_at", "customer_id")
    )
    return f"time entry {entry} changed: {changed}"


def _plain(key: str, value: object) -> str:
    if key == "ticket_id":
        return "no ticket" if value is None else f"#{value}"
    if key == "class_override":
        return "auto" if value is None else str(value)
    return "-" if value is None else str(value)


def _sla_text(h: History, tz: str) -> str:
    from supportctl.domain.sla import format_minutes
    from supportctl.domain.timeutil import to_utc_text

    clock = h.clock
    if clock.target is None or clock.due is None or clock.business_minutes_left is None:
        return "-"
    due = local_time(to_utc_text(clock.due), tz)
    per_day = 1440 if h.hours == "24x7" else 480
    left = format_minutes(clock.business_minutes_left, per_day)
    if clock.paused:
        return f"{clock.target} due {due}, {left} left (paused: waiting on the customer)"
    if clock.breached:
        return f"{clock.target} due {due}: LATE by {left.lstrip('-')} business time"
    return f"{clock.target} due {due}, {left} business time left"


class _Lines:
    """Lines to stdout: through rich on a terminal (bold headers, text wrapped on words at
    the terminal width), plain and unwrapped when piped. Everything is terminal-safe."""

    def __init__(self, app_ctx: Screen) -> None:
        self.console = app_ctx.out if app_ctx.is_terminal() else None

    def __call__(
        self, text: str = "", *, bold: bool = False, dim: bool = False, hang: str | None = None
    ) -> None:
        from supportctl.render.safe import term_safe

        text = term_safe(text)
        if self.console is None:
            import sys

            sys.stdout.write(text + "\n")
            return
        from rich.text import Text

        style = "bold" if bold else "dim" if dim else ""
        width = self.console.width
        for line in text.split("\n"):
            for part in wrap_words(line, width, hang):
                self.console.print(Text(part, style=style), soft_wrap=True)


def wrap_words(line: str, width: int, hang: str | None = None) -> list[str]:
    """`line` wrapped on spaces to `width` terminal cells; a word longer than that (a
    URL, an address) stays whole on a line of its own. Continuation lines repeat the
    line's indent and quote marks (`> `), as mail readers show them, or start with
    `hang` when given."""
    from supportctl.render.tables import cell_width

    if cell_width(line) <= width:
        return [line]
    body = line.lstrip(" >")
    prefix = line[: len(line) - len(body)]
    indent = prefix if ">" in prefix else " " * len(prefix)
    if hang is not None:
        indent = hang
    if cell_width(indent) * 2 > width:
        indent = ""
    lines: list[str] = []
    current = prefix
    size = cell_width(current)
    bare = True  # nothing but the prefix on the current line yet
    for word in body.split(" "):
        if not word:
            continue
        w = cell_width(word)
        if not bare and size + 1 + w > width:
            lines.append(current)
            current, size, bare = indent, cell_width(indent), True
        if bare:
            current += word
            size += w
            bare = False
        else:
            current += " " + word
            size += 1 + w
    lines.append(current)
    return lines


def _flags(t: TicketView) -> list[str]:
    return [
        f
        for f, on in (
            ("triage", t.is_triage),
            ("needs-approval", t.needs_approval),
            ("foreign-sender", bool(t.foreign_senders)),
        )
        if on
    ]


def _foreign(t: TicketView) -> list[tuple[str, str]]:
    if not t.foreign_senders:
        return []
    from supportctl.render.safe import one_line

    who = one_line(", ".join(t.foreign_senders))
    return [
        ("foreign sender", f"{who}: not the requester, a contact or the team; not a reply target")
    ]


def _requester(t: TicketView) -> str:
    from supportctl.render.safe import one_line

    if t.reply_to and t.reply_to != t.requester:
        return one_line(f"{t.requester} (Reply-To {t.reply_to}: replies go there)")
    return t.requester


def _auth_line(m: MessageView) -> str:
    from supportctl.render.safe import one_line

    word = "authenticated" if m.authenticated else "not authenticated"
    return f"{word}: {one_line(m.auth_reason)}"


def _print_message(line: _Lines, m: MessageView, tz: str, ticket_id: int, full: bool) -> None:
    line()
    arrow = "→" if m.direction == "out" else "←"
    who = f"{m.from_name} <{m.from_addr}>" if m.from_name else m.from_addr
    kind = f"  ({m.classification})" if m.classification != "human" else ""
    line(f"{arrow} {local_time(m.arrived_at, tz)}  {who}{kind}", bold=True)
    line(f"Subject: {m.subject}")
    if m.to:
        line(f"To: {', '.join(m.to)}")
    if m.authenticated is not None:
        line(f"Auth: {_auth_line(m)}")
    line()
    note = None if full else hidden_note(m, ticket_id)
    line((m.text if note is None else trimmed_text(m)) or "(no text)")
    if note is not None:
        line(note, dim=True)
    for a in m.attachments:
        note = (
            "  Outlook TNEF (winmail.dat), not unpacked"
            if a.content_type == "application/ms-tnef"
            else ""
        )
        line(f"  [{a.number}] {a.filename}  {a.content_type}  {_size(a.size)}{note}")


def emit_ticket(
    app_ctx: Screen,
    t: TicketView,
    *,
    as_json: bool,
    history: History | None = None,
    full: bool = False,
) -> None:
    """`ticket show`: quoted history and signatures hidden unless `full` (JSON has both)."""
    if as_json:
        from supportctl.render.jsonout import emit_json

        data = ticket_json(t)
        if history is not None:
            data.update(history_json(history))
        emit_json(data)
        return
    if history is not None:
        _emit_timeline(app_ctx, t, history, full=full)
        return
    tz = app_ctx.config.agency.timezone
    flags = _flags(t)
    keyvalue(
        app_ctx,
        f"Ticket #{t.id}: {t.subject}",
        [
            *_foreign(t),
            ("customer", t.customer or "unknown"),
            ("requester", _requester(t)),
            ("status", t.status),
            *_bounce_pairs(t, tz),
            ("urgency", f"{t.urgency} ({t.kind})"),
            ("mail", t.classification),
            ("flags", " ".join(flags) or "-"),
            ("created", local_time(t.created_at, tz)),
        ],
    )
    line = _Lines(app_ctx)
    for m in t.messages:
        _print_message(line, m, tz, t.id, full)
    if any(m.attachments for m in t.messages):
        line()
        line(f"save one: supportctl ticket attachment {t.id} K --save DIR")


def _emit_timeline(app_ctx: Screen, t: TicketView, h: History, *, full: bool) -> None:
    """Header, then messages and history events interleaved in time order."""
    tz = app_ctx.config.agency.timezone
    flags = _flags(t)
    line = _Lines(app_ctx)
    pairs = [
        *_foreign(t),
        ("customer", t.customer or "unknown"),
        ("requester", _requester(t)),
        ("status", t.status),
        *_bounce_pairs(t, tz),
        ("urgency", f"{t.urgency} ({t.kind})"),
        ("owner", h.owner or "nobody"),
        ("level", f"{h.level}" + (" (24/7)" if h.hours == "24x7" else "")),
        ("SLA", _sla_text(h, tz)),
        ("mail", t.classification),
        ("flags", " ".join(flags) or "-"),
        ("created", local_time(t.created_at, tz)),
    ]
    if h.merged_from:
        pairs.append(("merged in", ", ".join(f"#{i}" for i in h.merged_from)))
    keyvalue(app_ctx, f"Ticket #{t.id}: {t.subject}", pairs)
    items: list[tuple[str, int, Any]] = [(m.arrived_at, 1, m) for m in t.messages]
    items += [(e.at, 0, e) for e in h.events]
    items.sort(key=lambda item: (item[0], item[1]))
    for _at, is_message, item in items:
        if is_message:
            _print_message(line, item, tz, t.id, full)
        else:
            actor = f"  {item.actor}" if item.actor else ""
            run_by = item.data.get("run_by") if isinstance(item.data, dict) else None
            if run_by:
                actor += f" (run by {run_by})"
            origin = f"#{item.ticket_id} " if item.ticket_id != t.id else ""
            line(f"· {local_time(item.at, tz)}{actor}  {origin}{event_line(item)}", hang="  ")
    if any(m.attachments for m in t.messages):
        line()
        line(f"save one: supportctl ticket attachment {t.id} K --save DIR")
