"""Delegated tasks and the Monday review: rich tables, JSON, and Markdown for the chat.

The review table is grouped by person (one rich section each) and capped like every
table; a per-person summary above it always covers everyone, so a long queue never
hides who is overloaded. Markdown is plain text meant to be pasted into a chat room.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from supportctl.render.tables import TABLE_ROW_CAP, Col, legend

if TYPE_CHECKING:
    from rich.console import Console

    from supportctl.domain.sla import Clock
    from supportctl.render.models.delegation import Changes, Delegated, Review, ReviewRow, Task
    from supportctl.render.screen import Screen

FLAG_TEXT = {"untouched": "untouched", "past-sla": "past SLA"}
FLAG_BADGES = {"untouched": "U", "past SLA": "S"}


def _utc(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with Z, as every JSON document carries times."""
    from datetime import UTC

    if moment is None:
        return None
    if moment.tzinfo is UTC and not moment.microsecond:  # the common case; 5x faster
        return moment.isoformat()[:19] + "Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def emit_json(value: Any) -> None:
    """One JSON document; the values here are plain already, so no conversion pass.

    Indented on a terminal; compact when piped, because only the compact form uses the
    C encoder (a review of 5,000 tasks encodes about ten times faster).
    """
    import json
    import os
    import sys

    try:
        indent = 2 if os.isatty(sys.stdout.fileno()) else None
    except (OSError, ValueError, AttributeError):  # a captured stream has no descriptor
        indent = None
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=indent) + "\n")
    sys.stdout.flush()


def _zone(app_ctx: Screen) -> tzinfo:
    from supportctl.domain.timeutil import zone

    return zone(app_ctx.config.agency.timezone)


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


# --- output helpers ----------------------------------------------------------------------


def _rich(target: Screen | Console) -> bool:
    """Rich on a terminal (or a given Console); plain lines when piped, without importing rich."""
    from supportctl.render.tables import _wants_rich

    return _wants_rich(target)


def _say(target: Screen | Console, text: str = "", style: str | None = None) -> None:
    from supportctl.render.tables import say

    say(target, text, style=style)


def _item(target: Screen | Console, text: str) -> None:
    """One item line: cut with `…` at the terminal width; whole when piped."""
    from supportctl.render.tables import say_line

    say_line(target, text)


# --- single tasks ----------------------------------------------------------------------


def emit_delegated(app_ctx: Screen, result: Delegated, *, as_json: bool) -> None:
    t = result.task
    if as_json:
        data = task_json(t)
        data["chosen_by"] = result.chosen_by
        data["runners_up"] = list(result.runners_up)
        emit_json(data)
        return
    _say(app_ctx, f"task {t.id} on ticket #{t.ticket_id} → {t.to}: {t.task}")
    _say(app_ctx, f"  why: {t.reason}")
    if result.runners_up:
        _say(app_ctx, f"  next in line: {', '.join(result.runners_up)}")


