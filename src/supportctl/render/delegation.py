"""Delegated tasks and the Monday review: rich tables, JSON, and Markdown for the chat.

The review table is grouped by person (one rich section each) and capped like every
table; a per-person summary above it always covers everyone, so a long queue never
hides who is overloaded. Markdown is plain text meant to be pasted into a chat room.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from supportctl.domain.durations import format_minutes
from supportctl.render.tables import TABLE_ROW_CAP

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.context import AppContext
    from supportctl.domain.sla import Clock
    from supportctl.services.delegation import Changes, Delegated, Review, ReviewRow, Task

FLAG_TEXT = {"untouched": "untouched", "past-sla": "past SLA"}


def _utc(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with Z, as every JSON document carries times."""
    from datetime import UTC

    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def emit_json(value: Any) -> None:
    """One JSON document; the values here are plain already, so no conversion pass."""
    import json
    import sys

    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _zone(app_ctx: AppContext) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(app_ctx.config.agency.timezone)


def _local(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def task_json(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "ticket": t.ticket_id,
        "task": t.task,
        "skill": t.skill,
        "to": t.to,
        "by": t.by,
        "estimate_minutes": t.estimate_minutes,
        "status": t.status,
        "created": _utc(t.created),
        "done": _utc(t.done),
        "reason": t.reason,
    }


def clock_json(clock: Clock | None) -> dict[str, Any] | None:
    if clock is None:
        return None
    return {
        "target": clock.target,
        "due": _utc(clock.due),
        "business_minutes_left": clock.business_minutes_left,
        "breached": clock.breached,
        "paused": clock.paused,
    }


def row_json(r: ReviewRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "ticket": r.ticket_id,
        "task": r.task,
        "to": r.to,
        "by": r.by,
        "created": _utc(r.created),
        "age_business_days": r.age_business_days,
        "flags": list(r.flags),
        "skill": r.skill,
        "estimate_minutes": r.estimate_minutes,
        "subject": r.subject,
        "customer": r.customer,
        "urgency": r.urgency,
        "level": r.level,
        "minutes_logged": r.minutes_logged,
        "last_touched": _utc(r.last_touched),
        "untouched_business_days": r.untouched_business_days,
        "sla": clock_json(r.clock),
    }


def clock_text(clock: Clock | None, minutes_per_day: int) -> str:
    from supportctl.domain.sla import format_minutes as business_minutes

    if clock is None or clock.business_minutes_left is None:
        return "-"
    left = business_minutes(clock.business_minutes_left, minutes_per_day)
    if clock.paused:
        return f"{left} paused"
    if clock.breached:
        return f"late {left.lstrip('-')}"
    return left


def _flags_text(flags: tuple[str, ...]) -> str:
    return ", ".join(FLAG_TEXT.get(f, f) for f in flags)


# --- single tasks ----------------------------------------------------------------------


def emit_delegated(app_ctx: AppContext, result: Delegated, *, as_json: bool) -> None:
    t = result.task
    if as_json:
        data = task_json(t)
        data["chosen_by"] = result.chosen_by
        data["runners_up"] = list(result.runners_up)
        emit_json(data)
        return
    out = app_ctx.out
    out.print(
        f"task {t.id} on ticket #{t.ticket_id} → {t.to}: {t.task}", markup=False, soft_wrap=True
    )
    out.print(f"  why: {t.reason}", markup=False, soft_wrap=True)
    if result.runners_up:
        out.print(f"  next in line: {', '.join(result.runners_up)}", markup=False, soft_wrap=True)


def emit_task(app_ctx: AppContext, t: Task, *, as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(task_json(t))
        return
    if verb == "done":
        app_ctx.out.print(
            f"task {t.id} on ticket #{t.ticket_id} done: {t.task}", markup=False, soft_wrap=True
        )
    else:
        app_ctx.out.print(
            f"task {t.id} on ticket #{t.ticket_id} → {t.to}: {t.task}", markup=False, soft_wrap=True
        )
        app_ctx.out.print(f"  why: {t.reason}", markup=False, soft_wrap=True)


# --- the review --------------------------------------------------------------------------


def emit_review(app_ctx: AppContext, result: Review, *, as_json: bool, fmt: str) -> None:
    if as_json:
        emit_json([row_json(r) for r in result.rows])
        return
    zone = _zone(app_ctx)
    if fmt == "md":
        for line in review_markdown(result, zone):
            app_ctx.out.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    review_tables(app_ctx.out, result, zone)


def _title(result: Review, zone: tzinfo) -> str:
    who = f"Delegated to {result.mine}" if result.mine else "Delegated tasks"
    day = result.at.astimezone(zone).strftime("%a %Y-%m-%d")
    text = f"{who}, {day}: {result.total_open} open"
    if all(p.flagged is not None for p in result.people):
        text += f", {sum(p.flagged or 0 for p in result.people)} flagged"
    return text


def _task_cells(r: ReviewRow, minutes_per_day: int) -> list[Any]:
    from rich.text import Text

    sla = Text(clock_text(r.clock, minutes_per_day))
    if r.clock is not None and r.clock.colour:
        sla.stylize(r.clock.colour)
    ticket = ("!" if r.urgency == "urgent" else "") + f"#{r.ticket_id}"
    if r.customer:
        ticket += f" {r.customer}"
    return [
        str(r.id),
        ticket,
        Text(r.task),
        f"{r.age_business_days}d",
        format_minutes(r.minutes_logged) if r.minutes_logged else "-",
        sla,
        Text(_flags_text(r.flags), style="bold red" if r.flags else ""),
    ]


def _add_task_columns(tbl: Any) -> None:
    for col in ("id", "ticket", "task", "age", "time", "SLA", "flags"):
        # numbers and clocks stay on one line; names, the task and flags wrap
        tbl.add_column(
            col,
            overflow="fold",
            no_wrap=col in ("id", "age", "time", "SLA"),
            min_width=12 if col == "task" else None,
            max_width=10 if col in ("ticket", "flags") else None,
        )


def review_tables(console: Console, result: Review, zone: tzinfo) -> None:
    """All tasks grouped by person when they fit; else one row per person with the oldest.

    Rendering is what a long review costs, so a queue longer than --limit becomes a
    summary (one row per person and their oldest task) instead of hundreds of rows.
    """
    from rich import box
    from rich.table import Table

    if not result.rows:
        who = f"{result.mine} has" if result.mine else "there are"
        console.print(f"{who} no open delegated tasks", markup=False)
        return
    console.print(_title(result, zone), markup=False, style="bold")
    complete = len(result.rows) == result.total_open
    # light rules instead of a full grid: eight columns fit an 80-column terminal
    tbl = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    if complete or result.mine:
        tbl.add_column("to", no_wrap=True)
        _add_task_columns(tbl)
        counts = {p.handle: p.open_tasks for p in result.people}
        previous = None
        for r in result.rows:
            if previous is not None and r.to != previous:
                tbl.add_section()
            who = f"{r.to} ({counts.get(r.to, 0)})" if r.to != previous else ""
            tbl.add_row(who, *_task_cells(r, result.minutes_per_day))
            previous = r.to
    else:
        heads = {r.to: r for r in result.rows}
        for col in ("person", "open", "est.", "age"):
            tbl.add_column(col, no_wrap=True)
        # one line per person: the oldest task (the head of the FIFO), cut to fit
        tbl.add_column("oldest task", no_wrap=True, overflow="ellipsis", min_width=16)
        tbl.add_column("flags", no_wrap=True)
        for p in result.people:
            head = heads.get(p.handle)
            next_task = "-"
            if head is not None:
                urgent = "!" if head.urgency == "urgent" else ""
                next_task = f"{head.id} {urgent}#{head.ticket_id}: {head.task}"
            tbl.add_row(
                p.handle,
                str(p.open_tasks),
                format_minutes(p.estimated_minutes) if p.estimated_minutes else "-",
                f"{p.oldest_business_days}d",
                next_task,
                _flags_text(head.flags) if head else "",
            )
    console.print(tbl)
    hidden = result.total_open - len(result.rows)
    if hidden > 0:
        more = "--mine, --limit" if result.mine is None else "--limit"
        console.print(
            f"… and {hidden} more open tasks ({more}, --format md or --json show all)",
            markup=False,
        )
    console.print(
        "age: business days; time: logged since delegated; !: urgent\n"
        "untouched: no time, note or mail for 5 business days",
        markup=False,
        style="dim",
    )


def review_markdown(result: Review, zone: tzinfo) -> list[str]:
    """The review as Markdown for the team's chat."""
    lines = [f"**{_title(result, zone)}**"]
    if not result.rows:
        lines.append("")
        lines.append("No open delegated tasks.")
        return lines
    current = None
    for r in result.rows:
        if r.to != current:
            current = r.to
            mine = [x for x in result.people if x.handle == r.to]
            count = mine[0].open_tasks if mine else 0
            lines.append("")
            lines.append(f"**{r.to}** ({count} open)")
        details = [f"{r.age_business_days} business days"]
        if r.minutes_logged:
            details.append(f"{format_minutes(r.minutes_logged)} logged")
        if r.clock is not None:
            details.append(f"SLA {r.clock.target} {clock_text(r.clock, result.minutes_per_day)}")
        flags = "".join(f" **{FLAG_TEXT.get(f, f)}**" for f in r.flags)
        where = f"#{r.ticket_id}" + (f" {r.customer}" if r.customer else "")
        urgent = " (urgent)" if r.urgency == "urgent" else ""
        lines.append(
            f"- task {r.id} on {where}{urgent}: {_md(r.task)} — {', '.join(details)}{flags}"
        )
    return lines


def _md(text: str) -> str:
    for ch in ("\\", "*", "_", "`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def review_text_lines(result: Review, zone: tzinfo, width: int = 80) -> list[str]:
    """The review table as plain lines (for the demo's summary)."""
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, soft_wrap=False)
    review_tables(console, result, zone)
    return buffer.getvalue().rstrip("\n").splitlines()


# --- since the last review ----------------------------------------------------------------


def changes_json(changes: Changes) -> dict[str, Any]:
    return {
        "since": _utc(changes.since),
        "since_by": changes.since_by,
        "new": [task_json(t) for t in changes.new],
        "done": [task_json(t) for t in changes.done],
        "reassigned": [
            {
                "id": e["task_id"],
                "ticket": e["ticket_id"],
                "task": e.get("task"),
                "from": e.get("from"),
                "to": e.get("to"),
                "at": e["at"],
                "by": e["actor"],
            }
            for e in changes.reassigned
        ],
    }


def emit_changes(app_ctx: AppContext, changes: Changes, *, as_json: bool, fmt: str) -> None:
    if as_json:
        emit_json(changes_json(changes))
        return
    zone = _zone(app_ctx)
    out = app_ctx.out
    head = f"Since the review of {_local(changes.since, zone)}" + (
        f" by {changes.since_by}" if changes.since_by else ""
    )
    sections: list[tuple[str, list[str]]] = [
        (
            "new",
            [f"task {t.id} on #{t.ticket_id} → {t.to}: {t.task}" for t in changes.new],
        ),
        (
            "done",
            [f"task {t.id} on #{t.ticket_id} by {t.to}: {t.task}" for t in changes.done],
        ),
        (
            "reassigned",
            [
                f"task {e['task_id']} on #{e['ticket_id']}: {e.get('from')} → {e.get('to')}"
                + (f" ({e['task']})" if e.get("task") else "")
                for e in changes.reassigned
            ],
        ),
    ]
    if fmt == "md":
        out.print(f"**{head}**", markup=False, highlight=False, soft_wrap=True)
        for name, items in sections:
            out.print("", markup=False)
            out.print(f"**{name}** ({len(items)})", markup=False, highlight=False, soft_wrap=True)
            for item in items:
                out.print(f"- {_md(item)}", markup=False, highlight=False, soft_wrap=True)
        return
    out.print(head + ":", markup=False, style="bold")
    for name, items in sections:
        out.print(f"{name} ({len(items)})", markup=False, style="bold")
        for item in items[:TABLE_ROW_CAP]:
            out.print(f"  {item}", markup=False, soft_wrap=True)
        if len(items) > TABLE_ROW_CAP:
            out.print(
                f"  … and {len(items) - TABLE_ROW_CAP} more (use --json)",
                markup=False,
                soft_wrap=True,
            )
