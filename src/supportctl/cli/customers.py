"""`customer` and `contact`: customers, their mail domains and contacts."""

from __future__ import annotations

from typing import Annotated

import typer

from supportctl.cli import complete
from supportctl.cli.common import JsonFlag, get_app_context, sub_app

customer_app = sub_app(
    "Customers: plan, level, rates, VAT, billing step, included minutes, mail domains."
)
contact_app = sub_app("Contacts of a customer; --can-order marks designated contacts.")


# --- customers --------------------------------------------------------------------

Name = Annotated[str | None, typer.Option("--name", help="Display and invoice name.")]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="maintenance, hosting or adhoc.")]
LevelOpt = Annotated[
    str | None, typer.Option("--level", help="light, standard (default) or premium.")
]
RateOpt = Annotated[
    str | None, typer.Option("--rate", help="Hourly rate, e.g. 60.00 (default: the agency's).")
]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="EUR, CZK, ... (default: the agency's).")
]
VatOpt = Annotated[
    str | None, typer.Option("--vat", help="VAT percentage, e.g. 25.5 (default: the agency's).")
]
IncludedOpt = Annotated[
    int | None, typer.Option("--included-minutes", help="Work included per month (maintenance).")
]
LocaleOpt = Annotated[
    str | None, typer.Option("--locale", help="fi_FI, cs_CZ, en (default: from the country).")
]
DomainOpt = Annotated[
    list[str] | None, typer.Option("--domain", help="Mail domain of the customer (repeatable).")
]
HoursOpt = Annotated[
    str | None, typer.Option("--hours", help="Coverage: business (default) or 24x7.")
]
ReactionOpt = Annotated[
    str | None, typer.Option("--reaction", help="Contractual reaction time, e.g. 15m.")
]
StepOpt = Annotated[
    str | None, typer.Option("--billing-step", help="Bill in started steps, e.g. 15m (default 1m).")
]
AddressOpt = Annotated[
    str | None, typer.Option("--address", help="Billing address (use \\n for new lines).")
]
VatIdOpt = Annotated[
    str | None, typer.Option("--vat-id", help="Customer's VAT ID, e.g. FI12345678.")
]
CountryOpt = Annotated[
    str | None, typer.Option("--country", help="Two-letter country (default: from the VAT ID).")
]

MonthlyFeeOpt = Annotated[
    str | None,
    typer.Option(
        "--monthly-fee", help="The plan's fee billed every month, e.g. 290.00 (0 for none)."
    ),
]
PlanStartOpt = Annotated[
    str | None,
    typer.Option("--plan-start", help="First day of the plan: its first fee is pro-rated by days."),
]
PlanEndOpt = Annotated[
    str | None,
    typer.Option(
        "--plan-end", help="Last day of the plan ('none' clears): fee pro-rated, then none."
    ),
]
BillingEmailOpt = Annotated[
    str | None,
    typer.Option("--billing-email", help="Where `invoice send` mails invoices ('' clears)."),
]
TimezoneOpt = Annotated[
    str | None,
    typer.Option(
        "--timezone", help="Customer's time zone for invoice times (default: its country's)."
    ),
]
CompanyIdOpt = Annotated[
    str | None, typer.Option("--company-id", help="Business ID (Y-tunnus, IČO) for invoices.")
]


def _address(text: str | None) -> str | None:
    return None if text is None else text.replace("\\n", "\n")


