"""`init`, `demo`, `backup`, `customer`, `contact`, `team`, `config`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from datetime import datetime

    from supportctl.context import AppContext

from supportctl.cli.common import JsonFlag, get_app_context, sub_app

customer_app = sub_app(
    "Customers: plan, level, rates, VAT, billing step, included minutes, mail domains."
)
contact_app = sub_app("Contacts of a customer; --can-order marks designated contacts.")
team_app = sub_app("Developers: handles, skills with levels, absences.")
config_app = sub_app("Look at the configuration.")


def init_cmd(
    ctx: typer.Context,
    group: Annotated[
        str | None,
        typer.Option(
            "--group", help="Make the database 0660 for this Unix group (a shared server)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Your handle, written to the config as `user`.")
    ] = None,
) -> None:
    """Create the config file and the database (safe to run again).

    Example:  supportctl init --user alice
    """
    from supportctl.services.setup import init

    app_ctx = get_app_context(ctx)
    result = init(app_ctx.config_path, app_ctx.db_path, group=group, user=user)
    typer.echo(
        f"config:   {result.config_path} ({'created' if result.config_created else 'already there'})"
    )
    typer.echo(
        f"database: {result.db_path} ({'created' if result.db_created else 'already there, up to date'})"
    )
    if result.config_created:
        typer.echo(
            "next: supportctl customer add SLUG --name TEXT --plan maintenance|hosting|adhoc"
        )


def demo_cmd(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Build the workspace here (default: a new temp dir)."),
    ] = None,
) -> None:
    """Build a throw-away demo workspace that walks through the whole product.

    Example:  supportctl demo --dir /tmp/demo
    """
    import os
    import tempfile

    from supportctl.services import demo

    app_ctx = get_app_context(ctx)
    pinned = "SUPPORTCTL_NOW" in os.environ
    now = app_ctx.now() if pinned else _parse_now(demo.DEMO_NOW)
    target = directory or Path(tempfile.mkdtemp(prefix="supportctl-demo-"))
    ws = demo.build(target.expanduser().resolve(), now)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    _say(app_ctx, f"supportctl demo: a sample agency in {ws.directory}", bold=True)
    _say(app_ctx, f"(the demo's clock stands at {stamp}: a Monday morning)")
    for line in ws.lines:
        _say(app_ctx, "  " + line)
    for show in ws.shows:
        _say(app_ctx, "")
        _say(app_ctx, "$ " + show.title, bold=True)
        if show.argv is None:
            for line in show.lines:
                _say(app_ctx, line)
        else:
            _run_in_workspace(ws.db_path, ws.config_path, stamp, list(show.argv))
    _say(app_ctx, "")
    _say(app_ctx, "Look around (copy and paste):")
    prog, activate = _how_to_run()
    if activate:
        _say(app_ctx, f"  source {activate}   # puts supportctl on your PATH")
        prog = "supportctl"
    _say(
        app_ctx,
        f"  export SUPPORTCTL_DB={ws.db_path} SUPPORTCTL_CONFIG={ws.config_path}"
        f" SUPPORTCTL_NOW={stamp}",
    )
    for cmd in ws.look:
        _say(
            app_ctx,
            "  " + (prog + cmd[len("supportctl") :] if cmd.startswith("supportctl ") else cmd),
        )


def _how_to_run() -> tuple[str, str | None]:
    """How the person can type this program: `supportctl` when that is on PATH and is
    this program; else the path it was started by, or the virtualenv's `activate`
    script (as a path to source first) when there is one."""
    import shutil
    import sys

    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is None or started.name != "supportctl":
        return f"{Path(sys.executable)} -m supportctl", None
    found = shutil.which("supportctl")
    if found and Path(found).resolve() == started.resolve():
        return "supportctl", None
    activate = started.parent / "activate"
    if activate.is_file():
        return str(started), _relative(activate)
    return _relative(started), None


def _relative(path: Path) -> str:
    """`./.venv/bin/x` for a path below the current folder, else the absolute path."""
    import os

    absolute = path.absolute()
    try:
        return "./" + str(absolute.relative_to(Path(os.getcwd())))
    except ValueError:
        return str(absolute)


def _parse_now(text: str) -> datetime:
    from datetime import datetime

    return datetime.fromisoformat(text)


def _say(app_ctx: AppContext, line: str, *, bold: bool = False) -> None:
    import sys

    if bold and app_ctx.is_terminal():
        from rich.text import Text

        app_ctx.out.print(Text(line, style="bold"))
    else:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _run_in_workspace(db: Path, config: Path, now: str, argv: list[str]) -> None:
    """Run one real command against the demo workspace, as the user would type it."""
    import os

    from typer.main import get_command

    from supportctl.cli import app

    saved = os.environ.get("SUPPORTCTL_NOW")
    os.environ["SUPPORTCTL_NOW"] = now
    try:
        get_command(app).main(
            ["--db", str(db), "--config", str(config), *argv],
            prog_name="supportctl",
            standalone_mode=False,
        )
    finally:
        if saved is None:
            del os.environ["SUPPORTCTL_NOW"]
        else:
            os.environ["SUPPORTCTL_NOW"] = saved


def backup_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """Write a consistent copy of the database, safe while others are writing.

    Example:  supportctl backup ~/backups/support-2026-10-31.db
    """
    from supportctl.services.setup import backup

    app_ctx = get_app_context(ctx)
    target = backup(app_ctx.store, path.expanduser())
    typer.echo(f"backup written to {target}")


def doctor_cmd(ctx: typer.Context) -> None:
    """Explain whether you can use the config and the database, and how to fix it.

    For a team sharing one database (`init --group`): who owns the folder and the
    files, whether you can write them, and what to run when you cannot.

    Example:  supportctl doctor
    """
    from supportctl.errors import ExitCode
    from supportctl.render.safe import term_safe
    from supportctl.services.doctor import check

    app_ctx = get_app_context(ctx)
    findings = check(app_ctx.config_path, app_ctx.db_path)
    for finding in findings:
        typer.echo(f"{'ok' if finding.ok else 'problem':8} {term_safe(finding.what)}")
        if finding.fix:
            typer.echo(f"{'':8} fix: {term_safe(finding.fix)}")
    problems = sum(1 for f in findings if not f.ok)
    if problems:
        typer.echo(f"{problems} problem{'s' if problems != 1 else ''} found", err=True)
        raise typer.Exit(int(ExitCode.STORE))
    typer.echo("no problems found")


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
    slug: Annotated[str, typer.Argument(help="The customer.")],
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
    slug: Annotated[str, typer.Argument(help="The customer.")],
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
    customer: Annotated[str, typer.Argument(help="The customer's slug.")],
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
    customer: Annotated[str | None, typer.Argument(help="Only this customer's contacts.")] = None,
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
    customer: Annotated[str, typer.Argument(help="The customer's slug.")],
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


# --- team -------------------------------------------------------------------------

SkillOpt = Annotated[
    list[str] | None,
    typer.Option("--skill", help="NAME:LEVEL with level 1-5, e.g. wordpress:5 (repeatable)."),
]
AwayOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--away",
        help="Absence: 2026-12-21..2027-01-06, 21.12.2026..6.1.2027 or one day (repeatable).",
    ),
]


@team_app.command("add")
def team_add(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Short handle, e.g. alice.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    email: Annotated[
        str, typer.Option("--email", help="Work e-mail; their mail on a thread counts as ours.")
    ],
    skill: SkillOpt = None,
    away: AwayOpt = None,
    json_: JsonFlag = False,
) -> None:
    """Add a developer to the team.

    Example:  supportctl team add alice --name "Alice Mäkinen" --email alice@agency.fi --skill wordpress:5 --skill php:4
    """
    from supportctl.render.team import emit_people
    from supportctl.services import team

    app_ctx = get_app_context(ctx)
    person = team.add(
        app_ctx.store,
        handle=handle,
        name=name,
        email=email,
        skills=skill or [],
        away=away or [],
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
        today=app_ctx.today() if away else None,
    )
    if json_:
        emit_people(app_ctx, [person], as_json=True, single=True)
    else:
        typer.echo(f"added {person.handle} ({person.name})")


@team_app.command("edit")
def team_edit(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The team member.")],
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Work e-mail.")] = None,
    skill: SkillOpt = None,
    remove_skill: Annotated[
        list[str] | None, typer.Option("--remove-skill", help="Drop a skill (repeatable).")
    ] = None,
    away: AwayOpt = None,
    clear_away: Annotated[
        bool, typer.Option("--clear-away", help="Forget all absences first.")
    ] = False,
    active: Annotated[
        bool | None,
        typer.Option("--active/--left", help="--left: no longer in the team (kept in history)."),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Change a team member: name, e-mail, skills, absences, or leaving.

    Example:  supportctl team edit bob --skill dns:5 --away 2026-12-21..2027-01-06
    """
    from supportctl.render.team import emit_people
    from supportctl.services import team

    app_ctx = get_app_context(ctx)
    person = team.edit(
        app_ctx.store,
        handle=handle,
        name=name,
        email=email,
        skills=skill or [],
        remove_skills=remove_skill or [],
        away=away or [],
        clear_away=clear_away,
        active=active,
        now=app_ctx.now(),
        actor=app_ctx.actor(required=False),
        today=app_ctx.today() if away else None,
    )
    if json_:
        emit_people(app_ctx, [person], as_json=True, single=True)
    else:
        typer.echo(f"updated {person.handle}")
    if active is False or away:
        from supportctl.services import rota

        stranded = [
            p
            for p in rota.problems(app_ctx.store, app_ctx.config, now=app_ctx.now())
            if p.owner == person.handle
        ]
        if stranded:
            count = len(stranded)
            typer.echo(
                f"warning: {person.handle} owns {count} open ticket{'s' if count != 1 else ''}; "
                "see `supportctl rota show --problems`",
                err=True,
            )


