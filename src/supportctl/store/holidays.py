"""The holiday cache: public holiday dates per country, filled one year at a time."""

from __future__ import annotations

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


def cached(store: Store, country: str) -> tuple[set[int], list[tuple[date, str]]]:
    """The cached years and days of `country`, read together (one round trip on a server)."""
    years, day_rows = store.many(
        [
            ("SELECT year FROM holidays_years WHERE country = ?", (country,)),
            ("SELECT day, name FROM holidays_cache WHERE country = ? ORDER BY day", (country,)),
        ]
    )
    return {int(r[0]) for r in years}, [(date.fromisoformat(r[0]), r[1]) for r in day_rows]


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
