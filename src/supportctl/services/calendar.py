"""The agency's business calendar, with public holidays cached in the database.

Building a `holidays` calendar imports a large package and computes every rule, so it
happens once per country and year: the dates go into `holidays_cache` and the year into
`holidays_years`. Commands that show clocks then read a few hundred rows instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from supportctl.domain.calendar import BusinessCalendar
from supportctl.errors import ConfigError
from supportctl.store import holidays as holiday_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config


def compute_holidays(country: str, year: int) -> list[tuple[date, str]]:
    """Public holidays of `country` in `year`, from the `holidays` package."""
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        raise ConfigError(
            f"no public holiday calendar for country '{country}'",
            hint="set agency.country to a supported ISO code such as FI or CZ",
        ) from None
    return sorted((day, str(name)) for day, name in calendar.items())


def ensure_years(
    store: Store, country: str, years: Iterable[int], cached: set[int] | None = None
) -> bool:
    """Fill the cache for the years not cached yet (one transaction); True if it did."""
    if cached is None:
        cached = holiday_store.cached_years(store, country)
    missing = sorted(set(years) - cached)
    if not missing:
        return False
    computed = [(year, compute_holidays(country, year)) for year in missing]
    with store.cache_transaction():
        for year, days in computed:
            holiday_store.store_year(store, country, year, days)
    return True


# Holidays of a country and year never change, so a calendar built once in a process
# (an import creating thousands of tickets) is reused; the key names everything it uses.
_MEMO: dict[tuple[object, ...], BusinessCalendar] = {}


# Holiday reads sent ahead by `read_ahead`, per open store.
_AHEAD: WeakKeyDictionary[Store, tuple[str, Callable[[], holiday_store.Cached]]] = (
    WeakKeyDictionary()
)


def read_ahead(store: Store, config: Config) -> None:
    """Send the holiday cache reads now, for a `business_calendar` the command builds
    shortly: on a server they travel with the command's first statements."""
    country = config.agency.country.upper()
    _AHEAD[store] = (country, holiday_store.cached_later(store, country))


def business_calendar(
    store: Store, config: Config, *, around: datetime | None = None, years: Iterable[int] = ()
) -> BusinessCalendar:
    """The agency calendar, holidays loaded for `years` and the years around `around`."""
    agency = config.agency
    wanted = set(years)
    if around is not None:
        wanted.update((around.year - 1, around.year, around.year + 1))
    country = agency.country.upper()
    key = (
        country,
        agency.timezone,
        agency.business_hours,
        tuple(agency.business_days),
        frozenset(wanted),
    )
    memo = _MEMO.get(key)
    if memo is not None:
        return memo
    ahead = _AHEAD.pop(store, None)
    if wanted:
        got = ahead[1] if ahead is not None and ahead[0] == country else None
        cached, days = (got or holiday_store.cached_later(store, country))()
        if ensure_years(store, country, wanted, cached):
            days = holiday_store.days(store, country)
    else:
        days = holiday_store.days(store, country)
    calendar = BusinessCalendar.build(
        agency.timezone,
        agency.business_hours,
        agency.business_days,
        (day for day, _name in days),
    )
    if wanted:
        _MEMO[key] = calendar
    return calendar
