"""The auto-close hook, run just before a command's first write.

Commands that only read (`inbox --no-fetch`, `log list`, `ticket show`) leave the
database as it was; the first write a command makes (and every mail fetch) closes the
resolved tickets that are due first, in a transaction of its own.

Kept apart from `services.tickets` so that the common case (nothing to close) costs one
indexed query and no imports beyond the store: resolved N business days ago implies
resolved at least N calendar days ago, so only then is the calendar consulted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from supportctl.domain.timeutil import to_utc_text
from supportctl.store import tickets as ticket_store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.store.db import Store


def arm(store: Store, config: Callable[[], Config], clock: Callable[[], datetime]) -> None:
    """Run `run` once, just before the store's first write transaction."""
    store.before_first_write = lambda: run(store, config, clock())
    # What `run` first asks, as one yes/no read: a server sends it with the write's
    # first statements and runs `run` only when the answer is no.
    store.upkeep_idle = lambda: (
        ticket_store.NONE_RESOLVED_BEFORE,
        (to_utc_text(clock() - timedelta(days=1)),),
    )


def run(store: Store, config: Config | Callable[[], Config], now: datetime) -> list[int]:
    """Close resolved tickets quiet for `agency.auto_close_business_days`; their ids.

    `config` may be a callable: the config file is then read only when some ticket has
    been resolved for at least a day (the setting is at least one business day).
    """
    if callable(config):
        if not ticket_store.resolved_before(store, to_utc_text(now - timedelta(days=1))):
            return []
        config = config()
    cutoff = to_utc_text(now - timedelta(days=config.agency.auto_close_business_days))
    if not ticket_store.resolved_before(store, cutoff):
        return []
    from supportctl.services.tickets import auto_close

    return auto_close(store, config, now)
