"""Invoice documents: the Jinja environment, locale-aware filters, CSV and PDF.

Templates are looked up in the user's `<config dir>/templates/` first and then in the
packaged defaults (a `ChoiceLoader`), so a user overrides one file by dropping a file
of the same name there. HTML is autoescaped; every template runs with
`StrictUndefined`, so a typo in a template is an error and not a silently blank field.

Numbers and dates follow the customer's locale through babel. babel is slow per call
(it parses a pattern each time), and a month of 50,000 entries means hundreds of
thousands of calls, so each locale's symbols and patterns are read once
(`LocaleFormat`) and amounts are formatted from them directly; dates and clock times
repeat within a month and are memoised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain.billing import InvoiceReport
from supportctl.domain.money import minor_digits
from supportctl.render.templates import build_environment
from supportctl.render.templates import packaged_templates_dir as packaged_templates_dir
from supportctl.render.templates import user_templates_dir as user_templates_dir

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS = ("html", "md", "txt", "csv", "pdf")
TEMPLATE_FORMATS = ("html", "md", "txt")
TEMPLATE_NAMES = {fmt: f"invoice/report.{fmt}.j2" for fmt in TEMPLATE_FORMATS}
PDF_HINT = "install the pdf extra: pip install 'supportctl[pdf]' (WeasyPrint)"


# --- locale formatting -----------------------------------------------------------


@dataclass(frozen=True)
class _MoneyPattern:
    pos_prefix: str
    pos_suffix: str
    neg_prefix: str
    neg_suffix: str
    decimal: str
    group: str
    digits: int


class LocaleFormat:
    """Formatting for one locale, with babel consulted once per pattern, not per value."""

    def __init__(self, locale: str) -> None:
        from babel import Locale

        self.locale = locale
        self._loc = Locale.parse(locale)
        symbols = self._loc.number_symbols["latn"]
        self.decimal_symbol: str = symbols["decimal"]
        self.group_symbol: str = symbols["group"]
        self._money: dict[str, _MoneyPattern] = {}

    def _money_pattern(self, currency: str) -> _MoneyPattern:
        pattern = self._money.get(currency)
        if pattern is None:
            from babel.numbers import get_currency_symbol

            number_pattern = self._loc.currency_formats["standard"]
            symbol = get_currency_symbol(currency, self._loc)
            pos_prefix, neg_prefix = (p.replace("¤", symbol) for p in number_pattern.prefix)
            pos_suffix, neg_suffix = (s.replace("¤", symbol) for s in number_pattern.suffix)
            pattern = _MoneyPattern(
                pos_prefix,
                pos_suffix,
                neg_prefix,
                neg_suffix,
                self.decimal_symbol,
                self.group_symbol,
                minor_digits(currency),
            )
            self._money[currency] = pattern
        return pattern

    def grouped(self, whole: int) -> str:
        return f"{whole:,}".replace(",", self.group_symbol)

    def money(self, amount_minor: int, currency: str) -> str:
        """1234.56 EUR -> '1 234,56 €' (fi_FI), '€1,234.56' (en)."""
        p = self._money_pattern(currency)
        value = abs(amount_minor)
        if p.digits:
            whole, frac = divmod(value, 10**p.digits)
            text = f"{self.grouped(whole)}{p.decimal}{frac:0{p.digits}d}"
        else:
            text = self.grouped(value)
        if amount_minor < 0:
            return f"{p.neg_prefix}{text}{p.neg_suffix}"
        return f"{p.pos_prefix}{text}{p.pos_suffix}"

    def amount(self, amount_minor: int, currency: str) -> str:
        """The number alone, without the currency symbol: '1 234,56'."""
        digits = minor_digits(currency)
        sign = "-" if amount_minor < 0 else ""
        whole, frac = divmod(abs(amount_minor), 10**digits)
        if not digits:
            return sign + self.grouped(whole)
        return f"{sign}{self.grouped(whole)}{self.decimal_symbol}{frac:0{digits}d}"

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.date()
        return _format_date(self.locale, day)

    def time(self, moment: datetime) -> str:
        return _format_time(self.locale, moment.hour, moment.minute)

    def minutes(self, minutes: int) -> str:
        return f"{self.grouped(minutes)} min"

    def percent(self, value: Decimal) -> str:
        return _format_percent(self.locale, str(value))


@lru_cache(maxsize=4096)
def _format_date(locale: str, day: date) -> str:
    from babel.dates import format_date

    return str(format_date(day, "medium", locale=locale))


@lru_cache(maxsize=8192)
def _format_time(locale: str, hour: int, minute: int) -> str:
    from datetime import time

    from babel.dates import format_time

    return str(format_time(time(hour, minute), "short", locale=locale))


@lru_cache(maxsize=256)
def _format_percent(locale: str, value: str) -> str:
    from babel.numbers import format_decimal

    number = str(format_decimal(Decimal(value), locale=locale))
    return f"{number} %" if not locale.startswith("en") else f"{number}%"


@lru_cache(maxsize=16)
def locale_format(locale: str) -> LocaleFormat:
    return LocaleFormat(locale)


# --- labels ----------------------------------------------------------------------

_EN = {
    "corrects": "corrects invoice",
    "invoice": "Invoice",
    "draft": "Draft: not yet issued",
    "void": "VOID",
    "number": "Invoice number",
    "invoice_date": "Invoice date",
    "due_date": "Due date",
    "period": "Period",
    "terms": "Payment terms",
    "days_net": "{days} days net",
    "from": "From",
    "bill_to": "Bill to",
    "vat_id": "VAT ID",
    "bank": "Bank details",
    "entries": "Work",
    "date": "Date",
    "start": "Start",
    "end": "End",
    "minutes": "Minutes",
    "billed": "Billed",
    "person": "Person",
    "ticket": "Ticket",
    "description": "Description",
    "class": "Class",
    "amount": "Amount",
    "extra": "extra",
    "extra_note": "extra: a job over 30 minutes after the month's included work was used up",
    "fees": "Fees",
    "subtotals": "Subtotals by class",
    "quota": "Included maintenance work",
    "quota_line": "{included} included, {carried} carried over, {used} used, {left} left",
    "rate": "Hourly rate",
    "step": "Billing step",
    "step_line": "per started {step} minutes",
    "net": "Net",
    "vat": "VAT",
    "gross": "Total due",
    # Council Directive 2006/112/EC art. 196 (the customer pays the tax) and art. 226
    # point 11a (the invoice says "Reverse charge").
    "reverse_charge": "Reverse charge: VAT is to be accounted for by the recipient (Art. 196, Council Directive 2006/112/EC).",
    "awaiting": "Awaiting approval (not billed)",
    "awaiting_note": "Ordered by someone who is not a designated contact; billed once a designated contact approves.",
    "no_entries": "No work logged this month.",
    "page": "Page",
    "billable": "billable",
    "included": "included",
    "non-billable": "non-billable",
    "needs-approval": "needs approval",
    "total": "Total",
    "fee": "fee",
    "title": "Invoice",
    "supply_date": "Date of supply",
    "company_id": "Business ID",
    "account": "Account number",
    "ref_fi": "Reference number",
    "ref_rf": "Reference (RF)",
    "ref_vs": "Variable symbol",
    "variable_symbol": "Variable symbol",
    "constant_symbol": "Constant symbol",
    "draft_ref": "draft",
    "barcode": "Virtual bank barcode",
    "qr_epc": "Scan with a banking app (EPC QR code)",
    "qr_spd": "QR payment (QR Platba)",
    "amount_due": "Amount",
    "no_bank": "No bank account is configured for {currency}.",
    "plan_fee": "Monthly fee ({plan})",
    "plan_fee_days": "{days}/{month_days} days",
    "vat_summary": "VAT summary",
    "vat_rate": "VAT rate",
    "times_in": "Times are in the {zone} time zone.",
    "credit_title": "Credit note",
    "credits": "Credits invoice {number}",
    "credit_pay": "Nothing to pay: this credit note cancels the invoice it names.",
}
_FI = {
    **_EN,
    "corrects": "korjaa laskua",
    "invoice": "Lasku",
    "draft": "Luonnos: ei vielä laskutettu",
    "void": "MITÄTÖITY",
    "number": "Laskun numero",
    "invoice_date": "Laskun päiväys",
    "due_date": "Eräpäivä",
    "period": "Ajanjakso",
    "terms": "Maksuehto",
    "days_net": "{days} päivää netto",
    "from": "Laskuttaja",
    "bill_to": "Laskutettava",
    "vat_id": "ALV-tunniste",
    "bank": "Pankkiyhteys",
    "entries": "Työt",
    "date": "Päivä",
    "start": "Alku",
    "end": "Loppu",
    "minutes": "Minuutit",
    "billed": "Laskutettu",
    "person": "Tekijä",
    "ticket": "Tiketti",
    "description": "Kuvaus",
    "class": "Luokka",
    "amount": "Summa",
    "extra": "lisätyö",
    "extra_note": "lisätyö: yli 30 minuutin työ kuukauden sisältyvän työn jo loputtua",
    "fees": "Maksut",
    "subtotals": "Välisummat luokittain",
    "quota": "Ylläpitoon sisältyvä työ",
    "quota_line": "{included} sisältyy, {carried} siirtynyt, {used} käytetty, {left} jäljellä",
    "rate": "Tuntihinta",
    "step": "Laskutusjakso",
    "step_line": "jokainen alkava {step} minuuttia",
    "net": "Veroton summa",
    "vat": "ALV",
    "gross": "Maksettava yhteensä",
    # A service to a business customer in another EU country is sold where the buyer
    # is (AVL 65 §, the general rule for services to businesses) and the buyer pays the
    # tax (arvonlisäverodirektiivi 2006/112/EY 196 art.); the invoice says "käännetty
    # verovelvollisuus" (direktiivin 226 art. 11 a kohta). Verohallinto, syventävä
    # ohje "Palvelujen ulkomaankaupan arvonlisäverotus", VH/4150/00.01.00/2021. Not
    # AVL 8 c §: that is the domestic reverse charge for construction services.
    "reverse_charge": "Käännetty verovelvollisuus: ostaja on verovelvollinen (AVL 65 §, arvonlisäverodirektiivi 2006/112/EY 196 art.).",
    "awaiting": "Odottaa hyväksyntää (ei laskutettu)",
    "awaiting_note": "Tilaaja ei ole nimetty yhteyshenkilö; laskutetaan, kun nimetty yhteyshenkilö hyväksyy.",
    "no_entries": "Ei kirjattua työtä tässä kuussa.",
    "page": "Sivu",
    "billable": "laskutettava",
    "included": "sisältyy",
    "non-billable": "ei laskuteta",
    "needs-approval": "odottaa hyväksyntää",
    "total": "Yhteensä",
    "fee": "maksu",
    "title": "Lasku",
    "supply_date": "Toimituspäivä",
    "company_id": "Y-tunnus",
    "account": "Tilinumero",
    "ref_fi": "Viitenumero",
    "ref_rf": "Viitenumero (RF)",
    "ref_vs": "Variabilní symbol",
    "variable_symbol": "Variabilní symbol",
    "constant_symbol": "Konstantní symbol",
    "draft_ref": "luonnos",
    "barcode": "Virtuaaliviivakoodi",
    "qr_epc": "Lue pankkisovelluksella (EPC QR-koodi)",
    "qr_spd": "QR Platba",
    "amount_due": "Summa",
    "no_bank": "Valuutalle {currency} ei ole määritetty pankkitiliä.",
    "plan_fee": "Kuukausimaksu ({plan})",
    "plan_fee_days": "{days}/{month_days} päivää",
    "vat_summary": "ALV-erittely",
    "vat_rate": "ALV-kanta",
    "times_in": "Kellonajat aikavyöhykkeellä {zone}.",
    "credit_title": "Hyvityslasku",
    "credits": "Hyvitys laskusta {number}",
    "credit_pay": "Ei maksettavaa: hyvityslasku kumoaa mainitun laskun.",
}
_CS = {
    **_EN,
    "corrects": "opravuje fakturu",
    "invoice": "Faktura",
    "draft": "Koncept: dosud nevystaveno",
    "void": "STORNOVÁNO",
    "number": "Číslo faktury",
    "invoice_date": "Datum vystavení",
    "due_date": "Datum splatnosti",
    "period": "Období",
    "terms": "Platební podmínky",
    "days_net": "splatnost {days} dní",
    "from": "Dodavatel",
    "bill_to": "Odběratel",
    "vat_id": "DIČ",
    "bank": "Bankovní spojení",
    "entries": "Práce",
    "date": "Datum",
    "start": "Začátek",
    "end": "Konec",
    "minutes": "Minuty",
    "billed": "Účtováno",
    "person": "Pracovník",
    "ticket": "Požadavek",
    "description": "Popis",
    "class": "Třída",
    "amount": "Částka",
    "extra": "mimo rámec",
    "extra_note": "mimo rámec: práce delší než 30 minut po vyčerpání práce zahrnuté v měsíčním paušálu",
    "fees": "Poplatky",
    "subtotals": "Mezisoučty podle třídy",
    "quota": "Práce zahrnutá v paušálu",
    "quota_line": "{included} zahrnuto, {carried} převedeno, {used} čerpáno, {left} zbývá",
    "rate": "Hodinová sazba",
    "step": "Účtovací krok",
    "step_line": "za každých započatých {step} minut",
    "net": "Základ",
    "vat": "DPH",
    "gross": "Celkem k úhradě",
    # The customer (in another member state) accounts for the tax: the directive's
    # art. 196 and art. 226 bod 11a ("přenesení daňové povinnosti"); "daň odvede
    # zákazník" is the wording § 29 odst. 2 ZDPH asks of a Czech payer's invoice in the
    # same case, a service to a business with its place of supply where the customer
    # is (§ 9 odst. 1 ZDPH; Finanční správa, "Místo plnění při poskytnutí služby").
    # Not § 92a ZDPH: that is the domestic reverse charge between Czech payers.
    "reverse_charge": "Daň odvede zákazník (přenesení daňové povinnosti, čl. 196 směrnice 2006/112/ES).",
    "awaiting": "Čeká na schválení (neúčtováno)",
    "awaiting_note": "Zadal ji někdo, kdo není určenou kontaktní osobou; účtuje se po schválení určenou kontaktní osobou.",
    "no_entries": "V tomto měsíci nebyla zaznamenána žádná práce.",
    "page": "Strana",
    "billable": "účtováno",
    "included": "v paušálu",
    "non-billable": "neúčtováno",
    "needs-approval": "čeká na schválení",
    "total": "Celkem",
    "fee": "poplatek",
    "title": "Faktura – daňový doklad",
    "supply_date": "Datum zdan. plnění",  # DUZP
    "company_id": "IČO",
    "account": "Číslo účtu",
    "ref_fi": "Referenční číslo",
    "ref_rf": "Reference (RF)",
    "ref_vs": "Variabilní symbol",
    "variable_symbol": "Variabilní symbol",
    "constant_symbol": "Konstantní symbol",
    "draft_ref": "koncept",
    "barcode": "Virtuální čárový kód",
    "qr_epc": "Načtěte v bankovní aplikaci (EPC QR kód)",
    "qr_spd": "QR Platba",
    "amount_due": "Částka",
    "no_bank": "Pro měnu {currency} není nastaven bankovní účet.",
    "plan_fee": "Měsíční paušál ({plan})",
    "plan_fee_days": "{days}/{month_days} dní",
    "vat_summary": "Rekapitulace DPH",
    "vat_rate": "Sazba DPH",
    "times_in": "Časy jsou uvedeny v časovém pásmu {zone}.",
    "credit_title": "Opravný daňový doklad",
    "credits": "Opravuje daňový doklad č. {number}",
    "credit_pay": "Nic k úhradě: tento doklad ruší uvedenou fakturu.",
}
LABELS = {"en": _EN, "fi": _FI, "cs": _CS}


def labels_for(locale: str) -> dict[str, str]:
    return LABELS.get(locale.split("_")[0].lower(), _EN)


# The mail `invoice send` writes, in the customer's language.
_MAIL = {
    "en": {
        "subject": "Invoice {number} – {agency}",
        "credit_subject": "Credit note {number} – {agency}",
        "body": "Hello,\n\nplease find attached invoice {number} for {period}.\n\n{payment}\n\nBest regards,\n{agency}\n",
        "credit_body": "Hello,\n\nplease find attached credit note {number}, which credits invoice {credits}. There is nothing to pay.\n\nBest regards,\n{agency}\n",
    },
    "fi": {
        "subject": "Lasku {number} – {agency}",
        "credit_subject": "Hyvityslasku {number} – {agency}",
        "body": "Hei,\n\nliitteenä lasku {number} ajalta {period}.\n\n{payment}\n\nYstävällisin terveisin\n{agency}\n",
        "credit_body": "Hei,\n\nliitteenä hyvityslasku {number}, joka hyvittää laskun {credits}. Maksettavaa ei ole.\n\nYstävällisin terveisin\n{agency}\n",
    },
    "cs": {
        "subject": "Faktura {number} – {agency}",
        "credit_subject": "Opravný daňový doklad {number} – {agency}",
        "body": "Dobrý den,\n\nv příloze zasíláme fakturu {number} za období {period}.\n\n{payment}\n\nS pozdravem\n{agency}\n",
        "credit_body": "Dobrý den,\n\nv příloze zasíláme opravný daňový doklad {number} k faktuře {credits}. Nic k úhradě.\n\nS pozdravem\n{agency}\n",
    },
}


def invoice_mail(report: InvoiceReport) -> tuple[str, str]:
    """(subject, body) of the mail carrying an issued invoice or credit note."""
    lang = report.locale.split("_")[0].lower()
    texts = _MAIL.get(lang, _MAIL["en"])
    t = labels_for(report.locale)
    fmt = locale_format(report.locale)
    agency = _one_line(report.agency.name)
    number = report.number or ""
    if report.kind == "credit":
        subject = texts["credit_subject"].format(number=number, agency=agency)
        body = texts["credit_body"].format(number=number, credits=report.credits, agency=agency)
        return subject, body
    lines = [
        f"{t['amount_due']}: {fmt.money(report.gross_minor, report.currency)}",
        f"{t['due_date']}: {fmt.date(report.due_date)}",
    ]
    pay = report.payment
    if pay is not None:
        if pay.reference:
            lines.append(
                f"{t['ref_' + pay.reference_kind]}: {_reference(pay.reference, pay.reference_kind)}"
            )
        if pay.account:
            lines.append(f"{t['account']}: {pay.account}")
        lines += [f"IBAN: {_iban(pay.iban)}", f"BIC: {pay.bic}"]
    period = f"{fmt.date(report.period_start)} – {fmt.date(report.period_end)}"
    subject = texts["subject"].format(number=number, agency=agency)
    body = texts["body"].format(
        number=number, period=period, payment="\n".join(lines), agency=agency
    )
    return subject, body


# --- the environment ---------------------------------------------------------------


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".html", ".htm"))


_MD_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "*": "\\*",
        "_": "\\_",
        "`": "\\`",
        "[": "\\[",
        "]": "\\]",
        "#": "\\#",
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        "\n": " ",
        "\r": " ",
    }
)


def md_escape(value: Any) -> str:
    """Text safe inside a Markdown table cell: no pipes, no raw HTML, one line."""
    return str(value).translate(_MD_ESCAPES)


def _iban(value: Any) -> str:
    from supportctl.domain.payment import format_iban

    return format_iban(str(value))


def _reference(value: Any, kind: str = "fi") -> str:
    """A reference as printed: Finnish in groups of five, RF in fours, a symbol as is."""
    from supportctl.domain.payment import format_reference

    return str(value) if kind == "vs" else format_reference(str(value))


def qr_svg(payload: str) -> bytes:
    """The QR code of `payload` as SVG (error correction M, as the EPC guideline asks)."""
    import segno

    code = segno.make(payload, error="m", micro=False, encoding="utf-8", boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True)
    return out.getvalue()


def qr_png(payload: str, scale: int = 6) -> bytes:
    """The same QR code as PNG (segno writes PNG itself): for decoding in tests."""
    import segno

    code = segno.make(payload, error="m", micro=False, encoding="utf-8", boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


@lru_cache(maxsize=64)
def qr_data_uri(payload: str) -> str:
    """The QR code as a data: URI for an <img>, base64 so HTML escaping cannot touch it."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(payload)).decode("ascii")


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


