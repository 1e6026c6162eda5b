"""Month-end: build each customer's invoice report, render it, issue and void invoices.

`build` turns a customer-month into one typed `InvoiceReport`: the time log supplies
the entries with their billable classes (`services.timesheet.month_rows`, never
re-derived here) and the quota; `domain.billing` does the money. Every output format,
`--json` included, is made from that one object.

Issuing is one transaction for the whole run: numbers come from a per-year sequence
that only ever grows (a voided number is never handed out again), and the invoice,
its lines and the exact bytes of every rendered document are stored together. An
issued customer-month is frozen: the time log refuses edits there, a later render
writes the stored bytes instead of re-rendering, and only `void` reopens it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain import billing
from supportctl.domain.billing import (
    ClassTotal,
    FeeLine,
    InvoiceReport,
    Party,
    PaymentInfo,
    PlanFeeLine,
    QuotaLine,
    ReportLine,
)
from supportctl.domain.money import parse_amount
from supportctl.domain.timeutil import from_utc_text, to_utc_text, zone
from supportctl.errors import InputError
from supportctl.store import customers as customer_store
from supportctl.store import events
from supportctl.store import invoices as invoice_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import BankAccount, Config
    from supportctl.domain.models import Customer
    from supportctl.services.timesheet import MonthOfAll

STORED_FORMATS = ("html", "md", "txt", "csv")
Progress = Callable[[int, int], None]


_zone = zone  # domain.timeutil.zone


def check_month(month: str) -> str:
    from supportctl.services.timebase import month as parse

    return parse(month)


def month_days(month: str) -> tuple[date, date]:
    from supportctl.domain.month import Month

    value = Month.parse(month)
    return value.first_day(), value.last_day()


def _lines_of(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def payment_info(
    bank: BankAccount,
    *,
    agency_name: str,
    reference_kind: str,
    number: str | None,
    currency: str,
    gross_minor: int,
    due: date,
    locale: str,
) -> PaymentInfo:
    """The payment block of an invoice: account, reference, barcode and QR code text.

    CZK invoices are paid by variabilní symbol and carry the QR Platba code; EUR
    invoices carry the Finnish or RF reference and the EPC QR code, and the bank
    barcode when the account is Finnish. A draft has no reference, so nothing a
    banking app could pay from.
    """
    from supportctl.domain import payment

    czech = currency == "CZK"
    vs = payment.variable_symbol(number) if number and (czech or locale.startswith("cs")) else None
    kind = "vs" if czech else reference_kind
    reference = None
    barcode = qr_kind = qr_payload = None
    if number is not None:
        reference = vs if czech else payment.reference_for(number, reference_kind)
        if czech and gross_minor > 0:
            qr_kind = "spd"
            qr_payload = payment.spd_payload(
                iban=bank.iban,
                bic=bank.bic,
                amount_minor=gross_minor,
                currency=currency,
                variable_symbol=vs,
                constant_symbol=bank.constant_symbol or None,
                due=due,
                message=f"Faktura {number}",
            )
        elif currency == "EUR" and gross_minor > 0 and reference is not None:
            qr_kind = "epc"
            qr_payload = payment.epc_qr_payload(
                bic=bank.bic,
                name=agency_name,
                iban=bank.iban,
                amount_minor=gross_minor,
                reference=reference,
            )
            if bank.iban.startswith("FI"):
                barcode = payment.virtual_barcode(bank.iban, gross_minor, reference, due)
    return PaymentInfo(
        iban=bank.iban,
        bic=bank.bic,
        bank_name=bank.bank_name,
        account=bank.account,
        reference=reference,
        reference_kind=kind,
        variable_symbol=vs,
        constant_symbol=bank.constant_symbol,
        barcode=barcode,
        qr_kind=qr_kind,
        qr_payload=qr_payload,
    )


def plan_fee_line(customer: Customer, month: str) -> PlanFeeLine | None:
    """The plan's monthly fee for `month`, pro-rated by days at the plan's start or end."""
    if customer.monthly_fee_minor <= 0:
        return None
    first, last = month_days(month)
    days, in_month, amount = billing.prorated_fee(
        customer.monthly_fee_minor, first, last, customer.plan_start, customer.plan_end
    )
    if days <= 0:
        return None
    start = max(first, customer.plan_start) if customer.plan_start else first
    end = min(last, customer.plan_end) if customer.plan_end else last
    return PlanFeeLine(
        customer.plan, start, end, days, in_month, customer.monthly_fee_minor, amount
    )


def maintenance_plan_sizes(store: Store) -> tuple[int, ...]:
    """Included minutes of the maintenance plans the agency sells (its customers' plans)."""
    return customer_store.maintenance_plan_sizes(store)


def build(
    store: Store,
    config: Config,
    customer: Customer,
    month: str,
    *,
    now: datetime,
    number: str | None = None,
    status: str = "draft",
    issued_at: datetime | None = None,
    plan_sizes: tuple[int, ...] | None = None,
    month_data: MonthOfAll | None = None,
) -> InvoiceReport:
    """The customer-month as an InvoiceReport (draft unless `number` is given).

    `month_data` (`timesheet.month_of_all`) holds every customer's entries of the month,
    read once for a whole month of invoices; without it the customer-month is read here.
    """
    from supportctl.services.timesheet import quota_for

    agency = config.agency
    zone = _zone(agency.timezone)
    shown_tz = customer.zone_name(agency.timezone)
    shown = zone if shown_tz == agency.timezone else _zone(shown_tz)
    if month_data is None:
        from supportctl.services.timesheet import month_rows

        rows = month_rows(store, customer.id, month, tz=agency.timezone)
        quotas = None
    else:
        rows = month_data.rows.get(customer.slug, [])
        quotas = month_data.quotas
    step = customer.billing_step_minutes
    rate = customer.rate.amount_minor
    lines: list[ReportLine] = []
    awaiting: list[ReportLine] = []
    amounts: dict[int, int] = {}
    for row in rows:
        start = row.start_at.astimezone(shown)
        end = row.end_at.astimezone(shown)
        offset = 0
        last = len(row.parts) - 1
        for i, part in enumerate(row.parts):
            part_start = start + timedelta(minutes=offset) if offset else start
            offset += part.minutes
            part_end = end if i == last else start + timedelta(minutes=offset)
            if part.cls == "billable":
                billed = billing.billed_minutes(part.minutes, step)
                amount = amounts.get(billed)
                if amount is None:  # one Decimal computation per distinct length
                    amount = amounts[billed] = billing.line_amount_minor(billed, rate)
            else:
                billed, amount = part.minutes, 0
            line = ReportLine(
                entry_id=row.id,
                day=row.date if shown is zone else start.date(),
                start=part_start,
                end=part_end,
                minutes=part.minutes,
                billed_minutes=billed,
                person=row.person,
                ticket=row.ticket,
                description=row.description,
                cls=part.cls,
                is_extra=part.is_extra,
                part=part.part,
                amount_minor=amount,
                corrects=row.corrects_invoice,
            )
            (awaiting if part.cls == "needs-approval" else lines).append(line)
    fees = tuple(
        FeeLine(r["id"], date.fromisoformat(r["day"]), r["description"], r["amount_minor"])
        for r in invoice_store.fees_for(store, customer.id, month)
    )
    plan_fee = plan_fee_line(customer, month)
    reverse = billing.is_reverse_charge(customer.country, customer.vat_id, agency.country)
    tot = billing.totals(
        (ln.amount_minor for ln in lines if ln.cls == "billable"),
        (*(f.amount_minor for f in fees), *((plan_fee.amount_minor,) if plan_fee else ())),
        Decimal(customer.vat),
        reverse_charge=reverse,
    )
    quota = None
    if customer.plan == "maintenance":
        known = quotas.get(customer.slug) if quotas is not None else None
        q = known or quota_for(store, customer, month, tz=agency.timezone)
        quota = QuotaLine(q.included_minutes, q.carried_in_minutes, q.used_minutes, q.left_minutes)
    billable_minutes = sum(ln.billed_minutes for ln in lines if ln.cls == "billable")
    hint = None
    if customer.plan == "hosting":
        sizes = plan_sizes if plan_sizes is not None else maintenance_plan_sizes(store)
        hint = billing.plan_that_fits(billable_minutes, sizes)
    issue_day = (issued_at or now).astimezone(zone).date()
    first, last_day = month_days(month)
    due = issue_day + timedelta(days=agency.payment_terms_days)
    currency = customer.rate.currency
    bank = config.banks.get(currency)
    pay = None
    if bank is not None:
        pay = payment_info(
            bank,
            agency_name=agency.name,
            reference_kind=agency.reference,
            number=number,
            currency=currency,
            gross_minor=tot.gross_minor,
            due=due,
            locale=customer.locale,
        )
    return InvoiceReport(
        month=month,
        period_start=first,
        period_end=last_day,
        number=number,
        status=status,
        issue_date=issue_day,
        due_date=due,
        agency=Party(
            agency.name,
            _lines_of(agency.address),
            agency.vat_id,
            agency.country,
            agency.company_id,
        ),
        payment=pay,
        payment_terms_days=agency.payment_terms_days,
        customer_slug=customer.slug,
        customer=Party(
            customer.name,
            _lines_of(customer.address),
            customer.vat_id,
            customer.country,
            customer.company_id,
        ),
        plan=customer.plan,
        locale=customer.locale,
        currency=currency,
        rate_minor=rate,
        billing_step_minutes=step,
        lines=tuple(lines),
        awaiting=tuple(awaiting),
        fees=fees,
        class_totals=billing.class_totals(lines + awaiting),
        quota=quota,
        billable_minutes=billable_minutes,
        extra_count=sum(1 for ln in lines if ln.is_extra),
        net_minor=tot.net_minor,
        vat_percent=tot.vat_percent,
        vat_minor=tot.vat_minor,
        gross_minor=tot.gross_minor,
        is_reverse_charge=tot.is_reverse_charge,
        plan_hint_minutes=hint,
        supply_date=last_day if agency.supply_date == "month-end" else issue_day,
        timezone=shown_tz,
        plan_fee=plan_fee,
    )


# --- rendering a month -------------------------------------------------------------


@dataclass(frozen=True)
class RenderedReport:
    customer: str
    number: str | None
    status: str  # draft | issued (now) | frozen (issued before; stored bytes written)
    path: Path | None
    currency: str
    billable_minutes: int
    included_used_minutes: int | None
    included_left_minutes: int | None
    net_minor: int
    vat_minor: int
    gross_minor: int
    plan_hint_minutes: int | None
    report: InvoiceReport | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MonthRun:
    month: str
    format: str
    out_dir: Path
    issued: bool
    reports: list[RenderedReport]


def _user_dir(config: Config) -> Path:
    from supportctl.render.invoice import user_templates_dir

    return user_templates_dir(config.config_dir)


def _customers_for(
    store: Store, config: Config, month: str, customer: str | None
) -> list[Customer]:
    from supportctl.services.timebase import month_bounds

    if customer is not None:
        found = customer_store.get_by_slug(store, customer)
        if found is None:
            raise InputError(f"no customer '{customer}'", hint="run `supportctl customer list`")
        return [found]
    start, end = month_bounds(month, config.agency.timezone)
    ids = set(invoice_store.customers_with_work(store, start, end, month))
    return [
        c
        for c in customer_store.list_all(store)
        if c.id in ids or plan_fee_line(c, month) is not None
    ]


def _summary(report: InvoiceReport, status: str, path: Path | None) -> RenderedReport:
    return RenderedReport(
        customer=report.customer_slug,
        number=report.number,
        status=status,
        path=path,
        currency=report.currency,
        billable_minutes=report.billable_minutes,
        included_used_minutes=report.quota.used_minutes if report.quota else None,
        included_left_minutes=report.quota.left_minutes if report.quota else None,
        net_minor=report.net_minor,
        vat_minor=report.vat_minor,
        gross_minor=report.gross_minor,
        plan_hint_minutes=report.plan_hint_minutes,
        report=report,
    )


def _frozen_summary(row: Any, path: Path | None) -> RenderedReport:
    data = json.loads(row["data"])
    quota = data.get("quota")
    return RenderedReport(
        customer=row["customer_slug"],
        number=row["number"],
        status="frozen",
        path=path,
        currency=row["currency"],
        billable_minutes=int(data.get("billable_minutes", 0)),
        included_used_minutes=quota["used_minutes"] if quota else None,
        included_left_minutes=quota["left_minutes"] if quota else None,
        net_minor=row["net_minor"],
        vat_minor=row["vat_minor"],
        gross_minor=row["gross_minor"],
        plan_hint_minutes=data.get("plan_hint_minutes"),
    )


def file_name(slug: str, month: str, number: str | None, fmt: str) -> str:
    safe_number = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in number or "")
    return f"{slug}-{month}{'-' + safe_number if number else ''}.{fmt}"


