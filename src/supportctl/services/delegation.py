"""Delegating tasks by skill, finishing and reassigning them, and the Monday review.

Each write (`delegate`, `done`, `reassign`, `record_review`) is one transaction that
also writes the ticket history (`delegation.created` / `.done` / `.reassigned`), so the
choice and its reason can always be read back on the ticket. A ticket is "delegated"
while it has open tasks; that flag is derived from the open rows (`open_task_counts`)
rather than stored twice.

The review reads only open tasks (one indexed query) and computes ages in business days
on the agency's business calendar, SLA clocks with `domain.sla.clock`, and the
"untouched" flag from the last time entry, note or mail on the ticket.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain import delegation as rules
from supportctl.domain.queue import queue_key
from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import InputError
from supportctl.render.models.delegation import (
    Changes,
    Delegated,
    PersonSummary,
    Review,
    ReviewRow,
    Task,
)
from supportctl.store import delegations as task_store
from supportctl.store import people as people_store
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.domain.calendar import BusinessCalendar
    from supportctl.domain.models import Person

MAX_TASK_CHARS = 500


# Result values (render/models/delegation.py) are `Record`s: typed and immutable like
# frozen dataclasses, but nearly free to define (on the start-up path of `delegated`).


# --- helpers ---------------------------------------------------------------------------


_parse = from_utc_text  # stored UTC text -> aware datetime


def _task(row: Any) -> Task:
    return Task(
        id=row["id"],
        ticket_id=row["ticket_id"],
        task=row["task"],
        skill=row["skill"],
        to=row["to_handle"],
        by=row["by_handle"],
        estimate_minutes=row["estimate_minutes"],
        reason=row["reason"],
        status=row["status"],
        created=_parse(row["created_at"]),
        done=_parse(row["done_at"]) if row["done_at"] else None,
    )


def _task_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InputError(
            'the task text is empty; say what needs doing, e.g. "renew the DNS records"'
        )
    if len(cleaned) > MAX_TASK_CHARS:
        raise InputError(
            f"the task text is {len(cleaned)} characters; keep it under {MAX_TASK_CHARS} and put details in a ticket note"
        )
    return cleaned


def _estimate(text: str | None) -> int | None:
    if text is None:
        return None
    from supportctl.domain.durations import parse_duration

    try:
        minutes = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"--estimate {exc}") from None
    if minutes < 1:
        raise InputError("--estimate must be at least one minute, e.g. 45m or 1h30")
    return minutes


def calendar_for(store: Store, config: Config, now: datetime) -> BusinessCalendar:
    """The agency's business calendar with public holidays from the cache."""
    from supportctl.services.calendar import business_calendar

    return business_calendar(store, config, around=now)


def _today(config: Config, now: datetime) -> date:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(config.agency.timezone)).date()


def _require_ticket(store: Store, ticket_id: int) -> int:
    resolved = ticket_store.resolve_id(store, ticket_id)
    if resolved is None:
        raise InputError(f"no ticket #{ticket_id}", hint="run `supportctl inbox --all`")
    row = ticket_store.get(store, resolved)
    if row is not None and row["status"] == "closed":
        raise InputError(
            f"ticket #{resolved} is closed; reopen it before delegating work on it",
            hint=f"supportctl ticket status {resolved} open",
        )
    return resolved


def _require_person(store: Store, handle: str) -> Person:
    person = people_store.get_by_handle(store, handle)
    if person is None:
        raise InputError(f"no team member '{handle}'", hint="run `supportctl team list`")
    if not person.active:
        raise InputError(f"{handle} has left the team; pick someone else with --to or --skill")
    return person


def _check_present(person: Person, today: date, force: bool) -> str | None:
    """The absence note for a forced choice; refuse an absent person without --force."""
    why = rules.unavailable_reason(person, delegator_id=None, today=today)
    if why is None:
        return None
    if not force:
        raise InputError(
            f"{person.handle} is {why}",
            hint="add --force to delegate anyway, or use --skill to choose someone present",
        )
    return why


def _events() -> Any:
    """The history module, imported by the writes only (off the review's start-up path)."""
    from supportctl.store import events

    return events


def _require_task(store: Store, task_id: int) -> Any:
    row = task_store.get(store, task_id)
    if row is None:
        raise InputError(f"no task {task_id}", hint="run `supportctl delegated` to see open tasks")
    return row


# --- writes ------------------------------------------------------------------------------


