"""Who gets a delegated task, and in which order delegated work is done.

The duty person hands a task to "the colleague who knows the area best and can do it
most easily" (DESIGN §6). That rule is written here as a sort key over plain values so
it can be table-tested without a database:

1. candidates: active people other than the delegator, not absent on the day;
2. the highest level in the skill;
3. then the least open delegated work: the sum of estimated minutes when every open
   task of the tied people carries an estimate, otherwise the number of open tasks
   (an unestimated task is not "free", so minutes alone would favour the vague);
4. then who has waited longest since their last delegation (never = longest);
5. then the handle, so the choice is always the same for the same data.

The reason shown to people and kept in the ticket history is built from the same
numbers the choice used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, dataclass_transform

from supportctl.domain.models import Person
from supportctl.domain.queue import level_rank
from supportctl.domain.queue import queue_key as queue_key  # the queue order, where it was

UNTOUCHED_BUSINESS_DAYS = 5
WEEKDAYS = frozenset(range(5))  # Monday..Friday


@dataclass_transform(frozen_default=True)
class Record:
    """An immutable record, typed like a frozen dataclass (type checkers see the fields).

    Why not `@dataclass(frozen=True)` or NamedTuple: those generate and compile code per
    class, about half a millisecond each, and these modules are on the start-up path of
    `supportctl delegated`, which must stay about as fast as `watson add`. Here the
    fields are read once from the annotations and one shared `__init__` fills them.
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from inspect import get_annotations  # already loaded by the CLI framework

        names = tuple(get_annotations(cls))
        cls._fields = (*cls._fields, *names)
        cls._defaults = {
            **cls._defaults,
            **{n: cls.__dict__[n] for n in names if n in cls.__dict__},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments")
        values = dict(zip(fields, args, strict=False))
        for name in fields[len(args) :]:
            if name in kwargs:
                values[name] = kwargs.pop(name)
            elif name in self._defaults:
                values[name] = self._defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}() needs '{name}'")
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unknown {', '.join(kwargs)}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple[Any, ...]:
        return tuple(self.__dict__[n] for n in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={self.__dict__[n]!r}" for n in self._fields)
        return f"{type(self).__name__}({inner})"


class Workload(Record):
    """One person's open delegated work and when they were last given a task."""

    open_tasks: int = 0
    estimated_minutes: int = 0
    unestimated_tasks: int = 0
    last_delegated_at: datetime | None = None


class Choice(Record):
    """The chosen person and why, plus the runners-up for the history."""

    person: Person
    level: int
    workload: Workload
    reason: str
    measure: str  # "minutes" or "tasks": how open work was compared
    runners_up: tuple[str, ...] = ()


class NoCandidate(Record):
    """Nobody can take the task: no one has the skill, or all who have it are unavailable."""

    skill: str
    unavailable: tuple[tuple[str, str], ...] = ()  # (handle, why)
    related: tuple[tuple[str, str, int], ...] = ()  # (handle, skill, level)

    def message(self) -> str:
        if self.unavailable:
            whys = ", ".join(f"{h} ({why})" for h, why in self.unavailable)
            return f"nobody available with skill '{self.skill}': {whys}"
        return f"nobody has skill '{self.skill}'"

    def hint(self) -> str:
        if self.related:
            people = ", ".join(f"{h} ({s}:{lvl})" for h, s, lvl in self.related)
            return f"related skills: {people}; or pick someone with --to HANDLE"
        if self.unavailable:
            return "pick someone with --to HANDLE (--force for an absent person)"
        return "see `supportctl team list`, or pick someone with --to HANDLE"


def unavailable_reason(person: Person, *, delegator_id: int | None, today: date) -> str | None:
    """Why `person` cannot be chosen today, or None when they can."""
    if not person.active:
        return "left the team"
    if delegator_id is not None and person.id == delegator_id:
        return "is delegating"
    for absence in person.absences:
        if absence.covers(today):
            return f"absent until {absence.end.isoformat()}"
    return None


def _tasks_text(count: int) -> str:
    return f"{count} open task" if count == 1 else f"{count} open tasks"


def _waited_text(last: datetime | None, now: datetime) -> str:
    if last is None:
        return "never delegated to before"
    days = (now - last).days
    if days <= 0:
        return "last delegated today"
    if days == 1:
        return "last delegated 1 day ago"
    return f"last delegated {days} days ago"


def workload_text(load: Workload, now: datetime) -> str:
    """'2 open tasks (1h 30m estimated), last delegated 6 days ago'."""
    from supportctl.domain.durations import format_minutes

    work = _tasks_text(load.open_tasks)
    if load.estimated_minutes:
        work += f" ({format_minutes(load.estimated_minutes)} estimated)"
    return f"{work}, {_waited_text(load.last_delegated_at, now)}"


def describe(person: Person, skill: str, level: int, load: Workload, now: datetime) -> str:
    """'bob — dns:5, 2 open tasks, last delegated 6 days ago'."""
    return f"{person.handle} — {skill}:{level}, {workload_text(load, now)}"


def related_skills(
    people: Iterable[Person], skill: str, *, limit: int = 8
) -> tuple[tuple[str, str, int], ...]:
    """Active people whose skills look like `skill`: same stem, prefix, or a close spelling."""
    import difflib  # only on the error path; keeps it off every command's start-up

    active = [p for p in people if p.active]
    names = sorted({s for p in active for s in p.skills})
    stem = _stem(skill)
    near = set(difflib.get_close_matches(skill, names, n=6, cutoff=0.6))
    for name in names:
        if name != skill and (
            _stem(name) == stem or name.startswith(skill) or skill.startswith(name)
        ):
            near.add(name)
    near.discard(skill)
    found = [(p.handle, s, p.skills[s]) for p in active for s in p.skills if s in near]
    found.sort(key=lambda t: (-t[2], t[1], t[0]))
    return tuple(found[:limit])


def _stem(name: str) -> str:
    for sep in "-._+":
        name = name.split(sep, 1)[0]
    return name


def choose(
    people: Sequence[Person],
    skill: str,
    *,
    delegator_id: int | None,
    workloads: Mapping[int, Workload],
    today: date,
    now: datetime,
) -> Choice | NoCandidate:
    """The person who should get a task needing `skill`, or why there is none."""
    holders = [p for p in people if skill in p.skills]
    unavailable: list[tuple[str, str]] = []
    ready: list[Person] = []
    for person in holders:
        why = unavailable_reason(person, delegator_id=delegator_id, today=today)
        if why is None:
            ready.append(person)
        elif person.active:
            unavailable.append((person.handle, why))
    if not ready:
        return NoCandidate(
            skill=skill,
            unavailable=tuple(sorted(unavailable)),
            related=related_skills(people, skill),
        )
    best_level = max(p.skills[skill] for p in ready)
    tied = [p for p in ready if p.skills[skill] == best_level]
    empty = Workload()
    loads = {p.id: workloads.get(p.id, empty) for p in ready}
    by_minutes = all(loads[p.id].unestimated_tasks == 0 for p in tied)
    far_past = datetime.min.replace(tzinfo=now.tzinfo)

    def key(p: Person) -> tuple[int, int, datetime, str]:
        load = loads[p.id]
        primary = load.estimated_minutes if by_minutes else load.open_tasks
        secondary = load.open_tasks if by_minutes else load.estimated_minutes
        return (primary, secondary, load.last_delegated_at or far_past, p.handle)

    ordered = sorted(tied, key=key)
    winner = ordered[0]
    load = loads[winner.id]
    others = sorted((p for p in ready if p is not winner), key=lambda p: (-p.skills[skill], key(p)))
    return Choice(
        person=winner,
        level=best_level,
        workload=load,
        reason=describe(winner, skill, best_level, load, now),
        measure="minutes" if by_minutes else "tasks",
        runners_up=tuple(f"{p.handle} ({skill}:{p.skills[skill]})" for p in others[:3]),
    )


# --- queue order ----------------------------------------------------------------------


def stricter_level(a: str, b: str) -> str:
    """The higher of two service levels (premium > standard > light)."""
    return a if level_rank(a) <= level_rank(b) else b


# --- business days (fallback when no business calendar is available) -----------------


def business_days_between(
    start: date,
    end: date,
    *,
    workdays: frozenset[int] = WEEKDAYS,
    holidays: frozenset[date] = frozenset(),
) -> int:
    """Business days d with start < d <= end (0 when end <= start).

    A task given on Friday is one business day old on Monday. Whole weeks are counted
    arithmetically, so a years-old task costs no more than a new one.
    """
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * len(workdays)
    first = start + timedelta(days=weeks * 7)
    for offset in range(1, rest + 1):
        if (first + timedelta(days=offset)).weekday() in workdays:
            count += 1
    if holidays:
        count -= sum(1 for h in holidays if start < h <= end and h.weekday() in workdays)
    return count


def flags_for(untouched_business_days: int, *, is_past_sla: bool) -> tuple[str, ...]:
    """'untouched' after 5 business days without time, note or mail; 'past-sla'."""
    found: list[str] = []
    if untouched_business_days >= UNTOUCHED_BUSINESS_DAYS:
        found.append("untouched")
    if is_past_sla:
        found.append("past-sla")
    return tuple(found)
