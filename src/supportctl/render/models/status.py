"""The view models `services/status.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from supportctl.domain.timeutil import to_utc_text


@dataclass(frozen=True)
class FolderStatus:
    account: str
    folder: str
    last_ok: datetime | None
    synced_by: str | None
    last_error_at: datetime | None
    last_error: str | None
    watch_pid: int | None
    watch_host: str | None
    heartbeat_age_seconds: int | None
    watch_alive: bool
    stale: bool


@dataclass
class Status:
    folders: list[FolderStatus]
    acks_waiting: int
    alerts_waiting: int
    max_age: timedelta
    now: datetime
    warnings: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not any(f.stale for f in self.folders)

    def as_json(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return to_utc_text(moment) if moment else None

        return {
            "healthy": self.healthy,
            "max_age_seconds": int(self.max_age.total_seconds()),
            "at": to_utc_text(self.now),
            "folders": [
                {
                    "account": f.account,
                    "folder": f.folder,
                    "last_ok": when(f.last_ok),
                    "synced_by": f.synced_by,
                    "last_error_at": when(f.last_error_at),
                    "last_error": f.last_error,
                    "stale": f.stale,
                    "watch": {
                        "alive": f.watch_alive,
                        "pid": f.watch_pid,
                        "host": f.watch_host,
                        "heartbeat_age_seconds": f.heartbeat_age_seconds,
                    },
                }
                for f in self.folders
            ],
            "acknowledgements_waiting": self.acks_waiting,
            "alerts_waiting": self.alerts_waiting,
        }
