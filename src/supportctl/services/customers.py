"""Customers and their contacts: add, edit, list, show."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from supportctl.domain.durations import parse_duration
from supportctl.domain.models import HOURS, LEVELS, PLANS, Contact, Customer
from supportctl.domain.money import parse_amount
from supportctl.domain.timeutil import to_utc_text
from supportctl.errors import InputError
from supportctl.services import validate
from supportctl.store import customers as customer_store
from supportctl.store import events
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config

COUNTRY_LOCALES = {"FI": "fi_FI", "CZ": "cs_CZ", "SK": "cs_CZ"}


class CustomerInput(NamedTuple):
    name: str | None = None
    plan: str | None = None
    level: str | None = None
    rate: str | None = None
    currency: str | None = None
    vat: str | None = None
    included_minutes: int | None = None
    locale: str | None = None
    domains: tuple[str, ...] = ()
    remove_domains: tuple[str, ...] = ()
    hours: str | None = None
    reaction: str | None = None
    billing_step: str | None = None
    carry_over: bool | None = None
    address: str | None = None
    vat_id: str | None = None
    country: str | None = None
    until: str | None = None
    monthly_fee: str | None = None
    plan_start: str | None = None
    plan_end: str | None = None
    company_id: str | None = None
    billing_email: str | None = None
    timezone: str | None = None


def require(store: Store, slug: str) -> Customer:
    customer = customer_store.get_by_slug(store, slug)
    if customer is None:
        raise InputError(f"no customer '{slug}'", hint="run `supportctl customer list`")
    return customer


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InputError(f"unknown {what} '{value}'; choose one of {', '.join(allowed)}")
    return value


def _minutes(text: str, what: str) -> int:
    try:
        minutes = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None
    if minutes <= 0:
        raise InputError(f"{what} must be at least one minute")
    return minutes


def _values(data: CustomerInput, currency: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if data.name is not None:
        if not data.name.strip():
            raise InputError("the customer name must not be empty")
        values["name"] = data.name.strip()
    if data.plan is not None:
        values["plan"] = _choice(data.plan, PLANS, "plan")
    if data.level is not None:
        values["level"] = _choice(data.level, LEVELS, "level")
    if data.hours is not None:
        hours = "24x7" if data.hours.lower() in ("24x7", "24/7") else data.hours.lower()
        values["hours"] = _choice(hours, HOURS, "coverage (--hours)")
    if data.rate is not None:
        try:
            rate = parse_amount(data.rate, currency)
        except ValueError as exc:
            raise InputError(f"rate: {exc}") from None
        if rate < 0:
            raise InputError(f"rate '{data.rate}' must not be negative")
        values["rate_minor"] = rate
    if data.vat is not None:
        values["vat"] = validate.percent(data.vat)
    if data.included_minutes is not None:
        if data.included_minutes < 0:
            raise InputError("included minutes must not be negative")
        values["included_minutes"] = data.included_minutes
    if data.locale is not None:
        values["locale"] = validate.locale(data.locale)
    if data.reaction is not None:
        values["reaction_minutes"] = _minutes(data.reaction, "reaction time")
    if data.billing_step is not None:
        step = _minutes(data.billing_step, "billing step")
        if step > 240:
            raise InputError("billing step must be at most 4 hours")
        values["billing_step_minutes"] = step
    if data.carry_over is not None:
        values["carry_over"] = int(data.carry_over)
    if data.address is not None:
        values["address"] = data.address
    if data.vat_id is not None:
        values["vat_id"] = data.vat_id.strip().upper().replace(" ", "")
    if data.country is not None:
        if len(data.country) != 2 or not data.country.isalpha():
            raise InputError(f"country '{data.country}' must be a two-letter code such as FI or CZ")
        values["country"] = data.country.upper()
    if data.monthly_fee is not None:
        try:
            fee = parse_amount(data.monthly_fee, currency)
        except ValueError as exc:
            raise InputError(f"monthly fee: {exc}") from None
        if fee < 0:
            raise InputError(f"monthly fee '{data.monthly_fee}' must not be negative")
        values["monthly_fee_minor"] = fee
    for key, text in (("plan_start", data.plan_start), ("plan_end", data.plan_end)):
        if text is not None:
            values[key] = _plan_day(text, "--" + key.replace("_", "-"))
    if data.company_id is not None:
        values["company_id"] = data.company_id.strip()
    if data.timezone is not None:
        values["timezone"] = _timezone(data.timezone)
    if data.billing_email is not None:
        values["billing_email"] = (
            validate.email(data.billing_email) if data.billing_email.strip() else ""
        )
    return values


def _timezone(text: str) -> str:
    """An IANA zone such as Europe/Prague; '' (or 'none') goes back to the country's."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = text.strip()
    if name.lower() in ("", "none"):
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--timezone '{text}' is not a time zone such as Europe/Prague") from None
    return name