def delegate(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    task: str,
    skill: str | None,
    to: str | None,
    force: bool,
    estimate: str | None,
    actor: str | None,
    now: datetime,
) -> Delegated:
    """Give a task on a ticket to the best person for `skill`, or to `to`."""
    from supportctl.services import validate

    text = _task_text(task)
    skill_name = validate.skill_name(skill) if skill is not None else None
    if skill_name is None and to is None:
        raise InputError(
            "say who should do it: --skill SKILL chooses the best person, --to HANDLE names one"
        )
    if force and to is None:
        raise InputError("--force goes with --to (it allows an absent person)")
    estimate_minutes = _estimate(estimate)
    today = _today(config, now)
    with store.transaction():
        target_ticket = _require_ticket(store, ticket_id)
        delegator = people_store.get_by_handle(store, actor) if actor else None
        runners_up: tuple[str, ...] = ()
        forced = False
        if to is not None:
            person = _require_person(store, to)
            absence = _check_present(person, today, force)
            forced = absence is not None
            load = task_store.workloads(store, [person.id])[person.id]
            level = person.skills.get(skill_name) if skill_name else None
            chosen_by = "to"
            reason = f"{person.handle} — named by {actor or 'the delegator'}"
            if skill_name:
                reason += (
                    f", {skill_name}:{level}" if level else f", no {skill_name} skill on record"
                )
            reason += ", " + rules.workload_text(load, now)
            if absence:
                reason += f", {absence} (--force)"
        else:
            assert skill_name is not None
            people = people_store.list_all(store)
            holders = [p for p in people if skill_name in p.skills]
            loads = task_store.workloads(store, [p.id for p in holders])
            outcome = rules.choose(
                people,
                skill_name,
                delegator_id=delegator.id if delegator else None,
                workloads=loads,
                today=today,
                now=now,
            )
            if isinstance(outcome, rules.NoCandidate):
                raise InputError(outcome.message(), hint=outcome.hint())
            person = outcome.person
            reason = outcome.reason
            runners_up = outcome.runners_up
            chosen_by = "skill"
        task_id = task_store.insert(
            store,
            ticket_id=target_ticket,
            task=text,
            skill=skill_name,
            to_person_id=person.id,
            by_person_id=delegator.id if delegator else None,
            estimate_minutes=estimate_minutes,
            reason=reason,
            created_at=to_utc_text(now),
        )
        _events().record(
            store,
            "delegation.created",
            at=now,
            actor=actor,
            ticket_id=target_ticket,
            subject_ref=f"task:{task_id}",
            data={
                "task_id": task_id,
                "task": text,
                "skill": skill_name,
                "to": person.handle,
                "by": delegator.handle if delegator else actor,
                "estimate_minutes": estimate_minutes,
                "chosen_by": chosen_by,
                "reason": reason,
                "runners_up": list(runners_up),
                "forced": forced,
            },
        )
        row = task_store.get(store, task_id)
    return Delegated(_task(row), chosen_by, runners_up, forced)


def done(store: Store, *, task_id: int, actor: str | None, now: datetime, tz: str = "UTC") -> Task:
    """Mark an open task done; `tz` is the zone times in messages are shown in."""
    with store.transaction():
        row = _require_task(store, task_id)
        if row["status"] == "done":
            from supportctl.services.timebase import local_text

            raise InputError(
                f"task {task_id} is already done (since {local_text(row['done_at'], tz)})"
            )
        task_store.mark_done_checked(
            store,
            task_id,
            version=row["version"],
            done_at=to_utc_text(now),
            stale=lambda: InputError(f"task {task_id} changed meanwhile; run the command again"),
        )
        _events().record(
            store,
            "delegation.done",
            at=now,
            actor=actor,
            ticket_id=row["ticket_id"],
            subject_ref=f"task:{task_id}",
            data={"task_id": task_id, "task": row["task"], "to": row["to_handle"]},
        )
        after = task_store.get_later(store, task_id)  # arrives with COMMIT on a server
    return _task(after())


