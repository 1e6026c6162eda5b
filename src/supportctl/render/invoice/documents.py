"""Invoice documents: the Jinja environment, locale-aware filters, CSV and PDF, QR
codes, the mail text carrying an invoice, and the packaged templates.

Templates are looked up in the user's `<config dir>/templates/` first and then in the
packaged defaults (a `ChoiceLoader`), so a user overrides one file by dropping a file
of the same name there. HTML is autoescaped; every template runs with
`StrictUndefined`, so a typo in a template is an error and not a silently blank field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain.billing import InvoiceReport
from supportctl.render.invoice.formatting import (
    LocaleFormat,
    labels_for,
    locale_format,
    mail_texts,
)
from supportctl.render.templates import build_environment
from supportctl.render.templates import packaged_templates_dir as packaged_templates_dir
from supportctl.render.templates import user_templates_dir as user_templates_dir

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS = ("html", "md", "txt", "csv", "pdf")
TEMPLATE_FORMATS = ("html", "md", "txt")
TEMPLATE_NAMES = {fmt: f"invoice/report.{fmt}.j2" for fmt in TEMPLATE_FORMATS}
PDF_HINT = "install the pdf extra: pip install 'supportctl[pdf]' (WeasyPrint)"


def invoice_mail(report: InvoiceReport) -> tuple[str, str]:
    """(subject, body) of the mail carrying an issued invoice or credit note."""
    texts = mail_texts(report.locale)
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
