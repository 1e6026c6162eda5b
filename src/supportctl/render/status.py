"""`supportctl status` for people: one table row per account folder, then what waits."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from supportctl.render.models.status import Status
    from supportctl.render.screen import Screen


def _ago(now: datetime, moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 120:
        age = f"{seconds} s ago"
    elif seconds < 7200:
        age = f"{seconds // 60} min ago"
    else:
        age = f"{seconds // 3600} h ago"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({age})"


def _watch_word(cell: object) -> str:
    """The watch state alone (alive, dead?, not running) when the line is narrow."""
    plain = str(getattr(cell, "plain", cell))
    return "not running" if plain.startswith("not") else plain.split(":", 1)[0]


def _relative(cell: object) -> str:
    """`2026-11-02 07:30 (3 h ago) STALE` as `3 h ago STALE` when the line is narrow."""
    plain = str(getattr(cell, "plain", cell))
    if "(" not in plain:
        return plain
    _when, _, rest = plain.partition("(")
    age, _, tail = rest.partition(")")
    return (age + tail).strip()


def emit_status(app_ctx: Screen, status: Status) -> None:
    from supportctl.render.tables import Col, say, table

    zone = ZoneInfo(app_ctx.config.agency.timezone)
    rows = []
    for f in status.folders:
        if f.watch_alive:
            watch = f"alive: pid {f.watch_pid} on {f.watch_host}, heartbeat {f.heartbeat_age_seconds} s ago"
        elif f.watch_pid is not None:
            watch = f"dead? pid {f.watch_pid} on {f.watch_host}, heartbeat {f.heartbeat_age_seconds} s ago"
        else:
            watch = "not running"
        error = (
            f"{_ago(status.now, f.last_error_at, zone)}: {f.last_error}"
            if f.last_error_at and (f.last_ok is None or f.last_error_at > f.last_ok)
            else "-"
        )
        last = _ago(status.now, f.last_ok, zone) + (" STALE" if f.stale else "")
        rows.append((f.account, f.folder, last, error, watch))
    columns = (
        Col("account"),
        Col("folder"),
        Col("last sync", give=2, short=_relative),
        Col("last error", flex=True),
        Col("watch", give=1, short=_watch_word),
    )
    if not status.folders:
        say(app_ctx, "no [[imap]] accounts configured")
    else:
        table(app_ctx, columns, rows, limit=None)
    app_ctx.out.print(
        f"acknowledgements waiting: {status.acks_waiting}; alerts waiting: {status.alerts_waiting}",
        markup=False,
    )
    if not status.healthy:
        minutes = int(status.max_age.total_seconds() // 60)
        app_ctx.err.print(f"warning: a folder has not synced within {minutes} min", markup=False)
