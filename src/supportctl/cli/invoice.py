"""`invoice`: month-end reports, issuing and voiding invoices, one-off fees, templates.

`invoice 2026-10` is the short form of `invoice render 2026-10`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from supportctl.cli import complete
from supportctl.cli.common import CustomerOption, JsonFlag, get_app_context, sub_app

if TYPE_CHECKING:
    from supportctl.context import AppContext

invoice_app = sub_app(
    "Month-end invoice reports: render, issue (number and freeze), show, void; fees; templates.",
    default="render",
)
fee_app = sub_app("One-off fees billed on a customer's invoice (expedite, set-up, ...).")
invoice_app.add_typer(fee_app, name="fee")

FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="html, md, txt, csv or pdf (pdf needs the pdf extra).")
]


@invoice_app.command("render")
def render_cmd(
    ctx: typer.Context,
    month: Annotated[
        str, typer.Argument(help="The month, e.g. 2026-10.", autocompletion=complete.months)
    ],
    customer: CustomerOption = None,
    fmt: FormatOption = "html",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the reports here (default ./invoices/MONTH/)."),
    ] = None,
    issue: Annotated[
        bool,
        typer.Option("--issue", help="Number the invoices, record them and freeze the month."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --issue: issue a month that has not ended yet."),
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """Render one report per customer with work or fees in MONTH, and a summary.

    Without --issue the reports are drafts (no number, nothing stored). With --issue
    each gets the next number of the year, is recorded with its lines and documents,
    and its entries and customer-month are frozen. An already issued customer-month is
    written from its stored document, never re-rendered.

    Example:  supportctl invoice 2026-10 --customer acme --format md
    """
    from supportctl.render.invoice import emit_month_run
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    actor = app_ctx.actor(None, required=issue)
    store, config = app_ctx.store, app_ctx.config
    from supportctl.services.timebase import month as parse_month

    the_month = parse_month(month)  # parsed once here; passed on as a Month
    with _progress(app_ctx, "rendering invoices", quiet=json_) as progress:
        run = invoicing.render_month(
            store,
            config,
            the_month,
            fmt=fmt,
            out_dir=out,
            customer=customer,
            issue=issue,
            force=force,
            now=app_ctx.now(),
            actor=actor,
            progress=progress,
        )
    emit_month_run(app_ctx, run, as_json=json_)


@invoice_app.command("show")
def show_cmd(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The invoice number, e.g. 2026-0001.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Print the issued document (html, md, txt, csv, pdf) exactly."
        ),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Show an issued invoice, or print its issued document byte for byte.

    Example:  supportctl invoice show 2026-0001 --format html > 2026-0001.html
    """
    import sys

    from supportctl.render.invoice import emit_invoice
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    if fmt is not None:
        content = invoicing.document(app_ctx.store, number, fmt)
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    emit_invoice(app_ctx, invoicing.get(app_ctx.store, number), as_json=json_)