_CSS_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "<": "\\3C ", ">": "\\3E "})


def css_string(value: Any) -> Any:
    """Text for inside a double-quoted CSS string in a <style> element (page footers).

    HTML escaping is wrong there (the entities would print literally) and not enough
    (`</style>` ends the element whatever the quoting), so quote for CSS instead.
    """
    from markupsafe import Markup

    return Markup(_one_line(value).translate(_CSS_ESCAPES))


def _make_filters(fmt: LocaleFormat, currency: str) -> dict[str, Callable[..., Any]]:
    """Filters bound to one locale and currency: no context lookups per call."""

    def money(amount_minor: int) -> str:
        return fmt.money(amount_minor, currency)

    def amount(amount_minor: int) -> str:
        return fmt.amount(amount_minor, currency)

    return {
        "money": money,
        "amount": amount,
        "date": fmt.date,
        "time": fmt.time,
        "minutes": fmt.minutes,
        "percent": fmt.percent,
        "md": md_escape,
        "iban": _iban,
        "reference": _reference,
        "qr_data_uri": qr_data_uri,
        "one_line": _one_line,
        "css_string": css_string,
    }


@lru_cache(maxsize=32)
def environment(user_dir: Path | None, locale: str = "en", currency: str = "EUR") -> Environment:
    """One environment per templates directory, locale and currency, built once per process.

    Binding the locale into the filters (rather than reading it from the render context
    on every call) keeps a 50,000-line month close to the cost of a bare render.
    """
    env = build_environment(user_dir, autoescape=_autoescape)
    env.filters.update(_make_filters(locale_format(locale), currency))
    env.globals["text_work"] = text_work
    return env


