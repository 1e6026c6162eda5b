"""Team members, their skills and absences.

The domain records are imported when rows are first turned into them, so `log`, which
only looks a handle up here, does not pay for defining them at start-up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.domain.models import Absence, Person


def _person(row: sqlite3.Row, skills: dict[str, int], absences: tuple[Absence, ...]) -> Person:
    from supportctl.domain.models import Person

    return Person(
        id=row["id"],
        handle=row["handle"],
        name=row["name"],
        email=row["email"],
        active=bool(row["active"]),
        skills=skills,
        absences=absences,
    )


def list_all(store: Store, *, include_inactive: bool = True) -> list[Person]:
    from supportctl.domain.models import Absence

    skills: dict[int, dict[str, int]] = {}
    for r in store.all("SELECT person_id, skill, level FROM skills ORDER BY skill"):
        skills.setdefault(r["person_id"], {})[r["skill"]] = r["level"]
    absences: dict[int, list[Absence]] = {}
    for r in store.all("SELECT person_id, start_date, end_date FROM absences ORDER BY start_date"):
        absences.setdefault(r["person_id"], []).append(
            Absence(date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"]))
        )
    sql = (
        "SELECT * FROM people"
        + ("" if include_inactive else " WHERE active = 1")
        + " ORDER BY handle"
    )
    return [
        _person(r, skills.get(r["id"], {}), tuple(absences.get(r["id"], ())))
        for r in store.all(sql)
    ]


def get_by_handle(store: Store, handle: str) -> Person | None:
    row = store.one("SELECT * FROM people WHERE handle = ?", (handle,))
    if row is None:
        return None
    return _load(store, row)


def get_by_id(store: Store, person_id: int) -> Person | None:
    row = store.one("SELECT * FROM people WHERE id = ?", (person_id,))
    return None if row is None else _load(store, row)


def _load(store: Store, row: sqlite3.Row) -> Person:
    from supportctl.domain.models import Absence

    skills = {
        r["skill"]: r["level"]
        for r in store.all("SELECT skill, level FROM skills WHERE person_id = ?", (row["id"],))
    }
    absences = tuple(
        Absence(date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"]))
        for r in store.all(
            "SELECT start_date, end_date FROM absences WHERE person_id = ? ORDER BY start_date",
            (row["id"],),
        )
    )
    return _person(row, skills, absences)


def id_by_handle(store: Store, handle: str) -> int | None:
    value = store.scalar("SELECT id FROM people WHERE handle = ?", (handle,))
    return None if value is None else int(value)


def id_by_handle_later(store: Store, handle: str) -> Callable[[], int | None]:
    """`id_by_handle` when called, sent now (with the next statement on a server)."""
    rows = store.prefetch("SELECT id FROM people WHERE handle = ?", (handle,))
    return lambda: int(found[0][0]) if (found := rows()) else None


def handle_by_email(store: Store, email: str) -> str | None:
    value = store.scalar("SELECT handle FROM people WHERE lower(email) = ?", (email.lower(),))
    return None if value is None else str(value)


def handles_by_email(store: Store) -> dict[str, str]:
    """Every team member's address (lower-case) -> handle."""
    return {
        str(r["email"]).lower(): str(r["handle"])
        for r in store.all("SELECT email, handle FROM people")
    }


def team_emails(store: Store) -> set[str]:
    return {r[0].lower() for r in store.all("SELECT email FROM people")}


def insert(store: Store, handle: str, name: str, email: str, created_at: str) -> int:
    new_id = store.insert(
        "INSERT INTO people (handle, name, email, created_at) VALUES (?, ?, ?, ?)",
        (handle, name, email, created_at),
    )
    return new_id


def update(
    store: Store,
    person_id: int,
    *,
    name: str | None = None,
    email: str | None = None,
    active: bool | None = None,
) -> None:
    if name is not None:
        store.execute("UPDATE people SET name = ? WHERE id = ?", (name, person_id))
    if email is not None:
        store.execute("UPDATE people SET email = ? WHERE id = ?", (email, person_id))
    if active is not None:
        store.execute("UPDATE people SET active = ? WHERE id = ?", (int(active), person_id))


def set_skill(store: Store, person_id: int, skill: str, level: int) -> None:
    store.execute(
        "INSERT INTO skills (person_id, skill, level) VALUES (?, ?, ?) ON CONFLICT (person_id, skill) DO UPDATE SET level = excluded.level",
        (person_id, skill, level),
    )


def remove_skill(store: Store, person_id: int, skill: str) -> int:
    return store.execute(
        "DELETE FROM skills WHERE person_id = ? AND skill = ?", (person_id, skill)
    ).rowcount


def add_absence(store: Store, person_id: int, start: date, end: date) -> None:
    store.execute(
        "INSERT INTO absences (person_id, start_date, end_date) VALUES (?, ?, ?)",
        (person_id, start.isoformat(), end.isoformat()),
    )


def clear_absences(store: Store, person_id: int) -> None:
    store.execute("DELETE FROM absences WHERE person_id = ?", (person_id,))
