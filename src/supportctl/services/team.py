"""Team members: handles, skills with levels, absences, leaving the team."""

from __future__ import annotations

from datetime import date, datetime

from supportctl.domain.models import Person
from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.services import validate
from supportctl.store import events
from supportctl.store import people as people_store
from supportctl.store.db import Store


def require(store: Store, handle: str) -> Person:
    person = people_store.get_by_handle(store, handle)
    if person is None:
        raise InputError(f"no team member '{handle}'", hint="run `supportctl team list`")
    return person


def add(
    store: Store,
    *,
    handle: str,
    name: str,
    email: str,
    skills: list[str],
    away: list[str],
    now: datetime,
    actor: str | None,
    today: date | None = None,
) -> Person:
    validate.handle(handle)
    if not name.strip():
        raise InputError("--name must not be empty")
    address = validate.email(email)
    parsed_skills = [validate.skill(s) for s in skills]
    ranges = [validate.date_range(a, today or now.date(), "--away") for a in away]
    with store.transaction():
        if people_store.get_by_handle(store, handle) is not None:
            raise InputError(
                f"team member '{handle}' already exists",
                hint=f"use `supportctl team edit {handle}`",
            )
        person_id = people_store.insert(store, handle, name.strip(), address, to_utc_text(now))
        for skill, level in parsed_skills:
            people_store.set_skill(store, person_id, skill, level)
        for start, end in ranges:
            people_store.add_absence(store, person_id, start, end)
        events.record(
            store,
            "person.added",
            at=now,
            actor=actor,
            subject_ref=f"person:{handle}",
            data={
                "handle": handle,
                "name": name,
                "email": address,
                "skills": dict(parsed_skills),
                "away": [f"{s}..{e}" for s, e in ranges],
            },
        )
    return require(store, handle)


def edit(
    store: Store,
    *,
    handle: str,
    name: str | None,
    email: str | None,
    skills: list[str],
    remove_skills: list[str],
    away: list[str],
    clear_away: bool,
    active: bool | None,
    now: datetime,
    actor: str | None,
    today: date | None = None,
) -> Person:
    address = validate.email(email) if email is not None else None
    parsed_skills = [validate.skill(s) for s in skills]
    ranges = [validate.date_range(a, today or now.date(), "--away") for a in away]
    if name is not None and not name.strip():
        raise InputError("--name must not be empty")
    if not any(
        [name, address, parsed_skills, remove_skills, ranges, clear_away, active is not None]
    ):
        raise InputError("nothing to change; pass at least one option (see --help)")
    with store.transaction():
        before = require(store, handle)
        people_store.update(
            store, before.id, name=name.strip() if name else None, email=address, active=active
        )
        for skill, level in parsed_skills:
            people_store.set_skill(store, before.id, skill, level)
        for skill in remove_skills:
            if not people_store.remove_skill(store, before.id, validate.skill_name(skill)):
                raise InputError(f"'{handle}' has no skill '{skill}'")
        if clear_away:
            people_store.clear_absences(store, before.id)
        for start, end in ranges:
            people_store.add_absence(store, before.id, start, end)
        after = require(store, handle)
        events.record(
            store,
            "person.edited",
            at=now,
            actor=actor,
            subject_ref=f"person:{handle}",
            data={
                "old": {
                    "name": before.name,
                    "email": before.email,
                    "active": before.active,
                    "skills": before.skills,
                    "away": [f"{a.start}..{a.end}" for a in before.absences],
                },
                "new": {
                    "name": after.name,
                    "email": after.email,
                    "active": after.active,
                    "skills": after.skills,
                    "away": [f"{a.start}..{a.end}" for a in after.absences],
                },
            },
        )
    return after


def list_people(store: Store, *, include_inactive: bool = True) -> list[Person]:
    return people_store.list_all(store, include_inactive=include_inactive)