def text_columns(
    headers: list[str], rows: list[list[str]], align: str, gap: str = "  "
) -> list[str]:
    """Fixed-width lines (header first): each column as wide as its widest cell or its
    whole header, so no language's header is cut and any time format lines up."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            if len(cell) > widths[i]:
                widths[i] = len(cell)

    def line(cells: list[str]) -> str:
        return gap.join(
            c.rjust(w) if a == "r" else c.ljust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def text_work(report: InvoiceReport, t: dict[str, str], awaiting: bool = False) -> list[str]:
    """The plain-text work table's lines: the header, then one line per entry."""
    fmt = locale_format(report.locale)
    step = report.has_step and not awaiting
    headers = [t["date"], t["start"], t["end"], t["minutes"]]
    headers += [t["billed"]] if step else []
    headers += [t["person"], t["ticket"]]
    headers += [] if awaiting else [t["class"], t["amount"]]
    align = "lllr" + ("r" if step else "") + "ll" + ("" if awaiting else "lr")
    rows = []
    for ln in report.awaiting if awaiting else report.lines:
        cells = [fmt.date(ln.day), fmt.time(ln.start), fmt.time(ln.end), str(ln.minutes)]
        cells += [str(ln.billed_minutes)] if step else []
        cells += [_one_line(ln.person), "" if ln.ticket is None else f"#{ln.ticket}"]
        if not awaiting:
            billable = ln.cls == "billable"
            cells += [t[ln.cls], fmt.amount(ln.amount_minor, report.currency) if billable else ""]
        rows.append(cells)
    return text_columns(headers, rows, align)