def _write(path: Path, content: bytes) -> None:
    from supportctl.files import write_file

    write_file(path, content, what="the invoice", overwrite=True)


def render_month(
    store: Store,
    config: Config,
    month: str,
    *,
    fmt: str = "html",
    out_dir: Path | None = None,
    customer: str | None = None,
    issue: bool = False,
    force: bool = False,
    now: datetime,
    actor: str | None,
    progress: Progress | None = None,
) -> MonthRun:
    """Render (and with `issue`, number and freeze) every customer's report for `month`."""
    from supportctl.render import invoice as render
    from supportctl.services.timesheet import month_of_all

    month = check_month(month)
    if fmt not in render.FORMATS:
        raise InputError(f"unknown format '{fmt}'; choose one of {', '.join(render.FORMATS)}")
    if fmt == "pdf" and not render.pdf_available():
        raise InputError(
            "--format pdf needs WeasyPrint, which is not installed", hint=render.PDF_HINT
        )
    if issue and not force:
        _refuse_unfinished(month, now, config.agency.timezone)
    target = out_dir if out_dir is not None else Path("invoices") / month
    user_dir = _user_dir(config)
    plan_sizes = maintenance_plan_sizes(store)
    chosen = _customers_for(store, config, month, customer)
    outputs: list[tuple[Path, bytes]] = []
    results: list[RenderedReport] = []
    total = len(chosen)

    def run() -> None:
        # every customer's entries of the month in one read (inside the transaction
        # when issuing), not a few queries per customer
        month_data = month_of_all(store, month, tz=config.agency.timezone)
        for done, cust in enumerate(chosen, start=1):
            existing = invoice_store.issued_for(store, cust.id, month)
            if existing is not None:
                content = _stored_document(store, existing, fmt)
                path = target / file_name(cust.slug, month, existing["number"], fmt)
                outputs.append((path, content))
                results.append(_frozen_summary(existing, path))
            elif issue:
                report = _issue_one(
                    store, config, cust, month, now, actor, plan_sizes, fmt, user_dir, month_data
                )
                path = target / file_name(cust.slug, month, report.number, fmt)
                doc = invoice_store.document(store, _invoice_id(store, report.number), fmt)
                assert doc is not None
                outputs.append((path, doc))
                results.append(_summary(report, "issued", path))
            else:
                report = build(
                    store,
                    config,
                    cust,
                    month,
                    now=now,
                    plan_sizes=plan_sizes,
                    month_data=month_data,
                )
                path = target / file_name(cust.slug, month, None, fmt)
                outputs.append((path, render.render_bytes(report, fmt, user_dir)))
                results.append(_summary(report, "draft", path))
            if progress is not None:
                progress(done, total)

    if issue:
        with store.transaction():
            run()
    else:
        run()
    for path, content in outputs:
        _write(path, content)
    return MonthRun(month, fmt, target, issue, results)


