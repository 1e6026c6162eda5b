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
    FeeLine,
    InvoiceReport,
    Party,
    QuotaLine,
    ReportLine,
)
from supportctl.domain.money import parse_amount
from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import InputError
from supportctl.store import customers as customer_store
from supportctl.store import events
from supportctl.store import invoices as invoice_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.domain.models import Customer

STORED_FORMATS = ("html", "md", "txt", "csv")
Progress = Callable[[int, int], None]


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def check_month(month: str) -> str:
    from supportctl.services.timebase import parse_month

    year, mon = parse_month(month)
    return f"{year:04d}-{mon:02d}"


def _month_days(month: str) -> tuple[date, date]:
    year, mon = (int(x) for x in month.split("-"))
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def _lines_of(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


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
) -> InvoiceReport:
    """The customer-month as an InvoiceReport (draft unless `number` is given)."""
    from supportctl.services.timesheet import month_rows, quota_for

    agency = config.agency
    zone = _zone(agency.timezone)
    rows = month_rows(store, customer.id, month, tz=agency.timezone)
    step = customer.billing_step_minutes
    rate = customer.rate.amount_minor
    lines: list[ReportLine] = []
    awaiting: list[ReportLine] = []
    amounts: dict[int, int] = {}
    for row in rows:
        start = row.start_at.astimezone(zone)
        end = row.end_at.astimezone(zone)
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
                day=row.date,
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
    reverse = billing.is_reverse_charge(customer.country, customer.vat_id, agency.country)
    tot = billing.totals(
        (ln.amount_minor for ln in lines if ln.cls == "billable"),
        (f.amount_minor for f in fees),
        Decimal(customer.vat),
        reverse_charge=reverse,
    )
    quota = None
    if customer.plan == "maintenance":
        q = quota_for(store, customer, month, tz=agency.timezone)
        quota = QuotaLine(q.included_minutes, q.carried_in_minutes, q.used_minutes, q.left_minutes)
    billable_minutes = sum(ln.billed_minutes for ln in lines if ln.cls == "billable")
    hint = None
    if customer.plan == "hosting":
        sizes = plan_sizes if plan_sizes is not None else maintenance_plan_sizes(store)
        hint = billing.plan_that_fits(billable_minutes, sizes)
    issue_day = (issued_at or now).astimezone(zone).date()
    first, last_day = _month_days(month)
    return InvoiceReport(
        month=month,
        period_start=first,
        period_end=last_day,
        number=number,
        status=status,
        issue_date=issue_day,
        due_date=issue_day + timedelta(days=agency.payment_terms_days),
        agency=Party(agency.name, _lines_of(agency.address), agency.vat_id, agency.country),
        agency_bank=agency.bank,
        payment_terms_days=agency.payment_terms_days,
        customer_slug=customer.slug,
        customer=Party(
            customer.name, _lines_of(customer.address), customer.vat_id, customer.country
        ),
        plan=customer.plan,
        locale=customer.locale,
        currency=customer.rate.currency,
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
    return [c for c in customer_store.list_all(store) if c.id in ids]


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
    now: datetime,
    actor: str | None,
    progress: Progress | None = None,
) -> MonthRun:
    """Render (and with `issue`, number and freeze) every customer's report for `month`."""
    from supportctl.render import invoice as render

    month = check_month(month)
    if fmt not in render.FORMATS:
        raise InputError(f"unknown format '{fmt}'; choose one of {', '.join(render.FORMATS)}")
    if fmt == "pdf" and not render.pdf_available():
        raise InputError(
            "--format pdf needs WeasyPrint, which is not installed", hint=render.PDF_HINT
        )
    target = out_dir if out_dir is not None else Path("invoices") / month
    user_dir = _user_dir(config)
    plan_sizes = maintenance_plan_sizes(store)
    chosen = _customers_for(store, config, month, customer)
    outputs: list[tuple[Path, bytes]] = []
    results: list[RenderedReport] = []
    total = len(chosen)

    def run() -> None:
        for done, cust in enumerate(chosen, start=1):
            existing = invoice_store.issued_for(store, cust.id, month)
            if existing is not None:
                content = _stored_document(store, existing, fmt)
                path = target / file_name(cust.slug, month, existing["number"], fmt)
                outputs.append((path, content))
                results.append(_frozen_summary(existing, path))
            elif issue:
                report = _issue_one(
                    store, config, cust, month, now, actor, plan_sizes, fmt, user_dir
                )
                path = target / file_name(cust.slug, month, report.number, fmt)
                doc = invoice_store.document(store, _invoice_id(store, report.number), fmt)
                assert doc is not None
                outputs.append((path, doc))
                results.append(_summary(report, "issued", path))
            else:
                report = build(store, config, cust, month, now=now, plan_sizes=plan_sizes)
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
) -> InvoiceReport:
    from supportctl.render import invoice as render
    from supportctl.render.jsonout import to_jsonable

    draft = build(store, config, cust, month, now=now, plan_sizes=plan_sizes)
    if not draft.lines and not draft.awaiting and not draft.fees:
        raise InputError(f"{cust.slug} has no work or fees in {month}; nothing to issue")
    year = now.astimezone(_zone(config.agency.timezone)).year
    number = invoice_store.next_number(store, year, config.agency.invoice_number_format)
    if invoice_store.number_taken(store, number):
        raise InputError(
            f"invoice number {number} is already used; numbers are never reused",
            hint=f"make agency.invoice_number_format ('{config.agency.invoice_number_format}') "
            "include {year} and {seq}",
        )
    report = replace(draft, number=number, status="issued")
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
    )
    rows: list[tuple[Any, ...]] = [
        (ln.entry_id, None, ln.cls, ln.minutes, ln.billed_minutes, ln.amount_minor)
        for ln in (*report.lines, *report.awaiting)
    ]
    rows += [(None, f.id, "fee", 0, 0, f.amount_minor) for f in report.fees]
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
            "lines": len(rows),
        },
    )
    return report


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
    store: Store, number: str, *, reason: str, now: datetime, actor: str | None
) -> InvoiceInfo:
    """Void an issued invoice: its customer-month opens again; the number stays used."""
    if not reason.strip():
        raise InputError("--reason must say why the invoice is voided")
    with store.transaction():
        row = _require(store, number)
        if row["status"] == "void":
            raise InputError(f"invoice {number} is already void ({row['void_reason']})")
        invoice_store.set_void(store, row["id"], reason.strip())
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