def _context(report: InvoiceReport) -> dict[str, Any]:
    return {"r": report, "t": labels_for(report.locale), "fmt": locale_format(report.locale)}


def render_text(report: InvoiceReport, fmt: str, user_dir: Path | None = None) -> str:
    """The report as html, md, txt or csv text."""
    if fmt == "csv":
        return render_csv(report)
    from jinja2 import TemplateError

    from supportctl.errors import InputError

    env = environment(user_dir, report.locale, report.currency)
    try:
        template = env.get_template(TEMPLATE_NAMES[fmt])
        return template.render(_context(report))
    except TemplateError as exc:
        where = getattr(exc, "filename", None) or TEMPLATE_NAMES[fmt]
        line = getattr(exc, "lineno", None)
        raise InputError(
            f"template {where}{f' line {line}' if line else ''}: {exc.message or exc}",
            hint="fix the template, or remove it to use the default",
        ) from None


def render_bytes(report: InvoiceReport, fmt: str, user_dir: Path | None = None) -> bytes:
    if fmt == "pdf":
        return html_to_pdf(render_text(report, "html", user_dir))
    return render_text(report, fmt, user_dir).encode("utf-8")


def pdf_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("weasyprint") is not None


def html_to_pdf(html: str) -> bytes:
    from supportctl.errors import InputError

    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise InputError(
            f"PDF output needs WeasyPrint, which is not usable here ({exc.__class__.__name__})",
            hint=PDF_HINT,
        ) from None
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