def reassign(
    store: Store,
    config: Config,
    *,
    task_id: int,
    to: str,
    force: bool,
    actor: str | None,
    now: datetime,
) -> Task:
    """Give an open task to someone else."""
    today = _today(config, now)
    with store.transaction():
        row = _require_task(store, task_id)
        if row["status"] == "done":
            raise InputError(f"task {task_id} is already done; delegate a new task instead")
        person = _require_person(store, to)
        if person.id == row["to_person_id"]:
            raise InputError(f"task {task_id} is already {to}'s")
        absence = _check_present(person, today, force)
        reason = f"{person.handle} — reassigned from {row['to_handle']} by {actor or 'someone'}"
        if row["skill"]:
            level = person.skills.get(row["skill"])
            reason += (
                f", {row['skill']}:{level}" if level else f", no {row['skill']} skill on record"
            )
        if absence:
            reason += f", {absence} (--force)"
        if not task_store.reassign(
            store, task_id, version=row["version"], to_person_id=person.id, reason=reason
        ):
            raise InputError(f"task {task_id} changed meanwhile; run the command again")
        _events().record(
            store,
            "delegation.reassigned",
            at=now,
            actor=actor,
            ticket_id=row["ticket_id"],
            subject_ref=f"task:{task_id}",
            data={
                "task_id": task_id,
                "task": row["task"],
                "from": row["to_handle"],
                "to": person.handle,
                "reason": reason,
                "forced": absence is not None,
            },
        )
        after = task_store.get_later(store, task_id)  # arrives with COMMIT on a server
    return _task(after())


# --- reads -----------------------------------------------------------------------------


def open_task_counts(
    store: Store, ticket_ids: list[int] | set[int] | tuple[int, ...]
) -> dict[int, int]:
    """Open delegated tasks per ticket; a ticket with a count here carries the `delegated` flag."""
    return task_store.open_counts(store, ticket_ids)


def tasks_for_ticket(store: Store, ticket_id: int) -> list[Task]:
    """All tasks of one ticket, open and done, oldest first (for `ticket show`)."""
    return [_task(r) for r in task_store.for_ticket(store, ticket_id)]


def get_task(store: Store, task_id: int) -> Task:
    return _task(_require_task(store, task_id))


def review(
    store: Store,
    config: Config,
    *,
    now: datetime,
    mine: str | None = None,
    limit: int | None = None,
) -> Review:
    """Open tasks with ages, SLA clocks, logged minutes and flags.

    The team review is grouped by person, FIFO (oldest first); `mine` is one person's
    queue in the order to work it (urgent, premium, standard, light, then oldest).

    With `limit` only the head of each person's queue is read in detail (about `limit`
    rows in all) and the per-person counts come from one aggregate over the open-task
    index: the cost stays flat however many tasks are open. Without it every open task
    is read (for --json and Markdown).
    """
    from supportctl.domain.sla import clock as sla_clock
    from supportctl.services.calendar import read_ahead

    # The first reads, independent of each other, go together: the holidays, the
    # person, the summary, and the rows: which rows depends on the summary (a short
    # queue is read whole, a long one by its heads), so a server is sent both.
    read_ahead(store, config)
    me_later = people_store.id_by_handle_later(store, mine) if mine is not None else None
    summary_later = every_task = heads = None
    if limit is not None:
        summary_later = task_store.open_summary_later(store, handle=mine)
        every_task = task_store.open_rows_if_needed(store, limit=limit + 1, handle=mine)
        if mine is None:
            heads = task_store.team_heads_if_needed(store)
        else:
            today_text = _today(config, now).isoformat()
            heads = task_store.queue_head_rows_if_needed(
                store, handle=mine, today=today_text, per_person=limit
            )
    person_id = None
    if me_later is not None:
        person_id = me_later()
        if person_id is None:
            raise InputError(f"no team member '{mine}'", hint="run `supportctl team list`")
    calendar = calendar_for(store, config, now)
    zone = calendar.zone
    weekdays = calendar.weekdays
    holidays = calendar.holidays
    today = now.astimezone(zone).date()
    ages: dict[date, int] = {}

    def age(moment: datetime) -> int:
        day = moment.astimezone(zone).date()
        value = ages.get(day)
        if value is None:
            value = rules.business_days_between(day, today, workdays=weekdays, holidays=holidays)
            ages[day] = value
        return value

    summary_rows = None
    if summary_later is None or every_task is None or heads is None:
        found = task_store.open_rows(store, to_person_id=person_id)
    else:
        summary_rows = summary_later()
        if sum(int(r["n"]) for r in summary_rows) <= (limit or 0):
            # a short queue: every task (the summary's counts come from the rows)
            found, summary_rows = every_task(), None
        else:
            # a long queue: the team's oldest task of each person (the head of each
            # FIFO), or my first `limit` tasks in queue order
            found = heads()
    rows: list[ReviewRow] = []
    for r in found:
        created = _parse(r["created_at"])
        touches = [created]
        for key in ("last_time_at", "last_mail_at", "last_note_at"):
            if r[key]:
                touches.append(_parse(r[key]))
        last_touched = max(touches)
        level = r["ticket_level"] or "standard"
        if r["customer_level"]:
            current = r["customer_level"]
            if r["raise_level"] and r["raise_until"] and today.isoformat() <= r["raise_until"]:
                current = r["raise_level"]
            level = rules.stricter_level(level, current)
        clock = sla_clock(
            calendar,
            status=r["ticket_status"],
            hours=r["ticket_hours"],
            first_response_at=_parse(r["first_response_at"]) if r["first_response_at"] else None,
            due_response=_parse(r["due_response_at"]) if r["due_response_at"] else None,
            due_resolution=_parse(r["due_resolution_at"]) if r["due_resolution_at"] else None,
            waiting_since=_parse(r["waiting_since"]) if r["waiting_since"] else None,
            now=now,
        )
        untouched = age(last_touched)
        rows.append(
            ReviewRow(
                id=r["id"],
                ticket_id=r["ticket_id"],
                subject=r["subject"],
                customer=r["customer"],
                task=r["task"],
                skill=r["skill"],
                to=r["to_handle"],
                by=r["by_handle"],
                created=created,
                estimate_minutes=r["estimate_minutes"],
                urgency=r["urgency"],
                level=level,
                age_business_days=age(created),
                minutes_logged=int(r["minutes_logged"] or 0),
                last_touched=last_touched,
                untouched_business_days=untouched,
                clock=clock if clock.target is not None else None,
                flags=rules.flags_for(untouched, is_past_sla=clock.breached),
            )
        )
    if mine is None:
        # the Monday review: grouped by person, first in first out
        rows.sort(key=lambda x: (x.to, x.created, x.id))
    else:
        # my queue: urgent, then premium, standard, light, then oldest first
        rows.sort(key=lambda x: queue_key(x.urgency, x.level, x.created_text, x.id))
    if summary_rows is None:
        people = _summaries(rows)
    else:
        people = [
            PersonSummary(
                handle=r["handle"],
                open_tasks=int(r["n"]),
                estimated_minutes=int(r["minutes"]),
                flagged=None,
                oldest_business_days=age(_parse(r["oldest"])),
            )
            for r in summary_rows
        ]
    return Review(
        at=now,
        rows=rows,
        people=people,
        total_open=sum(p.open_tasks for p in people),
        minutes_per_day=calendar.minutes_per_day,
        mine=mine,
    )


