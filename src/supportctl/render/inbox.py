"""The inbox table, fetch summaries and `fetch --explain` output.

`inbox_columns` / `inbox_cells` / `inbox_json` are the extension points: a row type
with more fields (owner, SLA clocks) adds columns by overriding or extending these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supportctl.render.tables import Col, legend, table

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from supportctl.render.models.importing import ExplainedPlan, ImportSummary
    from supportctl.render.models.inbox import InboxRow, Queue
    from supportctl.render.models.mailadmin import Problem
    from supportctl.render.screen import Screen


def inbox_json(row: InboxRow) -> dict[str, Any]:
    """One queue row for `--json` (written for every ticket by `inbox --all --json`)."""
    clock = row.clock
    if clock is None or (clock.due is None and clock.target is None):  # closed: no clock
        due = sla = None
    else:
        due = _due(row)
        sla = _sla_json(row, due)
    data: dict[str, Any] = {
        "id": row.id,
        "subject": row.subject,
        "requester": row.requester,
        "customer": row.customer,
        "status": row.status,
        "urgency": row.urgency,
        "kind": row.kind,
        "classification": row.classification,
        "triage": row.is_triage,
        "needs_approval": row.needs_approval,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "messages": row.messages,
        "owner": row.owner,
        "level": row.level,
        "hours": row.hours,
        "flags": _flag_list(row),
        "bounced": row.bounced,
        "due": due,
        "sla": sla,
    }
    if row.extra:
        data.update(row.extra)
    return data


def _due(row: InboxRow) -> str | None:
    from supportctl.domain.timeutil import to_utc_text

    clock = row.clock
    return to_utc_text(clock.due) if clock is not None and clock.due is not None else None


def _sla_json(row: InboxRow, due: str | None) -> dict[str, Any] | None:
    clock = row.clock
    if clock is None or clock.target is None:
        return None
    return {
        "target": clock.target,
        "due": due,
        "business_minutes_left": clock.business_minutes_left,
        "breached": clock.breached,
        "paused": clock.paused,
    }


FLAG_BADGES = {
    "bounced": "B",
    "delegated": "D",
    "triage": "T",
    "needs-approval": "A",
    "foreign-sender": "F",
    "autoreply": "R",
    "list": "L",
    "bounce": "X",
}
FLAG_MEANINGS = {
    "B": "our reply bounced",
    "D": "delegated",
    "T": "triage",
    "A": "needs approval",
    "F": "foreign sender",
    "R": "auto-reply",
    "L": "list",
    "X": "bounce",
}
LEVEL_STYLES = {"premium": "bold magenta", "light": "dim"}


def level_letter(cell: Any) -> Any:
    """A level as one coloured letter (P premium, S standard, L light)."""
    from supportctl.render.ansi import Styled

    plain = getattr(cell, "plain", str(cell))
    return Styled(plain[:1].upper(), LEVEL_STYLES.get(plain, ""))


def flag_badges(cell: Any) -> str:
    plain = getattr(cell, "plain", str(cell))
    return "".join(FLAG_BADGES.get(f, f[:1].upper()) for f in plain.split())


def sla_short(cell: Any) -> Any:
    """The SLA clock without its reply/fix label (the colour still says late)."""
    from supportctl.render.ansi import Styled

    plain = getattr(cell, "plain", str(cell))
    label, _, rest = plain.partition(" ")
    if label in ("reply", "fix") and rest:
        return Styled(rest, getattr(cell, "style", "") or "")
    return cell


def inbox_columns() -> list[Col]:
    """The queue's columns; on a narrow terminal level, flags, SLA label and owner give way."""
    return [
        Col("#", right=True),
        Col("age", right=True),
        Col("customer"),
        Col("level", give=1, short=level_letter, short_name="l", eager=True),
        Col("!"),
        Col("owner", give=4, narrow=5),
        Col("status"),
        Col(
            "flags",
            give=2,
            short=flag_badges,
            short_name="fl",
            legend=legend("flags", FLAG_MEANINGS),
            eager=True,
            hide_empty=True,
        ),
        Col("subject", flex=True),
        Col("SLA", give=3, short=sla_short),
    ]


