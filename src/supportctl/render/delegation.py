"""Delegated tasks and the Monday review: rich tables, JSON, and Markdown for the chat.

The review table is grouped by person (one rich section each) and capped like every
table; a per-person summary above it always covers everyone, so a long queue never
hides who is overloaded. Markdown is plain text meant to be pasted into a chat room.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from supportctl.context import AppContext
from supportctl.domain.durations import format_minutes
from supportctl.render.jsonout import emit_json, to_jsonable
from supportctl.render.tables import TABLE_ROW_CAP

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.domain.sla import Clock
    from supportctl.services.delegation import Changes, Delegated, Review, ReviewRow, Task

FLAG_TEXT = {"untouched": "untouched", "past-sla": "past SLA"}


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
        "created": to_jsonable(t.created),
        "done": to_jsonable(t.done),
        "reason": t.reason,
    }


def clock_json(clock: Clock | None) -> dict[str, Any] | None:
    if clock is None:
        return None
    return {
        "target": clock.target,
        "due": to_jsonable(clock.due),
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
        "created": to_jsonable(r.created),
        "age_business_days": r.age_business_days,
        "flags": list(r.flags),
        "skill": r.skill,
        "estimate_minutes": r.estimate_minutes,
        "subject": r.subject,
        "customer": r.customer,
        "urgency": r.urgency,
        "level": r.level,
        "minutes_logged": r.minutes_logged,
        "last_touched": to_jsonable(r.last_touched),
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


def emit_review(
    app_ctx: AppContext, result: Review, *, as_json: bool, fmt: str, limit: int | None
) -> None:
    if as_json:
        emit_json([row_json(r) for r in result.rows])
        return
    zone = _zone(app_ctx)
    if fmt == "md":
        for line in review_markdown(result, zone):
            app_ctx.out.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    review_tables(app_ctx.out, result, zone, limit=limit)


def _title(result: Review, zone: tzinfo) -> str:
    flagged = sum(1 for r in result.rows if r.flags)
    who = f"Delegated to {result.mine}" if result.mine else "Delegated tasks"
    day = result.at.astimezone(zone).strftime("%a %Y-%m-%d")
    return f"{who}, {day}: {len(result.rows)} open, {flagged} flagged"


def review_tables(
    console: Console, result: Review, zone: tzinfo, *, limit: int | None = TABLE_ROW_CAP
) -> None:
    from rich.table import Table
    from rich.text import Text

    if not result.rows:
        who = f"{result.mine} has" if result.mine else "there are"
        console.print(f"{who} no open delegated tasks", markup=False)
        return
    console.print(_title(result, zone), markup=False, style="bold")
    if result.mine is None:
        summary = Table(header_style="bold")
        for col in ("person", "open", "estimated", "flagged", "oldest (business days)"):
            summary.add_column(col)
        for p in result.people:
            summary.add_row(
                p.handle,
                str(p.open_tasks),
                format_minutes(p.estimated_minutes) if p.estimated_minutes else "-",
                str(p.flagged) if p.flagged else "-",
                str(p.oldest_business_days),
            )
        console.print(summary)
    shown = result.rows if limit is None else result.rows[:limit]
    counts = {p.handle: p.open_tasks for p in result.people}
    groups: dict[str, list[ReviewRow]] = {}
    for r in shown:
        groups.setdefault(r.to, []).append(r)
    for handle, items in groups.items():
        # one table per person, in queue order; numbers and clocks stay on one line
        tbl = Table(
            title=f"{handle}: {counts.get(handle, len(items))} open",
            title_justify="left",
            title_style="bold",
            header_style="bold",
        )
        for col in ("id", "ticket", "task", "age", "logged", "SLA", "flags"):
            tbl.add_column(
                col,
                overflow="fold",
                no_wrap=col in ("id", "age", "logged", "SLA"),
                min_width=12 if col == "task" else None,
                max_width=10 if col in ("ticket", "flags") else None,
            )
        for r in items:
            sla = Text(clock_text(r.clock, result.minutes_per_day))
            if r.clock is not None and r.clock.colour:
                sla.stylize(r.clock.colour)
            ticket = f"#{r.ticket_id}" + (f" {r.customer}" if r.customer else "")
            if r.urgency == "urgent":
                ticket += " urgent"
            tbl.add_row(
                str(r.id),
                ticket,
                Text(r.task),
                f"{r.age_business_days}d",
                format_minutes(r.minutes_logged) if r.minutes_logged else "-",
                sla,
                Text(_flags_text(r.flags), style="bold red" if r.flags else ""),
            )
        console.print(tbl)
    if limit is not None and len(result.rows) > limit:
        console.print(
            f"… and {len(result.rows) - limit} more (use --limit, --format md or --json to see all)",
            markup=False,
        )
    console.print(
        "ages in business days; untouched: no time, note or mail for 5 business days",
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
        "since": to_jsonable(changes.since),
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