@customer_app.command("add")
def customer_add(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Short id used everywhere, e.g. acme.")],
    name: Name = None,
    plan: PlanOpt = None,
    level: LevelOpt = None,
    rate: RateOpt = None,
    currency: CurrencyOpt = None,
    vat: VatOpt = None,
    included_minutes: IncludedOpt = None,
    locale: LocaleOpt = None,
    domain: DomainOpt = None,
    hours: HoursOpt = None,
    reaction: ReactionOpt = None,
    billing_step: StepOpt = None,
    carry_over: Annotated[
        bool, typer.Option("--carry-over", help="Unused included minutes carry one month.")
    ] = False,
    address: AddressOpt = None,
    vat_id: VatIdOpt = None,
    country: CountryOpt = None,
    monthly_fee: MonthlyFeeOpt = None,
    plan_start: PlanStartOpt = None,
    plan_end: PlanEndOpt = None,
    company_id: CompanyIdOpt = None,
    billing_email: BillingEmailOpt = None,
    timezone: TimezoneOpt = None,
    json_: JsonFlag = False,
) -> None:
    """Add a customer.

    Example:  supportctl customer add acme --name "Acme Oy" --plan maintenance --level premium --included-minutes 600 --domain acme.fi
    """
    from supportctl.render.customers import emit_customer
    from supportctl.services import customers
    from supportctl.services.customers import CustomerInput

    app_ctx = get_app_context(ctx)
    data = CustomerInput(
        name=name,
        plan=plan,
        level=level,
        rate=rate,
        currency=currency,
        vat=vat,
        included_minutes=included_minutes,
        locale=locale,
        domains=tuple(domain or ()),
        hours=hours,
        reaction=reaction,
        billing_step=billing_step,
        carry_over=carry_over or None,
        address=_address(address),
        vat_id=vat_id,
        country=country,
        monthly_fee=monthly_fee,
        plan_start=plan_start,
        plan_end=plan_end,
        company_id=company_id,
        billing_email=billing_email,
        timezone=timezone,
    )
    customer = customers.add(
        app_ctx.store,
        app_ctx.config,
        slug=slug,
        data=data,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
    )
    emit_customer(app_ctx, customer, as_json=json_, verb="added")


@customer_app.command("edit")
def customer_edit(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The customer.", autocompletion=complete.customers)],
    name: Name = None,
    plan: PlanOpt = None,
    level: LevelOpt = None,
    rate: RateOpt = None,
    vat: VatOpt = None,
    included_minutes: IncludedOpt = None,
    locale: LocaleOpt = None,
    domain: DomainOpt = None,
    remove_domain: Annotated[
        list[str] | None, typer.Option("--remove-domain", help="Drop a mail domain (repeatable).")
    ] = None,
    hours: HoursOpt = None,
    reaction: ReactionOpt = None,
    billing_step: StepOpt = None,
    carry_over: Annotated[
        bool | None,
        typer.Option(
            "--carry-over/--no-carry-over", help="Unused included minutes carry one month."
        ),
    ] = None,
    address: AddressOpt = None,
    vat_id: VatIdOpt = None,
    country: CountryOpt = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="With --level/--hours: a temporary raise until this date."),
    ] = None,
    monthly_fee: MonthlyFeeOpt = None,
    plan_start: PlanStartOpt = None,
    plan_end: PlanEndOpt = None,
    company_id: CompanyIdOpt = None,
    billing_email: BillingEmailOpt = None,
    timezone: TimezoneOpt = None,
    json_: JsonFlag = False,
) -> None:
    """Change a customer; with --until a raised level or coverage is temporary.

    Example:  supportctl customer edit acme --level premium --until 2026-12-31
    Example:  supportctl customer edit acme --monthly-fee 290.00 --plan-start 2026-10-16
    """
    from supportctl.render.customers import emit_customer
    from supportctl.services import customers
    from supportctl.services.customers import CustomerInput

    app_ctx = get_app_context(ctx)
    data = CustomerInput(
        name=name,
        plan=plan,
        level=level,
        rate=rate,
        vat=vat,
        included_minutes=included_minutes,
        locale=locale,
        domains=tuple(domain or ()),
        remove_domains=tuple(remove_domain or ()),
        hours=hours,
        reaction=reaction,
        billing_step=billing_step,
        carry_over=carry_over,
        address=_address(address),
        vat_id=vat_id,
        country=country,
        until=until,
        monthly_fee=monthly_fee,
        plan_start=plan_start,
        plan_end=plan_end,
        company_id=company_id,
        billing_email=billing_email,
        timezone=timezone,
    )
    customer = customers.edit(
        app_ctx.store,
        slug=slug,
        data=data,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
        today=app_ctx.today() if until is not None else None,
    )
    emit_customer(app_ctx, customer, as_json=json_, verb="updated")