@invoice_app.command("list")
def list_cmd(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Argument(help="Only this month, e.g. 2026-10.", autocompletion=complete.months),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """List issued and voided invoices.

    Example:  supportctl invoice list 2026-10
    """
    from supportctl.render.invoice import emit_invoices
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    emit_invoices(app_ctx, invoicing.list_invoices(app_ctx.store, month), as_json=json_)


@invoice_app.command("void")
def void_cmd(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The invoice number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is voided (kept in history).")],
    json_: JsonFlag = False,
) -> None:
    """Void an issued invoice: the customer-month opens again; the number is never reused.

    An invoice that was sent gets a credit note with its own number, negated amounts.

    Example:  supportctl invoice void 2026-0001 --reason "wrong rate"
    """
    from supportctl.render.invoice import emit_invoice
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    info = invoicing.void(
        app_ctx.store,
        number,
        reason=reason,
        now=app_ctx.now(),
        actor=app_ctx.actor(None),
        config=app_ctx.config,
    )
    if json_:
        emit_invoice(app_ctx, info, as_json=True)
        return
    app_ctx.out.print(
        f"voided invoice {info.id} ({info.customer} {info.month}); {info.customer} {info.month} is open again",
        markup=False,
    )
    if info.credit_note:
        app_ctx.out.print(
            f"it was sent, so credit note {info.credit_note} credits it "
            f"(supportctl invoice show {info.credit_note} --format pdf)",
            markup=False,
        )


@invoice_app.command("send")
def send_cmd(
    ctx: typer.Context,
    number: Annotated[
        str | None, typer.Argument(help="The invoice number, e.g. 2026-0001.")
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", help="Send every issued, unsent invoice of MONTH.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would go where; send nothing.")
    ] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Send an invoice that was already sent once more.")
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """Mail issued invoices to the customers' billing addresses (PDF, else HTML).

    The mail is in the customer's language and carries the issued document byte for
    byte; each sending is recorded with the invoice. Drafts, void invoices and
    customers without a billing address are refused, and then nothing is sent.

    Example:  supportctl invoice send 2026-0001
    Example:  supportctl invoice send --month 2026-10 --dry-run
    """
    from supportctl.render.invoice import emit_sent
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    sent = invoicing.send(
        app_ctx.store,
        app_ctx.config,
        number=number,
        month=month,
        dry_run=dry_run,
        again=again,
        now=app_ctx.now(),
        actor=app_ctx.actor(None, required=not dry_run),
    )
    emit_sent(app_ctx, sent, as_json=json_)


@invoice_app.command("templates")
def templates_cmd(
    ctx: typer.Context,
    copy: Annotated[
        bool,
        typer.Option("--copy", help="Copy the default templates to <config dir>/templates/."),
    ] = False,
) -> None:
    """Show which invoice templates are used, or copy the defaults for editing.

    A file of the same name in <config dir>/templates/ overrides the default.

    Example:  supportctl invoice templates --copy
    """
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    out = app_ctx.out
    if copy:
        copied, kept = invoicing.copy_templates(app_ctx.config)
        for path in copied:
            out.print(f"copied  {path}", markup=False)
        for path in kept:
            out.print(f"kept    {path} (already there; not overwritten)", markup=False)
        return
    for name, path in invoicing.template_sources(app_ctx.config):
        out.print(f"{name}: {path}", markup=False)


@fee_app.command("add")
def fee_add_cmd(
    ctx: typer.Context,
    customer: Annotated[
        str, typer.Argument(help="Customer slug.", autocompletion=complete.customers)
    ],
    amount: Annotated[str, typer.Argument(help="Amount in the customer's currency, e.g. 120.00.")],
    description: Annotated[str, typer.Argument(help="What the fee is for.")],
    day: Annotated[
        str | None,
        typer.Option("--date", help="Date of the fee (default today): 2026-10-14 or 14.10.2026."),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Add a one-off fee to a customer's month.

    Example:  supportctl invoice fee add acme 120.00 "Expedited response" --date 2026-10-14
    """
    from supportctl.render.invoice import emit_fees
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    fee = invoicing.add_fee(
        app_ctx.store,
        app_ctx.config,
        slug=customer,
        amount=amount,
        description=description,
        day=day,
        now=app_ctx.now(),
        actor=app_ctx.actor(None, required=False),
    )
    if json_:
        emit_fees(app_ctx, [fee], as_json=True, single=True)
        return
    from supportctl.domain.money import format_plain

    app_ctx.out.print(
        f"fee {fee.id}: {fee.customer} {fee.day.isoformat()} {format_plain(fee.amount_minor, fee.currency)} {fee.description}",
        markup=False,
    )


@fee_app.command("list")
def fee_list_cmd(
    ctx: typer.Context,
    customer: CustomerOption = None,
    month: Annotated[
        str | None, typer.Option("--month", help="Only this month.", autocompletion=complete.months)
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """List one-off fees.

    Example:  supportctl invoice fee list --customer acme --month 2026-10
    """
    from supportctl.render.invoice import emit_fees
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    emit_fees(
        app_ctx, invoicing.list_fees(app_ctx.store, slug=customer, month=month), as_json=json_
    )


@fee_app.command("rm")
def fee_rm_cmd(
    ctx: typer.Context,
    fee_id: Annotated[int, typer.Argument(help="The fee id (see `invoice fee list`).")],
) -> None:
    """Remove a fee that is not on an issued invoice.

    Example:  supportctl invoice fee rm 3
    """
    from supportctl.services import invoicing

    app_ctx = get_app_context(ctx)
    fee = invoicing.remove_fee(
        app_ctx.store, fee_id, now=app_ctx.now(), actor=app_ctx.actor(None, required=False)
    )
    app_ctx.out.print(f"removed fee {fee.id} ({fee.customer} {fee.description})", markup=False)


class _progress:
    """A rich progress bar on stderr for long runs; nothing for short ones or --json."""

    def __init__(self, app_ctx: AppContext, label: str, *, quiet: bool) -> None:
        self.app_ctx = app_ctx
        self.label = label
        self.quiet = quiet
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.quiet or total < 20:
            return
        if self._bar is None:
            from rich.progress import Progress

            self._bar = Progress(console=self.app_ctx.err, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total)
        self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