def _refuse_unfinished(month: str, now: datetime, tz: str) -> None:
    """Issuing a month that has not ended would freeze it with work still to come."""
    _first, last = month_days(month)
    today = now.astimezone(_zone(tz)).date()
    if today <= last:
        raise InputError(
            f"{month} has not ended yet (it runs until {last.isoformat()}); "
            "its invoices are issued once it is over",
            hint="render a draft without --issue, or pass --force to issue it now",
        )


def _invoice_id(store: Store, number: str | None) -> int:
    row = invoice_store.by_number(store, number or "")
    assert row is not None
    return int(row["id"])


def _stored_document(store: Store, row: Any, fmt: str) -> bytes:
    from supportctl.render import invoice as render

    content = invoice_store.document(store, row["id"], fmt)
    if content is not None:
        return content
    if fmt == "pdf":
        html = invoice_store.document(store, row["id"], "html")
        if html is not None:
            return render.html_to_pdf(html.decode("utf-8"))
    raise InputError(f"invoice {row['number']} has no stored {fmt} document")


def _issue_one(
    store: Store,
    config: Config,
    cust: Customer,
    month: str,
    now: datetime,
    actor: str | None,
    plan_sizes: tuple[int, ...],
    fmt: str,
    user_dir: Path,
    month_data: MonthOfAll | None = None,
) -> InvoiceReport:
    from supportctl.render import invoice as render
    from supportctl.render.jsonout import to_jsonable

    draft = build(store, config, cust, month, now=now, plan_sizes=plan_sizes, month_data=month_data)
    if not draft.lines and not draft.awaiting and not draft.fees and draft.plan_fee is None:
        raise InputError(f"{cust.slug} has no work or fees in {month}; nothing to issue")
    if draft.currency not in config.banks:
        raise InputError(
            f"no bank account for {draft.currency} is configured; "
            f"{cust.slug}'s invoice cannot say where to pay",
            hint=f"add [bank.{draft.currency}] with iban and bic to {config.path}",
        )
    year = now.astimezone(_zone(config.agency.timezone)).year
    number = invoice_store.next_number(store, year, config.agency.invoice_number_format)
    if invoice_store.number_taken(store, number):
        raise InputError(
            f"invoice number {number} is already used; numbers are never reused",
            hint=f"make agency.invoice_number_format ('{config.agency.invoice_number_format}') "
            "include {year} and {seq}",
        )
    pay = payment_info(
        config.banks[draft.currency],
        agency_name=config.agency.name,
        reference_kind=config.agency.reference,
        number=number,
        currency=draft.currency,
        gross_minor=draft.gross_minor,
        due=draft.due_date,
        locale=draft.locale,
    )
    report = replace(draft, number=number, status="issued", payment=pay)
    data = to_jsonable(report)
    invoice_id = invoice_store.insert_invoice(
        store,
        number=number,
        customer_id=cust.id,
        month=month,
        issued_at=to_utc_text(now),
        currency=report.currency,
        net_minor=report.net_minor,
        vat_minor=report.vat_minor,
        gross_minor=report.gross_minor,
        data=json.dumps(data, ensure_ascii=False),
        reference=pay.reference,
    )
    rows: list[tuple[Any, ...]] = [
        (ln.entry_id, None, ln.cls, ln.minutes, ln.billed_minutes, ln.amount_minor)
        for ln in (*report.lines, *report.awaiting)
    ]
    rows += [(None, f.id, "fee", 0, 0, f.amount_minor) for f in report.fees]
    if report.plan_fee is not None:
        rows.append((None, None, "plan-fee", 0, 0, report.plan_fee.amount_minor))
    invoice_store.insert_lines(store, invoice_id, rows)
    for stored in STORED_FORMATS:
        invoice_store.insert_document(
            store, invoice_id, stored, render.render_bytes(report, stored, user_dir)
        )
    if fmt == "pdf":
        html = invoice_store.document(store, invoice_id, "html")
        assert html is not None
        invoice_store.insert_document(store, invoice_id, "pdf", render.html_to_pdf(html.decode()))
    events.record(
        store,
        "invoice.issued",
        at=now,
        actor=actor,
        customer_id=cust.id,
        subject_ref=f"invoice:{number}",
        data={
            "number": number,
            "month": month,
            "net_minor": report.net_minor,
            "vat_minor": report.vat_minor,
            "gross_minor": report.gross_minor,
            "currency": report.currency,
            "reference": pay.reference,
            "lines": len(rows),
        },
    )
    return report


