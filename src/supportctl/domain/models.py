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
LEVEL_RANK = {"premium": 0, "standard": 1, "light": 2}


class Money(NamedTuple):
    amount_minor: int
    currency: str


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
