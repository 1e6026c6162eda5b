"""The holiday cache: public holiday dates per country, filled one year at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from supportctl.store.db import Store


def cached_years(store: Store, country: str) -> set[int]:
    return {
        int(r[0])
        for r in store.all("SELECT year FROM holidays_years WHERE country = ?", (country,))
    }


def days(store: Store, country: str) -> list[tuple[date, str]]:
    return [
        (date.fromisoformat(r[0]), r[1])
        for r in store.all(
            "SELECT day, name FROM holidays_cache WHERE country = ? ORDER BY day", (country,)
        )
    ]


Cached = tuple[set[int], list[tuple[date, str]]]


def cached_later(store: Store, country: str) -> Callable[[], Cached]:
    """The cached years and days of `country` when called, both sent now (a server
    gets them with the command's next statement)."""
    years = store.prefetch("SELECT year FROM holidays_years WHERE country = ?", (country,))
    day_rows = store.prefetch(
        "SELECT day, name FROM holidays_cache WHERE country = ? ORDER BY day", (country,)
    )
    return lambda: (
        {int(r[0]) for r in years()},
        [(date.fromisoformat(r[0]), r[1]) for r in day_rows()],
    )


def store_year(store: Store, country: str, year: int, holidays: list[tuple[date, str]]) -> None:
    store.execute(
        "INSERT INTO holidays_years (country, year) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (country, year),
    )
    for day, name in holidays:
        store.execute(
            "INSERT INTO holidays_cache (country, day, name) VALUES (?, ?, ?) "
            "ON CONFLICT (country, day) DO UPDATE SET name = excluded.name",
            (country, day.isoformat(), name),
        )
