"""Invoices as people see them, by job:

- `formatting`: numbers, money, dates and times in the customer's locale, and the
  texts in the customer's language (`templates/invoice/labels.<language>.toml`);
- `documents`: the documents (HTML, Markdown, text, CSV, PDF) from the templates, QR
  codes, the mail text carrying an invoice;
- `views`: the terminal views of the `invoice` commands (tables and JSON).

The package re-exports the names its callers use.
"""

from __future__ import annotations

from supportctl.render.invoice.documents import (
    CSV_COLUMNS,
    FORMATS,
    PDF_HINT,
    TEMPLATE_FORMATS,
    TEMPLATE_NAMES,
    copy_defaults,
    css_string,
    environment,
    html_to_pdf,
    invoice_mail,
    md_escape,
    packaged_templates_dir,
    pdf_available,
    qr_data_uri,
    qr_png,
    qr_svg,
    render_bytes,
    render_csv,
    render_text,
    template_sources,
    text_columns,
    text_work,
    user_templates_dir,
)
from supportctl.render.invoice.formatting import (
    LocaleFormat,
    labels_for,
    locale_format,
    mail_texts,
)
from supportctl.render.invoice.views import (
    emit_fees,
    emit_invoice,
    emit_invoices,
    emit_month_run,
    emit_sent,
    month_run_json,
)

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "PDF_HINT",
    "TEMPLATE_FORMATS",
    "TEMPLATE_NAMES",
    "LocaleFormat",
    "copy_defaults",
    "css_string",
    "emit_fees",
    "emit_invoice",
    "emit_invoices",
    "emit_month_run",
    "emit_sent",
    "environment",
    "html_to_pdf",
    "invoice_mail",
    "labels_for",
    "locale_format",
    "mail_texts",
    "md_escape",
    "month_run_json",
    "packaged_templates_dir",
    "pdf_available",
    "qr_data_uri",
    "qr_png",
    "qr_svg",
    "render_bytes",
    "render_csv",
    "render_text",
    "template_sources",
    "text_columns",
    "text_work",
    "user_templates_dir",
]