def report_from_data(data: dict[str, Any], tz: str) -> InvoiceReport:
    """The InvoiceReport an invoice was issued with, from its stored JSON (`data`)."""
    zone = _zone(data.get("timezone") or tz)

    def day(value: str | None) -> date | None:
        return None if value is None else date.fromisoformat(value)

    def party(value: dict[str, Any]) -> Party:
        return Party(
            value["name"],
            tuple(value["address_lines"]),
            value["vat_id"],
            value["country"],
            value.get("company_id", ""),
        )

    def line(value: dict[str, Any]) -> ReportLine:
        return ReportLine(
            **{
                **value,
                "day": date.fromisoformat(value["day"]),
                "start": from_utc_text(value["start"]).astimezone(zone),
                "end": from_utc_text(value["end"]).astimezone(zone),
            }
        )

    pay = data.get("payment")
    fee = data.get("plan_fee")
    quota = data.get("quota")
    return InvoiceReport(
        month=data["month"],
        period_start=date.fromisoformat(data["period_start"]),
        period_end=date.fromisoformat(data["period_end"]),
        number=data["number"],
        status=data["status"],
        issue_date=date.fromisoformat(data["issue_date"]),
        due_date=date.fromisoformat(data["due_date"]),
        agency=party(data["agency"]),
        payment=None if pay is None else PaymentInfo(**pay),
        payment_terms_days=data["payment_terms_days"],
        customer_slug=data["customer_slug"],
        customer=party(data["customer"]),
        plan=data["plan"],
        locale=data["locale"],
        currency=data["currency"],
        rate_minor=data["rate_minor"],
        billing_step_minutes=data["billing_step_minutes"],
        lines=tuple(line(v) for v in data["lines"]),
        awaiting=tuple(line(v) for v in data["awaiting"]),
        fees=tuple(
            FeeLine(f["id"], date.fromisoformat(f["day"]), f["description"], f["amount_minor"])
            for f in data["fees"]
        ),
        class_totals=tuple(ClassTotal(**ct) for ct in data["class_totals"]),
        quota=None if quota is None else QuotaLine(**quota),
        billable_minutes=data["billable_minutes"],
        extra_count=data["extra_count"],
        net_minor=data["net_minor"],
        vat_percent=Decimal(data["vat_percent"]),
        vat_minor=data["vat_minor"],
        gross_minor=data["gross_minor"],
        is_reverse_charge=data["is_reverse_charge"],
        plan_hint_minutes=data.get("plan_hint_minutes"),
        supply_date=day(data.get("supply_date")),
        plan_fee=None
        if fee is None
        else PlanFeeLine(
            **{
                **fee,
                "first_day": date.fromisoformat(fee["first_day"]),
                "last_day": date.fromisoformat(fee["last_day"]),
            }
        ),
        timezone=data.get("timezone", tz),
        kind=data.get("kind", "invoice"),
        credits=data.get("credits"),
    )


