"""Output of `log`: one plain line for a logged entry, tables, JSON and CSV for listings.

JSON and CSV listings have one row per entry, or per part of an entry the quota split
(both rows carry the entry's id); `minutes` is the row's own. A part's start and end
are where the quota boundary falls inside the entry.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportctl.render.models.timelog import Logged, Timer
    from supportctl.render.models.timesheet import EntryRow, Listing
    from supportctl.render.screen import Screen

ROW_KEYS = (
    "id",
    "date",
    "start",
    "end",
    "minutes",
    "person",
    "ticket",
    "customer",
    "description",
    "class",
    "extra",
    "part",
    "kind",
    "uuid",
)


def _utc(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _where(ticket: int | None, customer: str) -> str:
    return f"#{ticket} ({customer})" if ticket is not None else customer


def _minutes(minutes: int) -> str:
    from supportctl.domain.durations import format_minutes

    return format_minutes(minutes)


def emit_logged(logged: Logged, *, as_json: bool) -> None:
    """The add/stop result: one plain line (no rich), or a JSON object."""
    if as_json:
        import json

        doc = {
            "id": logged.id,
            "uuid": logged.uuid,
            "minutes": logged.minutes,
            "start": _utc(logged.start_at),
            "end": _utc(logged.end_at),
            "person": logged.person,
            "ticket": logged.ticket,
            "customer": logged.customer,
            "description": logged.description,
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    sys.stdout.write(
        f"logged {_minutes(logged.minutes)} on {_where(logged.ticket, logged.customer)} for {logged.person}: entry {logged.id}\n"
    )


def emit_change(result: dict[str, Any], *, verb: str, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(result)
        return
    if verb == "removed":
        sys.stdout.write(f"removed entry {result['id']} ({result['old']['minutes']} min)\n")
        return
    from supportctl.render.safe import term_safe

    changes = ", ".join(
        f"{_field(k)} {_value(k, result['old'].get(k))} -> {_value(k, v)}"
        for k, v in result["new"].items()
        if k not in ("end_at", "customer_id")
    )
    sys.stdout.write(f"changed entry {result['id']}: {term_safe(changes)}\n")


def _field(key: str) -> str:
    return {"ticket_id": "ticket", "class_override": "class", "start_at": "start"}.get(key, key)


def _value(key: str, value: Any) -> str:
    """A changed value for people: no Python None, tickets as #N."""
    if key == "ticket_id":
        return "no ticket" if value is None else f"#{value}"
    if key == "class_override":
        return "auto" if value is None else str(value)
    return "-" if value is None else str(value)


def _timer_doc(timer: Timer | None) -> dict[str, Any] | None:
    if timer is None:
        return None
    return {
        "person": timer.person,
        "ticket": timer.ticket,
        "customer": timer.customer,
        "description": timer.description,
        "started_at": _utc(timer.started_at),
        "minutes": timer.minutes,
    }


def emit_timer(
    app_ctx: Screen,
    timer: Timer | None,
    *,
    as_json: bool,
    verb: str,
    person: str | None = None,
) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(_timer_doc(timer))
        return
    if timer is None:
        sys.stdout.write(f"no timer running for {person}\n")
        return
    from zoneinfo import ZoneInfo

    local = timer.started_at.astimezone(ZoneInfo(app_ctx.config.agency.timezone))
    what = f": {timer.description}" if timer.description else ""
    if verb == "started":
        sys.stdout.write(
            f"timer started for {timer.person} on {_where(timer.ticket, timer.customer)} at {local:%H:%M}{what}\n"
        )
    elif verb == "discarded":
        sys.stdout.write(
            f"timer discarded for {timer.person} ({_minutes(timer.minutes)} not logged)\n"
        )
    else:
        sys.stdout.write(
            f"{timer.person}: timer on {_where(timer.ticket, timer.customer)} since {local:%Y-%m-%d %H:%M}, {_minutes(timer.minutes)} so far{what}\n"
        )


def part_rows(entry: EntryRow, zone: Any) -> list[dict[str, Any]]:
    """JSON/CSV rows of one entry: one per part, each with its own span and minutes."""
    rows = []
    begin = entry.start_at
    parts = entry.parts
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        finish = entry.end_at if last else begin + timedelta(minutes=part.minutes)
        rows.append(
            {
                "id": entry.id,
                "date": begin.astimezone(zone).date().isoformat(),
                "start": _utc(begin),
                "end": _utc(finish),
                "minutes": part.minutes,
                "person": entry.person,
                "ticket": entry.ticket,
                "customer": entry.customer,
                "description": entry.description,
                "class": part.cls,
                "extra": part.is_extra,
                "part": part.part,
                "kind": entry.kind,
                "uuid": entry.uuid,
            }
        )
        begin = finish
    return rows


