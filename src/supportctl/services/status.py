"""`supportctl status`: is mail flowing? Per account and folder the last successful sync,
the last error, whether a `watch` holds the account (and how old its heartbeat is), and
what waits to go out (acknowledgements, alerts). Built for monitoring checks: `healthy`
is false when a folder has not synced within the allowed age.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from supportctl.domain import watch as rules
from supportctl.render.models.status import FolderStatus, Status
from supportctl.store import watch as watch_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config


def build(store: Store, config: Config, *, now: datetime, max_age: timedelta) -> Status:
    from supportctl.services import alerts, outbound

    syncs = watch_store.sync_statuses(store)
    holders = watch_store.holders(store)
    folders = []
    for account in config.imap:
        holder = holders.get(f"account:{account.name}")
        age = int((now - holder.heartbeat_at).total_seconds()) if holder else None
        for folder in account.folders:
            sync = syncs.get((account.name, folder))
            last_ok = sync.ok_at if sync else None
            folders.append(
                FolderStatus(
                    account=account.name,
                    folder=folder,
                    last_ok=last_ok,
                    synced_by=sync.ok_via if sync else None,
                    last_error_at=sync.error_at if sync else None,
                    last_error=sync.error if sync else None,
                    watch_pid=holder.pid if holder else None,
                    watch_host=holder.host if holder else None,
                    heartbeat_age_seconds=age,
                    watch_alive=holder is not None and not rules.is_stale(holder.heartbeat_at, now),
                    stale=last_ok is None or now - last_ok > max_age,
                )
            )
    acks = 0
    if config.smtp is not None and config.smtp.acknowledge:
        acks = len(
            watch_store.unacknowledged(
                store, now - timedelta(hours=outbound.ACK_MAX_AGE_HOURS), now
            )
        )
    return Status(folders, acks, alerts.waiting(store, config, now), max_age, now)


def stale_watches(store: Store, config: Config, *, now: datetime, max_age: timedelta) -> list[str]:
    """Warnings for folders a `watch` synced last, but not within `max_age` (folders kept
    by `fetch` from cron are that schedule's business)."""
    syncs = watch_store.sync_statuses(store)
    out = []
    for account in config.imap:
        for folder in account.folders:
            sync = syncs.get((account.name, folder))
            if sync is None or sync.ok_at is None or sync.ok_via != "watch":
                continue
            if now - sync.ok_at > max_age:
                minutes = int((now - sync.ok_at).total_seconds() // 60)
                out.append(
                    f"the watch of {account.name}/{folder} has not synced for {minutes} min; "
                    "is `supportctl watch` running? see `supportctl status`"
                )
    return out