CSV_COLUMNS = (
    "invoice",
    "customer",
    "section",
    "date",
    "start",
    "end",
    "minutes",
    "billed_minutes",
    "person",
    "ticket",
    "description",
    "class",
    "extra",
    "amount",
    "currency",
    "corrects_invoice",
)


class _RowPrefix:
    """A csv writer that starts every row with the same cells (invoice, customer), so
    each row still says whose it is once the file is filtered or merged with others.
    Every cell goes through `csv_cell`: none becomes a live spreadsheet formula."""

    def __init__(self, writer: Any, prefix: tuple[str, ...]) -> None:
        self._writer = writer
        self._prefix = prefix

    def writerow(self, row: Any) -> Any:
        from supportctl.render.safe import csv_cell

        return self._writer.writerow([csv_cell(v) for v in (*self._prefix, *row)])


def render_csv(report: InvoiceReport) -> str:
    """Locale-neutral CSV (ISO dates, '.' decimals) for spreadsheets and accounting."""
    from supportctl.domain.money import to_decimal

    cur = report.currency
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_COLUMNS)
    writer = _RowPrefix(
        csv.writer(buf, lineterminator="\n"), (report.number or "draft", report.customer_slug)
    )

    def amount(minor: int) -> str:
        return str(to_decimal(minor, cur))

    for section, lines in (("work", report.lines), ("awaiting-approval", report.awaiting)):
        for ln in lines:
            writer.writerow(
                (
                    section,
                    ln.day.isoformat(),
                    ln.start.strftime("%H:%M"),
                    ln.end.strftime("%H:%M"),
                    ln.minutes,
                    ln.billed_minutes,
                    ln.person,
                    "" if ln.ticket is None else ln.ticket,
                    ln.description,
                    ln.cls,
                    "yes" if ln.is_extra else "",
                    amount(ln.amount_minor),
                    cur,
                    ln.corrects or "",
                )
            )
    if report.plan_fee is not None:
        pf = report.plan_fee
        writer.writerow(
            (
                "fee",
                pf.first_day.isoformat(),
                "",
                "",
                "",
                "",
                "",
                "",
                f"monthly fee ({pf.plan}) {pf.days}/{pf.month_days} days",
                "plan-fee",
                "",
                amount(pf.amount_minor),
                cur,
                "",
            )
        )
    for fee in report.fees:
        writer.writerow(
            (
                "fee",
                fee.day.isoformat(),
                "",
                "",
                "",
                "",
                "",
                "",
                fee.description,
                "fee",
                "",
                amount(fee.amount_minor),
                cur,
                "",
            )
        )
    vat_label = f"vat {report.vat_percent}%" + (
        " reverse charge" if report.is_reverse_charge else ""
    )
    for label, value in (
        ("net", report.net_minor),
        (vat_label, report.vat_minor),
        ("gross", report.gross_minor),
    ):
        writer.writerow(
            ("total", "", "", "", "", "", "", "", label, "", "", amount(value), cur, "")
        )
    if report.payment is not None:
        pay = report.payment
        kind = {"fi": "reference", "rf": "rf reference", "vs": "variable symbol"}
        writer.writerow(
            (
                "payment",
                report.due_date.isoformat(),
                "",
                "",
                "",
                "",
                "",
                "",
                f"{kind[pay.reference_kind]} {pay.reference or 'draft'}; iban {pay.iban}",
                "",
                "",
                amount(report.gross_minor),
                cur,
                "",
            )
        )
    return buf.getvalue()


