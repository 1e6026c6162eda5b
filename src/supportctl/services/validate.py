"""Input checks shared by services; each raises InputError with a one-line message."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from supportctl.errors import InputError

# Patterns as strings: `re` compiles (and caches) one on first use, so a command that
# validates nothing pays nothing for them at start-up.
SLUG_RE = r"[a-z0-9][a-z0-9-]{0,62}"
HANDLE_RE = r"[a-z][a-z0-9_-]{0,31}"
LOCALE_RE = r"[a-z]{2}(_[A-Z]{2})?"
SKILL_RE = r"[a-z0-9][a-z0-9+._-]{0,39}"


def slug(value: str) -> str:
    if not re.fullmatch(SLUG_RE, value):
        raise InputError(f"'{value}' is not a valid slug: use lower-case letters, digits and '-'")
    return value


def handle(value: str) -> str:
    if not re.fullmatch(HANDLE_RE, value):
        raise InputError(
            f"'{value}' is not a valid handle: start with a letter; lower-case letters, digits, '-' and '_'"
        )
    return value


def email(value: str, what: str = "") -> str:
    """An e-mail address by the one rule (`domain.address`: its docstring says what is
    accepted), domain in lower case; bad input naming why otherwise."""
    from supportctl.domain import address

    try:
        return address.parse(value)
    except ValueError as exc:
        from supportctl.render.safe import one_line

        label = f"{what} " if what else ""
        raise InputError(
            f"{label}'{one_line(value)}' is not a valid e-mail address: {exc}",
            hint="e.g. name@example.com",
        ) from None


def domain(value: str) -> str:
    """A customer's mail domain, by the one rule of `domain.address.parse_domain`."""
    from supportctl.domain import address

    try:
        return address.parse_domain(value.strip().lstrip("@"))
    except ValueError as exc:
        from supportctl.render.safe import one_line

        raise InputError(f"'{one_line(value)}' is not a valid mail domain: {exc}") from None


# The languages supportctl ships mail templates and invoice labels for.
SHIPPED_LANGUAGES = ("fi", "cs", "en")


def locale(value: str) -> str:
    """A locale supportctl ships (fi, cs, en), alone or with a country babel knows."""
    if not re.fullmatch(LOCALE_RE, value):
        raise InputError(f"'{value[:40]}' is not a locale; use e.g. fi_FI, cs_CZ or en")
    language = value.split("_")[0]
    if language not in SHIPPED_LANGUAGES:
        raise InputError(
            f"no '{language}' texts ship with supportctl; use fi_FI, cs_CZ or en (or en_GB …)"
        )
    if "_" in value:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(value)
        except (UnknownLocaleError, ValueError):
            raise InputError(
                f"'{value}' is not a known locale; use fi_FI, cs_CZ or en (or en_GB …)"
            ) from None
    return value


def percent(value: str) -> str:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise InputError(f"VAT '{value}' is not a number; write it like 25.5") from None
    if not number.is_finite() or number < 0 or number > 100:
        raise InputError(f"VAT '{value}' must be a percentage from 0 to 100")
    return str(number)


def skill(value: str) -> tuple[str, int]:
    name, sep, level_text = value.partition(":")
    name = name.strip().lower()
    if not re.fullmatch(SKILL_RE, name):
        raise InputError(f"'{value}' is not a skill: write NAME:LEVEL, e.g. wordpress:5")
    if not sep:
        return name, 3
    if not level_text.isdigit() or not 1 <= int(level_text) <= 5:
        raise InputError(f"'{value}': the skill level must be a whole number from 1 to 5")
    return name, int(level_text)


def skill_name(value: str) -> str:
    name = value.strip().lower()
    if not re.fullmatch(SKILL_RE, name):
        raise InputError(
            f"'{value}' is not a skill name: lower-case letters, digits, '+', '.', '-', '_'"
        )
    return name


def phone(value: str) -> str:
    """A telephone number as people write it (+358 40 123 4567, 040-1234567): 5 to 15
    digits, an optional leading +, spaces, dashes, dots and brackets; returned tidied."""
    text = " ".join(value.split())
    digits = [ch for ch in text if ch.isascii() and ch.isdigit()]
    if (
        not text
        or not re.fullmatch(r"\+?[0-9][0-9 ().-]*[0-9]", text, re.ASCII)
        or not 5 <= len(digits) <= 15
    ):
        from supportctl.render.safe import one_line

        raise InputError(
            f"'{one_line(value, 40)}' is not a telephone number",
            hint='write it like "+358 40 123 4567"',
        )
    return text


def day(value: str, today: date, what: str = "date") -> date:
    """A day in one of the forms `domain.dates` accepts; exit 2 naming them otherwise."""
    from supportctl.domain.dates import DateError, parse_day

    try:
        return parse_day(value, today)
    except DateError as exc:
        raise InputError(f"{what} {exc}") from None


def date_range(value: str, today: date, what: str = "absence") -> tuple[date, date]:
    """'2026-12-21..2027-01-06', '21.12.2026..6.1.2027' or a single day."""
    from supportctl.domain.dates import DateError, parse_range

    try:
        return parse_range(value, today)
    except DateError as exc:
        raise InputError(f"{what} {exc}") from None