def _age(created_at: str, now: Any) -> str:
    from supportctl.domain.timeutil import from_utc_text

    minutes = max(int((now - from_utc_text(created_at)).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 1440:
        return f"{minutes // 60}h"
    return f"{minutes // 1440}d"


def sla_cell(row: InboxRow, rich: bool = True) -> Any:
    """The SLA clock: business time left; red when breached, yellow under 2 business hours.

    Styled text on a terminal, plain text when piped."""
    from supportctl.domain.sla import format_minutes

    clock = row.clock
    if clock is None or clock.target is None or clock.business_minutes_left is None:
        return ""
    per_day = 1440 if row.hours == "24x7" else 480
    left = format_minutes(clock.business_minutes_left, per_day)
    label = "reply" if clock.target == "response" else "fix"
    if clock.paused:
        text = f"{label} {left} (paused)"
    elif clock.breached:
        text = f"{label} late {left.lstrip('-')}"
    else:
        text = f"{label} {left}"
    if not rich:
        return text
    from supportctl.render.ansi import Styled
    from supportctl.render.tables import clock_style

    return Styled(text, clock_style(clock))


def _flag_list(row: InboxRow) -> list[str]:
    flags = []
    if row.bounced:
        flags.append("bounced")
    if row.delegated:
        flags.append("delegated")
    if row.is_triage:
        flags.append("triage")
    if row.needs_approval:
        flags.append("needs-approval")
    if row.foreign_sender:
        flags.append("foreign-sender")
    if row.classification != "human":
        flags.append(row.classification)
    return flags


def _flags(row: InboxRow) -> str:
    return " ".join(_flag_list(row))


def _urgent(urgency: str, rich: bool) -> Any:
    if urgency != "urgent":
        return ""
    if not rich:
        return "!"
    from supportctl.render.ansi import Styled
    from supportctl.render.tables import URGENT

    return Styled("!", URGENT)


def inbox_cells(row: InboxRow, timezone: str, now: Any = None, rich: bool = False) -> list[Any]:
    from datetime import UTC, datetime

    return [
        row.id,
        _age(row.created_at, now or datetime.now(UTC)),
        row.customer or "?",
        row.level,
        _urgent(row.urgency, rich),
        row.owner or "-",
        row.status,
        _flags(row),
        row.subject,
        sla_cell(row, rich),
    ]


def local_time(utc_text: str | None, timezone: str) -> str:
    if not utc_text:
        return ""
    from zoneinfo import ZoneInfo

    from supportctl.domain.timeutil import from_utc_text

    return from_utc_text(utc_text).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def emit_inbox(app_ctx: Screen, rows: list[InboxRow], *, as_json: bool, limit: int | None) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json([inbox_json(r) for r in rows])
        return
    tz = app_ctx.config.agency.timezone
    table(
        app_ctx,
        inbox_columns(),
        [inbox_cells(r, tz) for r in rows],
        limit=limit,
        empty="inbox is empty: no open tickets",
    )


def emit_queue_json(warnings: list[str], rows: Iterable[InboxRow]) -> None:
    """The whole queue as one JSON array, written as the rows are read."""
    import sys

    from supportctl.render.jsonout import emit_encoded_array, emit_json_array, indent_for_stdout

    for warning in warnings:
        sys.stderr.write(f"warning: {warning}\n")
    if indent_for_stdout() is None:  # piped: compact, each row encoded by `inbox_json_text`
        emit_encoded_array(inbox_json_texts(rows))
    else:
        emit_json_array(inbox_json(r) for r in rows)


def inbox_json_texts(rows: Iterable[InboxRow]) -> Iterator[str]:
    """Each row as the compact JSON text `json.dumps(inbox_json(row), ensure_ascii=False)`
    writes, character for character, made faster for `inbox --all --json`.

    A row's fields come in a fixed order and most of them take few values (customer,
    status, level, owner, the flags): those runs of the row are encoded once and kept,
    keyed by their values. Only the id, subject, requester, times and message count are
    encoded per row, and the due time and SLA of a row with a clock. A row with extra
    fields, or a value of another type than the row type says, is encoded the general way.
    """
    from json import dumps
    from json.encoder import encode_basestring  # what dumps uses with ensure_ascii=False

    from supportctl.render.jsonout import default_json

    head: dict[tuple[Any, ...], str] = {}  # customer … needs_approval
    tail: dict[tuple[Any, ...], str] = {}  # owner … bounced
    no_clock = 'null, "sla": null}'

    def general(row: InboxRow) -> str:
        return dumps(
            inbox_json(row), ensure_ascii=False, default=default_json, check_circular=False
        )

    def encoded(value: Any) -> str:
        if value is None:
            return "null"
        if type(value) is str:
            return encode_basestring(value)
        return dumps(value, ensure_ascii=False, default=default_json)

    def sla_text(row: InboxRow, due: str | None) -> str:
        clock = row.clock
        if clock is None or clock.target is None:
            return "null"
        target, left = clock.target, clock.business_minutes_left
        breached, paused = clock.breached, clock.paused
        if (
            type(target) is not str
            or (left is not None and type(left) is not int)
            or type(breached) is not bool
            or type(paused) is not bool
        ):
            return encoded(_sla_json(row, due))
        return (
            f'{{"target": {encode_basestring(target)}, "due": {encoded(due)}, '
            f'"business_minutes_left": {"null" if left is None else left}, '
            f'"breached": {"true" if breached else "false"}, '
            f'"paused": {"true" if paused else "false"}}}'
        )

    for row in rows:
        ident, messages = row.id, row.messages
        if row.extra or type(ident) is not int or type(messages) is not int:
            yield general(row)
            continue
        key = (
            row.customer, row.status, row.urgency, row.kind, row.classification,
            row.is_triage, row.needs_approval,
        )  # fmt: skip
        first = head.get(key)
        if first is None:
            if len(head) > 50_000:  # values that do not repeat: do not keep them all
                head.clear()
            first = head[key] = (
                f'"customer": {encoded(row.customer)}, "status": {encoded(row.status)}, '
                f'"urgency": {encoded(row.urgency)}, "kind": {encoded(row.kind)}, '
                f'"classification": {encoded(row.classification)}, '
                f'"triage": {encoded(row.is_triage)}, '
                f'"needs_approval": {encoded(row.needs_approval)}, "created_at": '
            )
        kept = (
            row.owner, row.level, row.hours, row.bounced, row.delegated, row.is_triage,
            row.needs_approval, row.foreign_sender, row.classification,
        )  # fmt: skip
        second = tail.get(kept)
        if second is None:
            if len(tail) > 50_000:
                tail.clear()
            second = tail[kept] = (
                f', "owner": {encoded(row.owner)}, "level": {encoded(row.level)}, '
                f'"hours": {encoded(row.hours)}, "flags": {encoded(_flag_list(row))}, '
                f'"bounced": {encoded(row.bounced)}, "due": '
            )
        clock = row.clock
        if clock is None or (clock.due is None and clock.target is None):  # closed
            end = no_clock
        else:
            due = _due(row)
            end = f'{encoded(due)}, "sla": {sla_text(row, due)}}}'
        try:
            yield (
                f'{{"id": {ident}, "subject": {encode_basestring(row.subject)}, '
                f'"requester": {encode_basestring(row.requester)}, {first}'
                f"{encode_basestring(row.created_at)}, "
                f'"updated_at": {encode_basestring(row.updated_at)}, '
                f'"messages": {messages}{second}{end}'
            )
        except TypeError:  # a text field that is not text (None): the general way
            yield general(row)


def emit_queue(app_ctx: Screen, queue: Queue, *, as_json: bool) -> None:
    """The inbox queue: one JSON array of every matching row, or the table of the first rows."""
    import sys

    from supportctl.render.safe import one_line

    for warning in queue.warnings:
        sys.stderr.write(f"warning: {one_line(warning)}\n")
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json([inbox_json(r) for r in queue.rows])
        return
    if not queue.rows:
        table(app_ctx, inbox_columns(), [], empty="inbox is empty: no open tickets")
        return
    tz = app_ctx.config.agency.timezone
    now = app_ctx.now()
    rich = app_ctx.is_terminal()
    cells = [inbox_cells(r, tz, now, rich) for r in queue.rows]
    rest = queue.total - len(queue.rows)
    caption = f"… and {rest} more (use --limit or --json to see all)" if rest > 0 else None
    table(app_ctx, inbox_columns(), cells, limit=None, caption=caption)


def emit_summary(app_ctx: Screen, report: ImportSummary) -> None:
    """The one-line summary of a fetch (stderr, so --json output stays clean)."""
    app_ctx.err.print(report.summary(), markup=False, highlight=False, soft_wrap=True)


def emit_problems(app_ctx: Screen, rows: list[Problem], *, as_json: bool) -> None:
    """Quarantined mail: where it came from and why it could not be stored."""
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(
            [
                {
                    "id": p.id,
                    "origin": p.origin,
                    "size": p.size,
                    "error": p.error,
                    "attempts": p.attempts,
                    "first_seen": p.first_seen,
                    "last_tried": p.last_tried,
                }
                for p in rows
            ]
        )
        return
    tz = app_ctx.config.agency.timezone
    table(
        app_ctx,
        ["#", "first seen", "from", "size", "tries", "error"],
        [[p.id, local_time(p.first_seen, tz), p.origin, p.size, p.attempts, p.error] for p in rows],
        limit=None,
        empty="no quarantined mail",
    )


def emit_explain(app_ctx: Screen, plan: ExplainedPlan, *, as_json: bool) -> None:
    steps = plan.steps()
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(
            {
                "id": plan.identity.message_id,
                "steps": [{"step": s, "outcome": o, "reason": r} for s, o, r in steps],
            }
        )
        return
    from supportctl.render.safe import one_line

    rows = [[one_line(cell) for cell in step] for step in steps]  # mail text is hostile
    table(app_ctx, ["step", "decision", Col("why", flex=True)], rows, limit=None)


class FetchProgress:
    """A rich progress bar on stderr (messages, MB, rate), shown for big fetches only."""

    THRESHOLD = 300

    def __init__(self, app_ctx: Screen) -> None:
        self.app_ctx = app_ctx
        self.progress: Any = None
        self.task: Any = None

    def start(self, messages: int | None, size: int = 0) -> None:
        """Start a bar for `messages` (None: unknown total) when there are enough of them."""
        if self.progress is not None or (messages is not None and messages < self.THRESHOLD):
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[mb]:.1f} MB"),
            TextColumn("{task.fields[rate]:.0f} msg/s"),
            TimeRemainingColumn(),
            console=self.app_ctx.err,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("fetch", total=messages, mb=0.0, rate=0.0)
        import time

        self._t0 = time.monotonic()

    def update(self, messages: int, size: int) -> None:
        if self.progress is None and messages >= self.THRESHOLD:
            self.start(None)
        if self.progress is None:
            return
        import time

        elapsed = max(time.monotonic() - self._t0, 1e-6)
        self.progress.update(self.task, completed=messages, mb=size / 1e6, rate=messages / elapsed)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