# --- show, void, list ------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceInfo:
    id: str  # the number: what the CLI accepts
    customer: str
    month: str
    status: str
    issued_at: datetime
    void_reason: str | None
    currency: str
    net_minor: int
    vat_minor: int
    gross_minor: int
    lines: int
    formats: list[str]
    kind: str = "invoice"
    reference: str | None = None
    credits: str | None = None  # a credit note: the invoice it credits
    credit_note: str | None = None  # an invoice: the credit note that credits it
    sent_at: datetime | None = None


def _info(store: Store, row: Any) -> InvoiceInfo:
    return InvoiceInfo(
        id=row["number"],
        customer=row["customer_slug"],
        month=row["month"],
        status=row["status"],
        issued_at=from_utc_text(row["issued_at"]),
        void_reason=row["void_reason"],
        currency=row["currency"],
        net_minor=row["net_minor"],
        vat_minor=row["vat_minor"],
        gross_minor=row["gross_minor"],
        lines=row["line_count"],
        formats=invoice_store.document_formats(store, row["id"]),
        kind=row["kind"],
        reference=row["reference"],
        credits=row["credits"],
        credit_note=invoice_store.credit_note_for(store, row["number"]),
        sent_at=from_utc_text(row["sent_at"]) if row["sent_at"] else None,
    )