def _check_plan_dates(start: str | None, end: str | None) -> None:
    if start and end and end < start:
        raise InputError(f"--plan-end {end} is before --plan-start {start}")


def _plan_day(text: str, option: str) -> str | None:
    """A plan start or end date; 'none' clears it."""
    if text.strip().lower() in ("", "none", "-"):
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InputError(f"{option} '{text}' must look like 2026-10-16 (or 'none')") from None


def add(
    store: Store,
    config: Config,
    *,
    slug: str,
    data: CustomerInput,
    now: datetime,
    actor: str | None,
) -> Customer:
    validate.slug(slug)
    if data.plan is None:
        raise InputError("--plan is required: maintenance, hosting or adhoc")
    if data.until is not None:
        raise InputError(
            "--until applies to `customer edit` (a temporary raise of level or coverage)"
        )
    currency = (data.currency or config.agency.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InputError(f"currency '{currency}' must be a three-letter code such as EUR or CZK")
    values = _values(data, currency)
    values.setdefault("name", slug)
    values.setdefault("level", "standard")
    values["currency"] = currency
    if "rate_minor" not in values:
        values["rate_minor"] = parse_amount(config.agency.rate, currency)
    values.setdefault("vat", validate.percent(config.agency.vat))
    if "country" not in values:
        vat_prefix = values.get("vat_id", "")[:2]
        values["country"] = (
            vat_prefix if vat_prefix.isalpha() and len(vat_prefix) == 2 else config.agency.country
        )
    values.setdefault(
        "locale",
        COUNTRY_LOCALES.get(values["country"], COUNTRY_LOCALES.get(config.agency.country, "en")),
    )
    values["slug"] = slug
    _check_plan_dates(values.get("plan_start"), values.get("plan_end"))
    domains = [validate.domain(d) for d in data.domains]
    with store.transaction():
        if customer_store.get_by_slug(store, slug) is not None:
            raise InputError(
                f"customer '{slug}' already exists", hint=f"use `supportctl customer edit {slug}`"
            )
        for dom in domains:
            owner = customer_store.domain_owner(store, dom)
            if owner is not None:
                raise InputError(f"mail domain '{dom}' already belongs to customer '{owner}'")
        customer_id = customer_store.insert(store, values, domains, to_utc_text(now))
        events.record(
            store,
            "customer.added",
            at=now,
            actor=actor,
            customer_id=customer_id,
            data={"slug": slug, **values, "domains": domains},
        )
    return require(store, slug)


def edit(
    store: Store,
    *,
    slug: str,
    data: CustomerInput,
    now: datetime,
    actor: str | None,
    today: date | None = None,
) -> Customer:
    with store.transaction():
        before = require(store, slug)
        values = _values(data, before.rate.currency if data.currency is None else data.currency)
        if data.currency is not None:
            raise InputError(
                "the currency of an existing customer cannot change; invoices depend on it"
            )
        if data.until is not None:
            until = validate.day(data.until, today or now.date(), "--until")
            if until < (today or now.date()):
                raise InputError(f"--until {until} is in the past")
            if "level" not in values and "hours" not in values:
                raise InputError("--until goes with --level or --hours (a temporary raise)")
            values["raise_until"] = until.isoformat()
            if "level" in values:
                values["raise_level"] = values.pop("level")
            if "hours" in values:
                values["raise_hours"] = values.pop("hours")
        for dom in data.domains:
            dom = validate.domain(dom)
            owner = customer_store.domain_owner(store, dom)
            if owner is not None and owner != slug:
                raise InputError(f"mail domain '{dom}' already belongs to customer '{owner}'")
            if owner is None:
                customer_store.add_domain(store, before.id, dom)
        for dom in data.remove_domains:
            if not customer_store.remove_domain(store, before.id, validate.domain(dom)):
                raise InputError(f"customer '{slug}' has no mail domain '{dom}'")
        if not values and not data.domains and not data.remove_domains:
            raise InputError("nothing to change; pass at least one option (see --help)")
        _check_plan_dates(
            values.get("plan_start", before.plan_start and before.plan_start.isoformat()),
            values.get("plan_end", before.plan_end and before.plan_end.isoformat()),
        )
        customer_store.update(store, before.id, values)
        old = {k: getattr(before, k, None) for k in values}
        events.record(
            store,
            "customer.edited",
            at=now,
            actor=actor,
            customer_id=before.id,
            data={
                "slug": slug,
                "new": values,
                "old": {k: str(v) if v is not None else None for k, v in old.items()},
                "domains_added": list(data.domains),
                "domains_removed": list(data.remove_domains),
            },
        )
    return require(store, slug)


def list_customers(store: Store) -> list[Customer]:
    return customer_store.list_all(store)


def add_contact(
    store: Store,
    *,
    slug: str,
    email: str,
    name: str,
    can_order: bool,
    now: datetime,
    actor: str | None,
) -> Contact:
    address = validate.email(email).lower()
    with store.transaction():
        customer = require(store, slug)
        if customer_store.contact_for(store, customer.id, address) is not None:
            raise InputError(f"'{address}' is already a contact of '{slug}'")
        customer_store.insert_contact(
            store, customer.id, address, name.strip(), can_order, to_utc_text(now)
        )
        events.record(
            store,
            "contact.added",
            at=now,
            actor=actor,
            customer_id=customer.id,
            data={"email": address, "name": name, "can_order": can_order},
        )
        contact = customer_store.contact_for(store, customer.id, address)
    assert contact is not None
    return contact


def list_contacts(store: Store, slug: str | None) -> list[Contact]:
    customer_id = require(store, slug).id if slug else None
    return customer_store.contacts(store, customer_id)


def edit_contact(
    store: Store,
    *,
    slug: str,
    email: str,
    new_email: str | None,
    name: str | None,
    can_order: bool | None,
    now: datetime,
    actor: str | None,
) -> Contact:
    """Change a contact's name, address or whether they may order billable work."""
    address = validate.email(new_email).lower() if new_email is not None else None
    if name is None and address is None and can_order is None:
        raise InputError("nothing to change; give --name, --email, --can-order or --no-can-order")
    with store.transaction():
        customer = require(store, slug)
        before = customer_store.contact_for(store, customer.id, email.strip().lower())
        if before is None:
            raise InputError(
                f"'{email}' is not a contact of '{slug}'",
                hint=f"run `supportctl contact list {slug}`",
            )
        if (
            address is not None
            and address != before.email
            and customer_store.contact_for(store, customer.id, address) is not None
        ):
            raise InputError(f"'{address}' is already a contact of '{slug}'")
        after_email = address or before.email
        after_name = name.strip() if name is not None else before.name
        after_order = before.can_order if can_order is None else can_order
        customer_store.update_contact(
            store, before.id, email=after_email, name=after_name, can_order=after_order
        )
        events.record(
            store,
            "contact.edited",
            at=now,
            actor=actor,
            customer_id=customer.id,
            data={
                "old": {"email": before.email, "name": before.name, "can_order": before.can_order},
                "new": {"email": after_email, "name": after_name, "can_order": after_order},
            },
        )
        contact = customer_store.contact_for(store, customer.id, after_email)
    assert contact is not None
    return contact


def remove_contact(
    store: Store, *, slug: str, email: str, now: datetime, actor: str | None
) -> Contact:
    with store.transaction():
        customer = require(store, slug)
        contact = customer_store.contact_for(store, customer.id, email.strip().lower())
        if contact is None:
            raise InputError(
                f"'{email}' is not a contact of '{slug}'",
                hint=f"run `supportctl contact list {slug}`",
            )
        customer_store.delete_contact(store, contact.id)
        events.record(
            store,
            "contact.removed",
            at=now,
            actor=actor,
            customer_id=customer.id,
            data={"email": contact.email},
        )
    return contact


def effective_level(customer: Customer, day: date) -> str:
    return customer.level_on(day)