@customer_app.command("list")
def customer_list(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List customers.

    Example:  supportctl customer list --json
    """
    from supportctl.render.customers import emit_customer_list
    from supportctl.services import customers

    app_ctx = get_app_context(ctx)
    emit_customer_list(app_ctx, customers.list_customers(app_ctx.store), as_json=json_)


@customer_app.command("show")
def customer_show(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The customer.", autocompletion=complete.customers)],
    json_: JsonFlag = False,
) -> None:
    """Show one customer with its contacts.

    Example:  supportctl customer show acme
    """
    from supportctl.render.customers import emit_customer
    from supportctl.services import customers

    app_ctx = get_app_context(ctx)
    customer = customers.require(app_ctx.store, slug)
    emit_customer(
        app_ctx, customer, as_json=json_, contacts=customers.list_contacts(app_ctx.store, slug)
    )


# --- contacts ---------------------------------------------------------------------


@contact_app.command("add")
def contact_add(
    ctx: typer.Context,
    customer: Annotated[
        str, typer.Argument(help="The customer's slug.", autocompletion=complete.customers)
    ],
    email: Annotated[str, typer.Argument(help="The contact's e-mail address.")],
    name: Annotated[str, typer.Option("--name", help="The contact's name.")] = "",
    can_order: Annotated[
        bool, typer.Option("--can-order", help="A designated contact: may order billable work.")
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """Add a contact to a customer.

    Example:  supportctl contact add acme matti@acme.fi --name "Matti Virtanen" --can-order
    """
    from supportctl.render.customers import emit_contacts
    from supportctl.services import customers

    app_ctx = get_app_context(ctx)
    contact = customers.add_contact(
        app_ctx.store,
        slug=customer,
        email=email,
        name=name,
        can_order=can_order,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
    )
    if json_:
        emit_contacts(app_ctx, [contact], as_json=True, single=True)
    else:
        kind = "designated contact" if contact.can_order else "contact"
        typer.echo(f"added {kind} {contact.email} to {customer}")


@contact_app.command("list")
def contact_list(
    ctx: typer.Context,
    customer: Annotated[
        str | None,
        typer.Argument(help="Only this customer's contacts.", autocompletion=complete.customers),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """List contacts, all or one customer's.

    Example:  supportctl contact list acme
    """
    from supportctl.render.customers import emit_contacts
    from supportctl.services import customers

    app_ctx = get_app_context(ctx)
    emit_contacts(app_ctx, customers.list_contacts(app_ctx.store, customer), as_json=json_)


@contact_app.command("edit")
def contact_edit(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer's slug.")],
    email: Annotated[str, typer.Argument(help="The contact's e-mail address.")],
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    new_email: Annotated[
        str | None, typer.Option("--email", metavar="ADDR", help="A new e-mail address.")
    ] = None,
    can_order: Annotated[
        bool | None,
        typer.Option(
            "--can-order/--no-can-order",
            help="A designated contact (may order billable work), or no longer.",
        ),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Change a contact: rename, a new address, designated or not.

    Example:  supportctl contact edit acme liisa@acme.fi --name "Liisa Korhonen" --can-order
    """
    from supportctl.render.customers import emit_contacts
    from supportctl.services import customers

    app_ctx = get_app_context(ctx)
    contact = customers.edit_contact(
        app_ctx.store,
        slug=customer,
        email=email,
        new_email=new_email,
        name=name,
        can_order=can_order,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
    )
    if json_:
        emit_contacts(app_ctx, [contact], as_json=True, single=True)
    else:
        kind = "designated contact" if contact.can_order else "contact"
        typer.echo(f"updated {kind} {contact.email} of {customer}")


@contact_app.command("remove")
def contact_remove(
    ctx: typer.Context,
    customer: Annotated[
        str, typer.Argument(help="The customer's slug.", autocompletion=complete.customers)
    ],
    email: Annotated[str, typer.Argument(help="The contact's e-mail address.")],
) -> None:
    """Remove a contact from a customer.

    Example:  supportctl contact remove acme liisa@acme.fi
    """
    from supportctl.services import customers

    app_ctx = get_app_context(ctx)
    contact = customers.remove_contact(
        app_ctx.store,
        slug=customer,
        email=email,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
    )
    typer.echo(f"removed {contact.email} from {customer}")
