"""The choice of delegate and the queue order, as tables of plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain.delegation import (
    Choice,
    NoCandidate,
    Workload,
    business_days_between,
    choose,
    flags_for,
    queue_key,
    related_skills,
    stricter_level,
)
from supportctl.domain.models import Absence, Person

NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()


def person(
    pid: int,
    handle: str,
    skills: dict[str, int],
    *,
    active: bool = True,
    away: tuple[tuple[date, date], ...] = (),
) -> Person:
    return Person(
        id=pid,
        handle=handle,
        name=handle.title(),
        email=f"{handle}@agency.example",
        active=active,
        skills=skills,
        absences=tuple(Absence(s, e) for s, e in away),
    )


ALICE = person(1, "alice", {"dns": 5, "wordpress": 5})
BOB = person(2, "bob", {"dns": 5, "linux": 4})
CAROL = person(3, "carol", {"dns": 3, "css": 5})
DAVE = person(4, "dave", {"dns": 5, "dns-records": 4})
ERIN_LEFT = person(5, "erin", {"dns": 5}, active=False)
FRANK_AWAY = person(6, "frank", {"dns": 5}, away=((TODAY, TODAY + timedelta(days=2)),))
GINA_WAS_AWAY = person(
    7, "gina", {"dns": 4}, away=((TODAY - timedelta(days=5), TODAY - timedelta(days=1)),)
)


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


CASES = [
    # (name, people, delegator, workloads, expected handle)
    ("highest level wins", [BOB, CAROL], None, {}, "bob"),
    ("lower level only when no higher", [CAROL], None, {}, "carol"),
    ("delegator excluded", [ALICE, CAROL], 1, {}, "carol"),
    ("delegator excluded even at top level", [ALICE, BOB], 1, {1: Workload()}, "bob"),
    ("person who left the team skipped", [ERIN_LEFT, CAROL], None, {}, "carol"),
    ("absent today skipped", [FRANK_AWAY, CAROL], None, {}, "carol"),
    ("absence that ended yesterday does not count", [GINA_WAS_AWAY, CAROL], None, {}, "gina"),
    (
        "tie: fewer open tasks",
        [BOB, DAVE],
        None,
        {
            2: Workload(open_tasks=2, unestimated_tasks=2),
            4: Workload(open_tasks=1, unestimated_tasks=1),
        },
        "dave",
    ),
    (
        "tie: fewer estimated minutes when every task has an estimate",
        [BOB, DAVE],
        None,
        {
            2: Workload(open_tasks=1, estimated_minutes=240),
            4: Workload(open_tasks=3, estimated_minutes=90),
        },
        "dave",
    ),
    (
        "tie: a task without an estimate makes it a count",
        [BOB, DAVE],
        None,
        {
            2: Workload(open_tasks=1, estimated_minutes=240),
            4: Workload(open_tasks=3, estimated_minutes=30, unestimated_tasks=2),
        },
        "bob",
    ),
    (
        "tie on work: waited longest since the last delegation",
        [BOB, DAVE],
        None,
        {
            2: Workload(open_tasks=1, unestimated_tasks=1, last_delegated_at=days_ago(2)),
            4: Workload(open_tasks=1, unestimated_tasks=1, last_delegated_at=days_ago(9)),
        },
        "dave",
    ),
    (
        "never delegated to counts as waiting longest",
        [BOB, DAVE],
        None,
        {2: Workload(last_delegated_at=days_ago(30))},
        "dave",
    ),
    ("full tie: by handle, always the same", [DAVE, BOB], None, {}, "bob"),
    (
        "level beats workload",
        [BOB, CAROL],
        None,
        {2: Workload(open_tasks=9, unestimated_tasks=9)},
        "bob",
    ),
]


@pytest.mark.parametrize(
    ("name", "people", "delegator", "loads", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_choose_table(
    name: str,
    people: list[Person],
    delegator: int | None,
    loads: dict[int, Workload],
    expected: str,
) -> None:
    outcome = choose(people, "dns", delegator_id=delegator, workloads=loads, today=TODAY, now=NOW)
    assert isinstance(outcome, Choice), outcome
    assert outcome.person.handle == expected


def test_choose_reason_reads_like_a_sentence() -> None:
    loads = {2: Workload(open_tasks=2, unestimated_tasks=2, last_delegated_at=days_ago(6))}
    outcome = choose([BOB, CAROL], "dns", delegator_id=None, workloads=loads, today=TODAY, now=NOW)
    assert isinstance(outcome, Choice)
    assert outcome.reason == "bob — dns:5, 2 open tasks, last delegated 6 days ago"
    assert outcome.runners_up == ("carol (dns:3)",)


def test_choose_reason_mentions_estimates_and_singular() -> None:
    loads = {2: Workload(open_tasks=1, estimated_minutes=90, last_delegated_at=days_ago(1))}
    outcome = choose([BOB], "dns", delegator_id=None, workloads=loads, today=TODAY, now=NOW)
    assert isinstance(outcome, Choice)
    assert outcome.reason == "bob — dns:5, 1 open task (1h 30m estimated), last delegated 1 day ago"
    assert outcome.measure == "minutes"


def test_choose_nobody_has_skill_lists_related() -> None:
    outcome = choose(
        [BOB, DAVE, CAROL], "dns-record", delegator_id=None, workloads={}, today=TODAY, now=NOW
    )
    assert isinstance(outcome, NoCandidate)
    assert outcome.message() == "nobody has skill 'dns-record'"
    handles_skills = {(h, s) for h, s, _ in outcome.related}
    assert ("dave", "dns-records") in handles_skills
    assert ("bob", "dns") in handles_skills
    assert "dave (dns-records:4)" in outcome.hint()


def test_choose_everyone_unavailable_says_why() -> None:
    outcome = choose(
        [ALICE, FRANK_AWAY, ERIN_LEFT], "dns", delegator_id=1, workloads={}, today=TODAY, now=NOW
    )
    assert isinstance(outcome, NoCandidate)
    assert outcome.unavailable == (
        ("alice", "is delegating"),
        ("frank", f"absent until {TODAY + timedelta(days=2)}"),
    )
    assert "nobody available with skill 'dns'" in outcome.message()
    assert "--force" in outcome.hint()


def test_related_skills_ignores_people_who_left() -> None:
    assert related_skills([ERIN_LEFT], "dsn") == ()
    assert related_skills([BOB], "dsn") == (("bob", "dns", 5),)


def test_queue_key_urgent_then_level_then_oldest() -> None:
    tasks = [
        ("normal-standard-old", queue_key("normal", "standard", "2026-10-01T00:00:00Z", 1)),
        ("normal-premium-new", queue_key("normal", "premium", "2026-10-10T00:00:00Z", 2)),
        ("urgent-light-new", queue_key("urgent", "light", "2026-10-12T00:00:00Z", 3)),
        ("normal-light-oldest", queue_key("normal", "light", "2026-09-01T00:00:00Z", 4)),
        ("normal-standard-older", queue_key("normal", "standard", "2026-09-20T00:00:00Z", 5)),
    ]
    order = [name for name, _ in sorted(tasks, key=lambda t: t[1])]
    assert order == [
        "urgent-light-new",
        "normal-premium-new",
        "normal-standard-older",
        "normal-standard-old",
        "normal-light-oldest",
    ]


def test_stricter_level() -> None:
    assert stricter_level("standard", "premium") == "premium"
    assert stricter_level("light", "standard") == "standard"
    assert stricter_level("premium", "light") == "premium"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 10, 16), date(2026, 10, 19), 1),  # Friday -> Monday
        (date(2026, 10, 12), date(2026, 10, 12), 0),
        (date(2026, 10, 12), date(2026, 10, 19), 5),
        (date(2026, 10, 17), date(2026, 10, 18), 0),  # Saturday -> Sunday
        (date(2026, 10, 19), date(2026, 10, 12), 0),
    ],
)
def test_business_days_between_examples(start: date, end: date, expected: int) -> None:
    assert business_days_between(start, end) == expected


def test_business_days_between_skips_holidays() -> None:
    # Finnish Independence Day 2026-12-07 is a Monday... count Fri 4th -> Tue 8th
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 8)) == 2
    assert (
        business_days_between(
            date(2026, 12, 4), date(2026, 12, 8), holidays=frozenset({date(2026, 12, 7)})
        )
        == 1
    )


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=400),
    st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
    st.frozensets(st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31)), max_size=8),
)
def test_business_days_between_matches_counting_day_by_day(
    start: date, span: int, workdays: frozenset[int], holidays: frozenset[date]
) -> None:
    end = start + timedelta(days=span)
    brute = sum(
        1
        for i in range(1, span + 1)
        if (start + timedelta(days=i)).weekday() in workdays
        and start + timedelta(days=i) not in holidays
    )
    assert business_days_between(start, end, workdays=workdays, holidays=holidays) == brute


def test_flags() -> None:
    assert flags_for(4, is_past_sla=False) == ()
    assert flags_for(5, is_past_sla=False) == ("untouched",)
    assert flags_for(0, is_past_sla=True) == ("past-sla",)
    assert flags_for(9, is_past_sla=True) == ("untouched", "past-sla")


@st.composite
def teams(draw: st.DrawFn) -> tuple[list[Person], dict[int, Workload], int | None]:
    size = draw(st.integers(min_value=1, max_value=7))
    people = []
    loads = {}
    for pid in range(1, size + 1):
        skills = {"dns": draw(st.integers(1, 5))} if draw(st.booleans()) else {"css": 3}
        away = ()
        if draw(st.booleans()):
            start = TODAY + timedelta(days=draw(st.integers(-3, 3)))
            away = ((start, start + timedelta(days=draw(st.integers(0, 3)))),)
        people.append(
            person(pid, f"p{pid}", skills, active=draw(st.booleans()) or pid == 1, away=away)
        )
        loads[pid] = Workload(
            open_tasks=draw(st.integers(0, 4)),
            estimated_minutes=draw(st.integers(0, 300)),
            unestimated_tasks=draw(st.integers(0, 2)),
            last_delegated_at=draw(st.none() | st.integers(0, 40).map(days_ago)),
        )
    delegator = draw(st.none() | st.integers(1, size))
    return people, loads, delegator


@given(teams(), st.randoms())
def test_choose_properties(team: tuple[list[Person], dict[int, Workload], int | None], rnd) -> None:
    people, loads, delegator = team
    outcome = choose(people, "dns", delegator_id=delegator, workloads=loads, today=TODAY, now=NOW)
    eligible = [
        p
        for p in people
        if "dns" in p.skills and p.active and p.id != delegator and not p.is_absent_on(TODAY)
    ]
    if not eligible:
        assert isinstance(outcome, NoCandidate)
        return
    assert isinstance(outcome, Choice)
    chosen = outcome.person
    assert chosen in eligible
    assert chosen.skills["dns"] == max(p.skills["dns"] for p in eligible)
    assert outcome.reason.startswith(f"{chosen.handle} — dns:{chosen.skills['dns']}, ")
    shuffled = list(people)
    rnd.shuffle(shuffled)
    again = choose(shuffled, "dns", delegator_id=delegator, workloads=loads, today=TODAY, now=NOW)
    assert isinstance(again, Choice) and again.person.id == chosen.id
