"""Which tickets `remind` mails about: within one business hour of a breach, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportctl.domain.calendar import BusinessCalendar
from supportctl.domain.reminders import OpenTicket, select

CAL = BusinessCalendar.build("Europe/Helsinki")
# Wednesday 2026-10-14 14:00 Helsinki = 11:00 UTC; the desk closes at 17:00 (14:00 UTC).
NOW = datetime(2026, 10, 14, 11, 0, tzinfo=UTC)


def ticket(
    tid,
    *,
    owner="alice",
    status="open",
    due_response=None,
    due_resolution=None,
    responded=False,
    waiting_since=None,
    hours="business",
):  # type: ignore[no-untyped-def]
    return OpenTicket(
        id=tid,
        owner=owner,
        subject=f"ticket {tid}",
        status=status,
        hours=hours,
        first_response_at=NOW - timedelta(hours=1) if responded else None,
        due_response=due_response,
        due_resolution=due_resolution,
        waiting_since=waiting_since,
    )


def test_reminders_response_due_within_a_business_hour():
    tickets = [
        ticket(1, due_response=NOW + timedelta(minutes=45)),
        ticket(2, due_response=NOW + timedelta(minutes=61)),
        ticket(3, due_response=NOW - timedelta(minutes=5)),  # already breached
    ]
    chosen = select(CAL, tickets, now=NOW)
    assert [r.ticket_id for r in chosen["alice"]] == [3, 1]
    assert chosen["alice"][0].business_minutes_left < 0


def test_reminders_count_business_time_across_the_night():
    # 16:30 Helsinki: a due time at 09:20 tomorrow is 50 business minutes away.
    late = datetime(2026, 10, 14, 13, 30, tzinfo=UTC)
    due = datetime(2026, 10, 15, 6, 20, tzinfo=UTC)
    chosen = select(CAL, [ticket(1, due_response=due)], now=late)
    assert chosen["alice"][0].business_minutes_left == 50
    # A 24/7 customer's ticket counts elapsed time instead: far away.
    assert select(CAL, [ticket(1, due_response=due, hours="24x7")], now=late) == {}


def test_reminders_resolution_after_response_and_waiting_pauses():
    tickets = [
        ticket(1, responded=True, due_resolution=NOW + timedelta(minutes=30)),
        ticket(
            2,
            responded=True,
            status="waiting",
            waiting_since=NOW - timedelta(hours=1),
            due_resolution=NOW + timedelta(minutes=30),
        ),
    ]
    chosen = select(CAL, tickets, now=NOW)
    assert [(r.ticket_id, r.target) for r in chosen["alice"]] == [(1, "resolution")]


def test_reminders_once_per_ticket_target_and_due_time():
    t = ticket(1, due_response=NOW + timedelta(minutes=30))
    first = select(CAL, [t], now=NOW)["alice"][0]
    assert select(CAL, [t], now=NOW, already={first.key}) == {}
    moved = ticket(1, due_response=NOW + timedelta(minutes=40))
    assert select(CAL, [moved], now=NOW, already={first.key})["alice"][0].ticket_id == 1


def test_reminders_grouped_by_owner():
    tickets = [
        ticket(1, owner="alice", due_response=NOW + timedelta(minutes=10)),
        ticket(2, owner="bob", due_response=NOW + timedelta(minutes=20)),
        ticket(3, owner="bob", due_response=NOW + timedelta(minutes=5)),
    ]
    chosen = select(CAL, tickets, now=NOW)
    assert {k: [r.ticket_id for r in v] for k, v in chosen.items()} == {"alice": [1], "bob": [3, 2]}
