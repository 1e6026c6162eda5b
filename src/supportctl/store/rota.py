"""The rota: the order of people and the per-week swaps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from supportctl.store.db import Store

_START_KEY = "rota.start"


_ORDER = "SELECT p.handle FROM rota_order r JOIN people p ON p.id = r.person_id ORDER BY r.position"


def order(store: Store) -> list[str]:
    return [r[0] for r in store.all(_ORDER)]


def order_later(store: Store) -> Callable[[], list[str]]:
    """`order` when called, sent now (with the command's next statement on a server)."""
    rows = store.prefetch(_ORDER)
    return lambda: [r[0] for r in rows()]


def start(store: Store) -> date | None:
    value = store.scalar("SELECT value FROM settings WHERE key = ?", (_START_KEY,))
    return date.fromisoformat(value) if value else None


def set_order(store: Store, person_ids: list[int], start_monday: date) -> None:
    store.execute("DELETE FROM rota_order")
    for position, person_id in enumerate(person_ids):
        store.execute(
            "INSERT INTO rota_order (position, person_id) VALUES (?, ?)", (position, person_id)
        )
    store.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_START_KEY, start_monday.isoformat()),
    )


def inactive(store: Store) -> set[str]:
    """Handles of people who have left."""
    return {r[0] for r in store.all("SELECT handle FROM people WHERE active = 0")}


def swaps(store: Store) -> dict[date, str]:
    return {
        date.fromisoformat(r[0]): r[1]
        for r in store.all(
            "SELECT s.week, p.handle FROM rota_swaps s JOIN people p ON p.id = s.person_id"
        )
    }


def forced_swaps(store: Store) -> frozenset[date]:
    """The Mondays of swaps made with --force."""
    return frozenset(
        date.fromisoformat(r[0]) for r in store.all("SELECT week FROM rota_swaps WHERE forced = 1")
    )


def set_swap(
    store: Store, monday: date, person_id: int, created_at: str, *, forced: bool = False
) -> None:
    store.execute(
        "INSERT INTO rota_swaps (week, person_id, created_at, forced) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (week) DO UPDATE SET person_id = excluded.person_id, "
        "created_at = excluded.created_at, forced = excluded.forced",
        (monday.isoformat(), person_id, created_at, int(forced)),
    )


def remove_swap(store: Store, monday: date) -> bool:
    """Forget the swap of one week; False when there was none."""
    return (
        store.execute("DELETE FROM rota_swaps WHERE week = ?", (monday.isoformat(),)).rowcount > 0
    )


def absences(store: Store) -> dict[str, list[tuple[date, date]]]:
    out: dict[str, list[tuple[date, date]]] = {}
    for r in store.all(
        "SELECT p.handle, a.start_date, a.end_date FROM absences a JOIN people p ON p.id = a.person_id"
    ):
        out.setdefault(r[0], []).append((date.fromisoformat(r[1]), date.fromisoformat(r[2])))
    return out