def _require(store: Store, number: str) -> Any:
    row = invoice_store.by_number(store, number)
    if row is None:
        raise InputError(f"no invoice '{number}'", hint="run `supportctl invoice list`")
    return row


def get(store: Store, number: str) -> InvoiceInfo:
    return _info(store, _require(store, number))


def list_invoices(store: Store, month: str | None = None) -> list[InvoiceInfo]:
    if month is not None:
        month = check_month(month)
    return [_info(store, r) for r in invoice_store.list_invoices(store, month)]


def document(store: Store, number: str, fmt: str) -> bytes:
    """The exact bytes issued for `number` in `fmt` (pdf made from the stored HTML)."""
    from supportctl.render import invoice as render

    if fmt not in render.FORMATS:
        raise InputError(f"unknown format '{fmt}'; choose one of {', '.join(render.FORMATS)}")
    if fmt == "pdf" and not render.pdf_available():
        row = _require(store, number)
        if invoice_store.document(store, row["id"], "pdf") is None:
            raise InputError(
                "--format pdf needs WeasyPrint, which is not installed", hint=render.PDF_HINT
            )
    return _stored_document(store, _require(store, number), fmt)


def void(
    store: Store,
    number: str,
    *,
    reason: str,
    now: datetime,
    actor: str | None,
    config: Config | None = None,
) -> InvoiceInfo:
    """Void an issued invoice: its customer-month opens again; the number stays used.

    An invoice the customer was already sent is in their books: voiding it issues a
    credit note (hyvityslasku, opravný daňový doklad) with its own number, naming the
    invoice and negating its amounts, stored in every format like an invoice.
    """
    if not reason.strip():
        raise InputError("--reason must say why the invoice is voided")
    with store.transaction():
        row = _require(store, number)
        if row["kind"] == "credit":
            raise InputError(
                f"{number} is a credit note; it is not voided",
                hint="bill the amount again on a new invoice",
            )
        if row["status"] == "void":
            raise InputError(f"invoice {number} is already void ({row['void_reason']})")
        invoice_store.set_void(store, row["id"], reason.strip())
        if row["sent_at"] is not None:
            if config is None:
                raise InputError(f"invoice {number} was sent; voiding it needs the config")
            _issue_credit_note(store, config, row, reason.strip(), now, actor)
        events.record(
            store,
            "invoice.voided",
            at=now,
            actor=actor,
            customer_id=row["customer_id"],
            subject_ref=f"invoice:{number}",
            data={"number": number, "month": row["month"], "reason": reason.strip()},
        )
    return get(store, number)


def _issue_credit_note(
    store: Store, config: Config, row: Any, reason: str, now: datetime, actor: str | None
) -> str:
    from supportctl.render import invoice as render
    from supportctl.render.jsonout import to_jsonable

    tz = config.agency.timezone
    original = report_from_data(json.loads(row["data"]), tz)
    year = now.astimezone(_zone(tz)).year
    number = invoice_store.next_number(store, year, config.agency.invoice_number_format)
    if invoice_store.number_taken(store, number):
        raise InputError(f"invoice number {number} is already used; numbers are never reused")
    credit = billing.credit_note(original, number, now.astimezone(_zone(tz)).date())
    credit_id = invoice_store.insert_invoice(
        store,
        number=number,
        customer_id=row["customer_id"],
        month=row["month"],
        issued_at=to_utc_text(now),
        currency=credit.currency,
        net_minor=credit.net_minor,
        vat_minor=credit.vat_minor,
        gross_minor=credit.gross_minor,
        data=json.dumps(to_jsonable(credit), ensure_ascii=False),
        reference=row["reference"],
        kind="credit",
        credits=row["number"],
    )
    user_dir = _user_dir(config)
    for stored in STORED_FORMATS:
        invoice_store.insert_document(
            store, credit_id, stored, render.render_bytes(credit, stored, user_dir)
        )
    if "pdf" in invoice_store.document_formats(store, row["id"]) and render.pdf_available():
        html = invoice_store.document(store, credit_id, "html")
        assert html is not None
        invoice_store.insert_document(store, credit_id, "pdf", render.html_to_pdf(html.decode()))
    events.record(
        store,
        "invoice.credited",
        at=now,
        actor=actor,
        customer_id=row["customer_id"],
        subject_ref=f"invoice:{number}",
        data={
            "number": number,
            "credits": row["number"],
            "reason": reason,
            "gross_minor": credit.gross_minor,
            "currency": credit.currency,
        },
    )
    return number


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvoice:
    number: str
    customer: str
    to: str
    subject: str
    filename: str
    size: int
    dry_run: bool
    where: str
    text: str  # the mail as a person reads it (headers, body, attachment names)


