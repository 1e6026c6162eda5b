"""Invoice documents: golden files per format and locale, escaping, locale formatting."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.config import BankAccount
from supportctl.domain import billing
from supportctl.domain.billing import (
    FeeLine,
    InvoiceReport,
    Party,
    PlanFeeLine,
    QuotaLine,
    ReportLine,
)
from supportctl.render import invoice as render
from supportctl.services.invoicing import payment_info

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "invoice"
HEL = ZoneInfo("Europe/Helsinki")
AGENCY = Party(
    "Koodiverstas Oy",
    ("Hämeenkatu 12 A", "33100 Tampere", "Finland"),
    "FI12345678",
    "FI",
    "1234567-8",
)
BANKS = {
    "EUR": BankAccount("EUR", "FI2112345600000785", "NDEAFIHH", "Nordea"),
    "CZK": BankAccount(
        "CZK",
        "CZ6508000000192000145399",
        "GIBACZPX",
        "Česká spořitelna",
        "19-2000145399/0800",
        "0308",
    ),
}


def _line(
    entry_id,
    day,
    hh,
    mm,
    minutes,
    cls,
    *,
    step=1,
    rate=7500,
    extra=False,
    part=0,
    ticket=42,
    desc="Updated plugins",
    person="alice",
):
    start = datetime(2026, 10, day, hh, mm, tzinfo=HEL)
    billed = billing.billed_minutes(minutes, step) if cls == "billable" else minutes
    amount = billing.line_amount_minor(billed, rate) if cls == "billable" else 0
    return ReportLine(
        entry_id,
        start.date(),
        start,
        start + timedelta(minutes=minutes),
        minutes,
        billed,
        person,
        ticket,
        desc,
        cls,
        extra,
        part,
        amount,
    )


def sample_report(
    locale: str, *, number: str | None = "2026-0007", descriptions: tuple[str, ...] = ()
) -> InvoiceReport:
    """A maintenance month (fi), a hosting month with a 15-minute step (cs), an adhoc month (en)."""
    if locale == "fi_FI":
        plan, currency, rate, step, vat, country, vat_id = (
            "maintenance",
            "EUR",
            7500,
            1,
            Decimal("25.5"),
            "FI",
            "FI87654321",
        )
        lines = [
            _line(1, 5, 9, 0, 40, "included", desc="Plugin updates"),
            _line(2, 6, 10, 0, 20, "included", desc="Checkout bug"),
            _line(2, 6, 10, 20, 55, "billable", extra=True, part=1, desc="Checkout bug"),
            _line(3, 7, 14, 0, 12, "billable", ticket=None, desc="DNS check"),
            _line(4, 8, 8, 30, 15, "non-billable", desc="Internal review", person="bob"),
        ]
        awaiting = [_line(5, 9, 11, 0, 25, "needs-approval", desc="New banner (asked by Liisa)")]
        fees = [FeeLine(1, date(2026, 10, 14), "Expedited response", 12000)]
        quota = QuotaLine(60, 0, 60, 0)
        customer = Party(
            "Acme Oy", ("Satamakatu 3", "00160 Helsinki", "Finland"), vat_id, country, "8765432-1"
        )
        hint = None
        plan_fee = PlanFeeLine(
            "maintenance", date(2026, 10, 1), date(2026, 10, 31), 31, 31, 29000, 29000
        )
    elif locale == "cs_CZ":
        plan, currency, rate, step, vat, country, vat_id = (
            "hosting",
            "CZK",
            150000,
            15,
            Decimal("21"),
            "CZ",
            "CZ12345678",
        )
        lines = [
            _line(10, 7, 13, 0, 7, "billable", step=15, rate=rate, desc="DNS záznam"),
            _line(11, 12, 9, 5, 31, "billable", step=15, rate=rate, desc="Obnova zálohy"),
            _line(12, 13, 9, 0, 10, "non-billable", desc="Odpověď zákazníkovi"),
        ]
        awaiting = []
        fees = []
        quota = None
        customer = Party(
            "Kovošrot Žďár s.r.o.",
            ("Průmyslová 8", "591 01 Žďár nad Sázavou"),
            vat_id,
            country,
            "12345678",
        )
        hint = 120
        plan_fee = PlanFeeLine(
            "hosting", date(2026, 10, 16), date(2026, 10, 31), 16, 31, 50000, 25806
        )
    else:
        plan, currency, rate, step, vat, country, vat_id = (
            "adhoc",
            "EUR",
            9000,
            1,
            Decimal("25.5"),
            "FI",
            "",
        )
        lines = [
            _line(20, 1, 16, 45, 95, "billable", rate=rate, desc="Landing page <b>fixes</b>"),
            _line(21, 30, 23, 50, 20, "billable", rate=rate, desc="Late-night cache purge"),
        ]
        awaiting = []
        fees = [FeeLine(2, date(2026, 10, 2), "Domain renewal", 1500)]
        quota = None
        customer = Party("Pixel Studio", ("1 Harbour Street", "Helsinki"), vat_id, country)
        hint = None
        plan_fee = None
    if descriptions:
        lines = [_line(99, 3, 9, 0, 5, "billable", rate=rate, desc=d) for d in descriptions]
    reverse = billing.is_reverse_charge(country, vat_id, "FI")
    tot = billing.totals(
        [ln.amount_minor for ln in lines if ln.cls == "billable"],
        [f.amount_minor for f in fees] + ([plan_fee.amount_minor] if plan_fee else []),
        vat,
        reverse_charge=reverse,
    )
    pay = payment_info(
        BANKS[currency],
        agency_name=AGENCY.name,
        reference_kind="fi",
        number=number,
        currency=currency,
        gross_minor=tot.gross_minor,
        due=date(2026, 11, 16),
        locale=locale,
    )
    return InvoiceReport(
        month="2026-10",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        number=number,
        status="issued" if number else "draft",
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 11, 16),
        agency=AGENCY,
        payment=pay,
        payment_terms_days=14,
        customer_slug="acme",
        customer=customer,
        plan=plan,
        locale=locale,
        currency=currency,
        rate_minor=rate,
        billing_step_minutes=step,
        lines=tuple(lines),
        awaiting=tuple(awaiting),
        fees=tuple(fees),
        class_totals=billing.class_totals([*lines, *awaiting]),
        quota=quota,
        billable_minutes=sum(ln.billed_minutes for ln in lines if ln.cls == "billable"),
        extra_count=sum(1 for ln in lines if ln.is_extra),
        net_minor=tot.net_minor,
        vat_percent=tot.vat_percent,
        vat_minor=tot.vat_minor,
        gross_minor=tot.gross_minor,
        is_reverse_charge=tot.is_reverse_charge,
        plan_hint_minutes=hint,
        supply_date=date(2026, 10, 31),
        plan_fee=plan_fee,
        timezone="Europe/Helsinki",
    )


LOCALES = {"fi": "fi_FI", "cs": "cs_CZ", "en": "en"}


@pytest.mark.parametrize("fmt", ["html", "md", "txt", "csv"])
@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_invoice_golden_file(lang: str, fmt: str) -> None:
    text = render.render_text(sample_report(LOCALES[lang]), fmt)
    golden = GOLDEN / lang / f"report.{fmt}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_invoice_golden_files_show_the_locale_money_format() -> None:
    assert render.locale_format("fi_FI").money(123456, "EUR") == "1\xa0234,56\xa0€"
    assert render.locale_format("cs_CZ").money(123456, "CZK") == "1\xa0234,56\xa0Kč"
    assert render.locale_format("en").money(123456, "EUR") == "€1,234.56"
    fi = (GOLDEN / "fi" / "report.html").read_text(encoding="utf-8")
    assert "Käännetty verovelvollisuus" not in fi  # same country: normal VAT
    cs = (GOLDEN / "cs" / "report.md").read_text(encoding="utf-8")
    assert "Kč" in cs and "DPH 0 %" in cs and "Daň odvede zákazník" in cs


def test_invoice_html_escapes_a_script_in_a_description() -> None:
    report = sample_report(
        "en", descriptions=("<script>alert('x')</script>", 'a "quoted" & <b>bold</b>')
    )
    html = render.render_text(report, "html")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    md = render.render_text(report, "md")
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_invoice_markdown_keeps_a_pipe_inside_its_cell() -> None:
    md = render.render_text(sample_report("en", descriptions=("fix | tweak",)), "md")
    row = next(line for line in md.splitlines() if "tweak" in line)
    assert "fix \\| tweak" in row


def test_invoice_draft_has_no_number_and_says_so() -> None:
    html = render.render_text(sample_report("en", number=None), "html")
    assert "Draft: not yet issued" in html and "Invoice number" not in html


def test_invoice_awaiting_approval_is_a_separate_unbilled_section() -> None:
    report = sample_report("fi_FI")
    html = render.render_text(report, "html")
    section = html.split('<section class="awaiting">')[1]
    assert "New banner (asked by Liisa)" in section
    assert "New banner" not in html.split('<section class="awaiting">')[0]
    assert all(ln.cls != "needs-approval" for ln in report.lines)
    # 55 min + 12 min at 75.00, the fee and the monthly fee
    assert report.net_minor == 6875 + 1500 + 12000 + 29000


def test_invoice_user_template_overrides_the_default(tmp_path: Path) -> None:
    user = tmp_path / "templates"
    (user / "invoice").mkdir(parents=True)
    (user / "invoice" / "report.txt.j2").write_text(
        "{{ r.customer.name }} owes {{ r.gross_minor|money }}\n", encoding="utf-8"
    )
    out = render.render_text(sample_report("en"), "txt", user)
    assert out == "Pixel Studio owes €235.31\n"
    # the other formats still come from the packaged defaults
    assert "<!DOCTYPE html>" in render.render_text(sample_report("en"), "html", user)


def test_invoice_template_typo_is_a_clear_input_error(tmp_path: Path) -> None:
    from supportctl.errors import InputError

    user = tmp_path / "templates"
    (user / "invoice").mkdir(parents=True)
    (user / "invoice" / "report.md.j2").write_text("{{ r.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(InputError, match="no_such_field"):
        render.render_text(sample_report("en"), "md", user)


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["fi_FI", "cs_CZ", "en"]),
    st.sampled_from(["EUR", "CZK"]),
)
def test_cached_money_format_matches_babel(amount, locale, currency) -> None:
    from babel.numbers import format_currency

    expected = format_currency(Decimal(amount).scaleb(-2), currency, locale=locale)
    assert render.locale_format(locale).money(amount, currency) == expected


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["fi_FI", "cs_CZ", "en"]),
)
def test_cached_date_and_time_match_babel(moment, locale) -> None:
    from babel.dates import format_date, format_time

    fmt = render.locale_format(locale)
    assert fmt.date(moment) == format_date(moment.date(), "medium", locale=locale)
    assert fmt.time(moment) == format_time(
        moment.time().replace(second=0, microsecond=0), "short", locale=locale
    )


def test_packaged_templates_are_found_in_the_source_tree() -> None:
    base = render.packaged_templates_dir()
    for name in render.TEMPLATE_NAMES.values():
        assert (base / name).is_file()


def test_invoice_html_footer_quotes_the_agency_name_for_css() -> None:
    from dataclasses import replace

    report = replace(
        sample_report("en"),
        agency=replace(AGENCY, name='Smith & "Sons" </style><script>x</script>'),
    )
    html = render.render_text(report, "html")
    assert "<script>" not in html and html.count("</style>") == 1
    footer = next(line for line in html.splitlines() if "@bottom-left" in line)
    assert 'Smith & \\"Sons\\" \\3C /style\\3E ' in footer
    # the body still shows the name HTML-escaped
    assert "Smith &amp; &#34;Sons&#34; &lt;/style&gt;" in html


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_an_issued_report_comes_back_whole_from_its_stored_json(lang: str) -> None:
    import json

    from supportctl.render.jsonout import to_jsonable
    from supportctl.services.invoicing import report_from_data

    report = sample_report(LOCALES[lang])
    data = json.loads(json.dumps(to_jsonable(report)))
    again = report_from_data(data, "Europe/Helsinki")
    assert again == report
    assert render.render_text(again, "html") == render.render_text(report, "html")


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_text_invoice_keeps_whole_headers_and_aligned_columns(lang: str) -> None:
    report = sample_report(LOCALES[lang])
    t = render.labels_for(report.locale)
    lines = render.render_text(report, "txt").splitlines()
    header = lines.index(t["entries"]) + 2  # the heading, its rule, then the header
    names = [
        t[k] for k in ("date", "start", "end", "minutes", "person", "ticket", "class", "amount")
    ]
    for name in names:
        assert name in lines[header], name  # never cut to a few letters
    starts = [lines[header].index(name) for name in (t["start"], t["end"])]
    rows = [ln for ln in lines[header + 2 :] if ln[:1].isalnum()][: len(report.lines)]
    assert len(rows) == len(report.lines)
    for row, ln in zip(rows, report.lines, strict=True):
        fmt = render.locale_format(report.locale)
        assert row[starts[0] :].startswith(fmt.time(ln.start))  # each column where its header is
        assert row[starts[1] :].startswith(fmt.time(ln.end))


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_csv_names_the_invoice_and_customer_on_every_row(lang: str) -> None:
    import csv
    import io

    report = sample_report(LOCALES[lang])
    rows = list(csv.reader(io.StringIO(render.render_text(report, "csv"))))
    assert rows[0][:2] == ["invoice", "customer"]
    assert all(r[:2] == ["2026-0007", "acme"] for r in rows[1:])
    payment = [r for r in rows if r[2] == "payment"]
    assert len(payment) == 1 and report.payment is not None
    assert str(report.payment.reference) in payment[0][10]
    draft = list(
        csv.reader(
            io.StringIO(render.render_text(sample_report(LOCALES[lang], number=None), "csv"))
        )
    )
    assert all(r[0] == "draft" for r in draft[1:])