def _class_label(cls: str, is_extra: bool, overridden: bool) -> str:
    label = cls
    if overridden:
        label += " (set)"
    if is_extra:
        label += " · extra: agree first"
    return label


CLASS_SHORT = {
    "included": "incl",
    "billable": "bill",
    "non-billable": "nonb",
    "needs-approval": "appr",
}
CLASS_MEANINGS = {
    "incl": "included",
    "bill": "billable",
    "nonb": "non-billable",
    "appr": "needs approval",
    "*": "set by hand",
    "+x": "extra: agree first",
}


def class_short(cell: Any) -> str:
    """A class label in four letters, `*` when set by hand, `+x` for extra work."""
    plain = getattr(cell, "plain", str(cell))
    cls = plain.split(" ", 1)[0]
    short = CLASS_SHORT.get(cls, cls[:4])
    if "(set)" in plain:
        short += "*"
    if "extra" in plain:
        short += " +x"
    return short


def _columns() -> list[Any]:
    from supportctl.render.tables import Col, legend

    return [
        Col("id", right=True),
        Col("date"),
        Col("time"),
        Col("min", right=True),
        Col("person", give=2, narrow=6),
        Col("on", give=3, narrow=12),
        Col("description", flex=True),
        Col("class", give=1, short=class_short, legend=legend("class", CLASS_MEANINGS), eager=True),
    ]


COLUMNS = ["id", "date", "time", "min", "person", "on", "description", "class"]


def listing_table(
    listing: Listing, zone: Any, limit: int
) -> tuple[list[Any], list[list[str]], list[str]]:
    """(columns, rows, footer lines) of a listing for people: the latest `limit` entries,
    a row per part (the first carrying the entry; each part its own span and minutes),
    then totals per class and quotas."""
    entries = listing.rows
    shown = entries[-limit:] if len(entries) > limit else entries
    hidden = listing.matched - len(shown)
    table_rows: list[list[str]] = []
    for e in shown:
        # Plain field formatting: strftime costs more than the rest of a row.
        start = e.start_at.astimezone(zone)
        end = e.end_at.astimezone(zone)
        parts = e.parts
        if len(parts) == 1:
            part = parts[0]
            span = f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"
            table_rows.append(
                [
                    str(e.id),
                    e.date.isoformat(),
                    span,
                    str(part.minutes),
                    e.person,
                    _where(e.ticket, e.customer),
                    e.description,
                    _class_label(part.cls, part.is_extra, e.class_override is not None),
                ]
            )
            continue
        begin = start
        for index, part in enumerate(parts):
            first = index == 0
            finish = end if index == len(parts) - 1 else begin + timedelta(minutes=part.minutes)
            span = f"{begin.hour:02d}:{begin.minute:02d}–{finish.hour:02d}:{finish.minute:02d}"
            begin = finish
            table_rows.append(
                [
                    str(e.id) if first else "",
                    e.date.isoformat() if first else "",
                    span,
                    str(part.minutes),
                    e.person if first else "",
                    _where(e.ticket, e.customer) if first else "",
                    e.description if first else f"↳ part {index + 1}",
                    _class_label(part.cls, part.is_extra, e.class_override is not None),
                ]
            )
    lines: list[str] = []
    if hidden:
        lines.append(
            f"… {hidden} earlier entries not shown (use --limit, --month or --json to see all)"
        )
    total = sum(listing.totals.values())
    lines.append(
        f"total {_minutes(total)} ({total} min): "
        + ", ".join(f"{cls} {_minutes(m)}" for cls, m in listing.totals.items() if m)
    )
    for slug, quota in sorted(listing.quotas.items()):
        carried = (
            f" incl. {quota.carried_in_minutes} carried in" if quota.carried_in_minutes else ""
        )
        lines.append(
            f"{slug} quota: {quota.included_minutes} min{carried}, used {quota.used_minutes}, left {quota.left_minutes}"
        )
    return _columns(), table_rows, lines


def emit_listing(
    app_ctx: Screen,
    listing: Listing,
    *,
    tz: str,
    as_json: bool,
    as_csv: bool,
    limit: int,
) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    if as_json or as_csv:
        rows = (r for e in listing.rows for r in part_rows(e, zone))
        if as_json:
            from supportctl.render.jsonout import emit_json_array

            emit_json_array(rows)
        else:
            import csv

            writer = csv.DictWriter(sys.stdout, fieldnames=ROW_KEYS, lineterminator="\n")
            writer.writeheader()
            from supportctl.render.safe import csv_cell

            writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
        return
    from supportctl.render.tables import table

    columns, table_rows, lines = listing_table(listing, zone, limit)
    title = f"time {listing.month}" if listing.month else "time"
    table(app_ctx, columns, table_rows, title=title, limit=None, empty="no time entries match")
    if not listing.rows:
        return
    from supportctl.render.tables import say

    for line in lines:
        say(app_ctx, line)