def emit_task(app_ctx: Screen, t: Task, *, as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(task_json(t))
        return
    if verb == "done":
        _say(app_ctx, f"task {t.id} on ticket #{t.ticket_id} done: {t.task}")
    else:
        _say(app_ctx, f"task {t.id} on ticket #{t.ticket_id} → {t.to}: {t.task}")
        _say(app_ctx, f"  why: {t.reason}")


# --- the review --------------------------------------------------------------------------


def emit_review(app_ctx: Screen, result: Review, *, as_json: bool, fmt: str) -> None:
    if as_json:
        emit_json([row_json(r) for r in result.rows])
        return
    zone = _zone(app_ctx)
    if fmt == "md":
        import sys

        from supportctl.render.safe import term_safe

        sys.stdout.write(term_safe("\n".join(review_markdown(result, zone))) + "\n")
        return
    review_tables(app_ctx, result, zone)


def _title(result: Review, zone: tzinfo) -> str:
    who = f"Delegated to {result.mine}" if result.mine else "Delegated tasks"
    day = result.at.astimezone(zone).strftime("%a %Y-%m-%d")
    text = f"{who}, {day}: {result.total_open} open"
    if all(p.flagged is not None for p in result.people):
        text += f", {sum(p.flagged or 0 for p in result.people)} flagged"
    return text


def _sla_cell(r: ReviewRow, minutes_per_day: int, rich: bool) -> Any:
    text = clock_text(r.clock, minutes_per_day)
    if not rich or r.clock is None:
        return text
    from supportctl.render.ansi import Styled
    from supportctl.render.tables import clock_style

    return Styled(text, clock_style(r.clock))


def _flags_cell(flags: tuple[str, ...], rich: bool) -> Any:
    text = _flags_text(flags)
    if not rich or not flags:
        return text
    from supportctl.render.ansi import Styled
    from supportctl.render.tables import LATE

    return Styled(text, LATE)


def _ticket_text(r: ReviewRow) -> str:
    text = ("!" if r.urgency == "urgent" else "") + f"#{r.ticket_id}"
    return text + (f" {r.customer}" if r.customer else "")


def _ticket_cell(r: ReviewRow, rich: bool) -> Any:
    text = _ticket_text(r)
    if not rich or r.urgency != "urgent":
        return text
    from supportctl.render.ansi import Styled
    from supportctl.render.tables import URGENT

    return Styled(text[:1], URGENT).append(text[1:])


def flag_badges(cell: Any) -> Any:
    """Flags as letters (U untouched, S past SLA), keeping the cell's colour."""
    from supportctl.render.ansi import Styled

    plain = getattr(cell, "plain", str(cell))
    letters = "".join(FLAG_BADGES.get(f, f[:1].upper()) for f in plain.split(", ") if f)
    return Styled(letters, str(getattr(cell, "style", "") or ""))


FLAGS_LEGEND = legend("flags", {"U": "untouched", "S": "past SLA"})


def _flags_col() -> Col:
    return Col("flags", give=1, short=flag_badges, short_name="fl", legend=FLAGS_LEGEND, eager=True)


TASK_COLUMNS = (
    Col("to", give=3, narrow=8),
    Col("id", right=True),
    Col("ticket"),
    Col("task", flex=True),
    Col("age", right=True),
    Col("time", right=True, give=2),
    Col("SLA"),
    _flags_col(),
)
SUMMARY_COLUMNS = (
    Col("person"),
    Col("open", right=True),
    Col("est.", right=True, give=2),
    Col("age", right=True),
    Col("oldest task", flex=True),
    Col("SLA"),
    _flags_col(),
)


FOOTNOTES = (
    "age: business days; time: logged since delegated; !: urgent",
    "untouched: no time, note or mail for 5 business days",
)


def _layout(result: Review, *, rich: bool) -> tuple[tuple[Col, ...], list[list[Any]], str | None]:
    """Columns, rows and the caption of the review table."""
    from supportctl.domain.durations import format_minutes

    per_day = result.minutes_per_day
    complete = len(result.rows) == result.total_open
    rows: list[list[Any]] = []
    if complete or result.mine:
        counts = {p.handle: p.open_tasks for p in result.people}
        previous = None
        for r in result.rows:
            who = f"{r.to} ({counts.get(r.to, 0)})" if r.to != previous else ""
            previous = r.to
            rows.append(
                [
                    who,
                    r.id,
                    _ticket_cell(r, rich),
                    r.task,
                    f"{r.age_business_days}d",
                    format_minutes(r.minutes_logged) if r.minutes_logged else "-",
                    _sla_cell(r, per_day, rich),
                    _flags_cell(r.flags, rich),
                ]
            )
        columns: tuple[Col, ...] = TASK_COLUMNS
    else:
        heads = {r.to: r for r in result.rows}
        for p in result.people:
            head = heads.get(p.handle)
            rows.append(
                [
                    p.handle,
                    p.open_tasks,
                    format_minutes(p.estimated_minutes) if p.estimated_minutes else "-",
                    f"{p.oldest_business_days}d",
                    f"{head.id} {_ticket_text(head)}: {head.task}" if head else "-",
                    _sla_cell(head, per_day, rich) if head else "",
                    _flags_cell(head.flags, rich) if head else "",
                ]
            )
        columns = SUMMARY_COLUMNS
    hidden = result.total_open - len(result.rows)
    caption = None
    if hidden > 0:
        more = "--mine, --limit" if result.mine is None else "--limit"
        caption = f"… and {hidden} more open tasks ({more}, --format md or --json show all)"
    return columns, rows, caption


def _empty_text(result: Review) -> str:
    who = f"{result.mine} has" if result.mine else "there are"
    return f"{who} no open delegated tasks"


def review_tables(target: Screen | Console, result: Review, zone: tzinfo) -> None:
    """All tasks grouped by person when they fit; else one row per person with the oldest.

    Rendering is what a long review costs, so a queue longer than --limit becomes a
    summary (one row per person and their oldest task) instead of hundreds of rows.
    Piped output is plain aligned text (no rich import), like every table.
    """
    from supportctl.render.tables import table

    if not result.rows:
        _say(target, _empty_text(result))
        return
    _say(target, _title(result, zone), style="bold")
    columns, rows, caption = _layout(result, rich=_rich(target))
    table(target, columns, rows, limit=None, caption=caption)
    for note in FOOTNOTES:
        _say(target, note, style="dim")


def review_markdown(result: Review, zone: tzinfo) -> list[str]:
    """The review as Markdown for the team's chat."""
    from supportctl.domain.durations import format_minutes

    lines = [f"**{_title(result, zone)}**"]
    if not result.rows:
        lines.append("")
        lines.append("No open delegated tasks.")
        return lines
    counts = {p.handle: p.open_tasks for p in result.people}
    current = None
    for r in result.rows:
        if r.to != current:
            current = r.to
            lines.append("")
            lines.append(f"**{r.to}** ({counts.get(r.to, 0)} open)")
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


def emit_changes(app_ctx: Screen, changes: Changes, *, as_json: bool, fmt: str) -> None:
    if as_json:
        emit_json(changes_json(changes))
        return
    zone = _zone(app_ctx)
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
        lines = [f"**{head}**"]
        for name, items in sections:
            lines += ["", f"**{name}** ({len(items)})", *(f"- {_md(item)}" for item in items)]
        import sys

        from supportctl.render.safe import term_safe

        sys.stdout.write(term_safe("\n".join(lines)) + "\n")
        return
    _say(app_ctx, head + ":", style="bold")
    for name, items in sections:
        _say(app_ctx, f"{name} ({len(items)})", style="bold")
        for item in items[:TABLE_ROW_CAP]:
            _item(app_ctx, f"  {item}")
        if len(items) > TABLE_ROW_CAP:
            _say(app_ctx, f"  … and {len(items) - TABLE_ROW_CAP} more (use --json)")