def copy_defaults(target_dir: Path) -> tuple[list[Path], list[Path]]:
    """Copy the packaged invoice templates to `target_dir`; existing files are kept."""
    from supportctl.files import write_file

    source = packaged_templates_dir()
    copied: list[Path] = []
    kept: list[Path] = []
    for name in TEMPLATE_NAMES.values():
        dest = target_dir / name
        if dest.exists():
            kept.append(dest)
            continue
        write_file(dest, (source / name).read_bytes(), what="the template")
        copied.append(dest)
    return copied, kept


def template_sources(user_dir: Path | None) -> list[tuple[str, Path]]:
    """Where each invoice template comes from: the user's copy or the packaged default."""
    out = []
    for name in TEMPLATE_NAMES.values():
        user_file = user_dir / name if user_dir is not None else None
        if user_file is not None and user_file.exists():
            out.append((name, user_file))
        else:
            out.append((name, packaged_templates_dir() / name))
    return out


# --- terminal output -----------------------------------------------------------------


def _plain_money(amount_minor: int | None, currency: str) -> str:
    from supportctl.domain.money import to_decimal

    if amount_minor is None:
        return ""
    return f"{to_decimal(amount_minor, currency):.{minor_digits(currency)}f}"


def month_run_json(run: Any) -> dict[str, Any]:
    from supportctl.render.jsonout import to_jsonable

    def money(minor: int, currency: str) -> dict[str, Any]:
        return {"amount_minor": minor, "currency": currency}

    return {
        "month": run.month,
        "format": run.format,
        "out_dir": str(run.out_dir),
        "issued": run.issued,
        "reports": [
            {
                "id": r.number or r.customer,
                "customer": r.customer,
                "number": r.number,
                "status": r.status,
                "path": None if r.path is None else str(r.path),
                "billable_minutes": r.billable_minutes,
                "included_used_minutes": r.included_used_minutes,
                "included_left_minutes": r.included_left_minutes,
                "net": money(r.net_minor, r.currency),
                "vat": money(r.vat_minor, r.currency),
                "gross": money(r.gross_minor, r.currency),
                "plan_hint_minutes": r.plan_hint_minutes,
                "report": None if r.report is None else to_jsonable(r.report),
            }
            for r in run.reports
        ],
    }


