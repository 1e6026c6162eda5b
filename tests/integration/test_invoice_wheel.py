"""The wheel carries the invoice templates: build it, install it elsewhere, render from it."""

from __future__ import annotations

from pathlib import Path

RENDER_FROM_INSTALLED = r"""
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import supportctl
from supportctl.domain.billing import InvoiceReport, Party
from supportctl.render import invoice as render

target = Path(sys.argv[1]).resolve()
assert Path(supportctl.__file__).resolve().is_relative_to(target), supportctl.__file__
base = render.packaged_templates_dir()
assert base == target / "supportctl" / "templates", base
party = Party("Acme Oy", ("Satamakatu 3",), "FI87654321", "FI")
report = InvoiceReport(
    month="2026-10", period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
    number="2026-0001", status="issued", issue_date=date(2026, 11, 2), due_date=date(2026, 11, 16),
    agency=party, payment=None, payment_terms_days=14, customer_slug="acme",
    customer=party, plan="adhoc", locale="fi_FI", currency="EUR", rate_minor=7500,
    billing_step_minutes=1, lines=(), awaiting=(), fees=(), class_totals=(), quota=None,
    billable_minutes=0, extra_count=0, net_minor=0, vat_percent=Decimal("25.5"), vat_minor=0,
    gross_minor=0, is_reverse_charge=False, plan_hint_minutes=None,
)
for fmt in ("html", "md", "txt"):
    text = render.render_text(report, fmt)
    assert "2026-0001" in text and "Acme Oy" in text, fmt
print("rendered from", base)
"""


def test_invoice_templates_render_from_the_installed_wheel(installed_wheel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    names = installed_wheel.names()
    for fmt in ("html", "md", "txt"):
        assert f"supportctl/templates/invoice/report.{fmt}.j2" in names
    # Run from an unrelated directory so neither the repo nor its templates/ is near.
    done = installed_wheel.run(RENDER_FROM_INSTALLED, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "rendered from" in done.stdout