def _sendable(store: Store, row: Any, again: bool) -> Customer:
    number = row["number"]
    if row["status"] == "void":
        raise InputError(f"invoice {number} is void; a void invoice is not sent")
    if row["sent_at"] is not None and not again:
        raise InputError(
            f"invoice {number} was already sent ({row['sent_at']})",
            hint="pass --again to send it once more",
        )
    customer = customer_store.get_by_id(store, row["customer_id"])
    assert customer is not None
    if not customer.billing_email:
        raise InputError(
            f"customer {customer.slug} has no billing address; nothing was sent",
            hint=f"supportctl customer edit {customer.slug} --billing-email ADDRESS",
        )
    return customer


def send(
    store: Store,
    config: Config,
    *,
    number: str | None = None,
    month: str | None = None,
    dry_run: bool = False,
    again: bool = False,
    now: datetime,
    actor: str | None,
    transport: Any = None,
) -> list[SentInvoice]:
    """Mail issued invoices (one, or every issued one of a month) to each customer's
    billing address, in the customer's language, with the issued document attached:
    PDF when WeasyPrint is installed, else HTML, byte for byte what was issued.

    Everything is checked before anything is sent: a void invoice, one sent before
    (without `again`) or a customer without a billing address stops the whole run.
    Each sent mail is recorded with the invoice (`sent_at`, an `invoice.sent` event).
    """
    from supportctl.mail.compose import Attachment
    from supportctl.render import invoice as render
    from supportctl.services import outbound

    if (number is None) == (month is None):
        raise InputError("name one invoice number, or --month for all issued in a month")
    if number is not None:
        row = invoice_store.by_number(store, number)
        if row is None:
            raise InputError(
                f"no issued invoice '{number}'; a draft is not sent",
                hint="issue the month first: supportctl invoice MONTH --issue",
            )
        rows = [row]
    else:
        month = check_month(month or "")
        rows = [
            r
            for r in invoice_store.list_invoices(store, month)
            if r["status"] == "issued" and (again or r["sent_at"] is None)
        ]
        if not rows:
            raise InputError(f"no issued invoice of {month} is waiting to be sent")
    fmt = "pdf" if render.pdf_available() else "html"
    mails = []
    for row in rows:
        customer = _sendable(store, row, again)
        report = report_from_data(json.loads(row["data"]), config.agency.timezone)
        content = _stored_document(store, row, fmt)
        subject, body = render.invoice_mail(report)
        filename = file_name(customer.slug, row["month"], row["number"], fmt)
        content_type = "application/pdf" if fmt == "pdf" else "text/html"
        mails.append((row, customer, subject, body, Attachment(filename, content, content_type)))
    results = []
    for row, customer, subject, body, attachment in mails:
        # The invoice is marked sent in the same transaction that records the mail as
        # sent (`record_sent`, run by the delivery, also when an interrupted send is
        # sent again later).
        sent = outbound.send_document(
            store,
            config,
            to=customer.billing_email,
            subject=subject,
            body=body,
            attachment=attachment,
            language=customer.locale.split("_")[0],
            kind="invoice",
            actor=actor,
            now=now,
            transport=transport,
            dry_run=dry_run,
            event_data={"invoice": row["number"]},
            zone=customer.zone_name(config.agency.timezone),
            on_sent=[
                (
                    "supportctl.services.invoicing:record_sent",
                    {
                        "invoice": row["id"],
                        "number": row["number"],
                        "customer": row["customer_id"],
                        "format": fmt,
                        "to": customer.billing_email,
                        "document": attachment.filename,
                        "again": row["sent_at"] is not None,
                        "actor": actor,
                    },
                )
            ],
        )
        results.append(
            SentInvoice(
                number=row["number"],
                customer=customer.slug,
                to=customer.billing_email,
                subject=subject,
                filename=attachment.filename,
                size=len(attachment.data),
                dry_run=dry_run,
                where=sent.where,
                text=sent.text,
            )
        )
    return results


def record_sent(
    store: Store, data: dict[str, Any], *, raw: bytes, message_id: str, now: datetime
) -> None:
    """Mark an invoice sent, once the mail carrying it is recorded as sent: the sent
    time, the document kept (a PDF made at send time, taken from the very mail, so
    `invoice show` gives the bytes the customer got) and an `invoice.sent` event."""
    import email
    import email.policy

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    document = next(
        (
            part.get_content()
            for part in msg.iter_attachments()  # type: ignore[attr-defined]
            if part.get_filename() == data["document"]
        ),
        b"",
    )
    if invoice_store.document(store, data["invoice"], data["format"]) is None:
        invoice_store.insert_document(store, data["invoice"], data["format"], document)
    invoice_store.set_sent(store, data["invoice"], to_utc_text(now))
    events.record(
        store,
        "invoice.sent",
        at=now,
        actor=data["actor"],
        customer_id=data["customer"],
        subject_ref=f"invoice:{data['number']}",
        data={
            "number": data["number"],
            "to": data["to"],
            "document": data["document"],
            "bytes": len(document),
            "message_id": message_id,
            "again": data["again"],
        },
    )