def emit_month_run(app_ctx: Any, run: Any, *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import Col, same, say, table

    if as_json:
        emit_json(month_run_json(run))
        return
    if not run.reports:
        say(app_ctx, f"no customer has work or fees in {run.month}; nothing rendered")
        return
    rows = []
    for r in run.reports:
        included = (
            ""
            if r.included_used_minutes is None
            else f"{r.included_used_minutes}/{r.included_left_minutes}"
        )
        mark = f"* fits {r.plan_hint_minutes} min plan" if r.plan_hint_minutes else ""
        rows.append(
            (
                r.customer,
                r.number or ("draft" if r.status == "draft" else ""),
                r.billable_minutes,
                included,
                _plain_money(r.net_minor, r.currency),
                _plain_money(r.vat_minor, r.currency),
                _plain_money(r.gross_minor, r.currency),
                r.currency,
                mark,
            )
        )
    table(
        app_ctx,
        (
            Col("customer"),
            Col("invoice"),
            Col("billable min", right=True, give=2, short=same, short_name="min"),
            Col("included used/left", right=True, give=3, short=same, short_name="incl."),
            Col("net", right=True),
            Col("VAT", right=True),
            Col("gross", right=True),
            Col("currency", give=4, short=same, short_name="cur"),
            Col("", give=1, short=_star, hide_empty=True),
        ),
        rows,
        title=f"Invoices {run.month}",
        limit=None,
    )
    if any(r.plan_hint_minutes for r in run.reports):
        say(
            app_ctx,
            "* hosting customer whose billable work this month would have fitted a maintenance plan: worth offering one",
        )
    frozen = [r for r in run.reports if r.status == "frozen"]
    if frozen:
        say(
            app_ctx,
            f"{len(frozen)} already issued (written from the stored documents): "
            + ", ".join(f"{r.customer} {r.number}" for r in frozen),
        )
    verb = "issued and wrote" if run.issued else "wrote"
    say(app_ctx, f"{verb} {len(run.reports)} {run.format} file(s) in {run.out_dir}")


def _star(cell: Any) -> str:
    """The plan hint as its footnote mark alone."""
    return "*"


def _invoice_json(info: Any) -> dict[str, Any]:
    def money(minor: int) -> dict[str, Any]:
        return {"amount_minor": minor, "currency": info.currency}

    return {
        "id": info.id,
        "number": info.id,
        "customer": info.customer,
        "month": info.month,
        "status": info.status,
        "issued_at": info.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "void_reason": info.void_reason,
        "net": money(info.net_minor),
        "vat": money(info.vat_minor),
        "gross": money(info.gross_minor),
        "lines": info.lines,
        "formats": info.formats,
        "kind": info.kind,
        "reference": info.reference,
        "credits": info.credits,
        "credit_note": info.credit_note,
        "sent_at": None if info.sent_at is None else info.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def emit_invoice(app_ctx: Any, info: Any, *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import keyvalue

    if as_json:
        emit_json(_invoice_json(info))
        return
    keyvalue(
        app_ctx,
        f"{'Credit note' if info.kind == 'credit' else 'Invoice'} {info.id}",
        [
            ("customer", info.customer),
            ("reference", info.reference or "-"),
            *([("credits invoice", info.credits)] if info.credits else []),
            *([("credit note", info.credit_note)] if info.credit_note else []),
            ("sent", info.sent_at.strftime("%Y-%m-%d %H:%M UTC") if info.sent_at else "not yet"),
            ("month", info.month),
            ("status", info.status + (f" ({info.void_reason})" if info.void_reason else "")),
            ("issued", info.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("net", _plain_money(info.net_minor, info.currency) + " " + info.currency),
            ("VAT", _plain_money(info.vat_minor, info.currency) + " " + info.currency),
            ("gross", _plain_money(info.gross_minor, info.currency) + " " + info.currency),
            ("lines", info.lines),
            (
                "documents",
                ", ".join(info.formats) + f"  (supportctl invoice show {info.id} --format html)",
            ),
        ],
    )


def emit_invoices(app_ctx: Any, infos: list[Any], *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import Col, table

    if as_json:
        emit_json([_invoice_json(i) for i in infos])
        return
    table(
        app_ctx,
        (
            Col("number"),
            Col("customer"),
            Col("month"),
            Col("status"),
            Col("gross", right=True),
            Col("currency"),
        ),
        [
            (
                i.id,
                i.customer,
                i.month,
                (f"credit note for {i.credits}" if i.kind == "credit" else i.status)
                + (" (sent)" if i.sent_at else ""),
                _plain_money(i.gross_minor, i.currency),
                i.currency,
            )
            for i in infos
        ],
        empty="no invoices issued yet; run `supportctl invoice MONTH --issue`",
    )


def emit_fees(app_ctx: Any, fees: list[Any], *, as_json: bool, single: bool = False) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import Col, same, table

    def fee_json(f: Any) -> dict[str, Any]:
        return {
            "id": f.id,
            "customer": f.customer,
            "date": f.day.isoformat(),
            "amount": {"amount_minor": f.amount_minor, "currency": f.currency},
            "description": f.description,
            "invoice": f.invoice,
        }

    if as_json:
        emit_json(fee_json(fees[0]) if single else [fee_json(f) for f in fees])
        return
    table(
        app_ctx,
        (
            Col("id", right=True),
            Col("customer"),
            Col("date"),
            Col("amount", right=True),
            Col("currency", give=1, short=same, short_name="cur"),
            Col("description", flex=True),
            Col("invoice"),
        ),
        [
            (
                f.id,
                f.customer,
                f.day.isoformat(),
                _plain_money(f.amount_minor, f.currency),
                f.currency,
                f.description,
                f.invoice or "",
            )
            for f in fees
        ],
        empty="no fees",
    )


def emit_sent(app_ctx: Any, sent: list[Any], *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.safe import term_safe

    if as_json:
        emit_json(
            [
                {
                    "id": s.number,
                    "number": s.number,
                    "customer": s.customer,
                    "to": s.to,
                    "subject": s.subject,
                    "document": s.filename,
                    "bytes": s.size,
                    "dry_run": s.dry_run,
                    "sent_via": s.where,
                }
                for s in sent
            ]
        )
        return
    out = app_ctx.out
    for s in sent:
        verb = "would send" if s.dry_run else "sent"
        out.print(
            term_safe(
                f"{verb} invoice {s.number} ({s.customer}) to {s.to}: "
                f"{s.filename}, {s.size} bytes" + ("" if s.dry_run else f" via {s.where}")
            ),
            markup=False,
        )
        if s.dry_run:
            out.print(term_safe(s.text), markup=False)
