"""Team members for people (rich) and scripts (JSON)."""

from __future__ import annotations

from typing import Any

from supportctl.domain.models import Person
from supportctl.render.jsonout import emit_json
from supportctl.render.screen import Screen
from supportctl.render.tables import Col, table


def person_json(p: Person) -> dict[str, Any]:
    return {
        "id": p.handle,
        "name": p.name,
        "email": p.email,
        "active": p.active,
        "skills": dict(sorted(p.skills.items())),
        "away": [{"start": a.start.isoformat(), "end": a.end.isoformat()} for a in p.absences],
    }


def emit_people(
    app_ctx: Screen, items: list[Person], *, as_json: bool, single: bool = False
) -> None:
    if as_json:
        emit_json(person_json(items[0]) if single else [person_json(p) for p in items])
        return
    table(
        app_ctx,
        [
            Col("id"),
            Col("name", give=2, narrow=14),
            Col("email"),
            Col("skills", flex=True),
            Col("away", hide_empty=True, give=1, narrow=10),
            Col("status"),
        ],
        [
            (
                p.handle,
                p.name,
                p.email,
                ", ".join(
                    f"{s}:{lvl}"
                    for s, lvl in sorted(p.skills.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                ", ".join(
                    f"{a.start}..{a.end}" if a.start != a.end else str(a.start) for a in p.absences
                ),
                "active" if p.active else "left",
            )
            for p in items
        ],
        empty="no team members yet; add one with `supportctl team add HANDLE --name TEXT --email ADDR`",
    )