# --- fees ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fee:
    id: int
    customer: str
    day: date
    amount_minor: int
    currency: str
    description: str
    invoice: str | None


def _fee(store: Store, row: Any) -> Fee:
    return Fee(
        id=row["id"],
        customer=row["customer_slug"],
        day=date.fromisoformat(row["day"]),
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        description=row["description"],
        invoice=invoice_store.fee_invoiced(store, row["id"]),
    )


def _refuse_frozen(store: Store, customer_id: int, slug: str, month: str) -> None:
    row = invoice_store.issued_for(store, customer_id, month)
    if row is not None:
        raise InputError(
            f"{slug} {month} is invoiced ({row['number']}) and frozen; add the fee to the next open month",
            hint=f"or void the invoice: supportctl invoice void {row['number']} --reason TEXT",
        )


def add_fee(
    store: Store,
    config: Config,
    *,
    slug: str,
    amount: str,
    description: str,
    day: str | None,
    now: datetime,
    actor: str | None,
) -> Fee:
    """A one-off fee (expedite, set-up...) billed on the customer's invoice of that month."""
    if not description.strip():
        raise InputError('the fee needs a description, e.g. "Expedited response"')
    if day is None:
        fee_day = now.astimezone(_zone(config.agency.timezone)).date()
    else:
        from supportctl.services import validate

        fee_day = validate.day(day, now.astimezone(_zone(config.agency.timezone)).date(), "--date")
    with store.transaction():
        customer = customer_store.get_by_slug(store, slug)
        if customer is None:
            raise InputError(f"no customer '{slug}'", hint="run `supportctl customer list`")
        currency = customer.rate.currency
        try:
            amount_minor = parse_amount(amount, currency)
        except ValueError as exc:
            raise InputError(f"fee amount: {exc}") from None
        if amount_minor <= 0:
            raise InputError(f"fee amount '{amount}' must be more than zero")
        _refuse_frozen(store, customer.id, slug, fee_day.strftime("%Y-%m"))
        fee_id = invoice_store.insert_fee(
            store,
            customer_id=customer.id,
            day=fee_day.isoformat(),
            amount_minor=amount_minor,
            currency=currency,
            description=description.strip(),
            created_at=to_utc_text(now),
        )
        events.record(
            store,
            "fee.added",
            at=now,
            actor=actor,
            customer_id=customer.id,
            subject_ref=f"fee:{fee_id}",
            data={
                "day": fee_day.isoformat(),
                "amount_minor": amount_minor,
                "currency": currency,
                "description": description.strip(),
            },
        )
        row = invoice_store.fee(store, fee_id)
    return _fee(store, row)


def list_fees(store: Store, *, slug: str | None = None, month: str | None = None) -> list[Fee]:
    customer_id = None
    if slug is not None:
        customer = customer_store.get_by_slug(store, slug)
        if customer is None:
            raise InputError(f"no customer '{slug}'", hint="run `supportctl customer list`")
        customer_id = customer.id
    if month is not None:
        month = check_month(month)
    return [_fee(store, r) for r in invoice_store.list_fees(store, customer_id, month)]


def remove_fee(store: Store, fee_id: int, *, now: datetime, actor: str | None) -> Fee:
    with store.transaction():
        row = invoice_store.fee(store, fee_id)
        if row is None:
            raise InputError(f"no fee {fee_id}", hint="run `supportctl invoice fee list`")
        fee = _fee(store, row)
        _refuse_frozen(store, row["customer_id"], fee.customer, row["day"][:7])
        if fee.invoice is not None:  # billed by an issued invoice of another month
            raise InputError(f"fee {fee_id} is billed on invoice {fee.invoice}; void that first")
        invoice_store.delete_fee(store, fee_id)
        events.record(
            store,
            "fee.removed",
            at=now,
            actor=actor,
            customer_id=row["customer_id"],
            subject_ref=f"fee:{fee_id}",
            data={
                "old": {
                    "day": row["day"],
                    "amount_minor": row["amount_minor"],
                    "description": row["description"],
                }
            },
        )
    return fee


def copy_templates(config: Config) -> tuple[list[Path], list[Path]]:
    from supportctl.render.invoice import copy_defaults

    return copy_defaults(_user_dir(config))


def template_sources(config: Config) -> list[tuple[str, Path]]:
    from supportctl.render.invoice import template_sources as sources

    return sources(_user_dir(config))
