"""The pure rules of `watch`: back-off with jitter, stale locks, which alerts are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain import watch as rules

NOW = datetime(2026, 10, 14, 20, 0, tzinfo=UTC)


@given(
    failures=st.integers(min_value=0, max_value=200),
    draws=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=1, max_size=40),
)
def test_backoff_grows_from_one_second_and_never_passes_five_minutes(failures, draws) -> None:
    values = iter(draws * 10)
    backoff = rules.Backoff(rand=lambda: next(values))
    delays = [backoff.next() for _ in range(len(draws))]
    assert 0.5 <= delays[0] <= 1.0
    assert all(0.5 <= d <= 300.0 for d in delays)
    for step, delay in enumerate(delays):
        cap = min(300.0, 2.0**step)
        assert cap / 2 <= delay <= cap


def test_backoff_reset_starts_again_at_one_second() -> None:
    backoff = rules.Backoff(rand=lambda: 0.999)
    for _ in range(20):
        backoff.next()
    assert backoff.next() == pytest.approx(300.0, rel=0.01)
    backoff.reset()
    assert backoff.next() <= 1.0


def test_a_lock_is_stale_after_two_minutes_without_a_heartbeat() -> None:
    assert not rules.is_stale(NOW - timedelta(seconds=119), NOW)
    assert not rules.is_stale(NOW - timedelta(minutes=2), NOW)
    assert rules.is_stale(NOW - timedelta(minutes=2, seconds=1), NOW)


def _ticket(**kw) -> rules.AlertTicket:  # type: ignore[no-untyped-def]
    base = {
        "id": 1,
        "urgency": "normal",
        "hours": "business",
        "classification": "human",
        "created_at": NOW - timedelta(minutes=5),
        "urgent_since": None,
        "arrived_out_of_hours": True,
    }
    base.update(kw)
    return rules.AlertTicket(**base)


def test_reasons() -> None:
    urgent = _ticket(urgency="urgent", urgent_since=NOW - timedelta(minutes=5))
    assert rules.reasons(urgent, NOW) == ["urgent"]
    assert rules.reasons(_ticket(hours="24x7"), NOW) == ["out-of-hours"]
    assert rules.reasons(_ticket(hours="24x7", arrived_out_of_hours=False), NOW) == []
    assert rules.reasons(_ticket(), NOW) == []
    both = _ticket(urgency="urgent", urgent_since=NOW, hours="24x7")
    assert rules.reasons(both, NOW) == ["urgent", "out-of-hours"]
    for kind in ("autoreply", "list", "bounce"):
        assert (
            rules.reasons(
                _ticket(urgency="urgent", urgent_since=NOW, hours="24x7", classification=kind), NOW
            )
            == []
        )
    old = _ticket(urgency="urgent", urgent_since=NOW - timedelta(hours=25))
    assert rules.reasons(old, NOW) == []


def test_due_alerts_once_per_ticket_reason_and_channel_with_retries() -> None:
    ticket = _ticket(urgency="urgent", urgent_since=NOW)
    channels = ["mail", "command"]
    due = rules.due_alerts([ticket], {}, channels, NOW)
    assert [(a.reason, a.channel) for a in due] == [("urgent", "mail"), ("urgent", "command")]
    attempts = {
        (1, "urgent", "mail"): rules.AlertAttempts(sent=True),
        (1, "urgent", "command"): rules.AlertAttempts(
            failures=3, last_failure_at=NOW - timedelta(minutes=3)
        ),
    }
    assert rules.due_alerts([ticket], attempts, channels, NOW) == []  # 4 min after 3 failures
    waiting = rules.due_alerts([ticket], attempts, channels, NOW, include_delayed=True)
    assert [a.channel for a in waiting] == ["command"]
    later = NOW + timedelta(minutes=2)
    assert [a.channel for a in rules.due_alerts([ticket], attempts, channels, later)] == ["command"]


@given(st.integers(min_value=0, max_value=10_000))
def test_retry_delay_grows_and_is_capped_at_an_hour(failures: int) -> None:
    delay = rules.retry_delay(failures)
    assert timedelta(0) <= delay <= timedelta(hours=1)
    assert rules.retry_delay(failures + 1) >= delay


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("10m", 600), ("2h", 7200), (" 15M ", 900)]
)
def test_parse_age(text: str, seconds: int) -> None:
    assert rules.parse_age(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "m", "1.5h", "-5m", "0m", "10 min", "ten m"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        rules.parse_age(text)
