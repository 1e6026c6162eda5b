"""Domain values shared by services, store and render.

Records are NamedTuples rather than dataclasses: they are immutable all the same, and
defining one costs a tenth of what a frozen dataclass costs at import, which every
command pays on start-up.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

# User choices are plain strings checked against these tuples (an Enum class costs
# about a millisecond of start-up each, and the database stores the strings anyway).
PLANS = ("maintenance", "hosting", "adhoc")
LEVELS = ("light", "standard", "premium")
HOURS = ("business", "24x7")


class Money(NamedTuple):
    amount_minor: int
    currency: str


# The time zone of countries that have one (the EU and neighbours we bill); a
# customer elsewhere, or in a country of several zones, sets its own.
COUNTRY_ZONES = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "CH": "Europe/Zurich",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IS": "Atlantic/Reykjavik",
    "IT": "Europe/Rome",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "PL": "Europe/Warsaw",
    "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm",
    "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava",
}


class Customer(NamedTuple):
    id: int
    slug: str
    name: str
    plan: str
    level: str
    rate: Money
    vat: str
    included_minutes: int
    locale: str
    hours: str
    reaction_minutes: int | None
    billing_step_minutes: int
    carry_over: bool
    address: str
    vat_id: str
    country: str
    domains: tuple[str, ...] = ()
    raise_level: str | None = None
    raise_hours: str | None = None
    raise_until: date | None = None
    monthly_fee_minor: int = 0  # the plan's fee per month, in the rate's currency
    plan_start: date | None = None  # the fee is pro-rated by days in the first month
    plan_end: date | None = None  # ... and in the last; none billed after it
    company_id: str = ""  # business ID (Y-tunnus, IČO)
    billing_email: str = ""  # where `invoice send` mails the invoices
    timezone: str = ""  # times shown to the customer; '' = its country's zone

    def zone_name(self, fallback: str) -> str:
        """The customer's time zone: its own, else its country's, else `fallback`."""
        return self.timezone or COUNTRY_ZONES.get(self.country.upper(), fallback)

    def level_on(self, day: date) -> str:
        """The service level in force on `day`, a temporary raise included."""
        if self.raise_level and self.raise_until and day <= self.raise_until:
            return self.raise_level
        return self.level

    def hours_on(self, day: date) -> str:
        if self.raise_hours and self.raise_until and day <= self.raise_until:
            return self.raise_hours
        return self.hours


class Contact(NamedTuple):
    id: int
    customer: str
    email: str
    name: str
    can_order: bool


class Absence(NamedTuple):
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Person(NamedTuple):
    id: int
    handle: str
    name: str
    email: str
    active: bool
    skills: dict[str, int] = {}  # noqa: RUF012 - never mutated
    absences: tuple[Absence, ...] = ()

    def is_absent_on(self, day: date) -> bool:
        return any(a.covers(day) for a in self.absences)
