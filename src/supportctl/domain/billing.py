"""Invoice arithmetic and the invoice report as plain values.

Money is integer minor units in and out and `Decimal` in between, never float. The
order of rounding is the contract with the customer, so it lives in one place:
each line is rounded half-up to the minor unit once (`line_amount_minor`), the net
is the plain sum of the rounded lines and fees, and VAT is computed once on the net
(`vat_minor`), half-up. Rounding per line and not per invoice means a line printed on
the invoice multiplies out to exactly the amount shown next to it.

The report dataclasses at the bottom are what `services.invoicing.build` returns,
what `--json` dumps and what the templates receive: one typed object for every
output, so the formats cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

# EU member states (ISO 3166 codes; Greece's VAT prefix is EL, accepted too).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "EL",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)

CLASSES = ("billable", "included", "non-billable", "needs-approval")
_SIXTY = Decimal(60)
_HUNDRED = Decimal(100)
_ONE = Decimal(1)


def billed_minutes(minutes: int, step: int) -> int:
    """Minutes rounded up to the billing step (1 = true per-minute billing)."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if step < 1:
        raise ValueError("the billing step must be at least one minute")
    return -(-minutes // step) * step


def line_amount_minor(billed: int, rate_minor: int) -> int:
    """billed minutes x hourly rate / 60, half-up to the minor unit."""
    exact = Decimal(billed) * Decimal(rate_minor) / _SIXTY
    return int(exact.quantize(_ONE, rounding=ROUND_HALF_UP))


def vat_minor(net_minor: int, vat_percent: Decimal) -> int:
    """VAT on the whole net, half-up to the minor unit."""
    exact = Decimal(net_minor) * vat_percent / _HUNDRED
    return int(exact.quantize(_ONE, rounding=ROUND_HALF_UP))


def is_reverse_charge(customer_country: str, customer_vat_id: str, agency_country: str) -> bool:
    """A business customer (has a VAT ID) in another EU country: 0 % VAT, reverse charge."""
    country = customer_country.upper()
    return (
        bool(customer_vat_id.strip())
        and country in EU_COUNTRIES
        and agency_country.upper() in EU_COUNTRIES
        and country != agency_country.upper()
    )


@dataclass(frozen=True)
class Totals:
    net_minor: int
    vat_minor: int
    gross_minor: int
    vat_percent: Decimal
    is_reverse_charge: bool


def totals(
    line_amounts: Iterable[int],
    fee_amounts: Iterable[int],
    vat_percent: Decimal,
    *,
    reverse_charge: bool,
) -> Totals:
    """Net = sum of lines and fees; VAT once on the net (0 under reverse charge)."""
    net = sum(line_amounts) + sum(fee_amounts)
    percent = Decimal(0) if reverse_charge else vat_percent
    vat = vat_minor(net, percent)
    return Totals(net, vat, net + vat, percent, reverse_charge)


def prorated_fee(
    fee_minor: int,
    first: date,
    last: date,
    plan_start: date | None,
    plan_end: date | None,
) -> tuple[int, int, int]:
    """The plan's monthly fee for the month [first, last]: (days billed, days in the
    month, amount). A plan starting or ending inside the month pays for its days only,
    rounded half-up to the minor unit; outside the plan, nothing."""
    days_in_month = (last - first).days + 1
    start = max(first, plan_start) if plan_start else first
    end = min(last, plan_end) if plan_end else last
    days = max(0, (end - start).days + 1)
    if days == days_in_month:
        return days, days_in_month, fee_minor
    exact = Decimal(fee_minor) * Decimal(days) / Decimal(days_in_month)
    return days, days_in_month, int(exact.quantize(_ONE, rounding=ROUND_HALF_UP))


def plan_that_fits(billable_minutes: int, plan_sizes: Iterable[int]) -> int | None:
    """The smallest maintenance quota (minutes) that would have covered this work, if any."""
    if billable_minutes <= 0:
        return None
    fitting = [size for size in plan_sizes if size >= billable_minutes]
    return min(fitting) if fitting else None


# --- the report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    name: str
    address_lines: tuple[str, ...]
    vat_id: str
    country: str
    company_id: str = ""  # business ID: Y-tunnus, IČO


@dataclass(frozen=True)
class ReportLine:
    """One entry (or one part of an entry split at the end of the quota)."""

    entry_id: int
    day: date
    start: datetime  # in the customer's time zone (the report's `timezone`)
    end: datetime
    minutes: int
    billed_minutes: int
    person: str
    ticket: int | None
    description: str
    cls: str
    is_extra: bool
    part: int
    amount_minor: int
    corrects: str | None = None  # the invoice a correction entry names


@dataclass(frozen=True)
class FeeLine:
    id: int
    day: date
    description: str
    amount_minor: int


@dataclass(frozen=True)
class PlanFeeLine:
    """The plan's monthly fee on this month's invoice (pro-rated when days < month_days)."""

    plan: str
    first_day: date
    last_day: date
    days: int
    month_days: int
    monthly_minor: int
    amount_minor: int

    @property
    def is_prorated(self) -> bool:
        return self.days != self.month_days


@dataclass(frozen=True)
class PaymentInfo:
    """Where and how to pay: the agency's account for the invoice's currency and the
    invoice's reference, with the bank barcode and the QR code's text where they apply.
    A draft has no reference (and so no barcode or QR code)."""

    iban: str
    bic: str
    bank_name: str
    account: str  # the Czech domestic form, if configured
    reference: str | None  # viitenumero, RF reference or variabilní symbol; None on drafts
    reference_kind: str  # fi | rf | vs
    variable_symbol: str | None
    constant_symbol: str
    barcode: str | None  # the 54-digit virtuaaliviivakoodi (EUR to a Finnish account)
    qr_kind: str | None  # epc | spd
    qr_payload: str | None


@dataclass(frozen=True)
class ClassTotal:
    cls: str
    minutes: int
    billed_minutes: int
    amount_minor: int


@dataclass(frozen=True)
class QuotaLine:
    included_minutes: int
    carried_in_minutes: int
    used_minutes: int
    left_minutes: int


@dataclass(frozen=True)
class InvoiceReport:
    month: str
    period_start: date
    period_end: date
    number: str | None
    status: str  # draft | issued | void
    issue_date: date
    due_date: date
    agency: Party
    payment: PaymentInfo | None  # None when no account is configured for the currency
    payment_terms_days: int
    customer_slug: str
    customer: Party
    plan: str
    locale: str
    currency: str
    rate_minor: int
    billing_step_minutes: int
    lines: tuple[ReportLine, ...]
    awaiting: tuple[ReportLine, ...]
    fees: tuple[FeeLine, ...]
    class_totals: tuple[ClassTotal, ...]
    quota: QuotaLine | None
    billable_minutes: int
    extra_count: int
    net_minor: int
    vat_percent: Decimal
    vat_minor: int
    gross_minor: int
    is_reverse_charge: bool
    plan_hint_minutes: int | None
    supply_date: date | None = None  # DUZP (date of the taxable supply)
    plan_fee: PlanFeeLine | None = None
    timezone: str = ""  # the zone of the times on the invoice (the customer's)
    kind: str = "invoice"  # invoice | credit
    credits: str | None = None  # a credit note: the number of the invoice it credits

    @property
    def has_step(self) -> bool:
        return self.billing_step_minutes > 1


def credit_note(original: InvoiceReport, number: str, issue_date: date) -> InvoiceReport:
    """The credit note of an issued invoice: the same lines with every amount negated,
    its own number, and the number of the invoice it credits. Nothing is due on it."""
    from dataclasses import replace

    def neg_line(line: ReportLine) -> ReportLine:
        return replace(line, amount_minor=-line.amount_minor)

    plan_fee = original.plan_fee
    return replace(
        original,
        number=number,
        status="issued",
        kind="credit",
        credits=original.number,
        issue_date=issue_date,
        due_date=issue_date,
        payment=None,
        lines=tuple(neg_line(ln) for ln in original.lines),
        awaiting=(),
        fees=tuple(replace(f, amount_minor=-f.amount_minor) for f in original.fees),
        plan_fee=None
        if plan_fee is None
        else replace(plan_fee, amount_minor=-plan_fee.amount_minor),
        class_totals=tuple(
            replace(ct, amount_minor=-ct.amount_minor)
            for ct in original.class_totals
            if ct.cls != "needs-approval"
        ),
        net_minor=-original.net_minor,
        vat_minor=-original.vat_minor,
        gross_minor=-original.gross_minor,
        plan_hint_minutes=None,
    )


def class_totals(lines: Iterable[ReportLine]) -> tuple[ClassTotal, ...]:
    """Minutes, billed minutes and amount per class, in the fixed class order."""
    sums: dict[str, list[int]] = {}
    for line in lines:
        acc = sums.setdefault(line.cls, [0, 0, 0])
        acc[0] += line.minutes
        acc[1] += line.billed_minutes
        acc[2] += line.amount_minor
    return tuple(ClassTotal(cls, *sums[cls]) for cls in CLASSES if cls in sums)