def _summaries(rows: list[ReviewRow]) -> list[PersonSummary]:
    grouped: dict[str, list[ReviewRow]] = {}
    for row in rows:
        grouped.setdefault(row.to, []).append(row)
    return [
        PersonSummary(
            handle=handle,
            open_tasks=len(items),
            estimated_minutes=sum(i.estimate_minutes or 0 for i in items),
            flagged=sum(1 for i in items if i.flags),
            oldest_business_days=max(i.age_business_days for i in items),
        )
        for handle, items in sorted(grouped.items())
    ]


def record_review(
    store: Store, result: Review, *, actor: str | None, now: datetime
) -> dict[str, Any]:
    """Remember that the team looked at these tasks now (for `--since-last`)."""
    with store.transaction():
        # the team looked at the whole queue, even when the table showed only its head
        seen = task_store.open_ids(store) if result.mine is None else [r.id for r in result.rows]
        data = {
            "task_ids": sorted(seen),
            "last_task_id": task_store.max_id(store),
            "open_tasks": len(seen),
        }
        review_id = task_store.record_review(store, at=to_utc_text(now), by_handle=actor, data=data)
        _events().record(
            store,
            "delegation.reviewed",
            at=now,
            actor=actor,
            subject_ref=f"review:{review_id}",
            data={"review_id": review_id, "open_tasks": len(seen)},
        )
    return {"id": review_id, "at": now.astimezone(UTC), "by": actor, **data}


def since_last(store: Store) -> Changes:
    """New, finished and reassigned tasks since the last recorded review."""
    last = task_store.last_review(store)
    if last is None:
        raise InputError(
            "no review has been recorded yet",
            hint="run `supportctl delegated --review` to record one",
        )
    at_text = last["at"]
    last_id = int(last.get("last_task_id") or 0)
    return Changes(
        since=_parse(at_text),
        since_by=last.get("by"),
        new=[_task(r) for r in task_store.created_after_id(store, last_id)],
        done=[_task(r) for r in task_store.done_since(store, at_text)],
        reassigned=task_store.events_since(store, "delegation.reassigned", at_text),
    )
