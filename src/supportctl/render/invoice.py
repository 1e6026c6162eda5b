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

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS = ("html", "md", "txt", "csv", "pdf")
TEMPLATE_FORMATS = ("html", "md", "txt")
TEMPLATE_NAMES = {fmt: f"invoice/report.{fmt}.j2" for fmt in TEMPLATE_FORMATS}
PDF_HINT = "install the pdf extra: pip install 'supportctl[pdf]' (WeasyPrint)"


def packaged_templates_dir() -> Path:
    """The default templates: inside the installed package, or the repo's templates/."""
    import supportctl

    package_dir = Path(supportctl.__file__).resolve().parent
    installed = package_dir / "templates"
    if installed.is_dir():
        return installed
    return package_dir.parent.parent / "templates"


def user_templates_dir(config_dir: Path) -> Path:
    return config_dir / "templates"


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
    "reverse_charge": "Käännetty verovelvollisuus: ostaja on verovelvollinen (AVL 8 c §, direktiivi 2006/112/EY 196 art.).",
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
}
LABELS = {"en": _EN, "fi": _FI, "cs": _CS}


def labels_for(locale: str) -> dict[str, str]:
    return LABELS.get(locale.split("_")[0].lower(), _EN)


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
        "one_line": _one_line,
        "css_string": css_string,
    }


@lru_cache(maxsize=32)
def environment(user_dir: Path | None, locale: str = "en", currency: str = "EUR") -> Environment:
    """One environment per templates directory, locale and currency, built once per process.

    Binding the locale into the filters (rather than reading it from the render context
    on every call) keeps a 50,000-line month close to the cost of a bare render.
    """
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    loaders = []
    if user_dir is not None:
        loaders.append(FileSystemLoader(str(user_dir)))
    loaders.append(FileSystemLoader(str(packaged_templates_dir())))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(_make_filters(locale_format(locale), currency))
    return env


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


def render_csv(report: InvoiceReport) -> str:
    """Locale-neutral CSV (ISO dates, '.' decimals) for spreadsheets and accounting."""
    from supportctl.domain.money import to_decimal

    cur = report.currency
    buf = io.StringIO()
    from supportctl.render.safe import csv_cell

    writer = csv.writer(buf, lineterminator="\n")

    def write(row: tuple[object, ...]) -> None:  # no cell becomes a live formula
        writer.writerow([csv_cell(v) for v in row])

    write(tuple(CSV_COLUMNS))

    def amount(minor: int) -> str:
        return str(to_decimal(minor, cur))

    for section, lines in (("work", report.lines), ("awaiting-approval", report.awaiting)):
        for ln in lines:
            write(
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
    for fee in report.fees:
        write(
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
        write(("total", "", "", "", "", "", "", "", label, "", "", amount(value), cur, ""))
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
    from supportctl.render.tables import table

    if as_json:
        emit_json(month_run_json(run))
        return
    out = app_ctx.out
    if not run.reports:
        out.print(f"no customer has work or fees in {run.month}; nothing rendered", markup=False)
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
        out,
        (
            "customer",
            "invoice",
            "billable min",
            "included used/left",
            "net",
            "VAT",
            "gross",
            "currency",
            "",
        ),
        rows,
        title=f"Invoices {run.month}",
        limit=None,
    )
    if any(r.plan_hint_minutes for r in run.reports):
        out.print(
            "* hosting customer whose billable work this month would have fitted a maintenance plan: worth offering one",
            markup=False,
        )
    frozen = [r for r in run.reports if r.status == "frozen"]
    if frozen:
        out.print(
            f"{len(frozen)} already issued (written from the stored documents): "
            + ", ".join(f"{r.customer} {r.number}" for r in frozen),
            markup=False,
        )
    verb = "issued and wrote" if run.issued else "wrote"
    out.print(f"{verb} {len(run.reports)} {run.format} file(s) in {run.out_dir}", markup=False)


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
    }


def emit_invoice(app_ctx: Any, info: Any, *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import keyvalue

    if as_json:
        emit_json(_invoice_json(info))
        return
    keyvalue(
        app_ctx.out,
        f"Invoice {info.id}",
        [
            ("customer", info.customer),
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
    from supportctl.render.tables import table

    if as_json:
        emit_json([_invoice_json(i) for i in infos])
        return
    table(
        app_ctx.out,
        ("number", "customer", "month", "status", "gross", "currency"),
        [
            (
                i.id,
                i.customer,
                i.month,
                i.status,
                _plain_money(i.gross_minor, i.currency),
                i.currency,
            )
            for i in infos
        ],
        empty="no invoices issued yet; run `supportctl invoice MONTH --issue`",
    )


def emit_fees(app_ctx: Any, fees: list[Any], *, as_json: bool, single: bool = False) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import table

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
        app_ctx.out,
        ("id", "customer", "date", "amount", "currency", "description", "invoice"),
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
