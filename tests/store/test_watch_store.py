"""Watch locks and heartbeats on a real SQLite file (the store functions any engine implements)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportctl.domain.watch import LOCK_STALE_AFTER
from supportctl.store import watch as watch_store

NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)


def _take(store, token: str, now: datetime, pid: int = 1):  # type: ignore[no-untyped-def]
    return watch_store.acquire(
        store,
        "account:support",
        token=token,
        host="h",
        pid=pid,
        now=now,
        stale_after=LOCK_STALE_AFTER,
    )


def test_a_live_lock_names_its_holder_and_a_stale_one_is_taken_over(store) -> None:  # type: ignore[no-untyped-def]
    assert _take(store, "a", NOW, pid=11) == (True, None)
    assert _take(store, "a", NOW + timedelta(seconds=5)) == (True, None)  # ours already
    ok, holder = _take(store, "b", NOW + timedelta(seconds=60), pid=22)
    assert not ok and holder is not None and (holder.pid, holder.host) == (11, "h")
    assert holder.since == NOW
    assert watch_store.heartbeat(
        store, ["account:support"], token="a", now=NOW + timedelta(seconds=90)
    ) == ["account:support"]
    assert not _take(store, "b", NOW + timedelta(seconds=200))[0]  # the beat kept it
    ok, previous = _take(store, "b", NOW + timedelta(seconds=211), pid=22)
    assert ok and previous is not None and previous.pid == 11
    # the old holder notices at its next heartbeat, and cannot release b's lock
    assert (
        watch_store.heartbeat(
            store, ["account:support"], token="a", now=NOW + timedelta(seconds=220)
        )
        == []
    )
    watch_store.release(store, ["account:support"], token="a")
    assert watch_store.holders(store)["account:support"].pid == 22
    watch_store.release(store, ["account:support"], token="b")
    assert watch_store.holders(store) == {}


def test_sync_status_keeps_the_last_success_and_the_last_error_apart(store) -> None:  # type: ignore[no-untyped-def]
    watch_store.record_ok(store, "support", ["INBOX", "Urgent"], NOW)
    watch_store.record_error(
        store, "support", ["INBOX"], "connection refused", NOW + timedelta(minutes=1)
    )
    states = watch_store.sync_statuses(store)
    inbox = states[("support", "INBOX")]
    assert inbox.ok_at == NOW and inbox.error == "connection refused"
    assert inbox.error_at == NOW + timedelta(minutes=1)
    assert states[("support", "Urgent")].error is None
    watch_store.record_ok(store, "support", ["INBOX"], NOW + timedelta(minutes=2))
    assert watch_store.sync_statuses(store)[("support", "INBOX")].ok_at == NOW + timedelta(
        minutes=2
    )
