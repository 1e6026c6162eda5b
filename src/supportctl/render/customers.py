"""Customers and contacts for people (rich) and scripts (JSON)."""

from __future__ import annotations

from typing import Any

from supportctl.domain.durations import format_minutes
from supportctl.domain.models import Contact, Customer
from supportctl.domain.money import format_plain
from supportctl.render.jsonout import emit_json
from supportctl.render.screen import Screen
from supportctl.render.tables import Col, keyvalue, table


def customer_json(c: Customer, contacts: list[Contact] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": c.slug,
        "name": c.name,
        "plan": c.plan,
        "level": c.level,
        "rate": {"amount_minor": c.rate.amount_minor, "currency": c.rate.currency},
        "currency": c.rate.currency,
        "vat": c.vat,
        "included_minutes": c.included_minutes,
        "locale": c.locale,
        "hours": c.hours,
        "reaction_minutes": c.reaction_minutes,
        "billing_step_minutes": c.billing_step_minutes,
        "carry_over": c.carry_over,
        "domains": list(c.domains),
        "address": c.address,
        "vat_id": c.vat_id,
        "company_id": c.company_id,
        "billing_email": c.billing_email or None,
        "timezone": c.timezone or None,
        "country": c.country,
        "monthly_fee": {"amount_minor": c.monthly_fee_minor, "currency": c.rate.currency},
        "plan_start": c.plan_start.isoformat() if c.plan_start else None,
        "plan_end": c.plan_end.isoformat() if c.plan_end else None,
        "raise": None
        if not c.raise_until
        else {
            "level": c.raise_level,
            "hours": c.raise_hours,
            "until": c.raise_until.isoformat(),
        },
    }
    if contacts is not None:
        data["contacts"] = [contact_json(ct) for ct in contacts]
    return data


def contact_json(ct: Contact) -> dict[str, Any]:
    return {
        "id": ct.email,
        "customer": ct.customer,
        "email": ct.email,
        "name": ct.name,
        "can_order": ct.can_order,
    }


def emit_customer(
    app_ctx: Screen,
    c: Customer,
    *,
    as_json: bool,
    contacts: list[Contact] | None = None,
    verb: str | None = None,
) -> None:
    if as_json:
        emit_json(customer_json(c, contacts))
        return
    if verb:
        print(f"{verb} customer {c.slug}")
        return
    raise_text = "-"
    if c.raise_until:
        parts = [p for p in (c.raise_level, c.raise_hours) if p]
        raise_text = f"{' + '.join(parts)} until {c.raise_until}"
    keyvalue(
        app_ctx,
        f"{c.slug}: {c.name}",
        [
            ("plan", c.plan),
            ("level", c.level),
            ("temporary raise", raise_text),
            ("coverage", c.hours),
            ("reaction time", format_minutes(c.reaction_minutes) if c.reaction_minutes else "-"),
            ("hourly rate", format_plain(c.rate.amount_minor, c.rate.currency)),
            ("VAT", f"{c.vat} %"),
            (
                "included work",
                f"{format_minutes(c.included_minutes)} / month"
                + (" (carries over one month)" if c.carry_over else ""),
            ),
            (
                "billing step",
                "per minute"
                if c.billing_step_minutes == 1
                else f"per started {format_minutes(c.billing_step_minutes)}",
            ),
            (
                "monthly fee",
                format_plain(c.monthly_fee_minor, c.rate.currency)
                + (f" from {c.plan_start}" if c.plan_start else "")
                + (f" until {c.plan_end}" if c.plan_end else "")
                if c.monthly_fee_minor
                else "-",
            ),
            ("locale", c.locale),
            ("mail domains", ", ".join(c.domains) or "-"),
            ("VAT ID", c.vat_id or "-"),
            ("business ID", c.company_id or "-"),
            ("country", c.country),
            ("billing address", c.address.replace("\n", ", ") or "-"),
            ("invoices mailed to", c.billing_email or "-"),
            ("time zone", c.timezone or "(its country's)"),
        ],
    )
    if contacts is not None:
        print()
        emit_contacts(app_ctx, contacts, as_json=False)


def _level_letter(cell: Any) -> Any:
    from supportctl.render.inbox import level_letter

    return level_letter(cell)


def emit_customer_list(app_ctx: Screen, items: list[Customer], *, as_json: bool) -> None:
    if as_json:
        emit_json([customer_json(c) for c in items])
        return
    table(
        app_ctx,
        [
            Col("id"),
            Col("name", flex=True),
            Col("plan", give=4),
            Col("level", give=1, short=_level_letter, short_name="l", eager=True),
            Col("rate", right=True),
            Col("included", right=True, give=3),
            Col("domains", cap=30, give=2, narrow=14),
        ],
        [
            (
                c.slug,
                c.name,
                c.plan,
                c.level,
                format_plain(c.rate.amount_minor, c.rate.currency),
                format_minutes(c.included_minutes) if c.included_minutes else "-",
                ", ".join(c.domains),
            )
            for c in items
        ],
        empty="no customers yet; add one with `supportctl customer add SLUG --plan ...`",
    )


def emit_contacts(
    app_ctx: Screen, items: list[Contact], *, as_json: bool, single: bool = False
) -> None:
    if as_json:
        emit_json(contact_json(items[0]) if single else [contact_json(ct) for ct in items])
        return
    table(
        app_ctx,
        [Col("email"), Col("customer"), Col("name", flex=True), Col("may order")],
        [(ct.email, ct.customer, ct.name, "yes" if ct.can_order else "") for ct in items],
        empty="no contacts",
    )