@team_app.command("list")
def team_list(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the team with skills and absences.

    Example:  supportctl team list --json
    """
    from supportctl.render.team import emit_people
    from supportctl.services import team

    app_ctx = get_app_context(ctx)
    emit_people(app_ctx, team.list_people(app_ctx.store), as_json=json_)


@config_app.command("show")
def config_show(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """Show the configuration in force (secrets are never printed).

    Example:  supportctl config show
    """
    from supportctl.render.jsonout import emit_json, to_jsonable

    app_ctx = get_app_context(ctx)
    cfg = app_ctx.config
    data = {
        "path": str(cfg.path),
        "exists": cfg.exists,
        "database": str(app_ctx.db_path),
        "user": cfg.user,
        "agency": to_jsonable(cfg.agency),
        "imap": [
            {**to_jsonable(a), "password_command": "••••" if a.password_command else None}
            for a in cfg.imap
        ],
        "smtp": None
        if cfg.smtp is None
        else {
            **to_jsonable(cfg.smtp),
            "password_command": "••••" if cfg.smtp.password_command else None,
        },
        "alerts": {
            "mail": cfg.alerts.mail,
            "command": cfg.alerts.command,
            "timeout_seconds": cfg.alerts.timeout_seconds,
        },
    }
    if json_:
        emit_json(data)
        return
    from supportctl.render.tables import keyvalue

    keyvalue(
        app_ctx,
        f"config {data['path']}" + ("" if cfg.exists else " (not written yet: defaults)"),
        [
            ("database", data["database"]),
            ("user", cfg.user or "-"),
            *[(f"agency.{k}", v) for k, v in data["agency"].items()],
            ("imap accounts", ", ".join(a.name for a in cfg.imap) or "-"),
            ("smtp", cfg.smtp.host if cfg.smtp else "-"),
            ("alerts", ", ".join(cfg.alerts.channels) or "-"),
        ],
    )
