"""`supportctl status` for people: one table row per account folder, then what waits."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from supportctl.render.safe import one_line

if TYPE_CHECKING:
    from supportctl.context import AppContext
    from supportctl.services.status import Status


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


def emit_status(app_ctx: AppContext, status: Status) -> None:
    from rich.table import Table
    from rich.text import Text

    zone = ZoneInfo(app_ctx.config.agency.timezone)
    table = Table(box=None, pad_edge=False)
    for name in ("account", "folder", "last sync", "last error", "watch"):
        table.add_column(name)
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
        table.add_row(
            Text(one_line(f.account)),
            Text(one_line(f.folder)),
            Text(last),
            Text(one_line(error, 80)),
            Text(watch),
        )
    if not status.folders:
        app_ctx.out.print("no [[imap]] accounts configured", markup=False)
    else:
        app_ctx.out.print(table)
    app_ctx.out.print(
        f"acknowledgements waiting: {status.acks_waiting}; alerts waiting: {status.alerts_waiting}",
        markup=False,
    )
    if not status.healthy:
        minutes = int(status.max_age.total_seconds() // 60)
        app_ctx.err.print(f"warning: a folder has not synced within {minutes} min", markup=False)
